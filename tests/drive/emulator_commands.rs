//! The commands burning programs send before and around a write (wodim,
//! growisofs, dvd+rw-mediainfo, libburn): page 2Ah, the tray and its lock,
//! speeds, disc structures, the buffer. Replies are pinned byte by byte
//! where the programs parse them, per profile and state.

use crate::support::drive::{be16, be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::{default_capacity, DiscSpec};
use multisession::scsi::Sense;

const TRAY_OPEN: Sense = Sense::new(2, 0x3A, 0x02);
const REMOVAL_PREVENTED: Sense = Sense::new(5, 0x53, 0x02);
const INCOMPATIBLE_FORMAT: Sense = Sense::new(5, 0x30, 0x02);

/// The discs every per-profile table walks: name, spec.
fn discs() -> Vec<(&'static str, DiscSpec)> {
    vec![
        ("CD-R blank", DiscSpec::new(Profile::CdR)),
        (
            "CD-R appendable",
            DiscSpec::new(Profile::CdR).sessions(&[608]),
        ),
        ("DVD+R", DiscSpec::new(Profile::DvdPlusR)),
        ("DVD-R", DiscSpec::new(Profile::DvdMinusR)),
        ("BD-R", DiscSpec::new(Profile::BdR)),
        ("DVD+RW", DiscSpec::new(Profile::DvdPlusRw).formatted(true)),
        ("BD-RE", DiscSpec::new(Profile::BdRe).formatted(true)),
        ("no medium", DiscSpec::new(Profile::DvdPlusR).no_media()),
    ]
}

fn page2a(d: &mut Disc) -> Result<Vec<u8>, Sense> {
    d.data_in(&[0x5A, 0x08, 0x2A, 0, 0, 0, 0, 0x01, 0x00, 0], 256)
}

fn speeds_of(page: &[u8]) -> Vec<u16> {
    let p = &page[8..];
    (0..be16(p, 30) as usize)
        .map(|i| be16(p, 32 + 4 * i + 2))
        .collect()
}

fn eject(d: &mut Disc) -> Result<(), Sense> {
    d.no_data(&[0x1B, 0, 0, 0, 0x02, 0])
}

fn load(d: &mut Disc) -> Result<(), Sense> {
    d.no_data(&[0x1B, 0, 0, 0, 0x03, 0])
}

fn prevent(d: &mut Disc, field: u8) -> Result<(), Sense> {
    d.no_data(&[0x1E, 0, 0, 0, field, 0])
}

fn event(d: &mut Disc) -> Vec<u8> {
    d.data_in(&[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0], 8).unwrap()
}

fn set_cd_speed(d: &mut Disc, read: u16, write: u16) -> Result<(), Sense> {
    let (r, w) = (read.to_be_bytes(), write.to_be_bytes());
    d.no_data(&[0xBB, 0, r[0], r[1], w[0], w[1], 0, 0, 0, 0, 0, 0])
}

fn performance(d: &mut Disc, flags: u8, kind: u8, max: u16) -> Result<Vec<u8>, Sense> {
    let m = max.to_be_bytes();
    d.data_in(&[0xAC, flags, 0, 0, 0, 0, 0, 0, m[0], m[1], kind, 0], 1024)
}

fn structure(d: &mut Disc, media: u8, format: u8) -> Result<Vec<u8>, Sense> {
    d.data_in(
        &[0xAD, media, 0, 0, 0, 0, 0, format, 0x20, 0x04, 0, 0],
        0x2004,
    )
}

fn streaming(write_kb: u32, time_ms: u32, rdd: bool) -> Vec<u8> {
    let mut p = vec![0u8; 28];
    p[0] = (rdd as u8) << 2;
    p[8..12].copy_from_slice(&2_295_103u32.to_be_bytes());
    p[12..16].copy_from_slice(&write_kb.to_be_bytes());
    p[16..20].copy_from_slice(&time_ms.to_be_bytes());
    p[20..24].copy_from_slice(&write_kb.to_be_bytes());
    p[24..28].copy_from_slice(&time_ms.to_be_bytes());
    p
}

fn set_streaming(d: &mut Disc, list: &[u8]) -> Result<(), Sense> {
    d.data_out(
        &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, list.len() as u8, 0],
        list,
    )
}

#[test]
fn page_2a_reports_a_dvd_writer_with_the_speeds_of_the_loaded_medium() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    let r = page2a(&mut d).unwrap();
    #[rustfmt::skip]
    let expected: Vec<u8> = vec![
        0, 50, 0, 0, 0, 0, 0, 0,
        0x2A, 42, 0x3B, 0x33, 0xC0, 0x00, 0x29, 0x00,
        0x56, 0x90, 0, 0, 0x10, 0x00, 0x56, 0x90,
        0, 0, 0x56, 0x90, 0x56, 0x90, 0, 0,
        0, 0, 0, 0, 0x56, 0x90, 0, 3,
        0, 0, 0x56, 0x90, 0, 0, 0x2B, 0x48,
        0, 0, 0x15, 0xA4,
    ];
    assert_eq!(r, expected);
    // What dvd+rw-mediainfo checks before anything else: DVD-ROM read.
    assert_eq!(r[8 + 2] & 0x08, 0x08);

    let table: &[(&str, &[u16])] = &[
        ("CD-R blank", &[8467, 5645, 4234, 2822]),
        ("CD-R appendable", &[8467, 5645, 4234, 2822]),
        ("DVD+R", &[22160, 11080, 5540]),
        ("DVD-R", &[22160, 11080, 5540]),
        ("BD-R", &[26970, 17980, 8990]),
        ("DVD+RW", &[11080, 5540]),
        ("BD-RE", &[8990, 4495]),
        // No medium: the drive's CD-R speeds.
        ("no medium", &[8467, 5645, 4234, 2822]),
    ];
    for ((name, spec), (_, speeds)) in discs().into_iter().zip(table) {
        let mut d = Disc::new(spec);
        let r = page2a(&mut d).unwrap();
        assert_eq!(speeds_of(&r), *speeds, "{name}");
        assert_eq!(be16(&r, 8 + 28), speeds[0], "{name}: current write speed");
        assert_eq!(r[9] as usize, 30 + 4 * speeds.len(), "{name}: page length");
    }
}

