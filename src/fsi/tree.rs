//! The image's file tree: what the next session will contain.
//!
//! Imported entries carry the extents their data already occupies on the
//! medium (the new session points at them, no data is copied); new entries
//! carry a [`DataSource`] that is opened only while the session is streamed.
//! Memory therefore grows with the number of entries, never with file data.
//!
//! Paths are `/`-separated and absolute (`"/"` is the root). Names are the
//! real (Rock Ridge) names; per-file-system identifiers are derived at build
//! time (see `names`).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use crate::error::{Cause, Error, Result};
pub use crate::fsi::data_source::{DataSource, LocalDir, LocalFile, OnceReader, Source};
use crate::fsi::names::{self, FileSystems};
use crate::fsi::packed_names::PackedNames;
use crate::fsi::BLOCK_SIZE;
use crate::hresult::*;

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// Position in the tree's node table, for per-node side tables
    /// (see [`Tree::slots`]).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A number for some nodes of a tree (a directory's position in a list, a
/// new file's first block), by node index.
///
/// Absence is stored as 0 and a value as itself plus one, so the table
/// starts as zeroed memory, which the allocator takes fresh from the
/// kernel for a large table: pages no value is written to are never
/// backed. A 1 % append to a million-entry tree sets values for a few
/// thousand nodes and costs their pages, not 4 MB.
#[derive(Debug, Clone)]
pub(crate) struct NodeMap(Vec<u32>);

impl NodeMap {
    /// The largest value a map holds.
    pub const MAX: u32 = u32::MAX - 1;

    /// An empty map for a tree of `slots` nodes ([`Tree::slots`]).
    pub fn new(slots: usize) -> NodeMap {
        NodeMap(vec![0; slots])
    }

    /// `node`'s value, if it was given one.
    pub fn get(&self, node: NodeId) -> Option<u32> {
        self.0.get(node.index())?.checked_sub(1)
    }

    /// Gives `node` the value `value` (at most [`NodeMap::MAX`]).
    pub fn set(&mut self, node: NodeId, value: u32) {
        assert!(value <= Self::MAX, "node map value {value}");
        self.0[node.index()] = value + 1;
    }
}

/// One contiguous piece of a file on the medium (a file section; files over
/// 4 GiB have several).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// First block of the section.
    pub lba: u32,
    /// Bytes in the section.
    pub len: u32,
}

/// A file's sections on the medium. Almost every file has one, which is
/// kept inline (imports of 100,000 files should not mean 100,000
/// allocations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extents {
    /// The usual single section, kept inline.
    One(Extent),
    /// Several sections, in file order.
    Many(Box<[Extent]>),
}

impl From<Vec<Extent>> for Extents {
    fn from(v: Vec<Extent>) -> Extents {
        match v.as_slice() {
            [one] => Extents::One(*one),
            _ => Extents::Many(v.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Extents {
    type Target = [Extent];
    fn deref(&self) -> &[Extent] {
        match self {
            Extents::One(e) => std::slice::from_ref(e),
            Extents::Many(v) => v,
        }
    }
}

/// POSIX timestamps in seconds since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Last change of the data (`st_mtime`).
    pub modified: i64,
    /// Last access (`st_atime`).
    pub accessed: i64,
    /// Last change of the attributes (`st_ctime`).
    pub changed: i64,
}

impl Times {
    /// All three times set to `t`, for items created in memory.
    pub fn all(t: i64) -> Times {
        Times {
            modified: t,
            accessed: t,
            changed: t,
        }
    }
}

/// The three times of [`Times`] in 15 bytes: each a 40-bit two's
/// complement count of seconds, little-endian.
///
/// Forty bits reach 17,000 years either side of 1970, past every date a
/// disc can record (ECMA-119 stops at 2155, ECMA-167 and Rock Ridge's long
/// form at 9999), so packing loses nothing a session could hold; a time
/// further out saturates. Three `i64` were 24 of a node's 88 bytes, and a
/// million-entry tree pays for every byte (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PackedTimes([u8; 15]);

impl PackedTimes {
    const MAX: i64 = (1 << 39) - 1;
    const MIN: i64 = -(1 << 39);

    fn pack(t: Times) -> PackedTimes {
        let mut out = [0; 15];
        for (slot, value) in out
            .chunks_exact_mut(5)
            .zip([t.modified, t.accessed, t.changed])
        {
            let clamped = value.clamp(Self::MIN, Self::MAX);
            slot.copy_from_slice(&clamped.to_le_bytes()[..5]);
        }
        PackedTimes(out)
    }

    fn unpack(&self) -> Times {
        let field = |i: usize| {
            let mut b = [0; 8];
            b[3..].copy_from_slice(&self.0[i * 5..i * 5 + 5]);
            // The 40 bits sit at the top; the arithmetic shift extends the sign.
            i64::from_le_bytes(b) >> 24
        };
        Times {
            modified: field(0),
            accessed: field(1),
            changed: field(2),
        }
    }
}

/// POSIX attributes as Rock Ridge records them.
///
/// The times are private: they are packed ([`PackedTimes`]), and "stamped
/// with the build time" is a flag beside them rather than an `Option`
/// around them. A stamped value keeps its times at zero, so the derived
/// equality never compares times that mean nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attrs {
    /// Permission bits (`0o7777`); the file type comes from the node kind.
    pub mode: u32,
    /// Owner's user id.
    pub uid: u32,
    /// Owner's group id.
    pub gid: u32,
    stamped: bool,
    times: PackedTimes,
}

impl Attrs {
    /// Attributes from their parts; `times` `None` means stamped with the
    /// build time (items created in memory).
    pub fn new(mode: u32, uid: u32, gid: u32, times: Option<Times>) -> Attrs {
        let mut a = Attrs {
            mode,
            uid,
            gid,
            stamped: true,
            times: PackedTimes::default(),
        };
        a.set_times(times);
        a
    }

    /// A directory's defaults: `0o755`, owned by root, stamped at build.
    pub fn dir() -> Attrs {
        Attrs::new(0o755, 0, 0, None)
    }

    /// A file's defaults: `0o644`, owned by root, stamped at build.
    pub fn file() -> Attrs {
        Attrs::new(0o644, 0, 0, None)
    }

    /// A symlink's defaults: `0o777`, owned by root, stamped at build.
    pub fn symlink() -> Attrs {
        Attrs::new(0o777, 0, 0, None)
    }

    /// Attributes of a local file system object.
    pub fn from_metadata(md: &std::fs::Metadata) -> Attrs {
        let times = Times {
            modified: md.mtime(),
            accessed: md.atime(),
            changed: md.ctime(),
        };
        Attrs::new(md.mode() & 0o7777, md.uid(), md.gid(), Some(times))
    }

    /// `None`: stamped with the build time (items created in memory).
    pub fn times(&self) -> Option<Times> {
        (!self.stamped).then(|| self.times.unpack())
    }

    /// Records `times`, or with `None` stamps the item with the build time.
    pub fn set_times(&mut self, times: Option<Times>) {
        self.stamped = times.is_none();
        self.times = times.map(PackedTimes::pack).unwrap_or_default();
    }
}

/// A file's content.
#[derive(Debug, Clone)]
pub enum Content {
    /// Data already on the medium (imported): the sections, in order.
    OnMedium(Extents),
    /// Data to be written in the new session.
    New(Source),
}

/// A file: its size and where its bytes are.
#[derive(Debug, Clone)]
pub struct FileData {
    /// Size in bytes, as readers will show it.
    pub size: u64,
    /// Where the bytes come from.
    pub content: Content,
}

/// What a node is.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A directory: its entries by name, in byte order.
    Dir(Children),
    /// A regular file.
    File(FileData),
    /// A symbolic link to the target text.
    Symlink(Box<str>),
}

/// A directory's entries in name order.
///
/// A million-entry tree must stay near 150 bytes per entry, so names are
/// not allocated one by one (a `Box<str>` in a `BTreeMap` cost about 60
/// bytes per entry before its node): they are packed into one buffer per
/// directory, each behind a 2-byte length, and sorted slots hold only the
/// name's offset and the child. The slots sit in chunks of at most
/// [`CHUNK`], so that entries arriving out of name order (a UDF directory
/// in creation order, a caller adding files as it finds them) cost a
/// binary search and a short shift, never a shift of the whole directory;
/// entries arriving in order append and leave every chunk full.
///
/// The entries sit behind one pointer: [`Kind`] is as large as its
/// largest variant, and every file's node would otherwise carry a
/// directory's entries.
#[derive(Debug, Clone, Default)]
pub struct Children(Option<Box<Entries>>);

/// An empty directory's entries, for iterating one that has none.
static NO_ENTRIES: LazyLock<Entries> = LazyLock::new(Entries::default);

impl Children {
    /// A directory without entries; it allocates nothing until the first.
    pub fn new() -> Children {
        Children(None)
    }

