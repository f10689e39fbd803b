//! Lays out a session and encodes its metadata on demand.
//!
//! Layout, relative to the session start S (addresses written are absolute,
//! S + relative):
//!
//! ```text
//! 0..16    system area (zeros)
//! 16..     PVD, [El Torito boot record], [Joliet SVD], terminator,
//!          [UDF volume recognition sequence: BEA01, NSR02/03, TEA01]
//!          [superblock tag]
//!          [UDF: main VDS at 32, reserve VDS at 48, LVID at 64,
//!           anchor at 256; path tables from 257]
//!          path tables: ECMA-119 L, M, [Joliet L, M]
//!          ECMA-119 directories (path-table order), Rock Ridge CE areas
//!          [Joliet directories]
//!          [UDF file set: FSD, file entries, directory contents]
//!          [tree tag]
//!          new file data, from a write-unit boundary
//!          [checksum array, session tag]  (see `checksum`)
//!          padding to a write-unit boundary
//!          [UDF: anchor in the last block]
//! ```
//!
//! Planning encodes every directory once to learn its size (sizes never
//! depend on addresses) and keeps only sizes and addresses. Directory
//! blocks are encoded again, one directory at a time, when the session is
//! streamed. Memory is therefore the tree plus a few words per directory
//! and per new file — never the metadata bytes or the data.

use std::sync::Arc;

use super::checksum::{ArrayLocation, Md5, Tag, TagKind};
use super::descriptor::{
    encode_terminator, encode_volume, set_space_size, BootRecord, VolumeOut, TYPE_PRIMARY,
    TYPE_SUPPLEMENTARY,
};
use super::layout::{pt, vd};
use super::record::{record_len, RecordOut, FLAG_DIRECTORY, FLAG_MULTI_EXTENT};
use super::susp::{self, Entries};
use crate::error::{Error, Result};
use crate::fsi::names::{self, IsoNamer, JolietNamer};
use crate::fsi::packed_names::PackedNames;
use crate::fsi::tree::{Content, Extent, FileData, Kind, NodeId, NodeMap, Tree};
use crate::fsi::udf::layout::{encode_vrs, VRS_BEA01, VRS_TEA01};
use crate::fsi::BLOCK_SIZE;
use crate::hresult::*;

/// Largest section of a new file: 4 GiB − 2 KiB, as libisofs writes them
/// (every section but the last must be a whole number of blocks).
pub const MAX_SECTION: u64 = 0xFFFF_F800;
const BS: u64 = BLOCK_SIZE as u64;

/// What the writer needs besides the tree.
#[derive(Debug, Clone)]
pub struct Params {
    pub start: u32,
    /// ISO 9660 (with Rock Ridge) is written; without it the session is
    /// UDF alone (`udf` is set): the descriptors at 16 are only the UDF
    /// recognition sequence and no path table or directory is placed.
    pub iso: bool,
    pub joliet: bool,
    pub volume_name: String,
    /// Blocks per write unit (1, 16 for DVD, 32 for BD): file data starts and
    /// the session ends on a multiple of it.
    pub write_unit: u32,
    /// Seconds since the epoch for volume dates and undated items.
    pub time: i64,
    pub boot: Option<BootRecord>,
    /// Extra zero blocks after the data (counted in the volume size).
    pub pad_blocks: u32,
}

/// What a UDF bridge asks of the layout before addresses exist.
#[derive(Debug, Clone, Copy)]
pub struct UdfSpace {
    /// NSR02 (UDF 1.0x/1.50) or NSR03 (2.00+), for the recognition sequence.
    pub nsr: [u8; 5],
    /// Blocks of the file set (FSD, file entries, directory contents).
    pub file_set_blocks: u32,
}

/// Where a UDF bridge's structures are, in blocks relative to the session
/// start. The volume structures sit at the fixed places UDF readers look:
/// the anchor at 256 (session start + 256 on multisession media) and in
/// the session's last block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdfAreas {
    /// First of the three recognition sequence blocks.
    pub vrs: u32,
    pub file_set: u32,
    pub file_set_blocks: u32,
    pub end_anchor: u32,
    /// A session at block 0 also has a copy of the file set descriptor
    /// at block 0 (and a terminator at 1), in the ISO 9660 system area:
    /// where readers that take the file set to begin the partition look
    /// (pycdlib). Later sessions cannot have one there.
    pub fsd_copy: bool,
}

impl UdfAreas {
    pub const MAIN_VDS: u32 = 32;
    pub const RESERVE_VDS: u32 = 48;
    /// Blocks of each volume descriptor sequence extent (UDF's minimum).
    pub const VDS_BLOCKS: u32 = 16;
    /// The integrity sequence: the LVID and a terminating descriptor.
    pub const LVID: u32 = 64;
    pub const ANCHOR: u32 = crate::volume::UDF_ANCHOR_LBA;

    /// Whether relative block `block` holds a UDF volume structure (the
    /// recognition sequence is part of the descriptor head).
    pub fn holds(&self, block: u32) -> bool {
        (Self::MAIN_VDS..Self::LVID + 2).contains(&block)
            || (self.fsd_copy && block < 2)
            || block == Self::ANCHOR
            || block == self.end_anchor
            || (self.file_set..self.file_set + self.file_set_blocks).contains(&block)
    }
}

/// A new file's data in the session.
#[derive(Debug, Clone, Copy)]
pub struct NewFile {
    /// First block relative to the session start.
    pub first: u32,
    /// The file; its size is the tree's (not copied: 8 bytes a file).
    pub node: NodeId,
}

#[derive(Debug)]
struct DirPlan {
    node: NodeId,
    parent: NodeId,
    subdirs: u32,
    /// The directory's identifiers in its parent (path tables need them).
    iso_id: Box<[u8]>,
    joliet_id: Box<[u8]>,
    /// (absolute LBA, bytes) in each tree.
    iso: (u32, u32),
    joliet: (u32, u32),
    /// This directory's continuation areas: byte range in the CE region.
    ce_start: u64,
    ce_len: u64,
}

/// Where a session that keeps libisofs checksums puts them.
#[derive(Debug, Clone, Copy)]
pub struct ChecksumPlan {
    /// What the root's `isofs.ca` says (absolute addresses).
    pub location: ArrayLocation,
    /// Relative blocks of the superblock tag (after the descriptors), the
    /// tree tag (after the directories), the array and the session tag
    /// after it.
    pub sb_tag: u32,
    pub tree_tag: u32,
    pub array: u32,
    pub tag: u32,
}

