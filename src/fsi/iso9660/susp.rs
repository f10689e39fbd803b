//! System Use Sharing Protocol and Rock Ridge: reading the entries of a
//! directory record (following `CE` continuation areas, with limits so a
//! hostile chain cannot loop or balloon) and encoding new ones.

use std::borrow::Cow;

use super::codec::{decode_dir_date, decode_vd_date};
use super::layout::susp::{self as entry, ce as ce_at, px as px_at, sp as sp_at, zf as zf_at};
use crate::error::{Error, Result};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::*;

/// Continuation areas followed per record before we call it a loop.
const MAX_CE_HOPS: usize = 32;
/// Longest NM name and SL target we accept (PATH_MAX is 4096).
const MAX_NAME: usize = 1024;
const MAX_LINK: usize = 4096;

pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFMT: u32 = 0o170000;

/// Rock Ridge facts about one directory record, borrowing from its system
/// use area where they can.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RockRidge<'a> {
    /// PX mode (type and permission bits), uid, gid.
    pub mode: Option<u32>,
    pub uid: u32,
    pub gid: u32,
    /// NM: the real name; `None` without NM (or for "." / ".."). One NM
    /// entry in the record itself, the usual case, is borrowed: a million
    /// entries import without a name allocation each.
    pub name: Option<Cow<'a, [u8]>>,
    /// SL: the symbolic link target.
    pub symlink: Option<Vec<u8>>,
    pub modified: Option<i64>,
    pub accessed: Option<i64>,
    pub changed: Option<i64>,
    /// CL: this record stands for a directory relocated to this LBA.
    pub child_link: Option<u32>,
    /// RE: this directory is a relocated one (skip it where it lies).
    pub relocated: bool,
    /// Entries our writer does not produce itself (ZF, AL/AA, unknown
    /// ones), back to back and byte for byte, for the next session to carry
    /// (session-bound checksum attributes already taken out).
    pub foreign: Vec<u8>,
}

fn bad(ctx: &dyn Fn() -> String, what: String) -> Error {
    Error::parse(
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "system use entries",
        None,
        format!("{}: {what}", ctx()),
    )
}

/// The Rock Ridge skip that applies to every system use area of the
/// volume, found from the root's "." record: `Some(bytes to skip)` when an
/// `SP` entry is present (directly or after a 14-byte CD-XA record).
pub fn detect(root_dot_su: &[u8]) -> Option<usize> {
    for xa in [0usize, 14] {
        let e = root_dot_su.get(xa..xa + sp_at::LEN)?;
        if entry::SIGNATURE.get(e) == b"SP"
            && entry::LENGTH.get(e) as usize >= sp_at::LEN
            && sp_at::CHECK.get(e) == sp_at::CHECK_BYTES
        {
            return Some(xa + sp_at::SKIP.get(e) as usize);
        }
    }
    None
}

/// A one-block cache: records of a directory usually share CE blocks.
#[derive(Default)]
pub struct CeCache {
    lba: Option<u32>,
    data: Vec<u8>,
}

impl CeCache {
    fn block(&mut self, src: &dyn BlockSource, lba: u32) -> Result<&[u8]> {
        if self.lba != Some(lba) {
            self.data.resize(BLOCK_SIZE, 0);
            super::read::read(src, lba, &mut self.data, "continuation area")?;
            self.lba = Some(lba);
        }
        Ok(&self.data)
    }
}

/// Whether an entry is one the next session writes anew or must not
/// repeat: ours (SP RR ER PX TF NM SL CE CL PL RE), or tied to its place
/// or session (ST PD ES). Everything else is carried.
fn rewritten(sig: &[u8; 2]) -> bool {
    matches!(
        sig,
        b"SP"
            | b"RR"
            | b"ER"
            | b"PX"
            | b"TF"
            | b"NM"
            | b"SL"
            | b"CE"
            | b"CL"
            | b"PL"
            | b"RE"
            | b"ST"
            | b"PD"
            | b"ES"
    )
}

/// An `ER` naming an extension other than Rock Ridge (which we announce
/// ourselves): AAIP's, say, which readers want before they honour `AL`.
fn foreign_er(e: &[u8]) -> bool {
    let id = e
        .get(4)
        .and_then(|&n| e.get(8..8 + n as usize))
        .unwrap_or_default();
    !matches!(id, b"RRIP_1991A" | b"IEEE_P1282" | b"IEEE_1282")
}

