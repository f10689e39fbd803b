//! UDF import: volumes made by mkudffs, genisoimage -udf and pycdlib read
//! file for file; identification with the UDF revision; IMAPI's import
//! order; a two-session disc with UDF in its second session; hostile
//! images; a property test over the parser. Appending to an imported UDF
//! disc is udf_peer_appends.rs.

use std::fs;

use crate::support::udf::*;
use crate::support::{peers::*, trees::*};
use multisession::fsi::{self, FileBlocks, FileSystems};
#[allow(unused_imports)]
use multisession::hresult::*;
use multisession::internals::udf::layout::{AdType, FileEntry, TagId};

#[test]
fn a_genisoimage_udf_bridge_imports_file_for_file_from_its_udf_tree() {
    let Some((dir, src)) = source_tree_with_tools("udf-genisoimage") else {
        return;
    };
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
    let got = model_of_tree(&imported.tree, &img);
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
    // Timestamps and permissions come from the file entries.
    let attrs = imported
        .tree
        .node(imported.tree.lookup("/medium.bin").unwrap())
        .attrs;
    assert_eq!(
        attrs.times().unwrap().modified,
        file_mtime(&src.join("medium.bin"))
    );
    // genisoimage records read for owner, group and others (ECMA-167
    // permission bits 2, 7, 12) and no owner (uid -1).
    assert_eq!((attrs.mode, attrs.uid, attrs.gid), (0o444, 0, 0));
    assert_eq!(
        got.get("/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt"),
        source.get("/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11/bottom.txt")
    );
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
        &model_of_tree(&imported.tree, &img),
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
    let Some(dir) = scratch_with_tools("udf-mkudffs") else {
        return;
    };
    for (media, rev, extra, want) in [
        ("hd", "0x0102", None, 0x0102u16),
        ("cdr", "0x0150", Some("--vat"), 0x0150),
        ("cdr", "0x0201", None, 0x0201),
        ("hd", "0x0201", None, 0x0201),
        ("dvdrw", "0x0201", None, 0x0201),
        ("bdr", "0x0250", None, 0x0250),
    ] {
        let img = dir.join(format!("{media}-{rev}.img"));
        mkudffs_media(&img, 10_240, media, rev, extra);
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
}

#[test]
fn the_udf_second_session_of_a_disc_whose_first_is_iso_9660_imports() {
    let Some(dir) = scratch_with_tools("udf-two-sessions") else {
        return;
    };
    let (img, second) = iso_then_udf_disc(&dir, "Second");
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
}

/// Imports `img` as UDF through a read counter: the error, and the blocks
/// it took to get there.
fn hostile_import(img: &std::path::Path) -> (multisession::Error, u64) {
    let file = FileBlocks::open(img).unwrap();
    let counting = Counting::new(&file);
    let e = fsi::import(&counting, 0, Some(FileSystems::UDF), Default::default())
        .expect_err("a hostile image must not import");
    (e, counting.blocks.get())
}

/// `img` fails to import as inconsistent, naming `what`, within the read
/// budget.
#[track_caller]
fn refused_as_inconsistent(img: &std::path::Path, what: &str) {
    let (e, reads) = hostile_import(img);
    assert_eq!(
        e.code(),
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "{e}"
    );
    assert!(e.detail().contains(what), "{e}");
    assert!(reads < READ_BUDGET, "{reads}");
}

/// A small genisoimage bridge to damage: its root directory block and
/// the FIDs in it.
fn victim(dir: &std::path::Path) -> (std::path::PathBuf, u32) {
    let src = dir.join("src");
    fs::create_dir_all(src.join("Sub Dir")).unwrap();
    fs::write(src.join("file.txt"), b"content\n").unwrap();
    fs::write(src.join("Sub Dir/inner.txt"), b"inner\n").unwrap();
    let img = dir.join("v.iso");
    genisoimage_udf(&img, &src);
    let root_dir = blocks_with_tag(&img, TagId::Fid)
        .into_iter()
        .find(|&lba| {
            fids_at(&img, lba)
                .iter()
                .any(|(_, f)| f.name().unwrap() == "Sub Dir")
        })
        .unwrap();
    (img, root_dir)
}

/// Reads far below what any of these images could make an importer read
/// if it followed a loop or a huge length.
const READ_BUDGET: u64 = 5_000;

#[test]
fn hostile_udf_images_end_in_clear_errors_after_bounded_reads() {
    let Some(dir) = scratch_with_tools("udf-hostile") else {
        return;
    };
    let (clean, root_dir) = victim(&dir);
    assert!(import_udf(&clean, 0).is_ok());
    let case = |name: &str| {
        let p = dir.join(name);
        fs::copy(&clean, &p).unwrap();
        p
    };

    // Every anchor with a bad tag checksum.
    let img = case("anchor-checksum.iso");
    for lba in blocks_with_tag(&img, TagId::Avdp) {
        let at = u64::from(lba) * 2048 + 4;
        let b = peek(&img, at, 1)[0];
        poke(&img, at, &[b ^ 0x55]);
    }
    refused_as_inconsistent(&img, "checksum");

    // A file entry whose body no longer matches its CRC.
    let img = case("fe-crc.iso");
    let fe = blocks_with_tag(&img, TagId::Fe)[0];
    let at = u64::from(fe) * 2048 + 40;
    let b = peek(&img, at, 1)[0];
    poke(&img, at, &[b ^ 1]);
    refused_as_inconsistent(&img, "CRC");

    // A FID whose implementation use runs past its directory.
    let img = case("fid-overrun.iso");
    let (last_at, _) = fids_at(&img, root_dir).pop().unwrap();
    poke(&img, last_at + 36, &[0xFF, 0xFF]);
    restamp(&img, last_at);
    let (e, reads) = hostile_import(&img);
    assert_eq!(
        e.code(),
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "{e}"
    );
    assert!(reads < READ_BUDGET, "{reads}");

    // A subdirectory entry that leads back to the root: a cycle.
    let img = case("cycle.iso");
    let fids = fids_at(&img, root_dir);
    let parent_icb = peek(&img, fids[0].0 + 20, 16);
    let (sub_at, _) = fids
        .iter()
        .find(|(_, f)| f.name().unwrap() == "Sub Dir")
        .unwrap();
    poke(&img, sub_at + 20, &parent_icb);
    restamp(&img, *sub_at);
    refused_as_inconsistent(&img, "loop");

    // A file extent of nearly 1 GiB far beyond the end of the medium.
    let img = case("huge-extent.iso");
    let file_fe = blocks_with_tag(&img, TagId::Fe)
        .into_iter()
        .find(|&lba| {
            let b = peek(&img, u64::from(lba) * 2048, 2048);
            FileEntry::parse(&b, None).is_ok_and(|(_, fe)| fe.information_length == 8)
        })
        .unwrap();
    let b = peek(&img, u64::from(file_fe) * 2048, 2048);
    let (_, fe) = FileEntry::parse(&b, None).unwrap();
    let ad_at = u64::from(file_fe) * 2048
        + if fe.extended { 216 } else { 176 } as u64
        + fe.extended_attributes.len() as u64;
    poke(&img, ad_at, &0x3FFF_F800u32.to_le_bytes());
    poke(&img, ad_at + 4, &0x0FFF_0000u32.to_le_bytes());
    // The size follows the extent, so only its place is wrong.
    poke(
        &img,
        u64::from(file_fe) * 2048 + 56,
        &0x3FFF_F800u64.to_le_bytes(),
    );
    restamp(&img, u64::from(file_fe) * 2048);
    refused_as_inconsistent(&img, "beyond");
}

#[test]
fn a_vat_that_maps_blocks_outside_its_partition_is_refused() {
    let Some(dir) = scratch_with_tools("udf-vat-lies") else {
        return;
    };
    let img = dir.join("vat.img");
    mkudffs(&img, 4096, &["--media-type=cdr", "-r0x0201"]);
    trim_to_recorded(&img);
    assert!(import_udf(&img, 0).is_ok());
    let blocks = (fs::metadata(&img).unwrap().len() / 2048) as u32;
    let vat_at = u64::from(blocks - 1) * 2048;
    let raw = peek(&img, vat_at, 2048);
    let (_, fe) = FileEntry::parse(&raw, None).unwrap();
    assert_eq!(fe.icb_tag.file_type, 248, "mkudffs puts the VAT last");
    assert_eq!(fe.icb_tag.ad_type(), AdType::Embedded);
    // Every entry after the 152-byte header now points past the partition.
    let entries_at = vat_at + 216 + fe.extended_attributes.len() as u64 + 152;
    let n = (fe.information_length - 152) / 4;
    for i in 0..n {
        poke(&img, entries_at + 4 * i, &0x7FFF_0000u32.to_le_bytes());
    }
    restamp(&img, vat_at);
    refused_as_inconsistent(&img, "beyond partition");
}

/// An image in memory, for the property test's mutations.
struct Mem(Vec<u8>);

impl fsi::BlockSource for Mem {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> multisession::Result<()> {
        let at = lba as usize * 2048;
        match self.0.get(at..at + buf.len()) {
            Some(b) => {
                buf.copy_from_slice(b);
                Ok(())
            }
            None => Err(multisession::Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("no block {lba}"),
            )),
        }
    }
}

