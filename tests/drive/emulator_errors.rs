//! The error behaviour of docs/mmc-notes.md §7.7, each with its exact sense, plus
//! allocation lengths, residuals and REQUEST SENSE.

use crate::support::drive::{be32, Disc, T};
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;
use multisession::scsi::{DataDirection, Sense, Transport};

#[test]
fn no_medium_gives_2_3a_00_and_profile_0() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).no_media());
    assert_eq!(d.tur(), Err(Sense::NO_MEDIUM));
    assert_eq!(
        d.data_in(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34),
        Err(Sense::NO_MEDIUM)
    );
    assert_eq!(d.capacity(), Err(Sense::NO_MEDIUM));
    assert_eq!(d.read(0, 1), Err(Sense::NO_MEDIUM));
    let cfg = d.config(0, 0).unwrap();
    assert_eq!(&cfg[6..8], &[0, 0]);
    let inquiry = d.data_in(&[0x12, 0, 0, 0, 36, 0], 36).unwrap();
    assert_eq!(inquiry[0], 5);
    // GET EVENT STATUS: media class, no medium present.
    let ev = d.data_in(&[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8).unwrap();
    assert_eq!(ev[5] & 0x02, 0);
}

#[test]
fn write_away_from_the_nwa_is_5_21_02() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    assert_eq!(d.write(12011, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    assert_eq!(d.write(0, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    d.write(12010, 2).unwrap();
    // Later writes must continue where the last one ended.
    assert_eq!(d.write(12010, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    d.write(12012, 1).unwrap();
}

#[test]
fn write_beyond_capacity_is_5_21_00() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).capacity(64));
    assert_eq!(d.write(48, 32), Err(Sense::LBA_OUT_OF_RANGE));
    assert_eq!(d.write(u32::MAX, 1), Err(Sense::LBA_OUT_OF_RANGE));
    let mut d = Disc::new(DiscSpec::new(Profile::BdRe).formatted(true).capacity(64));
    assert_eq!(d.write(60, 8), Err(Sense::LBA_OUT_OF_RANGE));
    d.write(56, 8).unwrap();
}

#[test]
fn write_on_finalized_disc_is_5_21_02() {
    let mut d = Disc::finalized(Profile::DvdPlusR, &[160]);
    assert_eq!(d.write(160, 16), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
}

#[test]
fn write_protection_is_7_27_00_for_write_close_and_format() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw).write_protected(true));
    assert_eq!(d.write(0, 16), Err(Sense::WRITE_PROTECTED));
    assert_eq!(d.close(2, 0), Err(Sense::WRITE_PROTECTED));
    let format = [0, 0x02, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x26 << 2, 0, 0, 0];
    assert_eq!(
        d.data_out(&[0x04, 0x11, 0, 0, 0, 0], &format),
        Err(Sense::WRITE_PROTECTED)
    );
    assert_eq!(d.rdi()[2] & 0x03, 0, "nothing changed");
}

#[test]
fn read_only_image_file_opens_but_refuses_writes() {
    use std::os::unix::fs::PermissionsExt;
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    std::fs::set_permissions(&d.image, std::fs::Permissions::from_mode(0o444)).unwrap();
    d.reopen();
    assert_eq!(d.nwa(0xFF), (12010, 347837));
    assert_eq!(d.write(12010, 1), Err(Sense::WRITE_PROTECTED));
    assert_eq!(d.close(2, 0), Err(Sense::WRITE_PROTECTED));
    assert_eq!(d.read(0, 1).unwrap().len(), 2048);
}

#[test]
fn invalid_fields_are_5_24_00() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR).sessions(&[1000]));
    // RTI for a track that does not exist, and 0xFF where DVD-R has no alias.
    assert_eq!(d.rti(1, 7), Err(Sense::INVALID_FIELD_IN_CDB));
    assert_eq!(d.rti(1, 0xFF), Err(Sense::INVALID_FIELD_IN_CDB));
    // RDI data type other than 000b.
    assert_eq!(
        d.data_in(&[0x51, 1, 0, 0, 0, 0, 0, 0, 34, 0], 34),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
    // TOC format 5 (CD-TEXT) is not offered.
    assert_eq!(d.toc(5, false, 0), Err(Sense::INVALID_FIELD_IN_CDB));
    // A CDB shorter than its command.
    assert_eq!(d.no_data(&[0x35, 0, 0]), Err(Sense::INVALID_FIELD_IN_CDB));
}

#[test]
fn unknown_opcode_is_5_20_00() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(
        d.no_data(&[0xFF, 0, 0, 0, 0, 0]),
        Err(Sense::INVALID_OPCODE)
    );
    assert_eq!(d.no_data(&[0xA3; 12]), Err(Sense::INVALID_OPCODE));
}

