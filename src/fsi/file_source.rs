//! A [`BlockSource`] over a plain image file (a full-disc image whose block
//! N lies at byte N × 2048), for tests, tools and importing from files.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::MS_IMAPI_E_IMPORT_READ_FAILURE;

/// An image file read as a disc: imports and identifies sessions of `.iso` files
/// without a drive.
#[derive(Debug)]
pub struct FileBlocks {
    file: File,
    blocks: u32,
}

impl FileBlocks {
    /// Opens `path` read-only; its size rounded down to whole blocks is the disc.
    pub fn open(path: &Path) -> Result<FileBlocks> {
        let fail = |e: std::io::Error| {
            Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("{}: {e}", path.display()),
            )
        };
        let file = File::open(path).map_err(fail)?;
        let len = file.metadata().map_err(fail)?.len();
        Ok(FileBlocks {
            file,
            blocks: (len / BLOCK_SIZE as u64).min(u32::MAX as u64) as u32,
        })
    }

    /// Whole blocks in the file: the recorded size of the medium.
    pub fn blocks(&self) -> u32 {
        self.blocks
    }
}

impl BlockSource for FileBlocks {
    /// `pread` takes no lock and moves no file position.
    fn shared(&self) -> Option<&(dyn BlockSource + Sync)> {
        Some(self)
    }

    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        let count = (buf.len() / BLOCK_SIZE) as u64;
        if lba as u64 + count > self.blocks as u64 {
            return Err(Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!(
                    "blocks {lba}..{} are beyond the end of the image ({} blocks)",
                    lba as u64 + count,
                    self.blocks
                ),
            ));
        }
        self.file
            .read_exact_at(buf, lba as u64 * BLOCK_SIZE as u64)
            .map_err(|e| {
                Error::new(
                    MS_IMAPI_E_IMPORT_READ_FAILURE,
                    format!("reading {count} blocks at {lba}: {e}"),
                )
            })
    }
}
