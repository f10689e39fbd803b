//! Making emulated discs: blank ones of any profile, discs in any recorded
//! state for tests ([`DiscSpec`]), and existing image files wrapped as a
//! disc ([`wrap_image`]).

use std::fs::OpenOptions;
use std::path::Path;

use super::layout::{default_capacity, Geometry, BD_FORMATTED_CAPACITY, BD_POW_CAPACITY};
use super::model::{
    BdRFormat, Disc, DriveIdentity, Medium, OpenSession, OpenTrack, Recorded, Session, Track,
};
use super::quirks::{Faults, Quirks};
use super::sidecar::{self, sidecar_path};
use crate::block::BLOCK_SIZE;
use crate::error::{short_path, Error, Result};
use crate::hresult::{MS_E_FAIL, MS_E_INVALIDARG, MS_E_WIN32_FILE_EXISTS};
use crate::media::{Profile, WriteModel};

/// A disc to create, in any state. Sessions are given as user block counts;
/// their starts, gaps and alignment follow docs/mmc-notes.md §7.1, and the first and
/// last block of each track get [`marker_block`] data so reads can be
/// checked without filling gigabytes.
#[derive(Debug, Clone)]
pub struct DiscSpec {
    profile: Profile,
    capacity: Option<u32>,
    sessions: Vec<u32>,
    open_tracks: Vec<u32>,
    open_track_unfinished: bool,
    finalized: bool,
    formatted: bool,
    pow: bool,
    write_protected: bool,
    media_present: bool,
    incremental_lost: bool,
    identity: DriveIdentity,
    quirks: Quirks,
    faults: Faults,
}

impl DiscSpec {
    /// A blank disc of `profile` with its default capacity.
    pub fn new(profile: Profile) -> DiscSpec {
        DiscSpec {
            profile,
            capacity: None,
            sessions: Vec::new(),
            open_tracks: Vec::new(),
            open_track_unfinished: false,
            finalized: false,
            formatted: false,
            pow: false,
            write_protected: false,
            media_present: true,
            incremental_lost: false,
            identity: DriveIdentity::default(),
            quirks: Quirks::default(),
            faults: Faults::default(),
        }
    }

    /// Capacity in blocks (CD: last possible lead-out start).
    pub fn capacity(mut self, blocks: u32) -> Self {
        self.capacity = Some(blocks);
        self
    }

    /// Closed sessions of one track each, with these user block counts.
    pub fn sessions(mut self, blocks: &[u32]) -> Self {
        self.sessions = blocks.to_vec();
        self
    }

    /// An incomplete session after the closed ones, with tracks of these
    /// sizes; with `last_open` its last track is still being written.
    pub fn open_session(mut self, tracks: &[u32], last_open: bool) -> Self {
        self.open_tracks = tracks.to_vec();
        self.open_track_unfinished = last_open;
        self
    }

    /// Closed: nothing more can be appended.
    pub fn finalized(mut self, yes: bool) -> Self {
        self.finalized = yes;
        self
    }

    /// Overwritable media: formatted; BD-R: formatted SRM before the first write.
    pub fn formatted(mut self, yes: bool) -> Self {
        self.formatted = yes;
        self
    }

    /// BD-R formatted SRM with Pseudo-Overwrite.
    pub fn pow(mut self, yes: bool) -> Self {
        self.pow = yes;
        self
    }

    /// The medium refuses writes (a write-protect tab or read-only medium).
    pub fn write_protected(mut self, yes: bool) -> Self {
        self.write_protected = yes;
        self
    }

    /// The drive is empty: media commands answer 2/3A/00.
    pub fn no_media(mut self) -> Self {
        self.media_present = false;
        self
    }

    /// DVD-RW after a minimal blank: no incremental recording.
    pub fn incremental_lost(mut self, yes: bool) -> Self {
        self.incremental_lost = yes;
        self
    }

    /// The INQUIRY vendor, product and revision the drive answers with.
    pub fn identity(mut self, identity: DriveIdentity) -> Self {
        self.identity = identity;
        self
    }

