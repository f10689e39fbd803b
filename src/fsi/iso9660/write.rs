//! Lays out and encodes a session: volume descriptors, path tables, the
//! ECMA-119 directories with Rock Ridge (and their continuation areas), the
//! Joliet directories, and the placement of new file data.
//!
//! Layout, relative to the session start S (all addresses written are
//! absolute, S + relative):
//!
//! ```text
//! 0..16    system area (zeros)
//! 16..     PVD, [El Torito boot record], [Joliet SVD], terminator
//!          path tables: ECMA-119 L, M, [Joliet L, M]
//!          ECMA-119 directories (path-table order), Rock Ridge CE areas
//!          [Joliet directories]
//!          new file data, starting on a write-unit boundary
//!          padding to a write-unit boundary
//! ```
//!
//! Encoding runs twice: once with placeholder addresses to learn every
//! size (sizes never depend on addresses), then for real.

use std::sync::Arc;

use super::codec::get_u32_le;
use super::descriptor::{encode_terminator, encode_volume, set_space_size, BootRecord, VolumeOut};
use super::record::{record_len, RecordOut, FLAG_DIRECTORY, FLAG_MULTI_EXTENT};
use super::susp;
use crate::error::{Error, Result};
use crate::fsi::names::{self, IsoNamer, JolietNamer};
use crate::fsi::tree::{Content, DataSource, Extent, Kind, NodeId, Tree};
use crate::fsi::BLOCK_SIZE;
use crate::hresult::*;

/// Largest section of a new file: 4 GiB − 2 KiB, as libisofs writes them
/// (every section but the last must be a whole number of blocks).
pub const MAX_SECTION: u64 = 0xFFFF_F800;
const BS: u64 = BLOCK_SIZE as u64;

/// What the writer needs besides the tree.
#[derive(Debug, Clone)]
pub struct WriteParams<'a> {
    pub start: u32,
    pub joliet: bool,
    pub volume_name: &'a str,
    /// Blocks per write unit (1, 16 for DVD, 32 for BD): file data starts and
    /// the session ends on a multiple of it.
    pub write_unit: u32,
    /// Seconds since the epoch for volume dates and undated items.
    pub time: i64,
    pub boot: Option<&'a BootRecord>,
    /// Extra zero blocks after the data (counted in the volume size).
    pub pad_blocks: u32,
}

/// A new file's data in the session.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// First block relative to the session start.
    pub first: u32,
    pub size: u64,
    pub source: Arc<dyn DataSource>,
    /// Image path, for error messages.
    pub path: String,
}

/// The encoded session: every metadata block in memory, file data as
/// references to be read while streaming.
#[derive(Debug)]
pub struct Layout {
    /// Blocks `0..meta.len()/2048` of the session.
    pub meta: Vec<u8>,
    /// New files, in ascending block order.
    pub files: Vec<NewFile>,
    pub total_blocks: u32,
    /// The descriptor set (PVD .. terminator) as written at relative 16.
    pub descriptor_blocks: u32,
}

/// Per-node facts the encoder needs.
#[derive(Default, Clone)]
struct Out {
    /// ECMA-119 identifier: `NAME.EXT;1`, or `NAME` for a directory.
    iso_id: Box<[u8]>,
    /// Joliet identifier in UCS-2 (files with `;1`); `None` when the item is
    /// not in the Joliet tree (symbolic links).
    joliet_id: Option<Box<[u16]>>,
    /// Directory extents (absolute LBA, bytes) in each tree.
    iso_dir: (u32, u32),
    joliet_dir: (u32, u32),
    /// Data sections of a file.
    sections: Box<[Extent]>,
}

struct DirOut<'t> {
    node: NodeId,
    parent: NodeId,
    /// Children with their real names, in ECMA-119 order.
    iso_children: Vec<(&'t str, NodeId)>,
    joliet_children: Vec<NodeId>,
    subdirs: u32,
}

/// Packs records into blocks (a record never crosses a block boundary).
struct DirBytes {
    bytes: Vec<u8>,
    start: usize,
}

impl DirBytes {
    fn begin(buf: Vec<u8>) -> DirBytes {
        let start = buf.len();
        DirBytes { bytes: buf, start }
    }

    fn room_for(&mut self, len: usize) {
        let used = (self.bytes.len() - self.start) % BLOCK_SIZE;
        if used + len > BLOCK_SIZE {
            self.bytes.resize(self.bytes.len() + BLOCK_SIZE - used, 0);
        }
    }

