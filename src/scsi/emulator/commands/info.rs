//! READ DISC INFORMATION, READ TRACK INFORMATION, READ CAPACITY and READ
//! FORMAT CAPACITIES: the numbers of docs/mmc-notes.md §7.2–§7.6, derived from the
//! model.

use super::{be16, be32, put16, put32, reply, DriveState, Outcome};
use crate::media::{Family, Profile};
use crate::scsi::emulator::layout::{self, BD_RAW_CAPACITY};
use crate::scsi::emulator::model::{Disc, Medium, NextTrack, TrackEntry};
use crate::scsi::{DataDirection, Sense};

const STATUS_BLANK: u8 = 0;
const STATUS_APPENDABLE: u8 = 1;
const STATUS_COMPLETE: u8 = 2;
const STATUS_OTHERS: u8 = 3;
const SESSION_EMPTY: u8 = 0;
const SESSION_INCOMPLETE: u8 = 1;
const SESSION_COMPLETE: u8 = 3;

/// Disc status, last-session state, sessions, first/last track in the last session.
struct DiscSummary {
    status: u8,
    last_session: u8,
    sessions: u32,
    first_in_last: u32,
    last_in_last: u32,
}

fn summarize(disc: &Disc) -> DiscSummary {
    let rec = match &disc.medium {
        Medium::Overwritable { formatted } => {
            let status = if disc.profile == Profile::DvdRam {
                STATUS_OTHERS
            } else if *formatted {
                STATUS_COMPLETE
            } else {
                STATUS_BLANK
            };
            let state = if status == STATUS_BLANK {
                SESSION_EMPTY
            } else {
                SESSION_COMPLETE
            };
            return DiscSummary {
                status,
                last_session: state,
                sessions: 1,
                first_in_last: 1,
                last_in_last: 1,
            };
        }
        Medium::Recorded(rec) => rec,
    };
    let tracks = disc.closed_tracks();
    let closed = rec.sessions.len() as u32;
    if rec.finalized {
        let last_session: Vec<&TrackEntry> =
            tracks.iter().filter(|t| t.session == closed).collect();
        return DiscSummary {
            status: STATUS_COMPLETE,
            last_session: SESSION_COMPLETE,
            sessions: closed,
            first_in_last: last_session.first().map_or(1, |t| t.number),
            last_in_last: last_session.last().map_or(1, |t| t.number),
        };
    }
    let next = tracks.len() as u32 + 1;
    match &rec.open {
        Some(open) => DiscSummary {
            status: STATUS_APPENDABLE,
            last_session: SESSION_INCOMPLETE,
            sessions: closed + 1,
            first_in_last: next - open.closed.len() as u32,
            last_in_last: next,
        },
        None if closed == 0 && !disc.bd_r_formatted() => DiscSummary {
            status: STATUS_BLANK,
            last_session: SESSION_EMPTY,
            sessions: 1,
            first_in_last: 1,
            last_in_last: 1,
        },
        None => DiscSummary {
            status: STATUS_APPENDABLE,
            last_session: SESSION_EMPTY,
            sessions: closed + 1,
            first_in_last: next,
            last_in_last: next,
        },
    }
}

pub fn disc_information(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    match cdb[1] & 0x07 {
        0 => {}
        POW_RESOURCES if st.disc.pow() => {
            return Ok(reply(data, &pow_resources(&st.disc), be16(cdb, 7) as usize))
        }
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    }
    let disc = &st.disc;
    let s = summarize(disc);
    let mut r = [0u8; 34];
    put16(&mut r, 0, 32);
    let erasable = disc.profile.is_erasable() as u8;
    r[2] = (erasable << 4) | (s.last_session << 2) | s.status;
    r[3] = 1;
    r[4] = s.sessions as u8;
    r[5] = s.first_in_last as u8;
    r[6] = s.last_in_last as u8;
    if matches!(disc.profile, Profile::DvdPlusRw | Profile::DvdPlusRwDl) {
        // Background format "suspended", as both real dumps of formatted
        // DVD+RW discs show (record `dvdplusrw-formatted-benq-dq60`).
        r[7] = if disc.is_formatted() { 1 } else { 0 };
    }
    r[9] = (s.sessions >> 8) as u8;
    r[10] = (s.first_in_last >> 8) as u8;
    r[11] = (s.last_in_last >> 8) as u8;
    if s.status == STATUS_COMPLETE {
        put32(&mut r, 16, u32::MAX);
        put32(&mut r, 20, u32::MAX);
    } else if disc.profile.family() == Family::Cd {
        r[16..20].copy_from_slice(&layout::msf_field(disc.cd_last_leadin()));
        r[20..24].copy_from_slice(&layout::msf_field(disc.capacity as i64));
    } else {
        put32(&mut r, 20, disc.capacity);
    }
    Ok(reply(data, &r, be16(cdb, 7) as usize))
}

