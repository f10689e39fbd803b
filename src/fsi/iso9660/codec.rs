//! Byte-level encodings ECMA-119 uses everywhere: "both-byte-order"
//! integers, the 7-byte directory-record date and the 17-byte descriptor
//! date. Readers take the little-endian copy (as Linux and xorriso do), so a
//! disc with a wrong big-endian half still imports.

use std::cell::Cell;

/// Little-endian half of a 32-bit both-byte-order field.
pub fn get_u32_both(b: &[u8], at: usize) -> u32 {
    get_u32_le(b, at)
}

pub fn get_u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub fn get_u16_be(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub fn get_u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn get_u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub fn put_u16_both(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    b[at + 2..at + 4].copy_from_slice(&v.to_be_bytes());
}

pub fn put_u32_both(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    b[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// Appends a 32-bit both-byte-order value.
pub fn push_u32_both(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(&v.to_be_bytes());
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// civil-days method, written out from its arithmetic description).
const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

pub fn civil(unix: i64) -> Civil {
    let days = unix.div_euclid(86_400);
    let rem = unix.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: (rem / 60 % 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// Seconds since the epoch of a broken-down time at a GMT offset given in
/// 15-minute units (as both date formats store it).
fn unix_from_parts(c: Civil, gmt_offset_quarters: i8) -> Option<i64> {
    if !(1..=12).contains(&c.month) || !(1..=31).contains(&c.day) || c.hour > 23 || c.minute > 59 {
        return None;
    }
    let secs = days_from_civil(c.year, c.month, c.day) * 86_400
        + (c.hour * 3600 + c.minute * 60 + c.second.min(60)) as i64;
    Some(secs - gmt_offset_quarters as i64 * 900)
}

thread_local! {
    /// The day last encoded (days since the epoch, and its year − 1900,
    /// month and day bytes) and the day last decoded (those three bytes,
    /// and its days since the epoch). A session writes each entry's date
    /// up to five times (ISO 9660 and Joliet records, three Rock Ridge TF
    /// stamps) and an import reads four; the files of one tree mostly fall
    /// on a few days. Measured on 100,000 files, the calendar arithmetic
    /// was a tenth of an append's CPU time.
    static LAST_DAY: Cell<(i64, [u8; 3])> = const { Cell::new((i64::MIN, [0; 3])) };
    /// The time last encoded and its bytes: an entry's record date is its
    /// modification time, encoded a moment before in its `TF`.
    static LAST_TIME: Cell<(i64, [u8; 7])> = const { Cell::new((i64::MIN, [0; 7])) };
    /// The date last decoded whole and its seconds, and likewise its day:
    /// a record's TF stamps are mostly one time, which its record date
    /// repeats.
    static LAST_DECODED: Cell<Decoded> = const {
        Cell::new(Decoded { date: [0; 7], secs: i64::MIN, ymd: [0; 3], days: i64::MIN })
    };
}

/// See `LAST_DECODED`.
#[derive(Clone, Copy)]
struct Decoded {
    date: [u8; 7],
    secs: i64,
    ymd: [u8; 3],
    days: i64,
}

/// The 7-byte recording date of a directory record (years since 1900),
/// always written in GMT. Years outside 1900..=2155 are clamped, because the
/// field cannot express them.
pub fn encode_dir_date(unix: i64) -> [u8; 7] {
    match LAST_TIME.get() {
        (last, date) if last == unix => date,
        _ => {
            let date = encode_new_dir_date(unix);
            LAST_TIME.set((unix, date));
            date
        }
    }
}

/// [`encode_dir_date`] of a time other than the last.
fn encode_new_dir_date(unix: i64) -> [u8; 7] {
    const LO: i64 = days_from_civil(1900, 1, 1) * 86_400;
    const HI: i64 = days_from_civil(2155, 12, 31) * 86_400 + 86_399;
    let unix = unix.clamp(LO, HI);
    let days = unix.div_euclid(86_400);
    let rem = unix.rem_euclid(86_400);
    let ymd = match LAST_DAY.get() {
        (d, ymd) if d == days => ymd,
        _ => {
            let (year, month, day) = civil_from_days(days);
            let ymd = [(year - 1900) as u8, month as u8, day as u8];
            LAST_DAY.set((days, ymd));
            ymd
        }
    };
    [
        ymd[0],
        ymd[1],
        ymd[2],
        (rem / 3600) as u8,
        (rem / 60 % 60) as u8,
        (rem % 60) as u8,
        0,
    ]
}

/// Parses a 7-byte date; `None` for the all-zero "not specified" value or
/// nonsense fields.
pub fn decode_dir_date(b: &[u8]) -> Option<i64> {
    if b.len() < 7 || b[..6].iter().all(|&x| x == 0) {
        return None;
    }
    let (month, day, hour, minute) = (b[1] as u32, b[2] as u32, b[3] as u32, b[4] as u32);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let date: [u8; 7] = b[..7].try_into().expect("seven bytes");
    let ymd = [b[0], b[1], b[2]];
    let secs = LAST_DECODED.with(|last| {
        let mut d = last.get();
        if d.date == date {
            return d.secs;
        }
        if d.ymd != ymd {
            d.ymd = ymd;
            d.days = days_from_civil(1900 + b[0] as i64, month, day);
        }
        let secs = d.days * 86_400 + (hour * 3600 + minute * 60 + (b[5] as u32).min(60)) as i64;
        d.date = date;
        d.secs = secs - b[6] as i8 as i64 * 900;
        last.set(d);
        d.secs
    });
    Some(secs)
}

/// The 17-byte descriptor date: 16 ASCII digits (YYYYMMDDHHMMSScc) and a
/// GMT offset byte.
pub fn encode_vd_date(unix: i64) -> [u8; 17] {
    let c = civil(unix);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}00",
        c.year.clamp(1, 9999),
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second
    );
    let mut out = [0u8; 17];
    out[..16].copy_from_slice(&text.as_bytes()[..16]);
    out
}

/// The descriptor date meaning "not specified".
pub fn unspecified_vd_date() -> [u8; 17] {
    let mut out = [b'0'; 17];
    out[16] = 0;
    out
}

/// Parses a 17-byte long-form date (also used by Rock Ridge TF in long form).
pub fn decode_vd_date(b: &[u8]) -> Option<i64> {
    if b.len() < 17 || !b[..16].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> i64 {
        b[r].iter()
            .fold(0i64, |acc, d| acc * 10 + (d - b'0') as i64)
    };
    if num(0..4) == 0 {
        return None;
    }
    unix_from_parts(
        Civil {
            year: num(0..4),
            month: num(4..6) as u32,
            day: num(6..8) as u32,
            hour: num(8..10) as u32,
            minute: num(10..12) as u32,
            second: num(12..14) as u32,
        },
        b[16] as i8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_date_round_trips_through_the_seven_byte_form() {
        for t in [0i64, 951_782_400, 1_700_000_000, 4_102_444_799] {
            assert_eq!(decode_dir_date(&encode_dir_date(t)), Some(t));
        }
    }

    /// The days remembered between calls never leak into another date:
    /// every date, in any order, same day or not, comes out as the
    /// calendar arithmetic makes it.
    #[test]
    fn dir_dates_match_the_calendar_whatever_came_before() {
        let reference = |t: i64| {
            let c = civil(t);
            [
                (c.year - 1900) as u8,
                c.month as u8,
                c.day as u8,
                c.hour as u8,
                c.minute as u8,
                c.second as u8,
                0,
            ]
        };
        let mut t = -2_208_988_800i64; // 1900-01-01
        let mut step = 1u64;
        // Up to 2155-12-31 23:59:59, the last date the field holds.
        while t < 5_869_583_999 - 86_400 {
            for u in [t, t + 1, t - 86_400, t + 86_399, t] {
                let d = encode_dir_date(u);
                if u >= -2_208_988_800 {
                    assert_eq!(d, reference(u), "{u}");
                    assert_eq!(decode_dir_date(&d), Some(u), "{u}");
                }
            }
            // The same day at another GMT offset (two hours west).
            let mut d = encode_dir_date(t);
            d[6] = (-8i8) as u8;
            assert_eq!(decode_dir_date(&d), Some(t + 7200), "{t}");
            step = (step * 3 + 7) % 40_000_003;
            t += step as i64;
        }
        // Nonsense fields stay refused after a valid date of the same day.
        let mut d = encode_dir_date(1_700_000_000);
        assert!(decode_dir_date(&d).is_some());
        d[3] = 24;
        assert_eq!(decode_dir_date(&d), None);
        d[3] = 0;
        d[1] = 13;
        assert_eq!(decode_dir_date(&d), None);
    }

    #[test]
    fn dir_date_honours_the_gmt_offset() {
        let mut d = encode_dir_date(1_700_000_000);
        d[6] = 4; // GMT+1: the same wall clock is one hour earlier in UTC
        assert_eq!(decode_dir_date(&d), Some(1_700_000_000 - 3600));
    }

    #[test]
    fn vd_date_round_trips_and_zero_means_unspecified() {
        assert_eq!(
            decode_vd_date(&encode_vd_date(1_234_567_890)),
            Some(1_234_567_890)
        );
        assert_eq!(decode_vd_date(&unspecified_vd_date()), None);
        assert_eq!(&encode_vd_date(0)[..16], b"1970010100000000");
    }

    #[test]
    fn both_byte_order_writes_le_then_be() {
        let mut b = [0u8; 8];
        put_u32_both(&mut b, 0, 0x0102_0304);
        assert_eq!(b, [4, 3, 2, 1, 1, 2, 3, 4]);
        assert_eq!(get_u32_both(&b, 0), 0x0102_0304);
    }
}
