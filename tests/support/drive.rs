//! Raw-CDB helpers shared by the emulator tests. CDBs are built here byte
//! by byte (not with the `mmc` module) so the tests pin the wire format.

use std::path::PathBuf;
use std::time::Duration;

use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive};
use multisession::scsi::{DataDirection, Sense, Status, Transport};

pub const T: Duration = Duration::from_secs(10);

pub struct Disc {
    pub dir: tempfile::TempDir,
    pub image: PathBuf,
    pub drive: EmulatedDrive,
}

impl Disc {
    pub fn new(spec: DiscSpec) -> Disc {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("disc.img");
        spec.create(&image).unwrap();
        let drive = EmulatedDrive::open(&image).unwrap();
        Disc { dir, image, drive }
    }

    /// A finalized disc of `profile` holding `sessions`.
    pub fn finalized(profile: Profile, sessions: &[u32]) -> Disc {
        Disc::new(DiscSpec::new(profile).sessions(sessions).finalized(true))
    }

    pub fn reopen(&mut self) {
        self.drive = EmulatedDrive::open(&self.image).unwrap();
    }

    /// A data-in command; the reply cut to what the drive moved.
    pub fn data_in(&mut self, cdb: &[u8], alloc: usize) -> Result<Vec<u8>, Sense> {
        let mut buf = vec![0u8; alloc];
        let c = self
            .drive
            .execute(cdb, DataDirection::FromDevice(&mut buf), T)
            .unwrap();
        match c.status {
            Status::Good => {
                buf.truncate(alloc - c.residual);
                Ok(buf)
            }
            _ => Err(c.decoded_sense().expect("check condition carries sense")),
        }
    }

    pub fn no_data(&mut self, cdb: &[u8]) -> Result<(), Sense> {
        let c = self.drive.execute(cdb, DataDirection::None, T).unwrap();
        match c.status {
            Status::Good => Ok(()),
            _ => Err(c.decoded_sense().unwrap()),
        }
    }

    pub fn data_out(&mut self, cdb: &[u8], data: &[u8]) -> Result<(), Sense> {
        let c = self
            .drive
            .execute(cdb, DataDirection::ToDevice(data), T)
            .unwrap();
        match c.status {
            Status::Good => Ok(()),
            _ => Err(c.decoded_sense().unwrap()),
        }
    }

    pub fn rdi(&mut self) -> Vec<u8> {
        self.data_in(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34)
            .unwrap()
    }

    pub fn rti(&mut self, kind: u8, value: u32) -> Result<Vec<u8>, Sense> {
        let v = value.to_be_bytes();
        self.data_in(&[0x52, kind, v[0], v[1], v[2], v[3], 0, 0, 48, 0], 48)
    }

    pub fn toc(&mut self, format: u8, msf: bool, number: u8) -> Result<Vec<u8>, Sense> {
        let msf = if msf { 0x02 } else { 0 };
        self.data_in(&[0x43, msf, format, 0, 0, 0, number, 0x03, 0x00, 0], 0x300)
    }

    pub fn capacity(&mut self) -> Result<u32, Sense> {
        let r = self.data_in(&[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8)?;
        assert_eq!(be32(&r, 4), 2048);
        Ok(be32(&r, 0))
    }

    pub fn config(&mut self, rt: u8, start: u16) -> Result<Vec<u8>, Sense> {
        let s = start.to_be_bytes();
        self.data_in(&[0x46, rt, s[0], s[1], 0, 0, 0, 0x10, 0x00, 0], 0x1000)
    }

    pub fn write(&mut self, lba: u32, blocks: u16) -> Result<(), Sense> {
        let data = block_pattern(lba, blocks as u32);
        self.write_data(lba, &data)
    }

    pub fn write_data(&mut self, lba: u32, data: &[u8]) -> Result<(), Sense> {
        let l = lba.to_be_bytes();
        let n = ((data.len() / 2048) as u16).to_be_bytes();
        self.data_out(&[0x2A, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0], data)
    }

    pub fn read(&mut self, lba: u32, blocks: u16) -> Result<Vec<u8>, Sense> {
        let l = lba.to_be_bytes();
        let n = blocks.to_be_bytes();
        self.data_in(
            &[0x28, 0, l[0], l[1], l[2], l[3], 0, n[0], n[1], 0],
            blocks as usize * 2048,
        )
    }

    pub fn close(&mut self, function: u8, track: u16) -> Result<(), Sense> {
        let t = track.to_be_bytes();
        self.no_data(&[0x5B, 0, function, 0, t[0], t[1], 0, 0, 0, 0])
    }

    pub fn sync(&mut self) -> Result<(), Sense> {
        self.no_data(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    pub fn tur(&mut self) -> Result<(), Sense> {
        self.no_data(&[0; 6])
    }

    /// The NWA from READ TRACK INFORMATION on `track` (type 01b).
    pub fn nwa(&mut self, track: u32) -> (u32, u32) {
        let r = self.rti(1, track).unwrap();
        assert_eq!(r[7] & 1, 1, "NWA_V");
        (be32(&r, 12), be32(&r, 16))
    }

    /// Writes one session of `blocks` at the NWA in 32-block commands, then
    /// closes track and session the way `close_fn` says.
    pub fn write_session(&mut self, blocks: u32, close_track: u16) {
        let r = self.rdi();
        let last = r[6] as u32 | (r[11] as u32) << 8;
        let (mut lba, _) = self.nwa(last);
        let mut left = blocks;
        while left > 0 {
            let n = left.min(32);
            self.write(lba, n as u16).unwrap();
            lba += n;
            left -= n;
        }
        self.sync().unwrap();
        self.close(1, close_track).unwrap();
        self.close(2, 0).unwrap();
    }
}

pub fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// Recognisable data: every block starts with its LBA.
pub fn block_pattern(lba: u32, blocks: u32) -> Vec<u8> {
    let mut v = vec![0xA5u8; blocks as usize * 2048];
    for i in 0..blocks {
        let at = i as usize * 2048;
        v[at..at + 4].copy_from_slice(&(lba + i).to_be_bytes());
    }
    v
}

impl Disc {
    /// Current profile and the codes of the current features (RT 01b).
    pub fn current_features(&mut self) -> (u16, Vec<u16>) {
        let r = self.config(1, 0).unwrap();
        assert_eq!(be32(&r, 0) as usize, r.len() - 4);
        let mut codes = Vec::new();
        let mut at = 8;
        while at + 4 <= r.len() {
            assert_eq!(r[at + 2] & 1, 1, "RT 01b returns current features only");
            codes.push(be16(&r, at));
            at += 4 + r[at + 3] as usize;
        }
        assert_eq!(at, r.len());
        (be16(&r, 6), codes)
    }
}

/// The previous session `MediaInfo` must report: recorded from `start` to
/// `last_written`.
pub fn extent(start: u32, last_written: u32) -> Option<multisession::SessionExtent> {
    Some(multisession::SessionExtent {
        start,
        last_written,
    })
}
