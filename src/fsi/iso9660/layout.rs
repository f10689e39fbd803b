//! Where each ECMA-119 and SUSP/RRIP field sits, named once: the reader,
//! the writer and the hostile-input tests all go through these positions,
//! so a field cannot be read at one offset and written at another.
//!
//! A field knows its offset and its encoding; `get` reads it from the
//! start of its structure (a descriptor block, a directory record, a path
//! table record, a system use entry) and `put` writes it there. Multi-byte
//! "both-byte-order" fields are read from their little-endian half, as
//! Linux and xorriso do (see [`codec`](super::codec)).

use std::ops::Range;

use super::codec::{get_u16_le, get_u32_both, put_u16_both, put_u32_both};

/// One byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct U8(pub usize);

impl U8 {
    pub fn get(self, b: &[u8]) -> u8 {
        b[self.0]
    }

    pub fn put(self, b: &mut [u8], v: u8) {
        b[self.0] = v;
    }
}

/// A 16-bit both-byte-order field (ECMA-119 7.2.3): 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BothU16(pub usize);

impl BothU16 {
    pub fn get(self, b: &[u8]) -> u16 {
        get_u16_le(b, self.0)
    }

    pub fn put(self, b: &mut [u8], v: u16) {
        put_u16_both(b, self.0, v);
    }
}

/// A 32-bit both-byte-order field (ECMA-119 7.3.3): 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BothU32(pub usize);

impl BothU32 {
    pub fn get(self, b: &[u8]) -> u32 {
        get_u32_both(b, self.0)
    }

    pub fn put(self, b: &mut [u8], v: u32) {
        put_u32_both(b, self.0, v);
    }

    /// The field's bytes within its structure.
    pub fn range(self) -> Range<usize> {
        self.0..self.0 + 8
    }
}

/// Fields in one byte order, little- or big-endian (ECMA-119 7.2.1/7.2.2,
/// 7.3.1/7.3.2): the L and M path tables and the records in them.
macro_rules! single_order {
    ($(#[$doc:meta])* $name:ident, $int:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            pub at: usize,
            pub big_endian: bool,
        }

        impl $name {
            pub fn get(self, b: &[u8]) -> $int {
                const N: usize = std::mem::size_of::<$int>();
                let bytes: [u8; N] = b[self.at..self.at + N].try_into().unwrap();
                if self.big_endian {
                    <$int>::from_be_bytes(bytes)
                } else {
                    <$int>::from_le_bytes(bytes)
                }
            }

            pub fn put(self, b: &mut [u8], v: $int) {
                let bytes = if self.big_endian {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                b[self.at..self.at + bytes.len()].copy_from_slice(&bytes);
            }
        }
    };
}

single_order!(
    /// A 32-bit field: path table locations, path table record extents.
    U32,
    u32
);
single_order!(
    /// A 16-bit field: path table records' parent numbers.
    U16,
    u16
);

impl U32 {
    pub const fn le(at: usize) -> U32 {
        U32 {
            at,
            big_endian: false,
        }
    }

    pub const fn be(at: usize) -> U32 {
        U32 {
            at,
            big_endian: true,
        }
    }
}

/// A run of bytes: text, a date, an embedded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes {
    pub at: usize,
    pub len: usize,
}

impl Bytes {
    pub const fn new(at: usize, len: usize) -> Bytes {
        Bytes { at, len }
    }

    pub fn range(self) -> Range<usize> {
        self.at..self.at + self.len
    }

    pub fn end(self) -> usize {
        self.at + self.len
    }

    pub fn get(self, b: &[u8]) -> &[u8] {
        &b[self.range()]
    }

    pub fn get_mut(self, b: &mut [u8]) -> &mut [u8] {
        &mut b[self.range()]
    }

    /// Copies `v` (exactly `len` bytes) into the field.
    pub fn put(self, b: &mut [u8], v: &[u8]) {
        b[self.range()].copy_from_slice(v);
    }
}

/// Volume descriptors (ECMA-119 8.1–8.5): the fields every descriptor
/// shares, the primary/supplementary layout and the El Torito boot record.
pub mod vd {
    use super::{BothU16, BothU32, Bytes, U32, U8};

    /// The standard identifier every ISO 9660 descriptor carries.
    pub const STANDARD: &[u8; 5] = b"CD001";

