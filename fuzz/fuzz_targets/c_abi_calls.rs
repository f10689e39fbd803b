#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| multisession_fuzz::c_abi_calls::run(data));
