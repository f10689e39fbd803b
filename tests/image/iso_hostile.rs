//! Hostile images end in an `IMAPI_E_*` error after bounded work, never in
//! a panic, a hang or unbounded memory.

use crate::support::{fails_naming, fails_with};
use std::cell::Cell;
use std::sync::Arc;

use multisession::fsi::{
    self, Attrs, BlockSource, BuildOptions, ImportLimits, OnceReader, SessionStream, Tree,
    BLOCK_SIZE,
};
use multisession::hresult::*;
use multisession::internals::iso9660::descriptor::{encode_terminator, encode_volume, VolumeOut};
use multisession::internals::iso9660::layout::{dr, susp::ce, susp::LENGTH as ENTRY_LENGTH, vd};
use multisession::internals::iso9660::record::{self, Record, RecordOut, FLAG_DIRECTORY};
use multisession::Result;

/// A medium in memory, counting the blocks read.
struct Mem {
    data: Vec<u8>,
    reads: Cell<u64>,
}

impl BlockSource for Mem {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        self.reads
            .set(self.reads.get() + (buf.len() / BLOCK_SIZE) as u64);
        let at = lba as usize * BLOCK_SIZE;
        match self.data.get(at..at + buf.len()) {
            Some(src) => {
                buf.copy_from_slice(src);
                Ok(())
            }
            None => Err(multisession::Error::new(
                MS_IMAPI_E_IMPORT_READ_FAILURE,
                format!("block {lba} is beyond the medium"),
            )),
        }
    }
}

impl Mem {
    fn blocks(&self) -> u32 {
        (self.data.len() / BLOCK_SIZE) as u32
    }
}

fn stream(bytes: &'static [u8]) -> Arc<OnceReader> {
    Arc::new(OnceReader::new(Box::new(bytes)))
}

