//! The image layer: ISO 9660 and UDF built, imported, hostile and large,
//! and `FileSystemImage` appending to emulated discs.

#[path = "../support/mod.rs"]
mod support;

mod fsi_image_append;
mod fsi_image_errors;
mod iso_build;
mod iso_hostile;
mod iso_import;
mod iso_large;
mod iso_sessions;
mod many_files;
mod udf_bridge_commit;
mod udf_build;
mod udf_import;
mod udf_incremental;
mod udf_peer_appends;
mod udf_session_values;