#[test]
fn mode_sense_all_pages_returns_page_05_then_2a_and_2a_changes_nothing() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let r = d
        .data_in(&[0x5A, 0x08, 0x3F, 0, 0, 0, 0, 0x01, 0x00, 0], 256)
        .unwrap();
    assert_eq!((r[8], r[9]), (0x05, 0x32));
    assert_eq!((r[8 + 52], r[8 + 53]), (0x2A, 46));
    assert_eq!(be16(&r, 0) as usize, r.len() - 2);
    let m = d
        .data_in(&[0x5A, 0x08, 0x6A, 0, 0, 0, 0, 0x01, 0x00, 0], 256)
        .unwrap();
    assert_eq!(m[8], 0x2A);
    assert!(m[10..].iter().all(|&b| b == 0), "no changeable bit in 2Ah");
}

#[test]
fn eject_leaves_no_medium_with_the_tray_open_until_a_load_announces_it() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).sessions(&[1000]));
    d.tur().unwrap();
    event(&mut d);
    eject(&mut d).unwrap();
    assert_eq!(d.tur(), Err(TRAY_OPEN));
    assert_eq!(d.read(0, 1), Err(TRAY_OPEN));
    assert_eq!(
        d.data_in(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34),
        Err(TRAY_OPEN)
    );
    assert_eq!(
        event(&mut d),
        [0, 6, 4, 0x10, 3, 0x01, 0, 0],
        "removal, tray open"
    );
    let (profile, features) = d.current_features();
    assert_eq!(profile, 0);
    assert_eq!(features, [0x0000, 0x0001, 0x0003]);
    assert_eq!(page2a(&mut d).unwrap()[8 + 6], 0x29);
    // Ejecting again is harmless.
    eject(&mut d).unwrap();

    load(&mut d).unwrap();
    assert_eq!(d.tur(), Err(Sense::MEDIUM_CHANGED));
    d.tur().unwrap();
    assert_eq!(event(&mut d), [0, 6, 4, 0x10, 2, 0x02, 0, 0], "new media");
    assert_eq!(d.read(0, 1).map(|b| b.len()), Ok(2048));
    // Loading a loaded drive changes nothing.
    load(&mut d).unwrap();
    d.tur().unwrap();
}

#[test]
fn eject_and_load_of_an_empty_drive_tell_tray_open_from_tray_closed() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).no_media());
    assert_eq!(d.tur(), Err(Sense::NO_MEDIUM));
    eject(&mut d).unwrap();
    assert_eq!(d.tur(), Err(TRAY_OPEN));
    assert_eq!(event(&mut d), [0, 6, 4, 0x10, 0, 0x01, 0, 0]);
    load(&mut d).unwrap();
    assert_eq!(
        d.tur(),
        Err(Sense::NO_MEDIUM),
        "no unit attention without a disc"
    );
}

#[test]
fn an_eject_is_refused_while_removal_is_prevented() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdR));
    prevent(&mut d, 0x01).unwrap();
    assert_eq!(page2a(&mut d).unwrap()[8 + 6], 0x2B, "lock state set");
    assert_eq!(eject(&mut d), Err(REMOVAL_PREVENTED));
    d.tur().unwrap();
    prevent(&mut d, 0x00).unwrap();
    assert_eq!(page2a(&mut d).unwrap()[8 + 6], 0x29);

    // A persistent prevent outlives a plain allow.
    prevent(&mut d, 0x03).unwrap();
    prevent(&mut d, 0x00).unwrap();
    assert_eq!(eject(&mut d), Err(REMOVAL_PREVENTED));
    prevent(&mut d, 0x02).unwrap();
    eject(&mut d).unwrap();
    assert_eq!(d.tur(), Err(TRAY_OPEN));
}

#[test]
fn the_tray_state_is_the_drives_and_a_reopen_finds_it_closed() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    eject(&mut d).unwrap();
    d.reopen();
    d.tur().unwrap();
}

#[test]
fn removable_medium_is_current_always_and_real_time_streaming_on_dvd_and_bd() {
    let streaming_current = [false, false, true, true, true, true, true, false];
    for ((name, spec), rts) in discs().into_iter().zip(streaming_current) {
        let mut d = Disc::new(spec);
        let r = d.config(2, 0x0003).unwrap();
        let profile = be16(&r, 6);
        let mut expected = vec![0, 0, 0, 12, 0, 0];
        expected.extend_from_slice(&profile.to_be_bytes());
        expected.extend_from_slice(&[0x00, 0x03, 0x03, 4, 0x29, 0, 0, 0]);
        assert_eq!(r, expected, "{name}: 0003h");

        let r = d.config(2, 0x0107).unwrap();
        assert_eq!(
            &r[8..],
            [0x01, 0x07, 0x0C | rts as u8, 4, 0x1E, 0, 0, 0],
            "{name}: 0107h"
        );
    }
}

