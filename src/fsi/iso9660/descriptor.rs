//! The volume descriptor set at session start + 16: reading it (primary,
//! Joliet, El Torito boot record, the UDF recognition sequence that may
//! follow) and writing it.

use super::codec::{encode_vd_date, unspecified_vd_date};
use super::layout::{dr, vd, Bytes};
use super::record::{Record, RecordOut, FLAG_DIRECTORY};
use crate::error::{Error, Result};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::*;

pub const TYPE_BOOT: u8 = 0;
pub const TYPE_PRIMARY: u8 = 1;
pub const TYPE_SUPPLEMENTARY: u8 = 2;
pub const TYPE_TERMINATOR: u8 = 255;
/// A descriptor set longer than this is not a real one.
const MAX_DESCRIPTORS: u32 = 64;

/// A directory tree's root as a descriptor names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootRef {
    pub extent: u32,
    pub size: u32,
    pub date: Option<i64>,
}

/// What an importer needs from a primary or Joliet descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub volume_id: String,
    /// Volume space size as recorded (relative or absolute, see docs/iso9660-notes.md §1.3).
    pub space_size: u32,
    pub root: RootRef,
    pub path_table_l: u32,
    pub path_table_m: u32,
    pub path_table_size: u32,
}

/// The El Torito boot record descriptor, kept verbatim: the catalog and
/// the boot images it names are addressed absolutely, so a later session
/// can point at them where they lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootRecord {
    pub catalog_lba: u32,
    pub raw: Box<[u8]>,
}

/// Everything found in a session's descriptor area.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescriptorSet {
    pub primary: Option<Volume>,
    pub joliet: Option<Volume>,
    pub boot: Option<BootRecord>,
    /// A UDF volume recognition sequence (NSR02/NSR03) follows.
    pub udf: bool,
    /// Descriptors that look like ISO 9660 but are of no kind we use
    /// (ISO 9660:1999 enhanced, non-Joliet supplementary, partitions).
    pub other: bool,
}

fn trimmed(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches([' ', '\0'])
        .to_owned()
}

fn ucs2_trimmed(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches([' ', '\0'])
        .to_owned()
}

fn parse_volume(b: &[u8], lba: u32, joliet: bool) -> Result<Volume> {
    let block_size = vd::BLOCK_SIZE.get(b);
    if block_size as usize != BLOCK_SIZE {
        return Err(Error::new(
            MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
            format!("volume descriptor at {lba} has logical block size {block_size}"),
        ));
    }
    let root = Record::parse(vd::ROOT_RECORD.get(b), || {
        format!("root record of descriptor at {lba}")
    })?;
    if !root.is_dir() {
        return Err(Error::parse(
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            "volume descriptor",
            (vd::ROOT_RECORD.at + dr::FLAGS.0) as u64,
            format!("root record of descriptor at {lba} is not a directory"),
        ));
    }
    Ok(Volume {
        volume_id: if joliet {
            ucs2_trimmed(vd::VOLUME_ID.get(b))
        } else {
            trimmed(vd::VOLUME_ID.get(b))
        },
        space_size: vd::SPACE_SIZE.get(b),
        root: RootRef {
            extent: root.extent,
            size: root.size,
            date: root.date,
        },
        path_table_size: vd::PATH_TABLE_SIZE.get(b),
        path_table_l: vd::PATH_TABLE_L.get(b),
        path_table_m: vd::PATH_TABLE_M.get(b),
    })
}