    pub const TYPE: U8 = U8(0);
    pub const STANDARD_ID: Bytes = Bytes::new(1, 5);
    pub const VERSION: U8 = U8(6);
    /// Supplementary descriptors: bit 0 set means escape sequences that
    /// are not ISO 2375 registered (not Joliet).
    pub const VOLUME_FLAGS: U8 = U8(7);
    pub const SYSTEM_ID: Bytes = Bytes::new(8, 32);
    pub const VOLUME_ID: Bytes = Bytes::new(40, 32);
    pub const SPACE_SIZE: BothU32 = BothU32(crate::volume::ecma119::VOLUME_SPACE_SIZE.start);
    /// Supplementary descriptors: Joliet's `%/@`, `%/C` or `%/E` sits here.
    pub const ESCAPE_SEQUENCES: Bytes = Bytes::new(88, 32);
    pub const SET_SIZE: BothU16 = BothU16(120);
    pub const SEQUENCE_NUMBER: BothU16 = BothU16(124);
    pub const BLOCK_SIZE: BothU16 = BothU16(128);
    pub const PATH_TABLE_SIZE: BothU32 = BothU32(132);
    pub const PATH_TABLE_L: U32 = U32::le(140);
    pub const PATH_TABLE_M: U32 = U32::be(148);
    /// The root directory's record, 34 bytes.
    pub const ROOT_RECORD: Bytes = Bytes::new(156, 34);
    pub const VOLUME_SET_ID: Bytes = Bytes::new(190, 128);
    pub const PUBLISHER_ID: Bytes = Bytes::new(318, 128);
    pub const PREPARER_ID: Bytes = Bytes::new(446, 128);
    pub const APPLICATION_ID: Bytes = Bytes::new(574, 128);
    pub const COPYRIGHT_FILE: Bytes = Bytes::new(702, 37);
    pub const ABSTRACT_FILE: Bytes = Bytes::new(739, 37);
    pub const BIBLIOGRAPHIC_FILE: Bytes = Bytes::new(776, 37);
    pub const CREATION_DATE: Bytes = Bytes::new(813, 17);
    pub const MODIFICATION_DATE: Bytes = Bytes::new(830, 17);
    pub const EXPIRATION_DATE: Bytes = Bytes::new(847, 17);
    pub const EFFECTIVE_DATE: Bytes = Bytes::new(864, 17);
    pub const FILE_STRUCTURE_VERSION: U8 = U8(881);

    /// Boot record (8.2): El Torito names itself here …
    pub const BOOT_SYSTEM_ID: Bytes = Bytes::new(7, 32);
    /// … and puts its boot catalog's LBA here (El Torito 1.0, 2.0).
    pub const EL_TORITO_CATALOG: U32 = U32::le(71);

    /// `b` starts with the standard identifier and version 1 of an ISO
    /// 9660 descriptor (of any type).
    pub fn is_iso(b: &[u8]) -> bool {
        b.len() > VERSION.0 && STANDARD_ID.get(b) == STANDARD && VERSION.get(b) == 1
    }

    /// Writes type, standard identifier and version: the head of every
    /// descriptor we write.
    pub fn put_head(b: &mut [u8], kind: u8) {
        TYPE.put(b, kind);
        STANDARD_ID.put(b, STANDARD);
        VERSION.put(b, 1);
    }
}

/// Directory records (ECMA-119 9.1).
pub mod dr {
    use super::{BothU16, BothU32, Bytes, U8};

    pub const LENGTH: U8 = U8(0);
    pub const XATTR_LENGTH: U8 = U8(1);
    pub const EXTENT: BothU32 = BothU32(2);
    pub const SIZE: BothU32 = BothU32(10);
    pub const DATE: Bytes = Bytes::new(18, 7);
    pub const FLAGS: U8 = U8(25);
    pub const SEQUENCE_NUMBER: BothU16 = BothU16(28);
    pub const ID_LENGTH: U8 = U8(32);
    /// The fixed part; the identifier starts here.
    pub const FIXED_LEN: usize = 33;
    /// The shortest record: the fixed part and a one-byte identifier.
    pub const MIN_LEN: usize = FIXED_LEN + 1;

    /// Where the system use area of a record with an `id_len`-byte
    /// identifier starts: after the identifier and its padding byte, which
    /// keeps the area at an even offset.
    pub fn system_use_start(id_len: usize) -> usize {
        FIXED_LEN + id_len + (1 - id_len % 2)
    }
}

/// Path table records (ECMA-119 9.4), in the L (little-endian) or M
/// (big-endian) table.
pub mod pt {
    use super::{U16, U32, U8};

    pub const ID_LENGTH: U8 = U8(0);
    pub const XATTR_LENGTH: U8 = U8(1);
    /// The fixed part; the identifier starts here.
    pub const FIXED_LEN: usize = 8;

    /// The directory's extent in the table of that byte order.
    pub const fn extent(big_endian: bool) -> U32 {
        U32 { at: 2, big_endian }
    }

    /// The parent directory's number in the table of that byte order.
    pub const fn parent(big_endian: bool) -> U16 {
        U16 { at: 6, big_endian }
    }

