//! What a UDF 2.50 session keeps of the one before it.
//!
//! A session that writes a file entry for every item makes a 1 % append to
//! a million-file disc write two million metadata blocks (the metadata and
//! its mirror) and the next import read a million of them. A session built
//! on the previous one writes every directory anew, as ISO 9660 does, but
//! a file entry only for an item that is new or changed: the others stay
//! where an earlier session wrote them, and the new directories name them
//! there.
//!
//! That needs each old file entry to keep its address in the new metadata
//! partition. The new metadata file is therefore one extent from the
//! first block of the previous metadata file to the end of this session's
//! metadata: a window in which every block keeps the metadata address it
//! had. (Sending old addresses to new places through a fragmented
//! metadata file would also keep the addresses, but libudfread, the
//! reader of VLC and libbluray, maps the metadata partition as one
//! extent from the metadata file's first block: it read such a session's
//! old tree.) A window has no separate mirror: the mirror file names the
//! same extent, and the metadata partition says the metadata is not
//! duplicated.
//!
//! Whether a file changed is decided by a fingerprint of everything its
//! file entry records, taken when the session was imported and again when
//! the next one is built. Editing the tree needs no bookkeeping, and an
//! edit that restores the old state costs nothing.
//!
//! Only volumes laid out as this library lays them out qualify: one
//! physical partition from block 0 (so that the kept entries' long_ads
//! still reach their file data in the new session's partition, which also
//! starts at 0), the metadata partition as the second map, and a metadata
//! file that is one run of blocks.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::fsi::join::join;
use crate::fsi::tree::{Content, Kind, NodeId, Tree};

/// Partition reference of the metadata partition in a qualifying volume.
pub const METADATA_PARTITION: u16 = 1;

/// An item's file entry in the previous session: its metadata block, the
/// low 32 bits of its unique id (what a file identifier records), and
/// the fingerprint of the item as imported (files and links; [`NO_PRINT`]
/// for directories). Sixteen bytes: one per imported item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Origin {
    pub fe: u32,
    pub unique_id: u32,
    fingerprint: u64,
}

/// The fingerprint of an item no kept entry can describe; [`fingerprint`]
/// never returns it.
const NO_PRINT: u64 = 0;

impl Origin {
    const NONE: Origin = Origin {
        fe: u32::MAX,
        unique_id: 0,
        fingerprint: NO_PRINT,
    };
}

/// The previous UDF session's metadata as the next session builds on it.
///
/// Produced by an import of a UDF 2.50+ session this library wrote
/// ([`crate::fsi::Imported::udf_base`]) and handed to the build of the
/// next session ([`crate::fsi::BuildOptions::udf_base`]); the build uses
/// it only for a session of the same revision placed after every block it
/// names, with the tree the import produced (edited or not).
pub struct UdfBase {
    pub(crate) revision: u16,
    /// First sector of the previous metadata file: the window's start.
    pub(crate) start: u32,
    /// Blocks of the previous metadata file.
    pub(crate) blocks: u32,
    /// The first unique id no entry has.
    pub(crate) next_unique_id: u64,
    /// By node index of the imported tree.
    origins: Vec<Origin>,
}

impl fmt::Debug for UdfBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdfBase")
            .field("revision", &format_args!("{:#x}", self.revision))
            .field("start", &self.start)
            .field("blocks", &self.blocks)
            .field(
                "items",
                &self.origins.iter().filter(|o| o.fe != u32::MAX).count(),
            )
            .finish()
    }
}

/// The layout facts of an opened volume that decide whether it qualifies:
/// its revision and its metadata file as one run (first sector, blocks).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub revision: u16,
    pub metadata: (u32, u32),
}

/// Collects each imported item's file entry while the tree is read.
#[derive(Default)]
pub(crate) struct Collector {
    origins: Vec<Origin>,
    max_unique_id: u64,
    /// An entry outside the metadata partition or with a unique id of
    /// more than 32 bits: the volume is not one this module builds on.
    foreign: bool,
}

impl Collector {
    /// A collector for a tree of `slots` node slots, known before the
    /// entries are: its table is allocated once, at its final size (a
    /// million items grown by doubling, then shrunk, held up to three
    /// times its 16 MB at once).
    pub fn for_slots(slots: usize) -> Collector {
        Collector {
            origins: vec![Origin::NONE; slots],
            ..Collector::default()
        }
    }

    /// Item `node` has its file entry at block `block` of partition
    /// `partition`, with `unique_id`.
    pub fn note(&mut self, node: NodeId, partition: u16, block: u32, unique_id: u64) {
        if partition != METADATA_PARTITION || unique_id > u64::from(u32::MAX) || block == u32::MAX {
            self.foreign = true;
            return;
        }
        let i = node.index();
        if self.origins.len() <= i {
            self.origins.resize(i + 1, Origin::NONE);
        }
        self.origins[i] = Origin {
            fe: block,
            unique_id: unique_id as u32,
            fingerprint: NO_PRINT,
        };
        self.max_unique_id = self.max_unique_id.max(unique_id);
    }

    /// The base for the next session, `None` when the volume does not
    /// qualify.
    pub fn finish(self, layout: Option<Layout>, tree: &Tree) -> Option<UdfBase> {
        let layout = layout?;
        let (start, blocks) = layout.metadata;
        if self.foreign {
            return None;
        }
        let mut origins = self.origins;
        origins.resize(tree.slots(), Origin::NONE);
        origins.shrink_to_fit();
        if origins.iter().any(|o| o.fe != u32::MAX && o.fe >= blocks) {
            return None;
        }
        // A million fingerprints, each of its own node: half on each thread.
        let (lo, hi) = origins.split_at_mut(tree.slots() / 2);
        let half = lo.len();
        join(|| take_prints(tree, half, hi), || take_prints(tree, 0, lo));
        Some(UdfBase {
            revision: layout.revision,
            start,
            blocks,
            next_unique_id: self.max_unique_id + 1,
            origins,
        })
    }
}

