//! The writer: `burn::DataWriter` on emulated discs, crashes mid-write and
//! their recovery, and sessions written the way an application writes them.

#[path = "../support/mod.rs"]
mod support;

mod burn_crash;
mod burn_write;
mod e2e_sessions;
