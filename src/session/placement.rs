//! Where the next session goes and how much room it has: the file-system
//! image's `SessionStartBlock` and `FreeMediaBlocks`, derived from the chosen
//! multisession object.
//!
//! Sequential media say it directly (NWA and free blocks of the invisible
//! track). Overwritable media have no sessions, so we do what growisofs does:
//! the ISO 9660 volume whose descriptors sit at LBA 16 grows, the new session
//! starts at the next write unit after its end, and rewriting LBA 16 to
//! describe the grown volume is the commit point.

use crate::block::{BlockSource, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::{
    MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
};
use crate::mmc::{FormatState, MediaInfo};

use super::values::{PseudoOverwriteValues, SequentialValues};
use super::{rules, Kind};

/// LBA of the primary volume descriptor (system area is blocks 0–15).
pub const PVD_LBA: u32 = 16;

/// Start and room of the session to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextSession {
    /// First block of the new session's file system.
    pub start_block: u32,
    /// Blocks the session may fill.
    pub free_blocks: u32,
}

/// The next session for an object of `kind` on `media`. `source` is read
/// only for random-write media (one block, the PVD).
pub fn next_session(
    kind: Kind,
    media: &MediaInfo,
    source: &dyn BlockSource,
) -> Result<NextSession> {
    if !rules::is_supported(kind, media) {
        return Err(Error::new(
            MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
            format!(
                "the {kind} object no longer applies to the {} medium in the drive (state {:#06x})",
                media.profile,
                media.media_state().0
            ),
        ));
    }
    match kind {
        Kind::Sequential => {
            let values = SequentialValues::from_media(media)?;
            values.check_consistent()?;
            Ok(NextSession {
                start_block: values.next_writable_address as u32,
                free_blocks: values.free_sectors_on_media as u32,
            })
        }
        Kind::PseudoOverwrite => {
            let values = PseudoOverwriteValues::from_media(media)?;
            values.check_consistent()?;
            let start = align_up(
                values.next_writable_address as u32,
                values.write_unit_size as u32,
            )?;
            within(start, media.total_sectors)
        }
        Kind::RandomWrite => {
            let start = match iso_volume_blocks(media, source)? {
                Some(blocks) => align_up(blocks, media.profile.overwrite_session_align())?,
                None => 0,
            };
            within(start, media.total_sectors)
        }
    }
}

fn within(start: u32, total: u32) -> Result<NextSession> {
    let free = total.checked_sub(start).ok_or_else(|| {
        Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!(
                "next session would start at {start}, beyond the {total} sectors of the medium"
            ),
        )
    })?;
    Ok(NextSession {
        start_block: start,
        free_blocks: free,
    })
}

/// `lba` rounded up to a write unit. A volume or address whose next unit
/// lies past the last 32-bit LBA (a volume space size of 0xFFFFFFF0) is an
/// error, not a start clamped to an unaligned u32::MAX.
fn align_up(lba: u32, unit: u32) -> Result<u32> {
    lba.div_ceil(unit).checked_mul(unit).ok_or_else(|| {
        Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!(
                "the next write unit of {unit} blocks after LBA {lba} is past the last 32-bit LBA"
            ),
        )
    })
}

/// The volume space size of the ISO 9660 volume at LBA 16, `None` when the
/// medium holds no such volume (blank, unformatted, or something else).
pub fn iso_volume_blocks(media: &MediaInfo, source: &dyn BlockSource) -> Result<Option<u32>> {
    let nothing_recorded = match media.last_recorded {
        None => true,
        Some(last) => last < PVD_LBA,
    };
    if nothing_recorded || media.format == FormatState::Unformatted {
        return Ok(None);
    }
    let mut block = vec![0u8; BLOCK_SIZE];
    source
        .read_blocks(PVD_LBA, &mut block)
        .map_err(|e| e.context("reading the primary volume descriptor at LBA 16"))?;
    parse_volume_space_size(&block)
}

/// Volume space size of a primary volume descriptor (ECMA-119 8.4.8:
/// both-byte-order 32-bit field at offset 80), `None` when `block` is not a
/// PVD.
pub fn parse_volume_space_size(block: &[u8]) -> Result<Option<u32>> {
    const PVD_HEADER: &[u8; 7] = b"\x01CD001\x01";
    if block.len() < 88 || &block[..7] != PVD_HEADER {
        return Ok(None);
    }
    let le = u32::from_le_bytes([block[80], block[81], block[82], block[83]]);
    let be = u32::from_be_bytes([block[84], block[85], block[86], block[87]]);
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
