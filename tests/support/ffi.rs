//! For the tests that build foreign programs against the C library
//! (tests/abi/): where cargo put this run's library, required tools,
//! running a program plain or under valgrind, and reading the "N passed,
//! N failed" line the test programs end with.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `target/<profile>/deps`: where cargo builds the cdylib and staticlib for
/// this test run, beside the test binary. (The copies in `target/<profile>/`
/// are refreshed only by `cargo build`, so they can be stale here.)
pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .expect("target/<profile>/deps/<test>")
        .to_path_buf();
    assert!(
        dir.join("libmultisession.so").exists(),
        "{} has no libmultisession.so: cargo builds the cdylib for integration tests (crate-type includes cdylib)",
        dir.display()
    );
    dir
}

/// Fails, naming what installs it, when `tool` cannot be run. The tools
/// are not optional: a missing one must not turn into a skipped test.
pub fn require(tool: &str) {
    let found = Command::new(tool).arg("--version").output().is_ok();
    assert!(
        found,
        "`{tool}` is not installed; this test needs it. Run .ci/run (scripts/test-all installs gcc with binutils, g++, valgrind and pkg-config)"
    );
}

/// Runs `command`, failing with its output unless it exits 0; returns its
/// stdout.
pub fn run_ok(what: &str, command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({:?}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A command for a foreign program. Cargo's LD_LIBRARY_PATH (which lists
/// `target/<profile>` with its possibly stale copy of the cdylib) is
/// removed, so the program finds the library through its rpath or what the
/// caller sets.
pub fn foreign_program(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env_remove("LD_LIBRARY_PATH");
    command
}

/// Runs `exe` under valgrind: any memory error or definite/indirect leak
/// makes it exit 99.
pub fn valgrind(exe: &Path) -> Command {
    require("valgrind");
    let mut command = foreign_program("valgrind");
    command
        .args([
            "--quiet",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
        ])
        .arg(exe);
    command
}

/// The counts of a closing "N passed, N failed" line.
pub fn pass_fail_counts(stdout: &str) -> Option<(u64, u64)> {
    let (passed, failed) = stdout
        .lines()
        .last()?
        .strip_suffix(" failed")?
        .split_once(" passed, ")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}

/// Checks a zero exit status and a closing "N passed, 0 failed" with N > 0.
pub fn assert_passed(what: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let counts = pass_fail_counts(&stdout);
    assert!(
        output.status.success() && matches!(counts, Some((passed, 0)) if passed > 0),
        "{what}: exit {:?}, counts {counts:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status.code()
    );
}

/// The shared libraries an ELF file names in its dynamic section: its
/// SONAME and its NEEDED entries (`readelf -d`).
pub struct DynamicSection {
    pub soname: Option<String>,
    pub needed: Vec<String>,
}

pub fn dynamic_section(file: &Path) -> DynamicSection {
    require("readelf");
    let text = run_ok(
        &format!("readelf -d {}", file.display()),
        Command::new("readelf").arg("-d").arg(file),
    );
    // "0x...e (SONAME)  Library soname: [libmultisession.so.1]"
    let value = |line: &str| {
        let start = line.find('[')? + 1;
        let end = line.rfind(']')?;
        line.get(start..end).map(str::to_owned)
    };
    DynamicSection {
        soname: text
            .lines()
            .find(|l| l.contains("(SONAME)"))
            .and_then(value),
        needed: text
            .lines()
            .filter(|l| l.contains("(NEEDED)"))
            .filter_map(value)
            .collect(),
    }
}

/// `scripts/install` with the target directory and profile the running test
/// was built with: `target/<profile dir>/deps/<test>`, where the profile dir of
/// `dev` is `debug`.
pub fn install_command() -> Command {
    let deps = deps_dir();
    let profile_dir = deps.parent().expect("target/<profile>");
    let target_dir = profile_dir.parent().expect("target");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => panic!("no profile directory in {}", deps.display()),
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = foreign_program(root.join("scripts/install"));
    command
        .args(["--profile", profile])
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("DESTDIR");
    // The cargo running this test, not whichever one PATH finds first.
    if let Some(bin) = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .and_then(|cargo| cargo.parent().map(Path::to_path_buf))
    {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(bin).chain(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(paths).expect("PATH"));
    }
    command
}

/// A blank emulated disc of `profile` at `path` (image and sidecar).
pub fn blank_disc(path: &Path, profile: multisession::media::Profile) {
    multisession::scsi::emulator::create_blank(
        path,
        profile,
        None,
        multisession::scsi::emulator::Existing::Refuse,
    )
    .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
}

/// The warnings a strict C++ code base builds with: the C++ wrapper, the
/// C header it includes and the C++ examples must pass them all.
pub const CXX_STRICT_WARNINGS: [&str; 6] = [
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Wold-style-cast",
    "-Wconversion",
    "-Werror",
];

/// The compiler arguments that build the repository's `source` (a path
/// from the repository root) into `exe` against this run's library: the
/// header's directory, the library's, and an rpath so the program runs
/// without installing it.
pub fn against_the_library(source: &str, exe: &Path) -> Vec<OsString> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = deps_dir();
    vec![
        "-I".into(),
        root.join("include").into(),
        root.join(source).into(),
        "-o".into(),
        exe.into(),
        "-L".into(),
        lib.clone().into(),
        format!("-Wl,-rpath,{}", lib.display()).into(),
        "-lmultisession".into(),
    ]
}
