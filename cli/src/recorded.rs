//! What a disc already holds, for `ls` and `extract`: where session N
//! starts, its files, and copying them out.
//!
//! This is the one place the tool calls the engine's import directly.
//! IMAPI's `FileSystemImage` imports only the newest session, the one the
//! next session continues; these commands can address every complete
//! session of a sequential disc.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use multisession::fsi::tree::{Content, FileData, Kind as NodeKind, NodeId};
use multisession::fsi::{
    identify, import, Attrs, BlockSource, FileSystems, ImportLimits, Tree, BLOCK_SIZE,
};
use multisession::media::WriteModel;
use multisession::{hresult, Error, MediaInfo, MediaState, Recorder, Result};
use rustix::fs::{AtFlags, Mode, OFlags, Timespec, Timestamps};
use rustix::io::Errno;

/// Calls `each` with every entry below the root of `tree` and its path
/// (`/a/b`), depth first in name order. The path is one buffer kept along
/// the walk: linear in the entries however wide a directory is.
pub fn each_path(tree: &Tree, mut each: impl FnMut(NodeId, &str)) {
    let mut path = String::new();
    let mut ends: Vec<usize> = Vec::new();
    for (id, depth, name) in tree.walk_named() {
        if depth == 0 {
            continue;
        }
        ends.truncate(depth - 1);
        path.truncate(ends.last().copied().unwrap_or(0));
        path.push('/');
        path.push_str(name);
        ends.push(path.len());
        each(id, &path);
    }
}

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
    let tree = match import(recorder, start, None, import_limits(&media)) {
        Ok(imported) => imported.tree,
        Err(_) if number.is_none() && holds_no_file_system(recorder, start) => {
            return Err(newest_without_file_system(recorder, start))
        }
        Err(e) => return Err(e.context(format!("importing the session at block {start}"))),
    };
    Ok(RecordedSession { start, tree })
}

/// The default limits, with the medium's size: an extent past its end
/// is damage, not a block to read.
pub fn import_limits(media: &MediaInfo) -> ImportLimits {
    ImportLimits {
        medium_blocks: (media.total_sectors > 0).then_some(media.total_sectors),
        ..ImportLimits::default()
    }
}

fn holds_no_file_system(recorder: &Recorder, start: u32) -> bool {
    identify(recorder, start).is_ok_and(|found| {
        found.file_systems.is_empty() || found.file_systems == FileSystems::UNKNOWN
    })
}

/// The newest session holds no volume (another program's aborted write):
/// say so, and name the newest session that a listing can show.
fn newest_without_file_system(recorder: &Recorder, start: u32) -> Error {
    let older = recorder.sessions().ok().and_then(|sessions| {
        sessions
            .into_iter()
            .rev()
            .filter(|s| s.complete && s.extent.start < start)
            .find(|s| !holds_no_file_system(recorder, s.extent.start))
    });
    let hint = match older {
        Some(s) => format!(
            "session {n} at LBA {at} has one (--session {n}); `append` continues from it",
            n = s.number,
            at = s.extent.start
        ),
        None => "no earlier session has one either".into(),
    };
    Error::new(
        hresult::MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
        format!("the newest session, at LBA {start}, holds no file system; {hint}"),
    )
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

/// One entry of a listing; `path` lives until the next entry.
pub struct Entry<'a> {
    pub path: &'a str,
    pub kind: &'static str,
    pub size: u64,
    pub target: Option<&'a str>,
}

/// What [`RecordedSession::extract`] wrote.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Regular files, hard links included.
    pub files: usize,
    /// Files made hard links to an earlier file of the same extent.
    pub hard_links: usize,
    pub symlinks: usize,
    pub directories: usize,
    /// File data written (linked files count once).
    pub bytes: u64,
}

/// How [`RecordedSession::extract`] treats what is already in the target.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExtractOptions {
    /// Replace existing entries (never writing through them) instead of
    /// refusing, before anything is written, when one is in the way.
    pub force: bool,
    /// Restore owners and groups (and then set-id bits); needs root.
    pub owners: bool,
}

