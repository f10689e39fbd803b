//! An `LD_PRELOAD` library that turns device names such as `/dev/sr7` into
//! emulated discs for a process and its children, so unmodified burning
//! programs (xorriso, cdrskin, …) can be tested without a drive or a
//! kernel module.
//!
//! `MULTISESSION_VDEV=/dev/sr7=/path/disc.img[:/dev/sr8=…]` names the
//! devices; `MULTISESSION_VDEV_TRACE=FILE` appends one line per CDB.
//! `multisession drive run` sets both.
//!
//! The libc entry points a program reaches a device through are replaced
//! here: the open family hands out a memfd (a real descriptor children
//! inherit), the stat family describes an sr block node (major 11),
//! ioctl answers SG_IO from the emulated drive of the `multisession` crate,
//! read/pread/lseek become READ(10). Everything else, and every call this
//! library makes itself while answering (the emulator opens its image and
//! sidecar through these same symbols), goes to the next definition
//! (`dlsym(RTLD_NEXT)`). A panic never reaches the host program: it
//! becomes EIO.
#![cfg(target_os = "linux")]
// Every exported function is a libc replacement: its contract is libc's.
#![allow(clippy::missing_safety_doc)]

mod sg;
mod table;

use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};

use libc::{c_char, c_int, c_long, c_uint, c_ulong, c_void, mode_t, off_t, size_t, ssize_t};

use table::{config, device_of_fd, device_of_path, lock};

