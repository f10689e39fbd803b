//! What a write will do, decided before the first command from the medium
//! as probed and the shape of the session: which checks fail, which write
//! parameters go out, how the session is closed or committed.
//!
//! Everything here is a pure function of [`MediaInfo`], the stream's
//! geometry and the options, so the IMAPI rules (the E_IMAPI_DF2DATA_*
//! checks, the DVD+R consumer-compatibility matrix, the 2 % rule) are
//! tested without a drive.

use crate::burn::params;
use crate::burn::WriteOptions;
use crate::error::{Error, Result};
use crate::fsi::Anchor;
use crate::hresult;
use crate::media::{Family, MediaState, Profile, WriteModel};
use crate::mmc::cdb::CloseFunction;
use crate::mmc::mode::WriteParameters;
use crate::mmc::{DiscStatus, FormatState, MediaInfo, SessionState};
use crate::session::placement::PVD_LBA;

/// Where a session stream goes: its first block, its length and the
/// optional commit anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamShape {
    pub start: u32,
    pub blocks: u32,
    pub anchor: Option<Anchor>,
    /// Rewritten just before `anchor` (a UDF bridge's pointer at LBA 256).
    pub second_anchor: Option<Anchor>,
}

impl StreamShape {
    /// The shape `stream` declares.
    pub fn of(stream: &dyn crate::fsi::SessionStream) -> StreamShape {
        StreamShape {
            start: stream.start_block(),
            blocks: stream.total_blocks(),
            anchor: stream.anchor(),
            second_anchor: stream.second_anchor(),
        }
    }
}

/// How the end of a session on sequential media leaves the disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Another session can be appended.
    Appendable,
    /// Finalized (closed): nothing more can be written.
    Finalized,
}

/// What follows CLOSE TRACK at the end of a sequential session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionClose {
    /// Close the session; on CD and DVD-R/RW page 05 decided whether that
    /// also closes the disc.
    Session,
    /// DVD+R, BD-R: finalize the disc.
    FinalizeDisc,
    /// DVD+R DL: finalize with minimal radius.
    FinalizeMinimalRadius,
}

impl SessionClose {
    pub(crate) fn function(self) -> CloseFunction {
        match self {
            SessionClose::Session => CloseFunction::Session,
            SessionClose::FinalizeDisc => CloseFunction::FinalizeDisc,
            SessionClose::FinalizeMinimalRadius => CloseFunction::FinalizeMinimalRadius,
        }
    }
}

/// The decided write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// A new session at the next writable address, made visible by closing.
    Sequential {
        parameters: Option<WriteParameters>,
        finish: Finish,
        /// Sent after CLOSE TRACK of the session's track.
        close: SessionClose,
        /// Blocks actually written: the stream padded to whole packets
        /// where the medium records fixed packets.
        padded_blocks: u32,
    },
    /// Data anywhere after the previous image, then the anchor as the commit.
    Overwrite {
        format_first: bool,
        padded_blocks: u32,
        anchor: Option<Anchor>,
        second_anchor: Option<Anchor>,
        /// LBA 16 must be read first: an anchorless session covering it
        /// would replace a volume there, which IMAPI allows only with
        /// ForceOverwrite.
        check_volume: bool,
    },
}

fn invalid_state(profile: Profile, why: impl std::fmt::Display) -> Error {
    Error::new(
        hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
        format!("{profile} medium: {why}"),
    )
}

fn unusable_stream(why: impl std::fmt::Display) -> Error {
    Error::new(
        hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED,
        why.to_string(),
    )
}

fn too_large(blocks: u32, at: u32, room: u32) -> Error {
    Error::new(
        hresult::MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
        format!(
            "session of {blocks} blocks at LBA {at} needs more than the {room} blocks available"
        ),
    )
}

/// Least blocks of a CD track: the Orange Book's 4 seconds at 75 blocks a
/// second. libburn and wodim pad every CD track to it, and drives refuse to
/// close a shorter one (the emulator answers 5/64/00).
pub const CD_MIN_TRACK_BLOCKS: u32 = 300;

