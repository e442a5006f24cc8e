//! Property tests of the EEVDF arithmetic (quickcheck). Each property is named
//! after the invariant it checks; inputs are drawn from the magnitudes of
//! Hui Su's 2026 random harness (weights 2, nice 19, nice 0, nice −20,
//! 100·NICE_0_LOAD; lags up
//! to tens of ms) plus extremes.

use eevdf::outcome::Wrapped;

use eevdf::avg::{
    avg_weight, overflowing_avg_vruntime_batch, overflowing_vruntime_eligible_batch, AvgVruntime,
};
use eevdf::entity::{
    overflowing_entity_lag, overflowing_lag_limit, overflowing_place_lag_batch, place_entity,
    reweight_entity, PlaceFlags, RqCtx, SchedEntity, Tunables,
};
use eevdf::profile::{Division, Eligibility, Reference};
use eevdf::weight::{overflowing_calc_delta_fair, LoadWeight, NICE_0_LOAD};
use eevdf::{Features, Profile, Vlag, Vtime};
use quickcheck::{quickcheck, Arbitrary, Gen, TestResult};

/// Weights of Hui Su's random harness (his 2026 place_entity() overflow patch)
/// plus a few group weights.
const WEIGHTS: [u64; 8] = [
    2,
    15 << 10,
    335 << 10,
    NICE_0_LOAD,
    88761 << 10,
    100 * NICE_0_LOAD,
    2048,
    111_616,
];

#[derive(Clone, Debug)]
struct Queue {
    v0: u64,
    /// (vruntime offset from v0, weight)
    entities: Vec<(i64, u64)>,
}

impl Arbitrary for Queue {
    fn arbitrary(g: &mut Gen) -> Queue {
        let n = usize::arbitrary(g) % 8 + 1;
        let spread = *g
            .choose(&[1_000i64, 1_000_000, 50_000_000, 1 << 40])
            .unwrap();
        let entities = (0..n)
            .map(|_| (i64::arbitrary(g) % spread, *g.choose(&WEIGHTS).unwrap()))
            .collect();
        let any = u64::arbitrary(g);
        let v0 = *g.choose(&[0u64, Vtime::INIT.0, any]).unwrap();
        Queue { v0, entities }
    }

    /// Shrinks by dropping entities (weights stay on the list above).
    fn shrink(&self) -> Box<dyn Iterator<Item = Queue>> {
        let q = self.clone();
        let n = if q.entities.len() > 1 {
            q.entities.len()
        } else {
            0
        };
        Box::new((0..n).map(move |i| {
            let mut entities = q.entities.clone();
            entities.remove(i);
            Queue { v0: q.v0, entities }
        }))
    }
}

impl Queue {
    fn pairs(&self) -> Vec<(Vtime, u64)> {
        self.entities
            .iter()
            .map(|&(o, w)| (Vtime(self.v0).wrapping_add_signed(o), w))
            .collect()
    }

    /// Exact V = ⌊Σ v_i·w_i / Σ w_i⌋ relative to v0, computed independently.
    fn exact_v(&self, p: &Profile) -> Vtime {
        let (mut s, mut w) = (0i128, 0i128);
        for &(o, wt) in &self.entities {
            let aw = avg_weight(p, wt) as i128;
            s += o as i128 * aw;
            w += aw;
        }
        Vtime(self.v0).wrapping_add_signed(s.div_euclid(w) as i64)
    }
}

/// A queue drawn for overflow: keys and weights of every magnitude up to the
/// type limits (weights nonzero), so that key·w products and running sums
/// overflow s64 in some orders and fit again in others.
#[derive(Clone, Debug)]
struct WildQueue {
    v0: u64,
    /// (key relative to v0, load.weight)
    entities: Vec<(i64, u64)>,
    /// key of the eligibility probe
    probe: i64,
}

