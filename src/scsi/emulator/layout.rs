//! Where things sit on an emulated medium: per-profile geometry (alignment,
//! TAO run-out, the gaps between sessions, default capacities) and the MSF
//! arithmetic of CD addresses (docs/mmc-notes.md §1.15, §7.1).
//!
//! Every address the emulator reports is derived from these numbers and the
//! recorded track list, so the worked examples of docs/mmc-notes.md §7 follow from one
//! place instead of being spread over the command handlers.

use crate::media::{Family, Profile, WriteModel};

/// CD: ATIP last possible lead-out start of an 80-minute disc (79:59:74).
pub const CD_LAST_LEADOUT: u32 = 359_849;
/// CD: ATIP lead-in start of the first session (97:26:66 = LBA −11634).
pub const CD_FIRST_LEADIN: i32 = -11_634;
/// CD: lead-out of the first session plus the next lead-in and pre-gap.
pub const CD_GAP_FIRST: u32 = 11_400;
/// CD: the same for later sessions.
pub const CD_GAP_LATER: u32 = 6_900;
/// CD: lead-out length after the first session (RDI "next lead-in" offset).
pub const CD_LEADOUT_FIRST: u32 = 6_750;
/// CD: lead-out length after later sessions.
pub const CD_LEADOUT_LATER: u32 = 2_250;
/// CD: the next lead-in (4500) on top of the lead-out, as TOC pointer B0 counts it.
pub const CD_LEADIN: u32 = 4_500;
/// CD: pre-gap of a track that follows another track in the same session.
pub const CD_PREGAP: u32 = 150;
/// DVD+R and DVD+R DL: from the end of a closed session to the next
/// session's start. Real drives (records `dvdplusr-*`: 13 gaps on 4 discs,
/// 4 drives, 3 writing programs) all leave 2048 blocks (docs/mmc-notes.md §7.1); the
/// older model's 38112 was a placeholder that no written disc shows.
pub const DVD_PLUS_SESSION_GAP: u32 = 2_048;
/// DVD-R and DVD-RW sequential: the border after a closed session (record
/// `dvdr-1s-padded-gsa4040b`: track 65264 blocks, next at 93952;
/// `dvdrw-seq-1s-appendable-xorriso-ts`: 145680 → 174368; 3 drives). Only
/// first borders are on record; later ones are taken to cost the same.
pub const DVD_MINUS_BORDER_GAP: u32 = 28_688;
/// DVD-R and DVD-RW sequential: the smallest first session a drive closes
/// (record `dvdr-1s-padded-gsa4040b`: 16 blocks of data closed as a 65264
/// block track). The drive pads the track; reads past the data give zeros.
pub const DVD_MINUS_MIN_FIRST_SESSION: u32 = 65_264;
/// DVD-R and DVD-RW sequential: the free blocks of a blank disc (4 drives
/// blank, 3 written). 2298496 is the legacy lead-out address, not capacity.
pub const DVD_MINUS_CAPACITY: u32 = 2_297_888;
/// DVD-R/RW single layer: the legacy lead-out address, which some drives
/// report as the capacity of a finalized disc.
pub const DVD_MINUS_LEGACY_LEAD_OUT: u32 = 2_298_496;
/// DVD-R: tracks inside one open session are 16 blocks apart (one ECC
/// block of link area; a camcorder disc on record).
pub const DVD_MINUS_TRACK_GAP: u32 = 16;
/// BD-R SL capacity unformatted (also the BD-RE "no spares" size).
pub const BD_RAW_CAPACITY: u32 = 12_219_392;
/// BD-RE SL capacity with the default spare areas (also the BD-R SRM
/// format with default spares).
pub const BD_FORMATTED_CAPACITY: u32 = 11_826_176;
/// BD-R formatted SRM+POW with the smallest spare area, as growisofs
/// pre-formats it (record `bdr-pow-1s-3tracks-wh16ns40`; the blank disc's
/// READ FORMAT CAPACITIES offers 32h with 11826176, 5796864 and 12088320).
pub const BD_POW_CAPACITY: u32 = 12_088_320;
/// BD-R: the 32h (SRM) format capacities a drive offers, largest spare
/// first, as the record's drive lists them.
pub const BD_R_SRM_CAPACITIES: [u32; 3] = [BD_FORMATTED_CAPACITY, 5_796_864, BD_POW_CAPACITY];

/// The shape of recorded tracks and sessions on one profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Tracks are padded up to a multiple of this many blocks.
    pub align: u32,
    /// Unreadable blocks a drive appends to each track (CD TAO: 2).
    pub runout: u32,
    /// Blocks from the end of session 1 to the start of session 2.
    pub gap_first: u32,
    /// Blocks from the end of session k ≥ 2 to the start of session k+1.
    pub gap_later: u32,
    /// Blocks between two tracks of one session.
    pub track_gap: u32,
    /// A closed first session spans at least this many blocks (the drive
    /// pads its last track); 0 for no minimum.
    pub min_first_session: u32,
}

impl Geometry {
    /// Read-only media are pressed, not recorded: tracks end exactly where
    /// their data does, without padding or run-out.
    pub fn of(profile: Profile) -> Geometry {
        let geometry = Geometry::of_family(profile);
        if profile.write_model() == WriteModel::ReadOnly {
            Geometry {
                align: 1,
                runout: 0,
                ..geometry
            }
        } else {
            geometry
        }
    }

