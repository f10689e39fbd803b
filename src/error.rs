//! The one internal error type and its one mapping to an HRESULT.
//!
//! Every failure carries the HRESULT a C caller will see plus a sentence of
//! context (which command, which LBA, which sidecar field). The context is
//! what `ms_last_error_message` returns, so it must be useful on its own.
//!
//! Beside the code every failure carries a typed [`Cause`]: one HRESULT
//! covers several causes (`E_INVALIDARG` is a drive refusing a field, an
//! empty CDB and a data phase too long for SG_IO), so code that reacts to
//! a failure asks the cause, never the number the C ABI happens to show.

use crate::hresult::{self, HResult};

/// Why a failure happened, as far as the layer that saw it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// Nothing beyond the code and its sentence ([`Error::new`]).
    Unspecified,
    /// The device answered CHECK CONDITION with this sense triple.
    Sense {
        /// Sense key: the class of the condition.
        key: u8,
        /// Additional sense code.
        asc: u8,
        /// Additional sense code qualifier.
        ascq: u8,
    },
    /// A host I/O call failed: its kind and, when the OS gave one, errno.
    Io {
        /// The portable kind, for decisions.
        kind: std::io::ErrorKind,
        /// The raw errno, for messages and the exact HRESULT.
        errno: Option<i32>,
    },
    /// Bytes read from a disc, image or reply did not hold what their
    /// format says: `what` was malformed, at byte `offset` of it when the
    /// parser knows where.
    Parse {
        /// The structure that was malformed ("directory record" …).
        what: &'static str,
        /// Byte offset of the fault within `what`, when known.
        offset: Option<u64>,
    },
    /// The caller asked for something the API does not allow: a bad
    /// argument, or a call in the wrong state.
    Misuse,
    /// The command never completed at the device: the host failed to
    /// deliver it, it timed out or the device went away.
    Transport,
    /// Someone else holds the resource (a writer lock, a held tray).
    Held,
    /// The caller asked the operation to stop.
    Cancelled,
    /// The medium or session holds nothing recorded.
    Blank,
    /// The session holds no volume this library reads (no ISO 9660,
    /// Joliet or UDF descriptors); an older session may. Not for a volume
    /// that is there but uses a feature we lack: that one is the answer.
    Unsupported,
}

impl Cause {
    /// The cause of a failed host I/O call.
    pub fn io(e: &std::io::Error) -> Cause {
        Cause::Io {
            kind: e.kind(),
            errno: e.raw_os_error(),
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Unspecified => f.write_str("unspecified"),
            Cause::Sense { key, asc, ascq } => write!(f, "sense {key:X}/{asc:02X}/{ascq:02X}"),
            Cause::Io {
                kind,
                errno: Some(errno),
            } => write!(f, "host I/O error: {kind} (errno {errno})"),
            Cause::Io { kind, errno: None } => write!(f, "host I/O error: {kind}"),
            Cause::Parse {
                what,
                offset: Some(offset),
            } => write!(f, "malformed {what} at byte {offset}"),
            Cause::Parse { what, offset: None } => write!(f, "malformed {what}"),
            Cause::Misuse => f.write_str("caller misuse"),
            Cause::Transport => f.write_str("command not delivered"),
            Cause::Held => f.write_str("held by another user"),
            Cause::Cancelled => f.write_str("cancelled"),
            Cause::Blank => f.write_str("nothing recorded"),
            Cause::Unsupported => f.write_str("recorded in a format not read here"),
        }
    }
}

impl std::error::Error for Cause {}

/// A failure: the HRESULT a C caller sees, a detail sentence and its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: HResult,
    detail: String,
    cause: Cause,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}, {:#010X})",
            self.detail,
            self.name(),
            self.code as u32
        )
    }
}

impl std::error::Error for Error {
    /// The typed cause, when one is known: a caller walking the chain
    /// (`anyhow`, the CLI) sees the sense or errno behind the code.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.cause {
            Cause::Unspecified => None,
            _ => Some(&self.cause),
        }
    }
}

impl Error {
    /// A failure with `code` (one of the `hresult::MS_*` failure codes)
    /// and no typed cause.
    pub fn new(code: HResult, detail: impl Into<String>) -> Self {
        Error::with_cause(code, Cause::Unspecified, detail)
    }

