//! The `multisession` binary end to end on emulated discs.

mod support;

use std::path::Path;
use std::process::Command;

use multisession::media::WriteModel;
use multisession::Profile;
use support::{blank, failure, folder, json, ok, run};

/// Paths of the files `ls --json ARGS` lists.
fn files(args: &[&str]) -> Vec<String> {
    json(&ok(args))["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "file")
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect()
}

/// Profiles that take session after session, and the writable ones that do
/// not, with what the CLI says about them.
const MULTISESSION: [&str; 11] = [
    "cd-r",
    "cd-rw",
    "dvd-r",
    "dvd-rw",
    "dvd+r",
    "bd-r",
    "dvd+rw",
    "dvd+rw-dl",
    "dvd-ram",
    "bd-re",
    "dvd-rw-ro",
];
/// IMAPI closes a DVD+R DL after its first session; a DVD-R DL is
/// single-session by its format.
const ONE_SESSION: [(&str, &str); 2] = [
    ("dvd+r-dl", "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE"),
    ("dvd-r-dl", "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED"),
];
/// The drive does not write layer-jump DVD-R DL.
const NOT_WRITABLE_BY_THE_DRIVE: [(&str, &str); 1] =
    [("dvd-r-dl-jump", "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED")];

#[test]
fn the_profile_tables_cover_every_writable_profile() {
    let mut covered: Vec<&str> = MULTISESSION
        .iter()
        .copied()
        .chain(ONE_SESSION.iter().map(|p| p.0))
        .chain(NOT_WRITABLE_BY_THE_DRIVE.iter().map(|p| p.0))
        .collect();
    covered.sort_unstable();
    let mut writable: Vec<&str> = Profile::ALL
        .iter()
        .filter(|p| p.write_model() != WriteModel::ReadOnly)
        .map(|p| p.name())
        .collect();
    writable.sort_unstable();
    assert_eq!(covered, writable);
}

#[test]
fn append_ls_extract_and_info_on_every_multisession_profile() {
    let root = tempfile::tempdir().unwrap();
    let one = folder(root.path(), "one", &[("a.txt", "alpha\n")]);
    let two = folder(
        root.path(),
        "two",
        &[("b.txt", "beta\n"), ("c.txt", "gamma\n")],
    );
    for profile in MULTISESSION {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        // A DVD+R closes after its first session unless asked not to.
        ok(&["append", "--keep-appendable", disc, &one]);
        ok(&["append", "--keep-appendable", "--verify", disc, &two]);

        assert_eq!(
            files(&["ls", "--json", disc]),
            ["/one/a.txt", "/two/b.txt", "/two/c.txt"],
            "{profile}"
        );
        let sequential =
            Profile::from_name(profile).unwrap().write_model() == WriteModel::Sequential;
        if sequential {
            assert_eq!(
                files(&["ls", "--json", "--session", "1", disc]),
                ["/one/a.txt"],
                "{profile}"
            );
        } else {
            // One growing volume: only the newest tree is addressable.
            assert_eq!(
                files(&["ls", "--json", "--session", "1", disc]),
                ["/one/a.txt", "/two/b.txt", "/two/c.txt"],
                "{profile}"
            );
            assert_eq!(
                failure(&["ls", "--session", "2", disc]),
                "E_INVALIDARG",
                "{profile}"
            );
        }

        let out = root.path().join(format!("{profile}-out"));
        ok(&["extract", disc, out.to_str().unwrap()]);
        assert_eq!(
            std::fs::read_to_string(out.join("two/c.txt")).unwrap(),
            "gamma\n",
            "{profile}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("one/a.txt")).unwrap(),
            "alpha\n",
            "{profile}"
        );

        let info = json(&ok(&["info", "--json", disc]));
        assert_eq!(info["Profile"], profile);
        assert!(info["MsinfoError"].is_null(), "{profile}: {info}");
        let msinfo = info["Msinfo"].as_str().unwrap();
        let (start, next) = msinfo.split_once(',').unwrap();
        let (start, next) = (start.parse::<u32>().unwrap(), next.parse::<u32>().unwrap());
        assert!(start < next, "{profile}: {msinfo}");
        if sequential {
            let newest = json(&ok(&["ls", "--json", disc]))["session_start"].as_u64();
            assert_eq!(Some(u64::from(start)), newest, "{profile}: {msinfo}");
        } else {
            assert_eq!(start, 0, "{profile}: {msinfo}");
        }
        assert!(
            !info["MultisessionInterfaces"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{profile}"
        );
    }
}

#[test]
fn single_session_profiles_take_one_session_and_name_why_not_more() {
    let root = tempfile::tempdir().unwrap();
    let one = folder(root.path(), "one", &[("a.txt", "alpha\n")]);
    for (profile, refusal) in ONE_SESSION {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        ok(&["append", disc, &one]);
        assert_eq!(files(&["ls", "--json", disc]), ["/one/a.txt"], "{profile}");
        let info = json(&ok(&["info", "--json", disc]));
        assert_eq!(info["DiscStatus"], "finalized", "{profile}");
        assert!(info["Msinfo"].is_null(), "{profile}: {info}");
        assert_eq!(info["MsinfoError"]["Name"], refusal, "{profile}: {info}");
        assert_eq!(failure(&["append", disc, &one]), refusal, "{profile}");
    }
    for (profile, refusal) in NOT_WRITABLE_BY_THE_DRIVE {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        assert_eq!(failure(&["append", disc, &one]), refusal, "{profile}");
        assert_eq!(failure(&["ls", disc]), "IMAPI_E_EMPTY_DISC", "{profile}");
    }
}

#[test]
fn an_append_replaces_a_file_of_the_same_name_and_the_older_session_keeps_the_old_one() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    let dir = folder(
        root.path(),
        "one",
        &[("a.txt", "old\n"), ("keep.txt", "kept\n")],
    );
    ok(&["new-disc", "--profile", "cd-r", disc]);
    ok(&["append", disc, &dir]);
    folder(root.path(), "one", &[("a.txt", "new\n")]);
    std::fs::remove_file(root.path().join("one/keep.txt")).unwrap();
    let loose = root.path().join("loose.bin");
    std::fs::write(&loose, b"single file").unwrap();
    ok(&["append", disc, &dir, loose.to_str().unwrap()]);

    let newest = root.path().join("newest");
    ok(&["extract", disc, newest.to_str().unwrap()]);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(&newest.join("one/a.txt")), "new\n");
    assert_eq!(
        read(&newest.join("one/keep.txt")),
        "kept\n",
        "imported files stay"
    );
    assert_eq!(read(&newest.join("loose.bin")), "single file");
    let first = root.path().join("first");
    ok(&["extract", "--session", "1", disc, first.to_str().unwrap()]);
    assert_eq!(read(&first.join("one/a.txt")), "old\n");
    assert!(!first.join("loose.bin").exists());
}