    /// Deviations from MMC the drive shows (real drives' habits).
    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Errors injected into commands and image I/O.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Writes the image (sparse, with marker blocks) and its sidecar,
    /// replacing a disc already at `image` (a test fixture's habit).
    pub fn create(&self, image: &Path) -> Result<()> {
        self.create_with(image, Existing::Replace)
    }

    /// [`DiscSpec::create`], refusing an existing image or sidecar with
    /// `Existing::Refuse`.
    pub fn create_with(&self, image: &Path, existing: Existing) -> Result<()> {
        let disc = self.build()?;
        let sidecar = sidecar_path(image);
        if existing == Existing::Refuse {
            refuse_existing(image, "image")?;
            refuse_existing(&sidecar, "sidecar")?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true);
        match existing {
            // O_EXCL: a file that appeared since the check is not ours.
            Existing::Refuse => options.create_new(true),
            Existing::Replace => options.create(true).truncate(true),
        };
        let f = options.open(image).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists(image, "image")
            } else {
                io_error(image, e)
            }
        })?;
        let made = (|| {
            f.set_len(disc.recorded_end() * BLOCK_SIZE as u64)
                .map_err(|e| io_error(image, e))?;
            self.write_markers(image, &disc)?;
            save_sidecar(&sidecar, &disc, existing)
        })();
        if made.is_err() && existing == Existing::Refuse {
            // The image is ours (created above): leave nothing behind.
            let _ = std::fs::remove_file(image);
        }
        made
    }

    fn write_markers(&self, image: &Path, disc: &Disc) -> Result<()> {
        let img = super::image::Image::open(image)?;
        for (s, tracks) in sessions_with_open(disc).iter().enumerate() {
            let session = s as u32 + 1;
            for t in tracks {
                if t.blocks > 0 {
                    img.write(t.start, &marker_block(session, t.start))?;
                    let last = t.start + t.blocks - 1;
                    img.write(last, &marker_block(session, last))?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn build(&self) -> Result<Disc> {
        let invalid = |detail: String| Err(Error::new(MS_E_INVALIDARG, detail));
        let profile = self.profile;
        let model = profile.write_model();
        let g = Geometry::of(profile);
        let capacity = self.capacity_of(&g);
        if model == WriteModel::ReadOnly && self.sessions.is_empty() {
            return invalid(format!(
                "read-only profile {profile} needs at least one session (or wrap an existing image)"
            ));
        }
        if self.pow && profile != Profile::BdR {
            return invalid(format!(
                "pseudo-overwrite is a BD-R format, not one of {profile}"
            ));
        }
        let medium = match model {
            WriteModel::RandomWrite => {
                if !self.sessions.is_empty() || !self.open_tracks.is_empty() || self.finalized {
                    return invalid(format!(
                        "{profile} is overwritable: it has no MMC sessions to create"
                    ));
                }
                let formatted = self.formatted
                    || matches!(profile, Profile::DvdMinusRwRestricted | Profile::DvdRam);
                Medium::Overwritable { formatted }
            }
            WriteModel::Sequential | WriteModel::ReadOnly => self.recorded(&g, capacity)?,
        };
        let disc = Disc {
            identity: self.identity.clone(),
            profile,
            capacity,
            media_present: self.media_present,
            write_protected: self.write_protected,
            medium,
            quirks: self.quirks.clone(),
            faults: self.faults.clone(),
        };
        // The same checks as a sidecar read from disk.
        sidecar::parse(&sidecar::render(&disc))
            .map_err(|detail| Error::new(MS_E_INVALIDARG, format!("disc spec: {detail}")))
    }

    /// The capacity the spec asks for, else the profile's default (a
    /// formatted BD-R's is smaller), else, for read-only media, exactly
    /// what the sessions take.
    fn capacity_of(&self, g: &Geometry) -> u32 {
        let profile = self.profile;
        let formatted_bd_r = match (profile, self.pow, self.formatted) {
            (Profile::BdR, true, _) => Some(BD_POW_CAPACITY),
            (Profile::BdR, false, true) => Some(BD_FORMATTED_CAPACITY),
            _ => None,
        };
        match (self.capacity, formatted_bd_r.or(default_capacity(profile))) {
            (Some(c), _) | (None, Some(c)) => c,
            (None, None) => {
                // Read-only media are exactly as large as what is recorded.
                let mut end = 0u32;
                for (k, &n) in self.sessions.iter().enumerate() {
                    let start = if k == 0 {
                        0
                    } else {
                        end.saturating_add(g.session_gap(k))
                    };
                    end = start.saturating_add(g.track_span(n));
                }
                end
            }
        }
    }

    /// The sessions and the open session of a sequential or read-only
    /// medium, laid out one after the other as a drive would have written them.
    fn recorded(&self, g: &Geometry, capacity: u32) -> Result<Medium> {
        let profile = self.profile;
        let model = profile.write_model();
        let bd_r_format = match (self.pow, self.formatted) {
            (true, _) => BdRFormat::SrmPow,
            (false, true) if profile == Profile::BdR => BdRFormat::Srm,
            _ => BdRFormat::Unformatted,
        };
        let mut sessions = Vec::new();
        let mut next_start = 0u64;
        for (k, &n) in self.sessions.iter().enumerate() {
            let start = u32::try_from(next_start).map_err(|_| beyond(capacity))?;
            let n = if k == 0 {
                g.closed_first_session_track(start, start, n, capacity)
            } else {
                n
            };
            sessions.push(Session {
                tracks: vec![Track::new(start, n)],
            });
            next_start = start as u64 + g.track_span(n) as u64 + g.session_gap(k + 1) as u64;
        }
        let open = if self.open_tracks.is_empty() {
            None
        } else {
            let mut closed = Vec::new();
            let mut current = None;
            let mut start = next_start;
            for (i, &n) in self.open_tracks.iter().enumerate() {
                let s = u32::try_from(start).map_err(|_| beyond(capacity))?;
                if i + 1 == self.open_tracks.len() && self.open_track_unfinished {
                    current = Some(OpenTrack {
                        start: s,
                        blocks: n,
                        reserved: None,
                    });
                } else {
                    closed.push(Track::new(s, n));
                }
                start += g.track_span(n) as u64 + g.track_gap as u64;
            }
            Some(OpenSession { closed, current })
        };
        Ok(Medium::Recorded(Recorded {
            sessions,
            open,
            finalized: self.finalized || model == WriteModel::ReadOnly,
            bd_r_format,
            incremental_lost: self.incremental_lost,
        }))
    }
}

fn beyond(capacity: u32) -> Error {
    Error::new(
        MS_E_INVALIDARG,
        format!("disc spec: sessions do not fit the capacity of {capacity} blocks"),
    )
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::io(
        MS_E_FAIL,
        &e,
        format!(
            "cannot create emulated disc image {}: {e}",
            short_path(path)
        ),
    )
}

/// What to do when the image or sidecar of a disc to create is already
/// there: an existing disc holds sessions someone recorded, so replacing
/// it must be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with `MS_E_WIN32_FILE_EXISTS` and change nothing.
    Refuse,
    /// Overwrite the image (blank discs) and the sidecar.
    Replace,
}

fn exists(path: &Path, what: &str) -> Error {
    Error::new(
        MS_E_WIN32_FILE_EXISTS,
        format!(
            "emulated disc {what} {} exists; it was left unchanged (ask to replace it: CLI --force)",
            short_path(path)
        ),
    )
}

/// Fails when anything (a dangling symlink too) is at `path`.
fn refuse_existing(path: &Path, what: &str) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Err(exists(path, what)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path, e)),
    }
}

