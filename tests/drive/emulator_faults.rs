//! Injected faults: a failing Nth WRITE, power loss after N blocks (swept
//! over every failure point), an unreadable LBA, and host I/O errors of the
//! image file itself (EIO on read and write, ENOSPC, EFBIG at a chosen
//! block; a read-only image), each with a clear code and an intact disc.

use crate::support::burn;
use crate::support::discs::disc_named;
use crate::support::drive::{be32, block_pattern as pattern, Disc, T};
use crate::support::fails_naming;
use std::path::Path;

use multisession::hresult::{
    HResult, MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
    MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, MS_E_WIN32_DISK_FULL, MS_E_WIN32_FILE_TOO_LARGE,
    MS_E_WIN32_IO_DEVICE, MS_IMAPI_E_IMPORT_READ_FAILURE,
};
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, Faults, HostErrno, ImageFault};
use multisession::scsi::{DataDirection, Sense, Transport};

#[test]
fn the_nth_write_fails_with_a_medium_error_and_writes_nothing() {
    for n in 1..=4u64 {
        let faults = Faults {
            fail_write_command: Some(n),
            ..Faults::default()
        };
        let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).faults(faults));
        let mut lba = 0;
        for i in 1..=4u64 {
            let r = d.write(lba, 16);
            if i == n {
                assert_eq!(r, Err(Sense::WRITE_ERROR), "write {i} of sweep {n}");
                assert_eq!(d.nwa(0xFF).0, lba, "NWA unchanged after the failure");
            } else {
                r.unwrap();
                lba += 16;
            }
        }
        // One-shot: the retry goes through.
        d.write(lba, 16).unwrap();
        assert_eq!(d.nwa(0xFF).0, 64);
    }
}

/// The first `blocks` blocks of the image file (zeros past its end).
fn image_blocks(d: &Disc, blocks: usize) -> Vec<u8> {
    let mut data = std::fs::read(&d.image).unwrap();
    data.resize(blocks * 2048, 0);
    data
}

#[test]
fn power_loss_keeps_exactly_the_blocks_before_it_at_every_point() {
    let expected = pattern(0, 80);
    for limit in (0..=80u64).step_by(5) {
        let faults = Faults {
            power_loss_after_blocks: Some(limit),
            ..Faults::default()
        };
        let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR).faults(faults));
        let mut lost_at = None;
        for w in 0..5u32 {
            let data = pattern(w * 16, 16);
            let l = (w * 16).to_be_bytes();
            let result = d.drive.execute(
                &[0x2A, 0, l[0], l[1], l[2], l[3], 0, 0, 16, 0],
                DataDirection::ToDevice(&data),
                T,
            );
            match result {
                Ok(c) => assert!(c.decoded_sense().is_none(), "limit {limit}"),
                Err(e) => {
                    assert_eq!(e.code(), MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
                    lost_at = Some(w);
                    break;
                }
            }
        }
        if limit >= 80 {
            assert_eq!(lost_at, None);
            continue;
        }
        assert_eq!(lost_at, Some(limit as u32 / 16), "limit {limit}");
        // The drive is gone for every command until the disc is reopened.
        assert!(d.drive.execute(&[0; 6], DataDirection::None, T).is_err());
        let kept = limit as usize * 2048;
        let on_disc = image_blocks(&d, 80);
        assert_eq!(&on_disc[..kept], &expected[..kept], "limit {limit}");
        assert!(on_disc[kept..].iter().all(|&b| b == 0), "limit {limit}");
        d.reopen();
        d.tur().unwrap();
        if limit == 0 {
            assert_eq!(d.rdi()[2], 0x00, "nothing was written: still blank");
        } else {
            let r = d.rdi();
            assert_eq!(r[2], 0x05, "an incomplete session remains");
            let t = d.rti(1, 1).unwrap();
            assert_eq!(be32(&t, 12), limit as u32, "NWA after the last kept block");
        }
    }
}

#[test]
fn a_bad_sector_fails_reads_with_3_11_00() {
    let faults = Faults {
        fail_read_lba: Some(20),
        ..Faults::default()
    };
    let mut d = cd_rom_with(faults);
    assert_eq!(d.read(16, 8), Err(Sense::UNRECOVERED_READ_ERROR));
    assert_eq!(d.read(16, 4).unwrap().len(), 4 * 2048);
    assert_eq!(d.read(21, 4).unwrap().len(), 4 * 2048);
}

