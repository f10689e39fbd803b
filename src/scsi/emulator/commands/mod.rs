//! CDB dispatch: the gates every command passes (unknown opcode, unit
//! attention, becoming ready, no medium) and the handlers, one module per
//! command group.

pub mod cue;
pub mod features;
pub mod identify;
pub mod info;
pub mod io;
pub mod mechanism;
pub mod mode;
pub mod recording;
pub mod speed;
pub mod structure;
pub mod toc;

use super::state::DriveState;
use crate::error::Error;
use crate::scsi::{DataDirection, Sense};

/// Why a command did not end GOOD.
#[derive(Debug)]
pub enum Fail {
    /// CHECK CONDITION with this sense.
    Check(Sense),
    /// The drive is gone (injected power loss): a host-level failure.
    Vanished(Error),
}

impl From<Sense> for Fail {
    fn from(s: Sense) -> Fail {
        Fail::Check(s)
    }
}

/// Bytes moved in the data phase, or why the command failed.
pub type Outcome = Result<usize, Fail>;

/// Opcodes the emulated drive knows.
pub mod op {
    pub const TEST_UNIT_READY: u8 = 0x00;
    pub const REQUEST_SENSE: u8 = 0x03;
    pub const FORMAT_UNIT: u8 = 0x04;
    pub const INQUIRY: u8 = 0x12;
    pub const START_STOP_UNIT: u8 = 0x1B;
    pub const PREVENT_ALLOW: u8 = 0x1E;
    pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
    pub const READ_CAPACITY: u8 = 0x25;
    pub const READ10: u8 = 0x28;
    pub const WRITE10: u8 = 0x2A;
    pub const SYNCHRONIZE_CACHE: u8 = 0x35;
    pub const READ_TOC: u8 = 0x43;
    pub const GET_CONFIGURATION: u8 = 0x46;
    pub const GET_EVENT_STATUS: u8 = 0x4A;
    pub const READ_DISC_INFORMATION: u8 = 0x51;
    pub const READ_TRACK_INFORMATION: u8 = 0x52;
    pub const RESERVE_TRACK: u8 = 0x53;
    pub const SEND_OPC_INFORMATION: u8 = 0x54;
    pub const MODE_SELECT10: u8 = 0x55;
    pub const MODE_SENSE10: u8 = 0x5A;
    pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
    pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
    pub const SEND_CUE_SHEET: u8 = 0x5D;
    pub const BLANK: u8 = 0xA1;
    pub const READ12: u8 = 0xA8;
    pub const WRITE12: u8 = 0xAA;
    pub const GET_PERFORMANCE: u8 = 0xAC;
    pub const READ_DISC_STRUCTURE: u8 = 0xAD;
    pub const SET_STREAMING: u8 = 0xB6;
    pub const SET_CD_SPEED: u8 = 0xBB;
    pub const MECHANISM_STATUS: u8 = 0xBD;
}

/// CDB length of each known opcode; `None` for unknown opcodes.
fn cdb_len(opcode: u8) -> Option<usize> {
    use op::*;
    Some(match opcode {
        TEST_UNIT_READY | REQUEST_SENSE | FORMAT_UNIT | INQUIRY | START_STOP_UNIT
        | PREVENT_ALLOW => 6,
        READ_FORMAT_CAPACITIES
        | READ_CAPACITY
        | READ10
        | WRITE10
        | SYNCHRONIZE_CACHE
        | READ_TOC
        | GET_CONFIGURATION
        | GET_EVENT_STATUS
        | READ_DISC_INFORMATION
        | READ_TRACK_INFORMATION
        | RESERVE_TRACK
        | SEND_OPC_INFORMATION
        | MODE_SELECT10
        | MODE_SENSE10
        | CLOSE_TRACK_SESSION
        | READ_BUFFER_CAPACITY
        | SEND_CUE_SHEET => 10,
        BLANK | READ12 | WRITE12 | GET_PERFORMANCE | READ_DISC_STRUCTURE | SET_STREAMING
        | SET_CD_SPEED | MECHANISM_STATUS => 12,
        _ => return None,
    })
}

/// Commands a drive answers even with a unit attention pending or while
/// becoming ready (MMC: INQUIRY, REQUEST SENSE, GET CONFIGURATION and GET
/// EVENT STATUS NOTIFICATION never report them).
fn bypasses_attention(opcode: u8) -> bool {
    matches!(
        opcode,
        op::INQUIRY | op::REQUEST_SENSE | op::GET_CONFIGURATION | op::GET_EVENT_STATUS
    )
}

