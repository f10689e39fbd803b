//! Small local files read on a second thread, ahead of the session stream.
//!
//! A session of a million small files spends most of its data phase in
//! three system calls per file (open, read, close) on the caller's thread,
//! while the drive thread copies and the second core has little else to
//! do. Here the files ahead of the caller are queued as a window; the
//! caller reads from its front in line while a library thread reads from
//! its back, and where the two meet the caller finds the rest read. Each
//! reads whole files without waiting for the other, and neither wakes the
//! other per file.
//!
//! What stays the same: the caller's thread copies every byte into the
//! stream, in order, and sends every progress event; a caller's stream is
//! never read here (only sources that say [`Source::read_ahead`]); a file
//! that cannot be read whole and exactly as announced is left to the
//! caller, whose own read then finds the same problem and reports it as it
//! always did. What is held is bounded ([`HELD_BYTES`]), and the thread
//! stops when the session is dropped. When the system refuses the thread,
//! every file is read in line.

use std::collections::{BTreeMap, VecDeque};
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use crate::fsi::data_source::Source;

/// Files this size or smaller are read ahead; a larger one costs more in
/// its reads than in its open and close, and is read in line.
pub(crate) const SMALL_FILE: u64 = 256 << 10;

/// Bytes of files read and not yet taken, at most (one file may cross it).
const HELD_BYTES: usize = 8 << 20;

/// A window of files queued ahead of the caller: at most this many …
const WINDOW_FILES: usize = 4096;

/// … and about this many bytes: twice what the worker may hold, so that
/// the caller has files of its own at the front while the worker's wait.
const WINDOW_BYTES: u64 = 2 * HELD_BYTES as u64;

/// A file to read ahead: its index in the plan's files, its source, its
/// announced size.
struct Job {
    index: usize,
    source: Source,
    size: u64,
}

/// The file reader on its own thread, and what it shares with the caller.
pub(crate) struct ReadAhead {
    shared: Arc<Shared>,
    /// The thread, once started (detached when the reader is dropped).
    worker: Option<JoinHandle<()>>,
    /// Files before this index were considered for queueing.
    queued_to: usize,
    /// The middle of the last window: where the caller queues the next.
    refill_at: usize,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// The worker waits here for jobs or for room.
    to_worker: Condvar,
    /// The caller waits here for the file the worker is reading.
    to_caller: Condvar,
}

#[derive(Default)]
struct State {
    /// Not yet taken by either thread, in index order: the caller takes
    /// from the front, the worker from the back.
    jobs: VecDeque<Job>,
    /// The file the worker is reading.
    reading: Option<usize>,
    /// Read by the worker: the bytes, or `None` for a file left to the
    /// caller.
    done: BTreeMap<usize, Option<Vec<u8>>>,
    held: usize,
    worker_waits: bool,
    caller_waits: bool,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the caller does about the file it is at.
pub(crate) enum Take {
    /// Its bytes, read ahead: exactly its announced size.
    Read(Vec<u8>),
    /// The caller reads it itself.
    InLine,
}

impl ReadAhead {
    /// The reader, its thread not started until the first job.
    pub(crate) fn new() -> ReadAhead {
        ReadAhead {
            shared: Arc::default(),
            worker: None,
            queued_to: 0,
            refill_at: 0,
        }
    }

    /// The files from which the caller at file `at` should queue the next
    /// window, once it has passed the middle of the last one.
    pub(crate) fn wants(&self, at: usize) -> Option<std::ops::RangeFrom<usize>> {
        (at >= self.refill_at).then_some(self.queued_to.max(at)..)
    }

    /// Of `candidates` (index, source, size) from where [`wants`] said, in
    /// index order: queues the small files that can be read ahead, up to
    /// a window, and starts the thread on the first job.
    ///
    /// [`wants`]: ReadAhead::wants
    pub(crate) fn queue(&mut self, candidates: impl Iterator<Item = (usize, Source, u64)>) {
        let (mut files, mut bytes, mut first) = (0, 0, None);
        let mut state = self.shared.lock();
        let before = state.jobs.len();
        // No more candidates: no more windows.
        self.refill_at = usize::MAX;
        for (index, source, size) in candidates {
            let first = *first.get_or_insert(index);
            self.queued_to = index + 1;
            if size <= SMALL_FILE && source.read_ahead() {
                state.jobs.push_back(Job {
                    index,
                    source,
                    size,
                });
                bytes += size;
            }
            files += 1;
            if files >= WINDOW_FILES || bytes >= WINDOW_BYTES {
                self.refill_at = first + files / 2;
                break;
            }
        }
        let (added, wake) = (state.jobs.len() > before, state.worker_waits);
        drop(state);
        if added && self.worker.is_none() {
            let shared = Arc::clone(&self.shared);
            // A refused thread leaves the jobs queued: the caller takes
            // each in turn and reads it in line.
            self.worker = std::thread::Builder::new()
                .name("ms-read".into())
                .spawn(move || work(&shared))
                .ok();
        } else if added && wake {
            self.shared.to_worker.notify_one();
        }
    }

