//! `append SRC[=DEST]`, `--rm`, `--mv`, links, `--dry-run`, and `update`
//! as an incremental backup, read back by xorriso and by `extract`.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use support::{failure, json, ok, run};

/// `ls --json`: path → (type, size, link target).
fn listing(disc: &str) -> BTreeMap<String, (String, u64, Option<String>)> {
    json(&ok(&["ls", "--json", disc]))["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                (
                    e["type"].as_str().unwrap().to_string(),
                    e["size"].as_u64().unwrap(),
                    e["target"].as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn new_cd(root: &Path) -> String {
    let disc = root.join("cd.img").to_str().unwrap().to_string();
    ok(&["new-disc", "--profile", "cd-r", &disc]);
    disc
}

#[test]
fn src_dest_places_files_and_a_trailing_slash_adds_the_contents() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(&r.join("docs/a.txt"), "alpha");
    write(&r.join("docs/sub/b.txt"), "beta");
    write(&r.join("single.txt"), "single");
    let disc = new_cd(r);
    let docs = r.join("docs");
    let docs = docs.to_str().unwrap();
    let single = r.join("single.txt");
    let single = single.to_str().unwrap();
    ok(&[
        "append",
        &disc,
        docs,
        &format!("{docs}/=/flat"),
        &format!("{single}=/backup/2024/renamed.txt"),
    ]);
    // An existing directory as DEST takes SRC under its own name.
    ok(&["append", &disc, &format!("{single}=/backup")]);
    let got = listing(&disc);
    let paths: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/backup",
            "/backup/2024",
            "/backup/2024/renamed.txt",
            "/backup/single.txt",
            "/docs",
            "/docs/a.txt",
            "/docs/sub",
            "/docs/sub/b.txt",
            "/flat",
            "/flat/a.txt",
            "/flat/sub",
            "/flat/sub/b.txt",
        ]
    );
    assert_eq!(got["/backup/2024/renamed.txt"].1, 6);
}

#[test]
fn rm_and_mv_change_the_new_session_and_the_older_one_keeps_its_files() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(&r.join("d/keep.txt"), "keep");
    write(&r.join("d/gone.txt"), "gone");
    write(&r.join("d/old/name.txt"), "moved");
    let disc = new_cd(r);
    ok(&["append", &disc, r.join("d").to_str().unwrap()]);
    ok(&[
        "append",
        &disc,
        "--rm",
        "/d/gone.txt",
        "--mv",
        "/d/old=/elsewhere/new",
    ]);
    let got = listing(&disc);
    let paths: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/d",
            "/d/keep.txt",
            "/elsewhere",
            "/elsewhere/new",
            "/elsewhere/new/name.txt"
        ]
    );
    let first = json(&ok(&["ls", "--json", "--session", "1", &disc]))["entries"].clone();
    assert!(first.to_string().contains("/d/gone.txt"), "{first}");
    assert_eq!(
        failure(&["append", &disc, "--rm", "/not/there"]),
        "IMAPI_E_ITEM_NOT_FOUND"
    );
}

#[test]
fn a_link_named_on_the_command_line_is_kept_as_a_link_unless_follow() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(&r.join("target.txt"), "the target's data");
    std::os::unix::fs::symlink("target.txt", r.join("link")).unwrap();
    let link = r.join("link");
    let link = link.to_str().unwrap();
    let disc = new_cd(r);
    ok(&["append", &disc, link]);
    assert_eq!(
        listing(&disc)["/link"],
        ("symlink".to_string(), 0, Some("target.txt".to_string()))
    );
    ok(&["append", "--follow", &disc, &format!("{link}=/followed")]);
    assert_eq!(listing(&disc)["/followed"], ("file".to_string(), 17, None));
    let out = r.join("out");
    ok(&["extract", &disc, out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_link(out.join("link")).unwrap(),
        Path::new("target.txt")
    );
}

#[test]
fn dry_run_says_what_would_change_and_leaves_image_and_sidecar_byte_identical() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(&r.join("d/a.txt"), "alpha");
    write(&r.join("more/b.bin"), &"b".repeat(5000));
    let disc = new_cd(r);
    ok(&["append", &disc, r.join("d").to_str().unwrap()]);
    let sidecar = format!("{disc}.json");
    let hash = || {
        (
            std::fs::read(&disc).unwrap(),
            std::fs::read(&sidecar).unwrap(),
        )
    };
    let before = hash();
    let out = ok(&[
        "append",
        "--dry-run",
        &disc,
        r.join("more").to_str().unwrap(),
        "--rm",
        "/d/a.txt",
    ]);
    assert!(out.contains("remove     /d/a.txt"), "{out}");
    assert!(
        out.contains("/more from") && out.contains("5000 bytes"),
        "{out}"
    );
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("dry run: the session would take ")
            && last.contains(" blocks (")
            && last.contains(" MB) at LBA ")
            && last.ends_with("nothing was written"),
        "{out}"
    );
    assert!(
        before == hash(),
        "a dry run changed the image or its sidecar"
    );
    let updated = ok(&[
        "update",
        "--dry-run",
        &disc,
        r.join("more").to_str().unwrap(),
    ]);
    assert!(updated.contains("added"), "{updated}");
    assert!(
        before == hash(),
        "a dry run changed the image or its sidecar"
    );
}

