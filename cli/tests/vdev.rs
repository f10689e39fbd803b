//! Unmodified burning programs (xorriso, cdrskin) and our own SG_IO path
//! on emulated discs, through the virtual /dev/sr7 of `multisession drive
//! run` (the preload library of the `vdev` crate).
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use support::tools::{self, Scratch};
use support::{failure, folder, json, ok};

const BIN: &str = env!("CARGO_BIN_EXE_multisession");

/// Builds the preload library where `drive run` looks for it (beside the
/// binary, same target dir and profile) when it is missing or older than
/// its sources or the emulator's: `cargo test -p multisession-cli` alone
/// does not build a crate the CLI does not depend on. Skipping a fresh
/// build matters: cargo rebuilds the shared `multisession` cdylib whenever
/// the feature set of the last build differs.
fn preload_library() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = Path::new(BIN).parent().unwrap();
        let lib = dir.join("libmultisession_vdev.so");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let built = std::fs::metadata(&lib).and_then(|m| m.modified()).ok();
        let sources = newest(&workspace.join("vdev")).max(newest(&workspace.join("src")));
        if built.is_some_and(|b| b >= sources) {
            return;
        }
        let profile = match dir.file_name().unwrap().to_str().unwrap() {
            "debug" => "dev",
            other => other,
        };
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "multisession-vdev",
                "--profile",
                profile,
            ])
            .arg("--target-dir")
            .arg(dir.parent().unwrap())
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "building the preload library failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(lib.is_file());
    });
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut latest = std::time::SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        let t = if meta.is_dir() {
            newest(&entry.path())
        } else {
            meta.modified().unwrap()
        };
        latest = latest.max(t);
    }
    latest
}

/// A blank emulated disc `d.img` of `profile` in `dir`.
fn blank_disc(dir: &Path, profile: &str) -> PathBuf {
    let disc = dir.join("d.img");
    ok(&["new-disc", "--profile", profile, disc.to_str().unwrap()]);
    disc
}

/// What a test of the virtual device starts from: a folder of its own
/// and an emulated disc `d.img` in it. `None` skips the test when the
/// burning programs are missing (see `workspace`). Bind `root`
/// (as `_root` when unused): the folder goes when it is dropped.
struct Bench {
    root: Scratch,
    disc: PathBuf,
}

impl Bench {
    /// A blank disc of `profile`.
    fn blank(profile: &str) -> Option<Bench> {
        let root = workspace()?;
        let disc = blank_disc(root.path(), profile);
        Some(Bench { root, disc })
    }

    /// A disc of `profile` holding one session, kept appendable, with
    /// `/one/a.txt` ("first").
    fn one_session(profile: &str) -> Option<Bench> {
        let bench = Bench::blank(profile)?;
        let one = folder(bench.root.path(), "one", &[("a.txt", "first")]);
        ok(&[
            "append",
            "--keep-appendable",
            bench.disc.to_str().unwrap(),
            &one,
        ]);
        Some(bench)
    }
}

/// A test's own scratch folder, when the burning programs xorriso and
/// cdrskin are there (and then with the preload library built).
fn workspace() -> Option<Scratch> {
    let root = tools::scratch_with("vdev", &["xorriso", "cdrskin"])?;
    preload_library();
    Some(root)
}

/// PROGRAM run by `multisession drive run DISC --`, killed if it hangs.
fn on_drive(disc: &Path, program: &[&str]) -> Output {
    Command::new(BIN)
        .args(["drive", "run"])
        .arg(disc)
        .args(["--", "timeout", "120"])
        .args(program)
        .output()
        .expect("run multisession drive run")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The number after `label` on the line that has it.
fn number_after(output: &str, label: &str) -> Option<u64> {
    let line = output.lines().find(|l| l.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())?
        .parse()
        .ok()
}

fn line_after(output: &str, label: &str) -> String {
    output
        .lines()
        .find_map(|l| l.split_once(label).map(|(_, r)| r.trim().to_string()))
        .unwrap_or_default()
}

/// `multisession info --json` without the `device` line, which names the
/// transport (`/dev/sr7` or the image) and so differs by design.
fn info_json(dev: &str, through: Option<&Path>) -> serde_json::Value {
    let out = match through {
        Some(disc) => {
            let out = Command::new(BIN)
                .args(["drive", "run"])
                .arg(disc)
                .args(["--", BIN, "info", "--json", dev])
                .output()
                .unwrap();
            // 3: a blank disc, which has no msinfo.
            assert!(matches!(out.status.code(), Some(0 | 3)), "{}", text(&out));
            String::from_utf8(out.stdout).unwrap()
        }
        None => {
            let out = support::run(&["info", "--json", dev]);
            assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let mut v = json(&out);
    v.as_object_mut().unwrap().remove("Device");
    v
}

/// The discs of the read matrix: blank and two-session write-once media, a
/// finalized DVD+R, overwritable media holding one session and a blank
/// BD-RE.
fn read_matrix_discs(root: &Path) -> Vec<PathBuf> {
    let one = folder(root, "one", &[("a.txt", "first")]);
    let two = folder(root, "two", &[("b.txt", "second")]);
    let mut discs = Vec::new();
    for profile in ["cd-r", "dvd+r", "dvd-r", "bd-r"] {
        let blank = root.join(format!("blank-{profile}.img"));
        ok(&["new-disc", "--profile", profile, blank.to_str().unwrap()]);
        discs.push(blank);
        let written = root.join(format!("two-{profile}.img"));
        let w = written.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, w]);
        ok(&["append", "--keep-appendable", w, &one]);
        ok(&["append", "--keep-appendable", w, &two]);
        discs.push(written);
    }
    for profile in ["dvd+rw", "bd-re"] {
        let data = root.join(format!("data-{profile}.img"));
        let d = data.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, d]);
        ok(&["append", d, &one]);
        discs.push(data);
    }
    let closed = root.join("closed-dvd+r.img");
    let c = closed.to_str().unwrap();
    ok(&["new-disc", "--profile", "dvd+r", c]);
    ok(&["append", c, &one]);
    discs.push(closed);
    let blank = root.join("blank-bd-re.img");
    ok(&["new-disc", "--profile", "bd-re", blank.to_str().unwrap()]);
    discs.push(blank);
    discs
}

