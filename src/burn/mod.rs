//! Writing the next session: [`DataWriter`] (IMAPI's `IDiscFormat2Data`
//! `Write`, with progress events, cancel and a crash-safe commit), erase
//! and format.
//!
//! Flow of one write: probe and check the medium (`plan`), lock the
//! recorder, format if an overwritable medium needs it, send the write
//! parameters the profile needs (`params`), WRITE the session in
//! write-unit aligned chunks, SYNCHRONIZE CACHE, then make it visible:
//! CLOSE TRACK/SESSION on sequential media, the anchor rewrite on
//! overwritable media. See the `writer` module for what an interruption leaves.

pub(crate) mod command;
pub(crate) mod params;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod recover;
pub(crate) mod stream;
pub(crate) mod write_behind;
pub(crate) mod writer;

use std::time::Duration;

pub use plan::Finish;
pub use progress::{CancelToken, EraseProgress, Flow, Progress, WriteAction};
pub use recover::Recovery;
pub use stream::StreamSession;
pub use writer::{DataWriter, Outcome, WriteReport};

/// The settable properties of IMAPI's `IDiscFormat2Data` that change a write.
///
/// The defaults are IMAPI's, including its DVD+R rule: with
/// `disable_consumer_dvd_compatibility_mode` false a DVD+R is always closed,
/// so a multisession DVD+R needs it set to true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// `ForceMediaToBeClosed`: finalize the disc after this session.
    pub force_media_to_be_closed: bool,
    /// `DisableConsumerDvdCompatibilityMode` (DVD+R closing matrix,
    /// docs/imapi2-mapping.md).
    pub disable_consumer_dvd_compatibility_mode: bool,
    /// `ForceOverwrite`: let a session without a commit anchor replace an
    /// ISO 9660 volume on an overwritable medium.
    pub force_overwrite: bool,
    /// Read the session back after writing and compare it with digests
    /// taken as it was written (sources are never read twice).
    pub verify: bool,
    /// Least time between two progress events while writing or verifying
    /// (IMAPI fires every 0.5 s); action changes are always reported.
    pub progress_interval: Duration,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            force_media_to_be_closed: false,
            disable_consumer_dvd_compatibility_mode: false,
            force_overwrite: false,
            verify: false,
            progress_interval: Duration::from_millis(500),
        }
    }
}
