//! `multisession`: the Windows IMAPI2 multisession model for CD, DVD and BD
//! on any platform, as a Rust crate and a C ABI.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `Recorder::open` → `mmc::probe` → `MediaInfo` → `session::offer` →
//! `fsi::FileSystemImage` (select, import, edit, build) → `burn::DataWriter`.

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

pub use error::{Error, Result};
pub use hresult::HResult;
pub use media::{MediaState, PhysicalType, Profile};
pub use mmc::MediaInfo;
pub use recorder::{Identity, Recorder};
