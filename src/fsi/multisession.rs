//! The file-system image's multisession state: the list handed to
//! `put_MultisessionInterfaces` and the object chosen from it.
//!
//! Kept apart from the rest of the image so that import, tree and build can
//! be wired into [`super::FileSystemImage`] without touching it: they ask
//! this struct where the next session starts and how much room it has.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::hresult::MS_E_INVALIDARG;
use crate::session::selection::{self, Candidate};
use crate::session::Multisession;

/// The list and the choice made from it. Empty until a put succeeds.
#[derive(Debug, Clone, Default)]
pub struct MultisessionSetting {
    list: Vec<Multisession>,
    /// Index into `list`; `Some` whenever `list` is non-empty.
    chosen: Option<usize>,
}

impl MultisessionSetting {
    /// The put procedure from "empty list" on (see [`selection`]). On
    /// failure the previous setting stays as it was.
    ///
    /// The objects are stored as given (shared, not copied), and `InUse` is
    /// never changed: an automatic choice is reported by [`Self::chosen`].
    pub fn put(&mut self, list: Vec<Multisession>) -> Result<()> {
        selection::check_not_empty(list.len())?;
        let recorder = list[0].import_recorder();
        if let Some(i) = list
            .iter()
            .position(|m| !Arc::ptr_eq(m.import_recorder(), recorder))
        {
            return Err(Error::new(
                MS_E_INVALIDARG,
                format!(
                    "element {i} describes {} but element 0 describes {}: one list, one recorder",
                    list[i].import_recorder().describe(),
                    recorder.describe()
                ),
            ));
        }
        let media = recorder
            .media_info()
            .map_err(|e| e.context("reading the medium for the multisession list"))?;
        let candidates: Vec<Candidate> = list
            .iter()
            .map(|m| Candidate {
                kind: m.kind(),
                in_use: m.in_use(),
            })
            .collect();
        let chosen = selection::select(&media, &candidates, &**recorder)?;
        self.list = list;
        self.chosen = Some(chosen.index);
        Ok(())
    }

    /// The objects of the last successful put (the same objects), or none.
    pub fn list(&self) -> &[Multisession] {
        &self.list
    }

    /// The object the image uses: the one marked in use, or the first usable
    /// one when none was marked.
    pub fn chosen(&self) -> Option<&Multisession> {
        self.chosen.map(|i| &self.list[i])
    }
}
