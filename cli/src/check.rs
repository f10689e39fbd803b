//! `check`: read every block of a session (or of all), name the
//! unreadable ones and the files whose data they hold, as xorriso
//! `-check_media` does, and verify libisofs session checksums where the
//! session has them.

use std::path::Path;

use multisession::fsi::tree::{Kind as NodeKind, Tree};
use multisession::fsi::{
    identify, import, BlockSource, Content, FileSystems, ImportLimits, BLOCK_SIZE,
};
use multisession::internals::iso9660::checksum::{ArrayLocation, Md5, ENTRY};
use multisession::internals::iso9660::susp;
use multisession::media::WriteModel;
use multisession::{hresult, Error, Recorder, Result};
use serde_json::{json, Value};

use crate::{error_json, megabytes, recorded, Done};

/// Blocks read at once; a failed read is retried block by block.
const CHUNK: u32 = 32;

struct Checked {
    number: u16,
    start: u32,
    blocks: u32,
    /// Unreadable blocks with the files (paths) whose data they hold.
    bad: Vec<(u32, Vec<String>)>,
    /// `Some(true)` when the session checksum matches, `None` when the
    /// session records none (or its tree could not be read).
    md5: Option<bool>,
    /// Why the session's files could not be read, when they could not.
    tree_error: Option<String>,
}

/// The sessions to check: number, start, blocks.
fn ranges(recorder: &Recorder, number: Option<u16>) -> Result<Vec<(u16, u32, u32)>> {
    let media = recorder.media_info()?;
    let all: Vec<(u16, u32, u32)> =
        if media.write_model() == WriteModel::RandomWrite || media.pseudo_overwrite {
            match media.next_writable.filter(|&n| n > 0) {
                Some(end) => vec![(1, 0, end)],
                None => Vec::new(),
            }
        } else {
            recorder
                .sessions()?
                .iter()
                .map(|s| {
                    (
                        s.number,
                        s.extent.start,
                        s.extent.last_written.saturating_sub(s.extent.start) + 1,
                    )
                })
                .collect()
        };
    if all.is_empty() {
        return Err(Error::new(
            hresult::MS_IMAPI_E_EMPTY_DISC,
            format!("the {} disc is blank: nothing to check", media.profile),
        ));
    }
    match number {
        None => Ok(all),
        Some(n) => all
            .into_iter()
            .find(|s| s.0 == n)
            .map(|s| vec![s])
            .ok_or_else(|| {
                Error::new(
                    hresult::MS_E_INVALIDARG,
                    format!("there is no session {n} (numbered from 1)"),
                )
            }),
    }
}

/// The unreadable blocks of `start..start + blocks`.
fn unreadable(medium: &dyn BlockSource, start: u32, blocks: u32) -> Vec<u32> {
    let mut bad = Vec::new();
    let mut buf = vec![0u8; CHUNK as usize * BLOCK_SIZE];
    let end = start.saturating_add(blocks);
    let mut at = start;
    while at < end {
        let n = CHUNK.min(end - at);
        if medium
            .read_blocks(at, &mut buf[..n as usize * BLOCK_SIZE])
            .is_err()
        {
            for lba in at..at + n {
                if medium.read_blocks(lba, &mut buf[..BLOCK_SIZE]).is_err() {
                    bad.push(lba);
                }
            }
        }
        at += n;
    }
    bad
}

/// Whether the session checksum libisofs recorded (entry 0 of the array
/// the root names) is the MD5 of the blocks it covers; `None` without one.
fn session_md5(medium: &dyn BlockSource, root_entries: &[u8]) -> Result<Option<bool>> {
    let Some(location) = susp::array_location(root_entries).and_then(|v| ArrayLocation::parse(&v))
    else {
        return Ok(None);
    };
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; CHUNK as usize * BLOCK_SIZE];
    let mut at = location.start;
    while at < location.end {
        let n = CHUNK.min(location.end - at);
        let bytes = &mut buf[..n as usize * BLOCK_SIZE];
        medium.read_blocks(at, bytes)?;
        md5.update(bytes);
        at += n;
    }
    let mut array = vec![0u8; BLOCK_SIZE];
    medium.read_blocks(location.end, &mut array)?;
    Ok(Some(array[..ENTRY] == md5.finish()))
}

