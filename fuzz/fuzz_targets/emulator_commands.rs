#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| multisession_fuzz::emulator_commands::run(data));
