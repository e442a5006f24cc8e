//! Fuzz target bodies for the C ABI (`eevdf-capi`), shared by the cargo-fuzz
//! targets `capi_*` and the stable smoke test (`capi/tests/fuzz_smoke.rs`,
//! which includes this file and `bodies.rs` by path). The bodies call the
//! `extern "C"` functions exactly as a C caller would: raw pointers, NULL and
//! misaligned pointers, unknown profile ids, arbitrary flag bytes and handles.
//!
//! Invariants (a panic is a finding):
//!
//! * every status is one of the contract's codes and one the function
//!   documents; `EEVDF_WRAPPED` and `EEVDF_EDOM` only under a Linux profile,
//!   `EEVDF_EOVERFLOW` only under EXACT;
//! * `EEVDF_EINVAL` wins: an unknown profile, a NULL (or misaligned) required
//!   pointer, n > 1,000,000, a weight of 0 or an invalid struct always give
//!   `EEVDF_EINVAL`, whatever else is wrong;
//! * out-pointers (and in-out structs) are untouched when the status is
//!   negative (they are pre-filled with a sentinel and compared byte for byte);
//! * LINUX_7_1 against EXACT on the same inputs: when 7.1 returns `EEVDF_OK`,
//!   EXACT returns `EEVDF_OK` with the same value (except where the contract
//!   puts the input outside EXACT's domain: a weight above 2^40);
//! * run queue: `eevdf_rq_validate` never reports `EEVDF_EUCLEAN` unless an
//!   earlier operation returned `EEVDF_EDOM`/`EEVDF_EOVERFLOW` (or the queue
//!   left its documented domain, a span of 2^63 ns), and a broken queue
//!   refuses every call.
//!
//! Only `eevdf`, `eevdf_capi` (`capi/rlib`), `core` and `std` are used, so the
//! file compiles in both crates.

#![allow(dead_code)]
#![allow(clippy::too_many_arguments)]

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr::{null, null_mut};

use eevdf_capi::*;

use super::bodies::Input;

/// A C ABI target body.
pub type Target = fn(&[u8]);

/// Every C ABI target, by name.
pub const CAPI_TARGETS: &[(&str, Target)] = &[
    ("capi_scalar", capi_scalar),
    ("capi_avg", capi_avg),
    ("capi_entity", capi_entity),
    ("capi_rq", capi_rq),
];

// ---------------------------------------------------------------------------
// Statuses, pointers, sentinels
// ---------------------------------------------------------------------------

/// Every status code of the contract.
const CODES: [i32; 9] = [
    EEVDF_OK,
    EEVDF_WRAPPED,
    EEVDF_ENOENT,
    EEVDF_EBUSY,
    EEVDF_EINVAL,
    EEVDF_ENOSPC,
    EEVDF_EDOM,
    EEVDF_EOVERFLOW,
    EEVDF_EUCLEAN,
];

const OK: i32 = EEVDF_OK;
const WR: i32 = EEVDF_WRAPPED;
const INVAL: i32 = EEVDF_EINVAL;
const DOM: i32 = EEVDF_EDOM;
const OVF: i32 = EEVDF_EOVERFLOW;
const NOENT: i32 = EEVDF_ENOENT;
const BUSY: i32 = EEVDF_EBUSY;
const NOSPC: i32 = EEVDF_ENOSPC;
const UCLEAN: i32 = EEVDF_EUCLEAN;

const P71: u32 = EEVDF_PROFILE_LINUX_7_1;
const PX: u32 = EEVDF_PROFILE_EXACT;

/// Weights above this are outside EXACT's domain in the averaging functions.
const EXACT_MAX_WEIGHT: u64 = 1 << 40;

/// Checks a status: a contract code, one of `allowed`, and consistent with the
/// profile (`None` for functions without one).
fn st(s: i32, profile: Option<u32>, allowed: &[i32], what: &str) {
    assert!(CODES.contains(&s), "{what}: {s} is not a contract status");
    assert!(
        allowed.contains(&s),
        "{what}: status {s} is not documented (allowed {allowed:?})"
    );
    if let Some(p) = profile {
        if p >= EEVDF_PROFILE_COUNT {
            assert_eq!(s, INVAL, "{what}: unknown profile {p} gave {s}");
        }
        if s == WR {
            assert!(p < PX, "{what}: EEVDF_WRAPPED under profile {p}");
        }
        if s == OVF {
            assert_eq!(p, PX, "{what}: EEVDF_EOVERFLOW under profile {p}");
        }
        if s == DOM {
            assert_ne!(p, PX, "{what}: EEVDF_EDOM under EXACT");
        }
    }
}

/// `st`, plus: when `einval` (some argument is certainly bad), the status is
/// `EEVDF_EINVAL` (it wins over every other).
fn st_inval(s: i32, profile: Option<u32>, allowed: &[i32], einval: bool, what: &str) {
    st(s, profile, allowed, what);
    if einval {
        assert_eq!(s, INVAL, "{what}: a bad argument did not give EEVDF_EINVAL");
    }
}

/// How a pointer argument is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Valid,
    Null,
    Misaligned,
}

fn mode(inp: &mut Input) -> Mode {
    match inp.byte() % 32 {
        0 => Mode::Null,
        1 => Mode::Misaligned,
        _ => Mode::Valid,
    }
}

const SENT: u64 = 0xA5A5_A5A5_A5A5_A5A5;

/// A pointer argument of type `T` (in, out or in-out), in a sentinel-filled
/// buffer, possibly NULL or misaligned by one byte.
pub struct Cell<T> {
    buf: [u64; 12],
    saved: [u64; 12],
    mode: Mode,
    _t: PhantomData<T>,
}

impl<T: Copy> Cell<T> {
    /// A cell holding `v` (sentinel bytes when `None`).
    fn new(mode: Mode, v: Option<T>) -> Self {
        assert!(size_of::<T>() < 95 && align_of::<T>() <= 8);
        let mut c = Cell::<T> {
            buf: [SENT; 12],
            saved: [SENT; 12],
            mode,
            _t: PhantomData,
        };
        if let (Some(v), false) = (v, mode == Mode::Null) {
            let p = c.mp();
            // SAFETY: the buffer holds size_of::<T>() + 1 bytes at p.
            unsafe { p.write_unaligned(v) };
        }
        c.saved = c.buf;
        c
    }

    /// An out cell (sentinel-filled).
    fn out(mode: Mode) -> Self {
        Self::new(mode, None)
    }

    fn mp(&mut self) -> *mut T {
        let base = self.buf.as_mut_ptr().cast::<u8>();
        match self.mode {
            Mode::Null => null_mut(),
            // SAFETY: within the buffer.
            Mode::Misaligned => unsafe { base.add(1) }.cast(),
            Mode::Valid => base.cast(),
        }
    }

    fn cp(&mut self) -> *const T {
        self.mp().cast_const()
    }

    /// Will the library reject this pointer (NULL, or misaligned for `T`)?
    fn bad(&self) -> bool {
        self.mode == Mode::Null || (self.mode == Mode::Misaligned && align_of::<T>() > 1)
    }

    /// Are the bytes as they were before the call?
    fn untouched(&self) -> bool {
        self.buf == self.saved
    }

    /// The value (after a successful call, or as passed in).
    fn get(&mut self) -> T {
        assert!(self.mode != Mode::Null);
        // SAFETY: written by `new` or by the library.
        unsafe { self.mp().read_unaligned() }
    }
}

/// Out-pointers and in-out structs must be untouched after a negative status.
fn untouched_on_error(s: i32, ok: bool, what: &str) {
    if s < 0 {
        assert!(ok, "{what}: status {s} but an out-pointer was written");
    }
}

/// A profile id: mostly a preset, sometimes unknown.
fn pid(inp: &mut Input) -> u32 {
    match inp.byte() % 16 {
        0 => EEVDF_PROFILE_COUNT + inp.below(3) as u32,
        1 => u32::MAX - inp.below(2) as u32,
        2 => inp.raw_u64() as u32,
        b => b as u32 % EEVDF_PROFILE_COUNT,
    }
}

/// A nice level, mostly in range, biased to the boundaries.
fn nice(inp: &mut Input) -> i32 {
    match inp.byte() % 4 {
        0 => inp.raw_u64() as i32,
        1 => [-21, -20, 19, 20, i32::MIN, i32::MAX][inp.below(6)],
        _ => inp.below(40) as i32 - 20,
    }
}

/// A C load weight: table, explicit, explicit with stale inverse, or 0.
fn clw(inp: &mut Input) -> EevdfLoadWeight {
    match inp.byte() % 16 {
        0 => EevdfLoadWeight {
            weight: 0,
            inv_weight: inp.raw_u64() as u32,
        },
        1..=6 => {
            let n = inp.below(40) as i32 - 20;
            let mut lw = EevdfLoadWeight {
                weight: EEVDF_NICE_0_LOAD,
                inv_weight: 0,
            };
            // SAFETY: a valid out-pointer.
            let s = unsafe { eevdf_load_weight_from_nice(n, &mut lw) };
            assert_eq!(s, OK);
            lw
        }
        7..=10 => EevdfLoadWeight {
            weight: inp.u64().max(1),
            inv_weight: 0,
        },
        _ => EevdfLoadWeight {
            weight: inp.u64().max(1),
            inv_weight: inp.u64() as u32,
        },
    }
}

/// A nonzero weight, mostly kernel-sized.
fn weight(inp: &mut Input) -> u64 {
    match inp.byte() % 4 {
        0 => inp.u64().max(1),
        _ => (inp.below(1 << 8) as u64 + 1) << (inp.below(21) as u32 + 10),
    }
}

/// A flag byte: mostly 0/1, sometimes invalid.
fn flag(inp: &mut Input) -> u8 {
    match inp.byte() % 32 {
        0 => 2 + inp.below(254) as u8,
        b => b & 1,
    }
}

/// A small signed offset (most of the time) or an arbitrary one.
fn off(inp: &mut Input) -> u64 {
    match inp.byte() % 4 {
        0 => inp.i64() as u64,
        _ => (inp.below(256) as i64 - 128).wrapping_mul(50_000) as u64,
    }
}

/// The feature bits the C ABI names: 0–38 (33–37 the CFS lines of v6.5, 38
/// 86bfbb7ce4f6's FAIR_SLEEPERS).
const FEATURE_BITS: u32 = 39;

/// Features: the release defaults, toggled, or with unknown bits.
fn features(inp: &mut Input, profile: u32) -> u64 {
    let mut f = 0u64;
    // SAFETY: valid out-pointer.
    unsafe { eevdf_features_default(profile % EEVDF_PROFILE_COUNT, &mut f) };
    match inp.byte() % 16 {
        0 => f | (1 << (FEATURE_BITS as usize + inp.below(64 - FEATURE_BITS as usize))),
        1 => inp.raw_u64(),
        2..=5 => f ^ (1 << inp.below(FEATURE_BITS as usize)),
        _ => f,
    }
}

/// A bit above [`FEATURE_BITS`] names no feature.
fn has_unknown_features(f: u64) -> bool {
    f >> FEATURE_BITS != 0
}

fn tunables(inp: &mut Input, profile: u32) -> EevdfTunables {
    let mut t = EevdfTunables {
        base_slice: 0,
        tick_nsec: 0,
        features: 0,
    };
    // SAFETY: valid out-pointer.
    let s = unsafe {
        eevdf_tunables_default(
            profile % EEVDF_PROFILE_COUNT,
            1 + inp.below(16) as u32,
            [100, 250, 300, 1000][inp.below(4)],
            &mut t,
        )
    };
    assert_eq!(s, OK);
    if inp.byte() % 8 == 0 {
        t.base_slice = inp.u64();
        t.tick_nsec = inp.u64();
    }
    t.features = features(inp, profile);
    t
}

fn cstr(p: *const c_char) -> &'static str {
    assert!(!p.is_null());
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap()
}

// ---------------------------------------------------------------------------
// capi_scalar
// ---------------------------------------------------------------------------

