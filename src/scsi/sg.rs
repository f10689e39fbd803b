//! Linux SG_IO pass-through on `/dev/srN` or `/dev/sgN` (docs/mmc-notes.md §4.1).
//!
//! The only unsafe code of the drive layer lives here: the `sg_io_hdr`
//! ioctl and `flock`. Everything else about a drive (sense decoding,
//! retrying UNIT ATTENTION and "becoming ready", mapping sense to HRESULTs)
//! happens above [`Transport`] so the emulator gets the same treatment.
//! This module only retries what is invisible above it: host-level soft
//! errors and a busy driver.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{opcode, Completion, DataDirection, Status, Transport};
use crate::error::{Cause, Error, Result};
use crate::hresult::{
    MS_E_ACCESSDENIED, MS_E_IMAPI_RECORDER_COMMAND_TIMEOUT, MS_E_IMAPI_RECORDER_LOCKED,
    MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, MS_E_INVALIDARG, MS_E_WIN32_DEV_NOT_EXIST,
};

/// `SG_IO` ioctl request number (`<scsi/sg.h>`).
pub const SG_IO: libc::c_ulong = 0x2285;
/// `SG_GET_VERSION_NUM`: answered by sg and by block devices that take SG_IO.
pub const SG_GET_VERSION_NUM: libc::c_ulong = 0x2282;

pub const SG_DXFER_NONE: libc::c_int = -1;
pub const SG_DXFER_TO_DEV: libc::c_int = -2;
pub const SG_DXFER_FROM_DEV: libc::c_int = -3;

/// host_status values that matter (docs/mmc-notes.md §4.1).
const DID_OK: u16 = 0x00;
const DID_TIME_OUT: u16 = 0x03;
const DID_SOFT_ERROR: u16 = 0x0B;
/// driver_status low bits and the DRIVER_SENSE flag.
const DRIVER_BUSY: u16 = 0x01;
const DRIVER_TIMEOUT: u16 = 0x06;
const DRIVER_SENSE: u16 = 0x08;

/// Sense buffer size (libburn uses 32; fixed sense needs 18).
const SENSE_LENGTH: usize = 32;
/// Host-level soft errors are retried this often before they count.
const SOFT_RETRIES: u32 = 3;

/// `struct sg_io_hdr` from `<scsi/sg.h>`, field for field.
#[repr(C)]
#[derive(Debug)]
pub struct SgIoHdr {
    pub interface_id: libc::c_int,
    pub dxfer_direction: libc::c_int,
    pub cmd_len: libc::c_uchar,
    pub mx_sb_len: libc::c_uchar,
    pub iovec_count: libc::c_ushort,
    pub dxfer_len: libc::c_uint,
    pub dxferp: *mut libc::c_void,
    pub cmdp: *const libc::c_uchar,
    pub sbp: *mut libc::c_uchar,
    pub timeout: libc::c_uint,
    pub flags: libc::c_uint,
    pub pack_id: libc::c_int,
    pub usr_ptr: *mut libc::c_void,
    pub status: libc::c_uchar,
    pub masked_status: libc::c_uchar,
    pub msg_status: libc::c_uchar,
    pub sb_len_wr: libc::c_uchar,
    pub host_status: libc::c_ushort,
    pub driver_status: libc::c_ushort,
    pub resid: libc::c_int,
    pub duration: libc::c_uint,
    pub info: libc::c_uint,
}

/// An optical drive reached through SG_IO.
#[derive(Debug)]
pub struct SgDevice {
    file: File,
    path: PathBuf,
    /// Opened O_RDONLY after O_RDWR was refused: the kernel will filter out
    /// every writing command.
    read_only: bool,
}

