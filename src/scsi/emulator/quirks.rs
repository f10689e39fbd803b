//! Drive quirks (docs/mmc-notes.md §6) and injected faults, as sidecar switches, plus
//! the per-load counters that make them fire deterministically.
//!
//! Every counter starts when the disc is opened, so a test that sweeps a
//! failure point over 1, 2, 3 … reproduces the same run each time.

use serde::{Deserialize, Serialize};

use crate::scsi::Sense;

/// Behaviour of odd real drives, off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quirks {
    /// READ TRACK INFORMATION on a blank CD reports NWA −150 (Pioneer BDR-205, LITE-ON).
    pub nwa_minus_150_on_blank_cd: bool,
    /// With write type SAO in page 05, the CD's next writable address is the
    /// pre-gap start (150 blocks early).
    pub sao_nwa_at_pregap: bool,
    /// A blank BD-R answers like a formatted, unwritten one: appendable,
    /// one empty session, READ CAPACITY 0.
    pub formatted_unwritten_bd_r: bool,
    /// GET CONFIGURATION is unknown (MMC-1 drive): 5/20/00.
    pub no_get_configuration: bool,
    /// GET EVENT STATUS NOTIFICATION is unknown (pre-MMC-2 drive): 5/20/00.
    pub no_get_event_status: bool,
    /// READ DISC INFORMATION is unknown (qemu's CD-ROM): 5/20/00.
    pub no_read_disc_information: bool,
    /// The first media command after the disc is loaded gets 6/28/00.
    pub unit_attention_after_load: bool,
    /// This many media commands after load get 2/04/01 (becoming ready).
    pub becoming_ready_polls: u32,
    /// After an Immed CLOSE, FORMAT or BLANK, this many TEST UNIT READYs
    /// get 2/04/07 (or 2/04/04 after FORMAT) before GOOD.
    pub immed_busy_polls: u32,
    /// CD READ TRACK INFORMATION track size leaves out the 2 TAO run-out
    /// blocks (608 instead of 610 for a 608-block track).
    pub track_size_excludes_runout: bool,
    /// READ CAPACITY on a blank disc answers last LBA 0 (one block, as
    /// dvd+rw-mediainfo prints it) instead of the usual 0xFFFFFFFF (record
    /// `dvdrw-seq-blank-minimal-duw1608`; `dvdr-blank-*`, `bdr-blank-*`
    /// show the usual answer).
    pub read_capacity_zero_on_blank: bool,
    /// READ CAPACITY on a finalized DVD-R/RW reports the legacy lead-out
    /// address (2298496 on a single-layer disc) as the capacity, not the
    /// end of the data (same record, closed by a DAO burn).
    pub read_capacity_legacy_lead_out_when_finalized: bool,
    /// CD READ TRACK INFORMATION of the invisible track reports 3 blocks
    /// fewer free than the last possible lead-out allows, not 2 (one of
    /// the two drives behind records `cdr-blank-*`).
    pub cd_free_three_below_lead_out: bool,
}

/// Failures to inject, counted from the moment the disc is opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// The Nth WRITE command (1-based) fails with 3/0C/00 and writes nothing.
    pub fail_write_command: Option<u64>,
    /// Any READ that covers this LBA fails with 3/11/00.
    pub fail_read_lba: Option<u32>,
    /// Power is lost once this many blocks have been written: the WRITE
    /// that would pass the limit stores only the blocks up to it and fails,
    /// and every later command fails until the disc is reopened.
    pub power_loss_after_blocks: Option<u64>,
    /// The image file itself fails reading this block, as a host file
    /// system does on a bad sector of the disk under it: every READ that
    /// covers it fails (3/11/00, with the host error behind it).
    pub image_read_error: Option<ImageFault>,
    /// The image file fails writing this block: the blocks before it in
    /// the same WRITE reach the file, then the write stops with the error
    /// — a disk that fills up (ENOSPC), a file size limit (EFBIG) or a
    /// failing disk (EIO) — on every WRITE that covers it.
    pub image_write_error: Option<ImageFault>,
}

