//! The library as users get it: one version number, `scripts/install`'s
//! layout (versioned shared library and its links, stripped with its debug
//! information beside it, static library, headers, pkg-config file; again
//! on top of itself; under a DESTDIR), exactly the header's functions
//! exported, a SONAME that stays with this crate's own cdylib, and C
//! programs — the examples among them — built only from `pkg-config
//! multisession` flags, linked dynamically and statically, run on emulated
//! discs.
//!
//! `scripts/install` runs its own `cargo build` with this test's target
//! directory and profile, after the outer cargo has finished building and
//! released its lock; it reuses every dependency already built.
//!
//! gcc, readelf and pkg-config are not optional: `.ci/run`
//! (scripts/test-all) installs them, and a missing one fails the test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ffi::{
    blank_disc, deps_dir, dynamic_section, foreign_program, install_command, require, run_ok,
    CXX_STRICT_WARNINGS,
};
use multisession::internals::ffi::{MS_ABI_VERSION_MAJOR, MS_ABI_VERSION_MINOR};
use multisession::media::Profile;
use multisession::recorder::Recorder;
use multisession::scsi::emulator::DiscSpec;

/// The installed library's version: the workspace version, the project's
/// one number (see Cargo.toml and scripts/install).
fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn soname() -> String {
    format!("libmultisession.so.{MS_ABI_VERSION_MAJOR}")
}

fn install(prefix: &Path) {
    run_ok(
        "scripts/install",
        install_command().arg("--prefix").arg(prefix),
    );
}

fn pkg_config(prefix: &Path, args: &[&str]) -> String {
    require("pkg-config");
    let out = run_ok(
        &format!("pkg-config {}", args.join(" ")),
        Command::new("pkg-config")
            .args(args)
            .arg("multisession")
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
            .env_remove("PKG_CONFIG_LIBDIR")
            .env_remove("PKG_CONFIG_SYSROOT_DIR"),
    );
    out.trim().to_owned()
}

fn link_target(path: &Path) -> PathBuf {
    fs::read_link(path).unwrap_or_else(|e| panic!("{} is not a link: {e}", path.display()))
}

/// Every file an installation made, with what it holds (a link's target or
/// a file's bytes), sorted by path.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut entries = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_symlink() {
                let target = link_target(&path).into_os_string().into_encoded_bytes();
                entries.push((path, target));
            } else {
                entries.push((path.clone(), fs::read(&path).unwrap()));
            }
        }
    }
    entries.sort();
    entries
}

/// Checks the layout of an installation whose files are under `root` and
/// whose library directory is `libdir` below it.
fn assert_layout(root: &Path, libdir: &Path) {
    let version = library_version();
    let real = format!("libmultisession.so.{version}");
    let lib = root.join(libdir.strip_prefix("/").unwrap_or(libdir));
    assert!(lib.join(&real).is_file(), "no {real} in {}", lib.display());
    assert_eq!(link_target(&lib.join(soname())), Path::new(&real));
    assert_eq!(
        link_target(&lib.join("libmultisession.so")),
        Path::new(&soname())
    );
    assert_eq!(
        dynamic_section(&lib.join(&real)).soname,
        Some(soname()),
        "the installed library's SONAME"
    );
    let archive = fs::read(lib.join("libmultisession.a")).unwrap();
    assert!(
        archive.starts_with(b"!<arch>\n"),
        "libmultisession.a is no ar archive"
    );
    assert!(lib.join("pkgconfig/multisession.pc").is_file());
    assert!(lib.join(format!(".debug/{real}.debug")).is_file());
    let include = lib.parent().unwrap().join("include");
    assert!(include.join("multisession.hpp").is_file());
}

#[test]
fn the_crate_version_starts_with_the_c_abi_major_and_minor() {
    let crate_major_minor = (
        env!("CARGO_PKG_VERSION_MAJOR").parse::<u32>().unwrap(),
        env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap(),
    );
    assert_eq!(
        crate_major_minor,
        (MS_ABI_VERSION_MAJOR, MS_ABI_VERSION_MINOR),
        "[workspace.package] version in Cargo.toml must follow the C ABI version"
    );
    // ms_version() is the same number.
    let version = unsafe { std::ffi::CStr::from_ptr(multisession::internals::ffi::ms_version()) };
    assert_eq!(version.to_str().unwrap(), library_version());
}

