//! Where the next session goes and how much room it has: the file-system
//! image's `SessionStartBlock` and `FreeMediaBlocks`, derived from the chosen
//! multisession object.
//!
//! Sequential media say it directly (NWA and free blocks of the invisible
//! track). Overwritable media have no sessions, so we do what growisofs does:
//! the volume at the start of the medium grows, the new session starts at
//! the next write unit after its end, and rewriting the blocks that lead to
//! the volume is the commit point: LBA 16 for ISO 9660 (and a bridge), the
//! UDF anchor at 256 for a UDF-only volume, whose end its partitions,
//! descriptor sequences and closing anchors give.

use crate::block::BlockSource;
use crate::error::{Error, Result};
use crate::hresult::{
    MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE, MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
};
use crate::mmc::{FormatState, MediaInfo};
use crate::volume;

use super::values::{PseudoOverwriteValues, SequentialValues};
use super::{rules, Kind};

pub use crate::volume::PVD_LBA;

/// Start and room of the session to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextSession {
    /// First block of the new session's file system.
    pub start_block: u32,
    /// Blocks the session may fill.
    pub free_blocks: u32,
}

/// The next session for an object of `kind` on `media`. `source` is read
/// only for random-write media (the PVD, or a UDF volume's anchor and
/// descriptor sequence).
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
            let start = match volume_blocks(media, source)? {
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

/// The last block recorded on a formatted medium, `None` on a blank or
/// unformatted one: nothing there to read a volume from.
fn recorded(media: &MediaInfo) -> Option<u32> {
    media
        .last_recorded
        .filter(|_| media.format != FormatState::Unformatted)
}

/// Blocks of the volume at the start of a random-write medium
/// ([`volume::random_write_volume_end`]); `None` when the medium holds
/// none.
pub fn volume_blocks(media: &MediaInfo, source: &dyn BlockSource) -> Result<Option<u32>> {
    match recorded(media) {
        Some(last) => volume::random_write_volume_end(source, last),
        None => Ok(None),
    }
}

/// The volume space size of the ISO 9660 volume at LBA 16, `None` when
/// the medium holds no such volume (blank, unformatted, or something else).
pub fn iso_volume_blocks(media: &MediaInfo, source: &dyn BlockSource) -> Result<Option<u32>> {
    match recorded(media) {
        Some(last) if last >= PVD_LBA => volume::iso_volume_at_pvd(source),
        _ => Ok(None),
    }
}
