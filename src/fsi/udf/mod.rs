//! UDF (ECMA-167 as profiled by OSTA UDF 1.02–2.60): the on-disc layouts
//! shared by the importer and the session writer.

pub mod bridge;
pub mod incremental;
pub mod layout;
pub mod read;
#[cfg(test)]
pub(crate) mod testimg;
pub mod write;
