//! The one internal error type and its one mapping to an HRESULT.
//!
//! Every failure carries the HRESULT a C caller will see plus a sentence of
//! context (which command, which LBA, which sidecar field). The context is
//! what `ms_last_error_message` returns, so it must be useful on its own.

use crate::hresult::{self, HResult};

/// A failure: the HRESULT a C caller sees plus a detail sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail} ({name}, {code:#010X})", name = self.name(), code = self.code as u32)]
pub struct Error {
    code: HResult,
    detail: String,
}

impl Error {
    /// A failure with `code` (one of the `hresult::MS_*` failure codes).
    pub fn new(code: HResult, detail: impl Into<String>) -> Self {
        debug_assert!(
            hresult::failed(code),
            "Error::new with a success code {code:#x}"
        );
        Error {
            code,
            detail: detail.into(),
        }
    }

    /// The HRESULT for the C ABI.
    pub fn code(&self) -> HResult {
        self.code
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
            code: self.code,
            detail: format!("{context}: {}", self.detail),
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
    match e.raw_os_error()? {
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
