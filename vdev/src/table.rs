//! Which device names are virtual, which file descriptors stand for them,
//! and the emulated drive behind each name.
//!
//! A virtual handle is a real memfd named `multisession-vdev:<device>`:
//! the kernel keeps it across fork and exec and close-on-exec applies to it
//! as to any descriptor, so a child that inherits it (growisofs hands
//! `/dev/fd/3` to genisoimage) finds it again by its name in
//! `/proc/self/fd` when the child's copy of this library starts.

use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use multisession::scsi::emulator::{DiscLock, EmulatedDrive};

/// The memfd name prefix that marks a virtual device handle.
pub const MEMFD_PREFIX: &str = "multisession-vdev:";
/// The Linux SCSI CD-ROM (sr) block major.
pub const SR_MAJOR: u32 = 11;

/// One device name from `MULTISESSION_VDEV`.
pub struct Device {
    pub name: Vec<u8>,
    pub image: PathBuf,
    pub minor: u32,
}

pub struct Config {
    pub devices: Vec<Device>,
    pub trace: Option<PathBuf>,
}

/// One open virtual descriptor. `ino` is the memfd's inode: a descriptor
/// number whose inode no longer matches was closed behind our back
/// (close_range, a raw syscall) and belongs to someone else now.
struct Handle {
    fd: libc::c_int,
    dev: usize,
    ino: u64,
    offset: u64,
    /// The disc's writer lock, taken by an O_EXCL open or flock on this
    /// descriptor and released when it closes (or on LOCK_UN).
    lock: Option<DiscLock>,
}

pub struct Table {
    handles: Vec<Handle>,
    /// One drive per device name, loaded at the first open and dropped
    /// (which saves its sidecar) when the last handle closes: several opens
    /// share a drive, as they share a real one.
    drives: Vec<Option<EmulatedDrive>>,
    /// SG_SET_RESERVED_SIZE per device, echoed by SG_GET_RESERVED_SIZE.
    pub reserved: Vec<libc::c_int>,
}

static CONFIG: OnceLock<Config> = OnceLock::new();
static TABLE: Mutex<Table> = Mutex::new(Table {
    handles: Vec::new(),
    drives: Vec::new(),
    reserved: Vec::new(),
});
/// Lets every descriptor hook skip the lock while no virtual handle exists.
static ANY_HANDLE: AtomicBool = AtomicBool::new(false);
/// One bit per descriptor below 1024 that is (or was until a moment ago) a
/// virtual handle: a program's other descriptors (the files xorriso reads
/// while its burn thread holds the lock in SG_IO) skip the lock entirely.
static MAYBE: [AtomicU64; 16] = [const { AtomicU64::new(0) }; 16];

fn bit(fd: libc::c_int) -> Option<(usize, u64)> {
    let fd = usize::try_from(fd).ok()?;
    (fd < 1024).then(|| (fd / 64, 1u64 << (fd % 64)))
}

/// False when `fd` is certainly not a virtual handle.
pub fn maybe_handle(fd: libc::c_int) -> bool {
    if !any_handle() {
        return false;
    }
    match bit(fd) {
        Some((word, mask)) => MAYBE[word].load(Ordering::Acquire) & mask != 0,
        None => fd >= 0,
    }
}

/// Parses `MULTISESSION_VDEV=/dev/sr7=/a.img:/dev/sr8=/b.img` once, and
/// adopts virtual handles inherited from the parent process.
pub fn config() -> &'static Config {
    CONFIG.get_or_init(|| {
        let config = parse(
            std::env::var_os("MULTISESSION_VDEV").as_deref(),
            std::env::var_os("MULTISESSION_VDEV_TRACE"),
        );
        adopt_inherited(&config);
        if !config.devices.is_empty() {
            // SAFETY: registers plain extern "C" functions without state.
            unsafe { libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(after_fork)) };
            // SAFETY: as above.
            unsafe { libc::atexit(release_at_exit) };
        }
        config
    })
}

/// A program may exit with the device still open; the disc must then keep
/// what was written, as a drive's medium does when its host goes away:
/// dropping each drive saves its sidecar.
extern "C" fn release_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        let drives = std::mem::take(&mut lock().drives);
        drop(drives);
    });
}

