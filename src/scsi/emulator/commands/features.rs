//! GET CONFIGURATION: the profile list and the features of docs/mmc-notes.md §1.3,
//! with the "current" bit following the loaded medium and its state.

use super::{be16, put16, put32, reply, DriveState, Outcome};
use crate::media::{Family, Profile, WriteModel};
use crate::scsi::emulator::model::Disc;
use crate::scsi::{DataDirection, Sense};

/// Entries for a catalog number (2), the lead-in, 99 tracks with ISRC (2),
/// INDEX 0 and 1, and the lead-out, 8 bytes each.
const MAX_CUE_SHEET_BYTES: u32 = 8 * (2 + 1 + 99 * 4 + 1);

/// One feature descriptor before encoding.
struct Feature {
    code: u16,
    version: u8,
    persistent: bool,
    current: bool,
    payload: Vec<u8>,
}

impl Feature {
    fn new(code: u16, current: bool, payload: Vec<u8>) -> Feature {
        debug_assert!(payload.len() % 4 == 0);
        Feature {
            code,
            version: 0,
            persistent: false,
            current,
            payload,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.code.to_be_bytes());
        out.push((self.version << 2) | ((self.persistent as u8) << 1) | self.current as u8);
        out.push(self.payload.len() as u8);
        out.extend_from_slice(&self.payload);
    }
}

/// What the "current" bits depend on: the loaded medium and its state.
struct Medium<'d> {
    disc: &'d Disc,
    /// `None` without a medium.
    loaded: Option<Profile>,
    family: Option<Family>,
    /// A write-protected disc keeps its reading features but no writing
    /// feature is current, which is how real drives tell hosts about it.
    writable: bool,
    /// Writable with a track to write into.
    appendable: bool,
    /// Blocks per write unit of the medium (1 without one).
    blocking: u16,
}

impl Medium<'_> {
    fn of(st: &DriveState) -> Medium<'_> {
        let disc = &st.disc;
        let loaded = st.medium_loaded().then_some(disc.profile);
        let writable = !disc.write_protected;
        Medium {
            disc,
            loaded,
            family: loaded.map(Profile::family),
            writable,
            appendable: writable && disc.next_track().is_some(),
            blocking: loaded.map_or(1, |p| p.write_unit()) as u16,
        }
    }

    /// The loaded medium is one of `ps`.
    fn is(&self, ps: &[Profile]) -> bool {
        self.loaded.is_some_and(|p| ps.contains(&p))
    }
}

/// Every feature the emulated drive has, for the loaded medium, in
/// feature-code order.
fn features(st: &DriveState) -> Vec<Feature> {
    let m = Medium::of(st);
    let mut list = reading_features(&m);
    list.extend(writing_features(&m));
    list.extend(recording_features(&m));
    list.extend(bd_and_double_layer_features(&m));
    list.push(streaming_feature(&m));
    list
}

/// 0x0000–0x001F: profiles, core, the tray and reading.
fn reading_features(m: &Medium<'_>) -> Vec<Feature> {
    let mut list = Vec::new();

    // 0x0000 Profile List: every profile, highest first, current one flagged.
    let mut profiles: Vec<Profile> = Profile::ALL.to_vec();
    profiles.sort_by_key(|p| std::cmp::Reverse(p.code()));
    let mut payload = Vec::new();
    for p in profiles {
        payload.extend_from_slice(&p.code().to_be_bytes());
        payload.push((Some(p) == m.loaded) as u8);
        payload.push(0);
    }
    let mut f = Feature::new(0x0000, true, payload);
    f.persistent = true;
    list.push(f);

    // 0x0001 Core: ATAPI interface, DBE.
    let mut f = Feature::new(0x0001, true, vec![0, 0, 0, 2, 1, 0, 0, 0]);
    f.persistent = true;
    f.version = 2;
    list.push(f);

    // 0x0003 Removable Medium: tray loader that ejects and locks (0x29,
    // what real tray drives report); always current.
    let mut f = Feature::new(0x0003, true, vec![0x29, 0, 0, 0]);
    f.persistent = true;
    list.push(f);

    // 0x0010 Random Readable: block size and blocking of the medium.
    let mut payload = vec![0; 8];
    put32(&mut payload, 0, 2048);
    put16(&mut payload, 4, m.blocking);
    payload[6] = 1;
    list.push(Feature::new(0x0010, m.loaded.is_some(), payload));

    list.push(Feature::new(
        0x001E,
        m.family == Some(Family::Cd),
        vec![0; 4],
    ));
    list.push(Feature::new(
        0x001F,
        m.family == Some(Family::Dvd),
        vec![0; 4],
    ));
    list
}