/// Parses the system use area `su` (after the volume's skip) of one
/// record, following continuation areas. `root_dot`: the root's "."
/// record, the only place an `ER` is carried from.
pub fn parse<'a>(
    src: &dyn BlockSource,
    cache: &mut CeCache,
    su: &'a [u8],
    root_dot: bool,
    ctx: &dyn Fn() -> String,
) -> Result<RockRidge<'a>> {
    let mut rr = RockRidge::default();
    let mut link = LinkBuilder::default();
    let mut area: Cow<'a, [u8]> = su.into();
    let mut hops = 0usize;
    loop {
        let mut next = None;
        let mut at = 0usize;
        while at + entry::HEAD_LEN <= area.len() {
            let head = &area[at..];
            let sig = [head[0], head[1]];
            let len = entry::LENGTH.get(head) as usize;
            if len < entry::HEAD_LEN || at + len > area.len() {
                // Padding or garbage after the last entry: what readers
                // tolerate, so do we.
                break;
            }
            let e = &area[at..at + len];
            // At most one record plus MAX_CE_HOPS blocks per record; the
            // importer bounds the sum over the tree.
            if !rewritten(&sig) || (root_dot && &sig == b"ER" && foreign_er(e)) {
                rr.foreign.extend_from_slice(e);
            }
            match &sig {
                b"ST" => break,
                b"CE" if len >= ce_at::LEN => {
                    next = Some((
                        ce_at::LOCATION.get(e),
                        ce_at::OFFSET.get(e),
                        ce_at::AREA_LENGTH.get(e),
                    ))
                }
                b"PX" if len >= px_at::LEN => {
                    rr.mode = Some(px_at::MODE.get(e));
                    rr.uid = px_at::UID.get(e);
                    rr.gid = px_at::GID.get(e);
                }
                b"NM" if len >= entry::FLAGGED_DATA && entry::FLAGS.get(e) & 0b110 == 0 => {
                    let part = at + entry::FLAGGED_DATA..at + len;
                    let name = match (rr.name.take(), &area) {
                        (None, &Cow::Borrowed(record)) => Cow::Borrowed(&record[part]),
                        (name, _) => {
                            let mut name = name.unwrap_or_default().into_owned();
                            name.extend_from_slice(&area[part]);
                            Cow::Owned(name)
                        }
                    };
                    let name = rr.name.insert(name);
                    if name.len() > MAX_NAME {
                        return Err(bad(ctx, format!("NM name longer than {MAX_NAME} bytes")));
                    }
                }
                b"SL" if len >= entry::FLAGGED_DATA => {
                    link.add(&e[entry::FLAGGED_DATA..])
                        .map_err(|w| bad(ctx, w))?;
                    rr.symlink = Some(Vec::new());
                }
                b"TF" if len >= entry::FLAGGED_DATA => parse_tf(e, &mut rr),
                b"CL" if len >= entry::CHILD_LINK.range().end => {
                    rr.child_link = Some(entry::CHILD_LINK.get(e))
                }
                b"RE" => rr.relocated = true,
                _ => {}
            }
            at += len;
        }
        let Some((lba, offset, length)) = next else {
            break;
        };
        hops += 1;
        if hops > MAX_CE_HOPS {
            return Err(bad(
                ctx,
                format!("more than {MAX_CE_HOPS} continuation areas (a CE loop)"),
            ));
        }
        let end = offset as u64 + length as u64;
        if length == 0 || end > BLOCK_SIZE as u64 {
            return Err(bad(
                ctx,
                format!("continuation area at block {lba} offset {offset} length {length} leaves its block"),
            ));
        }
        let block = cache.block(src, lba)?;
        area = block[offset as usize..end as usize].to_vec().into();
    }
    if rr.symlink.is_some() {
        rr.symlink = Some(link.finish());
    }
    // Only an `AL` location is rewritten by the writer; one in an AAIP 1.0
    // `AA` list goes like the rest.
    for (sig, keep_location) in [(b"AL", root_dot), (b"AA", false)] {
        if rr.foreign.is_empty() {
            break;
        }
        if let Some(kept) = aaip::without_session_attrs(&rr.foreign, sig, keep_location) {
            rr.foreign = kept;
        }
    }
    Ok(rr)
}

fn parse_tf(e: &[u8], rr: &mut RockRidge) {
    let flags = entry::FLAGS.get(e);
    let long = flags & 0x80 != 0;
    let size = if long { 17 } else { 7 };
    let mut at = entry::FLAGGED_DATA;
    for bit in 0..7 {
        if flags & (1 << bit) == 0 {
            continue;
        }
        let Some(raw) = e.get(at..at + size) else {
            return;
        };
        let t = if long {
            decode_vd_date(raw)
        } else {
            decode_dir_date(raw)
        };
        match bit {
            1 => rr.modified = t,
            2 => rr.accessed = t,
            3 => rr.changed = t,
            _ => {}
        }
        at += size;
    }
}

/// The uncompressed size a zisofs `ZF` entry among `entries` records
/// (readers show that size; the record holds the compressed one).
pub fn zisofs_size(entries: &[u8]) -> Option<u64> {
    let mut at = 0usize;
    while let Some(&len) = entries.get(at + entry::LENGTH.0) {
        let e = entries
            .get(at..at + len as usize)
            .filter(|_| len as usize >= entry::HEAD_LEN)?;
        if entry::SIGNATURE.get(e) == b"ZF"
            && len as usize >= zf_at::LEN
            && zf_at::ALGORITHM.get(e) == b"pz"
        {
            return Some(zf_at::UNCOMPRESSED_SIZE.get(e).into());
        }
        at += len as usize;
    }
    None
}

