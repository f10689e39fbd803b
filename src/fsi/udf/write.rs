//! The UDF half of an ISO 9660 + UDF bridge session (docs/udf-notes.md).
//!
//! The ISO 9660 planner places everything (`iso9660::write::UdfAreas`):
//! the recognition sequence after its own descriptors, the volume
//! descriptor sequences at 32 and 48, the integrity sequence at 64, the
//! anchor at 256 and in the session's last block, and the file set — the
//! FSD, one file entry per item, directory contents after their entry —
//! after its own directories. Files are not written twice: each file entry
//! points at the very extents the ISO 9660 records name, so files kept
//! from earlier sessions stay where they are.
//!
//! One type-1 partition starts at block 0 and ends with the session, so a
//! logical block number is the absolute LBA and the newest session reaches
//! every earlier session's data, as Windows' own writer lays it out for
//! multisession discs. The partition is read-only: each session carries
//! complete metadata, no VAT and no space bitmaps.
//!
//! From UDF 2.50 on (IMAPI2's revision on BD) the file set lives in a
//! metadata partition (docs/udf-notes.md §5.1): a type-2 map over the same
//! physical partition, whose blocks are those of the metadata file. The
//! file set area then starts with the metadata file's and its mirror's
//! entries, followed by the metadata and its copy; entries are extended
//! file entries and reach file data with long_ads into the physical
//! partition.
//!
//! Sizes never depend on addresses: [`FileSet::measure`] runs before the
//! ISO 9660 addresses exist, and the same code encodes the blocks later.

use std::collections::HashSet;
use std::sync::Arc;

use super::incremental::{UdfBase, METADATA_PARTITION};
use super::layout::{
    self, access_type, encode_d_chars, encode_d_chars_into, encode_fid, encode_symlink, fid_flags,
    file_type, Ad, AdType, Avdp, Charspec, ExtentAd, ExtentType, Fid, FileEntry, Fsd, IcbTag, Iuvd,
    LbAddr, LongAd, Lvd, Lvid, LvidImplUse, PartitionMap, Pd, Pvd, Regid, TagParams, Td, Timestamp,
    Usd, DEVELOPER_ID, EFE_FIXED, FE_FIXED,
};
use crate::error::{Error, Result};
use crate::fsi::iso9660::write::{Plan, UdfAreas};
use crate::fsi::packed_names::PackedNames;
use crate::fsi::tree::{Kind, NodeId, NodeMap, Tree};
use crate::fsi::BLOCK_SIZE;
use crate::hresult::*;

const BS: u64 = BLOCK_SIZE as u64;
/// Longest extent one allocation descriptor may describe, whole blocks
/// (the length field has 30 bits).
const MAX_AD: u64 = (layout::MAX_AD_LENGTH as u64 / BS) * BS;
/// The first revision whose file set lives in a metadata partition.
pub const METADATA_REVISION: u32 = 0x250;
/// Blocks of the metadata file's and its mirror's entries, ahead of the
/// metadata itself.
const METADATA_HEAD: u32 = 2;
/// The metadata bitmap's location when there is none: the partition is
/// read-only, so no space is ever allocated in it (UDF 2.2.10).
const NO_BITMAP: u32 = u32::MAX;
/// Unique ids 1–15 are reserved (UDF 3.2.1.1); the root has 0.
const FIRST_UNIQUE_ID: u64 = 16;

/// The revision's descriptor tag version and recognition identifier.
pub fn nsr_of(revision: u32) -> (u16, [u8; 5]) {
    if revision >= 0x200 {
        (3, *layout::VRS_NSR03)
    } else {
        (2, *layout::VRS_NSR02)
    }
}

/// A name as UDF records it: at most 255 bytes of OSTA CS0. Longer names
/// lose characters from the end of the part before the extension (the
/// extension tells readers what the file is).
pub fn udf_file_name(name: &str) -> String {
    if encode_d_chars(name).len() <= 255 {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 16 => name.split_at(i),
        _ => (name, ""),
    };
    let mut stem: String = stem.to_owned();
    while !stem.is_empty() && encode_d_chars(&format!("{stem}{ext}")).len() > 255 {
        stem.pop();
    }
    format!("{stem}{ext}")
}

/// A written entry whose content follows its file entry: a directory's
/// identifiers, or a symlink too long to embed.
///
/// Only these break the run of one block per entry, so every entry's
/// position is computed from them (a directory per hundred files) rather
/// than stored with each entry: a million-entry session keeps 4 bytes per
/// entry for its file set instead of 16 (issue 16).
#[derive(Debug, Clone, Copy)]
struct Tail {
    /// The entry's position in [`FileSet::entries`].
    entry: u32,
    /// Bytes of the content.
    len: u32,
    /// Content blocks of the tails before this one.
    blocks_before: u32,
}

impl Tail {
    fn blocks(&self) -> u32 {
        self.len.div_ceil(BLOCK_SIZE as u32)
    }

    /// Block of the entry's file entry, relative to the file set (the
    /// file set descriptor is block 0); the content follows it.
    fn fe(&self) -> u32 {
        1 + self.entry + self.blocks_before
    }

    /// Content blocks of this tail and all before it.
    fn blocks_through(&self) -> u32 {
        self.blocks_before + self.blocks()
    }
}

/// How the file set addresses its own blocks: the first block in its
/// partition and that partition's reference (the physical partition from
/// block 0, or the metadata partition from its block 0).
#[derive(Debug, Clone, Copy)]
struct Addr {
    base: u32,
    partition: u16,
}