    /// A failure with `code` and the `cause` code above may react to.
    pub fn with_cause(code: HResult, cause: Cause, detail: impl Into<String>) -> Self {
        debug_assert!(
            hresult::failed(code),
            "Error::with_cause with a success code {code:#x}"
        );
        Error {
            code,
            detail: detail.into(),
            cause,
        }
    }

    /// A cancel asked for by a progress callback or a cancel token; `what`
    /// says where it stopped and what it left behind.
    pub fn cancelled(what: impl std::fmt::Display) -> Self {
        Error::with_cause(
            hresult::MS_E_IMAPI_REQUEST_CANCELLED,
            Cause::Cancelled,
            format!("cancelled {what}"),
        )
    }

    /// A caller's mistake: a bad argument or a call in the wrong state.
    pub fn misuse(code: HResult, detail: impl Into<String>) -> Self {
        Error::with_cause(code, Cause::Misuse, detail)
    }

    /// A failed host I/O call; a full file system, a file-size limit and
    /// a failing device get codes of their own ([`host_io_code`]), any
    /// other error `fallback`.
    pub fn io(fallback: HResult, e: &std::io::Error, detail: impl Into<String>) -> Self {
        Error::with_cause(host_io_code(e).unwrap_or(fallback), Cause::io(e), detail)
    }

    /// Malformed bytes: `what`, at byte `offset` when known.
    pub fn parse(
        code: HResult,
        what: &'static str,
        offset: impl Into<Option<u64>>,
        detail: impl Into<String>,
    ) -> Self {
        let offset = offset.into();
        Error::with_cause(code, Cause::Parse { what, offset }, detail)
    }

    /// The HRESULT for the C ABI.
    pub fn code(&self) -> HResult {
        self.code
    }

    /// Why it failed; what code above branches on.
    pub fn cause(&self) -> Cause {
        self.cause
    }

    /// The context sentence, without the code.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Microsoft's name of the code (`"IMAPI_E_IMAGE_TOO_BIG"`).
    pub fn name(&self) -> &'static str {
        hresult::name(self.code).unwrap_or("UNKNOWN")
    }

    /// The same error with `context: ` put in front of the detail, for
    /// callers that know more about where it happened.
    pub fn context(self, context: impl std::fmt::Display) -> Self {
        Error {
            detail: format!("{context}: {}", self.detail),
            ..self
        }
    }
}

/// Longest path text [`short_path`] gives, in characters: enough for the
/// file name and a few parent folders, short enough that a hostile
/// 10,000-level path does not flood a one-line message.
pub const SHORT_PATH_MAX: usize = 120;

/// `path` for a message: whole when it is short, else its last
/// components behind `…/` (at most [`SHORT_PATH_MAX`] characters; a
/// single overlong name keeps its end).
pub fn short_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if text.chars().count() <= SHORT_PATH_MAX {
        return text.into_owned();
    }
    let budget = SHORT_PATH_MAX - 2;
    let mut tail: Vec<String> = Vec::new();
    let mut used = 0;
    for part in text.rsplit('/').filter(|p| !p.is_empty()) {
        let len = part.chars().count() + 1;
        if used + len > budget {
            if tail.is_empty() {
                let skip = part.chars().count() - (budget - 1);
                tail.push(part.chars().skip(skip).collect());
            }
            break;
        }
        used += len;
        tail.push(part.to_owned());
    }
    tail.reverse();
    format!("…/{}", tail.join("/"))
}

/// The HRESULT that names a host file error a user can act on (a full
/// file system, a file-size limit, a failing device), if it is one.
pub fn host_io_code(e: &std::io::Error) -> Option<HResult> {
    host_errno_code(e.raw_os_error()?)
}

