//! Writing a stream the library did not build — a caller's bytes of known
//! size, or an ISO image file (`growisofs -M dev=img.iso`, `cdrecord
//! image.iso`, IMAPI's `Write(IStream)`) — as the next session, through
//! the same [`DataWriter::write`] as a built session: same checks,
//! progress, cancel, verify and crash safety.
//!
//! Where it goes: the next writable address on sequential media; on
//! overwritable media the place the multisession object names (0 on a
//! blank one, else after the ISO 9660 volume LBA 16 describes). A session
//! not at 0 on overwritable media must be an ISO 9660 image whose
//! descriptors are then copied to LBA 16 last, growisofs' commit: the
//! anchor of [`SessionStream`]. The image's own block addresses must be
//! those of where it lands (genisoimage `-C start,next -M …` for a later
//! session); one built for elsewhere is refused before anything is written,
//! because its directories would point into other data.

use std::io::Read;

use crate::block::BLOCK_SIZE;
use crate::error::{Error, Result};
use crate::fsi::{Anchor, FileSystemImage, SessionStream};
use crate::hresult::{
    MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA, MS_E_INVALIDARG,
    MS_IMAPI_E_DATA_STREAM_READ_FAILURE,
};
use crate::media::MediaState;
use crate::recorder::Recorder;
use crate::session;

/// The first blocks kept in memory: the system area and a descriptor set
/// of any real size.
const HEAD_BLOCKS: u32 = 64;
const DESCRIPTORS_AT: u32 = 16;

/// Where the next session starts on the medium in `recorder`, its room,
/// and whether the medium is overwritten in place.
pub fn next_session_target(recorder: &std::sync::Arc<Recorder>) -> Result<crate::fsi::Target> {
    let mut image = FileSystemImage::new();
    let media = recorder.media_info()?;
    if media.media_state().contains(MediaState::BLANK) {
        image.choose_image_defaults(recorder)?;
    } else {
        image.set_multisession_interfaces(session::offer(recorder)?)?;
    }
    image.target()
}

/// A caller's stream as the next session.
pub struct StreamSession {
    start: u32,
    blocks: u32,
    size: u64,
    head: Vec<u8>,
    reader: Box<dyn Read + Send>,
    /// The next block the reader gives.
    next: u32,
    anchor: Option<Anchor>,
}

impl std::fmt::Debug for StreamSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamSession")
            .field("start", &self.start)
            .field("blocks", &self.blocks)
            .field("anchor", &self.anchor)
            .finish()
    }
}

fn read_failure(e: std::io::Error, at: u64) -> Error {
    Error::new(
        MS_IMAPI_E_DATA_STREAM_READ_FAILURE,
        format!("reading the stream at byte {at}: {e}"),
    )
}

/// Fills `buf` from `reader`; short only at its end.
fn fill(reader: &mut dyn Read, buf: &mut [u8], at: u64) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_failure(e, at + got as u64)),
        }
    }
    Ok(got)
}

impl StreamSession {
    /// `size` bytes from `reader` as the next session on the medium in
    /// `recorder` (padded with zeros to whole blocks). Reads the first
    /// blocks now to see whether it is an ISO 9660 image and for which
    /// address it was built.
    pub fn new(
        recorder: &std::sync::Arc<Recorder>,
        size: u64,
        mut reader: Box<dyn Read + Send>,
    ) -> Result<StreamSession> {
        let blocks = u32::try_from(size.div_ceil(BLOCK_SIZE as u64)).map_err(|_| {
            Error::new(
                MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
                format!("a stream of {size} bytes is larger than any medium"),
            )
        })?;
        if blocks == 0 {
            return Err(Error::new(MS_E_INVALIDARG, "the stream is empty"));
        }
        let target = next_session_target(recorder)?;
        if target.free_blocks != 0 && blocks > target.free_blocks {
            return Err(Error::new(
                MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
                format!(
                    "the stream takes {blocks} blocks, the medium has {} free after LBA {}",
                    target.free_blocks, target.start_block
                ),
            ));
        }
        let head_blocks = blocks.min(HEAD_BLOCKS);
        let mut head = vec![0u8; head_blocks as usize * BLOCK_SIZE];
        let want = (head.len() as u64).min(size) as usize;
        let got = fill(&mut *reader, &mut head[..want], 0)?;
        if got < want {
            return Err(short(size, got as u64));
        }
        let descriptors = iso_descriptors(&head);
        let start = target.start_block;
        if let Some(d) = &descriptors {
            if d.root_extent < start || d.root_extent >= start.saturating_add(blocks) {
                return Err(Error::new(
                    MS_E_INVALIDARG,
                    format!(
                        "the ISO image's root directory is at block {}, outside the {blocks} blocks \
                         it would take from LBA {start}: it was built for another address \
                         (build it with genisoimage -C {},{start} -M … for this medium)",
                        d.root_extent,
                        recorder
                            .media_info()?
                            .previous_session
                            .map_or(0, |s| s.start)
                    ),
                ));
            }
        }
        let anchor = match (target.overwrite && start > 0, &descriptors) {
            (false, _) => None,
            (true, Some(d)) => Some(Anchor {
                lba: DESCRIPTORS_AT,
                blocks: d.count,
            }),
            (true, None) => {
                return Err(Error::new(
                    MS_E_INVALIDARG,
                    format!(
                        "a later session on overwritable media must be an ISO 9660 image \
                         (its descriptors are copied to LBA 16); the stream has none at block 16 \
                         and would land at LBA {start}"
                    ),
                ))
            }
        };
        Ok(StreamSession {
            start,
            blocks,
            size,
            head,
            reader,
            next: head_blocks,
            anchor,
        })
    }
}

