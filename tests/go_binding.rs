//! The Go binding in go/ (`go test`): the msinfo flow, appends on every
//! writable profile, a cancel, and error values, against the cdylib cargo
//! built for this test run.
//!
//! Go is not optional: `.ci/run` (scripts/test-all) installs it, and a
//! missing `go` fails the test. Everything Go writes (build cache, module
//! cache) stays under target/, and no network is used.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `target/<profile>/deps`, where cargo builds the cdylib for this run.
fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().expect("target/<profile>/deps").to_path_buf();
    assert!(
        dir.join("libmultisession.so").exists(),
        "{} has no libmultisession.so: cargo builds the cdylib for integration tests",
        dir.display()
    );
    dir
}

#[test]
fn go_test_passes_against_the_library_built_for_this_run() {
    let found = Command::new("go").arg("version").output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "`go` is not installed; the Go binding test needs it. Run .ci/run (scripts/test-all installs golang-go)"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let deps = deps_dir();
    // target/<profile>/deps → target/go
    let go_home = deps
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("go");
    let output = Command::new("go")
        .args(["test", "-count=1", "./..."])
        .current_dir(root.join("go"))
        .env_remove("LD_LIBRARY_PATH")
        .env("CGO_ENABLED", "1")
        .env(
            "CGO_CFLAGS",
            format!("-I{}", root.join("include").display()),
        )
        .env(
            "CGO_LDFLAGS",
            format!("-L{0} -Wl,-rpath,{0}", deps.display()),
        )
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", go_home.join("cache"))
        .env("GOPATH", go_home.join("path"))
        .env("GOMODCACHE", go_home.join("path/pkg/mod"))
        .output()
        .expect("running go test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("ok  \tmultisession"),
        "go test failed (exit {:?})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status.code()
    );
}