    /// Pads to a block boundary; returns the directory's size in bytes.
    fn end(&mut self) -> u32 {
        let len = self.bytes.len() - self.start;
        let size = len.div_ceil(BLOCK_SIZE).max(1) * BLOCK_SIZE;
        self.bytes.resize(self.start + size, 0);
        size as u32
    }
}

/// Continuation areas, packed into blocks.
#[derive(Default)]
struct CeArea {
    bytes: Vec<u8>,
}

impl CeArea {
    /// Reserves `len` (≤ one block) bytes; returns (block index, offset).
    fn alloc(&mut self, len: usize) -> (u32, u32) {
        let used = self.bytes.len() % BLOCK_SIZE;
        if used + len > BLOCK_SIZE {
            self.bytes.resize(self.bytes.len() + BLOCK_SIZE - used, 0);
        }
        let at = self.bytes.len();
        self.bytes.resize(at + len, 0);
        ((at / BLOCK_SIZE) as u32, (at % BLOCK_SIZE) as u32)
    }

    fn blocks(&self) -> u32 {
        self.bytes.len().div_ceil(BLOCK_SIZE) as u32
    }
}

struct Writer<'t> {
    tree: &'t Tree,
    p: &'t WriteParams<'t>,
    out: Vec<Out>,
    /// Directories in ECMA-119 path-table order (index = number − 1).
    iso_dirs: Vec<DirOut<'t>>,
    /// Position in `iso_dirs` by node index.
    dir_index: Vec<u32>,
    /// Directories in Joliet path-table order (indices into `iso_dirs`).
    joliet_order: Vec<u32>,
    ce_base: u32,
}

fn too_big(detail: String) -> Error {
    Error::new(MS_IMAPI_E_IMAGE_TOO_BIG, detail)
}