#[test]
fn install_lays_out_versioned_links_static_library_header_and_pc_and_repeats_identically() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("usr");
    install(&prefix);
    assert_layout(Path::new("/"), &prefix.join("lib"));

    let header = fs::read(prefix.join("include/multisession.h")).unwrap();
    let committed =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/multisession.h")).unwrap();
    assert!(
        header == committed,
        "installed header differs from include/multisession.h"
    );

    assert_eq!(pkg_config(&prefix, &["--modversion"]), library_version());
    assert_eq!(
        pkg_config(&prefix, &["--variable=libdir"]),
        prefix.join("lib").display().to_string()
    );
    assert_eq!(
        pkg_config(&prefix, &["--cflags"]),
        format!("-I{}", prefix.join("include").display())
    );
    let libs = format!("-L{} -lmultisession", prefix.join("lib").display());
    assert_eq!(pkg_config(&prefix, &["--libs"]), libs);
    let static_libs = pkg_config(&prefix, &["--static", "--libs"]);
    let private = static_libs
        .strip_prefix(&libs)
        .unwrap_or_else(|| panic!("--static --libs {static_libs:?} does not start with {libs:?}"));
    assert!(
        !private.trim().is_empty() && private.split_whitespace().all(|t| t.starts_with("-l")),
        "Libs.private should be rustc's native-static-libs, got {private:?}"
    );

    let cli_version = run_ok(
        "multisession --version",
        Command::new(prefix.join("bin/multisession")).arg("--version"),
    );
    assert_eq!(
        cli_version.trim(),
        format!("multisession {}", library_version())
    );

    let first = snapshot(&prefix);
    install(&prefix);
    assert!(
        snapshot(&prefix) == first,
        "a second install changed the installation"
    );
}

#[test]
fn install_stages_under_destdir_with_paths_for_the_final_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let stage = dir.path().join("stage");
    let prefix = dir.path().join("final");
    run_ok(
        "scripts/install with DESTDIR",
        install_command()
            .arg("--prefix")
            .arg(&prefix)
            .args(["--libdir", "lib64"])
            .env("DESTDIR", &stage),
    );
    assert!(!prefix.exists(), "nothing may be written outside DESTDIR");
    let staged_prefix = stage.join(prefix.strip_prefix("/").unwrap());
    assert_layout(&stage, &prefix.join("lib64"));
    assert!(staged_prefix.join("include/multisession.h").is_file());
    let pc = fs::read_to_string(staged_prefix.join("lib64/pkgconfig/multisession.pc")).unwrap();
    assert!(
        pc.lines()
            .any(|l| l == format!("prefix={}", prefix.display()))
            && pc.lines().any(|l| l == "libdir=${prefix}/lib64"),
        "the .pc must name the final prefix, not the staging one:\n{pc}"
    );
}