fn wild_key(g: &mut Gen) -> i64 {
    let bits = *g.choose(&[20u32, 40, 44, 52, 56, 61, 62, 63, 64]).unwrap();
    let k = i64::arbitrary(g);
    if bits == 64 {
        k
    } else {
        k % (1i64 << (bits - 1))
    }
}

impl Arbitrary for WildQueue {
    fn arbitrary(g: &mut Gen) -> WildQueue {
        let n = usize::arbitrary(g) % 6 + 1;
        let entities = (0..n)
            .map(|_| {
                let w = if bool::arbitrary(g) {
                    *g.choose(&WEIGHTS).unwrap()
                } else {
                    (u64::arbitrary(g) >> (u32::arbitrary(g) % 64)).max(1)
                };
                (wild_key(g), w)
            })
            .collect();
        let any = u64::arbitrary(g);
        let v0 = *g.choose(&[0u64, Vtime::INIT.0, any]).unwrap();
        WildQueue {
            v0,
            entities,
            probe: wild_key(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = WildQueue>> {
        let q = self.clone();
        let n = if q.entities.len() > 1 {
            q.entities.len()
        } else {
            0
        };
        Box::new((0..n).map(move |i| {
            let mut entities = q.entities.clone();
            entities.remove(i);
            WildQueue {
                entities,
                ..q.clone()
            }
        }))
    }
}

fn fits_i64(x: i128) -> bool {
    i64::try_from(x).is_ok()
}

/// The wrap flags `avg_vruntime` (no curr) and `vruntime_eligible(probe)` must
/// report, from exact i128 arithmetic in the kernel's order: every key·w
/// product, every running sum of S, every running sum of W (read as a `long`)
/// and then the read's own operations (the floor adjustment, a divisor
/// `div_s64` truncates, v7.x's move of v0 by d: W·d and S − W·d; ≤ v7.0's
/// key·W product). `None` when the kernel's read is undefined.
fn reference_wrap_flags(p: &Profile, q: &WildQueue) -> Option<(bool, bool)> {
    let (mut s, mut w) = (0i128, 0i128);
    for &(k, weight) in &q.entities {
        let product = k as i128 * avg_weight(p, weight) as i128;
        let Some(sum) = s.checked_add(product) else {
            return Some((true, true)); // beyond even 128 bits
        };
        s = sum;
        w += avg_weight(p, weight) as i128;
        if !fits_i64(product) || !fits_i64(s) || !fits_i64(w) {
            return Some((true, true));
        }
    }
    // Nothing wrapped so far: S and W are exact and in range.
    let (s, w) = (s as i64, w as i64);
    let elig =
        matches!(p.eligibility, Eligibility::Wrapping) && !fits_i64(q.probe as i128 * w as i128);
    let mut avg = false;
    let num = if s < 0 {
        let num = s as i128 - (w as i128 - 1);
        avg |= !fits_i64(num);
        num as i64
    } else {
        s
    };
    let divisor = match p.division {
        Division::S32Divisor => w as i32 as i64,
        Division::Long => w,
        _ => panic!("no reference model for this variant"),
    };
    avg |= divisor != w;
    let d = num.checked_div(divisor)?;
    if p.reference != Reference::MinVruntime {
        let wd = w as i128 * d as i128;
        avg |= !fits_i64(wd) || !fits_i64(s as i128 - wd);
    }
    Some((avg, elig))
}

const LINUX: [Profile; 4] = [
    Profile::LINUX_6_6,
    Profile::LINUX_6_18,
    Profile::LINUX_7_0,
    Profile::LINUX_7_1,
];

fn tun() -> Tunables {
    Tunables {
        base_slice: 3_000_000,
        tick_nsec: 1_000_000,
        features: Features::defaults(eevdf::Release::Linux7_1),
    }
}

quickcheck! {
    fn wrap_is_reported_iff_some_product_or_partial_sum_overflows(q: WildQueue) -> TestResult {
        // Issue 11 item 5: a key·w product that overflows s64 was reported only
        // if the final S no longer fit. Every Linux profile, summing in order.
        let v0 = Vtime(q.v0);
        let pairs: Vec<(Vtime, u64)> =
            q.entities.iter().map(|&(k, w)| (v0.wrapping_add_signed(k), w)).collect();
        let probe = v0.wrapping_add_signed(q.probe);
        for p in LINUX {
            let Some((want_avg, want_elig)) = reference_wrap_flags(&p, &q) else {
                // The kernel would divide by zero or trap: an error, not a value.
                if overflowing_avg_vruntime_batch(&p, v0, pairs.clone()).is_ok() {
                    return TestResult::error(format!("{p:?}: undefined read returned a value"));
                }
                continue;
            };
            let (_, got_elig) = overflowing_vruntime_eligible_batch(&p, v0, pairs.clone(), probe).unwrap();
            if got_elig != want_elig {
                return TestResult::error(format!("{p:?}: eligibility wrapped {got_elig}, want {want_elig}"));
            }
            match overflowing_avg_vruntime_batch(&p, v0, pairs.clone()) {
                Ok((_, got)) if got == want_avg => {}
                r => return TestResult::error(format!("{p:?}: avg {r:?}, want wrapped {want_avg}")),
            }
        }
        TestResult::passed()
    }

    fn v_does_not_depend_on_v0_exact(q: Queue, shift: i64) -> bool {
        // Same vruntimes, a different reference point.
        let p = Profile::EXACT;
        let v0b = Vtime(q.v0).wrapping_add_signed(shift % (1 << 40));
        let a = overflowing_avg_vruntime_batch(&p, Vtime(q.v0), q.pairs()).unwrap();
        let b = overflowing_avg_vruntime_batch(&p, v0b, q.pairs());
        // Keys relative to v0b must still fit an s64 for the question to make sense.
        match b {
            Ok(b) => a == b && a.0 == q.exact_v(&p),
            Err(_) => false,
        }
    }

    fn linux_v_is_the_exact_floor_when_no_wrap_is_reported(q: Queue) -> bool {
        LINUX.iter().all(|p| match overflowing_avg_vruntime_batch(p, Vtime(q.v0), q.pairs()) {
            Ok((v, false)) => v == q.exact_v(p),
            _ => true,
        })
    }

    fn min_vruntime_entity_is_eligible(q: Queue) -> bool {
        let min = q.pairs().into_iter().map(|(v, _)| v).reduce(|a, b| a.min(b)).unwrap();
        let exact = overflowing_vruntime_eligible_batch(&Profile::EXACT, Vtime(q.v0), q.pairs(), min).unwrap();
        exact == (true, false)
            && LINUX.iter().all(|p| match overflowing_vruntime_eligible_batch(p, Vtime(q.v0), q.pairs(), min) {
                Ok((e, false)) => e,
                _ => true,
            })
    }

    fn entity_at_v_is_eligible(q: Queue) -> bool {
        // avg_vruntime has a left bias: V itself is always eligible.
        Profile::PRESETS.iter().all(|p| {
            match overflowing_avg_vruntime_batch(p, Vtime(q.v0), q.pairs()) {
                Ok((v, false)) => overflowing_vruntime_eligible_batch(p, Vtime(q.v0), q.pairs(), v).unwrap().0,
                _ => true,
            }
        })
    }

    fn placement_preserves_lag(q: Queue, lag: i32, wi: usize) -> TestResult {
        // Place an entity with vlag L, add it: its lag V' − v comes back as L ± 1.
        let w = WEIGHTS[wi % WEIGHTS.len()];
        let lag = lag as i64 * 37;
        for p in Profile::PRESETS {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(q.v0));
            for (v, wt) in q.pairs() {
                acc.add(v, wt).unwrap();
            }
            if acc.is_wrapped() {
                continue;
            }
            let ctx = RqCtx::new(None, q.entities.len() as u32, 3_000_000);
            let mut se = SchedEntity::new(LoadWeight::new(w).unwrap(), 3_000_000);
            se.vlag = Vlag(lag);
            match place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun()) {
                Ok(Wrapped::NO) => {}
                _ => continue,
            }
            acc.add(se.vruntime, w).unwrap();
            let (v, wrapped) = acc.overflowing_avg_vruntime(None).unwrap();
            if wrapped {
                continue;
            }
            let back = v.wsub(se.vruntime);
            if (back - lag).abs() > 1 {
                return TestResult::error(format!("{p:?}: placed with {lag}, came back {back}"));
            }
        }
        TestResult::passed()
    }

    fn reweight_in_7_1_leaves_v_unchanged_and_preserves_real_lag(q: Queue, who: usize, wi: usize) -> TestResult {
        // docs/derivations.md §6: V moves by −1 … ⌊(W + w' − 2)/W'⌋ (rounding only), and
        // w'·vl' = w·vl up to the truncating rescale (|error| < w'), unless the
        // lag clamp fired.
        if q.entities.len() < 2 {
            return TestResult::discard();
        }
        let new_w = WEIGHTS[wi % WEIGHTS.len()];
        for p in [Profile::LINUX_7_1, Profile::EXACT] {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(q.v0));
            let mut ents: Vec<SchedEntity> = q
                .pairs()
                .into_iter()
                .map(|(v, w)| {
                    let mut se = SchedEntity::new(LoadWeight::new(w).unwrap(), 3_000_000);
                    se.vruntime = v;
                    se.deadline = v + 3_000_000;
                    se.on_rq = true;
                    se
                })
                .collect();
            for se in &ents {
                acc.add(se.vruntime, se.load.weight()).unwrap();
            }
            let (v_before, w1) = acc.overflowing_avg_vruntime(None).unwrap();
            if w1 || acc.is_wrapped() {
                continue;
            }
            let k = who % ents.len();
            let se = &mut ents[k];
            let old_w = se.load.weight();
            let vl_before = v_before.wsub(se.vruntime);
            let limit = overflowing_lag_limit(&p, se, 3_000_000, 1_000_000).0 as i64;
            let ctx = RqCtx::new(None, q.entities.len() as u32, 3_000_000);
            let new = LoadWeight::new(new_w).unwrap();
            if !matches!(reweight_entity(&mut acc, &ctx, se, new, &tun()), Ok(Wrapped::NO)) {
                continue;
            }
            let (v_after, w2) = acc.overflowing_avg_vruntime(None).unwrap();
            if w2 || acc.is_wrapped() {
                continue;
            }
            if vl_before.abs() >= limit {
                // The clamp fired: lag is deliberately not preserved (and V may move).
                continue;
            }
            let total_before: i128 = q.entities.iter().map(|e| e.1 as i128).sum();
            let total_after = total_before - old_w as i128 + new_w as i128;
            let drift = v_after.wsub(v_before) as i128;
            let hi = (total_before + new_w as i128 - 2).div_euclid(total_after);
            if !(drift >= -1 && drift <= hi) {
                return TestResult::error(format!("{p:?}: V moved by {drift}, allowed [-1, {hi}]"));
            }
            let vl_after = v_after.wsub(se.vruntime) as i128;
            let real_err = (vl_after * new_w as i128 - vl_before as i128 * old_w as i128).abs();
            // The rescale truncates (< w' of real lag) and V may drift by the bound above.
            let allowed = new_w as i128 * (2 + hi.abs());
            if real_err > allowed {
                return TestResult::error(format!("{p:?}: real lag error {real_err} > {allowed}"));
            }
        }
        TestResult::passed()
    }

