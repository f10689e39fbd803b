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
//! would have sent by then; the queue holds at most 2 MiB. When the
//! system refuses the thread, the batches are written in line.

use std::sync::mpsc::{self, Receiver, SyncSender};

use crate::block::BLOCK_SIZE;
use crate::burn::command;
use crate::error::{Error, Result};
use crate::fsi::join::spawn_scoped_if;
use crate::hresult;
use crate::recorder::WriteGuard;

/// Blocks sent to the drive thread at a time: 512 KiB, so a session of
/// gigabytes crosses threads some thousand times, not once per WRITE.
/// With [`DEPTH`], the one being written and the one being filled, the
/// queue holds 2 MiB at most: as fast as 5 MiB was, measured.
pub(crate) const BATCH_BLOCKS: u32 = 256;

/// Batches queued ahead of the drive: what the producer may run ahead.
const DEPTH: usize = 2;

/// Blocks gathered for one WRITE.
///
/// Its buffer goes from batch to batch and is refilled without being
/// zeroed first: a million-file append zeroed its 365 MB of batches only
/// to overwrite them. Every byte of the buffer is initialised; those past
/// [`len`](Self::len) are left from an earlier batch and never sent.
#[derive(Default)]
pub(crate) struct Batch {
    buf: Vec<u8>,
    len: usize,
}

impl Batch {
    /// An empty batch with room for [`BATCH_BLOCKS`].
    fn new() -> Batch {
        Batch {
            buf: Vec::with_capacity(BATCH_BLOCKS as usize * BLOCK_SIZE),
            len: 0,
        }
    }

    /// Bytes gathered.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The next `n` bytes of the batch, for the caller to fill whole:
    /// they hold what an earlier batch left there.
    pub(crate) fn extend(&mut self, n: usize) -> &mut [u8] {
        let at = self.len;
        if self.buf.len() < at + n {
            self.buf.resize(at + n, 0);
        }
        self.len += n;
        &mut self.buf[at..at + n]
    }

    /// Keeps the first `len` bytes only (a fill that failed).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The bytes gathered.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Where the producer's batches go, as it sees them.
pub(crate) struct WriteBehind<'g> {
    to: To<'g>,
}

enum To<'g> {
    /// The drive thread's queue, and the buffers it is done with.
    Thread {
        queue: SyncSender<(u32, Batch)>,
        spare: Receiver<Batch>,
    },
    /// No second thread (the system refused one): each batch is written
    /// before `write` returns, as before this module existed.
    InLine(&'g WriteGuard<'g>),
}

impl WriteBehind<'_> {
    /// An empty batch to fill, reusing one the drive thread is done with.
    pub(crate) fn batch(&self) -> Batch {
        let spare = match &self.to {
            To::Thread { spare, .. } => spare.try_recv().ok(),
            To::InLine(_) => None,
        };
        let mut batch = spare.unwrap_or_else(Batch::new);
        batch.len = 0;
        batch
    }

    /// Queues `data` (whole blocks) for LBA `lba`; waits while the queue is
    /// full. An error means the drive stopped: the write's error is the
    /// drive's, which [`write_behind`] returns.
    pub(crate) fn write(&self, lba: u32, data: Batch) -> Result<()> {
        debug_assert_eq!(data.len() % BLOCK_SIZE, 0);
        if data.len() == 0 {
            return Ok(());
        }
        match &self.to {
            To::Thread { queue, .. } => queue.send((lba, data)).map_err(|_| {
                // Replaced by the drive thread's own error on the way out.
                Error::new(
                    hresult::MS_E_FAIL,
                    "the drive thread stopped before the session was written",
                )
            }),
            To::InLine(guard) => command::write_blocks(guard, lba, data.bytes()),
        }
    }
}

/// Runs `produce` with a [`WriteBehind`] whose batches a second thread
/// WRITEs through `guard`; returns once every queued batch was sent.
///
/// The drive's error, if any, wins over `produce`'s result (which is then
/// at most the stop it caused). A `produce` that fails leaves what it
/// queued before to be written: the state is the one the same error would
/// have left with the WRITEs sent in line.
pub(crate) fn write_behind<'g, R>(
    guard: &'g WriteGuard<'g>,
    produce: impl FnOnce(&WriteBehind<'g>) -> Result<R>,
) -> Result<R> {
    write_behind_with(guard, true, produce)
}

/// [`write_behind`], the drive thread asked for only when `second_thread`:
/// tests take the path a refused thread takes.
fn write_behind_with<'g, R>(
    guard: &'g WriteGuard<'g>,
    second_thread: bool,
    produce: impl FnOnce(&WriteBehind<'g>) -> Result<R>,
) -> Result<R> {
    let (queue, batches) = mpsc::sync_channel::<(u32, Batch)>(DEPTH);
    let (recycle, spare) = mpsc::channel::<Batch>();
    let drain = move || -> Result<()> {
        for (lba, data) in batches {
            command::write_blocks(guard, lba, data.bytes())?;
            // The producer may be gone (it failed): nothing to reuse.
            let _ = recycle.send(data);
        }
        Ok(())
    };
    std::thread::scope(|scope| {
        let drive = spawn_scoped_if(second_thread, scope, "ms-write", drain);
        let Some(drive) = drive else {
            return produce(&WriteBehind {
                to: To::InLine(guard),
            });
        };
        let writes = WriteBehind {
            to: To::Thread { queue, spare },
        };
        let produced = produce(&writes);
        drop(writes);
        let drove = drive
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        drove.and(produced)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Profile;
    use crate::recorder::Recorder;
    use crate::scsi::emulator::{create_blank, Existing};

    /// Batches of one byte value each, the third at an LBA a DVD+R refuses
    /// (not its next writable address), the fourth where the drive would
    /// take it had the queue gone on.
    #[test]
    fn batches_reach_the_drive_in_order_and_stop_at_its_first_error_with_or_without_a_thread() {
        for threads in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let disc = dir.path().join("disc.img");
            create_blank(&disc, Profile::DvdPlusR, None, Existing::Refuse).unwrap();
            let recorder = Recorder::open(&disc).unwrap();
            let guard = recorder.lock_for_writing().unwrap();
            let batch = BATCH_BLOCKS;
            let err = write_behind_with(&guard, threads, |w| {
                for (k, lba) in [0, batch, 9 * batch, 2 * batch].into_iter().enumerate() {
                    let mut data = w.batch();
                    data.extend(batch as usize * BLOCK_SIZE).fill(k as u8 + 1);
                    w.write(lba, data)?;
                }
                Ok(())
            })
            .unwrap_err();
            let refused = format!("at LBA {}", 9 * batch);
            assert!(
                err.to_string().contains(&refused),
                "thread {threads}: {err}"
            );
            drop(guard);
            let media = recorder.media_info().unwrap();
            assert_eq!(media.next_writable, Some(2 * batch), "thread {threads}");
            let guard = recorder.lock_for_writing().unwrap();
            let mut read = vec![0u8; 2 * batch as usize * BLOCK_SIZE];
            command::read_blocks(&guard, 0, &mut read).unwrap();
            let (first, second) = read.split_at(batch as usize * BLOCK_SIZE);
            assert!(first.iter().all(|&b| b == 1), "thread {threads}");
            assert!(second.iter().all(|&b| b == 2), "thread {threads}");
        }
    }
}
