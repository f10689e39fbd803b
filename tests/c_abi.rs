//! The C programs in tests/c/ and examples/c/, built against
//! include/multisession.h and the cdylib cargo built for this test run, run
//! three ways: plain, under valgrind (no errors, no leaks) and rebuilt with
//! -fsanitize=address,undefined. Each ends with "N passed, N failed".
//!
//! The tools are not optional: `.ci/run` (scripts/test-all) installs gcc,
//! valgrind and clang, and a missing tool fails the test instead of
//! skipping it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "ffi_support/mod.rs"]
mod ffi_support;
use ffi_support::{assert_passed, deps_dir, foreign_program, require, valgrind};

use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;

#[derive(Clone, Copy, PartialEq)]
enum Build {
    Plain,
    Sanitized,
}

fn compile(source: &str, build: Build, out_dir: &Path) -> PathBuf {
    require("gcc");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = deps_dir();
    let stem = Path::new(source).file_stem().unwrap().to_string_lossy();
    let exe = out_dir.join(match build {
        Build::Plain => format!("{stem}"),
        Build::Sanitized => format!("{stem}-asan"),
    });
    let mut cc = Command::new("gcc");
    cc.args([
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-g",
        "-pthread",
    ])
    .arg("-I")
    .arg(root.join("include"))
    .arg(root.join(source))
    .arg("-o")
    .arg(&exe)
    .arg("-L")
    .arg(&target)
    .arg(format!("-Wl,-rpath,{}", target.display()))
    .arg("-lmultisession");
    if build == Build::Sanitized {
        cc.args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ]);
    }
    let output = cc.output().expect("running gcc");
    assert!(
        output.status.success(),
        "gcc {source} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

fn run_plain(exe: &Path, args: &[PathBuf]) -> Output {
    foreign_program(exe)
        .args(args)
        .output()
        .expect("running test program")
}

fn run_valgrind(exe: &Path, args: &[PathBuf]) -> Output {
    valgrind(exe).args(args).output().expect("running valgrind")
}

fn run_sanitized(exe: &Path, args: &[PathBuf]) -> Output {
    foreign_program(exe)
        .args(args)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=98",
        )
        .env(
            "UBSAN_OPTIONS",
            "halt_on_error=1:print_stacktrace=1:exitcode=97",
        )
        .output()
        .expect("running sanitized test program")
}

/// Runs `source` with `args` the three ways.
fn three_ways(source: &str, args: impl Fn(&Path) -> Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let plain = compile(source, Build::Plain, dir.path());
    let sanitized = compile(source, Build::Sanitized, dir.path());
    for (how, exe, run) in [
        (
            "plain",
            &plain,
            run_plain as fn(&Path, &[PathBuf]) -> Output,
        ),
        ("valgrind", &plain, run_valgrind),
        ("asan+ubsan", &sanitized, run_sanitized),
    ] {
        let work = tempfile::tempdir().unwrap();
        let output = run(exe, &args(work.path()));
        assert_passed(&format!("{source} ({how})"), &output);
    }
}

/// Discs in states a blank `ms_emulator_create` cannot make.
fn fixture_discs(dir: &Path) -> Vec<PathBuf> {
    let specs = [
        (
            "cd-r-appendable",
            DiscSpec::new(Profile::CdR).sessions(&[1200, 300]),
        ),
        (
            "dvd+r-appendable",
            DiscSpec::new(Profile::DvdPlusR).sessions(&[5000]),
        ),
        (
            "bd-r-appendable",
            DiscSpec::new(Profile::BdR).sessions(&[4000]),
        ),
        (
            "bd-r-pow",
            DiscSpec::new(Profile::BdR).sessions(&[4000]).pow(true),
        ),
        (
            "cd-r-closed",
            DiscSpec::new(Profile::CdR).sessions(&[900]).finalized(true),
        ),
        (
            "dvd+r-protected",
            DiscSpec::new(Profile::DvdPlusR)
                .sessions(&[700])
                .write_protected(true),
        ),
    ];
    specs
        .into_iter()
        .map(|(name, spec)| {
            let path = dir.join(format!("{name}.img"));
            spec.create(&path).expect("creating a fixture disc");
            path
        })
        .collect()
}

