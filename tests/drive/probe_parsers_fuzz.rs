//! Every reply parser, and `probe` itself, fed random and truncated bytes:
//! they may refuse, with E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, but
//! never panic.

use multisession::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
use multisession::internals::mmc::capacity::{Capacity, FormatCapacities};
use multisession::internals::mmc::config::Configuration;
use multisession::internals::mmc::disc_info::DiscInformation;
use multisession::internals::mmc::event::MediaStatus;
use multisession::internals::mmc::inquiry::InquiryData;
use multisession::internals::mmc::mode::WriteParameters;
use multisession::internals::mmc::toc::{FormattedToc, MultisessionInfo, RawToc};
use multisession::internals::mmc::track_info::TrackInformation;
use multisession::scsi::{Completion, Sense};
use multisession::testing::{Answer, TableDrive};
use multisession::{Error, Result};
use proptest::prelude::*;

/// Runs every parser on `bytes`; each must return, and any error must be
/// the invalid-response code.
fn parse_all(bytes: &[u8]) {
    fn check<T>(r: Result<T>) {
        if let Err(e) = r {
            assert_eq!(
                e.code(),
                MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
                "{}",
                e.detail()
            );
        }
    }
    check(InquiryData::parse(bytes));
    check(Configuration::parse(bytes));
    check(DiscInformation::parse(bytes));
    check(TrackInformation::parse(bytes));
    check(FormattedToc::parse(bytes));
    check(MultisessionInfo::parse(bytes));
    check(RawToc::parse(bytes).and_then(|t| t.sessions().map(|_| ())));
    check(Capacity::parse(bytes));
    check(FormatCapacities::parse(bytes));
    check(WriteParameters::parse_mode_sense(bytes));
    check(MediaStatus::parse(bytes));
    let _ = Sense::decode(bytes);
}

/// Well-formed replies, to be cut at every length.
fn valid_replies() -> Vec<Vec<u8>> {
    let mut config = vec![0, 0, 0, 28, 0, 0, 0, 0x11];
    config.extend_from_slice(&[0, 0, 3, 8, 0, 0x11, 1, 0, 0, 0x1B, 0, 0]);
    config.extend_from_slice(&[0, 0x21, 5, 8, 0, 1, 0, 1, 16, 0, 0, 0]);
    let mut rdi = vec![0u8; 34];
    rdi[1] = 32;
    rdi[2] = 1;
    rdi[4] = 2;
    let mut rti = vec![0u8; 48];
    rti[1] = 46;
    rti[7] = 3;
    let mut raw_toc = vec![0, 24, 1, 1];
    raw_toc.extend_from_slice(&[1, 0x14, 0, 0xA0, 0, 0, 0, 0, 1, 0, 0]);
    raw_toc.extend_from_slice(&[1, 0x14, 0, 1, 0, 0, 0, 0, 0, 2, 0]);
    let mut mode = vec![0, 58, 0, 0, 0, 0, 0, 0, 5, 0x32, 0x41, 0xC4, 8];
    mode.resize(60, 0);
    vec![
        config,
        rdi,
        rti,
        raw_toc,
        mode,
        vec![0, 0x0A, 1, 2, 0, 0x14, 2, 0, 0, 0, 0x2E, 0xEA],
        vec![
            0, 0, 0, 16, 0, 0x23, 0, 0, 1, 0, 8, 0, 0, 0x23, 0, 0, 0x98, 0, 0, 0,
        ],
        vec![0, 6, 4, 0x10, 2, 2, 0, 0],
    ]
}

