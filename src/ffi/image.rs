//! `ms_image_*`, `ms_set_interfaces`, `ms_get_interfaces`: the file-system
//! image's multisession part.

use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::fsi::FileSystemImage;
use crate::hresult::{
    HResult, MS_IMAPI_E_BAD_MULTISESSION_PARAMETER, MS_IMAPI_E_MULTISESSION_NOT_SET,
};

use super::boundary::{self, array, Out};
use super::handles;
use super::{new_list, MsImage, MsList, MsMultisession};

/// A new, empty file-system image (`MsftFileSystemImage`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_new(image: *mut MsImage) -> HResult {
    boundary::run("ms_image_new", || {
        let out = Out::new(image, "image")?;
        out.write(handles::insert(Arc::new(Mutex::new(
            FileSystemImage::new(),
        )))?);
        Ok(())
    })
}

/// `IFileSystemImage::put_MultisessionInterfaces`: hands the image the
/// `count` objects at `interfaces` (usually everything
/// `ms_recorder_multisession_interfaces` offered) and lets it choose one.
///
/// Checks, in this order, each with its own code and a detail in
/// `ms_last_error_message`:
/// 1. `interfaces` NULL → `MS_E_POINTER`;
/// 2. `count` 0 → `MS_E_INVALIDARG`;
/// 3. a zero, released or wrong-kind handle → `MS_E_HANDLE` (objects of
///    different drives → `MS_E_INVALIDARG`);
/// 4. media type without multisession (ROM, DVD-R DL) → `MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED`;
/// 5. more than one object in use → `MS_E_INVALIDARG`;
/// 6. blank sequential medium → `MS_IMAPI_E_IMPORT_SEEK_FAILURE`;
/// 7. the object in use cannot be used → `MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE`;
///    none in use and none usable → `MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE`;
/// 8. inconsistent values → `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
///
/// On success the image keeps the objects themselves (not copies) and does
/// not change their `InUse`; `ms_image_chosen_interface` tells which one it
/// uses. On failure the image keeps its previous list.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_set_interfaces(
    image: MsImage,
    interfaces: *const MsMultisession,
    count: usize,
) -> HResult {
    boundary::run("ms_set_interfaces", || {
        let handles_in = array(interfaces, count, "interfaces")?;
        let image = handles::get(image)?;
        let list = handles_in
            .iter()
            .enumerate()
            .map(|(i, &h)| {
                handles::get(h)
                    .map(|m| (*m).clone())
                    .map_err(|e| e.context(format!("interfaces[{i}]")))
            })
            .collect::<Result<Vec<_>>>()?;
        let result = image.lock().set_multisession_interfaces(list);
        result
    })
}

/// `IFileSystemImage::get_MultisessionInterfaces`: a new list handle over
/// the objects of the last successful `ms_set_interfaces` (the same
/// objects); an empty list before any.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_get_interfaces(image: MsImage, list: *mut MsList) -> HResult {
    boundary::run("ms_get_interfaces", || {
        let out = Out::new(list, "list")?;
        let objects = handles::get(image)?
            .lock()
            .multisession_interfaces()
            .to_vec();
        out.write(new_list(objects)?);
        Ok(())
    })
}

/// A new handle to the object the image chose: the one marked in use, or
/// the first usable one.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_MULTISESSION_NOT_SET`
/// (no successful `ms_set_interfaces` yet).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_chosen_interface(
    image: MsImage,
    multisession: *mut MsMultisession,
) -> HResult {
    boundary::run("ms_image_chosen_interface", || {
        let out = Out::new(multisession, "multisession")?;
        let chosen = handles::get(image)?.lock().chosen_multisession().cloned();
        let chosen = chosen.ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_MULTISESSION_NOT_SET,
                "no multisession list was set on this image",
            )
        })?;
        out.write(handles::insert(Arc::new(chosen))?);
        Ok(())
    })
}

fn long(value: u32, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| {
        Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!("{what} {value} does not fit a LONG"),
        )
    })
}

/// `IFileSystemImage::get_SessionStartBlock`: the LBA where the next
/// session starts on the medium now (the next writable address; on
/// random-write media the next write unit after the ISO 9660 volume); 0
/// without a multisession list.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the recorder family,
/// `MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE` (the medium changed and the
/// chosen object no longer applies), `MS_IMAPI_E_BAD_MULTISESSION_PARAMETER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_session_start_block(image: MsImage, value: *mut i32) -> HResult {
    boundary::run("ms_image_session_start_block", || {
        let out = Out::new(value, "value")?;
        let start = handles::get(image)?.lock().session_start_block()?;
        out.write(long(start, "session start block")?);
        Ok(())
    })
}

/// `IFileSystemImage::get_FreeMediaBlocks`: the blocks the next session may
/// take on the medium now; 332,800 without a multisession list.
///
/// Errors: as `ms_image_session_start_block`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_free_media_blocks(image: MsImage, value: *mut i32) -> HResult {
    boundary::run("ms_image_free_media_blocks", || {
        let out = Out::new(value, "value")?;
        let free = handles::get(image)?.lock().free_media_blocks()?;
        out.write(long(free, "free media blocks")?);
        Ok(())
    })
}

/// Releases an image handle.
#[no_mangle]
pub extern "C" fn ms_image_release(image: MsImage) -> HResult {
    boundary::run("ms_image_release", || handles::remove(image))
}
