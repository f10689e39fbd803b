//! DataWriter end to end on the emulated drive: every writable profile,
//! progress events, cancel, verify, closing, erase and format.

use crate::support::burn::*;
use crate::support::discs::disc_named;
use crate::support::{fails_naming, fails_with};
use multisession::burn::{DataWriter, Finish, Flow, Outcome, WriteAction, WriteOptions};
use multisession::hresult;
use multisession::DiscStatus;
use multisession::Profile;

const WRITABLE: [Profile; 9] = [
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdMinusR,
    Profile::DvdMinusRwSequential,
    Profile::DvdPlusR,
    Profile::BdR,
    Profile::DvdPlusRw,
    Profile::BdRe,
    Profile::DvdMinusRwRestricted,
];

#[test]
fn two_sessions_on_every_writable_profile_keep_every_file() {
    let dir = tempfile::tempdir().unwrap();
    for profile in WRITABLE {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        let first = files("one", 1, &[10, 5000, 70_000]);
        let second = files("two", 100, &[1, 40_000]);
        append_expecting(&disc, &first, &first, &format!("{profile}: session 1"));
        let all = merged(&first, &second);
        append_expecting(&disc, &second, &all, &format!("{profile}: session 2"));
        let recorder = open(&disc);
        let info = recorder.media_info().unwrap();
        if profile.write_model() == multisession::media::WriteModel::Sequential {
            assert_eq!(info.sessions, 2, "{profile}");
            assert_eq!(info.disc_status, DiscStatus::Appendable, "{profile}");
        }
    }
}

#[test]
fn progress_is_monotonic_and_ends_in_completed() {
    let dir = tempfile::tempdir().unwrap();
    for profile in [Profile::CdR, Profile::DvdPlusRw] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        let recorder = open(&disc);
        append(&recorder, &files("a", 1, &[3000]), multisession_options()).unwrap();
        let mut events = Vec::new();
        let options = WriteOptions {
            progress_interval: std::time::Duration::ZERO,
            verify: true,
            ..multisession_options()
        };
        let report = append_with(
            &open(&disc),
            &files("b", 2, &[300_000]),
            options,
            &mut |p| {
                events.push(*p);
                Flow::Continue
            },
        )
        .unwrap();
        assert!(report.verified);
        let actions: Vec<WriteAction> = events.iter().map(|e| e.action).collect();
        assert_eq!(actions[0], WriteAction::ValidatingMedia, "{profile}");
        assert_eq!(
            *actions.last().unwrap(),
            WriteAction::Completed,
            "{profile}"
        );
        for expected in [
            WriteAction::InitializingHardware,
            WriteAction::CalibratingPower,
            WriteAction::WritingData,
            WriteAction::Finalization,
            WriteAction::Verifying,
        ] {
            assert!(actions.contains(&expected), "{profile}: no {expected:?}");
        }
        let writing: Vec<u32> = events
            .iter()
            .filter(|e| e.action == WriteAction::WritingData)
            .map(|e| e.sectors_done)
            .collect();
        assert!(writing.len() > 3, "{profile}: {writing:?}");
        assert!(
            writing.windows(2).all(|w| w[0] <= w[1]),
            "{profile}: {writing:?}"
        );
        // Progress counts the image's sectors; the zeros a CD track is
        // padded with (report.sectors counts them) are not the caller's.
        let last = events.last().unwrap();
        assert!(events.iter().all(|e| e.sector_count == last.sector_count));
        assert_eq!(*writing.last().unwrap(), last.sector_count, "{profile}");
        assert!(report.sectors >= last.sector_count, "{profile}");
        assert_eq!(
            last.last_written_lba(),
            Some(report.start_lba + last.sector_count - 1)
        );
        assert!(events.iter().all(|e| e.start_lba == report.start_lba));
    }
}

#[test]
fn cancel_mid_write_leaves_the_disc_appendable_and_the_previous_session_intact() {
    let dir = tempfile::tempdir().unwrap();
    for profile in [
        Profile::CdR,
        Profile::DvdPlusR,
        Profile::BdR,
        Profile::DvdPlusRw,
        Profile::BdRe,
    ] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        let first = files("one", 7, &[20_000, 9]);
        append(&open(&disc), &first, multisession_options()).unwrap();
        let options = WriteOptions {
            progress_interval: std::time::Duration::ZERO,
            ..multisession_options()
        };
        let err = append_with(
            &open(&disc),
            &files("two", 8, &[400_000]),
            options,
            &mut |p| {
                if p.action == WriteAction::WritingData && p.sectors_done >= 64 {
                    Flow::Cancel
                } else {
                    Flow::Continue
                }
            },
        )
        .unwrap_err();
        assert_eq!(
            err.code(),
            hresult::MS_E_IMAPI_REQUEST_CANCELLED,
            "{profile}: {err}"
        );

        let recorder = open(&disc);
        let info = recorder.media_info().unwrap();
        if profile.write_model() == multisession::media::WriteModel::Sequential {
            assert_eq!(info.disc_status, DiscStatus::Appendable, "{profile}");
        }
        assert_eq!(
            current_content(&recorder),
            first,
            "{profile}: previous session"
        );
        DataWriter::new(recorder.clone(), multisession_options())
            .recover()
            .unwrap();
        let recorder = open(&disc);
        assert_eq!(
            current_content(&recorder),
            first,
            "{profile}: after recovery"
        );
        let again = files("again", 9, &[5000]);
        append_expecting(&disc, &again, &merged(&first, &again), &profile.to_string());
    }
}

