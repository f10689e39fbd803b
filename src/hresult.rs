//! Every status code the C API can return, with Microsoft's exact values.
//!
//! IMAPI2 callers compare raw HRESULT numbers, so a port must see the same
//! numbers: `MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE` is 0xC0AAB15C here
//! exactly as `IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE` is on Windows. The
//! `MS_` prefix keeps the names from colliding with `winerror.h` when both
//! headers are included.

/// The status type every C entry point returns (`ms_hresult` in the
/// header): a signed 32-bit HRESULT. Negative means failure.
pub type HResult = i32;

/// True for success codes (`S_OK`, `S_FALSE`, `S_IMAPI_*`).
pub const fn succeeded(code: HResult) -> bool {
    code >= 0
}

/// True for failure codes (severity bit set).
pub const fn failed(code: HResult) -> bool {
    code < 0
}

/// `0xC0AA0002` — Operation was cancelled (e.g. CancelWrite).
pub const MS_E_IMAPI_REQUEST_CANCELLED: HResult = 0xC0AA0002_u32 as HResult;
/// `0xC0AA0003` — No recorder has been assigned to the object yet.
pub const MS_E_IMAPI_RECORDER_REQUIRED: HResult = 0xC0AA0003_u32 as HResult;
/// `0x00AA0004` — Success; drive did not accept the requested speed and picked another.
pub const MS_S_IMAPI_SPEEDADJUSTED: HResult = 0x00AA0004_u32 as HResult;
/// `0x00AA0005` — Success; drive did not accept the requested rotation control (CAV/CLV) and changed it.
pub const MS_S_IMAPI_ROTATIONADJUSTED: HResult = 0x00AA0005_u32 as HResult;
/// `0x00AA0006` — Success; both speed and rotation control were changed by the drive.
pub const MS_S_IMAPI_BOTHADJUSTED: HResult = 0x00AA0006_u32 as HResult;
/// `0xC0AA0007` — Post-burn verification failed; disc contents may be bad.
pub const MS_E_IMAPI_BURN_VERIFICATION_FAILED: HResult = 0xC0AA0007_u32 as HResult;
/// `0x00AA0200` — Success code: command completed but the drive returned sense data describing an error.
pub const MS_S_IMAPI_COMMAND_HAS_SENSE_DATA: HResult = 0x00AA0200_u32 as HResult;
/// `0xC0AA0201` — Requested MODE SENSE page/type not present on the drive.
pub const MS_E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE: HResult = 0xC0AA0201_u32 as HResult;
/// `0xC0AA0202` — No disc in the drive.
pub const MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA: HResult = 0xC0AA0202_u32 as HResult;
/// `0xC0AA0203` — Disc is of an unknown or unusable physical format.
pub const MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE: HResult = 0xC0AA0203_u32 as HResult;
/// `0xC0AA0204` — Disc inserted upside down.
pub const MS_E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN: HResult = 0xC0AA0204_u32 as HResult;
/// `0xC0AA0205` — Drive is still becoming ready; retry later.
pub const MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY: HResult = 0xC0AA0205_u32 as HResult;
/// `0xC0AA0206` — A (background) format is running; wait for it.
pub const MS_E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS: HResult = 0xC0AA0206_u32 as HResult;
/// `0xC0AA0207` — Drive busy with a long operation (e.g. finishing a write).
pub const MS_E_IMAPI_RECORDER_MEDIA_BUSY: HResult = 0xC0AA0207_u32 as HResult;
/// `0xC0AA0208` — Drive rejected the MODE SELECT parameter combination.
pub const MS_E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS: HResult = 0xC0AA0208_u32 as HResult;
/// `0xC0AA0209` — Drive reports the disc as write protected.
pub const MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED: HResult = 0xC0AA0209_u32 as HResult;
/// `0xC0AA020A` — Requested GET CONFIGURATION feature is not implemented by the drive.
pub const MS_E_IMAPI_RECORDER_NO_SUCH_FEATURE: HResult = 0xC0AA020A_u32 as HResult;
/// `0xC0AA020B` — Feature exists but is not 'current' for the loaded disc.
pub const MS_E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT: HResult = 0xC0AA020B_u32 as HResult;
/// `0xC0AA020C` — Drive does not implement GET CONFIGURATION.
pub const MS_E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED: HResult = 0xC0AA020C_u32 as HResult;
/// `0xC0AA020D` — Drive did not complete/accept a command within the timeout.
pub const MS_E_IMAPI_RECORDER_COMMAND_TIMEOUT: HResult = 0xC0AA020D_u32 as HResult;
/// `0xC0AA020E` — READ DVD STRUCTURE data absent (drive/disc mismatch).
pub const MS_E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT: HResult = 0xC0AA020E_u32 as HResult;
/// `0xC0AA020F` — Disc speed class outside the drive's supported range.
pub const MS_E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH: HResult = 0xC0AA020F_u32 as HResult;
/// `0xC0AA0210` — Device is exclusively locked by another client.
pub const MS_E_IMAPI_RECORDER_LOCKED: HResult = 0xC0AA0210_u32 as HResult;
/// `0xC0AA0211` — Client name string rejected (recorder).
pub const MS_E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID: HResult = 0xC0AA0211_u32 as HResult;
/// `0xC0AA0212` — Disc needs formatting before use.
pub const MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED: HResult = 0xC0AA0212_u32 as HResult;
/// `0xC0AA02FF` — Drive returned malformed/unexpected data.
pub const MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE: HResult = 0xC0AA02FF_u32 as HResult;
/// `0xC0AA0300` — Buffer underrun: data did not arrive fast enough during write.
pub const MS_E_IMAPI_LOSS_OF_STREAMING: HResult = 0xC0AA0300_u32 as HResult;
/// `0xC0AA0301` — Write aborted on an unrecoverable drive error.
pub const MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE: HResult = 0xC0AA0301_u32 as HResult;
/// `0x00AA0302` — Success code: nothing is being written at the moment.
pub const MS_S_IMAPI_WRITE_NOT_IN_PROGRESS: HResult = 0x00AA0302_u32 as HResult;
/// `0xC0AA0400` — A Write is already running on this data-writer object.
pub const MS_E_IMAPI_DF2DATA_WRITE_IN_PROGRESS: HResult = 0xC0AA0400_u32 as HResult;
/// `0xC0AA0401` — CancelWrite called while no write is running.
pub const MS_E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS: HResult = 0xC0AA0401_u32 as HResult;
/// `0xC0AA0402` — Operation needs supported media in a usable state.
pub const MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE: HResult = 0xC0AA0402_u32 as HResult;
/// `0xC0AA0403` — Stream unusable (size must be a whole number of 2048-byte sectors).
pub const MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED: HResult = 0xC0AA0403_u32 as HResult;
/// `0xC0AA0404` — Stream does not fit in the free space of the disc.
pub const MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA: HResult =
    0xC0AA0404_u32 as HResult;
