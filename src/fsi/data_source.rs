//! Where a new file's bytes come from: a [`DataSource`] opened only while
//! the session is streamed, so memory grows with the number of files,
//! never with their data.
//!
//! A directory added from the local file system is the common case at
//! scale (an archive disc of a million files), and a path and a shared
//! pointer per file cost over 100 bytes each. Its files therefore share
//! one [`LocalDir`] holding the directory's path once and their names
//! packed, and each file's [`Source`] is that directory and a position.
//! The packed names are the tree directory's own buffer
//! ([`Tree::list_local`](crate::fsi::tree::Tree::list_local)), so a listed
//! file's name is kept once.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::fsi::packed_names::PackedNames;

/// Where a new file's bytes come from when the session is streamed.
///
/// `open` may be called more than once (each build of the image streams the
/// data again); a source that can only be read once says so with an error.
pub trait DataSource: Send + Sync + fmt::Debug {
    /// A fresh reader positioned at the first byte of the data.
    fn open(&self) -> io::Result<Box<dyn Read + Send>>;

    /// A read that returns fewer bytes than asked means the end (true of
    /// regular files, not of pipes or callers' streams): the build then
    /// learns a file ends where announced from its last read, without one
    /// more read per file that only finds the end.
    fn short_read_is_end(&self) -> bool {
        false
    }

    /// Whether the library may read this source on a thread of its own,
    /// ahead of the session stream (true of local files, which also end
    /// where a read comes back short). A caller's stream is read on the
    /// caller's thread only.
    fn read_ahead(&self) -> bool {
        false
    }
}

/// A file on the local file system, opened when its data is needed.
#[derive(Debug, Clone)]
pub struct LocalFile(pub PathBuf);

impl DataSource for LocalFile {
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(std::fs::File::open(&self.0)?))
    }

    fn short_read_is_end(&self) -> bool {
        true
    }

    fn read_ahead(&self) -> bool {
        true
    }
}

/// A caller's reader that can be consumed once (IMAPI's `IStream` items;
/// a C read callback).
pub struct OnceReader(Mutex<Option<Box<dyn Read + Send>>>);

impl OnceReader {
    /// Wraps `reader` for a single build.
    pub fn new(reader: Box<dyn Read + Send>) -> OnceReader {
        OnceReader(Mutex::new(Some(reader)))
    }
}

impl fmt::Debug for OnceReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("caller stream")
    }
}

impl DataSource for OnceReader {
    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("stream lock poisoned"))?
            .take()
            .ok_or_else(|| {
                io::Error::other("the caller's stream was already consumed by an earlier build")
            })
    }
}

/// A new file's source as the tree keeps it.
#[derive(Clone)]
pub struct Source(Repr);

#[derive(Clone)]
enum Repr {
    /// Any source: a caller's stream, bytes in memory, a single local file.
    Shared(Arc<dyn DataSource>),
    /// A file of a directory added whole: the directory, and where the
    /// file's name starts in its packed names.
    Listed(Arc<LocalDir>, u32),
}

impl Source {
    /// A fresh reader positioned at the first byte (see [`DataSource::open`]).
    pub fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        match &self.0 {
            Repr::Shared(source) => source.open(),
            Repr::Listed(dir, at) => LocalFile(dir.path_of(*at)).open(),
        }
    }

    /// See [`DataSource::short_read_is_end`].
    pub fn short_read_is_end(&self) -> bool {
        match &self.0 {
            Repr::Shared(source) => source.short_read_is_end(),
            Repr::Listed(..) => true,
        }
    }

    /// See [`DataSource::read_ahead`].
    pub fn read_ahead(&self) -> bool {
        match &self.0 {
            Repr::Shared(source) => source.read_ahead(),
            Repr::Listed(..) => true,
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Shared(source) => source.fmt(f),
            Repr::Listed(dir, at) => f.debug_tuple("LocalFile").field(&dir.path_of(*at)).finish(),
        }
    }
}

