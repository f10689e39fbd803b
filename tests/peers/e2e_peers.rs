//! Discs whose sessions peers made, appended to through the path a user
//! takes: the image file becomes an emulated drive (`wrap_image`), then
//! `session::offer` → `FileSystemImage` (put, import, edit, create the
//! result) → `DataWriter`. xorriso and isoinfo read every old and new file
//! in the new session, and the peers' own sessions are still readable.

use std::fs;
use std::path::Path;

use crate::support::{peers::*, sessions::*, trees::*};
use multisession::fsi::tree::Kind;
use multisession::fsi::{FileSystemImage, OnClash, RandomWriteStyle};
use multisession::scsi::emulator::{wrap_image, Existing};
use multisession::{session, Profile};

/// Our session on top of a peer's: replace one of its files, remove
/// another, add a directory of our own — in the image and in `mirror`.
fn our_changes(image: &mut FileSystemImage, mirror: &Path, scratch: &Path) {
    let replacement = scratch.join("replacement.txt");
    fs::write(&replacement, b"replaced through the emulated drive\n").unwrap();
    fs::copy(&replacement, mirror.join("to be replaced.txt")).unwrap();
    image
        .add_file("/to be replaced.txt", &replacement, true)
        .unwrap();
    fs::remove_file(mirror.join("to be removed.txt")).unwrap();
    image.remove("/to be removed.txt", false).unwrap();
    let ours = scratch.join("appended by us");
    fs::create_dir_all(ours.join("tief/unten")).unwrap();
    fs::write(ours.join("tief/unten/daten.bin"), vec![0xA5; 9000]).unwrap();
    fs::write(ours.join("leer"), b"").unwrap();
    std::os::unix::fs::symlink("tief/unten/daten.bin", ours.join("verweis")).unwrap();
    copy_into(&ours, &mirror.join("appended by us"));
    image.add_tree(&ours, "/", true, OnClash::Fail).unwrap();
}

/// The sequential values the emulated drive offers for the next session.
fn msinfo(disc: &Path) -> (u32, u32) {
    let offered = session::offer(&open(disc)).unwrap();
    let values = offered[0].sequential().unwrap();
    (
        values.start_address_of_previous_session as u32,
        values.next_writable_address as u32,
    )
}

#[test]
fn genisoimage_cd_r_sessions_are_appended_to_through_the_emulated_drive() {
    let Some(dir) = scratch_with_tools("e2e-peer-geniso") else {
        return;
    };
    let disc = dir.join("disc.img");
    let (m1, m2, mirror) = (dir.join("m1"), dir.join("m2"), dir.join("mirror"));
    make_source_tree(&m1);
    fs::create_dir_all(m2.join("added")).unwrap();
    fs::write(m2.join("added/by genisoimage.txt"), b"second session\n").unwrap();

    // Session 1, then session 2 where the drive says (`-C` from its
    // multisession values, as `cdrecord -msinfo` gives them).
    genisoimage(&[], &dir.join("s1.iso"), &m1);
    place(&disc, &dir.join("s1.iso"), 0);
    wrap_image(&disc, Profile::CdR, &[0], false, Existing::Refuse).unwrap();
    let (previous, s2) = msinfo(&disc);
    assert_eq!(previous, 0);
    let c = format!("{previous},{s2}");
    genisoimage(
        &["-C", &c, "-M", disc.to_str().unwrap()],
        &dir.join("s2.iso"),
        &m2,
    );
    place(&disc, &dir.join("s2.iso"), s2);
    wrap_image(&disc, Profile::CdR, &[0, s2], false, Existing::Replace).unwrap();
    copy_into(&m1, &mirror);
    copy_into(&m2, &mirror);
    let theirs = model_of_dir(&mirror);
    let (previous, s3) = msinfo(&disc);
    assert_eq!(previous, s2, "the drive sees genisoimage's second session");

    let report = write_next_session(&disc, "Appended", |image| our_changes(image, &mirror, &dir));
    assert_eq!(
        report.start_lba, s3,
        "our session goes where the drive said"
    );
    let ours = model_of_dir(&mirror);
    check_session(&disc, Some(s3), &ours, &dir, "our session on genisoimage's");
    assert_eq!(open(&disc).media_info().unwrap().sessions, 3);
    // genisoimage relocated the levels below 8 into a visible rr_moved
    // (without -hide-rr-moved); our import leaves it out of our session.
    let mut theirs = theirs;
    theirs.insert("/rr_moved".into(), Entry::Dir);
    assert_same(
        "genisoimage's session 2 afterwards",
        &theirs,
        &model_by_xorriso(&disc, Some(s2), &dir),
    );
    let mut first = model_of_dir(&m1);
    first.insert("/rr_moved".into(), Entry::Dir);
    assert_same(
        "genisoimage's session 1 afterwards",
        &first,
        &model_by_xorriso(&disc, Some(0), &dir),
    );
}

