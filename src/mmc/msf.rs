//! CD minute/second/frame addresses (docs/mmc-notes.md §1.15).

/// Frames per second of CD audio time.
const FRAMES_PER_SECOND: i32 = 75;
/// The 2-second pre-gap before LBA 0.
const LBA_ZERO_FRAMES: i32 = 150;
/// Minutes ≥ 90 address the lead-in (negative LBAs).
const LEAD_IN_MINUTES: i32 = 90;
/// 100 minutes of frames: the wrap-around of lead-in addresses.
const WRAP_FRAMES: i32 = 100 * 60 * FRAMES_PER_SECOND;

/// An MSF address as the three bytes M, S, F.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Msf {
    pub minute: u8,
    pub second: u8,
    pub frame: u8,
}

impl Msf {
    pub fn new(minute: u8, second: u8, frame: u8) -> Msf {
        Msf {
            minute,
            second,
            frame,
        }
    }

    /// The LBA of this address; minutes ≥ 90 are lead-in (negative).
    pub fn to_lba(self) -> i32 {
        let frames =
            (self.minute as i32 * 60 + self.second as i32) * FRAMES_PER_SECOND + self.frame as i32;
        if (self.minute as i32) < LEAD_IN_MINUTES {
            frames - LBA_ZERO_FRAMES
        } else {
            frames - WRAP_FRAMES - LBA_ZERO_FRAMES
        }
    }

    /// The MSF of an LBA; `None` outside −45150 ..= 404849, the LBAs
    /// that minutes 90-99 (lead-in) and 0-89 can express.
    pub fn from_lba(lba: i32) -> Option<Msf> {
        let program_end = LEAD_IN_MINUTES * 60 * FRAMES_PER_SECOND - LBA_ZERO_FRAMES;
        let lead_in_start = program_end - WRAP_FRAMES;
        if !(lead_in_start..program_end).contains(&lba) {
            return None;
        }
        let frames = if lba >= -LBA_ZERO_FRAMES {
            lba + LBA_ZERO_FRAMES
        } else {
            lba + WRAP_FRAMES + LBA_ZERO_FRAMES
        };
        Some(Msf {
            minute: (frames / (60 * FRAMES_PER_SECOND)) as u8,
            second: (frames / FRAMES_PER_SECOND % 60) as u8,
            frame: (frames % FRAMES_PER_SECOND) as u8,
        })
    }
}

impl std::fmt::Display for Msf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.minute, self.second, self.frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_addresses_convert_both_ways() {
        // docs/mmc-notes.md §1.15 and §7.1/§7.2.
        assert_eq!(Msf::new(79, 59, 74).to_lba(), 359849);
        assert_eq!(Msf::new(79, 59, 70).to_lba(), 359845);
        assert_eq!(Msf::new(97, 26, 66).to_lba(), -11634);
        assert_eq!(Msf::new(1, 40, 10).to_lba(), 7360);
        assert_eq!(Msf::from_lba(20150), Some(Msf::new(4, 30, 50)));
        assert_eq!(Msf::from_lba(-11634), Some(Msf::new(97, 26, 66)));
        assert_eq!(Msf::from_lba(0), Some(Msf::new(0, 2, 0)));
        assert_eq!(Msf::from_lba(i32::MAX), None);
        assert_eq!(Msf::from_lba(404850), None);
        assert_eq!(Msf::from_lba(-45151), None);
        for lba in [-45150, -150, -1, 0, 1, 359849, 404849] {
            assert_eq!(Msf::from_lba(lba).unwrap().to_lba(), lba);
        }
    }
}
