//! Typed MMC: CDB builders, reply parsers and `probe`, which turns a few
//! commands into a [`MediaInfo`].
//!
//! [`MediaInfo`] is the contract between the drive layer and everything
//! above it: the multisession objects, the file-system image and the
//! writer read only this struct, never raw replies.

// Crate-private: outside the crate only the fuzz targets reach the parsers
// (through `internals`), so they are not held to `missing_docs`; the types
// the crate root re-exports opt back in.
#![allow(missing_docs)]

pub mod capacity;
pub mod cdb;
pub mod config;
pub mod disc_info;
pub mod event;
pub mod exec;
pub mod inquiry;
pub mod mode;
pub mod msf;
mod probe;
pub mod reply;
pub mod speed;
pub mod toc;
pub mod trace;
pub mod track_info;

pub use cdb::Cdb;
pub use exec::Drive;
pub use probe::{probe, sessions, RecordedSession};

use crate::media::{MediaState, PhysicalType, Profile, WriteModel, WriteProtect};

/// READ DISC INFORMATION byte 2 bits 0-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[warn(missing_docs)]
pub enum DiscStatus {
    /// Nothing recorded: the first write starts at LBA 0.
    Blank,
    /// Incomplete: more sessions (or tracks) may be added.
    Appendable,
    /// Complete: finalized, nothing more can be written.
    Finalized,
    /// "Others": random-access media such as DVD-RAM.
    RandomAccess,
}

/// READ DISC INFORMATION byte 2 bits 2-3: state of the last session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[warn(missing_docs)]
pub enum SessionState {
    /// No track written in the last session yet.
    Empty,
    /// A track was written but the session was not closed.
    Incomplete,
    /// The last session cannot be continued (a drive says so after a failed write).
    Damaged,
    /// The last session is closed; a new one can follow unless the disc is finalized.
    Complete,
}

/// Format state of overwritable (and formattable) media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[warn(missing_docs)]
pub enum FormatState {
    /// Not a formattable medium (CD-R, DVD±R …).
    NotApplicable,
    /// Formattable but never formatted (new DVD+RW, BD-RE).
    Unformatted,
    /// A format was started and is running or suspended (DVD+RW background format).
    InProgress,
    /// Formatted; `capacity` blocks are addressable.
    Formatted,
}

/// Start and last written LBA of a recorded session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[warn(missing_docs)]
pub struct SessionExtent {
    /// First LBA of the session's first track (libburn's msc1, mkisofs -C's first number).
    pub start: u32,
    /// Last LBA written in the session's last track.
    pub last_written: u32,
}

/// Everything the library knows about the loaded medium, from the fewest
/// MMC commands that give correct values for its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[warn(missing_docs)]
pub struct MediaInfo {
    /// The current profile, which decides every rule below.
    pub profile: Profile,
    /// Blank, appendable, finalized or random-access.
    pub disc_status: DiscStatus,
    /// Whether the last session can take more tracks.
    pub last_session: SessionState,
    /// MMC erasable bit (believed only for CD-RW and DVD-RW, as libburn does).
    pub erasable: bool,
    /// Complete (closed) sessions on the medium.
    pub sessions: u16,
    /// Tracks in complete sessions.
    pub tracks: u16,
    /// The last complete session, `None` when there is none.
    pub previous_session: Option<SessionExtent>,
    /// Where the next write must start; `None` when nothing can be appended
    /// (finalized, read-only, no NWA reported). Random-write media have no
    /// NWA of their own: there it is the end of the ISO 9660 volume at LBA
    /// 16 rounded up to the write unit, 0 without one.
    pub next_writable: Option<u32>,
    /// Blocks that can still be written at `next_writable`. On random-write
    /// media, as libburn reports them: the capacity after the ISO 9660
    /// volume at LBA 16 (all of it when there is none), and on an
    /// unformatted BD-RE the capacity its default format will leave.
    pub free_blocks: u32,
    /// Last recorded LBA on the medium (READ CAPACITY), `None` when nothing is recorded.
    pub last_recorded: Option<u32>,
    /// Used plus free blocks.
    pub total_sectors: u32,
    /// Write/alignment unit in blocks (1 CD, 16 DVD, 32 BD).
    pub write_unit: u32,
    /// Why the medium refuses writes, if it does.
    pub write_protect: WriteProtect,
    /// Whether a formattable medium is formatted (and how far).
    pub format: FormatState,
    /// BD-R formatted for Pseudo-Overwrite (feature 0x38 current).
    pub pseudo_overwrite: bool,
    /// Incremental Streaming Writable (feature 0x21) is current: DVD-R/RW can
    /// take more sessions. Always true for media that do not need it.
    pub incremental: bool,
}

#[warn(missing_docs)]
impl MediaInfo {
    /// IMAPI's physical type, for `get_CurrentPhysicalMediaType`.
    pub fn physical_type(&self) -> PhysicalType {
        self.profile.physical_type()
    }

    /// How this medium takes new data.
    pub fn write_model(&self) -> WriteModel {
        self.profile.write_model()
    }

    /// `IMAPI_FORMAT2_DATA_MEDIA_STATE` derived from the fields above.
    pub fn media_state(&self) -> MediaState {
        let mut state = MediaState::UNKNOWN;
        if self.write_protect.is_protected() {
            state |= MediaState::WRITE_PROTECTED;
        }
        match self.write_model() {
            WriteModel::ReadOnly => {
                state |= MediaState::FINALIZED | MediaState::UNSUPPORTED_MEDIA;
            }
            WriteModel::RandomWrite => {
                state |= MediaState::OVERWRITE_ONLY;
                if self.last_recorded.is_none() || self.format == FormatState::Unformatted {
                    state |= MediaState::BLANK;
                }
            }
            WriteModel::Sequential => match self.disc_status {
                DiscStatus::Blank => state |= MediaState::BLANK,
                DiscStatus::Appendable => {
                    state |= MediaState::APPENDABLE;
                    if self.last_session == SessionState::Incomplete {
                        state |= MediaState::NON_EMPTY_SESSION;
                    }
                    if self.last_session == SessionState::Damaged {
                        state |= MediaState::DAMAGED;
                    }
                    if !self.incremental
                        || matches!(
                            self.profile,
                            Profile::DvdMinusRDl | Profile::DvdMinusRDlJump
                        )
                    {
                        state |= MediaState::FINAL_SESSION;
                    }
                }
                DiscStatus::Finalized => state |= MediaState::FINALIZED,
                DiscStatus::RandomAccess => state |= MediaState::OVERWRITE_ONLY,
            },
        }
        state
    }
}
