//! `multisession ls` of one directory of N entries: the time per entry
//! must stay flat as N grows (a listing that scanned a directory once per
//! child took 21 s at 80,000 entries and never finished at 1,000,000).
//!
//! The image is crafted record by record (empty files, no data; N = 1M is
//! a 42 MB file), wrapped as an emulated CD-R, and listed by the release
//! CLI binary with its output sent to /dev/null; the time covers the
//! import, the walk and the printing.
//!
//! `cargo build --release -p multisession-cli && cargo bench --bench ls`
//! (N = 10,000, 100,000 and 1,000,000; `LS_BENCH_N=1000,5000` for other
//! sizes, `LS_BENCH_RUNS` for the number of runs, 3 by default, of which
//! the median is shown). `MULTISESSION_BIN` names another binary.

mod support;

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use multisession::fsi::BLOCK_SIZE;
use multisession::internals::iso9660::descriptor::{encode_terminator, encode_volume, VolumeOut};
use multisession::internals::iso9660::record::{RecordOut, FLAG_DIRECTORY};
use multisession::scsi::emulator::{wrap_image, Existing};
use multisession::Profile;

/// Every record is this long ("F0000000" or a dot entry with 8 bytes of
/// system use), so a block holds a fixed number of them.
const SLOT: usize = 42;
const PER_BLOCK: usize = BLOCK_SIZE / SLOT;
const ROOT: u32 = 20;

/// An image at `img` whose root holds `entries` empty files.
fn write_image(img: &Path, entries: usize) {
    let dir_blocks = (entries + 2).div_ceil(PER_BLOCK);
    let root_size = u32::try_from(dir_blocks * BLOCK_SIZE).expect("directory size");
    let mut out = BufWriter::new(fs::File::create(img).unwrap());
    out.write_all(&vec![0u8; 16 * BLOCK_SIZE]).unwrap();
    out.write_all(&encode_volume(&VolumeOut {
        volume_id: b"LS_BENCH",
        space_size: ROOT + dir_blocks as u32,
        path_table_size: 10,
        path_table_l: 18,
        path_table_m: 19,
        root_extent: ROOT,
        root_size,
        time: 0,
        joliet: false,
    }))
    .unwrap();
    out.write_all(&encode_terminator()).unwrap();
    out.write_all(&vec![0u8; 2 * BLOCK_SIZE]).unwrap();
    let mut block = Vec::with_capacity(BLOCK_SIZE);
    for b in 0..dir_blocks {
        block.clear();
        for i in b * PER_BLOCK..((b + 1) * PER_BLOCK).min(entries + 2) {
            let name = match i {
                0 => vec![0],
                1 => vec![1],
                _ => format!("F{:07}", i - 2).into_bytes(),
            };
            let dot = i < 2;
            RecordOut {
                extent: if dot { ROOT } else { 0 },
                size: if dot { root_size } else { 0 },
                date: 0,
                flags: if dot { FLAG_DIRECTORY } else { 0 },
                id: &name,
                system_use: if dot { &[0; 8] } else { &[] },
            }
            .encode(&mut block);
        }
        block.resize(BLOCK_SIZE, 0);
        out.write_all(&block).unwrap();
    }
    out.flush().unwrap();
}

/// The wall time of one `multisession ls DISC`, output discarded.
fn time_ls(bin: &Path, disc: &Path) -> Duration {
    let t0 = Instant::now();
    let status = Command::new(bin)
        .arg("ls")
        .arg(disc)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let took = t0.elapsed();
    assert!(status.success(), "ls {} failed", disc.display());
    took
}

/// How many entries `ls` prints (lines after its header).
fn listed(bin: &Path, disc: &Path) -> usize {
    let out = Command::new(bin).arg("ls").arg(disc).output().unwrap();
    assert!(out.status.success());
    out.stdout.iter().filter(|&&b| b == b'\n').count() - 1
}

fn main() {
    let sizes = support::sizes("LS_BENCH_N", "10000,100000,1000000");
    let runs = support::runs("LS_BENCH_RUNS");
    let bin = support::cli_binary();
    let work = std::env::temp_dir().join(format!("ls-bench-{}", std::process::id()));
    fs::create_dir_all(&work).unwrap();
    println!("multisession ls of one directory of N empty files (median wall of {runs} runs)");
    println!("{:>10} {:>10} {:>14}", "entries", "seconds", "ns per entry");
    for n in sizes {
        let disc = work.join(format!("n{n}.img"));
        write_image(&disc, n);
        wrap_image(&disc, Profile::CdR, &[0], false, Existing::Replace).unwrap();
        assert_eq!(listed(&bin, &disc), n, "entries listed");
        let mut times: Vec<Duration> = (0..runs).map(|_| time_ls(&bin, &disc)).collect();
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{:>10} {:>10.3} {:>14.0}",
            n,
            median.as_secs_f64(),
            median.as_nanos() as f64 / n as f64
        );
        let _ = fs::remove_file(&disc);
        let _ = fs::remove_file(multisession::scsi::emulator::sidecar_path(&disc));
    }
    let _ = fs::remove_dir_all(&work);
}
