//! UDF on-disc structures (ECMA-167 3rd edition as profiled by OSTA UDF
//! 1.02–2.60), each named once with a parse and an encode, so the reader
//! and the session writer cannot disagree about a field offset.
//!
//! Everything here works on byte slices: no block I/O, no policy. Parsers
//! never panic on short or hostile input; they return a [`LayoutError`]
//! that says what was wrong, which converts into the crate's [`Error`]
//! with `IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR`.

use std::borrow::Cow;

use crate::error::Error;
use crate::hresult::MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;

/// Logical block size of every UDF volume this crate reads or writes
/// (optical media: the sector size).
pub const BLOCK: usize = 2048;

/// What is wrong with a structure, precise enough for a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The buffer ends before the structure does.
    Short {
        what: &'static str,
        need: usize,
        have: usize,
    },
    /// The tag checksum byte does not match the sum of the other tag bytes.
    TagChecksum {
        location: u32,
        stored: u8,
        computed: u8,
    },
    /// The descriptor CRC does not match its body.
    TagCrc {
        location: u32,
        stored: u16,
        computed: u16,
    },
    /// The tag says it was written for another block.
    TagLocation { expected: u32, recorded: u32 },
    /// Descriptor version other than 2 (NSR02) or 3 (NSR03).
    TagVersion { location: u32, version: u16 },
    /// A tag identifier ECMA-167 does not define.
    UnknownTag { location: u32, id: u16 },
    /// A valid tag of another kind where this one was expected.
    WrongTag {
        location: u32,
        expected: TagId,
        found: TagId,
    },
    /// A field holds a value the structure cannot have.
    Field { what: &'static str, value: u64 },
    /// A name cannot be written in the space the structure has for it.
    NameTooLong { len: usize, max: usize },
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Short { what, need, have } => {
                write!(f, "UDF {what} needs {need} bytes, only {have} there")
            }
            LayoutError::TagChecksum {
                location,
                stored,
                computed,
            } => write!(
                f,
                "UDF descriptor tag at block {location}: checksum {stored:#04x}, computed {computed:#04x}"
            ),
            LayoutError::TagCrc {
                location,
                stored,
                computed,
            } => write!(
                f,
                "UDF descriptor at block {location}: CRC {stored:#06x}, computed {computed:#06x}"
            ),
            LayoutError::TagLocation { expected, recorded } => write!(
                f,
                "UDF descriptor read at block {expected} says it belongs at block {recorded}"
            ),
            LayoutError::TagVersion { location, version } => write!(
                f,
                "UDF descriptor at block {location}: descriptor version {version}, not 2 or 3"
            ),
            LayoutError::UnknownTag { location, id } => {
                write!(f, "UDF descriptor at block {location}: unknown tag identifier {id}")
            }
            LayoutError::WrongTag {
                location,
                expected,
                found,
            } => write!(
                f,
                "UDF descriptor at block {location}: expected {expected:?}, found {found:?}"
            ),
            LayoutError::Field { what, value } => write!(f, "UDF {what} has impossible value {value}"),
            LayoutError::NameTooLong { len, max } => write!(
                f,
                "UDF name needs {len} bytes, the field holds {max}"
            ),
        }
    }
}

impl std::error::Error for LayoutError {}

impl From<LayoutError> for Error {
    fn from(e: LayoutError) -> Self {
        Error::new(MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, e.to_string())
    }
}

pub type LResult<T> = std::result::Result<T, LayoutError>;

// ---------------------------------------------------------------- helpers

fn need(buf: &[u8], len: usize, what: &'static str) -> LResult<()> {
    if buf.len() < len {
        Err(LayoutError::Short {
            what,
            need: len,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

pub(crate) fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes([b[o], b[o + 1]])
}
pub(crate) fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}
pub(crate) fn u64_at(b: &[u8], o: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[o..o + 8]);
    u64::from_le_bytes(a)
}
pub(crate) fn put16(b: &mut [u8], o: usize, v: u16) {
    b[o..o + 2].copy_from_slice(&v.to_le_bytes());
}
pub(crate) fn put32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}
pub(crate) fn put64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}
fn arr<const N: usize>(b: &[u8], o: usize) -> [u8; N] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[o..o + N]);
    a
}

// ---------------------------------------------------------------- CRC

/// CRC-ITU-T (polynomial 0x1021, initial value 0, no reflection), the
/// descriptor CRC of ECMA-167 1/7.2.6. Every descriptor an import reads is
/// checked (100,000 file entries for a 100,000-file tree), so eight bytes
/// are folded in at a time (slicing-by-8) instead of one dependent table
/// lookup per byte.
pub fn crc_itu(data: &[u8]) -> u16 {
    let t = &CRC_TABLES;
    let mut crc = 0u16;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let [hi, lo] = crc.to_be_bytes();
        crc = t[7][(c[0] ^ hi) as usize]
            ^ t[6][(c[1] ^ lo) as usize]
            ^ t[5][c[2] as usize]
            ^ t[4][c[3] as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    chunks.remainder().iter().fold(crc, |crc, &byte| {
        (crc << 8) ^ t[0][((crc >> 8) as u8 ^ byte) as usize]
    })
}

/// `CRC_TABLES[k][b]`: the CRC register after byte `b` followed by `k`
/// zero bytes (table 0 is the classic byte table).
const CRC_TABLES: [[u16; 256]; 8] = {
    let mut tables = [[0u16; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        tables[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[k - 1][i];
            tables[k][i] = (prev << 8) ^ tables[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    tables
};

// ---------------------------------------------------------------- tag

/// Tag identifiers of ECMA-167 3/7.2.1 and 4/7.2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum TagId {
    /// Primary volume descriptor.
    Pvd = 1,
    /// Anchor volume descriptor pointer.
    Avdp = 2,
    /// Volume descriptor pointer.
    Vdp = 3,
    /// Implementation use volume descriptor.
    Iuvd = 4,
    /// Partition descriptor.
    Pd = 5,
    /// Logical volume descriptor.
    Lvd = 6,
    /// Unallocated space descriptor.
    Usd = 7,
    /// Terminating descriptor.
    Td = 8,
    /// Logical volume integrity descriptor.
    Lvid = 9,
    /// File set descriptor.
    Fsd = 256,
    /// File identifier descriptor.
    Fid = 257,
    /// Allocation extent descriptor.
    Aed = 258,
    /// Indirect entry.
    Ie = 259,
    /// Terminal entry.
    Te = 260,
    /// File entry.
    Fe = 261,
    /// Extended attribute header descriptor.
    Eahd = 262,
    /// Unallocated space entry.
    Use = 263,
    /// Space bitmap descriptor.
    Sbd = 264,
    /// Partition integrity entry.
    Pie = 265,
    /// Extended file entry.
    Efe = 266,
}

impl TagId {
    pub fn from_u16(v: u16) -> Option<TagId> {
        use TagId::*;
        Some(match v {
            1 => Pvd,
            2 => Avdp,
            3 => Vdp,
            4 => Iuvd,
            5 => Pd,
            6 => Lvd,
            7 => Usd,
            8 => Td,
            9 => Lvid,
            256 => Fsd,
            257 => Fid,
            258 => Aed,
            259 => Ie,
            260 => Te,
            261 => Fe,
            262 => Eahd,
            263 => Use,
            264 => Sbd,
            265 => Pie,
            266 => Efe,
            _ => return None,
        })
    }
}

pub use crate::volume::ecma167::{tag_checksum, TAG_LEN};
use crate::volume::ecma167::{
    AVDP_MAIN_VDS, AVDP_RESERVE_VDS, PD_LENGTH, PD_START, TAG_CHECKSUM, TAG_CRC, TAG_CRC_LENGTH,
    TAG_ID, TAG_LOCATION, TAG_RESERVED, TAG_SERIAL, TAG_VERSION, VDP_NEXT,
};

/// The 16-byte descriptor tag (ECMA-167 3/7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub id: TagId,
    /// 2 for NSR02 volumes (UDF 1.02, 1.50), 3 for NSR03 (UDF 2.00+).
    pub version: u16,
    pub serial: u16,
    /// Bytes after the tag the CRC covers.
    pub crc_length: u16,
    /// Logical block (or sector, for volume structures) the descriptor
    /// was written for.
    pub location: u32,
}

impl Tag {
    /// Parses and checks the tag at the start of `buf`: checksum, version,
    /// location (when `expected_location` is given) and the CRC over the
    /// `crc_length` bytes after the tag, which must lie within `buf`.
    pub fn parse(buf: &[u8], expected_location: Option<u32>) -> LResult<Tag> {
        need(buf, TAG_LEN, "descriptor tag")?;
        let location = u32_at(buf, TAG_LOCATION);
        let stored = buf[TAG_CHECKSUM];
        let computed = tag_checksum(buf);
        if stored != computed {
            return Err(LayoutError::TagChecksum {
                location,
                stored,
                computed,
            });
        }
        let raw_id = u16_at(buf, TAG_ID);
        let id = TagId::from_u16(raw_id).ok_or(LayoutError::UnknownTag {
            location,
            id: raw_id,
        })?;
        let version = u16_at(buf, TAG_VERSION);
        if version != 2 && version != 3 {
            return Err(LayoutError::TagVersion { location, version });
        }
        if let Some(expected) = expected_location {
            if expected != location {
                return Err(LayoutError::TagLocation {
                    expected,
                    recorded: location,
                });
            }
        }
        let crc_length = u16_at(buf, TAG_CRC_LENGTH);
        let end = TAG_LEN + crc_length as usize;
        need(buf, end, "descriptor CRC range")?;
        let stored_crc = u16_at(buf, TAG_CRC);
        let crc = crc_itu(&buf[TAG_LEN..end]);
        if crc != stored_crc {
            return Err(LayoutError::TagCrc {
                location,
                stored: stored_crc,
                computed: crc,
            });
        }
        Ok(Tag {
            id,
            version,
            serial: u16_at(buf, TAG_SERIAL),
            crc_length,
            location,
        })
    }

    /// [`Tag::parse`] that also insists on the kind of descriptor.
    pub fn parse_expect(buf: &[u8], expected_location: Option<u32>, id: TagId) -> LResult<Tag> {
        let tag = Tag::parse(buf, expected_location)?;
        if tag.id != id {
            return Err(LayoutError::WrongTag {
                location: tag.location,
                expected: id,
                found: tag.id,
            });
        }
        Ok(tag)
    }

    /// Writes this tag into `desc[..16]`, with the CRC computed over
    /// `desc[16..16 + crc_length]` and then the checksum: call it after the
    /// body is complete. `crc_length` is taken from `self`.
    pub fn write(&self, desc: &mut [u8]) {
        put16(desc, TAG_ID, self.id as u16);
        put16(desc, TAG_VERSION, self.version);
        desc[TAG_RESERVED] = 0;
        put16(desc, TAG_SERIAL, self.serial);
        let end = TAG_LEN + self.crc_length as usize;
        let crc = crc_itu(&desc[TAG_LEN..end]);
        put16(desc, TAG_CRC, crc);
        put16(desc, TAG_CRC_LENGTH, self.crc_length);
        put32(desc, TAG_LOCATION, self.location);
        desc[TAG_CHECKSUM] = tag_checksum(desc);
    }
}

/// What an encoder needs to stamp a tag: everything but the checksum,
/// CRC and id, which are computed or fixed by the descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagParams {
    /// 2 (NSR02) or 3 (NSR03).
    pub version: u16,
    pub serial: u16,
    pub location: u32,
}

impl TagParams {
    pub fn new(version: u16, serial: u16, location: u32) -> Self {
        TagParams {
            version,
            serial,
            location,
        }
    }
}

/// Stamps a tag over the whole of `desc` (CRC over everything after the tag).
pub fn finish_tag(desc: &mut [u8], id: TagId, p: TagParams) {
    let crc_length = (desc.len() - TAG_LEN) as u16;
    Tag {
        id,
        version: p.version,
        serial: p.serial,
        crc_length,
        location: p.location,
    }
    .write(desc);
}

// ---------------------------------------------------------------- addresses

/// extent_ad (ECMA-167 3/7.1): a byte length and a sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtentAd {
    pub length: u32,
    pub location: u32,
}

impl ExtentAd {
    pub const LEN: usize = 8;
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 8, "extent_ad")?;
        Ok(ExtentAd {
            length: u32_at(b, 0),
            location: u32_at(b, 4),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, self.length);
        put32(out, 4, self.location);
    }
}

/// lb_addr (ECMA-167 4/7.1): a logical block within a partition reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct LbAddr {
    pub block: u32,
    pub partition: u16,
}

impl LbAddr {
    pub const LEN: usize = 6;
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 6, "lb_addr")?;
        Ok(LbAddr {
            block: u32_at(b, 0),
            partition: u16_at(b, 4),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, self.block);
        put16(out, 4, self.partition);
    }
}

/// The 2-bit extent type in the top bits of an allocation descriptor's
/// length (ECMA-167 4/14.14.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtentType {
    /// Recorded and allocated: data is on the medium.
    Recorded = 0,
    /// Allocated, not recorded: reads as zeros.
    AllocatedNotRecorded = 1,
    /// Neither: a hole, reads as zeros.
    NotAllocated = 2,
    /// The next extent of allocation descriptors (an AED).
    Continuation = 3,
}

impl ExtentType {
    fn from_bits(v: u32) -> ExtentType {
        match v & 3 {
            0 => ExtentType::Recorded,
            1 => ExtentType::AllocatedNotRecorded,
            2 => ExtentType::NotAllocated,
            _ => ExtentType::Continuation,
        }
    }
}

