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
//! (2) puts a session on top that readers and the next append can use:
//!
//! * When an intact session exists, a small mirror of it: 16 empty blocks
//!   and a copy of its volume descriptor set. Descriptors address blocks
//!   absolutely, so the mirror presents exactly the intact session's tree
//!   and the next append imports it as usual.
//! * When the abandoned session was the disc's first, there is nothing to
//!   mirror, and leaving the abandoned session on top would make every
//!   later import read its half-written descriptors. Instead an empty ISO
//!   9660 volume goes on top: the disc then reads as an empty file system,
//!   the next append imports an empty tree and its session holds exactly
//!   the files it adds — the retried first session, as if the interrupted
//!   one had never been started. Importers need no special case, and other
//!   systems mounting the disc see a valid (empty) volume, not garbage.
//!
//! Either step may itself be interrupted. During (1) the session is still
//! open and the next recovery starts over. During (2) the session on top
//! is open again and the next recovery abandons it too; its marker search
//! then finds the abandoned session below, whose marker names the intact
//! session (or none), so the same session is put back. If power fails
//! after the close of (1) and before (2) wrote anything, the disc is
//! appendable with the abandoned session on top: recovery also checks the
//! newest closed session for a marker and finishes (2).
//!
//! A BD-R formatted for Pseudo-Overwrite keeps one growing volume, as
//! overwritable media do, and its later sessions commit by rewriting the
//! descriptors at LBA 16 last: an interrupted later session leaves the
//! previous volume current and needs nothing here. Its first session has no
//! older descriptors to rewrite, so an interruption leaves LBA 16 unwritten
//! or describing blocks past the next writable address. Recovery then
//! writes markers up to the next cluster and puts an empty volume on top
//! the way a later session commits (its descriptors rewritten at LBA 16),
//! which leaves the disc as the retried first session expects it.

use crate::block::BLOCK_SIZE;
use crate::burn::command;
use crate::burn::params;
use crate::burn::plan::{Finish, CD_MIN_TRACK_BLOCKS};
use crate::burn::progress::Flow;
use crate::burn::writer::DataWriter;
use crate::burn::WriteOptions;
use crate::error::{Error, Result, ResultExt};
use crate::fsi::{build, Anchor, BuildOptions, SessionStream, Tree};
use crate::hresult;
use crate::media::{Family, WriteModel};
use crate::mmc::cdb::CloseFunction;
use crate::mmc::{DiscStatus, MediaInfo, SessionExtent, SessionState};
use crate::recorder::WriteGuard;
use crate::volume::{iso_volume_space_size, PVD_LBA, UDF_ANCHOR_LBA};

/// First bytes of an abandoned-session marker block.
const MARKER_MAGIC: &[u8; 24] = b"MULTISESSION ABANDONED\0\0";
/// No intact session was recorded in a marker.
const NO_SESSION: u32 = u32::MAX;
/// Marker blocks written at least. The newest session's last written
/// block, as a drive reports it, may or may not count the two run-out
/// blocks of a CD TAO track (docs/mmc-notes.md §6.3); with five markers the block two
/// before it is a marker either way, so one READ finds it and no READ
/// touches the unreadable run-out.
const MIN_MARKERS: u32 = 5;
/// Volume descriptors copied at most (ECMA-119 sets are a handful).
const MAX_DESCRIPTORS: u32 = 32;

/// What [`DataWriter::recover`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// No interrupted write was left behind; nothing was written.
    NotNeeded,
    /// The open session was closed as abandoned (a marker at
    /// `abandoned_marker`) and a mirror of `intact` now starts at
    /// `mirror_start`.
    Restored {
        /// Where the block marking the abandoned session was written.
        abandoned_marker: u32,
        /// The newest complete session, the one mirrored.
        intact: SessionExtent,
        /// Where the mirror, now the newest session, starts.
        mirror_start: u32,
    },
    /// The open session was the disc's first: it was closed as abandoned
    /// and an empty volume now starts at `volume_start`, so the next
    /// session starts a new tree (see the module documentation).
    Emptied {
        /// Where the block marking the abandoned session was written.
        abandoned_marker: u32,
        /// Where the empty volume starts.
        volume_start: u32,
    },
}

