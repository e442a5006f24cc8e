//! The fuzz target bodies, shared by the cargo-fuzz targets (`fuzz/fuzz_targets`)
//! and the stable smoke test (`tests/fuzz_smoke.rs`, which includes this file by
//! path). Each body decodes arbitrary bytes into inputs — biased towards
//! kernel constants, powers of two and the stated wrap boundaries — runs one
//! function family under every profile and panics when an invariant breaks:
//!
//! * no panic inside the library, and only the errors the function documents;
//! * LINUX_7_1 equals EXACT whenever it reports no wrap;
//! * the `bounds` domains agree with the functions (inside: no wrap; past the
//!   first wrap: a wrap), and a headroom ≥ 1 means no wrap, ≤ −1 a wrap;
//! * EXACT always finds an eligible entity in a non-empty queue;
//! * a stored lag lies within its limit;
//! * `RunQueue::validate()` holds after every operation.
//!
//! Only `eevdf`, `core` and `std` are used, so the file compiles in both crates.

#![allow(dead_code)]

use eevdf::pick::PickCtx;

use eevdf::avg::{
    overflowing_avg_vruntime_batch, overflowing_vruntime_eligible_batch, AvgVruntime, Curr,
};
use eevdf::bounds::{self, Domain};
use eevdf::entity::{
    exact_lag_limit, overflowing_entity_lag, overflowing_lag_limit, overflowing_place_lag,
    overflowing_place_lag_batch, place_entity, reweight_entity, PlaceFlags, RqCtx, SchedEntity,
    Tunables,
};
use eevdf::pick::{pick_eevdf_linear, Pick};
use eevdf::profile::{CalcDelta, Eligibility, LagLimit, Reference, SliceAggregates};
use eevdf::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, EntityId, RunQueue, WakeFlags};
use eevdf::weight::{
    calc_delta_fair, checked_calc_delta_fair, mul_shift_factor, overflowing_calc_delta,
    overflowing_calc_delta_fair, NICE_0_LOAD,
};
use eevdf::{Error, Features, LoadWeight, Profile, Vlag, Vtime};

#[path = "../../tests/common/c.rs"]
mod c;

/// A target body.
pub type Target = fn(&[u8]);

/// Every target, by name, for the smoke test and the fuzz binaries.
pub const TARGETS: &[(&str, Target)] = &[
    ("calc_delta", calc_delta),
    ("avg_eligibility", avg_eligibility),
    ("entity_lag_place", entity_lag_place),
    ("reweight", reweight),
    ("runqueue", runqueue),
    ("runqueue_7_1_vs_exact", runqueue_7_1_vs_exact),
    ("pick_linear", pick_linear),
];

// ---------------------------------------------------------------------------
// Input decoding
// ---------------------------------------------------------------------------

/// splitmix64, for the smoke test's seeded inputs (deterministic, no timing).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Kernel constants and boundaries the decoder draws from.
const CONSTS: [u64; 40] = [
    0,
    1,
    2,
    3,
    37,
    1024,
    2048,
    15 << 10,
    335 << 10,
    NICE_0_LOAD,
    NICE_0_LOAD + 1,
    88_761 << 10,
    100 << 20,
    1 << 28,
    1 << 40,
    (1 << 40) + 1,
    100_000,
    700_000,
    1_000_000,
    3_000_000,
    4_000_000,
    20_000_000,
    57_498,
    90_000_000_000,
    (1 << 31) - 1,
    1 << 31,
    1 << 32,
    (1 << 43) - 1,
    1 << 43,
    (1 << 44) - 1,
    1 << 44,
    1 << 53,
    i64::MAX as u64,
    1 << 63,
    (1 << 63) + 1,
    u64::MAX - 1,
    u64::MAX,
    0xFFFF_FFFF,
    4_194_304,
    48_388,
];

