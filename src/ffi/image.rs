//! `ms_image_*`, `ms_set_interfaces`, `ms_get_interfaces`: the file-system
//! image's multisession part.

use std::ffi::c_char;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fsi::image::physical_type_from_value;
use crate::fsi::{FileSystemImage, FileSystems};
use crate::hresult::{
    HResult, MS_E_INVALIDARG, MS_IMAPI_E_BAD_MULTISESSION_PARAMETER, MS_IMAPI_E_INVALID_PARAM,
    MS_IMAPI_E_INVALID_VOLUME_NAME, MS_IMAPI_E_MULTISESSION_NOT_SET,
    MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM, MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
};

use super::boundary::{self, array, c_utf8, Out, StringOut};
use super::handles::{self, Guarded};
use super::{new_list, MsImage, MsList, MsMultisession, MsRecorder, MsResult};

/// A new, empty file-system image (`MsftFileSystemImage`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_new(image: *mut MsImage) -> HResult {
    boundary::run("ms_image_new", || {
        let out = Out::new(image, "image")?;
        out.write(handles::insert(Arc::new(Guarded::new(
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
/// 2. `count` 0, or above 16,777,216 (2^24, the most multisession handles
///    that can be alive at once) → `MS_E_INVALIDARG`, before `interfaces`
///    is read;
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
        let handles_in = array(interfaces, count, handles::MAX_HANDLES, "interfaces")?;
        handles::edit(image, |image| {
            let list = handles_in
                .iter()
                .enumerate()
                .map(|(i, &h)| {
                    handles::get(h)
                        .map(|m| (*m).clone())
                        .map_err(|e| e.context(format!("interfaces[{i}]")))
                })
                .collect::<Result<Vec<_>>>()?;
            image.set_multisession_interfaces(list)
        })?
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
        let objects = handles::read(image, |image| image.multisession_interfaces().to_vec())?;
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
        let chosen = handles::read(image, |image| image.chosen_multisession().cloned())?;
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
        let start = handles::read(image, |image| image.session_start_block())??;
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
        let free = handles::read(image, |image| image.free_media_blocks())??;
        out.write(long(free, "free media blocks")?);
        Ok(())
    })
}

/// Releases an image handle. An image an internal error left inconsistent
/// (every other call on it answers `MS_E_UNEXPECTED` naming the function
/// that failed) is released and freed all the same.
#[no_mangle]
pub extern "C" fn ms_image_release(image: MsImage) -> HResult {
    boundary::run("ms_image_release", || handles::remove(image))
}

fn block_count(value: i32, what: &str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| Error::new(MS_E_INVALIDARG, format!("{what} {value} is negative")))
}

/// `IFileSystemImage::put_SessionStartBlock`: where a first (or
/// single-session) image starts. Refused once a multisession list is set
/// (the medium decides) with `MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE`.
///
/// Errors: `MS_E_HANDLE`, `MS_E_INVALIDARG` (negative),
/// `MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_session_start_block(image: MsImage, value: i32) -> HResult {
    boundary::run("ms_image_set_session_start_block", || {
        let value = block_count(value, "session start block")?;
        handles::edit(image, |image| image.set_session_start_block(value))?
    })
}

/// `IFileSystemImage::put_FreeMediaBlocks` (0 = unlimited). Refused once a
/// multisession list is set; `MS_IMAPI_E_IMAGE_TOO_BIG` when the files
/// already added need more.
///
/// Errors: `MS_E_HANDLE`, `MS_E_INVALIDARG`, `MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE`,
/// `MS_IMAPI_E_IMAGE_TOO_BIG`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_free_media_blocks(image: MsImage, value: i32) -> HResult {
    boundary::run("ms_image_set_free_media_blocks", || {
        let value = block_count(value, "free media blocks")?;
        handles::edit(image, |image| image.set_free_media_blocks(value))?
    })
}

/// `IFileSystemImage::put_FileSystemsToCreate`: `MS_FS_ISO9660`, with
/// `MS_FS_JOLIET` and/or `MS_FS_UDF` (an ISO 9660 + UDF bridge), or
/// `MS_FS_UDF` alone (a UDF-only session, no ISO 9660 descriptors); the
/// default is ISO 9660 and Joliet. Otherwise ISO 9660 is always written
/// (it carries Rock Ridge). May be set before or after an import;
/// importing a session with UDF adds `MS_FS_UDF`.
///
/// Errors: `MS_E_HANDLE`, `MS_IMAPI_E_NO_OUTPUT` (0),
/// `MS_IMAPI_E_INVALID_PARAM` (unknown bits).
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_file_systems(
    image: MsImage,
    file_systems_to_create: u32,
) -> HResult {
    boundary::run("ms_image_set_file_systems", || {
        let fs = file_systems_any(file_systems_to_create)?;
        handles::edit(image, |image| image.set_file_systems(fs))?
    })
}