/// A valid UDF bridge and the blocks of it that hold descriptors (the
/// mutations aim there: elsewhere they only change file data).
fn proptest_seed() -> Option<&'static (Vec<u8>, Vec<u32>)> {
    static SEED: std::sync::OnceLock<Option<(Vec<u8>, Vec<u32>)>> = std::sync::OnceLock::new();
    SEED.get_or_init(|| {
        if !tools_present() {
            return None;
        }
        let dir = scratch("udf-proptest");
        let src = dir.join("src");
        make_source_tree(&src);
        let img = dir.join("seed.iso");
        genisoimage_udf(&img, &src);
        let data = fs::read(&img).unwrap();
        let blocks: Vec<u32> = data
            .chunks(2048)
            .enumerate()
            .filter(|(_, b)| multisession::internals::udf::layout::Tag::parse(b, None).is_ok())
            .map(|(i, _)| i as u32)
            .collect();
        let _ = fs::remove_dir_all(&dir);
        Some((data, blocks))
    })
    .as_ref()
}

fn restamp_in_memory(data: &mut [u8], at: usize) {
    use multisession::internals::udf::layout::{crc_itu, tag_checksum};
    let crc_len = u16::from_le_bytes([data[at + 10], data[at + 11]]) as usize;
    if let Some(body) = data.get(at + 16..at + 16 + crc_len) {
        let crc = crc_itu(body);
        data[at + 8..at + 10].copy_from_slice(&crc.to_le_bytes());
    }
    let sum = tag_checksum(&data[at..at + 16]);
    data[at + 4] = sum;
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Random byte changes in the descriptors of a valid UDF volume, tags
    /// restamped or not: the import never panics, and either reads a tree
    /// or fails with one of the import codes.
    #[test]
    fn mutated_udf_volumes_import_or_fail_cleanly(
        edits in proptest::collection::vec((0usize..1000, 0usize..2048, proptest::prelude::any::<u8>()), 1..8),
        restamp_tags in proptest::prelude::any::<bool>(),
    ) {
        let Some((data, blocks)) = proptest_seed() else { return Ok(()); };
        let mut img = data.clone();
        for (which, offset, value) in &edits {
            let lba = blocks[which % blocks.len()] as usize;
            img[lba * 2048 + offset] = *value;
            if restamp_tags {
                restamp_in_memory(&mut img, lba * 2048);
            }
        }
        let m = Mem(img);
        let counting = Counting::new(&m);
        match fsi::import(&counting, 0, Some(FileSystems::UDF), Default::default()) {
            Ok(_) => {}
            Err(e) => proptest::prop_assert!(
                [
                    MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
                    MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
                    MS_IMAPI_E_IMPORT_READ_FAILURE,
                    MS_IMAPI_E_INVALID_PATH,
                    MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND,
                    MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
                ]
                .contains(&e.code()),
                "{e}"
            ),
        }
        proptest::prop_assert!(counting.blocks.get() < 100_000, "{} reads", counting.blocks.get());
    }
}

