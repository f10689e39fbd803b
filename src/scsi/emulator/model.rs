//! The state of an emulated medium: recorded sessions and tracks, format
//! state, and the addresses that follow from them.
//!
//! The model is what the sidecar holds once parsed (see `sidecar.rs`), so
//! it can only express states a real medium can be in: only the last
//! session may be open, only its last track may be unfinished, and
//! overwritable media carry a format state instead of sessions.

use super::layout::{self, Geometry};
use super::quirks::{Faults, Quirks};
use crate::media::{Profile, WriteModel};

/// INQUIRY identity of the emulated drive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriveIdentity {
    /// INQUIRY vendor identification (8 characters on the wire).
    pub vendor: String,
    /// INQUIRY product identification (16 characters on the wire).
    pub product: String,
    /// INQUIRY product revision level (4 characters on the wire).
    pub revision: String,
}

impl Default for DriveIdentity {
    fn default() -> Self {
        DriveIdentity {
            vendor: "MSEMU".into(),
            product: "Emulated Writer".into(),
            revision: "1.00".into(),
        }
    }
}

/// A finished track: `blocks` user blocks written from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Track {
    pub start: u32,
    pub blocks: u32,
    /// Written session-at-once from a cue sheet: the drive wrote the
    /// lead-out (or the next track) right after the data, so the track
    /// has none of the run-out blocks a track-at-once track ends in.
    pub sao: bool,
}

impl Track {
    /// A track written track-at-once (or on media without run-out).
    pub fn new(start: u32, blocks: u32) -> Track {
        Track {
            start,
            blocks,
            sao: false,
        }
    }
}

/// The track being written: data goes to `start + blocks` next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenTrack {
    pub start: u32,
    pub blocks: u32,
    /// Size given by RESERVE TRACK; the drive pads the track to it on close.
    pub reserved: Option<u32>,
}

impl OpenTrack {
    pub fn next_writable(&self) -> u32 {
        self.start + self.blocks
    }

    /// The track as it is once closed: a reservation is padded out.
    pub fn closed(&self) -> Track {
        Track::new(self.start, self.blocks.max(self.reserved.unwrap_or(0)))
    }
}

/// A closed session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub tracks: Vec<Track>,
}

/// The session being written (MMC "incomplete"): closed tracks and maybe
/// one track still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSession {
    pub closed: Vec<Track>,
    pub current: Option<OpenTrack>,
}

/// How a BD-R was formatted before its first write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BdRFormat {
    Unformatted,
    /// Sequential Recording Mode with spare areas.
    Srm,
    /// SRM with Pseudo-Overwrite (feature 0x38 current).
    SrmPow,
}

/// A write-once (or sequentially written) medium: CD-R/RW, DVD±R, DVD-RW
/// sequential, BD-R, and the read-only profiles, which are finalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub sessions: Vec<Session>,
    pub open: Option<OpenSession>,
    pub finalized: bool,
    pub bd_r_format: BdRFormat,
    /// DVD-RW after a minimal blank: incremental recording (feature 0x21) is gone.
    pub incremental_lost: bool,
}

/// What the medium holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Medium {
    Recorded(Recorded),
    /// DVD+RW, DVD-RW restricted overwrite, DVD-RAM, BD-RE.
    Overwritable {
        formatted: bool,
    },
}

/// Everything the sidecar says about one emulated disc in one drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disc {
    pub identity: DriveIdentity,
    pub profile: Profile,
    /// CD: last possible lead-out start; other media: user capacity in blocks.
    pub capacity: u32,
    pub media_present: bool,
    pub write_protected: bool,
    pub medium: Medium,
    pub quirks: Quirks,
    pub faults: Faults,
}

/// The track a sequential medium will write next ("invisible" when blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextTrack {
    pub number: u32,
    pub session: u32,
    pub start: u32,
    pub next_writable: u32,
    /// Open (partly written) rather than blank.
    pub written: u32,
    pub reserved: Option<u32>,
}

/// One track with its numbers, as READ TRACK INFORMATION and READ TOC see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackEntry {
    pub number: u32,
    pub session: u32,
    pub track: Track,
}

impl Disc {
    pub fn geometry(&self) -> Geometry {
        Geometry::of(self.profile)
    }

    pub fn recorded(&self) -> Option<&Recorded> {
        match &self.medium {
            Medium::Recorded(r) => Some(r),
            Medium::Overwritable { .. } => None,
        }
    }

    pub fn recorded_mut(&mut self) -> Option<&mut Recorded> {
        match &mut self.medium {
            Medium::Recorded(r) => Some(r),
            Medium::Overwritable { .. } => None,
        }
    }

    pub fn is_read_only_profile(&self) -> bool {
        self.profile.write_model() == WriteModel::ReadOnly
    }

