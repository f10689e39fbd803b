//! Getting a sequential disc appendable again after an interrupted write.
//!
//! A session on write-once media is visible only once closed, so an
//! interrupted write leaves an open session holding whatever blocks reached
//! the disc, and the previous session stays the last complete one. That
//! open session cannot simply be continued: readers find a session's
//! volume descriptors at its start + 16, and those blocks may already hold
//! the interrupted session's descriptors, pointing at data that was never
//! written. Nor can it be skipped: MMC starts a new session only after the
//! open one is closed.
//!
//! Recovery therefore (1) marks the open session as abandoned — a few
//! marker blocks naming the last intact session — and closes it, then
//! (2) writes a small mirror session on top: 16 empty blocks and a copy of
//! the intact session's volume descriptor set. Descriptors address blocks
//! absolutely, so the mirror presents exactly the intact session's tree and
//! the next append imports it as usual. If power fails between (1) and
//! (2), the marker lets the next recovery find the intact session again
//! instead of mirroring the abandoned one.

use crate::burn::command;
use crate::burn::params;
use crate::burn::plan::Finish;
use crate::burn::progress::Flow;
use crate::burn::writer::DataWriter;
use crate::burn::WriteOptions;
use crate::error::{Error, Result, ResultExt};
use crate::fsi::{Anchor, SessionStream, BLOCK_SIZE};
use crate::hresult;
use crate::media::WriteModel;
use crate::mmc::cdb::CloseFunction;
use crate::mmc::{MediaInfo, SessionExtent, SessionState};
use crate::recorder::WriteGuard;

/// First bytes of an abandoned-session marker block.
const MARKER_MAGIC: &[u8; 24] = b"MULTISESSION ABANDONED\0\0";
/// No intact session was recorded in a marker.
const NO_SESSION: u32 = u32::MAX;
/// Volume descriptors copied at most (ECMA-119 sets are a handful).
const MAX_DESCRIPTORS: u32 = 32;

/// What [`DataWriter::recover`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// The last session was not left open; nothing was written.
    NotNeeded,
    /// The open session was closed as abandoned and a mirror of `intact`
    /// now starts at `mirror_start`.
    Restored {
        abandoned_marker: u32,
        intact: SessionExtent,
        mirror_start: u32,
    },
    /// The open session was closed as abandoned; it was the disc's first, so
    /// there is no earlier session to put back and the next session starts
    /// a new volume.
    Abandoned { abandoned_marker: u32 },
}

fn marker_block(intact: Option<SessionExtent>) -> [u8; BLOCK_SIZE] {
    let mut block = [0u8; BLOCK_SIZE];
    block[..24].copy_from_slice(MARKER_MAGIC);
    let (start, last) = intact.map_or((NO_SESSION, NO_SESSION), |s| (s.start, s.last_written));
    block[24..28].copy_from_slice(&start.to_le_bytes());
    block[28..32].copy_from_slice(&last.to_le_bytes());
    block
}

/// `Some(intact)` when `block` is a marker (`intact` itself `None` when
/// the abandoned session had no predecessor).
fn parse_marker(block: &[u8]) -> Option<Option<SessionExtent>> {
    if block.len() < 32 || &block[..24] != MARKER_MAGIC {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes(block[at..at + 4].try_into().expect("4 bytes"));
    Some((word(24) != NO_SESSION).then(|| SessionExtent {
        start: word(24),
        last_written: word(28),
    }))
}

/// The mirror session: 16 zero blocks, the copied descriptors, and one
/// zero block after them, where readers look for extended (UDF) descriptors
/// past the terminator.
struct Mirror {
    start: u32,
    descriptors: Vec<u8>,
}

impl SessionStream for Mirror {
    fn start_block(&self) -> u32 {
        self.start
    }

    fn total_blocks(&self) -> u32 {
        16 + (self.descriptors.len() / BLOCK_SIZE) as u32 + 1
    }

    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        for (i, block) in buf.chunks_mut(BLOCK_SIZE).enumerate() {
            let n = first as usize + i;
            let descriptors = self.descriptors.len() / BLOCK_SIZE;
            match n.checked_sub(16) {
                None => block.fill(0),
                Some(d) if d == descriptors => block.fill(0),
                Some(d) => block.copy_from_slice(
                    self.descriptors
                        .get(d * BLOCK_SIZE..(d + 1) * BLOCK_SIZE)
                        .ok_or_else(|| {
                            Error::new(
                                hresult::MS_E_INVALIDARG,
                                format!("mirror session block {n} is past its end"),
                            )
                        })?,
                ),
            }
        }
        Ok(())
    }

    fn anchor(&self) -> Option<Anchor> {
        None
    }

    fn read_anchor(&mut self, _buf: &mut [u8]) -> Result<()> {
        Ok(())
    }
}

/// The session a recovery must put back: the last complete one, unless
/// that is itself an abandoned session, whose marker names it. The marker
/// fills the end of its session; the last three blocks are looked at
/// because CD TAO tracks end in two unreadable run-out blocks.
fn intact_session(guard: &WriteGuard<'_>, info: &MediaInfo) -> Option<SessionExtent> {
    let last = info.previous_session?;
    let first = last.last_written.saturating_sub(2).max(last.start);
    (first..=last.last_written)
        .rev()
        .filter_map(|lba| command::read_block(guard, lba).ok())
        .find_map(|block| parse_marker(&block))
        .unwrap_or(Some(last))
}