/// AAIP attribute lists (`AL`, and `AA` of AAIP 1.0): the same component
/// records as `SL`, as one byte stream over the record's entries, pairing
/// names with values.
mod aaip {
    use super::entry;

    /// Attributes that speak for the session that recorded them (libisofs's
    /// MD5 array location and per-file index, its production time): carried
    /// into our session they would point readers at checksums of another
    /// session, so they go — except the root's array location, which stays
    /// as the sign that the disc keeps checksums: the writer then records
    /// its own and rewrites it (see `checksum`). Names come with the
    /// "isofs." prefix spelled out or as its AAIP short form, byte 4.
    fn session_bound(name: &[u8], root_dot: bool) -> bool {
        match isofs_name(name) {
            Some(b"ca") => !root_dot,
            Some(b"cx" | b"st") => true,
            _ => false,
        }
    }

    fn isofs_name(name: &[u8]) -> Option<&[u8]> {
        name.strip_prefix(b"\x04")
            .or_else(|| name.strip_prefix(b"isofs."))
    }

    /// The entries (each whole) of `foreign` whose signature is `sig`.
    fn entries<'a>(foreign: &'a [u8], sig: &'a [u8; 2]) -> impl Iterator<Item = (usize, &'a [u8])> {
        let mut at = 0usize;
        std::iter::from_fn(move || {
            while at + entry::HEAD_LEN <= foreign.len() {
                let len = (entry::LENGTH.get(&foreign[at..]) as usize).max(entry::HEAD_LEN);
                let e = foreign.get(at..at + len)?;
                let here = at;
                at += len;
                if entry::SIGNATURE.get(e) == sig {
                    return Some((here, e));
                }
            }
            None
        })
    }

    /// Components of the record stream `s`, or `None` if it is not one
    /// (then the list is carried untouched: readers see what they saw).
    fn components(mut s: &[u8]) -> Option<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut cur = Vec::new();
        while let [flags, len, rest @ ..] = s {
            if flags & !1 != 0 {
                return None;
            }
            let bytes = rest.get(..*len as usize)?;
            cur.extend_from_slice(bytes);
            if flags & 1 == 0 {
                out.push(std::mem::take(&mut cur));
            }
            s = &rest[*len as usize..];
        }
        (s.is_empty() && cur.is_empty() && out.len() % 2 == 0).then_some(out)
    }

    /// The `sig` list of `foreign` as (name, value) pairs, with where its
    /// entries are; `None` without one or when it is malformed.
    #[allow(clippy::type_complexity)]
    fn decode<'a>(
        foreign: &'a [u8],
        sig: &'a [u8; 2],
    ) -> Option<(Vec<(usize, &'a [u8])>, Vec<(Vec<u8>, Vec<u8>)>)> {
        let found: Vec<(usize, &[u8])> = entries(foreign, sig).collect();
        found.first()?;
        let mut stream = Vec::new();
        for (i, (_, e)) in found.iter().enumerate() {
            // Every entry but the last continues the list.
            let continues = *e.get(entry::FLAGS.0)? & 1 != 0;
            if continues != (i + 1 < found.len()) {
                return None;
            }
            stream.extend_from_slice(&e[entry::FLAGGED_DATA..]);
        }
        let mut comps = components(&stream)?.into_iter();
        let mut pairs = Vec::new();
        while let (Some(n), Some(v)) = (comps.next(), comps.next()) {
            pairs.push((n, v));
        }
        Some((found, pairs))
    }

    /// `sig` entries holding `pairs` as one attribute list.
    pub fn encode(sig: &[u8; 2], pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut records = Vec::new();
        for comp in pairs.iter().flat_map(|(n, v)| [n, v]) {
            let mut pieces = comp.chunks(255).peekable();
            if pieces.peek().is_none() {
                records.extend_from_slice(&[0, 0]);
            }
            while let Some(piece) = pieces.next() {
                records.push(pieces.peek().is_some() as u8);
                records.push(piece.len() as u8);
                records.extend_from_slice(piece);
            }
        }
        let mut list = Vec::new();
        let count = records.len().div_ceil(250);
        for (i, chunk) in records.chunks(250).enumerate() {
            list.extend_from_slice(&super::head(sig, entry::FLAGGED_DATA + chunk.len()));
            list.push((i + 1 < count) as u8);
            list.extend_from_slice(chunk);
        }
        list
    }

    /// `foreign` with its `sig` list rewritten by `edit` (which changes
    /// the pairs in place and says whether it changed anything), or `None`
    /// when nothing changed. The new list takes the place of the first
    /// old entry.
    fn rewrite(
        foreign: &[u8],
        sig: &[u8; 2],
        edit: impl FnOnce(&mut Vec<(Vec<u8>, Vec<u8>)>) -> bool,
    ) -> Option<Vec<u8>> {
        let (found, mut pairs) = decode(foreign, sig)?;
        if !edit(&mut pairs) {
            return None;
        }
        let list = encode(sig, &pairs);
        let first = found[0].0;
        let mut out = Vec::with_capacity(foreign.len());
        let mut at = 0usize;
        for (pos, e) in found {
            out.extend_from_slice(&foreign[at..pos]);
            if pos == first {
                out.extend_from_slice(&list);
            }
            at = pos + e.len();
        }
        out.extend_from_slice(&foreign[at..]);
        Some(out)
    }

    /// `foreign` without the session-bound attributes of its `sig` list,
    /// or `None` when there is nothing to take out.
    pub fn without_session_attrs(foreign: &[u8], sig: &[u8; 2], root_dot: bool) -> Option<Vec<u8>> {
        rewrite(foreign, sig, |pairs| {
            let before = pairs.len();
            pairs.retain(|(n, _)| !session_bound(n, root_dot));
            pairs.len() != before
        })
    }

    /// The value of `isofs.ca` in the `AL` list of `foreign`.
    pub fn array_location(foreign: &[u8]) -> Option<Vec<u8>> {
        let (_, pairs) = decode(foreign, b"AL")?;
        pairs
            .into_iter()
            .find(|(n, _)| isofs_name(n) == Some(b"ca"))
            .map(|(_, v)| v)
    }

    /// `foreign` with the value of `isofs.ca` in its `AL` list replaced by
    /// `value`; `None` when there is no such attribute.
    pub fn with_array_location(foreign: &[u8], value: &[u8]) -> Option<Vec<u8>> {
        rewrite(foreign, b"AL", |pairs| {
            let is_ca = |n: &[u8]| isofs_name(n) == Some(b"ca");
            let Some(at) = pairs.iter().position(|(n, _)| is_ca(n)) else {
                return false;
            };
            pairs[at].1 = value.to_vec();
            // A second location would still point at the old array.
            let mut k = 0;
            pairs.retain(|(n, _)| {
                k += 1;
                k - 1 == at || !is_ca(n)
            });
            true
        })
    }

    /// `foreign` (may be empty) with `isofs.cx` = `value` in its `AL`
    /// list, a new list when it has none; `None` when its list is
    /// malformed (a second list would make readers drop both).
    pub fn with_file_index(foreign: &[u8], value: &[u8]) -> Option<Vec<u8>> {
        if entries(foreign, b"AL").next().is_none() {
            let cx = (b"\x04cx".to_vec(), value.to_vec());
            return Some([foreign, &encode(b"AL", &[cx])].concat());
        }
        rewrite(foreign, b"AL", |pairs| {
            pairs.retain(|(n, _)| isofs_name(n) != Some(b"cx"));
            pairs.push((b"\x04cx".to_vec(), value.to_vec()));
            true
        })
    }
    /// AAIP's `ER` (as libisofs writes it) and an `AL` list naming a
    /// checksum array, for a root that had none: the writer takes a root
    /// with an array location as the sign to record session checksums
    /// and fills in the real location (`with_array_location`), and readers
    /// honour `AL` only after the `ER`.
    pub fn checksum_root(location: &[u8]) -> Vec<u8> {
        let id: &[u8] = b"AAIP_0200";
        let des: &[u8] =
            b"AL PROVIDES VIA AAIP 2.0 SUPPORT FOR ARBITRARY FILE ATTRIBUTES IN ISO 9660 IMAGES";
        let src: &[u8] = b"PLEASE CONTACT THE LIBBURNIA PROJECT VIA LIBBURNIA-PROJECT.ORG";
        let mut er = vec![
            b'E',
            b'R',
            0,
            1,
            id.len() as u8,
            des.len() as u8,
            src.len() as u8,
            1,
        ];
        er.extend_from_slice(id);
        er.extend_from_slice(des);
        er.extend_from_slice(src);
        er[2] = er.len() as u8;
        [
            er,
            encode(b"AL", &[(b"\x04ca".to_vec(), location.to_vec())]),
        ]
        .concat()
    }
}

