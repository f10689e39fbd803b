//! `check`: unreadable blocks and the files they hit, and the libisofs
//! session checksums `--md5` writes, as xorriso verifies them.

mod support;

use std::process::Command;

use support::{folder, json, ok, run};

/// `xorriso -indev DISC -load sbsector START ARGS`: success and output.
fn xorriso(disc: &str, start: u64, args: &[&str]) -> (bool, String) {
    let out = Command::new("xorriso")
        .args([
            "-md5",
            "on",
            "-abort_on",
            "FAILURE",
            "-indev",
            disc,
            "-load",
            "sbsector",
        ])
        .arg(start.to_string())
        .args(args)
        .output()
        .expect("xorriso runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn starts(disc: &str) -> Vec<u64> {
    json(&ok(&["sessions", "--json", disc]))["Sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["StartAddress"].as_u64().unwrap())
        .collect()
}

#[test]
fn sessions_written_with_md5_pass_xorriso_check_md5_and_check() {
    let root = tempfile::tempdir().unwrap();
    for profile in ["cd-r", "dvd+rw"] {
        let disc = root.path().join(format!("{profile}.img"));
        let disc = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, disc]);
        let body = "checksummed data\n".repeat(3000);
        let one = folder(root.path(), &format!("{profile}-1"), &[("a.txt", &body)]);
        ok(&["append", "--md5", disc, &one]);
        let two = folder(root.path(), &format!("{profile}-2"), &[("b.txt", "second")]);
        ok(&["update", "--md5", disc, &two]);
        let newest = *starts(disc).last().unwrap_or(&0);
        let (passed, text) = xorriso(disc, newest, &["-check_md5", "FAILURE", "--"]);
        assert!(
            passed && text.contains("session data match recorded md5"),
            "{profile}: {text}"
        );
        let file = format!("/{profile}-2/b.txt");
        let (passed, text) = xorriso(disc, newest, &["-check_md5", "FAILURE", &file, "--"]);
        assert!(passed && text.contains("md5 match"), "{profile}: {text}");
        let report = ok(&["check", disc]);
        assert!(
            report.contains("session checksum matches"),
            "{profile}: {report}"
        );
        assert!(!report.contains("DOES NOT MATCH"), "{profile}: {report}");
    }
    // Without --md5 nothing is recorded and check says so.
    let plain = root.path().join("plain.img");
    let plain = plain.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", plain]);
    ok(&["append", plain, &folder(root.path(), "p", &[("p", "p")])]);
    assert!(ok(&["check", plain]).contains("no session checksum"));
}

#[test]
fn check_reports_an_unreadable_block_with_the_file_it_hits() {
    let root = tempfile::tempdir().unwrap();
    let disc = root.path().join("cd.img");
    let disc = disc.to_str().unwrap();
    ok(&["new-disc", "--profile", "cd-r", disc]);
    ok(&[
        "append",
        disc,
        &folder(root.path(), "one", &[("a.txt", "first")]),
    ]);
    let body = "z".repeat(40_000);
    ok(&[
        "append",
        disc,
        &folder(root.path(), "two", &[("victim.bin", &body)]),
    ]);
    let newest = *starts(disc).last().unwrap();
    let (_, text) = xorriso(
        disc,
        newest,
        &["-find", "/two/victim.bin", "-exec", "report_lba", "--"],
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("File data lba:"))
        .unwrap_or_else(|| panic!("{text}"));
    let lba: u64 = line.split(',').nth(1).unwrap().trim().parse().unwrap();
    let bad = lba + 3;
    let sidecar = format!("{disc}.json");
    let mut v = json(&std::fs::read_to_string(&sidecar).unwrap());
    v["faults"] = serde_json::json!({ "fail_read_lba": bad });
    std::fs::write(&sidecar, v.to_string()).unwrap();

    let out = run(&["check", disc]);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        report.contains(&format!("unreadable LBA {bad}: in /two/victim.bin")),
        "{report}"
    );
    assert!(report.contains("session 1 at LBA 0, 300 blocks (0.6 MB): all blocks readable"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IMAPI_E_IMPORT_READ_FAILURE"));
    // Session 1 alone reads fine; JSON names the block and the file.
    ok(&["check", "--session", "1", disc]);
    let out = run(&["check", "--json", "--session", "2", disc]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(v["Sessions"][0]["UnreadableBlocks"][0]["Address"], bad);
    assert_eq!(
        v["Sessions"][0]["UnreadableBlocks"][0]["Files"][0],
        "/two/victim.bin"
    );
    assert_eq!(v["Error"]["Name"], "IMAPI_E_IMPORT_READ_FAILURE");
}
