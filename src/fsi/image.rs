//! `FileSystemImage` (`IFileSystemImage`): the one object an application
//! drives to add a session to a disc — take the multisession list, import
//! the previous session, edit the tree, and create the result image.
//!
//! The image owns no file-system logic of its own: it decides *which*
//! session to read and *where* the next one goes, and hands the work to
//! the engine ([`identify`], [`import`], [`locate_random_write`], the
//! [`Tree`] edits and [`build`]).
//!
//! Where the next session goes (`SessionStartBlock`, `FreeMediaBlocks`):
//! - no multisession list: the caller's values (IMAPI's defaults 0 and
//!   332,800, or what `ChooseImageDefaults*` picked) — a first session;
//! - a list, nothing imported yet: read live from the chosen object, so
//!   the values follow the medium;
//! - after an import: fixed to where that import says the next session
//!   goes. The imported tree describes the medium as it was then; writing
//!   the result somewhere else would orphan it, so a medium that changed
//!   meanwhile makes the write fail instead of silently moving.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Cause, Error, Result};
use crate::fsi::build::validate_file_systems;
use crate::fsi::import::import_with;
use crate::fsi::iso9660::descriptor::BootRecord;
use crate::fsi::iso9660::read::ImportLimits;
use crate::fsi::names;
use crate::fsi::result::ResultImage;
use crate::fsi::tree::{Attrs, DataSource, OnClash, OnceReader, Tree};
use crate::fsi::udf::incremental::UdfBase;
use crate::fsi::{
    build, default_file_system_for_import, identify, locate_random_write, BuildOptions,
    FileSystems, RandomWriteLayout, RandomWriteStyle,
};
use crate::hresult::*;
use crate::media::{PhysicalType, WriteModel};
use crate::mmc::{FormatState, MediaInfo};
use crate::recorder::Recorder;
use crate::session::placement::PVD_LBA;
use crate::session::{Kind, Multisession};

use super::multisession::MultisessionSetting;
use super::progress;

/// IMAPI's default `FreeMediaBlocks`: a 74-minute (650 MB) CD.
pub const DEFAULT_FREE_MEDIA_BLOCKS: u32 = 332_800;

/// Where the next session goes and how it is made visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// `SessionStartBlock`.
    pub start_block: u32,
    /// `FreeMediaBlocks`; 0 means unlimited (IMAPI's convention).
    pub free_blocks: u32,
    /// Write unit of the medium in blocks; new data is aligned to it.
    pub write_unit: u32,
    /// The medium is overwritten in place (random-write, BD-R
    /// Pseudo-Overwrite): a session not at 0 needs the LBA 16 anchor.
    pub overwrite: bool,
}

/// What the last import brought in besides the tree.
#[derive(Debug, Clone)]
struct ImportState {
    volume_name: String,
    file_system: FileSystems,
    udf_revision: Option<u16>,
    warnings: Vec<String>,
    boot: Option<BootRecord>,
    session_start: u32,
    target: Target,
    /// Every file system the imported session holds.
    found: FileSystems,
    /// The UDF revision the imported session's UDF volume records, also
    /// when ISO 9660 or Joliet was imported: the next session keeps it.
    udf_found: Option<u32>,
    /// The imported UDF metadata the next session builds on, kept only
    /// when the imported nodes moved into the tree unchanged in identity.
    udf_base: Option<Arc<UdfBase>>,
}

/// A recorded session and the file systems in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionFileSystems {
    /// 1 for the first session.
    pub number: u16,
    /// First block of the session (its volume descriptors at +16).
    pub start: u32,
    /// The file systems found in the session.
    pub file_systems: FileSystems,
}

/// What [`FileSystemImage::prepare_for`] did to the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preparation {
    /// Nothing to import: the next session is the medium's first volume.
    FirstSession,
    /// The session at `session_start` was imported; the next session
    /// continues it.
    Imported {
        /// First block of the imported session.
        session_start: u32,
        /// The one file system read (Joliet before ISO 9660).
        file_system: FileSystems,
        /// The start of a newer session that holds no file system and was
        /// passed over; `None` when the newest session was imported.
        newest_without_file_system: Option<u32>,
    },
}

/// A session holds a volume a reader can mount (UDF-only ones included:
/// import refuses those by name, rather than skipping them).
fn has_file_system(found: FileSystems) -> bool {
    !found.is_empty() && found != FileSystems::UNKNOWN
}

/// The UDF revision the session at `start` records (its logical volume's
/// domain identifier), found through the anchor at `start + 256`; `None`
/// when it has no readable UDF volume. Only the revision is read here;
/// the tree comes from the import.
fn udf_revision_at(src: &dyn crate::fsi::BlockSource, start: u32) -> Option<u32> {
    use crate::fsi::udf::layout::{Avdp, Lvd, Tag, TagId};
    let mut block = vec![0u8; crate::fsi::BLOCK_SIZE];
    let anchor = start.checked_add(256)?;
    src.read_blocks(anchor, &mut block).ok()?;
    let (_, avdp) = Avdp::parse(&block, Some(anchor)).ok()?;
    let first = avdp.main_vds.location;
    let count = (avdp.main_vds.length / crate::fsi::BLOCK_SIZE as u32).min(64);
    for lba in first..first.checked_add(count)? {
        src.read_blocks(lba, &mut block).ok()?;
        match Tag::parse(&block, Some(lba)).ok()?.id {
            TagId::Lvd => {
                let (_, lvd) = Lvd::parse(&block, Some(lba)).ok()?;
                return Some(u32::from(lvd.domain_id.udf_revision()));
            }
            TagId::Td => return None,
            _ => {}
        }
    }
    None
}