/// A marker block: the magic, the intact session it names (or none) and
/// its own address, so a copy of a marker inside a file elsewhere on the
/// disc is not taken for one.
fn marker_block(lba: u32, intact: Option<SessionExtent>) -> [u8; BLOCK_SIZE] {
    let mut block = [0u8; BLOCK_SIZE];
    block[..24].copy_from_slice(MARKER_MAGIC);
    let (start, last) = intact.map_or((NO_SESSION, NO_SESSION), |s| (s.start, s.last_written));
    block[24..28].copy_from_slice(&start.to_le_bytes());
    block[28..32].copy_from_slice(&last.to_le_bytes());
    block[32..36].copy_from_slice(&lba.to_le_bytes());
    block
}

/// `Some(intact)` when `block`, read at `lba`, is a marker written there
/// (`intact` itself `None` when the abandoned session had no predecessor);
/// a named session must lie before the marker.
fn parse_marker(block: &[u8], lba: u32) -> Option<Option<SessionExtent>> {
    if block.len() < 36 || &block[..24] != MARKER_MAGIC {
        return None;
    }
    let word =
        |at: usize| u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]);
    if word(32) != lba {
        return None;
    }
    if word(24) == NO_SESSION {
        return Some(None);
    }
    let intact = SessionExtent {
        start: word(24),
        last_written: word(28),
    };
    (intact.start <= intact.last_written && intact.last_written < lba).then_some(Some(intact))
}

/// An abandoned session: where one of its markers is and the session it
/// names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Abandoned {
    marker: u32,
    intact: Option<SessionExtent>,
}

/// `session` as abandoned, when it ends in markers (see [`MIN_MARKERS`]).
fn abandoned(guard: &WriteGuard<'_>, session: SessionExtent) -> Option<Abandoned> {
    let lba = session.last_written.saturating_sub(2).max(session.start);
    let block = command::read_block(guard, lba).ok()?;
    parse_marker(&block, lba).map(|intact| Abandoned {
        marker: lba,
        intact,
    })
}

