//! Issue 4's proof through the path a user takes: sessions imported,
//! edited and built by `FileSystemImage` and written by `DataWriter` to
//! emulated CD-R, DVD+R, BD-R, DVD+RW and BD-RE discs are read back by
//! xorriso and isoinfo — every session at its own start, and on
//! overwritable media the newest one through LBA 16 — as exactly the tree
//! a local mirror of the same edits holds.

use crate::support::one_line_tests;
use crate::support::sessions::three_sessions;
use multisession::Profile;

one_line_tests! {
    three_sessions_written_to_cd_r_read_back_by_xorriso_and_isoinfo: three_sessions(Profile::CdR, "e2e", |_| {});
    three_sessions_written_to_dvd_plus_r_read_back_by_xorriso_and_isoinfo: three_sessions(Profile::DvdPlusR, "e2e", |_| {});
    three_sessions_written_to_bd_r_read_back_by_xorriso_and_isoinfo: three_sessions(Profile::BdR, "e2e", |_| {});
    three_sessions_written_to_dvd_plus_rw_read_back_through_lba_16_and_at_their_starts: three_sessions(Profile::DvdPlusRw, "e2e", |_| {});
    three_sessions_written_to_bd_re_read_back_through_lba_16_and_at_their_starts: three_sessions(Profile::BdRe, "e2e", |_| {});
}