/// The session's tree, imported once: the ECMA-119 one where the
/// session has it (with Rock Ridge its names are those of the UDF tree,
/// and its root's System Use is where libisofs records the checksum
/// array; without Rock Ridge Joliet's names are the better ones), else
/// what import picks (a UDF-only session). A bridge session's UDF tree
/// holds the same file extents, so reading it as well would only double
/// the work.
fn session_tree(medium: &dyn BlockSource, start: u32, limits: ImportLimits) -> Result<Tree> {
    let found = identify(medium, start)?.file_systems;
    let ecma119 = [FileSystems::JOLIET, FileSystems::ISO9660]
        .into_iter()
        .find(|&fs| found.contains(fs));
    Ok(import(medium, start, ecma119, limits)
        .map_err(|e| e.context(format!("importing the session at block {start}")))?
        .tree)
}

fn check_session(recorder: &Recorder, (number, start, blocks): (u16, u32, u32)) -> Checked {
    let bad = unreadable(recorder, start, blocks);
    let mut checked = Checked {
        number,
        start,
        blocks,
        bad: bad.iter().map(|&lba| (lba, Vec::new())).collect(),
        md5: None,
        tree_error: None,
    };
    let tree = recorder
        .media_info()
        .and_then(|media| session_tree(recorder, start, recorded::import_limits(&media)));
    let tree = match tree {
        Ok(tree) => tree,
        Err(e) => {
            checked.tree_error = Some(crate::describe(&e));
            return checked;
        }
    };
    let tree = &tree;
    recorded::each_path(tree, |id, path| {
        let NodeKind::File(file) = &tree.node(id).kind else {
            return;
        };
        let Content::OnMedium(extents) = &file.content else {
            return;
        };
        for (lba, files) in &mut checked.bad {
            let hit = extents.iter().any(|e| {
                let blocks = u64::from(e.len).div_ceil(BLOCK_SIZE as u64);
                u64::from(*lba) >= u64::from(e.lba) && u64::from(*lba) < u64::from(e.lba) + blocks
            });
            if hit {
                files.push(path.to_owned());
            }
        }
    });
    let root_su = tree.extra_su(tree.root()).unwrap_or_default();
    checked.md5 = session_md5(recorder, root_su).unwrap_or(Some(false));
    checked
}

