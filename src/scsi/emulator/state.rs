//! The live state of one emulated drive with its disc loaded: the model,
//! the open image, page 05, the last sense and the per-load counters.

use std::path::PathBuf;

use super::commands::mode::Page05;
use super::image::Image;
use super::model::Disc;
use super::quirks::LoadState;
use super::sidecar;
use crate::error::Result;
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
}

impl DriveState {
    /// Writes the sidecar if the model changed.
    pub fn persist(&mut self) -> Result<()> {
        if self.dirty {
            sidecar::save(&self.sidecar_path, &self.disc)?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Marks a state change and writes it at once.
    pub fn commit(&mut self) -> Result<()> {
        self.dirty = true;
        self.persist()
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
