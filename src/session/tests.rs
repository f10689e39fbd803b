//! The docs/architecture.md decision rows and the put procedure, pinned with hand-made
//! `MediaInfo` values (no drive involved).

use super::placement::{next_session, NextSession};
use super::rules::{allows_multisession, is_supported, offered_kinds};
use super::selection::{select, Candidate, Selection};
use super::values::{PseudoOverwriteValues, RandomWriteValues, SequentialValues};
use super::Kind;
use crate::block::{BlockSource, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::*;
use crate::media::{Profile, WriteModel, WriteProtect};
use crate::mmc::{DiscStatus, FormatState, MediaInfo, SessionExtent, SessionState};
use crate::volume::iso_volume_space_size as parse_volume_space_size;

/// An in-memory medium for random-write placement.
struct Blocks(Vec<u8>);

impl BlockSource for Blocks {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        let start = lba as usize * BLOCK_SIZE;
        let src = self.0.get(start..start + buf.len()).ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("LBA {lba} unreadable"),
            )
        })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

fn no_blocks() -> Blocks {
    Blocks(Vec::new())
}

/// A disc image whose PVD at LBA 16 declares `volume_blocks`.
fn iso_volume(volume_blocks: u32) -> Blocks {
    let mut data = vec![0u8; 17 * BLOCK_SIZE];
    let pvd = &mut data[16 * BLOCK_SIZE..];
    pvd[..7].copy_from_slice(b"\x01CD001\x01");
    pvd[80..84].copy_from_slice(&volume_blocks.to_le_bytes());
    pvd[84..88].copy_from_slice(&volume_blocks.to_be_bytes());
    Blocks(data)
}

const CAPACITY: u32 = 359_847;

fn blank(profile: Profile) -> MediaInfo {
    let random = profile.write_model() == WriteModel::RandomWrite;
    MediaInfo {
        profile,
        disc_status: if random {
            DiscStatus::RandomAccess
        } else {
            DiscStatus::Blank
        },
        last_session: SessionState::Empty,
        erasable: profile.is_erasable(),
        sessions: 0,
        tracks: 0,
        previous_session: None,
        next_writable: Some(0),
        free_blocks: CAPACITY,
        last_recorded: None,
        total_sectors: CAPACITY,
        write_unit: profile.write_unit(),
        write_protect: WriteProtect::NONE,
        format: if random {
            FormatState::Formatted
        } else {
            FormatState::NotApplicable
        },
        pseudo_overwrite: false,
        incremental: true,
    }
}

/// One closed session 0..=11_000, next session at 11_702 (CD-like gap).
fn appendable(profile: Profile) -> MediaInfo {
    let mut m = blank(profile);
    if profile.write_model() == WriteModel::RandomWrite {
        m.last_recorded = Some(11_000);
        return m;
    }
    m.disc_status = DiscStatus::Appendable;
    m.last_session = SessionState::Complete;
    m.sessions = 1;
    m.tracks = 1;
    m.previous_session = Some(SessionExtent {
        start: 0,
        last_written: 11_000,
    });
    let unit = profile.write_unit();
    let nwa = 11_702_u32.div_ceil(unit) * unit;
    m.next_writable = Some(nwa);
    m.free_blocks = CAPACITY - nwa;
    m.last_recorded = Some(11_000);
    m
}

fn closed(profile: Profile) -> MediaInfo {
    let mut m = appendable(profile);
    m.disc_status = DiscStatus::Finalized;
    m.next_writable = None;
    m.free_blocks = 0;
    m
}

fn pow(media: MediaInfo) -> MediaInfo {
    MediaInfo {
        pseudo_overwrite: true,
        ..media
    }
}

fn protected(media: MediaInfo) -> MediaInfo {
    MediaInfo {
        write_protect: WriteProtect::BY_SOFTWARE_WRITE_PROTECT,
        ..media
    }
}

fn free(kind: Kind) -> Candidate {
    Candidate {
        kind,
        in_use: false,
    }
}

fn used(kind: Kind) -> Candidate {
    Candidate { kind, in_use: true }
}