    fn entries(&self) -> &Entries {
        self.0.as_deref().unwrap_or_else(|| &NO_ENTRIES)
    }

    /// How many entries the directory holds.
    pub fn len(&self) -> usize {
        self.entries().len
    }

    /// Whether the directory holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `count` more entries whose names total `name_bytes`,
    /// so that a directory filled from a listing holds no growth slack:
    /// doubling left a hundred-entry directory a third larger than its
    /// names and slots (issue 16).
    fn reserve(&mut self, count: usize, name_bytes: usize) {
        let entries = self.0.get_or_insert_with(Box::default);
        Arc::make_mut(&mut entries.names).reserve_exact(count, name_bytes);
        entries.expected = u32::try_from(count).unwrap_or(u32::MAX);
    }

    /// Stores `names`, a listing about to be inserted in byte order, and
    /// returns the buffer they are in and where each starts (`None` for a
    /// name too long to pack). See [`Tree::list_local`].
    fn list(&mut self, names: &[&str]) -> (Arc<PackedNames>, Vec<Option<u32>>) {
        let entries = self.0.get_or_insert_with(Box::default);
        let bytes = names.iter().map(|n| n.len()).sum();
        let buffer = Arc::make_mut(&mut entries.names);
        buffer.reserve_exact(names.len(), bytes);
        let start = buffer.bytes() as u32;
        let at = names.iter().map(|n| buffer.push(n.as_bytes())).collect();
        let end = buffer.bytes() as u32;
        // Dead until inserted: a listed name nobody inserts is reclaimed
        // like a removed one.
        entries.dead += end - start;
        entries.listed = start..end;
        entries.expected = u32::try_from(names.len()).unwrap_or(u32::MAX);
        (Arc::clone(&entries.names), at)
    }

    /// The child called `name` (compared byte for byte).
    pub fn get(&self, name: &str) -> Option<NodeId> {
        self.entries().get(name)
    }

    /// Whether an entry is called `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds `name` unless it is present; the existing child is returned
    /// then and nothing changes.
    fn insert_new(&mut self, name: &str, id: NodeId) -> std::result::Result<(), NodeId> {
        self.0.get_or_insert_with(Box::default).insert_new(name, id)
    }

    /// Takes `name` out, returning its child.
    fn remove(&mut self, name: &str) -> Option<NodeId> {
        let entries = self.0.as_mut()?;
        let id = entries.remove(name)?;
        if entries.len == 0 {
            self.0 = None;
        }
        Some(id)
    }

    /// Entries in name order.
    pub fn iter(&self) -> ChildIter<'_> {
        let entries = self.entries();
        ChildIter {
            entries,
            slots: entries.chunks.iter().flatten(),
            left: entries.len,
        }
    }

    /// Heap bytes held, for the memory budget's test.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |e| {
            std::mem::size_of::<Entries>()
                + e.names.capacity()
                + e.chunks.capacity() * std::mem::size_of::<Vec<Slot>>()
                + e.chunks
                    .iter()
                    .map(|c| c.capacity() * std::mem::size_of::<Slot>())
                    .sum::<usize>()
        })
    }
}

/// A name's offset in [`Entries::names`] and its child.
type Slot = (u32, NodeId);

/// Most slots one chunk holds: a power of two, so that a chunk grown one
/// slot at a time ends with no spare capacity.
const CHUNK: usize = 256;

/// What [`Children`] points at.
#[derive(Debug, Clone, Default)]
struct Entries {
    /// Shared with the sources of a listed local directory's files
    /// ([`Tree::list_local`]) and with the tree's clones, and copied on
    /// the first change while shared.
    names: Arc<PackedNames>,
    /// Sorted runs of slots, none empty, each chunk's names before the
    /// next chunk's.
    chunks: Vec<Vec<Slot>>,
    len: usize,
    /// Bytes of `names` no slot points at any more (removed or renamed
    /// entries), reclaimed once they are the larger part.
    dead: u32,
    /// Entries announced by [`Children::reserve`] and not inserted yet: a
    /// new chunk is allocated for them at once.
    expected: u32,
    /// The names [`Children::list`] stored ahead of their entries and not
    /// reached yet: an insert of the next one takes its stored copy.
    listed: std::ops::Range<u32>,
}

/// Where a name is or would go: a chunk and a slot in it.
type Place = (usize, usize);

impl Entries {
    fn name_bytes(&self, offset: u32) -> &[u8] {
        self.names.get(offset)
    }

    /// Names are stored from `str`, so this never fails; a listing reads
    /// every name of a million-entry tree several times per session, and
    /// the common ASCII name is checked a word at a time, not a character.
    fn name(&self, offset: u32) -> &str {
        let bytes = self.name_bytes(offset);
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are valid UTF-8.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            std::str::from_utf8(bytes).expect("names are stored from str")
        }
    }

    /// The place of `name`, or where it would go. The last slot is tried
    /// first so that entries arriving in order cost one comparison.
    fn search(&self, name: &str) -> std::result::Result<Place, Place> {
        let key = name.as_bytes();
        let last_of = |chunk: &Vec<Slot>| self.name_bytes(chunk[chunk.len() - 1].0);
        let Some(tail) = self.chunks.last() else {
            return Err((0, 0));
        };
        if last_of(tail) < key {
            return Err((self.chunks.len() - 1, tail.len()));
        }
        // The first chunk whose last name is not below the key holds it
        // or the place it would go; the tail's test above makes one exist.
        let c = self.chunks.partition_point(|chunk| last_of(chunk) < key);
        self.chunks[c]
            .binary_search_by(|&(offset, _)| self.name_bytes(offset).cmp(key))
            .map(|i| (c, i))
            .map_err(|i| (c, i))
    }

    fn get(&self, name: &str) -> Option<NodeId> {
        self.search(name).ok().map(|(c, i)| self.chunks[c][i].1)
    }

    fn insert_new(&mut self, name: &str, id: NodeId) -> std::result::Result<(), NodeId> {
        let (c, i) = match self.search(name) {
            Ok((c, i)) => return Err(self.chunks[c][i].1),
            Err(place) => place,
        };
        // The file systems' name limits (UDF's 255 characters in UTF-8 at
        // most) are checked long before the buffer's.
        let offset = match self.take_listed(name.as_bytes()) {
            Some(listed) => listed,
            None => Arc::make_mut(&mut self.names)
                .push(name.as_bytes())
                .unwrap_or_else(|| {
                    panic!(
                        "a name of {} bytes in a directory of {} name bytes",
                        name.len(),
                        self.names.bytes()
                    )
                }),
        };
        self.len += 1;
        let slot = (offset, id);
        let new_chunk = |expected: u32| {
            let mut chunk = Vec::with_capacity((expected as usize).clamp(1, CHUNK));
            chunk.push(slot);
            chunk
        };
        let expected = self.expected;
        self.expected = expected.saturating_sub(1);
        if self.chunks.is_empty() {
            self.chunks.push(new_chunk(expected));
        } else if self.chunks[c].len() < CHUNK {
            self.chunks[c].insert(i, slot);
        } else if i == CHUNK && c + 1 == self.chunks.len() {
            // Past a full last chunk: in-order arrivals keep chunks full.
            self.chunks.push(new_chunk(expected));
        } else {
            let right = self.chunks[c].split_off(CHUNK / 2);
            self.chunks.insert(c + 1, right);
            let (c, i) = if i <= CHUNK / 2 {
                (c, i)
            } else {
                (c + 1, i - CHUNK / 2)
            };
            self.chunks[c].insert(i, slot);
        }
        Ok(())
    }

    /// The stored copy of `name` when it is the next listed name; listed
    /// names before it (entries the caller skipped) are passed over.
    fn take_listed(&mut self, name: &[u8]) -> Option<u32> {
        while self.listed.start < self.listed.end {
            let at = self.listed.start;
            let listed = self.names.get(at);
            let order = listed.cmp(name);
            if order.is_gt() {
                return None;
            }
            self.listed.start = self.names.after(at);
            if order.is_eq() {
                self.dead -= self.listed.start - at;
                return Some(at);
            }
        }
        None
    }

    fn remove(&mut self, name: &str) -> Option<NodeId> {
        let (c, i) = self.search(name).ok()?;
        let (offset, id) = self.chunks[c].remove(i);
        if self.chunks[c].is_empty() {
            self.chunks.remove(c);
        }
        self.len -= 1;
        self.dead += 2 + self.name_bytes(offset).len() as u32;
        if self.dead as usize > self.names.bytes() / 2 {
            self.compact();
        }
        Some(id)
    }

    /// Rewrites the name buffer without the dead names.
    fn compact(&mut self) {
        let mut names = PackedNames::with_capacity(0, self.names.bytes() - self.dead as usize);
        for slot in self.chunks.iter_mut().flatten() {
            slot.0 = names
                .push(self.names.get(slot.0))
                .expect("a shorter buffer holds what the longer one did");
        }
        self.names = Arc::new(names);
        self.dead = 0;
        // Listed names not reached were dead and are gone.
        self.listed = 0..0;
    }
}