#[test]
fn errors_program_passes_plain_under_valgrind_and_with_sanitizers() {
    three_ways("tests/c/errors.c", |dir| vec![dir.to_path_buf()]);
}

#[test]
fn msinfo_flow_passes_on_every_disc_plain_under_valgrind_and_with_sanitizers() {
    three_ways("tests/c/msinfo_flow.c", |dir| {
        let mut args = vec![dir.to_path_buf()];
        args.extend(fixture_discs(dir));
        args
    });
}

#[test]
fn threads_program_passes_plain_under_valgrind_and_with_sanitizers() {
    three_ways("tests/c/threads.c", |dir| vec![dir.to_path_buf()]);
}

#[test]
fn append_flow_writes_and_reimports_on_every_writable_profile_and_survives_a_cancel() {
    three_ways("tests/c/append_flow.c", |dir| vec![dir.to_path_buf()]);
}

#[test]
fn image_errors_program_pins_pointer_handle_and_imapi_codes_of_every_new_function() {
    three_ways("tests/c/image_errors.c", |dir| vec![dir.to_path_buf()]);
}

#[test]
fn impossible_counts_give_invalidarg_for_every_pointer_count_parameter_without_an_abort() {
    three_ways("tests/c/counts.c", |dir| {
        let disc = dir.join("cd-r.img");
        DiscSpec::new(Profile::CdR)
            .sessions(&[1200])
            .create(&disc)
            .expect("creating the disc");
        vec![disc]
    });
}

#[test]
fn msinfo_example_prints_the_cdrecord_line_then_every_property() {
    let dir = tempfile::tempdir().unwrap();
    let exe = compile("examples/c/msinfo.c", Build::Plain, dir.path());

    let appendable = dir.path().join("appendable.img");
    DiscSpec::new(Profile::CdR)
        .sessions(&[1200])
        .create(&appendable)
        .unwrap();
    let recorder =
        std::sync::Arc::new(multisession::recorder::Recorder::open(&appendable).unwrap());
    let media = recorder.media_info().unwrap();
    let previous = media.previous_session.expect("one closed session");
    let next = media.next_writable.expect("appendable");

    let output = run_plain(&exe, std::slice::from_ref(&appendable));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(format!("{},{}", previous.start, next).as_str())
    );
    for property in [
        "object 0: Sequential",
        "IsSupportedOnCurrentMediaState: true",
        "InUse: false",
        "IsFirstDataSession: false",
        &format!("StartAddressOfPreviousSession: {}", previous.start),
        &format!(
            "LastWrittenAddressOfPreviousSession: {}",
            previous.last_written
        ),
        &format!("NextWritableAddress: {next}"),
        &format!("FreeSectorsOnMedia: {}", media.free_blocks),
        "WriteUnitSize: 1",
        &format!(
            "image: SessionStartBlock {next}, FreeMediaBlocks {}",
            media.free_blocks
        ),
    ] {
        assert!(
            stdout.contains(property),
            "missing {property:?} in\n{stdout}"
        );
    }

    // Overwritable media: one growing volume from 0; a blank one takes the first session at 0.
    let rw = dir.path().join("bd-re.img");
    multisession::scsi::emulator::create_blank(&rw, Profile::BdRe, None).unwrap();
    let output = run_plain(&exe, &[rw]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(stdout.lines().next(), Some("0,0"));
    assert!(stdout.contains("object 0: RandomWrite") && stdout.contains("WriteUnitSize: 32"));

    // Blank write-once media: no line, the reason on stderr, status 1, properties still printed.
    let blank = dir.path().join("blank.img");
    multisession::scsi::emulator::create_blank(&blank, Profile::DvdPlusR, None).unwrap();
    let output = run_plain(&exe, &[blank]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout.starts_with("object 0: Sequential"), "{stdout}");
    assert!(
        stdout.contains("NextWritableAddress: 0")
            && stdout.contains("StartAddressOfPreviousSession: -1")
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("IMAPI_E_IMPORT_SEEK_FAILURE"));
}
