//! MODE SENSE(10) / MODE SELECT(10) with the Write Parameters page 05,
//! which decides the write type (and so the CD NWA quirk) and whether
//! closing a CD or DVD-R session finalizes the disc.

use super::speed::{
    current_read_speed, current_write_speed, max_read_speed, write_speeds, BUFFER_KIB,
};
use super::{be16, put16, reply, DriveState, Outcome};
use crate::media::{Family, Profile};
use crate::scsi::{DataDirection, Sense};

const PAGE_CODE: u8 = 0x05;
const PAGE_LEN: usize = 52;

/// Write Parameters mode page (docs/mmc-notes.md §1.12), kept as its 52 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page05([u8; PAGE_LEN]);

impl Page05 {
    /// The page a drive holds after power-on: TAO on CD, incremental with
    /// 16-block packets elsewhere, and Multi-session 11b (keep the disc
    /// appendable), so a writer that never sends a page still gets a
    /// multisession disc.
    pub fn default_for(profile: Profile) -> Page05 {
        let mut p = [0u8; PAGE_LEN];
        p[0] = PAGE_CODE;
        p[1] = (PAGE_LEN - 2) as u8;
        if profile.family() == Family::Cd {
            p[2] = 0x01;
            p[3] = 0xC0 | 0x04;
            p[4] = 0x08;
        } else {
            p[2] = 0x20;
            p[3] = 0xC0 | 0x20 | 0x05;
            p[4] = 0x08;
            p[5] = 16;
            p[10..14].copy_from_slice(&16u32.to_be_bytes());
        }
        put16(&mut p, 14, 150);
        Page05(p)
    }

    /// 0 packet/incremental, 1 TAO, 2 SAO/DAO, 3 raw, 4 layer jump.
    pub fn write_type(&self) -> u8 {
        self.0[2] & 0x0F
    }

    /// Multi-session field: 00b means the next CLOSE SESSION finalizes.
    pub fn multi_session(&self) -> u8 {
        self.0[3] >> 6
    }

    fn data_block_type(&self) -> u8 {
        self.0[4] & 0x0F
    }

    /// Bits a MODE SELECT may change.
    fn changeable() -> [u8; PAGE_LEN] {
        let mut m = [0u8; PAGE_LEN];
        m[0] = PAGE_CODE;
        m[1] = (PAGE_LEN - 2) as u8;
        // Write type, LS_V, BUFE; not Test Write (never simulated).
        m[2] = 0x6F;
        m[3] = 0xFF;
        m[4] = 0x0F;
        m[5] = 0xFF;
        m[7] = 0x3F;
        m[8] = 0xFF;
        m[10..16].fill(0xFF);
        m
    }
}

const CAPABILITIES: u8 = 0x2A;

/// CD/DVD Capabilities and Mechanical Status page 2Ah (MMC-3 layout with
/// write speed descriptors): what the drive reads and writes, the tray and
/// its lock, the buffer, and the speeds for the loaded medium. wodim takes
/// a drive without it for non-MMC; dvd+rw-mediainfo needs the DVD-ROM read
/// bit and reads the current write speed at byte 28.
fn page2a(st: &DriveState) -> Vec<u8> {
    let loaded = st.medium_loaded().then_some(st.disc.profile);
    let speeds = write_speeds(loaded);
    let mut p = vec![0u8; 32];
    p[0] = CAPABILITIES;
    p[1] = (30 + 4 * speeds.len()) as u8;
    // Reads DVD-RAM, DVD-R, DVD-ROM, CD-RW, CD-R; no Method 2 (no READ CD).
    p[2] = 0x20 | 0x10 | 0x08 | 0x02 | 0x01;
    // Writes DVD-RAM, DVD-R, CD-RW, CD-R; no test write (see 002Dh).
    p[3] = 0x20 | 0x10 | 0x02 | 0x01;
    // Underrun protection, multisession.
    p[4] = 0x80 | 0x40;
    // Tray loader, eject, lock; lock state follows PREVENT.
    let locked = st.mech.prevent || st.mech.persistent_prevent;
    p[6] = 0x20 | 0x08 | 0x01 | ((locked as u8) << 1);
    let cap16 = |v: u32| v.min(0xFFFF) as u16;
    put16(&mut p, 8, cap16(max_read_speed(loaded)));
    put16(&mut p, 12, cap16(BUFFER_KIB));
    put16(&mut p, 14, cap16(current_read_speed(st)));
    put16(&mut p, 18, cap16(speeds.first().copied().unwrap_or(0)));
    let current = cap16(current_write_speed(st));
    put16(&mut p, 20, current);
    put16(&mut p, 28, current);
    put16(&mut p, 30, speeds.len() as u16);
    for s in speeds {
        p.extend_from_slice(&[0, 0]);
        p.extend_from_slice(&cap16(s).to_be_bytes());
    }
    p
}