/// A planned session.
#[derive(Debug)]
pub struct Plan {
    tree: Arc<Tree>,
    p: Params,
    dirs: Vec<DirPlan>,
    /// Position in `dirs` of each directory.
    dir_of: NodeMap,
    /// `dirs` positions in Joliet path-table order.
    joliet_order: Vec<u32>,
    /// Absolute first block of each new file, by node index.
    new_first: NodeMap,
    /// New files in ascending block order.
    pub files: Vec<NewFile>,
    /// Relative blocks 16.. : descriptors and path tables.
    head: Vec<u8>,
    pub descriptor_blocks: u32,
    ce_base: u32,
    ce_blocks: u32,
    /// Relative block where file data starts.
    pub data_start: u32,
    pub total_blocks: u32,
    /// Set when the imported root carried libisofs's array location: the
    /// disc keeps checksums, so this session records its own.
    pub checksums: Option<ChecksumPlan>,
    /// A UDF bridge: the room its structures need (see [`UdfAreas`]).
    udf_space: Option<UdfSpace>,
    pub udf: Option<UdfAreas>,
}

/// One directory's encoded bytes and the continuation areas its records use.
#[derive(Debug, Default)]
pub struct EncodedDir {
    pub bytes: Vec<u8>,
    /// Starts at the directory's `ce_start` in the CE region.
    pub ce: Vec<u8>,
}

/// Calls `f` with each data section of `file` (a new one from block
/// `first`) and whether it is the last. Directories are measured before
/// files are placed: any block will do then, records have one size.
fn sections_of(file: &FileData, first: u32, mut f: impl FnMut(Extent, bool)) {
    match &file.content {
        Content::OnMedium(extents) => {
            for (i, e) in extents.iter().enumerate() {
                f(*e, i + 1 == extents.len());
            }
        }
        Content::New(_) => {
            if file.size == 0 {
                return f(Extent { lba: 0, len: 0 }, true);
            }
            let mut left = file.size;
            let mut lba = first;
            while left > MAX_SECTION {
                f(
                    Extent {
                        lba,
                        len: MAX_SECTION as u32,
                    },
                    false,
                );
                lba = lba.wrapping_add((MAX_SECTION / BS) as u32);
                left -= MAX_SECTION;
            }
            f(
                Extent {
                    lba,
                    len: left as u32,
                },
                true,
            );
        }
    }
}

fn too_big(detail: String) -> Error {
    Error::new(MS_IMAPI_E_IMAGE_TOO_BIG, detail)
}

/// A directory's children as one of its trees lists them, in identifier
/// order. The identifiers are packed in one buffer: a session lists every
/// directory four times (each tree planned, then written), so a child
/// costs no allocation of its own.
struct Listing<'t> {
    ids: PackedNames,
    children: Vec<Child<'t>>,
}

/// A child as one directory lists it: identifier (in the listing's
/// buffer), real name, node.
struct Child<'t> {
    id: u32,
    name: &'t str,
    node: NodeId,
}

impl<'t> Listing<'t> {
    /// Each child with its identifier.
    fn iter(&self) -> impl Iterator<Item = (&[u8], &Child<'t>)> {
        self.children.iter().map(|c| (self.ids.get(c.id), c))
    }

    fn has_clash(&self) -> bool {
        self.children
            .windows(2)
            .any(|w| self.ids.get(w[0].id) == self.ids.get(w[1].id))
    }
}

/// Where the metadata before the file data went: what the descriptors and
/// the data placement need from the address phase.
struct MetadataPlace {
    descriptors: u32,
    /// Bytes of the ECMA-119 and the Joliet path table.
    iso_pt: u64,
    joliet_pt: u64,
    /// (joliet, msb, relative block) of each path table, in write order.
    tables: Vec<(bool, bool, u64)>,
    /// The UDF areas placed so far (the end anchor comes with the total).
    udf: Option<UdfAreas>,
    /// The first relative block after the metadata.
    end: u64,
}

/// The ISO 9660 tree of a plan, its directories listed and sized but not
/// yet placed: what depends neither on the UDF file set's size nor on the
/// Joliet tree's, so that those can be measured beside it.
#[derive(Debug)]
pub struct Trees {
    plan: Plan,
    ce_bytes: u64,
}

/// Plans the session's trees ([`Trees::place`] places them).
pub fn plan_trees(tree: Arc<Tree>, p: Params) -> Result<Trees> {
    let slots = tree.slots();
    let mut plan = Plan {
        tree,
        p,
        dirs: Vec::new(),
        dir_of: NodeMap::new(slots),
        joliet_order: Vec::new(),
        new_first: NodeMap::new(slots),
        files: Vec::new(),
        head: Vec::new(),
        descriptor_blocks: 0,
        ce_base: 0,
        ce_blocks: 0,
        data_start: 0,
        total_blocks: 0,
        checksums: None,
        udf_space: None,
        udf: None,
    };
    plan.plan_checksums();
    let ce_bytes = plan.plan_iso_tree()?;
    Ok(Trees { plan, ce_bytes })
}

/// The Joliet tree of a session, measured apart from the ISO 9660 tree
/// ([`measure_joliet`]): its directories in path-table order, each with
/// its identifier in its parent and its size.
#[derive(Debug)]
pub struct JolietTree {
    dirs: Vec<JolietDir>,
}

#[derive(Debug)]
struct JolietDir {
    node: NodeId,
    id: Box<[u8]>,
    bytes: u32,
}

/// Lists and sizes the Joliet tree of `tree`. It needs nothing of the ISO
/// 9660 plan, so the build measures it on its second thread; the sizes
/// come from the record lengths alone ([`DirLen`]), as no address is known
/// yet.
pub fn measure_joliet(tree: &Tree) -> JolietTree {
    let mut dirs = vec![JolietDir {
        node: tree.root(),
        id: Box::new([0]),
        bytes: 0,
    }];
    let mut k = 0;
    while k < dirs.len() {
        let children = joliet_children(tree, dirs[k].node);
        let mut len = DirLen::default();
        len.record(1);
        len.record(1);
        for (id, c) in children.iter() {
            match &tree.node(c.node).kind {
                Kind::Dir(_) => {
                    dirs.push(JolietDir {
                        node: c.node,
                        id: id.into(),
                        bytes: 0,
                    });
                    len.record(id.len());
                }
                Kind::File(file) => sections_of(file, 0, |_, _| len.record(id.len())),
                // Listed by no Joliet directory; as the encoder does.
                _ => {}
            }
        }
        dirs[k].bytes = len.size() as u32;
        k += 1;
    }
    JolietTree { dirs }
}

