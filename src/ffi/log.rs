//! `ms_set_log_callback`, `ms_version`: a program's log gets every command
//! sent to a drive (debug) and the detail of every failed call (warning),
//! without the library choosing a logging framework for it.

use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG};
use crate::mmc::cdb::{hex, op_name};
use crate::mmc::trace::{self, CommandTrace};
use crate::scsi::Sense;

use super::boundary;

/// `ms_set_log_callback` level: nothing is reported.
pub const MS_LOG_OFF: u32 = 0;
/// `ms_set_log_callback` level: the detail of every failed call, as
/// `ms_last_error_message` gives it ("ms_write: …").
pub const MS_LOG_WARNING: u32 = 1;
/// `ms_set_log_callback` level: also every command sent to a drive, with
/// its SCSI status and sense data ("READ DISC INFORMATION [51 00 …] on …:
/// CHECK CONDITION, sense 2/3A/00 …").
pub const MS_LOG_DEBUG: u32 = 2;

/// A log callback: `level` is `MS_LOG_WARNING` or `MS_LOG_DEBUG`, `message`
/// a NUL-terminated UTF-8 line valid only during the call. It is called on
/// whatever thread made the call or sent the command, possibly on several
/// at once, and must not call `ms_set_log_callback`.
pub type MsLogFn =
    Option<unsafe extern "C" fn(context: *mut c_void, level: u32, message: *const c_char)>;

struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, u32, *const c_char),
    context: *mut c_void,
}

// SAFETY: the caller of `ms_set_log_callback` promises that the callback
// may be called from any thread with `context` (the header says so).
unsafe impl Send for Sink {}
unsafe impl Sync for Sink {}

impl Sink {
    fn say(&self, level: u32, message: &str) {
        // An interior NUL cannot reach C as one string: cut there.
        let text = match CString::new(message) {
            Ok(text) => text,
            Err(e) => {
                let at = e.nul_position();
                CString::new(&message.as_bytes()[..at]).unwrap_or_default()
            }
        };
        // SAFETY: the caller's callback with the caller's context; the
        // string lives across the call.
        unsafe { (self.callback)(self.context, level, text.as_ptr()) }
    }
}

static SINK: ArcSwapOption<Sink> = ArcSwapOption::const_empty();
static LEVEL: AtomicU32 = AtomicU32::new(MS_LOG_OFF);

/// Reports `detail` of a failed call at warning level, when asked for.
pub(crate) fn warn(detail: &str) {
    if LEVEL.load(Ordering::Relaxed) < MS_LOG_WARNING {
        return;
    }
    if let Some(sink) = SINK.load_full() {
        sink.say(MS_LOG_WARNING, detail);
    }
}

fn describe(t: &CommandTrace<'_>) -> String {
    let op = t.cdb.first().map_or("(empty CDB)", |&op| op_name(op));
    let ms = t.elapsed.as_secs_f64() * 1000.0;
    let outcome = match (t.status, t.failure) {
        (_, Some(failure)) => format!("not completed: {failure}"),
        (Some(0x00), _) => "GOOD".to_string(),
        (Some(0x02), _) => match Sense::decode(t.sense) {
            Some(s) => format!(
                "CHECK CONDITION, sense {:X}/{:02X}/{:02X} {} [{}]",
                s.key,
                s.asc,
                s.ascq,
                s.description(),
                hex(t.sense)
            ),
            None => format!("CHECK CONDITION, unreadable sense [{}]", hex(t.sense)),
        },
        (Some(0x08), _) => "BUSY".to_string(),
        (Some(other), _) => format!("status {other:#04X}"),
        (None, None) => "no status".to_string(),
    };
    format!(
        "{op} [{}] on {}: {outcome} ({ms:.1} ms)",
        hex(t.cdb),
        t.device
    )
}

fn observe(t: &CommandTrace<'_>) {
    if LEVEL.load(Ordering::Relaxed) < MS_LOG_DEBUG {
        return;
    }
    if let Some(sink) = SINK.load_full() {
        sink.say(MS_LOG_DEBUG, &describe(t));
    }
}

/// Sends the library's log to `callback` (see `ms_log_fn`) up to `level`:
/// `MS_LOG_WARNING` for the detail of every failed call, `MS_LOG_DEBUG`
/// for every command sent to a drive as well; `MS_LOG_OFF` or a NULL
/// `callback` stops it. Process-wide; replaces an earlier callback. A call
/// already reporting on another thread may still reach the previous one.
///
/// Errors: `MS_E_INVALIDARG` (unknown level).
#[no_mangle]
#[must_use]
pub extern "C" fn ms_set_log_callback(
    level: u32,
    callback: MsLogFn,
    context: *mut c_void,
) -> HResult {
    boundary::run("ms_set_log_callback", || {
        if level > MS_LOG_DEBUG {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!("log level {level} is not one of MS_LOG_*"),
            ));
        }
        match callback {
            Some(callback) if level != MS_LOG_OFF => {
                SINK.store(Some(Arc::new(Sink { callback, context })));
                LEVEL.store(level, Ordering::Relaxed);
                if level >= MS_LOG_DEBUG {
                    trace::set_observer(Some(Box::new(observe)));
                } else {
                    trace::set_observer(None);
                }
            }
            _ => {
                LEVEL.store(MS_LOG_OFF, Ordering::Relaxed);
                trace::set_observer(None);
                SINK.store(None);
            }
        }
        Ok(())
    })
}

/// The library's version ("0.1.0", its Cargo package version), a static
/// NUL-terminated string: never freed, valid for the life of the process.
/// `ms_abi_version` gives the C ABI's numbers.
#[no_mangle]
pub extern "C" fn ms_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
