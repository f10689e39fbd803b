//! Crash safety, proved: the emulator loses power (or fails a WRITE) at
//! points swept across a whole session write. After each failure the disc
//! still probes, the previous session imports with identical content, and
//! a retried append succeeds with every older file kept.

use crate::support::burn::*;
use multisession::burn::{DataWriter, Recovery};
use multisession::scsi::emulator::DiscSpec;
use multisession::Profile;
use serde_json::json;

/// Points per profile (power-loss block counts plus failing WRITE numbers).
const MIN_POINTS: usize = 50;

fn sweep(profile: Profile) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let first = files("old", 11, &[1, 2048, 30_000, 4097]);
    let second = files("new", 12, &[200_000, 100_000, 3]);
    let retry = files("retry", 13, &[5000]);

    // Size of the second session's write, measured on a disc without faults.
    let probe_disc = new_disc(dir.path(), "probe.img", profile);
    append(&open(&probe_disc), &first, multisession_options()).unwrap();
    let report = append(&open(&probe_disc), &second, multisession_options()).unwrap();
    let blocks = u64::from(report.sectors);
    let commands = blocks.div_ceil(32) + 4;

    let mut faults: Vec<serde_json::Value> = (0..40)
        .map(|i| json!({ "power_loss_after_blocks": blocks * i / 40 + blocks / 80 }))
        .collect();
    // The anchor rewrite on overwritable media comes after the data.
    faults.extend((0..4).map(|i| json!({ "power_loss_after_blocks": blocks + i * 5 })));
    faults.extend((1..=commands).map(|n| json!({ "fail_write_command": n })));
    assert!(
        faults.len() >= MIN_POINTS,
        "{profile}: {} points",
        faults.len()
    );

    for (i, fault) in faults.iter().enumerate() {
        let disc = new_disc(dir.path(), &format!("{i}.img"), profile);
        append(&open(&disc), &first, multisession_options()).unwrap();
        set_faults(&disc, fault.clone());
        let outcome = append(&open(&disc), &second, multisession_options());
        set_faults(&disc, json!({}));

        let recorder = open(&disc);
        recorder
            .media_info()
            .unwrap_or_else(|e| panic!("{profile} {fault}: probe after the failure: {e}"));
        let now = current_content(&recorder);
        match &outcome {
            Err(_) => assert_eq!(
                now, first,
                "{profile} {fault}: previous session after the failure"
            ),
            // A fault past the last WRITE lets the session complete.
            Ok(_) => assert_eq!(
                now,
                merged(&first, &second),
                "{profile} {fault}: completed session"
            ),
        }
        let recovery = DataWriter::new(recorder.clone(), multisession_options())
            .recover()
            .unwrap_or_else(|e| panic!("{profile} {fault}: recovery: {e}"));
        if outcome.is_ok() {
            assert_eq!(recovery, Recovery::NotNeeded, "{profile} {fault}");
        }
        let recorder = open(&disc);
        assert_eq!(
            current_content(&recorder),
            now,
            "{profile} {fault}: after recovery"
        );
        append_expecting(
            &disc,
            &retry,
            &merged(&now, &retry),
            &format!("{profile} {fault}: retry"),
        );
        std::fs::remove_file(&disc).unwrap();
    }
    faults.len()
}

#[test]
fn an_interrupted_session_write_never_costs_an_older_file() {
    let mut counts = Vec::new();
    for profile in [
        Profile::CdR,
        Profile::DvdPlusR,
        Profile::BdR,
        Profile::DvdPlusRw,
        Profile::BdRe,
    ] {
        counts.push((profile, sweep(profile)));
    }
    println!("failure points per profile:");
    for (profile, n) in counts {
        println!("  {:<7} {n}", profile.name());
        assert!(n >= MIN_POINTS);
    }
}

/// Write-once profiles, where an interrupted session needs a recovery.
const WRITE_ONCE: [Profile; 3] = [Profile::CdR, Profile::DvdPlusR, Profile::BdR];

