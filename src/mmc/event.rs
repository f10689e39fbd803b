//! GET EVENT STATUS NOTIFICATION (0x4A), polled, media class: whether a
//! medium is present and whether it changed since the last poll.

use super::cdb::{be16, op, timeout, Cdb};
use super::exec::Drive;
use super::reply::Reply;
use crate::error::Result;
use crate::scsi::DataDirection;

/// Notification class request bit for media events.
pub const MEDIA_CLASS: u8 = 0x10;
/// Header (4) plus one media event descriptor (4).
pub const ALLOCATION: u16 = 8;

/// Polled GET EVENT STATUS NOTIFICATION for the classes in `classes`.
pub fn cdb(classes: u8, alloc: u16) -> Cdb {
    let [h, l] = be16(alloc);
    Cdb::ten(
        [
            op::GET_EVENT_STATUS_NOTIFICATION,
            0x01,
            0,
            0,
            classes,
            0,
            0,
            h,
            l,
            0,
        ],
        timeout::INQUIRY,
    )
}

/// Media event code (descriptor byte 0 bits 0-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaEvent {
    NoChange,
    EjectRequest,
    NewMedia,
    MediaRemoval,
    MediaChanged,
    Other(u8),
}

impl MediaEvent {
    /// A medium went, came or was exchanged: what is known about the
    /// medium is out of date. (An eject request only asks the host to
    /// decide; the medium is still the same.)
    pub fn changes_medium(self) -> bool {
        matches!(
            self,
            MediaEvent::NewMedia | MediaEvent::MediaRemoval | MediaEvent::MediaChanged
        )
    }
}

/// A media-class event status reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaStatus {
    /// NEA: the drive has no event of the requested classes to report.
    pub no_event_available: bool,
    /// `None` when the reply carries no media descriptor (NEA set, or
    /// another class was reported).
    pub event: Option<MediaEvent>,
    pub media_present: bool,
    pub tray_open: bool,
}

impl MediaStatus {
    pub fn parse(bytes: &[u8]) -> Result<MediaStatus> {
        let r = Reply::new("GET EVENT STATUS NOTIFICATION", bytes);
        let length = r.u16(0, "event data length")? as usize;
        let b2 = r.u8(2, "notification class")?;
        let no_event_available = b2 & 0x80 != 0;
        let class = b2 & 0x07;
        let body = r.announced(2, length);
        const MEDIA: u8 = 4;
        if no_event_available || class != MEDIA || body.len() < 8 {
            return Ok(MediaStatus {
                no_event_available,
                event: None,
                media_present: false,
                tray_open: false,
            });
        }
        let code = body.u8(4, "media event code")? & 0x0F;
        let status = body.u8(5, "media status")?;
        Ok(MediaStatus {
            no_event_available,
            event: Some(match code {
                0 => MediaEvent::NoChange,
                1 => MediaEvent::EjectRequest,
                2 => MediaEvent::NewMedia,
                3 => MediaEvent::MediaRemoval,
                4 => MediaEvent::MediaChanged,
                other => MediaEvent::Other(other),
            }),
            media_present: status & 0x02 != 0,
            tray_open: status & 0x01 != 0,
        })
    }
}

/// Polls the drive's media event once, polled mode; an error when the
/// drive rejects the command (pre-MMC-2 drives answer 5/20/00).
pub fn poll_media(drive: &mut Drive<'_>) -> Result<MediaStatus> {
    let mut reply = [0u8; ALLOCATION as usize];
    let moved = drive.run(
        &cdb(MEDIA_CLASS, ALLOCATION),
        DataDirection::FromDevice(&mut reply),
    )?;
    MediaStatus::parse(&reply[..moved])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_media_event_with_medium_present() {
        let s = MediaStatus::parse(&[0, 6, 0x04, 0x10, 0x02, 0x02, 0, 0]).unwrap();
        assert_eq!(s.event, Some(MediaEvent::NewMedia));
        assert!(s.media_present && !s.tray_open);
    }

    #[test]
    fn no_event_available_carries_no_descriptor() {
        let s = MediaStatus::parse(&[0, 2, 0x84, 0x10]).unwrap();
        assert!(s.no_event_available);
        assert_eq!(s.event, None);
        assert!(MediaStatus::parse(&[0, 6]).is_err());
        assert_eq!(
            cdb(MEDIA_CLASS, 8).as_bytes(),
            &[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]
        );
    }
}
