//! Interrupted sessions on the media that keep one growing volume: a BD-R
//! formatted for Pseudo-Overwrite and the overwritable DVD+RW and BD-RE.
//! After a power loss at points across a first or a later session, the
//! listing shows only what can be trusted, `recover` leaves the disc
//! usable, the next append succeeds, earlier files read back byte-identical
//! in our import and in xorriso.

use std::path::Path;
use std::process::Command;

use crate::support::burn::*;
use multisession::burn::{DataWriter, Recovery};
use multisession::fsi::recorded_sessions;
use multisession::scsi::emulator::{DiscSpec, Existing};
use multisession::Profile;
use serde_json::json;

/// The media of this file, each with whether it is a POW-formatted BD-R.
const GROWING: [(Profile, bool); 3] = [
    (Profile::BdR, true),
    (Profile::DvdPlusRw, false),
    (Profile::BdRe, false),
];

/// Power-loss points (blocks into the write): before, at and after the
/// descriptors at LBA 16, in the tree, in the data.
const POINTS: [u64; 8] = [1, 8, 16, 17, 19, 40, 100, 150];

fn blank(dir: &Path, profile: Profile, pow: bool) -> std::path::PathBuf {
    let disc = new_disc(dir, "d.img", profile);
    if pow {
        DiscSpec::new(profile)
            .pow(true)
            .create_with(&disc, Existing::Replace)
            .unwrap();
    }
    disc
}

/// Appends `add` with the power lost after `after` blocks; the write fails.
fn interrupted_append(disc: &Path, add: &Files, after: u64, case: &str) {
    set_faults(disc, json!({ "power_loss_after_blocks": after }));
    assert!(
        append(&open(disc), add, multisession_options()).is_err(),
        "{case}: the write must fail"
    );
    set_faults(disc, json!({}));
}

