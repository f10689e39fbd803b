//! Shared helpers of the `iso_*` integration tests: writing sessions into
//! full-disc image files at their LBAs, describing trees, and reading them
//! back with our importer and with xorriso and isoinfo.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use multisession::fsi::tree::Kind;
use multisession::fsi::{self, FileBlocks, SessionStream, Tree, BLOCK_SIZE};

/// What a reader must see at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File { size: u64, hash: u64 },
    Link(String),
}

pub type Model = BTreeMap<String, Entry>;

pub fn hash_reader(mut r: impl Read) -> (u64, u64) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        buf[..n].hash(&mut h);
        size += n as u64;
    }
    (size, h.finish())
}

pub fn hash_bytes(b: &[u8]) -> u64 {
    hash_reader(b).1
}

/// The model of a local directory tree (paths relative to `root`).
pub fn model_of_dir(root: &Path) -> Model {
    let mut m = Model::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = format!("/{}", p.strip_prefix(root).unwrap().to_str().unwrap());
            let md = fs::symlink_metadata(&p).unwrap();
            if md.file_type().is_symlink() {
                m.insert(
                    rel,
                    Entry::Link(fs::read_link(&p).unwrap().to_str().unwrap().into()),
                );
            } else if md.is_dir() {
                m.insert(rel, Entry::Dir);
                stack.push(p);
            } else {
                let (size, hash) = hash_reader(fs::File::open(&p).unwrap());
                m.insert(rel, Entry::File { size, hash });
            }
        }
    }
    m
}

/// Writes a built session into the image file at its start block (all-zero
/// chunks are skipped so big sparse files stay sparse), then the anchor.
pub fn write_session(img: &Path, session: &mut dyn SessionStream) {
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(img)
        .unwrap();
    let start = session.start_block() as u64;
    let total = session.total_blocks();
    const CHUNK: u32 = 64;
    let zeros = vec![0u8; CHUNK as usize * BLOCK_SIZE];
    let mut buf = vec![0u8; CHUNK as usize * BLOCK_SIZE];
    let mut b = 0;
    while b < total {
        let n = CHUNK.min(total - b);
        let chunk = &mut buf[..n as usize * BLOCK_SIZE];
        session.read_blocks(b, chunk).unwrap();
        if chunk != &zeros[..chunk.len()] {
            f.write_all_at(chunk, (start + b as u64) * BLOCK_SIZE as u64)
                .unwrap();
        }
        b += n;
    }
    let end = (start + total as u64) * BLOCK_SIZE as u64;
    if f.metadata().unwrap().len() < end {
        f.set_len(end).unwrap();
    }
    if let Some(a) = session.second_anchor() {
        let mut buf = vec![0u8; a.blocks as usize * BLOCK_SIZE];
        session.read_second_anchor(&mut buf).unwrap();
        f.write_all_at(&buf, a.lba as u64 * BLOCK_SIZE as u64)
            .unwrap();
    }
    if let Some(a) = session.anchor() {
        let mut buf = vec![0u8; a.blocks as usize * BLOCK_SIZE];
        session.read_anchor(&mut buf).unwrap();
        f.write_all_at(&buf, a.lba as u64 * BLOCK_SIZE as u64)
            .unwrap();
    }
    f.sync_all().unwrap();
}

/// Our importer's view of the session at `start`, data hashed from the image.
pub fn model_by_import(img: &Path, start: u32) -> Model {
    let src = FileBlocks::open(img).unwrap();
    let imported = fsi::import(&src, start, None, Default::default()).unwrap();
    model_of_tree(&imported.tree, img)
}

/// The model of a tree whose files are all on the medium `img`.
pub fn model_of_tree(tree: &Tree, img: &Path) -> Model {
    let f = fs::File::open(img).unwrap();
    let mut m = Model::new();
    for (id, depth) in tree.walk() {
        if depth == 0 {
            continue;
        }
        let path = tree.path_of(id);
        let e = match &tree.node(id).kind {
            Kind::Dir(_) => Entry::Dir,
            Kind::Symlink(t) => Entry::Link(t.to_string()),
            Kind::File(d) => match &d.content {
                fsi::Content::OnMedium(extents) => {
                    let mut bytes = Vec::new();
                    for e in extents.iter() {
                        let mut part = vec![0u8; e.len as usize];
                        f.read_exact_at(&mut part, e.lba as u64 * BLOCK_SIZE as u64)
                            .unwrap();
                        bytes.extend(part);
                    }
                    assert_eq!(bytes.len() as u64, d.size, "{path}");
                    Entry::File {
                        size: d.size,
                        hash: hash_bytes(&bytes),
                    }
                }
                fsi::Content::New(_) => panic!("{path} is not on the medium"),
            },
        };
        m.insert(path, e);
    }
    m
}

