//! The C ABI: a thin skin over the Rust API, and the only place that sees C
//! types or raw pointers.
//!
//! Conventions (the header repeats them):
//! - every function returns an `ms_hresult` with Microsoft's values
//!   (`MS_S_OK`, `MS_E_POINTER`, `MS_IMAPI_E_*` …) except `ms_abi_version`;
//! - results go through trailing out-parameters, written only on success
//!   (one exception: the `needed` size of a string result is also written
//!   with `MS_E_NOT_SUFFICIENT_BUFFER`);
//! - objects are reached through handles, one-field structs of one type per
//!   kind; a zero, released, stale or wrong-kind handle gives `MS_E_HANDLE`;
//!   every handle a function hands out must be released with the release
//!   function of its kind, and releasing a handle never invalidates others
//!   to the same object;
//! - a NULL pointer argument gives `MS_E_POINTER`;
//! - `ms_last_error_message` gives the detail of the calling thread's last
//!   failure; a success clears it;
//! - a panic inside the library gives `MS_E_UNEXPECTED`; when it happened
//!   while an image or result was being changed, that handle stays broken
//!   (every later call on it is `MS_E_UNEXPECTED`, its release still works);
//! - a count or length beyond what its parameter can describe (documented
//!   per function) gives `MS_E_INVALIDARG` before the memory is touched;
//! - every function may be called from any thread, on shared handles too.

#![allow(clippy::missing_safety_doc)]

mod boundary;
mod browse;
mod cancel;
mod constants;
mod disc;
mod drives;
mod edit;
mod emulator;
mod exclusive;
mod handles;
mod image;
mod list;
mod log;
mod multisession;
mod progress;
mod recorder;
mod result;
mod speed;
mod status;
mod stream;
mod tray;
mod udf;
mod write;
mod write_stream;

pub use browse::*;
pub use cancel::*;
pub use constants::*;
pub use disc::*;
pub use drives::*;
#[doc(hidden)]
pub use edit::panic_in_next_mkdir_for_tests;
pub use edit::{
    ms_image_add_file, ms_image_add_stream, ms_image_add_tree, ms_image_mkdir, ms_image_remove,
    ms_image_rename, ms_image_stat, MsItemInfo,
};
pub use emulator::{ms_emulator_create, ms_emulator_create_ex};
pub use exclusive::*;
pub use image::*;
pub use list::{ms_list_count, ms_list_get, ms_list_release};
pub use log::{ms_set_log_callback, ms_version, MsLogFn, MS_LOG_DEBUG, MS_LOG_OFF, MS_LOG_WARNING};
pub use multisession::*;
pub use progress::*;
pub use recorder::{
    ms_recorder_identity, ms_recorder_media_info, ms_recorder_multisession_interfaces,
    ms_recorder_open, ms_recorder_release, MsMediaInfo,
};
pub use result::*;
pub use speed::*;
pub use status::{ms_abi_version, ms_last_error_message, ms_status_describe};
pub use tray::*;
pub use udf::{
    ms_image_get_create_redundant_udf_metadata_files, ms_image_get_udf_revision,
    ms_image_get_udf_revisions_supported, ms_image_set_create_redundant_udf_metadata_files,
    ms_image_set_udf_revision,
};
pub use write::*;
pub use write_stream::{ms_write_iso_file, ms_write_stream};

use std::ffi::c_void;
use std::sync::Arc;

use crate::fsi::{FileSystemImage, ResultImage};
use crate::hresult::HResult;
use crate::recorder::Recorder;
use crate::session::Multisession;

use handles::{Guarded, Handle, HandleTable};

/// Major version of the C ABI; changes break callers.
pub const MS_ABI_VERSION_MAJOR: u32 = 1;
/// Minor version of the C ABI; changes only add.
pub const MS_ABI_VERSION_MINOR: u32 = 4;

/// `ms_multisession_kind`: an `IMultisessionSequential2` object.
pub const MS_MULTISESSION_SEQUENTIAL: u32 = 1;
/// `ms_multisession_kind`: an `IMultisessionRandomWrite` object.
pub const MS_MULTISESSION_RANDOM_WRITE: u32 = 2;
/// `ms_multisession_kind`: a BD-R Pseudo-Overwrite object (extension).
pub const MS_MULTISESSION_PSEUDO_OVERWRITE: u32 = 3;

/// `ms_recorder_identity` field: INQUIRY vendor identification.
pub const MS_IDENTITY_VENDOR: u32 = 0;
/// `ms_recorder_identity` field: INQUIRY product identification.
pub const MS_IDENTITY_PRODUCT: u32 = 1;
/// `ms_recorder_identity` field: INQUIRY product revision level.
pub const MS_IDENTITY_REVISION: u32 = 2;

/// A drive, real or emulated (`IDiscRecorder2`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsRecorder {
    pub id: u64,
}

