//! `ms_recorder_*`: open a drive and ask it about the medium.

use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::hresult::{HResult, MS_E_INVALIDARG};
use crate::mmc::MediaInfo;
use crate::recorder::Recorder;
use crate::session;
use crate::session::values::{long, long_or_minus_one};

use super::boundary::{self, c_str, Out, StringOut};
use super::handles;
use super::{
    new_list, MsList, MsRecorder, MS_IDENTITY_PRODUCT, MS_IDENTITY_REVISION, MS_IDENTITY_VENDOR,
};

/// What the drive reports about the loaded medium (`IDiscFormat2Data`'s
/// media properties in one struct). Addresses and counts are IMAPI `LONG`s,
/// −1 where there is none.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsMediaInfo {
    /// MMC profile number (0x0009 CD-R, 0x001B DVD+R …).
    pub profile: u16,
    /// `IMAPI_MEDIA_PHYSICAL_TYPE`.
    pub physical_type: u32,
    /// `IMAPI_FORMAT2_DATA_MEDIA_STATE` bits.
    pub media_state: u32,
    /// `IMAPI_MEDIA_WRITE_PROTECT_STATE` bits.
    pub write_protect: u32,
    /// Complete sessions on the medium.
    pub sessions: u32,
    pub start_address_of_previous_session: i32,
    pub last_written_address_of_previous_session: i32,
    pub next_writable_address: i32,
    pub free_sectors_on_media: i32,
    pub total_sectors_on_media: i32,
    pub last_recorded_address: i32,
    pub write_unit_size: i32,
    /// BD-R formatted for Pseudo-Overwrite.
    pub pseudo_overwrite: bool,
}

impl MsMediaInfo {
    pub(crate) fn from_media(m: &MediaInfo) -> Result<MsMediaInfo> {
        Ok(MsMediaInfo {
            profile: m.profile.code(),
            physical_type: m.physical_type() as u32,
            media_state: m.media_state().0,
            write_protect: m.write_protect.0,
            sessions: u32::from(m.sessions),
            start_address_of_previous_session: long_or_minus_one(
                m.previous_session.map(|s| s.start),
                "previous session start",
            )?,
            last_written_address_of_previous_session: long_or_minus_one(
                m.previous_session.map(|s| s.last_written),
                "previous session end",
            )?,
            next_writable_address: long_or_minus_one(m.next_writable, "next writable address")?,
            free_sectors_on_media: long(m.free_blocks, "free sectors")?,
            total_sectors_on_media: long(m.total_sectors, "total sectors")?,
            last_recorded_address: long_or_minus_one(m.last_recorded, "last recorded address")?,
            write_unit_size: long(m.write_unit, "write unit")?,
            pseudo_overwrite: m.pseudo_overwrite,
        })
    }
}

/// A path argument: bytes as the OS gives them, no encoding assumed.
pub(crate) fn path_from(ptr: *const c_char, what: &str) -> Result<PathBuf> {
    let bytes = c_str(ptr, what)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes)
            .map(PathBuf::from)
            .map_err(|_| Error::new(MS_E_INVALIDARG, format!("`{what}` is not UTF-8")))
    }
}

/// Opens the drive at `path`: a device node (/dev/srN, /dev/sgN) or an
/// emulated disc image (see `ms_emulator_create`).
///
/// Errors: `MS_E_POINTER`, the recorder family (`MS_E_IMAPI_RECORDER_*`),
/// file errors.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_open(
    path: *const c_char,
    recorder: *mut MsRecorder,
) -> HResult {
    boundary::run("ms_recorder_open", || {
        let out = Out::new(recorder, "recorder")?;
        let path = path_from(path, "path")?;
        let opened = Recorder::open(&path)?;
        out.write(handles::insert(Arc::new(opened))?);
        Ok(())
    })
}

/// Writes one INQUIRY identity field (`MS_IDENTITY_VENDOR`,
/// `MS_IDENTITY_PRODUCT`, `MS_IDENTITY_REVISION`) into `buf`; `*needed`
/// and the `len` limit as for `ms_status_describe`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_identity(
    recorder: MsRecorder,
    field: u32,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> HResult {
    boundary::run("ms_recorder_identity", || {
        let out = StringOut::new(buf, len, needed)?;
        handles::with(recorder, |recorder| {
            let identity = recorder.identity();
            let text = match field {
                MS_IDENTITY_VENDOR => &identity.vendor,
                MS_IDENTITY_PRODUCT => &identity.product,
                MS_IDENTITY_REVISION => &identity.revision,
                other => {
                    return Err(Error::new(
                        MS_E_INVALIDARG,
                        format!("identity field {other} is not one of MS_IDENTITY_*"),
                    ))
                }
            };
            out.write(text)
        })?
    })
}

/// What the drive reports about the loaded medium now.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, the recorder family
/// (`MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA` …).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_media_info(
    recorder: MsRecorder,
    info: *mut MsMediaInfo,
) -> HResult {
    boundary::run("ms_recorder_media_info", || {
        let out = Out::new(info, "info")?;
        let media = handles::with(recorder, Recorder::media_info)??;
        out.write(MsMediaInfo::from_media(&media)?);
        Ok(())
    })
}

/// The multisession objects the drive offers for the loaded medium
/// (`IDiscFormat2Data::get_MultisessionInterfaces`), by media type: a
/// Sequential object for CD-R/RW, DVD±R, DVD-RW sequential, BD-R; a
/// RandomWrite object for DVD+RW, DVD-RW restricted overwrite, DVD-RAM,
/// BD-RE; a Sequential and a PseudoOverwrite object for BD-R with POW.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA`,
/// `MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED` (read-only media).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_multisession_interfaces(
    recorder: MsRecorder,
    list: *mut MsList,
) -> HResult {
    boundary::run("ms_recorder_multisession_interfaces", || {
        let out = Out::new(list, "list")?;
        let recorder = handles::get(recorder)?;
        out.write(new_list(session::offer(&recorder)?)?);
        Ok(())
    })
}

/// Releases a recorder handle. Objects that still refer to the drive (a
/// multisession object's import recorder) keep it open.
///
/// Errors: `MS_E_HANDLE` (zero, already released, wrong kind).
#[no_mangle]
pub extern "C" fn ms_recorder_release(recorder: MsRecorder) -> HResult {
    boundary::run("ms_recorder_release", || handles::remove(recorder))
}
