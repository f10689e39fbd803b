//! `multisession extract`: what it writes stays inside the target, never
//! goes through a link or over an existing entry unless asked, carries the
//! disc's modes and times, and writes a shared extent once.

mod support;

use std::collections::HashSet;
use std::io::Cursor;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use multisession::fsi::tree::{FileData, Kind};
use multisession::fsi::{
    self, Attrs, BuildOptions, Content, Extent, FileBlocks, OnceReader, SessionStream, Tree,
    BLOCK_SIZE,
};
use support::{failure, json, ok};

/// A blank emulated CD-R at `disc` with one session holding `folder`.
fn disc_of(disc: &Path, folder: &Path) -> String {
    let disc = disc.to_str().unwrap().to_string();
    ok(&["new-disc", "--profile", "cd-r", &disc]);
    ok(&["append", &disc, folder.to_str().unwrap()]);
    disc
}

fn touch(args: &[&str], path: &Path) {
    let status = Command::new("touch").args(args).arg(path).status().unwrap();
    assert!(status.success());
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// `multisession extract ARGS` run with the umask `mask`.
fn extract_under_umask(mask: &str, args: &[&str]) {
    let run = Command::new("sh")
        .arg("-c")
        .arg(format!(r#"umask {mask} && exec "$0" extract "$@""#))
        .arg(env!("CARGO_BIN_EXE_multisession"))
        .args(args)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
}

#[test]
fn links_in_the_target_are_never_followed_and_existing_entries_need_force() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let victim_dir = root.join("victim_dir");
    let victim_file = root.join("victim_file");
    let victim_linked = root.join("victim_linked");
    std::fs::create_dir(&victim_dir).unwrap();
    std::fs::write(&victim_file, "victim's bytes\n").unwrap();
    std::fs::write(&victim_linked, "hard-linked victim\n").unwrap();

    // Disc one plants links to the victims; disc two has a directory and
    // files of the same names.
    let plant = root.join("src1/plant");
    std::fs::create_dir_all(&plant).unwrap();
    std::os::unix::fs::symlink(&victim_dir, plant.join("x")).unwrap();
    std::os::unix::fs::symlink(&victim_file, plant.join("y")).unwrap();
    let attack = root.join("src2/plant");
    std::fs::create_dir_all(attack.join("x")).unwrap();
    std::fs::write(attack.join("x/pwned"), "pwned\n").unwrap();
    std::fs::write(attack.join("y"), "overwritten\n").unwrap();
    std::fs::write(attack.join("z"), "through a hard link\n").unwrap();
    let one = disc_of(&root.join("one.img"), &plant);
    let two = disc_of(&root.join("two.img"), &attack);

    let out = root.join("out");
    let out_s = out.to_str().unwrap();
    ok(&["extract", &one, out_s]);
    assert_eq!(std::fs::read_link(out.join("plant/x")).unwrap(), victim_dir);
    // A hard link in the target to a file outside it.
    std::fs::hard_link(&victim_linked, out.join("plant/z")).unwrap();

    let untouched = || {
        assert_eq!(std::fs::read_dir(&victim_dir).unwrap().count(), 0);
        assert_eq!(
            std::fs::read_to_string(&victim_file).unwrap(),
            "victim's bytes\n"
        );
        assert_eq!(
            std::fs::read_to_string(&victim_linked).unwrap(),
            "hard-linked victim\n"
        );
    };
    assert_eq!(failure(&["extract", &two, out_s]), "E_WIN32_FILE_EXISTS");
    untouched();
    assert_eq!(
        std::fs::read_link(out.join("plant/y")).unwrap(),
        victim_file
    );

    ok(&["extract", "--force", &two, out_s]);
    untouched();
    let x = std::fs::symlink_metadata(out.join("plant/x")).unwrap();
    assert!(x.is_dir(), "the link x was replaced by a directory");
    assert_eq!(
        std::fs::read_to_string(out.join("plant/x/pwned")).unwrap(),
        "pwned\n"
    );
    for (name, text) in [("y", "overwritten\n"), ("z", "through a hard link\n")] {
        let path = out.join("plant").join(name);
        assert!(std::fs::symlink_metadata(&path).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
    assert_ne!(
        std::fs::metadata(out.join("plant/z")).unwrap().ino(),
        std::fs::metadata(&victim_linked).unwrap().ino()
    );
    // No temporary entry is left behind.
    let mut names: Vec<_> = std::fs::read_dir(out.join("plant"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["x", "y", "z"]);
}

#[test]
fn a_second_extract_without_force_refuses_before_writing_anything() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let src = root.join("src/docs");
    std::fs::create_dir_all(src.join("new")).unwrap();
    std::fs::write(src.join("a.txt"), "from the disc\n").unwrap();
    std::fs::write(src.join("new/b.txt"), "from the disc\n").unwrap();
    std::fs::write(src.join("z.txt"), "from the disc\n").unwrap();
    let disc = disc_of(&root.join("d.img"), &src);
    let out = root.join("out");
    let out_s = out.to_str().unwrap();
    ok(&["extract", &disc, out_s]);
    // The user removes two entries and edits the last one in name order.
    std::fs::remove_file(out.join("docs/a.txt")).unwrap();
    std::fs::remove_dir_all(out.join("docs/new")).unwrap();
    std::fs::write(out.join("docs/z.txt"), "edited by the user\n").unwrap();
    let refused = support::run(&["extract", &disc, out_s]);
    let message = String::from_utf8(refused.stderr).unwrap();
    assert!(message.contains("docs/z.txt"), "{message}");
    assert_eq!(failure(&["extract", &disc, out_s]), "E_WIN32_FILE_EXISTS");
    assert!(!out.join("docs/a.txt").exists(), "nothing was written");
    assert!(!out.join("docs/new").exists(), "nothing was written");
    assert_eq!(
        std::fs::read_to_string(out.join("docs/z.txt")).unwrap(),
        "edited by the user\n"
    );
}

#[test]
fn modes_and_times_are_restored_under_the_umask() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let src = root.join("src/kept");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("open.txt"), "rw for all\n").unwrap();
    std::fs::write(src.join("private.txt"), "owner only\n").unwrap();
    std::fs::write(src.join("sub/inner.txt"), "inner\n").unwrap();
    std::os::unix::fs::symlink("open.txt", src.join("link")).unwrap();
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    set(&src.join("open.txt"), 0o666);
    set(&src.join("private.txt"), 0o600);
    set(&src.join("sub"), 0o775);
    touch(&["-d", "2001-02-03 04:05:06Z"], &src.join("open.txt"));
    touch(&["-d", "2002-03-04 05:06:07Z"], &src.join("private.txt"));
    touch(
        &["-a", "-d", "2005-06-07 08:09:10Z"],
        &src.join("private.txt"),
    );
    touch(&["-h", "-d", "2003-04-05 06:07:08Z"], &src.join("link"));
    touch(&["-d", "2004-05-06 07:08:09Z"], &src.join("sub"));
    let disc = disc_of(&root.join("d.img"), &src);

    let out = root.join("out");
    extract_under_umask("027", &[&disc, out.to_str().unwrap()]);
    let kept = out.join("kept");
    assert_eq!(mode(&kept.join("open.txt")), 0o640);
    assert_eq!(mode(&kept.join("private.txt")), 0o600);
    assert_eq!(mode(&kept.join("sub")), 0o750);
    for (name, when) in [
        ("open.txt", 981_173_106),
        ("private.txt", 1_015_218_367),
        ("link", 1_049_522_828),
        ("sub", 1_083_827_289),
    ] {
        let md = std::fs::symlink_metadata(kept.join(name)).unwrap();
        assert_eq!(md.mtime(), when, "{name}");
    }
    let private = std::fs::metadata(kept.join("private.txt")).unwrap();
    assert_eq!(private.atime(), 1_118_131_750, "access time");
    assert!(std::fs::symlink_metadata(kept.join("link"))
        .unwrap()
        .is_symlink());
}

#[test]
fn owners_and_set_id_bits_are_restored_only_with_owners() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let src = root.join("src/owned");
    std::fs::create_dir_all(&src).unwrap();
    let tool = src.join("tool");
    std::fs::write(&tool, "#!/bin/sh\n").unwrap();
    if std::fs::metadata(&tool).unwrap().uid() != 0 {
        eprintln!("skipped: restoring owners needs root");
        return;
    }
    std::os::unix::fs::chown(&tool, Some(1234), Some(5678)).unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let disc = disc_of(&root.join("d.img"), &src);

    let plain = root.join("plain");
    extract_under_umask("022", &[&disc, plain.to_str().unwrap()]);
    let md = std::fs::metadata(plain.join("owned/tool")).unwrap();
    assert_eq!((md.uid(), md.gid()), (0, 0));
    assert_eq!(md.mode() & 0o7777, 0o755, "no set-id bit without its owner");

    let owned = root.join("owned");
    extract_under_umask("022", &["--owners", &disc, owned.to_str().unwrap()]);
    let md = std::fs::metadata(owned.join("owned/tool")).unwrap();
    assert_eq!((md.uid(), md.gid()), (1234, 5678));
    assert_eq!(md.mode() & 0o7777, 0o4755);
}

#[test]
fn a_branch_deeper_than_the_open_file_limit_is_extracted() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let depth = 1200;
    let mut tree = Tree::new();
    let mut at = tree.root();
    for _ in 0..depth {
        let kind = Kind::Dir(Default::default());
        at = tree.insert(at, "d", Attrs::dir(), kind, false).unwrap();
    }
    let bottom = Kind::File(FileData {
        size: 7,
        content: Content::New(
            Arc::new(OnceReader::new(Box::new(Cursor::new(b"bottom\n".to_vec())))).into(),
        ),
    });
    tree.insert(at, "f", Attrs::file(), bottom, false).unwrap();
    let mut session = fsi::build(tree, &BuildOptions::default()).unwrap();
    let mut bytes = vec![0u8; session.total_blocks() as usize * BLOCK_SIZE];
    session.read_blocks(0, &mut bytes).unwrap();
    let img = root.join("deep.iso");
    std::fs::write(&img, &bytes).unwrap();
    let disc = root.join("deep.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--from", img.to_str().unwrap(), disc]);

    let out = root.join("out");
    let extract = |force: &[&str]| {
        Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -n 128 && exec "$0" extract "$@""#)
            .arg(env!("CARGO_BIN_EXE_multisession"))
            .args(force)
            .arg(disc)
            .arg(&out)
            .output()
            .unwrap()
    };
    let run = extract(&[]);
    assert!(run.status.success(), "{run:?}");
    let deepest = out.join(vec!["d"; depth].join("/")).join("f");
    assert_eq!(std::fs::read_to_string(&deepest).unwrap(), "bottom\n");
    std::fs::write(&deepest, "edited\n").unwrap();
    let again = extract(&[]);
    let message = String::from_utf8_lossy(&again.stderr);
    assert!(message.contains("E_WIN32_FILE_EXISTS"), "{again:?}");
    assert_eq!(std::fs::read_to_string(&deepest).unwrap(), "edited\n");
    let forced = extract(&["--force"]);
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(std::fs::read_to_string(&deepest).unwrap(), "bottom\n");
}

