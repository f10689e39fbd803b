//! READ TOC/PMA/ATIP formats 0 (formatted TOC), 1 (multisession) and, on
//! CD, 2 (raw TOC) and 4 (ATIP). Only closed sessions appear, as on a
//! drive; the legacy control-byte form (0x40 / 0x80) used by the Linux
//! kernel selects formats 1 and 2.

use super::{be16, put16, reply, DriveState, Outcome};
use crate::media::Family;
use crate::scsi::emulator::layout::{
    self, CD_FIRST_LEADIN, CD_LEADIN, CD_LEADOUT_FIRST, CD_LEADOUT_LATER,
};
use crate::scsi::emulator::model::{Disc, Medium, TrackEntry};
use crate::scsi::{DataDirection, Sense};

const ADR_CONTROL: u8 = 0x14;

pub fn read_toc(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let msf = cdb[1] & 0x02 != 0;
    let mut format = cdb[2] & 0x0F;
    if format == 0 {
        format = match cdb[9] >> 6 {
            1 => 1,
            2 => 2,
            _ => 0,
        };
    }
    let number = cdb[6];
    let alloc = be16(cdb, 7) as usize;
    let disc = &st.disc;
    let cd = disc.profile.family() == Family::Cd;
    let r = match format {
        4 if cd => atip(disc),
        0 | 1 if matches!(disc.medium, Medium::Overwritable { formatted: true }) => {
            one_track(disc, format, number, msf)?
        }
        0..=2 => {
            let tracks = disc.toc_tracks();
            if tracks.is_empty() {
                return Err(Sense::INVALID_FIELD_IN_CDB.into());
            }
            match format {
                0 => formatted(disc, &tracks, number, msf)?,
                1 => multisession(&tracks, msf),
                _ if cd => raw(disc, &tracks),
                _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
            }
        }
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    };
    Ok(reply(data, &r, alloc))
}

fn address(lba: u32, msf: bool) -> [u8; 4] {
    if msf {
        layout::msf_field(lba as i64)
    } else {
        lba.to_be_bytes()
    }
}

fn with_length(mut r: Vec<u8>) -> Vec<u8> {
    let len = (r.len() - 2) as u16;
    put16(&mut r, 0, len);
    r
}

/// End of the last track of closed session `session`.
fn session_end(disc: &Disc, tracks: &[TrackEntry], session: u32) -> u32 {
    tracks
        .iter()
        .filter(|t| t.session == session)
        .map(|t| disc.track_end(&t.track))
        .max()
        .unwrap_or(0)
}

fn formatted(disc: &Disc, tracks: &[TrackEntry], from: u8, msf: bool) -> Result<Vec<u8>, Sense> {
    let first = tracks[0].number;
    let last = tracks[tracks.len() - 1].number;
    if from != 0xAA && from as u32 > last {
        return Err(Sense::INVALID_FIELD_IN_CDB);
    }
    let mut r = vec![0, 0, first as u8, last as u8];
    let mut entry = |number: u8, lba: u32| {
        r.extend_from_slice(&[0, ADR_CONTROL, number, 0]);
        r.extend_from_slice(&address(lba, msf));
    };
    if from != 0xAA {
        for t in tracks.iter().filter(|t| t.number >= from as u32) {
            entry(t.number as u8, t.track.start);
        }
    }
    let leadout = session_end(disc, tracks, tracks[tracks.len() - 1].session);
    entry(0xAA, leadout);
    Ok(with_length(r))
}

/// A formatted overwritable disc (DVD+RW, BD-RE, DVD-RW restricted,
/// DVD-RAM) has no TOC of its own; drives fabricate one data track from 0
/// over the formatted capacity, matching the one complete session READ
/// DISC INFORMATION reports, and hosts (xorriso, the kernel) read it.
fn one_track(disc: &Disc, format: u8, number: u8, msf: bool) -> Result<Vec<u8>, Sense> {
    let mut r = vec![0, 0, 1, 1];
    if format == 1 {
        r.extend_from_slice(&[0, ADR_CONTROL, 1, 0]);
        r.extend_from_slice(&address(0, msf));
        return Ok(with_length(r));
    }
    if number > 1 && number != 0xAA {
        return Err(Sense::INVALID_FIELD_IN_CDB);
    }
    if number != 0xAA {
        r.extend_from_slice(&[0, ADR_CONTROL, 1, 0]);
        r.extend_from_slice(&address(0, msf));
    }
    r.extend_from_slice(&[0, ADR_CONTROL, 0xAA, 0]);
    r.extend_from_slice(&address(disc.capacity, msf));
    Ok(with_length(r))
}

