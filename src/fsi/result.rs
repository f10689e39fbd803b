//! `ResultImage` (`IFileSystemImageResult`): the next session as created by
//! [`super::FileSystemImage::create_result_image`], streamed block by block
//! to whoever writes it (`burn::DataWriter`, the C `ms_result_read`).

use crate::error::Result;
use crate::fsi::build::Session;
use crate::fsi::{Anchor, SessionStream, BLOCK_SIZE};

/// A range of LBAs, both ends included (IMAPI's `IBlockRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRange {
    /// First LBA of the range.
    pub start_lba: u32,
    /// Last LBA of the range (included).
    pub end_lba: u32,
}

/// The built session. Metadata is in memory; file data is read from its
/// sources only as blocks are asked for. On a disc that keeps libisofs
/// checksums, tag blocks and the array hold MD5s of all blocks before
/// them: read in order, they cost nothing extra; asked for first, the
/// blocks before them are read once more to compute them.
#[derive(Debug)]
pub struct ResultImage {
    session: Session,
    volume_name: String,
}

impl ResultImage {
    pub(crate) fn new(session: Session, volume_name: String) -> ResultImage {
        ResultImage {
            session,
            volume_name,
        }
    }

    /// `get_BlockSize`.
    pub const fn block_size(&self) -> usize {
        BLOCK_SIZE
    }

    /// The volume name the session records.
    pub fn volume_name(&self) -> &str {
        &self.volume_name
    }

    /// `IFileSystemImageResult2::get_ModifiedBlocks`: the blocks writing
    /// this result changes on the medium — the session itself and, on
    /// overwritable media, the anchor at LBA 16 (and a UDF bridge's at 256).
    pub fn modified_blocks(&self) -> Vec<BlockRange> {
        let mut ranges = Vec::with_capacity(3);
        for a in [self.session.anchor(), self.session.second_anchor()]
            .into_iter()
            .flatten()
        {
            ranges.push(BlockRange {
                start_lba: a.lba,
                end_lba: a.lba + a.blocks - 1,
            });
        }
        let blocks = self.session.total_blocks();
        if blocks > 0 {
            let start = self.session.start_block();
            ranges.push(BlockRange {
                start_lba: start,
                end_lba: start + (blocks - 1),
            });
        }
        ranges
    }
}

impl SessionStream for ResultImage {
    fn start_block(&self) -> u32 {
        self.session.start_block()
    }

    fn total_blocks(&self) -> u32 {
        self.session.total_blocks()
    }

    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        self.session.read_blocks(first, buf)
    }

    fn anchor(&self) -> Option<Anchor> {
        self.session.anchor()
    }

    fn read_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        self.session.read_anchor(buf)
    }

    fn second_anchor(&self) -> Option<Anchor> {
        self.session.second_anchor()
    }

    fn read_second_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        self.session.read_second_anchor(buf)
    }
}
