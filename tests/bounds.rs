//! Boundary tests of `eevdf::bounds`: for every stated domain, an input at the
//! edge is exact (no wrap reported; the value is the profile's formula without
//! overflow, which for LINUX_7_1 is EXACT's) and the first input beyond it wraps
//! (the Linux profile reports it and returns the kernel's wrapped value, computed
//! here independently from the C semantics of `docs/derivations.md` §2; EXACT returns the exact
//! value, or `Error::Overflow` / the overflow flag when it cannot be represented).
//! Every profile is checked on both sides of every boundary.

use eevdf::outcome::Wrapped;

use eevdf::avg::{
    avg_weight, overflowing_avg_vruntime_batch, overflowing_vruntime_eligible_batch, AvgVruntime,
};
use eevdf::bounds::{
    self, avg_load_domain, avg_sum_domain, calc_delta_domain, calc_delta_fair_domain,
    eligibility_domain, group_shares_domain, lag_limit_domain, pelt_load_domain, place_lag_domain,
    rescale_domain, stale_v0_domain, Domain,
};
use eevdf::entity::{
    overflowing_entity_lag, overflowing_lag_limit, overflowing_place_lag, reweight_entity, RqCtx,
    SchedEntity, Tunables,
};
use eevdf::profile::{AvgWeight, CalcDelta, Division, Eligibility, LagLimit};
use eevdf::weight::{overflowing_calc_delta, overflowing_calc_delta_fair, NICE_0_LOAD};
use eevdf::{Error, Features, LoadWeight, Profile, Vtime};

const LINUX: [Profile; 4] = [
    Profile::LINUX_6_6,
    Profile::LINUX_6_18,
    Profile::LINUX_7_0,
    Profile::LINUX_7_1,
];

mod common;
use common::c;

fn weights() -> Vec<(&'static str, LoadWeight)> {
    vec![
        ("group 2", LoadWeight::new(2).unwrap()),
        ("group 3", LoadWeight::new(3).unwrap()),
        ("nice 19", LoadWeight::from_nice(19).unwrap()),
        ("nice 5", LoadWeight::from_nice(5).unwrap()),
        ("nice 0", LoadWeight::NICE_0),
        ("group 2^20+1", LoadWeight::new(NICE_0_LOAD + 1).unwrap()),
        ("nice -20", LoadWeight::from_nice(-20).unwrap()),
        ("group 2^28", LoadWeight::new(1 << 28).unwrap()),
    ]
}

/// ⌊δ·2²⁰/w⌋ in 128 bits (the formula EXACT evaluates).
fn exact_cdf(delta: u64, lw: &LoadWeight) -> u128 {
    if lw.weight() == NICE_0_LOAD {
        delta as u128
    } else {
        ((delta as u128) << 20) / lw.weight() as u128
    }
}

/// The profile's calc_delta_fair formula without the final wrap.
fn unwrapped_cdf(p: &Profile, delta: u64, lw: &LoadWeight) -> u128 {
    if lw.weight() == NICE_0_LOAD || p.is_exact() || p.calc_delta == CalcDelta::Quotient {
        return exact_cdf(delta, lw);
    }
    let (fact, shift) = eevdf::weight::mul_shift_factor(NICE_0_LOAD, lw).unwrap();
    (delta as u128 * fact as u128) >> shift
}

#[test]
fn calc_delta_fair_both_sides_of_the_boundary() {
    let mut bounded = 0;
    for p in Profile::PRESETS {
        for (name, lw) in weights() {
            let d = calc_delta_fair_domain(&p, &lw);
            let at = d.max().unwrap();
            // At the edge: exact, and for 7.1 exactly EXACT's value.
            let (v, wrapped) = overflowing_calc_delta_fair(&p, at, &lw);
            assert!(!wrapped, "{p:?} {name} at {at}");
            assert_eq!(v as u128, unwrapped_cdf(&p, at, &lw), "{p:?} {name}");
            if !p.is_exact() {
                assert_eq!(v, c::calc_delta_fair(&p, at, &lw), "{p:?} {name}");
            }
            if p == Profile::LINUX_7_1 {
                assert_eq!(v as u128, exact_cdf(at, &lw));
            }
            let Some(first) = d.first_wrap() else {
                continue;
            };
            bounded += 1;
            let got = overflowing_calc_delta_fair(&p, first, &lw);
            if p.is_exact() {
                // Beyond EXACT's own domain the quotient exceeds u64: an error.
                assert!(exact_cdf(first, &lw) > u64::MAX as u128);
                assert_eq!(got, (exact_cdf(first, &lw) as u64, true));
                assert_eq!(
                    eevdf::weight::calc_delta_fair(&p, first, &lw),
                    Err(Error::Overflow)
                );
            } else {
                assert_eq!(
                    got,
                    (c::calc_delta_fair(&p, first, &lw), true),
                    "{p:?} {name}"
                );
                assert_ne!(got.0 as u128, unwrapped_cdf(&p, first, &lw));
                // EXACT computes the true value there, or flags that it exceeds u64
                // (legacy sees weight 2 as 2048, so its edge is far beyond EXACT's).
                let x = overflowing_calc_delta_fair(&Profile::EXACT, first, &lw);
                let e = exact_cdf(first, &lw);
                assert_eq!(x, (e as u64, e > u64::MAX as u128), "{name}");
            }
        }
    }
    assert!(bounded >= 20, "only {bounded} bounded cases");
}

