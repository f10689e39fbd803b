//! Bounds-checked big-endian reading of drive replies.
//!
//! Drives send short, truncated and plain wrong replies; every parser reads
//! through [`Reply`] so that a missing byte becomes
//! `E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE` naming the command and
//! the byte, never a panic.

use crate::error::{Error, Result};
use crate::hresult::MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;

/// The bytes a command returned, tagged with the command's name.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    command: &'static str,
    bytes: &'a [u8],
}

impl<'a> Reply<'a> {
    pub fn new(command: &'static str, bytes: &'a [u8]) -> Reply<'a> {
        Reply { command, bytes }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// An error about this reply: `"READ TRACK INFORMATION: <what>"`.
    pub fn invalid(&self, what: impl std::fmt::Display) -> Error {
        self.invalid_at(None, what)
    }

    fn invalid_at(&self, offset: Option<u64>, what: impl std::fmt::Display) -> Error {
        Error::parse(
            MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE,
            self.command,
            offset,
            format!("{}: {what}", self.command),
        )
    }

    /// Requires at least `n` bytes, naming the field that needs them.
    pub fn need(&self, n: usize, field: &str) -> Result<()> {
        if self.bytes.len() >= n {
            Ok(())
        } else {
            Err(self.invalid_at(
                Some(n as u64 - 1),
                format_args!(
                    "reply of {} bytes ends before byte {} ({field})",
                    self.bytes.len(),
                    n - 1
                ),
            ))
        }
    }

    pub fn u8(&self, at: usize, field: &str) -> Result<u8> {
        self.need(at + 1, field)?;
        Ok(self.bytes[at])
    }

    pub fn u16(&self, at: usize, field: &str) -> Result<u16> {
        self.need(at + 2, field)?;
        Ok(u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]]))
    }

    pub fn u24(&self, at: usize, field: &str) -> Result<u32> {
        self.need(at + 3, field)?;
        Ok(u32::from_be_bytes([
            0,
            self.bytes[at],
            self.bytes[at + 1],
            self.bytes[at + 2],
        ]))
    }

    pub fn u32(&self, at: usize, field: &str) -> Result<u32> {
        self.need(at + 4, field)?;
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.bytes[at..at + 4]);
        Ok(u32::from_be_bytes(b))
    }

    /// Everything from `at` on; empty when the reply is shorter (lists of
    /// descriptors after a header).
    pub fn tail(&self, at: usize) -> &'a [u8] {
        self.bytes.get(at..).unwrap_or(&[])
    }

    /// `len` bytes from `at`.
    pub fn slice(&self, at: usize, len: usize, field: &str) -> Result<&'a [u8]> {
        self.need(at + len, field)?;
        Ok(&self.bytes[at..at + len])
    }

    /// The reply cut to the length its own header announces (`announced`
    /// bytes after the first `header` bytes), or to what arrived when the
    /// buffer was shorter than the announcement (a truncated list is still
    /// usable up to its last complete entry).
    pub fn announced(&self, header: usize, announced: usize) -> Reply<'a> {
        let end = header.saturating_add(announced).min(self.bytes.len());
        Reply {
            command: self.command,
            bytes: &self.bytes[..end],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reply_names_command_and_byte() {
        let r = Reply::new("READ CAPACITY", &[0, 0, 1]);
        let e = r.u32(0, "last LBA").unwrap_err();
        assert_eq!(e.code(), MS_E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
        assert_eq!(
            e.detail(),
            "READ CAPACITY: reply of 3 bytes ends before byte 3 (last LBA)"
        );
        assert_eq!(r.u16(1, "x").unwrap(), 1);
        assert_eq!(Reply::new("X", &[1, 2, 3]).u24(0, "y").unwrap(), 0x010203);
    }

    #[test]
    fn announced_length_never_grows_the_reply() {
        let bytes = [0u8; 10];
        let r = Reply::new("X", &bytes);
        assert_eq!(r.announced(4, 2).len(), 6);
        assert_eq!(r.announced(4, 100).len(), 10);
        assert_eq!(r.announced(usize::MAX, 1).len(), 10);
    }
}
