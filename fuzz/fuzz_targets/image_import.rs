#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| multisession_fuzz::image_import::run(data));