pub use aaip::{array_location, checksum_root, with_array_location, with_file_index};

/// Joins SL component records into a path.
#[derive(Default)]
struct LinkBuilder {
    parts: Vec<Vec<u8>>,
    absolute: bool,
    continuing: bool,
    total: usize,
}

impl LinkBuilder {
    fn add(&mut self, mut comps: &[u8]) -> std::result::Result<(), String> {
        while comps.len() >= 2 {
            let (flags, len) = (comps[0], comps[1] as usize);
            let Some(bytes) = comps.get(2..2 + len) else {
                return Err(format!("SL component of {len} bytes overruns its entry"));
            };
            let piece: &[u8] = match flags & 0b1110 {
                0b0010 => b".",
                0b0100 => b"..",
                0b1000 => {
                    if self.parts.is_empty() {
                        self.absolute = true;
                    }
                    comps = &comps[2 + len..];
                    continue;
                }
                _ => bytes,
            };
            self.total += piece.len() + 1;
            if self.total > MAX_LINK {
                return Err(format!("SL target longer than {MAX_LINK} bytes"));
            }
            if self.continuing {
                if let Some(last) = self.parts.last_mut() {
                    last.extend_from_slice(piece);
                }
            } else {
                self.parts.push(piece.to_vec());
            }
            self.continuing = flags & 1 != 0;
            comps = &comps[2 + len..];
        }
        Ok(())
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.absolute {
            out.push(b'/');
        }
        out.extend(self.parts.join(&b'/'));
        out
    }
}