/// `0xC0AA0405` — Disc not blank and ForceOverwrite is not VARIANT_TRUE.
pub const MS_E_IMAPI_DF2DATA_MEDIA_NOT_BLANK: HResult = 0xC0AA0405_u32 as HResult;
/// `0xC0AA0406` — Loaded disc type not supported by the data writer.
pub const MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED: HResult = 0xC0AA0406_u32 as HResult;
/// `0xC0AA0407` — Drive lacks capabilities needed by the data writer.
pub const MS_E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED: HResult = 0xC0AA0407_u32 as HResult;
/// `0xC0AA0408` — Client name string rejected (data writer).
pub const MS_E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID: HResult = 0xC0AA0408_u32 as HResult;
/// `0xC0AA0500` — TAO writer: write already running.
pub const MS_E_IMAPI_DF2TAO_WRITE_IN_PROGRESS: HResult = 0xC0AA0500_u32 as HResult;
/// `0xC0AA0501` — TAO writer: no write running.
pub const MS_E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS: HResult = 0xC0AA0501_u32 as HResult;
/// `0xC0AA0502` — TAO writer: PrepareMedia not yet called.
pub const MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED: HResult = 0xC0AA0502_u32 as HResult;
/// `0xC0AA0503` — TAO writer: not allowed while media is prepared.
pub const MS_E_IMAPI_DF2TAO_MEDIA_IS_PREPARED: HResult = 0xC0AA0503_u32 as HResult;
/// `0xC0AA0504` — TAO writer: property frozen once the disc has data.
pub const MS_E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY: HResult = 0xC0AA0504_u32 as HResult;
/// `0xC0AA0505` — TAO writer: TOC requested from an empty disc.
pub const MS_E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC: HResult = 0xC0AA0505_u32 as HResult;
/// `0xC0AA0506` — TAO writer: needs blank CD-R/RW.
pub const MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK: HResult = 0xC0AA0506_u32 as HResult;
/// `0xC0AA0507` — TAO writer: needs blank CD-R/RW.
pub const MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED: HResult = 0xC0AA0507_u32 as HResult;
/// `0xC0AA0508` — TAO writer: 99-track limit reached.
pub const MS_E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED: HResult = 0xC0AA0508_u32 as HResult;
/// `0xC0AA0509` — TAO writer: not enough room for the track.
pub const MS_E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE: HResult = 0xC0AA0509_u32 as HResult;
/// `0xC0AA050A` — TAO writer: recorder not set before PrepareMedia.
pub const MS_E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED: HResult = 0xC0AA050A_u32 as HResult;
/// `0xC0AA050B` — TAO writer: bad ISRC.
pub const MS_E_IMAPI_DF2TAO_INVALID_ISRC: HResult = 0xC0AA050B_u32 as HResult;
/// `0xC0AA050C` — TAO writer: bad Media Catalog Number.
pub const MS_E_IMAPI_DF2TAO_INVALID_MCN: HResult = 0xC0AA050C_u32 as HResult;
/// `0xC0AA050D` — TAO writer: audio stream unusable.
pub const MS_E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED: HResult = 0xC0AA050D_u32 as HResult;
/// `0xC0AA050E` — TAO writer: drive lacks required capabilities.
pub const MS_E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED: HResult = 0xC0AA050E_u32 as HResult;
/// `0xC0AA050F` — TAO writer: client name rejected.
pub const MS_E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID: HResult = 0xC0AA050F_u32 as HResult;
/// `0xC0AA0600` — RAW writer: write already running.
pub const MS_E_IMAPI_DF2RAW_WRITE_IN_PROGRESS: HResult = 0xC0AA0600_u32 as HResult;
/// `0xC0AA0601` — RAW writer: no write running.
pub const MS_E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS: HResult = 0xC0AA0601_u32 as HResult;
/// `0xC0AA0602` — RAW writer: PrepareMedia not yet called.
pub const MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED: HResult = 0xC0AA0602_u32 as HResult;
/// `0xC0AA0603` — RAW writer: not allowed while media is prepared.
pub const MS_E_IMAPI_DF2RAW_MEDIA_IS_PREPARED: HResult = 0xC0AA0603_u32 as HResult;
/// `0xC0AA0604` — RAW writer: client name rejected.
pub const MS_E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID: HResult = 0xC0AA0604_u32 as HResult;
/// `0xC0AA0606` — RAW writer: needs blank CD-R/RW.
pub const MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK: HResult = 0xC0AA0606_u32 as HResult;
/// `0xC0AA0607` — RAW writer: needs blank CD-R/RW (also used as a 'no' answer by IsRecorderSupported).
pub const MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED: HResult = 0xC0AA0607_u32 as HResult;
/// `0xC0AA0609` — RAW writer: session does not fit.
pub const MS_E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE: HResult = 0xC0AA0609_u32 as HResult;
/// `0xC0AA060A` — RAW writer: recorder not set before PrepareMedia.
pub const MS_E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED: HResult = 0xC0AA060A_u32 as HResult;
/// `0xC0AA060D` — RAW writer: stream unusable.
pub const MS_E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED: HResult = 0xC0AA060D_u32 as HResult;
/// `0xC0AA060E` — RAW writer: drive does not support the requested raw block type.
pub const MS_E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED: HResult = 0xC0AA060E_u32 as HResult;
/// `0xC0AA060F` — RAW writer: stream lead-in shorter than the disc requires.
pub const MS_E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT: HResult = 0xC0AA060F_u32 as HResult;
/// `0xC0AA0610` — RAW writer: drive lacks required capabilities.
pub const MS_E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED: HResult = 0xC0AA0610_u32 as HResult;
/// `0x80AA0900` — Erase running; recorder cannot be changed now.
pub const MS_E_IMAPI_ERASE_RECORDER_IN_USE: HResult = 0x80AA0900_u32 as HResult;
/// `0x80AA0901` — Erase object holds one recorder; clear it before setting another.
pub const MS_E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED: HResult = 0x80AA0901_u32 as HResult;
/// `0x80AA0902` — READ DISC INFORMATION reply too short.
pub const MS_E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL: HResult = 0x80AA0902_u32 as HResult;
/// `0x80AA0903` — MODE SENSE page 2Ah reply too short.
pub const MS_E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL: HResult = 0x80AA0903_u32 as HResult;
/// `0x80AA0904` — Drive says the disc cannot be erased.
pub const MS_E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE: HResult = 0x80AA0904_u32 as HResult;
/// `0x80AA0905` — Drive failed the BLANK/erase command.
pub const MS_E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND: HResult = 0x80AA0905_u32 as HResult;
/// `0x80AA0906` — Erase did not finish within one hour.
pub const MS_E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR: HResult = 0x80AA0906_u32 as HResult;
/// `0x80AA0907` — Unexpected drive error during erase; disc state unknown.
pub const MS_E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE: HResult =
    0x80AA0907_u32 as HResult;