/// Lays out and encodes the session for `tree`.
pub fn write(tree: &Tree, p: &WriteParams<'_>) -> Result<Layout> {
    let mut w = Writer {
        tree,
        p,
        out: vec![Out::default(); tree.slots()],
        iso_dirs: Vec::new(),
        dir_index: vec![u32::MAX; tree.slots()],
        joliet_order: Vec::new(),
        ce_base: 0,
    };
    w.name_everything()?;
    let unit = p.write_unit.max(1) as u64;

    // File sections first (their number shapes the directories); new
    // files get addresses relative to the data area, made absolute below.
    let mut files = Vec::new();
    let mut new_files = Vec::new();
    let mut data_blocks = 0u64;
    for (id, _) in tree.walk() {
        let Kind::File(f) = &tree.node(id).kind else {
            continue;
        };
        w.out[id.index()].sections = match &f.content {
            Content::OnMedium(extents) => extents.clone(),
            Content::New(source) => {
                new_files.push(id);
                let first = data_blocks;
                let mut sections = Vec::new();
                let mut left = f.size;
                while left > MAX_SECTION {
                    sections.push((MAX_SECTION, data_blocks));
                    data_blocks += MAX_SECTION / BS;
                    left -= MAX_SECTION;
                }
                sections.push((left, data_blocks));
                data_blocks += left.div_ceil(BS);
                if data_blocks > u32::MAX as u64 {
                    return Err(too_big(format!(
                        "new file data of {data_blocks} blocks does not fit 32-bit block addresses"
                    )));
                }
                if f.size > 0 {
                    files.push(NewFile {
                        first: first as u32,
                        size: f.size,
                        source: source.clone(),
                        path: tree.path_of(id),
                    });
                }
                sections
                    .into_iter()
                    .map(|(len, rel)| Extent {
                        lba: if f.size == 0 { 0 } else { rel as u32 },
                        len: len as u32,
                    })
                    .collect()
            }
        };
    }

    // Pass 1: sizes.
    let (_, iso_sizes, ce) = w.encode_iso_dirs();
    let (_, joliet_sizes) = if p.joliet {
        w.encode_joliet_dirs()
    } else {
        (Vec::new(), Vec::new())
    };
    let descriptors = 2 + p.boot.is_some() as u32 + p.joliet as u32;
    let iso_pt = w.path_table(false, false).len() as u64;
    let joliet_pt = if p.joliet {
        w.path_table(true, false).len() as u64
    } else {
        0
    };
    let pt_blocks = |len: u64| len.div_ceil(BS).max(1);
    let mut cursor = 16 + descriptors as u64;
    let iso_l = cursor;
    cursor += pt_blocks(iso_pt);
    let iso_m = cursor;
    cursor += pt_blocks(iso_pt);
    let (mut joliet_l, mut joliet_m) = (0, 0);
    if p.joliet {
        joliet_l = cursor;
        cursor += pt_blocks(joliet_pt);
        joliet_m = cursor;
        cursor += pt_blocks(joliet_pt);
    }
    let start = p.start as u64;
    for (i, size) in iso_sizes.iter().enumerate() {
        let node = w.iso_dirs[i].node.index();
        w.out[node].iso_dir = ((start + cursor) as u32, *size);
        cursor += *size as u64 / BS;
    }
    w.ce_base = (start + cursor) as u32;
    cursor += ce.blocks() as u64;
    for (k, size) in joliet_sizes.iter().enumerate() {
        let node = w.iso_dirs[w.joliet_order[k] as usize].node.index();
        w.out[node].joliet_dir = ((start + cursor) as u32, *size);
        cursor += *size as u64 / BS;
    }
    let meta_blocks = cursor;
    // New file data from the next write-unit boundary (in absolute terms).
    let data_start = (start + cursor).div_ceil(unit) * unit - start;
    let data_base = start + data_start;
    if data_base + data_blocks > u32::MAX as u64 {
        return Err(too_big(format!(
            "file data would reach block {}, beyond the 32-bit block addresses",
            data_base + data_blocks
        )));
    }
    for file in &mut files {
        file.first += data_start as u32;
    }
    for &node in &new_files {
        if tree_file_size(tree, node) > 0 {
            for s in w.out[node.index()].sections.iter_mut() {
                s.lba += data_base as u32;
            }
        }
    }
    cursor = data_start + data_blocks;
    cursor += p.pad_blocks as u64;
    let total = (start + cursor).div_ceil(unit) * unit - start;
    if start + total > u32::MAX as u64 {
        return Err(too_big(format!(
            "session of {total} blocks at {start} ends beyond the 32-bit block addresses"
        )));
    }

    // Pass 2: the real bytes.
    let mut meta = vec![0u8; 16 * BLOCK_SIZE];
    let abs = |rel: u64| (start + rel) as u32;
    let iso_root = w.out[tree.root().index()].iso_dir;
    let joliet_root = w.out[tree.root().index()].joliet_dir;
    meta.extend(encode_volume(&VolumeOut {
        volume_id: &names::iso_volume_id(p.volume_name),
        space_size: total as u32,
        path_table_size: iso_pt as u32,
        path_table_l: abs(iso_l),
        path_table_m: abs(iso_m),
        root_extent: iso_root.0,
        root_size: iso_root.1,
        time: p.time,
        joliet: false,
    }));
    if let Some(boot) = p.boot {
        meta.extend_from_slice(&boot.raw);
    }
    if p.joliet {
        let id: Vec<u8> = names::joliet_volume_id(p.volume_name)
            .into_iter()
            .flat_map(u16::to_be_bytes)
            .collect();
        meta.extend(encode_volume(&VolumeOut {
            volume_id: &id,
            space_size: total as u32,
            path_table_size: joliet_pt as u32,
            path_table_l: abs(joliet_l),
            path_table_m: abs(joliet_m),
            root_extent: joliet_root.0,
            root_size: joliet_root.1,
            time: p.time,
            joliet: true,
        }));
    }
    meta.extend(encode_terminator());
    let mut tables = vec![(w.path_table(false, false), iso_l), (w.path_table(false, true), iso_m)];
    if p.joliet {
        tables.push((w.path_table(true, false), joliet_l));
        tables.push((w.path_table(true, true), joliet_m));
    }
    for (table, at) in tables {
        meta.resize(at as usize * BLOCK_SIZE, 0);
        meta.extend(table);
    }
    let iso_start = (w.out[tree.root().index()].iso_dir.0 - p.start) as usize * BLOCK_SIZE;
    meta.resize(iso_start, 0);
    let (dirs, sizes_again, ce) = w.encode_iso_dirs();
    debug_assert_eq!(sizes_again, iso_sizes);
    meta.extend(dirs);
    meta.extend(&ce.bytes);
    meta.resize((w.ce_base - p.start) as usize * BLOCK_SIZE + ce.blocks() as usize * BLOCK_SIZE, 0);
    if p.joliet {
        let (dirs, _) = w.encode_joliet_dirs();
        meta.extend(dirs);
    }
    debug_assert_eq!(meta.len() as u64, meta_blocks * BS);
    Ok(Layout {
        meta,
        files,
        total_blocks: total as u32,
        descriptor_blocks: descriptors,
    })
}

