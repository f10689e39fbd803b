//! The Go module in go/ as its users get it: `scripts/install` into a
//! prefix, then Go builds that find the library through pkg-config alone
//! (PKG_CONFIG_PATH; LD_LIBRARY_PATH only to run what they built, no CGO_*
//! variables). An outside module that requires the package builds the
//! module's example commands and a program of its own and runs the msinfo
//! and append flow on an emulated disc, checked against the installed
//! `multisession` tool and isoinfo; in the package, `go vet`, `go test` (with the
//! header coverage test and the Examples), `go test -race` and
//! `GODEBUG=cgocheck=2 go test` pass.
//!
//! Go is not optional: `.ci/run` (scripts/test-all) installs it, and a
//! missing `go` fails the test. Everything Go writes (build cache, module
//! cache) stays under target/go, and no network is used (GOPROXY=off).

use crate::support::one_line_tests;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::ffi::{deps_dir, foreign_program, install_command, require, run_ok};

/// The module path go/go.mod declares, as docs/go.md and the examples
/// import it.
const MODULE: &str = "github.com/multisession/multisession/go";

/// `target/go`: Go's caches and the installation the tests build against.
fn go_home() -> PathBuf {
    deps_dir()
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("go")
}

/// The prefix `scripts/install` installed into, once per test binary.
/// Reinstalling on top of an earlier run replaces the files in place.
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = go_home().join("prefix");
        run_ok(
            "scripts/install",
            install_command().arg("--prefix").arg(&prefix),
        );
        prefix
    })
}

/// A `go` command that sees the installation only through pkg-config.
fn go(dir: &Path, args: &[&str]) -> Command {
    let found = Command::new("go").arg("version").output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "`go` is not installed; the Go binding test needs it. Run .ci/run (scripts/test-all installs golang-go)"
    );
    let home = go_home();
    let mut command = foreign_program("go");
    command
        .args(args)
        .current_dir(dir)
        .env("PKG_CONFIG_PATH", prefix().join("lib/pkgconfig"))
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .env("CGO_ENABLED", "1")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", home.join("cache"))
        .env("GOPATH", home.join("path"))
        .env("GOMODCACHE", home.join("path/pkg/mod"));
    for name in [
        "CGO_CFLAGS",
        "CGO_CPPFLAGS",
        "CGO_LDFLAGS",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "GODEBUG",
    ] {
        command.env_remove(name);
    }
    command
}

fn go_package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("go")
}

/// Runs `go test` in the package with `extra` flags and checks it passed.
fn go_test_passes(what: &str, extra: &[&str], godebug: Option<&str>) -> String {
    let mut args = vec!["test", "-count=1"];
    args.extend_from_slice(extra);
    args.push("./...");
    let mut command = go(&go_package_dir(), &args);
    if let Some(value) = godebug {
        command.env("GODEBUG", value);
    }
    let stdout = run_ok(what, &mut command);
    assert!(
        stdout.contains(&format!("ok  \t{MODULE}\t")),
        "{what}: the package's tests did not run\n{stdout}"
    );
    stdout
}

const OUTSIDE_MAIN: &str = r#"package main

import (
	"fmt"
	"os"

	multisession "github.com/multisession/multisession/go"
)

