//! The logical block: its size and random read access to it.
//!
//! Every layer handles 2048-byte blocks — the emulator stores them, the
//! recorder reads them, session placement and selection probe them, the
//! image reader parses them — so the block lives here, below all of them,
//! and no lower layer has to reach up into `fsi` for it.

use crate::error::Result;

/// Bytes per logical block on every medium we handle.
pub const BLOCK_SIZE: usize = 2048;

/// Random read access to 2048-byte blocks of a medium.
///
/// Import reads the previous session through it: a `Recorder` on a real or
/// emulated drive, or a plain image file in tests.
pub trait BlockSource {
    /// Fills `buf` (a whole number of blocks) from `lba` onwards.
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()>;

    /// This source, when two threads may read it at once. The import of a
    /// bridge then reads its ISO 9660 tree on a second thread while the
    /// caller's reads the UDF directories. `None`, the default, keeps
    /// every read on the caller's thread: a source need not be `Sync` to
    /// be read, and a test's counting mock is not.
    fn shared(&self) -> Option<&(dyn BlockSource + Sync)> {
        None
    }
}
