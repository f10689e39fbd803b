//! INQUIRY (0x12): what kind of device answers, and who made it.

use super::cdb::{op, timeout, Cdb};
use super::reply::Reply;
use crate::error::Result;

/// Allocation length libburn and growisofs use: the standard 36 bytes.
pub const ALLOCATION: u8 = 36;

/// Peripheral device type of CD/DVD/BD (MMC) devices.
pub const MMC_DEVICE: u8 = 5;

/// INQUIRY for standard data of `alloc` bytes.
pub fn cdb(alloc: u8) -> Cdb {
    Cdb::six([op::INQUIRY, 0, 0, 0, alloc, 0], timeout::INQUIRY)
}

/// The standard INQUIRY data we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryData {
    /// Byte 0 bits 0-4; 5 for optical drives.
    pub device_type: u8,
    /// Byte 0 bits 5-7; 0 when a device is connected at this LUN.
    pub qualifier: u8,
    pub removable: bool,
    pub vendor: String,
    pub product: String,
    pub revision: String,
}

impl InquiryData {
    /// Parses standard INQUIRY data. The identification strings may be cut
    /// short by an old drive; the device type byte may not.
    pub fn parse(bytes: &[u8]) -> Result<InquiryData> {
        let r = Reply::new("INQUIRY", bytes);
        let b0 = r.u8(0, "peripheral device type")?;
        let removable = r.u8(1, "RMB")? & 0x80 != 0;
        Ok(InquiryData {
            device_type: b0 & 0x1F,
            qualifier: b0 >> 5,
            removable,
            vendor: ascii_field(bytes, 8, 16),
            product: ascii_field(bytes, 16, 32),
            revision: ascii_field(bytes, 32, 36),
        })
    }

    /// An MMC (CD/DVD/BD) device is connected at this address.
    pub fn is_optical_drive(&self) -> bool {
        self.device_type == MMC_DEVICE && self.qualifier == 0
    }
}

/// Space-padded ASCII between `from` and `to`, trimmed; bytes outside
/// printable ASCII become `?` so hostile identities cannot forge messages.
fn ascii_field(bytes: &[u8], from: usize, to: usize) -> String {
    let end = to.min(bytes.len());
    let start = from.min(end);
    bytes[start..end]
        .iter()
        .map(|&b| match b {
            0x20..=0x7E => b as char,
            0 => ' ',
            _ => '?',
        })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(vendor: &[u8; 8], product: &[u8; 16], rev: &[u8; 4]) -> Vec<u8> {
        let mut b = vec![0x05, 0x80, 0x00, 0x02, 31, 0, 0, 0];
        b.extend_from_slice(vendor);
        b.extend_from_slice(product);
        b.extend_from_slice(rev);
        b
    }

    #[test]
    fn standard_reply_gives_trimmed_identity() {
        let d = InquiryData::parse(&standard(b"HL-DT-ST", b"BD-RE  BH16NS40 ", b"1.02")).unwrap();
        assert!(d.is_optical_drive());
        assert!(d.removable);
        assert_eq!(d.vendor, "HL-DT-ST");
        assert_eq!(d.product, "BD-RE  BH16NS40");
        assert_eq!(d.revision, "1.02");
    }

    #[test]
    fn disk_is_not_an_optical_drive() {
        let mut b = standard(b"ATA     ", b"SAMSUNG SSD     ", b"1B6Q");
        b[0] = 0x00;
        assert!(!InquiryData::parse(&b).unwrap().is_optical_drive());
    }

    #[test]
    fn truncated_identity_is_shortened_not_fatal() {
        let d = InquiryData::parse(&[0x05, 0x80, 0, 2, 31, 0, 0, 0, b'A', b'B']).unwrap();
        assert_eq!(d.vendor, "AB");
        assert_eq!(d.product, "");
        assert!(InquiryData::parse(&[0x05]).is_err());
        assert_eq!(cdb(36).as_bytes(), &[0x12, 0, 0, 0, 36, 0]);
    }
}
