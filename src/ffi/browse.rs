//! `ms_image_open_dir`, `ms_dir_*`, `ms_image_open_file`, `ms_file_*`:
//! browsing an image's tree and reading imported files back from the
//! medium — enough for a disc browser or a restore tool.

use std::ffi::c_char;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fsi::tree::{Content, Kind};
use crate::fsi::MediumFile;
use crate::hresult::{HResult, MS_E_INVALIDARG, MS_E_POINTER, MS_IMAPI_E_NOT_DIR};

use super::boundary::{self, buffer_len, c_utf8, Out, StringOut, MAX_BLOCKS_BUFFER};
use super::handles::{self, Guarded};
use super::{MsDir, MsFile, MsImage, MS_ITEM_DIRECTORY, MS_ITEM_FILE, MS_ITEM_SYMLINK};
use crate::hresult::MS_IMAPI_E_INVALID_PATH;

/// One entry of a directory snapshot.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    name: String,
    info: MsDirEntry,
    target: String,
}

/// A directory entry's attributes (`ms_dir_get`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsDirEntry {
    /// `MS_ITEM_DIRECTORY`, `MS_ITEM_FILE` or `MS_ITEM_SYMLINK`.
    pub kind: u32,
    /// Bytes of a file as the medium stores it (a zisofs file: compressed);
    /// 0 otherwise.
    pub size: u64,
    /// Modification time in seconds since 1970 (UTC); valid only with
    /// `has_mtime` (items created in memory get the build time later).
    pub mtime: i64,
    pub has_mtime: bool,
    /// POSIX permission bits (`0o7777`), as Rock Ridge records them or the
    /// defaults of a tree without it.
    pub mode: u32,
    /// The file's data is on the medium (imported), readable with
    /// `ms_image_open_file`; false for items added to the image.
    pub on_medium: bool,
}

fn image_path<'a>(ptr: *const c_char) -> Result<&'a str> {
    c_utf8(ptr, "path", MS_IMAPI_E_INVALID_PATH)
}

/// A new directory handle holding a snapshot of the entries of directory
/// `path` of `image`, in name order: later edits of the image do not change
/// it. Read it with `ms_dir_count`, `ms_dir_get`, `ms_dir_name` and
/// `ms_dir_target`; release it with `ms_dir_release`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_INVALID_PATH`,
/// `MS_IMAPI_E_ITEM_NOT_FOUND`, `MS_IMAPI_E_DIR_NOT_FOUND`,
/// `MS_IMAPI_E_NOT_DIR`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_open_dir(
    image: MsImage,
    path: *const c_char,
    dir: *mut MsDir,
) -> HResult {
    boundary::getter("ms_image_open_dir", dir, "dir", || {
        let path = image_path(path)?;
        let entries = handles::read(image, |image| -> Result<Vec<Entry>> {
            let tree = image.tree();
            let node = tree.node(tree.lookup(path)?);
            if !node.is_dir() {
                return Err(Error::new(
                    MS_IMAPI_E_NOT_DIR,
                    format!("{path} is not a directory"),
                ));
            }
            Ok(node
                .children()
                .map(|(name, id)| {
                    let child = tree.node(id);
                    let (kind, size, on_medium, target) = match &child.kind {
                        Kind::Dir(_) => (MS_ITEM_DIRECTORY, 0, false, String::new()),
                        Kind::File(data) => (
                            MS_ITEM_FILE,
                            data.size,
                            matches!(data.content, Content::OnMedium(_)),
                            String::new(),
                        ),
                        Kind::Symlink(target) => (MS_ITEM_SYMLINK, 0, false, target.to_string()),
                    };
                    let mtime = child.attrs.times().map(|t| t.modified);
                    Entry {
                        name: name.to_owned(),
                        info: MsDirEntry {
                            kind,
                            size,
                            mtime: mtime.unwrap_or(0),
                            has_mtime: mtime.is_some(),
                            mode: child.attrs.mode,
                            on_medium,
                        },
                        target,
                    }
                })
                .collect())
        })??;
        handles::insert(Arc::new(entries))
    })
}

/// The number of entries in `dir`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_dir_count(dir: MsDir, count: *mut usize) -> HResult {
    boundary::getter("ms_dir_count", count, "count", || {
        handles::with(dir, Vec::len)
    })
}

fn entry_of<R>(dir: MsDir, index: usize, f: impl FnOnce(&Entry) -> R) -> Result<R> {
    handles::with(dir, |entries| match entries.get(index) {
        Some(entry) => Ok(f(entry)),
        None => Err(Error::new(
            MS_E_INVALIDARG,
            format!(
                "index {index} is past the {} entries of the directory",
                entries.len()
            ),
        )),
    })?
}

/// The attributes of entry `index` (from 0) of `dir`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (index out of range).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_dir_get(dir: MsDir, index: usize, entry: *mut MsDirEntry) -> HResult {
    boundary::getter("ms_dir_get", entry, "entry", || {
        entry_of(dir, index, |e| e.info)
    })
}