/// The iterator of [`Children::iter`].
pub struct ChildIter<'c> {
    entries: &'c Entries,
    slots: std::iter::Flatten<std::slice::Iter<'c, Vec<Slot>>>,
    left: usize,
}

impl<'c> Iterator for ChildIter<'c> {
    type Item = (&'c str, NodeId);

    fn next(&mut self) -> Option<Self::Item> {
        let &(offset, id) = self.slots.next()?;
        self.left -= 1;
        Some((self.entries.name(offset), id))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for ChildIter<'_> {}

impl<'c> IntoIterator for &'c Children {
    type Item = (&'c str, NodeId);
    type IntoIter = ChildIter<'c>;

    fn into_iter(self) -> ChildIter<'c> {
        self.iter()
    }
}

/// One item of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    parent: NodeId,
    /// POSIX attributes (Rock Ridge PX/TF).
    pub attrs: Attrs,
    /// Directory, file or symlink, with its payload.
    pub kind: Kind,
}

impl Node {
    /// The directory holding this node (the root is its own parent).
    pub fn parent(&self) -> NodeId {
        self.parent
    }

    /// True for directories.
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir(_))
    }

    /// Children in name order (empty for non-directories).
    pub fn children(&self) -> impl Iterator<Item = (&str, NodeId)> {
        let map = match &self.kind {
            Kind::Dir(m) => Some(m),
            _ => None,
        };
        map.into_iter().flat_map(Children::iter)
    }
}

/// How [`Tree::add_tree`] treats a name that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnClash {
    /// `IMAPI_E_DUP_NAME`.
    Fail,
    /// The new item replaces the old one (directories are merged).
    Replace,
}

/// The tree. See the module documentation.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<Option<Node>>,
    free: Vec<u32>,
    /// See [`Tree::extra_su`]. Few nodes carry any (a zisofs disc's
    /// compressed files, an AAIP root), so they sit beside the node table:
    /// a word in every node cost a million-entry tree 8 MB (issue 16).
    extra_su: HashMap<NodeId, Box<[u8]>>,
    file_systems: FileSystems,
    restricted: bool,
    new_data_blocks: u64,
    entries: usize,
}

/// A snapshot for a session built from a tree the caller keeps editing.
impl From<&Tree> for Arc<Tree> {
    fn from(tree: &Tree) -> Arc<Tree> {
        Arc::new(tree.clone())
    }
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

fn not_found(path: &str) -> Error {
    Error::new(
        MS_IMAPI_E_ITEM_NOT_FOUND,
        format!("{path:?} is not in the image"),
    )
}

fn blocks_of(size: u64) -> u64 {
    size.div_ceil(BLOCK_SIZE as u64)
}

impl Tree {
    /// An empty tree (just the root) for ISO 9660 + Joliet.
    pub fn new() -> Tree {
        Tree {
            nodes: vec![Some(Node {
                parent: NodeId(0),
                attrs: Attrs::dir(),
                kind: Kind::Dir(Children::new()),
            })],
            free: Vec::new(),
            extra_su: HashMap::new(),
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET,
            restricted: false,
            new_data_blocks: 0,
            entries: 0,
        }
    }

    /// The root directory.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// The node `id` names; `id` must come from this tree.
    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes[id.0 as usize]
            .as_ref()
            .expect("NodeId of a removed node")
    }

