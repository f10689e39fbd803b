//! Every reply parser, and `probe` itself, fed random and truncated bytes:
//! they may refuse, with E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, but
//! never panic.

use std::time::Duration;

use multisession::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
use multisession::mmc::capacity::{Capacity, FormatCapacities};
use multisession::mmc::config::Configuration;
use multisession::mmc::disc_info::DiscInformation;
use multisession::mmc::event::MediaStatus;
use multisession::mmc::inquiry::InquiryData;
use multisession::mmc::mode::WriteParameters;
use multisession::mmc::toc::{FormattedToc, MultisessionInfo, RawToc};
use multisession::mmc::track_info::TrackInformation;
use multisession::scsi::{Completion, DataDirection, Sense, Transport};
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
        let mut drive = GarbageDrive { replies, next: 0 };
        let _ = multisession::mmc::probe(&mut drive);
        let _ = multisession::mmc::sessions(&mut drive);
    }
}

/// Answers each command with the next canned bytes; sometimes with a
/// CHECK CONDITION whose sense bytes are the same garbage.
struct GarbageDrive {
    replies: Vec<(Vec<u8>, u8)>,
    next: usize,
}

impl Transport for GarbageDrive {
    fn execute(
        &mut self,
        _cdb: &[u8],
        data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<Completion> {
        let Some((bytes, mode)) = self.replies.get(self.next).cloned() else {
            return Err(Error::new(
                multisession::hresult::MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
                "script exhausted",
            ));
        };
        self.next += 1;
        let mut c = Completion::good();
        match mode % 4 {
            0 => {
                c = Completion::check_condition(Sense::INVALID_FIELD_IN_CDB);
                c.sense = bytes;
            }
            1 => c.status = multisession::scsi::Status::from_byte(mode),
            _ => {}
        }
        if let DataDirection::FromDevice(buf) = data {
            let n = self.replies[self.next - 1].0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.replies[self.next - 1].0[..n]);
            c.residual = buf.len() - n;
        }
        Ok(c)
    }

    fn describe(&self) -> String {
        "garbage drive".into()
    }
}
