//! Sessions we build, written into full-disc image files where the media
//! would put them, are read back by xorriso and isoinfo (and by our own
//! importer) as exactly the expected tree.

use crate::support::one_line_tests;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::support::{peers::*, trees::*};
use multisession::fsi::{
    self, BuildOptions, FileBlocks, ImportLimits, OnClash, OnceReader, RandomWriteStyle,
    SessionStream, Tree,
};

const TIME: i64 = 1_700_000_000;

/// How a medium places sessions.
#[derive(Clone, Copy)]
enum Media {
    /// CD-R: lead-out + lead-in + pregap between sessions (11400 blocks
    /// after the first, 6900 after later ones).
    CdR,
    /// DVD+R: next session at the next ECC block (16).
    DvdPlusR,
    /// BD-R: next session at the next cluster (32).
    BdR,
    /// DVD+RW as growisofs uses it: session 1 at 0, later sessions after
    /// it, LBA 16 rewritten to point at the newest.
    DvdPlusRwGrowisofs,
}

impl Media {
    fn write_unit(self) -> u32 {
        match self {
            Media::CdR => 1,
            Media::DvdPlusR | Media::DvdPlusRwGrowisofs => 16,
            Media::BdR => 32,
        }
    }

    fn random_write(self) -> bool {
        matches!(self, Media::DvdPlusRwGrowisofs)
    }

    fn next_start(self, img: &Path, prev_end: u32, sessions_so_far: u32) -> u32 {
        match self {
            Media::CdR => prev_end + if sessions_so_far == 1 { 11_400 } else { 6_900 },
            Media::DvdPlusR => prev_end.div_ceil(16) * 16,
            Media::BdR => prev_end.div_ceil(32) * 32,
            Media::DvdPlusRwGrowisofs => {
                let l = random_write_layout(img, 16);
                assert_eq!(l.style, RandomWriteStyle::Growisofs);
                l.next
            }
        }
    }
}

fn options(media: Media, start: u32, volume: &str) -> BuildOptions {
    BuildOptions {
        start_block: start,
        volume_name: volume.into(),
        write_unit: media.write_unit(),
        time: Some(TIME),
        random_write: media.random_write(),
        ..Default::default()
    }
}

fn import(img: &Path, start: u32) -> fsi::Imported {
    let src = FileBlocks::open(img).unwrap();
    let limits = ImportLimits {
        medium_blocks: Some(src.blocks()),
        ..Default::default()
    };
    fsi::import(&src, start, None, limits).unwrap()
}

/// Every reader sees `expected` in the session at `start`.
fn verify(img: &Path, start: u32, expected: &Model, scratch: &Path) {
    assert_same(
        &format!("our import at {start}"),
        expected,
        &model_by_import(img, start),
    );
    assert_same(
        &format!("xorriso -load sbsector {start}"),
        expected,
        &model_by_xorriso(img, Some(start), scratch),
    );
    assert_same(
        &format!("isoinfo -T {start}"),
        expected,
        &model_by_isoinfo(img, Some(start), u64::MAX),
    );
}