/// The session a recovery must put back: the newest closed one, unless
/// that is itself abandoned, whose marker names it.
fn intact_session(guard: &WriteGuard<'_>, info: &MediaInfo) -> Option<SessionExtent> {
    let newest = info.previous_session?;
    match abandoned(guard, newest) {
        Some(found) => found.intact,
        None => Some(newest),
    }
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

/// The session recovery puts on top of an abandoned one.
enum PutBack {
    Mirror {
        intact: SessionExtent,
        descriptors: Vec<u8>,
    },
    EmptyVolume,
}

impl PutBack {
    /// Reads what a mirror of `intact` needs, before anything is written,
    /// so a disc whose intact session cannot be mirrored is left as it is.
    fn of(guard: &WriteGuard<'_>, intact: Option<SessionExtent>) -> Result<PutBack> {
        Ok(match intact {
            Some(intact) => PutBack::Mirror {
                intact,
                descriptors: descriptor_set(guard, intact.start)?,
            },
            None => PutBack::EmptyVolume,
        })
    }
}

/// Writes, through `writer` and its options, a session that mirrors the
/// session at `start` (its volume descriptor set again); returns where it went.
pub(crate) fn write_mirror(writer: &DataWriter, start: u32) -> Result<u32> {
    let descriptors = {
        let guard = writer.recorder().lock_for_writing()?;
        descriptor_set(&guard, start)?
    };
    write_on_top(writer, "a mirror session", |_, start| {
        Ok(Box::new(Mirror { start, descriptors }))
    })
}

/// Writes the session `make` builds for the next writable address; returns
/// that address.
fn write_on_top(
    writer: &DataWriter,
    what: &str,
    make: impl FnOnce(&MediaInfo, u32) -> Result<Box<dyn SessionStream>>,
) -> Result<u32> {
    let info = writer
        .recorder()
        .refresh()
        .context(format_args!("probing the medium before writing {what}"))?;
    let start = info.next_writable.ok_or_else(|| {
        Error::new(
            hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
            format!("{}: no next writable address for {what}", info.profile),
        )
    })?;
    let mut session = make(&info, start)?;
    writer.write(session.as_mut(), &mut |_| Flow::Continue)?;
    Ok(start)
}

/// Closes the open session as abandoned: markers naming `intact` from the
/// next writable address up to a write-unit boundary (on CD, at least a
/// minimum track's worth), flushed, then CLOSE
/// TRACK and CLOSE SESSION with page 05 allowing a next session. Returns
/// the first marker's address.
fn abandon(guard: &WriteGuard<'_>, info: &MediaInfo, intact: Option<SessionExtent>) -> Result<u32> {
    let profile = info.profile;
    let nwa = info.next_writable.ok_or_else(|| {
        Error::new(
            hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
            format!("{profile}: the open session has no next writable address; the disc cannot be recovered"),
        )
    })?;
    if let Some(parameters) = params::write_parameters(profile, Finish::Appendable) {
        command::select_write_parameters(guard, &parameters)?;
    }
    let mut count = markers_to_unit(nwa, profile.write_unit());
    if profile.family() == Family::Cd {
        // The open track may hold fewer blocks than a CD track's minimum,
        // and a drive refuses to close it then. Its start is not probed;
        // a minimum's worth of markers is enough wherever it started.
        count = count.max(CD_MIN_TRACK_BLOCKS);
    }
    write_markers(guard, nwa, count, intact)?;
    command::close_last_track(guard, CloseFunction::Session)
        .context("closing the abandoned session")?;
    Ok(nwa)
}

/// Markers from `nwa` to the first write-unit boundary at least
/// [`MIN_MARKERS`] blocks on.
fn markers_to_unit(nwa: u32, unit: u32) -> u32 {
    let unit = unit.max(1);
    (nwa + MIN_MARKERS).div_ceil(unit) * unit - nwa
}

/// Writes `count` markers naming `intact` from `nwa` and flushes them.
fn write_markers(
    guard: &WriteGuard<'_>,
    nwa: u32,
    count: u32,
    intact: Option<SessionExtent>,
) -> Result<()> {
    let markers: Vec<u8> = (nwa..nwa + count)
        .flat_map(|lba| marker_block(lba, intact))
        .collect();
    command::write_blocks(guard, nwa, &markers)
        .context(format_args!("writing {count} abandoned-session markers"))?;
    command::synchronize_cache(guard).context("flushing the markers")
}

impl DataWriter {
    /// Makes a sequential disc left with an open session by an interrupted
    /// write appendable again, with the last intact session (or, when the
    /// interrupted session was the disc's first, an empty volume) on top;
    /// also finishes a recovery that was itself interrupted. On a
    /// Pseudo-Overwrite BD-R whose first session was interrupted, puts an
    /// empty volume on top. See the module documentation. Does nothing on
    /// other discs. Run it before importing for the next append.
    pub fn recover(&self) -> Result<Recovery> {
        let info = self
            .recorder()
            .refresh()
            .context("probing the medium before recovery")?;
        if info.pseudo_overwrite {
            return self.recover_pseudo_overwrite();
        }
        if info.write_model() != WriteModel::Sequential
            || info.disc_status != DiscStatus::Appendable
        {
            return Ok(Recovery::NotNeeded);
        }
        let guard = self.recorder().lock_for_writing()?;
        // Under the lock again: a writer that just let go changed the disc.
        let info = self
            .recorder()
            .refresh()
            .context("probing the medium before recovery")?;
        if info.disc_status != DiscStatus::Appendable {
            return Ok(Recovery::NotNeeded);
        }
        let (marker, put_back) = if info.last_session == SessionState::Incomplete {
            let intact = intact_session(&guard, &info);
            let put_back = PutBack::of(&guard, intact)?;
            (abandon(&guard, &info, intact)?, put_back)
        } else {
            // Interrupted after (1): the abandoned session is the newest.
            match info.previous_session.and_then(|s| abandoned(&guard, s)) {
                Some(found) => (found.marker, PutBack::of(&guard, found.intact)?),
                None => return Ok(Recovery::NotNeeded),
            }
        };
        drop(guard);

        let on_top = self.writer_on_top();
        match put_back {
            PutBack::Mirror {
                intact,
                descriptors,
            } => {
                let mirror_start =
                    write_on_top(&on_top, "the mirror of the intact session", |_, start| {
                        Ok(Box::new(Mirror { start, descriptors }))
                    })?;
                Ok(Recovery::Restored {
                    abandoned_marker: marker,
                    intact,
                    mirror_start,
                })
            }
            PutBack::EmptyVolume => Ok(Recovery::Emptied {
                abandoned_marker: marker,
                volume_start: write_empty_volume(&on_top, false)?,
            }),
        }
    }

    /// A writer for what recovery puts on top: it never closes the disc
    /// and does not verify (the next import reads what it wrote).
    fn writer_on_top(&self) -> DataWriter {
        DataWriter::new(
            self.recorder().clone(),
            WriteOptions {
                force_media_to_be_closed: false,
                disable_consumer_dvd_compatibility_mode: true,
                verify: false,
                ..self.options().clone()
            },
        )
    }

    /// [`recover`](Self::recover) on a Pseudo-Overwrite BD-R: only an
    /// interrupted first session needs anything (module documentation).
    fn recover_pseudo_overwrite(&self) -> Result<Recovery> {
        let abandoned_marker = {
            let guard = self.recorder().lock_for_writing()?;
            let info = self
                .recorder()
                .refresh()
                .context("probing the medium before recovery")?;
            if !interrupted_first_volume(&guard, &info) {
                return Ok(Recovery::NotNeeded);
            }
            let nwa = info.next_writable.ok_or_else(|| {
                Error::new(
                    hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
                    format!("{}: the interrupted first session has no next writable address; the disc cannot be recovered", info.profile),
                )
            })?;
            // Markers reach past LBA 256 too: a later UDF bridge session
            // rewrites its anchor there, which must lie before its data.
            let unit = info.write_unit.max(1);
            let end = (nwa + MIN_MARKERS).max(UDF_ANCHOR_LBA + 1).div_ceil(unit) * unit;
            write_markers(&guard, nwa, end - nwa, None)?;
            nwa
        };
        Ok(Recovery::Emptied {
            abandoned_marker,
            volume_start: write_empty_volume(&self.writer_on_top(), true)?,
        })
    }
}

/// Whether the first volume of a Pseudo-Overwrite BD-R was interrupted:
/// written by a session that never finished (the last session is open
/// while LBA 16 is unwritten, or holds a primary descriptor whose volume
/// reaches past the next writable address). Anything else at LBA 16 is
/// left alone: it is not ours to hide under an empty volume.
fn interrupted_first_volume(guard: &WriteGuard<'_>, info: &MediaInfo) -> bool {
    let Some(nwa) = info.next_writable else {
        return false;
    };
    if info.last_session != SessionState::Incomplete || nwa == 0 {
        return false;
    }
    if nwa <= PVD_LBA {
        return true;
    }
    match command::read_block(guard, PVD_LBA) {
        Err(_) => true,
        Ok(block) => match iso_volume_space_size(&block) {
            Ok(Some(blocks)) => blocks > nwa,
            Ok(None) => false,
            Err(_) => true,
        },
    }
}

/// An empty ISO 9660 volume at the next writable address; with
/// `commit_at_pvd` (Pseudo-Overwrite) its descriptors are also rewritten at
/// LBA 16, last, as a later session's are. Returns where it went.
fn write_empty_volume(writer: &DataWriter, commit_at_pvd: bool) -> Result<u32> {
    write_on_top(writer, "an empty volume", |info, start| {
        let options = BuildOptions {
            start_block: start,
            write_unit: info.write_unit,
            free_blocks: Some(info.free_blocks),
            random_write: commit_at_pvd,
            ..BuildOptions::default()
        };
        Ok(Box::new(build(std::sync::Arc::new(Tree::new()), &options)?))
    })
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
            parse_marker(&marker_block(18_000, Some(intact)), 18_000),
            Some(Some(intact))
        );
        assert_eq!(parse_marker(&marker_block(40, None), 40), Some(None));
        assert_eq!(parse_marker(&[0u8; BLOCK_SIZE], 40), None);
        assert_eq!(parse_marker(&MARKER_MAGIC[..], 40), None);
    }

    #[test]
    fn a_marker_counts_only_where_it_was_written_and_after_what_it_names() {
        let intact = SessionExtent {
            start: 12010,
            last_written: 17897,
        };
        // A copy of a marker at another address (inside a file, say).
        assert_eq!(
            parse_marker(&marker_block(18_000, Some(intact)), 30_000),
            None
        );
        // A marker naming a session that does not end before it.
        assert_eq!(
            parse_marker(&marker_block(17_000, Some(intact)), 17_000),
            None
        );
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
