//! `ms_image_*_udf_*`: the UDF revision of the image (IMAPI's
//! `UDFRevision` and `UDFRevisionsSupported`) and whether its UDF 2.50
//! metadata is written twice (`CreateRedundantUdfMetadataFiles`).

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

/// `IFileSystemImage3::get_CreateRedundantUdfMetadataFiles`: whether a
/// UDF 2.50 session writes its metadata file twice, the mirror a copy
/// (true by default, as in IMAPI).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_get_create_redundant_udf_metadata_files(
    image: MsImage,
    redundant: *mut bool,
) -> HResult {
    boundary::run("ms_image_get_create_redundant_udf_metadata_files", || {
        let out = Out::new(redundant, "redundant")?;
        out.write(handles::read(
            image,
            FileSystemImage::create_redundant_udf_metadata_files,
        )?);
        Ok(())
    })
}

/// `IFileSystemImage3::put_CreateRedundantUdfMetadataFiles`: false writes
/// a UDF 2.50 session's metadata once, its mirror file sharing the same
/// blocks (IMAPI: "can save several MB"; a 2 KiB entry per item, so about
/// 2 GB on a million-file archive disc), at the cost of the second copy
/// a damaged block could be read from. Appends that keep earlier entries
/// share them in either case (docs/udf-notes.md §5.1.1).
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_create_redundant_udf_metadata_files(
    image: MsImage,
    redundant: bool,
) -> HResult {
    boundary::run("ms_image_set_create_redundant_udf_metadata_files", || {
        handles::edit(image, |image| {
            image.set_create_redundant_udf_metadata_files(redundant)
        })
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