impl RecordedSession {
    /// Keeps only `path` (a file, link or directory with all below it),
    /// moved to the root under its own name: `extract DISC /a/b DEST`
    /// writes `DEST/b`, as `cp -r` would.
    pub fn select(&mut self, path: &str) -> Result<()> {
        let tree = &mut self.tree;
        tree.lookup(path).map_err(|_| {
            Error::new(
                hresult::MS_IMAPI_E_ITEM_NOT_FOUND,
                format!("{path:?} is not in the session"),
            )
        })?;
        let parts: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let Some(last) = parts.last().cloned() else {
            return Ok(());
        };
        let mut dir = String::new();
        for part in &parts {
            let at = tree.lookup(if dir.is_empty() { "/" } else { &dir })?;
            let others: Vec<String> = tree
                .node(at)
                .children()
                .filter(|(n, _)| n != part)
                .map(|(n, _)| n.to_string())
                .collect();
            for other in others {
                tree.remove_tree(&format!("{dir}/{other}"))?;
            }
            dir = format!("{dir}/{part}");
        }
        if parts.len() > 1 {
            // The root holds the top directory alone: out of the way first,
            // its name may be the selected entry's.
            let aside = if last == "a" { "b" } else { "a" };
            tree.rename(&format!("/{}", parts[0]), &format!("/{aside}"))?;
            let moved = format!("/{aside}/{}", parts[1..].join("/"));
            tree.rename(&moved, &format!("/{last}"))?;
            tree.remove_tree(&format!("/{aside}"))?;
        }
        Ok(())
    }

    /// Calls `each` for every entry below the root, depth first, in name
    /// order, and stops at its first error.
    pub fn each_entry(&self, mut each: impl FnMut(&Entry<'_>) -> Result<()>) -> Result<()> {
        let tree = &self.tree;
        let mut failed = None;
        each_path(tree, |id, path| {
            if failed.is_some() {
                return;
            }
            let (kind, size, target) = match &tree.node(id).kind {
                NodeKind::Dir(_) => ("dir", 0, None),
                NodeKind::File(f) => ("file", f.size, None),
                NodeKind::Symlink(t) => ("symlink", 0, Some(&**t)),
            };
            let entry = Entry {
                path,
                kind,
                size,
                target,
            };
            if let Err(e) = each(&entry) {
                failed = Some(e);
            }
        });
        failed.map_or(Ok(()), Err)
    }

    /// Copies the session's files and links under `dir`, reading file data
    /// from `medium`.
    ///
    /// Everything is created relative to a directory fd per level, one
    /// name at a time, without following a link (`O_NOFOLLOW`, `mkdirat`,
    /// `symlinkat`): a link already in `dir`, or one this session plants,
    /// never leads a later entry outside `dir`, whatever the kernel offers
    /// (no `openat2` needed). Files that share an extent become hard links
    /// to the first, so a disc whose files all point at one extent cannot
    /// make us write more than the disc holds.
    pub fn extract(
        &self,
        medium: &dyn BlockSource,
        dir: &Path,
        options: ExtractOptions,
    ) -> Result<Extracted> {
        let tree = &self.tree;
        let shared = shared_extents(tree)?;
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let top = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io(dir, e.into()))?;
        if !options.force {
            out_of_the_way(tree, top.as_fd(), dir)?;
        }
        let mut done = Extracted::default();
        let out = Out {
            medium,
            dir,
            top,
            options,
            umask: umask(),
            buf: RefCell::new(vec![0u8; 32 * BLOCK_SIZE]),
            shared: RefCell::new(shared),
            temp_counter: Cell::new(0),
        };
        // The directories of the current branch below the target (whose
        // own attributes are the user's and stay untouched), with the
        // attributes they get once their contents are written, and the
        // branch's names.
        let mut levels = Levels::default();
        let mut names: Vec<&str> = Vec::new();
        for (id, depth, name) in tree.walk_named() {
            if depth == 0 {
                continue;
            }
            while levels.len() >= depth {
                let (fd, attrs) = levels.pop(&out, &names)?;
                out.attributes(fd.as_fd(), &attrs, &names[..=levels.len()])?;
            }
            names.truncate(depth - 1);
            names.push(name);
            check_name(&names)?;
            let parent = levels.last(&out, &names)?;
            let node = tree.node(id);
            match &node.kind {
                NodeKind::Dir(_) => {
                    let fd = out.directory(parent.as_fd(), &names)?;
                    done.directories += 1;
                    levels.push(fd, node.attrs);
                }
                NodeKind::Symlink(target) => {
                    out.symlink(parent.as_fd(), &names, target, &node.attrs)?;
                    done.symlinks += 1;
                }
                NodeKind::File(file) => {
                    let content = &file.content;
                    match out.file(parent.as_fd(), &names, id, tree, content, &node.attrs)? {
                        Written::Bytes(bytes) => done.bytes += bytes,
                        Written::Linked => done.hard_links += 1,
                    }
                    done.files += 1;
                }
            }
        }
        while !levels.is_empty() {
            let (fd, attrs) = levels.pop(&out, &names)?;
            out.attributes(fd.as_fd(), &attrs, &names[..=levels.len()])?;
        }
        Ok(done)
    }
}