/// The file set of a session: sizes, unique ids, and the encoders.
#[derive(Debug)]
pub struct FileSet {
    tree: Arc<Tree>,
    revision: u32,
    /// 2.50+: the file set is the content of a metadata file.
    metadata: bool,
    /// The items whose file entries the session writes, in file set
    /// order (the FSD is block 0).
    entries: Vec<NodeId>,
    /// The written entries whose content follows them, in order.
    tails: Vec<Tail>,
    /// Position in `entries` of each entry written (none: a kept entry).
    entry_of: NodeMap,
    /// Blocks the session writes for the file set (the metadata once).
    pub blocks: u32,
    /// The previous session's metadata, whose unchanged file entries this
    /// session names instead of writing them (see [`super::incremental`]).
    kept: Option<Arc<UdfBase>>,
    /// IMAPI's `CreateRedundantUdfMetadataFiles`: a session that starts
    /// its own metadata writes the mirror as a second copy; without it the
    /// mirror file shares the metadata file's blocks (the duplicate flag
    /// of the partition map clear, UDF 2.50 2.2.10).
    redundant: bool,
    files: u32,
    dirs: u32,
    /// The unique id of `entries[1]`; the ids of the written entries
    /// follow in their order (the root, `entries[0]`, has 0), so they are
    /// not stored.
    first_unique_id: u64,
}

/// A directory's children with their recorded names, packed in one
/// buffer (every directory is listed twice a session: measured, written).
struct Listing {
    names: PackedNames,
    children: Vec<(NodeId, u32)>,
}

impl Listing {
    /// Each child with its recorded name.
    fn iter(&self) -> impl Iterator<Item = (NodeId, &[u8])> {
        self.children
            .iter()
            .map(|&(node, at)| (node, self.names.get(at)))
    }
}

/// Implementation use a FID takes to push the next one's tag whole into
/// the next block (UDF 2.3.4.4): an entity identifier, which
/// implementation use starts with (2.3.4.3).
const IMPLEMENTATION_USE_PADDING: usize = 32;

/// The length of a FID naming `name_len` bytes at byte `at` of a
/// directory's stream: with 32 bytes of implementation use when it would
/// otherwise end fewer than 16 bytes before a block's end, where the next
/// FID's tag would not fit.
fn fid_len(at: usize, name_len: usize) -> usize {
    let len = Fid::padded_len(0, name_len);
    let left = BLOCK_SIZE - (at + len) % BLOCK_SIZE;
    if left < 16 && left != BLOCK_SIZE {
        Fid::padded_len(IMPLEMENTATION_USE_PADDING, name_len)
    } else {
        len
    }
}

/// `dir`'s children with their recorded names, unique in the directory.
///
/// Only cut names can meet another name: the tree's names are unique, and
/// a numbered cut name is never one of them. So only cut names are
/// remembered, and a name that fits costs its encoding alone.
fn children(tree: &Tree, dir: NodeId) -> Listing {
    let mut listing = Listing {
        names: PackedNames::new(),
        children: Vec::new(),
    };
    let Kind::Dir(entries) = &tree.node(dir).kind else {
        return listing;
    };
    listing.names = PackedNames::with_capacity(entries.len(), entries.len() * 16);
    listing.children.reserve_exact(entries.len());
    let mut cut: HashSet<String> = HashSet::new();
    for (name, node) in entries.iter() {
        let names = &mut listing.names;
        let fits = names
            .push_with(|out| encode_d_chars_into(name, out))
            .filter(|&at| names.get(at).len() <= 255);
        if let Some(at) = fits {
            listing.children.push((node, at));
            continue;
        }
        // A name too long stays in the buffer, unreferenced: rare, and
        // cheaper than a second encoding of every name that fits.
        let base = udf_file_name(name);
        let mut recorded = base.clone();
        let mut n = 1u32;
        while cut.contains(&recorded) || tree.child(dir, &recorded).is_some() {
            let tag = format!("#{n}");
            let mut stem = base.clone();
            while !stem.is_empty() && encode_d_chars(&format!("{stem}{tag}")).len() > 255 {
                stem.pop();
            }
            recorded = format!("{stem}{tag}");
            n += 1;
        }
        let at = listing
            .names
            .push_with(|out| encode_d_chars_into(&recorded, out))
            .expect("cut to 255 bytes");
        listing.children.push((node, at));
        cut.insert(recorded);
    }
    listing
}

fn invalid(detail: String) -> Error {
    Error::new(MS_IMAPI_E_INVALID_PARAM, detail)
}

fn too_big(what: &str) -> Error {
    Error::new(
        MS_IMAPI_E_IMAGE_TOO_BIG,
        format!("the UDF {what} is too large"),
    )
}

/// Most blocks a metadata window may span: the metadata file's one
/// extended file entry holds this many allocation descriptors of at most
/// [`MAX_AD`] bytes each, and the window is kept well inside that.
const MAX_WINDOW_BLOCKS: u64 = (BLOCK_SIZE - EFE_FIXED) as u64 / 8 * (MAX_AD / BS) / 2;

