//! READ DISC STRUCTURE (ADh), the formats dvd+rw-mediainfo, growisofs and
//! libburn ask for: on DVD (media type 0) 00h physical format, 01h
//! copyright, 0Eh pre-recorded lead-in (DVD-R/-RW), 10h recorded lead-in
//! physical format (DVD-R/-RW), 11h ADIP (DVD+R/+RW), 20h layer boundary
//! (DL); on BD (media type 1) 00h disc information and 0Ah spare area;
//! FFh, the list of what the loaded medium has, on both. The media IDs
//! name no real manufacturer, so product tables never match them.

use super::{be16, put16, put32, reply, DriveState, Outcome};
use crate::media::{Family, Profile};
use crate::scsi::emulator::layout::BD_RAW_CAPACITY;
use crate::scsi::{DataDirection, Sense};

/// Physical sector number of LBA 0 on DVD.
const DVD_FIRST_PSN: u32 = 0x030000;

/// Manufacturer and type IDs of the emulated media.
const PLUS_MEDIA_ID: (&[u8; 8], &[u8; 3]) = (b"EMULATED", b"000");
const DASH_MEDIA_ID: (&[u8; 6], &[u8; 6]) = (b"EMULAT", b"ED0000");
const BD_MEDIA_ID: (&[u8; 6], &[u8; 3]) = (b"EMULAT", b"000");

fn is_plus(p: Profile) -> bool {
    matches!(
        p,
        Profile::DvdPlusR | Profile::DvdPlusRDl | Profile::DvdPlusRw | Profile::DvdPlusRwDl
    )
}

fn is_dash_recordable(p: Profile) -> bool {
    matches!(
        p,
        Profile::DvdMinusR
            | Profile::DvdMinusRDl
            | Profile::DvdMinusRDlJump
            | Profile::DvdMinusRwSequential
            | Profile::DvdMinusRwRestricted
    )
}

fn is_dual_layer(p: Profile) -> bool {
    matches!(
        p,
        Profile::DvdPlusRDl
            | Profile::DvdPlusRwDl
            | Profile::DvdMinusRDl
            | Profile::DvdMinusRDlJump
    )
}

/// Book type (high nibble) and part version of byte 0 of the physical
/// format, the byte dvd+rw-mediainfo names the media by.
fn book(p: Profile) -> u8 {
    match p {
        Profile::DvdRom => 0x01,
        Profile::DvdRam => 0x16,
        Profile::DvdMinusR => 0x25,
        Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => 0x26,
        Profile::DvdMinusRwSequential | Profile::DvdMinusRwRestricted => 0x32,
        Profile::DvdPlusRw => 0x92,
        Profile::DvdPlusR => 0xA1,
        Profile::DvdPlusRwDl => 0xD1,
        _ => 0xE1,
    }
}

/// The DVD formats the loaded medium has, with their data length field.
fn dvd_formats(p: Profile) -> Vec<(u8, u16)> {
    let mut list = vec![(0x00, 2050), (0x01, 6)];
    if is_dash_recordable(p) {
        list.push((0x0E, 42));
        list.push((0x10, 2050));
    }
    if is_plus(p) {
        list.push((0x11, 258));
    }
    if is_dual_layer(p) {
        list.push((0x20, 10));
    }
    list
}

fn bd_formats(p: Profile) -> Vec<(u8, u16)> {
    let mut list = vec![(0x00, 4098)];
    if p != Profile::BdRom {
        list.push((0x0A, 14));
    }
    list
}

pub fn read_disc_structure(
    st: &mut DriveState,
    cdb: &[u8],
    data: &mut DataDirection<'_>,
) -> Outcome {
    let media_type = cdb[1] & 0x0F;
    let layer = cdb[6];
    let format = cdb[7];
    let alloc = be16(cdb, 8) as usize;
    let p = st.disc.profile;
    let family = match media_type {
        0 => Family::Dvd,
        1 => Family::Bd,
        _ => return Err(Sense::INVALID_FIELD_IN_CDB.into()),
    };
    if p.family() != family {
        return Err(Sense::CANNOT_READ_INCOMPATIBLE_FORMAT.into());
    }
    let formats = if family == Family::Dvd {
        dvd_formats(p)
    } else {
        bd_formats(p)
    };
    let r = if format == 0xFF {
        let mut r = vec![0u8; 4];
        for (code, len) in formats.iter().copied().chain([(0xFF, 0)]) {
            let mut e = [code, 0x40, 0, 0];
            let len = if code == 0xFF {
                (4 + 4 * (formats.len() + 1) - 2) as u16
            } else {
                len
            };
            put16(&mut e, 2, len);
            r.extend_from_slice(&e);
        }
        r
    } else {
        if !formats.iter().any(|&(c, _)| c == format) {
            return Err(Sense::INVALID_FIELD_IN_CDB.into());
        }
        let layers = if is_dual_layer(p) { 2 } else { 1 };
        if format <= 0x10 && layer >= layers {
            return Err(Sense::INVALID_FIELD_IN_CDB.into());
        }
        match (family, format) {
            (Family::Dvd, 0x00 | 0x10) => physical_format(st),
            (Family::Dvd, 0x01) => vec![0, 6, 0, 0, 0, 0, 0, 0],
            (Family::Dvd, 0x0E) => prerecorded(),
            (Family::Dvd, 0x11) => adip(p),
            (Family::Dvd, _) => layer_boundary(st),
            (_, 0x00) => bd_disc_information(p),
            _ => bd_spare_area(st),
        }
    };
    let mut r = r;
    let len = (r.len() - 2) as u16;
    put16(&mut r, 0, len);
    Ok(reply(data, &r, alloc))
}