// ---------------------------------------------------------------- encoding

/// SUSP entries of one record, encoded back to back into one reused
/// buffer (a directory of 100,000 records costs no allocation per record).
#[derive(Debug, Default)]
pub struct Entries {
    bytes: Vec<u8>,
    /// End offset of each entry.
    ends: Vec<usize>,
}

impl Entries {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn total(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes of entries `range`.
    pub fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        let from = if range.start == 0 {
            0
        } else {
            self.ends[range.start - 1]
        };
        let to = if range.end == 0 {
            0
        } else {
            self.ends[range.end - 1]
        };
        &self.bytes[from..to]
    }

    fn entry_len(&self, i: usize) -> usize {
        self.ends[i] - if i == 0 { 0 } else { self.ends[i - 1] }
    }

    fn push(&mut self, sig: &[u8; 2], parts: &[&[u8]]) {
        let len = entry::HEAD_LEN + parts.iter().map(|p| p.len()).sum::<usize>();
        debug_assert!(len <= 255, "SUSP entry of {len} bytes");
        self.bytes.extend_from_slice(&head(sig, len));
        for p in parts {
            self.bytes.extend_from_slice(p);
        }
        self.ends.push(self.bytes.len());
    }

    /// Entries already encoded back to back (carried from an imported
    /// record), each kept whole so a split never cuts one.
    pub fn raw(&mut self, entries: &[u8]) {
        let mut at = 0usize;
        while let Some(&len) = entries.get(at + entry::LENGTH.0) {
            let Some(e) = entries
                .get(at..at + len as usize)
                .filter(|_| len as usize >= entry::HEAD_LEN)
            else {
                break;
            };
            self.bytes.extend_from_slice(e);
            self.ends.push(self.bytes.len());
            at += len as usize;
        }
    }

    /// `SP` for the root's "." record (no bytes skipped).
    pub fn sp(&mut self) {
        let [a, b] = sp_at::CHECK_BYTES;
        self.push(b"SP", &[&[a, b, 0]]);
    }

    /// `RR` (RRIP 1.09): which Rock Ridge entries the record carries.
    pub fn rr(&mut self, px: bool, nm: bool, sl: bool, tf: bool) {
        let flags = px as u8 | (sl as u8) << 2 | (nm as u8) << 3 | (tf as u8) << 7;
        self.push(b"RR", &[&[flags]]);
    }

    /// `ER` naming RRIP 1.09 (`RRIP_1991A`), as genisoimage and xorriso
    /// write it.
    pub fn er(&mut self) {
        let id = b"RRIP_1991A";
        let des: &[u8] =
            b"THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
        let src: &[u8] = b"PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";
        let head = [id.len() as u8, des.len() as u8, src.len() as u8, 1];
        self.push(b"ER", &[&head, id, des, src]);
    }

    /// `PX` in the 36-byte RRIP 1.09 form.
    pub fn px(&mut self, mode: u32, links: u32, uid: u32, gid: u32) {
        let mut e = [0u8; px_at::LEN];
        e[..entry::HEAD_LEN].copy_from_slice(&head(b"PX", px_at::LEN));
        px_at::MODE.put(&mut e, mode);
        px_at::LINKS.put(&mut e, links);
        px_at::UID.put(&mut e, uid);
        px_at::GID.put(&mut e, gid);
        self.bytes.extend_from_slice(&e);
        self.ends.push(self.bytes.len());
    }

    /// `TF` with modify, access and attribute-change times (flags 0x0E, the
    /// set both peers write).
    pub fn tf(&mut self, modified: i64, accessed: i64, changed: i64) {
        let mut p = [0u8; 22];
        p[0] = 0x0E;
        for (i, t) in [modified, accessed, changed].into_iter().enumerate() {
            p[1 + i * 7..8 + i * 7].copy_from_slice(&super::codec::encode_dir_date(t));
        }
        self.push(b"TF", &[&p]);
    }

    /// `NM` entries for `name`, split into pieces that fit an entry each.
    pub fn nm(&mut self, name: &[u8]) {
        let count = name.len().div_ceil(250).max(1);
        for (i, piece) in name.chunks(250).enumerate() {
            self.push(b"NM", &[&[(i + 1 < count) as u8], piece]);
        }
    }