/// Largest extent length an allocation descriptor can hold (30 bits).
pub const MAX_AD_LENGTH: u32 = (1 << 30) - 1;

fn split_len(raw: u32) -> (u32, ExtentType) {
    (raw & MAX_AD_LENGTH, ExtentType::from_bits(raw >> 30))
}

fn join_len(len: u32, kind: ExtentType) -> u32 {
    (len & MAX_AD_LENGTH) | ((kind as u32) << 30)
}

/// short_ad (ECMA-167 4/14.14.1): an extent in the ICB's own partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortAd {
    pub length: u32,
    pub kind: ExtentType,
    pub position: u32,
}

impl ShortAd {
    pub const LEN: usize = 8;
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 8, "short_ad")?;
        let (length, kind) = split_len(u32_at(b, 0));
        Ok(ShortAd {
            length,
            kind,
            position: u32_at(b, 4),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, join_len(self.length, self.kind));
        put32(out, 4, self.position);
    }
}

/// long_ad (ECMA-167 4/14.14.2): an extent anywhere in the logical volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongAd {
    pub length: u32,
    pub kind: ExtentType,
    pub location: LbAddr,
    /// UDF 2.3.10.1: flags (bit 0: erased) and a UDF unique id.
    pub impl_use: [u8; 6],
}

impl LongAd {
    pub const LEN: usize = 16;
    pub fn new(length: u32, location: LbAddr) -> Self {
        LongAd {
            length,
            kind: ExtentType::Recorded,
            location,
            impl_use: [0; 6],
        }
    }
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 16, "long_ad")?;
        let (length, kind) = split_len(u32_at(b, 0));
        Ok(LongAd {
            length,
            kind,
            location: LbAddr::parse(&b[4..])?,
            impl_use: arr(b, 10),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, join_len(self.length, self.kind));
        self.location.encode(&mut out[4..10]);
        out[10..16].copy_from_slice(&self.impl_use);
    }

    /// UDF 2.3.4.3: in a file identifier, the low 32 bits of the unique
    /// id of the entry it names (0 where the writer recorded none).
    pub fn unique_id(&self) -> u32 {
        u32_at(&self.impl_use, 2)
    }

    pub fn set_unique_id(&mut self, id: u32) {
        self.impl_use[2..6].copy_from_slice(&id.to_le_bytes());
    }
}

/// ext_ad (ECMA-167 4/14.14.3), allowed by ECMA but not by UDF; parsed so
/// the reader can follow what other writers might record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtAd {
    pub length: u32,
    pub kind: ExtentType,
    pub recorded_length: u32,
    pub information_length: u32,
    pub location: LbAddr,
}

impl ExtAd {
    pub const LEN: usize = 20;
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 20, "ext_ad")?;
        let (length, kind) = split_len(u32_at(b, 0));
        Ok(ExtAd {
            length,
            kind,
            recorded_length: u32_at(b, 4) & MAX_AD_LENGTH,
            information_length: u32_at(b, 8),
            location: LbAddr::parse(&b[12..])?,
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, join_len(self.length, self.kind));
        put32(out, 4, self.recorded_length);
        put32(out, 8, self.information_length);
        self.location.encode(&mut out[12..18]);
        out[18] = 0;
        out[19] = 0;
    }
}

/// Any allocation descriptor, with the partition filled in for short_ads
/// from the ICB they belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ad {
    pub length: u32,
    pub kind: ExtentType,
    pub location: LbAddr,
}

/// Allocation descriptor type in the ICB tag flags (ECMA-167 4/14.6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdType {
    Short = 0,
    Long = 1,
    Extended = 2,
    /// The data is in the entry itself, in place of the descriptors.
    Embedded = 3,
}

impl AdType {
    pub fn size(self) -> usize {
        match self {
            AdType::Short => ShortAd::LEN,
            AdType::Long => LongAd::LEN,
            AdType::Extended => ExtAd::LEN,
            AdType::Embedded => 0,
        }
    }
}

/// Parses the allocation descriptor area of an entry or AED. A zero
/// length ends the list (ECMA-167 4/12: the rest is unused); a trailing
/// partial descriptor is an error. `partition` is the reference short_ads
/// are relative to.
pub fn parse_ads(area: &[u8], ad_type: AdType, partition: u16) -> LResult<Vec<Ad>> {
    let size = ad_type.size();
    if size == 0 {
        return Err(LayoutError::Field {
            what: "allocation descriptor type (embedded data is not a list)",
            value: 3,
        });
    }
    if area.len() % size != 0 {
        return Err(LayoutError::Field {
            what: "allocation descriptor area length",
            value: area.len() as u64,
        });
    }
    let mut out = Vec::with_capacity(area.len() / size);
    for chunk in area.chunks_exact(size) {
        let ad = match ad_type {
            AdType::Short => {
                let s = ShortAd::parse(chunk)?;
                Ad {
                    length: s.length,
                    kind: s.kind,
                    location: LbAddr {
                        block: s.position,
                        partition,
                    },
                }
            }
            AdType::Long => {
                let l = LongAd::parse(chunk)?;
                Ad {
                    length: l.length,
                    kind: l.kind,
                    location: l.location,
                }
            }
            AdType::Extended => {
                let e = ExtAd::parse(chunk)?;
                Ad {
                    length: e.length,
                    kind: e.kind,
                    location: e.location,
                }
            }
            AdType::Embedded => unreachable!("rejected above"),
        };
        if ad.length == 0 {
            break;
        }
        out.push(ad);
    }
    Ok(out)
}

/// Encodes allocation descriptors of `ad_type` (short or long).
pub fn encode_ads(ads: &[Ad], ad_type: AdType) -> Vec<u8> {
    let size = ad_type.size();
    let mut out = vec![0u8; ads.len() * size];
    for (ad, chunk) in ads.iter().zip(out.chunks_exact_mut(size.max(1))) {
        match ad_type {
            AdType::Short => ShortAd {
                length: ad.length,
                kind: ad.kind,
                position: ad.location.block,
            }
            .encode(chunk),
            AdType::Long => LongAd {
                length: ad.length,
                kind: ad.kind,
                location: ad.location,
                impl_use: [0; 6],
            }
            .encode(chunk),
            AdType::Extended => ExtAd {
                length: ad.length,
                kind: ad.kind,
                recorded_length: if ad.kind == ExtentType::Recorded {
                    ad.length
                } else {
                    0
                },
                information_length: ad.length,
                location: ad.location,
            }
            .encode(chunk),
            AdType::Embedded => {}
        }
    }
    out
}

// ---------------------------------------------------------------- charspec, regid

/// charspec (ECMA-167 1/7.2.1), 64 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charspec {
    pub kind: u8,
    pub info: [u8; 63],
}

impl Charspec {
    pub const LEN: usize = 64;
    /// CS0 "OSTA Compressed Unicode", the only character set UDF allows.
    pub fn cs0() -> Self {
        let mut info = [0u8; 63];
        let text = b"OSTA Compressed Unicode";
        info[..text.len()].copy_from_slice(text);
        Charspec { kind: 0, info }
    }
    pub fn is_cs0(&self) -> bool {
        *self == Charspec::cs0()
    }
    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 64, "charspec")?;
        Ok(Charspec {
            kind: b[0],
            info: arr(b, 1),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        out[0] = self.kind;
        out[1..64].copy_from_slice(&self.info);
    }
}

/// regid, the entity identifier (ECMA-167 1/7.4, UDF 2.1.5), 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Regid {
    pub flags: u8,
    pub ident: [u8; 23],
    pub suffix: [u8; 8],
}

/// The implementation identifier this library records: a volume whose
/// logical volume descriptor names it was written here, so its two trees
/// were made from one.
pub const DEVELOPER_ID: &str = "*multisession";
/// Domain identifier of every UDF logical volume and file set.
pub const DOMAIN_OSTA: &str = "*OSTA UDF Compliant";
/// Partition contents of an NSR02 volume (UDF 1.02, 1.50).
pub const NSR02: &str = "+NSR02";
/// Partition contents of an NSR03 volume (UDF 2.00+).
pub const NSR03: &str = "+NSR03";
/// Type 2 map of a virtual (VAT) partition.
pub const VIRTUAL_PARTITION: &str = "*UDF Virtual Partition";
/// Type 2 map of a sparable partition.
pub const SPARABLE_PARTITION: &str = "*UDF Sparable Partition";
/// Type 2 map of a metadata partition (UDF 2.50+).
pub const METADATA_PARTITION: &str = "*UDF Metadata Partition";
/// Trailer identifier of a UDF 1.50 VAT.
pub const VAT_150_IDENT: &str = "*UDF Virtual Alloc Tbl";
/// Logical volume information regid of the IUVD.
pub const LV_INFO: &str = "*UDF LV Info";
/// UDF free EA space / other identifiers a writer may need.
pub const FREE_EA_SPACE: &str = "*UDF FreeEASpace";

impl Regid {
    pub const LEN: usize = 32;

    pub fn new(ident: &str, suffix: [u8; 8]) -> Self {
        let mut id = [0u8; 23];
        let bytes = ident.as_bytes();
        let n = bytes.len().min(23);
        id[..n].copy_from_slice(&bytes[..n]);
        Regid {
            flags: 0,
            ident: id,
            suffix,
        }
    }

    /// A domain or UDF entity identifier: the UDF revision (0x0102,
    /// 0x0150, 0x0201, 0x0250, 0x0260) in the first two suffix bytes, then
    /// domain flags / OS class (0 here).
    pub fn udf(ident: &str, revision: u16) -> Self {
        let mut suffix = [0u8; 8];
        suffix[..2].copy_from_slice(&revision.to_le_bytes());
        Regid::new(ident, suffix)
    }

    /// The identifier text, without trailing NULs.
    pub fn ident_str(&self) -> String {
        let end = self.ident.iter().position(|&b| b == 0).unwrap_or(23);
        String::from_utf8_lossy(&self.ident[..end]).into_owned()
    }

    /// Whether the identifier is `ident` (trailing NULs/spaces ignored).
    pub fn is(&self, ident: &str) -> bool {
        let end = self
            .ident
            .iter()
            .rposition(|&b| b != 0 && b != b' ')
            .map_or(0, |p| p + 1);
        &self.ident[..end] == ident.as_bytes()
    }

    /// UDF revision from a domain / UDF identifier suffix (BCD-like hex:
    /// 0x0201 for 2.01).
    pub fn udf_revision(&self) -> u16 {
        u16::from_le_bytes([self.suffix[0], self.suffix[1]])
    }

    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 32, "regid")?;
        Ok(Regid {
            flags: b[0],
            ident: arr(b, 1),
            suffix: arr(b, 24),
        })
    }
    pub fn encode(&self, out: &mut [u8]) {
        out[0] = self.flags;
        out[1..24].copy_from_slice(&self.ident);
        out[24..32].copy_from_slice(&self.suffix);
    }
}

// ---------------------------------------------------------------- timestamp

/// timestamp (ECMA-167 1/7.3), 12 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamp {
    /// Bits 12–15 type (1 = local time), bits 0–11 the offset from UTC in
    /// minutes, signed, -2047 meaning "not specified".
    pub type_and_timezone: u16,
    pub year: i16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub centiseconds: u8,
    pub hundreds_of_microseconds: u8,
    pub microseconds: u8,
}

/// Offset value meaning "no time zone recorded".
pub const TZ_UNSPECIFIED: i16 = -2047;

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl Timestamp {
    pub const LEN: usize = 12;

    /// The time zone offset in minutes, `None` when not specified.
    pub fn timezone(&self) -> Option<i16> {
        let raw = (self.type_and_timezone & 0x0fff) as i16;
        let tz = if raw & 0x0800 != 0 { raw - 0x1000 } else { raw };
        if tz == TZ_UNSPECIFIED || !(-1440..=1440).contains(&tz) {
            None
        } else {
            Some(tz)
        }
    }

    /// Timestamp type (1 = local time, the only one UDF records).
    pub fn kind(&self) -> u8 {
        (self.type_and_timezone >> 12) as u8
    }

    /// A UTC instant as seconds and nanoseconds since the Unix epoch,
    /// recorded as local time at `tz_minutes` from UTC.
    pub fn from_unix(secs: i64, nanos: u32, tz_minutes: i16) -> Self {
        let local = secs + tz_minutes as i64 * 60;
        let days = local.div_euclid(86400);
        let rem = local.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        let micros = nanos / 1000;
        Timestamp {
            type_and_timezone: (1 << 12) | (tz_minutes as u16 & 0x0fff),
            year: y.clamp(i16::MIN as i64, i16::MAX as i64) as i16,
            month: m as u8,
            day: d as u8,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            centiseconds: (micros / 10_000) as u8,
            hundreds_of_microseconds: (micros / 100 % 100) as u8,
            microseconds: (micros % 100) as u8,
        }
    }

    /// Seconds and nanoseconds since the Unix epoch (UTC), `None` for a
    /// zero or out-of-range timestamp. An unspecified time zone is read as UTC.
    pub fn to_unix(&self) -> Option<(i64, u32)> {
        if !(1..=12).contains(&self.month)
            || !(1..=31).contains(&self.day)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
        {
            return None;
        }
        let days = days_from_civil(self.year as i64, self.month as u32, self.day as u32);
        let local =
            days * 86400 + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64;
        let secs = local - self.timezone().unwrap_or(0) as i64 * 60;
        let micros = (self.centiseconds.min(99) as u32) * 10_000
            + (self.hundreds_of_microseconds.min(99) as u32) * 100
            + self.microseconds.min(99) as u32;
        Some((secs, micros * 1000))
    }

    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 12, "timestamp")?;
        Ok(Timestamp {
            type_and_timezone: u16_at(b, 0),
            year: u16_at(b, 2) as i16,
            month: b[4],
            day: b[5],
            hour: b[6],
            minute: b[7],
            second: b[8],
            centiseconds: b[9],
            hundreds_of_microseconds: b[10],
            microseconds: b[11],
        })
    }

    pub fn encode(&self, out: &mut [u8]) {
        put16(out, 0, self.type_and_timezone);
        put16(out, 2, self.year as u16);
        out[4] = self.month;
        out[5] = self.day;
        out[6] = self.hour;
        out[7] = self.minute;
        out[8] = self.second;
        out[9] = self.centiseconds;
        out[10] = self.hundreds_of_microseconds;
        out[11] = self.microseconds;
    }
}