/// Every file of the volume at LBA 16 as xorriso extracts it from the image
/// (the emulator keeps the logical blocks there, remapped ones included);
/// `None` without xorriso outside CI.
fn files_by_xorriso(disc: &Path, scratch: &Path) -> Option<Files> {
    if !crate::support::tools::installed(&["xorriso"]) {
        return None;
    }
    let out = scratch.join("xorriso-extract");
    let _ = std::fs::remove_dir_all(&out);
    let done = Command::new("timeout")
        .args([
            "300",
            "xorriso",
            "-abort_on",
            "FAILURE",
            "-osirrox",
            "on",
            "-indev",
        ])
        .arg(disc)
        .args(["-extract", "/"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "xorriso: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let mut found = Files::new();
    let mut dirs = vec![out.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = format!("/{}", path.strip_prefix(&out).unwrap().display());
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    Some(found)
}

/// `files` read back by our import and by xorriso.
fn assert_reads(disc: &Path, files: &Files, scratch: &Path, case: &str) {
    assert_eq!(&current_content(&open(disc)), files, "{case}: our import");
    assert_xorriso_reads(disc, files, scratch, case);
}

/// `files` read back by xorriso, where it is installed.
fn assert_xorriso_reads(disc: &Path, files: &Files, scratch: &Path, case: &str) {
    if let Some(found) = files_by_xorriso(disc, scratch) {
        assert_eq!(&found, files, "{case}: xorriso");
    }
}

/// `recover` on `disc`, which must succeed.
fn recover(disc: &Path, case: &str) -> Recovery {
    DataWriter::new(open(disc), multisession_options())
        .recover()
        .unwrap_or_else(|e| panic!("{case}: recovery: {e}"))
}

/// Appends `add`, which must succeed, and checks that `expected` reads back
/// in our import and in xorriso.
fn append_and_read(disc: &Path, add: &Files, expected: &Files, scratch: &Path, case: &str) -> u32 {
    let case = format!("{case}, the next append");
    let report = append_expecting(disc, add, expected, &case);
    assert_xorriso_reads(disc, expected, scratch, &case);
    report.start_lba
}

/// The first `blocks` logical blocks of the emulated disc.
fn image_blocks(disc: &Path, blocks: u32) -> Vec<u8> {
    let mut bytes = std::fs::read(disc).unwrap_or_default();
    bytes.resize(blocks as usize * 2048, 0);
    bytes
}

#[test]
fn an_interrupted_first_session_is_never_read_and_the_retry_imports_alone() {
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 21, &[300_000, 5, 70_000]);
    let retry = files("retry", 23, &[9000, 1]);
    for (profile, pow) in GROWING {
        for after in POINTS {
            let case = format!("{profile} (POW {pow}) power loss after {after} blocks");
            let disc = blank(dir.path(), profile, pow);
            interrupted_append(&disc, &first, after, &case);

            let listed = recorded_sessions(&open(&disc)).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(
                listed.iter().all(|s| s.file_systems.is_empty()),
                "{case}: nothing of the interrupted session is read: {listed:?}"
            );
            let recovery = recover(&disc, &case);
            if pow {
                // The open session is closed off by markers and an empty
                // volume committed at LBA 16 on the cluster after them.
                let Recovery::Emptied {
                    abandoned_marker,
                    volume_start,
                } = recovery
                else {
                    panic!("{case}: {recovery:?}")
                };
                assert_eq!(abandoned_marker, after as u32, "{case}");
                assert_eq!(volume_start % 32, 0, "{case}");
                // Past LBA 256, where a later UDF bridge rewrites its anchor.
                assert!(volume_start > 256, "{case}: {volume_start}");
                let listed = recorded_sessions(&open(&disc)).unwrap();
                assert!(
                    listed.len() == 1 && listed[0].complete,
                    "{case}: the empty volume is complete: {listed:?}"
                );
            } else {
                // Overwritable media write the descriptors last: nothing
                // was committed, nothing needs recovery.
                assert_eq!(recovery, Recovery::NotNeeded, "{case}");
                assert!(listed.is_empty(), "{case}: {listed:?}");
            }
            assert_reads(
                &disc,
                &Files::new(),
                dir.path(),
                &format!("{case}, recovered"),
            );
            append_and_read(&disc, &retry, &retry, dir.path(), &case);
        }
    }
}

#[test]
fn an_interrupted_later_session_leaves_the_earlier_one_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 31, &[100_000, 3, 4097]);
    let second = files("second", 32, &[250_000, 7]);
    let retry = files("retry", 33, &[5000]);
    for (profile, pow) in GROWING {
        for after in POINTS {
            let case = format!("{profile} (POW {pow}) power loss after {after} blocks");
            let disc = blank(dir.path(), profile, pow);
            let written = append(&open(&disc), &first, multisession_options()).unwrap();
            let end = written.start_lba + written.sectors;
            let before = image_blocks(&disc, end);
            interrupted_append(&disc, &second, after, &case);

            let listed = recorded_sessions(&open(&disc)).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(
                listed.len() == 1 && listed[0].complete && listed[0].blocks == end,
                "{case}: only the first volume is listed: {listed:?}"
            );
            let recovery = recover(&disc, &case);
            assert_eq!(recovery, Recovery::NotNeeded, "{case}");
            assert!(
                image_blocks(&disc, end) == before,
                "{case}: the first session's blocks changed"
            );
            assert_reads(&disc, &first, dir.path(), &format!("{case}, interrupted"));
            // The next append goes on even where the interrupted write left
            // the next writable address inside a BD cluster.
            let next = append_and_read(&disc, &retry, &merged(&first, &retry), dir.path(), &case);
            assert!(next >= end, "{case}: the next session starts at {next}");
        }
    }
}

#[test]
fn an_interrupted_pow_recovery_is_finished_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 41, &[120_000]);
    let retry = files("retry", 42, &[3000]);
    // Into the markers (LBA 19 to 288), the empty volume after them and its
    // descriptors rewritten at LBA 16.
    let mut failed_at = Vec::new();
    for after in (0..=8).chain((262..=400).step_by(3)) {
        let case = format!("POW recovery power loss after {after} blocks");
        let disc = blank(dir.path(), Profile::BdR, true);
        interrupted_append(&disc, &first, 19, &case);
        set_faults(&disc, json!({ "power_loss_after_blocks": after }));
        let interrupted = DataWriter::new(open(&disc), multisession_options()).recover();
        set_faults(&disc, json!({}));
        let again = recover(&disc, &format!("{case}, after {interrupted:?}"));
        if interrupted.is_ok() {
            assert_eq!(again, Recovery::NotNeeded, "{case}");
        } else {
            failed_at.push(after);
            assert!(
                matches!(again, Recovery::Emptied { .. }),
                "{case}: {again:?}"
            );
        }
        assert_eq!(current_content(&open(&disc)), Files::new(), "{case}");
        append(&open(&disc), &retry, multisession_options())
            .unwrap_or_else(|e| panic!("{case}: retried append: {e}"));
        assert_eq!(
            current_content(&open(&disc)),
            retry,
            "{case}: after the retry"
        );
    }
    // The sweep reached past the markers into the volume and its commit,
    // and ended where the recovery completes.
    let last = failed_at.last().copied().unwrap_or(0);
    assert!((300..400).contains(&last), "{failed_at:?}");
}
