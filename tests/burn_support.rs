//! Shared by the burn tests (included with `#[path]`): emulated discs,
//! the import → edit → build → write flow, and content snapshots.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use multisession::burn::{DataWriter, Flow, Progress, WriteOptions, WriteReport};
use multisession::fsi::tree::{Attrs, Content, DataSource, Kind as NodeKind};
use multisession::fsi::{
    build, import, locate_random_write, BlockSource, BuildOptions, FileSystemImage, ImportLimits,
    Session, Tree, BLOCK_SIZE,
};
use multisession::mmc::{DiscStatus, FormatState};
use multisession::recorder::Recorder;
use multisession::scsi::emulator::{create_blank, sidecar_path};
use multisession::session::{self, Kind};
use multisession::{Profile, Result};

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
    create_blank(&path, profile, None).expect("blank emulated disc");
    path
}

pub fn open(path: &Path) -> Arc<Recorder> {
    Arc::new(Recorder::open(path).expect("open emulated disc"))
}

/// Start of the session an append imports, `None` on a disc without one
/// (blank, or an overwritable medium not yet formatted, whose blocks cannot
/// be read at all).
pub fn previous_session_start(recorder: &Arc<Recorder>) -> Result<Option<u32>> {
    let info = recorder.media_info()?;
    if info.disc_status == DiscStatus::Blank || info.format == FormatState::Unformatted {
        return Ok(None);
    }
    let mut image = FileSystemImage::new();
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    let chosen = image.chosen_multisession().expect("a chosen object");
    Ok(match chosen.kind() {
        Kind::Sequential => {
            let start = chosen.sequential()?.start_address_of_previous_session;
            u32::try_from(start).ok()
        }
        Kind::RandomWrite | Kind::PseudoOverwrite => {
            locate_random_write(recorder.as_ref(), info.write_unit)?.newest
        }
    })
}

/// The tree of the session at `start`.
pub fn import_tree(recorder: &Arc<Recorder>, start: u32) -> Result<Tree> {
    Ok(import(recorder.as_ref(), start, None, ImportLimits::default())?.tree)
}

/// Every file of `tree` with its bytes read from the medium (imported
/// files) or from its source (new files).
pub fn snapshot(tree: &Tree, media: &dyn BlockSource) -> Files {
    let mut out = Files::new();
    for (id, _) in tree.walk() {
        if let NodeKind::File(data) = &tree.node(id).kind {
            let bytes = match &data.content {
                Content::OnMedium(extents) => {
                    let mut bytes = Vec::new();
                    for e in extents.iter() {
                        let blocks = (e.len as usize).div_ceil(BLOCK_SIZE);
                        let mut buf = vec![0u8; blocks * BLOCK_SIZE];
                        media
                            .read_blocks(e.lba, &mut buf)
                            .expect("file extent reads");
                        bytes.extend_from_slice(&buf[..e.len as usize]);
                    }
                    bytes
                }
                Content::New(source) => {
                    let mut bytes = Vec::new();
                    source.open().unwrap().read_to_end(&mut bytes).unwrap();
                    bytes
                }
            };
            out.insert(tree.path_of(id), bytes);
        }
    }
    out
}

/// The content of the session an append would import now (empty when
/// there is none).
pub fn current_content(recorder: &Arc<Recorder>) -> Files {
    match previous_session_start(recorder).expect("multisession values") {
        None => Files::new(),
        Some(start) => snapshot(
            &import_tree(recorder, start).expect("import"),
            recorder.as_ref(),
        ),
    }
}

/// Builds the next session: the imported tree plus `add`.
pub fn build_next(recorder: &Arc<Recorder>, add: &Files) -> Result<Session> {
    let info = recorder.refresh()?;
    let mut tree = Tree::new();
    let mut image = FileSystemImage::new();
    let random_write = if info.disc_status != DiscStatus::Blank {
        image.set_multisession_interfaces(session::offer(recorder)?)?;
        if let Some(start) = previous_session_start(recorder)? {
            tree = import_tree(recorder, start)?;
        }
        image.chosen_multisession().map(|m| m.kind()) != Some(Kind::Sequential)
    } else {
        info.write_model() != multisession::media::WriteModel::Sequential
    };
    for (path, content) in add {
        let dir = &path[..path.rfind('/').unwrap()];
        if !dir.is_empty() {
            tree.mkdir_all(dir)?;
        }
        tree.add_file(
            path,
            content.len() as u64,
            Arc::new(Bytes(Arc::new(content.clone()))),
            Attrs::file(),
            true,
        )?;
    }
    let (start, free) = if info.disc_status == DiscStatus::Blank {
        (0, info.free_blocks)
    } else {
        (image.session_start_block()?, image.free_media_blocks()?)
    };
    build(
        &tree,
        &BuildOptions {
            start_block: start,
            volume_name: "TEST".into(),
            write_unit: info.write_unit,
            free_blocks: Some(free),
            time: Some(1_700_000_000),
            random_write,
            ..BuildOptions::default()
        },
    )
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
    let mut session = build_next(recorder, add)?;
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

/// Merged expectation: `base` with `add` on top.
pub fn merged(base: &Files, add: &Files) -> Files {
    let mut all = base.clone();
    all.extend(add.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}