#[test]
fn reads_of_unwritten_blocks_on_sequential_media_fail() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    assert_eq!(d.read(607, 1).unwrap().len(), 2048);
    // The two TAO run-out blocks are unreadable like a damaged sector.
    assert_eq!(d.read(608, 1), Err(Sense::UNRECOVERED_READ_ERROR));
    assert_eq!(d.read(607, 2), Err(Sense::UNRECOVERED_READ_ERROR));
    // The gap and the blank area hold nothing.
    assert_eq!(d.read(5000, 1), Err(Sense::LBA_OUT_OF_RANGE));
    assert_eq!(d.read(12010, 1), Err(Sense::LBA_OUT_OF_RANGE));
    // Overwritable media read zeros where nothing was written.
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw).formatted(true));
    assert_eq!(d.read(100_000, 1).unwrap(), vec![0; 2048]);
    assert_eq!(d.read(2_295_104, 1), Err(Sense::LBA_OUT_OF_RANGE));
}

#[test]
fn dvd_rw_restricted_overwrite_needs_16_block_packets() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusRwRestricted));
    assert_eq!(d.write(8, 16), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    assert_eq!(d.write(16, 8), Err(Sense::INVALID_FIELD_IN_CDB));
    d.write(32, 16).unwrap();
}

#[test]
fn unformatted_bd_re_refuses_writes_and_dvd_plus_rw_formats_itself() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdRe));
    assert_eq!(d.write(0, 32), Err(Sense::MEDIUM_NOT_FORMATTED));
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw));
    d.write(0, 16).unwrap();
    assert_eq!(
        d.rdi()[7],
        1,
        "background format suspended, as real drives say"
    );
}

#[test]
fn unsupported_page_05_values_are_5_26_00() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR));
    let mut page = d
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    page[0..8].fill(0);
    page[8 + 2] = (page[8 + 2] & 0xF0) | 1; // TAO is a CD write type
    assert_eq!(
        d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &page),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS)
    );
    page[8] = 0x2A; // another page code
    assert_eq!(
        d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &page),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS)
    );
}

#[test]
fn replies_are_cut_to_the_allocation_length_with_a_residual() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let full = d.rdi();
    let mut buf = vec![0u8; 64];
    let c = d
        .drive
        .execute(
            &[0x51, 0, 0, 0, 0, 0, 0, 0, 8, 0],
            DataDirection::FromDevice(&mut buf),
            T,
        )
        .unwrap();
    assert_eq!(c.residual, 56);
    assert_eq!(&buf[..8], &full[..8]);
    assert_eq!(&buf[8..], &[0; 56]);
    // GET CONFIGURATION announces its full length in an 8-byte header.
    let head = d.data_in(&[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], 8).unwrap();
    let all = d.config(0, 0).unwrap();
    assert_eq!(be32(&head, 0) as usize, all.len() - 4);
}

#[test]
fn request_sense_reports_the_last_failure_once() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    assert_eq!(d.write(5, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    let s = d.data_in(&[0x03, 0, 0, 0, 18, 0], 18).unwrap();
    assert_eq!(Sense::decode(&s), Some(Sense::INVALID_ADDRESS_FOR_WRITE));
    let s = d.data_in(&[0x03, 0, 0, 0, 18, 0], 18).unwrap();
    assert_eq!(Sense::decode(&s), Some(Sense::new(0, 0, 0)));
    // Descriptor format on request.
    assert_eq!(d.write(5, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    let s = d.data_in(&[0x03, 1, 0, 0, 8, 0], 8).unwrap();
    assert_eq!(s[0], 0x72);
    assert_eq!(Sense::decode(&s), Some(Sense::INVALID_ADDRESS_FOR_WRITE));
}

#[test]
fn inquiry_identifies_an_mmc_drive() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let r = d.data_in(&[0x12, 0, 0, 0, 96, 0], 96).unwrap();
    assert_eq!(r.len(), 36);
    assert_eq!((r[0], r[1], r[3], r[4]), (5, 0x80, 2, 31));
    assert_eq!(&r[8..16], b"MSEMU   ");
    assert_eq!(
        d.data_in(&[0x12, 1, 0x80, 0, 96, 0], 96),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
}

#[test]
fn commands_are_counted() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(d.drive.commands_executed(), 0);
    d.tur().unwrap();
    let _ = d.no_data(&[0xFF, 0, 0, 0, 0, 0]);
    d.rdi();
    assert_eq!(d.drive.commands_executed(), 3);
    assert!(d.drive.describe().contains("cd-r"));
}