/// Blocks actually written for a session of `blocks`: rounded up to the
/// packet size the medium records in (only media written in fixed packets,
/// DVD-R/RW incremental and DVD-RW restricted overwrite, need whole packets
/// from the host), and on CD at least [`CD_MIN_TRACK_BLOCKS`].
///
/// The padding is decided here, not in the file-system build, because it
/// belongs to the medium, not to the volume: every stream (an image, a
/// recovery mirror, a caller's own) gets it, the ISO 9660 volume space
/// size keeps describing the volume alone, and the zeros after it are
/// part of the track, so the session's lead-out follows them.
fn padded(profile: Profile, blocks: u32) -> u32 {
    if profile.family() == Family::Cd {
        return blocks.max(CD_MIN_TRACK_BLOCKS);
    }
    let packet = match profile {
        Profile::DvdMinusR
        | Profile::DvdMinusRwSequential
        | Profile::DvdMinusRDl
        | Profile::DvdMinusRDlJump
        | Profile::DvdMinusRwRestricted => 16,
        _ => 1,
    };
    blocks.div_ceil(packet) * packet
}

/// Decides the write, or the IMAPI error that stops it before any command.
pub(crate) fn plan(info: &MediaInfo, shape: &StreamShape, options: &WriteOptions) -> Result<Plan> {
    refuse_unwritable(info)?;
    if shape.blocks == 0 {
        return Err(unusable_stream("the session stream is empty"));
    }
    let blocks = padded(info.profile, shape.blocks);
    if info.write_model() == WriteModel::RandomWrite || info.pseudo_overwrite {
        plan_overwrite(info, shape, blocks, options)
    } else {
        plan_sequential(info, shape, blocks, options)
    }
}

/// The checks of [`plan`] that need only the medium: what refuses any
/// session, whatever its shape (a caller's stream is checked against them
/// before a byte of it is read).
pub(crate) fn refuse_unwritable(info: &MediaInfo) -> Result<()> {
    let profile = info.profile;
    if info.write_model() == WriteModel::ReadOnly {
        return Err(Error::new(
            hresult::MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
            format!("{profile} media cannot be written"),
        ));
    }
    if info.write_protect.is_protected() {
        return Err(Error::new(
            hresult::MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
            format!(
                "{profile} medium is write-protected (state {:#x})",
                info.write_protect.0
            ),
        ));
    }
    if info.write_model() == WriteModel::RandomWrite || info.pseudo_overwrite {
        return Ok(());
    }
    if info.disc_status == DiscStatus::Finalized {
        return Err(invalid_state(
            profile,
            crate::session::selection::finalized_advice(profile),
        ));
    }
    if info.last_session == SessionState::Damaged
        || info.media_state().contains(MediaState::DAMAGED)
    {
        return Err(invalid_state(profile, "the last session is damaged"));
    }
    if info.last_session == SessionState::Incomplete {
        return Err(invalid_state(
            profile,
            format!(
                "an interrupted write left the last session open (next writable address {:?}); DataWriter::recover (`multisession recover`) closes it and puts the last intact session back on top",
                info.next_writable
            ),
        ));
    }
    if matches!(profile, Profile::DvdMinusR | Profile::DvdMinusRwSequential) && !info.incremental {
        return Err(invalid_state(
            profile,
            "incremental recording is not available (a minimally blanked DVD-RW needs a full erase)",
        ));
    }
    Ok(())
}