    /// What to do about file `index`, the next the caller copies. What was
    /// read or queued before it (a caller that skipped files) is dropped.
    pub(crate) fn take(&mut self, index: usize) -> Take {
        let mut state = self.shared.lock();
        let held = state.held;
        while state.jobs.front().is_some_and(|j| j.index < index) {
            state.jobs.pop_front();
        }
        while let Some(entry) = state.done.first_entry().filter(|e| *e.key() < index) {
            state.held -= entry.remove().map_or(0, |d| d.len());
        }
        let take = loop {
            if let Some(data) = state.done.remove(&index) {
                break match data {
                    Some(data) => {
                        state.held -= data.len();
                        Take::Read(data)
                    }
                    None => Take::InLine,
                };
            }
            if state.reading != Some(index) {
                // Not the worker's: the caller's (and no longer a job).
                if state.jobs.front().is_some_and(|j| j.index == index) {
                    state.jobs.pop_front();
                }
                break Take::InLine;
            }
            state.caller_waits = true;
            state = self
                .shared
                .to_caller
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.caller_waits = false;
        };
        let wake = state.worker_waits && held >= HELD_BYTES && state.held < HELD_BYTES;
        drop(state);
        if wake {
            self.shared.to_worker.notify_one();
        }
        take
    }
}

impl Drop for ReadAhead {
    /// Stops the thread without waiting for it: it may be in the middle of
    /// a file that never comes (a file replaced by a pipe since it was
    /// added), and the session must not hang on a file it no longer needs.
    /// The thread owns all it uses and ends after that file.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.to_worker.notify_one();
    }
}

/// The worker: takes the last job while there is room, reads it, hands
/// it over; until stopped.
fn work(shared: &Shared) {
    let mut state = shared.lock();
    loop {
        if state.stop {
            return;
        }
        if state.held >= HELD_BYTES || state.jobs.is_empty() {
            state.worker_waits = true;
            state = shared
                .to_worker
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.worker_waits = false;
            continue;
        }
        let job = state.jobs.pop_back().expect("a job");
        state.reading = Some(job.index);
        drop(state);
        let data = read_whole(&job);
        state = shared.lock();
        state.reading = None;
        state.held += data.as_ref().map_or(0, Vec::len);
        state.done.insert(job.index, data);
        if state.caller_waits {
            shared.to_caller.notify_one();
        }
    }
}

/// The file's bytes when it holds exactly its announced size, else `None`.
/// Its sources end where a read comes back short ([`Source::read_ahead`]
/// implies [`Source::short_read_is_end`]), so one read asking for a byte
/// more than announced and coming back one short has found the end, as
/// the caller's last read of a file does.
fn read_whole(job: &Job) -> Option<Vec<u8>> {
    let size = usize::try_from(job.size).ok()?;
    let mut reader = job.source.open().ok()?;
    let mut data = vec![0u8; size + 1];
    let n = loop {
        match reader.read(&mut data) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    };
    (n == size).then(|| {
        data.truncate(size);
        data
    })
}

#[cfg(test)]
impl ReadAhead {
    /// Whether the thread was started.
    pub(crate) fn started(&self) -> bool {
        self.worker.is_some()
    }

    /// Waits until the worker has nothing it can do: every job read, or
    /// no room for the next.
    fn settle(&self) {
        let mut state = self.shared.lock();
        while state.reading.is_some() || !(state.jobs.is_empty() || state.held >= HELD_BYTES) {
            drop(state);
            std::thread::yield_now();
            state = self.shared.lock();
        }
    }

    fn held(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.done.len(), state.held)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::fsi::data_source::{LocalFile, OnceReader};

