//! The ioctls of a Linux sr block device, answered from the emulated drive:
//! SG_IO carries each CDB to it; the identification ioctls get the numbers
//! of a drive on its own SCSI host; BLK* sizes come from READ CAPACITY.

use std::io::Write;
use std::time::Duration;

use libc::{c_int, c_ulong, c_void};
use multisession::internals::sg::{SgIoHdr, SG_DXFER_FROM_DEV, SG_DXFER_NONE, SG_DXFER_TO_DEV};
use multisession::scsi::emulator::EmulatedDrive;
use multisession::scsi::{Completion, DataDirection, Status, Transport};

use crate::table::{self, Table};

const SG_IO: c_ulong = 0x2285;
const SG_GET_VERSION_NUM: c_ulong = 0x2282;
const SG_SET_TIMEOUT: c_ulong = 0x2201;
const SG_GET_TIMEOUT: c_ulong = 0x2202;
const SG_EMULATED_HOST: c_ulong = 0x2203;
const SG_GET_RESERVED_SIZE: c_ulong = 0x2272;
const SG_SET_RESERVED_SIZE: c_ulong = 0x2275;
const SG_GET_SCSI_ID: c_ulong = 0x2276;
const SCSI_IOCTL_GET_IDLUN: c_ulong = 0x5382;
const SCSI_IOCTL_GET_BUS_NUMBER: c_ulong = 0x5386;
const CDROMEJECT: c_ulong = 0x5309;
const CDROMCLOSETRAY: c_ulong = 0x5319;
const CDROM_MEDIA_CHANGED: c_ulong = 0x5325;
const CDROM_DRIVE_STATUS: c_ulong = 0x5326;
const CDROM_LOCKDOOR: c_ulong = 0x5329;
const CDROM_GET_CAPABILITY: c_ulong = 0x5331;
const BLKROGET: c_ulong = 0x125e;
const BLKGETSIZE: c_ulong = 0x1260;
const BLKFLSBUF: c_ulong = 0x1261;
const BLKSSZGET: c_ulong = 0x1268;
const BLKBSZGET: c_ulong = 0x8008_1270;
const BLKGETSIZE64: c_ulong = 0x8008_1272;

/// The sg driver version block devices report (3.5.36).
const SG_VERSION: c_int = 30536;
/// SCSI host number of the virtual drives: far above what a machine has,
/// so it never names a real adapter.
const HOST_NO: c_int = 77;
const DID_ERROR: u16 = 0x07;
const DRIVER_SENSE: u16 = 0x08;
const SG_INFO_CHECK: u32 = 0x1;
/// `CDS_DISC_OK` of `<linux/cdrom.h>`.
const CDS_DISC_OK: c_int = 4;
/// What sr reports for an MMC writer: tray, lock, speed, multisession,
/// media change, drive status, generic packets, CD-R/RW, DVD, DVD-R.
const CDROM_CAPABILITIES: c_int =
    0x1 | 0x2 | 0x4 | 0x8 | 0x20 | 0x80 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000;