impl FileSet {
    /// Lays out the file set of `tree` (sizes and unique ids only).
    ///
    /// With `base`, the previous session's metadata of the same revision
    /// wholly below `start` (the session's first block), a file or link
    /// unchanged since that import keeps its file entry there
    /// ([`super::incremental`]); every directory is written anew.
    pub fn measure(
        tree: Arc<Tree>,
        revision: u32,
        base: Option<Arc<UdfBase>>,
        start: u32,
        redundant: bool,
    ) -> Result<FileSet> {
        let metadata = revision >= METADATA_REVISION;
        let kept = base.filter(|b| {
            metadata
                && u32::from(b.revision) == revision
                && b.end() <= u64::from(start)
                && u64::from(start - b.start) < MAX_WINDOW_BLOCKS
        });
        let first_unique_id = kept
            .as_ref()
            .map_or(FIRST_UNIQUE_ID, |b| b.next_unique_id.max(FIRST_UNIQUE_ID));
        let mut set = FileSet {
            entry_of: NodeMap::new(tree.slots()),
            first_unique_id,
            entries: Vec::with_capacity(tree.len() + 1),
            tree,
            revision,
            metadata,
            tails: Vec::new(),
            blocks: 1,
            kept,
            redundant,
            files: 0,
            dirs: 0,
        };
        let tree = Arc::clone(&set.tree);
        for (id, _) in tree.walk() {
            match &tree.node(id).kind {
                Kind::Dir(_) => set.dirs += 1,
                _ => set.files += 1,
            }
            if set
                .kept
                .as_ref()
                .is_some_and(|b| b.unchanged(&tree, id).is_some())
            {
                continue;
            }
            // The walk starts at the root, which is always written.
            debug_assert_eq!(set.entries.is_empty(), id == tree.root());
            let (data_len, data_blocks) = set.content_size(id)?;
            let entry = set.entries.len() as u32;
            set.entry_of.set(id, entry);
            set.entries.push(id);
            if data_blocks > 0 {
                let tail = Tail {
                    entry,
                    len: data_len,
                    blocks_before: set.tails.last().map_or(0, Tail::blocks_through),
                };
                debug_assert_eq!((tail.fe(), tail.blocks()), (set.blocks, data_blocks));
                set.tails.push(tail);
            }
            set.blocks = set
                .blocks
                .checked_add(1 + data_blocks)
                .ok_or_else(|| too_big("file set"))?;
        }
        set.entries.shrink_to_fit();
        if set.metadata {
            set.blocks
                .checked_mul(2)
                .and_then(|b| b.checked_add(METADATA_HEAD))
                .ok_or_else(|| too_big("metadata"))?;
        }
        Ok(set)
    }

    /// Bytes and blocks of `id`'s own content after its file entry.
    fn content_size(&self, id: NodeId) -> Result<(u32, u32)> {
        let len = match &self.tree.node(id).kind {
            Kind::Dir(_) => {
                // Sized without encoding: a million-entry append measured
                // every directory's stream, tags and checksums included.
                let listing = children(&self.tree, id);
                let names = std::iter::once(0).chain(listing.iter().map(|(_, name)| name.len()));
                names.fold(0, |at, name_len| at + fid_len(at, name_len))
            }
            Kind::Symlink(target) => {
                let len = symlink_bytes(&self.tree, id, target)?.len();
                if len <= self.embed_max() {
                    return Ok((len as u32, 0));
                }
                len
            }
            Kind::File(_) => 0,
        };
        Ok((len as u32, len.div_ceil(BLOCK_SIZE) as u32))
    }

    /// Whether the metadata is written twice (a metadata file and its
    /// mirror): asked for, and not in a window over earlier sessions'
    /// metadata.
    fn duplicated(&self) -> bool {
        self.kept.is_none() && self.redundant
    }

    /// With this session's metadata written from sector `written`: the
    /// metadata file's and its mirror's extents (first sector, blocks),
    /// and the metadata block `written` is.
    fn metadata_files(&self, written: u32) -> ([(u32, u32); 2], u32) {
        match &self.kept {
            None if self.redundant => (
                [(written, self.blocks), (written + self.blocks, self.blocks)],
                0,
            ),
            None => ([(written, self.blocks); 2], 0),
            Some(b) => {
                let window = (b.start, written + self.blocks - b.start);
                ([window, window], written - b.start)
            }
        }
    }

    /// Blocks the file set takes in the session: with a metadata
    /// partition, the two metadata file entries and the metadata twice
    /// (the mirror is a copy, so a damaged block has a second chance).
    pub fn area_blocks(&self) -> u32 {
        match (self.metadata, self.duplicated()) {
            (false, _) => self.blocks,
            (true, true) => METADATA_HEAD + 2 * self.blocks,
            (true, false) => METADATA_HEAD + self.blocks,
        }
    }

    /// Room in an entry's block for embedded data (symlink components).
    fn embed_max(&self) -> usize {
        BLOCK_SIZE - if self.metadata { EFE_FIXED } else { FE_FIXED }
    }

    /// Block of the file entry at `i` of `entries`, relative to the file
    /// set.
    fn fe(&self, i: u32) -> u32 {
        let before = self.tails.partition_point(|t| t.entry < i);
        let blocks = before
            .checked_sub(1)
            .map_or(0, |t| self.tails[t].blocks_through());
        1 + i + blocks
    }

    /// The content following the file entry at `i`, if any.
    fn tail(&self, i: u32) -> Option<&Tail> {
        let t = self.tails.binary_search_by_key(&i, |t| t.entry).ok()?;
        Some(&self.tails[t])
    }

    /// What file-set block `k` (not 0, the FSD) holds: a written entry's
    /// node, with `None` for its file entry or `Some(b)` for block `b` of
    /// its content.
    fn entry_at(&self, k: u32) -> Option<(NodeId, Option<u32>)> {
        let node = |t: &Tail| self.entries[t.entry as usize];
        let p = self.tails.partition_point(|t| t.fe() <= k);
        let before = match p.checked_sub(1).map(|p| &self.tails[p]) {
            Some(t) if k == t.fe() => return Some((node(t), None)),
            Some(t) if k - t.fe() <= t.blocks() => return Some((node(t), Some(k - t.fe() - 1))),
            Some(t) => t.blocks_through(),
            None => 0,
        };
        // Past the last tail before `k`, every entry is one block.
        let i = k.checked_sub(1 + before)?;
        self.entries.get(i as usize).map(|&n| (n, None))
    }

    /// `node`'s position in `entries`; the session writes its entry.
    fn entry_index(&self, node: NodeId) -> u32 {
        self.entry_of
            .get(node)
            .expect("an entry the session writes")
    }

