//! READ TRACK INFORMATION (0x52): start, next writable address, free
//! blocks, size and last recorded address of one track (docs/mmc-notes.md §1.5).

use super::cdb::{be16, be32, op, timeout, Cdb};
use super::reply::Reply;
use crate::error::{Error, Result};
use crate::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;

/// MMC-5 reply size; older drives send 28 or 36 bytes.
pub const ALLOCATION: u16 = 48;

/// Track number that names the invisible (incomplete) track on CD and
/// DVD+R. DVD-R and BD-R tools use the real number instead (docs/mmc-notes.md §1.5).
pub const INVISIBLE_TRACK: u32 = 0xFF;

/// What the address field of the CDB names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackAddress {
    /// 00b: the track containing this LBA.
    Lba(u32),
    /// 01b: a logical track number (0xFF = invisible track on CD/DVD+R).
    Track(u32),
    /// 10b: the first track of this session.
    Session(u32),
}

/// READ TRACK INFORMATION for `address`.
pub fn cdb(address: TrackAddress, alloc: u16) -> Cdb {
    let (kind, value) = match address {
        TrackAddress::Lba(v) => (0, v),
        TrackAddress::Track(v) => (1, v),
        TrackAddress::Session(v) => (2, v),
    };
    let [a, b, c, d] = be32(value);
    let [h, l] = be16(alloc);
    Cdb::ten(
        [op::READ_TRACK_INFORMATION, kind, a, b, c, d, 0, h, l, 0],
        timeout::INQUIRY,
    )
}

/// One track as the drive describes it. Addresses are raw 32-bit fields;
/// some CD drives report a next writable address of −150 on blank media,
/// which only makes sense read as `i32` (see `probe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInformation {
    pub track: u16,
    pub session: u16,
    pub damaged: bool,
    pub copy: bool,
    /// Byte 5 bits 0-3: CD CONTROL nibble (4 data, 5/7 data incremental).
    pub track_mode: u8,
    pub reserved: bool,
    pub blank: bool,
    pub packet: bool,
    pub fixed_packet: bool,
    /// Byte 6 bits 0-3: 1 Mode 1, 2 Mode 2, 0xF unknown.
    pub data_mode: u8,
    pub start: u32,
    /// Bytes 12-15, present only when NWA_V is set.
    pub next_writable: Option<u32>,
    pub free_blocks: u32,
    pub fixed_packet_size: u32,
    pub size: u32,
    /// Bytes 28-31, present only when LRA_V is set (and the drive sent them).
    pub last_recorded: Option<u32>,
}

impl TrackInformation {
    /// Parses bytes 0-27; the LRA (28-31) and the MSBs of track and
    /// session number (32-33) are used when the reply holds them.
    pub fn parse(bytes: &[u8]) -> Result<TrackInformation> {
        let r = Reply::new("READ TRACK INFORMATION", bytes);
        let length = r.u16(0, "data length")? as usize;
        let r = r.announced(2, length);
        let b5 = r.u8(5, "track mode")?;
        let b6 = r.u8(6, "data mode")?;
        let b7 = r.u8(7, "NWA_V/LRA_V")?;
        let nwa = r.u32(12, "next writable address")?;
        let msb = |at: usize| r.bytes().get(at).copied().unwrap_or(0);
        let last_recorded = if b7 & 0x02 != 0 && r.len() >= 32 {
            Some(r.u32(28, "last recorded address")?)
        } else {
            None
        };
        Ok(TrackInformation {
            track: u16::from_be_bytes([msb(32), r.u8(2, "track number")?]),
            session: u16::from_be_bytes([msb(33), r.u8(3, "session number")?]),
            damaged: b5 & 0x20 != 0,
            copy: b5 & 0x10 != 0,
            track_mode: b5 & 0x0F,
            reserved: b6 & 0x80 != 0,
            blank: b6 & 0x40 != 0,
            packet: b6 & 0x20 != 0,
            fixed_packet: b6 & 0x10 != 0,
            data_mode: b6 & 0x0F,
            start: r.u32(8, "track start address")?,
            next_writable: (b7 & 0x01 != 0).then_some(nwa),
            free_blocks: r.u32(16, "free blocks")?,
            fixed_packet_size: r.u32(20, "fixed packet size")?,
            size: r.u32(24, "track size")?,
            last_recorded,
        })
    }

