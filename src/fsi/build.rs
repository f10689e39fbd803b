//! Building the next session from a tree: options, size checks, and the
//! [`Session`] that streams its blocks on demand.

use std::io::Read;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::iso9660::checksum::{self, Md5, Tag, TagKind};
use super::iso9660::descriptor::BootRecord;
use super::iso9660::write::{self, Params, Plan, UdfAreas, UdfSpace};
use super::join::join;
use super::meta_blocks::{MetaBlocks, Planned};
use super::names::{self, FileSystems};
use super::read_ahead::{ReadAhead, Take};
use super::tree::{Content, FileData, Kind, Source, Tree};
use super::udf::{self, incremental::UdfBase, write::FileSet, write::Volume};
use super::{Anchor, SessionStream, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::*;

/// How to build a session.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// LBA the session will be written at (`SessionStartBlock`).
    pub start_block: u32,
    /// `FileSystemsToCreate`: ISO 9660 (it carries Rock Ridge) and
    /// optionally Joliet and UDF; UDF alone is a UDF-only session.
    pub file_systems: FileSystems,
    /// `VolumeName`: the label written in the primary (and Joliet, UDF) descriptors.
    pub volume_name: String,
    /// Write unit of the medium in blocks (1, 16, 32).
    pub write_unit: u32,
    /// `FreeMediaBlocks`: the session must fit (`None` = unlimited).
    pub free_blocks: Option<u32>,
    /// Fixed time for volume dates and undated items (reproducible
    /// output); `None` = now.
    pub time: Option<i64>,
    /// El Torito boot record kept from the imported session.
    pub boot: Option<BootRecord>,
    /// Random-write media: also produce the descriptor update for LBA 16
    /// (only meaningful when the session does not start at 0).
    pub random_write: bool,
    /// Zero blocks appended after the data, inside the volume.
    pub pad_blocks: u32,
    /// Record libisofs session checksums even when the imported root
    /// named no checksum array (a first session, or a disc written
    /// without them): `xorriso -check_md5` can then verify the session.
    pub session_checksums: bool,
    /// `UDFRevision` (0x102 …) of the UDF volume when `file_systems` has UDF.
    pub udf_revision: u32,
    /// The imported session's UDF metadata ([`super::Imported::udf_base`]),
    /// for a tree that came from that import: a UDF 2.50+ session then
    /// writes only the file entries of what changed and lets every other
    /// address lead to the previous session's entry.
    pub udf_base: Option<Arc<UdfBase>>,
    /// `CreateRedundantUdfMetadataFiles` (default true): a UDF 2.50+
    /// session that starts its own metadata writes it twice, the mirror a
    /// copy a damaged block can be read from. False writes it once, the
    /// mirror sharing its blocks: an archive of a million small files
    /// saves some 2 GB (a 2 KiB entry per item).
    pub redundant_udf_metadata: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            start_block: 0,
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET,
            volume_name: String::new(),
            write_unit: 1,
            free_blocks: None,
            time: None,
            boot: None,
            random_write: false,
            pad_blocks: 0,
            session_checksums: false,
            udf_revision: names::DEFAULT_UDF_REVISION,
            udf_base: None,
            redundant_udf_metadata: true,
        }
    }
}

/// Checks a `FileSystemsToCreate` mask for what this builder writes.
pub fn validate_file_systems(fs: FileSystems) -> Result<()> {
    if fs.is_empty() {
        return Err(Error::new(MS_IMAPI_E_NO_OUTPUT, "no file system selected"));
    }
    if fs.contains(FileSystems::UNKNOWN) {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PARAM,
            format!(
                "file systems {:#x}: only ISO 9660, Joliet and UDF can be created",
                fs.bits()
            ),
        ));
    }
    Ok(())
}

/// Whether a session for `fs` carries ISO 9660: always (it also holds
/// Joliet's data and Rock Ridge) but when UDF is asked for alone.
pub fn writes_iso9660(fs: FileSystems) -> bool {
    fs != FileSystems::UDF
}

/// An upper estimate of the blocks a session of `tree` takes, without
/// encoding anything: for IMAPI's `UsedBlocks` and for refusing an item
/// that cannot fit `FreeMediaBlocks` when it is added (the build itself
/// checks the exact size).
pub fn estimate_blocks(tree: &Tree) -> u64 {
    let bs = BLOCK_SIZE as u64;
    let mut dirs = 0u64;
    let mut record_bytes = 0u64;

    let mut stack = vec![tree.root()];
    while let Some(dir) = stack.pop() {
        dirs += 1;
        for (name, id) in tree.node(dir).children() {
            let node = tree.node(id);
            let name = name.len() as u64;
            let (sections, link) = match &node.kind {
                Kind::Dir(_) => {
                    stack.push(id);
                    (1, 0)
                }
                Kind::File(f) => (f.size.div_ceil(write::MAX_SECTION).max(1), 0),
                Kind::Symlink(t) => (1, t.len() as u64 + 16),
            };
            // ECMA-119 record with Rock Ridge (spilling into CE areas) and
            // the Joliet record, per section.
            record_bytes += sections * (34 + 32 + 80 + name + link + 34 + 2 * name.min(64) + 4);
        }
    }
    // Each directory: "." and ".." with Rock Ridge, rounding to blocks in
    // both trees, and path table entries.
    // Per record this is some 36 bytes above the real size, room for what
    // a disc that keeps libisofs checksums adds per new file (16 bytes of
    // index attribute, 16 in the array); the test below checks both kinds.
    let per_dir = 2 * (2 * bs) + 4 * 40;
    let udf = if tree.file_systems().contains(FileSystems::UDF) {
        // Up to the anchor at 256, the file set, the closing anchor and
        // a write unit of alignment.
        241 + 3 + udf::write::estimate_file_set_blocks(tree) + 1 + 32
    } else {
        0
    };
    16 + 4 + 4 + (record_bytes + dirs * per_dir).div_ceil(bs) + 2 + tree.new_data_blocks() + udf
}

