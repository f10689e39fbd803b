//! `ms_image_prepare_for`, `ms_close_disc`, `ms_recorder_sessions`: the
//! whole next-session setup in one call, finalizing, and what sessions a
//! medium holds.

use std::ffi::c_char;

use crate::burn::{DataWriter, WriteOptions};
use crate::error::Error;
use crate::fsi::{recorded_sessions, Preparation, RecordedVolume};
use crate::hresult::{HResult, MS_E_INVALIDARG, MS_E_NOT_SUFFICIENT_BUFFER, MS_E_POINTER};

use super::boundary::{self, Out};
use super::handles;
use super::{MsImage, MsRecorder};

/// `ms_preparation.how`: the medium holds nothing to import; the next
/// session is its first volume (IMAPI: `ChooseImageDefaults`).
pub const MS_PREPARED_FIRST_SESSION: u32 = 0;
/// `ms_preparation.how`: a session was imported and the next session
/// continues it (IMAPI: `put_MultisessionInterfaces` + `ImportFileSystem`).
pub const MS_PREPARED_IMPORTED: u32 = 1;

/// What `ms_image_prepare_for` did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsPreparation {
    /// `MS_PREPARED_FIRST_SESSION` or `MS_PREPARED_IMPORTED`.
    pub how: u32,
    /// First block of the imported session; −1 for a first session.
    pub imported_session_start: i32,
    /// The `MS_FS_*` bit imported; 0 for a first session.
    pub imported_file_system: u32,
    /// Start of a newer session that holds no file system (another
    /// program's aborted write) and was passed over so that its
    /// predecessor's files are kept; −1 when the newest was imported.
    pub skipped_session_start: i32,
}

fn lba(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

impl From<Preparation> for MsPreparation {
    fn from(p: Preparation) -> MsPreparation {
        match p {
            Preparation::FirstSession => MsPreparation {
                how: MS_PREPARED_FIRST_SESSION,
                imported_session_start: -1,
                imported_file_system: 0,
                skipped_session_start: -1,
            },
            Preparation::Imported {
                session_start,
                file_system,
                newest_without_file_system,
            } => MsPreparation {
                how: MS_PREPARED_IMPORTED,
                imported_session_start: lba(session_start),
                imported_file_system: file_system.bits(),
                skipped_session_start: newest_without_file_system.map_or(-1, lba),
            },
        }
    }
}

/// Readies `image` for the next session on the medium in `recorder`,
/// whatever its state, doing IMAPI2's whole flow: on blank media
/// `ms_image_choose_defaults`; otherwise `ms_set_interfaces` with every
/// object the drive offers (sequential, random-write or Pseudo-Overwrite)
/// and `ms_image_import` of the newest session. A formatted overwritable
/// medium without a volume takes its first session through the object.
/// When the newest session holds no file system, the newest one that does
/// is imported (`skipped_session_start` says so) rather than dropping its
/// files. `*done` tells which; add files, then `ms_image_create_result`.
///
/// Call it on a new image (files already added are kept and win name
/// clashes). After a cancelled or failed write, call `ms_recover` first.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, those of
/// `ms_image_choose_defaults`, `ms_set_interfaces` and `ms_image_import`
/// (`MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE` on an image that already imported).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_image_prepare_for(
    image: MsImage,
    recorder: MsRecorder,
    done: *mut MsPreparation,
) -> HResult {
    boundary::run("ms_image_prepare_for", || {
        let out = Out::new(done, "done")?;
        let recorder = handles::get(recorder)?;
        let how = handles::edit(image, |image| image.prepare_for(&recorder))??;
        out.write(MsPreparation::from(how));
        Ok(())
    })
}

/// Finalizes (closes) an appendable sequential disc so that no session can
/// be added and every reader sees it as complete — what
/// `ForceMediaToBeClosed` does with a write, without one.
///
/// Errors: `MS_E_HANDLE`, `MS_E_IMAPI_RECORDER_LOCKED` (another writer),
/// `MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE` (blank, already closed, or
/// overwritable media), the recorder family.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_close_disc(recorder: MsRecorder) -> HResult {
    boundary::run("ms_close_disc", || {
        let recorder = handles::get(recorder)?;
        DataWriter::new(recorder, WriteOptions::default()).close_disc()
    })
}

