//! Issue 4's proof through the path a user takes: sessions imported,
//! edited and built by `FileSystemImage` and written by `DataWriter` to
//! emulated CD-R, DVD+R, BD-R, DVD+RW and BD-RE discs are read back by
//! xorriso and isoinfo — every session at its own start, and on
//! overwritable media the newest one through LBA 16 — as exactly the tree
//! a local mirror of the same edits holds.

mod e2e_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use e2e_support::*;
use multisession::fsi::{FileSystemImage, OnClash};
use multisession::media::WriteModel;
use multisession::Profile;

/// The edits of one session, made to the image and to the local mirror
/// that holds what the session must contain.
struct Edits<'a> {
    image: &'a mut FileSystemImage,
    mirror: &'a Path,
    /// Local copies of added files (a file's data is read while the session
    /// is written, so it must not change until then).
    sources: &'a Path,
}

impl Edits<'_> {
    fn local(&self, path: &str) -> PathBuf {
        self.mirror.join(path.trim_start_matches('/'))
    }

    /// Adds (or with `replace`, replaces) the file `path` from a local file.
    fn file(&mut self, path: &str, data: &[u8], replace: bool) {
        let source = self.sources.join(format!(
            "{}-{}",
            fs::read_dir(self.sources).unwrap().count(),
            data.len()
        ));
        fs::write(&source, data).unwrap();
        fs::write(self.local(path), data).unwrap();
        self.image
            .add_file(path, &source, replace)
            .unwrap_or_else(|e| panic!("add_file {path}: {e}"));
    }

    /// Adds the file `path` from a caller's stream, read while writing.
    fn stream(&mut self, path: &str, data: Vec<u8>) {
        fs::write(self.local(path), &data).unwrap();
        self.image
            .add_stream(
                path,
                data.len() as u64,
                Box::new(std::io::Cursor::new(data)),
                false,
            )
            .unwrap_or_else(|e| panic!("add_stream {path}: {e}"));
    }

    fn mkdir(&mut self, path: &str) {
        fs::create_dir_all(self.local(path)).unwrap();
        self.image.mkdir(path, true).unwrap();
    }

    fn remove(&mut self, path: &str) {
        let local = self.local(path);
        if fs::symlink_metadata(&local).unwrap().is_dir() {
            fs::remove_dir_all(&local).unwrap();
        } else {
            fs::remove_file(&local).unwrap();
        }
        self.image
            .remove(path, true)
            .unwrap_or_else(|e| panic!("remove {path}: {e}"));
    }

    fn rename(&mut self, from: &str, to: &str) {
        fs::rename(self.local(from), self.local(to)).unwrap();
        self.image
            .rename(from, to)
            .unwrap_or_else(|e| panic!("rename {from} → {to}: {e}"));
    }

    /// Adds a local directory (with its symlinks) under `dest`.
    fn tree(&mut self, local: &Path, dest: &str) {
        let name = local.file_name().unwrap();
        copy_dir(local, &self.local(dest).join(name));
        self.image
            .add_tree(local, dest, true, OnClash::Fail)
            .unwrap_or_else(|e| panic!("add_tree {}: {e}", local.display()));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            symlink(fs::read_link(entry.path()).unwrap(), target).unwrap();
        } else if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

const DEEP: &str =
    "/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11";

/// Session 2: replace, remove, rename, a new directory tree with a link,
/// an empty directory, a streamed file, one more level below the deep one.
fn second_session(e: &mut Edits<'_>, scratch: &Path) {
    e.file(
        "/to be replaced.txt",
        b"replaced in session two, longer than before\n",
        true,
    );
    e.remove("/to be removed.txt");
    e.rename("/one", "/one renamed");
    let added = scratch.join("zweite Sitzung");
    fs::create_dir_all(added.join("unter/ordner")).unwrap();
    fs::write(added.join("unter/ordner/größe.bin"), pattern(3000, 2)).unwrap();
    fs::write(added.join("leer"), b"").unwrap();
    symlink("unter/ordner/größe.bin", added.join("verweis")).unwrap();
    e.tree(&added, "/");
    e.mkdir("/session two/empty directory");
    e.stream("/session two/streamed.bin", pattern(70_001, 3));
    e.mkdir(&format!("{DEEP}/level12"));
    e.file(
        &format!("{DEEP}/level12/deeper.txt"),
        b"twelve levels\n",
        false,
    );
}