/// 0x0020–0x002C: how the medium takes writes (random, incremental,
/// formatting, restricted and DVD+ overwrite).
fn writing_features(m: &Medium<'_>) -> Vec<Feature> {
    let disc = m.disc;
    let writable = m.writable;
    let mut list = Vec::new();

    // 0x0020 Random Writable: formatted overwritable media.
    let random = m
        .loaded
        .is_some_and(|p| p.write_model() == WriteModel::RandomWrite);
    let mut payload = vec![0; 12];
    put32(&mut payload, 0, disc.capacity.saturating_sub(1));
    put32(&mut payload, 4, 2048);
    put16(&mut payload, 8, m.blocking);
    payload[10] = 1;
    list.push(Feature::new(
        0x0020,
        writable && random && disc.is_formatted(),
        payload,
    ));

    // 0x0021 Incremental Streaming Writable: CD and DVD-R/RW that take more.
    let incremental_media = m.is(&[
        Profile::CdR,
        Profile::CdRw,
        Profile::DvdMinusR,
        Profile::DvdMinusRwSequential,
        Profile::DvdMinusRDl,
    ]);
    let incremental_lost = disc.recorded().is_some_and(|r| r.incremental_lost);
    let link = if m.family == Some(Family::Cd) { 7 } else { 16 };
    list.push(Feature::new(
        0x0021,
        incremental_media && m.appendable && !incremental_lost,
        vec![0x00, 0x01, 0x07, 1, link, 0, 0, 0],
    ));

    // 0x0023 Formattable.
    list.push(Feature::new(
        0x0023,
        writable
            && m.is(&[
                Profile::DvdPlusRw,
                Profile::DvdPlusRwDl,
                Profile::BdRe,
                Profile::DvdMinusRwSequential,
                Profile::DvdMinusRwRestricted,
                Profile::DvdRam,
            ])
            || (writable && m.is(&[Profile::BdR]) && disc.is_blank()),
        vec![0; 8],
    ));

    list.push(Feature::new(
        0x0026,
        writable && m.is(&[Profile::DvdMinusRwRestricted]),
        vec![],
    ));
    list.push(Feature::new(
        0x002A,
        writable && m.is(&[Profile::DvdPlusRw]),
        vec![1, 0, 0, 0],
    ));
    list.push(Feature::new(
        0x002B,
        m.is(&[Profile::DvdPlusR]) && m.appendable,
        vec![1, 0, 0, 0],
    ));
    list.push(Feature::new(
        0x002C,
        m.is(&[Profile::DvdMinusRwRestricted]),
        vec![0x07, 0, 0, 0],
    ));
    list
}

