//! The Pseudo-Overwrite BD-R model against what public sources say a drive
//! reports (docs/mmc-notes.md §7.5): the numbers growisofs reads to append,
//! and the POW Resources block of READ DISC INFORMATION.

use crate::support::drive::{be16, be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;
use multisession::scsi::Sense;

fn rdi_of_type(d: &mut Disc, data_type: u8) -> Result<Vec<u8>, Sense> {
    d.data_in(&[0x51, data_type, 0, 0, 0, 0, 0, 0, 34, 0], 34)
}

/// MMC-6 READ DISC INFORMATION Data Type 010b (CDB byte 1 bits 2-0) is
/// the POW Resources Information block: length 14, the type again in byte
/// 2 bits 7-5, then remaining replacements, map entries and updates as
/// 32-bit numbers (istgt's and Aaru's encoders of the block agree).
#[test]
fn a_pow_bd_r_answers_the_pow_resources_block_and_other_media_refuse_it() {
    let mut pow = Disc::new(DiscSpec::new(Profile::BdR).pow(true));
    let block = rdi_of_type(&mut pow, 0b010).unwrap();
    assert_eq!(block.len(), 16, "{block:02x?}");
    assert_eq!(be16(&block, 0), 14);
    assert_eq!(block[2] >> 5, 0b010);
    let free_clusters = 12_088_320 / 32;
    for at in [4, 8, 12] {
        assert_eq!(be32(&block, at), free_clusters, "bytes {at}..{}", at + 4);
    }
    // Writing takes clusters from what remains.
    write_track(&mut pow, 64);
    let block = rdi_of_type(&mut pow, 0b010).unwrap();
    assert!(be32(&block, 4) < free_clusters, "{block:02x?}");

    for spec in [
        DiscSpec::new(Profile::BdR),
        DiscSpec::new(Profile::BdRe).formatted(true),
        DiscSpec::new(Profile::DvdPlusR),
    ] {
        let mut d = Disc::new(spec);
        assert_eq!(
            rdi_of_type(&mut d, 0b010),
            Err(Sense::INVALID_FIELD_IN_CDB),
            "no POW resources without POW"
        );
    }
}

/// What growisofs sends for one `-Z`/`-M` on a POW BD-R: WRITEs at the
/// NWA of the last track, SYNCHRONIZE CACHE, CLOSE TRACK (no CLOSE SESSION).
fn write_track(d: &mut Disc, blocks: u32) {
    let rdi = d.rdi();
    let last = u32::from(rdi[6]) | u32::from(rdi[11]) << 8;
    let (mut lba, _) = d.nwa(last);
    for n in (0..blocks).step_by(32).map(|done| (blocks - done).min(32)) {
        d.write(lba, n as u16).unwrap();
        lba += n;
    }
    d.sync().unwrap();
    d.close(1, last as u16).unwrap();
}

/// growisofs appends to a POW BD-R within its open session: it takes the
/// last track of the last session (READ DISC INFORMATION bytes 6 and 11,
/// not 5 and 10 as on other media) and that track's Next Writable Address
/// when NWA_V (READ TRACK INFORMATION byte 7 bit 0) is set, and accepts a
/// last session that is incomplete (growisofs_mmc.cpp,
/// plusminus_r_C_parm). Those answers after two written tracks:
#[test]
fn a_written_pow_bd_r_gives_growisofs_its_open_last_track_and_a_valid_nwa() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdR).pow(true));
    write_track(&mut d, 352);
    write_track(&mut d, 256);
    let rdi = d.rdi();
    assert_eq!(rdi[2] & 0x03, 1, "disc appendable");
    assert_eq!((rdi[2] >> 2) & 0x03, 1, "last session incomplete");
    let last_track = u32::from(rdi[6]) | u32::from(rdi[11]) << 8;
    assert_eq!(last_track, 3, "{rdi:02x?}");
    let rti = d.rti(1, last_track).unwrap();
    assert_eq!(rti[7] & 1, 1, "NWA_V");
    assert_eq!(be32(&rti, 12), 352 + 256);
    assert_eq!(be32(&rti, 8), 352 + 256, "track start");
}