#[test]
fn calc_delta_fair_7_1_wraps_at_2_44_for_every_weight_but_nice_0_known_bugs_6() {
    // v7.1.5 __calc_delta() (db4551e2ba34): δ·2^20 ≥ 2^64 ⟺ δ ≥ 2^44.
    for (name, lw) in weights() {
        let d = calc_delta_fair_domain(&Profile::LINUX_7_1, &lw);
        if lw.weight() == NICE_0_LOAD {
            assert_eq!(d, Domain::All, "nice 0 bypasses");
        } else {
            assert_eq!(d, Domain::UpTo((1 << 44) - 1), "{name}");
        }
    }
}

#[test]
fn calc_delta_general_form_both_sides() {
    // __calc_delta(δ, weight, lw) for weights other than NICE_0_LOAD.
    let lw = LoadWeight::from_nice(-5).unwrap();
    let mut bounded = 0;
    for p in Profile::PRESETS {
        for weight in [1024u64, 88_761 << 10, 1 << 30] {
            let d = calc_delta_domain(&p, weight, &lw);
            let Some(first) = d.first_wrap() else {
                // weight ≤ lw makes the quotient ≤ δ, which always fits — except
                // in 7.1, whose product δ·weight wraps first.
                assert!(weight <= lw.weight(), "{p:?} {weight}");
                assert!(p.is_exact() || p.calc_delta == CalcDelta::MulShift);
                assert!(!overflowing_calc_delta(&p, u64::MAX, weight, &lw).unwrap().1);
                continue;
            };
            bounded += 1;
            let exact = |x: u64| (x as u128 * weight as u128) / lw.weight() as u128;
            let (v, wrapped) = overflowing_calc_delta(&p, first - 1, weight, &lw).unwrap();
            assert!(!wrapped, "{p:?} {weight}");
            if p.calc_delta == CalcDelta::Quotient {
                assert_eq!(v as u128, exact(first - 1));
            } else {
                assert_eq!(v, c::calc_delta_legacy(first - 1, weight, &lw));
            }
            let (v, wrapped) = overflowing_calc_delta(&p, first, weight, &lw).unwrap();
            assert!(wrapped, "{p:?} {weight}");
            match (p.is_exact(), p.calc_delta) {
                (true, _) => assert_eq!(v, exact(first) as u64),
                (false, CalcDelta::Quotient) => {
                    assert_eq!(v, first.wrapping_mul(weight) / lw.weight())
                }
                (false, CalcDelta::MulShift) => {
                    assert_eq!(v, c::calc_delta_legacy(first, weight, &lw))
                }
                _ => panic!("no reference model for this variant"),
            }
        }
    }
    assert_eq!(bounded, 11);
    // A legacy shift that would go negative: no δ is defined.
    let g = LoadWeight::new(2).unwrap();
    assert_eq!(
        calc_delta_domain(&Profile::LINUX_6_6, u64::MAX, &g),
        Domain::Empty
    );
    assert_eq!(
        overflowing_calc_delta(&Profile::LINUX_6_6, 0, u64::MAX, &g),
        Err(Error::Undefined)
    );
}

/// n entities of `weight` at key `k` from v0 = 2^40.
fn queue_at(n: usize, weight: u64, k: i64) -> Vec<(Vtime, u64)> {
    let v0 = Vtime(1 << 40);
    vec![(v0.wrapping_add_signed(k), weight); n]
}

