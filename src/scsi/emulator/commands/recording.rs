//! CLOSE TRACK/SESSION, RESERVE TRACK, FORMAT UNIT and BLANK: the commands
//! that move a medium between the states of docs/mmc-notes.md §3.

use super::{be16, be32, DriveState, Outcome};
use crate::media::{Family, Profile, WriteModel};
use crate::scsi::emulator::layout::{self, default_capacity, Geometry};
use crate::scsi::emulator::model::{BdRFormat, Medium, OpenSession, OpenTrack, Recorded, Session};
use crate::scsi::{DataDirection, Sense};

/// What a CLOSE function does on the loaded medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    Track,
    /// Close the session; the disc stays appendable unless page 05 says
    /// otherwise (CD, DVD-R/RW).
    Session,
    Finalize,
    /// Overwritable media: stop background formatting — nothing to do here.
    Nothing,
}

fn close_action(profile: Profile, function: u8) -> Option<Close> {
    use Profile::*;
    let plus_r = matches!(profile, DvdPlusR | DvdPlusRDl);
    let minus = matches!(
        profile,
        DvdMinusR | DvdMinusRwSequential | DvdMinusRDl | DvdMinusRDlJump
    );
    Some(match (function, profile.write_model()) {
        (0 | 2 | 3, WriteModel::RandomWrite) => Close::Nothing,
        (1, WriteModel::Sequential) => Close::Track,
        (2, WriteModel::Sequential) => Close::Session,
        (3, _) if minus => Close::Finalize,
        (4, _) if matches!(profile, DvdPlusRDl) => Close::Session,
        (5, _) if plus_r => Close::Finalize,
        (6, _) if plus_r || profile == BdR => Close::Finalize,
        _ => return None,
    })
}

