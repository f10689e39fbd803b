//! READ(10/12), WRITE(10/12) and SYNCHRONIZE CACHE: block data between the
//! host and the image file, with the address rules of each medium and the
//! injected faults.

use super::{DriveState, Fail, Outcome};
use crate::block::BLOCK_SIZE;
use crate::error::Error;
use crate::hresult::MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
use crate::media::Profile;
use crate::scsi::emulator::model::{Medium, OpenSession, OpenTrack, Readability};
use crate::scsi::{DataDirection, Sense};

pub fn read(st: &mut DriveState, lba: u32, blocks: u32, data: &mut DataDirection<'_>) -> Outcome {
    let DataDirection::FromDevice(buf) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    if blocks == 0 {
        return Ok(0);
    }
    match st.disc.read_check(lba, blocks) {
        Readability::Data => {}
        Readability::RunOut => return Err(Sense::UNRECOVERED_READ_ERROR.into()),
        Readability::OutOfRange => return Err(Sense::LBA_OUT_OF_RANGE.into()),
    }
    let end = lba as u64 + blocks as u64;
    if let Some(bad) = st.disc.faults.fail_read_lba {
        if (lba as u64..end).contains(&(bad as u64)) {
            return Err(Sense::UNRECOVERED_READ_ERROR.into());
        }
    }
    let bytes = (blocks as usize * BLOCK_SIZE).min(buf.len() / BLOCK_SIZE * BLOCK_SIZE);
    let image = st.image()?;
    if let Err(e) = image.read(lba, &mut buf[..bytes]) {
        st.host_error = Some(e);
        return Err(Sense::UNRECOVERED_READ_ERROR.into());
    }
    Ok(bytes)
}