/// 00h: 4-byte header and 2048 bytes, of which the first 17 describe the
/// disc; DVD+ media carry their media ID at 19-29 as real ones do.
fn physical_format(st: &DriveState) -> Vec<u8> {
    let p = st.disc.profile;
    let cap = st.disc.capacity;
    let mut r = vec![0u8; 4 + 2048];
    let b = &mut r[4..];
    b[0] = book(p);
    // 120 mm, maximum rate 10.08 Mbit/s.
    b[1] = 0x02;
    let layer_type = match p {
        Profile::DvdRom => 0x01,
        Profile::DvdMinusR | Profile::DvdMinusRDl | Profile::DvdMinusRDlJump => 0x02,
        Profile::DvdPlusR | Profile::DvdPlusRDl => 0x02,
        _ => 0x04,
    };
    b[3] = 0x10;
    put32(b, 4, DVD_FIRST_PSN);
    if is_dual_layer(p) {
        // Two layers, opposite track path: layer 1 counts down from the
        // complement of where layer 0 ended.
        b[2] = 0x20 | 0x10 | layer_type;
        let l0 = cap / 2;
        let mirrored = DVD_FIRST_PSN + 2 * l0 - cap.min(2 * l0);
        put32(b, 8, !mirrored & 0x00FF_FFFF);
        put32(b, 12, DVD_FIRST_PSN + l0 - 1);
    } else {
        b[2] = layer_type;
        put32(b, 8, DVD_FIRST_PSN + cap.saturating_sub(1));
    }
    if is_plus(p) {
        b[19..27].copy_from_slice(PLUS_MEDIA_ID.0);
        b[27..30].copy_from_slice(PLUS_MEDIA_ID.1);
    }
    r
}

/// 0Eh: five 8-byte fields of the DVD-R pre-pit lead-in; fields 3 and 4
/// hold the manufacturer ID that dvd+rw-mediainfo prints.
fn prerecorded() -> Vec<u8> {
    let mut r = vec![0u8; 4 + 40];
    for field in 1..=5u8 {
        r[4 + (field as usize - 1) * 8] = field;
    }
    r[4 + 17..4 + 23].copy_from_slice(DASH_MEDIA_ID.0);
    r[4 + 25..4 + 31].copy_from_slice(DASH_MEDIA_ID.1);
    r
}

/// 11h: ADIP of DVD+ media, 256 bytes: book byte, then the media ID at
/// 19-26 (manufacturer) and 27-29 (type).
fn adip(p: Profile) -> Vec<u8> {
    let mut r = vec![0u8; 4 + 256];
    r[4] = book(p);
    r[4 + 19..4 + 27].copy_from_slice(PLUS_MEDIA_ID.0);
    r[4 + 27..4 + 30].copy_from_slice(PLUS_MEDIA_ID.1);
    r
}

/// 20h: layer 0 data zone capacity; byte 4 bit 7 says it can no longer be
/// changed, which is so once anything is recorded.
fn layer_boundary(st: &DriveState) -> Vec<u8> {
    let mut r = vec![0u8; 12];
    if !st.disc.is_blank() {
        r[4] = 0x80;
    }
    put32(&mut r, 8, st.disc.capacity / 2);
    r
}

/// BD 00h: the disc information area (4096 bytes) with one DI unit: "DI",
/// version 1, the disc type ID (BDO, BDR, BDW) and the media ID at 100.
fn bd_disc_information(p: Profile) -> Vec<u8> {
    let mut r = vec![0u8; 4 + 4096];
    let di = &mut r[4..];
    di[0..2].copy_from_slice(b"DI");
    di[2] = 1;
    di[8..11].copy_from_slice(match p {
        Profile::BdRom => b"BDO",
        Profile::BdRe => b"BDW",
        _ => b"BDR",
    });
    di[100..106].copy_from_slice(BD_MEDIA_ID.0);
    di[106..109].copy_from_slice(BD_MEDIA_ID.1);
    r
}

/// BD 0Ah: free and allocated spare blocks. Formatting sets the spare
/// aside from the blank disc's blocks, and nothing has been replaced, so
/// both are what the format took; an unformatted disc has none.
fn bd_spare_area(st: &DriveState) -> Vec<u8> {
    let blank = BD_RAW_CAPACITY;
    let spare = if st.disc.is_formatted() {
        blank.saturating_sub(st.disc.capacity)
    } else {
        0
    };
    let mut r = vec![0u8; 16];
    put32(&mut r, 8, spare);
    put32(&mut r, 12, spare);
    r
}
