//! Appending 1% new files to a session of N small files: multisession
//! beside genisoimage (-C/-M) and xorriso (-dev … -commit), each in a
//! child process measured with wait4 (wall time and peak RSS).
//!
//! `cargo bench --bench append` (N = 10,000 and 100,000; set
//! `APPEND_BENCH_N=1000,5000` for other sizes and `APPEND_BENCH_RUNS` for
//! the number of measured runs, 3 by default).

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use multisession::fsi::{self, FileBlocks};
use support::{make_tree, me, measure, repeat, tree_dirs, Measured};

const BLOCK: u64 = multisession::fsi::BLOCK_SIZE as u64;

/// Child modes: the work whose cost is measured.
fn child(args: &[String]) {
    match args[0].as_str() {
        "ours-first" => support::ours_first(Path::new(&args[1]), Path::new(&args[2])),
        "ours-append" => support::ours_append(Path::new(&args[1]), Path::new(&args[2])),
        other => panic!("unknown child mode {other}"),
    }
}

fn bench(n: usize, runs: usize, work: &Path) -> Vec<(String, Measured)> {
    let base = work.join(format!("n{n}"));
    let _ = fs::remove_dir_all(&base);
    let (tree, new) = (base.join("tree"), base.join("new"));
    make_tree(&tree, n, "old");
    make_tree(&new, n / 100, "new");
    let mut rows = Vec::new();
    let copy = |from: &Path, to: &Path| {
        fs::copy(from, to).unwrap();
    };

    // multisession: session 1, then the append (on a fresh copy each run).
    let ours1 = base.join("ours1.img");
    let ours = base.join("ours.img");
    measure(
        Command::new(me())
            .args(["--child", "ours-first"])
            .arg(&tree)
            .arg(&ours1),
    );
    let m = repeat(
        runs,
        || copy(&ours1, &ours),
        || {
            measure(
                Command::new(me())
                    .args(["--child", "ours-append"])
                    .arg(&ours)
                    .arg(&new),
            )
        },
    );
    let src = FileBlocks::open(&ours).unwrap();
    let first = fsi::import(&src, 0, None, Default::default()).unwrap();
    let start = first.recorded_blocks.div_ceil(16) * 16;
    let appended = fsi::import(&src, start, None, Default::default()).unwrap();
    let dirs = tree_dirs(n) + tree_dirs(n / 100) - 1;
    assert_eq!(
        appended.tree.len(),
        n + n / 100 + dirs,
        "entries after the append"
    );
    rows.push(("multisession".to_owned(), m));

    // genisoimage -C/-M: the new files only, grafted at /new.
    let geniso = base.join("geniso.img");
    let s1 = base.join("g1.iso");
    measure(
        Command::new("genisoimage")
            .args(["-quiet", "-R", "-J", "-o"])
            .arg(&s1)
            .arg(&tree),
    );
    copy(&s1, &geniso);
    let nwa = (fs::metadata(&geniso).unwrap().len() / BLOCK).div_ceil(16) * 16;
    let m = repeat(
        runs,
        || {},
        || {
            measure(
                Command::new("genisoimage")
                    .args([
                        "-quiet",
                        "-R",
                        "-J",
                        "-graft-points",
                        "-C",
                        &format!("0,{nwa}"),
                        "-M",
                    ])
                    .arg(&geniso)
                    .arg("-o")
                    .arg(base.join("g2.iso"))
                    .arg(format!("/new={}", new.display())),
            )
        },
    );
    rows.push(("genisoimage".to_owned(), m));

    // xorriso growing a file (libisoburn layout).
    let (xorr1, xorr) = (base.join("xorriso1.img"), base.join("xorriso.img"));
    let x = |img: &Path, args: &[&str]| {
        let mut c = Command::new("xorriso");
        c.args(["-dev"])
            .arg(img)
            .args(["-joliet", "on"])
            .args(args)
            .arg("-commit");
        c
    };
    measure(&mut x(&xorr1, &["-map", tree.to_str().unwrap(), "/"]));
    let m = repeat(
        runs,
        || copy(&xorr1, &xorr),
        || measure(&mut x(&xorr, &["-map", new.to_str().unwrap(), "/new"])),
    );
    rows.push(("xorriso".to_owned(), m));
    let _ = fs::remove_dir_all(&base);
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
    let sizes = support::sizes("APPEND_BENCH_N", "10000,100000");
    let runs = support::runs("APPEND_BENCH_RUNS");
    let work = std::env::temp_dir().join(format!("append-bench-{}", std::process::id()));
    fs::create_dir_all(&work).unwrap();
    println!(
        "append 1% new files to a session of N small files (median wall of {runs} runs, largest peak RSS)"
    );
    println!(
        "{:>8} {:<13} {:>10} {:>10} {:>14} {:>14}",
        "N", "tool", "wall ms", "RSS MiB", "ours/peer wall", "ours/peer RSS"
    );
    for n in sizes {
        let rows = bench(n, runs, &work);
        let ours = &rows[0].1;
        for (name, m) in &rows {
            let (wr, rr) = if name == "multisession" {
                (String::new(), String::new())
            } else {
                (
                    format!("{:.3}", ours.wall.as_secs_f64() / m.wall.as_secs_f64()),
                    format!("{:.3}", ours.max_rss_kib as f64 / m.max_rss_kib as f64),
                )
            };
            println!(
                "{:>8} {:<13} {:>10.1} {:>10.1} {:>14} {:>14}",
                n,
                name,
                m.wall.as_secs_f64() * 1000.0,
                m.max_rss_kib as f64 / 1024.0,
                wr,
                rr
            );
        }
        let peers = &rows[1..];
        let fastest = peers.iter().min_by_key(|(_, m)| m.wall).unwrap();
        let leanest_of_fastest = &fastest.1;
        println!(
            "{:>8} target: wall ≤ 0.2 × {} ({:.3}), RSS ≤ 0.5 × {} ({:.3})",
            n,
            fastest.0,
            ours.wall.as_secs_f64() / leanest_of_fastest.wall.as_secs_f64(),
            fastest.0,
            ours.max_rss_kib as f64 / leanest_of_fastest.max_rss_kib as f64
        );
    }
    let _ = fs::remove_dir_all(&work);
}