/// Start of the newest session, for xorriso's `-load sbsector` (on an
/// image file it would read the first session otherwise).
fn newest(disc: &str) -> String {
    let info = json(&ok(&["info", "--json", disc]));
    let msinfo = info["Msinfo"].as_str().unwrap().to_string();
    msinfo.split(',').next().unwrap().to_string()
}

/// `xorriso -find / -exec report_lba` of the newest session: path → LBA of
/// each file's data.
fn xorriso_lbas(disc: &str) -> BTreeMap<String, u64> {
    let out = Command::new("xorriso")
        .args(["-indev", disc, "-load", "sbsector", &newest(disc)])
        .args(["-find", "/", "-type", "f", "-exec", "report_lba", "--"])
        .output()
        .expect("xorriso runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lbas = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("File data lba:")) {
        // File data lba:  0 ,      34 ,       1 ,       5 , '/d/a.txt'
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let path = fields[4].trim_matches('\'').to_string();
        lbas.insert(path, fields[1].parse().unwrap());
    }
    lbas
}

/// Every entry below `dir`: relative path → (kind, bytes or link target,
/// permission bits, mtime for files and links).
fn snapshot(dir: &Path) -> BTreeMap<String, (String, String, u32, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_string();
            let (kind, data, mtime) = if md.is_dir() {
                stack.push(p.clone());
                ("dir", String::new(), 0)
            } else if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                ("link", t.to_str().unwrap().to_string(), 0)
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let sum = bytes
                    .iter()
                    .fold(0u64, |s, &b| s.wrapping_mul(31).wrapping_add(b.into()));
                (
                    "file",
                    format!("{} bytes, sum {sum:x}", bytes.len()),
                    md.mtime(),
                )
            };
            let mode = if kind == "link" {
                0
            } else {
                md.mode() & 0o7777
            };
            out.insert(rel, (kind.to_string(), data, mode, mtime));
        }
    }
    out
}

fn touch_at(path: &Path, stamp: &str) {
    let status = Command::new("touch")
        .args(["-h", "-d", stamp])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// One day's change to the folder.
type Change = dyn Fn(&Path);

#[test]
fn six_days_of_updates_write_only_what_changed_and_read_back_equal_to_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let home = r.join("home");
    let disc = new_cd(r);
    let home_s = format!("{}/", home.to_str().unwrap());
    // Day 1: the first backup.
    write(&home.join("notes.txt"), "monday\n");
    write(&home.join("keep/big.txt"), &"unchanged data\n".repeat(500));
    write(&home.join("keep/small.txt"), "never touched\n");
    write(&home.join("photos/a.jpg"), "jpeg a");
    std::os::unix::fs::symlink("photos/a.jpg", home.join("latest")).unwrap();
    touch_at(&home.join("notes.txt"), "2024-01-01 10:00");
    let days: Vec<(&str, Box<Change>)> = vec![
        ("first backup", Box::new(|_: &Path| {})),
        (
            "added and changed with the same size",
            Box::new(|h: &Path| {
                write(&h.join("photos/b.jpg"), "jpeg b");
                write(&h.join("notes.txt"), "friday\n");
                touch_at(&h.join("notes.txt"), "2024-01-02 10:00");
            }),
        ),
        (
            "removed and renamed",
            Box::new(|h: &Path| {
                std::fs::remove_file(h.join("photos/a.jpg")).unwrap();
                std::fs::rename(h.join("photos/b.jpg"), h.join("photos/renamed.jpg")).unwrap();
            }),
        ),
        (
            "link retargeted",
            Box::new(|h: &Path| {
                std::fs::remove_file(h.join("latest")).unwrap();
                std::os::unix::fs::symlink("photos/renamed.jpg", h.join("latest")).unwrap();
            }),
        ),
        (
            "mode changed",
            Box::new(|h: &Path| {
                let p = h.join("notes.txt");
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            }),
        ),
        ("no change", Box::new(|_: &Path| {})),
    ];
    let mut sessions = 0;
    let mut lbas_before: Option<BTreeMap<String, u64>> = None;
    let mut yesterday: Option<BTreeMap<String, u64>> = None;
    for (day, (what, change)) in days.iter().enumerate() {
        change(&home);
        let before = std::fs::read(&disc).unwrap();
        let out = ok(&["update", &disc, &home_s]);
        if *what == "no change" {
            assert!(out.starts_with("up to date"), "day {day}: {out}");
            assert!(std::fs::read(&disc).unwrap() == before, "day {day} wrote");
        } else {
            assert!(out.starts_with("wrote "), "day {day} ({what}): {out}");
            sessions += 1;
        }
        let info = json(&ok(&["info", "--json", &disc]));
        assert_eq!(info["SessionCount"], sessions, "day {day}");

        // xorriso reads the newest session back equal to the folder.
        let by_xorriso = r.join(format!("xorriso-{day}"));
        let status = Command::new("xorriso")
            .args([
                "-osirrox",
                "on",
                "-indev",
                &disc,
                "-load",
                "sbsector",
                &newest(&disc),
            ])
            .args(["-extract", "/"])
            .arg(&by_xorriso)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        assert_eq!(snapshot(&by_xorriso), snapshot(&home), "day {day}: xorriso");
        let by_us = r.join(format!("extract-{day}"));
        ok(&["extract", &disc, by_us.to_str().unwrap()]);
        assert_eq!(snapshot(&by_us), snapshot(&home), "day {day}: extract");

        // Files untouched since the first day keep their data where it is,
        // and a mode change alone writes no data.
        let lbas = xorriso_lbas(&disc);
        if let Some(first) = &lbas_before {
            for kept in ["/keep/big.txt", "/keep/small.txt"] {
                assert_eq!(lbas[kept], first[kept], "day {day}: {kept} moved");
            }
        } else {
            lbas_before = Some(lbas.clone());
        }
        if *what == "mode changed" {
            let yesterday = yesterday.as_ref().unwrap();
            assert_eq!(lbas["/notes.txt"], yesterday["/notes.txt"], "day {day}");
        }
        yesterday = Some(lbas);
    }
}