fn plan_sequential(
    info: &MediaInfo,
    shape: &StreamShape,
    blocks: u32,
    options: &WriteOptions,
) -> Result<Plan> {
    let profile = info.profile;
    if let Some(anchor) = shape.anchor.or(shape.second_anchor) {
        return Err(unusable_stream(format!(
            "a commit anchor at LBA {} cannot be rewritten on write-once {profile} media",
            anchor.lba
        )));
    }
    let nwa = info
        .next_writable
        .ok_or_else(|| invalid_state(profile, "the drive reports no next writable address"))?;
    if shape.start != nwa {
        return Err(Error::new(
            hresult::MS_IMAPI_E_DISC_MISMATCH,
            format!(
                "the session was built to start at LBA {} but the next writable address is {nwa}; build it again for this disc",
                shape.start
            ),
        ));
    }
    if blocks > info.free_blocks {
        return Err(too_large(blocks, nwa, info.free_blocks));
    }
    let finish = finish(info, blocks, options);
    let close = match (profile, finish) {
        (Profile::DvdPlusR | Profile::BdR, Finish::Finalized) => SessionClose::FinalizeDisc,
        (Profile::DvdPlusRDl, Finish::Finalized) => SessionClose::FinalizeMinimalRadius,
        // CD and DVD-R/RW: page 05 decided whether this closes the disc.
        _ => SessionClose::Session,
    };
    Ok(Plan::Sequential {
        parameters: params::write_parameters(profile, finish),
        finish,
        close,
        padded_blocks: blocks,
    })
}

/// Whether this session finalizes the disc: on request, by the DVD+R
/// consumer-compatibility matrix (docs/imapi2-mapping.md), for media without
/// multisession, and when at most 2 % of the disc would stay free.
fn finish(info: &MediaInfo, blocks: u32, options: &WriteOptions) -> Finish {
    let nearly_full = u64::from(info.free_blocks - blocks) * 50 <= u64::from(info.total_sectors);
    let finalize = match info.profile {
        Profile::DvdMinusRDl | Profile::DvdMinusRDlJump | Profile::DvdPlusRDl => true,
        Profile::DvdPlusR => {
            !options.disable_consumer_dvd_compatibility_mode || options.force_media_to_be_closed
        }
        _ => options.force_media_to_be_closed,
    };
    if finalize || nearly_full {
        Finish::Finalized
    } else {
        Finish::Appendable
    }
}

fn plan_overwrite(
    info: &MediaInfo,
    shape: &StreamShape,
    blocks: u32,
    options: &WriteOptions,
) -> Result<Plan> {
    let profile = info.profile;
    let format_first = match info.format {
        FormatState::Unformatted
            if matches!(
                profile,
                Profile::DvdPlusRw | Profile::DvdPlusRwDl | Profile::BdRe
            ) =>
        {
            true
        }
        FormatState::Unformatted => {
            return Err(Error::new(
                hresult::MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
                format!("{profile} medium is not formatted"),
            ))
        }
        _ => false,
    };
    if info.pseudo_overwrite {
        // BD-R POW: the drive remaps rewrites, but new data still goes at
        // the next writable address, or at the cluster after it (sessions
        // are placed on clusters; an interrupted write can leave the
        // address inside one, and the writer pads up to the session).
        let nwa = info
            .next_writable
            .ok_or_else(|| invalid_state(profile, "the drive reports no next writable address"))?;
        let unit = info.write_unit.max(1);
        if shape.start != nwa && shape.start != nwa.div_ceil(unit) * unit {
            return Err(Error::new(
                hresult::MS_IMAPI_E_DISC_MISMATCH,
                format!(
                    "the session was built to start at LBA {} but the pseudo-overwrite next writable address is {nwa}",
                    shape.start
                ),
            ));
        }
    }
    if profile == Profile::DvdMinusRwRestricted {
        // The anchor is widened to whole packets when it is written; the
        // session itself must start on a packet.
        if shape.start % 16 != 0 {
            return Err(unusable_stream(format!(
                "DVD-RW restricted overwrite takes only 16-block aligned writes; the session starts at LBA {}",
                shape.start
            )));
        }
    }
    let capacity = if info.pseudo_overwrite {
        info.total_sectors
    } else {
        info.free_blocks.max(info.total_sectors)
    };
    let end = u64::from(shape.start) + u64::from(blocks);
    if end > u64::from(capacity) {
        return Err(too_large(
            blocks,
            shape.start,
            capacity.saturating_sub(shape.start),
        ));
    }
    for anchor in [shape.anchor, shape.second_anchor].into_iter().flatten() {
        if anchor.blocks == 0 {
            return Err(unusable_stream("the commit anchor is empty"));
        }
        let anchor_end = u64::from(anchor.lba) + u64::from(anchor.blocks);
        if anchor_end > u64::from(shape.start) && u64::from(anchor.lba) < end {
            return Err(unusable_stream(format!(
                "the commit anchor (LBA {}..{anchor_end}) overlaps the session data (LBA {}..{end})",
                anchor.lba, shape.start
            )));
        }
        if anchor_end > u64::from(capacity) {
            return Err(too_large(
                anchor.blocks,
                anchor.lba,
                capacity.saturating_sub(anchor.lba),
            ));
        }
    }
    Ok(Plan::Overwrite {
        format_first,
        padded_blocks: blocks,
        anchor: shape.anchor,
        second_anchor: shape.second_anchor,
        check_volume: shape.anchor.is_none()
            && !options.force_overwrite
            && shape.start <= PVD_LBA
            && recorded_up_to_pvd(info),
    })
}

