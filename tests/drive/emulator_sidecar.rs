//! The sidecar and the image file: bad sidecars fail at open with a clear
//! error naming the field, state survives a reopen, creation helpers, image
//! wrapping, and the two-writer lock.

use crate::support::discs::disc_named;
use crate::support::{fails_naming, fails_with};
use std::path::Path;

use crate::support::drive::{be32, Disc};
use multisession::hresult::{
    MS_E_IMAPI_RECORDER_LOCKED, MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE, MS_E_INVALIDARG,
    MS_E_WIN32_FILE_EXISTS,
};
use multisession::media::Profile;
use multisession::scsi::emulator::{
    create_blank, default_capacity, is_emulated_disc, lock_disc, marker_block, sidecar_path,
    wrap_image, DiscSpec, EmulatedDrive, Existing,
};

fn sidecar_json(image: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(sidecar_path(image)).unwrap()).unwrap()
}

fn write_sidecar(image: &Path, v: &serde_json::Value) {
    std::fs::write(sidecar_path(image), serde_json::to_string(v).unwrap()).unwrap();
}

/// Opens after `edit` changed the sidecar of a 2-session CD-R; the error.
fn open_after(edit: impl FnOnce(&mut serde_json::Value)) -> multisession::Error {
    let dir = disc_named(DiscSpec::new(Profile::CdR).sessions(&[608, 5888]), "d.img");
    let image = dir.image.clone();
    let mut v = sidecar_json(&image);
    edit(&mut v);
    write_sidecar(&image, &v);
    EmulatedDrive::open(&image).unwrap_err()
}

type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;

#[test]
fn bad_sidecars_fail_at_open_naming_the_field() {
    let cases: Vec<(&str, Edit)> = vec![
        ("profile", Box::new(|v| v["profile"] = "cd-x".into())),
        ("version", Box::new(|v| v["version"] = 9.into())),
        ("capacity", Box::new(|v| v["capacity"] = 0.into())),
        (
            "sessions[1].tracks[0].start",
            Box::new(|v| v["sessions"][1]["tracks"][0]["start"] = 300.into()),
        ),
        (
            "sessions[1].tracks[0]",
            Box::new(|v| v["capacity"] = 15000.into()),
        ),
        (
            "sessions[0].closed",
            Box::new(|v| v["sessions"][0]["closed"] = false.into()),
        ),
        (
            "sessions[1].closed",
            Box::new(|v| {
                v["sessions"][1]["closed"] = false.into();
                v["finalized"] = true.into();
            }),
        ),
        ("format", Box::new(|v| v["format"] = "srm_pow".into())),
        (
            "sessions[0].tracks[0].blocks",
            Box::new(|v| v["sessions"][0]["tracks"][0]["blocks"] = 0.into()),
        ),
        (
            "sessions[1].tracks[0].reserved",
            Box::new(|v| v["sessions"][1]["tracks"][0]["reserved"] = 64.into()),
        ),
        ("malformed JSON", Box::new(|v| v["surprise"] = 1.into())),
        (
            "malformed JSON",
            Box::new(|v| v["sessions"][0]["tracks"][0]["blocks"] = (-1).into()),
        ),
    ];
    for (field, edit) in cases {
        let e = open_after(edit);
        assert_eq!(
            e.code(),
            MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
            "{field}: {e}"
        );
        assert!(e.detail().contains(field), "{field}: {e}");
    }
}

#[test]
fn truncated_or_garbage_sidecar_text_is_malformed_json() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("d.img");
    create_blank(&image, Profile::DvdPlusR, None, Existing::Refuse).unwrap();
    let text = std::fs::read_to_string(sidecar_path(&image)).unwrap();
    for bad in [&text[..text.len() / 2], "", "\u{0}\u{1}", "[]"] {
        std::fs::write(sidecar_path(&image), bad).unwrap();
        fails_naming(
            EmulatedDrive::open(&image),
            MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
            "malformed JSON",
        );
    }
}

#[test]
fn an_image_shorter_than_the_recorded_area_is_refused() {
    let dir = disc_named(DiscSpec::new(Profile::DvdPlusR).sessions(&[1000]), "d.img");
    let image = dir.image.clone();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&image)
        .unwrap()
        .set_len(999 * 2048)
        .unwrap();
    fails_naming(
        EmulatedDrive::open(&image),
        MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
        "shorter",
    );
}

#[test]
fn a_path_without_sidecar_is_not_an_emulated_disc() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("plain.iso");
    std::fs::write(&image, [0u8; 4096]).unwrap();
    assert!(!is_emulated_disc(&image));
    fails_with(EmulatedDrive::open(&image), MS_E_INVALIDARG);
    assert_eq!(sidecar_path(&image), dir.path().join("plain.iso.json"));
}