/// While another writer holds the disc its open session is work in
/// progress: a second `DataWriter` is told the disc is in use, not that an
/// interrupted write needs `recover`.
#[test]
fn a_second_data_writer_hears_the_disc_is_in_use_before_any_recover_advice() {
    use multisession::burn::{DataWriter, Flow, WriteOptions};
    use multisession::fsi::FileSystemImage;
    use std::sync::Arc;

    let dir = disc_named(
        DiscSpec::new(Profile::CdR)
            .sessions(&[300])
            .open_session(&[40], true),
        "busy.img",
    );
    let disc = dir.image.clone();
    let first_writer = multisession::scsi::emulator::lock_disc(&disc).unwrap();
    let recorder = Arc::new(multisession::Recorder::open(&disc).unwrap());
    let mut image = FileSystemImage::new();
    let body = Arc::new(burn::Bytes(Arc::new(b"second".to_vec())));
    image.add_source("/b", 6, body, false).unwrap();
    let mut session = image.create_result_image().unwrap();
    let writer = DataWriter::new(recorder, WriteOptions::default());
    let e = fails_naming(
        writer.write(&mut session, &mut |_| Flow::Continue),
        MS_E_IMAPI_RECORDER_LOCKED,
        "in use by another writer",
    );
    assert!(!e.detail().contains("recover"), "{e}");
    // Once the other writer is gone the open session is an interrupted
    // write, and that is what the advice says.
    drop(first_writer);
    let e = writer
        .write(&mut session, &mut |_| Flow::Continue)
        .unwrap_err();
    assert!(e.detail().contains("recover"), "{e}");
}

/// The three host errors an image write can meet, with the code each must
/// reach the user as.
fn host_write_errors() -> [(HostErrno, HResult); 3] {
    [
        (HostErrno::Eio, MS_E_WIN32_IO_DEVICE),
        (HostErrno::Enospc, MS_E_WIN32_DISK_FULL),
        (HostErrno::Efbig, MS_E_WIN32_FILE_TOO_LARGE),
    ]
}

#[test]
fn an_image_write_error_stops_the_write_at_its_block_names_the_host_cause_and_keeps_the_nwa() {
    for (errno, code) in host_write_errors() {
        let faults = Faults {
            image_write_error: Some(ImageFault { lba: 20, errno }),
            ..Faults::default()
        };
        let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).faults(faults));
        d.write(0, 16).unwrap();
        assert_eq!(d.write(16, 16), Err(Sense::WRITE_ERROR), "{errno:?}");
        let cause = d
            .drive
            .take_host_cause()
            .expect("the host error behind 3/0C/00");
        assert_eq!(cause.code(), code, "{cause}");
        assert!(cause.detail().contains("disc.img"), "{cause}");
        assert_eq!(
            d.nwa(0xFF).0,
            16,
            "{errno:?}: the NWA stays before the failed write"
        );
        // What reached the file before the bad block is unrecorded space,
        // and the recorded blocks read back unchanged, also after a reopen.
        assert_eq!(&image_blocks(&d, 20)[16 * 2048..], &pattern(16, 4)[..]);
        assert_eq!(d.read(0, 16).unwrap(), pattern(0, 16));
        d.reopen();
        assert_eq!(d.nwa(0xFF).0, 16, "{errno:?}");
        assert_eq!(d.read(0, 16).unwrap(), pattern(0, 16));
        assert_eq!(
            d.write(16, 4),
            Ok(()),
            "{errno:?}: blocks before the bad one still take data"
        );
    }
}

#[test]
fn an_image_read_error_fails_the_reads_that_cover_its_block_with_the_host_cause() {
    let faults = Faults {
        image_read_error: Some(ImageFault {
            lba: 20,
            errno: HostErrno::Eio,
        }),
        ..Faults::default()
    };
    let mut d = cd_rom_with(faults);
    assert_eq!(d.read(16, 8), Err(Sense::UNRECOVERED_READ_ERROR));
    let cause = d
        .drive
        .take_host_cause()
        .expect("the host error behind 3/11/00");
    assert_eq!(cause.code(), MS_E_WIN32_IO_DEVICE, "{cause}");
    assert_eq!(d.read(16, 4).unwrap().len(), 4 * 2048);
    assert_eq!(d.read(21, 4).unwrap().len(), 4 * 2048);
}