/// A file-system image under construction. See the module documentation.
#[derive(Debug, Clone)]
pub struct FileSystemImage {
    multisession: MultisessionSetting,
    /// Shared with the sessions built from it; an edit copies it only while
    /// such a session is alive.
    tree: Arc<Tree>,
    file_systems: FileSystems,
    /// `UDFRevision` of the UDF volume a session with UDF carries.
    udf_revision: u32,
    volume_name: String,
    /// `SessionStartBlock`, `FreeMediaBlocks` and write unit without a list.
    manual: Target,
    imported: Option<ImportState>,
    /// Fixed time for dates (reproducible output); `None` = build time.
    fixed_time: Option<i64>,
    /// Record libisofs session checksums in every session built
    /// ([`BuildOptions::session_checksums`]).
    session_checksums: bool,
    /// `CreateRedundantUdfMetadataFiles`
    /// ([`BuildOptions::redundant_udf_metadata`]).
    redundant_udf_metadata: bool,
    /// `DFileSystemImageImportEvents` and `DFileSystemImageEvents` sinks.
    import_progress: progress::Hook<ImportHookFn>,
    build_progress: progress::Hook<BuildHookFn>,
}

type ImportHookFn = dyn Fn(&super::ImportProgress<'_>) -> super::Flow + Send + Sync;
type BuildHookFn = dyn Fn(&super::BuildProgress<'_>) -> super::Flow + Send + Sync;

impl Default for FileSystemImage {
    fn default() -> Self {
        FileSystemImage::new()
    }
}

/// Nominal capacity and write unit of an empty medium of `physical`
/// (`ChooseImageDefaultsForMediaType`): an 80-minute CD (360,000 frames
/// less the 150-frame pregap), single- and dual-layer DVD as their
/// formats define them, a 25 GB single-layer BD.
fn nominal_medium(physical: PhysicalType) -> Option<(u32, u32)> {
    use PhysicalType::*;
    Some(match physical {
        CdR | CdRw => (359_850, 1),
        DvdPlusR | DvdPlusRw => (2_295_104, 16),
        DvdDashR | DvdDashRw => (2_298_496, 16),
        DvdPlusRDualLayer | DvdPlusRwDualLayer => (4_173_824, 16),
        DvdDashRDualLayer => (4_171_712, 16),
        DvdRam => (2_236_704, 16),
        BdR => (12_219_392, 32),
        BdRe => (11_826_176, 32),
        Unknown | CdRom | DvdRom | Disk | HdDvdRom | HdDvdR | HdDvdRam | BdRom => return None,
    })
}

/// An IMAPI `IMAPI_MEDIA_PHYSICAL_TYPE` value.
pub fn physical_type_from_value(value: u32) -> Option<PhysicalType> {
    use PhysicalType::*;
    [
        Unknown,
        CdRom,
        CdR,
        CdRw,
        DvdRom,
        DvdRam,
        DvdPlusR,
        DvdPlusRw,
        DvdPlusRDualLayer,
        DvdDashR,
        DvdDashRw,
        DvdDashRDualLayer,
        Disk,
        DvdPlusRwDualLayer,
        HdDvdRom,
        HdDvdR,
        HdDvdRam,
        BdRom,
        BdR,
        BdRe,
    ]
    .into_iter()
    .find(|t| *t as u32 == value)
}

/// Blocks of the medium for import bounds, when the drive knows them.
fn limits_for(media: &MediaInfo) -> ImportLimits {
    ImportLimits {
        medium_blocks: (media.total_sectors > 0).then_some(media.total_sectors),
        ..ImportLimits::default()
    }
}

/// The start of the newest session on `recorder`'s medium as a drive with
/// no multisession object sees it: the last session of a sequential disc,
/// the session LBA 16 leads to on overwritable media. `None` when blank.
fn newest_session(recorder: &Recorder, media: &MediaInfo) -> Result<Option<u32>> {
    if media.write_model() == WriteModel::RandomWrite || media.pseudo_overwrite {
        if let Some(start) = overwrite_layout(recorder, media)?.newest {
            return Ok(Some(start));
        }
    }
    Ok(media.previous_session.map(|s| s.start))
}

/// Where the multisession object puts the next session: the one way a
/// target is built from a medium, so the image never disagrees with the
/// object's own values. A Pseudo-Overwrite session not at 0 is made
/// visible by the LBA 16 anchor, like one on overwritable media.
fn next_session_target(chosen: &Multisession, media: &MediaInfo) -> Result<Target> {
    let next = chosen.next_session()?;
    Ok(Target {
        start_block: next.start_block,
        free_blocks: next.free_blocks,
        write_unit: media.write_unit.max(1),
        overwrite: chosen.kind() != Kind::Sequential,
    })
}

/// The sessions of an overwritable (or Pseudo-Overwrite) medium. One that
/// has nothing recorded up to LBA 16, or is unformatted, is blank without
/// a read: drives refuse reads of blocks never written.
fn overwrite_layout(recorder: &Recorder, media: &MediaInfo) -> Result<RandomWriteLayout> {
    let last = match media.last_recorded {
        Some(last) if last >= PVD_LBA && media.format != FormatState::Unformatted => last,
        _ => {
            return Ok(RandomWriteLayout {
                style: RandomWriteStyle::Blank,
                newest: None,
                next: 0,
            })
        }
    };
    locate_random_write(recorder, last, media.profile.overwrite_session_align())
        .map_err(|e| e.context("finding the sessions on the overwritable medium"))
}

impl FileSystemImage {
    /// An empty image: ISO 9660 + Joliet, no volume name, IMAPI's default
    /// 332,800 free blocks, session at 0.
    pub fn new() -> FileSystemImage {
        FileSystemImage {
            multisession: MultisessionSetting::default(),
            tree: Arc::new(Tree::new()),
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET,
            udf_revision: names::DEFAULT_UDF_REVISION,
            volume_name: String::new(),
            manual: Target {
                start_block: 0,
                free_blocks: DEFAULT_FREE_MEDIA_BLOCKS,
                write_unit: 1,
                overwrite: false,
            },
            imported: None,
            fixed_time: None,
            session_checksums: false,
            redundant_udf_metadata: true,
            import_progress: progress::Hook::default(),
            build_progress: progress::Hook::default(),
        }
    }

    /// Receives an event per item imported (IMAPI's `UpdateImport`);
    /// answering [`Flow::Cancel`](super::Flow) fails the import with
    /// `E_IMAPI_REQUEST_CANCELLED` and leaves the image as it was. `None`
    /// removes it.
    pub fn set_import_progress(&mut self, hook: Option<super::ImportHook>) {
        self.import_progress = progress::Hook(hook);
    }

    /// Receives the file-copy events of every result created from now on
    /// (IMAPI's `DFileSystemImageEvents::Update`), as the result is read
    /// or written; answering [`Flow::Cancel`](super::Flow) fails that read
    /// (and a write reading it) with `E_IMAPI_REQUEST_CANCELLED`. `None`
    /// removes it.
    pub fn set_build_progress(&mut self, hook: Option<super::BuildHook>) {
        self.build_progress = progress::Hook(hook);
    }

    // ----- multisession list -------------------------------------------------

    /// `put_MultisessionInterfaces`: validates the list, chooses the object
    /// to use and keeps the list. See `session::selection` for the
    /// steps and their codes. Refused after an import (the import was made
    /// through the current choice).
    ///
    /// The IMAPI2 order of calls, step by step (what
    /// [`FileSystemImage::prepare_for`] does in one): the drive's objects
    /// fix where the next session goes, then the import reads the newest
    /// session, here one without a file system (raw data another program
    /// wrote), which is refused with IMAPI2's code rather than dropped.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use multisession::fsi::FileSystemImage;
    /// use multisession::scsi::emulator::DiscSpec;
    /// use multisession::{hresult, session, Profile, Recorder};
    ///
    /// # fn main() -> multisession::Result<()> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let disc = dir.path().join("dvd+r.img");
    /// DiscSpec::new(Profile::DvdPlusR).sessions(&[1200]).create(&disc)?;
    /// let recorder = Arc::new(Recorder::open(&disc)?);
    /// let next = recorder.media_info()?.next_writable.expect("appendable");
    ///
    /// let mut image = FileSystemImage::new();
    /// image.set_multisession_interfaces(session::offer(&recorder)?)?;
    /// assert_eq!(image.session_start_block()?, next);
    /// let err = image.import_file_system(None).unwrap_err();
    /// assert_eq!(err.code(), hresult::MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multisession_interfaces(&mut self, list: Vec<Multisession>) -> Result<()> {
        if let Some(done) = &self.imported {
            return Err(Error::new(
                MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
                format!(
                    "the image already imported a session and places the next one at {}; use a new image for another list",
                    done.target.start_block
                ),
            ));
        }
        self.multisession.put(list)
    }

    /// `get_MultisessionInterfaces`: the objects of the last successful put;
    /// empty before any.
    pub fn multisession_interfaces(&self) -> &[Multisession] {
        self.multisession.list()
    }

    /// The object the image writes through, `None` before a successful put.
    pub fn chosen_multisession(&self) -> Option<&Multisession> {
        self.multisession.chosen()
    }

    fn chosen_or_not_set(&self) -> Result<&Multisession> {
        self.multisession.chosen().ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_MULTISESSION_NOT_SET,
                "no multisession list was set on this image (ms_set_interfaces / put_MultisessionInterfaces)",
            )
        })
    }

    // ----- placement ----------------------------------------------------------

    /// Where the next session goes now (see the module documentation).
    pub fn target(&self) -> Result<Target> {
        if let Some(done) = &self.imported {
            return Ok(done.target);
        }
        let Some(chosen) = self.multisession.chosen() else {
            return Ok(self.manual);
        };
        let media = chosen.media_info()?;
        let target = next_session_target(chosen, &media)?;
        // The object sees no volume at the start of an overwritable medium;
        // a session at 0 is only right when nothing is there either, not
        // over data of a file system nobody here reads.
        if chosen.kind() == Kind::RandomWrite && target.start_block == 0 {
            overwrite_layout(chosen.import_recorder(), &media)?;
        }
        Ok(target)
    }

    /// `get_SessionStartBlock`.
    pub fn session_start_block(&self) -> Result<u32> {
        Ok(self.target()?.start_block)
    }

    /// `put_SessionStartBlock`: only without a multisession list (the
    /// medium decides otherwise) and before an import.
    pub fn set_session_start_block(&mut self, start: u32) -> Result<()> {
        if self.imported.is_some() || self.multisession.chosen().is_some() {
            return Err(Error::new(
                MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
                "SessionStartBlock follows the multisession object once a list is set",
            ));
        }
        self.manual.start_block = start;
        Ok(())
    }

    /// `get_FreeMediaBlocks`: the room for the next session; 0 = unlimited.
    pub fn free_media_blocks(&self) -> Result<u32> {
        Ok(self.target()?.free_blocks)
    }

    /// `put_FreeMediaBlocks` (0 = unlimited): only without a multisession
    /// list. `IMAPI_E_IMAGE_TOO_BIG` when the new files alone need more.
    pub fn set_free_media_blocks(&mut self, blocks: u32) -> Result<()> {
        if self.imported.is_some() || self.multisession.chosen().is_some() {
            return Err(Error::new(
                MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
                "FreeMediaBlocks follows the multisession object once a list is set",
            ));
        }
        self.check_room(blocks)?;
        self.manual.free_blocks = blocks;
        Ok(())
    }

    /// The new files' data must fit `free` blocks (0 = unlimited). A lower
    /// bound of the session size; `create_result_image` checks exactly.
    fn check_room(&self, free: u32) -> Result<()> {
        let data = self.tree.new_data_blocks();
        if free != 0 && data > u64::from(free) {
            return Err(Error::new(
                MS_IMAPI_E_IMAGE_TOO_BIG,
                format!("the new files alone take {data} blocks, more than {free}"),
            ));
        }
        Ok(())
    }

    /// `ChooseImageDefaults`: file systems and room from the medium now in
    /// `recorder` (for a first session, or a single-session image).
    pub fn choose_image_defaults(&mut self, recorder: &Recorder) -> Result<()> {
        let media = recorder.media_info()?;
        if media.write_model() == WriteModel::ReadOnly {
            return Err(Error::new(
                MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
                format!("{} media cannot be written", media.profile),
            ));
        }
        let free = match media.write_model() {
            // Overwritable media are rewritten from 0 by a first session.
            WriteModel::RandomWrite => media.total_sectors,
            _ => media.free_blocks,
        };
        if free == 0 {
            return Err(Error::new(
                MS_IMAPI_E_IMAGE_TOO_BIG,
                format!("the {} medium has no room left", media.profile),
            ));
        }
        let bd = media.profile.family() == crate::media::Family::Bd;
        self.apply_defaults(free, media.write_unit.max(1), bd)
    }

    /// `ChooseImageDefaultsForMediaType`: file systems and the nominal room
    /// of an empty medium of that `IMAPI_MEDIA_PHYSICAL_TYPE`.
    pub fn choose_image_defaults_for_media_type(&mut self, physical: PhysicalType) -> Result<()> {
        let (free, unit) = nominal_medium(physical).ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("media type {:#x} cannot be written", physical as u32),
            )
        })?;
        let bd = matches!(physical, PhysicalType::BdR | PhysicalType::BdRe);
        self.apply_defaults(free, unit, bd)
    }

    /// Microsoft does not say what the defaults are (docs/imapi2-mapping.md):
    /// every medium gets the ISO 9660 + Joliet + UDF bridge that readers of
    /// all ages mount; UDF 1.02 on CD and DVD (what Windows' own burner
    /// writes there), 2.50 with its metadata partition on BD (as IMAPI2
    /// writes there). An imported UDF revision stays locked.
    fn apply_defaults(&mut self, free: u32, write_unit: u32, bd: bool) -> Result<()> {
        self.check_room(free)?;
        self.manual.free_blocks = free;
        self.manual.write_unit = write_unit;
        if self.locked_udf_revision().is_none() {
            self.udf_revision = if bd {
                0x250
            } else {
                names::DEFAULT_UDF_REVISION
            };
        }
        self.set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF)
    }

    // ----- names and file systems ---------------------------------------------

    /// `get_FileSystemsToCreate`.
    pub fn file_systems(&self) -> FileSystems {
        self.file_systems
    }

    /// `put_FileSystemsToCreate`: ISO 9660 and/or Joliet (ISO 9660 is
    /// always written, it carries Rock Ridge). Allowed before and after an
    /// import: every session gets a complete descriptor set of its own.
    pub fn set_file_systems(&mut self, fs: FileSystems) -> Result<()> {
        validate_file_systems(fs)?;
        self.file_systems = fs;
        Arc::make_mut(&mut self.tree).set_file_systems(fs);
        Ok(())
    }

    /// `get_UDFRevision`.
    pub fn udf_revision(&self) -> u32 {
        self.udf_revision
    }

    /// `get_CreateRedundantUdfMetadataFiles` (IFileSystemImage3): whether
    /// a UDF 2.50+ session writes its metadata twice (true by default).
    pub fn create_redundant_udf_metadata_files(&self) -> bool {
        self.redundant_udf_metadata
    }

    /// `put_CreateRedundantUdfMetadataFiles`: false writes a UDF 2.50+
    /// session's metadata once, its mirror file sharing the blocks
    /// ([`BuildOptions::redundant_udf_metadata`]).
    pub fn set_create_redundant_udf_metadata_files(&mut self, on: bool) {
        self.redundant_udf_metadata = on;
    }

    /// `get_UDFRevisionsSupported`: the revisions this library writes.
    pub fn udf_revisions_supported() -> &'static [u32] {
        names::UDF_REVISIONS_SUPPORTED
    }

    /// `put_UDFRevision`: one of [`udf_revisions_supported`](Self::udf_revisions_supported);
    /// after importing a session written with UDF only that session's
    /// revision (`IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED`): readers take
    /// a volume's revision as the newest they must understand, and one disc
    /// should not ask more of them from one session to the next.
    pub fn set_udf_revision(&mut self, revision: u32) -> Result<()> {
        names::validate_udf_revision(revision)?;
        if let Some(locked) = self.locked_udf_revision() {
            if locked != revision {
                return Err(Error::new(
                    MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
                    format!(
                        "the imported session is UDF {locked:#x}; the next one keeps that revision, not {revision:#x}"
                    ),
                ));
            }
        }
        self.udf_revision = revision;
        Ok(())
    }

    fn locked_udf_revision(&self) -> Option<u32> {
        self.imported.as_ref().and_then(|i| i.udf_found)
    }

    /// `get_VolumeName`.
    pub fn volume_name(&self) -> &str {
        &self.volume_name
    }

    /// `put_VolumeName`.
    pub fn set_volume_name(&mut self, name: &str) -> Result<()> {
        names::validate_volume_name(name)?;
        self.volume_name = name.to_owned();
        Ok(())
    }

    /// `get_ImportedVolumeName`: `None` until something is imported.
    pub fn imported_volume_name(&self) -> Option<&str> {
        self.imported.as_ref().map(|i| i.volume_name.as_str())
    }

    /// The file system the import read, `None` before an import.
    pub fn imported_file_system(&self) -> Option<FileSystems> {
        self.imported.as_ref().map(|i| i.file_system)
    }

    /// UDF revision of the imported volume (0x0102 … 0x0260), `None`
    /// before an import or when it read ISO 9660 or Joliet.
    pub fn imported_udf_revision(&self) -> Option<u16> {
        self.imported.as_ref().and_then(|i| i.udf_revision)
    }

    /// What the last import noticed without failing (a bridge session
    /// whose UDF and ISO 9660 trees differ); empty before an import.
    pub fn import_warnings(&self) -> &[String] {
        self.imported.as_ref().map_or(&[], |i| &i.warnings)
    }

    /// Fixes every date the session records (reproducible output).
    pub fn set_fixed_time(&mut self, seconds_since_epoch: Option<i64>) {
        self.fixed_time = seconds_since_epoch;
    }

    /// Records libisofs session checksums (MD5 of the session and of each
    /// new file, as xorriso `-md5 on` does) in the sessions this image
    /// builds, whether or not the imported session had them.
    pub fn set_session_checksums(&mut self, on: bool) {
        self.session_checksums = on;
    }

    // ----- import ---------------------------------------------------------------

    fn refuse_second_import(&self) -> Result<()> {
        match &self.imported {
            None => Ok(()),
            Some(done) => Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "the image already imported the previous session (its next session starts at {})",
                    done.target.start_block
                ),
            )),
        }
    }

    /// `IdentifyFileSystemsOnDisc`: the file systems of the newest session
    /// on `recorder`'s medium, or on the chosen object's recorder when
    /// `None` (then `IMAPI_E_MULTISESSION_NOT_SET` without a list). A blank
    /// medium gives `FileSystems::NONE`.
    pub fn identify_file_systems_on_disc(
        &self,
        recorder: Option<&Recorder>,
    ) -> Result<FileSystems> {
        let recorder = match recorder {
            Some(r) => r,
            None => &**self.chosen_or_not_set()?.import_recorder(),
        };
        let media = recorder.media_info()?;
        match newest_session(recorder, &media)? {
            None => Ok(FileSystems::NONE),
            Some(start) => Ok(identify(recorder, start)?.file_systems),
        }
    }

    /// `GetDefaultFileSystemForImport`.
    pub fn default_file_system_for_import(found: FileSystems) -> Result<FileSystems> {
        default_file_system_for_import(found)
    }

    /// `ImportFileSystem` (`file_system` `None`) and
    /// `ImportSpecificFileSystem`: reads the previous session through the
    /// chosen object's recorder and merges it into the tree — items already
    /// in the image win a name clash — and fixes where the next session goes.
    /// Returns the file system imported.
    ///
    /// Sequential media: the session at `StartAddressOfPreviousSession`.
    /// Overwritable media and BD-R Pseudo-Overwrite: the session LBA 16
    /// leads to (growisofs and xorriso layouts), the next one after it.
    pub fn import_file_system(&mut self, file_system: Option<FileSystems>) -> Result<FileSystems> {
        self.refuse_second_import()?;
        let chosen = self.chosen_or_not_set()?.clone();
        let recorder = Arc::clone(chosen.import_recorder());
        let media = recorder.media_info()?;
        let (previous, target) = match chosen.kind() {
            Kind::Sequential => {
                let values = chosen.sequential()?;
                let previous = u32::try_from(values.start_address_of_previous_session).ok();
                (previous, next_session_target(&chosen, &media)?)
            }
            Kind::RandomWrite | Kind::PseudoOverwrite => (
                newest_session(&recorder, &media)?,
                next_session_target(&chosen, &media)?,
            ),
        };
        let previous = previous.ok_or_else(|| {
            Error::with_cause(
                MS_IMAPI_E_EMPTY_DISC,
                Cause::Blank,
                format!("the {} medium holds no session to import", media.profile),
            )
        })?;
        if chosen.kind() == Kind::Sequential {
            self.refuse_session_without_file_system(&recorder, previous)?;
        }
        self.import_at(&recorder, &media, previous, file_system, target)
    }

    /// Reads the session at `start` into the tree and fixes `target` as
    /// where the next session goes.
    fn import_at(
        &mut self,
        recorder: &Recorder,
        media: &MediaInfo,
        start: u32,
        file_system: Option<FileSystems>,
        target: Target,
    ) -> Result<FileSystems> {
        let imported = import_with(recorder, start, file_system, limits_for(media), true)?;
        if let Some(hook) = &self.import_progress.0 {
            super::import::report_import(&imported.tree, imported.file_system, hook)?;
        }
        let moved = Arc::make_mut(&mut self.tree).merge_imported(imported.tree)?;
        // A disc that carries UDF keeps it: its next session would else
        // leave UDF readers on the old tree (on overwritable media the old
        // anchor at 256 stays current). The caller may still drop it on
        // write-once media, where each session stands alone.
        if imported.found.contains(FileSystems::UDF) {
            self.file_systems |= FileSystems::UDF;
            Arc::make_mut(&mut self.tree).set_file_systems(self.file_systems);
        } else if target.overwrite
            && self.file_systems.contains(FileSystems::UDF)
            && super::build::refuse_data_under_udf_anchors(&self.tree).is_err()
        {
            // Another writer's overwritable volume keeps data where a UDF
            // bridge's anchors must go (16–23, 256): the defaults cannot
            // add UDF to it. Asking for UDF again afterwards gets the
            // build's refusal, which names the file in the way.
            self.file_systems =
                FileSystems::from_bits(self.file_systems.bits() & !FileSystems::UDF.bits())?;
            Arc::make_mut(&mut self.tree).set_file_systems(self.file_systems);
        }
        let udf_found = if imported.found.contains(FileSystems::UDF) {
            udf_revision_at(recorder, start)
        } else {
            None
        };
        if let Some(revision) = udf_found.filter(|r| names::validate_udf_revision(*r).is_ok()) {
            self.udf_revision = revision;
        }
        self.imported = Some(ImportState {
            volume_name: imported.volume_name,
            file_system: imported.file_system,
            udf_revision: imported.udf_revision,
            warnings: imported.warnings,
            boot: imported.boot,
            session_start: start,
            target,
            found: imported.found,
            udf_found,
            udf_base: imported.udf_base.filter(|_| moved),
        });
        Ok(imported.file_system)
    }

    /// IMAPI imports the last session only. When another program left a
    /// last session with no volume in it (an aborted write), importing
    /// nothing and writing on would make every older file vanish from the
    /// newest tree; so the import fails, and says which older session a
    /// caller can take instead ([`import_session`](Self::import_session)).
    fn refuse_session_without_file_system(&self, recorder: &Recorder, start: u32) -> Result<()> {
        if has_file_system(identify(recorder, start)?.file_systems) {
            return Ok(());
        }
        let older = self
            .newest_session_with_file_system()?
            .filter(|s| s.start < start);
        let hint = match older {
            Some(s) => format!(
                "session {} at LBA {} holds {}; import it explicitly \
                 (FileSystemImage::import_session, ms_image_import_session) to keep its files",
                s.number, s.start, s.file_systems
            ),
            None => "no earlier session holds one either".into(),
        };
        Err(Error::with_cause(
            MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
            Cause::Unsupported,
            format!("the newest session, at LBA {start}, holds no file system; {hint}"),
        ))
    }

    /// The newest complete recorded session that holds a file system, on
    /// sequential media (`None` on overwritable media, whose one volume
    /// [`import_file_system`](Self::import_file_system) always reads).
    pub fn newest_session_with_file_system(&self) -> Result<Option<SessionFileSystems>> {
        let chosen = self.chosen_or_not_set()?;
        if chosen.kind() != Kind::Sequential {
            return Ok(None);
        }
        let recorder = chosen.import_recorder();
        for session in recorder.sessions()?.iter().rev().filter(|s| s.complete) {
            let start = session.extent.start;
            let file_systems = identify(&**recorder, start)?.file_systems;
            if has_file_system(file_systems) {
                return Ok(Some(SessionFileSystems {
                    number: session.number,
                    start,
                    file_systems,
                }));
            }
        }
        Ok(None)
    }

    /// Imports the complete recorded session that starts at
    /// `session_start` instead of the newest one (our extension: IMAPI has
    /// none), on sequential media; the next session still goes after the
    /// newest. For a disc whose newest session holds no file system
    /// ([`newest_session_with_file_system`](Self::newest_session_with_file_system)
    /// names the one to take), and for going back to an older tree.
    pub fn import_session(
        &mut self,
        session_start: u32,
        file_system: Option<FileSystems>,
    ) -> Result<FileSystems> {
        self.refuse_second_import()?;
        let chosen = self.chosen_or_not_set()?.clone();
        if chosen.kind() != Kind::Sequential {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "a {} object keeps one volume that the newest session describes; \
                     older sessions cannot be imported",
                    chosen.kind()
                ),
            ));
        }
        let recorder = Arc::clone(chosen.import_recorder());
        let recorded = recorder.sessions()?;
        if !recorded
            .iter()
            .any(|s| s.complete && s.extent.start == session_start)
        {
            let starts: Vec<u32> = recorded
                .iter()
                .filter(|s| s.complete)
                .map(|s| s.extent.start)
                .collect();
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "no complete session starts at LBA {session_start} (sessions start at {starts:?})"
                ),
            ));
        }
        let media = recorder.media_info()?;
        let target = next_session_target(&chosen, &media)?;
        self.import_at(&recorder, &media, session_start, file_system, target)
    }

    /// IMAPI2's whole "next session" flow in one call, so that a program
    /// does not branch on the media state to do the common thing: a blank
    /// medium takes [`choose_image_defaults`](Self::choose_image_defaults);
    /// otherwise the image takes the multisession objects the drive offers
    /// and imports the newest session. Formatted overwritable media that
    /// hold no volume yet take their first session through the object
    /// (`IMAPI_E_EMPTY_DISC` is not a failure here). When another program
    /// left a newest session without a file system, the newest session
    /// that has one is imported instead, so its files are not dropped; the
    /// answer says so.
    pub fn prepare_for(&mut self, recorder: &Arc<Recorder>) -> Result<Preparation> {
        let media = recorder.media_info()?;
        if media
            .media_state()
            .contains(crate::media::MediaState::BLANK)
        {
            self.choose_image_defaults(recorder)?;
            return Ok(Preparation::FirstSession);
        }
        self.set_multisession_interfaces(crate::session::offer(recorder)?)?;
        match self.import_file_system(None) {
            Ok(file_system) => Ok(Preparation::Imported {
                session_start: self.imported_session_start().unwrap_or(0),
                file_system,
                newest_without_file_system: None,
            }),
            Err(e) if e.cause() == Cause::Blank => Ok(Preparation::FirstSession),
            Err(e) if e.cause() == Cause::Unsupported => {
                let Some(older) = self.newest_session_with_file_system()? else {
                    return Err(e);
                };
                let file_system = self.import_session(older.start, None)?;
                Ok(Preparation::Imported {
                    session_start: older.start,
                    file_system,
                    newest_without_file_system: media.previous_session.map(|s| s.start),
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Start of the session the last import read.
    pub fn imported_session_start(&self) -> Option<u32> {
        self.imported.as_ref().map(|i| i.session_start)
    }

    // ----- edits ----------------------------------------------------------------

    /// The tree the next session will hold.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The tree to edit directly: links, attributes of imported entries,
    /// whatever the `IFileSystemImage` calls above do not reach (an
    /// incremental update keeps an unchanged file's extents and only sets
    /// its new mode).
    pub fn tree_mut(&mut self) -> &mut Tree {
        Arc::make_mut(&mut self.tree)
    }

    /// Adds the local file `local` as `path`; its data is read while the
    /// result is streamed. `replace` lets it take an existing entry's place
    /// (else `IMAPI_E_DUP_NAME`).
    pub fn add_file(&mut self, path: &str, local: &Path, replace: bool) -> Result<()> {
        Arc::make_mut(&mut self.tree)
            .add_local_file(path, local, replace)
            .map(drop)
    }

    /// Adds `size` bytes read from `reader` as `path`, read once, lazily,
    /// while the result is streamed (IMAPI's `IStream` items).
    pub fn add_stream(
        &mut self,
        path: &str,
        size: u64,
        reader: Box<dyn Read + Send>,
        replace: bool,
    ) -> Result<()> {
        self.add_source(path, size, Arc::new(OnceReader::new(reader)), replace)
    }

    /// Adds `size` bytes from `source` as `path`.
    pub fn add_source(
        &mut self,
        path: &str,
        size: u64,
        source: Arc<dyn DataSource>,
        replace: bool,
    ) -> Result<()> {
        Arc::make_mut(&mut self.tree)
            .add_file(path, size, source, Attrs::file(), replace)
            .map(drop)
    }

    /// Adds the local directory `local` under `dest` (`AddTree`): with
    /// `include_base` as `dest/<name of local>`, else its contents.
    pub fn add_tree(
        &mut self,
        local: &Path,
        dest: &str,
        include_base: bool,
        on_clash: OnClash,
    ) -> Result<()> {
        Arc::make_mut(&mut self.tree)
            .add_tree(local, dest, include_base, on_clash)
            .map(drop)
    }

    /// Creates the directory `path`; with `parents` also the missing ones
    /// above it (existing directories are then no error).
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<()> {
        if parents {
            Arc::make_mut(&mut self.tree).mkdir_all(path).map(drop)
        } else {
            Arc::make_mut(&mut self.tree).mkdir(path).map(drop)
        }
    }

    /// Removes `path` from the next session (`Remove`, or `RemoveTree` with
    /// `recursive`). Its data stays on the medium, unreferenced.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<()> {
        if recursive {
            Arc::make_mut(&mut self.tree).remove_tree(path)
        } else {
            Arc::make_mut(&mut self.tree).remove(path)
        }
    }

    /// Renames or moves `from` to `to`.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        Arc::make_mut(&mut self.tree).rename(from, to)
    }

    // ----- result ---------------------------------------------------------------

    /// `CreateResultImage`: builds the next session at `SessionStartBlock`.
    /// `IMAPI_E_IMAGE_TOO_BIG` when it does not fit `FreeMediaBlocks`.
    /// Nothing is read from file sources until the result is streamed.
    pub fn create_result_image(&self) -> Result<ResultImage> {
        let target = self.target()?;
        if let Some(locked) = self.locked_udf_revision() {
            if self.file_systems.contains(FileSystems::UDF)
                && names::validate_udf_revision(locked).is_err()
            {
                return Err(Error::new(
                    MS_IMAPI_E_UDF_NOT_WRITE_COMPATIBLE,
                    format!(
                        "the imported session is UDF {locked:#x}, which this library cannot append to; leave UDF out of the next session"
                    ),
                ));
            }
        }
        if let Some(imported) = &self.imported {
            if target.overwrite
                && imported.found.contains(FileSystems::UDF)
                && !self.file_systems.contains(FileSystems::UDF)
            {
                return Err(Error::new(
                    MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION,
                    "the overwritable medium's volume carries UDF; a session without UDF would leave UDF readers on the old tree",
                ));
            }
        }
        let options = BuildOptions {
            start_block: target.start_block,
            file_systems: self.file_systems,
            volume_name: self.volume_name.clone(),
            write_unit: target.write_unit,
            free_blocks: (target.free_blocks != 0).then_some(target.free_blocks),
            time: self.fixed_time,
            boot: self.imported.as_ref().and_then(|i| i.boot.clone()),
            random_write: target.overwrite,
            pad_blocks: 0,
            session_checksums: self.session_checksums,
            udf_revision: self.udf_revision,
            udf_base: self.imported.as_ref().and_then(|i| i.udf_base.clone()),
            redundant_udf_metadata: self.redundant_udf_metadata,
        };
        let mut session = build(Arc::clone(&self.tree), &options)?;
        session.set_progress(self.build_progress.0.clone());
        Ok(ResultImage::new(session, self.volume_name.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsi::SessionStream;

    #[test]
    fn a_new_image_has_an_empty_list_no_choice_and_imapi_defaults() {
        let image = FileSystemImage::new();
        assert!(image.multisession_interfaces().is_empty());
        assert!(image.chosen_multisession().is_none());
        assert_eq!(image.session_start_block().unwrap(), 0);
        assert_eq!(image.free_media_blocks().unwrap(), 332_800);
        assert_eq!(
            image.file_systems(),
            FileSystems::ISO9660 | FileSystems::JOLIET
        );
        assert_eq!(image.imported_volume_name(), None);
    }

    #[test]
    fn putting_an_empty_list_is_invalidarg_and_keeps_the_image_unchanged() {
        let mut image = FileSystemImage::new();
        let err = image.set_multisession_interfaces(Vec::new()).unwrap_err();
        assert_eq!(err.code(), crate::hresult::MS_E_INVALIDARG);
        assert!(image.multisession_interfaces().is_empty());
    }

    #[test]
    fn import_and_identify_without_a_list_are_multisession_not_set() {
        let mut image = FileSystemImage::new();
        let e = image.import_file_system(None).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_MULTISESSION_NOT_SET);
        let e = image.identify_file_systems_on_disc(None).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_MULTISESSION_NOT_SET);
    }

    #[test]
    fn file_systems_and_volume_names_are_checked_by_the_engine_rules() {
        let mut image = FileSystemImage::new();
        assert_eq!(
            image
                .set_file_systems(FileSystems::NONE)
                .unwrap_err()
                .code(),
            MS_IMAPI_E_NO_OUTPUT
        );
        assert_eq!(
            image
                .set_file_systems(FileSystems::UNKNOWN)
                .unwrap_err()
                .code(),
            MS_IMAPI_E_INVALID_PARAM
        );
        image.set_file_systems(FileSystems::ISO9660).unwrap();
        assert_eq!(image.file_systems(), FileSystems::ISO9660);
        image.set_volume_name("Backup 2024").unwrap();
        assert_eq!(image.volume_name(), "Backup 2024");
        let long = "x".repeat(40);
        assert_eq!(
            image.set_volume_name(&long).unwrap_err().code(),
            MS_IMAPI_E_INVALID_VOLUME_NAME
        );
        assert_eq!(image.volume_name(), "Backup 2024");
    }

    #[test]
    fn defaults_for_a_media_type_set_the_nominal_room_and_refuse_rom() {
        let mut image = FileSystemImage::new();
        image
            .choose_image_defaults_for_media_type(PhysicalType::BdR)
            .unwrap();
        assert_eq!(image.free_media_blocks().unwrap(), 12_219_392);
        assert_eq!(image.target().unwrap().write_unit, 32);
        let e = image
            .choose_image_defaults_for_media_type(PhysicalType::DvdRom)
            .unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_INVALID_PARAM);
        assert_eq!(physical_type_from_value(0x13), Some(PhysicalType::BdRe));
        assert_eq!(physical_type_from_value(0x14), None);
    }

    #[test]
    fn defaults_for_a_media_type_pick_the_udf_bridge_and_its_revision() {
        let mut image = FileSystemImage::new();
        assert_eq!(image.udf_revision(), 0x102);
        for (physical, revision) in [
            (PhysicalType::CdR, 0x102),
            (PhysicalType::DvdPlusRw, 0x102),
            (PhysicalType::BdR, 0x250),
            (PhysicalType::BdRe, 0x250),
            (PhysicalType::DvdDashR, 0x102),
        ] {
            image
                .choose_image_defaults_for_media_type(physical)
                .unwrap();
            assert_eq!(
                image.file_systems(),
                FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
                "{physical:?}"
            );
            assert_eq!(image.udf_revision(), revision, "{physical:?}");
        }
    }

    #[test]
    fn udf_revisions_are_imapi_values_and_only_written_ones_are_accepted() {
        let mut image = FileSystemImage::new();
        assert_eq!(
            FileSystemImage::udf_revisions_supported(),
            &[0x102, 0x150, 0x200, 0x201, 0x250]
        );
        for revision in [0x250, 0x201, 0x150, 0x200, 0x102] {
            image.set_udf_revision(revision).unwrap();
            assert_eq!(image.udf_revision(), revision);
        }
        for revision in [0x260, 0x100, 0, 0x1_0102] {
            let e = image.set_udf_revision(revision).unwrap_err();
            assert_eq!(e.code(), MS_IMAPI_E_INVALID_PARAM, "{revision:#x}");
            assert_eq!(image.udf_revision(), 0x102, "unchanged after {revision:#x}");
        }
        // UDF joins the other file systems, or stands alone.
        image
            .set_file_systems(FileSystems::ISO9660 | FileSystems::UDF)
            .unwrap();
        image.set_file_systems(FileSystems::UDF).unwrap();
        assert_eq!(image.file_systems(), FileSystems::UDF);
    }

    #[test]
    fn room_is_checked_when_set_and_when_the_result_is_created() {
        let mut image = FileSystemImage::new();
        image
            .add_stream("/big", 100 * 2048, Box::new(std::io::empty()), false)
            .unwrap();
        assert_eq!(
            image.set_free_media_blocks(50).unwrap_err().code(),
            MS_IMAPI_E_IMAGE_TOO_BIG
        );
        image.set_free_media_blocks(110).unwrap();
        // 100 data blocks fit, the descriptors and directories on top do not.
        assert_eq!(
            image.create_result_image().unwrap_err().code(),
            MS_IMAPI_E_IMAGE_TOO_BIG
        );
        image.set_free_media_blocks(0).unwrap();
        let result = image.create_result_image().unwrap();
        assert!(result.total_blocks() > 100);
        assert_eq!(result.start_block(), 0);
        assert!(result.anchor().is_none());
    }

    #[test]
    fn a_manual_start_block_places_the_result() {
        let mut image = FileSystemImage::new();
        image.set_session_start_block(5000).unwrap();
        image.mkdir("/a/b", true).unwrap();
        let result = image.create_result_image().unwrap();
        assert_eq!(result.start_block(), 5000);
    }

    #[test]
    fn edits_report_the_engine_codes() {
        let mut image = FileSystemImage::new();
        image.mkdir("/d", false).unwrap();
        assert_eq!(
            image.mkdir("/d", false).unwrap_err().code(),
            MS_IMAPI_E_DUP_NAME
        );
        assert_eq!(
            image.mkdir("/x/y", false).unwrap_err().code(),
            MS_IMAPI_E_DIR_NOT_FOUND
        );
        image
            .add_stream("/d/f", 3, Box::new(&b"abc"[..]), false)
            .unwrap();
        assert_eq!(
            image.remove("/d", false).unwrap_err().code(),
            MS_IMAPI_E_DIR_NOT_EMPTY
        );
        assert_eq!(
            image.rename("/nope", "/n").unwrap_err().code(),
            MS_IMAPI_E_ITEM_NOT_FOUND
        );
        assert_eq!(
            image
                .add_file("/d/g", Path::new("/nonexistent/file"), false)
                .unwrap_err()
                .code(),
            MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE
        );
        image.rename("/d/f", "/d/g").unwrap();
        image.remove("/d", true).unwrap();
        assert!(image.tree().is_empty());
    }
}