    fn linux_7_1_equals_exact_whenever_it_reports_no_wrap(q: Queue, delta: u64, vlag: i64, slice: u64) -> bool {
        let (l, x) = (Profile::LINUX_7_1, Profile::EXACT);
        let v0 = Vtime(q.v0);
        let ok_avg = match overflowing_avg_vruntime_batch(&l, v0, q.pairs()) {
            Ok((v, false)) => overflowing_avg_vruntime_batch(&x, v0, q.pairs()) == Ok((v, false)),
            _ => true,
        };
        let probe = v0.wrapping_add_signed(vlag % (1 << 50));
        let ok_elig = match overflowing_vruntime_eligible_batch(&l, v0, q.pairs(), probe) {
            Ok((e, false)) => overflowing_vruntime_eligible_batch(&x, v0, q.pairs(), probe) == Ok((e, false)),
            _ => true,
        };
        let weights: Vec<u64> = q.entities.iter().map(|e| e.1).collect();
        let w = q.entities[0].1;
        let ok_place = match overflowing_place_lag_batch(&l, vlag, weights.clone(), w) {
            Ok((v, false)) => overflowing_place_lag_batch(&x, vlag, weights, w) == Ok((v, false)),
            _ => true,
        };
        let lw = LoadWeight::new(w).unwrap();
        let ok_cdf = match overflowing_calc_delta_fair(&l, delta, &lw) {
            (v, false) => overflowing_calc_delta_fair(&x, delta, &lw) == (v, false),
            _ => true,
        };
        let mut se = SchedEntity::new(lw, slice);
        se.vruntime = probe;
        let ok_lag = match overflowing_entity_lag(&l, v0, &se, slice, 1_000_000) {
            (v, false) => overflowing_entity_lag(&x, v0, &se, slice, 1_000_000) == (v, false),
            _ => true,
        };
        ok_avg && ok_elig && ok_place && ok_cdf && ok_lag
    }