/// The volume descriptor set of the session at `start`, through its
/// terminator.
fn descriptor_set(guard: &WriteGuard<'_>, start: u32) -> Result<Vec<u8>> {
    let mut set = Vec::new();
    for i in 0..MAX_DESCRIPTORS {
        let lba = start + 16 + i;
        let block = command::read_block(guard, lba)?;
        if &block[1..6] != b"CD001" {
            return Err(Error::new(
                hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
                format!("block {lba} of the intact session at LBA {start} is not an ISO 9660 volume descriptor"),
            ));
        }
        set.extend_from_slice(&block);
        if block[0] == 255 {
            return Ok(set);
        }
    }
    Err(Error::new(
        hresult::MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
        format!(
            "no descriptor set terminator within {MAX_DESCRIPTORS} blocks of LBA {}",
            start + 16
        ),
    ))
}

/// Writes, through `writer` and its options, a session that mirrors the
/// session at `start` (its volume descriptor set again); returns where it went.
pub(crate) fn write_mirror(writer: &DataWriter, start: u32) -> Result<u32> {
    let descriptors = {
        let guard = writer.recorder().lock_for_writing()?;
        descriptor_set(&guard, start)?
    };
    write_mirror_of(writer, descriptors)
}

fn write_mirror_of(writer: &DataWriter, descriptors: Vec<u8>) -> Result<u32> {
    let info = writer
        .recorder()
        .refresh()
        .context("probing the medium before writing a mirror session")?;
    let start = info.next_writable.ok_or_else(|| {
        Error::new(
            hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
            format!(
                "{}: no next writable address for the mirror session",
                info.profile
            ),
        )
    })?;
    let mut mirror = Mirror { start, descriptors };
    writer.write(&mut mirror, &mut |_| Flow::Continue)?;
    Ok(start)
}

impl DataWriter {
    /// Makes a sequential disc left with an open session by an interrupted
    /// write appendable again with the last intact session on top (see the
    /// module documentation). Does nothing on other discs. Run it before
    /// importing for the next append.
    pub fn recover(&self) -> Result<Recovery> {
        let info = self
            .recorder()
            .refresh()
            .context("probing the medium before recovery")?;
        if info.write_model() != WriteModel::Sequential
            || info.pseudo_overwrite
            || info.last_session != SessionState::Incomplete
        {
            return Ok(Recovery::NotNeeded);
        }
        let profile = info.profile;
        let nwa = info.next_writable.ok_or_else(|| {
            Error::new(
                hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
                format!("{profile}: the open session has no next writable address; the disc cannot be recovered"),
            )
        })?;
        let guard = self.recorder().lock_for_writing()?;
        let intact = intact_session(&guard, &info);
        let descriptors = intact
            .map(|s| descriptor_set(&guard, s.start))
            .transpose()?;

        if let Some(parameters) = params::write_parameters(profile, Finish::Appendable) {
            command::select_write_parameters(&guard, &parameters)?;
        }
        let unit = profile.write_unit();
        let count = (nwa + 3).div_ceil(unit) * unit - nwa;
        let marker = marker_block(intact);
        let markers: Vec<u8> = (0..count).flat_map(|_| marker).collect();
        command::write_blocks(&guard, nwa, &markers)
            .context(format_args!("writing {count} abandoned-session markers"))?;
        command::synchronize_cache(&guard).context("flushing the markers")?;
        command::close_last_track(&guard, CloseFunction::Session)
            .context("closing the abandoned session")?;
        drop(guard);

        let (Some(intact), Some(descriptors)) = (intact, descriptors) else {
            return Ok(Recovery::Abandoned {
                abandoned_marker: nwa,
            });
        };
        let mirror_writer = DataWriter::new(
            self.recorder().clone(),
            WriteOptions {
                force_media_to_be_closed: false,
                disable_consumer_dvd_compatibility_mode: true,
                verify: false,
                ..self.options().clone()
            },
        );
        let mirror_start = write_mirror_of(&mirror_writer, descriptors)
            .context("writing the mirror of the intact session")?;
        Ok(Recovery::Restored {
            abandoned_marker: nwa,
            intact,
            mirror_start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_with_and_without_an_intact_session() {
        let intact = SessionExtent {
            start: 12010,
            last_written: 17897,
        };
        assert_eq!(
            parse_marker(&marker_block(Some(intact))),
            Some(Some(intact))
        );
        assert_eq!(parse_marker(&marker_block(None)), Some(None));
        assert_eq!(parse_marker(&[0u8; BLOCK_SIZE]), None);
        assert_eq!(parse_marker(&MARKER_MAGIC[..]), None);
    }

    #[test]
    fn the_mirror_is_sixteen_empty_blocks_then_the_descriptors() {
        let mut descriptors = vec![1u8; BLOCK_SIZE];
        descriptors.extend(vec![255u8; BLOCK_SIZE]);
        let mut mirror = Mirror {
            start: 24800,
            descriptors,
        };
        assert_eq!(mirror.total_blocks(), 19);
        let mut buf = vec![9u8; 4 * BLOCK_SIZE];
        mirror.read_blocks(15, &mut buf).unwrap();
        assert!(buf[..BLOCK_SIZE].iter().all(|&b| b == 0));
        assert!(buf[BLOCK_SIZE..2 * BLOCK_SIZE].iter().all(|&b| b == 1));
        assert!(buf[2 * BLOCK_SIZE..3 * BLOCK_SIZE]
            .iter()
            .all(|&b| b == 255));
        assert!(buf[3 * BLOCK_SIZE..].iter().all(|&b| b == 0));
        assert!(mirror.read_blocks(19, &mut buf[..BLOCK_SIZE]).is_err());
    }
}