/// Session 3: a subtree and a link go, the replaced file is replaced
/// again, a file of session 2 is replaced by an empty one.
fn third_session(e: &mut Edits<'_>) {
    e.remove("/ünïcödé");
    e.remove("/relative link");
    e.file("/to be replaced.txt", b"third content\n", true);
    e.file("/zweite Sitzung/unter/ordner/größe.bin", b"", true);
    e.mkdir("/session three");
    e.stream("/session three/Ωμέγα.bin", pattern(4097, 4));
    e.file(
        "/session three/ü.txt",
        b"non-ASCII in session three\n",
        false,
    );
}

fn three_sessions(profile: Profile) {
    if !tools_present() {
        return;
    }
    let dir = scratch(&format!("e2e-{}", profile.name()));
    let (mirror, sources) = (dir.join("mirror"), dir.join("sources"));
    fs::create_dir_all(&sources).unwrap();
    make_source_tree(&mirror);
    let disc = dir.join("disc.img");
    multisession::scsi::emulator::create_blank(
        &disc,
        profile,
        None,
        multisession::scsi::emulator::Existing::Replace,
    )
    .unwrap();
    let overwritable = profile.write_model() == WriteModel::RandomWrite;

    let mut starts = Vec::new();
    let mut models = Vec::new();
    for n in 1..=3 {
        let report = write_next_session(&disc, &format!("Session {n}"), |image| {
            let mut e = Edits {
                image,
                mirror: &mirror,
                sources: &sources,
            };
            match n {
                1 => {
                    e.image
                        .add_tree(&mirror, "/", false, OnClash::Fail)
                        .unwrap();
                }
                2 => second_session(&mut e, &dir),
                _ => third_session(&mut e),
            }
        });
        let what = format!("{profile}, after session {n}");
        if let Some(&previous_end) = starts.last().map(|(_, end)| end) {
            assert!(
                report.start_lba >= previous_end,
                "{what}: session at {} overlaps the one ending at {previous_end}",
                report.start_lba
            );
        }
        starts.push((report.start_lba, report.start_lba + report.sectors));
        models.push(model_of_dir(&mirror));
        let info = open(&disc).media_info().unwrap();

        if overwritable {
            // LBA 16 leads to the newest session, readers need no address.
            let (start, end) = starts[n - 1];
            let root = root_at_lba_16(&disc);
            assert!(
                (start..end).contains(&root),
                "{what}: LBA 16 names root {root}, not inside the newest session {start}..{end}"
            );
            check_session(&disc, None, &models[n - 1], &dir, &what);
        } else {
            assert_eq!(usize::from(info.sessions), n, "{what}: sessions");
            let last = info.previous_session.expect("a last session").start;
            assert_eq!(last, report.start_lba, "{what}: last session start");
        }
        // Every session at its own start: on overwritable media session 1
        // began at 0 and its descriptors at 16 became the anchor, so from
        // session 2 on.
        let first_own = if overwritable { 2 } else { 1 };
        for k in first_own..=n {
            let (start, _) = starts[k - 1];
            check_session(
                &disc,
                Some(start),
                &models[k - 1],
                &dir,
                &format!("{what}: session {k}"),
            );
        }
    }
    assert!(
        models.windows(2).all(|w| w[0] != w[1]),
        "every session changes the tree"
    );
    if std::env::var_os("KEEP").is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
}

#[test]
fn three_sessions_written_to_cd_r_read_back_by_xorriso_and_isoinfo() {
    three_sessions(Profile::CdR);
}

#[test]
fn three_sessions_written_to_dvd_plus_r_read_back_by_xorriso_and_isoinfo() {
    three_sessions(Profile::DvdPlusR);
}

#[test]
fn three_sessions_written_to_bd_r_read_back_by_xorriso_and_isoinfo() {
    three_sessions(Profile::BdR);
}

#[test]
fn three_sessions_written_to_dvd_plus_rw_read_back_through_lba_16_and_at_their_starts() {
    three_sessions(Profile::DvdPlusRw);
}

#[test]
fn three_sessions_written_to_bd_re_read_back_through_lba_16_and_at_their_starts() {
    three_sessions(Profile::BdRe);
}
