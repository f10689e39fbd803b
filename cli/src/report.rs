//! What a disc holds, for people and for scripts: `info`, `msinfo`,
//! `sessions` and `diff`. Text is in words with sizes in MB/GB beside
//! blocks; JSON uses IMAPI2's property names (PascalCase) throughout.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use multisession::burn::Recovery;
use multisession::fsi::tree::Kind as NodeKind;
use multisession::fsi::{identify, FileSystemImage, FileSystems, Identified};
use multisession::session::{self, Kind};
use multisession::{
    hresult, DiscStatus, Error, FormatState, MediaInfo, MediaState, Recorder, Result, SessionState,
};
use serde_json::{json, Value};

use crate::{describe, error_json, megabytes, open, recorded, Done};

/// The `cdrecord -msinfo` pair (the two numbers `mkisofs -C` takes), as a
/// file-system image sees the medium: the start of the previous session
/// from the multisession object it chose — 0 on overwritable media, whose
/// one growing volume starts there — and its `SessionStartBlock`. An
/// error says why there is no pair: blank media (write-once, or
/// overwritable without a volume), closed or read-only media.
pub fn msinfo(recorder: &Arc<Recorder>) -> Result<(u32, u32)> {
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    let chosen = image.chosen_multisession().ok_or_else(|| {
        Error::new(
            hresult::MS_IMAPI_E_MULTISESSION_NOT_SET,
            "the image chose no multisession object",
        )
    })?;
    let next = image.session_start_block()?;
    let start = match chosen.kind() {
        Kind::Sequential => {
            u32::try_from(chosen.sequential()?.start_address_of_previous_session).unwrap_or(0)
        }
        // Nothing before the next session: a first session, not a
        // continuation; `0,0` would tell mkisofs -C to continue a volume
        // that is not there.
        Kind::RandomWrite | Kind::PseudoOverwrite if next == 0 => {
            return Err(Error::new(
                hresult::MS_IMAPI_E_IMPORT_SEEK_FAILURE,
                format!(
                    "the {} medium is blank (no ISO 9660 volume at LBA 16): there is no previous session to import",
                    recorder.media_info()?.profile
                ),
            ))
        }
        Kind::RandomWrite | Kind::PseudoOverwrite => 0,
    };
    Ok((start, next))
}

/// The last session was left open by an interrupted write. A
/// Pseudo-Overwrite BD-R keeps its session open by design (growisofs and
/// we only close tracks there): only a first volume that was never
/// completed, which the listing shows incomplete, is an interrupted write.
pub fn interrupted(recorder: &Recorder, media: &MediaInfo) -> bool {
    if media.pseudo_overwrite {
        return multisession::fsi::recorded_sessions(recorder)
            .is_ok_and(|listed| listed.iter().any(|s| !s.complete));
    }
    media.last_session == SessionState::Incomplete
}

/// What `recover` did, in words.
pub fn recovery_words(outcome: &Recovery) -> String {
    match outcome {
        Recovery::NotNeeded => "nothing to recover: no interrupted write was left behind".into(),
        Recovery::Restored {
            abandoned_marker,
            intact,
            mirror_start,
        } => format!(
            "closed the interrupted session (marked abandoned at LBA {abandoned_marker}); \
             the session at LBA {} is the newest again, mirrored at LBA {mirror_start}",
            intact.start
        ),
        Recovery::Emptied {
            abandoned_marker,
            volume_start,
        } => format!(
            "closed the interrupted first session (marked abandoned at LBA {abandoned_marker}); \
             an empty volume at LBA {volume_start} takes its place, the next append starts afresh"
        ),
    }
}

pub fn disc_status_word(media: &MediaInfo) -> &'static str {
    match media.disc_status {
        DiscStatus::Blank => "blank",
        DiscStatus::Appendable => "appendable",
        DiscStatus::Finalized => "finalized",
        DiscStatus::RandomAccess => "overwritable",
    }
}

fn last_session_word(state: SessionState) -> &'static str {
    match state {
        SessionState::Empty => "empty",
        SessionState::Incomplete => "incomplete",
        SessionState::Damaged => "damaged",
        SessionState::Complete => "complete",
    }
}

fn format_word(state: FormatState) -> &'static str {
    match state {
        FormatState::NotApplicable => "not formattable",
        FormatState::Unformatted => "unformatted",
        FormatState::InProgress => "formatting",
        FormatState::Formatted => "formatted",
    }
}