// ---------------------------------------------------------------- ICB tag

/// File types of ECMA-167 4/14.6.6 and UDF 2.00+.
pub mod file_type {
    pub const UNSPECIFIED: u8 = 0;
    pub const USE: u8 = 1;
    pub const PIE: u8 = 2;
    pub const INDIRECT: u8 = 3;
    pub const DIRECTORY: u8 = 4;
    pub const REGULAR: u8 = 5;
    pub const BLOCK_DEVICE: u8 = 6;
    pub const CHAR_DEVICE: u8 = 7;
    pub const EXTENDED_ATTRIBUTES: u8 = 8;
    pub const FIFO: u8 = 9;
    pub const SOCKET: u8 = 10;
    pub const TERMINAL: u8 = 11;
    pub const SYMLINK: u8 = 12;
    pub const STREAM_DIRECTORY: u8 = 13;
    /// UDF 2.00+ virtual allocation table.
    pub const VAT: u8 = 248;
    pub const REAL_TIME: u8 = 249;
    /// UDF 2.50+ metadata file, its mirror and its bitmap.
    pub const METADATA: u8 = 250;
    pub const METADATA_MIRROR: u8 = 251;
    pub const METADATA_BITMAP: u8 = 252;
}

/// ICB tag flag bits above the allocation descriptor type (ECMA-167 4/14.6.8).
pub mod icb_flags {
    pub const AD_MASK: u16 = 0x0007;
    pub const SORTED: u16 = 1 << 3;
    pub const NON_RELOCATABLE: u16 = 1 << 4;
    pub const ARCHIVE: u16 = 1 << 5;
    pub const SETUID: u16 = 1 << 6;
    pub const SETGID: u16 = 1 << 7;
    pub const STICKY: u16 = 1 << 8;
    pub const CONTIGUOUS: u16 = 1 << 9;
    pub const SYSTEM: u16 = 1 << 10;
    pub const TRANSFORMED: u16 = 1 << 11;
    pub const MULTI_VERSIONS: u16 = 1 << 12;
    pub const STREAM: u16 = 1 << 13;
}

/// icbtag (ECMA-167 4/14.6), 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcbTag {
    pub prior_recorded_entries: u32,
    /// 4 for every UDF writer (4096 is the write-once strategy UDF allows
    /// but few use).
    pub strategy_type: u16,
    pub strategy_parameter: u16,
    pub max_entries: u16,
    pub file_type: u8,
    pub parent: LbAddr,
    pub flags: u16,
}

impl IcbTag {
    pub const LEN: usize = 20;

    /// A strategy-4 ICB tag with the given file type and descriptor type.
    pub fn new(file_type: u8, ad_type: AdType) -> Self {
        IcbTag {
            prior_recorded_entries: 0,
            strategy_type: 4,
            strategy_parameter: 0,
            max_entries: 1,
            file_type,
            parent: LbAddr::default(),
            flags: ad_type as u16,
        }
    }

    pub fn ad_type(&self) -> AdType {
        match self.flags & icb_flags::AD_MASK {
            0 => AdType::Short,
            1 => AdType::Long,
            2 => AdType::Extended,
            _ => AdType::Embedded,
        }
    }

    /// Raw AD type bits; values 4–7 are reserved and a reader must refuse them.
    pub fn ad_type_bits(&self) -> u16 {
        self.flags & icb_flags::AD_MASK
    }

    pub fn parse(b: &[u8]) -> LResult<Self> {
        need(b, 20, "icbtag")?;
        Ok(IcbTag {
            prior_recorded_entries: u32_at(b, 0),
            strategy_type: u16_at(b, 4),
            strategy_parameter: u16_at(b, 6),
            max_entries: u16_at(b, 8),
            file_type: b[11],
            parent: LbAddr::parse(&b[12..])?,
            flags: u16_at(b, 18),
        })
    }

    pub fn encode(&self, out: &mut [u8]) {
        put32(out, 0, self.prior_recorded_entries);
        put16(out, 4, self.strategy_type);
        put16(out, 6, self.strategy_parameter);
        put16(out, 8, self.max_entries);
        out[10] = 0;
        out[11] = self.file_type;
        self.parent.encode(&mut out[12..18]);
        put16(out, 18, self.flags);
    }
}

// ---------------------------------------------------------------- OSTA CS0

/// Decodes OSTA compressed Unicode d-characters (compression id byte
/// first): 8 = one byte per character (Latin-1), 16 = UTF-16 big endian.
/// 254/255 (UDF 2.50: the same for a deleted name) are read alike. An
/// empty field is an empty name.
pub fn decode_d_chars(b: &[u8]) -> LResult<String> {
    d_chars(b).map(Cow::into_owned)
}

/// What [`decode_d_chars`] returns, borrowed from `b` when it is 8-bit
/// ASCII: the name of nearly every identifier, so an import of a
/// million of them allocates none.
pub fn d_chars(b: &[u8]) -> LResult<Cow<'_, str>> {
    let Some((&comp, rest)) = b.split_first() else {
        return Ok(Cow::Borrowed(""));
    };
    if matches!(comp, 8 | 254) && rest.is_ascii() {
        let ascii = std::str::from_utf8(rest).expect("ASCII is UTF-8");
        return Ok(Cow::Borrowed(ascii));
    }
    match comp {
        8 | 254 => Ok(Cow::Owned(rest.iter().map(|&c| c as char).collect())),
        16 | 255 => {
            let units = rest
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
            Ok(Cow::Owned(
                char::decode_utf16(units)
                    .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            ))
        }
        other => Err(LayoutError::Field {
            what: "OSTA CS0 compression id",
            value: other as u64,
        }),
    }
}

/// Encodes `s` as d-characters: compression id 8 when every character is
/// below U+0100, else 16 (UTF-16 big endian, surrogate pairs beyond the BMP).
pub fn encode_d_chars(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 1);
    encode_d_chars_into(s, &mut out);
    out
}

/// Appends what [`encode_d_chars`] returns to `out`.
pub fn encode_d_chars_into(s: &str, out: &mut Vec<u8>) {
    if s.chars().all(|c| (c as u32) < 0x100) {
        out.push(8);
        out.extend(s.chars().map(|c| c as u8));
    } else {
        out.push(16);
        for u in s.encode_utf16() {
            out.extend_from_slice(&u.to_be_bytes());
        }
    }
}

/// Decodes a dstring field (ECMA-167 1/7.2.12): d-characters, then the
/// used length in the last byte. A length of 0 is an empty string; a
/// length past the field is an error.
pub fn decode_dstring(field: &[u8]) -> LResult<String> {
    let Some((&len, body)) = field.split_last() else {
        return Ok(String::new());
    };
    let len = len as usize;
    if len == 0 {
        return Ok(String::new());
    }
    if len > body.len() {
        return Err(LayoutError::Field {
            what: "dstring length",
            value: len as u64,
        });
    }
    decode_d_chars(&body[..len])
}

/// Encodes `s` as a dstring of exactly `field_len` bytes.
pub fn encode_dstring(s: &str, field_len: usize) -> LResult<Vec<u8>> {
    let mut out = vec![0u8; field_len];
    if s.is_empty() || field_len == 0 {
        return Ok(out);
    }
    let chars = encode_d_chars(s);
    if chars.len() > field_len - 1 || chars.len() > 255 {
        return Err(LayoutError::NameTooLong {
            len: chars.len(),
            max: (field_len - 1).min(255),
        });
    }
    out[..chars.len()].copy_from_slice(&chars);
    out[field_len - 1] = chars.len() as u8;
    Ok(out)
}

/// [`encode_dstring`] that drops characters from the end until `s` fits,
/// for identifiers (volume labels) where a shortened text is better than
/// none.
pub fn encode_dstring_truncated(s: &str, field_len: usize) -> Vec<u8> {
    let mut text: String = s.to_string();
    loop {
        if let Ok(v) = encode_dstring(&text, field_len) {
            return v;
        }
        text.pop();
    }
}

// ---------------------------------------------------------------- VRS

pub use crate::volume::ecma167::{parse_vrs, VRS_BEA01, VRS_NSR02, VRS_NSR03, VRS_TEA01};

/// One 2048-byte volume structure descriptor.
pub fn encode_vrs(id: &[u8; 5]) -> Vec<u8> {
    let mut out = vec![0u8; BLOCK];
    out[1..6].copy_from_slice(id);
    out[6] = 1;
    out
}

// ---------------------------------------------------------------- volume descriptors

fn desc_buf(len: usize) -> Vec<u8> {
    vec![0u8; len]
}

/// Anchor volume descriptor pointer (ECMA-167 3/10.2), at sector 256 of a
/// session and at N-256 / N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Avdp {
    pub main_vds: ExtentAd,
    pub reserve_vds: ExtentAd,
}

impl Avdp {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Avdp)?;
        need(b, 32, "AVDP")?;
        Ok((
            tag,
            Avdp {
                main_vds: ExtentAd::parse(&b[AVDP_MAIN_VDS..])?,
                reserve_vds: ExtentAd::parse(&b[AVDP_RESERVE_VDS..])?,
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let mut b = desc_buf(512);
        self.main_vds.encode(&mut b[AVDP_MAIN_VDS..]);
        self.reserve_vds.encode(&mut b[AVDP_RESERVE_VDS..]);
        finish_tag(&mut b, TagId::Avdp, p);
        b
    }
}

/// Volume descriptor pointer (ECMA-167 3/10.3): the sequence continues elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vdp {
    pub vds_number: u32,
    pub next: ExtentAd,
}

impl Vdp {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Vdp)?;
        need(b, 28, "VDP")?;
        Ok((
            tag,
            Vdp {
                vds_number: u32_at(b, 16),
                next: ExtentAd::parse(&b[VDP_NEXT..])?,
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let mut b = desc_buf(512);
        put32(&mut b, 16, self.vds_number);
        self.next.encode(&mut b[VDP_NEXT..]);
        finish_tag(&mut b, TagId::Vdp, p);
        b
    }
}

/// Primary volume descriptor (ECMA-167 3/10.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pvd {
    pub vds_number: u32,
    pub pvd_number: u32,
    pub volume_id: String,
    pub volume_seq_number: u16,
    pub max_volume_seq_number: u16,
    pub interchange_level: u16,
    pub max_interchange_level: u16,
    pub charset_list: u32,
    pub max_charset_list: u32,
    pub volume_set_id: String,
    pub descriptor_charset: Charspec,
    pub explanatory_charset: Charspec,
    pub volume_abstract: ExtentAd,
    pub copyright_notice: ExtentAd,
    pub application_id: Regid,
    pub recording_time: Timestamp,
    pub implementation_id: Regid,
    pub implementation_use: [u8; 64],
    pub predecessor_vds_location: u32,
    pub flags: u16,
}