thread_local! {
    /// Set while this thread is inside a hook: calls made meanwhile (by the
    /// emulator, by std) go straight to libc, so the table lock is never
    /// taken twice.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// The next definition of a libc function, looked up once.
macro_rules! real {
    ($name:literal, $ty:ty) => {{
        static ADDR: AtomicUsize = AtomicUsize::new(0);
        let mut addr = ADDR.load(Ordering::Relaxed);
        if addr == 0 {
            // SAFETY: RTLD_NEXT lookup of a NUL-terminated symbol name.
            addr = unsafe { libc::dlsym(libc::RTLD_NEXT, concat!($name, "\0").as_ptr().cast()) }
                as usize;
            ADDR.store(addr, Ordering::Relaxed);
        }
        if addr == 0 {
            None
        } else {
            // SAFETY: the symbol has the C signature `$ty` in glibc.
            Some(unsafe { std::mem::transmute::<usize, $ty>(addr) })
        }
    }};
}

/// Calls the next definition, or fails with ENOSYS where libc has none.
macro_rules! next {
    ($name:literal, $ty:ty, $fail:expr, ($($arg:expr),*)) => {
        match real!($name, $ty) {
            Some(f) => unsafe { f($($arg),*) },
            None => {
                set_errno(libc::ENOSYS);
                $fail
            }
        }
    };
}

fn set_errno(e: c_int) {
    // SAFETY: errno is thread-local and always addressable.
    unsafe { *libc::__errno_location() = e };
}

/// Runs `f` as the virtual implementation of a call. `None` (not ours, or
/// re-entered from inside a hook) means: call libc. A panic becomes EIO.
fn intercept<R>(failed: R, f: impl FnOnce() -> Option<Result<R, c_int>>) -> Option<R> {
    let entered = BUSY.try_with(|b| !b.replace(true)).unwrap_or(false);
    if !entered {
        return None;
    }
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
    let _ = BUSY.try_with(|b| b.set(false));
    match outcome {
        Ok(None) => None,
        Ok(Some(Ok(r))) => Some(r),
        Ok(Some(Err(e))) => {
            set_errno(e);
            Some(failed)
        }
        Err(_) => {
            set_errno(libc::EIO);
            Some(failed)
        }
    }
}

/// fstat without any hook, for the table's inode checks.
pub(crate) unsafe fn real_fstat(fd: c_int, st: *mut libc::stat) -> c_int {
    unsafe { libc::syscall(libc::SYS_fstat, fd, st) as c_int }
}

// ---- open family -------------------------------------------------------

fn open_device(dev: usize, flags: c_int) -> Result<c_int, c_int> {
    if flags & libc::O_DIRECTORY != 0 {
        return Err(libc::ENOTDIR);
    }
    if flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0 {
        return Err(libc::EEXIST);
    }
    let mut table = lock();
    // Loading the disc at open makes a missing or broken disc fail here,
    // as an absent device does.
    table.drive(dev).map_err(|_| libc::ENXIO)?;
    // O_EXCL on a block device claims it: sr answers EBUSY while another
    // open holds it. The claim is the disc's writer lock, so it excludes
    // other processes (and the library's own writers) too.
    let held = if flags & libc::O_EXCL != 0 {
        Some(disc_lock(dev).map_err(|_| libc::EBUSY)?)
    } else {
        None
    };
    let mut name = table::MEMFD_PREFIX.as_bytes().to_vec();
    name.extend_from_slice(&config().devices[dev].name);
    let name = CString::new(name).map_err(|_| libc::EINVAL)?;
    let mfd_flags = if flags & libc::O_CLOEXEC != 0 {
        libc::MFD_CLOEXEC
    } else {
        0
    };
    // SAFETY: a NUL-terminated name.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), mfd_flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    table.register(fd, dev);
    table.set_lock(fd, held);
    Ok(fd)
}

/// The writer lock of `dev`'s disc; `Err` when another holder has it.
fn disc_lock(dev: usize) -> Result<multisession::scsi::emulator::DiscLock, ()> {
    multisession::scsi::emulator::lock_disc(&config().devices[dev].image).map_err(|_| ())
}

fn open_path(path: *const c_char, flags: c_int) -> Option<Result<c_int, c_int>> {
    let dev = device_of_path(path)?;
    Some(open_device(dev, flags))
}

type OpenFn = unsafe extern "C" fn(*const c_char, c_int, ...) -> c_int;
type OpenAtFn = unsafe extern "C" fn(c_int, *const c_char, c_int, ...) -> c_int;

// The mode argument of open is variadic in C; on the SysV x86-64 and
// AArch64 Linux ABIs it arrives in the register a third named argument
// would, and it is only read when O_CREAT or O_TMPFILE asks for it.

#[no_mangle]
pub unsafe extern "C" fn open(path: *const c_char, flags: c_int, mode: mode_t) -> c_int {
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("open", OpenFn, -1, (path, flags, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn open64(path: *const c_char, flags: c_int, mode: mode_t) -> c_int {
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("open64", OpenFn, -1, (path, flags, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn openat(
    dir: c_int,
    path: *const c_char,
    flags: c_int,
    mode: mode_t,
) -> c_int {
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("openat", OpenAtFn, -1, (dir, path, flags, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn openat64(
    dir: c_int,
    path: *const c_char,
    flags: c_int,
    mode: mode_t,
) -> c_int {
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("openat64", OpenAtFn, -1, (dir, path, flags, mode)))
}

/// What `open` becomes under `_FORTIFY_SOURCE` when no mode is given.
#[no_mangle]
pub unsafe extern "C" fn __open_2(path: *const c_char, flags: c_int) -> c_int {
    type F = unsafe extern "C" fn(*const c_char, c_int) -> c_int;
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("__open_2", F, -1, (path, flags)))
}

#[no_mangle]
pub unsafe extern "C" fn __open64_2(path: *const c_char, flags: c_int) -> c_int {
    type F = unsafe extern "C" fn(*const c_char, c_int) -> c_int;
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("__open64_2", F, -1, (path, flags)))
}

#[no_mangle]
pub unsafe extern "C" fn __openat_2(dir: c_int, path: *const c_char, flags: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int, *const c_char, c_int) -> c_int;
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("__openat_2", F, -1, (dir, path, flags)))
}

#[no_mangle]
pub unsafe extern "C" fn __openat64_2(dir: c_int, path: *const c_char, flags: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int, *const c_char, c_int) -> c_int;
    intercept(-1, || open_path(path, flags))
        .unwrap_or_else(|| next!("__openat64_2", F, -1, (dir, path, flags)))
}

fn fopen_device(
    path: *const c_char,
    mode: *const c_char,
) -> Option<Result<*mut libc::FILE, c_int>> {
    let dev = device_of_path(path)?;
    if mode.is_null() {
        return Some(Err(libc::EINVAL));
    }
    // SAFETY: fopen's mode is a C string.
    let m = unsafe { CStr::from_ptr(mode) }.to_bytes();
    let mut flags = if m.contains(&b'+') || !m.starts_with(b"r") {
        libc::O_RDWR
    } else {
        libc::O_RDONLY
    };
    if m.contains(&b'e') {
        flags |= libc::O_CLOEXEC;
    }
    Some(open_device(dev, flags).and_then(|fd| {
        // SAFETY: fd is ours and open; mode is the caller's C string.
        let file = unsafe { libc::fdopen(fd, mode) };
        if file.is_null() {
            let e = std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO);
            lock().forget(fd);
            // SAFETY: closing the memfd just created.
            unsafe { libc::syscall(libc::SYS_close, fd) };
            return Err(e);
        }
        Ok(file)
    }))
}

type FopenFn = unsafe extern "C" fn(*const c_char, *const c_char) -> *mut libc::FILE;

#[no_mangle]
pub unsafe extern "C" fn fopen(path: *const c_char, mode: *const c_char) -> *mut libc::FILE {
    intercept(std::ptr::null_mut(), || fopen_device(path, mode))
        .unwrap_or_else(|| next!("fopen", FopenFn, std::ptr::null_mut(), (path, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn fopen64(path: *const c_char, mode: *const c_char) -> *mut libc::FILE {
    intercept(std::ptr::null_mut(), || fopen_device(path, mode))
        .unwrap_or_else(|| next!("fopen64", FopenFn, std::ptr::null_mut(), (path, mode)))
}

// ---- close and dup family ---------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn close(fd: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int) -> c_int;
    let handled = intercept(-1, || {
        if !table::maybe_handle(fd) {
            return None;
        }
        // Forget and close under the lock: a concurrent open cannot be
        // handed this number in between and then be forgotten.
        let mut table = lock();
        table.forget(fd);
        Some(Ok(next!("close", F, -1, (fd))))
    });
    handled.unwrap_or_else(|| next!("close", F, -1, (fd)))
}

/// Registers `new` as a copy of `old` once a dup call made it.
fn after_dup(dev: Option<usize>, new: c_int) {
    if let (Some(dev), true) = (dev, new >= 0) {
        let _ = intercept(0, || {
            lock().register(new, dev);
            Some(Ok(0))
        });
    }
}

fn device_of_fd_hooked(fd: c_int) -> Option<usize> {
    intercept(None, || Some(Ok(device_of_fd(fd)))).flatten()
}

#[no_mangle]
pub unsafe extern "C" fn dup(fd: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int) -> c_int;
    let dev = device_of_fd_hooked(fd);
    let new = next!("dup", F, -1, (fd));
    after_dup(dev, new);
    new
}

/// dup2/dup3 onto a virtual handle closes it first.
fn before_dup_onto(new: c_int) {
    let _ = intercept(0, || {
        if table::maybe_handle(new) {
            lock().forget(new);
        }
        Some(Ok(0))
    });
}

#[no_mangle]
pub unsafe extern "C" fn dup2(old: c_int, new: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int, c_int) -> c_int;
    let dev = device_of_fd_hooked(old);
    if old != new {
        before_dup_onto(new);
    }
    let r = next!("dup2", F, -1, (old, new));
    if old != new {
        after_dup(dev, r);
    }
    r
}

#[no_mangle]
pub unsafe extern "C" fn dup3(old: c_int, new: c_int, flags: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int, c_int, c_int) -> c_int;
    let dev = device_of_fd_hooked(old);
    if old != new {
        before_dup_onto(new);
    }
    let r = next!("dup3", F, -1, (old, new, flags));
    after_dup(dev, r);
    r
}

/// flock on a virtual descriptor takes the disc's writer lock rather than
/// a lock on this process's private memfd, so it excludes other processes
/// as flock on a real /dev/srN does (the library's own writer lock is such
/// a flock). Without LOCK_NB it waits, polling, as flock blocks.
#[no_mangle]
pub unsafe extern "C" fn flock(fd: c_int, op: c_int) -> c_int {
    type F = unsafe extern "C" fn(c_int, c_int) -> c_int;
    let handled = intercept(-1, || {
        if !table::maybe_handle(fd) {
            return None;
        }
        let dev = lock().device(fd)?;
        if op & libc::LOCK_UN != 0 {
            lock().set_lock(fd, None);
            return Some(Ok(0));
        }
        loop {
            if lock().holds_lock(fd) {
                return Some(Ok(0));
            }
            match disc_lock(dev) {
                Ok(held) => {
                    lock().set_lock(fd, Some(held));
                    return Some(Ok(0));
                }
                Err(()) if op & libc::LOCK_NB != 0 => return Some(Err(libc::EWOULDBLOCK)),
                Err(()) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    });
    handled.unwrap_or_else(|| next!("flock", F, -1, (fd, op)))
}

type FcntlFn = unsafe extern "C" fn(c_int, c_int, ...) -> c_int;

unsafe fn fcntl_common(name_is_64: bool, fd: c_int, cmd: c_int, arg: c_long) -> c_int {
    let dup = cmd == libc::F_DUPFD || cmd == libc::F_DUPFD_CLOEXEC;
    let dev = if dup { device_of_fd_hooked(fd) } else { None };
    let r = if name_is_64 {
        next!("fcntl64", FcntlFn, -1, (fd, cmd, arg))
    } else {
        next!("fcntl", FcntlFn, -1, (fd, cmd, arg))
    };
    after_dup(dev, r);
    r
}

// The third argument is variadic (int or pointer): taken as a long, which
// occupies the same register.
#[no_mangle]
pub unsafe extern "C" fn fcntl(fd: c_int, cmd: c_int, arg: c_long) -> c_int {
    unsafe { fcntl_common(false, fd, cmd, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn fcntl64(fd: c_int, cmd: c_int, arg: c_long) -> c_int {
    unsafe { fcntl_common(true, fd, cmd, arg) }
}

// ---- stat family -------------------------------------------------------

fn dev_inode(dev: usize) -> u64 {
    0x5d_0000 + u64::from(config().devices[dev].minor)
}

/// A `brw-rw----` node owned by the caller, major 11, as udev makes sr
/// nodes (owned by root:cdrom there; the caller's ids keep permission
/// checks of the host program passing).
unsafe fn fill_stat(dev: usize, st: *mut libc::stat) -> Result<c_int, c_int> {
    if st.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: the caller passed a struct stat (stat64 has the same layout
    // on 64-bit Linux).
    let s = unsafe {
        std::ptr::write_bytes(st, 0, 1);
        &mut *st
    };
    s.st_dev = libc::makedev(0, 5);
    s.st_ino = dev_inode(dev);
    s.st_mode = libc::S_IFBLK | 0o660;
    s.st_nlink = 1;
    s.st_uid = unsafe { libc::getuid() };
    s.st_gid = unsafe { libc::getgid() };
    s.st_rdev = libc::makedev(table::SR_MAJOR, config().devices[dev].minor);
    s.st_blksize = 2048;
    Ok(0)
}

unsafe fn fill_statx(dev: usize, sx: *mut libc::statx) -> Result<c_int, c_int> {
    if sx.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: the caller passed a struct statx.
    let s = unsafe {
        std::ptr::write_bytes(sx, 0, 1);
        &mut *sx
    };
    s.stx_mask = libc::STATX_BASIC_STATS;
    s.stx_blksize = 2048;
    s.stx_nlink = 1;
    s.stx_uid = unsafe { libc::getuid() };
    s.stx_gid = unsafe { libc::getgid() };
    s.stx_mode = (libc::S_IFBLK | 0o660) as u16;
    s.stx_ino = dev_inode(dev);
    s.stx_rdev_major = table::SR_MAJOR;
    s.stx_rdev_minor = config().devices[dev].minor;
    s.stx_dev_major = 0;
    s.stx_dev_minor = 5;
    Ok(0)
}

fn stat_path(path: *const c_char, st: *mut libc::stat) -> Option<Result<c_int, c_int>> {
    let dev = device_of_path(path)?;
    Some(unsafe { fill_stat(dev, st) })
}

fn stat_fd(fd: c_int, st: *mut libc::stat) -> Option<Result<c_int, c_int>> {
    let dev = device_of_fd(fd)?;
    Some(unsafe { fill_stat(dev, st) })
}

fn is_empty_path(path: *const c_char, flags: c_int) -> bool {
    // SAFETY: a non-null path is a C string.
    flags & libc::AT_EMPTY_PATH != 0 && (path.is_null() || unsafe { *path } == 0)
}

type StatFn = unsafe extern "C" fn(*const c_char, *mut libc::stat) -> c_int;
type FstatFn = unsafe extern "C" fn(c_int, *mut libc::stat) -> c_int;
type FstatatFn = unsafe extern "C" fn(c_int, *const c_char, *mut libc::stat, c_int) -> c_int;
type XstatFn = unsafe extern "C" fn(c_int, *const c_char, *mut libc::stat) -> c_int;
type FxstatFn = unsafe extern "C" fn(c_int, c_int, *mut libc::stat) -> c_int;
type FxstatatFn =
    unsafe extern "C" fn(c_int, c_int, *const c_char, *mut libc::stat, c_int) -> c_int;

macro_rules! path_stat {
    ($name:ident, $sym:literal) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char, st: *mut libc::stat) -> c_int {
            intercept(-1, || stat_path(path, st))
                .unwrap_or_else(|| next!($sym, StatFn, -1, (path, st)))
        }
    };
}
path_stat!(stat, "stat");
path_stat!(stat64, "stat64");
path_stat!(lstat, "lstat");
path_stat!(lstat64, "lstat64");

macro_rules! fd_stat {
    ($name:ident, $sym:literal) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(fd: c_int, st: *mut libc::stat) -> c_int {
            intercept(-1, || stat_fd(fd, st)).unwrap_or_else(|| next!($sym, FstatFn, -1, (fd, st)))
        }
    };
}
fd_stat!(fstat, "fstat");
fd_stat!(fstat64, "fstat64");

/// The `*at` stat forms: an empty path with `AT_EMPTY_PATH` means `dir`
/// itself.
fn stat_at(
    dir: c_int,
    path: *const c_char,
    st: *mut libc::stat,
    flags: c_int,
) -> Option<Result<c_int, c_int>> {
    if is_empty_path(path, flags) {
        stat_fd(dir, st)
    } else {
        stat_path(path, st)
    }
}

macro_rules! at_stat {
    ($name:ident, $sym:literal) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            dir: c_int,
            path: *const c_char,
            st: *mut libc::stat,
            flags: c_int,
        ) -> c_int {
            intercept(-1, || stat_at(dir, path, st, flags))
                .unwrap_or_else(|| next!($sym, FstatatFn, -1, (dir, path, st, flags)))
        }
    };
}
at_stat!(fstatat, "fstatat");
at_stat!(fstatat64, "fstatat64");

macro_rules! xstat {
    ($name:ident, $sym:literal) => {
        /// The pre-2.33 glibc stat entry point older binaries call.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            ver: c_int,
            path: *const c_char,
            st: *mut libc::stat,
        ) -> c_int {
            intercept(-1, || stat_path(path, st))
                .unwrap_or_else(|| next!($sym, XstatFn, -1, (ver, path, st)))
        }
    };
}
xstat!(__xstat, "__xstat");
xstat!(__xstat64, "__xstat64");
xstat!(__lxstat, "__lxstat");
xstat!(__lxstat64, "__lxstat64");

macro_rules! fxstat {
    ($name:ident, $sym:literal) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(ver: c_int, fd: c_int, st: *mut libc::stat) -> c_int {
            intercept(-1, || stat_fd(fd, st))
                .unwrap_or_else(|| next!($sym, FxstatFn, -1, (ver, fd, st)))
        }
    };
}
fxstat!(__fxstat, "__fxstat");
fxstat!(__fxstat64, "__fxstat64");

macro_rules! fxstatat {
    ($name:ident, $sym:literal) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            ver: c_int,
            dir: c_int,
            path: *const c_char,
            st: *mut libc::stat,
            flags: c_int,
        ) -> c_int {
            intercept(-1, || stat_at(dir, path, st, flags))
                .unwrap_or_else(|| next!($sym, FxstatatFn, -1, (ver, dir, path, st, flags)))
        }
    };
}
fxstatat!(__fxstatat, "__fxstatat");
fxstatat!(__fxstatat64, "__fxstatat64");

