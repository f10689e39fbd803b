//! The burn tests' sessions: generated files added to the imported tree
//! of an emulated disc and written by `DataWriter`, and snapshots of what a
//! session holds, byte for byte.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

pub use super::discs::{new_disc, open, set_faults};
pub use super::sessions::multisession_options;
use super::sessions::{prepare_next_session, Import};
use super::trees::{file_bytes, medium_reader};
use multisession::burn::{DataWriter, Flow, Progress, WriteOptions, WriteReport};
use multisession::fsi::tree::{Content, DataSource, Kind as NodeKind};
use multisession::fsi::{BlockSource, ResultImage, Tree};
use multisession::{Recorder, Result};

/// File contents for tests, readable as often as a build asks.
#[derive(Debug)]
pub struct Bytes(pub Arc<Vec<u8>>);

impl DataSource for Bytes {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(Cursor::new(self.0.as_ref().clone())))
    }
}

/// A deterministic file body: `len` bytes seeded by `seed`.
pub fn body(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Files to add: path → content.
pub type Files = BTreeMap<String, Vec<u8>>;

pub fn files(prefix: &str, seed: u32, sizes: &[usize]) -> Files {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| (format!("/{prefix}/f{i}.bin"), body(seed + i as u32, len)))
        .collect()
}

/// Every file of an imported `tree` with its bytes read from the medium.
pub fn snapshot(tree: &Tree, media: &dyn BlockSource) -> Files {
    let read = medium_reader(media);
    let mut out = Files::new();
    for (id, _) in tree.walk() {
        if let NodeKind::File(data) = &tree.node(id).kind {
            assert!(
                matches!(data.content, Content::OnMedium(_)),
                "{} is not on the medium",
                tree.path_of(id)
            );
            out.insert(tree.path_of(id), file_bytes(data, &read));
        }
    }
    out
}

/// The content of the session an append would import now (empty when
/// there is none).
pub fn current_content(recorder: &Arc<Recorder>) -> Files {
    let image = prepare_next_session(recorder, "TEST", Import::IfAny)
        .expect("importing the newest session");
    snapshot(image.tree(), recorder.as_ref())
}

/// Creates the next session: the imported tree plus `add`.
pub fn next_session(recorder: &Arc<Recorder>, add: &Files) -> Result<ResultImage> {
    recorder.refresh()?;
    let mut image = prepare_next_session(recorder, "TEST", Import::IfAny)?;
    for (path, content) in add {
        let dir = &path[..path.rfind('/').unwrap()];
        if !dir.is_empty() {
            image.mkdir(dir, true)?;
        }
        let source = Arc::new(Bytes(Arc::new(content.clone())));
        image.add_source(path, content.len() as u64, source, true)?;
    }
    image.create_result_image()
}

/// Imports, adds `add` and writes the next session.
pub fn append(recorder: &Arc<Recorder>, add: &Files, options: WriteOptions) -> Result<WriteReport> {
    append_with(recorder, add, options, &mut |_| Flow::Continue)
}

pub fn append_with(
    recorder: &Arc<Recorder>,
    add: &Files,
    options: WriteOptions,
    progress: &mut dyn FnMut(&Progress) -> Flow,
) -> Result<WriteReport> {
    let mut session = next_session(recorder, add)?;
    DataWriter::new(recorder.clone(), options).write(&mut session, progress)
}

/// Appends `add` to `disc` with [`multisession_options`], which must
/// succeed, and checks that the session an append would import next holds
/// `expected` (what was there with `add` on top, for an append that
/// imports); the write's report.
#[track_caller]
pub fn append_expecting(disc: &Path, add: &Files, expected: &Files, case: &str) -> WriteReport {
    let report = append(&open(disc), add, multisession_options())
        .unwrap_or_else(|e| panic!("{case}: append: {e}"));
    assert_eq!(
        &current_content(&open(disc)),
        expected,
        "{case}: after the append"
    );
    report
}

/// Merged expectation: `base` with `add` on top.
pub fn merged(base: &Files, add: &Files) -> Files {
    let mut all = base.clone();
    all.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}