#[test]
fn force_close_finalizes_and_dvd_plus_r_closes_in_compatibility_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            Profile::CdR,
            WriteOptions {
                force_media_to_be_closed: true,
                ..multisession_options()
            },
        ),
        (
            Profile::BdR,
            WriteOptions {
                force_media_to_be_closed: true,
                ..multisession_options()
            },
        ),
        (Profile::DvdPlusR, WriteOptions::default()),
    ];
    for (profile, options) in cases {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        let report = append(&open(&disc), &files("x", 3, &[100]), options).unwrap();
        assert_eq!(
            report.outcome,
            Outcome::SessionClosed(Finish::Finalized),
            "{profile}"
        );
        let recorder = open(&disc);
        assert_eq!(
            recorder.media_info().unwrap().disc_status,
            DiscStatus::Finalized,
            "{profile}"
        );
        let err = append(&recorder, &files("y", 4, &[100]), multisession_options()).unwrap_err();
        assert!(hresult::failed(err.code()), "{profile}");
    }
}

#[test]
fn a_session_built_for_another_address_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let disc = new_disc(dir.path(), "cd.img", Profile::CdR);
    let recorder = open(&disc);
    let mut stale = next_session(&recorder, &files("a", 1, &[10])).unwrap();
    append(&recorder, &files("b", 2, &[10]), multisession_options()).unwrap();
    fails_with(
        DataWriter::new(open(&disc), multisession_options())
            .write(&mut stale, &mut |_| Flow::Continue),
        hresult::MS_IMAPI_E_DISC_MISMATCH,
    );
}

#[test]
fn erase_blanks_rewritable_media_and_refuses_write_once_media() {
    let dir = tempfile::tempdir().unwrap();
    for profile in [
        Profile::CdRw,
        Profile::DvdMinusRwSequential,
        Profile::DvdPlusRw,
        Profile::BdRe,
    ] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        append(
            &open(&disc),
            &files("a", 1, &[5000]),
            multisession_options(),
        )
        .unwrap();
        DataWriter::new(open(&disc), WriteOptions::default())
            .erase(false)
            .unwrap();
        let recorder = open(&disc);
        assert!(current_content(&recorder).is_empty(), "{profile}");
        let b = files("b", 2, &[10]);
        append_expecting(&disc, &b, &b, &profile.to_string());
    }
    let disc = new_disc(dir.path(), "r.img", Profile::CdR);
    fails_with(
        DataWriter::new(open(&disc), WriteOptions::default()).erase(true),
        hresult::MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED,
    );
}

#[test]
fn blank_bd_re_is_formatted_by_the_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let disc = new_disc(dir.path(), "bdre.img", Profile::BdRe);
    let mut actions = Vec::new();
    append_with(
        &open(&disc),
        &files("a", 1, &[10]),
        multisession_options(),
        &mut |p| {
            actions.push(p.action);
            Flow::Continue
        },
    )
    .unwrap();
    assert!(
        actions.contains(&WriteAction::FormattingMedia),
        "{actions:?}"
    );
    assert_eq!(current_content(&open(&disc)), files("a", 1, &[10]));
}

/// `drive` with its READ(10) replies at or above `from_lba` coming back
/// with one byte flipped: what a bad burn looks like to the verify pass.
fn corrupting_reads(
    drive: impl multisession::scsi::Transport,
    from_lba: u32,
) -> impl multisession::scsi::Transport {
    use multisession::scsi::DataDirection;
    multisession::testing::Hooked::new(drive, move |drive, cdb, mut data, timeout| {
        let completion = drive.execute(cdb, data.reborrow(), timeout)?;
        let lba = u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]);
        if let (0x28, DataDirection::FromDevice(buf)) = (cdb[0], data) {
            if lba >= from_lba && !buf.is_empty() {
                buf[0] ^= 0x5A;
            }
        }
        Ok(completion)
    })
}