const BIG: usize = 1 << 20;

/// An image whose second session lists `copies` files of 1 MiB placed by
/// `place` (copy number, the first session's `/big`), plus two empty
/// files at one block.
fn bomb(img: &Path, copies: usize, place: impl Fn(usize, Extent) -> Extent) -> Vec<u8> {
    let data: Vec<u8> = (0..BIG).map(|i| (i * 7 % 251) as u8).collect();
    let mut first = Tree::new();
    let source = Arc::new(OnceReader::new(Box::new(Cursor::new(data.clone()))));
    first
        .add_file("/big", BIG as u64, source, Attrs::file(), false)
        .unwrap();
    let options = BuildOptions {
        time: Some(0),
        ..Default::default()
    };
    let mut s1 = fsi::build(first, &options).unwrap();
    let mut bytes = vec![0u8; s1.total_blocks() as usize * BLOCK_SIZE];
    s1.read_blocks(0, &mut bytes).unwrap();
    std::fs::write(img, &bytes).unwrap();
    let imported = fsi::import(&FileBlocks::open(img).unwrap(), 0, None, Default::default())
        .unwrap()
        .tree;
    let big = imported.lookup("/big").unwrap();
    let Kind::File(FileData {
        content: Content::OnMedium(extents),
        ..
    }) = &imported.node(big).kind
    else {
        panic!("/big is not on the medium");
    };
    let extent = extents[0];

    let mut second = Tree::new();
    let root = second.root();
    let mut file = |name: &str, extent: Extent, size: u64| {
        let kind = Kind::File(FileData {
            size,
            content: Content::OnMedium(vec![extent].into()),
        });
        second
            .insert(root, name, Attrs::file(), kind, false)
            .unwrap();
    };
    for i in 0..copies {
        let at = place(i, extent);
        file(&format!("copy{i:04}"), at, u64::from(at.len));
    }
    let empty = Extent {
        lba: extent.lba,
        len: 0,
    };
    file("empty1", empty, 0);
    file("empty2", empty, 0);
    // After the first session's run-out, as a CD-R places the next one.
    let start = s1.total_blocks() + 32;
    let mut s2 = fsi::build(
        second,
        &BuildOptions {
            start_block: start,
            ..options
        },
    )
    .unwrap();
    let mut more = vec![0u8; s2.total_blocks() as usize * BLOCK_SIZE];
    s2.read_blocks(0, &mut more).unwrap();
    bytes.resize(start as usize * BLOCK_SIZE, 0);
    bytes.extend_from_slice(&more);
    std::fs::write(img, &bytes).unwrap();
    data
}

