//! `ms_write_stream`, `ms_write_iso_file`: a stream the library did not
//! build, or an ISO image file, written as the next session
//! (`IDiscFormat2Data::Write(IStream)`, `growisofs -M dev=img.iso`).

use std::ffi::{c_char, c_void};
use std::io::Read;

use crate::burn::DataWriter;
use crate::error::Error;
use crate::hresult::{HResult, MS_E_POINTER, MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE};

use super::boundary;
use super::handles;
use super::recorder::path_from;
use super::stream::CallbackSource;
use super::write::{options_from, progress_adapter, MsProgressFn, MsWriteOptions};
use super::{MsReadFn, MsRecorder, MsReleaseFn};
use crate::fsi::DataSource;

fn write_reader(
    recorder: MsRecorder,
    size: u64,
    reader: Box<dyn Read + Send>,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    context: *mut c_void,
) -> crate::Result<()> {
    let options = options_from(options);
    let recorder = handles::get(recorder)?;
    let mut progress = progress_adapter(callback, context);
    DataWriter::new(recorder, options)
        .write_stream(size, reader, &mut progress)
        .map(drop)
}

/// Writes `size` bytes that `read` delivers (the contract of `ms_read_fn`)
/// as the next session on the medium in `recorder`, padded with zeros to
/// whole blocks: at the next writable address on sequential media; on
/// overwritable media at 0 when blank, else after the volume LBA 16
/// describes — there the stream must be an ISO 9660 image, whose
/// descriptors are written to LBA 16 last (growisofs' commit). An ISO
/// image must have been built for the address it lands at
/// (`ms_image_session_start_block`; genisoimage `-C previous,next -M`).
/// `release` (may be NULL) is called once when the library is done with
/// `context`, also on failure. The recorder is locked for writing and the
/// medium checked before `read` is first called: a drive held by another
/// writer or exclusively by another client, or a medium that takes no
/// session (finalized, write-protected, read-only), fails without a call. Options, progress, cancel, verify and crash
/// safety as for `ms_write`.
///
/// Errors: `MS_E_POINTER` (`read` NULL), `MS_E_HANDLE`, `MS_E_INVALIDARG`
/// (empty; an ISO built for another address; a non-ISO stream for a later
/// session on overwritable media),
/// `MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA`,
/// `MS_IMAPI_E_DATA_STREAM_READ_FAILURE` (the callback failed or ended
/// early), and those of `ms_write`.
#[no_mangle]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ms_write_stream(
    recorder: MsRecorder,
    size: u64,
    read: MsReadFn,
    release: MsReleaseFn,
    context: *mut c_void,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    callback_context: *mut c_void,
) -> HResult {
    boundary::run("ms_write_stream", || {
        let Some(read) = read else {
            if let Some(release) = release {
                // SAFETY: the caller's hook with its context, called once.
                unsafe { release(context) };
            }
            return Err(Error::new(MS_E_POINTER, "`read` is NULL"));
        };
        let source = CallbackSource::new(read, release, context);
        let reader = source
            .open()
            .map_err(|e| Error::new(MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE, e.to_string()))?;
        write_reader(recorder, size, reader, options, callback, callback_context)
    })
}

/// Writes the ISO image file at `path` as the next session, as
/// `ms_write_stream` does with its bytes (`cdrecord image.iso`,
/// `growisofs -M /dev/dvd=image.iso`).
///
/// Errors: `MS_E_POINTER`, `MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE` (cannot
/// open or stat `path`), and those of `ms_write_stream`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_write_iso_file(
    recorder: MsRecorder,
    path: *const c_char,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    callback_context: *mut c_void,
) -> HResult {
    boundary::run("ms_write_iso_file", || {
        let path = path_from(path, "path")?;
        let file = std::fs::File::open(&path).map_err(|e| {
            Error::new(
                MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE,
                format!("{}: {e}", path.display()),
            )
        })?;
        let size = file
            .metadata()
            .map_err(|e| {
                Error::new(
                    MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE,
                    format!("{}: {e}", path.display()),
                )
            })?
            .len();
        write_reader(
            recorder,
            size,
            Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
            options,
            callback,
            callback_context,
        )
    })
}
