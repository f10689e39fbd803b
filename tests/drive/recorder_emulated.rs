//! `Recorder` on emulated discs: opening, identity, the media cache and
//! when it is refreshed, exclusive writing, sense mapping and BlockSource.

use crate::support::discs::disc;
use crate::support::drive::extent;
use crate::support::{fails_naming, fails_with};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use multisession::fsi::{BlockSource, BLOCK_SIZE};
use multisession::hresult::*;
use multisession::internals::mmc::cdb::{self, CloseFunction};
use multisession::media::Profile;
use multisession::scsi::emulator::{marker_block, DiscSpec, EmulatedDrive};
use multisession::scsi::{Completion, DataDirection, Sense, Transport};
use multisession::testing::Hooked;
use multisession::DiscStatus;
use multisession::Recorder;

/// A recorder on its own drive for `image` that counts commands and can
/// raise one UNIT ATTENTION on demand, like a drive whose tray was opened
/// and closed.
fn watched(image: &Path) -> (Recorder, Arc<AtomicU64>, Arc<AtomicBool>) {
    let count = Arc::new(AtomicU64::new(0));
    let attention = Arc::new(AtomicBool::new(false));
    let (counted, raised) = (count.clone(), attention.clone());
    let t = Hooked::new(
        EmulatedDrive::open(image).unwrap(),
        move |inner, cdb, data, timeout| {
            counted.fetch_add(1, Ordering::SeqCst);
            if raised.swap(false, Ordering::SeqCst) {
                return Ok(Completion::check_condition(Sense::MEDIUM_CHANGED));
            }
            inner.execute(cdb, data, timeout)
        },
    );
    (
        Recorder::from_transport(Box::new(t)).unwrap(),
        count,
        attention,
    )
}

#[test]
fn recorder_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Recorder>();
}

#[test]
fn opening_an_emulated_disc_reads_the_drive_identity() {
    let d = disc(DiscSpec::new(Profile::CdR));
    let r = Recorder::open(&d.image).unwrap();
    assert_eq!(r.identity().vendor, "MSEMU");
    assert!(!r.identity().product.is_empty());
    assert!(r.describe().contains("disc.img"), "{}", r.describe());
    assert_eq!(r.media_info().unwrap().next_writable, Some(0));
}

/// An emulated drive whose INQUIRY reply says "direct-access block device"
/// (peripheral type 0), like a hard disk reached through /dev/sgN.
fn disk_not_drive(drive: EmulatedDrive) -> impl Transport {
    Hooked::new(drive, |inner, cdb, data, timeout| match data {
        DataDirection::FromDevice(buf) if cdb.first() == Some(&0x12) => {
            let done = inner.execute(cdb, DataDirection::FromDevice(&mut *buf), timeout)?;
            buf[0] = 0x00;
            Ok(done)
        }
        data => inner.execute(cdb, data, timeout),
    })
    .described_as("/dev/sg7")
}

/// The SG transport only moves CDBs, so the recorder's INQUIRY is the one
/// check that refuses a SCSI device that is no CD/DVD/BD drive.
#[test]
fn a_transport_that_is_no_optical_drive_is_refused_by_its_inquiry() {
    let d = disc(DiscSpec::new(Profile::CdR));
    let transport = disk_not_drive(EmulatedDrive::open(&d.image).unwrap());
    let e = fails_with(
        Recorder::from_transport(Box::new(transport)),
        MS_E_WIN32_DEV_NOT_EXIST,
    );
    assert!(
        e.detail().contains("/dev/sg7") && e.detail().contains("not a CD/DVD/BD drive"),
        "{}",
        e.detail()
    );
}

#[test]
fn opening_a_plain_file_or_missing_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.iso");
    std::fs::write(&plain, [0u8; 4096]).unwrap();
    fails_naming(
        Recorder::open(&plain),
        MS_E_WIN32_DEV_NOT_EXIST,
        "neither an SG-capable optical drive nor an emulated disc",
    );
    fails_with(
        Recorder::open(dir.path().join("missing.img")),
        MS_E_WIN32_DEV_NOT_EXIST,
    );
    #[cfg(target_os = "linux")]
    {
        fails_naming(Recorder::open("/dev/null"), MS_E_WIN32_DEV_NOT_EXIST, "SG");
    }
}

#[test]
fn media_info_is_cached_until_something_changes() {
    let d = disc(DiscSpec::new(Profile::DvdPlusR).sessions(&[100000]));
    let (r, count, _) = watched(&d.image);
    // Long enough that no media poll falls between the calls.
    r.set_media_poll_interval(Duration::from_secs(3600));
    let first = r.media_info().unwrap();
    let after_probe = count.load(Ordering::SeqCst);
    assert_eq!(r.media_info().unwrap(), first);
    assert_eq!(
        count.load(Ordering::SeqCst),
        after_probe,
        "served from cache"
    );
    r.refresh().unwrap();
    assert!(count.load(Ordering::SeqCst) > after_probe, "refresh probes");
}

#[test]
fn unit_attention_marks_the_cache_stale() {
    let d = disc(DiscSpec::new(Profile::DvdPlusR).sessions(&[100000]));
    let (r, count, attention) = watched(&d.image);
    r.media_info().unwrap();
    attention.store(true, Ordering::SeqCst);
    r.command(
        cdb::test_unit_ready().as_bytes(),
        DataDirection::None,
        Duration::from_secs(5),
    )
    .unwrap();
    let before = count.load(Ordering::SeqCst);
    r.media_info().unwrap();
    assert!(
        count.load(Ordering::SeqCst) > before,
        "re-probed after 6/28/00"
    );
}

