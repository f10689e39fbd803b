//! `ms_list_*`: the immutable lists of multisession objects that stand in
//! for IMAPI's SAFEARRAY.

use std::sync::Arc;

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG};

use super::boundary::{self, Out};
use super::handles;
use super::{MsList, MsMultisession};

/// The number of objects in `list`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_list_count(list: MsList, count: *mut usize) -> HResult {
    boundary::run("ms_list_count", || {
        let out = Out::new(count, "count")?;
        out.write(handles::with(list, Vec::len)?);
        Ok(())
    })
}

/// A new handle to object `index` (from 0) of `list`. Handles to the same
/// object share it: `InUse` set through one is seen through all.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (index out of range).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_list_get(
    list: MsList,
    index: usize,
    multisession: *mut MsMultisession,
) -> HResult {
    boundary::run("ms_list_get", || {
        let out = Out::new(multisession, "multisession")?;
        let list = handles::get(list)?;
        let object = list.get(index).ok_or_else(|| {
            Error::new(
                MS_E_INVALIDARG,
                format!("index {index} is outside the list of {}", list.len()),
            )
        })?;
        out.write(handles::insert(Arc::new(object.clone()))?);
        Ok(())
    })
}

/// Releases a list handle; handles obtained from it stay valid.
#[no_mangle]
pub extern "C" fn ms_list_release(list: MsList) -> HResult {
    boundary::run("ms_list_release", || handles::remove(list))
}