impl Trees {
    /// The plan: addresses, with the Joliet tree and the UDF file set's
    /// space when the session has them.
    pub fn place(self, joliet: Option<JolietTree>, udf: Option<UdfSpace>) -> Result<Plan> {
        let Trees { mut plan, ce_bytes } = self;
        if let Some(joliet) = joliet {
            plan.take_joliet(joliet);
        }
        plan.udf_space = udf;
        let mut meta = plan.place_metadata(ce_bytes);
        plan.place_data(meta.end)?;
        // The closing UDF anchor takes the session's last block.
        plan.udf = meta.udf.take().map(|u| UdfAreas {
            end_anchor: plan.total_blocks - 1,
            ..u
        });
        plan.descriptor_blocks = meta.descriptors;
        plan.head = plan.encode_head(&meta);
        Ok(plan)
    }
}

impl Plan {
    /// The size of new file `f`.
    pub fn size_of(&self, f: &NewFile) -> u64 {
        match &self.tree.node(f.node).kind {
            Kind::File(file) => file.size,
            _ => unreachable!("a planned new file is a file"),
        }
    }

    /// A root that carried libisofs's array location marks a disc that
    /// keeps checksums: this session records its own.
    fn plan_checksums(&mut self) {
        let keeps_md5 = self
            .tree
            .extra_su(self.tree.root())
            .and_then(susp::array_location)
            .is_some();
        if keeps_md5 && self.p.iso {
            // Addresses come later; the encoded value has the same size.
            self.checksums = Some(ChecksumPlan {
                location: ArrayLocation {
                    start: self.p.start,
                    end: 0,
                    count: 2,
                },
                sb_tag: 0,
                tree_tag: 0,
                array: 0,
                tag: 0,
            });
        }
    }

    /// The ECMA-119 tree, breadth first in identifier order (= path-table
    /// order): each directory's size and continuation-area share. Returns
    /// the bytes of continuation areas all records need.
    fn plan_iso_tree(&mut self) -> Result<u64> {
        let tree = self.tree.clone();
        let root = tree.root();
        self.add_dir(root, root, Box::new([0]));
        let mut ce_cursor = 0u64;
        let mut scratch = Encoder::default();
        let mut i = 0;
        while i < self.dirs.len() {
            let children = iso_children(&tree, self.dirs[i].node);
            for (id, c) in children.iter() {
                if tree.node(c.node).is_dir() {
                    self.add_dir(c.node, self.dirs[i].node, id.into());
                }
            }
            let enc = self.encode_iso_dir(i, &children, ce_cursor, &mut scratch);
            let d = &mut self.dirs[i];
            d.iso.1 = enc.bytes.len() as u32;
            d.ce_start = ce_cursor;
            d.ce_len = enc.ce.len() as u64;
            ce_cursor += d.ce_len;
            i += 1;
        }
        if self.dirs.len() > 65_535 {
            return Err(Error::new(
                MS_IMAPI_E_TOO_MANY_DIRS,
                format!(
                    "{} directories; path tables number at most 65535",
                    self.dirs.len()
                ),
            ));
        }
        Ok(ce_cursor)
    }

    /// The Joliet tree over the same directories: identifiers, sizes and
    /// its own path-table order.
    fn take_joliet(&mut self, joliet: JolietTree) {
        self.joliet_order = joliet
            .dirs
            .into_iter()
            .map(|d| {
                let i = self.dir_index(d.node);
                self.dirs[i].joliet_id = d.id;
                self.dirs[i].joliet.1 = d.bytes;
                i as u32
            })
            .collect();
    }

    /// Addresses of everything before the file data: descriptors, the
    /// superblock tag, path tables, directories, continuation areas, the
    /// Joliet directories, the UDF file set and the tree tag.
    fn place_metadata(&mut self, ce_bytes: u64) -> MetadataPlace {
        let p = &self.p;
        let start = p.start as u64;
        let iso_descriptors = 2 + p.boot.is_some() as u32 + p.joliet as u32;
        let descriptors = p.iso as u32 * iso_descriptors + 3 * self.udf_space.is_some() as u32;
        let iso_pt = self.path_table(false, false).len() as u64;
        let joliet_pt = if p.joliet {
            self.path_table(true, false).len() as u64
        } else {
            0
        };
        let pt_blocks = |len: u64| p.iso as u64 * len.div_ceil(BS).max(1);
        let mut cursor = 16 + descriptors as u64;
        if let Some(c) = &mut self.checksums {
            c.sb_tag = cursor as u32;
            cursor += 1;
        }
        if self.udf_space.is_some() {
            cursor = UdfAreas::ANCHOR as u64 + 1;
        }
        let mut tables = vec![(false, false, cursor)];
        cursor += pt_blocks(iso_pt);
        tables.push((false, true, cursor));
        cursor += pt_blocks(iso_pt);
        if p.joliet {
            tables.push((true, false, cursor));
            cursor += pt_blocks(joliet_pt);
            tables.push((true, true, cursor));
            cursor += pt_blocks(joliet_pt);
        }
        for d in self.dirs.iter_mut() {
            d.iso.0 = (start + cursor) as u32;
            cursor += p.iso as u64 * d.iso.1 as u64 / BS;
        }
        self.ce_base = (start + cursor) as u32;
        self.ce_blocks = p.iso as u32 * ce_bytes.div_ceil(BS) as u32;
        cursor += self.ce_blocks as u64;
        for &i in &self.joliet_order {
            let d = &mut self.dirs[i as usize];
            d.joliet.0 = (start + cursor) as u32;
            cursor += d.joliet.1 as u64 / BS;
        }
        let udf = self.udf_space.map(|u| {
            let areas = UdfAreas {
                vrs: 16 + descriptors - 3,
                file_set: cursor.min(u32::MAX as u64) as u32,
                file_set_blocks: u.file_set_blocks,
                end_anchor: 0,
                fsd_copy: start == 0,
            };
            cursor += u.file_set_blocks as u64;
            areas
        });
        if let Some(c) = &mut self.checksums {
            c.tree_tag = cursor.min(u32::MAX as u64) as u32;
            cursor += 1;
        }
        MetadataPlace {
            descriptors,
            iso_pt,
            joliet_pt,
            tables,
            udf,
            end: cursor,
        }
    }

