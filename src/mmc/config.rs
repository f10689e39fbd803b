//! GET CONFIGURATION (0x46): the current profile and the feature
//! descriptors that decide how a medium may be written (docs/mmc-notes.md §1.3).

use super::cdb::{be16, op, timeout, Cdb};
use super::reply::Reply;
use crate::error::Result;

/// Feature codes of docs/mmc-notes.md §1.3.
pub mod feature {
    pub const PROFILE_LIST: u16 = 0x0000;
    pub const RANDOM_READABLE: u16 = 0x0010;
    pub const RANDOM_WRITABLE: u16 = 0x0020;
    pub const INCREMENTAL_STREAMING_WRITABLE: u16 = 0x0021;
    pub const FORMATTABLE: u16 = 0x0023;
    pub const RESTRICTED_OVERWRITE: u16 = 0x0026;
    pub const DVD_PLUS_RW: u16 = 0x002A;
    pub const DVD_PLUS_R: u16 = 0x002B;
    pub const RIGID_RESTRICTED_OVERWRITE: u16 = 0x002C;
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    pub const CD_MASTERING: u16 = 0x002E;
    pub const DVD_MINUS_R_WRITE: u16 = 0x002F;
    pub const LAYER_JUMP_RECORDING: u16 = 0x0033;
    pub const BD_R_PSEUDO_OVERWRITE: u16 = 0x0038;
    pub const DVD_PLUS_RW_DL: u16 = 0x003A;
    pub const DVD_PLUS_R_DL: u16 = 0x003B;
    pub const BD_READ: u16 = 0x0040;
    pub const BD_WRITE: u16 = 0x0041;
}

/// CDB byte 1 "RT": which features the drive returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestType {
    /// 00b: every feature with a code ≥ the starting feature.
    All,
    /// 01b: only current features ≥ the starting feature.
    Current,
    /// 10b: exactly the starting feature.
    One,
}

/// Allocation length for a full current-feature list (libburn rejects
/// announced lengths above 4096, so no sane drive needs more).
pub const ALLOCATION: u16 = 4096;

/// GET CONFIGURATION with `rt` from feature `start`, `alloc` bytes.
pub fn cdb(rt: RequestType, start: u16, alloc: u16) -> Cdb {
    let rt = match rt {
        RequestType::All => 0,
        RequestType::Current => 1,
        RequestType::One => 2,
    };
    let [sh, sl] = be16(start);
    let [ah, al] = be16(alloc);
    Cdb::ten(
        [op::GET_CONFIGURATION, rt, sh, sl, 0, 0, 0, ah, al, 0],
        timeout::INQUIRY,
    )
}

/// One feature descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub code: u16,
    pub version: u8,
    pub persistent: bool,
    pub current: bool,
    pub data: FeatureData,
}

/// The payloads of the features we use; anything else is kept raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureData {
    /// 0x0000: every profile the drive knows, with its CurrentP bit.
    ProfileList(Vec<ProfileEntry>),
    /// 0x0010.
    RandomReadable { block_size: u32, blocking: u16 },
    /// 0x0020.
    RandomWritable {
        last_lba: u32,
        block_size: u32,
        blocking: u16,
    },
    /// 0x0021: `arsv` allows address-mode reservation; link sizes are 16 on DVD-R/RW.
    IncrementalStreaming {
        data_block_types: u16,
        buf: bool,
        arsv: bool,
        trio: bool,
        link_sizes: Vec<u8>,
    },
    /// 0x0023.
    Formattable {
        cert: bool,
        qcert: bool,
        expand: bool,
        renosa: bool,
        rrm: bool,
    },
    /// 0x002A / 0x003A.
    DvdPlusRw {
        write: bool,
        close_only: bool,
        quick_start: bool,
    },
    /// 0x002B / 0x003B.
    DvdPlusR { write: bool },
    /// 0x002C.
    RigidRestrictedOverwrite {
        blank: bool,
        intermediate: bool,
        dsdr: bool,
        dsdg: bool,
    },
    /// 0x002D.
    CdTrackAtOnce { flags: u8, data_types: u16 },
    /// 0x002E: `sao` bit 5; cue sheet length bytes 5-7.
    CdMastering { flags: u8, max_cue_sheet: u32 },
    /// 0x002F.
    DvdMinusRWrite {
        dvd_rw: bool,
        test_write: bool,
        dual_layer: bool,
        buf: bool,
    },
    /// 0x0033.
    LayerJump { link_sizes: Vec<u8> },
    /// 0x0040 / 0x0041: class 0-3 version bitmaps of BD-RE, BD-R (and BD-ROM for read).
    BdClasses {
        re: [u16; 4],
        r: [u16; 4],
        rom: [u16; 4],
    },
    /// Features without payload we need (0x0026, 0x0038 …) or unknown ones.
    Raw(Vec<u8>),
}

/// A Profile List entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileEntry {
    pub profile: u16,
    pub current: bool,
}

/// A parsed GET CONFIGURATION reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// Header bytes 6-7; 0 when no medium is loaded.
    pub current_profile: u16,
    pub features: Vec<Feature>,
}