/// Writes the sidecar; without `Replace` through a hard link of a private
/// temporary file, which fails instead of replacing a sidecar that
/// appeared meanwhile.
fn save_sidecar(path: &Path, disc: &Disc, existing: Existing) -> Result<()> {
    if existing == Existing::Replace {
        return sidecar::save(path, disc).map(drop);
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".new-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let io = |e: std::io::Error| {
        Error::io(
            MS_E_FAIL,
            &e,
            format!("cannot write emulator sidecar {}: {e}", short_path(path)),
        )
    };
    let written = (|| {
        use std::io::Write;
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io)?;
        f.write_all(sidecar::render(disc).as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(io)?;
        std::fs::hard_link(&tmp, path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists(path, "sidecar")
            } else {
                io(e)
            }
        })
    })();
    let _ = std::fs::remove_file(&tmp);
    written
}

/// Tracks per session, closed sessions first, then the open one.
fn sessions_with_open(disc: &Disc) -> Vec<Vec<Track>> {
    let Some(rec) = disc.recorded() else {
        return Vec::new();
    };
    let mut out: Vec<Vec<Track>> = rec.sessions.iter().map(|s| s.tracks.clone()).collect();
    if let Some(open) = &rec.open {
        let mut tracks = open.closed.clone();
        tracks.extend(open.current.map(|t| Track::new(t.start, t.blocks)));
        out.push(tracks);
    }
    out
}

