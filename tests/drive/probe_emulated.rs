//! `mmc::probe` through real CDBs to the emulated drive, per profile and
//! state, against the worked numbers of docs/mmc-notes.md §7; one test per quirk
//! switch; and the table of CDBs probe sends per profile (at most six).

use crate::support::discs::disc_named;
use crate::support::drive::extent;
use crate::support::fails_with;
use multisession::internals::mmc::{self, DiscStatus, FormatState, MediaInfo, SessionExtent};
use multisession::media::{Profile, WriteProtect};
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive, Quirks};

fn probe_spec(spec: &DiscSpec) -> (MediaInfo, u64) {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("disc.img");
    spec.create(&image).unwrap();
    let mut drive = EmulatedDrive::open(&image).unwrap();
    let media = mmc::probe(&mut drive).unwrap();
    (media, drive.commands_executed())
}

/// What probe must report for one profile × state.
#[derive(Debug)]
struct Expect {
    status: DiscStatus,
    sessions: u16,
    previous: Option<(u32, u32)>,
    next: Option<u32>,
    free: u32,
    total: u32,
    last_recorded: Option<u32>,
    format: FormatState,
}

fn blank(capacity: u32) -> Expect {
    Expect {
        status: DiscStatus::Blank,
        sessions: 0,
        previous: None,
        next: Some(0),
        free: capacity,
        total: capacity,
        last_recorded: None,
        format: FormatState::NotApplicable,
    }
}

fn appendable(capacity: u32, sessions: u16, previous: (u32, u32), next: u32) -> Expect {
    Expect {
        status: DiscStatus::Appendable,
        sessions,
        previous: Some(previous),
        next: Some(next),
        free: capacity - next,
        total: capacity,
        last_recorded: Some(previous.1),
        format: FormatState::NotApplicable,
    }
}

fn closed(sessions: u16, previous: (u32, u32)) -> Expect {
    Expect {
        status: DiscStatus::Finalized,
        sessions,
        previous: Some(previous),
        next: None,
        free: 0,
        total: previous.1 + 1,
        last_recorded: Some(previous.1),
        format: FormatState::NotApplicable,
    }
}

fn overwritable(capacity: u32, formatted: bool) -> Expect {
    Expect {
        status: DiscStatus::RandomAccess,
        sessions: 0,
        previous: None,
        next: Some(0),
        free: capacity,
        total: capacity,
        last_recorded: formatted.then(|| capacity - 1),
        format: if formatted {
            FormatState::Formatted
        } else {
            FormatState::Unformatted
        },
    }
}

/// The sequential cases of docs/mmc-notes.md §7.1-§7.5: blank, one session, two
/// sessions, closed (CD N1 = 608, N2 = 5888; DVD/BD N1 = 100000, N2 = 50003).
fn sequential_cases() -> Vec<(String, DiscSpec, Expect)> {
    // (profile, capacity, session-1 end, NWA2, session-2 last written, NWA3)
    let rows: [(Profile, u32, u32, u32, u32, u32); 8] = [
        (Profile::CdR, 359849, 607, 12010, 17897, 24800),
        (Profile::CdRw, 359849, 607, 12010, 17897, 24800),
        (Profile::DvdMinusR, 2297888, 99999, 128688, 178703, 207392),
        (
            Profile::DvdMinusRwSequential,
            2297888,
            99999,
            128688,
            178703,
            207392,
        ),
        (Profile::DvdMinusRDl, 4171712, 99999, 128688, 178703, 207392),
        (Profile::DvdPlusR, 2295104, 99999, 102048, 152063, 154112),
        (Profile::DvdPlusRDl, 4173824, 99999, 102048, 152063, 154112),
        (Profile::BdR, 12219392, 99999, 100000, 150015, 150016),
    ];
    let mut cases = Vec::new();
    for (profile, cap, end1, nwa2, end2, nwa3) in rows {
        let cd = profile == Profile::CdR || profile == Profile::CdRw;
        let (n1, n2) = if cd { (608, 5888) } else { (100000, 50003) };
        // A CD track's 2 run-out blocks must fit before the lead-out.
        let less_runout = |mut e: Expect| {
            if cd {
                e.free -= 2;
                e.total -= 2;
            }
            e
        };
        cases.push((
            format!("{profile} blank"),
            DiscSpec::new(profile),
            less_runout(blank(cap)),
        ));
        cases.push((
            format!("{profile} one session"),
            DiscSpec::new(profile).sessions(&[n1]),
            less_runout(appendable(cap, 1, (0, end1), nwa2)),
        ));
        cases.push((
            format!("{profile} two sessions"),
            DiscSpec::new(profile).sessions(&[n1, n2]),
            less_runout(appendable(cap, 2, (nwa2, end2), nwa3)),
        ));
        cases.push((
            format!("{profile} closed"),
            DiscSpec::new(profile).sessions(&[n1, n2]).finalized(true),
            closed(2, (nwa2, end2)),
        ));
    }
    cases
}

