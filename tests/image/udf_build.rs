//! Issue 11, the write side: ISO 9660 + Joliet + UDF bridge sessions
//! written by the library are read by UDF readers of other authors —
//! udfinfo (udftools) at every session's start, libudfread through a small
//! C program (tests/c/udf_read.c) that lists and reads every file of every
//! session, pycdlib and 7-Zip where they can — while xorriso and isoinfo
//! still read the ISO 9660 / Rock Ridge and Joliet trees (the shared
//! three-session run checks those).
//!
//! What the peers cannot do, and so is not asked of them here: 7-Zip
//! refuses a UDF volume that holds a symlink (it accepts directories and
//! regular files only), so it extracts a session without links; pycdlib
//! takes the file set to start the partition and reads only a first
//! session, whose file set descriptor is also kept at block 0 for it;
//! libudfread shows a symlink as a file holding its path components;
//! pycdlib refuses a logical volume with two partition maps (its length
//! check counts the first map twice), so it opens no UDF 2.50 disc — ours
//! or IMAPI2's — and is asked only about older revisions.

use crate::support::fails_with;
use crate::support::one_line_tests;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use crate::support::discs::{new_disc, set_faults};
use crate::support::udf::{import_udf, peek, poke};
use crate::support::{peers::*, sessions::*, trees::*};
use multisession::burn::{DataWriter, Flow};
use multisession::fsi::{
    self, BuildOptions, FileBlocks, FileSystemImage, FileSystems, OnClash, SessionStream,
};
use multisession::hresult::{
    MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
};
use multisession::internals::udf::layout::{
    encode_symlink, file_type, Avdp, FileEntry, Lvd, PartitionMap, Tag, TagId,
};
use multisession::internals::udf::write::udf_file_name;
use multisession::{session, Profile};

/// What a UDF reader shows at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum U {
    Dir,
    /// Size and FNV-1a-64 of the bytes.
    File(u64, u64),
    Link,
}

pub(crate) type UModel = BTreeMap<String, U>;

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

const FNV0: u64 = 0xcbf29ce484222325;

fn fnv_file(path: &Path) -> (u64, u64) {
    let mut f = fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let (mut h, mut size) = (FNV0, 0u64);
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            return (size, h);
        }
        h = fnv(h, &buf[..n]);
        size += n as u64;
    }
}

/// What a UDF session holding the local tree `root` shows: every name as
/// UDF records it; symlinks as links, or (`links_as_files`) as the file of
/// path components a reader without symlinks sees.
pub(crate) fn udf_model(root: &Path, links_as_files: bool) -> UModel {
    let mut m = UModel::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, path)) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let p = format!("{path}/{}", udf_file_name(&name));
            let kind = e.file_type().unwrap();
            if kind.is_symlink() {
                let target = fs::read_link(e.path()).unwrap();
                let entry = if links_as_files {
                    let bytes = encode_symlink(target.to_str().unwrap()).unwrap();
                    U::File(bytes.len() as u64, fnv(FNV0, &bytes))
                } else {
                    U::Link
                };
                m.insert(p, entry);
            } else if kind.is_dir() {
                m.insert(p.clone(), U::Dir);
                stack.push((e.path(), p));
            } else {
                let (size, hash) = fnv_file(&e.path());
                m.insert(p, U::File(size, hash));
            }
        }
    }
    m
}

/// libudfread's names are "modified UTF-8": characters beyond the BMP
/// come as two encoded surrogates.
fn from_mutf8(bytes: &[u8]) -> String {
    let mut units = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i] as u32;
        let (cp, n) = if b < 0x80 {
            (b, 1)
        } else if b >> 5 == 6 {
            (((b & 0x1f) << 6) | (bytes[i + 1] as u32 & 0x3f), 2)
        } else if b >> 4 == 14 {
            (
                ((b & 0x0f) << 12)
                    | ((bytes[i + 1] as u32 & 0x3f) << 6)
                    | (bytes[i + 2] as u32 & 0x3f),
                3,
            )
        } else {
            let s = std::str::from_utf8(&bytes[i..i + 4]).unwrap();
            units.extend(s.encode_utf16());
            i += 4;
            continue;
        };
        units.push(cp as u16);
        i += n;
    }
    String::from_utf16(&units).unwrap()
}

/// The libudfread program, compiled once per run.
fn udf_read_program() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let exe =
            std::env::temp_dir().join(format!("multisession-udf_read-{}", std::process::id()));
        let out = Command::new("gcc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2"])
            .arg(root.join("tests/c/udf_read.c"))
            .arg("-o")
            .arg(&exe)
            .arg("-ludfread")
            .output()
            .expect("running gcc");
        assert!(
            out.status.success(),
            "gcc tests/c/udf_read.c -ludfread:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    })
}

/// Every item of the session at `start` as libudfread lists and reads it,
/// and the last `tail` bytes of each file over 4 GiB.
pub(crate) fn model_by_libudfread(
    img: &Path,
    start: u32,
    tail: usize,
) -> (UModel, BTreeMap<String, Vec<u8>>) {
    let out = Command::new(udf_read_program())
        .arg(img)
        .arg(start.to_string())
        .arg(tail.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "udf_read {} {start}: {}",
        img.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let (mut m, mut tails) = (UModel::new(), BTreeMap::new());
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let f: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        let path = from_mutf8(f[1]);
        let text = |i: usize| std::str::from_utf8(f[i]).unwrap();
        match f[0] {
            b"D" => {
                m.insert(path, U::Dir);
            }
            b"F" => {
                // "-": a file over 4 GiB read at its end only.
                let hash = u64::from_str_radix(text(3), 16).unwrap_or(0);
                m.insert(path, U::File(text(2).parse().unwrap(), hash));
            }
            _ => {
                let hex = text(2);
                let bytes = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                tails.insert(path, bytes);
            }
        }
    }
    (m, tails)
}

