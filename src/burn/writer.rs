//! `DataWriter`: one session onto the medium, IMAPI's
//! `IDiscFormat2Data::Write` with its progress events and cancel.
//!
//! Crash safety (docs/architecture.md) is the order of commands, not a recovery step:
//!
//! * Sequential media: the session is written at the next writable address
//!   and becomes visible only through CLOSE TRACK/SESSION at the very end.
//!   A cancel, a failed WRITE or a power loss before that sends nothing more
//!   (a cancel only flushes the drive's cache): the interrupted session stays
//!   open, so the previous session remains the last complete one and every
//!   reader still sees the disc as it was. The next write is refused until
//!   [`DataWriter::recover`] closes that session and puts the intact one
//!   (or, after an interrupted first session, an empty volume) back on top
//!   (see [`crate::burn::recover`]).
//! * Overwritable media (and BD-R pseudo-overwrite): the session data goes
//!   to free blocks after the previous image, is flushed, and only then are
//!   the anchor blocks (the volume descriptors at LBA 16–31; first, for a
//!   UDF bridge, its anchor at LBA 256) rewritten. An
//!   interruption at any point before that rewrite leaves the old
//!   descriptors, hence the previous session, current and untouched.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::block::BLOCK_SIZE;
use crate::burn::command::{self, CHUNK_BLOCKS};
use crate::burn::plan::{self, Finish, Plan, StreamShape};
use crate::burn::progress::{CancelToken, EraseProgress, Flow, Progress, Reporter, WriteAction};
use crate::burn::stream::StreamSession;
use crate::burn::write_behind::{write_behind, Batch, BATCH_BLOCKS};
use crate::burn::WriteOptions;
use crate::error::{Cause, Error, Result, ResultExt};
use crate::fsi::{Anchor, SessionStream};
use crate::hresult;
use crate::media::Profile;
use crate::mmc::cdb::{BlankType, CloseFunction};
use crate::mmc::FormatState;
use crate::recorder::{Recorder, WriteGuard};
use crate::volume::{PVD_LBA, UDF_ANCHOR_LBA};

/// How a finished write left the medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Sequential media: the session was closed; `Finalized` when no
    /// further session can be added.
    SessionClosed(Finish),
    /// Overwritable media: the data is on the medium and, when the stream
    /// had one, the anchor was rewritten last.
    Committed {
        /// The anchor rewritten, `None` when the stream had none.
        anchor: Option<Anchor>,
    },
}

/// What a successful write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteReport {
    /// First LBA of the written session.
    pub start_lba: u32,
    /// Blocks written for the session (the stream, padded to whole packets
    /// where the medium needs it and on CD to the 300-block minimum track),
    /// not counting the anchor.
    pub sectors: u32,
    /// How the session ended on the medium.
    pub outcome: Outcome,
    /// Whether the verify pass read everything back and found it equal.
    pub verified: bool,
    /// Wall time of the whole write, verify included.
    pub elapsed: Duration,
}

/// Writes sessions to one recorder.
pub struct DataWriter {
    recorder: Arc<Recorder>,
    options: WriteOptions,
    cancel: Option<CancelToken>,
}

/// Announces an action that comes before any WRITE; a cancel there has
/// nothing to undo.
fn before_writing(reporter: &mut Reporter<'_>, action: WriteAction) -> Result<()> {
    match reporter.milestone(action, 0) {
        Flow::Cancel => Err(Error::cancelled(format_args!(
            "at {} before anything was written",
            action.name()
        ))),
        Flow::Continue => Ok(()),
    }
}

impl DataWriter {
    /// A writer of `recorder` with IMAPI's write options.
    pub fn new(recorder: Arc<Recorder>, options: WriteOptions) -> DataWriter {
        DataWriter {
            recorder,
            options,
            cancel: None,
        }
    }

    /// Lets `token` cancel this writer's writes from any thread, as the
    /// progress callback's [`Flow::Cancel`] would.
    pub fn cancel_on(mut self, token: CancelToken) -> DataWriter {
        self.cancel = Some(token);
        self
    }

    /// The recorder this writer writes to.
    pub fn recorder(&self) -> &Arc<Recorder> {
        &self.recorder
    }

