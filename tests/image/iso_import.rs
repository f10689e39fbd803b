//! Import behaviour: which file systems are identified, which one is
//! imported by default, names without Rock Ridge, the imported volume name,
//! and an El Torito boot catalog carried into the next session.

use crate::support::fails_with;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::support::{peers::*, trees::*};
use multisession::fsi::{self, BuildOptions, FileBlocks, FileSystems};
use multisession::hresult::*;

fn genisoimage(args: &[&str], out: &Path, src: &Path) {
    let st = tool("genisoimage")
        .args(["-quiet", "-input-charset", "utf-8"])
        .args(args)
        .arg("-o")
        .arg(out)
        .arg(src)
        .status()
        .unwrap();
    assert!(st.success(), "genisoimage {args:?}");
}

fn small_tree(root: &Path) {
    fs::create_dir_all(root.join("Sub Dir")).unwrap();
    fs::write(root.join("Mixed Case Name.txt"), b"mixed\n").unwrap();
    fs::write(root.join("Sub Dir/inner.data"), b"inner\n").unwrap();
}

#[test]
fn without_rock_ridge_joliet_names_are_imported_by_default_and_iso_names_on_request() {
    let Some(dir) = scratch_with_tools("import-joliet") else {
        return;
    };
    small_tree(&dir.join("src"));
    let img = dir.join("j.iso");
    genisoimage(&["-J", "-V", "Joliet Vol"], &img, &dir.join("src"));
    let src = FileBlocks::open(&img).unwrap();

    let id = fsi::identify(&src, 0).unwrap();
    assert_eq!(id.file_systems, FileSystems::ISO9660 | FileSystems::JOLIET);
    assert!(!id.rock_ridge);
    assert_eq!(
        fsi::default_file_system_for_import(id.file_systems).unwrap(),
        FileSystems::JOLIET
    );

    let joliet = fsi::import(&src, 0, None, Default::default()).unwrap();
    assert_eq!(joliet.file_system, FileSystems::JOLIET);
    assert_eq!(joliet.volume_name, "Joliet Vol");
    assert!(joliet.tree.lookup("/Mixed Case Name.txt").is_ok());
    assert!(joliet.tree.lookup("/Sub Dir/inner.data").is_ok());

    let iso = fsi::import(&src, 0, Some(FileSystems::ISO9660), Default::default()).unwrap();
    assert_eq!(iso.file_system, FileSystems::ISO9660);
    let names: Vec<String> = iso
        .tree
        .node(iso.tree.root())
        .children()
        .map(|(n, _)| n.to_owned())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names
            .iter()
            .all(|n| n.chars().all(|c| !c.is_lowercase() && c != ';')),
        "{names:?}"
    );

    fails_with(
        fsi::import(&src, 0, Some(FileSystems::UDF), Default::default()),
        MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND,
    );
    fails_with(
        fsi::import(
            &src,
            0,
            Some(FileSystems::ISO9660 | FileSystems::JOLIET),
            Default::default(),
        ),
        MS_IMAPI_E_INVALID_PARAM,
    );
}

#[test]
fn udf_bridge_discs_import_udf_first_and_iso_9660_on_request() {
    let Some(dir) = scratch_with_tools("import-udf") else {
        return;
    };
    small_tree(&dir.join("src"));
    let img = dir.join("u.iso");
    genisoimage(&["-udf", "-R", "-J"], &img, &dir.join("src"));
    let src = FileBlocks::open(&img).unwrap();
    let id = fsi::identify(&src, 0).unwrap();
    assert_eq!(
        id.file_systems,
        FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF
    );
    assert_eq!(id.udf_revision, Some(0x0102));
    // IMAPI's order: UDF before Joliet and ISO 9660.
    let imported = fsi::import(&src, 0, None, Default::default()).unwrap();
    assert_eq!(imported.file_system, FileSystems::UDF);
    assert!(!imported.rock_ridge);
    assert!(imported.tree.lookup("/Sub Dir/inner.data").is_ok());
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    // ImportSpecificFileSystem still reads the ISO 9660 tree (Rock Ridge names).
    let iso = fsi::import(&src, 0, Some(FileSystems::ISO9660), Default::default()).unwrap();
    assert!(iso.rock_ridge);
    assert!(iso.tree.lookup("/Sub Dir/inner.data").is_ok());
}

#[test]
fn blank_and_foreign_sessions_have_their_codes() {
    let dir = scratch("import-blank");
    let img = dir.join("blank.img");
    fs::write(&img, vec![0u8; 64 * 2048]).unwrap();
    let src = FileBlocks::open(&img).unwrap();
    assert_eq!(
        fsi::identify(&src, 0).unwrap().file_systems,
        FileSystems::NONE
    );
    fails_with(
        fsi::import(&src, 0, None, Default::default()),
        MS_IMAPI_E_EMPTY_DISC,
    );
    fs::write(&img, vec![0x5Au8; 64 * 2048]).unwrap();
    fails_with(
        import_image(&img, 0, None),
        MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
    );
    fails_with(
        import_image(&img, 1000, None),
        MS_IMAPI_E_IMPORT_READ_FAILURE,
    );
    assert_eq!(
        fsi::default_file_system_for_import(FileSystems::NONE)
            .unwrap_err()
            .code(),
        MS_IMAPI_E_INVALID_PARAM
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_el_torito_boot_catalog_is_kept_in_the_next_session() {
    let Some(dir) = scratch_with_tools("import-boot") else {
        return;
    };
    let src_dir = dir.join("src");
    small_tree(&src_dir);
    fs::write(src_dir.join("boot.img"), vec![0xB0u8; 8192]).unwrap();
    let img = dir.join("disc.img");
    genisoimage(
        &[
            "-R",
            "-J",
            "-b",
            "boot.img",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-c",
            "boot.cat",
        ],
        &img,
        &src_dir,
    );
    let src = FileBlocks::open(&img).unwrap();
    let imported = fsi::import(&src, 0, None, Default::default()).unwrap();
    let boot = imported.boot.clone().expect("boot record imported");
    let start = src.blocks().div_ceil(16) * 16;
    let mut tree = imported.tree;
    tree.remove("/Mixed Case Name.txt").unwrap();
    let mut s = fsi::build(
        Arc::new(tree.clone()),
        &BuildOptions {
            start_block: start,
            boot: Some(boot.clone()),
            time: Some(1_600_000_000),
            ..Default::default()
        },
    )
    .unwrap();
    write_session(&img, &mut s);
    let info = String::from_utf8(
        tool("isoinfo")
            .args(["-d", "-i"])
            .arg(&img)
            .args(["-T", &start.to_string()])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        info.contains(&format!("boot catalog is in sector {}", boot.catalog_lba)),
        "{info}"
    );
    assert!(info.contains("Bootid 88 (bootable)"), "{info}");
    let again = import_image(&img, start, None).unwrap();
    assert_eq!(again.boot, Some(boot));
    assert!(again.tree.lookup("/Mixed Case Name.txt").is_err());
}
