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
}
