//! ISO 9660 (ECMA-119) with Joliet and Rock Ridge: the on-disc formats the
//! importer reads and the session writer produces.

pub mod checksum;
pub mod codec;
pub mod descriptor;
pub mod layout;
pub mod read;
pub mod record;
pub mod susp;
pub mod write;
