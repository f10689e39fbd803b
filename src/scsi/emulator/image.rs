//! The image file: 2048-byte blocks at `LBA × 2048`, sparse where nothing
//! was written, and the advisory lock that keeps two writers apart.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::quirks::ImageFault;
use crate::block::BLOCK_SIZE;
use crate::error::{short_path, Cause, Error, Result};
use crate::hresult::{MS_E_FAIL, MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA};

/// Bytes written before the image sends them towards the disk (see
/// [`Image::record_behind`]).
const RECORD_BEHIND: u64 = 8 << 20;

/// The whole windows of [`RECORD_BEHIND`] bytes a write of the bytes
/// `from..to` completes, as (start, length); `None` when it ends in the
/// window it started in.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn windows_completed(from: u64, to: u64) -> Option<(u64, u64)> {
    let (first, end) = (from / RECORD_BEHIND, to / RECORD_BEHIND);
    (end > first).then(|| (first * RECORD_BEHIND, (end - first) * RECORD_BEHIND))
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
    /// million-file append). A hint only: a failure shows at the flush.
    fn record_behind(&self, from: u64, to: u64) {
        #[cfg(target_os = "linux")]
        if let Some((start, len)) = windows_completed(from, to) {
            use std::os::fd::AsRawFd;
            // SAFETY: a plain system call on a descriptor this image owns;
            // it reads no memory of ours.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    start as libc::off64_t,
                    len as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
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