/// Builds the session for `tree`. Nothing is read from file sources yet;
/// the session keeps the tree (shared, so a caller that goes on editing
/// its copy uses `Arc::make_mut` and pays for a copy only while a session
/// is alive).
///
/// `tree` may be an `Arc<Tree>` (shared, no copy), a `Tree` (moved) or a
/// `&Tree` (copied).
pub fn build(tree: impl Into<Arc<Tree>>, options: &BuildOptions) -> Result<Session> {
    let mut tree = tree.into();
    if options.session_checksums {
        mark_for_checksums(&mut tree);
    }
    validate_file_systems(options.file_systems)?;
    names::validate_volume_name(&options.volume_name)?;
    if !matches!(options.write_unit, 1..=256) {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PARAM,
            format!("write unit of {} blocks", options.write_unit),
        ));
    }
    let time = options.time.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let udf = options.file_systems.contains(FileSystems::UDF);
    if udf {
        names::validate_udf_revision(options.udf_revision)?;
    }
    let params = Params {
        start: options.start_block,
        iso: writes_iso9660(options.file_systems),
        joliet: options.file_systems.contains(FileSystems::JOLIET),
        volume_name: options.volume_name.clone(),
        write_unit: options.write_unit,
        time,
        boot: options.boot.clone(),
        pad_blocks: options.pad_blocks,
    };
    // The UDF file set and the Joliet tree are measured on a second thread
    // while the ISO 9660 tree is planned: each walks the whole tree, and
    // only the placement after them needs their sizes. (The ISO 9660 plan,
    // with its Rock Ridge entries, takes about as long as the two others.)
    let joliet = params.joliet;
    let measure = || {
        let udf_set = udf
            .then(|| {
                FileSet::measure(
                    Arc::clone(&tree),
                    options.udf_revision,
                    options.udf_base.clone(),
                    options.start_block,
                    options.redundant_udf_metadata,
                )
            })
            .transpose();
        (udf_set, joliet.then(|| write::measure_joliet(&tree)))
    };
    let ((udf_set, joliet), trees) = join(measure, || write::plan_trees(Arc::clone(&tree), params));
    let udf_set = udf_set?;
    if options.random_write && options.start_block > 0 && udf_set.is_some() {
        refuse_data_under_udf_anchors(&tree)?;
    }
    let plan = trees?.place(
        joliet,
        udf_set.as_ref().map(|set| UdfSpace {
            nsr: udf::write::nsr_of(options.udf_revision).1,
            file_set_blocks: set.area_blocks(),
        }),
    )?;
    if let Some(free) = options.free_blocks {
        if plan.total_blocks > free {
            return Err(Error::new(
                MS_IMAPI_E_IMAGE_TOO_BIG,
                format!(
                    "the session needs {} blocks, {free} are free",
                    plan.total_blocks
                ),
            ));
        }
    }
    let anchor = (options.random_write && options.start_block > 0).then(|| plan.anchor_blocks());
    let udf = match udf_set {
        Some(set) => Some(Arc::new(Volume::new(
            set,
            &plan,
            options.start_block,
            &options.volume_name,
            time,
        )?)),
        None => None,
    };
    let mut session = Session {
        start: options.start_block,
        plan: Arc::new(plan),
        anchor,
        udf,
        meta: MetaBlocks::default(),
        open: None,
        ahead: ReadAhead::new(),
        tail: Vec::new(),
        md5: Md5Run::default(),
        progress: None,
    };
    if session.plan.checksums.is_some() && session.udf.is_some() {
        let mut system_area = vec![0u8; 16 * BLOCK_SIZE];
        session.read_plain(0, &mut system_area)?;
        // The read above encoded the descriptors ahead, unsealed, and may
        // have given the encoder's thread a share of the plan.
        session.meta.forget();
        Arc::get_mut(&mut session.plan)
            .expect("no encoder holds the plan once forgotten")
            .reseal_superblock_tag(&system_area);
    }
    Ok(session)
}

/// Gives the root the array location that makes the planner record
/// checksums, unless it has one (the planner rewrites its value); copies
/// the tree only when it is shared.
fn mark_for_checksums(tree: &mut Arc<Tree>) {
    use super::iso9660::susp;
    let root = tree.root();
    let extra = tree.extra_su(root).unwrap_or_default();
    if susp::array_location(extra).is_some() {
        return;
    }
    let placeholder = checksum::ArrayLocation {
        start: 0,
        end: 0,
        count: 2,
    }
    .encode();
    let marked = [extra, &susp::checksum_root(&placeholder)].concat();
    Arc::make_mut(tree).set_extra_su(root, Some(marked.into()));
}

