//! A process-wide observer of every command sent to a drive, for a
//! program's log: `Drive::run_raw` is the one place every CDB passes (the
//! recorder's probes, the writer's WRITEs, the emulator and SG_IO alike),
//! so the hook sits there and nowhere else.
//!
//! Without an observer the cost is one atomic load per command.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;

/// One command as it completed (or failed to reach the drive).
#[derive(Debug)]
pub struct CommandTrace<'a> {
    pub cdb: &'a [u8],
    /// The SCSI status byte (0 GOOD, 2 CHECK CONDITION, 8 BUSY); `None`
    /// when the command did not complete (`failure` says why).
    pub status: Option<u8>,
    /// Raw sense bytes of a CHECK CONDITION, else empty.
    pub sense: &'a [u8],
    /// The transport's error when the command did not complete.
    pub failure: Option<&'a str>,
    pub elapsed: Duration,
    /// The drive, as messages name it.
    pub device: &'a str,
}

/// What an observer is.
pub type Observer = dyn Fn(&CommandTrace<'_>) + Send + Sync;

struct Hook(Box<Observer>);

static OBSERVER: ArcSwapOption<Hook> = ArcSwapOption::const_empty();

/// Installs `observer` for every later command of every drive (replacing
/// any earlier one), or removes it with `None`. A command already running
/// may still report to the previous observer.
pub fn set_observer(observer: Option<Box<Observer>>) {
    OBSERVER.store(observer.map(|o| Arc::new(Hook(o))));
}

/// An observer is installed: only then is a trace worth building.
pub(crate) fn observed() -> bool {
    OBSERVER.load().is_some()
}

pub(crate) fn report(trace: &CommandTrace<'_>) {
    if let Some(hook) = OBSERVER.load_full() {
        (hook.0)(trace);
    }
}
