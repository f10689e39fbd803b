//! The write progress bar: IMAPI progress events onto an indicatif bar.

use indicatif::{ProgressBar, ProgressStyle};
use multisession::burn::{Flow, Progress, WriteAction};

/// A bar for one session write; hidden when stderr is not a terminal or
/// output is JSON.
pub struct WriteBar {
    bar: ProgressBar,
}

impl WriteBar {
    pub fn new(visible: bool) -> WriteBar {
        let bar = if visible {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>22} [{bar:40}] {pos}/{len} blocks, {elapsed} elapsed, {eta} left",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        WriteBar { bar }
    }

    /// The callback for `DataWriter::write`: never cancels.
    pub fn update(&self, event: &Progress) -> Flow {
        self.bar.set_length(u64::from(event.sector_count));
        self.bar.set_message(action_label(event.action));
        self.bar.set_position(u64::from(event.sectors_done));
        if event.action == WriteAction::Completed {
            self.bar.finish_with_message(action_label(event.action));
        }
        Flow::Continue
    }

    pub fn abandon(&self) {
        self.bar.abandon();
    }
}

fn action_label(action: WriteAction) -> &'static str {
    match action {
        WriteAction::ValidatingMedia => "validating media",
        WriteAction::FormattingMedia => "formatting media",
        WriteAction::InitializingHardware => "initializing hardware",
        WriteAction::CalibratingPower => "calibrating power",
        WriteAction::WritingData => "writing data",
        WriteAction::Finalization => "finalizing",
        WriteAction::Completed => "completed",
        WriteAction::Verifying => "verifying",
    }
}