    /// The node `id` names, to change its attributes or content.
    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        self.nodes[id.0 as usize]
            .as_mut()
            .expect("NodeId of a removed node")
    }

    /// Makes room in the directory `dir` for `count` more entries whose
    /// names total `name_bytes`, for a caller about to add a listing it
    /// holds: the directory then keeps no growth slack. Nothing happens
    /// when `dir` is not a directory.
    pub fn reserve_children(&mut self, dir: NodeId, count: usize, name_bytes: usize) {
        if let Kind::Dir(children) = &mut self.node_mut(dir).kind {
            children.reserve(count, name_bytes);
        }
    }

    /// Stores in the directory `dir` the names of a listing of the local
    /// directory `local` about to be inserted, all its entries in byte
    /// order with whether each is a regular file, and returns the sources
    /// of those files, in order.
    ///
    /// The sources read the names from the directory's own buffer, so a
    /// listed file's name is kept once: a second copy for its source cost
    /// a million-file first session 17 MB (issue 16). Entries inserted in
    /// the listing's order take the stored names; one inserted out of
    /// order stores its name again, and skipped ones are reclaimed like
    /// removed ones. The directory keeps no growth slack, as after
    /// [`reserve_children`](Self::reserve_children). When `dir` is not a
    /// directory each file gets a source of its own.
    pub fn list_local(
        &mut self,
        dir: NodeId,
        local: &Path,
        listing: &[(&str, bool)],
    ) -> Vec<Source> {
        let names: Vec<&str> = listing.iter().map(|&(name, _)| name).collect();
        let (buffer, at) = match &mut self.node_mut(dir).kind {
            Kind::Dir(children) => children.list(&names),
            _ => (Arc::default(), vec![None; names.len()]),
        };
        let files = listing
            .iter()
            .zip(at)
            .filter(|((_, file), _)| *file)
            .map(|((name, _), at)| (OsStr::new(*name), at));
        LocalDir::sources(local, buffer, files)
    }

    /// System use entries of `id`'s imported record that the writer does
    /// not produce itself (zisofs `ZF`, AAIP `AL`, unknown ones), whole and
    /// in order: the next session repeats them so readers see the file as
    /// before. New nodes have none; a replaced node's go with it.
    pub fn extra_su(&self, id: NodeId) -> Option<&[u8]> {
        self.extra_su.get(&id).map(|su| &**su)
    }

    /// Replaces `id`'s carried system use entries; an empty set is none.
    pub fn set_extra_su(&mut self, id: NodeId, entries: Option<Box<[u8]>>) {
        match entries.filter(|e| !e.is_empty()) {
            Some(e) => self.extra_su.insert(id, e),
            None => self.extra_su.remove(&id),
        };
    }

    /// The size readers show for `id` if it is an imported
    /// zisofs-compressed file (from its carried `ZF` entry); its
    /// [`FileData::size`] is the compressed size the record holds, which
    /// is what the disc stores.
    pub fn zisofs_size(&self, id: NodeId) -> Option<u64> {
        crate::fsi::iso9660::susp::zisofs_size(self.extra_su(id)?)
    }

    /// Gives back the capacity growth left unused: the node table's and
    /// each directory's. An importer calls it on the tree it built, which
    /// then is edited little: a table grown by doubling can hold near
    /// twice what it needs (30 % spare at 100,000 nodes), and what it
    /// holds is most of an import's memory.
    pub fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.free.shrink_to_fit();
        self.extra_su.shrink_to_fit();
        for node in self.nodes.iter_mut().flatten() {
            if let Kind::Dir(Children(Some(entries))) = &mut node.kind {
                if let Some(names) = Arc::get_mut(&mut entries.names) {
                    names.shrink_to_fit();
                }
                entries.chunks.shrink_to_fit();
                entries.chunks.iter_mut().for_each(Vec::shrink_to_fit);
            }
        }
    }

    /// Size of the node table: every [`NodeId::index`] is below it.
    pub fn slots(&self) -> usize {
        self.nodes.len()
    }

    /// The node in slot `index` (below [`slots`](Self::slots)), unless it
    /// was removed: for per-node work in no particular order, which slot
    /// ranges split between threads.
    pub fn id_at(&self, index: usize) -> Option<NodeId> {
        self.nodes.get(index)?.as_ref()?;
        Some(NodeId(index as u32))
    }

    /// Number of entries below the root.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when nothing is below the root.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Blocks the data of new (not yet written) files will take.
    pub fn new_data_blocks(&self) -> u64 {
        self.new_data_blocks
    }

    /// The file systems names are checked for. Names already in the tree
    /// are not re-checked: the builder derives valid identifiers for any name.
    pub fn set_file_systems(&mut self, fs: FileSystems) {
        self.file_systems = fs;
    }

    /// The file systems names are checked for.
    pub fn file_systems(&self) -> FileSystems {
        self.file_systems
    }

    /// IMAPI's `UseRestrictedCharacterSet`.
    pub fn set_restricted_names(&mut self, on: bool) {
        self.restricted = on;
    }

    /// The node at `path`.
    pub fn lookup(&self, path: &str) -> Result<NodeId> {
        let mut at = self.root();
        for part in names::split_path(path)? {
            at = match &self.node(at).kind {
                Kind::Dir(children) => children.get(part).ok_or_else(|| not_found(path))?,
                _ => return Err(not_found(path)),
            };
        }
        Ok(at)
    }

    /// The child `name` of directory `dir`.
    pub fn child(&self, dir: NodeId, name: &str) -> Option<NodeId> {
        match &self.node(dir).kind {
            Kind::Dir(children) => children.get(name),
            _ => None,
        }
    }

    /// Splits `path` into its existing parent directory and the new name.
    fn parent_and_name<'p>(&self, path: &'p str) -> Result<(NodeId, &'p str)> {
        let parts = names::split_path(path)?;
        let Some((name, dirs)) = parts.split_last() else {
            return Err(Error::misuse(
                MS_IMAPI_E_INVALID_PATH,
                "the root cannot be created, replaced or removed",
            ));
        };
        let mut at = self.root();
        for (i, part) in dirs.iter().enumerate() {
            at = match &self.node(at).kind {
                Kind::Dir(children) => children.get(part).ok_or_else(|| {
                    Error::new(
                        MS_IMAPI_E_DIR_NOT_FOUND,
                        format!("directory /{} is not in the image", dirs[..=i].join("/")),
                    )
                })?,
                _ => {
                    return Err(Error::new(
                        MS_IMAPI_E_NOT_DIR,
                        format!("/{} is not a directory", dirs[..i].join("/")),
                    ))
                }
            };
        }
        if !self.node(at).is_dir() {
            return Err(Error::new(
                MS_IMAPI_E_NOT_DIR,
                format!("/{} is not a directory", dirs.join("/")),
            ));
        }
        Ok((at, name))
    }

    fn alloc(&mut self, node: Node) -> NodeId {
        if let Kind::File(FileData {
            size,
            content: Content::New(_),
        }) = &node.kind
        {
            self.new_data_blocks += blocks_of(*size);
        }
        self.entries += 1;
        match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = Some(node);
                NodeId(slot)
            }
            None => {
                self.nodes.push(Some(node));
                NodeId((self.nodes.len() - 1) as u32)
            }
        }
    }

    /// Inserts `kind` as `name` under `dir`, validating the name;
    /// `replace` drops an existing entry of that name first.
    pub fn insert(
        &mut self,
        dir: NodeId,
        name: &str,
        attrs: Attrs,
        kind: Kind,
        replace: bool,
    ) -> Result<NodeId> {
        names::validate_name(name, self.file_systems, self.restricted)?;
        self.insert_unchecked(dir, name, attrs, kind, replace)
    }

    /// As [`insert`](Self::insert) without the name rules: for imported
    /// entries, whose names were valid where they came from.
    pub(crate) fn insert_unchecked(
        &mut self,
        dir: NodeId,
        name: &str,
        attrs: Attrs,
        kind: Kind,
        replace: bool,
    ) -> Result<NodeId> {
        if let Some(old) = self.child(dir, name) {
            if !replace {
                return Err(Error::new(
                    MS_IMAPI_E_DUP_NAME,
                    format!("{} already exists", self.path_of(old)),
                ));
            }
            self.detach_and_free(dir, name);
        }
        let id = self.alloc(Node {
            parent: dir,
            attrs,
            kind,
        });
        match &mut self.node_mut(dir).kind {
            Kind::Dir(children) => {
                let inserted = children.insert_new(name, id);
                debug_assert!(inserted.is_ok(), "the old entry was detached");
            }
            _ => unreachable!("insert under a non-directory"),
        }
        Ok(id)
    }

    /// Inserts an imported entry unless `name` is taken (the first of
    /// duplicate records counts); one map search per entry.
    pub(crate) fn insert_if_absent(
        &mut self,
        dir: NodeId,
        name: &str,
        attrs: Attrs,
        kind: Kind,
    ) -> Option<NodeId> {
        let next = match self.free.last() {
            Some(&slot) => NodeId(slot),
            None => NodeId(self.nodes.len() as u32),
        };
        let Kind::Dir(children) = &mut self.node_mut(dir).kind else {
            unreachable!("insert under a non-directory");
        };
        children.insert_new(name, next).ok()?;
        let id = self.alloc(Node {
            parent: dir,
            attrs,
            kind,
        });
        debug_assert_eq!(id, next);
        Some(id)
    }

    /// Creates the directory `path` (its parent must exist).
    pub fn mkdir(&mut self, path: &str) -> Result<NodeId> {
        let (dir, name) = self.parent_and_name(path)?;
        self.insert(dir, name, Attrs::dir(), Kind::Dir(Children::new()), false)
    }

    /// Creates `path` and any missing parents; existing directories are kept.
    pub fn mkdir_all(&mut self, path: &str) -> Result<NodeId> {
        let mut at = self.root();
        for part in names::split_path(path)? {
            at = match self.child(at, part) {
                Some(id) if self.node(id).is_dir() => id,
                Some(id) => {
                    return Err(Error::new(
                        MS_IMAPI_E_NOT_DIR,
                        format!("{} is not a directory", self.path_of(id)),
                    ))
                }
                None => self.insert(at, part, Attrs::dir(), Kind::Dir(Children::new()), false)?,
            };
        }
        Ok(at)
    }

    /// Adds a file of `size` bytes read from `source` while the session is
    /// produced. `replace` lets it take the place of an existing entry.
    pub fn add_file(
        &mut self,
        path: &str,
        size: u64,
        source: Arc<dyn DataSource>,
        attrs: Attrs,
        replace: bool,
    ) -> Result<NodeId> {
        let (dir, name) = self.parent_and_name(path)?;
        let kind = Kind::File(FileData {
            size,
            content: Content::New(source.into()),
        });
        self.insert(dir, name, attrs, kind, replace)
    }

    /// Adds the local file `local` as `path` (size and attributes taken now,
    /// data read at build time).
    pub fn add_local_file(&mut self, path: &str, local: &Path, replace: bool) -> Result<NodeId> {
        let md = std::fs::metadata(local).map_err(|e| {
            Error::new(
                MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE,
                format!("{}: {e}", local.display()),
            )
        })?;
        if !md.is_file() {
            return Err(Error::new(
                MS_IMAPI_E_NOT_FILE,
                format!("{} is not a regular file", local.display()),
            ));
        }
        self.add_file(
            path,
            md.len(),
            Arc::new(LocalFile(local.to_path_buf())),
            Attrs::from_metadata(&md),
            replace,
        )
    }

    /// Adds a symbolic link at `path` to `target`; `replace` overwrites an existing item.
    pub fn add_symlink(&mut self, path: &str, target: &str, replace: bool) -> Result<NodeId> {
        if target.is_empty() || target.len() > 4095 || target.contains('\0') {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("symlink target of {} bytes is not valid", target.len()),
            ));
        }
        let (dir, name) = self.parent_and_name(path)?;
        self.insert(
            dir,
            name,
            Attrs::symlink(),
            Kind::Symlink(target.into()),
            replace,
        )
    }

    /// Adds the local directory `local` (recursively) at `dest`. With
    /// `include_base` the directory itself is created inside `dest` (IMAPI's
    /// `AddTree(path, true)`), else its contents go into `dest`. Directories
    /// that exist are merged; other clashes follow `on_clash`. Sockets,
    /// FIFOs and devices are skipped.
    pub fn add_tree(
        &mut self,
        local: &Path,
        dest: &str,
        include_base: bool,
        on_clash: OnClash,
    ) -> Result<NodeId> {
        let read_err = |p: &Path, e: io::Error| {
            Error::new(
                MS_IMAPI_E_DIRECTORY_READ_FAILURE,
                format!("{}: {e}", p.display()),
            )
        };
        let md = std::fs::metadata(local).map_err(|e| read_err(local, e))?;
        if !md.is_dir() {
            return Err(Error::new(
                MS_IMAPI_E_NOT_DIR,
                format!("{} is not a directory", local.display()),
            ));
        }
        let mut at = self.lookup(dest).map_err(|_| {
            Error::new(
                MS_IMAPI_E_DIR_NOT_FOUND,
                format!("{dest:?} is not in the image"),
            )
        })?;
        if !self.node(at).is_dir() {
            return Err(Error::new(
                MS_IMAPI_E_NOT_DIR,
                format!("{dest:?} is not a directory"),
            ));
        }
        if include_base {
            let name = local
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| {
                    Error::new(
                        MS_IMAPI_E_INVALID_PATH,
                        format!("{} has no UTF-8 name", local.display()),
                    )
                })?
                .to_owned();
            at = self.merge_dir(at, &name, Attrs::from_metadata(&md), on_clash)?;
        }
        // Iterative walk: deep trees must not exhaust the stack.
        let mut stack = vec![(local.to_path_buf(), at)];
        while let Some((dir_path, node)) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir_path)
                .map_err(|e| read_err(&dir_path, e))?
                .collect::<io::Result<_>>()
                .map_err(|e| read_err(&dir_path, e))?;
            entries.sort_by_key(|e| e.file_name());
            let entries = entries
                .into_iter()
                .map(|entry| {
                    let path = entry.path();
                    let name = entry.file_name().into_string().map_err(|_| {
                        Error::new(
                            MS_IMAPI_E_INVALID_PATH,
                            format!("{} has no UTF-8 name", path.display()),
                        )
                    })?;
                    // By name in the open directory (not following a
                    // link): no walk of the whole path per entry.
                    let md = entry.metadata().map_err(|e| read_err(&path, e))?;
                    Ok((name, path, md))
                })
                .collect::<Result<Vec<_>>>()?;
            let listing: Vec<(&str, bool)> = entries
                .iter()
                .map(|(name, _, md)| (name.as_str(), md.is_file()))
                .collect();
            let mut sources = self.list_local(node, &dir_path, &listing).into_iter();
            for (name, path, md) in &entries {
                let name = name.as_str();
                let attrs = Attrs::from_metadata(md);
                let ft = md.file_type();
                let replace = on_clash == OnClash::Replace;
                if ft.is_dir() {
                    let child = self.merge_dir(node, name, attrs, on_clash)?;
                    stack.push((path.clone(), child));
                } else if ft.is_file() {
                    let source = sources.next().expect("a source per regular file");
                    let kind = Kind::File(FileData {
                        size: md.len(),
                        content: Content::New(source),
                    });
                    self.insert(node, name, attrs, kind, replace)?;
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(path).map_err(|e| read_err(path, e))?;
                    let target = target.to_str().ok_or_else(|| {
                        Error::new(
                            MS_IMAPI_E_INVALID_PATH,
                            format!("symlink {} has a non-UTF-8 target", path.display()),
                        )
                    })?;
                    self.insert(node, name, attrs, Kind::Symlink(target.into()), replace)?;
                }
            }
        }
        Ok(at)
    }

    /// The directory `name` under `dir`: the existing one, or a new one.
    fn merge_dir(
        &mut self,
        dir: NodeId,
        name: &str,
        attrs: Attrs,
        on_clash: OnClash,
    ) -> Result<NodeId> {
        match self.child(dir, name) {
            Some(id) if self.node(id).is_dir() => Ok(id),
            Some(_) if on_clash == OnClash::Fail => Err(Error::new(
                MS_IMAPI_E_DUP_NAME,
                format!(
                    "{}/{name} already exists as a file",
                    self.path_of(dir).trim_end_matches('/')
                ),
            )),
            _ => self.insert(dir, name, attrs, Kind::Dir(Children::new()), true),
        }
    }

    /// The parent, name and node of an existing non-root `path`.
    fn existing(&self, path: &str) -> Result<(NodeId, String, NodeId)> {
        // A malformed path is the caller's to fix and says so; a missing
        // or non-directory parent only means the item is not there.
        let (dir, name) = self.parent_and_name(path).map_err(|e| {
            if e.cause() == Cause::Misuse {
                e
            } else {
                not_found(path)
            }
        })?;
        let id = self.child(dir, name).ok_or_else(|| not_found(path))?;
        Ok((dir, name.to_owned(), id))
    }

    /// Removes a file, symlink or empty directory.
    pub fn remove(&mut self, path: &str) -> Result<()> {
        let (dir, name, id) = self.existing(path)?;
        if let Kind::Dir(children) = &self.node(id).kind {
            if !children.is_empty() {
                return Err(Error::new(
                    MS_IMAPI_E_DIR_NOT_EMPTY,
                    format!("{path:?} holds {} entries", children.len()),
                ));
            }
        }
        self.detach_and_free(dir, &name);
        Ok(())
    }

    /// Removes `path` and everything below it.
    pub fn remove_tree(&mut self, path: &str) -> Result<()> {
        let (dir, name, _) = self.existing(path)?;
        self.detach_and_free(dir, &name);
        Ok(())
    }

    /// Renames or moves `from` to `to` (whose parent must exist; `to` must
    /// not). A directory cannot move into itself.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let (old_parent, old_name, id) = self.existing(from)?;
        let (dir, name) = self.parent_and_name(to)?;
        names::validate_name(name, self.file_systems, self.restricted)?;
        if let Some(existing) = self.child(dir, name) {
            if existing == id {
                return Ok(());
            }
            return Err(Error::new(
                MS_IMAPI_E_DUP_NAME,
                format!("{to:?} already exists"),
            ));
        }
        let mut up = dir;
        loop {
            if up == id {
                return Err(Error::new(
                    MS_IMAPI_E_INVALID_PATH,
                    format!("cannot move {from:?} into itself ({to:?})"),
                ));
            }
            if up == self.root() {
                break;
            }
            up = self.node(up).parent;
        }
        if let Kind::Dir(children) = &mut self.node_mut(old_parent).kind {
            children.remove(old_name.as_str());
        }
        if let Kind::Dir(children) = &mut self.node_mut(dir).kind {
            let inserted = children.insert_new(name, id);
            debug_assert!(inserted.is_ok(), "checked free above");
        }
        self.node_mut(id).parent = dir;
        Ok(())
    }

    /// The name `id` has in its parent ("" for the root). Nodes do not
    /// store their names (the parent's map holds them), so this scans the
    /// parent's children: for messages and single lookups. Whole-tree
    /// passes take names from [`walk_named`](Self::walk_named) instead.
    pub fn name_of(&self, id: NodeId) -> &str {
        if id == self.root() {
            return "";
        }
        let parent = self.node(self.node(id).parent);
        parent
            .children()
            .find(|(_, c)| *c == id)
            .map(|(n, _)| n)
            .expect("node not listed in its parent")
    }

    /// The absolute path of `id`, for messages: it costs a scan of the
    /// siblings of every ancestor (see [`name_of`](Self::name_of)).
    pub fn path_of(&self, id: NodeId) -> String {
        let mut parts = Vec::new();
        let mut at = id;
        while at != self.root() {
            parts.push(self.name_of(at).to_owned());
            at = self.node(at).parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }

    /// Unlinks `name` from `parent` and frees its subtree.
    fn detach_and_free(&mut self, parent: NodeId, name: &str) {
        let removed = match &mut self.node_mut(parent).kind {
            Kind::Dir(children) => children.remove(name),
            _ => None,
        };
        let mut stack: Vec<NodeId> = removed.into_iter().collect();
        while let Some(n) = stack.pop() {
            let node = self.nodes[n.0 as usize].take().expect("freed twice");
            match node.kind {
                Kind::Dir(children) => stack.extend(children.iter().map(|(_, id)| id)),
                Kind::File(FileData {
                    size,
                    content: Content::New(_),
                }) => self.new_data_blocks -= blocks_of(size),
                _ => {}
            }
            self.entries -= 1;
            self.extra_su.remove(&n);
            self.free.push(n.0);
        }
    }

    /// Merges an imported tree under the root: entries that exist in memory
    /// win (IMAPI's rule), directories present in both are merged, and a
    /// file/directory type clash is an import error.
    ///
    /// The imported tree is taken, not borrowed: into a tree with no
    /// entries yet (every import into a fresh image) its nodes move
    /// instead of being copied, so an import never holds a million
    /// entries twice. Returns whether it did: the imported nodes then
    /// keep their [`NodeId`]s.
    pub fn merge_imported(&mut self, mut imported: Tree) -> Result<bool> {
        // The root is never replaced: it takes the imported root's entries
        // (AAIP's ER among them) unless it carries some already.
        let root = self.root();
        let imported_root_su = imported.extra_su.remove(&root);
        if !self.extra_su.contains_key(&root) {
            self.set_extra_su(root, imported_root_su);
        }
        if self.entries == 0 {
            let children = std::mem::replace(
                &mut imported.node_mut(root).kind,
                Kind::Dir(Children::new()),
            );
            let mine = std::mem::replace(&mut self.nodes, std::mem::take(&mut imported.nodes));
            self.free = imported.free;
            // The root's entries were settled above; the rest move with
            // their nodes.
            self.extra_su.extend(imported.extra_su);
            self.entries = imported.entries;
            self.new_data_blocks += imported.new_data_blocks;
            let mut own_root = mine.into_iter().next().flatten().expect("the root");
            own_root.kind = children;
            self.nodes[0] = Some(own_root);
            return Ok(true);
        }
        let imported = &imported;
        let mut stack = vec![(imported.root(), self.root())];
        while let Some((from, to)) = stack.pop() {
            let items: Vec<(&str, NodeId)> = imported.node(from).children().collect();
            for (name, child) in items {
                let src = imported.node(child);
                match self.child(to, name) {
                    None => {
                        let copied = self.copy_subtree(imported, child);
                        if let Kind::Dir(children) = &mut self.node_mut(to).kind {
                            let inserted = children.insert_new(name, copied);
                            debug_assert!(inserted.is_ok(), "absent above");
                        }
                        self.node_mut(copied).parent = to;
                    }
                    Some(mine) => match (src.is_dir(), self.node(mine).is_dir()) {
                        (true, true) => stack.push((child, mine)),
                        (false, false) => {}
                        (true, false) => {
                            return Err(Error::new(
                                MS_IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE,
                                format!(
                                    "imported directory {} exists as a file",
                                    imported.path_of(child)
                                ),
                            ))
                        }
                        (false, true) => {
                            return Err(Error::new(
                                MS_IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY,
                                format!(
                                    "imported file {} exists as a directory",
                                    imported.path_of(child)
                                ),
                            ))
                        }
                    },
                }
            }
        }
        Ok(false)
    }

    /// Copies `from`'s subtree of `other` into this tree, detached (its
    /// parent pointer is fixed by the caller).
    fn copy_subtree(&mut self, other: &Tree, from: NodeId) -> NodeId {
        let src = other.node(from);
        let kind = match &src.kind {
            Kind::Dir(_) => Kind::Dir(Children::new()),
            k => k.clone(),
        };
        let id = self.alloc(Node {
            parent: self.root(),
            attrs: src.attrs,
            kind,
        });
        self.set_extra_su(id, other.extra_su(from).map(Box::from));
        let mut stack = vec![(from, id)];
        while let Some((o, n)) = stack.pop() {
            let children: Vec<(&str, NodeId)> = other.node(o).children().collect();
            for (name, oc) in children {
                let s = other.node(oc);
                let kind = match &s.kind {
                    Kind::Dir(_) => Kind::Dir(Children::new()),
                    k => k.clone(),
                };
                let nc = self.alloc(Node {
                    parent: n,
                    attrs: s.attrs,
                    kind,
                });
                self.set_extra_su(nc, other.extra_su(oc).map(Box::from));
                if let Kind::Dir(m) = &mut self.node_mut(n).kind {
                    let inserted = m.insert_new(name, nc);
                    debug_assert!(inserted.is_ok(), "copied from a directory");
                }
                if s.is_dir() {
                    stack.push((oc, nc));
                }
            }
        }
        id
    }

    /// Every node in depth-first pre-order with its depth (root = 0),
    /// children in name order; lazy, as a list of a million nodes would
    /// cost 16 MB beside the tree.
    pub fn walk(&self) -> impl Iterator<Item = (NodeId, usize)> + '_ {
        self.walk_named().map(|(id, depth, _)| (id, depth))
    }

    /// As [`walk`](Self::walk), lazily and with each node's name (borrowed
    /// from its parent's map; "" for the root): a caller that keeps the
    /// names of the current branch has every path in time linear in the
    /// entries, where [`path_of`](Self::path_of) per node would scan each
    /// directory once per child. A drop in depth marks the end of the
    /// directories left (their post-order).
    pub fn walk_named(&self) -> WalkNamed<'_> {
        WalkNamed {
            tree: self,
            started: false,
            stack: Vec::new(),
        }
    }
}