#[test]
fn a_blank_disc_has_no_msinfo_and_nothing_to_list() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    let info = json(&blank(&["info", "--json", disc]));
    assert!(info["Msinfo"].is_null(), "{info}");
    assert_eq!(info["MsinfoError"]["Name"], "IMAPI_E_IMPORT_SEEK_FAILURE");
    assert_eq!(info["MsinfoError"]["HResult"], "0xC0AAB156");
    assert!(blank(&["info", disc]).starts_with("disc:"));
    assert_eq!(failure(&["ls", disc]), "IMAPI_E_EMPTY_DISC");
    let missing = root.path().join("missing");
    assert_eq!(
        failure(&["append", disc, missing.to_str().unwrap()]),
        "IMAPI_E_FILE_NOT_FOUND"
    );
    assert!(
        json(&blank(&["info", "--json", disc]))["DiscStatus"] == "blank",
        "a refused append writes nothing"
    );
}

#[test]
fn older_sessions_stay_listable_and_close_finalizes() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    ok(&["append", disc, &folder(root.path(), "one", &[("a", "1")])]);
    ok(&["append", disc, &folder(root.path(), "two", &[("b", "2")])]);
    let first = ok(&["ls", "--session", "1", disc]);
    assert!(
        first.contains("/one/a") && !first.contains("/two/b"),
        "{first}"
    );
    let line = ok(&["info", disc]).lines().next().unwrap().to_string();
    let second = json(&ok(&["ls", "--json", "--session", "2", disc]))["session_start"].clone();
    let (start, next) = line.split_once(',').unwrap();
    assert_eq!(
        start,
        second.to_string(),
        "msinfo starts at session 2: {line}"
    );
    assert!(
        next.parse::<u32>().unwrap() > start.parse::<u32>().unwrap() + 6900,
        "{line}"
    );

    ok(&["close", disc]);
    let info = json(&ok(&["info", "--json", disc]));
    assert_eq!(info["DiscStatus"], "finalized");
    assert_eq!(
        failure(&["append", disc, &folder(root.path(), "three", &[("c", "3")])]),
        "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE"
    );
}

#[test]
fn errors_name_the_hresult_and_exit_non_zero() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nothing.img");
    failure(&["info", missing.to_str().unwrap()]);
    let disc = root.path().join("r.img");
    ok(&["new-disc", "--profile", "dvd+r", disc.to_str().unwrap()]);
    assert_eq!(
        failure(&["erase", disc.to_str().unwrap()]),
        "E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED"
    );
    assert_eq!(
        failure(&["new-disc", "--profile", "floppy", disc.to_str().unwrap()]),
        "E_INVALIDARG"
    );
}

#[test]
fn an_image_from_another_tool_is_wrapped_with_its_sessions_detected() {
    let root = tempfile::tempdir().unwrap();
    let made = root.path().join("made.img");
    let made = made.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", made]);
    ok(&["append", made, &folder(root.path(), "one", &[("a", "1")])]);
    ok(&["append", made, &folder(root.path(), "two", &[("b", "2")])]);
    let wrapped = root.path().join("wrapped.img");
    let wrapped = wrapped.to_str().unwrap();
    ok(&["new-disc", "--from", made, wrapped]);
    let info = json(&ok(&["info", "--json", wrapped]));
    assert_eq!(info["SessionCount"], 2, "{info}");
    assert!(ok(&["ls", wrapped]).contains("/two/b"));
}

#[test]
fn an_append_after_a_session_without_a_file_system_keeps_the_older_files_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let made = root.path().join("made.img");
    let made = made.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", made]);
    ok(&["append", made, &folder(root.path(), "one", &[("a", "1")])]);
    let line = ok(&["info", made]).lines().next().unwrap().to_string();
    let next: u64 = line.split_once(',').unwrap().1.parse().unwrap();
    // Another program's aborted write: a closed session of 300 zero blocks.
    let raw = root.path().join("raw.img");
    std::fs::copy(made, &raw).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&raw).unwrap();
    file.set_len((next + 300) * 2048).unwrap();
    let disc = root.path().join("disc.img");
    let disc = disc.to_str().unwrap();
    let sessions = format!("0,{next}");
    ok(&[
        "new-disc",
        "--profile",
        "cd-r",
        "--from",
        raw.to_str().unwrap(),
        "--sessions",
        &sessions,
        disc,
    ]);
    let said = run(&["ls", disc]);
    let why = String::from_utf8_lossy(&said.stderr);
    assert!(
        !said.status.success()
            && why.contains("IMAPI_E_NO_SUPPORTED_FILE_SYSTEM")
            && why.contains("--session 1"),
        "{why}"
    );

    let out = run(&["append", disc, &folder(root.path(), "two", &[("b", "2")])]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("imported session 1 at LBA 0")
            && said.contains(&format!("at LBA {next}, holds no file system")),
        "{said}"
    );
    assert_eq!(files(&["ls", "--json", disc]), ["/one/a", "/two/b"]);
}

