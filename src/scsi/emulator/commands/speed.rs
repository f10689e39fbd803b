//! Speeds, power calibration and the drive buffer: SET CD SPEED, SET
//! STREAMING, GET PERFORMANCE, SEND OPC INFORMATION and READ BUFFER
//! CAPACITY. The emulator writes at file
//! speed, but burning programs refuse to start without these answers
//! (wodim "Cannot set speed", libburn exit 32 after a DVD or BD write), so
//! the drive keeps a plausible speed table per medium and remembers what
//! the host chose.

use super::{be16, be32, put16, put32, reply, DriveState, Outcome};
use crate::media::{Family, Profile};
use crate::scsi::{DataDirection, Sense};

/// 1x in kB/s as hosts count it: CD 176.4 (rounded per multiple), DVD
/// 1385, BD 4495.
const CD_1X: f64 = 176.4;
const DVD_1X: u32 = 1385;
const BD_1X: u32 = 4495;

/// The drive buffer READ BUFFER CAPACITY and page 2Ah report. Writes go
/// straight to the image, so it is always empty.
pub const BUFFER_KIB: u32 = 4096;

fn cd(x: u32) -> u32 {
    (x as f64 * CD_1X).round() as u32
}

/// Write speeds the drive offers for a medium, fastest first (kB/s);
/// empty for read-only media. With no medium a drive reports its CD-R
/// speeds, which is what page 2Ah shows then.
pub fn write_speeds(profile: Option<Profile>) -> Vec<u32> {
    use Profile::*;
    let Some(p) = profile else {
        return write_speeds(Some(CdR));
    };
    match p {
        CdR => vec![cd(48), cd(32), cd(24), cd(16)],
        CdRw => vec![cd(24), cd(16), cd(10), cd(4)],
        DvdMinusR | DvdPlusR => vec![16 * DVD_1X, 8 * DVD_1X, 4 * DVD_1X],
        DvdMinusRDl | DvdMinusRDlJump | DvdPlusRDl => {
            vec![8 * DVD_1X, 4 * DVD_1X, DVD_1X * 12 / 5]
        }
        DvdPlusRw | DvdPlusRwDl => vec![8 * DVD_1X, 4 * DVD_1X],
        DvdMinusRwSequential | DvdMinusRwRestricted => {
            vec![6 * DVD_1X, 4 * DVD_1X, 2 * DVD_1X]
        }
        DvdRam => vec![5 * DVD_1X, 3 * DVD_1X],
        BdR | BdRRrm => vec![6 * BD_1X, 4 * BD_1X, 2 * BD_1X],
        BdRe => vec![2 * BD_1X, BD_1X],
        CdRom | DvdRom | BdRom => Vec::new(),
    }
}

/// The fastest read speed for a medium family (kB/s).
pub fn max_read_speed(profile: Option<Profile>) -> u32 {
    match profile.map(Profile::family) {
        None | Some(Family::Cd) => cd(48),
        Some(Family::Dvd) => 16 * DVD_1X,
        Some(Family::Bd) => 8 * BD_1X,
    }
}

/// The speed a drive settles on for a request: the fastest it has at or
/// below it, else its slowest (drives round down, never refuse).
fn settle(offered: &[u32], requested: Option<u32>) -> u32 {
    let Some(req) = requested else {
        return offered.first().copied().unwrap_or(0);
    };
    offered
        .iter()
        .copied()
        .find(|&s| s <= req)
        .or_else(|| offered.last().copied())
        .unwrap_or(0)
}

fn loaded_profile(st: &DriveState) -> Option<Profile> {
    st.medium_loaded().then_some(st.disc.profile)
}

/// The write speed in effect for the loaded medium (kB/s, 0 when it takes
/// no writes).
pub fn current_write_speed(st: &DriveState) -> u32 {
    settle(&write_speeds(loaded_profile(st)), st.mech.write_speed)
}

/// The read speed in effect (kB/s): anything up to the maximum is taken.
pub fn current_read_speed(st: &DriveState) -> u32 {
    let max = max_read_speed(loaded_profile(st));
    st.mech.read_speed.map_or(max, |r| r.clamp(1, max))
}

/// A 16-bit speed field of SET CD SPEED: FFFFh means "as fast as you can".
fn requested16(v: u16) -> Option<u32> {
    (v != 0xFFFF).then_some(v as u32)
}

