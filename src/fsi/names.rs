//! Names: which file systems an image holds, what a caller may call an
//! item, and how a real (Rock Ridge) name becomes an ECMA-119 or a Joliet
//! identifier.
//!
//! The Rock Ridge name is the item's identity in the tree (it is what
//! POSIX readers show and what genisoimage matches old and new entries by);
//! the ECMA-119 and Joliet identifiers are derived per build, made unique
//! per directory, and may differ between sessions.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::hresult::{
    MS_IMAPI_E_INVALID_PARAM, MS_IMAPI_E_INVALID_PATH, MS_IMAPI_E_INVALID_VOLUME_NAME,
    MS_IMAPI_E_RESTRICTED_NAME_VIOLATION,
};

/// `FsiFileSystems` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileSystems(u32);

impl FileSystems {
    pub const NONE: FileSystems = FileSystems(0);
    pub const ISO9660: FileSystems = FileSystems(1);
    pub const JOLIET: FileSystems = FileSystems(2);
    pub const UDF: FileSystems = FileSystems(4);
    /// `FsiFileSystemUnknown`: something is there that we do not recognise.
    pub const UNKNOWN: FileSystems = FileSystems(0x4000_0000);
    const KNOWN: u32 = 1 | 2 | 4 | 0x4000_0000;

    /// Parses a caller's mask; undefined bits are an `IMAPI_E_INVALID_PARAM`.
    pub fn from_bits(bits: u32) -> Result<FileSystems> {
        if bits & !Self::KNOWN != 0 {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PARAM,
                format!("file system mask {bits:#x} has undefined bits"),
            ));
        }
        Ok(FileSystems(bits))
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, other: FileSystems) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// "ISO 9660 + Joliet", "UDF", "none": for messages.
impl std::fmt::Display for FileSystems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let named = [
            (FileSystems::ISO9660, "ISO 9660"),
            (FileSystems::JOLIET, "Joliet"),
            (FileSystems::UDF, "UDF"),
            (FileSystems::UNKNOWN, "an unknown file system"),
        ];
        let parts: Vec<&str> = named
            .iter()
            .filter(|(fs, _)| self.contains(*fs))
            .map(|(_, name)| *name)
            .collect();
        if parts.is_empty() {
            f.write_str("no file system")
        } else {
            f.write_str(&parts.join(" + "))
        }
    }
}

impl std::ops::BitOr for FileSystems {
    type Output = FileSystems;
    fn bitor(self, rhs: FileSystems) -> FileSystems {
        FileSystems(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for FileSystems {
    fn bitor_assign(&mut self, rhs: FileSystems) {
        self.0 |= rhs.0;
    }
}

/// Longest Rock Ridge name we accept (POSIX NAME_MAX, in UTF-8 bytes).
pub const MAX_NAME_BYTES: usize = 255;
/// Joliet names are cut to this many UCS-2 characters, as genisoimage and
/// libisofs do by default.
pub const JOLIET_MAX_CHARS: usize = 64;
/// ECMA-119 level 2 limit for name + extension (the separators not counted).
const ISO_MAX_CHARS: usize = 30;
/// Characters Joliet (and so Windows) cannot store in a name.
const JOLIET_FORBIDDEN: &[char] = &['*', '/', ':', ';', '?', '\\'];

/// Checks one path component a caller wants to create.
///
/// `file_systems` are the ones the image will hold; `restricted` is IMAPI's
/// `UseRestrictedCharacterSet` (printable ASCII only).
pub fn validate_name(name: &str, file_systems: FileSystems, restricted: bool) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PATH,
            format!("{name:?} is not a valid item name"),
        ));
    }
    if let Some(c) = name.chars().find(|&c| c == '/' || c == '\0') {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PATH,
            format!("item name {name:?} contains {c:?}"),
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_PATH,
            format!(
                "item name of {} bytes is longer than the {MAX_NAME_BYTES} bytes Rock Ridge readers accept",
                name.len()
            ),
        ));
    }
    if restricted {
        if let Some(c) = name.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(Error::new(
                MS_IMAPI_E_RESTRICTED_NAME_VIOLATION,
                format!("item name {name:?} has {c:?}, outside the restricted character set"),
            ));
        }
    }
    if file_systems.contains(FileSystems::JOLIET) {
        if let Some(c) = name
            .chars()
            .find(|c| JOLIET_FORBIDDEN.contains(c) || (*c as u32) < 0x20)
        {
            return Err(Error::new(
                MS_IMAPI_E_INVALID_PATH,
                format!("item name {name:?} has {c:?}, which Joliet cannot store"),
            ));
        }
    }
    Ok(())
}

