//! libisofs's session checksums, so a session appended to a disc that
//! xorriso made with `-md5 on` is as checkable as the one it follows
//! (`xorriso -check_md5`, `-check_md5_r`, `-check_media what=tags`).
//!
//! What a session carries, relative to its start S (the layout in `write`):
//!
//! ```text
//! root "."   AAIP attribute isofs.ca = START S, END array LBA, COUNT, SIZE 16, "MD5"
//! new file   AAIP attribute isofs.cx = its index in the array
//! sb tag     after the descriptors: MD5 of blocks S..tag, next= the tree tag
//! tree tag   after the directories: MD5 of blocks S..tag, next= the session tag
//! array      COUNT entries of 16 bytes: 0 = MD5 of blocks S..array,
//!            1..COUNT-2 = per new file (its data as written), last = MD5
//!            of those before
//! tag        the block after the array: MD5 of blocks S..tag (the array
//!            included)
//! ```
//!
//! Each tag is one line, `<id> pos=… range_start=… range_size=… [next=…]
//! md5=… self=…\n`, zeros after it: a reader checksumming the session from
//! its start recognises them on the fly.

use std::fmt::Write as _;

use crate::fsi::BLOCK_SIZE;

/// Bytes per checksum in the array (MD5).
pub const ENTRY: usize = 16;

/// MD5 (RFC 1321), streamed: the digest libisofs records, from the
/// RustCrypto implementation.
#[derive(Clone, Default)]
pub struct Md5(md5::Md5);

impl std::fmt::Debug for Md5 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Md5")
    }
}

impl Md5 {
    pub fn new() -> Md5 {
        Md5::default()
    }

    pub fn update(&mut self, data: &[u8]) {
        md5::Digest::update(&mut self.0, data);
    }

    pub fn finish(self) -> [u8; 16] {
        md5::Digest::finalize(self.0).into()
    }

    pub fn of(data: &[u8]) -> [u8; 16] {
        let mut m = Md5::new();
        m.update(data);
        m.finish()
    }
}

fn hex(d: &[u8; 16]) -> String {
    d.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The value of the root's `isofs.ca` attribute: where the checksum array
/// is and what it holds. Numbers are written as 4 bytes each (leading
/// zeros are allowed), so the root record has the same size whatever the
/// addresses turn out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayLocation {
    /// Session start: the session checksum covers `start..end`.
    pub start: u32,
    /// LBA of the array, just after the last block it covers.
    pub end: u32,
    /// Entries in the array (files + 2).
    pub count: u32,
}

impl ArrayLocation {
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 * 5 + 1 + 1 + 3);
        for n in [self.start, self.end, self.count] {
            v.push(4);
            v.extend_from_slice(&n.to_be_bytes());
        }
        v.extend_from_slice(&[1, ENTRY as u8]);
        v.extend_from_slice(b"MD5");
        v
    }

    pub fn parse(v: &[u8]) -> Option<ArrayLocation> {
        let mut at = 0usize;
        let mut nums = [0u64; 4];
        for n in nums.iter_mut() {
            let len = *v.get(at)? as usize;
            let bytes = v.get(at + 1..at + 1 + len)?;
            if len > 8 {
                return None;
            }
            *n = bytes.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
            at += 1 + len;
        }
        if &v[at..] != b"MD5" || nums[3] != ENTRY as u64 {
            return None;
        }
        Some(ArrayLocation {
            start: nums[0].try_into().ok()?,
            end: nums[1].try_into().ok()?,
            count: nums[2].try_into().ok()?,
        })
    }

    /// Blocks the array takes.
    pub fn blocks(&self) -> u32 {
        (self.count as usize * ENTRY).div_ceil(BLOCK_SIZE) as u32
    }
}

/// The array: entry 0 the session's MD5, then one per file, then the MD5
/// of all those before it; zero-padded to whole blocks.
pub fn encode_array(session: &[u8; 16], files: &[[u8; 16]]) -> Vec<u8> {
    let mut v = Vec::with_capacity((files.len() + 2) * ENTRY);
    v.extend_from_slice(session);
    for f in files {
        v.extend_from_slice(f);
    }
    let all = Md5::of(&v);
    v.extend_from_slice(&all);
    v.resize(v.len().div_ceil(BLOCK_SIZE) * BLOCK_SIZE, 0);
    v
}

/// Which of libisofs's tags a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    Superblock,
    Tree,
    Session,
}

