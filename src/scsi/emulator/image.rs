//! The image file: 2048-byte blocks at `LBA × 2048`, sparse where nothing
//! was written, and the advisory lock that keeps two writers apart.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::flush_behind::FlushBehind;
use super::quirks::ImageFault;
use crate::block::BLOCK_SIZE;
use crate::error::{short_path, Cause, Error, Result};
use crate::hresult::{MS_E_FAIL, MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA};

/// Bytes written before the image sends them towards the disk (see
/// [`Image::record_behind`]).
const RECORD_BEHIND: u64 = 8 << 20;

/// How far behind the newest completed window the image waits for a
/// window to be on disk and lets the host forget it: 1 GiB, so a session
/// smaller than that (an append, a first session of 100,000 files) never
/// waits for the disk before its flush, and a larger one holds no more.
const RECORDED_LAG: u64 = 128 * RECORD_BEHIND;

/// The whole windows of [`RECORD_BEHIND`] bytes a write of the bytes
/// `from..to` completes, as (start, length); `None` when it ends in the
/// window it started in.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn windows_completed(from: u64, to: u64) -> Option<(u64, u64)> {
    let (first, end) = (from / RECORD_BEHIND, to / RECORD_BEHIND);
    (end > first).then(|| (first * RECORD_BEHIND, (end - first) * RECORD_BEHIND))
}

/// The windows [`RECORDED_LAG`] behind the completed ones `(start, len)`:
/// those the image then waits for and drops from the host's memory.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn windows_recorded((start, len): (u64, u64)) -> Option<(u64, u64)> {
    let end = (start + len).checked_sub(RECORDED_LAG)?;
    let start = start.saturating_sub(RECORDED_LAG);
    (end > start).then_some((start, end - start))
}

/// Whether the writes that took the bytes sent since the last flush from
/// `before` to `after` ask the flushing thread for a flush: each time
/// they cross a multiple of [`FLUSH_BEHIND`](super::flush_behind::FLUSH_BEHIND),
/// up to [`RECORDED_LAG`]. Past it the writer waits for what lies the lag
/// behind anyway, and flushes beside those waits made a 7 GB first session
/// a fifth slower; the last flush then finds what the host's own write-back
/// left, as before.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn asks_flush(before: u64, after: u64) -> bool {
    let every = super::flush_behind::FLUSH_BEHIND;
    after <= RECORDED_LAG && after / every > before / every
}

/// An open image file.
#[derive(Debug)]
pub struct Image {
    file: File,
    path: PathBuf,
    writable: bool,
    /// Injected host errors (see [`Faults`](super::quirks::Faults)).
    read_fault: Option<ImageFault>,
    write_fault: Option<ImageFault>,
    /// Started at the first flush asked for (`None`: refused).
    flush_behind: OnceLock<Option<FlushBehind>>,
    /// Bytes of whole windows sent since the last [`Image::sync`].
    unflushed: AtomicU64,
}