/// Room for a volume name in UTF-8 with its NUL: 32 characters of up to
/// three bytes each.
pub const MS_VOLUME_NAME_BYTES: usize = 100;

/// One recorded session of a medium (`ms_recorder_sessions`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsSessionInfo {
    /// 1 for the first session.
    pub number: u32,
    /// First block; the volume descriptors are at `start + 16`.
    pub start: i32,
    /// Blocks the session takes on the medium.
    pub blocks: i32,
    /// False for an open session an interrupted write left (see
    /// `ms_recover`).
    pub complete: bool,
    /// `MS_FS_*` bits of the file systems in the session; 0 for none.
    pub file_systems: u32,
    /// Volume creation date in seconds since 1970 (UTC); valid only with
    /// `has_created`.
    pub created: i64,
    pub has_created: bool,
    /// NUL-terminated UTF-8: the Joliet volume name when there is one (it
    /// keeps case), else the primary one; empty without a volume.
    pub volume_name: [c_char; MS_VOLUME_NAME_BYTES],
}

impl MsSessionInfo {
    fn from_volume(v: &RecordedVolume) -> MsSessionInfo {
        let mut name = [0 as c_char; MS_VOLUME_NAME_BYTES];
        let mut end = v.volume_name.len().min(MS_VOLUME_NAME_BYTES - 1);
        while !v.volume_name.is_char_boundary(end) {
            end -= 1;
        }
        for (to, &from) in name.iter_mut().zip(&v.volume_name.as_bytes()[..end]) {
            *to = from as c_char;
        }
        MsSessionInfo {
            number: u32::from(v.number),
            start: lba(v.start),
            blocks: lba(v.blocks),
            complete: v.complete,
            file_systems: v.file_systems.bits(),
            created: v.created.unwrap_or(0),
            has_created: v.created.is_some(),
            volume_name: name,
        }
    }
}

/// The most sessions a medium can hold (MMC numbers them in 16 bits).
const MAX_SESSIONS: usize = u16::MAX as usize;

/// Lists the sessions of the medium in `recorder`, oldest first, into
/// `sessions` (room for `capacity`); `*count` receives how many there are,
/// also with `MS_E_NOT_SUFFICIENT_BUFFER` when they do not fit (`sessions`
/// may be NULL with `capacity` 0 to ask). A blank medium has none.
/// Overwritable media keep one growing volume: one entry at 0.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (`capacity`
/// above 65,535), `MS_E_NOT_SUFFICIENT_BUFFER`, the recorder family,
/// `MS_IMAPI_E_IMPORT_READ_FAILURE`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recorder_sessions(
    recorder: MsRecorder,
    sessions: *mut MsSessionInfo,
    capacity: usize,
    count: *mut usize,
) -> HResult {
    boundary::run("ms_recorder_sessions", || {
        let count = Out::new(count, "count")?;
        if sessions.is_null() && capacity != 0 {
            return Err(Error::new(MS_E_POINTER, "`sessions` is NULL"));
        }
        if capacity > MAX_SESSIONS {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!("`capacity` {capacity} is more than the {MAX_SESSIONS} sessions a medium can hold"),
            ));
        }
        let recorder = handles::get(recorder)?;
        let found = recorded_sessions(&recorder)?;
        let fits = found.len() <= capacity;
        count.write(found.len());
        if !fits {
            return Err(Error::new(
                MS_E_NOT_SUFFICIENT_BUFFER,
                format!(
                    "the medium holds {} sessions, the array has room for {capacity}",
                    found.len()
                ),
            ));
        }
        for (i, volume) in found.iter().enumerate() {
            // SAFETY: non-NULL (capacity >= len > i) and the caller
            // promises room for `capacity` elements.
            unsafe { sessions.add(i).write(MsSessionInfo::from_volume(volume)) };
        }
        Ok(())
    })
}