    /// Addresses from the first write unit after `metadata_end`: new
    /// files in tree order, the checksum array and its tag, padding;
    /// sets the data start and the session's total.
    fn place_data(&mut self, metadata_end: u64) -> Result<()> {
        let tree = self.tree.clone();
        let start = self.p.start as u64;
        let unit = self.p.write_unit.max(1) as u64;
        let data_start = (start + metadata_end).div_ceil(unit) * unit - start;
        let mut cursor = data_start;
        for (id, _) in tree.walk() {
            let Kind::File(f) = &tree.node(id).kind else {
                continue;
            };
            if let Content::New(_) = f.content {
                let first = (start + cursor).min(NodeMap::MAX as u64) as u32;
                self.new_first.set(id, first);
                if f.size > 0 {
                    self.files.push(NewFile {
                        first: cursor.min(u32::MAX as u64) as u32,
                        node: id,
                    });
                }
                cursor += f.size.div_ceil(BS);
                if start + cursor > u32::MAX as u64 {
                    return Err(too_big(format!(
                        "file data would reach block {}, beyond the 32-bit block addresses",
                        start + cursor
                    )));
                }
            }
        }
        if let Some(c) = &mut self.checksums {
            c.location.count = self.files.len() as u32 + 2;
            c.array = cursor.min(u32::MAX as u64) as u32;
            c.location.end = (start + cursor).min(u32::MAX as u64) as u32;
            cursor += c.location.blocks() as u64;
            c.tag = cursor.min(u32::MAX as u64) as u32;
            cursor += 1;
        }
        cursor += self.p.pad_blocks as u64;
        if self.udf_space.is_some() {
            // The closing UDF anchor.
            cursor += 1;
        }
        let total = (start + cursor).div_ceil(unit) * unit - start;
        if start + total > u32::MAX as u64 {
            return Err(too_big(format!(
                "session of {total} blocks at {start} ends beyond the 32-bit block addresses"
            )));
        }
        self.data_start = data_start as u32;
        self.total_blocks = total as u32;
        Ok(())
    }

    /// Relative blocks 16 up to the first directory: the volume
    /// descriptors (primary, boot record, Joliet, terminator, UDF
    /// recognition), the superblock checksum tag and the path tables.
    fn encode_head(&self, meta: &MetadataPlace) -> Vec<u8> {
        let p = &self.p;
        let abs = |rel: u64| (p.start as u64 + rel) as u32;
        let root_plan = &self.dirs[0];
        let tables = &meta.tables;
        // The primary and the Joliet descriptor differ in their identifier,
        // path tables (the first or second pair) and root.
        let volume = |joliet: bool, volume_id: &[u8]| {
            let (pt_size, pair, root) = if joliet {
                (meta.joliet_pt, &tables[2..4], root_plan.joliet)
            } else {
                (meta.iso_pt, &tables[0..2], root_plan.iso)
            };
            encode_volume(&VolumeOut {
                volume_id,
                space_size: self.total_blocks,
                path_table_size: pt_size as u32,
                path_table_l: abs(pair[0].2),
                path_table_m: abs(pair[1].2),
                root_extent: root.0,
                root_size: root.1,
                time: p.time,
                joliet,
            })
        };
        let mut head = volume(false, &names::iso_volume_id(&p.volume_name));
        if let Some(boot) = &p.boot {
            head.extend_from_slice(&boot.raw);
        }
        if p.joliet {
            let id: Vec<u8> = names::joliet_volume_id(&p.volume_name)
                .into_iter()
                .flat_map(u16::to_be_bytes)
                .collect();
            head.extend(volume(true, &id));
        }
        head.extend(encode_terminator());
        if !p.iso {
            // UDF alone: the recognition sequence is all there is at 16.
            head.clear();
        }
        if let Some(u) = &self.udf_space {
            for id in [VRS_BEA01, &u.nsr, VRS_TEA01] {
                head.extend(encode_vrs(id));
            }
        }
        if let Some(c) = &self.checksums {
            // Covers the system area and the descriptors, all known now.
            let mut md5 = Md5::new();
            md5.update(&[0u8; 16 * BLOCK_SIZE]);
            md5.update(&head);
            head.extend(
                Tag {
                    kind: TagKind::Superblock,
                    pos: p.start + c.sb_tag,
                    range_start: p.start,
                    range_size: c.sb_tag,
                    next: Some(p.start + c.tree_tag),
                    md5: md5.finish(),
                }
                .encode(),
            );
        }
        for &(joliet, msb, at) in tables.iter().filter(|_| p.iso) {
            head.resize((at as usize - 16) * BLOCK_SIZE, 0);
            head.extend(self.path_table(joliet, msb));
        }
        let head_blocks = (self.dirs[0].iso.0 - p.start - 16) as usize;
        head.resize(head_blocks * BLOCK_SIZE, 0);
        head
    }
}

/// Reused buffers for encoding records.
#[derive(Default)]
struct Encoder {
    su: Entries,
}

/// Which region a relative block belongs to.
pub enum Region {
    Zero,
    /// A UDF structure (relative block).
    Udf(u32),
    Head(usize),
    /// ECMA-119 directory (index into the plan's directories), block within.
    IsoDir(usize, u32),
    /// Block within the CE region.
    Ce(u64),
    JolietDir(usize, u32),
    Data,
}

impl Plan {
    /// `node`'s position in `dirs`; `node` is a directory the plan has.
    fn dir_index(&self, node: NodeId) -> usize {
        self.dir_of.get(node).expect("a planned directory") as usize
    }

