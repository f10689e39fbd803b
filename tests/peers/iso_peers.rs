//! Discs whose sessions genisoimage and xorriso made are imported, appended
//! to by us, and the result is read back by both tools; the tools can in
//! turn append after our session.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::support::{peers::*, trees::*};
use multisession::fsi::{
    self, BuildOptions, FileBlocks, ImportLimits, OnClash, RandomWriteStyle, SessionStream,
};

const TIME: i64 = 1_650_000_000;

fn import(img: &Path, start: u32) -> fsi::Imported {
    let src = FileBlocks::open(img).unwrap();
    let limits = ImportLimits {
        medium_blocks: Some(src.blocks()),
        ..Default::default()
    };
    fsi::import(&src, start, None, limits).unwrap()
}

/// Our edits of an imported tree, mirrored in the local copy.
fn our_changes(tree: &mut fsi::Tree, mirror: &Path) {
    replace_in_both(
        tree,
        mirror,
        "/to be replaced.txt",
        b"replaced by multisession\n",
    );
    remove_in_both(tree, mirror, "/to be removed.txt");
    fs::create_dir(mirror.join("ours")).unwrap();
    fs::write(
        mirror.join("ours/appended.txt"),
        b"appended by multisession\n",
    )
    .unwrap();
    tree.add_tree(&mirror.join("ours"), "/", true, OnClash::Fail)
        .unwrap();
}

#[test]
fn genisoimage_sessions_are_imported_appended_to_and_read_back_by_both_tools() {
    let Some(dir) = scratch_with_tools("peer-geniso") else {
        return;
    };
    let img = dir.join("disc.img");
    let (m1, m2, mirror) = (dir.join("m1"), dir.join("m2"), dir.join("mirror"));
    make_source_tree(&m1);
    fs::create_dir_all(m2.join("added")).unwrap();
    fs::write(m2.join("added/by genisoimage.txt"), b"second session\n").unwrap();

    // Two CD-style sessions by genisoimage (deep directories relocated
    // to rr_moved).
    genisoimage(&[], &dir.join("s1.iso"), &m1);
    let end1 = place(&img, &dir.join("s1.iso"), 0);
    let s2 = end1 + 11_400;
    let c = format!("0,{s2}");
    genisoimage(
        &["-C", &c, "-M", img.to_str().unwrap()],
        &dir.join("s2.iso"),
        &m2,
    );
    let end2 = s2 + place(&img, &dir.join("s2.iso"), s2);
    fs::create_dir_all(&mirror).unwrap();
    copy_into(&m1, &mirror);
    copy_into(&m2, &mirror);

    // genisoimage relocated the directories below level 8 (RE/CL/PL):
    // the plain ECMA-119 listing shows its rr_moved, our import must not.
    let plain = tool("isoinfo")
        .arg("-f")
        .arg("-i")
        .arg(dir.join("s1.iso"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&plain.stdout).contains("/RR_MOVED"));
    let imported = import(&img, s2);
    assert!(imported.rock_ridge);
    assert!(imported.tree.lookup("/rr_moved").is_err());
    assert_same(
        "genisoimage session imported",
        &model_of_dir(&mirror),
        &model_of_tree(&imported.tree, &img),
    );

    let mut tree = imported.tree;
    our_changes(&mut tree, &mirror);
    let s3 = end2 + 6_900;
    let mut session = fsi::build(
        Arc::new(tree.clone()),
        &BuildOptions {
            start_block: s3,
            volume_name: "appended".into(),
            time: Some(TIME),
            ..Default::default()
        },
    )
    .unwrap();
    write_session(&img, &mut session);
    let end3 = s3 + session.total_blocks();
    let expected = model_of_dir(&mirror);
    assert_same(
        "xorriso reads our session",
        &expected,
        &model_by_xorriso(&img, Some(s3), &dir),
    );
    assert_same(
        "isoinfo reads our session",
        &expected,
        &model_by_isoinfo(&img, Some(s3), u64::MAX),
    );

    // genisoimage appends after our session, keeping everything in it.
    let m4 = dir.join("m4");
    fs::create_dir_all(&m4).unwrap();
    fs::write(m4.join("after ours.txt"), b"fourth session\n").unwrap();
    let s4 = end3 + 6_900;
    let c = format!("{s3},{s4}");
    genisoimage(
        &["-C", &c, "-M", img.to_str().unwrap()],
        &dir.join("s4.iso"),
        &m4,
    );
    place(&img, &dir.join("s4.iso"), s4);
    copy_into(&m4, &mirror);
    assert_same(
        "genisoimage after us",
        &model_of_dir(&mirror),
        &model_by_xorriso(&img, Some(s4), &dir),
    );
}

#[test]
fn xorriso_dev_sessions_are_imported_appended_to_and_read_back_by_both_tools() {
    let Some(dir) = scratch_with_tools("peer-xorriso") else {
        return;
    };
    let img = dir.join("disc.img");
    let mirror = xorriso_two_sessions(&img, &dir);

    let layout = random_write_layout(&img, 16);
    assert_eq!(layout.style, RandomWriteStyle::Xorriso);
    let newest = layout.newest.unwrap();
    assert!(newest > 32, "the second session follows the first at 32");
    assert_eq!(layout.next % 32, 0);
    let imported = import(&img, newest);
    assert_same(
        "xorriso session imported",
        &model_of_dir(&mirror),
        &model_of_tree(&imported.tree, &img),
    );

    let mut tree = imported.tree;
    our_changes(&mut tree, &mirror);
    let mut session = fsi::build(
        Arc::new(tree.clone()),
        &BuildOptions {
            start_block: layout.next,
            volume_name: "appended".into(),
            time: Some(TIME),
            write_unit: 16,
            random_write: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(session.anchor().map(|a| a.lba), Some(16));
    write_session(&img, &mut session);
    let expected = model_of_dir(&mirror);
    assert_same(
        "xorriso at our session",
        &expected,
        &model_by_xorriso(&img, Some(layout.next), &dir),
    );
    assert_same(
        "xorriso's emulated TOC ends at our session",
        &expected,
        &model_by_xorriso(&img, None, &dir),
    );
    assert_same(
        "isoinfo at our session",
        &expected,
        &model_by_isoinfo(&img, Some(layout.next), u64::MAX),
    );
    assert_same(
        "isoinfo at LBA 16",
        &expected,
        &model_by_isoinfo(&img, None, u64::MAX),
    );
    if let Some(py) = pycdlib_python() {
        assert_same("pycdlib at LBA 16", &expected, &model_by_pycdlib(py, &img));
    }
    let again = random_write_layout(&img, 16);
    assert_eq!(
        (again.style, again.newest),
        (RandomWriteStyle::Xorriso, Some(layout.next))
    );

    // xorriso grows the disc again on top of our session.
    let m4 = dir.join("m4");
    fs::create_dir_all(&m4).unwrap();
    fs::write(m4.join("after ours.txt"), b"fourth session\n").unwrap();
    xorriso_commit(&img, &["-map", m4.to_str().unwrap(), "/after"]);
    fs::create_dir_all(mirror.join("after")).unwrap();
    copy_into(&m4, &mirror.join("after"));
    assert_same(
        "xorriso after us",
        &model_of_dir(&mirror),
        &model_by_xorriso(&img, None, &dir),
    );
}
