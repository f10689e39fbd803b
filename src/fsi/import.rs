//! Importing the previous session: which file systems a session holds,
//! which one to import, the import itself, and where sessions lie on
//! random-write media (which have no table of contents).

use std::sync::Arc;

use super::iso9660::descriptor::{self, BootRecord, DescriptorSet};
use super::iso9660::read::{self, ImportLimits, Naming};
use super::names::FileSystems;
use super::tree::{Content, Kind, Tree};
use super::udf;
use super::udf::incremental::UdfBase;
use super::{BlockSource, BLOCK_SIZE};
use crate::error::{Cause, Error, Result};
use crate::hresult::*;

/// What a session holds, as `IdentifyFileSystemsOnDisc` reports it plus
/// the details import needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    /// The file systems found, as the IMAPI bit set.
    pub file_systems: FileSystems,
    /// The ECMA-119 tree carries Rock Ridge.
    pub rock_ridge: bool,
    /// Where the session's volume descriptors are, for import to read them.
    pub descriptors: DescriptorSet,
    /// The UDF revision the logical volume records (0x0102, 0x0150,
    /// 0x0201, 0x0250, 0x0260); `None` without UDF, or when the UDF
    /// volume behind the recognition sequence cannot be read.
    pub udf_revision: Option<u16>,
}

/// Reads the descriptors of the session at `session_start`.
///
/// A session with nothing recognisable gives `FileSystems::NONE`
/// (`FsiFileSystemUnknown` when descriptors of another kind are there).
pub fn identify(src: &dyn BlockSource, session_start: u32) -> Result<Identified> {
    let set = descriptor::read_set(src, session_start)?;
    let mut fs = FileSystems::NONE;
    let mut rock_ridge = false;
    if let Some(p) = &set.primary {
        fs |= FileSystems::ISO9660;
        rock_ridge = read::detect_rock_ridge(src, p.root)?.is_some();
    }
    if set.joliet.is_some() {
        fs |= FileSystems::JOLIET;
    }
    let mut udf_revision = None;
    if set.udf {
        fs |= FileSystems::UDF;
        // Identification reports what is there; a damaged UDF volume is
        // still UDF (its import then says what is wrong).
        udf_revision = udf::read::identify(src, session_start, &ImportLimits::default())
            .ok()
            .flatten()
            .map(|info| info.revision);
    }
    if fs.is_empty() && set.other {
        fs = FileSystems::UNKNOWN;
    }
    Ok(Identified {
        file_systems: fs,
        rock_ridge,
        descriptors: set,
        udf_revision,
    })
}

/// `GetDefaultFileSystemForImport`: the one file system of `found` that
/// import uses, in IMAPI's order: UDF, then Joliet, then ISO 9660.
pub fn default_file_system_for_import(found: FileSystems) -> Result<FileSystems> {
    for fs in [FileSystems::UDF, FileSystems::JOLIET, FileSystems::ISO9660] {
        if found.contains(fs) {
            return Ok(fs);
        }
    }
    Err(Error::new(
        MS_IMAPI_E_INVALID_PARAM,
        format!(
            "file system mask {:#x} names no importable file system",
            found.bits()
        ),
    ))
}

/// A previous session, imported.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The imported directory tree, its files pointing at the medium.
    pub tree: Tree,
    /// The file system imported (one bit).
    pub file_system: FileSystems,
    /// Every file system the session holds.
    pub found: FileSystems,
    /// Names came from Rock Ridge.
    pub rock_ridge: bool,
    /// `ImportedVolumeName`: the Joliet volume name when there is one (it
    /// keeps case), else the primary one.
    pub volume_name: String,
    /// An El Torito boot record to carry into the next session.
    pub boot: Option<BootRecord>,
    /// First block of the imported session.
    pub session_start: u32,
    /// Volume space size the session's own primary descriptor records
    /// (for a UDF-only session: its blocks up to the end of its partitions).
    pub recorded_blocks: u32,
    /// UDF revision of the imported volume (UDF imports only).
    pub udf_revision: Option<u16>,
    /// Blocks of the UDF volume from the session start to the end of its
    /// partitions (UDF imports only; 0 otherwise).
    pub udf_end_blocks: u32,
    /// Things the caller should know that did not stop the import: in a
    /// bridge session, where the UDF tree and the ISO 9660 tree disagree.
    pub warnings: Vec<String>,
    /// What the next session can keep of the imported UDF metadata (a
    /// UDF 2.50+ volume this library wrote, imported as UDF for a next
    /// session, as `FileSystemImage` imports).
    pub udf_base: Option<Arc<UdfBase>>,
}

