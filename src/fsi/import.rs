//! Importing the previous session: which file systems a session holds,
//! which one to import, the import itself, and where sessions lie on
//! random-write media (which have no table of contents).

use super::iso9660::descriptor::{self, BootRecord, DescriptorSet};
use super::iso9660::read::{self, ImportLimits, Naming};
use super::names::FileSystems;
use super::tree::Tree;
use super::{BlockSource, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::*;

/// What a session holds, as `IdentifyFileSystemsOnDisc` reports it plus
/// the details import needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    pub file_systems: FileSystems,
    /// The ECMA-119 tree carries Rock Ridge.
    pub rock_ridge: bool,
    pub descriptors: DescriptorSet,
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
    if set.udf {
        fs |= FileSystems::UDF;
    }
    if fs.is_empty() && set.other {
        fs = FileSystems::UNKNOWN;
    }
    Ok(Identified {
        file_systems: fs,
        rock_ridge,
        descriptors: set,
    })
}

/// `GetDefaultFileSystemForImport`: the one file system of `found` that
/// import uses — Joliet before ISO 9660 (IMAPI's order; UDF, first in
/// IMAPI's order, is not importable here and is chosen only alone, so that
/// importing it reports why).
pub fn default_file_system_for_import(found: FileSystems) -> Result<FileSystems> {
    for fs in [FileSystems::JOLIET, FileSystems::ISO9660, FileSystems::UDF] {
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
    pub session_start: u32,
    /// Volume space size the session's own primary descriptor records.
    pub recorded_blocks: u32,
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
    let id = identify(src, session_start)?;
    let found = id.file_systems;
    if found.is_empty() || found == FileSystems::UNKNOWN {
        let mut block = vec![0u8; BLOCK_SIZE];
        let blank = src
            .read_blocks(session_start.saturating_add(16), &mut block)
            .is_ok()
            && block.iter().all(|&b| b == 0);
        return Err(if blank && found.is_empty() {
            Error::new(
                MS_IMAPI_E_EMPTY_DISC,
                format!(
                    "no volume descriptors at block {}",
                    session_start as u64 + 16
                ),
            )
        } else {
            Error::new(
                MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
                format!(
                    "the session at block {session_start} holds no ISO 9660, Joliet or UDF volume"
                ),
            )
        });
    }
    let fs = match file_system {
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
            fs
        }
        None => default_file_system_for_import(found)?,
    };
    if fs == FileSystems::UDF {
        return Err(Error::new(
            MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
            format!(
                "the session at block {session_start} is UDF, which this library cannot import"
            ),
        ));
    }
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
        found,
        rock_ridge: rr_skip.is_some(),
        volume_name,
        boot: set.boot.clone(),
        session_start,
        recorded_blocks: primary.space_size,
    })
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

/// Finds the newest session and the next session's start on a random-write
/// medium. `align` is the medium's write unit (16 for DVD, 32 for BD);
/// the next start is rounded up to it (and to 32 on xorriso-style media,
/// whose session chain requires that).
pub fn locate_random_write(src: &dyn BlockSource, align: u32) -> Result<RandomWriteLayout> {
    let align = align.max(1);
    let round = |v: u64, a: u32| -> Result<u32> {
        let r = v.div_ceil(a as u64) * a as u64;
        u32::try_from(r).map_err(|_| {
            Error::new(
                MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
                format!("volume end {v} is beyond the 32-bit block addresses"),
            )
        })
    };
    let Some(anchor) = primary_at(src, 16) else {
        let mut b = vec![0u8; BLOCK_SIZE];
        src.read_blocks(16, &mut b).map_err(|e| {
            Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("reading block 16: {}", e.detail()),
            )
        })?;
        if b.iter().any(|&x| x != 0) {
            return Err(Error::new(
                MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
                "block 16 holds no ISO 9660 primary descriptor and is not blank",
            ));
        }
        return Ok(RandomWriteLayout {
            style: RandomWriteStyle::Blank,
            newest: None,
            next: 0,
        });
    };
    let end = anchor.space_size as u64;

    // libisoburn's chain from 32.
    if let Some(mut vol) = primary_at(src, XORRISO_ALIGN + 16) {
        let mut start = XORRISO_ALIGN;
        for _ in 0..MAX_CHAIN {
            if vol.root == anchor.root {
                let a = align.max(XORRISO_ALIGN);
                return Ok(RandomWriteLayout {
                    style: RandomWriteStyle::Xorriso,
                    newest: Some(start),
                    next: round(end.max(start as u64 + vol.space_size as u64), a)?,
                });
            }
            if vol.space_size == 0 {
                break;
            }
            let next = round(start as u64 + vol.space_size as u64, XORRISO_ALIGN)?;
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
    }

    // growisofs: the newest session's own descriptors lie just below its
    // path tables and root directory.
    let lowest = anchor
        .root
        .extent
        .min(if anchor.path_table_l > 16 {
            anchor.path_table_l
        } else {
            u32::MAX
        })
        .min(if anchor.path_table_m > 16 {
            anchor.path_table_m
        } else {
            u32::MAX
        });
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
                    next: round(end.max(start as u64 + v.space_size as u64), align.max(16))?,
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