/// The names of the functions `include/multisession.h` declares: every
/// `ms_*(` that starts a declaration (not a typedef, macro or comment).
fn header_functions() -> Vec<String> {
    let header =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/multisession.h"))
            .unwrap();
    let mut names: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('/') && !l.starts_with('#'))
        .filter(|l| !l.starts_with("typedef"))
        .filter_map(|l| {
            let before_paren = &l[..l.find('(')?];
            let name = before_paren.rsplit([' ', '*']).next()?;
            name.starts_with("ms_").then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn readelf(args: &[&str], file: &Path) -> String {
    require("readelf");
    run_ok(
        &format!("readelf {} {}", args.join(" "), file.display()),
        Command::new("readelf").args(args).arg(file),
    )
}

/// CRC-32 (IEEE, reflected), the checksum `.gnu_debuglink` carries.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn installed_library_is_stripped_under_2_mb_with_its_debug_information_linked_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("usr");
    install(&prefix);
    let real = format!("libmultisession.so.{}", library_version());
    let lib = prefix.join("lib").join(&real);
    let size = fs::metadata(&lib).unwrap().len();
    assert!(size <= 2 * 1024 * 1024, "{real} is {size} bytes");
    let sections = readelf(&["-S", "-W"], &lib);
    assert!(
        !sections.contains(".debug_info") && !sections.contains(".symtab"),
        "{real} is not stripped:\n{sections}"
    );

    // .gnu_debuglink: the debug file's name, NUL, padding to 4, its CRC-32.
    run_ok(
        "objcopy --dump-section",
        Command::new("objcopy")
            .arg("--dump-section")
            .arg(format!(
                ".gnu_debuglink={}",
                dir.path().join("link").display()
            ))
            .arg(&lib)
            .arg(dir.path().join("scratch")),
    );
    let section = fs::read(dir.path().join("link")).unwrap();
    let name_end = section.iter().position(|&b| b == 0).unwrap();
    let name = std::str::from_utf8(&section[..name_end]).unwrap();
    assert_eq!(name, format!("{real}.debug"));
    let crc = u32::from_le_bytes(section[section.len() - 4..].try_into().unwrap());
    // gdb looks in <dir of the library>/.debug/ for that name.
    let debug = prefix.join("lib/.debug").join(name);
    assert_eq!(crc, crc32(&fs::read(&debug).unwrap()), "CRC of {name}");
    assert!(readelf(&["-S", "-W"], &debug).contains(".debug_info"));
}

#[test]
fn installed_library_exports_exactly_the_functions_the_header_declares() {
    require("nm");
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("usr");
    install(&prefix);
    let lib = prefix
        .join("lib")
        .join(format!("libmultisession.so.{}", library_version()));
    let listed = run_ok(
        "nm -D --defined-only",
        Command::new("nm").args(["-D", "--defined-only"]).arg(&lib),
    );
    let mut exported: Vec<String> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(|name| name.split('@').next().unwrap().to_owned())
        .collect();
    exported.sort();
    exported.dedup();
    let declared = header_functions();
    assert!(declared.len() > 100, "header parse found {declared:?}");
    assert_eq!(exported, declared);
}

/// A crate that depends on this one and builds a cdylib of its own: built
/// offline in a target directory of its own under this one's (kept between
/// runs), its library has no SONAME of this crate's, and needs no
/// libmultisession either (the rlib is linked in).
#[test]
fn a_downstream_cdylib_gets_no_libmultisession_soname() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("downstream");
    fs::create_dir_all(&krate).unwrap();
    fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\npath = \"lib.rs\"\n\n\
             [dependencies]\nmultisession = {{ path = {:?} }}\n\n[workspace]\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    fs::write(
        krate.join("lib.rs"),
        "#[no_mangle]\npub extern \"C\" fn downstream_abi() -> u32 {\n    \
         multisession::internals::ffi::ms_abi_version()\n}\n",
    )
    .unwrap();
    // The same dependency versions as this workspace, all in cargo's cache.
    fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let target = deps_dir()
        .parent()
        .and_then(Path::parent)
        .expect("target")
        .join("downstream-cdylib");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run_ok(
        "cargo build (downstream cdylib)",
        Command::new(cargo)
            .args(["build", "--offline", "--lib", "--manifest-path"])
            .arg(krate.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS"),
    );
    let section = dynamic_section(&target.join("debug/libdownstream.so"));
    assert!(
        !section
            .soname
            .as_deref()
            .is_some_and(|s| s.starts_with("libmultisession")),
        "the downstream cdylib got SONAME {:?}",
        section.soname
    );
    assert!(
        !section
            .needed
            .iter()
            .any(|n| n.starts_with("libmultisession")),
        "{:?}",
        section.needed
    );
}