/// READ DISC INFORMATION Data Type 010b, POW Resources Information: defined
/// by MMC-6 for a BD-R formatted SRM+POW (docs/mmc-notes.md §1.4).
const POW_RESOURCES: u8 = 0b010;

/// The POW Resources Information block: length 14, the data type in byte 2
/// bits 7-5, then remaining replacements, remaining reallocation map
/// entries and remaining updates. No real drive's numbers are on record:
/// the model counts the free clusters for each, since every replacement
/// takes a cluster at the next writable address.
fn pow_resources(disc: &Disc) -> [u8; 16] {
    let clusters = disc.free_blocks() / 32;
    let mut r = [0u8; 16];
    put16(&mut r, 0, 14);
    r[2] = POW_RESOURCES << 5;
    put32(&mut r, 4, clusters);
    put32(&mut r, 8, clusters);
    put32(&mut r, 12, clusters);
    r
}

/// The 48-byte track information of docs/mmc-notes.md §1.5.
#[derive(Default)]
struct TrackInfo {
    number: u32,
    session: u32,
    track_mode: u8,
    reserved: bool,
    blank: bool,
    packet: bool,
    fixed_packet: bool,
    nwa: Option<u32>,
    start: u32,
    free: u32,
    packet_size: u32,
    size: u32,
    last_recorded: Option<u32>,
}

impl TrackInfo {
    fn encode(&self) -> [u8; 48] {
        let mut r = [0u8; 48];
        put16(&mut r, 0, 46);
        r[2] = self.number as u8;
        r[3] = self.session as u8;
        r[5] = self.track_mode;
        r[6] = ((self.reserved as u8) << 7)
            | ((self.blank as u8) << 6)
            | ((self.packet as u8) << 5)
            | ((self.fixed_packet as u8) << 4)
            | 0x01;
        r[7] = ((self.last_recorded.is_some() as u8) << 1) | self.nwa.is_some() as u8;
        put32(&mut r, 8, self.start);
        put32(&mut r, 12, self.nwa.unwrap_or(0));
        put32(&mut r, 16, self.free);
        put32(&mut r, 20, self.packet_size);
        put32(&mut r, 24, self.size);
        put32(&mut r, 28, self.last_recorded.unwrap_or(0));
        r[32] = (self.number >> 8) as u8;
        r[33] = (self.session >> 8) as u8;
        r
    }
}

fn track_mode(disc: &Disc) -> u8 {
    if disc.profile.family() == Family::Cd {
        4
    } else {
        5
    }
}

fn closed_track_info(st: &DriveState, t: &TrackEntry) -> TrackInfo {
    let disc = &st.disc;
    let g = disc.geometry();
    let mut size = disc.track_span(&t.track);
    if disc.quirks.track_size_excludes_runout && !t.track.sao {
        size -= g.runout;
    }
    TrackInfo {
        number: t.number,
        session: t.session,
        track_mode: track_mode(disc),
        start: t.track.start,
        size,
        last_recorded: Some(t.track.start + g.readable(t.track.blocks) - 1),
        ..TrackInfo::default()
    }
}

fn next_track_info(st: &DriveState, n: &NextTrack) -> TrackInfo {
    let disc = &st.disc;
    let cd = disc.profile.family() == Family::Cd;
    let mut nwa = n.next_writable as i64;
    let quirky = (disc.quirks.nwa_minus_150_on_blank_cd && disc.is_blank())
        || (disc.quirks.sao_nwa_at_pregap && st.page05.write_type() == 2);
    if cd && n.written == 0 && quirky {
        nwa -= 150;
    }
    let size = match n.reserved {
        Some(r) => r,
        None => disc.capacity - n.start,
    };
    TrackInfo {
        number: n.number,
        session: n.session,
        track_mode: track_mode(disc),
        reserved: n.reserved.is_some(),
        blank: n.written == 0,
        packet: !cd,
        nwa: Some(nwa as u32),
        start: n.start,
        free: disc.free_blocks(),
        size,
        last_recorded: (n.written > 0).then(|| n.next_writable - 1),
        ..TrackInfo::default()
    }
}

/// Track 1 of an overwritable medium: one big track (docs/mmc-notes.md §7.6).
fn overwritable_track_info(disc: &Disc, formatted: bool) -> TrackInfo {
    let restricted = disc.profile == Profile::DvdMinusRwRestricted;
    TrackInfo {
        number: 1,
        session: 1,
        track_mode: 5,
        blank: !formatted,
        packet: !formatted || restricted,
        fixed_packet: restricted,
        nwa: (!formatted).then_some(0),
        start: 0,
        free: if formatted { 0 } else { disc.capacity },
        packet_size: if restricted { 16 } else { 0 },
        size: disc.capacity,
        last_recorded: formatted.then(|| disc.capacity - 1),
        ..TrackInfo::default()
    }
}