/// The descriptor set for LBA 16 of a random-write medium: the session's
/// own descriptors with the volume space size made absolute (its end), as
/// growisofs and libisoburn write them there.
pub fn anchor_blocks(layout: &Layout, start: u32) -> Vec<u8> {
    let from = 16 * BLOCK_SIZE;
    let mut set = layout.meta[from..from + layout.descriptor_blocks as usize * BLOCK_SIZE].to_vec();
    let end = start + layout.total_blocks;
    for block in set.chunks_exact_mut(BLOCK_SIZE) {
        if &block[1..6] == b"CD001" && matches!(block[0], 1 | 2) {
            debug_assert_eq!(get_u32_le(block, 80), layout.total_blocks);
            set_space_size(block, end);
        }
    }
    set
}

impl Writer<'_> {
    fn name_everything(&mut self) -> Result<()> {
        let tree = self.tree;
        // Breadth first over the ECMA-119 order gives path-table order.
        self.add_dir(tree.root(), tree.root());
        let mut i = 0;
        while i < self.iso_dirs.len() {
            let dir = self.iso_dirs[i].node;
            let mut iso = IsoNamer::new();
            let mut joliet = JolietNamer::new();
            let mut iso_children = Vec::new();
            let mut joliet_children = Vec::new();
            let mut subdirs = 0;
            for (name, child) in tree.node(dir).children() {
                let node = tree.node(child);
                let is_dir = node.is_dir();
                subdirs += is_dir as u32;
                let (stem, ext) = iso.assign(name, is_dir);
                let mut id = stem;
                if !is_dir {
                    id.push(b'.');
                    id.extend_from_slice(&ext);
                    id.extend_from_slice(b";1");
                }
                self.out[child.index()].iso_id = id.into();
                iso_children.push((name, child));
                if self.p.joliet && !matches!(node.kind, Kind::Symlink(_)) {
                    let mut j = joliet.assign(name, is_dir);
                    if !is_dir {
                        j.extend([u16::from(b';'), u16::from(b'1')]);
                    }
                    self.out[child.index()].joliet_id = Some(j.into());
                    joliet_children.push(child);
                }
            }
            let out = &self.out;
            iso_children.sort_by(|a, b| {
                iso_key(&out[a.1.index()].iso_id).cmp(&iso_key(&out[b.1.index()].iso_id))
            });
            joliet_children.sort_by(|a, b| out[a.index()].joliet_id.cmp(&out[b.index()].joliet_id));
            for &(_, c) in &iso_children {
                if tree.node(c).is_dir() {
                    self.add_dir(c, dir);
                }
            }
            let d = &mut self.iso_dirs[i];
            d.iso_children = iso_children;
            d.joliet_children = joliet_children;
            d.subdirs = subdirs;
            i += 1;
        }
        if self.iso_dirs.len() > 65_535 {
            return Err(Error::new(
                MS_IMAPI_E_TOO_MANY_DIRS,
                format!(
                    "{} directories; path tables number at most 65535",
                    self.iso_dirs.len()
                ),
            ));
        }
        if self.p.joliet {
            let mut order = vec![0u32];
            let mut k = 0;
            while k < order.len() {
                let d = &self.iso_dirs[order[k] as usize];
                for &c in &d.joliet_children {
                    if self.tree.node(c).is_dir() {
                        order.push(self.dir_index[c.index()]);
                    }
                }
                k += 1;
            }
            self.joliet_order = order;
        }
        Ok(())
    }

    fn add_dir(&mut self, node: NodeId, parent: NodeId) {
        self.dir_index[node.index()] = self.iso_dirs.len() as u32;
        self.iso_dirs.push(DirOut {
            node,
            parent,
            iso_children: Vec::new(),
            joliet_children: Vec::new(),
            subdirs: 0,
        });
    }

    fn time_of(&self, id: NodeId) -> (i64, i64, i64) {
        match self.tree.node(id).attrs.times {
            Some(t) => (t.modified, t.accessed, t.changed),
            None => (self.p.time, self.p.time, self.p.time),
        }
    }

    /// Rock Ridge entries for a record describing `id` (`name` is `None`
    /// for "." and "..").
    fn rr_entries(&self, id: NodeId, name: Option<&str>, root_dot: bool) -> Vec<Vec<u8>> {
        let node = self.tree.node(id);
        let (mode, links, link) = match &node.kind {
            Kind::Dir(_) => {
                let d = &self.iso_dirs[self.dir_index[id.index()] as usize];
                (susp::S_IFDIR, 2 + d.subdirs, None)
            }
            Kind::File(_) => (susp::S_IFREG, 1, None),
            Kind::Symlink(t) => (susp::S_IFLNK, 1, Some(t.as_bytes())),
        };
        let (m, a, c) = self.time_of(id);
        let mut e = Vec::with_capacity(8);
        if root_dot {
            e.push(susp::sp());
        }
        e.push(susp::rr(true, name.is_some(), link.is_some(), true));
        e.push(susp::px(mode | node.attrs.mode & 0o7777, links, node.attrs.uid, node.attrs.gid));
        e.push(susp::tf(m, a, c));
        if let Some(n) = name {
            e.extend(susp::nm(n.as_bytes()));
        }
        if let Some(t) = link {
            e.extend(susp::sl(t));
        }
        if root_dot {
            e.push(susp::er());
        }
        e
    }

    /// Encodes one ECMA-119 record (with its CE areas).
    #[allow(clippy::too_many_arguments)]
    fn iso_record(
        &self,
        dir: &mut DirBytes,
        ce: &mut CeArea,
        id_bytes: &[u8],
        extent: (u32, u32),
        flags: u8,
        date: i64,
        entries: &[Vec<u8>],
    ) {
        let base = record_len(id_bytes.len(), 0);
        let split = susp::split(entries, 254 - base);
        let mut su = split.inline.clone();
        if !split.areas.is_empty() {
            let mut places = Vec::with_capacity(split.areas.len());
            for i in 0..split.areas.len() {
                places.push(ce.alloc(split.area_len(i)));
            }
            let ce_entry = |i: usize| {
                let (block, offset) = places[i];
                susp::ce(self.ce_base + block, offset, split.area_len(i) as u32)
            };
            su.extend(ce_entry(0));
            for (i, area) in split.areas.iter().enumerate() {
                let (block, offset) = places[i];
                let at = block as usize * BLOCK_SIZE + offset as usize;
                let mut bytes = area.clone();
                if i + 1 < split.areas.len() {
                    bytes.extend(ce_entry(i + 1));
                }
                ce.bytes[at..at + bytes.len()].copy_from_slice(&bytes);
            }
        }
        let len = record_len(id_bytes.len(), su.len());
        dir.room_for(len);
        RecordOut {
            extent: extent.0,
            size: extent.1,
            date,
            flags,
            id: id_bytes,
            system_use: &su,
        }
        .encode(&mut dir.bytes);
    }

    /// All ECMA-119 directories in path-table order; returns the bytes,
    /// each directory's size and the continuation areas.
    fn encode_iso_dirs(&self) -> (Vec<u8>, Vec<u32>, CeArea) {
        let mut bytes = Vec::new();
        let mut sizes = Vec::with_capacity(self.iso_dirs.len());
        let mut ce = CeArea::default();
        let root = self.tree.root();
        for d in &self.iso_dirs {
            let mut dir = DirBytes::begin(bytes);
            let own = self.out[d.node.index()].iso_dir;
            let parent = self.out[d.parent.index()].iso_dir;
            let own_time = self.time_of(d.node).0;
            let dot = self.rr_entries(d.node, None, d.node == root);
            self.iso_record(&mut dir, &mut ce, &[0], own, FLAG_DIRECTORY, own_time, &dot);
            let dotdot = self.rr_entries(d.parent, None, false);
            let parent_time = self.time_of(d.parent).0;
            self.iso_record(&mut dir, &mut ce, &[1], parent, FLAG_DIRECTORY, parent_time, &dotdot);
            for &(name, c) in &d.iso_children {
                let o = &self.out[c.index()];
                let entries = self.rr_entries(c, Some(name), false);
                let time = self.time_of(c).0;
                match &self.tree.node(c).kind {
                    Kind::Dir(_) => {
                        self.iso_record(&mut dir, &mut ce, &o.iso_id, o.iso_dir, FLAG_DIRECTORY, time, &entries)
                    }
                    Kind::Symlink(_) => self.iso_record(&mut dir, &mut ce, &o.iso_id, (0, 0), 0, time, &entries),
                    Kind::File(_) => {
                        let n = o.sections.len();
                        for (i, s) in o.sections.iter().enumerate() {
                            let flags = if i + 1 < n { FLAG_MULTI_EXTENT } else { 0 };
                            self.iso_record(&mut dir, &mut ce, &o.iso_id, (s.lba, s.len), flags, time, &entries);
                        }
                    }
                }
            }
            sizes.push(dir.end());
            bytes = dir.bytes;
        }
        (bytes, sizes, ce)
    }

    fn encode_joliet_dirs(&self) -> (Vec<u8>, Vec<u32>) {
        let mut bytes = Vec::new();
        let mut sizes = Vec::with_capacity(self.joliet_order.len());
        for &k in &self.joliet_order {
            let d = &self.iso_dirs[k as usize];
            let mut dir = DirBytes::begin(bytes);
            let record = |dir: &mut DirBytes, id: &[u8], extent: (u32, u32), flags: u8, date: i64| {
                dir.room_for(record_len(id.len(), 0));
                RecordOut {
                    extent: extent.0,
                    size: extent.1,
                    date,
                    flags,
                    id,
                    system_use: &[],
                }
                .encode(&mut dir.bytes);
            };
            record(&mut dir, &[0], self.out[d.node.index()].joliet_dir, FLAG_DIRECTORY, self.time_of(d.node).0);
            record(&mut dir, &[1], self.out[d.parent.index()].joliet_dir, FLAG_DIRECTORY, self.time_of(d.parent).0);
            for &c in &d.joliet_children {
                let o = &self.out[c.index()];
                let id: Vec<u8> = o
                    .joliet_id
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|u| u.to_be_bytes())
                    .collect();
                let time = self.time_of(c).0;
                if self.tree.node(c).is_dir() {
                    record(&mut dir, &id, o.joliet_dir, FLAG_DIRECTORY, time);
                } else {
                    let n = o.sections.len();
                    for (i, s) in o.sections.iter().enumerate() {
                        let flags = if i + 1 < n { FLAG_MULTI_EXTENT } else { 0 };
                        record(&mut dir, &id, (s.lba, s.len), flags, time);
                    }
                }
            }
            sizes.push(dir.end());
            bytes = dir.bytes;
        }
        (bytes, sizes)
    }

    /// One path table (ECMA-119 9.4): `joliet` picks the tree, `msb` the
    /// byte order (M table).
    fn path_table(&self, joliet: bool, msb: bool) -> Vec<u8> {
        let order: Vec<u32> = if joliet {
            self.joliet_order.clone()
        } else {
            (0..self.iso_dirs.len() as u32).collect()
        };
        // Directory number (1-based) by position in `iso_dirs`.
        let mut number = vec![0u16; self.iso_dirs.len()];
        for (n, &k) in order.iter().enumerate() {
            number[k as usize] = (n + 1) as u16;
        }
        let mut t = Vec::new();
        for &k in &order {
            let d = &self.iso_dirs[k as usize];
            let o = &self.out[d.node.index()];
            let id: Vec<u8> = if d.node == self.tree.root() {
                vec![0]
            } else if joliet {
                o.joliet_id
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|u| u.to_be_bytes())
                    .collect()
            } else {
                o.iso_id.to_vec()
            };
            let extent = if joliet { o.joliet_dir.0 } else { o.iso_dir.0 };
            let parent = number[self.dir_index[d.parent.index()] as usize];
            t.push(id.len() as u8);
            t.push(0);
            if msb {
                t.extend_from_slice(&extent.to_be_bytes());
                t.extend_from_slice(&parent.to_be_bytes());
            } else {
                t.extend_from_slice(&extent.to_le_bytes());
                t.extend_from_slice(&parent.to_le_bytes());
            }
            t.extend_from_slice(&id);
            if id.len() % 2 == 1 {
                t.push(0);
            }
        }
        t
    }
}

fn tree_file_size(tree: &Tree, id: NodeId) -> u64 {
    match &tree.node(id).kind {
        Kind::File(f) => f.size,
        _ => 0,
    }
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