/// The names of the `IMAPI_FORMAT2_DATA_MEDIA_STATE` bits set in `state`.
fn media_state_names(state: MediaState) -> Vec<&'static str> {
    [
        (MediaState::OVERWRITE_ONLY, "OVERWRITE_ONLY"),
        (MediaState::BLANK, "BLANK"),
        (MediaState::APPENDABLE, "APPENDABLE"),
        (MediaState::FINAL_SESSION, "FINAL_SESSION"),
        (MediaState::DAMAGED, "DAMAGED"),
        (MediaState::ERASE_REQUIRED, "ERASE_REQUIRED"),
        (MediaState::NON_EMPTY_SESSION, "NON_EMPTY_SESSION"),
        (MediaState::WRITE_PROTECTED, "WRITE_PROTECTED"),
        (MediaState::FINALIZED, "FINALIZED"),
        (MediaState::UNSUPPORTED_MEDIA, "UNSUPPORTED_MEDIA"),
    ]
    .into_iter()
    .filter(|(bit, _)| state.contains(*bit))
    .map(|(_, name)| name)
    .collect()
}

fn blocks_words(blocks: u64) -> String {
    format!("{blocks} blocks ({})", megabytes(blocks))
}

/// A blank medium: no session to continue, no msinfo (cdrecord -msinfo
/// fails there too).
fn is_blank(msinfo: &Result<(u32, u32)>) -> bool {
    matches!(msinfo, Err(e) if e.code() == hresult::MS_IMAPI_E_IMPORT_SEEK_FAILURE)
}

/// The multisession objects the recorder offers, with their IMAPI2
/// properties.
fn objects_json(recorder: &Arc<Recorder>) -> Result<Vec<Value>> {
    let mut rows = Vec::new();
    for object in session::offer(recorder).unwrap_or_default() {
        let mut row = json!({
            "Kind": object.kind().to_string(),
            "IsSupportedOnCurrentMediaState": object.is_supported_on_current_media_state()?,
        });
        let values = match object.kind() {
            Kind::Sequential => {
                let v = object.sequential()?;
                json!({
                    "IsFirstDataSession": v.is_first_data_session,
                    "StartAddressOfPreviousSession": v.start_address_of_previous_session,
                    "LastWrittenAddressOfPreviousSession": v.last_written_address_of_previous_session,
                    "NextWritableAddress": v.next_writable_address,
                    "FreeSectorsOnMedia": v.free_sectors_on_media,
                    "WriteUnitSize": v.write_unit_size,
                })
            }
            Kind::RandomWrite => {
                let v = object.random_write()?;
                json!({
                    "LastWrittenAddress": v.last_written_address,
                    "TotalSectorsOnMedia": v.total_sectors_on_media,
                    "WriteUnitSize": v.write_unit_size,
                })
            }
            Kind::PseudoOverwrite => {
                let v = object.pseudo_overwrite()?;
                json!({
                    "NextWritableAddress": v.next_writable_address,
                    "LastRecordedAddress": v.last_recorded_address,
                    "TotalSectorsOnMedia": v.total_sectors_on_media,
                    "WriteUnitSize": v.write_unit_size,
                })
            }
        };
        merge(&mut row, values);
        rows.push(row);
    }
    Ok(rows)
}

/// Adds the members of the object `more` to the object `into`.
fn merge(into: &mut Value, more: Value) {
    if let (Value::Object(into), Value::Object(more)) = (into, more) {
        into.extend(more);
    }
}

/// The file systems of the newest complete session (the one an append
/// continues; a session an interrupted write left open has none yet):
/// `None` on a blank disc, and when the session table cannot be read
/// (`info` still reports the medium; `sessions` names that failure).
fn newest_file_systems(recorder: &Recorder, media: &MediaInfo) -> Option<SessionFileSystems> {
    let extents = session_extents(recorder, media).ok()?;
    let start = extents.iter().rev().find(|e| e.3)?.1;
    Some(SessionFileSystems::of(
        identify(recorder, start).ok().as_ref(),
    ))
}