/// Splits a caller's path ("/a/b", "a/b", "/" for the root) into validated
/// components. Empty components (doubled slashes) are ignored.
pub fn split_path(path: &str) -> Result<Vec<&str>> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for p in &parts {
        if *p == "." || *p == ".." || p.contains('\0') {
            return Err(Error::misuse(
                MS_IMAPI_E_INVALID_PATH,
                format!("path {path:?} has a {p:?} component"),
            ));
        }
    }
    Ok(parts)
}

/// A volume name as IMAPI's `VolumeName` accepts it: at most 32 characters,
/// no control characters.
pub fn validate_volume_name(name: &str) -> Result<()> {
    let chars = name.chars().count();
    if chars > 32 {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_VOLUME_NAME,
            format!("volume name has {chars} characters, at most 32 fit"),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Error::new(
            MS_IMAPI_E_INVALID_VOLUME_NAME,
            format!("volume name contains control character {c:?}"),
        ));
    }
    Ok(())
}

fn d_char(c: char) -> u8 {
    match c {
        'A'..='Z' | '0'..='9' | '_' => c as u8,
        'a'..='z' => c.to_ascii_uppercase() as u8,
        _ => b'_',
    }
}

/// The first `limit` characters of `text` as d-characters. ASCII text,
/// nearly every name, is mapped a byte at a time into room reserved once:
/// a million-entry session maps every name at each plan and write.
fn push_d_chars(text: &str, limit: usize, out: &mut Vec<u8>) {
    if text.is_ascii() {
        out.extend(text.bytes().take(limit).map(|b| d_char(char::from(b))));
    } else {
        out.extend(text.chars().take(limit).map(d_char));
    }
}

/// The ECMA-119 volume identifier (d-characters, space padded by the writer).
pub fn iso_volume_id(name: &str) -> Vec<u8> {
    name.chars().take(32).map(d_char).collect()
}

/// The Joliet volume identifier: at most 16 UCS-2 characters.
pub fn joliet_volume_id(name: &str) -> Vec<u16> {
    name.chars().map(joliet_char).take(16).collect()
}

/// [`joliet_char`] of each ASCII byte: the byte-at-a-time path of
/// [`JolietNamer::plain_into`], which maps every name of a session twice.
const JOLIET_ASCII: [u8; 128] = {
    let mut table = [b'_'; 128];
    let mut b = 0x20;
    while b < 128 {
        let mut i = 0;
        let mut forbidden = false;
        while i < JOLIET_FORBIDDEN.len() {
            forbidden |= JOLIET_FORBIDDEN[i] as usize == b;
            i += 1;
        }
        if !forbidden {
            table[b] = b as u8;
        }
        b += 1;
    }
    table
};

fn joliet_char(c: char) -> u16 {
    let v = c as u32;
    if !(0x20..=0xFFFF).contains(&v) || JOLIET_FORBIDDEN.contains(&c) {
        u16::from(b'_')
    } else {
        v as u16
    }
}

/// Assigns unique ECMA-119 identifiers within one directory.
///
/// Names are level-2 style: `NAME.EXT;1` with at most 30 d-characters for
/// name and extension, directories without extension. A clash (two real
/// names that map to the same identifier) is broken by replacing the end of
/// the name part with a decimal counter, so the result only depends on the
/// order names are offered in (the builder offers them sorted).
#[derive(Default)]
pub struct IsoNamer {
    taken: HashSet<Vec<u8>>,
}

impl IsoNamer {
    pub fn new() -> Self {
        Self::default()
    }

    /// `real` cut at its extension: the stem, the extension (empty for a
    /// directory) and how many d-characters the stem may keep.
    fn plain_parts(real: &str, is_dir: bool) -> (&str, &str, usize) {
        match real.rfind('.') {
            Some(i) if !is_dir && i > 0 => {
                let ext = &real[i + 1..];
                (&real[..i], ext, ISO_MAX_CHARS - ext.chars().count().min(8))
            }
            _ if is_dir => (real, "", 31),
            _ => (real, "", ISO_MAX_CHARS),
        }
    }