fn code_of<T: std::fmt::Debug>(r: Result<T>) -> HResult {
    r.expect_err("expected a failure").code()
}

const SEQUENTIAL_PROFILES: [Profile; 7] = [
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdMinusR,
    Profile::DvdMinusRwSequential,
    Profile::DvdPlusR,
    Profile::DvdPlusRDl,
    Profile::BdR,
];
const RANDOM_PROFILES: [Profile; 5] = [
    Profile::DvdPlusRw,
    Profile::DvdPlusRwDl,
    Profile::DvdMinusRwRestricted,
    Profile::DvdRam,
    Profile::BdRe,
];
const READ_ONLY_PROFILES: [Profile; 4] = [
    Profile::CdRom,
    Profile::DvdRom,
    Profile::BdRom,
    Profile::BdRRrm,
];

// --- which objects a recorder offers --------------------------------------

#[test]
fn sequential_media_offer_exactly_one_sequential_object() {
    for p in SEQUENTIAL_PROFILES {
        for m in [blank(p), appendable(p), closed(p)] {
            assert_eq!(offered_kinds(&m), vec![Kind::Sequential], "{p}");
        }
    }
}

#[test]
fn dvd_minus_r_dual_layer_is_offered_a_sequential_object_that_is_never_supported() {
    for p in [Profile::DvdMinusRDl, Profile::DvdMinusRDlJump] {
        let m = appendable(p);
        assert_eq!(offered_kinds(&m), vec![Kind::Sequential]);
        assert!(!is_supported(Kind::Sequential, &m), "{p}");
    }
}

#[test]
fn overwritable_media_offer_exactly_one_random_write_object() {
    for p in RANDOM_PROFILES {
        assert_eq!(offered_kinds(&blank(p)), vec![Kind::RandomWrite], "{p}");
        assert_eq!(
            offered_kinds(&appendable(p)),
            vec![Kind::RandomWrite],
            "{p}"
        );
    }
}

#[test]
fn pow_bd_r_offers_sequential_then_pseudo_overwrite() {
    assert_eq!(
        offered_kinds(&pow(appendable(Profile::BdR))),
        vec![Kind::Sequential, Kind::PseudoOverwrite]
    );
    // POW is a BD-R format; the flag on other media is ignored.
    assert_eq!(
        offered_kinds(&pow(appendable(Profile::DvdPlusR))),
        vec![Kind::Sequential]
    );
}

#[test]
fn read_only_media_offer_nothing() {
    for p in READ_ONLY_PROFILES {
        assert!(offered_kinds(&closed(p)).is_empty(), "{p}");
    }
}

#[test]
fn every_profile_has_a_decided_offer() {
    for p in Profile::ALL {
        let listed = SEQUENTIAL_PROFILES.contains(&p)
            || RANDOM_PROFILES.contains(&p)
            || READ_ONLY_PROFILES.contains(&p)
            || matches!(p, Profile::DvdMinusRDl | Profile::DvdMinusRDlJump);
        assert!(listed, "{p} is not covered by these tests");
    }
}

// --- IsSupportedOnCurrentMediaState ----------------------------------------

#[test]
fn sequential_is_supported_on_blank_and_appendable_writable_media() {
    for p in SEQUENTIAL_PROFILES {
        assert!(is_supported(Kind::Sequential, &blank(p)), "blank {p}");
        assert!(
            is_supported(Kind::Sequential, &appendable(p)),
            "appendable {p}"
        );
    }
}

#[test]
fn sequential_is_not_supported_on_closed_media() {
    for p in SEQUENTIAL_PROFILES {
        assert!(!is_supported(Kind::Sequential, &closed(p)), "{p}");
    }
}

#[test]
fn sequential_is_not_supported_on_write_protected_media() {
    for p in SEQUENTIAL_PROFILES {
        assert!(
            !is_supported(Kind::Sequential, &protected(appendable(p))),
            "{p}"
        );
        assert!(!is_supported(Kind::Sequential, &protected(blank(p))), "{p}");
    }
}

