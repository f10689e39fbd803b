//! Build properties: reproducible bytes, size limits, stream length checks,
//! the random-write anchor, and a Joliet tree that readers accept.

use crate::support::{fails_naming, fails_with};
use std::fs;
use std::io::Read;
use std::sync::Arc;

use crate::support::{peers::*, trees::*};
use multisession::fsi::{
    self, Attrs, BuildOptions, DataSource, FileBlocks, OnClash, OnceReader, SessionStream, Tree,
    BLOCK_SIZE,
};
use multisession::hresult::*;
use multisession::internals::iso9660::codec::get_u32_le;
use multisession::internals::iso9660::descriptor::read_set;
use multisession::internals::iso9660::read::{read_tree, Naming};

fn bytes_of(s: &mut fsi::Session) -> Vec<u8> {
    let mut out = vec![0u8; s.total_blocks() as usize * BLOCK_SIZE];
    s.read_blocks(0, &mut out).unwrap();
    out
}

#[test]
fn the_same_tree_and_time_give_the_same_bytes() {
    let dir = scratch("build-repro");
    make_source_tree(&dir.join("src"));
    let build = || {
        let mut t = Tree::new();
        t.add_tree(&dir.join("src"), "/", false, OnClash::Fail)
            .unwrap();
        let opts = BuildOptions {
            start_block: 1234,
            time: Some(42),
            volume_name: "Repro".into(),
            ..Default::default()
        };
        bytes_of(&mut fsi::build(Arc::new(t.clone()), &opts).unwrap())
    };
    assert_eq!(build(), build());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_session_larger_than_the_free_blocks_is_image_too_big() {
    let mut t = Tree::new();
    t.add_file(
        "/big",
        10 * 2048,
        Arc::new(OnceReader::new(Box::new(std::io::empty()))),
        Attrs::file(),
        false,
    )
    .unwrap();
    let opts = |free| BuildOptions {
        free_blocks: Some(free),
        ..Default::default()
    };
    let needed = fsi::build(Arc::new(t.clone()), &opts(u32::MAX))
        .unwrap()
        .total_blocks();
    fails_with(
        fsi::build(Arc::new(t.clone()), &opts(needed - 1)),
        MS_IMAPI_E_IMAGE_TOO_BIG,
    );
}

#[test]
fn streams_shorter_or_longer_than_announced_are_inconsistent() {
    for (announced, actual) in [(5000u64, 4000usize), (3000, 3001)] {
        let mut t = Tree::new();
        let data = vec![7u8; actual];
        t.add_file(
            "/f",
            announced,
            Arc::new(OnceReader::new(Box::new(std::io::Cursor::new(data)))),
            Attrs::file(),
            false,
        )
        .unwrap();
        let mut s = fsi::build(Arc::new(t.clone()), &BuildOptions::default()).unwrap();
        let mut buf = vec![0u8; s.total_blocks() as usize * BLOCK_SIZE];
        fails_naming(
            s.read_blocks(0, &mut buf),
            MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
            "/f",
        );
    }
}

/// A source that counts how often it is opened and how much is read.
#[derive(Debug, Default)]
struct Counting {
    opened: std::sync::atomic::AtomicUsize,
}

impl DataSource for Counting {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        self.opened
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Box::new(std::io::repeat(0xAB).take(1 << 20)))
    }
}