/// Reads the descriptor set of the session starting at `session_start`.
/// A session without any ISO 9660 or UDF descriptor gives an empty set
/// (`primary == None`, `udf == false`).
pub fn read_set(src: &dyn BlockSource, session_start: u32) -> Result<DescriptorSet> {
    let mut set = DescriptorSet::default();
    let mut buf = vec![0u8; BLOCK_SIZE];
    let first = session_start.checked_add(16).ok_or_else(|| {
        Error::new(
            MS_IMAPI_E_IMPORT_SEEK_FAILURE,
            format!("session start {session_start} is beyond the addressable blocks"),
        )
    })?;
    let mut lba = first;
    let mut iso_ended = false;
    while lba - first < MAX_DESCRIPTORS {
        super::read::read(src, lba, &mut buf, "volume descriptor")?;
        let id = vd::STANDARD_ID.get(&buf);
        if id == vd::STANDARD && !iso_ended {
            match vd::TYPE.get(&buf) {
                TYPE_PRIMARY if set.primary.is_none() => {
                    set.primary = Some(parse_volume(&buf, lba, false)?)
                }
                TYPE_SUPPLEMENTARY
                    if vd::VERSION.get(&buf) == 1
                        && vd::VOLUME_FLAGS.get(&buf) & 1 == 0
                        && matches!(
                            &vd::ESCAPE_SEQUENCES.get(&buf)[..3],
                            b"%/@" | b"%/C" | b"%/E"
                        ) =>
                {
                    if set.joliet.is_none() {
                        set.joliet = Some(parse_volume(&buf, lba, true)?);
                    }
                }
                TYPE_BOOT
                    if vd::BOOT_SYSTEM_ID
                        .get(&buf)
                        .starts_with(b"EL TORITO SPECIFICATION") =>
                {
                    set.boot = Some(BootRecord {
                        catalog_lba: vd::EL_TORITO_CATALOG.get(&buf),
                        raw: buf.clone().into_boxed_slice(),
                    })
                }
                TYPE_TERMINATOR => iso_ended = true,
                _ => set.other = true,
            }
        } else if vd::TYPE.get(&buf) == 0
            && matches!(id, b"BEA01" | b"NSR02" | b"NSR03" | b"TEA01" | b"BOOT2")
        {
            if id == b"NSR02" || id == b"NSR03" {
                set.udf = true;
            }
            if id == b"TEA01" {
                break;
            }
        } else {
            break;
        }
        // A set running into the last addressable block simply ends there.
        let Some(next) = lba.checked_add(1) else {
            break;
        };
        lba = next;
    }
    Ok(set)
}

/// Fields of a primary or Joliet descriptor to write.
pub struct VolumeOut<'a> {
    /// Volume identifier, already encoded (d-characters or UCS-2 BE).
    pub volume_id: &'a [u8],
    pub space_size: u32,
    pub path_table_size: u32,
    pub path_table_l: u32,
    pub path_table_m: u32,
    pub root_extent: u32,
    pub root_size: u32,
    pub time: i64,
    pub joliet: bool,
}

/// Encodes a primary (or, with `joliet`, a Joliet supplementary) descriptor.
pub fn encode_volume(v: &VolumeOut<'_>) -> Vec<u8> {
    let mut b = vec![0u8; BLOCK_SIZE];
    let kind = if v.joliet {
        TYPE_SUPPLEMENTARY
    } else {
        TYPE_PRIMARY
    };
    vd::put_head(&mut b, kind);
    // Text fields are padded with spaces (UCS-2 spaces in Joliet).
    let fill = |b: &mut [u8], field: Bytes, text: &[u8]| {
        let b = field.get_mut(b);
        if v.joliet {
            for pair in b.chunks_exact_mut(2) {
                pair.copy_from_slice(&[0, b' ']);
            }
        } else {
            b.fill(b' ');
        }
        let n = text.len().min(b.len());
        b[..n].copy_from_slice(&text[..n]);
    };
    let app: Vec<u8> = if v.joliet {
        "MULTISESSION"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect()
    } else {
        b"MULTISESSION".to_vec()
    };
    fill(&mut b, vd::SYSTEM_ID, &[]);
    fill(&mut b, vd::VOLUME_ID, v.volume_id);
    vd::SPACE_SIZE.put(&mut b, v.space_size);
    if v.joliet {
        vd::ESCAPE_SEQUENCES.get_mut(&mut b)[..3].copy_from_slice(b"%/E");
    }
    vd::SET_SIZE.put(&mut b, 1);
    vd::SEQUENCE_NUMBER.put(&mut b, 1);
    vd::BLOCK_SIZE.put(&mut b, BLOCK_SIZE as u16);
    vd::PATH_TABLE_SIZE.put(&mut b, v.path_table_size);
    vd::PATH_TABLE_L.put(&mut b, v.path_table_l);
    vd::PATH_TABLE_M.put(&mut b, v.path_table_m);
    let mut root = Vec::with_capacity(dr::MIN_LEN);
    RecordOut {
        extent: v.root_extent,
        size: v.root_size,
        date: v.time,
        flags: FLAG_DIRECTORY,
        id: &[0],
        system_use: &[],
    }
    .encode(&mut root);
    vd::ROOT_RECORD.put(&mut b, &root);
    for field in [vd::VOLUME_SET_ID, vd::PUBLISHER_ID, vd::PREPARER_ID] {
        fill(&mut b, field, &[]);
    }
    fill(&mut b, vd::APPLICATION_ID, &app);
    for field in [
        vd::COPYRIGHT_FILE,
        vd::ABSTRACT_FILE,
        vd::BIBLIOGRAPHIC_FILE,
    ] {
        fill(&mut b, field, &[]);
    }
    let now = encode_vd_date(v.time);
    vd::CREATION_DATE.put(&mut b, &now);
    vd::MODIFICATION_DATE.put(&mut b, &now);
    vd::EXPIRATION_DATE.put(&mut b, &unspecified_vd_date());
    vd::EFFECTIVE_DATE.put(&mut b, &unspecified_vd_date());
    vd::FILE_STRUCTURE_VERSION.put(&mut b, 1);
    b
}