#[test]
fn every_parser_survives_every_truncation_of_valid_replies() {
    for reply in valid_replies() {
        for len in 0..=reply.len() {
            parse_all(&reply[..len]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_parser_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        parse_all(&bytes);
    }

    #[test]
    fn every_parser_survives_mutated_valid_replies(
        which in 0usize..8,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut reply = valid_replies().swap_remove(which);
        for (at, value) in flips {
            let i = at % reply.len();
            reply[i] = value;
        }
        let len = cut % (reply.len() + 1);
        parse_all(&reply[..len]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn probe_survives_a_drive_that_answers_garbage(
        replies in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..80), any::<u8>()),
            1..10,
        ),
    ) {
        let mut drive = garbage_drive(replies);
        let _ = multisession::internals::mmc::probe(&mut drive);
        let _ = multisession::internals::mmc::sessions(&mut drive);
    }
}

/// Answers each command with the next canned bytes; sometimes with a
/// CHECK CONDITION whose sense bytes are the same garbage, or with the
/// status byte garbage too. Past the last reply the host fails, so the
/// probe's own error paths (not the double) end the run.
fn garbage_drive(replies: Vec<(Vec<u8>, u8)>) -> TableDrive {
    let mut replies = replies.into_iter();
    TableDrive::answering(move |_| {
        let Some((bytes, mode)) = replies.next() else {
            return Some(Answer::Host(Error::new(
                multisession::hresult::MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
                "script exhausted",
            )));
        };
        let mut c = Completion::good();
        match mode % 4 {
            0 => {
                c = Completion::check_condition(Sense::INVALID_FIELD_IN_CDB);
                c.sense = bytes.clone();
            }
            1 => c.status = multisession::scsi::Status::from_byte(mode),
            _ => {}
        }
        Some(Answer::Reply(c, bytes))
    })
}

/// A 32-bit value a lying or broken drive may report: anything, the top of
/// the range (where `+ 1` or `+ size` wraps), the 0xFFFFFFF0 of a hostile
/// volume or track size, or a small plausible one.
fn reported_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        any::<u32>(),
        (u32::MAX - 64)..=u32::MAX,
        Just(u32::MAX),
        Just(0xFFFF_FFF0),
        Just(0x7FFF_FFFF),
        Just(0x8000_0000),
        0u32..400_000,
    ]
}

/// A CD address as READ DISC INFORMATION carries it (`00 M S F`), so the
/// lead-out parses and takes part in the arithmetic.
fn msf_field() -> impl Strategy<Value = u32> {
    (any::<u8>(), 0u8..60, 0u8..75).prop_map(|(m, s, f)| u32::from_be_bytes([0, m, s, f]))
}

/// One READ TRACK INFORMATION reply's numbers.
#[derive(Debug, Clone)]
struct ReportedTrack {
    session: u16,
    blank: bool,
    nwa: Option<u32>,
    lra: Option<u32>,
    start: u32,
    free: u32,
    size: u32,
}

fn reported_track() -> impl Strategy<Value = ReportedTrack> {
    (
        0u16..4,
        any::<bool>(),
        proptest::option::of(reported_u32()),
        proptest::option::of(reported_u32()),
        reported_u32(),
        reported_u32(),
        reported_u32(),
    )
        .prop_map(
            |(session, blank, nwa, lra, start, free, size)| ReportedTrack {
                session,
                blank,
                nwa,
                lra,
                start,
                free,
                size,
            },
        )
}

/// A drive whose replies are well-formed MMC structures carrying
/// hostile numbers: the parsers accept them, so what is tested is the
/// arithmetic of session detection on what they return.
#[derive(Debug, Clone)]
struct LyingDrive {
    profile: u16,
    pseudo_overwrite: bool,
    disc_status_byte: u8,
    sessions: u16,
    first_track: u16,
    last_track: u16,
    lead_in: u32,
    lead_out: u32,
    tracks: Vec<ReportedTrack>,
    toc_first_track: u8,
    toc_start: u32,
    capacity_last: u32,
    format_blocks: u32,
    format_kind: u8,
    /// Volume space size of the primary volume descriptor at LBA 16.
    volume_blocks: u32,
}

fn lying_drive() -> impl Strategy<Value = LyingDrive> {
    let profiles = prop_oneof![
        Just(0x08u16),
        Just(0x09),
        Just(0x0A),
        Just(0x10),
        Just(0x11),
        Just(0x13),
        Just(0x14),
        Just(0x1A),
        Just(0x1B),
        Just(0x2B),
        Just(0x40),
        Just(0x41),
        Just(0x43),
    ];
    (
        (
            profiles,
            any::<bool>(),
            any::<u8>(),
            0u16..4,
            0u16..4,
            0u16..5,
        ),
        (reported_u32(), prop_oneof![reported_u32(), msf_field()]),
        proptest::collection::vec(reported_track(), 1..6),
        (
            any::<u8>(),
            reported_u32(),
            reported_u32(),
            reported_u32(),
            1u8..4,
            reported_u32(),
        ),
    )
        .prop_map(
            |(
                (profile, pseudo_overwrite, disc_status_byte, sessions, first_track, last_track),
                (lead_in, lead_out),
                tracks,
                (
                    toc_first_track,
                    toc_start,
                    capacity_last,
                    format_blocks,
                    format_kind,
                    volume_blocks,
                ),
            )| LyingDrive {
                profile,
                pseudo_overwrite,
                disc_status_byte,
                sessions,
                first_track,
                last_track,
                lead_in,
                lead_out,
                tracks,
                toc_first_track,
                toc_start,
                capacity_last,
                format_blocks,
                format_kind,
                volume_blocks,
            },
        )
}