#[test]
fn sequential_dvd_rw_needs_the_incremental_feature() {
    let with = appendable(Profile::DvdMinusRwSequential);
    let without = MediaInfo {
        incremental: false,
        ..with.clone()
    };
    assert!(is_supported(Kind::Sequential, &with));
    assert!(!is_supported(Kind::Sequential, &without));
}

#[test]
fn sequential_is_not_supported_once_the_medium_became_overwritable() {
    assert!(!is_supported(
        Kind::Sequential,
        &appendable(Profile::DvdPlusRw)
    ));
    assert!(!is_supported(Kind::Sequential, &closed(Profile::CdRom)));
}

#[test]
fn random_write_is_supported_on_formatted_and_formattable_writable_media() {
    for p in RANDOM_PROFILES {
        for format in [
            FormatState::Formatted,
            FormatState::Unformatted,
            FormatState::InProgress,
        ] {
            let m = MediaInfo { format, ..blank(p) };
            assert!(is_supported(Kind::RandomWrite, &m), "{p} {format:?}");
            assert!(
                !is_supported(Kind::RandomWrite, &protected(m)),
                "{p} {format:?}"
            );
        }
    }
}

#[test]
fn random_write_is_not_supported_on_sequential_or_read_only_media() {
    assert!(!is_supported(
        Kind::RandomWrite,
        &appendable(Profile::DvdPlusR)
    ));
    assert!(!is_supported(Kind::RandomWrite, &closed(Profile::DvdRom)));
}

#[test]
fn pseudo_overwrite_is_supported_on_open_writable_pow_bd_r_only() {
    assert!(is_supported(
        Kind::PseudoOverwrite,
        &pow(appendable(Profile::BdR))
    ));
    assert!(is_supported(
        Kind::PseudoOverwrite,
        &pow(blank(Profile::BdR))
    ));
    assert!(!is_supported(
        Kind::PseudoOverwrite,
        &pow(closed(Profile::BdR))
    ));
    assert!(!is_supported(
        Kind::PseudoOverwrite,
        &protected(pow(appendable(Profile::BdR)))
    ));
    assert!(!is_supported(
        Kind::PseudoOverwrite,
        &appendable(Profile::BdR)
    ));
}

#[test]
fn multisession_is_not_allowed_on_read_only_and_dvd_minus_r_dl_types() {
    for p in Profile::ALL {
        let expected = !READ_ONLY_PROFILES.contains(&p)
            && !matches!(p, Profile::DvdMinusRDl | Profile::DvdMinusRDlJump);
        assert_eq!(allows_multisession(p), expected, "{p}");
    }
}

// --- values -------------------------------------------------------------------

#[test]
fn blank_sequential_values_are_minus_one_minus_one_zero_capacity() {
    for p in SEQUENTIAL_PROFILES {
        let v = SequentialValues::from_media(&blank(p)).unwrap();
        assert_eq!(
            v,
            SequentialValues {
                is_first_data_session: true,
                start_address_of_previous_session: -1,
                last_written_address_of_previous_session: -1,
                next_writable_address: 0,
                free_sectors_on_media: CAPACITY as i32,
                write_unit_size: p.write_unit() as i32,
            },
            "{p}"
        );
    }
}

#[test]
fn blank_sequential_next_writable_is_zero_even_when_the_drive_reports_none() {
    let m = MediaInfo {
        next_writable: None,
        ..blank(Profile::CdR)
    };
    assert_eq!(
        SequentialValues::from_media(&m)
            .unwrap()
            .next_writable_address,
        0
    );
}

#[test]
fn appendable_sequential_values_come_from_the_medium() {
    let v = SequentialValues::from_media(&appendable(Profile::CdR)).unwrap();
    assert!(!v.is_first_data_session);
    assert_eq!(v.start_address_of_previous_session, 0);
    assert_eq!(v.last_written_address_of_previous_session, 11_000);
    assert_eq!(v.next_writable_address, 11_702);
    assert_eq!(v.free_sectors_on_media, (CAPACITY - 11_702) as i32);
    assert_eq!(v.write_unit_size, 1);
    let dvd = SequentialValues::from_media(&appendable(Profile::DvdPlusR)).unwrap();
    assert_eq!(dvd.next_writable_address, 11_712);
    assert_eq!(dvd.write_unit_size, 16);
}