    fn add_dir(&mut self, node: NodeId, parent: NodeId, iso_id: Box<[u8]>) {
        let tree = &self.tree;
        let subdirs = tree
            .node(node)
            .children()
            .filter(|(_, c)| tree.node(*c).is_dir())
            .count() as u32;
        self.dir_of.set(node, self.dirs.len() as u32);
        self.dirs.push(DirPlan {
            node,
            parent,
            subdirs,
            iso_id,
            joliet_id: Box::new([0]),
            iso: (0, 0),
            joliet: (0, 0),
            ce_start: 0,
            ce_len: 0,
        });
    }
}

/// The version every file identifier ends in (ECMA-119 7.5.1), in the
/// character set of the tree: `;1` for ECMA-119, UCS-2 `;1` for Joliet.
fn push_version(out: &mut Vec<u8>, is_dir: bool, joliet: bool) {
    match (is_dir, joliet) {
        (true, _) => {}
        (false, false) => out.extend_from_slice(b";1"),
        (false, true) => out.extend_from_slice(&[0, b';', 0, b'1']),
    }
}

/// Children of `dir` that `keep` accepts, with identifiers `id` appends
/// to the buffer it is given, sorted by `order`.
fn list_children<'t>(
    tree: &'t Tree,
    dir: NodeId,
    keep: impl Fn(NodeId) -> bool,
    mut id: impl FnMut(&str, bool, &mut Vec<u8>),
    order: impl Fn(&[u8], &[u8]) -> std::cmp::Ordering,
) -> Listing<'t> {
    let Kind::Dir(entries) = &tree.node(dir).kind else {
        return Listing {
            ids: PackedNames::new(),
            children: Vec::new(),
        };
    };
    let count = entries.len();
    let mut ids = PackedNames::with_capacity(count, count * 16);
    let mut children = Vec::with_capacity(count);
    for (name, node) in entries.iter() {
        if !keep(node) {
            continue;
        }
        let is_dir = tree.node(node).is_dir();
        let at = ids
            .push_with(|out| id(name, is_dir, out))
            .expect("identifiers are at most a few hundred bytes");
        children.push(Child { id: at, name, node });
    }
    children.sort_by(|a, b| order(ids.get(a.id), ids.get(b.id)));
    Listing { ids, children }
}

/// Children of `dir` with their ECMA-119 identifiers, in ECMA-119 order.
///
/// Names are mapped directly; only a directory where two names map to the
/// same identifier pays for the namer's bookkeeping.
fn iso_children(tree: &Tree, dir: NodeId) -> Listing<'_> {
    let all = |_: NodeId| true;
    let plain = list_children(
        tree,
        dir,
        all,
        |name, is_dir, out| {
            IsoNamer::plain_into(name, is_dir, out);
            push_version(out, is_dir, false);
        },
        iso_order,
    );
    if !plain.has_clash() {
        return plain;
    }
    let mut namer = IsoNamer::new();
    list_children(
        tree,
        dir,
        all,
        |name, is_dir, out| {
            let (stem, ext) = namer.assign(name, is_dir);
            out.extend_from_slice(&stem);
            if !is_dir {
                out.push(b'.');
                out.extend_from_slice(&ext);
            }
            push_version(out, is_dir, false);
        },
        iso_order,
    )
}

/// Children of `dir` in the Joliet tree (no symlinks) with their
/// identifiers (UCS-2 big-endian), in identifier order.
fn joliet_children(tree: &Tree, dir: NodeId) -> Listing<'_> {
    let no_links = |node: NodeId| !matches!(tree.node(node).kind, Kind::Symlink(_));
    let bytes = |a: &[u8], b: &[u8]| a.cmp(b);
    let plain = list_children(
        tree,
        dir,
        no_links,
        |name, is_dir, out| {
            JolietNamer::plain_into(name, is_dir, out);
            push_version(out, is_dir, true);
        },
        bytes,
    );
    if !plain.has_clash() {
        return plain;
    }
    let mut namer = JolietNamer::new();
    list_children(
        tree,
        dir,
        no_links,
        |name, is_dir, out| {
            for u in namer.assign(name, is_dir) {
                out.extend_from_slice(&u.to_be_bytes());
            }
            push_version(out, is_dir, true);
        },
        bytes,
    )
}

impl Plan {
    fn time_of(&self, id: NodeId) -> (i64, i64, i64) {
        match self.tree.node(id).attrs.times() {
            Some(t) => (t.modified, t.accessed, t.changed),
            None => (self.p.time, self.p.time, self.p.time),
        }
    }

    /// The data sections of file `id` as the ISO 9660 tree records them
    /// (new files at their planned addresses), for the UDF file entries,
    /// which point at the same bytes.
    pub fn file_sections(&self, id: NodeId) -> Vec<Extent> {
        let mut out = Vec::new();
        self.sections(id, |e, _| out.push(e));
        out
    }

    /// Calls `f` with each data section of file `id` and whether it is the
    /// last.
    fn sections(&self, id: NodeId, f: impl FnMut(Extent, bool)) {
        if let Kind::File(file) = &self.tree.node(id).kind {
            sections_of(file, self.new_first.get(id).unwrap_or(0), f);
        }
    }

    /// Rock Ridge entries for a record describing `id` (`name` is `None`
    /// for "." and ".."). `carry`: append the entries the node brought from
    /// its imported record (not on "..", which readers take from the
    /// parent's own records).
    fn rr_entries(
        &self,
        e: &mut Entries,
        id: NodeId,
        name: Option<&str>,
        root_dot: bool,
        carry: bool,
    ) {
        let node = self.tree.node(id);
        let (mode, links, link) = match &node.kind {
            Kind::Dir(_) => {
                let d = &self.dirs[self.dir_index(id)];
                (susp::S_IFDIR, 2 + d.subdirs, None)
            }
            Kind::File(_) => (susp::S_IFREG, 1, None),
            Kind::Symlink(t) => (susp::S_IFLNK, 1, Some(t.as_bytes())),
        };
        let (m, a, c) = self.time_of(id);
        e.clear();
        if root_dot {
            e.sp();
        }
        e.rr(true, name.is_some(), link.is_some(), true);
        e.px(
            mode | node.attrs.mode & 0o7777,
            links,
            node.attrs.uid,
            node.attrs.gid,
        );
        e.tf(m, a, c);
        if let Some(n) = name {
            e.nm(n.as_bytes());
        }
        if let Some(t) = link {
            e.sl(t);
        }
        if root_dot {
            e.er();
        }
        if !carry {
            return;
        }
        let extra = self.tree.extra_su(id).unwrap_or_default();
        let ours = match (&self.checksums, &node.kind) {
            (Some(c), Kind::Dir(_)) if root_dot => {
                susp::with_array_location(extra, &c.location.encode())
            }
            (Some(_), Kind::File(_)) => self
                .checksum_index(id)
                .and_then(|i| susp::with_file_index(extra, &i.to_be_bytes())),
            _ => None,
        };
        e.raw(ours.as_deref().unwrap_or(extra));
    }

