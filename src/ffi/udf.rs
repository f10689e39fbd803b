//! `ms_image_*_udf_*`: the UDF revision of the image (IMAPI's
//! `UDFRevision` and `UDFRevisionsSupported`).

use crate::error::Error;
use crate::fsi::FileSystemImage;
use crate::hresult::{HResult, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_POINTER};

use super::boundary::{self, Out};
use super::handles;
use super::MsImage;

/// `IFileSystemImage::get_UDFRevision`: the revision a session with
/// `MS_FS_UDF` is written with (0x102 for UDF 1.02 …).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_get_udf_revision(image: MsImage, revision: *mut u32) -> HResult {
    boundary::run("ms_image_get_udf_revision", || {
        let out = Out::new(revision, "revision")?;
        out.write(handles::read(image, FileSystemImage::udf_revision)?);
        Ok(())
    })
}

/// `IFileSystemImage::put_UDFRevision`: one of
/// `ms_image_get_udf_revisions_supported`. After importing a session
/// written with UDF only that session's revision is accepted.
///
/// Errors: `MS_E_HANDLE`, `MS_IMAPI_E_INVALID_PARAM` (a revision not
/// written here), `MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_udf_revision(image: MsImage, revision: u32) -> HResult {
    boundary::run("ms_image_set_udf_revision", || {
        handles::edit(image, |image| image.set_udf_revision(revision))?
    })
}

/// `IFileSystemImage::get_UDFRevisionsSupported`: copies up to `capacity`
/// revisions, oldest first, to `revisions` and the number there are to
/// `count` (also on `MS_E_NOT_SUFFICIENT_BUFFER`, so `revisions` NULL with
/// `capacity` 0 asks for the count).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_NOT_SUFFICIENT_BUFFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_get_udf_revisions_supported(
    image: MsImage,
    revisions: *mut u32,
    capacity: usize,
    count: *mut usize,
) -> HResult {
    boundary::run("ms_image_get_udf_revisions_supported", || {
        let count = Out::new(count, "count")?;
        if revisions.is_null() && capacity != 0 {
            return Err(Error::new(MS_E_POINTER, "`revisions` is NULL"));
        }
        handles::read(image, |_| ())?;
        let all = FileSystemImage::udf_revisions_supported();
        count.write(all.len());
        if capacity < all.len() {
            return Err(Error::new(
                MS_E_NOT_SUFFICIENT_BUFFER,
                format!("{} revisions, room for {capacity}", all.len()),
            ));
        }
        // SAFETY: non-NULL (capacity >= len > 0) and the caller promises
        // `capacity` writable elements.
        unsafe { std::ptr::copy_nonoverlapping(all.as_ptr(), revisions, all.len()) };
        Ok(())
    })
}