impl SgDevice {
    /// Opens a device node O_RDWR|O_NONBLOCK (O_RDONLY when write access is
    /// refused) and checks that it takes SG_IO: a character or block device
    /// answering SG_GET_VERSION_NUM. Whether an MMC drive answers (INQUIRY
    /// device type 5) is the recorder's question, asked the same way of
    /// every transport, so this module only moves CDBs.
    pub fn open(path: &Path) -> Result<SgDevice> {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::new(MS_E_WIN32_DEV_NOT_EXIST, format!("{}: {e}", path.display()))
        })?;
        let kind = meta.file_type();
        if !kind.is_char_device() && !kind.is_block_device() {
            let what = if kind.is_dir() {
                "a directory"
            } else if kind.is_file() {
                "a regular file"
            } else {
                "not a device node"
            };
            return Err(not_a_drive(path, what));
        }
        let (file, read_only) = open_device(path)?;
        let mut version: libc::c_int = 0;
        // SAFETY: SG_GET_VERSION_NUM writes one int through the pointer,
        // which points at a live, properly aligned c_int.
        let rc = unsafe { libc::ioctl(file.as_raw_fd(), SG_GET_VERSION_NUM, &mut version) };
        if rc != 0 {
            let e = io::Error::last_os_error();
            return Err(not_a_drive(
                path,
                &format!("a device that does not take SG_IO ({e})"),
            ));
        }
        Ok(SgDevice {
            file,
            path: path.to_path_buf(),
            read_only,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn submit(
        &mut self,
        cdb: &[u8],
        data: &mut DataDirection<'_>,
        timeout: Duration,
        sense: &mut [u8; SENSE_LENGTH],
    ) -> Result<SgIoHdr> {
        let (direction, pointer, length) = match data {
            DataDirection::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0usize),
            DataDirection::FromDevice(buf) => {
                (SG_DXFER_FROM_DEV, buf.as_mut_ptr().cast(), buf.len())
            }
            DataDirection::ToDevice(buf) => {
                (SG_DXFER_TO_DEV, buf.as_ptr().cast_mut().cast(), buf.len())
            }
        };
        let dxfer_len = libc::c_uint::try_from(length).map_err(|_| {
            Error::misuse(
                MS_E_INVALIDARG,
                format!(
                    "{}: data phase of {length} bytes is too long for SG_IO",
                    self.path.display()
                ),
            )
        })?;
        // 0 would mean "driver default"; a command always gets at least 1 ms.
        let timeout_ms = timeout.as_millis().clamp(1, libc::c_uint::MAX as u128) as libc::c_uint;
        let mut hdr = SgIoHdr {
            interface_id: b'S' as libc::c_int,
            dxfer_direction: direction,
            cmd_len: cdb.len() as libc::c_uchar,
            mx_sb_len: SENSE_LENGTH as libc::c_uchar,
            iovec_count: 0,
            dxfer_len,
            dxferp: pointer,
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: timeout_ms,
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        loop {
            // SAFETY: `hdr` is a correctly laid out sg_io_hdr (see the
            // offset test); cmdp, sbp and dxferp point into buffers that
            // outlive this synchronous call and have the lengths given in
            // cmd_len, mx_sb_len and dxfer_len. The kernel writes only the
            // status fields, the sense buffer and (for FROM_DEV) the data
            // buffer, which is borrowed mutably.
            let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), SG_IO, &mut hdr) };
            if rc == 0 {
                return Ok(hdr);
            }
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            let name = opcode::name(cdb[0]);
            let code = match e.raw_os_error() {
                Some(libc::EPERM) | Some(libc::EACCES) => MS_E_ACCESSDENIED,
                Some(libc::ENODEV) | Some(libc::ENXIO) | Some(libc::ENOENT) => {
                    MS_E_WIN32_DEV_NOT_EXIST
                }
                _ => MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
            };
            let hint = if code == MS_E_ACCESSDENIED && self.read_only {
                " (the device was opened read-only, so the kernel refuses writing commands)"
            } else {
                ""
            };
            return Err(Error::with_cause(
                code,
                Cause::io(&e),
                format!("{name}: SG_IO on {} failed: {e}{hint}", self.path.display()),
            ));
        }
    }
}