    /// Local files `f0`, `f1`, … holding `sizes[i]` bytes of `i`.
    fn files(dir: &Path, sizes: &[usize]) -> Vec<Source> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                let path = dir.join(format!("f{i}"));
                std::fs::write(&path, vec![i as u8; size]).unwrap();
                Source::from(Arc::new(LocalFile(path)))
            })
            .collect()
    }

    fn candidates<'a>(
        sources: &'a [Source],
        announced: &'a [u64],
    ) -> impl Iterator<Item = (usize, Source, u64)> + 'a {
        sources
            .iter()
            .zip(announced)
            .enumerate()
            .map(|(index, (source, &size))| (index, source.clone(), size))
    }

    fn read(take: Take) -> Vec<u8> {
        match take {
            Take::Read(data) => data,
            Take::InLine => panic!("left to the caller"),
        }
    }

    #[test]
    fn files_read_ahead_come_back_whole_in_order_from_another_thread() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [0, 1, 2047, 2048, 2049, 100_000];
        let sources = files(dir.path(), &sizes);
        let announced: Vec<u64> = sizes.iter().map(|&s| s as u64).collect();
        let mut ahead = ReadAhead::new();
        ahead.queue(candidates(&sources, &announced));
        ahead.settle();
        assert_eq!(ahead.held(), (sizes.len(), sizes.iter().sum()));
        for (i, &size) in sizes.iter().enumerate() {
            assert_eq!(read(ahead.take(i)), vec![i as u8; size], "file {i}");
        }
        assert_eq!(ahead.held(), (0, 0));
        assert!(ahead.worker.is_some(), "a thread read them");
    }

    #[test]
    fn a_file_not_of_its_announced_size_or_gone_is_left_to_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let sources = files(dir.path(), &[10, 10, 10, 10]);
        std::fs::remove_file(dir.path().join("f2")).unwrap();
        // Longer than announced, shorter, gone, and right.
        let mut ahead = ReadAhead::new();
        ahead.queue(candidates(&sources, &[9, 11, 10, 10]));
        ahead.settle();
        for i in 0..3 {
            assert!(matches!(ahead.take(i), Take::InLine), "file {i}");
        }
        assert_eq!(read(ahead.take(3)), [3; 10]);
    }

    #[test]
    fn large_files_and_callers_streams_are_not_read_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = files(dir.path(), &[SMALL_FILE as usize + 1, 10]);
        sources.push(Source::from(Arc::new(OnceReader::new(Box::new(
            &[7u8; 10][..],
        )))));
        let mut ahead = ReadAhead::new();
        ahead.queue(candidates(&sources, &[SMALL_FILE + 1, 10, 10]));
        ahead.settle();
        assert_eq!(ahead.held(), (1, 10), "only the small local file");
        assert!(matches!(ahead.take(0), Take::InLine));
        assert_eq!(read(ahead.take(1)), [1; 10]);
        assert!(matches!(ahead.take(2), Take::InLine));
    }

    /// `beyond` more files of the largest size read ahead than the worker
    /// may hold, queued, and the worker settled: the reader, the number of
    /// files it may hold, and that size.
    fn past_the_bound(dir: &Path, beyond: usize) -> (ReadAhead, usize, usize) {
        let largest = SMALL_FILE as usize;
        let bound = HELD_BYTES / largest;
        let count = bound + beyond;
        let sources = files(dir, &vec![largest; count]);
        let mut ahead = ReadAhead::new();
        ahead.queue(candidates(&sources, &vec![largest as u64; count]));
        ahead.settle();
        (ahead, bound, largest)
    }

    #[test]
    fn the_worker_reads_from_the_back_up_to_its_bound_and_the_caller_from_the_front() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ahead, bound, _) = past_the_bound(dir.path(), 3);
        let count = bound + 3;
        // The last `bound` files are read; the first three are the caller's.
        assert_eq!(ahead.held(), (bound, HELD_BYTES));
        for i in 0..3 {
            assert!(matches!(ahead.take(i), Take::InLine), "file {i}");
        }
        for i in 3..count {
            assert_eq!(read(ahead.take(i))[0], i as u8, "file {i}");
        }
        assert_eq!(ahead.held(), (0, 0));
    }

    #[test]
    fn taking_a_file_drops_what_came_before_it_and_makes_room_for_more() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ahead, bound, size) = past_the_bound(dir.path(), 2);
        let count = bound + 2;
        // Files 2.. are read. A caller that jumps to file 4 drops files 0
        // to 3 (two jobs, two read) and takes file 4.
        assert_eq!(read(ahead.take(4))[0], 4);
        ahead.settle();
        assert!(
            ahead.shared.lock().jobs.is_empty(),
            "nothing left to the caller"
        );
        assert_eq!(ahead.held(), (count - 5, (count - 5) * size));
        // Never queued: the caller's. Dropping ends the waiting worker.
        assert!(matches!(ahead.take(count + 5), Take::InLine));
        assert_eq!(ahead.held(), (0, 0));
        let worker = ahead.worker.take().expect("started");
        drop(ahead);
        worker.join().unwrap();
    }

    #[test]
    fn a_window_is_queued_each_time_the_caller_passes_the_middle_of_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let sources = files(dir.path(), &[1]);
        let many = |from: usize| (from..).map(|i| (i, sources[0].clone(), 1));
        let mut ahead = ReadAhead::new();
        assert_eq!(ahead.wants(0), Some(0..));
        ahead.queue(many(0));
        assert_eq!(ahead.wants(WINDOW_FILES / 2 - 1), None);
        assert_eq!(ahead.wants(WINDOW_FILES / 2), Some(WINDOW_FILES..));
        // A caller that jumped ahead starts from where it is.
        assert_eq!(ahead.wants(10 * WINDOW_FILES), Some(10 * WINDOW_FILES..));
        // A window of large small files ends at its bytes.
        let big = SMALL_FILE;
        let mut ahead = ReadAhead::new();
        ahead.queue((0..).map(|i| (i, sources[0].clone(), big)));
        let files = WINDOW_BYTES.div_ceil(big) as usize;
        assert_eq!(ahead.wants(files / 2 - 1), None);
        assert_eq!(ahead.wants(files / 2), Some(files..));
        // Candidates run out: no more windows.
        let mut ahead = ReadAhead::new();
        ahead.queue(many(0).take(3));
        assert_eq!(ahead.wants(1000), None);
    }
}
