//! A C++ consumer of the C library: tests/cpp/raii.cpp wraps every handle
//! in a move-only owner and failures in an exception carrying the
//! ms_hresult and ms_last_error_message, then runs the msinfo flow and an
//! append on emulated CD-R and DVD+RW discs. Built as C++11 and C++17 with
//! -Wall -Wextra -Werror -pedantic against include/multisession.h and the
//! cdylib cargo built for this test run; run plain and under valgrind (no
//! errors, no leaks). Each run ends with "N passed, N failed".
//!
//! g++ and valgrind are not optional: `.ci/run` (scripts/test-all)
//! installs them, and a missing one fails the test.

#[path = "ffi_support/mod.rs"]
mod ffi_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use ffi_support::{assert_passed, deps_dir, foreign_program, require, run_ok, valgrind};

fn compile(source: &str, standard: &str, out_dir: &Path) -> PathBuf {
    require("g++");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let deps = deps_dir();
    let stem = Path::new(source).file_stem().unwrap().to_string_lossy();
    let exe = out_dir.join(format!("{stem}-{standard}"));
    run_ok(
        &format!("g++ -std={standard} {source}"),
        Command::new("g++")
            .arg(format!("-std={standard}"))
            .args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-pthread"])
            .arg("-I")
            .arg(root.join("include"))
            .arg(root.join(source))
            .arg("-o")
            .arg(&exe)
            .arg("-L")
            .arg(&deps)
            .arg(format!("-Wl,-rpath,{}", deps.display()))
            .arg("-lmultisession"),
    );
    exe
}

/// Builds `source` as `standard`, then runs it plain and under valgrind,
/// each run in a fresh directory of its own.
fn plain_and_under_valgrind(source: &str, standard: &str) {
    let build = tempfile::tempdir().unwrap();
    let exe = compile(source, standard, build.path());
    let work = tempfile::tempdir().unwrap();
    let output = foreign_program(&exe).arg(work.path()).output().unwrap();
    assert_passed(&format!("{source} as {standard} (plain)"), &output);

    let work = tempfile::tempdir().unwrap();
    let output = valgrind(&exe).arg(work.path()).output().unwrap();
    assert_passed(&format!("{source} as {standard} (valgrind)"), &output);
}

#[test]
fn raii_wrappers_as_cxx11_run_msinfo_and_append_plain_and_under_valgrind() {
    plain_and_under_valgrind("tests/cpp/raii.cpp", "c++11");
}

#[test]
fn raii_wrappers_as_cxx17_run_msinfo_and_append_plain_and_under_valgrind() {
    plain_and_under_valgrind("tests/cpp/raii.cpp", "c++17");
}
