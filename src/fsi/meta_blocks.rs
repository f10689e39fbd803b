//! The blocks of a session before its file data: descriptors, path tables,
//! the ISO 9660 and Joliet directories, continuation areas and the UDF
//! file set, encoded as they are asked for.
//!
//! Only the descriptors are held; a directory is encoded again when its
//! blocks are read, which keeps a million-entry session's memory to its
//! tree. That encoding is most of an append's write: every directory of
//! the disc is rewritten. Each block is a pure function of the plan, so
//! a read encodes the next [`AHEAD_BLOCKS`] at once, and a second thread,
//! kept for the session, encodes the run after. Runs split between two
//! threads started per run were no faster than one thread: the second
//! began its half some 0.6 ms late, after the caller's was done. A
//! directory across two runs is encoded by both threads; each keeps the
//! directory it encoded last, so a directory larger than a run is still
//! encoded once per thread.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use super::iso9660::write::{EncodedDir, Plan, Region};
use super::tree::NodeId;
use super::udf::write::Volume;
use super::BLOCK_SIZE;
use crate::error::Result;

/// Blocks encoded per run ahead: 512 KiB, a write batch, about 35
/// directories of 100 entries. With the thread kept, runs of 1 MiB were
/// no faster and held a megabyte more (runs of 2 and 16 MiB were no faster
/// than 1 MiB before).
pub(crate) const AHEAD_BLOCKS: u32 = 256;

/// The metadata blocks of one session, encoded a run at a time.
///
/// Read in order, the runs alternate between the caller's thread and the
/// far encoder's: while the caller encodes a run, the far encoder has the
/// next, so each thread is one run ahead of its next use. Read out of
/// order, whatever run holds the block is encoded on the caller's thread
/// (the far encoder's run is waited for, and dropped unless it holds it).
pub(crate) struct MetaBlocks {
    near: Encoder,
    far: Far,
    /// The run the blocks come from.
    run: Run,
    /// A buffer for the next run handed to the far encoder.
    spare: Vec<u8>,
}

/// What every metadata block is a function of, shared with the far
/// encoder's thread for the session's life.
#[derive(Clone, Copy)]
pub(crate) struct Planned<'s> {
    pub plan: &'s Arc<Plan>,
    pub udf: Option<&'s Arc<Volume>>,
}

/// The encoder of every other run.
enum Far {
    /// Not needed yet; a thread allowed (`false`: tests take the path a
    /// refused thread takes).
    Idle { thread_allowed: bool },
    /// On a thread of its own, with the run it was handed, if any.
    Thread(Worker, Option<Span>),
    /// None: the system refused a thread, every run is the caller's.
    /// Slower, never a failure.
    Refused,
}

/// Blocks `first..first + count` of the session.
#[derive(Clone, Copy, PartialEq)]
struct Span {
    first: u32,
    count: u32,
}

/// Blocks `first..` of the session, encoded (empty: none).
#[derive(Default)]
struct Run {
    first: u32,
    bytes: Vec<u8>,
}

/// One thread's encoder: the directory (or long symlink) it encoded last
/// in each file system.
#[derive(Default)]
struct Encoder {
    udf: Option<(NodeId, Vec<u8>)>,
    iso: Option<(usize, EncodedDir)>,
    joliet: Option<(usize, Vec<u8>)>,
}

impl Default for MetaBlocks {
    fn default() -> Self {
        MetaBlocks::with_thread(true)
    }
}

impl MetaBlocks {
    /// [`MetaBlocks::default`], the far encoder given a thread only when
    /// `thread_allowed`.
    pub(crate) fn with_thread(thread_allowed: bool) -> Self {
        MetaBlocks {
            near: Encoder::default(),
            far: Far::Idle { thread_allowed },
            run: Run::default(),
            spare: Vec::new(),
        }
    }

    /// Block `block` (relative to the session, before `plan.data_start`).
    pub(crate) fn block(&mut self, src: Planned<'_>, block: u32, out: &mut [u8]) -> Result<()> {
        if self.run.block(block).is_none() {
            if let Err(e) = self.encode_run(src, block) {
                self.run.bytes.clear();
                return Err(e);
            }
        }
        out.copy_from_slice(self.run.block(block).expect("the run holds the block"));
        Ok(())
    }

    /// Makes the run one that holds `block`.
    fn encode_run(&mut self, src: Planned<'_>, block: u32) -> Result<()> {
        let span = |first: u32| Span {
            first,
            count: (src.plan.data_start.min(first.saturating_add(AHEAD_BLOCKS)))
                .saturating_sub(first),
        };
        let previous = std::mem::take(&mut self.run.bytes);
        match self.far.take(|span| span.holds(block)) {
            Some((result, run)) => {
                self.spare = previous;
                self.run = run;
                result?;
            }
            None => {
                let mine = span(block);
                self.post(src, span(mine.end()));
                self.run = Run {
                    first: block,
                    bytes: previous,
                };
                let bytes = self.run.reset(mine);
                return self.near.blocks(src, block, bytes);
            }
        }
        // The caller's next run follows this one; the far encoder's, that.
        let next = span(self.run.end());
        self.post(src, span(next.end()));
        Ok(())
    }