#[test]
fn file_data_is_read_only_while_streaming_and_sequentially() {
    let source = Arc::new(Counting::default());
    let mut t = Tree::new();
    t.add_file("/m", 1 << 20, source.clone(), Attrs::file(), false)
        .unwrap();
    let mut s = fsi::build(Arc::new(t.clone()), &BuildOptions::default()).unwrap();
    assert_eq!(source.opened.load(std::sync::atomic::Ordering::SeqCst), 0);
    let total = s.total_blocks();
    let mut buf = vec![0u8; 7 * BLOCK_SIZE];
    let mut b = 0;
    let mut seen = Vec::new();
    while b < total {
        let n = 7.min(total - b);
        s.read_blocks(b, &mut buf[..n as usize * BLOCK_SIZE])
            .unwrap();
        seen.extend_from_slice(&buf[..n as usize * BLOCK_SIZE]);
        b += n;
    }
    assert_eq!(source.opened.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(seen.iter().filter(|&&x| x == 0xAB).count(), 1 << 20);
    // Going back reopens the source.
    s.read_blocks(total - 1, &mut buf[..BLOCK_SIZE]).unwrap();
    s.read_blocks(total - 2, &mut buf[..BLOCK_SIZE]).unwrap();
    assert_eq!(source.opened.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[test]
fn the_random_write_anchor_is_the_descriptor_set_with_the_absolute_end() {
    let mut t = Tree::new();
    t.mkdir("/d").unwrap();
    let opts = BuildOptions {
        start_block: 4096,
        random_write: true,
        write_unit: 16,
        ..Default::default()
    };
    let mut s = fsi::build(Arc::new(t.clone()), &opts).unwrap();
    let anchor = s.anchor().unwrap();
    assert_eq!((anchor.lba, anchor.blocks), (16, 3));
    let mut a = vec![0u8; 3 * BLOCK_SIZE];
    s.read_anchor(&mut a).unwrap();
    let session = bytes_of(&mut s);
    let own = &session[16 * BLOCK_SIZE..19 * BLOCK_SIZE];
    assert_eq!(get_u32_le(own, 80), s.total_blocks());
    assert_eq!(get_u32_le(&a, 80), 4096 + s.total_blocks());
    assert_eq!(get_u32_le(&a, BLOCK_SIZE + 80), 4096 + s.total_blocks());
    assert_eq!(a[2 * BLOCK_SIZE], 255);
    assert_eq!(s.total_blocks() % 16, 0);
    // Apart from the size, the anchor is the session's own set.
    let mut own = own.to_vec();
    own[80..88].copy_from_slice(&a[80..88]);
    own[BLOCK_SIZE + 80..BLOCK_SIZE + 88].copy_from_slice(&a[BLOCK_SIZE + 80..BLOCK_SIZE + 88]);
    assert_eq!(own, a);
    let no_anchor = BuildOptions {
        start_block: 0,
        random_write: true,
        ..Default::default()
    };
    assert!(fsi::build(Arc::new(t.clone()), &no_anchor)
        .unwrap()
        .anchor()
        .is_none());
}

#[test]
fn the_joliet_tree_holds_everything_but_symlinks() {
    let Some((dir, src)) = source_tree_with_tools("build-joliet") else {
        return;
    };
    let mut t = Tree::new();
    t.add_tree(&src, "/", false, OnClash::Fail).unwrap();
    let img = dir.join("disc.img");
    write_session(
        &img,
        &mut fsi::build(Arc::new(t.clone()), &BuildOptions::default()).unwrap(),
    );
    let out = tool("isoinfo")
        .args(["-J", "-f", "-i"])
        .arg(&img)
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches(";1").to_owned())
        .collect();
    let expected = model_of_dir(&src);
    let non_links = expected
        .values()
        .filter(|e| !matches!(e, Entry::Link(_)))
        .count();
    assert_eq!(listed.len(), non_links, "{listed:#?}");
    assert!(
        listed
            .iter()
            .any(|p| p.starts_with("/a_very_long_name_") && p.len() == 65),
        "{listed:#?}"
    );
    // The Joliet tree itself, read alone: full Unicode names, links absent.
    let blocks = FileBlocks::open(&img).unwrap();
    let set = read_set(&blocks, 0).unwrap();
    let joliet = read_tree(
        &blocks,
        set.joliet.unwrap().root,
        Naming::Joliet,
        Default::default(),
    )
    .unwrap();
    assert!(joliet.lookup("/ünïcödé/日本語のファイル名.txt").is_ok());
    assert!(
        joliet.lookup("/ünïcödé/emoji _ name.txt").is_ok(),
        "outside UCS-2 becomes _"
    );
    assert!(joliet.lookup("/relative link").is_err());
    assert_eq!(joliet.len(), non_links);
}

#[test]
fn posix_attributes_survive_a_round_trip_including_the_root() {
    let dir = scratch("build-attrs");
    let mut t = Tree::new();
    let root = t.root();
    let root_times = fsi::Times {
        modified: 1_500_000_000,
        accessed: 1_500_000_100,
        changed: 1_500_000_200,
    };
    t.node_mut(root).attrs = Attrs::new(0o750, 1000, 100, Some(root_times));
    let times = fsi::Times {
        modified: 1_234_567_890,
        accessed: 1_234_567_891,
        changed: 1_234_567_892,
    };
    let attrs = Attrs::new(0o4711, 42, 7, Some(times));
    let source = Arc::new(OnceReader::new(Box::new(&b"x"[..])));
    t.add_file("/setuid", 1, source, attrs, false).unwrap();
    let img = dir.join("disc.img");
    write_session(&img, &mut fsi::build(&t, &BuildOptions::default()).unwrap());
    let back = import_image(&img, 0, None).unwrap();
    assert_eq!(back.tree.node(back.tree.root()).attrs, t.node(root).attrs);
    let f = back.tree.lookup("/setuid").unwrap();
    assert_eq!(back.tree.node(f).attrs, attrs);
    let _ = fs::remove_dir_all(&dir);
}