/// The installed `multisession` finds the installed preload library in
/// `<prefix>/lib/multisession/` by itself (also with the libraries in
/// another libdir), `drive run` works through it end to end, and
/// `MULTISESSION_VDEV_LIB` still overrides the lookup.
#[test]
fn install_puts_the_cli_and_the_virtual_drive_library_where_drive_run_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("usr");
    run_ok(
        "scripts/install",
        install_command()
            .arg("--prefix")
            .arg(&prefix)
            .args(["--libdir", "lib64"]),
    );
    let cli = prefix.join("bin/multisession");
    let plugin = prefix.join("lib/multisession/libmultisession_vdev.so");
    assert!(cli.is_file() && plugin.is_file());
    let (disc, _) = appendable_disc(dir.path());
    let tool = |args: &[&std::ffi::OsStr]| {
        let mut command = Command::new(&cli);
        command.args(args).env_remove("MULTISESSION_VDEV_LIB");
        command
    };
    let env = run_ok(
        "multisession drive env",
        &mut tool(&["drive".as_ref(), "env".as_ref(), disc.as_os_str()]),
    );
    let preload = format!(
        "export LD_PRELOAD='{}'",
        plugin.canonicalize().unwrap().display()
    );
    assert!(env.lines().any(|l| l == preload), "{env}");

    let direct = run_ok(
        "multisession info DISC",
        &mut tool(&["info".as_ref(), "--json".as_ref(), disc.as_os_str()]),
    );
    let through = run_ok(
        "multisession drive run DISC -- multisession info /dev/sr7",
        &mut tool(&[
            "drive".as_ref(),
            "run".as_ref(),
            disc.as_os_str(),
            "--".as_ref(),
            cli.as_os_str(),
            "info".as_ref(),
            "--json".as_ref(),
            "/dev/sr7".as_ref(),
        ]),
    );
    let sessions = |text: &str| {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        (v["media"]["sessions"].clone(), v["msinfo"].clone())
    };
    assert_eq!(sessions(&through), sessions(&direct));

    let elsewhere = dir.path().join("elsewhere.so");
    fs::copy(&plugin, &elsewhere).unwrap();
    let env = run_ok(
        "multisession drive env with MULTISESSION_VDEV_LIB",
        tool(&["drive".as_ref(), "env".as_ref(), disc.as_os_str()])
            .env("MULTISESSION_VDEV_LIB", &elsewhere),
    );
    let preload = format!("export LD_PRELOAD='{}'", elsewhere.display());
    assert!(env.lines().any(|l| l == preload), "{env}");
}

/// Prints the ABI version it runs against, then the `cdrecord -msinfo`
/// line and the image's SessionStartBlock for the disc in argv[1].
const MSINFO_PROGRAM: &str = r#"
#include <multisession.h>
#include <stdio.h>
#include <stdlib.h>

static void fail(const char *what, ms_hresult hr) {
    char message[512];
    size_t needed = 0;
    if (MS_FAILED(ms_last_error_message(message, sizeof message, &needed))) message[0] = '\0';
    fprintf(stderr, "%s: 0x%08lX %s\n", what, (unsigned long)(uint32_t)hr, message);
    exit(1);
}

