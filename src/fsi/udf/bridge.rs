//! The two trees of a bridge session read together: the quick check that
//! the ISO 9660 tree says what the UDF tree says, and the short import of
//! a bridge this library wrote.
//!
//! Importing a bridge takes the UDF tree and must still say when the ISO
//! 9660 tree disagrees (a writer that updated only one). Building a second
//! whole tree for that doubled the import, although nearly every bridge
//! agrees. So the ISO 9660 directories are walked along the UDF tree
//! instead: each record's name is looked up among the UDF children and
//! only its kind, size and first extent are compared, with no node, name
//! or attribute kept. Anything this walk does not follow (Rock Ridge
//! continuation areas, relocated directories, symlinks, multi-extent
//! files, associated files) or any difference answers "not sure", and the
//! caller reads the ISO 9660 tree whole to name the differences.

use std::collections::HashSet;
use std::num::NonZeroU32;

use super::incremental::{Collector, Layout, UdfBase, METADATA_PARTITION};
use super::layout::{fids, file_type, LbAddr};
use super::read::Volume;
use crate::fsi::iso9660::descriptor::RootRef;
use crate::fsi::iso9660::read::{ImportLimits, Naming};
use crate::fsi::iso9660::record::{self, Record, FLAG_ASSOCIATED, FLAG_MULTI_EXTENT};
use crate::fsi::join::join;
use crate::fsi::names;
use crate::fsi::packed_names::PackedNames;
use crate::fsi::tree::{Content, Kind, NodeId, Tree};
use crate::fsi::{BlockSource, BLOCK_SIZE};

/// Whether the ISO 9660 tree at `root`, named as `naming` says, holds the
/// same entries as `udf` (names, kinds, sizes, first data blocks). `false`
/// means "look closer", not "they differ".
pub fn iso_tree_agrees(
    src: &dyn BlockSource,
    root: RootRef,
    naming: Naming,
    udf: &Tree,
    limits: &ImportLimits,
) -> bool {
    let mut budget = limits.max_total_directory_bytes;
    let mut stack = vec![(udf.root(), root.extent, root.size)];
    let mut buf = Vec::new();
    while let Some((node, extent, size)) = stack.pop() {
        let Kind::Dir(children) = &udf.node(node).kind else {
            return false;
        };
        if size > limits.max_directory_bytes || u64::from(size) > budget {
            return false;
        }
        budget -= u64::from(size);
        buf.resize((size as usize).div_ceil(BLOCK_SIZE) * BLOCK_SIZE, 0);
        if buf.is_empty() || src.read_blocks(extent, &mut buf).is_err() {
            return false;
        }
        let mut matched = 0usize;
        for block in buf.chunks(BLOCK_SIZE) {
            for (_, bytes) in record::in_block(block) {
                let Ok(rec) = Record::parse(bytes, String::new) else {
                    return false;
                };
                if rec.is_dot_or_dotdot() {
                    continue;
                }
                let Some(name) = name_of(&rec, naming) else {
                    return false;
                };
                let Some(child) = children.get(name.as_str()) else {
                    return false;
                };
                if !same_entry(udf, child, &rec, &mut stack) {
                    return false;
                }
                matched += 1;
            }
        }
        if matched != children.len() {
            return false;
        }
    }
    true
}

/// The record's name as the full import would give it, `None` where the
/// quick walk does not follow (continuation areas, relocation, links).
fn name_of(rec: &Record<'_>, naming: Naming) -> Option<String> {
    if rec.flags & (FLAG_ASSOCIATED | FLAG_MULTI_EXTENT) != 0 {
        return None;
    }
    match naming {
        Naming::RockRidge { skip } => rock_ridge_name(rec.system_use.get(skip..)?),
        Naming::Joliet => Some(names::joliet_display_name(rec.id)),
        Naming::Iso => Some(names::iso_display_name(rec.id)),
    }
}