/// Imports the session at `session_start`: `file_system` picks one
/// (`None`: [`default_file_system_for_import`] of what is there).
///
/// Names follow the richest source: when the ECMA-119 tree has Rock Ridge
/// it is read with Rock Ridge names and attributes whichever of ISO 9660 or
/// Joliet was asked for (both trees name the same extents; Joliet has no
/// links and cuts names); without Rock Ridge, the Joliet or ECMA-119 tree
/// is read with its own names.
pub fn import(
    src: &dyn BlockSource,
    session_start: u32,
    file_system: Option<FileSystems>,
    limits: ImportLimits,
) -> Result<Imported> {
    import_with(src, session_start, file_system, limits, false)
}

/// [`import`]; with `base`, for a session built on it: a UDF 2.50 volume
/// this library wrote then also gives [`Imported::udf_base`].
pub(crate) fn import_with(
    src: &dyn BlockSource,
    session_start: u32,
    file_system: Option<FileSystems>,
    limits: ImportLimits,
    base: bool,
) -> Result<Imported> {
    let id = identify(src, session_start)?;
    let found = id.file_systems;
    refuse_no_file_system(src, session_start, found)?;
    let fs = chosen_file_system(session_start, file_system, found)?;
    if fs == FileSystems::UDF {
        let imported = import_udf(src, session_start, &id, limits, base)?;
        return match uncommitted_udf(&imported, id.descriptors.primary.as_ref()) {
            // Chosen by default, not asked for: the committed volume wins.
            Some(why) if file_system.is_none() => {
                let iso = if found.contains(FileSystems::JOLIET) {
                    FileSystems::JOLIET
                } else {
                    FileSystems::ISO9660
                };
                let mut older = import(src, session_start, Some(iso), limits)?;
                older.warnings.push(why);
                Ok(older)
            }
            _ => Ok(imported),
        };
    }
    import_iso(src, session_start, &id, fs, limits)
}

/// A session without a volume: a blank one (`Cause::Blank`, the append
/// is a first session) or another program's (`Cause::Unsupported`).
fn refuse_no_file_system(
    src: &dyn BlockSource,
    session_start: u32,
    found: FileSystems,
) -> Result<()> {
    if found.is_empty() || found == FileSystems::UNKNOWN {
        let mut block = vec![0u8; BLOCK_SIZE];
        let blank = src
            .read_blocks(session_start.saturating_add(16), &mut block)
            .is_ok()
            && block.iter().all(|&b| b == 0);
        return Err(if blank && found.is_empty() {
            Error::with_cause(
                MS_IMAPI_E_EMPTY_DISC,
                Cause::Blank,
                format!(
                    "no volume descriptors at block {}",
                    session_start as u64 + 16
                ),
            )
        } else {
            Error::with_cause(
                MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
                Cause::Unsupported,
                format!(
                    "the session at block {session_start} holds no ISO 9660, Joliet or UDF volume"
                ),
            )
        });
    }
    Ok(())
}