#[test]
fn the_demo_burns_two_sessions_lists_them_and_prints_msinfo() {
    let root = tempfile::tempdir().unwrap();
    let out = ok(&["demo", "--dir", root.path().to_str().unwrap()]);
    for step in [
        "new-disc",
        "append",
        "ls --session 1",
        "ls --session 2",
        "info",
    ] {
        assert!(out.contains(&format!("$ multisession {step}")), "{out}");
    }
    let msinfo = out
        .lines()
        .find_map(|l| {
            l.split_once(',')
                .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        })
        .expect("an msinfo line");
    assert!(0 < msinfo.0 && msinfo.0 < msinfo.1, "{out}");

    // The disc it left behind holds what it printed.
    let disc = root.path().join("demo-cd-r.img");
    let disc = disc.to_str().unwrap();
    assert_eq!(
        files(&["ls", "--json", "--session", "1", disc]),
        ["/photos/beach.txt", "/photos/notes.txt"]
    );
    assert_eq!(
        files(&["ls", "--json", "--session", "2", disc]),
        [
            "/documents/report.txt",
            "/documents/todo.txt",
            "/photos/beach.txt",
            "/photos/notes.txt"
        ]
    );
    let info = json(&ok(&["info", "--json", disc]));
    assert_eq!(info["Msinfo"], format!("{},{}", msinfo.0, msinfo.1));
    assert_eq!(info["SessionCount"], 2);
}

// ---------------------------------------------------------------------
// Never lose what is already written; messages that name the cause
// (issue 8: items 1, 2, 6, 8, 11, 12).
// ---------------------------------------------------------------------

use std::os::unix::process::CommandExt;

/// A one-session image from another tool's point of view: the image file
/// of an emulated CD-R after one append, without its sidecar.
fn plain_image(root: &Path, name: &str) -> std::path::PathBuf {
    let made = root.join(format!("{name}-made.img"));
    let made_s = made.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", made_s]);
    ok(&[
        "append",
        made_s,
        &folder(root, &format!("{name}-files"), &[("a.txt", "alpha\n")]),
    ]);
    let image = root.join(name);
    std::fs::copy(&made, &image).unwrap();
    image
}

/// stderr of a run that must fail with exit status 1 (not a signal).
fn failure_text(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn new_disc_from_the_same_file_wraps_it_in_place_through_any_path() {
    let root = tempfile::tempdir().unwrap();
    let direct = plain_image(root.path(), "direct.iso");
    let target = plain_image(root.path(), "target.iso");
    let symlink = root.path().join("symlink.iso");
    std::os::unix::fs::symlink(&target, &symlink).unwrap();
    let linked = plain_image(root.path(), "linked.iso");
    let hard = root.path().join("hard.iso");
    std::fs::hard_link(&linked, &hard).unwrap();
    for (source, disc) in [(&direct, &direct), (&target, &symlink), (&linked, &hard)] {
        let before = std::fs::read(source).unwrap();
        let out = ok(&[
            "new-disc",
            "--from",
            source.to_str().unwrap(),
            disc.to_str().unwrap(),
        ]);
        assert!(out.contains("in place"), "{out}");
        assert_eq!(std::fs::read(source).unwrap(), before, "{}", disc.display());
        let listed = files(&["ls", "--json", disc.to_str().unwrap()]);
        assert!(listed.iter().any(|f| f.ends_with("/a.txt")), "{listed:?}");
    }
}

#[test]
fn new_disc_over_an_existing_disc_refuses_and_leaves_image_and_sidecar_byte_identical() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("recorded.img");
    let disc_s = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc_s]);
    ok(&["append", disc_s, &folder(root.path(), "one", &[("a", "1")])]);
    let sidecar = root.path().join("recorded.img.json");
    let before = (
        std::fs::read(&disc).unwrap(),
        std::fs::read(&sidecar).unwrap(),
    );
    let other = plain_image(root.path(), "other.iso");
    for args in [
        vec!["new-disc", "--profile", "cd-r", disc_s],
        vec!["new-disc", "--profile", "dvd+r", disc_s],
        vec!["new-disc", "--from", other.to_str().unwrap(), disc_s],
    ] {
        assert_eq!(failure(&args), "E_WIN32_FILE_EXISTS", "{args:?}");
        assert_eq!(
            (
                std::fs::read(&disc).unwrap(),
                std::fs::read(&sidecar).unwrap()
            ),
            before,
            "{args:?}"
        );
    }
    // A sidecar alone is a disc too.
    let orphan = root.path().join("orphan.img");
    std::fs::write(root.path().join("orphan.img.json"), b"{}").unwrap();
    assert_eq!(
        failure(&["new-disc", orphan.to_str().unwrap()]),
        "E_WIN32_FILE_EXISTS"
    );
    assert!(!orphan.exists());
    // Asked to, it replaces.
    ok(&[
        "new-disc",
        "--force",
        "--from",
        other.to_str().unwrap(),
        disc_s,
    ]);
    assert_eq!(
        std::fs::read(&disc).unwrap(),
        std::fs::read(&other).unwrap()
    );
    ok(&["new-disc", "--force", "--profile", "cd-r", disc_s]);
    assert_eq!(std::fs::metadata(&disc).unwrap().len(), 0);
}

#[test]
fn hostile_volume_space_sizes_are_a_clear_error_not_a_panic() {
    let root = tempfile::tempdir().unwrap();
    let image = plain_image(root.path(), "good.iso");
    let good = std::fs::read(&image).unwrap();
    let blocks = (good.len() / 2048) as u32;
    for size in [
        0xFFFF_FFF0u32,
        0xFFFF_FFEF,
        u32::MAX,
        0x8000_0000,
        blocks + 1,
    ] {
        let mut data = good.clone();
        let at = 16 * 2048 + 80;
        data[at..at + 4].copy_from_slice(&size.to_le_bytes());
        let hostile = root.path().join(format!("hostile-{size:x}.iso"));
        std::fs::write(&hostile, &data).unwrap();
        let disc = root.path().join(format!("hostile-{size:x}.img"));
        let err = failure_text(&[
            "new-disc",
            "--from",
            hostile.to_str().unwrap(),
            disc.to_str().unwrap(),
        ]);
        assert!(
            err.contains("IMAGEMANAGER_NO_VALID_VD_FOUND") && err.contains(&size.to_string()),
            "{size:#x}: {err}"
        );
        assert!(!disc.exists(), "a failed copy leaves nothing behind");
        assert!(!root
            .path()
            .join(format!("hostile-{size:x}.img.json"))
            .exists());
        assert_eq!(
            std::fs::read_dir(root.path())
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains(".part-")
                })
                .count(),
            0
        );
    }
}

