//! C++ consumers of the library through include/multisession.hpp, the
//! header-only wrapper: tests/cpp/raii.cpp (owners, exceptions, iterators,
//! strings; msinfo and append on emulated CD-R and DVD+RW discs) and the
//! examples in examples/cpp. Each is built as C++11 and C++17 with g++ and
//! clang++ under -Wall -Wextra -Wpedantic -Wold-style-cast -Wconversion
//! -Werror, against the cdylib cargo built for this test run, and run plain
//! and under valgrind (no errors, no leaks).
//!
//! g++, clang++ and valgrind are not optional: `.ci/run` (scripts/test-all)
//! installs them, and a missing one fails the test.

use crate::support::one_line_tests;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ffi::{
    against_the_library, assert_passed, blank_disc, foreign_program, require, run_ok, valgrind,
    CXX_STRICT_WARNINGS,
};
use multisession::media::Profile;
use multisession::recorder::Recorder;

fn compile(compiler: &str, source: &str, standard: &str, out_dir: &Path) -> PathBuf {
    require(compiler);
    let stem = Path::new(source).file_stem().unwrap().to_string_lossy();
    let exe = out_dir.join(format!("{stem}-{compiler}-{standard}"));
    run_ok(
        &format!("{compiler} -std={standard} {source}"),
        Command::new(compiler)
            .arg(format!("-std={standard}"))
            .args(CXX_STRICT_WARNINGS)
            .args(["-g", "-pthread"])
            .args(against_the_library(source, &exe)),
    );
    exe
}

/// Builds `source` as `standard`, then runs it plain and under valgrind,
/// each run in a fresh directory of its own.
fn plain_and_under_valgrind(compiler: &str, source: &str, standard: &str) {
    let build = tempfile::tempdir().unwrap();
    let exe = compile(compiler, source, standard, build.path());
    let work = tempfile::tempdir().unwrap();
    let output = foreign_program(&exe).arg(work.path()).output().unwrap();
    assert_passed(&format!("{source} as {standard} (plain)"), &output);

    let work = tempfile::tempdir().unwrap();
    let output = valgrind(&exe).arg(work.path()).output().unwrap();
    assert_passed(&format!("{source} as {standard} (valgrind)"), &output);
}

one_line_tests! {
    raii_wrappers_as_cxx11_run_msinfo_and_append_plain_and_under_valgrind: plain_and_under_valgrind("g++", "tests/cpp/raii.cpp", "c++11");
    raii_wrappers_as_cxx17_with_clang_run_msinfo_and_append_plain_and_under_valgrind: plain_and_under_valgrind("clang++", "tests/cpp/raii.cpp", "c++17");
}

/// `msinfo` prints what the drive model says, before and after each
/// `append`; xorriso finds the files of both sessions in the newest one.
/// The same runs under valgrind.
fn examples_append_and_report_msinfo(compiler: &str, standard: &str, under_valgrind: bool) {
    require("xorriso");
    let dir = tempfile::tempdir().unwrap();
    let msinfo = compile(compiler, "examples/cpp/msinfo.cpp", standard, dir.path());
    let append = compile(compiler, "examples/cpp/append.cpp", standard, dir.path());
    let run = |exe: &Path, args: &[&Path]| {
        let mut command = if under_valgrind {
            valgrind(exe)
        } else {
            foreign_program(exe)
        };
        run_ok(&exe.display().to_string(), command.args(args))
    };
    let disc = dir.path().join("disc.img");
    blank_disc(&disc, Profile::CdR);
    let expected_msinfo = || {
        let media = Recorder::open(&disc).unwrap().media_info().unwrap();
        let start = media.previous_session.map_or(-1, |s| i64::from(s.start));
        format!("{start},{}\n", media.next_writable.unwrap())
    };
    assert_eq!(run(&msinfo, &[&disc]), "-1,0\n");

    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("dir")).unwrap();
    std::fs::write(files.join("a.txt"), "one\n").unwrap();
    std::fs::write(files.join("dir/b.txt"), "two\n").unwrap();
    let out = run(&append, &[&disc, &files.join("a.txt")]);
    assert!(out.starts_with("first session at LBA 0,"), "{out}");
    let after_first = run(&msinfo, &[&disc]);
    assert_eq!(after_first, expected_msinfo());
    assert!(after_first.starts_with("0,"), "{after_first}");

    let next = after_first.trim().split(',').nth(1).unwrap().to_owned();
    let out = run(&append, &[&disc, &files.join("dir")]);
    assert!(
        out.starts_with(&format!("appended session at LBA {next},")),
        "{out}"
    );
    assert_eq!(run(&msinfo, &[&disc]), expected_msinfo());

    let listed = run_ok(
        "xorriso -find",
        Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-indev"])
            .arg(&disc)
            // A plain image file has no session table: the newest session
            // is loaded by its address.
            .args(["-load", "sbsector", &next, "-find", "/", "-type", "f"]),
    );
    for path in ["'/a.txt'", "'/dir/b.txt'"] {
        assert!(
            listed.lines().any(|l| l == path),
            "xorriso lists:\n{listed}"
        );
    }
}

one_line_tests! {
    cpp_examples_as_cxx11_append_sessions_and_report_msinfo: examples_append_and_report_msinfo("g++", "c++11", false);
    cpp_examples_as_cxx17_with_clang_append_sessions_and_report_msinfo: examples_append_and_report_msinfo("clang++", "c++17", false);
    cpp_examples_run_clean_under_valgrind: examples_append_and_report_msinfo("g++", "c++17", true);
}