/// The one file system to import: the caller's, if the session has it.
fn chosen_file_system(
    session_start: u32,
    file_system: Option<FileSystems>,
    found: FileSystems,
) -> Result<FileSystems> {
    match file_system {
        Some(fs) => {
            if [FileSystems::ISO9660, FileSystems::JOLIET, FileSystems::UDF]
                .iter()
                .all(|&one| fs != one)
            {
                return Err(Error::new(
                    MS_IMAPI_E_INVALID_PARAM,
                    format!(
                        "import needs exactly one file system, not mask {:#x}",
                        fs.bits()
                    ),
                ));
            }
            if !found.contains(fs) {
                return Err(Error::new(
                    MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND,
                    format!(
                        "file system {:#x} is not in the session at block {session_start} (found {:#x})",
                        fs.bits(),
                        found.bits()
                    ),
                ));
            }
            Ok(fs)
        }
        None => default_file_system_for_import(found),
    }
}

/// Imports the ECMA-119 tree (with Rock Ridge names when it has them) or
/// the Joliet one as `fs` asks.
fn import_iso(
    src: &dyn BlockSource,
    session_start: u32,
    id: &Identified,
    fs: FileSystems,
    limits: ImportLimits,
) -> Result<Imported> {
    let set = &id.descriptors;
    let primary = set.primary.as_ref().ok_or_else(|| {
        Error::new(
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            format!("the session at block {session_start} has a Joliet but no primary descriptor"),
        )
    })?;
    let rr_skip = read::detect_rock_ridge(src, primary.root)?;
    let (root, naming) = match (rr_skip, fs) {
        (Some(skip), _) => (primary.root, Naming::RockRidge { skip }),
        (None, f) if f == FileSystems::JOLIET => (
            set.joliet.as_ref().map(|j| j.root).unwrap_or(primary.root),
            Naming::Joliet,
        ),
        (None, _) => (primary.root, Naming::Iso),
    };
    let tree = read::read_tree(src, root, naming, limits)?;
    let volume_name = set
        .joliet
        .as_ref()
        .map(|j| j.volume_id.clone())
        .unwrap_or_else(|| primary.volume_id.clone());
    if let (Some(boot), Some(blocks)) = (&set.boot, limits.medium_blocks) {
        if boot.catalog_lba >= blocks {
            return Err(Error::new(
                MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
                format!(
                    "El Torito catalog at block {} is beyond the medium's {blocks} blocks",
                    boot.catalog_lba
                ),
            ));
        }
    }
    Ok(Imported {
        tree,
        file_system: fs,
        found: id.file_systems,
        rock_ridge: rr_skip.is_some(),
        volume_name,
        boot: set.boot.clone(),
        session_start,
        recorded_blocks: primary.space_size,
        udf_revision: None,
        udf_end_blocks: 0,
        warnings: Vec::new(),
        udf_base: None,
    })
}

