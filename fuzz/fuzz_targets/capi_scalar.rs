#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eevdf_fuzz::capi_bodies::capi_scalar(data));
