//! Directory records (ECMA-119 9.1): parsing with every length checked,
//! and encoding.

use super::codec::{decode_dir_date, encode_dir_date};
use super::layout::dr;
use crate::error::{Error, Result};
use crate::hresult::MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;

pub const FLAG_HIDDEN: u8 = 0x01;
pub const FLAG_DIRECTORY: u8 = 0x02;
/// An associated file (a Macintosh resource fork): no file of its own.
pub const FLAG_ASSOCIATED: u8 = 0x04;
/// Not the final section of a multi-extent file.
pub const FLAG_MULTI_EXTENT: u8 = 0x80;

/// A parsed directory record, borrowing identifier and system use area.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub extent: u32,
    pub size: u32,
    pub date: Option<i64>,
    pub flags: u8,
    pub xattr_len: u8,
    pub id: &'a [u8],
    pub system_use: &'a [u8],
}

impl<'a> Record<'a> {
    /// Parses the record at the start of `b` (which holds at least
    /// `b[0]` bytes). `where_` names the place for error messages.
    pub fn parse(b: &'a [u8], where_: impl Fn() -> String) -> Result<Record<'a>> {
        // `at`: the field within the record that is wrong.
        let bad = |at: usize, what: String| {
            Error::parse(
                MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
                "directory record",
                at as u64,
                format!("{}: {what}", where_()),
            )
        };
        if b.is_empty() {
            return Err(bad(dr::LENGTH.0, "empty record".into()));
        }
        let len = dr::LENGTH.get(b) as usize;
        if len < dr::MIN_LEN || len > b.len() {
            return Err(bad(
                dr::LENGTH.0,
                format!("directory record length {len} (room {})", b.len()),
            ));
        }
        let id_len = dr::ID_LENGTH.get(b) as usize;
        if dr::FIXED_LEN + id_len > len || id_len == 0 {
            return Err(bad(
                dr::ID_LENGTH.0,
                format!("identifier length {id_len} in a record of {len} bytes"),
            ));
        }
        let su_start = dr::system_use_start(id_len);
        let system_use = if su_start < len {
            &b[su_start..len]
        } else {
            &[][..]
        };
        Ok(Record {
            xattr_len: dr::XATTR_LENGTH.get(b),
            extent: dr::EXTENT.get(b),
            size: dr::SIZE.get(b),
            date: decode_dir_date(dr::DATE.get(b)),
            flags: dr::FLAGS.get(b),
            id: &b[dr::FIXED_LEN..dr::FIXED_LEN + id_len],
            system_use,
        })
    }

    pub fn is_dir(&self) -> bool {
        self.flags & FLAG_DIRECTORY != 0
    }

    /// "." (0x00) or ".." (0x01).
    pub fn is_dot_or_dotdot(&self) -> bool {
        self.id == [0] || self.id == [1]
    }
}

/// The records of one directory block, each with its offset and the
/// bytes from there to the block's end: a zero length byte ends the
/// block's records (ECMA-119 6.8.1.1, records never cross a block).
/// Each record's own length is checked by [`Record::parse`].
pub fn in_block(block: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let rest = block
            .get(at..)
            .filter(|r| r.first().is_some_and(|&l| l != 0))?;
        let here = at;
        at += dr::LENGTH.get(rest) as usize;
        Some((here, rest))
    })
}

/// Fields of a record to encode.
pub struct RecordOut<'a> {
    pub extent: u32,
    pub size: u32,
    pub date: i64,
    pub flags: u8,
    pub id: &'a [u8],
    pub system_use: &'a [u8],
}

/// Encoded length of a record with an identifier of `id_len` bytes and
/// `su_len` bytes of system use (always even).
pub fn record_len(id_len: usize, su_len: usize) -> usize {
    dr::system_use_start(id_len) + su_len + su_len % 2
}

impl RecordOut<'_> {
    /// Appends the record. The fixed 33 bytes are assembled in place and
    /// copied once: a session of a million entries encodes two million
    /// records, and byte-by-byte pushes were the writer's largest cost.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let len = record_len(self.id.len(), self.system_use.len());
        debug_assert!(len <= 255, "record of {len} bytes");
        let mut head = [0u8; dr::FIXED_LEN];
        dr::LENGTH.put(&mut head, len as u8);
        dr::EXTENT.put(&mut head, self.extent);
        dr::SIZE.put(&mut head, self.size);
        dr::DATE.put(&mut head, &encode_dir_date(self.date));
        dr::FLAGS.put(&mut head, self.flags);
        dr::SEQUENCE_NUMBER.put(&mut head, 1);
        dr::ID_LENGTH.put(&mut head, self.id.len() as u8);
        out.reserve(len);
        out.extend_from_slice(&head);
        out.extend_from_slice(self.id);
        if self.id.len() % 2 == 0 {
            out.push(0);
        }
        out.extend_from_slice(self.system_use);
        if self.system_use.len() % 2 == 1 {
            out.push(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_records_parse_back() {
        let mut buf = Vec::new();
        RecordOut {
            extent: 1234,
            size: 5678,
            date: 1_600_000_000,
            flags: FLAG_MULTI_EXTENT,
            id: b"A.TXT;1",
            system_use: b"PX",
        }
        .encode(&mut buf);
        assert_eq!(buf.len(), record_len(7, 2));
        let r = Record::parse(&buf, String::new).unwrap();
        assert_eq!((r.extent, r.size, r.flags), (1234, 5678, FLAG_MULTI_EXTENT));
        assert_eq!(r.id, b"A.TXT;1");
        assert_eq!(r.system_use, b"PX");
        assert_eq!(r.date, Some(1_600_000_000));
    }

    #[test]
    fn truncated_records_are_consistency_errors() {
        let mut buf = Vec::new();
        RecordOut {
            extent: 1,
            size: 2,
            date: 0,
            flags: 0,
            id: b"NAME",
            system_use: &[],
        }
        .encode(&mut buf);
        assert!(Record::parse(&buf[..20], String::new).is_err());
        dr::ID_LENGTH.put(&mut buf, 200);
        let e = Record::parse(&buf, String::new).unwrap_err();
        assert_eq!(
            e.cause(),
            crate::error::Cause::Parse {
                what: "directory record",
                offset: Some(dr::ID_LENGTH.0 as u64)
            }
        );
    }
}
