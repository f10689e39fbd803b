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

/// MD5 (RFC 1321), streamed.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    pending: [u8; 64],
    filled: usize,
    bytes: u64,
}

impl Default for Md5 {
    fn default() -> Self {
        Md5 {
            state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
            pending: [0; 64],
            filled: 0,
            bytes: 0,
        }
    }
}

const SHIFTS: [[u32; 4]; 4] = [
    [7, 12, 17, 22],
    [5, 9, 14, 20],
    [4, 11, 16, 23],
    [6, 10, 15, 21],
];

/// floor(|sin(i + 1)| * 2^32), RFC 1321's table T.
fn sine_table() -> [u32; 64] {
    let mut t = [0u32; 64];
    for (i, v) in t.iter_mut().enumerate() {
        *v = ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32;
    }
    t
}

static SINES: std::sync::OnceLock<[u32; 64]> = std::sync::OnceLock::new();

impl Md5 {
    pub fn new() -> Md5 {
        Md5::default()
    }

    fn compress(&mut self, block: &[u8; 64]) {
        let t = SINES.get_or_init(sine_table);
        let mut m = [0u32; 16];
        for (i, w) in m.iter_mut().enumerate() {
            *w = u32::from_le_bytes(block[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        }
        let [mut a, mut b, mut c, mut d] = self.state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(t[i])
                .wrapping_add(m[g])
                .rotate_left(SHIFTS[i / 16][i % 4]);
            (a, d, c) = (d, c, b);
            b = b.wrapping_add(rotated);
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.bytes = self.bytes.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let take = (64 - self.filled).min(data.len());
            self.pending[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < 64 {
                return;
            }
            let block = self.pending;
            self.compress(&block);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            self.compress(block.try_into().expect("64 bytes"));
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    pub fn finish(mut self) -> [u8; 16] {
        let bits = self.bytes.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_le_bytes());
        let mut out = [0u8; 16];
        for (i, s) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&s.to_le_bytes());
        }
        out
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