/// The recognisable content [`DiscSpec`] writes at the first and last
/// block of each track: `"MSEMU session S lba L"`, then the low byte of
/// the LBA repeated.
pub fn marker_block(session: u32, lba: u32) -> Vec<u8> {
    let mut block = vec![lba as u8; BLOCK_SIZE];
    let tag = format!("MSEMU session {session} lba {lba}\n");
    block[..tag.len()].copy_from_slice(tag.as_bytes());
    block
}

/// Creates a blank emulated disc: `image` (empty, sparse) and its sidecar.
/// `capacity` defaults to the profile's (docs/mmc-notes.md §7.1). Read-only profiles
/// need data; use [`wrap_image`] for them. With [`Existing::Refuse`] an
/// existing image or sidecar is an `MS_E_WIN32_FILE_EXISTS` error and both
/// stay byte-identical.
pub fn create_blank(
    image: &Path,
    profile: Profile,
    capacity: Option<u32>,
    existing: Existing,
) -> Result<()> {
    let mut spec = DiscSpec::new(profile);
    if let Some(c) = capacity {
        spec = spec.capacity(c);
    }
    spec.create_with(image, existing)
}

/// Makes an existing image file (genisoimage/xorriso output, or a dump)
/// an emulated disc of `profile` whose closed sessions start at
/// `session_starts`. Each session's size is its ISO 9660 volume space size
/// (primary volume descriptor at start + 16) when one is there, else it
/// runs to the next session's start or the end of the image. Sequential
/// media stay appendable unless `finalized`; read-only profiles always are.
/// Only the sidecar is written — the image is never changed — and an
/// existing sidecar is refused unless `existing` is [`Existing::Replace`].
pub fn wrap_image(
    image: &Path,
    profile: Profile,
    session_starts: &[u32],
    finalized: bool,
    existing: Existing,
) -> Result<()> {
    let sidecar = sidecar_path(image);
    if existing == Existing::Refuse {
        refuse_existing(&sidecar, "sidecar")?;
    }
    let img = super::image::Image::open(image)?;
    let image_blocks = img.len()?.div_ceil(BLOCK_SIZE as u64);
    let image_blocks = u32::try_from(image_blocks).map_err(|_| {
        Error::new(
            MS_E_INVALIDARG,
            format!(
                "image {} is larger than any optical disc",
                short_path(image)
            ),
        )
    })?;
    let model = profile.write_model();
    check_session_starts(profile, session_starts)?;
    let g = Geometry::of(profile);
    let sessions = wrapped_sessions(&img, image, g, session_starts, image_blocks)?;
    let capacity = match default_capacity(profile) {
        Some(c) => c,
        None => sessions
            .last()
            .and_then(|s| s.tracks.last())
            .map_or(Some(image_blocks), |t| {
                t.start.checked_add(g.track_span(t.blocks))
            })
            .ok_or_else(|| {
                Error::new(
                    MS_E_INVALIDARG,
                    format!("image {} ends beyond any disc address", short_path(image)),
                )
            })?,
    };
    let medium = match model {
        WriteModel::RandomWrite => Medium::Overwritable {
            formatted: image_blocks > 0
                || matches!(profile, Profile::DvdMinusRwRestricted | Profile::DvdRam),
        },
        _ => Medium::Recorded(Recorded {
            sessions,
            open: None,
            finalized: finalized || model == WriteModel::ReadOnly,
            bd_r_format: BdRFormat::Unformatted,
            incremental_lost: false,
        }),
    };
    let disc = Disc {
        identity: DriveIdentity::default(),
        profile,
        capacity,
        media_present: true,
        write_protected: false,
        medium,
        quirks: Quirks::default(),
        faults: Faults::default(),
    };
    let disc = sidecar::parse(&sidecar::render(&disc)).map_err(|detail| {
        Error::new(
            MS_E_INVALIDARG,
            format!("wrapping {} as {profile}: {detail}", short_path(image)),
        )
    })?;
    save_sidecar(&sidecar, &disc, existing)
}

