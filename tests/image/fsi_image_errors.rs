//! The failure paths of the IFileSystemImage flow on emulated discs, each
//! with its IMAPI code, and what a failure leaves unchanged.

use crate::support::discs::disc_named;
use crate::support::{fails_naming, fails_with};
use std::sync::Arc;

use crate::support::discs::*;
use crate::support::trees::{model_of_medium, Entry};
use multisession::fsi::{FileSystemImage, FileSystems, SessionStream};
use multisession::hresult::*;
use multisession::media::Profile;
use multisession::recorder::Recorder;
use multisession::scsi::emulator::DiscSpec;
use multisession::session;

/// A CD-R (or `profile`) with one session holding `/a.txt` and `/dir/b.txt`.
fn disc_with_one_session(
    dir: &std::path::Path,
    profile: Profile,
    capacity: Option<u32>,
) -> Arc<Recorder> {
    let recorder = blank_disc(dir, profile, capacity);
    let mut image = FileSystemImage::new();
    image.choose_image_defaults(&recorder).unwrap();
    // The defaults add UDF (tests/image/udf_build.rs); these sessions are about
    // ISO 9660 and Joliet.
    image
        .set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET)
        .unwrap();
    image.set_volume_name("One").unwrap();
    image
        .add_stream("/a.txt", 5, Box::new(&b"old a"[..]), false)
        .unwrap();
    image.mkdir("/dir", false).unwrap();
    image
        .add_stream("/dir/b.txt", 1, Box::new(&b"b"[..]), false)
        .unwrap();
    write_result(&recorder, &mut image.create_result_image().unwrap());
    recorder
}

fn put(recorder: &Arc<Recorder>) -> FileSystemImage {
    let mut image = FileSystemImage::new();
    image
        .set_multisession_interfaces(session::offer(recorder).unwrap())
        .unwrap();
    image
}

#[test]
fn import_before_a_put_is_multisession_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::CdR, None);
    let mut image = FileSystemImage::new();
    fails_with(
        image.import_file_system(None),
        MS_IMAPI_E_MULTISESSION_NOT_SET,
    );
    // With a recorder given, identification needs no list.
    assert_eq!(
        image
            .identify_file_systems_on_disc(Some(&recorder))
            .unwrap(),
        FileSystems::ISO9660 | FileSystems::JOLIET
    );
}

#[test]
fn importing_a_file_system_the_session_lacks_is_file_system_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::DvdPlusR, None);
    let mut image = put(&recorder);
    fails_with(
        image.import_file_system(Some(FileSystems::UDF)),
        MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND,
    );
    let e = image
        .import_file_system(Some(FileSystems::ISO9660 | FileSystems::JOLIET))
        .unwrap_err();
    assert_eq!(
        e.code(),
        MS_IMAPI_E_INVALID_PARAM,
        "one file system at a time"
    );
    assert!(image.tree().is_empty(), "a failed import adds nothing");
    assert_eq!(image.imported_volume_name(), None);
    // ImportSpecificFileSystem of ISO 9660 works and reports it.
    assert_eq!(
        image
            .import_file_system(Some(FileSystems::ISO9660))
            .unwrap(),
        FileSystems::ISO9660
    );
    assert_eq!(image.imported_file_system(), Some(FileSystems::ISO9660));
}

#[test]
fn a_session_without_a_file_system_is_refused_by_name_not_taken_for_an_empty_disc() {
    // Sessions of marker blocks only: no volume descriptors at start + 16.
    let dir = disc_named(DiscSpec::new(Profile::CdR).sessions(&[600]), "raw.img");
    let path = dir.image.clone();
    let recorder = Arc::new(Recorder::open(&path).unwrap());
    let mut image = put(&recorder);
    assert_eq!(
        image.identify_file_systems_on_disc(None).unwrap(),
        FileSystems::NONE
    );
    fails_naming(
        image.import_file_system(None),
        MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
        "no earlier session holds one either",
    );
    assert_eq!(image.newest_session_with_file_system().unwrap(), None);
}

#[test]
fn a_second_import_and_a_new_list_after_an_import_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::BdR, None);
    let mut image = put(&recorder);
    image.import_file_system(None).unwrap();
    let start = image.session_start_block().unwrap();
    fails_with(image.import_file_system(None), MS_IMAPI_E_INVALID_PARAM);
    fails_with(
        image.set_multisession_interfaces(session::offer(&recorder).unwrap()),
        MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
    );
    fails_with(
        image.set_session_start_block(0),
        MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
    );
    fails_with(
        image.set_free_media_blocks(0),
        MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
    );
    assert_eq!(image.session_start_block().unwrap(), start);
}

#[test]
fn items_in_memory_win_a_clash_with_the_import_and_type_clashes_fail() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::CdR, None);
    let mut image = put(&recorder);
    image
        .add_stream("/a.txt", 5, Box::new(&b"new a"[..]), false)
        .unwrap();
    image.import_file_system(None).unwrap();
    let got = model_of_medium(image.tree(), &*recorder);
    assert_eq!(got["/a.txt"], Entry::file(b"new a"));
    assert_eq!(got["/dir/b.txt"], Entry::file(b"b"));

    let mut clash = put(&recorder);
    clash
        .add_stream("/dir", 1, Box::new(&b"x"[..]), false)
        .unwrap();
    fails_with(
        clash.import_file_system(None),
        MS_IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE,
    );
}

#[test]
fn a_session_that_does_not_fit_the_free_blocks_is_image_too_big() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::DvdPlusR, Some(200_000));
    let mut image = put(&recorder);
    image.import_file_system(None).unwrap();
    let free = image.free_media_blocks().unwrap();
    assert!(free > 0 && free < 200_000, "{free}");
    let size = u64::from(free) * 2048;
    image
        .add_stream("/big.bin", size, Box::new(std::io::repeat(7)), false)
        .unwrap();
    fails_with(image.create_result_image(), MS_IMAPI_E_IMAGE_TOO_BIG);
    // Removing the file makes it fit again.
    image.remove("/big.bin", false).unwrap();
    let result = image.create_result_image().unwrap();
    assert!(result.total_blocks() <= free);
}

#[test]
fn defaults_from_a_closed_disc_are_image_too_big_and_from_no_medium_the_recorder_code() {
    let dir = tempfile::tempdir().unwrap();
    let closed = dir.path().join("closed.img");
    DiscSpec::new(Profile::CdR)
        .sessions(&[900])
        .finalized(true)
        .create(&closed)
        .unwrap();
    let recorder = Recorder::open(&closed).unwrap();
    let mut image = FileSystemImage::new();
    fails_with(
        image.choose_image_defaults(&recorder),
        MS_IMAPI_E_IMAGE_TOO_BIG,
    );
    assert_eq!(image.free_media_blocks().unwrap(), 332_800, "unchanged");

    let empty = dir.path().join("empty.img");
    DiscSpec::new(Profile::CdR)
        .no_media()
        .create(&empty)
        .unwrap();
    let recorder = Recorder::open(&empty).unwrap();
    fails_with(
        image.choose_image_defaults(&recorder),
        MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
    );
}

#[test]
fn a_caller_stream_shorter_than_announced_fails_while_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = disc_with_one_session(dir.path(), Profile::CdR, None);
    let mut image = put(&recorder);
    image.import_file_system(None).unwrap();
    image
        .add_stream("/short.bin", 10_000, Box::new(&[1u8; 100][..]), false)
        .unwrap();
    let mut result = image.create_result_image().unwrap();
    let mut buf = vec![0u8; result.total_blocks() as usize * 2048];
    fails_with(
        result.read_blocks(0, &mut buf),
        MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
    );
}
