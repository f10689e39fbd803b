//! Scale to a million files (issue 16): on the benchmark tree of N small
//! files (100 per directory, 64–3063 bytes), side by side in one run —
//!
//! - append 1 % new files: the CLI (`multisession append` on an emulated
//!   BD-R, what a user runs) and the library in-process, beside
//!   genisoimage -M/-C and xorriso (-dev … -map of the delta -commit);
//! - the first session of N files: the CLI (also with
//!   `--single-udf-metadata`, IMAPI's CreateRedundantUdfMetadataFiles
//!   off) and in-process, beside the
//!   data-copy floor (`tar cf` of the same tree into one file),
//!   genisoimage and xorriso;
//! - `multisession ls` of that session beside its import alone;
//! - `multisession extract` of it beside `tar x` of the same files;
//! - the READ commands and blocks one import sends to the emulated drive
//!   (counted by a transport between recorder and emulator) beside the
//!   session's ECMA-119 directory blocks and its UDF metadata blocks (the
//!   CLI writes UDF 2.50 bridges on BD, and the import reads UDF: a file
//!   entry per item, so the metadata blocks are the floor there).
//!
//! Every tool runs as a child process measured with wait4: the median
//! wall and CPU (user + system) times of the runs and the largest peak
//! RSS; the CPU time is shown because on a shared machine the wall time
//! also holds the waits for a core. µs/file is wall / N;
//! B/entry is (peak RSS − the same program on a one-file disc) / entries.
//! The ratio columns compare with the faster (wall) and smaller (RSS) peer.
//! Each run of an append, `ls` or import starts with its inputs read whole
//! (the image, and the files an append adds: in the page cache, for every
//! tool alike), an append's image put back as it was before.
//!
//! `cargo build --release -p multisession-cli && cargo bench --bench scale`
//! (N = 10,000 and 100,000); a million files, which needs about 25 GB of
//! temporary space: `SCALE_BENCH_N=1000000 cargo bench --bench scale`.
//! `SCALE_BENCH_RUNS` sets the number of runs (3).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use multisession::fsi::{self, identify, BlockSource, ImportLimits, BLOCK_SIZE};
use multisession::internals::iso9660::record::{Record, FLAG_DIRECTORY};
use multisession::scsi::emulator::{sidecar_path, EmulatedDrive};
use multisession::scsi::{Completion, DataDirection, Transport};
use multisession::{Error, Recorder, Result};
use support::{cli_binary, make_tree, me, measure, repeat, tree_dirs, Measured};