/// `info --json`: one object, IMAPI2 property names where IMAPI2 has the
/// property, the same PascalCase for what it has not.
fn info_json(
    recorder: &Arc<Recorder>,
    media: &MediaInfo,
    msinfo: &Result<(u32, u32)>,
) -> Result<Value> {
    let state = media.media_state();
    let previous = media.previous_session;
    let newest = newest_file_systems(recorder, media);
    let mut object = json!({
        "Msinfo": msinfo.as_ref().ok().map(|(s, n)| format!("{s},{n}")),
        "MsinfoError": msinfo.as_ref().err().map(error_json),
        "Device": recorder.describe(),
        "Profile": media.profile.name(),
        "CurrentPhysicalMediaType": media.physical_type() as u32,
        "CurrentMediaStatus": state.0,
        "CurrentMediaStatusNames": media_state_names(state),
        "WriteProtectStatus": media.write_protect.0,
        "MediaPhysicallyBlank": media.disc_status == DiscStatus::Blank,
        "DiscStatus": disc_status_word(media),
        "LastSessionState": last_session_word(media.last_session),
        "FormatState": format_word(media.format),
        "Interrupted": interrupted(recorder, media),
        "SessionCount": media.sessions,
        "TrackCount": media.tracks,
        "StartAddressOfPreviousSession": previous.map_or(-1, |s| i64::from(s.start)),
        "LastWrittenAddressOfPreviousSession": previous.map_or(-1, |s| i64::from(s.last_written)),
        "NextWritableAddress": media.next_writable.map_or(-1, i64::from),
        "FreeSectorsOnMedia": media.free_blocks,
        "TotalSectorsOnMedia": media.total_sectors,
        "WriteUnitSize": media.write_unit,
        "MultisessionInterfaces": objects_json(recorder)?,
    });
    merge(
        &mut object,
        newest.map_or(json!({"FileSystems": null, "UDFRevision": null}), |f| {
            f.json()
        }),
    );
    Ok(object)
}

pub fn info(dev: &Path, as_json: bool) -> Result<Done> {
    let recorder = open(dev)?;
    let media = recorder.media_info()?;
    let msinfo = msinfo(&recorder);
    let done = if is_blank(&msinfo) {
        Done::Blank
    } else {
        Done::Ok
    };
    if as_json {
        say!("{}", info_json(&recorder, &media, &msinfo)?);
        return Ok(done);
    }
    match &msinfo {
        Ok((start, next)) => say!("{start},{next}"),
        // As cdrecord -msinfo: no line on stdout, the reason on stderr.
        Err(e) => eprintln!("multisession: no msinfo: {}", describe(e)),
    }
    let state = media.media_state();
    let mut words = vec![disc_status_word(&media).to_string()];
    if media.format != FormatState::NotApplicable {
        words.push(format_word(media.format).into());
    }
    words.push(if media.write_protect.is_protected() {
        "write-protected".into()
    } else {
        "not write-protected".into()
    });
    if state.contains(MediaState::FINAL_SESSION) {
        words.push("room for one more session only".into());
    }
    say!("disc:              {} {}", media.profile, words.join(", "));
    say!("device:            {}", recorder.describe());
    // The last session's state is news only when a write left it open
    // or damaged; otherwise it is the empty one the next write fills.
    let last = match media.last_session {
        SessionState::Incomplete | SessionState::Damaged => {
            format!(
                "; the last session is {}",
                last_session_word(media.last_session)
            )
        }
        _ => String::new(),
    };
    say!(
        "sessions:          {} complete, {} tracks{last}",
        media.sessions,
        media.tracks
    );
    if let Some(previous) = media.previous_session {
        say!(
            "newest session:    LBA {} to {} ({})",
            previous.start,
            previous.last_written,
            megabytes(u64::from(previous.last_written - previous.start) + 1)
        );
    }
    if let Some(newest) = newest_file_systems(&recorder, &media) {
        say!("file systems:      {} (newest session)", newest.words());
    }
    match media.next_writable {
        Some(next) => say!("next session at:   LBA {next}"),
        None => say!("next session at:   none (nothing more can be written)"),
    }
    say!(
        "free:              {}",
        blocks_words(u64::from(media.free_blocks))
    );
    say!(
        "capacity:          {}",
        blocks_words(u64::from(media.total_sectors))
    );
    say!(
        "write unit:        {} block{}",
        media.write_unit,
        if media.write_unit == 1 { "" } else { "s" }
    );
    if let Err(e) = &msinfo {
        if !is_blank(&msinfo) {
            say!("no msinfo:         {}", e.detail());
        }
    }
    if interrupted(&recorder, &media) {
        say!(
            "interrupted:       a write was interrupted and left the last session open; \
             run `multisession recover {}` to close it",
            dev.display()
        );
    }
    for row in objects_json(&recorder)? {
        say!("");
        say!(
            "{} multisession object, {}",
            row["Kind"].as_str().unwrap_or(""),
            if row["IsSupportedOnCurrentMediaState"] == true {
                "usable on this disc now"
            } else {
                "not usable on this disc now"
            }
        );
        if let Value::Object(values) = &row {
            for (key, value) in values {
                if key != "Kind" && key != "IsSupportedOnCurrentMediaState" {
                    say!("  {key:<36} {value}");
                }
            }
        }
    }
    Ok(done)
}