/// udfinfo accepts the session at `start` and counts what `model` holds:
/// files (links included) and directories (the root included).
pub(crate) fn check_udfinfo(img: &Path, start: u32, model: &UModel, revision: &str, what: &str) {
    let info = udfinfo(img, start);
    let files = model.values().filter(|e| !matches!(e, U::Dir)).count();
    let dirs = model.values().filter(|e| matches!(e, U::Dir)).count() + 1;
    assert_eq!(
        info["numfiles"],
        files.to_string(),
        "{what}: udfinfo numfiles"
    );
    assert_eq!(info["numdirs"], dirs.to_string(), "{what}: udfinfo numdirs");
    assert_eq!(info["udfrev"], revision, "{what}: udfinfo udfrev");
    assert_eq!(info["integrity"], "closed", "{what}: udfinfo integrity");
}

const PYCDLIB_UDF_WALK: &str = r#"
import io, sys, pycdlib
def fnv(h, b):
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
for top, dirs, files in iso.walk(udf_path='/'):
    for d in dirs:
        print('D', top.rstrip('/') + '/' + d, sep='\t')
    for f in files:
        p = top.rstrip('/') + '/' + f
        if iso.get_record(udf_path=p).is_symlink():
            print('L', p, sep='\t')
            continue
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, udf_path=p)
        v = out.getvalue()
        print('F', p, len(v), '%016x' % fnv(0xcbf29ce484222325, v), sep='\t')
iso.close()
"#;

/// pycdlib's view of the UDF tree of the disc's first session.
pub(crate) fn model_by_pycdlib_udf(python: &str, img: &Path) -> UModel {
    let out = run(tool(python).args(["-c", PYCDLIB_UDF_WALK]).arg(img));
    let mut m = UModel::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = match f[0] {
            "D" => U::Dir,
            "L" => U::Link,
            _ => U::File(
                f[2].parse().unwrap(),
                u64::from_str_radix(f[3], 16).unwrap(),
            ),
        };
        m.insert(f[1].to_owned(), e);
    }
    m
}

pub(crate) fn udf_tools_present() -> bool {
    crate::support::tools::installed(&["udfinfo", "7z", "gcc"])
}

/// Three sessions on `profile` (the shared run, which also has xorriso
/// and isoinfo read each), and after each: udfinfo and libudfread read
/// every session at its start (on overwritable media, from the second
/// on, and the newest through the anchor at 256), pycdlib the first
/// (before 2.50, see the top of this file).
fn three_udf_sessions(profile: Profile, revision: &str) {
    if !udf_tools_present() {
        return;
    }
    let python = pycdlib_python();
    let mut udf_models: Vec<(UModel, UModel)> = Vec::new();
    three_sessions(profile, "udf", |w| {
        let mirror = w.dir.join("mirror");
        udf_models.push((udf_model(&mirror, false), udf_model(&mirror, true)));
        let n = w.starts.len();
        let first_own = if w.overwritable { 2 } else { 1 };
        let mut at: Vec<(usize, u32)> = (first_own..=n).map(|k| (k, w.starts[k - 1].0)).collect();
        if w.overwritable {
            // The newest session through LBA 16 and 256.
            at.push((n, 0));
        }
        for (k, start) in at {
            let what = format!("{}: UDF of session {k} read at {start}", w.what);
            let (model, as_files) = &udf_models[k - 1];
            check_udfinfo(w.disc, start, model, revision, &what);
            let (got, _) = model_by_libudfread(w.disc, start, 0);
            assert_same(&format!("{what}, libudfread"), as_files, &got);
            // Our reader checks every tag's location, as the Linux kernel
            // does: an anchor encoded for another block is refused.
            let src = FileBlocks::open(w.disc).unwrap();
            let ours = fsi::import(&src, start, Some(FileSystems::UDF), Default::default())
                .unwrap_or_else(|e| panic!("{what}, our import: {e}"));
            assert_eq!(
                ours.tree.len(),
                model.len(),
                "{what}, entries of our import"
            );
        }
        if let (Some(py), false, true) = (python, w.overwritable, revision < "2.50") {
            assert_same(
                &format!("{}: UDF of session 1, pycdlib", w.what),
                &udf_models[0].0,
                &model_by_pycdlib_udf(py, w.disc),
            );
        }
    });
}

one_line_tests! {
    three_udf_bridge_sessions_on_cd_r_are_read_by_udfinfo_libudfread_and_pycdlib: three_udf_sessions(Profile::CdR, "1.02");
    three_udf_bridge_sessions_on_dvd_plus_r_are_read_by_udfinfo_libudfread_and_pycdlib: three_udf_sessions(Profile::DvdPlusR, "1.02");
    three_udf_2_50_bridge_sessions_on_bd_r_are_read_by_udfinfo_libudfread_and_our_reader: three_udf_sessions(Profile::BdR, "2.50");
    three_udf_bridge_sessions_on_dvd_plus_rw_are_read_at_their_starts_and_through_lba_256: three_udf_sessions(Profile::DvdPlusRw, "1.02");
    three_udf_2_50_bridge_sessions_on_bd_re_are_read_at_their_starts_and_through_lba_256: three_udf_sessions(Profile::BdRe, "2.50");
}

