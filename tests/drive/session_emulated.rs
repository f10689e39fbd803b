//! The multisession objects and the file-system image's put procedure on
//! emulated drives: the docs/architecture.md decisions across profiles and media
//! states, end to end through `Recorder` and the MMC layer.

use crate::support::{fails_naming, fails_with};
use std::path::Path;
use std::sync::Arc;

use multisession::fsi::{FileSystemImage, BLOCK_SIZE};
use multisession::hresult::*;
use multisession::media::Profile;
use multisession::recorder::Recorder;
use multisession::scsi::emulator::{create_blank, wrap_image, DiscSpec, Existing};
use multisession::scsi::DataDirection;
use multisession::session::{self, Kind, Multisession};
use tempfile::TempDir;

struct Disc {
    _dir: TempDir,
    recorder: Arc<Recorder>,
}

fn disc(spec: DiscSpec) -> Disc {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    spec.create(&path).unwrap();
    let recorder = Arc::new(Recorder::open(&path).unwrap());
    Disc {
        _dir: dir,
        recorder,
    }
}

fn offer(d: &Disc) -> Vec<Multisession> {
    session::offer(&d.recorder).unwrap()
}

fn kinds(list: &[Multisession]) -> Vec<Kind> {
    list.iter().map(Multisession::kind).collect()
}

fn put(list: Vec<Multisession>) -> Result<FileSystemImage, multisession::Error> {
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(list).map(|()| image)
}

fn put_code(list: Vec<Multisession>) -> HResult {
    put(list).expect_err("the put should fail").code()
}

const SEQUENTIAL: [Profile; 6] = [
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdMinusR,
    Profile::DvdMinusRwSequential,
    Profile::DvdPlusR,
    Profile::DvdPlusRDl,
];
const RANDOM: [Profile; 5] = [
    Profile::DvdPlusRw,
    Profile::DvdPlusRwDl,
    Profile::DvdMinusRwRestricted,
    Profile::DvdRam,
    Profile::BdRe,
];

#[test]
fn recorders_offer_objects_by_media_type() {
    for p in SEQUENTIAL.into_iter().chain([Profile::BdR]) {
        for spec in [DiscSpec::new(p), DiscSpec::new(p).sessions(&[800])] {
            assert_eq!(kinds(&offer(&disc(spec))), vec![Kind::Sequential], "{p}");
        }
    }
    for p in RANDOM {
        assert_eq!(
            kinds(&offer(&disc(DiscSpec::new(p)))),
            vec![Kind::RandomWrite],
            "{p}"
        );
    }
    let pow = disc(DiscSpec::new(Profile::BdR).sessions(&[800]).pow(true));
    assert_eq!(
        kinds(&offer(&pow)),
        vec![Kind::Sequential, Kind::PseudoOverwrite]
    );
}

#[test]
fn read_only_media_offer_nothing_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rom.img");
    std::fs::write(&path, vec![0u8; 64 * BLOCK_SIZE]).unwrap();
    wrap_image(&path, Profile::CdRom, &[0], true, Existing::Refuse).unwrap();
    let recorder = Arc::new(Recorder::open(&path).unwrap());
    fails_naming(
        session::offer(&recorder),
        MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
        "cd-rom",
    );
}

#[test]
fn no_medium_gives_the_recorders_code() {
    let d = disc(DiscSpec::new(Profile::CdR).no_media());
    fails_with(
        session::offer(&d.recorder),
        MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
    );
}