#[test]
fn avg_sum_both_sides_of_the_boundary() {
    let v0 = Vtime(1 << 40);
    for p in Profile::PRESETS {
        for (n, weight) in [
            (1usize, NICE_0_LOAD),
            (8, NICE_0_LOAD),
            (3, 88_761 << 10),
            (2, 2),
        ] {
            let aw = avg_weight(&p, weight);
            let total = n as u64 * aw;
            let d = avg_sum_domain(&p, total);
            if p.is_exact() {
                assert_eq!(d, Domain::All);
                // EXACT keeps S exact beyond 7.1's edge.
                let m71 = avg_sum_domain(&Profile::LINUX_7_1, total).max().unwrap() as i64;
                let es = queue_at(n, weight, m71 + 1);
                let (v, w) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
                assert_eq!((v.wsub(v0), w), (m71 + 1, false));
                continue;
            }
            let m = d.max().unwrap() as i64;
            for k in [m, -m] {
                let es = queue_at(n, weight, k);
                let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
                for &(v, w) in &es {
                    acc.add(v, w).unwrap();
                }
                assert!(!acc.is_wrapped(), "{p:?} n={n} k={k}");
                let s = acc.sum_w_vruntime();
                assert_eq!(s as i128, k as i128 * total as i128);
                // V: a negative S is floored as S − (W − 1) first, which at the
                // negative edge can itself leave the s64 (avg_headroom_bits says so).
                let (v, w) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
                let adjust = s < 0 && s.checked_sub(total as i64 - 1).is_none();
                let h = eevdf::bounds::avg_headroom_bits(&acc, None).unwrap();
                assert_eq!(h, if adjust { -1 } else { 0 }, "{p:?} n={n} k={k}");
                if adjust {
                    let q = c::div(&p, s.wrapping_sub(total as i64 - 1), total as i64);
                    assert_eq!(
                        (v, w),
                        (v0.wrapping_add_signed(q), true),
                        "{p:?} n={n} k={k}"
                    );
                } else {
                    assert_eq!((v.wsub(v0), w), (k, false), "{p:?} n={n} k={k}");
                }
            }
            for k in [m + 1, -(m + 2)] {
                let es = queue_at(n, weight, k);
                let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
                for &(v, w) in &es {
                    acc.add(v, w).unwrap();
                }
                // The kernel's s64 S: the wrapping sum of wrapping products.
                let s_c = (0..n).fold(0i64, |s, _| s.wrapping_add(k.wrapping_mul(aw as i64)));
                assert!(acc.is_wrapped(), "{p:?} n={n} k={k}");
                assert_eq!(acc.sum_w_vruntime(), s_c);
                // V from the wrapped S: floor division the kernel's way.
                let mut num = s_c;
                if num < 0 {
                    num = num.wrapping_sub(total as i64 - 1);
                }
                let q = c::div(&p, num, total as i64);
                let (v, w) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
                assert_eq!(
                    (v, w),
                    (v0.wrapping_add_signed(q), true),
                    "{p:?} n={n} k={k}"
                );
                // EXACT on the same vruntimes: the true average k.
                let es = queue_at(n, weight, k);
                let (v, w) = overflowing_avg_vruntime_batch(&Profile::EXACT, v0, es).unwrap();
                assert_eq!((v.wsub(v0), w), (k, false));
            }
        }
    }
}

#[test]
fn avg_divisor_both_sides_of_the_boundary() {
    // One entity carrying the whole W, at key 5, so S = 5·W: V = v0 + 5 exactly
    // unless the divisor is truncated.
    let v0 = Vtime(0);
    for p in Profile::PRESETS {
        let d = avg_load_domain(&p);
        if p.is_exact() {
            assert_eq!(d, Domain::All);
            continue;
        }
        let max_w = d.max().unwrap();
        // load.weight whose averaging weight is exactly max_w (resp. max_w + 1).
        let lw_for = |aw: u64| match p.avg_weight {
            AvgWeight::ScaledDown => aw << 10,
            AvgWeight::Full => aw,
            _ => panic!("no reference model for this variant"),
        };
        let es = [(Vtime(5), lw_for(max_w))];
        let (v, w) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
        if p.division == Division::S32Divisor {
            assert_eq!((v, w), (Vtime(5), false), "{p:?}");
        } else {
            // 5·(2^63 − 1) wraps S itself in 7.1: only W's own boundary applies.
            assert!(w);
        }
        let es = [(Vtime(5), lw_for(max_w + 1))];
        let got = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
        assert!(got.1, "{p:?}");
        if p.division == Division::S32Divisor {
            // W = 2^31: div_s64 divides 5·2^31 by (s32)2^31 = −2^31.
            let s = 5i64 << 31;
            assert_eq!(got.0, Vtime(c::div(&p, s, 1 << 31) as u64));
            assert_eq!(got.0, Vtime((-5i64) as u64));
        }
    }
    // 7.1's long divisor at key 0: W = 2^63 − 1 is fine, 2^63 is a negative long.
    let es = [(Vtime(0), i64::MAX as u64)];
    assert_eq!(
        overflowing_avg_vruntime_batch(&Profile::LINUX_7_1, v0, es),
        Ok((v0, false))
    );
    let es = [(Vtime(0), 1u64 << 63)];
    assert_eq!(
        overflowing_avg_vruntime_batch(&Profile::LINUX_7_1, v0, es),
        Ok((v0, true))
    );
    // EXACT's weight domain: above 2^40 is outside it.
    let es = [(Vtime(0), bounds::EXACT_MAX_WEIGHT + 1)];
    assert_eq!(
        overflowing_avg_vruntime_batch(&Profile::EXACT, v0, es),
        Err(Error::Overflow)
    );
}

