//! `probe`: the fewest MMC commands that give a correct [`MediaInfo`] for
//! the loaded medium's profile (docs/mmc-notes.md §2), and `sessions`, the list of
//! every recorded session.
//!
//! Command plan after INQUIRY (at most six CDBs for every profile):
//!
//! | media | commands |
//! |---|---|
//! | all | GET CONFIGURATION (current features), READ DISC INFORMATION |
//! | CD sequential | + READ TOC format 1 (msc1), READ TRACK INFORMATION of the last closed track (its last written block), of track 0xFF (NWA, free) |
//! | DVD/BD sequential | + READ TRACK INFORMATION by session number (msc1; also the last written block when the session has one track), [of the last closed track], of the next track by number |
//! | open last session | + READ TRACK INFORMATION of the last track closed in it, when the incomplete track has no last recorded address |
//! | random write | + READ FORMAT CAPACITIES (format state, capacity), READ CAPACITY, READ(10) of LBA 16 when recorded (the end of the ISO 9660 volume: next writable address, free) |
//! | read-only | + the closed-session reads above, READ CAPACITY |
//!
//! Commands that do not apply to the disc's state (no closed session, a
//! finalized disc) are not sent.

use super::capacity::{self, Capacity, CapacityKind, FormatCapacities};
use super::cdb::{self, Cdb};
use super::config::{self, feature, Configuration, RequestType};
use super::disc_info::{self, DiscInformation};
use super::exec::Drive;
use super::toc::{self, MultisessionInfo, TocFormat};
use super::track_info::{self, TrackAddress, TrackInformation, INVISIBLE_TRACK};
use super::{DiscStatus, FormatState, MediaInfo, SessionExtent, SessionState};
use crate::block::BLOCK_SIZE;
use crate::error::{Error, Result};
use crate::hresult::{
    MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
    MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
};
use crate::media::{Family, Profile, WriteModel, WriteProtect};
use crate::scsi::{DataDirection, Sense, Transport};
use crate::volume::{iso_volume_space_size, PVD_LBA};

/// Reads the loaded medium. No medium → `Err(E_IMAPI_RECORDER_MEDIA_NO_MEDIA)`
/// (or the drive's own not-ready reason: upside down, becoming ready …).
pub fn probe(transport: &mut dyn Transport) -> Result<MediaInfo> {
    let mut drive = Drive::new(transport);
    let mut p = Prober { drive: &mut drive };
    let info = p.media_info()?;
    consistent(info).map_err(|detail| invalid(format!("{}: {detail}", drive.describe())))
}

/// Blocks of the longest CD: 99 minutes, 59 seconds and 75 frames.
const CD_MAX_BLOCKS: u32 = (99 * 60 + 59) * 75 + 75;

/// The numbers of one probe must agree with each other before anyone
/// writes by them: each comes from a different reply, and a drive whose
/// firmware garbles one field (tests/drive/lying_drive.rs) would otherwise put
/// the next session on top of the last one.
fn consistent(info: MediaInfo) -> std::result::Result<MediaInfo, String> {
    if let Some(prev) = info.previous_session {
        if prev.start > prev.last_written {
            return Err(format!(
                "the last session starts at {} after its last written block {}",
                prev.start, prev.last_written
            ));
        }
        if let Some(nwa) = info.next_writable {
            if nwa <= prev.last_written {
                return Err(format!(
                    "the next writable address {nwa} is inside the last session ({}..={})",
                    prev.start, prev.last_written
                ));
            }
        }
        if info.total_sectors > 0 && prev.last_written >= info.total_sectors {
            return Err(format!(
                "the last session ends at {} beyond the medium's {} sectors",
                prev.last_written, info.total_sectors
            ));
        }
    }
    // No CD holds more than 99:59:74 of blocks; a "CD" that reports more
    // is another medium in a drive whose profile answer was missing or
    // garbled (an MMC-1 guess), and its addresses are not a CD's.
    if info.profile.family() == Family::Cd && info.total_sectors > CD_MAX_BLOCKS {
        return Err(format!(
            "the {} medium reports {} sectors, more than any CD holds ({CD_MAX_BLOCKS})",
            info.profile, info.total_sectors
        ));
    }
    // DVD and BD tracks start on whole ECC blocks or clusters, so where
    // the next writable address starts a new track (the last session is
    // closed and the invisible track blank) an address off that grid (CD's
    // unit is one block) is a garbled reply. An interrupted track's
    // address is where the cut left it and is recovered, not refused.
    if let Some(nwa) = info.next_writable {
        let unit = info.write_unit.max(1);
        let new_track = info.last_session == SessionState::Empty;
        if info.write_model() == WriteModel::Sequential
            && !info.pseudo_overwrite
            && new_track
            && nwa % unit != 0
        {
            return Err(format!(
                "the next writable address {nwa} is not on a {unit}-block boundary of the {} medium",
                info.profile
            ));
        }
    }
    Ok(info)
}