fn overwritable_cases() -> Vec<(String, DiscSpec, Expect)> {
    vec![
        (
            "dvd+rw unformatted".into(),
            DiscSpec::new(Profile::DvdPlusRw),
            overwritable(2295104, false),
        ),
        (
            "dvd+rw formatted".into(),
            DiscSpec::new(Profile::DvdPlusRw).formatted(true),
            overwritable(2295104, true),
        ),
        (
            "dvd+rw-dl formatted".into(),
            DiscSpec::new(Profile::DvdPlusRwDl).formatted(true),
            overwritable(4173824, true),
        ),
        (
            "bd-re formatted".into(),
            DiscSpec::new(Profile::BdRe).formatted(true),
            overwritable(11826176, true),
        ),
        (
            "dvd-rw restricted overwrite".into(),
            DiscSpec::new(Profile::DvdMinusRwRestricted),
            overwritable(2297888, true),
        ),
        (
            "dvd-ram".into(),
            DiscSpec::new(Profile::DvdRam),
            overwritable(2236704, true),
        ),
    ]
}

fn check(name: &str, m: &MediaInfo, e: &Expect) {
    assert_eq!(m.disc_status, e.status, "{name}: disc status");
    assert_eq!(m.sessions, e.sessions, "{name}: sessions");
    assert_eq!(
        m.previous_session,
        e.previous.map(|(start, last_written)| SessionExtent {
            start,
            last_written
        }),
        "{name}: previous session"
    );
    assert_eq!(m.next_writable, e.next, "{name}: next writable");
    assert_eq!(m.free_blocks, e.free, "{name}: free");
    assert_eq!(m.total_sectors, e.total, "{name}: total");
    assert_eq!(m.last_recorded, e.last_recorded, "{name}: last recorded");
    assert_eq!(m.format, e.format, "{name}: format");
    assert_eq!(m.write_unit, m.profile.write_unit(), "{name}: write unit");
    assert_eq!(m.write_protect, WriteProtect::NONE, "{name}: protection");
}

#[test]
fn every_sequential_profile_and_state_gives_the_section_7_numbers() {
    for (name, spec, expect) in sequential_cases() {
        let (m, _) = probe_spec(&spec);
        check(&name, &m, &expect);
    }
}

#[test]
fn overwritable_media_report_format_state_and_capacity() {
    for (name, spec, expect) in overwritable_cases() {
        let (m, _) = probe_spec(&spec);
        check(&name, &m, &expect);
    }
}

#[test]
fn bd_re_unformatted_offers_its_raw_capacity() {
    let (m, _) = probe_spec(&DiscSpec::new(Profile::BdRe));
    assert_eq!(m.format, FormatState::Unformatted);
    assert_eq!(m.last_recorded, None);
    assert!(m.total_sectors >= 11826176, "{}", m.total_sectors);
}

#[test]
fn cd_previous_and_next_addresses_differ_on_appendable_media() {
    // docs/mmc-notes.md §6.23: msc1 once came out equal to the NWA.
    let (m, _) = probe_spec(&DiscSpec::new(Profile::CdR).sessions(&[608, 5888]));
    assert_ne!(Some(m.previous_session.unwrap().start), m.next_writable);
}

#[test]
fn read_only_media_are_finalized_with_their_last_session() {
    for (profile, blocks) in [
        (Profile::CdRom, 608),
        (Profile::DvdRom, 100000),
        (Profile::BdRom, 100000),
    ] {
        let (m, _) = probe_spec(&DiscSpec::new(profile).sessions(&[blocks]));
        assert_eq!(m.disc_status, DiscStatus::Finalized, "{profile}");
        assert_eq!(m.write_protect, WriteProtect::READ_ONLY_MEDIA, "{profile}");
        assert_eq!(m.next_writable, None, "{profile}");
        assert_eq!(m.previous_session.unwrap().start, 0, "{profile}");
        assert!(
            m.previous_session.unwrap().last_written >= blocks - 1,
            "{profile}"
        );
    }
}

