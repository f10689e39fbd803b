//! READ TOC/PMA/ATIP (0x43) formats 0 (formatted TOC), 1 (multisession
//! information) and 2 (raw TOC, CD only) — docs/mmc-notes.md §1.6.

use super::cdb::{be16, op, timeout, Cdb};
use super::msf::Msf;
use super::reply::Reply;
use crate::error::Result;

/// The TOC formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TocFormat {
    /// 0000b: track descriptors from `track` on, plus the lead-out (0xAA).
    Formatted { track: u8 },
    /// 0001b: the first track of the last complete session (msc1).
    Multisession,
    /// 0010b: raw Q sub-channel descriptors from `session` on.
    Raw { session: u8 },
}

/// Format 1 is always 12 bytes; formats 0 and 2 grow with the track count.
pub const MULTISESSION_LENGTH: u16 = 12;
pub const ALLOCATION: u16 = 2048;

/// Track number of the lead-out in format 0 and POINT of the raw TOC.
pub const LEAD_OUT: u8 = 0xAA;

/// READ TOC/PMA/ATIP with LBA addressing (MSF bit 0; format 2 always
/// reports MSF in its descriptors).
pub fn cdb(format: TocFormat, alloc: u16) -> Cdb {
    let (code, number) = match format {
        TocFormat::Formatted { track } => (0, track),
        TocFormat::Multisession => (1, 0),
        TocFormat::Raw { session } => (2, session),
    };
    let [h, l] = be16(alloc);
    Cdb::ten(
        [op::READ_TOC, 0, code, 0, 0, 0, number, h, l, 0],
        timeout::INQUIRY,
    )
}

/// A format 0 descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TocTrack {
    pub adr: u8,
    pub control: u8,
    /// Track number, [`LEAD_OUT`] for the lead-out.
    pub track: u8,
    pub start: i32,
}

/// Format 0 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedToc {
    pub first_track: u8,
    pub last_track: u8,
    pub tracks: Vec<TocTrack>,
}

impl FormattedToc {
    pub fn parse(bytes: &[u8]) -> Result<FormattedToc> {
        let r = Reply::new("READ TOC format 0", bytes);
        let length = r.u16(0, "data length")? as usize;
        let first_track = r.u8(2, "first track number")?;
        let last_track = r.u8(3, "last track number")?;
        let body = r.announced(2, length);
        let tracks = body
            .tail(4)
            .chunks_exact(8)
            .map(|d| TocTrack {
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                track: d[2],
                start: i32::from_be_bytes([d[4], d[5], d[6], d[7]]),
            })
            .collect();
        Ok(FormattedToc {
            first_track,
            last_track,
            tracks,
        })
    }

    /// Start of the lead-out, i.e. one past the last block of the last
    /// complete session (on TAO CD, two run-out blocks past the last readable one).
    pub fn lead_out(&self) -> Option<i32> {
        self.tracks
            .iter()
            .find(|t| t.track == LEAD_OUT)
            .map(|t| t.start)
    }
}

/// Format 1 reply: where the last complete session starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultisessionInfo {
    pub first_session: u8,
    pub last_session: u8,
    pub adr: u8,
    pub control: u8,
    pub first_track_in_last_session: u8,
    /// Bytes 8-11: msc1.
    pub last_session_start: i32,
}

impl MultisessionInfo {
    pub fn parse(bytes: &[u8]) -> Result<MultisessionInfo> {
        let r = Reply::new("READ TOC format 1", bytes);
        let b5 = r.u8(5, "ADR/CONTROL")?;
        Ok(MultisessionInfo {
            first_session: r.u8(2, "first complete session")?,
            last_session: r.u8(3, "last complete session")?,
            adr: b5 >> 4,
            control: b5 & 0x0F,
            first_track_in_last_session: r.u8(6, "first track in last session")?,
            last_session_start: r.u32(8, "start of last session")? as i32,
        })
    }
}

/// A format 2 descriptor (11 bytes of Q sub-channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawTocEntry {
    pub session: u8,
    pub adr: u8,
    pub control: u8,
    pub tno: u8,
    pub point: u8,
    pub msf: Msf,
    pub zero: u8,
    pub pmsf: Msf,
}

/// Format 2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToc {
    pub first_session: u8,
    pub last_session: u8,
    pub entries: Vec<RawTocEntry>,
}

/// What the raw TOC says about one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSession {
    pub number: u8,
    pub first_track: u8,
    pub last_track: u8,
    /// Start of the session's first track.
    pub start: i32,
    /// POINT A2: start of the session's lead-out.
    pub lead_out: i32,
    /// POINT B0 MIN/SEC/FRAME: where the next session's program area may
    /// start; `None` when B0 is absent or FF:FF:FF (no further session).
    pub next_program_area: Option<i32>,
}

impl RawToc {
    pub fn parse(bytes: &[u8]) -> Result<RawToc> {
        let r = Reply::new("READ TOC format 2", bytes);
        let length = r.u16(0, "data length")? as usize;
        let first_session = r.u8(2, "first complete session")?;
        let last_session = r.u8(3, "last complete session")?;
        let body = r.announced(2, length);
        let entries = body
            .tail(4)
            .chunks_exact(11)
            .map(|d| RawTocEntry {
                session: d[0],
                adr: d[1] >> 4,
                control: d[1] & 0x0F,
                tno: d[2],
                point: d[3],
                msf: Msf::new(d[4], d[5], d[6]),
                zero: d[7],
                pmsf: Msf::new(d[8], d[9], d[10]),
            })
            .collect();
        Ok(RawToc {
            first_session,
            last_session,
            entries,
        })
    }

