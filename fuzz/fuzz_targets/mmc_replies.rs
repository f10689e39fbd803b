#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| multisession_fuzz::mmc_replies::run(data));