    /// Hands `span` to the far encoder unless it has it already (another
    /// span it had is waited for and dropped); nothing when it is empty.
    fn post(&mut self, src: Planned<'_>, span: Span) {
        if span.count == 0 || self.far.has(span) {
            return;
        }
        // The caller went elsewhere: the run is waited for, its buffer kept.
        if let Some((_, dropped)) = self.far.take(|_| true) {
            self.spare = dropped.bytes;
        }
        let spare = std::mem::take(&mut self.spare);
        self.far.send(src, span, spare);
    }

    /// A UDF block outside the runs (the closing anchor after the data).
    pub(crate) fn udf_block(
        &mut self,
        plan: &Plan,
        udf: &Volume,
        block: u32,
        out: &mut [u8],
    ) -> Result<()> {
        udf.block(plan, block, out, &mut self.near.udf)
    }

    /// Drops the runs and lets the far encoder's thread go, with its share
    /// of the plan: the plan's descriptors are about to change.
    pub(crate) fn forget(&mut self) {
        self.run.bytes.clear();
        if let Far::Thread(..) = self.far {
            self.far = Far::Idle {
                thread_allowed: true,
            };
        }
    }
}

impl Span {
    fn end(self) -> u32 {
        self.first + self.count
    }

    fn holds(self, block: u32) -> bool {
        (self.first..self.end()).contains(&block)
    }
}

impl Run {
    fn block(&self, block: u32) -> Option<&[u8]> {
        let at = block.checked_sub(self.first)? as usize * BLOCK_SIZE;
        self.bytes.get(at..at + BLOCK_SIZE)
    }

    fn end(&self) -> u32 {
        self.first + (self.bytes.len() / BLOCK_SIZE) as u32
    }

    /// Makes this run `span`; its bytes, to be overwritten whole (an
    /// encoder writes every byte of a block: zeroing a megabyte per run
    /// first was a tenth of the caller's time in an append).
    fn reset(&mut self, span: Span) -> &mut [u8] {
        self.first = span.first;
        let len = span.count as usize * BLOCK_SIZE;
        self.bytes.truncate(len);
        self.bytes.resize(len, 0);
        &mut self.bytes
    }
}

impl Far {
    fn has(&self, span: Span) -> bool {
        matches!(self, Far::Thread(_, Some(had)) if *had == span)
    }

    /// The run handed over last, encoded, if `wanted` of its span; waits
    /// for it. A run not wanted stays with the far encoder.
    fn take(&mut self, wanted: impl FnOnce(Span) -> bool) -> Option<(Result<()>, Run)> {
        match self {
            Far::Thread(worker, handed) if handed.is_some_and(wanted) => {
                *handed = None;
                Some(worker.take())
            }
            _ => None,
        }
    }

    /// Hands `span` over (in `buffer`), starting the thread at the first
    /// run; nothing when there is no thread. Takes nothing back: the far
    /// encoder must have no run.
    fn send(&mut self, src: Planned<'_>, span: Span, buffer: Vec<u8>) {
        if let Far::Idle { thread_allowed } = *self {
            *self = match thread_allowed.then(|| Worker::start(src)).flatten() {
                Some(worker) => Far::Thread(worker, None),
                None => Far::Refused,
            };
        }
        if let Far::Thread(worker, handed) = self {
            debug_assert!(handed.is_none(), "a run handed over is taken first");
            let mut run = Run {
                first: span.first,
                bytes: buffer,
            };
            run.reset(span);
            worker.send(run);
            *handed = Some(span);
        }
    }
}

/// The far encoder's thread: takes a run, encodes it, gives it back.
struct Worker {
    mailbox: Arc<Mailbox>,
    thread: Option<JoinHandle<()>>,
    /// A run was sent and not taken back.
    busy: bool,
}

/// What passes between the caller and the far encoder's thread, one run
/// at a time (a mutex and a condition variable: a channel each way cost
/// the library 25 KB of code).
#[derive(Default)]
struct Mailbox {
    slot: Mutex<Slot>,
    changed: Condvar,
}

#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    Job(Run),
    Done(Result<()>, Run),
    /// The caller let the thread go.
    Closed,
    /// The thread stopped on its own: it panicked.
    Gone,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put(&self, slot: Slot) {
        *self.lock() = slot;
        self.changed.notify_all();
    }

    /// Waits until the slot holds something `wanted` names, and takes it.
    fn take_when(&self, wanted: impl Fn(&Slot) -> bool) -> Slot {
        let guard = self.lock();
        let mut guard = self
            .changed
            .wait_while(guard, |slot| !wanted(slot))
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *guard)
    }
}

