//! `Recorder`: one drive (real or emulated), its identity, a cached
//! `MediaInfo`, and exclusive access for writing.
//!
//! A recorder is shared (`Arc<Recorder>`) between the multisession
//! objects, the file-system image that imports through it and the writer.
//! Commands are serialised by a mutex around the transport. Commands that
//! change the medium are only accepted through a [`WriteGuard`], so the
//! cached [`MediaInfo`] can never silently go out of date: it is dropped
//! after every such command, when the guard goes, and whenever the drive
//! reports UNIT ATTENTION (a medium change).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::{
    MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, MS_E_IMAPI_RECORDER_LOCKED, MS_E_INVALIDARG,
    MS_E_WIN32_DEV_NOT_EXIST,
};
use crate::mmc::cdb::{self, changes_medium, op_name};
use crate::mmc::inquiry::{self, InquiryData};
use crate::mmc::{self, Drive, MediaInfo};
use crate::scsi::{emulator, DataDirection, Transport};

/// Blocks per READ(10) when serving [`BlockSource`]: 64 KiB, which every
/// drive and every SG_IO path takes in one transfer.
const READ_CHUNK_BLOCKS: usize = 32;

/// Who made the drive, from INQUIRY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub vendor: String,
    pub product: String,
    pub revision: String,
}

/// A drive and what we know about its medium.
pub struct Recorder {
    identity: Identity,
    description: String,
    /// What other processes lock to write; `None` for a bare transport.
    lock_target: Option<LockTarget>,
    /// Serialises commands: one CDB at a time on the drive.
    transport: Mutex<Box<dyn Transport>>,
    /// The cached probe, `None` when stale. Kept apart from the transport
    /// so getters on other threads read it without waiting behind a long
    /// command (a WRITE, a FORMAT). It is filled and cleared only while the
    /// transport is held, so a probe can never overwrite a newer invalidation.
    /// An `ArcSwapOption` rather than a lock because a read then writes only
    /// to this thread's own slot: getters on many threads share no written
    /// cache line (an `RwLock`'s reader count made eight threads slower
    /// together than one).
    media: ArcSwapOption<MediaInfo>,
    /// Set while a [`WriteGuard`] of this recorder exists.
    writing: AtomicBool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("identity", &self.identity)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A device node (/dev/srN, /dev/sgN) → SG_IO; a regular file with an
    /// emulator sidecar → emulated drive; anything else → a clear error.
    pub fn open(path: impl AsRef<Path>) -> Result<Recorder> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::new(MS_E_WIN32_DEV_NOT_EXIST, format!("{}: {e}", path.display()))
        })?;
        let (transport, lock) = open_transport(path, &meta)?;
        let mut recorder = Recorder::from_transport(transport)?;
        recorder.lock_target = Some(lock);
        Ok(recorder)
    }

    /// Wraps any transport after checking, with INQUIRY, that an MMC drive
    /// answers.
    pub fn from_transport(mut transport: Box<dyn Transport>) -> Result<Recorder> {
        let description = transport.describe();
        let mut reply = [0u8; inquiry::ALLOCATION as usize];
        let moved = Drive::new(&mut *transport).run(
            &inquiry::cdb(inquiry::ALLOCATION),
            DataDirection::FromDevice(&mut reply),
        )?;
        let data = InquiryData::parse(&reply[..moved])?;
        if !data.is_optical_drive() {
            return Err(Error::new(
                MS_E_WIN32_DEV_NOT_EXIST,
                format!(
                    "{description}: peripheral device type {} qualifier {} ({} {}) is not a CD/DVD/BD drive",
                    data.device_type, data.qualifier, data.vendor, data.product
                ),
            ));
        }
        Ok(Recorder {
            identity: Identity {
                vendor: data.vendor,
                product: data.product,
                revision: data.revision,
            },
            description,
            lock_target: None,
            transport: Mutex::new(transport),
            media: ArcSwapOption::empty(),
            writing: AtomicBool::new(false),
        })
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// "VENDOR PRODUCT REV on /dev/sr0".
    pub fn describe(&self) -> String {
        format!(
            "{} {} {} on {}",
            self.identity.vendor, self.identity.product, self.identity.revision, self.description
        )
    }

    /// The medium as last probed; probes when nothing is cached, after a
    /// write through this recorder and after a UNIT ATTENTION.
    pub fn media_info(&self) -> Result<MediaInfo> {
        if let Some(media) = &*self.media.load() {
            return Ok(MediaInfo::clone(media));
        }
        let mut transport = self.transport.lock();
        // Another thread may have probed while this one waited.
        if let Some(media) = &*self.media.load() {
            return Ok(MediaInfo::clone(media));
        }
        let media = mmc::probe(&mut **transport)?;
        self.media.store(Some(Arc::new(media.clone())));
        Ok(media)
    }

    /// Probes now, whatever is cached.
    pub fn refresh(&self) -> Result<MediaInfo> {
        self.mark_stale();
        self.media_info()
    }

    /// Every recorded session (start and last written block), for listing
    /// and importing older sessions. Empty on random-write media.
    pub fn sessions(&self) -> Result<Vec<mmc::RecordedSession>> {
        mmc::sessions(&mut **self.transport.lock())
    }

    /// Exclusive access for writing: fails with `E_IMAPI_RECORDER_LOCKED`
    /// while another guard exists, in this process or in another process
    /// on the same device or emulated disc.
    pub fn lock_for_writing(&self) -> Result<WriteGuard<'_>> {
        if self
            .writing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(Error::new(
                MS_E_IMAPI_RECORDER_LOCKED,
                format!(
                    "{}: another writer in this process holds the drive",
                    self.describe()
                ),
            ));
        }
        let os_lock = match self
            .lock_target
            .as_ref()
            .map(LockTarget::acquire)
            .transpose()
        {
            Ok(lock) => lock,
            Err(e) => {
                self.writing.store(false, Ordering::Release);
                return Err(e.context(self.describe()));
            }
        };
        Ok(WriteGuard {
            recorder: self,
            _os_lock: os_lock,
        })
    }

    /// Sends one CDB; a CHECK CONDITION becomes
    /// `Err(sense.to_hresult(), "OPNAME: 5/21/02 …")`. Commands that change
    /// the medium (WRITE, CLOSE, FORMAT …) need [`WriteGuard::command`].
    pub fn command(&self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Result<usize> {
        if let Some(&opcode) = cdb.first() {
            if changes_medium(opcode) {
                return Err(Error::new(
                    MS_E_IMAPI_RECORDER_LOCKED,
                    format!(
                        "{} changes the medium: send it through Recorder::lock_for_writing",
                        op_name(opcode)
                    ),
                ));
            }
        }
        self.run(cdb, data, timeout)
    }

    fn run(&self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Result<usize> {
        let mut transport = self.transport.lock();
        let mut drive = Drive::new(&mut **transport);
        let result = drive.run_raw(cdb, data, timeout);
        let stale = drive.media_changed() || cdb.first().is_some_and(|&op| changes_medium(op));
        if stale {
            self.media.store(None);
        }
        result
    }

    fn mark_stale(&self) {
        let _transport = self.transport.lock();
        self.media.store(None);
    }
}

/// Exclusive write access to a [`Recorder`]; the cached `MediaInfo` is
/// re-probed after it is dropped.
pub struct WriteGuard<'a> {
    recorder: &'a Recorder,
    _os_lock: Option<OsLock>,
}