/// Imports the UDF volume of a session; in a bridge session the ISO 9660
/// tree is compared with it, so that a disc whose two trees disagree (a
/// writer that updated only one) says so. The quick walk
/// ([`udf::bridge::iso_tree_agrees`]) settles the common case; only when it
/// is not sure is the ISO 9660 tree read whole to name the differences.
fn import_udf(
    src: &dyn BlockSource,
    session_start: u32,
    id: &Identified,
    limits: ImportLimits,
    base: bool,
) -> Result<Imported> {
    let set = &id.descriptors;
    let rock_ridge = set.primary.as_ref().and_then(|p| {
        let skip = read::detect_rock_ridge(src, p.root).ok().flatten()?;
        Some((p.root, skip))
    });
    let read = if base {
        udf::read::import_for_next_session(src, session_start, limits, |src| {
            let (root, skip) = rock_ridge?;
            read::read_tree(src, root, Naming::RockRidge { skip }, limits).ok()
        })
    } else {
        udf::read::import(src, session_start, limits, false).map(|(info, tree, base)| {
            udf::read::ForNextSession {
                info,
                tree,
                base,
                from_iso: false,
            }
        })
    };
    let udf::read::ForNextSession {
        info,
        tree,
        base,
        from_iso,
    } = read.map_err(|e| {
        e.context(format!(
            "UDF volume of the session at block {session_start}"
        ))
    })?;
    let mut warnings = Vec::new();
    let recorded_blocks = match &set.primary {
        // The tree is the ISO 9660 one, matched to the UDF directories.
        Some(primary) if from_iso => primary.space_size,
        Some(primary) => {
            let (root, naming) = match (rock_ridge, &set.joliet) {
                (Some((root, skip)), _) => (root, Naming::RockRidge { skip }),
                (None, Some(j)) => (j.root, Naming::Joliet),
                (None, None) => (primary.root, Naming::Iso),
            };
            let agrees = udf::bridge::iso_tree_agrees(src, root, naming, &tree, &limits);
            match (!agrees).then(|| read::read_tree(src, root, naming, limits)) {
                None => {}
                Some(Ok(iso)) => {
                    let diffs = tree_differences(&tree, &iso, MAX_REPORTED_DIFFERENCES);
                    if !diffs.is_empty() {
                        warnings.push(format!(
                            "the UDF and ISO 9660 trees of the session at block {session_start} differ ({}); the UDF tree was imported",
                            diffs.join("; ")
                        ));
                    }
                }
                Some(Err(e)) => warnings.push(format!(
                    "the ISO 9660 tree of the session at block {session_start} could not be read ({e}); the UDF tree was imported"
                )),
            }
            primary.space_size
        }
        None => info.end_block.saturating_sub(session_start),
    };
    Ok(Imported {
        tree,
        file_system: FileSystems::UDF,
        found: id.file_systems,
        rock_ridge: false,
        volume_name: info.volume_id,
        boot: set.boot.clone(),
        session_start,
        recorded_blocks,
        udf_revision: Some(info.revision),
        udf_end_blocks: info.end_block.saturating_sub(session_start),
        warnings,
        udf_base: base.map(Arc::new),
    })
}

/// Reports the items of an imported `tree` to `hook` in depth-first order
/// (IMAPI's `UpdateImport`), with the totals counted first so that every
/// event carries them. Called after the session was read and before its
/// tree joins the image: a cancel leaves the image as it was.
pub(crate) fn report_import(
    tree: &Tree,
    file_system: FileSystems,
    hook: &super::ImportHook,
) -> Result<()> {
    let (total_directories, total_files) =
        tree.walk_named().skip(1).fold((0, 0), |(d, f), item| {
            if tree.node(item.0).is_dir() {
                (d + 1, f)
            } else {
                (d, f + 1)
            }
        });
    let (mut imported_directories, mut imported_files) = (0, 0);
    // The names of the current branch: each path in time linear in its depth.
    let mut branch: Vec<&str> = Vec::new();
    let mut path = String::new();
    for (id, depth, name) in tree.walk_named().skip(1) {
        branch.truncate(depth - 1);
        branch.push(name);
        path.clear();
        for part in &branch {
            path.push('/');
            path.push_str(part);
        }
        if tree.node(id).is_dir() {
            imported_directories += 1;
        } else {
            imported_files += 1;
        }
        let event = super::ImportProgress {
            file_system,
            current_item: &path,
            imported_directories,
            total_directories,
            imported_files,
            total_files,
        };
        if hook(&event) == super::Flow::Cancel {
            return Err(Error::cancelled(format_args!(
                "by the progress callback importing {path}; the image is unchanged"
            )));
        }
    }
    Ok(())
}

