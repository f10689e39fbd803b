//! The writer: `burn::DataWriter` on emulated discs, crashes mid-write and
//! their recovery. (Run beside tests that spawn xorriso, burn_crash's fault
//! sweep once found a dropped disc lock still held by a child forked in
//! that instant; the lock now unlocks explicitly when dropped.)

#[path = "../support/mod.rs"]
mod support;

mod burn_crash;
mod burn_write;
mod interrupted_sessions;
