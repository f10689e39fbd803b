//! The pure rules of the multisession model: which objects a medium offers
//! and when each one can be used, as functions of a [`MediaInfo`] alone.
//!
//! Microsoft documents the intent but not the truth tables; the decisions
//! here are the ones recorded in docs/architecture.md ("IMAPI2 semantics where
//! Microsoft's documents are silent"), one function per table row, so a test
//! can pin each row with a hand-made `MediaInfo`.

use crate::media::{Profile, WriteModel};
use crate::mmc::{DiscStatus, FormatState, MediaInfo};

use super::Kind;

/// The objects a recorder offers for the loaded medium, in the order the
/// file-system image tries them when the caller marks none as in use.
///
/// Decided by media *type* (IMAPI's list never depends on the state, which
/// `IsSupportedOnCurrentMediaState` reports): sequential media get a
/// Sequential object, overwritable media a RandomWrite object, and a BD-R
/// formatted for Pseudo-Overwrite additionally gets the PseudoOverwrite
/// extension. Read-only media get nothing.
///
/// Sequential comes first on a POW BD-R so that IMAPI-era callers, which only
/// know `IMultisessionSequential`, keep working with auto-selection.
pub fn offered_kinds(media: &MediaInfo) -> Vec<Kind> {
    match media.write_model() {
        WriteModel::Sequential if media.profile == Profile::BdR && media.pseudo_overwrite => {
            vec![Kind::Sequential, Kind::PseudoOverwrite]
        }
        WriteModel::Sequential => vec![Kind::Sequential],
        WriteModel::RandomWrite => vec![Kind::RandomWrite],
        WriteModel::ReadOnly => Vec::new(),
    }
}

/// Whether the media *type* allows a new session at all. DVD-R DL is
/// single-session in incremental mode (MMC-5, as libburn notes), and
/// read-only media take no session.
pub fn allows_multisession(profile: Profile) -> bool {
    profile.write_model() != WriteModel::ReadOnly
        && !matches!(profile, Profile::DvdMinusRDl | Profile::DvdMinusRDlJump)
}

/// `IsSupportedOnCurrentMediaState` for an object of `kind` on `media`.
pub fn is_supported(kind: Kind, media: &MediaInfo) -> bool {
    let writable = !media.write_protect.is_protected();
    match kind {
        // Blank or appendable, writable, a type that takes sessions, and a
        // DVD-RW only when the drive can write it incrementally. A POW BD-R
        // only while blank: the writer never closes a session there (the
        // volume grows and LBA 16 is the commit), so once written there is
        // no previous session to import and a session without the anchor
        // would stay invisible; PseudoOverwrite carries on.
        Kind::Sequential => {
            media.write_model() == WriteModel::Sequential
                && allows_multisession(media.profile)
                && writable
                && match media.disc_status {
                    DiscStatus::Blank => true,
                    DiscStatus::Appendable => !media.pseudo_overwrite,
                    _ => false,
                }
                && media.incremental
        }
        // Formatted, or formattable (the writer formats first); a running
        // background format is still formatted media.
        Kind::RandomWrite => {
            media.write_model() == WriteModel::RandomWrite
                && writable
                && match media.format {
                    FormatState::Formatted
                    | FormatState::InProgress
                    | FormatState::Unformatted
                    // DVD-RAM and restricted-overwrite DVD-RW may report no
                    // format state: they are always formatted.
                    | FormatState::NotApplicable => true,
                }
        }
        // A POW BD-R that is not closed and still has a next writable address.
        Kind::PseudoOverwrite => {
            media.profile == Profile::BdR
                && media.pseudo_overwrite
                && writable
                && media.disc_status != DiscStatus::Finalized
                && media.next_writable.is_some()
        }
    }
}

/// Sequential media that were never written: there is no previous session
/// to import, so the file-system image refuses the list
/// (`IMAPI_E_IMPORT_SEEK_FAILURE`, the code Microsoft documents for blank
/// media). Overwritable media are never "blank" in this sense.
pub fn is_blank_sequential(media: &MediaInfo) -> bool {
    media.write_model() == WriteModel::Sequential && media.disc_status == DiscStatus::Blank
}