    fn of_family(profile: Profile) -> Geometry {
        match profile.family() {
            Family::Cd => Geometry {
                align: 1,
                runout: 2,
                gap_first: CD_GAP_FIRST,
                gap_later: CD_GAP_LATER,
                track_gap: CD_PREGAP,
                min_first_session: 0,
            },
            Family::Dvd
                if matches!(
                    profile,
                    Profile::DvdMinusR
                        | Profile::DvdMinusRwSequential
                        | Profile::DvdMinusRDl
                        | Profile::DvdMinusRDlJump
                ) =>
            {
                Geometry {
                    align: 16,
                    runout: 0,
                    gap_first: DVD_MINUS_BORDER_GAP,
                    gap_later: DVD_MINUS_BORDER_GAP,
                    track_gap: DVD_MINUS_TRACK_GAP,
                    min_first_session: DVD_MINUS_MIN_FIRST_SESSION,
                }
            }
            Family::Dvd => Geometry {
                align: 16,
                runout: 0,
                gap_first: DVD_PLUS_SESSION_GAP,
                gap_later: DVD_PLUS_SESSION_GAP,
                track_gap: 0,
                min_first_session: 0,
            },
            Family::Bd => Geometry {
                align: 32,
                runout: 0,
                gap_first: 0,
                gap_later: 0,
                track_gap: 0,
                min_first_session: 0,
            },
        }
    }

    /// Blocks from a track's start to whatever follows it (docs/mmc-notes.md §7.1 `T_k`).
    pub fn track_span(&self, blocks: u32) -> u32 {
        round_up(blocks, self.align).saturating_add(self.runout)
    }

    /// Blocks of a track that read back (data plus alignment padding).
    pub fn readable(&self, blocks: u32) -> u32 {
        round_up(blocks, self.align)
    }

    /// Blocks of the last track of a first session once the drive closed
    /// it: padded so that the session, which starts at `session_start`,
    /// spans at least [`min_first_session`](Self::min_first_session) —
    /// but never past the medium's `capacity` (a small emulated disc
    /// would otherwise record a track beyond its own end, and its sidecar
    /// would no longer open).
    pub fn closed_first_session_track(
        &self,
        session_start: u32,
        track_start: u32,
        blocks: u32,
        capacity: u32,
    ) -> u32 {
        let before = track_start.saturating_sub(session_start);
        let room = capacity.saturating_sub(track_start);
        blocks.max(self.min_first_session.saturating_sub(before).min(room))
    }

    /// The gap that follows closed session number `closed` (1-based).
    pub fn session_gap(&self, closed: usize) -> u32 {
        if closed <= 1 {
            self.gap_first
        } else {
            self.gap_later
        }
    }
}

/// Capacity of a new medium of `profile`, in blocks (for CD the last
/// possible lead-out start); `None` for read-only profiles, whose size is
/// that of the image they wrap.
pub fn default_capacity(profile: Profile) -> Option<u32> {
    Some(match profile {
        Profile::CdR | Profile::CdRw => CD_LAST_LEADOUT,
        Profile::DvdMinusR | Profile::DvdMinusRwSequential => DVD_MINUS_CAPACITY,
        Profile::DvdMinusRwRestricted => DVD_MINUS_CAPACITY,
        Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => 4_171_712,
        Profile::DvdPlusR | Profile::DvdPlusRw => 2_295_104,
        Profile::DvdPlusRDl | Profile::DvdPlusRwDl => 4_173_824,
        Profile::DvdRam => 2_236_704,
        Profile::BdR => BD_RAW_CAPACITY,
        Profile::BdRe => BD_FORMATTED_CAPACITY,
        Profile::CdRom | Profile::DvdRom | Profile::BdRom | Profile::BdRRrm => return None,
    })
}

/// `value` rounded up to a multiple of `unit`, saturating at the top.
pub fn round_up(value: u32, unit: u32) -> u32 {
    match value % unit {
        0 => value,
        rem => value.saturating_add(unit - rem),
    }
}

/// CD address as minute/second/frame (docs/mmc-notes.md §1.15): negative LBAs are
/// lead-in addresses with M ≥ 90.
pub fn lba_to_msf(lba: i64) -> [u8; 3] {
    let frames = if lba >= -150 {
        lba + 150
    } else {
        lba + 450_150
    };
    let frames = frames.max(0);
    [
        (frames / 4500).min(255) as u8,
        ((frames / 75) % 60) as u8,
        (frames % 75) as u8,
    ]
}

/// The 4-byte big-endian form of an MSF address as RDI and TOC carry it
/// (`00 M S F`).
pub fn msf_field(lba: i64) -> [u8; 4] {
    let [m, s, f] = lba_to_msf(lba);
    [0, m, s, f]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msf_of_the_reference_addresses() {
        assert_eq!(msf_field(CD_FIRST_LEADIN as i64), [0, 97, 26, 66]);
        assert_eq!(msf_field(CD_LAST_LEADOUT as i64), [0, 0x4F, 0x3B, 0x4A]);
        assert_eq!(msf_field(7360), [0, 1, 40, 10]);
        assert_eq!(msf_field(20150), [0, 4, 30, 50]);
        assert_eq!(lba_to_msf(610 + 11250), [2, 40, 10]);
    }

    #[test]
    fn spans_follow_alignment_and_runout() {
        assert_eq!(Geometry::of(Profile::CdR).track_span(608), 610);
        assert_eq!(Geometry::of(Profile::DvdMinusR).track_span(50003), 50016);
        assert_eq!(Geometry::of(Profile::BdR).track_span(50003), 50016);
        assert_eq!(round_up(u32::MAX, 16), u32::MAX);
    }
}
