#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eevdf_fuzz::bodies::runqueue_7_1_vs_exact(data));