    /// `SL` entries for a symbolic link `target`.
    pub fn sl(&mut self, target: &[u8]) {
        // Component records (flags, bytes); long components are split with
        // the continue flag so every record fits an empty entry.
        let mut comps: Vec<(u8, &[u8])> = Vec::new();
        if target.first() == Some(&b'/') {
            comps.push((8, &[]));
        }
        for part in target.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
            match part {
                b"." => comps.push((2, &[])),
                b".." => comps.push((4, &[])),
                _ => {
                    let n = part.len().div_ceil(248);
                    for (i, c) in part.chunks(248).enumerate() {
                        comps.push(((i + 1 < n) as u8, c));
                    }
                }
            }
        }
        // Every SL entry but the last has its continue flag set.
        let mut payload = vec![0u8];
        for (flags, bytes) in comps {
            if 4 + payload.len() + 2 + bytes.len() > 255 {
                payload[0] = 1;
                self.push(b"SL", &[&payload]);
                payload = vec![0u8];
            }
            payload.push(flags);
            payload.push(bytes.len() as u8);
            payload.extend_from_slice(bytes);
        }
        self.push(b"SL", &[&payload]);
    }
}

/// Size of a `CE` entry.
pub const CE_LEN: usize = ce_at::LEN;

pub fn ce(lba: u32, offset: u32, length: u32) -> [u8; CE_LEN] {
    let mut e = [0u8; CE_LEN];
    e[..entry::HEAD_LEN].copy_from_slice(&head(b"CE", CE_LEN));
    ce_at::LOCATION.put(&mut e, lba);
    ce_at::OFFSET.put(&mut e, offset);
    ce_at::AREA_LENGTH.put(&mut e, length);
    e
}

/// The four bytes that open every entry: signature, length, version 1.
fn head(sig: &[u8; 2], len: usize) -> [u8; entry::HEAD_LEN] {
    [sig[0], sig[1], len as u8, 1]
}

/// How a record's entries are spread: entries `0..inline` stay in the
/// record, each range in `areas` goes to one continuation area (at most one
/// block), in chain order. A `CE` entry (not counted here) ends the inline
/// part and every area but the last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    pub inline: usize,
    pub areas: Vec<std::ops::Range<usize>>,
}

impl Split {
    /// Bytes the record's system use area takes.
    pub fn inline_len(&self, e: &Entries) -> usize {
        e.bytes(0..self.inline).len() + if self.areas.is_empty() { 0 } else { CE_LEN }
    }

    /// Bytes of area `i` including its trailing `CE` where one follows.
    pub fn area_len(&self, e: &Entries, i: usize) -> usize {
        e.bytes(self.areas[i].clone()).len() + if i + 1 < self.areas.len() { CE_LEN } else { 0 }
    }
}

