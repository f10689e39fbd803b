//! `multisession`: the Windows IMAPI2 multisession model for CD, DVD and BD
//! on any platform, as a Rust crate and a C ABI.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `Recorder::open` → `mmc::probe` → `MediaInfo` → `session::offer` →
//! `fsi::FileSystemImage` (select, import, edit, build) → `burn::DataWriter`.
//!
//! The C library built from this crate (`include/multisession.h`, its rules
//! in `docs/c-api.md`) offers the same model to C, C++ and Go.
//!
//! # Example
//!
//! Two sessions on an emulated CD-R (an image file and a JSON sidecar that
//! answer MMC commands like a drive): each one imports the one before, so
//! the newest session shows every file, and the drive then reports the
//! numbers `cdrecord -msinfo` prints.
//!
//! ```
//! use std::io::Cursor;
//! use std::sync::Arc;
//!
//! use multisession::burn::{DataWriter, Flow, WriteOptions};
//! use multisession::fsi::FileSystemImage;
//! use multisession::scsi::emulator::{create_blank, Existing};
//! use multisession::{Profile, Recorder};
//!
//! # fn main() -> multisession::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let disc = dir.path().join("disc.img");
//! create_blank(&disc, Profile::CdR, None, Existing::Refuse)?;
//!
//! // IMAPI2 closes a DVD+R after each write unless told otherwise.
//! let options = WriteOptions {
//!     disable_consumer_dvd_compatibility_mode: true,
//!     ..WriteOptions::default()
//! };
//! for (path, text) in [("/first.txt", "one"), ("/second.txt", "two")] {
//!     let recorder = Arc::new(Recorder::open(&disc)?);
//!     let mut image = FileSystemImage::new();
//!     // The disc's defaults when blank, else the newest session imported.
//!     image.prepare_for(&recorder)?;
//!     image.add_stream(path, text.len() as u64, Box::new(Cursor::new(text)), false)?;
//!     let mut session = image.create_result_image()?;
//!     DataWriter::new(recorder, options.clone()).write(&mut session, &mut |_| Flow::Continue)?;
//! }
//!
//! let recorder = Arc::new(Recorder::open(&disc)?);
//! let media = recorder.media_info()?;
//! let previous = media.previous_session.expect("two sessions").start;
//! let next = media.next_writable.expect("still appendable");
//! assert!(previous > 0 && next > previous);
//!
//! let mut image = FileSystemImage::new();
//! image.prepare_for(&recorder)?;
//! assert!(image.tree().lookup("/first.txt").is_ok());
//! assert!(image.tree().lookup("/second.txt").is_ok());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub(crate) mod block;
pub mod burn;
pub mod error;
// The C ABI: its items are exported as symbols whatever the module's
// visibility, documented in include/multisession.h and docs/c-api.md; Rust
// code reaches them only through `internals`.
#[allow(missing_docs)]
pub(crate) mod ffi;
pub mod fsi;
pub mod hresult;
pub mod media;
pub(crate) mod mmc;
pub mod recorder;
pub mod scsi;
pub mod session;
#[doc(hidden)]
pub mod testing;
pub(crate) mod volume;

pub use error::{Error, Result};
pub use hresult::HResult;
pub use media::{MediaState, PhysicalType, Profile, WriteProtect};
pub use mmc::{DiscStatus, FormatState, MediaInfo, SessionExtent, SessionState};
pub use recorder::{Identity, Recorder};

/// Not an API: the crate-private parsers, codecs and transports that the
/// fuzz targets, benches, the LD_PRELOAD device and the hostile-input tests
/// drive directly. Paths here change without notice (see
/// `docs/architecture.md`, "Public API").
#[doc(hidden)]
pub mod internals {
    /// The C ABI's Rust items (fuzzing the C calls, benches of the getters).
    pub mod ffi {
        pub use crate::ffi::*;
    }
    /// MMC reply parsers and CDB builders (fuzzed with hostile replies).
    pub mod mmc {
        pub use crate::mmc::*;
    }
    /// ISO 9660 on-disc layouts, codecs and the reader/writer halves.
    pub mod iso9660 {
        pub use crate::fsi::iso9660::*;
    }
    /// UDF on-disc descriptors and the reader/writer halves.
    pub mod udf {
        pub use crate::fsi::udf::*;
    }
    /// ISO 9660 and Joliet name mapping.
    pub mod names {
        pub use crate::fsi::names::*;
    }
    /// The Linux SG_IO transport (the LD_PRELOAD device mimics its ABI).
    pub mod sg {
        pub use crate::scsi::sg::*;
    }
    pub use crate::burn::stream::next_session_target;
    /// CDB names for traces (the LD_PRELOAD device logs them).
    pub use crate::mmc::cdb::op_name;
}