    /// The index in the checksum array of new file `id` (1 and up, in data
    /// order; while planning, before addresses exist, a stand-in of the
    /// same size). Empty files have no data to check.
    pub fn checksum_index(&self, id: NodeId) -> Option<u32> {
        let Kind::File(FileData {
            content: Content::New(_),
            size,
        }) = &self.tree.node(id).kind
        else {
            return None;
        };
        if *size == 0 {
            return None;
        }
        let Some(first) = self.new_first.get(id) else {
            return Some(0);
        };
        let rel = first - self.p.start;
        Some(self.files.partition_point(|f| f.first < rel) as u32 + 1)
    }

    /// Appends one ECMA-119 record (its entries already in `e`), placing
    /// spilled entries in continuation areas.
    #[allow(clippy::too_many_arguments)]
    fn iso_record(
        &self,
        out: &mut EncodedDir,
        ce_start: u64,
        e: &Entries,
        id: &[u8],
        extent: Extent,
        flags: u8,
        date: i64,
    ) {
        let base = record_len(id.len(), 0);
        let split = susp::split(e, 254 - base);
        let mut su_len = e.bytes(0..split.inline).len();
        let mut places = Vec::new();
        for i in 0..split.areas.len() {
            let len = split.area_len(e, i);
            // An area never crosses a block boundary of the CE region.
            let at = ce_start + out.ce.len() as u64;
            let used = at % BS;
            if used + len as u64 > BS {
                out.ce.resize(out.ce.len() + (BS - used) as usize, 0);
            }
            let at = ce_start + out.ce.len() as u64;
            places.push(at);
            out.ce.resize(out.ce.len() + len, 0);
        }
        let ce_entry = |i: usize| {
            let at = places[i];
            susp::ce(
                self.ce_base + (at / BS) as u32,
                (at % BS) as u32,
                split.area_len(e, i) as u32,
            )
        };
        for (i, range) in split.areas.iter().enumerate() {
            let mut at = (places[i] - ce_start) as usize;
            let bytes = e.bytes(range.clone());
            out.ce[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
            if i + 1 < split.areas.len() {
                out.ce[at..at + susp::CE_LEN].copy_from_slice(&ce_entry(i + 1));
            }
        }
        let mut su = Vec::new();
        let inline = e.bytes(0..split.inline);
        let su_bytes: &[u8] = if split.areas.is_empty() {
            inline
        } else {
            su.extend_from_slice(inline);
            su.extend_from_slice(&ce_entry(0));
            su_len += susp::CE_LEN;
            &su
        };
        debug_assert_eq!(su_bytes.len(), su_len);
        let len = record_len(id.len(), su_bytes.len());
        room_for(&mut out.bytes, len);
        RecordOut {
            extent: extent.lba,
            size: extent.len,
            date,
            flags,
            id,
            system_use: su_bytes,
        }
        .encode(&mut out.bytes);
    }

    /// Encodes ECMA-119 directory `i` whose children are `children`, its
    /// continuation areas starting at `ce_start` of the CE region.
    fn encode_iso_dir(
        &self,
        i: usize,
        children: &Listing<'_>,
        ce_start: u64,
        enc: &mut Encoder,
    ) -> EncodedDir {
        let mut out = EncodedDir::default();
        // Known once planned: the write encodes without growing.
        out.bytes.reserve_exact(self.dirs[i].iso.1 as usize);
        let d = &self.dirs[i];
        let root = self.tree.root();
        let mut su = std::mem::take(&mut enc.su);
        let own = Extent {
            lba: d.iso.0,
            len: d.iso.1,
        };
        let parent = &self.dirs[self.dir_index(d.parent)];
        let up = Extent {
            lba: parent.iso.0,
            len: parent.iso.1,
        };
        self.rr_entries(&mut su, d.node, None, d.node == root, true);
        self.iso_record(
            &mut out,
            ce_start,
            &su,
            &[0],
            own,
            FLAG_DIRECTORY,
            self.time_of(d.node).0,
        );
        self.rr_entries(&mut su, d.parent, None, false, false);
        self.iso_record(
            &mut out,
            ce_start,
            &su,
            &[1],
            up,
            FLAG_DIRECTORY,
            self.time_of(d.parent).0,
        );
        for (id, c) in children.iter() {
            self.rr_entries(&mut su, c.node, Some(c.name), false, true);
            let time = self.time_of(c.node).0;
            match &self.tree.node(c.node).kind {
                Kind::Dir(_) => {
                    let cd = &self.dirs[self.dir_index(c.node)];
                    let extent = Extent {
                        lba: cd.iso.0,
                        len: cd.iso.1,
                    };
                    self.iso_record(&mut out, ce_start, &su, id, extent, FLAG_DIRECTORY, time);
                }
                Kind::Symlink(_) => {
                    let none = Extent { lba: 0, len: 0 };
                    self.iso_record(&mut out, ce_start, &su, id, none, 0, time);
                }
                Kind::File(_) => self.sections(c.node, |s, last| {
                    let flags = if last { 0 } else { FLAG_MULTI_EXTENT };
                    self.iso_record(&mut out, ce_start, &su, id, s, flags, time);
                }),
            }
        }
        enc.su = su;
        end_dir(&mut out.bytes);
        out
    }

    fn encode_joliet_dir(&self, i: usize, children: &Listing<'_>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.dirs[i].joliet.1 as usize);
        let d = &self.dirs[i];
        let record = |out: &mut Vec<u8>, id: &[u8], extent: Extent, flags: u8, date: i64| {
            room_for(out, record_len(id.len(), 0));
            RecordOut {
                extent: extent.lba,
                size: extent.len,
                date,
                flags,
                id,
                system_use: &[],
            }
            .encode(out);
        };
        let parent = &self.dirs[self.dir_index(d.parent)];
        let ext = |p: &DirPlan| Extent {
            lba: p.joliet.0,
            len: p.joliet.1,
        };
        record(
            &mut out,
            &[0],
            ext(d),
            FLAG_DIRECTORY,
            self.time_of(d.node).0,
        );
        record(
            &mut out,
            &[1],
            ext(parent),
            FLAG_DIRECTORY,
            self.time_of(d.parent).0,
        );
        for (id, c) in children.iter() {
            let time = self.time_of(c.node).0;
            if self.tree.node(c.node).is_dir() {
                let cd = &self.dirs[self.dir_index(c.node)];
                record(&mut out, id, ext(cd), FLAG_DIRECTORY, time);
            } else {
                self.sections(c.node, |s, last| {
                    let flags = if last { 0 } else { FLAG_MULTI_EXTENT };
                    record(&mut out, id, s, flags, time);
                });
            }
        }
        end_dir(&mut out);
        out
    }

    /// One path table (ECMA-119 9.4): `joliet` picks the tree, `msb` the
    /// byte order (M table).
    fn path_table(&self, joliet: bool, msb: bool) -> Vec<u8> {
        let order: Vec<u32> = if joliet {
            self.joliet_order.clone()
        } else {
            (0..self.dirs.len() as u32).collect()
        };
        let mut number = vec![0u16; self.dirs.len()];
        for (n, &k) in order.iter().enumerate() {
            number[k as usize] = (n + 1).min(u16::MAX as usize) as u16;
        }
        let mut t = Vec::new();
        for &k in &order {
            let d = &self.dirs[k as usize];
            let (id, extent) = if joliet {
                (&d.joliet_id, d.joliet.0)
            } else {
                (&d.iso_id, d.iso.0)
            };
            let parent = number[self.dir_index(d.parent)];
            let at = t.len();
            t.resize(at + pt::record_len(id.len()), 0);
            let r = &mut t[at..];
            pt::ID_LENGTH.put(r, id.len() as u8);
            pt::extent(msb).put(r, extent);
            pt::parent(msb).put(r, parent);
            r[pt::FIXED_LEN..pt::FIXED_LEN + id.len()].copy_from_slice(id);
        }
        t
    }

    /// The region of relative block `block` (below `data_start`).
    pub fn region(&self, block: u32) -> Region {
        let start = self.p.start;
        let abs = start + block;
        if self.udf.is_some_and(|u| u.holds(block)) {
            return Region::Udf(block);
        }
        if block < 16 {
            return Region::Zero;
        }
        let first_dir = self.dirs[0].iso.0;
        if abs < first_dir {
            return Region::Head((block as usize - 16) * BLOCK_SIZE);
        }
        if abs < self.ce_base {
            let i = self.dirs.partition_point(|d| d.iso.0 <= abs) - 1;
            return Region::IsoDir(i, abs - self.dirs[i].iso.0);
        }
        if abs < self.ce_base + self.ce_blocks {
            return Region::Ce((abs - self.ce_base) as u64);
        }
        if self.p.joliet && block < self.data_start {
            let k = self
                .joliet_order
                .partition_point(|&i| self.dirs[i as usize].joliet.0 <= abs);
            if k > 0 {
                let i = self.joliet_order[k - 1] as usize;
                let d = &self.dirs[i];
                if abs < d.joliet.0 + d.joliet.1 / BLOCK_SIZE as u32 {
                    return Region::JolietDir(i, abs - d.joliet.0);
                }
            }
        }
        if block < self.data_start {
            return Region::Zero;
        }
        Region::Data
    }

    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Recomputes the superblock tag over `system_area` (the session's
    /// first 16 blocks) instead of the zeros planning assumed: a first
    /// UDF bridge session keeps a copy of its file set descriptor in
    /// block 0, which the tag covers.
    pub fn reseal_superblock_tag(&mut self, system_area: &[u8]) {
        let Some(c) = &self.checksums else {
            return;
        };
        let at = (c.sb_tag as usize - 16) * BLOCK_SIZE;
        let mut md5 = Md5::new();
        md5.update(system_area);
        md5.update(&self.head[..at]);
        let tag = Tag {
            kind: TagKind::Superblock,
            pos: self.p.start + c.sb_tag,
            range_start: self.p.start,
            range_size: c.sb_tag,
            next: Some(self.p.start + c.tree_tag),
            md5: md5.finish(),
        }
        .encode();
        self.head[at..at + tag.len()].copy_from_slice(&tag);
    }

    /// Encodes ECMA-119 directory `i` (records and continuation areas).
    pub fn iso_dir(&self, i: usize) -> EncodedDir {
        let children = iso_children(&self.tree, self.dirs[i].node);
        self.encode_iso_dir(i, &children, self.dirs[i].ce_start, &mut Encoder::default())
    }

    pub fn joliet_dir(&self, i: usize) -> Vec<u8> {
        let children = joliet_children(&self.tree, self.dirs[i].node);
        self.encode_joliet_dir(i, &children)
    }

    /// Directories whose continuation areas overlap CE-region bytes `range`,
    /// with where their areas start.
    pub fn ce_dirs(&self, range: std::ops::Range<u64>) -> Vec<(usize, u64)> {
        let first = self
            .dirs
            .partition_point(|d| d.ce_start + d.ce_len <= range.start);
        self.dirs[first..]
            .iter()
            .enumerate()
            .take_while(|(_, d)| d.ce_start < range.end)
            .filter(|(_, d)| d.ce_len > 0)
            .map(|(k, d)| (first + k, d.ce_start))
            .collect()
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The descriptor set for LBA 16 of a random-write medium: the
    /// session's own descriptors with the volume space size made absolute
    /// (its end), as growisofs and libisoburn write them there.
    ///
    /// A disc that keeps checksums may hold the superblock tag of the
    /// session first written there in the block after the set, where
    /// libisofs looks for one: it would check the new descriptors against
    /// the old MD5 and refuse to load the volume. One zero block after the
    /// set removes it; that block belongs to the superseded descriptor
    /// area (path tables or tags of the first session), never to data the
    /// new tree references.
    pub fn anchor_blocks(&self) -> Vec<u8> {
        let mut set = self.head[..self.descriptor_blocks as usize * BLOCK_SIZE].to_vec();
        let end = self.p.start + self.total_blocks;
        for block in set.chunks_exact_mut(BLOCK_SIZE) {
            if vd::STANDARD_ID.get(block) == vd::STANDARD
                && matches!(vd::TYPE.get(block), TYPE_PRIMARY | TYPE_SUPPLEMENTARY)
            {
                set_space_size(block, end);
            }
        }
        if self.checksums.is_some() {
            set.resize(set.len() + BLOCK_SIZE, 0);
        }
        set
    }
}

/// Starts a new block when a record of `len` bytes would cross one.
fn room_for(bytes: &mut Vec<u8>, len: usize) {
    bytes.resize(record_start(bytes.len(), len), 0);
}

/// Where a record of `len` bytes starts in a directory whose records so
/// far end at `at`: at the next block when it would cross one.
fn record_start(at: usize, len: usize) -> usize {
    let used = at % BLOCK_SIZE;
    if used + len > BLOCK_SIZE {
        at + BLOCK_SIZE - used
    } else {
        at
    }
}

/// Pads a directory to whole blocks.
fn end_dir(bytes: &mut Vec<u8>) {
    bytes.resize(dir_size(bytes.len()), 0);
}

/// The size of a directory whose records end at `at`: whole blocks, at
/// least one.
fn dir_size(at: usize) -> usize {
    at.div_ceil(BLOCK_SIZE).max(1) * BLOCK_SIZE
}

/// The length of a directory of records without system use (Joliet's),
/// counted as [`room_for`] and [`end_dir`] lay them out.
#[derive(Default)]
struct DirLen(usize);

impl DirLen {
    /// A record with an identifier of `id_len` bytes.
    fn record(&mut self, id_len: usize) {
        let len = record_len(id_len, 0);
        self.0 = record_start(self.0, len) + len;
    }

    fn size(&self) -> usize {
        dir_size(self.0)
    }
}

/// [`iso_key`] order, decided at the first byte where `a` and `b` differ
/// when that falls in the name part: a listing sorts a million
/// identifiers at each plan and write, and splitting both at every
/// comparison was its largest cost. There, a name part that ends (at
/// `.`, `;` or the end) is the smaller; anywhere else the keys decide.
fn iso_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Greater, Less};
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let ends = |id: &[u8]| matches!(id.get(at), None | Some(b'.' | b';'));
    if !a[..at].iter().any(|&c| c == b'.' || c == b';') {
        match (ends(a), ends(b)) {
            (false, false) => return a[at].cmp(&b[at]),
            (true, false) => return Less,
            (false, true) => return Greater,
            (true, true) => {}
        }
    }
    iso_key(a).cmp(&iso_key(b))
}

/// ECMA-119 9.3 ordering of identifiers: name part, then extension (both
/// compared as if padded with spaces, which for d-characters is plain
/// byte order), then version.
fn iso_key(id: &[u8]) -> (&[u8], &[u8]) {
    let id = match id.iter().position(|&b| b == b';') {
        Some(i) => &id[..i],
        None => id,
    };
    match id.iter().position(|&b| b == b'.') {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => (id, &[][..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsi::tree::{Attrs, OnceReader};

    #[test]
    fn identifiers_compare_as_their_name_parts_then_extensions() {
        let ids: [&[u8]; 16] = [
            b"A", b"AB", b"A.B;1", b"A.;1", b"A;1", b"AB.C;1", b"A.BC;1", b"A.B;2", b"A0",
            b"A_.B;1", b"A-B", b"A.B.C;1", b"A.B-C;1", b"", b";1", b"A.B;10",
        ];
        for a in ids {
            for b in ids {
                assert_eq!(
                    iso_order(a, b),
                    iso_key(a).cmp(&iso_key(b)),
                    "{:?} against {:?}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                );
            }
        }
    }

    fn add(t: &mut Tree, path: &str, size: u64) {
        let data = OnceReader::new(Box::new(std::io::empty()));
        t.add_file(path, size, Arc::new(data), Attrs::file(), false)
            .unwrap();
    }

    /// The Joliet sizes measured from record lengths alone are the lengths
    /// the encoder writes once addresses exist: a difference would cut a
    /// directory or run it into the next one.
    #[test]
    fn measured_joliet_sizes_are_the_encoded_ones() {
        let mut t = Tree::new();
        t.mkdir_all("/empty").unwrap();
        t.mkdir_all("/deep/er/still").unwrap();
        t.mkdir_all("/many").unwrap();
        t.mkdir_all("/clash").unwrap();
        // Enough long names to take several blocks, names cut at Joliet's
        // 64 characters that then clash, and non-ASCII names.
        for i in 0..300 {
            add(
                &mut t,
                &format!("/many/{}{i:03}", "n".repeat(i % 90)),
                i as u64,
            );
        }
        for i in 0..5 {
            add(&mut t, &format!("/clash/{}{i}", "x".repeat(70)), 1);
        }
        add(&mut t, "/many/ünïcødé 名前.txt", 7);
        // Over 4 GiB: one record per section.
        add(&mut t, "/deep/big", 3 * MAX_SECTION + 5);
        add(&mut t, "/deep/er/exact", 2 * MAX_SECTION);
        add(&mut t, "/zero", 0);
        t.add_symlink("/link", "zero", false).unwrap();
        let tree = Arc::new(t);
        let params = Params {
            start: 0,
            iso: true,
            joliet: true,
            volume_name: "T".into(),
            write_unit: 16,
            time: 1_700_000_000,
            boot: None,
            pad_blocks: 0,
        };
        let joliet = measure_joliet(&tree);
        let plan = plan_trees(Arc::clone(&tree), params)
            .unwrap()
            .place(Some(joliet), None)
            .unwrap();
        assert_eq!(plan.joliet_order.len(), plan.dirs.len());
        let mut several_blocks = 0;
        for &i in &plan.joliet_order {
            let d = &plan.dirs[i as usize];
            let encoded = plan.encode_joliet_dir(i as usize, &joliet_children(&tree, d.node));
            assert_eq!(encoded.len(), d.joliet.1 as usize, "{:?}", d.node);
            several_blocks += usize::from(encoded.len() > BLOCK_SIZE);
        }
        assert!(several_blocks >= 1, "a directory of several blocks");
    }
}