#[test]
fn files_sharing_one_extent_are_hard_links_and_write_the_extent_once() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let img = root.join("bomb.iso");
    let copies = 200;
    let data = bomb(&img, copies, |_, big| big);
    let image_size = std::fs::metadata(&img).unwrap().len();
    let disc = root.join("bomb.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--from", img.to_str().unwrap(), disc]);
    let out = root.join("out");
    let report = json(&ok(&["extract", "--json", disc, out.to_str().unwrap()]));
    assert_eq!(report["files"], copies + 2);
    assert_eq!(report["hard_links"], copies - 1);
    assert_eq!(report["bytes"], BIG);

    let mut inodes = HashSet::new();
    let mut written = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let md = entry.unwrap().metadata().unwrap();
        if inodes.insert(md.ino()) {
            written += md.len();
        }
    }
    assert!(written <= image_size, "{written} bytes from {image_size}");
    let first = std::fs::metadata(out.join("copy0000")).unwrap();
    assert_eq!(first.nlink(), copies as u64);
    assert_eq!(
        std::fs::metadata(out.join(format!("copy{:04}", copies - 1)))
            .unwrap()
            .ino(),
        first.ino()
    );
    assert_eq!(std::fs::read(out.join("copy0123")).unwrap(), data);
    let empty1 = std::fs::metadata(out.join("empty1")).unwrap();
    let empty2 = std::fs::metadata(out.join("empty2")).unwrap();
    assert_ne!(empty1.ino(), empty2.ino(), "empty files are never linked");
}