    /// The options every write of this writer uses.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    /// Writes `stream` as the next session.
    ///
    /// `progress` receives every action change and, while writing or
    /// verifying, an event at most every `options.progress_interval`.
    /// Answering [`Flow::Cancel`] stops the write before the next WRITE
    /// command and returns `E_IMAPI_REQUEST_CANCELLED`, leaving the medium
    /// as described in the module documentation. Once the data is written
    /// the commit (close or anchor) is not interruptible and later answers
    /// are ignored.
    pub fn write(
        &self,
        stream: &mut dyn SessionStream,
        progress: &mut dyn FnMut(&Progress) -> Flow,
    ) -> Result<WriteReport> {
        let shape = StreamShape::of(stream);
        let mut reporter = self.validating(progress, &shape)?;
        // The lock first: while another writer holds it, its open session
        // is work in progress, not an interrupted write to recover.
        let (guard, info) = self.lock_and_probe()?;
        self.write_locked(guard, &info, stream, &shape, &mut reporter)
    }

    /// Writes `size` bytes of `reader` (a stream the library did not build,
    /// see [`StreamSession`]) as the next session.
    ///
    /// The caller's stream can be read only once, and a medium that cannot
    /// take it must not cost the caller its bytes: the writer lock is taken
    /// and the medium checked before the first byte is read, so a drive
    /// held by another writer or a finalized disc leaves `reader` untouched.
    pub fn write_stream(
        &self,
        size: u64,
        reader: Box<dyn std::io::Read + Send>,
        progress: &mut dyn FnMut(&Progress) -> Flow,
    ) -> Result<WriteReport> {
        if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            return Err(Error::cancelled("before anything was read or written"));
        }
        let (guard, info) = self.lock_and_probe()?;
        plan::refuse_unwritable(&info)?;
        let mut stream = StreamSession::new(&self.recorder, size, reader)?;
        let shape = StreamShape::of(&stream);
        let mut reporter = self.validating(progress, &shape)?;
        self.write_locked(guard, &info, &mut stream, &shape, &mut reporter)
    }

    /// The reporter of a write of `shape`, after its first event
    /// (validating the medium), at which the caller may cancel.
    fn validating<'p>(
        &self,
        progress: &'p mut dyn FnMut(&Progress) -> Flow,
        shape: &StreamShape,
    ) -> Result<Reporter<'p>> {
        let mut reporter = Reporter::new(
            progress,
            self.options.progress_interval,
            shape.start,
            shape.blocks,
        );
        reporter.cancel_on(self.cancel.clone());
        before_writing(&mut reporter, WriteAction::ValidatingMedia)?;
        Ok(reporter)
    }

    /// The writer lock, then the medium as it is now.
    fn lock_and_probe(&self) -> Result<(WriteGuard<'_>, crate::mmc::MediaInfo)> {
        let guard = self.recorder.lock_for_writing()?;
        let info = self
            .recorder
            .refresh()
            .context("probing the medium before writing")?;
        Ok((guard, info))
    }

    /// The write after the lock is held and the medium probed.
    fn write_locked(
        &self,
        guard: WriteGuard<'_>,
        info: &crate::mmc::MediaInfo,
        stream: &mut dyn SessionStream,
        shape: &StreamShape,
        reporter: &mut Reporter<'_>,
    ) -> Result<WriteReport> {
        let shape = *shape;
        let profile = info.profile;
        let decided = self.prepare(&guard, info, &shape, reporter)?;
        let sectors = match decided {
            Plan::Sequential { padded_blocks, .. } | Plan::Overwrite { padded_blocks, .. } => {
                padded_blocks
            }
        };
        let mut session = SessionBlocks {
            stream,
            start: shape.start,
            real: shape.blocks,
            padded: sectors,
        };
        // A first session on overwritable media holds back its volume
        // descriptors and anchor until the rest is on the disc.
        let volume_last = matches!(decided, Plan::Overwrite { anchor: None, .. })
            && !info.pseudo_overwrite
            && shape.start <= PVD_LBA;
        let digests = self.write_data(&guard, info, &mut session, reporter, volume_last)?;
        reporter.milestone(WriteAction::WritingData, sectors);

        reporter.milestone(WriteAction::Finalization, sectors);
        command::synchronize_cache(&guard).context("flushing the session data")?;
        let committed = commit(&guard, &decided, &mut session, profile)?;

        let verified = match digests {
            Some(digests) => {
                verify_session(&guard, &session, &digests, reporter)?;
                committed.verify(&guard, shape.second_anchor)?;
                true
            }
            None => false,
        };
        drop(guard);
        reporter.milestone(WriteAction::Completed, sectors);
        Ok(WriteReport {
            start_lba: shape.start,
            sectors,
            outcome: committed.outcome,
            verified,
            elapsed: reporter.elapsed(),
        })
    }

    /// Everything before the first WRITE: the plan, a format the plan asks
    /// for (then the plan again, for the formatted medium), the overwrite
    /// check and the write parameters, each announced as IMAPI does.
    fn prepare(
        &self,
        guard: &WriteGuard<'_>,
        info: &crate::mmc::MediaInfo,
        shape: &StreamShape,
        reporter: &mut Reporter<'_>,
    ) -> Result<Plan> {
        let mut decided = plan::plan(info, shape, &self.options)?;
        let profile = info.profile;

        if let Plan::Overwrite {
            format_first: true, ..
        } = decided
        {
            before_writing(reporter, WriteAction::FormattingMedia)?;
            format_medium(guard, profile, &mut |_| Flow::Continue)?;
            let info = self
                .recorder
                .refresh()
                .context("probing the medium after formatting")?;
            decided = plan::plan(&info, shape, &self.options)?;
        }
        if let Plan::Overwrite {
            check_volume: true, ..
        } = decided
        {
            self.refuse_overwriting_a_volume(guard, shape, profile)?;
        }

        before_writing(reporter, WriteAction::InitializingHardware)?;
        if let Plan::Sequential {
            parameters: Some(parameters),
            ..
        } = decided
        {
            command::select_write_parameters(guard, &parameters)?;
        }
        // Drives calibrate laser power on their own at the first WRITE;
        // the event is kept so callers see IMAPI's sequence.
        before_writing(reporter, WriteAction::CalibratingPower)?;
        Ok(decided)
    }

    /// The session's blocks, and their digests when the options ask for a
    /// verify pass.
    fn write_data(
        &self,
        guard: &WriteGuard<'_>,
        info: &crate::mmc::MediaInfo,
        session: &mut SessionBlocks<'_>,
        reporter: &mut Reporter<'_>,
        volume_last: bool,
    ) -> Result<Option<Vec<u64>>> {
        before_writing(reporter, WriteAction::WritingData)?;
        // Verification compares against digests taken while writing: a
        // caller's stream can be read only once, and reading local files a
        // second time would compare the source with itself, not the disc.
        let mut digests = self.options.verify.then(Vec::new);
        if let Some(nwa) = info.next_writable.filter(|_| info.pseudo_overwrite) {
            pad_up_to(guard, nwa, session.start)?;
        }
        if let Err(stop) = write_session(guard, session, reporter, digests.as_mut(), volume_last) {
            if stop.cause() == Cause::Cancelled {
                // Leave what reached the drive consistent; the session stays
                // open (sequential) or uncommitted (overwritable).
                command::synchronize_cache(guard).context("flushing after the cancel")?;
            }
            return Err(stop);
        }
        Ok(digests)
    }

    /// An anchorless session covering LBA 16 replaces whatever volume is on
    /// an overwritable medium; IMAPI asks for ForceOverwrite then (the plan
    /// decides when the check applies).
    fn refuse_overwriting_a_volume(
        &self,
        guard: &WriteGuard<'_>,
        shape: &StreamShape,
        profile: Profile,
    ) -> Result<()> {
        let block =
            command::read_block(guard, 16).context("checking LBA 16 for an existing volume")?;
        if matches!(block[0], 1 | 2 | 0xFF) && &block[1..6] == b"CD001" {
            return Err(Error::new(
                hresult::MS_E_IMAPI_DF2DATA_MEDIA_NOT_BLANK,
                format!(
                    "{profile} medium holds an ISO 9660 volume at LBA 16 that a session starting at LBA {} would overwrite; set force_overwrite or append a session with a commit anchor",
                    shape.start
                ),
            ));
        }
        Ok(())
    }

    /// Blanks CD-RW and DVD-RW (BLANK; DVD-RW always fully, because a
    /// minimal blank leaves it without incremental recording, hence without
    /// multisession), and makes overwritable media look blank by zeroing
    /// their first 32 blocks, where every ISO 9660 session chain starts.
    pub fn erase(&self, full: bool) -> Result<()> {
        self.erase_with_progress(full, &mut |_| Flow::Continue)
    }

    /// [`erase`](Self::erase) with IMAPI's erase events: one before the
    /// drive is told (answering [`Flow::Cancel`] there stops with
    /// `E_IMAPI_REQUEST_CANCELLED` and the medium unchanged), one per poll
    /// while the drive reports the blank in progress, one when it is done.
    /// A drive cannot stop a blank it started, so later answers are ignored.
    pub fn erase_with_progress(
        &self,
        full: bool,
        progress: &mut dyn FnMut(&EraseProgress) -> Flow,
    ) -> Result<()> {
        let info = self
            .recorder
            .refresh()
            .context("probing the medium before erasing")?;
        let profile = info.profile;
        if info.write_protect.is_protected() {
            return Err(Error::new(
                hresult::MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
                format!("{profile} medium is write-protected"),
            ));
        }
        let guard = self.recorder.lock_for_writing()?;
        let kind = if full {
            BlankType::Full
        } else {
            BlankType::Minimal
        };
        if !matches!(
            profile,
            Profile::CdRw
                | Profile::DvdMinusRwSequential
                | Profile::DvdMinusRwRestricted
                | Profile::DvdPlusRw
                | Profile::DvdPlusRwDl
                | Profile::BdRe
                | Profile::DvdRam
        ) {
            return Err(Error::new(
                hresult::MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED,
                format!("{profile} media cannot be erased"),
            ));
        }
        let clock = OperationClock::start(usual_duration(profile, full), progress)
            .map_err(|_| Error::cancelled("before erasing; the medium is unchanged"))?;
        match profile {
            Profile::CdRw => command::blank(&guard, kind)?,
            Profile::DvdMinusRwSequential | Profile::DvdMinusRwRestricted => {
                command::blank(&guard, BlankType::Full)?
            }
            _ => {
                if info.format != FormatState::Unformatted {
                    let zeros = vec![0u8; 32 * BLOCK_SIZE];
                    command::write_blocks(&guard, 0, &zeros).context("zeroing LBA 0-31")?;
                    command::synchronize_cache(&guard).context("flushing the erase")?;
                }
            }
        }
        clock.wait(&guard, progress)
    }

    /// Formats DVD+RW and BD-RE (FORMAT UNIT with the drive's offered
    /// full-format descriptor).
    pub fn format(&self) -> Result<()> {
        self.format_with_progress(&mut |_| Flow::Continue)
    }

    /// [`format`](Self::format) with the events of
    /// [`erase_with_progress`](Self::erase_with_progress), and the same
    /// cancel rule.
    pub fn format_with_progress(
        &self,
        progress: &mut dyn FnMut(&EraseProgress) -> Flow,
    ) -> Result<()> {
        let info = self
            .recorder
            .refresh()
            .context("probing the medium before formatting")?;
        let guard = self.recorder.lock_for_writing()?;
        format_medium(&guard, info.profile, progress)
    }

    /// Finalizes an appendable sequential disc. DVD+R and BD-R have close
    /// functions for that. CD and DVD-R/RW close through page 05 when a
    /// session is closed, so there a small session mirroring the newest one
    /// (its volume descriptors again, see `burn::recover`) is
    /// written with the disc closed after it; the visible files stay the same.
    pub fn close_disc(&self) -> Result<()> {
        let info = self
            .recorder
            .refresh()
            .context("probing the medium before closing")?;
        let profile = info.profile;
        if profile.write_model() != crate::media::WriteModel::Sequential || info.pseudo_overwrite {
            return Err(Error::new(
                hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
                format!("{profile} media have no closed state"),
            ));
        }
        if info.disc_status != crate::mmc::DiscStatus::Appendable {
            return Err(Error::new(
                hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
                format!("{profile} disc is {:?}, not appendable", info.disc_status),
            ));
        }
        let function = match profile {
            Profile::DvdPlusRDl => CloseFunction::FinalizeMinimalRadius,
            Profile::DvdPlusR | Profile::BdR => CloseFunction::FinalizeDisc,
            _ => {
                let newest = info.previous_session.ok_or_else(|| {
                    Error::new(
                        hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
                        format!("{profile} disc has no session to close"),
                    )
                })?;
                let closing = DataWriter::new(
                    self.recorder.clone(),
                    WriteOptions {
                        force_media_to_be_closed: true,
                        ..self.options.clone()
                    },
                );
                return crate::burn::recover::write_mirror(&closing, newest.start)
                    .map(|_| ())
                    .context("writing the closing session");
            }
        };
        let guard = self.recorder.lock_for_writing()?;
        command::close(&guard, function).context("finalizing the disc")
    }
}

