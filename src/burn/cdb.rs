//! The MMC commands a write needs, as CDB builders and reply parsers.
//!
//! They live here rather than in `mmc/` because only the writer sends them;
//! each builder is a pure function so the byte layouts are pinned by unit
//! tests against mmc.md §1.8–§1.13.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::hresult;

/// How long a single WRITE or READ may take; the first WRITE of a session
/// can include the drive's power calibration.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(120);
/// SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, BLANK and FORMAT UNIT are sent
/// without Immed and may run for as long as IMAPI allows an erase (an hour).
pub const LONG_TIMEOUT: Duration = Duration::from_secs(3600);
/// MODE SELECT, READ DISC INFORMATION, READ FORMAT CAPACITIES.
pub const SHORT_TIMEOUT: Duration = Duration::from_secs(30);

/// WRITE(10) of `blocks` blocks at `lba`.
pub fn write10(lba: u32, blocks: u16) -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x2A;
    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
    cdb[7..9].copy_from_slice(&blocks.to_be_bytes());
    cdb
}

/// READ(10) of `blocks` blocks at `lba`, forcing media access (FUA) so a
/// verify pass reads the disc and not the drive's cache.
pub fn read10_fua(lba: u32, blocks: u16) -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x28;
    cdb[1] = 0x08;
    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
    cdb[7..9].copy_from_slice(&blocks.to_be_bytes());
    cdb
}

/// SYNCHRONIZE CACHE(10) of the whole cache, waiting for completion.
pub fn synchronize_cache() -> [u8; 10] {
    [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]
}

/// The close functions of CLOSE TRACK/SESSION (mmc.md §1.10) we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseFunction {
    /// 001b: close the logical track.
    Track,
    /// 010b: close the session; the disc stays appendable on DVD+R and BD-R,
    /// and on CD and DVD-R/RW when page 05 allows a next session.
    Session,
    /// 101b: DVD+R DL finalize with minimal radius.
    FinalizeMinimalRadius,
    /// 110b: DVD+R, BD-R finalize disc.
    FinalizeDisc,
}

impl CloseFunction {
    fn code(self) -> u8 {
        match self {
            CloseFunction::Track => 0b001,
            CloseFunction::Session => 0b010,
            CloseFunction::FinalizeMinimalRadius => 0b101,
            CloseFunction::FinalizeDisc => 0b110,
        }
    }
}

/// CLOSE TRACK/SESSION without Immed; `track` is used by the track
/// function and ignored by the others.
pub fn close(function: CloseFunction, track: u16) -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x5B;
    cdb[2] = function.code();
    if function == CloseFunction::Track {
        cdb[4..6].copy_from_slice(&track.to_be_bytes());
    }
    cdb
}

/// BLANK (0xA1) without Immed: full (000b) or minimal (001b).
pub fn blank(full: bool) -> [u8; 12] {
    let mut cdb = [0u8; 12];
    cdb[0] = 0xA1;
    cdb[1] = if full { 0b000 } else { 0b001 };
    cdb
}

/// FORMAT UNIT with a parameter list (FmtData = 1, format code 001b).
pub fn format_unit() -> [u8; 6] {
    [0x04, 0x11, 0, 0, 0, 0]
}

/// The 12-byte FORMAT UNIT parameter list for one format descriptor
/// (no Immed, so the command returns when formatting is done).
pub fn format_parameters(descriptor: FormatDescriptor) -> [u8; 12] {
    let mut list = [0u8; 12];
    list[3] = 8; // descriptor length
    list[4..8].copy_from_slice(&descriptor.blocks.to_be_bytes());
    list[8] = (descriptor.format_type << 2) | (descriptor.subtype & 0b11);
    list[9..12].copy_from_slice(&descriptor.parameter.to_be_bytes()[1..4]);
    list
}

/// MODE SELECT(10) with PF = 1 for a parameter list of `length` bytes.
pub fn mode_select10(length: u16) -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x55;
    cdb[1] = 0x10;
    cdb[7..9].copy_from_slice(&length.to_be_bytes());
    cdb
}

/// Bytes of standard disc information we ask for.
pub const DISC_INFO_LEN: usize = 34;

/// READ DISC INFORMATION, standard data type.
pub fn read_disc_information() -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x51;
    cdb[7..9].copy_from_slice(&(DISC_INFO_LEN as u16).to_be_bytes());
    cdb
}

/// The number of the last track in the last session (bytes 6 and 11 of
/// READ DISC INFORMATION): on an appendable disc the open or invisible track
/// that CLOSE TRACK must name.
pub fn last_track_in_last_session(reply: &[u8]) -> Result<u16> {
    if reply.len() < 12 {
        return Err(Error::new(
            hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            format!(
                "READ DISC INFORMATION returned {} bytes, need 12",
                reply.len()
            ),
        ));
    }
    Ok(u16::from_be_bytes([reply[11], reply[6]]))
}

/// Allocation length for READ FORMAT CAPACITIES: header, current
/// descriptor and up to 30 formattable descriptors.
pub const FORMAT_CAPACITIES_LEN: usize = 4 + 8 + 30 * 8;