/// Sequential and read-only media need increasing session starts;
/// overwritable ones keep their sessions in the ISO data and take none.
fn check_session_starts(profile: Profile, session_starts: &[u32]) -> Result<()> {
    let random = profile.write_model() == WriteModel::RandomWrite;
    if random && !session_starts.is_empty() {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!("{profile} is overwritable: its sessions live in the ISO data, give no session starts"),
        ));
    }
    if !random && session_starts.is_empty() {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!("wrapping an image as {profile} needs at least one session start"),
        ));
    }
    if session_starts.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!("session starts {session_starts:?} must increase"),
        ));
    }
    Ok(())
}

/// One closed session per start, as long as its ISO 9660 volume says (or
/// up to the next start or the image's end), shortened so its run-out and
/// padding end before the next session.
fn wrapped_sessions(
    img: &super::image::Image,
    image: &Path,
    g: Geometry,
    session_starts: &[u32],
    image_blocks: u32,
) -> Result<Vec<Session>> {
    let mut sessions = Vec::new();
    for (i, &start) in session_starts.iter().enumerate() {
        let limit = session_starts.get(i + 1).copied().unwrap_or(image_blocks);
        let room = limit.saturating_sub(start);
        let blocks = match iso_volume_blocks(img, start) {
            // mkisofs -C counts the volume from LBA 0 …
            Some(total) if total > start => (total - start).min(room),
            // … a stand-alone image from its own start.
            Some(total) if total > 0 => total.min(room),
            _ => room,
        };
        // Leave room for the run-out and padding before the next session.
        let mut blocks = blocks;
        while blocks > 0
            && start as u64 + g.track_span(blocks) as u64 > limit as u64
            && i + 1 < session_starts.len()
        {
            blocks -= 1;
        }
        if blocks == 0 {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!(
                    "session starting at {start} holds no data in image {}",
                    short_path(image)
                ),
            ));
        }
        sessions.push(Session {
            tracks: vec![Track::new(start, blocks)],
        });
    }
    Ok(sessions)
}

/// The volume space size of an ISO 9660 primary volume descriptor at
/// `start + 16`, counted from LBA 0 as `mkisofs -C` writes it.
fn iso_volume_blocks(img: &super::image::Image, start: u32) -> Option<u32> {
    let mut pvd = vec![0u8; BLOCK_SIZE];
    img.read(start.checked_add(16)?, &mut pvd).ok()?;
    if &pvd[0..6] != b"\x01CD001" {
        return None;
    }
    Some(u32::from_le_bytes([pvd[80], pvd[81], pvd[82], pvd[83]]))
}