/// SET CD SPEED (BBh): bytes 2-3 read, 4-5 write speed in kB/s; byte 1
/// bits 0-1 rotation control (00b CLV, 01b CAV; the rest reserved).
pub fn set_cd_speed(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    if cdb[1] & 0x03 > 1 {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    st.mech.read_speed = requested16(be16(cdb, 2));
    st.mech.write_speed = requested16(be16(cdb, 4));
    Ok(0)
}

/// SET STREAMING (B6h) with a performance descriptor (type 00h, 28
/// bytes): the speed is size over time for read and for write; RDD (byte
/// 0 bit 2) restores the defaults.
pub fn set_streaming(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    if cdb[8] != 0 {
        // Only the performance descriptor; DBI cache zones are not kept.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let declared = be16(cdb, 9) as usize;
    if declared == 0 {
        return Ok(0);
    }
    let DataDirection::ToDevice(list) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    let list: &[u8] = list;
    if declared < 28 || list.len() < 28 {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
    }
    let d = &list[..28];
    if d[0] & 0x04 != 0 {
        st.mech.read_speed = None;
        st.mech.write_speed = None;
        return Ok(declared.min(list.len()));
    }
    let (start, end) = (be32(d, 4), be32(d, 8));
    let (read_size, read_time) = (be32(d, 12), be32(d, 16));
    let (write_size, write_time) = (be32(d, 20), be32(d, 24));
    if end < start || read_time == 0 || write_time == 0 {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
    }
    let per_second =
        |size: u32, time: u32| (size as u64 * 1000 / time as u64).min(u32::MAX as u64) as u32;
    st.mech.read_speed = Some(per_second(read_size, read_time));
    st.mech.write_speed = Some(per_second(write_size, write_time));
    Ok(declared.min(list.len()))
}

/// GET PERFORMANCE (ACh): type 00h, one nominal performance descriptor
/// over the whole medium for reading or (Write bit) writing, no
/// exceptions; type 03h, one write speed descriptor per offered speed.
pub fn get_performance(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let max = be16(cdb, 8) as usize;
    let kind = cdb[10];
    let last = st.disc.capacity.saturating_sub(1);
    let mut r = vec![0u8; 8];
    match kind {
        0x00 => {
            let write = cdb[1] & 0x04 != 0;
            let except = cdb[1] & 0x03;
            if except == 3 {
                return Err(Sense::INVALID_FIELD_IN_CDB.into());
            }
            // 10b asks for exception descriptors only, and there are none
            // (the emulated disc has no defects to slow down at); 00b and
            // 01b get the one nominal descriptor.
            let only_exceptions = except == 2;
            r[4] = (write as u8) << 1 | only_exceptions as u8;
            if !only_exceptions && max > 0 {
                let speed = if write {
                    current_write_speed(st)
                } else {
                    current_read_speed(st)
                };
                let mut d = [0u8; 16];
                put32(&mut d, 4, speed);
                put32(&mut d, 8, last);
                put32(&mut d, 12, speed);
                r.extend_from_slice(&d);
            }
        }
        0x03 => {
            let read = max_read_speed(loaded_profile(st));
            for speed in write_speeds(loaded_profile(st)).into_iter().take(max) {
                let mut d = [0u8; 16];
                put32(&mut d, 4, last);
                put32(&mut d, 8, read);
                put32(&mut d, 12, speed);
                r.extend_from_slice(&d);
            }
        }
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    }
    let len = r.len() as u32 - 4;
    put32(&mut r, 0, len);
    // No allocation length: the descriptor count and the buffer bound it.
    Ok(reply(data, &r, r.len()))
}

/// READ BUFFER CAPACITY (5Ch): buffer length and free bytes, or with the
/// Block bit the free blocks. Always empty, as writes never wait here.
pub fn read_buffer_capacity(cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let alloc = be16(cdb, 7) as usize;
    let bytes = BUFFER_KIB * 1024;
    let mut r = [0u8; 12];
    put16(&mut r, 0, 10);
    if cdb[1] & 0x01 != 0 {
        r[3] = 0x01;
        put32(&mut r, 8, bytes / 2048);
    } else {
        put32(&mut r, 4, bytes);
        put32(&mut r, 8, bytes);
    }
    Ok(reply(data, &r, alloc))
}

/// SEND OPC INFORMATION (54h): growisofs asks a DVD-R/-RW drive to
/// calibrate the laser (DoOpc, byte 1 bit 0) before the first write. There
/// is no laser, so a writable medium always calibrates; one that takes no
/// writes says why, as WRITE would.
pub fn send_opc(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    st.check_writable()?;
    let declared = be16(cdb, 7) as usize;
    if cdb[1] & 0x01 != 0 || declared == 0 {
        return Ok(0);
    }
    // Without DoOpc the host hands over OPC table entries of 8 bytes.
    let DataDirection::ToDevice(list) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    if declared % 8 != 0 || list.len() < declared {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
    }
    Ok(declared)
}