impl From<Arc<dyn DataSource>> for Source {
    fn from(source: Arc<dyn DataSource>) -> Source {
        Source(Repr::Shared(source))
    }
}

impl<T: DataSource + 'static> From<Arc<T>> for Source {
    fn from(source: Arc<T>) -> Source {
        Source(Repr::Shared(source))
    }
}

/// A local directory whose regular files are added together: its path once
/// and their names packed.
#[derive(Debug)]
pub struct LocalDir {
    path: PathBuf,
    names: Arc<PackedNames>,
}

impl LocalDir {
    /// The sources of files of the local directory `path`, in the order
    /// given: each file's name and where `names` holds it, or `None` for a
    /// name it could not pack (which gets a source of its own).
    pub(crate) fn sources<'n>(
        path: &Path,
        names: Arc<PackedNames>,
        files: impl IntoIterator<Item = (&'n OsStr, Option<u32>)>,
    ) -> Vec<Source> {
        let dir = Arc::new(LocalDir {
            path: path.to_path_buf(),
            names,
        });
        files
            .into_iter()
            .map(|(name, at)| match at {
                Some(at) => Source(Repr::Listed(Arc::clone(&dir), at)),
                None => Source::from(Arc::new(LocalFile(path.join(name)))),
            })
            .collect()
    }

    /// The path of the file whose name starts at `at`.
    fn path_of(&self, at: u32) -> PathBuf {
        self.path.join(OsStr::from_bytes(self.names.get(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sources of `names` in `path`, packed as a tree's directory
    /// packs them.
    fn listed(path: &Path, names: &[&str]) -> Vec<Source> {
        let mut packed = PackedNames::new();
        let at: Vec<Option<u32>> = names.iter().map(|n| packed.push(n.as_bytes())).collect();
        let files = names.iter().map(OsStr::new).zip(at);
        LocalDir::sources(path, Arc::new(packed), files)
    }

    fn read_all(source: &Source) -> Vec<u8> {
        let mut out = Vec::new();
        source.open().unwrap().read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn the_files_of_a_local_directory_open_by_their_own_names() {
        let dir = tempfile::tempdir().unwrap();
        let names = ["a", "bb", "a name with spaces", "ü"];
        for name in names {
            std::fs::write(dir.path().join(name), name.repeat(3)).unwrap();
        }
        let mut sources = listed(dir.path(), &names);
        // A name without a position gets a source of its own.
        let unpacked = [(OsStr::new("a"), None)];
        sources.extend(LocalDir::sources(dir.path(), Arc::default(), unpacked));
        assert_eq!(sources.len(), names.len() + 1);
        assert!(matches!(sources[names.len()].0, Repr::Shared(_)));
        let names = names.iter().chain(&["a"]);
        for (source, name) in sources.iter().zip(names) {
            assert_eq!(read_all(source), name.repeat(3).as_bytes());
            assert!(source.short_read_is_end());
            assert!(format!("{source:?}").contains(name), "{source:?}");
        }
    }

    #[test]
    fn a_local_directory_costs_its_path_once_and_its_names() {
        let names: Vec<String> = (0..1000).map(|i| format!("file_{i:07}.txt")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let sources = listed(Path::new("/some/dir"), &names);
        let Repr::Listed(dir, _) = &sources[0].0 else {
            panic!("a short name is packed");
        };
        assert!(sources
            .iter()
            .all(|s| matches!(&s.0, Repr::Listed(d, _) if Arc::ptr_eq(d, dir))));
        assert_eq!(dir.names.bytes(), 1000 * (16 + 2));
        assert!(std::mem::size_of::<Source>() <= 24);
    }

    #[test]
    fn a_file_that_vanished_fails_to_open_with_its_path() {
        let sources = listed(Path::new("/nonexistent/dir"), &["gone"]);
        let err = sources[0].open().err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(format!("{:?}", sources[0]).contains("/nonexistent/dir/gone"));
    }
}
