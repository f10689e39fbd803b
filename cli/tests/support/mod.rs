//! Shared helpers of the CLI's integration tests: running the binary,
//! checking its output and its failure line, making source folders.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use multisession::hresult;

/// Whether external programs are installed, and scratch folders: the root
/// crate's fixture file, included by path (see its head).
#[path = "../../../tests/support/tools.rs"]
pub mod tools;

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_multisession"))
        .args(args)
        .output()
        .expect("run multisession")
}

pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Stdout of `info`/`msinfo` on a blank disc: exit status 3, as
/// `cdrecord -msinfo` fails there.
pub fn blank(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn folder(root: &Path, name: &str, files: &[(&str, &str)]) -> String {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir.to_str().unwrap().to_string()
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// The HRESULT name of a failed run, checking the `multisession: NAME
/// (0xVALUE): detail` line and the exit status.
pub fn failure(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    assert!(out.stdout.is_empty(), "{args:?} printed a result");
    let err = String::from_utf8(out.stderr).unwrap();
    let line = err.trim_end();
    assert_eq!(line.lines().count(), 1, "{err}");
    let rest = line
        .strip_prefix("multisession: ")
        .unwrap_or_else(|| panic!("{err}"));
    let (name, rest) = rest.split_once(" (0x").unwrap_or_else(|| panic!("{err}"));
    let (value, detail) = rest.split_once("): ").unwrap_or_else(|| panic!("{err}"));
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "{err}"
    );
    assert!(
        value.len() == 8
            && value
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()),
        "{err}"
    );
    assert_eq!(
        hresult::name(u32::from_str_radix(value, 16).unwrap() as i32).unwrap_or_default(),
        name,
        "{err}"
    );
    assert!(!detail.trim().is_empty(), "{err}");
    name.to_string()
}