#[test]
fn writing_a_session_through_the_guard_refreshes_media_info() {
    let d = disc(DiscSpec::new(Profile::CdR));
    let r = Recorder::open(&d.image).unwrap();
    assert_eq!(r.media_info().unwrap().disc_status, DiscStatus::Blank);
    {
        let w = r.lock_for_writing().unwrap();
        let data = vec![0x5Au8; 32 * BLOCK_SIZE];
        let mut lba = 0u32;
        while lba < 608 {
            let blocks = (608 - lba).min(32);
            let write = cdb::write10(lba, blocks as u16);
            w.command(
                write.as_bytes(),
                DataDirection::ToDevice(&data[..blocks as usize * BLOCK_SIZE]),
                write.timeout(),
            )
            .unwrap();
            lba += blocks;
        }
        for c in [
            cdb::synchronize_cache(false),
            cdb::close_track_session(CloseFunction::Track(1), false),
            cdb::close_track_session(CloseFunction::Session, false),
        ] {
            w.command(c.as_bytes(), DataDirection::None, c.timeout())
                .unwrap();
        }
    }
    let m = r.media_info().unwrap();
    assert_eq!(m.disc_status, DiscStatus::Appendable);
    assert_eq!(m.previous_session, extent(0, 607));
    assert_eq!(m.next_writable, Some(12010));
    assert_eq!(m.free_blocks, 347837);
    let mut block = vec![0u8; BLOCK_SIZE];
    r.read_blocks(607, &mut block).unwrap();
    assert!(block.iter().all(|&b| b == 0x5A));
}

#[test]
fn medium_changing_commands_need_the_write_lock() {
    let d = disc(DiscSpec::new(Profile::CdR));
    let r = Recorder::open(&d.image).unwrap();
    let write = cdb::write10(0, 1);
    let e = r
        .command(
            write.as_bytes(),
            DataDirection::ToDevice(&[0; 2048]),
            write.timeout(),
        )
        .unwrap_err();
    assert_eq!(e.code(), MS_E_IMAPI_RECORDER_LOCKED);
    assert!(e.detail().starts_with("WRITE(10)"), "{}", e.detail());
}

#[test]
fn a_second_writer_is_refused_in_this_process_and_on_the_same_disc() {
    let d = disc(DiscSpec::new(Profile::DvdPlusR));
    let r = Recorder::open(&d.image).unwrap();
    let other = Recorder::open(&d.image).unwrap();
    let guard = r.lock_for_writing().unwrap();
    fails_with(r.lock_for_writing(), MS_E_IMAPI_RECORDER_LOCKED);
    fails_with(other.lock_for_writing(), MS_E_IMAPI_RECORDER_LOCKED);
    drop(guard);
    drop(other.lock_for_writing().unwrap());
    drop(r.lock_for_writing().unwrap());
}

#[test]
fn check_condition_maps_to_the_sense_hresult_naming_the_opcode() {
    let d = disc(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let r = Recorder::open(&d.image).unwrap();
    let w = r.lock_for_writing().unwrap();
    let write = cdb::write10(5, 1);
    let e = w
        .command(
            write.as_bytes(),
            DataDirection::ToDevice(&[0; 2048]),
            write.timeout(),
        )
        .unwrap_err();
    assert_eq!(e.code(), Sense::INVALID_ADDRESS_FOR_WRITE.to_hresult());
    assert!(
        e.detail().starts_with("WRITE(10): 5/21/02"),
        "{}",
        e.detail()
    );
}

#[test]
fn write_protected_disc_refuses_writes_with_the_protection_code() {
    let d = disc(DiscSpec::new(Profile::DvdPlusR).write_protected(true));
    let r = Recorder::open(&d.image).unwrap();
    let w = r.lock_for_writing().unwrap();
    let write = cdb::write10(0, 16);
    let e = w
        .command(
            write.as_bytes(),
            DataDirection::ToDevice(&vec![0; 16 * BLOCK_SIZE]),
            write.timeout(),
        )
        .unwrap_err();
    assert_eq!(e.code(), MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED);
}

#[test]
fn block_source_reads_across_chunks() {
    let d = disc(DiscSpec::new(Profile::DvdMinusR).sessions(&[100000, 50003]));
    let r = Recorder::open(&d.image).unwrap();
    // 40 blocks ending at the last block of session 2: two READ(10)s.
    let last = 128688 + 50003 - 1;
    let mut buf = vec![0u8; 40 * BLOCK_SIZE];
    r.read_blocks(last - 39, &mut buf).unwrap();
    assert_eq!(&buf[39 * BLOCK_SIZE..], &marker_block(2, last)[..]);
    let mut first = vec![0u8; BLOCK_SIZE];
    r.read_blocks(128688, &mut first).unwrap();
    assert_eq!(first, marker_block(2, 128688));
    let e = r.read_blocks(0, &mut [0u8; 100]).unwrap_err();
    assert_eq!(e.code(), MS_E_INVALIDARG);
}

#[test]
fn no_media_reports_no_media_from_media_info() {
    let d = disc(DiscSpec::new(Profile::BdR).no_media());
    let r = Recorder::open(&d.image).unwrap();
    fails_with(r.media_info(), MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
}

#[test]
fn sessions_of_a_recorder_list_starts_and_ends() {
    let d = disc(DiscSpec::new(Profile::BdR).sessions(&[100000, 50003]));
    let r = Recorder::open(&d.image).unwrap();
    let s = r.sessions().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].extent.start, 100000);
}