    /// The identifier parts `real` gets when nothing clashes with it.
    pub fn plain(real: &str, is_dir: bool) -> (Vec<u8>, Vec<u8>) {
        let (stem, ext, limit) = Self::plain_parts(real, is_dir);
        let ext: Vec<u8> = ext.chars().map(d_char).take(8).collect();
        let mut stem: Vec<u8> = stem.chars().map(d_char).take(limit).collect();
        if stem.is_empty() && ext.is_empty() {
            stem.push(b'_');
        }
        (stem, ext)
    }

    /// Appends what [`IsoNamer::plain`] gives, as one identifier without
    /// its version: `NAME.EXT` for a file, `NAME` for a directory. The
    /// builder lists every directory this way, so it allocates nothing.
    pub fn plain_into(real: &str, is_dir: bool, out: &mut Vec<u8>) {
        let (stem, ext, limit) = Self::plain_parts(real, is_dir);
        let start = out.len();
        push_d_chars(stem, limit, out);
        if out.len() == start && ext.is_empty() {
            out.push(b'_');
        }
        if !is_dir {
            out.push(b'.');
            push_d_chars(ext, 8, out);
        }
    }

    /// Returns (name part, extension part); the file identifier is
    /// `name.ext;1`, a directory identifier is the name part alone.
    pub fn assign(&mut self, real: &str, is_dir: bool) -> (Vec<u8>, Vec<u8>) {
        let (stem, ext) = Self::plain(real, is_dir);
        let limit = if is_dir {
            31
        } else {
            ISO_MAX_CHARS - ext.len()
        };
        let key = |s: &[u8], e: &[u8]| {
            let mut k = s.to_vec();
            k.push(b'.');
            k.extend_from_slice(e);
            k
        };
        if self.taken.insert(key(&stem, &ext)) {
            return (stem, ext);
        }
        for n in 1u64.. {
            let digits = n.to_string().into_bytes();
            let keep = limit.saturating_sub(digits.len()).min(stem.len());
            let mut candidate = stem[..keep].to_vec();
            candidate.extend_from_slice(&digits);
            if self.taken.insert(key(&candidate, &ext)) {
                return (candidate, ext);
            }
        }
        unreachable!("u64 counter exhausted")
    }
}

/// Assigns unique Joliet identifiers (UCS-2, files with `;1`) within one
/// directory. Names longer than 64 characters are cut, keeping up to 8
/// characters of the extension (libisofs keeps the extension too).
#[derive(Default)]
pub struct JolietNamer {
    taken: HashSet<Vec<u16>>,
}

impl JolietNamer {
    pub fn new() -> Self {
        Self::default()
    }

    /// The identifier (without `;1`) `real` gets when nothing clashes.
    pub fn plain(real: &str, is_dir: bool) -> Vec<u16> {
        let chars: Vec<u16> = real.chars().map(joliet_char).collect();
        if chars.len() <= JOLIET_MAX_CHARS {
            return chars;
        }
        let (stem, ext) = split_ext(&chars, is_dir);
        let ext = &ext[..ext.len().min(8)];
        let ext_len = if ext.is_empty() { 0 } else { ext.len() + 1 };
        let mut out = stem[..(JOLIET_MAX_CHARS - ext_len).min(stem.len())].to_vec();
        if !ext.is_empty() {
            out.push(u16::from(b'.'));
            out.extend_from_slice(ext);
        }
        out
    }

    /// Appends [`JolietNamer::plain`]'s identifier as UCS-2 big-endian
    /// bytes; a name that needs no cut costs no allocation.
    pub fn plain_into(real: &str, is_dir: bool, out: &mut Vec<u8>) {
        let start = out.len();
        if real.is_ascii() && real.len() <= JOLIET_MAX_CHARS {
            // A character per byte, its high byte zero.
            out.resize(start + 2 * real.len(), 0);
            for (unit, b) in out[start..].chunks_exact_mut(2).zip(real.bytes()) {
                unit[1] = JOLIET_ASCII[usize::from(b)];
            }
            return;
        }
        for c in real.chars() {
            out.extend_from_slice(&joliet_char(c).to_be_bytes());
        }
        if out.len() - start > 2 * JOLIET_MAX_CHARS {
            out.truncate(start);
            for u in Self::plain(real, is_dir) {
                out.extend_from_slice(&u.to_be_bytes());
            }
        }
    }

