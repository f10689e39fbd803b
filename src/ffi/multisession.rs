//! `ms_multisession_*`, `ms_in_use`, `ms_sequential_*`, `ms_random_write_*`,
//! `ms_pseudo_overwrite_*`: the multisession objects.
//!
//! Every property is read from the drive's current media information at
//! the time of the call. A getter of another kind's interface gives
//! `MS_E_NOINTERFACE` (IMAPI's failing QueryInterface).

use std::sync::Arc;

use crate::error::Result;
use crate::hresult::HResult;
use crate::session::{Kind, Multisession};

use super::boundary::{self, Out};
use super::handles;
use super::{
    MsMultisession, MsRecorder, MS_MULTISESSION_PSEUDO_OVERWRITE, MS_MULTISESSION_RANDOM_WRITE,
    MS_MULTISESSION_SEQUENTIAL,
};

/// The shape of every property getter: resolve, compute, write on success.
unsafe fn property<T>(
    name: &'static str,
    multisession: MsMultisession,
    value: *mut T,
    get: impl FnOnce(&Multisession) -> Result<T>,
) -> HResult {
    boundary::run(name, || {
        let out = Out::new(value, "value")?;
        out.write(handles::with(multisession, get)??);
        Ok(())
    })
}

/// Which interface the object has: `MS_MULTISESSION_SEQUENTIAL`,
/// `MS_MULTISESSION_RANDOM_WRITE` or `MS_MULTISESSION_PSEUDO_OVERWRITE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_multisession_kind(
    multisession: MsMultisession,
    kind: *mut u32,
) -> HResult {
    property("ms_multisession_kind", multisession, kind, |m| {
        Ok(match m.kind() {
            Kind::Sequential => MS_MULTISESSION_SEQUENTIAL,
            Kind::RandomWrite => MS_MULTISESSION_RANDOM_WRITE,
            Kind::PseudoOverwrite => MS_MULTISESSION_PSEUDO_OVERWRITE,
        })
    })
}

/// `IMultisession::get_IsSupportedOnCurrentMediaState`: whether this kind
/// of multisession can write to the medium in its present state.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_is_supported_on_current_media_state(
    multisession: MsMultisession,
    value: *mut bool,
) -> HResult {
    property(
        "ms_is_supported_on_current_media_state",
        multisession,
        value,
        Multisession::is_supported_on_current_media_state,
    )
}

/// `IMultisession::get_InUse`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_in_use(multisession: MsMultisession, value: *mut bool) -> HResult {
    property("ms_in_use", multisession, value, |m| Ok(m.in_use()))
}

/// `IMultisession::put_InUse`: marks the object as the one a file-system
/// image must use. Checked only by `ms_set_interfaces`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_set_in_use(multisession: MsMultisession, value: bool) -> HResult {
    boundary::run("ms_set_in_use", || {
        handles::with(multisession, |m| m.set_in_use(value))
    })
}

/// `IMultisession::get_ImportRecorder`: a new handle to the drive this
/// object describes (release it with `ms_recorder_release`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_import_recorder(
    multisession: MsMultisession,
    recorder: *mut MsRecorder,
) -> HResult {
    property("ms_import_recorder", multisession, recorder, |m| {
        handles::insert(Arc::clone(m.import_recorder()))
    })
}

/// `IMultisessionSequential::get_IsFirstDataSession`: true when no data session
/// is on the medium yet.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_is_first_data_session(
    multisession: MsMultisession,
    value: *mut bool,
) -> HResult {
    property(
        "ms_sequential_is_first_data_session",
        multisession,
        value,
        |m| Ok(m.sequential()?.is_first_data_session),
    )
}

/// `IMultisessionSequential::get_StartAddressOfPreviousSession`: first LBA of the
/// last complete session, −1 when there is none (blank media).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_start_address_of_previous_session(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_sequential_start_address_of_previous_session",
        multisession,
        value,
        |m| Ok(m.sequential()?.start_address_of_previous_session),
    )
}