/// `0x80AA0908` — START UNIT (spin-up) failed.
pub const MS_E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND: HResult = 0x80AA0908_u32 as HResult;
/// `0xC0AA0909` — Erase: disc type unsupported.
pub const MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED: HResult = 0xC0AA0909_u32 as HResult;
/// `0xC0AA090A` — Erase: drive lacks required capabilities.
pub const MS_E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED: HResult = 0xC0AA090A_u32 as HResult;
/// `0xC0AA090B` — Erase: client name rejected.
pub const MS_E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID: HResult = 0xC0AA090B_u32 as HResult;
/// `0x80AA0A00` — Raw image frozen after CreateResultImage.
pub const MS_E_IMAPI_RAW_IMAGE_IS_READ_ONLY: HResult = 0x80AA0A00_u32 as HResult;
/// `0x80AA0A01` — Raw image: track numbers limited to 1..99.
pub const MS_E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS: HResult = 0x80AA0A01_u32 as HResult;
/// `0x80AA0A02` — Raw image: sector type unsupported.
pub const MS_E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED: HResult = 0x80AA0A02_u32 as HResult;
/// `0x80AA0A03` — Raw image: needs at least one track first.
pub const MS_E_IMAPI_RAW_IMAGE_NO_TRACKS: HResult = 0x80AA0A03_u32 as HResult;
/// `0x80AA0A04` — Raw image: must be called before any track is added.
pub const MS_E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED: HResult = 0x80AA0A04_u32 as HResult;
/// `0x80AA0A05` — Raw image: track would exceed the lead-out start limit.
pub const MS_E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE: HResult = 0x80AA0A05_u32 as HResult;
/// `0x80AA0A06` — Raw image: more than 99 indexes.
pub const MS_E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES: HResult = 0x80AA0A06_u32 as HResult;
/// `0x80AA0A07` — Raw image: no index at that LBA offset.
pub const MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND: HResult = 0x80AA0A07_u32 as HResult;
/// `0x00AA0A08` — Success code: index already present at that LBA offset.
pub const MS_S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS: HResult = 0x00AA0A08_u32 as HResult;
/// `0x80AA0A09` — Raw image: index 1 at offset 0 cannot be removed.
pub const MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED: HResult =
    0x80AA0A09_u32 as HResult;
/// `0x80AA0A0A` — Raw image: indexes must be at least 10 sectors apart.
pub const MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX: HResult =
    0x80AA0A0A_u32 as HResult;
/// `0xC0AAB100` — Internal file-system-image failure.
pub const MS_IMAPI_E_FSI_INTERNAL_ERROR: HResult = 0xC0AAB100_u32 as HResult;
/// `0xC0AAB101` — A parameter value is invalid.
pub const MS_IMAPI_E_INVALID_PARAM: HResult = 0xC0AAB101_u32 as HResult;
/// `0xC0AAB102` — File system image object is read-only.
pub const MS_IMAPI_E_READONLY: HResult = 0xC0AAB102_u32 as HResult;
/// `0xC0AAB103` — FileSystemsToCreate selects no file system.
pub const MS_IMAPI_E_NO_OUTPUT: HResult = 0xC0AAB103_u32 as HResult;
/// `0xC0AAB104` — Volume label too long or has illegal characters.
pub const MS_IMAPI_E_INVALID_VOLUME_NAME: HResult = 0xC0AAB104_u32 as HResult;
/// `0xC0AAB105` — File timestamps inconsistent (one time earlier than another).
pub const MS_IMAPI_E_INVALID_DATE: HResult = 0xC0AAB105_u32 as HResult;
/// `0xC0AAB106` — Operation requires an empty image.
pub const MS_IMAPI_E_FILE_SYSTEM_NOT_EMPTY: HResult = 0xC0AAB106_u32 as HResult;
/// `0xC0AAB108` — Path is not a file.
pub const MS_IMAPI_E_NOT_FILE: HResult = 0xC0AAB108_u32 as HResult;
/// `0xC0AAB109` — Path is not a directory.
pub const MS_IMAPI_E_NOT_DIR: HResult = 0xC0AAB109_u32 as HResult;
/// `0xC0AAB10A` — Directory not empty.
pub const MS_IMAPI_E_DIR_NOT_EMPTY: HResult = 0xC0AAB10A_u32 as HResult;
/// `0xC0AAB10B` — Item is not (yet) part of the image.
pub const MS_IMAPI_E_NOT_IN_FILE_SYSTEM: HResult = 0xC0AAB10B_u32 as HResult;
/// `0xC0AAB110` — Path malformed / bad characters (also: imported FS has an invalid name).
pub const MS_IMAPI_E_INVALID_PATH: HResult = 0xC0AAB110_u32 as HResult;
/// `0xC0AAB111` — Name not ANSI while UseRestrictedCharacterSet is on.
pub const MS_IMAPI_E_RESTRICTED_NAME_VIOLATION: HResult = 0xC0AAB111_u32 as HResult;
/// `0xC0AAB112` — Name already exists.
pub const MS_IMAPI_E_DUP_NAME: HResult = 0xC0AAB112_u32 as HResult;
/// `0xC0AAB113` — Cannot derive a unique per-file-system name for an item.
pub const MS_IMAPI_E_NO_UNIQUE_NAME: HResult = 0xC0AAB113_u32 as HResult;
/// `0xC0AAB118` — Item not found in the image tree.
pub const MS_IMAPI_E_ITEM_NOT_FOUND: HResult = 0xC0AAB118_u32 as HResult;
/// `0xC0AAB119` — File not found in the image tree.
pub const MS_IMAPI_E_FILE_NOT_FOUND: HResult = 0xC0AAB119_u32 as HResult;
/// `0xC0AAB11A` — Directory not found in the image tree.
pub const MS_IMAPI_E_DIR_NOT_FOUND: HResult = 0xC0AAB11A_u32 as HResult;
/// `0xC0AAB120` — Adding the item would exceed the configured size limit.
pub const MS_IMAPI_E_IMAGE_SIZE_LIMIT: HResult = 0xC0AAB120_u32 as HResult;
/// `0xC0AAB121` — FreeMediaBlocks is smaller than the estimated image size.
pub const MS_IMAPI_E_IMAGE_TOO_BIG: HResult = 0xC0AAB121_u32 as HResult;
/// `0xC0AAB128` — File stream length differs from the length announced.
pub const MS_IMAPI_E_DATA_STREAM_INCONSISTENCY: HResult = 0xC0AAB128_u32 as HResult;
/// `0xC0AAB129` — Cannot read a file's data stream.
pub const MS_IMAPI_E_DATA_STREAM_READ_FAILURE: HResult = 0xC0AAB129_u32 as HResult;
/// `0xC0AAB12A` — Cannot create a data stream for a file.
pub const MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE: HResult = 0xC0AAB12A_u32 as HResult;
/// `0xC0AAB12B` — Cannot enumerate a source directory.
pub const MS_IMAPI_E_DIRECTORY_READ_FAILURE: HResult = 0xC0AAB12B_u32 as HResult;
/// `0xC0AAB130` — Too many directories for the selected file system.
pub const MS_IMAPI_E_TOO_MANY_DIRS: HResult = 0xC0AAB130_u32 as HResult;
/// `0xC0AAB131` — ISO 9660 depth limit (8 levels) exceeded.
pub const MS_IMAPI_E_ISO9660_LEVELS: HResult = 0xC0AAB131_u32 as HResult;
/// `0xC0AAB132` — A file is too large for the selected file system.
pub const MS_IMAPI_E_DATA_TOO_BIG: HResult = 0xC0AAB132_u32 as HResult;
/// `0xC0AAB133` — Imported previous session layout is incompatible with the requested file systems.
pub const MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION: HResult = 0xC0AAB133_u32 as HResult;
/// `0xC0AAB138` — Cannot create the staging (stash) file.
pub const MS_IMAPI_E_STASHFILE_OPEN_FAILURE: HResult = 0xC0AAB138_u32 as HResult;
/// `0xC0AAB139` — Seek error in the stash file.
pub const MS_IMAPI_E_STASHFILE_SEEK_FAILURE: HResult = 0xC0AAB139_u32 as HResult;
/// `0xC0AAB13A` — Write error in the stash file.
pub const MS_IMAPI_E_STASHFILE_WRITE_FAILURE: HResult = 0xC0AAB13A_u32 as HResult;
/// `0xC0AAB13B` — Read error in the stash file.
pub const MS_IMAPI_E_STASHFILE_READ_FAILURE: HResult = 0xC0AAB13B_u32 as HResult;
/// `0xC0AAB140` — WorkingDirectory value invalid.
pub const MS_IMAPI_E_INVALID_WORKING_DIRECTORY: HResult = 0xC0AAB140_u32 as HResult;
/// `0xC0AAB141` — Not enough space in WorkingDirectory.
pub const MS_IMAPI_E_WORKING_DIRECTORY_SPACE: HResult = 0xC0AAB141_u32 as HResult;
/// `0xC0AAB142` — Could not move the stash file to the new directory.
pub const MS_IMAPI_E_STASHFILE_MOVE: HResult = 0xC0AAB142_u32 as HResult;
/// `0xC0AAB148` — Boot image could not be added.
pub const MS_IMAPI_E_BOOT_IMAGE_DATA: HResult = 0xC0AAB148_u32 as HResult;
/// `0xC0AAB149` — Boot image only allowed in a first (non-imported) session.
pub const MS_IMAPI_E_BOOT_OBJECT_CONFLICT: HResult = 0xC0AAB149_u32 as HResult;
/// `0xC0AAB14A` — Boot emulation type does not match boot image size.
pub const MS_IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH: HResult = 0xC0AAB14A_u32 as HResult;
/// `0xC0AAB150` — Disc is blank/empty (nothing to import).
pub const MS_IMAPI_E_EMPTY_DISC: HResult = 0xC0AAB150_u32 as HResult;
/// `0xC0AAB151` — No ISO 9660/Joliet/UDF found (last session) to import.
pub const MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM: HResult = 0xC0AAB151_u32 as HResult;
/// `0xC0AAB152` — Requested file system not present on disc.
pub const MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND: HResult = 0xC0AAB152_u32 as HResult;
/// `0xC0AAB153` — On-disc file system structures inconsistent during import.
pub const MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR: HResult = 0xC0AAB153_u32 as HResult;
/// `0xC0AAB154` — On-disc file system uses a feature import cannot handle.
pub const MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED: HResult = 0xC0AAB154_u32 as HResult;
/// `0xC0AAB155` — Import clash: imported file name already used by an in-memory directory.
pub const MS_IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY: HResult =
    0xC0AAB155_u32 as HResult;
