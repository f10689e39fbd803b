//! `ms_recorder_acquire_exclusive`, `ms_recorder_release_exclusive`,
//! `ms_recorder_exclusive_owner`: holding a drive across processes
//! (`IDiscRecorder2::AcquireExclusiveAccess`, `ExclusiveAccessOwner`).

use std::ffi::c_char;

use crate::hresult::{HResult, MS_E_INVALIDARG};

use super::boundary::{self, c_utf8, StringOut};
use super::handles;
use super::MsRecorder;

/// `IDiscRecorder2::AcquireExclusiveAccess`: holds the drive for this
/// recorder handle's drive object until `ms_recorder_release_exclusive` or
/// the process exits, under the name `client` (one non-empty UTF-8 line).
/// Meanwhile other processes' writes and acquisitions fail with
/// `MS_E_IMAPI_RECORDER_LOCKED`, and their `ms_last_error_message` names
/// `client` and its process id. Writes through this recorder go on. Asking
/// again renames the holder.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (bad name),
/// `MS_E_IMAPI_RECORDER_LOCKED` (held elsewhere), `MS_E_NOTIMPL` (a drive
/// without an OS lock).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_acquire_exclusive(
    recorder: MsRecorder,
    client: *const c_char,
) -> HResult {
    boundary::run("ms_recorder_acquire_exclusive", || {
        let client = c_utf8(client, "client", MS_E_INVALIDARG)?;
        handles::with(recorder, |r| r.acquire_exclusive_access(client))?
    })
}

/// `IDiscRecorder2::ReleaseExclusiveAccess`; nothing when not held.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_recorder_release_exclusive(recorder: MsRecorder) -> HResult {
    boundary::run("ms_recorder_release_exclusive", || {
        handles::with(recorder, |r| r.release_exclusive_access())?
    })
}

/// `IDiscRecorder2::get_ExclusiveAccessOwner` into `buf`: the client name
/// of whoever holds the drive (`"name"` for this recorder; `"name"
/// (process N)` for another process), empty when nobody does. `*needed`
/// and the `len` limit as for `ms_status_describe`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOT_SUFFICIENT_BUFFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_exclusive_owner(
    recorder: MsRecorder,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run("ms_recorder_exclusive_owner", || {
        let out = StringOut::new(buf, len, needed)?;
        let owner = handles::with(recorder, |r| r.exclusive_access_owner())??;
        out.write(owner.as_deref().unwrap_or(""))
    })
}