#[test]
fn update_with_checksum_finds_a_change_that_keeps_size_and_mtime() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let dir = r.join("d");
    write(&dir.join("f.txt"), "aaaa");
    touch_at(&dir.join("f.txt"), "2024-01-01 10:00");
    let disc = new_cd(r);
    let arg = format!("{}/", dir.to_str().unwrap());
    ok(&["update", &disc, &arg]);
    write(&dir.join("f.txt"), "bbbb");
    touch_at(&dir.join("f.txt"), "2024-01-01 10:00");
    touch_at(&dir, "2024-01-01 10:00");
    let sneaky = ok(&["update", "--dry-run", &disc, &arg]);
    assert!(
        sneaky.contains("nothing was written") || sneaky.starts_with("up to date"),
        "{sneaky}"
    );
    let out = ok(&["update", "--checksum", &disc, &arg]);
    assert!(out.starts_with("wrote "), "{out}");
    let back = r.join("back");
    ok(&["extract", &disc, back.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(back.join("f.txt")).unwrap(), "bbbb");
    let again = run(&["update", "--checksum", &disc, &arg]);
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("up to date"));
}

#[test]
fn follow_refuses_a_link_back_up_the_tree_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(&r.join("loop/a.txt"), "a");
    std::os::unix::fs::symlink("..", r.join("loop/up")).unwrap();
    let disc = new_cd(r);
    let dir = r.join("loop");
    let dir = dir.to_str().unwrap();
    assert_eq!(
        failure(&["append", "--follow", &disc, dir]),
        "IMAPI_E_INVALID_PATH"
    );
    assert_eq!(
        std::fs::metadata(&disc).unwrap().len(),
        0,
        "nothing written"
    );
    // Without --follow the link is a link.
    ok(&["append", &disc, dir]);
    assert_eq!(listing(&disc)["/loop/up"].2.as_deref(), Some(".."));
}

/// A BD-R formatted for Pseudo-Overwrite (as growisofs leaves it) takes a
/// first session and more: each grows the one volume, `ls` lists every
/// file so far, and xorriso, reading LBA 16, agrees.
#[test]
fn three_appends_on_a_pseudo_overwrite_bd_r_grow_one_volume() {
    use multisession::scsi::emulator::DiscSpec;
    use multisession::Profile;
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("pow.img");
    DiscSpec::new(Profile::BdR).pow(true).create(&disc).unwrap();
    let disc = disc.to_str().unwrap();
    let mut expected = Vec::new();
    for n in 0..3 {
        let src = root.path().join(format!("s{n}"));
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("f.txt"), format!("session {n}\n")).unwrap();
        ok(&["append", disc, src.to_str().unwrap()]);
        expected.push(format!("/s{n}/f.txt"));
        let files: Vec<String> = listing(disc)
            .into_iter()
            .filter(|(_, (kind, _, _))| kind == "file")
            .map(|(path, _)| path)
            .collect();
        assert_eq!(files, expected, "after append {n}");
    }
    let found = Command::new("xorriso")
        .args(["-indev", disc, "-find", "/", "-type", "f"])
        .output()
        .unwrap();
    let found = String::from_utf8_lossy(&found.stdout);
    for path in &expected {
        assert!(found.contains(path.as_str()), "xorriso lists:\n{found}");
    }
}