/// `IMultisessionSequential::get_LastWrittenAddressOfPreviousSession`: last LBA
/// of the last complete session, −1 when there is none.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_last_written_address_of_previous_session(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_sequential_last_written_address_of_previous_session",
        multisession,
        value,
        |m| Ok(m.sequential()?.last_written_address_of_previous_session),
    )
}

/// `IMultisessionSequential::get_NextWritableAddress`: where the next session
/// starts; 0 on blank media, −1 on closed media.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_next_writable_address(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_sequential_next_writable_address",
        multisession,
        value,
        |m| Ok(m.sequential()?.next_writable_address),
    )
}

/// `IMultisessionSequential::get_FreeSectorsOnMedia`: sectors left for new
/// sessions; the capacity on blank media, 0 on closed media.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_free_sectors_on_media(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_sequential_free_sectors_on_media",
        multisession,
        value,
        |m| Ok(m.sequential()?.free_sectors_on_media),
    )
}

/// `IMultisessionSequential2::get_WriteUnitSize`: write granularity in sectors
/// (1 CD, 16 DVD, 32 BD).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a Sequential
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_sequential_write_unit_size(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property("ms_sequential_write_unit_size", multisession, value, |m| {
        Ok(m.sequential()?.write_unit_size)
    })
}

/// `IMultisessionRandomWrite::get_WriteUnitSize`: writes start at and cover
/// multiples of this many sectors.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a RandomWrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_random_write_write_unit_size(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_random_write_write_unit_size",
        multisession,
        value,
        |m| Ok(m.random_write()?.write_unit_size),
    )
}

/// `IMultisessionRandomWrite::get_LastWrittenAddress`: last recorded LBA, −1
/// when nothing is recorded.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a RandomWrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_random_write_last_written_address(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_random_write_last_written_address",
        multisession,
        value,
        |m| Ok(m.random_write()?.last_written_address),
    )
}

/// `IMultisessionRandomWrite::get_TotalSectorsOnMedia`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a RandomWrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_random_write_total_sectors_on_media(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_random_write_total_sectors_on_media",
        multisession,
        value,
        |m| Ok(m.random_write()?.total_sectors_on_media),
    )
}

/// BD-R Pseudo-Overwrite: the next writable address, −1 on a closed disc.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a PseudoOverwrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_pseudo_overwrite_next_writable_address(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_pseudo_overwrite_next_writable_address",
        multisession,
        value,
        |m| Ok(m.pseudo_overwrite()?.next_writable_address),
    )
}

/// BD-R Pseudo-Overwrite: the last recorded LBA, −1 when nothing is recorded.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a PseudoOverwrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_pseudo_overwrite_last_recorded_address(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_pseudo_overwrite_last_recorded_address",
        multisession,
        value,
        |m| Ok(m.pseudo_overwrite()?.last_recorded_address),
    )
}

/// BD-R Pseudo-Overwrite: total sectors of the disc.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a PseudoOverwrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_pseudo_overwrite_total_sectors_on_media(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_pseudo_overwrite_total_sectors_on_media",
        multisession,
        value,
        |m| Ok(m.pseudo_overwrite()?.total_sectors_on_media),
    )
}

/// BD-R Pseudo-Overwrite: write unit in sectors (32, one BD cluster).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOINTERFACE` (not a PseudoOverwrite
/// object), the recorder family, `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_pseudo_overwrite_write_unit_size(
    multisession: MsMultisession,
    value: *mut i32,
) -> HResult {
    property(
        "ms_pseudo_overwrite_write_unit_size",
        multisession,
        value,
        |m| Ok(m.pseudo_overwrite()?.write_unit_size),
    )
}

/// Releases a multisession handle. Lists and images holding the object keep it.
#[no_mangle]
pub extern "C" fn ms_multisession_release(multisession: MsMultisession) -> HResult {
    boundary::run("ms_multisession_release", || handles::remove(multisession))
}
