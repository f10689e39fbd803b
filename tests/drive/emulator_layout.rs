//! The worked numbers of docs/mmc-notes.md §7.1–§7.5 through raw CDBs, for discs made
//! by `DiscSpec` and for discs written session by session through WRITE and
//! CLOSE.

use crate::support::drive::{be16, be32, Disc};
use multisession::media::Profile;
use multisession::scsi::emulator::DiscSpec;
use multisession::scsi::Sense;

#[test]
fn cd_r_first_session_of_608_blocks_leaves_nwa_12010_and_347837_free() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).sessions(&[608]));
    let r = d.rdi();
    assert_eq!(r[2], 0x01, "state 00, status 01");
    assert_eq!((r[4], r[5], r[6]), (2, 2, 2));
    assert_eq!(&r[16..24], &[0, 0x01, 0x28, 0x0A, 0, 0x4F, 0x3B, 0x4A]);
    assert_eq!(d.nwa(0xFF), (12010, 347837));
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
    assert_eq!(d.nwa(0xFF), (24800, 335047));
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
    assert_eq!(d.nwa(0xFF), (0, 359847));
    d.write_session(608, 0xFF);
    assert_eq!(d.nwa(0xFF), (12010, 347837));
    d.write_session(5888, 0xFF);
    assert_eq!(d.nwa(0xFF), (24800, 335047));
    d.reopen();
    assert_eq!(d.nwa(0xFF), (24800, 335047));
    let block = d.read(12010, 1).unwrap();
    assert_eq!(be32(&block, 0), 12010);
}

#[test]
fn dvd_and_bd_sessions_follow_alignment_and_gaps() {
    // (profile, capacity, NWA2, free2, NWA3, free3, msc1)
    let table = [
        (Profile::DvdMinusR, 128688, 2169200, 207392, 2090496, 178703),
        (Profile::DvdPlusR, 102048, 2193056, 154112, 2140992, 152063),
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

// ----- real drives ---------------------------------------------------------
//
// Each record below is what a real drive reported about a real disc (the
// public dumps gathered in the project's real-drive records; the id names
// the record). The disc the record describes is made on the emulator — by
// WRITE and CLOSE where that is cheap, else from a spec with the recorded
// session sizes — and read back through the same commands the dump tools
// send: READ DISC INFORMATION, READ TRACK INFORMATION of the invisible or
// incomplete track, READ TOC format 1, READ CAPACITY.

/// What one dump shows; `None` where the record gives no number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reported {
    /// READ DISC INFORMATION disc status: 0 blank, 1 appendable, 2 complete, 3 other.
    status: u8,
    /// Number of sessions and of tracks (READ DISC INFORMATION, counting
    /// the empty or incomplete last session and its track).
    sessions: u16,
    tracks: u16,
    /// Start of the last complete session (READ TOC format 1).
    msc1: Option<u32>,
    /// Next writable address and free blocks of the invisible or
    /// incomplete track.
    nwa: Option<u32>,
    free: Option<u32>,
    /// User capacity: free blocks of a blank disc, READ CAPACITY of a
    /// formatted overwritable one.
    capacity: Option<u32>,
}

impl Reported {
    /// An appendable disc: `sessions` and `tracks` count the empty or
    /// incomplete last one.
    fn appendable(sessions: u16, msc1: Option<u32>, nwa: u32, free: u32) -> Reported {
        Reported {
            status: 1,
            sessions,
            tracks: sessions,
            msc1,
            nwa: Some(nwa),
            free: Some(free),
            capacity: None,
        }
    }

    /// A formatted overwritable disc: one session of one track over the
    /// whole capacity (`status` 2 complete, 3 other).
    fn formatted(status: u8, capacity: u32) -> Reported {
        Reported {
            status,
            sessions: 1,
            tracks: 1,
            msc1: Some(0),
            nwa: None,
            free: None,
            capacity: Some(capacity),
        }
    }
}

fn reported(d: &mut Disc, capacity_from_read_capacity: bool) -> Reported {
    let r = d.rdi();
    let status = r[2] & 0x03;
    let sessions = u16::from_be_bytes([r[9], r[4]]);
    let tracks = u16::from_be_bytes([r[11], r[6]]);
    let msc1 = d.toc(1, false, 0).ok().map(|toc| be32(&toc, 8));
    let (nwa, free) = match status {
        0 | 1 => {
            let (nwa, free) = d.nwa(tracks as u32);
            (Some(nwa), Some(free))
        }
        _ => (None, None),
    };
    let capacity = if capacity_from_read_capacity {
        d.capacity().ok().map(|last| last + 1)
    } else if status == 0 {
        free
    } else {
        None
    };
    Reported {
        status,
        sessions,
        tracks,
        msc1,
        nwa,
        free,
        capacity,
    }
}

/// Compares what the emulator reports with the record, field by field,
/// skipping what the record does not give; prints one table row.
fn agrees(id: &str, ours: Reported, real: Reported) {
    let fields = [
        ("status", Some(ours.status as u32), Some(real.status as u32)),
        (
            "sessions",
            Some(ours.sessions as u32),
            Some(real.sessions as u32),
        ),
        ("tracks", Some(ours.tracks as u32), Some(real.tracks as u32)),
        ("msc1", ours.msc1, real.msc1),
        ("nwa", ours.nwa, real.nwa),
        ("free", ours.free, real.free),
        ("capacity", ours.capacity, real.capacity),
    ];
    let mut row = format!("{id:<38}");
    let mut disagreements = Vec::new();
    for (name, ours, real) in fields {
        let Some(real) = real else { continue };
        row.push_str(&format!(" {name}={real}"));
        if ours != Some(real) {
            row.push_str(&format!("(ours {ours:?})"));
            disagreements.push(name);
        }
    }
    println!("{row}");
    assert!(
        disagreements.is_empty(),
        "{id}: {disagreements:?} disagree\n{row}"
    );
}

#[test]
fn record_dvdplusr_3s_appendable_nd1300a() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusR).sessions(&[899648, 435648, 896000]));
    let real = Reported::appendable(4, Some(1339392), 2237440, 57664);
    agrees(
        "dvdplusr-3s-appendable-nd1300a",
        reported(&mut d, false),
        real,
    );
    for (track, start, size) in [(1, 0, 899648), (2, 901696, 435648), (3, 1339392, 896000)] {
        let t = d.rti(1, track).unwrap();
        assert_eq!((be32(&t, 8), be32(&t, 24)), (start, size), "track {track}");
    }
}

