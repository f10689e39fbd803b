//! The live state of one emulated drive with its disc loaded: the model,
//! the open image, page 05, the last sense and the per-load counters, and
//! the swap of all of them when someone else changed the disc.

use std::path::{Path, PathBuf};

use super::commands::cue::CueSheet;
use super::commands::mode::Page05;
use super::image::Image;
use super::model::Disc;
use super::quirks::LoadState;
use super::sidecar;
use super::watch::Seen;
use crate::error::{Error, Result};
use crate::hresult::MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
use crate::scsi::Sense;

#[derive(Debug)]
pub struct DriveState {
    pub image_path: PathBuf,
    pub sidecar_path: PathBuf,
    pub disc: Disc,
    /// `None` when the sidecar says no medium is loaded.
    pub image: Option<Image>,
    pub load: LoadState,
    pub page05: Page05,
    /// Sense of the last CHECK CONDITION, for REQUEST SENSE.
    pub last_sense: Option<Sense>,
    /// The model changed since the sidecar was last written.
    pub dirty: bool,
    /// The sidecar version `disc` was loaded from or saved as.
    pub seen: Seen,
    /// The host file error behind the last command's CHECK CONDITION (a
    /// full file system under a WRITE): the SCSI answer can only say
    /// 3/0C/00, the user needs to hear the cause.
    pub host_error: Option<Error>,
    /// Tray, lock and speed: the drive's own mechanics, not the disc's.
    pub mech: Mechanism,
    /// The session-at-once layout SEND CUE SHEET announced, until the
    /// session is written. Drive memory, not the disc's: a reopened disc
    /// (a power cycle) has forgotten it, as a real drive has.
    pub cue: Option<CueSheet>,
}

/// What START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL and the speed
/// commands change. Kept out of the sidecar: it belongs to the drive, and
/// reopening the disc is a new drive with its tray closed, unlocked and at
/// full speed, as after a power cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mechanism {
    /// Ejected: the disc is still described by the sidecar but unreachable
    /// until a load (or someone else's new disc) closes the tray.
    pub tray_open: bool,
    /// The lock and the persistent prevent of PREVENT ALLOW MEDIUM
    /// REMOVAL, set and cleared separately; either refuses an eject.
    pub prevent: bool,
    pub persistent_prevent: bool,
    /// Requested speeds in kB/s (`None` = the fastest for the medium); the
    /// drive answers with the nearest speed it has for the loaded medium.
    pub read_speed: Option<u32>,
    pub write_speed: Option<u32>,
}

/// Opens the image of `disc` when a medium is present and checks that it
/// covers the recorded area.
pub fn open_image(image: &Path, disc: &Disc) -> Result<Option<Image>> {
    if !disc.media_present {
        return Ok(None);
    }
    let mut img = Image::open(image)?;
    img.inject(disc.faults.image_read_error, disc.faults.image_write_error);
    let needed = disc.recorded_end() * crate::block::BLOCK_SIZE as u64;
    let len = img.len()?;
    if len < needed {
        return Err(Error::new(
            MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
            format!(
                "emulated disc image {} is {len} bytes, shorter than the {needed} bytes its sidecar says are recorded",
                crate::error::short_path(image)
            ),
        ));
    }
    Ok(Some(img))
}

impl DriveState {
    /// Writes the sidecar if the model changed. The image grows first
    /// (sparsely) to cover what the sidecar says is recorded: a drive that
    /// pads a track on close records blocks nobody wrote, and they read
    /// back as zeros.
    pub fn persist(&mut self) -> Result<()> {
        if self.dirty {
            if let Some(image) = &self.image {
                image.cover(self.disc.recorded_end())?;
            }
            self.seen = sidecar::save(&self.sidecar_path, &self.disc)?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Before each command: if someone else saved the sidecar since this
    /// drive last loaded or saved it, the disc was swapped — load the new
    /// one and raise what a drive raises on a swap (UNIT ATTENTION 6/28/00,
    /// a media event). A sidecar or image that no longer loads reads as an
    /// empty drive until the sidecar changes again, as an unreadable disc
    /// would. Costs one `stat` when nothing changed.
    pub fn follow_external_change(&mut self) {
        if self.seen.is_current(&self.sidecar_path) {
            return;
        }
        // Vanished between the stat and the open: look again next command.
        let Ok((text, seen)) = sidecar::read(&self.sidecar_path) else {
            return;
        };
        self.seen = seen;
        let loaded = sidecar::parse_at(&self.sidecar_path, &text).and_then(|disc| {
            let image = open_image(&self.image_path, &disc)?;
            Ok((disc, image))
        });
        match loaded {
            Ok((disc, image)) => {
                if disc.profile != self.disc.profile {
                    self.page05 = Page05::default_for(disc.profile);
                }
                self.disc = disc;
                self.image = image;
                // Someone put a disc in: that closes the tray.
                self.mech.tray_open = false;
            }
            Err(_) => {
                self.disc.media_present = false;
                self.image = None;
            }
        }
        self.load = LoadState::after_swap(&self.disc.quirks, self.disc.media_present);
        self.last_sense = None;
        self.dirty = false;
        self.cue = None;
    }

    /// Marks a state change and writes it at once.
    pub fn commit(&mut self) -> Result<()> {
        self.dirty = true;
        self.persist()
    }

    /// A medium the drive can reach: present and the tray closed.
    pub fn medium_loaded(&self) -> bool {
        self.disc.media_present && !self.mech.tray_open
    }

    /// The sense for "no medium": with the tray open a drive says so.
    pub fn no_medium_sense(&self) -> Sense {
        if self.mech.tray_open {
            Sense::NO_MEDIUM_TRAY_OPEN
        } else {
            Sense::NO_MEDIUM
        }
    }

    /// The image, which exists whenever a medium is present.
    pub fn image(&self) -> std::result::Result<&Image, Sense> {
        self.image.as_ref().ok_or(Sense::NO_MEDIUM)
    }

    /// Whether the medium takes writes at all: 7/27/00 for a protected
    /// medium or a read-only image file.
    pub fn check_writable(&self) -> std::result::Result<(), Sense> {
        let image = self.image()?;
        if self.disc.write_protected || !image.writable() {
            return Err(Sense::WRITE_PROTECTED);
        }
        if self.disc.is_read_only_profile() {
            return Err(Sense::CANNOT_WRITE_INCOMPATIBLE_FORMAT);
        }
        Ok(())
    }
}
