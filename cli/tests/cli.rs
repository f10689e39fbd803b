//! The `multisession` binary end to end on emulated discs.

mod support;

use std::path::Path;

use multisession::media::WriteModel;
use multisession::Profile;
use support::{failure, folder, json, ok};

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
        ok(&["append", disc, &one]);
        ok(&["append", "--verify", disc, &two]);

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
        assert_eq!(info["media"]["profile"], profile);
        assert!(info["msinfo_error"].is_null(), "{profile}: {info}");
        let msinfo = info["msinfo"].as_str().unwrap();
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
            !info["multisession"].as_array().unwrap().is_empty(),
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
        assert_eq!(info["media"]["disc_status"], "Finalized", "{profile}");
        assert!(info["msinfo"].is_null(), "{profile}: {info}");
        assert!(
            info["msinfo_error"].as_str().unwrap().starts_with(refusal),
            "{profile}: {info}"
        );
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
    let info = json(&ok(&["info", "--json", disc]));
    assert!(info["msinfo"].is_null(), "{info}");
    assert!(
        info["msinfo_error"]
            .as_str()
            .unwrap()
            .starts_with("IMAPI_E_IMPORT_SEEK_FAILURE (0xC0AAB156): "),
        "{info}"
    );
    assert!(ok(&["info", disc]).starts_with("no msinfo: IMAPI_E_IMPORT_SEEK_FAILURE"));
    assert_eq!(failure(&["ls", disc]), "IMAPI_E_EMPTY_DISC");
    let missing = root.path().join("missing");
    assert_eq!(
        failure(&["append", disc, missing.to_str().unwrap()]),
        "IMAPI_E_FILE_NOT_FOUND"
    );
    assert!(
        json(&ok(&["info", "--json", disc]))["media"]["disc_status"] == "Blank",
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
    assert_eq!(info["media"]["disc_status"], "Finalized");
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
    assert_eq!(info["media"]["sessions"], 2, "{info}");
    assert!(ok(&["ls", wrapped]).contains("/two/b"));
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
    assert_eq!(info["msinfo"], format!("{},{}", msinfo.0, msinfo.1));
    assert_eq!(info["media"]["sessions"], 2);
}
