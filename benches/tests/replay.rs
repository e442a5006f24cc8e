//! The run-queue replay (`make bench-replay`) compares like with like: a short
//! stream of the benchmark's generator, replayed through the Rust `RunQueue`
//! and through the C ABI (from C, `c/replay.c`), gives the generator's result
//! for every operation and the same final state, in every profile.

use eevdf::Profile;
use eevdf_bench::replay::{check, generate, kind, SEED};

#[test]
fn rust_and_c_abi_replay_a_short_stream_alike() {
    for p in [
        Profile::LINUX_6_6,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
        Profile::EXACT,
    ] {
        let s = generate(&p, 6_000, SEED).unwrap_or_else(|e| panic!("{e}"));
        let n = check(&p, &s, true).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(n, 2 * (6_000 + 1));
        // Every kind occurs, and the queue stays short.
        for k in 0..kind::N {
            assert!(s.count[k] > 0, "{p:?}: no {}", kind::NAMES[k]);
        }
        assert!(
            s.mean_queued > 1.5 && s.mean_queued < 5.0,
            "{}",
            s.mean_queued
        );
    }
}

#[test]
fn a_different_result_is_caught() {
    let p = Profile::LINUX_7_1;
    let mut s = generate(&p, 2_000, SEED).unwrap();
    let i = s.ops.iter().position(|o| o.kind == kind::PICK).unwrap();
    s.expected[i] ^= 1;
    let e = check(&p, &s, true).unwrap_err();
    assert!(e.contains(&format!("operation {i}")), "{e}");
}