/// `0xC0AAB156` — Cannot seek to a block on the source disc (also reported for blank media).
pub const MS_IMAPI_E_IMPORT_SEEK_FAILURE: HResult = 0xC0AAB156_u32 as HResult;
/// `0xC0AAB157` — Read error on a block while importing the previous session.
pub const MS_IMAPI_E_IMPORT_READ_FAILURE: HResult = 0xC0AAB157_u32 as HResult;
/// `0xC0AAB158` — Disc in drive differs from the one the image was imported from.
pub const MS_IMAPI_E_DISC_MISMATCH: HResult = 0xC0AAB158_u32 as HResult;
/// `0xC0AAB159` — Multisession not allowed for this media type.
pub const MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED: HResult = 0xC0AAB159_u32 as HResult;
/// `0xC0AAB15A` — Disc's UDF revision cannot be appended by IMAPI.
pub const MS_IMAPI_E_UDF_NOT_WRITE_COMPATIBLE: HResult = 0xC0AAB15A_u32 as HResult;
/// `0xC0AAB15B` — The requested (in-use) multisession type is not supported.
pub const MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE: HResult = 0xC0AAB15B_u32 as HResult;
/// `0xC0AAB15C` — None of the supplied multisession types is usable on the current media (also: no media).
pub const MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE: HResult = 0xC0AAB15C_u32 as HResult;
/// `0xC0AAB15D` — MultisessionInterfaces must be set before this call.
pub const MS_IMAPI_E_MULTISESSION_NOT_SET: HResult = 0xC0AAB15D_u32 as HResult;
/// `0xC0AAB15E` — Import clash: imported directory name already used by an in-memory file.
pub const MS_IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE: HResult =
    0xC0AAB15E_u32 as HResult;
/// `0x00AAB15F` — Success code: feature unsupported for the FS revision; image built without it.
pub const MS_IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED: HResult = 0x00AAB15F_u32 as HResult;
/// `0xC0AAB160` — Property cannot be accessed in the current state.
pub const MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE: HResult = 0xC0AAB160_u32 as HResult;
/// `0xC0AAB161` — UDF revision locked by the imported session.
pub const MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED: HResult = 0xC0AAB161_u32 as HResult;
/// `0xC0AAB162` — A multisession parameter could not be read or is out of range.
pub const MS_IMAPI_E_BAD_MULTISESSION_PARAMETER: HResult = 0xC0AAB162_u32 as HResult;
/// `0xC0AAB163` — FileSystemsToCreate must match the imported session's file system.
pub const MS_IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED: HResult = 0xC0AAB163_u32 as HResult;
/// `0xC0AAB200` — ISO image size not a multiple of 2048 bytes.
pub const MS_IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED: HResult = 0xC0AAB200_u32 as HResult;
/// `0xC0AAB201` — No valid volume descriptor in the ISO image.
pub const MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND: HResult = 0xC0AAB201_u32 as HResult;
/// `0xC0AAB202` — Neither path nor stream set on the image manager.
pub const MS_IMAPI_E_IMAGEMANAGER_NO_IMAGE: HResult = 0xC0AAB202_u32 as HResult;
/// `0xC0AAB203` — Image exceeds MAXLONG sectors.
pub const MS_IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG: HResult = 0xC0AAB203_u32 as HResult;
/// `0x00000000` — Success.
pub const MS_S_OK: HResult = 0x00000000_u32 as HResult;
/// `0x00000001` — Success; the answer is no.
pub const MS_S_FALSE: HResult = 0x00000001_u32 as HResult;
/// `0x80004001` — Not implemented for this device or medium.
pub const MS_E_NOTIMPL: HResult = 0x80004001_u32 as HResult;
/// `0x80004002` — The object does not support the requested interface.
pub const MS_E_NOINTERFACE: HResult = 0x80004002_u32 as HResult;
/// `0x80004003` — A required pointer argument is NULL.
pub const MS_E_POINTER: HResult = 0x80004003_u32 as HResult;
/// `0x80004004` — The operation was aborted.
pub const MS_E_ABORT: HResult = 0x80004004_u32 as HResult;
/// `0x80004005` — Unspecified failure.
pub const MS_E_FAIL: HResult = 0x80004005_u32 as HResult;
/// `0x8000FFFF` — Unexpected failure (an internal error was caught at the API boundary).
pub const MS_E_UNEXPECTED: HResult = 0x8000FFFF_u32 as HResult;
/// `0x80070005` — Access denied.
pub const MS_E_ACCESSDENIED: HResult = 0x80070005_u32 as HResult;
/// `0x80070006` — The handle is zero, released, stale or of the wrong kind.
pub const MS_E_HANDLE: HResult = 0x80070006_u32 as HResult;
/// `0x8007000E` — Out of memory.
pub const MS_E_OUTOFMEMORY: HResult = 0x8007000E_u32 as HResult;
/// `0x80070057` — An argument is invalid.
pub const MS_E_INVALIDARG: HResult = 0x80070057_u32 as HResult;
/// `0x80070037` — The device does not exist or was removed.
pub const MS_E_WIN32_DEV_NOT_EXIST: HResult = 0x80070037_u32 as HResult;
/// `0x80070015` — The device is not ready.
pub const MS_E_WIN32_NOT_READY: HResult = 0x80070015_u32 as HResult;
/// `0x8007007A` — HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER): a caller's
/// string buffer is too small; the needed size was written.
pub const MS_E_NOT_SUFFICIENT_BUFFER: HResult = 0x8007007A_u32 as HResult;
/// `0x80070050` — HRESULT_FROM_WIN32(ERROR_FILE_EXISTS): the file to
/// create exists; nothing was changed.
pub const MS_E_WIN32_FILE_EXISTS: HResult = 0x80070050_u32 as HResult;
/// `0x80070070` — HRESULT_FROM_WIN32(ERROR_DISK_FULL): the file system
/// holding a file (an emulated disc image) is full.
pub const MS_E_WIN32_DISK_FULL: HResult = 0x80070070_u32 as HResult;
/// `0x800700DF` — HRESULT_FROM_WIN32(ERROR_FILE_TOO_LARGE): a file (an
/// emulated disc image) would exceed the host's file-size limit.
pub const MS_E_WIN32_FILE_TOO_LARGE: HResult = 0x800700DF_u32 as HResult;
/// `0x8007045D` — HRESULT_FROM_WIN32(ERROR_IO_DEVICE): the host reported
/// an I/O error on a file (an emulated disc image).
pub const MS_E_WIN32_IO_DEVICE: HResult = 0x8007045D_u32 as HResult;

