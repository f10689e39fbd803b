//! Random CDB sequences against one emulated disc: every command ends in
//! GOOD, or CHECK CONDITION with decodable sense, or a clear error; and
//! whatever the sequence did, the disc still opens and probes afterwards.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use multisession::internals::mmc;
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive};
use multisession::scsi::{DataDirection, Status, Transport};

/// The commands a burning program sends, so most inputs reach a handler
/// instead of stopping at ILLEGAL REQUEST / invalid opcode.
const OPCODES: &[u8] = &[
    0x00, 0x03, 0x04, 0x12, 0x1B, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52,
    0x53, 0x54, 0x55, 0x5A, 0x5B, 0x5C, 0x5D, 0xA1, 0xA3, 0xA8, 0xAA, 0xAC, 0xAD, 0xB6, 0xB9, 0xBB,
    0xBD, 0xBE,
];

const PROFILES: &[Profile] = &[
    Profile::CdR,
    Profile::CdRw,
    Profile::DvdPlusR,
    Profile::DvdMinusR,
    Profile::DvdPlusRw,
    Profile::BdR,
    Profile::BdRe,
];

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| super::scratch_dir("emulator"))
}

/// Splits the input into commands: a length-prefixed CDB whose first byte
/// indexes OPCODES, a direction byte and, for writes, a payload.
fn commands(mut data: &[u8]) -> Vec<(Vec<u8>, u8, Vec<u8>)> {
    let mut out = Vec::new();
    while out.len() < 32 {
        let Some((&head, rest)) = data.split_first() else {
            break;
        };
        let cdb_len = usize::from(head % 16) + 1;
        if rest.len() < cdb_len + 1 {
            break;
        }
        let mut cdb = rest[..cdb_len].to_vec();
        cdb[0] = OPCODES[usize::from(cdb[0]) % OPCODES.len()];
        let dir = rest[cdb_len];
        data = &rest[cdb_len + 1..];
        let payload_len = if dir % 3 == 2 {
            (usize::from(dir) * 16).min(data.len())
        } else {
            0
        };
        let (payload, tail) = data.split_at(payload_len);
        data = tail;
        out.push((cdb, dir, payload.to_vec()));
    }
    out
}

/// One input: see the module documentation for what must hold.
pub fn run(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let image = scratch().join("disc.img");
    DiscSpec::new(PROFILES[usize::from(which) % PROFILES.len()])
        .capacity(20_000)
        .create(&image)
        .expect("seed disc");
    let mut drive = EmulatedDrive::open(&image).expect("fresh disc opens");
    for (cdb, dir, payload) in commands(rest) {
        let mut buf = vec![0u8; usize::from(dir) * 40];
        let direction = match dir % 3 {
            0 => DataDirection::None,
            1 => DataDirection::FromDevice(&mut buf),
            _ => DataDirection::ToDevice(&payload),
        };
        let len = direction.len();
        match drive.execute(&cdb, direction, Duration::from_secs(1)) {
            Ok(c) => {
                assert!(c.residual <= len, "residual beyond the transfer");
                if c.status == Status::CheckCondition {
                    assert!(c.decoded_sense().is_some(), "undecodable sense");
                } else {
                    assert_eq!(c.status, Status::Good);
                }
            }
            Err(e) => assert!(e.code() < 0),
        }
    }
    drop(drive);
    let mut drive = EmulatedDrive::open(&image).expect("the disc reopens after any sequence");
    mmc::probe(&mut drive).expect("the disc probes after any sequence");
}
