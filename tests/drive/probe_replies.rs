//! `mmc::probe` against hand-made drive replies carrying the numbers of
//! docs/mmc-notes.md §7 (no emulator): each table drive answers exactly the CDBs a
//! real drive in that state would answer, and refuses everything else with
//! 5/24/00 — so these tests also pin down which commands probe sends.

use crate::support::drive::extent;
use crate::support::{fails_naming, fails_with};
use multisession::hresult::*;
use multisession::internals::mmc::{self, DiscStatus, FormatState, SessionExtent, SessionState};
use multisession::media::{Profile, WriteProtect};
use multisession::scsi::Sense;
use multisession::testing::{disc_information as rdi, track_information, TableDrive};

const GET_CONFIGURATION: &[u8] = &[0x46, 0x01];
const READ_DISC_INFORMATION: &[u8] = &[0x51];
const READ_TOC_FORMAT_1: &[u8] = &[0x43, 0, 1];
const READ_CAPACITY: &[u8] = &[0x25];
const READ_FORMAT_CAPACITIES: &[u8] = &[0x23];
const TEST_UNIT_READY: &[u8] = &[0x00];

fn rti_track(n: u32) -> Vec<u8> {
    let mut v = vec![0x52, 0x01];
    v.extend_from_slice(&n.to_be_bytes());
    v
}

fn rti_session(n: u32) -> Vec<u8> {
    let mut v = vec![0x52, 0x02];
    v.extend_from_slice(&n.to_be_bytes());
    v
}

fn config(profile: u16, current: &[u16]) -> Vec<u8> {
    let mut b = vec![0u8; 8];
    b[6..8].copy_from_slice(&profile.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0x03, 4]);
    b.extend_from_slice(&profile.to_be_bytes());
    b.extend_from_slice(&[1, 0]);
    for &code in current {
        b.extend_from_slice(&code.to_be_bytes());
        match code {
            0x21 => b.extend_from_slice(&[0x05, 8, 0, 1, 0, 1, 16, 0, 0, 0]),
            _ => b.extend_from_slice(&[0x01, 4, 1, 0, 0, 0]),
        }
    }
    let len = (b.len() - 4) as u32;
    b[0..4].copy_from_slice(&len.to_be_bytes());
    b
}

struct Track {
    number: u16,
    session: u16,
    start: u32,
    nwa: Option<u32>,
    free: u32,
    size: u32,
    lra: Option<u32>,
}

impl Track {
    /// A recorded track, alone in its session.
    fn closed(number: u16, start: u32, size: u32, lra: u32) -> Track {
        Track {
            number,
            session: number,
            start,
            nwa: None,
            free: 0,
            size,
            lra: Some(lra),
        }
    }

    /// The invisible (next) track: blank, writable at its start.
    fn next(number: u16, start: u32, free: u32) -> Track {
        Track {
            number,
            session: number,
            start,
            nwa: Some(start),
            free,
            size: free,
            lra: None,
        }
    }
}

fn rti(t: Track) -> Vec<u8> {
    track_information(
        t.number,
        t.session,
        t.lra.is_none(),
        t.nwa,
        t.start,
        t.free,
        t.size,
        t.lra,
    )
}

fn toc1(last_session: u8, first_track: u8, start: u32) -> Vec<u8> {
    let mut b = vec![0, 0x0A, 1, last_session, 0, 0x14, first_track, 0];
    b.extend_from_slice(&start.to_be_bytes());
    b
}

fn capacity(last: u32) -> Vec<u8> {
    let mut b = last.to_be_bytes().to_vec();
    b.extend_from_slice(&2048u32.to_be_bytes());
    b
}

fn format_capacities(kind: u8, blocks: u32, descriptors: &[(u8, u32)]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, (8 + 8 * descriptors.len()) as u8];
    b.extend_from_slice(&blocks.to_be_bytes());
    b.extend_from_slice(&[kind, 0, 0x08, 0]);
    for &(ty, n) in descriptors {
        b.extend_from_slice(&n.to_be_bytes());
        b.extend_from_slice(&[ty << 2, 0, 0, 0]);
    }
    b
}

