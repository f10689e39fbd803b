//! Every MMC reply parser over whatever a drive (or a bad cable) sends
//! back: the first byte picks the parser, the rest is the reply.

use multisession::internals::mmc::capacity::{Capacity, FormatCapacities};
use multisession::internals::mmc::config::Configuration;
use multisession::internals::mmc::disc_info::DiscInformation;
use multisession::internals::mmc::event::MediaStatus;
use multisession::internals::mmc::inquiry::InquiryData;
use multisession::internals::mmc::mode::WriteParameters;
use multisession::internals::mmc::toc::{FormattedToc, MultisessionInfo, RawToc};
use multisession::internals::mmc::track_info::TrackInformation;
use multisession::scsi::Sense;

/// One input: see the module documentation for what must hold.
pub fn run(data: &[u8]) {
    let Some((&which, reply)) = data.split_first() else {
        return;
    };
    match which % 12 {
        0 => drop(Capacity::parse(reply)),
        1 => drop(FormatCapacities::parse(reply)),
        2 => drop(Configuration::parse(reply)),
        3 => drop(DiscInformation::parse(reply)),
        4 => drop(MediaStatus::parse(reply)),
        5 => drop(InquiryData::parse(reply)),
        6 => drop(WriteParameters::parse_mode_sense(reply)),
        7 => drop(FormattedToc::parse(reply)),
        8 => drop(MultisessionInfo::parse(reply)),
        9 => drop(RawToc::parse(reply)),
        10 => drop(TrackInformation::parse(reply)),
        _ => drop(Sense::decode(reply)),
    }
}