// Describes the disc named on the command line: its medium, then every
// session with its volume name.
func main() {
	rec, err := multisession.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer rec.Close()
	info, err := rec.MediaInfo()
	if err == nil {
		fmt.Println(info.Profile, info.MediaState)
		var sessions []multisession.Session
		sessions, err = rec.Sessions()
		for _, s := range sessions {
			fmt.Printf("%d %d %q\n", s.Number, s.Start, s.VolumeName)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
"#;

#[test]
fn outside_module_builds_with_only_pkg_config_and_runs_msinfo_and_append_on_an_emulated_disc() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("outside");
    fs::create_dir(&module).unwrap();
    fs::write(
        module.join("go.mod"),
        format!(
            "module example.com/outside\n\ngo 1.19\n\nrequire {MODULE} v0.0.0\n\nreplace {MODULE} => {}\n",
            go_package_dir().display()
        ),
    )
    .unwrap();
    fs::write(module.join("main.go"), OUTSIDE_MAIN).unwrap();
    let bin = dir.path().join("bin");
    run_ok(
        "go build of the outside module and the module's commands",
        &mut go(
            &module,
            &[
                "build",
                "-o",
                &format!("{}/", bin.display()),
                ".",
                &format!("{MODULE}/cmd/msinfo"),
                &format!("{MODULE}/cmd/append"),
            ],
        ),
    );

    let run = |what: &str, program: &str, args: &[&OsStr]| {
        run_ok(
            what,
            foreign_program(bin.join(program))
                .args(args)
                .env("LD_LIBRARY_PATH", prefix().join("lib")),
        )
    };
    let disc = dir.path().join("disc.img");
    let notes = dir.path().join("notes.txt");
    let more = dir.path().join("more.txt");
    fs::write(&notes, "first session\n").unwrap();
    fs::write(&more, "second session, longer\n").unwrap();

    // `append -create cd-r` makes the emulated disc and its first session.
    let out = run(
        "append -create",
        "append",
        &[
            "-create".as_ref(),
            "cd-r".as_ref(),
            disc.as_ref(),
            notes.as_ref(),
        ],
    );
    assert!(out.starts_with("session 1 written at 0: "), "{out}");
    let out = run(
        "append",
        "append",
        &[
            "-volume".as_ref(),
            "Second".as_ref(),
            disc.as_ref(),
            more.as_ref(),
        ],
    );
    assert!(out.starts_with("session 2 written at "), "{out}");

    // The installed tool reads the same numbers off the disc.
    let cli = run_ok(
        "multisession msinfo",
        foreign_program(prefix().join("bin/multisession"))
            .arg("msinfo")
            .arg(&disc),
    );
    let msinfo = run("msinfo", "msinfo", &[disc.as_ref()]);
    assert_eq!(msinfo.trim(), cli.trim());
    let second_start = out
        .trim_start_matches("session 2 written at ")
        .split(':')
        .next()
        .unwrap();
    assert!(
        msinfo.starts_with(&format!("{second_start},")),
        "msinfo {msinfo:?} after {out:?}"
    );

    // A peer reads the second session where msinfo says it starts.
    require("isoinfo");
    let listed = run_ok(
        "isoinfo -f",
        Command::new("isoinfo")
            .arg("-i")
            .arg(&disc)
            .args(["-T", second_start, "-J", "-f"]),
    );
    let mut files: Vec<&str> = listed.lines().map(|l| l.trim_end_matches(";1")).collect();
    files.sort_unstable();
    assert_eq!(files, ["/more.txt", "/notes.txt"], "isoinfo:\n{listed}");

    let described = run("the outside module's program", "outside", &[disc.as_ref()]);
    assert_eq!(
        described,
        format!("CD-R APPENDABLE\n1 0 \"\"\n2 {second_start} \"Second\"\n")
    );
}

#[test]
fn go_vet_and_go_test_pass_in_the_package_built_from_pkg_config() {
    run_ok("go vet", &mut go(&go_package_dir(), &["vet", "./..."]));
    go_test_passes("go test", &[], None);
}

#[test]
fn every_header_function_is_reachable_from_go() {
    let stdout = go_test_passes(
        "the header coverage test",
        &["-v", "-run", "^TestEveryHeaderFunctionIsReachableFromGo$"],
        None,
    );
    assert!(
        stdout.contains("--- PASS: TestEveryHeaderFunctionIsReachableFromGo"),
        "{stdout}"
    );
}

one_line_tests! {
    go_test_passes_under_the_race_detector: go_test_passes("go test -race", &["-race"], None);
    go_test_passes_with_cgocheck_2: go_test_passes("GODEBUG=cgocheck=2 go test", &[], Some("cgocheck=2"));
}