/// MSF bytes (0, M, S, F) of an LBA for CD disc information.
fn msf(lba: i32) -> u32 {
    let m = mmc::msf::Msf::from_lba(lba).unwrap();
    u32::from_be_bytes([0, m.minute, m.second, m.frame])
}

const CD_LEAD_OUT: i32 = 359849;

#[test]
fn blank_cd_r_starts_at_zero_with_the_whole_disc_free() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[0x21, 0x2D, 0x2E]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x00, 1, 1, 1, msf(-11634), msf(CD_LEAD_OUT)),
        )
        .on(&rti_track(0xFF), rti(Track::next(1, 0, 359849)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.profile, Profile::CdR);
    assert_eq!(m.disc_status, DiscStatus::Blank);
    assert_eq!(m.previous_session, None);
    assert_eq!(m.next_writable, Some(0));
    assert_eq!(m.free_blocks, 359847);
    assert_eq!(m.total_sectors, 359847);
    assert_eq!(m.last_recorded, None);
    assert_eq!(m.write_unit, 1);
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x52]);
}

#[test]
fn cd_r_after_two_sessions_reports_msc1_12010_and_nwa_24800() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[0x21, 0x2D, 0x2E]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x01, 3, 3, 3, msf(20150), msf(CD_LEAD_OUT)),
        )
        .on(READ_TOC_FORMAT_1, toc1(2, 2, 12010))
        .on(&rti_track(2), rti(Track::closed(2, 12010, 5890, 17897)))
        .on(&rti_track(0xFF), rti(Track::next(3, 24800, 335049)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.disc_status, DiscStatus::Appendable);
    assert_eq!(m.sessions, 2);
    assert_eq!(m.tracks, 2);
    assert_eq!(m.previous_session, extent(12010, 17897));
    assert_eq!(m.next_writable, Some(24800));
    assert_eq!(m.free_blocks, 335047);
    assert_eq!(m.last_recorded, Some(17897));
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x43, 0x52, 0x52]);
}

#[test]
fn finalized_cd_keeps_previous_session_and_has_no_nwa() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x0E, 2, 2, 2, u32::MAX, u32::MAX),
        )
        .on(READ_TOC_FORMAT_1, toc1(2, 2, 12010))
        .on(&rti_track(2), rti(Track::closed(2, 12010, 5890, 17897)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.disc_status, DiscStatus::Finalized);
    assert_eq!(m.previous_session.unwrap().start, 12010);
    assert_eq!(m.previous_session.unwrap().last_written, 17897);
    assert_eq!(m.next_writable, None);
    assert_eq!(m.free_blocks, 0);
    assert_eq!(m.total_sectors, 17898);
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x43, 0x52]);
}

#[test]
fn nwa_minus_150_on_blank_cd_is_corrected_to_the_track_start() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[0x21, 0x2D]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x00, 1, 1, 1, msf(-11634), msf(CD_LEAD_OUT)),
        )
        .on(
            &rti_track(0xFF),
            rti(Track {
                number: 1,
                session: 1,
                start: 0,
                nwa: Some((-150i32) as u32),
                free: 359999,
                size: 359999,
                lra: None,
            }),
        );
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.next_writable, Some(0));
    assert_eq!(m.free_blocks, 359847);
}

#[test]
fn sao_nwa_at_the_pregap_is_corrected_to_the_track_start() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[0x21, 0x2D]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x01, 2, 2, 2, msf(7360), msf(CD_LEAD_OUT)),
        )
        .on(READ_TOC_FORMAT_1, toc1(1, 1, 0))
        .on(&rti_track(1), rti(Track::closed(1, 0, 610, 607)))
        .on(
            &rti_track(0xFF),
            rti(Track {
                number: 2,
                session: 2,
                start: 12010,
                nwa: Some(11860),
                free: 347989,
                size: 347989,
                lra: None,
            }),
        );
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.previous_session, extent(0, 607));
    assert_eq!(m.next_writable, Some(12010));
    assert_eq!(m.free_blocks, 347837);
}