/// A recorded session of a sequential or read-only disc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedSession {
    /// Session number, 1 for the first.
    pub number: u16,
    pub first_track: u16,
    pub last_track: u16,
    pub extent: SessionExtent,
    /// False for an open (incomplete) last session that holds data.
    pub complete: bool,
}

/// Every session that holds data, in order, from READ TRACK INFORMATION of
/// each track (libburn's TOC for all media, docs/mmc-notes.md §1.5). Random-write
/// media have no MMC sessions (their sessions live in the ISO 9660 data)
/// and give an empty list.
pub fn sessions(transport: &mut dyn Transport) -> Result<Vec<RecordedSession>> {
    let mut drive = Drive::new(transport);
    let mut p = Prober { drive: &mut drive };
    let (profile, _) = p.profile_and_features()?;
    let disc = p.disc_information()?;
    if profile.is_some_and(|p| p.write_model() == WriteModel::RandomWrite) {
        return Ok(Vec::new());
    }
    // An open session may hold closed or partly written tracks; the
    // invisible track after them is blank and is skipped below.
    let last_track = disc.last_track_in_last_session;
    let complete = disc.complete_sessions();
    let mut out: Vec<RecordedSession> = Vec::new();
    for number in disc.first_track.max(1)..=last_track {
        let t = match p.track(TrackAddress::Track(number as u32)) {
            Ok(t) => t,
            // The invisible track of a full disc may be refused (docs/mmc-notes.md §6.15).
            Err(e) if refused_field(&e) && number == last_track => break,
            Err(e) => return Err(e),
        };
        let Some(last_written) = t.last_written()? else {
            continue;
        };
        match out.last_mut() {
            Some(s) if s.number == t.session => {
                if last_written < s.extent.start {
                    return Err(invalid(format!(
                        "READ TRACK INFORMATION: track {} of session {} ends at LBA {last_written}, before the session's start {}",
                        t.track, t.session, s.extent.start
                    )));
                }
                s.last_track = t.track;
                s.extent.last_written = last_written;
            }
            _ => out.push(RecordedSession {
                number: t.session,
                first_track: t.track,
                last_track: t.track,
                extent: SessionExtent {
                    start: t.start,
                    last_written,
                },
                complete: t.session <= complete,
            }),
        }
    }
    Ok(out)
}

/// The drive does not know the command (5/20/00): an older drive, not a
/// failure. Our own misuse (an empty CDB) has the same HRESULT and must
/// not read as this.
fn unknown_command(e: &Error) -> bool {
    Sense::of(e).is_some_and(Sense::is_unknown_command)
}

/// The drive refused a field of the command (5/24/00), as some do for the
/// invisible track of a full disc; a data phase too long for SG_IO has
/// the same HRESULT and is no such answer.
fn refused_field(e: &Error) -> bool {
    Sense::of(e).is_some_and(Sense::is_invalid_field)
}

struct Prober<'d, 't> {
    drive: &'d mut Drive<'t>,
}

/// What GET CONFIGURATION told us; `None` features when the drive lacks
/// the command (MMC-1).
type Features = Option<Configuration>;