#[test]
fn blank_sequential_media_report_minus_one_minus_one_zero_capacity_and_refuse_the_put() {
    for p in SEQUENTIAL.into_iter().chain([Profile::BdR]) {
        let d = disc(DiscSpec::new(p));
        let list = offer(&d);
        let media = d.recorder.media_info().unwrap();
        let v = list[0].sequential().unwrap();
        assert!(v.is_first_data_session, "{p}");
        assert_eq!(v.start_address_of_previous_session, -1, "{p}");
        assert_eq!(v.last_written_address_of_previous_session, -1, "{p}");
        assert_eq!(v.next_writable_address, 0, "{p}");
        assert_eq!(v.free_sectors_on_media as u32, media.free_blocks, "{p}");
        assert!(v.free_sectors_on_media > 0, "{p}");
        assert_eq!(v.write_unit_size as u32, p.write_unit(), "{p}");
        assert!(
            list[0].is_supported_on_current_media_state().unwrap(),
            "{p}"
        );
        let err = put(list).unwrap_err();
        assert_eq!(err.code(), MS_IMAPI_E_IMPORT_SEEK_FAILURE, "{p}");
        assert!(err.detail().contains("blank"), "{}", err.detail());
    }
}

#[test]
fn appendable_sequential_media_place_the_next_session_at_the_next_writable_address() {
    for p in SEQUENTIAL.into_iter().chain([Profile::BdR]) {
        let d = disc(DiscSpec::new(p).sessions(&[1200, 300]));
        let list = offer(&d);
        let media = d.recorder.media_info().unwrap();
        let previous = media.previous_session.expect("two closed sessions");
        let v = list[0].sequential().unwrap();
        assert!(!v.is_first_data_session);
        assert_eq!(
            v.start_address_of_previous_session as u32, previous.start,
            "{p}"
        );
        assert!(
            previous.start > 0,
            "{p}: the previous session is the second one"
        );
        assert_eq!(
            v.last_written_address_of_previous_session as u32, previous.last_written,
            "{p}"
        );
        assert!(
            v.next_writable_address as u32 > previous.last_written,
            "{p}"
        );
        assert_eq!(
            Some(v.next_writable_address as u32),
            media.next_writable,
            "{p}"
        );
        assert!(
            list[0].is_supported_on_current_media_state().unwrap(),
            "{p}"
        );
        let image = put(list.clone()).unwrap();
        assert!(image.chosen_multisession().unwrap().same_object(&list[0]));
        assert_eq!(
            image.session_start_block().unwrap(),
            v.next_writable_address as u32
        );
        assert_eq!(
            image.free_media_blocks().unwrap(),
            v.free_sectors_on_media as u32
        );
    }
}

#[test]
fn closed_media_keep_the_previous_session_have_no_room_and_are_not_supported() {
    for p in SEQUENTIAL.into_iter().chain([Profile::BdR]) {
        let d = disc(DiscSpec::new(p).sessions(&[900]).finalized(true));
        let list = offer(&d);
        let v = list[0].sequential().unwrap();
        assert_eq!(v.start_address_of_previous_session, 0, "{p}");
        assert!(v.last_written_address_of_previous_session >= 899, "{p}");
        assert_eq!(v.next_writable_address, -1, "{p}");
        assert_eq!(v.free_sectors_on_media, 0, "{p}");
        assert!(
            !list[0].is_supported_on_current_media_state().unwrap(),
            "{p}"
        );
        assert_eq!(
            put_code(list.clone()),
            MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
            "{p}"
        );
        list[0].set_in_use(true);
        assert_eq!(
            put_code(list),
            MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE,
            "{p}"
        );
    }
}

#[test]
fn write_protected_media_are_not_supported() {
    let specs = [
        DiscSpec::new(Profile::CdR).sessions(&[700]),
        DiscSpec::new(Profile::DvdPlusR).sessions(&[700]),
        DiscSpec::new(Profile::BdR).sessions(&[700]),
        DiscSpec::new(Profile::DvdPlusRw),
        DiscSpec::new(Profile::BdRe),
    ];
    for spec in specs {
        let d = disc(spec.write_protected(true));
        let list = offer(&d);
        let profile = d.recorder.media_info().unwrap().profile;
        assert!(
            !list[0].is_supported_on_current_media_state().unwrap(),
            "{profile}"
        );
        assert_eq!(
            put_code(list),
            MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
            "{profile}"
        );
    }
}

#[test]
fn sequential_dvd_rw_without_incremental_writing_is_not_supported() {
    let d = disc(
        DiscSpec::new(Profile::DvdMinusRwSequential)
            .sessions(&[700])
            .incremental_lost(true),
    );
    let list = offer(&d);
    assert!(!list[0].is_supported_on_current_media_state().unwrap());
    assert_eq!(put_code(list), MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE);
}

