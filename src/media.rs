//! MMC profiles, IMAPI physical media types and IMAPI media-state flags.
//!
//! The MMC profile (GET CONFIGURATION "current profile") decides every later
//! rule: how addresses are computed, which multisession object applies and
//! what a write must look like. IMAPI exposes the same facts through its own
//! enums, so the mapping between the two lives here and nowhere else.

use serde::{Deserialize, Serialize};

/// An MMC profile we know how to handle. Numbers are the MMC profile codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u16)]
pub enum Profile {
    #[serde(rename = "cd-rom")]
    CdRom = 0x0008,
    #[serde(rename = "cd-r")]
    CdR = 0x0009,
    #[serde(rename = "cd-rw")]
    CdRw = 0x000A,
    #[serde(rename = "dvd-rom")]
    DvdRom = 0x0010,
    #[serde(rename = "dvd-r")]
    DvdMinusR = 0x0011,
    #[serde(rename = "dvd-ram")]
    DvdRam = 0x0012,
    /// DVD-RW in restricted-overwrite mode.
    #[serde(rename = "dvd-rw-ro")]
    DvdMinusRwRestricted = 0x0013,
    /// DVD-RW in sequential (incremental) mode.
    #[serde(rename = "dvd-rw")]
    DvdMinusRwSequential = 0x0014,
    #[serde(rename = "dvd-r-dl")]
    DvdMinusRDl = 0x0015,
    #[serde(rename = "dvd-r-dl-jump")]
    DvdMinusRDlJump = 0x0016,
    #[serde(rename = "dvd+rw")]
    DvdPlusRw = 0x001A,
    #[serde(rename = "dvd+r")]
    DvdPlusR = 0x001B,
    #[serde(rename = "dvd+rw-dl")]
    DvdPlusRwDl = 0x002A,
    #[serde(rename = "dvd+r-dl")]
    DvdPlusRDl = 0x002B,
    #[serde(rename = "bd-rom")]
    BdRom = 0x0040,
    /// BD-R in sequential recording mode (SRM), with or without POW.
    #[serde(rename = "bd-r")]
    BdR = 0x0041,
    /// BD-R in random recording mode; treated as read-only, as libburn does.
    #[serde(rename = "bd-r-rrm")]
    BdRRrm = 0x0042,
    #[serde(rename = "bd-re")]
    BdRe = 0x0043,
}

/// How a medium takes new data, which decides the multisession object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteModel {
    /// Sessions are appended at the next writable address (CD-R, DVD±R, BD-R …).
    Sequential,
    /// Any block may be rewritten; "sessions" live only in the file system.
    RandomWrite,
    /// Cannot be written at all.
    ReadOnly,
}

/// Medium family, which fixes alignment and addressing conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Cd,
    Dvd,
    Bd,
}

impl Profile {
    /// Every profile, for table-driven tests.
    pub const ALL: [Profile; 18] = [
        Profile::CdRom,
        Profile::CdR,
        Profile::CdRw,
        Profile::DvdRom,
        Profile::DvdMinusR,
        Profile::DvdRam,
        Profile::DvdMinusRwRestricted,
        Profile::DvdMinusRwSequential,
        Profile::DvdMinusRDl,
        Profile::DvdMinusRDlJump,
        Profile::DvdPlusRw,
        Profile::DvdPlusR,
        Profile::DvdPlusRwDl,
        Profile::DvdPlusRDl,
        Profile::BdRom,
        Profile::BdR,
        Profile::BdRRrm,
        Profile::BdRe,
    ];

    /// The profile for an MMC profile number, `None` for 0 (no medium) and
    /// for profiles outside optical media we handle.
    pub fn from_code(code: u16) -> Option<Profile> {
        Profile::ALL.iter().copied().find(|p| p.code() == code)
    }

