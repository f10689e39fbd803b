//! The lying-drive campaign: random combinations of the emulator's quirk
//! switches, and replies corrupted on the way back from the drive. What
//! `probe()` returns must then be either a clear error or numbers that
//! obey the invariants below — a drive that lies must never make the
//! library hand out a next writable address that would write over a
//! recorded session.
//!
//! Invariants checked on every `Ok(MediaInfo)`:
//! 1. the next writable address is after the last block of the last
//!    complete session;
//! 2. the start of the last complete session lies inside the recorded
//!    area (start ≤ last written < total sectors);
//! 3. the next writable address plus the free blocks fits in the medium
//!    (never more free blocks than the medium has after it);
//! 4. on sequential media the next writable address is at or after where
//!    the honest drive says it is (a lie may only waste space, not
//!    overwrite data), and aligned to the write unit where the honest
//!    one is.
//!
//! `MULTISESSION_LONG=1` runs 20 times the cases.

use crate::support::fails_with;

use multisession::internals::mmc::{self, MediaInfo};
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive, Quirks};
use multisession::scsi::{DataDirection, Transport};
use multisession::testing::Hooked;
use multisession::Result;
use proptest::prelude::*;

/// Discs with something to lose: recorded sessions on every profile
/// family, plus the blank ones whose numbers are easiest to get wrong.
fn disc(index: usize, quirks: Quirks) -> DiscSpec {
    let spec = match index % 10 {
        0 => DiscSpec::new(Profile::CdR).sessions(&[1200, 600]),
        1 => DiscSpec::new(Profile::CdR),
        2 => DiscSpec::new(Profile::CdRw).sessions(&[900]),
        3 => DiscSpec::new(Profile::DvdPlusR).sessions(&[4000, 2000]),
        4 => DiscSpec::new(Profile::DvdMinusR).sessions(&[4000]),
        5 => DiscSpec::new(Profile::BdR).sessions(&[6400]),
        6 => DiscSpec::new(Profile::BdR).pow(true).sessions(&[640]),
        7 => DiscSpec::new(Profile::DvdPlusRw),
        8 => DiscSpec::new(Profile::BdRe).formatted(true),
        _ => DiscSpec::new(Profile::DvdPlusR),
    };
    spec.quirks(quirks)
}

fn quirks() -> impl Strategy<Value = Quirks> {
    (prop::collection::vec(any::<bool>(), 11), 0u32..3, 0u32..3).prop_map(|(b, polls, busy)| {
        Quirks {
            nwa_minus_150_on_blank_cd: b[0],
            sao_nwa_at_pregap: b[1],
            formatted_unwritten_bd_r: b[2],
            no_get_configuration: b[3],
            no_get_event_status: b[4],
            no_read_disc_information: b[5],
            unit_attention_after_load: b[6],
            becoming_ready_polls: polls,
            immed_busy_polls: busy,
            track_size_excludes_runout: b[7],
            read_capacity_zero_on_blank: b[8],
            read_capacity_legacy_lead_out_when_finalized: b[9],
            cd_free_three_below_lead_out: b[10],
        }
    })
}

/// One lie: every reply to `opcode` comes back with byte `at` XORed
/// with `mask` (a drive firmware bug is consistent, not random).
#[derive(Debug, Clone, Copy)]
struct Lie {
    opcode: u8,
    at: usize,
    mask: u8,
}

/// The commands probe() reads the medium's numbers from.
const LIED_ABOUT: &[u8] = &[0x51, 0x52, 0x43, 0x25, 0x46, 0x23, 0x4A, 0x5A, 0x12];

fn lie() -> impl Strategy<Value = Option<Lie>> {
    prop::option::weighted(
        0.9,
        (prop::sample::select(LIED_ABOUT), 0usize..40, 1u8..=255)
            .prop_map(|(opcode, at, mask)| Lie { opcode, at, mask }),
    )
}

/// `drive` telling `lie`: the byte at `lie.at` of its reply to
/// `lie.opcode` flipped by `lie.mask`.
fn liar(drive: EmulatedDrive, lie: Option<Lie>) -> impl Transport {
    Hooked::new(drive, move |drive, cdb, data, timeout| {
        let lie = lie.filter(|l| cdb.first() == Some(&l.opcode));
        match (data, lie) {
            (DataDirection::FromDevice(buf), Some(lie)) => {
                let done = drive.execute(cdb, DataDirection::FromDevice(buf), timeout)?;
                let moved = buf.len() - done.residual;
                if lie.at < moved {
                    buf[lie.at] ^= lie.mask;
                }
                Ok(done)
            }
            (data, _) => drive.execute(cdb, data, timeout),
        }
    })
    .described_as("a lying emulated drive")
}

fn honest(spec: &DiscSpec) -> MediaInfo {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("honest.img");
    spec.clone()
        .quirks(Quirks::default())
        .create(&image)
        .unwrap();
    let mut drive = EmulatedDrive::open(&image).unwrap();
    mmc::probe(&mut drive).unwrap()
}