/// The scalar functions: weights, `calc_delta(_fair)`, entity and placement
/// lag, group shares, cgroup conversions, PELT, names, tunables and features.
pub fn capi_scalar(data: &[u8]) {
    let mut inp = Input::new(data);
    let mut steps = 0;
    while !inp.is_empty() && steps < 16 {
        steps += 1;
        match inp.byte() % 12 {
            0 => scalar_weights(&mut inp),
            1 | 2 => scalar_calc_delta(&mut inp),
            3 | 4 => scalar_entity_lag(&mut inp),
            5 | 6 => scalar_place_lag(&mut inp),
            7 | 8 => scalar_group_shares(&mut inp),
            9 => scalar_cgroup(&mut inp),
            10 => scalar_pelt(&mut inp),
            _ => scalar_names_tunables(&mut inp),
        }
    }
}

fn scalar_weights(inp: &mut Input) {
    let n = nice(inp);
    let mut out = Cell::<EevdfLoadWeight>::out(mode(inp));
    // SAFETY: NULL, misaligned or a valid out-pointer.
    let s = unsafe { eevdf_load_weight_from_nice(n, out.mp()) };
    let in_range = (-20..=19).contains(&n);
    st_inval(
        s,
        None,
        &[OK, INVAL],
        out.bad() || !in_range,
        "load_weight_from_nice",
    );
    untouched_on_error(s, out.untouched(), "load_weight_from_nice");
    if s == OK {
        let lw = out.get();
        assert!(lw.weight >= 15 << 10 && lw.inv_weight != 0, "{n}: {lw:?}");
        let mut sh = 0u64;
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { eevdf_cpu_weight_nice_write(n, &mut sh) }, OK);
        assert_eq!(sh, lw.weight, "cpu.weight.nice {n}");
        assert_eq!(eevdf_scale_load_down(lw.weight), lw.weight >> 10);
    }
    let mut idle = Cell::<EevdfLoadWeight>::out(mode(inp));
    // SAFETY: as above.
    let s = unsafe { eevdf_load_weight_idle(idle.mp()) };
    st_inval(s, None, &[OK, INVAL], idle.bad(), "load_weight_idle");
    untouched_on_error(s, idle.untouched(), "load_weight_idle");
    if s == OK {
        assert_eq!(
            idle.get(),
            EevdfLoadWeight {
                weight: 3072,
                inv_weight: 1_431_655_765
            }
        );
    }
    let lw = clw(inp);
    let mut io = Cell::new(mode(inp), Some(lw));
    // SAFETY: NULL, misaligned or a valid in-out pointer.
    let s = unsafe { eevdf_update_inv_weight(io.mp()) };
    st_inval(
        s,
        None,
        &[OK, INVAL],
        io.bad() || lw.weight == 0,
        "update_inv_weight",
    );
    untouched_on_error(s, io.untouched(), "update_inv_weight");
    if s == OK {
        let got = io.get();
        assert_eq!(got.weight, lw.weight);
        if lw.inv_weight != 0 {
            assert_eq!(
                got.inv_weight, lw.inv_weight,
                "a cached inverse was replaced"
            );
        } else {
            assert_ne!(got.inv_weight, 0);
        }
    }
    let w = inp.u64();
    let d = eevdf_scale_load_down(w);
    assert_eq!(d, if w == 0 { 0 } else { (w >> 10).max(2) });
}

fn scalar_calc_delta(inp: &mut Input) {
    let p = pid(inp);
    let delta = inp.u64();
    let lw = clw(inp);
    let general = inp.bool();
    let wt = inp.u64();
    let (ml, mo) = (mode(inp), mode(inp));
    let run = |p: u32, ml: Mode, mo: Mode| {
        let mut l = Cell::new(ml, Some(lw));
        let mut o = Cell::<u64>::out(mo);
        // SAFETY: each pointer is NULL, misaligned or valid for its type.
        let s = unsafe {
            if general {
                eevdf_calc_delta(p, delta, wt, l.cp(), o.mp())
            } else {
                eevdf_calc_delta_fair(p, delta, l.cp(), o.mp())
            }
        };
        let what = if general {
            "calc_delta"
        } else {
            "calc_delta_fair"
        };
        let allowed: &[i32] = if general {
            &[OK, WR, OVF, DOM, INVAL]
        } else {
            &[OK, WR, OVF, INVAL]
        };
        let bad = l.bad() || o.bad() || lw.weight == 0;
        st_inval(s, Some(p), allowed, bad, what);
        untouched_on_error(s, o.untouched(), what);
        assert!(l.untouched(), "{what}: lw was modified");
        (s, if s >= 0 { o.get() } else { 0 })
    };
    let (s, v) = run(p, ml, mo);
    if s == OK && !general && lw.weight == EEVDF_NICE_0_LOAD {
        assert_eq!(v, delta, "calc_delta_fair at NICE_0_LOAD");
    }
    if s == OK && p == PX {
        let num = delta as u128 * if general { wt as u128 } else { 1 << 20 };
        let want = if !general && lw.weight == EEVDF_NICE_0_LOAD {
            delta as u128
        } else {
            num / lw.weight as u128
        };
        assert_eq!(v as u128, want, "EXACT calc_delta");
    }
    let (s71, v71) = run(P71, Mode::Valid, Mode::Valid);
    let (sx, vx) = run(PX, Mode::Valid, Mode::Valid);
    if s71 == OK {
        assert_eq!((sx, vx), (OK, v71), "7.1 OK but EXACT differs (calc_delta)");
    }
}

fn scalar_entity_lag(inp: &mut Input) {
    let p = pid(inp);
    let avg = inp.u64();
    let v = avg.wrapping_sub(off(inp));
    let lw = clw(inp);
    let (slice, max_slice, tick) = (inp.u64(), inp.u64(), inp.u64());
    let (ml, mo) = (mode(inp), mode(inp));
    let run = |p: u32, ml: Mode, mo: Mode| {
        let mut l = Cell::new(ml, Some(lw));
        let mut o = Cell::<i64>::out(mo);
        // SAFETY: pointers NULL, misaligned or valid.
        let s = unsafe { eevdf_entity_lag(p, avg, v, l.cp(), slice, max_slice, tick, o.mp()) };
        let bad = l.bad() || o.bad() || lw.weight == 0;
        st_inval(s, Some(p), &[OK, WR, OVF, INVAL], bad, "entity_lag");
        untouched_on_error(s, o.untouched(), "entity_lag");
        (s, if s >= 0 { o.get() } else { 0 })
    };
    let (s, lag) = run(p, ml, mo);
    if s == OK {
        // A clamp of x = (int64_t)(avg - v) towards 0 (limits are >= 0 without a wrap).
        let x = avg.wrapping_sub(v) as i64;
        assert!(
            lag.unsigned_abs() <= x.unsigned_abs() && (lag == 0 || lag.signum() == x.signum()),
            "entity_lag {lag} is not a clamp of {x}"
        );
    }
    let (s71, v71) = run(P71, Mode::Valid, Mode::Valid);
    let (sx, vx) = run(PX, Mode::Valid, Mode::Valid);
    if s71 == OK {
        assert_eq!((sx, vx), (OK, v71), "7.1 OK but EXACT differs (entity_lag)");
    }
    if lw.weight != 0 {
        // EXACT: limit = floor((max_slice + tick) * 2^20 / w) without wrapping,
        // and the kernel's clamp.
        let span = max_slice as u128 + tick as u128;
        let lim = if lw.weight == EEVDF_NICE_0_LOAD {
            span
        } else {
            (span << 20) / lw.weight as u128
        };
        let lim = lim.min(i128::MAX as u128) as i128;
        let x = avg.wrapping_sub(v) as i64 as i128;
        let want = if x >= lim {
            lim
        } else if x <= -lim {
            -lim
        } else {
            x
        };
        assert_eq!(
            (sx, vx as i128),
            (OK, want),
            "EXACT entity_lag avg={avg} v={v} {lw:?} max_slice={max_slice} tick={tick}"
        );
    }
}

fn scalar_place_lag(inp: &mut Input) {
    let p = pid(inp);
    let vlag = match inp.byte() % 4 {
        0 => 0,
        1 => inp.i64(),
        _ => (inp.below(256) as i64 - 128) * 10_000,
    };
    let n = inp.below(9);
    let mut q: Vec<u64> = (0..n).map(|_| weight(inp)).collect();
    if inp.byte() % 16 == 0 && n > 0 {
        let i = inp.below(n);
        q[i] = 0;
    }
    let w = if inp.byte() % 16 == 0 { 0 } else { weight(inp) };
    let arr = inp.byte() % 16;
    let mo = mode(inp);
    let big = q.iter().chain([&w]).any(|&x| x > EXACT_MAX_WEIGHT);
    let run = |p: u32, arr: u8, mo: Mode| {
        let mut o = Cell::<i64>::out(mo);
        // Array: valid, NULL, or an absurd n with NULL or the short array.
        let (ptr, len, bad_arr) = match arr {
            0 => (null(), n, n > 0),
            1 => (null(), EEVDF_MAX_BATCH + 1, true),
            2 => (q.as_ptr(), usize::MAX, true),
            _ => (q.as_ptr(), n, false),
        };
        // SAFETY: the array is NULL or holds n elements; the library checks
        // n > EEVDF_MAX_BATCH before reading.
        let s = unsafe { eevdf_place_lag(p, vlag, ptr, len, w, o.mp()) };
        let zero = w == 0 || (len <= n && q[..len.min(n)].contains(&0) && !ptr.is_null());
        st_inval(
            s,
            Some(p),
            &[OK, WR, DOM, OVF, INVAL],
            o.bad() || bad_arr || zero,
            "place_lag",
        );
        untouched_on_error(s, o.untouched(), "place_lag");
        (s, if s >= 0 { o.get() } else { 0 })
    };
    let (s, lag) = run(p, arr, mo);
    if s >= 0 && arr > 2 && (n == 0 || (vlag == 0 && p != EEVDF_PROFILE_LINUX_6_6)) {
        assert_eq!(lag, 0, "place_lag of an empty queue or a zero lag");
    }
    let (s71, v71) = run(P71, 3, Mode::Valid);
    let (sx, vx) = run(PX, 3, Mode::Valid);
    if s71 == OK && !(big && sx == OVF) {
        assert_eq!((sx, vx), (OK, v71), "7.1 OK but EXACT differs (place_lag)");
    }
    if !big && w != 0 && !q.contains(&0) {
        // EXACT: trunc(vlag * (L + w) / L) with full weights; 0 for n = 0 or vlag = 0.
        let l: i128 = q.iter().map(|&x| x as i128).sum();
        let want = if n == 0 || vlag == 0 {
            0
        } else {
            vlag as i128 * (l + w as i128) / l
        };
        if let Ok(want) = i64::try_from(want) {
            assert_eq!((sx, vx), (OK, want), "EXACT place_lag {vlag} {q:?} {w}");
        } else {
            assert_eq!(sx, OVF, "EXACT place_lag out of range {vlag} {q:?} {w}");
        }
    }
}

fn scalar_group_shares(inp: &mut Input) {
    let p = pid(inp);
    let a = [inp.u64(), inp.u64(), inp.u64(), inp.u64(), inp.u64()];
    let mo = mode(inp);
    let run = |p: u32, mo: Mode| {
        let mut o = Cell::<u64>::out(mo);
        // SAFETY: out is NULL, misaligned or valid.
        let s = unsafe { eevdf_calc_group_shares(p, a[0], a[1], a[2], a[3], a[4], o.mp()) };
        st_inval(
            s,
            Some(p),
            &[OK, WR, DOM, INVAL],
            o.bad(),
            "calc_group_shares",
        );
        if p == PX {
            assert!(s == OK || s == INVAL, "EXACT group shares: {s}");
        }
        untouched_on_error(s, o.untouched(), "calc_group_shares");
        (s, if s >= 0 { o.get() } else { 0 })
    };
    let (s, v) = run(p, mo);
    if s == OK && a[0] >= 2 {
        assert!(
            (2..=a[0]).contains(&v),
            "shares {v} outside [2, {}] without a wrap",
            a[0]
        );
    }
    let (s71, v71) = run(P71, Mode::Valid);
    let (sx, vx) = run(PX, Mode::Valid);
    if s71 == OK {
        assert_eq!(
            (sx, vx),
            (OK, v71),
            "7.1 OK but EXACT differs (group shares)"
        );
    }
    // EXACT: the formula in wide integers, the kernel's clamp.
    let [tg_shares, tg_load_avg, contrib, grq_w, grq_avg] = a;
    let load = eevdf_scale_load_down(grq_w).max(grq_avg) as i128;
    let tg_weight = tg_load_avg as i128 - contrib as i128 + load;
    let prod = tg_shares as u128 * load as u128;
    let x: i128 = if tg_weight == 0 {
        prod.min(i128::MAX as u128) as i128
    } else {
        let q = (prod / tg_weight.unsigned_abs()).min(i128::MAX as u128) as i128;
        if tg_weight < 0 {
            -q
        } else {
            q
        }
    };
    let hi = tg_shares as i128;
    let want = if x >= hi {
        hi
    } else if x <= 2 {
        2
    } else {
        x
    };
    assert_eq!((sx, vx as i128), (OK, want), "EXACT group shares {a:?}");
}

