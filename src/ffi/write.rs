//! `ms_write`, `ms_erase`, `ms_format`: `IDiscFormat2Data`'s writing part.

use std::ffi::c_void;
use std::time::Duration;

use crate::burn::{CancelToken, DataWriter, Flow, Progress, Recovery, WriteOptions};
use crate::hresult::HResult;

use super::boundary::{self, Out};
use super::handles;
use super::{MsRecorder, MsResult, MS_CONTINUE};

/// The settable properties of `IDiscFormat2Data` that change a write.
/// Start from `ms_write_options_default`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsWriteOptions {
    /// `ForceMediaToBeClosed`: finalize the disc after this session.
    pub force_media_to_be_closed: bool,
    /// `DisableConsumerDvdCompatibilityMode`. IMAPI's default (false)
    /// closes a DVD+R after any write; set it to keep a DVD+R appendable.
    pub disable_consumer_dvd_compatibility_mode: bool,
    /// `ForceOverwrite`: let a session without a commit anchor replace an
    /// ISO 9660 volume on an overwritable medium.
    pub force_overwrite: bool,
    /// Read the session back after writing and compare it.
    pub verify: bool,
    /// Least milliseconds between two progress events while writing or
    /// verifying (IMAPI: 500); action changes are always reported.
    pub progress_interval_ms: u32,
}

impl From<&WriteOptions> for MsWriteOptions {
    fn from(o: &WriteOptions) -> MsWriteOptions {
        MsWriteOptions {
            force_media_to_be_closed: o.force_media_to_be_closed,
            disable_consumer_dvd_compatibility_mode: o.disable_consumer_dvd_compatibility_mode,
            force_overwrite: o.force_overwrite,
            verify: o.verify,
            progress_interval_ms: u32::try_from(o.progress_interval.as_millis())
                .unwrap_or(u32::MAX),
        }
    }
}

impl From<&MsWriteOptions> for WriteOptions {
    fn from(o: &MsWriteOptions) -> WriteOptions {
        WriteOptions {
            force_media_to_be_closed: o.force_media_to_be_closed,
            disable_consumer_dvd_compatibility_mode: o.disable_consumer_dvd_compatibility_mode,
            force_overwrite: o.force_overwrite,
            verify: o.verify,
            progress_interval: Duration::from_millis(u64::from(o.progress_interval_ms)),
        }
    }
}

/// One progress event (`IDiscFormat2DataEventArgs`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MsProgress {
    /// `IMAPI_FORMAT2_DATA_WRITE_ACTION`: 0 validating media, 1 formatting,
    /// 2 initializing hardware, 3 calibrating power, 4 writing data,
    /// 5 finalization, 6 completed, 7 verifying.
    pub action: u32,
    /// `StartLba`: first LBA of the session.
    pub start_lba: i32,
    /// `SectorCount`: blocks in the session.
    pub sector_count: i32,
    /// Blocks written (or verified) so far.
    pub sectors_done: i32,
    /// `LastWrittenLba`; −1 before the first block.
    pub last_written_lba: i32,
    /// `ElapsedTime` in seconds since the write started.
    pub elapsed_seconds: f64,
    /// `RemainingTime`: estimated seconds to the end of the current action;
    /// −1 until a rate is known.
    pub remaining_seconds: f64,
}

impl From<&Progress> for MsProgress {
    fn from(p: &Progress) -> MsProgress {
        let clamp = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        MsProgress {
            action: p.action.value(),
            start_lba: clamp(p.start_lba),
            sector_count: clamp(p.sector_count),
            sectors_done: clamp(p.sectors_done),
            last_written_lba: p.last_written_lba().map_or(-1, clamp),
            elapsed_seconds: p.elapsed.as_secs_f64(),
            remaining_seconds: p.remaining.map_or(-1.0, |d| d.as_secs_f64()),
        }
    }
}

/// A progress callback (`DDiscFormat2DataEvents::Update`): returns
/// `MS_CONTINUE`, or `MS_CANCEL` to stop the write (`CancelWrite`). It runs
/// on the thread that called `ms_write` and must not use the result being
/// written (its handle is busy until `ms_write` returns).
pub type MsProgressFn =
    Option<unsafe extern "C" fn(context: *mut c_void, progress: *const MsProgress) -> u32>;

/// IMAPI's defaults: nothing forced, no verify, an event every 500 ms.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_write_options_default(options: *mut MsWriteOptions) -> HResult {
    boundary::run("ms_write_options_default", || {
        Out::new(options, "options")?.write(MsWriteOptions::from(&WriteOptions::default()));
        Ok(())
    })
}

