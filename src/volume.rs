//! What sits at the start of a volume: the few on-disc fields that say how
//! far a volume reaches, for ISO 9660 (ECMA-119) and UDF (ECMA-167).
//!
//! Two layers need them: the session layer, which must not place the next
//! session over the volume already on an overwritable medium, and the
//! file-system image reader and writer, which parse and encode the same
//! descriptors in full. Both name the fields from here, so an offset is
//! written down once and the two cannot drift apart.

use crate::block::{BlockSource, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::MS_IMAPI_E_BAD_MULTISESSION_PARAMETER;

/// LBA of the primary volume descriptor (system area is blocks 0–15).
pub const PVD_LBA: u32 = 16;

/// LBA of the first UDF anchor volume descriptor pointer of a volume
/// starting at 0 (ECMA-167 3/8.4.2.1).
pub const UDF_ANCHOR_LBA: u32 = 256;

/// ECMA-119 primary volume descriptor fields.
pub mod ecma119 {
    use std::ops::Range;

    /// Type 1 (primary), standard identifier, version 1 (8.4.1–8.4.3).
    pub const PVD_HEADER: &[u8; 7] = b"\x01CD001\x01";
    /// Volume space size (8.4.8): both-byte-order 32-bit, little-endian
    /// half first.
    pub const VOLUME_SPACE_SIZE: Range<usize> = 80..88;
}

/// ECMA-167 descriptor fields (part 3 volume structure).
// Offsets are documented a group at a time, by the clause that defines them.
#[allow(missing_docs)]
pub mod ecma167 {
    /// Descriptor tag (3/7.2): identifier, checksum and recorded location.
    pub const TAG_ID: usize = 0;
    pub const TAG_VERSION: usize = 2;
    pub const TAG_CHECKSUM: usize = 4;
    pub const TAG_RESERVED: usize = 5;
    pub const TAG_SERIAL: usize = 6;
    pub const TAG_CRC: usize = 8;
    pub const TAG_CRC_LENGTH: usize = 10;
    pub const TAG_LOCATION: usize = 12;
    /// Size of the tag.
    pub const TAG_LEN: usize = 16;

    /// Tag identifiers of the volume descriptors (3/7.2.1).
    pub const ID_AVDP: u16 = 2;
    pub const ID_VDP: u16 = 3;
    pub const ID_PD: u16 = 5;
    pub const ID_TD: u16 = 8;

    /// Anchor volume descriptor pointer (3/10.2): extents of the main and
    /// reserve volume descriptor sequences.
    pub const AVDP_MAIN_VDS: usize = 16;
    pub const AVDP_RESERVE_VDS: usize = 24;
    /// Volume descriptor pointer (3/10.3): the next extent of the sequence.
    pub const VDP_NEXT: usize = 20;
    /// Partition descriptor (3/10.5): first sector and length in sectors.
    pub const PD_START: usize = 188;
    pub const PD_LENGTH: usize = 192;

    /// Volume structure descriptor identifiers of the recognition sequence
    /// (2/9): each in a 2048-byte sector at 32 KiB + n·2048.
    pub const VRS_BEA01: &[u8; 5] = b"BEA01";
    pub const VRS_NSR02: &[u8; 5] = b"NSR02";
    pub const VRS_NSR03: &[u8; 5] = b"NSR03";
    pub const VRS_TEA01: &[u8; 5] = b"TEA01";

    /// The identifier of a volume structure descriptor (structure type 0,
    /// version 1), or `None` when the sector is not one.
    pub fn parse_vrs(sector: &[u8]) -> Option<[u8; 5]> {
        if sector.len() < 7 || sector[0] != 0 || sector[6] != 1 {
            return None;
        }
        let id: [u8; 5] = sector[1..6].try_into().ok()?;
        matches!(&id, b"BEA01" | b"NSR02" | b"NSR03" | b"TEA01" | b"BOOT2").then_some(id)
    }

    /// Checksum of a tag: the byte sum of bytes 0–3 and 5–15.
    pub fn tag_checksum(tag: &[u8]) -> u8 {
        tag[..TAG_LEN]
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != TAG_CHECKSUM)
            .fold(0u8, |acc, (_, b)| acc.wrapping_add(*b))
    }
}

