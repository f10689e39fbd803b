//! `Recorder`: one drive (real or emulated), its identity, a cached
//! `MediaInfo`, and exclusive access for writing.
//!
//! A recorder is shared (`Arc<Recorder>`) between the multisession
//! objects, the file-system image that imports through it and the writer.
//! Commands are serialised by a mutex around the transport. Commands that
//! change the medium are only accepted through a [`WriteGuard`], so the
//! cached [`MediaInfo`] is dropped after every such command, when the
//! guard goes, and whenever the drive reports UNIT ATTENTION.
//!
//! # Noticing changes made by others
//!
//! Getters must reflect the medium now, and the medium also changes
//! without this recorder sending anything: a disc swapped in a real drive,
//! an emulated disc written by another process. MMC drives tell a host in
//! two ways, both only as the answer to a command: a media event through
//! GET EVENT STATUS NOTIFICATION (polled; "new media", "media removal")
//! and UNIT ATTENTION 6/28/00 on the next media command. There is no
//! portable asynchronous notification (SG_IO has none, the emulator is a
//! file), so the recorder polls — and only from [`Recorder::media_info`],
//! the one place every cached getter goes through.
//!
//! A poll is one GESN (media class), or TEST UNIT READY on a drive that
//! rejects GESN; a change event, a medium gone or a UNIT ATTENTION drops
//! the cache and the same call re-probes. Polling on every call would put
//! a drive round trip (tens of µs to ms) into getters that otherwise take
//! tens of ns, so a poll runs at most once per interval
//! ([`DEFAULT_MEDIA_POLL_INTERVAL`], 250 ms: far below the seconds a human
//! needs to swap a disc or another program needs to burn one, and one
//! small command four times a second is nothing to a drive; the OS polls
//! drives at a similar rate). [`Recorder::set_media_poll_interval`] changes
//! it; zero polls on every call.
//!
//! The fast path — a cached value within the interval — stays free of
//! locks and shared writes: it reads the cache (`ArcSwapOption`) and the
//! poll deadline (an atomic load) and compares with the clock. When the
//! deadline has passed, the one thread whose compare-exchange moves the
//! deadline polls; the others return the cache meanwhile. While a
//! [`WriteGuard`] of this recorder exists no poll runs: the writer changes
//! the medium itself and the cache is dropped when the guard goes.
//!
//! Each probe first takes (and ignores) the drive's pending media event,
//! so an event that happened before the probe — the "new media" a drive
//! reports once after load — does not cause a second probe at the next
//! poll. Another initiator polling the same drive (on Linux the kernel's
//! own media polling, when enabled) may take an event first; the media
//! present bit of every GESN reply is checked as well, so at least a
//! removal is still seen.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
#[cfg(not(target_os = "linux"))]
use std::time::Instant;

use arc_swap::ArcSwapOption;
use parking_lot::Mutex;

use crate::block::{BlockSource, BLOCK_SIZE};
use crate::error::{short_path, Cause, Error, Result};
use crate::hresult::{
    MS_E_ACCESSDENIED, MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
    MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA, MS_E_INVALIDARG, MS_E_NOTIMPL,
    MS_E_WIN32_DEV_NOT_EXIST,
};
use crate::mmc::cdb::{self, changes_medium, op_name};
use crate::mmc::event::{self, MediaStatus};
use crate::mmc::inquiry::{self, InquiryData};
use crate::mmc::{self, Drive, MediaInfo};
use crate::scsi::{emulator, DataDirection, Sense, Transport};

/// Blocks per READ(10) when serving [`BlockSource`]: 64 KiB, which every
/// drive and every SG_IO path takes in one transfer.
const READ_CHUNK_BLOCKS: usize = 32;

/// How often [`Recorder::media_info`] asks the drive whether its medium
/// changed, unless [`Recorder::set_media_poll_interval`] says otherwise
/// (see the module doc for the choice).
pub const DEFAULT_MEDIA_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Who made the drive, from INQUIRY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// INQUIRY vendor identification, trailing blanks removed.
    pub vendor: String,
    /// INQUIRY product identification, trailing blanks removed.
    pub product: String,
    /// INQUIRY product revision level, trailing blanks removed.
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
    /// When the cache is next checked against the drive.
    poll: PollClock,
    /// The drive rejected GET EVENT STATUS NOTIFICATION: poll with TEST
    /// UNIT READY instead.
    no_event_status: AtomicBool,
    /// The OS lock and client name of `acquire_exclusive_access`.
    exclusive: Mutex<Option<Exclusive>>,
}

