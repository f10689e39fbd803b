//! Shared by the `fsi_image_*` tests: emulated discs, writing a result the
//! way a drive receives it, and reading back what a session holds.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use multisession::fsi::tree::{Content, Kind};
use multisession::fsi::{BlockSource, FileSystemImage, SessionStream, Tree, BLOCK_SIZE};
use multisession::media::{Family, Profile, WriteModel};
use multisession::recorder::Recorder;
use multisession::scsi::emulator::{create_blank, DiscSpec, Existing};
use multisession::scsi::DataDirection;
use multisession::session;

pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A blank emulated disc of `profile` in `dir`, opened. A BD-RE comes
/// formatted (formatting is the writer's job, not the image's).
pub fn blank_disc(dir: &Path, profile: Profile, capacity: Option<u32>) -> Arc<Recorder> {
    let path = dir.join(format!("{}.img", profile.name()));
    if profile == Profile::BdRe {
        let mut spec = DiscSpec::new(profile).formatted(true);
        if let Some(blocks) = capacity {
            spec = spec.capacity(blocks);
        }
        spec.create(&path).unwrap();
    } else {
        create_blank(&path, profile, capacity, Existing::Replace).unwrap();
    }
    Arc::new(Recorder::open(&path).unwrap())
}

/// Writes `result` as a drive would receive it from a writer: WRITE(10) in
/// 32-block chunks at its start block (on CD padded with zeros to the
/// 300-block minimum track), SYNCHRONIZE CACHE, then CLOSE
/// SESSION on sequential media, or the anchor at LBA 16 last on
/// overwritable media.
pub fn write_result(recorder: &Recorder, result: &mut dyn SessionStream) {
    let profile = recorder.media_info().unwrap().profile;
    let guard = recorder.lock_for_writing().unwrap();
    let write = |lba: u32, data: &[u8]| {
        let l = lba.to_be_bytes();
        let n = ((data.len() / BLOCK_SIZE) as u16).to_be_bytes();
        let cdb = [0x2A, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0];
        guard
            .command(&cdb, DataDirection::ToDevice(data), TIMEOUT)
            .unwrap_or_else(|e| panic!("WRITE(10) at {lba}: {e}"));
    };
    let total = result.total_blocks();
    let start = result.start_block();
    let mut buf = vec![0u8; 32 * BLOCK_SIZE];
    let mut done = 0;
    while done < total {
        let n = (total - done).min(32);
        let chunk = &mut buf[..n as usize * BLOCK_SIZE];
        result.read_blocks(done, chunk).unwrap();
        write(start + done, chunk);
        done += n;
    }
    // A CD track holds at least 300 blocks: zeros after the session, as
    // every CD writer pads.
    if profile.family() == Family::Cd {
        let zeros = vec![0u8; BLOCK_SIZE];
        for lba in start + total..start + 300 {
            write(lba, &zeros);
        }
    }
    guard
        .command(
            &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            DataDirection::None,
            TIMEOUT,
        )
        .unwrap();
    if let Some(anchor) = result.anchor() {
        let mut blocks = vec![0u8; anchor.blocks as usize * BLOCK_SIZE];
        result.read_anchor(&mut blocks).unwrap();
        write(anchor.lba, &blocks);
        guard
            .command(
                &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                DataDirection::None,
                TIMEOUT,
            )
            .unwrap();
    }
    if profile.write_model() == WriteModel::Sequential {
        guard
            .command(
                &[0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0],
                DataDirection::None,
                TIMEOUT,
            )
            .unwrap_or_else(|e| panic!("CLOSE SESSION: {e}"));
    }
}

/// Records a closed session of `blocks` zero blocks at the next writable
/// address of a sequential disc: what another program's aborted write can
/// leave behind, a session with no volume in it.
pub fn write_empty_session(recorder: &Recorder, blocks: u32) {
    let start = recorder.media_info().unwrap().next_writable.unwrap();
    let mut zeros = ZeroSession { start, blocks };
    write_result(recorder, &mut zeros);
}

struct ZeroSession {
    start: u32,
    blocks: u32,
}

impl SessionStream for ZeroSession {
    fn start_block(&self) -> u32 {
        self.start
    }
    fn total_blocks(&self) -> u32 {
        self.blocks
    }
    fn read_blocks(&mut self, _: u32, buf: &mut [u8]) -> multisession::Result<()> {
        buf.fill(0);
        Ok(())
    }
    fn anchor(&self) -> Option<multisession::fsi::Anchor> {
        None
    }
    fn read_anchor(&mut self, _: &mut [u8]) -> multisession::Result<()> {
        Ok(())
    }
}

/// What a file or link of a session holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>),
    Link(String),
}

/// Every entry of `tree` by path; imported data read from `src`.
pub fn contents(tree: &Tree, src: &dyn BlockSource) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    for (id, _) in tree.walk().into_iter().skip(1) {
        let node = tree.node(id);
        let entry = match &node.kind {
            Kind::Dir(_) => Entry::Dir,
            Kind::Symlink(t) => Entry::Link(t.to_string()),
            Kind::File(f) => match &f.content {
                Content::OnMedium(extents) => {
                    let mut data = Vec::new();
                    for e in extents.iter() {
                        let blocks = (e.len as usize).div_ceil(BLOCK_SIZE);
                        let mut buf = vec![0u8; blocks * BLOCK_SIZE];
                        if blocks > 0 {
                            src.read_blocks(e.lba, &mut buf).unwrap();
                        }
                        data.extend_from_slice(&buf[..e.len as usize]);
                    }
                    assert_eq!(data.len() as u64, f.size, "{}", tree.path_of(id));
                    Entry::File(data)
                }
                Content::New(source) => {
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut source.open().unwrap(), &mut data).unwrap();
                    Entry::File(data)
                }
            },
        };
        out.insert(tree.path_of(id), entry);
    }
    out
}

/// A fresh image over `recorder`'s offered list, with the previous session
/// imported: what an application sees of the disc now.
pub fn import_fresh(recorder: &Arc<Recorder>) -> FileSystemImage {
    let mut image = FileSystemImage::new();
    image
        .set_multisession_interfaces(session::offer(recorder).unwrap())
        .unwrap();
    image.import_file_system(None).unwrap();
    image
}

/// Deterministic bytes of `len` seeded by `seed`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(31).wrapping_add(seed as u32) as u8 ^ (i >> 11) as u8)
        .collect()
}