    /// The MMC profile number.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The short name used by the sidecar and the command-line tool
    /// (`"cd-r"`, `"dvd+rw"`, `"bd-re"` …).
    pub fn name(self) -> &'static str {
        match self {
            Profile::CdRom => "cd-rom",
            Profile::CdR => "cd-r",
            Profile::CdRw => "cd-rw",
            Profile::DvdRom => "dvd-rom",
            Profile::DvdMinusR => "dvd-r",
            Profile::DvdRam => "dvd-ram",
            Profile::DvdMinusRwRestricted => "dvd-rw-ro",
            Profile::DvdMinusRwSequential => "dvd-rw",
            Profile::DvdMinusRDl => "dvd-r-dl",
            Profile::DvdMinusRDlJump => "dvd-r-dl-jump",
            Profile::DvdPlusRw => "dvd+rw",
            Profile::DvdPlusR => "dvd+r",
            Profile::DvdPlusRwDl => "dvd+rw-dl",
            Profile::DvdPlusRDl => "dvd+r-dl",
            Profile::BdRom => "bd-rom",
            Profile::BdR => "bd-r",
            Profile::BdRRrm => "bd-r-rrm",
            Profile::BdRe => "bd-re",
        }
    }

    /// Parses [`Profile::name`], case-insensitively.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    pub fn family(self) -> Family {
        match self {
            Profile::CdRom | Profile::CdR | Profile::CdRw => Family::Cd,
            Profile::BdRom | Profile::BdR | Profile::BdRRrm | Profile::BdRe => Family::Bd,
            _ => Family::Dvd,
        }
    }

    pub fn write_model(self) -> WriteModel {
        match self {
            Profile::CdR
            | Profile::CdRw
            | Profile::DvdMinusR
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRDl
            | Profile::DvdMinusRDlJump
            | Profile::DvdPlusR
            | Profile::DvdPlusRDl
            | Profile::BdR => WriteModel::Sequential,
            Profile::DvdRam
            | Profile::DvdMinusRwRestricted
            | Profile::DvdPlusRw
            | Profile::DvdPlusRwDl
            | Profile::BdRe => WriteModel::RandomWrite,
            Profile::CdRom | Profile::DvdRom | Profile::BdRom | Profile::BdRRrm => {
                WriteModel::ReadOnly
            }
        }
    }

    /// Whether the medium can be blanked or reformatted (MMC "erasable").
    pub fn is_erasable(self) -> bool {
        matches!(
            self,
            Profile::CdRw
                | Profile::DvdMinusRwRestricted
                | Profile::DvdMinusRwSequential
                | Profile::DvdPlusRw
                | Profile::DvdPlusRwDl
                | Profile::DvdRam
                | Profile::BdRe
        )
    }

    /// Where a new session may start on overwritable media: after the
    /// volume at LBA 16, rounded up to 32 blocks (64 KiB), as libisoburn
    /// places sessions and libburn reports the next writable address. A
    /// multiple of every write unit.
    pub fn overwrite_session_align(self) -> u32 {
        self.write_unit().max(32)
    }

    /// Write/ISO alignment unit in blocks: 1 on CD, 16 on DVD, 32 on BD.
    pub fn write_unit(self) -> u32 {
        match self.family() {
            Family::Cd => 1,
            Family::Dvd => 16,
            Family::Bd => 32,
        }
    }

    /// The IMAPI physical media type reported for this profile.
    pub fn physical_type(self) -> PhysicalType {
        match self {
            Profile::CdRom => PhysicalType::CdRom,
            Profile::CdR => PhysicalType::CdR,
            Profile::CdRw => PhysicalType::CdRw,
            Profile::DvdRom => PhysicalType::DvdRom,
            Profile::DvdMinusR => PhysicalType::DvdDashR,
            Profile::DvdRam => PhysicalType::DvdRam,
            Profile::DvdMinusRwRestricted | Profile::DvdMinusRwSequential => {
                PhysicalType::DvdDashRw
            }
            Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => PhysicalType::DvdDashRDualLayer,
            Profile::DvdPlusRw => PhysicalType::DvdPlusRw,
            Profile::DvdPlusR => PhysicalType::DvdPlusR,
            Profile::DvdPlusRwDl => PhysicalType::DvdPlusRwDualLayer,
            Profile::DvdPlusRDl => PhysicalType::DvdPlusRDualLayer,
            Profile::BdRom => PhysicalType::BdRom,
            Profile::BdR | Profile::BdRRrm => PhysicalType::BdR,
            Profile::BdRe => PhysicalType::BdRe,
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `IMAPI_MEDIA_PHYSICAL_TYPE`, with Microsoft's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum PhysicalType {
    Unknown = 0x00,
    CdRom = 0x01,
    CdR = 0x02,
    CdRw = 0x03,
    DvdRom = 0x04,
    DvdRam = 0x05,
    DvdPlusR = 0x06,
    DvdPlusRw = 0x07,
    DvdPlusRDualLayer = 0x08,
    DvdDashR = 0x09,
    DvdDashRw = 0x0A,
    DvdDashRDualLayer = 0x0B,
    Disk = 0x0C,
    DvdPlusRwDualLayer = 0x0D,
    HdDvdRom = 0x0E,
    HdDvdR = 0x0F,
    HdDvdRam = 0x10,
    BdRom = 0x11,
    BdR = 0x12,
    BdRe = 0x13,
}

/// `IMAPI_FORMAT2_DATA_MEDIA_STATE`: a bit set, several bits at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaState(pub u32);

impl MediaState {
    pub const UNKNOWN: MediaState = MediaState(0x0000);
    pub const INFORMATIONAL_MASK: MediaState = MediaState(0x000F);
    pub const UNSUPPORTED_MASK: MediaState = MediaState(0xFC00);
    pub const OVERWRITE_ONLY: MediaState = MediaState(0x0001);
    pub const BLANK: MediaState = MediaState(0x0002);
    pub const APPENDABLE: MediaState = MediaState(0x0004);
    pub const FINAL_SESSION: MediaState = MediaState(0x0008);
    pub const DAMAGED: MediaState = MediaState(0x0400);
    pub const ERASE_REQUIRED: MediaState = MediaState(0x0800);
    pub const NON_EMPTY_SESSION: MediaState = MediaState(0x1000);
    pub const WRITE_PROTECTED: MediaState = MediaState(0x2000);
    pub const FINALIZED: MediaState = MediaState(0x4000);
    pub const UNSUPPORTED_MEDIA: MediaState = MediaState(0x8000);

    pub fn contains(self, other: MediaState) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when any "cannot use" bit is set.
    pub fn is_unusable(self) -> bool {
        self.0 & Self::UNSUPPORTED_MASK.0 != 0
    }
}

impl std::ops::BitOr for MediaState {
    type Output = MediaState;
    fn bitor(self, rhs: MediaState) -> MediaState {
        MediaState(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for MediaState {
    fn bitor_assign(&mut self, rhs: MediaState) {
        self.0 |= rhs.0;
    }
}

/// `IMAPI_MEDIA_WRITE_PROTECT_STATE`: a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WriteProtect(pub u32);

impl WriteProtect {
    pub const NONE: WriteProtect = WriteProtect(0);
    pub const UNTIL_POWERDOWN: WriteProtect = WriteProtect(0x0001);
    pub const BY_CARTRIDGE: WriteProtect = WriteProtect(0x0002);
    pub const BY_MEDIA_SPECIFIC_REASON: WriteProtect = WriteProtect(0x0004);
    pub const BY_SOFTWARE_WRITE_PROTECT: WriteProtect = WriteProtect(0x0008);
    pub const BY_DISC_CONTROL_BLOCK: WriteProtect = WriteProtect(0x0010);
    pub const READ_ONLY_MEDIA: WriteProtect = WriteProtect(0x4000);

    pub fn is_protected(self) -> bool {
        self.0 != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_codes_and_names_round_trip() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_code(p.code()), Some(p));
            assert_eq!(Profile::from_name(p.name()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.name()));
        }
        assert_eq!(Profile::from_code(0), None);
    }

    #[test]
    fn write_units_follow_the_family() {
        assert_eq!(Profile::CdR.write_unit(), 1);
        assert_eq!(Profile::DvdPlusR.write_unit(), 16);
        assert_eq!(Profile::BdRe.write_unit(), 32);
    }

    #[test]
    fn dvd_rw_modes_share_one_imapi_type() {
        assert_eq!(
            Profile::DvdMinusRwRestricted.physical_type(),
            PhysicalType::DvdDashRw
        );
        assert_eq!(
            Profile::DvdMinusRwSequential.physical_type(),
            PhysicalType::DvdDashRw
        );
        assert_eq!(
            Profile::DvdMinusRwRestricted.write_model(),
            WriteModel::RandomWrite
        );
        assert_eq!(
            Profile::DvdMinusRwSequential.write_model(),
            WriteModel::Sequential
        );
    }

    #[test]
    fn unusable_bits_are_the_unsupported_mask() {
        assert!((MediaState::APPENDABLE | MediaState::FINALIZED).is_unusable());
        assert!(!(MediaState::APPENDABLE | MediaState::BLANK).is_unusable());
    }
}
