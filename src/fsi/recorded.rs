//! What a medium already holds, for programs that show or restore it: the
//! recorded sessions with their volumes, and the bytes of an imported file
//! read back from the medium.
//!
//! IMAPI2 has no call for either (a disc browser reads the mounted file
//! system); a C program driving a drive through this library has no mount,
//! so the library answers from the same reads import makes.

use std::sync::Arc;

use super::image::FileSystemImage;
use super::import::identify;
use super::iso9660::codec::decode_vd_date;
use super::iso9660::descriptor::TYPE_PRIMARY;
use super::iso9660::layout::vd;
use super::names::FileSystems;
use super::tree::{Content, Extent, Kind};
use super::{BlockSource, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::{MS_E_INVALIDARG, MS_IMAPI_E_MULTISESSION_NOT_SET, MS_IMAPI_E_NOT_FILE};
use crate::media::{MediaState, WriteModel};
use crate::mmc::{MediaInfo, SessionState};
use crate::recorder::Recorder;
use crate::session::placement::iso_volume_blocks;

/// One recorded session and the volume in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVolume {
    /// 1 for the first session.
    pub number: u16,
    /// First block: the volume descriptors are at `start + 16`.
    pub start: u32,
    /// Blocks the session takes on the medium.
    pub blocks: u32,
    /// False for an open session an interrupted write left behind.
    pub complete: bool,
    /// The file systems found in the session.
    pub file_systems: FileSystems,
    /// The Joliet volume name when there is one (it keeps case), else the
    /// primary one; empty without a volume.
    pub volume_name: String,
    /// Volume creation date of the primary descriptor, seconds since the
    /// epoch; `None` when unrecorded or without a volume.
    pub created: Option<i64>,
}

/// The sessions of the medium in `recorder`, oldest first; empty on a blank
/// medium. Overwritable media (and BD-R Pseudo-Overwrite) keep one growing
/// volume that the descriptors at LBA 16 describe: one entry, at 0, whose
/// size is that volume's.
///
/// An open session an interrupted write left behind is listed with
/// `complete` false and without a volume: its descriptors may point at
/// blocks never written, and a half-written tree is nothing to show.
pub fn recorded_sessions(recorder: &Recorder) -> Result<Vec<RecordedVolume>> {
    let media = recorder.media_info()?;
    if media.media_state().contains(MediaState::BLANK) {
        return Ok(Vec::new());
    }
    if media.pseudo_overwrite {
        if let Some(open) = interrupted_pow_volume(recorder, &media)? {
            return Ok(vec![open]);
        }
    }
    if media.write_model() == WriteModel::RandomWrite || media.pseudo_overwrite {
        let found = identify(recorder, 0)?;
        let Some(primary) = &found.descriptors.primary else {
            return Ok(Vec::new());
        };
        let mut volume = describe(recorder, 1, 0, primary.space_size)?;
        volume.file_systems = found.file_systems;
        return Ok(vec![volume]);
    }
    recorder
        .sessions()?
        .iter()
        .map(|s| {
            let blocks = s.extent.last_written.saturating_sub(s.extent.start) + 1;
            if s.complete {
                describe(recorder, s.number, s.extent.start, blocks)
            } else {
                Ok(RecordedVolume {
                    number: s.number,
                    start: s.extent.start,
                    blocks,
                    ..open_session()
                })
            }
        })
        .collect()
}

/// The first session on a Pseudo-Overwrite BD-R carries its descriptors
/// at LBA 16 with its data (later ones rewrite them only after theirs), so
/// an interrupted first write leaves LBA 16 unwritten, or describing a
/// volume past the next writable address: that open session, not read.
fn interrupted_pow_volume(
    recorder: &Recorder,
    media: &MediaInfo,
) -> Result<Option<RecordedVolume>> {
    let Some(nwa) = media.next_writable else {
        return Ok(None);
    };
    if media.last_session != SessionState::Incomplete {
        // Sessions closed by another writer: nothing is being written.
        return Ok(None);
    }
    let whole = match iso_volume_blocks(media, recorder)? {
        Some(blocks) => blocks <= nwa,
        None => false,
    };
    Ok((!whole).then(|| RecordedVolume {
        number: 1,
        start: 0,
        blocks: nwa,
        ..open_session()
    }))
}