/// An external tool, killed if it hangs (a test must fail, not stall).
pub fn tool(name: &str) -> Command {
    let mut c = Command::new("timeout");
    c.arg("300").arg(name);
    c
}

/// Runs a tool, failing with its stderr unless it exits 0; its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether xorriso, isoinfo and genisoimage are installed. Outside CI a
/// test without them is skipped with a note; in CI (`CI` set) their absence
/// is a failure, so the external checks cannot pass vacuously.
pub fn tools_present() -> bool {
    these_tools_present(&["xorriso", "isoinfo", "genisoimage"])
}

/// As [`tools_present`], for the ACL and xattr tools too (packages `acl`
/// and `attr`).
pub fn acl_tools_present() -> bool {
    these_tools_present(&[
        "xorriso", "isoinfo", "setfacl", "getfacl", "setfattr", "getfattr",
    ])
}

fn these_tools_present(tools: &[&'static str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("which")
                .arg(t)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "external readers missing in CI: {missing:?}"
    );
    eprintln!("skipped: {missing:?} not installed");
    false
}

fn xorriso_load(sbsector: Option<u32>) -> Vec<String> {
    match sbsector {
        Some(s) => vec!["-load".into(), "sbsector".into(), s.to_string()],
        None => vec![],
    }
}

/// xorriso's listing (`-find / -exec lsdl`): kinds, sizes, link targets
/// (file hashes 0).
pub fn xorriso_list(img: &Path, sbsector: Option<u32>) -> Model {
    let listed = run(tool("xorriso")
        .args(["-abort_on", "FAILURE", "-indev"])
        .arg(img)
        .args(xorriso_load(sbsector))
        .args(["-find", "/", "-exec", "lsdl"]));
    let mut m = Model::new();
    for line in listed.lines() {
        let Some((head, rest)) = line.split_once(" '") else {
            continue;
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        let (path, target) = match rest.split_once("' -> '") {
            Some((p, t)) => (p.to_owned(), Some(t.trim_end_matches('\'').to_owned())),
            None => (rest.trim_end_matches('\'').to_owned(), None),
        };
        if path == "/" {
            continue;
        }
        let e = match fields[0].chars().next() {
            Some('d') => Entry::Dir,
            Some('l') => Entry::Link(target.unwrap()),
            _ => Entry::File {
                size: fields[4].parse().unwrap(),
                hash: 0,
            },
        };
        m.insert(path, e);
    }
    m
}

/// xorriso's view: the listing, and `-extract` of the whole tree whose copy
/// is hashed (the two must agree).
pub fn model_by_xorriso(img: &Path, sbsector: Option<u32>, scratch: &Path) -> Model {
    let listed = xorriso_list(img, sbsector);
    let out = scratch.join(format!(
        "xorriso-{}",
        sbsector.map_or("auto".into(), |s| s.to_string())
    ));
    let _ = fs::remove_dir_all(&out);
    run(tool("xorriso")
        .args(["-abort_on", "FAILURE", "-osirrox", "on", "-indev"])
        .arg(img)
        .args(xorriso_load(sbsector))
        .args(["-extract", "/"])
        .arg(&out));
    let m = model_of_dir(&out);
    let _ = fs::remove_dir_all(&out);
    let unhashed: Model = m
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Entry::File { size, .. } => Entry::File {
                    size: *size,
                    hash: 0,
                },
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    assert_same("xorriso -find vs -extract", &listed, &unhashed);
    m
}

/// isoinfo's view of the session at `start` (`None`: the descriptors at 16):
/// the Rock Ridge listing for kinds, sizes and link targets, `-x` for content.
pub fn model_by_isoinfo(img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    isoinfo_model(IsoinfoTree::RockRidge, img, start, hash_limit)
}

/// isoinfo's view of the Joliet tree of the session at `start` (`None`: the
/// descriptors at 16). isoinfo prints Joliet names in ISO 8859-1 with `_`
/// for every character outside it (it knows no UTF-8), and Joliet has no
/// symlinks: compare with a model mapped the same way.
pub fn model_by_isoinfo_joliet(img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    isoinfo_model(IsoinfoTree::Joliet, img, start, hash_limit)
}

/// A name as isoinfo shows it in a Joliet listing.
pub fn isoinfo_joliet_name(name: &str) -> String {
    name.chars()
        .map(|c| if u32::from(c) <= 0xFF { c } else { '_' })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IsoinfoTree {
    RockRidge,
    Joliet,
}

fn isoinfo_model(tree: IsoinfoTree, img: &Path, start: Option<u32>, hash_limit: u64) -> Model {
    use std::os::unix::ffi::OsStrExt;
    let joliet = tree == IsoinfoTree::Joliet;
    let mut base: Vec<std::ffi::OsString> = vec![
        if joliet { "-J" } else { "-R" }.into(),
        "-i".into(),
        img.into(),
    ];
    if let Some(s) = start {
        base.push("-T".into());
        base.push(s.to_string().into());
    }
    let out = tool("isoinfo").args(&base).arg("-l").output().unwrap();
    assert!(out.status.success(), "isoinfo -l: {}", out.status);
    let listing: String = if joliet {
        out.stdout.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8(out.stdout).unwrap()
    };
    let mut m = Model::new();
    // Path in the model → the path `-x` takes (Joliet names keep `;1`).
    let mut raw = BTreeMap::new();
    let mut dir = String::new();
    for line in listing.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_end_matches('/').to_owned();
            continue;
        }
        let Some((head, name)) = line.split_once("]  ") else {
            continue;
        };
        let fields: Vec<&str> = head.split_whitespace().collect();
        let kind = fields[0].chars().next().unwrap();
        let size: u64 = fields[4].parse().unwrap();
        let listed = name.strip_suffix(' ').unwrap_or(name);
        let (name, entry) = match kind {
            'l' => {
                let (n, t) = name.split_once(" -> ").unwrap();
                (n.to_owned(), Entry::Link(t.to_owned()))
            }
            'd' => (listed.to_owned(), Entry::Dir),
            _ if joliet => (
                listed.strip_suffix(";1").unwrap_or(listed).to_owned(),
                Entry::File { size, hash: 0 },
            ),
            _ => (listed.to_owned(), Entry::File { size, hash: 0 }),
        };
        if name == "." || name == ".." {
            continue;
        }
        raw.insert(format!("{dir}/{name}"), format!("{dir}/{listed}"));
        m.insert(format!("{dir}/{name}"), entry);
    }
    for (path, e) in m.iter_mut() {
        if let Entry::File { size, hash } = e {
            if *size <= hash_limit {
                let asked = &raw[path];
                let asked: std::ffi::OsString = if joliet {
                    let bytes: Vec<u8> = asked.chars().map(|c| c as u8).collect();
                    std::ffi::OsStr::from_bytes(&bytes).to_owned()
                } else {
                    asked.into()
                };
                let out = tool("isoinfo")
                    .args(&base)
                    .arg("-x")
                    .arg(asked)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "isoinfo -x {path}");
                assert_eq!(out.stdout.len() as u64, *size, "isoinfo -x {path} size");
                *hash = hash_bytes(&out.stdout);
            }
        }
    }
    m
}