/// The open directories of the extract's current branch. A deep branch
/// would hold one fd per level, past the process's limit (a hostile disc
/// nests thousands), so only the newest [`Levels::WINDOW`] levels and
/// every `WINDOW`th one keep theirs; a level without one is reopened from
/// the nearest that has one, one name at a time without following links,
/// when the walk comes back to it (at most `WINDOW` opens, once per level).
#[derive(Default)]
struct Levels {
    fds: Vec<Option<OwnedFd>>,
    attrs: Vec<Attrs>,
}

impl Levels {
    const WINDOW: usize = 64;

    fn len(&self) -> usize {
        self.fds.len()
    }

    fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    fn push(&mut self, fd: OwnedFd, attrs: Attrs) {
        self.fds.push(Some(fd));
        self.attrs.push(attrs);
        if let Some(old) = self.fds.len().checked_sub(Self::WINDOW + 1) {
            if (old + 1) % Self::WINDOW != 0 {
                self.fds[old] = None;
            }
        }
    }

    /// Opens the newest level again when its fd was given up.
    fn reopen(&mut self, out: &Out<'_>, names: &[&str]) -> Result<()> {
        let last = self.fds.len() - 1;
        if self.fds[last].is_some() {
            return Ok(());
        }
        let held = self.fds.iter().rposition(Option::is_some);
        let mut at = held.map_or(0, |k| k + 1);
        while at <= last {
            let opened = {
                let from = match at.checked_sub(1) {
                    Some(k) => self.fds[k].as_ref().expect("opened on the way").as_fd(),
                    None => out.top.as_fd(),
                };
                open_dir(from, names[at])
                    .map_err(|e| out.fail(&names[..=at], "opening the directory again", e))?
            };
            self.fds[at] = Some(opened);
            at += 1;
        }
        Ok(())
    }

    /// The directory entries of the next name go into: the newest level,
    /// or the target.
    fn last<'s>(&'s mut self, out: &'s Out<'_>, names: &[&str]) -> Result<BorrowedFd<'s>> {
        if self.fds.is_empty() {
            return Ok(out.top.as_fd());
        }
        self.reopen(out, names)?;
        Ok(self
            .fds
            .last()
            .and_then(Option::as_ref)
            .expect("reopened")
            .as_fd())
    }

    /// Closes the newest level: its fd (to give it its attributes) and
    /// attributes.
    fn pop(&mut self, out: &Out<'_>, names: &[&str]) -> Result<(OwnedFd, Attrs)> {
        self.reopen(out, names)?;
        let fd = self.fds.pop().flatten().expect("reopened");
        let attrs = self.attrs.pop().expect("one attrs per level");
        Ok((fd, attrs))
    }
}

/// Refuses a name that is not one plain name (`names` is the branch).
fn check_name(names: &[&str]) -> Result<()> {
    let name = names[names.len() - 1];
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(Error::new(
            hresult::MS_IMAPI_E_INVALID_PATH,
            format!(
                "the image names an entry {:?} that would land outside the target",
                names.join("/")
            ),
        ));
    }
    Ok(())
}