/// The `ls --json` of every session of `disc`, to show a failed append
/// changed none of them.
fn all_sessions(disc: &str) -> Vec<String> {
    let count = json(&ok(&["info", "--json", disc]))["SessionCount"]
        .as_u64()
        .unwrap();
    (1..=count)
        .map(|n| ok(&["ls", "--json", "--session", &n.to_string(), disc]))
        .collect()
}

/// A disc with one session and a folder too big for what is left.
fn disc_and_big_folder(root: &Path, dir: &Path) -> (String, String) {
    let disc = dir.join("disc.img").to_str().unwrap().to_string();
    ok(&["new-disc", "--profile", "cd-r", &disc]);
    ok(&["append", &disc, &folder(root, "small", &[("a", "first\n")])]);
    let big = root.join("big");
    std::fs::create_dir_all(&big).unwrap();
    let body: Vec<u8> = (0..4u32 << 20).map(|i| (i * 7 + i / 4096) as u8).collect();
    std::fs::write(big.join("big.bin"), body).unwrap();
    (disc, big.to_str().unwrap().to_string())
}

#[test]
fn append_past_the_file_size_limit_names_the_cause_and_keeps_the_disc() {
    let root = tempfile::tempdir().unwrap();
    let (disc, big) = disc_and_big_folder(root.path(), root.path());
    let before = all_sessions(&disc);
    let limit = std::fs::metadata(&disc).unwrap().len() + (256 << 10);
    let mut command = Command::new(env!("CARGO_BIN_EXE_multisession"));
    command.args(["append", &disc, &big]);
    // SAFETY: only async-signal-safe setrlimit between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let rl = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "killed by SIGXFSZ? {out:?}");
    assert!(
        err.contains("E_WIN32_FILE_TOO_LARGE (0x800700DF)") && err.contains("disc.img"),
        "{err}"
    );
    assert!(err.to_lowercase().contains("file too large"), "{err}");
    assert_eq!(all_sessions(&disc), before);
    // Without the limit the same append goes on top of the intact disc.
    ok(&["append", &disc, &big]);
    let listed = files(&["ls", "--json", &disc]);
    assert_eq!(listed, ["/big/big.bin", "/small/a"], "{listed:?}");
}

/// A small tmpfs, unmounted when dropped; `None` where mounting is not
/// allowed.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .ok()?;
        status.status.success().then(|| Tmpfs(at.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn append_onto_a_full_file_system_names_the_cause_and_keeps_the_disc() {
    let root = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&root.path().join("small-fs"), "2m") else {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    let (disc, big) = disc_and_big_folder(root.path(), &fs.0);
    let before = all_sessions(&disc);
    let err = failure_text(&["append", &disc, &big]);
    assert!(
        err.contains("E_WIN32_DISK_FULL (0x80070070)") && err.contains("disc.img"),
        "{err}"
    );
    assert!(err.contains("No space left"), "{err}");
    assert_eq!(all_sessions(&disc), before);
    drop(fs);
}

#[test]
fn a_fifo_or_socket_given_as_a_disc_is_named_as_such() {
    let root = tempfile::tempdir().unwrap();
    let fifo = root.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let socket = root.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for (path, kind) in [(&fifo, "a FIFO"), (&socket, "a socket")] {
        let err = failure_text(&["info", path.to_str().unwrap()]);
        assert!(
            err.contains(&format!("is {kind}, not a disc image or drive")),
            "{err}"
        );
        assert!(!err.contains("sidecar"), "{err}");
    }
}

#[test]
fn a_deep_path_is_shortened_to_its_tail_in_messages() {
    let deep: String = (0..10_000).map(|i| format!("/d{i}")).collect::<String>() + "/last.img";
    let err = failure_text(&["info", &deep]);
    assert!(err.len() < 400, "{} bytes: {}", err.len(), &err[..400]);
    assert!(
        err.contains("…/") && err.contains("/d9999/last.img"),
        "{err}"
    );
}

#[test]
fn a_second_writer_is_told_the_disc_is_in_use_not_to_recover() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("busy.img");
    let disc_s = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "bd-r", disc_s]);
    ok(&["append", disc_s, &folder(root.path(), "one", &[("a", "1")])]);
    let first_writer = multisession::scsi::emulator::lock_disc(&disc).unwrap();
    let err = failure_text(&["append", disc_s, &folder(root.path(), "two", &[("b", "2")])]);
    assert!(err.contains("in use by another writer"), "{err}");
    assert!(!err.contains("recover"), "{err}");
    drop(first_writer);
    ok(&[
        "append",
        disc_s,
        &folder(root.path(), "three", &[("c", "3")]),
    ]);
}