#[test]
fn mmc1_drive_without_get_configuration_is_guessed_from_disc_information() {
    let mut d = TableDrive::new()
        .fail(GET_CONFIGURATION, Sense::INVALID_OPCODE)
        .on(
            READ_DISC_INFORMATION,
            rdi(0x11, 2, 2, 2, msf(7360), msf(CD_LEAD_OUT)),
        )
        .on(READ_TOC_FORMAT_1, toc1(1, 1, 0))
        .on(&rti_track(1), rti(Track::closed(1, 0, 610, 607)))
        .on(&rti_track(0xFF), rti(Track::next(2, 12010, 347839)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.profile, Profile::CdRw);
    assert!(m.erasable);
    assert_eq!(m.next_writable, Some(12010));
    assert_eq!(m.free_blocks, 347837);
}

#[test]
fn dvd_minus_r_with_two_sessions_uses_track_numbers_not_0xff() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x11, &[0x21, 0x2F]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 3, 3, 3, 0, 2298496))
        .on(
            &rti_session(2),
            rti(Track::closed(2, 138112, 50016, 188127)),
        )
        .on(&rti_track(3), rti(Track::next(3, 226240, 2072256)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.previous_session, extent(138112, 188127));
    assert_eq!(m.next_writable, Some(226240));
    assert_eq!(m.free_blocks, 2072256);
    assert_eq!(m.total_sectors, 2298496);
    assert!(m.incremental);
    assert_eq!(m.write_unit, 16);
    assert!(d
        .sent
        .iter()
        .all(|c| c[..2] != [0x52, 0x01] || c[5] != 0xFF));
}

#[test]
fn dvd_minus_r_without_incremental_feature_is_final_session_only() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x14, &[0x2F]))
        .on(READ_DISC_INFORMATION, rdi(0x10, 1, 1, 1, 0, 2298496))
        .on(&rti_track(1), rti(Track::next(1, 0, 2298496)));
    let m = mmc::probe(&mut d).unwrap();
    assert!(!m.incremental);
    assert_eq!(m.disc_status, DiscStatus::Blank);
}

#[test]
fn dvd_plus_r_names_the_next_track_by_number() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x1B, &[0x2B]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 2, 2, 2, 0, 2295104))
        .on(&rti_session(1), rti(Track::closed(1, 0, 100000, 99999)))
        .fail(&rti_track(0xFF), Sense::INVALID_FIELD_IN_CDB)
        .on(&rti_track(2), rti(Track::next(2, 138112, 2156992)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.previous_session, extent(0, 99999));
    assert_eq!(m.next_writable, Some(138112));
    assert_eq!(m.free_blocks, 2156992);
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x52, 0x52]);
}

/// A CD-R whose one closed session fills it, before the question about
/// its next track.
fn full_cd_r() -> TableDrive {
    TableDrive::new()
        .on(GET_CONFIGURATION, config(0x09, &[0x2D]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x01, 2, 2, 2, msf(7360), msf(CD_LEAD_OUT)),
        )
        .on(READ_TOC_FORMAT_1, toc1(1, 1, 0))
        .on(&rti_track(1), rti(Track::closed(1, 0, 359849, 359846)))
}

#[test]
fn full_disc_refusing_the_next_track_has_no_nwa() {
    let mut d = full_cd_r().fail(&rti_track(0xFF), Sense::INVALID_FIELD_IN_CDB);
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.next_writable, None);
    assert_eq!(m.free_blocks, 0);
    assert_eq!(m.previous_session.unwrap().last_written, 359846);
}

/// A data phase too long for SG_IO has the HRESULT of a refused field
/// (`E_INVALIDARG`) but says nothing about the disc: probe must fail, not
/// read it as "the disc is full".
#[test]
fn host_misuse_with_the_refused_field_code_is_not_a_full_disc() {
    let mut d = full_cd_r().host_fails(
        &rti_track(0xFF),
        multisession::Error::misuse(MS_E_INVALIDARG, "data phase too long for SG_IO"),
    );
    let e = fails_with(mmc::probe(&mut d), MS_E_INVALIDARG);
    assert_eq!(e.cause(), multisession::error::Cause::Misuse);
}

