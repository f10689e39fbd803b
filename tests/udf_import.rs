//! UDF import: volumes made by mkudffs, genisoimage -udf and pycdlib read
//! file for file; identification with the UDF revision; IMAPI's import
//! order; a two-session disc with UDF in its second session; appending to
//! an imported UDF disc; hostile images; a property test over the parser.

mod iso_support;
mod udf_support;

use std::fs;

use iso_support::*;
use multisession::fsi::{self, FileBlocks, FileSystems};
#[allow(unused_imports)]
use multisession::hresult::*;
use udf_support::*;

#[test]
fn a_genisoimage_udf_bridge_imports_file_for_file_from_its_udf_tree() {
    if !tools_present() {
        return;
    }
    let dir = scratch("udf-genisoimage");
    let src = dir.join("src");
    make_source_tree(&src);
    let img = dir.join("u.iso");
    genisoimage_udf(&img, &src);
    let imported = import_udf(&img, 0).unwrap();
    assert_eq!(imported.file_system, FileSystems::UDF);
    assert_eq!(imported.udf_revision, Some(0x0102));
    // genisoimage cuts long and non-BMP names and writes symlinks as
    // empty files in its UDF tree: 7-Zip's extraction of that tree is the
    // reference, and the files whose names survive match the source.
    let seven = dir.join("7z");
    run(tool("7z")
        .args(["x", "-tudf", "-y", "-snl"])
        .arg(format!("-o{}", seven.display()))
        .arg(&img));
    let got = model_of_udf_tree(&imported.tree, &img);
    assert_same("genisoimage -udf by 7z", &model_of_dir(&seven), &got);
    let source = model_of_dir(&src);
    for path in [
        "/medium.bin",
        "/block+1",
        "/empty",
        "/ünïcödé/日本語のファイル名.txt",
    ] {
        assert_eq!(got.get(path), source.get(path), "{path}");
    }
    assert_eq!(
        got.get("/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt"),
        source.get("/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt")
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_pycdlib_udf_bridge_imports_long_and_non_ascii_names_deep_dirs_and_symlinks() {
    let Some(python) = pycdlib_python() else {
        return;
    };
    let dir = scratch("udf-pycdlib");
    let src = dir.join("src");
    make_source_tree(&src);
    let img = dir.join("p.iso");
    pycdlib_udf(python, &img, &src);
    let imported = import_udf(&img, 0).unwrap();
    assert_eq!(imported.file_system, FileSystems::UDF);
    assert_same(
        "pycdlib UDF bridge",
        &model_of_dir(&src),
        &model_of_udf_tree(&imported.tree, &img),
    );
    // The 200-character name is there whole.
    assert!(imported
        .tree
        .lookup(&format!("/{}.txt", "a_very_long_name_".repeat(12)))
        .is_ok());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn empty_mkudffs_volumes_of_every_revision_and_partition_kind_import() {
    if !tools_present() {
        return;
    }
    let dir = scratch("udf-mkudffs");
    for (media, rev, extra, want) in [
        ("hd", "0x0102", None, 0x0102u16),
        ("cdr", "0x0150", Some("--vat"), 0x0150),
        ("cdr", "0x0201", None, 0x0201),
        ("hd", "0x0201", None, 0x0201),
        ("dvdrw", "0x0201", None, 0x0201),
        ("bdr", "0x0250", None, 0x0250),
    ] {
        let img = dir.join(format!("{media}-{rev}.img"));
        let mut args = vec![format!("--media-type={media}"), format!("-r{rev}")];
        args.extend(extra.map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mkudffs(&img, 10_240, &args);
        if media != "hd" {
            trim_to_recorded(&img);
        }
        let info = udfinfo(&img, 0);
        let src = FileBlocks::open(&img).unwrap();
        let id = fsi::identify(&src, 0).unwrap();
        assert_eq!(id.file_systems, FileSystems::UDF, "{media} {rev}");
        assert_eq!(id.udf_revision, Some(want), "{media} {rev}");
        let imported = fsi::import(&src, 0, None, Default::default())
            .unwrap_or_else(|e| panic!("{media} {rev}: {e}"));
        assert_eq!(imported.file_system, FileSystems::UDF);
        assert_eq!(imported.volume_name, "EmptyUDF");
        assert!(imported.tree.is_empty(), "{media} {rev}");
        assert_eq!(info["numfiles"], "0");
        assert_eq!(info["numdirs"], "1");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn the_udf_second_session_of_a_disc_whose_first_is_iso_9660_imports() {
    if !tools_present() {
        return;
    }
    let dir = scratch("udf-two-sessions");
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("first.txt"), b"first session\n").unwrap();
    let first = dir.join("s1.iso");
    genisoimage(&[], &first, &src);
    let img = dir.join("disc.img");
    let blocks = place(&img, &first, 0);
    let second = blocks.div_ceil(16) * 16 + 16;
    fs::OpenOptions::new()
        .write(true)
        .open(&img)
        .unwrap()
        .set_len(u64::from(second + 4096) * 2048)
        .unwrap();
    run(tool("mkudffs")
        .args([
            "-b",
            "2048",
            "--media-type=cdr",
            "--bootarea=preserve",
            "--label=Second",
            &format!("--startblock={second}"),
        ])
        .arg(&img));
    trim_to_recorded(&img);
    assert_eq!(udfinfo(&img, second)["label"], "Second");

    let blocks_src = FileBlocks::open(&img).unwrap();
    let id = fsi::identify(&blocks_src, second).unwrap();
    assert_eq!(id.file_systems, FileSystems::UDF);
    assert_eq!(id.udf_revision, Some(0x0201));
    let imported = fsi::import(&blocks_src, second, None, Default::default()).unwrap();
    assert_eq!(imported.file_system, FileSystems::UDF);
    assert_eq!(imported.volume_name, "Second");
    assert_eq!(imported.session_start, second);
    assert!(imported.tree.is_empty());
    // The first session is still the ISO 9660 one.
    let old = fsi::import(&blocks_src, 0, None, Default::default()).unwrap();
    assert_ne!(old.file_system, FileSystems::UDF);
    assert!(old.tree.lookup("/first.txt").is_ok());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_imported_udf_bridge_appended_to_reads_back_whole_with_xorriso() {
    if !tools_present() {
        return;
    }
    let Some(python) = pycdlib_python() else {
        return;
    };
    let dir = scratch("udf-append");
    let src = dir.join("src");
    make_source_tree(&src);
    let img = dir.join("disc.img");
    pycdlib_udf(python, &img, &src);
    let imported = import_udf(&img, 0).unwrap();
    let mut tree = imported.tree.clone();
    tree.add_local_file("/added.txt", &dir.join("src/one"), false)
        .unwrap();
    tree.remove("/to be removed.txt").unwrap();
    let start = (fs::metadata(&img).unwrap().len() / 2048) as u32;
    let start = start.div_ceil(16) * 16;
    let mut session = fsi::build(
        std::sync::Arc::new(tree),
        &fsi::BuildOptions {
            start_block: start,
            volume_name: "Appended".into(),
            time: Some(1_700_000_000),
            ..Default::default()
        },
    )
    .unwrap();
    write_session(&img, &mut session);

    let mut expected = model_of_dir(&src);
    expected.remove("/to be removed.txt");
    let one = expected["/one"].clone();
    expected.insert("/added.txt".into(), one);
    let xorriso = model_by_xorriso(&img, Some(start), &dir.join("x"));
    assert_same("xorriso reads the appended session", &expected, &xorriso);
    let back = fsi::import(
        &FileBlocks::open(&img).unwrap(),
        start,
        None,
        Default::default(),
    )
    .unwrap();
    assert_same(
        "our import of the appended session",
        &expected,
        &model_of_udf_tree(&back.tree, &img),
    );
    let _ = fs::remove_dir_all(&dir);
}