pub fn run(dev: &Path, number: Option<u16>, as_json: bool) -> Result<Done> {
    let recorder = Recorder::open(dev)?;
    let results: Vec<Checked> = ranges(&recorder, number)?
        .into_iter()
        .map(|r| check_session(&recorder, r))
        .collect();
    let bad: usize = results.iter().map(|c| c.bad.len()).sum();
    let mismatched: Vec<u16> = results
        .iter()
        .filter(|c| c.md5 == Some(false))
        .map(|c| c.number)
        .collect();
    let problem = if bad > 0 {
        Some(Error::new(
            hresult::MS_IMAPI_E_IMPORT_READ_FAILURE,
            format!("{bad} unreadable block(s)"),
        ))
    } else if !mismatched.is_empty() {
        Some(Error::new(
            hresult::MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            format!("the session checksum of session(s) {mismatched:?} does not match"),
        ))
    } else {
        None
    };
    if as_json {
        let sessions: Vec<Value> = results
            .iter()
            .map(|c| {
                json!({
                    "Number": c.number,
                    "StartAddress": c.start,
                    "SectorCount": c.blocks,
                    "UnreadableBlocks": c.bad.iter().map(|(lba, files)| json!({"Address": lba, "Files": files})).collect::<Vec<_>>(),
                    "SessionChecksum": match c.md5 { None => "none", Some(true) => "match", Some(false) => "mismatch" },
                    "TreeError": c.tree_error,
                })
            })
            .collect();
        say!(
            "{}",
            json!({ "Sessions": sessions, "Error": problem.as_ref().map(error_json) })
        );
    } else {
        for c in &results {
            let md5 = match c.md5 {
                None => "no session checksum",
                Some(true) => "session checksum matches",
                Some(false) => "SESSION CHECKSUM DOES NOT MATCH",
            };
            let readable = if c.bad.is_empty() {
                "all blocks readable".to_string()
            } else {
                format!("{} unreadable block(s)", c.bad.len())
            };
            say!(
                "session {} at LBA {}, {} blocks ({}): {readable}; {md5}",
                c.number,
                c.start,
                c.blocks,
                megabytes(u64::from(c.blocks))
            );
            for (lba, files) in &c.bad {
                if files.is_empty() {
                    say!("  unreadable LBA {lba}: no file data (directories, descriptors or padding)");
                } else {
                    say!("  unreadable LBA {lba}: in {}", files.join(", "));
                }
            }
            if let Some(e) = &c.tree_error {
                say!("  its files could not be listed: {e}");
            }
        }
    }
    Ok(match problem {
        Some(e) => Done::Reported(e),
        None => Done::Ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Counts the blocks read through it.
    struct Counted<'a> {
        medium: &'a dyn BlockSource,
        blocks: Cell<usize>,
    }

    impl BlockSource for Counted<'_> {
        fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
            self.blocks.set(self.blocks.get() + buf.len() / BLOCK_SIZE);
            self.medium.read_blocks(lba, buf)
        }
    }

    /// Blocks read by `step` on `medium`.
    fn blocks_read(medium: &dyn BlockSource, step: impl FnOnce(&dyn BlockSource)) -> usize {
        let counted = Counted {
            medium,
            blocks: Cell::new(0),
        };
        step(&counted);
        counted.blocks.get()
    }

    /// `check` imports a bridge session (UDF, Joliet, ISO 9660 with Rock
    /// Ridge, session checksums) once: no more blocks than identifying
    /// it and the one import `ls` does, and that one tree has both the
    /// files with their names and the checksum location.
    #[test]
    fn check_reads_a_bridge_session_tree_once_with_names_and_checksum_location() {
        let dir = tempfile::tempdir().unwrap();
        let disc = dir.path().join("d.img");
        multisession::scsi::emulator::create_blank(
            &disc,
            multisession::Profile::DvdPlusR,
            None,
            multisession::scsi::emulator::Existing::Refuse,
        )
        .unwrap();
        let src = dir.path().join("Photos");
        std::fs::create_dir_all(src.join("Summer Trip")).unwrap();
        for i in 0..8 {
            std::fs::write(src.join(format!("Summer Trip/Beach {i}.txt")), "sand").unwrap();
        }
        let write = crate::WriteArgs {
            close: false,
            verify: false,
            volume: "BRIDGE".into(),
            keep_appendable: true,
            follow: false,
            fs: None,
            md5: true,
            single_udf_metadata: false,
            dry_run: false,
            progress: crate::ProgressWhen::Never,
        };
        crate::append(&disc, &[src.display().to_string()], &[], &[], &write).unwrap();

        let recorder = Recorder::open(&disc).unwrap();
        let media = recorder.media_info().unwrap();
        let start = media.previous_session.unwrap().start;
        let found = identify(&recorder, start).unwrap().file_systems;
        assert!(found.contains(FileSystems::UDF | FileSystems::JOLIET | FileSystems::ISO9660));
        let limits = recorded::import_limits(&media);

        let mut tree = None;
        let checked = blocks_read(&recorder, |m| {
            tree = Some(session_tree(m, start, limits).unwrap());
        });
        let listed = blocks_read(&recorder, |m| {
            identify(m, start).unwrap();
            import(m, start, None, limits).unwrap();
        });
        assert!(
            checked <= listed,
            "check read {checked} blocks, ls {listed}"
        );

        let tree = tree.unwrap();
        assert!(tree.lookup("/Photos/Summer Trip/Beach 7.txt").is_ok());
        let su = tree.extra_su(tree.root()).unwrap_or_default();
        assert_eq!(session_md5(&recorder, su).unwrap(), Some(true));
    }
}