/// [`host_io_code`] for an errno already taken out of its `io::Error`
/// (a [`Cause::Io`]).
pub fn host_errno_code(errno: i32) -> Option<HResult> {
    match errno {
        libc::ENOSPC | libc::EDQUOT => Some(hresult::MS_E_WIN32_DISK_FULL),
        libc::EFBIG => Some(hresult::MS_E_WIN32_FILE_TOO_LARGE),
        libc::EIO => Some(hresult::MS_E_WIN32_IO_DEVICE),
        _ => None,
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds context to any `Result<_, Error>`.
pub trait ResultExt<T> {
    /// Prefixes the error's detail with `context` (what was being done),
    /// keeping its code and cause.
    fn context(self, context: impl std::fmt::Display) -> Result<T>;
}

impl<T> ResultExt<T> for Result<T> {
    fn context(self, context: impl std::fmt::Display) -> Result<T> {
        self.map_err(|e| e.context(context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hresult::*;

    #[test]
    fn display_names_the_code_and_keeps_the_detail() {
        let e = Error::new(MS_IMAPI_E_IMAGE_TOO_BIG, "needs 12 blocks, 3 free").context("append");
        assert_eq!(e.code(), MS_IMAPI_E_IMAGE_TOO_BIG);
        assert_eq!(e.detail(), "append: needs 12 blocks, 3 free");
        assert_eq!(
            e.to_string(),
            "append: needs 12 blocks, 3 free (IMAPI_E_IMAGE_TOO_BIG, 0xC0AAB121)"
        );
    }

    #[test]
    fn the_cause_is_the_source_and_survives_context() {
        use std::error::Error as _;
        let plain = Error::new(MS_E_FAIL, "no cause known");
        assert!(plain.source().is_none());
        let e = Error::with_cause(
            MS_E_INVALIDARG,
            Cause::Sense {
                key: 5,
                asc: 0x24,
                ascq: 0,
            },
            "READ TRACK INFORMATION refused",
        )
        .context("probe");
        assert_eq!(
            e.cause(),
            Cause::Sense {
                key: 5,
                asc: 0x24,
                ascq: 0
            }
        );
        assert_eq!(e.source().unwrap().to_string(), "sense 5/24/00");
        assert_eq!(e.code(), MS_E_INVALIDARG);
        assert_eq!(
            Error::misuse(MS_E_INVALIDARG, "empty CDB").cause(),
            Cause::Misuse
        );
        let p = Error::parse(MS_E_FAIL, "path table", 40, "short");
        assert_eq!(
            p.source().unwrap().to_string(),
            "malformed path table at byte 40"
        );
    }

    #[test]
    fn io_errors_carry_kind_and_errno_and_a_code_the_user_can_act_on() {
        let full = Error::io(
            MS_E_FAIL,
            &std::io::Error::from_raw_os_error(libc::ENOSPC),
            "write",
        );
        assert_eq!(full.code(), MS_E_WIN32_DISK_FULL);
        assert_eq!(
            full.cause(),
            Cause::Io {
                kind: std::io::ErrorKind::StorageFull,
                errno: Some(libc::ENOSPC)
            }
        );
        let other = Error::io(
            MS_E_FAIL,
            &std::io::Error::from_raw_os_error(libc::ENOENT),
            "open",
        );
        assert_eq!(other.code(), MS_E_FAIL);
        assert!(matches!(
            other.cause(),
            Cause::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ));
    }

    #[test]
    fn short_path_keeps_short_paths_and_the_tail_of_deep_ones() {
        let short = std::path::Path::new("/tmp/disc.img");
        assert_eq!(short_path(short), "/tmp/disc.img");
        let deep: std::path::PathBuf = std::iter::once("/".to_string())
            .chain((0..10_000).map(|i| format!("d{i}")))
            .chain(["last.img".to_string()])
            .collect();
        let shown = short_path(&deep);
        assert!(shown.chars().count() <= SHORT_PATH_MAX, "{shown}");
        assert!(
            shown.starts_with("…/") && shown.ends_with("/d9999/last.img"),
            "{shown}"
        );
        let long_name = std::path::PathBuf::from(format!("/x/{}end", "n".repeat(300)));
        let shown = short_path(&long_name);
        assert!(
            shown.chars().count() <= SHORT_PATH_MAX && shown.ends_with("nnend"),
            "{shown}"
        );
    }

    #[test]
    fn host_io_errors_get_codes_that_name_the_cause() {
        let code = |errno| host_io_code(&std::io::Error::from_raw_os_error(errno));
        assert_eq!(code(libc::ENOSPC), Some(MS_E_WIN32_DISK_FULL));
        assert_eq!(code(libc::EFBIG), Some(MS_E_WIN32_FILE_TOO_LARGE));
        assert_eq!(code(libc::EIO), Some(MS_E_WIN32_IO_DEVICE));
        assert_eq!(code(libc::ENOENT), None);
    }
}
