//! Fixtures of the UDF import tests: images made by other programs
//! (mkudffs, genisoimage -udf, pycdlib), our importer's view of them, and
//! small surgical edits that make a valid image hostile.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::iso_support::*;
use multisession::fsi::tree::Kind;
use multisession::fsi::{self, FileBlocks, Tree, BLOCK_SIZE};
use multisession::internals::udf::layout::{crc_itu, tag_checksum};

/// The model of an imported tree: data on the medium read from `img`,
/// data the import holds itself (embedded in an ICB) read from its source.
pub fn model_of_udf_tree(tree: &Tree, img: &Path) -> Model {
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
            Kind::File(d) => {
                let bytes = match &d.content {
                    fsi::Content::OnMedium(extents) => {
                        let mut bytes = Vec::new();
                        for e in extents.iter() {
                            let mut part = vec![0u8; e.len as usize];
                            f.read_exact_at(&mut part, e.lba as u64 * BLOCK_SIZE as u64)
                                .unwrap();
                            bytes.extend(part);
                        }
                        bytes
                    }
                    fsi::Content::New(src) => {
                        let mut bytes = Vec::new();
                        std::io::Read::read_to_end(&mut src.open().unwrap(), &mut bytes).unwrap();
                        bytes
                    }
                };
                assert_eq!(bytes.len() as u64, d.size, "{path}");
                Entry::File {
                    size: d.size,
                    hash: hash_bytes(&bytes),
                }
            }
        };
        m.insert(path, e);
    }
    m
}

/// Imports the UDF volume of the session at `start`.
pub fn import_udf(img: &Path, start: u32) -> multisession::Result<fsi::Imported> {
    let src = FileBlocks::open(img).unwrap();
    fsi::import(&src, start, Some(fsi::FileSystems::UDF), Default::default())
}

/// `genisoimage -udf -R -J` of `src` (a UDF 1.02 bridge).
pub fn genisoimage_udf(out: &Path, src: &Path) {
    genisoimage(&["-udf"], out, src);
}

/// A pycdlib UDF bridge of `src` (pycdlib's "2.60" writes UDF 1.02
/// structures) with Rock Ridge and Joliet.
pub fn pycdlib_udf(python: &str, out: &Path, src: &Path) {
    const SCRIPT: &str = r#"
import os, sys, pycdlib
src, out = sys.argv[1], sys.argv[2]
iso = pycdlib.PyCdlib()
iso.new(interchange_level=4, rock_ridge='1.09', joliet=3, udf='2.60')
n = [0]
def iso_name(is_dir):
    n[0] += 1
    return ('D%06d' % n[0]) if is_dir else ('F%06d.;1' % n[0])
def walk(local, iso_dir, udf_dir):
    for name in sorted(os.listdir(local)):
        p = os.path.join(local, name)
        ip = iso_dir.rstrip('/') + '/' + iso_name(os.path.isdir(p) and not os.path.islink(p))
        up = udf_dir.rstrip('/') + '/' + name
        jp = up
        if os.path.islink(p):
            iso.add_symlink(ip, rr_symlink_name=name, rr_path=os.readlink(p), udf_symlink_path=up, udf_target=os.readlink(p))
        elif os.path.isdir(p):
            iso.add_directory(ip, rr_name=name, udf_path=up)
            walk(p, ip, up)
        else:
            iso.add_file(p, ip, rr_name=name, udf_path=up)
walk(src, '/', '/')
iso.write(out)
iso.close()
"#;
    run(tool(python).args(["-c", SCRIPT]).arg(src).arg(out));
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

/// `mkudffs` of an empty volume on a `blocks`-block image file.
pub fn mkudffs(img: &Path, blocks: u64, args: &[&str]) {
    let f = fs::File::create(img).unwrap();
    f.set_len(blocks * BLOCK_SIZE as u64).unwrap();
    drop(f);
    run(tool("mkudffs")
        .args(["-b", "2048", "--label=EmptyUDF"])
        .args(args)
        .arg(img));
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

/// `udfinfo`'s key=value report of the volume at `start`.
pub fn udfinfo(img: &Path, start: u32) -> std::collections::BTreeMap<String, String> {
    let out = run(tool("udfinfo")
        .arg(format!("--startblock={start}"))
        .arg(img));
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A block source that counts the blocks read: hostile images must end
/// after a bounded amount of work, measured in reads rather than time.
pub struct Counting<'a> {
    pub inner: &'a dyn multisession::fsi::BlockSource,
    pub blocks: std::cell::Cell<u64>,
}

impl multisession::fsi::BlockSource for Counting<'_> {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> multisession::Result<()> {
        self.blocks
            .set(self.blocks.get() + (buf.len() / BLOCK_SIZE) as u64);
        self.inner.read_blocks(lba, buf)
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