#[test]
fn a_dvd_plus_r_is_finalized_by_default_and_the_next_append_says_so_in_words() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("dvd+r.img");
    let disc_s = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "dvd+r", disc_s]);
    let out = run(&["append", disc_s, &folder(root.path(), "one", &[("a", "1")])]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("finalized"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--keep-appendable"));
    let err = failure_text(&["append", disc_s, &folder(root.path(), "two", &[("b", "2")])]);
    assert!(err.contains("finalized (closed)"), "{err}");
    assert!(err.contains("--keep-appendable"), "{err}");

    let kept = root.path().join("kept.img");
    let kept_s = kept.to_str().unwrap();
    ok(&["new-disc", "--profile", "dvd+r", kept_s]);
    ok(&[
        "append",
        "--keep-appendable",
        kept_s,
        &folder(root.path(), "three", &[("c", "3")]),
    ]);
    ok(&[
        "append",
        "--keep-appendable",
        kept_s,
        &folder(root.path(), "four", &[("d", "4")]),
    ]);
    assert_eq!(json(&ok(&["info", "--json", kept_s]))["SessionCount"], 2);
}

/// `isoinfo -d` on the session of the disc's image file that starts at
/// `start`: its "Volume id:" line.
fn isoinfo_volume_id(disc: &str, start: u64) -> String {
    let out = Command::new("isoinfo")
        .args(["-d", "-i", disc, "-T", &start.to_string()])
        .output()
        .expect("isoinfo runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("Volume id:"))
        .unwrap_or_else(|| panic!("isoinfo -T {start} names no volume: {text}"))
        .trim()
        .to_string()
}

#[test]
fn every_cd_session_append_writes_holds_300_blocks_and_isoinfo_names_its_volume() {
    let root = tempfile::tempdir().unwrap();
    for profile in ["cd-r", "cd-rw"] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        let mut starts = Vec::new();
        for n in 0..3 {
            let volume = format!("S{n}");
            let out = ok(&[
                "append",
                "--volume",
                &volume,
                disc,
                &folder(root.path(), &format!("{profile}-{n}"), &[("a", "x")]),
            ]);
            assert!(
                out.starts_with("wrote 300 blocks at LBA "),
                "{profile} session {n}: {out}"
            );
            let info = json(&ok(&["info", "--json", disc]));
            let start: u64 = info["Msinfo"]
                .as_str()
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            starts.push((start, volume));
        }
        for (start, volume) in starts {
            assert_eq!(
                isoinfo_volume_id(disc, start),
                volume,
                "{profile} at {start}"
            );
        }
    }
}

#[test]
fn blank_overwritable_discs_have_no_msinfo_and_free_blocks_follow_the_next_session() {
    let root = tempfile::tempdir().unwrap();
    for (profile, blank_free) in [("bd-re", 11826176u64), ("dvd+rw", 2295104)] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        let out = run(&["info", disc]);
        assert_eq!(out.status.code(), Some(3), "{profile}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("no msinfo: IMAPI_E_IMPORT_SEEK_FAILURE (0xC0AAB156): "),
            "{profile}: {out:?}"
        );
        let info = json(&blank(&["info", "--json", disc]));
        assert!(info["Msinfo"].is_null(), "{profile}: {info}");
        assert_eq!(info["FreeSectorsOnMedia"], blank_free, "{profile}");
        assert_eq!(info["TotalSectorsOnMedia"], blank_free, "{profile}");

        ok(&["append", disc, &folder(root.path(), profile, &[("a", "x")])]);
        let info = json(&ok(&["info", "--json", disc]));
        let msinfo = info["Msinfo"].as_str().unwrap().to_string();
        let next: u64 = msinfo.strip_prefix("0,").unwrap().parse().unwrap();
        assert!(next > 0, "{profile}: {msinfo}");
        assert_eq!(info["NextWritableAddress"], next, "{profile}: {info}");
        assert_eq!(
            info["FreeSectorsOnMedia"].as_u64().unwrap(),
            info["TotalSectorsOnMedia"].as_u64().unwrap() - next,
            "{profile}: {info}"
        );
    }
}

#[test]
fn sessions_and_diff_describe_a_three_session_disc() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let disc = r.join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    // The folder's own time stays the same: only its files change.
    let same_time = |dir: &str| {
        let status = Command::new("touch")
            .args(["-d", "2020-01-01 00:00", dir])
            .status()
            .unwrap();
        assert!(status.success());
    };
    let d = folder(r, "d", &[("a.txt", "alpha"), ("b.txt", "beta")]);
    same_time(&d);
    ok(&["append", "--volume", "FIRST", disc, &d]);
    folder(r, "d", &[("c.txt", "gamma!")]);
    std::fs::write(r.join("d/a.txt"), "alpha, longer").unwrap();
    same_time(&d);
    ok(&["update", "--volume", "SECOND", disc, &d]);
    ok(&[
        "append", "--volume", "THIRD", "--fs", "iso9660", disc, "--rm", "/d/b.txt",
    ]);

    let listed = json(&ok(&["sessions", "--json", disc]))["Sessions"].clone();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{listed}");
    for (i, (row, volume)) in rows.iter().zip(["FIRST", "SECOND", "THIRD"]).enumerate() {
        let n = i + 1;
        let start = json(&ok(&["ls", "--json", "--session", &n.to_string(), disc]))
            ["session_start"]
            .clone();
        assert_eq!(row["Number"], n, "{row}");
        assert_eq!(row["StartAddress"], start, "{row}");
        assert_eq!(row["VolumeName"], volume, "{row}");
        assert_eq!(row["SectorCount"], 300, "{row}");
        assert!(row["Date"].as_i64().unwrap() > 1_600_000_000, "{row}");
    }
    assert_eq!(rows[0]["FileSystems"], "ISO 9660 + Joliet + UDF");
    assert_eq!(
        rows[2]["FileSystems"], "ISO 9660",
        "--fs iso9660 wrote no Joliet"
    );
    let text = ok(&["sessions", disc]);
    assert_eq!(text.lines().count(), 4, "{text}");
    // The date in words is the one date(1) gives for the JSON's seconds.
    let date = Command::new("date")
        .args(["-u", "-d", &format!("@{}", rows[1]["Date"])])
        .arg("+%Y-%m-%d %H:%M:%S UTC")
        .output()
        .unwrap();
    let date = String::from_utf8(date.stdout).unwrap();
    assert!(
        text.lines().nth(2).unwrap().contains(date.trim()),
        "{date}{text}"
    );
    assert!(
        text.lines().nth(2).unwrap().contains("SECOND") && text.contains("300 (0.6 MB)"),
        "{text}"
    );

    assert_eq!(
        ok(&["diff", disc, "1", "2"]),
        "changed    /d/a.txt (13 bytes)\nadded      /d/c.txt (6 bytes)\n"
    );
    let changes = json(&ok(&["diff", "--json", disc, "1", "3"]))["Changes"].clone();
    let summary: Vec<(String, String, u64)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["Change"].as_str().unwrap().to_string(),
                c["Path"].as_str().unwrap().to_string(),
                c["Size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("changed".into(), "/d/a.txt".into(), 13),
            ("removed".into(), "/d/b.txt".into(), 4),
            ("added".into(), "/d/c.txt".into(), 6),
        ]
    );
    assert_eq!(failure(&["diff", disc, "1", "4"]), "E_INVALIDARG");
}