#[test]
fn xorriso_and_cdrskin_report_the_msinfo_free_blocks_and_status_info_reports() {
    let Some(root) = workspace() else {
        return;
    };
    let mut table = vec![format!(
        "{:<18} {:<14} {:>9} {:<12} | {:<28} {:>9} {:>9} {:>7} | {:<14} {:<14} | {:<22} {:>9}",
        "disc",
        "msinfo",
        "free",
        "status",
        "xorriso -toc status",
        "writable",
        "overall",
        "nwa",
        "-as cdrecord",
        "cdrskin",
        "cdrskin -minfo",
        "remaining"
    )];
    let mut failures = Vec::new();
    for disc in read_matrix_discs(root.path()) {
        let name = disc.file_name().unwrap().to_str().unwrap().to_string();
        let info = info_json(disc.to_str().unwrap(), None);
        let msinfo = info["Msinfo"].as_str().map(str::to_string);
        let free = info["FreeSectorsOnMedia"].as_u64().unwrap();
        let status = info["DiscStatus"].as_str().unwrap().to_string();
        let overwritable = status == "overwritable";

        let toc = on_drive(&disc, &["xorriso", "-outdev", "/dev/sr7", "-toc"]);
        let toc_text = text(&toc);
        let toc_status = line_after(&toc_text, "Media status :");
        let writable = number_after(&toc_text, "readable ,");
        let overall = number_after(&toc_text, "writable ,");
        let nwa = number_after(&toc_text, "Media nwa    :");
        let as_cdrecord = on_drive(
            &disc,
            &["xorriso", "-as", "cdrecord", "dev=/dev/sr7", "-msinfo"],
        );
        let cdrskin = on_drive(&disc, &["cdrskin", "dev=/dev/sr7", "-msinfo"]);
        let minfo = on_drive(&disc, &["cdrskin", "dev=/dev/sr7", "-minfo"]);
        let minfo_text = text(&minfo);
        let minfo_status = line_after(&minfo_text, "disk status:");
        let remaining = number_after(&minfo_text, "Remaining writable size:");
        let shown = |o: &Output| {
            if o.status.success() {
                String::from_utf8_lossy(&o.stdout).trim().to_string()
            } else {
                format!("exit {}", o.status.code().unwrap_or(-1))
            }
        };
        table.push(format!(
            "{:<18} {:<14} {:>9} {:<12} | {:<28} {:>9} {:>9} {:>7} | {:<14} {:<14} | {:<22} {:>9}",
            name,
            msinfo.as_deref().unwrap_or("-"),
            free,
            status,
            toc_status,
            writable.map_or("-".into(), |v| v.to_string()),
            overall.map_or("-".into(), |v| v.to_string()),
            nwa.map_or("-".into(), |v| v.to_string()),
            shown(&as_cdrecord),
            shown(&cdrskin),
            minfo_status,
            remaining.map_or("-".into(), |v| v.to_string()),
        ));

        let mut check = |what: &str, good: bool| {
            if !good {
                failures.push(format!("{name}: {what}"));
            }
        };
        check("xorriso -toc exits 0", toc.status.success());
        check("cdrskin -minfo exits 0", minfo.status.success());
        // The through-the-device SG_IO path of our own library.
        check(
            "info /dev/sr7 equals info DISC",
            info_json("/dev/sr7", Some(&disc)) == info,
        );
        match (status.as_str(), &msinfo) {
            ("blank", None) => {
                check("xorriso says blank", toc_status == "is blank");
                check("cdrskin says empty", minfo_status == "empty");
                check("xorriso free blocks", writable == Some(free));
                check("cdrskin free blocks", remaining == Some(free));
                // No session to continue: both refuse -msinfo, as
                // `multisession info` gives no msinfo.
                check(
                    "-as cdrecord -msinfo refuses",
                    !as_cdrecord.status.success(),
                );
                check("cdrskin -msinfo refuses", !cdrskin.status.success());
            }
            ("appendable", Some(m)) => {
                check(
                    "xorriso says appendable",
                    toc_status.ends_with("is appendable"),
                );
                check(
                    "cdrskin says appendable",
                    minfo_status == "incomplete/appendable",
                );
                check("xorriso free blocks", writable == Some(free));
                check("cdrskin free blocks", remaining == Some(free));
                let next: u64 = m.split(',').nth(1).unwrap().parse().unwrap();
                check("xorriso nwa", nwa == Some(next));
                check(
                    "-as cdrecord -msinfo",
                    as_cdrecord.status.success()
                        && String::from_utf8_lossy(&as_cdrecord.stdout).trim() == m,
                );
                check(
                    "cdrskin -msinfo",
                    cdrskin.status.success()
                        && String::from_utf8_lossy(&cdrskin.stdout).trim() == m,
                );
            }
            ("finalized", None) => {
                check("xorriso says closed", toc_status.ends_with("is closed"));
                check("cdrskin says complete", minfo_status == "complete");
                check("xorriso free blocks", writable == Some(free));
                // Nothing may follow a finalized disc: both refuse -msinfo,
                // as `multisession info` gives no msinfo.
                check(
                    "-as cdrecord -msinfo refuses",
                    !as_cdrecord.status.success(),
                );
                check("cdrskin -msinfo refuses", !cdrskin.status.success());
            }
            ("overwritable", None) => {
                // Nothing written yet, so no msinfo. An unformatted BD-RE
                // counts its unformatted size in xorriso; the default
                // format that xorriso and our writer both apply first
                // leaves our number, so only a formatted medium compares.
                check("xorriso says blank", toc_status == "is blank");
                check("cdrskin says empty", minfo_status == "empty");
                let total = info["TotalSectorsOnMedia"].as_u64().unwrap();
                let unformatted = info["FormatState"] == "unformatted";
                check("xorriso free blocks", unformatted || writable == Some(free));
                check("total at least ours", overall >= Some(total));
            }
            ("overwritable", Some(m)) => {
                // Overwritable media have no sessions. xorriso's ISO
                // growing sees the session (appendable); its next
                // writable address and free blocks are ours (both align
                // the next session to 32 blocks), and `overall` is the
                // formatted size. cdrecord emulation (xorriso -as
                // cdrecord, cdrskin) treats such a medium as blank and
                // refuses -msinfo: not compared.
                check(
                    "xorriso says appendable",
                    toc_status.ends_with("is appendable"),
                );
                let next: u64 = m.split(',').nth(1).unwrap().parse().unwrap();
                check("xorriso nwa", nwa == Some(next));
                check("xorriso free blocks", writable == Some(free));
                let total = info["TotalSectorsOnMedia"].as_u64().unwrap();
                check("xorriso overall is the medium", overall == Some(total));
                assert!(overwritable);
            }
            other => check(&format!("unexpected disc state {other:?}"), false),
        }
    }
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}\n{failures:#?}", table.join("\n"));
}

/// The number after the last `label` in `output` (dvd+rw-mediainfo lists
/// one "Free Blocks:" per track; the last is the open one).
fn last_number_after(output: &str, label: &str) -> Option<u64> {
    let rest = &output[output.rfind(label)? + label.len()..];
    rest.split(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())?
        .parse()
        .ok()
}