/// Child modes: the in-process work whose cost is measured.
fn child(args: &[String]) {
    match args[0].as_str() {
        "ours-first" => support::ours_first(Path::new(&args[1]), Path::new(&args[2])),
        "ours-append" => support::ours_append(Path::new(&args[1]), Path::new(&args[2])),
        // The import `ls` and `append` start with, through the drive.
        "import" => {
            let recorder = Recorder::open(&args[1]).unwrap();
            let tree = import_first(&recorder).tree;
            assert!(!tree.is_empty());
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// The first session of `recorder`'s disc, imported as the CLI does.
fn import_first(recorder: &Recorder) -> fsi::Imported {
    let media = recorder.media_info().unwrap();
    let limits = ImportLimits {
        medium_blocks: Some(media.total_sectors),
        ..Default::default()
    };
    fsi::import(recorder, 0, None, limits).unwrap()
}

/// Counts the READ(10)/READ(12) commands and the blocks they ask for on
/// their way to the emulator.
struct CountingTransport {
    inner: EmulatedDrive,
    reads: Arc<AtomicU64>,
    blocks: Arc<AtomicU64>,
}

impl Transport for CountingTransport {
    fn execute(&mut self, c: &[u8], d: DataDirection<'_>, t: Duration) -> Result<Completion> {
        let cdb = c;
        let blocks = match cdb.first() {
            Some(0x28) => Some(u16::from_be_bytes([cdb[7], cdb[8]]) as u64),
            Some(0xA8) => Some(u32::from_be_bytes([cdb[6], cdb[7], cdb[8], cdb[9]]) as u64),
            _ => None,
        };
        if let Some(b) = blocks {
            self.reads.fetch_add(1, Ordering::Relaxed);
            self.blocks.fetch_add(b, Ordering::Relaxed);
        }
        self.inner.execute(cdb, d, t)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn take_host_cause(&mut self) -> Option<Error> {
        self.inner.take_host_cause()
    }
}

/// What importing a session costs on the drive: READ commands and blocks
/// read by the import `ls` makes and by the one `append` makes (for a next
/// session: a bridge this library wrote is read through its directories),
/// beside the session's ECMA-119 directory blocks and UDF metadata blocks.
struct ImportReads {
    n: usize,
    listing: (u64, u64),
    appending: (u64, u64),
    directory_blocks: u64,
    udf_metadata_blocks: u64,
}

/// (READ commands, blocks read) of `import` of `disc`'s first session.
fn count_reads(disc: &Path, import: impl FnOnce(&Arc<Recorder>)) -> (u64, u64) {
    let reads = Arc::new(AtomicU64::new(0));
    let blocks = Arc::new(AtomicU64::new(0));
    let transport = CountingTransport {
        inner: EmulatedDrive::open(disc).unwrap(),
        reads: reads.clone(),
        blocks: blocks.clone(),
    };
    let recorder = Arc::new(Recorder::from_transport(Box::new(transport)).unwrap());
    recorder.media_info().unwrap();
    let count = || {
        (
            reads.load(Ordering::Relaxed),
            blocks.load(Ordering::Relaxed),
        )
    };
    let before = count();
    import(&recorder);
    let after = count();
    (after.0 - before.0, after.1 - before.1)
}

fn import_reads(n: usize, disc: &Path) -> ImportReads {
    let listing = count_reads(disc, |recorder| {
        import_first(recorder);
    });
    let appending = count_reads(disc, |recorder| {
        let mut image = fsi::FileSystemImage::new();
        let offered = multisession::session::offer(recorder).unwrap();
        image.set_multisession_interfaces(offered).unwrap();
        image.import_file_system(None).unwrap();
    });
    let recorder = Recorder::open(disc).unwrap();
    ImportReads {
        n,
        listing,
        appending,
        directory_blocks: directory_blocks(&recorder),
        udf_metadata_blocks: udf_metadata_blocks(&recorder),
    }
}

/// Blocks of the first session's UDF metadata file (the file set
/// descriptor, every file entry and directory), found here from the anchor
/// at 256 through the logical volume's metadata partition map
/// independently of the importer; 0 without one.
fn udf_metadata_blocks(src: &dyn BlockSource) -> u64 {
    use multisession::internals::udf::layout::{Avdp, FileEntry, Lvd, PartitionMap};
    let block = |lba: u32| {
        let mut b = vec![0u8; BLOCK_SIZE];
        src.read_blocks(lba, &mut b).ok().map(|_| b)
    };
    let Some((_, avdp)) = block(256).and_then(|b| Avdp::parse(&b, Some(256)).ok()) else {
        return 0;
    };
    let first = avdp.main_vds.location;
    let lvd = (first..first + avdp.main_vds.length / BLOCK_SIZE as u32)
        .find_map(|lba| Lvd::parse(&block(lba)?, Some(lba)).ok().map(|(_, lvd)| lvd));
    let metadata_file = lvd
        .into_iter()
        .flat_map(|lvd| lvd.maps)
        .find_map(|map| match map {
            PartitionMap::Metadata { metadata_file, .. } => Some(metadata_file),
            _ => None,
        });
    metadata_file
        .and_then(|at| FileEntry::parse(&block(at)?, Some(at)).ok())
        .map_or(0, |(_, fe)| {
            fe.information_length.div_ceil(BLOCK_SIZE as u64)
        })
}

/// The blocks of every directory of the primary (ECMA-119) tree, walked
/// here record by record independently of the importer.
fn directory_blocks(src: &dyn BlockSource) -> u64 {
    let root = identify(src, 0).unwrap().descriptors.primary.unwrap().root;
    let mut stack = vec![(root.extent, root.size)];
    let mut total = 0u64;
    while let Some((extent, size)) = stack.pop() {
        let blocks = (size as usize).div_ceil(BLOCK_SIZE);
        total += blocks as u64;
        let mut buf = vec![0u8; blocks * BLOCK_SIZE];
        src.read_blocks(extent, &mut buf).unwrap();
        for block in buf.chunks_exact(BLOCK_SIZE) {
            let mut at = 0;
            while at < BLOCK_SIZE && block[at] != 0 {
                let rec = Record::parse(&block[at..], String::new).unwrap();
                if rec.flags & FLAG_DIRECTORY != 0 && !rec.is_dot_or_dotdot() {
                    stack.push((rec.extent, rec.size));
                }
                at += block[at] as usize;
            }
        }
    }
    total
}

/// A blank emulated BD-R at `disc` (any earlier one replaced).
fn new_disc(bin: &Path, disc: &Path) {
    remove_disc(disc);
    measure(
        Command::new(bin)
            .args(["new-disc", "--profile", "bd-r"])
            .arg(disc),
    );
}

fn remove_disc(disc: &Path) {
    let _ = fs::remove_file(disc);
    let _ = fs::remove_file(sidecar_path(disc));
}

/// What an append may change of an image it appends to, kept so that each
/// run starts from the same image: the length, the first MiB (where an
/// overwritable image's volume descriptors are rewritten), the last MiB
/// before the end (where a session's padding could reach) and the
/// emulator's sidecar. Every byte past the end is new, and no append
/// touches the middle: the previous session stays as it was.
///
/// A copy of the whole image before each run would do the same at the
/// cost of a few GB of page cache per run at a million files, which left
/// the measured run paying for reclaim (system time ×4) rather than for
/// its own work.
struct Snapshot {
    path: PathBuf,
    len: u64,
    head: Vec<u8>,
    tail: Vec<u8>,
    sidecar: Option<Vec<u8>>,
}

const SNAPSHOT_EDGE: u64 = 1 << 20;

impl Snapshot {
    fn take(path: &Path) -> Snapshot {
        use std::os::unix::fs::FileExt;
        let file = fs::File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        let read = |at: u64, n: u64| {
            let mut buf = vec![0; n as usize];
            file.read_exact_at(&mut buf, at).unwrap();
            buf
        };
        let edge = SNAPSHOT_EDGE.min(len);
        Snapshot {
            path: path.to_owned(),
            len,
            head: read(0, edge),
            tail: read(len - edge, edge),
            sidecar: fs::read(sidecar_path(path)).ok(),
        }
    }

    fn restore(&self) {
        use std::os::unix::fs::FileExt;
        let file = fs::OpenOptions::new().write(true).open(&self.path).unwrap();
        file.set_len(self.len).unwrap();
        file.write_all_at(&self.head, 0).unwrap();
        file.write_all_at(&self.tail, self.len - self.tail.len() as u64)
            .unwrap();
        match &self.sidecar {
            Some(bytes) => fs::write(sidecar_path(&self.path), bytes).unwrap(),
            None => {
                let _ = fs::remove_file(sidecar_path(&self.path));
            }
        }
    }

    /// `runs` measured appends of `added` to the image, each from the
    /// snapshot and with the image and `added` in the page cache
    /// ([`warm`]); the image is left as it was.
    fn repeat(self, runs: usize, added: &Path, run: impl FnMut() -> Measured) -> Measured {
        let m = repeat(
            runs,
            || {
                self.restore();
                warm(&self.path);
                warm(added);
            },
            run,
        );
        self.restore();
        m
    }
}

/// Reads the file or tree `path` whole, so that an append finds the
/// previous session and the files it adds in the page cache. Every tool's
/// inputs are warmed before each of its runs: what the first sessions
/// written since left of them in memory was a matter of chance, and a
/// cold run waited on the disk for up to half its time (the import's
/// reads, then the new files read one by one).
fn warm(path: &Path) {
    use std::io::Read;
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            warm(&entry.unwrap().path());
        }
        return;
    }
    let mut f = fs::File::open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    while f.read(&mut buf).unwrap() > 0 {}
}

/// `program` with `args`.
fn cmd(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// `runs` measured runs of `command`, which makes the file `out` anew.
fn making(runs: usize, out: &Path, mut command: impl FnMut() -> Command) -> Measured {
    repeat(
        runs,
        || {
            let _ = fs::remove_file(out);
        },
        || measure(&mut command()),
    )
}

fn fresh_dir(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
}

/// One line of the table.
struct Row {
    n: usize,
    what: String,
    m: Measured,
    /// Entries for the memory per entry, and the baseline RSS to subtract.
    per_entry: Option<(usize, i64)>,
    /// The ratio to a peer: "×0.19 genisoimage".
    wall_ratio: String,
    rss_ratio: String,
}

/// "×0.19 genisoimage" (wall, with the CPU-time ratio beside it) or
/// "×0.54 genisoimage" (peak RSS).
fn ratio(ours: &Measured, peer: &Measured, name: &str, wall: bool) -> String {
    if wall {
        format!(
            "×{:.2} {name} (cpu ×{:.2})",
            ours.secs() / peer.secs(),
            ours.cpu_secs() / peer.cpu_secs()
        )
    } else {
        format!(
            "×{:.2} {name}",
            ours.max_rss_kib as f64 / peer.max_rss_kib as f64
        )
    }
}

/// The peer with the smallest wall time, and the one with the smallest
/// peak RSS.
fn best<'a>(
    peers: &'a [(&'a str, Measured)],
) -> (&'a (&'a str, Measured), &'a (&'a str, Measured)) {
    (
        peers.iter().min_by_key(|(_, m)| m.wall).unwrap(),
        peers.iter().min_by_key(|(_, m)| m.max_rss_kib).unwrap(),
    )
}

