//! MODE SENSE(10) (0x5A) / MODE SELECT(10) (0x55) with the Write
//! Parameters page 0x05 (docs/mmc-notes.md §1.12).

use super::cdb::{be16, be32, op, timeout, Cdb};
use super::reply::Reply;
use crate::error::Result;

pub const WRITE_PARAMETERS_PAGE: u8 = 0x05;
/// Page length byte of page 05 since MMC-3 (52 bytes with its header).
pub const WRITE_PARAMETERS_LENGTH: u8 = 0x32;
const HEADER: usize = 8;
/// Bytes 0-15 of the page hold every field we use; older pages stop there.
const MIN_PAGE: usize = 16;
/// Mode header plus a full page 05.
pub const ALLOCATION: u16 = (HEADER + 2 + WRITE_PARAMETERS_LENGTH as usize) as u16;

/// Page control of MODE SENSE (byte 2 bits 6-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageControl {
    Current,
    Changeable,
    Default,
    Saved,
}

/// MODE SENSE(10) of `page` without block descriptors.
pub fn mode_sense(page: u8, control: PageControl, alloc: u16) -> Cdb {
    let pc = match control {
        PageControl::Current => 0,
        PageControl::Changeable => 1,
        PageControl::Default => 2,
        PageControl::Saved => 3,
    };
    let [h, l] = be16(alloc);
    Cdb::ten(
        [
            op::MODE_SENSE_10,
            0x08,
            (pc << 6) | (page & 0x3F),
            0,
            0,
            0,
            0,
            h,
            l,
            0,
        ],
        timeout::INQUIRY,
    )
}

/// MODE SELECT(10) with PF = 1 for a parameter list of `length` bytes.
pub fn mode_select(length: u16) -> Cdb {
    let [h, l] = be16(length);
    Cdb::ten(
        [op::MODE_SELECT_10, 0x10, 0, 0, 0, 0, 0, h, l, 0],
        timeout::INQUIRY,
    )
}

/// Page 05 byte 2 bits 0-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteType {
    /// 0: packet / incremental (DVD-R/RW multisession).
    Incremental,
    /// 1: track at once (CD).
    TrackAtOnce,
    /// 2: session at once (CD) / disc at once (DVD-R).
    SessionAtOnce,
    /// 3: raw.
    Raw,
    /// 4: layer jump.
    LayerJump,
    Other(u8),
}

impl WriteType {
    fn from_code(code: u8) -> WriteType {
        match code {
            0 => WriteType::Incremental,
            1 => WriteType::TrackAtOnce,
            2 => WriteType::SessionAtOnce,
            3 => WriteType::Raw,
            4 => WriteType::LayerJump,
            other => WriteType::Other(other),
        }
    }

    fn code(self) -> u8 {
        match self {
            WriteType::Incremental => 0,
            WriteType::TrackAtOnce => 1,
            WriteType::SessionAtOnce => 2,
            WriteType::Raw => 3,
            WriteType::LayerJump => 4,
            WriteType::Other(c) => c & 0x0F,
        }
    }
}

/// Page 05 byte 3 bits 6-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiSession {
    /// 00b: closing the session finalizes the disc.
    Finalize,
    /// 01b: CD, B0 pointer FF:FF:FF.
    NoNextSession,
    /// 10b: reserved.
    Reserved,
    /// 11b: the next session is allowed.
    Allowed,
}

/// The Write Parameters page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteParameters {
    pub buffer_underrun_free: bool,
    pub link_size_valid: bool,
    pub test_write: bool,
    pub write_type: WriteType,
    pub multi_session: MultiSession,
    pub fixed_packet: bool,
    pub copy: bool,
    pub track_mode: u8,
    /// 8 = Mode 1 (2048 bytes), 10 = Mode 2 form 1.
    pub data_block_type: u8,
    pub link_size: u8,
    pub host_application_code: u8,
    pub session_format: u8,
    pub packet_size: u32,
    pub audio_pause_length: u16,
}

impl WriteParameters {
    /// CD track-at-once data: Mode 1, track mode 4, pause 150.
    pub fn cd_tao(multi_session: MultiSession) -> WriteParameters {
        WriteParameters {
            buffer_underrun_free: true,
            link_size_valid: false,
            test_write: false,
            write_type: WriteType::TrackAtOnce,
            multi_session,
            fixed_packet: false,
            copy: false,
            track_mode: 4,
            data_block_type: 8,
            link_size: 0,
            host_application_code: 0,
            session_format: 0,
            packet_size: 0,
            audio_pause_length: 150,
        }
    }

    /// DVD-R/RW incremental: link size 16, fixed packets of 16, track mode 5.
    pub fn dvd_incremental(multi_session: MultiSession, link_size: u8) -> WriteParameters {
        WriteParameters {
            link_size_valid: true,
            write_type: WriteType::Incremental,
            fixed_packet: true,
            track_mode: 5,
            link_size,
            packet_size: 16,
            audio_pause_length: 0,
            ..WriteParameters::cd_tao(multi_session)
        }
    }