/// A host I/O error the image file gives at one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFault {
    /// The block whose read or write fails.
    pub lba: u32,
    /// The error the host gives there.
    pub errno: HostErrno,
}

/// The host errors an image file can meet, by their errno names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HostErrno {
    /// EIO: the device failed (a bad sector of the image's disk).
    Eio,
    /// ENOSPC: the file system holding the image is full.
    Enospc,
    /// EFBIG: the image would grow past the file system's file-size limit.
    Efbig,
}

impl HostErrno {
    /// The `std::io::Error` the image file would give, for the emulator to return.
    pub fn io_error(self) -> std::io::Error {
        std::io::Error::from_raw_os_error(match self {
            HostErrno::Eio => libc::EIO,
            HostErrno::Enospc => libc::ENOSPC,
            HostErrno::Efbig => libc::EFBIG,
        })
    }
}

/// A media-class event a drive holds until GET EVENT STATUS NOTIFICATION
/// reports it (MMC media event codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    NewMedia,
    MediaRemoval,
}

impl MediaEvent {
    /// The event code of the media event descriptor (byte 4, bits 0-3).
    pub fn code(self) -> u8 {
        match self {
            MediaEvent::NewMedia => 2,
            MediaEvent::MediaRemoval => 3,
        }
    }
}

/// Per-load state of quirks and faults.
#[derive(Debug, Clone, Default)]
pub struct LoadState {
    pub unit_attention_pending: bool,
    pub becoming_ready_left: u32,
    pub busy_left: u32,
    pub busy_sense: Option<Sense>,
    /// The media event GET EVENT STATUS NOTIFICATION reports next.
    pub media_event: Option<MediaEvent>,
    pub write_commands: u64,
    pub blocks_written: u64,
    pub power_lost: bool,
}

impl LoadState {
    pub fn after_load(quirks: &Quirks, media_present: bool) -> LoadState {
        LoadState {
            unit_attention_pending: media_present && quirks.unit_attention_after_load,
            becoming_ready_left: if media_present {
                quirks.becoming_ready_polls
            } else {
                0
            },
            media_event: media_present.then_some(MediaEvent::NewMedia),
            ..LoadState::default()
        }
    }

    /// After someone else changed the disc: what a drive does when a disc
    /// is swapped — a fresh load, plus UNIT ATTENTION 6/28/00 whenever a
    /// medium is now present (not only with `unit_attention_after_load`),
    /// and the removal event when none is.
    pub fn after_swap(quirks: &Quirks, media_present: bool) -> LoadState {
        LoadState {
            unit_attention_pending: media_present,
            media_event: Some(if media_present {
                MediaEvent::NewMedia
            } else {
                MediaEvent::MediaRemoval
            }),
            ..LoadState::after_load(quirks, media_present)
        }
    }

    /// Starts the "operation in progress" window after an Immed command.
    pub fn start_busy(&mut self, polls: u32, sense: Sense) {
        self.busy_left = polls;
        self.busy_sense = (polls > 0).then_some(sense);
    }

    /// What a WRITE of `blocks` runs into: `Ok(None)` to write all,
    /// `Ok(Some(n))` to write only `n` blocks and then lose power,
    /// `Err(sense)` to fail without writing.
    pub fn admit_write(&mut self, faults: &Faults, blocks: u32) -> Result<Option<u64>, Sense> {
        self.write_commands += 1;
        if faults.fail_write_command == Some(self.write_commands) {
            return Err(Sense::WRITE_ERROR);
        }
        if let Some(limit) = faults.power_loss_after_blocks {
            if self.blocks_written + blocks as u64 > limit {
                return Ok(Some(limit.saturating_sub(self.blocks_written)));
            }
        }
        Ok(None)
    }
}
