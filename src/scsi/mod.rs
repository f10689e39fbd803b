//! Raw SCSI pass-through: send one CDB, move data one way, get status and
//! sense back.
//!
//! Everything above this module speaks MMC through [`Transport`], so a real
//! drive (`sg`, Linux SG_IO) and the built-in emulated drive
//! ([`emulator`]) run exactly the same code.

pub mod emulator;
pub(crate) mod opcode;
pub(crate) mod sense;
#[cfg(target_os = "linux")]
#[allow(missing_docs)]
pub(crate) mod sg;

use std::time::Duration;

use crate::error::{Error, Result};
pub use sense::Sense;

/// Where the data phase of a command goes.
#[derive(Debug)]
pub enum DataDirection<'a> {
    /// No data phase (TEST UNIT READY, SYNCHRONIZE CACHE …).
    None,
    /// The device fills the buffer (INQUIRY, READ …).
    FromDevice(&'a mut [u8]),
    /// The device takes the buffer (WRITE, MODE SELECT …).
    ToDevice(&'a [u8]),
}

impl DataDirection<'_> {
    /// Length of the data phase in bytes.
    pub fn len(&self) -> usize {
        match self {
            DataDirection::None => 0,
            DataDirection::FromDevice(b) => b.len(),
            DataDirection::ToDevice(b) => b.len(),
        }
    }

    /// True when the command moves no data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same data phase, borrowed again: for a retry, or for a wrapper
    /// transport that looks at the data after passing it on.
    pub fn reborrow(&mut self) -> DataDirection<'_> {
        match self {
            DataDirection::None => DataDirection::None,
            DataDirection::FromDevice(buf) => DataDirection::FromDevice(buf),
            DataDirection::ToDevice(buf) => DataDirection::ToDevice(buf),
        }
    }
}

/// SCSI status byte values that matter to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The command completed.
    Good,
    /// The command failed; sense data says why.
    CheckCondition,
    /// The device is busy; the command may be retried.
    Busy,
    /// Any other status byte, kept verbatim.
    Other(u8),
}

impl Status {
    /// Decodes a status byte, ignoring the reserved and vendor bits.
    pub fn from_byte(b: u8) -> Status {
        match b & 0x3E {
            0x00 => Status::Good,
            0x02 => Status::CheckCondition,
            0x08 => Status::Busy,
            other => Status::Other(other),
        }
    }
}

/// How one command ended at the SCSI level. A CHECK CONDITION is a normal
/// completion here; turning it into an [`crate::Error`] is the MMC layer's
/// job, because only it knows what the command meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The SCSI status byte.
    pub status: Status,
    /// Raw sense bytes (empty unless CHECK CONDITION).
    pub sense: Vec<u8>,
    /// Bytes of the data phase that were not transferred.
    pub residual: usize,
}

impl Completion {
    /// A GOOD completion that moved everything.
    pub fn good() -> Completion {
        Completion {
            status: Status::Good,
            sense: Vec::new(),
            residual: 0,
        }
    }

    /// A CHECK CONDITION with fixed-format sense for `sense`.
    pub fn check_condition(sense: Sense) -> Completion {
        Completion {
            status: Status::CheckCondition,
            sense: sense.to_fixed().to_vec(),
            residual: 0,
        }
    }

    /// The decoded sense, if this is a CHECK CONDITION with readable sense.
    pub fn decoded_sense(&self) -> Option<Sense> {
        match self.status {
            Status::CheckCondition => Sense::decode(&self.sense),
            _ => None,
        }
    }
}

/// Sends one CDB (6, 10, 12 or 16 bytes) to a device.
///
/// `Err` means the command could not be delivered or did not complete at
/// the host level (ioctl failure, timeout, device gone); a device that
/// answered, even with CHECK CONDITION, gives `Ok(Completion)`.
pub trait Transport: Send {
    /// Sends `cdb` with its data phase and waits at most `timeout` for the device.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<Completion>;

    /// A short human description for messages ("/dev/sr0", "emulated disc /tmp/a.img").
    fn describe(&self) -> String;

    /// The host-side failure behind the last CHECK CONDITION, if the
    /// target knows one (the emulator's image file hit ENOSPC): the sense
    /// data cannot carry it, the user's message must.
    fn take_host_cause(&mut self) -> Option<Error> {
        None
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataDirection<'_>,
        timeout: Duration,
    ) -> Result<Completion> {
        (**self).execute(cdb, data, timeout)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }

    fn take_host_cause(&mut self) -> Option<Error> {
        (**self).take_host_cause()
    }
}
