//! The worked numbers of mmc.md §7.1–§7.5 through raw CDBs, for discs made
//! by `DiscSpec` and for discs written session by session through WRITE and
//! CLOSE.

mod emulator_support;

use emulator_support::{be16, be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;
use multisession::scsi::Sense;

#[test]
fn cd_r_first_session_of_608_blocks_leaves_nwa_12010_and_347839_free() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let r = d.rdi();
    assert_eq!(r[2], 0x01, "state 00, status 01");
    assert_eq!((r[4], r[5], r[6]), (2, 2, 2));
    assert_eq!(&r[16..24], &[0, 0x01, 0x28, 0x0A, 0, 0x4F, 0x3B, 0x4A]);
    assert_eq!(d.nwa(0xFF), (12010, 347839));
    let t1 = d.rti(1, 1).unwrap();
    assert_eq!(be32(&t1, 8), 0);
    assert_eq!(be32(&t1, 24), 610);
    assert_eq!(t1[7], 0x02, "LRA_V only");
    assert_eq!(be32(&t1, 28), 607);
    assert_eq!(t1[5] & 0x0F, 4);
    assert_eq!(d.capacity().unwrap(), 609);
    assert_eq!(
        d.toc(1, false, 0).unwrap(),
        [0x00, 0x0A, 0x01, 0x01, 0x00, 0x14, 0x01, 0x00, 0, 0, 0, 0]
    );
}

#[test]
fn cd_r_second_session_of_5888_blocks_gives_msc1_12010_and_nwa_24800() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608, 5888]));
    let r = d.rdi();
    assert_eq!((r[2], r[4], r[5], r[6]), (0x01, 3, 3, 3));
    assert_eq!(&r[16..20], &[0x00, 0x04, 0x1E, 0x32]);
    assert_eq!(d.nwa(0xFF), (24800, 335049));
    assert_eq!(
        d.toc(1, false, 0).unwrap(),
        [0x00, 0x0A, 0x01, 0x02, 0x00, 0x14, 0x02, 0x00, 0x00, 0x00, 0x2E, 0xEA]
    );
    let t2 = d.rti(1, 2).unwrap();
    assert_eq!(
        (be32(&t2, 8), be32(&t2, 24), be32(&t2, 28)),
        (12010, 5890, 17897)
    );
    assert_eq!(d.capacity().unwrap(), 17899);
    let toc = d.toc(0, false, 0).unwrap();
    assert_eq!(be16(&toc, 0) as usize, toc.len() - 2);
    assert_eq!((toc[2], toc[3]), (1, 2));
    let entries: Vec<(u8, u32)> = toc[4..].chunks(8).map(|e| (e[2], be32(e, 4))).collect();
    assert_eq!(entries, [(1, 0), (2, 12010), (0xAA, 17900)]);
}

#[test]
fn cd_r_written_through_cdbs_reaches_the_same_numbers() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(d.nwa(0xFF), (0, 359849));
    d.write_session(608, 0xFF);
    assert_eq!(d.nwa(0xFF), (12010, 347839));
    d.write_session(5888, 0xFF);
    assert_eq!(d.nwa(0xFF), (24800, 335049));
    d.reopen();
    assert_eq!(d.nwa(0xFF), (24800, 335049));
    let block = d.read(12010, 1).unwrap();
    assert_eq!(be32(&block, 0), 12010);
}

#[test]
fn dvd_and_bd_sessions_follow_alignment_and_gaps() {
    // (profile, capacity, NWA2, free2, NWA3, free3, msc1)
    let table = [
        (Profile::DvdMinusR, 138112, 2160384, 226240, 2072256, 188127),
        (Profile::DvdPlusR, 138112, 2156992, 226240, 2068864, 188127),
        (Profile::BdR, 100000, 12119392, 150016, 12069376, 150015),
    ];
    for (profile, nwa2, free2, nwa3, free3, last) in table {
        let mut d = Disc::new(DiscSpec::new(profile).sessions(&[100000]));
        let r = d.rdi();
        let next = r[6] as u32;
        assert_eq!(next, 2, "{profile}");
        assert_eq!(d.nwa(next), (nwa2, free2), "{profile}");
        let mut d = Disc::new(DiscSpec::new(profile).sessions(&[100000, 50003]));
        assert_eq!(d.nwa(3), (nwa3, free3), "{profile}");
        assert_eq!(d.capacity().unwrap(), last, "{profile}");
        let toc = d.toc(1, false, 0).unwrap();
        assert_eq!(be32(&toc, 8), nwa2, "{profile} msc1");
    }
}

#[test]
fn blank_cd_has_no_toc() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(d.toc(0, false, 0), Err(Sense::INVALID_FIELD_IN_CDB));
    let r = d.rdi();
    assert_eq!(&r[16..24], &[0, 0x61, 0x1A, 0x42, 0, 0x4F, 0x3B, 0x4A]);
}
