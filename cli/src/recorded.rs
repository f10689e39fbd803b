//! What a disc already holds, for `ls` and `extract`: where session N
//! starts, its files, and copying them out.
//!
//! This is the one place the tool calls the engine's import directly.
//! IMAPI's `FileSystemImage` imports only the newest session, the one the
//! next session continues; these commands can address every complete
//! session of a sequential disc.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use multisession::fsi::tree::{Content, Kind as NodeKind};
use multisession::fsi::{import, BlockSource, ImportLimits, Tree, BLOCK_SIZE};
use multisession::media::WriteModel;
use multisession::{hresult, Error, MediaInfo, MediaState, Recorder, Result};

/// One recorded session, imported.
pub struct RecordedSession {
    /// First block of the session: its volume descriptors are at +16.
    pub start: u32,
    pub tree: Tree,
}

/// Session `number` (1-based), or the newest one, read from `recorder`.
pub fn read(recorder: &Recorder, number: Option<u16>) -> Result<RecordedSession> {
    let media = recorder.media_info()?;
    let start = session_start(recorder, &media, number)?;
    let limits = ImportLimits {
        medium_blocks: (media.total_sectors > 0).then_some(media.total_sectors),
        ..ImportLimits::default()
    };
    let tree = import(recorder, start, None, limits)
        .map_err(|e| e.context(format!("importing the session at block {start}")))?
        .tree;
    Ok(RecordedSession { start, tree })
}

fn session_start(recorder: &Recorder, media: &MediaInfo, number: Option<u16>) -> Result<u32> {
    if media.media_state().contains(MediaState::BLANK) {
        return Err(Error::new(
            hresult::MS_IMAPI_E_EMPTY_DISC,
            format!("the {} disc is blank", media.profile),
        ));
    }
    if media.write_model() == WriteModel::RandomWrite || media.pseudo_overwrite {
        // One growing volume: every session rewrites the descriptors at
        // LBA 16 to describe the whole newest tree, and older trees are no
        // longer addressable.
        return match number {
            None | Some(1) => Ok(0),
            Some(n) => Err(Error::new(
                hresult::MS_E_INVALIDARG,
                format!(
                    "{} media keep one volume that the newest session describes; \
                     there is no session {n} (ask for session 1 or none)",
                    media.profile
                ),
            )),
        };
    }
    let complete: Vec<_> = recorder
        .sessions()?
        .into_iter()
        .filter(|s| s.complete)
        .collect();
    let found = match number {
        None => complete.last(),
        Some(n) => complete.iter().find(|s| s.number == n),
    };
    found.map(|s| s.extent.start).ok_or_else(|| match number {
        None => Error::new(
            hresult::MS_IMAPI_E_EMPTY_DISC,
            format!("the {} disc holds no complete session", media.profile),
        ),
        Some(n) => Error::new(
            hresult::MS_E_INVALIDARG,
            format!(
                "no complete session {n}; the disc has {} (numbered from 1)",
                complete.len()
            ),
        ),
    })
}

/// One entry of a listing.
pub struct Entry {
    pub path: String,
    pub kind: &'static str,
    pub size: u64,
    pub target: Option<String>,
}

impl RecordedSession {
    /// Every entry below the root, depth first, in name order.
    pub fn entries(&self) -> Vec<Entry> {
        let tree = &self.tree;
        tree.walk()
            .into_iter()
            .filter(|&(id, _)| id != tree.root())
            .map(|(id, _)| {
                let (kind, size, target) = match &tree.node(id).kind {
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

    /// Copies the session's files and links under `dir`, reading file data
    /// from `medium`. Returns how many files and links were written.
    pub fn extract(&self, medium: &dyn BlockSource, dir: &Path) -> Result<usize> {
        let tree = &self.tree;
        let mut count = 0;
        let mut buf = vec![0u8; 32 * BLOCK_SIZE];
        for (id, _) in tree.walk() {
            let dest = inside(dir, &tree.path_of(id))?;
            match &tree.node(id).kind {
                NodeKind::Dir(_) => std::fs::create_dir_all(&dest).map_err(|e| io(&dest, e))?,
                NodeKind::Symlink(target) => {
                    std::os::unix::fs::symlink(&**target, &dest).map_err(|e| io(&dest, e))?;
                    count += 1;
                }
                NodeKind::File(file) => {
                    let mut out = std::fs::File::create(&dest).map_err(|e| io(&dest, e))?;
                    copy_data(&file.content, medium, &mut buf, &mut out)
                        .map_err(|e| e.context(format!("extracting {}", dest.display())))?;
                    count += 1;
                }
            }
        }
        Ok(count)
    }
}

/// Writes a file's data to `out`: the extents of an imported file read
/// from `medium` through `buf` (whole blocks), or a new file's source.
fn copy_data(
    content: &Content,
    medium: &dyn BlockSource,
    buf: &mut [u8],
    out: &mut dyn Write,
) -> Result<()> {
    let io_err = |e: std::io::Error| Error::new(hresult::MS_E_FAIL, e.to_string());
    match content {
        Content::New(source) => {
            let mut reader = source.open().map_err(io_err)?;
            std::io::copy(&mut reader, out).map_err(io_err)?;
        }
        Content::OnMedium(extents) => {
            for extent in extents.iter() {
                let mut left = extent.len as usize;
                let mut lba = extent.lba;
                while left > 0 {
                    let bytes = left.min(buf.len());
                    let blocks = bytes.div_ceil(BLOCK_SIZE);
                    medium.read_blocks(lba, &mut buf[..blocks * BLOCK_SIZE])?;
                    out.write_all(&buf[..bytes]).map_err(io_err)?;
                    left -= bytes;
                    lba = lba.saturating_add(blocks as u32);
                }
            }
        }
    }
    Ok(())
}

/// `dir` joined with the image path `path`, refused when a name of a
/// hostile image would lead outside `dir`.
fn inside(dir: &Path, path: &str) -> Result<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(Error::new(
            hresult::MS_IMAPI_E_INVALID_PATH,
            format!("the image names an entry {path:?} that would land outside the target"),
        ));
    }
    Ok(dir.join(relative))
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::new(hresult::MS_E_FAIL, format!("{}: {e}", path.display()))
}
