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
    /// CD-ROM, or any CD a drive reports as read-only.
    #[serde(rename = "cd-rom")]
    CdRom = 0x0008,
    /// CD-R: write-once, sessions appended at the next writable address.
    #[serde(rename = "cd-r")]
    CdR = 0x0009,
    /// CD-RW: rewritable, written in sessions like a CD-R until blanked.
    #[serde(rename = "cd-rw")]
    CdRw = 0x000A,
    /// DVD-ROM, or any DVD a drive reports as read-only.
    #[serde(rename = "dvd-rom")]
    DvdRom = 0x0010,
    /// DVD-R in sequential recording (incremental when feature 0x21 is current).
    #[serde(rename = "dvd-r")]
    DvdMinusR = 0x0011,
    /// DVD-RAM: random-write, no sessions of its own.
    #[serde(rename = "dvd-ram")]
    DvdRam = 0x0012,
    /// DVD-RW in restricted-overwrite mode.
    #[serde(rename = "dvd-rw-ro")]
    DvdMinusRwRestricted = 0x0013,
    /// DVD-RW in sequential (incremental) mode.
    #[serde(rename = "dvd-rw")]
    DvdMinusRwSequential = 0x0014,
    /// DVD-R dual layer in sequential recording.
    #[serde(rename = "dvd-r-dl")]
    DvdMinusRDl = 0x0015,
    /// DVD-R dual layer in layer-jump recording; read-only here.
    #[serde(rename = "dvd-r-dl-jump")]
    DvdMinusRDlJump = 0x0016,
    /// DVD+RW: random-write after a background format.
    #[serde(rename = "dvd+rw")]
    DvdPlusRw = 0x001A,
    /// DVD+R: write-once, sessions appended.
    #[serde(rename = "dvd+r")]
    DvdPlusR = 0x001B,
    /// DVD+RW dual layer.
    #[serde(rename = "dvd+rw-dl")]
    DvdPlusRwDl = 0x002A,
    /// DVD+R dual layer.
    #[serde(rename = "dvd+r-dl")]
    DvdPlusRDl = 0x002B,
    /// BD-ROM, or any BD a drive reports as read-only.
    #[serde(rename = "bd-rom")]
    BdRom = 0x0040,
    /// BD-R in sequential recording mode (SRM), with or without POW.
    #[serde(rename = "bd-r")]
    BdR = 0x0041,
    /// BD-R in random recording mode; treated as read-only, as libburn does.
    #[serde(rename = "bd-r-rrm")]
    BdRRrm = 0x0042,
    /// BD-RE: random-write after formatting.
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
    /// CD: 1-block write unit, MSF addresses in some replies.
    Cd,
    /// DVD: 16-block (32 KiB ECC) write unit.
    Dvd,
    /// BD: 32-block (64 KiB cluster) write unit.
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

    /// Which family fixes the write unit and the addressing rules.
    pub fn family(self) -> Family {
        match self {
            Profile::CdRom | Profile::CdR | Profile::CdRw => Family::Cd,
            Profile::BdRom | Profile::BdR | Profile::BdRRrm | Profile::BdRe => Family::Bd,
            _ => Family::Dvd,
        }
    }

    /// How this profile takes new data, which picks the multisession object.
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
    /// No medium, or one this library cannot classify.
    Unknown = 0x00,
    /// CD-ROM.
    CdRom = 0x01,
    /// CD-R.
    CdR = 0x02,
    /// CD-RW.
    CdRw = 0x03,
    /// DVD-ROM.
    DvdRom = 0x04,
    /// DVD-RAM.
    DvdRam = 0x05,
    /// DVD+R.
    DvdPlusR = 0x06,
    /// DVD+RW.
    DvdPlusRw = 0x07,
    /// DVD+R dual layer.
    DvdPlusRDualLayer = 0x08,
    /// DVD-R.
    DvdDashR = 0x09,
    /// DVD-RW.
    DvdDashRw = 0x0A,
    /// DVD-R dual layer.
    DvdDashRDualLayer = 0x0B,
    /// Randomly writable media (IMAPI's "disk"); never reported for optical profiles.
    Disk = 0x0C,
    /// DVD+RW dual layer.
    DvdPlusRwDualLayer = 0x0D,
    /// HD DVD-ROM; kept for the full IMAPI value list, never reported.
    HdDvdRom = 0x0E,
    /// HD DVD-R; kept for the full IMAPI value list, never reported.
    HdDvdR = 0x0F,
    /// HD DVD-RAM; kept for the full IMAPI value list, never reported.
    HdDvdRam = 0x10,
    /// BD-ROM.
    BdRom = 0x11,
    /// BD-R.
    BdR = 0x12,
    /// BD-RE.
    BdRe = 0x13,
}

/// `IMAPI_FORMAT2_DATA_MEDIA_STATE`: a bit set, several bits at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MediaState(pub u32);

impl MediaState {
    /// No bit set: the state could not be determined.
    pub const UNKNOWN: MediaState = MediaState(0x0000);
    /// The bits that describe the medium rather than forbid its use.
    pub const INFORMATIONAL_MASK: MediaState = MediaState(0x000F);
    /// The bits that make the medium unusable for writing.
    pub const UNSUPPORTED_MASK: MediaState = MediaState(0xFC00);
    /// Random-write medium: written in place, no sessions to append.
    pub const OVERWRITE_ONLY: MediaState = MediaState(0x0001);
    /// Nothing recorded yet.
    pub const BLANK: MediaState = MediaState(0x0002);
    /// Another session can be appended.
    pub const APPENDABLE: MediaState = MediaState(0x0004);
    /// Only one more session fits.
    pub const FINAL_SESSION: MediaState = MediaState(0x0008);
    /// The medium reports damage (an incomplete session or track).
    pub const DAMAGED: MediaState = MediaState(0x0400);
    /// The medium must be erased before it can be written.
    pub const ERASE_REQUIRED: MediaState = MediaState(0x0800);
    /// At least one session is recorded.
    pub const NON_EMPTY_SESSION: MediaState = MediaState(0x1000);
    /// The medium or drive refuses writes.
    pub const WRITE_PROTECTED: MediaState = MediaState(0x2000);
    /// Closed: nothing can be appended.
    pub const FINALIZED: MediaState = MediaState(0x4000);
    /// A profile this library does not write.
    pub const UNSUPPORTED_MEDIA: MediaState = MediaState(0x8000);

    /// True when every bit of `other` is set (never for the empty set).
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
    /// Writable.
    pub const NONE: WriteProtect = WriteProtect(0);
    /// Protected until the drive powers down.
    pub const UNTIL_POWERDOWN: WriteProtect = WriteProtect(0x0001);
    /// The cartridge's write-protect tab is set.
    pub const BY_CARTRIDGE: WriteProtect = WriteProtect(0x0002);
    /// A medium-specific reason (e.g. a closed or damaged disc).
    pub const BY_MEDIA_SPECIFIC_REASON: WriteProtect = WriteProtect(0x0004);
    /// The software write-protect of the medium's disc control data.
    pub const BY_SOFTWARE_WRITE_PROTECT: WriteProtect = WriteProtect(0x0008);
    /// A disc control block forbids writing.
    pub const BY_DISC_CONTROL_BLOCK: WriteProtect = WriteProtect(0x0010);
    /// A medium no drive can write (a pressed or finalized disc).
    pub const READ_ONLY_MEDIA: WriteProtect = WriteProtect(0x4000);

    /// True when any protection bit is set.
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