thread_local! {
    /// The table lock, held by the forking thread across fork(2).
    static FORK_GUARD: std::cell::RefCell<Option<MutexGuard<'static, Table>>> =
        const { std::cell::RefCell::new(None) };
}

/// Takes the table lock before fork so that the child never starts with
/// it held by a thread that does not exist there (a burning program's
/// writer thread in the middle of SG_IO).
extern "C" fn before_fork() {
    let _ = std::panic::catch_unwind(|| {
        let guard = lock();
        let _ = FORK_GUARD.try_with(|g| *g.borrow_mut() = Some(guard));
    });
}

/// Releases it again, in the parent and in the child.
extern "C" fn after_fork() {
    let _ = std::panic::catch_unwind(|| {
        let _ = FORK_GUARD.try_with(|g| g.borrow_mut().take());
    });
}

fn parse(spec: Option<&OsStr>, trace: Option<std::ffi::OsString>) -> Config {
    let mut devices = Vec::new();
    for item in spec
        .map(OsStr::as_bytes)
        .unwrap_or(b"")
        .split(|&b| b == b':')
    {
        let Some(eq) = item.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (name, image) = (&item[..eq], &item[eq + 1..]);
        if name.is_empty() || image.is_empty() {
            continue;
        }
        let minor = minor_of(name).unwrap_or(devices.len() as u32);
        devices.push(Device {
            name: name.to_vec(),
            image: PathBuf::from(OsStr::from_bytes(image)),
            minor,
        });
    }
    Config {
        devices,
        trace: trace.filter(|t| !t.is_empty()).map(PathBuf::from),
    }
}

/// The N of a name ending in `srN`: the minor a real sr node has.
fn minor_of(name: &[u8]) -> Option<u32> {
    let digits = name.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let (head, tail) = name.split_at(name.len() - digits);
    if digits == 0 || !head.ends_with(b"sr") {
        return None;
    }
    std::str::from_utf8(tail).ok()?.parse().ok()
}

/// True once any virtual handle was opened or inherited.
pub fn any_handle() -> bool {
    config();
    ANY_HANDLE.load(Ordering::Acquire)
}

pub fn lock() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The device a path names: one of ours, or `/dev/fd/N` and
/// `/proc/self/fd/N` for a virtual handle N.
pub fn device_of_path(path: *const libc::c_char) -> Option<usize> {
    if path.is_null() {
        return None;
    }
    let config = config();
    if config.devices.is_empty() {
        return None;
    }
    // SAFETY: the caller passed a NUL-terminated path to a libc function.
    let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
    if let Some(i) = config.devices.iter().position(|d| d.name == bytes) {
        return Some(i);
    }
    let n = bytes
        .strip_prefix(b"/dev/fd/")
        .or_else(|| bytes.strip_prefix(b"/proc/self/fd/"))?;
    let fd: libc::c_int = std::str::from_utf8(n).ok()?.parse().ok()?;
    device_of_fd(fd)
}

pub fn device_of_fd(fd: libc::c_int) -> Option<usize> {
    if !maybe_handle(fd) {
        return None;
    }
    lock().device(fd)
}

fn inode(fd: libc::c_int) -> Option<u64> {
    // SAFETY: fstat writes one struct stat into a zeroed local.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let rc = unsafe { crate::real_fstat(fd, &mut st) };
    (rc == 0).then_some(st.st_ino)
}

impl Table {
    fn position(&mut self, fd: libc::c_int) -> Option<usize> {
        let i = self.handles.iter().position(|h| h.fd == fd)?;
        if inode(fd) != Some(self.handles[i].ino) {
            self.forget_at(i);
            return None;
        }
        Some(i)
    }

    pub fn device(&mut self, fd: libc::c_int) -> Option<usize> {
        let i = self.position(fd)?;
        Some(self.handles[i].dev)
    }

    /// Registers `fd` (a memfd of ours) as a handle on `dev`.
    pub fn register(&mut self, fd: libc::c_int, dev: usize) {
        let Some(ino) = inode(fd) else { return };
        self.handles.retain(|h| h.fd != fd);
        self.handles.push(Handle {
            fd,
            dev,
            ino,
            offset: 0,
            lock: None,
        });
        if let Some((word, mask)) = bit(fd) {
            MAYBE[word].fetch_or(mask, Ordering::Release);
        }
        ANY_HANDLE.store(true, Ordering::Release);
    }