/// A valid image: /sub/deeper/, /sub/file.txt, a long name that needs a
/// continuation area, /multi (two sections faked below).
fn valid_image() -> Mem {
    let mut t = Tree::new();
    t.mkdir_all("/sub/deeper").unwrap();
    t.add_file("/sub/file.txt", 5, stream(b"hello"), Attrs::file(), false)
        .unwrap();
    let long = format!("/{}", "long-name-".repeat(24));
    t.add_file(&long, 4, stream(b"long"), Attrs::file(), false)
        .unwrap();
    let mut s = fsi::build(
        Arc::new(t.clone()),
        &BuildOptions {
            time: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    let mut data = vec![0u8; s.total_blocks() as usize * BLOCK_SIZE];
    s.read_blocks(0, &mut data).unwrap();
    Mem {
        data,
        reads: Cell::new(0),
    }
}

fn limits(m: &Mem) -> ImportLimits {
    ImportLimits {
        medium_blocks: Some(m.blocks()),
        ..Default::default()
    }
}

fn import(m: &Mem) -> Result<fsi::Imported> {
    fsi::import(m, 0, None, limits(m))
}

/// The first directory block at `dir_lba`.
fn dir_block(m: &Mem, dir_lba: u32) -> &[u8] {
    let base = dir_lba as usize * BLOCK_SIZE;
    &m.data[base..base + BLOCK_SIZE]
}

/// Byte offset of the record named `id` in the directory at `dir_lba`.
fn find_record(m: &Mem, dir_lba: u32, id: &[u8]) -> usize {
    for (at, bytes) in record::in_block(dir_block(m, dir_lba)) {
        if Record::parse(bytes, String::new).unwrap().id == id {
            return dir_lba as usize * BLOCK_SIZE + at;
        }
    }
    panic!("no record {:?}", String::from_utf8_lossy(id));
}

fn root_lba(m: &Mem) -> u32 {
    let pvd = &m.data[16 * BLOCK_SIZE..17 * BLOCK_SIZE];
    Record::parse(vd::ROOT_RECORD.get(pvd), String::new)
        .unwrap()
        .extent
}

fn lba_of(m: &Mem, record: usize) -> u32 {
    dr::EXTENT.get(&m.data[record..])
}

#[test]
fn the_valid_base_image_imports() {
    let m = valid_image();
    let imported = import(&m).unwrap();
    assert_eq!(imported.tree.len(), 4);
}

#[test]
fn a_directory_pointing_at_an_ancestor_is_a_consistency_error() {
    let mut m = valid_image();
    let root = root_lba(&m);
    let sub = find_record(&m, root, b"SUB");
    let sub_lba = lba_of(&m, sub);
    let deeper = find_record(&m, sub_lba, b"DEEPER");
    dr::EXTENT.put(&mut m.data[deeper..], root);
    fails_naming(
        import(&m),
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "loop",
    );
}

#[test]
fn extents_beyond_the_medium_are_refused() {
    let mut m = valid_image();
    let root = root_lba(&m);
    let sub = find_record(&m, root, b"SUB");
    let file = find_record(&m, lba_of(&m, sub), b"FILE.TXT;1");
    let beyond = m.blocks() + 10;
    dr::EXTENT.put(&mut m.data[file..], beyond);
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    let mut m = valid_image();
    dr::EXTENT.put(&mut m.data[sub..], beyond);
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    // Without knowing the medium's size, the read itself fails.
    fails_with(
        fsi::import(&m, 0, None, ImportLimits::default()),
        MS_IMAPI_E_IMPORT_READ_FAILURE,
    );
}

#[test]
fn a_continuation_area_chained_to_itself_is_a_consistency_error() {
    let mut m = valid_image();
    let root = root_lba(&m);
    // The long name's record carries a CE entry; make its area a CE to itself.
    let mut found = None;
    for (at, bytes) in record::in_block(dir_block(&m, root)) {
        let rec = &bytes[..dr::LENGTH.get(bytes) as usize];
        if let Some(i) = rec.windows(2).position(|w| w == b"CE") {
            if ENTRY_LENGTH.get(&rec[i..]) as usize == ce::LEN {
                found = Some(root as usize * BLOCK_SIZE + at + i);
            }
        }
    }
    let at = found.expect("a record with a CE entry");
    let entry = m.data[at..at + ce::LEN].to_vec();
    let area = ce::LOCATION.get(&entry) as usize * BLOCK_SIZE + ce::OFFSET.get(&entry) as usize;
    m.data[area..area + ce::LEN].copy_from_slice(&entry);
    fails_naming(
        import(&m),
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "CE loop",
    );
}

#[test]
fn lengths_that_overflow_are_refused() {
    let mut m = valid_image();
    let root = root_lba(&m);
    let sub = find_record(&m, root, b"SUB");
    let file = find_record(&m, lba_of(&m, sub), b"FILE.TXT;1");
    dr::EXTENT.put(&mut m.data[file..], 0xFFFF_FFF0);
    dr::SIZE.put(&mut m.data[file..], 0xFFFF_FFFF);
    fails_naming(
        fsi::import(&m, 0, None, ImportLimits::default()),
        MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR,
        "overflows",
    );

    let mut m = valid_image();
    dr::SIZE.put(&mut m.data[sub..], 0xFFFF_F800);
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);
}

#[test]
fn truncated_records_are_consistency_errors() {
    let m0 = valid_image();
    let root = root_lba(&m0);
    let sub = find_record(&m0, root, b"SUB");
    // A record that would cross the end of its block: fill the root's
    // block with plausible records until the last one cannot fit.
    let mut m = valid_image();
    let base = root as usize * BLOCK_SIZE;
    let mut at = record::in_block(dir_block(&m, root))
        .last()
        .map_or(0, |(at, bytes)| at + dr::LENGTH.get(bytes) as usize);
    while at < BLOCK_SIZE {
        let mut rec = Vec::new();
        RecordOut {
            extent: 0,
            size: 0,
            date: 0,
            flags: 0,
            id: b"X",
            system_use: &[0; 220],
        }
        .encode(&mut rec);
        let n = rec.len().min(BLOCK_SIZE - at);
        m.data[base + at..base + at + n].copy_from_slice(&rec[..n]);
        at += rec.len();
    }
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    // An identifier longer than its record.
    let mut m = valid_image();
    dr::ID_LENGTH.put(&mut m.data[sub..], 250);
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    // A record shorter than the fixed part.
    let mut m = valid_image();
    dr::LENGTH.put(&mut m.data[sub..], 20);
    fails_with(import(&m), MS_IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
}

/// A medium whose root directory holds `entries` files, generated on
/// demand (nothing stored).
struct Synthetic {
    entries: u64,
    reads: Cell<u64>,
}

const SLOT: usize = 42;
const PER_BLOCK: u64 = (BLOCK_SIZE / SLOT) as u64;
const ROOT: u32 = 20;

impl Synthetic {
    fn dir_blocks(&self) -> u64 {
        (self.entries + 2).div_ceil(PER_BLOCK)
    }
}

impl BlockSource for Synthetic {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        for (k, block) in buf.chunks_exact_mut(BLOCK_SIZE).enumerate() {
            self.reads.set(self.reads.get() + 1);
            block.fill(0);
            let lba = lba as u64 + k as u64;
            let size = (self.dir_blocks() * BLOCK_SIZE as u64).min(u32::MAX as u64) as u32;
            match lba {
                16 => block.copy_from_slice(&encode_volume(&VolumeOut {
                    volume_id: b"SYNTHETIC",
                    space_size: ROOT + self.dir_blocks() as u32,
                    path_table_size: 10,
                    path_table_l: 18,
                    path_table_m: 19,
                    root_extent: ROOT,
                    root_size: size,
                    time: 0,
                    joliet: false,
                })),
                17 => block.copy_from_slice(&encode_terminator()),
                l if l >= ROOT as u64 && l < ROOT as u64 + self.dir_blocks() => {
                    let mut out = Vec::with_capacity(BLOCK_SIZE);
                    for slot in 0..PER_BLOCK {
                        let i = (l - ROOT as u64) * PER_BLOCK + slot;
                        if i >= self.entries + 2 {
                            break;
                        }
                        let name = match i {
                            0 => vec![0],
                            1 => vec![1],
                            _ => format!("F{:07}", i - 2).into_bytes(),
                        };
                        // "." and ".." get 8 bytes of system use so every
                        // record is SLOT bytes long.
                        let su: &[u8] = if name.len() == 1 { &[0; 8] } else { &[] };
                        RecordOut {
                            extent: if i < 2 { ROOT } else { 0 },
                            size: if i < 2 { size } else { 0 },
                            date: 0,
                            flags: if i < 2 { FLAG_DIRECTORY } else { 0 },
                            id: &name,
                            system_use: su,
                        }
                        .encode(&mut out);
                    }
                    block[..out.len()].copy_from_slice(&out);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[test]
fn a_directory_of_two_million_entries_is_refused_before_it_is_read() {
    let m = Synthetic {
        entries: 2_000_000,
        reads: Cell::new(0),
    };
    fails_with(
        fsi::import(&m, 0, None, ImportLimits::default()),
        MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
    );
    assert!(m.reads.get() < 100, "read {} blocks", m.reads.get());
}

#[test]
fn the_entry_limit_stops_an_import_part_way() {
    let m = Synthetic {
        entries: 20_000,
        reads: Cell::new(0),
    };
    let ok = fsi::import(&m, 0, None, ImportLimits::default()).unwrap();
    assert_eq!(ok.tree.len(), 20_000);
    m.reads.set(0);
    let limits = ImportLimits {
        max_entries: 5_000,
        ..Default::default()
    };
    fails_with(
        fsi::import(&m, 0, None, limits),
        MS_IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED,
    );
    assert!(
        m.reads.get() < m.dir_blocks() / 2,
        "read {} blocks",
        m.reads.get()
    );
}

#[test]
fn random_corruption_never_panics() {
    let base = valid_image();
    let meta_end = base.blocks() as usize * BLOCK_SIZE;
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        let mut m = Mem {
            data: base.data.clone(),
            reads: Cell::new(0),
        };
        for _ in 0..1 + next() % 8 {
            let at = 16 * BLOCK_SIZE + (next() as usize % (meta_end - 16 * BLOCK_SIZE));
            m.data[at] = next() as u8;
        }
        for lim in [limits(&m), ImportLimits::default()] {
            if let Err(e) = fsi::import(&m, 0, None, lim) {
                assert_eq!(e.code() as u32 & 0xFFFF_0000, 0xC0AA_0000, "{e}");
            }
        }
    }
}