struct Bench {
    bin: PathBuf,
    runs: usize,
    /// Peak RSS of the CLI (`ls`) and of an in-process import on a
    /// one-file disc: what a process costs before any entry.
    base_cli: i64,
    base_lib: i64,
    rows: Vec<Row>,
    reads: Vec<ImportReads>,
}

impl Bench {
    fn row(&mut self, n: usize, what: &str, m: Measured) -> &mut Row {
        self.rows.push(Row {
            n,
            what: what.to_owned(),
            m,
            per_entry: None,
            wall_ratio: String::new(),
            rss_ratio: String::new(),
        });
        self.rows.last_mut().unwrap()
    }

    fn cli(&self) -> Command {
        Command::new(&self.bin)
    }

    fn run(&mut self, n: usize, work: &Path) {
        let runs = self.runs;
        let base = work.join(format!("n{n}"));
        fresh_dir(&base);
        let (tree, new) = (base.join("tree"), base.join("new"));
        eprintln!("scale: N = {n}: making the trees");
        make_tree(&tree, n, "old");
        make_tree(&new, n / 100, "new");
        let entries = n + tree_dirs(n); // + the /tree directory
        let appended = entries + n / 100 + tree_dirs(n / 100);
        let p = |path: &Path| path.to_str().unwrap().to_owned();

        // First session: ours (CLI, then in-process), tar, genisoimage, xorriso.
        eprintln!("scale: N = {n}: first session");
        let disc = base.join("first.disc");
        let first_cli = repeat(
            runs,
            || new_disc(&self.bin, &disc),
            || measure(self.cli().arg("append").arg(&disc).arg(&tree)),
        );
        // IMAPI's CreateRedundantUdfMetadataFiles off: the UDF metadata
        // once (its own disc: the rows below work on `disc`).
        let single = base.join("first-single.disc");
        let first_single = repeat(
            runs,
            || new_disc(&self.bin, &single),
            || {
                measure(
                    self.cli()
                        .args(["append", "--single-udf-metadata"])
                        .arg(&single)
                        .arg(&tree),
                )
            },
        );
        remove_disc(&single);
        let img = base.join("ours.img");
        let first_lib = making(runs, &img, || {
            cmd(me(), &["--child", "ours-first", &p(&tree), &p(&img)])
        });
        let tarball = base.join("tree.tar");
        let tar = making(runs, &tarball, || {
            cmd("tar", &["cf", &p(&tarball), "-C", &p(&tree), "."])
        });
        let g1 = base.join("g1.iso");
        let geniso = ["-quiet", "-R", "-J", "-o"];
        let geniso_first = making(runs, &g1, || {
            cmd(
                "genisoimage",
                &[&geniso[..], &[&p(&g1), &p(&tree)]].concat(),
            )
        });
        let xorriso = |img: &Path, from: &Path, to: &str| {
            cmd(
                "xorriso",
                &[
                    "-dev",
                    &p(img),
                    "-joliet",
                    "on",
                    "-map",
                    &p(from),
                    to,
                    "-commit",
                ],
            )
        };
        let x1 = base.join("xorriso1.img");
        let xorriso_first = making(runs, &x1, || xorriso(&x1, &tree, "/"));
        let floor = [("tar", tar)];
        let peers = [("genisoimage", geniso_first), ("xorriso", xorriso_first)];
        for (what, m, base_rss) in [
            ("first session, CLI", first_cli, self.base_cli),
            ("first session, CLI, UDF once", first_single, self.base_cli),
            ("first session, in-process", first_lib, self.base_lib),
        ] {
            let (fast, lean) = best(&peers);
            let r = self.row(n, what, m);
            r.per_entry = Some((entries, base_rss));
            r.wall_ratio = format!(
                "{}; {}",
                ratio(&m, &floor[0].1, "tar", true),
                ratio(&m, &fast.1, fast.0, true)
            );
            r.rss_ratio = ratio(&m, &lean.1, lean.0, false);
        }
        self.row(n, "first session, tar cf (floor)", tar);
        for (name, m) in peers {
            self.row(n, &format!("first session, {name}"), m);
        }

        // Append 1 %: ours (CLI, in-process), genisoimage -M/-C, xorriso.
        eprintln!("scale: N = {n}: append 1 %");
        let append_cli = Snapshot::take(&disc).repeat(runs, &new, || {
            measure(self.cli().arg("append").arg(&disc).arg(&new))
        });
        let append_lib = Snapshot::take(&img).repeat(runs, &new, || {
            measure(&mut cmd(
                me(),
                &["--child", "ours-append", &p(&img), &p(&new)],
            ))
        });
        let nwa = (fs::metadata(&g1).unwrap().len() / BLOCK_SIZE as u64).div_ceil(16) * 16;
        let g2 = base.join("g2.iso");
        let (graft, msinfo) = (format!("/new={}", p(&new)), format!("0,{nwa}"));
        let geniso_command = || {
            let multi = [
                "-graft-points",
                "-C",
                &msinfo,
                "-M",
                &p(&g1),
                "-o",
                &p(&g2),
                &graft,
            ];
            cmd("genisoimage", &[&geniso[..3], &multi[..]].concat())
        };
        let geniso_append = repeat(
            runs,
            || {
                let _ = fs::remove_file(&g2);
                warm(&g1);
                warm(&new);
            },
            || measure(&mut geniso_command()),
        );
        let xorriso_append =
            Snapshot::take(&x1).repeat(runs, &new, || measure(&mut xorriso(&x1, &new, "/new")));
        for f in [&g1, &g2, &x1, &img] {
            let _ = fs::remove_file(f);
        }
        let peers = [("genisoimage", geniso_append), ("xorriso", xorriso_append)];
        let (fast, lean) = best(&peers);
        for (what, m, base_rss) in [
            ("append 1 %, CLI", append_cli, self.base_cli),
            ("append 1 %, in-process", append_lib, self.base_lib),
        ] {
            let r = self.row(n, what, m);
            r.per_entry = Some((appended, base_rss));
            r.wall_ratio = ratio(&m, &fast.1, fast.0, true);
            r.rss_ratio = ratio(&m, &lean.1, lean.0, false);
        }
        for (name, m) in peers {
            self.row(n, &format!("append 1 %, {name}"), m);
        }

        // ls and extract of the first session.
        eprintln!("scale: N = {n}: ls, import, extract");
        let ls = repeat(
            runs,
            || warm(&disc),
            || measure(self.cli().arg("ls").arg(&disc)),
        );
        let import = repeat(
            runs,
            || warm(&disc),
            || measure(&mut cmd(me(), &["--child", "import", &p(&disc)])),
        );
        let out = base.join("out");
        let extract = repeat(
            runs,
            || {
                let _ = fs::remove_dir_all(&out);
            },
            || measure(self.cli().arg("extract").arg(&disc).arg(&out)),
        );
        let _ = fs::remove_dir_all(&out);
        let untar = repeat(
            runs,
            || fresh_dir(&out),
            || measure(&mut cmd("tar", &["xf", &p(&tarball), "-C", &p(&out)])),
        );
        let _ = fs::remove_dir_all(&out);
        let (base_cli, base_lib) = (self.base_cli, self.base_lib);
        let r = self.row(n, "ls, CLI", ls);
        r.per_entry = Some((entries, base_cli));
        r.wall_ratio = ratio(&ls, &import, "import", true);
        let r = self.row(n, "import alone, in-process", import);
        r.per_entry = Some((entries, base_lib));
        let r = self.row(n, "extract, CLI", extract);
        r.per_entry = Some((entries, base_cli));
        r.wall_ratio = ratio(&extract, &untar, "tar x", true);
        r.rss_ratio = ratio(&extract, &untar, "tar x", false);
        self.row(n, "tar x", untar);

        self.reads.push(import_reads(n, &disc));
        let _ = fs::remove_dir_all(&base);
    }

