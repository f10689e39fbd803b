//! Sessions of thousands of files, read back by every peer. They take the
//! paths a small session never does: metadata encoded ahead in runs split
//! between two threads, the import's Rock Ridge tree read on a second
//! thread beside the UDF directories, directories of many blocks. Our own
//! readers agreeing with our writer proves little there; the peers do not
//! share our mistakes.

use std::fs;
use std::path::Path;

use crate::support::peers::*;
use crate::support::sessions::*;
use crate::support::trees::*;
use crate::udf_build::{check_udfinfo, model_by_libudfread, udf_model, udf_tools_present};
use multisession::fsi::OnClash;
use multisession::scsi::emulator::{create_blank, Existing};
use multisession::Profile;

/// `dirs` directories of `per_dir` files each under `root`, of 1 to 700
/// bytes, names as long as the benchmark tree's.
fn many_files(root: &Path, dirs: usize, per_dir: usize, seed: usize) {
    for d in 0..dirs {
        let dir = root.join(format!("d{d:05}"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..per_dir {
            let len = 1 + (d * 131 + f * 17 + seed) % 700;
            let body = pattern(len, (d + f + seed) as u8);
            fs::write(dir.join(format!("file{f:06}.dat")), body).unwrap();
        }
    }
}

/// A first session of 3,000 files and a second adding 1,200 on a BD-R (a
/// UDF 2.50 bridge with a mirrored metadata partition): xorriso extracts
/// each session whole and byte-identical, isoinfo lists its Joliet tree,
/// udfinfo counts its UDF tree and libudfread reads it whole.
#[test]
fn two_sessions_of_thousands_of_files_on_bd_r_are_read_whole_by_every_peer() {
    if !tools_present() || !udf_tools_present() {
        return;
    }
    let dir = scratch("many-files");
    let (first, second, mirror) = (dir.join("first"), dir.join("second"), dir.join("mirror"));
    many_files(&first, 30, 100, 0);
    many_files(&second.join("more"), 12, 100, 7);
    let disc = dir.join("disc.img");
    create_blank(&disc, Profile::BdR, None, Existing::Replace).unwrap();
    let starts: Vec<u32> = [&first, &second]
        .into_iter()
        .map(|local| {
            copy_dir(local, &mirror);
            let report = write_next_session(&disc, "Many", |image| {
                image.add_tree(local, "/", false, OnClash::Fail).unwrap();
            });
            let what = format!("the session at {}", report.start_lba);
            let expected = model_of_dir(&mirror);
            let at = Some(report.start_lba);
            assert_same(
                &format!("{what}: xorriso"),
                &expected,
                &model_by_xorriso(&disc, at, &dir),
            );
            assert_same(
                &format!("{what}: isoinfo -J"),
                &sizes_only(&joliet_view(&expected)),
                &model_by_isoinfo_joliet(&disc, at, 0),
            );
            let udf = udf_model(&mirror, false);
            check_udfinfo(&disc, report.start_lba, &udf, "2.50", &what);
            let (by_libudfread, _) = model_by_libudfread(&disc, report.start_lba, 0);
            assert_same(&format!("{what}: libudfread"), &udf, &by_libudfread);
            report.start_lba
        })
        .collect();
    assert!(starts[1] > starts[0]);
    assert_eq!(
        model_of_dir(&mirror).len(),
        4_200 + 42 + 1,
        "files and directories"
    );
    let _ = fs::remove_dir_all(&dir);
}