/// Little-endian 32-bit field at `at`.
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Volume space size of an ISO 9660 primary volume descriptor, `None` when
/// `block` is not one. Two different halves or a volume too small to hold
/// its own descriptor are errors: a size taken from either would misplace
/// the next session.
pub fn iso_volume_space_size(block: &[u8]) -> Result<Option<u32>> {
    let field = ecma119::VOLUME_SPACE_SIZE;
    if block.len() < field.end || &block[..7] != ecma119::PVD_HEADER {
        return Ok(None);
    }
    let le = le32(block, field.start);
    let be = u32::from_be_bytes(block[field.start + 4..field.end].try_into().unwrap());
    if le != be {
        return Err(Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!("the volume descriptor at LBA 16 gives two sizes: {le} (little-endian) and {be} (big-endian)"),
        ));
    }
    if le <= PVD_LBA {
        return Err(Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!("the volume descriptor at LBA 16 gives a volume of {le} blocks, which cannot hold it"),
        ));
    }
    Ok(Some(le))
}

/// The volume space size of the ISO 9660 volume whose primary descriptor
/// is at LBA 16 of `src`, `None` when that block holds none.
pub fn iso_volume_at_pvd(src: &dyn BlockSource) -> Result<Option<u32>> {
    let mut block = vec![0u8; BLOCK_SIZE];
    src.read_blocks(PVD_LBA, &mut block)
        .map_err(|e| e.context("reading the primary volume descriptor at LBA 16"))?;
    iso_volume_space_size(&block)
}

/// One past the last block of the volume at the start of a random-write
/// medium whose last recorded block is `last`: the ISO 9660 volume space
/// size when LBA 16 holds a primary descriptor (a bridge too, whose UDF
/// lies within it), else the end of a UDF-only volume; `None` when the
/// medium holds neither. Both the session layer's placement and the image
/// reader's session layout take the volume's end from here, so the next
/// session an image is built for is the one the multisession object
/// offers. `last` bounds every read: blocks never written are not asked
/// for.
pub fn random_write_volume_end(src: &dyn BlockSource, last: u32) -> Result<Option<u32>> {
    if last < PVD_LBA {
        return Ok(None);
    }
    if let Some(blocks) = iso_volume_at_pvd(src)? {
        return Ok(Some(blocks));
    }
    if last < UDF_ANCHOR_LBA {
        return Ok(None);
    }
    udf_volume_end(src, last)
}

/// Blocks of a recognition sequence searched for its NSR descriptor.
const VRS_BLOCKS: u32 = 64;

/// Whether the volume recognition sequence at `session_start` + 16 names
/// an NSR descriptor (a UDF volume). ISO 9660 descriptors may come before
/// the extended area (a bridge); anything else ends the sequence, so a
/// medium holding other data is not taken for UDF and never read further.
pub fn udf_recognised(src: &dyn BlockSource, session_start: u32) -> bool {
    use ecma167::*;
    let mut block = vec![0u8; BLOCK_SIZE];
    let mut in_extended = false;
    for i in PVD_LBA..PVD_LBA + VRS_BLOCKS {
        let Some(lba) = session_start.checked_add(i) else {
            return false;
        };
        if src.read_blocks(lba, &mut block).is_err() {
            return false;
        }
        match parse_vrs(&block) {
            Some(id) if &id == VRS_BEA01 => in_extended = true,
            Some(id) if in_extended && (&id == VRS_NSR02 || &id == VRS_NSR03) => return true,
            Some(id) if &id == VRS_TEA01 => in_extended = false,
            Some(_) => {}
            None if &block[1..6] == b"CD001" => {}
            None => return false,
        }
    }
    false
}

/// Descriptors followed in a volume descriptor sequence before giving up
/// (UDF 2.60 2.2.3 allows far fewer; a loop would otherwise never end).
const MAX_VDS_DESCRIPTORS: usize = 256;
/// Blocks after the partitions and sequences searched for the volume's
/// closing anchors (ECMA-167 3/8.4.2.1 puts them at N − 256 and N).
const TRAILING_ANCHOR_SPAN: u32 = 257;

