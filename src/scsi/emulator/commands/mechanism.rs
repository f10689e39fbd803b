//! The tray: START STOP UNIT (eject and load), PREVENT ALLOW MEDIUM
//! REMOVAL and MECHANISM STATUS. growisofs and wodim lock and unlock the
//! tray around a burn and eject at the end; a host that ejects and then
//! expects the disc to be gone must see "no medium, tray open" until it
//! loads again, and a load must announce the medium like a fresh insert.

use super::{be16, reply, DriveState, Outcome};
use crate::scsi::emulator::quirks::{LoadState, MediaEvent};
use crate::scsi::{DataDirection, Sense};

/// START STOP UNIT (1Bh): byte 4 bit 1 LoEj, bit 0 Start; a power
/// condition (bits 4-7) makes the drive ignore both.
pub fn start_stop(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    let power_condition = cdb[4] >> 4;
    let load_eject = cdb[4] & 0x02 != 0;
    let start = cdb[4] & 0x01 != 0;
    if power_condition != 0 || !load_eject {
        // Spinning up or down changes nothing an emulated disc shows; a
        // spin-up without a medium still has nothing to spin.
        if start && power_condition == 0 && !st.medium_loaded() {
            return Err(st.no_medium_sense().into());
        }
        return Ok(0);
    }
    if start {
        load(st);
        return Ok(0);
    }
    if st.mech.prevent || st.mech.persistent_prevent {
        return Err(Sense::MEDIUM_REMOVAL_PREVENTED.into());
    }
    if !st.mech.tray_open {
        // Keep what an open track holds before the disc leaves, as a drive
        // would flush its buffer to the medium.
        st.persist().map_err(super::Fail::Vanished)?;
        st.mech.tray_open = true;
        st.load = LoadState {
            media_event: st.disc.media_present.then_some(MediaEvent::MediaRemoval),
            ..LoadState::default()
        };
    }
    Ok(0)
}

/// Closing the tray over a disc is an insert: UNIT ATTENTION 6/28/00 on
/// the next command and the "new media" event, then ready.
fn load(st: &mut DriveState) {
    if !st.mech.tray_open {
        return;
    }
    st.mech.tray_open = false;
    let mut load = LoadState::after_load(&st.disc.quirks, st.disc.media_present);
    load.unit_attention_pending = st.disc.media_present;
    st.load = load;
}

/// PREVENT ALLOW MEDIUM REMOVAL (1Eh): byte 4 bit 0 sets or clears, bit
/// 1 says whether that is the lock (0) or the persistent prevent (1), so
/// unlocking leaves a persistent prevent in place.
pub fn prevent_allow(st: &mut DriveState, cdb: &[u8]) -> Outcome {
    let on = cdb[4] & 0x01 != 0;
    if cdb[4] & 0x02 != 0 {
        st.mech.persistent_prevent = on;
    } else {
        st.mech.prevent = on;
    }
    Ok(0)
}

/// MECHANISM STATUS (BDh): the 8-byte header of a drive that is no
/// changer, idle, with the door-open bit following the tray.
pub fn mechanism_status(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let mut r = [0u8; 8];
    if st.mech.tray_open {
        r[1] = 0x10;
    }
    Ok(reply(data, &r, be16(cdb, 8) as usize))
}