#[test]
fn eligibility_product_both_sides_of_the_boundary() {
    // One entity of weight W at v0 (S = 0), probe at key k: eligible ⟺ 0 ≥ k·W.
    let v0 = Vtime(1 << 50);
    let wrapping_7_1 = Profile {
        eligibility: Eligibility::Wrapping,
        ..Profile::LINUX_7_1
    };
    for p in Profile::PRESETS.into_iter().chain([wrapping_7_1]) {
        for weight in [NICE_0_LOAD, 100 * NICE_0_LOAD + 2, 1 << 28] {
            let load = avg_weight(&p, weight);
            let es = [(v0, weight)];
            let probe = |k: i64| {
                overflowing_vruntime_eligible_batch(&p, v0, es, v0.wrapping_add_signed(k)).unwrap()
            };
            let d = eligibility_domain(&p, load);
            if p.is_exact() || p.eligibility == Eligibility::Wide {
                assert_eq!(d, Domain::All);
                // 7.1 compares in 128 bits: even i64::MAX is answered exactly.
                assert_eq!(probe(i64::MAX), (false, false));
                assert_eq!(probe(i64::MIN), (true, false));
                continue;
            }
            let m = d.max().unwrap() as i64;
            assert_eq!(probe(m), (false, false), "{p:?} {weight}");
            assert_eq!(probe(-m), (true, false), "{p:?} {weight}");
            for k in [m + 1, -(m + 2)] {
                let c_eligible = 0 >= k.wrapping_mul(load as i64);
                assert_eq!(probe(k), (c_eligible, true), "{p:?} {weight} k={k}");
                // EXACT: the sign of the key decides.
                let x = overflowing_vruntime_eligible_batch(
                    &Profile::EXACT,
                    v0,
                    es,
                    v0.wrapping_add_signed(k),
                );
                assert_eq!(x, Ok((k < 0, false)));
            }
        }
    }
    // b6eee96843e8 (docs/derivations.md §8.2): the wrapped product flips the answer for P.
    let m = eligibility_domain(&wrapping_7_1, 104_857_602)
        .max()
        .unwrap();
    assert!(m < 90_000_000_000);
}

/// trunc(vlag·(load + w)/max(load, 1)) in 128 bits.
fn exact_place(vlag: i64, load: u64, w: u64) -> i128 {
    let d = if load == 0 { 1 } else { load as i128 };
    vlag as i128 * (load as i128 + w as i128) / d
}

