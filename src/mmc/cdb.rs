//! Command descriptor blocks: one [`Cdb`] type that knows its command's
//! name and timeout, and builders for the commands that carry no reply to
//! parse (the commands with replies build their CDB next to their parser).
//!
//! Every multi-byte CDB field is big-endian (docs/mmc-notes.md §1).

use std::fmt;
use std::time::Duration;

/// MMC operation codes used by this crate (owned by the transport layer,
/// which names commands in its own errors).
pub(crate) use crate::scsi::opcode as op;
/// The MMC name of an operation code, for error messages.
pub use crate::scsi::opcode::name as op_name;

/// Whether a command changes the medium (or the drive's write state), so
/// that it may only be sent under the recorder's write lock and leaves the
/// cached `MediaInfo` stale.
pub fn changes_medium(opcode: u8) -> bool {
    matches!(
        opcode,
        op::FORMAT_UNIT
            | op::WRITE_10
            | op::WRITE_12
            | op::SYNCHRONIZE_CACHE
            | op::RESERVE_TRACK
            | op::MODE_SELECT_10
            | op::CLOSE_TRACK_SESSION
            | op::BLANK
    )
}

/// Timeouts from libburn's measurements (docs/mmc-notes.md §4.1): short inquiries,
/// data transfers and closing operations with and without Immed.
pub mod timeout {
    use std::time::Duration;
    pub const INQUIRY: Duration = Duration::from_secs(30);
    pub const TRANSFER: Duration = Duration::from_secs(200);
    pub const IMMEDIATE: Duration = Duration::from_secs(200);
    pub const CLOSE: Duration = Duration::from_secs(3600);
    pub const FORMAT: Duration = Duration::from_secs(5 * 3600);
}

/// One CDB of 6, 10 or 12 bytes with the timeout its command needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cdb {
    bytes: [u8; 12],
    len: u8,
    timeout: Duration,
}

impl Cdb {
    fn new<const N: usize>(bytes: [u8; N], timeout: Duration) -> Cdb {
        const { assert!(N == 6 || N == 10 || N == 12) };
        let mut all = [0u8; 12];
        all[..N].copy_from_slice(&bytes);
        Cdb {
            bytes: all,
            len: N as u8,
            timeout,
        }
    }

    pub(crate) fn six(bytes: [u8; 6], timeout: Duration) -> Cdb {
        Cdb::new(bytes, timeout)
    }

    pub(crate) fn ten(bytes: [u8; 10], timeout: Duration) -> Cdb {
        Cdb::new(bytes, timeout)
    }

    pub(crate) fn twelve(bytes: [u8; 12], timeout: Duration) -> Cdb {
        Cdb::new(bytes, timeout)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn opcode(&self) -> u8 {
        self.bytes[0]
    }

    pub fn name(&self) -> &'static str {
        op_name(self.opcode())
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl fmt::Debug for Cdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.name(), hex(self.as_bytes()))
    }
}

/// `12 00 00 00 24 00` style rendering for messages.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn be16(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}

