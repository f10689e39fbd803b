//! A UDF 2.50 session appended to one this library wrote writes every
//! directory anew but a file entry only for what is new or changed; the
//! others stay where the earlier session wrote them, inside one metadata
//! window (src/fsi/udf/incremental.rs). Counted from the blocks the
//! session wrote, and read back by udfinfo, libudfread and our import at
//! every session's start.

use std::fs;
use std::path::Path;

use super::support::discs::new_disc;
use super::support::sessions::write_next_session;
use super::support::trees::write_session;
use super::support::trees::{assert_same, scratch};
use super::support::udf::{blocks_with_tag, fids_at, peek, poke, restamp, Counting, Threads};
use super::udf_build::{check_udfinfo, model_by_libudfread, udf_model, udf_tools_present, UModel};
use std::sync::Arc;

use multisession::fsi::tree::{Attrs, Tree};
use multisession::fsi::{self, FileBlocks, FileSystems, OnClash, BLOCK_SIZE};
use multisession::internals::iso9660::{descriptor, read as iso_read};
use multisession::internals::udf::layout::{Tag, TagId};
use multisession::internals::udf::read::{self as udf_read, ForNextSession, MemoryData};
use multisession::Profile;

/// Extended file entries written in `start..end` of `img`.
fn entries_written(img: &Path, start: u32, end: u32) -> usize {
    (start..end)
        .filter(|&lba| {
            let b = peek(img, u64::from(lba) * BLOCK_SIZE as u64, BLOCK_SIZE);
            matches!(Tag::parse(&b, None), Ok(t) if t.id == TagId::Efe)
        })
        .count()
}

/// Mode of `path` as our import of the session at `start` has it.
fn imported_mode(img: &Path, start: u32, path: &str) -> u32 {
    let tree = import(img, start).tree;
    tree.node(tree.lookup(path).unwrap()).attrs.mode
}

fn import(img: &Path, start: u32) -> fsi::Imported {
    let src = FileBlocks::open(img).unwrap();
    fsi::import(&src, start, Some(FileSystems::UDF), Default::default())
        .unwrap_or_else(|e| panic!("our import at {start}: {e}"))
}