#[test]
fn fs_takes_iso9660_and_joliet_lists_and_refuses_unknown_names() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    let one = folder(root.path(), "one", &[("a", "1")]);
    ok(&["append", "--fs", "iso9660,joliet", disc, &one]);
    assert_eq!(
        json(&ok(&["sessions", "--json", disc]))["Sessions"][0]["FileSystems"],
        "ISO 9660 + Joliet"
    );
    assert_eq!(
        failure(&["append", "--fs", "hfs", disc, &one]),
        "E_INVALIDARG"
    );
}

/// What the peers read of the session at `start` of the image `disc`:
/// `udfinfo --startblock` its UDF revision (`None` without UDF), isoinfo
/// whether it has Joliet, xorriso (Rock Ridge off, Joliet on) the names
/// of its files.
fn peers_read(disc: &str, start: u64) -> (Option<String>, bool, Vec<String>) {
    let udfinfo = Command::new("udfinfo")
        .arg(format!("--startblock={start}"))
        .arg(disc)
        .output()
        .expect("udfinfo runs");
    let udf = String::from_utf8_lossy(&udfinfo.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("udfrev=").map(str::to_string))
        .filter(|_| udfinfo.status.success());
    let isoinfo = Command::new("isoinfo")
        .args(["-d", "-i", disc, "-T", &start.to_string()])
        .output()
        .expect("isoinfo runs");
    assert!(isoinfo.status.success());
    let joliet = String::from_utf8_lossy(&isoinfo.stdout).contains("Joliet with UCS level");
    let xorriso = Command::new("xorriso")
        .args([
            "-abort_on",
            "FAILURE",
            "-read_fs",
            "norock",
            "-joliet",
            "on",
        ])
        .args(["-load", "sbsector", &start.to_string(), "-indev", disc])
        .args(["-find", "/", "-type", "f"])
        .output()
        .expect("xorriso runs");
    assert!(xorriso.status.success());
    let names = String::from_utf8_lossy(&xorriso.stdout)
        .lines()
        .map(|l| l.trim_matches('\'').to_string())
        .collect();
    (udf, joliet, names)
}

/// Without --fs every multisession medium gets ISO 9660 + Joliet + UDF;
/// `--fs` writes what it names. `sessions` and `info` name each session's
/// file systems and UDF revision as udfinfo, isoinfo and xorriso read
/// them; `--fs udf` writes a UDF-only session udfinfo reads.
#[test]
fn fs_and_the_media_default_write_the_file_systems_sessions_info_and_the_peers_name() {
    let root = tempfile::tempdir().unwrap();
    let one = folder(root.path(), "one", &[("a.txt", "1")]);
    let two = folder(root.path(), "two", &[("b.txt", "2")]);
    let three = folder(root.path(), "three", &[("c.txt", "3")]);
    for profile in ["cd-r", "dvd+r", "bd-r", "dvd+rw", "bd-re"] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        ok(&["append", "--keep-appendable", disc, &one]);
        let mut expected = vec![("ISO 9660 + Joliet + UDF", vec!["/one/a.txt"])];
        if !profile.ends_with("rw") && !profile.ends_with("re") {
            let all = ["--keep-appendable", "--fs", "iso9660,joliet,udf"];
            ok(&[&["append"][..], &all, &[disc, &two]].concat());
            ok(&[
                "append",
                "--keep-appendable",
                "--fs",
                "iso9660",
                disc,
                &three,
            ]);
            expected.push(("ISO 9660 + Joliet + UDF", vec!["/one/a.txt", "/two/b.txt"]));
            expected.push(("ISO 9660", vec!["/ONE/A.TXT", "/THREE/C.TXT", "/TWO/B.TXT"]));
        }
        let sessions = json(&ok(&["sessions", "--json", disc]))["Sessions"].clone();
        let sessions = sessions.as_array().unwrap();
        assert_eq!(sessions.len(), expected.len(), "{profile}: {sessions:?}");
        let text = ok(&["sessions", disc]);
        for (row, (file_systems, names)) in sessions.iter().zip(&expected) {
            assert_eq!(row["FileSystems"], *file_systems, "{profile}: {row}");
            let start = row["StartAddress"].as_u64().unwrap();
            let (udf, joliet, found) = peers_read(disc, start);
            assert_eq!(
                row["UDFRevision"].as_str(),
                udf.as_deref(),
                "{profile}: {row}"
            );
            assert_eq!(udf.is_some(), file_systems.contains("UDF"), "{profile}");
            assert_eq!(joliet, file_systems.contains("Joliet"), "{profile}");
            assert_eq!(found, *names, "{profile}: session at {start}");
            let words = match &udf {
                Some(revision) => format!("{file_systems} {revision}"),
                None => file_systems.to_string(),
            };
            assert!(
                text.lines()
                    .any(|l| l.contains(&format!(" {start} ")) && l.ends_with(&words)),
                "{profile}: {words}\n{text}"
            );
        }
        let newest = sessions.last().unwrap();
        let info = json(&ok(&["info", "--json", disc]));
        assert_eq!(info["FileSystems"], newest["FileSystems"], "{profile}");
        assert_eq!(info["UDFRevision"], newest["UDFRevision"], "{profile}");
        let words = ok(&["info", disc]);
        let line = words
            .lines()
            .find(|l| l.starts_with("file systems:"))
            .unwrap_or_else(|| panic!("{words}"));
        assert!(
            line.contains(newest["FileSystems"].as_str().unwrap()),
            "{line}"
        );
    }
    let disc = root.path().join("udf-only.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "dvd+r", disc]);
    ok(&["append", "--keep-appendable", "--fs", "udf", disc, &one]);
    let row = json(&ok(&["sessions", "--json", disc]))["Sessions"][0].clone();
    assert_eq!(row["FileSystems"], "UDF", "{row}");
    let udfinfo = Command::new("udfinfo")
        .args(["--startblock=0", disc])
        .output()
        .expect("udfinfo runs");
    assert!(udfinfo.status.success());
    let text = String::from_utf8_lossy(&udfinfo.stdout);
    let revision = text.lines().find_map(|l| l.strip_prefix("udfrev="));
    assert_eq!(revision, row["UDFRevision"].as_str(), "{text}");
    assert!(text.lines().any(|l| l == "numfiles=1"), "{text}");
    let listing = ok(&["ls", disc]);
    assert!(listing.contains("a.txt"), "{listing}");
}