/// The NM name of a system use area that holds everything in the record.
fn rock_ridge_name(mut su: &[u8]) -> Option<String> {
    const HEAD: usize = 4;
    let mut name: Option<Vec<u8>> = None;
    while su.len() >= HEAD {
        let len = su[2] as usize;
        if len < HEAD || len > su.len() {
            break;
        }
        let (entry, rest) = su.split_at(len);
        match &entry[..2] {
            b"ST" => break,
            b"CE" | b"SL" | b"CL" | b"RE" | b"PL" => return None,
            // Continued, "." or ".." names go the long way.
            b"NM" if len > HEAD && entry[HEAD] == 0 => {
                name.get_or_insert_with(Vec::new)
                    .extend_from_slice(&entry[HEAD + 1..]);
            }
            b"NM" => return None,
            _ => {}
        }
        su = rest;
    }
    name.map(|n| String::from_utf8_lossy(&n).into_owned())
}

/// Whether the UDF node `child` is what `rec` records; a directory is
/// queued for its own walk.
fn same_entry(
    udf: &Tree,
    child: NodeId,
    rec: &Record<'_>,
    stack: &mut Vec<(NodeId, u32, u32)>,
) -> bool {
    match &udf.node(child).kind {
        Kind::Dir(_) if rec.is_dir() => {
            stack.push((child, rec.extent, rec.size));
            true
        }
        Kind::File(data) if !rec.is_dir() => {
            if data.size != u64::from(rec.size) {
                return false;
            }
            match &data.content {
                Content::OnMedium(extents) if data.size > 0 => extents
                    .iter()
                    .find(|e| e.len > 0)
                    .is_some_and(|e| e.lba == rec.extent),
                _ => true,
            }
        }
        _ => false,
    }
}

/// The short import of a bridge this library wrote, for a next session to
/// build on: the tree is the Rock Ridge tree `iso_tree` reads whole (its
/// directories are a few percent of the UDF metadata), and each item's
/// UDF file entry is found through the UDF directories alone — a file's
/// identifier names its entry and the low bits of its unique id — instead
/// of reading a file entry per file. A million-file session so reads some
/// 130,000 blocks rather than over a million.
///
/// The two trees are read apart, on two threads where the source takes
/// reads from two at once ([`BlockSource::shared`]), and then matched:
/// each was a third of a million-file append, one after the other.
///
/// Both trees of such a bridge were written from one tree, so the file
/// entries hold what the Rock Ridge records hold; what is checked is that
/// every UDF directory names exactly the children the ISO 9660 tree has,
/// each with the same kind (a directory or not). `None` when they differ
/// anywhere or a UDF directory cannot be read: the caller reads the UDF
/// tree whole, which reports what is wrong.
pub(crate) fn over_iso(
    vol: &Volume<'_>,
    layout: Layout,
    iso_tree: impl Fn(&dyn BlockSource) -> Option<Tree> + Sync,
    limits: &ImportLimits,
) -> Option<(Tree, UdfBase)> {
    vol.read_ahead(false);
    let (iso, udf) = match vol.source().shared() {
        Some(shared) => join(|| iso_tree(shared), || UdfDirs::scan(vol, limits)),
        None => {
            let iso = iso_tree(vol.source())?;
            (Some(iso), UdfDirs::scan(vol, limits))
        }
    };
    udf?.match_to(iso?, layout)
}

/// A bridge's UDF directories, read without the ISO 9660 tree they are
/// matched to: in the order [`UdfDirs::match_to`] visits them, each
/// directory's file entry and then its items (every identifier but the
/// parent's and deleted ones), the names packed. About 26 bytes per item,
/// freed once matched.
#[derive(Default)]
struct UdfDirs {
    dirs: Vec<UdfDir>,
    items: Vec<UdfItem>,
    names: PackedNames,
}

struct UdfDir {
    icb: LbAddr,
    unique_id: u64,
    /// Items it holds: the next ones of [`UdfDirs::items`].
    items: u32,
}