fn scalar_cgroup(inp: &mut Input) {
    let x = inp.u64();
    let sh = eevdf_cpu_shares_write(x);
    assert!((2048..=1 << 28).contains(&sh), "cpu.shares {x} -> {sh}");
    let c = match inp.byte() % 3 {
        0 => inp.near(1),
        1 => inp.near(10_000),
        _ => inp.u64(),
    };
    let mut o = Cell::<u64>::out(mode(inp));
    // SAFETY: out is NULL, misaligned or valid.
    let s = unsafe { eevdf_cpu_weight_write(c, o.mp()) };
    let bad = o.bad() || !(1..=10_000).contains(&c);
    st_inval(s, None, &[OK, INVAL], bad, "cpu_weight_write");
    untouched_on_error(s, o.untouched(), "cpu_weight_write");
    if s == OK {
        let v = o.get();
        assert_eq!(v, ((c * 1024 + 50) / 100) << 10, "cpu.weight {c}");
        let mut back = 0u64;
        // SAFETY: valid out-pointer.
        let s = unsafe { eevdf_cpu_weight_read(EEVDF_PROFILE_LINUX_7_1, v, &mut back) };
        assert_eq!(s, OK);
        assert!(back.abs_diff(c) <= 1, "cpu.weight {c} -> {v} -> {back}");
    }
    let p = pid(inp);
    let shares = inp.u64();
    let mut o = Cell::<u64>::out(mode(inp));
    // SAFETY: out is NULL, misaligned or valid.
    let s = unsafe { eevdf_cpu_weight_read(p, shares, o.mp()) };
    st_inval(s, Some(p), &[OK, INVAL], o.bad(), "cpu_weight_read");
    untouched_on_error(s, o.untouched(), "cpu_weight_read");
    if s == OK && p != EEVDF_PROFILE_LINUX_6_6 {
        assert!((1..=10_000).contains(&o.get()));
    }
    let n = nice(inp);
    let mut o = Cell::<u64>::out(mode(inp));
    // SAFETY: out is NULL, misaligned or valid.
    let s = unsafe { eevdf_cpu_weight_nice_write(n, o.mp()) };
    st_inval(
        s,
        None,
        &[OK, INVAL],
        o.bad() || !(-20..=19).contains(&n),
        "cpu_weight_nice_write",
    );
    untouched_on_error(s, o.untouched(), "cpu_weight_nice_write");
}

fn scalar_pelt(inp: &mut Input) {
    let val = inp.u64();
    let n = match inp.byte() % 3 {
        0 => inp.near(2016),
        1 => inp.below(256) as u64,
        _ => inp.u64(),
    };
    let d = eevdf_pelt_decay_load(val, n);
    assert!(d <= val, "decay_load({val}, {n}) = {d}");
    if n > 2016 {
        assert_eq!(d, 0);
    }
    if n < u64::MAX {
        let d1 = eevdf_pelt_decay_load(val, n + 1);
        assert!(d1 <= d, "decay_load not monotone in n at {val}, {n}");
    }
    let _ = eevdf_pelt_accumulate_segments(inp.u64(), inp.u64() as u32, inp.u64() as u32);
}

fn scalar_names_tunables(inp: &mut Input) {
    let code = match inp.byte() % 2 {
        0 => CODES[inp.below(CODES.len())],
        _ => inp.i64() as i32,
    };
    let name = cstr(eevdf_status_name(code));
    if CODES.contains(&code) {
        assert!(name.starts_with("EEVDF_") && name != "EEVDF_UNKNOWN");
    } else {
        assert_eq!(name, "EEVDF_UNKNOWN");
    }
    let p = pid(inp);
    let pn = eevdf_profile_name(p);
    assert_eq!(pn.is_null(), p >= EEVDF_PROFILE_COUNT, "profile_name({p})");
    assert!(!cstr(eevdf_version()).is_empty());
    let _ = eevdf_tick_nsec(inp.u64() as u32);
    let cpus = inp.u64() as u32;
    let mut o = Cell::<u64>::out(mode(inp));
    // SAFETY: out is NULL, misaligned or valid.
    let s = unsafe { eevdf_base_slice(p, cpus, o.mp()) };
    st_inval(s, Some(p), &[OK, INVAL], o.bad(), "base_slice");
    untouched_on_error(s, o.untouched(), "base_slice");
    let mut t = Cell::<EevdfTunables>::out(mode(inp));
    // SAFETY: as above.
    let s = unsafe { eevdf_tunables_default(p, cpus, inp.u64() as u32, t.mp()) };
    st_inval(s, Some(p), &[OK, INVAL], t.bad(), "tunables_default");
    untouched_on_error(s, t.untouched(), "tunables_default");
    let mut fd = Cell::<u64>::out(mode(inp));
    let mut fa = Cell::<u64>::out(mode(inp));
    // SAFETY: as above.
    let (s1, s2) = unsafe {
        (
            eevdf_features_default(p, fd.mp()),
            eevdf_features_available(p, fa.mp()),
        )
    };
    st_inval(s1, Some(p), &[OK, INVAL], fd.bad(), "features_default");
    st_inval(s2, Some(p), &[OK, INVAL], fa.bad(), "features_available");
    untouched_on_error(s1, fd.untouched(), "features_default");
    untouched_on_error(s2, fa.untouched(), "features_available");
    if s1 == OK && s2 == OK {
        assert_eq!(
            fd.get() & !fa.get(),
            0,
            "a default feature is not available"
        );
    }
    // A debugfs write: a word from the input, NUL-terminated (or not, past 63 bytes).
    let f0 = features(inp, p);
    let len = inp.below(72);
    let names = [
        "PLACE_LAG",
        "NO_PLACE_LAG",
        "RUN_TO_PARITY\n",
        " NO_DELAY_DEQUEUE ",
    ];
    let mut word: Vec<u8> = if inp.bool() {
        names[inp.below(names.len())].bytes().collect()
    } else {
        (0..len).map(|_| inp.byte().max(1)).collect()
    };
    word.push(0);
    let mut f = Cell::new(mode(inp), Some(f0));
    let null_word = inp.byte() % 32 == 0;
    let wp = if null_word {
        null()
    } else {
        word.as_ptr().cast::<c_char>()
    };
    // SAFETY: features NULL/misaligned/valid; word NULL or NUL-terminated.
    let s = unsafe { eevdf_sched_feat_write(f.mp(), wp) };
    let bad = f.bad() || null_word || has_unknown_features(f0) || word.len() > 64;
    st_inval(s, None, &[OK, INVAL], bad, "sched_feat_write");
    untouched_on_error(s, f.untouched(), "sched_feat_write");
    if s == OK {
        assert!(!has_unknown_features(f.get()));
    }
}

// ---------------------------------------------------------------------------
// capi_avg
// ---------------------------------------------------------------------------

/// An accumulator state copied out of an `EevdfAvgVruntime` for comparisons
/// across profiles (everything but the profile id and the sticky overflow bit,
/// which only Linux profiles set: an earlier update may have wrapped there
/// while this operation did not).
fn acc_sums(a: &EevdfAvgVruntime) -> (u32, u64, i64, i64, u64, i64) {
    (
        a.flags & !EEVDF_AVG_OVERFLOWED,
        a.zero_vruntime,
        a.sum_w_vruntime,
        a.sum_w_vruntime_hi,
        a.sum_weight,
        a.sum_weight_hi,
    )
}

fn new_acc(p: u32, v0: u64) -> EevdfAvgVruntime {
    let mut a = EevdfAvgVruntime {
        profile: 0,
        flags: 0,
        zero_vruntime: 0,
        sum_w_vruntime: 0,
        sum_w_vruntime_hi: 0,
        sum_weight: 0,
        sum_weight_hi: 0,
    };
    // SAFETY: valid out-pointer.
    let s = unsafe { eevdf_avg_vruntime_init(p, v0, &mut a) };
    assert_eq!(s, OK);
    a
}

/// One accumulator operation, decoded once and applied to several accumulators.
#[derive(Clone, Copy, Debug)]
enum AccOp {
    Add(u64, u64),
    Sub(usize),
    Read(Option<EevdfCurr>),
    Eligible(u64, Option<EevdfCurr>),
    Move(i64),
    MinV(Option<u64>, Option<u64>),
    IsWrapped,
    /// Corrupt the struct (bad profile id / unknown flag bit) for this call.
    Corrupt(u8),
}

/// Applies `op` to `acc` (profile `p`) with pointer modes `m`; returns the
/// status and the value output (V, eligibility, wrapped flag), after checking
/// the per-call invariants.
fn acc_apply(
    acc: &mut EevdfAvgVruntime,
    added: &mut Vec<(u64, u64)>,
    op: AccOp,
    m: [Mode; 3],
) -> (i32, u64) {
    let p = acc.profile;
    match op {
        AccOp::Add(v, w) => {
            let mut c = Cell::new(m[0], Some(*acc));
            // SAFETY: NULL, misaligned or a valid in-out pointer.
            let s = unsafe { eevdf_avg_vruntime_add(c.mp(), v, w) };
            st_inval(
                s,
                Some(p),
                &[OK, WR, OVF, INVAL],
                c.bad() || w == 0,
                "avg_vruntime_add",
            );
            if p == PX && w > EXACT_MAX_WEIGHT {
                assert!(s == OVF || s == INVAL, "EXACT added a weight above 2^40");
            }
            untouched_on_error(s, c.untouched(), "avg_vruntime_add");
            if s >= 0 {
                *acc = c.get();
                added.push((v, w));
            }
            (s, 0)
        }
        AccOp::Sub(i) => {
            let (v, w) = added.get(i).copied().unwrap_or((i as u64, 0));
            let mut c = Cell::new(m[0], Some(*acc));
            // SAFETY: as above.
            let s = unsafe { eevdf_avg_vruntime_sub(c.mp(), v, w) };
            st_inval(
                s,
                Some(p),
                &[OK, WR, OVF, INVAL],
                c.bad() || w == 0,
                "avg_vruntime_sub",
            );
            untouched_on_error(s, c.untouched(), "avg_vruntime_sub");
            if s >= 0 {
                *acc = c.get();
                if i < added.len() {
                    added.swap_remove(i);
                }
            }
            (s, 0)
        }
        AccOp::Read(curr) => {
            let mut c = Cell::new(m[0], Some(*acc));
            let mut cu = Cell::new(Mode::Valid, curr);
            let mut o = Cell::<u64>::out(m[1]);
            let cp = if curr.is_some() { cu.cp() } else { null() };
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_avg_vruntime_read(c.mp(), cp, o.mp()) };
            let zero = curr.is_some_and(|c| c.weight == 0);
            st_inval(
                s,
                Some(p),
                &[OK, WR, DOM, OVF, INVAL],
                c.bad() || o.bad() || zero,
                "avg_vruntime_read",
            );
            untouched_on_error(s, c.untouched() && o.untouched(), "avg_vruntime_read");
            if s >= 0 {
                *acc = c.get();
                (s, o.get())
            } else {
                (s, 0)
            }
        }
        AccOp::Eligible(v, curr) => {
            let mut c = Cell::new(m[0], Some(*acc));
            let mut cu = Cell::new(Mode::Valid, curr);
            let mut o = Cell::<bool>::out(m[1]);
            let cp = if curr.is_some() { cu.cp() } else { null() };
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_avg_vruntime_eligible(c.cp(), v, cp, o.mp()) };
            let zero = curr.is_some_and(|c| c.weight == 0);
            st_inval(
                s,
                Some(p),
                &[OK, WR, OVF, INVAL],
                c.bad() || o.bad() || zero,
                "avg_vruntime_eligible",
            );
            assert!(c.untouched(), "avg_vruntime_eligible changed *acc");
            untouched_on_error(s, o.untouched(), "avg_vruntime_eligible");
            (s, if s >= 0 { o.get() as u64 } else { 0 })
        }
        AccOp::Move(d) => {
            let mut c = Cell::new(m[0], Some(*acc));
            // SAFETY: NULL, misaligned or a valid in-out pointer.
            let s = unsafe { eevdf_avg_vruntime_move_reference(c.mp(), d) };
            st_inval(s, Some(p), &[OK, WR, OVF, INVAL], c.bad(), "move_reference");
            untouched_on_error(s, c.untouched(), "move_reference");
            if s >= 0 {
                *acc = c.get();
            }
            (s, 0)
        }
        AccOp::MinV(cv, tm) => {
            let mut c = Cell::new(m[0], Some(*acc));
            let mut a = Cell::new(Mode::Valid, cv);
            let mut b = Cell::new(Mode::Valid, tm);
            let mut o = Cell::<u64>::out(m[1]);
            let ap = if cv.is_some() { a.cp() } else { null() };
            let bp = if tm.is_some() { b.cp() } else { null() };
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_update_min_vruntime(c.mp(), ap, bp, o.mp()) };
            st_inval(
                s,
                Some(p),
                &[OK, WR, OVF, INVAL],
                c.bad() || o.bad(),
                "update_min_vruntime",
            );
            untouched_on_error(s, c.untouched() && o.untouched(), "update_min_vruntime");
            if s >= 0 {
                *acc = c.get();
                let v0 = o.get();
                assert_eq!(v0, acc.zero_vruntime, "update_min_vruntime: *out != v0");
                (s, v0)
            } else {
                (s, 0)
            }
        }
        AccOp::IsWrapped => {
            let mut c = Cell::new(m[0], Some(*acc));
            let mut o = Cell::<bool>::out(m[1]);
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_avg_vruntime_is_wrapped(c.cp(), o.mp()) };
            st_inval(s, Some(p), &[OK, INVAL], c.bad() || o.bad(), "is_wrapped");
            untouched_on_error(s, o.untouched(), "is_wrapped");
            if s == OK && p == PX {
                assert!(!o.get(), "EXACT accumulator wrapped");
            }
            (s, if s >= 0 { o.get() as u64 } else { 0 })
        }
        AccOp::Corrupt(b) => {
            let mut bad = *acc;
            if b & 1 == 0 {
                bad.profile = EEVDF_PROFILE_COUNT + b as u32;
            } else {
                bad.flags = 4 + b as u32; // above the two flag bits
            }
            let mut c = Cell::new(m[0], Some(bad));
            // SAFETY: a valid in-out pointer (or NULL/misaligned).
            let s = unsafe { eevdf_avg_vruntime_move_reference(c.mp(), 1) };
            st_inval(
                s,
                Some(p),
                &[INVAL],
                true,
                "move_reference of a corrupt acc",
            );
            assert!(c.untouched());
            (s, 0)
        }
    }
}