impl Prober<'_, '_> {
    fn read(&mut self, cdb: Cdb, alloc: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; alloc];
        let n = self.drive.run(&cdb, DataDirection::FromDevice(&mut buf))?;
        buf.truncate(n);
        Ok(buf)
    }

    fn media_info(&mut self) -> Result<MediaInfo> {
        let (profile, features) = self.profile_and_features()?;
        let disc = match self.disc_information() {
            Ok(d) => d,
            // qemu's CD-ROM lacks READ DISC INFORMATION (docs/mmc-notes.md §6.6).
            Err(e) if unknown_command(&e) => {
                return self.without_disc_information(profile.unwrap_or(Profile::CdRom))
            }
            Err(e) => return Err(e),
        };
        let profile = match profile {
            Some(p) => p,
            None => guess_profile(&disc),
        };
        match profile.write_model() {
            WriteModel::Sequential => self.sequential(profile, &disc, features.as_ref()),
            WriteModel::RandomWrite => self.random_write(profile, &disc, features.as_ref()),
            WriteModel::ReadOnly => self.read_only(profile, &disc),
        }
    }

    /// GET CONFIGURATION of the current features. `Ok((None, None))` when
    /// the drive does not know the command.
    fn profile_and_features(&mut self) -> Result<(Option<Profile>, Features)> {
        let alloc = config::ALLOCATION;
        let reply = match self.read(config::cdb(RequestType::Current, 0, alloc), alloc as usize) {
            Ok(r) => r,
            Err(e) if unknown_command(&e) => return Ok((None, None)),
            Err(e) => return Err(e),
        };
        let config = Configuration::parse(&reply)?;
        if config.current_profile == 0 {
            return Err(self.why_no_profile());
        }
        let profile = Profile::from_code(config.current_profile).ok_or_else(|| {
            Error::new(
                MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
                format!(
                    "{}: medium of MMC profile {:#06X} is not a CD, DVD or BD profile this library handles",
                    self.drive.describe(),
                    config.current_profile
                ),
            )
        })?;
        Ok((Some(profile), Some(config)))
    }

    /// Profile 0: ask TEST UNIT READY why (no medium, upside down, still
    /// spinning up …).
    fn why_no_profile(&mut self) -> Error {
        match self.drive.run(&cdb::test_unit_ready(), DataDirection::None) {
            Err(e) => e,
            Ok(_) => Error::new(
                MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
                format!(
                    "{}: the drive is ready but reports no current profile",
                    self.drive.describe()
                ),
            ),
        }
    }

    fn disc_information(&mut self) -> Result<DiscInformation> {
        let alloc = disc_info::ALLOCATION;
        DiscInformation::parse(&self.read(disc_info::cdb(alloc), alloc as usize)?)
    }

    fn track(&mut self, address: TrackAddress) -> Result<TrackInformation> {
        let alloc = track_info::ALLOCATION;
        TrackInformation::parse(&self.read(track_info::cdb(address, alloc), alloc as usize)?)
    }

    fn read_capacity(&mut self) -> Result<Capacity> {
        Capacity::parse(&self.read(capacity::read_capacity(), capacity::READ_CAPACITY_LENGTH)?)
    }

    fn sequential(
        &mut self,
        profile: Profile,
        disc: &DiscInformation,
        features: Option<&Configuration>,
    ) -> Result<MediaInfo> {
        let cd = profile.family() == Family::Cd;
        let complete = disc.complete_sessions();
        let last_closed_track = last_closed_track(disc);
        let previous_session = if complete > 0 {
            Some(self.previous_session(profile, complete, last_closed_track)?)
        } else {
            None
        };

        let appendable = matches!(disc.status, DiscStatus::Blank | DiscStatus::Appendable);
        let next = if appendable {
            self.next_track(profile, disc)?
        } else {
            None
        };
        let open_last_written = self.open_session_last_written(disc, next.as_ref())?;
        let (next_writable, free_blocks) = match &next {
            Some(t) => next_writable_room(t, disc, cd),
            None => (None, 0),
        };

        // Nothing closed and nothing in an open session: blank, whatever
        // the status byte says. A formatted but unwritten BD-R reports
        // "appendable, one empty session" (docs/mmc-notes.md §6.8).
        let nothing_recorded = complete == 0
            && disc.last_session == SessionState::Empty
            && open_last_written.is_none();
        let disc_status = if nothing_recorded && disc.status == DiscStatus::Appendable {
            DiscStatus::Blank
        } else {
            disc.status
        };

        if let Some(nwa) = next_writable {
            // The room after the NWA must end within 32-bit LBAs, or every
            // address computed from it later (the session's last block, a
            // progress report) would wrap.
            if u64::from(nwa) + u64::from(free_blocks) > u64::from(u32::MAX) {
                return Err(invalid(format!(
                    "{}: {free_blocks} free blocks after the next writable address {nwa} run past the last 32-bit LBA",
                    self.drive.describe()
                )));
            }
        }
        let last_recorded = open_last_written.or(previous_session.map(|s| s.last_written));
        let total_sectors = match next_writable {
            Some(nwa) => nwa.saturating_add(free_blocks),
            None => last_recorded.map_or(0, |l| l.saturating_add(1)),
        };
        let is_current = |code| features.map_or(true, |f| f.is_current(code));
        let incremental = match profile {
            Profile::DvdMinusR | Profile::DvdMinusRwSequential | Profile::DvdMinusRDl => {
                is_current(feature::INCREMENTAL_STREAMING_WRITABLE)
            }
            _ => true,
        };
        let pseudo_overwrite = profile == Profile::BdR
            && features.is_some_and(|f| f.is_current(feature::BD_R_PSEUDO_OVERWRITE));
        Ok(MediaInfo {
            profile,
            disc_status,
            last_session: disc.last_session,
            erasable: disc.erasable && profile.is_erasable(),
            sessions: complete,
            tracks: closed_track_count(disc, complete, last_closed_track),
            previous_session,
            next_writable,
            free_blocks,
            last_recorded,
            total_sectors,
            write_unit: profile.write_unit(),
            write_protect: write_protection(profile, disc_status, features),
            format: FormatState::NotApplicable,
            pseudo_overwrite,
            incremental,
        })
    }

    /// Start and last written block of the last closed session: READ TOC
    /// format 1 on CD; READ TRACK INFORMATION by session number on DVD and
    /// BD, where the fabricated TOC is unreliable (docs/mmc-notes.md §6.4). One more
    /// READ TRACK INFORMATION when the session's last track is another one.
    fn previous_session(
        &mut self,
        profile: Profile,
        session: u16,
        last_closed_track: u16,
    ) -> Result<SessionExtent> {
        let (start, first_track, last_written) = if profile.family() == Family::Cd {
            let m = MultisessionInfo::parse(&self.read(
                toc::cdb(TocFormat::Multisession, toc::MULTISESSION_LENGTH),
                toc::MULTISESSION_LENGTH as usize,
            )?)?;
            let start = u32::try_from(m.last_session_start).map_err(|_| {
                invalid(format!(
                    "READ TOC format 1: start of the last session {} at bytes 8-11 is negative",
                    m.last_session_start
                ))
            })?;
            (start, m.first_track_in_last_session as u16, None)
        } else {
            let t = self.track(TrackAddress::Session(session as u32))?;
            (t.start, t.track, t.last_written()?)
        };
        let last_written = match last_written {
            Some(l) if first_track == last_closed_track => l,
            _ => self
                .track(TrackAddress::Track(last_closed_track as u32))?
                .last_written()?
                .ok_or_else(|| {
                    invalid(format!(
                        "READ TRACK INFORMATION: closed track {last_closed_track} reports no recorded block"
                    ))
                })?,
        };
        if last_written < start {
            return Err(invalid(format!(
                "session {session} ends at {last_written}, before its start {start}"
            )));
        }
        Ok(SessionExtent {
            start,
            last_written,
        })
    }

    /// READ TRACK INFORMATION of the invisible (next) track: 0xFF on CD,
    /// where MMC defines it; the real number ("last track in last
    /// session") on DVD and BD, where DVD-R and BD-R drives refuse 0xFF
    /// and the number works everywhere (growisofs, docs/mmc-notes.md §1.5). `None`
    /// when the drive refuses it, as a full disc may (docs/mmc-notes.md §6.15).
    fn next_track(
        &mut self,
        profile: Profile,
        disc: &DiscInformation,
    ) -> Result<Option<TrackInformation>> {
        let number = match profile.family() {
            Family::Cd => INVISIBLE_TRACK,
            _ => disc.last_track_in_last_session as u32,
        };
        match self.track(TrackAddress::Track(number)) {
            Err(e) if refused_field(&e) => Ok(None),
            other => other.map(Some),
        }
    }

    /// The last block written in an open session: the incomplete track's
    /// own LRA, else the end of the last track closed in that session.
    fn open_session_last_written(
        &mut self,
        disc: &DiscInformation,
        next: Option<&TrackInformation>,
    ) -> Result<Option<u32>> {
        if let Some(lra) = next.and_then(|t| t.last_recorded) {
            return Ok(Some(lra));
        }
        let closed_in_open_session = disc.last_session == SessionState::Incomplete
            && disc.first_track_in_last_session < disc.last_track_in_last_session;
        if !closed_in_open_session {
            return Ok(None);
        }
        let last = disc.last_track_in_last_session - 1;
        self.track(TrackAddress::Track(last as u32))?.last_written()
    }

    fn random_write(
        &mut self,
        profile: Profile,
        disc: &DiscInformation,
        features: Option<&Configuration>,
    ) -> Result<MediaInfo> {
        let alloc = capacity::FORMAT_CAPACITIES_ALLOCATION;
        let formats = FormatCapacities::parse(
            &self.read(capacity::read_format_capacities(alloc), alloc as usize)?,
        )?;
        let format = match (profile, disc.background_format, formats.current_kind) {
            (_, _, CapacityKind::NoMedium) => {
                return Err(Error::new(
                    MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
                    format!(
                        "{}: READ FORMAT CAPACITIES reports no medium",
                        self.drive.describe()
                    ),
                ))
            }
            // Real drives report a formatted DVD+RW as "suspended": the
            // background format stopped at an eject and resumes on its own.
            (Profile::DvdPlusRw | Profile::DvdPlusRwDl, 1 | 3, _) => FormatState::Formatted,
            (Profile::DvdPlusRw | Profile::DvdPlusRwDl, 2, _) => FormatState::InProgress,
            (_, _, CapacityKind::Formatted) => FormatState::Formatted,
            _ => FormatState::Unformatted,
        };
        // DVD+RW capacity is the 0x26 descriptor; the others report it in
        // the current descriptor (docs/mmc-notes.md §1.13). An unformatted BD-RE
        // reports its maximum there, but the writer (like xorriso) formats
        // it with the 0x00 descriptor, else 0x30, whose spare areas leave
        // fewer blocks: that is the room a first session really has.
        let capacity = match profile {
            Profile::DvdPlusRw | Profile::DvdPlusRwDl => formats
                .descriptor(0x26)
                .map_or(formats.current_blocks, |d| d.blocks),
            Profile::BdRe if format == FormatState::Unformatted => formats
                .descriptor(0x00)
                .or_else(|| formats.descriptor(0x30))
                .map_or(formats.current_blocks, |d| d.blocks),
            _ => formats.current_blocks,
        };
        let read_capacity = self.read_capacity()?;
        let write_protect = write_protection(profile, disc.status, features);
        let last_recorded = match format {
            FormatState::Unformatted => None,
            _ if read_capacity.last_lba == 0 => None,
            _ => Some(read_capacity.last_lba),
        };
        let write_unit = profile.write_unit();
        // A volume said to end beyond the medium leaves no room (not a
        // next session past the end): writing there could only fail.
        let next = match last_recorded {
            Some(last) if last >= PVD_LBA => self
                .end_of_iso_volume(profile.overwrite_session_align())
                .min(capacity),
            _ => 0,
        };
        Ok(MediaInfo {
            profile,
            // A formatted DVD+RW or BD-RE says "complete" and a new one
            // "blank"; neither means what it means on sequential media.
            // Whether it can be written is `format` and `write_protect`.
            disc_status: DiscStatus::RandomAccess,
            last_session: disc.last_session,
            erasable: disc.erasable,
            sessions: 0,
            tracks: 0,
            previous_session: None,
            next_writable: (!write_protect.is_protected()).then_some(next),
            free_blocks: capacity.saturating_sub(next),
            last_recorded,
            total_sectors: capacity,
            write_unit,
            write_protect,
            format,
            pseudo_overwrite: false,
            incremental: true,
        })
    }

    /// Where the next session goes on an overwritable medium holding data,
    /// as libburn (through libisoburn) reports it: after the ISO 9660
    /// volume whose primary descriptor is at LBA 16, rounded up to
    /// `align`. Overwritable media have no tracks, so that volume is
    /// the only record of what is used. 0 when LBA 16 holds no sound
    /// primary descriptor or cannot be read: then the whole medium is
    /// free, as for a first session (the session layer, reading the same
    /// descriptor, refuses an unsound one before anything is written).
    fn end_of_iso_volume(&mut self, align: u32) -> u32 {
        let Ok(block) = self.read(cdb::read10(PVD_LBA, 1), BLOCK_SIZE) else {
            return 0;
        };
        match iso_volume_space_size(&block) {
            Ok(Some(blocks)) => blocks.div_ceil(align.max(1)).saturating_mul(align.max(1)),
            Ok(None) | Err(_) => 0,
        }
    }

    /// ROM media (and BD-R RRM): finalized whatever the drive says, as
    /// libburn does; the closed sessions still give msc1 for import.
    fn read_only(&mut self, profile: Profile, disc: &DiscInformation) -> Result<MediaInfo> {
        let complete = disc.complete_sessions();
        let last_closed_track = last_closed_track(disc);
        let previous_session = if complete > 0 {
            Some(self.previous_session(profile, complete, last_closed_track)?)
        } else {
            None
        };
        let capacity = self.read_capacity()?;
        let last_recorded = previous_session
            .map(|s| s.last_written)
            .or(Some(capacity.last_lba));
        Ok(MediaInfo {
            profile,
            disc_status: DiscStatus::Finalized,
            last_session: SessionState::Complete,
            erasable: false,
            sessions: complete,
            tracks: closed_track_count(disc, complete, last_closed_track),
            previous_session,
            next_writable: None,
            free_blocks: 0,
            last_recorded,
            total_sectors: capacity.last_lba.saturating_add(1),
            write_unit: profile.write_unit(),
            write_protect: WriteProtect::READ_ONLY_MEDIA,
            format: FormatState::NotApplicable,
            pseudo_overwrite: false,
            incremental: false,
        })
    }

    /// A drive without READ DISC INFORMATION: READ TOC format 1 for the
    /// last session and READ CAPACITY for its end (libburn's fallback).
    fn without_disc_information(&mut self, profile: Profile) -> Result<MediaInfo> {
        let m = MultisessionInfo::parse(&self.read(
            toc::cdb(TocFormat::Multisession, toc::MULTISESSION_LENGTH),
            toc::MULTISESSION_LENGTH as usize,
        )?)?;
        let capacity = self.read_capacity()?;
        // The two replies must agree: a last session that starts beyond
        // the last recorded block (or before block 0) is a lie one of them
        // tells, and its start would become the next session's msinfo.
        let start = u32::try_from(m.last_session_start)
            .ok()
            .filter(|&start| start <= capacity.last_lba)
            .ok_or_else(|| {
                invalid(format!(
                    "READ TOC puts the last session at {} but READ CAPACITY ends the medium at {}",
                    m.last_session_start, capacity.last_lba
                ))
            })?;
        let extent = SessionExtent {
            start,
            last_written: capacity.last_lba,
        };
        Ok(MediaInfo {
            profile,
            disc_status: DiscStatus::Finalized,
            last_session: SessionState::Complete,
            erasable: false,
            sessions: m.last_session as u16,
            tracks: m.first_track_in_last_session as u16,
            previous_session: Some(extent),
            next_writable: None,
            free_blocks: 0,
            last_recorded: Some(extent.last_written),
            total_sectors: capacity.last_lba.saturating_add(1),
            write_unit: profile.write_unit(),
            write_protect: WriteProtect::READ_ONLY_MEDIA,
            format: FormatState::NotApplicable,
            pseudo_overwrite: false,
            incremental: false,
        })
    }
}