/// An identifier, its name packed and its entry in the metadata partition
/// (the only one a next session builds on). A directory's unique id is its
/// file entry's, read with it; a file's is the identifier's, never 0. In
/// 12 bytes: the file's unique id is the niche that tells them apart.
enum UdfItem {
    Dir {
        name: u32,
        block: u32,
    },
    File {
        name: u32,
        block: u32,
        unique_id: NonZeroU32,
    },
}

impl UdfItem {
    fn name(&self) -> u32 {
        match *self {
            UdfItem::Dir { name, .. } | UdfItem::File { name, .. } => name,
        }
    }
}

impl UdfDirs {
    /// Reads every directory from the root down, depth first, children in
    /// the order their identifiers come. `None` for a directory that cannot
    /// be read, is met twice, is not one, or is over the limits.
    fn scan(vol: &Volume<'_>, limits: &ImportLimits) -> Option<UdfDirs> {
        let mut out = UdfDirs::default();
        let mut visited = HashSet::new();
        let mut budget = limits.max_total_directory_bytes;
        let mut stack = vec![vol.root.location];
        while let Some(icb) = stack.pop() {
            let fe = vol.read_entry(icb).ok()?;
            let size = fe.information_length;
            if !visited.insert(icb)
                || fe.icb_tag.file_type != file_type::DIRECTORY
                || size > limits.max_directory_bytes as u64
                || size > budget
            {
                return None;
            }
            budget -= size;
            let data = vol
                .read_file_bytes(&fe, icb, limits.max_directory_bytes as u64)
                .ok()?;
            let before = out.items.len();
            for (_, fid) in fids(&data) {
                let fid = fid.ok()?;
                if fid.is_parent() || fid.is_deleted() {
                    continue;
                }
                let at = fid.icb.location;
                // An entry elsewhere makes the volume one a next session
                // cannot build on (see `Collector::note`).
                if at.partition != METADATA_PARTITION {
                    return None;
                }
                let name = out.names.push(fid.name_ref().ok()?.as_bytes())?;
                out.items.push(if fid.is_directory() {
                    stack.push(at);
                    UdfItem::Dir {
                        name,
                        block: at.block,
                    }
                } else {
                    UdfItem::File {
                        name,
                        block: at.block,
                        unique_id: NonZeroU32::new(fid.icb.unique_id())?,
                    }
                });
            }
            out.dirs.push(UdfDir {
                icb,
                unique_id: fe.unique_id,
                items: u32::try_from(out.items.len() - before).ok()?,
            });
        }
        Some(out)
    }