/// Rust's std (and coreutils) stat through statx.
#[no_mangle]
pub unsafe extern "C" fn statx(
    dir: c_int,
    path: *const c_char,
    flags: c_int,
    mask: c_uint,
    sx: *mut libc::statx,
) -> c_int {
    type F = unsafe extern "C" fn(c_int, *const c_char, c_int, c_uint, *mut libc::statx) -> c_int;
    intercept(-1, || {
        let dev = if is_empty_path(path, flags) {
            device_of_fd(dir)
        } else {
            device_of_path(path)
        }?;
        Some(unsafe { fill_statx(dev, sx) })
    })
    .unwrap_or_else(|| next!("statx", F, -1, (dir, path, flags, mask, sx)))
}

// ---- access, realpath, readlink ----------------------------------------

fn access_path(path: *const c_char) -> Option<Result<c_int, c_int>> {
    device_of_path(path).map(|_| Ok(0))
}

#[no_mangle]
pub unsafe extern "C" fn access(path: *const c_char, mode: c_int) -> c_int {
    type F = unsafe extern "C" fn(*const c_char, c_int) -> c_int;
    intercept(-1, || access_path(path)).unwrap_or_else(|| next!("access", F, -1, (path, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn euidaccess(path: *const c_char, mode: c_int) -> c_int {
    type F = unsafe extern "C" fn(*const c_char, c_int) -> c_int;
    intercept(-1, || access_path(path)).unwrap_or_else(|| next!("euidaccess", F, -1, (path, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn eaccess(path: *const c_char, mode: c_int) -> c_int {
    type F = unsafe extern "C" fn(*const c_char, c_int) -> c_int;
    intercept(-1, || access_path(path)).unwrap_or_else(|| next!("eaccess", F, -1, (path, mode)))
}

#[no_mangle]
pub unsafe extern "C" fn faccessat(
    dir: c_int,
    path: *const c_char,
    mode: c_int,
    flags: c_int,
) -> c_int {
    type F = unsafe extern "C" fn(c_int, *const c_char, c_int, c_int) -> c_int;
    intercept(-1, || access_path(path))
        .unwrap_or_else(|| next!("faccessat", F, -1, (dir, path, mode, flags)))
}

/// The device name itself: a node in /dev resolves to itself, and
/// `/dev/fd/N` to the node it was opened from.
#[no_mangle]
pub unsafe extern "C" fn realpath(path: *const c_char, resolved: *mut c_char) -> *mut c_char {
    type F = unsafe extern "C" fn(*const c_char, *mut c_char) -> *mut c_char;
    intercept(std::ptr::null_mut(), || {
        let dev = device_of_path(path)?;
        let name = &config().devices[dev].name;
        if name.len() >= libc::PATH_MAX as usize {
            return Some(Err(libc::ENAMETOOLONG));
        }
        let out = if resolved.is_null() {
            // SAFETY: realpath's caller frees the result with free(3).
            unsafe { libc::malloc(name.len() + 1).cast::<c_char>() }
        } else {
            resolved
        };
        if out.is_null() {
            return Some(Err(libc::ENOMEM));
        }
        // SAFETY: `out` holds PATH_MAX bytes or was allocated to fit.
        unsafe {
            std::ptr::copy_nonoverlapping(name.as_ptr(), out.cast::<u8>(), name.len());
            *out.add(name.len()) = 0;
        }
        Some(Ok(out))
    })
    .unwrap_or_else(|| next!("realpath", F, std::ptr::null_mut(), (path, resolved)))
}

#[no_mangle]
pub unsafe extern "C" fn readlink(path: *const c_char, buf: *mut c_char, size: size_t) -> ssize_t {
    type F = unsafe extern "C" fn(*const c_char, *mut c_char, size_t) -> ssize_t;
    intercept(-1, || {
        let dev = device_of_path(path)?;
        // SAFETY: device_of_path accepted a non-null C string.
        let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
        let name = &config().devices[dev].name;
        if bytes == name.as_slice() {
            // A device node is not a symbolic link.
            return Some(Err(libc::EINVAL));
        }
        let n = name.len().min(size);
        // SAFETY: buf holds `size` bytes.
        unsafe { std::ptr::copy_nonoverlapping(name.as_ptr(), buf.cast::<u8>(), n) };
        Some(Ok(n as ssize_t))
    })
    .unwrap_or_else(|| next!("readlink", F, -1, (path, buf, size)))
}

// ---- ioctl, read, lseek, write -----------------------------------------

type IoctlFn = unsafe extern "C" fn(c_int, c_ulong, ...) -> c_int;

#[no_mangle]
pub unsafe extern "C" fn ioctl(fd: c_int, request: c_ulong, arg: *mut c_void) -> c_int {
    intercept(-1, || {
        if !table::maybe_handle(fd) {
            return None;
        }
        let mut table = lock();
        let dev = table.device(fd)?;
        Some(unsafe { sg::ioctl(&mut table, dev, request, arg) })
    })
    .unwrap_or_else(|| next!("ioctl", IoctlFn, -1, (fd, request, arg)))
}

/// read/pread on a handle: `at` is the explicit offset of pread, `None`
/// for read, which uses and advances the handle's offset.
fn read_handle(
    fd: c_int,
    buf: *mut c_void,
    count: size_t,
    at: Option<off_t>,
) -> Option<Result<ssize_t, c_int>> {
    if !table::maybe_handle(fd) {
        return None;
    }
    let mut table = lock();
    let dev = table.device(fd)?;
    let offset = match at {
        Some(o) if o < 0 => return Some(Err(libc::EINVAL)),
        Some(o) => o as u64,
        None => *table.offset(fd)?,
    };
    if count > 0 && buf.is_null() {
        return Some(Err(libc::EFAULT));
    }
    // SAFETY: buf holds `count` bytes, as read(2) requires.
    let slice = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), count) };
    let drive = match table.drive(dev) {
        Ok(d) => d,
        Err(_) => return Some(Err(libc::EIO)),
    };
    let n = match sg::read_at(drive, dev, offset, slice) {
        Ok(n) => n,
        Err(e) => return Some(Err(e)),
    };
    if at.is_none() {
        if let Some(o) = table.offset(fd) {
            *o = offset + n as u64;
        }
    }
    Some(Ok(n as ssize_t))
}

#[no_mangle]
pub unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, count: size_t) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *mut c_void, size_t) -> ssize_t;
    intercept(-1, || read_handle(fd, buf, count, None))
        .unwrap_or_else(|| next!("read", F, -1, (fd, buf, count)))
}

#[no_mangle]
pub unsafe extern "C" fn pread(fd: c_int, buf: *mut c_void, count: size_t, at: off_t) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *mut c_void, size_t, off_t) -> ssize_t;
    intercept(-1, || read_handle(fd, buf, count, Some(at)))
        .unwrap_or_else(|| next!("pread", F, -1, (fd, buf, count, at)))
}