fn invalid(detail: String) -> Error {
    Error::new(MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE, detail)
}

/// The last track of the last closed session: on a finalized disc the last
/// track of the last session, else the one before the first track of the
/// open or empty last session.
fn last_closed_track(disc: &DiscInformation) -> u16 {
    match disc.last_session {
        SessionState::Complete => disc.last_track_in_last_session,
        _ => disc.first_track_in_last_session.saturating_sub(1),
    }
}

fn closed_track_count(disc: &DiscInformation, complete: u16, last_closed_track: u16) -> u16 {
    if complete == 0 {
        0
    } else {
        last_closed_track
            .saturating_add(1)
            .saturating_sub(disc.first_track.max(1))
    }
}

/// Blocks a drive appends to a CD track written Track At Once.
const CD_TAO_RUNOUT: u32 = 2;

/// The next writable address, corrected for drives that report it before
/// the track start: −150 on blank CD (Pioneer, LITE-ON) and the pre-gap
/// start in SAO mode (docs/mmc-notes.md §6.1, §6.2) — the track start is where data
/// goes. `None` without NWA_V.
fn corrected_nwa(t: &TrackInformation, cd: bool) -> Option<u32> {
    let nwa = t.next_writable?;
    if signed_lba(nwa, cd) < i64::from(t.start) {
        Some(t.start)
    } else {
        Some(nwa)
    }
}

