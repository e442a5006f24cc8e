//! Model-checked concurrency of `eevdf::sync` (loom).
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release --test loom`.
//! Every model uses a preemption bound (`LOOM_MAX_PREEMPTIONS` overrides it) so
//! the whole file stays well under two minutes on two cores.
#![cfg(loom)]

use eevdf::sync::{GroupLoad, GroupLoadContrib, RqSnapshot, RqSummary};
use eevdf::Release;
use loom::sync::Arc;
use loom::thread;

/// A builder with the given preemption bound unless LOOM_MAX_PREEMPTIONS is set.
fn builder(bound: usize) -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(bound);
    }
    b
}

/// Each CPU publishes a few load values (6.6 rule: every change of more than
/// contrib/64 is published). However the adds interleave, once all have
/// flushed, tg.load_avg is the sum of the final contributions: no lost update.
#[test]
fn concurrent_contributors_never_lose_an_update() {
    builder(3).check(|| {
        let tg = Arc::new(GroupLoad::new());
        let handles: Vec<_> = [[1024u64, 300, 2000], [512, 4096, 7]]
            .into_iter()
            .map(|loads| {
                let tg = tg.clone();
                thread::spawn(move || {
                    let mut c = GroupLoadContrib::new();
                    for l in loads {
                        c.update(Release::Linux6_6, &tg, true, 0, l);
                    }
                    c.tg_load_avg_contrib
                })
            })
            .collect();
        let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(sum, 2000 + 7);
        assert_eq!(tg.load_avg(), sum as i64);
    });
}

/// CPU 1 goes offline (clears its contribution) while CPU 0 updates its own;
/// a third party reads concurrently. The result is CPU 0's contribution alone,
/// and every intermediate read is one of the sums that some order of the
/// atomic adds produces.
#[test]
fn offline_clear_races_with_another_cpus_update() {
    builder(3).check(|| {
        let tg = Arc::new(GroupLoad::new());
        let mut c0 = GroupLoadContrib::new();
        let mut c1 = GroupLoadContrib::new();
        c0.update(Release::Linux7_1, &tg, true, 2_000_000, 1000);
        c1.update(Release::Linux7_1, &tg, true, 2_000_000, 500);
        assert_eq!(tg.load_avg(), 1500);

        let t0 = {
            let tg = tg.clone();
            thread::spawn(move || {
                c0.update(Release::Linux7_1, &tg, true, 4_000_000, 3000);
                c0
            })
        };
        let t1 = {
            let tg = tg.clone();
            thread::spawn(move || {
                c1.clear(&tg);
                c1
            })
        };
        let seen = tg.load_avg();
        assert!([1500, 3500, 1000, 3000].contains(&seen), "read {seen}");
        let c0 = t0.join().unwrap();
        let c1 = t1.join().unwrap();
        assert_eq!(c1.tg_load_avg_contrib, 0);
        assert_eq!(c0.tg_load_avg_contrib, 3000);
        assert_eq!(tg.load_avg(), 3000);
    });
}

fn tuple(k: u64) -> RqSummary {
    RqSummary {
        v: k,
        w: 2 * k,
        load_avg: 3 * k,
        nr_running: k as u32,
    }
}

fn consistent(s: &RqSummary) -> bool {
    s.w == 2 * s.v && s.load_avg == 3 * s.v && s.nr_running as u64 == s.v
}

/// One writer publishes (k, 2k, 3k, k) for k = 1, 2; a reader using the
/// looping `read` always gets one of the published tuples, in order.
#[test]
fn readers_never_see_a_torn_snapshot() {
    builder(2).check(|| {
        let snap = Arc::new(RqSnapshot::new());
        let w = {
            let snap = snap.clone();
            thread::spawn(move || {
                for k in 1..=2 {
                    snap.write(&tuple(k));
                }
            })
        };
        let a = snap.read();
        let b = snap.read();
        assert!(consistent(&a) && consistent(&b), "{a:?} {b:?}");
        assert!(a.v <= b.v, "went back: {a:?} then {b:?}");
        w.join().unwrap();
        assert_eq!(snap.read(), tuple(2));
    });
}

/// Two readers with the bounded `try_read` against one writer: each attempt
/// either fails or returns a consistent tuple; never a mix.
#[test]
fn bounded_try_read_is_consistent_or_none() {
    builder(2).check(|| {
        let snap = Arc::new(RqSnapshot::new());
        let w = {
            let snap = snap.clone();
            thread::spawn(move || snap.write(&tuple(1)))
        };
        let r = {
            let snap = snap.clone();
            thread::spawn(move || snap.try_read(1))
        };
        if let Some(s) = snap.try_read(0) {
            assert!(consistent(&s), "{s:?}");
        }
        if let Some(s) = r.join().unwrap() {
            assert!(consistent(&s), "{s:?}");
        }
        w.join().unwrap();
        assert_eq!(snap.try_read(0), Some(tuple(1)));
    });
}

/// Two writers (misuse, but safe): the CAS serialises them, so readers still
/// see only whole tuples and the final value is one of the two.
#[test]
fn concurrent_writers_are_serialised() {
    builder(2).check(|| {
        let snap = Arc::new(RqSnapshot::new());
        let ws: Vec<_> = [1u64, 2]
            .into_iter()
            .map(|k| {
                let snap = snap.clone();
                thread::spawn(move || snap.write(&tuple(k)))
            })
            .collect();
        let s = snap.read();
        assert!(consistent(&s), "{s:?}");
        for w in ws {
            w.join().unwrap();
        }
        let s = snap.read();
        assert!(s == tuple(1) || s == tuple(2), "{s:?}");
    });
}