#[test]
fn closed_sequential_values_keep_the_previous_session_and_have_no_room() {
    for p in SEQUENTIAL_PROFILES {
        let v = SequentialValues::from_media(&closed(p)).unwrap();
        assert_eq!(v.start_address_of_previous_session, 0, "{p}");
        assert_eq!(v.last_written_address_of_previous_session, 11_000, "{p}");
        assert_eq!(v.next_writable_address, -1, "{p}");
        assert_eq!(v.free_sectors_on_media, 0, "{p}");
    }
}

#[test]
fn closed_media_report_no_room_even_if_the_drive_still_reports_free_blocks() {
    let m = MediaInfo {
        free_blocks: 1234,
        next_writable: Some(99_999),
        ..closed(Profile::DvdPlusR)
    };
    let v = SequentialValues::from_media(&m).unwrap();
    assert_eq!((v.next_writable_address, v.free_sectors_on_media), (-1, 0));
}

#[test]
fn random_write_values_come_from_the_medium() {
    let v = RandomWriteValues::from_media(&appendable(Profile::BdRe)).unwrap();
    assert_eq!(
        v,
        RandomWriteValues {
            write_unit_size: 32,
            last_written_address: 11_000,
            total_sectors_on_media: CAPACITY as i32,
        }
    );
    let blank_v = RandomWriteValues::from_media(&blank(Profile::DvdPlusRw)).unwrap();
    assert_eq!(blank_v.last_written_address, -1);
    assert_eq!(blank_v.write_unit_size, 16);
}

#[test]
fn pseudo_overwrite_values_come_from_the_medium() {
    let v = PseudoOverwriteValues::from_media(&pow(appendable(Profile::BdR))).unwrap();
    assert_eq!(
        v,
        PseudoOverwriteValues {
            next_writable_address: 11_712,
            last_recorded_address: 11_000,
            total_sectors_on_media: CAPACITY as i32,
            write_unit_size: 32,
        }
    );
    let closed_v = PseudoOverwriteValues::from_media(&pow(closed(Profile::BdR))).unwrap();
    assert_eq!(closed_v.next_writable_address, -1);
}

#[test]
fn values_beyond_a_long_are_a_bad_multisession_parameter() {
    let m = MediaInfo {
        total_sectors: u32::MAX,
        ..appendable(Profile::BdRe)
    };
    assert_eq!(
        code_of(RandomWriteValues::from_media(&m)),
        MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
    );
    let m = MediaInfo {
        next_writable: Some(0x8000_0000),
        ..appendable(Profile::CdR)
    };
    assert_eq!(
        code_of(SequentialValues::from_media(&m)),
        MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
    );
}

// --- the put procedure, step by step ------------------------------------------

#[test]
fn put_with_an_empty_list_is_invalidarg() {
    let err = select(&appendable(Profile::CdR), &[], &no_blocks()).unwrap_err();
    assert_eq!(err.code(), MS_E_INVALIDARG);
    assert!(err.detail().contains("empty"), "{}", err.detail());
}

#[test]
fn put_on_read_only_or_dvd_minus_r_dl_media_is_import_media_not_allowed() {
    for p in READ_ONLY_PROFILES
        .into_iter()
        .chain([Profile::DvdMinusRDl, Profile::DvdMinusRDlJump])
    {
        let err = select(&appendable(p), &[free(Kind::Sequential)], &no_blocks()).unwrap_err();
        assert_eq!(err.code(), MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED, "{p}");
        assert!(err.detail().contains(p.name()), "{}", err.detail());
    }
}

#[test]
fn the_media_type_gate_comes_before_the_in_use_count_and_the_blank_gate() {
    let list = [used(Kind::Sequential), used(Kind::Sequential)];
    assert_eq!(
        code_of(select(&blank(Profile::DvdMinusRDl), &list, &no_blocks())),
        MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED
    );
}

