//! The blocks of a session before its file data: descriptors, path tables,
//! the ISO 9660 and Joliet directories, continuation areas and the UDF
//! file set, encoded as they are asked for.
//!
//! Only the descriptors are held; a directory is encoded again when its
//! blocks are read, which keeps a million-entry session's memory to its
//! tree. That encoding is most of an append's write: every directory of
//! the disc is rewritten. Each block is a pure function of the plan, so
//! a read runs ahead over the next [`AHEAD_BLOCKS`] and has two threads
//! encode a half each, one of them the caller's. A directory across the
//! cut is encoded by both; each thread keeps the directory it encoded
//! last, so a directory larger than a run is still encoded once per thread.

use super::iso9660::write::{EncodedDir, Plan, Region};
use super::join::join;
use super::tree::NodeId;
use super::udf::write::Volume;
use super::BLOCK_SIZE;
use crate::error::Result;

/// Blocks encoded per run ahead: 1 MiB, about 75 directories of 100
/// entries, so a run's thread start is noise beside its work (runs of 2
/// and 16 MiB were no faster).
pub(crate) const AHEAD_BLOCKS: u32 = 512;

/// Below this many blocks a run is encoded on the caller's thread alone.
const SPLIT_BLOCKS: u32 = 64;

/// The metadata blocks of one session, with the run encoded ahead.
#[derive(Default)]
pub(crate) struct MetaBlocks {
    near: Encoder,
    far: Encoder,
    /// `ahead` holds blocks `ahead_first..` (empty: none).
    ahead_first: u32,
    ahead: Vec<u8>,
}

/// What every metadata block is a function of.
#[derive(Clone, Copy)]
pub(crate) struct Planned<'s> {
    pub plan: &'s Plan,
    pub udf: Option<&'s Volume>,
}

/// One thread's encoder: the directory (or long symlink) it encoded last
/// in each file system.
#[derive(Default)]
struct Encoder {
    udf: Option<(NodeId, Vec<u8>)>,
    iso: Option<(usize, EncodedDir)>,
    joliet: Option<(usize, Vec<u8>)>,
}

impl MetaBlocks {
    /// Block `block` (relative to the session, before `plan.data_start`).
    pub(crate) fn block(&mut self, src: Planned<'_>, block: u32, out: &mut [u8]) -> Result<()> {
        if let Some(at) = self.cached(block) {
            out.copy_from_slice(&self.ahead[at..at + BLOCK_SIZE]);
            return Ok(());
        }
        let end = src.plan.data_start.min(block.saturating_add(AHEAD_BLOCKS));
        let count = end.saturating_sub(block).max(1);
        self.ahead.clear();
        self.ahead.resize(count as usize * BLOCK_SIZE, 0);
        let run = &mut self.ahead[..];
        let encoded = if count < SPLIT_BLOCKS {
            self.near.blocks(src, block, run)
        } else {
            let mid = block + count / 2;
            let (lo, hi) = run.split_at_mut((mid - block) as usize * BLOCK_SIZE);
            let (near, far) = (&mut self.near, &mut self.far);
            let (theirs, mine) = join(|| far.blocks(src, mid, hi), || near.blocks(src, block, lo));
            mine.and(theirs)
        };
        if let Err(e) = encoded {
            self.ahead.clear();
            return Err(e);
        }
        self.ahead_first = block;
        out.copy_from_slice(&self.ahead[..BLOCK_SIZE]);
        Ok(())
    }

    /// A UDF block outside the run (the closing anchor after the data).
    pub(crate) fn udf_block(
        &mut self,
        plan: &Plan,
        udf: &Volume,
        block: u32,
        out: &mut [u8],
    ) -> Result<()> {
        udf.block(plan, block, out, &mut self.near.udf)
    }

    /// Drops the run: the plan's descriptors changed under it.
    pub(crate) fn forget(&mut self) {
        self.ahead.clear();
    }

    fn cached(&self, block: u32) -> Option<usize> {
        let k = block.checked_sub(self.ahead_first)? as usize;
        (k < self.ahead.len() / BLOCK_SIZE).then_some(k * BLOCK_SIZE)
    }
}

impl Encoder {
    /// Blocks `first..` into `out` (whole blocks).
    fn blocks(&mut self, src: Planned<'_>, first: u32, out: &mut [u8]) -> Result<()> {
        for (block, out) in (first..).zip(out.chunks_exact_mut(BLOCK_SIZE)) {
            self.block(src, block, out)?;
        }
        Ok(())
    }

    fn block(&mut self, src: Planned<'_>, block: u32, out: &mut [u8]) -> Result<()> {
        let Planned { plan, udf } = src;
        match plan.region(block) {
            Region::Zero | Region::Data => out.fill(0),
            Region::Udf(rel) => match udf {
                Some(v) => v.block(plan, rel, out, &mut self.udf)?,
                None => out.fill(0),
            },
            Region::Head(at) => out.copy_from_slice(&plan.head()[at..at + BLOCK_SIZE]),
            Region::IsoDir(i, k) => {
                let bytes = &self.iso_dir(plan, i).bytes;
                let at = k as usize * BLOCK_SIZE;
                out.copy_from_slice(&bytes[at..at + BLOCK_SIZE]);
            }
            Region::JolietDir(i, k) => {
                if !matches!(&self.joliet, Some((c, _)) if *c == i) {
                    self.joliet = Some((i, plan.joliet_dir(i)));
                }
                let bytes = &self.joliet.as_ref().expect("cached").1;
                let at = k as usize * BLOCK_SIZE;
                out.copy_from_slice(&bytes[at..at + BLOCK_SIZE]);
            }
            Region::Ce(k) => {
                out.fill(0);
                let from = k * BLOCK_SIZE as u64;
                let to = from + BLOCK_SIZE as u64;
                for (i, ce_start) in plan.ce_dirs(from..to) {
                    let ce = &self.iso_dir(plan, i).ce;
                    let lo = ce_start.max(from);
                    let hi = (ce_start + ce.len() as u64).min(to);
                    if lo < hi {
                        out[(lo - from) as usize..(hi - from) as usize].copy_from_slice(
                            &ce[(lo - ce_start) as usize..(hi - ce_start) as usize],
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn iso_dir(&mut self, plan: &Plan, i: usize) -> &EncodedDir {
        if !matches!(&self.iso, Some((c, _)) if *c == i) {
            self.iso = Some((i, plan.iso_dir(i)));
        }
        &self.iso.as_ref().expect("cached").1
    }
}
