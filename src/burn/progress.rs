//! Progress events of a write, with IMAPI's action values, and the
//! caller's answer to each (go on or cancel).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `IMAPI_FORMAT2_DATA_WRITE_ACTION`, with Microsoft's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum WriteAction {
    /// Checking the medium and the drive before anything is written.
    ValidatingMedia = 0,
    /// Formatting the medium (a blank BD-RE or DVD+RW) before the data.
    FormattingMedia = 1,
    /// Preparing the drive: write parameters, speed, reservation.
    InitializingHardware = 2,
    /// The drive calibrates its laser power (OPC) before writing.
    CalibratingPower = 3,
    /// Writing the session's blocks; `Progress` counts them.
    WritingData = 4,
    /// Closing the track and session, or finalizing the disc.
    Finalization = 5,
    /// The write ended; sent once, last.
    Completed = 6,
    /// Reading the written blocks back to compare them.
    Verifying = 7,
}

impl WriteAction {
    /// The IMAPI value.
    pub fn value(self) -> u32 {
        self as u32
    }

    /// Microsoft's name without the `IMAPI_FORMAT2_DATA_WRITE_ACTION_` prefix.
    pub fn name(self) -> &'static str {
        match self {
            WriteAction::ValidatingMedia => "VALIDATING_MEDIA",
            WriteAction::FormattingMedia => "FORMATTING_MEDIA",
            WriteAction::InitializingHardware => "INITIALIZING_HARDWARE",
            WriteAction::CalibratingPower => "CALIBRATING_POWER",
            WriteAction::WritingData => "WRITING_DATA",
            WriteAction::Finalization => "FINALIZATION",
            WriteAction::Completed => "COMPLETED",
            WriteAction::Verifying => "VERIFYING",
        }
    }
}

/// One progress event (`IDiscFormat2DataEventArgs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What the writer is doing now.
    pub action: WriteAction,
    /// First LBA of the session being written.
    pub start_lba: u32,
    /// Number of blocks in the session.
    pub sector_count: u32,
    /// Blocks of the session written so far (read back so far while verifying).
    pub sectors_done: u32,
    /// Time since the write started.
    pub elapsed: Duration,
    /// Estimated time to the end of the current action; `None` until a
    /// rate is known.
    pub remaining: Option<Duration>,
}

impl Progress {
    /// The last LBA written (or verified), `None` before the first block.
    pub fn last_written_lba(&self) -> Option<u32> {
        self.sectors_done
            .checked_sub(1)
            .map(|done| self.start_lba + done)
    }
}

/// The caller's answer to a progress event (the image's, shared by every
/// layer that reports progress).
pub use crate::fsi::progress::Flow;

/// One event of an erase or a format (`DDiscFormat2EraseEvents::Update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EraseProgress {
    /// Time since the operation started.
    pub elapsed: Duration,
    /// Expected length of the whole operation: the usual time of the
    /// medium's operation, never below `elapsed`; equal to it in the last
    /// event.
    pub estimated_total: Duration,
}

