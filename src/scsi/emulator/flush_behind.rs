//! What the image has been sent made durable behind the writer, on a
//! thread of its own.
//!
//! A drive records what it receives as it arrives, so SYNCHRONIZE CACHE
//! waits for the last of a session only. The image's flush (`fdatasync`)
//! waited for all of it: on a virtual machine whose disk caches writes in
//! the host, a 365 MB append's flush took 0.3 s after the last WRITE, a
//! quarter of the append. Flushed every [`FLUSH_BEHIND`] bytes from here,
//! while the writer goes on, the last flush has a few megabytes left. The
//! image asks for these flushes over the first gigabyte after a flush only
//! (see `image::asks_flush`).
//!
//! The thread flushes through an open file description of its own, not a
//! duplicate of the writer's: the kernel reports a write-back error once
//! to each description, and the one the writer flushes last through must
//! still see it. A failed flush here is left for that last one to report.

use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Bytes written between two flushes asked of the thread: 64 MiB. Every
/// 32 or 64 MiB left the last flush of 361 MiB some 10 to 35 ms, 128 MiB
/// some 90 ms.
pub(super) const FLUSH_BEHIND: u64 = 64 << 20;

/// The flushing thread, which stops when this is dropped (after the flush
/// in hand, if any, without being waited for).
pub(super) struct FlushBehind {
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    asked: Mutex<Asked>,
    wake: Condvar,
    /// Flushes done, for tests.
    done: AtomicU64,
}

#[derive(Default)]
struct Asked {
    flush: bool,
    stop: bool,
}

impl FlushBehind {
    /// A thread that flushes the file `file` is open on when asked; `None`
    /// when the file cannot be opened again or the system refuses a thread
    /// (every flush is then the writer's own, as without this module).
    pub(super) fn start(file: &File) -> Option<FlushBehind> {
        let own = reopen(file)?;
        let state = Arc::new(State::default());
        let theirs = Arc::clone(&state);
        std::thread::Builder::new()
            .name("ms-flush".into())
            .spawn(move || loop {
                let asked = theirs.asked.lock().unwrap_or_else(PoisonError::into_inner);
                let mut asked = theirs
                    .wake
                    .wait_while(asked, |a| !a.flush && !a.stop)
                    .unwrap_or_else(PoisonError::into_inner);
                if asked.stop {
                    return;
                }
                asked.flush = false;
                drop(asked);
                let _ = own.sync_data();
                theirs.done.fetch_add(1, Ordering::Relaxed);
            })
            .ok()?;
        Some(FlushBehind { state })
    }

    /// Asks for a flush; one already asked for and not begun covers it.
    pub(super) fn ask(&self) {
        self.signal(|a| a.flush = true);
    }

    #[cfg(test)]
    pub(super) fn done(&self) -> u64 {
        self.state.done.load(Ordering::Relaxed)
    }

    fn signal(&self, change: impl FnOnce(&mut Asked)) {
        change(
            &mut self
                .state
                .asked
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.state.wake.notify_one();
    }
}

impl Drop for FlushBehind {
    fn drop(&mut self) {
        self.signal(|a| a.stop = true);
    }
}

impl std::fmt::Debug for FlushBehind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlushBehind")
            .field("done", &self.state.done.load(Ordering::Relaxed))
            .finish()
    }
}

/// The file `file` is open on, through a new open file description.
#[cfg(target_os = "linux")]
fn reopen(file: &File) -> Option<File> {
    use std::os::fd::AsRawFd;
    File::open(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn reopen(_: &File) -> Option<File> {
    None
}