pub fn track_information(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let kind = cdb[1] & 0x03;
    let value = be32(cdb, 2);
    let alloc = be16(cdb, 7) as usize;
    let info = select_track(st, kind, value).ok_or(Sense::INVALID_FIELD_IN_CDB)?;
    Ok(reply(data, &info.encode(), alloc))
}

fn select_track(st: &DriveState, kind: u8, value: u32) -> Option<TrackInfo> {
    let disc = &st.disc;
    if let Medium::Overwritable { formatted } = disc.medium {
        let one = match kind {
            0 => value < disc.capacity,
            1 | 2 => value == 1,
            _ => false,
        };
        return one.then(|| overwritable_track_info(disc, formatted));
    }
    let tracks = disc.closed_tracks();
    let next = disc.next_track();
    let ff_alias = matches!(
        disc.profile,
        Profile::CdR | Profile::CdRw | Profile::DvdPlusR | Profile::DvdPlusRDl | Profile::BdR
    );
    match kind {
        // Track containing an LBA.
        0 => {
            if let Some(t) = tracks
                .iter()
                .find(|t| (t.track.start..disc.track_end(&t.track)).contains(&value))
            {
                return Some(closed_track_info(st, t));
            }
            next.filter(|n| value >= n.start && value < disc.capacity)
                .map(|n| next_track_info(st, &n))
        }
        // Logical track number.
        1 => {
            if value == 0xFF && ff_alias {
                return next.map(|n| next_track_info(st, &n));
            }
            if let Some(t) = tracks.iter().find(|t| t.number == value) {
                return Some(closed_track_info(st, t));
            }
            next.filter(|n| n.number == value)
                .map(|n| next_track_info(st, &n))
        }
        // First track of a session.
        2 => {
            if let Some(t) = tracks.iter().find(|t| t.session == value) {
                return Some(closed_track_info(st, t));
            }
            next.filter(|n| n.session == value)
                .map(|n| next_track_info(st, &n))
        }
        _ => None,
    }
}

pub fn capacity(st: &mut DriveState, data: &mut DataDirection<'_>) -> Outcome {
    let mut r = [0u8; 8];
    put32(&mut r, 0, st.disc.read_capacity_lba());
    put32(&mut r, 4, 2048);
    Ok(reply(data, &r, 8))
}

/// Descriptor types of the current/maximum capacity descriptor.
const UNFORMATTED: u8 = 1;
const FORMATTED: u8 = 2;

pub fn format_capacities(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let disc = &st.disc;
    let cap = disc.capacity;
    let formatted = disc.is_formatted();
    let (current_blocks, current_type, formats): (u32, u8, Vec<(u32, u8, u8)>) = match disc.profile
    {
        Profile::DvdPlusRw | Profile::DvdPlusRwDl => (
            cap,
            if formatted { FORMATTED } else { UNFORMATTED },
            vec![(cap, 0x26, 0)],
        ),
        Profile::BdRe => {
            let raw = cap.max(BD_RAW_CAPACITY);
            if formatted {
                (
                    cap,
                    FORMATTED,
                    vec![(cap, 0x00, 0), (cap, 0x30, 0), (raw, 0x31, 0)],
                )
            } else {
                (
                    raw,
                    UNFORMATTED,
                    vec![(cap, 0x00, 0), (cap, 0x30, 0), (raw, 0x31, 0)],
                )
            }
        }
        Profile::BdR if disc.is_blank() && !disc.bd_r_formatted() => (
            cap,
            UNFORMATTED,
            std::iter::once((layout::BD_FORMATTED_CAPACITY, 0x00, 0))
                .chain(layout::BD_R_SRM_CAPACITIES.map(|blocks| (blocks, 0x32, 0)))
                .collect(),
        ),
        Profile::DvdMinusRwRestricted => (
            cap,
            FORMATTED,
            vec![(cap, 0x00, 0), (cap, 0x10, 0), (cap, 0x15, 0)],
        ),
        Profile::DvdMinusRwSequential => (
            cap,
            UNFORMATTED,
            vec![(cap, 0x00, 0), (cap, 0x10, 0), (cap, 0x15, 0)],
        ),
        Profile::DvdRam => (cap, FORMATTED, vec![(cap, 0x00, 0), (cap, 0x01, 0)]),
        _ => (cap, FORMATTED, Vec::new()),
    };
    let mut r = vec![0u8; 12];
    r[3] = (8 * (1 + formats.len())) as u8;
    put32(&mut r, 4, current_blocks);
    r[8] = current_type;
    r[9..12].copy_from_slice(&[0x00, 0x08, 0x00]);
    for (blocks, kind, subtype) in formats {
        let mut d = [0u8; 8];
        put32(&mut d, 0, blocks);
        d[4] = (kind << 2) | subtype;
        r.extend_from_slice(&d);
    }
    Ok(reply(data, &r, be16(cdb, 7) as usize))
}