/// The source tree without its symlinks, written as the first session of
/// a blank `profile` disc set up by `configure`, and 7-Zip's extraction
/// of it compared with the tree. 7-Zip takes the volume the anchor at 256
/// describes and refuses one with symlinks. Returns the scratch directory,
/// the tree and the disc.
fn seven_zip_extracts_a_first_session(
    name: &str,
    profile: Profile,
    configure: impl FnOnce(&mut FileSystemImage),
) -> (PathBuf, PathBuf, PathBuf) {
    let dir = scratch(name);
    let src = dir.join("src");
    make_source_tree(&src);
    for link in ["relative link", "absolute link", "long link"] {
        fs::remove_file(src.join(link)).unwrap();
    }
    let disc = dir.join("disc.img");
    multisession::scsi::emulator::create_blank(
        &disc,
        profile,
        None,
        multisession::scsi::emulator::Existing::Replace,
    )
    .unwrap();
    write_next_session(&disc, "Seven", |image| {
        configure(image);
        image.add_tree(&src, "/", false, OnClash::Fail).unwrap();
    });
    let out = dir.join("x");
    run(tool("7z")
        .args(["x", "-tudf", "-y"])
        .arg(format!("-o{}", out.display()))
        .arg(&disc));
    assert_same("7z -tudf", &udf_model(&src, false), &udf_model(&out, false));
    (dir, src, disc)
}