#[test]
fn put_with_more_than_one_in_use_is_invalidarg_naming_the_count() {
    let m = pow(appendable(Profile::BdR));
    let list = [
        used(Kind::Sequential),
        used(Kind::PseudoOverwrite),
        used(Kind::Sequential),
    ];
    let err = select(&m, &list, &no_blocks()).unwrap_err();
    assert_eq!(err.code(), MS_E_INVALIDARG);
    assert!(err.detail().starts_with("3 of the 3"), "{}", err.detail());
}

#[test]
fn the_in_use_count_comes_before_the_blank_gate() {
    let list = [used(Kind::Sequential), used(Kind::Sequential)];
    assert_eq!(
        code_of(select(&blank(Profile::CdR), &list, &no_blocks())),
        MS_E_INVALIDARG
    );
}

#[test]
fn put_on_blank_sequential_media_is_import_seek_failure() {
    for p in SEQUENTIAL_PROFILES {
        for list in [[free(Kind::Sequential)], [used(Kind::Sequential)]] {
            let err = select(&blank(p), &list, &no_blocks()).unwrap_err();
            assert_eq!(err.code(), MS_IMAPI_E_IMPORT_SEEK_FAILURE, "{p}");
            assert!(err.detail().contains("blank"), "{}", err.detail());
        }
    }
}

#[test]
fn the_blank_gate_comes_before_selection() {
    // Write-protected and blank: the object is unusable, yet the blank gate answers.
    let m = protected(blank(Profile::DvdPlusR));
    assert_eq!(
        code_of(select(&m, &[used(Kind::Sequential)], &no_blocks())),
        MS_IMAPI_E_IMPORT_SEEK_FAILURE
    );
}

#[test]
fn blank_overwritable_media_pass_the_blank_gate() {
    for p in RANDOM_PROFILES {
        let s = select(&blank(p), &[free(Kind::RandomWrite)], &no_blocks()).unwrap();
        assert_eq!(
            s,
            Selection {
                index: 0,
                next: NextSession {
                    start_block: 0,
                    free_blocks: CAPACITY
                }
            },
            "{p}"
        );
    }
}

#[test]
fn put_with_one_in_use_that_cannot_be_used_is_incompatible_multisession_type() {
    let cases = [
        (closed(Profile::CdR), Kind::Sequential),
        (protected(appendable(Profile::DvdPlusR)), Kind::Sequential),
        (appendable(Profile::DvdPlusRw), Kind::Sequential),
        (appendable(Profile::CdR), Kind::RandomWrite),
        (pow(closed(Profile::BdR)), Kind::PseudoOverwrite),
    ];
    for (m, kind) in cases {
        let err = select(&m, &[used(kind)], &no_blocks()).unwrap_err();
        assert_eq!(
            err.code(),
            MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE,
            "{kind} on {}",
            m.profile
        );
    }
}

#[test]
fn put_with_one_in_use_chooses_it_even_when_another_would_do() {
    let m = pow(appendable(Profile::BdR));
    let list = [free(Kind::Sequential), used(Kind::PseudoOverwrite)];
    assert_eq!(select(&m, &list, &no_blocks()).unwrap().index, 1);
}

#[test]
fn put_with_none_in_use_chooses_the_first_usable_one() {
    let m = pow(appendable(Profile::BdR));
    let list = [free(Kind::PseudoOverwrite), free(Kind::Sequential)];
    assert_eq!(select(&m, &list, &no_blocks()).unwrap().index, 0);
    let list = [free(Kind::RandomWrite), free(Kind::PseudoOverwrite)];
    assert_eq!(select(&m, &list, &no_blocks()).unwrap().index, 1);
    // The recorder's own order on a written POW BD-R: Sequential no longer
    // applies there.
    let list = [free(Kind::Sequential), free(Kind::PseudoOverwrite)];
    assert_eq!(select(&m, &list, &no_blocks()).unwrap().index, 1);
}

