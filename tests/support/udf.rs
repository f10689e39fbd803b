//! Fixtures of the UDF import tests: images made by other programs
//! (mkudffs, genisoimage -udf, pycdlib), our importer's view of them, and
//! small surgical edits that make a valid image hostile.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::trees::*;
use multisession::fsi::{self, BLOCK_SIZE};
use multisession::internals::udf::layout::{crc_itu, tag_checksum};

/// Imports the UDF volume of the session at `start`.
pub fn import_udf(img: &Path, start: u32) -> multisession::Result<fsi::Imported> {
    import_image(img, start, Some(fsi::FileSystems::UDF))
}

/// Rewrites the tag checksum and CRC of the descriptor at byte `at` of
/// `img` (after a test changed its body), so that only the intended
/// inconsistency remains.
pub fn restamp(img: &Path, at: u64) {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(img)
        .unwrap();
    let mut tag = [0u8; 16];
    f.read_exact_at(&mut tag, at).unwrap();
    let crc_len = u16::from_le_bytes([tag[10], tag[11]]) as usize;
    let mut body = vec![0u8; crc_len];
    f.read_exact_at(&mut body, at + 16).unwrap();
    tag[8..10].copy_from_slice(&crc_itu(&body).to_le_bytes());
    tag[4] = tag_checksum(&tag);
    f.write_all_at(&tag, at).unwrap();
}

/// Reads `len` bytes at `at`.
pub fn peek(img: &Path, at: u64, len: usize) -> Vec<u8> {
    let f = fs::File::open(img).unwrap();
    let mut b = vec![0u8; len];
    f.read_exact_at(&mut b, at).unwrap();
    b
}

/// Writes `bytes` at `at`.
pub fn poke(img: &Path, at: u64, bytes: &[u8]) {
    let f = fs::OpenOptions::new().write(true).open(img).unwrap();
    f.write_all_at(bytes, at).unwrap();
}

/// Cuts an image file after its last block holding anything, as a
/// write-once disc ends after its last recorded block (mkudffs writes the
/// VAT there; readers find it as the last block of the medium).
pub fn trim_to_recorded(img: &Path) {
    let data = fs::read(img).unwrap();
    let last = data
        .chunks(BLOCK_SIZE)
        .rposition(|b| b.iter().any(|&x| x != 0))
        .unwrap();
    let f = fs::OpenOptions::new().write(true).open(img).unwrap();
    f.set_len((last as u64 + 1) * BLOCK_SIZE as u64).unwrap();
}

/// A block source that counts the blocks read: hostile images must end
/// after a bounded amount of work, measured in reads rather than time.
pub struct Counting<'a> {
    pub inner: &'a dyn multisession::fsi::BlockSource,
    pub blocks: std::cell::Cell<u64>,
}

impl<'a> Counting<'a> {
    pub fn new(inner: &'a dyn multisession::fsi::BlockSource) -> Counting<'a> {
        Counting {
            inner,
            blocks: Default::default(),
        }
    }
}

impl multisession::fsi::BlockSource for Counting<'_> {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> multisession::Result<()> {
        self.blocks
            .set(self.blocks.get() + (buf.len() / BLOCK_SIZE) as u64);
        self.inner.read_blocks(lba, buf)
    }
}

/// A block source two threads may read at once, which notes the threads
/// that did.
pub struct Threads<'a> {
    pub inner: &'a (dyn multisession::fsi::BlockSource + Sync),
    pub seen: std::sync::Mutex<std::collections::HashSet<std::thread::ThreadId>>,
}

impl<'a> Threads<'a> {
    pub fn new(inner: &'a (dyn multisession::fsi::BlockSource + Sync)) -> Threads<'a> {
        Threads {
            inner,
            seen: Default::default(),
        }
    }

    /// How many threads have read.
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl multisession::fsi::BlockSource for Threads<'_> {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> multisession::Result<()> {
        self.seen
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        self.inner.read_blocks(lba, buf)
    }

    fn shared(&self) -> Option<&(dyn multisession::fsi::BlockSource + Sync)> {
        Some(self)
    }
}

/// Every block of `img` that holds a valid descriptor tag of `id`.
pub fn blocks_with_tag(img: &Path, id: multisession::internals::udf::layout::TagId) -> Vec<u32> {
    use multisession::internals::udf::layout::Tag;
    let data = fs::read(img).unwrap();
    data.chunks(BLOCK_SIZE)
        .enumerate()
        .filter(|(_, b)| matches!(Tag::parse(b, None), Ok(t) if t.id == id))
        .map(|(i, _)| i as u32)
        .collect()
}

/// The FIDs of the directory block at `lba`: byte offset in the image and
/// the parsed descriptor.
pub fn fids_at(img: &Path, lba: u32) -> Vec<(u64, multisession::internals::udf::layout::Fid)> {
    use multisession::internals::udf::layout::Fid;
    let block = peek(img, u64::from(lba) * BLOCK_SIZE as u64, BLOCK_SIZE);
    let mut out = Vec::new();
    let mut at = 0;
    while at + 38 <= block.len() {
        let Ok((_, fid, len)) = Fid::parse(&block[at..], None) else {
            break;
        };
        out.push((u64::from(lba) * BLOCK_SIZE as u64 + at as u64, fid));
        at += len;
    }
    out
}