/// `msinfo`: the line alone, or status 3 on a blank disc.
pub fn msinfo_line(dev: &Path) -> Result<Done> {
    match msinfo(&open(dev)?) {
        Ok((start, next)) => {
            say!("{start},{next}");
            Ok(Done::Ok)
        }
        Err(e) if e.code() == hresult::MS_IMAPI_E_IMPORT_SEEK_FAILURE => {
            eprintln!("multisession: no msinfo: {}", describe(&e));
            Ok(Done::Blank)
        }
        Err(e) => Err(e),
    }
}

/// One session of `sessions`.
struct SessionRow {
    number: u16,
    start: u32,
    blocks: u64,
    date: Option<i64>,
    volume: String,
    file_systems: SessionFileSystems,
    complete: bool,
}

/// The file systems a session holds and the revision its UDF volume
/// records, as `udfinfo` prints it.
struct SessionFileSystems {
    found: FileSystems,
    udf_revision: Option<u16>,
}

impl SessionFileSystems {
    fn of(found: Option<&Identified>) -> SessionFileSystems {
        SessionFileSystems {
            found: found.map_or(FileSystems::NONE, |f| f.file_systems),
            udf_revision: found.and_then(|f| f.udf_revision),
        }
    }

    /// `2.50` for 0x0250.
    fn udf_revision(&self) -> Option<String> {
        self.udf_revision
            .map(|r| format!("{:x}.{:02x}", r >> 8, r & 0xff))
    }

    /// `ISO 9660 + Joliet + UDF 2.50`.
    fn words(&self) -> String {
        match self.udf_revision() {
            Some(revision) => format!("{} {revision}", self.found),
            None => self.found.to_string(),
        }
    }

    /// `FileSystems` and `UDFRevision` (`null` without UDF).
    fn json(&self) -> Value {
        json!({
            "FileSystems": self.found.to_string(),
            "UDFRevision": self.udf_revision(),
        })
    }
}

/// Number, start, blocks and completeness of every recorded session;
/// overwritable media have one volume, at 0, as long as its descriptors
/// say.
fn session_extents(recorder: &Recorder, media: &MediaInfo) -> Result<Vec<(u16, u32, u64, bool)>> {
    let recorded = recorder.sessions()?;
    Ok(if recorded.is_empty() {
        match media.next_writable.filter(|&n| n > 0) {
            Some(end) => vec![(1, 0, u64::from(end), true)],
            None => Vec::new(),
        }
    } else {
        recorded
            .iter()
            .map(|s| {
                let blocks = u64::from(s.extent.last_written.saturating_sub(s.extent.start)) + 1;
                (s.number, s.extent.start, blocks, s.complete)
            })
            .collect()
    })
}

fn session_rows(recorder: &Arc<Recorder>) -> Result<Vec<SessionRow>> {
    let media = recorder.media_info()?;
    let mut rows = Vec::new();
    for (number, start, blocks, complete) in session_extents(recorder, &media)? {
        let found = identify(&**recorder, start).ok();
        let volume = found
            .as_ref()
            .and_then(|f| f.descriptors.primary.as_ref())
            .map(|v| v.volume_id.clone())
            .unwrap_or_default();
        let date = found
            .as_ref()
            .and_then(|f| f.descriptors.primary.as_ref())
            .and_then(|v| v.root.date);
        rows.push(SessionRow {
            number,
            start,
            blocks,
            date,
            volume,
            file_systems: SessionFileSystems::of(found.as_ref()),
            complete,
        });
    }
    Ok(rows)
}

