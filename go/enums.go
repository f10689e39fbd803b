package multisession

/*
#include "multisession.h"
*/
import "C"

import (
	"fmt"
	"strings"
)

// Profile is an MMC profile number: the kind of medium in a drive.
type Profile uint16

// The profiles the library knows.
const (
	ProfileNone                         Profile = 0
	ProfileCDROM                        Profile = C.MS_PROFILE_CD_ROM
	ProfileCDR                          Profile = C.MS_PROFILE_CD_R
	ProfileCDRW                         Profile = C.MS_PROFILE_CD_RW
	ProfileDVDROM                       Profile = C.MS_PROFILE_DVD_ROM
	ProfileDVDDashR                     Profile = C.MS_PROFILE_DVD_DASH_R
	ProfileDVDRAM                       Profile = C.MS_PROFILE_DVD_RAM
	ProfileDVDDashRWRestrictedOverwrite Profile = C.MS_PROFILE_DVD_DASH_RW_RESTRICTED_OVERWRITE
	ProfileDVDDashRWSequential          Profile = C.MS_PROFILE_DVD_DASH_RW_SEQUENTIAL
	ProfileDVDDashRDualLayer            Profile = C.MS_PROFILE_DVD_DASH_R_DL
	ProfileDVDDashRDualLayerJump        Profile = C.MS_PROFILE_DVD_DASH_R_DL_JUMP
	ProfileDVDPlusRW                    Profile = C.MS_PROFILE_DVD_PLUS_RW
	ProfileDVDPlusR                     Profile = C.MS_PROFILE_DVD_PLUS_R
	ProfileDVDPlusRWDualLayer           Profile = C.MS_PROFILE_DVD_PLUS_RW_DL
	ProfileDVDPlusRDualLayer            Profile = C.MS_PROFILE_DVD_PLUS_R_DL
	ProfileBDROM                        Profile = C.MS_PROFILE_BD_ROM
	ProfileBDR                          Profile = C.MS_PROFILE_BD_R
	ProfileBDRRandomRecording           Profile = C.MS_PROFILE_BD_R_RRM
	ProfileBDRE                         Profile = C.MS_PROFILE_BD_RE
)

var profileNames = map[Profile]string{
	ProfileNone: "none", ProfileCDROM: "CD-ROM", ProfileCDR: "CD-R", ProfileCDRW: "CD-RW",
	ProfileDVDROM: "DVD-ROM", ProfileDVDDashR: "DVD-R", ProfileDVDRAM: "DVD-RAM",
	ProfileDVDDashRWRestrictedOverwrite: "DVD-RW restricted overwrite",
	ProfileDVDDashRWSequential:          "DVD-RW sequential",
	ProfileDVDDashRDualLayer:            "DVD-R DL", ProfileDVDDashRDualLayerJump: "DVD-R DL layer jump",
	ProfileDVDPlusRW: "DVD+RW", ProfileDVDPlusR: "DVD+R", ProfileDVDPlusRWDualLayer: "DVD+RW DL",
	ProfileDVDPlusRDualLayer: "DVD+R DL", ProfileBDROM: "BD-ROM", ProfileBDR: "BD-R",
	ProfileBDRRandomRecording: "BD-R RRM", ProfileBDRE: "BD-RE",
}

func (p Profile) String() string {
	if name, ok := profileNames[p]; ok {
		return name
	}
	return fmt.Sprintf("profile 0x%04X", uint16(p))
}

// PhysicalType is IMAPI_MEDIA_PHYSICAL_TYPE.
type PhysicalType uint32

var physicalTypeNames = []string{
	"UNKNOWN", "CDROM", "CDR", "CDRW", "DVDROM", "DVDRAM", "DVDPLUSR", "DVDPLUSRW",
	"DVDPLUSR_DUALLAYER", "DVDDASHR", "DVDDASHRW", "DVDDASHR_DUALLAYER", "DISK",
	"DVDPLUSRW_DUALLAYER", "HDDVDROM", "HDDVDR", "HDDVDRAM", "BDROM", "BDR", "BDRE",
}