/// READ FORMAT CAPACITIES.
pub fn read_format_capacities() -> [u8; 10] {
    let mut cdb = [0u8; 10];
    cdb[0] = 0x23;
    cdb[7..9].copy_from_slice(&(FORMAT_CAPACITIES_LEN as u16).to_be_bytes());
    cdb
}

/// One formattable capacity descriptor of READ FORMAT CAPACITIES.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatDescriptor {
    pub blocks: u32,
    pub format_type: u8,
    pub subtype: u8,
    /// The 24-bit type-dependent parameter.
    pub parameter: u32,
}

/// The formattable descriptors of a READ FORMAT CAPACITIES reply (the
/// current/maximum descriptor at bytes 4-11 is skipped).
pub fn formattable_descriptors(reply: &[u8]) -> Result<Vec<FormatDescriptor>> {
    let bad = |what: String| {
        Error::new(
            hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            format!("READ FORMAT CAPACITIES: {what}"),
        )
    };
    let list_len = *reply
        .get(3)
        .ok_or_else(|| bad(format!("{} bytes, need a header", reply.len())))?
        as usize;
    if list_len % 8 != 0 || list_len < 8 {
        return Err(bad(format!("capacity list length {list_len}")));
    }
    let end = (4 + list_len).min(reply.len());
    Ok(reply[12.min(end)..end]
        .chunks_exact(8)
        .map(|d| FormatDescriptor {
            blocks: u32::from_be_bytes([d[0], d[1], d[2], d[3]]),
            format_type: d[4] >> 2,
            subtype: d[4] & 0b11,
            parameter: u32::from_be_bytes([0, d[5], d[6], d[7]]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write10_carries_lba_and_length_big_endian() {
        assert_eq!(
            write10(0x0001_2345, 32),
            [0x2A, 0, 0x00, 0x01, 0x23, 0x45, 0, 0, 32, 0]
        );
    }

    #[test]
    fn verify_reads_bypass_the_cache() {
        assert_eq!(read10_fua(16, 1)[1] & 0x08, 0x08);
        assert_eq!(read10_fua(16, 1)[0], 0x28);
    }

    #[test]
    fn close_track_names_the_track_and_session_close_does_not() {
        assert_eq!(
            close(CloseFunction::Track, 0x0102),
            [0x5B, 0, 1, 0, 0x01, 0x02, 0, 0, 0, 0]
        );
        assert_eq!(close(CloseFunction::Session, 7)[2], 0b010);
        assert_eq!(close(CloseFunction::Session, 7)[4..6], [0, 0]);
        assert_eq!(close(CloseFunction::FinalizeDisc, 0)[2], 0b110);
        assert_eq!(close(CloseFunction::FinalizeMinimalRadius, 0)[2], 0b101);
    }

    #[test]
    fn blank_type_selects_full_or_minimal() {
        assert_eq!(blank(true)[..2], [0xA1, 0]);
        assert_eq!(blank(false)[..2], [0xA1, 1]);
    }

    #[test]
    fn format_parameters_pack_type_subtype_and_parameter() {
        let list = format_parameters(FormatDescriptor {
            blocks: 0xFFFF_FFFF,
            format_type: 0x26,
            subtype: 0,
            parameter: 0,
        });
        assert_eq!(list, [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x98, 0, 0, 0]);
        let bd = format_parameters(FormatDescriptor {
            blocks: 11_826_176,
            format_type: 0x30,
            subtype: 2,
            parameter: 0x00_1234,
        });
        assert_eq!(bd[8], 0xC2);
        assert_eq!(bd[9..12], [0x00, 0x12, 0x34]);
    }

    #[test]
    fn disc_information_gives_the_last_track_from_both_bytes() {
        let mut reply = [0u8; DISC_INFO_LEN];
        reply[6] = 0x03;
        reply[11] = 0x01;
        assert_eq!(last_track_in_last_session(&reply).unwrap(), 0x0103);
        assert_eq!(
            last_track_in_last_session(&reply[..8]).unwrap_err().code(),
            hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE
        );
    }

    #[test]
    fn format_capacities_skip_the_current_descriptor() {
        let mut reply = vec![0u8; 4 + 24];
        reply[3] = 24;
        reply[4..8].copy_from_slice(&2_295_104u32.to_be_bytes());
        reply[8] = 0x01; // unformatted
        reply[12..16].copy_from_slice(&2_295_104u32.to_be_bytes());
        reply[16] = 0x26 << 2;
        reply[20..24].copy_from_slice(&11_826_176u32.to_be_bytes());
        reply[24] = (0x30 << 2) | 1;
        reply[27] = 0x40;
        let d = formattable_descriptors(&reply).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].format_type, d[0].blocks), (0x26, 2_295_104));
        assert_eq!(
            (d[1].format_type, d[1].subtype, d[1].parameter),
            (0x30, 1, 0x40)
        );
    }

    #[test]
    fn malformed_format_capacities_are_refused() {
        assert!(formattable_descriptors(&[]).is_err());
        assert!(formattable_descriptors(&[0, 0, 0, 5, 0, 0, 0, 0, 0]).is_err());
        // A list longer than the reply is cut at the reply, not read past it.
        let mut short = vec![0u8; 16];
        short[3] = 16;
        assert!(formattable_descriptors(&short).unwrap().is_empty());
    }
}
