//! `ms_emulator_create`: blank emulated discs for tests and demos.

use std::ffi::c_char;

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG};
use crate::media::Profile;
use crate::scsi::emulator::{self, Existing};

use super::boundary;
use super::recorder::path_from;

/// Creates a blank emulated disc at `path` (a sparse image file plus its
/// `path.json` sidecar) with MMC profile `profile` (0x0009 CD-R, 0x001A
/// DVD+RW, 0x001B DVD+R, 0x0041 BD-R, 0x0043 BD-RE …) and `capacity`
/// blocks (0 for the profile's usual capacity). Open it with
/// `ms_recorder_open(path, …)`. An existing image or sidecar is never
/// replaced (its sessions would be lost): use `ms_emulator_create_ex` to
/// replace one.
///
/// Errors: `MS_E_POINTER`, `MS_E_INVALIDARG` (unknown profile),
/// `MS_E_WIN32_FILE_EXISTS` (an image or sidecar is already at `path`;
/// both are left unchanged), file errors.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_emulator_create(
    path: *const c_char,
    profile: u16,
    capacity: u32,
) -> HResult {
    boundary::run("ms_emulator_create", || {
        create(path, profile, capacity, Existing::Refuse)
    })
}

/// `ms_emulator_create` that, with `replace`, blanks a disc already at
/// `path` (every recorded session is lost); without it, it refuses one
/// with `MS_E_WIN32_FILE_EXISTS` exactly as `ms_emulator_create` does.
///
/// Errors: those of `ms_emulator_create`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_emulator_create_ex(
    path: *const c_char,
    profile: u16,
    capacity: u32,
    replace: bool,
) -> HResult {
    boundary::run("ms_emulator_create_ex", || {
        let existing = if replace {
            Existing::Replace
        } else {
            Existing::Refuse
        };
        create(path, profile, capacity, existing)
    })
}

fn create(
    path: *const c_char,
    profile: u16,
    capacity: u32,
    existing: Existing,
) -> crate::error::Result<()> {
    let path = path_from(path, "path")?;
    let profile = Profile::from_code(profile).ok_or_else(|| {
        Error::new(
            MS_E_INVALIDARG,
            format!("{profile:#06x} is not an MMC profile the emulator knows"),
        )
    })?;
    let capacity = (capacity != 0).then_some(capacity);
    emulator::create_blank(&path, profile, capacity, existing)
}