/// On random-write media the UDF bridge's recognition sequence (after the
/// descriptors at 16) and anchor (at 256) are rewritten as the commit,
/// over whatever the first session had there. A file kept from an earlier
/// session whose data lies there (a first session by another writer)
/// would be overwritten: refused.
pub(crate) fn refuse_data_under_udf_anchors(tree: &Tree) -> Result<()> {
    let fixed = [16..24u32, UdfAreas::ANCHOR..UdfAreas::ANCHOR + 1];
    for (id, _) in tree.walk() {
        let Kind::File(FileData {
            content: Content::OnMedium(extents),
            ..
        }) = &tree.node(id).kind
        else {
            continue;
        };
        for e in extents.iter().filter(|e| e.len > 0) {
            let end = e.lba as u64 + (e.len as u64).div_ceil(BLOCK_SIZE as u64);
            if fixed
                .iter()
                .any(|r| (e.lba as u64) < r.end as u64 && end > r.start as u64)
            {
                return Err(Error::new(
                    MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION,
                    format!(
                        "{}: its data (blocks {}..{end}) lies where the UDF bridge's anchors go on this overwritable medium",
                        tree.path_of(id),
                        e.lba
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The file being read: index into the plan's files, reader, bytes consumed.
struct Open {
    index: usize,
    reader: Box<dyn Read + Send>,
    pos: u64,
    /// [`Source::short_read_is_end`] of the source.
    short_read_is_end: bool,
}

/// A built session. Descriptors and path tables are held in memory;
/// directories are encoded one at a time as their blocks are asked for and
/// file data is read from the sources (sequential reading is cheap; going
/// back reopens a source).
pub struct Session {
    start: u32,
    /// Shared with the thread that encodes metadata beside the caller's.
    plan: Arc<Plan>,
    anchor: Option<Vec<u8>>,
    /// The UDF volume of a bridge session (shared like `plan`).
    udf: Option<Arc<Volume>>,
    /// The blocks before the file data, encoded as read.
    meta: MetaBlocks,
    open: Option<Open>,
    /// Small local files read on a second thread ahead of `open`.
    ahead: ReadAhead,
    /// The buffer of a file's last read, one byte longer than what is
    /// left (see [`read_exactly`]); kept to spare an allocation per file.
    tail: Vec<u8>,
    md5: Md5Run,
    /// The image's `DFileSystemImageEvents` sink, told as file data is copied.
    progress: Option<super::BuildHook>,
}

/// The session checksum, computed as the session is read in order (the
/// array and the tag depend on every block before them). A reader that
/// jumps ahead gets them anyway: the blocks not yet hashed are read once
/// more, then the result is kept.
#[derive(Default)]
struct Md5Run {
    ctx: Md5,
    /// Relative blocks `0..hashed` are in `ctx`.
    hashed: u32,
    /// The new file being hashed (index into the plan's files).
    file: Option<(usize, Md5)>,
    /// Each new file's MD5 once its last byte was hashed.
    files: Vec<[u8; 16]>,
    /// The tree tag block, once known.
    tree_tag: Option<Vec<u8>>,
    /// The array blocks and the tag block, once known.
    sealed: Option<Vec<u8>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("start", &self.start)
            .field("total_blocks", &self.plan.total_blocks)
            .field("new_files", &self.plan.files.len())
            .finish()
    }
}

/// The source and size of the plan's new file `index`.
fn source_of(plan: &Plan, index: usize) -> (&Source, u64) {
    let file = &plan.files[index];
    match &plan.tree().node(file.node).kind {
        Kind::File(FileData {
            content: Content::New(source),
            size,
        }) => (source, *size),
        _ => unreachable!("planned new file is not a new file"),
    }
}

fn stream_error(code: i32, path: &str, detail: String) -> Error {
    Error::new(code, format!("{path}: {detail}"))
}

impl Session {
    /// Blocks before the first new file's data (system area and metadata).
    pub fn metadata_blocks(&self) -> u32 {
        self.plan.data_start
    }

    /// Number of new files whose data the session carries.
    pub fn new_files(&self) -> usize {
        self.plan.files.len()
    }

    fn source_of(&self, index: usize) -> (&Source, u64) {
        source_of(&self.plan, index)
    }

    /// Sends the file-copy events to `hook` from now on (see
    /// [`BuildProgress`](super::BuildProgress) for when).
    pub fn set_progress(&mut self, hook: Option<super::BuildHook>) {
        self.progress = hook;
    }

    /// The event due after bytes `offset..end` of file `index` were copied
    /// (`offset == end == 0`: before its first sector), if any: at the
    /// start, at each MiB crossed, at the end.
    fn report_copy(&self, index: usize, offset: u64, end: u64) -> Result<()> {
        const MIB: u64 = 1 << 20;
        let Some(hook) = &self.progress else {
            return Ok(());
        };
        let size = self.source_of(index).1;
        let copied = if end == 0 {
            0
        } else if end >= size {
            size
        } else if end / MIB > offset / MIB {
            end / MIB * MIB
        } else {
            return Ok(());
        };
        let sectors =
            |bytes: u64| u32::try_from(bytes.div_ceil(BLOCK_SIZE as u64)).unwrap_or(u32::MAX);
        let path = self.plan.tree().path_of(self.plan.files[index].node);
        let event = super::BuildProgress {
            current_file: &path,
            copied_sectors: sectors(copied),
            total_sectors: sectors(size),
        };
        match hook(&event) {
            super::Flow::Continue => Ok(()),
            super::Flow::Cancel => Err(Error::cancelled(format_args!(
                "by the progress callback copying {path} ({} of {} sectors)",
                event.copied_sectors, event.total_sectors
            ))),
        }
    }

    /// Copies `out.len()` bytes of file `index` from byte `offset`.
    fn file_bytes(&mut self, index: usize, offset: u64, out: &mut [u8]) -> Result<()> {
        if offset == 0 {
            self.report_copy(index, 0, 0)?;
        }
        self.copy_file_bytes(index, offset, out)?;
        self.report_copy(index, offset, offset + out.len() as u64)
    }

    fn copy_file_bytes(&mut self, index: usize, offset: u64, out: &mut [u8]) -> Result<()> {
        let reuse = matches!(&self.open, Some(o) if o.index == index && o.pos <= offset);
        if !reuse {
            self.read_ahead_from(index);
            let taken = self.ahead.take(index);
            let (source, _) = self.source_of(index);
            let short_read_is_end = source.short_read_is_end();
            let path = || self.plan.tree().path_of(self.plan.files[index].node);
            let reader: Box<dyn Read + Send> = match taken {
                Take::Read(data) => Box::new(std::io::Cursor::new(data)),
                Take::InLine => source.open().map_err(|e| {
                    stream_error(
                        MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE,
                        &path(),
                        e.to_string(),
                    )
                })?,
            };
            self.open = Some(Open {
                index,
                reader,
                pos: 0,
                short_read_is_end,
            });
        }
        let path = || self.plan.tree().path_of(self.plan.files[index].node);
        let size = self.source_of(index).1;
        let mut open = self.open.take().expect("opened above");
        let result = read_exactly(&mut open, offset, out, size, &mut self.tail);
        match result {
            Ok(done) => {
                if !done {
                    self.open = Some(open);
                }
                Ok(())
            }
            Err((code, detail)) => Err(stream_error(code, &path(), detail)),
        }
    }

    /// Queues the next window of small local files for reading ahead,
    /// once the caller at file `index` has passed the middle of the last.
    fn read_ahead_from(&mut self, index: usize) {
        let Some(from) = self.ahead.wants(index) else {
            return;
        };
        let plan = &self.plan;
        let candidates = (from.start..plan.files.len()).map(|i| {
            let (source, size) = source_of(plan, i);
            (i, source.clone(), size)
        });
        self.ahead.queue(candidates);
    }

    fn meta_bytes(&mut self, block: u32, out: &mut [u8]) -> Result<()> {
        let src = Planned {
            plan: &self.plan,
            udf: self.udf.as_ref(),
        };
        self.meta.block(src, block, out)
    }
}

/// Reads `out.len()` bytes at `offset` of a source of `size` bytes;
/// `Ok(true)` when the source was read to its end (and checked to end
/// there).
///
/// The end is checked with a read that must find nothing, except for
/// sources whose short reads mean the end: their last read asks for one
/// byte more than is left (through `tail`), and coming back short it has
/// found the end already. For 100,000 small files that is 100,000 read
/// calls fewer, as many as tar makes.
fn read_exactly(
    open: &mut Open,
    offset: u64,
    out: &mut [u8],
    size: u64,
    tail: &mut Vec<u8>,
) -> std::result::Result<bool, (i32, String)> {
    let fail = |e: std::io::Error| (MS_IMAPI_E_DATA_STREAM_READ_FAILURE, e.to_string());
    let short = |pos: u64| {
        (
            MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
            format!("the source ended after {pos} of {size} bytes"),
        )
    };
    if open.pos < offset {
        let skipped = std::io::copy(
            &mut (&mut open.reader).take(offset - open.pos),
            &mut std::io::sink(),
        )
        .map_err(fail)?;
        open.pos += skipped;
        if open.pos < offset {
            return Err(short(open.pos));
        }
    }
    let more = || {
        (
            MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
            format!("the source has more than the {size} bytes announced"),
        )
    };
    let mut filled = 0;
    while filled < out.len() {
        let left = out.len() - filled;
        let last = open.short_read_is_end && open.pos + left as u64 == size;
        let read = if last {
            tail.resize(left + 1, 0);
            open.reader.read(tail)
        } else {
            open.reader.read(&mut out[filled..])
        };
        match read {
            Ok(0) => return Err(short(open.pos)),
            Ok(n) if n > left => return Err(more()),
            Ok(n) => {
                if last {
                    out[filled..filled + n].copy_from_slice(&tail[..n]);
                }
                filled += n;
                open.pos += n as u64;
                if last && n == left {
                    return Ok(true);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(fail(e)),
        }
    }
    if open.pos < size {
        return Ok(false);
    }
    let mut probe = [0u8; 1];
    loop {
        match open.reader.read(&mut probe) {
            Ok(0) => return Ok(true),
            Ok(_) => return Err(more()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(fail(e)),
        }
    }
}

impl SessionStream for Session {
    fn start_block(&self) -> u32 {
        self.start
    }

    fn total_blocks(&self) -> u32 {
        self.plan.total_blocks
    }

    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        self.check_request(first, buf)?;
        self.read_plain(first, buf)?;
        let Some(c) = self.plan.checksums else {
            return Ok(());
        };
        let count = (buf.len() / BLOCK_SIZE) as u32;
        if (first..first + count).contains(&c.tree_tag) {
            let at = (c.tree_tag - first) as usize * BLOCK_SIZE;
            let tag = self.tree_tag()?;
            buf[at..at + BLOCK_SIZE].copy_from_slice(&tag);
        }
        let hashed = self.md5.hashed;
        if self.md5.sealed.is_none() && (first..first + count).contains(&hashed) {
            let to = (first + count).min(c.array);
            if hashed < to {
                let from = (hashed - first) as usize * BLOCK_SIZE;
                self.hash(&buf[from..(to - first) as usize * BLOCK_SIZE]);
            }
        }
        if first + count <= c.array {
            return Ok(());
        }
        let sealed = self.seal()?;
        let lo = first.max(c.array);
        let hi = (first + count).min(c.tag + 1);
        if lo < hi {
            let src = (lo - c.array) as usize * BLOCK_SIZE..(hi - c.array) as usize * BLOCK_SIZE;
            let dst = (lo - first) as usize * BLOCK_SIZE;
            buf[dst..dst + src.len()].copy_from_slice(&sealed[src]);
        }
        Ok(())
    }

    fn anchor(&self) -> Option<Anchor> {
        self.anchor.as_ref().map(|a| Anchor {
            lba: 16,
            blocks: (a.len() / BLOCK_SIZE) as u32,
        })
    }

    fn second_anchor(&self) -> Option<Anchor> {
        (self.anchor.is_some() && self.udf.is_some()).then_some(Anchor {
            lba: UdfAreas::ANCHOR,
            blocks: 1,
        })
    }

    fn read_second_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        let Some(udf) = self.udf.as_ref().filter(|_| self.anchor.is_some()) else {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                "this session has no second anchor",
            ));
        };
        if buf.len() != BLOCK_SIZE {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "second anchor buffer of {} bytes, {BLOCK_SIZE} needed",
                    buf.len()
                ),
            ));
        }
        buf.copy_from_slice(&udf.anchor_block());
        Ok(())
    }

    fn read_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        let anchor = self.anchor.as_ref().ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                "this session has no anchor blocks",
            )
        })?;
        if buf.len() != anchor.len() {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "anchor buffer of {} bytes, {} needed",
                    buf.len(),
                    anchor.len()
                ),
            ));
        }
        buf.copy_from_slice(anchor);
        Ok(())
    }
}

