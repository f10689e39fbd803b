//! The drive layers: the emulated MMC drive (commands, layout, states,
//! faults, sidecar, quirks, fuzzing), `mmc::probe` against table drives,
//! lying drives and the emulator, the recorder and the session model on
//! emulated discs, SG_IO, and the replayed fuzz campaign inputs.

#[path = "../support/mod.rs"]
mod support;

mod emulator_commands;
mod emulator_errors;
mod emulator_faults;
mod emulator_fuzz;
mod emulator_layout;
mod emulator_quirks;
mod emulator_recording;
mod emulator_sidecar;
mod emulator_states;
mod fuzz_regressions;
mod live_emulator;
mod live_recorder;
mod lying_drive;
mod pow_model;
mod probe_emulated;
mod probe_parsers_fuzz;
mod probe_replies;
mod recorder_emulated;
mod session_emulated;
mod sg_device;
