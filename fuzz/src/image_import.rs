//! A disc image as the last session of a disc: identify it and import every
//! file system it claims (ISO 9660, Joliet, Rock Ridge, UDF), under the
//! limits a caller would use. Any input must end in a tree or a clear
//! error — never a panic, never unbounded work.
//!
//! The input is a sparse image — a sequence of (block number, block)
//! pairs, each a little-endian u16 followed by up to 2048 bytes, every
//! other block zero — so that the anchors of UDF at block 256 and the
//! descriptors of ISO 9660 at block 16 fit in a few kilobytes.

use std::collections::BTreeMap;

use multisession::error::Result;
use multisession::fsi::{self, BlockSource, FileSystems, ImportLimits, BLOCK_SIZE};
use multisession::hresult::MS_IMAPI_E_IMPORT_READ_FAILURE;
use multisession::Error;

/// Bytes of one (block number, block) pair of the input.
pub const CHUNK: usize = 2 + BLOCK_SIZE;

/// The input as a medium: its blocks, zero elsewhere up to `blocks`.
struct Medium {
    data: BTreeMap<u32, Vec<u8>>,
    blocks: u32,
}

impl Medium {
    fn parse(mut input: &[u8]) -> Medium {
        let mut data = BTreeMap::new();
        while input.len() > 2 {
            let lba = u32::from(u16::from_le_bytes([input[0], input[1]]));
            let take = input.len().min(CHUNK);
            let mut block = input[2..take].to_vec();
            block.resize(BLOCK_SIZE, 0);
            data.insert(lba, block);
            input = &input[take..];
        }
        let last = data.keys().next_back().copied().unwrap_or(0);
        Medium {
            data,
            blocks: last.max(300) + 8,
        }
    }
}

impl BlockSource for Medium {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        let count = (buf.len() / BLOCK_SIZE) as u64;
        if u64::from(lba) + count > u64::from(self.blocks) {
            return Err(Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("block {lba} is beyond the medium"),
            ));
        }
        for (i, out) in buf.chunks_exact_mut(BLOCK_SIZE).enumerate() {
            match self.data.get(&(lba + i as u32)) {
                Some(block) => out.copy_from_slice(block),
                None => out.fill(0),
            }
        }
        Ok(())
    }
}

fn limits(medium: &Medium) -> ImportLimits {
    ImportLimits {
        max_entries: 4096,
        medium_blocks: Some(medium.blocks),
        ..ImportLimits::default()
    }
}

/// Imports the input's preferred file system; for seeds, which must.
pub fn import_preferred(data: &[u8]) -> Result<FileSystems> {
    let medium = Medium::parse(data);
    let imported = fsi::import(&medium, 0, None, limits(&medium))?;
    Ok(imported.file_system)
}

/// One input: see the module documentation for what must hold.
pub fn run(data: &[u8]) {
    let medium = Medium::parse(data);
    let limits = limits(&medium);
    let Ok(found) = fsi::identify(&medium, 0) else {
        return;
    };
    for fs in [
        None,
        Some(FileSystems::ISO9660),
        Some(FileSystems::JOLIET),
        Some(FileSystems::UDF),
    ] {
        if fs.is_some_and(|fs| !found.file_systems.contains(fs)) {
            continue;
        }
        let _ = fsi::import(&medium, 0, fs, limits);
    }
}