impl TagKind {
    fn id(self) -> &'static str {
        match self {
            TagKind::Superblock => "libisofs_sb_checksum_tag_v1",
            TagKind::Tree => "libisofs_tree_checksum_tag_v1",
            TagKind::Session => "libisofs_checksum_tag_v1",
        }
    }
}

/// A checksum tag: one block of text that a reader checksumming the
/// session from its start recognises on the fly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub kind: TagKind,
    /// LBA of the tag block itself.
    pub pos: u32,
    pub range_start: u32,
    pub range_size: u32,
    /// Superblock and tree tags: where the next tag is.
    pub next: Option<u32>,
    pub md5: [u8; 16],
}

impl Tag {
    /// The tag block: the line up to `md5=`, then `self=` (the MD5 of that
    /// text) and a newline, zeros after.
    pub fn encode(&self) -> Vec<u8> {
        let mut line = format!(
            "{} pos={} range_start={} range_size={}",
            self.kind.id(),
            self.pos,
            self.range_start,
            self.range_size
        );
        if let Some(next) = self.next {
            let _ = write!(line, " next={next}");
        }
        let _ = write!(line, " md5={}", hex(&self.md5));
        let own = Md5::of(line.as_bytes());
        let _ = writeln!(line, " self={}", hex(&own));
        let mut block = line.into_bytes();
        block.resize(BLOCK_SIZE, 0);
        block
    }

    /// The tag a block holds, if it is one whose `self=` holds.
    pub fn parse(block: &[u8]) -> Option<Tag> {
        let end = block.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&block[..end]).ok()?;
        let (signed, own) = line.rsplit_once(" self=")?;
        if unhex(own)? != Md5::of(signed.as_bytes()) {
            return None;
        }
        let mut words = signed.split(' ');
        let id = words.next()?;
        let kind = [TagKind::Superblock, TagKind::Tree, TagKind::Session]
            .into_iter()
            .find(|k| k.id() == id)?;
        let mut tag = Tag {
            kind,
            pos: 0,
            range_start: 0,
            range_size: 0,
            next: None,
            md5: [0; 16],
        };
        for w in words {
            let (key, value) = w.split_once('=')?;
            match key {
                "pos" => tag.pos = value.parse().ok()?,
                "range_start" => tag.range_start = value.parse().ok()?,
                "range_size" => tag.range_size = value.parse().ok()?,
                "next" => tag.next = Some(value.parse().ok()?),
                "md5" => tag.md5 = unhex(value)?,
                _ => return None,
            }
        }
        Some(tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_1321_test_suite() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(hex(&Md5::of(input)), want);
            // The same fed in uneven pieces.
            let mut m = Md5::new();
            for piece in input.chunks(7) {
                m.update(piece);
            }
            assert_eq!(hex(&m.finish()), want);
        }
    }

    #[test]
    fn the_session_tag_is_one_line_of_libisofs_text_signed_by_self() {
        let md5 = Md5::of(b"session");
        let tag = Tag {
            kind: TagKind::Session,
            pos: 1234,
            range_start: 1000,
            range_size: 234,
            next: None,
            md5,
        };
        let block = tag.encode();
        assert_eq!(block.len(), BLOCK_SIZE);
        let end = block.iter().position(|&b| b == b'\n').unwrap();
        assert!(block[end + 1..].iter().all(|&b| b == 0));
        let line = std::str::from_utf8(&block[..end]).unwrap();
        let signed = format!(
            "libisofs_checksum_tag_v1 pos=1234 range_start=1000 range_size=234 md5={}",
            hex(&md5)
        );
        assert_eq!(
            line,
            format!("{signed} self={}", hex(&Md5::of(signed.as_bytes())))
        );
        assert_eq!(Tag::parse(&block), Some(tag));
        // A changed digit breaks `self=`.
        let mut forged = block.clone();
        forged[30] ^= 1;
        assert_eq!(Tag::parse(&forged), None);
    }

    #[test]
    fn the_array_location_round_trips_and_reads_libisofs_short_numbers() {
        let at = ArrayLocation {
            start: 32,
            end: 1_000_000,
            count: 520,
        };
        assert_eq!(ArrayLocation::parse(&at.encode()), Some(at));
        // The example of susp_aaip_isofs_names.txt, minimal lengths.
        let short = [1, 32, 3, 15, 66, 64, 2, 2, 8, 1, 16, b'M', b'D', b'5'];
        assert_eq!(ArrayLocation::parse(&short), Some(at));
        assert_eq!(at.blocks(), 5);
    }
}
