//! Issue 11, import of discs made by others carried to its end: every
//! kind of peer-made UDF disc (mkudffs 1.02, 1.50 with a VAT and 2.01;
//! genisoimage -udf; a pycdlib bridge; a disc whose first session is
//! ISO 9660 and second UDF) is imported, appended to twice — a bridge
//! that adds, removes and renames, then a bridge again or, over a
//! UDF-only source, a UDF-only session — and each appended session is
//! read back by udfinfo, libudfread, xorriso (the ISO 9660 side of a
//! bridge) and our import.
//!
//! Not asked: pycdlib opens only the volume descriptors at LBA 16 and
//! takes the file set to start the partition (see udf_build.rs), so it
//! reads none of the appended sessions; 7-Zip reads UDF only at the start
//! of the file, which is the peer's own session (imported file for file
//! in udf_import.rs).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::udf::{import_udf, trim_to_recorded};
use crate::support::{peers::*, trees::*};
use crate::udf_build::{check_udfinfo, model_by_libudfread, udf_model, udf_tools_present};
use multisession::fsi::{self, FileSystems};

/// The kinds of disc other programs make.
#[derive(Debug, Clone, Copy)]
enum Peer {
    /// An empty mkudffs volume: media type, revision, extra option.
    Mkudffs(&'static str, &'static str, Option<&'static str>),
    GenisoimageUdf,
    PycdlibUdf,
    /// ISO 9660 by genisoimage at 0, then UDF by mkudffs --startblock.
    IsoThenUdf,
}

/// A peer's disc in `dir`: the image, the start of its UDF session, the
/// local mirror of that session's tree, and whether it is UDF-only.
fn peer_disc(peer: Peer, dir: &Path, python: Option<&str>) -> (PathBuf, u32, PathBuf, bool) {
    let img = dir.join("disc.img");
    let mirror = dir.join("mirror");
    fs::create_dir_all(&mirror).unwrap();
    match peer {
        Peer::Mkudffs(media, rev, extra) => {
            // mkudffs formats an empty volume; it copies no files in.
            let mut args = vec![format!("--media-type={media}"), format!("-r{rev}")];
            args.extend(extra.map(String::from));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            mkudffs(&img, 4096, &args);
            if media != "hd" {
                trim_to_recorded(&img);
            }
            (img, 0, mirror, true)
        }
        Peer::GenisoimageUdf => {
            make_source_tree(&mirror);
            // genisoimage writes symlinks as empty files in its UDF tree
            // and cuts long and non-BMP names (udf_import.rs): the mirror
            // holds only what it records whole.
            for name in [
                "relative link",
                "absolute link",
                "long link",
                "ünïcödé/emoji 😀 name.txt",
            ] {
                fs::remove_file(mirror.join(name)).unwrap();
            }
            fs::remove_file(mirror.join(format!("{}.txt", "a_very_long_name_".repeat(12))))
                .unwrap();
            genisoimage_udf(&img, &mirror);
            (img, 0, mirror, false)
        }
        Peer::PycdlibUdf => {
            make_source_tree(&mirror);
            pycdlib_udf(python.unwrap(), &img, &mirror);
            (img, 0, mirror, false)
        }
        Peer::IsoThenUdf => {
            let src = dir.join("first");
            fs::create_dir_all(&src).unwrap();
            fs::write(src.join("first.txt"), b"first session\n").unwrap();
            let first = dir.join("s1.iso");
            genisoimage(&[], &first, &src);
            let second = place(&img, &first, 0).div_ceil(16) * 16 + 16;
            fs::OpenOptions::new()
                .write(true)
                .open(&img)
                .unwrap()
                .set_len(u64::from(second + 4096) * 2048)
                .unwrap();
            run(tool("mkudffs")
                .args(["-b", "2048", "--media-type=cdr", "--bootarea=preserve"])
                .arg(format!("--startblock={second}"))
                .arg(&img));
            trim_to_recorded(&img);
            (img, second, mirror, true)
        }
    }
}

/// Builds the next session of `img` after its end from the UDF volume at
/// `base`, changed by `change`, with `file_systems` and the revision the
/// base volume has (IMAPI2 locks an imported revision); its start.
fn append(
    img: &Path,
    base: u32,
    file_systems: FileSystems,
    change: impl FnOnce(&mut fsi::Tree),
) -> u32 {
    let imported = import_udf(img, base).unwrap_or_else(|e| panic!("import at {base}: {e}"));
    let mut tree = imported.tree.clone();
    change(&mut tree);
    let start = ((fs::metadata(img).unwrap().len() / 2048) as u32).div_ceil(16) * 16;
    let mut session = fsi::build(
        Arc::new(tree),
        &fsi::BuildOptions {
            start_block: start,
            file_systems,
            volume_name: "Appended".into(),
            time: Some(1_700_000_000),
            udf_revision: u32::from(imported.udf_revision.unwrap()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("build at {start}: {e}"));
    write_session(img, &mut session);
    start
}

/// The session at `start` as every reader able to read it sees it, against
/// the local `mirror`: udfinfo's counts, libudfread's files, our import,
/// and xorriso's ISO 9660 tree when the session is a bridge.
fn read_back(img: &Path, start: u32, mirror: &Path, bridge: bool, revision: &str, what: &str) {
    let what = format!("{what}, session at {start}");
    check_udfinfo(img, start, &udf_model(mirror, false), revision, &what);
    let (got, _) = model_by_libudfread(img, start, 0);
    assert_same(
        &format!("{what}: libudfread"),
        &udf_model(mirror, true),
        &got,
    );
    let expected = model_of_dir(mirror);
    let ours = import_udf(img, start).unwrap_or_else(|e| panic!("{what}: our import: {e}"));
    assert_same(
        &format!("{what}: our import"),
        &expected,
        &model_of_tree(&ours.tree, img),
    );
    if bridge {
        let xorriso = model_by_xorriso(img, Some(start), &img.with_extension("x"));
        assert_same(&format!("{what}: xorriso"), &expected, &xorriso);
    }
}

fn a_peer_disc_appended_to_twice_reads_back_in_every_reader(peer: Peer) {
    if !tools_present() || !udf_tools_present() {
        return;
    }
    let python = pycdlib_python();
    if matches!(peer, Peer::PycdlibUdf) && python.is_none() {
        return;
    }
    let what = format!("{peer:?}");
    let name: String = what.chars().filter(char::is_ascii_alphanumeric).collect();
    let dir = scratch(&format!("udf-peer-append-{name}"));
    let (img, base, mirror, udf_only) = peer_disc(peer, &dir, python);
    let revision = import_udf(&img, base).unwrap().udf_revision.unwrap();
    let shown = format!("{}.{:02x}", revision >> 8, revision & 0xFF);
    let local = dir.join("local");
    fs::create_dir_all(&local).unwrap();
    fs::write(local.join("added.txt"), b"added by the library\n").unwrap();
    fs::write(local.join("inner.txt"), vec![b'i'; 5000]).unwrap();
    let had_peer_files = mirror.join("one").exists();

    // A bridge: files added; where the peer wrote files, one removed and
    // one renamed (their data stays where the peer put it).
    let bridge = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
    let first = append(&img, base, bridge, |tree| {
        tree.add_local_file("/added.txt", &local.join("added.txt"), false)
            .unwrap();
        tree.mkdir_all("/new dir").unwrap();
        tree.add_local_file("/new dir/inner.txt", &local.join("inner.txt"), false)
            .unwrap();
        if had_peer_files {
            tree.remove("/to be removed.txt").unwrap();
            tree.rename("/one", "/uno").unwrap();
        }
    });
    fs::copy(local.join("added.txt"), mirror.join("added.txt")).unwrap();
    fs::create_dir_all(mirror.join("new dir")).unwrap();
    fs::copy(local.join("inner.txt"), mirror.join("new dir/inner.txt")).unwrap();
    if had_peer_files {
        fs::remove_file(mirror.join("to be removed.txt")).unwrap();
        fs::rename(mirror.join("one"), mirror.join("uno")).unwrap();
    }
    read_back(&img, first, &mirror, true, &shown, &what);

    // Then UDF-only over a UDF-only source, a bridge over a bridge: one of
    // our files renamed, one removed.
    let next = if udf_only { FileSystems::UDF } else { bridge };
    let second = append(&img, first, next, |tree| {
        tree.rename("/added.txt", "/renamed.txt").unwrap();
        tree.remove("/new dir/inner.txt").unwrap();
    });
    fs::rename(mirror.join("added.txt"), mirror.join("renamed.txt")).unwrap();
    fs::remove_file(mirror.join("new dir/inner.txt")).unwrap();
    read_back(&img, second, &mirror, !udf_only, &shown, &what);
    // The first appended session is still whole.
    assert!(import_udf(&img, first)
        .unwrap()
        .tree
        .lookup("/new dir/inner.txt")
        .is_ok());
    let _ = fs::remove_dir_all(&dir);
}

crate::support::one_line_tests! {
    an_mkudffs_1_02_volume_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::Mkudffs("hd", "0x0102", None));
    an_mkudffs_1_50_vat_volume_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::Mkudffs("cdr", "0x0150", Some("--vat")));
    an_mkudffs_2_01_volume_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::Mkudffs("hd", "0x0201", None));
    a_genisoimage_udf_bridge_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::GenisoimageUdf);
    a_pycdlib_udf_bridge_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::PycdlibUdf);
    a_udf_session_after_an_iso_9660_one_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::IsoThenUdf);
}