#[test]
fn placement_product_both_sides_of_the_boundary() {
    let nice_m20 = 88_761u64 << 10;
    // (queue load, placed weight) in each profile's averaging units.
    let cases = |p: &Profile| -> Vec<(u64, u64)> {
        let a = |w| avg_weight(p, w);
        vec![
            (a(37), a(nice_m20)),                 // 556146ce5e94's queue
            (113 * a(nice_m20), a(nice_m20)),     // Hui Su's 114 entities
            (2 * a(NICE_0_LOAD), a(NICE_0_LOAD)), // the 300 → 450 round trip
            (0, a(NICE_0_LOAD)),                  // empty load: divided by 1
            ((1 << 31) - 1, a(NICE_0_LOAD)),      // the largest s32 divisor
        ]
    };
    for p in Profile::PRESETS {
        for (load, w) in cases(&p) {
            let d = place_lag_domain(&p, load, w);
            let m = d.max().unwrap() as i64;
            for vlag in [m, -m] {
                let got = overflowing_place_lag(&p, vlag, load, w).unwrap();
                assert_eq!(
                    got,
                    (exact_place(vlag, load, w) as i64, false),
                    "{p:?} {load} {w}"
                );
            }
            let Some(first) = d.first_wrap() else {
                continue;
            };
            let vlag = first as i64;
            let got = overflowing_place_lag(&p, vlag, load, w).unwrap();
            if p.is_exact() {
                // The exact quotient no longer fits an i64: flagged, an error once settled.
                let x = exact_place(vlag, load, w);
                assert!(x > i64::MAX as i128);
                assert_eq!(got, (x as i64, true));
                assert_eq!(p.settle(got), Err(Error::Overflow));
            } else {
                let num = vlag.wrapping_mul((load + w) as i64);
                let q = c::div(&p, num, if load == 0 { 1 } else { load as i64 });
                assert_eq!(got, (q, true), "{p:?} {load} {w}");
                // EXACT on the same operands: the exact quotient, flagged only if
                // it does not fit an i64 (an empty load divides by 1).
                let x = exact_place(vlag, load, w);
                let fits = x >= i64::MIN as i128 && x <= i64::MAX as i128;
                assert_eq!(
                    overflowing_place_lag(&Profile::EXACT, vlag, load, w),
                    Ok((x as i64, !fits))
                );
            }
        }
    }
    // ≤ 7.0: div_s64 truncates a load of 2^31 to s32 −2^31: every vlag is flagged.
    for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
        assert_eq!(place_lag_domain(&p, 1 << 31, 1024), Domain::Empty);
        let q = c::div(&p, 300 * ((1 << 31) + 1024), 1 << 31);
        assert_eq!(overflowing_place_lag(&p, 300, 1 << 31, 1024), Ok((q, true)));
        assert_eq!(q, -300);
        // 2^32 truncates to 0: the kernel would divide by zero.
        assert_eq!(place_lag_domain(&p, 1 << 32, 1024), Domain::Empty);
        assert_eq!(
            overflowing_place_lag(&p, 300, 1 << 32, 1024),
            Err(Error::Undefined)
        );
    }
    // 7.1 divides by a long: 2^31 is fine.
    assert_eq!(
        overflowing_place_lag(&Profile::LINUX_7_1, 300, 1 << 31, 1024),
        Ok((exact_place(300, 1 << 31, 1024) as i64, false))
    );
}

/// The lag limit the profile's C code computes (u64), before the s64 clamp.
fn c_lag_limit(p: &Profile, lw: &LoadWeight, slice: u64, max_slice: u64, tick: u64) -> u64 {
    let span = match p.lag_limit {
        LagLimit::TwiceSlice => slice.wrapping_mul(2).max(tick),
        LagLimit::MaxSlicePlusTick => max_slice.wrapping_add(tick),
        _ => panic!("no reference model for this variant"),
    };
    c::calc_delta_fair(p, span, lw)
}

/// The lag limit without any wrap: ⌊span·2²⁰/w⌋ over a 128-bit span.
fn exact_limit(p: &Profile, lw: &LoadWeight, slice: u64, tick: u64) -> u128 {
    let span = match p.lag_limit {
        LagLimit::TwiceSlice => (2 * slice as u128).max(tick as u128),
        LagLimit::MaxSlicePlusTick => slice as u128 + tick as u128,
        _ => panic!("no reference model for this variant"),
    };
    if lw.weight() == NICE_0_LOAD {
        span
    } else {
        (span << 20) / lw.weight() as u128
    }
}

