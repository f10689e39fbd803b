//! `ms_recorder_write_speeds`, `ms_recorder_current_write_speed`,
//! `ms_recorder_set_write_speed`: IDiscFormat2Data's speed members.

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_POINTER};

use super::boundary::{self, Out};
use super::handles;
use super::MsRecorder;

/// The most speeds asked of a drive.
const MAX_SPEEDS: usize = crate::mmc::speed::MAX_DESCRIPTORS as usize;

/// `IDiscFormat2Data::get_SupportedWriteSpeeds`: the write speeds in kB/s
/// (1x is 176 on CD, 1,385 on DVD, 4,495 on BD) the drive offers for the
/// loaded medium, fastest first, into `speeds` (room for `capacity`);
/// `*count` receives how many there are, also with
/// `MS_E_NOT_SUFFICIENT_BUFFER` (`speeds` may be NULL with `capacity` 0 to
/// ask). Read-only media have none.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (`capacity`
/// above 64), `MS_E_NOT_SUFFICIENT_BUFFER`, the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_write_speeds(
    recorder: MsRecorder,
    speeds: *mut u32,
    capacity: usize,
    count: *mut usize,
) -> HResult {
    boundary::run("ms_recorder_write_speeds", || {
        let count = Out::new(count, "count")?;
        if speeds.is_null() && capacity != 0 {
            return Err(Error::new(MS_E_POINTER, "`speeds` is NULL"));
        }
        if capacity > MAX_SPEEDS {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!(
                    "`capacity` {capacity} is more than the {MAX_SPEEDS} speeds asked of a drive"
                ),
            ));
        }
        let found = handles::with(recorder, |r| r.write_speeds())??;
        count.write(found.len());
        if found.len() > capacity {
            return Err(Error::new(
                MS_E_NOT_SUFFICIENT_BUFFER,
                format!(
                    "the drive offers {} speeds, the array has room for {capacity}",
                    found.len()
                ),
            ));
        }
        for (i, &speed) in found.iter().enumerate() {
            // SAFETY: non-NULL (capacity >= len > i); room for `capacity`.
            unsafe { speeds.add(i).write(speed) };
        }
        Ok(())
    })
}

/// `IDiscFormat2Data::get_CurrentWriteSpeed`: the write speed in kB/s the
/// drive uses now for the loaded medium.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_current_write_speed(
    recorder: MsRecorder,
    kbps: *mut u32,
) -> HResult {
    boundary::run("ms_recorder_current_write_speed", || {
        let out = Out::new(kbps, "kbps")?;
        out.write(handles::with(recorder, |r| r.current_write_speed())??);
        Ok(())
    })
}

/// `IDiscFormat2Data::SetWriteSpeed`: asks for writing at `kbps` kB/s, or
/// as fast as the medium allows with 0 — SET CD SPEED on CD, SET STREAMING
/// on DVD and BD. The drive settles on the nearest speed it has at or
/// below the request (its slowest when none is);
/// `ms_recorder_current_write_speed` tells which. It holds until changed
/// or the drive is reset.
///
/// Errors: `MS_E_HANDLE`, the recorder family.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_recorder_set_write_speed(recorder: MsRecorder, kbps: u32) -> HResult {
    boundary::run("ms_recorder_set_write_speed", || {
        let wanted = (kbps != 0).then_some(kbps);
        handles::with(recorder, |r| r.set_write_speed(wanted))?
    })
}
