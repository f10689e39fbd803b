//! The bodies of the fuzz targets, shared by the libFuzzer binaries in
//! `fuzz_targets/` and by `tests/drive/fuzz_regressions.rs`, which replays every
//! input a campaign ever found (and the seed corpora) in the normal suite.
//!
//! Each module's `run` takes one input and panics only on a bug.

pub mod c_abi_calls;
pub mod emulator_commands;
pub mod image_import;
pub mod mmc_replies;
pub mod sidecar;

use std::path::{Path, PathBuf};

/// A per-process directory for the discs a target works on: in /dev/shm
/// when there is one, so millions of runs do not wear a disk.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("ms-fuzz-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("fuzz scratch directory");
    dir
}
