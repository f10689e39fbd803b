//! `include/multisession.h` compiles cleanly as C99, C11, C++98 and C++17
//! with every warning an error, also in a translation unit that already has
//! winerror.h's `typedef long HRESULT;`, with gcc/g++ and clang/clang++.
//! C++ adds `-Wold-style-cast` (except beside winerror.h's own C casts):
//! status codes are `case` labels and `MS_FAILED` tests there too, as in
//! any C++ code base that bans C casts.

use crate::support::one_line_tests;
use std::path::Path;
use std::process::Command;

const PLAIN: &str = r#"#include "multisession.h"
int probe(ms_hresult hr);
int probe(ms_hresult hr) { return MS_SUCCEEDED(hr) && !MS_FAILED(MS_E_POINTER); }
"#;

const AFTER_WINERROR: &str = r#"typedef long HRESULT;
#define S_OK ((HRESULT)0L)
#define E_POINTER ((HRESULT)0x80004003L)
#include "multisession.h"
HRESULT as_hresult(ms_hresult hr);
HRESULT as_hresult(ms_hresult hr) { return hr == MS_E_POINTER ? E_POINTER : (HRESULT)hr; }
"#;

/// Status codes as `case` labels (a C-style cast in a macro fails here
/// under `-Wold-style-cast`), the status macros, and a code compared in
/// `#if` (which only a cast-free literal allows).
const SWITCH: &str = r#"#include "multisession.h"
#if MS_E_HANDLE >= 0 || MS_S_FALSE != 1
#error status codes must be plain signed literals
#endif
int classify(ms_hresult hr);
int classify(ms_hresult hr) {
    switch (hr) {
    case MS_S_OK: return 0;
    case MS_E_HANDLE: return 1;
    case MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE: return 2;
    default: return MS_FAILED(hr) ? 3 : MS_SUCCEEDED(hr) ? 4 : 5;
    }
}
"#;

fn compile(compiler: &str, std: &str, cplusplus: bool, source: &str) {
    // winerror.h's own macros are C casts; the header must not add any.
    let no_c_casts = cplusplus && source != AFTER_WINERROR;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(if cplusplus { "tu.cpp" } else { "tu.c" });
    std::fs::write(&file, source).unwrap();
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let output = Command::new(compiler)
        .arg(format!("-std={std}"))
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-Wconversion",
            "-fsyntax-only",
        ])
        .args(no_c_casts.then_some("-Wold-style-cast"))
        .arg("-I")
        .arg(&include)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {compiler} ({e}); .ci/run installs the C toolchain (gcc, g++, clang)"
            )
        });
    assert!(
        output.status.success(),
        "{compiler} -std={std} rejected the header:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn matrix(c: &str, cxx: &str) {
    for source in [PLAIN, AFTER_WINERROR, SWITCH] {
        for std in ["c99", "c11"] {
            compile(c, std, false, source);
        }
        for std in ["c++98", "c++11", "c++17"] {
            compile(cxx, std, true, source);
        }
    }
}

one_line_tests! {
    header_compiles_with_gcc_in_every_language_mode: matrix("gcc", "g++");
    header_compiles_with_clang_in_every_language_mode: matrix("clang", "clang++");
}
