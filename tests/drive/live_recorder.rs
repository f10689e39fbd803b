//! `Recorder::media_info` follows the medium when someone else changes it:
//! two recorders on one emulated disc (two `EmulatedDrive`s, as two
//! processes have), the poll it sends (GET EVENT STATUS NOTIFICATION, or
//! TEST UNIT READY on a drive without it) and the fast path that sends
//! nothing. No timings: the tests use a zero or a very long interval.

use crate::support::discs::disc;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use multisession::fsi::BLOCK_SIZE;
use multisession::internals::mmc::cdb::{self, CloseFunction};
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive, Quirks};
use multisession::scsi::{DataDirection, Transport};
use multisession::testing::Hooked;
use multisession::DiscStatus;
use multisession::Recorder;
use parking_lot::Mutex;

const GESN: u8 = 0x4A;
const TEST_UNIT_READY: u8 = 0x00;
const LONG: Duration = Duration::from_secs(3600);

/// A recorder on its own drive for `image`, and the log of the opcode of
/// every CDB it sends.
fn logged(image: &Path) -> (Recorder, Arc<Mutex<Vec<u8>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    let t = Hooked::new(
        EmulatedDrive::open(image).unwrap(),
        move |inner, cdb, data, timeout| {
            log.lock().push(cdb[0]);
            inner.execute(cdb, data, timeout)
        },
    );
    (Recorder::from_transport(Box::new(t)).unwrap(), sent)
}

/// What `f` made the recorder send.
fn sent_by(log: &Mutex<Vec<u8>>, f: impl FnOnce()) -> Vec<u8> {
    let before = log.lock().len();
    f();
    log.lock()[before..].to_vec()
}

/// One closed session of `blocks` blocks at the NWA, written through the
/// write guard as a burner would.
fn write_session(r: &Recorder, blocks: u32) {
    let start = r.media_info().unwrap().next_writable.unwrap();
    let w = r.lock_for_writing().unwrap();
    let data = vec![0xA5u8; 32 * BLOCK_SIZE];
    let mut done = 0;
    while done < blocks {
        let n = (blocks - done).min(32);
        let write = cdb::write10(start + done, n as u16);
        w.command(
            write.as_bytes(),
            DataDirection::ToDevice(&data[..n as usize * BLOCK_SIZE]),
            write.timeout(),
        )
        .unwrap();
        done += n;
    }
    let track = r.media_info().unwrap().tracks + 1;
    for c in [
        cdb::synchronize_cache(false),
        cdb::close_track_session(CloseFunction::Track(track), false),
        cdb::close_track_session(CloseFunction::Session, false),
    ] {
        w.command(c.as_bytes(), DataDirection::None, c.timeout())
            .unwrap();
    }
}

#[test]
fn a_session_written_by_another_recorder_shows_without_refresh() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let a = Recorder::open(&d.image).unwrap();
    let b = Recorder::open(&d.image).unwrap();
    b.set_media_poll_interval(Duration::ZERO);
    let before = b.media_info().unwrap();
    assert_eq!(before.sessions, 1);
    assert_eq!(before.next_writable, Some(12010));

    write_session(&a, 608);

    let after = b.media_info().unwrap();
    assert_eq!(after.sessions, 2);
    assert_eq!(after.disc_status, DiscStatus::Appendable);
    assert_ne!(after.next_writable, before.next_writable);
    assert_eq!(after, a.media_info().unwrap(), "both recorders agree");
}

#[test]
fn an_unchanged_medium_costs_one_event_poll() {
    let d = disc(DiscSpec::new(Profile::DvdPlusR).sessions(&[160]));
    let (r, log) = logged(&d.image);
    r.set_media_poll_interval(Duration::ZERO);
    let first = r.media_info().unwrap();
    // The probe took the "new media" of the load first, so no re-probe now.
    let sent = sent_by(&log, || assert_eq!(r.media_info().unwrap(), first));
    assert_eq!(sent, [GESN]);
}

#[test]
fn an_external_change_is_seen_by_the_event_poll_and_re_probed_in_the_same_call() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let (b, log) = logged(&d.image);
    b.set_media_poll_interval(Duration::ZERO);
    assert_eq!(b.media_info().unwrap().sessions, 1);
    write_session(&Recorder::open(&d.image).unwrap(), 608);
    let sent = sent_by(&log, || assert_eq!(b.media_info().unwrap().sessions, 2));
    assert_eq!(sent[0], GESN);
    assert!(sent.len() > 2, "re-probed: {sent:02X?}");
    // And quiet again.
    assert_eq!(
        sent_by(&log, || {
            b.media_info().unwrap();
        }),
        [GESN]
    );
}

#[test]
fn a_drive_without_event_status_is_polled_with_test_unit_ready() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]).quirks(Quirks {
        no_get_event_status: true,
        ..Quirks::default()
    }));
    let (b, log) = logged(&d.image);
    b.set_media_poll_interval(Duration::ZERO);
    assert_eq!(b.media_info().unwrap().sessions, 1);
    let quiet = sent_by(&log, || {
        b.media_info().unwrap();
    });
    assert_eq!(quiet, [TEST_UNIT_READY], "GESN is not tried again");

    write_session(&Recorder::open(&d.image).unwrap(), 608);
    let sent = sent_by(&log, || assert_eq!(b.media_info().unwrap().sessions, 2));
    // 6/28/00, retried GOOD, then the probe.
    assert_eq!(&sent[..2], [TEST_UNIT_READY, TEST_UNIT_READY]);
    assert!(!sent.contains(&GESN), "{sent:02X?}");
    assert!(sent.len() > 2, "re-probed: {sent:02X?}");
}

#[test]
fn within_the_interval_media_info_sends_nothing() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let (b, log) = logged(&d.image);
    b.set_media_poll_interval(LONG);
    assert_eq!(b.media_poll_interval(), LONG);
    let first = b.media_info().unwrap();
    write_session(&Recorder::open(&d.image).unwrap(), 608);
    let sent = sent_by(&log, || {
        for _ in 0..1000 {
            assert_eq!(b.media_info().unwrap(), first, "the stale cache, by choice");
        }
    });
    assert_eq!(sent, Vec::<u8>::new());
    // Shortening the interval makes the change visible.
    b.set_media_poll_interval(Duration::ZERO);
    assert_eq!(b.media_info().unwrap().sessions, 2);
}

#[test]
fn no_poll_runs_while_this_recorder_holds_the_write_guard() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let (r, log) = logged(&d.image);
    r.set_media_poll_interval(Duration::ZERO);
    let first = r.media_info().unwrap();
    let guard = r.lock_for_writing().unwrap();
    let sent = sent_by(&log, || assert_eq!(r.media_info().unwrap(), first));
    assert_eq!(sent, Vec::<u8>::new());
    drop(guard);
    let sent = sent_by(&log, || assert_eq!(r.media_info().unwrap(), first));
    assert!(!sent.is_empty(), "re-probed after the guard went");
}
