//! Crash safety, proved: the emulator loses power (or fails a WRITE) at
//! points swept across a whole session write. After each failure the disc
//! still probes, the previous session imports with identical content, and
//! a retried append succeeds with every older file kept.

#[path = "burn_support.rs"]
mod support;

use multisession::burn::{DataWriter, Recovery};
use multisession::Profile;
use serde_json::json;
use support::*;

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
        append(&recorder, &retry, multisession_options())
            .unwrap_or_else(|e| panic!("{profile} {fault}: retried append: {e}"));
        assert_eq!(
            current_content(&open(&disc)),
            merged(&now, &retry),
            "{profile} {fault}: after the retried append"
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
