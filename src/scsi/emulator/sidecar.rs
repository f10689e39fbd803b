//! The JSON sidecar `<image>.json`: its file format, the parse into the
//! typed [`Disc`] model (every inconsistency is an error that names the
//! field), and atomic saving.
//!
//! A CD-R with one closed session of 608 blocks and a second session whose
//! track is still being written:
//!
//! ```json
//! {
//!   "version": 1,
//!   "identity": { "vendor": "MSEMU", "product": "Emulated Writer", "revision": "1.00" },
//!   "profile": "cd-r",
//!   "capacity": 359849,
//!   "media_present": true,
//!   "write_protected": false,
//!   "sessions": [
//!     { "closed": true,  "tracks": [ { "start": 0,     "blocks": 608, "closed": true } ] },
//!     { "closed": false, "tracks": [ { "start": 12010, "blocks": 64,  "closed": false } ] }
//!   ],
//!   "finalized": false,
//!   "quirks": { "nwa_minus_150_on_blank_cd": true },
//!   "faults": { "power_loss_after_blocks": 1000 }
//! }
//! ```
//!
//! A track with `"sao": true` was written session-at-once from a cue
//! sheet (CD only): no run-out blocks follow its data.
//!
//! `format` is `"unformatted"`/`"formatted"` on DVD+RW, BD-RE (DVD-RW
//! restricted overwrite and DVD-RAM are always formatted) and
//! `"unformatted"`/`"srm"`/`"srm_pow"` on BD-R. Omitted fields take their
//! defaults; unknown fields are errors, so a typo never passes silently.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{
    BdRFormat, Disc, DriveIdentity, Medium, OpenSession, OpenTrack, Recorded, Session, Track,
};
use super::quirks::{Faults, Quirks};
use super::watch::Seen;
use crate::error::{Error, Result};
use crate::hresult::{MS_E_FAIL, MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE};
use crate::media::{Family, Profile, WriteModel};

/// The last LBA a CD address can name (MSF 89:59:74): from 90 minutes on
/// MSF addresses are the lead-in's negative LBAs, so a CD lead-out cannot
/// start later, and no number a CD reports is ever near 2^31.
const CD_LAST_ADDRESS: u32 = 404_849;

/// Version of the sidecar format this code reads and writes.
pub const SIDECAR_VERSION: u32 = 1;

