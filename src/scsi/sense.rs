//! Sense data: decoding both formats and the one mapping of sense
//! conditions to HRESULTs.

use crate::error::{Cause, Error};
use crate::hresult::{self, HResult};

/// A decoded sense condition: key / additional sense code / qualifier,
/// written `5/24/00` in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sense {
    /// Sense key: the class of the condition (not ready, illegal request …).
    pub key: u8,
    /// Additional sense code: the condition within its key.
    pub asc: u8,
    /// Additional sense code qualifier: the detail within the code.
    pub ascq: u8,
}

/// Sense keys we name.
pub mod key {
    pub const NOT_READY: u8 = 0x2;
    pub const MEDIUM_ERROR: u8 = 0x3;
    pub const HARDWARE_ERROR: u8 = 0x4;
    pub const ILLEGAL_REQUEST: u8 = 0x5;
    pub const UNIT_ATTENTION: u8 = 0x6;
    pub const DATA_PROTECT: u8 = 0x7;
    pub const ABORTED_COMMAND: u8 = 0xB;
}

impl Sense {
    /// A condition from its three numbers, usable in `const` tables.
    pub const fn new(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense { key, asc, ascq }
    }

    /// No medium in the drive (tray closed).
    pub const NO_MEDIUM: Sense = Sense::new(key::NOT_READY, 0x3A, 0x00);
    /// No medium because the tray is open (after an eject): hosts tell the
    /// user to close the tray rather than to insert a disc.
    pub const NO_MEDIUM_TRAY_OPEN: Sense = Sense::new(key::NOT_READY, 0x3A, 0x02);
    /// A medium was just inserted; retry shortly.
    pub const BECOMING_READY: Sense = Sense::new(key::NOT_READY, 0x04, 0x01);
    /// A format runs in the background; commands wait for it.
    pub const FORMAT_IN_PROGRESS: Sense = Sense::new(key::NOT_READY, 0x04, 0x04);
    /// A long write (close, sync cache) still runs; poll until it ends.
    pub const LONG_WRITE_IN_PROGRESS: Sense = Sense::new(key::NOT_READY, 0x04, 0x08);
    /// An operation (blank, format) runs; poll until it ends.
    pub const OPERATION_IN_PROGRESS: Sense = Sense::new(key::NOT_READY, 0x04, 0x07);
    /// The medium changed since the last command (unit attention).
    pub const MEDIUM_CHANGED: Sense = Sense::new(key::UNIT_ATTENTION, 0x28, 0x00);
    /// The drive was reset or powered on (unit attention).
    pub const POWER_ON_RESET: Sense = Sense::new(key::UNIT_ATTENTION, 0x29, 0x00);
    /// The drive does not implement the command.
    pub const INVALID_OPCODE: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x20, 0x00);
    /// An address past the end of the medium.
    pub const LBA_OUT_OF_RANGE: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x21, 0x00);
    /// A write not at the next writable address.
    pub const INVALID_ADDRESS_FOR_WRITE: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x21, 0x02);
    /// A CDB field the drive refuses.
    pub const INVALID_FIELD_IN_CDB: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x24, 0x00);
    /// A parameter-list field the drive refuses (MODE SELECT, SEND OPC …).
    pub const INVALID_FIELD_IN_PARAMETERS: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x26, 0x00);
    /// Commands in an order the drive does not accept (e.g. a write before mode select).
    pub const COMMAND_SEQUENCE_ERROR: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x2C, 0x00);
    /// The medium does not support the command.
    pub const INCOMPATIBLE_MEDIUM: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x30, 0x00);
    /// The medium cannot be written in the requested format.
    pub const CANNOT_WRITE_INCOMPATIBLE_FORMAT: Sense =
        Sense::new(key::ILLEGAL_REQUEST, 0x30, 0x05);
    /// A disc structure of another medium family (DVD structures of a CD).
    pub const CANNOT_READ_INCOMPATIBLE_FORMAT: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x30, 0x02);
    /// The medium cannot be formatted as asked.
    pub const CANNOT_FORMAT: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x30, 0x06);
    /// A formattable medium (BD-RE) that was never formatted.
    pub const MEDIUM_NOT_FORMATTED: Sense = Sense::new(key::NOT_READY, 0x30, 0x10);
    /// The write mode does not fit the track (e.g. TAO on a closed track).
    pub const ILLEGAL_MODE_FOR_TRACK: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x64, 0x00);
    /// An eject refused while PREVENT ALLOW MEDIUM REMOVAL holds the tray.
    pub const MEDIUM_REMOVAL_PREVENTED: Sense = Sense::new(key::ILLEGAL_REQUEST, 0x53, 0x02);
    /// The medium or drive is write-protected.
    pub const WRITE_PROTECTED: Sense = Sense::new(key::DATA_PROTECT, 0x27, 0x00);
    /// The write failed on the medium.
    pub const WRITE_ERROR: Sense = Sense::new(key::MEDIUM_ERROR, 0x0C, 0x00);
    /// A block could not be read.
    pub const UNRECOVERED_READ_ERROR: Sense = Sense::new(key::MEDIUM_ERROR, 0x11, 0x00);
    /// "Unable to recover table of contents": what a drive says about a disc
    /// it cannot read at all, typically one inserted label side down.
    pub const TOC_UNREADABLE: Sense = Sense::new(key::NOT_READY, 0x57, 0x00);

    /// Decodes fixed (0x70/0x71) or descriptor (0x72/0x73) sense. `None`
    /// when the bytes are too short or of an unknown response code.
    pub fn decode(bytes: &[u8]) -> Option<Sense> {
        let code = bytes.first()? & 0x7F;
        match code {
            0x70 | 0x71 => {
                let key = bytes.get(2)? & 0x0F;
                // ASC/ASCQ sit at 12/13; a short fixed sense (8 bytes, old
                // ATAPI) carries only the key.
                let asc = bytes.get(12).copied().unwrap_or(0);
                let ascq = bytes.get(13).copied().unwrap_or(0);
                Some(Sense { key, asc, ascq })
            }
            0x72 | 0x73 => Some(Sense {
                key: bytes.get(1)? & 0x0F,
                asc: *bytes.get(2)?,
                ascq: *bytes.get(3)?,
            }),
            _ => None,
        }
    }

    /// 18 bytes of fixed-format current sense, as drives send it.
    pub fn to_fixed(self) -> [u8; 18] {
        let mut s = [0u8; 18];
        s[0] = 0x70;
        s[2] = self.key & 0x0F;
        s[7] = 10;
        s[12] = self.asc;
        s[13] = self.ascq;
        s
    }

    /// 8 bytes of descriptor-format sense without descriptors.
    pub fn to_descriptor(self) -> [u8; 8] {
        [0x72, self.key & 0x0F, self.asc, self.ascq, 0, 0, 0, 0]
    }

    /// True for conditions a caller should retry after a short wait:
    /// UNIT ATTENTION and NOT READY / becoming ready or operation in progress.
    pub fn is_transient(self) -> bool {
        self.key == key::UNIT_ATTENTION
            || (self.key == key::NOT_READY
                && self.asc == 0x04
                && matches!(self.ascq, 0x01 | 0x04 | 0x07 | 0x08))
    }

    /// A few words naming the condition, for error messages (docs/mmc-notes.md §1.16).
    pub fn description(self) -> &'static str {
        match (self.key, self.asc, self.ascq) {
            (_, 0x3A, 0x02) => "no medium, tray open",
            (_, 0x3A, _) => "no medium",
            (key::NOT_READY, 0x04, 0x01) => "becoming ready",
            (key::NOT_READY, 0x04, 0x04) => "format in progress",
            (key::NOT_READY, 0x04, 0x07) => "operation in progress",
            (key::NOT_READY, 0x04, 0x08) => "long write in progress",
            (key::NOT_READY, 0x04, _) => "not ready",
            (_, 0x57, _) => "unable to recover table of contents",
            (_, 0x53, 0x02) => "medium removal prevented",
            (key::UNIT_ATTENTION, 0x28, _) => "medium may have changed",
            (key::UNIT_ATTENTION, 0x29, _) => "power on or reset",
            (key::UNIT_ATTENTION, _, _) => "unit attention",
            (_, 0x20, _) => "invalid command operation code",
            (_, 0x21, 0x00) => "logical block address out of range",
            (_, 0x21, 0x02) => "invalid address for write",
            (_, 0x24, _) => "invalid field in CDB",
            (_, 0x26, _) => "invalid field in parameter list",
            (_, 0x27, _) => "write protected",
            (_, 0x2C, _) => "command sequence error",
            (_, 0x30, 0x10) => "medium not formatted",
            (_, 0x30, _) => "incompatible medium",
            (_, 0x0C, _) => "write error",
            (_, 0x11, _) => "unrecovered read error",
            (_, 0x63, _) => "end of user area on this track",
            (_, 0x64, _) => "illegal mode for this track",
            (_, 0x72, _) => "session fixation error",
            (key::ILLEGAL_REQUEST, _, _) => "illegal request",
            (key::MEDIUM_ERROR, _, _) => "medium error",
            (key::HARDWARE_ERROR, _, _) => "hardware error",
            (key::ABORTED_COMMAND, _, _) => "aborted command",
            (key::DATA_PROTECT, _, _) => "data protect",
            _ => "unexpected sense",
        }
    }

    /// The failure a CHECK CONDITION with this sense is: its HRESULT, and
    /// the triple as the cause code above reacts to.
    pub fn to_error(self, detail: impl Into<String>) -> Error {
        Error::with_cause(self.to_hresult(), self.into(), detail)
    }

    /// The sense behind `e`, when a device's CHECK CONDITION caused it.
    pub fn of(e: &Error) -> Option<Sense> {
        match e.cause() {
            Cause::Sense { key, asc, ascq } => Some(Sense { key, asc, ascq }),
            _ => None,
        }
    }

    /// ILLEGAL REQUEST / invalid command operation code: the drive does not
    /// know the command (an MMC-1 drive and GET CONFIGURATION).
    pub fn is_unknown_command(self) -> bool {
        self.key == key::ILLEGAL_REQUEST && self.asc == 0x20
    }

    /// ILLEGAL REQUEST / invalid field in CDB: the drive knows the command
    /// but refuses one of its fields (a track number past the last).
    pub fn is_invalid_field(self) -> bool {
        self.key == key::ILLEGAL_REQUEST && self.asc == 0x24
    }

    /// No medium, whether the tray is open or closed.
    pub fn is_no_medium(self) -> bool {
        self.asc == 0x3A
    }

    /// NOT READY / logical unit not ready, other than becoming ready: a
    /// format, blank or long write the drive accepted with the immediate
    /// bit is still running.
    pub fn is_operation_in_progress(self) -> bool {
        self.key == key::NOT_READY && self.asc == 0x04 && self.ascq != 0x01
    }

    /// The medium is spinning up or was just changed: ready soon. A unit
    /// attention that also names a lasting condition (no medium, an
    /// unreadable or unformatted one) is that condition instead.
    pub fn is_becoming_ready(self) -> bool {
        match (self.key, self.asc, self.ascq) {
            (_, 0x3A, _) | (_, 0x57, _) | (_, 0x30, 0x10) => false,
            (key::NOT_READY, 0x04, 0x01) | (key::UNIT_ATTENTION, _, _) => true,
            _ => false,
        }
    }

    /// The one mapping of a sense condition to an HRESULT.
    pub fn to_hresult(self) -> HResult {
        use hresult::*;
        match (self.key, self.asc, self.ascq) {
            (_, 0x3A, _) => MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
            (key::NOT_READY, 0x04, 0x04) => MS_E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS,
            (key::NOT_READY, 0x04, 0x01) => MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
            (key::NOT_READY, 0x04, _) => MS_E_IMAPI_RECORDER_MEDIA_BUSY,
            (_, 0x57, _) => MS_E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN,
            (_, 0x30, 0x10) => MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
            (key::UNIT_ATTENTION, _, _) => MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
            (key::DATA_PROTECT, _, _) => MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
            (key::ILLEGAL_REQUEST, 0x20, _) => MS_E_NOTIMPL,
            (key::ILLEGAL_REQUEST, 0x24, _) => MS_E_INVALIDARG,
            (key::ILLEGAL_REQUEST, 0x26, _) | (key::ILLEGAL_REQUEST, 0x64, _) => {
                MS_E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS
            }
            (key::ILLEGAL_REQUEST, 0x30, _) => MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
            // The tray is held by someone's PREVENT: the nearest IMAPI word
            // is "locked by another application".
            (key::ILLEGAL_REQUEST, 0x53, 0x02) => MS_E_IMAPI_RECORDER_LOCKED,
            (key::ILLEGAL_REQUEST, 0x21, _) => MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
            (key::MEDIUM_ERROR, _, _)
            | (key::HARDWARE_ERROR, _, _)
            | (key::ABORTED_COMMAND, _, _) => MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
            _ => MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
        }
    }
}

