//! Shared by the burn tests (included with `#[path]`): emulated discs,
//! the next session made the way an application makes it (`session::offer`
//! → `FileSystemImage` → `DataWriter`), and content snapshots.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use multisession::burn::{DataWriter, Flow, Progress, WriteOptions, WriteReport};
use multisession::fsi::tree::{Content, DataSource, Kind as NodeKind};
use multisession::fsi::{BlockSource, FileSystemImage, ResultImage, Tree, BLOCK_SIZE};
use multisession::scsi::emulator::{create_blank, sidecar_path, Existing};
use multisession::{hresult, session, MediaState, Profile, Recorder, Result};

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

pub fn new_disc(dir: &Path, name: &str, profile: Profile) -> PathBuf {
    let path = dir.join(name);
    create_blank(&path, profile, None, Existing::Replace).expect("blank emulated disc");
    path
}

pub fn open(path: &Path) -> Arc<Recorder> {
    Arc::new(Recorder::open(path).expect("open emulated disc"))
}

/// An image holding the newest session of `recorder`'s medium, as an
/// application prepares the next one: a blank medium gives the image its
/// defaults; any other takes the offered objects and imports (a formatted
/// overwritable medium without a volume has nothing to import).
fn image_for_next_session(recorder: &Arc<Recorder>) -> Result<FileSystemImage> {
    let mut image = FileSystemImage::new();
    image.set_volume_name("TEST")?;
    image.set_fixed_time(Some(1_700_000_000));
    if recorder
        .media_info()?
        .media_state()
        .contains(MediaState::BLANK)
    {
        image.choose_image_defaults(recorder)?;
        return Ok(image);
    }
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    // Fixture discs' sessions hold marker blocks, not volumes: nothing to
    // carry over.
    match image.import_file_system(None) {
        Err(e)
            if e.code() != hresult::MS_IMAPI_E_EMPTY_DISC
                && e.code() != hresult::MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM =>
        {
            Err(e)
        }
        _ => Ok(image),
    }
}

/// Every file of an imported `tree` with its bytes read from the medium.
pub fn snapshot(tree: &Tree, media: &dyn BlockSource) -> Files {
    let mut out = Files::new();
    for (id, _) in tree.walk() {
        if let NodeKind::File(data) = &tree.node(id).kind {
            let Content::OnMedium(extents) = &data.content else {
                panic!("{} is not on the medium", tree.path_of(id));
            };
            let mut bytes = Vec::new();
            for e in extents.iter() {
                let blocks = (e.len as usize).div_ceil(BLOCK_SIZE);
                let mut buf = vec![0u8; blocks * BLOCK_SIZE];
                media
                    .read_blocks(e.lba, &mut buf)
                    .expect("file extent reads");
                bytes.extend_from_slice(&buf[..e.len as usize]);
            }
            out.insert(tree.path_of(id), bytes);
        }
    }
    out
}

/// The content of the session an append would import now (empty when
/// there is none).
pub fn current_content(recorder: &Arc<Recorder>) -> Files {
    let image = image_for_next_session(recorder).expect("importing the newest session");
    snapshot(image.tree(), recorder.as_ref())
}

/// Creates the next session: the imported tree plus `add`.
pub fn next_session(recorder: &Arc<Recorder>, add: &Files) -> Result<ResultImage> {
    recorder.refresh()?;
    let mut image = image_for_next_session(recorder)?;
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

/// Options for appendable multisession writes on every profile.
pub fn multisession_options() -> WriteOptions {
    WriteOptions {
        disable_consumer_dvd_compatibility_mode: true,
        ..WriteOptions::default()
    }
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

/// Sets the emulator's injected faults in the disc's sidecar.
pub fn set_faults(disc: &Path, faults: serde_json::Value) {
    let path = sidecar_path(disc);
    let mut sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    sidecar["faults"] = faults;
    std::fs::write(&path, serde_json::to_string_pretty(&sidecar).unwrap()).unwrap();
}

/// Runs `write` with the emulated drive of `disc` losing power after
/// `after` blocks, then gives the drive back without faults (as after a
/// power cycle) for the readers that follow.
pub fn with_power_lost_after<T>(disc: &Path, after: u64, write: impl FnOnce() -> T) -> T {
    set_faults(
        disc,
        serde_json::json!({ "power_loss_after_blocks": after }),
    );
    let outcome = write();
    set_faults(disc, serde_json::json!({}));
    outcome
}

/// Merged expectation: `base` with `add` on top.
pub fn merged(base: &Files, add: &Files) -> Files {
    let mut all = base.clone();
    all.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}