/// The next writable address of the invisible track `t` and the blocks
/// that still fit after it.
fn next_writable_room(
    t: &TrackInformation,
    disc: &DiscInformation,
    cd: bool,
) -> (Option<u32>, u32) {
    let nwa = corrected_nwa(t, cd);
    // CD: free = last possible lead-out − NWA (docs/mmc-notes.md §2.1),
    // which also holds when the drive's NWA needed correcting,
    // less the track's run-out, which must fit before the
    // lead-out: real drives report 2 or 3 blocks fewer. In 64
    // bits: both are the drive's numbers, and a lead-out before
    // the NWA is no room, not a wrapped count.
    let lead_out = cd.then(|| disc.last_possible_lead_out(true)).flatten();
    let free = match (nwa, lead_out) {
        (Some(nwa), Some(lead_out)) => match u32::try_from(i64::from(lead_out) - i64::from(nwa)) {
            Ok(free) => free.saturating_sub(CD_TAO_RUNOUT),
            Err(_) => nwa_free(t, nwa, cd),
        },
        (Some(nwa), None) => nwa_free(t, nwa, cd),
        (None, _) => 0,
    };
    (nwa, free)
}

/// Free blocks from the track's own numbers when the NWA was corrected
/// forward: the drive counted them from its (earlier) NWA.
fn nwa_free(t: &TrackInformation, nwa: u32, cd: bool) -> u32 {
    let reported = t
        .next_writable
        .map_or(i64::from(nwa), |reported| signed_lba(reported, cd));
    let shift = (i64::from(nwa) - reported).max(0);
    u32::try_from(i64::from(t.free_blocks) - shift).unwrap_or(0)
}