pub(crate) fn be32(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// TEST UNIT READY (0x00): GOOD when a medium is loaded and ready.
pub fn test_unit_ready() -> Cdb {
    Cdb::six([op::TEST_UNIT_READY, 0, 0, 0, 0, 0], timeout::INQUIRY)
}

/// START STOP UNIT (0x1B) with LoEj: `load` closes the tray (Start),
/// else it ejects the medium. Immed clear: the drive answers when done.
pub fn start_stop_unit(load: bool) -> Cdb {
    Cdb::six(
        [0x1B, 0, 0, 0, 0x02 | u8::from(load), 0],
        timeout::IMMEDIATE,
    )
}

/// PREVENT ALLOW MEDIUM REMOVAL (0x1E), the (non-persistent) lock.
pub fn prevent_allow_medium_removal(prevent: bool) -> Cdb {
    Cdb::six([0x1E, 0, 0, 0, u8::from(prevent), 0], timeout::INQUIRY)
}

/// REQUEST SENSE (0x03) for `alloc` bytes of fixed-format sense; the reply
/// is decoded with [`crate::scsi::Sense::decode`].
pub fn request_sense(alloc: u8) -> Cdb {
    Cdb::six([op::REQUEST_SENSE, 0, 0, 0, alloc, 0], timeout::INQUIRY)
}

/// READ(10) (0x28) of `blocks` 2048-byte blocks at `lba`.
pub fn read10(lba: u32, blocks: u16) -> Cdb {
    read10_with(lba, blocks, 0)
}

/// READ(10) with FUA (byte 1 bit 3): the drive reads the medium, not its
/// cache, so a verify pass sees what was recorded.
pub fn read10_fua(lba: u32, blocks: u16) -> Cdb {
    read10_with(lba, blocks, 0x08)
}

fn read10_with(lba: u32, blocks: u16, flags: u8) -> Cdb {
    let [a, b, c, d] = be32(lba);
    let [h, l] = be16(blocks);
    Cdb::ten(
        [op::READ_10, flags, a, b, c, d, 0, h, l, 0],
        timeout::TRANSFER,
    )
}

/// READ(12) (0xA8) of `blocks` blocks at `lba`.
pub fn read12(lba: u32, blocks: u32) -> Cdb {
    let [a, b, c, d] = be32(lba);
    let [e, f, g, h] = be32(blocks);
    Cdb::twelve(
        [op::READ_12, 0, a, b, c, d, e, f, g, h, 0, 0],
        timeout::TRANSFER,
    )
}

/// WRITE(10) (0x2A) of `blocks` blocks at `lba`.
pub fn write10(lba: u32, blocks: u16) -> Cdb {
    let [a, b, c, d] = be32(lba);
    let [h, l] = be16(blocks);
    Cdb::ten([op::WRITE_10, 0, a, b, c, d, 0, h, l, 0], timeout::TRANSFER)
}

/// WRITE(12) (0xAA) of `blocks` blocks at `lba`; `streaming` skips the
/// verify pass on DVD-RAM and BD-RE.
pub fn write12(lba: u32, blocks: u32, streaming: bool) -> Cdb {
    let [a, b, c, d] = be32(lba);
    let [e, f, g, h] = be32(blocks);
    let s = if streaming { 0x80 } else { 0 };
    Cdb::twelve(
        [op::WRITE_12, 0, a, b, c, d, e, f, g, h, s, 0],
        timeout::TRANSFER,
    )
}

/// SYNCHRONIZE CACHE (0x35) of the whole cache; mandatory after the last
/// WRITE of a track.
pub fn synchronize_cache(immediate: bool) -> Cdb {
    let (flag, t) = if immediate {
        (0x02, timeout::IMMEDIATE)
    } else {
        (0, timeout::CLOSE)
    };
    Cdb::ten([op::SYNCHRONIZE_CACHE, flag, 0, 0, 0, 0, 0, 0, 0, 0], t)
}

/// CLOSE TRACK/SESSION close function (byte 2 bits 0-2, docs/mmc-notes.md §1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseFunction {
    /// 000b: DVD+RW, stop background format quickly.
    StopBackgroundFormat,
    /// 001b: close the logical track `track`.
    Track(u16),
    /// 010b: close the session (stays appendable when page 05 says multi).
    Session,
    /// 011b: DVD+RW compatible stop of background format / DVD-RW finalize.
    FinalizeDvdMinusRw,
    /// 101b: DVD+R(/DL) finalize with minimal radius.
    FinalizeMinimalRadius,
    /// 110b: DVD+R(/DL), BD-R finalize.
    FinalizeDisc,
}

impl CloseFunction {
    fn code(self) -> u8 {
        match self {
            CloseFunction::StopBackgroundFormat => 0b000,
            CloseFunction::Track(_) => 0b001,
            CloseFunction::Session => 0b010,
            CloseFunction::FinalizeDvdMinusRw => 0b011,
            CloseFunction::FinalizeMinimalRadius => 0b101,
            CloseFunction::FinalizeDisc => 0b110,
        }
    }
}

/// CLOSE TRACK/SESSION (0x5B).
pub fn close_track_session(function: CloseFunction, immediate: bool) -> Cdb {
    let track = match function {
        CloseFunction::Track(t) => t,
        _ => 0,
    };
    let [h, l] = be16(track);
    let t = if immediate {
        timeout::IMMEDIATE
    } else {
        timeout::CLOSE
    };
    Cdb::ten(
        [
            op::CLOSE_TRACK_SESSION,
            immediate as u8,
            function.code(),
            0,
            h,
            l,
            0,
            0,
            0,
            0,
        ],
        t,
    )
}

