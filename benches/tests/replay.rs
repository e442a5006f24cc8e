//! The run-queue replay (`make bench-replay`) compares like with like: a short
//! stream of the benchmark's generator, replayed through the Rust `RunQueue`
//! (the release fixed at compile time, and chosen at run time) and through
//! the C ABI (from C, `c/replay.c`), gives the generator's result for every
//! operation and the same final state, in every profile.

use eevdf::{Exact, Linux6_18, Linux6_6, Linux7_0, Linux7_1, Profile};
use eevdf_bench::replay::{check, generate, kind, Replay, SEED};

/// The stream of `rel` replayed by `rel`'s Rust copies with the C ABI, and
/// by the same release as a run-time `Profile`.
fn replays_alike<R: Replay>(rel: R) {
    let p = rel.profile();
    let s = generate(rel, 6_000, SEED).unwrap_or_else(|e| panic!("{e}"));
    let n = check(rel, &s, true).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    assert_eq!(n, 2 * (6_000 + 1));
    let n = check(p, &s, false).unwrap_or_else(|e| panic!("{p:?} run-time: {e}"));
    assert_eq!(n, 6_000 + 1);
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

#[test]
fn rust_and_c_abi_replay_a_short_stream_alike() {
    replays_alike(Linux6_6);
    replays_alike(Linux6_18);
    replays_alike(Linux7_0);
    replays_alike(Linux7_1);
    replays_alike(Exact);
}

#[test]
fn a_run_time_release_generates_the_same_stream() {
    let a = generate(Linux7_1, 2_000, SEED).unwrap();
    let b = generate(Profile::LINUX_7_1, 2_000, SEED).unwrap();
    assert_eq!(a.ops, b.ops);
    assert_eq!(a.expected, b.expected);
    assert_eq!(a.fin, b.fin);
}

#[test]
fn a_different_result_is_caught() {
    let mut s = generate(Linux7_1, 2_000, SEED).unwrap();
    let i = s.ops.iter().position(|o| o.kind == kind::PICK).unwrap();
    s.expected[i] ^= 1;
    let e = check(Linux7_1, &s, true).unwrap_err();
    assert!(e.contains(&format!("operation {i}")), "{e}");
    let e = check(Profile::LINUX_7_1, &s, false).unwrap_err();
    assert!(e.contains(&format!("operation {i}")), "{e}");
}