/// Power-loss points across a first session of `blocks` blocks: inside the
/// system area, inside the volume descriptors, in the tree, in the data and
/// at the last block.
fn first_session_points(blocks: u64) -> Vec<u64> {
    vec![1, 8, 17, 19, 40, blocks / 3, blocks / 2, blocks - 1]
}

#[test]
fn an_interrupted_first_session_is_abandoned_and_the_retry_imports_alone() {
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 21, &[300_000, 5, 70_000]);
    let retry = files("retry", 22, &[9000, 1]);
    for profile in WRITE_ONCE {
        let probe_disc = new_disc(dir.path(), "probe.img", profile);
        let blocks = u64::from(
            append(&open(&probe_disc), &first, multisession_options())
                .unwrap()
                .sectors,
        );
        for after in first_session_points(blocks) {
            let case = format!("{profile} power loss after {after} of {blocks} blocks");
            let disc = new_disc(dir.path(), &format!("{after}.img"), profile);
            set_faults(&disc, json!({ "power_loss_after_blocks": after }));
            assert!(
                append(&open(&disc), &first, multisession_options()).is_err(),
                "{case}: the write must fail"
            );
            set_faults(&disc, json!({}));

            let recorder = open(&disc);
            let recovery = DataWriter::new(recorder.clone(), multisession_options())
                .recover()
                .unwrap_or_else(|e| panic!("{case}: recovery: {e}"));
            assert!(
                matches!(recovery, Recovery::Emptied { .. }),
                "{case}: {recovery:?}"
            );
            let recorder = open(&disc);
            assert_eq!(
                current_content(&recorder),
                Files::new(),
                "{case}: empty volume"
            );
            append_expecting(
                &disc,
                &retry,
                &retry,
                &format!("{case}: retried first session"),
            );
            std::fs::remove_file(&disc).unwrap();
        }
    }
}

/// Loses power at `after` blocks into the recovery of `disc`; then a
/// recovery without faults must finish the job.
fn recover_twice(disc: &std::path::Path, after: u64, case: &str) {
    set_faults(disc, json!({ "power_loss_after_blocks": after }));
    let interrupted = DataWriter::new(open(disc), multisession_options()).recover();
    set_faults(disc, json!({}));
    let second = DataWriter::new(open(disc), multisession_options())
        .recover()
        .unwrap_or_else(|e| panic!("{case}: recovery after {interrupted:?}: {e}"));
    if interrupted.is_ok() {
        assert_eq!(second, Recovery::NotNeeded, "{case}");
    } else {
        assert_ne!(second, Recovery::NotNeeded, "{case}: {interrupted:?}");
    }
}

#[test]
fn an_interrupted_recovery_is_finished_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 31, &[100_000, 3]);
    let second = files("second", 32, &[150_000]);
    let retry = files("retry", 33, &[4000]);
    for profile in WRITE_ONCE {
        // Up to and past the markers (at most a write unit plus five
        // blocks) and into the session recovery puts on top.
        for after in 0..=44 {
            for previous in [None, Some(&first)] {
                let case = format!(
                    "{profile} recovery power loss after {after} blocks, {} previous session",
                    if previous.is_some() { "with a" } else { "no" }
                );
                let disc = new_disc(dir.path(), &format!("r{after}.img"), profile);
                if let Some(previous) = previous {
                    append(&open(&disc), previous, multisession_options()).unwrap();
                }
                set_faults(&disc, json!({ "power_loss_after_blocks": 30 }));
                assert!(append(&open(&disc), &second, multisession_options()).is_err());
                recover_twice(&disc, after, &case);

                let expected = previous.cloned().unwrap_or_default();
                assert_eq!(current_content(&open(&disc)), expected, "{case}: recovered");
                append_expecting(
                    &disc,
                    &retry,
                    &merged(&expected, &retry),
                    &format!("{case}: retry"),
                );
                std::fs::remove_file(&disc).unwrap();
            }
        }
    }
}