    /// Finished tracks in order, numbered from 1, with their session numbers
    /// (closed sessions first, then the closed tracks of an open session).
    pub fn closed_tracks(&self) -> Vec<TrackEntry> {
        let Some(rec) = self.recorded() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (s, session) in rec.sessions.iter().enumerate() {
            for t in &session.tracks {
                out.push(TrackEntry {
                    number: out.len() as u32 + 1,
                    session: s as u32 + 1,
                    track: *t,
                });
            }
        }
        if let Some(open) = &rec.open {
            let session = rec.sessions.len() as u32 + 1;
            for t in &open.closed {
                out.push(TrackEntry {
                    number: out.len() as u32 + 1,
                    session,
                    track: *t,
                });
            }
        }
        out
    }

    /// Tracks of closed sessions only: what a TOC shows. A formatted
    /// overwritable medium has no sessions, but real drives fabricate a
    /// TOC of one track over the whole capacity for it (records
    /// `dvdplusrw-formatted-*`, `bdre-complete-*`), which readers that
    /// find sessions through READ TOC rely on.
    pub fn toc_tracks(&self) -> Vec<TrackEntry> {
        if let Medium::Overwritable { formatted: true } = self.medium {
            return vec![TrackEntry {
                number: 1,
                session: 1,
                track: Track::new(0, self.capacity),
            }];
        }
        let closed_sessions = self.recorded().map_or(0, |r| r.sessions.len()) as u32;
        self.closed_tracks()
            .into_iter()
            .filter(|t| t.session <= closed_sessions)
            .collect()
    }

    /// End of a closed track (lead-out start for the last track of a CD session).
    pub fn track_end(&self, t: &Track) -> u32 {
        t.start.saturating_add(self.track_span(t))
    }

    /// Blocks from a track's start to its lead-out (or the next track):
    /// data, alignment padding and, written track-at-once, the run-out.
    pub fn track_span(&self, t: &Track) -> u32 {
        let g = self.geometry();
        if t.sao {
            g.readable(t.blocks)
        } else {
            g.track_span(t.blocks)
        }
    }

    /// Where the next session starts, from the closed sessions alone.
    fn next_session_start(&self, rec: &Recorded) -> u32 {
        match rec.sessions.last().and_then(|s| s.tracks.last()) {
            None => 0,
            // Saturating: a gap that would pass the last 32-bit LBA leaves
            // no room, which `next_track` reports as a full disc.
            Some(last) => self
                .track_end(last)
                .saturating_add(self.geometry().session_gap(rec.sessions.len())),
        }
    }

    /// The incomplete or invisible track of a sequential medium; `None` when
    /// it is finalized, read-only, overwritable, or has no room left.
    pub fn next_track(&self) -> Option<NextTrack> {
        let rec = self.recorded()?;
        if rec.finalized || self.is_read_only_profile() {
            return None;
        }
        let number = self.closed_tracks().len() as u32 + 1;
        let session = rec.sessions.len() as u32 + 1;
        let next = match &rec.open {
            Some(OpenSession {
                current: Some(open),
                ..
            }) => NextTrack {
                number,
                session,
                start: open.start,
                next_writable: open.next_writable(),
                written: open.blocks,
                reserved: open.reserved,
            },
            Some(OpenSession {
                closed,
                current: None,
            }) => {
                let start = closed
                    .last()
                    .map(|t| self.track_end(t).saturating_add(self.geometry().track_gap))
                    .unwrap_or_else(|| self.next_session_start(rec));
                NextTrack {
                    number,
                    session,
                    start,
                    next_writable: start,
                    written: 0,
                    reserved: None,
                }
            }
            None => {
                let start = self.next_session_start(rec);
                NextTrack {
                    number,
                    session,
                    start,
                    next_writable: start,
                    written: 0,
                    reserved: None,
                }
            }
        };
        (next.next_writable < self.capacity).then_some(next)
    }

    /// Blocks that can still be written at the next writable address. On
    /// CD the run-out of the track being written must fit before the
    /// lead-out: real drives report a blank CD-R's free blocks 2 (or 3)
    /// below the last possible lead-out start (records `cdr-blank-*`).
    pub fn free_blocks(&self) -> u32 {
        match self.next_track() {
            Some(n) => match n.reserved {
                Some(r) => r.saturating_sub(n.written),
                None => {
                    let reserve = match self.geometry().runout {
                        2 if self.quirks.cd_free_three_below_lead_out => 3,
                        runout => runout,
                    };
                    self.capacity
                        .saturating_sub(n.next_writable)
                        .saturating_sub(reserve)
                }
            },
            None => 0,
        }
    }

    /// True for a BD-R that answers like a formatted, unwritten disc.
    pub fn bd_r_formatted(&self) -> bool {
        self.profile == Profile::BdR
            && self.recorded().is_some_and(|r| {
                r.bd_r_format != BdRFormat::Unformatted || self.quirks.formatted_unwritten_bd_r
            })
    }

    pub fn pow(&self) -> bool {
        self.profile == Profile::BdR
            && self
                .recorded()
                .is_some_and(|r| r.bd_r_format == BdRFormat::SrmPow)
    }

    pub fn is_formatted(&self) -> bool {
        match &self.medium {
            Medium::Overwritable { formatted } => *formatted,
            Medium::Recorded(_) => self.bd_r_formatted(),
        }
    }