// The media types of ChooseDefaultsForMediaType (IMAPI's values).
const (
	MediaTypeUnknown   PhysicalType = C.MS_IMAPI_MEDIA_TYPE_UNKNOWN
	MediaTypeCDR       PhysicalType = C.MS_IMAPI_MEDIA_TYPE_CDR
	MediaTypeCDRW      PhysicalType = C.MS_IMAPI_MEDIA_TYPE_CDRW
	MediaTypeDVDPlusR  PhysicalType = C.MS_IMAPI_MEDIA_TYPE_DVDPLUSR
	MediaTypeDVDPlusRW PhysicalType = C.MS_IMAPI_MEDIA_TYPE_DVDPLUSRW
	MediaTypeDVDDashR  PhysicalType = C.MS_IMAPI_MEDIA_TYPE_DVDDASHR
	MediaTypeDVDRAM    PhysicalType = C.MS_IMAPI_MEDIA_TYPE_DVDRAM
	MediaTypeBDR       PhysicalType = C.MS_IMAPI_MEDIA_TYPE_BDR
	MediaTypeBDRE      PhysicalType = C.MS_IMAPI_MEDIA_TYPE_BDRE
)

func (t PhysicalType) String() string {
	if int(t) < len(physicalTypeNames) {
		return "IMAPI_MEDIA_TYPE_" + physicalTypeNames[t]
	}
	return fmt.Sprintf("IMAPI_MEDIA_TYPE(%d)", uint32(t))
}

// enumString is the name of v in names, or the type and number of a
// value the table does not know.
func enumString[T ~uint32](names map[T]string, v T, typ string) string {
	if name, ok := names[v]; ok {
		return name
	}
	return fmt.Sprintf("%s(%d)", typ, uint32(v))
}

// flagString names the set bits of v from names, with any bit left over
// in hexadecimal.
func flagString(v uint32, names []flagName, zero string) string {
	if v == 0 {
		return zero
	}
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("0x%X", v))
	}
	return strings.Join(parts, "|")
}

type flagName struct {
	bit  uint32
	name string
}

// MediaState is IMAPI_FORMAT2_DATA_MEDIA_STATE: a set of bits.
type MediaState uint32

// The media state bits.
const (
	MediaStateOverwriteOnly    MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY
	MediaStateBlank            MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK
	MediaStateAppendable       MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE
	MediaStateFinalSession     MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION
	MediaStateDamaged          MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED
	MediaStateEraseRequired    MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED
	MediaStateNonEmptySession  MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION
	MediaStateWriteProtected   MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED
	MediaStateFinalized        MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED
	MediaStateUnsupportedMedia MediaState = C.MS_IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA
)

var mediaStateNames = []flagName{
	{uint32(MediaStateOverwriteOnly), "OVERWRITE_ONLY"}, {uint32(MediaStateBlank), "BLANK"},
	{uint32(MediaStateAppendable), "APPENDABLE"}, {uint32(MediaStateFinalSession), "FINAL_SESSION"},
	{uint32(MediaStateDamaged), "DAMAGED"}, {uint32(MediaStateEraseRequired), "ERASE_REQUIRED"},
	{uint32(MediaStateNonEmptySession), "NON_EMPTY_SESSION"},
	{uint32(MediaStateWriteProtected), "WRITE_PROTECTED"}, {uint32(MediaStateFinalized), "FINALIZED"},
	{uint32(MediaStateUnsupportedMedia), "UNSUPPORTED_MEDIA"},
}

func (s MediaState) String() string { return flagString(uint32(s), mediaStateNames, "UNKNOWN") }

// WriteProtect is IMAPI_MEDIA_WRITE_PROTECT_STATE: a set of bits.
type WriteProtect uint32

var writeProtectNames = []flagName{
	{C.MS_IMAPI_WRITEPROTECTED_UNTIL_POWERDOWN, "UNTIL_POWERDOWN"},
	{C.MS_IMAPI_WRITEPROTECTED_BY_CARTRIDGE, "BY_CARTRIDGE"},
	{C.MS_IMAPI_WRITEPROTECTED_BY_MEDIA_SPECIFIC_REASON, "BY_MEDIA_SPECIFIC_REASON"},
	{C.MS_IMAPI_WRITEPROTECTED_BY_SOFTWARE_WRITE_PROTECT, "BY_SOFTWARE_WRITE_PROTECT"},
	{C.MS_IMAPI_WRITEPROTECTED_BY_DISC_CONTROL_BLOCK, "BY_DISC_CONTROL_BLOCK"},
	{C.MS_IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA, "READ_ONLY_MEDIA"},
}

func (w WriteProtect) String() string { return flagString(uint32(w), writeProtectNames, "none") }

// Kind is which IMultisession interface an object has.
type Kind uint32