pub fn write(st: &mut DriveState, lba: u32, blocks: u32, data: &mut DataDirection<'_>) -> Outcome {
    let DataDirection::ToDevice(buf) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    let buf: &[u8] = buf;
    st.check_writable()?;
    if blocks == 0 {
        return Ok(0);
    }
    if buf.len() != blocks as usize * BLOCK_SIZE {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    if st.cue.is_none() && sao_without_cue_sheet(st) {
        return Err(Sense::COMMAND_SEQUENCE_ERROR.into());
    }
    // In an SAO stream the pre-gap comes first, at negative addresses:
    // the drive records it, the image holds user data only.
    let pregap = super::cue::sao_pregap_blocks(st, lba, blocks)?;
    if pregap == blocks {
        super::cue::advance(st, lba, blocks);
        return Ok(buf.len());
    }
    let (stream_lba, stream_blocks) = (lba, blocks);
    let (lba, blocks) = (lba.wrapping_add(pregap), blocks - pregap);
    let buf = &buf[pregap as usize * BLOCK_SIZE..];
    let end = lba as u64 + blocks as u64;
    if end > st.disc.capacity as u64 {
        return Err(Sense::LBA_OUT_OF_RANGE.into());
    }
    let replacing = pow_replacement(&st.disc, lba, blocks);
    if replacing.is_none() {
        check_address(st, lba, blocks)?;
    }
    let allowed = st.load.admit_write(&st.disc.faults, blocks)?;
    let stored = allowed.map_or(blocks, |n| n.min(blocks as u64) as u32);
    if stored > 0 {
        let image = st.image()?;
        if let Err(e) = image.write(lba, &buf[..stored as usize * BLOCK_SIZE]) {
            // The model keeps the previous NWA: what reached the file
            // beyond it is unrecorded space, as after a failed burn.
            st.host_error = Some(e);
            return Err(Sense::WRITE_ERROR.into());
        }
        match replacing {
            Some(clusters) => record_replacement(st, clusters),
            None => record_write(st, lba, stored),
        }
        st.load.blocks_written += stored as u64;
    }
    if stored == blocks {
        super::cue::advance(st, stream_lba, stream_blocks);
    }
    if allowed.is_some() {
        return Err(power_loss(st, lba + stored));
    }
    Ok((pregap + blocks) as usize * BLOCK_SIZE)
}

/// A CD in SAO mode takes data only as the stream a cue sheet announced;
/// a drive refuses a write to a blank track before it got one.
fn sao_without_cue_sheet(st: &DriveState) -> bool {
    st.disc.profile.family() == crate::media::Family::Cd
        && st.page05.write_type() == 2
        && st.disc.next_track().is_some_and(|n| n.written == 0)
}

/// Where a write may go: the NWA on sequential media, aligned packets on
/// DVD-RW restricted overwrite, anywhere on other overwritable media.
fn check_address(st: &DriveState, lba: u32, blocks: u32) -> Result<(), Sense> {
    let disc = &st.disc;
    match &disc.medium {
        Medium::Overwritable { formatted } => {
            if disc.profile == Profile::DvdMinusRwRestricted {
                if lba % 16 != 0 {
                    return Err(Sense::INVALID_ADDRESS_FOR_WRITE);
                }
                if blocks % 16 != 0 {
                    return Err(Sense::INVALID_FIELD_IN_CDB);
                }
            }
            if !formatted && disc.profile == Profile::BdRe {
                return Err(Sense::MEDIUM_NOT_FORMATTED);
            }
            Ok(())
        }
        Medium::Recorded(rec) => {
            if rec.incremental_lost && st.page05.write_type() == 0 {
                return Err(Sense::ILLEGAL_MODE_FOR_TRACK);
            }
            let next = disc.next_track().ok_or(Sense::INVALID_ADDRESS_FOR_WRITE)?;
            if lba != next.next_writable {
                return Err(Sense::INVALID_ADDRESS_FOR_WRITE);
            }
            if let Some(reserved) = next.reserved {
                if next.written as u64 + blocks as u64 > reserved as u64 {
                    return Err(Sense::LBA_OUT_OF_RANGE);
                }
            }
            Ok(())
        }
    }
}

/// Blocks of one BD cluster, the unit a Pseudo-Overwrite replacement takes.
const BD_CLUSTER: u32 = 32;

/// On a BD-R formatted for Pseudo-Overwrite a write to blocks already
/// recorded is a logical overwrite: the drive records the data in
/// replacement clusters at the next writable address and remaps the old
/// addresses to them (reads give the new data, which the image keeps at
/// the logical address). The clusters it takes, `None` for any other write.
fn pow_replacement(
    disc: &crate::scsi::emulator::model::Disc,
    lba: u32,
    blocks: u32,
) -> Option<u32> {
    let nwa = disc.next_track()?.next_writable;
    let end = u64::from(lba) + u64::from(blocks);
    if !disc.pow() || end > u64::from(nwa) {
        return None;
    }
    Some((end.div_ceil(u64::from(BD_CLUSTER)) - u64::from(lba / BD_CLUSTER)) as u32)
}

/// The next writable address moves past `clusters` replacement clusters,
/// starting at the next cluster boundary.
fn record_replacement(st: &mut DriveState, clusters: u32) {
    let Some(next) = st.disc.next_track() else {
        return;
    };
    let end = next.next_writable.div_ceil(BD_CLUSTER) * BD_CLUSTER + clusters * BD_CLUSTER;
    let Medium::Recorded(rec) = &mut st.disc.medium else {
        return;
    };
    let session = rec.open.get_or_insert_with(|| OpenSession {
        closed: Vec::new(),
        current: None,
    });
    let track = session.current.get_or_insert(OpenTrack {
        start: next.start,
        blocks: 0,
        reserved: None,
    });
    track.blocks = end - track.start;
    st.dirty = true;
    let _ = st.persist();
}

/// Updates the model after `blocks` blocks landed at `lba`. Opening a
/// track is a state change that goes to the sidecar at once; growing an
/// open track is saved at the next SYNCHRONIZE CACHE or CLOSE.
fn record_write(st: &mut DriveState, lba: u32, blocks: u32) {
    let opened = match &mut st.disc.medium {
        Medium::Overwritable { formatted } => {
            // A DVD+RW formats itself on the first write.
            !std::mem::replace(formatted, true)
        }
        Medium::Recorded(rec) => {
            st.dirty = true;
            let session = rec.open.get_or_insert_with(|| OpenSession {
                closed: Vec::new(),
                current: None,
            });
            match &mut session.current {
                Some(open) => {
                    open.blocks += blocks;
                    false
                }
                None => {
                    session.current = Some(OpenTrack {
                        start: lba,
                        blocks,
                        reserved: None,
                    });
                    true
                }
            }
        }
    };
    if opened {
        st.dirty = true;
        // Best effort: the data is on the image already, and a failed save
        // is retried at the next state change.
        let _ = st.persist();
    }
}

/// The injected power loss: keep what reached the medium, then vanish.
fn power_loss(st: &mut DriveState, stopped_at: u32) -> Fail {
    st.load.power_lost = true;
    let _ = st.persist();
    Fail::Vanished(Error::with_cause(
        MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
        crate::error::Cause::Transport,
        format!(
            "emulated drive lost power at LBA {stopped_at} after {} blocks written (injected fault); reopen the disc",
            st.load.blocks_written
        ),
    ))
}

pub fn synchronize_cache(st: &mut DriveState) -> Outcome {
    super::cue::finish_sao_session(st);
    let synced = match &st.image {
        Some(image) if image.writable() => image.sync(),
        _ => Ok(()),
    };
    if let Err(e) = synced.and_then(|()| st.persist()) {
        st.host_error = Some(e);
        return Err(Sense::WRITE_ERROR.into());
    }
    Ok(0)
}
