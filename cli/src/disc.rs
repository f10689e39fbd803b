//! The import → edit → build → write flow on one drive, as the commands
//! use it.

use std::path::Path;
use std::sync::Arc;

use multisession::fsi::tree::{Content, Kind as NodeKind, OnClash};
use multisession::fsi::{
    build, import, locate_random_write, BlockSource, BuildOptions, FileSystemImage, ImportLimits,
    Session, Tree, BLOCK_SIZE,
};
use multisession::media::WriteModel;
use multisession::mmc::{DiscStatus, MediaInfo};
use multisession::recorder::Recorder;
use multisession::session::{self, Kind, Multisession};
use multisession::{hresult, Error, Result};

pub fn open(dev: &Path) -> Result<Arc<Recorder>> {
    Ok(Arc::new(Recorder::open(dev)?))
}

/// The multisession object an image would choose, `None` on blank media.
pub fn chosen(
    recorder: &Arc<Recorder>,
    info: &MediaInfo,
) -> Result<Option<(FileSystemImage, Multisession)>> {
    if info.disc_status == DiscStatus::Blank {
        return Ok(None);
    }
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    let chosen = image.chosen_multisession().cloned();
    Ok(chosen.map(|m| (image, m)))
}

/// Start of the newest session (the one an append imports).
pub fn newest_session(recorder: &Arc<Recorder>, info: &MediaInfo) -> Result<Option<u32>> {
    if info.disc_status == DiscStatus::Blank {
        return Ok(None);
    }
    if info.write_model() == WriteModel::Sequential && !info.pseudo_overwrite {
        return Ok(info.previous_session.map(|s| s.start));
    }
    Ok(locate_random_write(recorder.as_ref(), info.write_unit)?.newest)
}

/// Start of session `number` (1-based), or of the newest one.
pub fn session_start(recorder: &Arc<Recorder>, number: Option<u16>) -> Result<u32> {
    let info = recorder.media_info()?;
    let Some(n) = number else {
        return newest_session(recorder, &info)?.ok_or_else(|| {
            Error::new(hresult::MS_IMAPI_E_EMPTY_DISC, "the disc holds no session")
        });
    };
    let sessions = recorder.sessions()?;
    if sessions.is_empty() {
        // Overwritable media: only the newest session is addressable.
        if n == 1 {
            return session_start(recorder, None);
        }
        return Err(Error::new(
            hresult::MS_E_INVALIDARG,
            format!(
                "{} media keep only the newest session addressable; ask for session 1",
                info.profile
            ),
        ));
    }
    sessions
        .iter()
        .find(|s| s.number == n && s.complete)
        .map(|s| s.extent.start)
        .ok_or_else(|| {
            Error::new(
                hresult::MS_E_INVALIDARG,
                format!(
                    "no complete session {n}; the disc has {} complete",
                    sessions.iter().filter(|s| s.complete).count()
                ),
            )
        })
}

pub fn import_tree(recorder: &Arc<Recorder>, start: u32) -> Result<Tree> {
    Ok(import(recorder.as_ref(), start, None, ImportLimits::default())?.tree)
}

/// The next session: the newest session's files plus `paths` (directories
/// keep their name at the root, as `AddTree(path, true)`).
pub fn build_next(
    recorder: &Arc<Recorder>,
    paths: &[std::path::PathBuf],
    volume: &str,
) -> Result<Session> {
    let info = recorder.refresh()?;
    let mut tree = Tree::new();
    let (start, free, random_write) = match chosen(recorder, &info)? {
        Some((image, object)) => {
            if let Some(start) = newest_session(recorder, &info)? {
                tree = import_tree(recorder, start)?;
            }
            (
                image.session_start_block()?,
                image.free_media_blocks()?,
                object.kind() != Kind::Sequential,
            )
        }
        None => (
            0,
            info.free_blocks.max(info.total_sectors),
            info.write_model() != WriteModel::Sequential,
        ),
    };
    for path in paths {
        let md = std::fs::metadata(path).map_err(|e| {
            Error::new(
                hresult::MS_IMAPI_E_FILE_NOT_FOUND,
                format!("{}: {e}", path.display()),
            )
        })?;
        if md.is_dir() {
            tree.add_tree(path, "/", true, OnClash::Replace)?;
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            tree.add_local_file(&format!("/{name}"), path, true)?;
        }
    }
    build(
        std::sync::Arc::new(tree),
        &BuildOptions {
            start_block: start,
            volume_name: volume.to_string(),
            write_unit: info.write_unit,
            free_blocks: Some(free),
            random_write,
            ..BuildOptions::default()
        },
    )
}

/// One entry of a listing.
pub struct Entry {
    pub path: String,
    pub kind: &'static str,
    pub size: u64,
    pub target: Option<String>,
}

pub fn list(tree: &Tree) -> Vec<Entry> {
    tree.walk()
        .into_iter()
        .filter(|&(id, depth)| depth > 0 || id != tree.root())
        .map(|(id, _)| {
            let node = tree.node(id);
            let (kind, size, target) = match &node.kind {
                NodeKind::Dir(_) => ("dir", 0, None),
                NodeKind::File(f) => ("file", f.size, None),
                NodeKind::Symlink(t) => ("symlink", 0, Some(t.to_string())),
            };
            Entry {
                path: tree.path_of(id),
                kind,
                size,
                target,
            }
        })
        .collect()
}

/// Writes the files of `tree` under `dir`.
pub fn extract(tree: &Tree, media: &dyn BlockSource, dir: &Path) -> Result<usize> {
    let io = |p: &Path, e: std::io::Error| {
        Error::new(hresult::MS_E_FAIL, format!("{}: {e}", p.display()))
    };
    let mut count = 0;
    for (id, _) in tree.walk() {
        let rel = tree.path_of(id);
        let dest = dir.join(rel.trim_start_matches('/'));
        match &tree.node(id).kind {
            NodeKind::Dir(_) => std::fs::create_dir_all(&dest).map_err(|e| io(&dest, e))?,
            NodeKind::Symlink(target) => {
                #[cfg(unix)]
                std::os::unix::fs::symlink(&**target, &dest).map_err(|e| io(&dest, e))?;
                count += 1;
            }
            NodeKind::File(data) => {
                let Content::OnMedium(extents) = &data.content else {
                    continue;
                };
                let mut out = std::fs::File::create(&dest).map_err(|e| io(&dest, e))?;
                let mut buf = vec![0u8; 32 * BLOCK_SIZE];
                for e in extents.iter() {
                    let mut left = e.len as usize;
                    let mut lba = e.lba;
                    while left > 0 {
                        let n = left.min(buf.len());
                        let blocks = n.div_ceil(BLOCK_SIZE);
                        media.read_blocks(lba, &mut buf[..blocks * BLOCK_SIZE])?;
                        std::io::Write::write_all(&mut out, &buf[..n]).map_err(|e| io(&dest, e))?;
                        left -= n;
                        lba += blocks as u32;
                    }
                }
                count += 1;
            }
        }
    }
    Ok(count)
}