impl Configuration {
    /// Parses the header and every complete descriptor. A list cut off by
    /// a small allocation length ends at its last complete descriptor; a
    /// descriptor whose own payload is too short for its feature is an error.
    pub fn parse(bytes: &[u8]) -> Result<Configuration> {
        let r = Reply::new("GET CONFIGURATION", bytes);
        let length = r.u32(0, "data length")? as usize;
        let current_profile = r.u16(6, "current profile")?;
        let body = r.announced(4, length);
        let mut features = Vec::new();
        let mut at = 8;
        while at + 4 <= body.len() {
            let size = 4 + body.u8(at + 3, "feature additional length")? as usize;
            if at + size > body.len() {
                break;
            }
            let desc = Reply::new("GET CONFIGURATION", body.slice(at, size, "feature")?);
            features.push(Feature::parse(desc)?);
            at += size;
        }
        Ok(Configuration {
            current_profile,
            features,
        })
    }

    pub fn feature(&self, code: u16) -> Option<&Feature> {
        self.features.iter().find(|f| f.code == code)
    }

    /// The feature is reported and its current bit is set.
    pub fn is_current(&self, code: u16) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }
}

impl Feature {
    /// The header bits always count (the current bit is what probing
    /// needs); a payload shorter than its feature's layout, as old drives
    /// send, is kept raw instead of failing the whole configuration.
    fn parse(d: Reply<'_>) -> Result<Feature> {
        let code = d.u16(0, "feature code")?;
        let flags = d.u8(2, "feature flags")?;
        let data =
            Feature::payload(code, d).unwrap_or_else(|_| FeatureData::Raw(d.tail(4).to_vec()));
        Ok(Feature {
            code,
            version: (flags >> 2) & 0x0F,
            persistent: flags & 0x02 != 0,
            current: flags & 0x01 != 0,
            data,
        })
    }

    fn payload(code: u16, d: Reply<'_>) -> Result<FeatureData> {
        let bit = |byte: u8, n: u8| byte & (1 << n) != 0;
        let named = |field: &str| format!("feature {code:#06X} {field}");
        Ok(match code {
            feature::PROFILE_LIST => {
                let entries = d
                    .tail(4)
                    .chunks_exact(4)
                    .map(|e| ProfileEntry {
                        profile: u16::from_be_bytes([e[0], e[1]]),
                        current: e[2] & 1 != 0,
                    })
                    .collect();
                FeatureData::ProfileList(entries)
            }
            feature::RANDOM_READABLE => FeatureData::RandomReadable {
                block_size: d.u32(4, &named("logical block size"))?,
                blocking: d.u16(8, &named("blocking"))?,
            },
            feature::RANDOM_WRITABLE => FeatureData::RandomWritable {
                last_lba: d.u32(4, &named("last LBA"))?,
                block_size: d.u32(8, &named("logical block size"))?,
                blocking: d.u16(12, &named("blocking"))?,
            },
            feature::INCREMENTAL_STREAMING_WRITABLE => {
                let b6 = d.u8(6, &named("BUF/ARSV/TRIO"))?;
                let count = d.u8(7, &named("number of link sizes"))? as usize;
                FeatureData::IncrementalStreaming {
                    data_block_types: d.u16(4, &named("data block types"))?,
                    buf: bit(b6, 0),
                    arsv: bit(b6, 1),
                    trio: bit(b6, 2),
                    link_sizes: d.slice(8, count, &named("link sizes"))?.to_vec(),
                }
            }
            feature::FORMATTABLE => {
                let b4 = d.u8(4, &named("format flags"))?;
                // The RRM byte came with BD; older drives send 4 bytes of payload.
                let rrm = d.bytes().get(8).is_some_and(|b| b & 1 != 0);
                FeatureData::Formattable {
                    cert: bit(b4, 0),
                    qcert: bit(b4, 1),
                    expand: bit(b4, 2),
                    renosa: bit(b4, 3),
                    rrm,
                }
            }
            _ => Self::media_payload(code, d)?,
        })
    }