    /// The last block written in this track: the LRA when the drive gives
    /// one, else the end of a non-blank track (`None` for a blank track).
    /// A last block before the start of a recorded track, or a track
    /// running past the last 32-bit LBA, is a reply no disc can give: an invalid response
    /// rather than a clamped or wrapped address that later arithmetic
    /// would trust.
    pub fn last_written(&self) -> Result<Option<u32>> {
        let last = match self.last_recorded {
            Some(lra) => lra,
            None if self.blank || self.size == 0 => return Ok(None),
            None => self.start.checked_add(self.size - 1).ok_or_else(|| {
                Error::new(
                    MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                    format!(
                        "READ TRACK INFORMATION: track {} of {} blocks from LBA {} runs past the last 32-bit LBA",
                        self.track, self.size, self.start
                    ),
                )
            })?,
        };
        if last < self.start {
            // A blank track has nothing recorded: its LRA says nothing.
            if self.blank {
                return Ok(None);
            }
            return Err(Error::new(
                MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                format!(
                    "READ TRACK INFORMATION: track {} ends at LBA {last}, before its start {}",
                    self.track, self.start
                ),
            ));
        }
        Ok(Some(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::track_information as rti;

    #[test]
    fn invisible_cd_track_after_one_session() {
        let t = TrackInformation::parse(&rti(2, 2, true, Some(12010), 12010, 347839, 347839, None))
            .unwrap();
        assert!(t.blank);
        assert_eq!(t.next_writable, Some(12010));
        assert_eq!(t.free_blocks, 347839);
        assert_eq!(t.last_written().unwrap(), None);
        assert_eq!((t.track, t.session), (2, 2));
    }

    #[test]
    fn closed_track_gives_its_last_recorded_address() {
        let t = TrackInformation::parse(&rti(1, 1, false, None, 0, 0, 610, Some(607))).unwrap();
        assert_eq!(t.next_writable, None);
        assert_eq!(t.last_written().unwrap(), Some(607));
        let mut old = rti(1, 1, false, None, 0, 0, 610, Some(607));
        old.truncate(28);
        old[0..2].copy_from_slice(&26u16.to_be_bytes());
        let t = TrackInformation::parse(&old).unwrap();
        assert_eq!(t.last_recorded, None);
        assert_eq!(t.last_written().unwrap(), Some(609));
    }

    #[test]
    fn a_track_past_the_last_lba_or_ending_before_its_start_is_an_invalid_response() {
        for reply in [
            rti(1, 1, false, None, 0x10, 0, 0xFFFF_FFF1, None),
            rti(2, 1, false, None, 0xFFFF_FFF0, 0, 0xFFFF_FFF0, None),
            rti(3, 1, false, None, 5000, 0, 10, Some(4999)),
        ] {
            let t = TrackInformation::parse(&reply).unwrap();
            assert_eq!(
                t.last_written().unwrap_err().code(),
                MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE
            );
        }
        let t = TrackInformation::parse(&rti(1, 1, false, None, 0x10, 0, 0xFFFF_FFF0, None));
        assert_eq!(t.unwrap().last_written().unwrap(), Some(u32::MAX));
    }

    #[test]
    fn session_address_type_is_encoded() {
        assert_eq!(
            cdb(TrackAddress::Session(2), 48).as_bytes(),
            &[0x52, 2, 0, 0, 0, 2, 0, 0, 48, 0]
        );
        assert_eq!(cdb(TrackAddress::Track(0xFF), 48).as_bytes()[1], 1);
        assert!(TrackInformation::parse(&[0, 46, 1, 1, 0, 4, 1, 0, 0]).is_err());
    }
}