/// An appendable disc of `profile` holding one session, and its files.
fn one_session_disc(dir: &Path, profile: Profile) -> (std::path::PathBuf, burn::Files) {
    let disc = burn::new_disc(dir, "disc.img", profile);
    let first = burn::files("one", 1, &[3000, 70_000]);
    let recorder = burn::open(&disc);
    burn::append(&recorder, &first, burn::multisession_options()).unwrap();
    (disc, first)
}

#[test]
fn an_append_that_meets_a_host_write_error_fails_with_its_code_and_the_disc_takes_the_retry() {
    for profile in [Profile::CdR, Profile::DvdPlusR, Profile::BdRe] {
        for (errno, code) in host_write_errors() {
            let dir = tempfile::tempdir().unwrap();
            let (disc, first) = one_session_disc(dir.path(), profile);
            let nwa = burn::open(&disc)
                .media_info()
                .unwrap()
                .next_writable
                .unwrap();
            let errno_name = serde_json::to_value(errno).unwrap();
            burn::set_faults(
                &disc,
                serde_json::json!({ "image_write_error": { "lba": nwa + 40, "errno": errno_name } }),
            );
            let second = burn::files("two", 2, &[200_000]);
            let recorder = burn::open(&disc);
            let e = burn::append(&recorder, &second, burn::multisession_options()).unwrap_err();
            assert_eq!(e.code(), code, "{profile} {errno:?}: {e}");
            assert!(e.to_string().contains("disc.img"), "{e}");
            // The first session is intact; without the fault, `recover`
            // closes what the failure left open and the same append goes
            // through.
            assert_eq!(burn::current_content(&burn::open(&disc)), first);
            burn::set_faults(&disc, serde_json::json!({}));
            let recorder = burn::open(&disc);
            multisession::burn::DataWriter::new(recorder.clone(), burn::multisession_options())
                .recover()
                .unwrap_or_else(|e| panic!("{profile} {errno:?}: recover: {e}"));
            assert_eq!(
                burn::current_content(&recorder),
                first,
                "{profile} {errno:?}"
            );
            burn::append(&recorder, &second, burn::multisession_options())
                .unwrap_or_else(|e| panic!("{profile} {errno:?}: retry: {e}"));
            assert_eq!(
                burn::current_content(&recorder),
                burn::merged(&first, &second),
                "{profile} {errno:?}"
            );
        }
    }
}

#[test]
fn an_import_that_meets_a_host_read_error_fails_with_its_code_and_the_disc_stays_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (disc, first) = one_session_disc(dir.path(), Profile::DvdPlusR);
    // The superblock area of the first session (blocks 16..): the import
    // cannot find the volume without it.
    burn::set_faults(
        &disc,
        serde_json::json!({ "image_read_error": { "lba": 16, "errno": "EIO" } }),
    );
    let recorder = burn::open(&disc);
    let second = burn::files("two", 2, &[1000]);
    let e = burn::append(&recorder, &second, burn::multisession_options()).unwrap_err();
    // The import names its own failure and the host cause under it.
    assert_eq!(e.code(), MS_IMAPI_E_IMPORT_READ_FAILURE, "{e}");
    assert!(e.to_string().contains("Input/output error"), "{e}");
    burn::set_faults(&disc, serde_json::json!({}));
    assert_eq!(burn::current_content(&burn::open(&disc)), first);
}

#[test]
fn an_append_onto_a_read_only_image_fails_as_write_protected_and_leaves_the_disc_intact() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (disc, first) = one_session_disc(dir.path(), Profile::DvdPlusR);
    let before = std::fs::read(&disc).unwrap();
    std::fs::set_permissions(&disc, std::fs::Permissions::from_mode(0o444)).unwrap();
    let recorder = burn::open(&disc);
    let second = burn::files("two", 2, &[1000]);
    let e = burn::append(&recorder, &second, burn::multisession_options()).unwrap_err();
    assert_eq!(e.code(), MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED, "{e}");
    assert!(
        std::fs::read(&disc).unwrap() == before,
        "the image is untouched"
    );
    std::fs::set_permissions(&disc, std::fs::Permissions::from_mode(0o644)).unwrap();
    let recorder = burn::open(&disc);
    assert_eq!(burn::current_content(&recorder), first);
    burn::append(&recorder, &second, burn::multisession_options()).unwrap();
}

/// A pressed CD of one 100-block session whose drive has `faults`.
fn cd_rom_with(faults: Faults) -> Disc {
    Disc::new(
        DiscSpec::new(Profile::CdRom)
            .sessions(&[100])
            .faults(faults),
    )
}
