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

pub mod block;
pub mod burn;
pub mod error;
pub mod ffi;
pub mod fsi;
pub mod hresult;
pub mod media;
pub mod mmc;
pub mod recorder;
pub mod scsi;
pub mod session;
#[doc(hidden)]
pub mod testing;

pub use error::{Error, Result};
pub use hresult::HResult;
pub use media::{MediaState, PhysicalType, Profile};
pub use mmc::MediaInfo;
pub use recorder::{Identity, Recorder};