#[test]
fn sequential_applies_to_a_pow_bd_r_only_while_it_is_blank() {
    assert!(is_supported(Kind::Sequential, &pow(blank(Profile::BdR))));
    assert!(!is_supported(
        Kind::Sequential,
        &pow(appendable(Profile::BdR))
    ));
    assert!(is_supported(Kind::Sequential, &appendable(Profile::BdR)));
}

#[test]
fn put_with_none_in_use_and_none_usable_is_no_compatible_multisession_type() {
    for p in SEQUENTIAL_PROFILES {
        let err = select(&closed(p), &[free(Kind::Sequential)], &no_blocks()).unwrap_err();
        assert_eq!(
            err.code(),
            MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
            "{p}"
        );
    }
    let err = select(
        &protected(appendable(Profile::BdRe)),
        &[free(Kind::RandomWrite)],
        &no_blocks(),
    )
    .unwrap_err();
    assert_eq!(err.code(), MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE);
}

#[test]
fn inconsistent_sequential_values_are_a_bad_multisession_parameter() {
    let base = appendable(Profile::CdR);
    let nwa_below_previous = MediaInfo {
        next_writable: Some(5_000),
        ..base.clone()
    };
    let inverted_previous = MediaInfo {
        previous_session: Some(SessionExtent {
            start: 9_000,
            last_written: 8_000,
        }),
        ..base.clone()
    };
    let no_nwa = MediaInfo {
        next_writable: None,
        ..base.clone()
    };
    let zero_unit = MediaInfo {
        write_unit: 0,
        ..base.clone()
    };
    for m in [nwa_below_previous, inverted_previous, no_nwa, zero_unit] {
        let err = select(&m, &[free(Kind::Sequential)], &no_blocks()).unwrap_err();
        assert_eq!(err.code(), MS_IMAPI_E_BAD_MULTISESSION_PARAMETER, "{m:?}");
        assert!(
            err.detail().starts_with("element 0 (Sequential)"),
            "{}",
            err.detail()
        );
    }
}

#[test]
fn inconsistent_random_write_values_are_a_bad_multisession_parameter() {
    let base = appendable(Profile::DvdPlusRw);
    let beyond_end = MediaInfo {
        last_recorded: Some(CAPACITY),
        ..base.clone()
    };
    let no_capacity = MediaInfo {
        total_sectors: 0,
        last_recorded: None,
        ..base.clone()
    };
    for m in [beyond_end, no_capacity] {
        assert_eq!(
            code_of(select(&m, &[free(Kind::RandomWrite)], &iso_volume(200))),
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            "{m:?}"
        );
    }
}

#[test]
fn inconsistent_pseudo_overwrite_values_are_a_bad_multisession_parameter() {
    let m = MediaInfo {
        next_writable: Some(CAPACITY + 1),
        ..pow(appendable(Profile::BdR))
    };
    assert_eq!(
        code_of(select(&m, &[used(Kind::PseudoOverwrite)], &no_blocks())),
        MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
    );
}

#[test]
fn selection_comes_before_parameter_sanity() {
    // Closed with an inverted previous session: the closed state decides.
    let m = MediaInfo {
        previous_session: Some(SessionExtent {
            start: 9_000,
            last_written: 8_000,
        }),
        ..closed(Profile::CdR)
    };
    assert_eq!(
        code_of(select(&m, &[free(Kind::Sequential)], &no_blocks())),
        MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE
    );
}

#[test]
fn a_successful_sequential_put_places_the_session_at_the_next_writable_address() {
    for p in SEQUENTIAL_PROFILES {
        let m = appendable(p);
        let s = select(&m, &[free(Kind::Sequential)], &no_blocks()).unwrap();
        assert_eq!(s.next.start_block, m.next_writable.unwrap(), "{p}");
        assert_eq!(s.next.free_blocks, m.free_blocks, "{p}");
    }
}

// --- placement (SessionStartBlock / FreeMediaBlocks) ---------------------------

