//! MMC operation codes and their names.
//!
//! They sit in the transport layer, not in `mmc`, because the transports
//! name the command in their own errors (an SG_IO failure, a timeout) and
//! must not import the layer above them to do so; `mmc::cdb` re-exports
//! them as `op` and `op_name`.

pub const TEST_UNIT_READY: u8 = 0x00;
pub const REQUEST_SENSE: u8 = 0x03;
pub const FORMAT_UNIT: u8 = 0x04;
pub const INQUIRY: u8 = 0x12;
pub const READ_FORMAT_CAPACITIES: u8 = 0x23;
pub const READ_CAPACITY: u8 = 0x25;
pub const READ_10: u8 = 0x28;
pub const WRITE_10: u8 = 0x2A;
pub const SYNCHRONIZE_CACHE: u8 = 0x35;
pub const READ_TOC: u8 = 0x43;
pub const GET_CONFIGURATION: u8 = 0x46;
pub const GET_EVENT_STATUS_NOTIFICATION: u8 = 0x4A;
pub const READ_DISC_INFORMATION: u8 = 0x51;
pub const READ_TRACK_INFORMATION: u8 = 0x52;
pub const RESERVE_TRACK: u8 = 0x53;
pub const MODE_SELECT_10: u8 = 0x55;
pub const MODE_SENSE_10: u8 = 0x5A;
pub const CLOSE_TRACK_SESSION: u8 = 0x5B;
pub const BLANK: u8 = 0xA1;
pub const READ_12: u8 = 0xA8;
pub const WRITE_12: u8 = 0xAA;
pub const START_STOP_UNIT: u8 = 0x1B;
pub const PREVENT_ALLOW_MEDIUM_REMOVAL: u8 = 0x1E;
pub const SEND_OPC_INFORMATION: u8 = 0x54;
pub const READ_BUFFER_CAPACITY: u8 = 0x5C;
pub const SEND_CUE_SHEET: u8 = 0x5D;
pub const GET_PERFORMANCE: u8 = 0xAC;
pub const READ_DISC_STRUCTURE: u8 = 0xAD;
pub const SET_STREAMING: u8 = 0xB6;
pub const SET_CD_SPEED: u8 = 0xBB;
pub const MECHANISM_STATUS: u8 = 0xBD;

/// The MMC name of an operation code, for error messages.
pub fn name(opcode: u8) -> &'static str {
    match opcode {
        TEST_UNIT_READY => "TEST UNIT READY",
        REQUEST_SENSE => "REQUEST SENSE",
        FORMAT_UNIT => "FORMAT UNIT",
        INQUIRY => "INQUIRY",
        READ_FORMAT_CAPACITIES => "READ FORMAT CAPACITIES",
        READ_CAPACITY => "READ CAPACITY",
        READ_10 => "READ(10)",
        WRITE_10 => "WRITE(10)",
        SYNCHRONIZE_CACHE => "SYNCHRONIZE CACHE",
        READ_TOC => "READ TOC/PMA/ATIP",
        GET_CONFIGURATION => "GET CONFIGURATION",
        GET_EVENT_STATUS_NOTIFICATION => "GET EVENT STATUS NOTIFICATION",
        READ_DISC_INFORMATION => "READ DISC INFORMATION",
        READ_TRACK_INFORMATION => "READ TRACK INFORMATION",
        RESERVE_TRACK => "RESERVE TRACK",
        MODE_SELECT_10 => "MODE SELECT(10)",
        MODE_SENSE_10 => "MODE SENSE(10)",
        CLOSE_TRACK_SESSION => "CLOSE TRACK/SESSION",
        BLANK => "BLANK",
        READ_12 => "READ(12)",
        WRITE_12 => "WRITE(12)",
        START_STOP_UNIT => "START STOP UNIT",
        PREVENT_ALLOW_MEDIUM_REMOVAL => "PREVENT ALLOW MEDIUM REMOVAL",
        SEND_OPC_INFORMATION => "SEND OPC INFORMATION",
        READ_BUFFER_CAPACITY => "READ BUFFER CAPACITY",
        SEND_CUE_SHEET => "SEND CUE SHEET",
        GET_PERFORMANCE => "GET PERFORMANCE",
        READ_DISC_STRUCTURE => "READ DISC STRUCTURE",
        SET_STREAMING => "SET STREAMING",
        SET_CD_SPEED => "SET CD SPEED",
        MECHANISM_STATUS => "MECHANISM STATUS",
        _ => "vendor or unknown command",
    }
}
