//! What the bench binaries share: the benchmark tree, a child process
//! measured with wait4 (wall time and peak RSS), the median of several
//! runs, a session written to an image file, and the CLI binary.
//!
//! Each bench binary compiles this module on its own and uses a part of
//! it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use std::sync::Arc;

use multisession::fsi::{
    self, BuildOptions, FileBlocks, ImportLimits, OnClash, SessionStream, Tree, BLOCK_SIZE,
};

/// One measured child process.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub wall: Duration,
    /// User plus system time: on a shared machine the wall time also
    /// holds the waits for a core, this does not.
    pub cpu: Duration,
    pub max_rss_kib: i64,
}

impl Measured {
    pub fn secs(&self) -> f64 {
        self.wall.as_secs_f64()
    }

    pub fn cpu_secs(&self) -> f64 {
        self.cpu.as_secs_f64()
    }

    pub fn rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// Runs `cmd` and measures it (and only it) with wait4; a failure panics
/// with the child's standard error.
// The child is reaped by wait4 itself, which std's `Child` does not know.
#[allow(clippy::zombie_processes)]
pub fn measure(cmd: &mut Command) -> Measured {
    let log = std::env::temp_dir().join(format!("bench-{}.stderr", std::process::id()));
    let t0 = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child; status and usage are valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t0.elapsed();
    assert_eq!(r, pid, "wait4");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(
        ok,
        "{cmd:?} failed ({status:#x}): {}",
        fs::read_to_string(&log).unwrap_or_default()
    );
    let _ = fs::remove_file(&log);
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measured {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

/// Measures `run` `runs` times (after `reset` each time): the median wall
/// and CPU times and the largest peak RSS. Each run starts with no dirty
/// pages, so none pays for the writeback of what came before (the tree
/// just made, the previous tool's output).
pub fn repeat(runs: usize, mut reset: impl FnMut(), mut run: impl FnMut() -> Measured) -> Measured {
    let mut all: Vec<Measured> = (0..runs.max(1))
        .map(|_| {
            reset();
            sync();
            run()
        })
        .collect();
    all.sort_by_key(|m| m.cpu);
    let cpu = all[all.len() / 2].cpu;
    all.sort_by_key(|m| m.wall);
    Measured {
        wall: all[all.len() / 2].wall,
        cpu,
        max_rss_kib: all.iter().map(|m| m.max_rss_kib).max().unwrap(),
    }
}

/// Writes every dirty page back (sync(2)).
pub fn sync() {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// Files per directory of the benchmark tree.
pub const FILES_PER_DIR: usize = 100;

/// The benchmark tree: `files` files of 64 to 3063 bytes, 100 per
/// directory `dNNNNN` below `root` (an archive disc's shape: many small
/// files in many small directories), named `{prefix}_{i}.txt`.
pub fn make_tree(root: &Path, files: usize, prefix: &str) {
    let line = format!("{prefix} benchmark file\n").repeat(200);
    for i in 0..files {
        let dir = root.join(format!("d{:05}", i / FILES_PER_DIR));
        if i % FILES_PER_DIR == 0 {
            fs::create_dir_all(&dir).unwrap();
        }
        // Sizes spread over 64..3064 (a multiplier prime to 3000).
        let size = 64 + (i * 7919) % 3000;
        fs::write(
            dir.join(format!("{prefix}_{i:07}.txt")),
            &line.as_bytes()[..size],
        )
        .unwrap();
    }
}

/// Directories `make_tree` makes for `files` files (its root included).
pub fn tree_dirs(files: usize) -> usize {
    files.div_ceil(FILES_PER_DIR) + 1
}

/// Writes a session into the image file at its start block.
pub fn write_session(img: &Path, s: &mut dyn SessionStream) {
    use std::os::unix::fs::FileExt;
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(img)
        .unwrap();
    let mut buf = vec![0u8; 256 * BLOCK_SIZE];
    let total = s.total_blocks();
    let mut b = 0;
    while b < total {
        let n = 256.min(total - b);
        let chunk = &mut buf[..n as usize * BLOCK_SIZE];
        s.read_blocks(b, chunk).unwrap();
        f.write_all_at(
            chunk,
            (s.start_block() as u64 + b as u64) * BLOCK_SIZE as u64,
        )
        .unwrap();
        b += n;
    }
}

/// The in-process first session: `tree_dir`'s files as a session written
/// to the image file `img`.
pub fn ours_first(tree_dir: &Path, img: &Path) {
    let mut t = Tree::new();
    t.add_tree(tree_dir, "/", false, OnClash::Fail).unwrap();
    let opts = BuildOptions {
        write_unit: 16,
        ..Default::default()
    };
    write_session(img, &mut fsi::build(Arc::new(t), &opts).unwrap());
}

/// The in-process append: the session of `img` imported, `new_dir`'s
/// files added as /new, the next session written after it.
pub fn ours_append(img: &Path, new_dir: &Path) {
    let src = FileBlocks::open(img).unwrap();
    let limits = ImportLimits {
        medium_blocks: Some(src.blocks()),
        ..Default::default()
    };
    let mut t = fsi::import(&src, 0, None, limits).unwrap().tree;
    t.mkdir("/new").unwrap();
    t.add_tree(new_dir, "/new", false, OnClash::Fail).unwrap();
    let opts = BuildOptions {
        start_block: src.blocks().div_ceil(16) * 16,
        write_unit: 16,
        ..Default::default()
    };
    write_session(img, &mut fsi::build(Arc::new(t), &opts).unwrap());
}

/// This bench binary, to run itself as a measured child.
pub fn me() -> PathBuf {
    std::env::current_exe().unwrap()
}

/// The release CLI binary (`MULTISESSION_BIN` names another one).
pub fn cli_binary() -> PathBuf {
    let bin = std::env::var_os("MULTISESSION_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // target/release/deps/NAME-… → target/release/multisession
            let exe = me();
            exe.parent().unwrap().parent().unwrap().join("multisession")
        });
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --release -p multisession-cli` first",
        bin.display()
    );
    bin
}

/// The sizes in the comma-separated list `var`, else `default`.
pub fn sizes(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{var}: comma-separated numbers"))
        })
        .collect()
}

/// The number of measured runs in `var` (3 by default).
pub fn runs(var: &str) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
}