    /// The payloads of the medium-family features (DVD±R/RW, CD, BD write
    /// classes); anything else is kept raw.
    fn media_payload(code: u16, d: Reply<'_>) -> Result<FeatureData> {
        let bit = |byte: u8, n: u8| byte & (1 << n) != 0;
        let named = |field: &str| format!("feature {code:#06X} {field}");
        Ok(match code {
            feature::DVD_PLUS_RW | feature::DVD_PLUS_RW_DL => {
                let b5 = d.u8(5, &named("close flags"))?;
                FeatureData::DvdPlusRw {
                    write: bit(d.u8(4, &named("write bit"))?, 0),
                    close_only: bit(b5, 0),
                    quick_start: bit(b5, 1),
                }
            }
            feature::DVD_PLUS_R | feature::DVD_PLUS_R_DL => FeatureData::DvdPlusR {
                write: bit(d.u8(4, &named("write bit"))?, 0),
            },
            feature::RIGID_RESTRICTED_OVERWRITE => {
                let b4 = d.u8(4, &named("flags"))?;
                FeatureData::RigidRestrictedOverwrite {
                    blank: bit(b4, 0),
                    intermediate: bit(b4, 1),
                    dsdr: bit(b4, 2),
                    dsdg: bit(b4, 3),
                }
            }
            feature::CD_TRACK_AT_ONCE => FeatureData::CdTrackAtOnce {
                flags: d.u8(4, &named("flags"))?,
                data_types: d.u16(6, &named("data types"))?,
            },
            feature::CD_MASTERING => FeatureData::CdMastering {
                flags: d.u8(4, &named("flags"))?,
                max_cue_sheet: d.u24(5, &named("maximum cue sheet length"))?,
            },
            feature::DVD_MINUS_R_WRITE => {
                let b4 = d.u8(4, &named("flags"))?;
                FeatureData::DvdMinusRWrite {
                    dvd_rw: bit(b4, 1),
                    test_write: bit(b4, 2),
                    dual_layer: bit(b4, 3),
                    buf: bit(b4, 6),
                }
            }
            feature::LAYER_JUMP_RECORDING => {
                let count = d.u8(7, &named("number of link sizes"))? as usize;
                FeatureData::LayerJump {
                    link_sizes: d.slice(8, count, &named("link sizes"))?.to_vec(),
                }
            }
            feature::BD_READ | feature::BD_WRITE => {
                let classes = |at: usize, what: &str| -> Result<[u16; 4]> {
                    let mut c = [0u16; 4];
                    for (i, v) in c.iter_mut().enumerate() {
                        *v = d.u16(at + 2 * i, &named(what))?;
                    }
                    Ok(c)
                };
                let re = classes(8, "BD-RE class bitmaps")?;
                let r = classes(16, "BD-R class bitmaps")?;
                let rom = if code == feature::BD_READ {
                    classes(24, "BD-ROM class bitmaps")?
                } else {
                    [0; 4]
                };
                FeatureData::BdClasses { re, r, rom }
            }
            _ => FeatureData::Raw(d.tail(4).to_vec()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header plus descriptors, with the data length filled in.
    pub(crate) fn reply(profile: u16, descriptors: &[&[u8]]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        b[6..8].copy_from_slice(&profile.to_be_bytes());
        for d in descriptors {
            b.extend_from_slice(d);
        }
        let len = (b.len() - 4) as u32;
        b[0..4].copy_from_slice(&len.to_be_bytes());
        b
    }

    #[test]
    fn dvd_minus_r_reply_gives_profile_and_incremental_link_size() {
        let bytes = reply(
            0x0011,
            &[
                &[0, 0, 0x03, 8, 0, 0x11, 1, 0, 0, 0x1B, 0, 0],
                &[0, 0x21, 0x05, 8, 0, 0x01, 0x02, 1, 16, 0, 0, 0],
                &[0, 0x2F, 0x01, 4, 0x42, 0, 0, 0],
            ],
        );
        let c = Configuration::parse(&bytes).unwrap();
        assert_eq!(c.current_profile, 0x11);
        assert!(c.is_current(feature::INCREMENTAL_STREAMING_WRITABLE));
        assert!(!c.is_current(feature::BD_R_PSEUDO_OVERWRITE));
        match &c.feature(feature::PROFILE_LIST).unwrap().data {
            FeatureData::ProfileList(p) => {
                assert_eq!(p.len(), 2);
                assert!(p[0].current && p[0].profile == 0x11);
                assert!(!p[1].current);
            }
            other => panic!("{other:?}"),
        }
        match &c.feature(0x21).unwrap().data {
            FeatureData::IncrementalStreaming {
                link_sizes, arsv, ..
            } => {
                assert_eq!(link_sizes, &[16]);
                assert!(arsv);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.feature(0x21).unwrap().version, 1);
    }

    #[test]
    fn truncated_list_keeps_complete_descriptors() {
        let mut bytes = reply(0x41, &[&[0, 0x38, 0x01, 4, 0, 0, 0, 0], &[0, 0x40, 1, 28]]);
        bytes.truncate(8 + 8 + 2);
        let c = Configuration::parse(&bytes).unwrap();
        assert_eq!(c.features.len(), 1);
        assert!(c.is_current(feature::BD_R_PSEUDO_OVERWRITE));
    }

    #[test]
    fn short_feature_payload_is_kept_raw_with_its_current_bit() {
        let bytes = reply(0x11, &[&[0, 0x21, 0x01, 2, 0, 1]]);
        let c = Configuration::parse(&bytes).unwrap();
        assert!(c.is_current(0x21));
        assert_eq!(c.feature(0x21).unwrap().data, FeatureData::Raw(vec![0, 1]));
    }

    #[test]
    fn header_shorter_than_the_current_profile_is_invalid_response() {
        let e = Configuration::parse(&[0, 0, 0, 4, 0]).unwrap_err();
        assert!(e.detail().contains("current profile"), "{}", e.detail());
    }

    #[test]
    fn cdb_encodes_request_type_and_start() {
        assert_eq!(
            cdb(RequestType::One, 0x38, 16).as_bytes(),
            &[0x46, 2, 0, 0x38, 0, 0, 0, 0, 16, 0]
        );
    }
}