impl std::fmt::Debug for WriteGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteGuard")
            .field("recorder", &self.recorder.describe())
            .finish()
    }
}

impl WriteGuard<'_> {
    /// Any CDB, including the ones that change the medium.
    pub fn command(&self, cdb: &[u8], data: DataDirection<'_>, timeout: Duration) -> Result<usize> {
        self.recorder.run(cdb, data, timeout)
    }

    pub fn recorder(&self) -> &Recorder {
        self.recorder
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.recorder.mark_stale();
        self.recorder.writing.store(false, Ordering::Release);
    }
}

impl BlockSource for Recorder {
    /// READ(10) in chunks of 64 KiB.
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        if buf.len() % BLOCK_SIZE != 0 {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!(
                    "read of {} bytes at LBA {lba} is not a whole number of {BLOCK_SIZE}-byte blocks",
                    buf.len()
                ),
            ));
        }
        for (i, chunk) in buf.chunks_mut(READ_CHUNK_BLOCKS * BLOCK_SIZE).enumerate() {
            let offset = (i * READ_CHUNK_BLOCKS) as u32;
            let first = lba.checked_add(offset).ok_or_else(|| {
                Error::new(
                    MS_E_INVALIDARG,
                    format!("read at LBA {lba} + {offset} passes the end of the address space"),
                )
            })?;
            let blocks = (chunk.len() / BLOCK_SIZE) as u16;
            let read = cdb::read10(first, blocks);
            let expected = chunk.len();
            let moved = self.run(
                read.as_bytes(),
                DataDirection::FromDevice(chunk),
                read.timeout(),
            )?;
            if moved != expected {
                return Err(Error::new(
                    MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                    format!(
                        "READ(10) of {blocks} blocks at LBA {first} moved {moved} of {expected} bytes on {}",
                        self.description
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The cross-process writer lock of what a recorder was opened on.
#[derive(Debug)]
enum LockTarget {
    /// `flock` on the device node, shared with every cooperating writer.
    #[cfg(target_os = "linux")]
    Device(PathBuf),
    /// The emulated disc's own writer lock.
    EmulatedDisc(PathBuf),
}

/// A held writer lock; released when dropped.
#[derive(Debug)]
enum OsLock {
    #[cfg(target_os = "linux")]
    Device {
        _held: crate::scsi::sg::AdvisoryLock,
    },
    EmulatedDisc {
        _held: emulator::DiscLock,
    },
}

impl LockTarget {
    fn acquire(&self) -> Result<OsLock> {
        match self {
            #[cfg(target_os = "linux")]
            LockTarget::Device(path) => crate::scsi::sg::AdvisoryLock::try_acquire(path)
                .map(|held| OsLock::Device { _held: held }),
            LockTarget::EmulatedDisc(image) => {
                emulator::lock_disc(image).map(|held| OsLock::EmulatedDisc { _held: held })
            }
        }
    }
}

fn open_transport(
    path: &Path,
    meta: &std::fs::Metadata,
) -> Result<(Box<dyn Transport>, LockTarget)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_block_device() {
            let device = crate::scsi::sg::SgDevice::open(path)?;
            return Ok((Box::new(device), LockTarget::Device(path.to_path_buf())));
        }
    }
    if meta.is_file() && emulator::is_emulated_disc(path) {
        let drive = emulator::EmulatedDrive::open(path)?;
        return Ok((
            Box::new(drive),
            LockTarget::EmulatedDisc(path.to_path_buf()),
        ));
    }
    let what = if meta.is_dir() {
        "a directory"
    } else {
        "a file without an emulated-disc sidecar"
    };
    Err(Error::new(
        MS_E_WIN32_DEV_NOT_EXIST,
        format!(
            "{} is {what}: neither an SG-capable optical drive nor an emulated disc",
            path.display()
        ),
    ))
}
