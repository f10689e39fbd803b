//! Reads a UDF session into a [`Tree`] whose files keep their extents on
//! the medium.
//!
//! The way in follows what the Linux kernel does (fs/udf/super.c): the
//! volume recognition sequence after the ISO 9660 descriptors, the anchor
//! at session start + 256 (then N − 256 and N of the medium), the main
//! volume descriptor sequence (the reserve one when the main is damaged),
//! the partition maps (physical, virtual through the VAT found at the last
//! recorded block, metadata through the metadata file or its mirror), the
//! file set descriptor and from its root ICB the directory tree.
//!
//! The input is untrusted: every descriptor's tag checksum, CRC and
//! location are checked, every count and length is bounded, every block
//! address is checked against its partition and the medium, each
//! directory ICB is read once (a second reference is a loop), and the
//! bytes read for directories, allocation descriptors and small files are
//! capped, so a hostile image ends in an `IMAPI_E_*` error after bounded
//! work.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::Arc;

use super::incremental::{self, UdfBase};
use super::layout::*;
use crate::error::{Error, Result};
use crate::fsi::iso9660::read::ImportLimits;
use crate::fsi::iso9660::write::UdfAreas;
use crate::fsi::tree::{Attrs, Content, DataSource, Extent, FileData, Kind, NodeId, Times, Tree};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::*;

/// Descriptors read in one volume descriptor sequence, VDP jumps included.
const MAX_VDS_DESCRIPTORS: usize = 256;
/// VDP jumps followed in one sequence.
const MAX_VDP_JUMPS: usize = 16;
/// Indirect entries followed to reach one ICB.
const MAX_INDIRECT: usize = 16;
/// Allocation descriptors of one file, AED continuations included.
const MAX_ADS_PER_FILE: usize = 1 << 20;
/// AEDs followed for one file.
const MAX_AEDS_PER_FILE: usize = 1 << 16;
/// Directory depth below the root.
const MAX_DEPTH: usize = 1024;
/// Bytes of a symlink's path components.
const MAX_SYMLINK_BYTES: u64 = 64 << 10;
/// Bytes of a VAT file (entries for a partition of 2^32 blocks would be
/// 16 GiB; 64 MiB covers 16 M blocks = 32 GiB of virtual space).
const MAX_VAT_BYTES: u64 = 64 << 20;
/// Blocks below the last recorded block searched for the VAT's ICB
/// (the kernel looks at the last block and a few before it; padding
/// after the VAT is common with track-at-once writers).
const VAT_SCAN: u32 = 32;
/// Bytes of a file that mixes recorded extents and holes read into
/// memory: such a file cannot be described by extents alone.
const MAX_SPARSE_MIX_BYTES: u64 = 16 << 20;
/// Extent pieces of the metadata file.
const MAX_METADATA_EXTENTS: usize = 1 << 16;

fn inconsistent(detail: String) -> Error {
    Error::new(MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, detail)
}

fn too_much(detail: String) -> Error {
    Error::new(MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED, detail)
}

fn read_failure(lba: u32, what: &str, e: Error) -> Error {
    Error::new(
        MS_IMAPI_E_IMPORT_READ_FAILURE,
        format!("reading UDF {what} at block {lba}: {}", e.detail()),
    )
}

fn layout_err(e: LayoutError, what: &str) -> Error {
    Error::from(e).context(format!("UDF {what}"))
}

/// A UDF volume recognised at a session: what identification reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfInfo {
    /// UDF revision as recorded (0x0102, 0x0150, 0x0201, 0x0250, 0x0260).
    pub revision: u16,
    /// The logical volume identifier (IMAPI's imported volume name).
    pub volume_id: String,
    /// First block after the volume's physical partitions.
    pub end_block: u32,
}

pub use crate::volume::udf_recognised as has_vrs;

/// A partition reference resolved to where its blocks are.
#[derive(Debug, Clone)]
enum Partition {
    /// Blocks `0..length` at sectors `start..`.
    Physical { start: u32, length: u32 },
    /// Blocks mapped through the VAT into the physical partition `phys`.
    Virtual { phys: usize, vat: Vec<u32> },
    /// Blocks mapped through the metadata file's extents (in blocks of the
    /// physical partition `phys`): (first metadata block, first physical
    /// block, count).
    Metadata {
        phys: usize,
        runs: Vec<(u32, u32, u32)>,
    },
    /// A map this reader cannot resolve; using it is an error.
    Unusable(String),
}

/// A UDF volume opened for reading.
pub struct Volume<'a> {
    src: &'a dyn BlockSource,
    pub info: UdfInfo,
    partitions: Vec<Partition>,
    /// Last readable block of the medium (for anchors, the VAT and bounds).
    last_block: u32,
    pub root: LongAd,
    /// The metadata layout a next session can build on (see
    /// [`incremental`]), when the volume has one.
    base_layout: Option<incremental::Layout>,
    /// The logical volume descriptor names this library as its writer.
    written_here: bool,
    /// Recently read runs of blocks: writers put a directory's file
    /// entries side by side, and one read of a run instead of one per
    /// entry is most of the import time of a large tree.
    cache: std::cell::RefCell<BlockCache>,
}

/// Blocks per cached run: a file entry takes a whole block, so a large
/// tree means as many blocks as entries, read in few large reads.
const RUN: u32 = 64;
/// Blocks per cached run when only directories are read: a directory's
/// entry and its identifiers lie together, the entries of its files
/// after them, unread.
const DIRECTORY_RUN: u32 = 8;
/// Runs kept (2 MiB).
const RUNS_KEPT: usize = 16;

/// One logical block, a view into the cached run it was read with.
struct Block {
    run: Arc<[u8]>,
    at: usize,
}

impl std::ops::Deref for Block {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.run[self.at..self.at + BLOCK_SIZE]
    }
}

struct BlockCache {
    /// Blocks per run, runs aligned to it.
    run: u32,
    runs: std::collections::HashMap<u32, Arc<[u8]>>,
    order: std::collections::VecDeque<u32>,
}

impl BlockCache {
    fn new(run: u32) -> BlockCache {
        BlockCache {
            run,
            runs: Default::default(),
            order: Default::default(),
        }
    }
}