#[test]
fn create_blank_uses_the_reference_capacities() {
    let dir = tempfile::tempdir().unwrap();
    let table = [
        (Profile::CdR, 359847),
        (Profile::CdRw, 359847),
        (Profile::DvdMinusR, 2297888),
        (Profile::DvdMinusRwSequential, 2297888),
        (Profile::DvdPlusR, 2295104),
        (Profile::BdR, 12219392),
    ];
    for (profile, cap) in table {
        let image = dir.path().join(profile.name());
        create_blank(&image, profile, None, Existing::Refuse).unwrap();
        assert!(is_emulated_disc(&image));
        assert_eq!(
            std::fs::metadata(&image).unwrap().len(),
            0,
            "sparse and empty"
        );
        let mut d = Disc {
            drive: EmulatedDrive::open(&image).unwrap(),
            image,
            dir: tempfile::tempdir().unwrap(),
        };
        let r = d.rdi();
        let next = r[6] as u32;
        assert_eq!(d.nwa(next), (0, cap), "{profile}");
    }
    for profile in Profile::ALL {
        let image = dir.path().join(format!("x-{}", profile.name()));
        let made = create_blank(&image, profile, None, Existing::Refuse);
        assert_eq!(
            made.is_ok(),
            default_capacity(profile).is_some(),
            "{profile}"
        );
    }
    let image = dir.path().join("small");
    create_blank(&image, Profile::DvdPlusR, Some(4096), Existing::Refuse).unwrap();
    assert_eq!(sidecar_json(&image)["capacity"], 4096);
}

#[test]
fn state_changes_survive_a_reopen_and_leave_no_temporary_file() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    d.write_session(1000, 1);
    d.reopen();
    assert_eq!(d.nwa(0xFF).0, 1008 + 2048);
    let dir: Vec<String> = std::fs::read_dir(d.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(dir.len(), 2, "{dir:?}");
    // An open track is kept when the drive goes away without a close.
    d.write(3056, 16).unwrap();
    d.reopen();
    let t = d.rti(1, 0xFF).unwrap();
    assert_eq!((be32(&t, 8), be32(&t, 12)), (3056, 3072));
}

#[test]
fn disc_spec_writes_marker_blocks_at_track_ends() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608, 5888]));
    assert_eq!(d.read(0, 1).unwrap(), marker_block(1, 0));
    assert_eq!(d.read(607, 1).unwrap(), marker_block(1, 607));
    assert_eq!(d.read(12010, 1).unwrap(), marker_block(2, 12010));
    assert_eq!(d.read(17897, 1).unwrap(), marker_block(2, 17897));
}

#[test]
fn disc_spec_refuses_impossible_discs() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("d");
    let bad = [
        DiscSpec::new(Profile::DvdPlusRw).sessions(&[10]),
        DiscSpec::new(Profile::CdR).pow(true),
        DiscSpec::new(Profile::CdR).sessions(&[400_000]),
        DiscSpec::new(Profile::CdRom),
        DiscSpec::new(Profile::CdR)
            .capacity(100)
            .sessions(&[10, 10]),
    ];
    for spec in bad {
        assert_eq!(
            spec.create(&image).unwrap_err().code(),
            MS_E_INVALIDARG,
            "{spec:?}"
        );
    }
}

/// A minimal ISO 9660 head: a PVD at `start + 16` with `volume` blocks.
fn fake_iso(data: &mut [u8], start: u32, volume: u32) {
    let at = (start as usize + 16) * 2048;
    data[at] = 1;
    data[at + 1..at + 6].copy_from_slice(b"CD001");
    data[at + 80..at + 84].copy_from_slice(&volume.to_le_bytes());
    data[at + 84..at + 88].copy_from_slice(&volume.to_be_bytes());
}

#[test]
fn wrapped_images_get_sessions_from_their_volume_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("ms.iso");
    let mut data = vec![0u8; 20000 * 2048];
    fake_iso(&mut data, 0, 608);
    // mkisofs -C 0,12010 counts the volume from LBA 0.
    fake_iso(&mut data, 12010, 12010 + 5888);
    std::fs::write(&image, &data).unwrap();
    wrap_image(&image, Profile::CdR, &[0, 12010], false, Existing::Refuse).unwrap();
    let mut d = Disc {
        drive: EmulatedDrive::open(&image).unwrap(),
        image: image.clone(),
        dir,
    };
    assert_eq!(d.nwa(0xFF), (24800, 335047));
    assert_eq!(be32(&d.toc(1, false, 0).unwrap(), 8), 12010);
    assert_eq!(d.read(12010 + 16, 1).unwrap()[1..6], *b"CD001");

    let rom = d.dir.path().join("rom.iso");
    let mut data = vec![0u8; 300 * 2048];
    fake_iso(&mut data, 0, 300);
    std::fs::write(&rom, &data).unwrap();
    wrap_image(&rom, Profile::DvdRom, &[0], false, Existing::Refuse).unwrap();
    let mut r = Disc {
        drive: EmulatedDrive::open(&rom).unwrap(),
        image: rom,
        dir: tempfile::tempdir().unwrap(),
    };
    assert_eq!(r.capacity().unwrap(), 299);
    assert_eq!(r.rdi()[2] & 3, 2);

    fails_with(
        wrap_image(&image, Profile::CdR, &[12010, 0], false, Existing::Replace),
        MS_E_INVALIDARG,
    );
    fails_with(
        wrap_image(&image, Profile::CdR, &[0, 30000], false, Existing::Replace),
        MS_E_INVALIDARG,
    );
}