/// Without `--force`: the first entry of the session that is already in
/// the target, found before anything is written, so a refused extract
/// leaves the target as it was. One `fstatat` per entry, through the same
/// no-follow directory fds as the extract; entries that appear later are
/// still refused when their turn comes.
fn out_of_the_way(tree: &Tree, top: BorrowedFd<'_>, dir: &Path) -> Result<()> {
    // Per level: the existing directory, or None when it is not there
    // (nothing below it can be in the way).
    let mut levels: Vec<Option<OwnedFd>> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (id, depth, name) in tree.walk_named() {
        if depth == 0 {
            continue;
        }
        levels.truncate(depth - 1);
        names.truncate(depth - 1);
        names.push(name);
        check_name(&names)?;
        let parent = match levels.last() {
            Some(Some(fd)) => fd.as_fd(),
            Some(None) => {
                if tree.node(id).is_dir() {
                    levels.push(None);
                }
                continue;
            }
            None => top,
        };
        let taken = if tree.node(id).is_dir() {
            match open_dir(parent, name) {
                Ok(fd) => {
                    levels.push(Some(fd));
                    false
                }
                Err(Errno::LOOP | Errno::NOTDIR) => true,
                // Not there, or not to be opened here (too deep for the
                // open-file limit): the extract itself checks what is below.
                Err(_) => {
                    levels.push(None);
                    false
                }
            }
        } else {
            rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW).is_ok()
        };
        if taken {
            return Err(Error::new(
                hresult::MS_E_WIN32_FILE_EXISTS,
                format!(
                    "{} already exists; nothing was written (--force replaces it)",
                    dir.join(names.join("/")).display()
                ),
            ));
        }
    }
    Ok(())
}

/// Key of a file's data on the medium: first block and size.
type ExtentKey = (u32, u64);

/// The first file of an extent shared by several, once written.
struct First {
    node: NodeId,
    /// Its path below the target, `/`-separated.
    path: String,
}

/// Extents that more than one non-empty file starts at (one pass, so the
/// later walk knows which first files to remember).
///
/// The same pass refuses a session whose files would write more bytes,
/// with every shared extent written once, than the disc holds up to the
/// end of its last file: only files that overlap without being the same
/// (a hostile image's other bomb) can do that.
fn shared_extents(tree: &Tree) -> Result<HashMap<ExtentKey, Option<First>>> {
    let mut end = 0u64;
    // The files' first blocks, sorted, rather than a map counting every
    // key: at a million files the map's table took 60 MB for a moment,
    // these take 8 bytes a file (issue 16).
    let mut starts: Vec<(u32, NodeId)> = Vec::new();
    for (id, _) in tree.walk() {
        if let NodeKind::File(FileData {
            content: Content::OnMedium(extents),
            ..
        }) = &tree.node(id).kind
        {
            for e in extents.iter() {
                end = end.max(u64::from(e.lba) * BLOCK_SIZE as u64 + u64::from(e.len));
            }
        }
        if let Some((lba, _)) = extent_key(tree, id) {
            starts.push((lba, id));
        }
    }
    starts.sort_unstable_by_key(|&(lba, _)| lba);
    let mut bytes = 0u64;
    let mut shared = HashMap::new();
    let mut keys = Vec::new();
    for same_start in starts.chunk_by(|a, b| a.0 == b.0) {
        keys.clear();
        keys.extend(
            same_start
                .iter()
                .filter_map(|&(_, id)| extent_key(tree, id)),
        );
        keys.sort_unstable();
        for same_key in keys.chunk_by(|a, b| a == b) {
            bytes = bytes.saturating_add(same_key[0].1);
            if same_key.len() > 1 {
                shared.insert(same_key[0], None);
            }
        }
    }
    if bytes > end {
        return Err(Error::new(
            hresult::MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            format!(
                "the session's files overlap on the disc: extracting them would write \
                 {bytes} bytes, more than the {end} bytes up to the end of its last file; \
                 nothing was written"
            ),
        ));
    }
    Ok(shared)
}

fn extent_key(tree: &Tree, id: NodeId) -> Option<ExtentKey> {
    match &tree.node(id).kind {
        NodeKind::File(f) if f.size > 0 => match &f.content {
            Content::OnMedium(extents) => extents.first().map(|e| (e.lba, f.size)),
            Content::New(_) => None,
        },
        _ => None,
    }
}

/// What became of one file.
enum Written {
    Bytes(u64),
    Linked,
}

