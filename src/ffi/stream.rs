//! A caller's read callback as the data of a file in the image.

use std::ffi::c_void;
use std::io::{self, Read};

use parking_lot::Mutex;

use crate::fsi::DataSource;
use crate::hresult::{self, failed};

use super::{MsReleaseFn, ReadCallback};

/// The callback, its context and the release hook, called on whatever
/// thread streams the result.
struct CStream {
    context: *mut c_void,
    read: ReadCallback,
    release: MsReleaseFn,
}

// SAFETY: the caller of `ms_image_add_stream` promises that the callbacks
// may be called from any thread with `context` (the header says so); the
// library calls them from one thread at a time (the source's mutex).
unsafe impl Send for CStream {}

impl Read for CStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut got = 0usize;
        // SAFETY: `buf` is valid for `buf.len()` bytes and `got` for one
        // usize; the callback's contract is to write at most that many.
        let status = unsafe { (self.read)(self.context, buf.as_mut_ptr(), buf.len(), &mut got) };
        if failed(status) {
            return Err(io::Error::other(format!(
                "the read callback returned {}",
                hresult::name(status)
                    .map_or_else(|| format!("{:#010X}", status as u32), str::to_string)
            )));
        }
        if got > buf.len() {
            return Err(io::Error::other(format!(
                "the read callback reported {got} bytes into a buffer of {}",
                buf.len()
            )));
        }
        Ok(got)
    }
}

impl Drop for CStream {
    fn drop(&mut self) {
        if let Some(release) = self.release {
            // SAFETY: called once, with the context it was registered with.
            unsafe { release(self.context) }
        }
    }
}

/// A caller stream as a [`DataSource`] that can be opened once. Dropping
/// it unopened, or dropping the opened reader, calls the release hook.
pub(crate) struct CallbackSource(Mutex<Option<CStream>>);

impl CallbackSource {
    /// The source for `read` (non-NULL) with `release` and `context`.
    pub(crate) fn new(
        read: ReadCallback,
        release: MsReleaseFn,
        context: *mut c_void,
    ) -> CallbackSource {
        CallbackSource(Mutex::new(Some(CStream {
            context,
            read,
            release,
        })))
    }

    /// Forgets the stream without calling its release hook: the context
    /// stays the caller's (a failed `ms_image_add_stream`).
    pub(crate) fn disarm(&self) {
        if let Some(mut stream) = self.0.lock().take() {
            stream.release = None;
        }
    }
}

impl std::fmt::Debug for CallbackSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("caller read callback")
    }
}

impl DataSource for CallbackSource {
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match self.0.lock().take() {
            Some(stream) => Ok(Box::new(stream)),
            None => Err(io::Error::other(
                "the caller's read callback was already consumed by an earlier result",
            )),
        }
    }
}