#[test]
fn a_second_writer_is_refused_until_the_first_lets_go() {
    let d = Disc::new(DiscSpec::new(Profile::CdR));
    let first = d.drive.lock_exclusive().unwrap();
    let other = EmulatedDrive::open(&d.image).unwrap();
    fails_with(other.lock_exclusive(), MS_E_IMAPI_RECORDER_LOCKED);
    fails_with(lock_disc(&d.image), MS_E_IMAPI_RECORDER_LOCKED);
    drop(first);
    let again = other.lock_exclusive().unwrap();
    drop(again);
}

/// Image and sidecar bytes, to show a refusal changed nothing.
fn bytes_of(image: &Path) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        std::fs::read(image).ok(),
        std::fs::read(sidecar_path(image)).ok(),
    )
}

#[test]
fn create_blank_refuses_an_existing_disc_image_or_sidecar_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let disc = dir.path().join("recorded.img");
    DiscSpec::new(Profile::CdR)
        .sessions(&[300, 200])
        .create(&disc)
        .unwrap();
    let image_only = dir.path().join("image-only.img");
    std::fs::write(&image_only, b"someone's data").unwrap();
    let sidecar_only = dir.path().join("sidecar-only.img");
    std::fs::write(sidecar_path(&sidecar_only), b"{}").unwrap();
    for path in [&disc, &image_only, &sidecar_only] {
        let before = bytes_of(path);
        fails_naming(
            create_blank(path, Profile::CdR, None, Existing::Refuse),
            MS_E_WIN32_FILE_EXISTS,
            "exists",
        );
        assert_eq!(bytes_of(path), before, "{}", path.display());
    }
    // Asked to, it blanks the disc.
    create_blank(&disc, Profile::CdR, None, Existing::Replace).unwrap();
    assert_eq!(std::fs::metadata(&disc).unwrap().len(), 0);
    assert!(sidecar_json(&disc)["sessions"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn wrap_image_refuses_an_existing_sidecar_unless_asked_to_replace_it() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("one.iso");
    let mut data = vec![0u8; 400 * 2048];
    fake_iso(&mut data, 0, 400);
    std::fs::write(&image, &data).unwrap();
    wrap_image(&image, Profile::CdR, &[0], false, Existing::Refuse).unwrap();
    let before = bytes_of(&image);
    fails_with(
        wrap_image(&image, Profile::CdR, &[0], true, Existing::Refuse),
        MS_E_WIN32_FILE_EXISTS,
    );
    assert_eq!(bytes_of(&image), before);
    wrap_image(&image, Profile::CdR, &[0], true, Existing::Replace).unwrap();
    assert_eq!(
        std::fs::read(&image).unwrap(),
        data,
        "wrapping never writes the image"
    );
    assert_eq!(sidecar_json(&image)["finalized"], true);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever volume sizes and session starts an image claims, wrapping
    /// it is a disc or an error, never a panic or an overflow.
    #[test]
    fn wrap_image_survives_any_volume_size_and_session_start(
        sizes in proptest::collection::vec(proptest::prelude::any::<u32>(), 1..3),
        starts in proptest::collection::vec(0u32..64, 1..3),
        extreme in proptest::sample::select(vec![0u32, 16, 17, 0x7FFF_FFFF, 0xFFFF_FFEF, 0xFFFF_FFF0, u32::MAX]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("hostile.iso");
        let mut data = vec![0u8; 100 * 2048];
        for (i, &size) in sizes.iter().enumerate() {
            fake_iso(&mut data, (i as u32) * 40, if i == 0 { extreme } else { size });
        }
        std::fs::write(&image, &data).unwrap();
        let mut starts = starts;
        starts.sort_unstable();
        starts.dedup();
        for profile in [Profile::CdR, Profile::DvdPlusR, Profile::BdR, Profile::DvdRom] {
            if let Ok(()) = wrap_image(&image, profile, &starts, false, Existing::Replace) {
                EmulatedDrive::open(&image).unwrap();
            }
        }
    }
}