#[test]
fn lag_limit_both_sides_of_the_boundary() {
    let tick = 1_000_000;
    for p in Profile::PRESETS {
        for (name, lw) in weights() {
            let d = lag_limit_domain(&p, &lw, tick);
            let m = d.max().unwrap();
            let mut se = SchedEntity::new(lw, m);
            se.vruntime = Vtime(0);
            let (limit, wrapped) = overflowing_lag_limit(&p, &se, m, tick);
            assert!(!wrapped, "{p:?} {name}");
            if p.is_exact() {
                assert_eq!(limit as u128, exact_limit(&p, &lw, m, tick));
            } else {
                assert_eq!(limit, c_lag_limit(&p, &lw, m, m, tick));
                assert!(limit <= i64::MAX as u64);
            }
            // The clamp at +limit is exact, and 7.1 equals EXACT.
            let far = Vtime(i64::MAX as u64);
            let (vlag, w) = overflowing_entity_lag(&p, far, &se, m, tick);
            let want = limit.min(i64::MAX as u64) as i64;
            assert_eq!((vlag.0, w), (want, false), "{p:?} {name}");
            if p == Profile::LINUX_7_1 {
                assert_eq!(
                    overflowing_entity_lag(&Profile::EXACT, far, &se, m, tick),
                    (vlag, false)
                );
            }
            let Some(first) = d.first_wrap() else {
                continue;
            };
            se.slice = first;
            let (limit, wrapped) = overflowing_lag_limit(&p, &se, first, tick);
            if p.is_exact() {
                // Beyond a u64: flagged, the exact value mod 2^64; the clamp
                // itself works on the 128-bit limit and stays exact.
                let e = exact_limit(&p, &lw, first, tick);
                assert!(e > u64::MAX as u128);
                assert_eq!((limit, wrapped), (e as u64, true), "{name}");
                for x in [i64::MAX, -12_345, i64::MIN] {
                    let got = overflowing_entity_lag(&p, Vtime(x as u64), &se, first, tick);
                    assert_eq!(got, (eevdf::Vlag(x), false));
                }
                continue;
            }
            let c_limit = c_lag_limit(&p, &lw, first, first, tick);
            assert_eq!((limit, wrapped), (c_limit, true), "{p:?} {name}");
            // The kernel clamps with the limit read as s64 (possibly negative).
            for x in [i64::MAX, 12_345, -12_345, i64::MIN] {
                let v = Vtime(x as u64);
                let (vlag, w) = overflowing_entity_lag(&p, v, &se, first, tick);
                let hi = c_limit as i64;
                assert_eq!((vlag.0, w), (c::clamp(x, hi.wrapping_neg(), hi), true));
                // EXACT clamps with the true limit, computed in 128 bits.
                let lim = exact_limit(&p, &lw, first, tick) as i128;
                let want = (x as i128).clamp(-lim, lim) as i64;
                let got = overflowing_entity_lag(
                    &Profile {
                        lag_limit: p.lag_limit,
                        ..Profile::EXACT
                    },
                    v,
                    &se,
                    first,
                    tick,
                );
                assert_eq!((got.0 .0, got.1), (want, false), "{p:?} {name} x={x}");
            }
        }
    }
}

#[test]
fn lag_limit_u64_max_slice_bbce3de72be5() {
    // bbce3de72be5: slice = U64_MAX (2·slice wraps) is outside every Linux domain.
    for p in LINUX {
        for (_, lw) in weights() {
            assert!(!lag_limit_domain(&p, &lw, 1_000_000).contains(u64::MAX));
        }
    }
}

#[test]
fn reweight_rescale_both_sides_of_the_boundary() {
    // An entity off the run queue carrying vlag: reweight rescales it unclamped,
    // vlag ⊗ old / new (reweight_entity(), every release v6.6–v7.1).
    let tun = |p: &Profile| Tunables {
        base_slice: 3_000_000,
        tick_nsec: 1_000_000,
        features: Features::defaults(p.release),
    };
    let ctx = RqCtx::new(None, 0, 3_000_000);
    for p in Profile::PRESETS {
        for (old, new) in [
            (88_761u64 << 10, NICE_0_LOAD),
            (NICE_0_LOAD, 15 << 10),
            (1 << 28, 2),
        ] {
            let d = rescale_domain(&p, old, new);
            let m = d.max().unwrap() as i64;
            let run = |vlag: i64| {
                let mut acc = AvgVruntime::new(p);
                let mut se = SchedEntity::new(LoadWeight::new(old).unwrap(), 3_000_000);
                se.vlag = eevdf::Vlag(vlag);
                let r = reweight_entity(
                    &mut acc,
                    &ctx,
                    &mut se,
                    LoadWeight::new(new).unwrap(),
                    &tun(&p),
                );
                (r, se.vlag.0)
            };
            let exact = |x: i64| x as i128 * old as i128 / new as i128;
            for x in [m, -m] {
                assert_eq!(
                    run(x),
                    (Ok(Wrapped::NO), exact(x) as i64),
                    "{p:?} {old}->{new}"
                );
            }
            let Some(first) = d.first_wrap() else {
                continue;
            };
            let x = first as i64;
            if p.is_exact() {
                assert!(exact(x) > i64::MAX as i128);
                // Nothing changes on error.
                assert_eq!(run(x), (Err(Error::Overflow), x));
            } else {
                let c_v = c::div(&p, x.wrapping_mul(old as i64), new as i64);
                assert_eq!(run(x), (Ok(Wrapped::YES), c_v), "{p:?} {old}->{new}");
            }
        }
    }
    // div_s64 truncates a new weight ≥ 2^31: nothing is exact.
    assert_eq!(
        rescale_domain(&Profile::LINUX_7_0, 1024, 1 << 31),
        Domain::Empty
    );
    assert_eq!(
        rescale_domain(&Profile::LINUX_7_1, 1024, 1 << 31),
        Domain::UpTo(i64::MAX as u64 / 1024)
    );
}