/// `dirs` directories `d0`… of `files` files `f0`… each (file `f` holds
/// `f + 1` repeats of its name) and a link `link` to `d0/f1`, in `mirror`.
fn fill_mirror(mirror: &Path, dirs: usize, files: usize) {
    for d in 0..dirs {
        let sub = mirror.join(format!("d{d}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..files {
            fs::write(sub.join(format!("f{f}")), format!("{d}/{f} ").repeat(f + 1)).unwrap();
        }
    }
    std::os::unix::fs::symlink("d0/f1", mirror.join("link")).unwrap();
}

/// udfinfo, libudfread and our import agree that the session at `start`
/// holds `model` (links as their encoded bytes for libudfread).
fn check_readers(img: &Path, start: u32, mirror: &Path, what: &str) -> (UModel, UModel) {
    let (model, as_files) = (udf_model(mirror, false), udf_model(mirror, true));
    check_udfinfo(img, start, &model, "2.50", what);
    let (read, _) = model_by_libudfread(img, start, 0);
    assert_same(&format!("{what}, libudfread"), &as_files, &read);
    let ours = import(img, start);
    assert_eq!(
        ours.tree.len(),
        model.len(),
        "{what}: entries of our import"
    );
    (model, as_files)
}

/// `CreateRedundantUdfMetadataFiles` off: the first session writes each
/// file entry once (its mirror shares the blocks), is shorter by as many
/// blocks, and udfinfo, libudfread and our import read it and the
/// session appended to it; the append keeps the first session's entries.
#[test]
fn single_udf_metadata_writes_each_entry_once_and_every_reader_follows_it() {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch("udf-single-metadata");
    let mirror = dir.join("mirror");
    fill_mirror(&mirror, 2, 50);
    // The root, 2 directories, 100 files and the link.
    let items = 104;
    let first_session = |name: &str, redundant: bool| {
        let disc = new_disc(&dir, name, Profile::BdR);
        let report = write_next_session(&disc, "Single", |image| {
            assert!(
                image.create_redundant_udf_metadata_files(),
                "IMAPI's default"
            );
            image.set_create_redundant_udf_metadata_files(redundant);
            image.add_tree(&mirror, "/", false, OnClash::Fail).unwrap();
        });
        (disc, report)
    };
    let (twice, redundant) = first_session("twice.img", true);
    let (disc, single) = first_session("once.img", false);
    let (start, end) = (single.start_lba, single.start_lba + single.sectors);
    // The entries, plus the metadata file's and its mirror's own.
    assert_eq!(entries_written(&disc, start, end), 2 + items);
    assert_eq!(
        entries_written(
            &twice,
            redundant.start_lba,
            redundant.start_lba + redundant.sectors
        ),
        2 + 2 * items
    );
    // Shorter by the metadata's blocks, less a write unit of rounding.
    assert!(
        single.sectors + items as u32 - 32 <= redundant.sectors,
        "{} sectors once, {} twice",
        single.sectors,
        redundant.sectors
    );
    check_readers(&disc, start, &mirror, "single metadata, session 1");

    let report = write_next_session(&disc, "Single 2", |image| {
        image.set_create_redundant_udf_metadata_files(false);
        image.mkdir("/d2", false).unwrap();
        let note = dir.join("note");
        fs::write(&note, b"session two").unwrap();
        image.add_file("/d2/note", &note, false).unwrap();
    });
    fs::create_dir_all(mirror.join("d2")).unwrap();
    fs::write(mirror.join("d2/note"), b"session two").unwrap();
    let (start2, end2) = (report.start_lba, report.start_lba + report.sectors);
    check_readers(&disc, start2, &mirror, "single metadata, session 2");
    // Four directories and the new file: the first session's files are
    // named where it wrote them.
    assert_eq!(entries_written(&disc, start2, end2), 2 + 5);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_udf_2_50_append_writes_file_entries_only_for_new_and_changed_files() {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch("udf-incremental");
    let (mirror, sources) = (dir.join("mirror"), dir.join("sources"));
    fs::create_dir_all(&sources).unwrap();
    fill_mirror(&mirror, 3, 100);
    let disc = new_disc(&dir, "disc.img", Profile::BdR);
    let mut sessions: Vec<(u32, u32, UModel)> = Vec::new();
    let add = |image: &mut fsi::FileSystemImage, path: &str, bytes: &[u8], replace: bool| {
        let source = sources.join(format!("{}", fs::read_dir(&sources).unwrap().count()));
        fs::write(&source, bytes).unwrap();
        fs::write(mirror.join(path.trim_start_matches('/')), bytes).unwrap();
        image.add_file(path, &source, replace).unwrap();
    };

    for n in 1..=3 {
        let report = write_next_session(&disc, &format!("Incremental {n}"), |image| match n {
            1 => image.add_tree(&mirror, "/", false, OnClash::Fail).unwrap(),
            2 => {
                for i in 0..5 {
                    add(
                        image,
                        &format!("/d1/new{i}"),
                        format!("new {i}").as_bytes(),
                        false,
                    );
                }
                add(image, "/d0/f0", b"replaced in session 2", true);
                image.remove("/d2/f1", false).unwrap();
                fs::remove_file(mirror.join("d2/f1")).unwrap();
                image.rename("/d0/f2", "/d1/moved").unwrap();
                fs::rename(mirror.join("d0/f2"), mirror.join("d1/moved")).unwrap();
                let tree = image.tree_mut();
                let f3 = tree.lookup("/d2/f3").unwrap();
                tree.node_mut(f3).attrs.mode = 0o600;
            }
            _ => {
                image.mkdir("/d3", false).unwrap();
                fs::create_dir_all(mirror.join("d3")).unwrap();
                add(image, "/d3/only", b"session 3", false);
            }
        });
        let (start, end) = (report.start_lba, report.start_lba + report.sectors);
        let what = format!("BD-R, session {n}");
        let (_, as_files) = check_readers(&disc, start, &mirror, &what);
        sessions.push((start, end, as_files));
        // Every earlier session still reads as it was written.
        for (k, (start, _, model)) in sessions.iter().enumerate() {
            let (read, _) = model_by_libudfread(&disc, *start, 0);
            assert_same(
                &format!("{what}: session {} by libudfread", k + 1),
                model,
                &read,
            );
        }
        // The metadata file and its mirror's entries, then: session 1
        // every item (4 directories, 300 files, the link) and its mirror
        // copy; session 2, in a window without a copy, the 4 directories,
        // 5 new files, the replaced one and the one whose mode changed;
        // session 3 the 5 directories and 1 new file.
        let expected = 2 + [2 * 305, 4 + 5 + 1 + 1, 5 + 1][n - 1];
        assert_eq!(
            entries_written(&disc, start, end),
            expected,
            "{what}: extended file entries written"
        );
    }
    let (second, _, _) = sessions[1];
    assert_eq!(imported_mode(&disc, second, "/d2/f3"), 0o600);
    let local = fs::metadata(mirror.join("d2/f4")).unwrap();
    assert_eq!(
        imported_mode(&disc, second, "/d2/f4"),
        std::os::unix::fs::PermissionsExt::mode(&local.permissions()) & 0o7777
    );
}

/// Importing a UDF 2.50 session reads each metadata block about once: a
/// subdirectory's entry sits beside its own contents, far from its
/// parent's other entries, and was read (with the run of blocks around
/// it) while the parent was listed and again in its turn — 1.7 times the
/// metadata at 100,000 files (benches/scale.rs).
#[test]
fn importing_a_udf_2_50_session_reads_each_metadata_block_about_once() {
    let dir = scratch("udf-import-reads");
    let img = dir.join("s.img");
    let mut tree = Tree::new();
    for d in 0..60 {
        for f in 0..100 {
            let path = format!("/d{d:02}/f{f:03}");
            tree.mkdir_all(&format!("/d{d:02}")).unwrap();
            let data = Arc::new(MemoryData(vec![b'x'; 100].into()));
            tree.add_file(&path, 100, data, Attrs::file(), false)
                .unwrap();
        }
    }
    let options = fsi::BuildOptions {
        file_systems: FileSystems::UDF,
        udf_revision: 0x250,
        time: Some(1_700_000_000),
        ..Default::default()
    };
    write_session(&img, &mut fsi::build(tree, &options).unwrap());
    let src = FileBlocks::open(&img).unwrap();
    let counting = Counting::new(&src);
    let imported = fsi::import(&counting, 0, Some(FileSystems::UDF), Default::default()).unwrap();
    assert_eq!(imported.tree.len(), 60 * 101);
    // The metadata: the file set descriptor, 6,061 entries, 60 + 1
    // directories' identifiers (3 blocks for 100 names, 1 for the root).
    let metadata = 1 + 6_061 + 60 * 3 + 1;
    let read = counting.blocks.get();
    assert!(
        read <= metadata * 11 / 10 + 300,
        "{read} blocks read for {metadata} blocks of metadata"
    );
}

/// What an import says of every item, by path: kind, mode, owner, times,
/// size and data extents or link target.
fn items(tree: &Tree) -> std::collections::BTreeMap<String, String> {
    use multisession::fsi::tree::{Content, Kind};
    tree.walk()
        .map(|(id, _)| {
            let n = tree.node(id);
            let a = &n.attrs;
            let what = match &n.kind {
                Kind::Dir(c) => format!("dir of {}", c.len()),
                Kind::Symlink(t) => format!("link to {t}"),
                Kind::File(f) => match &f.content {
                    Content::OnMedium(e) => format!("{} bytes at {:?}", f.size, e),
                    Content::New(_) => format!("{} bytes, new", f.size),
                },
            };
            let facts = format!(
                "{what}, mode {:o}, {}:{}, {:?}, extra {:?}",
                a.mode,
                a.uid,
                a.gid,
                a.times(),
                tree.extra_su(id)
            );
            (tree.path_of(id), facts)
        })
        .collect()
}

/// [`our_bridge`] in a fresh scratch directory called `name`.
fn our_bridge_in(name: &str) -> std::path::PathBuf {
    let img = scratch(name).join("bridge.img");
    our_bridge(&img);
    img
}

/// A bridge (ISO 9660 with Rock Ridge, Joliet, UDF 2.50) of 60
/// directories of 100 files, with what both a file entry and a Rock
/// Ridge record say beside: set-id and sticky bits, owners, distinct
/// times, a link, an empty file, long and non-ASCII names.
fn our_bridge(img: &Path) {
    use multisession::fsi::tree::Times;
    let mut tree = Tree::new();
    let file = |n: u32| {
        Arc::new(MemoryData(
            format!("{n} ").repeat(n as usize % 700).into_bytes().into(),
        ))
    };
    for d in 0..60u32 {
        for f in 0..100u32 {
            let n = d * 100 + f;
            let data = file(n);
            let times = Times {
                modified: 1_600_000_000 + i64::from(n),
                accessed: 1_650_000_000 + i64::from(n),
                changed: 1_620_000_000 + i64::from(n),
            };
            let attrs = Attrs::new(0o640 + n % 8, 1000 + n % 3, 100 + n % 5, Some(times));
            let size = data.0.len() as u64;
            let path = format!("/d{d:02}/f{f:03}");
            tree.mkdir_all(&format!("/d{d:02}")).unwrap();
            tree.add_file(&path, size, data, attrs, false).unwrap();
        }
    }
    tree.mkdir_all("/odd/sticky").unwrap();
    let sticky = tree.lookup("/odd/sticky").unwrap();
    tree.node_mut(sticky).attrs = Attrs::new(0o1777, 0, 0, Some(Times::all(1_500_000_000)));
    let setuid = Attrs::new(0o4755, 0, 0, Some(Times::all(1_400_000_000)));
    let long = format!("/odd/{}", "long name ".repeat(20).trim());
    for (path, bytes, attrs) in [
        ("/odd/setuid", &b"#!/bin/sh\n"[..], setuid),
        ("/odd/empty", &b""[..], Attrs::file()),
        ("/odd/grüße, 東京.txt", &b"unicode"[..], Attrs::file()),
        (long.as_str(), &b"long"[..], Attrs::file()),
    ] {
        let data = Arc::new(MemoryData(bytes.to_vec().into()));
        tree.add_file(path, bytes.len() as u64, data, attrs, false)
            .unwrap();
    }
    tree.add_symlink("/odd/link", "../d00/f001", false).unwrap();
    let options = fsi::BuildOptions {
        file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
        udf_revision: 0x250,
        time: Some(1_700_000_000),
        ..Default::default()
    };
    write_session(img, &mut fsi::build(tree, &options).unwrap());
}

/// The import a next session builds on, of the session at `start`, with
/// the Rock Ridge tree offered for the short way.
fn import_for_next_session(src: &dyn fsi::BlockSource, start: u32) -> ForNextSession {
    let set = descriptor::read_set(src, start).unwrap();
    let root = set.primary.unwrap().root;
    let skip = iso_read::detect_rock_ridge(src, root).unwrap().unwrap();
    let rock_ridge = |src: &dyn fsi::BlockSource| {
        let naming = iso_read::Naming::RockRidge { skip };
        iso_read::read_tree(src, root, naming, Default::default()).ok()
    };
    udf_read::import_for_next_session(src, start, Default::default(), rock_ridge).unwrap()
}

/// A next session built on a bridge this library wrote needs each item's
/// file entry; reading a million of them was half of a million-file
/// append. The UDF directories name the entries, and the Rock Ridge tree
/// says what the entries say: the short import reads the directories
/// only and gives the tree and base the whole UDF import gives.
#[test]
fn importing_our_bridge_for_a_next_session_reads_directories_not_file_entries() {
    let img = our_bridge_in("udf-short-import");
    let src = FileBlocks::open(&img).unwrap();
    let counting = Counting::new(&src);
    let short = import_for_next_session(&counting, 0);
    let short_reads = counting.blocks.get();
    assert!(short.from_iso, "the short way was taken");
    let (info, full, full_base) = udf_read::import(&src, 0, Default::default(), true).unwrap();
    assert_eq!(short.info, info);
    assert_same("the short import", &items(&full), &items(&short.tree));
    // Same window, same entries, same next unique id.
    assert_eq!(
        format!("{:?}", short.base.as_ref().unwrap()),
        format!("{:?}", full_base.unwrap())
    );
    // 6,004 files, a link, 63 directories; the directories: 60 of 100 Rock Ridge records (some 8
    // blocks each) and their UDF identifiers (3 blocks each), 3 more.
    assert_eq!(full.len(), 6_067);
    assert!(
        short_reads < 1_200,
        "{short_reads} blocks read for 6,004 files"
    );

    // A next session built on the short import's base keeps every
    // unchanged entry: the metadata file's and mirror's entries, the 63
    // directories and the new file written, the rest
    // read back by our whole import (and libudfread when installed).
    let mut tree = short.tree;
    let data = Arc::new(MemoryData(b"second session".to_vec().into()));
    tree.add_file("/d07/new", 14, data, Attrs::file(), false)
        .unwrap();
    let start = (fs::metadata(&img).unwrap().len() / BLOCK_SIZE as u64) as u32;
    let start = start.div_ceil(16) * 16;
    let options = fsi::BuildOptions {
        start_block: start,
        file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
        udf_revision: 0x250,
        time: Some(1_700_000_100),
        udf_base: short.base.map(Arc::new),
        ..Default::default()
    };
    let mut session = fsi::build(tree, &options).unwrap();
    let end = start + fsi::SessionStream::total_blocks(&session);
    write_session(&img, &mut session);
    assert_eq!(entries_written(&img, start, end), 2 + 63 + 1);
    let src = FileBlocks::open(&img).unwrap();
    let (_, second, _) = udf_read::import(&src, start, Default::default(), false).unwrap();
    let mut expected = items(&full);
    let mut got = items(&second);
    for changed in ["/", "/d07", "/d07/new"] {
        expected.remove(changed);
        got.remove(changed);
    }
    assert_same("the second session, unchanged items", &expected, &got);
    if udf_tools_present() {
        let (read, _) = model_by_libudfread(&img, start, 0);
        assert_eq!(read.len(), 6_067 + 1, "libudfread's items");
    }
}

/// A source two threads may read gets the Rock Ridge tree read on a second
/// thread beside the UDF directories; the tree and base are what one
/// thread reading both gives.
#[test]
fn the_short_import_reads_its_two_trees_on_two_threads_and_gives_what_one_thread_gives() {
    let img = our_bridge_in("udf-short-two-threads");
    let src = FileBlocks::open(&img).unwrap();
    let one = Counting::new(&src);
    let in_line = import_for_next_session(&one, 0);
    let two = Threads::new(&src);
    let side_by_side = import_for_next_session(&two, 0);
    assert_eq!(two.count(), 2, "threads that read");
    assert!(in_line.from_iso && side_by_side.from_iso);
    assert_same(
        "two threads against one",
        &items(&in_line.tree),
        &items(&side_by_side.tree),
    );
    assert_eq!(
        format!("{:?}", in_line.base.unwrap()),
        format!("{:?}", side_by_side.base.unwrap())
    );
}

/// Where the UDF directories of our bridge do not name what the Rock Ridge
/// tree holds, the short import is refused and the UDF tree read whole.
#[test]
fn a_bridge_whose_udf_directories_differ_from_its_iso_tree_is_imported_the_whole_way() {
    let img = our_bridge_in("udf-short-refused");
    // Every f005 becomes f00x in the UDF directories (metadata file and
    // mirror alike); the Rock Ridge tree keeps f005.
    let mut renamed = 0;
    for lba in blocks_with_tag(&img, TagId::Fid) {
        for (at, fid) in fids_at(&img, lba) {
            if fid.name().unwrap() == "f005" {
                let name_at = at + 38 + fid.implementation_use.len() as u64;
                assert_eq!(peek(&img, name_at, 5), b"\x08f005");
                poke(&img, name_at + 4, b"x");
                restamp(&img, at);
                renamed += 1;
            }
        }
    }
    assert_eq!(renamed, 2 * 60, "60 directories, two copies");
    let src = FileBlocks::open(&img).unwrap();
    let imported = import_for_next_session(&src, 0);
    assert!(!imported.from_iso, "the short way was refused");
    assert!(imported.tree.lookup("/d03/f00x").is_ok(), "the UDF tree");
    assert!(imported.tree.lookup("/d03/f005").is_err());
    assert!(imported.base.is_some(), "the whole way still gives a base");
}