/// RESERVE TRACK (0x53) with a reservation size in blocks (ARSV = 0).
pub fn reserve_track(blocks: u32) -> Cdb {
    let [a, b, c, d] = be32(blocks);
    Cdb::ten(
        [op::RESERVE_TRACK, 0, 0, 0, 0, a, b, c, d, 0],
        timeout::TRANSFER,
    )
}

/// BLANK (0xA1) type (byte 1 bits 0-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlankType {
    /// 000b: the whole disc; restores incremental writing on DVD-RW.
    Full,
    /// 001b: PMA, TOC and pregap only; DVD-RW loses feature 0x21.
    Minimal,
}

/// BLANK (0xA1) of a CD-RW or DVD-RW.
pub fn blank(kind: BlankType, immediate: bool) -> Cdb {
    let code = match kind {
        BlankType::Full => 0b000,
        BlankType::Minimal => 0b001,
    };
    let (flag, t) = if immediate {
        (0x10, timeout::IMMEDIATE)
    } else {
        (0, timeout::FORMAT)
    };
    Cdb::twelve([op::BLANK, flag | code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], t)
}

/// FORMAT UNIT (0x04) with FmtData = 1, format code 001b: the 12-byte
/// parameter list from [`format_parameters`] follows as data-out.
pub fn format_unit() -> Cdb {
    Cdb::six([op::FORMAT_UNIT, 0x11, 0, 0, 0, 0], timeout::FORMAT)
}

/// The FORMAT UNIT parameter list (docs/mmc-notes.md §1.13): a 4-byte header
/// (byte 1 bit 1 Immed, descriptor length 8) and one format descriptor.
pub fn format_parameters(
    blocks: u32,
    format_type: u8,
    subtype: u8,
    parameter: u32,
    immediate: bool,
) -> [u8; 12] {
    let mut p = [0u8; 12];
    p[1] = if immediate { 0x02 } else { 0 };
    p[3] = 8;
    p[4..8].copy_from_slice(&be32(blocks));
    p[8] = (format_type << 2) | (subtype & 0x03);
    p[9..12].copy_from_slice(&be32(parameter)[1..]);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read10_places_lba_and_length_big_endian() {
        let cdb = read10(0x0001_2345, 32);
        assert_eq!(
            cdb.as_bytes(),
            &[0x28, 0, 0x00, 0x01, 0x23, 0x45, 0, 0, 32, 0]
        );
        assert_eq!(cdb.name(), "READ(10)");
        let fua = read10_fua(0x0001_2345, 32);
        assert_eq!(
            fua.as_bytes(),
            &[0x28, 0x08, 0x00, 0x01, 0x23, 0x45, 0, 0, 32, 0]
        );
    }

    #[test]
    fn write12_sets_streaming_bit() {
        let cdb = write12(16, 0x100, true);
        assert_eq!(cdb.as_bytes().len(), 12);
        assert_eq!(&cdb.as_bytes()[6..11], &[0, 0, 1, 0, 0x80]);
    }

    #[test]
    fn close_functions_encode_track_number_only_for_tracks() {
        let t = close_track_session(CloseFunction::Track(3), true);
        assert_eq!(t.as_bytes(), &[0x5B, 1, 1, 0, 0, 3, 0, 0, 0, 0]);
        let f = close_track_session(CloseFunction::FinalizeDisc, false);
        assert_eq!(f.as_bytes(), &[0x5B, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn format_parameters_pack_type_and_subtype() {
        let p = format_parameters(0xFFFF_FFFF, 0x26, 0, 0, true);
        assert_eq!(p, [0, 2, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x98, 0, 0, 0]);
        assert_eq!(format_unit().as_bytes(), &[0x04, 0x11, 0, 0, 0, 0]);
    }

    #[test]
    fn medium_changing_commands_are_named() {
        assert!(changes_medium(op::WRITE_10));
        assert!(changes_medium(op::BLANK));
        assert!(!changes_medium(op::READ_10));
        assert!(!changes_medium(op::GET_CONFIGURATION));
        assert_eq!(blank(BlankType::Minimal, true).as_bytes()[1], 0x11);
        assert_eq!(reserve_track(32).as_bytes()[5..9], [0, 0, 0, 32]);
    }
}
