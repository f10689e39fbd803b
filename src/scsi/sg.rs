//! Linux SG_IO pass-through.
