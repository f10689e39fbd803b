//! `ms_enumerate_drives`: the machine's optical drives (`IDiscMaster2`).

use std::ffi::c_char;
use std::time::Duration;

use crate::error::Error;
use crate::hresult::{HResult, MS_E_INVALIDARG, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_POINTER};
use crate::recorder::{enumerate_drives, DriveEntry};

use super::boundary::{self, Out};

/// Room for a path in `ms_drive_info`, NUL included.
pub const MS_DRIVE_PATH_BYTES: usize = 256;
/// The most profiles `ms_drive_info` carries.
pub const MS_DRIVE_MAX_PROFILES: usize = 32;
/// The most feature codes `ms_drive_info` carries.
pub const MS_DRIVE_MAX_FEATURES: usize = 128;

/// One drive of `ms_enumerate_drives`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsDriveInfo {
    /// What `ms_recorder_open` takes: a device node, or a virtual device
    /// of the preload library (open `backing` without the preload).
    pub path: [c_char; MS_DRIVE_PATH_BYTES],
    /// The emulated disc behind a virtual device; empty for real drives.
    pub backing: [c_char; MS_DRIVE_PATH_BYTES],
    /// INQUIRY vendor, product and revision, NUL-terminated.
    pub vendor: [c_char; 16],
    pub product: [c_char; 32],
    pub revision: [c_char; 16],
    /// `IDiscRecorder2::get_CurrentProfiles` (one; 0 without a medium).
    pub current_profile: u16,
    /// `get_SupportedProfiles`: `profile_count` entries of `profiles`.
    pub profile_count: u32,
    pub profiles: [u16; MS_DRIVE_MAX_PROFILES],
    /// `get_SupportedFeaturePages`: `feature_count` entries of `features`.
    pub feature_count: u32,
    pub features: [u16; MS_DRIVE_MAX_FEATURES],
}

fn copy_text<const N: usize>(text: &str) -> [c_char; N] {
    let mut out = [0 as c_char; N];
    let mut end = text.len().min(N - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    for (to, &from) in out.iter_mut().zip(&text.as_bytes()[..end]) {
        *to = from as c_char;
    }
    out
}

impl MsDriveInfo {
    fn from_entry(e: &DriveEntry) -> MsDriveInfo {
        let mut profiles = [0u16; MS_DRIVE_MAX_PROFILES];
        let profile_count = e.profiles.len().min(MS_DRIVE_MAX_PROFILES);
        profiles[..profile_count].copy_from_slice(&e.profiles[..profile_count]);
        let mut features = [0u16; MS_DRIVE_MAX_FEATURES];
        let feature_count = e.features.len().min(MS_DRIVE_MAX_FEATURES);
        features[..feature_count].copy_from_slice(&e.features[..feature_count]);
        MsDriveInfo {
            path: copy_text(&e.path.to_string_lossy()),
            backing: copy_text(
                &e.backing
                    .as_ref()
                    .map_or(String::new(), |b| b.to_string_lossy().into_owned()),
            ),
            vendor: copy_text(&e.identity.vendor),
            product: copy_text(&e.identity.product),
            revision: copy_text(&e.identity.revision),
            current_profile: e.current_profile,
            profile_count: profile_count as u32,
            profiles,
            feature_count: feature_count as u32,
            features,
        }
    }
}

/// The most drives listed.
const MAX_DRIVES: usize = 256;

/// Lists the machine's optical drives into `drives` (room for `capacity`):
/// the virtual devices `MULTISESSION_VDEV` maps, then every `/dev/sr*`
/// and `/dev/sg*` that answers as an MMC drive within `timeout_ms` (all
/// are asked at once; one that is busy longer is left out rather than
/// stall the scan). A drive is listed once: under its `/dev/srN` node, not
/// again under the `/dev/sgM` node sysfs names for the same SCSI device.
/// `*count` receives how many were found, also with
/// `MS_E_NOT_SUFFICIENT_BUFFER` (`drives` may be NULL with `capacity` 0;
/// a second call scans again).
///
/// Errors: `MS_E_POINTER`, `MS_E_INVALIDARG` (`capacity` above 256),
/// `MS_E_NOT_SUFFICIENT_BUFFER`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_enumerate_drives(
    timeout_ms: u32,
    drives: *mut MsDriveInfo,
    capacity: usize,
    count: *mut usize,
) -> HResult {
    boundary::run("ms_enumerate_drives", || {
        let count = Out::new(count, "count")?;
        if drives.is_null() && capacity != 0 {
            return Err(Error::new(MS_E_POINTER, "`drives` is NULL"));
        }
        if capacity > MAX_DRIVES {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!("`capacity` {capacity} is more than the {MAX_DRIVES} drives listed"),
            ));
        }
        let found: Vec<DriveEntry> = enumerate_drives(Duration::from_millis(u64::from(timeout_ms)))
            .into_iter()
            .take(MAX_DRIVES)
            .collect();
        count.write(found.len());
        if found.len() > capacity {
            return Err(Error::new(
                MS_E_NOT_SUFFICIENT_BUFFER,
                format!(
                    "{} drives found, the array has room for {capacity}",
                    found.len()
                ),
            ));
        }
        for (i, entry) in found.iter().enumerate() {
            // SAFETY: non-NULL (capacity >= len > i); room for `capacity`.
            unsafe { drives.add(i).write(MsDriveInfo::from_entry(entry)) };
        }
        Ok(())
    })
}