#[no_mangle]
pub unsafe extern "C" fn pread64(fd: c_int, buf: *mut c_void, count: size_t, at: off_t) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *mut c_void, size_t, off_t) -> ssize_t;
    intercept(-1, || read_handle(fd, buf, count, Some(at)))
        .unwrap_or_else(|| next!("pread64", F, -1, (fd, buf, count, at)))
}

fn seek_handle(fd: c_int, off: off_t, whence: c_int) -> Option<Result<off_t, c_int>> {
    if !table::maybe_handle(fd) {
        return None;
    }
    let mut table = lock();
    let dev = table.device(fd)?;
    let base = match whence {
        libc::SEEK_SET => 0i64,
        libc::SEEK_CUR => *table.offset(fd)? as i64,
        libc::SEEK_END => match table.drive(dev) {
            Ok(drive) => (sg::capacity_blocks(drive, dev) * 2048) as i64,
            Err(_) => return Some(Err(libc::EIO)),
        },
        _ => return Some(Err(libc::EINVAL)),
    };
    let Some(target) = base.checked_add(off).filter(|t| *t >= 0) else {
        return Some(Err(libc::EINVAL));
    };
    *table.offset(fd)? = target as u64;
    Some(Ok(target))
}

#[no_mangle]
pub unsafe extern "C" fn lseek(fd: c_int, off: off_t, whence: c_int) -> off_t {
    type F = unsafe extern "C" fn(c_int, off_t, c_int) -> off_t;
    intercept(-1, || seek_handle(fd, off, whence))
        .unwrap_or_else(|| next!("lseek", F, -1, (fd, off, whence)))
}

