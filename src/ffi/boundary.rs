//! The edge between C and Rust: panics stop here, errors become an HRESULT
//! plus a thread-local detail message, and C pointers are checked and turned
//! into typed Rust values before any engine code runs.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use crate::error::{Error, Result};
use crate::hresult::{
    HResult, MS_E_INVALIDARG, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_OUTOFMEMORY, MS_E_POINTER,
    MS_E_UNEXPECTED, MS_S_OK,
};

thread_local! {
    /// Detail of the last failure on this thread; empty after a success.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs the body of export `name`: success clears the thread's last error,
/// a failure records `name: detail`, a panic becomes `MS_E_UNEXPECTED` with
/// the panic message as detail.
pub(crate) fn run(name: &'static str, body: impl FnOnce() -> Result<()>) -> HResult {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            // Cleared in place: a success, the common case, neither frees
            // nor moves a string (this showed in the getter benchmark).
            LAST_ERROR.with(|last| last.borrow_mut().clear());
            MS_S_OK
        }
        Ok(Err(e)) => failed(e.code(), format!("{name}: {}", e.detail())),
        Err(payload) => {
            super::handles::blame_unwound(Some(name));
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            failed(
                MS_E_UNEXPECTED,
                format!("{name}: internal error (panic): {what}"),
            )
        }
    }
}

#[cold]
#[inline(never)]
fn failed(code: HResult, detail: String) -> HResult {
    super::log::warn(&detail);
    LAST_ERROR.with(|last| *last.borrow_mut() = detail);
    code
}

/// Like [`run`] but leaves the thread's last error alone: for the functions
/// that read messages, so asking does not erase the answer.
/// The shape of every one-value getter: `get`'s answer into `*out` (named
/// `what` in the `MS_E_POINTER` message), written only on success.
pub(crate) fn getter<T>(
    name: &'static str,
    out: *mut T,
    what: &str,
    get: impl FnOnce() -> Result<T>,
) -> HResult {
    run(name, || {
        let out = Out::new(out, what)?;
        out.write(get()?);
        Ok(())
    })
}

pub(crate) fn run_quiet(body: impl FnOnce() -> Result<()>) -> HResult {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => MS_S_OK,
        Ok(Err(e)) => e.code(),
        Err(_) => {
            super::handles::blame_unwound(None);
            MS_E_UNEXPECTED
        }
    }
}

/// The thread's last failure detail.
pub(crate) fn last_error() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

fn null(what: &str) -> Error {
    Error::new(MS_E_POINTER, format!("`{what}` is NULL"))
}

/// An out-parameter: checked for NULL up front, written once at the end,
/// so a failing call leaves the caller's variable untouched.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// `ptr` must be NULL or point to writable, aligned storage for a `T`
    /// (the C caller's contract; NULL is the only violation we can see).
    pub(crate) fn new(ptr: *mut T, what: &str) -> Result<Out<T>> {
        NonNull::new(ptr).map(Out).ok_or_else(|| null(what))
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL checked in `new`; validity is the caller's contract.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// The `count` elements at `ptr`, copied (the caller's array is never kept).
///
/// `max` is the most elements the parameter can meaningfully hold; a
/// larger count can only be a caller's bug (a negative `int` turned into a
/// `size_t`, a byte count passed as an element count), and reading that far
/// would run past the caller's array. It is refused before the array is
/// touched, and the copy is allocated fallibly: whatever the count, the
/// answer is a code, never an abort of the host process.
pub(crate) fn array<T: Copy>(
    ptr: *const T,
    count: usize,
    max: usize,
    what: &str,
) -> Result<Vec<T>> {
    if ptr.is_null() {
        return Err(null(what));
    }
    let max = max.min(isize::MAX as usize / std::mem::size_of::<T>().max(1));
    if count > max {
        return Err(too_many(what, count, max));
    }
    let mut copy = Vec::new();
    copy.try_reserve_exact(count).map_err(|e| {
        Error::new(
            MS_E_OUTOFMEMORY,
            format!("no memory to copy {count} elements of `{what}`: {e}"),
        )
    })?;
    // SAFETY: non-NULL; the caller promises `count` readable elements.
    copy.extend_from_slice(unsafe { std::slice::from_raw_parts(ptr, count) });
    Ok(copy)
}

#[cold]
#[inline(never)]
fn too_many(what: &str, count: usize, max: usize) -> Error {
    Error::new(
        MS_E_INVALIDARG,
        format!("`{what}` {count} is more than the {max} it can describe"),
    )
}

/// The most bytes a caller buffer for a text result may claim. IMAPI hands
/// its strings as BSTRs, whose length is 32 bits, and no text of this
/// library comes near that; a larger `len` can only be a wrong value.
pub(crate) const MAX_TEXT_BUFFER: usize = u32::MAX as usize;

/// The most bytes a caller buffer for session blocks may claim: an LBA is
/// 32 bits, so no session, and no read of one, spans more than 2^32
/// blocks of 2048 bytes (8 TiB).
pub(crate) const MAX_BLOCKS_BUFFER: u64 = (u32::MAX as u64 + 1) * 2048;