impl Session {
    /// The checksum array and the session tag (their blocks back to back),
    /// hashing first whatever blocks before the array were not read in
    /// order.
    fn seal(&mut self) -> Result<Vec<u8>> {
        let c = self.plan.checksums.expect("a session with checksums");
        if let Some(sealed) = &self.md5.sealed {
            return Ok(sealed.clone());
        }
        self.hash_up_to(c.array)?;
        let session = self.md5.ctx.clone().finish();
        let mut sealed = checksum::encode_array(&session, &self.md5.files);
        sealed.resize(c.location.blocks() as usize * BLOCK_SIZE, 0);
        let mut through_array = self.md5.ctx.clone();
        through_array.update(&sealed);
        sealed.extend(
            Tag {
                kind: TagKind::Session,
                pos: self.start + c.tag,
                range_start: self.start,
                range_size: c.tag,
                next: None,
                md5: through_array.finish(),
            }
            .encode(),
        );
        self.md5.sealed = Some(sealed.clone());
        Ok(sealed)
    }

    /// Hashes the blocks from where hashing stands up to `limit`, reading
    /// them again.
    fn hash_up_to(&mut self, limit: u32) -> Result<()> {
        let c = self.plan.checksums.expect("a session with checksums");
        let mut chunk = vec![0u8; 32 * BLOCK_SIZE];
        while self.md5.hashed < limit {
            let at = self.md5.hashed;
            if at == c.tree_tag {
                let tag = self.tree_tag()?;
                self.hash(&tag);
                continue;
            }
            // Chunks stop before the tree tag, which `read_plain` leaves zero.
            let stop = if at < c.tree_tag { c.tree_tag } else { limit };
            let n = (stop.min(limit) - at).min(32);
            let part = &mut chunk[..n as usize * BLOCK_SIZE];
            self.read_plain(at, part)?;
            self.hash(part);
        }
        Ok(())
    }

    /// The tree tag block: the MD5 of every block before it (descriptors,
    /// superblock tag, path tables, directories): metadata only, cheap to
    /// read again.
    fn tree_tag(&mut self) -> Result<Vec<u8>> {
        let c = self.plan.checksums.expect("a session with checksums");
        if let Some(tag) = &self.md5.tree_tag {
            return Ok(tag.clone());
        }
        self.hash_up_to(c.tree_tag)?;
        let tag = Tag {
            kind: TagKind::Tree,
            pos: self.start + c.tree_tag,
            range_start: self.start,
            range_size: c.tree_tag,
            next: Some(self.start + c.tag),
            md5: self.md5.ctx.clone().finish(),
        }
        .encode();
        self.md5.tree_tag = Some(tag.clone());
        Ok(tag)
    }

    /// Hashes `blocks`, the next ones in order, into the session's MD5 and
    /// the MD5s of the new files they hold.
    fn hash(&mut self, blocks: &[u8]) {
        let bs = BLOCK_SIZE as u64;
        let run = &mut self.md5;
        let first = run.hashed as u64 * bs;
        let end = first + blocks.len() as u64;
        run.ctx.update(blocks);
        run.hashed += (blocks.len() / BLOCK_SIZE) as u32;
        let plan = &self.plan;
        let files = &plan.files;
        let mut i = files.partition_point(|f| f.first as u64 * bs + plan.size_of(f) <= first);
        while let Some(f) = files.get(i) {
            let (lo, hi) = (f.first as u64 * bs, f.first as u64 * bs + plan.size_of(f));
            if lo >= end {
                break;
            }
            let (from, to) = (lo.max(first), hi.min(end));
            if !matches!(&run.file, Some((k, _)) if *k == i) {
                run.file = Some((i, Md5::new()));
            }
            let (_, ctx) = run.file.as_mut().expect("set above");
            ctx.update(&blocks[(from - first) as usize..(to - first) as usize]);
            if to == hi {
                let (_, ctx) = run.file.take().expect("set above");
                debug_assert_eq!(run.files.len(), i, "new files hashed out of order");
                run.files.push(ctx.finish());
            }
            i += 1;
        }
    }

