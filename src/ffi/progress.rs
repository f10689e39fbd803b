//! Progress callbacks of import, build (reading a result), erase and
//! format: IMAPI's `DFileSystemImageImportEvents::UpdateImport`,
//! `DFileSystemImageEvents::Update` and `DDiscFormat2EraseEvents::Update`,
//! with `ms_write`'s rule that a callback answering anything but
//! `MS_CONTINUE` cancels (`MS_E_IMAPI_REQUEST_CANCELLED`).

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use crate::burn::{DataWriter, EraseProgress, WriteOptions};
use crate::fsi::{BuildProgress, Flow, ImportProgress};
use crate::hresult::HResult;

use super::boundary;
use super::handles;
use super::{MsImage, MsRecorder, MS_CONTINUE};

/// One import event (`DFileSystemImageImportEvents::UpdateImport`): an
/// item of the imported session was taken into the image.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsImportProgress {
    /// The file system imported: `MS_FS_ISO9660`, `MS_FS_JOLIET` or `MS_FS_UDF`.
    pub file_system: u32,
    /// Full path of the item just imported, valid during the call only.
    pub current_item: *const c_char,
    pub imported_directory_items: i32,
    pub total_directory_items: i32,
    /// Files and symbolic links.
    pub imported_file_items: i32,
    pub total_file_items: i32,
}

/// One file-copy event (`DFileSystemImageEvents::Update`) while a result is
/// read or written: once before a file's first sector (`copied_sectors`
/// 0), after every MiB of it, and after its last sector.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsBuildProgress {
    /// Full path of the file in the image, valid during the call only.
    pub current_file: *const c_char,
    pub copied_sectors: i32,
    /// Sectors of this file.
    pub total_sectors: i32,
}

/// One erase or format event (`DDiscFormat2EraseEvents::Update`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MsEraseProgress {
    /// Seconds since the operation started.
    pub elapsed_seconds: f64,
    /// Expected seconds of the whole operation (the medium's usual time,
    /// never below `elapsed_seconds`; equal to it in the last event).
    pub estimated_total_seconds: f64,
}

/// An import callback: `MS_CONTINUE`, or anything else to cancel.
pub type MsImportProgressFn =
    Option<unsafe extern "C" fn(context: *mut c_void, progress: *const MsImportProgress) -> u32>;
/// A file-copy callback: `MS_CONTINUE`, or anything else to cancel.
pub type MsBuildProgressFn =
    Option<unsafe extern "C" fn(context: *mut c_void, progress: *const MsBuildProgress) -> u32>;
/// An erase or format callback: `MS_CONTINUE`, or anything else to cancel
/// (honoured before the drive is told; see `ms_erase_with_progress`).
pub type MsEraseProgressFn =
    Option<unsafe extern "C" fn(context: *mut c_void, progress: *const MsEraseProgress) -> u32>;

/// A caller's callback and context as a Rust hook for events of type `E`.
struct CHook<E> {
    callback: unsafe extern "C" fn(*mut c_void, *const E) -> u32,
    context: *mut c_void,
}

// SAFETY: the header asks that a callback may be called from any thread
// with its context (the image or result may be used from any thread);
// the library makes one call at a time per operation.
unsafe impl<E> Send for CHook<E> {}
// SAFETY: as above; the hook only reads its two fields.
unsafe impl<E> Sync for CHook<E> {}

impl<E> CHook<E> {
    fn call(&self, event: &E) -> Flow {
        // SAFETY: the caller's callback with its context; the event (and
        // any string it points at) lives across the call.
        flow(unsafe { (self.callback)(self.context, event) })
    }
}

fn flow(answer: u32) -> Flow {
    if answer == MS_CONTINUE {
        Flow::Continue
    } else {
        Flow::Cancel
    }
}

/// A path as a C string for the duration of one call (names hold no NUL;
/// should one, the path is cut there rather than lost).
fn c_path(path: &str) -> CString {
    let end = path.find('\0').unwrap_or(path.len());
    CString::new(&path[..end]).unwrap_or_default()
}