/// Zeros from `nwa` up to `start`, where a Pseudo-Overwrite session begins
/// on the next cluster: the drive takes new data only at its next writable
/// address.
fn pad_up_to(guard: &WriteGuard<'_>, nwa: u32, start: u32) -> Result<()> {
    if start <= nwa {
        return Ok(());
    }
    let zeros = vec![0u8; (start - nwa) as usize * BLOCK_SIZE];
    command::write_blocks(guard, nwa, &zeros).context(format_args!(
        "padding from the next writable address {nwa} to the session at LBA {start}"
    ))
}

/// The blocks of one session as written: the stream, then zeros up to the
/// padded length.
struct SessionBlocks<'s> {
    stream: &'s mut dyn SessionStream,
    start: u32,
    real: u32,
    padded: u32,
}

impl SessionBlocks<'_> {
    /// Fills `buf` with session blocks from `first` (relative).
    fn read(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        let count = (buf.len() / BLOCK_SIZE) as u32;
        let from_stream = self.real.saturating_sub(first).min(count) as usize;
        let (data, padding) = buf.split_at_mut(from_stream * BLOCK_SIZE);
        if !data.is_empty() {
            self.stream.read_blocks(first, data).context(format_args!(
                "reading session blocks {first}+{from_stream} from the stream"
            ))?;
        }
        padding.fill(0);
        Ok(())
    }

    /// The chunks `(relative first block, blocks)` of the session, cut at
    /// multiples of [`CHUNK_BLOCKS`] counted from LBA 0 so every WRITE
    /// after the first starts on a write-unit boundary.
    fn chunks(&self) -> impl Iterator<Item = (u32, u32)> {
        let (start, padded) = (self.start, self.padded);
        let mut done = 0u32;
        std::iter::from_fn(move || {
            if done >= padded {
                return None;
            }
            let lba = start + done;
            let to_boundary = CHUNK_BLOCKS - lba % CHUNK_BLOCKS;
            let n = to_boundary.min(padded - done);
            let chunk = (done, n);
            done += n;
            Some(chunk)
        })
    }
}

