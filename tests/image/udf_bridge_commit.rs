//! Issue 11: a bridge session on an overwritable medium is committed in
//! two places, the UDF anchor at 256 and then the ISO 9660 descriptors at
//! 16. Power lost anywhere in that write, every reader still sees one
//! complete volume, the old or the new, and no file of the old one is
//! lost: UDF readers from block 0 (udfinfo, our UDF reader) follow the
//! anchor at 256, ISO 9660 readers (isoinfo, xorriso) and our import follow
//! block 16, and between the two commits they may differ — each on a whole
//! volume (docs/udf-notes.md §5).

use std::fs;
use std::path::Path;

use crate::support::peers::*;
use crate::support::sessions::*;
use crate::support::trees::*;
use crate::support::udf::import_udf;
use multisession::burn::{DataWriter, Flow};
use multisession::fsi::{FileSystems, OnClash};
use multisession::scsi::emulator::{create_blank, Existing};
use multisession::Profile;

#[test]
fn power_lost_between_the_two_commits_of_a_bridge_on_dvd_plus_rw_leaves_every_reader_a_whole_volume(
) {
    let dir = scratch("udf-bridge-cut");
    let src = dir.join("src");
    fs::create_dir_all(src.join("d")).unwrap();
    fs::write(src.join("d/old.txt"), b"first session\n").unwrap();
    let old = model_of_dir(&src);
    let big = dir.join("big.bin");
    fs::write(&big, vec![5u8; 300_000]).unwrap();
    fs::copy(&big, src.join("d/big.bin")).unwrap();
    let new = model_of_dir(&src);
    fs::remove_file(src.join("d/big.bin")).unwrap();

    let bridge = FileSystems::ISO9660 | FileSystems::JOLIET | FileSystems::UDF;
    let first = |disc: &Path| {
        write_next_session(disc, "One", |image| {
            image.set_file_systems(bridge).unwrap();
            image.add_tree(&src, "/", false, OnClash::Fail).unwrap();
        })
    };
    let second = |disc: &Path| -> multisession::Result<u32> {
        let recorder = open(disc);
        let mut image = image_for_next_session(&recorder, "Two");
        assert!(image.file_systems().contains(bridge));
        image.add_file("/d/big.bin", &big, false).unwrap();
        let mut result = image.create_result_image()?;
        DataWriter::new(recorder, multisession_options())
            .write(&mut result, &mut |_| Flow::Continue)
            .map(|r| r.sectors)
    };
    let blank = |at: &Path| {
        let disc = at.join("disc.img");
        create_blank(&disc, Profile::DvdPlusRw, None, Existing::Replace).unwrap();
        disc
    };
    let which = |m: &Model| -> &str {
        match m {
            m if m == &old => "old",
            m if m == &new => "new",
            _ => "neither",
        }
    };

    fs::create_dir_all(dir.join("probe")).unwrap();
    let probe = blank(&dir.join("probe"));
    first(&probe);
    let blocks = u64::from(second(&probe).unwrap());
    // Through the data, then block by block over the two anchors after it
    // (one block at 256, five at 16).
    let mut points: Vec<u64> = (0..4).map(|i| blocks * i / 4 + 2).collect();
    points.extend((0..8).map(|i| blocks + i));
    let mut seen = std::collections::BTreeSet::new();
    for (i, after) in points.into_iter().enumerate() {
        let case = dir.join(format!("p{i}"));
        fs::create_dir_all(&case).unwrap();
        let disc = blank(&case);
        first(&disc);
        let outcome = crate::support::discs::with_power_lost_after(&disc, after, || second(&disc));
        let what = format!("power lost after {after} of {blocks} blocks ({outcome:?})");

        let ours = model_of_tree(image_for_next_session(&open(&disc), "Check").tree(), &disc);
        let isoinfo = model_by_isoinfo(&disc, None, u64::MAX);
        let xorriso = model_by_xorriso(&disc, None, &case);
        let udf = model_of_tree(&import_udf(&disc, 0).unwrap().tree, &disc);
        let peer = udfinfo(&disc, 0);
        let views = [
            ("our import", which(&ours)),
            ("isoinfo", which(&isoinfo)),
            ("xorriso", which(&xorriso)),
            ("UDF from 256", which(&udf)),
        ];
        for (reader, view) in views {
            assert_ne!(view, "neither", "{what}: {reader} sees a partial volume");
        }
        // udfinfo counts what the anchor at 256 leads to.
        let files = if which(&udf) == "new" { "2" } else { "1" };
        assert_eq!(peer["numfiles"], files, "{what}: udfinfo {peer:?}");
        // The ISO 9660 readers and our import agree: block 16 is their commit.
        assert_eq!(views[0].1, views[1].1, "{what}");
        assert_eq!(views[1].1, views[2].1, "{what}");
        if outcome.is_ok() {
            assert!(views.iter().all(|v| v.1 == "new"), "{what}: {views:?}");
        }
        seen.insert((views[1].1, views[3].1));
        let _ = fs::remove_dir_all(&case);
    }
    // The cut points fall before both commits, between them (UDF readers
    // on the new volume, ISO 9660 readers on the old) and after both.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [("new", "new"), ("old", "new"), ("old", "old")],
    );
    let _ = fs::remove_dir_all(&dir);
}