impl From<Sense> for Cause {
    fn from(s: Sense) -> Cause {
        Cause::Sense {
            key: s.key,
            asc: s.asc,
            ascq: s.ascq,
        }
    }
}

impl std::fmt::Display for Sense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:02X}/{:02X}", self.key, self.asc, self.ascq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hresult::*;

    #[test]
    fn fixed_and_descriptor_forms_decode_alike() {
        for s in [
            Sense::NO_MEDIUM,
            Sense::INVALID_ADDRESS_FOR_WRITE,
            Sense::WRITE_PROTECTED,
        ] {
            assert_eq!(Sense::decode(&s.to_fixed()), Some(s));
            assert_eq!(Sense::decode(&s.to_descriptor()), Some(s));
        }
        assert_eq!(Sense::decode(&[]), None);
        assert_eq!(Sense::decode(&[0x72, 5]), None);
        assert_eq!(Sense::decode(&[0x10; 18]), None);
    }

    #[test]
    fn each_sense_condition_maps_to_its_recorder_code() {
        let table = [
            (Sense::NO_MEDIUM, MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA),
            (
                Sense::BECOMING_READY,
                MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
            ),
            (Sense::TOC_UNREADABLE, MS_E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN),
            (Sense::OPERATION_IN_PROGRESS, MS_E_IMAPI_RECORDER_MEDIA_BUSY),
            (
                Sense::LONG_WRITE_IN_PROGRESS,
                MS_E_IMAPI_RECORDER_MEDIA_BUSY,
            ),
            (
                Sense::FORMAT_IN_PROGRESS,
                MS_E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS,
            ),
            (
                Sense::WRITE_PROTECTED,
                MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
            ),
            (Sense::INVALID_FIELD_IN_CDB, MS_E_INVALIDARG),
            (
                Sense::MEDIUM_NOT_FORMATTED,
                MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
            ),
            (
                Sense::INVALID_FIELD_IN_PARAMETERS,
                MS_E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
            ),
            (Sense::INVALID_OPCODE, MS_E_NOTIMPL),
            (Sense::MEDIUM_REMOVAL_PREVENTED, MS_E_IMAPI_RECORDER_LOCKED),
            (
                Sense::NO_MEDIUM_TRAY_OPEN,
                MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
            ),
            (
                Sense::WRITE_ERROR,
                MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
            ),
            (
                Sense::new(0x9, 0, 0),
                MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            ),
        ];
        for (sense, code) in table {
            assert_eq!(sense.to_hresult(), code, "{sense}");
        }
    }

    /// Code above decides on these predicates where it once compared
    /// HRESULTs; across every sense they must say what the mapping says.
    #[test]
    fn predicates_agree_with_the_hresult_mapping() {
        for key in 0..16u8 {
            for asc in 0..=255u8 {
                for ascq in [0u8, 1, 2, 4, 7, 8, 0x10] {
                    let s = Sense::new(key, asc, ascq);
                    let code = s.to_hresult();
                    assert_eq!(
                        s.is_no_medium(),
                        code == MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
                        "{s}"
                    );
                    assert_eq!(
                        s.is_becoming_ready(),
                        code == MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
                        "{s}"
                    );
                    assert_eq!(s.is_unknown_command(), code == MS_E_NOTIMPL, "{s}");
                    assert_eq!(s.is_invalid_field(), code == MS_E_INVALIDARG, "{s}");
                }
            }
        }
    }

    #[test]
    fn sense_errors_carry_their_triple() {
        let e = Sense::INVALID_FIELD_IN_CDB.to_error("READ TRACK INFORMATION");
        assert_eq!(e.code(), MS_E_INVALIDARG);
        assert_eq!(Sense::of(&e), Some(Sense::INVALID_FIELD_IN_CDB));
        assert_eq!(Sense::of(&Error::new(MS_E_INVALIDARG, "empty CDB")), None);
    }

    #[test]
    fn descriptions_name_the_condition_for_messages() {
        assert_eq!(
            Sense::INVALID_ADDRESS_FOR_WRITE.description(),
            "invalid address for write"
        );
        assert_eq!(
            Sense::LBA_OUT_OF_RANGE.description(),
            "logical block address out of range"
        );
        assert_eq!(Sense::NO_MEDIUM.description(), "no medium");
        assert_eq!(
            Sense::MEDIUM_NOT_FORMATTED.description(),
            "medium not formatted"
        );
        assert_eq!(Sense::new(0x9, 0, 0).description(), "unexpected sense");
    }

    #[test]
    fn only_attention_and_becoming_ready_are_transient() {
        assert!(Sense::MEDIUM_CHANGED.is_transient());
        assert!(Sense::BECOMING_READY.is_transient());
        assert!(!Sense::NO_MEDIUM.is_transient());
        assert!(!Sense::INVALID_ADDRESS_FOR_WRITE.is_transient());
        assert_eq!(Sense::INVALID_ADDRESS_FOR_WRITE.to_string(), "5/21/02");
    }
}