#[test]
fn dvd_minus_r_dual_layer_is_refused_by_the_media_type_gate_before_anything_else() {
    let d = disc(DiscSpec::new(Profile::DvdMinusRDl).sessions(&[700]));
    let list = offer(&d);
    assert!(!list[0].is_supported_on_current_media_state().unwrap());
    let twice = vec![list[0].clone(), list[0].clone()];
    list[0].set_in_use(true);
    assert_eq!(put_code(twice), MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED);
}

#[test]
fn more_than_one_object_in_use_is_invalidarg_naming_the_count() {
    let d = disc(DiscSpec::new(Profile::BdR).sessions(&[800]).pow(true));
    let list = offer(&d);
    for m in &list {
        m.set_in_use(true);
    }
    let err = fails_with(put(list), MS_E_INVALIDARG);
    assert!(err.detail().starts_with("2 of the 2"), "{}", err.detail());
}

#[test]
fn an_empty_list_and_a_list_of_two_drives_are_invalidarg() {
    assert_eq!(put_code(Vec::new()), MS_E_INVALIDARG);
    let a = disc(DiscSpec::new(Profile::CdR).sessions(&[500]));
    let b = disc(DiscSpec::new(Profile::CdR).sessions(&[500]));
    fails_naming(
        put(vec![offer(&a)[0].clone(), offer(&b)[0].clone()]),
        MS_E_INVALIDARG,
        "one recorder",
    );
}

#[test]
fn the_image_keeps_the_same_objects_and_never_sets_in_use_itself() {
    let d = disc(DiscSpec::new(Profile::BdR).sessions(&[800]).pow(true));
    let list = offer(&d);
    let mut image = FileSystemImage::new();
    assert!(
        image.multisession_interfaces().is_empty(),
        "empty before any put"
    );
    image.set_multisession_interfaces(list.clone()).unwrap();
    let held = image.multisession_interfaces();
    assert!(held.iter().zip(&list).all(|(a, b)| a.same_object(b)));
    // A written POW BD-R never closes a session: only Pseudo-Overwrite
    // makes the next one visible, so auto-selection takes it.
    assert_eq!(
        image.chosen_multisession().unwrap().kind(),
        Kind::PseudoOverwrite
    );
    assert!(
        list.iter().all(|m| !m.in_use()),
        "auto-selection leaves InUse alone"
    );
    // InUse set through the caller's handle is what the image's list shows.
    list[1].set_in_use(true);
    assert!(image.multisession_interfaces()[1].in_use());
}

#[test]
fn pseudo_overwrite_in_use_is_chosen_and_placed_on_the_cluster_after_the_nwa() {
    let d = disc(DiscSpec::new(Profile::BdR).sessions(&[801]).pow(true));
    let list = offer(&d);
    let media = d.recorder.media_info().unwrap();
    let v = list[1].pseudo_overwrite().unwrap();
    assert_eq!(v.write_unit_size, 32);
    assert_eq!(Some(v.next_writable_address as u32), media.next_writable);
    assert_eq!(v.total_sectors_on_media as u32, media.total_sectors);
    assert_eq!(
        list[1].sequential().unwrap_err().code(),
        MS_E_NOINTERFACE,
        "a PseudoOverwrite object has no Sequential interface"
    );
    list[1].set_in_use(true);
    let image = put(list.clone()).unwrap();
    assert!(image.chosen_multisession().unwrap().same_object(&list[1]));
    let start = image.session_start_block().unwrap();
    assert_eq!(start, (v.next_writable_address as u32).div_ceil(32) * 32);
    assert_eq!(
        image.free_media_blocks().unwrap(),
        media.total_sectors - start
    );
}