/// Writes every chunk of the session; with `digests`, also records the
/// digest of each chunk for [`verify_session`].
///
/// With `volume_last` the chunks holding the volume descriptors (LBA 16)
/// and a UDF bridge's anchor (LBA 256) go last, after a flush of the rest:
/// a first session on overwritable media has no older descriptors to keep
/// current, so an interrupted write must leave none pointing at blocks
/// that were never written (the disc then reads as before: blank).
fn write_session(
    guard: &WriteGuard<'_>,
    session: &mut SessionBlocks<'_>,
    reporter: &mut Reporter<'_>,
    mut digests: Option<&mut Vec<u64>>,
    volume_last: bool,
) -> Result<()> {
    let start = session.start;
    // The stream is read in order (a caller's stream may be read only
    // once); the chunks that commit the volume are kept until the end.
    let mut held: Vec<(u32, Batch)> = Vec::new();
    write_behind(guard, |drive| {
        // Contiguous chunks gathered into one batch from `batch_lba`.
        let mut batch = drive.batch();
        let mut batch_lba = start;
        let mut read = || -> Result<()> {
            for (first, n) in session.chunks() {
                // `first` blocks are queued for the drive: what a write in
                // line would have sent by now.
                if reporter.tick(WriteAction::WritingData, first) == Flow::Cancel {
                    return Err(Error::cancelled(format!(
                        "after {first} of {} blocks at LBA {start}",
                        session.padded
                    )));
                }
                let lbas = start + first..start + first + n;
                let hold =
                    volume_last && [PVD_LBA, UDF_ANCHOR_LBA].iter().any(|l| lbas.contains(l));
                let full =
                    batch.len() + n as usize * BLOCK_SIZE > BATCH_BLOCKS as usize * BLOCK_SIZE;
                if hold || full {
                    drive.write(batch_lba, std::mem::replace(&mut batch, drive.batch()))?;
                    batch_lba = lbas.start;
                }
                let at = batch.len();
                if let Err(e) = session.read(first, batch.extend(n as usize * BLOCK_SIZE)) {
                    batch.truncate(at);
                    return Err(e);
                }
                if let Some(digests) = digests.as_deref_mut() {
                    digests.push(digest(&batch.bytes()[at..]));
                }
                if hold {
                    held.push((lbas.start, std::mem::take(&mut batch)));
                    batch_lba = lbas.end;
                }
            }
            Ok(())
        };
        let stopped = read();
        // Every chunk read is written, whatever stopped the reading: the
        // medium then holds what writes sent in line would have left.
        drive.write(batch_lba, batch)?;
        stopped
    })?;
    if !held.is_empty() {
        command::synchronize_cache(guard)
            .context("flushing the session before its volume descriptors")?;
    }
    for (lba, data) in held.iter().rev() {
        command::write_blocks(guard, *lba, data.bytes())?;
    }
    Ok(())
}