/// `E_NOTIMPL` from anywhere but the drive's 5/20/00 is no MMC-1 drive.
#[test]
fn host_not_implemented_is_not_an_mmc1_drive() {
    let mut d = TableDrive::new()
        .host_fails(
            GET_CONFIGURATION,
            multisession::Error::new(MS_E_NOTIMPL, "host adapter cannot pass this CDB"),
        )
        .on(
            READ_DISC_INFORMATION,
            rdi(0x11, 2, 2, 2, msf(7360), msf(CD_LEAD_OUT)),
        );
    fails_with(mmc::probe(&mut d), MS_E_NOTIMPL);
    assert_eq!(d.opcodes(), vec![0x46]);
}

#[test]
fn open_session_with_a_closed_track_reports_that_track_as_last_recorded() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x1B, &[0x2B]))
        .on(READ_DISC_INFORMATION, rdi(0x05, 2, 2, 3, 0, 2295104))
        .on(&rti_session(1), rti(Track::closed(1, 0, 100000, 99999)))
        .on(
            &rti_track(3),
            rti(Track {
                number: 3,
                session: 2,
                start: 142208,
                nwa: Some(142208),
                free: 2152896,
                size: 2152896,
                lra: None,
            }),
        )
        .on(&rti_track(2), rti(Track::closed(2, 138112, 4096, 142207)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.last_session, SessionState::Incomplete);
    assert_eq!(m.sessions, 1);
    assert_eq!(m.last_recorded, Some(142207));
    assert_eq!(m.next_writable, Some(142208));
    assert!(m
        .media_state()
        .contains(multisession::MediaState::NON_EMPTY_SESSION));
}

#[test]
fn multi_track_session_reads_its_last_track_separately() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x41, &[0x41]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 2, 3, 3, 0, 12219392))
        .on(&rti_session(1), rti(Track::closed(1, 0, 64, 63)))
        .on(
            &rti_track(2),
            rti(Track {
                number: 2,
                session: 1,
                start: 64,
                nwa: None,
                free: 0,
                size: 99936,
                lra: Some(99999),
            }),
        )
        .on(
            &rti_track(3),
            rti(Track {
                number: 3,
                session: 2,
                start: 100000,
                nwa: Some(100000),
                free: 12119392,
                size: 12119392,
                lra: None,
            }),
        );
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.tracks, 2);
    assert_eq!(m.previous_session, extent(0, 99999));
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x52, 0x52, 0x52]);
}

#[test]
fn formatted_unwritten_bd_r_is_blank() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x41, &[0x41]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 1, 1, 1, 0, 11826176))
        .on(&rti_track(1), rti(Track::next(1, 0, 11826176)));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.disc_status, DiscStatus::Blank);
    assert_eq!(m.previous_session, None);
    assert_eq!(m.next_writable, Some(0));
    assert_eq!(m.write_unit, 32);
}

#[test]
fn bd_r_with_pseudo_overwrite_is_flagged() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x41, &[0x38, 0x41]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 1, 1, 1, 0, 11826176))
        .on(&rti_track(1), rti(Track::next(1, 0, 11826176)));
    assert!(mmc::probe(&mut d).unwrap().pseudo_overwrite);
}

#[test]
fn unformatted_dvd_plus_rw_is_blank_with_the_0x26_capacity() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x1A, &[0x2A]))
        .on(READ_DISC_INFORMATION, rdi(0x00, 1, 1, 1, 0, 0))
        .on(
            READ_FORMAT_CAPACITIES,
            format_capacities(0x01, 2295104, &[(0x26, 2295104)]),
        )
        .on(READ_CAPACITY, capacity(0));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.format, FormatState::Unformatted);
    assert_eq!(m.free_blocks, 2295104);
    assert_eq!(m.total_sectors, 2295104);
    assert_eq!(m.last_recorded, None);
    assert!(m.media_state().contains(multisession::MediaState::BLANK));
    assert_eq!(d.opcodes(), vec![0x46, 0x51, 0x23, 0x25]);
}

