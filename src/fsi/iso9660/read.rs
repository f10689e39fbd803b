//! Reads a session's directory tree into a [`Tree`] whose files keep their
//! extents on the medium.
//!
//! The input is untrusted: every length is checked against its container,
//! every extent against the medium (when its size is known), each directory
//! is read once (a second reference is a loop or a cross-link), and the
//! amount of directory data and the number of entries are capped, so a
//! hostile image ends in an `IMAPI_E_*` error after bounded work.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use super::descriptor::RootRef;
use super::layout::dr;
use super::record::{self, Record, FLAG_ASSOCIATED, FLAG_DIRECTORY, FLAG_MULTI_EXTENT};
use super::susp::{self, CeCache};
use crate::error::{Error, Result};
use crate::fsi::names;
use crate::fsi::tree::{Attrs, Content, Extent, Extents, FileData, Kind, NodeId, Times, Tree};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::*;

/// Bounds on what an import may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Entries (files, directories, links) in the whole tree.
    pub max_entries: usize,
    /// Bytes of one directory.
    pub max_directory_bytes: u32,
    /// Bytes of all directories together.
    pub max_total_directory_bytes: u64,
    /// Blocks of the medium: extents ending beyond are inconsistencies.
    /// `None` when unknown (reads beyond the medium then fail instead).
    pub medium_blocks: Option<u32>,
    /// Bytes of system use entries carried for the next session (ZF, AL,
    /// unknown ones) over the whole tree: records can share one chain of
    /// continuation areas, so a small image could otherwise make every
    /// entry carry 64 KiB.
    pub max_carried_bytes: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits {
            max_entries: 1 << 20,
            max_directory_bytes: 64 << 20,
            max_total_directory_bytes: 1 << 30,
            medium_blocks: None,
            max_carried_bytes: 256 << 20,
        }
    }
}

/// Which tree to read and how to name its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// The ECMA-119 tree with Rock Ridge (`skip` = SUSP bytes to skip).
    RockRidge { skip: usize },
    /// The ECMA-119 tree with its own identifiers.
    Iso,
    /// The Joliet tree.
    Joliet,
}

fn inconsistent(detail: String) -> Error {
    Error::parse(
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "directory tree",
        None,
        detail,
    )
}

fn too_much(detail: String) -> Error {
    Error::new(MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED, detail)
}

/// Reads the first block of the root directory and tells whether the
/// volume uses Rock Ridge (and with which skip).
pub fn detect_rock_ridge(src: &dyn BlockSource, root: RootRef) -> Result<Option<usize>> {
    let mut block = vec![0u8; BLOCK_SIZE];
    read(src, root.extent, &mut block, "root directory")?;
    let dot = Record::parse(&block, || {
        format!("root directory at block {}", root.extent)
    })?;
    Ok(susp::detect(dot.system_use))
}

/// Block `n` of an extent starting at `lba`.
fn block_at(lba: u32, n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .and_then(|n| lba.checked_add(n))
        .ok_or_else(|| {
            inconsistent(format!(
                "block {n} of the extent at {lba} is beyond the addressable blocks"
            ))
        })
}

/// Reads blocks of the session being imported; a failure becomes the
/// importer's read failure and keeps what caused it (the drive's sense,
/// the host's errno).
pub(super) fn read(
    src: &dyn BlockSource,
    lba: u32,
    buf: &mut [u8],
    what: impl std::fmt::Display,
) -> Result<()> {
    src.read_blocks(lba, buf).map_err(|e| {
        Error::with_cause(
            MS_IMAPI_E_IMPORT_READ_FAILURE,
            e.cause(),
            format!("reading {what} at block {lba}: {}", e.detail()),
        )
    })
}

struct Reader<'a> {
    src: &'a dyn BlockSource,
    naming: Naming,
    limits: ImportLimits,
    tree: Tree,
    visited: HashSet<u32>,
    directory_bytes: u64,
    ce: CeCache,
    /// Directories that held RE entries (genisoimage's `rr_moved`).
    relocation_dirs: Vec<NodeId>,
    /// Bytes of system use entries carried so far.
    carried: u64,
}

/// A directory still to be read; ordered by where it is on the medium.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    extent: u32,
    size: u32,
    node: NodeId,
}

/// The directories still to be read, nearest the start of the medium
/// first: those a writer placed side by side come out side by side.
type Queue = BinaryHeap<Reverse<Pending>>;