pub fn encode_terminator() -> Vec<u8> {
    let mut b = vec![0u8; BLOCK_SIZE];
    vd::put_head(&mut b, TYPE_TERMINATOR);
    b
}

/// The volume space size field of an encoded primary/Joliet descriptor.
pub fn set_space_size(descriptor: &mut [u8], blocks: u32) {
    vd::SPACE_SIZE.put(descriptor, blocks);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Mem(Vec<u8>);
    impl BlockSource for Mem {
        fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
            let at = lba as usize * BLOCK_SIZE;
            let src = self
                .0
                .get(at..at + buf.len())
                .ok_or_else(|| Error::new(MS_IMAPI_E_IMPORT_READ_FAILURE, "beyond the end"))?;
            buf.copy_from_slice(src);
            Ok(())
        }
    }

    #[test]
    fn written_descriptor_sets_read_back() {
        let mut disc = vec![0u8; 16 * BLOCK_SIZE];
        for joliet in [false, true] {
            let id: Vec<u8> = if joliet {
                "Vol".encode_utf16().flat_map(u16::to_be_bytes).collect()
            } else {
                b"VOL".to_vec()
            };
            disc.extend(encode_volume(&VolumeOut {
                volume_id: &id,
                space_size: 99,
                path_table_size: 10,
                path_table_l: 20,
                path_table_m: 21,
                root_extent: 30 + joliet as u32,
                root_size: 2048,
                time: 1_700_000_000,
                joliet,
            }));
        }
        disc.extend(encode_terminator());
        disc.extend(vec![0u8; BLOCK_SIZE]);
        let set = read_set(&Mem(disc), 0).unwrap();
        let p = set.primary.unwrap();
        let j = set.joliet.unwrap();
        assert_eq!(
            (p.volume_id.as_str(), p.space_size, p.root.extent),
            ("VOL", 99, 30)
        );
        assert_eq!(
            (j.volume_id.as_str(), j.root.extent, j.path_table_m),
            ("Vol", 31, 21)
        );
        assert!(!set.udf && set.boot.is_none());
    }

    /// Every block a descriptor of a kind we do not use (a partition
    /// descriptor), on a source where every address reads.
    struct Endless;
    impl BlockSource for Endless {
        fn read_blocks(&self, _: u32, buf: &mut [u8]) -> Result<()> {
            buf.fill(0);
            buf[0] = 3;
            buf[1..6].copy_from_slice(b"CD001");
            Ok(())
        }
    }

    #[test]
    fn a_set_at_the_last_addresses_ends_there_without_overflow() {
        for start in [u32::MAX - 16, u32::MAX - 20] {
            let set = read_set(&Endless, start).unwrap();
            assert!(set.other && set.primary.is_none());
        }
        let e = read_set(&Endless, u32::MAX - 15).unwrap_err();
        assert_eq!(e.code(), MS_IMAPI_E_IMPORT_SEEK_FAILURE);
    }
}