    fn stored_lag_never_exceeds_the_profiles_limit(off: i64, wi: usize, slice: u64, max_slice: u64) -> bool {
        let lw = LoadWeight::new(WEIGHTS[wi % WEIGHTS.len()]).unwrap();
        let mut se = SchedEntity::new(lw, slice % 200_000_000);
        se.vruntime = Vtime(1 << 50);
        let v = se.vruntime.wrapping_add_signed(off);
        let max_slice = max_slice % 200_000_000;
        Profile::PRESETS.iter().all(|p| {
            let (limit, lw_wrapped) = overflowing_lag_limit(p, &se, max_slice, 1_000_000);
            let (vl, _) = overflowing_entity_lag(p, v, &se, max_slice, 1_000_000);
            lw_wrapped || vl.0.unsigned_abs() <= limit
        })
    }

    fn calc_delta_fair_is_monotone_in_delta(a: u64, b: u64, wi: usize) -> bool {
        let lw = LoadWeight::new(WEIGHTS[wi % WEIGHTS.len()]).unwrap();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let hi = hi >> 24; // stay clear of the wrap
        let lo = lo.min(hi);
        Profile::PRESETS.iter().all(|p| {
            overflowing_calc_delta_fair(p, lo, &lw).0 <= overflowing_calc_delta_fair(p, hi, &lw).0
        })
    }
}

#[test]
fn lwn_example_three_equal_tasks() {
    // The LWN three-task example (v7.1.5 entity_lag()): three equal tasks, A runs 30 ms: lags
    // −20 ms, +10 ms, +10 ms.
    for p in Profile::PRESETS {
        let v0 = Vtime(0);
        let es = [
            (Vtime(30_000_000), NICE_0_LOAD),
            (v0, NICE_0_LOAD),
            (v0, NICE_0_LOAD),
        ];
        let (v, _) = overflowing_avg_vruntime_batch(&p, v0, es).unwrap();
        let lags: Vec<i64> = es.iter().map(|e| v.wsub(e.0)).collect();
        assert_eq!(lags, vec![-20_000_000, 10_000_000, 10_000_000], "{p:?}");
        assert_eq!(lags.iter().sum::<i64>(), 0);
    }
}