/// The last readable block: the medium size when the caller knows it, else
/// found by bisection over reads (an image file, a drive's recorded area).
fn find_last_block(
    src: &dyn BlockSource,
    session_start: u32,
    limits: &ImportLimits,
) -> Option<u32> {
    let mut block = vec![0u8; BLOCK_SIZE];
    let mut readable = |lba: u32| src.read_blocks(lba, &mut block).is_ok();
    // The search starts at the session: below it, a multisession CD has
    // unreadable gaps between older sessions (lead-out, lead-in, pre-gap)
    // that would stop a bisection from 0 at the end of session 1. From
    // the last session onwards the medium is recorded, then blank.
    let lo = if readable(session_start) {
        session_start
    } else if readable(0) {
        0
    } else {
        return None;
    };
    // A drive's capacity may include blocks not recorded yet (and not
    // readable): the end of the recorded area is what anchors and the VAT
    // are relative to.
    let (mut lo, mut hi) = (
        lo,
        limits
            .medium_blocks
            .map_or(u32::MAX, |n| n.saturating_sub(1)),
    );
    if readable(hi) {
        return Some(hi);
    }
    if hi <= lo {
        return Some(lo);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if readable(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

fn read_block(src: &dyn BlockSource, lba: u32, what: &str) -> Result<Vec<u8>> {
    let mut b = vec![0u8; BLOCK_SIZE];
    src.read_blocks(lba, &mut b)
        .map_err(|e| read_failure(lba, what, e))?;
    Ok(b)
}

/// Everything the volume descriptor sequence gave.
#[derive(Default)]
struct Vds {
    pds: Vec<Pd>,
    lvd: Option<Lvd>,
    pvd: Option<Pvd>,
}

fn read_vds(src: &dyn BlockSource, extent: ExtentAd, last: u32) -> Result<Vds> {
    let mut vds = Vds::default();
    let mut at = extent.location;
    let mut remaining = (extent.length as usize / BLOCK_SIZE).max(1);
    let mut jumps = 0;
    let mut seen = HashSet::new();
    for _ in 0..MAX_VDS_DESCRIPTORS {
        if remaining == 0 {
            return Ok(vds);
        }
        if at > last || !seen.insert(at) {
            if at > last {
                return Err(inconsistent(format!(
                    "UDF volume descriptor at block {at} is beyond the medium's last block {last}"
                )));
            }
            return Err(inconsistent(format!(
                "UDF volume descriptor sequence comes back to block {at} (a loop)"
            )));
        }
        let b = read_block(src, at, "volume descriptor")?;
        if b[..TAG_LEN].iter().all(|&x| x == 0) {
            // Unrecorded space ends the sequence as a TD would.
            return Ok(vds);
        }
        let tag = Tag::parse(&b, Some(at)).map_err(|e| layout_err(e, "volume descriptor"))?;
        let ctx = |e| layout_err(e, "volume descriptor");
        match tag.id {
            TagId::Td => return Ok(vds),
            TagId::Vdp => {
                let (_, vdp) = Vdp::parse(&b, Some(at)).map_err(ctx)?;
                jumps += 1;
                if jumps > MAX_VDP_JUMPS {
                    return Err(inconsistent(format!(
                        "UDF volume descriptor sequence has more than {MAX_VDP_JUMPS} pointers"
                    )));
                }
                at = vdp.next.location;
                remaining = (vdp.next.length as usize / BLOCK_SIZE).max(1);
                continue;
            }
            TagId::Pvd => {
                let (_, pvd) = Pvd::parse(&b, Some(at)).map_err(ctx)?;
                if vds
                    .pvd
                    .as_ref()
                    .map_or(true, |p| pvd.vds_number >= p.vds_number)
                {
                    vds.pvd = Some(pvd);
                }
            }
            TagId::Pd => {
                let (_, pd) = Pd::parse(&b, Some(at)).map_err(ctx)?;
                // The highest sequence number of a partition prevails.
                match vds
                    .pds
                    .iter_mut()
                    .find(|p| p.partition_number == pd.partition_number)
                {
                    Some(old) if old.vds_number <= pd.vds_number => *old = pd,
                    Some(_) => {}
                    None => {
                        if vds.pds.len() >= MAX_PARTITION_MAPS {
                            return Err(inconsistent(
                                "UDF volume has too many partition descriptors".into(),
                            ));
                        }
                        vds.pds.push(pd)
                    }
                }
            }
            TagId::Lvd => {
                let (_, lvd) = Lvd::parse(&b, Some(at)).map_err(ctx)?;
                if vds
                    .lvd
                    .as_ref()
                    .map_or(true, |l| lvd.vds_number >= l.vds_number)
                {
                    vds.lvd = Some(lvd);
                }
            }
            // IUVD, USD: nothing import needs; their tags were checked.
            _ => {}
        }
        at = at.checked_add(1).ok_or_else(|| {
            inconsistent("UDF volume descriptor sequence runs past block 2^32".into())
        })?;
        remaining -= 1;
    }
    Err(inconsistent(format!(
        "UDF volume descriptor sequence longer than {MAX_VDS_DESCRIPTORS} descriptors"
    )))
}

/// Finds an anchor: session start + 256 first, then N − 256 and N.
fn find_anchor(src: &dyn BlockSource, session_start: u32, last: u32) -> Result<Avdp> {
    // start + 256 first, whatever the end of the medium seemed to be; the
    // anchors at N − 256 and N only where they belong to this session —
    // below its start they are an older session's.
    let mut candidates = vec![session_start.saturating_add(256)];
    if last >= 256 {
        candidates.push(last - 256);
    }
    candidates.push(last);
    let mut first_error = None;
    for (i, lba) in candidates.into_iter().enumerate() {
        if i > 0 && (lba > last || lba <= session_start) {
            continue;
        }
        let Ok(b) = read_block(src, lba, "anchor") else {
            continue;
        };
        match Avdp::parse(&b, Some(lba)) {
            Ok((_, avdp)) => return Ok(avdp),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(match first_error {
        Some(e) => layout_err(e, &format!("anchor of the session at {session_start}")),
        None => inconsistent(format!(
            "no UDF anchor volume descriptor pointer for the session at block {session_start}"
        )),
    })
}

impl<'a> Volume<'a> {
    /// Opens the UDF volume of the session at `session_start`.
    pub fn open(
        src: &'a dyn BlockSource,
        session_start: u32,
        limits: &ImportLimits,
    ) -> Result<Volume<'a>> {
        let last = find_last_block(src, session_start, limits).ok_or_else(|| {
            Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                "the medium has no readable block".to_owned(),
            )
        })?;
        let avdp = find_anchor(src, session_start, last)?;
        let vds = match read_vds(src, avdp.main_vds, last) {
            Ok(v) if v.lvd.is_some() && !v.pds.is_empty() => v,
            main => {
                let reserve = read_vds(src, avdp.reserve_vds, last);
                match (main, reserve) {
                    (_, Ok(r)) if r.lvd.is_some() && !r.pds.is_empty() => r,
                    (Err(e), _) => return Err(e.context("main volume descriptor sequence")),
                    (_, Err(e)) => return Err(e.context("reserve volume descriptor sequence")),
                    _ => {
                        return Err(inconsistent(format!(
                        "UDF session at {session_start}: no logical volume or partition descriptor"
                    )))
                    }
                }
            }
        };
        let lvd = vds.lvd.expect("checked above");
        if lvd.block_size as usize != BLOCK_SIZE {
            return Err(too_much(format!(
                "UDF logical block size {} (only {BLOCK_SIZE} is read)",
                lvd.block_size
            )));
        }
        let mut vol = Volume {
            src,
            info: udf_info(&lvd, &vds.pds, vds.pvd.as_ref()),
            partitions: Vec::new(),
            last_block: last,
            root: lvd.fsd,
            base_layout: None,
            written_here: lvd.implementation_id.is(DEVELOPER_ID),
            cache: BlockCache::new(RUN).into(),
        };
        vol.resolve_partitions(&lvd, &vds.pds)?;
        vol.root = vol.read_fsd(lvd.fsd)?;
        vol.base_layout = vol.layout_for_next_session(&lvd, &vds.pds);
        Ok(vol)
    }

    /// The metadata file of a volume laid out as [`incremental`]
    /// requires: a physical partition from block 0 as the first map, the
    /// metadata partition over it as the second, and a metadata file that
    /// is one run of sectors from its first block.
    fn layout_for_next_session(&self, lvd: &Lvd, pds: &[Pd]) -> Option<incremental::Layout> {
        let [PartitionMap::Physical {
            partition_number, ..
        }, PartitionMap::Metadata {
            partition_number: over,
            metadata_file,
            ..
        }] = lvd.maps.as_slice()
        else {
            return None;
        };
        let pd = pds
            .iter()
            .find(|p| p.partition_number == *partition_number)?;
        if over != partition_number || pd.start != 0 {
            return None;
        }
        let runs = self.metadata_runs(0, *metadata_file).ok()?;
        let &(_, start, _) = runs.first()?;
        let mut blocks = 0u32;
        for (first, lba, n) in runs {
            if first != blocks || lba != start.checked_add(blocks)? {
                return None;
            }
            blocks = blocks.checked_add(n)?;
        }
        Some(incremental::Layout {
            revision: self.info.revision,
            metadata: (start, blocks),
        })
    }

    fn physical_of(&self, lvd: &Lvd, pds: &[Pd], number: u16) -> Result<(usize, Pd)> {
        let pd = pds
            .iter()
            .find(|p| p.partition_number == number)
            .cloned()
            .ok_or_else(|| {
                inconsistent(format!(
                    "UDF partition {number} has no partition descriptor"
                ))
            })?;
        let idx = lvd
            .maps
            .iter()
            .position(|m| matches!(m, PartitionMap::Physical { partition_number, .. } if *partition_number == number))
            .ok_or_else(|| {
                inconsistent(format!("UDF partition {number} has no type 1 map"))
            })?;
        Ok((idx, pd))
    }

    fn resolve_partitions(&mut self, lvd: &Lvd, pds: &[Pd]) -> Result<()> {
        // Physical ones first: the others map into them.
        for map in &lvd.maps {
            let p = match map {
                PartitionMap::Physical {
                    partition_number, ..
                }
                | PartitionMap::Sparable {
                    partition_number, ..
                } => match pds.iter().find(|p| p.partition_number == *partition_number) {
                    // A write-once partition spans the blank rest of the
                    // disc: blocks are checked against the medium when used.
                    Some(pd) => Partition::Physical {
                        start: pd.start,
                        length: pd.length,
                    },
                    None => Partition::Unusable(format!(
                        "partition {partition_number} has no partition descriptor"
                    )),
                },
                PartitionMap::Other { map_type, .. } => {
                    Partition::Unusable(format!("partition map of type {map_type}"))
                }
                _ => Partition::Unusable("not resolved yet".into()),
            };
            self.partitions.push(p);
        }
        for (i, map) in lvd.maps.iter().enumerate() {
            match map {
                PartitionMap::Virtual {
                    partition_number, ..
                } => {
                    let (phys, pd) = self.physical_of(lvd, pds, *partition_number)?;
                    let vat = self.find_vat(phys, &pd)?;
                    self.partitions[i] = Partition::Virtual { phys, vat };
                }
                PartitionMap::Metadata {
                    partition_number,
                    metadata_file,
                    mirror_file,
                    ..
                } => {
                    let (phys, _) = self.physical_of(lvd, pds, *partition_number)?;
                    let runs = match self.metadata_runs(phys, *metadata_file) {
                        Ok(r) => r,
                        Err(main) => self
                            .metadata_runs(phys, *mirror_file)
                            .map_err(|_| main.context("metadata file (and its mirror)"))?,
                    };
                    self.partitions[i] = Partition::Metadata { phys, runs };
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The metadata file's extents as runs of metadata blocks.
    fn metadata_runs(&self, phys: usize, location: u32) -> Result<Vec<(u32, u32, u32)>> {
        let addr = LbAddr {
            block: location,
            partition: phys as u16,
        };
        let fe = self.read_entry(addr)?;
        if fe.icb_tag.file_type != file_type::METADATA
            && fe.icb_tag.file_type != file_type::METADATA_MIRROR
        {
            return Err(inconsistent(format!(
                "UDF metadata file at block {location} has file type {}",
                fe.icb_tag.file_type
            )));
        }
        let ads = self.collect_ads(&fe, addr)?;
        let mut runs = Vec::new();
        let mut next = 0u32;
        for ad in ads {
            if runs.len() >= MAX_METADATA_EXTENTS {
                return Err(too_much("UDF metadata file has too many extents".into()));
            }
            let blocks = ad.length.div_ceil(BLOCK_SIZE as u32);
            if ad.kind == ExtentType::Recorded && ad.location.partition as usize == phys {
                runs.push((next, ad.location.block, blocks));
            }
            next = next.checked_add(blocks).ok_or_else(|| {
                inconsistent("UDF metadata file is larger than 2^32 blocks".into())
            })?;
        }
        Ok(runs)
    }

    /// The VAT of a virtual partition whose physical partition is `phys`:
    /// an ICB at the last recorded block (or a few before it).
    fn find_vat(&self, phys: usize, pd: &Pd) -> Result<Vec<u32>> {
        let last = self.last_block;
        let low = last.saturating_sub(VAT_SCAN).max(pd.start);
        let mut lba = last;
        loop {
            if let Some(block) = lba.checked_sub(pd.start) {
                if let Some(vat) = self.try_vat(phys, block)? {
                    return Ok(vat);
                }
            }
            if lba <= low {
                break;
            }
            lba -= 1;
        }
        Err(inconsistent(format!(
            "UDF virtual partition: no VAT in the blocks {low}..={last} at the end of the medium"
        )))
    }

    fn try_vat(&self, phys: usize, block: u32) -> Result<Option<Vec<u32>>> {
        let addr = LbAddr {
            block,
            partition: phys as u16,
        };
        let Ok(fe) = self.read_entry(addr) else {
            return Ok(None);
        };
        let ft = fe.icb_tag.file_type;
        if ft != file_type::VAT && ft != file_type::UNSPECIFIED {
            return Ok(None);
        }
        if fe.information_length > MAX_VAT_BYTES {
            return Err(too_much(format!(
                "UDF VAT of {} bytes",
                fe.information_length
            )));
        }
        let data = self.read_file_bytes(&fe, addr, MAX_VAT_BYTES)?;
        match vat_entries(ft, &data) {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) => Ok(None),
            Err(e) => Err(layout_err(e, &format!("VAT at block {block}"))),
        }
    }

    /// The sector of logical block `addr`.
    pub fn map(&self, addr: LbAddr) -> Result<u32> {
        self.map_depth(addr, 0)
    }

    fn map_depth(&self, addr: LbAddr, depth: usize) -> Result<u32> {
        let p = self
            .partitions
            .get(addr.partition as usize)
            .ok_or_else(|| {
                inconsistent(format!(
                    "UDF address {}:{} names partition reference {} of {}",
                    addr.partition,
                    addr.block,
                    addr.partition,
                    self.partitions.len()
                ))
            })?;
        if depth > 2 {
            return Err(inconsistent(
                "UDF partition maps refer to each other".into(),
            ));
        }
        match p {
            Partition::Physical { start, length } => {
                if addr.block >= *length {
                    return Err(inconsistent(format!(
                        "UDF block {} is beyond partition {} of {length} blocks",
                        addr.block, addr.partition
                    )));
                }
                Ok(start + addr.block)
            }
            Partition::Virtual { phys, vat } => {
                let target = *vat.get(addr.block as usize).ok_or_else(|| {
                    inconsistent(format!(
                        "UDF virtual block {} is beyond the VAT's {} entries",
                        addr.block,
                        vat.len()
                    ))
                })?;
                if target == u32::MAX {
                    return Err(inconsistent(format!(
                        "UDF virtual block {} is unused in the VAT",
                        addr.block
                    )));
                }
                self.map_depth(
                    LbAddr {
                        block: target,
                        partition: *phys as u16,
                    },
                    depth + 1,
                )
            }
            Partition::Metadata { phys, runs } => {
                let run = runs
                    .iter()
                    .find(|(first, _, n)| addr.block >= *first && addr.block - first < *n)
                    .ok_or_else(|| {
                        inconsistent(format!(
                            "UDF metadata block {} is not in the metadata file",
                            addr.block
                        ))
                    })?;
                self.map_depth(
                    LbAddr {
                        block: run.1 + (addr.block - run.0),
                        partition: *phys as u16,
                    },
                    depth + 1,
                )
            }
            Partition::Unusable(why) => Err(too_much(format!(
                "UDF partition reference {}: {why}",
                addr.partition
            ))),
        }
    }

    fn read_logical(&self, addr: LbAddr, what: &str) -> Result<Block> {
        let lba = self.map(addr)?;
        if lba > self.last_block {
            return Err(inconsistent(format!(
                "UDF {what} at block {lba} is beyond the medium's last block {}",
                self.last_block
            )));
        }
        self.cached_block(lba, what)
    }

    /// Block `lba` through the run cache, shared rather than copied (one
    /// lookup per entry of a large tree); a run that cannot be read whole
    /// (the end of the medium) is read block by block.
    fn cached_block(&self, lba: u32, what: &str) -> Result<Block> {
        let len = self.cache.borrow().run;
        let run = lba / len;
        let first = run * len;
        let at = (lba - first) as usize * BLOCK_SIZE;
        if let Some(data) = self.cache.borrow().runs.get(&run) {
            return Ok(Block {
                run: Arc::clone(data),
                at,
            });
        }
        let single = || -> Result<Block> {
            Ok(Block {
                run: read_block(self.src, lba, what)?.into(),
                at: 0,
            })
        };
        if first as u64 + len as u64 > self.last_block as u64 + 1 {
            return single();
        }
        let mut cache = self.cache.borrow_mut();
        // The run leaving the cache lends its buffer when nothing holds it.
        let mut data = match cache.order.len() >= RUNS_KEPT {
            true => cache
                .order
                .pop_front()
                .and_then(|old| cache.runs.remove(&old))
                .filter(|d| Arc::strong_count(d) == 1 && Arc::weak_count(d) == 0),
            false => None,
        }
        .unwrap_or_else(|| vec![0u8; len as usize * BLOCK_SIZE].into());
        let buf = Arc::get_mut(&mut data).expect("not shared");
        if self.src.read_blocks(first, buf).is_err() {
            drop(cache);
            return single();
        }
        cache.order.push_back(run);
        cache.runs.insert(run, Arc::clone(&data));
        Ok(Block { run: data, at })
    }

    fn read_fsd(&self, at: LongAd) -> Result<LongAd> {
        let b = self.read_logical(at.location, "file set descriptor")?;
        let (_, fsd) = Fsd::parse(&b, Some(at.location.block))
            .map_err(|e| layout_err(e, "file set descriptor"))?;
        Ok(fsd.root)
    }

    /// What the volume is read from.
    pub(crate) fn source(&self) -> &'a dyn BlockSource {
        self.src
    }

    /// How far reads go ahead: for a walk that reads every entry, or
    /// only directories (not the entries of their files).
    pub(crate) fn read_ahead(&self, entries: bool) {
        let run = if entries { RUN } else { DIRECTORY_RUN };
        *self.cache.borrow_mut() = BlockCache::new(run);
    }

    /// The file entry at `addr`, indirect entries followed.
    pub fn read_entry(&self, addr: LbAddr) -> Result<FileEntry> {
        let mut at = addr;
        for _ in 0..MAX_INDIRECT {
            let b = self.read_logical(at, "file entry")?;
            // The identifier alone picks the parser; each checks the tag
            // and its CRC once.
            if u16_at(&b, 0) == TagId::Ie as u16 {
                Tag::parse(&b, Some(at.block))
                    .map_err(|e| layout_err(e, &format!("ICB at {}:{}", at.partition, at.block)))?;
                let next = LongAd::parse(&b[36..]).map_err(|e| layout_err(e, "indirect entry"))?;
                at = next.location;
                continue;
            }
            let (_, fe) = FileEntry::parse(&b, Some(at.block))
                .map_err(|e| layout_err(e, &format!("ICB at {}:{}", at.partition, at.block)))?;
            return Ok(fe);
        }
        Err(inconsistent(format!(
            "UDF ICB at {}:{}: more than {MAX_INDIRECT} indirect entries",
            addr.partition, addr.block
        )))
    }

    /// All allocation descriptors of `fe`, AED continuations followed.
    fn collect_ads(&self, fe: &FileEntry, addr: LbAddr) -> Result<Vec<Ad>> {
        let ad_type = match fe.icb_tag.ad_type_bits() {
            0 => AdType::Short,
            1 => AdType::Long,
            2 => AdType::Extended,
            3 => return Ok(Vec::new()),
            other => {
                return Err(inconsistent(format!(
                    "UDF ICB at {}:{}: allocation descriptor type {other}",
                    addr.partition, addr.block
                )))
            }
        };
        let ctx = |e| {
            layout_err(
                e,
                &format!(
                    "allocation descriptors of ICB {}:{}",
                    addr.partition, addr.block
                ),
            )
        };
        let mut pending =
            parse_ads(&fe.allocation_descriptors, ad_type, addr.partition).map_err(ctx)?;
        let mut out = Vec::new();
        let mut aeds = HashSet::new();
        loop {
            let mut next = None;
            for ad in pending {
                if ad.kind == ExtentType::Continuation {
                    next = Some(ad);
                    break;
                }
                if out.len() >= MAX_ADS_PER_FILE {
                    return Err(too_much(format!(
                        "UDF ICB at {}:{} has more than {MAX_ADS_PER_FILE} extents",
                        addr.partition, addr.block
                    )));
                }
                out.push(ad);
            }
            let Some(cont) = next else {
                return Ok(out);
            };
            if !aeds.insert(cont.location) || aeds.len() > MAX_AEDS_PER_FILE {
                return Err(inconsistent(format!(
                    "UDF ICB at {}:{}: allocation extent descriptors loop or run past {MAX_AEDS_PER_FILE}",
                    addr.partition, addr.block
                )));
            }
            let b = self.read_logical(cont.location, "allocation extent descriptor")?;
            let (_, aed) = Aed::parse(&b, Some(cont.location.block)).map_err(ctx)?;
            let len = (aed.allocation_descriptors.len() / ad_type.size()) * ad_type.size();
            pending = parse_ads(
                &aed.allocation_descriptors[..len],
                ad_type,
                cont.location.partition,
            )
            .map_err(ctx)?;
        }
    }

    /// The bytes of a (small) file: embedded data or its extents read,
    /// holes as zeros; at most `cap` bytes.
    pub fn read_file_bytes(&self, fe: &FileEntry, addr: LbAddr, cap: u64) -> Result<Vec<u8>> {
        let size = fe.information_length;
        if size > cap {
            return Err(too_much(format!(
                "UDF ICB at {}:{}: {size} bytes, more than the {cap} read here",
                addr.partition, addr.block
            )));
        }
        if fe.icb_tag.ad_type_bits() == AdType::Embedded as u16 {
            return embedded(fe, addr);
        }
        let mut out = Vec::with_capacity(size as usize);
        for ad in self.collect_ads(fe, addr)? {
            if out.len() as u64 >= size {
                break;
            }
            let want = (ad.length as u64).min(size - out.len() as u64) as usize;
            if ad.kind != ExtentType::Recorded {
                out.resize(out.len() + want, 0);
                continue;
            }
            let blocks = want.div_ceil(BLOCK_SIZE) as u32;
            let mut buf = vec![0u8; blocks as usize * BLOCK_SIZE];
            for (k, chunk) in buf.chunks_exact_mut(BLOCK_SIZE).enumerate() {
                let b = self.read_logical(
                    LbAddr {
                        block: ad.location.block.checked_add(k as u32).ok_or_else(|| {
                            inconsistent("UDF extent runs past block 2^32".into())
                        })?,
                        partition: ad.location.partition,
                    },
                    "file data",
                )?;
                chunk.copy_from_slice(&b);
            }
            out.extend_from_slice(&buf[..want]);
        }
        if (out.len() as u64) < size {
            return Err(inconsistent(format!(
                "UDF ICB at {}:{}: extents hold {} of its {size} bytes",
                addr.partition,
                addr.block,
                out.len()
            )));
        }
        Ok(out)
    }

    /// The extents (absolute sectors) of a file's data, holes as `None`;
    /// whole-block pieces but the last, contiguous pieces merged.
    fn file_extents(&self, fe: &FileEntry, addr: LbAddr) -> Result<Vec<(Option<u32>, u32)>> {
        let size = fe.information_length;
        let mut out: Vec<(Option<u32>, u32)> = Vec::new();
        let mut covered = 0u64;
        let ads = self.collect_ads(fe, addr)?;
        let count = ads.len();
        for (i, ad) in ads.into_iter().enumerate() {
            if covered >= size {
                break;
            }
            let len = (ad.length as u64).min(size - covered) as u32;
            if covered + (len as u64) < size && len as usize % BLOCK_SIZE != 0 && i + 1 < count {
                return Err(inconsistent(format!(
                    "UDF ICB at {}:{}: extent {i} of {} bytes is not whole blocks and not the last",
                    addr.partition, addr.block, ad.length
                )));
            }
            let blocks = len.div_ceil(BLOCK_SIZE as u32);
            if ad.kind != ExtentType::Recorded {
                push_piece(&mut out, None, len);
            } else if let Some(Partition::Physical { .. }) =
                self.partitions.get(ad.location.partition as usize)
            {
                let first = self.map(ad.location)?;
                if blocks > 0 {
                    // The last block must be in the partition too.
                    let end =
                        ad.location.block.checked_add(blocks - 1).ok_or_else(|| {
                            inconsistent("UDF extent runs past block 2^32".into())
                        })?;
                    self.map(LbAddr {
                        block: end,
                        partition: ad.location.partition,
                    })?;
                }
                push_piece(&mut out, Some(first), len);
            } else {
                // Virtual or metadata partition: block by block.
                let mut left = len;
                for k in 0..blocks {
                    let lba = self.map(LbAddr {
                        block: ad.location.block.checked_add(k).ok_or_else(|| {
                            inconsistent("UDF extent runs past block 2^32".into())
                        })?,
                        partition: ad.location.partition,
                    })?;
                    let piece = left.min(BLOCK_SIZE as u32);
                    push_piece(&mut out, Some(lba), piece);
                    left -= piece;
                }
            }
            covered += len as u64;
        }
        if covered < size {
            return Err(inconsistent(format!(
                "UDF ICB at {}:{}: extents hold {covered} of its {size} bytes",
                addr.partition, addr.block
            )));
        }
        for (lba, len) in &out {
            if let Some(lba) = lba {
                let end = *lba as u64 + (*len as u64).div_ceil(BLOCK_SIZE as u64);
                if end > self.last_block as u64 + 1 {
                    return Err(inconsistent(format!(
                        "UDF ICB at {}:{}: extent at block {lba} of {len} bytes runs beyond the medium's last block {}",
                        addr.partition, addr.block, self.last_block
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// Appends a piece, merging it into the previous one when contiguous (and
/// the result stays below 4 GiB in whole blocks).
fn push_piece(out: &mut Vec<(Option<u32>, u32)>, lba: Option<u32>, len: u32) {
    if len == 0 {
        return;
    }
    const MAX_PIECE: u64 = 0xFFFF_F800;
    if let Some((prev_lba, prev_len)) = out.last_mut() {
        if *prev_len as usize % BLOCK_SIZE == 0 && (*prev_len as u64 + len as u64) <= MAX_PIECE {
            let contiguous = match (*prev_lba, lba) {
                (None, None) => true,
                (Some(a), Some(b)) => a as u64 + (*prev_len as u64 / BLOCK_SIZE as u64) == b as u64,
                _ => false,
            };
            if contiguous {
                *prev_len += len;
                return;
            }
        }
    }
    out.push((lba, len));
}

fn embedded(fe: &FileEntry, addr: LbAddr) -> Result<Vec<u8>> {
    let size = fe.information_length;
    if size > fe.allocation_descriptors.len() as u64 {
        return Err(inconsistent(format!(
            "UDF ICB at {}:{}: {size} bytes of embedded data in a {}-byte area",
            addr.partition,
            addr.block,
            fe.allocation_descriptors.len()
        )));
    }
    Ok(fe.allocation_descriptors[..size as usize].to_vec())
}

/// File data held in memory: bytes that were embedded in an ICB (or a
/// small file with holes), written as new data by the next session since
/// they have no extent of their own on the medium.
#[derive(Clone)]
pub struct MemoryData(pub Arc<[u8]>);

impl std::fmt::Debug for MemoryData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes imported from a UDF entry", self.0.len())
    }
}

impl DataSource for MemoryData {
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(io::Cursor::new(self.0.clone())))
    }
}

/// A file that is all hole (not recorded): zeros of its size.
#[derive(Debug, Clone, Copy)]
pub struct Zeros(pub u64);

impl DataSource for Zeros {
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(io::repeat(0).take(self.0)))
    }
}

fn timestamp(t: &Timestamp) -> Option<i64> {
    t.to_unix().map(|(s, _)| s)
}

fn attrs_of(fe: &FileEntry, base: Attrs) -> Attrs {
    let modified = timestamp(&fe.modification_time).unwrap_or(0);
    let id = |v: u32| if v == u32::MAX { 0 } else { v };
    let times = Times {
        modified,
        accessed: timestamp(&fe.access_time).unwrap_or(modified),
        changed: timestamp(&fe.attribute_time).unwrap_or(modified),
    };
    let mode = posix_mode(fe.permissions, fe.icb_tag.flags) & 0o7777;
    Attrs::new(mode, id(fe.uid), id(fe.gid), Some(times)).with_base(base)
}

trait WithBase {
    fn with_base(self, base: Attrs) -> Attrs;
}
impl WithBase for Attrs {
    /// A zero permission field is what writers that do not care record;
    /// the kind's default reads better than mode 0.
    fn with_base(mut self, base: Attrs) -> Attrs {
        if self.mode == 0 {
            self.mode = base.mode;
        }
        self
    }
}

/// A directory still to be read.
struct Pending {
    icb: LbAddr,
    node: NodeId,
    depth: usize,
}

struct Reader<'v, 'a> {
    vol: &'v Volume<'a>,
    limits: ImportLimits,
    tree: Tree,
    /// Where each item's file entry is, when the caller builds on them.
    origins: Option<incremental::Collector>,
    visited: HashSet<LbAddr>,
    directory_bytes: u64,
    /// Bytes read into memory for embedded and mixed files.
    memory_bytes: u64,
}

/// Reads the tree of the volume.
pub fn read_tree(vol: &Volume<'_>, limits: ImportLimits) -> Result<Tree> {
    read_tree_and_base(vol, limits, false).map(|(tree, _)| tree)
}

/// Reads the tree of the volume and, with `base`, what a next session can
/// keep of its metadata.
fn read_tree_and_base(
    vol: &Volume<'_>,
    limits: ImportLimits,
    base: bool,
) -> Result<(Tree, Option<UdfBase>)> {
    let mut r = Reader {
        vol,
        limits,
        tree: Tree::new(),
        origins: base.then(Default::default),
        visited: HashSet::new(),
        directory_bytes: 0,
        memory_bytes: 0,
    };
    let root = r.tree.root();
    let mut stack = vec![Pending {
        icb: vol.root.location,
        node: root,
        depth: 0,
    }];
    // A directory's entry is read when its turn comes, not while its
    // parent is listed: a writer puts a subdirectory's entry beside its
    // own contents, far from its parent's other entries, and reading it
    // early meant a second read of that whole run.
    while let Some(dir) = stack.pop() {
        let at = || format!("{}:{}", dir.icb.partition, dir.icb.block);
        let fe = vol
            .read_entry(dir.icb)
            .map_err(|e| e.context(format!("UDF directory {}", r.tree.path_of(dir.node))))?;
        if fe.icb_tag.file_type != file_type::DIRECTORY {
            return Err(inconsistent(format!(
                "UDF directory {} (ICB at {}) is not a directory (file type {})",
                r.tree.path_of(dir.node),
                at(),
                fe.icb_tag.file_type
            )));
        }
        r.tree.node_mut(dir.node).attrs = attrs_of(&fe, Attrs::dir());
        if let Some(o) = &mut r.origins {
            o.note(dir.node, dir.icb.partition, dir.icb.block, fe.unique_id);
        }
        r.read_dir(&dir, &fe, &mut stack)?;
    }
    r.tree.shrink_to_fit();
    let base = r.origins.and_then(|o| o.finish(vol.base_layout, &r.tree));
    Ok((r.tree, base))
}

impl Reader<'_, '_> {
    fn read_dir(&mut self, dir: &Pending, fe: &FileEntry, stack: &mut Vec<Pending>) -> Result<()> {
        let path = |r: &Self| r.tree.path_of(dir.node);
        if !self.visited.insert(dir.icb) {
            return Err(inconsistent(format!(
                "UDF directory {} at {}:{} is referenced twice (a loop)",
                path(self),
                dir.icb.partition,
                dir.icb.block
            )));
        }
        let size = fe.information_length;
        if size > self.limits.max_directory_bytes as u64 {
            return Err(too_much(format!(
                "UDF directory {} has {size} bytes, more than the {} this importer accepts",
                path(self),
                self.limits.max_directory_bytes
            )));
        }
        self.directory_bytes = self.directory_bytes.saturating_add(size);
        if self.directory_bytes > self.limits.max_total_directory_bytes {
            return Err(too_much(format!(
                "UDF directories hold more than {} bytes in all",
                self.limits.max_total_directory_bytes
            )));
        }
        let data = self
            .vol
            .read_file_bytes(fe, dir.icb, self.limits.max_directory_bytes as u64)
            .map_err(|e| e.context(format!("directory {}", path(self))))?;
        for (at, fid) in fids(&data) {
            let fid =
                fid.map_err(|e| layout_err(e, &format!("directory {} offset {at}", path(self))))?;
            if fid.is_parent() || fid.is_deleted() {
                continue;
            }
            self.entry(dir, &fid, stack)?;
        }
        Ok(())
    }

    fn entry(&mut self, dir: &Pending, fid: &Fid, stack: &mut Vec<Pending>) -> Result<()> {
        let name = fid.name().map_err(|e| {
            layout_err(
                e,
                &format!("name in directory {}", self.tree.path_of(dir.node)),
            )
        })?;
        let where_ = || {
            format!(
                "UDF entry {name:?} of directory {}",
                self.tree.path_of(dir.node)
            )
        };
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PATH,
                format!("{}: the name cannot be imported", where_()),
            ));
        }
        if self.tree.len() >= self.limits.max_entries {
            return Err(too_much(format!(
                "more than {} entries in the imported tree",
                self.limits.max_entries
            )));
        }
        let icb = fid.icb.location;
        if fid.is_directory() {
            if dir.depth + 1 > MAX_DEPTH {
                return Err(too_much(format!(
                    "{}: directories nested deeper than {MAX_DEPTH}",
                    where_()
                )));
            }
            let kind = Kind::Dir(Default::default());
            if let Some(node) = self
                .tree
                .insert_if_absent(dir.node, &name, Attrs::dir(), kind)
            {
                stack.push(Pending {
                    icb,
                    node,
                    depth: dir.depth + 1,
                });
            }
            return Ok(());
        }
        let fe = self.vol.read_entry(icb).map_err(|e| e.context(where_()))?;
        let ft = fe.icb_tag.file_type;
        let (kind, attrs) = match ft {
            file_type::DIRECTORY => {
                return Err(inconsistent(format!(
                    "{}: a directory's entry behind an identifier that names no directory",
                    where_()
                )))
            }
            file_type::SYMLINK => {
                let raw = self
                    .vol
                    .read_file_bytes(&fe, icb, MAX_SYMLINK_BYTES)
                    .map_err(|e| e.context(where_()))?;
                let target = decode_symlink(&raw).map_err(|e| layout_err(e, &where_()))?;
                (
                    Kind::Symlink(target.into()),
                    attrs_of(&fe, Attrs::symlink()),
                )
            }
            file_type::REGULAR | file_type::UNSPECIFIED | file_type::REAL_TIME => {
                let data = self.file_data(&fe, icb).map_err(|e| {
                    e.context(format!(
                        "UDF entry {name:?} of directory {}",
                        self.tree.path_of(dir.node)
                    ))
                })?;
                (Kind::File(data), attrs_of(&fe, Attrs::file()))
            }
            // Devices, FIFOs, sockets, stream directories: no place in the
            // tree model (as for ISO 9660 import).
            _ => return Ok(()),
        };
        let Some(node) = self.tree.insert_if_absent(dir.node, &name, attrs, kind) else {
            return Ok(());
        };
        if let Some(o) = &mut self.origins {
            o.note(node, icb.partition, icb.block, fe.unique_id);
        }
        Ok(())
    }

    fn remember(&mut self, bytes: u64) -> Result<()> {
        self.memory_bytes += bytes;
        if self.memory_bytes > self.limits.max_total_directory_bytes {
            return Err(too_much(format!(
                "more than {} bytes of embedded or sparse file data",
                self.limits.max_total_directory_bytes
            )));
        }
        Ok(())
    }

    fn file_data(&mut self, fe: &FileEntry, icb: LbAddr) -> Result<FileData> {
        let size = fe.information_length;
        if fe.icb_tag.ad_type_bits() == AdType::Embedded as u16 {
            let bytes = embedded(fe, icb)?;
            self.remember(bytes.len() as u64)?;
            return Ok(FileData {
                size,
                content: Content::New(Arc::new(MemoryData(bytes.into())).into()),
            });
        }
        let pieces = self.vol.file_extents(fe, icb)?;
        if pieces.iter().all(|(lba, _)| lba.is_some()) {
            let extents: Vec<Extent> = pieces
                .iter()
                .map(|(lba, len)| Extent {
                    lba: lba.expect("all recorded"),
                    len: *len,
                })
                .collect();
            let content = if extents.is_empty() {
                Content::OnMedium(vec![Extent { lba: 0, len: 0 }].into())
            } else {
                Content::OnMedium(extents.into())
            };
            return Ok(FileData { size, content });
        }
        if pieces.iter().all(|(lba, _)| lba.is_none()) {
            return Ok(FileData {
                size,
                content: Content::New(Arc::new(Zeros(size)).into()),
            });
        }
        // Recorded extents and holes: read into memory when small.
        if size > MAX_SPARSE_MIX_BYTES {
            return Err(too_much(format!(
                "a sparse file of {size} bytes with recorded parts (at most {MAX_SPARSE_MIX_BYTES} are read into memory)"
            )));
        }
        self.remember(size)?;
        let bytes = self.vol.read_file_bytes(fe, icb, MAX_SPARSE_MIX_BYTES)?;
        Ok(FileData {
            size,
            content: Content::New(Arc::new(MemoryData(bytes.into())).into()),
        })
    }
}

/// Identifies the UDF volume of a session, `None` when there is no
/// recognition sequence. A damaged volume behind a valid recognition
/// sequence is an error.
///
/// The anchor at session start + 256 and the main sequence give the
/// revision and the name without probing for the end of the medium (reads
/// beyond the recorded area are slow errors on some drives); only when
/// they fail is the volume opened the full way.
pub fn identify(
    src: &dyn BlockSource,
    session_start: u32,
    limits: &ImportLimits,
) -> Result<Option<UdfInfo>> {
    if !has_vrs(src, session_start) {
        return Ok(None);
    }
    if let Some(info) = quick_info(src, session_start) {
        return Ok(Some(info));
    }
    Ok(Some(Volume::open(src, session_start, limits)?.info))
}

/// Revision, name and extent of a volume from its descriptors. A domain
/// identifier without a revision (old writers) is read from the partition
/// contents: NSR03 is UDF 2.00+, NSR02 1.02/1.50.
fn udf_info(lvd: &Lvd, pds: &[Pd], pvd: Option<&Pvd>) -> UdfInfo {
    let mut revision = lvd.domain_id.udf_revision();
    if revision == 0 {
        revision = if pds.iter().any(|p| p.contents.is(NSR03)) {
            0x0200
        } else {
            0x0102
        };
    }
    UdfInfo {
        revision,
        volume_id: if lvd.volume_id.is_empty() {
            pvd.map(|p| p.volume_id.clone()).unwrap_or_default()
        } else {
            lvd.volume_id.clone()
        },
        end_block: pds
            .iter()
            .map(|p| p.start.saturating_add(p.length))
            .max()
            .unwrap_or(0),
    }
}

fn quick_info(src: &dyn BlockSource, session_start: u32) -> Option<UdfInfo> {
    let at = session_start.checked_add(256)?;
    let b = read_block(src, at, "anchor").ok()?;
    let (_, avdp) = Avdp::parse(&b, Some(at)).ok()?;
    let vds = read_vds(src, avdp.main_vds, u32::MAX).ok()?;
    let lvd = vds.lvd.as_ref()?;
    Some(udf_info(lvd, &vds.pds, vds.pvd.as_ref()))
}

/// The newest session of a UDF-only volume on a random-write medium, as
/// this library commits one (docs/udf-notes.md §4): with no ISO 9660
/// descriptors at 16, the anchor at 256 leads to the session's main
/// sequence (at its start + 32). A volume another writer made (mkudffs:
/// main sequence elsewhere, no recognition sequence there) starts at 0.
/// Its end is where the session layer places the next session
/// ([`crate::volume::udf_volume_end`]), so the image and the multisession
/// object agree. `None` when block 16 starts no UDF recognition sequence
/// or the anchor leads to no volume: (start, end) of the session.
pub fn committed_udf_session(src: &dyn BlockSource, last: u32) -> Option<(u32, u32)> {
    if !has_vrs(src, 0) {
        return None;
    }
    let b = read_block(src, UdfAreas::ANCHOR, "anchor").ok()?;
    let (_, avdp) = Avdp::parse(&b, Some(UdfAreas::ANCHOR)).ok()?;
    let start = match avdp.main_vds.location.checked_sub(UdfAreas::MAIN_VDS) {
        Some(start) if start > 0 && has_vrs(src, start) => start,
        _ => 0,
    };
    let vds = read_vds(src, avdp.main_vds, last).ok()?;
    vds.lvd.as_ref()?;
    let end = crate::volume::udf_volume_end(src, last).ok()??;
    (end > start).then_some((start, end))
}

/// Opens and reads the UDF volume of a session.
///
/// With `base` (an import a next session builds on) comes what that
/// session can keep of the volume's metadata ([`UdfBase`]), when the
/// volume qualifies; a listing does without its 16 bytes per item.
pub fn import(
    src: &dyn BlockSource,
    session_start: u32,
    limits: ImportLimits,
    base: bool,
) -> Result<(UdfInfo, Tree, Option<UdfBase>)> {
    let vol = Volume::open(src, session_start, &limits)?;
    let (tree, base) = read_tree_and_base(&vol, limits, base)?;
    Ok((vol.info.clone(), tree, base))
}

/// A UDF import for a next session to build on, as [`import`] with `base`
/// gives it, and whether the tree is the bridge's other tree.
pub struct ForNextSession {
    pub info: UdfInfo,
    pub tree: Tree,
    pub base: Option<UdfBase>,
    /// The tree is what `iso_tree` gave, each item matched by name and
    /// kind to the UDF identifier naming it: the two trees agree that far
    /// and the caller need not compare them.
    pub from_iso: bool,
}

/// Imports the UDF volume of the session at `session_start` for a next
/// session to build on. A bridge this library wrote, in a layout a next
/// session can keep entries of, is read the short way
/// ([`super::bridge::over_iso`]): the tree `iso_tree` reads from the
/// source it is given (its Rock Ridge tree, read whole; on a second thread
/// when the source allows), the file entries found through the UDF
/// directories alone. Any other volume, or one whose UDF directories do
/// not name exactly that tree, is read as [`import`] reads it.
pub fn import_for_next_session(
    src: &dyn BlockSource,
    session_start: u32,
    limits: ImportLimits,
    iso_tree: impl Fn(&dyn BlockSource) -> Option<Tree> + Sync,
) -> Result<ForNextSession> {
    let vol = Volume::open(src, session_start, &limits)?;
    let info = vol.info.clone();
    if let Some(layout) = vol.base_layout.filter(|_| vol.written_here) {
        let short = super::bridge::over_iso(&vol, layout, iso_tree, &limits);
        if let Some((tree, base)) = short {
            return Ok(ForNextSession {
                info,
                tree,
                base: Some(base),
                from_iso: true,
            });
        }
        vol.read_ahead(true);
    }
    let (tree, base) = read_tree_and_base(&vol, limits, true)?;
    Ok(ForNextSession {
        info,
        tree,
        base,
        from_iso: false,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testimg::*;
    use super::*;

    fn read(m: &Medium) -> Result<Tree> {
        import(m, 0, ImportLimits::default(), false).map(|(_, t, _)| t)
    }

    fn bytes_of(t: &Tree, m: &Medium, path: &str) -> Vec<u8> {
        let Kind::File(d) = &t.node(t.lookup(path).unwrap()).kind else {
            panic!("{path} is not a file");
        };
        let mut out = Vec::new();
        match &d.content {
            Content::OnMedium(ext) => {
                for e in ext.iter() {
                    let mut buf = vec![0u8; (e.len as usize).div_ceil(BLOCK_SIZE) * BLOCK_SIZE];
                    m.read_blocks(e.lba, &mut buf).unwrap();
                    out.extend_from_slice(&buf[..e.len as usize]);
                }
            }
            Content::New(src) => {
                src.open().unwrap().read_to_end(&mut out).unwrap();
            }
        }
        assert_eq!(out.len() as u64, d.size);
        out
    }

    #[test]
    fn a_metadata_partition_maps_icbs_and_directories_through_the_metadata_file() {
        let mut b = Builder::new(true);
        let f = b.file(b"through the metadata file\n");
        let sub_file = b.file(&[7u8; 5000]);
        let sub = b.dir(&[("inner.bin", sub_file, 0)]);
        let root = b.dir(&[("a.txt", f, 0), ("sub", sub, fid_flags::DIRECTORY)]);
        let m = b.finish(root);
        let (info, t, _) = import(m, 0, ImportLimits::default(), false).unwrap();
        assert_eq!(info.revision, 0x0250);
        assert_eq!(info.volume_id, "Synthetic");
        assert_eq!(bytes_of(&t, m, "/a.txt"), b"through the metadata file\n");
        assert_eq!(bytes_of(&t, m, "/sub/inner.bin"), vec![7u8; 5000]);
        assert_eq!(t.node(t.lookup("/sub").unwrap()).attrs.mode, 0o755);
    }

    #[test]
    fn a_damaged_metadata_file_falls_back_to_its_mirror() {
        let mut b = Builder::new(true);
        let f = b.file(b"mirror\n");
        let root = b.dir(&[("m.txt", f, 0)]);
        b.finish(root);
        // The mirror: a copy of the metadata file's entry at block 60.
        let main = b.m.blocks[&(PART + 50)].clone();
        let (_, mut fe) = FileEntry::parse(&main, Some(50)).unwrap();
        fe.icb_tag.file_type = file_type::METADATA_MIRROR;
        let raw = fe.encode(TagParams::new(3, 1, 60));
        b.put(PART + 60, &raw);
        b.m.blocks.get_mut(&(PART + 50)).unwrap()[20] ^= 0xFF;
        let t = read(&b.m).unwrap();
        assert_eq!(bytes_of(&t, &b.m, "/m.txt"), b"mirror\n");
        // Without the mirror it is a clear error.
        b.m.blocks.remove(&(PART + 60));
        let e = read(&b.m).unwrap_err();
        assert_eq!(
            e.code(),
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            "{e}"
        );
    }

    #[test]
    fn embedded_data_becomes_new_data_and_holes_read_as_zeros() {
        let mut b = Builder::new(false);
        let small = b"in the ICB itself".to_vec();
        let emb = Builder::fe(
            file_type::REGULAR,
            AdType::Embedded,
            small.len() as u64,
            small.clone(),
        );
        let emb = b.entry(&emb);
        let hole = Builder::fe(
            file_type::REGULAR,
            AdType::Short,
            10_000,
            encode_ads(
                &[Ad {
                    length: 10_000,
                    kind: ExtentType::NotAllocated,
                    location: LbAddr::default(),
                }],
                AdType::Short,
            ),
        );
        let hole = b.entry(&hole);
        let data = b.data(&[9u8; 2048]);
        let mixed = Builder::fe(
            file_type::REGULAR,
            AdType::Short,
            4096 + 100,
            encode_ads(
                &[
                    Ad {
                        length: 2048,
                        kind: ExtentType::Recorded,
                        location: LbAddr {
                            block: data,
                            partition: 0,
                        },
                    },
                    Ad {
                        length: 2048 + 100,
                        kind: ExtentType::AllocatedNotRecorded,
                        location: LbAddr {
                            block: 0,
                            partition: 0,
                        },
                    },
                ],
                AdType::Short,
            ),
        );
        let mixed = b.entry(&mixed);
        let root = b.dir(&[("emb", emb, 0), ("hole", hole, 0), ("mixed", mixed, 0)]);
        let m = b.finish(root);
        let t = read(m).unwrap();
        let node = |p: &str| &t.node(t.lookup(p).unwrap()).kind;
        assert!(matches!(
            node("/emb"),
            Kind::File(FileData {
                content: Content::New(_),
                ..
            })
        ));
        assert_eq!(bytes_of(&t, m, "/emb"), small);
        assert_eq!(bytes_of(&t, m, "/hole"), vec![0u8; 10_000]);
        let mut want = vec![9u8; 2048];
        want.resize(4096 + 100, 0);
        assert_eq!(bytes_of(&t, m, "/mixed"), want);
    }

    /// A file over 4 GiB in 1 GiB extents, the later ones behind an AED.
    #[test]
    fn a_file_over_4_gib_keeps_all_its_extents_across_an_aed() {
        let mut b = Builder::new(false);
        let gib = MAX_AD_LENGTH & !2047;
        let ext = |i: u32| Ad {
            length: gib,
            kind: ExtentType::Recorded,
            location: LbAddr {
                block: 2000 + i * (gib / 2048),
                partition: 0,
            },
        };
        b.m.total = PART + 2000 + 5 * (gib / 2048) + 10;
        let (aed_addr, aed_lba) = b.meta_block();
        let aed = Aed {
            previous: 0,
            allocation_descriptors: encode_ads(&[ext(2), ext(3), ext(4)], AdType::Long),
        };
        let raw = aed.encode(TagParams::new(3, 1, aed_addr.block));
        b.put(aed_lba, &raw);
        let mut first = vec![ext(0), ext(1)];
        first.push(Ad {
            length: 48,
            kind: ExtentType::Continuation,
            location: aed_addr,
        });
        let size = 5 * gib as u64 - 1000;
        let fe = Builder::fe(
            file_type::REGULAR,
            AdType::Long,
            size,
            encode_ads(&first, AdType::Long),
        );
        let big = b.entry(&fe);
        let root = b.dir(&[("big", big, 0)]);
        let m = b.finish(root);
        let t = read(m).unwrap();
        let Kind::File(d) = &t.node(t.lookup("/big").unwrap()).kind else {
            panic!()
        };
        assert_eq!(d.size, size);
        let Content::OnMedium(ext_got) = &d.content else {
            panic!()
        };
        let total: u64 = ext_got.iter().map(|e| e.len as u64).sum();
        assert_eq!(total, size);
        assert_eq!(ext_got[0].lba, PART + 2000);
        assert!(ext_got.iter().all(|e| e.len < u32::MAX));
    }

    #[test]
    fn hostile_structures_end_in_clear_errors() {
        // A directory that contains itself.
        let mut b = Builder::new(false);
        let (root_addr, _) = (
            LbAddr {
                block: META_BASE,
                partition: 0,
            },
            0,
        );
        let root = b.dir(&[("loop", LongAd::new(2048, root_addr), fid_flags::DIRECTORY)]);
        assert_eq!(root.location, root_addr);
        let e = read(b.finish(root)).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
        assert!(e.detail().contains("loop"), "{e}");

        // An AED that continues into itself.
        let mut b = Builder::new(false);
        let (aed_addr, aed_lba) = b.meta_block();
        let aed = Aed {
            previous: 0,
            allocation_descriptors: encode_ads(
                &[Ad {
                    length: 32,
                    kind: ExtentType::Continuation,
                    location: aed_addr,
                }],
                AdType::Long,
            ),
        };
        let raw = aed.encode(TagParams::new(3, 1, aed_addr.block));
        b.put(aed_lba, &raw);
        let fe = Builder::fe(
            file_type::REGULAR,
            AdType::Long,
            4096,
            encode_ads(
                &[Ad {
                    length: 16,
                    kind: ExtentType::Continuation,
                    location: aed_addr,
                }],
                AdType::Long,
            ),
        );
        let f = b.entry(&fe);
        let root = b.dir(&[("f", f, 0)]);
        let e = read(b.finish(root)).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

        // An extent beyond the medium, with a huge AD length.
        let mut b = Builder::new(false);
        let fe = Builder::fe(
            file_type::REGULAR,
            AdType::Long,
            MAX_AD_LENGTH as u64,
            encode_ads(
                &[Ad {
                    length: MAX_AD_LENGTH,
                    kind: ExtentType::Recorded,
                    location: LbAddr {
                        block: 19_000,
                        partition: 0,
                    },
                }],
                AdType::Long,
            ),
        );
        let f = b.entry(&fe);
        let root = b.dir(&[("f", f, 0)]);
        let e = read(b.finish(root)).unwrap_err();
        assert_eq!(
            e.code(),
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            "{e}"
        );

        // A file entry whose size its extents do not cover.
        let mut b = Builder::new(false);
        let data = b.data(b"short");
        let fe = Builder::fe(
            file_type::REGULAR,
            AdType::Long,
            1 << 40,
            encode_ads(
                &[Ad {
                    length: 5,
                    kind: ExtentType::Recorded,
                    location: LbAddr {
                        block: data,
                        partition: 0,
                    },
                }],
                AdType::Long,
            ),
        );
        let f = b.entry(&fe);
        let root = b.dir(&[("f", f, 0)]);
        let e = read(b.finish(root)).unwrap_err();
        assert_eq!(
            e.code(),
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            "{e}"
        );

        // A VDP pointing at itself: the main sequence loops, the reserve
        // one is used.
        let mut b = Builder::new(false);
        let f = b.file(b"x");
        let root = b.dir(&[("x", f, 0)]);
        b.finish(root);
        let vdp = Vdp {
            vds_number: 9,
            next: ExtentAd {
                length: 2048,
                location: 32,
            },
        };
        let raw = vdp.encode(TagParams::new(3, 1, 32));
        b.put(32, &raw);
        assert!(read(&b.m).is_ok());
        let mut v = vdp;
        v.next.location = 64;
        let raw = v.encode(TagParams::new(3, 1, 64));
        b.put(64, &raw);
        let e = read(&b.m).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
        assert!(e.detail().contains("loop"), "{e}");
    }

    #[test]
    fn a_lying_vat_is_refused() {
        // A virtual partition whose VAT maps the root somewhere not a FE.
        let entries = [5_000u32, u32::MAX];
        let vat = encode_vat_150(&entries, u32::MAX);
        let v = vat_entries(file_type::UNSPECIFIED, &vat).unwrap().unwrap();
        let vol_parts = vec![
            Partition::Physical {
                start: 10,
                length: 100,
            },
            Partition::Virtual { phys: 0, vat: v },
        ];
        let m = Medium {
            blocks: std::collections::HashMap::new(),
            total: 200,
        };
        let vol = Volume {
            src: &m,
            info: UdfInfo {
                revision: 0x0150,
                volume_id: String::new(),
                end_block: 110,
            },
            partitions: vol_parts,
            last_block: 199,
            root: LongAd::new(0, LbAddr::default()),
            base_layout: None,
            written_here: false,
            cache: BlockCache::new(RUN).into(),
        };
        let e = vol
            .map(LbAddr {
                block: 0,
                partition: 1,
            })
            .unwrap_err();
        assert!(e.detail().contains("beyond partition"), "{e}");
        let e = vol
            .map(LbAddr {
                block: 1,
                partition: 1,
            })
            .unwrap_err();
        assert!(e.detail().contains("unused"), "{e}");
        let e = vol
            .map(LbAddr {
                block: 2,
                partition: 1,
            })
            .unwrap_err();
        assert!(e.detail().contains("VAT"), "{e}");
        let e = vol
            .map(LbAddr {
                block: 0,
                partition: 7,
            })
            .unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    }

    #[test]
    fn deleted_entries_are_skipped_and_hidden_ones_kept() {
        let mut b = Builder::new(false);
        let kept = b.file(b"hidden but there");
        let gone = b.file(b"deleted");
        let root = b.dir(&[
            ("hidden", kept, fid_flags::HIDDEN),
            ("gone", gone, fid_flags::DELETED),
        ]);
        let t = read(b.finish(root)).unwrap();
        assert!(t.lookup("/hidden").is_ok());
        assert!(t.lookup("/gone").is_err());
        assert_eq!(t.len(), 1);
    }
}