/// Spreads `e` over `room` bytes in the record and as many continuation
/// areas as needed.
pub fn split(e: &Entries, room: usize) -> Split {
    if e.total() <= room {
        return Split {
            inline: e.len(),
            areas: Vec::new(),
        };
    }
    let mut used = 0;
    let mut i = 0;
    while i < e.len() && used + e.entry_len(i) + CE_LEN <= room {
        used += e.entry_len(i);
        i += 1;
    }
    let mut out = Split {
        inline: i,
        areas: Vec::new(),
    };
    while i < e.len() {
        let from = i;
        if e.bytes(i..e.len()).len() <= BLOCK_SIZE {
            i = e.len();
        } else {
            let mut area = 0;
            while i < e.len() && area + e.entry_len(i) + CE_LEN <= BLOCK_SIZE {
                area += e.entry_len(i);
                i += 1;
            }
        }
        out.areas.push(from..i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoBlocks;
    impl BlockSource for NoBlocks {
        fn read_blocks(&self, lba: u32, _: &mut [u8]) -> Result<()> {
            Err(Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("no block {lba}"),
            ))
        }
    }

    fn parse_inline(e: &Entries) -> RockRidge<'_> {
        parse(
            &NoBlocks,
            &mut CeCache::default(),
            e.bytes(0..e.len()),
            false,
            &String::new,
        )
        .unwrap()
    }

    #[test]
    fn a_name_in_one_nm_entry_is_borrowed_and_one_in_several_is_joined() {
        let mut e = Entries::default();
        e.nm(b"short name");
        let rr = parse_inline(&e);
        assert!(matches!(rr.name, Some(Cow::Borrowed(b"short name"))));
        let long = "n".repeat(400).into_bytes();
        let mut e = Entries::default();
        e.nm(&long);
        let rr = parse_inline(&e);
        assert_eq!(rr.name.as_deref(), Some(&long[..]));
        assert!(matches!(rr.name, Some(Cow::Owned(_))), "several NM entries");
    }

    #[test]
    fn long_names_and_links_survive_encoding() {
        let name = "ä".repeat(120).into_bytes();
        let target = format!("/{}/../x/./{}", "d".repeat(300), "e".repeat(10)).into_bytes();
        let mut e = Entries::default();
        e.nm(&name);
        e.sl(&target);
        e.px(S_IFLNK | 0o777, 1, 10, 20);
        e.tf(1_000, 2_000, 3_000);
        let rr = parse_inline(&e);
        assert_eq!(rr.name.as_deref(), Some(&name[..]));
        assert_eq!(rr.symlink.as_deref(), Some(&target[..]));
        assert_eq!((rr.mode, rr.uid, rr.gid), (Some(S_IFLNK | 0o777), 10, 20));
        assert_eq!(
            (rr.modified, rr.accessed, rr.changed),
            (Some(1_000), Some(2_000), Some(3_000))
        );
    }

    #[test]
    fn split_spills_to_continuation_areas_of_one_block_each() {
        let mut e = Entries::default();
        for _ in 0..20 {
            e.push(b"PD", &[&[0u8; 200]]);
        }
        let s = split(&e, 150);
        assert!(s.inline_len(&e) <= 150);
        assert!(s.areas.len() >= 2);
        for i in 0..s.areas.len() {
            assert!(s.area_len(&e, i) <= BLOCK_SIZE);
        }
        assert_eq!(s.areas.last().unwrap().end, 20);
        assert_eq!(s.areas[0].start, s.inline);
    }

    #[test]
    fn sp_detection_finds_the_skip_with_or_without_cd_xa() {
        let mut e = Entries::default();
        e.sp();
        assert_eq!(detect(e.bytes(0..1)), Some(0));
        let mut xa = vec![0u8; 14];
        xa.extend_from_slice(e.bytes(0..1));
        assert_eq!(detect(&xa), Some(14));
        assert_eq!(detect(b"PX"), None);
    }

    #[test]
    fn continuation_areas_that_leave_their_block_are_rejected() {
        let su = ce(5, 2000, 100);
        let e = parse(&NoBlocks, &mut CeCache::default(), &su, false, &String::new);
        assert_eq!(
            e.unwrap_err().code(),
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR
        );
    }

    /// An entry with signature `sig` and `payload`.
    fn entry(sig: &[u8; 2], payload: &[u8]) -> Vec<u8> {
        let mut e = vec![sig[0], sig[1], 4 + payload.len() as u8, 1];
        e.extend_from_slice(payload);
        e
    }

    #[test]
    fn unknown_and_aaip_entries_are_kept_and_rock_ridge_ones_are_not() {
        let xy = entry(b"XY", b"anything");
        let zf = entry(b"ZF", b"pz\x04\x0f\x00\x00\x00\x00\x00\x00\x00\x00");
        let mut e = Entries::default();
        e.sp();
        e.px(S_IFREG | 0o644, 1, 0, 0);
        e.nm(b"name");
        e.er();
        let mut su = e.bytes(0..e.len()).to_vec();
        su.extend_from_slice(&xy);
        su.extend(entry(b"PD", &[0; 4]));
        su.extend_from_slice(&zf);
        su.extend(entry(b"ST", &[]));
        su.extend(entry(b"QQ", b"after ST"));
        let rr = parse(&NoBlocks, &mut CeCache::default(), &su, false, &String::new).unwrap();
        assert_eq!(rr.foreign, [xy, zf].concat());
        assert_eq!(rr.name.as_deref(), Some(&b"name"[..]));
    }

    /// An `ER` entry naming `id`.
    fn er(id: &[u8]) -> Vec<u8> {
        let mut p = vec![id.len() as u8, 1, 1, 1];
        p.extend_from_slice(id);
        p.extend_from_slice(b"DS");
        entry(b"ER", &p)
    }

    #[test]
    fn only_the_root_carries_er_and_never_the_rock_ridge_one() {
        let aaip = er(b"AAIP_0200");
        let su = [er(b"RRIP_1991A"), aaip.clone(), er(b"IEEE_1282")].concat();
        let parse_as = |root| {
            parse(&NoBlocks, &mut CeCache::default(), &su, root, &String::new)
                .unwrap()
                .foreign
        };
        assert_eq!(parse_as(true), aaip);
        assert!(parse_as(false).is_empty());
    }

    /// AL entries holding `pairs` as one list, `per` component bytes each.
    fn al(pairs: &[(&[u8], &[u8])], per: usize) -> Vec<u8> {
        let mut records = Vec::new();
        for c in pairs.iter().flat_map(|(n, v)| [*n, *v]) {
            records.extend_from_slice(&[0, c.len() as u8]);
            records.extend_from_slice(c);
        }
        let n = records.len().div_ceil(per);
        records
            .chunks(per)
            .enumerate()
            .flat_map(|(i, c)| entry(b"AL", &[&[(i + 1 < n) as u8][..], c].concat()))
            .collect()
    }

    #[test]
    fn checksum_attributes_leave_the_attribute_list_and_the_rest_stays() {
        let acl: &[u8] = &[0x16, 0x34, 0x64];
        let kept = [(&b""[..], acl), (b"\x03x", b"hello")];
        let xy = entry(b"XY", b"z");
        // A list of three entries, a component cut across two of them.
        let su = [
            xy.clone(),
            al(
                &[
                    kept[0],
                    (b"\x04cx", &[1, 2]),
                    kept[1],
                    (b"isofs.ca", &[9; 40]),
                ],
                20,
            ),
            xy.clone(),
        ]
        .concat();
        let rr = parse(&NoBlocks, &mut CeCache::default(), &su, false, &String::new).unwrap();
        assert_eq!(
            rr.foreign,
            [xy.clone(), al(&kept, 250), xy.clone()].concat()
        );

        // Nothing session-bound: verbatim, entry boundaries and all.
        let plain = al(&kept, 7);
        let rr = parse(
            &NoBlocks,
            &mut CeCache::default(),
            &plain,
            false,
            &String::new,
        )
        .unwrap();
        assert_eq!(rr.foreign, plain);

        // Only checksums: the list goes, the other entries stay.
        let only = [al(&[(b"\x04ca", &[1]), (b"\x04cx", &[2])], 250), xy.clone()].concat();
        let rr = parse(
            &NoBlocks,
            &mut CeCache::default(),
            &only,
            false,
            &String::new,
        )
        .unwrap();
        assert_eq!(rr.foreign, xy);
    }

    #[test]
    fn the_root_keeps_the_array_location_for_the_writer_to_rewrite() {
        let acl: &[u8] = &[0x16, 0x34, 0x64];
        let su = al(
            &[(b"", acl), (b"\x04ca", &[1, 32]), (b"isofs.st", b"1")],
            250,
        );
        let rr = parse(&NoBlocks, &mut CeCache::default(), &su, true, &String::new).unwrap();
        assert_eq!(rr.foreign, al(&[(b"", acl), (b"\x04ca", &[1, 32])], 250));
        assert_eq!(array_location(&rr.foreign), Some(vec![1, 32]));
        let ours = with_array_location(&rr.foreign, b"new").unwrap();
        assert_eq!(ours, al(&[(b"", acl), (b"\x04ca", b"new")], 250));
        // One location, however many the old list had.
        let twice = al(&[(b"\x04ca", &[1]), (b"", acl), (b"isofs.ca", &[2])], 250);
        assert_eq!(
            with_array_location(&twice, b"new").unwrap(),
            al(&[(b"\x04ca", b"new"), (b"", acl)], 250)
        );
        // An AAIP 1.0 list keeps no location: nothing would rewrite it.
        let aa = al(&[(b"\x04ca", &[1]), (b"", acl)], 250);
        let aa = [&b"AA"[..], &aa[2..]].concat();
        let rr = parse(&NoBlocks, &mut CeCache::default(), &aa, true, &String::new).unwrap();
        assert_eq!(
            rr.foreign,
            [&b"AA"[..], &al(&[(b"", acl)], 250)[2..]].concat()
        );
        // A file gets its index in a list of its own or in the one it has.
        assert_eq!(
            with_file_index(&[], &[0, 0, 0, 7]).unwrap(),
            al(&[(b"\x04cx", &[0, 0, 0, 7])], 250)
        );
        assert_eq!(
            with_file_index(&al(&[(b"", acl)], 250), &[9]).unwrap(),
            al(&[(b"", acl), (b"\x04cx", &[9])], 250)
        );
    }

    #[test]
    fn a_malformed_attribute_list_is_carried_untouched() {
        // A component record overrunning the stream.
        let bad = entry(b"AL", &[0, 0, 9, 4, b'c']);
        let rr = parse(
            &NoBlocks,
            &mut CeCache::default(),
            &bad,
            false,
            &String::new,
        )
        .unwrap();
        assert_eq!(rr.foreign, bad);
    }

    #[test]
    fn the_zisofs_size_comes_from_zf() {
        let mut zf = vec![b'Z', b'F', 16, 1, b'p', b'z', 4, 15];
        zf.extend(300_000u32.to_le_bytes());
        zf.extend(300_000u32.to_be_bytes());
        let with = [entry(b"AL", &[0, 0, 0]), zf].concat();
        assert_eq!(zisofs_size(&with), Some(300_000));
        assert_eq!(zisofs_size(&entry(b"AL", &[0, 0, 0])), None);
        assert_eq!(zisofs_size(&[b'Z', b'F', 2]), None);
    }

    #[test]
    fn raw_entries_keep_their_boundaries() {
        let bytes = [entry(b"XY", b"1"), entry(b"ZF", &[0; 12])].concat();
        let mut e = Entries::default();
        e.px(0, 1, 0, 0);
        e.raw(&bytes);
        assert_eq!(e.len(), 3);
        assert_eq!(e.bytes(1..3), &bytes[..]);
    }
}