    /// Every session that has A0, A1 and A2 pointers, in session order.
    pub fn sessions(&self) -> Result<Vec<RawSession>> {
        let invalid = |what: String| Reply::new("READ TOC format 2", &[]).invalid(what);
        let mut numbers: Vec<u8> = self.entries.iter().map(|e| e.session).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut out = Vec::new();
        for number in numbers {
            let point = |p: u8| {
                self.entries
                    .iter()
                    .find(|e| e.session == number && e.point == p && e.adr == 1)
            };
            let (Some(a0), Some(a1), Some(a2)) = (point(0xA0), point(0xA1), point(0xA2)) else {
                return Err(invalid(format!(
                    "session {number} lacks an A0, A1 or A2 pointer"
                )));
            };
            let first_track = a0.pmsf.minute;
            let start = point(first_track)
                .ok_or_else(|| {
                    invalid(format!(
                        "session {number} has no descriptor for its first track {first_track}"
                    ))
                })?
                .pmsf
                .to_lba();
            let next_program_area = self
                .entries
                .iter()
                .find(|e| e.session == number && e.point == 0xB0 && e.adr == 5)
                .filter(|b0| b0.msf != Msf::new(0xFF, 0xFF, 0xFF))
                .map(|b0| b0.msf.to_lba());
            out.push(RawSession {
                number,
                first_track,
                last_track: a1.pmsf.minute,
                start,
                lead_out: a2.pmsf.to_lba(),
                next_program_area,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multisession_reply_of_a_two_session_cd() {
        // docs/mmc-notes.md §7.2: `00 0A 01 02 00 14 02 00 00 00 2E EA`.
        let m = MultisessionInfo::parse(&[0, 0x0A, 1, 2, 0, 0x14, 2, 0, 0, 0, 0x2E, 0xEA]).unwrap();
        assert_eq!(m.last_session, 2);
        assert_eq!(m.first_track_in_last_session, 2);
        assert_eq!(m.last_session_start, 12010);
        assert_eq!(m.control, 4);
        assert!(MultisessionInfo::parse(&[0, 0x0A, 1, 2, 0, 0x14, 2, 0, 0]).is_err());
    }

    #[test]
    fn formatted_toc_lists_tracks_and_lead_out() {
        let mut b = vec![0, 26, 1, 2];
        for (t, lba) in [(1u8, 0i32), (2, 12010), (0xAA, 17900)] {
            b.extend_from_slice(&[0, 0x14, t, 0]);
            b.extend_from_slice(&lba.to_be_bytes());
        }
        let toc = FormattedToc::parse(&b).unwrap();
        assert_eq!(toc.tracks.len(), 3);
        assert_eq!(toc.lead_out(), Some(17900));
        assert_eq!(toc.tracks[1].start, 12010);
    }

    fn entry(session: u8, adr: u8, point: u8, msf: [u8; 3], pmsf: [u8; 3]) -> [u8; 11] {
        [
            session,
            (adr << 4) | 4,
            0,
            point,
            msf[0],
            msf[1],
            msf[2],
            0,
            pmsf[0],
            pmsf[1],
            pmsf[2],
        ]
    }

    #[test]
    fn raw_toc_gives_session_extents() {
        let mut body = Vec::new();
        for e in [
            entry(1, 1, 0xA0, [0, 0, 0], [1, 0x20, 0]),
            entry(1, 1, 0xA1, [0, 0, 0], [1, 0, 0]),
            entry(1, 1, 0xA2, [0, 0, 0], [0, 10, 10]),
            entry(1, 1, 1, [0, 0, 0], [0, 2, 0]),
            entry(1, 5, 0xB0, [2, 40, 10], [79, 59, 74]),
            entry(2, 1, 0xA0, [0, 0, 0], [2, 0x20, 0]),
            entry(2, 1, 0xA1, [0, 0, 0], [2, 0, 0]),
            entry(2, 1, 0xA2, [0, 0, 0], [3, 60 - 60, 0]),
            entry(2, 1, 2, [0, 0, 0], [2, 42, 10]),
            entry(2, 5, 0xB0, [0xFF, 0xFF, 0xFF], [79, 59, 74]),
        ] {
            body.extend_from_slice(&e);
        }
        let mut b = ((body.len() + 2) as u16).to_be_bytes().to_vec();
        b.extend_from_slice(&[1, 2]);
        b.extend_from_slice(&body);
        let toc = RawToc::parse(&b).unwrap();
        let s = toc.sessions().unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].start, s[0].lead_out), (0, 610));
        assert_eq!(s[0].next_program_area, Some(11860));
        assert_eq!(s[1].start, 12010);
        assert_eq!(s[1].next_program_area, None);
        assert_eq!(cdb(TocFormat::Raw { session: 1 }, 100).as_bytes()[2], 2);
    }

    #[test]
    fn raw_session_without_lead_out_pointer_is_invalid() {
        let mut b = vec![0, 13, 1, 1];
        b.extend_from_slice(&entry(1, 1, 0xA0, [0, 0, 0], [1, 0, 0]));
        assert!(RawToc::parse(&b).unwrap().sessions().is_err());
    }
}
