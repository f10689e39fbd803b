//! Two emulated drives on one disc, as two processes would have: a drive
//! notices the other's change the way a host notices a swapped disc on
//! hardware (UNIT ATTENTION 6/28/00, a GET EVENT STATUS NOTIFICATION media
//! event), through raw CDBs.

use crate::support::drive::{Disc, T};
use multisession::media::Profile;
use multisession::scsi::emulator::{sidecar_path, DiscSpec, EmulatedDrive, Quirks};
use multisession::scsi::{DataDirection, Sense, Status, Transport};

const NEW_MEDIA: u8 = 2;
const MEDIA_REMOVAL: u8 = 3;
const NO_CHANGE: u8 = 0;

/// A second drive on `disc`'s image.
fn other_drive(disc: &Disc) -> EmulatedDrive {
    EmulatedDrive::open(&disc.image).unwrap()
}

/// Polled GESN, media class: (event code, medium present).
fn media_event(drive: &mut EmulatedDrive) -> Result<(u8, bool), Sense> {
    let mut r = [0u8; 8];
    let c = drive
        .execute(
            &[0x4A, 0x01, 0, 0, 0x10, 0, 0, 0, 8, 0],
            DataDirection::FromDevice(&mut r),
            T,
        )
        .unwrap();
    match c.status {
        Status::Good => {
            assert_eq!(r[2] & 0x07, 4, "media class reported");
            Ok((r[4] & 0x0F, r[5] & 0x02 != 0))
        }
        _ => Err(c.decoded_sense().unwrap()),
    }
}

fn tur(drive: &mut EmulatedDrive) -> Result<(), Sense> {
    let c = drive
        .execute(&[0, 0, 0, 0, 0, 0], DataDirection::None, T)
        .unwrap();
    match c.status {
        Status::Good => Ok(()),
        _ => Err(c.decoded_sense().unwrap()),
    }
}

fn disc_information(drive: &mut EmulatedDrive) -> Vec<u8> {
    let mut r = vec![0u8; 34];
    let c = drive
        .execute(
            &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0],
            DataDirection::FromDevice(&mut r),
            T,
        )
        .unwrap();
    assert_eq!(c.status, Status::Good);
    r
}

/// A closed 608-block session written at the NWA of a CD-R.
fn write_session(d: &mut Disc, start: u32, track: u16) {
    for lba in (start..start + 608).step_by(32) {
        d.write(lba, 32).unwrap();
    }
    d.sync().unwrap();
    d.close(1, track).unwrap();
    d.close(2, 0).unwrap();
}

#[test]
fn a_session_written_by_another_drive_reads_as_a_swapped_disc() {
    let mut a = Disc::new(DiscSpec::new(Profile::CdR));
    let mut b = other_drive(&a);
    // Once after load, then quiet.
    assert_eq!(media_event(&mut b), Ok((NEW_MEDIA, true)));
    assert_eq!(media_event(&mut b), Ok((NO_CHANGE, true)));
    let blank = disc_information(&mut b);

    write_session(&mut a, 0, 1);

    // GESN does not report the unit attention, so both are seen.
    assert_eq!(media_event(&mut b), Ok((NEW_MEDIA, true)));
    assert_eq!(media_event(&mut b), Ok((NO_CHANGE, true)));
    assert_eq!(tur(&mut b), Err(Sense::MEDIUM_CHANGED));
    assert_eq!(tur(&mut b), Ok(()));
    let written = disc_information(&mut b);
    assert_ne!(written, blank);
    assert_eq!(written, a.rdi(), "both drives see the same disc");
}

#[test]
fn the_unit_attention_comes_on_the_next_media_command_even_without_a_poll() {
    let mut a = Disc::new(DiscSpec::new(Profile::CdR));
    let mut b = other_drive(&a);
    assert_eq!(tur(&mut b), Ok(()));
    write_session(&mut a, 0, 1);
    let mut r = vec![0u8; 34];
    let c = b
        .execute(
            &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0],
            DataDirection::FromDevice(&mut r),
            T,
        )
        .unwrap();
    assert_eq!(c.decoded_sense(), Some(Sense::MEDIUM_CHANGED));
    assert_eq!(disc_information(&mut b), a.rdi());
}

#[test]
fn a_drive_does_not_mistake_its_own_saves_for_a_change() {
    let mut a = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(media_event(&mut a.drive), Ok((NEW_MEDIA, true)));
    write_session(&mut a, 0, 1);
    assert_eq!(media_event(&mut a.drive), Ok((NO_CHANGE, true)));
    assert_eq!(tur(&mut a.drive), Ok(()));
}

#[test]
fn a_disc_taken_out_elsewhere_reports_media_removal_and_no_medium() {
    let a = Disc::new(DiscSpec::new(Profile::DvdPlusR).sessions(&[160]));
    let mut b = other_drive(&a);
    assert_eq!(media_event(&mut b), Ok((NEW_MEDIA, true)));
    DiscSpec::new(Profile::DvdPlusR)
        .no_media()
        .create(&a.image)
        .unwrap();
    assert_eq!(media_event(&mut b), Ok((MEDIA_REMOVAL, false)));
    assert_eq!(tur(&mut b), Err(Sense::NO_MEDIUM));
    // And put back in.
    DiscSpec::new(Profile::DvdPlusR)
        .sessions(&[160])
        .create(&a.image)
        .unwrap();
    assert_eq!(media_event(&mut b), Ok((NEW_MEDIA, true)));
    assert_eq!(tur(&mut b), Err(Sense::MEDIUM_CHANGED));
    assert_eq!(tur(&mut b), Ok(()));
}

#[test]
fn a_sidecar_that_no_longer_parses_reads_as_an_empty_drive_until_fixed() {
    let a = Disc::new(DiscSpec::new(Profile::CdR));
    let mut b = other_drive(&a);
    assert_eq!(tur(&mut b), Ok(()));
    let sidecar = sidecar_path(&a.image);
    let good = std::fs::read_to_string(&sidecar).unwrap();
    std::fs::write(&sidecar, "{ not json").unwrap();
    assert_eq!(tur(&mut b), Err(Sense::NO_MEDIUM));
    assert_eq!(media_event(&mut b), Ok((MEDIA_REMOVAL, false)));
    std::fs::write(&sidecar, good).unwrap();
    assert_eq!(tur(&mut b), Err(Sense::MEDIUM_CHANGED));
    assert_eq!(tur(&mut b), Ok(()));
}

#[test]
fn a_drive_without_event_status_rejects_it_as_an_unknown_command() {
    let mut a = Disc::new(DiscSpec::new(Profile::CdR).quirks(Quirks {
        no_get_event_status: true,
        ..Quirks::default()
    }));
    assert_eq!(media_event(&mut a.drive), Err(Sense::INVALID_OPCODE));
    assert_eq!(tur(&mut a.drive), Ok(()));
}
