//! cargo-fuzz targets for `eevdf`. The bodies live in [`bodies`] (the Rust API)
//! and [`capi_bodies`] (the C ABI) so that the stable test suite
//! (`tests/fuzz_smoke.rs`, `tests/fuzz_capi_smoke.rs`) runs exactly the same
//! code on seeded inputs; each binary in `fuzz_targets/` is a one-line wrapper.

pub mod bodies;
pub mod capi_bodies;