fn three_sessions(media: Media, name: &str) {
    let Some(dir) = scratch_with_tools(name) else {
        return;
    };
    let img = dir.join("disc.img");
    let mirror = dir.join("mirror");
    make_source_tree(&mirror);

    // Session 1: the whole source tree.
    let mut tree = Tree::new();
    tree.add_tree(&mirror, "/", false, OnClash::Fail).unwrap();
    let mut s = fsi::build(Arc::new(tree.clone()), &options(media, 0, "Session one")).unwrap();
    assert!(
        s.anchor().is_none(),
        "a session at 0 has its descriptors at 16 already"
    );
    write_session(&img, &mut s);
    let s1 = (0, s.total_blocks());
    let model1 = model_of_dir(&mirror);
    verify(&img, 0, &model1, &dir);
    if let Some(py) = pycdlib_python() {
        assert_same("pycdlib (LBA 16)", &model1, &model_by_pycdlib(py, &img));
    }

    // Session 2: replace, remove, rename, add files and a link.
    let start2 = media.next_start(&img, s1.0 + s1.1, 1);
    let imported = import(&img, s1.0);
    assert_eq!(imported.volume_name, "Session one");
    let mut tree = imported.tree;
    replace_in_both(
        &mut tree,
        &mirror,
        "/to be replaced.txt",
        b"new content, longer than before\n",
    );
    remove_in_both(&mut tree, &mirror, "/to be removed.txt");
    fs::rename(mirror.join("one"), mirror.join("one renamed")).unwrap();
    tree.rename("/one", "/one renamed").unwrap();
    fs::create_dir(mirror.join("session2")).unwrap();
    fs::write(mirror.join("session2/new.txt"), b"added in session two\n").unwrap();
    tree.mkdir("/session2").unwrap();
    tree.add_local_file("/session2/new.txt", &mirror.join("session2/new.txt"), false)
        .unwrap();
    std::os::unix::fs::symlink("../one renamed", mirror.join("session2/link")).unwrap();
    tree.add_symlink("/session2/link", "../one renamed", false)
        .unwrap();
    let deep = "level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11";
    fs::write(mirror.join(deep).join("second.txt"), b"deep, session two\n").unwrap();
    tree.add_local_file(
        &format!("/{deep}/second.txt"),
        &mirror.join(deep).join("second.txt"),
        false,
    )
    .unwrap();
    let mut s = fsi::build(
        Arc::new(tree.clone()),
        &options(media, start2, "Session two"),
    )
    .unwrap();
    write_session(&img, &mut s);
    let s2 = (start2, s.total_blocks());
    let model2 = model_of_dir(&mirror);
    verify(&img, start2, &model2, &dir);

    // Session 3: drop a subtree, data from caller streams.
    let start3 = media.next_start(&img, s2.0 + s2.1, 2);
    let mut tree = import(&img, s2.0).tree;
    fs::remove_dir_all(mirror.join("ünïcödé")).unwrap();
    tree.remove_tree("/ünïcödé").unwrap();
    let streamed: Vec<u8> = (0..70_001u32).map(|i| (i % 251) as u8).collect();
    fs::create_dir_all(mirror.join("session3/nested")).unwrap();
    fs::write(mirror.join("session3/nested/stream.bin"), &streamed).unwrap();
    tree.mkdir_all("/session3/nested").unwrap();
    let reader = Arc::new(OnceReader::new(Box::new(std::io::Cursor::new(
        streamed.clone(),
    ))));
    tree.add_file(
        "/session3/nested/stream.bin",
        streamed.len() as u64,
        reader,
        fsi::Attrs::file(),
        false,
    )
    .unwrap();
    fs::write(mirror.join("block"), b"block replaced by a stream").unwrap();
    let reader = Arc::new(OnceReader::new(Box::new(
        &b"block replaced by a stream"[..],
    )));
    tree.add_file("/block", 26, reader, fsi::Attrs::file(), true)
        .unwrap();
    let mut s = fsi::build(
        Arc::new(tree.clone()),
        &options(media, start3, "Session three"),
    )
    .unwrap();
    write_session(&img, &mut s);
    let model3 = model_of_dir(&mirror);
    verify(&img, start3, &model3, &dir);

    // Older sessions are intact (on growisofs media session 1 lost its
    // descriptors to the anchor, as with growisofs itself).
    if !media.random_write() {
        assert_same(
            "session 1 afterwards",
            &model1,
            &model_by_xorriso(&img, Some(0), &dir),
        );
    }
    assert_same(
        "session 2 afterwards",
        &model2,
        &model_by_xorriso(&img, Some(start2), &dir),
    );

    if media.random_write() {
        let l = random_write_layout(&img, 16);
        assert_eq!(l.newest, Some(start3));
        // Readers that only know LBA 16 see the newest session.
        assert_same(
            "isoinfo at LBA 16",
            &model3,
            &model_by_isoinfo(&img, None, u64::MAX),
        );
        assert_same(
            "xorriso default load",
            &model3,
            &model_by_xorriso(&img, None, &dir),
        );
    }
    if std::env::var_os("KEEP").is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
}

one_line_tests! {
    three_sessions_on_cd_r_read_back_by_xorriso_and_isoinfo: three_sessions(Media::CdR, "cdr");
    three_sessions_on_dvd_plus_r_read_back_by_xorriso_and_isoinfo: three_sessions(Media::DvdPlusR, "dvdr");
    three_sessions_on_bd_r_read_back_by_xorriso_and_isoinfo: three_sessions(Media::BdR, "bdr");
    three_sessions_on_dvd_plus_rw_growisofs_style_read_back_at_lba_16_too: three_sessions(Media::DvdPlusRwGrowisofs, "dvdrw");
}
