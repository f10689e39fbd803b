//! Sessions made and written the way an application makes them —
//! `session::offer`, `FileSystemImage` (put the list, import, edit, create
//! the result) and `burn::DataWriter` on an emulated drive — and checked
//! from outside by xorriso and isoinfo reading the emulated disc's image
//! file.

use std::fs;
use std::os::unix::fs::{symlink, FileExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::discs::new_disc;
pub use super::discs::open;
use super::peers::*;
use super::trees::*;
use multisession::burn::{DataWriter, Flow, WriteOptions, WriteReport};
use multisession::fsi::{FileSystemImage, OnClash, BLOCK_SIZE};
use multisession::internals::names::JolietNamer;
use multisession::media::WriteModel;
use multisession::{hresult, session, MediaState, Profile, Recorder, Result};

/// Every date the sessions record (reproducible bytes).
pub const TIME: i64 = 1_700_000_000;

/// The options the command-line tool writes with: sessions stay open for
/// the next one, DVD+R included (IMAPI closes DVD+R otherwise).
pub fn multisession_options() -> WriteOptions {
    WriteOptions {
        disable_consumer_dvd_compatibility_mode: true,
        ..WriteOptions::default()
    }
}

/// What [`prepare_next_session`] does when the medium holds sessions.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Import {
    /// Import the newest session's volume; none there is an error.
    Newest,
    /// Import it if there is one: the burn fixtures' sessions hold marker
    /// blocks, not volumes, and leave nothing to carry over.
    IfAny,
}

/// An image for the next session on `recorder`'s medium, as an IMAPI
/// application prepares it: a blank medium gives the image its defaults;
/// any other takes the offered multisession objects and imports the newest
/// session.
pub fn prepare_next_session(
    recorder: &Arc<Recorder>,
    volume: &str,
    import: Import,
) -> Result<FileSystemImage> {
    let mut image = FileSystemImage::new();
    image.set_volume_name(volume)?;
    image.set_fixed_time(Some(TIME));
    if recorder
        .media_info()?
        .media_state()
        .contains(MediaState::BLANK)
    {
        image.choose_image_defaults(recorder)?;
        return Ok(image);
    }
    image.set_multisession_interfaces(session::offer(recorder)?)?;
    match image.import_file_system(None) {
        Err(e)
            if import == Import::IfAny
                && (e.code() == hresult::MS_IMAPI_E_EMPTY_DISC
                    || e.code() == hresult::MS_IMAPI_E_NO_SUPPORTED_FILE_SYSTEM) => {}
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    Ok(image)
}

/// [`prepare_next_session`] importing the newest session, which must be
/// there.
pub fn image_for_next_session(recorder: &Arc<Recorder>, volume: &str) -> FileSystemImage {
    prepare_next_session(recorder, volume, Import::Newest)
        .unwrap_or_else(|e| panic!("preparing the session {volume:?}: {e}"))
}

/// Prepares the next session on `disc`, lets `edit` change it, creates the
/// result image and writes it with `DataWriter`.
pub fn write_next_session(
    disc: &Path,
    volume: &str,
    edit: impl FnOnce(&mut FileSystemImage),
) -> WriteReport {
    let recorder = open(disc);
    let mut image = image_for_next_session(&recorder, volume);
    edit(&mut image);
    let mut result = image
        .create_result_image()
        .unwrap_or_else(|e| panic!("creating the result image: {e}"));
    DataWriter::new(recorder, multisession_options())
        .write(&mut result, &mut |_| Flow::Continue)
        .unwrap_or_else(|e| panic!("writing the session {volume:?}: {e}"))
}

/// What isoinfo shows of the Joliet tree of a session holding `model`: no
/// symlinks (Joliet has none), every name as the Joliet rules cut it and
/// isoinfo prints it.
pub fn joliet_view(model: &Model) -> Model {
    model
        .iter()
        .filter(|(_, e)| !matches!(e, Entry::Link(_)))
        .map(|(path, e)| {
            let parts: Vec<&str> = path.split('/').skip(1).collect();
            let last = parts.len() - 1;
            let joliet: String = parts
                .iter()
                .enumerate()
                .map(|(i, part)| {
                    let is_dir = i < last || matches!(e, Entry::Dir);
                    let name = String::from_utf16(&JolietNamer::plain(part, is_dir)).unwrap();
                    format!("/{}", isoinfo_joliet_name(&name))
                })
                .collect();
            (joliet, e.clone())
        })
        .collect()
}

/// Every reader sees `expected` in the session at `start` (`None`: the
/// one the volume descriptors at LBA 16 describe): xorriso's listing and
/// extraction, isoinfo's Rock Ridge and Joliet trees with `-x` content.
pub fn check_session(img: &Path, start: Option<u32>, expected: &Model, scratch: &Path, what: &str) {
    let at = start.map_or("LBA 16".to_owned(), |s| format!("session at {s}"));
    assert_same(
        &format!("{what}: xorriso, {at}"),
        expected,
        &model_by_xorriso(img, start, scratch),
    );
    assert_same(
        &format!("{what}: isoinfo -R, {at}"),
        expected,
        &model_by_isoinfo(img, start, u64::MAX),
    );
    assert_same(
        &format!("{what}: isoinfo -J, {at}"),
        &joliet_view(expected),
        &model_by_isoinfo_joliet(img, start, u64::MAX),
    );
}

/// The root directory's extent as the primary volume descriptor at
/// LBA 16 of the image file records it: where a reader that knows nothing
/// of sessions goes.
pub fn root_at_lba_16(img: &Path) -> u32 {
    let mut pvd = vec![0u8; BLOCK_SIZE];
    fs::File::open(img)
        .unwrap()
        .read_exact_at(&mut pvd, 16 * BLOCK_SIZE as u64)
        .unwrap();
    assert_eq!(&pvd[..6], b"\x01CD001", "primary volume descriptor at 16");
    // The root directory record is at byte 156; its extent at +2 (LE).
    u32::from_le_bytes(pvd[158..162].try_into().unwrap())
}

/// The edits of one session, made to the image and to the local mirror
/// that holds what the session must contain.
pub struct Edits<'a> {
    pub image: &'a mut FileSystemImage,
    pub mirror: &'a Path,
    /// Local copies of added files (a file's data is read while the session
    /// is written, so it must not change until then).
    pub sources: &'a Path,
}