#[test]
fn only_files_of_the_same_start_and_size_are_linked() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let img = root.join("pair.iso");
    // Two files of the whole extent, and a third of its first block.
    let data = bomb(&img, 3, |i, big| Extent {
        len: if i == 2 { BLOCK_SIZE as u32 } else { big.len },
        ..big
    });
    let disc = root.join("pair.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--from", img.to_str().unwrap(), disc]);
    let out = root.join("out");
    let report = json(&ok(&["extract", "--json", disc, out.to_str().unwrap()]));
    assert_eq!(report["hard_links"], 1);
    assert_eq!(report["bytes"], BIG + BLOCK_SIZE);
    let ino = |name: &str| std::fs::metadata(out.join(name)).unwrap().ino();
    assert_eq!(ino("copy0000"), ino("copy0001"));
    assert_ne!(ino("copy0000"), ino("copy0002"));
    assert_eq!(std::fs::read(out.join("copy0001")).unwrap(), data);
    assert_eq!(
        std::fs::read(out.join("copy0002")).unwrap(),
        &data[..BLOCK_SIZE]
    );
}

#[test]
fn files_that_overlap_without_sharing_are_refused_before_anything_is_written() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let img = root.join("overlap.iso");
    // Each copy starts one block after the previous one: 200 MiB of
    // files in about 1.4 MiB of disc.
    bomb(&img, 200, |i, big| Extent {
        lba: big.lba + i as u32,
        len: big.len,
    });
    let disc = root.join("overlap.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--from", img.to_str().unwrap(), disc]);
    let out = root.join("out");
    assert_eq!(
        failure(&["extract", disc, out.to_str().unwrap()]),
        "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR"
    );
    assert!(!out.exists(), "nothing was created");
}