#[test]
fn verify_reports_blocks_that_read_back_differently() {
    let dir = tempfile::tempdir().unwrap();
    let disc = new_disc(dir.path(), "cd-r.img", Profile::CdR);
    let drive = multisession::scsi::emulator::EmulatedDrive::open(&disc).unwrap();
    let recorder = std::sync::Arc::new(
        multisession::Recorder::from_transport(Box::new(corrupting_reads(drive, 20))).unwrap(),
    );
    let options = WriteOptions {
        verify: true,
        ..multisession_options()
    };
    fails_naming(
        append(&recorder, &files("a", 3, &[200_000]), options),
        hresult::MS_E_IMAPI_BURN_VERIFICATION_FAILED,
        "read back differ",
    );
}

#[test]
fn verify_works_for_a_stream_that_can_be_read_only_once() {
    let dir = tempfile::tempdir().unwrap();
    for profile in [Profile::CdR, Profile::DvdPlusRw] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        let recorder = open(&disc);
        let mut image = multisession::fsi::FileSystemImage::new();
        image.choose_image_defaults(&recorder).unwrap();
        let content = body(9, 70_000);
        image
            .add_stream(
                "/once.bin",
                content.len() as u64,
                Box::new(std::io::Cursor::new(content.clone())),
                false,
            )
            .unwrap();
        let mut result = image.create_result_image().unwrap();
        let options = WriteOptions {
            verify: true,
            ..multisession_options()
        };
        let report = DataWriter::new(recorder.clone(), options)
            .write(&mut result, &mut |_| Flow::Continue)
            .unwrap();
        assert!(report.verified, "{profile}");
        let on_disc = current_content(&open(&disc));
        assert_eq!(on_disc.get("/once.bin"), Some(&content), "{profile}");
    }
}

/// Volume id and volume space size of the primary volume descriptor of
/// the session at `start`, read from the disc's image file (the emulator
/// keeps block n at byte n × 2048). Read here, not through isoinfo: a child
/// process started while another test thread holds a disc's writer lock
/// would inherit that lock for a moment. cli/tests/cli.rs runs isoinfo.
fn volume_at(disc: &std::path::Path, start: u32) -> (String, u32) {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(disc).unwrap();
    let mut pvd = [0u8; 2048];
    file.seek(SeekFrom::Start(u64::from(start + 16) * 2048))
        .unwrap();
    file.read_exact(&mut pvd).unwrap();
    assert_eq!(
        &pvd[..6],
        b"\x01CD001",
        "primary descriptor at {start} + 16"
    );
    (
        String::from_utf8_lossy(&pvd[40..72]).trim_end().to_string(),
        u32::from_le_bytes(pvd[80..84].try_into().unwrap()),
    )
}

#[test]
fn every_cd_session_is_at_least_300_blocks_and_its_volume_is_found_at_its_start() {
    use multisession::fsi::SessionStream;
    let dir = tempfile::tempdir().unwrap();
    for profile in [Profile::CdR, Profile::CdRw] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        for n in 0..3u32 {
            let recorder = open(&disc);
            let mut session = next_session(&recorder, &files(&format!("s{n}"), n, &[10])).unwrap();
            let stream_blocks = session.total_blocks();
            assert!(
                stream_blocks < 300,
                "{profile}: a small session for the test"
            );
            let report = DataWriter::new(recorder.clone(), multisession_options())
                .write(&mut session, &mut |_| Flow::Continue)
                .unwrap_or_else(|e| panic!("{profile}: session {n}: {e}"));
            assert_eq!(
                report.sectors, 300,
                "{profile}: session {n} of {stream_blocks} blocks is padded to 300"
            );
        }
        let recorder = open(&disc);
        let sessions = recorder.sessions().unwrap();
        assert_eq!(sessions.len(), 3, "{profile}");
        for s in &sessions {
            let track = s.extent.last_written - s.extent.start + 1;
            assert!(
                track >= 300,
                "{profile}: session at {} holds {track} blocks",
                s.extent.start
            );
            let (id, size) = volume_at(&disc, s.extent.start);
            assert_eq!(id, "TEST", "{profile}: session at {}", s.extent.start);
            if s.extent.start == 0 {
                // The padding lies after the volume, which keeps its size.
                assert!(size < 300, "{profile}: volume of {size} blocks");
            }
        }
    }
}

#[test]
fn overwritable_media_with_data_count_free_blocks_after_the_next_writable_address() {
    let dir = tempfile::tempdir().unwrap();
    for profile in [Profile::DvdPlusRw, Profile::BdRe] {
        let disc = new_disc(dir.path(), &format!("{}.img", profile.name()), profile);
        for n in 0..2u32 {
            append(
                &open(&disc),
                &files(&format!("s{n}"), n, &[5000]),
                multisession_options(),
            )
            .unwrap_or_else(|e| panic!("{profile}: session {n}: {e}"));
            let recorder = open(&disc);
            let info = recorder.media_info().unwrap();
            // The volume at LBA 16 describes every session so far.
            let (_, volume) = volume_at(&disc, 0);
            let align = profile.overwrite_session_align();
            let nwa = volume.div_ceil(align) * align;
            assert!(nwa > 0, "{profile}");
            assert_eq!(info.next_writable, Some(nwa), "{profile} after session {n}");
            assert_eq!(
                info.free_blocks,
                info.total_sectors - nwa,
                "{profile} after session {n}"
            );
            // The file-system image places the next session there too.
            let next = next_session(&recorder, &Files::new()).unwrap();
            use multisession::fsi::SessionStream;
            assert_eq!(next.start_block(), nwa, "{profile}");
        }
    }
}