/// Exclusive access held by this recorder.
struct Exclusive {
    _lock: OsLock,
    client: String,
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
    ///
    /// One entry point for real and emulated drives, so that everything
    /// above this layer is tested on emulated discs and runs on real ones.
    ///
    /// ```
    /// use multisession::scsi::emulator::{create_blank, Existing};
    /// use multisession::{hresult, Profile, Recorder};
    ///
    /// # fn main() -> multisession::Result<()> {
    /// let dir = tempfile::tempdir().unwrap();
    /// let disc = dir.path().join("blank.img");
    /// create_blank(&disc, Profile::DvdPlusR, None, Existing::Refuse)?;
    /// let media = Recorder::open(&disc)?.media_info()?;
    /// assert_eq!(media.profile, Profile::DvdPlusR);
    /// assert_eq!((media.previous_session, media.next_writable), (None, Some(0)));
    ///
    /// // A plain file is no drive: the error says so with IMAPI2's code.
    /// std::fs::write(dir.path().join("notes.txt"), "text").unwrap();
    /// let err = Recorder::open(dir.path().join("notes.txt")).unwrap_err();
    /// assert!(hresult::failed(err.code()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Recorder> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::new(
                MS_E_WIN32_DEV_NOT_EXIST,
                format!("{}: {e}", short_path(path)),
            )
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
            poll: PollClock::new(DEFAULT_MEDIA_POLL_INTERVAL),
            no_event_status: AtomicBool::new(false),
            exclusive: Mutex::new(None),
        })
    }

    /// The drive's INQUIRY identity, read once at open.
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

    /// The medium now: the cached probe, checked against the drive at most
    /// once per poll interval (see the module doc); probes when nothing is
    /// cached, after a write through this recorder, after a UNIT ATTENTION
    /// and when a poll finds that the medium changed.
    pub fn media_info(&self) -> Result<MediaInfo> {
        if let Some(media) = &*self.media.load() {
            if !self.poll.claim() || self.writing.load(Ordering::Acquire) {
                return Ok(MediaInfo::clone(media));
            }
            return self.poll_medium();
        }
        self.probe_cache_miss()
    }

    /// How often [`Recorder::media_info`] checks with the drive whether the
    /// medium changed; zero checks on every call. The next check is due one
    /// interval from now.
    pub fn set_media_poll_interval(&self, interval: Duration) {
        self.poll.set_interval(interval);
    }

    /// The current poll interval.
    pub fn media_poll_interval(&self) -> Duration {
        self.poll.interval()
    }

    /// Asks the drive whether its medium changed; the cache if not, a new
    /// probe if so.
    fn poll_medium(&self) -> Result<MediaInfo> {
        let mut transport = self.transport.lock();
        // Cleared while this thread waited: probe below.
        if let Some(media) = &*self.media.load() {
            if !self.medium_changed(&mut **transport) {
                return Ok(MediaInfo::clone(media));
            }
            self.media.store(None);
        }
        self.probe_locked(&mut **transport)
    }

    fn probe_cache_miss(&self) -> Result<MediaInfo> {
        let mut transport = self.transport.lock();
        // Another thread may have probed while this one waited.
        if let Some(media) = &*self.media.load() {
            return Ok(MediaInfo::clone(media));
        }
        self.probe_locked(&mut **transport)
    }

    /// Takes the pending media event (what it says is about to be probed
    /// anyway), probes and caches. Only with the transport held.
    fn probe_locked(&self, transport: &mut dyn Transport) -> Result<MediaInfo> {
        if !self.no_event_status.load(Ordering::Relaxed) {
            if let Err(e) = event::poll_media(&mut Drive::new(transport)) {
                self.note_event_status_error(&e);
            }
        }
        let media = mmc::probe(transport)?;
        self.media.store(Some(Arc::new(media.clone())));
        self.poll.restart();
        Ok(media)
    }

    /// One poll: GET EVENT STATUS NOTIFICATION, or TEST UNIT READY where
    /// the drive lacks it. Any doubt (a failed command, a reply that does
    /// not parse) counts as a change: the probe that follows then reports
    /// what is wrong.
    fn medium_changed(&self, transport: &mut dyn Transport) -> bool {
        let mut drive = Drive::new(transport);
        if !self.no_event_status.load(Ordering::Relaxed) {
            match event::poll_media(&mut drive) {
                Ok(MediaStatus {
                    event: Some(event),
                    media_present,
                    ..
                }) => return event.changes_medium() || !media_present || drive.media_changed(),
                // No media event class: the drive cannot tell by GESN.
                Ok(MediaStatus { event: None, .. }) => {
                    self.no_event_status.store(true, Ordering::Relaxed);
                }
                Err(e) => {
                    if !self.note_event_status_error(&e) {
                        return true;
                    }
                }
            }
        }
        // UNIT ATTENTION is retried inside `run` and noted; NOT READY (no
        // medium, becoming ready) fails.
        drive
            .run(&cdb::test_unit_ready(), DataDirection::None)
            .is_err()
            || drive.media_changed()
    }

    /// Remembers a drive that rejects GET EVENT STATUS NOTIFICATION (5/20/00
    /// unknown command, 5/24/00 polled mode or the media class
    /// unsupported); true when that is what `e` says.
    fn note_event_status_error(&self, e: &Error) -> bool {
        let rejected = Sense::of(e).is_some_and(|s| s.is_unknown_command() || s.is_invalid_field());
        if rejected {
            self.no_event_status.store(true, Ordering::Relaxed);
        }
        rejected
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

    /// Ejects the medium (START STOP UNIT, LoEj): refused while removal is
    /// prevented (`E_IMAPI_RECORDER_MEDIA_...` from the sense 5/53/02), and
    /// while this process writes to the drive (`E_IMAPI_RECORDER_LOCKED`).
    pub fn eject(&self) -> Result<()> {
        self.tray(false)
    }

    /// Closes the tray (START STOP UNIT, LoEj + Start); the medium then
    /// shows as a new one.
    pub fn load(&self) -> Result<()> {
        self.tray(true)
    }

    fn tray(&self, load: bool) -> Result<()> {
        if self.writing.load(Ordering::Acquire) {
            return Err(Error::with_cause(
                MS_E_IMAPI_RECORDER_LOCKED,
                Cause::Held,
                format!(
                    "{} is being written; the tray stays as it is",
                    self.describe()
                ),
            ));
        }
        let cdb = cdb::start_stop_unit(load);
        let done = self.run(cdb.as_bytes(), DataDirection::None, cdb.timeout());
        self.mark_stale();
        done.map(drop)
    }

    /// PREVENT ALLOW MEDIUM REMOVAL: with `prevent` the eject button and
    /// [`eject`](Self::eject) are refused until allowed again (or the
    /// drive is reset). IMAPI's `DisableMcn` counterpart for the tray.
    pub fn set_removal_prevented(&self, prevent: bool) -> Result<()> {
        let cdb = cdb::prevent_allow_medium_removal(prevent);
        self.run(cdb.as_bytes(), DataDirection::None, cdb.timeout())
            .map(drop)
    }

    /// Waits up to `timeout` for a medium to be loaded and ready (TEST UNIT
    /// READY every 100 ms) and returns what it is; without one by then,
    /// `E_IMAPI_RECORDER_MEDIA_NO_MEDIA`. Other failures end the wait.
    pub fn wait_for_medium(&self, timeout: Duration) -> Result<MediaInfo> {
        let deadline = std::time::Instant::now() + timeout;
        let cdb = cdb::test_unit_ready();
        loop {
            match self.run(cdb.as_bytes(), DataDirection::None, cdb.timeout()) {
                Ok(_) => return self.refresh(),
                Err(e)
                    if Sense::of(&e).is_some_and(|s| s.is_no_medium() || s.is_becoming_ready()) => {
                }
                Err(e) => return Err(e),
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Err(Error::new(
                    MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
                    format!(
                        "no medium in {} after waiting {} ms",
                        self.describe(),
                        timeout.as_millis()
                    ),
                ));
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(100)));
        }
    }

    /// The write speeds (kB/s) the drive offers for the loaded medium,
    /// fastest first (`IDiscFormat2Data::SupportedWriteSpeeds`).
    pub fn write_speeds(&self) -> Result<Vec<u32>> {
        use crate::mmc::speed;
        let cdb = speed::get_write_speeds(speed::MAX_DESCRIPTORS);
        let mut reply = vec![0u8; speed::reply_len(speed::MAX_DESCRIPTORS)];
        let got = self.run(
            cdb.as_bytes(),
            DataDirection::FromDevice(&mut reply),
            cdb.timeout(),
        )?;
        speed::parse_write_speeds(&reply, got)
    }

    /// The write speed (kB/s) in effect (`CurrentWriteSpeed`); 0 when the
    /// drive names none.
    pub fn current_write_speed(&self) -> Result<u32> {
        use crate::mmc::speed;
        let cdb = speed::get_write_performance();
        let mut reply = vec![0u8; speed::reply_len(1)];
        let got = self.run(
            cdb.as_bytes(),
            DataDirection::FromDevice(&mut reply),
            cdb.timeout(),
        )?;
        Ok(speed::parse_performance(&reply, got)?.unwrap_or(0))
    }

    /// Asks for writing at `kbps` (`None`: as fast as the medium allows):
    /// SET CD SPEED on CD, SET STREAMING on DVD and BD. Drives round to a
    /// speed they have; [`current_write_speed`](Self::current_write_speed)
    /// tells which.
    pub fn set_write_speed(&self, kbps: Option<u32>) -> Result<()> {
        use crate::mmc::speed;
        let media = self.media_info()?;
        if media.profile.family() == crate::media::Family::Cd {
            let cdb = speed::set_cd_speed(kbps);
            self.run(cdb.as_bytes(), DataDirection::None, cdb.timeout())?;
        } else {
            let last = media.total_sectors.saturating_sub(1);
            let descriptor = speed::streaming_descriptor(kbps, last);
            let cdb = speed::set_streaming();
            self.run(
                cdb.as_bytes(),
                DataDirection::ToDevice(&descriptor),
                cdb.timeout(),
            )?;
        }
        Ok(())
    }

    /// `IDiscRecorder2::AcquireExclusiveAccess`: holds the drive for this
    /// recorder until [`release_exclusive_access`](Self::release_exclusive_access)
    /// or the process ends (the OS lock goes with it), naming `client` to
    /// whoever else asks. Another process's writes and acquisitions fail
    /// meanwhile with `E_IMAPI_RECORDER_LOCKED`, their message naming
    /// `client`. Asking again renames the holder.
    pub fn acquire_exclusive_access(&self, client: &str) -> Result<()> {
        if client.is_empty() || client.contains(['\n', '\0']) {
            return Err(Error::misuse(
                MS_E_INVALIDARG,
                "the client name must be one non-empty line",
            ));
        }
        let Some(target) = &self.lock_target else {
            return Err(Error::new(
                MS_E_NOTIMPL,
                format!("{} has no lock other processes see", self.describe()),
            ));
        };
        let mut exclusive = self.exclusive.lock();
        if self.writing.load(Ordering::Acquire) && exclusive.is_none() {
            return Err(Error::with_cause(
                MS_E_IMAPI_RECORDER_LOCKED,
                Cause::Held,
                format!("{}: a write of this process is running", self.describe()),
            ));
        }
        if exclusive.is_none() {
            let lock = target.acquire().map_err(|e| e.context(self.describe()))?;
            *exclusive = Some(Exclusive {
                _lock: lock,
                client: String::new(),
            });
        }
        let owner = format!("{client}\n{}\n", std::process::id());
        std::fs::write(target.owner_file(), owner).map_err(|e| {
            Error::new(
                MS_E_ACCESSDENIED,
                format!(
                    "recording the holder in {}: {e}",
                    target.owner_file().display()
                ),
            )
        })?;
        if let Some(held) = exclusive.as_mut() {
            held.client = client.to_owned();
        }
        Ok(())
    }

    /// `IDiscRecorder2::ReleaseExclusiveAccess`; nothing when not held.
    pub fn release_exclusive_access(&self) -> Result<()> {
        let mut exclusive = self.exclusive.lock();
        if exclusive.is_some() {
            if let Some(target) = &self.lock_target {
                // Before the lock goes: a new holder's name is never removed.
                let _ = std::fs::remove_file(target.owner_file());
            }
            *exclusive = None;
        }
        Ok(())
    }

    /// `IDiscRecorder2::get_ExclusiveAccessOwner`: the client name of
    /// whoever holds the drive exclusively (this recorder or another
    /// process), `None` when nobody does.
    pub fn exclusive_access_owner(&self) -> Result<Option<String>> {
        if let Some(held) = self.exclusive.lock().as_ref() {
            return Ok(Some(held.client.clone()));
        }
        let Some(target) = &self.lock_target else {
            return Ok(None);
        };
        match target.acquire() {
            Ok(_free) => Ok(None),
            Err(e) if e.cause() == Cause::Held => {
                Ok(Some(target.owner().unwrap_or_else(|| "a writer".into())))
            }
            Err(e) => Err(e),
        }
    }

    /// Every feature the drive reports (GET CONFIGURATION, all features):
    /// its profiles (`IDiscRecorder2::SupportedProfiles`, with the current
    /// ones marked) and feature pages (`SupportedFeaturePages`).
    pub fn configuration(&self) -> Result<mmc::config::Configuration> {
        use mmc::config::{self as config, RequestType};
        let cdb = config::cdb(RequestType::All, 0, config::ALLOCATION);
        let mut reply = vec![0u8; usize::from(config::ALLOCATION)];
        let got = self.run(
            cdb.as_bytes(),
            DataDirection::FromDevice(&mut reply),
            cdb.timeout(),
        )?;
        config::Configuration::parse(&reply[..got])
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
            return Err(Error::with_cause(
                MS_E_IMAPI_RECORDER_LOCKED,
                Cause::Held,
                format!(
                    "{}: another writer in this process holds the drive",
                    self.describe()
                ),
            ));
        }
        // Exclusive access already holds the OS lock for this recorder.
        let held = self.exclusive.lock().is_some();
        let os_lock = match self
            .lock_target
            .as_ref()
            .filter(|_| !held)
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
                return Err(Error::misuse(
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

/// When the cached medium is next checked against the drive.
///
/// Times are nanoseconds of a monotonic clock, so the deadline fits one
/// atomic word: the fast path is a load and a clock read, and only a
/// thread that finds the deadline passed writes (one compare-exchange).
struct PollClock {
    #[cfg(not(target_os = "linux"))]
    epoch: Instant,
    /// Nanoseconds; zero polls on every call.
    interval: AtomicU64,
    /// The deadline after which the next call polls.
    next: AtomicU64,
}

impl PollClock {
    fn new(interval: Duration) -> PollClock {
        PollClock {
            #[cfg(not(target_os = "linux"))]
            epoch: Instant::now(),
            interval: AtomicU64::new(nanos(interval)),
            next: AtomicU64::new(0),
        }
    }

    /// The coarse monotonic clock: updated once per kernel tick (1-10 ms,
    /// nothing next to a 250 ms interval) and read in a few ns, where
    /// `Instant::now` costs as much as the rest of a getter.
    #[cfg(target_os = "linux")]
    fn now(&self) -> u64 {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
        (t.tv_sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(t.tv_nsec as u64)
    }

    #[cfg(not(target_os = "linux"))]
    fn now(&self) -> u64 {
        nanos(self.epoch.elapsed())
    }

    /// True for the one caller that should poll now: every caller with a
    /// zero interval, else the one whose compare-exchange moves a passed
    /// deadline on by an interval.
    fn claim(&self) -> bool {
        let interval = self.interval.load(Ordering::Relaxed);
        if interval == 0 {
            return true;
        }
        let due = self.next.load(Ordering::Relaxed);
        let now = self.now();
        now >= due
            && self
                .next
                .compare_exchange(
                    due,
                    now.saturating_add(interval),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    /// A probe just ran: the next poll is due one interval from now.
    fn restart(&self) {
        let interval = self.interval.load(Ordering::Relaxed);
        self.next
            .store(self.now().saturating_add(interval), Ordering::Relaxed);
    }

    fn set_interval(&self, interval: Duration) {
        self.interval.store(nanos(interval), Ordering::Relaxed);
        self.restart();
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval.load(Ordering::Relaxed))
    }
}

/// A duration in whole nanoseconds, saturating (u64 holds 584 years).
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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

    /// The recorder held, for reads between the commands of a write.
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
    /// Commands are serialised on the transport's lock: two readers take
    /// turns at the drive and parse what they read at the same time.
    fn shared(&self) -> Option<&(dyn BlockSource + Sync)> {
        Some(self)
    }

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
    /// Where the holder of exclusive access leaves its name: beside an
    /// emulated disc, in the temporary directory for a device.
    fn owner_file(&self) -> PathBuf {
        match self {
            #[cfg(target_os = "linux")]
            LockTarget::Device(path) => std::env::temp_dir().join(format!(
                "multisession-{}.owner",
                path.display().to_string().replace('/', "_")
            )),
            LockTarget::EmulatedDisc(image) => {
                let mut name = image.as_os_str().to_owned();
                name.push(".owner");
                PathBuf::from(name)
            }
        }
    }

    /// The holder's name and process, when one is recorded.
    fn owner(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.owner_file()).ok()?;
        let mut lines = text.lines();
        let client = lines.next().filter(|c| !c.is_empty())?;
        Some(match lines.next() {
            Some(pid) => format!("\"{client}\" (process {pid})"),
            None => format!("\"{client}\""),
        })
    }

    /// The OS lock; a busy one names its holder.
    fn acquire(&self) -> Result<OsLock> {
        self.acquire_unnamed().map_err(|e| {
            if e.cause() != Cause::Held {
                return e;
            }
            match self.owner() {
                Some(owner) => Error::with_cause(
                    e.code(),
                    e.cause(),
                    format!("{}; held exclusively by {owner}", e.detail()),
                ),
                None => e,
            }
        })
    }

    fn acquire_unnamed(&self) -> Result<OsLock> {
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
    let what = file_kind(meta);
    Err(Error::new(
        MS_E_WIN32_DEV_NOT_EXIST,
        format!(
            "{} is {what}, not a disc image or drive: neither an SG-capable optical drive nor an emulated disc",
            short_path(path)
        ),
    ))
}

/// What a path that is no drive and no emulated disc is, in words, so the
/// user sees at once that a FIFO or socket was given by mistake.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "a file without an emulated-disc sidecar"
    }
}

/// One optical drive of the machine (`enumerate_drives`).
#[derive(Debug, Clone)]
pub struct DriveEntry {
    /// What to open: a device node, or a virtual device of the preload
    /// library (`MULTISESSION_VDEV`).
    pub path: PathBuf,
    /// The emulated disc behind a virtual device.
    pub backing: Option<PathBuf>,
    /// The drive's INQUIRY identity.
    pub identity: Identity,
    /// 0 without a medium.
    pub current_profile: u16,
    /// Every profile the drive supports, in its order.
    pub profiles: Vec<u16>,
    /// Every feature code it reports.
    pub features: Vec<u16>,
}

/// The machine's optical drives (`IDiscMaster2`, libburn's
/// `burn_drive_scan`): the virtual devices `MULTISESSION_VDEV` maps
/// (`/dev/sr7=/abs/disc.img:…`), then every `/dev/sr*` and `/dev/sg*` that
/// answers INQUIRY and GET CONFIGURATION as an MMC drive. Each drive gets
/// at most `per_drive` to answer, so one busy drive cannot stall the scan
/// (its probe is left to finish on its own thread); those that do not
/// answer in time, or are no MMC drives, are left out. A drive is listed
/// once: under its `sr` node when it has one, else under its `sg` node.
pub fn enumerate_drives(per_drive: Duration) -> Vec<DriveEntry> {
    let mut candidates: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    if let Some(map) = std::env::var_os("MULTISESSION_VDEV") {
        for pair in map.to_string_lossy().split(':') {
            if let Some((device, image)) = pair.split_once('=') {
                candidates.push((PathBuf::from(device), Some(PathBuf::from(image))));
            }
        }
    }
    candidates.extend(drive_nodes(Path::new("/")).into_iter().map(|p| (p, None)));
    let probes: Vec<_> = candidates
        .into_iter()
        .map(|(path, backing)| {
            let (tx, rx) = std::sync::mpsc::channel();
            let open = backing.clone().unwrap_or_else(|| path.clone());
            std::thread::spawn(move || {
                let entry = Recorder::open(&open).and_then(|r| {
                    let config = r.configuration()?;
                    let profiles = config
                        .features
                        .iter()
                        .find_map(|f| match &f.data {
                            mmc::config::FeatureData::ProfileList(list) => {
                                Some(list.iter().map(|p| p.profile).collect())
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    Ok(DriveEntry {
                        path,
                        backing,
                        identity: r.identity().clone(),
                        current_profile: config.current_profile,
                        profiles,
                        features: config.features.iter().map(|f| f.code).collect(),
                    })
                });
                let _ = tx.send(entry);
            });
            rx
        })
        .collect();
    let deadline = std::time::Instant::now() + per_drive;
    probes
        .into_iter()
        .filter_map(|rx| {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            rx.recv_timeout(left).ok()?.ok()
        })
        .collect()
}

/// The `/dev/sr*` and `/dev/sg*` nodes under `root` (`/` but in tests)
/// worth probing, in name order. The kernel gives an optical drive both a
/// block node `srN` and a generic node `sgM`: the `sg` node whose sysfs
/// device (`sys/class/scsi_generic/sgM/device`) is the device of an `sr`
/// node (`sys/block/srN/device`) is the same drive and is left out, so a
/// program lists each drive once. Without sysfs every node stays.
fn drive_nodes(root: &Path) -> Vec<PathBuf> {
    let numbered = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    };
    let Ok(dir) = std::fs::read_dir(root.join("dev")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| numbered(n, "sr") || numbered(n, "sg"))
        .collect();
    names.sort();
    let device = |class: &str, name: &str| {
        std::fs::canonicalize(root.join("sys").join(class).join(name).join("device")).ok()
    };
    let optical: Vec<PathBuf> = names
        .iter()
        .filter(|n| n.starts_with("sr"))
        .filter_map(|n| device("block", n))
        .collect();
    names
        .into_iter()
        .filter(|n| {
            n.starts_with("sr")
                || device("class/scsi_generic", n).map_or(true, |d| !optical.contains(&d))
        })
        .map(|n| root.join("dev").join(n))
        .collect()
}

#[cfg(test)]
mod drive_node_tests {
    use super::drive_nodes;
    use std::path::Path;

    /// A fake root: `dev` nodes and the sysfs links of their SCSI devices.
    fn node(root: &Path, name: &str, sysfs: Option<(&str, &str)>) {
        std::fs::write(root.join("dev").join(name), b"").unwrap();
        if let Some((class, device)) = sysfs {
            let target = root.join("sys/devices").join(device);
            std::fs::create_dir_all(&target).unwrap();
            let dir = root.join("sys").join(class).join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::os::unix::fs::symlink(&target, dir.join("device")).unwrap();
        }
    }

    #[test]
    fn an_sg_node_of_an_sr_drive_is_left_out_and_other_sg_nodes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("dev")).unwrap();
        node(root, "sr0", Some(("block", "1:0:0:0")));
        node(root, "sg1", Some(("class/scsi_generic", "1:0:0:0")));
        node(root, "sr1", Some(("block", "2:0:0:0")));
        node(root, "sg2", Some(("class/scsi_generic", "2:0:0:0")));
        // A disk's generic node (probed, and left out later as no MMC
        // drive), and one without sysfs.
        node(root, "sg0", Some(("class/scsi_generic", "0:0:0:0")));
        node(root, "sg3", None);
        node(root, "sda", None);
        let names: Vec<String> = drive_nodes(root)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["sg0", "sg3", "sr0", "sr1"]);
    }

    #[test]
    fn without_sysfs_every_node_is_probed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("dev")).unwrap();
        node(root, "sr0", None);
        node(root, "sg0", None);
        assert_eq!(drive_nodes(root).len(), 2);
    }
}
