//! Gives the cdylib its SONAME, `libmultisession.so.<ABI major>`, so that a
//! program linked against it today refuses, at load time, a future library
//! whose C ABI broke — and keeps loading every compatible one.
//!
//! The ABI major has one source of truth: `MS_ABI_VERSION_MAJOR` in
//! `src/ffi/mod.rs`, which `ms_abi_version()` and the header's macros also
//! come from. This script reads the number from that file rather than
//! repeating it; `scripts/install` reads the same line the same way and
//! checks the built library's SONAME against it.
//!
//! A SONAME changes how programs linked in the build tree find the library:
//! their `NEEDED` entry becomes `libmultisession.so.<major>`, a name cargo
//! never writes. So, as `ldconfig` does on an installed system, this script
//! puts a `libmultisession.so.<major> -> libmultisession.so` link beside the
//! cdylib in `target/<profile>/deps` and `target/<profile>`. That keeps
//! `gcc -L target/release -lmultisession` with an rpath working, and the C
//! and Go test programs too.

use std::env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const ABI_SOURCE: &str = "src/ffi/mod.rs";
const ABI_MAJOR_ITEM: &str = "pub const MS_ABI_VERSION_MAJOR: u32 =";

fn main() {
    println!("cargo:rerun-if-changed={ABI_SOURCE}");
    println!("cargo:rerun-if-changed=build.rs");

    let source = fs::read_to_string(ABI_SOURCE)
        .unwrap_or_else(|e| panic!("build.rs: reading {ABI_SOURCE}: {e}"));
    let major = abi_major(&source).unwrap_or_else(|| {
        panic!("build.rs: no `{ABI_MAJOR_ITEM} <number>;` line in {ABI_SOURCE}")
    });

    // The SONAME is an ELF notion; Linux is the ELF platform this crate
    // builds and tests its C library on.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let soname = format!("libmultisession.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");

    if let Some(profile_dir) = profile_dir() {
        for dir in [profile_dir.join("deps"), profile_dir] {
            if let Err(e) = link_soname(&dir, &soname) {
                println!(
                    "cargo:warning=could not link {soname} in {}: {e}",
                    dir.display()
                );
            }
        }
    }
}

/// The number in the `MS_ABI_VERSION_MAJOR` item, from a line such as
/// `pub const MS_ABI_VERSION_MAJOR: u32 = 1;`.
fn abi_major(source: &str) -> Option<u32> {
    source.lines().find_map(|line| {
        line.trim()
            .strip_prefix(ABI_MAJOR_ITEM)?
            .trim()
            .strip_suffix(';')?
            .trim()
            .parse()
            .ok()
    })
}

/// `target/[<triple>/]<profile>`: `OUT_DIR` is
/// `target/[<triple>/]<profile>/build/multisession-<hash>/out`.
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    Some(out.ancestors().nth(3)?.to_path_buf())
}

/// Makes `dir/<soname>` a relative link to `libmultisession.so`, which may
/// not exist yet: cargo links the cdylib after running this script.
#[cfg(unix)]
fn link_soname(dir: &Path, soname: &str) -> io::Result<()> {
    let link = dir.join(soname);
    let target = Path::new("libmultisession.so");
    if fs::read_link(&link).is_ok_and(|current| current == target) {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    match fs::remove_file(&link) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::os::unix::fs::symlink(target, &link)
}

#[cfg(not(unix))]
fn link_soname(_dir: &Path, _soname: &str) -> io::Result<()> {
    Ok(())
}
