//! Issue 11, import of discs made by others carried to its end: every
//! kind of peer-made UDF disc (mkudffs 1.02, 1.50 and 2.50 with a VAT, 2.01;
//! genisoimage -udf; a pycdlib bridge; a disc whose first session is
//! ISO 9660 and second UDF) is imported, appended to twice — a bridge
//! that adds, removes and renames, then a bridge again or, over a
//! UDF-only source, a UDF-only session — and each appended session is
//! read back by udfinfo, libudfread, our import, and xorriso and isoinfo
//! (the ISO 9660 side of a bridge); the peer's own session stays as it
//! was.
//!
//! Not asked: pycdlib opens only the volume descriptors at LBA 16 and
//! takes the file set to start the partition (see udf_build.rs), so it
//! reads none of the appended sessions (it reads the peer's bridge, still
//! there at 16); 7-Zip reads UDF only at the start
//! of the file, which is the peer's own session (imported file for file
//! in udf_import.rs).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::support::sessions::{open, write_next_session};
use crate::support::udf::import_udf;
use crate::support::{peers::*, trees::*};
use crate::udf_build::{
    check_udfinfo, model_by_libudfread, model_by_pycdlib_udf, udf_model, udf_tools_present,
};
use multisession::fsi::{self, FileSystems};
use multisession::scsi::emulator::{wrap_image, Existing};
use multisession::{session, Profile};

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
            mkudffs_media(&img, 4096, media, rev, extra);
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
            let (img, second) = iso_then_udf_disc(dir, "Second");
            (img, second, mirror, true)
        }
    }
}

/// One change an appended session makes.
#[derive(Clone, Copy)]
enum Edit<'a> {
    /// A file added from a local one (its parent made as needed).
    Add(&'a str, &'a Path),
    Remove(&'a str),
    Rename(&'a str, &'a str),
}

/// How a session is appended: through an emulated CD-R (`session::offer`,
/// `FileSystemImage`, `DataWriter`, as an application does), or, for a
/// volume made for a hard disk, which no disc profile describes, by
/// `fsi::build` written into the image file after its end.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    CdR,
    ImageFile,
}