#[test]
fn a_blank_bd_re_offers_the_room_its_default_format_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let disc = new_disc(dir.path(), "bdre.img", Profile::BdRe);
    let blank = open(&disc).media_info().unwrap();
    assert_eq!(blank.next_writable, Some(0));
    assert_eq!(blank.free_blocks, blank.total_sectors);
    append(&open(&disc), &files("a", 1, &[10]), multisession_options()).unwrap();
    let formatted = open(&disc).media_info().unwrap();
    assert_eq!(
        (blank.total_sectors, formatted.total_sectors),
        (11_826_176, 11_826_176),
        "what the blank disc offered is what the first write's format left"
    );
}

#[test]
fn an_unreadable_lba_16_leaves_an_overwritable_medium_probed_with_all_of_it_free() {
    let dir = tempfile::tempdir().unwrap();
    let disc = new_disc(dir.path(), "dvd+rw.img", Profile::DvdPlusRw);
    append(&open(&disc), &files("a", 1, &[10]), multisession_options()).unwrap();
    set_faults(&disc, serde_json::json!({ "fail_read_lba": 16 }));
    let info = open(&disc).media_info().unwrap();
    assert_eq!(info.next_writable, Some(0));
    assert_eq!(info.free_blocks, info.total_sectors);
}

/// Every file of the session at `start` as our importer reads it there,
/// through the drive (the session's own descriptors, not those at LBA 16).
fn content_at(recorder: &std::sync::Arc<multisession::Recorder>, start: u32) -> Files {
    let imported =
        multisession::fsi::import(recorder.as_ref(), start, None, Default::default()).unwrap();
    snapshot(&imported.tree, recorder.as_ref())
}

#[test]
fn three_sessions_on_a_pseudo_overwrite_bd_r_grow_one_volume_each_readable_at_its_start() {
    use multisession::scsi::emulator::DiscSpec;
    use multisession::session::Kind;
    let dir = disc_named(DiscSpec::new(Profile::BdR).pow(true), "pow.img");
    let disc = dir.image.clone();
    let mut expected = Files::new();
    let mut end_of_previous = 0;
    for n in 0..3u32 {
        let add = files(&format!("s{n}"), n, &[10, 5000]);
        let options = WriteOptions {
            verify: true,
            ..multisession_options()
        };
        let report =
            append(&open(&disc), &add, options).unwrap_or_else(|e| panic!("session {n}: {e}"));
        assert!(report.verified, "session {n}");
        assert!(
            report.start_lba >= end_of_previous && report.start_lba % 32 == 0,
            "session {n} at {} after {end_of_previous}",
            report.start_lba
        );
        end_of_previous = report.start_lba + report.sectors;
        expected = merged(&expected, &add);
        let recorder = open(&disc);
        // LBA 16 leads to the newest tree; the session's own descriptors
        // at its start describe the same tree.
        assert!(
            current_content(&recorder) == expected,
            "after session {n} at LBA 16"
        );
        assert!(
            content_at(&recorder, report.start_lba) == expected,
            "after session {n} at LBA {}",
            report.start_lba
        );
        let (_, volume) = volume_at(&disc, 0);
        assert_eq!(volume, end_of_previous, "session {n}: the volume grew");
        // The disc stays appendable: only PseudoOverwrite still applies,
        // and it places the next session at or after the next writable
        // address.
        let info = recorder.media_info().unwrap();
        assert_eq!(info.disc_status, DiscStatus::Appendable);
        let offered = multisession::session::offer(&recorder).unwrap();
        let usable: Vec<Kind> = offered
            .iter()
            .filter(|m| m.is_supported_on_current_media_state().unwrap())
            .map(|m| m.kind())
            .collect();
        assert_eq!(usable, [Kind::PseudoOverwrite], "after session {n}");
        let next = offered[1].next_session().unwrap();
        assert!(
            next.start_block >= info.next_writable.unwrap() && next.start_block >= end_of_previous,
            "after session {n}: next at {}",
            next.start_block
        );
        let listed = multisession::fsi::recorded_sessions(&recorder).unwrap();
        assert_eq!(listed.len(), 1, "one growing volume");
        assert_eq!((listed[0].start, listed[0].blocks), (0, end_of_previous));
    }
}
