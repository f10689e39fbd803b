//! The next session, made the way an IMAPI application (or a C user of
//! `ms_image_*`) makes it: a blank medium takes the image defaults from the
//! recorder; otherwise the image gets the multisession objects the recorder
//! offers, chooses one and imports the newest session. Then the edits of
//! `append` (`SRC[=DEST]`, `--rm`, `--mv`) or `update` (what changed in a
//! folder) are made to its tree, and the result image is created for
//! `burn::DataWriter`.

use std::collections::HashSet;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use multisession::error::Cause;
use multisession::fsi::tree::{FileData, Kind, NodeId};
use multisession::fsi::{
    Attrs, BlockSource, Content, FileSystemImage, FileSystems, LocalFile, Tree, BLOCK_SIZE,
};
use multisession::{hresult, session, Error, MediaState, Recorder, Result};

/// How the image is made before any edit.
pub struct ImageOptions<'a> {
    pub volume: &'a str,
    /// `--fs`; `None` keeps what the medium's defaults chose.
    pub file_systems: Option<FileSystems>,
    /// `--md5`: libisofs session checksums.
    pub md5: bool,
    /// `--single-udf-metadata`: a UDF 2.50 session's metadata once.
    pub single_udf_metadata: bool,
}

/// The image of the next session on `recorder`'s medium, the newest
/// session's files imported.
pub fn open_image(recorder: &Arc<Recorder>, options: &ImageOptions<'_>) -> Result<FileSystemImage> {
    let mut image = FileSystemImage::new();
    image.set_volume_name(options.volume)?;
    if recorder
        .media_info()?
        .media_state()
        .contains(MediaState::BLANK)
    {
        image.choose_image_defaults(recorder)?;
    } else {
        // The file systems the medium's type takes (`--fs` overrides them
        // below); a type without defaults fails the import itself, which
        // names the real problem.
        let physical = recorder.media_info()?.physical_type();
        let _ = image.choose_image_defaults_for_media_type(physical);
        image.set_multisession_interfaces(session::offer(recorder)?)?;
        match image.import_file_system(None) {
            Ok(_) => {}
            // Formatted overwritable media report every block as recorded
            // but hold no volume yet: the session is the first one.
            Err(e) if e.cause() == Cause::Blank => {}
            // Another program left a newest session with no volume in it:
            // carry on from the newest one that has a volume, and say so.
            Err(e) if e.cause() == Cause::Unsupported => {
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
    if let Some(fs) = options.file_systems {
        image.set_file_systems(fs)?;
    }
    image.set_session_checksums(options.md5);
    image.set_create_redundant_udf_metadata_files(!options.single_udf_metadata);
    Ok(image)
}

/// `--fs iso9660,joliet,udf`.
pub fn parse_file_systems(text: &str) -> Result<FileSystems> {
    let mut fs = FileSystems::NONE;
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        fs |= match name.to_ascii_lowercase().as_str() {
            "iso9660" | "iso" => FileSystems::ISO9660,
            "joliet" => FileSystems::JOLIET,
            "udf" => FileSystems::UDF,
            _ => {
                return Err(Error::new(
                    hresult::MS_E_INVALIDARG,
                    format!("unknown file system {name:?} (iso9660, joliet, udf)"),
                ))
            }
        };
    }
    if fs.is_empty() {
        return Err(Error::new(
            hresult::MS_E_INVALIDARG,
            "--fs names no file system (iso9660, joliet, udf)",
        ));
    }
    Ok(fs)
}

/// One `SRC[=DEST]` of `append`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub local: PathBuf,
    pub dest: Option<String>,
    /// `SRC/`: the contents of SRC go to DEST (rsync's rule).
    pub contents: bool,
}

/// Splits `SRC=DEST` at the first `=` that no backslash escapes (`\=` is
/// an `=` of the name, `\\` a backslash).
pub fn parse_source(arg: &str) -> Result<Source> {
    let mut src = String::new();
    let mut dest = None;
    let mut chars = arg.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ ('=' | '\\')) => src.push(next),
                Some(other) => {
                    src.push('\\');
                    src.push(other);
                }
                None => src.push('\\'),
            },
            '=' => {
                dest = Some(chars.collect::<String>());
                break;
            }
            c => src.push(c),
        }
    }
    if src.is_empty() {
        return Err(Error::new(
            hresult::MS_E_INVALIDARG,
            format!("{arg:?} names no source"),
        ));
    }
    if let Some(d) = &dest {
        if !d.starts_with('/') {
            return Err(Error::new(
                hresult::MS_IMAPI_E_INVALID_PATH,
                format!("the disc path {d:?} of {arg:?} must start with /"),
            ));
        }
    }
    let contents = src.len() > 1 && src.ends_with('/');
    Ok(Source {
        local: PathBuf::from(src),
        dest,
        contents,
    })
}

