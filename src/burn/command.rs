//! The commands that writing, erasing and recovery send, each in one place.
//!
//! Every CDB comes from [`crate::mmc`] (which pins the byte layouts and
//! gives each command its own timeout) and goes through the recorder's
//! write guard; every error says what the command was for. The writer and
//! the recovery share these, so a WRITE, a flush or a track close means
//! the same sequence of commands wherever it happens.

use crate::block::BLOCK_SIZE;
use crate::error::{Result, ResultExt};
use crate::mmc::capacity::{self, FormatCapacities, FormatDescriptor};
use crate::mmc::cdb::{self as mmc_cdb, BlankType, CloseFunction};
use crate::mmc::disc_info::{self, DiscInformation};
use crate::mmc::mode::{self, WriteParameters};
use crate::mmc::Cdb;
use crate::recorder::WriteGuard;
use crate::scsi::sense::Sense;
use crate::scsi::DataDirection;

/// Blocks per WRITE or READ: 64 KiB, a whole number of write units on
/// every medium (1 on CD, 16 on DVD, 32 on BD) and within every
/// pass-through limit.
pub const CHUNK_BLOCKS: u32 = 32;
const CHUNK_BYTES: usize = CHUNK_BLOCKS as usize * BLOCK_SIZE;

/// One typed CDB, with the timeout its command needs.
fn send(guard: &WriteGuard<'_>, cdb: &Cdb, data: DataDirection<'_>) -> Result<usize> {
    guard.command(cdb.as_bytes(), data, cdb.timeout())
}

/// MODE SELECT of the Write Parameters page.
pub fn select_write_parameters(guard: &WriteGuard<'_>, page: &WriteParameters) -> Result<()> {
    let list = page.select_parameters();
    send(
        guard,
        &mode::mode_select(list.len() as u16),
        DataDirection::ToDevice(&list),
    )
    .context(format_args!(
        "MODE SELECT write parameters ({:?}, {:?})",
        page.write_type, page.multi_session
    ))?;
    Ok(())
}

/// WRITE(10) of `data` (whole blocks) at `lba`, in chunks of
/// [`CHUNK_BLOCKS`] counted from `lba`.
pub fn write_blocks(guard: &WriteGuard<'_>, lba: u32, data: &[u8]) -> Result<()> {
    for (i, chunk) in data.chunks(CHUNK_BYTES).enumerate() {
        let at = lba + i as u32 * CHUNK_BLOCKS;
        let n = (chunk.len() / BLOCK_SIZE) as u16;
        send(
            guard,
            &mmc_cdb::write10(at, n),
            DataDirection::ToDevice(chunk),
        )
        .context(format_args!("WRITE of {n} blocks at LBA {at}"))?;
    }
    Ok(())
}

/// READ(10) with FUA into `buf` (whole blocks) from `lba`, in chunks of
/// [`CHUNK_BLOCKS`]: what the medium holds, never the drive's cache.
pub fn read_blocks(guard: &WriteGuard<'_>, lba: u32, buf: &mut [u8]) -> Result<()> {
    for (i, chunk) in buf.chunks_mut(CHUNK_BYTES).enumerate() {
        let at = lba + i as u32 * CHUNK_BLOCKS;
        let n = (chunk.len() / BLOCK_SIZE) as u16;
        send(
            guard,
            &mmc_cdb::read10_fua(at, n),
            DataDirection::FromDevice(chunk),
        )
        .context(format_args!("READ of {n} blocks at LBA {at}"))?;
    }
    Ok(())
}

/// One block read from the medium.
pub fn read_block(guard: &WriteGuard<'_>, lba: u32) -> Result<[u8; BLOCK_SIZE]> {
    let mut block = [0u8; BLOCK_SIZE];
    read_blocks(guard, lba, &mut block)?;
    Ok(block)
}

/// SYNCHRONIZE CACHE without Immed: returns once everything written so far
/// is on the medium.
pub fn synchronize_cache(guard: &WriteGuard<'_>) -> Result<()> {
    send(
        guard,
        &mmc_cdb::synchronize_cache(false),
        DataDirection::None,
    )
    .context("SYNCHRONIZE CACHE")?;
    Ok(())
}

/// Closes the open track of the last session (its number from READ DISC
/// INFORMATION), then sends `then` (close session, or finalize); returns
/// the track number.
pub fn close_last_track(guard: &WriteGuard<'_>, then: CloseFunction) -> Result<u16> {
    let mut reply = [0u8; disc_info::ALLOCATION as usize];
    send(
        guard,
        &disc_info::cdb(disc_info::ALLOCATION),
        DataDirection::FromDevice(&mut reply),
    )
    .context("READ DISC INFORMATION for the track to close")?;
    let track = DiscInformation::parse(&reply)?.last_track_in_last_session;
    for function in [CloseFunction::Track(track), then] {
        close(guard, function).context(format_args!("closing track {track}"))?;
    }
    Ok(track)
}

/// CLOSE TRACK/SESSION without Immed.
pub fn close(guard: &WriteGuard<'_>, function: CloseFunction) -> Result<()> {
    send(
        guard,
        &mmc_cdb::close_track_session(function, false),
        DataDirection::None,
    )
    .context(format_args!("CLOSE TRACK/SESSION {function:?}"))?;
    Ok(())
}

/// BLANK with Immed: returns once the drive accepted it; the drive then
/// reports NOT READY until the medium is blank ([`still_busy`]).
pub fn blank(guard: &WriteGuard<'_>, kind: BlankType) -> Result<()> {
    send(guard, &mmc_cdb::blank(kind, true), DataDirection::None)
        .context(format_args!("BLANK ({kind:?})"))?;
    Ok(())
}

/// Whether the drive is still busy with an Immed operation (TEST UNIT
/// READY answered 2/04/04 or 2/04/07), or ready (`Ok(false)`).
pub fn still_busy(guard: &WriteGuard<'_>) -> Result<bool> {
    match send(guard, &mmc_cdb::test_unit_ready(), DataDirection::None) {
        Ok(_) => Ok(false),
        Err(e) if Sense::of(&e).is_some_and(Sense::is_operation_in_progress) => Ok(true),
        Err(e) => Err(e.context("TEST UNIT READY after an immediate operation")),
    }
}

/// The formats the drive offers for the loaded medium (READ FORMAT
/// CAPACITIES).
pub fn format_capacities(guard: &WriteGuard<'_>) -> Result<FormatCapacities> {
    let mut reply = [0u8; capacity::FORMAT_CAPACITIES_ALLOCATION as usize];
    send(
        guard,
        &capacity::read_format_capacities(capacity::FORMAT_CAPACITIES_ALLOCATION),
        DataDirection::FromDevice(&mut reply),
    )
    .context("READ FORMAT CAPACITIES")?;
    FormatCapacities::parse(&reply)
}

/// FORMAT UNIT with one offered descriptor, with Immed: returns once the
/// drive accepted it; the drive then reports NOT READY until it is done.
pub fn format_unit(guard: &WriteGuard<'_>, descriptor: &FormatDescriptor) -> Result<()> {
    let list = mmc_cdb::format_parameters(
        descriptor.blocks,
        descriptor.format_type,
        descriptor.subtype,
        descriptor.parameter,
        true,
    );
    send(
        guard,
        &mmc_cdb::format_unit(),
        DataDirection::ToDevice(&list),
    )
    .context(format_args!(
        "FORMAT UNIT type {:#04x}, {} blocks",
        descriptor.format_type, descriptor.blocks
    ))?;
    Ok(())
}
