//! Other programs agree: what we write (three sessions the way an
//! application writes them, among others), xorriso, isoinfo and pycdlib
//! read, and what they write, we import.

#[path = "../support/mod.rs"]
mod support;

mod e2e_peers;
mod e2e_sessions;
mod iso_peers;
