//! Messages and versions: `ms_status_describe`, `ms_last_error_message`,
//! `ms_abi_version`.

use std::ffi::c_char;

use crate::hresult::{self, HResult};

use super::boundary::{self, StringOut};
use super::{MS_ABI_VERSION_MAJOR, MS_ABI_VERSION_MINOR};

/// Writes the fixed description of `status` ("IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE:
/// None of the supplied …") into `buf`.
///
/// `*needed` receives the size including the NUL, also when the result is
/// `MS_E_NOT_SUFFICIENT_BUFFER` (`buf` may be NULL with `len` 0 to ask).
/// `len` above 4,294,967,295 (a 32-bit BSTR length; no text comes near it)
/// is `MS_E_INVALIDARG` and nothing is written; every function filling a
/// text buffer has this limit. Does not change the thread's last error.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_status_describe(
    status: HResult,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run_quiet(|| {
        let out = StringOut::new(buf, len, needed)?;
        let text = match hresult::name(status) {
            Some(name) => format!("{name}: {}", hresult::message(status)),
            None => format!("{:#010X}: {}", status as u32, hresult::message(status)),
        };
        out.write(&text)
    })
}

/// Writes the detail of the calling thread's last failure (empty after a
/// success) into `buf`, e.g. "ms_set_interfaces: the cd-r medium is blank: …".
///
/// `*needed` and the `len` limit as for `ms_status_describe`. Does not
/// change the last error.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_last_error_message(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run_quiet(|| StringOut::new(buf, len, needed)?.write(&boundary::last_error()))
}

/// The C ABI version of the loaded library:
/// `MS_ABI_VERSION_MAJOR << 16 | MS_ABI_VERSION_MINOR`. Compare with the
/// header's macros at start-up.
#[no_mangle]
pub extern "C" fn ms_abi_version() -> u32 {
    (MS_ABI_VERSION_MAJOR << 16) | MS_ABI_VERSION_MINOR
}
