//! READ CAPACITY (0x25) and READ FORMAT CAPACITIES (0x23): the last
//! readable block, and the format state and capacity of formattable media
//! (docs/mmc-notes.md §1.7, §1.13).

use super::cdb::{be16, op, timeout, Cdb};
use super::reply::Reply;
use crate::error::Result;

pub const READ_CAPACITY_LENGTH: usize = 8;
/// Header, current descriptor and up to 30 formattable descriptors.
pub const FORMAT_CAPACITIES_ALLOCATION: u16 = 252;

/// READ CAPACITY.
pub fn read_capacity() -> Cdb {
    Cdb::ten(
        [op::READ_CAPACITY, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        timeout::INQUIRY,
    )
}

/// READ FORMAT CAPACITIES for `alloc` bytes.
pub fn read_format_capacities(alloc: u16) -> Cdb {
    let [h, l] = be16(alloc);
    Cdb::ten(
        [op::READ_FORMAT_CAPACITIES, 0, 0, 0, 0, 0, 0, h, l, 0],
        timeout::INQUIRY,
    )
}

/// READ CAPACITY reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// Last readable LBA (0 on blank media; +2 on TAO CD, docs/mmc-notes.md §6.3).
    pub last_lba: u32,
    pub block_length: u32,
}

impl Capacity {
    pub fn parse(bytes: &[u8]) -> Result<Capacity> {
        let r = Reply::new("READ CAPACITY", bytes);
        Ok(Capacity {
            last_lba: r.u32(0, "last logical block address")?,
            block_length: r.u32(4, "block length")?,
        })
    }
}

/// Descriptor type of the current/maximum capacity descriptor (byte 8 bits 0-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityKind {
    /// 01b: unformatted, the maximum formattable capacity.
    Unformatted,
    /// 10b: formatted, the current capacity.
    Formatted,
    /// 11b: no medium or unknown capacity.
    NoMedium,
    /// 00b: reserved, seen on some drives for blank write-once media.
    Reserved,
}

/// A formattable capacity descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatDescriptor {
    pub blocks: u32,
    /// Byte 4 bits 2-7 (0x26 DVD+RW, 0x30/0x31 BD-RE, 0x32 BD-R …).
    pub format_type: u8,
    /// Byte 4 bits 0-1 (BD-R: 00b SRM+POW, 01b SRM, 10b RRM).
    pub subtype: u8,
    pub parameter: u32,
}

/// READ FORMAT CAPACITIES reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatCapacities {
    pub current_blocks: u32,
    pub current_kind: CapacityKind,
    pub block_length: u32,
    pub formattable: Vec<FormatDescriptor>,
}

impl FormatCapacities {
    pub fn parse(bytes: &[u8]) -> Result<FormatCapacities> {
        let r = Reply::new("READ FORMAT CAPACITIES", bytes);
        let list = r.u8(3, "capacity list length")? as usize;
        if list % 8 != 0 || list < 8 {
            return Err(r.invalid(format_args!(
                "capacity list length {list} at byte 3 is not a non-zero multiple of 8"
            )));
        }
        let body = r.announced(4, list);
        let kind = body.u8(8, "descriptor type")? & 0x03;
        let formattable = body
            .tail(12)
            .chunks_exact(8)
            .map(|d| FormatDescriptor {
                blocks: u32::from_be_bytes([d[0], d[1], d[2], d[3]]),
                format_type: d[4] >> 2,
                subtype: d[4] & 0x03,
                parameter: u32::from_be_bytes([0, d[5], d[6], d[7]]),
            })
            .collect();
        Ok(FormatCapacities {
            current_blocks: body.u32(4, "number of blocks")?,
            current_kind: match kind {
                1 => CapacityKind::Unformatted,
                2 => CapacityKind::Formatted,
                3 => CapacityKind::NoMedium,
                _ => CapacityKind::Reserved,
            },
            block_length: body.u24(9, "block length")?,
            formattable,
        })
    }

    /// The first formattable descriptor of `format_type`.
    pub fn descriptor(&self, format_type: u8) -> Option<&FormatDescriptor> {
        self.formattable
            .iter()
            .find(|d| d.format_type == format_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_dvd_plus_rw_is_unformatted_with_a_0x26_descriptor() {
        let mut b = vec![0, 0, 0, 16];
        b.extend_from_slice(&2295104u32.to_be_bytes());
        b.extend_from_slice(&[0x01, 0, 0x08, 0]);
        b.extend_from_slice(&2295104u32.to_be_bytes());
        b.extend_from_slice(&[0x26 << 2, 0, 0, 0]);
        let f = FormatCapacities::parse(&b).unwrap();
        assert_eq!(f.current_kind, CapacityKind::Unformatted);
        assert_eq!(f.block_length, 2048);
        assert_eq!(f.descriptor(0x26).unwrap().blocks, 2295104);
    }

    #[test]
    fn list_length_must_be_whole_descriptors() {
        let e = FormatCapacities::parse(&[0, 0, 0, 7, 0, 0, 0, 0, 2, 0, 8]).unwrap_err();
        assert!(e.detail().contains("byte 3"), "{}", e.detail());
        let e = FormatCapacities::parse(&[0, 0, 0, 8, 0, 0]).unwrap_err();
        assert!(e.detail().contains("READ FORMAT CAPACITIES"));
    }

    #[test]
    fn read_capacity_of_a_two_session_cd() {
        let c = Capacity::parse(&[0, 0, 0x45, 0xEB, 0, 0, 8, 0]).unwrap();
        assert_eq!(c.last_lba, 17899);
        assert_eq!(c.block_length, 2048);
        assert!(Capacity::parse(&[0, 0, 0x45, 0xEB, 0, 0, 8]).is_err());
    }
}