/// A cancel request another thread can make while a write runs
/// (IMAPI's `CancelWrite` from outside the event handler). Clones share
/// the request. The write stops before its next WRITE, exactly as when the
/// progress callback answers [`Flow::Cancel`]; a request made before the
/// write starts cancels it at once.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token nobody has cancelled yet.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks every write watching this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether `cancel` was called on this token or a clone of it.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Turns the writer's position into throttled [`Progress`] events for the
/// caller's callback and remembers whether the caller asked to cancel.
pub(crate) struct Reporter<'a> {
    callback: &'a mut dyn FnMut(&Progress) -> Flow,
    /// Checked before every chunk, not only when an event is due.
    cancel: Option<CancelToken>,
    started: Instant,
    interval: Duration,
    last_event: Option<Instant>,
    start_lba: u32,
    sector_count: u32,
    /// When the current rate-bearing action (writing, verifying) began, and
    /// the blocks done at that moment.
    phase: Option<(WriteAction, Instant)>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(
        callback: &'a mut dyn FnMut(&Progress) -> Flow,
        interval: Duration,
        start_lba: u32,
        sector_count: u32,
    ) -> Reporter<'a> {
        Reporter {
            callback,
            cancel: None,
            started: Instant::now(),
            interval,
            last_event: None,
            start_lba,
            sector_count,
            phase: None,
        }
    }

    /// Makes `token`'s request answer like a callback's `Flow::Cancel`.
    pub(crate) fn cancel_on(&mut self, token: Option<CancelToken>) {
        self.cancel = token;
    }

    fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(CancelToken::is_cancelled)
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// An event that is always delivered (a new action, the last block of
    /// an action, completion).
    pub(crate) fn milestone(&mut self, action: WriteAction, done: u32) -> Flow {
        self.deliver(action, done)
    }

    /// An event during writing or verifying, delivered at most once per
    /// interval.
    pub(crate) fn tick(&mut self, action: WriteAction, done: u32) -> Flow {
        if self.cancel_requested() {
            return Flow::Cancel;
        }
        let due = self
            .last_event
            .map_or(true, |last| last.elapsed() >= self.interval);
        if due {
            self.deliver(action, done)
        } else {
            Flow::Continue
        }
    }

    /// `done` counts blocks sent to the drive, which include the padding a
    /// medium needs after the stream (a CD's 300-block minimum track, whole
    /// packets). Callers see the stream they gave (IMAPI's sector count is
    /// the image's), so `sectors_done` stops at `sector_count`.
    fn deliver(&mut self, action: WriteAction, done: u32) -> Flow {
        let done = done.min(self.sector_count);
        let now = Instant::now();
        let remaining = self.remaining(action, done, now);
        let event = Progress {
            action,
            start_lba: self.start_lba,
            sector_count: self.sector_count,
            sectors_done: done,
            elapsed: now - self.started,
            remaining,
        };
        self.last_event = Some(now);
        match (self.callback)(&event) {
            _ if self.cancel_requested() => Flow::Cancel,
            answer => answer,
        }
    }

    /// Remaining time of a rate-bearing action from its own average rate;
    /// zero once complete, unknown for the one-shot actions.
    fn remaining(&mut self, action: WriteAction, done: u32, now: Instant) -> Option<Duration> {
        match action {
            WriteAction::Completed => return Some(Duration::ZERO),
            WriteAction::WritingData | WriteAction::Verifying => {}
            _ => return None,
        }
        let began = match self.phase {
            Some((phase, began)) if phase == action => began,
            _ => {
                self.phase = Some((action, now));
                now
            }
        };
        let left = self.sector_count.saturating_sub(done);
        if left == 0 {
            return Some(Duration::ZERO);
        }
        if done == 0 {
            return None;
        }
        let spent = now - began;
        Some(spent.mul_f64(f64::from(left) / f64::from(done)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_padding_after_the_stream_do_not_count_past_its_sectors() {
        let mut seen = Vec::new();
        let mut callback = |p: &Progress| {
            seen.push((p.sector_count, p.sectors_done));
            Flow::Continue
        };
        let mut reporter = Reporter::new(&mut callback, Duration::ZERO, 0, 29);
        reporter.milestone(WriteAction::WritingData, 300);
        reporter.milestone(WriteAction::Completed, 300);
        assert_eq!(seen, [(29, 29), (29, 29)]);
    }

    #[test]
    fn action_values_are_microsofts() {
        let all = [
            WriteAction::ValidatingMedia,
            WriteAction::FormattingMedia,
            WriteAction::InitializingHardware,
            WriteAction::CalibratingPower,
            WriteAction::WritingData,
            WriteAction::Finalization,
            WriteAction::Completed,
            WriteAction::Verifying,
        ];
        for (value, action) in all.into_iter().enumerate() {
            assert_eq!(action.value(), value as u32, "{}", action.name());
        }
    }

    #[test]
    fn last_written_lba_follows_the_blocks_done() {
        let mut p = Progress {
            action: WriteAction::WritingData,
            start_lba: 12010,
            sector_count: 100,
            sectors_done: 0,
            elapsed: Duration::ZERO,
            remaining: None,
        };
        assert_eq!(p.last_written_lba(), None);
        p.sectors_done = 1;
        assert_eq!(p.last_written_lba(), Some(12010));
        p.sectors_done = 100;
        assert_eq!(p.last_written_lba(), Some(12109));
    }

    #[test]
    fn ticks_are_throttled_but_milestones_are_not() {
        let mut seen = Vec::new();
        let mut callback = |p: &Progress| {
            seen.push((p.action, p.sectors_done));
            Flow::Continue
        };
        {
            let mut reporter = Reporter::new(&mut callback, Duration::from_secs(3600), 0, 10);
            reporter.milestone(WriteAction::WritingData, 0);
            for done in 1..10 {
                reporter.tick(WriteAction::WritingData, done);
            }
            reporter.milestone(WriteAction::WritingData, 10);
        }
        assert_eq!(
            seen,
            [
                (WriteAction::WritingData, 0),
                (WriteAction::WritingData, 10)
            ]
        );
    }

    #[test]
    fn remaining_time_is_unknown_before_progress_and_zero_at_the_end() {
        let mut events = Vec::new();
        let mut callback = |p: &Progress| {
            events.push(p.remaining);
            Flow::Continue
        };
        {
            let mut reporter = Reporter::new(&mut callback, Duration::ZERO, 0, 4);
            reporter.milestone(WriteAction::WritingData, 0);
            reporter.tick(WriteAction::WritingData, 2);
            reporter.milestone(WriteAction::WritingData, 4);
            reporter.milestone(WriteAction::Finalization, 4);
            reporter.milestone(WriteAction::Completed, 4);
        }
        assert_eq!(events[0], None);
        assert!(events[1].is_some());
        assert_eq!(events[2], Some(Duration::ZERO));
        assert_eq!(events[3], None);
        assert_eq!(events[4], Some(Duration::ZERO));
    }

    #[test]
    fn a_cancel_token_stops_at_the_next_chunk_even_between_events() {
        let token = CancelToken::new();
        let mut calls = 0;
        let mut callback = |_: &Progress| {
            calls += 1;
            Flow::Continue
        };
        let mut reporter = Reporter::new(&mut callback, Duration::from_secs(3600), 0, 10);
        reporter.cancel_on(Some(token.clone()));
        assert_eq!(
            reporter.milestone(WriteAction::WritingData, 0),
            Flow::Continue
        );
        assert_eq!(reporter.tick(WriteAction::WritingData, 1), Flow::Continue);
        token.clone().cancel();
        // No event is due for an hour: the token alone answers.
        assert_eq!(reporter.tick(WriteAction::WritingData, 2), Flow::Cancel);
        assert_eq!(
            reporter.milestone(WriteAction::WritingData, 3),
            Flow::Cancel
        );
        drop(reporter);
        assert_eq!(calls, 2, "the tick between events called nobody");
    }

    #[test]
    fn the_callbacks_answer_is_passed_back() {
        let mut callback = |p: &Progress| {
            if p.sectors_done >= 3 {
                Flow::Cancel
            } else {
                Flow::Continue
            }
        };
        let mut reporter = Reporter::new(&mut callback, Duration::ZERO, 0, 8);
        assert_eq!(reporter.tick(WriteAction::WritingData, 2), Flow::Continue);
        assert_eq!(reporter.tick(WriteAction::WritingData, 3), Flow::Cancel);
    }
}