/// Checks a caller buffer length against the most `what` can hold.
pub(crate) fn buffer_len(len: usize, max: u64, what: &str) -> Result<()> {
    if len as u64 > max || len > isize::MAX as usize {
        return Err(too_many(what, len, max.min(isize::MAX as u64) as usize));
    }
    Ok(())
}

/// A NUL-terminated input string as bytes.
pub(crate) fn c_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL; the caller promises a NUL-terminated string that
    // outlives this call.
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// A NUL-terminated UTF-8 input string (a path inside the image, a
/// volume name); other bytes give `bad_code`.
pub(crate) fn c_utf8<'a>(ptr: *const c_char, what: &str, bad_code: HResult) -> Result<&'a str> {
    std::str::from_utf8(c_str(ptr, what)?)
        .map_err(|e| Error::new(bad_code, format!("`{what}` is not UTF-8: {e}")))
}

/// A caller buffer for a string result, with its needed-size out-param.
pub(crate) struct StringOut {
    buf: *mut c_char,
    len: usize,
    needed: Out<usize>,
}

impl StringOut {
    /// `buf` may be NULL only with `len` 0 (a size query); `len` may not
    /// exceed [`MAX_TEXT_BUFFER`].
    pub(crate) fn new(buf: *mut c_char, len: usize, needed: *mut usize) -> Result<StringOut> {
        let needed = Out::new(needed, "needed")?;
        if buf.is_null() && len != 0 {
            return Err(null("buf"));
        }
        buffer_len(len, MAX_TEXT_BUFFER as u64, "len")?;
        Ok(StringOut { buf, len, needed })
    }

    /// Copies `text` and a NUL when it fits. `needed` (length + 1) is
    /// written either way: it is the answer a size query asks for, so it is
    /// also written on `MS_E_NOT_SUFFICIENT_BUFFER`.
    pub(crate) fn write(self, text: &str) -> Result<()> {
        let bytes = text.as_bytes();
        let needed = bytes.len() + 1;
        if self.len < needed {
            self.needed.write(needed);
            return Err(Error::new(
                MS_E_NOT_SUFFICIENT_BUFFER,
                format!("the text needs {needed} bytes, the buffer has {}", self.len),
            ));
        }
        // SAFETY: `buf` is non-NULL (len >= needed > 0) and the caller
        // promises `len` writable bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf.cast::<u8>(), bytes.len());
            self.buf.add(bytes.len()).write(0);
        }
        self.needed.write(needed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_unexpected_with_its_message_as_detail() {
        let code = run("ms_test", || panic!("boom {}", 7));
        assert_eq!(code, MS_E_UNEXPECTED);
        assert_eq!(last_error(), "ms_test: internal error (panic): boom 7");
    }

    #[test]
    fn success_clears_the_last_error_and_failure_sets_it() {
        run("ms_a", || Err(Error::new(MS_E_INVALIDARG, "bad")));
        assert_eq!(last_error(), "ms_a: bad");
        assert_eq!(run_quiet(|| Ok(())), MS_S_OK);
        assert_eq!(last_error(), "ms_a: bad", "quiet calls keep it");
        assert_eq!(run("ms_b", || Ok(())), MS_S_OK);
        assert_eq!(last_error(), "");
    }

    #[test]
    fn out_params_stay_untouched_on_failure() {
        let mut value = 41;
        let code = run("ms_x", || {
            let out = Out::new(&mut value as *mut i32, "value")?;
            let _ = out;
            Err(Error::new(MS_E_INVALIDARG, "no"))
        });
        assert_eq!(code, MS_E_INVALIDARG);
        assert_eq!(value, 41);
        let code = run("ms_x", || {
            Out::new(std::ptr::null_mut::<i32>(), "value").map(|_| ())
        });
        assert_eq!(code, MS_E_POINTER);
        assert_eq!(last_error(), "ms_x: `value` is NULL");
    }

    #[test]
    fn strings_fit_or_report_the_size_they_need() {
        let mut buf = [0x55 as c_char; 4];
        let mut needed = 0usize;
        let small = StringOut::new(buf.as_mut_ptr(), 3, &mut needed).unwrap();
        assert_eq!(
            small.write("abc").unwrap_err().code(),
            MS_E_NOT_SUFFICIENT_BUFFER
        );
        assert_eq!((needed, buf[0]), (4, 0x55));
        StringOut::new(buf.as_mut_ptr(), 4, &mut needed)
            .unwrap()
            .write("abc")
            .unwrap();
        assert_eq!(&buf, &[b'a' as c_char, b'b' as c_char, b'c' as c_char, 0]);
        let query = StringOut::new(std::ptr::null_mut(), 0, &mut needed).unwrap();
        assert!(query.write("hello").is_err());
        assert_eq!(needed, 6);
        assert_eq!(
            StringOut::new(std::ptr::null_mut(), 5, &mut needed)
                .err()
                .unwrap()
                .code(),
            MS_E_POINTER
        );
    }
}
