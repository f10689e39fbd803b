//! The dependency rule of docs/architecture.md, checked on the source: a
//! module may name (`use crate::x`, `crate::x::…`) only its own layer or a
//! lower one. Cycles between layers start as one convenient import; this
//! test refuses the first one and names the line.

use std::fs;
use std::path::{Path, PathBuf};

/// The layer table, lowest first. Modules on one row may use each other.
const LAYERS: &[&[&str]] = &[
    &["hresult", "error"],
    &["block", "volume"],
    &["media"],
    &["scsi"],
    // Test doubles (hidden): above the transport they fake, below the
    // layers whose unit tests use them.
    &["testing"],
    &["mmc"],
    &["recorder"],
    &["session"],
    &["fsi"],
    &["burn"],
    &["ffi"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// The top-level module a source file belongs to (`src/scsi/emulator/mod.rs`
/// → `scsi`); `None` for the crate root, which only declares and re-exports.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let module = first.strip_suffix(".rs").unwrap_or(first);
    (module != "lib").then(|| module.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a line of code names through `crate::`, including
/// the grouped form `use crate::{a::X, b};`. Comments are skipped: a doc
/// link is not a dependency.
fn crate_references(line: &str) -> Vec<String> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let code = code.split("//").next().unwrap_or(code);
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Only the first segment of each top-level item of the group.
            let mut depth = 0usize;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    _ if item_start && !c.is_whitespace() => {
                        item_start = false;
                        found.push(ident(&group[i..]));
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

/// The crate root's `pub use module::{A, B};` names mapped to the layer of
/// their module, so `crate::Recorder` counts as a use of `recorder` and the
/// root re-exports are no way around the rule.
fn root_reexports(src: &Path) -> std::collections::HashMap<String, usize> {
    let mut map = std::collections::HashMap::new();
    let Ok(text) = fs::read_to_string(src.join("lib.rs")) else {
        return map;
    };
    for line in text.lines() {
        let Some(path) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let Some((module, names)) = path.split_once("::") else {
            continue;
        };
        let Some(layer) = layer_of(module) else {
            continue;
        };
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in names.split(',') {
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                map.insert(name.to_string(), layer);
            }
        }
    }
    map
}

/// Every `crate::` reference that points to a higher layer, as
/// `file:line: from → to: text`.
fn upward_references(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let root_exports = root_reexports(src);
    let mut offences = Vec::new();
    for file in files {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let from = layer_of(&module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` is in no layer of the table",
                file.display()
            )
        });
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for target in crate_references(line) {
                let Some(to) = layer_of(&target).or_else(|| root_exports.get(&target).copied())
                else {
                    // Macros and anything else the crate root defines itself.
                    continue;
                };
                if to > from {
                    offences.push(format!(
                        "{}:{}: {module} must not use {target} (a higher layer): {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    offences
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_a_higher_layer() {
    let offences = upward_references(&src_dir());
    assert!(
        offences.is_empty(),
        "lower layers must not import upper ones (docs/architecture.md):\n{}",
        offences.join("\n")
    );
}

#[test]
fn every_top_level_module_is_in_the_layer_table() {
    let mut files = Vec::new();
    let src = src_dir();
    rust_files(&src, &mut files);
    for file in files {
        if let Some(module) = module_of(&src, &file) {
            assert!(
                layer_of(&module).is_some(),
                "{}: `{module}` has no row in the layer table; add it here and to docs/architecture.md",
                file.display()
            );
        }
    }
}

#[test]
fn the_checker_sees_plain_grouped_and_inline_references() {
    assert_eq!(crate_references("use crate::fsi::BLOCK_SIZE;"), ["fsi"]);
    assert_eq!(
        crate_references("use crate::{block::{BlockSource, BLOCK_SIZE}, mmc::probe};"),
        ["block", "mmc"]
    );
    assert_eq!(
        crate_references("    let n = x * crate::fsi::BLOCK_SIZE as u64;"),
        ["fsi"]
    );
    assert!(crate_references("/// See [`crate::fsi::Tree`].").is_empty());
    assert!(crate_references("use my_crate::fsi::Tree;").is_empty());
}

#[test]
fn an_upward_import_is_reported_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir_all(src.join("scsi/emulator")).unwrap();
    fs::write(src.join("lib.rs"), "pub mod scsi;\n").unwrap();
    fs::write(
        src.join("scsi/emulator/image.rs"),
        "use crate::error::Result;\nuse crate::fsi::BLOCK_SIZE;\n",
    )
    .unwrap();
    let offences = upward_references(src);
    assert_eq!(offences.len(), 1, "{offences:?}");
    assert!(
        offences[0].contains("image.rs:2: scsi must not use fsi"),
        "{}",
        offences[0]
    );
}

#[test]
fn a_crate_root_reexport_does_not_hide_an_upward_import() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    fs::create_dir_all(src.join("mmc")).unwrap();
    fs::write(
        src.join("lib.rs"),
        "pub mod mmc;\npub use error::{Error, Result};\npub use recorder::{Identity, Recorder};\n",
    )
    .unwrap();
    fs::write(
        src.join("mmc/probe.rs"),
        "use crate::Result;\nfn f(_: &crate::Recorder) {}\n",
    )
    .unwrap();
    let offences = upward_references(src);
    assert_eq!(offences.len(), 1, "{offences:?}");
    assert!(
        offences[0].contains("probe.rs:2: mmc must not use Recorder"),
        "{}",
        offences[0]
    );
}
