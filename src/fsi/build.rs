//! Building the next session from a tree: options, size checks, and the
//! [`Session`] that streams its blocks on demand.

use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

use super::iso9660::descriptor::BootRecord;
use super::iso9660::write::{self, Layout, WriteParams};
use super::names::{self, FileSystems};
use super::tree::Tree;
use super::{Anchor, SessionStream, BLOCK_SIZE};
use crate::error::{Error, Result};
use crate::hresult::*;

/// How to build a session.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// LBA the session will be written at (`SessionStartBlock`).
    pub start_block: u32,
    /// `FileSystemsToCreate`: ISO 9660 (always, it carries Rock Ridge)
    /// and optionally Joliet.
    pub file_systems: FileSystems,
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
        }
    }
}

/// Checks a `FileSystemsToCreate` mask for what this builder writes.
pub fn validate_file_systems(fs: FileSystems) -> Result<()> {
    if fs.is_empty() {
        return Err(Error::new(MS_IMAPI_E_NO_OUTPUT, "no file system selected"));
    }
    if fs.contains(FileSystems::UDF) || fs.contains(FileSystems::UNKNOWN) {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PARAM,
            format!(
                "file systems {:#x}: only ISO 9660 and Joliet can be created",
                fs.bits()
            ),
        ));
    }
    Ok(())
}

/// Builds the session for `tree`. Nothing is read from file sources yet.
pub fn build(tree: &Tree, options: &BuildOptions) -> Result<Session> {
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
    let layout = write::write(
        tree,
        &WriteParams {
            start: options.start_block,
            joliet: options.file_systems.contains(FileSystems::JOLIET),
            volume_name: &options.volume_name,
            write_unit: options.write_unit,
            time,
            boot: options.boot.as_ref(),
            pad_blocks: options.pad_blocks,
        },
    )?;
    if let Some(free) = options.free_blocks {
        if layout.total_blocks > free {
            return Err(Error::new(
                MS_IMAPI_E_IMAGE_TOO_BIG,
                format!(
                    "the session needs {} blocks, {free} are free",
                    layout.total_blocks
                ),
            ));
        }
    }
    let anchor = (options.random_write && options.start_block > 0)
        .then(|| write::anchor_blocks(&layout, options.start_block));
    Ok(Session {
        start: options.start_block,
        layout,
        anchor,
        open: None,
    })
}

/// The file being read: index into `layout.files`, reader, bytes consumed.
struct Open {
    index: usize,
    reader: Box<dyn Read + Send>,
    pos: u64,
}

/// A built session. Metadata is held in memory; file data is read from the
/// sources as the blocks are asked for (sequential reading is cheap; going
/// back reopens the source).
pub struct Session {
    start: u32,
    layout: Layout,
    anchor: Option<Vec<u8>>,
    open: Option<Open>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("start", &self.start)
            .field("total_blocks", &self.layout.total_blocks)
            .field("new_files", &self.layout.files.len())
            .finish()
    }
}

fn stream_error(code: i32, path: &str, detail: String) -> Error {
    Error::new(code, format!("{path}: {detail}"))
}

impl Session {
    /// Blocks of metadata at the start of the session (everything before
    /// the first new file's data).
    pub fn metadata_blocks(&self) -> u32 {
        (self.layout.meta.len() / BLOCK_SIZE) as u32
    }

    /// Number of new files whose data the session carries.
    pub fn new_files(&self) -> usize {
        self.layout.files.len()
    }

    /// Copies `out.len()` bytes of file `index` from byte `offset`.
    fn file_bytes(&mut self, index: usize, offset: u64, out: &mut [u8]) -> Result<()> {
        let file = &self.layout.files[index];
        let reuse = matches!(&self.open, Some(o) if o.index == index && o.pos <= offset);
        if !reuse {
            let reader = file.source.open().map_err(|e| {
                stream_error(MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE, &file.path, e.to_string())
            })?;
            self.open = Some(Open {
                index,
                reader,
                pos: 0,
            });
        }
        let open = self.open.as_mut().expect("opened above");
        let fail = |e: std::io::Error| stream_error(MS_IMAPI_E_DATA_STREAM_READ_FAILURE, &file.path, e.to_string());
        let short = |pos: u64| {
            stream_error(
                MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
                &file.path,
                format!("the source ended after {pos} of {} bytes", file.size),
            )
        };
        if open.pos < offset {
            let skipped = std::io::copy(&mut (&mut open.reader).take(offset - open.pos), &mut std::io::sink())
                .map_err(fail)?;
            open.pos += skipped;
            if open.pos < offset {
                return Err(short(open.pos));
            }
        }
        let mut filled = 0;
        while filled < out.len() {
            match open.reader.read(&mut out[filled..]) {
                Ok(0) => return Err(short(open.pos)),
                Ok(n) => {
                    filled += n;
                    open.pos += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(fail(e)),
            }
        }
        if open.pos == file.size {
            let mut probe = [0u8; 1];
            let more = loop {
                match open.reader.read(&mut probe) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(fail(e)),
                }
            };
            if more > 0 {
                return Err(stream_error(
                    MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
                    &file.path,
                    format!("the source has more than the {} bytes announced", file.size),
                ));
            }
            self.open = None;
        }
        Ok(())
    }
}

impl SessionStream for Session {
    fn start_block(&self) -> u32 {
        self.start
    }

    fn total_blocks(&self) -> u32 {
        self.layout.total_blocks
    }

    fn read_blocks(&mut self, first: u32, buf: &mut [u8]) -> Result<()> {
        if buf.len() % BLOCK_SIZE != 0 {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("buffer of {} bytes is not whole blocks", buf.len()),
            ));
        }
        let count = (buf.len() / BLOCK_SIZE) as u64;
        if first as u64 + count > self.layout.total_blocks as u64 {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!(
                    "blocks {first}..{} asked of a session of {}",
                    first as u64 + count,
                    self.layout.total_blocks
                ),
            ));
        }
        let bs = BLOCK_SIZE as u64;
        let mut at = first as u64 * bs; // byte position in the session
        let mut out = &mut buf[..];
        while !out.is_empty() {
            let meta_len = self.layout.meta.len() as u64;
            if at < meta_len {
                let n = (meta_len - at).min(out.len() as u64) as usize;
                out[..n].copy_from_slice(&self.layout.meta[at as usize..at as usize + n]);
                out = &mut out[n..];
                at += n as u64;
                continue;
            }
            // The file whose block range holds `at`, if any.
            let block = (at / bs) as u32;
            let idx = self.layout.files.partition_point(|f| f.first <= block);
            let hit = idx.checked_sub(1).and_then(|i| {
                let f = &self.layout.files[i];
                let start = f.first as u64 * bs;
                (at < start + f.size.div_ceil(bs) * bs).then_some((i, start, f.size))
            });
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
                    let next = self
                        .layout
                        .files
                        .get(idx)
                        .map(|f| f.first as u64 * bs)
                        .unwrap_or(u64::MAX);
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

    fn anchor(&self) -> Option<Anchor> {
        self.anchor.as_ref().map(|a| Anchor {
            lba: 16,
            blocks: (a.len() / BLOCK_SIZE) as u32,
        })
    }

    fn read_anchor(&mut self, buf: &mut [u8]) -> Result<()> {
        let anchor = self.anchor.as_ref().ok_or_else(|| {
            Error::new(MS_IMAPI_E_INVALID_PARAM, "this session has no anchor blocks")
        })?;
        if buf.len() != anchor.len() {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("anchor buffer of {} bytes, {} needed", buf.len(), anchor.len()),
            ));
        }
        buf.copy_from_slice(anchor);
        Ok(())
    }
}
