//! The file-system image: the multisession list and its selection, the
//! imported tree, edits, and the next session built from them.
//!
//! Two traits here are the seams to the layers around the image: import
//! reads the previous session through a [`BlockSource`] (a `Recorder` on a
//! real or emulated drive, or a plain image file in tests), and the built
//! session leaves as a [`SessionStream`] that `burn::DataWriter` writes.

/// Defined in the crate-private `block` layer (below `fsi`, which scsi and
/// mmc use too) and public here, where callers reading images meet them.
pub use crate::block::{BlockSource, BLOCK_SIZE};
use crate::error::Result;

/// Where a block range of a session stream goes and when it may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// First LBA the anchor blocks are written to (16 for the volume
    /// descriptors of a growisofs-style random-write session).
    pub lba: u32,
    /// Number of blocks.
    pub blocks: u32,
}

/// A built session, produced block by block on demand.
///
/// Blocks `0..total_blocks()` are written at `start_block() + i`. When
/// `anchor()` is `Some`, `read_anchor` yields the blocks to write at that
/// anchor *after* the session data is safely on the medium: on random-write
/// media that rewrite of LBA 16–31 is the commit point.
pub trait SessionStream: Send {
    /// LBA the session's first block is written at.
    fn start_block(&self) -> u32;
    /// Blocks of the session, not counting the anchor.
    fn total_blocks(&self) -> u32;
    /// Fills `buf` (a whole number of blocks) with session blocks starting at
    /// `first` (relative to `start_block`).
    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()>;
    /// The range to rewrite once the data is on the medium, `None` on sequential media.
    fn anchor(&self) -> Option<Anchor>;
    /// Fills `buf` (exactly `anchor().blocks` blocks) with the anchor blocks.
    fn read_anchor(&mut self, buf: &mut [u8]) -> Result<()>;
    /// A second range rewritten at the commit, just before `anchor()`:
    /// a UDF bridge session's anchor volume descriptor pointer at LBA 256,
    /// which UDF readers look for where ISO 9660 readers look at LBA 16.
    /// Written first so that the primary volume descriptor stays the last
    /// block to change.
    fn second_anchor(&self) -> Option<Anchor> {
        None
    }
    /// Fills `buf` (exactly `second_anchor().blocks` blocks) with its blocks.
    fn read_second_anchor(&mut self, _buf: &mut [u8]) -> Result<()> {
        Err(crate::error::Error::new(
            crate::hresult::MS_IMAPI_E_INVALID_PARAM,
            "this session has no second anchor",
        ))
    }
}

pub(crate) mod build;
pub(crate) mod data_source;
pub(crate) mod file_source;
pub(crate) mod image;
pub(crate) mod import;
#[allow(missing_docs)]
pub(crate) mod iso9660;
pub(crate) mod join;
pub(crate) mod meta_blocks;
pub(crate) mod multisession;
#[allow(missing_docs)]
pub(crate) mod names;
pub(crate) mod packed_names;
pub(crate) mod progress;
pub(crate) mod read_ahead;
pub(crate) mod recorded;
pub(crate) mod result;
pub mod tree;
#[allow(missing_docs)]
pub(crate) mod udf;

pub use build::{build, estimate_blocks, BuildOptions, Session};
pub use file_source::FileBlocks;
pub use image::{FileSystemImage, Preparation, SessionFileSystems, Target};
pub use import::{
    default_file_system_for_import, identify, import, locate_random_write, Identified, Imported,
    RandomWriteLayout, RandomWriteStyle,
};
pub use iso9660::descriptor::BootRecord;
pub use iso9660::read::ImportLimits;
pub use names::FileSystems;
pub use progress::{BuildHook, BuildProgress, Flow, ImportHook, ImportProgress};
pub use recorded::{recorded_sessions, MediumFile, RecordedVolume};
pub use result::{BlockRange, ResultImage};
pub use tree::{
    Attrs, Content, DataSource, Extent, Extents, LocalDir, LocalFile, OnClash, OnceReader, Source,
    Times, Tree,
};
pub use udf::incremental::UdfBase;
