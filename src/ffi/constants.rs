//! Named constants for the numbers a C program compares media facts
//! with (`info.profile == MS_PROFILE_DVD_PLUS_R`, not `== 0x001B`).
//!
//! cbindgen turns only literal constants into `#define`s, so the values are
//! written here; the Rust enums and bit sets in `media` and `burn` stay the
//! one source: the tests below walk every variant and bit there and fail
//! when a value differs or a name is missing.

// ----- MMC profiles (`ms_media_info.profile`) -----

/// MMC profile 0x0008 (`Profile::CdRom`).
pub const MS_PROFILE_CD_ROM: u16 = 0x0008;
/// MMC profile 0x0009 (`Profile::CdR`).
pub const MS_PROFILE_CD_R: u16 = 0x0009;
/// MMC profile 0x000a (`Profile::CdRw`).
pub const MS_PROFILE_CD_RW: u16 = 0x000a;
/// MMC profile 0x0010 (`Profile::DvdRom`).
pub const MS_PROFILE_DVD_ROM: u16 = 0x0010;
/// MMC profile 0x0011 (`Profile::DvdMinusR`).
pub const MS_PROFILE_DVD_DASH_R: u16 = 0x0011;
/// MMC profile 0x0012 (`Profile::DvdRam`).
pub const MS_PROFILE_DVD_RAM: u16 = 0x0012;
/// MMC profile 0x0013 (`Profile::DvdMinusRwRestricted`).
pub const MS_PROFILE_DVD_DASH_RW_RESTRICTED_OVERWRITE: u16 = 0x0013;
/// MMC profile 0x0014 (`Profile::DvdMinusRwSequential`).
pub const MS_PROFILE_DVD_DASH_RW_SEQUENTIAL: u16 = 0x0014;
/// MMC profile 0x0015 (`Profile::DvdMinusRDl`).
pub const MS_PROFILE_DVD_DASH_R_DL: u16 = 0x0015;
/// MMC profile 0x0016 (`Profile::DvdMinusRDlJump`).
pub const MS_PROFILE_DVD_DASH_R_DL_JUMP: u16 = 0x0016;
/// MMC profile 0x001a (`Profile::DvdPlusRw`).
pub const MS_PROFILE_DVD_PLUS_RW: u16 = 0x001a;
/// MMC profile 0x001b (`Profile::DvdPlusR`).
pub const MS_PROFILE_DVD_PLUS_R: u16 = 0x001b;
/// MMC profile 0x002a (`Profile::DvdPlusRwDl`).
pub const MS_PROFILE_DVD_PLUS_RW_DL: u16 = 0x002a;
/// MMC profile 0x002b (`Profile::DvdPlusRDl`).
pub const MS_PROFILE_DVD_PLUS_R_DL: u16 = 0x002b;
/// MMC profile 0x0040 (`Profile::BdRom`).
pub const MS_PROFILE_BD_ROM: u16 = 0x0040;
/// MMC profile 0x0041 (`Profile::BdR`).
pub const MS_PROFILE_BD_R: u16 = 0x0041;
/// MMC profile 0x0042 (`Profile::BdRRrm`).
pub const MS_PROFILE_BD_R_RRM: u16 = 0x0042;
/// MMC profile 0x0043 (`Profile::BdRe`).
pub const MS_PROFILE_BD_RE: u16 = 0x0043;

// ----- IMAPI_MEDIA_PHYSICAL_TYPE (`ms_media_info.physical_type`) -----