/// 0x002D–0x002F: the write modes of CD (TAO, SAO) and DVD-R.
fn recording_features(m: &Medium<'_>) -> Vec<Feature> {
    let mut list = Vec::new();
    // CD Track at Once: writable CD that is not finalized. Neither this nor
    // 002Fh offers Test Write: the emulator would record a "dummy" burn
    // for real, so page 05 refuses the bit and hosts are told up front.
    let cd_writable = m.is(&[Profile::CdR, Profile::CdRw]) && m.appendable;
    let rw_bit = if m.is(&[Profile::CdRw]) { 0x02 } else { 0 };
    list.push(Feature::new(
        0x002D,
        cd_writable,
        vec![0x40 | rw_bit, 0, 0x00, 0x01],
    ));
    // 0x002E CD Mastering: SAO with underrun protection (BUF), no raw
    // and no test write; current on a blank CD, the only one the emulator
    // takes a cue sheet for (drives refuse SAO on an appendable CD: the
    // libburn cookbook). The cue sheet length bounds what one session of
    // 99 tracks with catalog number and ISRCs needs.
    let mut payload = vec![0x40 | 0x20 | rw_bit, 0, 0, 0];
    payload[1..4].copy_from_slice(&MAX_CUE_SHEET_BYTES.to_be_bytes()[1..]);
    list.push(Feature::new(
        0x002E,
        cd_writable && m.disc.is_blank(),
        payload,
    ));

    // 0x002F DVD-R/-RW Write.
    let dvd_minus = m.is(&[
        Profile::DvdMinusR,
        Profile::DvdMinusRwSequential,
        Profile::DvdMinusRDl,
    ]) && m.appendable;
    list.push(Feature::new(0x002F, dvd_minus, vec![0x4A, 0, 0, 0]));
    list
}

/// 0x0038–0x0041: BD-R pseudo-overwrite, the double-layer DVD+ media and
/// BD reading and writing.
fn bd_and_double_layer_features(m: &Medium<'_>) -> Vec<Feature> {
    let mut list = Vec::new();
    // 0x0038 BD-R Pseudo-Overwrite: current when formatted SRM+POW.
    list.push(Feature::new(
        0x0038,
        m.loaded.is_some() && m.disc.pow(),
        vec![0; 4],
    ));

    list.push(Feature::new(
        0x003A,
        m.writable && m.is(&[Profile::DvdPlusRwDl]),
        vec![1, 0, 0, 0],
    ));
    list.push(Feature::new(
        0x003B,
        m.is(&[Profile::DvdPlusRDl]) && m.appendable,
        vec![1, 0, 0, 0],
    ));

    // 0x0040 BD Read, 0x0041 BD Write (class 0 version bitmaps set).
    let mut payload = vec![0; 28];
    for at in [4, 12, 20] {
        put16(&mut payload, at, 0x0002);
    }
    list.push(Feature::new(0x0040, m.family == Some(Family::Bd), payload));
    let mut payload = vec![0; 20];
    payload[0] = 1;
    for at in [4, 12] {
        put16(&mut payload, at, 0x0002);
    }
    let bd_writable =
        (m.writable && m.is(&[Profile::BdRe])) || (m.is(&[Profile::BdR]) && m.appendable);
    list.push(Feature::new(0x0041, bd_writable, payload));
    list
}

/// 0x0107 Real Time Streaming: SET STREAMING, GET PERFORMANCE write
/// speeds (WSPD), page 2Ah speeds (MP2A), SET CD SPEED (SCS), READ
/// BUFFER CAPACITY blocks (RBCB); no stream writing. Current on DVD and
/// BD, where hosts set speeds by streaming.
fn streaming_feature(m: &Medium<'_>) -> Feature {
    let mut f = Feature::new(
        0x0107,
        matches!(m.family, Some(Family::Dvd | Family::Bd)),
        vec![0x1E, 0, 0, 0],
    );
    f.version = 3;
    f
}

pub fn get_configuration(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let rt = cdb[1] & 0x03;
    let start = be16(cdb, 2);
    let alloc = be16(cdb, 7) as usize;
    if rt == 3 {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let chosen: Vec<Feature> = features(st)
        .into_iter()
        .filter(|f| match rt {
            0 => f.code >= start,
            1 => f.code >= start && f.current,
            _ => f.code == start,
        })
        .collect();
    let current = if st.medium_loaded() {
        st.disc.profile.code()
    } else {
        0
    };
    let mut r = vec![0u8; 8];
    put16(&mut r, 6, current);
    for f in &chosen {
        f.encode(&mut r);
    }
    let len = r.len() as u32 - 4;
    put32(&mut r, 0, len);
    Ok(reply(data, &r, alloc))
}
