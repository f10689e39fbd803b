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
