//! The property values of each multisession object, parsed from a
//! [`MediaInfo`] into IMAPI's `LONG` (i32) units.
//!
//! Parsing happens once per getter call on the recorder's cached media
//! information, so the values are always those of the medium now. A value
//! that does not fit a `LONG` fails here with
//! `IMAPI_E_BAD_MULTISESSION_PARAMETER`; consistency between the values is
//! checked separately by `check_consistent`, which only the file-system
//! image's put procedure needs (a getter reports what the drive says).

use crate::error::{Error, Result};
use crate::hresult::MS_IMAPI_E_BAD_MULTISESSION_PARAMETER;
use crate::mmc::{DiscStatus, MediaInfo};

/// `IMultisessionSequential2` properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequentialValues {
    /// True on blank media: no session precedes the one to be written.
    pub is_first_data_session: bool,
    /// −1 when there is no complete session.
    pub start_address_of_previous_session: i32,
    /// −1 when there is no complete session.
    pub last_written_address_of_previous_session: i32,
    /// 0 on blank media, −1 when nothing can be appended (closed media).
    pub next_writable_address: i32,
    /// 0 on closed media; the capacity on blank media.
    pub free_sectors_on_media: i32,
    /// Write/alignment unit in blocks (1 CD, 16 DVD, 32 BD).
    pub write_unit_size: i32,
}

/// `IMultisessionRandomWrite` properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomWriteValues {
    /// Write/alignment unit in blocks (16 DVD, 32 BD).
    pub write_unit_size: i32,
    /// −1 when nothing is recorded.
    pub last_written_address: i32,
    /// Addressable blocks of the medium.
    pub total_sectors_on_media: i32,
}

/// Properties of the BD-R Pseudo-Overwrite object (our extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PseudoOverwriteValues {
    /// −1 when the disc is closed.
    pub next_writable_address: i32,
    /// −1 when nothing is recorded.
    pub last_recorded_address: i32,
    /// Addressable blocks of the medium.
    pub total_sectors_on_media: i32,
    /// Write/alignment unit in blocks (32 on BD-R).
    pub write_unit_size: i32,
}

/// A block count or LBA as an IMAPI `LONG`.
pub(crate) fn long(value: u32, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| {
        Error::new(
            MS_IMAPI_E_BAD_MULTISESSION_PARAMETER,
            format!("{what} {value} does not fit a LONG"),
        )
    })
}

/// An optional LBA as an IMAPI `LONG`, −1 when absent.
pub(crate) fn long_or_minus_one(value: Option<u32>, what: &str) -> Result<i32> {
    value.map_or(Ok(-1), |v| long(v, what))
}

fn bad(detail: String) -> Error {
    Error::new(MS_IMAPI_E_BAD_MULTISESSION_PARAMETER, detail)
}

impl SequentialValues {
    /// The properties IMAPI reports for `media`, refused when a value overflows a LONG.
    pub fn from_media(media: &MediaInfo) -> Result<SequentialValues> {
        let previous = media.previous_session;
        let (next, free) = match media.disc_status {
            DiscStatus::Blank => (Some(media.next_writable.unwrap_or(0)), media.free_blocks),
            DiscStatus::Finalized => (None, 0),
            DiscStatus::Appendable | DiscStatus::RandomAccess => {
                (media.next_writable, media.free_blocks)
            }
        };
        Ok(SequentialValues {
            is_first_data_session: previous.is_none(),
            start_address_of_previous_session: long_or_minus_one(
                previous.map(|s| s.start),
                "previous session start",
            )?,
            last_written_address_of_previous_session: long_or_minus_one(
                previous.map(|s| s.last_written),
                "previous session last written address",
            )?,
            next_writable_address: long_or_minus_one(next, "next writable address")?,
            free_sectors_on_media: long(free, "free sectors")?,
            write_unit_size: long(media.write_unit, "write unit size")?,
        })
    }

    /// The values describe one appendable disc: an NWA exists, it lies
    /// after the previous session, and that session is not inverted.
    pub fn check_consistent(&self) -> Result<()> {
        let (start, last, nwa) = (
            self.start_address_of_previous_session,
            self.last_written_address_of_previous_session,
            self.next_writable_address,
        );
        if nwa < 0 {
            return Err(bad(
                "the medium reports no next writable address".to_string()
            ));
        }
        if start >= 0 && start > last {
            return Err(bad(format!(
                "previous session starts at {start} but ends at {last}"
            )));
        }
        if start >= 0 && nwa <= last {
            return Err(bad(format!(
                "next writable address {nwa} is inside or before the previous session {start}..={last}"
            )));
        }
        check_write_unit(self.write_unit_size)
    }
}

impl RandomWriteValues {
    /// The properties IMAPI reports for `media`, refused when a value overflows a LONG.
    pub fn from_media(media: &MediaInfo) -> Result<RandomWriteValues> {
        Ok(RandomWriteValues {
            write_unit_size: long(media.write_unit, "write unit size")?,
            last_written_address: long_or_minus_one(media.last_recorded, "last written address")?,
            total_sectors_on_media: long(media.total_sectors, "total sectors")?,
        })
    }

    /// Refuses values a random-write medium cannot have (no capacity, data past
    /// the end): a lying drive must not place a session outside the disc.
    pub fn check_consistent(&self) -> Result<()> {
        check_write_unit(self.write_unit_size)?;
        check_total(self.total_sectors_on_media)?;
        check_inside(
            self.last_written_address,
            self.total_sectors_on_media,
            "last written address",
        )
    }
}

impl PseudoOverwriteValues {
    /// The properties IMAPI reports for `media`, refused when a value overflows a LONG.
    pub fn from_media(media: &MediaInfo) -> Result<PseudoOverwriteValues> {
        let next = match media.disc_status {
            DiscStatus::Finalized => None,
            _ => media.next_writable,
        };
        Ok(PseudoOverwriteValues {
            next_writable_address: long_or_minus_one(next, "next writable address")?,
            last_recorded_address: long_or_minus_one(media.last_recorded, "last recorded address")?,
            total_sectors_on_media: long(media.total_sectors, "total sectors")?,
            write_unit_size: long(media.write_unit, "write unit size")?,
        })
    }

    /// Refuses values a POW BD-R cannot have (no NWA, an address past the capacity):
    /// a lying drive must not place a session outside the disc.
    pub fn check_consistent(&self) -> Result<()> {
        check_write_unit(self.write_unit_size)?;
        check_total(self.total_sectors_on_media)?;
        if self.next_writable_address < 0 {
            return Err(bad(
                "the medium reports no next writable address".to_string()
            ));
        }
        if self.next_writable_address > self.total_sectors_on_media {
            return Err(bad(format!(
                "next writable address {} is beyond the {} sectors of the medium",
                self.next_writable_address, self.total_sectors_on_media
            )));
        }
        check_inside(
            self.last_recorded_address,
            self.total_sectors_on_media,
            "last recorded address",
        )
    }
}

fn check_write_unit(unit: i32) -> Result<()> {
    if unit < 1 {
        return Err(bad(format!("write unit size {unit} is not positive")));
    }
    Ok(())
}

fn check_total(total: i32) -> Result<()> {
    if total < 1 {
        return Err(bad(format!("the medium reports {total} total sectors")));
    }
    Ok(())
}

fn check_inside(lba: i32, total: i32, what: &str) -> Result<()> {
    if lba >= total {
        return Err(bad(format!(
            "{what} {lba} is beyond the {total} sectors of the medium"
        )));
    }
    Ok(())
}
