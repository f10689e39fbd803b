//! The next session, made the way an IMAPI application (or a C user of
//! `ms_image_*`) makes it: a blank medium takes the image defaults from the
//! recorder; otherwise the image gets the multisession objects the recorder
//! offers, chooses one and imports the newest session, then the new files
//! are added and the result image is created for `burn::DataWriter`.

use std::path::Path;
use std::sync::Arc;

use multisession::fsi::{FileSystemImage, OnClash, ResultImage};
use multisession::{hresult, session, Error, MediaState, Recorder, Result};

/// The newest session's files plus `paths` as a session named `volume`,
/// placed where the medium in `recorder` takes it.
pub fn next_session(
    recorder: &Arc<Recorder>,
    paths: &[impl AsRef<Path>],
    volume: &str,
) -> Result<ResultImage> {
    let mut image = FileSystemImage::new();
    image.set_volume_name(volume)?;
    if recorder
        .media_info()?
        .media_state()
        .contains(MediaState::BLANK)
    {
        image.choose_image_defaults(recorder)?;
    } else {
        image.set_multisession_interfaces(session::offer(recorder)?)?;
        match image.import_file_system(None) {
            Ok(_) => {}
            // Formatted overwritable media report every block as recorded
            // but hold no volume yet: the session is the first one.
            Err(e) if e.code() == hresult::MS_IMAPI_E_EMPTY_DISC => {}
            // Another program left a newest session with no volume in it:
            // carry on from the newest one that has a volume, and say so.
            Err(e) if e.code() == hresult::MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM => {
                let newest = recorder.media_info()?.previous_session.map(|s| s.start);
                let Some(older) = image.newest_session_with_file_system()? else {
                    return Err(e);
                };
                image.import_session(older.start, None)?;
                eprintln!(
                    "multisession: imported session {} at LBA {} ({}); the newest session{} holds no file system",
                    older.number,
                    older.start,
                    older.file_systems,
                    newest.map(|s| format!(", at LBA {s},")).unwrap_or_default()
                );
            }
            Err(e) => return Err(e),
        }
    }
    for path in paths {
        add(&mut image, path.as_ref())?;
    }
    image.create_result_image()
}

/// Adds a local directory under its own name at the root (`AddTree(path,
/// true)`) or a local file at the root; either replaces an imported entry
/// of the same name.
fn add(image: &mut FileSystemImage, path: &Path) -> Result<()> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        Error::new(
            hresult::MS_IMAPI_E_FILE_NOT_FOUND,
            format!("{}: {e}", path.display()),
        )
    })?;
    if metadata.is_dir() {
        return image.add_tree(path, "/", true, OnClash::Replace);
    }
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        Error::new(
            hresult::MS_IMAPI_E_INVALID_PATH,
            format!("{} has no UTF-8 file name", path.display()),
        )
    })?;
    image.add_file(&format!("/{name}"), path, true)
}
