//! READ DISC INFORMATION (0x51): disc status, last-session state and the
//! session/track counters (docs/mmc-notes.md §1.4).

use super::cdb::{be16, op, timeout, Cdb};
use super::msf::Msf;
use super::reply::Reply;
use super::{DiscStatus, SessionState};
use crate::error::Result;

/// Standard disc information without OPC tables.
pub const ALLOCATION: u16 = 34;

/// READ DISC INFORMATION, data type 000b (standard).
pub fn cdb(alloc: u16) -> Cdb {
    let [h, l] = be16(alloc);
    Cdb::ten(
        [op::READ_DISC_INFORMATION, 0, 0, 0, 0, 0, 0, h, l, 0],
        timeout::INQUIRY,
    )
}

/// Standard disc information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscInformation {
    pub erasable: bool,
    pub last_session: SessionState,
    pub status: DiscStatus,
    pub first_track: u16,
    /// Counts the empty or incomplete session of an appendable disc.
    pub sessions: u16,
    pub first_track_in_last_session: u16,
    pub last_track_in_last_session: u16,
    /// Byte 7 bits 0-1: DVD+RW background format (0 none, 1 suspended, 2 running, 3 complete).
    pub background_format: u8,
    pub disc_type: u8,
    /// Bytes 16-19 as sent: MSF (0,M,S,F) on CD, LBA elsewhere.
    pub lead_in_raw: u32,
    /// Bytes 20-23 as sent: MSF on CD, LBA elsewhere.
    pub last_lead_out_raw: u32,
}

impl DiscInformation {
    /// Parses bytes 0-23; the bar code, application code and OPC tables
    /// that follow are not needed (growisofs asks for 32 bytes, old drives
    /// stop there).
    pub fn parse(bytes: &[u8]) -> Result<DiscInformation> {
        let r = Reply::new("READ DISC INFORMATION", bytes);
        let length = r.u16(0, "disc information length")? as usize;
        let r = r.announced(2, length);
        let b2 = r.u8(2, "disc status")?;
        let lsb_msb = |lsb: usize, msb: usize, field: &str| -> Result<u16> {
            Ok(u16::from_be_bytes([r.u8(msb, field)?, r.u8(lsb, field)?]))
        };
        Ok(DiscInformation {
            erasable: b2 & 0x10 != 0,
            last_session: match (b2 >> 2) & 0x03 {
                0 => SessionState::Empty,
                1 => SessionState::Incomplete,
                2 => SessionState::Damaged,
                _ => SessionState::Complete,
            },
            status: match b2 & 0x03 {
                0 => DiscStatus::Blank,
                1 => DiscStatus::Appendable,
                2 => DiscStatus::Finalized,
                _ => DiscStatus::RandomAccess,
            },
            first_track: r.u8(3, "first track number")? as u16,
            sessions: lsb_msb(4, 9, "number of sessions")?,
            first_track_in_last_session: lsb_msb(5, 10, "first track in last session")?,
            last_track_in_last_session: lsb_msb(6, 11, "last track in last session")?,
            background_format: r.u8(7, "background format status")? & 0x03,
            disc_type: r.u8(8, "disc type")?,
            lead_in_raw: r.u32(16, "last session lead-in start")?,
            last_lead_out_raw: r.u32(20, "last possible lead-out start")?,
        })
    }

    /// Sessions that are closed: the count minus the empty or incomplete
    /// last session, unless that one is complete too (libburn's rule).
    pub fn complete_sessions(&self) -> u16 {
        match self.last_session {
            SessionState::Complete => self.sessions,
            _ => self.sessions.saturating_sub(1),
        }
    }

    /// The last possible lead-out start as an LBA: MSF on CD, an LBA
    /// elsewhere; `None` when the drive reports none (0xFFFFFFFF, closed
    /// discs) or zero.
    pub fn last_possible_lead_out(&self, cd: bool) -> Option<i32> {
        raw_address(self.last_lead_out_raw, cd)
    }

    /// The next (CD) or last session's lead-in start, as an LBA.
    pub fn lead_in(&self, cd: bool) -> Option<i32> {
        raw_address(self.lead_in_raw, cd)
    }
}

fn raw_address(raw: u32, cd: bool) -> Option<i32> {
    if raw == u32::MAX || raw == 0 {
        return None;
    }
    if cd {
        let [_, m, s, f] = raw.to_be_bytes();
        (s < 60 && f < 75).then(|| Msf::new(m, s, f).to_lba())
    } else {
        i32::try_from(raw).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::disc_information as rdi;

    #[test]
    fn blank_cd_reports_atip_lead_in_and_lead_out() {
        let d = DiscInformation::parse(&rdi(0x00, 1, 1, 1, 0x00611A42, 0x004F3B4A)).unwrap();
        assert_eq!(d.status, DiscStatus::Blank);
        assert_eq!(d.complete_sessions(), 0);
        assert_eq!(d.lead_in(true), Some(-11634));
        assert_eq!(d.last_possible_lead_out(true), Some(359849));
    }

    #[test]
    fn appendable_disc_counts_its_empty_session() {
        let d = DiscInformation::parse(&rdi(0x01, 3, 3, 3, 0x0004_1E32, 0x004F3B4A)).unwrap();
        assert_eq!(d.status, DiscStatus::Appendable);
        assert_eq!(d.last_session, SessionState::Empty);
        assert_eq!(d.complete_sessions(), 2);
        assert_eq!(d.lead_in(true), Some(20150));
    }

    #[test]
    fn finalized_dvd_has_no_lead_out_and_all_sessions_complete() {
        let d = DiscInformation::parse(&rdi(0x0E, 2, 2, 2, u32::MAX, u32::MAX)).unwrap();
        assert_eq!(d.status, DiscStatus::Finalized);
        assert_eq!(d.complete_sessions(), 2);
        assert_eq!(d.last_possible_lead_out(false), None);
        let d = DiscInformation::parse(&rdi(0x01, 0x0102, 0x0201, 0x0201, 0, 2298496)).unwrap();
        assert_eq!(d.sessions, 0x0102);
        assert_eq!(d.first_track_in_last_session, 0x0201);
        assert_eq!(d.last_possible_lead_out(false), Some(2298496));
    }

    #[test]
    fn reply_shorter_than_the_lead_out_field_is_invalid() {
        let mut b = rdi(0x01, 2, 2, 2, 0, 0);
        b.truncate(22);
        let e = DiscInformation::parse(&b).unwrap_err();
        assert!(
            e.detail().starts_with("READ DISC INFORMATION"),
            "{}",
            e.detail()
        );
        assert!(e.detail().contains("byte 23"), "{}", e.detail());
    }
}