/// A first session without symlinks is extracted whole by 7-Zip and read
/// by pycdlib.
#[test]
fn seven_zip_extracts_a_first_udf_session_byte_identical() {
    if !udf_tools_present() || !tools_present() {
        return;
    }
    let (dir, src, disc) = seven_zip_extracts_a_first_session("udf-7z", Profile::CdR, |image| {
        assert!(
            image.file_systems().contains(FileSystems::UDF),
            "CD defaults"
        );
    });
    if let Some(py) = pycdlib_python() {
        assert_same(
            "pycdlib",
            &udf_model(&src, false),
            &model_by_pycdlib_udf(py, &disc),
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// IMAPI's CreateRedundantUdfMetadataFiles off: 7-Zip, which reads the
/// metadata file and not its mirror, extracts a BD-R session whose
/// metadata is written once.
#[test]
fn seven_zip_extracts_a_bd_session_whose_udf_metadata_is_written_once() {
    if !udf_tools_present() || !tools_present() {
        return;
    }
    let (dir, ..) = seven_zip_extracts_a_first_session("udf-7z-once", Profile::BdR, |image| {
        image.set_create_redundant_udf_metadata_files(false);
    });
    let _ = fs::remove_dir_all(&dir);
}

/// The descriptor of `id` in the main volume descriptor sequence of the
/// session at `start` (found through its anchor at start + 256).
fn main_vds_descriptor(img: &Path, start: u32, id: TagId) -> (u32, Vec<u8>) {
    let block = |lba: u32| {
        let mut b = vec![0u8; 2048];
        fs::File::open(img)
            .unwrap()
            .read_exact_at(&mut b, lba as u64 * 2048)
            .unwrap();
        b
    };
    let (_, avdp) = Avdp::parse(&block(start + 256), Some(start + 256)).unwrap();
    (avdp.main_vds.location..)
        .take(16)
        .map(|lba| (lba, block(lba)))
        .find(|(lba, b)| matches!(Tag::parse(b, Some(*lba)), Ok(t) if t.id == id))
        .expect("the descriptor in the main sequence")
}

/// UDF 2.50 as IMAPI2 writes it on BD: a metadata partition (type-2 map
/// over the physical partition) whose metadata file holds the file set,
/// every file entry and directory; its mirror is a copy elsewhere, so a
/// damaged metadata file entry still leaves the volume readable; entries
/// are extended file entries; no bitmap on a read-only partition.
#[test]
fn a_udf_2_50_session_keeps_its_file_set_in_a_mirrored_metadata_partition() {
    udf_2_50_layout(true);
}

/// With `CreateRedundantUdfMetadataFiles` off the mirror file shares the
/// metadata file's blocks and the partition map's duplicate flag is clear
/// (UDF 2.50 2.2.10); a damaged metadata file entry still leaves the
/// mirror's entry (the sizes and peers' reading: `udf_incremental`).
#[test]
fn without_redundant_udf_metadata_the_mirror_shares_the_metadata_files_blocks() {
    udf_2_50_layout(false);
}

/// Builds, checks and damages a small UDF 2.50 session at two starts.
fn udf_2_50_layout(redundant: bool) {
    let dir = scratch(&format!("udf-250-layout-{redundant}"));
    let mut tree = fsi::Tree::new();
    tree.mkdir("/d").unwrap();
    tree.mkdir("/d/e").unwrap();
    let data = dir.join("data");
    fs::write(&data, b"metadata partition\n").unwrap();
    tree.add_local_file("/d/e/f.txt", &data, false).unwrap();
    tree.add_local_file("/g.txt", &data, false).unwrap();
    let img = dir.join("bd.img");
    for start in [0u32, 1024] {
        let opts = BuildOptions {
            start_block: start,
            file_systems: FileSystems::ISO9660 | FileSystems::UDF,
            write_unit: 32,
            udf_revision: 0x250,
            time: Some(TIME),
            redundant_udf_metadata: redundant,
            ..Default::default()
        };
        let mut s = fsi::build(Arc::new(tree.clone()), &opts).unwrap();
        write_session(&img, &mut s);
        let what = format!("session at {start}, redundant {redundant}");

        let (lba, raw) = main_vds_descriptor(&img, start, TagId::Lvd);
        let (_, lvd) = Lvd::parse(&raw, Some(lba)).unwrap();
        assert_eq!(lvd.domain_id.udf_revision(), 0x250, "{what}");
        assert_eq!(
            lvd.fsd.location.partition, 1,
            "{what}: FSD in the metadata partition"
        );
        let [PartitionMap::Physical { .. }, PartitionMap::Metadata {
            partition_number: 0,
            metadata_file,
            mirror_file,
            bitmap_file: u32::MAX,
            flags,
            ..
        }] = lvd.maps.as_slice()
        else {
            panic!("{what}: maps {:?}", lvd.maps);
        };
        assert_eq!(*flags, u8::from(redundant), "{what}: duplicate flag");
        let content = |lba: u32, ftype: u8| {
            let raw = peek(&img, lba as u64 * 2048, 2048);
            let (_, fe) = FileEntry::parse(&raw, Some(lba)).unwrap();
            assert!(fe.extended, "{what}: metadata file entries are EFEs");
            assert_eq!(fe.icb_tag.file_type, ftype, "{what}");
            let ads = fe.ads(0).unwrap();
            assert_eq!(ads.len(), 1, "{what}");
            (ads[0].location.block, ads[0].length)
        };
        let main = content(*metadata_file, file_type::METADATA);
        let mirror = content(*mirror_file, file_type::METADATA_MIRROR);
        if redundant {
            assert_ne!(main.0, mirror.0, "{what}: the mirror is a copy elsewhere");
        } else {
            assert_eq!(main.0, mirror.0, "{what}: the mirror shares the blocks");
        }
        assert_eq!(main.1, mirror.1, "{what}");
        let bytes = |(at, len): (u32, u32)| peek(&img, at as u64 * 2048, len as usize);
        assert_eq!(bytes(main), bytes(mirror), "{what}: mirror identical");
        // FSD, 4 directories' and 2 files' entries: all EFEs.
        let blocks = bytes(main);
        let tags: Vec<TagId> = blocks
            .chunks(2048)
            .filter_map(|b| Tag::parse(b, None).ok().map(|t| t.id))
            .collect();
        assert_eq!(
            tags.iter().filter(|t| **t == TagId::Fsd).count(),
            1,
            "{what}"
        );
        assert_eq!(
            tags.iter().filter(|t| **t == TagId::Efe).count(),
            5,
            "{what}"
        );
        assert!(!tags.contains(&TagId::Fe), "{what}: no plain file entries");

        let expected = import_udf(&img, start).unwrap().tree;
        assert_eq!(expected.len(), 4, "{what}");
        poke(&img, *metadata_file as u64 * 2048, &[0u8; 2048]);
        let through_mirror = import_udf(&img, start)
            .unwrap_or_else(|e| panic!("{what}: through the mirror: {e}"))
            .tree;
        assert_eq!(through_mirror.len(), expected.len(), "{what}");
        assert!(through_mirror.lookup("/d/e/f.txt").is_ok(), "{what}");
    }
    let _ = fs::remove_dir_all(&dir);
}

const HUGE: u64 = (4 << 30) + 4097;
const TAIL: &[u8] = b"the last bytes of a file larger than four gibibytes";

/// A file over 4 GiB on BD is one UDF file whose allocation descriptors
/// (each under 2^30 bytes) cover the ISO 9660 sections, and the next
/// session's file entry points at the same blocks.
fn a_file_over_4_gib_on_bd_is_one_udf_file(revision: u32, shown: &str) {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch(&format!("udf-large-{revision:x}"));
    let src = dir.join("src");
    fs::create_dir_all(src.join("big")).unwrap();
    let huge = src.join("big/huge.bin");
    sparse_file(&huge, HUGE, b"HEAD", TAIL);
    let bd = |start: u32| BuildOptions {
        start_block: start,
        file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
        write_unit: 32,
        udf_revision: revision,
        time: Some(TIME),
        ..Default::default()
    };
    let img = dir.join("bd.img");
    let mut tree = fsi::Tree::new();
    tree.add_tree(&src, "/", false, OnClash::Fail).unwrap();
    let mut s = fsi::build(Arc::new(tree), &bd(0)).unwrap();
    write_session(&img, &mut s);
    let start2 = s.total_blocks();

    let imported = import_image(&img, 0, None).unwrap().tree;
    let mut tree = imported;
    let note = dir.join("note.txt");
    fs::write(&note, b"session two\n").unwrap();
    tree.add_local_file("/note.txt", &note, false).unwrap();
    let mut s = fsi::build(Arc::new(tree), &bd(start2)).unwrap();
    assert!(s.total_blocks() < 400, "old data is referenced, not copied");
    write_session(&img, &mut s);

    // The udfinfo of Debian's udftools finds no recognition sequence at a
    // start block beyond 4 GiB (the blocks are there; libudfread reads
    // them), so it checks the first session only.
    let info = udfinfo(&img, 0);
    assert_eq!(info["numfiles"], "1");
    assert_eq!(info["udfrev"], shown);
    for start in [0, start2] {
        let what = format!("session at {start}");
        let (model, tails) = model_by_libudfread(&img, start, TAIL.len());
        assert_eq!(model["/big/huge.bin"], U::File(HUGE, 0), "{what}");
        let note = model.get("/note.txt");
        let expected_note = U::File(12, fnv(FNV0, b"session two\n"));
        assert_eq!(note, (start > 0).then_some(&expected_note), "{what}");
        assert_eq!(tails["/big/huge.bin"], TAIL, "{what}: the last bytes");
    }
    let kib = allocated_kib(&img);
    assert!(kib < 64 * 1024, "the image stays sparse ({kib} KiB)");
    let _ = fs::remove_dir_all(&dir);
}

one_line_tests! {
    a_file_over_4_gib_on_bd_is_one_udf_2_01_file_in_both_sessions: a_file_over_4_gib_on_bd_is_one_udf_file(0x201, "2.01");
    /// With a metadata partition the file's entry reaches the data in the
    /// physical partition through long_ads.
    a_file_over_4_gib_on_bd_is_one_udf_2_50_file_in_both_sessions: a_file_over_4_gib_on_bd_is_one_udf_file(0x250, "2.50");
}

/// Runs `session` through its stream: the second anchor of a session
/// appended to an overwritable medium is the UDF anchor for LBA 256.
#[test]
fn a_random_write_bridge_session_rewrites_the_udf_anchor_at_256_as_a_second_anchor() {
    let mut tree = fsi::Tree::new();
    tree.mkdir("/d").unwrap();
    let opts = BuildOptions {
        start_block: 4096,
        random_write: true,
        write_unit: 16,
        file_systems: FileSystems::ISO9660 | FileSystems::UDF,
        time: Some(TIME),
        ..Default::default()
    };
    let mut s = fsi::build(Arc::new(tree.clone()), &opts).unwrap();
    let second = s.second_anchor().expect("a UDF anchor to rewrite");
    assert_eq!((second.lba, second.blocks), (256, 1));
    let mut anchor = vec![0u8; 2048];
    s.read_second_anchor(&mut anchor).unwrap();
    let mut own = vec![0u8; 2048];
    s.read_blocks(256, &mut own).unwrap();
    // The session's own anchor (at 4096 + 256), but with a tag that
    // names block 256, where the commit writes it.
    assert_eq!(
        anchor[16..],
        own[16..],
        "the same pointers, addresses absolute"
    );
    assert_eq!(u16::from_le_bytes([anchor[0], anchor[1]]), 2, "an AVDP tag");
    assert_eq!(u32::from_le_bytes(anchor[12..16].try_into().unwrap()), 256);
    assert_eq!(
        u32::from_le_bytes(own[12..16].try_into().unwrap()),
        4096 + 256
    );
    multisession::internals::udf::layout::Avdp::parse(&anchor, Some(256))
        .expect("a valid anchor at 256");
    // The ISO 9660 anchor now also carries the recognition sequence.
    let primary = s.anchor().unwrap();
    assert_eq!((primary.lba, primary.blocks), (16, 5));
    // Without UDF, or at block 0, there is none.
    let iso = BuildOptions {
        file_systems: FileSystems::ISO9660,
        ..opts.clone()
    };
    assert!(fsi::build(Arc::new(tree.clone()), &iso)
        .unwrap()
        .second_anchor()
        .is_none());
    let first = BuildOptions {
        start_block: 0,
        ..opts
    };
    assert!(fsi::build(Arc::new(tree), &first)
        .unwrap()
        .second_anchor()
        .is_none());
}

/// Three UDF-only sessions (`FileSystemsToCreate` = UDF) on `profile`,
/// with files replaced, removed and renamed: the descriptors at the
/// session's 16 are the recognition sequence alone (no ISO 9660, no
/// Joliet), and every session is read by udfinfo, libudfread and our
/// importer at its start (on overwritable media, the newest also through
/// the anchor at 256), the first also by 7-Zip.
fn three_udf_only_sessions(profile: Profile, revision: &str) {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch(&format!("udf-only-{}", profile.name()));
    let src = dir.join("src");
    make_source_tree(&src);
    for link in ["relative link", "absolute link", "long link"] {
        fs::remove_file(src.join(link)).unwrap();
    }
    let disc = new_disc(&dir, "disc.img", profile);
    let extra = dir.join("extra.txt");
    let mut starts = Vec::new();
    let mut models = Vec::new();
    for n in 1..=3 {
        let report = write_next_session(&disc, &format!("Only {n}"), |image| {
            image.set_file_systems(FileSystems::UDF).unwrap();
            match n {
                1 => image.add_tree(&src, "/", false, OnClash::Fail).unwrap(),
                2 => {
                    image.remove("/to be removed.txt", false).unwrap();
                    image.rename("/one", "/uno").unwrap();
                    fs::write(&extra, b"replaced in session two\n").unwrap();
                    image.add_file("/to be replaced.txt", &extra, true).unwrap();
                }
                _ => {
                    image.mkdir("/three/deeper", true).unwrap();
                    image
                        .add_file("/three/deeper/extra.txt", &extra, false)
                        .unwrap();
                }
            }
        });
        match n {
            2 => {
                fs::remove_file(src.join("to be removed.txt")).unwrap();
                fs::rename(src.join("one"), src.join("uno")).unwrap();
                fs::copy(&extra, src.join("to be replaced.txt")).unwrap();
            }
            3 => {
                fs::create_dir_all(src.join("three/deeper")).unwrap();
                fs::copy(&extra, src.join("three/deeper/extra.txt")).unwrap();
            }
            _ => {}
        }
        starts.push(report.start_lba);
        models.push(udf_model(&src, false));
        let head = peek(&disc, (report.start_lba as u64 + 16) * 2048, 4 * 2048);
        let ids: Vec<&[u8]> = head.chunks(2048).map(|b| &b[1..6]).collect();
        assert_eq!(
            ids,
            [&b"BEA01"[..], b"NSR03", b"TEA01", &[0u8; 5]].map(|id| {
                if id == b"NSR03" && revision < "2.00" {
                    &b"NSR02"[..]
                } else {
                    id
                }
            }),
            "{profile}, session {n}: only the UDF recognition sequence at 16"
        );
        // On overwritable media session 1's anchor at 256 became the
        // commit: from 0 the newest session is read.
        let overwritable = profile.write_model() == multisession::media::WriteModel::RandomWrite;
        let first_own = if overwritable { 2 } else { 1 };
        let mut at: Vec<(usize, u32)> = (first_own..=n).map(|k| (k, starts[k - 1])).collect();
        if overwritable {
            at.push((n, 0));
        }
        for (k, start) in at {
            let what = format!("{profile}, after session {n}: session {k} read at {start}");
            let model = &models[k - 1];
            check_udfinfo(&disc, start, model, revision, &what);
            let (got, _) = model_by_libudfread(&disc, start, 0);
            assert_same(&format!("{what}, libudfread"), model, &got);
            let ours = import_udf(&disc, start).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(ours.tree.len(), model.len(), "{what}, our import");
        }
    }
    let out = dir.join("x");
    run(tool("7z")
        .args(["x", "-tudf", "-y"])
        .arg(format!("-o{}", out.display()))
        .arg(&disc));
    let seen = udf_model(&out, false);
    let expected = if profile.write_model() == multisession::media::WriteModel::RandomWrite {
        &models[2]
    } else {
        &models[0]
    };
    assert_same(&format!("{profile}: 7z -tudf"), expected, &seen);
    let _ = fs::remove_dir_all(&dir);
}

one_line_tests! {
    three_udf_only_sessions_on_cd_r_have_no_iso_9660_and_are_read_by_udf_readers: three_udf_only_sessions(Profile::CdR, "1.02");
    three_udf_only_sessions_on_dvd_plus_rw_commit_through_the_anchor_at_256: three_udf_only_sessions(Profile::DvdPlusRw, "1.02");
    three_udf_only_2_50_sessions_on_bd_r_are_read_by_udf_readers: three_udf_only_sessions(Profile::BdR, "2.50");
}

/// A UDF-only session on an overwritable medium is committed by the anchor
/// at 256 alone: power lost anywhere in the write of the second session
/// leaves the first current, and udfinfo and libudfread from block 0 see
/// the very tree our import takes up (the second session's, once the
/// anchor is written).
#[test]
fn power_lost_in_a_udf_only_session_on_dvd_plus_rw_leaves_the_previous_one_for_every_reader() {
    if !udf_tools_present() {
        return;
    }
    let dir = scratch("udf-only-crash");
    let src = dir.join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    let (old_bytes, big_bytes) = (b"first session\n".to_vec(), vec![5u8; 300_000]);
    fs::write(src.join("d/old.txt"), &old_bytes).unwrap();
    let big = dir.join("big.bin");
    fs::write(&big, &big_bytes).unwrap();
    let first = |disc: &Path| {
        write_next_session(disc, "One", |image| {
            image.set_file_systems(FileSystems::UDF).unwrap();
            image.add_tree(&src, "/", false, OnClash::Fail).unwrap();
        })
    };
    let second = |disc: &Path| -> multisession::Result<u32> {
        let recorder = open(disc);
        let mut image = image_for_next_session(&recorder, "Two");
        image.set_file_systems(FileSystems::UDF).unwrap();
        image.add_file("/d/big.bin", &big, false).unwrap();
        image.remove("/d/old.txt", false).unwrap();
        let mut result = image.create_result_image()?;
        DataWriter::new(recorder, multisession_options())
            .write(&mut result, &mut |_| Flow::Continue)
            .map(|r| r.sectors)
    };
    // Each state as libudfread (size, FNV) and our import (size, hash) see it.
    let state = |name: &str, bytes: &[u8]| {
        let path = format!("/d/{name}");
        let u: UModel = [
            ("/d".to_owned(), U::Dir),
            (path.clone(), U::File(bytes.len() as u64, fnv(FNV0, bytes))),
        ]
        .into();
        let m: Model = [
            ("/d".to_owned(), Entry::Dir),
            (
                path,
                Entry::File {
                    size: bytes.len() as u64,
                    hash: hash_bytes(bytes),
                },
            ),
        ]
        .into();
        (u, m)
    };
    let (old, new) = (state("old.txt", &old_bytes), state("big.bin", &big_bytes));

    fs::create_dir_all(dir.join("probe")).unwrap();
    let probe = new_disc(&dir.join("probe"), "disc.img", Profile::DvdPlusRw);
    first(&probe);
    let blocks = u64::from(second(&probe).unwrap());
    // Through the data, then block by block over the two anchors after it.
    let mut points: Vec<u64> = (0..6).map(|i| blocks * i / 6 + 2).collect();
    points.extend((0..8).map(|i| blocks + i));
    let (mut seen_old, mut seen_new) = (false, false);
    for (i, after) in points.into_iter().enumerate() {
        let case = dir.join(format!("p{i}"));
        fs::create_dir_all(&case).unwrap();
        let disc = new_disc(&case, "disc.img", Profile::DvdPlusRw);
        first(&disc);
        set_faults(
            &disc,
            serde_json::json!({ "power_loss_after_blocks": after }),
        );
        let outcome = second(&disc);
        set_faults(&disc, serde_json::json!({}));
        let what = format!("power lost after {after} of {blocks} blocks ({outcome:?})");
        let image = image_for_next_session(&open(&disc), "Check");
        let ours = model_of_tree(image.tree(), &disc);
        let (u, m) = if ours == new.1 { &new } else { &old };
        assert_same(&format!("{what}: our import"), m, &ours);
        if outcome.is_ok() {
            assert_eq!(m, &new.1, "{what}: a completed write is current");
        }
        seen_old |= m == &old.1;
        seen_new |= m == &new.1;
        check_udfinfo(&disc, 0, u, "1.02", &what);
        let (got, _) = model_by_libudfread(&disc, 0, 0);
        assert_same(&format!("{what}: libudfread at 0"), u, &got);
        let _ = fs::remove_dir_all(&case);
    }
    assert!(
        seen_old && seen_new,
        "the points fall on both sides of the commit"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Importing a session written with UDF keeps UDF in the next session and
/// locks its revision, even when the caller asked for ISO 9660 + Joliet
/// before the import (as the common IMAPI2 samples do).
#[test]
fn an_imported_udf_session_keeps_udf_and_locks_its_revision() {
    let dir = scratch("udf-lock");
    let disc = new_disc(&dir, "disc.img", Profile::BdR);
    write_next_session(&disc, "One", |image| {
        assert_eq!(image.udf_revision(), 0x250, "BD defaults");
        image.mkdir("/a", true).unwrap();
    });
    let recorder = open(&disc);
    let mut image = FileSystemImage::new();
    image
        .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    image
        .set_multisession_interfaces(session::offer(&recorder).unwrap())
        .unwrap();
    image.import_file_system(None).unwrap();
    assert!(image.file_systems().contains(FileSystems::UDF));
    assert_eq!(image.udf_revision(), 0x250);
    fails_with(
        image.set_udf_revision(0x201),
        MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
    );
    assert_eq!(image.udf_revision(), 0x250);
    image.set_udf_revision(0x250).unwrap();
    let _ = fs::remove_dir_all(&dir);
}

/// IMAPI2's flow without an import (put the multisession interfaces,
/// add files, write) on an overwritable medium holding a UDF-only volume:
/// the next session goes after that volume, never at 0 over it, and the
/// old volume's files stay readable at their start.
#[test]
fn a_session_placed_without_an_import_goes_after_a_udf_only_volume() {
    let dir = scratch("udf-only-no-import");
    let disc = new_disc(&dir, "disc.img", Profile::DvdPlusRw);
    write_next_session(&disc, "One", |image| {
        image.set_file_systems(FileSystems::UDF).unwrap();
        image.mkdir("/first", true).unwrap();
    });
    let recorder = open(&disc);
    let mut image = FileSystemImage::new();
    image
        .set_multisession_interfaces(session::offer(&recorder).unwrap())
        .unwrap();
    let start = image.session_start_block().unwrap();
    assert_eq!(start % 16, 0, "DVD+RW sessions start on an ECC block");
    let first = import_udf(&disc, 0).unwrap();
    first.tree.lookup("/first").unwrap();
    // The first volume ends before where the next session starts: its
    // last recorded block (the closing anchor) lies below the start.
    let mut head = vec![0u8; 64 << 20];
    let read = fs::File::open(&disc)
        .unwrap()
        .read_at(&mut head, 0)
        .unwrap();
    let last_used = head[..read]
        .chunks(2048)
        .rposition(|b| b.iter().any(|&x| x != 0))
        .unwrap() as u32;
    assert!(
        start > last_used,
        "the session would start at {start}, at or before the first volume's block {last_used}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// On overwritable media the newest session is the one volume UDF readers
/// see through LBA 256: a session without UDF would leave them on the old
/// tree. On write-once media each session stands alone.
#[test]
fn dropping_udf_is_refused_over_an_overwritable_udf_volume_only() {
    for (profile, refused) in [(Profile::DvdPlusRw, true), (Profile::CdR, false)] {
        let dir = scratch(&format!("udf-drop-{}", profile.name()));
        let disc = new_disc(&dir, "disc.img", profile);
        write_next_session(&disc, "One", |image| image.mkdir("/a", true).unwrap());
        let mut image = image_for_next_session(&open(&disc), "Two");
        image
            .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
            .unwrap();
        match image.create_result_image() {
            Err(e) if refused => {
                assert_eq!(e.code(), MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, "{e}")
            }
            Ok(_) if !refused => {}
            other => panic!("{profile}: {:?}", other.map(|_| ())),
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

/// A first session without UDF may hold file data at LBA 256, where a
/// bridge appended to an overwritable medium rewrites its anchor: the
/// build refuses rather than overwrite a kept file.
#[test]
fn a_kept_file_at_lba_256_of_an_overwritable_medium_refuses_the_bridge() {
    let dir = scratch("udf-under-anchor");
    let disc = new_disc(&dir, "disc.img", Profile::DvdPlusRw);
    let big = dir.join("big.bin");
    fs::write(&big, vec![7u8; 1 << 20]).unwrap();
    write_next_session(&disc, "One", |image| {
        image
            .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
            .unwrap();
        image.add_file("/big.bin", &big, false).unwrap();
    });
    let mut image = image_for_next_session(&open(&disc), "Two");
    assert!(!image.file_systems().contains(FileSystems::UDF));
    image
        .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF)
        .unwrap();
    let e = fails_with(
        image.create_result_image(),
        MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION,
    );
    assert!(e.to_string().contains("/big.bin"), "{e}");
    // The same file removed, the bridge is built.
    image.remove("/big.bin", false).unwrap();
    image.create_result_image().unwrap();
    let _ = fs::remove_dir_all(&dir);
}

/// The C ABI: revision get/set with IMAPI's codes, the supported list with
/// a size query, `MS_FS_UDF` with ISO 9660 and alone accepted, and
/// `CreateRedundantUdfMetadataFiles` (with a stale handle after release).
#[test]
fn the_udf_properties_and_file_systems_cross_the_c_abi() {
    use multisession::hresult::{
        MS_E_HANDLE, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_POINTER, MS_IMAPI_E_INVALID_PARAM, MS_S_OK,
    };
    use multisession::internals::ffi::*;
    unsafe {
        let mut image = MsImage { id: 0 };
        assert_eq!(ms_image_new(&mut image), MS_S_OK);
        let mut revision = 0u32;
        assert_eq!(ms_image_get_udf_revision(image, &mut revision), MS_S_OK);
        assert_eq!(revision, 0x102);
        assert_eq!(ms_image_set_udf_revision(image, 0x201), MS_S_OK);
        assert_eq!(ms_image_get_udf_revision(image, &mut revision), MS_S_OK);
        assert_eq!(revision, 0x201);
        assert_eq!(
            ms_image_set_udf_revision(image, 0x260),
            MS_IMAPI_E_INVALID_PARAM
        );
        assert_eq!(
            ms_image_get_udf_revision(image, std::ptr::null_mut()),
            MS_E_POINTER
        );

        let mut count = 0usize;
        let hr = ms_image_get_udf_revisions_supported(image, std::ptr::null_mut(), 0, &mut count);
        assert_eq!((hr, count), (MS_E_NOT_SUFFICIENT_BUFFER, 5));
        let mut revisions = [0u32; 8];
        let hr = ms_image_get_udf_revisions_supported(image, revisions.as_mut_ptr(), 8, &mut count);
        assert_eq!((hr, count), (MS_S_OK, 5));
        assert_eq!(&revisions[..5], &[0x102, 0x150, 0x200, 0x201, 0x250]);
        let hr = ms_image_get_udf_revisions_supported(image, std::ptr::null_mut(), 4, &mut count);
        assert_eq!(hr, MS_E_POINTER);

        let bridge = (FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF).bits();
        assert_eq!(ms_image_set_file_systems(image, bridge), MS_S_OK);
        let mut fs = 0u32;
        assert_eq!(ms_image_file_systems(image, &mut fs), MS_S_OK);
        assert_eq!(fs, bridge);
        assert_eq!(
            ms_image_set_file_systems(image, FileSystems::UDF.bits()),
            MS_S_OK,
            "UDF alone: a UDF-only session"
        );
        assert_eq!(
            ms_image_set_file_systems(image, FileSystems::UNKNOWN.bits()),
            MS_IMAPI_E_INVALID_PARAM
        );

        // CreateRedundantUdfMetadataFiles: IMAPI's default, then off.
        let mut redundant = false;
        let get =
            |image, out: *mut bool| ms_image_get_create_redundant_udf_metadata_files(image, out);
        assert_eq!(get(image, &mut redundant), MS_S_OK);
        assert!(redundant);
        assert_eq!(
            ms_image_set_create_redundant_udf_metadata_files(image, false),
            MS_S_OK
        );
        assert_eq!(get(image, &mut redundant), MS_S_OK);
        assert!(!redundant);
        assert_eq!(get(image, std::ptr::null_mut()), MS_E_POINTER);

        assert_eq!(ms_image_release(image), MS_S_OK);
        assert_eq!(get(image, &mut redundant), MS_E_HANDLE);
        assert_eq!(
            ms_image_set_create_redundant_udf_metadata_files(image, true),
            MS_E_HANDLE
        );
    }
}

/// A disc whose UDF revision is not written here (2.60) keeps that
/// revision locked: a next session with UDF is refused by name, one
/// without it (write-once media) is built.
#[test]
fn a_udf_revision_not_written_here_is_not_appended_to_with_udf() {
    use multisession::hresult::MS_IMAPI_E_UDF_NOT_WRITE_COMPATIBLE;
    use multisession::internals::udf::layout::{Lvd, Regid, TagParams, DOMAIN_OSTA};
    let dir = scratch("udf-260");
    let disc = new_disc(&dir, "disc.img", Profile::CdR);
    write_next_session(&disc, "One", |image| image.mkdir("/a", true).unwrap());
    // Both logical volume descriptors (main and reserve) now claim 2.60.
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&disc)
        .unwrap();
    for lba in [35u32, 51] {
        let mut b = vec![0u8; 2048];
        f.read_exact_at(&mut b, lba as u64 * 2048).unwrap();
        let (tag, mut lvd) = Lvd::parse(&b, Some(lba)).unwrap();
        lvd.domain_id = Regid::udf(DOMAIN_OSTA, 0x260);
        let encoded = lvd
            .encode(TagParams::new(tag.version, tag.serial, lba))
            .unwrap();
        b[..encoded.len()].copy_from_slice(&encoded);
        f.write_all_at(&b, lba as u64 * 2048).unwrap();
    }
    drop(f);
    let mut image = image_for_next_session(&open(&disc), "Two");
    fails_with(
        image.set_udf_revision(0x102),
        MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
    );
    fails_with(
        image.create_result_image(),
        MS_IMAPI_E_UDF_NOT_WRITE_COMPATIBLE,
    );
    image
        .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    image.create_result_image().unwrap();
    let _ = fs::remove_dir_all(&dir);
}
