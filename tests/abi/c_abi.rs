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

use crate::support::ffi::{against_the_library, assert_passed, foreign_program, require, valgrind};
use crate::support::{discs, ffi, peers};

use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;

#[derive(Clone, Copy, PartialEq)]
enum Build {
    Plain,
    Sanitized,
}

fn compile(source: &str, build: Build, out_dir: &Path) -> PathBuf {
    require("gcc");
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
    .args(against_the_library(source, &exe));
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

/// The C programs whose one argument is a scratch directory, each run
/// plain, under valgrind and with sanitizers.
macro_rules! given_a_directory {
    ($($(#[$doc:meta])* $name:ident: $source:literal;)*) => {$(
        $(#[$doc])*
        #[test]
        fn $name() {
            three_ways($source, |dir| vec![dir.to_path_buf()]);
        }
    )*};
}

given_a_directory! {
    errors_program_passes_plain_under_valgrind_and_with_sanitizers: "tests/c/errors.c";
    threads_program_passes_plain_under_valgrind_and_with_sanitizers: "tests/c/threads.c";
    append_flow_writes_and_reimports_on_every_writable_profile_and_survives_a_cancel: "tests/c/append_flow.c";
    image_errors_program_pins_pointer_handle_and_imapi_codes_of_every_new_function: "tests/c/image_errors.c";
    sessions_are_listed_an_older_one_imported_and_the_disc_finalized_from_c: "tests/c/sessions.c";
    a_directory_is_listed_and_a_file_read_back_from_the_medium_from_c: "tests/c/browse.c";
    caller_streams_are_written_as_the_next_session_or_refused_with_imapi_codes: "tests/c/write_stream.c";
    the_tray_ejects_loads_and_locks_and_waiting_for_a_medium_times_out: "tests/c/tray.c";
    write_speeds_are_listed_set_and_read_back_on_cd_dvd_and_bd: "tests/c/speed.c";
    exclusive_access_names_its_holder_to_another_process_and_ends_with_it: "tests/c/exclusive.c";
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

/// A CD-R whose session 1 holds a volume with `/kept.txt` and whose newest
/// session, another program's aborted write, holds none.
fn disc_with_an_empty_newest_session(dir: &Path) -> PathBuf {
    let recorder = discs::blank_disc(dir, Profile::CdR, None);
    let mut image = multisession::fsi::FileSystemImage::new();
    image.choose_image_defaults(&recorder).unwrap();
    image
        .add_stream("/kept.txt", 15, Box::new(&b"from session 1\n"[..]), false)
        .unwrap();
    let mut first = image.create_result_image().unwrap();
    discs::write_result(&recorder, &mut first);
    discs::write_empty_session(&recorder, 300);
    dir.join(format!("{}.img", Profile::CdR.name()))
}

#[test]
fn prepare_for_readies_the_next_session_on_blank_appendable_and_random_write_media() {
    three_ways("tests/c/next_session.c", |dir| {
        let skip = dir.join("skip");
        std::fs::create_dir(&skip).unwrap();
        vec![dir.to_path_buf(), disc_with_an_empty_newest_session(&skip)]
    });
}

#[test]
fn version_log_hook_and_named_constants_work_from_c() {
    three_ways("tests/c/log_version.c", |dir| {
        let faulty = dir.join("faulty.img");
        DiscSpec::new(Profile::CdR)
            .sessions(&[1200])
            .faults(multisession::scsi::emulator::Faults {
                fail_read_lba: Some(16),
                ..Default::default()
            })
            .create(&faulty)
            .expect("creating the disc");
        vec![
            dir.to_path_buf(),
            PathBuf::from(env!("CARGO_PKG_VERSION")),
            faulty,
        ]
    });
}

/// A 200 MB write cancelled from a second thread leaves the disc
/// appendable with the previous session intact: the C program checks it
/// through the library, and xorriso reads `/kept.bin` (and no `/big.bin`)
/// in the newest session of the disc it leaves behind.
#[test]
fn a_200_mb_write_cancelled_from_another_thread_keeps_the_previous_session() {
    three_ways("tests/c/cancel.c", |dir| vec![dir.to_path_buf()]);

    let dir = tempfile::tempdir().unwrap();
    let exe = compile("tests/c/cancel.c", Build::Plain, dir.path());
    let output = run_plain(&exe, &[dir.path().to_path_buf()]);
    assert_passed("tests/c/cancel.c (for xorriso)", &output);
    let disc = dir.path().join("cancel.img");
    let recorder = multisession::recorder::Recorder::open(&disc).unwrap();
    let media = recorder.media_info().unwrap();
    assert!(media
        .media_state()
        .contains(multisession::MediaState::APPENDABLE));
    let newest = media.previous_session.expect("a closed session").start;
    drop(recorder);
    let seen = peers::model_by_xorriso(&disc, Some(newest), dir.path());
    let names: Vec<&String> = seen.keys().collect();
    assert!(
        seen.keys().any(|k| k.trim_start_matches('/') == "kept.bin"),
        "xorriso sees {names:?}"
    );
    assert!(
        !seen.keys().any(|k| k.contains("big.bin")),
        "xorriso sees {names:?}"
    );
}

/// Import, build, erase and format report progress from C: the erase
/// runs on a CD-RW whose drive stays busy for three polls after an Immed
/// BLANK, as real drives do while blanking.
#[test]
fn progress_of_import_build_erase_and_format_counts_up_and_cancels_cleanly() {
    three_ways("tests/c/progress.c", |dir| {
        let cd_rw = dir.join("cd-rw.img");
        DiscSpec::new(Profile::CdRw)
            .sessions(&[1200])
            .quirks(multisession::scsi::emulator::Quirks {
                immed_busy_polls: 3,
                ..Default::default()
            })
            .create(&cd_rw)
            .expect("creating the disc");
        vec![dir.to_path_buf(), cd_rw]
    });
}

/// growisofs' way on overwritable media: genisoimage builds the first
/// session for 0 and the second for where the library places it (`-C
/// 0,next -M disc`); `write_iso` writes each, the second's descriptors
/// reach LBA 16 last, and xorriso, reading LBA 16 like any reader, sees
/// the files of both.
#[test]
fn write_iso_example_grows_a_dvd_plus_rw_growisofs_style() {
    require("genisoimage");
    require("xorriso");
    let dir = tempfile::tempdir().unwrap();
    let exe = compile("examples/c/write_iso.c", Build::Plain, dir.path());
    let disc = dir.path().join("dvd+rw.img");
    ffi::blank_disc(&disc, Profile::DvdPlusRw);
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("first.txt"), "first\n").unwrap();
    std::fs::write(files.join("second.txt"), "second\n").unwrap();
    let genisoimage = |args: &[&str], iso: &Path, file: &str| {
        ffi::run_ok(
            "genisoimage",
            Command::new("genisoimage")
                .args(["-quiet", "-R", "-J"])
                .args(args)
                .arg("-o")
                .arg(iso)
                .arg(files.join(file)),
        );
    };
    let first = dir.path().join("first.iso");
    genisoimage(&[], &first, "first.txt");
    let out = run_plain(&exe, &[disc.clone(), first]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let recorder = std::sync::Arc::new(multisession::recorder::Recorder::open(&disc).unwrap());
    let next = multisession::internals::next_session_target(&recorder)
        .unwrap()
        .start_block;
    drop(recorder);
    assert!(next > 16);
    let second = dir.path().join("second.iso");
    let disc_arg = disc.display().to_string();
    genisoimage(
        &["-C", &format!("0,{next}"), "-M", &disc_arg],
        &second,
        "second.txt",
    );
    let out = run_plain(&exe, &[disc.clone(), second.clone()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("at LBA {next}")));

    let listed = ffi::run_ok(
        "xorriso -find",
        Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-indev"])
            .arg(&disc)
            .args(["-find", "/"]),
    );
    for path in ["'/first.txt'", "'/second.txt'"] {
        assert!(
            listed.lines().any(|l| l == path),
            "xorriso lists:\n{listed}"
        );
    }

    // The same image again lands elsewhere now: refused before writing.
    let out = run_plain(&exe, &[disc.clone(), second]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("built for another address"));
}

#[test]
fn enumeration_lists_the_virtual_devices_with_identity_profiles_and_features() {
    three_ways("tests/c/drives.c", |dir| {
        let dvd = dir.join("dvd.img");
        DiscSpec::new(Profile::DvdPlusR)
            .sessions(&[700])
            .create(&dvd)
            .unwrap();
        let cd = dir.join("cd.img");
        ffi::blank_disc(&cd, Profile::CdR);
        let map = format!("/dev/sr7={}:/dev/sr8={}", dvd.display(), cd.display());
        vec![PathBuf::from(map)]
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
    ffi::blank_disc(&rw, Profile::BdRe);
    let output = run_plain(&exe, &[rw]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(stdout.lines().next(), Some("0,0"));
    assert!(stdout.contains("object 0: RandomWrite") && stdout.contains("WriteUnitSize: 32"));

    // Blank write-once media: no line, the reason on stderr, status 3 (the
    // CLI's blank-disc status), properties still printed.
    let blank = dir.path().join("blank.img");
    ffi::blank_disc(&blank, Profile::DvdPlusR);
    let output = run_plain(&exe, &[blank]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3));
    assert!(stdout.starts_with("object 0: Sequential"), "{stdout}");
    assert!(
        stdout.contains("NextWritableAddress: 0")
            && stdout.contains("StartAddressOfPreviousSession: -1")
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("IMAPI_E_IMPORT_SEEK_FAILURE"));
}

/// The calling thread's last failure detail, through the C ABI.
fn last_error_message() -> String {
    let mut buf = vec![0 as std::ffi::c_char; 4096];
    let mut needed = 0usize;
    // SAFETY: `buf` holds `buf.len()` bytes, `needed` is a valid out-parameter.
    let hr = unsafe {
        multisession::internals::ffi::ms_last_error_message(
            buf.as_mut_ptr(),
            buf.len(),
            &mut needed,
        )
    };
    assert_eq!(hr, multisession::hresult::MS_S_OK);
    // SAFETY: the library wrote a NUL-terminated string into `buf`.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// A panic half-way through a change (forced by the test-only trigger
/// after `ms_image_mkdir` made its directory) leaves that image handle
/// broken: every later call on it is `MS_E_UNEXPECTED` naming the export
/// that panicked, other images work on, and the release still works and
/// frees the image (its stream's release hook runs).
#[test]
fn a_panic_inside_an_image_edit_breaks_that_handle_until_its_release() {
    use multisession::hresult::{MS_E_HANDLE, MS_E_UNEXPECTED, MS_S_OK};
    use multisession::internals::ffi::*;
    use std::ffi::c_void;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static RELEASED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn never_read(
        _: *mut c_void,
        _: *mut u8,
        _: usize,
        read: *mut usize,
    ) -> multisession::HResult {
        // SAFETY: the library passes a valid `read`.
        unsafe { *read = 0 };
        MS_S_OK
    }
    unsafe extern "C" fn count_release(_: *mut c_void) {
        RELEASED.fetch_add(1, Ordering::SeqCst);
    }

    // SAFETY: every pointer passed is valid for the call; strings are
    // NUL-terminated literals.
    unsafe {
        let (mut image, mut other) = (MsImage { id: 0 }, MsImage { id: 0 });
        assert_eq!(ms_image_new(&mut image), MS_S_OK);
        assert_eq!(ms_image_new(&mut other), MS_S_OK);
        let added = ms_image_add_stream(
            image,
            c"/s".as_ptr(),
            1,
            Some(never_read),
            Some(count_release),
            std::ptr::null_mut(),
            false,
        );
        assert_eq!(added, MS_S_OK);

        panic_in_next_mkdir_for_tests();
        assert_eq!(
            ms_image_mkdir(image, c"/half".as_ptr(), false),
            MS_E_UNEXPECTED
        );
        let message = last_error_message();
        assert!(message.contains("internal error (panic)"), "{message}");

        let mut info = MsItemInfo {
            kind: 0,
            size: 0,
            on_medium: false,
        };
        let mut name = [0 as std::ffi::c_char; 64];
        let mut needed = 77usize;
        let mut result = MsResult { id: 77 };
        let broken = "left inconsistent by an internal error in ms_image_mkdir";
        let later: [(&str, multisession::HResult); 4] = [
            ("stat", ms_image_stat(image, c"/".as_ptr(), &mut info)),
            ("mkdir", ms_image_mkdir(image, c"/next".as_ptr(), false)),
            (
                "volume name",
                ms_image_volume_name(image, name.as_mut_ptr(), name.len(), &mut needed),
            ),
            ("create result", ms_image_create_result(image, &mut result)),
        ];
        for (what, hr) in later {
            assert_eq!(hr, MS_E_UNEXPECTED, "{what}");
        }
        let message = last_error_message();
        assert!(message.contains(broken), "{message}");
        assert_eq!((info.kind, needed, result.id), (0, 77, 77));

        // The panic broke only the image it ran on.
        assert_eq!(ms_image_mkdir(other, c"/fine".as_ptr(), false), MS_S_OK);
        assert_eq!(ms_image_stat(other, c"/fine".as_ptr(), &mut info), MS_S_OK);
        assert_eq!(info.kind, MS_ITEM_DIRECTORY);

        assert_eq!(RELEASED.load(Ordering::SeqCst), 0);
        assert_eq!(ms_image_release(image), MS_S_OK);
        assert_eq!(RELEASED.load(Ordering::SeqCst), 1, "the image was freed");
        assert_eq!(ms_image_stat(image, c"/".as_ptr(), &mut info), MS_E_HANDLE);
        assert_eq!(ms_image_release(other), MS_S_OK);
    }
}