    /// The unique id of the written entry at `i` of `entries`.
    fn unique_id(&self, i: u32) -> u64 {
        match i {
            0 => 0,
            i => self.first_unique_id + u64::from(i) - 1,
        }
    }

    /// The unique id after the last written entry's (the LVID's next
    /// unique id). The root is always written, and takes none.
    fn next_unique_id(&self) -> u64 {
        self.first_unique_id + self.entries.len() as u64 - 1
    }

    /// The long_ad of `node`'s file entry, its unique id in the
    /// implementation use (UDF 2.3.4.3); `base` is the file set's first
    /// block (`None` while measuring).
    fn icb(&self, node: NodeId, base: Option<Addr>) -> LongAd {
        let Some(base) = base else {
            return LongAd::new(BLOCK_SIZE as u32, LbAddr::default());
        };
        let (fe, unique_id) = match self.entry_of.get(node) {
            None => {
                let kept = self.kept.as_ref().and_then(|b| b.origin(node)); // left out by `measure` as unchanged
                let o = kept.expect("an item the session does not write keeps its entry");
                (o.fe, o.unique_id)
            }
            Some(i) => (base.base + self.fe(i), self.unique_id(i) as u32),
        };
        let mut ad = LongAd::new(
            BLOCK_SIZE as u32,
            LbAddr {
                block: fe,
                partition: base.partition,
            },
        );
        ad.set_unique_id(unique_id);
        ad
    }

    /// Directory `dir`'s identifiers: the parent first, then the children.
    /// Each descriptor's tag names the block it starts in; where fewer than
    /// 16 bytes would be left in a block after one, it grows by an
    /// implementation use area so that the next tag does not straddle two
    /// blocks (UDF 2.3.4.4).
    fn fid_stream(&self, dir: NodeId, base: Option<Addr>) -> Vec<u8> {
        let (tag_version, _) = nsr_of(self.revision);
        let tree = &self.tree;
        let first_block = base.map_or(0, |b| b.base + self.fe(self.entry_index(dir)) + 1);
        let parent = tree.node(dir).parent();
        let listing = children(tree, dir);
        let mut padding = [0u8; IMPLEMENTATION_USE_PADDING];
        implementation_id().encode(&mut padding);
        let mut out = Vec::new();
        let parent_fid = (parent, fid_flags::DIRECTORY | fid_flags::PARENT, &[][..]);
        let child_fids = listing.iter().map(|(node, name)| {
            let is_dir = tree.node(node).is_dir();
            (node, if is_dir { fid_flags::DIRECTORY } else { 0 }, name)
        });
        for (node, characteristics, name) in std::iter::once(parent_fid).chain(child_fids) {
            let padded = fid_len(out.len(), name.len()) != Fid::padded_len(0, name.len());
            let implementation_use: &[u8] = if padded { &padding } else { &[] };
            let at = first_block + (out.len() / BLOCK_SIZE) as u32;
            encode_fid(
                &mut out,
                1,
                characteristics,
                &self.icb(node, base),
                implementation_use,
                name,
                TagParams::new(tag_version, 1, at),
            );
        }
        out
    }

    /// The file entry of `node`, the file set addressed as `base`. Its own
    /// content (directory identifiers, a long symlink) follows it in the
    /// file set's partition (short_ads); file data lies in the physical
    /// partition, which an entry in the metadata partition must name
    /// (long_ads).
    fn file_entry(&self, iso: &Plan, node: NodeId, base: Addr, time: i64) -> Result<Vec<u8>> {
        let (tag_version, _) = nsr_of(self.revision);
        let tree = &self.tree;
        let n = tree.node(node);
        let i = self.entry_index(node);
        let fe_block = self.fe(i);
        let tail = self.tail(i);
        let own = |len: u64| {
            (
                split_ads(&[(base.base + fe_block + 1, len)], 0),
                AdType::Short,
            )
        };
        let (ftype, info_len, link_count, content) = match &n.kind {
            Kind::Dir(_) => {
                let subdirs = n.children().filter(|(_, c)| tree.node(*c).is_dir()).count();
                let len = tail.expect("a directory's identifiers follow it").len as u64;
                (
                    file_type::DIRECTORY,
                    len,
                    (1 + subdirs).min(u16::MAX as usize) as u16,
                    Ok(own(len)),
                )
            }
            Kind::File(f) => {
                let sections: Vec<(u32, u64)> = iso
                    .file_sections(node)
                    .into_iter()
                    .filter(|s| s.len > 0)
                    .map(|s| (s.lba, s.len as u64))
                    .collect();
                let ad_type = if self.metadata {
                    AdType::Long
                } else {
                    AdType::Short
                };
                (
                    file_type::REGULAR,
                    f.size,
                    1,
                    Ok((split_ads(&sections, 0), ad_type)),
                )
            }
            Kind::Symlink(target) => {
                let bytes = symlink_bytes(tree, node, target)?;
                let len = bytes.len() as u64;
                let content = match tail {
                    None => Err(bytes),
                    Some(_) => Ok(own(len)),
                };
                (file_type::SYMLINK, len, 1, content)
            }
        };
        let fixed = if self.metadata { EFE_FIXED } else { FE_FIXED };
        let (ad_type, recorded, area) = match content {
            Err(embedded) => (AdType::Embedded, 0, embedded),
            Ok((ads, ad_type)) => {
                if fixed + ads.len() * ad_type.size() > BLOCK_SIZE {
                    return Err(Error::new(
                        MS_IMAPI_E_IMAGE_TOO_BIG,
                        format!(
                            "{}: {} extents are more than one UDF file entry holds",
                            tree.path_of(node),
                            ads.len()
                        ),
                    ));
                }
                let recorded = ads.iter().map(|a| (a.length as u64).div_ceil(BS)).sum();
                (ad_type, recorded, layout::encode_ads(&ads, ad_type))
            }
        };
        let mut icb_tag = IcbTag::new(ftype, ad_type);
        icb_tag.flags |= layout::icb_flags_from_mode(n.attrs.mode);
        let mut fe = FileEntry::new(self.metadata, icb_tag);
        fe.uid = n.attrs.uid;
        fe.gid = n.attrs.gid;
        fe.permissions = layout::ecma_permissions(n.attrs.mode);
        fe.link_count = link_count;
        fe.information_length = info_len;
        fe.object_size = info_len;
        fe.logical_blocks_recorded = recorded;
        let (m, a, c) = match n.attrs.times() {
            Some(t) => (t.modified, t.accessed, t.changed),
            None => (time, time, time),
        };
        fe.modification_time = stamp(m);
        fe.access_time = stamp(a);
        fe.attribute_time = stamp(c);
        fe.creation_time = stamp(m);
        fe.implementation_id = implementation_id();
        fe.unique_id = self.unique_id(i);
        fe.allocation_descriptors = area;
        Ok(fe.encode(TagParams::new(tag_version, 1, base.base + fe_block)))
    }
}