/// `wodim -msinfo`, `wodim -toc` and `dvd+rw-mediainfo` (DVD and BD only:
/// on a CD it stops with "non-DVD media mounted", as with a real drive)
/// on every disc of the read matrix, against `multisession info --json`.
#[test]
fn wodim_and_dvd_rw_mediainfo_report_the_msinfo_sessions_free_blocks_and_status_info_reports() {
    let Some(root) = workspace() else {
        return;
    };
    let mut table = vec![format!(
        "{:<18} {:<14} {:>9} {:<12} {:>3} | {:<14} {:>6} {:>9} | {:<11} {:>9} {:>9}",
        "disc",
        "msinfo",
        "free",
        "status",
        "ses",
        "wodim -msinfo",
        "tracks",
        "last lba",
        "mediainfo",
        "free",
        "nwa"
    )];
    let mut failures = Vec::new();
    for disc in read_matrix_discs(root.path()) {
        let name = disc.file_name().unwrap().to_str().unwrap().to_string();
        let info = info_json(disc.to_str().unwrap(), None);
        let msinfo = info["Msinfo"].as_str().map(str::to_string);
        let free = info["FreeSectorsOnMedia"].as_u64().unwrap();
        let status = info["DiscStatus"].as_str().unwrap().to_string();
        let sessions = info["SessionCount"].as_u64().unwrap();
        let profile = info["Profile"].as_str().unwrap().to_string();
        let cd = profile.starts_with("cd");

        let wodim = on_drive(&disc, &["wodim", "dev=/dev/sr7", "-msinfo"]);
        let wodim_msinfo = String::from_utf8_lossy(&wodim.stdout).trim().to_string();
        let toc = on_drive(&disc, &["wodim", "dev=/dev/sr7", "-toc"]);
        let toc_text = String::from_utf8_lossy(&toc.stdout).to_string();
        let track_starts: Vec<u64> = toc_text
            .lines()
            .filter(|l| l.starts_with("track:") && !l.starts_with("track:lout"))
            .filter_map(|l| number_after(l, "lba:"))
            .collect();
        let mediainfo = (!cd).then(|| on_drive(&disc, &["dvd+rw-mediainfo", "/dev/sr7"]));
        let mi_text = mediainfo.as_ref().map(text).unwrap_or_default();
        let mi_status = line_after(&mi_text, "Disc status:");
        let mi_free = last_number_after(&mi_text, "Free Blocks:");
        let mi_nwa = last_number_after(&mi_text, "Next Writable Address:");
        let shown = |v: Option<u64>| v.map_or("-".into(), |v| v.to_string());
        table.push(format!(
            "{:<18} {:<14} {:>9} {:<12} {:>3} | {:<14} {:>6} {:>9} | {:<11} {:>9} {:>9}",
            name,
            msinfo.as_deref().unwrap_or("-"),
            free,
            status,
            sessions,
            if wodim_msinfo.is_empty() {
                "-"
            } else {
                &wodim_msinfo
            },
            track_starts.len(),
            shown(track_starts.last().copied()),
            if cd { "-" } else { &mi_status },
            shown(mi_free),
            shown(mi_nwa),
        ));

        let mut check = |what: &str, good: bool| {
            if !good {
                failures.push(format!("{name}: {what}"));
            }
        };
        check("wodim -msinfo exits 0", wodim.status.success());
        check("wodim -toc exits 0", toc.status.success());
        if let Some(m) = &mediainfo {
            check("dvd+rw-mediainfo exits 0", m.status.success());
        }
        let last_start = msinfo
            .as_deref()
            .map(|m| m.split(',').next().unwrap().parse::<u64>().unwrap());
        let next = msinfo
            .as_deref()
            .map(|m| m.split(',').nth(1).unwrap().parse::<u64>().unwrap());
        match status.as_str() {
            "blank" => {
                // No session to continue: wodim prints no msinfo (it says
                // "Cannot read session offset") and no track.
                check("wodim -msinfo empty", wodim_msinfo.is_empty());
                check("wodim -toc has no track", track_starts.is_empty());
                if !cd {
                    check("mediainfo says blank", mi_status == "blank");
                    check("mediainfo free blocks", mi_free == Some(free));
                    check("mediainfo nwa 0", mi_nwa == Some(0));
                }
            }
            "appendable" => {
                let m = msinfo.as_deref().unwrap();
                if cd || profile == "bd-r" {
                    check("wodim -msinfo", wodim_msinfo == m);
                } else {
                    // wodim asks READ TRACK INFORMATION for the track at
                    // LBA 0 (track 1, complete, no next writable address)
                    // on DVD±R, so only the start of the last session is
                    // right: a wodim bug, the trace shows the CDB.
                    check(
                        "wodim -msinfo last session start",
                        wodim_msinfo == format!("{},0", last_start.unwrap()),
                    );
                }
                check(
                    "wodim -toc one track a session",
                    track_starts.len() as u64 == sessions,
                );
                check(
                    "wodim -toc last track",
                    track_starts.last().copied() == last_start,
                );
                if !cd {
                    check("mediainfo says appendable", mi_status == "appendable");
                    check("mediainfo free blocks", mi_free == Some(free));
                    check("mediainfo nwa", mi_nwa == next);
                }
            }
            "finalized" => {
                // wodim does not look at the disc status on DVD: it prints
                // track 1's start and no next address where a real
                // cdrecord refuses; only the TOC is compared.
                check(
                    "wodim -toc one track a session",
                    track_starts.len() as u64 == sessions,
                );
                check("mediainfo says complete", mi_status == "complete");
                check("mediainfo free blocks", mi_free == Some(free));
            }
            "overwritable" => {
                // Overwritable media have no sessions: wodim and
                // dvd+rw-mediainfo see one track over the formatted medium
                // (a complete disc with no free blocks once it holds
                // data; wodim prints "0,0" or "Cannot read first writable
                // address" for its msinfo), so only blank versus written
                // and the track are compared.
                if next.is_none() {
                    check("wodim -toc has no track", track_starts.is_empty());
                    check("mediainfo says blank", mi_status == "blank");
                    check("mediainfo free blocks", mi_free == Some(free));
                } else {
                    check("wodim -toc one track at 0", track_starts == [0]);
                    check("mediainfo says complete", mi_status == "complete");
                }
            }
            other => check(&format!("unexpected disc state {other:?}"), false),
        }
    }
    println!("{}", table.join("\n"));
    assert!(failures.is_empty(), "{}\n{failures:#?}", table.join("\n"));
}

/// wodim and dvd+rw-mediainfo on the same device: both start with MODE
/// SENSE of the capabilities page (2Ah) and must then read the numbers
/// `multisession info` reports.
#[test]
fn wodim_and_dvd_rw_mediainfo_read_what_info_reports() {
    let Some(root) = workspace() else {
        return;
    };
    let one = folder(root.path(), "one", &[("a.txt", "first")]);
    let two = folder(root.path(), "two", &[("b.txt", "second")]);
    for profile in ["cd-r", "dvd+r"] {
        let disc = root.path().join(format!("{profile}.img"));
        let d = disc.to_str().unwrap();
        ok(&["new-disc", "--profile", profile, d]);
        ok(&["append", "--keep-appendable", d, &one]);
        ok(&["append", "--keep-appendable", d, &two]);
        let info = info_json(d, None);
        let wodim = on_drive(&disc, &["wodim", "dev=/dev/sr7", "-msinfo"]);
        assert!(wodim.status.success(), "{}", text(&wodim));
        if profile == "cd-r" {
            // On DVD+R wodim reads track 1 for -msinfo (a wodim bug).
            assert_eq!(
                String::from_utf8_lossy(&wodim.stdout).trim(),
                info["Msinfo"].as_str().unwrap()
            );
        }
        // dvd+rw-mediainfo is for DVD and BD: on a CD it exits with
        // "non-DVD media mounted", as on a real drive.
        if profile != "cd-r" {
            let mediainfo = on_drive(&disc, &["dvd+rw-mediainfo", "/dev/sr7"]);
            assert!(mediainfo.status.success(), "{}", text(&mediainfo));
            let said = text(&mediainfo);
            let next: u64 = info["Msinfo"]
                .as_str()
                .unwrap()
                .split(',')
                .nth(1)
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                said.contains(&format!("Next Writable Address: {next}*2KB")),
                "{said}"
            );
        }
    }
}