#[no_mangle]
pub unsafe extern "C" fn lseek64(fd: c_int, off: off_t, whence: c_int) -> off_t {
    type F = unsafe extern "C" fn(c_int, off_t, c_int) -> off_t;
    intercept(-1, || seek_handle(fd, off, whence))
        .unwrap_or_else(|| next!("lseek64", F, -1, (fd, off, whence)))
}

/// write(2) to the node is not emulated (burning programs write through
/// SG_IO): EIO rather than letting the bytes vanish into the memfd.
fn write_handle(fd: c_int) -> Option<Result<ssize_t, c_int>> {
    if !table::maybe_handle(fd) {
        return None;
    }
    lock().device(fd)?;
    Some(Err(libc::EIO))
}

#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buf: *const c_void, count: size_t) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *const c_void, size_t) -> ssize_t;
    intercept(-1, || write_handle(fd)).unwrap_or_else(|| next!("write", F, -1, (fd, buf, count)))
}

#[no_mangle]
pub unsafe extern "C" fn pwrite(
    fd: c_int,
    buf: *const c_void,
    count: size_t,
    at: off_t,
) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *const c_void, size_t, off_t) -> ssize_t;
    intercept(-1, || write_handle(fd))
        .unwrap_or_else(|| next!("pwrite", F, -1, (fd, buf, count, at)))
}

#[no_mangle]
pub unsafe extern "C" fn pwrite64(
    fd: c_int,
    buf: *const c_void,
    count: size_t,
    at: off_t,
) -> ssize_t {
    type F = unsafe extern "C" fn(c_int, *const c_void, size_t, off_t) -> ssize_t;
    intercept(-1, || write_handle(fd))
        .unwrap_or_else(|| next!("pwrite64", F, -1, (fd, buf, count, at)))
}