/// The Python that has pycdlib (Debian's python3-pycdlib), if any. Like
/// the other readers, its absence fails in CI.
pub fn pycdlib_python() -> Option<&'static str> {
    let found = ["/usr/bin/python3", "python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import pycdlib"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "pycdlib missing in CI");
        eprintln!("skipped: pycdlib not installed");
    }
    found
}

const PYCDLIB_WALK: &str = r#"
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
for top, dirs, files in iso.walk(rr_path='/'):
    for d in dirs:
        print('D', top.rstrip('/') + '/' + d, sep='\t')
    for f in files:
        p = top.rstrip('/') + '/' + f
        rec = iso.get_record(rr_path=p)
        if rec.rock_ridge is not None and rec.rock_ridge.is_symlink():
            print('L', p, rec.rock_ridge.symlink_path().decode('utf-8'), sep='\t')
        else:
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, rr_path=p)
            print('F', p, out.getvalue().hex(), sep='\t')
iso.close()
"#;

/// pycdlib's view (a strict parser; it reads the descriptors at LBA 16).
pub fn model_by_pycdlib(python: &str, img: &Path) -> Model {
    let out = run(tool(python).args(["-c", PYCDLIB_WALK]).arg(img));
    let mut m = Model::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let e = match f[0] {
            "D" => Entry::Dir,
            "L" => Entry::Link(f[2].to_owned()),
            _ => {
                let bytes: Vec<u8> = (0..f[2].len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&f[2][i..i + 2], 16).unwrap())
                    .collect();
                Entry::File {
                    size: bytes.len() as u64,
                    hash: hash_bytes(&bytes),
                }
            }
        };
        m.insert(f[1].to_owned(), e);
    }
    m
}

/// A file of `size` bytes that is one hole but for `head` at its start
/// and `tail` at its end: files over 4 GiB without the disc space.
pub fn sparse_file(path: &Path, size: u64, head: &[u8], tail: &[u8]) {
    let f = fs::File::create(path).unwrap();
    f.set_len(size).unwrap();
    f.write_all_at(head, 0).unwrap();
    f.write_all_at(tail, size - tail.len() as u64).unwrap();
}

/// KiB a file really occupies (an image with a sparse file's session
/// stays small when its zeros were never written).
pub fn allocated_kib(path: &Path) -> u64 {
    fs::metadata(path).unwrap().blocks() / 2
}

