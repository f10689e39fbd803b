//! Shared by the `e2e_*` tests: sessions made and written the way an
//! application makes them — `session::offer`, `FileSystemImage` (put the
//! list, import, edit, create the result) and `burn::DataWriter` on an
//! emulated drive — and checked from outside by xorriso and isoinfo
//! reading the emulated disc's image file.
#![allow(dead_code)]

#[path = "../iso_support/mod.rs"]
mod iso_support;

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

pub use iso_support::*;
use multisession::burn::{DataWriter, Flow, WriteOptions, WriteReport};
use multisession::fsi::names::JolietNamer;
use multisession::fsi::{FileSystemImage, BLOCK_SIZE};
use multisession::{session, MediaState, Recorder};

/// Every date the sessions record (reproducible bytes).
pub const TIME: i64 = 1_700_000_000;

/// The options the command-line tool writes with: sessions stay open for
/// the next one, DVD+R included (IMAPI closes DVD+R otherwise).
pub fn multisession_options() -> WriteOptions {
    WriteOptions {
        disable_consumer_dvd_compatibility_mode: true,
        ..WriteOptions::default()
    }
}

pub fn open(disc: &Path) -> Arc<Recorder> {
    Arc::new(Recorder::open(disc).unwrap_or_else(|e| panic!("open {}: {e}", disc.display())))
}

/// An image for the next session on `recorder`'s medium, as an IMAPI
/// application prepares it: a blank medium gives the image its defaults;
/// any other takes the offered multisession objects and imports the newest
/// session (which must be there).
pub fn image_for_next_session(recorder: &Arc<Recorder>, volume: &str) -> FileSystemImage {
    let mut image = FileSystemImage::new();
    image.set_volume_name(volume).unwrap();
    image.set_fixed_time(Some(TIME));
    let blank = recorder
        .media_info()
        .unwrap()
        .media_state()
        .contains(MediaState::BLANK);
    if blank {
        image.choose_image_defaults(recorder).unwrap();
    } else {
        let offered = session::offer(recorder).unwrap();
        image.set_multisession_interfaces(offered).unwrap();
        image
            .import_file_system(None)
            .unwrap_or_else(|e| panic!("importing the newest session: {e}"));
    }
    image
}

/// Prepares the next session on `disc`, lets `edit` change it, creates the
/// result image and writes it with `DataWriter`.
pub fn write_next_session(
    disc: &Path,
    volume: &str,
    edit: impl FnOnce(&mut FileSystemImage),
) -> WriteReport {
    let recorder = open(disc);
    let mut image = image_for_next_session(&recorder, volume);
    edit(&mut image);
    let mut result = image
        .create_result_image()
        .unwrap_or_else(|e| panic!("creating the result image: {e}"));
    DataWriter::new(recorder, multisession_options())
        .write(&mut result, &mut |_| Flow::Continue)
        .unwrap_or_else(|e| panic!("writing the session {volume:?}: {e}"))
}

/// What isoinfo shows of the Joliet tree of a session holding `model`: no
/// symlinks (Joliet has none), every name as the Joliet rules cut it and
/// isoinfo prints it.
pub fn joliet_view(model: &Model) -> Model {
    model
        .iter()
        .filter(|(_, e)| !matches!(e, Entry::Link(_)))
        .map(|(path, e)| {
            let parts: Vec<&str> = path.split('/').skip(1).collect();
            let last = parts.len() - 1;
            let joliet: String = parts
                .iter()
                .enumerate()
                .map(|(i, part)| {
                    let is_dir = i < last || matches!(e, Entry::Dir);
                    let name = String::from_utf16(&JolietNamer::plain(part, is_dir)).unwrap();
                    format!("/{}", isoinfo_joliet_name(&name))
                })
                .collect();
            (joliet, e.clone())
        })
        .collect()
}

/// Every reader sees `expected` in the session at `start` (`None`: the
/// one the volume descriptors at LBA 16 describe): xorriso's listing and
/// extraction, isoinfo's Rock Ridge and Joliet trees with `-x` content.
pub fn check_session(img: &Path, start: Option<u32>, expected: &Model, scratch: &Path, what: &str) {
    let at = start.map_or("LBA 16".to_owned(), |s| format!("session at {s}"));
    assert_same(
        &format!("{what}: xorriso, {at}"),
        expected,
        &model_by_xorriso(img, start, scratch),
    );
    assert_same(
        &format!("{what}: isoinfo -R, {at}"),
        expected,
        &model_by_isoinfo(img, start, u64::MAX),
    );
    assert_same(
        &format!("{what}: isoinfo -J, {at}"),
        &joliet_view(expected),
        &model_by_isoinfo_joliet(img, start, u64::MAX),
    );
}

/// The root directory's extent as the primary volume descriptor at
/// LBA 16 of the image file records it: where a reader that knows nothing
/// of sessions goes.
pub fn root_at_lba_16(img: &Path) -> u32 {
    let mut pvd = vec![0u8; BLOCK_SIZE];
    fs::File::open(img)
        .unwrap()
        .read_exact_at(&mut pvd, 16 * BLOCK_SIZE as u64)
        .unwrap();
    assert_eq!(&pvd[..6], b"\x01CD001", "primary volume descriptor at 16");
    // The root directory record is at byte 156; its extent at +2 (LE).
    u32::from_le_bytes(pvd[158..162].try_into().unwrap())
}