impl Pvd {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Pvd)?;
        need(b, 512, "PVD")?;
        Ok((
            tag,
            Pvd {
                vds_number: u32_at(b, 16),
                pvd_number: u32_at(b, 20),
                volume_id: decode_dstring(&b[24..56])?,
                volume_seq_number: u16_at(b, 56),
                max_volume_seq_number: u16_at(b, 58),
                interchange_level: u16_at(b, 60),
                max_interchange_level: u16_at(b, 62),
                charset_list: u32_at(b, 64),
                max_charset_list: u32_at(b, 68),
                volume_set_id: decode_dstring(&b[72..200])?,
                descriptor_charset: Charspec::parse(&b[200..])?,
                explanatory_charset: Charspec::parse(&b[264..])?,
                volume_abstract: ExtentAd::parse(&b[328..])?,
                copyright_notice: ExtentAd::parse(&b[336..])?,
                application_id: Regid::parse(&b[344..])?,
                recording_time: Timestamp::parse(&b[376..])?,
                implementation_id: Regid::parse(&b[388..])?,
                implementation_use: arr(b, 420),
                predecessor_vds_location: u32_at(b, 484),
                flags: u16_at(b, 488),
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> LResult<Vec<u8>> {
        let mut b = desc_buf(512);
        put32(&mut b, 16, self.vds_number);
        put32(&mut b, 20, self.pvd_number);
        b[24..56].copy_from_slice(&encode_dstring(&self.volume_id, 32)?);
        put16(&mut b, 56, self.volume_seq_number);
        put16(&mut b, 58, self.max_volume_seq_number);
        put16(&mut b, 60, self.interchange_level);
        put16(&mut b, 62, self.max_interchange_level);
        put32(&mut b, 64, self.charset_list);
        put32(&mut b, 68, self.max_charset_list);
        b[72..200].copy_from_slice(&encode_dstring(&self.volume_set_id, 128)?);
        self.descriptor_charset.encode(&mut b[200..264]);
        self.explanatory_charset.encode(&mut b[264..328]);
        self.volume_abstract.encode(&mut b[328..336]);
        self.copyright_notice.encode(&mut b[336..344]);
        self.application_id.encode(&mut b[344..376]);
        self.recording_time.encode(&mut b[376..388]);
        self.implementation_id.encode(&mut b[388..420]);
        b[420..484].copy_from_slice(&self.implementation_use);
        put32(&mut b, 484, self.predecessor_vds_location);
        put16(&mut b, 488, self.flags);
        finish_tag(&mut b, TagId::Pvd, p);
        Ok(b)
    }
}

/// Partition access types (ECMA-167 3/10.5.7).
pub mod access_type {
    pub const UNSPECIFIED: u32 = 0;
    pub const READ_ONLY: u32 = 1;
    pub const WRITE_ONCE: u32 = 2;
    pub const REWRITABLE: u32 = 3;
    pub const OVERWRITABLE: u32 = 4;
}

/// Partition descriptor (ECMA-167 3/10.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pd {
    pub vds_number: u32,
    /// Bit 0: space is allocated.
    pub flags: u16,
    pub partition_number: u16,
    /// "+NSR02" or "+NSR03".
    pub contents: Regid,
    /// The partition header descriptor (ECMA-167 4/14.3): space tables and bitmaps.
    pub contents_use: [u8; 128],
    pub access_type: u32,
    /// First sector of the partition on the medium.
    pub start: u32,
    /// Length in sectors.
    pub length: u32,
    pub implementation_id: Regid,
    pub implementation_use: [u8; 128],
}

impl Pd {
    /// Partition 0 of a one-partition volume, its space allocated and
    /// its header empty: the only partition anything here records.
    pub fn partition_0(
        vds_number: u32,
        contents: &str,
        access_type: u32,
        (start, length): (u32, u32),
        implementation_id: Regid,
    ) -> Pd {
        Pd {
            vds_number,
            flags: 1,
            partition_number: 0,
            contents: Regid::new(contents, [0; 8]),
            contents_use: [0; 128],
            access_type,
            start,
            length,
            implementation_id,
            implementation_use: [0; 128],
        }
    }

    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Pd)?;
        need(b, 356, "PD")?;
        Ok((
            tag,
            Pd {
                vds_number: u32_at(b, 16),
                flags: u16_at(b, 20),
                partition_number: u16_at(b, 22),
                contents: Regid::parse(&b[24..])?,
                contents_use: arr(b, 56),
                access_type: u32_at(b, 184),
                start: u32_at(b, PD_START),
                length: u32_at(b, PD_LENGTH),
                implementation_id: Regid::parse(&b[196..])?,
                implementation_use: arr(b, 228),
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let mut b = desc_buf(512);
        put32(&mut b, 16, self.vds_number);
        put16(&mut b, 20, self.flags);
        put16(&mut b, 22, self.partition_number);
        self.contents.encode(&mut b[24..56]);
        b[56..184].copy_from_slice(&self.contents_use);
        put32(&mut b, 184, self.access_type);
        put32(&mut b, PD_START, self.start);
        put32(&mut b, PD_LENGTH, self.length);
        self.implementation_id.encode(&mut b[196..228]);
        b[228..356].copy_from_slice(&self.implementation_use);
        finish_tag(&mut b, TagId::Pd, p);
        b
    }

    /// The unallocated space bitmap of the partition header descriptor
    /// (first short_ad of the contents use), when recorded.
    pub fn unallocated_space_bitmap(&self) -> Option<ShortAd> {
        let ad = ShortAd::parse(&self.contents_use[8..16]).ok()?;
        (ad.length > 0).then_some(ad)
    }

    /// Sets the unallocated space bitmap short_ad of the partition header.
    pub fn set_unallocated_space_bitmap(&mut self, ad: ShortAd) {
        ad.encode(&mut self.contents_use[8..16]);
    }
}

/// A partition map of the LVD (ECMA-167 3/10.7, UDF 2.2.8–2.2.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionMap {
    /// Type 1: a partition by its number.
    Physical {
        volume_seq_number: u16,
        partition_number: u16,
    },
    /// Type 2 "*UDF Virtual Partition": blocks mapped through the VAT.
    Virtual {
        ident: Regid,
        volume_seq_number: u16,
        partition_number: u16,
    },
    /// Type 2 "*UDF Sparable Partition".
    Sparable {
        ident: Regid,
        volume_seq_number: u16,
        partition_number: u16,
        packet_length: u16,
        sparing_table_size: u32,
        sparing_tables: Vec<u32>,
    },
    /// Type 2 "*UDF Metadata Partition" (UDF 2.50+): blocks mapped through
    /// the metadata file, whose mirror is the fallback.
    Metadata {
        ident: Regid,
        volume_seq_number: u16,
        partition_number: u16,
        metadata_file: u32,
        mirror_file: u32,
        bitmap_file: u32,
        allocation_unit: u32,
        alignment_unit: u16,
        /// Bit 0: the metadata is duplicated (the mirror is a copy).
        flags: u8,
    },
    /// A type 2 map of a kind we do not read, or another map type.
    Other { map_type: u8, raw: Vec<u8> },
}

impl PartitionMap {
    /// The partition number the map refers to, if it refers to one.
    pub fn partition_number(&self) -> Option<u16> {
        match self {
            PartitionMap::Physical {
                partition_number, ..
            }
            | PartitionMap::Virtual {
                partition_number, ..
            }
            | PartitionMap::Sparable {
                partition_number, ..
            }
            | PartitionMap::Metadata {
                partition_number, ..
            } => Some(*partition_number),
            PartitionMap::Other { .. } => None,
        }
    }

    /// Parses one map at the start of `b`; returns it and its length.
    pub fn parse(b: &[u8]) -> LResult<(PartitionMap, usize)> {
        need(b, 2, "partition map")?;
        let (map_type, len) = (b[0], b[1] as usize);
        if len < 2 {
            return Err(LayoutError::Field {
                what: "partition map length",
                value: len as u64,
            });
        }
        need(b, len, "partition map")?;
        let m = &b[..len];
        let map = match (map_type, len) {
            (1, 6) => PartitionMap::Physical {
                volume_seq_number: u16_at(m, 2),
                partition_number: u16_at(m, 4),
            },
            (2, 64) => {
                let ident = Regid::parse(&m[4..])?;
                let volume_seq_number = u16_at(m, 36);
                let partition_number = u16_at(m, 38);
                if ident.is(VIRTUAL_PARTITION) {
                    PartitionMap::Virtual {
                        ident,
                        volume_seq_number,
                        partition_number,
                    }
                } else if ident.is(METADATA_PARTITION) {
                    PartitionMap::Metadata {
                        ident,
                        volume_seq_number,
                        partition_number,
                        metadata_file: u32_at(m, 40),
                        mirror_file: u32_at(m, 44),
                        bitmap_file: u32_at(m, 48),
                        allocation_unit: u32_at(m, 52),
                        alignment_unit: u16_at(m, 56),
                        flags: m[58],
                    }
                } else if ident.is(SPARABLE_PARTITION) {
                    let count = (m[42] as usize).min(4);
                    PartitionMap::Sparable {
                        ident,
                        volume_seq_number,
                        partition_number,
                        packet_length: u16_at(m, 40),
                        sparing_table_size: u32_at(m, 44),
                        sparing_tables: (0..count).map(|i| u32_at(m, 48 + 4 * i)).collect(),
                    }
                } else {
                    PartitionMap::Other {
                        map_type,
                        raw: m.to_vec(),
                    }
                }
            }
            _ => PartitionMap::Other {
                map_type,
                raw: m.to_vec(),
            },
        };
        Ok((map, len))
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            PartitionMap::Physical {
                volume_seq_number,
                partition_number,
            } => {
                let mut m = vec![1u8, 6, 0, 0, 0, 0];
                put16(&mut m, 2, *volume_seq_number);
                put16(&mut m, 4, *partition_number);
                m
            }
            PartitionMap::Virtual {
                ident,
                volume_seq_number,
                partition_number,
            } => type2(ident, *volume_seq_number, *partition_number),
            PartitionMap::Sparable {
                ident,
                volume_seq_number,
                partition_number,
                packet_length,
                sparing_table_size,
                sparing_tables,
            } => {
                let mut m = type2(ident, *volume_seq_number, *partition_number);
                put16(&mut m, 40, *packet_length);
                m[42] = sparing_tables.len().min(4) as u8;
                put32(&mut m, 44, *sparing_table_size);
                for (i, t) in sparing_tables.iter().take(4).enumerate() {
                    put32(&mut m, 48 + 4 * i, *t);
                }
                m
            }
            PartitionMap::Metadata {
                ident,
                volume_seq_number,
                partition_number,
                metadata_file,
                mirror_file,
                bitmap_file,
                allocation_unit,
                alignment_unit,
                flags,
            } => {
                let mut m = type2(ident, *volume_seq_number, *partition_number);
                put32(&mut m, 40, *metadata_file);
                put32(&mut m, 44, *mirror_file);
                put32(&mut m, 48, *bitmap_file);
                put32(&mut m, 52, *allocation_unit);
                put16(&mut m, 56, *alignment_unit);
                m[58] = *flags;
                m
            }
            PartitionMap::Other { raw, .. } => raw.clone(),
        }
    }
}

fn type2(ident: &Regid, vsn: u16, pn: u16) -> Vec<u8> {
    let mut m = vec![0u8; 64];
    m[0] = 2;
    m[1] = 64;
    ident.encode(&mut m[4..36]);
    put16(&mut m, 36, vsn);
    put16(&mut m, 38, pn);
    m
}

/// Most partition maps an LVD may declare before it is taken as hostile.
pub const MAX_PARTITION_MAPS: usize = 64;

/// Logical volume descriptor (ECMA-167 3/10.6, UDF 2.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lvd {
    pub vds_number: u32,
    pub descriptor_charset: Charspec,
    pub volume_id: String,
    pub block_size: u32,
    /// "*OSTA UDF Compliant" with the UDF revision in its suffix.
    pub domain_id: Regid,
    /// UDF: the long_ad of the file set descriptor.
    pub fsd: LongAd,
    pub implementation_id: Regid,
    pub implementation_use: [u8; 128],
    pub integrity_sequence: ExtentAd,
    pub maps: Vec<PartitionMap>,
}

impl Lvd {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Lvd)?;
        need(b, 440, "LVD")?;
        let table_len = u32_at(b, 264) as usize;
        let count = u32_at(b, 268) as usize;
        if count > MAX_PARTITION_MAPS {
            return Err(LayoutError::Field {
                what: "LVD number of partition maps",
                value: count as u64,
            });
        }
        need(b, 440 + table_len, "LVD partition map table")?;
        let table = &b[440..440 + table_len];
        let mut maps = Vec::with_capacity(count);
        let mut off = 0;
        for _ in 0..count {
            let (map, len) = PartitionMap::parse(&table[off.min(table.len())..])?;
            maps.push(map);
            off += len;
        }
        Ok((
            tag,
            Lvd {
                vds_number: u32_at(b, 16),
                descriptor_charset: Charspec::parse(&b[20..])?,
                volume_id: decode_dstring(&b[84..212])?,
                block_size: u32_at(b, 212),
                domain_id: Regid::parse(&b[216..])?,
                fsd: LongAd::parse(&b[248..])?,
                implementation_id: Regid::parse(&b[272..])?,
                implementation_use: arr(b, 304),
                integrity_sequence: ExtentAd::parse(&b[432..])?,
                maps,
            },
        ))
    }

    pub fn encode(&self, p: TagParams) -> LResult<Vec<u8>> {
        let table: Vec<u8> = self.maps.iter().flat_map(|m| m.encode()).collect();
        let mut b = desc_buf((440 + table.len()).max(512));
        put32(&mut b, 16, self.vds_number);
        self.descriptor_charset.encode(&mut b[20..84]);
        b[84..212].copy_from_slice(&encode_dstring(&self.volume_id, 128)?);
        put32(&mut b, 212, self.block_size);
        self.domain_id.encode(&mut b[216..248]);
        self.fsd.encode(&mut b[248..264]);
        put32(&mut b, 264, table.len() as u32);
        put32(&mut b, 268, self.maps.len() as u32);
        self.implementation_id.encode(&mut b[272..304]);
        b[304..432].copy_from_slice(&self.implementation_use);
        self.integrity_sequence.encode(&mut b[432..440]);
        b[440..440 + table.len()].copy_from_slice(&table);
        // The CRC covers the descriptor proper, not the zero padding to 512.
        let len = 440 + table.len();
        let crc_length = (len - TAG_LEN) as u16;
        Tag {
            id: TagId::Lvd,
            version: p.version,
            serial: p.serial,
            crc_length,
            location: p.location,
        }
        .write(&mut b);
        Ok(b)
    }
}

/// Most extents a USD may list before it is taken as hostile (a full
/// sector holds 253).
pub const MAX_USD_EXTENTS: usize = 253;

/// Unallocated space descriptor (ECMA-167 3/10.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usd {
    pub vds_number: u32,
    pub extents: Vec<ExtentAd>,
}