/// A tree with the shapes the tests need: deep directories, long and
/// non-ASCII names, symlinks, empty files, block-boundary sizes.
pub fn make_source_tree(root: &Path) {
    fs::create_dir_all(root).unwrap();
    let mut deep = root.to_path_buf();
    for i in 1..=11 {
        deep.push(format!("level{i}"));
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), b"at the bottom of eleven levels\n").unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    for (name, size) in [
        ("one", 1usize),
        ("block", 2048),
        ("block+1", 2049),
        ("medium.bin", 100_000),
    ] {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + name.len()) as u8).collect();
        fs::write(root.join(name), data).unwrap();
    }
    let long = format!("{}.txt", "a_very_long_name_".repeat(12));
    fs::write(root.join(&long), b"long name\n").unwrap();
    fs::create_dir_all(root.join("ünïcödé")).unwrap();
    fs::write(root.join("ünïcödé/日本語のファイル名.txt"), "こんにちは\n").unwrap();
    fs::write(root.join("ünïcödé/emoji 😀 name.txt"), b"smile\n").unwrap();
    fs::write(root.join("to be replaced.txt"), b"old content\n").unwrap();
    fs::write(root.join("to be removed.txt"), b"soon gone\n").unwrap();
    std::os::unix::fs::symlink("level1/level2", root.join("relative link")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("absolute link")).unwrap();
    let segment = "segment".repeat(12);
    let target = format!("../{segment}/{segment}/x");
    std::os::unix::fs::symlink(target, root.join("long link")).unwrap();
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("multisession-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts that two models are equal, showing only the differences.
pub fn assert_same(what: &str, expected: &Model, got: &Model) {
    if expected == got {
        return;
    }
    let mut diff = String::new();
    for (k, v) in expected {
        match got.get(k) {
            None => diff += &format!("  missing {k}: {v:?}\n"),
            Some(g) if g != v => diff += &format!("  differs {k}: expected {v:?}, got {g:?}\n"),
            _ => {}
        }
    }
    for (k, v) in got {
        if !expected.contains_key(k) {
            diff += &format!("  unexpected {k}: {v:?}\n");
        }
    }
    panic!("{what}:\n{diff}");
}

pub fn file_mtime(p: &Path) -> i64 {
    fs::metadata(p).unwrap().mtime()
}

/// Copies the contents of `from` into `to` (links as links).
pub fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    run(Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to));
}

/// Copies a single-session image file into the disc image `img` at `lba`;
/// returns the session's length in blocks.
pub fn place(img: &Path, session: &Path, lba: u32) -> u32 {
    let data = std::fs::read(session).unwrap();
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(img)
        .unwrap();
    std::os::unix::fs::FileExt::write_all_at(&f, &data, u64::from(lba) * 2048).unwrap();
    (data.len() / 2048) as u32
}

/// `genisoimage -R -J -joliet-long` of `src` into `out`, with `extra`
/// options (`-C a,b -M prev` for a later session).
pub fn genisoimage(extra: &[&str], out: &Path, src: &Path) {
    run(tool("genisoimage")
        .args([
            "-quiet",
            "-R",
            "-J",
            "-joliet-long",
            "-input-charset",
            "utf-8",
        ])
        .args(extra)
        .arg("-o")
        .arg(out)
        .arg(src));
}

/// One `xorriso -dev IMG … -commit` run (xorriso's random-write style,
/// sessions from LBA 32 with a 64 KiB header).
pub fn xorriso_commit(img: &Path, args: &[&str]) {
    run(tool("xorriso")
        .args(["-return_with", "FAILURE", "32", "-dev"])
        .arg(img)
        .args(["-joliet", "on"])
        .args(args)
        .arg("-commit"));
}

/// Two xorriso sessions in `img`: the source tree of [`make_source_tree`],
/// then `/added/by xorriso.txt` with `/empty` removed. Returns the local
/// mirror (under `dir`) of the newest session's tree.
pub fn xorriso_two_sessions(img: &Path, dir: &Path) -> PathBuf {
    let (m1, m2, mirror) = (dir.join("m1"), dir.join("m2"), dir.join("mirror"));
    make_source_tree(&m1);
    std::fs::create_dir_all(&m2).unwrap();
    std::fs::write(m2.join("by xorriso.txt"), b"second session\n").unwrap();
    xorriso_commit(img, &["-map", m1.to_str().unwrap(), "/"]);
    xorriso_commit(
        img,
        &["-map", m2.to_str().unwrap(), "/added", "-rm", "/empty"],
    );
    copy_into(&m1, &mirror);
    copy_into(&m2, &mirror.join("added"));
    std::fs::remove_file(mirror.join("empty")).unwrap();
    mirror
}
