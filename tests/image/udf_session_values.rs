//! Issue 11: the multisession object's own values on an overwritable
//! medium holding a UDF-only volume. The random-write object places the
//! next session after the volume, whatever file system made it: its next
//! writable address is the volume's end rounded up to the medium's 32
//! blocks, its free sectors the rest of the medium, and an image that
//! imported nothing writes its session right there, leaving the volume
//! before it whole.

use std::fs;
use std::io::Cursor;
use std::path::Path;

use crate::support::peers::*;
use crate::support::sessions::*;
use crate::support::trees::*;
use multisession::burn::{DataWriter, Flow};
use multisession::fsi::{FileSystemImage, FileSystems, BLOCK_SIZE};
use multisession::scsi::emulator::{create_blank, wrap_image, Existing};
use multisession::session::{self, Kind, NextSession, RandomWriteValues};
use multisession::Profile;

/// The random-write object's placement and its IMultisessionRandomWrite
/// values, as the drive offers them now.
fn random_write_values(disc: &Path) -> (NextSession, RandomWriteValues) {
    let offered = session::offer(&open(disc)).unwrap();
    let object = offered
        .iter()
        .find(|m| m.kind() == Kind::RandomWrite)
        .expect("a random-write object");
    (
        object.next_session().unwrap(),
        object.random_write().unwrap(),
    )
}

/// The values after a volume ending at `end` (one past its last block).
fn assert_after_volume(disc: &Path, end: u32, what: &str) {
    let (next, values) = random_write_values(disc);
    let nwa = end.div_ceil(32) * 32;
    assert_eq!(next.start_block, nwa, "{what}: next writable address");
    assert_eq!(
        next.free_blocks,
        values.total_sectors_on_media as u32 - nwa,
        "{what}: free sectors = capacity − next writable address"
    );
    // IMAPI2 takes LastWrittenAddress from the drive, whatever volume the
    // disc holds: a formatted medium reports every block recorded.
    let drive = open(disc).media_info().unwrap().last_recorded;
    assert_eq!(
        Some(values.last_written_address as u32),
        drive,
        "{what}: last written address as the drive reports it"
    );
}

/// A UDF-only session with one file, written through an image that
/// imported nothing (`FileSystemImage::new` and the offered objects).
fn write_without_import(disc: &Path, name: &str, body: &[u8]) -> u32 {
    let recorder = open(disc);
    let mut image = FileSystemImage::new();
    image.set_fixed_time(Some(TIME));
    image.set_file_systems(FileSystems::UDF).unwrap();
    image
        .set_multisession_interfaces(session::offer(&recorder).unwrap())
        .unwrap();
    let start = image.session_start_block().unwrap();
    image
        .add_stream(
            name,
            body.len() as u64,
            Box::new(Cursor::new(body.to_vec())),
            false,
        )
        .unwrap();
    let mut result = image.create_result_image().unwrap();
    let report = DataWriter::new(recorder, multisession_options())
        .write(&mut result, &mut |_| Flow::Continue)
        .unwrap();
    assert_eq!(
        report.start_lba, start,
        "the session goes where the image said"
    );
    start
}

fn our_udf_only_sessions_end_where_the_object_places_the_next(profile: Profile) {
    let dir = scratch(&format!("udf-values-{profile}"));
    let disc = dir.join("disc.img");
    create_blank(&disc, profile, None, Existing::Replace).unwrap();
    let mut previous_end = None;
    for (k, volume) in ["One", "Two"].into_iter().enumerate() {
        let report = write_next_session(&disc, volume, |image| {
            image.set_file_systems(FileSystems::UDF).unwrap();
            image
                .add_stream(
                    &format!("/{volume}.txt"),
                    3,
                    Box::new(Cursor::new(b"abc".to_vec())),
                    false,
                )
                .unwrap();
        });
        if let Some(end) = previous_end {
            assert_eq!(
                report.start_lba,
                u32::div_ceil(end, 32) * 32,
                "{profile}: session {} starts at the next writable address",
                k + 1
            );
        }
        let end = report.start_lba + report.sectors;
        assert_after_volume(&disc, end, &format!("{profile}, after session {}", k + 1));
        previous_end = Some(end);
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn udf_only_dvd_plus_rw_has_its_next_writable_address_after_the_volume() {
    our_udf_only_sessions_end_where_the_object_places_the_next(Profile::DvdPlusRw);
}

#[test]
fn udf_only_bd_re_has_its_next_writable_address_after_the_volume() {
    our_udf_only_sessions_end_where_the_object_places_the_next(Profile::BdRe);
}

/// mkudffs puts its reserve sequence and two anchors after the partition,
/// up to the last block of the image: the volume is the whole image, and a
/// session written after it changes nothing of mkudffs' volume but the
/// commit blocks.
#[test]
fn a_mkudffs_volume_on_dvd_plus_rw_takes_its_import_less_session_after_its_closing_anchor() {
    if !crate::support::tools::installed(&["mkudffs", "udfinfo"]) {
        return;
    }
    const BLOCKS: u32 = 4096;
    let dir = scratch("udf-values-mkudffs");
    let disc = dir.join("disc.img");
    mkudffs(&disc, BLOCKS.into(), &[]);
    wrap_image(&disc, Profile::DvdPlusRw, &[], false, Existing::Replace).unwrap();
    let before = fs::read(&disc).unwrap();
    assert_after_volume(&disc, BLOCKS, "mkudffs volume");

    let start = write_without_import(&disc, "/new.txt", b"after mkudffs\n");
    assert_eq!(start, BLOCKS);

    // mkudffs' volume: not a byte changed outside the commit blocks (the
    // recognition sequence at 16 and the anchor at 256).
    let after = fs::read(&disc).unwrap();
    let block = |data: &[u8], lba: usize| data[lba * BLOCK_SIZE..][..BLOCK_SIZE].to_vec();
    for lba in (0..BLOCKS as usize).filter(|&l| !(16..32).contains(&l) && l != 256) {
        assert_eq!(
            block(&before, lba),
            block(&after, lba),
            "block {lba} of mkudffs' volume"
        );
    }
    // udfinfo reads the new session through the anchor at 256 and at its
    // own start …
    for start in [0, BLOCKS] {
        let new = udfinfo(&disc, start);
        assert_eq!(new["numfiles"], "1", "udfinfo from block {start}: {new:?}");
    }
    // … and mkudffs' volume whole once the commit blocks are put back (the
    // anchor at 256 is the commit; udfinfo refuses a volume whose anchors
    // disagree, so it cannot be asked with the new anchor in place).
    let mut old = after[..BLOCKS as usize * BLOCK_SIZE].to_vec();
    for lba in (16..32).chain([256]) {
        old[lba * BLOCK_SIZE..][..BLOCK_SIZE].copy_from_slice(&block(&before, lba));
    }
    let old_img = dir.join("old.img");
    fs::write(&old_img, old).unwrap();
    let first = udfinfo(&old_img, 0);
    assert_eq!(
        first["label"], "EmptyUDF",
        "udfinfo of session 1: {first:?}"
    );
    assert_eq!(first["numdirs"], "1", "udfinfo of session 1: {first:?}");
    assert_eq!(first["numfiles"], "0", "udfinfo of session 1: {first:?}");
    let _ = fs::remove_dir_all(&dir);
}