fn symlink_bytes(tree: &Tree, node: NodeId, target: &str) -> Result<Vec<u8>> {
    encode_symlink(target).map_err(|e| {
        invalid(format!(
            "{}: the link target cannot be recorded in UDF: {e}",
            tree.path_of(node)
        ))
    })
}

/// Allocation descriptors for byte extents at blocks of `partition`,
/// each under 2^30 bytes; all but a file's last cover whole blocks.
fn split_ads(extents: &[(u32, u64)], partition: u16) -> Vec<Ad> {
    let mut ads = Vec::new();
    for &(lba, len) in extents {
        let (mut at, mut left) = (lba, len);
        while left > 0 {
            let n = left.min(MAX_AD);
            ads.push(Ad {
                length: n as u32,
                kind: ExtentType::Recorded,
                location: LbAddr {
                    block: at,
                    partition,
                },
            });
            at = at.wrapping_add((n / BS) as u32);
            left -= n;
        }
    }
    ads
}

/// The extended file entry of the metadata file (or its mirror): its
/// `extents` (first sector, blocks) in the physical partition.
fn metadata_entry(ftype: u8, extents: &[(u32, u32)], time: Timestamp, p: TagParams) -> Vec<u8> {
    let bytes: Vec<(u32, u64)> = extents
        .iter()
        .map(|&(at, n)| (at, u64::from(n) * BS))
        .collect();
    let ads = split_ads(&bytes, 0);
    let blocks: u64 = extents.iter().map(|&(_, n)| u64::from(n)).sum();
    let mut fe = FileEntry::new(true, IcbTag::new(ftype, AdType::Short));
    fe.information_length = blocks * BS;
    fe.object_size = fe.information_length;
    fe.logical_blocks_recorded = blocks;
    fe.uid = u32::MAX;
    fe.gid = u32::MAX;
    fe.access_time = time;
    fe.modification_time = time;
    fe.creation_time = time;
    fe.attribute_time = time;
    fe.implementation_id = implementation_id();
    fe.allocation_descriptors = layout::encode_ads(&ads, AdType::Short);
    fe.encode(p)
}

fn stamp(secs: i64) -> Timestamp {
    Timestamp::from_unix(secs, 0, 0)
}

fn implementation_id() -> Regid {
    // OS class 4 (UNIX), identifier 5 (Linux) — UDF 6.3.
    Regid::new(DEVELOPER_ID, [4, 5, 0, 0, 0, 0, 0, 0])
}

/// The UDF volume of one session: its volume structures, encoded up front
/// (a few blocks), and the file set, encoded block by block.
#[derive(Debug)]
pub struct Volume {
    set: FileSet,
    areas: UdfAreas,
    /// How the file set addresses itself.
    addr: Addr,
    time: i64,
    /// Main VDS, reserve VDS, integrity sequence, anchor: (relative block,
    /// bytes of one block).
    fixed: Vec<(u32, Vec<u8>)>,
    fsd: Vec<u8>,
    /// The anchor the commit on random-write media writes at absolute
    /// block 256: its tag names block 256, not `start + 256`, or every
    /// reader (ours included) refuses it as misplaced.
    commit_anchor: Vec<u8>,
}

/// What every descriptor of one session's volume shares: where it is,
/// its revision and names, and how the file set is addressed.
struct Session<'a> {
    start: u32,
    /// The session's blocks, and the physical partition's length.
    end: u32,
    tag_version: u16,
    rev16: u16,
    name: &'a str,
    lv_name: String,
    recorded: Timestamp,
    /// The recording time's low 32 bits, for the volume set identifier.
    time_secs: u32,
    addr: Addr,
    domain: Regid,
}

fn layout_err(e: layout::LayoutError) -> Error {
    invalid(format!("UDF volume descriptors: {e}"))
}