// The multisession kinds.
const (
	Sequential      Kind = C.MS_MULTISESSION_SEQUENTIAL
	RandomWrite     Kind = C.MS_MULTISESSION_RANDOM_WRITE
	PseudoOverwrite Kind = C.MS_MULTISESSION_PSEUDO_OVERWRITE
)

var kindNames = map[Kind]string{Sequential: "Sequential", RandomWrite: "RandomWrite", PseudoOverwrite: "PseudoOverwrite"}

func (k Kind) String() string { return enumString(kindNames, k, "Kind") }

// FileSystems is an FsiFileSystems mask.
type FileSystems uint32

// The file systems; DefaultFileSystem asks Import for IMAPI2's choice.
const (
	DefaultFileSystem FileSystems = 0
	ISO9660           FileSystems = C.MS_FS_ISO9660
	Joliet            FileSystems = C.MS_FS_JOLIET
	UDF               FileSystems = C.MS_FS_UDF
	UnknownFileSystem FileSystems = C.MS_FS_UNKNOWN
)

var fileSystemNames = []flagName{
	{uint32(ISO9660), "ISO9660"}, {uint32(Joliet), "Joliet"}, {uint32(UDF), "UDF"},
	{uint32(UnknownFileSystem), "Unknown"},
}

func (f FileSystems) String() string { return flagString(uint32(f), fileSystemNames, "none") }

// ItemKind is what an image path holds.
type ItemKind uint32

// The item kinds.
const (
	ItemDirectory ItemKind = C.MS_ITEM_DIRECTORY
	ItemFile      ItemKind = C.MS_ITEM_FILE
	ItemSymlink   ItemKind = C.MS_ITEM_SYMLINK
)

var itemKindNames = map[ItemKind]string{ItemDirectory: "directory", ItemFile: "file", ItemSymlink: "symlink"}

func (k ItemKind) String() string { return enumString(itemKindNames, k, "ItemKind") }

// WriteAction is IMAPI_FORMAT2_DATA_WRITE_ACTION.
type WriteAction uint32

// The write actions, in the order a write goes through them.
const (
	ValidatingMedia      WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA
	FormattingMedia      WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA
	InitializingHardware WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE
	CalibratingPower     WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER
	WritingData          WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA
	Finalization         WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION
	Completed            WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED
	Verifying            WriteAction = C.MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING
)

var writeActionNames = []string{
	"ValidatingMedia", "FormattingMedia", "InitializingHardware", "CalibratingPower",
	"WritingData", "Finalization", "Completed", "Verifying",
}

func (a WriteAction) String() string {
	if int(a) < len(writeActionNames) {
		return writeActionNames[a]
	}
	return fmt.Sprintf("WriteAction(%d)", uint32(a))
}

// Recovery is what Recorder.Recover did.
type Recovery uint32

// The recovery outcomes.
const (
	RecoveryNotNeeded Recovery = C.MS_RECOVERY_NOT_NEEDED
	RecoveryRestored  Recovery = C.MS_RECOVERY_RESTORED
	RecoveryEmptied   Recovery = C.MS_RECOVERY_EMPTIED
)

var recoveryNames = map[Recovery]string{RecoveryNotNeeded: "not needed", RecoveryRestored: "restored", RecoveryEmptied: "emptied"}

func (r Recovery) String() string { return enumString(recoveryNames, r, "Recovery") }

// LogLevel is how much of the library's log SetLogger receives.
type LogLevel uint32

// The log levels.
const (
	LogOff     LogLevel = C.MS_LOG_OFF
	LogWarning LogLevel = C.MS_LOG_WARNING
	LogDebug   LogLevel = C.MS_LOG_DEBUG
)

var logLevelNames = map[LogLevel]string{LogOff: "off", LogWarning: "warning", LogDebug: "debug"}

func (l LogLevel) String() string { return enumString(logLevelNames, l, "LogLevel") }

// ParseProfile reads a profile's name as String prints it ("CD-R",
// "dvd+rw"; any case) or its number ("0x0009").
func ParseProfile(name string) (Profile, error) {
	for p, n := range profileNames {
		if p != ProfileNone && strings.EqualFold(n, name) {
			return p, nil
		}
	}
	var number uint16
	if _, err := fmt.Sscanf(name, "0x%x", &number); err == nil && strings.HasPrefix(name, "0x") {
		if _, known := profileNames[Profile(number)]; known {
			return Profile(number), nil
		}
	}
	return ProfileNone, fmt.Errorf("multisession: unknown profile %q", name)
}
