//! The `multisession` binary end to end on emulated discs.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_multisession"))
        .args(args)
        .output()
        .expect("run multisession")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn folder(root: &Path, name: &str, files: &[(&str, &str)]) -> String {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir.to_str().unwrap().to_string()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn append_ls_extract_and_info_on_every_writable_profile() {
    let root = tempfile::tempdir().unwrap();
    let one = folder(root.path(), "one", &[("a.txt", "alpha\n")]);
    let two = folder(
        root.path(),
        "two",
        &[("b.txt", "beta\n"), ("c.txt", "gamma\n")],
    );
    for profile in [
        "cd-r",
        "cd-rw",
        "dvd-r",
        "dvd-rw",
        "dvd+r",
        "bd-r",
        "dvd+rw",
        "bd-re",
        "dvd-rw-ro",
    ] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        ok(&["append", disc, &one]);
        ok(&["append", "--verify", disc, &two]);

        let listing = json(&ok(&["ls", "--json", disc]));
        let paths: Vec<&str> = listing["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "file")
            .map(|e| e["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            ["/one/a.txt", "/two/b.txt", "/two/c.txt"],
            "{profile}"
        );

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
        let msinfo = info["msinfo"].as_str().unwrap();
        let (start, next) = msinfo.split_once(',').unwrap();
        assert!(
            start.parse::<u32>().unwrap() < next.parse::<u32>().unwrap(),
            "{profile}: {msinfo}"
        );
        assert!(
            !info["multisession"].as_array().unwrap().is_empty(),
            "{profile}"
        );
    }
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
    let out = run(&["append", disc, &folder(root.path(), "three", &[("c", "3")])]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE (0xC0AAB15C)"),
        "{err}"
    );
}

#[test]
fn errors_name_the_hresult_and_exit_non_zero() {
    let root = tempfile::tempdir().unwrap();
    let missing = root.path().join("nothing.img");
    let out = run(&["info", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("multisession: "), "{err}");
    assert!(err.contains("(0x"), "{err}");
    let disc = root.path().join("r.img");
    ok(&["new-disc", "--profile", "dvd+r", disc.to_str().unwrap()]);
    let out = run(&["erase", disc.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED"));
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
fn the_demo_burns_two_sessions_and_prints_msinfo() {
    let root = tempfile::tempdir().unwrap();
    let out = ok(&["demo", "--dir", root.path().to_str().unwrap()]);
    assert!(out.contains("ls --session 2"), "{out}");
    assert!(
        out.contains("/documents/report.txt") && out.contains("/photos/beach.txt"),
        "{out}"
    );
    let msinfo = out
        .lines()
        .find_map(|l| {
            l.split_once(',')
                .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        })
        .expect("an msinfo line");
    assert!(0 < msinfo.0 && msinfo.0 < msinfo.1, "{out}");
}
