//! The state-changing commands: CLOSE per profile, page 05 and
//! finalization, RESERVE TRACK, FORMAT UNIT, BLANK; and GET EVENT STATUS.

use crate::support::drive::{be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;
use multisession::scsi::Sense;

/// Page 05 as MODE SENSE returns it, ready for MODE SELECT.
fn page05(d: &mut Disc) -> Vec<u8> {
    let mut p = d
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    assert_eq!(p.len(), 60);
    assert_eq!((p[8] & 0x3F, p[9]), (0x05, 0x32));
    p[0..8].fill(0);
    p
}

fn select(d: &mut Disc, p: &[u8]) -> Result<(), Sense> {
    d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, p.len() as u8, 0], p)
}

#[test]
fn page_05_defaults_keep_discs_appendable_and_multi_00_finalizes() {
    for profile in [
        Profile::CdR,
        Profile::DvdMinusR,
        Profile::DvdMinusRwSequential,
    ] {
        let mut d = Disc::new(DiscSpec::new(profile));
        let p = page05(&mut d);
        assert_eq!(p[11] >> 6, 3, "{profile}: multi-session 11b by default");
        // A CD track holds at least 300 blocks.
        let blocks = if profile == Profile::CdR { 300 } else { 64 };
        d.write_session(blocks, if profile == Profile::CdR { 0xFF } else { 1 });
        assert_eq!(d.rdi()[2] & 3, 1, "{profile}: appendable");
        let mut p = page05(&mut d);
        p[11] &= 0x3F;
        select(&mut d, &p).unwrap();
        assert_eq!(page05(&mut d)[11] >> 6, 0);
        d.write_session(blocks, if profile == Profile::CdR { 0xFF } else { 2 });
        let r = d.rdi();
        assert_eq!((r[2] & 0x0F, r[4]), (0x0E, 2), "{profile}: finalized");
    }
}

#[test]
fn a_cd_track_shorter_than_300_blocks_cannot_be_closed() {
    for profile in [Profile::CdR, Profile::CdRw] {
        let mut d = Disc::new(DiscSpec::new(profile));
        let (nwa, _) = d.nwa(1);
        d.write(nwa, 29).unwrap();
        d.sync().unwrap();
        // Neither CLOSE TRACK nor CLOSE SESSION (which closes the open
        // track too) accepts it; the disc stays as it was.
        assert_eq!(
            d.close(1, 0xFF),
            Err(Sense::ILLEGAL_MODE_FOR_TRACK),
            "{profile}"
        );
        assert_eq!(
            d.close(2, 0),
            Err(Sense::ILLEGAL_MODE_FOR_TRACK),
            "{profile}"
        );
        assert_eq!(d.rdi()[2] & 0x0C, 0x04, "{profile}: session still open");
        // Filled up to the minimum, the same track closes.
        d.write(nwa + 29, 271).unwrap();
        d.sync().unwrap();
        d.close(1, 0xFF).unwrap();
        d.close(2, 0).unwrap();
        let r = d.rdi();
        assert_eq!(
            (r[2] & 0x0F, r[4]),
            (0x01, 2),
            "{profile}: appendable, one closed session and an empty one"
        );
        let track = d.rti(1, 1).unwrap();
        // 300 written blocks and the two run-out blocks of a TAO track.
        assert_eq!(be32(&track, 24), 302, "{profile}: track size");
    }
}