/// An open session an interrupted write left behind, with no volume read.
fn open_session() -> RecordedVolume {
    RecordedVolume {
        number: 0,
        start: 0,
        blocks: 0,
        complete: false,
        file_systems: FileSystems::NONE,
        volume_name: String::new(),
        created: None,
    }
}

/// A complete session and the volume at its start.
fn describe(recorder: &Recorder, number: u16, start: u32, blocks: u32) -> Result<RecordedVolume> {
    let found = identify(recorder, start)?;
    let set = &found.descriptors;
    let volume_name = set
        .joliet
        .as_ref()
        .or(set.primary.as_ref())
        .map(|v| v.volume_id.clone())
        .unwrap_or_default();
    let created = match set.primary {
        Some(_) => primary_creation_date(recorder, start)?,
        None => None,
    };
    Ok(RecordedVolume {
        number,
        start,
        blocks,
        complete: true,
        file_systems: found.file_systems,
        volume_name,
        created,
    })
}

/// The creation date of the primary descriptor, which every writer puts
/// first in the set at `start + 16` (the descriptor reader keeps no dates).
fn primary_creation_date(src: &dyn BlockSource, start: u32) -> Result<Option<i64>> {
    let mut block = vec![0u8; BLOCK_SIZE];
    src.read_blocks(start.saturating_add(16), &mut block)?;
    if vd::TYPE.get(&block) != TYPE_PRIMARY || vd::STANDARD_ID.get(&block) != vd::STANDARD {
        return Ok(None);
    }
    Ok(decode_vd_date(vd::CREATION_DATE.get(&block)))
}

/// An imported file's data, read back from the medium on demand.
#[derive(Debug, Clone)]
pub struct MediumFile {
    medium: Arc<Recorder>,
    extents: Vec<Extent>,
    size: u64,
}

impl MediumFile {
    /// Bytes in the file as the medium stores them.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Reads up to `buf.len()` bytes from `offset`; fewer only at the end
    /// of the file (0 at or past it).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0usize;
        let mut extent_start = 0u64;
        let mut block = vec![0u8; BLOCK_SIZE];
        for extent in &self.extents {
            let extent_end = extent_start + u64::from(extent.len);
            while done < buf.len() {
                let at = offset + done as u64;
                if at >= extent_end {
                    break;
                }
                let within = at - extent_start;
                let lba = u64::from(extent.lba) + within / BLOCK_SIZE as u64;
                let lba = u32::try_from(lba).map_err(|_| {
                    Error::new(MS_E_INVALIDARG, format!("block {lba} is beyond any medium"))
                })?;
                let skip = (within % BLOCK_SIZE as u64) as usize;
                let take = (BLOCK_SIZE - skip)
                    .min(buf.len() - done)
                    .min((extent_end - at) as usize);
                if skip == 0 && take == BLOCK_SIZE {
                    self.medium
                        .read_blocks(lba, &mut buf[done..done + BLOCK_SIZE])?;
                } else {
                    self.medium.read_blocks(lba, &mut block)?;
                    buf[done..done + take].copy_from_slice(&block[skip..skip + take]);
                }
                done += take;
            }
            extent_start = extent_end;
            if done == buf.len() {
                break;
            }
        }
        Ok(done)
    }
}

impl FileSystemImage {
    /// The file at `path` as the imported session stores it, for reading
    /// back from the medium. Files added to the image since are not on the
    /// medium yet (`E_INVALIDARG`); a zisofs-compressed file gives its
    /// compressed bytes, as the medium holds them.
    pub fn open_on_medium(&self, path: &str) -> Result<MediumFile> {
        let tree = self.tree();
        let node = tree.node(tree.lookup(path)?);
        let Kind::File(data) = &node.kind else {
            return Err(Error::new(
                MS_IMAPI_E_NOT_FILE,
                format!("{path} is not a file"),
            ));
        };
        let Content::OnMedium(extents) = &data.content else {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!("{path} was added to the image; its data is not on the medium"),
            ));
        };
        let chosen = self.chosen_multisession().ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_MULTISESSION_NOT_SET,
                "the image has no multisession object to read the medium through",
            )
        })?;
        Ok(MediumFile {
            medium: Arc::clone(chosen.import_recorder()),
            extents: extents.to_vec(),
            size: data.size,
        })
    }
}
