//! The C ABI fuzz target bodies (`fuzz/src/capi_bodies.rs`, included by path
//! with `fuzz/src/bodies.rs`, whose input decoder they share) run on stable
//! Rust over seeded pseudo-random inputs, so the normal test suite checks
//! every invariant the `capi_*` fuzzers check. The long runs are
//! `cargo +nightly fuzz run capi_<family>` (see `fuzz/README.md`).

#[path = "../fuzz/src/bodies.rs"]
mod bodies;
#[path = "../fuzz/src/capi_bodies.rs"]
mod capi_bodies;

use bodies::Rng;

/// Runs the C ABI body `name` on `n` inputs of 0–`max_len` seeded random bytes.
fn smoke(name: &str, n: u64, max_len: u64) {
    let body = capi_bodies::CAPI_TARGETS
        .iter()
        .find(|(t, _)| *t == name)
        .map(|(_, f)| *f)
        .unwrap();
    let seed = name
        .bytes()
        .fold(0x0C0A_B1D0_u64, |h, b| h.rotate_left(5) ^ b as u64);
    let mut rng = Rng(seed);
    for _ in 0..n {
        let len = rng.below(max_len + 1) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        body(&data);
    }
}

#[test]
fn fuzz_body_capi_scalar_holds_on_seeded_inputs() {
    smoke("capi_scalar", 20_000, 256);
}

#[test]
fn fuzz_body_capi_avg_holds_on_seeded_inputs() {
    smoke("capi_avg", 10_000, 512);
}

#[test]
fn fuzz_body_capi_entity_holds_on_seeded_inputs() {
    smoke("capi_entity", 10_000, 512);
}

#[test]
fn fuzz_body_capi_rq_holds_on_seeded_inputs() {
    smoke("capi_rq", 5_000, 768);
}

#[test]
fn every_capi_target_has_a_smoke_test() {
    let names: Vec<&str> = capi_bodies::CAPI_TARGETS.iter().map(|t| t.0).collect();
    assert_eq!(names, ["capi_scalar", "capi_avg", "capi_entity", "capi_rq"]);
}