/// The name (UTF-8) of entry `index` of `dir` into `buf`; `*needed` and
/// the `len` limit as for `ms_status_describe`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG`,
/// `MS_E_NOT_SUFFICIENT_BUFFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_dir_name(
    dir: MsDir,
    index: usize,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    entry_text("ms_dir_name", dir, index, (buf, len, needed), |e| &e.name)
}

/// The string getters of an entry: one text of entry `index` into the
/// caller's buffer.
fn entry_text(
    export: &'static str,
    dir: MsDir,
    index: usize,
    (buf, len, needed): (*mut c_char, usize, *mut usize),
    text: impl FnOnce(&Entry) -> &str,
) -> HResult {
    boundary::run(export, || {
        let out = StringOut::new(buf, len, needed)?;
        let value = entry_of(dir, index, |e| text(e).to_owned())?;
        out.write(&value)
    })
}

/// The target of symbolic link entry `index` of `dir` into `buf` (empty
/// for other kinds); `*needed` and the `len` limit as for
/// `ms_status_describe`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG`,
/// `MS_E_NOT_SUFFICIENT_BUFFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_dir_target(
    dir: MsDir,
    index: usize,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    entry_text("ms_dir_target", dir, index, (buf, len, needed), |e| {
        &e.target
    })
}

/// Releases a directory handle.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
pub extern "C" fn ms_dir_release(dir: MsDir) -> HResult {
    boundary::run("ms_dir_release", || handles::remove(dir))
}

/// An open medium file and the position `ms_file_read` continues from.
pub(crate) struct Cursor {
    file: MediumFile,
    position: u64,
}

/// A new file handle that reads the data of the imported file `path` of
/// `image` back from the medium, through the recorder of the image's
/// chosen multisession object. Items added to the image are not on the
/// medium yet: `MS_E_INVALIDARG`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_IMAPI_E_INVALID_PATH`,
/// `MS_IMAPI_E_ITEM_NOT_FOUND`, `MS_IMAPI_E_NOT_FILE`, `MS_E_INVALIDARG`,
/// `MS_IMAPI_E_MULTISESSION_NOT_SET`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_open_file(
    image: MsImage,
    path: *const c_char,
    file: *mut MsFile,
) -> HResult {
    boundary::getter("ms_image_open_file", file, "file", || {
        let path = image_path(path)?;
        let opened = handles::read(image, |image| image.open_on_medium(path))??;
        handles::insert(Arc::new(Guarded::new(Cursor {
            file: opened,
            position: 0,
        })))
    })
}

/// The size in bytes of the file behind `file`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_file_size(file: MsFile, size: *mut u64) -> HResult {
    boundary::getter("ms_file_size", size, "size", || {
        handles::read(file, |c| c.file.size())
    })
}

fn read_buffer<'a>(
    buf: *mut u8,
    len: usize,
    read: *mut usize,
) -> Result<(&'a mut [u8], Out<usize>)> {
    let read = Out::new(read, "read")?;
    if buf.is_null() && len != 0 {
        return Err(Error::new(MS_E_POINTER, "`buf` is NULL"));
    }
    buffer_len(len, MAX_BLOCKS_BUFFER, "len")?;
    let slice = if len == 0 {
        &mut [][..]
    } else {
        // SAFETY: non-NULL; the caller promises `len` writable bytes.
        unsafe { std::slice::from_raw_parts_mut(buf, len) }
    };
    Ok((slice, read))
}

/// Reads up to `len` bytes at byte `offset` of the file into `buf`;
/// `*read` receives how many, fewer than `len` only at the end of the file
/// (0 at or past it). Does not move the position of `ms_file_read`.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (`len` above
/// 2^43), the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_file_read_at(
    file: MsFile,
    offset: u64,
    buf: *mut u8,
    len: usize,
    read: *mut usize,
) -> HResult {
    boundary::run("ms_file_read_at", || {
        let (slice, out) = read_buffer(buf, len, read)?;
        let got = handles::read(file, |c| c.file.read_at(offset, slice))??;
        out.write(got);
        Ok(())
    })
}

/// Reads up to `len` bytes from the file's position (0 after opening) into
/// `buf` and moves the position past them; `*read` receives how many, 0 at
/// the end of the file.
///
/// Errors: as `ms_file_read_at`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_file_read(
    file: MsFile,
    buf: *mut u8,
    len: usize,
    read: *mut usize,
) -> HResult {
    boundary::run("ms_file_read", || {
        let (slice, out) = read_buffer(buf, len, read)?;
        let got = handles::edit(file, |c| -> Result<usize> {
            let got = c.file.read_at(c.position, slice)?;
            c.position += got as u64;
            Ok(got)
        })??;
        out.write(got);
        Ok(())
    })
}

/// Releases a file handle.
///
/// Errors: `MS_E_HANDLE`.
#[no_mangle]
pub extern "C" fn ms_file_release(file: MsFile) -> HResult {
    boundary::run("ms_file_release", || handles::remove(file))
}
