//! `ms_result_*`: the built session (`IFileSystemImageResult`), read block
//! by block by a caller that writes it itself, or handed to `ms_write`.

use crate::error::{Error, Result};
use crate::fsi::{SessionStream, BLOCK_SIZE};
use crate::hresult::{HResult, MS_E_INVALIDARG, MS_IMAPI_E_BAD_MULTISESSION_PARAMETER};

use super::boundary::{self, Out};
use super::handles;
use super::MsResult;

fn long(value: u32, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| {
        Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!("{what} {value} does not fit a LONG"),
        )
    })
}

/// The caller's buffer of `len` bytes, a whole number of blocks.
fn blocks_buffer<'a>(buf: *mut u8, len: usize) -> Result<&'a mut [u8]> {
    if buf.is_null() {
        return Err(Error::new(crate::hresult::MS_E_POINTER, "`buf` is NULL"));
    }
    boundary::buffer_len(len, boundary::MAX_BLOCKS_BUFFER, "len")?;
    if len % BLOCK_SIZE != 0 {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!("a buffer of {len} bytes is not a whole number of {BLOCK_SIZE}-byte blocks"),
        ));
    }
    // SAFETY: non-NULL; the caller promises `len` writable bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(buf, len) })
}

/// Fills `buf` (`len` bytes, a multiple of 2048) with the session's blocks
/// from `first_block` on (0 is the block written at the start block).
/// Reading in order is cheapest; going back re-reads file sources (a
/// caller stream cannot go back: `MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE`).
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (`len` not a
/// multiple of 2048, or above 2^32 blocks = 8,796,093,022,208 bytes: an
/// LBA is 32 bits, so no session is longer),
/// `MS_IMAPI_E_INVALID_PARAM` (beyond the end), the data-stream codes
/// (`MS_IMAPI_E_DATA_STREAM_READ_FAILURE`, `…_INCONSISTENCY`, `…_CREATE_FAILURE`).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_result_read(
    result: MsResult,
    first_block: u32,
    buf: *mut u8,
    len: usize,
) -> HResult {
    boundary::run("ms_result_read", || {
        let buf = blocks_buffer(buf, len)?;
        handles::edit(result, |result| result.read_blocks(first_block, buf))?
    })
}

/// `SessionStartBlock` of the image when the result was created: the LBA
/// block 0 of the result is written to.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_result_start_block(result: MsResult, value: *mut i32) -> HResult {
    boundary::run("ms_result_start_block", || {
        let out = Out::new(value, "value")?;
        let start = handles::read(result, |result| result.start_block())?;
        out.write(long(start, "start block")?);
        Ok(())
    })
}

/// `IFileSystemImageResult::get_TotalBlocks`: blocks in the session.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_result_total_blocks(result: MsResult, value: *mut i32) -> HResult {
    boundary::run("ms_result_total_blocks", || {
        let out = Out::new(value, "value")?;
        let total = handles::read(result, |result| result.total_blocks())?;
        out.write(long(total, "total blocks")?);
        Ok(())
    })
}

/// Where the commit anchor goes on overwritable media: `*lba` (16) and
/// `*blocks`, to be written after the whole session is on the medium.
/// A result without one (sequential media, a session at 0) gives −1 and 0.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_result_anchor(
    result: MsResult,
    lba: *mut i32,
    blocks: *mut i32,
) -> HResult {
    boundary::run("ms_result_anchor", || {
        let lba_out = Out::new(lba, "lba")?;
        let blocks_out = Out::new(blocks, "blocks")?;
        let anchor = handles::read(result, |result| result.anchor())?;
        let (at, count) = match anchor {
            Some(a) => (long(a.lba, "anchor LBA")?, long(a.blocks, "anchor blocks")?),
            None => (-1, 0),
        };
        lba_out.write(at);
        blocks_out.write(count);
        Ok(())
    })
}

/// Fills `buf` (exactly the anchor's blocks × 2048 bytes) with the anchor.
///
/// Errors: `MS_E_POINTER`, `MS_E_HANDLE`, `MS_E_INVALIDARG` (`len` as for
/// `ms_result_read`), `MS_IMAPI_E_INVALID_PARAM` (no anchor, or the wrong
/// length).
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn ms_result_read_anchor(
    result: MsResult,
    buf: *mut u8,
    len: usize,
) -> HResult {
    boundary::run("ms_result_read_anchor", || {
        let buf = blocks_buffer(buf, len)?;
        handles::edit(result, |result| result.read_anchor(buf))?
    })
}

/// Releases a result handle, also one an internal error left inconsistent
/// (see `ms_image_release`). Caller streams it still holds are released
/// (their `release` callbacks run) once no image refers to them either.
#[no_mangle]
pub extern "C" fn ms_result_release(result: MsResult) -> HResult {
    boundary::run("ms_result_release", || handles::remove(result))
}