    /// Whether `fd` holds its disc's writer lock.
    pub fn holds_lock(&mut self, fd: libc::c_int) -> bool {
        self.position(fd)
            .is_some_and(|i| self.handles[i].lock.is_some())
    }

    /// Makes `fd` the holder of `lock` (None releases what it held).
    pub fn set_lock(&mut self, fd: libc::c_int, lock: Option<DiscLock>) {
        if let Some(i) = self.position(fd) {
            self.handles[i].lock = lock;
        }
    }

    /// Forgets `fd` after it was closed; the drive goes with its last handle.
    pub fn forget(&mut self, fd: libc::c_int) {
        if let Some(i) = self.handles.iter().position(|h| h.fd == fd) {
            self.forget_at(i);
        }
    }

    fn forget_at(&mut self, i: usize) {
        let Handle { fd, dev, .. } = self.handles.swap_remove(i);
        if let Some((word, mask)) = bit(fd) {
            MAYBE[word].fetch_and(!mask, Ordering::Release);
        }
        if !self.handles.iter().any(|h| h.dev == dev) {
            if let Some(slot) = self.drives.get_mut(dev) {
                *slot = None;
            }
        }
    }

    /// The drive of `dev`, loading its disc on first use.
    pub fn drive(&mut self, dev: usize) -> multisession::Result<&mut EmulatedDrive> {
        let config = config();
        if self.drives.len() < config.devices.len() {
            self.drives.resize_with(config.devices.len(), || None);
        }
        let slot = &mut self.drives[dev];
        if slot.is_none() {
            *slot = Some(EmulatedDrive::open(&config.devices[dev].image)?);
        }
        Ok(slot.as_mut().expect("loaded above"))
    }

    pub fn offset(&mut self, fd: libc::c_int) -> Option<&mut u64> {
        let i = self.position(fd)?;
        Some(&mut self.handles[i].offset)
    }

    pub fn reserved_mut(&mut self, dev: usize) -> &mut libc::c_int {
        if self.reserved.len() <= dev {
            self.reserved.resize(dev + 1, 32768);
        }
        &mut self.reserved[dev]
    }
}

/// Finds the virtual handles this process inherited (their memfd names)
/// and takes them into the table.
fn adopt_inherited(config: &Config) {
    if config.devices.is_empty() {
        return;
    }
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<libc::c_int>().ok())
        else {
            continue;
        };
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let target = target.as_os_str().as_bytes();
        let Some(rest) = target
            .strip_prefix(b"/memfd:")
            .and_then(|t| t.strip_prefix(MEMFD_PREFIX.as_bytes()))
        else {
            continue;
        };
        let name = rest.strip_suffix(b" (deleted)").unwrap_or(rest);
        if let Some(dev) = config.devices.iter().position(|d| d.name == name) {
            found.push((fd, dev));
        }
    }
    let mut table = lock();
    for (fd, dev) in found {
        table.register(fd, dev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_names_devices_with_the_sr_minor_of_their_name() {
        let c = parse(
            Some(OsStr::new(
                "/dev/sr7=/tmp/a.img:/dev/sr12=/tmp/b.img:/dev/cdrw=/c",
            )),
            None,
        );
        let got: Vec<_> = c
            .devices
            .iter()
            .map(|d| (d.name.clone(), d.image.clone(), d.minor))
            .collect();
        assert_eq!(
            got,
            vec![
                (b"/dev/sr7".to_vec(), PathBuf::from("/tmp/a.img"), 7),
                (b"/dev/sr12".to_vec(), PathBuf::from("/tmp/b.img"), 12),
                (b"/dev/cdrw".to_vec(), PathBuf::from("/c"), 2),
            ]
        );
    }

    #[test]
    fn malformed_mapping_items_are_skipped() {
        let c = parse(Some(OsStr::new("junk:=/x:/dev/sr1=::/dev/sr2=/y")), None);
        assert_eq!(c.devices.len(), 1);
        assert_eq!(c.devices[0].name, b"/dev/sr2");
    }
}