fn check(info: &MediaInfo, truth: &MediaInfo) -> std::result::Result<(), String> {
    if let (Some(nwa), Some(prev)) = (info.next_writable, info.previous_session) {
        if nwa <= prev.last_written {
            return Err(format!(
                "next writable {nwa} inside the last session (ends at {})",
                prev.last_written
            ));
        }
    }
    if let Some(prev) = info.previous_session {
        if prev.start > prev.last_written || prev.last_written >= info.total_sectors.max(1) {
            return Err(format!(
                "last session {}..={} outside the medium of {} sectors",
                prev.start, prev.last_written, info.total_sectors
            ));
        }
    }
    if let Some(nwa) = info.next_writable {
        if u64::from(nwa) + u64::from(info.free_blocks) > u64::from(info.total_sectors.max(nwa)) {
            return Err(format!(
                "{} free blocks after {nwa} on a medium of {} sectors",
                info.free_blocks, info.total_sectors
            ));
        }
    }
    let sequential = !matches!(
        info.profile,
        Profile::DvdPlusRw | Profile::BdRe | Profile::DvdMinusRwRestricted
    ) && !info.pseudo_overwrite;
    if let (true, Some(nwa), Some(honest_nwa)) =
        (sequential, info.next_writable, truth.next_writable)
    {
        // A drive without GET CONFIGURATION (MMC-1) leaves the host to
        // guess the medium; the medium's own grid is then unknowable to
        // it, and invariants 1–3 are what still holds.
        if info.profile == truth.profile && nwa < honest_nwa {
            return Err(format!(
                "next writable {nwa} before the honest {honest_nwa}"
            ));
        }
        let unit = truth.write_unit.max(1);
        if info.profile == truth.profile && honest_nwa % unit == 0 && nwa % unit != 0 {
            return Err(format!("next writable {nwa} not aligned to {unit}"));
        }
    }
    Ok(())
}

fn cases() -> u32 {
    if std::env::var_os("MULTISESSION_LONG").is_some() {
        2000
    } else {
        100
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn a_lying_drive_never_yields_an_address_inside_recorded_data(
        index in 0usize..10,
        quirks in quirks(),
        lie in lie(),
    ) {
        let spec = disc(index, quirks);
        let truth = honest(&spec);
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("lying.img");
        spec.create(&image).unwrap();
        let mut liar = liar(EmulatedDrive::open(&image).unwrap(), lie);
        match mmc::probe(&mut liar) {
            Ok(info) => {
                if let Err(broken) = check(&info, &truth) {
                    prop_assert!(false, "{broken}\nlie {lie:?}\nprobe {info:#?}\ntruth {truth:#?}");
                }
            }
            // A clear error: a failure code and a message naming the cause.
            Err(e) => {
                prop_assert!(e.code() < 0);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}

/// Without any lie the invariants hold for the honest numbers themselves:
/// otherwise the campaign above would test nothing.
#[test]
fn the_honest_drive_satisfies_the_invariants() {
    for index in 0..10 {
        let spec = disc(index, Quirks::default());
        let truth = honest(&spec);
        check(&truth, &truth).unwrap_or_else(|e| panic!("disc {index}: {e}\n{truth:#?}"));
    }
}

fn probe_with(spec: DiscSpec, lie: Lie) -> Result<MediaInfo> {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("lying.img");
    spec.create(&image).unwrap();
    let mut liar = liar(EmulatedDrive::open(&image).unwrap(), Some(lie));
    mmc::probe(&mut liar)
}

/// Found by the campaign: without READ DISC INFORMATION the last session
/// comes from READ TOC alone, and a TOC that starts it beyond READ
/// CAPACITY's end of the medium was believed.
#[test]
fn a_toc_that_starts_the_last_session_beyond_the_medium_is_refused() {
    let spec = disc(
        2,
        Quirks {
            no_read_disc_information: true,
            ..Quirks::default()
        },
    );
    // Byte 9 of READ TOC format 1: bit 16 of the last session's start.
    let lie = Lie {
        opcode: 0x43,
        at: 9,
        mask: 1,
    };
    let err = fails_with(
        probe_with(spec, lie),
        multisession::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
    );
    assert!(err.to_string().contains("READ TOC"), "{err}");
}

/// Found by the campaign: a track whose last recorded address (READ
/// TRACK INFORMATION bytes 28–31) lies past the next writable address
/// made the last session overlap the next one.
#[test]
fn a_last_session_that_ends_after_the_next_writable_address_is_refused() {
    let lie = Lie {
        opcode: 0x52,
        at: 28,
        mask: 1,
    };
    let err = fails_with(
        probe_with(disc(0, Quirks::default()), lie),
        multisession::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
    );
    assert!(err.to_string().contains("inside the last session"), "{err}");
}