/// Marks the mailbox when the thread leaves, by panic too.
struct Leaving<'m>(&'m Mailbox);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.put(Slot::Gone);
    }
}

impl Worker {
    fn start(src: Planned<'_>) -> Option<Worker> {
        let plan = Arc::clone(src.plan);
        let udf = src.udf.map(Arc::clone);
        let mailbox = Arc::new(Mailbox::default());
        let theirs = Arc::clone(&mailbox);
        let thread = std::thread::Builder::new()
            .name("ms-encode".into())
            .spawn(move || {
                let _leaving = Leaving(&theirs);
                let mut encoder = Encoder::default();
                let src = Planned {
                    plan: &plan,
                    udf: udf.as_ref(),
                };
                while let Slot::Job(mut run) =
                    theirs.take_when(|slot| matches!(slot, Slot::Job(_) | Slot::Closed))
                {
                    let result = encoder.blocks(src, run.first, &mut run.bytes);
                    theirs.put(Slot::Done(result, run));
                }
            })
            .ok()?;
        Some(Worker {
            mailbox,
            thread: Some(thread),
            busy: false,
        })
    }

    fn send(&mut self, run: Run) {
        debug_assert!(!self.busy, "one run at a time");
        self.busy = true;
        self.mailbox.put(Slot::Job(run));
    }

    /// Waits for the run sent last: encoded, or the thread gone.
    fn finished(&mut self) -> Slot {
        self.busy = false;
        self.mailbox
            .take_when(|slot| matches!(slot, Slot::Done(..) | Slot::Gone))
    }

    /// The run sent last, encoded; a panic on the thread is resumed here.
    fn take(&mut self) -> (Result<()>, Run) {
        match self.finished() {
            Slot::Done(result, run) => (result, run),
            _ => {
                let thread = self.thread.take().expect("a thread is taken once");
                match thread.join() {
                    Err(panic) => std::panic::resume_unwind(panic),
                    Ok(()) => unreachable!("the encoder's thread returns only once told"),
                }
            }
        }
    }
}

impl Drop for Worker {
    /// Lets the thread go and waits for it: it has at most the run it was
    /// handed to finish.
    fn drop(&mut self) {
        if self.busy {
            self.finished();
        }
        if let Some(thread) = self.thread.take() {
            self.mailbox.put(Slot::Closed);
            let _ = thread.join();
        }
    }
}

impl Encoder {
    /// Blocks `first..` into `out` (whole blocks).
    fn blocks(&mut self, src: Planned<'_>, first: u32, out: &mut [u8]) -> Result<()> {
        for (block, out) in (first..).zip(out.chunks_exact_mut(BLOCK_SIZE)) {
            self.block(src, block, out)?;
        }
        Ok(())
    }

    fn block(&mut self, src: Planned<'_>, block: u32, out: &mut [u8]) -> Result<()> {
        let Planned { plan, udf } = src;
        match plan.region(block) {
            Region::Zero | Region::Data => out.fill(0),
            Region::Udf(rel) => match udf {
                Some(v) => v.block(plan, rel, out, &mut self.udf)?,
                None => out.fill(0),
            },
            Region::Head(at) => out.copy_from_slice(&plan.head()[at..at + BLOCK_SIZE]),
            Region::IsoDir(i, k) => {
                let bytes = &self.iso_dir(plan, i).bytes;
                let at = k as usize * BLOCK_SIZE;
                out.copy_from_slice(&bytes[at..at + BLOCK_SIZE]);
            }
            Region::JolietDir(i, k) => {
                if !matches!(&self.joliet, Some((c, _)) if *c == i) {
                    self.joliet = Some((i, plan.joliet_dir(i)));
                }
                let bytes = &self.joliet.as_ref().expect("cached").1;
                let at = k as usize * BLOCK_SIZE;
                out.copy_from_slice(&bytes[at..at + BLOCK_SIZE]);
            }
            Region::Ce(k) => {
                out.fill(0);
                let from = k * BLOCK_SIZE as u64;
                let to = from + BLOCK_SIZE as u64;
                for (i, ce_start) in plan.ce_dirs(from..to) {
                    let ce = &self.iso_dir(plan, i).ce;
                    let lo = ce_start.max(from);
                    let hi = (ce_start + ce.len() as u64).min(to);
                    if lo < hi {
                        out[(lo - from) as usize..(hi - from) as usize].copy_from_slice(
                            &ce[(lo - ce_start) as usize..(hi - ce_start) as usize],
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn iso_dir(&mut self, plan: &Plan, i: usize) -> &EncodedDir {
        if !matches!(&self.iso, Some((c, _)) if *c == i) {
            self.iso = Some((i, plan.iso_dir(i)));
        }
        &self.iso.as_ref().expect("cached").1
    }
}