    /// Nothing recorded at all (blank sequential medium).
    pub fn is_blank(&self) -> bool {
        self.recorded()
            .is_some_and(|r| r.sessions.is_empty() && r.open.is_none())
    }

    /// What READ CAPACITY reports as the last LBA: 0xFFFFFFFF on a blank
    /// sequential disc as most drives answer (0 with a quirk), the legacy
    /// lead-out less one on a finalized DVD-R/RW with another quirk, else
    /// [`last_recorded_lba`](Self::last_recorded_lba).
    pub fn read_capacity_lba(&self) -> u32 {
        if self.is_blank() {
            let zero = self.quirks.read_capacity_zero_on_blank || self.bd_r_formatted();
            return if zero { 0 } else { u32::MAX };
        }
        let finalized = self.recorded().is_some_and(|r| r.finalized);
        let dvd_minus = matches!(
            self.profile,
            Profile::DvdMinusR | Profile::DvdMinusRwSequential | Profile::DvdMinusRDl
        );
        if finalized && dvd_minus && self.quirks.read_capacity_legacy_lead_out_when_finalized {
            return layout::DVD_MINUS_LEGACY_LEAD_OUT - 1;
        }
        self.last_recorded_lba()
    }

    /// Last LBA READ CAPACITY reports (0 when nothing is recorded). A
    /// written BD-R with Pseudo-Overwrite reports its whole formatted
    /// capacity, like an overwritable disc (record
    /// `bdr-pow-1s-3tracks-wh16ns40`).
    pub fn last_recorded_lba(&self) -> u32 {
        match &self.medium {
            Medium::Overwritable { formatted: true } => self.capacity.saturating_sub(1),
            Medium::Overwritable { formatted: false } => 0,
            Medium::Recorded(_) if self.pow() && !self.is_blank() => {
                self.capacity.saturating_sub(1)
            }
            Medium::Recorded(rec) => {
                let closed_end = self
                    .closed_tracks()
                    .last()
                    .map(|t| self.track_end(&t.track));
                let open_end = rec
                    .open
                    .as_ref()
                    .and_then(|o| o.current)
                    .filter(|t| t.blocks > 0)
                    .map(|t| t.next_writable());
                closed_end.max(open_end).map_or(0, |end| end - 1)
            }
        }
    }

    /// The extent of readable data on the medium: the end of the last
    /// written block, which the image file must cover.
    pub fn recorded_end(&self) -> u64 {
        let Some(rec) = self.recorded() else {
            return 0;
        };
        let closed = self
            .closed_tracks()
            .iter()
            .map(|t| t.track.start as u64 + t.track.blocks as u64)
            .max()
            .unwrap_or(0);
        let open = rec
            .open
            .as_ref()
            .and_then(|o| o.current)
            .map_or(0, |t| t.next_writable() as u64);
        closed.max(open)
    }

    /// Whether blocks `lba .. lba + blocks` read back: all data, or a TAO
    /// run-out block among them (which fails like a damaged sector), or
    /// some address that holds nothing.
    pub fn read_check(&self, lba: u32, blocks: u32) -> Readability {
        let end = lba as u64 + blocks as u64;
        match &self.medium {
            Medium::Overwritable { formatted } => {
                if *formatted && end <= self.capacity as u64 {
                    Readability::Data
                } else {
                    Readability::OutOfRange
                }
            }
            Medium::Recorded(rec) => {
                let g = self.geometry();
                let mut extents: Vec<(u64, u64, u64)> = self
                    .closed_tracks()
                    .iter()
                    .map(|t| {
                        let start = t.track.start as u64;
                        let readable = start + g.readable(t.track.blocks) as u64;
                        (start, readable, self.track_end(&t.track) as u64)
                    })
                    .collect();
                if let Some(open) = rec.open.as_ref().and_then(|o| o.current) {
                    let stop = open.next_writable() as u64;
                    extents.push((open.start as u64, stop, stop));
                }
                let lba = lba as u64;
                match extents
                    .iter()
                    .find(|(s, _, span)| (*s..*span).contains(&lba))
                {
                    Some(&(_, readable, _)) if end <= readable => Readability::Data,
                    Some(&(_, _, span)) if end <= span => Readability::RunOut,
                    _ => Readability::OutOfRange,
                }
            }
        }
    }

    /// CD: start of the lead-in of the last (empty or open) session, as
    /// READ DISC INFORMATION bytes 16-19 report it.
    pub fn cd_last_leadin(&self) -> i64 {
        let Some(rec) = self.recorded() else {
            return layout::CD_FIRST_LEADIN as i64;
        };
        match rec.sessions.last().and_then(|s| s.tracks.last()) {
            None => layout::CD_FIRST_LEADIN as i64,
            Some(last) => {
                let leadout = if rec.sessions.len() == 1 {
                    layout::CD_LEADOUT_FIRST
                } else {
                    layout::CD_LEADOUT_LATER
                };
                self.track_end(last) as i64 + leadout as i64
            }
        }
    }
}

/// What a READ finds at one LBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readability {
    Data,
    RunOut,
    OutOfRange,
}