pub fn mode_sense(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let page = cdb[2] & 0x3F;
    let control = cdb[2] >> 6;
    if page != PAGE_CODE && page != CAPABILITIES && page != 0x3F {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let mut r = vec![0u8; 8];
    if page != CAPABILITIES {
        let body = match control {
            0 => st.page05.0,
            1 => Page05::changeable(),
            // Default and saved values are the power-on page.
            _ => Page05::default_for(st.disc.profile).0,
        };
        r.extend_from_slice(&body);
    }
    if page != PAGE_CODE {
        let mut p = page2a(st);
        if control == 1 {
            // Nothing in it is changeable.
            p[2..].fill(0);
        }
        r.extend_from_slice(&p);
    }
    let len = (r.len() - 2) as u16;
    put16(&mut r, 0, len);
    Ok(reply(data, &r, be16(cdb, 7) as usize))
}

pub fn mode_select(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    if cdb[1] & 0x10 == 0 {
        // Only page-format parameter lists.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let DataDirection::ToDevice(list) = data else {
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    };
    let list: &[u8] = list;
    let declared = (be16(cdb, 7) as usize).min(list.len());
    let list = &list[..declared];
    if list.len() < 8 {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
    }
    let mut at = 8 + be16(list, 6) as usize;
    let mut page05 = st.page05.clone();
    while at < list.len() {
        let header = list
            .get(at..at + 2)
            .ok_or(Sense::INVALID_FIELD_IN_PARAMETERS)?;
        let code = header[0] & 0x3F;
        let len = header[1] as usize;
        let page = list
            .get(at..at + 2 + len)
            .ok_or(Sense::INVALID_FIELD_IN_PARAMETERS)?;
        if code != PAGE_CODE || len < 14 {
            return Err(Sense::INVALID_FIELD_IN_PARAMETERS.into());
        }
        let n = page.len().min(PAGE_LEN);
        page05.0[2..n].copy_from_slice(&page[2..n]);
        at += 2 + len;
    }
    check_page05(st, &page05)?;
    if page05.write_type() != 2 {
        // Leaving SAO drops a cue sheet that was not written yet.
        st.cue = None;
    }
    st.page05 = page05;
    Ok(declared)
}

/// Which write parameters the loaded medium accepts (docs/mmc-notes.md §7.3, §7.4).
fn check_page05(st: &DriveState, page: &Page05) -> Result<(), Sense> {
    let profile = st.disc.profile;
    let dvd_minus = matches!(
        profile,
        Profile::DvdMinusR | Profile::DvdMinusRwSequential | Profile::DvdMinusRDl
    );
    if page.0[2] & 0x10 != 0 {
        // Test Write: the emulator cannot simulate a burn, and recording
        // a "dummy" one for real would change the disc behind the host.
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS);
    }
    let write_type = page.write_type();
    let allowed = match profile.family() {
        // Packet, TAO and SAO (with SEND CUE SHEET); raw is refused as
        // libburn probes it: the image holds no raw 2352-byte sectors.
        Family::Cd => write_type <= 2,
        _ if dvd_minus => matches!(write_type, 0 | 2),
        // DVD+R, BD and overwritables ignore the page.
        _ => return Ok(()),
    };
    if !allowed {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS);
    }
    // SAO takes the block type from the cue sheet: libburn leaves the
    // field 0, cdrecord sends 8. Raw sub-channel types (1-3) are refused
    // like raw writing, so no host expects R-W sub-channel data to land.
    let block_types: &[u8] = if write_type == 2 {
        &[0, 8, 10]
    } else {
        &[8, 10]
    };
    if !block_types.contains(&page.data_block_type()) {
        return Err(Sense::INVALID_FIELD_IN_PARAMETERS);
    }
    if dvd_minus && write_type == 0 && st.disc.recorded().is_some_and(|r| r.incremental_lost) {
        return Err(Sense::ILLEGAL_MODE_FOR_TRACK);
    }
    Ok(())
}
