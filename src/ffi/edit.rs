//! `ms_image_add_*`, `ms_image_mkdir`, `ms_image_remove`, `ms_image_rename`,
//! `ms_image_stat`: the image's tree (`IFsiDirectoryItem` and friends).
//!
//! Paths inside the image are UTF-8, absolute and `/`-separated (`"/"` is
//! the root). Name rules follow the file systems to create, with the
//! engine's codes: `MS_IMAPI_E_INVALID_PATH`, `MS_IMAPI_E_DUP_NAME`,
//! `MS_IMAPI_E_RESTRICTED_NAME_VIOLATION`, `MS_IMAPI_E_DIR_NOT_FOUND`,
//! `MS_IMAPI_E_NOT_DIR`, `MS_IMAPI_E_ITEM_NOT_FOUND` …

use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::sync::Arc;

use crate::fsi::tree::{Content, Kind};
use crate::fsi::{DataSource, OnClash};
use crate::hresult::{HResult, MS_IMAPI_E_INVALID_PATH};

use super::boundary::{self, c_utf8, Out};
use super::handles;
use super::recorder::path_from;
use super::stream::CallbackSource;
use super::{MsImage, MsReadFn, MsReleaseFn, MS_ITEM_DIRECTORY, MS_ITEM_FILE, MS_ITEM_SYMLINK};

/// What is at a path of the image (`ms_image_stat`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsItemInfo {
    /// `MS_ITEM_DIRECTORY`, `MS_ITEM_FILE` or `MS_ITEM_SYMLINK`.
    pub kind: u32,
    /// Bytes of a file; 0 otherwise.
    pub size: u64,
    /// The file's data is already on the medium (imported), not new.
    pub on_medium: bool,
}

thread_local! {
    static PANIC_IN_NEXT_MKDIR: Cell<bool> = const { Cell::new(false) };
}

/// Makes the next `ms_image_mkdir` on this thread panic once the directory
/// is made, so a test can see what a panic half-way through a change does
/// to the handle. A Rust function, not a C symbol: C callers cannot reach
/// it, and the library the C tests link is the one shipped.
#[doc(hidden)]
pub fn panic_in_next_mkdir_for_tests() {
    PANIC_IN_NEXT_MKDIR.with(|armed| armed.set(true));
}

fn image_path<'a>(ptr: *const c_char, what: &str) -> crate::Result<&'a str> {
    c_utf8(ptr, what, MS_IMAPI_E_INVALID_PATH)
}

/// Adds the local file `local` as `path`. Its size and attributes are taken
/// now, its data read while the result is read. With `replace` it takes
/// the place of an existing entry (imported or not), else that is
/// `MS_IMAPI_E_DUP_NAME`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the name codes,
/// `MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE` (cannot stat `local`),
/// `MS_IMAPI_E_NOT_FILE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_add_file(
    image: MsImage,
    path: *const c_char,
    local: *const c_char,
    replace: bool,
) -> HResult {
    boundary::run("ms_image_add_file", || {
        let path = image_path(path, "path")?;
        let local = path_from(local, "local")?;
        handles::edit(image, |image| image.add_file(path, &local, replace))?
    })
}

/// `IFsiDirectoryItem::AddTree`: adds the local directory `local` under the
/// image directory `dest`, as `dest/<name of local>` with `include_base`,
/// else its contents. Directories that exist are merged; a clashing file
/// is replaced with `replace`, else `MS_IMAPI_E_DUP_NAME`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the name codes,
/// `MS_IMAPI_E_DIRECTORY_READ_FAILURE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_add_tree(
    image: MsImage,
    local: *const c_char,
    dest: *const c_char,
    include_base: bool,
    replace: bool,
) -> HResult {
    boundary::run("ms_image_add_tree", || {
        let local = path_from(local, "local")?;
        let dest = image_path(dest, "dest")?;
        let on_clash = if replace {
            OnClash::Replace
        } else {
            OnClash::Fail
        };
        handles::edit(image, |image| {
            image.add_tree(&local, dest, include_base, on_clash)
        })?
    })
}

