//! A tiny UDF image builder for the reader's unit tests: the shapes other
//! writers rarely produce (metadata partitions, embedded data, AED
//! continuations, holes, files over 4 GiB) and hostile variants of them,
//! built from the shared layouts in memory.

use std::collections::HashMap;

use super::layout::*;
use crate::error::{Error, Result};
use crate::fsi::{BlockSource, BLOCK_SIZE};
use crate::hresult::MS_IMAPI_E_IMPORT_READ_FAILURE;

/// Sparse in-memory medium: unset blocks below `total` read as zeros.
pub struct Medium {
    pub blocks: HashMap<u32, Vec<u8>>,
    pub total: u32,
}

impl BlockSource for Medium {
    fn read_blocks(&self, lba: u32, buf: &mut [u8]) -> Result<()> {
        for (i, chunk) in buf.chunks_exact_mut(BLOCK_SIZE).enumerate() {
            let at = lba as u64 + i as u64;
            if at >= self.total as u64 {
                return Err(Error::new(
                    MS_IMAPI_E_IMPORT_READ_FAILURE,
                    format!("no block {at}"),
                ));
            }
            match self.blocks.get(&(at as u32)) {
                Some(b) => chunk.copy_from_slice(b),
                None => chunk.fill(0),
            }
        }
        Ok(())
    }
}

/// Physical partition start.
pub const PART: u32 = 300;
/// Where metadata blocks start in the physical partition (metadata mode).
pub const META_BASE: u32 = 100;

pub struct Builder {
    pub m: Medium,
    /// Metadata-partition mode: FSD, ICBs and directories in partition
    /// reference 1, mapped through the metadata file.
    pub metadata: bool,
    next_meta: u32,
    next_data: u32,
    pub revision: u16,
}

fn tp(location: u32) -> TagParams {
    TagParams::new(3, 1, location)
}

impl Builder {
    pub fn new(metadata: bool) -> Builder {
        Builder {
            m: Medium {
                blocks: HashMap::new(),
                total: 20_000,
            },
            metadata,
            next_meta: 0,
            next_data: 1000,
            revision: if metadata { 0x0250 } else { 0x0201 },
        }
    }

    pub fn put(&mut self, lba: u32, bytes: &[u8]) {
        let mut b = vec![0u8; BLOCK_SIZE];
        b[..bytes.len()].copy_from_slice(bytes);
        self.m.blocks.insert(lba, b);
    }

    /// A new metadata block: its address and its sector.
    pub fn meta_block(&mut self) -> (LbAddr, u32) {
        let block = self.next_meta;
        self.next_meta += 1;
        if self.metadata {
            (
                LbAddr {
                    block,
                    partition: 1,
                },
                PART + META_BASE + block,
            )
        } else {
            (
                LbAddr {
                    block: META_BASE + block,
                    partition: 0,
                },
                PART + META_BASE + block,
            )
        }
    }

    /// Blocks for file data in the physical partition: the partition block.
    pub fn data(&mut self, bytes: &[u8]) -> u32 {
        let block = self.next_data;
        let n = bytes.len().div_ceil(BLOCK_SIZE).max(1);
        for (i, c) in bytes.chunks(BLOCK_SIZE).enumerate() {
            self.put(PART + block + i as u32, c);
        }
        self.next_data += n as u32;
        block
    }

    /// Writes a file entry; returns its ICB address.
    pub fn entry(&mut self, fe: &FileEntry) -> LongAd {
        let (addr, lba) = self.meta_block();
        let raw = fe.encode(tp(addr.block));
        self.put(lba, &raw);
        LongAd::new(BLOCK_SIZE as u32, addr)
    }

    pub fn fe(file_type: u8, ad_type: AdType, size: u64, ads: Vec<u8>) -> FileEntry {
        let mut fe = FileEntry::new(true, IcbTag::new(file_type, ad_type));
        fe.information_length = size;
        fe.object_size = size;
        fe.permissions = ecma_permissions(0o644);
        fe.modification_time = Timestamp::from_unix(1_600_000_000, 0, 0);
        fe.access_time = fe.modification_time;
        fe.attribute_time = fe.modification_time;
        fe.allocation_descriptors = ads;
        fe
    }

    /// A regular file with its bytes recorded in the physical partition.
    pub fn file(&mut self, bytes: &[u8]) -> LongAd {
        let block = self.data(bytes);
        let ads = encode_ads(
            &[Ad {
                length: bytes.len() as u32,
                kind: ExtentType::Recorded,
                location: LbAddr {
                    block,
                    partition: 0,
                },
            }],
            AdType::Long,
        );
        let fe = Builder::fe(file_type::REGULAR, AdType::Long, bytes.len() as u64, ads);
        self.entry(&fe)
    }

