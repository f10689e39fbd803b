//! SEND CUE SHEET and the session-at-once (SAO) burn it announces on a
//! blank CD (docs/mmc-notes.md §1.11): the host sends the layout of the
//! whole session first, then writes it in one stream from the pre-gap
//! (LBA −150) up to the lead-out, and SYNCHRONIZE CACHE ends the session;
//! no CLOSE TRACK/SESSION follows.

use super::{be32, DriveState, Outcome};
use crate::media::Family;
use crate::scsi::emulator::layout::CD_PREGAP;
use crate::scsi::emulator::model::{Session, Track};
use crate::scsi::{DataDirection, Sense};

/// Data form of a CD-ROM Mode 1 data track: the host sends 2048 bytes a
/// block, the drive adds sync, header and error codes.
const FORM_MODE1_DATA: u8 = 0x10;
/// Data form of the lead-in and lead-out of a data session: nothing from
/// the host, the drive generates the blocks.
const FORM_MODE1_GENERATED: u8 = 0x14;
/// ADR of an entry that places a track or index at an address; 02h (media
/// catalog number) and 03h (ISRC) entries carry text, not addresses.
const ADR_POSITION: u8 = 1;
/// CTL bit of a data track.
const CTL_DATA: u8 = 0x40;
const TNO_LEAD_OUT: u8 = 0xAA;
/// The least payload of a CD track (4 seconds), as for TAO.
const MIN_TRACK_BLOCKS: i64 = 300;

/// The session a cue sheet announced, and how far the host has written it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueSheet {
    /// First address of the stream: the first track's pre-gap (−150).
    pub first: i64,
    /// The tracks as they will be recorded: start (INDEX 1) and blocks up
    /// to the next track or the lead-out.
    pub tracks: Vec<Track>,
    /// Where the lead-out starts: the session's end.
    pub lead_out: u32,
    /// The address the next WRITE must name.
    pub next: i64,
}

impl CueSheet {
    /// Where the first track's data starts: blocks before it are pre-gap,
    /// which the drive records but nobody reads back as user data.
    pub fn data_start(&self) -> u32 {
        self.tracks[0].start
    }
}

/// MIN, SEC, FRAME of a cue sheet entry as an LBA; minutes from 90 on
/// name the lead-in's negative addresses, as in every CD MSF address.
fn msf_to_lba(m: u8, s: u8, f: u8) -> Option<i64> {
    if s >= 60 || f >= 75 {
        return None;
    }
    let frames = (m as i64 * 60 + s as i64) * 75 + f as i64;
    Some(if m >= 90 {
        frames - 450_150
    } else {
        frames - 150
    })
}

/// One position entry (ADR 1) of the sheet.
#[derive(Debug, Clone, Copy)]
struct Entry {
    ctl: u8,
    tno: u8,
    index: u8,
    form: u8,
    lba: i64,
}

/// The entries that place something, in order; MCN and ISRC entries come
/// in pairs and are skipped (the emulator keeps no sub-channel text).
fn position_entries(sheet: &[u8]) -> Result<Vec<Entry>, Sense> {
    let mut out = Vec::new();
    let mut pending_text = None;
    for e in sheet.chunks_exact(8) {
        let (ctl, adr) = (e[0] & 0xF0, e[0] & 0x0F);
        match adr {
            2 | 3 => {
                // Text entries come in pairs of the same ADR.
                pending_text = match pending_text {
                    Some(a) if a == adr => None,
                    Some(_) => return Err(Sense::INVALID_FIELD_IN_PARAMETERS),
                    None => Some(adr),
                };
            }
            ADR_POSITION if pending_text.is_none() => {
                let lba = msf_to_lba(e[5], e[6], e[7]).ok_or(Sense::INVALID_FIELD_IN_PARAMETERS)?;
                out.push(Entry {
                    ctl,
                    tno: e[1],
                    index: e[2],
                    form: e[3],
                    lba,
                });
            }
            _ => return Err(Sense::INVALID_FIELD_IN_PARAMETERS),
        }
    }
    if pending_text.is_some() {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS);
    }
    Ok(out)
}