#define TRY(call)                                     \
    do {                                              \
        ms_hresult try_hr_ = (call);                  \
        if (MS_FAILED(try_hr_)) fail(#call, try_hr_); \
    } while (0)

int main(int argc, char **argv) {
    ms_recorder rec;
    ms_list list;
    ms_multisession ms;
    ms_image image;
    size_t count = 0;
    int32_t start = 0, next = 0, session_start = 0;
    uint32_t abi = ms_abi_version();

    if (argc != 2) {
        fprintf(stderr, "usage: %s DISC\n", argv[0]);
        return 2;
    }
    printf("abi %u.%u\n", (unsigned)(abi >> 16), (unsigned)(abi & 0xFFFFu));
    if (abi >> 16 != MS_ABI_VERSION_MAJOR || (abi & 0xFFFFu) < MS_ABI_VERSION_MINOR) {
        fprintf(stderr, "built for ABI %d.%d\n", MS_ABI_VERSION_MAJOR, MS_ABI_VERSION_MINOR);
        return 1;
    }
    TRY(ms_recorder_open(argv[1], &rec));
    TRY(ms_recorder_multisession_interfaces(rec, &list));
    TRY(ms_list_count(list, &count));
    if (count < 1) fail("ms_list_count", 0);
    TRY(ms_list_get(list, 0, &ms));
    TRY(ms_sequential_start_address_of_previous_session(ms, &start));
    TRY(ms_sequential_next_writable_address(ms, &next));
    TRY(ms_image_new(&image));
    TRY(ms_set_interfaces(image, &ms, 1));
    TRY(ms_image_session_start_block(image, &session_start));
    printf("msinfo %d,%d\n", (int)start, (int)next);
    printf("session start block %d\n", (int)session_start);
    TRY(ms_image_release(image));
    TRY(ms_multisession_release(ms));
    TRY(ms_list_release(list));
    TRY(ms_recorder_release(rec));
    return 0;
}
"#;

/// An appendable CD-R and the lines the program must print for it.
fn appendable_disc(dir: &Path) -> (PathBuf, String) {
    let disc = dir.join("cd-r.img");
    DiscSpec::new(Profile::CdR)
        .sessions(&[1200, 300])
        .create(&disc)
        .unwrap();
    let media = Recorder::open(&disc).unwrap().media_info().unwrap();
    let previous = media.previous_session.expect("two closed sessions");
    let next = media.next_writable.expect("appendable");
    let expected = format!(
        "abi {MS_ABI_VERSION_MAJOR}.{MS_ABI_VERSION_MINOR}\nmsinfo {},{next}\nsession start block {next}\n",
        previous.start
    );
    (disc, expected)
}

/// Compiles the msinfo program with `cc`, taking every flag from
/// `pkg_config_flags` (split on whitespace, in order).
fn compile_msinfo(dir: &Path, name: &str, pkg_config_flags: &[String]) -> PathBuf {
    require("cc");
    let source = dir.join("msinfo.c");
    fs::write(&source, MSINFO_PROGRAM).unwrap();
    let exe = dir.join(name);
    run_ok(
        &format!("cc msinfo.c {}", pkg_config_flags.join(" ")),
        Command::new("cc")
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .arg(&source)
            .arg("-o")
            .arg(&exe)
            .args(pkg_config_flags),
    );
    exe
}

#[test]
fn c_program_built_with_pkg_config_flags_runs_on_the_installed_shared_library() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    install(&prefix);
    let flags: Vec<String> = pkg_config(&prefix, &["--cflags", "--libs"])
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let exe = compile_msinfo(dir.path(), "msinfo-shared", &flags);
    assert!(
        dynamic_section(&exe).needed.contains(&soname()),
        "the program should need {}",
        soname()
    );

    let (disc, expected) = appendable_disc(dir.path());
    let stdout = run_ok(
        "msinfo-shared",
        foreign_program(&exe)
            .arg(&disc)
            .env("LD_LIBRARY_PATH", prefix.join("lib")),
    );
    assert_eq!(stdout, expected);

    // Only the installed library satisfies it: no rpath into the build tree.
    let output = foreign_program(&exe).arg(&disc).output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&soname()),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn c_program_built_with_pkg_config_static_flags_needs_no_shared_library() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    install(&prefix);
    // `--static` adds Libs.private; the linker still prefers the .so for
    // -lmultisession, so that one library is asked for as an archive.
    let flags: Vec<String> = pkg_config(&prefix, &["--static", "--cflags", "--libs"])
        .split_whitespace()
        .flat_map(|flag| match flag {
            "-lmultisession" => vec!["-Wl,-Bstatic", flag, "-Wl,-Bdynamic"],
            _ => vec![flag],
        })
        .map(str::to_owned)
        .collect();
    let exe = compile_msinfo(dir.path(), "msinfo-static", &flags);
    let needed = dynamic_section(&exe).needed;
    assert!(
        !needed.iter().any(|n| n.starts_with("libmultisession")),
        "a static build should not need the shared library: {needed:?}"
    );

    let (disc, expected) = appendable_disc(dir.path());
    let stdout = run_ok("msinfo-static", foreign_program(&exe).arg(&disc));
    assert_eq!(stdout, expected);
}

