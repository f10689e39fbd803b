//! `FileSystemImage` (`IFileSystemImage`): the object that takes the
//! multisession list, imports the previous session and builds the next one.

use crate::error::Result;
use crate::session::Multisession;

use super::multisession::MultisessionSetting;

/// IMAPI's default `FreeMediaBlocks`: a 74-minute (650 MB) CD.
pub const DEFAULT_FREE_MEDIA_BLOCKS: u32 = 332_800;

/// A file-system image under construction.
#[derive(Debug, Clone, Default)]
pub struct FileSystemImage {
    multisession: MultisessionSetting,
}

impl FileSystemImage {
    pub fn new() -> FileSystemImage {
        FileSystemImage::default()
    }

    /// `put_MultisessionInterfaces`: validates the list, chooses the object
    /// to use and keeps the list. See [`crate::session::selection`] for the
    /// steps and their codes.
    pub fn set_multisession_interfaces(&mut self, list: Vec<Multisession>) -> Result<()> {
        self.multisession.put(list)
    }

    /// `get_MultisessionInterfaces`: the objects of the last successful put;
    /// empty before any.
    pub fn multisession_interfaces(&self) -> &[Multisession] {
        self.multisession.list()
    }

    /// The object the image writes through, `None` before a successful put.
    pub fn chosen_multisession(&self) -> Option<&Multisession> {
        self.multisession.chosen()
    }

    /// `get_SessionStartBlock`: where the next session starts on the medium
    /// now; 0 without a multisession list (a first session).
    pub fn session_start_block(&self) -> Result<u32> {
        Ok(self
            .multisession
            .next_session()?
            .map_or(0, |next| next.start_block))
    }

    /// `get_FreeMediaBlocks`: the room for the next session now; IMAPI's
    /// default of 332,800 blocks without a multisession list.
    pub fn free_media_blocks(&self) -> Result<u32> {
        Ok(self
            .multisession
            .next_session()?
            .map_or(DEFAULT_FREE_MEDIA_BLOCKS, |next| next.free_blocks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_image_has_an_empty_list_no_choice_and_imapi_defaults() {
        let image = FileSystemImage::new();
        assert!(image.multisession_interfaces().is_empty());
        assert!(image.chosen_multisession().is_none());
        assert_eq!(image.session_start_block().unwrap(), 0);
        assert_eq!(image.free_media_blocks().unwrap(), 332_800);
    }

    #[test]
    fn putting_an_empty_list_is_invalidarg_and_keeps_the_image_unchanged() {
        let mut image = FileSystemImage::new();
        let err = image.set_multisession_interfaces(Vec::new()).unwrap_err();
        assert_eq!(err.code(), crate::hresult::MS_E_INVALIDARG);
        assert!(image.multisession_interfaces().is_empty());
    }
}