impl Usd {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Usd)?;
        need(b, 24, "USD")?;
        let n = u32_at(b, 20) as usize;
        if n > MAX_USD_EXTENTS {
            return Err(LayoutError::Field {
                what: "USD number of allocation descriptors",
                value: n as u64,
            });
        }
        need(b, 24 + 8 * n, "USD allocation descriptors")?;
        let extents = (0..n)
            .map(|i| ExtentAd::parse(&b[24 + 8 * i..]))
            .collect::<LResult<_>>()?;
        Ok((
            tag,
            Usd {
                vds_number: u32_at(b, 16),
                extents,
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let n = self.extents.len().min(MAX_USD_EXTENTS);
        let len = 24 + 8 * n;
        let mut b = desc_buf(len.max(512));
        put32(&mut b, 16, self.vds_number);
        put32(&mut b, 20, n as u32);
        for (i, e) in self.extents.iter().take(n).enumerate() {
            e.encode(&mut b[24 + 8 * i..32 + 8 * i]);
        }
        Tag {
            id: TagId::Usd,
            version: p.version,
            serial: p.serial,
            crc_length: (len - TAG_LEN) as u16,
            location: p.location,
        }
        .write(&mut b);
        b
    }
}

/// Implementation use volume descriptor (ECMA-167 3/10.4) with UDF's
/// logical volume information (UDF 2.2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iuvd {
    pub vds_number: u32,
    /// "*UDF LV Info" with the UDF revision suffix.
    pub implementation_id: Regid,
    pub lvi_charset: Charspec,
    pub volume_id: String,
    pub info: [String; 3],
    /// The implementation that wrote the volume.
    pub lvi_implementation_id: Regid,
    pub lvi_implementation_use: [u8; 128],
}

impl Iuvd {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Iuvd)?;
        need(b, 512, "IUVD")?;
        Ok((
            tag,
            Iuvd {
                vds_number: u32_at(b, 16),
                implementation_id: Regid::parse(&b[20..])?,
                lvi_charset: Charspec::parse(&b[52..])?,
                volume_id: decode_dstring(&b[116..244])?,
                info: [
                    decode_dstring(&b[244..280])?,
                    decode_dstring(&b[280..316])?,
                    decode_dstring(&b[316..352])?,
                ],
                lvi_implementation_id: Regid::parse(&b[352..])?,
                lvi_implementation_use: arr(b, 384),
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> LResult<Vec<u8>> {
        let mut b = desc_buf(512);
        put32(&mut b, 16, self.vds_number);
        self.implementation_id.encode(&mut b[20..52]);
        self.lvi_charset.encode(&mut b[52..116]);
        b[116..244].copy_from_slice(&encode_dstring(&self.volume_id, 128)?);
        b[244..280].copy_from_slice(&encode_dstring(&self.info[0], 36)?);
        b[280..316].copy_from_slice(&encode_dstring(&self.info[1], 36)?);
        b[316..352].copy_from_slice(&encode_dstring(&self.info[2], 36)?);
        self.lvi_implementation_id.encode(&mut b[352..384]);
        b[384..512].copy_from_slice(&self.lvi_implementation_use);
        finish_tag(&mut b, TagId::Iuvd, p);
        Ok(b)
    }
}

/// Terminating descriptor (ECMA-167 3/10.9 and 4/14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Td;

impl Td {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        Ok((Tag::parse_expect(b, location, TagId::Td)?, Td))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let mut b = desc_buf(512);
        finish_tag(&mut b, TagId::Td, p);
        b
    }
}

/// Integrity types of the LVID.
pub const LVID_OPEN: u32 = 0;
pub const LVID_CLOSE: u32 = 1;

/// UDF's implementation use area of the LVID (UDF 2.2.6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LvidImplUse {
    pub implementation_id: Regid,
    pub files: u32,
    pub directories: u32,
    pub min_read_revision: u16,
    pub min_write_revision: u16,
    pub max_write_revision: u16,
    pub rest: Vec<u8>,
}

/// Logical volume integrity descriptor (ECMA-167 3/10.10, UDF 2.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lvid {
    pub recording_time: Timestamp,
    pub integrity_type: u32,
    pub next_extent: ExtentAd,
    /// UDF: the next unique id to assign (UDF 3.2.1.1), then reserved.
    pub next_unique_id: u64,
    pub free_space: Vec<u32>,
    pub size: Vec<u32>,
    /// Present when the implementation use area is at least 46 bytes.
    pub impl_use: Option<LvidImplUse>,
}

impl Lvid {
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Lvid)?;
        need(b, 80, "LVID")?;
        let n = u32_at(b, 72) as usize;
        let liu = u32_at(b, 76) as usize;
        if n > MAX_PARTITION_MAPS {
            return Err(LayoutError::Field {
                what: "LVID number of partitions",
                value: n as u64,
            });
        }
        if liu > BLOCK {
            return Err(LayoutError::Field {
                what: "LVID implementation use length",
                value: liu as u64,
            });
        }
        need(b, 80 + 8 * n + liu, "LVID tables")?;
        let free_space = (0..n).map(|i| u32_at(b, 80 + 4 * i)).collect();
        let size = (0..n).map(|i| u32_at(b, 80 + 4 * n + 4 * i)).collect();
        let iu = &b[80 + 8 * n..80 + 8 * n + liu];
        let impl_use = if iu.len() >= 46 {
            Some(LvidImplUse {
                implementation_id: Regid::parse(iu)?,
                files: u32_at(iu, 32),
                directories: u32_at(iu, 36),
                min_read_revision: u16_at(iu, 40),
                min_write_revision: u16_at(iu, 42),
                max_write_revision: u16_at(iu, 44),
                rest: iu[46..].to_vec(),
            })
        } else {
            None
        };
        Ok((
            tag,
            Lvid {
                recording_time: Timestamp::parse(&b[16..])?,
                integrity_type: u32_at(b, 28),
                next_extent: ExtentAd::parse(&b[32..])?,
                next_unique_id: u64_at(b, 40),
                free_space,
                size,
                impl_use,
            },
        ))
    }

    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let n = self.free_space.len().max(self.size.len());
        let iu: Vec<u8> = match &self.impl_use {
            Some(u) => {
                let mut v = vec![0u8; 46 + u.rest.len()];
                u.implementation_id.encode(&mut v[..32]);
                put32(&mut v, 32, u.files);
                put32(&mut v, 36, u.directories);
                put16(&mut v, 40, u.min_read_revision);
                put16(&mut v, 42, u.min_write_revision);
                put16(&mut v, 44, u.max_write_revision);
                v[46..].copy_from_slice(&u.rest);
                v
            }
            None => Vec::new(),
        };
        let len = 80 + 8 * n + iu.len();
        let mut b = desc_buf(len.max(512));
        self.recording_time.encode(&mut b[16..28]);
        put32(&mut b, 28, self.integrity_type);
        self.next_extent.encode(&mut b[32..40]);
        put64(&mut b, 40, self.next_unique_id);
        put32(&mut b, 72, n as u32);
        put32(&mut b, 76, iu.len() as u32);
        for i in 0..n {
            put32(&mut b, 80 + 4 * i, *self.free_space.get(i).unwrap_or(&0));
            put32(&mut b, 80 + 4 * n + 4 * i, *self.size.get(i).unwrap_or(&0));
        }
        b[80 + 8 * n..len].copy_from_slice(&iu);
        Tag {
            id: TagId::Lvid,
            version: p.version,
            serial: p.serial,
            crc_length: (len - TAG_LEN) as u16,
            location: p.location,
        }
        .write(&mut b);
        b
    }
}

// ---------------------------------------------------------------- file structure

/// File set descriptor (ECMA-167 4/14.1, UDF 2.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fsd {
    pub recording_time: Timestamp,
    pub interchange_level: u16,
    pub max_interchange_level: u16,
    pub charset_list: u32,
    pub max_charset_list: u32,
    pub file_set_number: u32,
    pub file_set_descriptor_number: u32,
    pub volume_id_charset: Charspec,
    pub volume_id: String,
    pub file_set_charset: Charspec,
    pub file_set_id: String,
    pub copyright_file_id: String,
    pub abstract_file_id: String,
    pub root: LongAd,
    pub domain_id: Regid,
    pub next_extent: LongAd,
    /// UDF 2.00+: the system stream directory, zero when none.
    pub stream_directory: LongAd,
}

impl Fsd {
    /// The one file set of a volume, as UDF fixes it (interchange level 3,
    /// CS0 names, no copyright or abstract file, no further extent).
    pub fn only(
        recording_time: Timestamp,
        (volume_id, file_set_id): (String, String),
        root: LongAd,
        domain_id: Regid,
    ) -> Fsd {
        Fsd {
            recording_time,
            interchange_level: 3,
            max_interchange_level: 3,
            charset_list: 1,
            max_charset_list: 1,
            file_set_number: 0,
            file_set_descriptor_number: 0,
            volume_id_charset: Charspec::cs0(),
            volume_id,
            file_set_charset: Charspec::cs0(),
            file_set_id,
            copyright_file_id: String::new(),
            abstract_file_id: String::new(),
            root,
            domain_id,
            next_extent: LongAd::new(0, LbAddr::default()),
            stream_directory: LongAd::new(0, LbAddr::default()),
        }
    }

    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Fsd)?;
        need(b, 512, "FSD")?;
        Ok((
            tag,
            Fsd {
                recording_time: Timestamp::parse(&b[16..])?,
                interchange_level: u16_at(b, 28),
                max_interchange_level: u16_at(b, 30),
                charset_list: u32_at(b, 32),
                max_charset_list: u32_at(b, 36),
                file_set_number: u32_at(b, 40),
                file_set_descriptor_number: u32_at(b, 44),
                volume_id_charset: Charspec::parse(&b[48..])?,
                volume_id: decode_dstring(&b[112..240])?,
                file_set_charset: Charspec::parse(&b[240..])?,
                file_set_id: decode_dstring(&b[304..336])?,
                copyright_file_id: decode_dstring(&b[336..368])?,
                abstract_file_id: decode_dstring(&b[368..400])?,
                root: LongAd::parse(&b[400..])?,
                domain_id: Regid::parse(&b[416..])?,
                next_extent: LongAd::parse(&b[448..])?,
                stream_directory: LongAd::parse(&b[464..])?,
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> LResult<Vec<u8>> {
        let mut b = desc_buf(512);
        self.recording_time.encode(&mut b[16..28]);
        put16(&mut b, 28, self.interchange_level);
        put16(&mut b, 30, self.max_interchange_level);
        put32(&mut b, 32, self.charset_list);
        put32(&mut b, 36, self.max_charset_list);
        put32(&mut b, 40, self.file_set_number);
        put32(&mut b, 44, self.file_set_descriptor_number);
        self.volume_id_charset.encode(&mut b[48..112]);
        b[112..240].copy_from_slice(&encode_dstring(&self.volume_id, 128)?);
        self.file_set_charset.encode(&mut b[240..304]);
        b[304..336].copy_from_slice(&encode_dstring(&self.file_set_id, 32)?);
        b[336..368].copy_from_slice(&encode_dstring(&self.copyright_file_id, 32)?);
        b[368..400].copy_from_slice(&encode_dstring(&self.abstract_file_id, 32)?);
        self.root.encode(&mut b[400..416]);
        self.domain_id.encode(&mut b[416..448]);
        self.next_extent.encode(&mut b[448..464]);
        self.stream_directory.encode(&mut b[464..480]);
        finish_tag(&mut b, TagId::Fsd, p);
        Ok(b)
    }
}

/// File characteristics bits of a FID (ECMA-167 4/14.4.3).
pub mod fid_flags {
    /// "Existence": the entry is hidden from the user.
    pub const HIDDEN: u8 = 1 << 0;
    pub const DIRECTORY: u8 = 1 << 1;
    pub const DELETED: u8 = 1 << 2;
    /// The entry names the parent directory.
    pub const PARENT: u8 = 1 << 3;
    /// UDF 2.00+: a stream directory's metadata entry.
    pub const METADATA: u8 = 1 << 4;
}

/// Fixed part of a FID before the implementation use and the name.
pub const FID_FIXED: usize = 38;

/// File identifier descriptor (ECMA-167 4/14.4): one directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fid {
    pub version_number: u16,
    pub characteristics: u8,
    pub icb: LongAd,
    pub implementation_use: Vec<u8>,
    /// The name as recorded (d-characters, compression id first); empty
    /// for the parent entry.
    pub raw_name: Vec<u8>,
}

/// Appends a FID with these fields to `out`: what [`Fid::encode_into`]
/// writes, for an encoder that holds the name elsewhere.
pub fn encode_fid(
    out: &mut Vec<u8>,
    version_number: u16,
    characteristics: u8,
    icb: &LongAd,
    implementation_use: &[u8],
    raw_name: &[u8],
    p: TagParams,
) {
    let iu = implementation_use.len();
    let nl = raw_name.len().min(255);
    let at = out.len();
    out.resize(at + Fid::padded_len(iu, nl), 0);
    let b = &mut out[at..];
    put16(b, 16, version_number);
    b[18] = characteristics;
    b[19] = nl as u8;
    icb.encode(&mut b[20..36]);
    put16(b, 36, iu as u16);
    b[FID_FIXED..FID_FIXED + iu].copy_from_slice(implementation_use);
    b[FID_FIXED + iu..FID_FIXED + iu + nl].copy_from_slice(&raw_name[..nl]);
    finish_tag(b, TagId::Fid, p);
}

/// The identifiers of a directory's bytes in order, each with its offset.
/// They end at a tag of zeros (the padding some writers leave at the end
/// of a directory's last block) and after the first that does not parse.
pub fn fids(data: &[u8]) -> Fids<'_> {
    Fids { data, at: 0 }
}

pub struct Fids<'a> {
    data: &'a [u8],
    at: usize,
}

