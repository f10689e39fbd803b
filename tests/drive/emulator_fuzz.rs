//! Random and truncated CDBs, parameter lists and buffers never make the
//! emulated drive panic: every command ends GOOD, with CHECK CONDITION and
//! decodable sense, or (after an injected power loss) with an error.

use std::time::Duration;

use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive, Faults};
use multisession::scsi::{DataDirection, Status, Transport};
use proptest::prelude::*;

const OPCODES: &[u8] = &[
    0x00, 0x03, 0x04, 0x12, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52, 0x53,
    0x55, 0x5A, 0x5B, 0x5D, 0xA1, 0xA8, 0xAA, 0xBB, 0x1B, 0x5C, 0xAC, 0xAD, 0xB6, 0xBD, 0x54,
];

fn spec(index: usize) -> DiscSpec {
    let faults = Faults {
        power_loss_after_blocks: Some(40),
        fail_write_command: Some(3),
        fail_read_lba: Some(5),
        ..Faults::default()
    };
    match index % 8 {
        0 => DiscSpec::new(Profile::CdR).sessions(&[608]),
        1 => DiscSpec::new(Profile::CdRw)
            .sessions(&[300, 300])
            .finalized(true),
        2 => DiscSpec::new(Profile::DvdMinusRwSequential).open_session(&[100], true),
        3 => DiscSpec::new(Profile::DvdPlusR)
            .capacity(100_000)
            .faults(faults),
        4 => DiscSpec::new(Profile::BdR).pow(true).sessions(&[64]),
        5 => DiscSpec::new(Profile::DvdPlusRw),
        6 => DiscSpec::new(Profile::BdRe)
            .formatted(true)
            .capacity(50_000),
        _ => DiscSpec::new(Profile::DvdMinusRwRestricted).no_media(),
    }
}

#[derive(Debug, Clone)]
enum Dir {
    None,
    In(usize),
    Out(Vec<u8>),
}

fn command() -> impl Strategy<Value = (Vec<u8>, Dir)> {
    let cdb = (
        prop::sample::select(OPCODES),
        prop::collection::vec(any::<u8>(), 0..16),
        // Small transfer lengths keep reads and writes fast.
        prop::collection::vec(0u8..3, 4),
    )
        .prop_map(|(op, mut rest, small)| {
            for (i, s) in small.iter().enumerate() {
                if let Some(b) = rest.get_mut(5 + i) {
                    *b = if *s == 0 { 0 } else { *b & 0x03 };
                }
            }
            let mut cdb = vec![op];
            cdb.append(&mut rest);
            cdb
        });
    let dir = prop_oneof![
        Just(Dir::None),
        (0usize..9000).prop_map(Dir::In),
        prop::collection::vec(any::<u8>(), 0..5000).prop_map(Dir::Out),
        (1usize..4).prop_map(|n| Dir::Out(vec![0x5A; n * 2048])),
    ];
    (cdb, dir)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_panic(disc in 0usize..8, cmds in prop::collection::vec(command(), 1..24)) {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("f.img");
        spec(disc).create(&image).unwrap();
        let mut drive = EmulatedDrive::open(&image).unwrap();
        for (cdb, data) in cmds {
            let mut buf;
            let direction = match &data {
                Dir::None => DataDirection::None,
                Dir::In(n) => {
                    buf = vec![0u8; *n];
                    DataDirection::FromDevice(&mut buf)
                }
                Dir::Out(v) => DataDirection::ToDevice(v),
            };
            let len = direction.len();
            match drive.execute(&cdb, direction, Duration::from_secs(1)) {
                Ok(c) => {
                    prop_assert!(c.residual <= len);
                    if c.status == Status::CheckCondition {
                        prop_assert!(c.decoded_sense().is_some());
                    } else {
                        prop_assert_eq!(c.status, Status::Good);
                    }
                }
                Err(e) => prop_assert!(e.code() < 0),
            }
        }
        drop(drive);
        // Whatever happened, the sidecar still opens.
        prop_assert!(EmulatedDrive::open(&image).is_ok());
    }
}

/// A sidecar number as a hand-edited or hostile sidecar may carry it:
/// anything, the top of the range, the 0xFFFFFFF0 of a hostile size, or a
/// small plausible value.
fn sidecar_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (u32::MAX - 64)..=u32::MAX,
        Just(0xFFFF_FFF0),
        Just(0x7FFF_FFFF),
        0u32..200_000,
    ]
}