/// The tag id of a descriptor recorded for `lba`, `None` for a block that
/// is no descriptor there (checksum or location wrong).
fn tag_at(block: &[u8], lba: u32) -> Option<u16> {
    use ecma167::*;
    let recorded = block[TAG_CHECKSUM] == tag_checksum(block) && le32(block, TAG_LOCATION) == lba;
    (recorded && block[..TAG_LEN].iter().any(|&b| b != 0))
        .then(|| u16::from_le_bytes([block[TAG_ID], block[TAG_ID + 1]]))
}

/// An extent_ad (byte length, sector) as the sectors it covers.
fn extent(block: &[u8], at: usize) -> (u32, u32) {
    let blocks = le32(block, at).div_ceil(BLOCK_SIZE as u32);
    (le32(block, at + 4), blocks)
}

/// One past the last block of the UDF volume whose anchor is at 256, or
/// `None` when blocks 16… start no UDF recognition sequence or block 256
/// holds no anchor. The volume reaches over its
/// partitions, both descriptor sequences and the anchors that close it
/// (mkudffs puts the reserve sequence and two anchors after its
/// partition): a session placed before that end would overwrite them.
/// `last` bounds every read (the last block recorded on the medium).
pub fn udf_volume_end(src: &dyn BlockSource, last: u32) -> Result<Option<u32>> {
    use ecma167::*;
    let mut block = vec![0u8; BLOCK_SIZE];
    let read = |lba: u32, block: &mut Vec<u8>| -> Result<Option<u16>> {
        if lba > last {
            return Ok(None);
        }
        src.read_blocks(lba, block)
            .map_err(|e| e.context(format!("reading UDF volume structure at LBA {lba}")))?;
        Ok(tag_at(block, lba))
    };
    if !udf_recognised(src, 0) || read(UDF_ANCHOR_LBA, &mut block)? != Some(ID_AVDP) {
        return Ok(None);
    }
    let sequences = [
        extent(&block, AVDP_MAIN_VDS),
        extent(&block, AVDP_RESERVE_VDS),
    ];
    let mut end = UDF_ANCHOR_LBA + 1;
    let mut reach = |start: u32, blocks: u32| {
        end = end.max(start.saturating_add(blocks));
    };
    for &(start, blocks) in &sequences {
        reach(start, blocks);
    }
    let (mut at, mut remaining) = sequences[0];
    for _ in 0..MAX_VDS_DESCRIPTORS {
        if remaining == 0 {
            break;
        }
        match read(at, &mut block)? {
            Some(ID_PD) => reach(le32(&block, PD_START), le32(&block, PD_LENGTH)),
            Some(ID_VDP) => {
                (at, remaining) = extent(&block, VDP_NEXT);
                reach(at, remaining);
                continue;
            }
            Some(ID_TD) | None => break,
            Some(_) => {}
        }
        at = at.saturating_add(1);
        remaining -= 1;
    }
    // Only anchors of this volume count (they point to the same main
    // sequence): the own anchor of a session cut before its commit does not.
    let anchor_256 = sequences[0];
    let mut closing = None;
    for lba in end..end
        .saturating_add(TRAILING_ANCHOR_SPAN)
        .min(last.saturating_add(1))
    {
        // Unrecorded blocks a drive refuses to read end the search.
        match read(lba, &mut block) {
            Ok(Some(ID_AVDP)) if extent(&block, AVDP_MAIN_VDS) == anchor_256 => closing = Some(lba),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(Some(closing.map_or(end, |lba| lba + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_volume_space_size_refuses_two_different_halves() {
        let mut pvd = vec![0u8; BLOCK_SIZE];
        pvd[..7].copy_from_slice(ecma119::PVD_HEADER);
        pvd[80..84].copy_from_slice(&500u32.to_le_bytes());
        pvd[84..88].copy_from_slice(&500u32.to_be_bytes());
        assert_eq!(iso_volume_space_size(&pvd).unwrap(), Some(500));
        pvd[84..88].copy_from_slice(&501u32.to_be_bytes());
        assert_eq!(
            iso_volume_space_size(&pvd).unwrap_err().code(),
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
        );
    }
}