/// Answers `request` on a handle of `dev`; `Err(errno)` as the driver
/// would fail it (ENOTTY for anything sr does not know).
///
/// # Safety
/// `arg` is what the caller passed to ioctl(2) for `request`.
pub unsafe fn ioctl(
    table: &mut Table,
    dev: usize,
    request: c_ulong,
    arg: *mut c_void,
) -> Result<c_int, c_int> {
    let minor = table::config().devices[dev].minor as c_int;
    let out_int = |value: c_int| -> Result<c_int, c_int> {
        if arg.is_null() {
            return Err(libc::EFAULT);
        }
        // SAFETY: these requests take a pointer to an int.
        unsafe { arg.cast::<c_int>().write_unaligned(value) };
        Ok(0)
    };
    match request {
        SG_IO => {
            let drive = table.drive(dev).map_err(|_| libc::ENXIO)?;
            // SAFETY: SG_IO takes a pointer to a struct sg_io_hdr.
            unsafe { sg_io(drive, dev, arg.cast()) }
        }
        SG_GET_VERSION_NUM => out_int(SG_VERSION),
        SG_EMULATED_HOST => out_int(0),
        SG_GET_TIMEOUT => Ok(60 * 100),
        SG_SET_TIMEOUT => Ok(0),
        SG_GET_RESERVED_SIZE => out_int(*table.reserved_mut(dev)),
        SG_SET_RESERVED_SIZE => {
            if arg.is_null() {
                return Err(libc::EFAULT);
            }
            // SAFETY: SG_SET_RESERVED_SIZE takes a pointer to an int.
            let size = unsafe { arg.cast::<c_int>().read_unaligned() };
            if size < 0 {
                return Err(libc::EINVAL);
            }
            *table.reserved_mut(dev) = size;
            Ok(0)
        }
        SG_GET_SCSI_ID => {
            if arg.is_null() {
                return Err(libc::EFAULT);
            }
            // struct sg_scsi_id: host_no, channel, scsi_id, lun, scsi_type,
            // h_cmd_per_lun, d_queue_depth (shorts), unused[2].
            let mut id = [0u8; 32];
            for (i, v) in [HOST_NO, 0, minor, 0, 5].iter().enumerate() {
                id[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
            }
            id[20..22].copy_from_slice(&1i16.to_ne_bytes());
            id[22..24].copy_from_slice(&1i16.to_ne_bytes());
            // SAFETY: SG_GET_SCSI_ID fills a 32-byte struct sg_scsi_id.
            unsafe { std::ptr::copy_nonoverlapping(id.as_ptr(), arg.cast::<u8>(), id.len()) };
            Ok(0)
        }
        SCSI_IOCTL_GET_IDLUN => {
            if arg.is_null() {
                return Err(libc::EFAULT);
            }
            let dev_id = (minor & 0xff) | (HOST_NO << 24);
            // SAFETY: SCSI_IOCTL_GET_IDLUN fills two ints.
            unsafe {
                arg.cast::<c_int>().write_unaligned(dev_id);
                arg.cast::<c_int>().add(1).write_unaligned(HOST_NO + 1);
            }
            Ok(0)
        }
        SCSI_IOCTL_GET_BUS_NUMBER => out_int(HOST_NO),
        CDROM_DRIVE_STATUS => Ok(CDS_DISC_OK),
        CDROM_GET_CAPABILITY => Ok(CDROM_CAPABILITIES),
        CDROM_MEDIA_CHANGED | CDROM_LOCKDOOR | CDROMEJECT | CDROMCLOSETRAY | BLKFLSBUF => Ok(0),
        BLKROGET => out_int(0),
        BLKSSZGET | BLKBSZGET => out_int(2048),
        BLKGETSIZE | BLKGETSIZE64 => {
            if arg.is_null() {
                return Err(libc::EFAULT);
            }
            let drive = table.drive(dev).map_err(|_| libc::ENXIO)?;
            let bytes = capacity_blocks(drive, dev) * 2048;
            // SAFETY: BLKGETSIZE takes an unsigned long (512-byte sectors),
            // BLKGETSIZE64 a u64 (bytes); both are 8 bytes here.
            let value = if request == BLKGETSIZE {
                bytes / 512
            } else {
                bytes
            };
            unsafe { arg.cast::<u64>().write_unaligned(value) };
            Ok(0)
        }
        _ => Err(libc::ENOTTY),
    }
}

/// Runs one sg_io_hdr through the drive and fills in its status fields as
/// the block layer's SG_IO does.
unsafe fn sg_io(drive: &mut EmulatedDrive, dev: usize, hdr: *mut SgIoHdr) -> Result<c_int, c_int> {
    if hdr.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: the caller passed a struct sg_io_hdr.
    let h = unsafe { &mut *hdr };
    if h.interface_id != b'S' as c_int {
        return Err(libc::EINVAL);
    }
    if h.cmd_len == 0 || h.cmd_len > 16 || h.cmdp.is_null() || h.iovec_count != 0 {
        return Err(libc::EINVAL);
    }
    let len = h.dxfer_len as usize;
    if len > 0 && h.dxferp.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: cmdp points at cmd_len bytes, dxferp at dxfer_len bytes, as
    // SG_IO requires of its caller.
    let cdb = unsafe { std::slice::from_raw_parts(h.cmdp, h.cmd_len as usize) };
    let data = match h.dxfer_direction {
        _ if len == 0 => DataDirection::None,
        SG_DXFER_NONE => DataDirection::None,
        SG_DXFER_TO_DEV => {
            DataDirection::ToDevice(unsafe { std::slice::from_raw_parts(h.dxferp.cast(), len) })
        }
        // FROM_DEV, and TO_FROM_DEV (-4), whose "to" half is only a
        // buffer preset.
        SG_DXFER_FROM_DEV | -4 => DataDirection::FromDevice(unsafe {
            std::slice::from_raw_parts_mut(h.dxferp.cast(), len)
        }),
        _ => return Err(libc::EINVAL),
    };
    let direction = match &data {
        DataDirection::None => "-",
        DataDirection::ToDevice(_) => "out",
        DataDirection::FromDevice(_) => "in",
    };
    let outcome = drive.execute(cdb, data, Duration::from_millis(h.timeout.into()));
    h.msg_status = 0;
    h.duration = 0;
    h.sb_len_wr = 0;
    h.host_status = 0;
    h.driver_status = 0;
    h.info = 0;
    match &outcome {
        Ok(c) => {
            let status = status_byte(c.status);
            h.status = status;
            h.masked_status = status >> 1;
            h.resid = c.residual.min(len) as c_int;
            if c.status == Status::CheckCondition && !c.sense.is_empty() {
                let n = c.sense.len().min(h.mx_sb_len as usize);
                if n > 0 && !h.sbp.is_null() {
                    // SAFETY: sbp points at mx_sb_len bytes.
                    unsafe { std::ptr::copy_nonoverlapping(c.sense.as_ptr(), h.sbp, n) };
                    h.sb_len_wr = n as u8;
                }
                h.driver_status = DRIVER_SENSE;
            }
            if status != 0 {
                h.info = SG_INFO_CHECK;
            }
        }
        Err(_) => {
            h.status = 0;
            h.masked_status = 0;
            h.resid = len as c_int;
            h.host_status = DID_ERROR;
            h.info = SG_INFO_CHECK;
        }
    }
    trace(dev, cdb, direction, len, &outcome);
    Ok(0)
}

fn status_byte(status: Status) -> u8 {
    match status {
        Status::Good => 0,
        Status::CheckCondition => 2,
        Status::Busy => 8,
        Status::Other(b) => b,
    }
}

/// Appends one line per CDB to the trace file, if one was asked for. The
/// file is opened per line so that a program closing every descriptor it
/// does not know cannot take the trace away.
fn trace(
    dev: usize,
    cdb: &[u8],
    direction: &str,
    len: usize,
    outcome: &multisession::Result<Completion>,
) {
    let config = table::config();
    let Some(path) = &config.trace else { return };
    let hex = |b: &[u8]| {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let result = match outcome {
        Ok(c) if c.status == Status::Good => format!("GOOD resid={}", c.residual),
        Ok(c) => match c.decoded_sense() {
            Some(s) => format!(
                "CHECK CONDITION {:X}/{:02X}/{:02X} ({}) sense {}",
                s.key,
                s.asc,
                s.ascq,
                s.description(),
                hex(&c.sense)
            ),
            None => format!("status {:#04x}", status_byte(c.status)),
        },
        Err(e) => format!("HOST ERROR {e}"),
    };
    let line = format!(
        "{} {} {} [{}] {direction} {len} -> {result}\n",
        std::process::id(),
        String::from_utf8_lossy(&config.devices[dev].name),
        multisession::internals::mmc::cdb::op_name(cdb[0]),
        hex(cdb),
    );
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// Blocks READ CAPACITY reports (0 for a blank disc, which answers it
/// with CHECK CONDITION).
pub fn capacity_blocks(drive: &mut EmulatedDrive, dev: usize) -> u64 {
    let cdb = [0x25u8, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut reply = [0u8; 8];
    let outcome = drive.execute(
        &cdb,
        DataDirection::FromDevice(&mut reply),
        Duration::from_secs(10),
    );
    trace(dev, &cdb, "in", 8, &outcome);
    match outcome {
        Ok(c) if c.status == Status::Good => {
            u64::from(u32::from_be_bytes([reply[0], reply[1], reply[2], reply[3]])) + 1
        }
        _ => 0,
    }
}

/// read(2) on the device: READ(10) of the blocks under `[offset, offset +
/// buf.len())`, at most 32 blocks at a time (a short read, as the block
/// layer may give). 0 at or past the end, EIO where the drive fails.
pub fn read_at(
    drive: &mut EmulatedDrive,
    dev: usize,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize, c_int> {
    let size = capacity_blocks(drive, dev) * 2048;
    if buf.is_empty() || offset >= size {
        return Ok(0);
    }
    let want = (buf.len() as u64).min(size - offset).min(32 * 2048) as usize;
    let first = offset / 2048;
    let skip = (offset % 2048) as usize;
    let blocks = (skip + want).div_ceil(2048);
    let mut bounce = vec![0u8; blocks * 2048];
    let lba = u32::try_from(first).map_err(|_| libc::EINVAL)?;
    let l = lba.to_be_bytes();
    let cdb = [0x28u8, 0, l[0], l[1], l[2], l[3], 0, 0, blocks as u8, 0];
    let outcome = drive.execute(
        &cdb,
        DataDirection::FromDevice(&mut bounce),
        Duration::from_secs(30),
    );
    trace(dev, &cdb, "in", bounce.len(), &outcome);
    match outcome {
        Ok(c) if c.status == Status::Good => {
            buf[..want].copy_from_slice(&bounce[skip..skip + want]);
            Ok(want)
        }
        _ => Err(libc::EIO),
    }
}