impl Session<'_> {
    fn abs(&self, rel: u32) -> u32 {
        self.start + rel
    }

    /// Tag parameters of the descriptor at relative block `rel`.
    fn params(&self, rel: u32) -> TagParams {
        TagParams::new(self.tag_version, 1, self.abs(rel))
    }

    /// The partition maps and the partition sizes the integrity descriptor
    /// records: the physical partition, and the metadata partition of 2.50.
    fn maps(&self, set: &FileSet, areas: &UdfAreas, window: u32) -> (Vec<PartitionMap>, Vec<u32>) {
        let mut maps = vec![PartitionMap::Physical {
            volume_seq_number: 1,
            partition_number: 0,
        }];
        let mut sizes = vec![self.end];
        if set.metadata {
            maps.push(PartitionMap::Metadata {
                ident: Regid::udf(layout::METADATA_PARTITION, self.rev16),
                volume_seq_number: 1,
                partition_number: 0,
                metadata_file: self.abs(areas.file_set),
                mirror_file: self.abs(areas.file_set + 1),
                bitmap_file: NO_BITMAP,
                allocation_unit: 32,
                alignment_unit: 1,
                flags: u8::from(set.duplicated()),
            });
            sizes.push(window);
        }
        (maps, sizes)
    }

    /// One volume descriptor sequence (main or reserve) from `first`.
    fn sequence(
        &self,
        first: u32,
        nsr: [u8; 5],
        maps: &[PartitionMap],
    ) -> Result<Vec<(u32, Vec<u8>)>> {
        let params = |rel| self.params(rel);
        // The volume set identifier starts with 16 hex digits that make
        // it unique (UDF 2.2.2.5): the time and the session start.
        let pvd = Pvd {
            vds_number: 0,
            pvd_number: 0,
            volume_id: encode_truncated(self.name, 32),
            volume_seq_number: 1,
            max_volume_seq_number: 1,
            interchange_level: 2,
            max_interchange_level: 2,
            charset_list: 1,
            max_charset_list: 1,
            volume_set_id: format!("{:08X}{:08X}", self.time_secs, self.start),
            descriptor_charset: Charspec::cs0(),
            explanatory_charset: Charspec::cs0(),
            volume_abstract: ExtentAd::default(),
            copyright_notice: ExtentAd::default(),
            application_id: Regid::default(),
            recording_time: self.recorded,
            implementation_id: implementation_id(),
            implementation_use: [0; 64],
            predecessor_vds_location: 0,
            flags: 0,
        };
        let iuvd = Iuvd {
            vds_number: 1,
            implementation_id: Regid::udf(layout::LV_INFO, self.rev16),
            lvi_charset: Charspec::cs0(),
            volume_id: self.lv_name.clone(),
            info: [String::new(), String::new(), String::new()],
            lvi_implementation_id: implementation_id(),
            lvi_implementation_use: [0; 128],
        };
        let contents = if nsr == *layout::VRS_NSR03 {
            layout::NSR03
        } else {
            layout::NSR02
        };
        let pd = Pd::partition_0(
            2,
            contents,
            access_type::READ_ONLY,
            (0, self.end),
            implementation_id(),
        );
        let lvd = Lvd {
            vds_number: 3,
            descriptor_charset: Charspec::cs0(),
            volume_id: self.lv_name.clone(),
            block_size: BLOCK_SIZE as u32,
            domain_id: self.domain,
            fsd: LongAd::new(
                BLOCK_SIZE as u32,
                LbAddr {
                    block: self.addr.base,
                    partition: self.addr.partition,
                },
            ),
            implementation_id: implementation_id(),
            implementation_use: [0; 128],
            integrity_sequence: ExtentAd {
                length: 2 * BLOCK_SIZE as u32,
                location: self.abs(UdfAreas::LVID),
            },
            maps: maps.to_vec(),
        };
        let usd = Usd {
            vds_number: 4,
            extents: Vec::new(),
        };
        Ok(vec![
            (first, pvd.encode(params(first)).map_err(layout_err)?),
            (
                first + 1,
                iuvd.encode(params(first + 1)).map_err(layout_err)?,
            ),
            (first + 2, pd.encode(params(first + 2))),
            (
                first + 3,
                lvd.encode(params(first + 3)).map_err(layout_err)?,
            ),
            (first + 4, usd.encode(params(first + 4))),
            (first + 5, Td.encode(params(first + 5))),
        ])
    }

    /// The integrity sequence: a closed LVID and its terminator.
    fn integrity(&self, set: &FileSet, sizes: Vec<u32>) -> [(u32, Vec<u8>); 2] {
        let lvid = Lvid {
            recording_time: self.recorded,
            integrity_type: layout::LVID_CLOSE,
            next_extent: ExtentAd::default(),
            next_unique_id: set.next_unique_id(),
            free_space: vec![0; sizes.len()],
            size: sizes,
            impl_use: Some(LvidImplUse {
                implementation_id: implementation_id(),
                files: set.files,
                directories: set.dirs,
                min_read_revision: self.rev16,
                min_write_revision: self.rev16,
                max_write_revision: self.rev16,
                rest: Vec::new(),
            }),
        };
        [
            (UdfAreas::LVID, lvid.encode(self.params(UdfAreas::LVID))),
            (
                UdfAreas::LVID + 1,
                Td.encode(self.params(UdfAreas::LVID + 1)),
            ),
        ]
    }

    /// The anchor, pointing at both sequences (addresses absolute).
    fn avdp(&self) -> Avdp {
        let extent = |rel| ExtentAd {
            length: UdfAreas::VDS_BLOCKS * BLOCK_SIZE as u32,
            location: self.abs(rel),
        };
        Avdp {
            main_vds: extent(UdfAreas::MAIN_VDS),
            reserve_vds: extent(UdfAreas::RESERVE_VDS),
        }
    }

    /// The file set descriptor recorded for `location`.
    fn fsd(&self, set: &FileSet, location: u32) -> Result<Vec<u8>> {
        Fsd::only(
            self.recorded,
            (self.lv_name.clone(), encode_truncated(self.name, 32)),
            set.icb(set.tree.root(), Some(self.addr)),
            self.domain,
        )
        .encode(TagParams::new(self.tag_version, 1, location))
        .map_err(layout_err)
    }
}

