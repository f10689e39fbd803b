//! The IMAPI2 multisession objects (`IMultisessionSequential(2)`,
//! `IMultisessionRandomWrite` and our BD-R Pseudo-Overwrite extension) and
//! the selection procedure the file-system image runs over them.
//!
//! An object is a kind plus the recorder it describes; its properties are
//! not stored but parsed from the recorder's cached [`MediaInfo`] on every
//! call, so they follow the medium (the recorder re-probes after a write and
//! after UNIT ATTENTION). Objects are shared: clones are the same object, and
//! `InUse` set through one clone is what every holder of the list sees.
//!
//! The rules themselves are pure functions of a `MediaInfo` (`rules`,
//! `values`, `selection`, `placement`).

pub(crate) mod placement;
pub(crate) mod rules;
pub(crate) mod selection;
pub(crate) mod values;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::hresult::{MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED, MS_E_NOINTERFACE};
use crate::mmc::MediaInfo;
use crate::recorder::Recorder;

pub use placement::NextSession;
pub use values::{PseudoOverwriteValues, RandomWriteValues, SequentialValues};

/// Which multisession mechanism an object describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `IMultisessionSequential2`: sessions appended at the next writable address.
    Sequential,
    /// `IMultisessionRandomWrite`: overwritable media, growisofs-style sessions.
    RandomWrite,
    /// BD-R formatted for Pseudo-Overwrite: sequential recording whose
    /// drive remaps rewrites, so LBA 16 can be rewritten like on BD-RE.
    PseudoOverwrite,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Sequential => "Sequential",
            Kind::RandomWrite => "RandomWrite",
            Kind::PseudoOverwrite => "PseudoOverwrite",
        })
    }
}

/// One multisession object. Cloning shares it.
#[derive(Clone)]
pub struct Multisession(Arc<Shared>);

struct Shared {
    kind: Kind,
    recorder: Arc<Recorder>,
    in_use: AtomicBool,
}

impl fmt::Debug for Multisession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Multisession")
            .field("kind", &self.0.kind)
            .field("recorder", &self.0.recorder.describe())
            .field("in_use", &self.in_use())
            .finish()
    }
}

/// The objects `recorder` offers for the loaded medium
/// (`IDiscFormat2Data::get_MultisessionInterfaces`), each with `InUse` false.
///
/// Fails with the recorder's code when there is no medium, and with
/// `E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED` on read-only media, for which
/// `rules::offered_kinds` is empty.
///
/// The multisession numbers of a disc with one session, as IMAPI2's
/// `IMultisessionSequential` gives them:
///
/// ```
/// use std::sync::Arc;
///
/// use multisession::scsi::emulator::DiscSpec;
/// use multisession::session::{offer, Kind};
/// use multisession::{Profile, Recorder};
///
/// # fn main() -> multisession::Result<()> {
/// let dir = tempfile::tempdir().unwrap();
/// let disc = dir.path().join("cd-r.img");
/// DiscSpec::new(Profile::CdR).sessions(&[1200]).create(&disc)?;
/// let objects = offer(&Arc::new(Recorder::open(&disc)?))?;
/// assert_eq!(objects[0].kind(), Kind::Sequential);
/// let values = objects[0].sequential()?;
/// assert_eq!(values.start_address_of_previous_session, 0);
/// assert!(values.next_writable_address > 1200);
/// assert!(!values.is_first_data_session);
/// # Ok(())
/// # }
/// ```
pub fn offer(recorder: &Arc<Recorder>) -> Result<Vec<Multisession>> {
    let media = recorder.media_info()?;
    let kinds = rules::offered_kinds(&media);
    if kinds.is_empty() {
        return Err(Error::new(
            MS_E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED,
            format!(
                "{} media are read-only: {} offers no multisession object",
                media.profile,
                recorder.describe()
            ),
        ));
    }
    Ok(kinds
        .into_iter()
        .map(|kind| Multisession::new(kind, Arc::clone(recorder)))
        .collect())
}

impl Multisession {
    /// An object of `kind` over `recorder`, not in use. [`offer`] is the
    /// normal way to get objects; this exists for callers that want a
    /// specific kind regardless of the medium.
    pub fn new(kind: Kind, recorder: Arc<Recorder>) -> Multisession {
        Multisession(Arc::new(Shared {
            kind,
            recorder,
            in_use: AtomicBool::new(false),
        }))
    }

    /// Which IMAPI object this is (sequential, random-write, Pseudo-Overwrite).
    pub fn kind(&self) -> Kind {
        self.0.kind
    }

    /// `IMultisession::get_ImportRecorder`.
    pub fn import_recorder(&self) -> &Arc<Recorder> {
        &self.0.recorder
    }

    /// `IMultisession::get_InUse`.
    pub fn in_use(&self) -> bool {
        self.0.in_use.load(Ordering::SeqCst)
    }

    /// `IMultisession::put_InUse`: a plain flag, validated only when the
    /// list is handed to a file-system image.
    pub fn set_in_use(&self, in_use: bool) {
        self.0.in_use.store(in_use, Ordering::SeqCst);
    }

    /// True when `self` and `other` are the same object (not merely equal).
    pub fn same_object(&self, other: &Multisession) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The medium as the recorder sees it now.
    pub fn media_info(&self) -> Result<MediaInfo> {
        self.0.recorder.media_info()
    }

    /// `IMultisession::get_IsSupportedOnCurrentMediaState`.
    pub fn is_supported_on_current_media_state(&self) -> Result<bool> {
        Ok(rules::is_supported(self.kind(), &self.media_info()?))
    }

    /// `IMultisessionSequential2` properties; `E_NOINTERFACE` for other kinds.
    pub fn sequential(&self) -> Result<SequentialValues> {
        self.expect_kind(Kind::Sequential)?;
        SequentialValues::from_media(&self.media_info()?)
    }

    /// `IMultisessionRandomWrite` properties; `E_NOINTERFACE` for other kinds.
    pub fn random_write(&self) -> Result<RandomWriteValues> {
        self.expect_kind(Kind::RandomWrite)?;
        RandomWriteValues::from_media(&self.media_info()?)
    }

    /// Pseudo-Overwrite properties; `E_NOINTERFACE` for other kinds.
    pub fn pseudo_overwrite(&self) -> Result<PseudoOverwriteValues> {
        self.expect_kind(Kind::PseudoOverwrite)?;
        PseudoOverwriteValues::from_media(&self.media_info()?)
    }

    /// Where a session written through this object would start now, and
    /// how many blocks it may take.
    pub fn next_session(&self) -> Result<NextSession> {
        placement::next_session(self.kind(), &self.media_info()?, &*self.0.recorder)
    }

    fn expect_kind(&self, wanted: Kind) -> Result<()> {
        if self.kind() == wanted {
            return Ok(());
        }
        Err(Error::new(
            MS_E_NOINTERFACE,
            format!(
                "this is a {} multisession object, not a {wanted} one",
                self.kind()
            ),
        ))
    }
}