#[test]
fn random_write_sessions_start_at_the_next_write_unit_after_the_iso_volume() {
    let dvd = appendable(Profile::DvdPlusRw);
    let next = next_session(Kind::RandomWrite, &dvd, &iso_volume(11_001)).unwrap();
    assert_eq!(
        next,
        NextSession {
            start_block: 11_008,
            free_blocks: CAPACITY - 11_008
        }
    );
    let bd = appendable(Profile::BdRe);
    let next = next_session(Kind::RandomWrite, &bd, &iso_volume(11_001)).unwrap();
    assert_eq!(next.start_block, 11_008_u32.div_ceil(32) * 32);
    let aligned = next_session(Kind::RandomWrite, &bd, &iso_volume(11_008)).unwrap();
    assert_eq!(aligned.start_block, 11_008);
}

#[test]
fn an_iso_volume_reaching_the_last_32_bit_lba_is_a_bad_multisession_parameter() {
    let bd = MediaInfo {
        total_sectors: u32::MAX,
        ..appendable(Profile::BdRe)
    };
    for volume in [0xFFFF_FFF0, u32::MAX] {
        let err = next_session(Kind::RandomWrite, &bd, &iso_volume(volume)).unwrap_err();
        assert_eq!(
            err.code(),
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            "{}",
            err.detail()
        );
    }
}

#[test]
fn random_write_without_an_iso_volume_starts_at_zero() {
    let m = appendable(Profile::BdRe);
    let foreign = Blocks(vec![0xAB; 17 * BLOCK_SIZE]);
    assert_eq!(
        next_session(Kind::RandomWrite, &m, &foreign)
            .unwrap()
            .start_block,
        0
    );
    // Nothing recorded or unformatted: the medium is not even read.
    let unformatted = MediaInfo {
        format: FormatState::Unformatted,
        ..m.clone()
    };
    for m in [blank(Profile::BdRe), unformatted] {
        assert_eq!(
            next_session(Kind::RandomWrite, &m, &no_blocks()).unwrap(),
            NextSession {
                start_block: 0,
                free_blocks: CAPACITY
            }
        );
    }
}

#[test]
fn a_read_error_at_lba_16_is_reported_with_context() {
    let err =
        next_session(Kind::RandomWrite, &appendable(Profile::BdRe), &no_blocks()).unwrap_err();
    assert_eq!(err.code(), MS_IMAPI_E_IMPORT_READ_FAILURE);
    assert!(err.detail().contains("LBA 16"), "{}", err.detail());
}

#[test]
fn a_hostile_volume_descriptor_is_a_bad_multisession_parameter() {
    let m = appendable(Profile::DvdPlusRw);
    let mut mismatched = iso_volume(500);
    mismatched.0[16 * BLOCK_SIZE + 84..16 * BLOCK_SIZE + 88].copy_from_slice(&7u32.to_be_bytes());
    for source in [mismatched, iso_volume(3), iso_volume(CAPACITY + 100)] {
        let err = select(&m, &[free(Kind::RandomWrite)], &source).unwrap_err();
        assert_eq!(
            err.code(),
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            "{}",
            err.detail()
        );
    }
}

#[test]
fn parse_volume_space_size_reads_both_byte_orders() {
    let disc = iso_volume(12_345);
    assert_eq!(
        parse_volume_space_size(&disc.0[16 * BLOCK_SIZE..]).unwrap(),
        Some(12_345)
    );
    assert_eq!(parse_volume_space_size(&[0u8; 40]).unwrap(), None);
}

#[test]
fn pseudo_overwrite_sessions_start_at_the_aligned_next_writable_address() {
    let m = MediaInfo {
        next_writable: Some(11_703),
        ..pow(appendable(Profile::BdR))
    };
    let next = next_session(Kind::PseudoOverwrite, &m, &no_blocks()).unwrap();
    assert_eq!(next.start_block, 11_712);
    assert_eq!(next.free_blocks, CAPACITY - 11_712);
}

#[test]
fn placement_fails_once_the_chosen_object_no_longer_applies() {
    let err = next_session(Kind::Sequential, &closed(Profile::CdR), &no_blocks()).unwrap_err();
    assert_eq!(err.code(), MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
}