/// On random-write media a bridge session is committed twice: the UDF
/// anchor at 256 first, then the ISO 9660 descriptors at 16, which are the
/// commit point. A write interrupted between the two leaves a UDF anchor
/// for a volume the descriptors at 16 never committed; both trees are then
/// complete, but only the one at 16 is the disc's state. Such a UDF volume
/// reaches beyond the committed ISO 9660 volume (it describes the session
/// appended after it); one that ends within it (other writers end their
/// partition before the ISO volume's padding) is trusted.
fn uncommitted_udf(udf: &Imported, primary: Option<&descriptor::Volume>) -> Option<String> {
    let primary = primary?;
    let iso_end = u64::from(udf.session_start) + u64::from(primary.space_size);
    let udf_end = u64::from(udf.session_start) + u64::from(udf.udf_end_blocks);
    (udf.session_start == 0 && udf_end > iso_end).then(|| {
        format!(
            "the UDF volume ends at block {udf_end}, beyond the committed ISO 9660 volume's end at block {iso_end}: \
             an interrupted commit left its UDF anchor; the ISO 9660 tree was imported"
        )
    })
}

/// Differences named in a bridge warning before "and N more".
const MAX_REPORTED_DIFFERENCES: usize = 8;

/// Where two imported trees differ: entries only in one, different kinds,
/// sizes or extents. At most `max` are named, then a count of the rest.
pub fn tree_differences(a: &Tree, b: &Tree, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut more = 0usize;
    let mut note = |s: String, out: &mut Vec<String>| {
        if out.len() < max {
            out.push(s);
        } else {
            more += 1;
        }
    };
    let mut stack = vec![(a.root(), Some(b.root()))];
    while let Some((na, nb)) = stack.pop() {
        let Some(nb) = nb else { continue };
        let (ka, kb) = (&a.node(na).kind, &b.node(nb).kind);
        match (ka, kb) {
            (Kind::Dir(ca), Kind::Dir(cb)) => {
                for (name, child) in ca {
                    match cb.get(name) {
                        Some(other) => stack.push((child, Some(other))),
                        None => note(format!("{} only in UDF", a.path_of(child)), &mut out),
                    }
                }
                for (name, child) in cb {
                    if !ca.contains_key(name) {
                        note(format!("{} only in ISO 9660", b.path_of(child)), &mut out);
                    }
                }
            }
            (Kind::File(fa), Kind::File(fb)) => {
                if fa.size != fb.size {
                    note(
                        format!(
                            "{}: {} bytes in UDF, {} in ISO 9660",
                            a.path_of(na),
                            fa.size,
                            fb.size
                        ),
                        &mut out,
                    );
                } else if let (Content::OnMedium(ea), Content::OnMedium(eb)) =
                    (&fa.content, &fb.content)
                {
                    let first =
                        |e: &[super::tree::Extent]| e.iter().find(|x| x.len > 0).map(|x| x.lba);
                    if fa.size > 0 && first(ea) != first(eb) {
                        note(
                            format!("{}: different data extents", a.path_of(na)),
                            &mut out,
                        );
                    }
                }
            }
            (Kind::Symlink(ta), Kind::Symlink(tb)) => {
                if ta != tb {
                    note(
                        format!("{}: different link targets", a.path_of(na)),
                        &mut out,
                    );
                }
            }
            _ => note(
                format!("{}: a different kind of entry", a.path_of(na)),
                &mut out,
            ),
        }
    }
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out
}

/// How sessions are recorded on a random-write medium (or a plain file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomWriteStyle {
    /// Nothing at LBA 16: the next session is the first, at 0.
    Blank,
    /// growisofs: the first session at 0; the descriptors at 16 are
    /// rewritten to describe the newest session.
    Growisofs,
    /// libisoburn (xorriso -dev): a 64 KiB header at 0..32 whose
    /// descriptors describe the newest session; sessions from 32, each
    /// starting at the previous end rounded up to 32 blocks.
    Xorriso,
}

/// Where the sessions of a random-write medium are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomWriteLayout {
    /// Which tool's layout the sessions follow.
    pub style: RandomWriteStyle,
    /// Start of the newest session (its descriptors at +16).
    pub newest: Option<u32>,
    /// Where the next session goes.
    pub next: u32,
}