/// `OLD=NEW` of `--mv`.
pub fn parse_move(arg: &str) -> Result<(String, String)> {
    match arg.split_once('=') {
        Some((old, new)) if old.starts_with('/') && new.starts_with('/') => {
            Ok((old.to_string(), new.to_string()))
        }
        _ => Err(Error::new(
            hresult::MS_E_INVALIDARG,
            format!("--mv {arg:?}: give OLD=NEW, both disc paths starting with /"),
        )),
    }
}

/// One line of what a session changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: &'static str,
    pub path: String,
    /// Bytes of new file data it writes.
    pub bytes: u64,
}

/// `append`'s edits, in this order: removals, moves, then the sources.
pub fn edit(
    image: &mut FileSystemImage,
    sources: &[Source],
    remove: &[String],
    moves: &[(String, String)],
    follow: bool,
) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for path in remove {
        image.remove(path, true)?;
        changes.push(Change {
            what: "remove",
            path: path.clone(),
            bytes: 0,
        });
    }
    for (old, new) in moves {
        let tree = image.tree_mut();
        if let Some(parent) = parent_of(new) {
            tree.mkdir_all(parent)?;
        }
        tree.rename(old, new)?;
        changes.push(Change {
            what: "move",
            path: format!("{old} -> {new}"),
            bytes: 0,
        });
    }
    for source in sources {
        changes.push(add_source(image.tree_mut(), source, follow)?);
    }
    Ok(changes)
}

fn parent_of(path: &str) -> Option<&str> {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) | None => None,
        Some(at) => Some(&trimmed[..at]),
    }
}

fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

fn local_error(path: &Path, e: std::io::Error) -> Error {
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        hresult::MS_IMAPI_E_FILE_NOT_FOUND
    } else {
        hresult::MS_IMAPI_E_DIRECTORY_READ_FAILURE
    };
    Error::new(code, format!("{}: {e}", path.display()))
}

fn stat(path: &Path, follow: bool) -> Result<Metadata> {
    if follow {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(|e| local_error(path, e))
}

fn utf8_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::new(
                hresult::MS_IMAPI_E_INVALID_PATH,
                format!("{} has no UTF-8 file name", path.display()),
            )
        })
}

/// Adds one `SRC[=DEST]` to `tree`.
fn add_source(tree: &mut Tree, source: &Source, follow: bool) -> Result<Change> {
    let local = &source.local;
    // `SRC/` names the directory a link points at, as it does for rsync.
    let md = stat(local, follow || source.contents)?;
    let path = if source.contents {
        if !md.is_dir() {
            return Err(Error::new(
                hresult::MS_IMAPI_E_NOT_DIR,
                format!(
                    "{} is not a directory (a trailing / adds a directory's contents)",
                    local.display()
                ),
            ));
        }
        let dest = source.dest.clone().unwrap_or_else(|| "/".into());
        let at = tree.mkdir_all(&dest)?;
        if at != tree.root() {
            tree.node_mut(at).attrs = Attrs::from_metadata(&md);
        }
        let bytes = add_contents(tree, local, at, follow)?;
        return Ok(Change {
            what: "add",
            path: format!("{}/ from {}", dest.trim_end_matches('/'), local.display()),
            bytes,
        });
    } else {
        let name = utf8_name(local)?;
        match &source.dest {
            None => join("/", &name),
            Some(dest) => {
                let existing_dir = tree.lookup(dest).is_ok_and(|id| tree.node(id).is_dir());
                if dest.ends_with('/') || existing_dir {
                    tree.mkdir_all(dest)?;
                    join(dest, &name)
                } else {
                    if let Some(parent) = parent_of(dest) {
                        tree.mkdir_all(parent)?;
                    }
                    dest.clone()
                }
            }
        }
    };
    let (dir, name) = split(tree, &path)?;
    let bytes = add_entry(tree, dir, &name, local, &md, follow, &mut Vec::new())?;
    Ok(Change {
        what: "add",
        path: format!("{path} from {}", local.display()),
        bytes,
    })
}