    fn check_request(&self, first: u32, buf: &[u8]) -> Result<()> {
        if buf.len() % BLOCK_SIZE != 0 {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("buffer of {} bytes is not whole blocks", buf.len()),
            ));
        }
        let count = (buf.len() / BLOCK_SIZE) as u64;
        if first as u64 + count > self.plan.total_blocks as u64 {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "blocks {first}..{} asked of a session of {}",
                    first as u64 + count,
                    self.plan.total_blocks
                ),
            ));
        }
        Ok(())
    }

    /// The blocks as laid out, the checksum blocks still zero.
    fn read_plain(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        self.read_laid_out(first, buf)?;
        // The closing UDF anchor, after the data and the checksums.
        if let (Some(v), Some(areas)) = (&self.udf, self.plan.udf) {
            let count = (buf.len() / BLOCK_SIZE) as u32;
            if (first..first + count).contains(&areas.end_anchor) {
                let at = (areas.end_anchor - first) as usize * BLOCK_SIZE;
                self.meta.udf_block(
                    &self.plan,
                    v,
                    areas.end_anchor,
                    &mut buf[at..at + BLOCK_SIZE],
                )?;
            }
        }
        Ok(())
    }

    fn read_laid_out(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        let bs = BLOCK_SIZE as u64;
        let data_start = self.plan.data_start as u64 * bs;
        let mut at = first as u64 * bs; // byte position in the session
        let mut out = &mut buf[..];
        while !out.is_empty() {
            if at < data_start {
                let (block, rest) = std::mem::take(&mut out).split_at_mut(BLOCK_SIZE);
                self.meta_bytes((at / bs) as u32, block)?;
                out = rest;
                at += bs;
                continue;
            }
            // The file whose block range holds `at`, if any.
            let block = (at / bs) as u32;
            let files = &self.plan.files;
            let idx = files.partition_point(|f| f.first <= block);
            let hit = idx.checked_sub(1).and_then(|i| {
                let f = &files[i];
                let start = f.first as u64 * bs;
                let size = self.plan.size_of(f);
                (at < start + size.div_ceil(bs) * bs).then_some((i, start, size))
            });
            let next = files
                .get(idx)
                .map(|f| f.first as u64 * bs)
                .unwrap_or(u64::MAX);
            match hit {
                Some((i, start, size)) => {
                    let offset = at - start;
                    let span_end = start + size.div_ceil(bs) * bs;
                    let n = (span_end - at).min(out.len() as u64) as usize;
                    let data = size.saturating_sub(offset).min(n as u64) as usize;
                    let (chunk, rest) = std::mem::take(&mut out).split_at_mut(n);
                    self.file_bytes(i, offset, &mut chunk[..data])?;
                    chunk[data..].fill(0);
                    out = rest;
                    at += n as u64;
                }
                None => {
                    // Alignment gaps and padding.
                    let n = (next - at).min(out.len() as u64) as usize;
                    let (chunk, rest) = std::mem::take(&mut out).split_at_mut(n);
                    chunk.fill(0);
                    out = rest;
                    at += n as u64;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsi::iso9660::checksum::{ArrayLocation, ENTRY};
    use crate::fsi::iso9660::susp;
    use crate::fsi::tree::{Attrs, DataSource, OnceReader};
    use crate::fsi::BlockSource;

    /// A source that can be opened again: `size` bytes from `seed`.
    #[derive(Debug)]
    struct Pattern(u64, u8);
    impl DataSource for Pattern {
        fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
            let (size, seed) = (self.0, self.1);
            let bytes: Vec<u8> = (0..size).map(|i| (i % 253) as u8 ^ seed).collect();
            Ok(Box::new(std::io::Cursor::new(bytes)))
        }
    }

    /// A regular-file-like source: short reads only at the end, and every
    /// read call counted.
    #[derive(Debug)]
    struct FileLike {
        bytes: Vec<u8>,
        reads: Arc<std::sync::atomic::AtomicUsize>,
    }
    impl DataSource for FileLike {
        fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
            struct Counted(
                std::io::Cursor<Vec<u8>>,
                Arc<std::sync::atomic::AtomicUsize>,
            );
            impl Read for Counted {
                fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                    self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.0.read(buf)
                }
            }
            let cursor = std::io::Cursor::new(self.bytes.clone());
            Ok(Box::new(Counted(cursor, Arc::clone(&self.reads))))
        }
        fn short_read_is_end(&self) -> bool {
            true
        }
    }

    /// A session of one file announced as `announced` bytes holding
    /// `actual`, read whole: the result and the source's read calls.
    fn file_like_session(announced: u64, actual: usize) -> (Result<Vec<u8>>, usize) {
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let source = FileLike {
            bytes: (0..actual).map(|i| i as u8).collect(),
            reads: Arc::clone(&reads),
        };
        let mut t = Tree::new();
        t.add_file("/f", announced, Arc::new(source), Attrs::file(), false)
            .unwrap();
        let mut s = build(t, &BuildOptions::default()).unwrap();
        let mut out = vec![0u8; s.total_blocks() as usize * BLOCK_SIZE];
        let result = s.read_blocks(0, &mut out).map(|()| out);
        (result, reads.load(std::sync::atomic::Ordering::Relaxed))
    }

    #[test]
    fn a_regular_file_is_read_with_one_call_and_still_checked_to_end_where_announced() {
        let (image, reads) = file_like_session(3000, 3000);
        let image = image.unwrap();
        let expected: Vec<u8> = (0..3000).map(|i| i as u8).collect();
        assert!(image.windows(3000).any(|w| w == expected.as_slice()));
        assert_eq!(reads, 1);
        for (announced, actual) in [(3000, 3001), (3000, 2999), (3000, 0)] {
            let (result, _) = file_like_session(announced, actual);
            let e = result.unwrap_err();
            assert_eq!(
                e.code(),
                MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
                "{actual}: {e}"
            );
        }
    }

    /// The bytes of `sizes.len()` files of those sizes under `/d`, the
    /// copy events, and whether files were read ahead: as local files
    /// (`local`, announced as `announced` where given), or as the same
    /// bytes from a file-like source in memory, which only the caller's
    /// thread reads.
    #[allow(clippy::type_complexity)]
    fn session_of_files(
        sizes: &[usize],
        local: bool,
        announced: Option<&[u64]>,
    ) -> (Result<Vec<u8>>, Vec<(String, u32)>, bool) {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Tree::new();
        t.mkdir("/d").unwrap();
        for (i, &size) in sizes.iter().enumerate() {
            let bytes: Vec<u8> = (0..size).map(|b| (b % 251) as u8 ^ i as u8).collect();
            let source: Arc<dyn DataSource> = match local {
                true => {
                    let path = dir.path().join(format!("f{i}"));
                    std::fs::write(&path, &bytes).unwrap();
                    Arc::new(crate::fsi::data_source::LocalFile(path))
                }
                false => Arc::new(FileLike {
                    bytes,
                    reads: Arc::default(),
                }),
            };
            let size = announced.map_or(size as u64, |a| a[i]);
            t.add_file(&format!("/d/f{i:04}"), size, source, Attrs::file(), false)
                .unwrap();
        }
        // One fixed time: two builds a second apart date their descriptors
        // apart, and the two sessions compared would differ by that alone.
        let options = BuildOptions {
            time: Some(0),
            ..Default::default()
        };
        let mut s = build(t, &options).unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        s.set_progress(Some(Arc::new(move |p: &crate::fsi::BuildProgress<'_>| {
            let event = (p.current_file.to_string(), p.copied_sectors);
            log.lock().unwrap().push(event);
            crate::fsi::Flow::Continue
        })));
        // As a write reads: 32 blocks at a time.
        let total = s.total_blocks();
        let mut out = vec![0u8; total as usize * BLOCK_SIZE];
        let mut result = Ok(());
        for at in (0..total).step_by(32) {
            let n = 32.min(total - at) as usize;
            let a = at as usize * BLOCK_SIZE;
            result = s.read_blocks(at, &mut out[a..a + n * BLOCK_SIZE]);
            if result.is_err() {
                break;
            }
        }
        let events = seen.lock().unwrap().clone();
        (result.map(|()| out), events, s.ahead.started())
    }

    #[test]
    fn local_files_read_ahead_give_the_session_and_events_the_callers_own_reads_give() {
        // Small ones read ahead, one too large for that, and empty ones.
        let mut sizes: Vec<usize> = (0..600).map(|i| (i * 7919) % 5000).collect();
        sizes[300] = super::super::read_ahead::SMALL_FILE as usize + 4096;
        let (ahead, ahead_events, started) = session_of_files(&sizes, true, None);
        let (in_line, in_line_events, in_line_started) = session_of_files(&sizes, false, None);
        assert!(started && !in_line_started);
        assert!(ahead.unwrap() == in_line.unwrap(), "the same bytes");
        assert_eq!(ahead_events, in_line_events);
        assert!(ahead_events.len() > sizes.len(), "events of every file");
    }

    #[test]
    fn a_local_file_not_of_its_announced_size_fails_the_session_as_it_does_in_line() {
        let sizes = vec![3000; 400];
        for (at, actual) in [(0, 2999), (250, 3001), (399, 0)] {
            let mut announced = vec![3000u64; 400];
            let mut real = sizes.clone();
            real[at] = actual;
            announced[at] = 3000;
            let (ahead, events, _) = session_of_files(&real, true, Some(&announced));
            let (in_line, in_line_events, _) = session_of_files(&real, false, Some(&announced));
            let (e, in_line_e) = (ahead.unwrap_err(), in_line.unwrap_err());
            assert_eq!(e.code(), MS_IMAPI_E_DATA_STREAM_INCONSISTENCY, "{e}");
            assert_eq!(e.to_string(), in_line_e.to_string());
            assert_eq!(events, in_line_events, "events up to file {at}");
        }
    }

    /// The imported disc's root: an AAIP list naming an array location, as
    /// xorriso `-md5 on` leaves it (after an `ER` for AAIP).
    fn root_with_array_location() -> Box<[u8]> {
        let value = ArrayLocation {
            start: 32,
            end: 90,
            count: 5,
        }
        .encode();
        let mut al = vec![
            b'A',
            b'L',
            0,
            1,
            0,
            0,
            3,
            4,
            b'c',
            b'a',
            0,
            value.len() as u8,
        ];
        al.extend_from_slice(&value);
        al[2] = al.len() as u8;
        al.into()
    }

    /// A tree of files of several sizes (one empty) and a directory.
    fn tree(checksums: bool) -> Tree {
        let mut t = Tree::new();
        t.mkdir("/d").unwrap();
        for (i, size) in [5_000u64, 0, 2048, 70_001, 1].into_iter().enumerate() {
            let source = Arc::new(Pattern(size, i as u8));
            t.add_file(&format!("/d/f{i}"), size, source, Attrs::file(), false)
                .unwrap();
        }
        if checksums {
            let root = t.root();
            t.set_extra_su(root, Some(root_with_array_location()));
        }
        t
    }

    fn built(checksums: bool, start: u32) -> Session {
        let options = BuildOptions {
            start_block: start,
            time: Some(0),
            write_unit: 16,
            ..Default::default()
        };
        build(tree(checksums), &options).unwrap()
    }

    fn in_order(s: &mut Session, step: u32) -> Vec<u8> {
        in_order_over(s, step, 0)
    }

    /// As [`in_order`], into a buffer holding `stale` bytes before each
    /// read.
    fn in_order_over(s: &mut Session, step: u32, stale: u8) -> Vec<u8> {
        let total = s.total_blocks();
        let mut out = vec![0u8; total as usize * BLOCK_SIZE];
        let mut at = 0;
        while at < total {
            let n = step.min(total - at) as usize;
            let a = at as usize * BLOCK_SIZE;
            let buf = &mut out[a..a + n * BLOCK_SIZE];
            buf.fill(stale);
            s.read_blocks(at, buf).unwrap();
            at += n as u32;
        }
        out
    }

    /// The writer refills its batches without zeroing them
    /// (`burn::write_behind::Batch`): a byte a read left alone would reach
    /// the disc as whatever the batch held before.
    #[test]
    fn a_read_writes_every_byte_of_its_buffer() {
        let local = tempfile::tempdir().unwrap();
        let local_tree = || {
            let mut t = Tree::new();
            t.set_file_systems(FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF);
            t.mkdir("/d").unwrap();
            for (i, size) in [5_000usize, 0, 2048, 70_001, 1].into_iter().enumerate() {
                let path = local.path().join(format!("f{i}"));
                std::fs::write(&path, vec![i as u8 + 1; size]).unwrap();
                t.add_local_file(&format!("/d/f{i}"), &path, false).unwrap();
            }
            t
        };
        let options = BuildOptions {
            start_block: 100,
            time: Some(0),
            write_unit: 16,
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
            ..Default::default()
        };
        for step in [1, 7, 32] {
            for checksums in [false, true] {
                let zeroed = in_order(&mut built(checksums, 100), step);
                let stale = in_order_over(&mut built(checksums, 100), step, 0xA5);
                assert!(zeroed == stale, "checksums {checksums}, step {step}");
            }
            let zeroed = in_order(&mut build(local_tree(), &options).unwrap(), step);
            let mut s = build(local_tree(), &options).unwrap();
            let stale = in_order_over(&mut s, step, 0xA5);
            assert!(zeroed == stale, "local files with UDF, step {step}");
        }
    }

    /// The copy events of `/d/f3` (70,001 bytes, 35 sectors) and the
    /// others, read 7 blocks at a time; the hook cancels when `cancel_at`
    /// sectors of `/d/f3` were copied.
    fn copy_events(cancel_at: Option<u32>) -> (Vec<(String, u32, u32)>, Result<()>) {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let mut s = built(false, 0);
        s.set_progress(Some(Arc::new(move |p: &crate::fsi::BuildProgress<'_>| {
            log.lock().unwrap().push((
                p.current_file.to_string(),
                p.copied_sectors,
                p.total_sectors,
            ));
            match cancel_at {
                Some(at) if p.current_file == "/d/f3" && p.copied_sectors >= at => {
                    crate::fsi::Flow::Cancel
                }
                _ => crate::fsi::Flow::Continue,
            }
        })));
        let total = s.total_blocks();
        let mut buf = vec![0u8; 7 * BLOCK_SIZE];
        let mut result = Ok(());
        let mut at = 0;
        while at < total && result.is_ok() {
            let n = 7.min(total - at);
            result = s.read_blocks(at, &mut buf[..n as usize * BLOCK_SIZE]);
            at += n;
        }
        let events = seen.lock().unwrap().clone();
        (events, result)
    }

    #[test]
    fn each_new_file_reports_its_first_and_last_sector_and_a_cancel_fails_the_read() {
        let (events, result) = copy_events(None);
        result.unwrap();
        let f3: Vec<_> = events.iter().filter(|e| e.0 == "/d/f3").collect();
        // Under a MiB: before the first sector and after the last, no more.
        assert_eq!(
            f3.iter().map(|e| (e.1, e.2)).collect::<Vec<_>>(),
            [(0, 35), (35, 35)]
        );
        assert!(events
            .iter()
            .any(|e| e.0 == "/d/f4" && e.1 == 1 && e.2 == 1));
        assert!(
            !events.iter().any(|e| e.0 == "/d/f1"),
            "the empty file has no data to copy"
        );

        let (events, result) = copy_events(Some(0));
        let err = result.unwrap_err();
        assert_eq!(err.code(), crate::hresult::MS_E_IMAPI_REQUEST_CANCELLED);
        assert_eq!(
            events.last().map(|e| (e.0.as_str(), e.1)),
            Some(("/d/f3", 0))
        );
    }

    /// A session whose metadata spans several runs of the encoder's
    /// read-ahead, every other one encoded on the far encoder's thread.
    #[test]
    fn metadata_read_ahead_on_two_threads_gives_the_bytes_any_order_of_reads_gives() {
        use crate::fsi::iso9660::{descriptor, read};
        use crate::fsi::udf::testimg::Medium;
        let mut t = Tree::new();
        for d in 0..30 {
            t.mkdir(&format!("/dir{d:02}")).unwrap();
        }
        for i in 0..3000u64 {
            let path = format!("/dir{:02}/a file with a long name {i:05}.txt", i % 30);
            t.add_file(
                &path,
                i % 7,
                Arc::new(Pattern(i % 7, 1)),
                Attrs::file(),
                false,
            )
            .unwrap();
        }
        let options = BuildOptions {
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
            time: Some(0),
            ..Default::default()
        };
        let mut s = build(&t, &options).unwrap();
        let runs = s.metadata_blocks() / crate::fsi::meta_blocks::AHEAD_BLOCKS;
        assert!(runs >= 3, "{} blocks", s.metadata_blocks());
        let forward = in_order(&mut s, 7);
        // Backwards in steps that fall anywhere in the runs: every run
        // starts at another block, and its first block is the caller's.
        let mut s = build(&t, &options).unwrap();
        let total = s.total_blocks();
        let mut backward = vec![0u8; forward.len()];
        let mut end = total;
        while end > 0 {
            let at = end.saturating_sub(97);
            let bytes = &mut backward[at as usize * BLOCK_SIZE..end as usize * BLOCK_SIZE];
            s.read_blocks(at, bytes).unwrap();
            end = at;
        }
        assert!(backward == forward, "backward read differs");
        // Without the far encoder's thread, in order; and jumping two runs
        // ahead and back, past the run the far encoder was handed.
        let mut s = build(&t, &options).unwrap();
        s.meta = MetaBlocks::with_thread(false);
        assert!(in_order(&mut s, 7) == forward, "read on one thread differs");
        let mut s = build(&t, &options).unwrap();
        let run = crate::fsi::meta_blocks::AHEAD_BLOCKS;
        for at in [0, 2 * run + 5, run + 3, 5, 3 * run] {
            let mut bytes = vec![0u8; 9 * BLOCK_SIZE];
            s.read_blocks(at, &mut bytes).unwrap();
            let from = at as usize * BLOCK_SIZE;
            assert!(bytes == forward[from..from + bytes.len()], "at {at}");
        }
        // Both trees read back whole.
        let m = Medium {
            blocks: (0..total)
                .zip(forward.chunks(BLOCK_SIZE).map(<[u8]>::to_vec))
                .collect(),
            total,
        };
        let limits = read::ImportLimits::default();
        let (_, udf, _) = crate::fsi::udf::read::import(&m, 0, limits, false).unwrap();
        let root = descriptor::read_set(&m, 0).unwrap().primary.unwrap().root;
        let naming = match read::detect_rock_ridge(&m, root).unwrap() {
            Some(skip) => read::Naming::RockRidge { skip },
            None => read::Naming::Iso,
        };
        let iso = read::read_tree(&m, root, naming, limits).unwrap();
        for read_back in [&udf, &iso] {
            assert_eq!(read_back.len(), t.len());
            for (id, _) in t.walk() {
                let path = t.path_of(id);
                assert!(read_back.lookup(&path).is_ok(), "{path}");
            }
        }
    }

    /// A first UDF bridge keeps a copy of its file set descriptor in the
    /// system area, which the superblock tag covers: the tag is sealed
    /// after the build, and a read must give the sealed one whatever was
    /// encoded ahead before.
    #[test]
    fn the_superblock_tag_of_a_checksummed_bridge_covers_the_blocks_read_before_it() {
        let options = BuildOptions {
            file_systems: FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF,
            time: Some(0),
            ..Default::default()
        };
        let mut s = build(tree(true), &options).unwrap();
        let sb_tag = s.plan.checksums.unwrap().sb_tag;
        let bytes = in_order(&mut s, 5);
        assert!(bytes[..16 * BLOCK_SIZE].iter().any(|&b| b != 0));
        let at = sb_tag as usize * BLOCK_SIZE;
        let tag = Tag::parse(&bytes[at..at + BLOCK_SIZE]).expect("a superblock tag");
        assert_eq!(tag.kind, TagKind::Superblock);
        assert_eq!(
            (tag.pos, tag.range_start, tag.range_size),
            (sb_tag, 0, sb_tag)
        );
        assert_eq!(tag.md5, Md5::of(&bytes[..at]));
    }

    #[test]
    fn reading_a_checksummed_session_out_of_order_gives_the_in_order_bytes() {
        let whole = in_order(&mut built(true, 100), 3);
        // Backwards, one block at a time: the tag is asked for before any
        // block it covers was read.
        let mut s = built(true, 100);
        let total = s.total_blocks();
        let mut back = vec![0u8; whole.len()];
        for b in (0..total).rev() {
            let a = b as usize * BLOCK_SIZE;
            s.read_blocks(b, &mut back[a..a + BLOCK_SIZE]).unwrap();
        }
        assert!(back == whole, "backwards read differs");
        // Half in order, then a jump to the end, then the rest.
        let mut s = built(true, 100);
        let mut mixed = vec![0u8; whole.len()];
        let half = total / 2;
        s.read_blocks(0, &mut mixed[..half as usize * BLOCK_SIZE])
            .unwrap();
        let last = (total - 1) as usize * BLOCK_SIZE;
        s.read_blocks(total - 1, &mut mixed[last..]).unwrap();
        s.read_blocks(half, &mut mixed[half as usize * BLOCK_SIZE..last])
            .unwrap();
        assert!(mixed == whole, "mixed read differs");
        // The tree tag first, then everything in order.
        let mut s = built(true, 100);
        let tree_tag = s.plan.checksums.unwrap().tree_tag;
        let mut tag = vec![0u8; BLOCK_SIZE];
        s.read_blocks(tree_tag, &mut tag).unwrap();
        let at = tree_tag as usize * BLOCK_SIZE;
        assert!(tag == whole[at..at + BLOCK_SIZE], "tree tag differs");
        assert!(
            in_order(&mut s, 5) == whole,
            "read after the tree tag differs"
        );
    }

    #[test]
    fn the_checksums_cover_the_session_and_each_new_file_as_written() {
        let start = 100;
        let mut s = built(true, start);
        let bytes = in_order(&mut s, 7);
        let c = s.plan.checksums.expect("the root named an array");
        let block = |b: u32| &bytes[b as usize * BLOCK_SIZE..(b as usize + 1) * BLOCK_SIZE];
        let before = |b: u32| &bytes[..b as usize * BLOCK_SIZE];

        // Each tag covers the blocks before it and names the next one.
        for (at, kind, next) in [
            (c.sb_tag, TagKind::Superblock, Some(start + c.tree_tag)),
            (c.tree_tag, TagKind::Tree, Some(start + c.tag)),
        ] {
            let tag = Tag::parse(block(at)).expect("a tag whose self= holds");
            assert_eq!(
                tag,
                Tag {
                    kind,
                    pos: start + at,
                    range_start: start,
                    range_size: at,
                    next,
                    md5: Md5::of(before(at)),
                }
            );
        }
        assert!(c.sb_tag < c.tree_tag && c.tree_tag < s.plan.data_start);
        let tag = Tag::parse(block(c.tag)).expect("a tag whose self= holds");
        assert_eq!(
            tag,
            Tag {
                kind: TagKind::Session,
                pos: start + c.tag,
                range_start: start,
                range_size: c.tag,
                next: None,
                md5: Md5::of(before(c.tag)),
            }
        );
        let array = &bytes[c.array as usize * BLOCK_SIZE..c.tag as usize * BLOCK_SIZE];
        let entry = |i: usize| &array[i * ENTRY..(i + 1) * ENTRY];
        assert_eq!(entry(0), Md5::of(before(c.array)));
        // The four files with data, in data order.
        assert_eq!(s.plan.files.len(), 4);
        for (i, f) in s.plan.files.iter().enumerate() {
            let at = f.first as usize * BLOCK_SIZE;
            let data = &bytes[at..at + s.plan.size_of(f) as usize];
            assert_eq!(entry(i + 1), Md5::of(data), "file {i}");
        }
        assert_eq!(entry(5), Md5::of(&array[..5 * ENTRY]));

        // What the root's isofs.ca and each file's isofs.cx say, read back.
        struct Disc(Vec<u8>, u32);
        impl BlockSource for Disc {
            fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
                let at = (lba - self.1) as usize * BLOCK_SIZE;
                buf.copy_from_slice(&self.0[at..at + buf.len()]);
                Ok(())
            }
        }
        let imported =
            crate::fsi::import(&Disc(bytes.clone(), start), start, None, Default::default())
                .unwrap()
                .tree;
        let root = imported.extra_su(imported.root()).unwrap();
        let location = susp::array_location(root).and_then(|v| ArrayLocation::parse(&v));
        assert_eq!(
            location,
            Some(ArrayLocation {
                start,
                end: start + c.array,
                count: 6,
            })
        );
    }

    #[test]
    fn a_session_without_checksums_on_its_disc_records_none() {
        let mut plain = built(false, 100);
        assert!(plain.plan.checksums.is_none());
        let bytes = in_order(&mut plain, 16);
        assert!(bytes
            .chunks_exact(BLOCK_SIZE)
            .all(|b| Tag::parse(b).is_none()));
        // The same tree from a disc with checksums has its three tags.
        let mut with = built(true, 100);
        let bytes = in_order(&mut with, 16);
        let kinds: Vec<TagKind> = bytes
            .chunks_exact(BLOCK_SIZE)
            .filter_map(|b| Tag::parse(b).map(|t| t.kind))
            .collect();
        assert_eq!(
            kinds,
            [TagKind::Superblock, TagKind::Tree, TagKind::Session]
        );
    }

    #[test]
    fn session_checksums_are_recorded_on_request_without_touching_the_callers_tree() {
        let tree = Arc::new(tree(false));
        let options = BuildOptions {
            start_block: 100,
            time: Some(0),
            session_checksums: true,
            ..Default::default()
        };
        let mut forced = build(Arc::clone(&tree), &options).unwrap();
        assert!(forced.plan.checksums.is_some());
        assert!(tree.extra_su(tree.root()).is_none(), "copied, not edited");
        let bytes = in_order(&mut forced, 16);
        let kinds: Vec<TagKind> = bytes
            .chunks_exact(BLOCK_SIZE)
            .filter_map(|b| Tag::parse(b).map(|t| t.kind))
            .collect();
        assert_eq!(
            kinds,
            [TagKind::Superblock, TagKind::Tree, TagKind::Session]
        );
        // The root announces AAIP before its list, as readers require.
        let planned = forced.plan.tree();
        let root = planned.extra_su(planned.root()).unwrap();
        let er = root.windows(9).position(|w| w == b"AAIP_0200").unwrap();
        let al = root.windows(2).position(|w| w == b"AL").unwrap();
        assert!(er < al);
    }

    #[test]
    fn the_estimate_is_never_below_the_real_size() {
        let mut t = Tree::new();
        for d in 0..20 {
            t.mkdir(&format!("/dir{d}")).unwrap();
            for f in 0..24 {
                let name = format!("/dir{d}/{}{f}.bin", "long-name-".repeat(f));
                let source = Arc::new(OnceReader::new(Box::new(std::io::empty())));
                t.add_file(&name, f as u64 * 1000, source, Attrs::file(), false)
                    .unwrap();
            }
            t.add_symlink(&format!("/dir{d}/link"), &"x/".repeat(200), false)
                .unwrap();
        }
        // The second round as on a disc that keeps checksums.
        for checksums in [false, true] {
            if checksums {
                let root = t.root();
                t.set_extra_su(root, Some(root_with_array_location()));
            }
            let real = build(Arc::new(t.clone()), &BuildOptions::default())
                .unwrap()
                .total_blocks() as u64;
            let estimate = estimate_blocks(&t);
            assert!(estimate >= real, "estimate {estimate} < {real}");
            assert!(estimate < real * 2, "estimate {estimate} far above {real}");
        }
    }
}