/// An immutable list of multisession objects (the SAFEARRAY of IMAPI).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsList {
    pub id: u64,
}

/// One multisession object (`IMultisession` and its derived interfaces).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsMultisession {
    pub id: u64,
}

/// A file-system image (`IFileSystemImage`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsImage {
    pub id: u64,
}

/// A built session (`IFileSystemImageResult`), streamed on demand.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsResult {
    pub id: u64,
}

/// A snapshot of one directory of an image (`ms_image_open_dir`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsDir {
    pub id: u64,
}

/// An imported file read back from the medium (`ms_image_open_file`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsFile {
    pub id: u64,
}

/// A cancel request for writes, made from any thread (`ms_cancel_new`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsCancel {
    pub id: u64,
}

/// `FsiFileSystems`: ISO 9660.
pub const MS_FS_ISO9660: u32 = 1;
/// `FsiFileSystems`: Joliet.
pub const MS_FS_JOLIET: u32 = 2;
/// `FsiFileSystems`: UDF (imported at every revision; written as ISO 9660 + UDF bridge or UDF-only sessions, revisions 1.02–2.50).
pub const MS_FS_UDF: u32 = 4;
/// `FsiFileSystems`: something file-system-like that is not recognised.
pub const MS_FS_UNKNOWN: u32 = 0x4000_0000;

/// `ms_item_info.kind`: a directory.
pub const MS_ITEM_DIRECTORY: u32 = 1;
/// `ms_item_info.kind`: a regular file.
pub const MS_ITEM_FILE: u32 = 2;
/// `ms_item_info.kind`: a symbolic link (Rock Ridge).
pub const MS_ITEM_SYMLINK: u32 = 3;

/// What a progress callback answers: go on.
pub const MS_CONTINUE: u32 = 0;
/// What a progress callback answers: stop the write as soon as it is safe;
/// `ms_write` returns `MS_E_IMAPI_REQUEST_CANCELLED`.
pub const MS_CANCEL: u32 = 1;

/// A caller's data for `ms_image_add_stream`: writes up to `len` bytes into
/// `buf`, stores how many in `*read` (0 at the end) and returns `MS_S_OK`,
/// or a failure code that fails the result read with
/// `MS_IMAPI_E_DATA_STREAM_READ_FAILURE`. Called while the result is read
/// (`ms_result_read`, `ms_write`), from the thread doing that.
pub type MsReadFn = Option<
    unsafe extern "C" fn(
        context: *mut c_void,
        buf: *mut u8,
        len: usize,
        read: *mut usize,
    ) -> HResult,
>;

/// Called once when the library no longer needs a stream's `context`.
pub type MsReleaseFn = Option<unsafe extern "C" fn(context: *mut c_void)>;

/// The non-NULL form of [`MsReadFn`].
type ReadCallback = unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> HResult;

static RECORDERS: HandleTable<Recorder> = HandleTable::new();
static LISTS: HandleTable<Vec<Multisession>> = HandleTable::new();
static MULTISESSIONS: HandleTable<Multisession> = HandleTable::new();
static IMAGES: HandleTable<Guarded<FileSystemImage>> = HandleTable::new();
static RESULTS: HandleTable<Guarded<ResultImage>> = HandleTable::new();
static DIRS: HandleTable<Vec<browse::Entry>> = HandleTable::new();
static FILES: HandleTable<Guarded<browse::Cursor>> = HandleTable::new();
static CANCELS: HandleTable<crate::burn::CancelToken> = HandleTable::new();

macro_rules! handle_kind {
    ($handle:ident, $kind:expr, $name:expr, $target:ty, $table:ident) => {
        impl Handle for $handle {
            const KIND: u8 = $kind;
            const NAME: &'static str = $name;
            type Target = $target;
            fn id(self) -> u64 {
                self.id
            }
            fn from_id(id: u64) -> Self {
                $handle { id }
            }
            fn table() -> &'static HandleTable<$target> {
                &$table
            }
        }
    };
}

handle_kind!(MsRecorder, 1, "ms_recorder", Recorder, RECORDERS);
handle_kind!(MsList, 2, "ms_list", Vec<Multisession>, LISTS);
handle_kind!(
    MsMultisession,
    3,
    "ms_multisession",
    Multisession,
    MULTISESSIONS
);
handle_kind!(MsImage, 4, "ms_image", Guarded<FileSystemImage>, IMAGES);
handle_kind!(MsResult, 5, "ms_result", Guarded<ResultImage>, RESULTS);
handle_kind!(MsDir, 6, "ms_dir", Vec<browse::Entry>, DIRS);
handle_kind!(MsFile, 7, "ms_file", Guarded<browse::Cursor>, FILES);
handle_kind!(MsCancel, 8, "ms_cancel", crate::burn::CancelToken, CANCELS);

/// A new list handle over `list`.
fn new_list(list: Vec<Multisession>) -> crate::Result<MsList> {
    handles::insert(Arc::new(list))
}