    /// Parses a MODE SENSE(10) reply: header, block descriptors, page 05.
    pub fn parse_mode_sense(bytes: &[u8]) -> Result<WriteParameters> {
        let r = Reply::new("MODE SENSE(10) page 05", bytes);
        let length = r.u16(0, "mode data length")? as usize;
        let r = r.announced(2, length);
        let descriptors = r.u16(6, "block descriptor length")? as usize;
        let at = HEADER + descriptors;
        let code = r.u8(at, "page code")? & 0x3F;
        if code != WRITE_PARAMETERS_PAGE {
            return Err(r.invalid(format_args!(
                "page code {code:#04X} at byte {at} is not the Write Parameters page"
            )));
        }
        let page_length = r.u8(at + 1, "page length")? as usize;
        if page_length + 2 < MIN_PAGE {
            return Err(r.invalid(format_args!(
                "page length {page_length} at byte {} is shorter than {}",
                at + 1,
                MIN_PAGE - 2
            )));
        }
        let page = r.slice(at, MIN_PAGE, "write parameters")?;
        Ok(WriteParameters::from_page(page))
    }

    fn from_page(p: &[u8]) -> WriteParameters {
        WriteParameters {
            buffer_underrun_free: p[2] & 0x40 != 0,
            link_size_valid: p[2] & 0x20 != 0,
            test_write: p[2] & 0x10 != 0,
            write_type: WriteType::from_code(p[2] & 0x0F),
            multi_session: match p[3] >> 6 {
                0 => MultiSession::Finalize,
                1 => MultiSession::NoNextSession,
                2 => MultiSession::Reserved,
                _ => MultiSession::Allowed,
            },
            fixed_packet: p[3] & 0x20 != 0,
            copy: p[3] & 0x10 != 0,
            track_mode: p[3] & 0x0F,
            data_block_type: p[4] & 0x0F,
            link_size: p[5],
            host_application_code: p[7] & 0x3F,
            session_format: p[8],
            packet_size: u32::from_be_bytes([p[10], p[11], p[12], p[13]]),
            audio_pause_length: u16::from_be_bytes([p[14], p[15]]),
        }
    }

    /// The full 52-byte page (PS bit clear, as MODE SELECT wants it).
    pub fn to_page(&self) -> [u8; 2 + WRITE_PARAMETERS_LENGTH as usize] {
        let mut p = [0u8; 2 + WRITE_PARAMETERS_LENGTH as usize];
        p[0] = WRITE_PARAMETERS_PAGE;
        p[1] = WRITE_PARAMETERS_LENGTH;
        p[2] = (self.buffer_underrun_free as u8) << 6
            | (self.link_size_valid as u8) << 5
            | (self.test_write as u8) << 4
            | self.write_type.code();
        let multi = match self.multi_session {
            MultiSession::Finalize => 0,
            MultiSession::NoNextSession => 1,
            MultiSession::Reserved => 2,
            MultiSession::Allowed => 3,
        };
        p[3] = multi << 6
            | (self.fixed_packet as u8) << 5
            | (self.copy as u8) << 4
            | (self.track_mode & 0x0F);
        p[4] = self.data_block_type & 0x0F;
        p[5] = self.link_size;
        p[7] = self.host_application_code & 0x3F;
        p[8] = self.session_format;
        p[10..14].copy_from_slice(&be32(self.packet_size));
        p[14..16].copy_from_slice(&be16(self.audio_pause_length));
        p
    }

    /// The MODE SELECT(10) parameter list: a zeroed 8-byte header and the page.
    pub fn select_parameters(&self) -> Vec<u8> {
        let mut list = vec![0u8; HEADER];
        list.extend_from_slice(&self.to_page());
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sense_reply(page: &[u8], descriptors: usize) -> Vec<u8> {
        let mut b = vec![0u8; HEADER + descriptors];
        b[6..8].copy_from_slice(&(descriptors as u16).to_be_bytes());
        b.extend_from_slice(page);
        let len = (b.len() - 2) as u16;
        b[0..2].copy_from_slice(&len.to_be_bytes());
        b
    }

    #[test]
    fn page_round_trips_through_mode_sense() {
        let wp = WriteParameters::dvd_incremental(MultiSession::Allowed, 16);
        let mut page = wp.to_page();
        page[0] |= 0x80; // PS, as a drive sets it
        for descriptors in [0, 8] {
            let parsed =
                WriteParameters::parse_mode_sense(&sense_reply(&page, descriptors)).unwrap();
            assert_eq!(parsed, wp);
        }
        let sel = WriteParameters::cd_tao(MultiSession::Allowed).select_parameters();
        assert_eq!(sel.len(), 60);
        assert_eq!(&sel[8..12], &[0x05, 0x32, 0x41, 0xC4]);
        assert_eq!(sel[12], 8);
        assert_eq!(&sel[22..24], &[0, 150]);
    }

    #[test]
    fn wrong_page_or_short_page_is_invalid() {
        let mut page = WriteParameters::cd_tao(MultiSession::Finalize).to_page();
        page[0] = 0x2A;
        let e = WriteParameters::parse_mode_sense(&sense_reply(&page, 0)).unwrap_err();
        assert!(
            e.detail().contains("page code 0x2A at byte 8"),
            "{}",
            e.detail()
        );
        let e =
            WriteParameters::parse_mode_sense(&sense_reply(&[5, 4, 1, 0, 8, 0], 0)).unwrap_err();
        assert!(e.detail().contains("page length 4"), "{}", e.detail());
    }

    #[test]
    fn cdbs_set_dbd_and_pf() {
        assert_eq!(
            mode_sense(5, PageControl::Current, ALLOCATION).as_bytes(),
            &[0x5A, 0x08, 0x05, 0, 0, 0, 0, 0, 60, 0]
        );
        assert_eq!(mode_select(60).as_bytes()[1], 0x10);
    }
}