/// The state of one extraction.
struct Out<'a> {
    medium: &'a dyn BlockSource,
    dir: &'a Path,
    top: OwnedFd,
    options: ExtractOptions,
    umask: u32,
    buf: RefCell<Vec<u8>>,
    shared: RefCell<HashMap<ExtentKey, Option<First>>>,
    temp_counter: Cell<u64>,
}

fn open_dir(parent: BorrowedFd<'_>, name: &str) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        parent,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

impl Out<'_> {
    /// `DIR/a/b`, for messages.
    fn shown(&self, names: &[&str]) -> String {
        self.dir.join(names.join("/")).display().to_string()
    }

    fn fail(&self, names: &[&str], what: &str, e: Errno) -> Error {
        Error::new(
            hresult::MS_E_FAIL,
            format!(
                "{} ({what}): {}",
                self.shown(names),
                std::io::Error::from(e)
            ),
        )
    }

    fn exists(&self, names: &[&str]) -> Error {
        Error::new(
            hresult::MS_E_WIN32_FILE_EXISTS,
            format!(
                "{} already exists; nothing was written over it (--force replaces it)",
                self.shown(names)
            ),
        )
    }

    /// The directory `names` (last name under `parent`): created, or an
    /// existing real directory reused. Created 0700 until its contents are
    /// written; [`attributes`](Self::attributes) gives it its own mode.
    fn directory(&self, parent: BorrowedFd<'_>, names: &[&str]) -> Result<OwnedFd> {
        let name = names[names.len() - 1];
        match rustix::fs::mkdirat(parent, name, Mode::RWXU) {
            Ok(()) => {}
            Err(Errno::EXIST) => match open_dir(parent, name) {
                Ok(fd) => return Ok(fd),
                // A link (ELOOP) or a non-directory (ENOTDIR) in the way.
                Err(Errno::LOOP | Errno::NOTDIR) if self.options.force => {
                    rustix::fs::unlinkat(parent, name, AtFlags::empty())
                        .map_err(|e| self.fail(names, "removing it", e))?;
                    rustix::fs::mkdirat(parent, name, Mode::RWXU)
                        .map_err(|e| self.fail(names, "creating the directory", e))?;
                }
                Err(Errno::LOOP | Errno::NOTDIR) => return Err(self.exists(names)),
                Err(e) => return Err(self.fail(names, "opening the directory", e)),
            },
            Err(e) => return Err(self.fail(names, "creating the directory", e)),
        }
        open_dir(parent, name).map_err(|e| self.fail(names, "opening the directory", e))
    }

    /// Owner (with `--owners`), permission bits less the umask, times: of
    /// a file once its data is written, of a directory once its contents
    /// are (writing them changed its mtime, and a read-only mode would
    /// have stopped them).
    fn attributes(&self, fd: BorrowedFd<'_>, attrs: &Attrs, names: &[&str]) -> Result<()> {
        if self.options.owners {
            rustix::fs::fchown(
                fd,
                Some(rustix::fs::Uid::from_raw(attrs.uid)),
                Some(rustix::fs::Gid::from_raw(attrs.gid)),
            )
            .map_err(|e| self.fail(names, "restoring the owner (--owners needs root)", e))?;
        }
        // Set-id bits only travel with their owner.
        let keep = if self.options.owners { 0o7777 } else { 0o1777 };
        let mode = attrs.mode & keep & !self.umask;
        rustix::fs::fchmod(fd, Mode::from_raw_mode(mode as _))
            .map_err(|e| self.fail(names, "setting the mode", e))?;
        if let Some(times) = timestamps(attrs) {
            rustix::fs::futimens(fd, &times).map_err(|e| self.fail(names, "setting times", e))?;
        }
        Ok(())
    }

    /// A name for a new entry in `parent` that replaces an existing one by
    /// `renameat`; `create` makes it and reports `EEXIST` for a taken name.
    fn temporary<T>(
        &self,
        names: &[&str],
        mut create: impl FnMut(&str) -> rustix::io::Result<T>,
    ) -> Result<(String, T)> {
        // Names another program took are skipped, a few times.
        let mut last = Errno::EXIST;
        for _ in 0..100 {
            let n = self.temp_counter.get() + 1;
            self.temp_counter.set(n);
            let temp = format!(".multisession-extract-{}-{n}", std::process::id());
            match create(&temp) {
                Ok(made) => return Ok((temp, made)),
                Err(Errno::EXIST) => {}
                Err(e) => {
                    last = e;
                    break;
                }
            }
        }
        Err(self.fail(names, "creating a temporary entry", last))
    }

    /// Moves `temp` over the entry `names` in `parent`. An empty directory
    /// in the way is removed; a full one is refused rather than deleted.
    fn replace(&self, parent: BorrowedFd<'_>, temp: &str, names: &[&str]) -> Result<()> {
        let name = names[names.len() - 1];
        let mut result = rustix::fs::renameat(parent, temp, parent, name);
        if let Err(Errno::ISDIR) = result {
            result = rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR)
                .and_then(|()| rustix::fs::renameat(parent, temp, parent, name));
        }
        result.map_err(|e| {
            let _ = rustix::fs::unlinkat(parent, temp, AtFlags::empty());
            if e == Errno::NOTEMPTY || e == Errno::EXIST {
                Error::new(
                    hresult::MS_E_WIN32_FILE_EXISTS,
                    format!(
                        "{} is a directory that is not empty; it is not replaced",
                        self.shown(names)
                    ),
                )
            } else {
                self.fail(names, "replacing it", e)
            }
        })
    }

    fn symlink(
        &self,
        parent: BorrowedFd<'_>,
        names: &[&str],
        target: &str,
        attrs: &Attrs,
    ) -> Result<()> {
        let name = names[names.len() - 1];
        match rustix::fs::symlinkat(target, parent, name) {
            Ok(()) => {}
            Err(Errno::EXIST) if self.options.force => {
                let (temp, ()) =
                    self.temporary(names, |temp| rustix::fs::symlinkat(target, parent, temp))?;
                self.replace(parent, &temp, names)?;
            }
            Err(Errno::EXIST) => return Err(self.exists(names)),
            Err(e) => return Err(self.fail(names, "creating the link", e)),
        }
        if self.options.owners {
            rustix::fs::chownat(
                parent,
                name,
                Some(rustix::fs::Uid::from_raw(attrs.uid)),
                Some(rustix::fs::Gid::from_raw(attrs.gid)),
                AtFlags::SYMLINK_NOFOLLOW,
            )
            .map_err(|e| self.fail(names, "restoring the owner (--owners needs root)", e))?;
        }
        if let Some(times) = timestamps(attrs) {
            rustix::fs::utimensat(parent, name, &times, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(|e| self.fail(names, "setting times", e))?;
        }
        Ok(())
    }

    fn file(
        &self,
        parent: BorrowedFd<'_>,
        names: &[&str],
        id: NodeId,
        tree: &Tree,
        content: &Content,
        attrs: &Attrs,
    ) -> Result<Written> {
        let key = extent_key(tree, id);
        let first = key.and_then(|k| {
            let shared = self.shared.borrow();
            let first = shared.get(&k)?.as_ref()?;
            Some((first.node, first.path.clone()))
        });
        if let Some((first, path)) = first {
            // Same first block and size; link only when every section is
            // the same too.
            let same = match (&tree.node(first).kind, content) {
                (NodeKind::File(f), Content::OnMedium(mine)) => {
                    matches!(&f.content, Content::OnMedium(theirs) if **theirs == **mine)
                }
                _ => false,
            };
            if same {
                self.link(parent, names, &path)?;
                return Ok(Written::Linked);
            }
        }
        let name = names[names.len() - 1];
        let create = |at: &str| {
            rustix::fs::openat(
                parent,
                at,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::RUSR | Mode::WUSR,
            )
        };
        let (fd, temp) = match create(name) {
            Ok(fd) => (fd, None),
            Err(Errno::EXIST) if self.options.force => {
                let (temp, fd) = self.temporary(names, create)?;
                (fd, Some(temp))
            }
            Err(Errno::EXIST) => return Err(self.exists(names)),
            Err(e) => return Err(self.fail(names, "creating the file", e)),
        };
        let written = self.fill(fd, names, content, attrs);
        let written = written.and_then(|bytes| match &temp {
            Some(temp) => self.replace(parent, temp, names).map(|()| bytes),
            None => Ok(bytes),
        });
        let bytes = match written {
            Ok(bytes) => bytes,
            Err(e) => {
                // Our own partial file, never one that was there before.
                let _ =
                    rustix::fs::unlinkat(parent, temp.as_deref().unwrap_or(name), AtFlags::empty());
                return Err(e);
            }
        };
        if let Some(key) = key {
            if let Some(slot @ None) = self.shared.borrow_mut().get_mut(&key) {
                *slot = Some(First {
                    node: id,
                    path: names.join("/"),
                });
            }
        }
        Ok(Written::Bytes(bytes))
    }

    /// Writes the data and the attributes of a new file; the bytes written.
    fn fill(&self, fd: OwnedFd, names: &[&str], content: &Content, attrs: &Attrs) -> Result<u64> {
        let mut file = std::fs::File::from(fd);
        let bytes = copy_data(content, self.medium, &mut self.buf.borrow_mut(), &mut file)
            .map_err(|e| e.context(format!("extracting {}", self.shown(names))))?;
        self.attributes(file.as_fd(), attrs, names)?;
        Ok(bytes)
    }

    /// A hard link `names` in `parent` to the file at `first` (below the
    /// target), reached one directory at a time without following links.
    fn link(&self, parent: BorrowedFd<'_>, names: &[&str], first: &str) -> Result<()> {
        let mut parts: Vec<&str> = first.split('/').collect();
        let file = parts.pop().expect("a path has a last name");
        let mut held: Option<OwnedFd> = None;
        for (i, part) in parts.iter().enumerate() {
            let at = held.as_ref().map_or(self.top.as_fd(), |fd| fd.as_fd());
            held = Some(open_dir(at, part).map_err(|e| {
                self.fail(&parts[..=i], "opening the directory of a linked file", e)
            })?);
        }
        let from = held.as_ref().map_or(self.top.as_fd(), |fd| fd.as_fd());
        let name = names[names.len() - 1];
        match rustix::fs::linkat(from, file, parent, name, AtFlags::empty()) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) if self.options.force => {
                let (temp, ()) = self.temporary(names, |temp| {
                    rustix::fs::linkat(from, file, parent, temp, AtFlags::empty())
                })?;
                self.replace(parent, &temp, names)
            }
            Err(Errno::EXIST) => Err(self.exists(names)),
            Err(e) => Err(self.fail(names, &format!("linking it to {first}"), e)),
        }
    }
}