/// Whether anything was ever written up to LBA 16. Drives refuse to read a
/// block never written (a blank Pseudo-Overwrite BD-R answers 5/21/00), and
/// a medium with nothing there holds no volume to protect.
fn recorded_up_to_pvd(info: &MediaInfo) -> bool {
    info.format != FormatState::Unformatted
        && info.last_recorded.is_some_and(|last| last >= PVD_LBA)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::WriteProtect;
    use crate::mmc::mode::MultiSession;
    use crate::mmc::SessionExtent;

    fn appendable(profile: Profile) -> MediaInfo {
        MediaInfo {
            profile,
            disc_status: DiscStatus::Appendable,
            last_session: SessionState::Empty,
            erasable: false,
            sessions: 1,
            tracks: 1,
            previous_session: Some(SessionExtent {
                start: 0,
                last_written: 99_999,
            }),
            next_writable: Some(138_112),
            free_blocks: 2_156_992,
            last_recorded: Some(99_999),
            total_sectors: 2_295_104,
            write_unit: profile.write_unit(),
            write_protect: WriteProtect::NONE,
            format: FormatState::NotApplicable,
            pseudo_overwrite: false,
            incremental: true,
        }
    }

    fn formatted(profile: Profile) -> MediaInfo {
        MediaInfo {
            disc_status: DiscStatus::Finalized,
            last_session: SessionState::Complete,
            previous_session: Some(SessionExtent {
                start: 0,
                last_written: 99_999,
            }),
            next_writable: Some(100_000),
            free_blocks: 2_295_104,
            total_sectors: 2_295_104,
            format: FormatState::Formatted,
            ..appendable(profile)
        }
    }

    fn shape(start: u32, blocks: u32) -> StreamShape {
        StreamShape {
            start,
            blocks,
            anchor: None,
            second_anchor: None,
        }
    }

    fn multisession() -> WriteOptions {
        WriteOptions {
            disable_consumer_dvd_compatibility_mode: true,
            ..WriteOptions::default()
        }
    }

    fn code(r: Result<Plan>) -> hresult::HResult {
        r.unwrap_err().code()
    }

    #[test]
    fn read_only_media_are_not_supported() {
        let info = appendable(Profile::DvdRom);
        assert_eq!(
            code(plan(&info, &shape(138_112, 10), &multisession())),
            hresult::MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED
        );
    }

    #[test]
    fn write_protection_is_reported_as_such() {
        let info = MediaInfo {
            write_protect: WriteProtect::BY_SOFTWARE_WRITE_PROTECT,
            ..appendable(Profile::DvdPlusR)
        };
        assert_eq!(
            code(plan(&info, &shape(138_112, 10), &multisession())),
            hresult::MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED
        );
    }

    #[test]
    fn finalized_and_damaged_discs_are_an_invalid_state() {
        let closed = MediaInfo {
            disc_status: DiscStatus::Finalized,
            next_writable: None,
            ..appendable(Profile::CdR)
        };
        let damaged = MediaInfo {
            last_session: SessionState::Damaged,
            ..appendable(Profile::CdR)
        };
        for info in [closed, damaged] {
            assert_eq!(
                code(plan(&info, &shape(138_112, 10), &multisession())),
                hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
            );
        }
    }

    #[test]
    fn an_open_session_left_by_an_interrupted_write_must_be_recovered_first() {
        let info = MediaInfo {
            last_session: SessionState::Incomplete,
            next_writable: Some(138_112 + 40),
            ..appendable(Profile::DvdPlusR)
        };
        let err = plan(&info, &shape(138_152, 10), &multisession()).unwrap_err();
        assert_eq!(err.code(), hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
        assert!(err.detail().contains("recover"), "{err}");
    }

    #[test]
    fn a_session_built_for_another_address_is_a_disc_mismatch() {
        let err = plan(
            &appendable(Profile::BdR),
            &shape(100_000, 10),
            &multisession(),
        )
        .unwrap_err();
        assert_eq!(err.code(), hresult::MS_IMAPI_E_DISC_MISMATCH);
        assert!(
            err.detail().contains("100000") && err.detail().contains("138112"),
            "{err}"
        );
    }

    #[test]
    fn a_session_larger_than_the_free_space_is_too_large() {
        let info = appendable(Profile::DvdPlusR);
        assert_eq!(
            code(plan(
                &info,
                &shape(138_112, info.free_blocks + 1),
                &multisession()
            )),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA
        );
    }

    #[test]
    fn empty_streams_and_anchors_on_write_once_media_are_refused() {
        let info = appendable(Profile::CdR);
        assert_eq!(
            code(plan(&info, &shape(138_112, 0), &multisession())),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
        let anchored = StreamShape {
            anchor: Some(Anchor {
                lba: 16,
                blocks: 16,
            }),
            ..shape(138_112, 10)
        };
        assert_eq!(
            code(plan(&info, &anchored, &multisession())),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
    }

    #[test]
    fn dvd_minus_rw_without_incremental_recording_is_refused() {
        let info = MediaInfo {
            incremental: false,
            ..appendable(Profile::DvdMinusRwSequential)
        };
        assert_eq!(
            code(plan(&info, &shape(138_112, 16), &multisession())),
            hresult::MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
        );
    }

    fn finish_of(profile: Profile, options: &WriteOptions) -> (Finish, SessionClose) {
        match plan(&appendable(profile), &shape(138_112, 1000), options).unwrap() {
            Plan::Sequential { finish, close, .. } => (finish, close),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dvd_plus_r_follows_the_consumer_compatibility_matrix() {
        use SessionClose::*;
        let matrix = [
            // (disable compatibility, force close) -> finish
            ((false, true), Finish::Finalized),
            ((false, false), Finish::Finalized),
            ((true, true), Finish::Finalized),
            ((true, false), Finish::Appendable),
        ];
        for ((disable, force), expected) in matrix {
            let options = WriteOptions {
                disable_consumer_dvd_compatibility_mode: disable,
                force_media_to_be_closed: force,
                ..WriteOptions::default()
            };
            let (finish, close) = finish_of(Profile::DvdPlusR, &options);
            assert_eq!(finish, expected, "disable {disable} force {force}");
            let last = if expected == Finish::Finalized {
                FinalizeDisc
            } else {
                Session
            };
            assert_eq!(close, last);
            // DVD+R DL is closed in every row.
            let (dl, dl_close) = finish_of(Profile::DvdPlusRDl, &options);
            assert_eq!(dl, Finish::Finalized);
            assert_eq!(dl_close, FinalizeMinimalRadius);
        }
    }

    #[test]
    fn compatibility_mode_does_not_touch_cd_dvd_dash_or_bd() {
        for profile in [Profile::CdR, Profile::DvdMinusR, Profile::BdR] {
            let (finish, _) = finish_of(profile, &WriteOptions::default());
            assert_eq!(finish, Finish::Appendable, "{profile}");
            let forced = WriteOptions {
                force_media_to_be_closed: true,
                ..WriteOptions::default()
            };
            assert_eq!(
                finish_of(profile, &forced).0,
                Finish::Finalized,
                "{profile}"
            );
        }
    }

    #[test]
    fn cd_and_dvd_minus_finalize_through_page_05_and_close_session() {
        let forced = WriteOptions {
            force_media_to_be_closed: true,
            ..WriteOptions::default()
        };
        match plan(&appendable(Profile::CdR), &shape(138_112, 5), &forced).unwrap() {
            Plan::Sequential {
                parameters, close, ..
            } => {
                assert_eq!(
                    parameters,
                    Some(WriteParameters::cd_tao(MultiSession::Finalize))
                );
                assert_eq!(close, SessionClose::Session);
            }
            other => panic!("{other:?}"),
        }
        let (_, bd_close) = finish_of(Profile::BdR, &forced);
        assert_eq!(bd_close, SessionClose::FinalizeDisc);
    }

    #[test]
    fn the_disc_is_closed_when_at_most_two_percent_would_stay_free() {
        let info = appendable(Profile::BdR);
        let leave = |free: u32| {
            let blocks = info.free_blocks - free;
            match plan(&info, &shape(138_112, blocks), &multisession()).unwrap() {
                Plan::Sequential { finish, .. } => finish,
                other => panic!("{other:?}"),
            }
        };
        let two_percent = info.total_sectors / 50;
        assert_eq!(leave(two_percent), Finish::Finalized);
        assert_eq!(leave(two_percent + 1), Finish::Appendable);
    }

    #[test]
    fn fixed_packet_media_are_padded_to_whole_packets() {
        match plan(
            &appendable(Profile::DvdMinusR),
            &shape(138_112, 17),
            &multisession(),
        )
        .unwrap()
        {
            Plan::Sequential { padded_blocks, .. } => assert_eq!(padded_blocks, 32),
            other => panic!("{other:?}"),
        }
        match plan(
            &appendable(Profile::BdR),
            &shape(138_112, 17),
            &multisession(),
        )
        .unwrap()
        {
            Plan::Sequential { padded_blocks, .. } => assert_eq!(padded_blocks, 17),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cd_sessions_are_padded_to_the_four_second_minimum_track() {
        for profile in [Profile::CdR, Profile::CdRw] {
            for (blocks, written) in [(1, 300), (29, 300), (299, 300), (300, 300), (301, 301)] {
                match plan(
                    &appendable(profile),
                    &shape(138_112, blocks),
                    &multisession(),
                )
                .unwrap()
                {
                    Plan::Sequential { padded_blocks, .. } => {
                        assert_eq!(padded_blocks, written, "{profile} {blocks}")
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn the_cd_padding_must_fit_the_free_space() {
        let info = MediaInfo {
            free_blocks: 299,
            ..appendable(Profile::CdR)
        };
        assert_eq!(
            code(plan(&info, &shape(138_112, 29), &multisession())),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA
        );
    }

    #[test]
    fn overwritable_media_commit_through_the_anchor() {
        let anchored = StreamShape {
            anchor: Some(Anchor {
                lba: 16,
                blocks: 16,
            }),
            ..shape(100_000, 50_003)
        };
        assert_eq!(
            plan(
                &formatted(Profile::DvdPlusRw),
                &anchored,
                &WriteOptions::default()
            )
            .unwrap(),
            Plan::Overwrite {
                format_first: false,
                padded_blocks: 50_003,
                anchor: Some(Anchor {
                    lba: 16,
                    blocks: 16
                }),
                second_anchor: None,
                check_volume: false,
            }
        );
    }

    #[test]
    fn lba_16_is_checked_for_a_volume_only_where_something_was_recorded() {
        let check =
            |info: &MediaInfo, options: &WriteOptions| match plan(info, &shape(0, 100), options)
                .unwrap()
            {
                Plan::Overwrite { check_volume, .. } => check_volume,
                other => panic!("{other:?}"),
            };
        let blank_pow = MediaInfo {
            pseudo_overwrite: true,
            disc_status: DiscStatus::Blank,
            next_writable: Some(0),
            last_recorded: None,
            ..appendable(Profile::BdR)
        };
        assert!(!check(&blank_pow, &WriteOptions::default()));
        let written = formatted(Profile::DvdPlusRw);
        assert!(check(&written, &WriteOptions::default()));
        let forced = WriteOptions {
            force_overwrite: true,
            ..WriteOptions::default()
        };
        assert!(!check(&written, &forced));
    }

    #[test]
    fn an_anchor_inside_the_session_data_is_refused() {
        let overlapping = StreamShape {
            anchor: Some(Anchor {
                lba: 100_010,
                blocks: 16,
            }),
            ..shape(100_000, 50)
        };
        assert_eq!(
            code(plan(
                &formatted(Profile::BdRe),
                &overlapping,
                &WriteOptions::default()
            )),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
    }

    #[test]
    fn a_second_anchor_is_checked_like_the_first_and_kept_in_the_plan() {
        let udf = Anchor {
            lba: 256,
            blocks: 1,
        };
        let both = StreamShape {
            anchor: Some(Anchor { lba: 16, blocks: 7 }),
            second_anchor: Some(udf),
            ..shape(100_000, 50)
        };
        match plan(&formatted(Profile::BdRe), &both, &WriteOptions::default()).unwrap() {
            Plan::Overwrite { second_anchor, .. } => assert_eq!(second_anchor, Some(udf)),
            other => panic!("{other:?}"),
        }
        // Inside the session data.
        let inside = StreamShape {
            second_anchor: Some(Anchor {
                lba: 100_010,
                blocks: 1,
            }),
            ..both
        };
        assert_eq!(
            code(plan(
                &formatted(Profile::BdRe),
                &inside,
                &WriteOptions::default()
            )),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
        // On write-once media, even without a primary anchor.
        let alone = StreamShape {
            anchor: None,
            ..both
        };
        assert_eq!(
            code(plan(
                &appendable(Profile::CdR),
                &StreamShape {
                    start: 138_112,
                    ..alone
                },
                &multisession()
            )),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
    }

    #[test]
    fn unformatted_plus_rw_and_bd_re_are_formatted_first_others_refused() {
        for profile in [Profile::DvdPlusRw, Profile::BdRe] {
            let info = MediaInfo {
                format: FormatState::Unformatted,
                ..formatted(profile)
            };
            match plan(&info, &shape(0, 100), &WriteOptions::default()).unwrap() {
                Plan::Overwrite { format_first, .. } => assert!(format_first, "{profile}"),
                other => panic!("{other:?}"),
            }
        }
        let ram = MediaInfo {
            format: FormatState::Unformatted,
            ..formatted(Profile::DvdRam)
        };
        assert_eq!(
            code(plan(&ram, &shape(0, 100), &WriteOptions::default())),
            hresult::MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED
        );
    }

    #[test]
    fn restricted_overwrite_needs_aligned_writes() {
        let info = formatted(Profile::DvdMinusRwRestricted);
        assert_eq!(
            code(plan(&info, &shape(100_001, 16), &WriteOptions::default())),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED
        );
        match plan(&info, &shape(100_000, 17), &WriteOptions::default()).unwrap() {
            Plan::Overwrite { padded_blocks, .. } => assert_eq!(padded_blocks, 32),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn overwritable_sessions_must_fit_the_formatted_capacity() {
        let info = formatted(Profile::BdRe);
        assert_eq!(
            code(plan(
                &info,
                &shape(2_295_000, 200),
                &WriteOptions::default()
            )),
            hresult::MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA
        );
    }

    #[test]
    fn pseudo_overwrite_bd_r_writes_at_its_next_writable_address() {
        let info = MediaInfo {
            pseudo_overwrite: true,
            ..appendable(Profile::BdR)
        };
        assert_eq!(
            code(plan(&info, &shape(0, 100), &WriteOptions::default())),
            hresult::MS_IMAPI_E_DISC_MISMATCH
        );
        let anchored = StreamShape {
            anchor: Some(Anchor {
                lba: 16,
                blocks: 16,
            }),
            ..shape(138_112, 100)
        };
        assert!(matches!(
            plan(&info, &anchored, &WriteOptions::default()).unwrap(),
            Plan::Overwrite { .. }
        ));
    }
}