impl Edits<'_> {
    pub fn local(&self, path: &str) -> PathBuf {
        self.mirror.join(path.trim_start_matches('/'))
    }

    /// Adds (or with `replace`, replaces) the file `path` from a local file.
    pub fn file(&mut self, path: &str, data: &[u8], replace: bool) {
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
    pub fn stream(&mut self, path: &str, data: Vec<u8>) {
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

    pub fn mkdir(&mut self, path: &str) {
        fs::create_dir_all(self.local(path)).unwrap();
        self.image.mkdir(path, true).unwrap();
    }

    pub fn remove(&mut self, path: &str) {
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

    pub fn rename(&mut self, from: &str, to: &str) {
        fs::rename(self.local(from), self.local(to)).unwrap();
        self.image
            .rename(from, to)
            .unwrap_or_else(|e| panic!("rename {from} → {to}: {e}"));
    }

    /// Adds a local directory (with its symlinks) under `dest`.
    pub fn tree(&mut self, local: &Path, dest: &str) {
        let name = local.file_name().unwrap();
        copy_dir(local, &self.local(dest).join(name));
        self.image
            .add_tree(local, dest, true, OnClash::Fail)
            .unwrap_or_else(|e| panic!("add_tree {}: {e}", local.display()));
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
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

pub const DEEP: &str =
    "/level1/level2/level3/level4/level5/level6/level7/level8/level9/level10/level11";

/// Session 2: replace, remove, rename, a new directory tree with a link,
/// an empty directory, a streamed file, one more level below the deep one.
pub fn second_session(e: &mut Edits<'_>, scratch: &Path) {
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
pub fn third_session(e: &mut Edits<'_>) {
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

/// What [`three_sessions`] wrote so far, for further checks after each
/// session.
pub struct Written<'a> {
    pub disc: &'a Path,
    pub dir: &'a Path,
    /// (start, end) of each session so far.
    pub starts: &'a [(u32, u32)],
    /// What each session holds.
    pub models: &'a [Model],
    pub overwritable: bool,
    pub what: &'a str,
}

/// Writes three sessions (the source tree, then [`second_session`], then
/// [`third_session`]) to a blank emulated disc of `profile` through
/// `FileSystemImage` and `DataWriter` — the path a user takes — and has
/// xorriso and isoinfo read every session back after each write; `also`
/// checks more.
pub fn three_sessions(profile: Profile, tag: &str, mut also: impl FnMut(&Written<'_>)) {
    if !tools_present() {
        return;
    }
    let dir = scratch(&format!("{tag}-{}", profile.name()));
    let (mirror, sources) = (dir.join("mirror"), dir.join("sources"));
    fs::create_dir_all(&sources).unwrap();
    make_source_tree(&mirror);
    let disc = new_disc(&dir, "disc.img", profile);
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
        also(&Written {
            disc: &disc,
            dir: &dir,
            starts: &starts,
            models: &models,
            overwritable,
            what: &what,
        });
    }
    assert!(
        models.windows(2).all(|w| w[0] != w[1]),
        "every session changes the tree"
    );
    if std::env::var_os("KEEP").is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
}