/// Compiles `examples/c/<name>.c` with only the flags `pkg-config` gives
/// for the installation at `prefix` (the installed header and library).
fn compile_example(prefix: &Path, dir: &Path, name: &str) -> PathBuf {
    require("cc");
    let flags: Vec<String> = pkg_config(prefix, &["--cflags", "--libs"])
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    // "cpp/<name>" is a C++ example, built as a strict C++ project would.
    let (file, compiler, standard, warnings): (_, _, _, &[&str]) = match name.strip_prefix("cpp/") {
        Some(stem) => (
            format!("cpp/{stem}.cpp"),
            "c++",
            "-std=c++11",
            &CXX_STRICT_WARNINGS,
        ),
        None => (
            format!("c/{name}.c"),
            "cc",
            "-std=c99",
            &["-Wall", "-Wextra", "-Werror", "-pedantic"],
        ),
    };
    require(compiler);
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(&file);
    // Copied away from the tree: no include path can find the header there.
    let copy = dir.join(source.file_name().unwrap());
    fs::copy(&source, &copy).unwrap();
    let exe = dir.join(name.replace('/', "-"));
    run_ok(
        &format!("{compiler} {file} {}", flags.join(" ")),
        Command::new(compiler)
            .arg(standard)
            .args(warnings)
            .arg(&copy)
            .arg("-o")
            .arg(&exe)
            .args(&flags),
    );
    exe
}

fn run_example(prefix: &Path, exe: &Path, args: &[&Path]) -> String {
    run_ok(
        &exe.display().to_string(),
        foreign_program(exe)
            .args(args)
            .env("LD_LIBRARY_PATH", prefix.join("lib")),
    )
}

/// The examples of issue 12, built from the installed header and
/// pkg-config only (`eject` opens and closes the tray at the end): `burn` writes a first and a second session on a blank
/// CD-R, genisoimage builds a third for where it lands (`-C`/`-M` with the
/// msinfo numbers), `write_iso` burns it and xorriso reads it back, and
/// `sessions` lists the three sessions with the files of each.
#[test]
fn burn_write_iso_and_sessions_examples_build_from_the_installed_header_and_work() {
    require("genisoimage");
    require("xorriso");
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    install(&prefix);
    let burn = compile_example(&prefix, dir.path(), "burn");
    let write_iso = compile_example(&prefix, dir.path(), "write_iso");
    let sessions = compile_example(&prefix, dir.path(), "sessions");
    let eject = compile_example(&prefix, dir.path(), "eject");

    let disc = dir.path().join("disc.img");
    blank_disc(&disc, Profile::CdR);
    let files = dir.path().join("files");
    fs::create_dir_all(files.join("dir")).unwrap();
    fs::write(files.join("a.txt"), "one\n").unwrap();
    fs::write(files.join("dir/b.txt"), "two\n").unwrap();
    fs::write(files.join("c.txt"), "three\n").unwrap();

    let out = run_example(&prefix, &burn, &[&disc, &files.join("a.txt")]);
    assert!(
        out.starts_with("wrote ") && out.contains(" at LBA 0"),
        "{out}"
    );
    let out = run_example(&prefix, &burn, &[&disc, &files.join("dir")]);
    assert!(out.starts_with("wrote "), "{out}");

    let media = Recorder::open(&disc).unwrap().media_info().unwrap();
    let previous = media.previous_session.unwrap().start;
    let next = media.next_writable.unwrap();
    let iso = dir.path().join("third.iso");
    run_ok(
        "genisoimage",
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-V", "THIRD", "-C"])
            .arg(format!("{previous},{next}"))
            .arg("-M")
            .arg(&disc)
            .arg("-o")
            .arg(&iso)
            .arg(files.join("c.txt")),
    );
    let out = run_example(&prefix, &write_iso, &[&disc, &iso]);
    assert!(out.contains(&format!("at LBA {next}")), "{out}");

    let listed = run_ok(
        "xorriso -find",
        Command::new("xorriso")
            .args(["-abort_on", "FAILURE", "-indev"])
            .arg(&disc)
            .args(["-load", "sbsector", &next.to_string(), "-find", "/"]),
    );
    for path in ["'/a.txt'", "'/dir/b.txt'", "'/c.txt'"] {
        assert!(
            listed.lines().any(|l| l == path),
            "xorriso lists:\n{listed}"
        );
    }

    let out = run_example(&prefix, &sessions, &[&disc]);
    let blocks: Vec<&str> = out.split("session ").skip(1).collect();
    assert_eq!(blocks.len(), 3, "{out}");
    assert!(
        blocks[0].starts_with("1: LBA 0,")
            && blocks[0].contains("/a.txt")
            && !blocks[0].contains("/dir")
    );
    assert!(
        blocks[1].contains("/dir/b.txt") && !blocks[1].contains("/c.txt"),
        "{out}"
    );
    assert!(
        blocks[2].starts_with(&format!("3: LBA {next},")) && blocks[2].contains("volume \"THIRD\"")
    );
    assert!(
        blocks[2].contains("/c.txt") && blocks[2].contains("/a.txt"),
        "{out}"
    );

    assert_eq!(run_example(&prefix, &eject, &[&disc]), "ejected\n");
    let out = run_example(&prefix, &eject, &[Path::new("-t"), &disc]);
    assert_eq!(out, "loaded, profile 0x0009\n");
}