/// The existing parent directory of `path` and its last name.
fn split(tree: &Tree, path: &str) -> Result<(NodeId, String)> {
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    let parent = if parent.is_empty() { "/" } else { parent };
    Ok((tree.lookup(parent)?, name.to_string()))
}

/// Adds `local` (described by `md`) as `name` in `dir`, replacing what is
/// there unless both are directories (then they merge). `open` holds the
/// directories being walked, so a followed link back up is refused rather
/// than walked forever. Returns the bytes of file data added.
fn add_entry(
    tree: &mut Tree,
    dir: NodeId,
    name: &str,
    local: &Path,
    md: &Metadata,
    follow: bool,
    open: &mut Vec<(u64, u64)>,
) -> Result<u64> {
    let attrs = Attrs::from_metadata(md);
    let ft = md.file_type();
    if ft.is_dir() {
        let at = match tree.child(dir, name) {
            Some(id) if tree.node(id).is_dir() => {
                tree.node_mut(id).attrs = attrs;
                id
            }
            _ => tree.insert(dir, name, attrs, Kind::Dir(Default::default()), true)?,
        };
        let key = (md.dev(), md.ino());
        if open.contains(&key) {
            return Err(Error::new(
                hresult::MS_IMAPI_E_INVALID_PATH,
                format!(
                    "{} leads back to a directory above it (a link loop under --follow)",
                    local.display()
                ),
            ));
        }
        open.push(key);
        let bytes = add_children(tree, local, at, follow, open);
        open.pop();
        bytes
    } else if ft.is_file() {
        let source = Arc::new(LocalFile(local.to_path_buf()));
        add_file(tree, dir, name, md, source.into())
    } else if ft.is_symlink() {
        let target = link_target(local)?;
        tree.insert(dir, name, attrs, Kind::Symlink(target.into()), true)?;
        Ok(0)
    } else {
        eprintln!(
            "multisession: skipped {} (not a file, directory or link)",
            local.display()
        );
        Ok(0)
    }
}

fn link_target(local: &Path) -> Result<String> {
    let target = std::fs::read_link(local).map_err(|e| local_error(local, e))?;
    target.to_str().map(str::to_string).ok_or_else(|| {
        Error::new(
            hresult::MS_IMAPI_E_INVALID_PATH,
            format!("link {} has a non-UTF-8 target", local.display()),
        )
    })
}

fn add_contents(tree: &mut Tree, local: &Path, at: NodeId, follow: bool) -> Result<u64> {
    let md = std::fs::metadata(local).map_err(|e| local_error(local, e))?;
    let mut open = vec![(md.dev(), md.ino())];
    add_children(tree, local, at, follow, &mut open)
}

/// An entry of a local directory being added.
struct LocalEntry {
    name: String,
    entry: std::fs::DirEntry,
}

impl LocalEntry {
    fn path(&self) -> PathBuf {
        self.entry.path()
    }

    /// Its metadata: without `follow`, looked up by name in the open
    /// directory (no walk of the whole path for each of a million files).
    fn stat(&self, follow: bool) -> Result<Metadata> {
        match follow {
            true => stat(&self.path(), true),
            false => self
                .entry
                .metadata()
                .map_err(|e| local_error(&self.path(), e)),
        }
    }
}

/// The entries of a local directory, in name order.
fn entries(local: &Path) -> Result<Vec<LocalEntry>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(local).map_err(|e| local_error(local, e))? {
        let entry = entry.map_err(|e| local_error(local, e))?;
        let name = entry.file_name().into_string().map_err(|_| {
            Error::new(
                hresult::MS_IMAPI_E_INVALID_PATH,
                format!("{} has no UTF-8 file name", entry.path().display()),
            )
        })?;
        out.push(LocalEntry { name, entry });
    }
    out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn add_children(
    tree: &mut Tree,
    local: &Path,
    at: NodeId,
    follow: bool,
    open: &mut Vec<(u64, u64)>,
) -> Result<u64> {
    let entries = entries(local)?
        .into_iter()
        .map(|e| Ok((e.stat(follow)?, e.name, e.entry)))
        .collect::<Result<Vec<_>>>()?;
    // Its files share one record of the directory's path, and their names
    // with the tree.
    let listing: Vec<(&str, bool)> = entries
        .iter()
        .map(|(md, name, _)| (name.as_str(), md.is_file()))
        .collect();
    let mut sources = tree.list_local(at, local, &listing).into_iter();
    let mut bytes = 0;
    for (md, name, entry) in &entries {
        bytes += match md.is_file() {
            true => add_file(
                tree,
                at,
                name,
                md,
                sources.next().expect("a source per file"),
            )?,
            false => add_entry(tree, at, name, &entry.path(), md, follow, open)?,
        };
    }
    Ok(bytes)
}