#[test]
fn dvd_minus_rw_after_minimal_blank_is_not_incremental() {
    let (m, _) = probe_spec(&DiscSpec::new(Profile::DvdMinusRwSequential).incremental_lost(true));
    assert!(!m.incremental);
    assert!(m.media_state().contains(multisession::MediaState::BLANK));
}

#[test]
fn pow_bd_r_is_pseudo_overwrite() {
    let (m, _) = probe_spec(&DiscSpec::new(Profile::BdR).pow(true));
    assert!(m.pseudo_overwrite);
}

#[test]
fn open_session_reports_incomplete_state_and_its_last_written_block() {
    let (m, _) = probe_spec(
        &DiscSpec::new(Profile::DvdPlusR)
            .sessions(&[100000])
            .open_session(&[4096], false),
    );
    assert_eq!(m.last_session, mmc::SessionState::Incomplete);
    assert_eq!(m.sessions, 1);
    assert_eq!(m.previous_session.unwrap().start, 0);
    assert!(m.last_recorded.unwrap() > 100000);
}

#[test]
fn no_media_is_the_no_media_error() {
    let dir = disc_named(DiscSpec::new(Profile::CdR).no_media(), "empty.img");
    let image = dir.image.clone();
    let mut drive = EmulatedDrive::open(&image).unwrap();
    fails_with(
        mmc::probe(&mut drive),
        multisession::hresult::MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
    );
}

fn quirky(profile: Profile, sessions: &[u32], quirks: Quirks) -> MediaInfo {
    probe_spec(&DiscSpec::new(profile).sessions(sessions).quirks(quirks)).0
}