/// `IFileSystemImage::get_FileSystemsToCreate`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_file_systems(image: MsImage, value: *mut u32) -> HResult {
    boundary::run("ms_image_file_systems", || {
        let out = Out::new(value, "value")?;
        out.write(handles::read(image, |image| image.file_systems().bits())?);
        Ok(())
    })
}

/// `IFileSystemImage::put_VolumeName`: at most 32 characters, UTF-8, no
/// control characters. Not taken from the imported session.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_INVALID_VOLUME_NAME`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_set_volume_name(image: MsImage, name: *const c_char) -> HResult {
    boundary::run("ms_image_set_volume_name", || {
        let name = c_utf8(name, "name", MS_IMAPI_E_INVALID_VOLUME_NAME)?;
        handles::edit(image, |image| image.set_volume_name(name))?
    })
}

/// `IFileSystemImage::get_VolumeName` into `buf`; `*needed` and the
/// `len` limit as for `ms_status_describe`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_volume_name(
    image: MsImage,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run("ms_image_volume_name", || {
        let out = StringOut::new(buf, len, needed)?;
        let name = handles::read(image, |image| image.volume_name().to_owned())?;
        out.write(&name)
    })
}

/// `IFileSystemImage::get_ImportedVolumeName` into `buf`; `*needed` and the
/// `len` limit as for `ms_status_describe`. Before an import there is none:
/// `MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_imported_volume_name(
    image: MsImage,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run("ms_image_imported_volume_name", || {
        let out = StringOut::new(buf, len, needed)?;
        let name = handles::read(image, |image| {
            image.imported_volume_name().map(str::to_owned)
        })?
        .ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
                "nothing was imported into this image",
            )
        })?;
        out.write(&name)
    })
}

/// `IFileSystemImage::ChooseImageDefaults`: ISO 9660 + Joliet and the room
/// of the medium now in `recorder` — the setup of a first session, for
/// which there is no multisession list.
///
/// Errors: `MS_E_HANDLE`, the recorder family, `MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE`
/// (read-only media), `MS_IMAPI_E_IMAGE_TOO_BIG` (no room, or less than
/// the files already added).
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_choose_defaults(image: MsImage, recorder: MsRecorder) -> HResult {
    boundary::run("ms_image_choose_defaults", || {
        handles::edit(image, |image| {
            let recorder = handles::get(recorder)?;
            image.choose_image_defaults(&recorder)
        })?
    })
}

/// `IFileSystemImage::ChooseImageDefaultsForMediaType`: ISO 9660 + Joliet
/// and the nominal room of an empty medium of `IMAPI_MEDIA_PHYSICAL_TYPE`
/// `media_type`.
///
/// Errors: `MS_E_HANDLE`, `MS_IMAPI_E_INVALID_PARAM` (unknown or read-only
/// type), `MS_IMAPI_E_IMAGE_TOO_BIG`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_choose_defaults_for_media_type(
    image: MsImage,
    media_type: u32,
) -> HResult {
    boundary::run("ms_image_choose_defaults_for_media_type", || {
        let physical = physical_type_from_value(media_type).ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("{media_type:#x} is not an IMAPI_MEDIA_PHYSICAL_TYPE"),
            )
        })?;
        handles::edit(image, |image| {
            image.choose_image_defaults_for_media_type(physical)
        })?
    })
}

/// `IFileSystemImage::IdentifyFileSystemsOnDisc`: the `MS_FS_*` bits of the
/// newest session on the medium of `*recorder`, or, with `recorder` NULL,
/// of the chosen multisession object's recorder. 0 on a blank medium.
///
/// Errors: `MS_E_POINTER` (`file_systems`), `MS_E_HANDLE`,
/// `MS_IMAPI_E_MULTISESSION_NOT_SET` (NULL `recorder` and no list), the
/// recorder family, `MS_IMAPI_E_IMPORT_READ_FAILURE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_identify_file_systems(
    image: MsImage,
    recorder: *const MsRecorder,
    file_systems: *mut u32,
) -> HResult {
    boundary::run("ms_image_identify_file_systems", || {
        let out = Out::new(file_systems, "file_systems")?;
        let found = handles::read(image, |image| {
            // SAFETY: NULL is allowed; otherwise the caller passes a valid handle.
            let recorder = match unsafe { recorder.as_ref() } {
                Some(&handle) => Some(handles::get(handle)?),
                None => None,
            };
            image.identify_file_systems_on_disc(recorder.as_deref())
        })??;
        out.write(found.bits());
        Ok(())
    })
}

/// `IFileSystemImage::GetDefaultFileSystemForImport`: the one bit of
/// `file_systems` an import would read (Joliet before ISO 9660).
///
/// Errors: `MS_E_POINTER`, `MS_IMAPI_E_INVALID_PARAM` (no importable bit).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_default_file_system_for_import(
    file_systems: u32,
    import_default: *mut u32,
) -> HResult {
    boundary::run("ms_image_default_file_system_for_import", || {
        let out = Out::new(import_default, "import_default")?;
        let fs = FileSystemImage::default_file_system_for_import(file_systems_any(file_systems)?)?;
        out.write(fs.bits());
        Ok(())
    })
}