/// Adds the regular file described by `md` as `name` in `dir`, its data
/// read from `source` at build time. Returns its size.
fn add_file(
    tree: &mut Tree,
    dir: NodeId,
    name: &str,
    md: &Metadata,
    source: multisession::fsi::Source,
) -> Result<u64> {
    let kind = Kind::File(FileData {
        size: md.len(),
        content: Content::New(source),
    });
    tree.insert(dir, name, Attrs::from_metadata(md), kind, true)?;
    Ok(md.len())
}

// ----- update -------------------------------------------------------------------

/// `DIR[=DEST]` of `update`: the disc directory that mirrors DIR.
pub fn update_target(arg: &str) -> Result<(PathBuf, String)> {
    let source = parse_source(arg)?;
    let dest = match (source.dest, source.contents) {
        (Some(dest), _) => dest,
        (None, true) => "/".into(),
        (None, false) => join("/", &utf8_name(&source.local)?),
    };
    Ok((source.local, dest))
}

/// Makes the image's `dest` equal to the local directory `local`: new and
/// changed entries are added, entries gone from `local` removed, and
/// entries whose data is the same keep their extents (only their
/// attributes are set). `medium` is read only with `checksum`.
pub fn update(
    image: &mut FileSystemImage,
    local: &Path,
    dest: &str,
    follow: bool,
    checksum: Option<&dyn BlockSource>,
) -> Result<Vec<Change>> {
    let md = std::fs::metadata(local).map_err(|e| local_error(local, e))?;
    if !md.is_dir() {
        return Err(Error::new(
            hresult::MS_IMAPI_E_NOT_DIR,
            format!("{} is not a directory", local.display()),
        ));
    }
    let tree = image.tree_mut();
    let mut changes = Vec::new();
    let at = match tree.lookup(dest) {
        Ok(id) if tree.node(id).is_dir() => id,
        Ok(_) => {
            tree.remove_tree(dest)?;
            changes.push(change("changed", dest, 0));
            tree.mkdir_all(dest)?
        }
        Err(_) => {
            changes.push(change("added", dest, 0));
            tree.mkdir_all(dest)?
        }
    };
    let attrs = Attrs::from_metadata(&md);
    if !same_attrs(&tree.node(at).attrs, &attrs) {
        if at != tree.root() && changes.is_empty() {
            changes.push(change("attributes", dest, 0));
        }
        tree.node_mut(at).attrs = attrs;
    }
    let mut open = HashSet::from([(md.dev(), md.ino())]);
    sync_dir(
        tree,
        local,
        at,
        dest,
        follow,
        checksum,
        &mut open,
        &mut changes,
    )?;
    Ok(changes)
}

fn change(what: &'static str, path: &str, bytes: u64) -> Change {
    Change {
        what,
        path: path.to_string(),
        bytes,
    }
}

/// Mode and modification time, what `update` compares (owners follow
/// the files they come with; a non-root user cannot restore them anyway).
fn same_attrs(a: &Attrs, b: &Attrs) -> bool {
    a.mode & 0o7777 == b.mode & 0o7777
        && a.times().map(|t| t.modified) == b.times().map(|t| t.modified)
}