/// growisofs writes through the device and hands it to its mkisofs child
/// as /dev/fd/N for -M; it needs START STOP UNIT (1Bh) and MODE SENSE page
/// 2Ah on the way.
#[test]
fn growisofs_writes_and_continues_a_dvd_plus_r() {
    let Some(Bench { root, disc }) = Bench::blank("dvd+r") else {
        return;
    };
    let one = folder(root.path(), "one", &[("a.txt", "first")]);
    let two = folder(root.path(), "two", &[("b.txt", "second")]);
    let d = disc.to_str().unwrap();
    for (mode, dir) in [("-Z", &one), ("-M", &two)] {
        let out = on_drive(&disc, &["growisofs", mode, "/dev/sr7", "-R", "-J", dir]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let info = json(&ok(&["info", "--json", d]));
    assert_eq!(info["SessionCount"], 2, "{info}");
    let listed = ok(&["ls", d]);
    assert!(
        listed.contains("a.txt") && listed.contains("b.txt"),
        "{listed}"
    );
}

/// Files, with contents, that the write test burns: a nested folder and a
/// file larger than a block run.
fn burn_source(root: &Path, name: &str, salt: u8) -> (PathBuf, Vec<(String, Vec<u8>)>) {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8 ^ salt).collect();
    let files = vec![
        (
            format!("/{name}/small.txt"),
            format!("session {salt}\n").into_bytes(),
        ),
        (format!("/{name}/sub/big.bin"), big),
    ];
    for (path, data) in &files {
        let rel = path.strip_prefix(&format!("/{name}/")).unwrap();
        std::fs::write(dir.join(rel), data).unwrap();
    }
    (dir, files)
}

/// One `xorriso -dev /dev/sr7 -map DIR /NAME -commit`, which must run
/// without a SORRY or FAILURE message: every command libburn sends has an
/// answer.
fn xorriso_commit(disc: &Path, write_type: &str, dir: &Path, name: &str) {
    let target = format!("/{name}");
    let out = on_drive(
        disc,
        &[
            "xorriso",
            "-return_with",
            "FAILURE",
            "32",
            "-write_type",
            write_type,
            "-dev",
            "/dev/sr7",
            "-map",
            dir.to_str().unwrap(),
            &target,
            "-commit",
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(
        !all.contains(": SORRY :") && !all.contains(": FAILURE :"),
        "{all}"
    );
}

fn burn_twice_and_read_back(profile: &str, write_type: &str) {
    let Some(Bench { root, disc }) = Bench::blank(profile) else {
        return;
    };
    let (first, mut files) = burn_source(root.path(), "first", 1);
    xorriso_commit(&disc, write_type, &first, "first");
    let (second, more) = burn_source(root.path(), "second", 2);
    xorriso_commit(&disc, write_type, &second, "second");
    files.extend(more);
    two_sessions_read_back_and_take_a_third(root.path(), &disc, &files);
}

/// After a program burned two sessions holding `files`: `ls` lists every
/// one, `extract` gives them byte-identical, the library appends a third
/// session and xorriso reads it back through the device with all files.
fn two_sessions_read_back_and_take_a_third(root: &Path, disc: &Path, files: &[(String, Vec<u8>)]) {
    let info = json(&ok(&["info", "--json", disc.to_str().unwrap()]));
    // Overwritable media have no session table: xorriso grows one ISO
    // image in place, so only write-once discs count two sessions.
    if info["DiscStatus"] == "overwritable" {
        assert_eq!(info["FormatState"], "formatted", "{info}");
    } else {
        assert_eq!(info["SessionCount"], 2, "{info}");
    }
    let listed: Vec<String> = json(&ok(&["ls", "--json", disc.to_str().unwrap()]))["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "file")
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, expected);
    let out = root.join("out");
    ok(&["extract", disc.to_str().unwrap(), out.to_str().unwrap()]);
    for (path, data) in files {
        let got = std::fs::read(out.join(path.trim_start_matches('/'))).unwrap();
        assert!(got == *data, "{path} differs after extract");
    }

    // The library continues what xorriso wrote, and xorriso reads that
    // session back through the device with every file of all three.
    let third = folder(root, "third", &[("c.txt", "third")]);
    ok(&[
        "append",
        "--keep-appendable",
        disc.to_str().unwrap(),
        &third,
    ]);
    let found = on_drive(
        disc,
        &["xorriso", "-indev", "/dev/sr7", "-find", "/", "-type", "f"],
    );
    assert!(found.status.success(), "{}", text(&found));
    let mut seen: Vec<String> = String::from_utf8_lossy(&found.stdout)
        .lines()
        .map(|l| l.trim_matches('\'').to_string())
        .collect();
    seen.sort();
    expected.push("/third/c.txt".to_string());
    expected.sort();
    assert_eq!(seen, expected);
}

#[test]
fn xorriso_burns_two_sessions_to_dvd_plus_r_that_extract_byte_identical_and_take_a_third() {
    burn_twice_and_read_back("dvd+r", "auto");
}

#[test]
fn xorriso_burns_two_sessions_to_bd_r_that_extract_byte_identical_and_take_a_third() {
    burn_twice_and_read_back("bd-r", "auto");
}

#[test]
fn xorriso_burns_two_sessions_to_dvd_plus_rw_that_extract_byte_identical_and_take_a_third() {
    burn_twice_and_read_back("dvd+rw", "auto");
}

/// The BD-RE starts blank and unformatted: xorriso formats it on the
/// first -commit.
#[test]
fn xorriso_formats_a_blank_bd_re_and_burns_two_sessions_that_extract_byte_identical_and_take_a_third(
) {
    burn_twice_and_read_back("bd-re", "auto");
}

/// With xorriso's default settings: on the blank CD-R libburn burns
/// session-at-once (page 05 write type 2, SEND CUE SHEET, WRITE from the
/// pre-gap at LBA −150, SYNCHRONIZE CACHE and no CLOSE), leaving it
/// appendable; on the appendable disc it burns the second session TAO.
#[test]
fn xorriso_burns_a_blank_cd_r_sao_by_default_then_tao_and_both_extract_byte_identical_and_take_a_third(
) {
    let Some(Bench { root, disc }) = Bench::blank("cd-r") else {
        return;
    };
    let trace = root.path().join("trace.txt");
    let (first, mut files) = burn_source(root.path(), "first", 1);
    let out = Command::new(BIN)
        .args(["drive", "run", "--trace"])
        .arg(&trace)
        .arg(&disc)
        .args([
            "--",
            "timeout",
            "120",
            "xorriso",
            "-return_with",
            "FAILURE",
            "32",
        ])
        .args([
            "-dev",
            "/dev/sr7",
            "-map",
            first.to_str().unwrap(),
            "/first",
            "-commit",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(": SORRY :"), "{}", text(&out));
    let trace = std::fs::read_to_string(&trace).unwrap();
    let cue = trace
        .lines()
        .find(|l| l.contains("[5d "))
        .expect("a cue sheet");
    assert!(cue.ends_with("GOOD resid=0"), "{cue}");
    assert!(
        trace.contains("WRITE(10) [2a 00 ff ff ff 6a"),
        "stream from the pre-gap"
    );
    assert!(!trace.contains("CLOSE TRACK"), "SAO needs no CLOSE");
    let sidecar: serde_json::Value =
        json(&std::fs::read_to_string(format!("{}.json", disc.display())).unwrap());
    assert_eq!(
        sidecar["sessions"][0]["tracks"][0]["sao"], true,
        "{sidecar}"
    );
    assert_eq!(sidecar["finalized"], false, "{sidecar}");

    let (second, more) = burn_source(root.path(), "second", 2);
    xorriso_commit(&disc, "auto", &second, "second");
    files.extend(more);
    two_sessions_read_back_and_take_a_third(root.path(), &disc, &files);
}

/// TAO chosen explicitly (`-write_type tao`) on the blank CD-R as well.
#[test]
fn xorriso_burns_two_tao_sessions_to_cd_r_that_extract_byte_identical_and_take_a_third() {
    burn_twice_and_read_back("cd-r", "tao");
}

/// `wodim -sao` and `cdrskin -sao` burn a blank CD-R session-at-once and
/// close it (no -multi), and the image extracts byte-identical. (wodim
/// `-sao -multi` writes CD-ROM XA, whose cue sheet data forms real drives
/// refuse too; wodim then suggests raw mode.)
#[test]
fn wodim_and_cdrskin_sao_burn_a_blank_cd_r_that_extracts_byte_identical() {
    let Some(root) = workspace() else {
        return;
    };
    let (dir, files) = burn_source(root.path(), "only", 3);
    let image = root.path().join("only.iso");
    let graft = format!("/only={}", dir.display());
    let made = Command::new("genisoimage")
        .args(["-quiet", "-R", "-J", "-graft-points", "-o"])
        .arg(&image)
        .arg(graft)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made));
    for burner in ["wodim", "cdrskin"] {
        let disc = root.path().join(format!("{burner}.img"));
        ok(&["new-disc", "--profile", "cd-r", disc.to_str().unwrap()]);
        let out = on_drive(
            &disc,
            &[burner, "-sao", "dev=/dev/sr7", image.to_str().unwrap()],
        );
        assert!(out.status.success(), "{burner}: {}", text(&out));
        let info = json(&ok(&["info", "--json", disc.to_str().unwrap()]));
        assert_eq!(info["DiscStatus"], "finalized", "{burner}: {info}");
        assert_eq!(info["SessionCount"], 1, "{burner}: {info}");
        let out = root.path().join(format!("out-{burner}"));
        ok(&["extract", disc.to_str().unwrap(), out.to_str().unwrap()]);
        for (path, data) in &files {
            let got = std::fs::read(out.join(path.trim_start_matches('/'))).unwrap();
            assert!(got == *data, "{burner}: {path} differs after extract");
        }
    }
}

/// genisoimage makes each session image (the second continuing the first
/// through `-C` from `wodim -msinfo` and `-M /dev/sr7`) and `wodim -multi
/// -tao` burns it, leaving the CD-R appendable for the next.
#[test]
fn wodim_burns_two_multi_tao_sessions_to_cd_r_that_extract_byte_identical_and_take_a_third() {
    let Some(Bench { root, disc }) = Bench::blank("cd-r") else {
        return;
    };
    let mut files = Vec::new();
    for (salt, name) in [(1u8, "first"), (2, "second")] {
        let (dir, more) = burn_source(root.path(), name, salt);
        files.extend(more);
        let image = root.path().join(format!("{name}.iso"));
        let graft = format!("/{name}={}", dir.display());
        let mut mkisofs: Vec<String> = ["genisoimage", "-quiet", "-R", "-J", "-graft-points"]
            .map(String::from)
            .to_vec();
        if salt > 1 {
            let msinfo = on_drive(&disc, &["wodim", "dev=/dev/sr7", "-msinfo"]);
            assert!(msinfo.status.success(), "{}", text(&msinfo));
            let msinfo = String::from_utf8_lossy(&msinfo.stdout).trim().to_string();
            mkisofs.extend(["-C".into(), msinfo, "-M".into(), "/dev/sr7".into()]);
        }
        mkisofs.extend(["-o".into(), image.display().to_string(), graft]);
        let args: Vec<&str> = mkisofs.iter().map(String::as_str).collect();
        let made = on_drive(&disc, &args);
        assert!(made.status.success(), "{}", text(&made));
        let burnt = on_drive(
            &disc,
            &[
                "wodim",
                "-multi",
                "-tao",
                "dev=/dev/sr7",
                image.to_str().unwrap(),
            ],
        );
        assert!(burnt.status.success(), "{}", text(&burnt));
    }
    two_sessions_read_back_and_take_a_third(root.path(), &disc, &files);
}

/// growisofs on DVD+RW: -Z writes at block 0, -M grows the same image in
/// place (mkisofs reads the old one through /dev/fd/N).
#[test]
fn growisofs_burns_and_grows_a_dvd_plus_rw_that_extracts_byte_identical_and_takes_a_third() {
    let Some(Bench { root, disc }) = Bench::blank("dvd+rw") else {
        return;
    };
    let mut files = Vec::new();
    for (salt, name, mode) in [(1u8, "first", "-Z"), (2, "second", "-M")] {
        let (dir, more) = burn_source(root.path(), name, salt);
        files.extend(more);
        let graft = format!("/{name}={}", dir.display());
        let out = on_drive(
            &disc,
            &[
                "growisofs",
                mode,
                "/dev/sr7",
                "-R",
                "-J",
                "-graft-points",
                &graft,
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    two_sessions_read_back_and_take_a_third(root.path(), &disc, &files);
}

/// `cdrskin blank=fast` on a CD-RW holding data leaves it blank, as
/// `multisession info` then reports.
#[test]
fn cdrskin_blank_fast_empties_a_cd_rw_holding_data() {
    let Some(Bench { root: _root, disc }) = Bench::one_session("cd-rw") else {
        return;
    };
    let d = disc.to_str().unwrap();
    assert_ne!(info_json(d, None)["DiscStatus"], "blank");
    let out = on_drive(&disc, &["cdrskin", "blank=fast", "dev=/dev/sr7"]);
    assert!(out.status.success(), "{}", text(&out));
    let info = info_json(d, None);
    assert_eq!(info["DiscStatus"], "blank", "{info}");
    assert_eq!(info["SessionCount"], 0, "{info}");
}

/// The disc's writer lock holds across processes through the device:
/// while one program holds /dev/sr7 (flock(1) here, a flock as the
/// library's own writer lock takes), xorriso's O_EXCL open gets EBUSY as
/// from a real sr drive, the library refuses to write directly or through
/// the device, and the disc keeps exactly what it had.
#[test]
fn a_second_writer_gets_the_drive_busy_while_another_process_holds_the_disc() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let Some(Bench { root, disc }) = Bench::one_session("dvd+r") else {
        return;
    };
    let d = disc.to_str().unwrap();
    let two = folder(root.path(), "two", &[("b.txt", "second")]);
    let before = ok(&["ls", d]);

    let mut holder = Command::new(BIN)
        .args(["drive", "run", d, "--", "timeout", "120"])
        .args(["flock", "-x", "/dev/sr7", "sh", "-c", "echo held; cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "held");

    let xorriso = on_drive(
        &disc,
        &[
            "xorriso", "-dev", "/dev/sr7", "-map", &two, "/two", "-commit",
        ],
    );
    let said = text(&xorriso);
    assert!(!xorriso.status.success(), "{said}");
    assert!(said.contains("Cannot open busy device"), "{said}");
    let direct = failure(&["append", "--keep-appendable", d, &two]);
    assert!(direct.contains("E_IMAPI_RECORDER_LOCKED"), "{direct}");
    let through = on_drive(
        &disc,
        &[BIN, "append", "--keep-appendable", "/dev/sr7", &two],
    );
    assert!(!through.status.success(), "{}", text(&through));
    assert!(
        text(&through).contains("E_IMAPI_RECORDER_LOCKED"),
        "{}",
        text(&through)
    );

    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert_eq!(ok(&["ls", d]), before);
    // The lock went with its holder.
    ok(&["append", "--keep-appendable", d, &two]);
    assert!(ok(&["ls", d]).contains("b.txt"));
}

/// The device as programs see it without SG_IO: an sr block node (major
/// 11, minor from the name), the sg and block ioctls an sr driver answers,
/// ENOTTY for others, read(2) as READ(10), and a handle a child process
/// inherits across exec and still recognises as /dev/fd/N.
#[test]
fn the_virtual_device_is_an_sr_block_node_with_its_ioctls_reads_and_inherited_handles() {
    let Some(Bench { root: _root, disc }) = Bench::one_session("dvd+r") else {
        return;
    };
    let script = r#"
import os, stat, fcntl, struct, subprocess, sys
st = os.stat('/dev/sr7')
print('blk', stat.S_ISBLK(st.st_mode), os.major(st.st_rdev), os.minor(st.st_rdev))
fd = os.open('/dev/sr7', os.O_RDONLY | os.O_NONBLOCK)
print('fstat', stat.S_ISBLK(os.fstat(fd).st_mode))
print('version', struct.unpack('i', fcntl.ioctl(fd, 0x2282, b'\0' * 4))[0])
print('blksize', struct.unpack('i', fcntl.ioctl(fd, 0x1268, b'\0' * 4))[0])
try:
    fcntl.ioctl(fd, 0x5401, b'\0' * 64)
    print('tcgets ok')
except OSError as e:
    print('tcgets errno', e.errno)
os.lseek(fd, 16 * 2048, os.SEEK_SET)
print('pvd', os.read(fd, 6)[1:6].decode())
dup = os.dup(fd)
print('dup blk', stat.S_ISBLK(os.fstat(dup).st_mode))
child = subprocess.run([sys.executable, '-c',
    'import os,stat,sys; print(stat.S_ISBLK(os.stat("/dev/fd/%d" % int(sys.argv[1])).st_mode))',
    str(fd)], pass_fds=[fd], capture_output=True, text=True)
print('child', child.stdout.strip())
os.close(fd)
os.close(dup)
"#;
    let out = on_drive(&disc, &["python3", "-c", script]);
    assert!(out.status.success(), "{}", text(&out));
    let got = String::from_utf8(out.stdout).unwrap();
    // The session starts at block 0: its volume descriptor is at 16.
    let expected = "blk True 11 7\nfstat True\nversion 30536\nblksize 2048\n\
                    tcgets errno 25\npvd CD001\ndup blk True\nchild True\n";
    assert_eq!(got, expected);
}

/// Python (ctypes) for SG_IO on /dev/sr7: `sg(cdb, n, interface, out)`
/// sends `cdb` with `n` bytes in, or the bytes `out` out; it returns the
/// ioctl result, errno, the header, the data and the sense buffer.
const PY_SG: &str = r#"
import ctypes, os
class Hdr(ctypes.Structure):
    _fields_ = [('interface_id', ctypes.c_int), ('dxfer_direction', ctypes.c_int),
        ('cmd_len', ctypes.c_ubyte), ('mx_sb_len', ctypes.c_ubyte), ('iovec_count', ctypes.c_ushort),
        ('dxfer_len', ctypes.c_uint), ('dxferp', ctypes.c_void_p), ('cmdp', ctypes.c_void_p),
        ('sbp', ctypes.c_void_p), ('timeout', ctypes.c_uint), ('flags', ctypes.c_uint),
        ('pack_id', ctypes.c_int), ('usr_ptr', ctypes.c_void_p), ('status', ctypes.c_ubyte),
        ('masked_status', ctypes.c_ubyte), ('msg_status', ctypes.c_ubyte), ('sb_len_wr', ctypes.c_ubyte),
        ('host_status', ctypes.c_ushort), ('driver_status', ctypes.c_ushort), ('resid', ctypes.c_int),
        ('duration', ctypes.c_uint), ('info', ctypes.c_uint)]
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open('/dev/sr7', os.O_RDWR | os.O_NONBLOCK)
def sg(cdb, n, interface=ord('S'), out=b''):
    c = (ctypes.c_ubyte * len(cdb))(*cdb)
    size = len(out) or n
    buf = (ctypes.c_ubyte * max(size, 1))(*out)
    sense = (ctypes.c_ubyte * 32)()
    direction = -2 if out else (-3 if n else -1)
    h = Hdr(interface_id=interface, dxfer_direction=direction, cmd_len=len(cdb),
            mx_sb_len=32, dxfer_len=size, dxferp=ctypes.addressof(buf), cmdp=ctypes.addressof(c),
            sbp=ctypes.addressof(sense), timeout=10000)
    rc = libc.ioctl(fd, ctypes.c_ulong(0x2285), ctypes.byref(h))
    return rc, ctypes.get_errno(), h, bytes(buf), bytes(sense)
"#;

/// A program that exits with the device open (no close, no SYNCHRONIZE
/// CACHE) leaves on the disc what it wrote, as a drive's medium keeps it.
#[test]
fn blocks_written_before_the_program_exits_with_the_device_open_stay_recorded() {
    let Some(Bench { root: _root, disc }) = Bench::blank("dvd+r") else {
        return;
    };
    let d = disc.to_str().unwrap();
    let script = format!(
        "{PY_SG}{}",
        r#"
data = b'\x55' * 16 * 2048
print(sg([0x2a, 0, 0, 0, 0, 0, 0, 0, 16, 0], 0, out=data)[2].status,
      sg([0x2a, 0, 0, 0, 0, 16, 0, 0, 16, 0], 0, out=data)[2].status)
"#
    );
    let out = on_drive(&disc, &["python3", "-c", &script]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "0 0\n");
    let info = json(&ok(&["info", "--json", d]));
    assert_eq!(info["NextWritableAddress"], 32, "{info}");
}

/// SG_IO as a host program drives it: a good command fills the buffer and
/// leaves status 0; an opcode no drive knows comes back as CHECK CONDITION
/// with 5/20/00 in the caller's sense buffer (the host survives); a header
/// that is not sg v3 is refused with EINVAL, as the block layer does.
#[test]
fn sg_io_answers_good_and_failing_cdbs_with_status_and_sense_and_refuses_bad_headers() {
    let Some(Bench { root: _root, disc }) = Bench::blank("bd-r") else {
        return;
    };
    let script = format!(
        "{PY_SG}{}",
        r#"
rc, _, h, buf, _ = sg([0x12, 0, 0, 0, 36, 0], 36)
print('inquiry', rc, h.status, h.resid, buf[8:13].decode())
rc, _, h, _, sense = sg([0xff, 0, 0, 0, 0, 0], 0)
print('unknown', rc, h.status, h.masked_status, h.driver_status, h.sb_len_wr,
      '%x/%02x/%02x' % (sense[2] & 15, sense[12], sense[13]))
rc, err, _, _, _ = sg([0x00, 0, 0, 0, 0, 0], 0, interface=ord('X'))
print('bad header', rc, err)
print('tur', sg([0x00, 0, 0, 0, 0, 0], 0)[2].status)
"#
    );
    let out = on_drive(&disc, &["python3", "-c", &script]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "inquiry 0 0 0 MSEMU\nunknown 0 2 1 8 18 5/20/00\nbad header -1 22\ntur 0\n"
    );
}

/// A child forked while another thread is inside SG_IO still finds its
/// inherited handle: the table lock is never copied into the child held.
#[test]
fn a_child_forked_during_sg_io_in_another_thread_can_use_the_device() {
    let Some(Bench { root: _root, disc }) = Bench::blank("dvd+r") else {
        return;
    };
    let script = r#"
import fcntl, os, stat, threading, time
fd = os.open('/dev/sr7', os.O_RDWR | os.O_NONBLOCK)
stop = False
def hammer():
    while not stop:
        fcntl.ioctl(fd, 0x2282, b'\0' * 4)
        os.fstat(fd)
t = threading.Thread(target=hammer)
t.start()
hung = 0
for _ in range(300):
    pid = os.fork()
    if pid == 0:
        os._exit(0 if stat.S_ISBLK(os.fstat(fd).st_mode) else 3)
    deadline = time.time() + 5
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        if time.time() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            hung += 1
            break
        time.sleep(0.001)
stop = True
t.join()
print('hung', hung)
"#;
    let out = on_drive(&disc, &["python3", "-c", script]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "hung 0\n");
}

#[test]
fn drive_run_trace_logs_each_cdb_with_its_status_and_sense() {
    let Some(Bench { root, disc }) = Bench::blank("dvd+r") else {
        return;
    };
    let trace = root.path().join("trace.log");
    // Reading block 0 of a blank disc: READ(10) fails with 5/21/00.
    let out = Command::new(BIN)
        .args(["drive", "run", "--trace"])
        .arg(&trace)
        .arg(&disc)
        .args(["--", "dd", "if=/dev/sr7", "of=/dev/null", "count=1"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "dd read a blank disc");
    let log = std::fs::read_to_string(&trace).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("READ CAPACITY [25 00") && l.ends_with("GOOD resid=0")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("READ(10) [28 00 00 00 00 00")
                && l.contains("CHECK CONDITION 5/21/00")
                && l.contains("sense 70 00 05")),
        "{log}"
    );
}

#[test]
fn drive_env_prints_the_preload_and_the_mapping_for_a_shell() {
    preload_library();
    let root = tempfile::tempdir().unwrap();
    blank_disc(root.path(), "bd-r");
    let out = Command::new(BIN)
        .current_dir(root.path())
        .args(["drive", "env", "--dev", "/dev/sr3", "d.img"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lib = Path::new(BIN).with_file_name("libmultisession_vdev.so");
    let expected = format!(
        "export LD_PRELOAD='{}'\nexport MULTISESSION_VDEV='/dev/sr3={}'\n",
        lib.display(),
        root.path().canonicalize().unwrap().join("d.img").display()
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[test]
fn drive_run_refuses_a_file_that_is_not_an_emulated_disc() {
    let root = tempfile::tempdir().unwrap();
    let plain = root.path().join("plain.img");
    std::fs::write(&plain, b"data").unwrap();
    let p = plain.to_str().unwrap();
    assert_eq!(failure(&["drive", "run", p, "--", "true"]), "E_INVALIDARG");
    assert_eq!(
        failure(&["drive", "env", "--dev", "sr7", p]),
        "E_INVALIDARG"
    );
}

/// Every CD session `append` writes holds at least 300 blocks (the Orange
/// Book minimum), so a reader of the table of contents finds a volume at
/// each session start: `xorriso -toc` through the device names every
/// session's volume id instead of listing an "Other session".
#[test]
fn xorriso_toc_names_the_volume_of_every_cd_session_append_wrote() {
    let Some(Bench { root, disc }) = Bench::blank("cd-r") else {
        return;
    };
    let d = disc.to_str().unwrap();
    for (n, volume) in ["FIRST_SESSION", "SECOND_SESSION", "THIRD_SESSION"]
        .iter()
        .enumerate()
    {
        let files = folder(root.path(), &format!("s{n}"), &[("f.txt", "x")]);
        ok(&["append", "--volume", volume, d, &files]);
    }
    let toc = on_drive(&disc, &["xorriso", "-outdev", "/dev/sr7", "-toc"]);
    let said = text(&toc);
    assert!(toc.status.success(), "{said}");
    let sessions: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("ISO session") || l.starts_with("Other session"))
        .collect();
    assert_eq!(sessions.len(), 3, "{said}");
    for (line, volume) in sessions
        .iter()
        .zip(["FIRST_SESSION", "SECOND_SESSION", "THIRD_SESSION"])
    {
        assert!(
            line.starts_with("ISO session") && line.contains(volume),
            "{line}\n{said}"
        );
    }
}

/// A burning program killed with SIGKILL in the middle of its WRITE
/// stream leaves a disc whose sidecar still loads: `info` reports the
/// interrupted session, `recover` closes it, the earlier session extracts
/// byte-identical, and the same burn run again succeeds and reads back.
/// The kill is timed by the trace (after 64 WRITEs), not by a sleep.
#[test]
fn a_burn_killed_mid_write_leaves_a_disc_that_recovers_and_takes_the_burn_again() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let Some(Bench { root, disc }) = Bench::one_session("dvd+r") else {
        return;
    };
    let d = disc.to_str().unwrap();
    let big = root.path().join("big");
    std::fs::create_dir(&big).unwrap();
    // 64 MiB: some 1000 WRITEs of 32 blocks, far more than the kill waits for.
    let data: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(big.join("r.bin"), &data).unwrap();

    let trace = root.path().join("trace.txt");
    let mut burn = Command::new(BIN)
        .args(["drive", "run", "--trace"])
        .arg(&trace)
        .arg(&disc)
        .args(["--", "xorriso", "-dev", "/dev/sr7", "-map"])
        .arg(&big)
        .args(["/big", "-commit"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let writes = std::fs::read_to_string(&trace)
            .map(|t| t.matches("WRITE(10)").count())
            .unwrap_or(0);
        if writes >= 64 {
            break;
        }
        assert!(
            burn.try_wait().unwrap().is_none(),
            "xorriso ended after {writes} WRITEs, before the kill"
        );
        assert!(Instant::now() < deadline, "no WRITE stream");
        std::thread::sleep(Duration::from_millis(2));
    }
    burn.kill().unwrap();
    let status = burn.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed mid-burn, not finished");

    let info = json(&ok(&["info", "--json", d]));
    assert_eq!(info["LastSessionState"], "incomplete", "{info}");
    let out = root.path().join("after-kill");
    ok(&["extract", d, out.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(out.join("one/a.txt")).unwrap(),
        "first"
    );
    ok(&["recover", d]);
    let info = json(&ok(&["info", "--json", d]));
    assert_ne!(info["LastSessionState"], "incomplete", "{info}");

    xorriso_commit(&disc, "auto", &big, "big");
    let out = root.path().join("after-retry");
    ok(&["extract", d, out.to_str().unwrap()]);
    assert!(std::fs::read(out.join("big/r.bin")).unwrap() == data);
    assert_eq!(
        std::fs::read_to_string(out.join("one/a.txt")).unwrap(),
        "first"
    );
    let found = on_drive(
        &disc,
        &["xorriso", "-indev", "/dev/sr7", "-find", "/", "-type", "f"],
    );
    assert!(found.status.success(), "{}", text(&found));
    let seen = String::from_utf8_lossy(&found.stdout);
    assert!(
        seen.contains("'/big/r.bin'") && seen.contains("'/one/a.txt'"),
        "{seen}"
    );
}

/// `drives` lists the virtual drive `drive run` maps, found by the
/// library's enumeration, with the identity and medium xorriso reads
/// through the same device; its JSON uses IDiscRecorder2's names.
#[test]
fn drives_lists_the_virtual_drive_with_the_identity_and_medium_xorriso_reads() {
    let Some(Bench { root: _root, disc }) = Bench::one_session("dvd+r") else {
        return;
    };
    let listed = on_drive(&disc, &[BIN, "drives", "--json"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let listed = json(&String::from_utf8_lossy(&listed.stdout));
    let ours: Vec<&serde_json::Value> = listed["Drives"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["Path"] == "/dev/sr7")
        .collect();
    assert_eq!(ours.len(), 1, "{listed}");
    let drive = ours[0];
    assert_eq!(drive["Backing"], disc.to_str().unwrap(), "{drive}");
    assert_eq!(drive["CurrentProfile"], "dvd+r", "{drive}");
    assert_eq!(drive["MediumPresent"], true, "{drive}");
    assert_eq!(drive["DiscStatus"], "appendable", "{drive}");
    let supported = drive["SupportedProfiles"].as_array().unwrap();
    assert!(
        ["cd-r", "dvd+r", "bd-re"]
            .iter()
            .all(|p| supported.contains(&serde_json::json!(p))),
        "{drive}"
    );

    let toc = on_drive(&disc, &["xorriso", "-outdev", "/dev/sr7", "-toc"]);
    let said = text(&toc);
    assert!(toc.status.success(), "{said}");
    let identity = format!(
        "vendor '{}' product '{}' revision '{}'",
        drive["VendorId"].as_str().unwrap(),
        drive["ProductId"].as_str().unwrap(),
        drive["ProductRevision"].as_str().unwrap()
    );
    assert_eq!(line_after(&said, "Drive type   :"), identity, "{said}");
    assert!(
        line_after(&said, "Media current:").starts_with("DVD+R"),
        "{said}"
    );
    assert_eq!(
        line_after(&said, "Media status :"),
        "is written , is appendable"
    );

    let table = on_drive(&disc, &[BIN, "drives"]);
    let table = String::from_utf8_lossy(&table.stdout).to_string();
    let row = table
        .lines()
        .find(|l| l.starts_with("/dev/sr7 "))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("MSEMU") && row.contains("dvd+r, appendable"),
        "{row}"
    );
}

/// With no drive anywhere (no sr node answers, no virtual device mapped)
/// `drives` fails with a sentence, status 1 and, with --json, the JSON
/// error object.
#[test]
fn drives_with_no_drive_found_fails_with_status_1_and_says_so() {
    let real = std::fs::read_dir("/dev").unwrap().flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.strip_prefix("sr")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if real {
        eprintln!("skipped: this machine has an optical drive");
        return;
    }
    for args in [&["drives"][..], &["drives", "--json"]] {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("MULTISESSION_VDEV")
            .env_remove("LD_PRELOAD")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(
                "multisession: E_WIN32_DEV_NOT_EXIST (0x80070037): no optical drive found"
            ),
            "{err}"
        );
        if args.len() == 2 {
            let error = json(&String::from_utf8_lossy(&out.stdout));
            assert_eq!(error["Error"]["Name"], "E_WIN32_DEV_NOT_EXIST", "{error}");
        } else {
            assert!(out.stdout.is_empty());
        }
    }
}

/// `eject` opens the tray through the device (START STOP UNIT with LoEj)
/// and the drive then answers "medium not present - tray open";
/// `eject --load` closes it and the disc is back, unchanged.
#[test]
fn eject_opens_the_tray_and_eject_load_closes_it_with_the_disc_back() {
    let Some(Bench { root, disc }) = Bench::one_session("dvd+r") else {
        return;
    };
    let sidecar = format!("{}.json", disc.display());
    let before = (
        std::fs::read(&disc).unwrap(),
        std::fs::read(&sidecar).unwrap(),
    );
    for (args, said, cdb, after) in [
        (
            &["eject", "/dev/sr7"][..],
            "tray open: no medium\n",
            "START STOP UNIT [1b 00 00 00 02 00]",
            "CHECK CONDITION 2/3A/02",
        ),
        (
            &["eject", "--load", "/dev/sr7"],
            "tray closed: dvd+r, appendable\n",
            "START STOP UNIT [1b 00 00 00 03 00]",
            "GET CONFIGURATION",
        ),
    ] {
        let trace = root.path().join("trace.txt");
        let _ = std::fs::remove_file(&trace);
        let out = Command::new(BIN)
            .args(["drive", "run", "--trace"])
            .arg(&trace)
            .arg(&disc)
            .args(["--", BIN])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), said);
        let log = std::fs::read_to_string(&trace).unwrap();
        let sent = log
            .lines()
            .position(|l| l.contains(cdb) && l.ends_with("GOOD resid=0"))
            .unwrap_or_else(|| panic!("{cdb} not sent:\n{log}"));
        assert!(
            log.lines().skip(sent + 1).any(|l| l.contains(after)),
            "after {cdb}, no {after}:\n{log}"
        );
    }
    // The same on the emulated disc itself; neither touches the disc.
    assert_eq!(
        ok(&["eject", disc.to_str().unwrap()]),
        "tray open: no medium\n"
    );
    assert_eq!(
        ok(&["eject", "--load", disc.to_str().unwrap()]),
        "tray closed: dvd+r, appendable\n"
    );
    let after = (
        std::fs::read(&disc).unwrap(),
        std::fs::read(&sidecar).unwrap(),
    );
    assert!(before == after, "eject changed the disc");
}