#[test]
fn quirk_nwa_minus_150_on_blank_cd_still_gives_nwa_0() {
    let m = quirky(
        Profile::CdR,
        &[],
        Quirks {
            nwa_minus_150_on_blank_cd: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.next_writable, Some(0));
    assert_eq!(m.free_blocks, 359847);
}

#[test]
fn quirk_sao_nwa_at_pregap_still_gives_the_track_start() {
    use multisession::internals::mmc::mode::{MultiSession, WriteParameters, WriteType};
    use multisession::scsi::DataDirection;
    let dir = disc_named(
        DiscSpec::new(Profile::CdR).sessions(&[608]).quirks(Quirks {
            sao_nwa_at_pregap: true,
            ..Quirks::default()
        }),
        "sao.img",
    );
    let image = dir.image.clone();
    let mut drive = EmulatedDrive::open(&image).unwrap();
    let sao = WriteParameters {
        write_type: WriteType::SessionAtOnce,
        ..WriteParameters::cd_tao(MultiSession::Allowed)
    };
    let list = sao.select_parameters();
    mmc::Drive::new(&mut drive)
        .run(
            &mmc::mode::mode_select(list.len() as u16),
            DataDirection::ToDevice(&list),
        )
        .unwrap();
    let m = mmc::probe(&mut drive).unwrap();
    assert_eq!(m.next_writable, Some(12010));
    assert_eq!(m.free_blocks, 347837);
}

#[test]
fn quirk_formatted_unwritten_bd_r_is_blank() {
    let m = quirky(
        Profile::BdR,
        &[],
        Quirks {
            formatted_unwritten_bd_r: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.disc_status, DiscStatus::Blank);
    assert_eq!(m.previous_session, None);
    assert_eq!(m.next_writable, Some(0));
}

#[test]
fn quirk_no_get_configuration_guesses_the_cd_profile() {
    let m = quirky(
        Profile::CdRw,
        &[608],
        Quirks {
            no_get_configuration: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.profile, Profile::CdRw);
    assert_eq!(m.next_writable, Some(12010));
    assert_eq!(m.previous_session, extent(0, 607));
}

#[test]
fn quirk_no_read_disc_information_falls_back_to_toc_and_capacity() {
    let m = quirky(
        Profile::CdRom,
        &[608],
        Quirks {
            no_read_disc_information: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.disc_status, DiscStatus::Finalized);
    assert_eq!(m.previous_session.unwrap().start, 0);
}

#[test]
fn quirk_unit_attention_after_load_is_retried() {
    let m = quirky(
        Profile::DvdPlusR,
        &[100000],
        Quirks {
            unit_attention_after_load: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.next_writable, Some(102048));
}

#[test]
fn quirk_becoming_ready_is_waited_out() {
    let m = quirky(
        Profile::DvdMinusR,
        &[100000],
        Quirks {
            becoming_ready_polls: 3,
            ..Quirks::default()
        },
    );
    assert_eq!(m.next_writable, Some(128688));
}

#[test]
fn quirk_track_size_without_runout_keeps_the_last_written_block() {
    let m = quirky(
        Profile::CdR,
        &[608, 5888],
        Quirks {
            track_size_excludes_runout: true,
            ..Quirks::default()
        },
    );
    assert_eq!(m.previous_session, extent(12010, 17897));
    assert_eq!(m.next_writable, Some(24800));
}

#[test]
fn sessions_lists_every_session_of_a_cd() {
    let dir = disc_named(
        DiscSpec::new(Profile::CdR).sessions(&[608, 5888, 300]),
        "three.img",
    );
    let image = dir.image.clone();
    let mut drive = EmulatedDrive::open(&image).unwrap();
    let s = mmc::sessions(&mut drive).unwrap();
    let starts: Vec<u32> = s.iter().map(|s| s.extent.start).collect();
    assert_eq!(starts, vec![0, 12010, 24800]);
    assert_eq!(s[1].extent.last_written, 17897);
}

#[test]
fn probe_sends_at_most_six_cdbs_per_profile() {
    let mut rows = Vec::new();
    let mut cases = sequential_cases();
    cases.extend(overwritable_cases());
    cases.push((
        "bd-r pow".into(),
        DiscSpec::new(Profile::BdR).pow(true),
        blank(0),
    ));
    for (profile, blocks) in [
        (Profile::CdRom, 608),
        (Profile::DvdRom, 100000),
        (Profile::BdRom, 100000),
    ] {
        cases.push((
            format!("{profile} pressed"),
            DiscSpec::new(profile).sessions(&[blocks]),
            blank(0),
        ));
    }
    for profile in [
        Profile::CdR,
        Profile::DvdPlusR,
        Profile::DvdMinusR,
        Profile::BdR,
    ] {
        let n = if profile == Profile::CdR { 608 } else { 100000 };
        cases.push((
            format!("{profile} open session"),
            DiscSpec::new(profile)
                .sessions(&[n, n])
                .open_session(&[n, n], true),
            blank(0),
        ));
        cases.push((
            format!("{profile} open, tracks closed"),
            DiscSpec::new(profile)
                .sessions(&[n])
                .open_session(&[n, n], false),
            blank(0),
        ));
    }
    for (name, spec, _) in cases {
        let (_, count) = probe_spec(&spec);
        rows.push((name, count));
    }
    println!("\n{:<32} {:>5}", "profile / state", "CDBs");
    for (name, count) in &rows {
        println!("{name:<32} {count:>5}");
    }
    for (name, count) in rows {
        assert!(count <= 6, "{name}: probe sent {count} CDBs");
    }
}

#[test]
fn write_protected_discs_probe_as_protected_and_not_writable() {
    for (profile, sessions) in [
        (Profile::CdR, &[608u32][..]),
        (Profile::DvdPlusR, &[100_000][..]),
        (Profile::BdR, &[100_000][..]),
        (Profile::DvdPlusRw, &[][..]),
        (Profile::BdRe, &[][..]),
    ] {
        let spec = DiscSpec::new(profile)
            .sessions(sessions)
            .formatted(true)
            .write_protected(true);
        let (m, _) = probe_spec(&spec);
        assert!(m.write_protect.is_protected(), "{profile}: {m:?}");
        assert!(
            m.media_state()
                .contains(multisession::media::MediaState::WRITE_PROTECTED),
            "{profile}"
        );
        let (unprotected, _) =
            probe_spec(&DiscSpec::new(profile).sessions(sessions).formatted(true));
        assert_eq!(unprotected.write_protect, WriteProtect::NONE, "{profile}");
    }
}