/// Blocks per read of one large directory.
const CHUNK_BLOCKS: usize = 32;
/// Blocks at most in one read of neighbouring directories (512 KiB).
const RUN_BLOCKS: usize = 256;

/// Where the parsing of one directory stands between its chunks.
#[derive(Default)]
struct DirState {
    /// The first record (which must be ".") has been seen.
    started: bool,
    /// A multi-extent file whose final section is still to come.
    sections: Option<Sections>,
}

/// A file whose sections are being collected.
struct Sections {
    id: Vec<u8>,
    extents: Vec<Extent>,
    size: u64,
}

/// A record's place among the sections of a multi-extent file.
enum Section {
    /// A non-final section: the file goes on in the next record.
    More,
    /// The record completes an entry, with the sections collected for it
    /// (`None` for a file of one extent).
    Complete(Option<Sections>),
}

/// Reads the tree rooted at `root`.
pub fn read_tree(
    src: &dyn BlockSource,
    root: RootRef,
    naming: Naming,
    limits: ImportLimits,
) -> Result<Tree> {
    let mut r = Reader {
        src,
        naming,
        limits,
        tree: Tree::new(),
        visited: HashSet::new(),
        directory_bytes: 0,
        ce: CeCache::default(),
        relocation_dirs: Vec::new(),
        carried: 0,
    };
    let root_node = r.tree.root();
    if let Some(t) = root.date {
        r.tree
            .node_mut(root_node)
            .attrs
            .set_times(Some(Times::all(t)));
    }
    let mut queue = Queue::new();
    queue.push(Reverse(Pending {
        extent: root.extent,
        size: root.size,
        node: root_node,
    }));
    let mut buf = Vec::new();
    while let Some(Reverse(dir)) = queue.pop() {
        r.read_run(dir, &mut queue, &mut buf)?;
    }
    r.drop_relocation_directory();
    r.tree.shrink_to_fit();
    Ok(r.tree)
}

