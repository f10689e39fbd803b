//! Random and truncated CDBs, parameter lists and buffers never make the
//! emulated drive panic: every command ends GOOD, with CHECK CONDITION and
//! decodable sense, or (after an injected power loss) with an error.

use std::time::Duration;

use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, EmulatedDrive, Faults};
use multisession::scsi::{DataDirection, Status, Transport};
use proptest::prelude::*;

const OPCODES: &[u8] = &[
    0x00, 0x03, 0x04, 0x12, 0x1E, 0x23, 0x25, 0x28, 0x2A, 0x35, 0x43, 0x46, 0x4A, 0x51, 0x52, 0x53,
    0x55, 0x5A, 0x5B, 0xA1, 0xA8, 0xAA, 0xBB,
];

fn spec(index: usize) -> DiscSpec {
    let faults = Faults {
        power_loss_after_blocks: Some(40),
        fail_write_command: Some(3),
        fail_read_lba: Some(5),
    };
    match index % 8 {
        0 => DiscSpec::new(Profile::CdR).sessions(&[608]),
        1 => DiscSpec::new(Profile::CdRw)
            .sessions(&[300, 300])
            .finalized(true),
        2 => DiscSpec::new(Profile::DvdMinusRwSequential).open_session(&[100], true),
        3 => DiscSpec::new(Profile::DvdPlusR)
            .capacity(100_000)
            .faults(faults),
        4 => DiscSpec::new(Profile::BdR).pow(true).sessions(&[64]),
        5 => DiscSpec::new(Profile::DvdPlusRw),
        6 => DiscSpec::new(Profile::BdRe)
            .formatted(true)
            .capacity(50_000),
        _ => DiscSpec::new(Profile::DvdMinusRwRestricted).no_media(),
    }
}

#[derive(Debug, Clone)]
enum Dir {
    None,
    In(usize),
    Out(Vec<u8>),
}

fn command() -> impl Strategy<Value = (Vec<u8>, Dir)> {
    let cdb = (
        prop::sample::select(OPCODES),
        prop::collection::vec(any::<u8>(), 0..16),
        // Small transfer lengths keep reads and writes fast.
        prop::collection::vec(0u8..3, 4),
    )
        .prop_map(|(op, mut rest, small)| {
            for (i, s) in small.iter().enumerate() {
                if let Some(b) = rest.get_mut(5 + i) {
                    *b = if *s == 0 { 0 } else { *b & 0x03 };
                }
            }
            let mut cdb = vec![op];
            cdb.append(&mut rest);
            cdb
        });
    let dir = prop_oneof![
        Just(Dir::None),
        (0usize..9000).prop_map(Dir::In),
        prop::collection::vec(any::<u8>(), 0..5000).prop_map(Dir::Out),
        (1usize..4).prop_map(|n| Dir::Out(vec![0x5A; n * 2048])),
    ];
    (cdb, dir)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_never_panic(disc in 0usize..8, cmds in prop::collection::vec(command(), 1..24)) {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("f.img");
        spec(disc).create(&image).unwrap();
        let mut drive = EmulatedDrive::open(&image).unwrap();
        for (cdb, data) in cmds {
            let mut buf;
            let direction = match &data {
                Dir::None => DataDirection::None,
                Dir::In(n) => {
                    buf = vec![0u8; *n];
                    DataDirection::FromDevice(&mut buf)
                }
                Dir::Out(v) => DataDirection::ToDevice(v),
            };
            let len = direction.len();
            match drive.execute(&cdb, direction, Duration::from_secs(1)) {
                Ok(c) => {
                    prop_assert!(c.residual <= len);
                    if c.status == Status::CheckCondition {
                        prop_assert!(c.decoded_sense().is_some());
                    } else {
                        prop_assert_eq!(c.status, Status::Good);
                    }
                }
                Err(e) => prop_assert!(e.code() < 0),
            }
        }
        drop(drive);
        // Whatever happened, the sidecar still opens.
        prop_assert!(EmulatedDrive::open(&image).is_ok());
    }
}