impl LyingDrive {
    fn config(&self) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b[6..8].copy_from_slice(&self.profile.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0x03, 4]);
        b.extend_from_slice(&self.profile.to_be_bytes());
        b.extend_from_slice(&[1, 0]);
        if self.pseudo_overwrite {
            b.extend_from_slice(&[0, 0x38, 0x01, 4, 0, 0, 0, 0]);
        }
        // Every writing feature current (the drive can write whatever is
        // loaded), so the multisession objects get as far as placement.
        b.extend_from_slice(&[0, 0x21, 0x05, 8, 0, 1, 0, 1, 16, 0, 0, 0]);
        for code in [
            0x20u8, 0x23, 0x26, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F, 0x33, 0x3A, 0x3B, 0x41,
        ] {
            b.extend_from_slice(&[0, code, 0x01, 4, 0, 0, 0, 0]);
        }
        let len = (b.len() - 4) as u32;
        b[0..4].copy_from_slice(&len.to_be_bytes());
        b
    }

    fn disc_information(&self) -> Vec<u8> {
        let mut b = vec![0u8; 34];
        b[0..2].copy_from_slice(&32u16.to_be_bytes());
        b[2] = self.disc_status_byte;
        b[3] = self.first_track as u8;
        b[4] = self.sessions as u8;
        b[5] = self.first_track as u8;
        b[6] = self.last_track as u8;
        b[16..20].copy_from_slice(&self.lead_in.to_be_bytes());
        b[20..24].copy_from_slice(&self.lead_out.to_be_bytes());
        b
    }

    /// The reply for track (or session) `n`: the tracks repeat.
    fn track(&self, n: u32) -> Vec<u8> {
        let t = &self.tracks[n as usize % self.tracks.len()];
        let mut b = vec![0u8; 48];
        b[0..2].copy_from_slice(&46u16.to_be_bytes());
        b[2] = n as u8;
        b[3] = t.session.max(1) as u8;
        b[5] = if t.blank { 0x07 } else { 0x04 };
        b[6] = if t.blank { 0x61 } else { 0x01 };
        b[7] = t.nwa.map_or(0, |_| 1) | t.lra.map_or(0, |_| 2);
        b[8..12].copy_from_slice(&t.start.to_be_bytes());
        b[12..16].copy_from_slice(&t.nwa.unwrap_or(0).to_be_bytes());
        b[16..20].copy_from_slice(&t.free.to_be_bytes());
        b[24..28].copy_from_slice(&t.size.to_be_bytes());
        b[28..32].copy_from_slice(&t.lra.unwrap_or(0).to_be_bytes());
        b
    }

    /// `blocks` blocks from `lba`: zeros, with a primary volume descriptor
    /// at LBA 16.
    fn blocks(&self, lba: u32, blocks: u16) -> Vec<u8> {
        let mut data = vec![0u8; usize::from(blocks) * 2048];
        if let Some(at) = 16u32.checked_sub(lba).filter(|&i| i < u32::from(blocks)) {
            let pvd = &mut data[at as usize * 2048..][..2048];
            pvd[..7].copy_from_slice(b"\x01CD001\x01");
            pvd[80..84].copy_from_slice(&self.volume_blocks.to_le_bytes());
            pvd[84..88].copy_from_slice(&self.volume_blocks.to_be_bytes());
        }
        data
    }

    fn reply(&self, cdb: &[u8]) -> Option<Vec<u8>> {
        let be32 = |at: usize| u32::from_be_bytes([cdb[at], cdb[at + 1], cdb[at + 2], cdb[at + 3]]);
        Some(match cdb[0] {
            0x12 => {
                let mut b = vec![0x05, 0x80, 0x05, 0x02, 31, 0, 0, 0];
                b.extend_from_slice(b"LYING   LYING DRIVE     1.00");
                b
            }
            0x28 => self.blocks(be32(2), u16::from_be_bytes([cdb[7], cdb[8]])),
            0x46 => self.config(),
            0x51 => self.disc_information(),
            0x52 => self.track(be32(2)),
            0x43 => {
                let mut b = vec![
                    0,
                    0x0A,
                    1,
                    self.sessions as u8,
                    0,
                    0x14,
                    self.toc_first_track,
                    0,
                ];
                b.extend_from_slice(&self.toc_start.to_be_bytes());
                b
            }
            0x25 => {
                let mut b = self.capacity_last.to_be_bytes().to_vec();
                b.extend_from_slice(&2048u32.to_be_bytes());
                b
            }
            0x23 => {
                let mut b = vec![0, 0, 0, 16];
                b.extend_from_slice(&self.format_blocks.to_be_bytes());
                b.extend_from_slice(&[self.format_kind, 0, 0x08, 0]);
                b.extend_from_slice(&self.format_blocks.to_be_bytes());
                b.extend_from_slice(&[0x26 << 2, 0, 0, 0]);
                b
            }
            _ => return None,
        })
    }

    /// The drive as a transport; what it does not know it refuses as an
    /// unknown command.
    fn transport(self) -> TableDrive {
        TableDrive::answering(move |cdb| self.reply(cdb).map(Answer::Data))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Session detection on well-formed replies with numbers near
    /// u32::MAX: `probe`, `sessions` and the multisession values derived
    /// from the media information never panic; what they accept is
    /// self-consistent (no session ends before it starts, no count wrapped).
    #[test]
    fn session_detection_survives_numbers_near_u32_max(drive in lying_drive()) {
        use multisession::session::{
            PseudoOverwriteValues, RandomWriteValues, SequentialValues,
        };
        let mut probed = drive.clone().transport();
        if let Ok(media) = multisession::internals::mmc::probe(&mut probed) {
            if let Some(previous) = media.previous_session {
                prop_assert!(previous.start <= previous.last_written, "{media:?}");
            }
            if let Some(nwa) = media.next_writable {
                prop_assert!(media.total_sectors >= nwa, "{media:?}");
                // Every block of the room left has a 32-bit address.
                let end = u64::from(nwa) + u64::from(media.free_blocks);
                prop_assert!(end <= u64::from(u32::MAX), "{media:?}");
            }
            for values in [
                SequentialValues::from_media(&media).and_then(|v| v.check_consistent()),
                RandomWriteValues::from_media(&media).and_then(|v| v.check_consistent()),
                PseudoOverwriteValues::from_media(&media).and_then(|v| v.check_consistent()),
            ] {
                if let Err(e) = values {
                    prop_assert_eq!(
                        e.code(),
                        multisession::hresult::MS_IMAPI_E_BAD_MULTISESSION_PARAMETER
                    );
                }
            }
        }
        let mut listed = drive.clone().transport();
        if let Ok(sessions) = multisession::internals::mmc::sessions(&mut listed) {
            for s in sessions {
                prop_assert!(s.extent.start <= s.extent.last_written, "{s:?}");
                prop_assert!(s.first_track <= s.last_track, "{s:?}");
            }
        }
        // Where the next session would go, through the multisession
        // objects, reading the volume size (0xFFFFFFF0 …) at LBA 16.
        let recorder = multisession::Recorder::from_transport(Box::new(drive.transport())).unwrap();
        if let Ok(offered) = multisession::session::offer(&std::sync::Arc::new(recorder)) {
            for object in offered {
                if let Ok(next) = object.next_session() {
                    let end = u64::from(next.start_block) + u64::from(next.free_blocks);
                    prop_assert!(end <= u64::from(u32::MAX) + 1, "{next:?}");
                    // Overwritable placement starts on a write unit, never
                    // on an address clamped at the top.
                    if object.kind() != multisession::session::Kind::Sequential {
                        let unit = object.media_info().unwrap().write_unit.max(1);
                        prop_assert_eq!(next.start_block % unit, 0, "{:?}", next);
                    }
                }
            }
        }
    }
}