/// A cursor over the fuzzer's bytes; reads past the end give zeros.
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    /// Wraps the bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data, pos: 0 }
    }

    /// True once every byte was read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// One byte.
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A bit.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A value in `0..n` (n ≤ 256).
    pub fn below(&mut self, n: usize) -> usize {
        self.byte() as usize % n
    }

    /// Eight bytes, little-endian.
    pub fn raw_u64(&mut self) -> u64 {
        let mut v = 0u64;
        for i in 0..8 {
            v |= (self.byte() as u64) << (8 * i);
        }
        v
    }

    /// A u64 biased towards interesting magnitudes.
    pub fn u64(&mut self) -> u64 {
        match self.byte() % 8 {
            0 | 1 => self.raw_u64(),
            2 => {
                let bits = self.byte() % 64;
                self.raw_u64() & ((1u64 << bits) - 1)
            }
            3 => {
                let k = self.byte() % 64;
                let d = self.byte() as i8 as i64;
                (1u64 << k).wrapping_add(d as u64)
            }
            4 | 5 => CONSTS[self.below(CONSTS.len())],
            6 => {
                let c = CONSTS[self.below(CONSTS.len())];
                c.wrapping_add(self.byte() as i8 as i64 as u64)
            }
            _ => self.byte() as u64,
        }
    }

    /// An i64 of either sign, biased as [`u64`](Self::u64).
    pub fn i64(&mut self) -> i64 {
        let m = self.u64() as i64;
        if self.bool() {
            m.wrapping_neg()
        } else {
            m
        }
    }

    /// A value near `m` (a boundary): m − 2 … m + 2.
    pub fn near(&mut self, m: u64) -> u64 {
        m.wrapping_add((self.below(5) as u64).wrapping_sub(2))
    }

    /// A load weight (never 0): a nice level, a group weight, or an explicit
    /// weight and cached inverse.
    pub fn load_weight(&mut self) -> LoadWeight {
        match self.byte() % 4 {
            0 => LoadWeight::from_nice(self.below(40) as i32 - 20).unwrap_or(LoadWeight::NICE_0),
            1 => LoadWeight::with_inv_weight(self.u64().max(1), self.u64() as u32)
                .unwrap_or(LoadWeight::NICE_0),
            _ => LoadWeight::new(self.u64().max(1)).unwrap_or(LoadWeight::NICE_0),
        }
    }

    /// One of [`PROFILES`].
    pub fn profile(&mut self) -> Profile {
        PROFILES[self.below(PROFILES.len())]
    }
}

/// The presets, 6.6.57, and the in-between releases the corpus names.
pub const PROFILES: [Profile; 9] = [
    Profile::LINUX_6_6,
    Profile::LINUX_6_18,
    Profile::LINUX_7_0,
    Profile::LINUX_7_1,
    Profile::EXACT,
    Profile::LINUX_6_6_57,
    Profile {
        eligibility: Eligibility::Wrapping,
        ..Profile::LINUX_7_1
    },
    Profile {
        reference: Reference::ZeroVruntime,
        ..Profile::LINUX_7_1
    },
    Profile {
        slice_aggregates: SliceAggregates::Exact,
        ..Profile::LINUX_7_1
    },
];

/// Do `times` and `v0` lie within half the circle (span < 2^63), the domain in
/// which keys relative to a moving v0 do not wrap?
fn within_half_circle(v0: Vtime, times: &[Vtime]) -> bool {
    let (mut lo, mut hi) = (0i64, 0i64);
    for t in times {
        let o = t.wsub(v0);
        lo = lo.min(o);
        hi = hi.max(o);
    }
    (hi as i128 - lo as i128) < 1 << 63
}

/// The errors a Linux profile may return are never `Overflow`; EXACT's never
/// `Undefined` (its arithmetic is defined everywhere).
fn check_error_kind(p: &Profile, e: Error, what: &str) {
    match e {
        Error::Overflow => assert!(p.is_exact(), "{what}: Overflow under {p:?}"),
        Error::Undefined => assert!(!p.is_exact(), "{what}: Undefined under EXACT"),
        _ => {}
    }
}

fn tun(p: &Profile, tick: u64) -> Tunables {
    Tunables {
        base_slice: 3_000_000,
        tick_nsec: tick,
        features: Features::defaults(p.release),
    }
}

// ---------------------------------------------------------------------------
// calc_delta
// ---------------------------------------------------------------------------

