//! Progress events of the file-system image — IMAPI's
//! `DFileSystemImageImportEvents::UpdateImport` while a session is imported
//! and `DFileSystemImageEvents::Update` while a result's file data is
//! copied — and the caller's answer to each (go on or cancel).
//!
//! They live here, not in `burn`, because the image reports them and a
//! layer never reaches up: `burn` re-exports [`Flow`] for its own events.

use std::sync::Arc;

use super::FileSystems;

/// The caller's answer to a progress event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop as soon as it is safe; the operation returns
    /// `E_IMAPI_REQUEST_CANCELLED`.
    Cancel,
}

/// One `UpdateImport` event: an item of the session being imported was
/// taken into the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress<'a> {
    /// The file system being imported (one of ISO 9660, Joliet, UDF).
    pub file_system: FileSystems,
    /// Full path of the item just imported.
    pub current_item: &'a str,
    /// Directories taken in so far.
    pub imported_directories: u32,
    /// Directories in the session.
    pub total_directories: u32,
    /// Files and symbolic links.
    pub imported_files: u32,
    /// Files and symbolic links in the session.
    pub total_files: u32,
}

/// One `Update` event of a result being read: data of `current_file` was
/// copied. Like IMAPI, once before a file's first sector (`copied_sectors`
/// 0), after every MiB of it, and after its last sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildProgress<'a> {
    /// Full path of the file in the image.
    pub current_file: &'a str,
    /// Sectors of this file copied so far.
    pub copied_sectors: u32,
    /// Sectors of this file.
    pub total_sectors: u32,
}

/// A callback for [`ImportProgress`] events. Shared (`Fn`, `Arc`) because
/// the image that holds it is cloned and used from any thread.
pub type ImportHook = Arc<dyn Fn(&ImportProgress<'_>) -> Flow + Send + Sync>;
/// A callback for [`BuildProgress`] events; every result created from the
/// image gets it.
pub type BuildHook = Arc<dyn Fn(&BuildProgress<'_>) -> Flow + Send + Sync>;

/// An optional hook as a field of a `Debug + Clone` struct.
pub(crate) struct Hook<F: ?Sized>(pub(crate) Option<Arc<F>>);

impl<F: ?Sized> Clone for Hook<F> {
    fn clone(&self) -> Self {
        Hook(self.0.clone())
    }
}

impl<F: ?Sized> Default for Hook<F> {
    fn default() -> Self {
        Hook(None)
    }
}

impl<F: ?Sized> std::fmt::Debug for Hook<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(hook)"
        } else {
            "None"
        })
    }
}