/// `IMAPI_MEDIA_TYPE_UNKNOWN`.
pub const MS_IMAPI_MEDIA_TYPE_UNKNOWN: u32 = 0x00;
/// `IMAPI_MEDIA_TYPE_CDROM`.
pub const MS_IMAPI_MEDIA_TYPE_CDROM: u32 = 0x01;
/// `IMAPI_MEDIA_TYPE_CDR`.
pub const MS_IMAPI_MEDIA_TYPE_CDR: u32 = 0x02;
/// `IMAPI_MEDIA_TYPE_CDRW`.
pub const MS_IMAPI_MEDIA_TYPE_CDRW: u32 = 0x03;
/// `IMAPI_MEDIA_TYPE_DVDROM`.
pub const MS_IMAPI_MEDIA_TYPE_DVDROM: u32 = 0x04;
/// `IMAPI_MEDIA_TYPE_DVDRAM`.
pub const MS_IMAPI_MEDIA_TYPE_DVDRAM: u32 = 0x05;
/// `IMAPI_MEDIA_TYPE_DVDPLUSR`.
pub const MS_IMAPI_MEDIA_TYPE_DVDPLUSR: u32 = 0x06;
/// `IMAPI_MEDIA_TYPE_DVDPLUSRW`.
pub const MS_IMAPI_MEDIA_TYPE_DVDPLUSRW: u32 = 0x07;
/// `IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER`.
pub const MS_IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER: u32 = 0x08;
/// `IMAPI_MEDIA_TYPE_DVDDASHR`.
pub const MS_IMAPI_MEDIA_TYPE_DVDDASHR: u32 = 0x09;
/// `IMAPI_MEDIA_TYPE_DVDDASHRW`.
pub const MS_IMAPI_MEDIA_TYPE_DVDDASHRW: u32 = 0x0a;
/// `IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER`.
pub const MS_IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER: u32 = 0x0b;
/// `IMAPI_MEDIA_TYPE_DISK`.
pub const MS_IMAPI_MEDIA_TYPE_DISK: u32 = 0x0c;
/// `IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER`.
pub const MS_IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER: u32 = 0x0d;
/// `IMAPI_MEDIA_TYPE_HDDVDROM`.
pub const MS_IMAPI_MEDIA_TYPE_HDDVDROM: u32 = 0x0e;
/// `IMAPI_MEDIA_TYPE_HDDVDR`.
pub const MS_IMAPI_MEDIA_TYPE_HDDVDR: u32 = 0x0f;
/// `IMAPI_MEDIA_TYPE_HDDVDRAM`.
pub const MS_IMAPI_MEDIA_TYPE_HDDVDRAM: u32 = 0x10;
/// `IMAPI_MEDIA_TYPE_BDROM`.
pub const MS_IMAPI_MEDIA_TYPE_BDROM: u32 = 0x11;
/// `IMAPI_MEDIA_TYPE_BDR`.
pub const MS_IMAPI_MEDIA_TYPE_BDR: u32 = 0x12;
/// `IMAPI_MEDIA_TYPE_BDRE`.
pub const MS_IMAPI_MEDIA_TYPE_BDRE: u32 = 0x13;

// ----- IMAPI_FORMAT2_DATA_MEDIA_STATE bits (`ms_media_info.media_state`) -----