impl Image {
    /// Opens for reading and writing, or only for reading when the file (or
    /// its file system) is read-only — which the drive then reports as a
    /// write-protected medium.
    pub fn open(path: &Path) -> Result<Image> {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::new(
                MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
                format!("emulated disc image {}: {e}", short_path(path)),
            )
        })?;
        let try_rw = !meta.permissions().readonly();
        let rw = if try_rw {
            match OpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => Some(f),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
                    ) =>
                {
                    None
                }
                Err(e) => return Err(io_error(path, "open", e)),
            }
        } else {
            None
        };
        let (file, writable) = match rw {
            Some(f) => (f, true),
            None => (
                File::open(path).map_err(|e| io_error(path, "open", e))?,
                false,
            ),
        };
        Ok(Image {
            file,
            path: path.to_owned(),
            writable,
            read_fault: None,
            write_fault: None,
            flush_behind: OnceLock::new(),
            unflushed: AtomicU64::new(0),
        })
    }

    /// Makes reads and writes that reach the given blocks fail with the
    /// given host errors from now on.
    pub fn inject(&mut self, read: Option<ImageFault>, write: Option<ImageFault>) {
        self.read_fault = read;
        self.write_fault = write;
    }

    /// The injected fault among the blocks `data` covers from `lba`, and
    /// how many bytes precede its block.
    fn fault_in(fault: Option<ImageFault>, lba: u32, len: usize) -> Option<(usize, ImageFault)> {
        let f = fault?;
        let blocks = len.div_ceil(BLOCK_SIZE) as u64;
        let at = (f.lba as u64).checked_sub(lba as u64)?;
        (at < blocks).then_some((at as usize * BLOCK_SIZE, f))
    }

    pub fn writable(&self) -> bool {
        self.writable
    }

    pub fn len(&self) -> Result<u64> {
        Ok(self
            .file
            .metadata()
            .map_err(|e| io_error(&self.path, "stat", e))?
            .len())
    }

    /// Reads whole blocks; bytes past the end of the (sparse) file read as zeros.
    pub fn read(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        if let Some((_, fault)) = Self::fault_in(self.read_fault, lba, buf.len()) {
            return Err(io_error(&self.path, "read", fault.errno.io_error()));
        }
        let mut f = &self.file;
        f.seek(SeekFrom::Start(lba as u64 * BLOCK_SIZE as u64))
            .map_err(|e| io_error(&self.path, "seek in", e))?;
        let mut filled = 0;
        while filled < buf.len() {
            match f.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(&self.path, "read", e)),
            }
        }
        buf[filled..].fill(0);
        Ok(())
    }

    pub fn write(&self, lba: u32, data: &[u8]) -> Result<()> {
        let fault = Self::fault_in(self.write_fault, lba, data.len());
        let reach = fault.map_or(data.len(), |(bytes, _)| bytes);
        let mut f = &self.file;
        let at = lba as u64 * BLOCK_SIZE as u64;
        f.seek(SeekFrom::Start(at))
            .and_then(|_| f.write_all(&data[..reach]))
            .map_err(|e| io_error(&self.path, "write", e))?;
        self.record_behind(at, at + reach as u64);
        match fault {
            Some((_, fault)) => Err(io_error(&self.path, "write", fault.errno.io_error())),
            None => Ok(()),
        }
    }

    /// A drive records what it receives as it arrives, so SYNCHRONIZE
    /// CACHE waits for the last of a session only. The image does the
    /// same: each whole window of [`RECORD_BEHIND`] bytes a write completes
    /// is sent towards the disk at once, without waiting for it. Left to
    /// the kernel, a session of a few hundred MB stayed dirty in memory
    /// until the flush, which then waited for all of it (a sixth of a
    /// million-file append).
    ///
    /// And what a drive has recorded no longer takes the host's memory:
    /// the windows [`RECORDED_LAG`] behind are waited for and dropped from
    /// the page cache. A multi-gigabyte session then reuses the same
    /// gigabyte of pages instead of claiming new ones for every block
    /// (at a million files the copy into fresh pages was half the write
    /// thread's time), and does not push the user's files out of memory.
    /// The wait paces the writer to the disk, as a drive's speed paces a
    /// host; the flush would have waited for the same bytes. Hints only:
    /// a failure shows at the flush, and dropping a clean page loses
    /// nothing.
    ///
    /// And every [`FLUSH_BEHIND`](super::flush_behind::FLUSH_BEHIND) bytes
    /// of the first [`RECORDED_LAG`] after a flush, a thread is asked to
    /// flush what was sent so far (see [`FlushBehind`] and [`asks_flush`]),
    /// so that a session's last flush finds little left.
    fn record_behind(&self, from: u64, to: u64) {
        #[cfg(target_os = "linux")]
        if let Some(completed) = windows_completed(from, to) {
            use std::os::fd::AsRawFd;
            let fd = self.file.as_raw_fd();
            // SAFETY: plain system calls on a descriptor this image owns;
            // they read no memory of ours.
            unsafe {
                libc::sync_file_range(
                    fd,
                    completed.0 as libc::off64_t,
                    completed.1 as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
                if let Some((start, len)) = windows_recorded(completed) {
                    let (start, len) = (start as libc::off64_t, len as libc::off64_t);
                    libc::sync_file_range(
                        fd,
                        start,
                        len,
                        libc::SYNC_FILE_RANGE_WAIT_BEFORE
                            | libc::SYNC_FILE_RANGE_WRITE
                            | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                    );
                    libc::posix_fadvise(fd, start, len, libc::POSIX_FADV_DONTNEED);
                }
            }
            let before = self.unflushed.fetch_add(completed.1, Ordering::Relaxed);
            if asks_flush(before, before + completed.1) {
                let flusher = self
                    .flush_behind
                    .get_or_init(|| FlushBehind::start(&self.file));
                if let Some(flusher) = flusher {
                    flusher.ask();
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (from, to);
    }

    /// Makes the file at least `blocks` long, sparsely; never shortens it.
    pub fn cover(&self, blocks: u64) -> Result<()> {
        let needed = blocks.saturating_mul(BLOCK_SIZE as u64);
        if self.len()? < needed && self.writable {
            self.file
                .set_len(needed)
                .map_err(|e| io_error(&self.path, "extend", e))?;
        }
        Ok(())
    }

    /// Drops all data (BLANK): the file becomes empty and sparse again.
    pub fn erase(&self) -> Result<()> {
        self.file
            .set_len(0)
            .map_err(|e| io_error(&self.path, "truncate", e))
    }

    pub fn sync(&self) -> Result<()> {
        self.unflushed.store(0, Ordering::Relaxed);
        self.file
            .sync_data()
            .map_err(|e| io_error(&self.path, "flush", e))
    }
}

/// A host file error; a full file system, a file-size limit and a failing
/// device get codes of their own, since only the user can fix those.
fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::io(
        MS_E_FAIL,
        &e,
        format!(
            "cannot {what} emulated disc image {}: {e}",
            short_path(path)
        ),
    )
}

/// Exclusive right to write one emulated disc, held until dropped.
///
/// An advisory `flock` on the image file: it excludes a second holder in
/// this process (each lock opens its own file description) and in any
/// other process, and the kernel drops it if the holder dies.
///
/// Dropping it unlocks explicitly rather than only closing the file: a
/// child forked by any thread of the program shares the lock's open file
/// until it execs, and closing our descriptor alone would leave the disc
/// locked for that instant (a writer retaking the lock at once was
/// refused while a test next door spawned xorriso).
#[derive(Debug)]
pub struct DiscLock {
    file: File,
}

impl Drop for DiscLock {
    fn drop(&mut self) {
        unlock(&self.file);
    }
}

/// Takes the writer lock of the disc whose image is `image`; a second
/// taker gets `MS_E_IMAPI_RECORDER_LOCKED` until the first lock is dropped.
pub fn lock_disc(image: &Path) -> Result<DiscLock> {
    let file = File::open(image).map_err(|e| {
        Error::new(
            MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
            format!("cannot lock emulated disc {}: {e}", short_path(image)),
        )
    })?;
    try_lock(&file).map_err(|busy| {
        if busy {
            Error::with_cause(
                MS_E_IMAPI_RECORDER_LOCKED,
                Cause::Held,
                format!(
                    "emulated disc {} is in use by another writer (it holds the writer lock); try again when that write has finished",
                    short_path(image)
                ),
            )
        } else {
            Error::new(
                MS_E_FAIL,
                format!("cannot lock emulated disc {}", short_path(image)),
            )
        }
    })?;
    Ok(DiscLock { file })
}

/// `Err(true)` when someone else holds the lock.
#[cfg(unix)]
fn try_lock(file: &File) -> std::result::Result<(), bool> {
    use rustix::fs::{flock, FlockOperation};
    flock(file, FlockOperation::NonBlockingLockExclusive)
        .map_err(|e| e == rustix::io::Errno::WOULDBLOCK)
}

#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
fn try_lock(file: &File) -> std::result::Result<(), bool> {
    file.try_lock()
        .map_err(|e| matches!(e, std::fs::TryLockError::WouldBlock))
}

/// Releases the lock for every descriptor sharing its open file; an
/// error leaves it to the close, as before.
#[cfg(unix)]
fn unlock(file: &File) {
    let _ = rustix::fs::flock(file, rustix::fs::FlockOperation::Unlock);
}

#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
fn unlock(file: &File) {
    let _ = file.unlock();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flush_is_asked_for_at_each_64_mib_sent_up_to_the_lag_after_the_last_flush() {
        let every = super::super::flush_behind::FLUSH_BEHIND;
        let window = RECORD_BEHIND;
        let mut asked = Vec::new();
        let mut sent = 0;
        while sent < 2 * RECORDED_LAG {
            if asks_flush(sent, sent + window) {
                asked.push(sent + window);
            }
            sent += window;
        }
        let expected: Vec<u64> = (1..=RECORDED_LAG / every).map(|k| k * every).collect();
        assert_eq!(asked, expected);
        // Several windows at once cross one multiple or more: one ask.
        assert!(asks_flush(every - window, every + 3 * window));
        assert!(!asks_flush(every, every + window));
    }

    /// The thread starts at the first 64 MiB written, not before, and
    /// flushes without the writer waiting for it.
    #[cfg(target_os = "linux")]
    #[test]
    fn what_the_image_was_sent_is_flushed_behind_the_writer_every_64_mib() {
        let every = super::super::flush_behind::FLUSH_BEHIND;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disc.img");
        std::fs::write(&path, b"").unwrap();
        let image = Image::open(&path).unwrap();
        let chunk = vec![0x5Au8; 1 << 20];
        let write_to = |end: u64, from: u64| {
            for at in (from..end).step_by(chunk.len()) {
                image
                    .write((at / BLOCK_SIZE as u64) as u32, &chunk)
                    .unwrap();
            }
        };
        write_to(every - (1 << 20), 0);
        assert!(image.flush_behind.get().is_none(), "started early");
        write_to(every + (2 << 20), every - (1 << 20));
        let flusher = image.flush_behind.get().expect("asked for").as_ref();
        let flusher = flusher.expect("a flushing thread on Linux");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while flusher.done() == 0 {
            assert!(std::time::Instant::now() < deadline, "no flush in 30 s");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let mut back = vec![0u8; BLOCK_SIZE];
        image.read(0, &mut back).unwrap();
        assert!(back.iter().all(|&b| b == 0x5A));
    }

    #[test]
    fn each_window_sequential_writes_fill_is_sent_once_and_the_partial_last_one_not() {
        let mut sent = Vec::new();
        let chunk = 64 << 10;
        let total = 2 * RECORD_BEHIND + 3 * chunk;
        for from in (0..total).step_by(chunk as usize) {
            sent.extend(windows_completed(from, from + chunk));
        }
        assert_eq!(
            sent,
            [(0, RECORD_BEHIND), (RECORD_BEHIND, RECORD_BEHIND)],
            "windows sent"
        );
        // Within a window nothing; across two boundaries both windows.
        assert_eq!(windows_completed(5, RECORD_BEHIND - 1), None);
        assert_eq!(
            windows_completed(RECORD_BEHIND - 1, 3 * RECORD_BEHIND + 1),
            Some((0, 3 * RECORD_BEHIND))
        );
    }

    #[test]
    fn the_windows_recorded_are_those_a_lag_behind_the_completed_ones() {
        let w = RECORD_BEHIND;
        let lag = RECORDED_LAG / w;
        // Nothing until the first window is a lag behind.
        assert_eq!(windows_recorded((0, w)), None);
        assert_eq!(windows_recorded(((lag - 1) * w, w)), None);
        assert_eq!(windows_recorded((lag * w, w)), Some((0, w)));
        // A write completing several windows drops as many, clipped at 0.
        assert_eq!(windows_recorded(((lag - 1) * w, 3 * w)), Some((0, 2 * w)));
        assert_eq!(
            windows_recorded(((lag + 5) * w, 2 * w)),
            Some((5 * w, 2 * w))
        );
    }

    /// Pages of `file`'s first `len` bytes in the page cache.
    #[cfg(target_os = "linux")]
    fn resident_pages(file: &File, from: u64, len: usize) -> usize {
        use std::os::fd::AsRawFd;
        let page = 4096;
        let mut vec = vec![0u8; len.div_ceil(page)];
        // SAFETY: a read-only shared mapping of a range the file holds,
        // unmapped before return; mincore writes one byte per page of it
        // into `vec`, which has that many.
        unsafe {
            let at = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                from as libc::off_t,
            );
            assert_ne!(at, libc::MAP_FAILED, "mmap");
            assert_eq!(libc::mincore(at, len, vec.as_mut_ptr()), 0, "mincore");
            libc::munmap(at, len);
        }
        vec.iter().filter(|&&b| b & 1 == 1).count()
    }

    /// A directory on a disk file system: pages of a tmpfs file are never
    /// dropped, so the temporary directory will not do there.
    #[cfg(target_os = "linux")]
    fn disk_dir() -> tempfile::TempDir {
        const TMPFS_MAGIC: i64 = 0x0102_1994;
        let tmp = std::env::temp_dir();
        // `f_type`'s width differs between architectures.
        #[allow(clippy::unnecessary_cast)]
        let on_tmpfs = rustix::fs::statfs(&tmp).is_ok_and(|s| s.f_type as i64 == TMPFS_MAGIC);
        match on_tmpfs {
            true => tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap(),
            false => tempfile::tempdir_in(tmp).unwrap(),
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn what_the_image_has_recorded_leaves_the_hosts_memory_and_what_it_has_not_stays() {
        let dir = disk_dir();
        let path = dir.path().join("disc.img");
        std::fs::write(&path, b"").unwrap();
        let image = Image::open(&path).unwrap();
        let chunk = vec![0xA5u8; 1 << 20];
        let total = RECORDED_LAG + 2 * RECORD_BEHIND + (3 << 20);
        for at in (0..total).step_by(chunk.len()) {
            image
                .write((at / BLOCK_SIZE as u64) as u32, &chunk)
                .unwrap();
        }
        let window = RECORD_BEHIND as usize;
        // The first two windows are a lag behind the last completed one.
        assert_eq!(
            resident_pages(&image.file, 0, 2 * window),
            0,
            "recorded windows"
        );
        // The lag itself, and the window still being filled, stay.
        let pages = |bytes: u64| bytes as usize / 4096;
        // (Clean pages there may go under memory pressure: nearly all.)
        let within = resident_pages(&image.file, 2 * RECORD_BEHIND, RECORDED_LAG as usize);
        assert!(
            within >= pages(RECORDED_LAG) * 9 / 10,
            "the windows within the lag: {within} of {} pages",
            pages(RECORDED_LAG)
        );
        let tail = total - RECORDED_LAG - 2 * RECORD_BEHIND;
        assert_eq!(
            resident_pages(&image.file, total - tail, tail as usize),
            pages(tail),
            "the window being filled"
        );
        // Dropped pages read back as written.
        let mut back = vec![0u8; BLOCK_SIZE];
        image.read(0, &mut back).unwrap();
        assert!(back.iter().all(|&b| b == 0xA5));
    }

    #[test]
    fn a_dropped_lock_frees_the_disc_though_another_descriptor_shares_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("disc.img");
        std::fs::write(&image, b"disc").unwrap();
        let lock = lock_disc(&image).unwrap();
        // What a child forked before its exec holds: a duplicate of the
        // descriptor, sharing the open file the lock belongs to.
        let shared = lock.file.try_clone().unwrap();
        let refused = lock_disc(&image).unwrap_err();
        assert_eq!(refused.cause(), Cause::Held);
        drop(lock);
        lock_disc(&image).expect("the disc is free once its lock is dropped");
        drop(shared);
    }
}