fn multisession(tracks: &[TrackEntry], msf: bool) -> Vec<u8> {
    let last_session = tracks[tracks.len() - 1].session;
    let first_of_last = tracks
        .iter()
        .find(|t| t.session == last_session)
        .expect("the last session has tracks");
    let mut r = vec![
        0,
        0x0A,
        1,
        last_session as u8,
        0,
        ADR_CONTROL,
        first_of_last.number as u8,
        0,
    ];
    r.extend_from_slice(&address(first_of_last.track.start, msf));
    r
}

/// Raw TOC: per session A0, A1, A2, the tracks, B0 and (session 1) C0.
fn raw(disc: &Disc, tracks: &[TrackEntry]) -> Vec<u8> {
    let last_session = tracks[tracks.len() - 1].session;
    let finalized = disc.recorded().is_some_and(|r| r.finalized);
    let mut r = vec![0, 0, 1, last_session as u8];
    let mut desc = |session: u32, adr_ctl: u8, point: u8, m: [u8; 3], zero: u8, p: [u8; 3]| {
        r.extend_from_slice(&[
            session as u8,
            adr_ctl,
            0,
            point,
            m[0],
            m[1],
            m[2],
            zero,
            p[0],
            p[1],
            p[2],
        ]);
    };
    for session in 1..=last_session {
        let in_session: Vec<&TrackEntry> = tracks.iter().filter(|t| t.session == session).collect();
        let first = in_session[0].number as u8;
        let last = in_session[in_session.len() - 1].number as u8;
        let end = session_end(disc, tracks, session);
        desc(session, ADR_CONTROL, 0xA0, [0; 3], 0, [first, 0x00, 0]);
        desc(session, ADR_CONTROL, 0xA1, [0; 3], 0, [last, 0, 0]);
        desc(
            session,
            ADR_CONTROL,
            0xA2,
            [0; 3],
            0,
            layout::lba_to_msf(end as i64),
        );
        for t in &in_session {
            desc(
                session,
                ADR_CONTROL,
                t.number as u8,
                [0; 3],
                0,
                layout::lba_to_msf(t.track.start as i64),
            );
        }
        let next_area = if session == last_session && finalized {
            [0xFF; 3]
        } else {
            let leadout = if session == 1 {
                CD_LEADOUT_FIRST
            } else {
                CD_LEADOUT_LATER
            };
            layout::lba_to_msf(end as i64 + leadout as i64 + CD_LEADIN as i64)
        };
        let pointers = if session == 1 { 2 } else { 1 };
        desc(
            session,
            0x54,
            0xB0,
            next_area,
            pointers,
            layout::lba_to_msf(disc.capacity as i64),
        );
        if session == 1 {
            desc(
                session,
                0x54,
                0xC0,
                [0; 3],
                0,
                layout::lba_to_msf(CD_FIRST_LEADIN as i64),
            );
        }
    }
    with_length(r)
}

/// ATIP: lead-in start of the first session and the last possible lead-out.
fn atip(disc: &Disc) -> Vec<u8> {
    let mut r = vec![0u8; 28];
    r[4] = 0x80;
    r[6] = if disc.profile.is_erasable() { 0x40 } else { 0 };
    let leadin = layout::lba_to_msf(CD_FIRST_LEADIN as i64);
    r[8..11].copy_from_slice(&leadin);
    let leadout = layout::lba_to_msf(disc.capacity as i64);
    r[12..15].copy_from_slice(&leadout);
    with_length(r)
}