/// Every key of a JSON value, recursively.
fn keys(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// Whether a JSON value has the type a key wants.
type Fits = dyn Fn(&serde_json::Value) -> bool;

#[test]
fn info_json_has_one_naming_scheme_and_a_fixed_schema() {
    use serde_json::Value;
    let root = tempfile::tempdir().unwrap();
    let number = |v: &Value| v.is_i64() || v.is_u64();
    let string = |v: &Value| v.is_string();
    let boolean = |v: &Value| v.is_boolean();
    let optional_string = |v: &Value| v.is_null() || v.is_string();
    let schema: [(&str, &Fits); 24] = [
        ("Msinfo", &|v| v.is_null() || v.is_string()),
        ("MsinfoError", &|v| {
            v.is_null()
                || (v["HResult"].as_str().is_some_and(|h| h.starts_with("0x"))
                    && v["Name"].is_string()
                    && v["Message"].is_string())
        }),
        ("Device", &string),
        ("Profile", &string),
        ("CurrentPhysicalMediaType", &number),
        ("CurrentMediaStatus", &number),
        ("CurrentMediaStatusNames", &|v| {
            v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
        }),
        ("WriteProtectStatus", &number),
        ("MediaPhysicallyBlank", &boolean),
        ("DiscStatus", &|v| {
            ["blank", "appendable", "finalized", "overwritable"].contains(&v.as_str().unwrap_or(""))
        }),
        ("LastSessionState", &string),
        ("FormatState", &string),
        ("Interrupted", &boolean),
        ("SessionCount", &number),
        ("TrackCount", &number),
        ("StartAddressOfPreviousSession", &number),
        ("LastWrittenAddressOfPreviousSession", &number),
        ("NextWritableAddress", &number),
        ("FreeSectorsOnMedia", &number),
        ("TotalSectorsOnMedia", &number),
        ("WriteUnitSize", &number),
        ("FileSystems", &optional_string),
        ("UDFRevision", &optional_string),
        ("MultisessionInterfaces", &|v| {
            v.as_array().is_some_and(|a| {
                a.iter().all(|o| {
                    o["Kind"].is_string()
                        && o["IsSupportedOnCurrentMediaState"].is_boolean()
                        && o["WriteUnitSize"].is_number()
                })
            })
        }),
    ];
    for profile in ["cd-r", "dvd+rw", "bd-r"] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        let blank_info = json(&blank(&["info", "--json", disc]));
        ok(&[
            "append",
            "--keep-appendable",
            disc,
            &folder(root.path(), profile, &[("a", "1")]),
        ]);
        for info in [blank_info, json(&ok(&["info", "--json", disc]))] {
            let object = info.as_object().unwrap();
            let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut expected: Vec<&str> = schema.iter().map(|(k, _)| *k).collect();
            expected.sort_unstable();
            assert_eq!(names, expected, "{profile}: {info}");
            for (key, fits) in &schema {
                assert!(fits(&info[key]), "{profile}: {key} = {}", info[key]);
            }
            let mut all = Vec::new();
            keys(&info, &mut all);
            for key in all {
                assert!(
                    key.starts_with(|c: char| c.is_ascii_uppercase())
                        && key.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{profile}: {key} is not in IMAPI2's PascalCase"
                );
            }
        }
    }
}

#[test]
fn a_failure_with_json_prints_a_json_error_object_on_stdout() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("missing.img");
    for command in ["info", "sessions", "ls", "check"] {
        let out = run(&[command, "--json", missing.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let error = json(&String::from_utf8(out.stdout).unwrap());
        let name = error["Error"]["Name"].as_str().unwrap().to_string();
        assert!(error["Error"]["HResult"]
            .as_str()
            .unwrap()
            .starts_with("0x"));
        assert!(error["Error"]["Message"]
            .as_str()
            .unwrap()
            .contains("missing.img"));
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with(&format!("multisession: {name} (0x")),
            "{command}"
        );
    }
}

#[test]
fn info_speaks_in_words_with_sizes_in_mb_and_exit_codes_follow_cdrecord_msinfo() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    let text = blank(&["info", disc]);
    assert!(
        text.starts_with("disc:              cd-r blank, not write-protected\n"),
        "{text}"
    );
    assert!(
        text.contains("free:              359847 blocks (737.0 MB)"),
        "{text}"
    );
    let msinfo = run(&["msinfo", disc]);
    assert_eq!(msinfo.status.code(), Some(3));
    assert!(msinfo.stdout.is_empty(), "no msinfo line on a blank disc");

    ok(&["append", disc, &folder(root.path(), "one", &[("a", "1")])]);
    let text = ok(&["info", disc]);
    let line = text.lines().next().unwrap();
    assert_eq!(ok(&["msinfo", disc]).trim_end(), line);
    assert!(
        text.contains("cd-r appendable, not write-protected"),
        "{text}"
    );
    for raw in [
        "Appendable",
        "NotApplicable",
        "Empty",
        "media_state",
        "0x4000",
    ] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    ok(&["close", disc]);
    let text = ok(&["info", disc]);
    assert!(text.contains("cd-r finalized"), "{text}");
    assert_eq!(
        failure(&["msinfo", disc]),
        "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE"
    );

    let rw = root.path().join("rw.img");
    let rw = rw.to_str().unwrap();
    ok(&["new-disc", "--profile", "dvd+rw", rw]);
    ok(&["append", rw, &folder(root.path(), "two", &[("b", "2")])]);
    assert!(ok(&["info", rw]).contains("dvd+rw overwritable, formatted"));

    // Usage errors are status 2.
    assert_eq!(run(&["info"]).status.code(), Some(2));
    assert_eq!(
        run(&["append", "--no-such-option", disc]).status.code(),
        Some(2)
    );
}

/// Sets `faults` in the sidecar of `disc`.
fn inject(disc: &str, faults: serde_json::Value) {
    let sidecar = format!("{disc}.json");
    let mut v = json(&std::fs::read_to_string(&sidecar).unwrap());
    v["faults"] = faults;
    std::fs::write(&sidecar, v.to_string()).unwrap();
}