/// Page 05 with its header zeroed, write type and Multi-session field set.
fn page05(d: &mut Disc, write_type: u8, multi: u8) -> Vec<u8> {
    let mut p = d
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    p[0..8].fill(0);
    p[10] = (p[10] & 0xF0) | write_type;
    p[11] = (p[11] & 0x3F) | multi << 6;
    p
}

fn select(d: &mut Disc, p: &[u8]) -> Result<(), Sense> {
    d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, p.len() as u8, 0], p)
}

/// One cue sheet entry; `lba` as the MSF address it names.
fn cue(ctl_adr: u8, tno: u8, index: u8, form: u8, lba: i32) -> [u8; 8] {
    let f = lba + 150;
    let (m, s, fr) = (f / 4500, f / 75 % 60, f % 75);
    [ctl_adr, tno, index, form, 0, m as u8, s as u8, fr as u8]
}

/// A sheet starting as libburn's: lead-in, track 1 INDEX 0 (pre-gap at
/// −150), then `rest`.
fn after_pre_gap(rest: &[[u8; 8]]) -> Vec<u8> {
    let mut sheet = [cue(0x41, 0, 0, 0x14, -150), cue(0x41, 1, 0, 0x10, -150)].concat();
    sheet.extend(rest.concat());
    sheet
}

/// The sheet libburn sends for one data track of `blocks` on a blank CD:
/// lead-in, track 1 INDEX 0 (pre-gap at −150) and INDEX 1 at 0, lead-out.
fn data_cue_sheet(blocks: i32) -> Vec<u8> {
    after_pre_gap(&[cue(0x41, 1, 1, 0x10, 0), cue(0x41, 0xAA, 1, 0x14, blocks)])
}

fn send_cue_sheet(d: &mut Disc, sheet: &[u8]) -> Result<(), Sense> {
    let n = (sheet.len() as u32).to_be_bytes();
    d.data_out(&[0x5D, 0, 0, 0, 0, 0, n[1], n[2], n[3], 0], sheet)
}

/// A CD in SAO mode with `multi` in page 05 and a cue sheet for `blocks`.
fn sao_disc(multi: u8, blocks: i32) -> Disc {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let p = page05(&mut d, 2, multi);
    select(&mut d, &p).unwrap();
    send_cue_sheet(&mut d, &data_cue_sheet(blocks)).unwrap();
    d
}

/// Writes `blocks` from `lba` in commands of at most 32 blocks: zeros in
/// the pre-gap, the usual pattern from LBA 0 on.
fn stream(d: &mut Disc, mut lba: i32, blocks: i32) {
    let end = lba + blocks;
    while lba < end {
        let n = (end - lba).min(if lba < 0 { -lba } else { 32 }).min(32);
        if lba < 0 {
            d.write_data(lba as u32, &vec![0; n as usize * 2048])
                .unwrap();
        } else {
            d.write(lba as u32, n as u16).unwrap();
        }
        lba += n;
    }
}

#[test]
fn sao_is_offered_on_a_blank_cd_only_and_page_05_takes_it_but_not_raw() {
    for (spec, current) in [
        (DiscSpec::new(Profile::CdR), true),
        (DiscSpec::new(Profile::CdRw), true),
        (DiscSpec::new(Profile::CdR).sessions(&[608]), false),
    ] {
        let mut d = Disc::new(spec);
        let f = d.config(2, 0x002E).unwrap();
        assert_eq!(f.len(), 8 + 8, "CD Mastering listed");
        assert_eq!(f[8 + 2] & 1, current as u8, "current");
        assert_eq!(f[8 + 4] & !0x02, 0x60, "BUF and SAO, no raw, no test write");
        assert_eq!(be32(&f, 8 + 4) & 0xFF_FFFF, 3200, "max cue sheet length");
        for (write_type, ok) in [(2u8, true), (3, false), (1, true), (0, true)] {
            let p = page05(&mut d, write_type, 3);
            let want = if ok {
                Ok(())
            } else {
                Err(Sense::INVALID_FIELD_IN_PARAMETERS)
            };
            assert_eq!(select(&mut d, &p), want, "write type {write_type}");
        }
        // SAO with the block type left 0 (libburn) or Mode 1 (cdrecord);
        // raw sub-channel block types are refused as raw writing is.
        for (block_type, ok) in [(0u8, true), (8, true), (1, false), (3, false)] {
            let mut p = page05(&mut d, 2, 3);
            p[12] = (p[12] & 0xF0) | block_type;
            let want = if ok {
                Ok(())
            } else {
                Err(Sense::INVALID_FIELD_IN_PARAMETERS)
            };
            assert_eq!(select(&mut d, &p), want, "SAO block type {block_type}");
        }
    }
}