/// A 64-bit digest of one written chunk. It only has to tell a faithful
/// read-back from a damaged one, not resist an adversary; eight bytes per
/// 64 KiB chunk keep the verify pass's memory small for any session size.
fn digest(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (data.len() as u64).wrapping_mul(K);
    for word in data.chunks(8) {
        let mut w = [0u8; 8];
        w[..word.len()].copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}

/// How the session was committed, and the anchor blocks written then (kept
/// for the verify pass, which reads them back).
struct Committed {
    outcome: Outcome,
    anchor: Vec<u8>,
    second: Vec<u8>,
}

impl Committed {
    /// Reads the committed anchors back and compares them with what was written.
    fn verify(&self, guard: &WriteGuard<'_>, second: Option<Anchor>) -> Result<()> {
        if let Outcome::Committed {
            anchor: Some(anchor),
        } = self.outcome
        {
            verify_anchor(guard, anchor, &self.anchor)?;
        }
        if let Some(second) = second {
            verify_anchor(guard, second, &self.second)?;
        }
        Ok(())
    }
}

/// Makes the written data the medium's newest session: the track closed on
/// sequential media; on overwritable media the second anchor, then the
/// anchor, rewritten last (the commit point).
fn commit(
    guard: &WriteGuard<'_>,
    decided: &Plan,
    session: &mut SessionBlocks<'_>,
    profile: Profile,
) -> Result<Committed> {
    let mut committed = Committed {
        outcome: Outcome::Committed { anchor: None },
        anchor: Vec::new(),
        second: Vec::new(),
    };
    match decided {
        Plan::Sequential { finish, close, .. } => {
            command::close_last_track(guard, close.function()).context("closing the session")?;
            committed.outcome = Outcome::SessionClosed(*finish);
        }
        Plan::Overwrite {
            anchor,
            second_anchor,
            ..
        } => {
            let stream = &mut *session.stream;
            if let Some(second) = second_anchor {
                let read = |s: &mut dyn SessionStream, b: &mut [u8]| s.read_second_anchor(b);
                let what = "reading the second anchor from the stream";
                committed.second = commit_from(guard, *second, profile, stream, read, what)?;
            }
            if let Some(anchor) = anchor {
                let read = |s: &mut dyn SessionStream, b: &mut [u8]| s.read_anchor(b);
                let what = "reading the anchor blocks from the stream";
                committed.anchor = commit_from(guard, *anchor, profile, stream, read, what)?;
            }
            committed.outcome = Outcome::Committed { anchor: *anchor };
        }
    }
    Ok(committed)
}

/// Reads the blocks of `anchor` from the stream with `read` (`what` names
/// that step in errors) and writes them at the anchor; returns them for the
/// verify pass.
fn commit_from(
    guard: &WriteGuard<'_>,
    anchor: Anchor,
    profile: Profile,
    stream: &mut dyn SessionStream,
    read: fn(&mut dyn SessionStream, &mut [u8]) -> Result<()>,
    what: &str,
) -> Result<Vec<u8>> {
    let mut blocks = vec![0u8; anchor.blocks as usize * BLOCK_SIZE];
    read(stream, &mut blocks).context(what)?;
    commit_anchor(guard, anchor, &blocks, profile)?;
    Ok(blocks)
}

/// Rewrites the anchor, its first block (the primary volume descriptor)
/// last and on its own, so an interruption leaves either the old primary
/// descriptor or the new one, each pointing at a complete tree (the session
/// data was flushed before). DVD-RW restricted overwrite takes only whole
/// 16-block packets: there the packets holding the anchor are read, the
/// anchor laid over them, and written back in one WRITE.
///
/// The caller keeps `blocks` for the verify pass.
fn commit_anchor(
    guard: &WriteGuard<'_>,
    anchor: Anchor,
    blocks: &[u8],
    profile: Profile,
) -> Result<()> {
    let write = |lba: u32, data: &[u8]| -> Result<()> {
        command::write_blocks(guard, lba, data)?;
        command::synchronize_cache(guard)
    };
    if profile == Profile::DvdMinusRwRestricted {
        let first = anchor.lba / 16 * 16;
        let end = (anchor.lba + anchor.blocks).div_ceil(16) * 16;
        let mut packets = vec![0u8; (end - first) as usize * BLOCK_SIZE];
        command::read_blocks(guard, first, &mut packets)
            .context("reading the packets around the anchor")?;
        let at = (anchor.lba - first) as usize * BLOCK_SIZE;
        packets[at..at + blocks.len()].copy_from_slice(blocks);
        write(first, &packets)?;
    } else if anchor.blocks == 1 {
        write(anchor.lba, blocks)?;
    } else {
        let (first, rest) = blocks.split_at(BLOCK_SIZE);
        write(anchor.lba + 1, rest)?;
        write(anchor.lba, first)?;
    }
    Ok(())
}

fn mismatch(expected: &[u8], found: &[u8], lba: u32) -> Option<u32> {
    expected
        .chunks(BLOCK_SIZE)
        .zip(found.chunks(BLOCK_SIZE))
        .position(|(a, b)| a != b)
        .map(|i| lba + i as u32)
}

fn verification_failed(first: u32, blocks: u32) -> Error {
    Error::new(
        hresult::MS_E_IMAPI_BURN_VERIFICATION_FAILED,
        format!(
            "blocks {first}..{} read back differ from what was written",
            first + blocks - 1
        ),
    )
}

/// Reads the session back chunk by chunk and compares each with the digest
/// taken when it was written.
fn verify_session(
    guard: &WriteGuard<'_>,
    session: &SessionBlocks<'_>,
    digests: &[u64],
    reporter: &mut Reporter<'_>,
) -> Result<()> {
    let mut found = vec![0u8; CHUNK_BLOCKS as usize * BLOCK_SIZE];
    reporter.milestone(WriteAction::Verifying, 0);
    for ((first, n), written) in session.chunks().zip(digests) {
        reporter.tick(WriteAction::Verifying, first);
        let found = &mut found[..n as usize * BLOCK_SIZE];
        let lba = session.start + first;
        command::read_blocks(guard, lba, found).context("verifying")?;
        if digest(found) != *written {
            return Err(verification_failed(lba, n));
        }
    }
    reporter.milestone(WriteAction::Verifying, session.padded);
    Ok(())
}

fn verify_anchor(guard: &WriteGuard<'_>, anchor: Anchor, written: &[u8]) -> Result<()> {
    let mut found = vec![0u8; written.len()];
    command::read_blocks(guard, anchor.lba, &mut found).context("verifying the anchor")?;
    match mismatch(written, &found, anchor.lba) {
        Some(bad) => Err(verification_failed(bad, 1)),
        None => Ok(()),
    }
}

/// FORMAT UNIT with the descriptor the drive offers for a full format:
/// type 0x26 on DVD+RW, type 0x00 (else 0x30, with spares) on BD-RE; then
/// waits, reporting, until the drive is done.
fn format_medium(
    guard: &WriteGuard<'_>,
    profile: Profile,
    progress: &mut dyn FnMut(&EraseProgress) -> Flow,
) -> Result<()> {
    let wanted: &[u8] = match profile {
        Profile::DvdPlusRw | Profile::DvdPlusRwDl => &[0x26],
        Profile::BdRe => &[0x00, 0x30],
        _ => {
            return Err(Error::new(
                hresult::MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
                format!("{profile} media are not formatted by this library"),
            ))
        }
    };
    let offered = command::format_capacities(guard)?;
    let descriptor = wanted
        .iter()
        .find_map(|&t| offered.descriptor(t))
        .ok_or_else(|| {
            Error::new(
                hresult::MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
                format!(
                    "{profile}: the drive offers no format of type {wanted:02x?} (offered {:02x?})",
                    offered
                        .formattable
                        .iter()
                        .map(|d| d.format_type)
                        .collect::<Vec<_>>()
                ),
            )
        })?;
    let clock = OperationClock::start(usual_duration(profile, true), progress)
        .map_err(|_| Error::cancelled("before formatting; the medium is unchanged"))?;
    command::format_unit(guard, descriptor)?;
    clock.wait(guard, progress)
}

/// How often the drive is asked whether a blank or format is done.
const BUSY_POLL: Duration = Duration::from_millis(250);

/// The usual length of an erase or a format, the expected time of the
/// events until the drive is done (drives differ; the events never report
/// less than the time already spent): a minimal CD-RW blank about a
/// minute, a full one ten; a full DVD-RW blank half an hour at 2x; a
/// DVD+RW format returns within a minute (it goes on in the background);
/// a full BD-RE format takes an hour; zeroing the start of a formatted
/// overwritable medium, a second.
fn usual_duration(profile: Profile, full: bool) -> Duration {
    let seconds = match profile {
        Profile::CdRw if full => 600,
        Profile::CdRw => 60,
        Profile::DvdMinusRwSequential | Profile::DvdMinusRwRestricted => 1800,
        Profile::BdRe => 3600,
        Profile::DvdPlusRw | Profile::DvdPlusRwDl => 60,
        _ => 1,
    };
    Duration::from_secs(seconds)
}

/// The time of one erase or format, as its events report it.
struct OperationClock {
    started: Instant,
    expected: Duration,
}

impl OperationClock {
    /// Reports the start; `Err(())` when the caller cancels there.
    fn start(
        expected: Duration,
        progress: &mut dyn FnMut(&EraseProgress) -> Flow,
    ) -> std::result::Result<OperationClock, ()> {
        let first = EraseProgress {
            elapsed: Duration::ZERO,
            estimated_total: expected,
        };
        match progress(&first) {
            Flow::Cancel => Err(()),
            Flow::Continue => Ok(OperationClock {
                started: Instant::now(),
                expected,
            }),
        }
    }

    /// Polls the drive until its Immed operation is done, reporting each
    /// poll, then the end (elapsed = estimated total). Gives up when the drive
    /// stays busy far beyond the usual time.
    fn wait(
        self,
        guard: &WriteGuard<'_>,
        progress: &mut dyn FnMut(&EraseProgress) -> Flow,
    ) -> Result<()> {
        let deadline = self.expected * 4 + Duration::from_secs(600);
        while command::still_busy(guard)? {
            let elapsed = self.started.elapsed();
            if elapsed > deadline {
                return Err(Error::new(
                    hresult::MS_E_IMAPI_RECORDER_MEDIA_BUSY,
                    format!("the drive was still busy after {} s", elapsed.as_secs()),
                ));
            }
            progress(&EraseProgress {
                elapsed,
                estimated_total: self.expected.max(elapsed),
            });
            std::thread::sleep(BUSY_POLL);
        }
        let elapsed = self.started.elapsed();
        progress(&EraseProgress {
            elapsed,
            estimated_total: elapsed,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Zeros(u32);
    impl SessionStream for Zeros {
        fn start_block(&self) -> u32 {
            0
        }
        fn total_blocks(&self) -> u32 {
            self.0
        }
        fn read_blocks(&mut self, _first: u32, buf: &mut [u8]) -> Result<()> {
            buf.fill(7);
            Ok(())
        }
        fn anchor(&self) -> Option<Anchor> {
            None
        }
        fn read_anchor(&mut self, _buf: &mut [u8]) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn chunks_cover_the_session_and_align_after_the_first() {
        let mut stream = Zeros(100);
        let session = SessionBlocks {
            stream: &mut stream,
            start: 138_120,
            real: 100,
            padded: 112,
        };
        let chunks: Vec<_> = session.chunks().collect();
        assert_eq!(chunks[0], (0, 24), "138120 + 24 = 138144 = 4317 * 32");
        assert!(chunks[1..]
            .iter()
            .all(|&(first, _)| (138_120 + first) % CHUNK_BLOCKS == 0));
        assert_eq!(chunks.iter().map(|c| c.1).sum::<u32>(), 112);
        assert_eq!(chunks.last().unwrap().0 + chunks.last().unwrap().1, 112);
    }

    #[test]
    fn padding_after_the_stream_is_zeros() {
        let mut stream = Zeros(3);
        let mut session = SessionBlocks {
            stream: &mut stream,
            start: 0,
            real: 3,
            padded: 16,
        };
        let mut buf = vec![1u8; 4 * BLOCK_SIZE];
        session.read(2, &mut buf).unwrap();
        assert!(buf[..BLOCK_SIZE].iter().all(|&b| b == 7));
        assert!(buf[BLOCK_SIZE..].iter().all(|&b| b == 0));
    }
}