/// Candidates below the newest session's metadata searched for its own
/// descriptor set (growisofs style). Path tables of 65535 directories take
/// well under this.
const DESCRIPTOR_SCAN: u32 = 8192;
const XORRISO_ALIGN: u32 = 32;
/// Sessions followed along libisoburn's chain before giving up.
const MAX_CHAIN: usize = 100_000;

fn primary_at(src: &dyn BlockSource, lba: u32) -> Option<descriptor::Volume> {
    let mut b = vec![0u8; BLOCK_SIZE];
    src.read_blocks(lba, &mut b).ok()?;
    if b[0] != descriptor::TYPE_PRIMARY || &b[1..6] != b"CD001" {
        return None;
    }
    let set = descriptor::read_set(src, lba - 16).ok()?;
    set.primary
}

/// `v` rounded up to `align`, as a 32-bit block address.
fn round_up(v: u64, align: u32) -> Result<u32> {
    let r = v.div_ceil(align as u64) * align as u64;
    u32::try_from(r).map_err(|_| {
        Error::new(
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            format!("volume end {v} is beyond the 32-bit block addresses"),
        )
    })
}

/// Finds the newest session and the next session's start on a random-write
/// medium whose last recorded block is `last` (a file's last block). `align`
/// is the medium's write unit (16 for DVD, 32 for BD); the next start is
/// rounded up to it (and to 32 on xorriso-style media, whose session chain
/// requires that). The volume's end, and so the next start, is the one the
/// multisession object places its next session at
/// ([`crate::volume::random_write_volume_end`]).
pub fn locate_random_write(
    src: &dyn BlockSource,
    last: u32,
    align: u32,
) -> Result<RandomWriteLayout> {
    let align = align.max(1);
    let Some(anchor) = primary_at(src, 16) else {
        return without_primary(src, last, align);
    };
    let end =
        crate::volume::random_write_volume_end(src, last)?.unwrap_or(anchor.space_size) as u64;
    if let Some(layout) = xorriso_chain(src, &anchor, end, align)? {
        return Ok(layout);
    }
    growisofs_newest(src, &anchor, end, align)
}

/// A medium with no ISO 9660 primary descriptor at 16: blank, or a UDF-only
/// session whose anchor at 256 is the commit.
fn without_primary(src: &dyn BlockSource, last: u32, align: u32) -> Result<RandomWriteLayout> {
    let mut b = vec![0u8; BLOCK_SIZE];
    src.read_blocks(16, &mut b).map_err(|e| {
        Error::new(
            MS_IMAPI_E_IMPORT_READ_FAILURE,
            format!("reading block 16: {}", e.detail()),
        )
    })?;
    if let Some((start, _)) = udf::read::committed_udf_session(src, last) {
        if let Some(end) = crate::volume::random_write_volume_end(src, last)? {
            return Ok(RandomWriteLayout {
                style: RandomWriteStyle::Growisofs,
                newest: Some(start),
                next: round_up(end as u64, align)?,
            });
        }
    }
    if b.iter().any(|&x| x != 0) {
        return Err(Error::with_cause(
            MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
            Cause::Unsupported,
            "block 16 holds no ISO 9660 primary descriptor and is not blank",
        ));
    }
    Ok(RandomWriteLayout {
        style: RandomWriteStyle::Blank,
        newest: None,
        next: 0,
    })
}

/// libisoburn's chain of sessions from 32, followed to the one `anchor`
/// (the descriptors at 16) describes; `None` when the medium holds no such
/// chain.
fn xorriso_chain(
    src: &dyn BlockSource,
    anchor: &descriptor::Volume,
    end: u64,
    align: u32,
) -> Result<Option<RandomWriteLayout>> {
    let Some(mut vol) = primary_at(src, XORRISO_ALIGN + 16) else {
        return Ok(None);
    };
    let mut start = XORRISO_ALIGN;
    for _ in 0..MAX_CHAIN {
        if vol.root == anchor.root {
            let a = align.max(XORRISO_ALIGN);
            return Ok(Some(RandomWriteLayout {
                style: RandomWriteStyle::Xorriso,
                newest: Some(start),
                next: round_up(end.max(start as u64 + vol.space_size as u64), a)?,
            }));
        }
        if vol.space_size == 0 {
            break;
        }
        let next = round_up(start as u64 + vol.space_size as u64, XORRISO_ALIGN)?;
        if next as u64 >= end {
            break;
        }
        match primary_at(src, next + 16) {
            Some(v) => {
                start = next;
                vol = v;
            }
            None => break,
        }
    }
    Ok(None)
}