    /// A directory whose FIDs (parent first) are embedded in its entry.
    pub fn dir(&mut self, children: &[(&str, LongAd, u8)]) -> LongAd {
        let (addr, lba) = self.meta_block();
        let mut fids = Fid {
            version_number: 1,
            characteristics: fid_flags::DIRECTORY | fid_flags::PARENT,
            icb: LongAd::new(BLOCK_SIZE as u32, addr),
            implementation_use: vec![],
            raw_name: vec![],
        }
        .encode(tp(addr.block));
        for (name, icb, flags) in children {
            fids.extend(
                Fid {
                    version_number: 1,
                    characteristics: *flags,
                    icb: *icb,
                    implementation_use: vec![],
                    raw_name: encode_d_chars(name),
                }
                .encode(tp(addr.block)),
            );
        }
        let mut fe = Builder::fe(
            file_type::DIRECTORY,
            AdType::Embedded,
            fids.len() as u64,
            fids,
        );
        fe.permissions = ecma_permissions(0o755);
        let raw = fe.encode(tp(addr.block));
        self.put(lba, &raw);
        LongAd::new(BLOCK_SIZE as u32, addr)
    }

    /// Writes the volume structures with `root` as the root directory.
    pub fn finish(&mut self, root: LongAd) -> &Medium {
        for (i, id) in [VRS_BEA01, VRS_NSR03, VRS_TEA01].iter().enumerate() {
            let v = encode_vrs(id);
            self.put(16 + i as u32, &v);
        }
        // FSD in the metadata space (or the physical partition).
        let (fsd_addr, fsd_lba) = self.meta_block();
        let fsd = Fsd::only(
            Timestamp::from_unix(1_600_000_000, 0, 0),
            ("Synthetic".into(), "Synthetic".into()),
            root,
            Regid::udf(DOMAIN_OSTA, self.revision),
        );
        let raw = fsd.encode(tp(fsd_addr.block)).unwrap();
        self.put(fsd_lba, &raw);

        let mut maps = vec![PartitionMap::Physical {
            volume_seq_number: 1,
            partition_number: 0,
        }];
        if self.metadata {
            // The metadata file: one extent of 64 blocks at META_BASE.
            let ads = encode_ads(
                &[Ad {
                    length: 64 * BLOCK_SIZE as u32,
                    kind: ExtentType::Recorded,
                    location: LbAddr {
                        block: META_BASE,
                        partition: 0,
                    },
                }],
                AdType::Short,
            );
            let fe = Builder::fe(file_type::METADATA, AdType::Short, 64 * 2048, ads);
            let raw = fe.encode(tp(50));
            self.put(PART + 50, &raw);
            maps.push(PartitionMap::Metadata {
                ident: Regid::udf(METADATA_PARTITION, 0x0250),
                volume_seq_number: 1,
                partition_number: 0,
                metadata_file: 50,
                mirror_file: 60,
                bitmap_file: u32::MAX,
                allocation_unit: 32,
                alignment_unit: 1,
                flags: 0,
            });
        }
        let lvd = Lvd {
            vds_number: 2,
            descriptor_charset: Charspec::cs0(),
            volume_id: "Synthetic".into(),
            block_size: 2048,
            domain_id: Regid::udf(DOMAIN_OSTA, self.revision),
            fsd: LongAd::new(BLOCK_SIZE as u32, fsd_addr),
            implementation_id: Regid::new("*test", [0; 8]),
            implementation_use: [0; 128],
            integrity_sequence: ExtentAd::default(),
            maps,
        };
        let pd = Pd::partition_0(
            1,
            NSR03,
            access_type::OVERWRITABLE,
            (PART, self.m.total - PART),
            Regid::new("*test", [0; 8]),
        );
        for base in [32u32, 64] {
            let raw = pd.encode(tp(base));
            self.put(base, &raw);
            let raw = lvd.encode(tp(base + 1)).unwrap();
            self.put(base + 1, &raw);
            let raw = Td.encode(tp(base + 2));
            self.put(base + 2, &raw);
        }
        let avdp = Avdp {
            main_vds: ExtentAd {
                length: 16 * 2048,
                location: 32,
            },
            reserve_vds: ExtentAd {
                length: 16 * 2048,
                location: 64,
            },
        };
        let raw = avdp.encode(tp(256));
        self.put(256, &raw);
        &self.m
    }
}
