//! The content model every test compares trees with (path → directory,
//! file size and hash, or link target), built from a local directory, an
//! imported or edited tree, or (in [`super::peers`]) another program's
//! view; and writing sessions into full-disc image files at their LBAs.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use multisession::fsi::tree::{Content, FileData, Kind};
use multisession::fsi::{self, BlockSource, FileBlocks, SessionStream, Tree, BLOCK_SIZE};

/// What a reader must see at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File { size: u64, hash: u64 },
    Link(String),
}

impl Entry {
    /// A file holding `bytes`.
    pub fn file(bytes: &[u8]) -> Entry {
        Entry::File {
            size: bytes.len() as u64,
            hash: hash_bytes(bytes),
        }
    }
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

/// Our importer run on the session at `start` of the image file `img`
/// (`file_systems`: `None` for the importer's own choice).
pub fn import_image(
    img: &Path,
    start: u32,
    file_systems: Option<fsi::FileSystems>,
) -> multisession::Result<fsi::Imported> {
    fsi::import(
        &FileBlocks::open(img).unwrap(),
        start,
        file_systems,
        Default::default(),
    )
}

/// Where the sessions of the random-write image file `img` are, its last
/// block bounding the reads as a drive's last recorded block does.
pub fn random_write_layout(img: &Path, align: u32) -> fsi::RandomWriteLayout {
    let src = FileBlocks::open(img).unwrap();
    fsi::locate_random_write(&src, src.blocks().saturating_sub(1), align).unwrap()
}

/// Our importer's view of the session at `start`, data hashed from the image.
pub fn model_by_import(img: &Path, start: u32) -> Model {
    let imported = import_image(img, start, None).unwrap();
    model_of_tree(&imported.tree, img)
}

/// The model of `tree`: data on the medium read byte-exact from the image
/// file `img`, new data from its source.
pub fn model_of_tree(tree: &Tree, img: &Path) -> Model {
    let f = fs::File::open(img).unwrap();
    model_of(tree, &|lba, len| {
        let mut part = vec![0u8; len];
        f.read_exact_at(&mut part, lba as u64 * BLOCK_SIZE as u64)
            .unwrap();
        part
    })
}

/// The model of `tree`: data on the medium read from `src` (a drive, a
/// recorder) in whole blocks, new data from its source.
pub fn model_of_medium(tree: &Tree, src: &dyn BlockSource) -> Model {
    model_of(tree, &medium_reader(src))
}

/// Reads `len` bytes at `lba` of `src` in whole blocks, for [`file_bytes`].
pub fn medium_reader(src: &dyn BlockSource) -> impl Fn(u32, usize) -> Vec<u8> + '_ {
    move |lba, len| {
        let mut buf = vec![0u8; len.div_ceil(BLOCK_SIZE) * BLOCK_SIZE];
        if !buf.is_empty() {
            src.read_blocks(lba, &mut buf).expect("file extent reads");
        }
        buf.truncate(len);
        buf
    }
}

/// The bytes of a file of a tree: `read(lba, len)` reads an extent on the
/// medium; new data comes from its source.
pub fn file_bytes(data: &FileData, read: &dyn Fn(u32, usize) -> Vec<u8>) -> Vec<u8> {
    match &data.content {
        Content::OnMedium(extents) => extents
            .iter()
            .flat_map(|e| read(e.lba, e.len as usize))
            .collect(),
        Content::New(source) => {
            let mut bytes = Vec::new();
            source.open().unwrap().read_to_end(&mut bytes).unwrap();
            bytes
        }
    }
}

fn model_of(tree: &Tree, read: &dyn Fn(u32, usize) -> Vec<u8>) -> Model {
    let mut m = Model::new();
    for (id, depth) in tree.walk() {
        if depth == 0 {
            continue;
        }
        let path = tree.path_of(id);
        let e = match &tree.node(id).kind {
            Kind::Dir(_) => Entry::Dir,
            Kind::Symlink(t) => Entry::Link(t.to_string()),
            Kind::File(d) => {
                let bytes = file_bytes(d, read);
                assert_eq!(bytes.len() as u64, d.size, "{path}");
                Entry::file(&bytes)
            }
        };
        m.insert(path, e);
    }
    m
}

/// Deterministic bytes of `len` seeded by `seed`, different in every block.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(31).wrapping_add(seed as u32) as u8 ^ (i >> 11) as u8)
        .collect()
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

/// `model` with file contents left out (sizes kept): what a listing shows.
pub fn sizes_only(model: &Model) -> Model {
    model
        .iter()
        .map(|(path, e)| {
            let e = match e {
                Entry::File { size, .. } => Entry::File {
                    size: *size,
                    hash: 0,
                },
                other => other.clone(),
            };
            (path.clone(), e)
        })
        .collect()
}

/// Asserts that two models are equal, showing only the differences.
pub fn assert_same<V: std::fmt::Debug + PartialEq>(
    what: &str,
    expected: &BTreeMap<String, V>,
    got: &BTreeMap<String, V>,
) {
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

/// Replaces `path` with `data` in an imported tree and in the local mirror
/// that models what the next session must hold.
pub fn replace_in_both(tree: &mut Tree, mirror: &Path, path: &str, data: &[u8]) {
    let local = mirror.join(path.trim_start_matches('/'));
    fs::write(&local, data).unwrap();
    tree.add_local_file(path, &local, true).unwrap();
}

/// Removes the file `path` from an imported tree and from the mirror.
pub fn remove_in_both(tree: &mut Tree, mirror: &Path, path: &str) {
    fs::remove_file(mirror.join(path.trim_start_matches('/'))).unwrap();
    tree.remove(path).unwrap();
}