#[test]
fn changeable_page_05_bits_are_reported() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let m = d
        .data_in(&[0x5A, 0, 0x45, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    assert_eq!(
        (m[10], m[11], m[12]),
        (0x6F, 0xFF, 0x0F),
        "Test Write not changeable"
    );
    assert_eq!(
        d.data_in(&[0x5A, 0, 0x1A, 0, 0, 0, 0, 0, 60, 0], 60),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "a page the drive does not have (power condition)"
    );
}

#[test]
fn close_functions_per_profile() {
    // DVD+R: 010b keeps it appendable, 101b and 110b finalize.
    for function in [5, 6] {
        let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).sessions(&[1000]));
        d.write(3056, 16).unwrap();
        d.close(1, 2).unwrap();
        d.close(2, 0).unwrap();
        assert_eq!(d.rdi()[2] & 3, 1);
        let nwa = d.nwa(0xFF).0;
        d.write(nwa, 16).unwrap();
        d.close(function, 0).unwrap();
        let r = d.rdi();
        assert_eq!((r[2] & 3, r[4]), (2, 3), "function {function}");
    }
    // BD-R finalizes with 110b only; DVD-R with 011b.
    let mut d = Disc::new(DiscSpec::new(Profile::BdR).open_session(&[64], true));
    assert_eq!(d.close(5, 0), Err(Sense::INVALID_FIELD_IN_CDB));
    d.close(6, 0).unwrap();
    assert_eq!(d.rdi()[2] & 3, 2);
    assert_eq!(d.write(64, 32), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR).open_session(&[64], true));
    d.close(3, 0).unwrap();
    assert_eq!(d.rdi()[2] & 3, 2);
    // CLOSE TRACK names the incomplete track.
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR).open_session(&[64], true));
    assert_eq!(d.close(1, 5), Err(Sense::INVALID_FIELD_IN_CDB));
    d.close(1, 1).unwrap();
    let r = d.rdi();
    assert_eq!(
        (r[2], r[5], r[6]),
        (0x05, 1, 2),
        "track closed, session open"
    );
    // Overwritable media accept the stop-formatting closes.
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw).formatted(true));
    d.close(0, 0).unwrap();
    d.close(2, 0).unwrap();
    assert_eq!(d.close(6, 0), Err(Sense::INVALID_FIELD_IN_CDB));
}

#[test]
fn reserve_track_fixes_the_track_size() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    let size = 1000u32.to_be_bytes();
    d.no_data(&[0x53, 0, 0, 0, 0, size[0], size[1], size[2], size[3], 0])
        .unwrap();
    let t = d.rti(1, 1).unwrap();
    assert_eq!(t[6] & 0x80, 0x80, "reserved track");
    assert_eq!((be32(&t, 16), be32(&t, 24)), (1008, 1008));
    assert_eq!(
        d.no_data(&[0x53, 0, 0, 0, 0, size[0], size[1], size[2], size[3], 0]),
        Err(Sense::COMMAND_SEQUENCE_ERROR)
    );
    d.write(0, 16).unwrap();
    assert_eq!(d.nwa(1), (16, 992));
    d.close(1, 1).unwrap();
    d.close(2, 0).unwrap();
    // The drive padded the track to the reservation.
    assert_eq!(be32(&d.rti(1, 1).unwrap(), 24), 1008);
    assert_eq!(d.nwa(0xFF).0, 1008 + 2048);
}

fn format(d: &mut Disc, kind: u8, subtype: u8, blocks: u32) -> Result<(), Sense> {
    let b = blocks.to_be_bytes();
    let list = [
        0,
        0,
        0,
        8,
        b[0],
        b[1],
        b[2],
        b[3],
        kind << 2 | subtype,
        0,
        0,
        0,
    ];
    d.data_out(&[0x04, 0x11, 0, 0, 0, 0], &list)
}

#[test]
fn format_unit_formats_dvd_plus_rw_bd_re_and_bd_r() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw));
    assert_eq!(
        format(&mut d, 0x30, 0, 1),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS)
    );
    format(&mut d, 0x26, 0, u32::MAX).unwrap();
    assert_eq!((d.rdi()[7], d.capacity().unwrap()), (1, 2295103));
    d.reopen();
    assert_eq!(d.rdi()[7], 1, "persisted");

    let mut d = Disc::new(DiscSpec::new(Profile::BdRe));
    format(&mut d, 0x30, 0, 11826176).unwrap();
    assert_eq!(d.capacity().unwrap(), 11826175);
    d.write(0, 32).unwrap();

    // BD-R: the capacity is the offered descriptor the host picked (the
    // spare area it leaves); one not offered is refused.
    let mut d = Disc::new(DiscSpec::new(Profile::BdR));
    assert_eq!(
        format(&mut d, 0x32, 0, 12219392),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS)
    );
    format(&mut d, 0x32, 0, 12088320).unwrap();
    let (_, features) = d.current_features();
    assert!(features.contains(&0x38), "SRM+POW");
    assert_eq!(d.rdi()[2], 0x01);
    assert_eq!(d.nwa(1), (0, 12088320));

    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    assert_eq!(format(&mut d, 0x26, 0, 1), Err(Sense::CANNOT_FORMAT));
    // An Immed format keeps the drive busy with 2/04/04 per the quirk.
    let q = multisession::scsi::emulator::Quirks {
        immed_busy_polls: 1,
        ..Default::default()
    };
    let mut d = Disc::new(DiscSpec::new(Profile::BdRe).quirks(q));
    d.data_out(
        &[0x04, 0x11, 0, 0, 0, 0],
        &[0, 0x02, 0, 8, 0, 0xB4, 0x80, 0, 0x30 << 2, 0, 0, 0],
    )
    .unwrap();
    assert_eq!(d.tur(), Err(Sense::FORMAT_IN_PROGRESS));
    d.tur().unwrap();
}