/// Writes a file's data to `out`: the extents of an imported file read
/// from `medium` through `buf` (whole blocks), or a new file's source.
fn copy_data(
    content: &Content,
    medium: &dyn BlockSource,
    buf: &mut [u8],
    out: &mut dyn Write,
) -> Result<u64> {
    let io_err = |e: std::io::Error| Error::new(hresult::MS_E_FAIL, e.to_string());
    match content {
        Content::New(source) => {
            let mut reader = source.open().map_err(io_err)?;
            std::io::copy(&mut reader, out).map_err(io_err)
        }
        Content::OnMedium(extents) => {
            let mut written = 0u64;
            for extent in extents.iter() {
                let mut left = extent.len as usize;
                let mut lba = extent.lba;
                while left > 0 {
                    let bytes = left.min(buf.len());
                    let blocks = bytes.div_ceil(BLOCK_SIZE);
                    medium.read_blocks(lba, &mut buf[..blocks * BLOCK_SIZE])?;
                    out.write_all(&buf[..bytes]).map_err(io_err)?;
                    left -= bytes;
                    written += bytes as u64;
                    lba = lba.saturating_add(blocks as u32);
                }
            }
            Ok(written)
        }
    }
}

/// The process umask (read by setting it and back: the CLI is one thread).
fn umask() -> u32 {
    let mask = rustix::process::umask(Mode::empty());
    rustix::process::umask(mask);
    mask.bits() as u32
}

/// Access and modification times of `attrs`, when the image has them.
fn timestamps(attrs: &Attrs) -> Option<Timestamps> {
    let times = attrs.times()?;
    let at = |secs: i64| Timespec {
        tv_sec: secs as _,
        tv_nsec: 0,
    };
    Some(Timestamps {
        last_access: at(times.accessed),
        last_modification: at(times.modified),
    })
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::new(hresult::MS_E_FAIL, format!("{}: {e}", path.display()))
}
