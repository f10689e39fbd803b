//! The committed `include/multisession.h` is exactly what cbindgen makes of
//! the C ABI (`src/ffi/`) and the status codes (`src/hresult.rs`).
//!
//! `MS_UPDATE_HEADER=1 cargo test --test header_drift` rewrites it.

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
    let mut generated = Vec::new();
    bindings.write(&mut generated);
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
             regenerate it with `MS_UPDATE_HEADER=1 cargo test --test header_drift`"
        );
    }
}
