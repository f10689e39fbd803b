//! The emulated drive: an MMC target on a sparse image file plus a JSON
//! sidecar, answering CDBs like a real drive down to sense codes, so every
//! layer above [`Transport`] runs the same code for hardware and emulator.
//!
//! A disc is `<image>` (2048-byte blocks at `LBA × 2048`) and
//! `<image>.json` (drive identity, profile, capacity, sessions and tracks,
//! finalized and format state, write protection, quirks, faults). The
//! numbers it reports follow docs/mmc-notes.md §7; block data goes straight to the
//! image, state changes to the sidecar by atomic replace.
//!
//! Several drives (processes) may have one disc open. A drive notices when
//! another one saved the sidecar and then acts as if its disc had been
//! swapped: it reloads, answers the next media command with UNIT
//! ATTENTION 6/28/00 and reports "new media" through GET EVENT STATUS
//! NOTIFICATION — so hosts find out the way they do on hardware.
//!
//! Module map: `layout` (geometry and MSF arithmetic), `model` (the typed
//! disc state), `sidecar` (file format and checks), `image` (block I/O and
//! the writer lock), `quirks` (quirk and fault switches and their
//! counters), `spec` (creating discs), `watch` (noticing someone else's
//! change), `state` (the loaded disc), `commands` (one module per command
//! group).

mod commands;
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
mod flush_behind;
mod image;
mod layout;
mod model;
mod quirks;
mod sidecar;
mod spec;
mod state;
mod watch;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{short_path, Error, Result};
use crate::hresult::MS_E_INVALIDARG;
use crate::scsi::{Completion, DataDirection, Transport};
use commands::Fail;
use state::DriveState;

pub use image::{lock_disc, DiscLock};
pub use layout::{default_capacity, Geometry};
pub use model::DriveIdentity;
pub use quirks::{Faults, HostErrno, ImageFault, Quirks};
pub use sidecar::sidecar_path;
pub use spec::{create_blank, marker_block, wrap_image, DiscSpec, Existing};

/// True when `path` is an emulated disc's image (its sidecar exists).
pub fn is_emulated_disc(path: &Path) -> bool {
    sidecar_path(path).is_file()
}

/// An emulated drive with the disc `image` loaded.
#[derive(Debug)]
pub struct EmulatedDrive {
    state: DriveState,
    commands: u64,
}

impl EmulatedDrive {
    /// Loads the disc: reads and checks the sidecar, opens the image
    /// (read-only if the file is, which then reads as write-protected
    /// media) and checks that it covers the recorded area.
    pub fn open(image: &Path) -> Result<EmulatedDrive> {
        let sidecar = sidecar_path(image);
        if !sidecar.is_file() {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!(
                    "{} is not an emulated disc: no sidecar {}",
                    short_path(image),
                    short_path(&sidecar)
                ),
            ));
        }
        let (disc, seen) = sidecar::load(&sidecar)?;
        let image_file = state::open_image(image, &disc)?;
        let load = quirks::LoadState::after_load(&disc.quirks, disc.media_present);
        let page05 = commands::mode::Page05::default_for(disc.profile);
        Ok(EmulatedDrive {
            state: DriveState {
                image_path: image.to_owned(),
                sidecar_path: sidecar,
                disc,
                image: image_file,
                load,
                page05,
                last_sense: None,
                dirty: false,
                seen,
                host_error: None,
                mech: state::Mechanism::default(),
                cue: None,
            },
            commands: 0,
        })
    }

    /// CDBs received since open, failed ones included: lets tests count
    /// what a probe sends.
    pub fn commands_executed(&self) -> u64 {
        self.commands
    }

    /// The image file this drive has loaded.
    pub fn image_path(&self) -> &Path {
        &self.state.image_path
    }

    /// The sidecar path of the loaded disc.
    pub fn sidecar(&self) -> PathBuf {
        self.state.sidecar_path.clone()
    }

    /// Takes the disc's writer lock (see [`lock_disc`]).
    pub fn lock_exclusive(&self) -> Result<DiscLock> {
        lock_disc(&self.state.image_path)
    }
}

impl Transport for EmulatedDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataDirection<'_>,
        _timeout: Duration,
    ) -> Result<Completion> {
        self.commands += 1;
        let st = &mut self.state;
        if st.load.power_lost {
            return Err(Error::with_cause(
                crate::hresult::MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
                crate::error::Cause::Transport,
                format!(
                    "emulated drive for {} lost power (injected fault); reopen the disc",
                    short_path(&st.image_path)
                ),
            ));
        }
        let Some(&opcode) = cdb.first() else {
            return Err(Error::misuse(MS_E_INVALIDARG, "empty CDB"));
        };
        st.follow_external_change();
        if opcode != commands::op::REQUEST_SENSE {
            st.last_sense = None;
            st.host_error = None;
        }
        let len = data.len();
        match commands::dispatch(st, cdb, &mut data) {
            Ok(moved) => Ok(Completion {
                residual: len - moved.min(len),
                ..Completion::good()
            }),
            Err(Fail::Check(sense)) => {
                st.last_sense = Some(sense);
                Ok(Completion {
                    residual: len,
                    ..Completion::check_condition(sense)
                })
            }
            Err(Fail::Vanished(e)) => Err(e),
        }
    }

    fn describe(&self) -> String {
        format!(
            "emulated {} disc {}",
            self.state.disc.profile,
            short_path(&self.state.image_path)
        )
    }

    fn take_host_cause(&mut self) -> Option<Error> {
        self.state.host_error.take()
    }
}

impl Drop for EmulatedDrive {
    /// Keeps what an open track holds, as a drive's medium would.
    fn drop(&mut self) {
        if !self.state.load.power_lost {
            let _ = self.state.persist();
        }
    }
}