#[test]
fn an_interrupted_first_session_is_listed_as_incomplete_not_read() {
    use multisession::burn::{Flow, WriteAction, WriteOptions};
    let dir = tempfile::tempdir().unwrap();
    let first = files("first", 31, &[300_000, 5]);
    for (profile, pow) in WRITE_ONCE
        .iter()
        .map(|&p| (p, false))
        .chain([(Profile::BdR, true)])
    {
        // A cancel after the first chunk (the descriptors are written, the
        // tree is not) and a power loss before LBA 16 was reached.
        for power_loss in [None, Some(8)] {
            let case = format!("{profile} (POW {pow}), power loss {power_loss:?}");
            let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
            if pow {
                DiscSpec::new(profile).pow(true).create(&disc).unwrap();
            }
            if let Some(after) = power_loss {
                set_faults(&disc, json!({ "power_loss_after_blocks": after }));
            }
            let options = WriteOptions {
                progress_interval: std::time::Duration::ZERO,
                ..multisession_options()
            };
            let stopped = append_with(&open(&disc), &first, options, &mut |p| {
                if p.action == WriteAction::WritingData && p.sectors_done > 0 {
                    Flow::Cancel
                } else {
                    Flow::Continue
                }
            });
            assert!(stopped.is_err(), "{case}: the write must stop");
            set_faults(&disc, json!({}));

            let recorder = open(&disc);
            let listed = multisession::fsi::recorded_sessions(&recorder)
                .unwrap_or_else(|e| panic!("{case}: listing: {e}"));
            assert!(
                listed.iter().all(|s| !s.complete),
                "{case}: nothing complete: {listed:?}"
            );
            assert_eq!(listed.len(), 1, "{case}: the open session is listed");
            assert_eq!(
                (listed[0].number, listed[0].start),
                (1, 0),
                "{case}: {listed:?}"
            );
            assert!(
                listed[0].file_systems.is_empty() && listed[0].volume_name.is_empty(),
                "{case}: an incomplete session is not read: {listed:?}"
            );
        }
    }
    // A POW BD-R whose sessions another writer closed has nothing open.
    let closed = dir.path().join("pow-closed.img");
    DiscSpec::new(Profile::BdR)
        .sessions(&[800])
        .pow(true)
        .create(&closed)
        .unwrap();
    let listed = multisession::fsi::recorded_sessions(&open(&closed)).unwrap();
    assert!(listed.iter().all(|s| s.complete), "{listed:?}");
}

/// A session many times the write-behind queue's depth, its 100th WRITE
/// failing: the drive's error is the one returned, no WRITE after it
/// reaches the medium (on BD-RE, where any block could be written, every
/// block past it stays blank), and the previous session is intact.
#[test]
fn a_write_failing_deep_in_a_long_session_is_the_error_and_nothing_after_it_is_written() {
    const FAILING: u32 = 100;
    let dir = tempfile::tempdir().unwrap();
    let first = files("old", 41, &[5000]);
    // 6 MiB: a dozen batches of the drive thread's queue.
    let long = files("long", 42, &[3 << 20, 2 << 20, 1 << 20]);
    for profile in [Profile::BdRe, Profile::BdR, Profile::CdR] {
        let probe = new_disc(
            dir.path(),
            &format!("probe-{}.img", profile.name()),
            profile,
        );
        append(&open(&probe), &first, multisession_options()).unwrap();
        let start = append(&open(&probe), &long, multisession_options())
            .unwrap()
            .start_lba;
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        append(&open(&disc), &first, multisession_options()).unwrap();
        set_faults(&disc, json!({ "fail_write_command": FAILING }));
        let err = append(&open(&disc), &long, multisession_options()).unwrap_err();
        set_faults(&disc, json!({}));

        // WRITEs are cut at multiples of 32 blocks from LBA 0.
        let failed_at = (start / 32 + FAILING - 1) * 32;
        let failed = format!("WRITE of 32 blocks at LBA {failed_at}");
        assert!(
            err.to_string().contains(&failed),
            "{profile}: {err} (expected {failed})"
        );
        assert_eq!(current_content(&open(&disc)), first, "{profile}");
        if profile == Profile::BdRe {
            let image = std::fs::read(&disc).unwrap();
            let past = &image[((failed_at as usize) * 2048).min(image.len())..];
            assert!(
                past.iter().all(|&b| b == 0),
                "{profile}: blocks written after the failed WRITE"
            );
        }
    }
}