/// `img` as an emulated CD-R with one closed session at 0, imported by a
/// fresh `FileSystemImage` through the offered multisession list.
fn import_through_a_drive(img: &std::path::Path) -> multisession::fsi::FileSystemImage {
    use multisession::scsi::emulator::{wrap_image, Existing};
    wrap_image(
        img,
        multisession::Profile::CdR,
        &[0],
        false,
        Existing::Replace,
    )
    .unwrap();
    let recorder = std::sync::Arc::new(multisession::recorder::Recorder::open(img).unwrap());
    let mut image = multisession::fsi::FileSystemImage::new();
    image
        .set_multisession_interfaces(multisession::session::offer(&recorder).unwrap())
        .unwrap();
    assert_eq!(image.import_file_system(None).unwrap(), FileSystems::UDF);
    image
}

#[test]
fn a_bridge_whose_udf_and_iso_trees_differ_imports_udf_and_says_so() {
    let Some(dir) = scratch_with_tools("udf-bridge-differs") else {
        return;
    };
    let (img, root_dir) = victim(&dir);
    let same = dir.join("same.iso");
    fs::copy(&img, &same).unwrap();
    let image = import_through_a_drive(&same);
    assert_eq!(image.imported_udf_revision(), Some(0x0102));
    assert!(
        image.import_warnings().is_empty(),
        "{:?}",
        image.import_warnings()
    );

    // The UDF name of file.txt becomes fila.txt; the ISO 9660 tree keeps it.
    let (at, fid) = fids_at(&img, root_dir)
        .into_iter()
        .find(|(_, f)| f.name().unwrap() == "file.txt")
        .unwrap();
    let name_at = at + 38 + fid.implementation_use.len() as u64;
    assert_eq!(peek(&img, name_at, 9), b"\x08file.txt");
    poke(&img, name_at + 4, b"a");
    restamp(&img, at);
    let image = import_through_a_drive(&img);
    assert!(
        image.tree().lookup("/fila.txt").is_ok(),
        "the UDF tree is used"
    );
    let warnings = image.import_warnings().join("\n");
    assert!(warnings.contains("/fila.txt only in UDF"), "{warnings}");
    assert!(
        warnings.contains("/file.txt only in ISO 9660"),
        "{warnings}"
    );
}

#[test]
fn a_vat_disc_imports_through_an_emulated_cd_r() {
    let Some(dir) = scratch_with_tools("udf-vat-drive") else {
        return;
    };
    let img = dir.join("vat.img");
    mkudffs(&img, 4096, &["--media-type=cdr", "-r0x0150", "--vat"]);
    trim_to_recorded(&img);
    let image = import_through_a_drive(&img);
    assert_eq!(image.imported_udf_revision(), Some(0x0150));
    assert_eq!(image.imported_volume_name(), Some("EmptyUDF"));
}
