//! Write speeds: what the drive offers for the loaded medium (GET
//! PERFORMANCE type 03h, write speed descriptors), what it uses now (GET
//! PERFORMANCE type 00h with the Write bit: the nominal performance), and
//! setting one — SET CD SPEED on CD, SET STREAMING on DVD and BD, as
//! libburn and growisofs do (MMC-5 §6.37, §6.39; SET CD SPEED is
//! ignored by many DVD drives).

use super::cdb::{timeout, Cdb};
use crate::error::{Error, Result};
use crate::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;

/// At most this many write speed descriptors are asked for.
pub const MAX_DESCRIPTORS: u16 = 64;
const HEADER: usize = 8;
const DESCRIPTOR: usize = 16;

/// GET PERFORMANCE (ACh) type 03h for up to `count` write speed
/// descriptors; the reply needs `reply_len(count)` bytes.
pub fn get_write_speeds(count: u16) -> Cdb {
    let c = count.to_be_bytes();
    Cdb::twelve(
        [0xAC, 0, 0, 0, 0, 0, 0, 0, c[0], c[1], 0x03, 0],
        timeout::INQUIRY,
    )
}

/// GET PERFORMANCE (ACh) type 00h, Write, nominal performance from LBA 0:
/// one descriptor whose start performance is the write speed in effect.
pub fn get_write_performance() -> Cdb {
    Cdb::twelve(
        [0xAC, 0x04, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0],
        timeout::INQUIRY,
    )
}

/// Bytes a reply of `count` descriptors takes.
pub fn reply_len(count: u16) -> usize {
    HEADER + DESCRIPTOR * usize::from(count)
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The descriptors of a GET PERFORMANCE reply of `got` bytes, each
/// `DESCRIPTOR` long.
fn descriptors(reply: &[u8], got: usize) -> Result<impl Iterator<Item = &[u8]>> {
    if got < HEADER {
        return Err(Error::new(
            MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            format!("GET PERFORMANCE answered {got} bytes, less than its header"),
        ));
    }
    let declared = be32(reply, 0) as usize + 4;
    let end = declared.min(got).min(reply.len());
    Ok(reply[HEADER..end.max(HEADER)].chunks_exact(DESCRIPTOR))
}

/// The write speeds (kB/s) of a type 03h reply, fastest first, without
/// repeats.
pub fn parse_write_speeds(reply: &[u8], got: usize) -> Result<Vec<u32>> {
    let mut speeds: Vec<u32> = descriptors(reply, got)?
        .map(|d| be32(d, 12))
        .filter(|&s| s > 0)
        .collect();
    speeds.sort_unstable_by(|a, b| b.cmp(a));
    speeds.dedup();
    Ok(speeds)
}

/// The start performance (kB/s) of a type 00h reply; `None` without a
/// descriptor.
pub fn parse_performance(reply: &[u8], got: usize) -> Result<Option<u32>> {
    Ok(descriptors(reply, got)?.next().map(|d| be32(d, 4)))
}

/// SET CD SPEED (BBh): reading as fast as the drive can, writing at
/// `write_kbps` (`None`: as fast as it can).
pub fn set_cd_speed(write_kbps: Option<u32>) -> Cdb {
    let w = write_kbps
        .map_or(0xFFFF, |k| k.min(0xFFFE) as u16)
        .to_be_bytes();
    Cdb::twelve(
        [0xBB, 0, 0xFF, 0xFF, w[0], w[1], 0, 0, 0, 0, 0, 0],
        timeout::INQUIRY,
    )
}

/// Length of SET STREAMING's performance descriptor.
pub const STREAMING_DESCRIPTOR: usize = 28;

/// SET STREAMING (B6h) with one performance descriptor.
pub fn set_streaming() -> Cdb {
    Cdb::twelve(
        [
            0xB6,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            STREAMING_DESCRIPTOR as u8,
            0,
        ],
        timeout::INQUIRY,
    )
}

/// The performance descriptor for SET STREAMING: the whole medium up to
/// `last_lba` read and written at `kbps` (kilobytes per 1000 ms); `None`
/// restores the drive's defaults (RDD).
pub fn streaming_descriptor(kbps: Option<u32>, last_lba: u32) -> [u8; STREAMING_DESCRIPTOR] {
    let mut d = [0u8; STREAMING_DESCRIPTOR];
    let Some(kbps) = kbps else {
        d[0] = 0x04;
        return d;
    };
    d[8..12].copy_from_slice(&last_lba.to_be_bytes());
    for at in [12, 20] {
        d[at..at + 4].copy_from_slice(&kbps.to_be_bytes());
        d[at + 4..at + 8].copy_from_slice(&1000u32.to_be_bytes());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_speed_descriptors_come_out_fastest_first_without_repeats() {
        let mut reply = vec![0u8; HEADER];
        for speed in [5540u32, 11080, 5540, 0] {
            let mut d = [0u8; DESCRIPTOR];
            d[12..16].copy_from_slice(&speed.to_be_bytes());
            reply.extend_from_slice(&d);
        }
        let len = (reply.len() - 4) as u32;
        reply[..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(
            parse_write_speeds(&reply, reply.len()).unwrap(),
            [11080, 5540]
        );
        // A reply cut short keeps the whole descriptors it has.
        assert_eq!(parse_write_speeds(&reply, HEADER + 20).unwrap(), [5540]);
        assert!(parse_write_speeds(&reply, 4).is_err());
    }

    #[test]
    fn a_streaming_descriptor_is_speed_over_a_second_or_the_restore_bit() {
        let d = streaming_descriptor(Some(11080), 2_295_103);
        assert_eq!(be32(&d, 8), 2_295_103);
        assert_eq!((be32(&d, 20), be32(&d, 24)), (11080, 1000));
        assert_eq!(streaming_descriptor(None, 9)[0], 0x04);
    }
}