impl Transport for SgDevice {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<Completion> {
        if cdb.is_empty() || cdb.len() > 16 {
            return Err(Error::misuse(
                MS_E_INVALIDARG,
                format!("a CDB has 1 to 16 bytes, not {}", cdb.len()),
            ));
        }
        let name = opcode::name(cdb[0]);
        let mut attempt = 0;
        loop {
            let mut sense = [0u8; SENSE_LENGTH];
            let hdr = self.submit(cdb, &mut data, timeout, &mut sense)?;
            let driver = hdr.driver_status & 0x07;
            if hdr.host_status == DID_TIME_OUT || driver == DRIVER_TIMEOUT {
                return Err(Error::with_cause(
                    MS_E_IMAPI_RECORDER_COMMAND_TIMEOUT,
                    Cause::Transport,
                    format!(
                        "{name}: no answer from {} within {} ms",
                        self.path.display(),
                        timeout.as_millis()
                    ),
                ));
            }
            let soft = hdr.host_status == DID_SOFT_ERROR || driver == DRIVER_BUSY;
            if soft && attempt < SOFT_RETRIES {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            if hdr.host_status != DID_OK {
                return Err(Error::with_cause(
                    MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
                    Cause::Transport,
                    format!(
                        "{name}: host status {:#06X} (driver {:#06X}) from {}",
                        hdr.host_status,
                        hdr.driver_status,
                        self.path.display()
                    ),
                ));
            }
            let sense_len = (hdr.sb_len_wr as usize).min(SENSE_LENGTH);
            let mut status = Status::from_byte(hdr.status);
            // Some ATAPI paths report sense through the driver with status 0.
            if status == Status::Good && sense_len > 0 && hdr.driver_status & DRIVER_SENSE != 0 {
                status = Status::CheckCondition;
            }
            return Ok(Completion {
                status,
                sense: if status == Status::CheckCondition {
                    sense[..sense_len].to_vec()
                } else {
                    Vec::new()
                },
                residual: hdr.resid.max(0) as usize,
            });
        }
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

fn open_device(path: &Path) -> Result<(File, bool)> {
    let open = |write: bool| {
        OpenOptions::new()
            .read(true)
            .write(write)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    };
    match open(true) {
        Ok(f) => Ok((f, false)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EROFS)) => open(false)
            .map(|f| (f, true))
            .map_err(|e| Error::new(MS_E_ACCESSDENIED, format!("{}: {e}", path.display()))),
        Err(e) => Err(Error::new(
            MS_E_WIN32_DEV_NOT_EXIST,
            format!("{}: {e}", path.display()),
        )),
    }
}

fn not_a_drive(path: &Path, what: &str) -> Error {
    Error::new(
        MS_E_WIN32_DEV_NOT_EXIST,
        format!(
            "{} is {what}: not an SG-capable optical drive",
            path.display()
        ),
    )
}

/// An exclusive advisory lock (`flock`) on a device node or image file,
/// held until dropped. Other processes taking the same lock are refused.
/// Dropping it unlocks explicitly, as the emulator's disc lock does: a
/// child forked meanwhile shares the open file until it execs.
#[derive(Debug)]
pub struct AdvisoryLock {
    file: File,
}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        // SAFETY: flock on a file descriptor we own; no memory is passed.
        // An error leaves the release to the close, as before.
        unsafe { libc::flock(self.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

impl AdvisoryLock {
    /// Takes the lock without waiting; `E_IMAPI_RECORDER_LOCKED` when
    /// another open file holds it.
    pub fn try_acquire(path: &Path) -> Result<AdvisoryLock> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                Error::new(
                    MS_E_WIN32_DEV_NOT_EXIST,
                    format!("{}: cannot open for locking: {e}", path.display()),
                )
            })?;
        // SAFETY: flock on a file descriptor we own; no memory is passed.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let e = io::Error::last_os_error();
            let (code, cause) = if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
                (MS_E_IMAPI_RECORDER_LOCKED, Cause::Held)
            } else {
                (MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, Cause::io(&e))
            };
            return Err(Error::with_cause(
                code,
                cause,
                format!(
                    "{}: another writer holds the exclusive lock ({e})",
                    path.display()
                ),
            ));
        }
        Ok(AdvisoryLock { file })
    }
}
