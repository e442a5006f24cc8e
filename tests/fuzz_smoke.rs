//! The fuzz target bodies (`fuzz/src/bodies.rs`, included by path) run on stable
//! Rust over seeded pseudo-random inputs: a few thousand per target, from a
//! deterministic generator, so the normal test suite exercises every invariant
//! the fuzzers check. (The `capi_*` bodies, `fuzz/src/capi_bodies.rs`, drive
//! the same families through the C ABI: their smoke test is the C ABI crate's,
//! `capi/tests/fuzz_smoke.rs`.) The long runs are
//! `cargo +nightly fuzz run <target>` (see `fuzz/README.md`). Findings are
//! replayed at the end, byte for byte.

#[path = "../fuzz/src/bodies.rs"]
mod bodies;

use bodies::Rng;

/// Runs `body` on `n` inputs of 0–`max_len` seeded random bytes.
fn smoke(name: &str, n: u64, max_len: u64) {
    let body = bodies::TARGETS
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
fn fuzz_body_calc_delta_holds_on_seeded_inputs() {
    smoke("calc_delta", 20_000, 64);
}

#[test]
fn fuzz_body_avg_eligibility_holds_on_seeded_inputs() {
    smoke("avg_eligibility", 10_000, 256);
}

#[test]
fn fuzz_body_entity_lag_place_holds_on_seeded_inputs() {
    smoke("entity_lag_place", 5_000, 256);
}

#[test]
fn fuzz_body_reweight_holds_on_seeded_inputs() {
    smoke("reweight", 10_000, 256);
}

#[test]
fn fuzz_body_runqueue_holds_on_seeded_inputs() {
    smoke("runqueue", 3_000, 512);
}

#[test]
fn fuzz_body_runqueue_7_1_vs_exact_holds_on_seeded_inputs() {
    smoke("runqueue_7_1_vs_exact", 3_000, 512);
}

#[test]
fn fuzz_body_pick_linear_holds_on_seeded_inputs() {
    smoke("pick_linear", 10_000, 256);
}

#[test]
fn every_target_has_a_smoke_test() {
    let names: Vec<&str> = bodies::TARGETS.iter().map(|t| t.0).collect();
    assert_eq!(
        names,
        [
            "calc_delta",
            "avg_eligibility",
            "entity_lag_place",
            "reweight",
            "runqueue",
            "runqueue_7_1_vs_exact",
            "pick_linear"
        ]
    );
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
        // 6.6: a tick of ~7e18 ns spread the queue over 2^63 ns; a tree built
        // then is out of wrapping order once it narrows (validate's domain).
        "runqueue",
        "tree_order_outside_the_half_circle",
        "e5840cbb905d2587b069a0eb92d95b829663ecbe6b370cc7706a40697bccb9427903e00fec612e94e954443a267b762f4f70a3ac95b792d3ed5ed977dd8b00449c0a5afd340d6f709bbeef6ef80ad6f39217be4a3b0a4c536d7f48128bfb21086f4f02e448275477c9710df793cd46166300903e917f10fbf8fb60d0f0afee33dfd9165b99e6d551ac78533bec8f4d9d2ca77d5d6f93ad088d0d0d45d1036d345c4e4aeed7898567d36f4130565636f15575574ebf9034ec34587e361a911e7f39c78a53b0d03e2a10180ec04a1864832b4ccdc1fd7eb0b0207c7667e11a67b6fc02bb6f28d33d665c23679d4e0f61ce481a5a090ffdee5a4122972bf2017b754d59d2b20e550849",
    ),
    (
        // 6.6.57: min_deadline aggregates copied across a rotation in a queue
        // wider than 2^63 ns differ from a recomputation (validate's domain).
        "runqueue",
        "aggregate_outside_the_half_circle",
        "b8a9986abf9f0273da1db77d1cb2fe76fee3932590908c0003b33698b8d61ed9060d42d7225d5a330621ea362cf5bb1406698838e769955f23123feba2c180a8a90a4e995ff862c406796a788236a8d8e8b48501c6ef6cdf9750fb649981edc88cd880312433f4af1ab77d2524ad326d01bae14c722941878d7f284b8adfd0bfe54e268920e1a7522c599481e73efdc9c8e3df7360fcd61dd0588612ea5cdeb424a51012d325d7e548913c3f1bc09a7c5975acfb02ccd2fc143977aa8b09c61ab6ebc6caa88803c17e0172a4fc72d8120cacd45bfd37e7cb05674aa9e06d4afae0ee2d652f",
    ),
    (
        // EXACT: a key crossed ±2^63 while v0 moved; S is off by k·2^64
        // (EXACT_SUMS_LEFT_THE_DOMAIN, accepted only after the queue was wide).
        "runqueue",
        "exact_sums_after_keys_wrapped",
        "79dfc695c72df5b987409e28fc91e0978f88f22c14fd03f36dd58b6542b53d5a1343228aecc784b2c7aa2a6938f2906fc67928e76c8f2c8737fe8c2f00418eb36f4f2a50eb920b90c842e87e373d9b6de3f278652389e433444210bff27c6fd3bd162eaff14f1e25000bdef5358f14bb675de95adfd4591ed7b5000749eb0340dcf461b4ae4d770620a76ee0b2fe572c9e4bedfb5afcd7ff5106f72c94fcb7cfba8c86cbaa5b6fb5218521bb75cfcdc759727cadd23cdb526f09e277df1285c12148ff98e4d488ecd3f320d1a8dfb678bddbd558ed81896e6e5cda192900530acd2b36754a6f04",
    ),
    (
        // 7.0: requeue of a delayed entity whose placement fails (div_s64 of a
        // load whose s32 truncation is 0: Undefined) left it out of the tree,
        // on_rq, with nr_queued decremented.
        "runqueue",
        "requeue_error_left_the_queue_inconsistent",
        "4a5b9b6c460a2f91a78165ae5df29073ab2760607731023d901f422df92a3ccab3a8438ddaf0aad7aa2afd5890bdd3b7230489a331151ea1f4b4b6ede72e924ee16c46bbc4b3f0798fa79a1fa0b3bb14e7b3098d2cc484bc2f10835b3a40684b4ecc24496242e2a4dba2390eee0fa6861201faeee002c9367c16ab8b258ba485facced3111a0d9625f453a42f191da093a38be4e0532d4b0600977436e60e39b54349a3c385ead10b7f62c25e3b5",
    ),
    (
        // EXACT: the placement lag formed vlag·(load + w) in 128 bits, which
        // overflows for averaging weights near 2^64 although the quotient
        // vlag + vlag·w/load fits; it said Overflow inside its domain.
        "entity_lag_place",
        "exact_place_lag_intermediate_overflow",
        "48db24240424071c71c7242424247affb53bb53b242407837124043124c7837124042424c724c724071c71c7b53b2424071c71071c712424",
    ),
];

#[test]
fn fuzz_findings_replay_without_violations() {
    for (target, name, bytes) in FINDINGS {
        let body = bodies::TARGETS.iter().find(|t| t.0 == *target).unwrap().1;
        let data = hex(bytes);
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "finding {name} ({target}) fails again");
    }
}
