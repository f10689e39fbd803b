//! Each quirk switch of the sidecar, on and off.

use crate::support::drive::{be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::{DiscSpec, Quirks};
use multisession::scsi::Sense;

fn with(profile: Profile, quirks: Quirks) -> DiscSpec {
    DiscSpec::new(profile).quirks(quirks)
}

#[test]
fn nwa_minus_150_on_blank_cd() {
    let q = Quirks {
        nwa_minus_150_on_blank_cd: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::CdR, q.clone()));
    let t = d.rti(1, 0xFF).unwrap();
    assert_eq!((be32(&t, 8), be32(&t, 12) as i32), (0, -150));
    // Only on a blank disc; writes still go to the real NWA.
    d.write(0, 1).unwrap();
    let mut d = Disc::new(with(Profile::CdR, q).sessions(&[608]));
    assert_eq!(d.nwa(0xFF).0, 12010);
    let mut plain = Disc::new(DiscSpec::new(Profile::CdR));
    assert_eq!(plain.nwa(0xFF).0, 0);
}

#[test]
fn sao_write_type_moves_the_cd_nwa_to_the_pregap() {
    let q = Quirks {
        sao_nwa_at_pregap: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::CdR, q).sessions(&[608]));
    assert_eq!(d.nwa(0xFF).0, 12010, "TAO by default");
    let mut page = d
        .data_in(&[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 60, 0], 60)
        .unwrap();
    page[0..8].fill(0);
    page[10] = (page[10] & 0xF0) | 2;
    d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &page)
        .unwrap();
    assert_eq!(d.nwa(0xFF).0, 12010 - 150);
    page[10] = (page[10] & 0xF0) | 1;
    d.data_out(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0], &page)
        .unwrap();
    assert_eq!(d.nwa(0xFF).0, 12010);
}

#[test]
fn formatted_unwritten_bd_r_looks_appendable_with_capacity_0() {
    let q = Quirks {
        formatted_unwritten_bd_r: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::BdR, q));
    let r = d.rdi();
    assert_eq!((r[2], r[4], r[5], r[6]), (0x01, 1, 1, 1));
    assert_eq!(d.capacity().unwrap(), 0);
    assert_eq!(d.nwa(1), (0, 12219392));
    let mut plain = Disc::new(DiscSpec::new(Profile::BdR));
    assert_eq!(plain.rdi()[2], 0x00);
}

#[test]
fn missing_get_configuration_and_read_disc_information() {
    let q = Quirks {
        no_get_configuration: true,
        no_read_disc_information: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::CdR, q).sessions(&[608]));
    assert_eq!(d.config(0, 0), Err(Sense::INVALID_OPCODE));
    assert_eq!(
        d.data_in(&[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34),
        Err(Sense::INVALID_OPCODE)
    );
    // The fallbacks still work.
    assert_eq!(d.capacity().unwrap(), 609);
    assert!(d.toc(0, false, 0).is_ok());
}

#[test]
fn unit_attention_once_after_load() {
    let q = Quirks {
        unit_attention_after_load: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::DvdPlusR, q));
    // INQUIRY and GET CONFIGURATION pass without consuming it.
    d.data_in(&[0x12, 0, 0, 0, 36, 0], 36).unwrap();
    d.config(1, 0).unwrap();
    assert_eq!(d.tur(), Err(Sense::MEDIUM_CHANGED));
    d.tur().unwrap();
    d.reopen();
    assert_eq!(
        d.capacity(),
        Err(Sense::MEDIUM_CHANGED),
        "again after a reload"
    );
    d.capacity().unwrap();
    let mut plain = Disc::new(DiscSpec::new(Profile::DvdPlusR));
    plain.tur().unwrap();
}

#[test]
fn becoming_ready_for_n_polls_after_load() {
    let q = Quirks {
        becoming_ready_polls: 3,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::CdR, q));
    for _ in 0..3 {
        assert_eq!(d.tur(), Err(Sense::BECOMING_READY));
    }
    d.tur().unwrap();
}

#[test]
fn immed_close_is_busy_for_n_polls() {
    let q = Quirks {
        immed_busy_polls: 2,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::DvdPlusR, q).open_session(&[32], true));
    d.no_data(&[0x5B, 1, 1, 0, 0, 1, 0, 0, 0, 0]).unwrap();
    assert_eq!(d.tur(), Err(Sense::OPERATION_IN_PROGRESS));
    assert_eq!(d.tur(), Err(Sense::OPERATION_IN_PROGRESS));
    d.tur().unwrap();
    // Without Immed there is no busy window.
    d.close(2, 0).unwrap();
    d.tur().unwrap();
}

#[test]
fn cd_track_size_with_or_without_runout() {
    let q = Quirks {
        track_size_excludes_runout: true,
        ..Quirks::default()
    };
    let mut d = Disc::new(with(Profile::CdR, q).sessions(&[608]));
    assert_eq!(be32(&d.rti(1, 1).unwrap(), 24), 608);
    assert_eq!(d.nwa(0xFF).0, 12010, "the layout is unchanged");
    let mut plain = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    assert_eq!(be32(&plain.rti(1, 1).unwrap(), 24), 610);
}