fn curr_opt(inp: &mut Input, base: u64) -> Option<EevdfCurr> {
    match inp.byte() % 4 {
        0 => None,
        1 if inp.byte() % 8 == 0 => Some(EevdfCurr {
            vruntime: base,
            weight: 0,
        }),
        _ => Some(EevdfCurr {
            vruntime: base.wrapping_add(off(inp)),
            weight: weight(inp),
        }),
    }
}

/// The accumulator functions (an operation sequence applied to an accumulator
/// of the chosen profile and, in lockstep, to a 7.1 and an EXACT one) and the
/// contract's batch functions over arrays.
pub fn capi_avg(data: &[u8]) {
    let mut inp = Input::new(data);
    let p = pid(&mut inp);
    let v0 = if inp.bool() {
        EEVDF_VRUNTIME_INIT
    } else {
        inp.u64()
    };
    // Init with every pointer mode and profile.
    let mut o = Cell::<EevdfAvgVruntime>::out(mode(&mut inp));
    // SAFETY: NULL, misaligned or a valid out-pointer.
    let s = unsafe { eevdf_avg_vruntime_init(p, v0, o.mp()) };
    st_inval(s, Some(p), &[OK, INVAL], o.bad(), "avg_vruntime_init");
    untouched_on_error(s, o.untouched(), "avg_vruntime_init");
    let pp = p % EEVDF_PROFILE_COUNT;
    let mut accs = [new_acc(pp, v0), new_acc(P71, v0), new_acc(PX, v0)];
    let mut added: [Vec<(u64, u64)>; 3] = Default::default();
    let mut diverged = false;
    let mut xref = Some(ExactRef::default());
    let mut steps = 0;
    while !inp.is_empty() && steps < 48 {
        steps += 1;
        let base = accs[1].zero_vruntime;
        let op = match inp.byte() % 16 {
            0..=4 => AccOp::Add(base.wrapping_add(off(&mut inp)), weight(&mut inp)),
            5 | 6 => AccOp::Sub(inp.below(12)),
            7 | 8 => AccOp::Read(curr_opt(&mut inp, base)),
            9 | 10 => AccOp::Eligible(base.wrapping_add(off(&mut inp)), curr_opt(&mut inp, base)),
            11 => AccOp::Move(off(&mut inp) as i64),
            12 => {
                let a = inp.bool().then(|| base.wrapping_add(off(&mut inp)));
                let b = inp.bool().then(|| base.wrapping_add(off(&mut inp)));
                AccOp::MinV(a, b)
            }
            13 => AccOp::IsWrapped,
            14 => AccOp::Corrupt(inp.byte()),
            _ => {
                capi_avg_batch(&mut inp);
                continue;
            }
        };
        let m = [mode(&mut inp), mode(&mut inp), mode(&mut inp)];
        let _ = acc_apply(&mut accs[0], &mut added[0], op, m);
        let v = [Mode::Valid; 3];
        let (s71, r71) = acc_apply(&mut accs[1], &mut added[1], op, v);
        let v0b = accs[2].zero_vruntime;
        let want = xref.as_ref().and_then(|x| x.expect(op, v0b));
        let (sx, rx) = acc_apply(&mut accs[2], &mut added[2], op, v);
        if let Some(want) = want {
            assert_eq!(
                (sx, rx),
                want,
                "step {steps} {op:?}: EXACT accumulator reference"
            );
        }
        if let Some(x) = xref.as_mut() {
            if !x.track(op, sx, v0b, accs[2].zero_vruntime) {
                xref = None;
            }
        }
        if diverged {
            continue;
        }
        let big = match op {
            AccOp::Add(_, w) => w > EXACT_MAX_WEIGHT,
            AccOp::Read(c) | AccOp::Eligible(_, c) => {
                c.is_some_and(|c| c.weight > EXACT_MAX_WEIGHT)
            }
            _ => false,
        };
        if s71 == OK && !(big && sx == OVF) {
            assert_eq!(
                (sx, rx),
                (OK, r71),
                "step {steps} {op:?}: 7.1 OK but EXACT differs"
            );
            if !matches!(op, AccOp::Corrupt(_)) {
                assert_eq!(
                    acc_sums(&accs[1]),
                    acc_sums(&accs[2]),
                    "step {steps} {op:?}: sums"
                );
            }
        }
        // From a wrap or an EXACT-only error on, the two may differ.
        if s71 != sx || s71 == WR {
            diverged = true;
        }
    }
}

/// A reference model of the EXACT accumulator: the entities summed, each with
/// its offset from the initial v0 (unwrapped), and how far v0 has moved.
#[derive(Default)]
struct ExactRef {
    es: Vec<(u64, i128)>,
    shift: i128,
}

impl ExactRef {
    /// The entities' current offsets from v0, if all fit int64_t (the domain
    /// in which the kernel's wrapping keys are the true offsets).
    fn offsets(&self) -> Option<Vec<(u64, i128)>> {
        self.es
            .iter()
            .map(|&(w, u)| {
                let o = u - self.shift;
                i64::try_from(o).ok().map(|_| (w, o))
            })
            .collect()
    }

    /// The status and value EXACT must give for a read or an eligibility test.
    fn expect(&self, op: AccOp, v0: u64) -> Option<(i32, u64)> {
        let (curr, v) = match op {
            AccOp::Read(c) => (c, None),
            AccOp::Eligible(v, c) => (c, Some(v)),
            _ => return None,
        };
        if curr.is_some_and(|c| c.weight == 0) {
            return Some((INVAL, 0));
        }
        if curr.is_some_and(|c| c.weight > EXACT_MAX_WEIGHT) {
            return Some((OVF, 0));
        }
        let offs = self.offsets()?;
        let mut s_: i128 = offs.iter().map(|&(w, o)| w as i128 * o).sum();
        let mut w_: i128 = offs.iter().map(|&(w, _)| w as i128).sum();
        if let Some(c) = curr {
            s_ += c.vruntime.wrapping_sub(v0) as i64 as i128 * c.weight as i128;
            w_ += c.weight as i128;
        }
        Some(match v {
            Some(v) => (OK, (s_ >= v.wrapping_sub(v0) as i64 as i128 * w_) as u64),
            None if w_ == 0 => (OK, v0),
            None => match i64::try_from(s_.div_euclid(w_)) {
                Ok(off) => (OK, v0.wrapping_add(off as u64)),
                Err(_) => (OVF, 0),
            },
        })
    }

    /// Follows a successful EXACT operation; false when the model cannot
    /// (an entity's key wrapped: outside the accumulator's domain).
    fn track(&mut self, op: AccOp, s: i32, v0_before: u64, v0_after: u64) -> bool {
        if s < 0 {
            return true;
        }
        match op {
            AccOp::Add(v, w) => {
                let k = v.wrapping_sub(v0_before) as i64 as i128;
                self.es.push((w, k + self.shift));
            }
            AccOp::Sub(i) if i < self.es.len() => {
                if i64::try_from(self.es[i].1 - self.shift).is_err() {
                    return false;
                }
                self.es.swap_remove(i);
            }
            _ => {}
        }
        self.shift += v0_after.wrapping_sub(v0_before) as i64 as i128;
        true
    }
}

