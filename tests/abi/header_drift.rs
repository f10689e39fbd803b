//! The committed `include/multisession.h` is exactly what cbindgen makes of
//! the C ABI (`src/ffi/`) and the status codes (`src/hresult.rs`).
//!
//! `MS_UPDATE_HEADER=1 cargo test --test abi header_drift` rewrites it.
//!
//! cbindgen writes a status code as a C-style cast, `(ms_hresult)2147942406u`,
//! which `case MS_E_HANDLE:` in C++ rejects under `-Wold-style-cast -Werror`
//! and which no `#if` can evaluate. cbindgen has no setting for that, so the
//! generation rewrites each one into the signed literal it stands for,
//! `(-2147024890)`: an `int` (= `int32_t`) in C and C++ alike, with the
//! hexadecimal value still in the doc comment above it.

use std::path::Path;

#[test]
fn committed_header_matches_the_generated_one() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .with_src(root.join("src/hresult.rs"))
        .generate()
        .expect("cbindgen failed to generate the header");
    let mut raw = Vec::new();
    bindings.write(&mut raw);
    let generated = status_codes_as_signed_literals(&String::from_utf8(raw).expect("UTF-8"));
    let generated = generated.into_bytes();
    let header = root.join("include/multisession.h");
    if std::env::var_os("MS_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&header, &generated).expect("writing include/multisession.h");
        return;
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    if committed != generated {
        let first = committed
            .split(|&b| b == b'\n')
            .zip(generated.split(|&b| b == b'\n'))
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_string(),
                |l| format!("at line {}", l + 1),
            );
        panic!(
            "include/multisession.h is stale (first difference {first}); \
             regenerate it with `MS_UPDATE_HEADER=1 cargo test --test abi header_drift`"
        );
    }
}

/// Rewrites `#define NAME (ms_hresult)<u32>u` lines into
/// `#define NAME <i32>`, parenthesised when negative.
fn status_codes_as_signed_literals(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for line in header.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let rewritten = body
            .strip_prefix("#define ")
            .and_then(|rest| rest.split_once(" (ms_hresult)"))
            .and_then(|(name, value)| {
                let bits: u32 = value.strip_suffix('u')?.parse().ok()?;
                // The bit pattern of an HRESULT is its signed value.
                let value = bits as i32;
                Some(match value {
                    i32::MIN => format!("#define {name} (-2147483647 - 1)"),
                    v if v < 0 => format!("#define {name} ({v})"),
                    v => format!("#define {name} {v}"),
                })
            });
        match rewritten {
            Some(text) => {
                out.push_str(&text);
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}