impl Iterator for Fids<'_> {
    type Item = (usize, LResult<Fid>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.at..).filter(|r| !r.is_empty())?;
        if rest.iter().take(TAG_LEN).all(|&b| b == 0) {
            self.at = self.data.len();
            return None;
        }
        let at = self.at;
        match Fid::parse(rest, None) {
            Ok((_, fid, len)) => {
                self.at += len.max(4);
                Some((at, Ok(fid)))
            }
            Err(e) => {
                self.at = self.data.len();
                Some((at, Err(e)))
            }
        }
    }
}

impl Fid {
    /// Bytes a FID with these lengths takes, padded to a multiple of 4.
    pub fn padded_len(impl_use_len: usize, name_len: usize) -> usize {
        (FID_FIXED + impl_use_len + name_len + 3) & !3
    }

    /// The decoded name.
    pub fn name(&self) -> LResult<String> {
        decode_d_chars(&self.raw_name)
    }

    /// The decoded name, borrowed where it can be ([`d_chars`]).
    pub fn name_ref(&self) -> LResult<Cow<'_, str>> {
        d_chars(&self.raw_name)
    }

    pub fn is_parent(&self) -> bool {
        self.characteristics & fid_flags::PARENT != 0
    }
    pub fn is_directory(&self) -> bool {
        self.characteristics & fid_flags::DIRECTORY != 0
    }
    pub fn is_deleted(&self) -> bool {
        self.characteristics & fid_flags::DELETED != 0
    }
    pub fn is_hidden(&self) -> bool {
        self.characteristics & fid_flags::HIDDEN != 0
    }

    /// Parses the FID at the start of `b` (a directory's bytes from some
    /// offset on); returns it and its padded length. The tag location is
    /// the block the FID starts in. The padding itself may be missing at
    /// the very end of a directory.
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Fid, usize)> {
        need(b, FID_FIXED, "FID")?;
        // Lengths first, so the CRC range is checked against a known size.
        let name_len = b[19] as usize;
        let iu_len = u16_at(b, 36) as usize;
        let used = FID_FIXED + iu_len + name_len;
        need(b, used, "FID name")?;
        let tag = Tag::parse_expect(&b[..used.max(TAG_LEN)], location, TagId::Fid).or_else(
            |e| match e {
                // Some writers include the padding in the CRC length.
                LayoutError::Short { .. } => Tag::parse_expect(
                    &b[..Fid::padded_len(iu_len, name_len).min(b.len())],
                    location,
                    TagId::Fid,
                ),
                other => Err(other),
            },
        )?;
        let fid = Fid {
            version_number: u16_at(b, 16),
            characteristics: b[18],
            icb: LongAd::parse(&b[20..])?,
            implementation_use: b[FID_FIXED..FID_FIXED + iu_len].to_vec(),
            raw_name: b[FID_FIXED + iu_len..used].to_vec(),
        };
        Ok((tag, fid, Fid::padded_len(iu_len, name_len).min(b.len())))
    }

    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let mut b = Vec::new();
        self.encode_into(&mut b, p);
        b
    }

    /// Appends the encoded FID to `out` (a directory's stream, written
    /// identifier by identifier without one buffer each).
    pub fn encode_into(&self, out: &mut Vec<u8>, p: TagParams) {
        encode_fid(
            out,
            self.version_number,
            self.characteristics,
            &self.icb,
            &self.implementation_use,
            &self.raw_name,
            p,
        );
    }
}

/// Permission bits of ECMA-167 4/14.9.5: for each of other (bits 0–4),
/// group (5–9) and owner (10–14): execute, write, read, change
/// attributes, delete.
pub mod permissions {
    pub const OTHER_EXEC: u32 = 1 << 0;
    pub const OTHER_WRITE: u32 = 1 << 1;
    pub const OTHER_READ: u32 = 1 << 2;
    pub const OTHER_CHATTR: u32 = 1 << 3;
    pub const OTHER_DELETE: u32 = 1 << 4;
    pub const GROUP_SHIFT: u32 = 5;
    pub const OWNER_SHIFT: u32 = 10;
}

/// POSIX permission bits (0o777 plus setuid/setgid/sticky from the ICB
/// flags) from ECMA-167 permissions.
pub fn posix_mode(perms: u32, icb_flags_value: u16) -> u32 {
    let mut mode = 0;
    for (shift, posix_shift) in [(0u32, 0u32), (5, 3), (10, 6)] {
        let p = perms >> shift;
        if p & permissions::OTHER_READ != 0 {
            mode |= 4 << posix_shift;
        }
        if p & permissions::OTHER_WRITE != 0 {
            mode |= 2 << posix_shift;
        }
        if p & permissions::OTHER_EXEC != 0 {
            mode |= 1 << posix_shift;
        }
    }
    if icb_flags_value & icb_flags::SETUID != 0 {
        mode |= 0o4000;
    }
    if icb_flags_value & icb_flags::SETGID != 0 {
        mode |= 0o2000;
    }
    if icb_flags_value & icb_flags::STICKY != 0 {
        mode |= 0o1000;
    }
    mode
}

/// ECMA-167 permissions from POSIX mode bits (as Linux does: write also
/// grants change-attributes and delete). Set-id and sticky bits belong in
/// the ICB flags, see [`icb_flags_from_mode`].
pub fn ecma_permissions(mode: u32) -> u32 {
    let mut perms = 0;
    for (shift, posix_shift) in [(0u32, 0u32), (5, 3), (10, 6)] {
        let m = (mode >> posix_shift) & 7;
        let mut p = 0;
        if m & 4 != 0 {
            p |= permissions::OTHER_READ;
        }
        if m & 2 != 0 {
            p |= permissions::OTHER_WRITE | permissions::OTHER_CHATTR | permissions::OTHER_DELETE;
        }
        if m & 1 != 0 {
            p |= permissions::OTHER_EXEC;
        }
        perms |= p << shift;
    }
    perms
}

/// ICB flag bits for setuid/setgid/sticky in `mode`.
pub fn icb_flags_from_mode(mode: u32) -> u16 {
    let mut f = 0;
    if mode & 0o4000 != 0 {
        f |= icb_flags::SETUID;
    }
    if mode & 0o2000 != 0 {
        f |= icb_flags::SETGID;
    }
    if mode & 0o1000 != 0 {
        f |= icb_flags::STICKY;
    }
    f
}

/// Fixed size of a file entry before its extended attributes.
pub const FE_FIXED: usize = 176;
/// Fixed size of an extended file entry before its extended attributes.
pub const EFE_FIXED: usize = 216;

/// A file entry (ECMA-167 4/14.9) or extended file entry (4/14.17), one
/// struct because the reader treats them alike; `extended` picks the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub extended: bool,
    pub icb_tag: IcbTag,
    pub uid: u32,
    pub gid: u32,
    pub permissions: u32,
    pub link_count: u16,
    pub record_format: u8,
    pub record_display_attributes: u8,
    pub record_length: u32,
    pub information_length: u64,
    /// EFE only (information length plus streams); equals
    /// `information_length` for an FE.
    pub object_size: u64,
    pub logical_blocks_recorded: u64,
    pub access_time: Timestamp,
    pub modification_time: Timestamp,
    /// EFE only.
    pub creation_time: Timestamp,
    pub attribute_time: Timestamp,
    pub checkpoint: u32,
    pub ea_icb: LongAd,
    /// EFE only.
    pub stream_directory_icb: LongAd,
    pub implementation_id: Regid,
    pub unique_id: u64,
    pub extended_attributes: Vec<u8>,
    /// The allocation descriptors, or the file's bytes when the ICB tag
    /// says embedded.
    pub allocation_descriptors: Vec<u8>,
}

impl FileEntry {
    /// A file entry with everything zero but the ICB tag and the form.
    pub fn new(extended: bool, icb_tag: IcbTag) -> Self {
        let zero_ad = LongAd::new(0, LbAddr::default());
        FileEntry {
            extended,
            icb_tag,
            uid: u32::MAX,
            gid: u32::MAX,
            permissions: 0,
            link_count: 1,
            record_format: 0,
            record_display_attributes: 0,
            record_length: 0,
            information_length: 0,
            object_size: 0,
            logical_blocks_recorded: 0,
            access_time: Timestamp::default(),
            modification_time: Timestamp::default(),
            creation_time: Timestamp::default(),
            attribute_time: Timestamp::default(),
            checkpoint: 1,
            ea_icb: zero_ad,
            stream_directory_icb: zero_ad,
            implementation_id: Regid::default(),
            unique_id: 0,
            extended_attributes: Vec::new(),
            allocation_descriptors: Vec::new(),
        }
    }

    /// Parses an FE or EFE; any other tag is [`LayoutError::WrongTag`].
    /// The EA and AD lengths must fit inside `b` (one logical block).
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse(b, location)?;
        let extended = match tag.id {
            TagId::Fe => false,
            TagId::Efe => true,
            other => {
                return Err(LayoutError::WrongTag {
                    location: tag.location,
                    expected: TagId::Fe,
                    found: other,
                })
            }
        };
        let fixed = if extended { EFE_FIXED } else { FE_FIXED };
        need(b, fixed, if extended { "EFE" } else { "FE" })?;
        let (l_ea_off, l_ad_off) = (fixed - 8, fixed - 4);
        let l_ea = u32_at(b, l_ea_off) as usize;
        let l_ad = u32_at(b, l_ad_off) as usize;
        if l_ea > b.len() || l_ad > b.len() || fixed + l_ea + l_ad > b.len() {
            return Err(LayoutError::Field {
                what: "file entry EA + allocation descriptor length",
                value: (l_ea as u64) + (l_ad as u64),
            });
        }
        let ea = b[fixed..fixed + l_ea].to_vec();
        let ad = b[fixed + l_ea..fixed + l_ea + l_ad].to_vec();
        let mut fe = FileEntry::new(extended, IcbTag::parse(&b[16..])?);
        fe.uid = u32_at(b, 36);
        fe.gid = u32_at(b, 40);
        fe.permissions = u32_at(b, 44);
        fe.link_count = u16_at(b, 48);
        fe.record_format = b[50];
        fe.record_display_attributes = b[51];
        fe.record_length = u32_at(b, 52);
        fe.information_length = u64_at(b, 56);
        if extended {
            fe.object_size = u64_at(b, 64);
            fe.logical_blocks_recorded = u64_at(b, 72);
            fe.access_time = Timestamp::parse(&b[80..])?;
            fe.modification_time = Timestamp::parse(&b[92..])?;
            fe.creation_time = Timestamp::parse(&b[104..])?;
            fe.attribute_time = Timestamp::parse(&b[116..])?;
            fe.checkpoint = u32_at(b, 128);
            fe.ea_icb = LongAd::parse(&b[136..])?;
            fe.stream_directory_icb = LongAd::parse(&b[152..])?;
            fe.implementation_id = Regid::parse(&b[168..])?;
            fe.unique_id = u64_at(b, 200);
        } else {
            fe.object_size = fe.information_length;
            fe.logical_blocks_recorded = u64_at(b, 64);
            fe.access_time = Timestamp::parse(&b[72..])?;
            fe.modification_time = Timestamp::parse(&b[84..])?;
            fe.attribute_time = Timestamp::parse(&b[96..])?;
            fe.creation_time = fe.attribute_time;
            fe.checkpoint = u32_at(b, 108);
            fe.ea_icb = LongAd::parse(&b[112..])?;
            fe.implementation_id = Regid::parse(&b[128..])?;
            fe.unique_id = u64_at(b, 160);
        }
        fe.extended_attributes = ea;
        fe.allocation_descriptors = ad;
        Ok((tag, fe))
    }

    /// The encoded entry (not padded to a block). The caller keeps it
    /// within one logical block.
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let fixed = if self.extended { EFE_FIXED } else { FE_FIXED };
        let l_ea = self.extended_attributes.len();
        let l_ad = self.allocation_descriptors.len();
        let mut b = vec![0u8; fixed + l_ea + l_ad];
        self.icb_tag.encode(&mut b[16..36]);
        put32(&mut b, 36, self.uid);
        put32(&mut b, 40, self.gid);
        put32(&mut b, 44, self.permissions);
        put16(&mut b, 48, self.link_count);
        b[50] = self.record_format;
        b[51] = self.record_display_attributes;
        put32(&mut b, 52, self.record_length);
        put64(&mut b, 56, self.information_length);
        if self.extended {
            put64(&mut b, 64, self.object_size);
            put64(&mut b, 72, self.logical_blocks_recorded);
            self.access_time.encode(&mut b[80..92]);
            self.modification_time.encode(&mut b[92..104]);
            self.creation_time.encode(&mut b[104..116]);
            self.attribute_time.encode(&mut b[116..128]);
            put32(&mut b, 128, self.checkpoint);
            self.ea_icb.encode(&mut b[136..152]);
            self.stream_directory_icb.encode(&mut b[152..168]);
            self.implementation_id.encode(&mut b[168..200]);
            put64(&mut b, 200, self.unique_id);
        } else {
            put64(&mut b, 64, self.logical_blocks_recorded);
            self.access_time.encode(&mut b[72..84]);
            self.modification_time.encode(&mut b[84..96]);
            self.attribute_time.encode(&mut b[96..108]);
            put32(&mut b, 108, self.checkpoint);
            self.ea_icb.encode(&mut b[112..128]);
            self.implementation_id.encode(&mut b[128..160]);
            put64(&mut b, 160, self.unique_id);
        }
        put32(&mut b, fixed - 8, l_ea as u32);
        put32(&mut b, fixed - 4, l_ad as u32);
        b[fixed..fixed + l_ea].copy_from_slice(&self.extended_attributes);
        b[fixed + l_ea..].copy_from_slice(&self.allocation_descriptors);
        finish_tag(
            &mut b,
            if self.extended { TagId::Efe } else { TagId::Fe },
            p,
        );
        b
    }

    /// Parses the allocation descriptors (not for embedded data).
    pub fn ads(&self, partition: u16) -> LResult<Vec<Ad>> {
        parse_ads(
            &self.allocation_descriptors,
            self.icb_tag.ad_type(),
            partition,
        )
    }
}