/// Adds a file of `length` bytes whose data comes from `read` (see
/// `ms_read_fn`), called only while a result of the image is read, once
/// through the data. On success the library keeps `context` and calls
/// `release` (if not NULL) exactly once when it no longer needs it — after
/// the data was read, or when the image and every result holding the file
/// are released. On failure nothing is kept and `release` is not called.
/// `read` and `release` may be called from any thread.
///
/// A stream that ends before `length` bytes, or has more, fails the read
/// with `MS_IMAPI_E_DATA_STREAM_INCONSISTENCY`.
///
/// Errors: `MS_E_POINTER` (`path`, `read`), `MS_E_HANDLE`, the name codes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_add_stream(
    image: MsImage,
    path: *const c_char,
    length: u64,
    read: MsReadFn,
    release: MsReleaseFn,
    context: *mut c_void,
    replace: bool,
) -> HResult {
    boundary::run("ms_image_add_stream", || {
        let path = image_path(path, "path")?;
        let read =
            read.ok_or_else(|| crate::Error::new(crate::hresult::MS_E_POINTER, "`read` is NULL"))?;
        let source = Arc::new(CallbackSource::new(read, release, context));
        let shared: Arc<dyn DataSource> = source.clone();
        let added = handles::edit(image, |image| {
            image.add_source(path, length, shared, replace)
        })
        .and_then(|added| added);
        if added.is_err() {
            source.disarm();
        }
        added
    })
}

/// `IFsiDirectoryItem::AddDirectory`: creates the directory `path`; with
/// `parents` also the missing directories above it (then an existing
/// directory is no error).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the name codes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_mkdir(
    image: MsImage,
    path: *const c_char,
    parents: bool,
) -> HResult {
    boundary::run("ms_image_mkdir", || {
        let path = image_path(path, "path")?;
        handles::edit(image, |image| {
            let made = image.mkdir(path, parents);
            if PANIC_IN_NEXT_MKDIR.with(|armed| armed.replace(false)) {
                panic!("forced by panic_in_next_mkdir_for_tests after the directory was made");
            }
            made
        })?
    })
}

/// `IFsiDirectoryItem::Remove` (or `RemoveTree` with `recursive`): `path`
/// leaves the next session. Imported data stays on the medium,
/// unreferenced.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_ITEM_NOT_FOUND`,
/// `MS_IMAPI_E_DIR_NOT_EMPTY` (a full directory without `recursive`),
/// `MS_IMAPI_E_INVALID_PATH` (the root).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_remove(
    image: MsImage,
    path: *const c_char,
    recursive: bool,
) -> HResult {
    boundary::run("ms_image_remove", || {
        let path = image_path(path, "path")?;
        handles::edit(image, |image| image.remove(path, recursive))?
    })
}

/// Renames or moves `from` to `to` (whose parent must exist and which must
/// not). A directory cannot move into itself.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_ITEM_NOT_FOUND`,
/// `MS_IMAPI_E_DUP_NAME`, `MS_IMAPI_E_INVALID_PATH`, the name codes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_rename(
    image: MsImage,
    from: *const c_char,
    to: *const c_char,
) -> HResult {
    boundary::run("ms_image_rename", || {
        let from = image_path(from, "from")?;
        let to = image_path(to, "to")?;
        handles::edit(image, |image| image.rename(from, to))?
    })
}

/// What is at `path` in the image now (imported or added).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_ITEM_NOT_FOUND`,
/// `MS_IMAPI_E_INVALID_PATH`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_stat(
    image: MsImage,
    path: *const c_char,
    info: *mut MsItemInfo,
) -> HResult {
    boundary::run("ms_image_stat", || {
        let out = Out::new(info, "info")?;
        let path = image_path(path, "path")?;
        let info = handles::read(image, |image| -> crate::Result<MsItemInfo> {
            let tree = image.tree();
            let node = tree.node(tree.lookup(path)?);
            Ok(match &node.kind {
                Kind::Dir(_) => MsItemInfo {
                    kind: MS_ITEM_DIRECTORY,
                    size: 0,
                    on_medium: false,
                },
                Kind::Symlink(_) => MsItemInfo {
                    kind: MS_ITEM_SYMLINK,
                    size: 0,
                    on_medium: false,
                },
                Kind::File(f) => MsItemInfo {
                    kind: MS_ITEM_FILE,
                    size: f.size,
                    on_medium: matches!(f.content, Content::OnMedium(_)),
                },
            })
        })??;
        out.write(info);
        Ok(())
    })
}