#[test]
fn send_cue_sheet_takes_a_data_session_and_refuses_bad_sheets_and_wrong_states() {
    let mut d = sao_disc(3, 400);
    // A second sheet replaces the first before anything is written.
    assert_eq!(send_cue_sheet(&mut d, &data_cue_sheet(500)), Ok(()));

    let bad = Sense::INVALID_FIELD_IN_PARAMETERS;
    let sheet = data_cue_sheet(400);
    let swapped = [&sheet[8..16], &sheet[..8], &sheet[16..]].concat();
    let sheets: Vec<(&str, Vec<u8>, Sense)> = vec![
        ("no lead-out", data_cue_sheet(400)[..24].to_vec(), bad),
        ("lead-in after the pre-gap", swapped, bad),
        (
            "audio track",
            [
                cue(0x01, 0, 0, 0x01, -150),
                cue(0x01, 1, 0, 0x00, -150),
                cue(0x01, 1, 1, 0x00, 0),
                cue(0x01, 0xAA, 1, 0x01, 400),
            ]
            .concat(),
            bad,
        ),
        (
            "no INDEX 1",
            after_pre_gap(&[cue(0x41, 0xAA, 1, 0x14, 400)]),
            bad,
        ),
        ("track shorter than 300 blocks", data_cue_sheet(299), bad),
        (
            "pre-gap longer than 2 seconds",
            after_pre_gap(&[cue(0x41, 1, 1, 0x10, 75), cue(0x41, 0xAA, 1, 0x14, 475)]),
            bad,
        ),
        (
            "addresses going back",
            after_pre_gap(&[
                cue(0x41, 1, 1, 0x10, 0),
                cue(0x41, 2, 1, 0x10, 400),
                cue(0x41, 0xAA, 1, 0x14, 350),
            ]),
            bad,
        ),
        (
            "track numbers skipping",
            after_pre_gap(&[
                cue(0x41, 1, 1, 0x10, 0),
                cue(0x41, 3, 1, 0x10, 400),
                cue(0x41, 0xAA, 1, 0x14, 800),
            ]),
            bad,
        ),
        (
            "frame 75",
            {
                let mut s = data_cue_sheet(400);
                s[31] = 75;
                s
            },
            bad,
        ),
        (
            "lead-out past the disc",
            data_cue_sheet(359_850),
            Sense::LBA_OUT_OF_RANGE,
        ),
    ];
    for (name, sheet, sense) in sheets {
        assert_eq!(send_cue_sheet(&mut d, &sheet), Err(sense), "{name}");
    }
    assert_eq!(
        d.data_out(&[0x5D, 0, 0, 0, 0, 0, 0, 0, 12, 0], &[0; 12]),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "length not a multiple of 8"
    );

    // Only in SAO mode, only on a blank CD, only on CD.
    let mut tao = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(
        send_cue_sheet(&mut tao, &data_cue_sheet(400)),
        Err(Sense::COMMAND_SEQUENCE_ERROR)
    );
    let mut appendable = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let p = page05(&mut appendable, 2, 3);
    select(&mut appendable, &p).unwrap();
    assert_eq!(
        send_cue_sheet(&mut appendable, &data_cue_sheet(400)),
        Err(Sense::COMMAND_SEQUENCE_ERROR)
    );
    let mut dvd = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    assert_eq!(
        send_cue_sheet(&mut dvd, &data_cue_sheet(400)),
        Err(Sense::INCOMPATIBLE_MEDIUM)
    );
}

#[test]
fn an_sao_stream_from_the_pregap_closes_an_appendable_session_without_run_out_at_synchronize_cache()
{
    let mut d = sao_disc(3, 400);
    // Out of order or past the lead-out: refused, nothing recorded.
    assert_eq!(
        d.write(0, 16),
        Ok(()),
        "the pre-gap may be left to the drive"
    );
    let mut d = sao_disc(3, 400);
    assert_eq!(
        d.write_data(-140i32 as u32, &[0; 2048]),
        Err(Sense::INVALID_ADDRESS_FOR_WRITE)
    );
    stream(&mut d, -150, 150);
    assert_eq!(d.write(1, 1), Err(Sense::INVALID_ADDRESS_FOR_WRITE));
    stream(&mut d, 0, 399);
    assert_eq!(d.write(399, 2), Err(Sense::LBA_OUT_OF_RANGE));
    stream(&mut d, 399, 1);
    d.sync().unwrap();

    // One closed session of 400 blocks whose lead-out follows the data
    // directly; the disc stays appendable (Multi-session 11b).
    let r = d.rdi();
    assert_eq!(r[2] & 0x03, 0x01, "appendable");
    assert_eq!(d.capacity(), Ok(399));
    let toc = d.toc(0, false, 0).unwrap();
    assert_eq!(be32(&toc, 4 + 8 + 4), 400, "lead-out right after the data");
    assert_eq!(d.nwa(0xFF).0, 400 + 11_400);
    assert_eq!(
        d.read(0, 2).unwrap(),
        crate::support::drive::block_pattern(0, 2)
    );
    assert_eq!(
        d.read(399, 1).unwrap(),
        crate::support::drive::block_pattern(399, 1)
    );
    assert!(d.config(2, 0x002E).unwrap()[8 + 2] & 1 == 0, "SAO gone");

    // The layout survives a reopen; a later session is TAO as usual, and
    // an SAO write with no cue sheet is out of sequence.
    d.reopen();
    assert_eq!(d.nwa(0xFF).0, 11_800);
    let p = page05(&mut d, 2, 3);
    select(&mut d, &p).unwrap();
    assert_eq!(d.write(11_800, 1), Err(Sense::COMMAND_SEQUENCE_ERROR));
}