/// `2024-05-01 12:00:00 UTC` from seconds since the epoch.
fn utc(seconds: i64) -> String {
    let c = multisession::internals::iso9660::codec::civil(seconds);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

pub fn sessions(dev: &Path, as_json: bool) -> Result<()> {
    let recorder = open(dev)?;
    let rows = session_rows(&recorder)?;
    if as_json {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut row = json!({
                    "Number": r.number,
                    "StartAddress": r.start,
                    "SectorCount": r.blocks,
                    "Date": r.date,
                    "VolumeName": r.volume,
                    "Complete": r.complete,
                });
                merge(&mut row, r.file_systems.json());
                row
            })
            .collect();
        say!("{}", json!({ "Sessions": list }));
        return Ok(());
    }
    if rows.is_empty() {
        say!("no sessions: the disc is blank");
        return Ok(());
    }
    say!(
        "{:>3}  {:>9}  {:>18}  {:<23}  {:<32}  file systems",
        "#",
        "start",
        "size",
        "date",
        "volume"
    );
    for r in rows {
        say!(
            "{:>3}  {:>9}  {:>18}  {:<23}  {:<32}  {}{}",
            r.number,
            r.start,
            format!("{} ({})", r.blocks, megabytes(r.blocks)),
            r.date.map(utc).unwrap_or_else(|| "-".into()),
            r.volume,
            r.file_systems.words(),
            if r.complete { "" } else { " (open)" }
        );
    }
    Ok(())
}

/// What `diff` compares of an entry.
#[derive(PartialEq, Eq)]
struct Seen {
    kind: &'static str,
    size: u64,
    /// First block of a file's data: a rewritten file moves.
    lba: Option<u32>,
    target: Option<String>,
    mode: u32,
    modified: Option<i64>,
}

fn entries(session: &recorded::RecordedSession) -> BTreeMap<String, Seen> {
    let tree = &session.tree;
    let mut out = BTreeMap::new();
    recorded::each_path(tree, |id, path| {
        let node = tree.node(id);
        let (kind, size, lba, target) = match &node.kind {
            NodeKind::Dir(_) => ("dir", 0, None, None),
            NodeKind::File(f) => {
                let lba = match &f.content {
                    multisession::fsi::Content::OnMedium(e) => e.first().map(|e| e.lba),
                    multisession::fsi::Content::New(_) => None,
                };
                ("file", f.size, lba, None)
            }
            NodeKind::Symlink(t) => ("symlink", 0, None, Some(t.to_string())),
        };
        out.insert(
            path.to_owned(),
            Seen {
                kind,
                size,
                lba,
                target,
                mode: node.attrs.mode & 0o7777,
                modified: node.attrs.times().map(|t| t.modified),
            },
        );
    });
    out
}

pub fn diff(dev: &Path, a: u16, b: u16, as_json: bool) -> Result<()> {
    let recorder = Recorder::open(dev)?;
    let older = entries(&recorded::read(&recorder, Some(a))?);
    let newer = entries(&recorded::read(&recorder, Some(b))?);
    let mut lines: Vec<(&str, &str, u64)> = Vec::new();
    for (path, old) in &older {
        match newer.get(path) {
            None => lines.push(("removed", path, old.size)),
            Some(new) if new == old => {}
            Some(new) => {
                let what = if new.kind != old.kind
                    || new.size != old.size
                    || new.lba != old.lba
                    || new.target != old.target
                {
                    "changed"
                } else {
                    "attributes"
                };
                lines.push((what, path, new.size));
            }
        }
    }
    for (path, new) in &newer {
        if !older.contains_key(path) {
            lines.push(("added", path, new.size));
        }
    }
    lines.sort_by(|x, y| x.1.cmp(y.1));
    if as_json {
        let list: Vec<Value> = lines
            .iter()
            .map(|(what, path, size)| json!({"Change": what, "Path": path, "Size": size}))
            .collect();
        say!("{}", json!({ "From": a, "To": b, "Changes": list }));
        return Ok(());
    }
    if lines.is_empty() {
        say!("sessions {a} and {b} hold the same files");
    }
    for (what, path, size) in lines {
        let is_dir = |map: &BTreeMap<String, Seen>| map.get(path).is_some_and(|s| s.kind == "dir");
        if is_dir(&newer) || (is_dir(&older) && !newer.contains_key(path)) {
            say!("{what:<10} {path}/");
        } else {
            say!("{what:<10} {path} ({size} bytes)");
        }
    }
    Ok(())
}
