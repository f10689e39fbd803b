//! `ms_cancel_*` and `ms_write_with_cancel`: stopping a running write from
//! another thread (a UI's Cancel button), which the progress callback's
//! answer alone cannot do, since it runs on the writing thread.

use std::ffi::c_void;
use std::sync::Arc;

use crate::burn::CancelToken;
use crate::hresult::HResult;

use super::boundary::{self, Out};
use super::handles;
use super::write::{write_with, MsProgressFn, MsWriteOptions};
use super::{MsCancel, MsRecorder, MsResult};

/// A new cancel token, not yet cancelled. Pass it to
/// `ms_write_with_cancel`; `ms_cancel_request` on any thread stops the
/// writes watching it. Release it with `ms_cancel_release`.
///
/// Errors: `MS_E_POINTER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_cancel_new(token: *mut MsCancel) -> HResult {
    boundary::run("ms_cancel_new", || {
        let out = Out::new(token, "token")?;
        out.write(handles::insert(Arc::new(CancelToken::new()))?);
        Ok(())
    })
}

/// Cancels every write watching `token`, now or later (a token stays
/// cancelled): each stops before its next WRITE and returns
/// `MS_E_IMAPI_REQUEST_CANCELLED`, leaving the previous session current
/// and intact (sequential media: `ms_recover` before the next import).
/// A write already committing its session finishes. Any thread may call
/// it, also while the write runs.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_cancel_request(token: MsCancel) -> HResult {
    boundary::run("ms_cancel_request", || {
        handles::with(token, CancelToken::cancel)?;
        Ok(())
    })
}

/// Whether `token` was cancelled.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_cancel_is_requested(token: MsCancel, requested: *mut bool) -> HResult {
    boundary::run("ms_cancel_is_requested", || {
        let out = Out::new(requested, "requested")?;
        out.write(handles::with(token, CancelToken::is_cancelled)?);
        Ok(())
    })
}

/// Releases a cancel token; a write watching it keeps watching it.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
pub extern "C" fn ms_cancel_release(token: MsCancel) -> HResult {
    boundary::run("ms_cancel_release", || handles::remove(token))
}

/// `ms_write` that `ms_cancel_request(token)` can stop from any thread,
/// like `CancelWrite` called outside the event handler. The callback's
/// `MS_CANCEL` works as well.
///
/// Errors: those of `ms_write`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_write_with_cancel(
    recorder: MsRecorder,
    result: MsResult,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    context: *mut c_void,
    token: MsCancel,
) -> HResult {
    boundary::run("ms_write_with_cancel", || {
        let token = handles::with(token, CancelToken::clone)?;
        // SAFETY: as for `ms_write`.
        unsafe { write_with(recorder, result, options, callback, context, Some(token)) }
    })
}