#[test]
fn an_sao_session_finalizes_the_disc_with_multi_session_00b_and_waits_for_all_announced_blocks() {
    let mut d = sao_disc(0, 300);
    stream(&mut d, -150, 250);
    d.sync().unwrap();
    assert_eq!(
        d.toc(0, false, 0),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "a sync before the lead-out closes nothing"
    );
    stream(&mut d, 100, 200);
    d.sync().unwrap();
    let r = d.rdi();
    assert_eq!(r[2] & 0x03, 0x02, "finalized");
    assert_eq!(d.capacity(), Ok(299));
}

#[test]
fn set_cd_speed_settles_on_the_nearest_slower_speed_of_the_medium() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let current = |d: &mut Disc| be16(&page2a(d).unwrap(), 8 + 28);
    set_cd_speed(&mut d, 0xFFFF, 4234).unwrap();
    assert_eq!(current(&mut d), 4234);
    set_cd_speed(&mut d, 0xFFFF, 5000).unwrap();
    assert_eq!(current(&mut d), 4234, "rounded down");
    set_cd_speed(&mut d, 0xFFFF, 100).unwrap();
    assert_eq!(current(&mut d), 2822, "slowest");
    set_cd_speed(&mut d, 0xFFFF, 0xFFFF).unwrap();
    assert_eq!(current(&mut d), 8467, "FFFFh is the fastest");
    assert_eq!(
        d.no_data(&[0xBB, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "reserved rotation control"
    );
    let mut empty = Disc::new(DiscSpec::new(Profile::CdR).no_media());
    set_cd_speed(&mut empty, 0xFFFF, 2822).unwrap();
}

#[test]
fn set_streaming_sets_the_write_speed_get_performance_reports() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    set_streaming(&mut d, &streaming(11080, 1000, false)).unwrap();
    let r = performance(&mut d, 0x04, 0x00, 1).unwrap();
    #[rustfmt::skip]
    let expected = [
        0, 0, 0, 20, 0x02, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0x2B, 0x48,
        0, 0x23, 0x05, 0x3F, 0, 0, 0x2B, 0x48,
    ];
    assert_eq!(r, expected);
    assert_eq!(be16(&page2a(&mut d).unwrap(), 8 + 28), 11080);

    set_streaming(&mut d, &streaming(0, 1, true)).unwrap();
    assert_eq!(
        be32(&performance(&mut d, 0x04, 0, 1).unwrap(), 12),
        22160,
        "RDD"
    );

    assert_eq!(
        set_streaming(&mut d, &streaming(11080, 0, false)),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS),
        "zero time"
    );
    assert_eq!(
        set_streaming(&mut d, &[0; 12]),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS),
        "short descriptor"
    );
    assert_eq!(
        d.data_out(
            &[0xB6, 0, 0, 0, 0, 0, 0, 0, 5, 0, 28, 0],
            &streaming(1, 1, false)
        ),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "DBI cache zone"
    );
}

#[test]
fn get_performance_lists_write_speeds_per_profile() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    let r = performance(&mut d, 0, 0x03, 10).unwrap();
    let mut expected = vec![0, 0, 0, 52, 0, 0, 0, 0];
    for w in [22160u32, 11080, 5540] {
        expected.extend_from_slice(&[0, 0, 0, 0]);
        expected.extend_from_slice(&2_295_103u32.to_be_bytes());
        expected.extend_from_slice(&22160u32.to_be_bytes());
        expected.extend_from_slice(&w.to_be_bytes());
    }
    assert_eq!(r, expected);
    // The descriptor count bounds the reply.
    assert_eq!(performance(&mut d, 0, 0x03, 1).unwrap().len(), 24);

    let table: &[(&str, &[u32], u32)] = &[
        ("CD-R blank", &[8467, 5645, 4234, 2822], 8467),
        ("CD-R appendable", &[8467, 5645, 4234, 2822], 8467),
        ("DVD+R", &[22160, 11080, 5540], 22160),
        ("DVD-R", &[22160, 11080, 5540], 22160),
        ("BD-R", &[26970, 17980, 8990], 35960),
        ("DVD+RW", &[11080, 5540], 22160),
        ("BD-RE", &[8990, 4495], 35960),
    ];
    for ((name, spec), (_, writes, read)) in discs().into_iter().zip(table) {
        let mut d = Disc::new(spec);
        let r = performance(&mut d, 0, 0x03, 10).unwrap();
        assert_eq!(be32(&r, 0) as usize, r.len() - 4, "{name}");
        let got: Vec<(u32, u32)> = r[8..]
            .chunks(16)
            .map(|c| (be32(c, 8), be32(c, 12)))
            .collect();
        let want: Vec<(u32, u32)> = writes.iter().map(|&w| (*read, w)).collect();
        assert_eq!(got, want, "{name}");
    }

    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).no_media());
    assert_eq!(performance(&mut d, 0, 0x03, 10), Err(Sense::NO_MEDIUM));
}

