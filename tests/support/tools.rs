//! Whether the external programs a test runs are installed, and the
//! scratch folder such a test works in. Plain `std`, so the CLI crate's
//! tests include this very file by path (cli/tests/support/mod.rs): they
//! cannot name the root crate's fixtures otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether every one of `tools` is installed. Outside CI a test without
/// them is skipped with a note; in CI (`CI` set) their absence is a
/// failure, so the external checks cannot pass vacuously.
pub fn installed(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("which")
                .arg(t)
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "external programs missing in CI: {missing:?}"
    );
    eprintln!("skipped: {missing:?} not installed");
    false
}

/// A fresh scratch folder named after `name` for a test that runs `tools`,
/// or `None` (the test returns) where [`installed`] says to skip.
pub fn scratch_with(name: &str, tools: &[&str]) -> Option<Scratch> {
    installed(tools).then(|| Scratch::new(name))
}

/// A scratch folder removed when the test passes, kept for a look when it
/// fails.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new empty folder in the temporary directory, unique to this call
    /// (tests of one binary run at once and may share a name).
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("multisession-{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
