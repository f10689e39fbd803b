//! The emulated disc's JSON sidecar as a user may have edited it, or as a
//! hostile file planted beside an image: opening the disc gives a drive or
//! a clear error, and a drive that opens answers a probe.

use std::path::PathBuf;
use std::sync::OnceLock;

use multisession::internals::mmc;
use multisession::scsi::emulator::{sidecar_path, DiscSpec, EmulatedDrive};

/// A blank CD-R image under /dev/shm (or the temp dir) whose sidecar each
/// run overwrites: the image file itself is never changed by a probe.
fn image() -> &'static PathBuf {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = super::scratch_dir("sidecar");
        let image = dir.join("disc.img");
        DiscSpec::new(multisession::media::Profile::CdR)
            .create(&image)
            .expect("seed disc");
        image
    })
}

/// One input: see the module documentation for what must hold.
pub fn run(data: &[u8]) {
    let image = image();
    let sidecar = sidecar_path(image);
    std::fs::write(&sidecar, data).expect("writing the sidecar");
    if let Ok(mut drive) = EmulatedDrive::open(image) {
        let _ = mmc::probe(&mut drive);
    }
}