#[test]
fn get_performance_nominal_read_and_exception_lists() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdRe).formatted(true));
    let cap = default_capacity(Profile::BdRe).unwrap();
    let r = performance(&mut d, 0x00, 0x00, 1).unwrap();
    assert_eq!(&r[..8], [0, 0, 0, 20, 0, 0, 0, 0]);
    assert_eq!(
        (be32(&r, 8), be32(&r, 12), be32(&r, 16), be32(&r, 20)),
        (0, 35960, cap - 1, 35960)
    );
    assert_eq!(
        performance(&mut d, 0x06, 0x00, 1).unwrap(),
        [0, 0, 0, 4, 0x03, 0, 0, 0],
        "no exceptions"
    );
    let with_exceptions = performance(&mut d, 0x05, 0x00, 1).unwrap();
    assert_eq!(&with_exceptions[..8], [0, 0, 0, 20, 0x02, 0, 0, 0]);
    assert_eq!(be32(&with_exceptions, 12), 8990, "nominal write speed");
    assert_eq!(
        performance(&mut d, 0x04, 0x00, 0).unwrap().len(),
        8,
        "no descriptor asked"
    );
    assert_eq!(
        performance(&mut d, 0x03, 0x00, 1),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
    assert_eq!(
        performance(&mut d, 0x00, 0x01, 1),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
}

#[test]
fn read_dvd_structure_lists_and_answers_the_formats_of_plus_media() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    #[rustfmt::skip]
    let list = [
        0, 18, 0, 0,
        0x00, 0x40, 0x08, 0x02,
        0x01, 0x40, 0, 6,
        0x11, 0x40, 0x01, 0x02,
        0xFF, 0x40, 0, 18,
    ];
    assert_eq!(structure(&mut d, 0, 0xFF).unwrap(), list);

    let r = structure(&mut d, 0, 0x00).unwrap();
    assert_eq!(r.len(), 2052);
    #[rustfmt::skip]
    let head = [
        0x08, 0x02, 0, 0,
        0xA1, 0x02, 0x02, 0x10,
        0, 0x03, 0, 0, 0, 0x26, 0x05, 0x3F, 0, 0, 0, 0, 0,
    ];
    assert_eq!(r[..21], head, "book DVD+R, legacy lead-out 2295104");
    assert_eq!(&r[23..34], b"EMULATED000");

    let r = structure(&mut d, 0, 0x11).unwrap();
    assert_eq!((r.len(), r[4]), (260, 0xA1));
    assert_eq!(&r[23..34], b"EMULATED000", "ADIP media ID");
    assert_eq!(
        structure(&mut d, 0, 0x01).unwrap(),
        [0, 6, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(structure(&mut d, 0, 0x0E), Err(Sense::INVALID_FIELD_IN_CDB));

    let mut rw = Disc::new(DiscSpec::new(Profile::DvdPlusRw).formatted(true));
    assert_eq!(
        structure(&mut rw, 0, 0x00).unwrap()[4..7],
        [0x92, 0x02, 0x04]
    );
}

#[test]
fn read_dvd_structure_answers_dash_media_with_their_lead_in() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR));
    let cap = default_capacity(Profile::DvdMinusR).unwrap();
    let list = structure(&mut d, 0, 0xFF).unwrap();
    let codes: Vec<u8> = list[4..].chunks(4).map(|e| e[0]).collect();
    assert_eq!(codes, [0x00, 0x01, 0x0E, 0x10, 0xFF]);
    for format in [0x00, 0x10] {
        let r = structure(&mut d, 0, format).unwrap();
        assert_eq!(r[4..8], [0x25, 0x02, 0x02, 0x10], "format {format:#x}");
        assert_eq!(be32(&r, 12), 0x30000 + cap - 1);
    }
    let r = structure(&mut d, 0, 0x0E).unwrap();
    assert_eq!(r.len(), 44);
    assert_eq!((r[4 + 16], r[4 + 24]), (3, 4), "field IDs");
    assert_eq!(&r[4 + 17..4 + 23], b"EMULAT");
    assert_eq!(&r[4 + 25..4 + 31], b"ED0000");
    assert_eq!(structure(&mut d, 0, 0x11), Err(Sense::INVALID_FIELD_IN_CDB));
    assert_eq!(structure(&mut d, 0, 0x00).map(|r| r.len()), Ok(2052));
}

#[test]
fn read_dvd_structure_on_double_layer_reports_both_layers_and_the_boundary() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRDl));
    let cap = default_capacity(Profile::DvdPlusRDl).unwrap();
    let r = structure(&mut d, 0, 0x00).unwrap();
    assert_eq!(r[4..8], [0xE1, 0x02, 0x32, 0x10]);
    assert_eq!(be32(&r, 12), 0x00FC_FFFF, "end of layer 1 (opposite path)");
    assert_eq!(be32(&r, 16), 0x30000 + cap / 2 - 1, "end of layer 0");
    let b = structure(&mut d, 0, 0x20).unwrap();
    assert_eq!(
        b[..8],
        [0, 10, 0, 0, 0, 0, 0, 0],
        "still settable on a blank disc"
    );
    assert_eq!(be32(&b, 8), cap / 2);
    assert_eq!(
        d.data_in(&[0xAD, 0, 0, 0, 0, 0, 2, 0x00, 0x08, 0x04, 0, 0], 0x804),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "no third layer"
    );
    let mut written = Disc::new(DiscSpec::new(Profile::DvdPlusRDl).sessions(&[1000]));
    assert_eq!(structure(&mut written, 0, 0x20).unwrap()[4], 0x80);
}