/// An overwritable disc whose image holds an ISO 9660 volume of `blocks`.
fn overwritable_with_volume(profile: Profile, blocks: u32) -> (TempDir, Arc<Recorder>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rw.img");
    let mut data = vec![0u8; blocks as usize * BLOCK_SIZE];
    let pvd = &mut data[16 * BLOCK_SIZE..17 * BLOCK_SIZE];
    pvd[..7].copy_from_slice(b"\x01CD001\x01");
    pvd[80..84].copy_from_slice(&blocks.to_le_bytes());
    pvd[84..88].copy_from_slice(&blocks.to_be_bytes());
    data[17 * BLOCK_SIZE..17 * BLOCK_SIZE + 7].copy_from_slice(b"\xffCD001\x01");
    std::fs::write(&path, data).unwrap();
    wrap_image(&path, profile, &[], false, Existing::Refuse).unwrap();
    let recorder = Arc::new(Recorder::open(&path).unwrap());
    (dir, recorder)
}

#[test]
fn random_write_sessions_go_to_the_next_32_blocks_after_the_iso_volume() {
    for (profile, unit) in [(Profile::DvdPlusRw, 16), (Profile::BdRe, 32)] {
        let (_dir, recorder) = overwritable_with_volume(profile, 1001);
        let list = session::offer(&recorder).unwrap();
        let v = list[0].random_write().unwrap();
        assert_eq!(v.write_unit_size, unit, "{profile}");
        let image = put(list).unwrap();
        let start = image.session_start_block().unwrap();
        // libisoburn's 32-block alignment, a multiple of both write units.
        assert_eq!(start, 1024, "{profile}");
        assert_eq!(
            image.free_media_blocks().unwrap(),
            v.total_sectors_on_media as u32 - start,
            "{profile}"
        );
    }
}

#[test]
fn blank_overwritable_media_take_the_first_session_at_zero() {
    for p in RANDOM {
        let d = disc(DiscSpec::new(p));
        let list = offer(&d);
        assert!(
            list[0].is_supported_on_current_media_state().unwrap(),
            "{p}"
        );
        let total = list[0].random_write().unwrap().total_sectors_on_media as u32;
        let image = put(list).unwrap();
        assert_eq!(image.session_start_block().unwrap(), 0, "{p}");
        assert_eq!(image.free_media_blocks().unwrap(), total, "{p}");
    }
}

#[test]
fn values_follow_the_medium_after_a_write_through_the_recorder() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[1000]));
    let list = offer(&d);
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(list.clone()).unwrap();
    let before = list[0].sequential().unwrap();
    assert_eq!(
        image.session_start_block().unwrap(),
        before.next_writable_address as u32
    );

    // 16 blocks written at the next writable address by someone holding
    // the recorder; the recorder re-reads the medium once they are done.
    {
        let guard = d.recorder.lock_for_writing().unwrap();
        let nwa = (before.next_writable_address as u32).to_be_bytes();
        let cdb = [0x2A, 0, nwa[0], nwa[1], nwa[2], nwa[3], 0, 0, 16, 0];
        let data = vec![0u8; 16 * BLOCK_SIZE];
        guard
            .command(
                &cdb,
                DataDirection::ToDevice(&data),
                std::time::Duration::from_secs(10),
            )
            .unwrap();
    }
    let after = list[0].sequential().unwrap();
    assert!(
        after.next_writable_address >= before.next_writable_address + 16,
        "{before:?} then {after:?}"
    );
    assert!(after.free_sectors_on_media < before.free_sectors_on_media);
    assert_eq!(
        image.session_start_block().unwrap(),
        after.next_writable_address as u32,
        "the image sees the medium as it is now"
    );
}

#[test]
fn blank_emulated_discs_from_create_blank_behave_like_fresh_media() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.img");
    create_blank(&path, Profile::DvdPlusR, Some(100_000), Existing::Refuse).unwrap();
    let recorder = Arc::new(Recorder::open(Path::new(&path)).unwrap());
    let v = session::offer(&recorder).unwrap()[0].sequential().unwrap();
    assert_eq!((v.next_writable_address, v.write_unit_size), (0, 16));
    assert!(v.free_sectors_on_media > 0 && v.free_sectors_on_media <= 100_000);
}