/// `<image>.json`: the sidecar next to an image (the suffix is appended,
/// so `disc.iso` has `disc.iso.json`).
pub fn sidecar_path(image: &Path) -> PathBuf {
    let mut name = image.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SidecarFile {
    version: u32,
    #[serde(default)]
    identity: DriveIdentity,
    profile: String,
    capacity: u32,
    #[serde(default = "default_true")]
    media_present: bool,
    #[serde(default)]
    write_protected: bool,
    /// "unformatted" / "formatted" (overwritables), or "srm" / "srm_pow" (BD-R).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(default)]
    sessions: Vec<SessionFile>,
    #[serde(default)]
    finalized: bool,
    /// DVD-RW after a minimal blank.
    #[serde(default, skip_serializing_if = "is_false")]
    incremental_lost: bool,
    #[serde(default)]
    quirks: Quirks,
    #[serde(default)]
    faults: Faults,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFile {
    closed: bool,
    tracks: Vec<TrackFile>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackFile {
    start: u32,
    blocks: u32,
    closed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reserved: Option<u32>,
    /// Written session-at-once (CD): no run-out blocks after the data.
    #[serde(default, skip_serializing_if = "is_false")]
    sao: bool,
}

fn default_true() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn bad(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::new(
        MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
        format!("emulator sidecar {}: {detail}", path.display()),
    )
}

/// Reads and checks a sidecar; also returns the version read, so the
/// drive can notice when someone else replaces it.
pub fn load(path: &Path) -> Result<(Disc, Seen)> {
    let (text, seen) = read(path)?;
    Ok((parse_at(path, &text)?, seen))
}

/// The sidecar's text and the version it came from, unchecked.
pub fn read(path: &Path) -> Result<(String, Seen)> {
    Seen::read(path).map_err(|e| {
        Error::new(
            MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
            format!("cannot read emulator sidecar {}: {e}", path.display()),
        )
    })
}

/// [`parse`] with the error naming the sidecar file.
pub fn parse_at(path: &Path, text: &str) -> Result<Disc> {
    parse(text).map_err(|detail| bad(path, detail))
}

/// Parses sidecar text into the model; the error names the offending field.
pub fn parse(text: &str) -> std::result::Result<Disc, String> {
    let file: SidecarFile =
        serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    if file.version != SIDECAR_VERSION {
        return Err(format!(
            "field `version`: {} is not the supported version {SIDECAR_VERSION}",
            file.version
        ));
    }
    let profile = Profile::from_name(&file.profile)
        .ok_or_else(|| format!("field `profile`: unknown profile {:?}", file.profile))?;
    if file.capacity == 0 {
        return Err("field `capacity`: must be at least 1 block".into());
    }
    if profile.family() == Family::Cd && file.capacity > CD_LAST_ADDRESS {
        return Err(format!(
            "field `capacity`: {} is beyond the last CD address {CD_LAST_ADDRESS} (89:59:74; MSF from 90 minutes on names the lead-in)",
            file.capacity
        ));
    }
    let medium = match profile.write_model() {
        WriteModel::RandomWrite => parse_overwritable(profile, &file)?,
        WriteModel::Sequential | WriteModel::ReadOnly => parse_recorded(profile, &file)?,
    };
    let disc = Disc {
        identity: file.identity,
        profile,
        capacity: file.capacity,
        media_present: file.media_present,
        write_protected: file.write_protected,
        medium,
        quirks: file.quirks,
        faults: file.faults,
    };
    check_extents(&disc)?;
    Ok(disc)
}

fn parse_overwritable(profile: Profile, file: &SidecarFile) -> std::result::Result<Medium, String> {
    if !file.sessions.is_empty() {
        return Err(format!(
            "field `sessions`: {profile} is overwritable and has no MMC sessions (its sessions live in the ISO data)"
        ));
    }
    if file.finalized {
        return Err(format!("field `finalized`: {profile} cannot be finalized"));
    }
    let always_formatted = matches!(profile, Profile::DvdMinusRwRestricted | Profile::DvdRam);
    let formatted = match file.format.as_deref() {
        None => always_formatted,
        Some("formatted") => true,
        Some("unformatted") if !always_formatted => false,
        Some(other) => {
            return Err(format!(
                "field `format`: {other:?} is not a format state of {profile}"
            ))
        }
    };
    Ok(Medium::Overwritable { formatted })
}

fn parse_recorded(profile: Profile, file: &SidecarFile) -> std::result::Result<Medium, String> {
    let bd_r_format = match (profile, file.format.as_deref()) {
        (_, None) => BdRFormat::Unformatted,
        (Profile::BdR, Some("unformatted")) => BdRFormat::Unformatted,
        (Profile::BdR, Some("srm")) => BdRFormat::Srm,
        (Profile::BdR, Some("srm_pow")) => BdRFormat::SrmPow,
        (_, Some(other)) => {
            return Err(format!(
                "field `format`: {other:?} is not a format state of {profile}"
            ))
        }
    };
    if file.incremental_lost && profile != Profile::DvdMinusRwSequential {
        return Err(format!(
            "field `incremental_lost`: only a DVD-RW can lose incremental recording, not {profile}"
        ));
    }
    let read_only = profile.write_model() == WriteModel::ReadOnly;
    if read_only && file.sessions.is_empty() {
        return Err(format!(
            "field `sessions`: read-only profile {profile} needs at least one session"
        ));
    }
    let mut sessions = Vec::new();
    let mut open = None;
    let count = file.sessions.len();
    for (i, s) in file.sessions.iter().enumerate() {
        let last = i + 1 == count;
        if s.tracks.is_empty() {
            return Err(format!(
                "field `sessions[{i}].tracks`: a session needs a track"
            ));
        }
        check_tracks(profile, i, s, last)?;
        if !s.closed {
            if !last {
                return Err(format!(
                    "field `sessions[{i}].closed`: only the last session may be open"
                ));
            }
            if file.finalized || read_only {
                return Err(format!(
                    "field `sessions[{i}].closed`: a finalized disc has no open session"
                ));
            }
            let mut closed: Vec<Track> = s
                .tracks
                .iter()
                .map(|t| Track {
                    start: t.start,
                    blocks: t.blocks,
                    sao: t.sao,
                })
                .collect();
            let current = match s.tracks.last() {
                Some(t) if !t.closed => {
                    closed.pop();
                    Some(OpenTrack {
                        start: t.start,
                        blocks: t.blocks,
                        reserved: t.reserved,
                    })
                }
                _ => None,
            };
            open = Some(OpenSession { closed, current });
        } else {
            sessions.push(Session {
                tracks: s
                    .tracks
                    .iter()
                    .map(|t| Track {
                        start: t.start,
                        blocks: t.blocks,
                        sao: t.sao,
                    })
                    .collect(),
            });
        }
    }
    Ok(Medium::Recorded(Recorded {
        sessions,
        open,
        finalized: file.finalized || read_only,
        bd_r_format,
        incremental_lost: file.incremental_lost,
    }))
}

/// The tracks of session `i` (`last`: the disc's last session): only the
/// last track of an open last session may be open, closed tracks hold data,
/// session-at-once is a closed CD track's, reservations an open track's.
fn check_tracks(
    profile: Profile,
    i: usize,
    s: &SessionFile,
    last: bool,
) -> std::result::Result<(), String> {
    for (j, t) in s.tracks.iter().enumerate() {
        let last_track = j + 1 == s.tracks.len();
        let may_be_open = last && last_track && !s.closed;
        if !t.closed && !may_be_open {
            return Err(format!(
                "field `sessions[{i}].tracks[{j}].closed`: only the last track of an open last session may be open"
            ));
        }
        if t.closed && t.blocks == 0 {
            return Err(format!(
                "field `sessions[{i}].tracks[{j}].blocks`: a closed track holds at least one block"
            ));
        }
        if t.sao && (!t.closed || profile.family() != Family::Cd) {
            return Err(format!(
                "field `sessions[{i}].tracks[{j}].sao`: only a closed CD track is written session-at-once"
            ));
        }
        if t.reserved.is_some() && t.closed {
            return Err(format!(
                "field `sessions[{i}].tracks[{j}].reserved`: only an open track has a reservation"
            ));
        }
    }
    Ok(())
}

/// Tracks must follow each other without overlap and stay within capacity.
fn check_extents(disc: &Disc) -> std::result::Result<(), String> {
    let Some(rec) = disc.recorded() else {
        return Ok(());
    };
    let mut extents: Vec<(String, u64, u64)> = Vec::new();
    let mut index = 0;
    for (i, s) in rec.sessions.iter().enumerate() {
        for (j, t) in s.tracks.iter().enumerate() {
            let end = t.start as u64 + disc.track_span(t) as u64;
            extents.push((format!("sessions[{i}].tracks[{j}]"), t.start as u64, end));
        }
        index = i + 1;
    }
    if let Some(open) = &rec.open {
        for (j, t) in open.closed.iter().enumerate() {
            let end = t.start as u64 + disc.track_span(t) as u64;
            extents.push((
                format!("sessions[{index}].tracks[{j}]"),
                t.start as u64,
                end,
            ));
        }
        if let Some(t) = open.current {
            let end = t.start as u64 + t.blocks.max(t.reserved.unwrap_or(0)) as u64;
            extents.push((
                format!("sessions[{index}].tracks[{}]", open.closed.len()),
                t.start as u64,
                end,
            ));
        }
    }
    let mut previous_end = 0u64;
    for (name, start, end) in &extents {
        if *start < previous_end {
            return Err(format!(
                "field `{name}.start`: track at {start} overlaps the previous track, which ends at {previous_end}"
            ));
        }
        if *end > disc.capacity as u64 {
            return Err(format!(
                "field `{name}`: track {start}..{end} lies beyond the capacity of {} blocks",
                disc.capacity
            ));
        }
        previous_end = *end;
    }
    Ok(())
}

/// The sidecar text for a disc.
pub fn render(disc: &Disc) -> String {
    let mut sessions = Vec::new();
    let mut format = None;
    let mut finalized = false;
    let mut incremental_lost = false;
    match &disc.medium {
        Medium::Overwritable { formatted } => {
            format = Some(
                if *formatted {
                    "formatted"
                } else {
                    "unformatted"
                }
                .to_string(),
            );
        }
        Medium::Recorded(rec) => {
            finalized = rec.finalized;
            incremental_lost = rec.incremental_lost;
            if disc.profile == Profile::BdR {
                format = Some(
                    match rec.bd_r_format {
                        BdRFormat::Unformatted => "unformatted",
                        BdRFormat::Srm => "srm",
                        BdRFormat::SrmPow => "srm_pow",
                    }
                    .to_string(),
                );
            }
            let closed_track = |t: &Track| TrackFile {
                start: t.start,
                blocks: t.blocks,
                closed: true,
                reserved: None,
                sao: t.sao,
            };
            for s in &rec.sessions {
                sessions.push(SessionFile {
                    closed: true,
                    tracks: s.tracks.iter().map(closed_track).collect(),
                });
            }
            if let Some(open) = &rec.open {
                let mut tracks: Vec<TrackFile> = open.closed.iter().map(closed_track).collect();
                if let Some(t) = open.current {
                    tracks.push(TrackFile {
                        start: t.start,
                        blocks: t.blocks,
                        closed: false,
                        reserved: t.reserved,
                        sao: false,
                    });
                }
                sessions.push(SessionFile {
                    closed: false,
                    tracks,
                });
            }
        }
    }
    let file = SidecarFile {
        version: SIDECAR_VERSION,
        identity: disc.identity.clone(),
        profile: disc.profile.name().to_string(),
        capacity: disc.capacity,
        media_present: disc.media_present,
        write_protected: disc.write_protected,
        format,
        sessions,
        finalized,
        incremental_lost,
        quirks: disc.quirks.clone(),
        faults: disc.faults.clone(),
    };
    let mut text = serde_json::to_string_pretty(&file).expect("sidecar serializes");
    text.push('\n');
    text
}

/// Writes the sidecar atomically: a temporary file next to it, flushed,
/// then renamed over it, so a crash leaves either the old or the new state.
/// Returns the version written.
pub fn save(path: &Path, disc: &Disc) -> Result<Seen> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let io = |what: &str, e: std::io::Error| {
        Error::new(
            MS_E_FAIL,
            format!("cannot {what} emulator sidecar {}: {e}", path.display()),
        )
    };
    let mut f = std::fs::File::create(&tmp).map_err(|e| io("create the temporary", e))?;
    f.write_all(render(disc).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| io("write the temporary", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("replace", e))?;
    // The renamed file is the version on disk now.
    Seen::of(f).map_err(|e| io("stat the saved", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scsi::emulator::spec::DiscSpec;

    #[test]
    fn a_cd_capacity_beyond_the_last_msf_address_is_refused() {
        let sidecar = |capacity: u32| {
            format!(r#"{{ "version": 1, "profile": "cd-r", "capacity": {capacity} }}"#)
        };
        assert!(parse(&sidecar(CD_LAST_ADDRESS)).is_ok());
        let err = parse(&sidecar(CD_LAST_ADDRESS + 1)).unwrap_err();
        assert!(err.starts_with("field `capacity`"), "{err}");
        assert!(parse(&sidecar(0xFFFF_FFF0)).is_err());
    }

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("sidecar.rs");
        let start = doc.find("//! ```json").unwrap() + "//! ```json".len();
        let end = start + doc[start..].find("//! ```").unwrap();
        let json: String = doc[start..end]
            .lines()
            .map(|l| l.trim_start().trim_start_matches("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let disc = parse(&json).unwrap();
        let next = disc.next_track().unwrap();
        assert_eq!(
            (next.number, next.start, next.next_writable),
            (2, 12010, 12074)
        );
        assert!(disc.quirks.nwa_minus_150_on_blank_cd);
    }

    #[test]
    fn render_and_parse_round_trip_every_kind_of_state() {
        let specs = [
            DiscSpec::new(Profile::CdR),
            DiscSpec::new(Profile::CdRw)
                .sessions(&[300, 400])
                .finalized(true),
            DiscSpec::new(Profile::DvdMinusR)
                .sessions(&[100])
                .open_session(&[16, 32], true),
            DiscSpec::new(Profile::DvdPlusR).open_session(&[16], false),
            DiscSpec::new(Profile::BdR).pow(true),
            DiscSpec::new(Profile::BdRe),
            DiscSpec::new(Profile::DvdPlusRw)
                .formatted(true)
                .write_protected(true),
            DiscSpec::new(Profile::DvdRom).sessions(&[1000]),
        ];
        for spec in specs {
            let disc = spec.build().unwrap();
            assert_eq!(parse(&render(&disc)).unwrap(), disc, "{spec:?}");
        }
    }

    #[test]
    fn an_sao_track_round_trips_ends_without_run_out_and_only_closed_on_cd() {
        let mut disc = DiscSpec::new(Profile::CdR)
            .sessions(&[400])
            .build()
            .unwrap();
        disc.recorded_mut().unwrap().sessions[0].tracks[0].sao = true;
        let text = render(&disc);
        assert!(text.contains("\"sao\": true"), "{text}");
        let back = parse(&text).unwrap();
        assert_eq!(back, disc);
        assert_eq!(back.next_track().unwrap().start, 400 + 11_400);

        let open = r#"{ "version": 1, "profile": "cd-r", "capacity": 359849, "sessions": [
            { "closed": false, "tracks": [ { "start": 0, "blocks": 400, "closed": false, "sao": true } ] } ] }"#;
        let err = parse(open).unwrap_err();
        assert!(err.contains(".sao`"), "{err}");
        let dvd = r#"{ "version": 1, "profile": "dvd+r", "capacity": 2295104, "sessions": [
            { "closed": true, "tracks": [ { "start": 0, "blocks": 400, "closed": true, "sao": true } ] } ] }"#;
        let err = parse(dvd).unwrap_err();
        assert!(err.contains(".sao`"), "{err}");
    }
}
