//! The WRITEs of a session sent from a second thread.
//!
//! Producing a session's blocks (reading local files, encoding
//! directories) and handing them to the drive both cost a core's time: on
//! the emulated drive a WRITE is a copy into the page cache, on a real one
//! a wait for the bus. Done one after the other, a million-file session
//! pays for both; here the caller's thread produces the next batch while
//! a second thread sends the last one.
//!
//! What stays the same: WRITEs go out in the order they were queued, from
//! one thread, so the crash-safety order of `writer` holds; the caller's
//! thread keeps every callback (progress, cancel, the caller's streams);
//! the drive's first error stops the queue and is the error returned.
//! Progress counts the blocks queued, which is what writes sent in line
//! would have sent by then; the queue holds at most 2 MiB.

use std::sync::mpsc::{self, Receiver, SyncSender};

use crate::block::BLOCK_SIZE;
use crate::burn::command;
use crate::error::{Error, Result};
use crate::hresult;
use crate::recorder::WriteGuard;

/// Blocks sent to the drive thread at a time: 512 KiB, so a session of
/// gigabytes crosses threads some thousand times, not once per WRITE.
/// With [`DEPTH`], the one being written and the one being filled, the
/// queue holds 2 MiB at most: as fast as 5 MiB was, measured.
pub(crate) const BATCH_BLOCKS: u32 = 256;

/// Batches queued ahead of the drive: what the producer may run ahead.
const DEPTH: usize = 2;

/// The queue to the drive thread, as the producer sees it.
pub(crate) struct WriteBehind {
    queue: SyncSender<(u32, Vec<u8>)>,
    spare: Receiver<Vec<u8>>,
}

/// The drive thread stopped taking batches: its error is the write's.
#[derive(Debug)]
pub(crate) struct DriveStopped;

impl From<DriveStopped> for Error {
    fn from(_: DriveStopped) -> Error {
        // Only seen when the drive thread's own error is lost, which
        // `write_behind` never lets happen; kept meaningful regardless.
        Error::new(
            hresult::MS_E_FAIL,
            "the drive thread stopped before the session was written",
        )
    }
}

impl WriteBehind {
    /// An empty buffer to fill, reusing one the drive thread is done with.
    pub(crate) fn buffer(&self) -> Vec<u8> {
        let mut buf = self
            .spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(BATCH_BLOCKS as usize * BLOCK_SIZE));
        buf.clear();
        buf
    }

    /// Queues `data` (whole blocks) for LBA `lba`; waits while the queue is
    /// full.
    pub(crate) fn write(&self, lba: u32, data: Vec<u8>) -> std::result::Result<(), DriveStopped> {
        debug_assert_eq!(data.len() % BLOCK_SIZE, 0);
        if data.is_empty() {
            return Ok(());
        }
        self.queue.send((lba, data)).map_err(|_| DriveStopped)
    }
}

/// Runs `produce` with a [`WriteBehind`] whose batches a second thread
/// WRITEs through `guard`; returns once every queued batch was sent.
///
/// The drive's error, if any, wins over `produce`'s result (which is then
/// at most the [`DriveStopped`] it caused). A `produce` that fails leaves
/// what it queued before to be written: the state is the one the same
/// error would have left with the WRITEs sent in line.
pub(crate) fn write_behind<R>(
    guard: &WriteGuard<'_>,
    produce: impl FnOnce(&WriteBehind) -> Result<R>,
) -> Result<R> {
    let (queue, batches) = mpsc::sync_channel::<(u32, Vec<u8>)>(DEPTH);
    let (recycle, spare) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let drive = std::thread::Builder::new()
            .name("ms-write".into())
            .spawn_scoped(scope, move || -> Result<()> {
                for (lba, data) in batches {
                    command::write_blocks(guard, lba, &data)?;
                    // The producer may be gone (it failed): nothing to reuse.
                    let _ = recycle.send(data);
                }
                Ok(())
            });
        let drive = match drive {
            Ok(handle) => handle,
            Err(e) => {
                return Err(Error::new(
                    hresult::MS_E_OUTOFMEMORY,
                    format!("starting the drive thread: {e}"),
                ))
            }
        };
        let writes = WriteBehind { queue, spare };
        let produced = produce(&writes);
        drop(writes);
        let drove = drive
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        drove.and(produced)
    })
}