/// The most negative LBA a CD address can name (MSF 00:00:00 of the lead-in).
const LOWEST_LEAD_IN_LBA: i64 = -450_150;

/// A reported LBA as a signed number: on CD a lead-in address (−150 …)
/// arrives as its 32-bit two's complement (CD program addresses end far
/// below 2^31); any other value, and every DVD or BD address, is an
/// unsigned LBA, so an address at or above 2^31 stays the address it says.
fn signed_lba(value: u32, cd: bool) -> i64 {
    let signed = i64::from(value as i32);
    if cd && (LOWEST_LEAD_IN_LBA..0).contains(&signed) {
        signed
    } else {
        i64::from(value)
    }
}

/// The features that are current exactly when the drive can write the
/// loaded medium of `profile`.
fn writing_features(profile: Profile) -> &'static [u16] {
    match profile {
        Profile::CdR | Profile::CdRw => &[
            feature::CD_TRACK_AT_ONCE,
            feature::CD_MASTERING,
            feature::INCREMENTAL_STREAMING_WRITABLE,
        ],
        Profile::DvdMinusR
        | Profile::DvdMinusRwSequential
        | Profile::DvdMinusRDl
        | Profile::DvdMinusRDlJump => &[
            feature::INCREMENTAL_STREAMING_WRITABLE,
            feature::DVD_MINUS_R_WRITE,
            feature::LAYER_JUMP_RECORDING,
        ],
        Profile::DvdPlusR => &[feature::DVD_PLUS_R],
        Profile::DvdPlusRDl => &[feature::DVD_PLUS_R_DL, feature::DVD_PLUS_R],
        // Overwritables: formattable counts, an unformatted medium is
        // writable once formatted.
        Profile::DvdPlusRw => &[feature::DVD_PLUS_RW, feature::FORMATTABLE],
        Profile::DvdPlusRwDl => &[
            feature::DVD_PLUS_RW_DL,
            feature::DVD_PLUS_RW,
            feature::FORMATTABLE,
        ],
        Profile::DvdMinusRwRestricted => &[
            feature::RESTRICTED_OVERWRITE,
            feature::RIGID_RESTRICTED_OVERWRITE,
            feature::FORMATTABLE,
        ],
        Profile::DvdRam => &[feature::RANDOM_WRITABLE, feature::FORMATTABLE],
        Profile::BdR => &[feature::BD_WRITE],
        Profile::BdRe => &[
            feature::BD_WRITE,
            feature::RANDOM_WRITABLE,
            feature::FORMATTABLE,
        ],
        Profile::CdRom | Profile::DvdRom | Profile::BdRom | Profile::BdRRrm => &[],
    }
}

