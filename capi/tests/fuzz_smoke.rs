//! The C ABI fuzz target bodies (`fuzz/src/capi_bodies.rs`, included by path
//! with the Rust bodies they build on) run on stable Rust over seeded
//! pseudo-random inputs, as the Rust bodies do in the `eevdf` crate's
//! `tests/fuzz_smoke.rs`: the normal test suite exercises every invariant the
//! `capi_*` fuzzers check. The C functions come from `eevdf-capi-rlib` (the
//! sources of this crate as an rlib). Findings are replayed byte for byte.

#[path = "../../fuzz/src/bodies.rs"]
mod bodies;
#[path = "../../fuzz/src/capi_bodies.rs"]
mod capi_bodies;

use bodies::Rng;

/// Runs `body` on `n` inputs of 0–`max_len` seeded random bytes.
fn smoke(name: &str, n: u64, max_len: u64) {
    let body = capi_bodies::CAPI_TARGETS
        .iter()
        .find(|(t, _)| *t == name)
        .map(|(_, f)| *f)
        .unwrap();
    // One generator per target: adding a target does not change the others' inputs.
    let seed = name
        .bytes()
        .fold(0x000E_EFD0_u64, |h, b| h.rotate_left(5) ^ b as u64);
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

/// Decodes a hex string of fuzz input bytes.
fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Inputs the fuzz bodies found (minimised), replayed byte for byte. Each is
/// named after what it broke; the fix is in the commit that added it.
const FINDINGS: &[(&str, &str, &str)] = &[
    (
        // EXACT (C ABI run queue): a wakeup that did not preempt refreshed
        // curr's protection with calc_delta_fair(min_slice) beyond 64 bits and
        // noted the conversion's flag as a wrap: EEVDF_WRAPPED under EXACT.
        "capi_rq",
        "exact_protect_slice_delta_beyond_64_bits",
        "cd4d2e4d4d4d4d4d4d4df61000269df1124d4df7f7f7f7f7f7fefefefe9a2b9a9a9a9a9a9a9a9a9a9afefefefefefefefefefefefefefefefefefefefe00044d4dfefefefefe4d4d4d4d4d4d4dfc100010269df1124d4df7f7f7f7f7f7fefefe1001000000ffffffffffffff219a9a9a9a9a9a1f9a9afecd044d4d2dfefefefefefefefefefefefefefefefefefefefefe00044d4dfefefefefefefefe434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343434343fefefeae9a9afdedfcfcfcfcfcfcfcfcfcfcfcfcfcfcfcfc12fcfcfcfcfcfcfcfcfcfc121212121212121212123bd5dedeffffa3fdffff3d3d3d3d3d3d3d010000013d3d3d3d3d3d3d3d3d3d3d3d3d3dfffffffffffffffffffffffffbd8fb000000000000a5af5bffffffffff7373e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3737373e3e3e3e3e3e3e3e3e3e3e373e3e3e3e3e37373fcfc73737373737373737373737373737373737373737373fdede3e3e3e3e37373fcfc737373fcfcfcfc12fcfcfcfcfcfcfcfcfcfc121212121241000000000000000000ffa3fdffff3d3d3d3d3d3d3d010000013d3d3d3d3d3d3d3d3d3d3d3d3d3dffffffffffffffffffffffffffffff63ffe6e6e6e6e6e6e6e6e6e6e6e6e6e6e6000000f1737373737373737373737373737373737373737373737373e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3737373e3e3e3e3e3e3e3e3e3e3e373e3e3e3e3e37373fce3e3e373e3e3e3e3e37373fcfc737373",
    ),
];

#[test]
fn fuzz_findings_replay_without_violations() {
    for (target, name, bytes) in FINDINGS {
        let body = capi_bodies::CAPI_TARGETS
            .iter()
            .find(|t| t.0 == *target)
            .unwrap()
            .1;
        let data = hex(bytes);
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "finding {name} ({target}) fails again");
    }
}