/// growisofs: the newest session's own descriptors lie just below its
/// path tables and root directory, which `anchor` (the descriptors at 16)
/// points to.
fn growisofs_newest(
    src: &dyn BlockSource,
    anchor: &descriptor::Volume,
    end: u64,
    align: u32,
) -> Result<RandomWriteLayout> {
    let table = |lba: u32| if lba > 16 { lba } else { u32::MAX };
    let lowest = anchor
        .root
        .extent
        .min(table(anchor.path_table_l))
        .min(table(anchor.path_table_m));
    let floor = lowest.saturating_sub(DESCRIPTOR_SCAN).max(16);
    let mut lba = lowest;
    while lba > floor {
        lba -= 1;
        if let Some(v) = primary_at(src, lba) {
            let start = lba - 16;
            if v.root == anchor.root {
                return Ok(RandomWriteLayout {
                    style: RandomWriteStyle::Growisofs,
                    newest: Some(start),
                    next: round_up(end.max(start as u64 + v.space_size as u64), align.max(16))?,
                });
            }
        }
    }
    Err(Error::new(
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        format!(
            "block 16 describes a volume rooted at {} but no session's own descriptors were found below it",
            anchor.root.extent
        ),
    ))
}

#[cfg(test)]
mod report_tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::fsi::tree::{Attrs, OnceReader};
    use crate::fsi::{Flow, ImportProgress};

    fn tree() -> Tree {
        let mut t = Tree::new();
        t.mkdir_all("/a/b").unwrap();
        t.add_symlink("/a/link", "b", false).unwrap();
        for path in ["/top", "/a/b/deep"] {
            let empty = OnceReader::new(Box::new(std::io::empty()));
            t.add_file(path, 0, Arc::new(empty), Attrs::file(), false)
                .unwrap();
        }
        t
    }

    /// `(path, dirs, total dirs, files, total files)` of each event.
    type Seen = Vec<(String, u32, u32, u32, u32)>;

    fn report(cancel_at: usize) -> (Seen, Result<()>) {
        let seen = Arc::new(Mutex::new(Seen::new()));
        let log = Arc::clone(&seen);
        let hook: crate::fsi::ImportHook = Arc::new(move |p: &ImportProgress<'_>| {
            let mut log = log.lock().unwrap();
            log.push((
                p.current_item.to_string(),
                p.imported_directories,
                p.total_directories,
                p.imported_files,
                p.total_files,
            ));
            if log.len() == cancel_at {
                Flow::Cancel
            } else {
                Flow::Continue
            }
        });
        let result = report_import(&tree(), FileSystems::JOLIET, &hook);
        let seen = seen.lock().unwrap().clone();
        (seen, result)
    }

    #[test]
    fn every_item_is_reported_with_full_path_and_totals_known_from_the_first() {
        let (seen, result) = report(0);
        result.unwrap();
        let paths: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(paths, ["/a", "/a/b", "/a/b/deep", "/a/link", "/top"]);
        assert!(seen.iter().all(|s| (s.2, s.4) == (2, 3)));
        assert_eq!(seen.last().map(|s| (s.1, s.3)), Some((2, 3)));
        let (seen, result) = report(2);
        assert_eq!(seen.len(), 2);
        assert_eq!(
            result.unwrap_err().code(),
            crate::hresult::MS_E_IMAPI_REQUEST_CANCELLED
        );
    }
}
