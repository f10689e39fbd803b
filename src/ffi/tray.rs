//! `ms_recorder_eject`, `ms_recorder_load`, `ms_recorder_prevent_removal`,
//! `ms_recorder_wait_for_medium`: the tray (`IDiscRecorder2::EjectMedia`,
//! `CloseTray`, `DisableMcn`/`EnableMcn`'s removal lock).

use std::time::Duration;

use crate::hresult::HResult;

use super::boundary::{self, Out};
use super::handles;
use super::recorder::MsMediaInfo;
use super::MsRecorder;

/// `IDiscRecorder2::EjectMedia`: ejects the medium (START STOP UNIT).
///
/// Errors: `MS_E_HANDLE`, `MS_E_IMAPI_RECORDER_LOCKED` (this process is
/// writing to the drive), the recorder family (removal prevented: the
/// drive's sense 5/53/02 as its code, with the detail).
#[no_mangle]
#[must_use]
pub extern "C" fn ms_recorder_eject(recorder: MsRecorder) -> HResult {
    boundary::run("ms_recorder_eject", || {
        handles::with(recorder, |r| r.eject())?
    })
}

/// `IDiscRecorder2::CloseTray`: closes the tray; a medium in it then shows
/// as newly inserted.
///
/// Errors: as `ms_recorder_eject`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_recorder_load(recorder: MsRecorder) -> HResult {
    boundary::run("ms_recorder_load", || {
        handles::with(recorder, |r| r.load())?
    })
}

/// Prevents (`prevent` true) or allows removal of the medium: while
/// prevented, `ms_recorder_eject` and the drive's button are refused.
///
/// Errors: `MS_E_HANDLE`, the recorder family.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_recorder_prevent_removal(recorder: MsRecorder, prevent: bool) -> HResult {
    boundary::run("ms_recorder_prevent_removal", || {
        handles::with(recorder, |r| r.set_removal_prevented(prevent))?
    })
}

/// Waits up to `timeout_ms` milliseconds for a medium to be loaded and
/// ready, then writes what the drive reports about it into `*info`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`,
/// `MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA` (none by then), the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_wait_for_medium(
    recorder: MsRecorder,
    timeout_ms: u32,
    info: *mut MsMediaInfo,
) -> HResult {
    boundary::run("ms_recorder_wait_for_medium", || {
        let out = Out::new(info, "info")?;
        let recorder = handles::get(recorder)?;
        let media = recorder.wait_for_medium(Duration::from_millis(u64::from(timeout_ms)))?;
        out.write(MsMediaInfo::from_media(&media)?);
        Ok(())
    })
}