    /// Matches the directories to `iso`, walking it as [`scan`](Self::scan)
    /// walked them, and notes where each item's file entry is.
    fn match_to(self, iso: Tree, layout: Layout) -> Option<(Tree, UdfBase)> {
        let mut origins = Collector::for_slots(iso.slots());
        // Each child named once: with the count below, one identifier per item.
        let mut named_before = vec![false; iso.slots()];
        let mut dirs = self.dirs.iter();
        let mut items = self.items.iter();
        let mut stack = vec![(dirs.as_slice().first()?.icb, iso.root())];
        while let Some((icb, node)) = stack.pop() {
            let Kind::Dir(children) = &iso.node(node).kind else {
                return None;
            };
            // Both walks push a directory's subdirectories in the order of
            // its identifiers, so they meet the directories in one order.
            let dir = dirs.next().filter(|dir| dir.icb == icb)?;
            origins.note(node, icb.partition, icb.block, dir.unique_id);
            // This library writes a directory's identifiers in the tree's
            // name order, which is the order `iso` lists them in: each is
            // first compared with the next child in line, a lookup only if
            // it is not that one (a name cut to fit, another writer's order).
            let mut in_line = children.iter().peekable();
            for item in items.by_ref().take(dir.items as usize) {
                let name = self.names.get(item.name());
                let child = match in_line.next_if(|&(next, _)| next.as_bytes() == name) {
                    Some((_, child)) => child,
                    None => children.get(std::str::from_utf8(name).ok()?)?,
                };
                let is_dir = matches!(item, UdfItem::Dir { .. });
                if std::mem::replace(&mut named_before[child.index()], true)
                    || is_dir != iso.node(child).is_dir()
                {
                    return None;
                }
                match *item {
                    UdfItem::Dir { block, .. } => {
                        let partition = METADATA_PARTITION;
                        stack.push((LbAddr { block, partition }, child));
                    }
                    UdfItem::File {
                        block, unique_id, ..
                    } => origins.note(child, METADATA_PARTITION, block, unique_id.get().into()),
                }
            }
            if dir.items as usize != children.len() {
                return None;
            }
        }
        let base = origins.finish(Some(layout), &iso)?;
        Some((iso, base))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::fsi::iso9660::{descriptor, read};
    use crate::fsi::tree::{Attrs, OnceReader};
    use crate::fsi::udf::testimg::Medium;
    use crate::fsi::{build, BuildOptions, FileSystems, SessionStream};

    /// A bridge session of our own, its UDF tree and where its ISO 9660
    /// tree is.
    fn bridge(file_systems: FileSystems) -> (Medium, Tree, RootRef, Naming) {
        let mut t = Tree::new();
        t.mkdir_all("/a/b").unwrap();
        for (path, body) in [("/top.txt", &b"top"[..]), ("/a/b/deep.bin", &[9u8; 5000])] {
            let data = OnceReader::new(Box::new(std::io::Cursor::new(body.to_vec())));
            t.add_file(
                path,
                body.len() as u64,
                Arc::new(data),
                Attrs::file(),
                false,
            )
            .unwrap();
        }
        let opts = BuildOptions {
            file_systems,
            time: Some(1_700_000_000),
            ..Default::default()
        };
        let mut session = build(Arc::new(t), &opts).unwrap();
        let total = session.total_blocks();
        let mut bytes = vec![0u8; total as usize * BLOCK_SIZE];
        session.read_blocks(0, &mut bytes).unwrap();
        let s = Medium {
            blocks: (0..total)
                .zip(bytes.chunks(BLOCK_SIZE).map(<[u8]>::to_vec))
                .collect(),
            total,
        };
        let (_, udf, _) =
            super::super::read::import(&s, 0, ImportLimits::default(), false).unwrap();
        let set = descriptor::read_set(&s, 0).unwrap();
        let primary = set.primary.unwrap();
        let naming = match read::detect_rock_ridge(&s, primary.root).unwrap() {
            Some(skip) => Naming::RockRidge { skip },
            None => Naming::Iso,
        };
        (s, udf, primary.root, naming)
    }

    #[test]
    fn a_bridge_whose_trees_agree_is_settled_without_reading_the_iso_tree_whole() {
        let all = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
        let (s, udf, root, naming) = bridge(all);
        assert!(matches!(naming, Naming::RockRidge { .. }));
        assert!(iso_tree_agrees(
            &s,
            root,
            naming,
            &udf,
            &ImportLimits::default()
        ));
    }

    /// The scan holds an item per file of the volume until the match: a
    /// million of them.
    #[test]
    fn a_scanned_item_takes_twelve_bytes() {
        assert_eq!(std::mem::size_of::<UdfItem>(), 12);
    }

    #[test]
    fn a_renamed_moved_or_missing_udf_entry_is_not_taken_for_agreement() {
        let all = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
        let (s, udf, root, naming) = bridge(all);
        let limits = ImportLimits::default();
        let edits: [&dyn Fn(&mut Tree); 3] = [
            &|t| t.rename("/top.txt", "/tip.txt").unwrap(),
            &|t| t.rename("/a/b/deep.bin", "/a/deep.bin").unwrap(),
            &|t| t.remove("/top.txt").unwrap(),
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut changed = udf.clone();
            edit(&mut changed);
            assert!(
                !iso_tree_agrees(&s, root, naming, &changed, &limits),
                "edit {i}"
            );
        }
    }
}