    /// The identifier without the `;1` version suffix.
    pub fn assign(&mut self, real: &str, is_dir: bool) -> Vec<u16> {
        let chars: Vec<u16> = real.chars().map(joliet_char).collect();
        let (stem, ext) = split_ext(&chars, is_dir);
        let fit = |stem: &[u16], ext: &[u16], room: usize| -> Vec<u16> {
            let ext_len = if ext.is_empty() { 0 } else { ext.len() + 1 };
            let keep = room.saturating_sub(ext_len).min(stem.len());
            let mut out = stem[..keep].to_vec();
            if !ext.is_empty() {
                out.push(u16::from(b'.'));
                out.extend_from_slice(ext);
            }
            out
        };
        let ext: &[u16] = if chars.len() > JOLIET_MAX_CHARS {
            &ext[..ext.len().min(8)]
        } else {
            ext
        };
        let first = fit(stem, ext, JOLIET_MAX_CHARS);
        if self.taken.insert(first.clone()) {
            return first;
        }
        for n in 1u64.. {
            let digits: Vec<u16> = n.to_string().bytes().map(u16::from).collect();
            let ext_len = if ext.is_empty() { 0 } else { ext.len() + 1 };
            let room = JOLIET_MAX_CHARS - ext_len - digits.len();
            let mut s = stem[..stem.len().min(room)].to_vec();
            s.extend_from_slice(&digits);
            let candidate = fit(&s, ext, JOLIET_MAX_CHARS);
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("u64 counter exhausted")
    }
}

fn split_ext(chars: &[u16], is_dir: bool) -> (&[u16], &[u16]) {
    if is_dir {
        return (chars, &[]);
    }
    match chars.iter().rposition(|&c| c == u16::from(b'.')) {
        Some(i) if i > 0 => (&chars[..i], &chars[i + 1..]),
        _ => (chars, &[]),
    }
}

/// The name an ECMA-119 identifier stands for when no Rock Ridge or Joliet
/// name exists: without the `;version` and without a trailing dot.
pub fn iso_display_name(id: &[u8]) -> String {
    let mut s = String::from_utf8_lossy(id).into_owned();
    if let Some(i) = s.rfind(';') {
        s.truncate(i);
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// The name a Joliet identifier (UCS-2 big-endian bytes) stands for.
pub fn joliet_display_name(id: &[u8]) -> String {
    let units: Vec<u16> = id
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let mut s = String::from_utf16_lossy(&units);
    if let Some(i) = s.rfind(';') {
        if s[i + 1..].chars().all(|c| c.is_ascii_digit()) {
            s.truncate(i);
        }
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// IMAPI's `UDFRevision` values this library writes (`UDFRevisionsSupported`),
/// oldest first. 2.60 is not offered: it adds pseudo-overwrite rules and
/// readers such as Linux (which reads up to 2.50) refuse its volumes.
pub const UDF_REVISIONS_SUPPORTED: &[u32] = &[0x102, 0x150, 0x200, 0x201, 0x250];

/// IMAPI's default `UDFRevision` (what a new image and CD/DVD defaults use).
pub const DEFAULT_UDF_REVISION: u32 = 0x102;

/// Checks a caller's `UDFRevision`: one of [`UDF_REVISIONS_SUPPORTED`].
pub fn validate_udf_revision(revision: u32) -> Result<()> {
    if UDF_REVISIONS_SUPPORTED.contains(&revision) {
        return Ok(());
    }
    let known = UDF_REVISIONS_SUPPORTED
        .iter()
        .map(|r| format!("{r:#x}"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::new(
        MS_IMAPI_E_INVALID_PARAM,
        format!("UDF revision {revision:#x} cannot be written (supported: {known})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_joliet_table_maps_each_byte_as_joliet_char_does() {
        for b in 0u8..128 {
            assert_eq!(
                u16::from(JOLIET_ASCII[usize::from(b)]),
                joliet_char(char::from(b)),
                "{b:#x}"
            );
        }
    }

    /// Names at every edge of the plain mapping: no extension, a leading
    /// dot, an empty stem, long stems and extensions, non-ASCII, past
    /// Joliet's 64 characters and at them, characters Joliet forbids and
    /// control characters.
    const EDGE_NAMES: [&str; 12] = [
        "a*b:c\u{1}?\\d.t;x",
        "exactly sixty-four characters, the most a Joliet name may have..",
        "readme",
        ".bashrc",
        "a.b.c",
        ".",
        "x.",
        "a very long file name with spaces and more words.extension",
        "short.averyverylongextension",
        "ünïcødé ✓.txt",
        "",
        "0123456789012345678901234567890123456789012345678901234567890123456789.tar.gz",
    ];

    #[test]
    fn identifiers_written_in_place_are_the_plain_identifiers() {
        for name in EDGE_NAMES {
            for is_dir in [false, true] {
                let (stem, ext) = IsoNamer::plain(name, is_dir);
                let mut expected = stem;
                if !is_dir {
                    expected.push(b'.');
                    expected.extend_from_slice(&ext);
                }
                let mut out = b"kept".to_vec();
                IsoNamer::plain_into(name, is_dir, &mut out);
                assert_eq!(&out[..4], b"kept");
                assert_eq!(out[4..], expected, "ISO {name:?} dir {is_dir}");

                let expected: Vec<u8> = JolietNamer::plain(name, is_dir)
                    .into_iter()
                    .flat_map(u16::to_be_bytes)
                    .collect();
                let mut out = b"kept".to_vec();
                JolietNamer::plain_into(name, is_dir, &mut out);
                assert_eq!(out[4..], expected, "Joliet {name:?} dir {is_dir}");
            }
        }
    }

    #[test]
    fn iso_names_are_d_characters_and_unique_per_directory() {
        let mut n = IsoNamer::new();
        assert_eq!(
            n.assign("readme.txt", false),
            (b"README".to_vec(), b"TXT".to_vec())
        );
        assert_eq!(
            n.assign("README.TXT", false),
            (b"README1".to_vec(), b"TXT".to_vec())
        );
        assert_eq!(n.assign("a b.c", true), (b"A_B_C".to_vec(), vec![]));
        let long = "x".repeat(80) + ".data";
        let (stem, ext) = n.assign(&long, false);
        assert_eq!(stem.len() + ext.len(), 30);
    }

    #[test]
    fn joliet_names_are_cut_to_64_and_keep_the_extension() {
        let mut n = JolietNamer::new();
        let long = "é".repeat(100) + ".txt";
        let id = n.assign(&long, false);
        assert_eq!(id.len(), 64);
        assert_eq!(String::from_utf16_lossy(&id[60..]), ".txt");
        let again = n.assign(&long, false);
        assert_ne!(again, id);
        assert_eq!(again.len(), 64);
    }

    #[test]
    fn invalid_names_get_invalid_path_and_restricted_names_their_own_code() {
        let all = FileSystems::ISO9660 | FileSystems::JOLIET;
        for bad in ["", ".", "..", "a/b", "x\0"] {
            assert_eq!(
                validate_name(bad, all, false).unwrap_err().code(),
                MS_IMAPI_E_INVALID_PATH
            );
        }
        assert_eq!(
            validate_name("a:b", all, false).unwrap_err().code(),
            MS_IMAPI_E_INVALID_PATH
        );
        assert!(validate_name("a:b", FileSystems::ISO9660, false).is_ok());
        assert_eq!(
            validate_name("größe", all, true).unwrap_err().code(),
            MS_IMAPI_E_RESTRICTED_NAME_VIOLATION
        );
        assert!(validate_name("größe", all, false).is_ok());
        assert!(validate_name(&"n".repeat(256), all, false).is_err());
    }

    #[test]
    fn display_names_drop_version_and_trailing_dot() {
        assert_eq!(iso_display_name(b"README.;1"), "README");
        assert_eq!(iso_display_name(b"A.TXT;1"), "A.TXT");
        let j: Vec<u8> = "ab.c;1"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        assert_eq!(joliet_display_name(&j), "ab.c");
    }
}