/// `IDiscFormat2Data::Write`: writes `result` as the next session on the
/// medium in `recorder` and makes it visible — CLOSE SESSION on sequential
/// media (leaving the disc appendable unless the options or IMAPI's DVD+R
/// rule close it), on overwritable media the LBA 16 anchor written last.
/// `options` NULL means IMAPI's defaults; `callback` may be NULL.
///
/// The callback gets every action change and, while writing, an event at
/// most every `progress_interval_ms`; the last event of a successful write
/// is `COMPLETED` (6). Answering `MS_CANCEL` stops before the next WRITE
/// and returns `MS_E_IMAPI_REQUEST_CANCELLED`: the previous session stays
/// the current one and intact, the disc appendable.
///
/// Errors: `MS_E_HANDLE`,
/// `MS_E_IMAPI_REQUEST_CANCELLED`, `MS_E_IMAPI_RECORDER_LOCKED` (another
/// writer), `MS_E_IMAPI_DF2DATA_*` (medium state, stream too large, the
/// result was built for another start block), the recorder family, the
/// data-stream codes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_write(
    recorder: MsRecorder,
    result: MsResult,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    context: *mut c_void,
) -> HResult {
    boundary::run("ms_write", || {
        // SAFETY: the caller's pointers, as documented above.
        unsafe { write_with(recorder, result, options, callback, context, None) }
    })
}

/// The body of `ms_write` and `ms_write_with_cancel`.
pub(crate) unsafe fn write_with(
    recorder: MsRecorder,
    result: MsResult,
    options: *const MsWriteOptions,
    callback: MsProgressFn,
    context: *mut c_void,
    cancel: Option<CancelToken>,
) -> crate::Result<()> {
    let options = options_from(options);
    let recorder = handles::get(recorder)?;
    let mut writer = DataWriter::new(recorder, options);
    if let Some(token) = cancel {
        writer = writer.cancel_on(token);
    }
    let mut progress = progress_adapter(callback, context);
    handles::edit(result, |stream| {
        writer.write(stream, &mut progress).map(drop)
    })?
}

/// The caller's progress callback as the writer's.
pub(crate) fn progress_adapter(
    callback: MsProgressFn,
    context: *mut c_void,
) -> impl FnMut(&Progress) -> Flow {
    move |p: &Progress| -> Flow {
        let Some(callback) = callback else {
            return Flow::Continue;
        };
        let event = MsProgress::from(p);
        // SAFETY: the caller's callback with the caller's context; the
        // event lives across the call.
        match unsafe { callback(context, &event) } {
            MS_CONTINUE => Flow::Continue,
            _ => Flow::Cancel,
        }
    }
}

/// Options from a C pointer; NULL means IMAPI's defaults.
pub(crate) fn options_from(options: *const MsWriteOptions) -> WriteOptions {
    // SAFETY: NULL is allowed; otherwise a valid struct the caller owns.
    match unsafe { options.as_ref() } {
        Some(o) => WriteOptions::from(o),
        None => WriteOptions::default(),
    }
}

/// `IDiscFormat2Erase`: blanks a CD-RW or DVD-RW (`full`: the whole disc,
/// else the minimal blank; DVD-RW is always blanked fully), and makes a
/// DVD+RW, DVD-RAM or BD-RE look blank.
///
/// Errors: `MS_E_HANDLE`, `MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED`,
/// `MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED`, `MS_E_IMAPI_RECORDER_LOCKED`,
/// the recorder family.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_erase(recorder: MsRecorder, full: bool) -> HResult {
    boundary::run("ms_erase", || {
        let recorder = handles::get(recorder)?;
        DataWriter::new(recorder, WriteOptions::default()).erase(full)
    })
}

/// Formats a DVD+RW or BD-RE (FORMAT UNIT, full format).
///
/// Errors: `MS_E_HANDLE`, `MS_E_IMAPI_RECORDER_LOCKED`, the recorder family.
#[no_mangle]
#[must_use]
pub extern "C" fn ms_format(recorder: MsRecorder) -> HResult {
    boundary::run("ms_format", || {
        let recorder = handles::get(recorder)?;
        DataWriter::new(recorder, WriteOptions::default()).format()
    })
}

/// `ms_recover` outcome: the disc had no interrupted session.
pub const MS_RECOVERY_NOT_NEEDED: u32 = 0;
/// `ms_recover` outcome: the interrupted session was closed as abandoned
/// and the last intact session put back on top; the next import sees it.
pub const MS_RECOVERY_RESTORED: u32 = 1;
/// `ms_recover` outcome: the interrupted session was the disc's first; it
/// was closed as abandoned and the next session starts a new volume.
pub const MS_RECOVERY_EMPTIED: u32 = 2;

/// Makes a sequential disc that a cancelled or failed `ms_write` left with
/// an open session appendable again, with the last intact session as the
/// one the next import reads. Call it before putting the list on the image
/// for the next append; on other discs it does nothing
/// (`MS_RECOVERY_NOT_NEEDED`). Overwritable media need no recovery: their
/// anchor is written last. A Pseudo-Overwrite BD-R needs it only after an
/// interrupted first session (`MS_RECOVERY_EMPTIED`).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_IMAPI_RECORDER_LOCKED`,
/// `MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE`, the recorder family.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_recover(recorder: MsRecorder, outcome: *mut u32) -> HResult {
    boundary::run("ms_recover", || {
        let out = Out::new(outcome, "outcome")?;
        let recorder = handles::get(recorder)?;
        let done = DataWriter::new(recorder, WriteOptions::default()).recover()?;
        out.write(match done {
            Recovery::NotNeeded => MS_RECOVERY_NOT_NEEDED,
            Recovery::Restored { .. } => MS_RECOVERY_RESTORED,
            Recovery::Emptied { .. } => MS_RECOVERY_EMPTIED,
        });
        Ok(())
    })
}