/// The iterator of [`Tree::walk_named`]: one map iterator per open
/// directory, so its memory grows with the depth, not the entries.
pub struct WalkNamed<'t> {
    tree: &'t Tree,
    started: bool,
    stack: Vec<ChildIter<'t>>,
}

impl<'t> WalkNamed<'t> {
    /// Descends into `id` when it is a directory.
    fn open(&mut self, id: NodeId) {
        if let Kind::Dir(children) = &self.tree.node(id).kind {
            self.stack.push(children.iter());
        }
    }
}

impl<'t> Iterator for WalkNamed<'t> {
    type Item = (NodeId, usize, &'t str);

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started {
            self.started = true;
            let root = self.tree.root();
            self.open(root);
            return Some((root, 0, ""));
        }
        loop {
            let depth = self.stack.len();
            let (name, id) = match self.stack.last_mut()?.next() {
                Some(entry) => entry,
                None => {
                    self.stack.pop();
                    continue;
                }
            };
            self.open(id);
            return Some((id, depth, name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn stream(bytes: &'static [u8]) -> Arc<dyn DataSource> {
        Arc::new(OnceReader::new(Box::new(bytes)))
    }

    #[test]
    fn duplicate_names_fail_unless_replacing() {
        let mut t = Tree::new();
        t.mkdir("/d").unwrap();
        t.add_file("/d/f", 3, stream(b"abc"), Attrs::file(), false)
            .unwrap();
        let e = t
            .add_file("/d/f", 1, stream(b"x"), Attrs::file(), false)
            .unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_DUP_NAME);
        t.add_file("/d/f", 1, stream(b"x"), Attrs::file(), true)
            .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.new_data_blocks(), 1);
    }

    #[test]
    fn missing_parents_and_files_as_parents_have_their_codes() {
        let mut t = Tree::new();
        assert_eq!(
            t.mkdir("/a/b").unwrap_err().code(),
            MS_IMAPI_E_DIR_NOT_FOUND
        );
        t.add_symlink("/l", "target", false).unwrap();
        assert_eq!(t.mkdir("/l/b").unwrap_err().code(), MS_IMAPI_E_NOT_DIR);
        assert_eq!(
            t.remove("/zz").unwrap_err().code(),
            MS_IMAPI_E_ITEM_NOT_FOUND
        );
        assert_eq!(
            t.remove("/nope/zz").unwrap_err().code(),
            MS_IMAPI_E_ITEM_NOT_FOUND
        );
        assert_eq!(
            t.remove("/l/../zz").unwrap_err().code(),
            MS_IMAPI_E_INVALID_PATH
        );
        assert_eq!(t.remove("/").unwrap_err().code(), MS_IMAPI_E_INVALID_PATH);
    }

    #[test]
    fn remove_refuses_full_directories_and_remove_tree_frees_everything() {
        let mut t = Tree::new();
        t.mkdir_all("/a/b/c").unwrap();
        t.add_file("/a/b/c/f", 5000, stream(b""), Attrs::file(), false)
            .unwrap();
        assert_eq!(t.remove("/a").unwrap_err().code(), MS_IMAPI_E_DIR_NOT_EMPTY);
        t.remove_tree("/a").unwrap();
        assert!(t.is_empty());
        assert_eq!(t.new_data_blocks(), 0);
        assert!(t.lookup("/a").is_err());
    }

    #[test]
    fn rename_moves_and_refuses_cycles() {
        let mut t = Tree::new();
        t.mkdir_all("/a/b").unwrap();
        t.mkdir("/c").unwrap();
        t.rename("/a/b", "/c/bb").unwrap();
        assert_eq!(t.path_of(t.lookup("/c/bb").unwrap()), "/c/bb");
        assert!(t.lookup("/a/b").is_err());
        assert_eq!(
            t.rename("/c", "/c/bb/x").unwrap_err().code(),
            MS_IMAPI_E_INVALID_PATH
        );
        assert_eq!(
            t.rename("/a", "/c").unwrap_err().code(),
            MS_IMAPI_E_DUP_NAME
        );
    }

    #[test]
    fn walk_named_gives_every_name_and_depth_in_pre_order() {
        let mut t = Tree::new();
        t.mkdir_all("/b/y").unwrap();
        t.mkdir("/a").unwrap();
        t.add_symlink("/b/x", "t", false).unwrap();
        t.add_symlink("/b/y/z", "t", false).unwrap();
        t.add_symlink("/c", "t", false).unwrap();
        let mut branch: Vec<&str> = Vec::new();
        let mut seen = Vec::new();
        for (id, depth, name) in t.walk_named() {
            branch.truncate(depth.saturating_sub(1));
            if depth > 0 {
                branch.push(name);
            }
            let path = format!("/{}", branch.join("/"));
            assert_eq!(path, t.path_of(id));
            seen.push((path, depth));
        }
        let expected = [
            ("/", 0),
            ("/a", 1),
            ("/b", 1),
            ("/b/x", 2),
            ("/b/y", 2),
            ("/b/y/z", 3),
            ("/c", 1),
        ];
        let expected: Vec<_> = expected.iter().map(|(p, d)| (p.to_string(), *d)).collect();
        assert_eq!(seen, expected);
        assert_eq!(
            t.walk().collect::<Vec<_>>(),
            t.walk_named()
                .map(|(id, depth, _)| (id, depth))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn children_out_of_order_are_listed_and_found_in_name_order() {
        let mut t = Tree::new();
        let root = t.root();
        for name in ["m", "b", "z", "a", "k\u{e9}", "k"] {
            t.insert(
                root,
                name,
                Attrs::symlink(),
                Kind::Symlink("t".into()),
                false,
            )
            .unwrap();
        }
        let listed: Vec<&str> = t.node(root).children().map(|(n, _)| n).collect();
        assert_eq!(listed, ["a", "b", "k", "k\u{e9}", "m", "z"]);
        for name in listed {
            assert_eq!(t.name_of(t.child(root, name).unwrap()), name);
        }
        assert_eq!(t.child(root, "c"), None);
    }

    /// Names and slot capacity of `dir` after 300 in-order symlinks,
    /// announced first or not.
    fn capacity_after_filling(reserve: bool) -> (usize, usize, usize) {
        let mut t = Tree::new();
        let dir = t.mkdir("/d").unwrap();
        let names: Vec<String> = (0..300).map(|i| format!("f_{i:07}.txt")).collect();
        if reserve {
            t.reserve_children(dir, names.len(), names.iter().map(String::len).sum());
        }
        for name in &names {
            t.add_symlink(&format!("/d/{name}"), "t", false).unwrap();
        }
        let Kind::Dir(children) = &t.node(dir).kind else {
            panic!("a directory")
        };
        let e = children.entries();
        let slots = e.chunks.iter().map(Vec::capacity).sum();
        (e.names.bytes(), e.names.capacity(), slots)
    }

    #[test]
    fn a_directory_filled_after_a_reservation_holds_no_growth_slack() {
        let (len, capacity, slots) = capacity_after_filling(true);
        assert_eq!((len, capacity, slots), (300 * 15, 300 * 15, 300));
        let (len, capacity, slots) = capacity_after_filling(false);
        assert!(capacity > len && slots > 300, "{capacity} {slots}");
        let mut t = Tree::new();
        let root = t.root();
        t.reserve_children(root, 10, 100);
        assert!(t.node(root).children().next().is_none());
        assert!(matches!(&t.node(root).kind, Kind::Dir(c) if c.is_empty()));
    }

    /// A local directory of `files` (each holding its own name) and one
    /// subdirectory `sub`, listed into `/d` of a new tree.
    fn listed_dir(files: &[&str]) -> (tempfile::TempDir, Tree, NodeId, Vec<Source>) {
        let local = tempfile::tempdir().unwrap();
        for name in files {
            std::fs::write(local.path().join(name), name).unwrap();
        }
        let mut listing: Vec<(&str, bool)> = files.iter().map(|&n| (n, true)).collect();
        listing.push(("sub", false));
        listing.sort();
        let mut t = Tree::new();
        let dir = t.mkdir("/d").unwrap();
        let sources = t.list_local(dir, local.path(), &listing);
        (local, t, dir, sources)
    }

    fn add_listed(t: &mut Tree, dir: NodeId, name: &str, source: &Source) {
        let kind = Kind::File(FileData {
            size: name.len() as u64,
            content: Content::New(source.clone()),
        });
        t.insert(dir, name, Attrs::file(), kind, false).unwrap();
    }

    fn contents(source: &Source) -> String {
        let mut out = String::new();
        source.open().unwrap().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn a_listed_file_s_name_is_kept_once_for_the_directory_and_its_source() {
        let files: Vec<String> = (0..300).map(|i| format!("f_{i:07}.txt")).collect();
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let (_local, mut t, dir, sources) = listed_dir(&files);
        for (name, source) in files.iter().zip(&sources) {
            add_listed(&mut t, dir, name, source);
        }
        t.mkdir("/d/sub").unwrap();
        let Kind::Dir(children) = &t.node(dir).kind else {
            panic!("a directory")
        };
        let e = children.entries();
        let stored = 300 * (2 + 13) + 2 + 3;
        assert_eq!((e.names.bytes(), e.names.capacity()), (stored, stored));
        assert_eq!(
            (e.dead, e.listed.clone()),
            (0, stored as u32..stored as u32)
        );
        // The directory's buffer and the sources' one.
        assert_eq!(Arc::strong_count(&e.names), 2);
        assert_eq!(t.node(dir).children().count(), 301);
        for (name, source) in files.iter().zip(&sources) {
            assert_eq!(contents(source), *name);
            let id = t.child(dir, name).unwrap();
            assert_eq!(t.name_of(id), *name);
        }
    }

    #[test]
    fn entries_out_of_the_listing_s_order_store_their_names_and_leave_the_sources_right() {
        let files = ["a", "b", "c", "d"];
        let (_local, mut t, dir, sources) = listed_dir(&files);
        // "a" and "c" skipped, then a name the listing does not hold.
        add_listed(&mut t, dir, "b", &sources[1]);
        add_listed(&mut t, dir, "d", &sources[3]);
        let shared = |t: &Tree| match &t.node(dir).kind {
            Kind::Dir(children) => Arc::strong_count(&children.entries().names) > 1,
            _ => panic!("a directory"),
        };
        assert!(shared(&t), "listed names are taken, not copied");
        add_listed(&mut t, dir, "bb", &sources[0]);
        assert!(
            !shared(&t),
            "the directory copied its names to store a new one"
        );
        // Out of order: "a" comes after the listing passed it.
        add_listed(&mut t, dir, "a", &sources[0]);
        // Removes that reclaim the dead names, the listed ones not reached
        // among them, and a listed name inserted after.
        t.remove("/d/d").unwrap();
        t.remove("/d/bb").unwrap();
        t.mkdir("/d/sub").unwrap();
        let names: Vec<&str> = t.node(dir).children().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "b", "sub"]);
        for (name, source) in files.iter().zip(&sources) {
            assert_eq!(contents(source), *name);
        }
        assert_eq!(t.name_of(t.child(dir, "b").unwrap()), "b");
    }

    #[test]
    fn a_large_directory_filled_out_of_order_stays_sorted_across_chunks() {
        let mut t = Tree::new();
        let dir = t.mkdir("/d").unwrap();
        // 7919 is prime to 5000: every name once, in scattered order.
        let order: Vec<u32> = (0..5000u32).map(|i| i * 7919 % 5000).collect();
        for &i in &order {
            t.add_symlink(&format!("/d/n{i:05}"), "t", false).unwrap();
        }
        let Kind::Dir(children) = &t.node(dir).kind else {
            panic!("a directory")
        };
        let entries = children.entries();
        assert!(entries.chunks.len() > 5000 / CHUNK, "split into chunks");
        assert!(entries
            .chunks
            .iter()
            .all(|c| !c.is_empty() && c.len() <= CHUNK));
        let listed: Vec<String> = t.node(dir).children().map(|(n, _)| n.to_owned()).collect();
        let expected: Vec<String> = (0..5000).map(|i| format!("n{i:05}")).collect();
        assert_eq!(listed, expected);
        for &i in order.iter().filter(|i| *i % 3 == 0) {
            t.remove(&format!("/d/n{i:05}")).unwrap();
        }
        let left: Vec<String> = t.node(dir).children().map(|(n, _)| n.to_owned()).collect();
        let expected: Vec<String> = (0..5000)
            .filter(|i| i % 3 != 0)
            .map(|i| format!("n{i:05}"))
            .collect();
        assert_eq!(left, expected);
        for name in &expected {
            assert!(t.child(dir, name).is_some(), "{name} found");
        }
        assert_eq!(t.child(dir, "n00003"), None);
    }

    #[test]
    fn names_freed_by_removes_and_renames_are_reclaimed() {
        let mut t = Tree::new();
        t.mkdir("/d").unwrap();
        for i in 0..200 {
            t.add_symlink(&format!("/d/name{i:04}"), "t", false)
                .unwrap();
        }
        for i in 0..200 {
            if i % 3 == 0 {
                t.remove(&format!("/d/name{i:04}")).unwrap();
            } else {
                t.rename(&format!("/d/name{i:04}"), &format!("/d/r{i:04}"))
                    .unwrap();
            }
        }
        let d = t.lookup("/d").unwrap();
        let Kind::Dir(children) = &t.node(d).kind else {
            panic!("a directory");
        };
        let live: usize = children.iter().map(|(n, _)| 2 + n.len()).sum();
        assert!(
            children.entries().names.bytes() <= 2 * live + 64,
            "{} bytes",
            children.entries().names.bytes()
        );
        assert_eq!(children.len(), 133);
        assert!(t.lookup("/d/r0001").is_ok() && t.lookup("/d/name0001").is_err());
    }

    #[test]
    fn a_reused_slot_does_not_inherit_the_removed_node_s_carried_entries() {
        let mut t = Tree::new();
        let a = t.add_symlink("/a", "t", false).unwrap();
        t.set_extra_su(a, Some(b"ZF".as_slice().into()));
        assert_eq!(t.extra_su(a), Some(&b"ZF"[..]));
        t.remove("/a").unwrap();
        let b = t.add_symlink("/b", "t", false).unwrap();
        assert_eq!(b, a, "the slot is reused");
        assert_eq!(t.extra_su(b), None);
    }

    #[test]
    fn a_file_node_does_not_carry_a_directory_s_entries() {
        // Parent (4), attributes (28: three ids, the stamped flag, three
        // packed times) and the largest kind (32: a file's size and
        // content); carried system use entries sit beside the table.
        assert!(
            std::mem::size_of::<Node>() <= 64,
            "{}",
            std::mem::size_of::<Node>()
        );
        // The arena's free slots cost no tag.
        assert_eq!(
            std::mem::size_of::<Option<Node>>(),
            std::mem::size_of::<Node>()
        );
        assert_eq!(std::mem::size_of::<Children>(), 8);
    }

    #[test]
    fn packed_times_keep_every_date_a_disc_records_and_saturate_beyond() {
        // 0001-01-01 and 9999-12-31 (ECMA-167's and Rock Ridge's range),
        // 1900 and 2155 (ECMA-119's), and the seconds around zero.
        let kept = [
            -62_135_596_800,
            253_402_300_799,
            -2_208_988_800,
            5_996_851_199,
            -1,
            0,
            1,
            PackedTimes::MAX,
            PackedTimes::MIN,
        ];
        for (i, &t) in kept.iter().enumerate() {
            let times = Times {
                modified: t,
                accessed: kept[(i + 1) % kept.len()],
                changed: kept[(i + 2) % kept.len()],
            };
            assert_eq!(PackedTimes::pack(times).unpack(), times, "{t}");
        }
        let far = Times {
            modified: i64::MAX,
            accessed: i64::MIN,
            changed: PackedTimes::MAX + 1,
        };
        assert_eq!(
            PackedTimes::pack(far).unpack(),
            Times {
                modified: PackedTimes::MAX,
                accessed: PackedTimes::MIN,
                changed: PackedTimes::MAX,
            }
        );
    }

    #[test]
    fn attributes_stamped_again_compare_equal_to_fresh_ones() {
        let mut a = Attrs::file();
        assert_eq!(a.times(), None);
        a.set_times(Some(Times::all(1_700_000_000)));
        assert_eq!(a.times(), Some(Times::all(1_700_000_000)));
        assert_ne!(a, Attrs::file());
        a.set_times(None);
        assert_eq!((a.times(), a), (None, Attrs::file()));
        assert_eq!(
            Attrs::new(0o644, 0, 0, Some(Times::all(0))).times(),
            Some(Times::all(0))
        );
    }

    #[test]
    fn an_empty_set_of_carried_entries_is_none() {
        let mut t = Tree::new();
        let root = t.root();
        t.set_extra_su(root, Some(Box::new([])));
        assert_eq!(t.extra_su(root), None);
        t.set_extra_su(root, Some(b"ER".as_slice().into()));
        assert_eq!(t.extra_su(root), Some(&b"ER"[..]));
        t.set_extra_su(root, None);
        assert_eq!(t.extra_su(root), None);
    }

    #[test]
    fn a_directory_entry_costs_its_name_and_eight_bytes() {
        let mut children = Children::new();
        for i in 0..1000u32 {
            children.insert_new(&format!("f{i:07}"), NodeId(i)).unwrap();
        }
        // 8 name bytes + 2 of length + an 8-byte slot, with at most the
        // growth slack of the two vectors (a `BTreeMap<Box<str>, _>` held
        // over 60).
        assert!(
            children.heap_bytes() <= 1000 * 18 * 2,
            "{}",
            children.heap_bytes()
        );
    }

    #[test]
    fn a_node_map_tells_a_value_of_zero_from_none() {
        let mut map = NodeMap::new(4);
        map.set(NodeId(1), 0);
        map.set(NodeId(2), NodeMap::MAX);
        let got: Vec<_> = (0..5).map(|i| map.get(NodeId(i))).collect();
        assert_eq!(got, [None, Some(0), Some(NodeMap::MAX), None, None]);
    }

    #[test]
    fn a_shrunk_tree_holds_what_its_entries_need_and_stays_editable() {
        let mut tree = Tree::new();
        let dir = tree.mkdir("/d").unwrap();
        for i in 0..1000u32 {
            let kind = Kind::File(FileData {
                size: 1,
                content: Content::OnMedium(
                    vec![Extent {
                        lba: 40 + i,
                        len: 1,
                    }]
                    .into(),
                ),
            });
            tree.insert(dir, &format!("f{i:07}"), Attrs::file(), kind, false)
                .unwrap();
        }
        let children = |t: &Tree| match &t.node(dir).kind {
            Kind::Dir(c) => c.heap_bytes(),
            _ => unreachable!(),
        };
        let grown = children(&tree);
        tree.shrink_to_fit();
        assert_eq!(tree.nodes.capacity(), tree.slots());
        // Names (2 + 8 bytes each), slots, and the chunk list.
        let chunks = 1000usize.div_ceil(CHUNK);
        let exact = std::mem::size_of::<Entries>()
            + 1000 * 10
            + chunks * std::mem::size_of::<Vec<Slot>>()
            + 1000 * std::mem::size_of::<Slot>();
        assert_eq!(children(&tree), exact, "grown: {grown}");
        assert!(exact < grown);
        tree.add_symlink("/d/f0000500x", "t", false).unwrap();
        let names: Vec<_> = tree
            .node(dir)
            .children()
            .map(|(n, _)| n.to_string())
            .collect();
        assert_eq!(names.len(), 1001);
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn merged_import_loses_to_items_in_memory() {
        let mut old = Tree::new();
        old.mkdir("/d").unwrap();
        let keep = Content::OnMedium(vec![Extent { lba: 40, len: 5 }].into());
        let d = old.lookup("/d").unwrap();
        for name in ["old", "clash"] {
            let kind = Kind::File(FileData {
                size: 5,
                content: keep.clone(),
            });
            old.insert(d, name, Attrs::file(), kind, false).unwrap();
        }
        let mut mine = Tree::new();
        mine.mkdir("/d").unwrap();
        mine.add_file("/d/clash", 2, stream(b"hi"), Attrs::file(), false)
            .unwrap();
        mine.merge_imported(old.clone()).unwrap();
        assert_eq!(mine.len(), 3);
        let clash = mine.node(mine.lookup("/d/clash").unwrap());
        assert!(matches!(&clash.kind, Kind::File(f) if f.size == 2));
        mine.remove("/d/old").unwrap();
        let mut typed = Tree::new();
        typed.mkdir_all("/d/old").unwrap();
        let e = typed.merge_imported(old).unwrap_err();
        assert_eq!(
            e.code(),
            MS_IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY
        );
    }

    #[test]
    fn carried_entries_follow_imported_nodes_and_leave_with_replaced_ones() {
        let mut old = Tree::new();
        let sub = old.mkdir_all("/d/sub").unwrap();
        let f = old
            .insert(sub, "f", Attrs::symlink(), Kind::Symlink("t".into()), false)
            .unwrap();
        let g = old
            .insert(sub, "g", Attrs::symlink(), Kind::Symlink("t".into()), false)
            .unwrap();
        let root = old.root();
        for (id, tag) in [(root, b"ER"), (sub, b"AL"), (f, b"ZF"), (g, b"XY")] {
            old.set_extra_su(id, Some(tag.as_slice().into()));
        }
        let mut mine = Tree::new();
        mine.merge_imported(old).unwrap();
        let extra = |t: &Tree, p: &str| t.extra_su(t.lookup(p).unwrap()).map(<[u8]>::to_vec);
        assert_eq!(mine.extra_su(mine.root()), Some(&b"ER"[..]));
        assert_eq!(extra(&mine, "/d/sub").as_deref(), Some(&b"AL"[..]));
        mine.rename("/d/sub/f", "/moved").unwrap();
        assert_eq!(extra(&mine, "/moved").as_deref(), Some(&b"ZF"[..]));
        mine.add_file("/d/sub/g", 2, stream(b"hi"), Attrs::file(), true)
            .unwrap();
        assert_eq!(extra(&mine, "/d/sub/g"), None);
    }
}
