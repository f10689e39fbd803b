//! Profile × state tables: the replies of READ DISC INFORMATION, READ
//! TRACK INFORMATION, READ CAPACITY, READ TOC, GET CONFIGURATION and READ
//! FORMAT CAPACITIES against docs/mmc-notes.md §7.2–§7.6.

use crate::support::drive::{be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::{default_capacity, DiscSpec};
use multisession::scsi::Sense;

#[derive(Debug, Clone, Copy)]
enum State {
    Blank,
    OneSession,
    TwoSessions,
    Closed,
}

fn spec(profile: Profile, state: State, n1: u32, n2: u32) -> DiscSpec {
    let s = DiscSpec::new(profile);
    match state {
        State::Blank => s,
        State::OneSession => s.sessions(&[n1]),
        State::TwoSessions => s.sessions(&[n1, n2]),
        State::Closed => s.sessions(&[n1, n2]).finalized(true),
    }
}

/// Expected values per profile for N1/N2 blocks.
struct Expect {
    profile: Profile,
    n1: u32,
    n2: u32,
    nwa2: u32,
    nwa3: u32,
    e2: u32,
    /// READ TRACK INFORMATION 0xFF names the next track.
    ff_alias: bool,
    /// Write features current while appendable.
    write_features: &'static [u16],
}

/// CD-R and CD-RW answer alike.
const CD: Expect = Expect {
    profile: Profile::CdR,
    n1: 608,
    n2: 5888,
    nwa2: 12010,
    nwa3: 24800,
    e2: 17900,
    ff_alias: true,
    write_features: &[0x21, 0x2D],
};

/// DVD-R and DVD-RW in sequential recording answer alike.
const DVD_MINUS: Expect = Expect {
    profile: Profile::DvdMinusR,
    n1: 100000,
    n2: 50003,
    nwa2: 128688,
    nwa3: 207392,
    e2: 178704,
    ff_alias: false,
    write_features: &[0x21, 0x2F],
};

const TABLE: &[Expect] = &[
    CD,
    Expect {
        profile: Profile::CdRw,
        ..CD
    },
    DVD_MINUS,
    Expect {
        profile: Profile::DvdMinusRwSequential,
        ..DVD_MINUS
    },
    Expect {
        profile: Profile::DvdPlusR,
        n1: 100000,
        n2: 50003,
        nwa2: 102048,
        nwa3: 154112,
        e2: 152064,
        ff_alias: true,
        write_features: &[0x2B],
    },
    Expect {
        profile: Profile::DvdPlusRDl,
        n1: 100000,
        n2: 50003,
        nwa2: 102048,
        nwa3: 154112,
        e2: 152064,
        ff_alias: true,
        write_features: &[0x3B],
    },
    Expect {
        profile: Profile::BdR,
        n1: 100000,
        n2: 50003,
        nwa2: 100000,
        nwa3: 150016,
        e2: 150016,
        ff_alias: true,
        write_features: &[0x41],
    },
];

#[test]
fn sequential_profiles_in_every_state_answer_per_the_reference_tables() {
    for e in TABLE {
        let cap = default_capacity(e.profile).unwrap();
        let cd = e.profile == Profile::CdR || e.profile == Profile::CdRw;
        let erasable = if e.profile.is_erasable() { 0x10 } else { 0 };
        for state in [
            State::Blank,
            State::OneSession,
            State::TwoSessions,
            State::Closed,
        ] {
            let what = format!("{} {state:?}", e.profile);
            let mut d = Disc::new(spec(e.profile, state, e.n1, e.n2));
            let r = d.rdi();
            let (byte2, sessions, track) = match state {
                State::Blank => (0x00, 1, 1),
                State::OneSession => (0x01, 2, 2),
                State::TwoSessions => (0x01, 3, 3),
                State::Closed => (0x0E, 2, 2),
            };
            assert_eq!(r[2], erasable | byte2, "{what}: RDI byte 2");
            assert_eq!((r[4], r[5], r[6]), (sessions, track, track), "{what}");
            if let State::Closed = state {
                assert_eq!(&r[16..24], &[0xFF; 8], "{what}");
            } else if !cd {
                assert_eq!((be32(&r, 16), be32(&r, 20)), (0, cap), "{what}");
            }

            let (current, features) = d.current_features();
            assert_eq!(current, e.profile.code(), "{what}");
            for f in e.write_features {
                assert_eq!(
                    features.contains(f),
                    !matches!(state, State::Closed),
                    "{what}: feature {f:#06x}"
                );
            }

            let next = match state {
                State::Blank => Some((1, 0)),
                State::OneSession => Some((2, e.nwa2)),
                State::TwoSessions => Some((3, e.nwa3)),
                State::Closed => None,
            };
            match next {
                Some((number, nwa)) => {
                    let t = d.rti(1, number).unwrap();
                    assert_eq!(t[2] as u32, number, "{what}");
                    assert_eq!(t[6] & 0x40, 0x40, "{what}: blank");
                    assert_eq!(t[7] & 1, 1, "{what}: NWA_V");
                    assert_eq!(be32(&t, 8), nwa, "{what}: start");
                    assert_eq!(be32(&t, 12), nwa, "{what}: NWA");
                    // A CD track's run-out must fit before the lead-out.
                    let free = cap - nwa - if cd { 2 } else { 0 };
                    assert_eq!(be32(&t, 16), free, "{what}: free");
                    assert_eq!(be32(&t, 24), cap - nwa, "{what}: size");
                    assert_eq!(d.rti(1, 0xFF).is_ok(), e.ff_alias, "{what}: 0xFF");
                    assert_eq!(d.rti(1, number + 1), Err(Sense::INVALID_FIELD_IN_CDB));
                }
                None => {
                    assert_eq!(d.rti(1, 3), Err(Sense::INVALID_FIELD_IN_CDB), "{what}");
                    assert_eq!(d.rti(1, 0xFF), Err(Sense::INVALID_FIELD_IN_CDB), "{what}");
                }
            }

            let capacity = d.capacity().unwrap();
            let toc1 = d.toc(1, false, 0);
            match state {
                State::Blank => {
                    // Most drives answer 0xFFFFFFFF (dumps print 0 blocks).
                    assert_eq!(capacity, u32::MAX, "{what}");
                    assert_eq!(toc1, Err(Sense::INVALID_FIELD_IN_CDB), "{what}");
                }
                State::OneSession => {
                    let e1 = if cd { e.n1 + 2 } else { e.n1 };
                    assert_eq!(capacity, e1 - 1, "{what}");
                    assert_eq!(be32(&toc1.unwrap(), 8), 0, "{what}: msc1");
                }
                State::TwoSessions | State::Closed => {
                    assert_eq!(capacity, e.e2 - 1, "{what}");
                    let toc1 = toc1.unwrap();
                    assert_eq!((toc1[3], toc1[6]), (2, 2), "{what}");
                    assert_eq!(be32(&toc1, 8), e.nwa2, "{what}: msc1");
                    let t2 = d.rti(1, 2).unwrap();
                    assert_eq!(be32(&t2, 8), e.nwa2, "{what}");
                    assert_eq!(
                        be32(&t2, 28),
                        e.e2 - 1 - if cd { 2 } else { 0 },
                        "{what}: LRA"
                    );
                    assert_eq!(t2[3], 2, "{what}: session");
                }
            }
        }
    }
}

#[test]
fn open_sessions_report_an_incomplete_last_session() {
    // Track written but not closed: k / k.
    let mut d = Disc::new(
        DiscSpec::new(Profile::DvdPlusR)
            .sessions(&[100000])
            .open_session(&[4000], true),
    );
    let r = d.rdi();
    assert_eq!(r[2], 0x05, "state 01, status 01");
    assert_eq!((r[4], r[5], r[6]), (2, 2, 2));
    let t = d.rti(1, 2).unwrap();
    assert_eq!(t[6] & 0x40, 0, "not blank");
    assert_eq!(t[7], 0x03, "NWA_V and LRA_V");
    assert_eq!(be32(&t, 12), 102048 + 4000);
    assert_eq!(be32(&t, 28), 102048 + 3999);
    assert_eq!(
        d.toc(1, false, 0).unwrap()[3],
        1,
        "TOC shows closed sessions only"
    );

    // Track closed, session not: k / k+1.
    let mut d = Disc::new(
        DiscSpec::new(Profile::DvdMinusR)
            .sessions(&[100000])
            .open_session(&[4000], false),
    );
    let r = d.rdi();
    assert_eq!(r[2], 0x05);
    assert_eq!((r[4], r[5], r[6]), (2, 2, 3));
    // Tracks of one open session are 16 blocks apart on DVD-R.
    assert_eq!(d.nwa(3), (128688 + 4000 + 16, 2297888 - 132704));
}

#[test]
fn bd_r_formatted_unwritten_and_pow_states() {
    for spec in [
        DiscSpec::new(Profile::BdR).formatted(true),
        DiscSpec::new(Profile::BdR).pow(true),
    ] {
        let mut d = Disc::new(spec);
        let r = d.rdi();
        assert_eq!(r[2], 0x01, "appendable with an empty session");
        assert_eq!((r[4], r[5], r[6]), (1, 1, 1));
        assert_eq!(d.capacity().unwrap(), 0);
    }
    let mut d = Disc::new(DiscSpec::new(Profile::BdR).pow(true).sessions(&[1000]));
    let (_, features) = d.current_features();
    assert!(features.contains(&0x38));
    let pow = d.config(2, 0x38).unwrap();
    assert!(
        be32(&pow, 0) >= 12 && pow[10] & 1 == 1,
        "growisofs' POW test"
    );
    let mut d = Disc::new(DiscSpec::new(Profile::BdR).sessions(&[1000]));
    let srm = d.config(2, 0x38).unwrap();
    assert_eq!(srm[10] & 1, 0);
}

#[test]
fn overwritable_media_unformatted_and_formatted() {
    // (profile, formatted?, RDI byte 2, byte 7, RFC type, READ CAPACITY)
    let table = [
        (Profile::DvdPlusRw, false, 0x10, 0, 1, 0),
        (Profile::DvdPlusRw, true, 0x1E, 1, 2, 2295103),
        (Profile::BdRe, false, 0x10, 0, 1, 0),
        (Profile::BdRe, true, 0x1E, 0, 2, 11826175),
        (Profile::DvdMinusRwRestricted, true, 0x1E, 0, 2, 2297887),
        (Profile::DvdRam, true, 0x1F, 0, 2, 2236703),
    ];
    for (profile, formatted, byte2, byte7, rfc_type, last) in table {
        let what = format!("{profile} formatted={formatted}");
        let cap = default_capacity(profile).unwrap();
        let mut d = Disc::new(DiscSpec::new(profile).formatted(formatted));
        let r = d.rdi();
        assert_eq!((r[2], r[7]), (byte2, byte7), "{what}");
        assert_eq!((r[4], r[5], r[6]), (1, 1, 1), "{what}");
        assert_eq!(d.capacity().unwrap(), last, "{what}");
        let rfc = d
            .data_in(&[0x23, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0], 0x100)
            .unwrap();
        assert_eq!(rfc[3] as usize, rfc.len() - 4, "{what}");
        assert_eq!(rfc[8] & 3, rfc_type, "{what}");
        if profile == Profile::DvdPlusRw {
            assert_eq!(be32(&rfc, 4), cap);
            assert_eq!((be32(&rfc, 12), rfc[16] >> 2), (cap, 0x26), "{what}");
        }
        if profile == Profile::BdRe && !formatted {
            assert_eq!(be32(&rfc, 4), 12219392);
        }
        let t = d.rti(1, 1).unwrap();
        assert_eq!(be32(&t, 24), cap, "{what}: size");
        if formatted {
            assert_eq!((t[6] & 0x40, t[7] & 1, be32(&t, 16)), (0, 0, 0), "{what}");
        } else {
            assert_eq!(
                (t[6] & 0x40, t[7] & 1, be32(&t, 16)),
                (0x40, 1, cap),
                "{what}"
            );
        }
        let (_, features) = d.current_features();
        assert_eq!(
            features.contains(&0x20),
            formatted,
            "{what}: Random Writable"
        );
        if profile == Profile::DvdMinusRwRestricted {
            assert!(features.contains(&0x26) && features.contains(&0x2C));
            assert_eq!(
                (t[6] & 0x10, be32(&t, 20)),
                (0x10, 16),
                "fixed packets of 16"
            );
        }
    }
}

#[test]
fn read_only_profiles_are_finalized_single_sessions() {
    for profile in [Profile::CdRom, Profile::DvdRom, Profile::BdRom] {
        let mut d = Disc::new(DiscSpec::new(profile).sessions(&[3000]));
        let r = d.rdi();
        assert_eq!(r[2] & 0x03, 2, "{profile}: complete");
        assert_eq!(d.rti(1, 0xFF), Err(Sense::INVALID_FIELD_IN_CDB));
        let (current, features) = d.current_features();
        assert_eq!(current, profile.code());
        assert!(features
            .iter()
            .all(|f| ![0x21, 0x2B, 0x2D, 0x41].contains(f)));
        assert_eq!(d.write(0, 1), Err(Sense::CANNOT_WRITE_INCOMPATIBLE_FORMAT));
    }
}

#[test]
fn cd_raw_toc_lists_session_pointers() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608, 5888]));
    let toc = d.toc(2, false, 0).unwrap();
    assert_eq!((toc[2], toc[3]), (1, 2));
    let descs: Vec<&[u8]> = toc[4..].chunks(11).collect();
    assert_eq!((toc.len() - 4) % 11, 0);
    let find = |session: u8, point: u8| {
        *descs
            .iter()
            .find(|d| d[0] == session && d[3] == point)
            .unwrap_or_else(|| panic!("session {session} point {point:#x}"))
    };
    assert_eq!(&find(1, 0xA2)[8..11], &[0, 10, 10], "A2 = MSF(610)");
    assert_eq!(&find(1, 0xB0)[4..7], &[2, 40, 10], "B0 = MSF(610 + 11250)");
    assert_eq!(&find(1, 0xB0)[8..11], &[79, 59, 74]);
    assert_eq!(&find(1, 0xC0)[8..11], &[97, 26, 66]);
    assert_eq!(&find(2, 0x02)[8..11], &[2, 42, 10], "track 2 at 12010");
    assert_eq!(&find(2, 0xB0)[4..7], &[5, 30, 50], "B0 = MSF(17900 + 6750)");
    // Legacy control byte 0x80 selects format 2, 0x40 format 1 (Linux sr_cd_check).
    let legacy = d
        .data_in(&[0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x80], 0x300)
        .unwrap();
    assert_eq!(legacy, toc);
    let ms = d
        .data_in(&[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40], 12)
        .unwrap();
    assert_eq!(be32(&ms, 8), 12010);
    let mut dvd = Disc::new(DiscSpec::new(Profile::DvdPlusR).sessions(&[1000]));
    assert_eq!(dvd.toc(2, false, 0), Err(Sense::INVALID_FIELD_IN_CDB));
}