/// Name and message of every code, in the order of the reference tables.
const TABLE: &[(HResult, &str, &str)] = &[
    (
        MS_E_IMAPI_REQUEST_CANCELLED,
        "E_IMAPI_REQUEST_CANCELLED",
        "Operation was cancelled (e.g. CancelWrite).",
    ),
    (
        MS_E_IMAPI_RECORDER_REQUIRED,
        "E_IMAPI_RECORDER_REQUIRED",
        "No recorder has been assigned to the object yet.",
    ),
    (
        MS_S_IMAPI_SPEEDADJUSTED,
        "S_IMAPI_SPEEDADJUSTED",
        "Success; drive did not accept the requested speed and picked another.",
    ),
    (
        MS_S_IMAPI_ROTATIONADJUSTED,
        "S_IMAPI_ROTATIONADJUSTED",
        "Success; drive did not accept the requested rotation control (CAV/CLV) and changed it.",
    ),
    (
        MS_S_IMAPI_BOTHADJUSTED,
        "S_IMAPI_BOTHADJUSTED",
        "Success; both speed and rotation control were changed by the drive.",
    ),
    (
        MS_E_IMAPI_BURN_VERIFICATION_FAILED,
        "E_IMAPI_BURN_VERIFICATION_FAILED",
        "Post-burn verification failed; disc contents may be bad.",
    ),
    (
        MS_S_IMAPI_COMMAND_HAS_SENSE_DATA,
        "S_IMAPI_COMMAND_HAS_SENSE_DATA",
        "Success code: command completed but the drive returned sense data describing an error.",
    ),
    (
        MS_E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE,
        "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE",
        "Requested MODE SENSE page/type not present on the drive.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA,
        "E_IMAPI_RECORDER_MEDIA_NO_MEDIA",
        "No disc in the drive.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE,
        "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE",
        "Disc is of an unknown or unusable physical format.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN,
        "E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN",
        "Disc inserted upside down.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_BECOMING_READY,
        "E_IMAPI_RECORDER_MEDIA_BECOMING_READY",
        "Drive is still becoming ready; retry later.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS,
        "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS",
        "A (background) format is running; wait for it.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_BUSY,
        "E_IMAPI_RECORDER_MEDIA_BUSY",
        "Drive busy with a long operation (e.g. finishing a write).",
    ),
    (
        MS_E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS,
        "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS",
        "Drive rejected the MODE SELECT parameter combination.",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED,
        "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED",
        "Drive reports the disc as write protected.",
    ),
    (
        MS_E_IMAPI_RECORDER_NO_SUCH_FEATURE,
        "E_IMAPI_RECORDER_NO_SUCH_FEATURE",
        "Requested GET CONFIGURATION feature is not implemented by the drive.",
    ),
    (
        MS_E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT,
        "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT",
        "Feature exists but is not 'current' for the loaded disc.",
    ),
    (
        MS_E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED,
        "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED",
        "Drive does not implement GET CONFIGURATION.",
    ),
    (
        MS_E_IMAPI_RECORDER_COMMAND_TIMEOUT,
        "E_IMAPI_RECORDER_COMMAND_TIMEOUT",
        "Drive did not complete/accept a command within the timeout.",
    ),
    (
        MS_E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT,
        "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT",
        "READ DVD STRUCTURE data absent (drive/disc mismatch).",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH,
        "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH",
        "Disc speed class outside the drive's supported range.",
    ),
    (
        MS_E_IMAPI_RECORDER_LOCKED,
        "E_IMAPI_RECORDER_LOCKED",
        "Device is exclusively locked by another client.",
    ),
    (
        MS_E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID,
        "E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID",
        "Client name string rejected (recorder).",
    ),
    (
        MS_E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED,
        "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED",
        "Disc needs formatting before use.",
    ),
    (
        MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
        "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE",
        "Drive returned malformed/unexpected data.",
    ),
    (
        MS_E_IMAPI_LOSS_OF_STREAMING,
        "E_IMAPI_LOSS_OF_STREAMING",
        "Buffer underrun: data did not arrive fast enough during write.",
    ),
    (
        MS_E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE,
        "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE",
        "Write aborted on an unrecoverable drive error.",
    ),
    (
        MS_S_IMAPI_WRITE_NOT_IN_PROGRESS,
        "S_IMAPI_WRITE_NOT_IN_PROGRESS",
        "Success code: nothing is being written at the moment.",
    ),
    (
        MS_E_IMAPI_DF2DATA_WRITE_IN_PROGRESS,
        "E_IMAPI_DF2DATA_WRITE_IN_PROGRESS",
        "A Write is already running on this data-writer object.",
    ),
    (
        MS_E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS,
        "E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS",
        "CancelWrite called while no write is running.",
    ),
    (
        MS_E_IMAPI_DF2DATA_INVALID_MEDIA_STATE,
        "E_IMAPI_DF2DATA_INVALID_MEDIA_STATE",
        "Operation needs supported media in a usable state.",
    ),
    (
        MS_E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED,
        "E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED",
        "Stream unusable (size must be a whole number of 2048-byte sectors).",
    ),
    (
        MS_E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
        "E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA",
        "Stream does not fit in the free space of the disc.",
    ),
    (
        MS_E_IMAPI_DF2DATA_MEDIA_NOT_BLANK,
        "E_IMAPI_DF2DATA_MEDIA_NOT_BLANK",
        "Disc not blank and ForceOverwrite is not VARIANT_TRUE.",
    ),
    (
        MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
        "E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED",
        "Loaded disc type not supported by the data writer.",
    ),
    (
        MS_E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED,
        "E_IMAPI_DF2DATA_RECORDER_NOT_SUPPORTED",
        "Drive lacks capabilities needed by the data writer.",
    ),
    (
        MS_E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID,
        "E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID",
        "Client name string rejected (data writer).",
    ),
    (
        MS_E_IMAPI_DF2TAO_WRITE_IN_PROGRESS,
        "E_IMAPI_DF2TAO_WRITE_IN_PROGRESS",
        "TAO writer: write already running.",
    ),
    (
        MS_E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS,
        "E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS",
        "TAO writer: no write running.",
    ),
    (
        MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
        "E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED",
        "TAO writer: PrepareMedia not yet called.",
    ),
    (
        MS_E_IMAPI_DF2TAO_MEDIA_IS_PREPARED,
        "E_IMAPI_DF2TAO_MEDIA_IS_PREPARED",
        "TAO writer: not allowed while media is prepared.",
    ),
    (
        MS_E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY,
        "E_IMAPI_DF2TAO_PROPERTY_FOR_BLANK_MEDIA_ONLY",
        "TAO writer: property frozen once the disc has data.",
    ),
    (
        MS_E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC,
        "E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC",
        "TAO writer: TOC requested from an empty disc.",
    ),
    (
        MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK,
        "E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK",
        "TAO writer: needs blank CD-R/RW.",
    ),
    (
        MS_E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED,
        "E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED",
        "TAO writer: needs blank CD-R/RW.",
    ),
    (
        MS_E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED,
        "E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED",
        "TAO writer: 99-track limit reached.",
    ),
    (
        MS_E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE,
        "E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE",
        "TAO writer: not enough room for the track.",
    ),
    (
        MS_E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED,
        "E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED",
        "TAO writer: recorder not set before PrepareMedia.",
    ),
    (
        MS_E_IMAPI_DF2TAO_INVALID_ISRC,
        "E_IMAPI_DF2TAO_INVALID_ISRC",
        "TAO writer: bad ISRC.",
    ),
    (
        MS_E_IMAPI_DF2TAO_INVALID_MCN,
        "E_IMAPI_DF2TAO_INVALID_MCN",
        "TAO writer: bad Media Catalog Number.",
    ),
    (
        MS_E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED,
        "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED",
        "TAO writer: audio stream unusable.",
    ),
    (
        MS_E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED,
        "E_IMAPI_DF2TAO_RECORDER_NOT_SUPPORTED",
        "TAO writer: drive lacks required capabilities.",
    ),
    (
        MS_E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID,
        "E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID",
        "TAO writer: client name rejected.",
    ),
    (
        MS_E_IMAPI_DF2RAW_WRITE_IN_PROGRESS,
        "E_IMAPI_DF2RAW_WRITE_IN_PROGRESS",
        "RAW writer: write already running.",
    ),
    (
        MS_E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS,
        "E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS",
        "RAW writer: no write running.",
    ),
    (
        MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED,
        "E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED",
        "RAW writer: PrepareMedia not yet called.",
    ),
    (
        MS_E_IMAPI_DF2RAW_MEDIA_IS_PREPARED,
        "E_IMAPI_DF2RAW_MEDIA_IS_PREPARED",
        "RAW writer: not allowed while media is prepared.",
    ),
    (
        MS_E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID,
        "E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID",
        "RAW writer: client name rejected.",
    ),
    (
        MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK,
        "E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK",
        "RAW writer: needs blank CD-R/RW.",
    ),
    (
        MS_E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED,
        "E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED",
        "RAW writer: needs blank CD-R/RW (also used as a 'no' answer by IsRecorderSupported).",
    ),
    (
        MS_E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE,
        "E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE",
        "RAW writer: session does not fit.",
    ),
    (
        MS_E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED,
        "E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED",
        "RAW writer: recorder not set before PrepareMedia.",
    ),
    (
        MS_E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED,
        "E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED",
        "RAW writer: stream unusable.",
    ),
    (
        MS_E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED,
        "E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED",
        "RAW writer: drive does not support the requested raw block type.",
    ),
    (
        MS_E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT,
        "E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT",
        "RAW writer: stream lead-in shorter than the disc requires.",
    ),
    (
        MS_E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED,
        "E_IMAPI_DF2RAW_RECORDER_NOT_SUPPORTED",
        "RAW writer: drive lacks required capabilities.",
    ),
    (
        MS_E_IMAPI_ERASE_RECORDER_IN_USE,
        "E_IMAPI_ERASE_RECORDER_IN_USE",
        "Erase running; recorder cannot be changed now.",
    ),
    (
        MS_E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED,
        "E_IMAPI_ERASE_ONLY_ONE_RECORDER_SUPPORTED",
        "Erase object holds one recorder; clear it before setting another.",
    ),
    (
        MS_E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL,
        "E_IMAPI_ERASE_DISC_INFORMATION_TOO_SMALL",
        "READ DISC INFORMATION reply too short.",
    ),
    (
        MS_E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL,
        "E_IMAPI_ERASE_MODE_PAGE_2A_TOO_SMALL",
        "MODE SENSE page 2Ah reply too short.",
    ),
    (
        MS_E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE,
        "E_IMAPI_ERASE_MEDIA_IS_NOT_ERASABLE",
        "Drive says the disc cannot be erased.",
    ),
    (
        MS_E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND,
        "E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND",
        "Drive failed the BLANK/erase command.",
    ),
    (
        MS_E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR,
        "E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR",
        "Erase did not finish within one hour.",
    ),
    (
        MS_E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE,
        "E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE",
        "Unexpected drive error during erase; disc state unknown.",
    ),
    (
        MS_E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND,
        "E_IMAPI_ERASE_DRIVE_FAILED_SPINUP_COMMAND",
        "START UNIT (spin-up) failed.",
    ),
    (
        MS_E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED,
        "E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED",
        "Erase: disc type unsupported.",
    ),
    (
        MS_E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED,
        "E_IMAPI_ERASE_RECORDER_NOT_SUPPORTED",
        "Erase: drive lacks required capabilities.",
    ),
    (
        MS_E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID,
        "E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID",
        "Erase: client name rejected.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_IS_READ_ONLY,
        "E_IMAPI_RAW_IMAGE_IS_READ_ONLY",
        "Raw image frozen after CreateResultImage.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS,
        "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS",
        "Raw image: track numbers limited to 1..99.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED,
        "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED",
        "Raw image: sector type unsupported.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_NO_TRACKS,
        "E_IMAPI_RAW_IMAGE_NO_TRACKS",
        "Raw image: needs at least one track first.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED,
        "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED",
        "Raw image: must be called before any track is added.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE,
        "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE",
        "Raw image: track would exceed the lead-out start limit.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES,
        "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES",
        "Raw image: more than 99 indexes.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND,
        "E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND",
        "Raw image: no index at that LBA offset.",
    ),
    (
        MS_S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS,
        "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS",
        "Success code: index already present at that LBA offset.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED,
        "E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED",
        "Raw image: index 1 at offset 0 cannot be removed.",
    ),
    (
        MS_E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX,
        "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX",
        "Raw image: indexes must be at least 10 sectors apart.",
    ),
    (
        MS_IMAPI_E_FSI_INTERNAL_ERROR,
        "IMAPI_E_FSI_INTERNAL_ERROR",
        "Internal file-system-image failure.",
    ),
    (
        MS_IMAPI_E_INVALID_PARAM,
        "IMAPI_E_INVALID_PARAM",
        "A parameter value is invalid.",
    ),
    (
        MS_IMAPI_E_READONLY,
        "IMAPI_E_READONLY",
        "File system image object is read-only.",
    ),
    (
        MS_IMAPI_E_NO_OUTPUT,
        "IMAPI_E_NO_OUTPUT",
        "FileSystemsToCreate selects no file system.",
    ),
    (
        MS_IMAPI_E_INVALID_VOLUME_NAME,
        "IMAPI_E_INVALID_VOLUME_NAME",
        "Volume label too long or has illegal characters.",
    ),
    (
        MS_IMAPI_E_INVALID_DATE,
        "IMAPI_E_INVALID_DATE",
        "File timestamps inconsistent (one time earlier than another).",
    ),
    (
        MS_IMAPI_E_FILE_SYSTEM_NOT_EMPTY,
        "IMAPI_E_FILE_SYSTEM_NOT_EMPTY",
        "Operation requires an empty image.",
    ),
    (
        MS_IMAPI_E_NOT_FILE,
        "IMAPI_E_NOT_FILE",
        "Path is not a file.",
    ),
    (
        MS_IMAPI_E_NOT_DIR,
        "IMAPI_E_NOT_DIR",
        "Path is not a directory.",
    ),
    (
        MS_IMAPI_E_DIR_NOT_EMPTY,
        "IMAPI_E_DIR_NOT_EMPTY",
        "Directory not empty.",
    ),
    (
        MS_IMAPI_E_NOT_IN_FILE_SYSTEM,
        "IMAPI_E_NOT_IN_FILE_SYSTEM",
        "Item is not (yet) part of the image.",
    ),
    (
        MS_IMAPI_E_INVALID_PATH,
        "IMAPI_E_INVALID_PATH",
        "Path malformed / bad characters (also: imported FS has an invalid name).",
    ),
    (
        MS_IMAPI_E_RESTRICTED_NAME_VIOLATION,
        "IMAPI_E_RESTRICTED_NAME_VIOLATION",
        "Name not ANSI while UseRestrictedCharacterSet is on.",
    ),
    (
        MS_IMAPI_E_DUP_NAME,
        "IMAPI_E_DUP_NAME",
        "Name already exists.",
    ),
    (
        MS_IMAPI_E_NO_UNIQUE_NAME,
        "IMAPI_E_NO_UNIQUE_NAME",
        "Cannot derive a unique per-file-system name for an item.",
    ),
    (
        MS_IMAPI_E_ITEM_NOT_FOUND,
        "IMAPI_E_ITEM_NOT_FOUND",
        "Item not found in the image tree.",
    ),
    (
        MS_IMAPI_E_FILE_NOT_FOUND,
        "IMAPI_E_FILE_NOT_FOUND",
        "File not found in the image tree.",
    ),
    (
        MS_IMAPI_E_DIR_NOT_FOUND,
        "IMAPI_E_DIR_NOT_FOUND",
        "Directory not found in the image tree.",
    ),
    (
        MS_IMAPI_E_IMAGE_SIZE_LIMIT,
        "IMAPI_E_IMAGE_SIZE_LIMIT",
        "Adding the item would exceed the configured size limit.",
    ),
    (
        MS_IMAPI_E_IMAGE_TOO_BIG,
        "IMAPI_E_IMAGE_TOO_BIG",
        "FreeMediaBlocks is smaller than the estimated image size.",
    ),
    (
        MS_IMAPI_E_DATA_STREAM_INCONSISTENCY,
        "IMAPI_E_DATA_STREAM_INCONSISTENCY",
        "File stream length differs from the length announced.",
    ),
    (
        MS_IMAPI_E_DATA_STREAM_READ_FAILURE,
        "IMAPI_E_DATA_STREAM_READ_FAILURE",
        "Cannot read a file's data stream.",
    ),
    (
        MS_IMAPI_E_DATA_STREAM_CREATE_FAILURE,
        "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
        "Cannot create a data stream for a file.",
    ),
    (
        MS_IMAPI_E_DIRECTORY_READ_FAILURE,
        "IMAPI_E_DIRECTORY_READ_FAILURE",
        "Cannot enumerate a source directory.",
    ),
    (
        MS_IMAPI_E_TOO_MANY_DIRS,
        "IMAPI_E_TOO_MANY_DIRS",
        "Too many directories for the selected file system.",
    ),
    (
        MS_IMAPI_E_ISO9660_LEVELS,
        "IMAPI_E_ISO9660_LEVELS",
        "ISO 9660 depth limit (8 levels) exceeded.",
    ),
    (
        MS_IMAPI_E_DATA_TOO_BIG,
        "IMAPI_E_DATA_TOO_BIG",
        "A file is too large for the selected file system.",
    ),
    (
        MS_IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION,
        "IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION",
        "Imported previous session layout is incompatible with the requested file systems.",
    ),
    (
        MS_IMAPI_E_STASHFILE_OPEN_FAILURE,
        "IMAPI_E_STASHFILE_OPEN_FAILURE",
        "Cannot create the staging (stash) file.",
    ),
    (
        MS_IMAPI_E_STASHFILE_SEEK_FAILURE,
        "IMAPI_E_STASHFILE_SEEK_FAILURE",
        "Seek error in the stash file.",
    ),
    (
        MS_IMAPI_E_STASHFILE_WRITE_FAILURE,
        "IMAPI_E_STASHFILE_WRITE_FAILURE",
        "Write error in the stash file.",
    ),
    (
        MS_IMAPI_E_STASHFILE_READ_FAILURE,
        "IMAPI_E_STASHFILE_READ_FAILURE",
        "Read error in the stash file.",
    ),
    (
        MS_IMAPI_E_INVALID_WORKING_DIRECTORY,
        "IMAPI_E_INVALID_WORKING_DIRECTORY",
        "WorkingDirectory value invalid.",
    ),
    (
        MS_IMAPI_E_WORKING_DIRECTORY_SPACE,
        "IMAPI_E_WORKING_DIRECTORY_SPACE",
        "Not enough space in WorkingDirectory.",
    ),
    (
        MS_IMAPI_E_STASHFILE_MOVE,
        "IMAPI_E_STASHFILE_MOVE",
        "Could not move the stash file to the new directory.",
    ),
    (
        MS_IMAPI_E_BOOT_IMAGE_DATA,
        "IMAPI_E_BOOT_IMAGE_DATA",
        "Boot image could not be added.",
    ),
    (
        MS_IMAPI_E_BOOT_OBJECT_CONFLICT,
        "IMAPI_E_BOOT_OBJECT_CONFLICT",
        "Boot image only allowed in a first (non-imported) session.",
    ),
    (
        MS_IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH,
        "IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH",
        "Boot emulation type does not match boot image size.",
    ),
    (
        MS_IMAPI_E_EMPTY_DISC,
        "IMAPI_E_EMPTY_DISC",
        "Disc is blank/empty (nothing to import).",
    ),
    (
        MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM,
        "IMAPI_E_NO_SUPPORTED_FILE_SYSTEM",
        "No ISO 9660/Joliet/UDF found (last session) to import.",
    ),
    (
        MS_IMAPI_E_FILE_SYSTEM_NOT_FOUND,
        "IMAPI_E_FILE_SYSTEM_NOT_FOUND",
        "Requested file system not present on disc.",
    ),
    (
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR",
        "On-disc file system structures inconsistent during import.",
    ),
    (
        MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
        "IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED",
        "On-disc file system uses a feature import cannot handle.",
    ),
    (
        MS_IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY,
        "IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY",
        "Import clash: imported file name already used by an in-memory directory.",
    ),
    (
        MS_IMAPI_E_IMPORT_SEEK_FAILURE,
        "IMAPI_E_IMPORT_SEEK_FAILURE",
        "Cannot seek to a block on the source disc (also reported for blank media).",
    ),
    (
        MS_IMAPI_E_IMPORT_READ_FAILURE,
        "IMAPI_E_IMPORT_READ_FAILURE",
        "Read error on a block while importing the previous session.",
    ),
    (
        MS_IMAPI_E_DISC_MISMATCH,
        "IMAPI_E_DISC_MISMATCH",
        "Disc in drive differs from the one the image was imported from.",
    ),
    (
        MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED,
        "IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED",
        "Multisession not allowed for this media type.",
    ),
    (
        MS_IMAPI_E_UDF_NOT_WRITE_COMPATIBLE,
        "IMAPI_E_UDF_NOT_WRITE_COMPATIBLE",
        "Disc's UDF revision cannot be appended by IMAPI.",
    ),
    (
        MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE,
        "IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE",
        "The requested (in-use) multisession type is not supported.",
    ),
    (
        MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
        "IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE",
        "None of the supplied multisession types is usable on the current media (also: no media).",
    ),
    (
        MS_IMAPI_E_MULTISESSION_NOT_SET,
        "IMAPI_E_MULTISESSION_NOT_SET",
        "MultisessionInterfaces must be set before this call.",
    ),
    (
        MS_IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE,
        "IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE",
        "Import clash: imported directory name already used by an in-memory file.",
    ),
    (
        MS_IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED,
        "IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED",
        "Success code: feature unsupported for the FS revision; image built without it.",
    ),
    (
        MS_IMAPI_E_PROPERTY_NOT_ACCESSIBLE,
        "IMAPI_E_PROPERTY_NOT_ACCESSIBLE",
        "Property cannot be accessed in the current state.",
    ),
    (
        MS_IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED,
        "IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED",
        "UDF revision locked by the imported session.",
    ),
    (
        MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
        "IMAPI_E_BAD_MULTISESSION_PARAMETER",
        "A multisession parameter could not be read or is out of range.",
    ),
    (
        MS_IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED,
        "IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED",
        "FileSystemsToCreate must match the imported session's file system.",
    ),
    (
        MS_IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED,
        "IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED",
        "ISO image size not a multiple of 2048 bytes.",
    ),
    (
        MS_IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND,
        "IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND",
        "No valid volume descriptor in the ISO image.",
    ),
    (
        MS_IMAPI_E_IMAGEMANAGER_NO_IMAGE,
        "IMAPI_E_IMAGEMANAGER_NO_IMAGE",
        "Neither path nor stream set on the image manager.",
    ),
    (
        MS_IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG,
        "IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG",
        "Image exceeds MAXLONG sectors.",
    ),
    (MS_S_OK, "S_OK", "Success."),
    (MS_S_FALSE, "S_FALSE", "Success; the answer is no."),
    (
        MS_E_NOTIMPL,
        "E_NOTIMPL",
        "Not implemented for this device or medium.",
    ),
    (
        MS_E_NOINTERFACE,
        "E_NOINTERFACE",
        "The object does not support the requested interface.",
    ),
    (
        MS_E_POINTER,
        "E_POINTER",
        "A required pointer argument is NULL.",
    ),
    (MS_E_ABORT, "E_ABORT", "The operation was aborted."),
    (MS_E_FAIL, "E_FAIL", "Unspecified failure."),
    (
        MS_E_UNEXPECTED,
        "E_UNEXPECTED",
        "Unexpected failure (an internal error was caught at the API boundary).",
    ),
    (MS_E_ACCESSDENIED, "E_ACCESSDENIED", "Access denied."),
    (
        MS_E_HANDLE,
        "E_HANDLE",
        "The handle is zero, released, stale or of the wrong kind.",
    ),
    (MS_E_OUTOFMEMORY, "E_OUTOFMEMORY", "Out of memory."),
    (MS_E_INVALIDARG, "E_INVALIDARG", "An argument is invalid."),
    (
        MS_E_WIN32_DEV_NOT_EXIST,
        "E_WIN32_DEV_NOT_EXIST",
        "The device does not exist or was removed.",
    ),
    (
        MS_E_WIN32_NOT_READY,
        "E_WIN32_NOT_READY",
        "The device is not ready.",
    ),
    (
        MS_E_NOT_SUFFICIENT_BUFFER,
        "E_NOT_SUFFICIENT_BUFFER",
        "The buffer is too small for the result; the needed size was returned.",
    ),
    (
        MS_E_WIN32_FILE_EXISTS,
        "E_WIN32_FILE_EXISTS",
        "The file exists; it was left unchanged.",
    ),
    (
        MS_E_WIN32_DISK_FULL,
        "E_WIN32_DISK_FULL",
        "There is not enough space on the disk.",
    ),
    (
        MS_E_WIN32_FILE_TOO_LARGE,
        "E_WIN32_FILE_TOO_LARGE",
        "The file size exceeds the limit allowed and cannot be saved.",
    ),
    (
        MS_E_WIN32_IO_DEVICE,
        "E_WIN32_IO_DEVICE",
        "The request could not be performed because of an I/O device error.",
    ),
];