#[test]
fn stale_v0_curr_term_both_sides_of_the_boundary() {
    // Before b3d99f43c72b (docs/derivations.md §8.4): one running task, v0 never moved: key =
    // cdf(t), the curr term key·w must fit an s64.
    let v0 = Vtime(0);
    for p in Profile::PRESETS {
        for (name, lw) in weights() {
            let d = stale_v0_domain(&p, &lw);
            if p.is_exact() {
                assert_eq!(d, Domain::All);
                continue;
            }
            let w = avg_weight(&p, lw.weight());
            let acc = AvgVruntime::with_zero_vruntime(p, v0);
            let m = d.max().unwrap();
            let key = c::calc_delta_fair(&p, m, &lw);
            let curr = Some((Vtime(key), lw.weight()));
            assert_eq!(
                acc.overflowing_vruntime_eligible(Vtime(key), curr),
                (true, false),
                "{p:?} {name}"
            );
            assert!(key as i128 * w as i128 <= i64::MAX as i128);
            let first = d.first_wrap().expect("every Linux profile has a bound");
            let key = c::calc_delta_fair(&p, first, &lw);
            let (_, cdf_wrapped) = overflowing_calc_delta_fair(&p, first, &lw);
            if cdf_wrapped {
                continue; // calc_delta_fair itself wrapped first (its own bound)
            }
            // Not the key: the curr term key·w is what left the s64.
            assert!(key as i128 * w as i128 > i64::MAX as i128, "{p:?} {name}");
            let curr = Some((Vtime(key), lw.weight()));
            let (e, wrapped) = acc.overflowing_vruntime_eligible(Vtime(key), curr);
            assert!(wrapped, "{p:?} {name}");
            // avg = key ⊗ w, load = w, compared the profile's way: ≤ 7.0 both
            // sides wrap alike (eligible); 7.1 compares the wrapped avg with the
            // exact 128-bit key·load (not eligible).
            let avg = (key as i64).wrapping_mul(w as i64);
            let c_e = match p.eligibility {
                Eligibility::Wrapping => avg >= (key as i64).wrapping_mul(w as i64),
                Eligibility::Wide => avg as i128 >= key as i64 as i128 * w as i128,
                _ => panic!("no reference model for this variant"),
            };
            assert_eq!(e, c_e, "{p:?} {name}");
            // EXACT on the same vruntime: exact, eligible (it is the only entity).
            let x = AvgVruntime::with_zero_vruntime(Profile::EXACT, v0);
            assert_eq!(
                x.overflowing_vruntime_eligible(Vtime(key), curr),
                (true, false)
            );
        }
    }
    // The table's numbers: ≈ 2^43 ns with 20-bit weights, ≈ 2^53 ns with 10-bit ones.
    let n0 = LoadWeight::NICE_0;
    assert_eq!(
        stale_v0_domain(&Profile::LINUX_7_1, &n0).first_wrap(),
        Some(1 << 43)
    );
    for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
        assert_eq!(stale_v0_domain(&p, &n0).first_wrap(), Some(1 << 53));
    }
}

