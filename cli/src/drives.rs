//! `drives` and `eject`: the machine's optical drives and their trays.

use std::path::Path;
use std::time::Duration;

use multisession::hresult;
use multisession::media::Profile;
use multisession::recorder::{enumerate_drives, DriveEntry};
use multisession::{Error, MediaInfo, Recorder, Result};
use serde_json::{json, Value};

use crate::report::disc_status_word;

/// How long each drive may take to answer the scan: a drive spinning up
/// a disc answers within seconds; one busy longer is left out rather than
/// stall the listing.
const SCAN_TIMEOUT: Duration = Duration::from_secs(5);

/// After closing the tray a real drive needs seconds to recognise the
/// disc; an empty drive is reported once this has passed.
const LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// The medium in a drive: `None` without one (the tray open or empty).
fn medium(recorder: &Recorder) -> Result<Option<MediaInfo>> {
    match recorder.refresh() {
        Ok(media) => Ok(Some(media)),
        Err(e) if e.code() == hresult::MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA => Ok(None),
        Err(e) => Err(e),
    }
}

/// `cd-r, appendable` or `no medium`.
fn medium_words(media: Option<&MediaInfo>) -> String {
    match media {
        Some(m) => format!("{}, {}", m.profile, disc_status_word(m)),
        None => "no medium".into(),
    }
}

/// What the listing says about one drive: its medium, read by opening
/// the drive (the emulated disc behind a virtual device); a drive that
/// fails to say is still listed, with why.
fn drive_medium(entry: &DriveEntry) -> Result<Option<MediaInfo>> {
    let open = entry.backing.as_deref().unwrap_or(&entry.path);
    medium(&Recorder::open(open)?)
}

pub fn drives(as_json: bool) -> Result<()> {
    let found = enumerate_drives(SCAN_TIMEOUT);
    if found.is_empty() {
        return Err(Error::new(
            hresult::MS_E_WIN32_DEV_NOT_EXIST,
            "no optical drive found (none of /dev/sr*, /dev/sg* answers as an MMC drive, \
             and MULTISESSION_VDEV maps no virtual one)",
        ));
    }
    let rows: Vec<(DriveEntry, Result<Option<MediaInfo>>)> = found
        .into_iter()
        .map(|entry| {
            let media = drive_medium(&entry);
            (entry, media)
        })
        .collect();
    if as_json {
        let list: Vec<Value> = rows.iter().map(|(e, m)| drive_json(e, m)).collect();
        say!("{}", json!({ "Drives": list }));
        return Ok(());
    }
    say!(
        "{:<12} {:<8} {:<16} {:<8} medium",
        "device",
        "vendor",
        "product",
        "revision"
    );
    for (entry, media) in &rows {
        let medium = match media {
            Ok(m) => medium_words(m.as_ref()),
            Err(e) => format!("unknown ({})", crate::describe(e)),
        };
        let backing = entry
            .backing
            .as_ref()
            .map(|b| format!(" [emulated: {}]", b.display()))
            .unwrap_or_default();
        say!(
            "{:<12} {:<8} {:<16} {:<8} {medium}{backing}",
            entry.path.display(),
            entry.identity.vendor,
            entry.identity.product,
            entry.identity.revision
        );
    }
    Ok(())
}

/// One drive with IDiscRecorder2's property names (`CurrentProfile` is
/// the one entry of its `CurrentProfiles`) and `info --json`'s
/// `DiscStatus` for the medium.
fn drive_json(entry: &DriveEntry, media: &Result<Option<MediaInfo>>) -> Value {
    let profile_names: Vec<&str> = entry
        .profiles
        .iter()
        .filter_map(|&code| Profile::from_code(code))
        .map(Profile::name)
        .collect();
    let (present, status, error) = match media {
        Ok(Some(m)) => (Some(true), Some(disc_status_word(m)), None),
        Ok(None) => (Some(false), None, None),
        Err(e) => (None, None, Some(crate::error_json(e))),
    };
    json!({
        "Path": entry.path,
        "Backing": entry.backing,
        "VendorId": entry.identity.vendor,
        "ProductId": entry.identity.product,
        "ProductRevision": entry.identity.revision,
        "CurrentProfile": Profile::from_code(entry.current_profile).map(Profile::name),
        "SupportedProfiles": profile_names,
        "MediumPresent": present,
        "DiscStatus": status,
        "MediumError": error,
    })
}

/// `eject DISC` opens the tray, `eject --load DISC` closes it; either
/// then says what the drive holds, as read back from it.
pub fn eject(dev: &Path, load: bool) -> Result<()> {
    let recorder = Recorder::open(dev)?;
    if load {
        recorder.load()?;
        let media = match recorder.wait_for_medium(LOAD_TIMEOUT) {
            Ok(media) => Some(media),
            Err(e) if e.code() == hresult::MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA => None,
            Err(e) => return Err(e),
        };
        say!("tray closed: {}", medium_words(media.as_ref()));
    } else {
        recorder.eject()?;
        let media = medium(&recorder)?;
        say!("tray open: {}", medium_words(media.as_ref()));
    }
    Ok(())
}