fn entry(code: HResult) -> Option<&'static (HResult, &'static str, &'static str)> {
    TABLE.iter().find(|(value, _, _)| *value == code)
}

/// The Microsoft name of a code without the `MS_` prefix
/// (`"IMAPI_E_IMAGE_TOO_BIG"`), or `None` for a number we do not define.
pub fn name(code: HResult) -> Option<&'static str> {
    entry(code).map(|(_, name, _)| *name)
}

/// A one-sentence description of a code; unknown numbers get a generic text.
pub fn message(code: HResult) -> &'static str {
    match entry(code) {
        Some((_, _, text)) => text,
        None if succeeded(code) => "Unknown success code.",
        None => "Unknown failure code.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_microsofts_numbers() {
        assert_eq!(MS_E_POINTER as u32, 0x8000_4003);
        assert_eq!(MS_E_HANDLE as u32, 0x8007_0006);
        assert_eq!(MS_E_WIN32_FILE_EXISTS as u32, 0x8007_0050);
        assert_eq!(MS_E_WIN32_DISK_FULL as u32, 0x8007_0070);
        assert_eq!(MS_E_WIN32_FILE_TOO_LARGE as u32, 0x8007_00DF);
        assert_eq!(MS_E_WIN32_IO_DEVICE as u32, 0x8007_045D);
        assert_eq!(
            MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE as u32,
            0xC0AA_B15C
        );
        assert_eq!(
            MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE as u32,
            0xC0AA_B15B
        );
        assert_eq!(MS_E_IMAPI_RECORDER_MEDIA_NO_MEDIA, -1_062_600_190);
        assert_eq!(MS_S_IMAPI_SPEEDADJUSTED, 11_141_124);
    }

    #[test]
    fn every_code_has_a_unique_value_and_a_message() {
        for (i, (code, code_name, text)) in TABLE.iter().enumerate() {
            assert!(!text.is_empty(), "{code_name} has no message");
            assert_eq!(
                name(*code),
                Some(*code_name),
                "{code_name} shadowed by a duplicate value"
            );
            assert!(TABLE[..i].iter().all(|(_, other, _)| other != code_name));
        }
    }

    #[test]
    fn severity_follows_the_sign_bit() {
        assert!(
            succeeded(MS_S_OK)
                && succeeded(MS_S_FALSE)
                && succeeded(MS_IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED)
        );
        assert!(failed(MS_E_FAIL) && failed(MS_E_IMAPI_ERASE_RECORDER_IN_USE));
        assert_eq!(message(0x1234_5678), "Unknown success code.");
        assert_eq!(message(-5), "Unknown failure code.");
    }
}