fn short(size: u64, got: u64) -> Error {
    Error::new(
        MS_IMAPI_E_DATA_STREAM_READ_FAILURE,
        format!("the stream ended after {got} of its {size} bytes"),
    )
}

/// An ISO 9660 descriptor set at block 16 of `head`: how many blocks it
/// takes (terminator included) and the primary root's extent.
struct Descriptors {
    count: u32,
    root_extent: u32,
}

fn iso_descriptors(head: &[u8]) -> Option<Descriptors> {
    let block = |i: u32| head.get(i as usize * BLOCK_SIZE..(i as usize + 1) * BLOCK_SIZE);
    let primary = block(DESCRIPTORS_AT)?;
    if primary[0] != 1 || &primary[1..6] != b"CD001" {
        return None;
    }
    let root_extent = u32::from_le_bytes(primary[158..162].try_into().ok()?);
    let mut i = DESCRIPTORS_AT;
    while let Some(b) = block(i) {
        if &b[1..6] != b"CD001" {
            return None;
        }
        if b[0] == 255 {
            return Some(Descriptors {
                count: i - DESCRIPTORS_AT + 1,
                root_extent,
            });
        }
        i += 1;
    }
    None
}

impl StreamSession {
    /// genisoimage `-C` records the volume space size of the new session
    /// alone; at LBA 16 the descriptors describe the whole volume from 0,
    /// and readers refuse records beyond the size they state. Like
    /// growisofs, the copy gets the size up to the end of this session.
    fn absolute_volume_size(&self, descriptors: &mut [u8]) {
        let end = self.start + self.blocks;
        for d in descriptors.chunks_exact_mut(BLOCK_SIZE) {
            if !matches!(d[0], 1 | 2) || &d[1..6] != b"CD001" {
                continue;
            }
            let recorded = u32::from_le_bytes([d[80], d[81], d[82], d[83]]);
            if recorded < end {
                d[80..84].copy_from_slice(&end.to_le_bytes());
                d[84..88].copy_from_slice(&end.to_be_bytes());
            }
        }
    }
}

impl SessionStream for StreamSession {
    fn start_block(&self) -> u32 {
        self.start
    }

    fn total_blocks(&self) -> u32 {
        self.blocks
    }

    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        let count = (buf.len() / BLOCK_SIZE) as u32;
        let mut done = 0u32;
        let head_blocks = (self.head.len() / BLOCK_SIZE) as u32;
        while done < count && first + done < head_blocks {
            let i = (first + done) as usize * BLOCK_SIZE;
            let o = done as usize * BLOCK_SIZE;
            buf[o..o + BLOCK_SIZE].copy_from_slice(&self.head[i..i + BLOCK_SIZE]);
            done += 1;
        }
        if done == count {
            return Ok(());
        }
        if first + done != self.next {
            return Err(Error::new(
                MS_IMAPI_E_DATA_STREAM_READ_FAILURE,
                format!(
                    "the stream can be read once, in order: block {} asked, {} next",
                    first + done,
                    self.next
                ),
            ));
        }
        let at = u64::from(self.next) * BLOCK_SIZE as u64;
        let rest = &mut buf[done as usize * BLOCK_SIZE..];
        let want = (rest.len() as u64).min(self.size.saturating_sub(at)) as usize;
        let got = fill(&mut *self.reader, &mut rest[..want], at)?;
        if got < want {
            return Err(short(self.size, at + got as u64));
        }
        rest[want..].fill(0);
        self.next = first + count;
        Ok(())
    }

    fn anchor(&self) -> Option<Anchor> {
        self.anchor
    }

    fn read_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        let from = DESCRIPTORS_AT as usize * BLOCK_SIZE;
        let len = buf.len();
        match self.head.get(from..from + len) {
            Some(blocks) => {
                buf.copy_from_slice(blocks);
                self.absolute_volume_size(buf);
                Ok(())
            }
            None => Err(Error::new(
                MS_E_INVALIDARG,
                "the anchor asked for is not the stream's descriptor set",
            )),
        }
    }
}