fn clamp(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Sets (or, with `callback` NULL, removes) the callback told of each item
/// that `ms_image_import` and `ms_image_import_session` take into `image`,
/// with the totals of the session (counted before the first event). A
/// cancel fails the import with `MS_E_IMAPI_REQUEST_CANCELLED` and leaves
/// the image as it was before it: the import may be made again. The
/// callback runs on the importing thread and must not use `image`.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_import_progress(
    image: MsImage,
    callback: MsImportProgressFn,
    context: *mut c_void,
) -> HResult {
    let hook = callback.map(|callback| {
        let c = CHook { callback, context };
        Arc::new(move |p: &ImportProgress<'_>| {
            let path = c_path(p.current_item);
            c.call(&MsImportProgress {
                file_system: p.file_system.bits(),
                current_item: path.as_ptr(),
                imported_directory_items: clamp(p.imported_directories),
                total_directory_items: clamp(p.total_directories),
                imported_file_items: clamp(p.imported_files),
                total_file_items: clamp(p.total_files),
            })
        }) as crate::fsi::ImportHook
    });
    set_on_image("ms_image_set_import_progress", image, |i| {
        i.set_import_progress(hook)
    })
}

/// Puts a hook on `image` (`set`), inside the export's boundary.
fn set_on_image(
    export: &'static str,
    image: MsImage,
    set: impl FnOnce(&mut crate::fsi::FileSystemImage),
) -> HResult {
    boundary::run(export, || handles::edit(image, set))
}

/// Sets (or, with `callback` NULL, removes) the file-copy callback of the
/// results created from `image` from now on: it is called as their file
/// data is read (`ms_result_read`, `ms_write` and its variants), on the
/// thread reading. A cancel fails that read with
/// `MS_E_IMAPI_REQUEST_CANCELLED` — in `ms_write`, exactly as a cancel
/// from its own callback: the previous session stays current and intact.
/// `context` must stay valid until those results are released.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_image_set_build_progress(
    image: MsImage,
    callback: MsBuildProgressFn,
    context: *mut c_void,
) -> HResult {
    let hook = callback.map(|callback| {
        let c = CHook { callback, context };
        Arc::new(move |p: &BuildProgress<'_>| {
            let path = c_path(p.current_file);
            c.call(&MsBuildProgress {
                current_file: path.as_ptr(),
                copied_sectors: clamp(p.copied_sectors),
                total_sectors: clamp(p.total_sectors),
            })
        }) as crate::fsi::BuildHook
    });
    set_on_image("ms_image_set_build_progress", image, |i| {
        i.set_build_progress(hook)
    })
}

/// The caller's erase callback as the writer's.
fn erase_adapter(
    callback: MsEraseProgressFn,
    context: *mut c_void,
) -> impl FnMut(&EraseProgress) -> Flow {
    let hook = callback.map(|callback| CHook { callback, context });
    move |p: &EraseProgress| match &hook {
        None => Flow::Continue,
        Some(c) => c.call(&MsEraseProgress {
            elapsed_seconds: p.elapsed.as_secs_f64(),
            estimated_total_seconds: p.estimated_total.as_secs_f64(),
        }),
    }
}

/// `ms_erase` with `DDiscFormat2EraseEvents`: one before the drive is
/// told (answering anything but `MS_CONTINUE` there returns
/// `MS_E_IMAPI_REQUEST_CANCELLED` with the medium unchanged), one per poll
/// while the drive reports the blank in progress (BLANK is sent with the
/// Immed bit), and one when it is done, with `elapsed_seconds` equal to
/// `estimated_total_seconds`. A drive cannot stop a blank it started, so later
/// answers are ignored. `callback` may be NULL.
///
/// Errors: those of `ms_erase`, `MS_E_IMAPI_REQUEST_CANCELLED`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_erase_with_progress(
    recorder: MsRecorder,
    full: bool,
    callback: MsEraseProgressFn,
    context: *mut c_void,
) -> HResult {
    boundary::run("ms_erase_with_progress", || {
        let recorder = handles::get(recorder)?;
        let mut progress = erase_adapter(callback, context);
        DataWriter::new(recorder, WriteOptions::default()).erase_with_progress(full, &mut progress)
    })
}

/// `ms_format` with the events and cancel rule of `ms_erase_with_progress`
/// (FORMAT UNIT is sent with the Immed bit and the drive polled).
///
/// Errors: those of `ms_format`, `MS_E_IMAPI_REQUEST_CANCELLED`.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_format_with_progress(
    recorder: MsRecorder,
    callback: MsEraseProgressFn,
    context: *mut c_void,
) -> HResult {
    boundary::run("ms_format_with_progress", || {
        let recorder = handles::get(recorder)?;
        let mut progress = erase_adapter(callback, context);
        DataWriter::new(recorder, WriteOptions::default()).format_with_progress(&mut progress)
    })
}