#[test]
fn formatted_bd_re_reports_its_capacity_and_last_block() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x43, &[0x20, 0x41]))
        .on(READ_DISC_INFORMATION, rdi(0x0E, 1, 1, 1, 0, 0))
        .on(
            READ_FORMAT_CAPACITIES,
            format_capacities(0x02, 11826176, &[(0x30, 11826176), (0x31, 12219392)]),
        )
        .on(READ_CAPACITY, capacity(11826175));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.format, FormatState::Formatted);
    assert_eq!(m.total_sectors, 11826176);
    assert_eq!(m.last_recorded, Some(11826175));
    assert_eq!(m.next_writable, Some(0));
}

#[test]
fn dvd_rom_is_finalized_and_read_only() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x10, &[]))
        .on(
            READ_DISC_INFORMATION,
            rdi(0x0E, 1, 1, 1, u32::MAX, u32::MAX),
        )
        .on(&rti_session(1), rti(Track::closed(1, 0, 4096, 4095)))
        .on(READ_CAPACITY, capacity(4095));
    let m = mmc::probe(&mut d).unwrap();
    assert_eq!(m.disc_status, DiscStatus::Finalized);
    assert_eq!(m.last_session, SessionState::Complete);
    assert_eq!(m.write_protect, WriteProtect::READ_ONLY_MEDIA);
    assert_eq!(m.previous_session, extent(0, 4095));
    assert_eq!(m.total_sectors, 4096);
}

#[test]
fn no_medium_reports_the_test_unit_ready_reason() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x00, &[]))
        .fail(TEST_UNIT_READY, Sense::NO_MEDIUM);
    fails_with(mmc::probe(&mut d), MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x00, &[]))
        .fail(TEST_UNIT_READY, Sense::TOC_UNREADABLE);
    fails_with(mmc::probe(&mut d), MS_E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN);
}

#[test]
fn unknown_profile_is_incompatible_media() {
    let mut d = TableDrive::new().on(GET_CONFIGURATION, config(0x51, &[]));
    fails_naming(
        mmc::probe(&mut d),
        MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
        "0x0051",
    );
}

#[test]
fn truncated_disc_information_is_an_invalid_response() {
    let mut short = rdi(0x01, 2, 2, 2, 0, 0);
    short.truncate(12);
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x1B, &[0x2B]))
        .on(READ_DISC_INFORMATION, short);
    fails_naming(
        mmc::probe(&mut d),
        MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
        "READ DISC INFORMATION",
    );
}

#[test]
fn sessions_lists_every_recorded_session() {
    let mut d = TableDrive::new()
        .on(GET_CONFIGURATION, config(0x11, &[0x21]))
        .on(READ_DISC_INFORMATION, rdi(0x01, 3, 3, 3, 0, 2298496))
        .on(&rti_track(1), rti(Track::closed(1, 0, 100000, 99999)))
        .on(&rti_track(2), rti(Track::closed(2, 138112, 50016, 188127)))
        .on(&rti_track(3), rti(Track::next(3, 226240, 2072256)));
    let s = mmc::sessions(&mut d).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[0].extent,
        SessionExtent {
            start: 0,
            last_written: 99999
        }
    );
    assert_eq!(
        s[1].extent,
        SessionExtent {
            start: 138112,
            last_written: 188127
        }
    );
    assert!(s.iter().all(|s| s.complete));
    assert_eq!(s[1].number, 2);
}

#[test]
fn appendable_disc_without_current_writing_features_is_write_protected() {
    let drive = |features: &[u16]| {
        TableDrive::new()
            .on(GET_CONFIGURATION, config(0x1B, features))
            .on(READ_DISC_INFORMATION, rdi(0x00, 1, 1, 1, 0, 2295104))
            .on(&rti_track(0xFF), rti(Track::next(1, 0, 2295104)))
    };
    let protected = mmc::probe(&mut drive(&[0x1F])).unwrap();
    assert_eq!(
        protected.write_protect,
        WriteProtect::BY_MEDIA_SPECIFIC_REASON
    );
    assert!(protected
        .media_state()
        .contains(multisession::MediaState::WRITE_PROTECTED));
    let writable = mmc::probe(&mut drive(&[0x2B])).unwrap();
    assert_eq!(writable.write_protect, WriteProtect::NONE);
}