#[test]
fn xorriso_dev_sessions_on_dvd_plus_rw_are_appended_to_through_the_emulated_drive() {
    let Some(dir) = scratch_with_tools("e2e-peer-xorriso") else {
        return;
    };
    let disc = dir.join("disc.img");
    let mirror = xorriso_two_sessions(&disc, &dir);
    let theirs = model_of_dir(&mirror);
    let layout = random_write_layout(&disc, 16);
    assert_eq!(layout.style, RandomWriteStyle::Xorriso);
    let s2 = layout.newest.unwrap();
    wrap_image(&disc, Profile::DvdPlusRw, &[], false, Existing::Refuse).unwrap();

    let report = write_next_session(&disc, "Appended", |image| our_changes(image, &mirror, &dir));
    assert!(report.start_lba > s2, "{report:?}");
    let ours = model_of_dir(&mirror);
    check_session(&disc, None, &ours, &dir, "our session on xorriso's");
    check_session(
        &disc,
        Some(report.start_lba),
        &ours,
        &dir,
        "our session on xorriso's",
    );
    assert_same(
        "xorriso's session 2 afterwards",
        &theirs,
        &model_by_xorriso(&disc, Some(s2), &dir),
    );
    assert_same(
        "xorriso's session 2 afterwards",
        &theirs,
        &model_by_isoinfo(&disc, Some(s2), u64::MAX),
    );

    // xorriso grows the disc again on top of our session.
    let m4 = dir.join("m4");
    fs::create_dir_all(&m4).unwrap();
    fs::write(m4.join("after ours.txt"), b"fourth session\n").unwrap();
    xorriso_commit(&disc, &["-map", m4.to_str().unwrap(), "/after"]);
    copy_into(&m4, &mirror.join("after"));
    assert_same(
        "xorriso after us",
        &model_of_dir(&mirror),
        &model_by_xorriso(&disc, None, &dir),
    );
}

/// `getfacl` (numeric) and `getfattr` (user namespace) of `names` under
/// `dir`, as text to compare.
fn acls_and_xattrs(dir: &Path, names: &[&str]) -> String {
    let acls = run(tool("getfacl").arg("-n").args(names).current_dir(dir));
    let xattrs = run(tool("getfattr").arg("-d").args(names).current_dir(dir));
    format!("{acls}{xattrs}")
}

