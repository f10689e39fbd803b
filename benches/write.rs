//! Writing a session to an emulated BD-R beside `cat` of the same data:
//! throughput ratio and peak memory at two session sizes.
//!
//! Both sides end durable, so the ratio compares like with like: `cat`'s
//! output is fsynced before its clock stops, and the session write ends
//! with SYNCHRONIZE CACHE, which the emulator answers by fsyncing the
//! image (and CLOSE saves the sidecar with fsync). The source file is
//! fsynced before anything is timed, so neither side pays for its
//! write-back. The disc is created and opened (a disc put in the drive)
//! before the write clock starts; building the session streams the data
//! lazily and is timed with the write.
//!
//! Each measurement runs in a child process (this binary again, with
//! `MS_BENCH_CHILD` set) so its peak resident set (VmHWM) is its own.
//! `MS_BENCH_MIB` overrides the large size (default 1024 MiB). The two
//! sides alternate `MS_BENCH_RUNS` times (default 2) and each keeps its
//! best time, so neither pays alone for the other's write-back or for
//! running first.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use multisession::burn::{DataWriter, Flow, WriteOptions};
use multisession::fsi::{build, BuildOptions, Tree};
use multisession::recorder::Recorder;
use multisession::scsi::emulator::{create_blank, sidecar_path, Existing};
use multisession::Profile;

const MIB: u64 = 1 << 20;
/// The write path should reach at least this fraction of `cat`'s throughput.
const TARGET_RATIO: f64 = 0.8;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn make_source(path: &Path, mib: u64) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut block = vec![0u8; MIB as usize];
    let mut x = 0x9E37_79B9u32;
    for _ in 0..mib {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        file.write_all(&block).unwrap();
    }
    file.into_inner().unwrap().sync_all().unwrap();
}

/// Child: one measurement; prints "seconds peak_kib".
fn child(mode: &str, source: &Path, dir: &Path) {
    let seconds = match mode {
        "cat" => {
            let started = Instant::now();
            let out = std::fs::File::create(dir.join("cat.out")).unwrap();
            let status = Command::new("cat")
                .arg(source)
                .stdout(out)
                .status()
                .unwrap();
            assert!(status.success());
            std::fs::File::open(dir.join("cat.out"))
                .unwrap()
                .sync_all()
                .unwrap();
            started.elapsed()
        }
        "write" => {
            let disc = dir.join("bd-r.img");
            create_blank(&disc, Profile::BdR, None, Existing::Replace).unwrap();
            let recorder = Arc::new(Recorder::open(&disc).unwrap());
            let started = Instant::now();
            let mut tree = Tree::new();
            tree.add_local_file("/data.bin", source, false).unwrap();
            let mut session = build(
                Arc::new(tree),
                &BuildOptions {
                    write_unit: 32,
                    ..BuildOptions::default()
                },
            )
            .unwrap();
            let options = WriteOptions {
                disable_consumer_dvd_compatibility_mode: true,
                ..WriteOptions::default()
            };
            DataWriter::new(recorder, options)
                .write(&mut session, &mut |_| Flow::Continue)
                .unwrap();
            started.elapsed()
        }
        other => panic!("unknown mode {other}"),
    };
    println!("{} {}", seconds.as_secs_f64(), peak_rss_kib());
}

fn measure(mode: &str, source: &Path, dir: &Path) -> (f64, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("MS_BENCH_CHILD", mode)
        .env("MS_BENCH_SOURCE", source)
        .env("MS_BENCH_DIR", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut it = text.split_whitespace();
    (
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
    )
}

fn main() {
    if let Ok(mode) = std::env::var("MS_BENCH_CHILD") {
        let source = PathBuf::from(std::env::var("MS_BENCH_SOURCE").unwrap());
        let dir = PathBuf::from(std::env::var("MS_BENCH_DIR").unwrap());
        return child(&mode, &source, &dir);
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let large: u64 = std::env::var("MS_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let runs: usize = std::env::var("MS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
        .max(1);
    let sizes = [large / 8, large];
    println!("durability: both fsync at the end (cat: fsync of its output; write: SYNCHRONIZE CACHE fsyncs the emulated image)");
    println!(
        "ratio = write MiB/s / cat MiB/s, target >= {TARGET_RATIO:.2}; best of {runs} alternating runs"
    );
    println!(
        "{:>9} | {:>10} {:>10} | {:>10} {:>10} | {:>6} {:>7} | {:>12} {:>14}",
        "session",
        "cat s",
        "cat MiB/s",
        "write s",
        "write MiB/s",
        "ratio",
        "target",
        "cat peak KiB",
        "write peak KiB"
    );
    let mut peaks = Vec::new();
    for mib in sizes {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.bin");
        make_source(&source, mib);
        let (mut cat, mut write) = (f64::INFINITY, f64::INFINITY);
        let (mut cat_peak, mut write_peak) = (0, 0);
        for _ in 0..runs {
            let (seconds, peak) = measure("cat", &source, dir.path());
            (cat, cat_peak) = (cat.min(seconds), cat_peak.max(peak));
            std::fs::remove_file(dir.path().join("cat.out")).unwrap();
            let (seconds, peak) = measure("write", &source, dir.path());
            (write, write_peak) = (write.min(seconds), write_peak.max(peak));
            let disc = dir.path().join("bd-r.img");
            std::fs::remove_file(sidecar_path(&disc)).unwrap();
            std::fs::remove_file(disc).unwrap();
        }
        let ratio = cat / write;
        let verdict = if ratio >= TARGET_RATIO {
            "met"
        } else {
            "MISSED"
        };
        println!(
            "{:>5} MiB | {:>10.2} {:>10.0} | {:>10.2} {:>10.0} | {:>6.2} {:>7} | {:>12} {:>14}",
            mib,
            cat,
            mib as f64 / cat,
            write,
            mib as f64 / write,
            ratio,
            verdict,
            cat_peak,
            write_peak
        );
        peaks.push(write_peak);
    }
    println!(
        "write peak memory at {} MiB vs {} MiB: {} KiB vs {} KiB (flat: growth {} KiB)",
        sizes[0],
        sizes[1],
        peaks[0],
        peaks[1],
        peaks[1] as i64 - peaks[0] as i64
    );
}
