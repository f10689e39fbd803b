//! Other programs agree: what we write, xorriso, isoinfo and pycdlib read,
//! and what they write, we import.

#[path = "../support/mod.rs"]
mod support;

mod e2e_peers;
mod iso_peers;
