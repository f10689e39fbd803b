//! The Write Parameters mode page (0x05), built from scratch for the media
//! that need it (mmc.md §1.12).
//!
//! CD and DVD-R/RW decide at write time, through this page, whether the
//! session closed at the end leaves room for another one; DVD+R, BD-R and
//! overwritable media ignore the page (MMC), so none is sent for them.

use crate::media::Profile;

/// Length of the Write Parameters page including its 2-byte header (MMC-3+).
const PAGE_LEN: usize = 52;
/// Length of the mode parameter header of MODE SELECT(10).
const HEADER_LEN: usize = 8;

/// What the session being written allows after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextSession {
    /// Multi-session 11b: the disc stays appendable after CLOSE SESSION.
    Allowed,
    /// Multi-session 00b: CLOSE SESSION finalizes the disc.
    Forbidden,
}

/// The write parameters a profile needs before its first WRITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteParameters {
    /// CD-R/RW: Track-At-Once, data track mode 4, Mode 1 blocks.
    CdTrackAtOnce(NextSession),
    /// DVD-R/RW sequential: incremental, fixed packets of 16 blocks, link
    /// size 16.
    DvdIncremental(NextSession),
}

impl WriteParameters {
    /// The page a profile needs, `None` for media that ignore page 05
    /// (DVD+R, BD-R, every overwritable medium).
    pub fn for_profile(profile: Profile, next: NextSession) -> Option<WriteParameters> {
        match profile {
            Profile::CdR | Profile::CdRw => Some(WriteParameters::CdTrackAtOnce(next)),
            Profile::DvdMinusR | Profile::DvdMinusRwSequential => {
                Some(WriteParameters::DvdIncremental(next))
            }
            // DL sequential recording has no multi-session (mmc.md §6.11).
            Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => {
                Some(WriteParameters::DvdIncremental(NextSession::Forbidden))
            }
            _ => None,
        }
    }

    /// The MODE SELECT(10) parameter list: an all-zero 8-byte header (no
    /// block descriptor) followed by page 05.
    pub fn parameter_list(self) -> [u8; HEADER_LEN + PAGE_LEN] {
        let mut list = [0u8; HEADER_LEN + PAGE_LEN];
        let page = &mut list[HEADER_LEN..];
        page[0] = 0x05; // PS cleared, as growisofs does before a SELECT
        page[1] = (PAGE_LEN - 2) as u8;
        let next = match self {
            WriteParameters::CdTrackAtOnce(next) | WriteParameters::DvdIncremental(next) => next,
        };
        let multi = match next {
            NextSession::Allowed => 0b11 << 6,
            NextSession::Forbidden => 0,
        };
        match self {
            WriteParameters::CdTrackAtOnce(_) => {
                page[2] = 0x01; // write type TAO
                page[3] = multi | 0x04; // track mode 4: data, uninterrupted
                page[4] = 0x08; // Mode 1, 2048-byte user data
                page[8] = 0x00; // session format CD-DA/CD-ROM
                page[14..16].copy_from_slice(&150u16.to_be_bytes());
            }
            WriteParameters::DvdIncremental(_) => {
                page[2] = 0x20; // LS_V, write type 0: packet/incremental
                page[3] = multi | 0x20 | 0x05; // FP, track mode 5
                page[4] = 0x08;
                page[5] = 16; // link size
                page[10..14].copy_from_slice(&16u32.to_be_bytes());
            }
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cd_gets_track_at_once_data_mode_1() {
        let list = WriteParameters::for_profile(Profile::CdR, NextSession::Allowed)
            .unwrap()
            .parameter_list();
        assert_eq!(list[..8], [0; 8]);
        let page = &list[8..];
        assert_eq!(page[..5], [0x05, 0x32, 0x01, 0xC4, 0x08]);
        assert_eq!(page[14..16], [0, 150]);
    }

    #[test]
    fn dvd_minus_gets_incremental_fixed_packets_of_16() {
        let list =
            WriteParameters::for_profile(Profile::DvdMinusRwSequential, NextSession::Allowed)
                .unwrap()
                .parameter_list();
        let page = &list[8..];
        assert_eq!(page[2] & 0x0F, 0, "write type incremental");
        assert_eq!(page[2] & 0x20, 0x20, "link size valid");
        assert_eq!(page[3], 0xC0 | 0x20 | 0x05);
        assert_eq!(page[5], 16);
        assert_eq!(page[10..14], [0, 0, 0, 16]);
    }

    #[test]
    fn finalizing_clears_the_multi_session_bits() {
        for profile in [Profile::CdRw, Profile::DvdMinusR] {
            let page = WriteParameters::for_profile(profile, NextSession::Forbidden)
                .unwrap()
                .parameter_list();
            assert_eq!(page[8 + 3] >> 6, 0, "{profile}");
        }
    }

    #[test]
    fn dual_layer_dvd_minus_r_never_allows_a_next_session() {
        assert_eq!(
            WriteParameters::for_profile(Profile::DvdMinusRDl, NextSession::Allowed),
            Some(WriteParameters::DvdIncremental(NextSession::Forbidden))
        );
    }

    #[test]
    fn plus_r_bd_and_overwritable_media_need_no_page() {
        for profile in [
            Profile::DvdPlusR,
            Profile::DvdPlusRDl,
            Profile::BdR,
            Profile::BdRe,
            Profile::DvdPlusRw,
            Profile::DvdMinusRwRestricted,
            Profile::DvdRam,
        ] {
            assert_eq!(
                WriteParameters::for_profile(profile, NextSession::Allowed),
                None,
                "{profile}"
            );
        }
    }
}