/// MMC reports no protection bit in the commands we send, but a drive
/// marks its writing features current only while it can write the medium
/// (a write-protected cartridge or disc, or a reader drive, clears them).
/// A finalized disc has no writing feature current for another reason and
/// is not "protected"; a drive without GET CONFIGURATION tells us nothing.
fn write_protection(
    profile: Profile,
    status: DiscStatus,
    features: Option<&Configuration>,
) -> WriteProtect {
    let Some(config) = features else {
        return WriteProtect::NONE;
    };
    // A formatted DVD+RW or BD-RE also says "complete": only sequential
    // media are done writing when finalized.
    let finalized =
        status == DiscStatus::Finalized && profile.write_model() == WriteModel::Sequential;
    if finalized || profile.write_model() == WriteModel::ReadOnly {
        return WriteProtect::NONE;
    }
    if writing_features(profile)
        .iter()
        .any(|&code| config.is_current(code))
    {
        WriteProtect::NONE
    } else {
        WriteProtect::BY_MEDIA_SPECIFIC_REASON
    }
}

/// MMC-1 drives without GET CONFIGURATION only take CDs: guess from the
/// erasable bit and the disc status as libburn does (docs/mmc-notes.md §1.3).
fn guess_profile(disc: &DiscInformation) -> Profile {
    if disc.erasable {
        Profile::CdRw
    } else if matches!(disc.status, DiscStatus::Blank | DiscStatus::Appendable) {
        Profile::CdR
    } else {
        Profile::CdRom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pvd(le: u32, be: u32) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK_SIZE];
        b[..7].copy_from_slice(b"\x01CD001\x01");
        b[80..84].copy_from_slice(&le.to_le_bytes());
        b[84..88].copy_from_slice(&be.to_be_bytes());
        b
    }

    /// Where the probe puts the next session when READ(10) of LBA 16
    /// answers `block`, aligned to 32 blocks.
    fn end_after(block: Vec<u8>) -> u32 {
        let mut t = crate::testing::TableDrive::new().on(&[0x28], block);
        let mut drive = Drive::new(&mut t);
        Prober { drive: &mut drive }.end_of_iso_volume(32)
    }

    #[test]
    fn only_a_sound_primary_descriptor_places_the_next_session() {
        assert_eq!(end_after(pvd(138, 138)), 160);
        // Copies that disagree, a volume that cannot hold its own
        // descriptors, another descriptor type, a short reply: the medium
        // counts as holding nothing.
        assert_eq!(end_after(pvd(138, 139)), 0);
        assert_eq!(end_after(pvd(16, 16)), 0);
        let mut supplementary = pvd(138, 138);
        supplementary[0] = 2;
        assert_eq!(end_after(supplementary), 0);
        assert_eq!(end_after(pvd(138, 138)[..80].to_vec()), 0);
    }
}