/// The examples for reading the multisession numbers (C and C++), erasing
/// and formatting, and extracting, built from the installed headers and
/// pkg-config only: `msinfo` agrees with the drive model before and after
/// a session, `extract` copies the newest session's tree with its bytes and
/// times and refuses to replace a file, `erase_format` blanks a CD-RW (the
/// disc then takes a first session again at 0), formats a BD-RE, and
/// reports that a CD-R cannot be erased.
#[test]
fn msinfo_extract_and_erase_format_examples_build_from_the_installed_headers_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    install(&prefix);
    let msinfo = compile_example(&prefix, dir.path(), "msinfo");
    let msinfo_cpp = compile_example(&prefix, dir.path(), "cpp/msinfo");
    let burn = compile_example(&prefix, dir.path(), "burn");
    let extract = compile_example(&prefix, dir.path(), "extract");
    let erase_format = compile_example(&prefix, dir.path(), "erase_format");

    let (disc, _) = appendable_disc(dir.path());
    let media = Recorder::open(&disc).unwrap().media_info().unwrap();
    let expected = format!(
        "{},{}\n",
        media.previous_session.unwrap().start,
        media.next_writable.unwrap()
    );
    let out = run_example(&prefix, &msinfo, &[&disc]);
    assert_eq!(out.lines().next(), Some(expected.trim()), "{out}");
    assert_eq!(run_example(&prefix, &msinfo_cpp, &[&disc]), expected);

    // A CD-RW with two sessions of files, extracted and erased.
    let rw = dir.path().join("cd-rw.img");
    blank_disc(&rw, Profile::CdRw);
    let files = dir.path().join("files");
    fs::create_dir_all(files.join("dir/sub")).unwrap();
    fs::write(files.join("a.txt"), "first\n").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(files.join("dir/sub/big.bin"), &big).unwrap();
    run_example(&prefix, &burn, &[&rw, &files.join("a.txt")]);
    run_example(&prefix, &burn, &[&rw, &files.join("dir")]);

    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let out = run_example(&prefix, &extract, &[&rw, &out_dir]);
    assert!(
        out.ends_with(&format!("2 files, {} bytes\n", 6 + big.len())),
        "{out}"
    );
    assert_eq!(fs::read(out_dir.join("a.txt")).unwrap(), b"first\n");
    assert!(fs::read(out_dir.join("dir/sub/big.bin")).unwrap() == big);
    let one = dir.path().join("one");
    fs::create_dir(&one).unwrap();
    let out = run_example(
        &prefix,
        &extract,
        &[&rw, &one, Path::new("/dir/sub/big.bin")],
    );
    assert!(out.starts_with("/dir/sub/big.bin\n"), "{out}");
    assert!(fs::read(one.join("big.bin")).unwrap() == big);
    // An existing name is never replaced.
    let again = foreign_program(&extract)
        .arg(&rw)
        .arg(&one)
        .arg("/dir/sub/big.bin")
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("File exists"));

    let out = run_example(&prefix, &erase_format, &[&rw]);
    assert!(out.starts_with("erased\nblank, 0 sessions"), "{out}");
    let out = run_example(&prefix, &burn, &[&rw, &files.join("a.txt")]);
    assert!(out.contains(" at LBA 0"), "{out}");

    let bd_re = dir.path().join("bd-re.img");
    blank_disc(&bd_re, Profile::BdRe);
    let out = run_example(&prefix, &erase_format, &[Path::new("--format"), &bd_re]);
    assert!(out.starts_with("formatted\n"), "{out}");

    let refused = foreign_program(&erase_format)
        .arg(&disc)
        .env("LD_LIBRARY_PATH", prefix.join("lib"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("cannot be erased"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