/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN: u32 = 0x0000;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_INFORMATIONAL_MASK`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_INFORMATIONAL_MASK: u32 = 0x000f;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK: u32 = 0xfc00;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY: u32 = 0x0001;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK: u32 = 0x0002;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE: u32 = 0x0004;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION: u32 = 0x0008;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED: u32 = 0x0400;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED: u32 = 0x0800;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION: u32 = 0x1000;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED: u32 = 0x2000;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED: u32 = 0x4000;
/// `IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA`.
pub const MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA: u32 = 0x8000;

// ----- IMAPI_FORMAT2_DATA_WRITE_ACTION (`ms_progress.action`) -----

/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA: u32 = 0;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA: u32 = 1;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE: u32 = 2;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER: u32 = 3;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA: u32 = 4;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION: u32 = 5;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED: u32 = 6;
/// `IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING`.
pub const MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING: u32 = 7;

// ----- IMAPI_MEDIA_WRITE_PROTECT_STATE bits (`ms_media_info.write_protect`) -----

/// `IMAPI_WRITEPROTECTED_UNTIL_POWERDOWN`.
pub const MS_IMAPI_WRITEPROTECTED_UNTIL_POWERDOWN: u32 = 0x0001;
/// `IMAPI_WRITEPROTECTED_BY_CARTRIDGE`.
pub const MS_IMAPI_WRITEPROTECTED_BY_CARTRIDGE: u32 = 0x0002;
/// `IMAPI_WRITEPROTECTED_BY_MEDIA_SPECIFIC_REASON`.
pub const MS_IMAPI_WRITEPROTECTED_BY_MEDIA_SPECIFIC_REASON: u32 = 0x0004;
/// `IMAPI_WRITEPROTECTED_BY_SOFTWARE_WRITE_PROTECT`.
pub const MS_IMAPI_WRITEPROTECTED_BY_SOFTWARE_WRITE_PROTECT: u32 = 0x0008;
/// `IMAPI_WRITEPROTECTED_BY_DISC_CONTROL_BLOCK`.
pub const MS_IMAPI_WRITEPROTECTED_BY_DISC_CONTROL_BLOCK: u32 = 0x0010;
/// `IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA`.
pub const MS_IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA: u32 = 0x4000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::burn::WriteAction;
    use crate::media::{MediaState, PhysicalType, Profile, WriteProtect};

    #[test]
    fn every_profile_has_its_named_constant() {
        let named = [
            (Profile::CdRom, MS_PROFILE_CD_ROM),
            (Profile::CdR, MS_PROFILE_CD_R),
            (Profile::CdRw, MS_PROFILE_CD_RW),
            (Profile::DvdRom, MS_PROFILE_DVD_ROM),
            (Profile::DvdMinusR, MS_PROFILE_DVD_DASH_R),
            (Profile::DvdRam, MS_PROFILE_DVD_RAM),
            (
                Profile::DvdMinusRwRestricted,
                MS_PROFILE_DVD_DASH_RW_RESTRICTED_OVERWRITE,
            ),
            (
                Profile::DvdMinusRwSequential,
                MS_PROFILE_DVD_DASH_RW_SEQUENTIAL,
            ),
            (Profile::DvdMinusRDl, MS_PROFILE_DVD_DASH_R_DL),
            (Profile::DvdMinusRDlJump, MS_PROFILE_DVD_DASH_R_DL_JUMP),
            (Profile::DvdPlusRw, MS_PROFILE_DVD_PLUS_RW),
            (Profile::DvdPlusR, MS_PROFILE_DVD_PLUS_R),
            (Profile::DvdPlusRwDl, MS_PROFILE_DVD_PLUS_RW_DL),
            (Profile::DvdPlusRDl, MS_PROFILE_DVD_PLUS_R_DL),
            (Profile::BdRom, MS_PROFILE_BD_ROM),
            (Profile::BdR, MS_PROFILE_BD_R),
            (Profile::BdRRrm, MS_PROFILE_BD_R_RRM),
            (Profile::BdRe, MS_PROFILE_BD_RE),
        ];
        assert_eq!(
            named.len(),
            Profile::ALL.len(),
            "a profile has no MS_PROFILE_ constant"
        );
        for (profile, value) in named {
            assert_eq!(profile as u16, value, "{profile:?}");
        }
        for profile in Profile::ALL {
            assert!(
                named.iter().any(|(p, _)| *p == profile),
                "{profile:?} has no constant"
            );
        }
    }

    #[test]
    fn every_physical_type_has_its_named_constant() {
        let named = [
            (PhysicalType::Unknown, MS_IMAPI_MEDIA_TYPE_UNKNOWN),
            (PhysicalType::CdRom, MS_IMAPI_MEDIA_TYPE_CDROM),
            (PhysicalType::CdR, MS_IMAPI_MEDIA_TYPE_CDR),
            (PhysicalType::CdRw, MS_IMAPI_MEDIA_TYPE_CDRW),
            (PhysicalType::DvdRom, MS_IMAPI_MEDIA_TYPE_DVDROM),
            (PhysicalType::DvdRam, MS_IMAPI_MEDIA_TYPE_DVDRAM),
            (PhysicalType::DvdPlusR, MS_IMAPI_MEDIA_TYPE_DVDPLUSR),
            (PhysicalType::DvdPlusRw, MS_IMAPI_MEDIA_TYPE_DVDPLUSRW),
            (
                PhysicalType::DvdPlusRDualLayer,
                MS_IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER,
            ),
            (PhysicalType::DvdDashR, MS_IMAPI_MEDIA_TYPE_DVDDASHR),
            (PhysicalType::DvdDashRw, MS_IMAPI_MEDIA_TYPE_DVDDASHRW),
            (
                PhysicalType::DvdDashRDualLayer,
                MS_IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER,
            ),
            (PhysicalType::Disk, MS_IMAPI_MEDIA_TYPE_DISK),
            (
                PhysicalType::DvdPlusRwDualLayer,
                MS_IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER,
            ),
            (PhysicalType::HdDvdRom, MS_IMAPI_MEDIA_TYPE_HDDVDROM),
            (PhysicalType::HdDvdR, MS_IMAPI_MEDIA_TYPE_HDDVDR),
            (PhysicalType::HdDvdRam, MS_IMAPI_MEDIA_TYPE_HDDVDRAM),
            (PhysicalType::BdRom, MS_IMAPI_MEDIA_TYPE_BDROM),
            (PhysicalType::BdR, MS_IMAPI_MEDIA_TYPE_BDR),
            (PhysicalType::BdRe, MS_IMAPI_MEDIA_TYPE_BDRE),
        ];
        for (i, (physical, value)) in named.iter().enumerate() {
            assert_eq!(*physical as u32, *value, "{physical:?}");
            // Microsoft's values are dense from 0: the list is complete
            // when the one past its end is no type.
            assert_eq!(*value, i as u32);
        }
        let past_end = named.len() as u32;
        assert!(crate::fsi::image::physical_type_from_value(past_end).is_none());
    }

    #[test]
    fn every_media_state_bit_has_its_named_constant() {
        let named = [
            (
                MediaState::UNKNOWN,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN,
            ),
            (
                MediaState::INFORMATIONAL_MASK,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_INFORMATIONAL_MASK,
            ),
            (
                MediaState::UNSUPPORTED_MASK,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK,
            ),
            (
                MediaState::OVERWRITE_ONLY,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY,
            ),
            (MediaState::BLANK, MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK),
            (
                MediaState::APPENDABLE,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE,
            ),
            (
                MediaState::FINAL_SESSION,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION,
            ),
            (
                MediaState::DAMAGED,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED,
            ),
            (
                MediaState::ERASE_REQUIRED,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED,
            ),
            (
                MediaState::NON_EMPTY_SESSION,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION,
            ),
            (
                MediaState::WRITE_PROTECTED,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED,
            ),
            (
                MediaState::FINALIZED,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED,
            ),
            (
                MediaState::UNSUPPORTED_MEDIA,
                MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA,
            ),
        ];
        for (state, value) in named {
            assert_eq!(state.0, value);
        }
    }

    #[test]
    fn every_write_action_has_its_named_constant() {
        let named = [
            (
                WriteAction::ValidatingMedia,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA,
            ),
            (
                WriteAction::FormattingMedia,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA,
            ),
            (
                WriteAction::InitializingHardware,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE,
            ),
            (
                WriteAction::CalibratingPower,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER,
            ),
            (
                WriteAction::WritingData,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA,
            ),
            (
                WriteAction::Finalization,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION,
            ),
            (
                WriteAction::Completed,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED,
            ),
            (
                WriteAction::Verifying,
                MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING,
            ),
        ];
        for (action, value) in named {
            assert_eq!(action.value(), value, "{action:?}");
            // An exhaustive match: a new variant fails to compile here.
            match action {
                WriteAction::ValidatingMedia
                | WriteAction::FormattingMedia
                | WriteAction::InitializingHardware
                | WriteAction::CalibratingPower
                | WriteAction::WritingData
                | WriteAction::Finalization
                | WriteAction::Completed
                | WriteAction::Verifying => {}
            }
        }
    }

    #[test]
    fn every_write_protect_bit_has_its_named_constant() {
        let named = [
            (
                WriteProtect::UNTIL_POWERDOWN,
                MS_IMAPI_WRITEPROTECTED_UNTIL_POWERDOWN,
            ),
            (
                WriteProtect::BY_CARTRIDGE,
                MS_IMAPI_WRITEPROTECTED_BY_CARTRIDGE,
            ),
            (
                WriteProtect::BY_MEDIA_SPECIFIC_REASON,
                MS_IMAPI_WRITEPROTECTED_BY_MEDIA_SPECIFIC_REASON,
            ),
            (
                WriteProtect::BY_SOFTWARE_WRITE_PROTECT,
                MS_IMAPI_WRITEPROTECTED_BY_SOFTWARE_WRITE_PROTECT,
            ),
            (
                WriteProtect::BY_DISC_CONTROL_BLOCK,
                MS_IMAPI_WRITEPROTECTED_BY_DISC_CONTROL_BLOCK,
            ),
            (
                WriteProtect::READ_ONLY_MEDIA,
                MS_IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA,
            ),
        ];
        for (state, value) in named {
            assert_eq!(state.0, value);
        }
    }
}