#[test]
fn dvd_rw_formats_to_restricted_overwrite_and_blanks_back() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusRwSequential).sessions(&[1000]));
    format(&mut d, 0x10, 0, 2297888).unwrap();
    assert_eq!(d.current_features().0, 0x13);
    assert_eq!(d.capacity().unwrap(), 2297887);
    d.no_data(&[0xA1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(d.current_features().0, 0x14);
    assert_eq!(d.rdi()[2], 0x10, "blank and erasable");
}

#[test]
fn blank_returns_rewritable_media_to_blank() {
    let mut d = Disc::finalized(Profile::CdRw, &[608]);
    d.no_data(&[0xA1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(d.rdi()[2], 0x10);
    assert_eq!(d.nwa(0xFF), (0, 359847));
    assert_eq!(std::fs::metadata(&d.image).unwrap().len(), 0, "data gone");
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    assert_eq!(
        d.no_data(&[0xA1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(Sense::INCOMPATIBLE_MEDIUM)
    );
}

#[test]
fn minimally_blanked_dvd_rw_loses_incremental_recording() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusRwSequential).sessions(&[1000]));
    d.no_data(&[0xA1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        .unwrap();
    let (_, features) = d.current_features();
    assert!(!features.contains(&0x21));
    assert_eq!(d.write(0, 16), Err(Sense::ILLEGAL_MODE_FOR_TRACK));
    let p = page05(&mut d);
    assert_eq!(select(&mut d, &p), Err(Sense::ILLEGAL_MODE_FOR_TRACK));
    // DAO still works.
    let mut p = p;
    p[10] = (p[10] & 0xF0) | 2;
    select(&mut d, &p).unwrap();
    d.write(0, 16).unwrap();
    // A full blank brings incremental back.
    d.no_data(&[0xA1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    assert!(d.current_features().1.contains(&0x21));
}

#[test]
fn event_status_reports_new_media_once() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    let cdb = [0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0];
    let first = d.data_in(&cdb, 8).unwrap();
    assert_eq!((first[2], first[4] & 0x0F, first[5] & 0x02), (4, 2, 2));
    let second = d.data_in(&cdb, 8).unwrap();
    assert_eq!(second[4] & 0x0F, 0);
    assert_eq!(
        d.data_in(&[0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], 8),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
    let none = d.data_in(&[0x4A, 1, 0, 0, 0x04, 0, 0, 0, 8, 0], 8).unwrap();
    assert_eq!(none, [0, 2, 0x80, 0x10]);
}

#[test]
fn pseudo_overwrite_bd_r_remaps_rewrites_of_recorded_blocks_past_the_next_writable_address() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdR).pow(true));
    d.write(0, 40).unwrap();
    d.sync().unwrap();
    assert_eq!(d.nwa(1).0, 40);
    // One block inside cluster 0 and two spanning clusters 0 and 1: the
    // replacements take whole clusters from the next boundary on.
    d.write_data(16, &crate::support::drive::block_pattern(1000, 1))
        .unwrap();
    assert_eq!(d.nwa(1).0, 64 + 32);
    d.write_data(31, &crate::support::drive::block_pattern(2000, 2))
        .unwrap();
    assert_eq!(d.nwa(1).0, 96 + 64);
    assert_eq!(be32(&d.read(16, 1).unwrap(), 0), 1000);
    assert_eq!(be32(&d.read(32, 1).unwrap(), 0), 2001);
    assert_eq!(be32(&d.read(17, 1).unwrap(), 0), 17, "untouched");
    // Past the next writable address is no rewrite.
    assert_eq!(d.write(200, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));

    let mut srm = Disc::new(DiscSpec::new(Profile::BdR).formatted(true));
    srm.write(0, 40).unwrap();
    assert_eq!(srm.write(16, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
}