#[test]
fn read_bd_structure_gives_disc_information_and_spare_area() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdR));
    let list = structure(&mut d, 1, 0xFF).unwrap();
    assert_eq!(
        list,
        [0, 14, 0, 0, 0x00, 0x40, 0x10, 0x02, 0x0A, 0x40, 0, 14, 0xFF, 0x40, 0, 14]
    );
    let r = structure(&mut d, 1, 0x00).unwrap();
    assert_eq!((r.len(), &r[..4]), (4100, &[0x10, 0x02, 0, 0][..]));
    assert_eq!(&r[4..7], b"DI\x01");
    assert_eq!(&r[12..15], b"BDR");
    assert_eq!(&r[104..113], b"EMULAT000");
    assert_eq!(
        structure(&mut d, 1, 0x0A).unwrap(),
        [0, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );

    let mut re = Disc::new(DiscSpec::new(Profile::BdRe).formatted(true));
    assert_eq!(&structure(&mut re, 1, 0x00).unwrap()[12..15], b"BDW");
    assert_eq!(
        structure(&mut re, 1, 0x0A).unwrap(),
        [0, 14, 0, 0, 0, 0, 0, 0, 0, 0x06, 0, 0, 0, 0x06, 0, 0],
        "12219392 - 11826176 spare blocks, none used"
    );
}

#[test]
fn disc_structures_of_another_family_or_no_medium_are_refused() {
    let mut cd = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(structure(&mut cd, 0, 0x00), Err(INCOMPATIBLE_FORMAT));
    assert_eq!(structure(&mut cd, 0, 0xFF), Err(INCOMPATIBLE_FORMAT));
    let mut dvd = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    assert_eq!(structure(&mut dvd, 1, 0x00), Err(INCOMPATIBLE_FORMAT));
    assert_eq!(
        structure(&mut dvd, 0, 0x05),
        Err(Sense::INVALID_FIELD_IN_CDB)
    );
    let mut bd = Disc::new(DiscSpec::new(Profile::BdR));
    assert_eq!(structure(&mut bd, 0, 0x00), Err(INCOMPATIBLE_FORMAT));
    let mut none = Disc::new(DiscSpec::new(Profile::DvdPlusR).no_media());
    assert_eq!(structure(&mut none, 0, 0x00), Err(Sense::NO_MEDIUM));
}

#[test]
fn read_buffer_capacity_reports_an_empty_buffer_in_bytes_or_blocks() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(
        d.data_in(&[0x5C, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12).unwrap(),
        [0, 10, 0, 0, 0, 0x40, 0, 0, 0, 0x40, 0, 0]
    );
    assert_eq!(
        d.data_in(&[0x5C, 1, 0, 0, 0, 0, 0, 0, 12, 0], 12).unwrap(),
        [0, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0x08, 0]
    );
    assert_eq!(
        be16(&page2a(&mut d).unwrap(), 8 + 12),
        4096,
        "KiB in page 2Ah"
    );
}

