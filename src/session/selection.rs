//! The decision procedure of `IFileSystemImage::put_MultisessionInterfaces`
//! in the order docs/imapi2-mapping.md fixes ("check order and selection"):
//!
//! NULL → empty list → bad handles → media-type gate → in-use count →
//! blank gate → selection → parameter sanity.
//!
//! NULL and bad handles only exist at the C boundary (`ffi::image`); this
//! module runs every later step over plain values, so each step and its
//! HRESULT can be tested with a hand-made `MediaInfo`.

use crate::block::BlockSource;
use crate::error::{Error, Result};
use crate::hresult::{
    MS_E_INVALIDARG, MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED, MS_IMAPI_E_IMPORT_SEEK_FAILURE,
    MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE, MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
};
use crate::media::{MediaState, Profile};
use crate::mmc::MediaInfo;

use super::placement::{next_session, NextSession};
use super::values::{PseudoOverwriteValues, RandomWriteValues, SequentialValues};
use super::{rules, Kind};

/// The words for a finalized medium, which the bare state number
/// (0x4000) never said: what happened and how the next disc avoids it.
pub fn finalized_advice(profile: Profile) -> String {
    let keep = if profile == Profile::DvdPlusR {
        "a DVD+R stays appendable only when written with disable_consumer_dvd_compatibility_mode set (IMAPI2's default closes it; CLI: append --keep-appendable)"
    } else {
        "a disc stays appendable when written without force_media_to_be_closed (CLI: without --close)"
    };
    format!("the disc is finalized (closed): no further session can be written to it; {keep}")
}

/// `": <finalized_advice>"` when `media` is finalized, else nothing.
fn state_words(media: &MediaInfo) -> String {
    if media.media_state().contains(MediaState::FINALIZED) {
        format!(": {}", finalized_advice(media.profile))
    } else {
        String::new()
    }
}

/// What the procedure needs to know about one list element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub kind: Kind,
    pub in_use: bool,
}

/// The outcome of a successful put: which element was chosen and where its
/// session would go right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub index: usize,
    pub next: NextSession,
}

/// The "empty list" step, shared with callers that need an element before
/// they can run the rest (to know which medium the list describes).
pub fn check_not_empty(len: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::new(
            MS_E_INVALIDARG,
            "the multisession list is empty: pass the objects the recorder offers",
        ));
    }
    Ok(())
}

/// Runs the procedure from "empty list" on. `media` is the medium all
/// candidates describe; `source` reads it (random-write placement only).
pub fn select(
    media: &MediaInfo,
    candidates: &[Candidate],
    source: &dyn BlockSource,
) -> Result<Selection> {
    check_not_empty(candidates.len())?;

    // Media-type gate.
    if !rules::allows_multisession(media.profile) {
        return Err(Error::new(
            MS_IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED,
            format!("{} media cannot take another session", media.profile),
        ));
    }

    // In-use count.
    let in_use: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.in_use)
        .map(|(i, _)| i)
        .collect();
    if in_use.len() > 1 {
        return Err(Error::new(
            MS_E_INVALIDARG,
            format!(
                "{} of the {} multisession objects are marked in use (elements {:?}); mark at most one",
                in_use.len(),
                candidates.len(),
                in_use
            ),
        ));
    }

    // Blank gate.
    if rules::is_blank_sequential(media) {
        return Err(Error::new(
            MS_IMAPI_E_IMPORT_SEEK_FAILURE,
            format!(
                "the {} medium is blank: there is no previous session to import",
                media.profile
            ),
        ));
    }

    // Selection.
    let index = match in_use.first() {
        Some(&i) => {
            let kind = candidates[i].kind;
            if !rules::is_supported(kind, media) {
                return Err(Error::new(
                    MS_IMAPI_E_INCOMPATIBLE_MULTISESSION_TYPE,
                    format!(
                        "element {i} ({kind}) is marked in use but cannot be used on the {} medium in its current state ({:#06x}){}",
                        media.profile,
                        media.media_state().0,
                        state_words(media)
                    ),
                ));
            }
            i
        }
        None => candidates
            .iter()
            .position(|c| rules::is_supported(c.kind, media))
            .ok_or_else(|| {
                Error::new(
                    MS_IMAPI_E_NO_COMPATIBLE_MULTISESSION_TYPE,
                    format!(
                        "none of the {} multisession objects can be used on the {} medium in its current state ({:#06x}){}",
                        candidates.len(),
                        media.profile,
                        media.media_state().0,
                        state_words(media)
                    ),
                )
            })?,
    };

    // Parameter sanity.
    let kind = candidates[index].kind;
    match kind {
        Kind::Sequential => SequentialValues::from_media(media)?.check_consistent(),
        Kind::RandomWrite => RandomWriteValues::from_media(media)?.check_consistent(),
        Kind::PseudoOverwrite => PseudoOverwriteValues::from_media(media)?.check_consistent(),
    }
    .map_err(|e| e.context(format!("element {index} ({kind})")))?;
    let next = next_session(kind, media, source)
        .map_err(|e| e.context(format!("element {index} ({kind})")))?;
    Ok(Selection { index, next })
}
