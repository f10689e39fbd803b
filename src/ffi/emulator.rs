//! `ms_emulator_create`: blank emulated discs for tests and demos.

use std::ffi::c_char;

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG};
use crate::media::Profile;
use crate::scsi::emulator;

use super::boundary;
use super::recorder::path_from;

/// Creates a blank emulated disc at `path` (a sparse image file plus its
/// `path.json` sidecar) with MMC profile `profile` (0x0009 CD-R, 0x001A
/// DVD+RW, 0x001B DVD+R, 0x0041 BD-R, 0x0043 BD-RE …) and `capacity`
/// blocks (0 for the profile's usual capacity). Open it with
/// `ms_recorder_open(path, …)`.
///
/// Errors: `MS_E_POINTER`, `MS_E_INVALIDARG` (unknown profile), file errors.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_emulator_create(
    path: *const c_char,
    profile: u16,
    capacity: u32,
) -> HResult {
    boundary::run("ms_emulator_create", || {
        let path = path_from(path, "path")?;
        let profile = Profile::from_code(profile).ok_or_else(|| {
            Error::new(
                MS_E_INVALIDARG,
                format!("{profile:#06x} is not an MMC profile the emulator knows"),
            )
        })?;
        let capacity = (capacity != 0).then_some(capacity);
        emulator::create_blank(&path, profile, capacity)
    })
}
