//! Import of a 100,000-file UDF session beside the ISO 9660 import of the
//! same tree: one `genisoimage -udf -R -J` bridge image, imported through
//! `ImportSpecificFileSystem` once as UDF and once as ISO 9660 (Rock
//! Ridge), plus the UDF reader alone (the UDF import of a bridge also
//! walks the ISO 9660 directories to check that the two trees agree, and
//! reads the ISO 9660 tree whole only when they may not). The last line is
//! the bridge's UDF import over the ISO 9660 import (issue 11 asks ≤ 2).
//!
//! `cargo bench --bench udf_import` (`UDF_BENCH_N=10000` for another size,
//! `UDF_BENCH_RUNS` runs, 3 by default, of which the median is shown).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use multisession::fsi::{self, FileBlocks, FileSystems, ImportLimits};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` files in directories of 1,000; every tenth holds a few bytes.
fn make_tree(root: &Path, n: usize) {
    for i in 0..n {
        let d = root.join(format!("dir{:04}", i / 1000));
        if i % 1000 == 0 {
            fs::create_dir_all(&d).unwrap();
        }
        let data: &[u8] = if i % 10 == 0 { b"some bytes" } else { b"" };
        fs::write(d.join(format!("file{i:06}.txt")), data).unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n = env_usize("UDF_BENCH_N", 100_000);
    let runs = env_usize("UDF_BENCH_RUNS", 3).max(1);
    let dir = std::env::temp_dir().join(format!("multisession-udf-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let src = dir.join("src");
    make_tree(&src, n);
    let img = dir.join("bridge.iso");
    let st = Command::new("genisoimage")
        .args([
            "-quiet",
            "-udf",
            "-R",
            "-J",
            "-input-charset",
            "utf-8",
            "-o",
        ])
        .arg(&img)
        .arg(&src)
        .status()
        .expect("genisoimage");
    assert!(st.success(), "genisoimage -udf");
    let blocks = FileBlocks::open(&img).unwrap();
    let limits = ImportLimits::default();

    let mut rows: Vec<(&str, Duration, usize)> = Vec::new();
    for (label, fs_choice) in [
        (
            "UDF import (bridge: ISO tree checked)",
            Some(FileSystems::UDF),
        ),
        ("ISO 9660 import (Rock Ridge)", Some(FileSystems::ISO9660)),
    ] {
        let mut times = Vec::new();
        let mut entries = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let imported = fsi::import(&blocks, 0, fs_choice, limits).unwrap();
            times.push(t.elapsed());
            assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
            entries = imported.tree.len();
        }
        rows.push((label, median(times), entries));
    }
    let mut times = Vec::new();
    let mut entries = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let (_, tree, _) =
            multisession::internals::udf::read::import(&blocks, 0, limits, false).unwrap();
        times.push(t.elapsed());
        entries = tree.len();
    }
    rows.push(("UDF reader alone", median(times), entries));

    println!("\nimport of a {n}-file session (genisoimage -udf -R -J), median of {runs}");
    println!(
        "{:<42} {:>10} {:>10} {:>12}",
        "what", "entries", "ms", "µs/entry"
    );
    let ratio = rows[0].1.as_secs_f64() / rows[1].1.as_secs_f64().max(1e-9);
    for (label, t, entries) in rows {
        println!(
            "{:<42} {:>10} {:>10.1} {:>12.2}",
            label,
            entries,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / entries.max(1) as f64
        );
    }
    println!("UDF import / ISO 9660 import: {ratio:.2}");
    let _ = fs::remove_dir_all(&dir);
}