#[test]
fn info_after_an_interrupted_write_says_to_run_recover_and_recover_says_what_it_did() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    ok(&["append", disc, &folder(root.path(), "one", &[("a", "1")])]);
    inject(disc, serde_json::json!({ "power_loss_after_blocks": 100 }));
    let big = folder(root.path(), "big", &[("big.bin", &"x".repeat(2_000_000))]);
    assert!(!run(&["append", disc, &big]).status.success());
    inject(disc, serde_json::json!({}));
    let text = ok(&["info", disc]);
    assert!(
        text.contains("interrupted:") && text.contains(&format!("multisession recover {disc}")),
        "{text}"
    );
    let info = json(&ok(&["info", "--json", disc]));
    assert_eq!(info["Interrupted"], true);
    // The file systems are those of the session the next append continues,
    // not of the open one.
    assert_eq!(info["FileSystems"], "ISO 9660 + Joliet + UDF", "{info}");
    let said = ok(&["recover", disc]);
    assert!(said.starts_with("closed the interrupted session"), "{said}");
    assert!(!said.contains('{'), "no Rust struct: {said}");
    assert!(!ok(&["info", disc]).contains("interrupted:"));
    assert_eq!(
        ok(&["recover", disc]).trim_end(),
        "nothing to recover: no interrupted write was left behind"
    );
}

/// Runs the binary with its stdout a pipe whose reader is already gone.
fn with_closed_stdout(args: &[&str]) -> std::process::Output {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is an open descriptor we own.
    let writer = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) };
    Command::new(env!("CARGO_BIN_EXE_multisession"))
        .args(args)
        .stdout(std::process::Stdio::from(writer))
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_stdout_pipe_ends_the_command_quietly() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    ok(&["append", disc, &folder(root.path(), "one", &[("a", "1")])]);
    for args in [
        vec!["info", disc],
        vec!["info", "--json", disc],
        vec!["ls", disc],
        vec!["sessions", disc],
        vec!["man"],
    ] {
        let out = with_closed_stdout(&args);
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(141), "{args:?}");
    }
    // The shell's way: `| head -n1` keeps the first line and no complaint.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"{}\" man | head -n1",
            env!("CARGO_BIN_EXE_multisession")
        ))
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn progress_fits_80_columns_names_its_stages_and_is_off_when_stderr_is_not_a_terminal() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    let big = folder(root.path(), "big", &[("big.bin", &"y".repeat(3_000_000))]);
    let out = run(&["append", "--progress", "always", "--verify", disc, &big]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let frames: Vec<&str> = err.split(['\r', '\n']).filter(|l| !l.is_empty()).collect();
    for frame in &frames {
        assert!(
            frame.chars().count() < 80,
            "{} columns: {frame:?}",
            frame.len()
        );
        assert!(
            !frame.contains("left") || frame.contains("MB/s"),
            "time left without a rate: {frame:?}"
        );
    }
    for stage in ["importing", "building", "writing", "closing", "verifying"] {
        assert!(
            frames.iter().any(|f| f.starts_with(stage)),
            "no {stage} in {frames:?}"
        );
    }
    // Auto: stderr is a pipe here, so no progress at all.
    let quiet = run(&["append", disc, &folder(root.path(), "two", &[("b", "2")])]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains('\r'));
    let never = run(&[
        "append",
        "--progress",
        "never",
        disc,
        &folder(root.path(), "three", &[("c", "3")]),
    ]);
    assert!(!String::from_utf8_lossy(&never.stderr).contains('\r'));
}

#[test]
fn the_man_page_and_completions_are_generated_and_name_every_subcommand() {
    let man = ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.starts_with(".TH"),
        "{}",
        &man[..80.min(man.len())]
    );
    assert!(man.contains(".TH multisession"), "not roff");
    // Every command `--help` lists, so a new one cannot miss its section.
    let help = ok(&["--help"]);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|&name| name != "help")
        .collect();
    for expected in ["append", "update", "drives", "eject", "check"] {
        assert!(commands.contains(&expected), "{commands:?}");
    }
    for sub in commands {
        assert!(
            man.contains(&format!("multisession\\-{}(1)", sub.replace('-', "\\-"))),
            "{sub} not in the SUBCOMMANDS list"
        );
        assert!(
            man.contains(&format!(".SH \"MULTISESSION {}\"", sub.to_uppercase())),
            "no section for {sub}"
        );
    }
    assert!(
        man.contains("Exit status"),
        "exit codes documented in the man page"
    );
    // The page renders without a warning where groff is installed (man
    // pages are read through it).
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(man.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let text = ok(&["completions", shell]);
        assert!(
            text.contains("append") && text.contains("update"),
            "{shell}"
        );
    }
}

#[test]
fn help_documents_exit_codes_and_every_profile() {
    let help = ok(&["--help"]);
    assert!(
        help.contains("Exit status:") && help.contains("3  info/msinfo"),
        "{help}"
    );
    let help = ok(&["new-disc", "--help"]);
    for profile in Profile::ALL {
        assert!(
            help.contains(profile.name()),
            "{} missing: {help}",
            profile.name()
        );
    }
    assert!(!help.contains('…'), "{help}");
}

#[test]
fn single_udf_metadata_makes_a_shorter_bd_session_with_the_same_files() {
    let root = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..200).map(|i| format!("f{i:03}.txt")).collect();
    let files_in: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "text\n")).collect();
    let src = folder(root.path(), "src", &files_in);
    let next_writable = |name: &str, flags: &[&str]| {
        let disc = root.path().join(name);
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", "bd-r", disc]);
        ok(&[&["append"], flags, &[disc, &src]].concat());
        let listed = files(&["ls", "--json", disc]);
        assert_eq!(listed.len(), names.len(), "{flags:?}");
        let info = json(&ok(&["info", "--json", disc]));
        let msinfo = info["Msinfo"].as_str().unwrap().to_string();
        msinfo.split_once(',').unwrap().1.parse::<u32>().unwrap()
    };
    let twice = next_writable("twice.disc", &[]);
    let once = next_writable("once.disc", &["--single-udf-metadata"]);
    // 200 file entries and a directory's less, rounded to BD's 32 blocks.
    assert!(
        once + 160 <= twice,
        "next writable {once} once, {twice} twice"
    );
}
