//! Which Write Parameters page (0x05, docs/mmc-notes.md §1.12) a profile needs before
//! its first WRITE. The page itself is [`mmc::mode::WriteParameters`]; this
//! module owns only the choice.
//!
//! CD and DVD-R/RW decide at write time, through this page, whether the
//! session closed at the end leaves room for another one; DVD+R, BD-R and
//! overwritable media ignore the page (MMC), so none is sent for them.
//! Buffer-underrun-free recording stays on, IMAPI's default
//! (`BufferUnderrunFreeDisabled` false).

use crate::burn::plan::Finish;
use crate::media::Profile;
use crate::mmc::mode::{MultiSession, WriteParameters};

/// Link size and fixed packet size of DVD-R/RW incremental recording.
const DVD_LINK_SIZE: u8 = 16;

/// The page `profile` needs for a session that leaves the disc as `finish`
/// says, `None` for media that ignore page 05 (DVD+R, BD-R, every
/// overwritable medium).
pub fn write_parameters(profile: Profile, finish: Finish) -> Option<WriteParameters> {
    let multi = match finish {
        Finish::Appendable => MultiSession::Allowed,
        Finish::Finalized => MultiSession::Finalize,
    };
    match profile {
        Profile::CdR | Profile::CdRw => Some(WriteParameters::cd_tao(multi)),
        Profile::DvdMinusR | Profile::DvdMinusRwSequential => {
            Some(WriteParameters::dvd_incremental(multi, DVD_LINK_SIZE))
        }
        // DL sequential recording has no multi-session (docs/mmc-notes.md §6.11).
        Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => Some(WriteParameters::dvd_incremental(
            MultiSession::Finalize,
            DVD_LINK_SIZE,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmc::mode::WriteType;

    #[test]
    fn cd_gets_track_at_once_data_mode_1() {
        let page = write_parameters(Profile::CdR, Finish::Appendable).unwrap();
        assert_eq!(page.write_type, WriteType::TrackAtOnce);
        assert_eq!(page.multi_session, MultiSession::Allowed);
        assert_eq!((page.track_mode, page.data_block_type), (4, 8));
        assert_eq!(page.audio_pause_length, 150);
    }

    #[test]
    fn dvd_minus_gets_incremental_fixed_packets_of_16() {
        let page = write_parameters(Profile::DvdMinusRwSequential, Finish::Appendable).unwrap();
        assert_eq!(page.write_type, WriteType::Incremental);
        assert!(page.link_size_valid && page.fixed_packet);
        assert_eq!((page.link_size, page.packet_size), (16, 16));
        assert_eq!(page.track_mode, 5);
    }

    #[test]
    fn finalizing_clears_the_multi_session_bits() {
        for profile in [Profile::CdRw, Profile::DvdMinusR] {
            let page = write_parameters(profile, Finish::Finalized).unwrap();
            assert_eq!(page.multi_session, MultiSession::Finalize, "{profile}");
            assert_eq!(page.select_parameters()[8 + 3] >> 6, 0, "{profile}");
        }
    }

    #[test]
    fn dual_layer_dvd_minus_r_never_allows_a_next_session() {
        let page = write_parameters(Profile::DvdMinusRDl, Finish::Appendable).unwrap();
        assert_eq!(page.multi_session, MultiSession::Finalize);
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
                write_parameters(profile, Finish::Appendable),
                None,
                "{profile}"
            );
        }
    }
}
