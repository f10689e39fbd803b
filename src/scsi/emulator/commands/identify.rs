//! INQUIRY, REQUEST SENSE and GET EVENT STATUS NOTIFICATION: what the drive
//! is, what went wrong last, and whether the medium changed.

use super::{be16, reply, DriveState, Outcome};
use crate::scsi::{DataDirection, Sense};

/// Standard INQUIRY data: an MMC device (type 5), removable, format 2.
pub fn inquiry(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    if cdb[1] & 0x01 != 0 || cdb[2] != 0 {
        // No vital product data pages.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    let mut r = [0u8; 36];
    r[0] = 0x05;
    r[1] = 0x80;
    r[2] = 0x05;
    r[3] = 0x02;
    r[4] = 31;
    let id = &st.disc.identity;
    ascii_field(&mut r[8..16], &id.vendor);
    ascii_field(&mut r[16..32], &id.product);
    ascii_field(&mut r[32..36], &id.revision);
    Ok(reply(data, &r, be16(cdb, 3) as usize))
}

/// Space-padded printable ASCII, cut to the field.
fn ascii_field(out: &mut [u8], text: &str) {
    out.fill(b' ');
    for (o, c) in out.iter_mut().zip(text.bytes()) {
        *o = if c.is_ascii_graphic() || c == b' ' {
            c
        } else {
            b'?'
        };
    }
}

/// The sense of the last failed command (or a pending unit attention),
/// fixed format unless DESC is set; reading it clears it.
pub fn request_sense(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    let sense = if st.load.unit_attention_pending {
        st.load.unit_attention_pending = false;
        Some(Sense::MEDIUM_CHANGED)
    } else {
        st.last_sense.take()
    };
    let sense = sense.unwrap_or(Sense::new(0, 0, 0));
    let alloc = cdb[4] as usize;
    if cdb[1] & 0x01 != 0 {
        Ok(reply(data, &sense.to_descriptor(), alloc))
    } else {
        Ok(reply(data, &sense.to_fixed(), alloc))
    }
}

/// Polled GET EVENT STATUS NOTIFICATION, media class only: "new media"
/// once after a load or a swap, "media removal" once after the disc went,
/// otherwise "no change"; the media status byte says whether a medium is
/// present (bit 1) and the tray open (bit 0).
pub fn event_status(st: &mut DriveState, cdb: &[u8], data: &mut DataDirection<'_>) -> Outcome {
    if cdb[1] & 0x01 == 0 {
        // Asynchronous notification is not offered.
        return Err(Sense::INVALID_FIELD_IN_CDB.into());
    }
    const MEDIA_CLASS: u8 = 0x10;
    let alloc = be16(cdb, 7) as usize;
    if cdb[4] & MEDIA_CLASS == 0 {
        // No supported class requested: NEA with the header only.
        let r = [0, 2, 0x80, MEDIA_CLASS];
        return Ok(reply(data, &r, alloc));
    }
    let event = st.load.media_event.take().map_or(0, |e| e.code());
    let present = (if st.medium_loaded() { 0x02 } else { 0 }) | st.mech.tray_open as u8;
    let r = [0, 6, 0x04, MEDIA_CLASS, event, present, 0, 0];
    Ok(reply(data, &r, alloc))
}
