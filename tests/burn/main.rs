//! The writer: `burn::DataWriter` on emulated discs, crashes mid-write and
//! their recovery. The e2e sessions read back by xorriso live in `peers`:
//! run beside them, burn_crash's fault sweep, which drops a disc's writer
//! lock and at once takes it again, was refused with E_IMAPI_RECORDER_LOCKED
//! on BD-RE (probably the tools' processes, spawned in that instant, still
//! sharing the lock's open file until they exec).

#[path = "../support/mod.rs"]
mod support;

mod burn_crash;
mod burn_write;
mod interrupted_sessions;