#[test]
fn extract_of_one_path_writes_only_that_entry_under_its_own_name() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let src = root.join("src/docs");
    std::fs::create_dir_all(src.join("sub/deeper")).unwrap();
    std::fs::write(src.join("a.txt"), "a").unwrap();
    std::fs::write(src.join("sub/b.txt"), "b").unwrap();
    std::fs::write(src.join("sub/deeper/c.txt"), "c").unwrap();
    std::fs::set_permissions(
        src.join("sub/b.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    touch(&["-d", "2020-02-02 02:02"], &src.join("sub/b.txt"));
    let disc = disc_of(&root.join("d.img"), &src);

    let one = root.join("one");
    ok(&["extract", &disc, "/docs/sub", one.to_str().unwrap()]);
    let mut names: Vec<String> = std::fs::read_dir(&one)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["sub"]);
    assert_eq!(std::fs::read_to_string(one.join("sub/b.txt")).unwrap(), "b");
    assert_eq!(
        std::fs::read_to_string(one.join("sub/deeper/c.txt")).unwrap(),
        "c"
    );
    assert_eq!(mode(&one.join("sub/b.txt")), 0o640);
    let mtime = std::fs::metadata(one.join("sub/b.txt")).unwrap().mtime();
    assert_eq!(
        mtime,
        std::fs::metadata(src.join("sub/b.txt")).unwrap().mtime()
    );

    // A file, and a name the same as its top directory's.
    let file = root.join("file");
    ok(&[
        "extract",
        &disc,
        "/docs/sub/deeper/c.txt",
        file.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(file.join("c.txt")).unwrap(), "c");
    assert_eq!(std::fs::read_dir(&file).unwrap().count(), 1);
    let same = root.join("same");
    ok(&["extract", &disc, "/docs", same.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(same.join("docs/a.txt")).unwrap(),
        "a"
    );

    // Twice without --force is refused; a missing path is named.
    assert_eq!(
        failure(&["extract", &disc, "/docs/sub", one.to_str().unwrap()]),
        "E_WIN32_FILE_EXISTS"
    );
    assert_eq!(
        failure(&["extract", &disc, "/nope", root.join("x").to_str().unwrap()]),
        "IMAPI_E_ITEM_NOT_FOUND"
    );
}