    /// The encoded length of a record with an `id_len`-byte identifier
    /// (padded to even).
    pub fn record_len(id_len: usize) -> usize {
        FIXED_LEN + id_len + id_len % 2
    }
}

/// System Use Sharing Protocol entries (SUSP 1.12 §4) and the Rock Ridge
/// entries (RRIP 1.09 §4) the reader and writer use.
pub mod susp {
    use super::{BothU32, Bytes, U8};

    pub const SIGNATURE: Bytes = Bytes::new(0, 2);
    pub const LENGTH: U8 = U8(2);
    pub const VERSION: U8 = U8(3);
    /// The entry head; the entry's own data starts here.
    pub const HEAD_LEN: usize = 4;

    /// `SP`: check bytes 0xBE 0xEF and the bytes to skip in every area.
    pub mod sp {
        use super::{Bytes, U8};
        pub const CHECK: Bytes = Bytes::new(4, 2);
        pub const CHECK_BYTES: [u8; 2] = [0xBE, 0xEF];
        pub const SKIP: U8 = U8(6);
        pub const LEN: usize = 7;
    }

    /// `CE`: where the continuation area lies.
    pub mod ce {
        use super::BothU32;
        pub const LOCATION: BothU32 = BothU32(4);
        pub const OFFSET: BothU32 = BothU32(12);
        pub const AREA_LENGTH: BothU32 = BothU32(20);
        pub const LEN: usize = 28;
    }

    /// `PX` in its RRIP 1.09 form (36 bytes, with the serial number).
    pub mod px {
        use super::BothU32;
        pub const MODE: BothU32 = BothU32(4);
        pub const LINKS: BothU32 = BothU32(12);
        pub const UID: BothU32 = BothU32(20);
        pub const GID: BothU32 = BothU32(28);
        pub const LEN: usize = 36;
    }

    /// `NM`, `SL` and `TF` start their data with a flags byte.
    pub const FLAGS: U8 = U8(4);
    /// Where `NM`'s name piece and `SL`'s component records begin.
    pub const FLAGGED_DATA: usize = 5;

    /// `CL`: the relocated directory's location.
    pub const CHILD_LINK: BothU32 = BothU32(4);

    /// `ZF` (zisofs): algorithm `pz` and the uncompressed size.
    pub mod zf {
        use super::{BothU32, Bytes};
        pub const ALGORITHM: Bytes = Bytes::new(4, 2);
        pub const UNCOMPRESSED_SIZE: BothU32 = BothU32(8);
        pub const LEN: usize = 16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The positions tile the primary descriptor exactly as ECMA-119 8.4
    /// lists them: each field ends where the next begins (gaps only where
    /// the standard has unused bytes).
    #[test]
    fn volume_descriptor_fields_follow_each_other() {
        let text = [
            (vd::SYSTEM_ID, vd::VOLUME_ID),
            (vd::VOLUME_SET_ID, vd::PUBLISHER_ID),
            (vd::PUBLISHER_ID, vd::PREPARER_ID),
            (vd::PREPARER_ID, vd::APPLICATION_ID),
            (vd::APPLICATION_ID, vd::COPYRIGHT_FILE),
            (vd::COPYRIGHT_FILE, vd::ABSTRACT_FILE),
            (vd::ABSTRACT_FILE, vd::BIBLIOGRAPHIC_FILE),
            (vd::BIBLIOGRAPHIC_FILE, vd::CREATION_DATE),
            (vd::CREATION_DATE, vd::MODIFICATION_DATE),
            (vd::MODIFICATION_DATE, vd::EXPIRATION_DATE),
            (vd::EXPIRATION_DATE, vd::EFFECTIVE_DATE),
        ];
        for (a, b) in text {
            assert_eq!(a.end(), b.at, "{a:?} then {b:?}");
        }
        assert_eq!(vd::ROOT_RECORD.end(), vd::VOLUME_SET_ID.at);
        assert_eq!(vd::EFFECTIVE_DATE.end(), vd::FILE_STRUCTURE_VERSION.0);
        assert_eq!(vd::ROOT_RECORD.len, dr::MIN_LEN);
    }

    #[test]
    fn single_order_fields_put_what_they_get() {
        let mut b = [0u8; 12];
        pt::extent(false).put(&mut b, 0x0102_0304);
        assert_eq!(&b[2..6], &[4, 3, 2, 1]);
        pt::parent(true).put(&mut b, 0x0506);
        assert_eq!(&b[6..8], &[5, 6]);
        assert_eq!(pt::extent(false).get(&b), 0x0102_0304);
        assert_eq!(pt::parent(true).get(&b), 0x0506);
        assert_eq!(pt::record_len(3), 12);
        assert_eq!(dr::system_use_start(1), 34);
        assert_eq!(dr::system_use_start(2), 36);
    }
}