#[allow(clippy::too_many_arguments)]
fn sync_dir(
    tree: &mut Tree,
    local: &Path,
    at: NodeId,
    path: &str,
    follow: bool,
    checksum: Option<&dyn BlockSource>,
    open: &mut HashSet<(u64, u64)>,
    changes: &mut Vec<Change>,
) -> Result<()> {
    let here = entries(local)?;
    let names: HashSet<&str> = here.iter().map(|e| e.name.as_str()).collect();
    let gone: Vec<String> = tree
        .node(at)
        .children()
        .filter(|(n, _)| !names.contains(n))
        .map(|(n, _)| n.to_string())
        .collect();
    for name in gone {
        let full = join(path, &name);
        tree.remove_tree(&full)?;
        changes.push(change("removed", &full, 0));
    }
    for local_entry in &here {
        let (name, local_path) = (&local_entry.name, &local_entry.path());
        let full = join(path, name);
        let md = local_entry.stat(follow)?;
        let attrs = Attrs::from_metadata(&md);
        let ft = md.file_type();
        let existing = tree.child(at, name);
        let same_kind = existing.map(|id| match &tree.node(id).kind {
            Kind::Dir(_) => ft.is_dir(),
            Kind::File(_) => ft.is_file(),
            Kind::Symlink(_) => ft.is_symlink(),
        });
        match (existing, same_kind) {
            (Some(id), Some(true)) if ft.is_dir() => {
                if !same_attrs(&tree.node(id).attrs, &attrs) {
                    tree.node_mut(id).attrs = attrs;
                    changes.push(change("attributes", &full, 0));
                }
                let key = (md.dev(), md.ino());
                if !open.insert(key) {
                    return Err(Error::new(
                        hresult::MS_IMAPI_E_INVALID_PATH,
                        format!(
                            "{} leads back to a directory above it",
                            local_path.display()
                        ),
                    ));
                }
                sync_dir(tree, local_path, id, &full, follow, checksum, open, changes)?;
                open.remove(&key);
            }
            (Some(id), Some(true)) => {
                let node = tree.node(id);
                let same_data = match &node.kind {
                    Kind::Symlink(target) => **target == *link_target(local_path)?,
                    Kind::File(f) => {
                        f.size == md.len()
                            && match checksum {
                                Some(medium) => same_content(medium, &f.content, local_path)?,
                                None => node.attrs.times().map(|t| t.modified) == Some(md.mtime()),
                            }
                    }
                    Kind::Dir(_) => true,
                };
                if !same_data {
                    let bytes =
                        add_entry(tree, at, name, local_path, &md, follow, &mut Vec::new())?;
                    changes.push(change("changed", &full, bytes));
                } else if !same_attrs(&node.attrs, &attrs) {
                    tree.node_mut(id).attrs = attrs;
                    changes.push(change("attributes", &full, 0));
                }
            }
            (existing, _) => {
                let mut above: Vec<(u64, u64)> = open.iter().copied().collect();
                let bytes = add_entry(tree, at, name, local_path, &md, follow, &mut above)?;
                let what = if existing.is_some() {
                    "changed"
                } else {
                    "added"
                };
                changes.push(change(what, &full, bytes));
            }
        }
    }
    Ok(())
}

/// The data of a recorded file equals the local file's.
fn same_content(medium: &dyn BlockSource, content: &Content, local: &Path) -> Result<bool> {
    use std::io::Read;
    let Content::OnMedium(extents) = content else {
        return Ok(false);
    };
    let mut file = std::fs::File::open(local).map_err(|e| local_error(local, e))?;
    let mut disc = vec![0u8; 16 * BLOCK_SIZE];
    let mut mine = vec![0u8; 16 * BLOCK_SIZE];
    for extent in extents.iter() {
        let mut left = extent.len as usize;
        let mut lba = extent.lba;
        while left > 0 {
            let bytes = left.min(disc.len());
            let blocks = bytes.div_ceil(BLOCK_SIZE);
            medium.read_blocks(lba, &mut disc[..blocks * BLOCK_SIZE])?;
            if file.read_exact(&mut mine[..bytes]).is_err() || disc[..bytes] != mine[..bytes] {
                return Ok(false);
            }
            left -= bytes;
            lba = lba.saturating_add(blocks as u32);
        }
    }
    Ok(file
        .read(&mut [0u8; 1])
        .map_err(|e| local_error(local, e))?
        == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_splits_at_the_first_unescaped_equals_sign_and_a_trailing_slash_means_contents() {
        let s = parse_source("a=/b/c=/x=y").unwrap();
        assert_eq!(s.local, Path::new("a"));
        assert_eq!(s.dest.as_deref(), Some("/b/c=/x=y"));
        assert!(parse_source("a=b").is_err(), "a disc path starts with /");
        let s = parse_source(r"we\=ird\\=/dest").unwrap();
        assert_eq!(s.local, Path::new(r"we=ird\"));
        assert_eq!(s.dest.as_deref(), Some("/dest"));
        assert!(parse_source("dir/").unwrap().contents);
        assert!(!parse_source("/").unwrap().contents);
        assert!(parse_source("=/x").is_err());
    }

    #[test]
    fn file_system_lists_parse_and_unknown_names_are_refused() {
        assert_eq!(
            parse_file_systems("iso9660,joliet").unwrap(),
            FileSystems::ISO9660 | FileSystems::JOLIET
        );
        assert_eq!(
            parse_file_systems("udf").unwrap(),
            FileSystems::UDF,
            "parsed; the image decides whether it can write it"
        );
        assert!(parse_file_systems("hfs").is_err());
        assert!(parse_file_systems(",").is_err());
    }
}