impl Volume {
    /// The volume for a session planned as `iso` at `start`, with `set`
    /// measured before that plan.
    pub fn new(
        set: FileSet,
        iso: &Plan,
        start: u32,
        volume_name: &str,
        time: i64,
    ) -> Result<Volume> {
        let areas = iso
            .udf
            .ok_or_else(|| invalid("the session was planned without UDF".into()))?;
        let (tag_version, nsr) = nsr_of(set.revision);
        let end = start.checked_add(iso.total_blocks).ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_IMAGE_TOO_BIG,
                "the session ends beyond 2^32 blocks",
            )
        })?;
        let name = if volume_name.is_empty() {
            "UDF Volume"
        } else {
            volume_name
        };
        let (metadata_files, metadata_base) =
            set.metadata_files(start + areas.file_set + METADATA_HEAD);
        let addr = if set.metadata {
            Addr {
                base: metadata_base,
                partition: METADATA_PARTITION,
            }
        } else {
            Addr {
                base: start + areas.file_set,
                partition: 0,
            }
        };
        let rev16 = set.revision as u16;
        let s = Session {
            start,
            end,
            tag_version,
            rev16,
            name,
            lv_name: encode_truncated(name, 128),
            recorded: stamp(time),
            time_secs: time as u32,
            addr,
            domain: Regid::udf(layout::DOMAIN_OSTA, rev16),
        };

        let (maps, sizes) = s.maps(&set, &areas, metadata_files[0].1);
        let mut fixed = s.sequence(UdfAreas::MAIN_VDS, nsr, &maps)?;
        fixed.extend(s.sequence(UdfAreas::RESERVE_VDS, nsr, &maps)?);
        fixed.extend(s.integrity(&set, sizes));
        let avdp = s.avdp();
        fixed.push((UdfAreas::ANCHOR, avdp.encode(s.params(UdfAreas::ANCHOR))));
        fixed.push((areas.end_anchor, avdp.encode(s.params(areas.end_anchor))));
        let commit_anchor = avdp.encode(TagParams::new(tag_version, 1, UdfAreas::ANCHOR));

        let fsd = s.fsd(&set, addr.base)?;
        if areas.fsd_copy {
            fixed.push((0, s.fsd(&set, s.abs(0))?));
            fixed.push((1, Td.encode(s.params(1))));
        }
        if set.metadata {
            let types = [file_type::METADATA, file_type::METADATA_MIRROR];
            for (i, (ftype, extent)) in types.into_iter().zip(metadata_files).enumerate() {
                let rel = areas.file_set + i as u32;
                fixed.push((
                    rel,
                    metadata_entry(ftype, &[extent], s.recorded, s.params(rel)),
                ));
            }
        }
        Ok(Volume {
            set,
            areas,
            addr,
            time,
            fixed,
            fsd,
            commit_anchor,
        })
    }

    /// The anchor block (identical at 256 and in the last block but for
    /// its tag location; the one at 256, which the commit on
    /// random-write media rewrites at LBA 256).
    pub fn anchor_block(&self) -> Vec<u8> {
        let mut out = vec![0u8; BLOCK_SIZE];
        out[..self.commit_anchor.len()].copy_from_slice(&self.commit_anchor);
        out
    }

    fn copy_fixed(&self, rel: u32, out: &mut [u8]) -> bool {
        match self.fixed.iter().find(|(at, _)| *at == rel) {
            Some((_, bytes)) => {
                out.fill(0);
                out[..bytes.len()].copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Fills `out` with relative block `rel` of the session, one that
    /// [`UdfAreas::holds`]. `dir_cache` keeps the last directory's
    /// identifiers between calls.
    pub fn block(
        &self,
        iso: &Plan,
        rel: u32,
        out: &mut [u8],
        dir_cache: &mut Option<(NodeId, Vec<u8>)>,
    ) -> Result<()> {
        out.fill(0);
        if self.copy_fixed(rel, out) {
            return Ok(());
        }
        let a = &self.areas;
        if !(a.file_set..a.file_set + a.file_set_blocks).contains(&rel) {
            // Unused blocks of the descriptor sequence extents.
            return Ok(());
        }
        let mut k = rel - a.file_set;
        if self.set.metadata {
            // Past the two metadata file entries (fixed blocks), the
            // metadata and then its mirror, block for block the same.
            k -= METADATA_HEAD;
            if k >= self.set.blocks && self.set.duplicated() {
                k -= self.set.blocks;
            }
        }
        if k == 0 {
            out[..self.fsd.len()].copy_from_slice(&self.fsd);
            return Ok(());
        }
        let base = self.addr;
        let Some((node, content_block)) = self.set.entry_at(k) else {
            return Ok(());
        };
        let Some(content_block) = content_block else {
            let fe = self.set.file_entry(iso, node, base, self.time)?;
            out[..fe.len()].copy_from_slice(&fe);
            return Ok(());
        };
        let tree = &self.set.tree;
        let bytes: &[u8] = match &tree.node(node).kind {
            Kind::Dir(_) => {
                if !matches!(dir_cache, Some((n, _)) if *n == node) {
                    *dir_cache = Some((node, self.set.fid_stream(node, Some(base))));
                }
                &dir_cache.as_ref().expect("cached").1
            }
            Kind::Symlink(target) => {
                let bytes = symlink_bytes(tree, node, target)?;
                *dir_cache = Some((node, bytes));
                &dir_cache.as_ref().expect("cached").1
            }
            Kind::File(_) => return Ok(()),
        };
        let from = content_block as usize * BLOCK_SIZE;
        let to = (from + BLOCK_SIZE).min(bytes.len());
        if from < to {
            out[..to - from].copy_from_slice(&bytes[from..to]);
        }
        Ok(())
    }
}

/// `s` cut until it fits a dstring of `field` bytes.
fn encode_truncated(s: &str, field: usize) -> String {
    let mut text = s.to_owned();
    while !text.is_empty() && encode_d_chars(&text).len() > field - 1 {
        text.pop();
    }
    text
}

/// Blocks the file set of `tree` takes at most, without encoding (for
/// `UsedBlocks`): a file entry per item and its directory's identifiers,
/// twice and two more (a metadata partition's mirror and file entries:
/// the revision is not known here).
pub fn estimate_file_set_blocks(tree: &Tree) -> u64 {
    let mut blocks = 1u64;
    for (id, _) in tree.walk() {
        blocks += 1;
        if let Kind::Dir(_) = &tree.node(id).kind {
            let bytes: u64 = tree
                .node(id)
                .children()
                .map(|(name, _)| 40 + 32 + 2 * name.len() as u64 + 4)
                .sum::<u64>()
                + 40;
            blocks += bytes.div_ceil(BS);
        }
        if let Kind::Symlink(t) = &tree.node(id).kind {
            blocks += (t.len() as u64 * 2 + 8).div_ceil(BS);
        }
    }
    METADATA_HEAD as u64 + 2 * blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cut_to_255_bytes_are_numbered_apart_from_every_other_name() {
        let mut t = Tree::new();
        let root = t.root();
        let long = |tail: &str| format!("{}{tail}.txt", "a".repeat(300));
        // Both cut to the same name; a third cut name meets a name that
        // fits as it is.
        let mut names = vec![long("1"), long("2"), "short.txt".to_owned()];
        let first_cut = udf_file_name(&names[0]);
        names.push(first_cut.replacen(".txt", "#1.txt", 1));
        names.push(long("3"));
        for name in &names {
            let kind = Kind::Symlink("x".into());
            t.insert_unchecked(root, name, crate::fsi::tree::Attrs::symlink(), kind, false)
                .unwrap();
        }
        let recorded: Vec<Vec<u8>> = children(&t, root)
            .iter()
            .map(|(_, name)| name.to_vec())
            .collect();
        assert_eq!(recorded.len(), names.len());
        let unique: HashSet<&Vec<u8>> = recorded.iter().collect();
        assert_eq!(unique.len(), names.len(), "{recorded:?}");
        assert!(recorded.iter().all(|n| n.len() <= 255));
        for name in names.iter().filter(|n| encode_d_chars(n).len() <= 255) {
            assert!(recorded.contains(&encode_d_chars(name)), "{name} kept");
        }
        assert!(recorded.contains(&encode_d_chars(&first_cut)));
    }

    /// Names of every length from 1 to 84 bytes, Latin-1 and wider, put
    /// FIDs at many offsets of a block, so that some would end fewer than
    /// 16 bytes before one and take the padding.
    #[test]
    fn a_directorys_measured_size_is_the_length_of_its_encoded_identifiers() {
        let mut t = Tree::new();
        for d in 0..24 {
            t.mkdir(&format!("/d{d}")).unwrap();
            for len in 1..=60 {
                let wide = if d % 2 == 1 { "\u{3b1}" } else { "" };
                let name: String = format!("{wide}{}", "n".repeat(len + d));
                t.add_symlink(&format!("/d{d}/{name}"), "x", false).unwrap();
            }
        }
        let set = FileSet::measure(Arc::new(t), METADATA_REVISION, None, 0, true).unwrap();
        let mut padded = 0;
        for (id, _) in set.tree.walk() {
            if !set.tree.node(id).is_dir() {
                continue;
            }
            let stream = set.fid_stream(id, None);
            assert_eq!(set.content_size(id).unwrap().0 as usize, stream.len());
            for (at, fid) in crate::fsi::udf::layout::fids(&stream) {
                let fid = fid.unwrap();
                padded += !fid.implementation_use.is_empty() as usize;
                let len = Fid::padded_len(fid.implementation_use.len(), fid.raw_name.len());
                // The next tag starts whole in a block.
                let left = BLOCK_SIZE - (at + len) % BLOCK_SIZE;
                assert!(left >= 16, "a FID at {at} leaves {left} bytes");
            }
        }
        assert!(padded >= 4, "{padded} FIDs took the padding");
    }

    #[test]
    fn every_file_set_block_maps_back_to_the_entry_that_owns_it() {
        // A directory whose identifiers span blocks, a symlink too long to
        // embed, an embedded one and an empty directory.
        let mut t = Tree::new();
        t.mkdir("/big").unwrap();
        for i in 0..300 {
            let path = format!("/big/file_{i:04}_with_a_longer_name");
            t.add_symlink(&path, "x", false).unwrap();
        }
        t.add_symlink("/long", &"dd/".repeat(400), false).unwrap();
        t.add_symlink("/short", "target", false).unwrap();
        t.mkdir("/empty").unwrap();
        let set = FileSet::measure(Arc::new(t), METADATA_REVISION, None, 0, true).unwrap();
        assert!(set.tails.iter().filter(|t| t.blocks() > 1).count() >= 2);
        let mut k = 1;
        for (i, &node) in set.entries.iter().enumerate() {
            let i = i as u32;
            assert_eq!(set.fe(i), k);
            assert_eq!(set.entry_at(k), Some((node, None)));
            let blocks = set.tail(i).map_or(0, Tail::blocks);
            for b in 0..blocks {
                assert_eq!(set.entry_at(k + 1 + b), Some((node, Some(b))));
            }
            k += 1 + blocks;
        }
        assert_eq!(k, set.blocks);
        assert_eq!(set.entry_at(k), None);
        // The LVID's next unique id follows the last entry's.
        let last = set.entries.len() as u32 - 1;
        assert_eq!(set.next_unique_id(), set.unique_id(last) + 1);
        assert_eq!(set.unique_id(1), FIRST_UNIQUE_ID);
    }
}