/// Allocation extent descriptor (ECMA-167 4/14.5): where the allocation
/// descriptors of a file continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aed {
    pub previous: u32,
    pub allocation_descriptors: Vec<u8>,
}

impl Aed {
    pub const FIXED: usize = 24;
    pub fn parse(b: &[u8], location: Option<u32>) -> LResult<(Tag, Self)> {
        let tag = Tag::parse_expect(b, location, TagId::Aed)?;
        need(b, Aed::FIXED, "AED")?;
        let len = u32_at(b, 20) as usize;
        if len > b.len() - Aed::FIXED {
            return Err(LayoutError::Field {
                what: "AED allocation descriptor length",
                value: len as u64,
            });
        }
        Ok((
            tag,
            Aed {
                previous: u32_at(b, 16),
                allocation_descriptors: b[Aed::FIXED..Aed::FIXED + len].to_vec(),
            },
        ))
    }
    pub fn encode(&self, p: TagParams) -> Vec<u8> {
        let len = self.allocation_descriptors.len();
        let mut b = vec![0u8; Aed::FIXED + len];
        put32(&mut b, 16, self.previous);
        put32(&mut b, 20, len as u32);
        b[Aed::FIXED..].copy_from_slice(&self.allocation_descriptors);
        // UDF 2.3.11: the CRC covers the AED header only when the ADs may
        // change; covering all of it is what Linux writes and accepts.
        finish_tag(&mut b, TagId::Aed, p);
        b
    }
}

// ---------------------------------------------------------------- symlinks

/// Path component types (ECMA-167 4/14.16.1).
pub mod component_type {
    /// Root relative to an agreed place (an identifier may follow).
    pub const ROOT_AGREED: u8 = 1;
    pub const ROOT: u8 = 2;
    pub const PARENT: u8 = 3;
    pub const CURRENT: u8 = 4;
    pub const NAME: u8 = 5;
}

/// Most components a symlink path may have before it is taken as hostile.
pub const MAX_PATH_COMPONENTS: usize = 4096;

/// Decodes a symlink's path components into a POSIX path text, as Linux
/// does: root → "/", parent → "..", current → ".", names joined by "/".
pub fn decode_symlink(b: &[u8]) -> LResult<String> {
    let mut out = String::new();
    let mut off = 0;
    let mut count = 0;
    while off < b.len() {
        need(&b[off..], 4, "path component")?;
        let ty = b[off];
        let len = b[off + 1] as usize;
        need(&b[off..], 4 + len, "path component identifier")?;
        let ident = &b[off + 4..off + 4 + len];
        count += 1;
        if count > MAX_PATH_COMPONENTS {
            return Err(LayoutError::Field {
                what: "symlink path components",
                value: count as u64,
            });
        }
        let part: Option<String> = match ty {
            component_type::ROOT_AGREED | component_type::ROOT => {
                out.clear();
                out.push('/');
                None
            }
            component_type::PARENT => Some("..".into()),
            component_type::CURRENT => Some(".".into()),
            component_type::NAME => Some(decode_d_chars(ident)?),
            other => {
                return Err(LayoutError::Field {
                    what: "path component type",
                    value: other as u64,
                })
            }
        };
        if let Some(p) = part {
            if !out.is_empty() && !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&p);
        }
        off += 4 + len;
    }
    Ok(out)
}