/// `calc_delta_fair` and `__calc_delta` in every profile, against their domains,
/// the C model and EXACT.
pub fn calc_delta(data: &[u8]) {
    let mut inp = Input::new(data);
    let lw = inp.load_weight();
    let weight = inp.u64();
    let mode = inp.byte();
    for p in Profile::PRESETS {
        let d = bounds::calc_delta_fair_domain(&p, &lw);
        let delta = match (mode % 3, d) {
            (0, Domain::UpTo(m)) => inp.near(m),
            _ => inp.u64(),
        };
        let (v, wrapped) = overflowing_calc_delta_fair(&p, delta, &lw);
        assert_eq!(d.contains(delta), !wrapped, "{p:?} δ={delta} {lw:?}");
        assert_eq!(
            checked_calc_delta_fair(&p, delta, &lw),
            (!wrapped).then_some(v)
        );
        match calc_delta_fair(&p, delta, &lw) {
            Ok(x) => assert_eq!(x, v),
            Err(e) => assert!(p.is_exact() && wrapped && e == Error::Overflow),
        }
        let exact = if lw.weight() == NICE_0_LOAD {
            delta as u128
        } else {
            ((delta as u128) << 20) / lw.weight() as u128
        };
        if p.is_exact() {
            assert_eq!((v, wrapped), (exact as u64, exact > u64::MAX as u128));
        } else {
            // Wrapped or not, the value is the kernel's (the C model's).
            assert_eq!(
                v,
                c::calc_delta_fair(&p, delta, &lw),
                "{p:?} δ={delta} {lw:?}"
            );
            if p.calc_delta == CalcDelta::Quotient && !wrapped {
                assert_eq!(v as u128, exact, "7.1 without a wrap is EXACT");
            }
        }
        // The general __calc_delta and its domain.
        let g = overflowing_calc_delta(&p, delta, weight, &lw);
        let gd = bounds::calc_delta_domain(&p, weight, &lw);
        match g {
            Ok((gv, gw)) => {
                assert_eq!(gd.contains(delta), !gw, "{p:?} δ={delta} w={weight} {lw:?}");
                let ge = delta as u128 * weight as u128 / lw.weight() as u128;
                if p.is_exact() || (p.calc_delta == CalcDelta::Quotient && !gw) {
                    assert_eq!(gv, ge as u64);
                }
                if p.calc_delta == CalcDelta::MulShift && !p.is_exact() {
                    assert_eq!(gv, c::calc_delta_legacy(delta, weight, &lw));
                }
            }
            Err(e) => {
                assert_eq!(e, Error::Undefined);
                assert!(mul_shift_factor(weight, &lw).is_none() && !p.is_exact());
                assert_eq!(gd, Domain::Empty);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// avg / eligibility
// ---------------------------------------------------------------------------

/// A queue: v0, `(key, load.weight)` pairs, a probe key and an optional curr.
struct Queue {
    v0: Vtime,
    es: Vec<(i64, u64)>,
    curr: Option<(i64, u64)>,
    probe: i64,
}

fn queue(inp: &mut Input) -> Queue {
    let v0 = Vtime(inp.u64());
    let n = inp.below(9);
    let spread_bits = inp.byte() % 64;
    let key = |inp: &mut Input| {
        let k = inp.i64();
        if spread_bits == 63 {
            k
        } else {
            k % (1i64 << spread_bits).max(1)
        }
    };
    let es = (0..n)
        .map(|_| {
            let k = key(inp);
            (k, inp.u64())
        })
        .collect();
    let curr = if inp.bool() {
        let k = key(inp);
        Some((k, inp.u64()))
    } else {
        None
    };
    let probe = key(inp);
    Queue {
        v0,
        es,
        curr,
        probe,
    }
}

impl Queue {
    fn at(&self, k: i64) -> Vtime {
        self.v0.wrapping_add_signed(k)
    }
    fn pairs(&self) -> Vec<(Vtime, u64)> {
        self.es.iter().map(|&(k, w)| (self.at(k), w)).collect()
    }
    fn curr(&self) -> Curr {
        self.curr.map(|(k, w)| (self.at(k), w))
    }
}

/// The accumulator, `avg_vruntime`, `vruntime_eligible`, the batch forms, the
/// raw parts and the headroom functions.
pub fn avg_eligibility(data: &[u8]) {
    let mut inp = Input::new(data);
    let q = queue(&mut inp);
    let raw = (inp.i64() as i128) << inp.below(64);
    let raw_w = (inp.u64() as i128) << inp.below(64);
    let mut results = Vec::new();
    for p in PROFILES {
        let mut acc = AvgVruntime::with_zero_vruntime(p, q.v0);
        let mut ok = true;
        for &(v, w) in &q.pairs() {
            if let Err(e) = acc.add(v, w) {
                check_error_kind(&p, e, "add");
                assert!(matches!(e, Error::ZeroWeight | Error::Overflow));
                ok = false;
                break;
            }
        }
        // Raw parts round-trip, and arbitrary raw parts never panic a read.
        let parts = acc.into_raw_parts();
        assert_eq!(
            AvgVruntime::from_raw_parts(parts.0, parts.1, parts.2, parts.3, parts.4)
                .and_then(|a| a.with_overflowed(acc.overflowed())),
            Ok(acc)
        );
        if let Ok(mut r) = AvgVruntime::from_raw_parts(p, q.v0, raw, raw_w, false) {
            let _ = r.overflowing_vruntime_eligible(q.at(q.probe), q.curr());
            let _ = bounds::avg_headroom_bits(&r, q.curr());
            let _ = bounds::eligibility_headroom_bits(&r, q.at(q.probe), q.curr());
            if let Err(e) = r.overflowing_avg_vruntime(q.curr()) {
                check_error_kind(&p, e, "avg of raw parts");
            }
            let _ = r.add(q.at(q.probe), NICE_0_LOAD);
        } else {
            assert!(raw_w < 0 || p.is_exact());
        }
        if !ok {
            results.push(None);
            continue;
        }
        let curr = q.curr();
        let probe = q.at(q.probe);
        let (elig, ew) = acc.overflowing_vruntime_eligible(probe, curr);
        let mut read = acc;
        let v = read.overflowing_avg_vruntime(curr);
        if let Err(e) = v {
            check_error_kind(&p, e, "avg_vruntime");
        }
        // Headroom: ≥ 1 → no wrap, ≤ −1 → a wrap. The headroom is that of the
        // sums now; an earlier update that overflowed and came back in range
        // (the accumulator's sticky indicator) is reported whatever it says.
        if !p.is_exact() && acc.overflowed() {
            assert!(
                ew && acc.is_wrapped(),
                "{p:?}: sticky overflow not reported"
            );
            if let Ok((_, vw)) = v {
                assert!(vw, "{p:?}: sticky overflow not reported by avg");
            }
        } else if !p.is_exact() {
            if let Ok(h) = bounds::eligibility_headroom_bits(&acc, probe, curr) {
                if h >= 1 {
                    assert!(!ew, "{p:?}: headroom {h} but eligibility wrapped");
                }
                if h <= -1 {
                    assert!(ew, "{p:?}: headroom {h} but eligibility did not wrap");
                }
            }
            if let (Ok(h), Ok((_, vw))) = (bounds::avg_headroom_bits(&acc, curr), v) {
                if h >= 1 {
                    assert!(!vw, "{p:?}: headroom {h} but avg wrapped");
                }
                if h <= -1 {
                    assert!(vw, "{p:?}: headroom {h} but avg did not wrap");
                }
            }
            assert_eq!(acc.headroom_bits() < 0, acc.is_wrapped());
        } else {
            assert!(!ew && !acc.is_wrapped());
        }
        // EXACT: the entity with the smallest key, and V itself, are eligible
        // (a curr weight outside EXACT's domain, or 0, is ignored by eligibility).
        let curr_ok = q
            .curr
            .map_or(true, |c| c.1 != 0 && c.1 <= bounds::EXACT_MAX_WEIGHT);
        if p.is_exact() && curr_ok {
            let keys = q.es.iter().map(|e| e.0).chain(q.curr.map(|c| c.0));
            if let Some(kmin) = keys.min() {
                assert!(
                    acc.vruntime_eligible(q.at(kmin), curr),
                    "min key not eligible"
                );
            }
            if let Ok((vv, _)) = v {
                assert!(acc.vruntime_eligible(vv, curr), "V itself not eligible");
            }
        }
        // The batch forms agree with the accumulator (no curr).
        if curr.is_none() {
            let mut a2 = acc;
            assert_eq!(
                overflowing_avg_vruntime_batch(&p, q.v0, q.pairs()),
                a2.overflowing_avg_vruntime(None)
            );
            assert_eq!(
                overflowing_vruntime_eligible_batch(&p, q.v0, q.pairs(), probe),
                Ok((elig, ew))
            );
        }
        results.push(Some((acc, v, (elig, ew))));
    }
    // LINUX_7_1 (index 3) without a wrap equals EXACT (index 4).
    let curr_ok = q
        .curr
        .map_or(true, |c| c.1 != 0 && c.1 <= bounds::EXACT_MAX_WEIGHT);
    if let (Some((a71, v71, e71)), Some((ax, vx, ex))) = (results[3], results[4]) {
        if !a71.is_wrapped() && curr_ok {
            if !e71.1 {
                assert_eq!(e71, ex, "7.1 eligibility vs EXACT");
            }
            if let Ok((v, false)) = v71 {
                assert_eq!(vx, Ok((v, false)), "7.1 V vs EXACT");
            }
            assert_eq!(a71.sum_w_vruntime_wide(), ax.sum_w_vruntime_wide());
        }
    }
}

// ---------------------------------------------------------------------------
// entity lag and placement
// ---------------------------------------------------------------------------

/// The lag limit, `entity_lag`, the placement lag (single and batch) and
/// `place_entity`.
pub fn entity_lag_place(data: &[u8]) {
    let mut inp = Input::new(data);
    let lw = inp.load_weight();
    let slice = inp.u64();
    let max_slice = inp.u64();
    let tick = if inp.bool() { 1_000_000 } else { inp.u64() };
    let v = Vtime(inp.u64());
    let vruntime = Vtime(inp.u64());
    let load = inp.u64();
    let w = inp.u64();
    let mode = inp.byte();
    let q = queue(&mut inp);
    let mut se = SchedEntity::new(lw, slice);
    se.vruntime = vruntime;
    let mut lags = Vec::new();
    for p in PROFILES {
        // The lag limit against its domain (the slice the rule reads).
        let (limit, lwr) = overflowing_lag_limit(&p, &se, max_slice, tick);
        let dom = bounds::lag_limit_domain(&p, &lw, tick);
        let read = match p.lag_limit {
            LagLimit::TwiceSlice => slice,
            LagLimit::MaxSlicePlusTick => max_slice,
            other => panic!("no model of {other:?}"),
        };
        assert_eq!(
            dom.contains(read),
            !lwr,
            "{p:?} slice={read} tick={tick} {lw:?}"
        );
        let xl = exact_lag_limit(&p, &se, max_slice, tick);
        if p.is_exact() || (!lwr && p.calc_delta == CalcDelta::Quotient) {
            assert_eq!(limit as u128, xl % (1u128 << 64), "{p:?}");
        }
        // entity_lag: the stored lag lies within its limit.
        let (vlag, vw) = overflowing_entity_lag(&p, v, &se, max_slice, tick);
        if p.is_exact() {
            assert!(!vw);
            assert!((vlag.0.unsigned_abs() as u128) <= xl);
            let x = v.wsub(vruntime) as i128;
            assert_eq!(vlag.0 as i128, x.clamp(-(xl as i128), xl as i128));
        } else if !vw {
            assert!(
                vlag.0.unsigned_abs() <= limit,
                "{p:?}: |{}| > {limit}",
                vlag.0
            );
        }
        lags.push((vlag, vw));
        // The placement lag against its domain.
        let pv = match (mode % 3, bounds::place_lag_domain(&p, load, w)) {
            (0, Domain::UpTo(m)) => inp.near(m) as i64,
            (1, Domain::UpTo(m)) => (inp.near(m) as i64).wrapping_neg(),
            _ => inp.i64(),
        };
        let pd = bounds::place_lag_domain(&p, load, w);
        match overflowing_place_lag(&p, pv, load, w) {
            Ok((lag, pw)) => {
                if pd.contains_signed(pv) {
                    assert!(!pw, "{p:?} vlag={pv} load={load} w={w}");
                    let d = if load == 0 { 1 } else { load as i128 };
                    let exact = pv as i128 * (load as i128 + w as i128) / d;
                    assert_eq!(lag as i128, exact);
                }
                if let Some(f) = pd.first_wrap() {
                    if pv.unsigned_abs() >= f.saturating_add(1) {
                        assert!(pw, "{p:?} vlag={pv} beyond {f}");
                    }
                }
            }
            Err(e) => {
                check_error_kind(&p, e, "place_lag");
                assert!(!pd.contains_signed(pv), "{p:?}: {e:?} inside the domain");
            }
        }
        let ws: Vec<u64> = q.es.iter().map(|e| e.1).collect();
        if let Err(e) = overflowing_place_lag_batch(&p, pv, ws, w) {
            check_error_kind(&p, e, "place_lag_batch");
        }
        // place_entity into the queue, then the lag round trip under EXACT.
        let mut acc = AvgVruntime::with_zero_vruntime(p, q.v0);
        if q.pairs().iter().any(|&(v, w)| acc.add(v, w).is_err()) {
            continue;
        }
        let ctx = RqCtx::new(
            q.curr(),
            q.es.len() as u32 + q.curr.is_some() as u32,
            max_slice,
        );
        let mut placed = SchedEntity::new(lw, slice);
        placed.vlag = Vlag(pv);
        let before = (acc, placed);
        let t = tun(&p, tick);
        match place_entity(&mut acc, &ctx, &mut placed, PlaceFlags::default(), &t) {
            Ok(wrapped) => {
                // The placed entity's lag comes back within ±1 (EXACT, in domain).
                let round_trip = p.is_exact()
                    && ctx.nr_queued > 0
                    && !wrapped.is_wrapped()
                    && acc.add(placed.vruntime, lw.weight()).is_ok();
                if round_trip {
                    if let Ok((v2, false)) = acc.overflowing_avg_vruntime(q.curr()) {
                        let back = v2.wsub(placed.vruntime) as i128;
                        let mut all = q.pairs().into_iter().map(|e| e.0).collect::<Vec<_>>();
                        all.extend(q.curr().map(|c| c.0));
                        all.push(placed.vruntime);
                        if within_half_circle(q.v0, &all) {
                            assert!((back - pv as i128).abs() <= 1, "placed {pv}, back {back}");
                        }
                    }
                }
            }
            Err(e) => {
                // se is unchanged; the accumulator may have had v0 moved to V
                // (avg_vruntime() runs first, as in the kernel), which keeps V.
                check_error_kind(&p, e, "place_entity");
                assert_eq!(placed, before.1, "an error changed the entity");
                let mut all = q.pairs().into_iter().map(|e| e.0).collect::<Vec<_>>();
                all.extend(q.curr().map(|c| c.0));
                let (mut a0, mut a1) = (before.0, acc);
                if let (Ok(x), Ok(y)) = (
                    a0.overflowing_avg_vruntime(ctx.curr),
                    a1.overflowing_avg_vruntime(ctx.curr),
                ) {
                    // (A wrapped V is not v0-invariant: the kernel's isn't either.)
                    if within_half_circle(q.v0, &all) && !x.1 {
                        assert_eq!(x, y, "an error moved V");
                    }
                }
            }
        }
    }
    // 7.1 without a wrap equals EXACT.
    if !lags[3].1 {
        assert_eq!(lags[3], lags[4], "7.1 entity_lag vs EXACT");
    }
}

// ---------------------------------------------------------------------------
// reweight
// ---------------------------------------------------------------------------

/// `reweight_entity` in every generation, on and off the run queue, curr or not.
pub fn reweight(data: &[u8]) {
    let mut inp = Input::new(data);
    let q = queue(&mut inp);
    let old = inp.load_weight();
    let new = inp.load_weight();
    let on_rq = inp.bool();
    let is_curr = on_rq && inp.bool();
    let protected = inp.bool();
    let key = inp.i64();
    let dl = inp.i64();
    let vlag = inp.i64();
    let vprot = inp.i64();
    let max_slice = inp.u64();
    let rel = inp.bool();
    let mut outs = Vec::new();
    for p in PROFILES {
        let mut acc = AvgVruntime::with_zero_vruntime(p, q.v0);
        if q.pairs().iter().any(|&(v, w)| acc.add(v, w).is_err()) {
            outs.push(None);
            continue;
        }
        let mut se = SchedEntity::new(old, 3_000_000);
        se.vruntime = q.at(key);
        se.deadline = if rel && !on_rq {
            Vtime(dl as u64)
        } else {
            se.vruntime.wrapping_add_signed(dl)
        };
        se.rel_deadline = rel && !on_rq;
        se.vlag = Vlag(vlag);
        se.vprot = se.vruntime.wrapping_add_signed(vprot);
        se.on_rq = on_rq;
        if on_rq && !is_curr && acc.add(se.vruntime, old.weight()).is_err() {
            outs.push(None);
            continue;
        }
        let ctx = RqCtx {
            se_is_curr: is_curr,
            se_protected: protected,
            ..RqCtx::new(
                if is_curr { None } else { q.curr() },
                q.es.len() as u32 + on_rq as u32 + (!is_curr && q.curr.is_some()) as u32,
                max_slice,
            )
        };
        let before = (acc, se);
        let r = reweight_entity(&mut acc, &ctx, &mut se, new, &tun(&p, 1_000_000));
        match r {
            Ok(wrapped) => {
                // Off the run queue only the lag is rescaled: its domain decides.
                if !on_rq && !rel {
                    let d = bounds::rescale_domain(&p, old.weight(), new.weight());
                    if d.contains_signed(vlag) {
                        assert!(!wrapped.is_wrapped(), "{p:?} vlag={vlag} {old:?}→{new:?}");
                        let e = vlag as i128 * old.weight() as i128 / new.weight() as i128;
                        assert_eq!(se.vlag.0 as i128, e);
                    }
                    if let Some(f) = d.first_wrap() {
                        if vlag.unsigned_abs() >= f.saturating_add(1) && !p.is_exact() {
                            assert!(wrapped.is_wrapped());
                        }
                    }
                }
                let wrapped = wrapped.is_wrapped() || acc.is_wrapped();
                outs.push(Some((acc.into_raw_parts(), se, wrapped)));
            }
            Err(e) => {
                check_error_kind(&p, e, "reweight");
                assert_eq!((acc, se), before, "an error changed the state");
                outs.push(None);
            }
        }
    }
    // 7.1 with no wrap (in the reweight or before it, sticky) must be EXACT.
    if let (Some((a, s, false)), Some((ax, sx, _))) = (outs[3], outs[4]) {
        assert_eq!(
            (a.1, a.2, a.3, s),
            (ax.1, ax.2, ax.3, sx),
            "7.1 reweight vs EXACT"
        );
    }
}

// ---------------------------------------------------------------------------
// the run queue
// ---------------------------------------------------------------------------

pub type Rq = RunQueue<Profile, 8>;

/// One decoded run-queue operation.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Add(LoadWeight, u64, i64),
    Enqueue(usize, u8),
    Dequeue(usize, u8),
    Tick(u64),
    Pick(u64),
    Wake(usize, u8),
    Reweight(usize, LoadWeight),
    Yield(u64),
    Remove(usize),
    Slice(usize, u64),
    Buddy(usize),
    PutPrev(u64),
}

pub fn op(inp: &mut Input, cap_weight: bool) -> Op {
    let lw = |inp: &mut Input| {
        let lw = inp.load_weight();
        if cap_weight && lw.weight() > bounds::EXACT_MAX_WEIGHT {
            LoadWeight::new(bounds::EXACT_MAX_WEIGHT).unwrap_or(lw)
        } else {
            lw
        }
    };
    match inp.byte() % 16 {
        0 | 1 => {
            let l = lw(inp);
            Op::Add(l, inp.u64(), inp.i64())
        }
        2 | 3 => Op::Enqueue(inp.below(8), inp.byte()),
        4 | 5 => Op::Dequeue(inp.below(8), inp.byte()),
        6 | 7 => Op::Tick(if inp.bool() {
            inp.below(4_000) as u64 * 1_000
        } else {
            inp.u64()
        }),
        8 => Op::Pick(inp.below(100) as u64 * 1_000),
        9 => Op::Wake(inp.below(8), inp.byte()),
        10 => {
            let i = inp.below(8);
            Op::Reweight(i, lw(inp))
        }
        11 => Op::Yield(inp.below(100) as u64 * 1_000),
        12 => Op::Remove(inp.below(8)),
        13 => Op::Slice(inp.below(8), inp.u64()),
        14 => Op::Buddy(inp.below(8)),
        _ => Op::PutPrev(inp.below(100) as u64 * 1_000),
    }
}

/// Applies one operation; returns the first error (if any) and a dequeued
/// entity's (id, max_slice before) for the lag check.
pub fn apply(rq: &mut Rq, now: &mut u64, o: Op) -> (Option<Error>, Option<(EntityId, u64)>) {
    let ids: Vec<EntityId> = rq.ids().collect();
    let id = |i: usize| ids.get(i % ids.len().max(1)).copied();
    let mut removed = None;
    let r: Result<(), Error> = (|| {
        match o {
            Op::Add(lw, slice, lag) => {
                let mut se = SchedEntity::new(lw, 3_000_000);
                se.set_custom_slice(slice % 200_000_000, 3_000_000);
                se.vlag = Vlag(lag);
                rq.add(se)?;
            }
            Op::Enqueue(i, f) | Op::Wake(i, f) => {
                if let Some(id) = id(i) {
                    let flags = match f % 3 {
                        0 => EnqueueFlags::WAKEUP,
                        1 => EnqueueFlags::INITIAL,
                        _ => EnqueueFlags::RESTORE,
                    };
                    rq.enqueue(id, *now, flags)?;
                    if let Op::Wake(..) = o {
                        let wf = WakeFlags {
                            fork: f & 4 != 0,
                            sync: f & 8 != 0,
                            rq_selected: f & 16 != 0,
                        };
                        if rq.wakeup_preempt(id, *now, wf)?.is_requested() {
                            rq.pick_next(*now)?;
                        }
                    }
                }
            }
            Op::Dequeue(i, f) => {
                if let Some(id) = id(i) {
                    let flags = DequeueFlags {
                        sleep: f & 1 == 0,
                        special: f & 2 != 0,
                        save_only: f & 4 != 0,
                    };
                    let before = rq.max_slice();
                    if rq.dequeue(id, *now, flags)? == Dequeued::Removed {
                        removed = Some((id, before));
                    }
                }
            }
            Op::Tick(d) => {
                *now = now.wrapping_add(d);
                if rq.tick(*now)?.is_requested() {
                    rq.pick_next(*now)?;
                }
            }
            Op::Pick(d) => {
                *now = now.wrapping_add(d);
                rq.pick_next(*now)?;
            }
            Op::Reweight(i, lw) => {
                if let Some(id) = id(i) {
                    rq.reweight(id, lw, *now)?;
                }
            }
            Op::Yield(d) => {
                *now = now.wrapping_add(d);
                if rq.yield_curr(*now)?.did_yield() {
                    rq.pick_next(*now)?;
                }
            }
            Op::Remove(i) => {
                if let Some(id) = id(i) {
                    rq.remove(id)?;
                }
            }
            Op::Slice(i, s) => {
                if let Some(id) = id(i) {
                    rq.set_slice(id, s)?;
                }
            }
            Op::Buddy(i) => {
                if let Some(id) = id(i) {
                    rq.set_next_buddy(id)?;
                }
            }
            Op::PutPrev(d) => {
                *now = now.wrapping_add(d);
                rq.put_prev_curr(*now)?;
            }
        }
        Ok(())
    })();
    (r.err(), removed)
}

/// Do the queued vruntimes, their deadlines and v0 span 2^63 ns or more
/// (outside the run queue's domain, where keys wrap and the tree's order is
/// not transitive)?
fn wide(rq: &Rq) -> bool {
    let v0 = rq.avg().zero_vruntime();
    let (mut lo, mut hi) = (0i64, 0i64);
    for id in rq.ids() {
        let se = rq.entity(id).unwrap();
        if se.on_rq {
            for t in [se.vruntime, se.deadline] {
                let o = t.wsub(v0);
                lo = lo.min(o);
                hi = hi.max(o);
            }
        }
    }
    hi as i128 - lo as i128 >= 1 << 63
}

/// The invariants after every operation. `ever_wide` remembers whether the
/// queue ever left its domain (then EXACT's sums may be off by 2^64 and its
/// eligibility is that of wrapped keys).
fn check_rq(
    rq: &Rq,
    err: Option<Error>,
    removed: Option<(EntityId, u64)>,
    step: usize,
    ever_wide: &mut bool,
) {
    let p = rq.profile();
    *ever_wide |= wide(rq);
    let checked = if *ever_wide {
        rq.validate_structure()
    } else {
        rq.validate()
    };
    match checked {
        Ok(()) => {}
        // Only a key that wrapped while v0 moved produces this (S is right
        // modulo 2^64): the queue left its domain during the operation, in a
        // way its final positions cannot show.
        Err(e) if e == eevdf::runqueue::EXACT_SUMS_LEFT_THE_DOMAIN => *ever_wide = true,
        Err(e) => panic!("{p:?} step {step}: {e}"),
    }
    if let Some(e) = err {
        check_error_kind(&p, e, "runqueue op");
    }
    // Something is picked in a non-empty queue — unless a wrap was reported,
    // by an earlier operation or by this very pick (never under EXACT).
    let (picked, pick_wrapped) = rq.overflowing_peek();
    if rq.nr_queued() > 0 && picked.is_none() {
        assert!(
            !p.is_exact() || *ever_wide,
            "step {step}: EXACT found nothing eligible"
        );
        // Outside the domain keys wrap, in every profile (and in the kernel).
        assert!(
            rq.wrapped() || pick_wrapped || *ever_wide,
            "{p:?} step {step}: nothing eligible, no wrap reported"
        );
    }
    if let Some((id, before)) = removed {
        if p.is_exact() || !rq.wrapped() {
            let se = rq.entity(id).unwrap();
            let t = rq.tunables().tick_nsec;
            let lim = if p.is_exact() {
                exact_lag_limit(&p, se, before, t)
            } else {
                overflowing_lag_limit(&p, se, before, t).0 as u128
            };
            assert!(
                se.vlag.0.unsigned_abs() as u128 <= lim,
                "{p:?} step {step}: |vlag| {} > {lim}",
                se.vlag.0
            );
        }
    }
    if p.is_exact() {
        assert!(!rq.wrapped());
    }
}

/// Arbitrary operation sequences on a run queue of one profile.
pub fn runqueue(data: &[u8]) {
    let mut inp = Input::new(data);
    let p = inp.profile();
    let hz = [100, 250, 300, 1000][inp.below(4)];
    let mut rq = Rq::new(p, Tunables::defaults(&p, 1 + inp.below(16) as u32, hz));
    let mut now = inp.u64() >> inp.below(64);
    let mut step = 0;
    let mut ever_wide = false;
    while !inp.is_empty() && step < 200 {
        let o = op(&mut inp, false);
        let (err, removed) = apply(&mut rq, &mut now, o);
        check_rq(&rq, err, removed, step, &mut ever_wide);
        step += 1;
    }
}

/// The same sequence on LINUX_7_1 and EXACT (weights capped to EXACT's
/// domain): while 7.1 reports no wrap, the two queues are identical.
pub fn runqueue_7_1_vs_exact(data: &[u8]) {
    let mut inp = Input::new(data);
    let t = Tunables::defaults(&Profile::LINUX_7_1, 1 + inp.below(16) as u32, 1000);
    let mut a = Rq::new(Profile::LINUX_7_1, t);
    let mut b = Rq::new(Profile::EXACT, t);
    let mut now = inp.u64() >> inp.below(64);
    let mut step = 0;
    let (mut wa, mut wb) = (false, false);
    while !inp.is_empty() && step < 200 {
        let o = op(&mut inp, true);
        let (mut na, mut nb) = (now, now);
        let (ea, ra) = apply(&mut a, &mut na, o);
        let (eb, rb) = apply(&mut b, &mut nb, o);
        now = na;
        check_rq(&a, ea, ra, step, &mut wa);
        check_rq(&b, eb, rb, step, &mut wb);
        let (pick_a, pick_wrapped) = a.overflowing_peek();
        if a.wrapped() || pick_wrapped {
            return; // from here on 7.1 may differ (it said so)
        }
        assert_eq!(
            ea, eb,
            "step {step} {o:?}: 7.1 and EXACT disagree on an error"
        );
        let sa: Vec<_> = a.ids().map(|id| (id, *a.entity(id).unwrap())).collect();
        let sb: Vec<_> = b.ids().map(|id| (id, *b.entity(id).unwrap())).collect();
        assert_eq!(sa, sb, "step {step} {o:?}");
        assert_eq!(
            (pick_a, false),
            b.overflowing_peek(),
            "step {step} {o:?}: pick"
        );
        assert_eq!(a.curr(), b.curr());
        let (_, v0a, s_a, w_a, _) = a.avg().into_raw_parts();
        let (_, v0b, s_b, w_b, _) = b.avg().into_raw_parts();
        assert_eq!((v0a, s_a, w_a), (v0b, s_b, w_b), "step {step} {o:?}: sums");
        step += 1;
    }
}

/// `pick_eevdf_linear` under EXACT on a queue drawn like [`avg_eligibility`]'s,
/// with arbitrary deadlines: an eligible entity is picked whenever the queue
/// is non-empty (the tree-shaped pick is covered by the run-queue bodies).
pub fn pick_linear(data: &[u8]) {
    let mut inp = Input::new(data);
    let q = queue(&mut inp);
    let p = Profile::EXACT;
    let mut acc = AvgVruntime::with_zero_vruntime(p, q.v0);
    let mut tree = Vec::new();
    for (k, w) in q.es.iter().copied() {
        let Ok(lw) = LoadWeight::new(w) else { continue };
        if acc.add(q.at(k), w).is_err() {
            return;
        }
        let mut se = SchedEntity::new(lw, 3_000_000);
        se.vruntime = q.at(k);
        se.deadline = se.vruntime.wrapping_add(inp.u64() >> 20);
        se.vprot = se.vruntime;
        se.on_rq = true;
        tree.push(se);
    }
    tree.sort_by(|a, b| a.deadline.wsub(b.deadline).cmp(&0));
    let n = tree.len() as u32;
    let f = Features::defaults(p.release);
    let got = pick_eevdf_linear(
        &acc,
        &tree,
        &PickCtx {
            curr: None,
            next: None,
            nr_queued: n,
            protect: true,
            features: f,
        },
    );
    if n > 0 {
        match got {
            Pick::Queued(i) => {
                assert!(acc.vruntime_eligible(tree[i].vruntime, None) || n == 1)
            }
            other => panic!("EXACT picked {other:?} from {n} entities"),
        }
    }
}
