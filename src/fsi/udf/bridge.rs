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

use super::incremental::{Collector, Layout, UdfBase};
use super::layout::{fids, file_type};
use super::read::Volume;
use crate::fsi::iso9660::descriptor::RootRef;
use crate::fsi::iso9660::read::{ImportLimits, Naming};
use crate::fsi::iso9660::record::{self, Record, FLAG_ASSOCIATED, FLAG_MULTI_EXTENT};
use crate::fsi::names;
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
/// build on: the tree is `iso` (the Rock Ridge tree, read whole: its
/// directories are a few percent of the UDF metadata), and each item's
/// UDF file entry is found through the UDF directories alone — a file's
/// identifier names its entry and the low bits of its unique id — instead
/// of reading a file entry per file. A million-file session so reads some
/// 130,000 blocks rather than over a million.
///
/// Both trees of such a bridge were written from one tree, so the file
/// entries hold what the Rock Ridge records hold; what is checked is that
/// every UDF directory names exactly the children `iso` has, each with the
/// same kind (a directory or not). `None` when they differ anywhere or a
/// UDF directory cannot be read: the caller reads the UDF tree whole,
/// which reports what is wrong.
pub(crate) fn over_iso(
    vol: &Volume<'_>,
    layout: Layout,
    iso: Tree,
    limits: &ImportLimits,
) -> Option<(Tree, UdfBase)> {
    vol.read_ahead(false);
    let mut origins = Collector::for_slots(iso.slots());
    let mut visited = HashSet::new();
    // Each child named once: with the count below, one identifier per item.
    let mut named_before = vec![false; iso.slots()];
    let mut budget = limits.max_total_directory_bytes;
    let mut stack = vec![(vol.root.location, iso.root())];
    while let Some((icb, node)) = stack.pop() {
        let Kind::Dir(children) = &iso.node(node).kind else {
            return None;
        };
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
        origins.note(node, icb.partition, icb.block, fe.unique_id);
        let data = vol
            .read_file_bytes(&fe, icb, limits.max_directory_bytes as u64)
            .ok()?;
        let mut named = 0usize;
        // This library writes a directory's identifiers in the tree's name
        // order, which is the order `iso` lists them in: each is first
        // compared with the next child in line, a lookup only if it is not
        // that one (a name cut to fit, another writer's order).
        let mut in_line = children.iter().peekable();
        for (_, fid) in fids(&data) {
            let fid = fid.ok()?;
            if fid.is_parent() || fid.is_deleted() {
                continue;
            }
            let name = fid.name_ref().ok()?;
            let child = match in_line.next_if(|&(next, _)| next == name) {
                Some((_, child)) => child,
                None => children.get(&name)?,
            };
            if std::mem::replace(&mut named_before[child.index()], true)
                || fid.is_directory() != iso.node(child).is_dir()
            {
                return None;
            }
            let at = fid.icb.location;
            if fid.is_directory() {
                stack.push((at, child));
            } else {
                match fid.icb.unique_id() {
                    0 => return None,
                    id => origins.note(child, at.partition, at.block, id.into()),
                }
            }
            named += 1;
        }
        if named != children.len() {
            return None;
        }
    }
    let base = origins.finish(Some(layout), &iso)?;
    Some((iso, base))
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