/// `eevdf_avg_vruntime` / `eevdf_vruntime_eligible` over arrays, every profile.
fn capi_avg_batch(inp: &mut Input) {
    let p = pid(inp);
    let v0 = inp.u64();
    let n = inp.below(10);
    let vr: Vec<u64> = (0..n).map(|_| v0.wrapping_add(off(inp))).collect();
    let mut w: Vec<u64> = (0..n).map(|_| weight(inp)).collect();
    if n > 0 && inp.byte() % 16 == 0 {
        let i = inp.below(n);
        w[i] = 0;
    }
    let v = v0.wrapping_add(off(inp));
    let arr = inp.byte() % 24;
    let mo = mode(inp);
    let elig = inp.bool();
    let big = w.iter().any(|&x| x > EXACT_MAX_WEIGHT);
    let run = |p: u32, arr: u8, mo: Mode| -> (i32, u64) {
        let (a, b, len, bad) = match arr {
            0 => (null(), w.as_ptr(), n, n > 0),
            1 => (vr.as_ptr(), null(), n, n > 0),
            2 => (null(), null(), 0, false),
            3 => (null(), null(), EEVDF_MAX_BATCH + 1, true),
            4 => (vr.as_ptr(), w.as_ptr(), usize::MAX, true),
            5 => (vr.as_ptr(), w.as_ptr(), EEVDF_MAX_BATCH + 1 + n, true),
            _ => (vr.as_ptr(), w.as_ptr(), n, false),
        };
        let zero = len <= n && w[..len].contains(&0);
        let what = if elig {
            "vruntime_eligible"
        } else {
            "avg_vruntime"
        };
        let (s, val, untouched, obad) = if elig {
            let mut o = Cell::<bool>::out(mo);
            // SAFETY: arrays NULL or n long; absurd n are rejected unread.
            let s = unsafe { eevdf_vruntime_eligible(p, v0, a, b, len, v, o.mp()) };
            let val = if s >= 0 { o.get() as u64 } else { 0 };
            (s, val, o.untouched(), o.bad())
        } else {
            let mut o = Cell::<u64>::out(mo);
            // SAFETY: as above.
            let s = unsafe { eevdf_avg_vruntime(p, v0, a, b, len, o.mp()) };
            let val = if s >= 0 { o.get() } else { 0 };
            (s, val, o.untouched(), o.bad())
        };
        st_inval(
            s,
            Some(p),
            &[OK, WR, DOM, OVF, INVAL],
            bad || zero || obad,
            what,
        );
        if elig {
            assert_ne!(s, DOM, "vruntime_eligible does not divide");
        }
        untouched_on_error(s, untouched, what);
        if s >= 0 && len == 0 {
            assert_eq!(val, if elig { 1 } else { v0 }, "{what} of n = 0");
        }
        (s, val)
    };
    let _ = run(p, arr, mo);
    let (s71, v71) = run(P71, 23, Mode::Valid);
    let (sx, vx) = run(PX, 23, Mode::Valid);
    if s71 == OK && !(big && sx == OVF) {
        assert_eq!((sx, vx), (OK, v71), "7.1 OK but EXACT differs (batch)");
    }
    if !big && !w.contains(&0) {
        // EXACT: S and W in wide integers (full weights), V floored.
        let key = |t: u64| t.wrapping_sub(v0) as i64 as i128;
        let s_: i128 = vr.iter().zip(&w).map(|(&t, &x)| key(t) * x as i128).sum();
        let w_: i128 = w.iter().map(|&x| x as i128).sum();
        if elig {
            assert_eq!((sx, vx), (OK, (s_ >= key(v) * w_) as u64), "EXACT eligible");
        } else {
            let off = if n == 0 { 0 } else { s_.div_euclid(w_) };
            if let Ok(off) = i64::try_from(off) {
                assert_eq!(
                    (sx, vx),
                    (OK, v0.wrapping_add(off as u64)),
                    "EXACT avg_vruntime {v0} {vr:?} {w:?}"
                );
            } else {
                assert_eq!(sx, OVF, "EXACT avg_vruntime out of range");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// capi_entity
// ---------------------------------------------------------------------------

fn cse(inp: &mut Input, base: u64) -> EevdfSchedEntity {
    let mut lw = clw(inp);
    if lw.weight == 0 && inp.bool() {
        lw.weight = EEVDF_NICE_0_LOAD;
    }
    let vruntime = base.wrapping_add(off(inp));
    EevdfSchedEntity {
        load: lw,
        vruntime,
        deadline: vruntime.wrapping_add(off(inp)),
        vlag: off(inp) as i64,
        vprot: vruntime.wrapping_add(off(inp)),
        slice: if inp.bool() { 3_000_000 } else { inp.u64() },
        custom_slice: flag(inp),
        rel_deadline: flag(inp),
        sched_delayed: flag(inp),
        on_rq: flag(inp),
    }
}

fn se_valid(se: &EevdfSchedEntity) -> bool {
    se.load.weight != 0
        && [se.custom_slice, se.rel_deadline, se.sched_delayed, se.on_rq]
            .iter()
            .all(|&b| b <= 1)
}

/// The decoded inputs of one entity operation, applied per profile.
#[derive(Clone, Debug)]
struct EntityCase {
    op: u8,
    v0: u64,
    adds: Vec<(u64, u64)>,
    ctx: EevdfRqCtx,
    se: EevdfSchedEntity,
    tun: EevdfTunables,
    new_load: EevdfLoadWeight,
    flags: u32,
    se_is_curr: bool,
    slice_protected: bool,
    base_slice: u64,
    min_slice: u64,
    features: u64,
    nice: i32,
    slice: u64,
    // pick
    tree: Vec<EevdfSchedEntity>,
    pcurr: Option<EevdfSchedEntity>,
    next: Option<usize>,
    nr_queued: u32,
    protect: bool,
    /// Pointer modes for the call's pointer arguments, in order.
    m: [Mode; 6],
    /// Pass an accumulator of another profile.
    mismatch: bool,
    /// Array mode for the pick.
    arr: u8,
}

/// Result of one entity operation: status, the in-out entity and accumulator
/// after the call, and a value output.
type EntityRes = (i32, Option<EevdfSchedEntity>, Option<EevdfAvgVruntime>, u64);

fn entity_run(c: &EntityCase, p: u32, check_modes: bool) -> EntityRes {
    let m = if check_modes { c.m } else { [Mode::Valid; 6] };
    let acc_p = if c.mismatch && check_modes {
        (p % EEVDF_PROFILE_COUNT + 1) % EEVDF_PROFILE_COUNT
    } else {
        p % EEVDF_PROFILE_COUNT
    };
    let mut acc = new_acc(acc_p, c.v0);
    for &(v, w) in &c.adds {
        // SAFETY: valid in-out pointer.
        let _ = unsafe { eevdf_avg_vruntime_add(&mut acc, v, w) };
    }
    let pv = p < EEVDF_PROFILE_COUNT;
    let mismatch = acc_p != p;
    match c.op % 12 {
        0 => {
            let mut l = Cell::new(m[0], Some(c.se.load));
            let mut o = Cell::<EevdfSchedEntity>::out(m[1]);
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_sched_entity_init(l.cp(), c.slice, o.mp()) };
            let bad = l.bad() || o.bad() || c.se.load.weight == 0;
            st_inval(s, None, &[OK, INVAL], bad, "sched_entity_init");
            untouched_on_error(s, o.untouched(), "sched_entity_init");
            let se = (s >= 0).then(|| o.get());
            if let Some(se) = se {
                assert_eq!((se.vruntime, se.on_rq, se.slice), (0, 0, c.slice));
            }
            (s, se, None, 0)
        }
        1 => {
            let mut o = Cell::<EevdfSchedEntity>::out(m[0]);
            // SAFETY: out NULL, misaligned or valid.
            let s = unsafe { eevdf_sched_entity_from_nice(c.nice, c.slice, o.mp()) };
            let bad = o.bad() || !(-20..=19).contains(&c.nice);
            st_inval(s, None, &[OK, INVAL], bad, "sched_entity_from_nice");
            untouched_on_error(s, o.untouched(), "sched_entity_from_nice");
            (s, (s >= 0).then(|| o.get()), None, 0)
        }
        2 => {
            let mut e = Cell::new(m[0], Some(c.se));
            // SAFETY: in-out NULL, misaligned or valid.
            let s = unsafe { eevdf_sched_entity_set_slice(e.mp(), c.slice, c.base_slice) };
            let bad = e.bad() || !se_valid(&c.se);
            st_inval(s, None, &[OK, INVAL], bad, "sched_entity_set_slice");
            untouched_on_error(s, e.untouched(), "sched_entity_set_slice");
            let se = (s >= 0).then(|| e.get());
            if let (Some(se), true) = (se, c.slice != 0) {
                assert!((100_000..=100_000_000).contains(&se.slice), "{se:?}");
            }
            (s, se, None, 0)
        }
        3 => {
            let mut e = Cell::new(m[0], Some(c.se));
            let mut o = Cell::<bool>::out(m[1]);
            // SAFETY: pointers NULL, misaligned or valid.
            let s = unsafe { eevdf_update_deadline(p, e.mp(), c.base_slice, o.mp()) };
            let bad = e.bad() || o.bad() || !se_valid(&c.se);
            st_inval(s, Some(p), &[OK, WR, OVF, INVAL], bad, "update_deadline");
            untouched_on_error(s, e.untouched() && o.untouched(), "update_deadline");
            if s >= 0 {
                (s, Some(e.get()), None, o.get() as u64)
            } else {
                (s, None, None, 0)
            }
        }
        4..=6 => {
            let mut a = Cell::new(m[0], Some(acc));
            let mut x = Cell::new(m[1], Some(c.ctx));
            let mut e = Cell::new(m[2], Some(c.se));
            let mut t = Cell::new(m[3], Some(c.tun));
            let mut bad = a.bad()
                || x.bad()
                || e.bad()
                || t.bad()
                || !pv
                || mismatch
                || !se_valid(&c.se)
                || c.ctx.has_curr > 1
                || (c.ctx.has_curr == 1 && c.ctx.curr.weight == 0)
                || has_unknown_features(c.tun.features);
            let (s, what, val, allowed): (i32, &str, u64, &[i32]) = match c.op % 12 {
                4 => {
                    let mut r = Cell::<bool>::out(m[4]);
                    bad |= r.bad();
                    // SAFETY: pointers NULL, misaligned or valid.
                    let s = unsafe {
                        eevdf_update_entity_lag(
                            p,
                            a.mp(),
                            x.cp(),
                            c.se_is_curr,
                            e.mp(),
                            t.cp(),
                            r.mp(),
                        )
                    };
                    untouched_on_error(s, r.untouched(), "update_entity_lag");
                    let v = if s >= 0 { r.get() as u64 } else { 0 };
                    (s, "update_entity_lag", v, &[OK, WR, DOM, OVF, INVAL][..])
                }
                5 => {
                    bad |= c.flags & !3 != 0;
                    // SAFETY: as above.
                    let s = unsafe {
                        eevdf_place_entity(p, a.mp(), x.cp(), c.se_is_curr, e.mp(), c.flags, t.cp())
                    };
                    (s, "place_entity", 0, &[OK, WR, DOM, OVF, INVAL][..])
                }
                _ => {
                    let mut l = Cell::new(m[4], Some(c.new_load));
                    bad |= l.bad() || c.new_load.weight == 0;
                    // SAFETY: as above.
                    let s = unsafe {
                        eevdf_reweight_entity(
                            p,
                            a.mp(),
                            x.cp(),
                            c.se_is_curr,
                            e.mp(),
                            l.cp(),
                            c.slice_protected,
                            t.cp(),
                        )
                    };
                    (s, "reweight_entity", 0, &[OK, WR, DOM, OVF, INVAL][..])
                }
            };
            st_inval(s, Some(p), allowed, bad, what);
            untouched_on_error(s, a.untouched() && e.untouched(), what);
            assert!(
                x.untouched() && t.untouched(),
                "{what}: an input was written"
            );
            if s >= 0 {
                (s, Some(e.get()), Some(a.get()), val)
            } else {
                (s, None, None, 0)
            }
        }
        7..=10 => {
            let mut e = Cell::new(m[0], Some(c.se));
            let bad = e.bad() || !se_valid(&c.se);
            let (s, what, val) = match c.op % 12 {
                7 => {
                    // SAFETY: in-out NULL, misaligned or valid.
                    let s = unsafe { eevdf_yield_entity(p, e.mp(), c.base_slice) };
                    st_inval(s, Some(p), &[OK, WR, OVF, INVAL], bad, "yield_entity");
                    (s, "yield_entity", 0)
                }
                8 => {
                    let mut o = Cell::<bool>::out(m[1]);
                    // SAFETY: pointers NULL, misaligned or valid.
                    let s = unsafe { eevdf_protect_slice(p, e.cp(), o.mp()) };
                    st_inval(s, Some(p), &[OK, INVAL], bad || o.bad(), "protect_slice");
                    untouched_on_error(s, o.untouched(), "protect_slice");
                    assert!(e.untouched(), "protect_slice wrote *se");
                    (s, "protect_slice", if s >= 0 { o.get() as u64 } else { 0 })
                }
                9 => {
                    let s = if c.nice & 1 == 0 {
                        // SAFETY: in-out NULL, misaligned or valid.
                        let s =
                            unsafe { eevdf_set_protect_slice(p, e.mp(), c.min_slice, c.features) };
                        let bad = bad || has_unknown_features(c.features);
                        st_inval(s, Some(p), &[OK, WR, OVF, INVAL], bad, "set_protect_slice");
                        s
                    } else {
                        // SAFETY: as above.
                        let s = unsafe { eevdf_update_protect_slice(p, e.mp(), c.min_slice) };
                        st_inval(
                            s,
                            Some(p),
                            &[OK, WR, OVF, INVAL],
                            bad,
                            "update_protect_slice",
                        );
                        s
                    };
                    (s, "set/update_protect_slice", 0)
                }
                _ => {
                    // SAFETY: as above.
                    let s = unsafe { eevdf_cancel_protect_slice(p, e.mp()) };
                    st_inval(s, Some(p), &[OK, INVAL], bad, "cancel_protect_slice");
                    (s, "cancel_protect_slice", 0)
                }
            };
            untouched_on_error(s, e.untouched(), what);
            (s, (s >= 0).then(|| e.get()), None, val)
        }
        _ => {
            let mut a = Cell::new(m[0], Some(acc));
            let mut cu = Cell::new(Mode::Valid, c.pcurr);
            let mut nx = Cell::new(Mode::Valid, c.next);
            let mut o = Cell::<EevdfPick>::out(m[1]);
            let n = c.tree.len();
            let (tp, len, arr_bad) = match c.arr % 16 {
                0 => (null(), n, n > 0),
                1 => (null(), EEVDF_MAX_BATCH + 1, true),
                2 => (c.tree.as_ptr(), usize::MAX, true),
                _ => (c.tree.as_ptr(), n, false),
            };
            let cp = if c.pcurr.is_some() { cu.cp() } else { null() };
            let np = if c.next.is_some() { nx.cp() } else { null() };
            // SAFETY: arrays NULL or n long (absurd n rejected unread); other
            // pointers NULL, misaligned or valid.
            let s = unsafe {
                eevdf_pick_eevdf_linear(
                    p,
                    a.cp(),
                    tp,
                    len,
                    cp,
                    np,
                    c.nr_queued,
                    c.protect,
                    c.features,
                    o.mp(),
                )
            };
            let bad = a.bad()
                || o.bad()
                || arr_bad
                || !pv
                || mismatch
                || c.next.is_some_and(|i| i >= len)
                || has_unknown_features(c.features)
                || (len == n && c.tree.iter().any(|e| !se_valid(e)))
                || c.pcurr.is_some_and(|e| !se_valid(&e));
            st_inval(s, Some(p), &[OK, OVF, INVAL], bad, "pick_eevdf_linear");
            untouched_on_error(s, o.untouched(), "pick_eevdf_linear");
            assert!(a.untouched(), "pick_eevdf_linear wrote *acc");
            if s >= 0 {
                let pk = o.get();
                match pk.kind {
                    EEVDF_PICK_NOTHING => assert_eq!(pk.index, 0),
                    EEVDF_PICK_CURR => {
                        assert!(c.pcurr.is_some() && pk.index == 0, "{pk:?}")
                    }
                    EEVDF_PICK_QUEUED => assert!((pk.index as usize) < n, "{pk:?} of {n}"),
                    k => panic!("pick kind {k}"),
                }
                (s, None, None, ((pk.kind as u64) << 32) | pk.index)
            } else {
                (s, None, None, 0)
            }
        }
    }
}

/// The entity operations on `EevdfSchedEntity`, with arbitrary structs, run
/// under the chosen profile (with arbitrary pointer modes) and under 7.1 and
/// EXACT (valid pointers) for the comparison.
pub fn capi_entity(data: &[u8]) {
    let mut inp = Input::new(data);
    let mut steps = 0;
    while !inp.is_empty() && steps < 8 {
        steps += 1;
        let p = pid(&mut inp);
        let v0 = if inp.bool() {
            EEVDF_VRUNTIME_INIT
        } else {
            inp.u64()
        };
        let na = inp.below(6);
        let adds: Vec<(u64, u64)> = (0..na)
            .map(|_| (v0.wrapping_add(off(&mut inp)), weight(&mut inp)))
            .collect();
        let has_curr = flag(&mut inp);
        let ctx = EevdfRqCtx {
            curr: EevdfCurr {
                vruntime: v0.wrapping_add(off(&mut inp)),
                weight: if inp.byte() % 16 == 0 {
                    0
                } else {
                    weight(&mut inp)
                },
            },
            max_slice: if inp.bool() { 3_000_000 } else { inp.u64() },
            nr_queued: (na as u32 + has_curr as u32).wrapping_add(if inp.byte() % 8 == 0 {
                inp.raw_u64() as u32
            } else {
                0
            }),
            has_curr,
        };
        let se = cse(&mut inp, v0);
        let tun = tunables(&mut inp, p);
        let nt = inp.below(6);
        let mut tree: Vec<EevdfSchedEntity> = (0..nt).map(|_| cse(&mut inp, v0)).collect();
        for e in tree.iter_mut() {
            if inp.byte() % 8 != 0 {
                e.on_rq = 1;
                e.sched_delayed = 0;
                e.custom_slice &= 1;
                e.rel_deadline = 0;
                if e.load.weight == 0 {
                    e.load.weight = EEVDF_NICE_0_LOAD;
                }
            }
        }
        tree.sort_by_key(|e| e.deadline.wrapping_sub(v0) as i64);
        let c = EntityCase {
            op: inp.byte(),
            v0,
            adds,
            ctx,
            se,
            tun,
            new_load: clw(&mut inp),
            flags: if inp.byte() % 16 == 0 {
                inp.raw_u64() as u32
            } else {
                inp.below(4) as u32
            },
            se_is_curr: inp.bool(),
            slice_protected: inp.bool(),
            base_slice: if inp.bool() { 3_000_000 } else { inp.u64() },
            min_slice: if inp.bool() { u64::MAX } else { inp.u64() },
            features: features(&mut inp, p),
            nice: nice(&mut inp),
            slice: inp.u64(),
            pcurr: inp.bool().then(|| cse(&mut inp, v0)),
            next: match inp.byte() % 4 {
                0 => Some(inp.below(8)),
                1 => Some(inp.raw_u64() as usize),
                _ => None,
            },
            nr_queued: nt as u32 + inp.below(2) as u32,
            protect: inp.bool(),
            tree,
            m: [
                mode(&mut inp),
                mode(&mut inp),
                mode(&mut inp),
                mode(&mut inp),
                mode(&mut inp),
                mode(&mut inp),
            ],
            mismatch: inp.byte() % 32 == 0,
            arr: inp.byte(),
        };
        let mut c = c;
        // A queued entity other than curr is in the sums (mostly: the
        // inconsistent case is part of the input space too).
        if c.se.on_rq == 1 && !c.se_is_curr && c.se.load.weight != 0 && inp.byte() % 4 != 0 {
            c.adds.push((c.se.vruntime, c.se.load.weight));
        }
        let _ = entity_run(&c, p, true);
        let r71 = entity_run(&c, P71, false);
        let rx = entity_run(&c, PX, false);
        let big = c.adds.iter().any(|a| a.1 > EXACT_MAX_WEIGHT)
            || c.se.load.weight > EXACT_MAX_WEIGHT
            || c.new_load.weight > EXACT_MAX_WEIGHT
            || c.ctx.curr.weight > EXACT_MAX_WEIGHT
            || c.pcurr.is_some_and(|e| e.load.weight > EXACT_MAX_WEIGHT)
            || c.tree.iter().any(|e| e.load.weight > EXACT_MAX_WEIGHT);
        // Operations on the sums compare only while both sums hold the same
        // entities (EXACT rejects weights above 2^40); the pick reports no
        // wraps, so it compares only while 7.1's eligibility tests are exact.
        let acc_op = matches!(c.op % 12, 4..=6 | 11);
        let acc_big = c.adds.iter().any(|a| a.1 > EXACT_MAX_WEIGHT)
            || (c.ctx.has_curr == 1 && c.ctx.curr.weight > EXACT_MAX_WEIGHT);
        let comparable = !(acc_op && acc_big) && (c.op % 12 != 11 || pick_exact_71(&c));
        // EXACT rejects an accumulator whose exact W goes negative (removing
        // a queued entity the sums never held) as a bad struct: documented.
        let phantom = c.se.on_rq == 1 && !c.se_is_curr && rx.0 == INVAL;
        // A 7.1 accumulator that wrapped (sticky, possibly in the set-up adds)
        // holds the kernel's wrapped sums, no longer EXACT's.
        let wrapped71 = r71.2.is_some_and(|a| a.flags & EEVDF_AVG_OVERFLOWED != 0);
        if comparable && r71.0 == OK && !wrapped71 && !(big && rx.0 == OVF) && !phantom {
            let strip = |r: &EntityRes| (r.0, r.1, r.2.map(|a| acc_sums(&a)), r.3);
            assert_eq!(
                strip(&rx),
                strip(&r71),
                "op {}: 7.1 OK but EXACT differs\n{c:?}",
                c.op % 12
            );
        }
    }
}

/// Are 7.1's eligibility tests of every pick candidate free of wraps (so
/// that its pick must equal EXACT's)?
fn pick_exact_71(c: &EntityCase) -> bool {
    let mut acc = new_acc(P71, c.v0);
    for &(v, w) in &c.adds {
        // SAFETY: valid in-out pointer.
        if unsafe { eevdf_avg_vruntime_add(&mut acc, v, w) } != OK {
            return false;
        }
    }
    let curr = c.pcurr.filter(|e| e.on_rq == 1).map(|e| EevdfCurr {
        vruntime: e.vruntime,
        weight: e.load.weight,
    });
    let cp = curr.as_ref().map_or(null(), |c| c as *const EevdfCurr);
    c.tree.iter().chain(c.pcurr.iter()).all(|e| {
        let mut out = false;
        // SAFETY: valid pointers (curr NULL or valid).
        let s = unsafe { eevdf_avg_vruntime_eligible(&acc, e.vruntime, cp, &mut out) };
        s == OK
    })
}

// ---------------------------------------------------------------------------
// capi_rq
// ---------------------------------------------------------------------------

/// A run-queue buffer aligned to 16 bytes.
struct RqBuf {
    mem: Vec<u128>,
}

impl RqBuf {
    fn new(bytes: usize) -> Self {
        RqBuf {
            mem: vec![0u128; bytes.div_ceil(16) + 1],
        }
    }
    fn ptr(&mut self, misalign: usize) -> *mut core::ffi::c_void {
        // SAFETY: within the allocation (one spare u128).
        unsafe { self.mem.as_mut_ptr().cast::<u8>().add(misalign) }.cast()
    }
}

/// One run queue under test and what the body knows about it.
struct RqUnder {
    buf: RqBuf,
    rq: *mut EevdfRq,
    p: u32,
    /// An operation returned EDOM/EOVERFLOW: the queue is broken.
    broken: bool,
    /// Its queued times spanned 2^63 ns at some point (outside its domain).
    ever_wide: bool,
    /// Every handle ever returned (stale ones included).
    ids: Vec<u64>,
    /// The buffer length and tunables it was initialised with.
    len: usize,
    tun: EevdfTunables,
}

/// The queued entities' vruntimes and deadlines span 2^63 ns or more around v0.
fn rq_wide(rq: *mut EevdfRq) -> bool {
    let mut st = Cell::<EevdfRqState>::out(Mode::Valid);
    // SAFETY: a live handle; valid out-pointers.
    if unsafe { eevdf_rq_state(rq, st.mp()) } != OK {
        return false;
    }
    let st = st.get();
    let mut ids = [0u64; 64];
    let mut count = 0usize;
    // SAFETY: as above; 64 slots.
    let s = unsafe { eevdf_rq_tree_ids(rq, ids.as_mut_ptr(), ids.len(), &mut count) };
    assert_eq!(s, OK);
    let mut all: Vec<u64> = ids[..count.min(64)].to_vec();
    if st.curr != EEVDF_NO_ENTITY {
        all.push(st.curr);
    }
    let (mut lo, mut hi) = (0i64, 0i64);
    for id in all {
        let mut e = Cell::<EevdfSchedEntity>::out(Mode::Valid);
        // SAFETY: as above.
        if unsafe { eevdf_rq_entity(rq, id, e.mp()) } != OK {
            continue;
        }
        let e = e.get();
        if e.on_rq == 1 {
            for t in [e.vruntime, e.deadline] {
                let o = t.wrapping_sub(st.zero_vruntime) as i64;
                lo = lo.min(o);
                hi = hi.max(o);
            }
        }
    }
    hi as i128 - lo as i128 >= 1 << 63
}

/// The run queue's own V and eligibility against the accumulator functions
/// applied to a copy of its sums (`eevdf_rq_avg`) with its curr: two C paths
/// to the same numbers.
fn rq_cross_check(rq: *mut EevdfRq, step: usize, what: &str) {
    let mut st = Cell::<EevdfRqState>::out(Mode::Valid);
    let mut acc = Cell::<EevdfAvgVruntime>::out(Mode::Valid);
    // SAFETY: a live handle; valid out-pointers.
    let (s1, s2) = unsafe { (eevdf_rq_state(rq, st.mp()), eevdf_rq_avg(rq, acc.mp())) };
    assert_eq!((s1, s2), (OK, OK));
    let (st, acc) = (st.get(), acc.get());
    let mut curr: Option<EevdfCurr> = None;
    if st.curr != EEVDF_NO_ENTITY {
        let mut e = Cell::<EevdfSchedEntity>::out(Mode::Valid);
        // SAFETY: as above.
        assert_eq!(unsafe { eevdf_rq_entity(rq, st.curr, e.mp()) }, OK);
        let e = e.get();
        if e.on_rq == 1 {
            curr = Some(EevdfCurr {
                vruntime: e.vruntime,
                weight: e.load.weight,
            });
        }
    }
    let cp = curr.as_ref().map_or(null(), |c| c as *const EevdfCurr);
    let mut v1 = SENT;
    // SAFETY: as above.
    let sv1 = unsafe { eevdf_rq_avg_vruntime(rq, &mut v1) };
    let mut copy = acc;
    let mut v2 = SENT;
    // SAFETY: valid pointers (curr NULL or valid).
    let sv2 = unsafe { eevdf_avg_vruntime_read(&mut copy, cp, &mut v2) };
    assert_eq!(
        (sv1, v1),
        (sv2, v2),
        "step {step} after {what}: rq_avg_vruntime and avg_vruntime_read differ"
    );
    let mut ids = [0u64; 64];
    let mut count = 0usize;
    // SAFETY: as above; 64 slots.
    let s = unsafe { eevdf_rq_tree_ids(rq, ids.as_mut_ptr(), ids.len(), &mut count) };
    assert_eq!(s, OK);
    for &id in &ids[..count.min(64)] {
        let mut e = Cell::<EevdfSchedEntity>::out(Mode::Valid);
        let mut a = false;
        let mut b = false;
        // SAFETY: as above.
        let (s1, s2, s3) = unsafe {
            (
                eevdf_rq_entity(rq, id, e.mp()),
                eevdf_rq_is_eligible(rq, id, &mut a),
                eevdf_avg_vruntime_eligible(&acc, e.get().vruntime, cp, &mut b),
            )
        };
        assert_eq!((s1, s2), (OK, OK), "step {step}: a tree entity is not live");
        if s3 == OK {
            assert_eq!(
                a, b,
                "step {step} after {what}: rq_is_eligible and avg_vruntime_eligible differ"
            );
        }
    }
}

/// Statuses of an arithmetic run-queue operation (as `eevdf_rq_enqueue`).
const ARITH: &[i32] = &[OK, WR, NOENT, BUSY, DOM, OVF, UCLEAN, INVAL];

/// A run queue in a caller's buffer driven by an arbitrary operation sequence
/// through the `eevdf_rq_*` functions, with arbitrary (also stale and invalid)
/// handles, `eevdf_rq_validate` after each operation.
pub fn capi_rq(data: &[u8]) {
    let mut inp = Input::new(data);
    let p = pid(&mut inp);
    let cap = inp.below(10) as u32;
    let tun = tunables(&mut inp, p);
    // eevdf_rq_size
    let size = eevdf_rq_size(cap);
    assert!(size >= EEVDF_RQ_HEADER_SIZE + cap as usize);
    assert!(size <= EEVDF_RQ_HEADER_SIZE + cap as usize * EEVDF_RQ_NODE_SIZE);
    assert_eq!(eevdf_rq_size(u32::MAX), 0);
    // Bad buffers first: NULL, misaligned, too small; then a garbage handle.
    let bmode = inp.byte() % 8;
    let mut t = Cell::new(mode(&mut inp), Some(tun));
    let mut o = Cell::<*mut EevdfRq>::out(mode(&mut inp));
    let mut buf = RqBuf::new(size + 16);
    let (bp, len, bad_buf) = match bmode {
        0 => (null_mut(), size, true),
        1 => (buf.ptr(8), size, true),
        2 => (buf.ptr(0), EEVDF_RQ_HEADER_SIZE - 1 - inp.below(16), true),
        _ => (buf.ptr(0), size, false),
    };
    // SAFETY: bp is NULL, misaligned or a buffer of len writable bytes.
    let s = unsafe { eevdf_rq_init(bp, len, p, t.cp(), o.mp()) };
    let bad = bad_buf
        || t.bad()
        || o.bad()
        || p >= EEVDF_PROFILE_COUNT
        || has_unknown_features(tun.features);
    st_inval(s, Some(p), &[OK, INVAL], bad, "rq_init");
    untouched_on_error(s, o.untouched(), "rq_init");
    if s != OK {
        // Calls on a never-initialised buffer or NULL: EINVAL, nothing written.
        let mut junk = RqBuf::new(EEVDF_RQ_HEADER_SIZE);
        for (i, w) in junk.mem.iter_mut().enumerate() {
            *w = (inp.raw_u64() as u128) << 64 | i as u128;
        }
        let h = if inp.bool() {
            null_mut()
        } else {
            junk.ptr(0).cast::<EevdfRq>()
        };
        let mut out = Cell::<u64>::out(Mode::Valid);
        // SAFETY: a NULL or garbage handle; the library checks the magic word.
        let s = unsafe { eevdf_rq_pick_next(h, 0, out.mp()) };
        st_inval(s, None, &[INVAL], true, "rq_pick_next on a bad handle");
        assert!(out.untouched());
        // SAFETY: as above.
        let s = unsafe { eevdf_rq_validate(h, null_mut(), 0) };
        st_inval(s, None, &[INVAL], true, "rq_validate on a bad handle");
        return;
    }
    let h = o.get();
    assert_eq!(
        h.cast::<core::ffi::c_void>(),
        bp,
        "the handle is the buffer"
    );
    let mut r = RqUnder {
        buf,
        rq: h,
        p,
        broken: false,
        ever_wide: false,
        ids: Vec::new(),
        len: size,
        tun,
    };
    // Under 7.1, an EXACT queue with the same tunables runs the same operations
    // in lockstep: while 7.1 answers EEVDF_OK, EXACT answers the same.
    let mut exact = if p == P71 {
        let mut b = RqBuf::new(size + 16);
        let mut hx: *mut EevdfRq = null_mut();
        // SAFETY: an aligned buffer of `size` bytes; valid pointers.
        let s = unsafe { eevdf_rq_init(b.ptr(0), size, PX, &tun, &mut hx) };
        assert_eq!(s, OK, "EXACT rq_init where 7.1's succeeded");
        Some(RqUnder {
            buf: b,
            rq: hx,
            p: PX,
            broken: false,
            ever_wide: false,
            ids: Vec::new(),
            len: size,
            tun,
        })
    } else {
        None
    };
    let mut diverged = false;
    let mut now: u64 = inp.u64() >> inp.below(64);
    let mut step = 0;
    while !inp.is_empty() && step < 120 {
        step += 1;
        // Each step decodes from its own chunk, so that both queues see it.
        let chunk: Vec<u8> = (0..64).map(|_| inp.byte()).collect();
        let mut now_x = now;
        let (sa, va, what, big) = rq_step(&mut r, &mut Input::new(&chunk), &mut now, step);
        if let Some(x) = exact.as_mut() {
            let (sb, vb, _, _) = rq_step(x, &mut Input::new(&chunk), &mut now_x, step);
            // EXACT refuses weights above 2^40 (its domain).
            if !diverged && sa == OK && !(sb == OVF && big) {
                assert_eq!(
                    (sb, vb),
                    (OK, va),
                    "step {step} {what}: 7.1 answered OK, EXACT differs"
                );
            }
            // From a wrap (sticky until cleared) or an EXACT-only error on,
            // the two queues may differ.
            if sa != sb || sa == WR {
                diverged = true;
            }
        }
    }
    let _ = (&r.buf, exact.as_ref().map(|x| &x.buf));
}

/// A digest of several values, for comparing outputs across profiles.
fn digest(vals: &[u64]) -> u64 {
    vals.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &v| {
        (h ^ v).wrapping_mul(0x0000_0100_0000_01B3).rotate_left(17)
    })
}

fn se_digest(e: &EevdfSchedEntity) -> u64 {
    digest(&[
        e.load.weight,
        e.load.inv_weight as u64,
        e.vruntime,
        e.deadline,
        e.vlag as u64,
        e.vprot,
        e.slice,
        u64::from_le_bytes([
            e.custom_slice,
            e.rel_deadline,
            e.sched_delayed,
            e.on_rq,
            0,
            0,
            0,
            0,
        ]),
    ])
}

fn handle(inp: &mut Input, r: &RqUnder) -> u64 {
    match inp.byte() % 16 {
        0 => EEVDF_NO_ENTITY,
        1 => inp.raw_u64(),
        2 => r
            .ids
            .get(inp.below(8))
            .map_or(0, |&id| id ^ (1u64 << (32 + inp.below(32)))),
        _ => {
            if r.ids.is_empty() {
                inp.raw_u64() & 0xF
            } else {
                r.ids[inp.below(r.ids.len())]
            }
        }
    }
}

/// One operation on `r`, checked; returns its status, a digest of its outputs,
/// its name and whether it passed a weight above 2^40.
fn rq_step(
    r: &mut RqUnder,
    inp: &mut Input,
    now: &mut u64,
    step: usize,
) -> (i32, u64, &'static str, bool) {
    let mut val = 0u64;
    let mut big = false;
    let p = r.p;
    let rq = r.rq;
    let was_broken = r.broken;
    let op = inp.byte() % 25;
    if op == 24 {
        // Re-initialise the same buffer (the way out of a broken queue): a
        // fresh, valid, empty queue; the old handles are discarded.
        let mut h: *mut EevdfRq = null_mut();
        let tun = r.tun;
        // SAFETY: the queue's own aligned buffer of r.len bytes; valid pointers.
        let s = unsafe { eevdf_rq_init(r.buf.ptr(0), r.len, p, &tun, &mut h) };
        assert_eq!((s, h), (OK, rq), "step {step}: re-init");
        r.broken = false;
        r.ever_wide = false;
        r.ids.clear();
        let mut st = Cell::<EevdfRqState>::out(Mode::Valid);
        // SAFETY: a live handle; valid pointers.
        let s2 = unsafe { eevdf_rq_state(rq, st.mp()) };
        assert_eq!(s2, OK);
        let st = st.get();
        assert_eq!((st.nr_entities, st.nr_queued, st.wrapped), (0, 0, 0));
        // SAFETY: as above.
        assert_eq!(unsafe { eevdf_rq_validate(rq, null_mut(), 0) }, OK);
        return (s, 0, "rq_init (again)", false);
    }
    let m = mode(inp);
    let (s, what, allowed, bad): (i32, &'static str, &[i32], bool) = match op {
        0..=2 => {
            let mut se = cse(inp, *now);
            if inp.byte() % 4 != 0 {
                se.on_rq = 0;
                se.sched_delayed = 0;
                if se.load.weight == 0 {
                    se.load.weight = EEVDF_NICE_0_LOAD;
                }
            }
            big = se.load.weight > EXACT_MAX_WEIGHT;
            let mut e = Cell::new(Mode::Valid, Some(se));
            let mut id = Cell::<u64>::out(m);
            // SAFETY: live handle; valid in and NULL/misaligned/valid out.
            let s = unsafe { eevdf_rq_add(rq, e.cp(), id.mp()) };
            untouched_on_error(s, id.untouched(), "rq_add");
            if s == OK {
                r.ids.push(id.get());
                val = id.get();
            }
            if s == BUSY {
                assert!(
                    se.on_rq == 1 || se.sched_delayed == 1,
                    "rq_add EBUSY for {se:?}"
                );
            }
            if p == PX && se.load.weight > EXACT_MAX_WEIGHT {
                assert_ne!(s, OK, "rq_add of a weight above 2^40 under EXACT");
            }
            let bad = id.bad() || !se_valid(&se);
            (s, "rq_add", &[OK, NOSPC, BUSY, OVF, UCLEAN, INVAL][..], bad)
        }
        3 => {
            let id = handle(inp, r);
            // `out` is optional here: NULL is fine, misaligned is not.
            let mut o = Cell::<EevdfSchedEntity>::out(m);
            // SAFETY: live handle; out NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_remove(rq, id, o.mp()) };
            untouched_on_error(s, o.untouched(), "rq_remove");
            if s >= 0 && m == Mode::Valid {
                val = se_digest(&o.get());
            }
            let bad = m == Mode::Misaligned;
            (s, "rq_remove", &[OK, NOENT, BUSY, UCLEAN, INVAL][..], bad)
        }
        4 | 5 => {
            let id = handle(inp, r);
            let f = if inp.byte() % 16 == 0 {
                inp.raw_u64() as u32
            } else {
                inp.below(4) as u32
            };
            // SAFETY: live handle.
            let s = unsafe { eevdf_rq_enqueue(rq, id, *now, f) };
            (s, "rq_enqueue", ARITH, f & !3 != 0)
        }
        6 | 7 => {
            let id = handle(inp, r);
            let f = if inp.byte() % 16 == 0 {
                inp.raw_u64() as u32
            } else {
                inp.below(8) as u32
            };
            let mut d = Cell::<bool>::out(m);
            // SAFETY: live handle; out NULL or valid.
            let s = unsafe { eevdf_rq_dequeue(rq, id, *now, f, d.mp()) };
            untouched_on_error(s, d.untouched(), "rq_dequeue");
            if s >= 0 {
                val = d.get() as u64;
            }
            (s, "rq_dequeue", ARITH, d.bad() || f & !7 != 0)
        }
        8..=10 => {
            *now = now.wrapping_add(if inp.bool() {
                inp.below(4_000) as u64 * 1_000
            } else {
                inp.u64()
            });
            let mut o = Cell::<bool>::out(m);
            let tick = inp.bool();
            // SAFETY: live handle; out NULL or valid.
            let s = unsafe {
                if tick {
                    eevdf_rq_tick(rq, *now, o.mp())
                } else {
                    eevdf_rq_update_curr(rq, *now, o.mp())
                }
            };
            untouched_on_error(s, o.untouched(), "rq_tick/update_curr");
            if s >= 0 {
                val = o.get() as u64;
            }
            (s, "rq_tick/update_curr", ARITH, o.bad())
        }
        11 | 12 => {
            *now = now.wrapping_add(inp.below(100) as u64 * 1_000);
            let mut o = Cell::<u64>::out(m);
            // SAFETY: live handle; out NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_pick_next(rq, *now, o.mp()) };
            untouched_on_error(s, o.untouched(), "rq_pick_next");
            if s >= 0 {
                val = o.get();
            }
            (s, "rq_pick_next", ARITH, o.bad())
        }
        13 => {
            let mut o = Cell::<u64>::out(m);
            // SAFETY: live handle; out NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_peek(rq, o.mp()) };
            untouched_on_error(s, o.untouched(), "rq_peek");
            if s >= 0 {
                val = o.get();
            }
            (s, "rq_peek", &[OK, UCLEAN, INVAL][..], o.bad())
        }
        14 => {
            *now = now.wrapping_add(inp.below(100) as u64 * 1_000);
            // SAFETY: live handle.
            let s = unsafe { eevdf_rq_put_prev(rq, *now) };
            (s, "rq_put_prev", ARITH, false)
        }
        15 => {
            let id = handle(inp, r);
            let f = if inp.byte() % 16 == 0 {
                inp.raw_u64() as u32
            } else {
                inp.below(8) as u32
            };
            let mut o = Cell::<bool>::out(m);
            // SAFETY: live handle; out NULL or valid.
            let s = unsafe { eevdf_rq_wakeup_preempt(rq, id, *now, f, o.mp()) };
            untouched_on_error(s, o.untouched(), "rq_wakeup_preempt");
            if s >= 0 {
                val = o.get() as u64;
            }
            (s, "rq_wakeup_preempt", ARITH, o.bad() || f & !7 != 0)
        }
        16 => {
            *now = now.wrapping_add(inp.below(100) as u64 * 1_000);
            let mut o = Cell::<bool>::out(m);
            // SAFETY: live handle; out NULL or valid.
            let s = unsafe { eevdf_rq_yield(rq, *now, o.mp()) };
            untouched_on_error(s, o.untouched(), "rq_yield");
            if s >= 0 {
                val = o.get() as u64;
            }
            (s, "rq_yield", ARITH, o.bad())
        }
        17 => {
            let id = handle(inp, r);
            let lw = clw(inp);
            big = lw.weight > EXACT_MAX_WEIGHT;
            let mut l = Cell::new(m, Some(lw));
            // SAFETY: live handle; lw NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_reweight(rq, id, l.cp(), *now) };
            (s, "rq_reweight", ARITH, l.bad() || lw.weight == 0)
        }
        18 => {
            let id = handle(inp, r);
            let slice = inp.u64();
            let s = if inp.bool() {
                // SAFETY: live handle.
                unsafe { eevdf_rq_set_slice(rq, id, slice) }
            } else {
                // SAFETY: live handle.
                unsafe { eevdf_rq_set_next_buddy(rq, id) }
            };
            (
                s,
                "rq_set_slice/set_next_buddy",
                &[OK, NOENT, BUSY, UCLEAN, INVAL][..],
                false,
            )
        }
        19 => {
            let id = handle(inp, r);
            let k = inp.byte() % 3;
            let mut e = Cell::<EevdfSchedEntity>::out(m);
            let mut t = Cell::<u64>::out(m);
            let mut b = Cell::<bool>::out(m);
            // SAFETY: live handle; outs NULL, misaligned or valid.
            let (s, ok, bad) = unsafe {
                match k {
                    0 => (eevdf_rq_entity(rq, id, e.mp()), e.untouched(), e.bad()),
                    1 => (
                        eevdf_rq_sum_exec_runtime(rq, id, t.mp()),
                        t.untouched(),
                        t.bad(),
                    ),
                    _ => (eevdf_rq_is_eligible(rq, id, b.mp()), b.untouched(), b.bad()),
                }
            };
            untouched_on_error(s, ok, "rq_entity/sum_exec/is_eligible");
            if s >= 0 {
                val = match k {
                    0 => se_digest(&e.get()),
                    1 => t.get(),
                    _ => b.get() as u64,
                };
            }
            (
                s,
                "rq_entity/sum_exec/is_eligible",
                &[OK, NOENT, UCLEAN, INVAL][..],
                bad,
            )
        }
        20 => {
            let mut v = Cell::<u64>::out(m);
            let mut a = Cell::<EevdfAvgVruntime>::out(m);
            let mut sst = Cell::<EevdfRqState>::out(m);
            let k = inp.byte() % 3;
            // SAFETY: live handle; outs NULL, misaligned or valid.
            let (s, ok, bad, allowed) = unsafe {
                match k {
                    0 => (
                        eevdf_rq_avg_vruntime(rq, v.mp()),
                        v.untouched(),
                        v.bad(),
                        &[OK, WR, DOM, OVF, UCLEAN, INVAL][..],
                    ),
                    1 => (
                        eevdf_rq_avg(rq, a.mp()),
                        a.untouched(),
                        a.bad(),
                        &[OK, UCLEAN, INVAL][..],
                    ),
                    _ => (
                        eevdf_rq_state(rq, sst.mp()),
                        sst.untouched(),
                        sst.bad(),
                        &[OK, UCLEAN, INVAL][..],
                    ),
                }
            };
            untouched_on_error(s, ok, "rq_avg_vruntime/avg/state");
            if s >= 0 {
                val = match k {
                    0 => v.get(),
                    1 => {
                        let a = a.get();
                        let (u, z, sl, sh, wl, wh) = acc_sums(&a);
                        digest(&[u as u64, z, sl as u64, sh as u64, wl, wh as u64])
                    }
                    _ => {
                        let st = sst.get();
                        digest(&[
                            st.load_weight,
                            st.curr,
                            st.next_buddy,
                            st.min_slice,
                            st.max_slice,
                            st.zero_vruntime,
                            st.nr_queued as u64,
                            st.nr_runnable as u64,
                            st.nr_entities as u64,
                            st.capacity as u64,
                        ])
                    }
                };
            }
            if s == OK && k == 2 {
                let st = sst.get();
                assert_eq!(st.profile, p);
                assert!(st.nr_runnable <= st.nr_queued && st.nr_queued <= st.nr_entities);
                assert!(st.nr_entities <= st.capacity);
                if p == PX {
                    assert_eq!(st.wrapped, 0, "EXACT run queue wrapped");
                }
            }
            if s == OK && k == 1 {
                assert_eq!(a.get().profile, p);
            }
            (s, "rq_avg_vruntime/avg/state", allowed, bad)
        }
        21 => {
            let t = tunables(inp, p);
            let mut tc = Cell::new(m, Some(t));
            let mut to = Cell::<EevdfTunables>::out(Mode::Valid);
            // SAFETY: live handle; tun NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_set_tunables(rq, tc.cp()) };
            let bad = tc.bad() || has_unknown_features(t.features);
            st_inval(s, None, &[OK, UCLEAN, INVAL], bad, "rq_set_tunables");
            // SAFETY: as above.
            let s2 = unsafe { eevdf_rq_tunables(rq, to.mp()) };
            if s == OK {
                assert_eq!((s2, to.get()), (OK, t), "rq_tunables after set");
            }
            (s, "rq_set_tunables", &[OK, UCLEAN, INVAL][..], bad)
        }
        22 => {
            let cap = inp.below(4);
            let mut ids = [SENT; 4];
            let mut count = Cell::<usize>::out(m);
            let null_ids = inp.byte() % 8 == 0;
            let ip = if null_ids {
                null_mut()
            } else {
                ids.as_mut_ptr()
            };
            // SAFETY: live handle; ids NULL or cap long; count NULL, misaligned or valid.
            let s = unsafe { eevdf_rq_tree_ids(rq, ip, cap, count.mp()) };
            untouched_on_error(s, count.untouched() && ids == [SENT; 4], "rq_tree_ids");
            if s == OK {
                let n = count.get();
                assert!(ids[n.min(cap)..].iter().all(|&x| x == SENT));
                val = digest(&ids[..n.min(cap)]) ^ n as u64;
            }
            (
                s,
                "rq_tree_ids",
                &[OK, UCLEAN, INVAL][..],
                count.bad() || (null_ids && cap > 0),
            )
        }
        _ => {
            // SAFETY: live handle.
            let s = unsafe { eevdf_rq_clear_wrapped(rq) };
            (s, "rq_clear_wrapped", &[OK, UCLEAN, INVAL][..], false)
        }
    };
    st_inval(s, Some(p), allowed, bad, what);
    if was_broken {
        assert!(
            s == UCLEAN || s == INVAL,
            "step {step} {what}: a broken run queue answered {s}"
        );
    } else {
        assert_ne!(s, UCLEAN, "step {step} {what}: EUCLEAN from a sound queue");
    }
    if s == DOM || s == OVF {
        if what == "rq_add" {
            // Checked before anything changed: not broken.
        } else if what == "rq_avg_vruntime/avg/state" {
            // A read: nothing changed.
        } else {
            r.broken = true;
        }
    }
    // Validate.
    if !r.broken {
        r.ever_wide |= rq_wide(rq);
    }
    let mut msg = [0u8; 128];
    // SAFETY: live handle; a 128-byte message buffer.
    let v = unsafe { eevdf_rq_validate(rq, msg.as_mut_ptr().cast(), msg.len()) };
    st(v, None, &[OK, UCLEAN], "rq_validate");
    if r.broken {
        assert_eq!(v, UCLEAN, "step {step}: a broken queue validates");
    } else if v == UCLEAN {
        let text = CStr::from_bytes_until_nul(&msg)
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default();
        let exact_sums = !text.is_empty()
            && eevdf::runqueue::EXACT_SUMS_LEFT_THE_DOMAIN.starts_with(text.as_str());
        if exact_sums {
            r.ever_wide = true;
        } else {
            assert!(
                r.ever_wide,
                "{p} step {step} after {what} (status {s}): rq_validate: {text}"
            );
        }
    }
    if !r.broken {
        rq_cross_check(rq, step, what);
    }
    // EXACT always finds something to run in a non-empty queue (inside its
    // domain).
    if p == PX && !r.broken && !r.ever_wide {
        let mut st = Cell::<EevdfRqState>::out(Mode::Valid);
        let mut next = Cell::<u64>::out(Mode::Valid);
        // SAFETY: a live handle; valid out-pointers.
        let (s1, s2) = unsafe { (eevdf_rq_state(rq, st.mp()), eevdf_rq_peek(rq, next.mp())) };
        assert_eq!((s1, s2), (OK, OK));
        if st.get().nr_queued > 0 {
            assert_ne!(
                next.get(),
                EEVDF_NO_ENTITY,
                "step {step} after {what}: EXACT found nothing to run in a non-empty queue"
            );
        }
    }
    (s, val, what, big)
}