pub fn close(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    let immed = cdb[1] & 0x01 != 0;
    let function = cdb[2] & 0x07;
    let track = be16(cdb, 4) as u32;
    st.check_writable()?;
    let action = close_action(st.disc.profile, function).ok_or(Sense::INVALID_FIELD_IN_CDB)?;
    let finalize_on_session_close = st.disc.profile.family() == Family::Cd
        || matches!(
            st.disc.profile,
            Profile::DvdMinusR | Profile::DvdMinusRwSequential | Profile::DvdMinusRDl
        );
    let page_finalizes = st.page05.multi_session() == 0 || st.page05.write_type() == 2;
    let profile_is_cd = st.disc.profile.family() == Family::Cd;
    let next_number = st.disc.next_track().map(|n| n.number);
    let geometry = st.disc.geometry();
    let capacity = st.disc.capacity;
    let Some(rec) = st.disc.recorded_mut() else {
        return Ok(0);
    };
    if action != Close::Nothing && rec.finalized {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    if profile_is_cd && matches!(action, Close::Track | Close::Session) {
        refuse_short_cd_track(rec)?;
    }
    match action {
        Close::Nothing => return Ok(0),
        Close::Track => {
            // CD tools name the track 0xFF; others the incomplete track's number.
            if track != 0xFF && Some(track) != next_number {
                return Err(Sense::INVALID_FIELD_IN_CDB.into());
            }
            if let Some(open) = rec.open.as_mut() {
                if let Some(t) = open.current.take() {
                    open.closed.push(t.closed());
                }
            }
        }
        Close::Session => {
            let had_data = close_session(rec, geometry, capacity);
            if had_data && finalize_on_session_close && page_finalizes {
                rec.finalized = true;
            }
        }
        Close::Finalize => {
            close_session(rec, geometry, capacity);
            if rec.sessions.is_empty() {
                // Nothing recorded: a blank disc cannot be finalized.
                return Err(Sense::INVALID_FIELD_IN_CDB.into());
            }
            rec.finalized = true;
        }
    }
    auto_close_when_full(st);
    st.commit().map_err(|_| Sense::WRITE_ERROR)?;
    if immed {
        let polls = st.disc.quirks.immed_busy_polls;
        st.load.start_busy(polls, Sense::OPERATION_IN_PROGRESS);
    }
    Ok(0)
}

/// Least blocks of a CD track (Orange Book: 4 seconds at 75 blocks a
/// second).
const CD_MIN_TRACK_BLOCKS: u32 = 300;

/// A CD track that holds data but less than [`CD_MIN_TRACK_BLOCKS`] cannot
/// be closed. Drives differ here (some pad such a track with zeros, many
/// refuse; cdrecord's `-shorttrack` exists because of them), and wodim and
/// libburn never send one. The emulator takes the strict side so a writer
/// that forgets the padding fails in tests, not on a reader's drive. The
/// sense is 5/64/00 ILLEGAL MODE FOR THIS TRACK: it is the track, not the
/// order of commands, that is wrong, and the host can still fix it by
/// writing more blocks into the open track and closing again. A reserved
/// track is padded to its reservation on close, so that size counts.
fn refuse_short_cd_track(rec: &Recorded) -> Result<(), Sense> {
    let Some(track) = rec.open.as_ref().and_then(|o| o.current.as_ref()) else {
        return Ok(());
    };
    let blocks = track.closed().blocks;
    if blocks > 0 && blocks < CD_MIN_TRACK_BLOCKS {
        return Err(Sense::ILLEGAL_MODE_FOR_TRACK);
    }
    Ok(())
}

/// Closes the open session (and its open track); false if nothing was open.
/// A first session shorter than the profile's minimum is padded, as DVD-R
/// drives do when they write the first border.
fn close_session(rec: &mut Recorded, geometry: Geometry, capacity: u32) -> bool {
    match rec.open.take() {
        Some(OpenSession {
            mut closed,
            current,
        }) => {
            closed.extend(current.map(|t| t.closed()));
            let (Some(first), Some(last)) = (closed.first().copied(), closed.last_mut()) else {
                return false;
            };
            if rec.sessions.is_empty() {
                last.blocks = geometry.closed_first_session_track(
                    first.start,
                    last.start,
                    last.blocks,
                    capacity,
                );
            }
            rec.sessions.push(Session { tracks: closed });
            true
        }
        None => false,
    }
}

/// A drive closes the disc when not even the gap to another session fits.
fn auto_close_when_full(st: &mut DriveState) {
    let full = st.disc.next_track().is_none();
    if let Some(rec) = st.disc.recorded_mut() {
        if full && !rec.finalized && rec.open.is_none() && !rec.sessions.is_empty() {
            rec.finalized = true;
        }
    }
}

pub fn reserve_track(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    st.check_writable()?;
    if cdb[1] & 0x01 != 0 {
        // Reservation by LBA (ARSV) is not offered.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let size = be32(cdb, 5);
    if size == 0 {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let next = st
        .disc
        .next_track()
        .ok_or(Sense::INVALID_ADDRESS_FOR_WRITE)?;
    if next.written > 0 || next.reserved.is_some() {
        return Err(Sense::COMMAND_SEQUENCE_ERROR.into());
    }
    let size = layout::round_up(size, st.disc.geometry().align);
    if next.start as u64 + size as u64 > st.disc.capacity as u64 {
        return Err(Sense::LBA_OUT_OF_RANGE.into());
    }
    let Some(rec) = st.disc.recorded_mut() else {
        return Err(Sense::INCOMPATIBLE_MEDIUM.into());
    };
    let session = rec.open.get_or_insert_with(|| OpenSession {
        closed: Vec::new(),
        current: None,
    });
    session.current = Some(OpenTrack {
        start: next.start,
        blocks: 0,
        reserved: Some(size),
    });
    st.commit().map_err(|_| Sense::WRITE_ERROR)?;
    Ok(0)
}

pub fn format_unit(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    st.check_writable()?;
    if cdb[1] & 0x17 != 0x11 {
        // FmtData with format code 001b is the only form MMC uses.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let DataDirection::ToDevice(list) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    let list: &[u8] = list;
    if list.len() < 12 || be16(list, 2) != 8 {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
    }
    let immed = list[1] & 0x02 != 0;
    let kind = list[8] >> 2;
    let subtype = list[8] & 0x03;
    let disc = &mut st.disc;
    match (disc.profile, kind) {
        (Profile::DvdPlusRw | Profile::DvdPlusRwDl, 0x26)
        | (Profile::BdRe, 0x00 | 0x30 | 0x31)
        | (Profile::DvdMinusRwRestricted | Profile::DvdRam, 0x00) => {
            disc.medium = Medium::Overwritable { formatted: true };
        }
        (Profile::BdR, 0x00 | 0x32) if disc.is_blank() => {
            let pow = kind == 0x32 && subtype == 0;
            // The capacity is the one of the offered descriptors the host
            // chose (the spare area it leaves).
            let blocks = be32(list, 4);
            let offered = match kind {
                0x00 => blocks == layout::BD_FORMATTED_CAPACITY,
                _ => layout::BD_R_SRM_CAPACITIES.contains(&blocks),
            };
            if !offered {
                return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
            }
            disc.capacity = blocks;
            if let Some(rec) = disc.recorded_mut() {
                rec.bd_r_format = if pow {
                    BdRFormat::SrmPow
                } else {
                    BdRFormat::Srm
                };
            }
        }
        (Profile::DvdMinusRwSequential, 0x00 | 0x10 | 0x15) => {
            disc.profile = Profile::DvdMinusRwRestricted;
            disc.capacity = default_capacity(disc.profile).unwrap_or(disc.capacity);
            disc.medium = Medium::Overwritable { formatted: true };
            st.page05 = super::mode::Page05::default_for(Profile::DvdMinusRwRestricted);
        }
        (p, _)
            if p.write_model() == WriteModel::Sequential
                || p.write_model() == WriteModel::ReadOnly =>
        {
            return Err(Sense::CANNOT_FORMAT.into())
        }
        _ => return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into()),
    }
    st.commit().map_err(|_| Sense::WRITE_ERROR)?;
    if immed {
        let polls = st.disc.quirks.immed_busy_polls;
        st.load.start_busy(polls, Sense::FORMAT_IN_PROGRESS);
    }
    Ok(list.len())
}

pub fn blank(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    st.check_writable()?;
    let immed = cdb[1] & 0x10 != 0;
    let minimal = match cdb[1] & 0x07 {
        0 => false,
        1 => true,
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    };
    let profile = match st.disc.profile {
        Profile::CdRw => Profile::CdRw,
        Profile::DvdMinusRwSequential | Profile::DvdMinusRwRestricted => {
            Profile::DvdMinusRwSequential
        }
        _ => return Err(Sense::INCOMPATIBLE_MEDIUM.into()),
    };
    st.image()?.erase().map_err(|_| Sense::WRITE_ERROR)?;
    let disc = &mut st.disc;
    if disc.profile != profile {
        disc.profile = profile;
        disc.capacity = default_capacity(profile).unwrap_or(disc.capacity);
        st.page05 = super::mode::Page05::default_for(profile);
    }
    st.disc.medium = Medium::Recorded(Recorded {
        sessions: Vec::new(),
        open: None,
        finalized: false,
        bd_r_format: BdRFormat::Unformatted,
        incremental_lost: minimal && profile == Profile::DvdMinusRwSequential,
    });
    st.commit().map_err(|_| Sense::WRITE_ERROR)?;
    if immed {
        let polls = st.disc.quirks.immed_busy_polls;
        st.load.start_busy(polls, Sense::OPERATION_IN_PROGRESS);
    }
    Ok(0)
}