/// Appends the next session of `img` on top of the UDF volume at `base`
/// (the newest), with `edits` and `file_systems`, in the revision the
/// base volume has (IMAPI2 locks an imported revision); its start.
fn append(img: &Path, way: Way, base: u32, file_systems: FileSystems, edits: &[Edit]) -> u32 {
    if way == Way::CdR {
        let report = write_next_session(img, "Appended", |image| {
            image.set_file_systems(file_systems).unwrap();
            for edit in edits {
                match *edit {
                    Edit::Add(path, local) => {
                        let parent = &path[..path.rfind('/').unwrap()];
                        if !parent.is_empty() {
                            image.mkdir(parent, true).unwrap();
                        }
                        image.add_file(path, local, false).unwrap();
                    }
                    Edit::Remove(path) => image.remove(path, false).unwrap(),
                    Edit::Rename(from, to) => image.rename(from, to).unwrap(),
                }
            }
        });
        return report.start_lba;
    }
    let imported = import_udf(img, base).unwrap_or_else(|e| panic!("import at {base}: {e}"));
    let mut tree = imported.tree.clone();
    for edit in edits {
        match *edit {
            Edit::Add(path, local) => {
                let parent = &path[..path.rfind('/').unwrap()];
                if !parent.is_empty() {
                    tree.mkdir_all(parent).unwrap();
                }
                tree.add_local_file(path, local, false).unwrap();
            }
            Edit::Remove(path) => tree.remove(path).unwrap(),
            Edit::Rename(from, to) => tree.rename(from, to).unwrap(),
        }
    }
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

/// Does to the local `mirror` what `edits` do to a session.
fn apply(mirror: &Path, edits: &[Edit]) {
    for edit in edits {
        match *edit {
            Edit::Add(path, local) => {
                let to = mirror.join(&path[1..]);
                fs::create_dir_all(to.parent().unwrap()).unwrap();
                fs::copy(local, to).unwrap();
            }
            Edit::Remove(path) => fs::remove_file(mirror.join(&path[1..])).unwrap(),
            Edit::Rename(from, to) => {
                fs::rename(mirror.join(&from[1..]), mirror.join(&to[1..])).unwrap()
            }
        }
    }
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
        // The ISO 9660 side, as our import would choose it were there no
        // UDF (Joliet, Rock Ridge names), and as the peers read it.
        let joliet = import_image(img, start, Some(FileSystems::JOLIET))
            .unwrap_or_else(|e| panic!("{what}: our Joliet import: {e}"));
        assert_same(
            &format!("{what}: our Joliet import"),
            &expected,
            &model_of_tree(&joliet.tree, img),
        );
        let xorriso = model_by_xorriso(img, Some(start), &img.with_extension("x"));
        assert_same(&format!("{what}: xorriso"), &expected, &xorriso);
        let isoinfo = model_by_isoinfo(img, Some(start), u64::MAX);
        assert_same(&format!("{what}: isoinfo"), &expected, &isoinfo);
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
    let way = match peer {
        Peer::Mkudffs("hd", ..) => Way::ImageFile,
        _ => Way::CdR,
    };
    if way == Way::CdR {
        // The peer's sessions, closed, on an appendable CD-R.
        let starts = if base == 0 { vec![0] } else { vec![0, base] };
        wrap_image(&img, Profile::CdR, &starts, false, Existing::Replace).unwrap();
    }
    let revision = import_udf(&img, base).unwrap().udf_revision.unwrap();
    let shown = format!("{}.{:02x}", revision >> 8, revision & 0xFF);
    let local = dir.join("local");
    fs::create_dir_all(&local).unwrap();
    fs::write(local.join("added.txt"), b"added by the library\n").unwrap();
    fs::write(local.join("inner.txt"), vec![b'i'; 5000]).unwrap();
    // A VAT is found at the last recorded block, so the peer's session is
    // read from the image cut where the peer left it (a reader given the
    // session's end in the table of contents does the same).
    let peer_end = fs::metadata(&img).unwrap().len();
    let as_left = dir.join("as-left.img");
    let peer_session = || {
        fs::copy(&img, &as_left).unwrap();
        fs::OpenOptions::new()
            .write(true)
            .open(&as_left)
            .unwrap()
            .set_len(peer_end)
            .unwrap();
        let tree = import_udf(&as_left, base).unwrap().tree;
        (model_of_tree(&tree, &as_left), udfinfo(&as_left, base))
    };
    let before = peer_session();
    let peer_udf = udf_model(&mirror, false);
    let (added, inner) = (local.join("added.txt"), local.join("inner.txt"));

    // A bridge: files added; where the peer wrote files, one removed and
    // one renamed (their data stays where the peer put it).
    let bridge = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
    let mut edits = vec![
        Edit::Add("/added.txt", &added),
        Edit::Add("/new dir/inner.txt", &inner),
    ];
    if mirror.join("one").exists() {
        edits.extend([
            Edit::Remove("/to be removed.txt"),
            Edit::Rename("/one", "/uno"),
        ]);
    }
    let first = append(&img, way, base, bridge, &edits);
    apply(&mirror, &edits);
    read_back(&img, first, &mirror, true, &shown, &what);

    // Then UDF-only over a UDF-only source, a bridge over a bridge: one of
    // our files renamed, one removed.
    let next = if udf_only { FileSystems::UDF } else { bridge };
    let edits = [
        Edit::Rename("/added.txt", "/renamed.txt"),
        Edit::Remove("/new dir/inner.txt"),
    ];
    let second = append(&img, way, first, next, &edits);
    apply(&mirror, &edits);
    read_back(&img, second, &mirror, !udf_only, &shown, &what);
    // The peer's session and the first appended one are still whole.
    let after = peer_session();
    assert_same(&format!("{what}: the peer's session"), &before.0, &after.0);
    assert_eq!(before.1, after.1, "{what}: udfinfo of the peer's session");
    if way == Way::CdR {
        // Through a drive the older session is found by its start in the
        // table of contents: the peer's session, imported after the
        // appends, is read whole (for a VAT disc too).
        let mut image = fsi::FileSystemImage::new();
        let recorder = open(&img);
        image
            .set_multisession_interfaces(session::offer(&recorder).unwrap())
            .unwrap();
        image
            .import_session(base, Some(FileSystems::UDF))
            .unwrap_or_else(|e| panic!("{what}: importing the peer's session at {base}: {e}"));
        assert_same(
            &format!("{what}: the peer's session imported through the drive"),
            &before.0,
            &model_of_tree(image.tree(), &img),
        );
    }
    // pycdlib reads the bridge at LBA 16, the peer's, which a write-once
    // disc keeps.
    if let (Some(py), false) = (python, udf_only) {
        assert_same(
            &format!("{what}: pycdlib, the peer's session"),
            &peer_udf,
            &model_by_pycdlib_udf(py, &img),
        );
    }
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
    // mkudffs writes 2.50 for write-once media only (with a VAT); the
    // second append builds on the first, ours, in a metadata window.
    an_mkudffs_2_50_volume_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::Mkudffs("bdr", "0x0250", None));
    a_genisoimage_udf_bridge_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::GenisoimageUdf);
    a_pycdlib_udf_bridge_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::PycdlibUdf);
    a_udf_session_after_an_iso_9660_one_appended_to_reads_back_in_every_reader:
        a_peer_disc_appended_to_twice_reads_back_in_every_reader(Peer::IsoThenUdf);
}
