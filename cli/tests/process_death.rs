//! The process-death campaign: `multisession append` killed with SIGKILL
//! at random moments on every writable profile. After each kill the disc
//! must still load, its first session extract byte-identical, `recover`
//! close what the kill left open, a retried append succeed and xorriso
//! read the final disc.
//!
//! 10 kills per profile by default, 40 with `MULTISESSION_LONG=1`; the
//! seed is printed and `MULTISESSION_SEED=N` replays a run (docs/reliability.md).
#![cfg(target_os = "linux")]

mod support;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{json, ok};

const BIN: &str = env!("CARGO_BIN_EXE_multisession");

/// splitmix64: a seeded sequence of kill moments that replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, max].
    fn below(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos() as u64;
        Duration::from_nanos(self.next() % (nanos + 1))
    }
}

fn seed() -> u64 {
    match std::env::var("MULTISESSION_SEED") {
        Ok(s) => s.parse().expect("MULTISESSION_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    }
}

fn kills_per_profile() -> usize {
    if std::env::var_os("MULTISESSION_LONG").is_some_and(|v| v == "1") {
        40
    } else {
        10
    }
}

/// Files with their contents under `dir/name`: many small files (import
/// and build take a while) and one large one (so does the write).
fn source(dir: &Path, name: &str, small: usize, big: usize) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = (0..small)
        .map(|i| {
            (
                format!("{name}/small/f{i}.txt"),
                format!("{name} {i}\n").into_bytes(),
            )
        })
        .collect();
    let data = (0..big as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8 ^ name.len() as u8)
        .collect();
    files.push((format!("{name}/big.bin"), data));
    for (path, data) in &files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    files
}

fn copy_disc(from: &Path, to: &Path) {
    for suffix in ["", ".json"] {
        let name = |p: &Path| PathBuf::from(format!("{}{suffix}", p.display()));
        std::fs::copy(name(from), name(to)).unwrap();
    }
}

fn append(disc: &Path, folder: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["append", "--keep-appendable"])
        .arg(disc)
        .arg(folder)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Every file of `files` under `out`, byte for byte.
fn assert_extracted(out: &Path, files: &[(String, Vec<u8>)], what: &str) {
    for (path, data) in files {
        let got = std::fs::read(out.join(path))
            .unwrap_or_else(|e| panic!("{what}: {path} missing after extract: {e}"));
        assert!(got == *data, "{what}: {path} differs after extract");
    }
}

/// What one kill did.
#[derive(Default)]
struct Tally {
    /// The append finished before the signal.
    finished: usize,
    /// Killed with a session left open, which `recover` closed.
    recovered: usize,
    /// Killed with nothing to recover (before the write, or on
    /// overwritable media whose old volume stays in force until the end).
    clean: usize,
}

fn campaign(profile: &str) {
    let seed = seed();
    let kills = kills_per_profile();
    eprintln!(
        "process death {profile}: seed {seed}, {kills} kills (MULTISESSION_SEED={seed} replays)"
    );
    let mut rng = Rng(seed);
    let root = tempfile::tempdir().unwrap();
    let one = source(root.path(), "one", 20, 100_000);
    let two = source(root.path(), "two", 300, 16 << 20);
    let pristine = root.path().join("pristine.img");
    ok(&["new-disc", "--profile", profile, pristine.to_str().unwrap()]);
    let status = append(&pristine, &root.path().join("one"))
        .status()
        .unwrap();
    assert!(status.success());

    // T: how long an append that nobody kills takes, start to exit.
    let timed = root.path().join("timed.img");
    copy_disc(&pristine, &timed);
    let started = Instant::now();
    assert!(append(&timed, &root.path().join("two"))
        .status()
        .unwrap()
        .success());
    let span = started.elapsed();

    let mut tally = Tally::default();
    for k in 0..kills {
        let what = format!("{profile} kill {k} (seed {seed})");
        let disc = root.path().join(format!("k{k}.img"));
        copy_disc(&pristine, &disc);
        let d = disc.to_str().unwrap();
        let delay = rng.below(span);
        let mut child = append(&disc, &root.path().join("two")).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let killed = status.signal() == Some(9);
        assert!(
            killed || status.success(),
            "{what}: append failed on its own: {status}"
        );

        let info = json(&ok(&["info", "--json", d]));
        let out = root.path().join(format!("k{k}-one"));
        ok(&["extract", "--session", "1", d, out.to_str().unwrap()]);
        assert_extracted(&out, &one, &what);

        if info["LastSessionState"] == "incomplete" {
            assert!(killed, "{what}: a finished append left {info}");
            ok(&["recover", d]);
            let after = json(&ok(&["info", "--json", d]));
            assert_ne!(after["LastSessionState"], "incomplete", "{what}: {after}");
            tally.recovered += 1;
        } else if killed {
            tally.clean += 1;
        } else {
            tally.finished += 1;
        }

        // The retry: the same folder again, then everything reads back.
        let status = append(&disc, &root.path().join("two")).status().unwrap();
        assert!(status.success(), "{what}: the retried append failed");
        let out = root.path().join(format!("k{k}-all"));
        ok(&["extract", d, out.to_str().unwrap()]);
        assert_extracted(&out, &one, &what);
        assert_extracted(&out, &two, &what);
        xorriso_reads(&disc, one.len() + two.len(), &what);
        std::fs::remove_dir_all(root.path().join(format!("k{k}-all"))).unwrap();
        std::fs::remove_file(&disc).unwrap();
    }
    eprintln!(
        "process death {profile}: seed {seed}, T = {span:?}: {kills} kills, {} finished first, {} left a session open that recover closed, {} killed with nothing to recover; all passed",
        tally.finished, tally.recovered, tally.clean
    );
}

/// xorriso, reading the image file itself at the newest session's start,
/// finds every file.
fn xorriso_reads(disc: &Path, files: usize, what: &str) {
    let info = json(&ok(&["info", "--json", disc.to_str().unwrap()]));
    let start = info["StartAddressOfPreviousSession"].as_u64().unwrap_or(0);
    let out = Command::new("xorriso")
        .args(["-load", "sbsector", &start.to_string(), "-indev"])
        .arg(format!("stdio:{}", disc.display()))
        .args(["-find", "/", "-type", "f"])
        .output()
        .expect("xorriso is installed");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what}: xorriso: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(listed.lines().count(), files, "{what}: {listed}");
}

#[test]
fn append_killed_at_random_moments_on_cd_r_leaves_a_disc_that_recovers_and_takes_the_retry() {
    campaign("cd-r");
}

#[test]
fn append_killed_at_random_moments_on_dvd_plus_r_leaves_a_disc_that_recovers_and_takes_the_retry() {
    campaign("dvd+r");
}

#[test]
fn append_killed_at_random_moments_on_bd_r_leaves_a_disc_that_recovers_and_takes_the_retry() {
    campaign("bd-r");
}

#[test]
fn append_killed_at_random_moments_on_dvd_plus_rw_leaves_a_disc_that_recovers_and_takes_the_retry()
{
    campaign("dvd+rw");
}

#[test]
fn append_killed_at_random_moments_on_bd_re_leaves_a_disc_that_recovers_and_takes_the_retry() {
    campaign("bd-re");
}