    fn print(&self, runs: usize) {
        println!(
            "scale: the benchmark tree of N files (100 per directory, 64–3063 bytes); median wall of {runs} runs, largest peak RSS"
        );
        let head = [
            "N", "what", "wall s", "cpu s", "RSS MiB", "µs/file", "B/entry",
        ];
        println!(
            "{:>8} {:<30} {:>8} {:>7} {:>8} {:>8} {:>8}  {:<58} RSS ratio",
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], "wall ratio (cpu ratio)"
        );
        for r in &self.rows {
            let per_entry = r
                .per_entry
                .map(|(entries, base)| {
                    format!(
                        "{:.0}",
                        (r.m.max_rss_kib - base).max(0) as f64 * 1024.0 / entries as f64
                    )
                })
                .unwrap_or_default();
            println!(
                "{:>8} {:<30} {:>8.3} {:>7.3} {:>8.1} {:>8.2} {:>8}  {:<58} {}",
                r.n,
                r.what,
                r.m.secs(),
                r.m.cpu_secs(),
                r.m.rss_mib(),
                r.m.secs() * 1e6 / r.n as f64,
                per_entry,
                r.wall_ratio,
                r.rss_ratio
            );
        }
        println!(
            "import of the first session through the emulated drive (READ commands / blocks read):"
        );
        println!(
            "{:>8} {:>22} {:>22} {:>18} {:>20}",
            "N", "as ls imports", "as append imports", "directory blocks", "UDF metadata blocks"
        );
        for r in &self.reads {
            let pair = |(reads, blocks): (u64, u64)| format!("{reads} / {blocks}");
            println!(
                "{:>8} {:>22} {:>22} {:>18} {:>20}",
                r.n,
                pair(r.listing),
                pair(r.appending),
                r.directory_blocks,
                r.udf_metadata_blocks
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(&args[i + 1..]);
        return;
    }
    let sizes = support::sizes("SCALE_BENCH_N", "10000,100000");
    let runs = support::runs("SCALE_BENCH_RUNS");
    let bin = cli_binary();
    let work = std::env::temp_dir().join(format!("scale-bench-{}", std::process::id()));
    fresh_dir(&work);

    // The baselines: a disc of one file, listed and imported.
    let tiny = work.join("tiny");
    make_tree(&tiny, 1, "tiny");
    let tiny_disc = work.join("tiny.disc");
    new_disc(&bin, &tiny_disc);
    measure(Command::new(&bin).arg("append").arg(&tiny_disc).arg(&tiny));
    let base_cli = repeat(
        runs,
        || {},
        || measure(Command::new(&bin).arg("ls").arg(&tiny_disc)),
    );
    let base_lib = repeat(
        runs,
        || {},
        || measure(Command::new(me()).args(["--child", "import", tiny_disc.to_str().unwrap()])),
    );
    let mut bench = Bench {
        bin,
        runs,
        base_cli: base_cli.max_rss_kib,
        base_lib: base_lib.max_rss_kib,
        rows: Vec::new(),
        reads: Vec::new(),
    };
    for n in sizes {
        bench.run(n, &work);
    }
    bench.print(runs);
    let _ = fs::remove_dir_all(&work);
}