/// xorriso (stdout and stderr together) on the newest session of `disc`
/// with MD5 processing on; its exit status.
fn xorriso_md5(disc: &Path, args: &[&str]) -> (bool, String) {
    let out = tool("xorriso")
        .args(["-md5", "on", "-indev"])
        .arg(disc)
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn zisofs_files_acls_xattrs_of_a_xorriso_disc_survive_our_session_with_valid_checksums() {
    if !acl_tools_present() {
        return;
    }
    // Under the target directory, on a disk file system: /tmp may be a
    // tmpfs without user xattrs.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("e2e-peer-aaip-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let (src, disc) = (dir.join("src"), dir.join("disc.img"));
    fs::create_dir_all(src.join("sub")).unwrap();
    let big: Vec<u8> = (0..300_000u32)
        .map(|i| b"zisofs "[i as usize % 7])
        .collect();
    fs::write(src.join("big.txt"), &big).unwrap();
    fs::write(src.join("acl.txt"), b"with an ACL\n").unwrap();
    run(tool("setfacl")
        .args(["-m", "u:12345:rw,g:54321:r"])
        .arg(src.join("acl.txt")));
    run(tool("setfattr")
        .args(["-n", "user.x", "-v", "hello"])
        .arg(src.join("acl.txt")));
    run(tool("setfacl")
        .args(["-m", "d:u:777:rx"])
        .arg(src.join("sub")));
    run(tool("setfattr")
        .args(["-n", "user.dir", "-v", "a directory"])
        .arg(src.join("sub")));
    // Made after the default ACL, as xorriso's extract makes it: inherited.
    let numbers: String = (0..40_000).map(|i| format!("{i}\n")).collect();
    fs::write(src.join("sub/numbers.txt"), &numbers).unwrap();
    run(tool("setfattr")
        .args(["-n", "user.big", "-v", &"v".repeat(3000)])
        .arg(src.join("big.txt")));
    let old = ["acl.txt", "big.txt", "sub", "sub/numbers.txt"];
    let source_attrs = acls_and_xattrs(&src, &old);
    assert!(source_attrs.contains("user:12345:rw-"), "{source_attrs}");

    run(tool("xorriso")
        .args([
            "-acl", "on", "-xattr", "on", "-md5", "on", "-zisofs", "default",
        ])
        .arg("-dev")
        .arg(&disc)
        .arg("-map")
        .arg(&src)
        .args(["/", "-set_filter_r", "--zisofs", "/big.txt", "/sub", "--"])
        .arg("-commit"));
    // The peer's session is what this test is about: compressed records,
    // a session MD5 that holds.
    let theirs = import_image(&disc, 32, None).unwrap().tree;
    let Kind::File(f) = &theirs.node(theirs.lookup("/big.txt").unwrap()).kind else {
        panic!("/big.txt is no file");
    };
    assert!(
        f.size < 10_000,
        "big.txt is not zisofs-compressed: {} bytes",
        f.size
    );
    let (ok, text) = xorriso_md5(&disc, &["-check_md5", "FAILURE", "--"]);
    assert!(
        ok && text.contains("session data match recorded md5"),
        "{text}"
    );

    wrap_image(&disc, Profile::DvdPlusRw, &[], false, Existing::Refuse).unwrap();
    let added = dir.join("added.txt");
    fs::write(&added, b"ours\n").unwrap();
    // Several blocks and a partial last one: its MD5 is hashed as written.
    let added_bin: Vec<u8> = (0..70_001u32).map(|i| (i % 251) as u8).collect();
    fs::write(dir.join("added.bin"), &added_bin).unwrap();
    let report = write_next_session(&disc, "Appended", |image| {
        image.add_file("/added.txt", &added, false).unwrap();
        image
            .add_file("/added.bin", &dir.join("added.bin"), false)
            .unwrap();
    });
    assert!(report.start_lba > 32, "{report:?}");
    // Our importer sees the compressed record and, from ZF, the real size.
    let ours = import_image(&disc, report.start_lba, None).unwrap().tree;
    let id = ours.lookup("/big.txt").unwrap();
    assert!(matches!(&ours.node(id).kind, Kind::File(g) if g.size == f.size));
    assert_eq!(ours.zisofs_size(id), Some(big.len() as u64));

    // xorriso reads our session (the newest): every old file decompressed,
    // with its ACLs and xattrs.
    let out = dir.join("out");
    run(tool("xorriso")
        .args(["-acl", "on", "-xattr", "on", "-osirrox", "on", "-indev"])
        .arg(&disc)
        .args(["-extract", "/"])
        .arg(&out));
    assert_eq!(fs::read(out.join("added.txt")).unwrap(), b"ours\n");
    assert_eq!(fs::read(out.join("added.bin")).unwrap(), added_bin);
    fs::remove_file(out.join("added.txt")).unwrap();
    fs::remove_file(out.join("added.bin")).unwrap();
    assert_same(
        "old files in our session",
        &model_of_dir(&src),
        &model_of_dir(&out),
    );
    assert_eq!(acls_and_xattrs(&out, &old), source_attrs);

    // Our session keeps checksums of its own, as the disc did: the
    // session MD5 holds and covers our session, our new files carry MD5s
    // that match, no file claims a wrong one, and the session tag is found
    // where a reader checksumming from the session start expects it.
    let (ok, text) = xorriso_md5(&disc, &["-check_md5", "FAILURE", "--"]);
    assert!(
        ok && text.contains(&format!("LBA {} ,", report.start_lba))
            && text.contains("session data match recorded md5"),
        "{text}"
    );
    let (ok, text) = xorriso_md5(
        &disc,
        &["-check_md5", "FAILURE", "/added.bin", "/added.txt", "--"],
    );
    assert!(
        ok && text.contains("md5 match   : '/added.bin'")
            && text.contains("md5 match   : '/added.txt'"),
        "{text}"
    );
    let (ok, text) = xorriso_md5(&disc, &["-check_md5_r", "FAILURE", "/", "--"]);
    assert!(
        ok && text.contains("File contents and their MD5 checksums match")
            && !text.to_lowercase().contains("mismatch"),
        "{text}"
    );
    let (ok, text) = xorriso_md5(&disc, &["-check_media", "--"]);
    let tag_of = |lba: u32| {
        text.lines().find(|l| {
            l.strip_prefix("MD5 tag range:")
                .and_then(|r| r.split(',').next())
                .is_some_and(|n| n.trim() == lba.to_string())
        })
    };
    assert!(ok && !text.contains("mismatch"), "{text}");
    assert!(
        tag_of(report.start_lba).is_some_and(|l| l.ends_with("+ md5_match")),
        "{text}"
    );
    assert!(
        tag_of(32).is_some_and(|l| l.ends_with("+ md5_match")),
        "{text}"
    );
    for tag in ["superblock", "tree", "session"] {
        let found = format!("Found matching MD5 {tag} tag: start={}", report.start_lba);
        assert!(text.contains(&found), "{text}");
    }
    // xorriso goes on from our session, loading our checksums: the files
    // it carries keep the MD5s we recorded.
    let later = dir.join("later.txt");
    fs::write(&later, b"after ours\n").unwrap();
    run(tool("xorriso")
        .args(["-md5", "on", "-acl", "on", "-xattr", "on", "-dev"])
        .arg(&disc)
        .arg("-map")
        .arg(&later)
        .args(["/later.txt", "-commit"]));
    let (ok, text) = xorriso_md5(
        &disc,
        &["-check_md5", "FAILURE", "/added.bin", "/later.txt", "--"],
    );
    assert!(
        ok && text.contains("md5 match   : '/added.bin'")
            && text.contains("md5 match   : '/later.txt'"),
        "{text}"
    );
    // The peer's own session still checks out.
    let (ok, text) = xorriso_md5(
        &disc,
        &["-load", "sbsector", "32", "-check_md5", "FAILURE", "--"],
    );
    assert!(
        ok && text.contains("session data match recorded md5"),
        "{text}"
    );
    let _ = fs::remove_dir_all(&dir);
}