impl Reader<'_> {
    /// System use entries `node` carries into the next session (most carry
    /// none, and pay no allocation), within the import's budget.
    fn carry(&mut self, node: NodeId, foreign: Vec<u8>) -> Result<()> {
        if foreign.is_empty() {
            return Ok(());
        }
        self.carried += foreign.len() as u64;
        if self.carried > self.limits.max_carried_bytes {
            return Err(too_much(format!(
                "{}: more than {} bytes of system use entries to carry in all",
                self.tree.path_of(node),
                self.limits.max_carried_bytes
            )));
        }
        self.tree
            .set_extra_su(node, Some(foreign.into_boxed_slice()));
        Ok(())
    }

    fn check_extent(&self, lba: u32, bytes: u64, what: &dyn Fn() -> String) -> Result<()> {
        let end = lba as u64 + bytes.div_ceil(BLOCK_SIZE as u64);
        if end > u32::MAX as u64 + 1 {
            return Err(inconsistent(format!(
                "{}: extent at {lba} of {bytes} bytes overflows the block addresses",
                what()
            )));
        }
        if let Some(blocks) = self.limits.medium_blocks {
            if end > blocks as u64 {
                return Err(inconsistent(format!(
                    "{}: extent at {lba} of {bytes} bytes ends at block {end}, beyond the medium's {blocks}",
                    what()
                )));
            }
        }
        Ok(())
    }

    /// Checks a directory against the loop detection and the limits
    /// before any of it is read.
    fn admit(&mut self, dir: &Pending) -> Result<()> {
        let path = |r: &Reader<'_>| r.tree.path_of(dir.node);
        if !self.visited.insert(dir.extent) {
            return Err(inconsistent(format!(
                "directory {} at block {} is referenced twice (a loop)",
                path(self),
                dir.extent
            )));
        }
        if dir.size > self.limits.max_directory_bytes {
            return Err(too_much(format!(
                "directory {} has {} bytes, more than the {} this importer accepts",
                path(self),
                dir.size,
                self.limits.max_directory_bytes
            )));
        }
        self.directory_bytes = self.directory_bytes.saturating_add(dir.size as u64);
        if self.directory_bytes > self.limits.max_total_directory_bytes {
            return Err(too_much(format!(
                "directories hold more than {} bytes in all",
                self.limits.max_total_directory_bytes
            )));
        }
        self.check_extent(dir.extent, dir.size as u64, &|| {
            format!("directory {}", path(self))
        })
    }

    /// Reads `first` and the pending directories that follow it on the
    /// medium without a gap, up to [`RUN_BLOCKS`] blocks, with one read:
    /// writers put a session's directories next to each other, so an
    /// import sends a few READ commands of whole chunks instead of one per
    /// directory (a million files in 10,000 directories of a few blocks
    /// each). A directory larger than a run is read on its own, in chunks.
    fn read_run(&mut self, first: Pending, queue: &mut Queue, buf: &mut Vec<u8>) -> Result<()> {
        self.admit(&first)?;
        let blocks_of = |d: &Pending| (d.size as usize).div_ceil(BLOCK_SIZE);
        if blocks_of(&first) > RUN_BLOCKS {
            return self.read_dir(first, queue, buf);
        }
        let mut run = vec![first];
        let mut blocks = blocks_of(&run[0]);
        while let Some(Reverse(next)) = queue.peek() {
            let end = run[0].extent as u64 + blocks as u64;
            if next.extent as u64 != end || blocks + blocks_of(next) > RUN_BLOCKS {
                break;
            }
            let Some(Reverse(next)) = queue.pop() else {
                break;
            };
            self.admit(&next)?;
            blocks += blocks_of(&next);
            run.push(next);
        }
        if run.len() == 1 {
            let dir = run.pop().expect("one directory");
            return self.read_dir(dir, queue, buf);
        }
        buf.resize(blocks * BLOCK_SIZE, 0);
        if self.src.read_blocks(run[0].extent, buf).is_err() {
            // Read them one by one: the error then names the directory.
            for dir in run {
                self.read_dir(dir, queue, buf)?;
            }
            return Ok(());
        }
        let run_buf = std::mem::take(buf);
        let mut at = 0;
        let mut result = Ok(());
        for dir in run {
            let len = blocks_of(&dir) * BLOCK_SIZE;
            let mut state = DirState::default();
            result = self
                .parse_blocks(&dir, dir.extent, &run_buf[at..at + len], &mut state, queue)
                .and_then(|()| self.finish_dir(&dir, state));
            if result.is_err() {
                break;
            }
            at += len;
        }
        *buf = run_buf;
        result
    }

    /// Reads one (admitted) directory in chunks of [`CHUNK_BLOCKS`].
    fn read_dir(&mut self, dir: Pending, queue: &mut Queue, buf: &mut Vec<u8>) -> Result<()> {
        let blocks = (dir.size as usize).div_ceil(BLOCK_SIZE);
        let mut state = DirState::default();
        for chunk_start in (0..blocks).step_by(CHUNK_BLOCKS) {
            let n = CHUNK_BLOCKS.min(blocks - chunk_start);
            buf.resize(n * BLOCK_SIZE, 0);
            // check_extent keeps every block of the directory
            // addressable; checked all the same, as a hostile value must
            // end in an error wherever the reasoning might slip.
            let lba = block_at(dir.extent, chunk_start)?;
            read(
                self.src,
                lba,
                buf,
                format_args!("directory {}", self.tree.path_of(dir.node)),
            )?;
            let chunk = std::mem::take(buf);
            let parsed = self.parse_blocks(&dir, lba, &chunk, &mut state, queue);
            *buf = chunk;
            parsed?;
        }
        self.finish_dir(&dir, state)
    }

    /// Parses the records of `data`, blocks of `dir` from block `lba` on.
    fn parse_blocks(
        &mut self,
        dir: &Pending,
        lba: u32,
        data: &[u8],
        state: &mut DirState,
        queue: &mut Queue,
    ) -> Result<()> {
        let path = |r: &Reader<'_>| r.tree.path_of(dir.node);
        self.reserve_for(dir.node, data);
        for (k, block) in data.chunks_exact(BLOCK_SIZE).enumerate() {
            let block_lba = block_at(lba, k)?;
            for (at, bytes) in record::in_block(block) {
                let rec = Record::parse(bytes, || {
                    format!("directory {} block {block_lba} offset {at}", path(self))
                })?;
                if !state.started {
                    state.started = true;
                    if rec.id != [0] {
                        return Err(inconsistent(format!(
                            "directory {} at block {} does not start with \".\"",
                            path(self),
                            dir.extent
                        )));
                    }
                    if dir.node == self.tree.root() {
                        self.root_attrs(&rec)?;
                    }
                }
                if rec.is_dot_or_dotdot() || rec.flags & FLAG_ASSOCIATED != 0 {
                    continue;
                }
                self.entry(dir, &rec, &mut state.sections, queue)?;
            }
        }
        Ok(())
    }

    /// Makes room in `dir` for the entries the records of `data` name, so
    /// that its names and slots are allocated once rather than doubled as
    /// they arrive (a tenth of a million-file import). The names' length
    /// is guessed from the identifiers, less a file's `;1`: Rock Ridge
    /// names are mostly as long. A wrong guess costs a reallocation, never
    /// an entry.
    fn reserve_for(&mut self, dir: NodeId, data: &[u8]) {
        let (mut count, mut bytes) = (0usize, 0usize);
        for block in data.chunks_exact(BLOCK_SIZE) {
            for (_, rec) in record::in_block(block) {
                // A record cut short is the parser's to report.
                let id_len = rec.get(dr::ID_LENGTH.0).map_or(0, |&l| l as usize);
                count += 1;
                bytes += id_len.saturating_sub(2);
            }
        }
        self.tree.reserve_children(dir, count, bytes);
    }

    fn finish_dir(&self, dir: &Pending, state: DirState) -> Result<()> {
        if let Some(p) = state.sections {
            return Err(inconsistent(format!(
                "directory {}: multi-extent file {:?} has no final section",
                self.tree.path_of(dir.node),
                String::from_utf8_lossy(&p.id)
            )));
        }
        Ok(())
    }

    /// One directory record: its sections collected, its Rock Ridge entries
    /// read, its name and attributes decided, then its node inserted (and
    /// a directory queued for reading).
    fn entry(
        &mut self,
        dir: &Pending,
        rec: &Record<'_>,
        pending: &mut Option<Sections>,
        queue: &mut Queue,
    ) -> Result<()> {
        let where_ = || {
            format!(
                "entry {:?} of directory {}",
                String::from_utf8_lossy(rec.id),
                self.tree.path_of(dir.node)
            )
        };
        let sections = match self.section(rec, pending, &where_)? {
            Section::More => return Ok(()),
            Section::Complete(sections) => sections,
        };
        let rr = match self.naming {
            Naming::RockRidge { skip } => {
                let su = rec.system_use.get(skip..).unwrap_or_default();
                Some(susp::parse(self.src, &mut self.ce, su, false, &where_)?)
            }
            _ => None,
        };
        let rr = rr.unwrap_or_default();
        if rr.relocated {
            // The relocated directory is read where its CL record points.
            self.relocation_dirs.push(dir.node);
            return Ok(());
        }
        let name = self.name(rec, &rr, &where_)?;
        if self.tree.len() >= self.limits.max_entries {
            return Err(too_much(format!(
                "more than {} entries in the imported tree",
                self.limits.max_entries
            )));
        }
        let Some((attrs, kind)) = self.attrs_and_kind(rec, &rr, sections, &where_)? else {
            // Devices, FIFOs and sockets have no place in the tree model.
            return Ok(());
        };
        let is_dir = matches!(kind, Kind::Dir(_));
        let (extent, size) = match rr.child_link {
            Some(lba) => (lba, self.relocated_size(lba, &where_)?),
            None => (rec.extent, rec.size),
        };
        // An older version of the same name (";2" sorts before ";1",
        // ECMA-119 9.3) or a duplicate record: the first one counts.
        let Some(node) = self.tree.insert_if_absent(dir.node, &name, attrs, kind) else {
            return Ok(());
        };
        self.carry(node, rr.foreign)?;
        if is_dir {
            queue.push(Reverse(Pending { extent, size, node }));
        }
        Ok(())
    }

    /// Multi-extent files: collects sections in `pending` until the final
    /// one, checking each.
    fn section(
        &self,
        rec: &Record<'_>,
        pending: &mut Option<Sections>,
        where_: &dyn Fn() -> String,
    ) -> Result<Section> {
        if let Some(p) = pending.as_mut() {
            if p.id != rec.id {
                return Err(inconsistent(format!(
                    "{}: follows an unfinished multi-extent file",
                    where_()
                )));
            }
        }
        if rec.flags & FLAG_MULTI_EXTENT != 0 || pending.is_some() {
            if rec.flags & FLAG_DIRECTORY != 0 {
                return Err(inconsistent(format!(
                    "{}: a multi-extent directory",
                    where_()
                )));
            }
            if rec.flags & FLAG_MULTI_EXTENT != 0 && rec.size as usize % BLOCK_SIZE != 0 {
                return Err(inconsistent(format!(
                    "{}: a non-final section of {} bytes is not whole blocks",
                    where_(),
                    rec.size
                )));
            }
            self.check_extent(rec.extent, rec.size as u64, where_)?;
            let p = pending.get_or_insert_with(|| Sections {
                id: rec.id.to_vec(),
                extents: Vec::new(),
                size: 0,
            });
            if p.extents.len() >= 1 << 16 {
                return Err(too_much(format!("{}: more than 65536 sections", where_())));
            }
            p.extents.push(Extent {
                lba: rec.extent,
                len: rec.size,
            });
            // At most 65,536 sections of 4 GiB: far below u64::MAX.
            p.size = p.size.saturating_add(rec.size as u64);
            if rec.flags & FLAG_MULTI_EXTENT != 0 {
                return Ok(Section::More);
            }
        }
        Ok(Section::Complete(pending.take()))
    }

    /// The entry's name: Rock Ridge's NM, else the Joliet or ECMA-119
    /// identifier; one the tree cannot hold is refused.
    fn name<'r>(
        &self,
        rec: &Record<'_>,
        rr: &'r susp::RockRidge,
        where_: &dyn Fn() -> String,
    ) -> Result<Cow<'r, str>> {
        // A Rock Ridge name in UTF-8 is borrowed: the tree copies it into
        // its own packed names, and a million entries need no allocation
        // of their own on the way.
        let name = match (&rr.name, self.naming) {
            (Some(n), _) => lossy_text(n),
            (None, Naming::Joliet) => Cow::Owned(names::joliet_display_name(rec.id)),
            (None, _) => Cow::Owned(names::iso_display_name(rec.id)),
        };
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PATH,
                format!("{}: the name {name:?} cannot be imported", where_()),
            ));
        }
        Ok(name)
    }

    /// Attributes (record date, Rock Ridge times, mode and owner) and the
    /// node's kind; `None` for a file type the tree does not model.
    fn attrs_and_kind(
        &self,
        rec: &Record<'_>,
        rr: &susp::RockRidge,
        sections: Option<Sections>,
        where_: &dyn Fn() -> String,
    ) -> Result<Option<(Attrs, Kind)>> {
        let date = rec.date.unwrap_or(0);
        let modified = rr.modified.unwrap_or(date);
        let times = Times {
            modified,
            accessed: rr.accessed.unwrap_or(modified),
            changed: rr.changed.unwrap_or(modified),
        };
        let file_type = rr.mode.map(|m| m & susp::S_IFMT);
        let is_dir = rec.is_dir() || rr.child_link.is_some();
        let mut attrs = if is_dir { Attrs::dir() } else { Attrs::file() };
        attrs.set_times(Some(times));
        if let Some(mode) = rr.mode {
            attrs.mode = mode & 0o7777;
            attrs.uid = rr.uid;
            attrs.gid = rr.gid;
        }
        let kind = if is_dir {
            Kind::Dir(Default::default())
        } else if let (Some(target), Some(susp::S_IFLNK)) = (&rr.symlink, file_type) {
            Kind::Symlink(lossy_text(target).into())
        } else if matches!(file_type, None | Some(susp::S_IFREG)) {
            let (extents, size) = match sections {
                Some(s) => (s.extents.into(), s.size),
                None => {
                    self.check_extent(rec.extent, rec.size as u64, where_)?;
                    let one = Extent {
                        lba: rec.extent,
                        len: rec.size,
                    };
                    (Extents::One(one), rec.size as u64)
                }
            };
            Kind::File(FileData {
                size,
                content: Content::OnMedium(extents),
            })
        } else {
            return Ok(None);
        };
        Ok(Some((attrs, kind)))
    }

    /// The root's own attributes, from the Rock Ridge entries of its "."
    /// record.
    fn root_attrs(&mut self, dot: &Record<'_>) -> Result<()> {
        let Naming::RockRidge { skip } = self.naming else {
            return Ok(());
        };
        let su = dot.system_use.get(skip..).unwrap_or_default();
        let rr = susp::parse(self.src, &mut self.ce, su, true, &|| {
            "root directory".to_owned()
        })?;
        let root = self.tree.root();
        self.carry(root, rr.foreign)?;
        let attrs = &mut self.tree.node_mut(root).attrs;
        if let Some(mode) = rr.mode {
            attrs.mode = mode & 0o7777;
            attrs.uid = rr.uid;
            attrs.gid = rr.gid;
        }
        if let Some(m) = rr.modified {
            attrs.set_times(Some(Times {
                modified: m,
                accessed: rr.accessed.unwrap_or(m),
                changed: rr.changed.unwrap_or(m),
            }));
        }
        Ok(())
    }

    /// Size of a relocated directory, from its own "." record.
    fn relocated_size(&self, lba: u32, where_: &dyn Fn() -> String) -> Result<u32> {
        self.check_extent(lba, 1, where_)?;
        let mut block = vec![0u8; BLOCK_SIZE];
        read(self.src, lba, &mut block, "relocated directory")?;
        let dot = Record::parse(&block, || {
            format!("{}: relocated directory at {lba}", where_())
        })?;
        if dot.id != [0] || dot.extent != lba {
            return Err(inconsistent(format!(
                "{}: CL points at block {lba}, which holds no directory",
                where_()
            )));
        }
        Ok(dot.size)
    }

    /// genisoimage's `rr_moved`: once its relocated children are read
    /// where they belong it is empty and was never a user directory.
    fn drop_relocation_directory(&mut self) {
        let root = self.tree.root();
        let mut dirs = std::mem::take(&mut self.relocation_dirs);
        dirs.sort();
        dirs.dedup();
        for id in dirs {
            if self.tree.node(id).parent() != root || id == root {
                continue;
            }
            if matches!(&self.tree.node(id).kind, Kind::Dir(c) if c.is_empty()) {
                let path = self.tree.path_of(id);
                // Cannot fail: the directory exists and is empty.
                let _ = self.tree.remove(&path);
            }
        }
    }
}

