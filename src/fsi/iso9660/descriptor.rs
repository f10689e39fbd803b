//! The volume descriptor set at session start + 16: reading it (primary,
//! Joliet, El Torito boot record, the UDF recognition sequence that may
//! follow) and writing it.

use super::codec::{
    encode_vd_date, get_u16_le, get_u32_both, get_u32_le, put_u16_both, put_u32_both,
    unspecified_vd_date,
};
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

fn read_block(src: &dyn BlockSource, lba: u32, buf: &mut [u8]) -> Result<()> {
    src.read_blocks(lba, buf).map_err(|e| {
        Error::new(
            MS_IMAPI_E_IMPORT_READ_FAILURE,
            format!("reading volume descriptor block {lba}: {}", e.detail()),
        )
    })
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
    let block_size = get_u16_le(b, 128);
    if block_size as usize != BLOCK_SIZE {
        return Err(Error::new(
            MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
            format!("volume descriptor at {lba} has logical block size {block_size}"),
        ));
    }
    let root = Record::parse(&b[156..190], || {
        format!("root record of descriptor at {lba}")
    })?;
    if !root.is_dir() {
        return Err(Error::new(
            MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
            format!("root record of descriptor at {lba} is not a directory"),
        ));
    }
    Ok(Volume {
        volume_id: if joliet {
            ucs2_trimmed(&b[40..72])
        } else {
            trimmed(&b[40..72])
        },
        space_size: get_u32_both(b, 80),
        root: RootRef {
            extent: root.extent,
            size: root.size,
            date: root.date,
        },
        path_table_size: get_u32_both(b, 132),
        path_table_l: get_u32_le(b, 140),
        path_table_m: u32::from_be_bytes([b[148], b[149], b[150], b[151]]),
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
        read_block(src, lba, &mut buf)?;
        let id = &buf[1..6];
        if id == b"CD001" && !iso_ended {
            match buf[0] {
                TYPE_PRIMARY if set.primary.is_none() => {
                    set.primary = Some(parse_volume(&buf, lba, false)?)
                }
                TYPE_SUPPLEMENTARY
                    if buf[6] == 1
                        && buf[7] & 1 == 0
                        && buf[88] == b'%'
                        && buf[89] == b'/'
                        && matches!(buf[90], b'@' | b'C' | b'E') =>
                {
                    if set.joliet.is_none() {
                        set.joliet = Some(parse_volume(&buf, lba, true)?);
                    }
                }
                TYPE_BOOT if &buf[7..30] == b"EL TORITO SPECIFICATION" => {
                    set.boot = Some(BootRecord {
                        catalog_lba: get_u32_le(&buf, 71),
                        raw: buf.clone().into_boxed_slice(),
                    })
                }
                TYPE_TERMINATOR => iso_ended = true,
                _ => set.other = true,
            }
        } else if buf[0] == 0 && matches!(id, b"BEA01" | b"NSR02" | b"NSR03" | b"TEA01" | b"BOOT2")
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
    b[0] = if v.joliet {
        TYPE_SUPPLEMENTARY
    } else {
        TYPE_PRIMARY
    };
    b[1..6].copy_from_slice(b"CD001");
    b[6] = 1;
    let fill = |b: &mut [u8], text: &[u8], joliet: bool| {
        if joliet {
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
    fill(&mut b[8..40], &[], v.joliet);
    fill(&mut b[40..72], v.volume_id, v.joliet);
    put_u32_both(&mut b, 80, v.space_size);
    if v.joliet {
        b[88..91].copy_from_slice(b"%/E");
    }
    put_u16_both(&mut b, 120, 1);
    put_u16_both(&mut b, 124, 1);
    put_u16_both(&mut b, 128, BLOCK_SIZE as u16);
    put_u32_both(&mut b, 132, v.path_table_size);
    b[140..144].copy_from_slice(&v.path_table_l.to_le_bytes());
    b[148..152].copy_from_slice(&v.path_table_m.to_be_bytes());
    let mut root = Vec::with_capacity(34);
    RecordOut {
        extent: v.root_extent,
        size: v.root_size,
        date: v.time,
        flags: FLAG_DIRECTORY,
        id: &[0],
        system_use: &[],
    }
    .encode(&mut root);
    b[156..190].copy_from_slice(&root);
    for (start, len) in [(190, 128), (318, 128), (446, 128)] {
        fill(&mut b[start..start + len], &[], v.joliet);
    }
    fill(&mut b[574..702], &app, v.joliet);
    for (start, len) in [(702, 37), (739, 37), (776, 37)] {
        fill(&mut b[start..start + len], &[], v.joliet);
    }
    let now = encode_vd_date(v.time);
    b[813..830].copy_from_slice(&now);
    b[830..847].copy_from_slice(&now);
    b[847..864].copy_from_slice(&unspecified_vd_date());
    b[864..881].copy_from_slice(&unspecified_vd_date());
    b[881] = 1;
    b
}

pub fn encode_terminator() -> Vec<u8> {
    let mut b = vec![0u8; BLOCK_SIZE];
    b[0] = TYPE_TERMINATOR;
    b[1..6].copy_from_slice(b"CD001");
    b[6] = 1;
    b
}

/// The volume space size field of an encoded primary/Joliet descriptor.
pub fn set_space_size(descriptor: &mut [u8], blocks: u32) {
    put_u32_both(descriptor, 80, blocks);
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
