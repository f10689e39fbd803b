//! Injected faults: a failing Nth WRITE, power loss after N blocks (swept
//! over every failure point), and an unreadable LBA.

#[path = "burn_support.rs"]
mod burn_support;
mod emulator_support;

use emulator_support::{be32, pattern, Disc, T};
use multisession::hresult::{
    MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
};
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, Faults};
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
    let mut d = Disc::new(
        DiscSpec::new(Profile::CdRom)
            .sessions(&[100])
            .faults(faults),
    );
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

    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("busy.img");
    DiscSpec::new(Profile::CdR)
        .sessions(&[300])
        .open_session(&[40], true)
        .create(&disc)
        .unwrap();
    let first_writer = multisession::scsi::emulator::lock_disc(&disc).unwrap();
    let recorder = Arc::new(multisession::Recorder::open(&disc).unwrap());
    let mut image = FileSystemImage::new();
    let body = Arc::new(burn_support::Bytes(Arc::new(b"second".to_vec())));
    image.add_source("/b", 6, body, false).unwrap();
    let mut session = image.create_result_image().unwrap();
    let writer = DataWriter::new(recorder, WriteOptions::default());
    let e = writer
        .write(&mut session, &mut |_| Flow::Continue)
        .unwrap_err();
    assert_eq!(e.code(), MS_E_IMAPI_RECORDER_LOCKED, "{e}");
    assert!(e.detail().contains("in use by another writer"), "{e}");
    assert!(!e.detail().contains("recover"), "{e}");
    // Once the other writer is gone the open session is an interrupted
    // write, and that is what the advice says.
    drop(first_writer);
    let e = writer
        .write(&mut session, &mut |_| Flow::Continue)
        .unwrap_err();
    assert!(e.detail().contains("recover"), "{e}");
}
