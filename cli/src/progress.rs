//! The write progress on stderr: one line of at most 79 columns (an 80
//! column terminal never wraps it), the stage, a bar, blocks and MB, and
//! once a rate is known MB/s and the time left.

use std::cell::{Cell, RefCell};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use multisession::burn::{Flow, Progress, WriteAction};

use crate::ProgressWhen;

/// Widest line drawn, in characters.
pub const WIDTH: usize = 79;

pub struct WriteBar {
    visible: bool,
    /// Whether a line is on screen (to be ended before anything else).
    drawn: Cell<bool>,
    last: Cell<Option<Instant>>,
    last_line: RefCell<String>,
}

impl WriteBar {
    pub fn new(when: ProgressWhen) -> WriteBar {
        let visible = match when {
            ProgressWhen::Always => true,
            ProgressWhen::Never => false,
            ProgressWhen::Auto => std::io::stderr().is_terminal(),
        };
        WriteBar {
            visible,
            drawn: Cell::new(false),
            last: Cell::new(None),
            last_line: RefCell::new(String::new()),
        }
    }

    fn draw(&self, line: &str) {
        if !self.visible || *self.last_line.borrow() == line {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line:<WIDTH$}");
        let _ = err.flush();
        self.drawn.set(true);
        *self.last_line.borrow_mut() = line.to_string();
    }

    /// A stage before the write (importing, building).
    pub fn stage(&self, name: &str) {
        self.draw(name);
    }

    /// The callback for `DataWriter::write`: never cancels. Redraws at
    /// most ten times a second, and always on a change of stage.
    pub fn update(&self, event: &Progress) -> Flow {
        let now = Instant::now();
        let stage_changed = !self.last_line.borrow().starts_with(stage(event.action));
        let due = self
            .last
            .get()
            .is_none_or(|t| now.duration_since(t) >= Duration::from_millis(100));
        if stage_changed || due || event.action == WriteAction::Completed {
            self.last.set(Some(now));
            self.draw(&line(event));
        }
        Flow::Continue
    }

    /// Ends the line, leaving the last state on screen.
    pub fn clear(&self) {
        if self.drawn.replace(false) {
            eprintln!();
        }
    }

    pub fn abandon(&self) {
        self.clear();
    }
}

fn stage(action: WriteAction) -> &'static str {
    match action {
        WriteAction::ValidatingMedia => "validating",
        WriteAction::FormattingMedia => "formatting",
        WriteAction::InitializingHardware => "preparing",
        WriteAction::CalibratingPower => "calibrating",
        WriteAction::WritingData => "writing",
        WriteAction::Finalization => "closing",
        WriteAction::Completed => "done",
        WriteAction::Verifying => "verifying",
    }
}

/// `writing    [=====>     ]  45%  1234/2740 MB  12.3 MB/s  1:02 left`.
pub fn line(event: &Progress) -> String {
    let total = u64::from(event.sector_count);
    let done = u64::from(event.sectors_done).min(total);
    let percent = (done * 100).checked_div(total).unwrap_or(0);
    let mb = |blocks: u64| blocks as f64 * 2048.0 / 1e6;
    let secs = event.elapsed.as_secs_f64();
    let counting = matches!(
        event.action,
        WriteAction::WritingData | WriteAction::Verifying
    );
    let rate = (counting && done > 0 && secs >= 0.2).then(|| mb(done) / secs);
    let mut tail = format!("{percent:>3}% {:>6.1}/{:.1} MB", mb(done), mb(total));
    if let Some(rate) = rate {
        tail.push_str(&format!(" {rate:>5.1} MB/s"));
    }
    if let Some(left) = event.remaining.filter(|_| rate.is_some()) {
        let s = left.as_secs();
        tail.push_str(&format!(" {}:{:02} left", s / 60, s % 60));
    }
    let head = format!("{:<10}", stage(event.action));
    // What is left of the width goes to the bar, at least 10 columns.
    let room = WIDTH.saturating_sub(head.len() + tail.len() + 4).max(10);
    let filled = (done * room as u64).checked_div(total).unwrap_or(0) as usize;
    let mut bar = "=".repeat(filled);
    if filled < room {
        bar.push('>');
    }
    let text = format!("{head} [{bar:<room$}] {tail}");
    text.chars().take(WIDTH).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: WriteAction, done: u32, total: u32, secs: u64, left: Option<u64>) -> Progress {
        Progress {
            action,
            start_lba: 0,
            sector_count: total,
            sectors_done: done,
            elapsed: Duration::from_secs(secs),
            remaining: left.map(Duration::from_secs),
        }
    }

    #[test]
    fn the_line_fits_80_columns_even_for_a_full_bd() {
        for e in [
            event(WriteAction::WritingData, 0, 0, 0, None),
            event(WriteAction::WritingData, 1, 24_438_784, 1, Some(99_999)),
            event(
                WriteAction::WritingData,
                24_438_784,
                24_438_784,
                9_999,
                Some(0),
            ),
            event(
                WriteAction::Verifying,
                12_000_000,
                24_438_784,
                600,
                Some(3_600),
            ),
        ] {
            let l = line(&e);
            assert!(l.chars().count() <= WIDTH, "{} columns: {l}", l.len());
        }
    }

    #[test]
    fn rate_and_time_left_show_only_once_known() {
        let unknown = line(&event(WriteAction::WritingData, 0, 1000, 0, Some(0)));
        assert!(
            !unknown.contains("left") && !unknown.contains("MB/s"),
            "{unknown}"
        );
        let known = line(&event(WriteAction::WritingData, 500, 1000, 2, Some(2)));
        assert!(
            known.contains("MB/s") && known.contains("0:02 left"),
            "{known}"
        );
        assert!(known.starts_with("writing"), "{known}");
    }
}