#[test]
fn group_shares_product_both_sides_of_the_boundary() {
    // tg_load_avg = contrib = 0, so tg_weight = load and exactly shares = tg_shares.
    use eevdf::group::overflowing_calc_group_shares;
    for p in Profile::PRESETS {
        for tg in [1u64 << 28, 1 << 20, 2] {
            let d = group_shares_domain(&p, tg);
            if p.is_exact() {
                assert_eq!(d, Domain::All);
                assert_eq!(
                    overflowing_calc_group_shares(&p, tg, 0, 0, 0, u64::MAX),
                    Ok((tg, false))
                );
                continue;
            }
            let m = d.max().unwrap();
            assert_eq!(
                overflowing_calc_group_shares(&p, tg, 0, 0, 0, m),
                Ok((tg, false)),
                "{p:?} {tg}"
            );
            let Some(first) = d.first_wrap() else {
                continue;
            };
            if first > i64::MAX as u64 {
                continue;
            }
            let l = first as i64;
            let c_v = c::clamp((tg as i64).wrapping_mul(l) / l, 2, tg as i64) as u64;
            assert_eq!(
                overflowing_calc_group_shares(&p, tg, 0, 0, 0, first),
                Ok((c_v, true)),
                "{p:?} {tg}"
            );
            if tg > 2 {
                assert_ne!(c_v, tg, "the wrapped product changes the answer");
            }
            assert_eq!(
                overflowing_calc_group_shares(&Profile::EXACT, tg, 0, 0, 0, first),
                Ok((tg, false))
            );
        }
    }
    assert_eq!(
        group_shares_domain(&Profile::LINUX_6_6, 1 << 63),
        Domain::Empty
    );
}

#[test]
fn pelt_load_product_both_sides_of_the_boundary() {
    // An entity at the top of its sum (47,741, period start): load_avg = w·sum / 46,718.
    use eevdf::pelt::{update_load_avg, SchedAvg};
    let m = pelt_load_domain().max().unwrap();
    for (w, wraps) in [(m, false), (m + 1, true)] {
        let mut sa = SchedAvg {
            load_sum: 47_741,
            ..SchedAvg::default()
        };
        update_load_avg(&mut sa, w);
        let exact = w as u128 * 47_741 / 46_718;
        let c_v = w.wrapping_mul(47_741) / 46_718;
        assert_eq!(sa.load_avg, c_v);
        assert_eq!(sa.load_avg as u128 != exact, wraps);
    }
}

#[test]
fn headroom_is_one_bit_from_each_boundary() {
    // Eight nice-0 tasks at the S boundary key m: headroom 0; at m/2: 1; at
    // m+1 the kernel's S wraps, which the accumulator reports (its state is the
    // wrapped kernel value, whose headroom says nothing about the wrap).
    let v0 = Vtime(0);
    for p in LINUX {
        let total = 8 * avg_weight(&p, NICE_0_LOAD);
        let m = avg_sum_domain(&p, total).max().unwrap() as i64;
        for (k, want) in [(m / 2, 1), (m, 0), (m + 1, -1)] {
            let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
            for _ in 0..8 {
                acc.add(Vtime(k as u64), NICE_0_LOAD).unwrap();
            }
            if want >= 0 {
                assert_eq!(acc.headroom_bits(), want, "{p:?} k={k}");
            }
            assert_eq!(acc.is_wrapped(), want < 0, "{p:?} k={k}");
            let h = bounds::avg_headroom_bits(&acc, None).unwrap();
            let (_, wrapped) = acc.overflowing_avg_vruntime(None).unwrap();
            assert!(h <= want);
            if h >= 1 {
                assert!(!wrapped);
            }
            if h <= -1 {
                assert!(wrapped);
            }
        }
    }
}

#[test]
fn every_bound_is_empty_all_or_a_number_for_every_profile() {
    // The bounds are total: no panic for extreme operands in any profile.
    let lws = [
        LoadWeight::new(1).unwrap(),
        LoadWeight::new(u64::MAX).unwrap(),
        LoadWeight::with_inv_weight(u64::MAX, u32::MAX).unwrap(),
    ];
    for p in Profile::PRESETS {
        for lw in lws {
            let _ = calc_delta_fair_domain(&p, &lw);
            let _ = calc_delta_domain(&p, u64::MAX, &lw);
            let _ = lag_limit_domain(&p, &lw, u64::MAX);
            let _ = stale_v0_domain(&p, &lw);
        }
        for x in [0u64, 1, i64::MAX as u64, 1 << 63, u64::MAX] {
            let _ = avg_sum_domain(&p, x);
            let _ = eligibility_domain(&p, x);
            let _ = place_lag_domain(&p, x, x);
            let _ = rescale_domain(&p, x, x);
            let _ = rescale_domain(&p, x, 0);
        }
    }
    assert_eq!(rescale_domain(&Profile::LINUX_7_1, 5, 0), Domain::Empty);
    assert_eq!(
        place_lag_domain(&Profile::LINUX_7_1, 1 << 63, 5),
        Domain::Empty
    );
    assert_eq!(
        eligibility_domain(&Profile::LINUX_7_0, 1 << 63),
        Domain::Empty
    );
}
