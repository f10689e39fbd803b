//! The one fixture module of the integration tests, included by every test
//! binary (`#[path = "../support/mod.rs"] mod support;`). Each binary uses
//! a part of it, hence what is unused allowed here and nowhere else.
//!
//! - [`drive`]: an emulated drive spoken to in raw CDBs;
//! - [`discs`]: emulated discs opened as a `Recorder`, results written as a
//!   drive receives them, faults injected;
//! - [`trees`]: the content model trees are compared with, sessions written
//!   into image files;
//! - [`peers`]: xorriso, isoinfo, genisoimage, pycdlib, mkudffs, udfinfo;
//! - [`udf`]: UDF images made hostile by surgical edits;
//! - [`sessions`]: sessions made the way an application makes them;
//! - [`burn`]: generated files appended and snapshotted byte for byte;
//! - [`ffi`]: foreign programs built against the C library;
//! - [`tools`]: whether external programs are installed, scratch folders
//!   (shared with the CLI crate's tests).
#![allow(dead_code, unused_imports, unused_macros)]

pub mod burn;
pub mod discs;
pub mod drive;
pub mod ffi;
pub mod peers;
pub mod sessions;
pub mod tools;
pub mod trees;
pub mod udf;

/// The error of `result`, which must have failed with `code`; a wrong
/// code fails the test with the error's message.
#[track_caller]
pub fn fails_with<T: std::fmt::Debug>(
    result: multisession::Result<T>,
    code: multisession::HResult,
) -> multisession::Error {
    let e = result.unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    e
}

/// Tests whose body is one call, written `name: call;` each: the list of
/// cases reads as a table instead of repeating the test scaffolding.
macro_rules! one_line_tests {
    ($($(#[$doc:meta])* $name:ident: $body:expr;)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            $body;
        }
    )*};
}
pub(crate) use one_line_tests;

/// As [`fails_with`], the error's message naming `part` too.
#[track_caller]
pub fn fails_naming<T: std::fmt::Debug>(
    result: multisession::Result<T>,
    code: multisession::HResult,
    part: &str,
) -> multisession::Error {
    let e = fails_with(result, code);
    assert!(e.detail().contains(part), "{e}");
    e
}
