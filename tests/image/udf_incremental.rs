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
use super::support::udf::{peek, Counting};
use super::udf_build::{check_udfinfo, model_by_libudfread, udf_model, udf_tools_present, UModel};
use std::sync::Arc;

use multisession::fsi::tree::{Attrs, Tree};
use multisession::fsi::{self, FileBlocks, FileSystems, OnClash, BLOCK_SIZE};
use multisession::internals::udf::layout::{Tag, TagId};
use multisession::internals::udf::read::MemoryData;
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

#[test]
fn a_udf_2_50_append_writes_file_entries_only_for_new_and_changed_files() {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch("udf-incremental");
    let (mirror, sources) = (dir.join("mirror"), dir.join("sources"));
    fs::create_dir_all(&sources).unwrap();
    for d in 0..3 {
        let sub = mirror.join(format!("d{d}"));
        fs::create_dir_all(&sub).unwrap();
        for f in 0..100 {
            fs::write(sub.join(format!("f{f}")), format!("{d}/{f} ").repeat(f + 1)).unwrap();
        }
    }
    std::os::unix::fs::symlink("d0/f1", mirror.join("link")).unwrap();
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
    let counting = Counting {
        inner: &src,
        blocks: Default::default(),
    };
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
