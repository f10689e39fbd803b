//! `Recorder`: one drive (real or emulated), its identity, a cached
//! `MediaInfo`, and exclusive access for writing.