/// A blank disc: the invisible track starts at 0 and its free blocks are
/// the capacity.
fn blank(profile: Profile, spec: DiscSpec, id: &str, capacity: u32) {
    let mut d = Disc::new(spec);
    let real = Reported {
        status: 0,
        sessions: 1,
        tracks: 1,
        msc1: None,
        nwa: Some(0),
        free: Some(capacity),
        capacity: Some(capacity),
    };
    let mut ours = reported(&mut d, false);
    // A blank disc has no TOC to read; the record gives none either.
    ours.msc1 = None;
    agrees(&format!("{id} ({profile})"), ours, real);
}

#[test]
fn record_dvdplusr_blank_liteon_sohw1673s() {
    blank(
        Profile::DvdPlusR,
        DiscSpec::new(Profile::DvdPlusR),
        "dvdplusr-blank-liteon-sohw1673s",
        2295104,
    );
}

#[test]
fn record_dvdplusrdl_blank_bt20n() {
    blank(
        Profile::DvdPlusRDl,
        DiscSpec::new(Profile::DvdPlusRDl),
        "dvdplusrdl-blank-bt20n",
        4173824,
    );
}

#[test]
fn record_dvdr_blank_gsa4040b() {
    blank(
        Profile::DvdMinusR,
        DiscSpec::new(Profile::DvdMinusR),
        "dvdr-blank-gsa4040b",
        2297888,
    );
}

#[test]
fn record_dvdrw_seq_blank_minimal_duw1608() {
    let spec = DiscSpec::new(Profile::DvdMinusRwSequential).incremental_lost(true);
    blank(
        Profile::DvdMinusRwSequential,
        spec,
        "dvdrw-seq-blank-minimal-duw1608",
        2297888,
    );
}

#[test]
fn record_bdr_blank_wh16ns40() {
    blank(
        Profile::BdR,
        DiscSpec::new(Profile::BdR),
        "bdr-blank-wh16ns40",
        12219392,
    );
}

#[test]
fn record_cdr_blank_xorriso_mitsubishi() {
    // The disc's ATIP lead-out start is 79:59:73; libburn shows 2 blocks
    // fewer writable.
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).capacity(359848));
    let (nwa, free) = d.nwa(1);
    agrees(
        "cdr-blank-xorriso-mitsubishi",
        Reported {
            status: 0,
            sessions: 1,
            tracks: 1,
            msc1: None,
            nwa: Some(nwa),
            free: Some(free),
            capacity: None,
        },
        Reported {
            status: 0,
            sessions: 1,
            tracks: 1,
            msc1: None,
            nwa: Some(0),
            free: Some(359846),
            capacity: None,
        },
    );
}

#[test]
fn record_dvdr_1s_padded_gsa4040b() {
    // 16 blocks written and the session closed: the drive pads the first
    // border's track to 65264 blocks.
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusR));
    d.write(0, 16).unwrap();
    d.sync().unwrap();
    d.close(2, 0).unwrap();
    let real = Reported::appendable(2, Some(0), 93952, 2203936);
    agrees("dvdr-1s-padded-gsa4040b", reported(&mut d, false), real);
    let t1 = d.rti(1, 1).unwrap();
    assert_eq!((be32(&t1, 8), be32(&t1, 24)), (0, 65264));
}

#[test]
fn record_dvdrw_seq_1s_appendable_xorriso_ts() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusRwSequential).sessions(&[145680]));
    let real = Reported::appendable(2, Some(0), 174368, 2123520);
    agrees(
        "dvdrw-seq-1s-appendable-xorriso-ts",
        reported(&mut d, false),
        real,
    );
}