/// Encodes a POSIX symlink target as path components.
pub fn encode_symlink(target: &str) -> LResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut push = |ty: u8, ident: &[u8]| -> LResult<()> {
        if ident.len() > 255 {
            return Err(LayoutError::NameTooLong {
                len: ident.len(),
                max: 255,
            });
        }
        out.extend_from_slice(&[ty, ident.len() as u8, 0, 0]);
        out.extend_from_slice(ident);
        Ok(())
    };
    if target.starts_with('/') {
        push(component_type::ROOT, &[])?;
    }
    for part in target.split('/').filter(|p| !p.is_empty()) {
        match part {
            "." => push(component_type::CURRENT, &[])?,
            ".." => push(component_type::PARENT, &[])?,
            name => push(component_type::NAME, &encode_d_chars(name))?,
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- VAT

/// The UDF 2.00+ VAT header (UDF 2.2.11), at the start of the VAT file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatHeader {
    pub volume_id: String,
    pub previous_vat: u32,
    pub files: u32,
    pub directories: u32,
    pub min_read_revision: u16,
    pub min_write_revision: u16,
    pub max_write_revision: u16,
    pub implementation_use: Vec<u8>,
}

/// Fixed size of the 2.00+ VAT header before its implementation use.
pub const VAT_HEADER_FIXED: usize = 152;

impl VatHeader {
    /// Parses the header; returns it and its length (where the entries start).
    pub fn parse(b: &[u8]) -> LResult<(Self, usize)> {
        need(b, VAT_HEADER_FIXED, "VAT header")?;
        let header_len = u16_at(b, 0) as usize;
        let iu_len = u16_at(b, 2) as usize;
        if header_len != VAT_HEADER_FIXED + iu_len {
            return Err(LayoutError::Field {
                what: "VAT header length",
                value: header_len as u64,
            });
        }
        need(b, header_len, "VAT header")?;
        Ok((
            VatHeader {
                volume_id: decode_dstring(&b[4..132])?,
                previous_vat: u32_at(b, 132),
                files: u32_at(b, 136),
                directories: u32_at(b, 140),
                min_read_revision: u16_at(b, 144),
                min_write_revision: u16_at(b, 146),
                max_write_revision: u16_at(b, 148),
                implementation_use: b[VAT_HEADER_FIXED..header_len].to_vec(),
            },
            header_len,
        ))
    }

    pub fn encode(&self) -> LResult<Vec<u8>> {
        let len = VAT_HEADER_FIXED + self.implementation_use.len();
        let mut b = vec![0u8; len];
        put16(&mut b, 0, len as u16);
        put16(&mut b, 2, self.implementation_use.len() as u16);
        b[4..132].copy_from_slice(&encode_dstring(&self.volume_id, 128)?);
        put32(&mut b, 132, self.previous_vat);
        put32(&mut b, 136, self.files);
        put32(&mut b, 140, self.directories);
        put16(&mut b, 144, self.min_read_revision);
        put16(&mut b, 146, self.min_write_revision);
        put16(&mut b, 148, self.max_write_revision);
        b[VAT_HEADER_FIXED..].copy_from_slice(&self.implementation_use);
        Ok(b)
    }
}

/// Length of the UDF 1.50 VAT trailer: the regid "*UDF Virtual Alloc Tbl"
/// and the previous VAT ICB location.
pub const VAT_150_TRAILER: usize = 36;

/// Splits a VAT file's bytes into its entries: the 2.00+ form (file type
/// 248, header first) or the 1.50 form (file type 0, regid trailer last).
/// Returns `None` when the bytes are neither.
pub fn vat_entries(file_type: u8, data: &[u8]) -> LResult<Option<Vec<u32>>> {
    let body: &[u8] = if file_type == file_type::VAT {
        let (_, header_len) = VatHeader::parse(data)?;
        &data[header_len..]
    } else {
        if data.len() < VAT_150_TRAILER {
            return Ok(None);
        }
        let trailer = data.len() - VAT_150_TRAILER;
        if !Regid::parse(&data[trailer..])?.is(VAT_150_IDENT) {
            return Ok(None);
        }
        &data[..trailer]
    };
    Ok(Some(body.chunks_exact(4).map(|c| u32_at(c, 0)).collect()))
}

/// The bytes of a UDF 1.50 VAT file: entries then trailer.
pub fn encode_vat_150(entries: &[u32], previous_vat: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(entries.len() * 4 + VAT_150_TRAILER);
    for e in entries {
        b.extend_from_slice(&e.to_le_bytes());
    }
    let mut trailer = [0u8; VAT_150_TRAILER];
    Regid::udf(VAT_150_IDENT, 0x0150).encode(&mut trailer[..32]);
    put32(&mut trailer, 32, previous_vat);
    b.extend_from_slice(&trailer);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ascii_name_is_borrowed_and_every_other_one_decodes_as_before() {
        let borrowed = d_chars(&[8, b'a', b'.', b'b']).unwrap();
        assert!(matches!(borrowed, Cow::Borrowed("a.b")));
        for (raw, name) in [
            (&[8, 0xE9, b'!'][..], "\u{e9}!"),
            (&[254, b'x'][..], "x"),
            (&[16, 0x00, b'a', 0x26, 0x13][..], "a\u{2613}"),
            (&[][..], ""),
        ] {
            assert_eq!(d_chars(raw).unwrap(), name, "{raw:?}");
            assert_eq!(decode_d_chars(raw).unwrap(), name, "{raw:?}");
        }
        assert!(d_chars(&[7, b'a']).is_err());
    }

    fn p(loc: u32) -> TagParams {
        TagParams::new(3, 1, loc)
    }

    #[test]
    fn crc_itu_matches_the_known_check_value() {
        // CRC-16/XMODEM (poly 0x1021, init 0) of "123456789" is 0x31C3.
        assert_eq!(crc_itu(b"123456789"), 0x31C3);
        assert_eq!(crc_itu(&[]), 0);
    }

    #[test]
    fn crc_itu_by_eight_bytes_equals_the_bitwise_definition_at_every_length() {
        let bitwise = |data: &[u8]| {
            data.iter().fold(0u16, |mut crc, &byte| {
                crc ^= (byte as u16) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
                crc
            })
        };
        let data: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(crc_itu(&data[..len]), bitwise(&data[..len]), "{len} bytes");
        }
    }

    #[test]
    fn tag_parse_rejects_a_bad_checksum_crc_and_location() {
        let td = Td.encode(p(20));
        assert!(Td::parse(&td, Some(20)).is_ok());
        let mut bad = td.clone();
        bad[4] ^= 1;
        assert!(matches!(
            Tag::parse(&bad, None),
            Err(LayoutError::TagChecksum { .. })
        ));
        let mut bad = td.clone();
        bad[100] = 7;
        assert!(matches!(
            Tag::parse(&bad, None),
            Err(LayoutError::TagCrc { .. })
        ));
        assert_eq!(
            Tag::parse(&td, Some(21)),
            Err(LayoutError::TagLocation {
                expected: 21,
                recorded: 20
            })
        );
        assert!(matches!(
            Avdp::parse(&td, Some(20)),
            Err(LayoutError::WrongTag { .. })
        ));
        let e: Error = Tag::parse(&bad, None).unwrap_err().into();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    }

    #[test]
    fn tag_parse_refuses_a_crc_length_beyond_the_buffer() {
        let mut td = Td.encode(p(5));
        put16(&mut td, 10, 2000);
        td[4] = tag_checksum(&td);
        assert!(matches!(
            Tag::parse(&td, None),
            Err(LayoutError::Short { .. })
        ));
    }

    #[test]
    fn tag_parse_of_short_or_garbage_input_is_an_error_not_a_panic() {
        for len in 0..40 {
            let b = vec![0xA5u8; len];
            assert!(Tag::parse(&b, None).is_err());
            assert!(FileEntry::parse(&b, None).is_err());
            assert!(Fid::parse(&b, None).is_err());
            assert!(Lvd::parse(&b, None).is_err());
        }
    }

    #[test]
    fn cs0_encodes_8_bit_when_possible_and_16_bit_otherwise() {
        assert_eq!(encode_d_chars("abc"), vec![8, b'a', b'b', b'c']);
        assert_eq!(encode_d_chars("é"), vec![8, 0xE9]);
        assert_eq!(encode_d_chars("Ж"), vec![16, 0x04, 0x16]);
        for s in ["plain", "Grüße", "日本語のファイル", "emoji 😀 too", ""] {
            assert_eq!(decode_d_chars(&encode_d_chars(s)).unwrap(), s);
        }
        assert!(decode_d_chars(&[7, 1, 2]).is_err());
    }

    #[test]
    fn dstring_round_trips_and_refuses_what_does_not_fit() {
        let d = encode_dstring("Volume", 32).unwrap();
        assert_eq!(d[31], 7);
        assert_eq!(decode_dstring(&d).unwrap(), "Volume");
        assert_eq!(decode_dstring(&[0u8; 32]).unwrap(), "");
        assert!(encode_dstring(&"x".repeat(40), 32).is_err());
        assert_eq!(
            decode_dstring(&encode_dstring_truncated(&"x".repeat(40), 32)).unwrap(),
            "x".repeat(30)
        );
        let mut bad = [0u8; 8];
        bad[7] = 9;
        assert!(decode_dstring(&bad).is_err());
    }

    #[test]
    fn timestamp_round_trips_through_unix_time_with_a_zone() {
        let t = Timestamp::from_unix(1_700_000_000, 123_456_000, 60);
        assert_eq!(t.kind(), 1);
        assert_eq!(t.timezone(), Some(60));
        assert_eq!(t.to_unix(), Some((1_700_000_000, 123_456_000)));
        let mut b = [0u8; 12];
        t.encode(&mut b);
        assert_eq!(Timestamp::parse(&b).unwrap(), t);
        let west = Timestamp::from_unix(0, 0, -300);
        assert_eq!(west.timezone(), Some(-300));
        assert_eq!(west.year, 1969);
        assert_eq!(west.to_unix(), Some((0, 0)));
        assert_eq!(Timestamp::default().to_unix(), None);
    }

    #[test]
    fn allocation_descriptors_keep_their_extent_type() {
        let ads = vec![
            Ad {
                length: 5000,
                kind: ExtentType::Recorded,
                location: LbAddr {
                    block: 99,
                    partition: 0,
                },
            },
            Ad {
                length: 2048,
                kind: ExtentType::NotAllocated,
                location: LbAddr {
                    block: 0,
                    partition: 0,
                },
            },
            Ad {
                length: MAX_AD_LENGTH & !2047,
                kind: ExtentType::Continuation,
                location: LbAddr {
                    block: 7,
                    partition: 0,
                },
            },
        ];
        for ty in [AdType::Short, AdType::Long] {
            let raw = encode_ads(&ads, ty);
            assert_eq!(parse_ads(&raw, ty, 0).unwrap(), ads);
        }
        // A zero length ends the list.
        let mut raw = encode_ads(&ads, AdType::Short);
        raw.extend_from_slice(&[0u8; 16]);
        assert_eq!(parse_ads(&raw, AdType::Short, 0).unwrap().len(), 3);
        assert!(parse_ads(&raw[..7], AdType::Short, 0).is_err());
    }

    #[test]
    fn volume_descriptors_round_trip() {
        let avdp = Avdp {
            main_vds: ExtentAd {
                length: 16 * 2048,
                location: 32,
            },
            reserve_vds: ExtentAd {
                length: 16 * 2048,
                location: 48,
            },
        };
        assert_eq!(
            Avdp::parse(&avdp.encode(p(256)), Some(256)).unwrap().1,
            avdp
        );

        let vdp = Vdp {
            vds_number: 3,
            next: ExtentAd {
                length: 4096,
                location: 900,
            },
        };
        assert_eq!(Vdp::parse(&vdp.encode(p(40)), Some(40)).unwrap().1, vdp);

        let pvd = Pvd {
            vds_number: 1,
            pvd_number: 0,
            volume_id: "Ünïcode".into(),
            volume_seq_number: 1,
            max_volume_seq_number: 1,
            interchange_level: 2,
            max_interchange_level: 3,
            charset_list: 1,
            max_charset_list: 1,
            volume_set_id: "0123456789abcdefSET".into(),
            descriptor_charset: Charspec::cs0(),
            explanatory_charset: Charspec::cs0(),
            volume_abstract: ExtentAd::default(),
            copyright_notice: ExtentAd::default(),
            application_id: Regid::new("*app", [1; 8]),
            recording_time: Timestamp::from_unix(1_000_000_000, 0, 0),
            implementation_id: Regid::new("*multisession", [0; 8]),
            implementation_use: [3; 64],
            predecessor_vds_location: 0,
            flags: 1,
        };
        let (tag, back) = Pvd::parse(&pvd.encode(p(32)).unwrap(), Some(32)).unwrap();
        assert_eq!(tag.id, TagId::Pvd);
        assert_eq!(back, pvd);

        let mut pd = Pd::partition_0(
            2,
            NSR03,
            access_type::WRITE_ONCE,
            (272, 10_000),
            Regid::new("*multisession", [0; 8]),
        );
        pd.set_unallocated_space_bitmap(ShortAd {
            length: 4096,
            kind: ExtentType::Recorded,
            position: 0,
        });
        let back = Pd::parse(&pd.encode(p(33)), Some(33)).unwrap().1;
        assert_eq!(back, pd);
        assert_eq!(back.unallocated_space_bitmap().unwrap().length, 4096);

        let lvd = Lvd {
            vds_number: 3,
            descriptor_charset: Charspec::cs0(),
            volume_id: "LV".into(),
            block_size: 2048,
            domain_id: Regid::udf(DOMAIN_OSTA, 0x0250),
            fsd: LongAd::new(
                2048,
                LbAddr {
                    block: 0,
                    partition: 1,
                },
            ),
            implementation_id: Regid::new("*multisession", [0; 8]),
            implementation_use: [0; 128],
            integrity_sequence: ExtentAd {
                length: 4096,
                location: 64,
            },
            maps: vec![
                PartitionMap::Physical {
                    volume_seq_number: 1,
                    partition_number: 0,
                },
                PartitionMap::Metadata {
                    ident: Regid::udf(METADATA_PARTITION, 0x0250),
                    volume_seq_number: 1,
                    partition_number: 0,
                    metadata_file: 10,
                    mirror_file: 500,
                    bitmap_file: u32::MAX,
                    allocation_unit: 32,
                    alignment_unit: 16,
                    flags: 0,
                },
                PartitionMap::Virtual {
                    ident: Regid::udf(VIRTUAL_PARTITION, 0x0150),
                    volume_seq_number: 1,
                    partition_number: 0,
                },
            ],
        };
        let back = Lvd::parse(&lvd.encode(p(34)).unwrap(), Some(34)).unwrap().1;
        assert_eq!(back, lvd);
        assert_eq!(back.domain_id.udf_revision(), 0x0250);
        assert!(back.domain_id.is(DOMAIN_OSTA));

        let usd = Usd {
            vds_number: 4,
            extents: vec![ExtentAd {
                length: 2048 * 10,
                location: 5000,
            }],
        };
        assert_eq!(Usd::parse(&usd.encode(p(35)), Some(35)).unwrap().1, usd);

        let iuvd = Iuvd {
            vds_number: 5,
            implementation_id: Regid::udf(LV_INFO, 0x0201),
            lvi_charset: Charspec::cs0(),
            volume_id: "LV".into(),
            info: ["a".into(), "".into(), "c".into()],
            lvi_implementation_id: Regid::new("*multisession", [0; 8]),
            lvi_implementation_use: [0; 128],
        };
        assert_eq!(
            Iuvd::parse(&iuvd.encode(p(36)).unwrap(), Some(36))
                .unwrap()
                .1,
            iuvd
        );

        let lvid = Lvid {
            recording_time: Timestamp::from_unix(1_600_000_000, 0, 0),
            integrity_type: LVID_CLOSE,
            next_extent: ExtentAd::default(),
            next_unique_id: 77,
            free_space: vec![0, 5],
            size: vec![1000, 2000],
            impl_use: Some(LvidImplUse {
                implementation_id: Regid::new("*multisession", [0; 8]),
                files: 12,
                directories: 3,
                min_read_revision: 0x0201,
                min_write_revision: 0x0201,
                max_write_revision: 0x0201,
                rest: vec![],
            }),
        };
        assert_eq!(Lvid::parse(&lvid.encode(p(64)), Some(64)).unwrap().1, lvid);
    }

    #[test]
    fn file_structures_round_trip() {
        let fsd = Fsd::only(
            Timestamp::from_unix(1_650_000_000, 0, 120),
            ("LV".into(), "FS".into()),
            LongAd::new(
                2048,
                LbAddr {
                    block: 2,
                    partition: 0,
                },
            ),
            Regid::udf(DOMAIN_OSTA, 0x0201),
        );
        assert_eq!(
            Fsd::parse(&fsd.encode(p(0)).unwrap(), Some(0)).unwrap().1,
            fsd
        );

        for name in ["", "a", "long name ü", "日本"] {
            let fid = Fid {
                version_number: 1,
                characteristics: fid_flags::DIRECTORY | fid_flags::HIDDEN,
                icb: LongAd::new(
                    2048,
                    LbAddr {
                        block: 9,
                        partition: 0,
                    },
                ),
                implementation_use: vec![],
                raw_name: if name.is_empty() {
                    vec![]
                } else {
                    encode_d_chars(name)
                },
            };
            let raw = fid.encode(p(4));
            assert_eq!(raw.len() % 4, 0);
            let (_, back, len) = Fid::parse(&raw, Some(4)).unwrap();
            assert_eq!(len, raw.len());
            assert_eq!(back, fid);
            assert_eq!(back.name().unwrap(), name);
        }

        for extended in [false, true] {
            let mut fe = FileEntry::new(extended, IcbTag::new(file_type::REGULAR, AdType::Long));
            fe.uid = 1000;
            fe.gid = 100;
            fe.permissions = ecma_permissions(0o754);
            fe.information_length = 5 << 30;
            fe.object_size = 5 << 30;
            fe.logical_blocks_recorded = (5 << 30) / 2048;
            fe.modification_time = Timestamp::from_unix(1_234_567_890, 0, 0);
            fe.access_time = fe.modification_time;
            fe.attribute_time = fe.modification_time;
            fe.creation_time = fe.modification_time;
            fe.unique_id = 42;
            fe.allocation_descriptors = encode_ads(
                &[Ad {
                    length: 1 << 29,
                    kind: ExtentType::Recorded,
                    location: LbAddr {
                        block: 300,
                        partition: 0,
                    },
                }],
                AdType::Long,
            );
            let raw = fe.encode(p(7));
            let (tag, back) = FileEntry::parse(&raw, Some(7)).unwrap();
            assert_eq!(tag.id, if extended { TagId::Efe } else { TagId::Fe });
            assert_eq!(back, fe);
            assert_eq!(posix_mode(back.permissions, back.icb_tag.flags), 0o754);
            assert_eq!(back.ads(0).unwrap()[0].location.block, 300);
        }

        let aed = Aed {
            previous: 7,
            allocation_descriptors: vec![1; 16],
        };
        assert_eq!(Aed::parse(&aed.encode(p(8)), Some(8)).unwrap().1, aed);
    }

    #[test]
    fn file_entry_with_ad_length_past_the_block_is_refused() {
        let mut fe = FileEntry::new(false, IcbTag::new(file_type::REGULAR, AdType::Short));
        fe.allocation_descriptors = vec![0; 8];
        let mut raw = fe.encode(p(1));
        put32(&mut raw, FE_FIXED - 4, u32::MAX);
        raw[4] = tag_checksum(&raw);
        // The CRC no longer matches either; fix it so only the length is wrong.
        let crc = crc_itu(&raw[16..]);
        put16(&mut raw, 8, crc);
        raw[4] = tag_checksum(&raw);
        assert!(matches!(
            FileEntry::parse(&raw, Some(1)),
            Err(LayoutError::Field { .. })
        ));
    }

    #[test]
    fn symlink_components_round_trip() {
        for t in ["/usr/lib/x", "../up/ü", "./here", "plain", "/"] {
            let enc = encode_symlink(t).unwrap();
            let want = t.trim_start_matches("./");
            let got = decode_symlink(&enc).unwrap();
            assert_eq!(got.trim_start_matches("./"), want);
        }
        assert!(decode_symlink(&[5, 10, 0, 0, 8]).is_err());
        assert!(decode_symlink(&[9, 0, 0, 0]).is_err());
    }

    #[test]
    fn permissions_map_to_posix_both_ways() {
        for mode in [0o755u32, 0o644, 0o700, 0o4711, 0o2755, 0o1777] {
            let perms = ecma_permissions(mode);
            assert_eq!(posix_mode(perms, icb_flags_from_mode(mode)), mode);
        }
        assert_eq!(
            posix_mode(permissions::OTHER_READ << permissions::OWNER_SHIFT, 0),
            0o400
        );
    }

    #[test]
    fn vat_in_both_forms() {
        let entries = [10u32, 11, 0xFFFF_FFFF, 40];
        let v150 = encode_vat_150(&entries, u32::MAX);
        assert_eq!(
            vat_entries(file_type::UNSPECIFIED, &v150).unwrap().unwrap(),
            entries
        );
        let header = VatHeader {
            volume_id: "LV".into(),
            previous_vat: u32::MAX,
            files: 2,
            directories: 1,
            min_read_revision: 0x0201,
            min_write_revision: 0x0201,
            max_write_revision: 0x0201,
            implementation_use: vec![],
        };
        let mut v200 = header.encode().unwrap();
        assert_eq!(VatHeader::parse(&v200).unwrap(), (header, VAT_HEADER_FIXED));
        for e in entries {
            v200.extend_from_slice(&e.to_le_bytes());
        }
        assert_eq!(
            vat_entries(file_type::VAT, &v200).unwrap().unwrap(),
            entries
        );
        assert_eq!(
            vat_entries(file_type::UNSPECIFIED, &[0u8; 40]).unwrap(),
            None
        );
    }

    #[test]
    fn vrs_descriptors_are_recognised() {
        assert_eq!(parse_vrs(&encode_vrs(VRS_NSR03)), Some(*VRS_NSR03));
        assert_eq!(parse_vrs(&[0u8; 2048]), None);
    }

    #[test]
    fn tag_of_an_avdp_written_by_mkudffs_checks_out() {
        // Sector 256 of `mkudffs --media-type=hd -b 2048 -r 0x0201` on a
        // 4 MiB file (udftools 2.3): main VDS at 96, reserve at 2031.
        let mut b = vec![0u8; 512];
        b[..32].copy_from_slice(&[
            0x02, 0x00, 0x03, 0x00, 0x3f, 0x00, 0x01, 0x00, 0x04, 0x43, 0xf0, 0x01, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00,
            0xef, 0x07, 0x00, 0x00,
        ]);
        let (tag, avdp) = Avdp::parse(&b, Some(256)).unwrap();
        assert_eq!((tag.version, tag.serial, tag.crc_length), (3, 1, 496));
        assert_eq!(avdp.main_vds.location, 96);
        assert_eq!(avdp.reserve_vds.location, 2031);
        // Our encoder stamps the very same tag bytes.
        assert_eq!(avdp.encode(TagParams::new(3, 1, 256)), b);
    }
}