fn file_systems_any(bits: u32) -> Result<FileSystems> {
    FileSystems::from_bits(bits)
}

/// 0: the default file system for import; else the one asked for.
fn import_choice(bits: u32) -> Result<Option<FileSystems>> {
    match bits {
        0 => Ok(None),
        bits => file_systems_any(bits).map(Some),
    }
}

/// `IFileSystemImage::ImportFileSystem` (`file_system` 0) or
/// `ImportSpecificFileSystem` (`MS_FS_ISO9660` or `MS_FS_JOLIET`): reads
/// the previous session through the chosen object's recorder into the
/// image — items already in the image win a name clash — and fixes
/// `SessionStartBlock` and `FreeMediaBlocks` for the next session.
/// `*imported` receives the file system read.
///
/// Sequential media: the session at `StartAddressOfPreviousSession`.
/// Overwritable media: the session LBA 16 leads to (growisofs and xorriso
/// layouts); the next one goes after it, and its result carries the LBA 16
/// anchor that `ms_write` writes last.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_MULTISESSION_NOT_SET`,
/// `MS_IMAPI_E_EMPTY_DISC`, `MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM`,
/// `MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND`, `MS_IMAPI_E_INVALID_PARAM` (more than
/// one bit; a second import), `MS_IMAPI_E_IMPORT_TYPE_COLLISION_*`,
/// `MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR`, `MS_IMAPI_E_IMPORT_READ_FAILURE`,
/// the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_import(
    image: MsImage,
    file_system: u32,
    imported: *mut u32,
) -> HResult {
    boundary::run("ms_image_import", || {
        let out = Out::new(imported, "imported")?;
        let wanted = import_choice(file_system)?;
        let fs = handles::edit(image, |image| image.import_file_system(wanted))??;
        out.write(fs.bits());
        Ok(())
    })
}

/// Our extension (IMAPI has none): imports the complete recorded session
/// that starts at `session_start` instead of the newest one, on sequential
/// media; the next session still goes after the newest. `file_system` as
/// in `ms_image_import`; `*imported` receives the file system read.
///
/// For a disc whose newest session holds no file system (another
/// program's aborted write): `ms_image_import` fails there with
/// `MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM` rather than let the next session
/// drop every older file, and `ms_image_newest_session_with_file_system`
/// names the session to import instead.
///
/// Errors: those of `ms_image_import`; `MS_IMAPI_E_INVALID_PARAM` when no
/// complete session starts at `session_start`, on overwritable media, or
/// after an import.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_import_session(
    image: MsImage,
    session_start: u32,
    file_system: u32,
    imported: *mut u32,
) -> HResult {
    boundary::run("ms_image_import_session", || {
        let out = Out::new(imported, "imported")?;
        let wanted = import_choice(file_system)?;
        let fs = handles::edit(image, |image| image.import_session(session_start, wanted))??;
        out.write(fs.bits());
        Ok(())
    })
}

/// The newest complete recorded session that holds a file system, on the
/// chosen object's sequential medium: its first block and the file systems
/// in it (`MS_FS_*` bits).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_MULTISESSION_NOT_SET`,
/// `MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM` (no session holds one, or the
/// medium is overwritable: its one volume is what `ms_image_import` reads),
/// the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_newest_session_with_file_system(
    image: MsImage,
    session_start: *mut u32,
    file_systems: *mut u32,
) -> HResult {
    boundary::run("ms_image_newest_session_with_file_system", || {
        let start_out = Out::new(session_start, "session_start")?;
        let fs_out = Out::new(file_systems, "file_systems")?;
        let found = handles::read(image, |image| image.newest_session_with_file_system())??
            .ok_or_else(|| {
                Error::new(
                    MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
                    "no recorded session of this medium holds a file system",
                )
            })?;
        start_out.write(found.start);
        fs_out.write(found.file_systems.bits());
        Ok(())
    })
}

/// `IFileSystemImage::CreateResultImage`: builds the next session at
/// `SessionStartBlock` and hands out a result handle that streams it. The
/// data of added files and streams is read only while the result is read
/// (`ms_result_read`, `ms_write`); a caller stream can be read by one
/// result only.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_IMAGE_TOO_BIG` (does not
/// fit `FreeMediaBlocks`), `MS_IMAPI_E_INVALID_VOLUME_NAME`, the recorder
/// family (the medium is read for live values).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_create_result(image: MsImage, result: *mut MsResult) -> HResult {
    boundary::run("ms_image_create_result", || {
        let out = Out::new(result, "result")?;
        let built = handles::read(image, |image| image.create_result_image())??;
        out.write(handles::insert(Arc::new(Guarded::new(built)))?);
        Ok(())
    })
}