#[test]
fn record_dvdplusrw_formatted_benq_dq60() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdPlusRw).formatted(true));
    let real = Reported::formatted(2, 2295104);
    agrees(
        "dvdplusrw-formatted-benq-dq60",
        reported(&mut d, true),
        real,
    );
    assert_eq!(d.rdi()[7] & 0x03, 1, "background format suspended");
}

#[test]
fn record_dvdram_formatted_sh_s182m() {
    let mut d = Disc::new(DiscSpec::new(Profile::DvdRam));
    agrees(
        "dvdram-formatted-sh-s182m",
        reported(&mut d, true),
        Reported::formatted(3, 2236704),
    );
}

#[test]
fn record_bdre_complete_bdr209d() {
    let mut d = Disc::new(DiscSpec::new(Profile::BdRe).formatted(true));
    let real = Reported::formatted(2, 11826176);
    agrees("bdre-complete-bdr209d", reported(&mut d, true), real);
}

#[test]
fn record_bdr_pow_1s_3tracks_wh16ns40() {
    let spec = DiscSpec::new(Profile::BdR)
        .pow(true)
        .open_session(&[761152, 1906976, 7925792 - 2668128], true);
    let mut d = Disc::new(spec);
    let real = Reported {
        status: 1,
        sessions: 1,
        tracks: 3,
        msc1: None,
        nwa: Some(7925792),
        free: Some(4162528),
        capacity: Some(12088320),
    };
    let mut ours = reported(&mut d, true);
    // The dump's fabricated TOC is not a drive reply.
    ours.msc1 = None;
    agrees("bdr-pow-1s-3tracks-wh16ns40", ours, real);
    for (track, start, size) in [(1, 0, 761152), (2, 761152, 1906976), (3, 2668128, 9420192)] {
        let t = d.rti(1, track).unwrap();
        assert_eq!((be32(&t, 8), be32(&t, 24)), (start, size), "track {track}");
    }
}

#[test]
fn record_cdrw_1s_closed_tao_ts() {
    // 157154 data blocks written TAO: the track is 157156 with its run-out.
    let mut d = Disc::finalized(Profile::CdRw, &[157154]);
    let real = Reported {
        status: 2,
        sessions: 1,
        tracks: 1,
        msc1: Some(0),
        nwa: None,
        free: None,
        capacity: None,
    };
    agrees("cdrw-1s-closed-tao-ts", reported(&mut d, false), real);
    let t = d.rti(1, 1).unwrap();
    assert_eq!(be32(&t, 24), 157156);
}

// ----- where real drives differ: a quirk per behaviour ---------------------

#[test]
fn record_blank_read_capacity_is_none_on_most_drives_and_one_block_on_the_duw1608() {
    // dvdr-blank-gsa4040b and bdr-blank-wh16ns40 print "READ CAPACITY:
    // 0*2048" (last LBA 0xFFFFFFFF); dvdrw-seq-blank-minimal-duw1608
    // prints "1*2048" (last LBA 0).
    for profile in [Profile::DvdMinusR, Profile::BdR, Profile::CdR] {
        let mut d = Disc::new(DiscSpec::new(profile));
        assert_eq!(d.capacity().unwrap(), u32::MAX, "{profile}");
    }
    let quirk = multisession::scsi::emulator::Quirks {
        read_capacity_zero_on_blank: true,
        ..Default::default()
    };
    let mut d = Disc::new(DiscSpec::new(Profile::DvdMinusRwSequential).quirks(quirk));
    assert_eq!(d.capacity().unwrap(), 0);
}

#[test]
fn record_dvdrw_closed_dao_duw1608_reports_the_legacy_lead_out_and_the_library_still_finds_the_data(
) {
    // The disc: one DAO session ending near 2285853, finalized; READ
    // CAPACITY says 2298496 blocks (the legacy lead-out). Our tracks are
    // padded to 16 blocks, so the session here holds 2285840.
    let quirk = multisession::scsi::emulator::Quirks {
        read_capacity_legacy_lead_out_when_finalized: true,
        ..Default::default()
    };
    let spec = DiscSpec::new(Profile::DvdMinusRwSequential)
        .sessions(&[2285840])
        .finalized(true)
        .quirks(quirk);
    let mut d = Disc::new(spec.clone());
    assert_eq!(d.capacity().unwrap() + 1, 2298496);
    let t = d.rti(1, 1).unwrap();
    assert_eq!(be32(&t, 28), 2285839, "last recorded address");
    // The library reads the session's end from the track, not READ CAPACITY.
    let recorder = multisession::Recorder::open(&d.image).unwrap();
    let media = recorder.media_info().unwrap();
    let previous = media.previous_session.unwrap();
    assert_eq!((previous.start, previous.last_written), (0, 2285839));
}

#[test]
fn record_cd_free_blocks_are_two_below_the_lead_out_or_three_with_the_quirk() {
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).capacity(359848));
    assert_eq!(d.nwa(1), (0, 359846));
    let quirk = multisession::scsi::emulator::Quirks {
        cd_free_three_below_lead_out: true,
        ..Default::default()
    };
    let mut d = Disc::new(DiscSpec::new(Profile::CdR).capacity(359849).quirks(quirk));
    assert_eq!(d.nwa(1), (0, 359846));
}
