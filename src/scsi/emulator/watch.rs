//! Noticing that someone else changed the disc: another process (the CLI,
//! another program, a second `EmulatedDrive` on the same image) saved the
//! sidecar, which for this drive is a disc swapped behind its back.
//!
//! Each drive remembers the on-disk identity of the sidecar version it
//! last loaded or saved and compares it with one `stat` of the sidecar
//! path before every command — no file read on the fast path.
//!
//! The identity is (device, inode, length, modification time). Saves
//! replace the sidecar by atomic rename, so every save is a new inode; the
//! drive keeps its version open, so that inode number cannot be freed and
//! handed to a later save while the drive still compares against it (a
//! bare (inode, mtime) pair could repeat when two saves fall in one
//! timestamp tick and the second reuses the first one's freed inode). The
//! length and modification time catch the rest: an edit in place.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;
use std::time::SystemTime;

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            #[cfg(unix)]
            device: meta.dev(),
            #[cfg(unix)]
            inode: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// The sidecar version a drive last loaded or saved.
#[derive(Debug)]
pub struct Seen {
    stamp: Stamp,
    /// Held open so the inode number stays taken (see the module doc).
    /// Not on other systems, where an open file may stand in the way of
    /// the rename that replaces it.
    #[cfg(unix)]
    _pin: File,
}

impl Seen {
    /// The version `file` (just opened or just written) is.
    pub fn of(file: File) -> std::io::Result<Seen> {
        let stamp = Stamp::of(&file.metadata()?);
        Ok(Seen {
            stamp,
            #[cfg(unix)]
            _pin: file,
        })
    }

    /// Opens `path` and reads it: the content and the version it came
    /// from, taken from the same open file so they always match.
    pub fn read(path: &Path) -> std::io::Result<(String, Seen)> {
        let mut file = File::open(path)?;
        // Identity first: an edit in place after this point then shows as
        // a change at the next look, never as a missed one.
        let stamp = Stamp::of(&file.metadata()?);
        let mut text = String::new();
        file.read_to_string(&mut text)?;
        Ok((
            text,
            Seen {
                stamp,
                #[cfg(unix)]
                _pin: file,
            },
        ))
    }

    /// Whether `path` still is this version: one `stat`. A sidecar that
    /// cannot be stat'ed (deleted mid-edit by hand) counts as unchanged;
    /// taking a disc out is `media_present: false`, not a missing file.
    pub fn is_current(&self, path: &Path) -> bool {
        match std::fs::metadata(path) {
            Ok(meta) => Stamp::of(&meta) == self.stamp,
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacing_save_and_an_edit_in_place_are_both_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disc.iso.json");
        std::fs::write(&path, "one").unwrap();
        let (text, seen) = Seen::read(&path).unwrap();
        assert_eq!(text, "one");
        assert!(seen.is_current(&path));

        // Same length, new inode by rename.
        let tmp = dir.path().join("tmp");
        std::fs::write(&tmp, "two").unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        assert!(!seen.is_current(&path));

        let (_, seen) = Seen::read(&path).unwrap();
        assert!(seen.is_current(&path));
        // In place, longer.
        std::fs::write(&path, "three").unwrap();
        assert!(!seen.is_current(&path));
    }
}