/// `bytes` as text, invalid UTF-8 replaced. Valid text, nearly every
/// name, is borrowed after the standard check, which skips ASCII a word
/// at a time; the lossy decoder alone walks it a byte at a time.
fn lossy_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::fsi::{build, import, BuildOptions, SessionStream};

    #[test]
    fn rock_ridge_text_in_utf8_is_borrowed_and_other_bytes_are_replaced() {
        assert!(matches!(
            lossy_text("naïve.txt".as_bytes()),
            Cow::Borrowed("naïve.txt")
        ));
        let latin1 = b"na\xefve.txt";
        assert_eq!(lossy_text(latin1), "na\u{fffd}ve.txt");
    }

    /// A session built from `tree`, in memory.
    struct Mem(Vec<u8>);
    impl BlockSource for Mem {
        fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
            let at = lba as usize * BLOCK_SIZE;
            let src = self.0.get(at..at + buf.len()).ok_or_else(|| {
                Error::new(MS_IMAPI_E_IMPORT_READ_FAILURE, format!("no block {lba}"))
            })?;
            buf.copy_from_slice(src);
            Ok(())
        }
    }

    fn session(tree: Tree) -> Mem {
        let options = BuildOptions {
            time: Some(0),
            ..Default::default()
        };
        let mut s = build(Arc::new(tree), &options).unwrap();
        let mut data = vec![0u8; s.total_blocks() as usize * BLOCK_SIZE];
        s.read_blocks(0, &mut data).unwrap();
        Mem(data)
    }

    fn import_all(m: &dyn BlockSource, limits: ImportLimits) -> Result<Tree> {
        import::import(m, 0, None, limits).map(|i| i.tree)
    }

    /// An `XY` entry no reader knows, `n` bytes long.
    fn xy(n: usize) -> Box<[u8]> {
        let mut e = vec![b'X', b'Y', n as u8, 1];
        e.extend((4..n).map(|i| i as u8));
        e.into()
    }

    fn extra(t: &Tree, path: &str) -> Option<Box<[u8]>> {
        t.extra_su(t.lookup(path).unwrap()).map(Box::from)
    }

    #[test]
    fn an_unknown_entry_survives_import_and_build_verbatim() {
        let mut t = Tree::new();
        let dir = t.mkdir("/d").unwrap();
        let file = t
            .insert(dir, "f", Attrs::file(), Kind::Symlink("x".into()), false)
            .unwrap();
        t.set_extra_su(dir, Some(xy(9)));
        // Twenty entries: the record spills into a continuation area.
        let many: Vec<u8> = (0..20).flat_map(|_| xy(200).into_vec()).collect();
        t.set_extra_su(file, Some(many.clone().into()));
        let root = t.root();
        t.set_extra_su(root, Some(xy(5)));

        let first = import_all(&session(t), ImportLimits::default()).unwrap();
        assert_eq!(extra(&first, "/d"), Some(xy(9)));
        assert_eq!(extra(&first, "/d/f").as_deref(), Some(&many[..]));
        assert_eq!(first.extra_su(first.root()), Some(&*xy(5)));
        // A session built from the import carries them again, byte for
        // byte; what it does not import (the file) carries nothing.
        let mut again = first.clone();
        again
            .add_file(
                "/new",
                0,
                Arc::new(crate::fsi::OnceReader::new(Box::new(&b""[..]))),
                Attrs::file(),
                false,
            )
            .unwrap();
        let second = import_all(&session(again), ImportLimits::default()).unwrap();
        assert_eq!(extra(&second, "/d"), Some(xy(9)));
        assert_eq!(extra(&second, "/d/f").as_deref(), Some(&many[..]));
        assert_eq!(second.extra_su(second.root()), Some(&*xy(5)));
        assert_eq!(extra(&second, "/new"), None);
    }

    /// Counts the reads on their way to `mem`, and refuses those that
    /// cover block `bad`.
    struct Counted<'a> {
        mem: &'a Mem,
        reads: std::cell::Cell<usize>,
        bad: Option<u32>,
    }
    impl BlockSource for Counted<'_> {
        fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
            self.reads.set(self.reads.get() + 1);
            let blocks = (buf.len() / BLOCK_SIZE) as u32;
            if self.bad.is_some_and(|b| (lba..lba + blocks).contains(&b)) {
                return Err(Error::new(MS_IMAPI_E_IMPORT_READ_FAILURE, "unreadable"));
            }
            self.mem.read_blocks(lba, buf)
        }
    }

    /// Forty directories of one block each, side by side after the root.
    fn forty_directories() -> Mem {
        let mut t = Tree::new();
        for d in 0..40 {
            let dir = t.mkdir(&format!("/d{d:02}")).unwrap();
            t.insert(dir, "f", Attrs::file(), Kind::Symlink("x".into()), false)
                .unwrap();
        }
        session(t)
    }

    #[test]
    fn neighbouring_directories_are_read_together() {
        let m = forty_directories();
        let src = Counted {
            mem: &m,
            reads: Default::default(),
            bad: None,
        };
        let tree = import_all(&src, ImportLimits::default()).unwrap();
        assert_eq!(tree.len(), 80);
        // Descriptors, the Rock Ridge probe, the root and one run: one
        // read per directory would be more than forty.
        assert!(src.reads.get() < 10, "{} reads", src.reads.get());
    }

    #[test]
    fn an_unreadable_directory_in_a_run_is_named() {
        let m = forty_directories();
        let bad = root_child_extent(&m, b"D17");
        let src = Counted {
            mem: &m,
            reads: Default::default(),
            bad: Some(bad),
        };
        let e = import_all(&src, ImportLimits::default()).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_IMPORT_READ_FAILURE);
        assert!(e.detail().contains("/d17"), "{e}");
    }

    /// Where the ECMA-119 directory `id`, a child of the root, is.
    fn root_child_extent(m: &Mem, id: &[u8]) -> u32 {
        let root = crate::fsi::identify(m, 0)
            .unwrap()
            .descriptors
            .primary
            .unwrap()
            .root;
        let mut dir = vec![0u8; root.size as usize];
        m.read_blocks(root.extent, &mut dir).unwrap();
        for block in dir.chunks_exact(BLOCK_SIZE) {
            for (_, bytes) in record::in_block(block) {
                let rec = Record::parse(bytes, String::new).unwrap();
                if rec.id == id {
                    return rec.extent;
                }
            }
        }
        panic!("no directory {id:?} in the root");
    }

    #[test]
    fn carried_entries_beyond_the_budget_refuse_the_import() {
        let mut t = Tree::new();
        for i in 0..40 {
            let d = t.mkdir(&format!("/d{i}")).unwrap();
            t.set_extra_su(d, Some(xy(250)));
        }
        let m = session(t);
        let limits = |max_carried_bytes| ImportLimits {
            max_carried_bytes,
            ..ImportLimits::default()
        };
        assert!(import_all(&m, limits(40 * 250)).is_ok());
        let e = import_all(&m, limits(40 * 250 - 1)).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);
        assert!(e.detail().contains("to carry"), "{e}");
    }
}