/// Fingerprints the entries of `origins`, those of slots `first..`.
fn take_prints(tree: &Tree, first: usize, origins: &mut [Origin]) {
    for (index, o) in (first..).zip(origins) {
        if let Some(id) = tree.id_at(index).filter(|_| o.fe != u32::MAX) {
            o.fingerprint = fingerprint(tree, id).unwrap_or(NO_PRINT);
        }
    }
}

impl UdfBase {
    /// `node`'s file entry in the previous session, changed or not.
    pub(crate) fn origin(&self, node: NodeId) -> Option<Origin> {
        self.origins
            .get(node.index())
            .copied()
            .filter(|o| o.fe != u32::MAX)
    }

    /// `node`'s file entry in the previous session when the session being
    /// built may name it: a file or link that still is what the entry
    /// records.
    pub(crate) fn unchanged(&self, tree: &Tree, node: NodeId) -> Option<Origin> {
        let o = self.origin(node)?;
        (o.fingerprint != NO_PRINT && fingerprint(tree, node) == Some(o.fingerprint)).then_some(o)
    }

    /// The first sector after the previous metadata file.
    pub(crate) fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.blocks)
    }
}

/// A hash of what the file entry of file or link `node` records:
/// attributes, size and data extents, or the link target. `None` for
/// directories (always written anew) and for data written anew, which no
/// kept entry can describe.
fn fingerprint(tree: &Tree, node: NodeId) -> Option<u64> {
    let n = tree.node(node);
    let mut h = Fold::default();
    let a = &n.attrs;
    (a.mode, a.uid, a.gid).hash(&mut h);
    a.times()
        .map(|t| (t.modified, t.accessed, t.changed))
        .hash(&mut h);
    match &n.kind {
        Kind::Dir(_) => return None,
        Kind::File(f) => {
            let Content::OnMedium(extents) = &f.content else {
                return None;
            };
            (1u8, f.size).hash(&mut h);
            for e in extents.iter() {
                (e.lba, e.len).hash(&mut h);
            }
        }
        Kind::Symlink(target) => (2u8, target).hash(&mut h),
    }
    Some(h.finish().max(NO_PRINT + 1))
}

/// The hasher of fingerprints: each word folded into the state with a
/// 64×64→128-bit multiply, whose high and low halves are xored (the mixing
/// of wyhash and foldhash). A fingerprint guards against accident, not
/// against an adversary: its keys are public, as SipHash's fixed keys
/// were before it, at a quarter of SipHash's cost per word. Every
/// `write` is prefixed by its length, so two byte runs that differ only
/// in trailing zeros differ.
#[derive(Default)]
struct Fold(u64);

impl Fold {
    const K0: u64 = 0x9E37_79B9_7F4A_7C15;
    const K1: u64 = 0xA076_1D64_78BD_642F;

    fn fold(a: u64, b: u64) -> u64 {
        let m = u128::from(a) * u128::from(b);
        (m as u64) ^ ((m >> 64) as u64)
    }

    fn mix(&mut self, word: u64) {
        self.0 = Self::fold(self.0 ^ word ^ Self::K0, Self::K1);
    }
}

impl Hasher for Fold {
    fn write(&mut self, bytes: &[u8]) {
        self.mix(bytes.len() as u64);
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.mix(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        Self::fold(self.0 ^ Self::K1, Self::K0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsi::tree::{Attrs, Extent, FileData, Times};

    fn print(parts: impl Hash) -> u64 {
        let mut h = Fold::default();
        parts.hash(&mut h);
        h.finish()
    }

    #[test]
    fn inputs_that_differ_only_in_trailing_zeros_or_field_order_print_apart() {
        assert_ne!(print("a"), print("a\0"));
        assert_ne!(print(&b"\0\0"[..]), print(&b"\0"[..]));
        assert_ne!(print((1u32, 2u32)), print((2u32, 1u32)));
        assert_ne!(print((0u64, 0u64)), print(0u64));
        assert_eq!(print(("x", 7u64)), print(("x", 7u64)));
    }

    #[test]
    fn a_change_to_any_field_a_file_entry_records_changes_the_fingerprint() {
        let mut t = Tree::new();
        let root = t.root();
        let file = |size: u64, lba: u32| {
            Kind::File(FileData {
                content: Content::OnMedium(
                    vec![Extent {
                        lba,
                        len: size as u32,
                    }]
                    .into(),
                ),
                size,
            })
        };
        let mut attrs = Attrs::file();
        attrs.set_times(Some(Times::all(1_700_000_000)));
        let id = t
            .insert_unchecked(root, "f", attrs, file(10, 100), false)
            .unwrap();
        let before = fingerprint(&t, id).unwrap();
        let edits: [&dyn Fn(&mut Tree); 7] = [
            &|t| t.node_mut(id).attrs.mode ^= 0o1,
            &|t| t.node_mut(id).attrs.uid += 1,
            &|t| t.node_mut(id).attrs.gid += 1,
            &|t| {
                let mut times = t.node(id).attrs.times().unwrap();
                times.accessed += 1;
                t.node_mut(id).attrs.set_times(Some(times));
            },
            &|t| t.node_mut(id).kind = file(11, 100),
            &|t| t.node_mut(id).kind = file(10, 101),
            &|t| t.node_mut(id).kind = Kind::Symlink("f".into()),
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut changed = t.clone();
            edit(&mut changed);
            assert_ne!(fingerprint(&changed, id), Some(before), "edit {i}");
        }
    }
}
