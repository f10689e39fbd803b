//! Emulated discs for the tests above the drive: blank discs of each
//! profile, opened as a `Recorder`; a result written the way a drive
//! receives it; a fresh import of what the disc holds now; faults injected
//! through the sidecar.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use multisession::fsi::{FileSystemImage, SessionStream, BLOCK_SIZE};
use multisession::media::{Family, Profile, WriteModel};
use multisession::recorder::Recorder;
use multisession::scsi::emulator::{create_blank, sidecar_path, DiscSpec, Existing};
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
    let synchronize_cache = || {
        guard
            .command(
                &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                DataDirection::None,
                TIMEOUT,
            )
            .unwrap()
    };
    synchronize_cache();
    if let Some(anchor) = result.anchor() {
        let mut blocks = vec![0u8; anchor.blocks as usize * BLOCK_SIZE];
        result.read_anchor(&mut blocks).unwrap();
        write(anchor.lba, &blocks);
        synchronize_cache();
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

/// A blank emulated disc of `profile` at `dir/name`, not opened.
pub fn new_disc(dir: &Path, name: &str, profile: Profile) -> PathBuf {
    let path = dir.join(name);
    create_blank(&path, profile, None, Existing::Replace).expect("blank emulated disc");
    path
}

/// The recorder of the emulated disc `disc`.
pub fn open(disc: &Path) -> Arc<Recorder> {
    Arc::new(Recorder::open(disc).unwrap_or_else(|e| panic!("open {}: {e}", disc.display())))
}

/// Sets the emulator's injected faults in the disc's sidecar.
pub fn set_faults(disc: &Path, faults: serde_json::Value) {
    let path = sidecar_path(disc);
    let mut sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    sidecar["faults"] = faults;
    std::fs::write(&path, serde_json::to_string_pretty(&sidecar).unwrap()).unwrap();
}

/// Runs `write` with the emulated drive of `disc` losing power after
/// `after` blocks, then gives the drive back without faults (as after a
/// power cycle) for the readers that follow.
pub fn with_power_lost_after<T>(disc: &Path, after: u64, write: impl FnOnce() -> T) -> T {
    set_faults(
        disc,
        serde_json::json!({ "power_loss_after_blocks": after }),
    );
    let outcome = write();
    set_faults(disc, serde_json::json!({}));
    outcome
}

/// An emulated disc made from `spec` in a directory of its own, removed
/// with it.
pub struct Disc {
    _dir: tempfile::TempDir,
    pub image: PathBuf,
}

/// The disc `spec` describes, created but not opened.
pub fn disc(spec: DiscSpec) -> Disc {
    disc_named(spec, "disc.img")
}

/// As [`disc`], its image file named `name` (what drive descriptions and
/// error messages show).
pub fn disc_named(spec: DiscSpec, name: &str) -> Disc {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join(name);
    spec.create(&image).unwrap();
    Disc { _dir: dir, image }
}