/// The JSON of a sidecar with hostile capacity, session starts and track
/// sizes (well-formed, so the numbers reach the model).
fn hostile_sidecar() -> impl Strategy<Value = String> {
    let profiles = prop::sample::select(vec![
        "cd-r", "cd-rw", "cd-rom", "dvd-r", "dvd+r", "dvd-rw", "dvd-rom", "bd-r", "bd-rom",
    ]);
    (profiles, sidecar_u32())
        .prop_flat_map(|(profile, capacity)| {
            // Starts also just below the capacity and sizes also tiny, so
            // tracks end right at the top of a capacity near u32::MAX,
            // where what follows them (gaps, lead-outs) would wrap.
            let start = prop_oneof![
                sidecar_u32(),
                (0u32..100).prop_map(move |d| capacity.saturating_sub(d)),
            ];
            let blocks = prop_oneof![sidecar_u32(), 1u32..64];
            let track = (start, blocks, any::<bool>(), prop::option::of(sidecar_u32()));
            let session = (any::<bool>(), prop::collection::vec(track, 1..3));
            (
                Just(profile),
                Just(capacity),
                prop::collection::vec(session, 0..4),
                any::<bool>(),
            )
        })
        .prop_map(|(profile, capacity, sessions, finalized)| {
            let sessions: Vec<String> = sessions
                .into_iter()
                .map(|(closed, tracks)| {
                    let tracks: Vec<String> = tracks
                        .into_iter()
                        .map(|(start, blocks, closed, reserved)| {
                            let reserved = match reserved {
                                Some(r) if !closed => format!(r#", "reserved": {r}"#),
                                _ => String::new(),
                            };
                            format!(
                                r#"{{ "start": {start}, "blocks": {blocks}, "closed": {closed}{reserved} }}"#
                            )
                        })
                        .collect();
                    format!(r#"{{ "closed": {closed}, "tracks": [{}] }}"#, tracks.join(", "))
                })
                .collect();
            format!(
                r#"{{ "version": 1, "profile": "{profile}", "capacity": {capacity}, "sessions": [{}], "finalized": {finalized} }}"#,
                sessions.join(", ")
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// A sidecar with huge capacities, session starts near u32::MAX and
    /// track sizes like 0xFFFFFFF0 (over a sparse image that covers every
    /// 32-bit LBA, so the image length is never the reason to refuse):
    /// opening, probing, listing the sessions and the drive's own replies
    /// never panic. A refusal is the bad-sidecar code; an accepted disc
    /// reports sessions that do not end before they start.
    #[test]
    fn hostile_sidecar_numbers_give_a_clear_error_or_consistent_values(text in hostile_sidecar()) {
        use multisession::hresult::MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
        use multisession::recorder::Recorder;
        use multisession::scsi::emulator::sidecar_path;

        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("hostile.img");
        std::fs::File::create(&image)
            .unwrap()
            .set_len((u64::from(u32::MAX) + 64) * 2048)
            .unwrap();
        std::fs::write(sidecar_path(&image), &text).unwrap();

        let recorder = match Recorder::open(&image) {
            Ok(recorder) => recorder,
            Err(e) => {
                prop_assert_eq!(e.code(), MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, "{}", e.detail());
                return Ok(());
            }
        };
        if let Ok(media) = recorder.media_info() {
            if let Some(previous) = media.previous_session {
                prop_assert!(previous.start <= previous.last_written, "{media:?}");
            }
            if let Some(nwa) = media.next_writable {
                prop_assert!(media.total_sectors >= nwa, "{media:?}");
                if media.disc_status != multisession::DiscStatus::RandomAccess {
                    let recorded = media.last_recorded.into_iter();
                    let previous = media.previous_session.map(|s| s.last_written);
                    for last in recorded.chain(previous) {
                        prop_assert!(last < nwa, "{media:?}");
                    }
                }
            }
        }
        if let Ok(sessions) = recorder.sessions() {
            for s in sessions {
                prop_assert!(s.extent.start <= s.extent.last_written, "{s:?}");
            }
        }
        let nwa = recorder.media_info().ok().and_then(|m| m.next_writable);
        let recorder = std::sync::Arc::new(recorder);
        if let Ok(offered) = multisession::session::offer(&recorder) {
            for m in offered {
                let _ = m.next_session();
            }
        }
        drop(recorder);

        // The drive's own replies, read directly, for every track and session.
        let mut drive = EmulatedDrive::open(&image).unwrap();
        let mut cdbs: Vec<Vec<u8>> = vec![
            vec![0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0],
            vec![0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0],
        ];
        for format in [0u8, 1, 2] {
            for msf in [0u8, 2] {
                cdbs.push(vec![0x43, msf, format, 0, 0, 0, 1, 0x0F, 0xFE, 0]);
            }
        }
        for kind in [0u8, 1, 2] {
            for value in [0u32, 1, 2, 3, 4, 0xFF, u32::MAX] {
                let v = value.to_be_bytes();
                cdbs.push(vec![0x52, kind, v[0], v[1], v[2], v[3], 0, 0, 48, 0]);
            }
        }
        for cdb in cdbs {
            let mut buf = vec![0u8; 0xFFE];
            let c = drive
                .execute(&cdb, DataDirection::FromDevice(&mut buf), Duration::from_secs(1))
                .unwrap();
            prop_assert!(c.status == Status::Good || c.status == Status::CheckCondition);
        }
        // Writing at the top: 16 blocks at the next writable address, then
        // closing the track and the session, where the model adds gaps and
        // lead-outs to addresses near u32::MAX.
        if let Some(nwa) = nwa {
            let lba = nwa.to_be_bytes();
            let data = vec![0x5Au8; 16 * 2048];
            let steps: [(Vec<u8>, bool); 4] = [
                (vec![0x2A, 0, lba[0], lba[1], lba[2], lba[3], 0, 0, 16, 0], true),
                (vec![0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], false),
                (vec![0x5B, 0, 1, 0, 0, 0xFF, 0, 0, 0, 0], false),
                (vec![0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0], false),
            ];
            for (cdb, writes) in steps {
                let direction = if writes {
                    DataDirection::ToDevice(&data)
                } else {
                    DataDirection::None
                };
                match drive.execute(&cdb, direction, Duration::from_secs(5)) {
                    Ok(c) => prop_assert!(c.status == Status::Good || c.status == Status::CheckCondition),
                    Err(e) => prop_assert!(e.code() < 0),
                }
            }
            drop(drive);
            if let Ok(recorder) = Recorder::open(&image) {
                let _ = recorder.media_info();
                let _ = recorder.sessions();
            }
        }
    }
}