#[test]
fn mechanism_status_shows_the_door_open_after_an_eject() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR));
    let cdb = [0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0];
    assert_eq!(d.data_in(&cdb, 8).unwrap(), [0; 8]);
    eject(&mut d).unwrap();
    assert_eq!(d.data_in(&cdb, 8).unwrap(), [0, 0x10, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn formatted_overwritable_media_get_a_fabricated_one_track_toc() {
    let table = [
        (Profile::DvdPlusRw, [0x00, 0x23, 0x05, 0x40]),
        (Profile::BdRe, [0x00, 0xB4, 0x74, 0x00]),
    ];
    for (profile, leadout) in table {
        let mut d = Disc::new(DiscSpec::new(profile).formatted(true));
        let mut expected = vec![0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x14, 0xAA, 0];
        expected.extend_from_slice(&leadout);
        assert_eq!(d.toc(0, false, 0).unwrap(), expected, "{profile}");
        assert_eq!(
            d.toc(0, false, 0xAA).unwrap()[4..],
            expected[12..],
            "{profile}"
        );
        assert_eq!(
            d.toc(0, false, 2),
            Err(Sense::INVALID_FIELD_IN_CDB),
            "{profile}"
        );
        assert_eq!(
            d.toc(1, false, 0).unwrap(),
            [0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0],
            "{profile}: msinfo"
        );
        // Raw TOC stays a CD format.
        assert_eq!(
            d.toc(2, false, 0),
            Err(Sense::INVALID_FIELD_IN_CDB),
            "{profile}"
        );

        let mut blank = Disc::new(DiscSpec::new(profile));
        assert_eq!(
            blank.toc(0, false, 0),
            Err(Sense::INVALID_FIELD_IN_CDB),
            "{profile} unformatted"
        );
    }
}

#[test]
fn test_write_is_neither_offered_nor_accepted_so_no_dummy_burn_is_recorded() {
    for (spec, feature) in [
        (DiscSpec::new(Profile::CdR), 0x002D),
        (DiscSpec::new(Profile::DvdMinusR), 0x002F),
    ] {
        let mut d = Disc::new(spec);
        let f = d.config(2, feature).unwrap();
        assert_eq!(f[12] & 0x04, 0, "{feature:#06x}: Test Write bit");
        assert_eq!(page2a(&mut d).unwrap()[8 + 3] & 0x04, 0, "page 2Ah");
        let mut p = d
            .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
            .unwrap();
        p[0..8].fill(0);
        p[10] |= 0x10;
        assert_eq!(
            d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &p),
            Err(Sense::INVALID_FIELD_IN_PARAMETERS)
        );
        d.write_session(300, 1);
        assert_eq!(d.rdi()[2] & 0x03, 1, "a real burn still records");
    }
}

#[test]
fn every_profile_ejects_to_tray_open_and_loads_with_a_unit_attention() {
    for (name, spec) in discs() {
        let present = name != "no medium";
        let mut d = Disc::new(spec);
        let _ = d.tur();
        prevent(&mut d, 0x01).unwrap();
        assert_eq!(eject(&mut d), Err(REMOVAL_PREVENTED), "{name}");
        prevent(&mut d, 0x00).unwrap();
        eject(&mut d).unwrap();
        assert_eq!(d.tur(), Err(TRAY_OPEN), "{name}");
        assert_eq!(
            d.config(1, 0).unwrap()[6..8],
            [0, 0],
            "{name}: no current profile"
        );
        load(&mut d).unwrap();
        if present {
            assert_eq!(d.tur(), Err(Sense::MEDIUM_CHANGED), "{name}");
            d.tur().unwrap();
        } else {
            assert_eq!(d.tur(), Err(Sense::NO_MEDIUM), "{name}");
        }
    }
}

#[test]
fn disc_structure_lists_per_profile() {
    let table: &[(&str, Result<&[u8], Sense>)] = &[
        ("CD-R blank", Err(INCOMPATIBLE_FORMAT)),
        ("CD-R appendable", Err(INCOMPATIBLE_FORMAT)),
        ("DVD+R", Ok(&[0x00, 0x01, 0x11, 0xFF])),
        ("DVD-R", Ok(&[0x00, 0x01, 0x0E, 0x10, 0xFF])),
        ("BD-R", Ok(&[0x00, 0x0A, 0xFF])),
        ("DVD+RW", Ok(&[0x00, 0x01, 0x11, 0xFF])),
        ("BD-RE", Ok(&[0x00, 0x0A, 0xFF])),
        ("no medium", Err(Sense::NO_MEDIUM)),
    ];
    for ((name, spec), (_, want)) in discs().into_iter().zip(table) {
        let mut d = Disc::new(spec);
        let media = if name.starts_with("BD") { 1 } else { 0 };
        let got = structure(&mut d, media, 0xFF).map(|r| {
            assert_eq!(be16(&r, 0) as usize, r.len() - 2, "{name}");
            r[4..].chunks(4).map(|e| e[0]).collect::<Vec<u8>>()
        });
        assert_eq!(got, want.map(|w| w.to_vec()), "{name}");
    }
}

#[test]
fn send_opc_calibrates_a_writable_medium_and_refuses_a_protected_one() {
    let opc = [0x54, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR));
    d.no_data(&opc).unwrap();
    assert_eq!(
        d.data_out(&[0x54, 0, 0, 0, 0, 0, 0, 0, 5, 0], &[0; 5]),
        Err(Sense::INVALID_FIELD_IN_PARAMETERS),
        "OPC table entries are 8 bytes"
    );
    d.data_out(&[0x54, 0, 0, 0, 0, 0, 0, 0, 8, 0], &[0; 8])
        .unwrap();
    let mut ro = Disc::new(DiscSpec::new(Profile::DvdMinusR).write_protected(true));
    assert_eq!(ro.no_data(&opc), Err(Sense::WRITE_PROTECTED));
    let mut none = Disc::new(DiscSpec::new(Profile::DvdMinusR).no_media());
    assert_eq!(none.no_data(&opc), Err(Sense::NO_MEDIUM));
}

#[test]
fn another_disc_put_in_by_someone_else_closes_the_tray() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    eject(&mut d).unwrap();
    assert_eq!(d.tur(), Err(TRAY_OPEN));
    DiscSpec::new(Profile::BdR).create(&d.image).unwrap();
    assert_eq!(d.tur(), Err(Sense::MEDIUM_CHANGED));
    d.tur().unwrap();
    assert_eq!(d.current_features().0, Profile::BdR.code());
}

#[test]
fn leaving_sao_in_page_05_drops_a_cue_sheet_so_the_writes_are_tao_again() {
    let mut d = sao_disc(3, 400);
    let p = page05(&mut d, 1, 3);
    select(&mut d, &p).unwrap();
    stream(&mut d, 0, 400);
    d.sync().unwrap();
    assert_eq!(
        d.toc(0, false, 0),
        Err(Sense::INVALID_FIELD_IN_CDB),
        "a TAO track stays open at SYNCHRONIZE CACHE"
    );
    assert_eq!(d.nwa(0xFF).0, 400);
}

#[test]
fn a_two_track_sao_session_puts_the_second_track_right_after_the_first() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    let p = page05(&mut d, 2, 3);
    select(&mut d, &p).unwrap();
    let sheet = after_pre_gap(&[
        cue(0x41, 1, 1, 0x10, 0),
        cue(0x41, 2, 1, 0x10, 400),
        cue(0x41, 0xAA, 1, 0x14, 700),
    ]);
    send_cue_sheet(&mut d, &sheet).unwrap();
    stream(&mut d, -150, 850);
    d.sync().unwrap();
    let toc = d.toc(0, false, 0).unwrap();
    let starts: Vec<u32> = (0..3).map(|i| be32(&toc, 4 + 8 * i + 4)).collect();
    assert_eq!(starts, [0, 400, 700], "tracks 1, 2 and the lead-out");
    assert_eq!(
        d.read(400, 1).unwrap(),
        crate::support::drive::block_pattern(400, 1)
    );
    assert_eq!(d.nwa(0xFF).0, 700 + 11_400);
}
