//! Names packed into one buffer, each behind its 2-byte length, and named
//! by where they start.
//!
//! A million-entry tree cannot give each name an allocation of its own (a
//! `Box<str>` cost about 40 bytes of header and rounding for a 13-byte
//! name), so a directory's entries and a listed local directory's files
//! keep their names this way: 2 bytes over the name itself, and an offset
//! of 4 bytes where a pointer would take 16.

/// Longest name a buffer packs: its length must fit the 2-byte prefix.
pub const MAX_NAME_BYTES: usize = u16::MAX as usize;

/// Bytes a name takes in the buffer.
fn packed_len(name_len: usize) -> usize {
    2 + name_len
}

/// Names in one buffer; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackedNames(Vec<u8>);

impl PackedNames {
    /// An empty buffer; it allocates nothing until the first name.
    pub const fn new() -> PackedNames {
        PackedNames(Vec::new())
    }

    /// An empty buffer with room for `count` names of `bytes` in total.
    pub fn with_capacity(count: usize, bytes: usize) -> PackedNames {
        PackedNames(Vec::with_capacity(bytes + packed_len(0) * count))
    }

    /// Makes room for `count` more names of `bytes` in total, exactly.
    pub fn reserve_exact(&mut self, count: usize, bytes: usize) {
        self.0.reserve_exact(bytes + packed_len(0) * count);
    }

    /// Appends `name` and returns where it starts; `None` (and nothing
    /// appended) for a name over [`MAX_NAME_BYTES`] or a buffer past the
    /// 4 GiB a position can name.
    pub fn push(&mut self, name: &[u8]) -> Option<u32> {
        if name.len() > MAX_NAME_BYTES {
            return None;
        }
        let at = u32::try_from(self.0.len()).ok()?;
        u32::try_from(self.0.len() + packed_len(name.len())).ok()?;
        self.0.extend_from_slice(&(name.len() as u16).to_le_bytes());
        self.0.extend_from_slice(name);
        Some(at)
    }

    /// The name that starts at `at` (a position [`push`](Self::push) gave).
    /// Appends the name `write` appends to the buffer it is given, without
    /// a copy: where names are encoded as they are listed. `None` (and the
    /// buffer as it was) when it is too long.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Option<u32> {
        let at = self.0.len();
        self.0.extend_from_slice(&[0, 0]);
        write(&mut self.0);
        let len = self.0.len() - at - packed_len(0);
        match (u16::try_from(len), u32::try_from(self.0.len())) {
            (Ok(len), Ok(_)) => {
                self.0[at..at + 2].copy_from_slice(&len.to_le_bytes());
                Some(at as u32)
            }
            _ => {
                self.0.truncate(at);
                None
            }
        }
    }

    pub fn get(&self, at: u32) -> &[u8] {
        let at = at as usize;
        let len = u16::from_le_bytes([self.0[at], self.0[at + 1]]) as usize;
        &self.0[at + 2..at + 2 + len]
    }

    /// Where the name after the one at `at` starts.
    pub fn after(&self, at: u32) -> u32 {
        at + packed_len(self.get(at).len()) as u32
    }

    /// Bytes the names take, their lengths included.
    pub fn bytes(&self) -> usize {
        self.0.len()
    }

    /// Bytes the buffer holds room for.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// Gives back the room no name uses.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pushed_name_is_read_back_at_its_position() {
        let mut names = PackedNames::with_capacity(3, 6);
        let at: Vec<u32> = ["a", "", "bcdef"]
            .iter()
            .map(|n| names.push(n.as_bytes()).unwrap())
            .collect();
        assert_eq!(at, [0, 3, 5]);
        assert_eq!(names.get(at[0]), b"a");
        assert_eq!(names.get(at[1]), b"");
        assert_eq!(names.get(at[2]), b"bcdef");
        assert_eq!((names.bytes(), names.capacity()), (12, 12));
    }

    #[test]
    fn a_name_written_in_place_reads_back_and_one_too_long_leaves_no_trace() {
        let mut names = PackedNames::new();
        let a = names
            .push_with(|out| out.extend_from_slice(b"in place"))
            .unwrap();
        assert_eq!(
            names.push_with(|out| out.resize(out.len() + MAX_NAME_BYTES + 1, b'x')),
            None
        );
        let b = names.push(b"after").unwrap();
        assert_eq!(
            (names.get(a), names.get(b)),
            (&b"in place"[..], &b"after"[..])
        );
        assert_eq!(names.bytes(), 2 + 8 + 2 + 5);
    }

    #[test]
    fn a_name_too_long_for_its_prefix_is_refused_and_leaves_the_buffer_as_it_was() {
        let mut names = PackedNames::new();
        names.push(b"kept").unwrap();
        assert_eq!(names.push(&vec![b'x'; MAX_NAME_BYTES + 1]), None);
        assert_eq!(names.bytes(), 6);
        let longest = vec![b'y'; MAX_NAME_BYTES];
        let at = names.push(&longest).unwrap();
        assert_eq!(names.get(at), &longest[..]);
    }
}