/// Checks a sheet against what the emulator records — one data session
/// of Mode 1 tracks on a blank CD — and lays out its tracks. Audio,
/// CD-TEXT and mode 2 forms are refused: the image holds 2048-byte user
/// blocks only.
fn parse(sheet: &[u8], first_track: u32, capacity: u32) -> Result<CueSheet, Sense> {
    let entries = position_entries(sheet)?;
    let bad = Sense::INVALID_FIELD_IN_PARAMETERS;
    let (lead_in, rest) = entries.split_first().ok_or(bad)?;
    let (lead_out, body) = rest.split_last().ok_or(bad)?;
    if lead_in.tno != 0 || lead_in.index != 0 || lead_in.form != FORM_MODE1_GENERATED {
        return Err(bad);
    }
    if lead_out.tno != TNO_LEAD_OUT || lead_out.index != 1 || lead_out.form != FORM_MODE1_GENERATED
    {
        return Err(bad);
    }
    // The stream starts with the first track's pre-gap at 00:00:00 (LBA
    // −150); the lead-in entry names the same address (libburn, cdrecord).
    let first = body.first().ok_or(bad)?;
    let stream_start = first.lba;
    if stream_start != -(CD_PREGAP as i64) || lead_in.lba != stream_start {
        return Err(bad);
    }
    let mut starts: Vec<(u8, i64)> = Vec::new();
    let mut previous: Option<&Entry> = None;
    for e in body {
        let data = e.ctl & CTL_DATA != 0;
        if !data || e.form != FORM_MODE1_DATA || e.index > 99 || e.tno == 0 || e.tno > 99 {
            return Err(bad);
        }
        match previous {
            // A new track: the next number, starting at INDEX 0 (pre-gap)
            // or 1.
            Some(p) if e.tno != p.tno => {
                if e.tno != p.tno.wrapping_add(1)
                    || e.index > 1
                    || starts.last().map(|s| s.0) != Some(p.tno)
                {
                    return Err(bad);
                }
            }
            Some(p) => {
                if e.index != p.index + 1 {
                    return Err(bad);
                }
            }
            None => {
                if e.tno as u32 != first_track || e.index != 0 {
                    return Err(bad);
                }
            }
        }
        if previous.is_some_and(|p| e.lba < p.lba) {
            return Err(bad);
        }
        if e.index == 1 {
            starts.push((e.tno, e.lba));
        }
        previous = Some(e);
    }
    // Every track needs its INDEX 1, the last one included.
    let last = previous.ok_or(bad)?;
    if starts.last().map(|s| s.0) != Some(last.tno) || lead_out.lba < last.lba {
        return Err(bad);
    }
    // The data starts where a blank disc's first track does: a pre-gap of
    // exactly 2 seconds (what libburn and cdrecord send; longer ones would
    // put the track elsewhere than the disc's next writable address).
    if starts.first().map(|s| s.1) != Some(0) {
        return Err(bad);
    }
    let mut tracks = Vec::new();
    for (i, &(_, start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(lead_out.lba, |s| s.1);
        if start < 0 || end - start < MIN_TRACK_BLOCKS {
            return Err(bad);
        }
        tracks.push(Track {
            start: start as u32,
            blocks: (end - start) as u32,
            sao: true,
        });
    }
    if lead_out.lba > capacity as i64 {
        return Err(Sense::LBA_OUT_OF_RANGE);
    }
    Ok(CueSheet {
        first: stream_start,
        tracks,
        lead_out: lead_out.lba as u32,
        next: stream_start,
    })
}

/// SEND CUE SHEET (5Dh): bytes 6-8 the sheet's length, 8 bytes an entry.
/// The sheet only counts with write type SAO in page 05 and on a blank CD
/// (drives refuse SAO on an appendable CD: the libburn cookbook; libburn
/// and cdrecord burn later sessions TAO).
pub fn send_cue_sheet(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let len = (be32(cdb, 5) & 0x00FF_FFFF) as usize;
    let DataDirection::ToDevice(sheet) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    let sheet: &[u8] = sheet;
    if len == 0 || len % 8 != 0 || len > sheet.len() {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    st.check_writable()?;
    if st.disc.profile.family() != Family::Cd {
        return Err(Sense::INCOMPATIBLE_MEDIUM.into());
    }
    if st.page05.write_type() != 2 || !st.disc.is_blank() {
        return Err(Sense::COMMAND_SEQUENCE_ERROR.into());
    }
    let first_track = st.disc.next_track().map_or(1, |n| n.number);
    let cue = parse(&sheet[..len], first_track, st.disc.capacity)?;
    st.cue = Some(cue);
    Ok(len)
}

/// A WRITE while a cue sheet is pending: the stream must continue where
/// the last write stopped, starting at the pre-gap or (for hosts that
/// leave the pre-gap to the drive) at the first track's data. Returns how
/// many leading blocks are pre-gap, which the drive records itself and
/// the image does not hold.
pub fn sao_pregap_blocks(st: &DriveState, lba: u32, blocks: u32) -> Result<u32, Sense> {
    let Some(cue) = st.cue.as_ref() else {
        return Ok(0);
    };
    let lba = lba as i32 as i64;
    let data_start = cue.data_start() as i64;
    let untouched = cue.next == cue.first;
    if lba != cue.next && !(untouched && lba == data_start) {
        return Err(Sense::INVALID_ADDRESS_FOR_WRITE);
    }
    let end = lba + blocks as i64;
    if end > cue.lead_out as i64 {
        return Err(Sense::LBA_OUT_OF_RANGE);
    }
    Ok((data_start - lba).clamp(0, blocks as i64) as u32)
}

/// Moves the stream on after a WRITE of `blocks` at `lba` went through.
pub fn advance(st: &mut DriveState, lba: u32, blocks: u32) {
    if let Some(cue) = st.cue.as_mut() {
        cue.next = lba as i32 as i64 + blocks as i64;
    }
}

/// SYNCHRONIZE CACHE after an SAO stream: once every announced block is
/// there, the drive writes lead-in and lead-out and the session is closed
/// — appendable with Multi-session 11b in page 05, else the disc is
/// finalized. A sync before the stream is complete just flushes.
pub fn finish_sao_session(st: &mut DriveState) -> bool {
    let Some(cue) = st.cue.as_ref() else {
        return false;
    };
    if cue.next != cue.lead_out as i64 {
        return false;
    }
    let tracks = cue.tracks.clone();
    let keep_open = st.page05.multi_session() == 3;
    let Some(rec) = st.disc.recorded_mut() else {
        return false;
    };
    // The stream went through the ordinary write path as one open track
    // from the first track's start; the cue sheet splits it into tracks.
    rec.open = None;
    rec.sessions.push(Session { tracks });
    rec.finalized = !keep_open;
    st.cue = None;
    st.dirty = true;
    true
}