/// Commands that work without a medium (or with the tray open): the
/// drive's own pages, its tray, its speeds and its buffer.
fn needs_no_medium(opcode: u8) -> bool {
    use op::*;
    bypasses_attention(opcode)
        || matches!(
            opcode,
            MODE_SENSE10
                | MODE_SELECT10
                | PREVENT_ALLOW
                | START_STOP_UNIT
                | SET_CD_SPEED
                | READ_BUFFER_CAPACITY
                | MECHANISM_STATUS
        )
}

/// Runs one CDB against the drive.
pub fn dispatch(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let opcode = cdb[0];
    let Some(len) = cdb_len(opcode) else {
        return Err(Sense::INVALID_OPCODE.into());
    };
    let q = &st.disc.quirks;
    if (opcode == op::GET_CONFIGURATION && q.no_get_configuration)
        || (opcode == op::READ_DISC_INFORMATION && q.no_read_disc_information)
        || (opcode == op::GET_EVENT_STATUS && q.no_get_event_status)
    {
        return Err(Sense::INVALID_OPCODE.into());
    }
    if cdb.len() < len {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    if !bypasses_attention(opcode) {
        gate_readiness(st)?;
    }
    if !needs_no_medium(opcode) && !st.medium_loaded() {
        return Err(st.no_medium_sense().into());
    }
    use op::*;
    match opcode {
        TEST_UNIT_READY => Ok(0),
        PREVENT_ALLOW => mechanism::prevent_allow(st, cdb),
        START_STOP_UNIT => mechanism::start_stop(st, cdb),
        MECHANISM_STATUS => mechanism::mechanism_status(st, cdb, data),
        SET_CD_SPEED => speed::set_cd_speed(st, cdb),
        SET_STREAMING => speed::set_streaming(st, cdb, data),
        GET_PERFORMANCE => speed::get_performance(st, cdb, data),
        SEND_OPC_INFORMATION => speed::send_opc(st, cdb, data),
        READ_BUFFER_CAPACITY => speed::read_buffer_capacity(cdb, data),
        READ_DISC_STRUCTURE => structure::read_disc_structure(st, cdb, data),
        REQUEST_SENSE => identify::request_sense(st, cdb, data),
        INQUIRY => identify::inquiry(st, cdb, data),
        GET_EVENT_STATUS => identify::event_status(st, cdb, data),
        GET_CONFIGURATION => features::get_configuration(st, cdb, data),
        READ_DISC_INFORMATION => info::disc_information(st, cdb, data),
        READ_TRACK_INFORMATION => info::track_information(st, cdb, data),
        READ_CAPACITY => info::capacity(st, data),
        READ_FORMAT_CAPACITIES => info::format_capacities(st, cdb, data),
        READ_TOC => toc::read_toc(st, cdb, data),
        READ10 => io::read(st, be32(cdb, 2), be16(cdb, 7) as u32, data),
        READ12 => io::read(st, be32(cdb, 2), be32(cdb, 6), data),
        WRITE10 => io::write(st, be32(cdb, 2), be16(cdb, 7) as u32, data),
        WRITE12 => io::write(st, be32(cdb, 2), be32(cdb, 6), data),
        SYNCHRONIZE_CACHE => io::synchronize_cache(st),
        CLOSE_TRACK_SESSION => recording::close(st, cdb),
        SEND_CUE_SHEET => cue::send_cue_sheet(st, cdb, data),
        RESERVE_TRACK => recording::reserve_track(st, cdb),
        FORMAT_UNIT => recording::format_unit(st, cdb, data),
        BLANK => recording::blank(st, cdb),
        MODE_SENSE10 => mode::mode_sense(st, cdb, data),
        MODE_SELECT10 => mode::mode_select(st, cdb, data),
        _ => Err(Sense::INVALID_OPCODE.into()),
    }
}

/// Unit attention once after load, then "becoming ready" and "operation in
/// progress" for as many polls as the quirks ask.
fn gate_readiness(st: &mut DriveState) -> Result<(), Fail> {
    let load = &mut st.load;
    if load.unit_attention_pending {
        load.unit_attention_pending = false;
        return Err(Sense::MEDIUM_CHANGED.into());
    }
    if load.becoming_ready_left > 0 {
        load.becoming_ready_left -= 1;
        return Err(Sense::BECOMING_READY.into());
    }
    if load.busy_left > 0 {
        load.busy_left -= 1;
        if let Some(sense) = load.busy_sense {
            return Err(sense.into());
        }
    }
    Ok(())
}

/// Copies a reply into the data-in buffer, cut to the allocation length.
pub fn reply(data: &mut DataDirection<'_>, bytes: &[u8], alloc: usize) -> usize {
    match data {
        DataDirection::FromDevice(buf) => {
            let n = bytes.len().min(alloc).min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            n
        }
        _ => 0,
    }
}

pub fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn put16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

pub fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}
