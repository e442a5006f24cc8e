//! Stated input domains, wrap boundaries and headroom.
//!
//! Every function of this crate that can overflow states here, per
//! [`Profile`], the input domain on which it is exact and the boundary at
//! which a `LINUX_*` profile starts to wrap. A kernel developer asks "where
//! does this release's arithmetic break?"; the answer is a [`Domain`]:
//!
//! | quantity (kernel) | crate function | bound |
//! |---|---|---|
//! | `calc_delta_fair(δ, se)` | [`weight::overflowing_calc_delta_fair`] | [`calc_delta_fair_domain`] (largest δ) |
//! | `__calc_delta(δ, w, lw)` | [`weight::overflowing_calc_delta`] | [`calc_delta_domain`] (largest δ) |
//! | S = Σ key·w (`avg_vruntime`/`sum_w_vruntime`) | [`AvgVruntime`] | [`avg_sum_domain`] (largest \|key\|), [`AvgVruntime::headroom_bits`], [`avg_headroom_bits`] |
//! | the V division (`div_s64`/`div64_long`) | [`AvgVruntime::overflowing_avg_vruntime`] | [`avg_load_domain`] (largest W) |
//! | `key·load` in `vruntime_eligible` | [`AvgVruntime::overflowing_vruntime_eligible`] | [`eligibility_domain`] (largest \|key\|), [`eligibility_headroom_bits`] |
//! | `vlag·(load + w) / load` in `place_entity` | [`entity::overflowing_place_lag`] | [`place_lag_domain`] (largest \|vlag\|) |
//! | the lag clamp `calc_delta_fair(2·slice ∨ max_slice + tick)` | [`entity::overflowing_lag_limit`] | [`lag_limit_domain`] (largest slice) |
//! | `vlag·w_old / w_new` in `reweight_entity` | [`entity::reweight_entity`] | [`rescale_domain`] (largest \|vlag\|) |
//! | curr's `key·w` against a v0 that is not refreshed | [`AvgVruntime::overflowing_vruntime_eligible`] | [`stale_v0_domain`] (longest run) |
//! | `tg.shares · load` in `calc_group_shares` | [`group::overflowing_calc_group_shares`] | [`group_shares_domain`] (largest load) |
//! | PELT `load_sum`, `se_weight · load_sum` | [`pelt`] | [`pelt_load_domain`] (largest weight) |
//!
//! `cargo run --example overflow-report -- [profile]` prints all of them as a
//! table.
//!
//! # Reading a [`Domain`]
//!
//! * [`Domain::All`]: every value of the input type gives the exact result;
//!   the profile never wraps there.
//! * [`Domain::UpTo(m)`](Domain::UpTo): inputs of magnitude ≤ m are exact and
//!   the `overflowing_*` function reports no wrap; m + 1 is the first input that
//!   wraps (for a signed input: +(m + 1) always wraps; −(m + 1) may still fit
//!   when the multiplier divides 2⁶³, and −(m + 2) never does).
//! * [`Domain::Empty`]: another operand has already overflowed, so no value of
//!   this input is exact (or the kernel's arithmetic is undefined there).
//!
//! Under a `LINUX_*` profile "exact" means: no wrap is reported and the value
//! is the profile's formula evaluated without overflow — for LINUX_7_1 exactly
//! what [`Profile::EXACT`] computes. (The older formulas differ from EXACT's by
//! design — multiply-shift rounding in `__calc_delta()`, 10-bit averaging
//! weights (`scale_load_down()`) in the sums — not by overflow.) Under EXACT the domain is
//! where the exact result fits the output type; outside it EXACT returns [`Error::Overflow`] (the
//! `overflowing_*` forms: a flag), never a wrapped value.
//!
//! # Units
//!
//! Weights named `load.weight` are 64-bit kernel units (nice 0 = 2²⁰). Weights
//! named *averaging* weights are the units of S, W and the placement lag:
//! `scale_load_down(load.weight)` up to v7.0 and `load.weight` itself in v7.1
//! ([`avg::avg_weight`]). Keys, lags and vruntimes are virtual ns; runtimes
//! and slices are wall ns.
//!
//! # One formula, one place
//!
//! The bounds are derived from the same building blocks as the functions they
//! bound ([`weight::mul_shift_factor`], [`NICE_0_LOAD_SHIFT`], the 64-bit
//! operand widths) or, where a boundary is a composition of several steps
//! ([`lag_limit_domain`], [`stale_v0_domain`]), found by a binary search over
//! the real function. The tests in `tests/bounds.rs` check every bound from both
//! sides against the real functions and against the C semantics.
//!
//! [`weight::overflowing_calc_delta_fair`]: crate::weight::overflowing_calc_delta_fair
//! [`weight::overflowing_calc_delta`]: crate::weight::overflowing_calc_delta
//! [`weight::mul_shift_factor`]: crate::weight::mul_shift_factor
//! [`entity::overflowing_place_lag`]: crate::entity::overflowing_place_lag
//! [`entity::overflowing_lag_limit`]: crate::entity::overflowing_lag_limit
//! [`entity::reweight_entity`]: crate::entity::reweight_entity
//! [`avg::avg_weight`]: crate::avg::avg_weight
//! [`group::overflowing_calc_group_shares`]: crate::group::overflowing_calc_group_shares
//! [`pelt`]: crate::pelt

use crate::avg::{avg_weight, check_weight, AvgVruntime, Curr};
use crate::entity::{overflowing_lag_limit, SchedEntity};
use crate::pelt::LOAD_AVG_MAX;
use crate::profile::{CalcDelta, Division, Eligibility, Profile, Reference};
use crate::vtime::Vtime;
use crate::weight::{
    mul_shift_factor, overflowing_calc_delta_fair, LoadWeight, NICE_0_LOAD, NICE_0_LOAD_SHIFT,
};
use crate::Error;

// The accumulator's EXACT domain and the headroom measure live with the
// accumulator (`avg` does not depend on this module); they are part of the
// bounds this module states.
pub use crate::avg::{headroom, EXACT_MAX_SUM, EXACT_MAX_SUM_WEIGHT, EXACT_MAX_WEIGHT};

/// The largest number of entities the batch functions of the C ABI accept.
pub const MAX_BATCH: usize = 1_000_000;

/// The exact input range of one operand of a function under one profile; see
/// the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Every value of the input type is exact: no wrap boundary.
    All,
    /// Exact for inputs of magnitude ≤ this value; the next one wraps.
    UpTo(u64),
    /// No value is exact: another operand already overflowed, or the
    /// kernel's arithmetic is undefined for the other operands.
    Empty,
}

impl Domain {
    /// An unsigned input's domain from the largest exact value computed in
    /// 128 bits: [`Domain::All`] when it reaches `u64::MAX`.
    const fn unsigned(max: u128) -> Domain {
        if max >= u64::MAX as u128 {
            Domain::All
        } else {
            Domain::UpTo(max as u64)
        }
    }

    /// A signed input's domain from the largest exact *positive* value: every
    /// i64 is exact when that reaches `i64::MAX` (the negative side then
    /// reaches `i64::MIN`, see the module docs).
    const fn signed(max: u128) -> Domain {
        if max >= i64::MAX as u128 {
            Domain::All
        } else {
            Domain::UpTo(max as u64)
        }
    }

    /// The domain of an input v of `trunc(v·m / d)` computed exactly and stored
    /// in an i64 (`d ≥ 1`, `m < 2⁶⁵`, `d < 2⁶⁴`). The positive side is exact for
    /// v ≤ ⌊(2⁶³·d − 1)/m⌋; when that covers `i64::MAX`, `i64::MIN` is also exact
    /// only if 2⁶³·m/d < 2⁶³ + 1 — a factor just above 1 (huge loads) pushes it
    /// to −2⁶³ − 1, so the domain is then `UpTo(i64::MAX)`, not `All`.
    const fn ratio(m: u128, d: u128) -> Domain {
        if m == 0 {
            return Domain::All;
        }
        let pos = ((d << 63) - 1) / m;
        if pos < i64::MAX as u128 {
            Domain::UpTo(pos as u64)
        } else if (1u128 << 63) * m < ((1u128 << 63) + 1) * d {
            Domain::All
        } else {
            Domain::UpTo(i64::MAX as u64)
        }
    }

    /// Is an unsigned input (or a magnitude) inside the domain?
    ///
    /// ```
    /// use eevdf::bounds::Domain;
    /// assert!(Domain::UpTo(10).contains(10) && !Domain::UpTo(10).contains(11));
    /// assert!(Domain::All.contains(u64::MAX) && !Domain::Empty.contains(0));
    /// ```
    pub const fn contains(self, x: u64) -> bool {
        match self {
            Domain::All => true,
            Domain::UpTo(m) => x <= m,
            Domain::Empty => false,
        }
    }

    /// Is a signed input inside the domain, i.e. |x| ≤ the bound? (Conservative
    /// by one step on the negative side; see the module docs.)
    pub const fn contains_signed(self, x: i64) -> bool {
        self.contains(x.unsigned_abs())
    }

    /// The largest exact magnitude: `None` for [`Domain::Empty`], `u64::MAX`
    /// for [`Domain::All`].
    pub const fn max(self) -> Option<u64> {
        match self {
            Domain::All => Some(u64::MAX),
            Domain::UpTo(m) => Some(m),
            Domain::Empty => None,
        }
    }

    /// The smallest magnitude that wraps: `None` for [`Domain::All`], 0 for
    /// [`Domain::Empty`].
    pub const fn first_wrap(self) -> Option<u64> {
        match self {
            Domain::All => None,
            // `unsigned`/`signed` never build UpTo(u64::MAX).
            Domain::UpTo(m) => Some(m.saturating_add(1)),
            Domain::Empty => Some(0),
        }
    }
}

/// The largest `x` in `0..=u64::MAX` for which `ok(x)` holds, for a predicate
/// that holds on a prefix of the range (a monotone "does not wrap").
fn search_max(ok: impl Fn(u64) -> bool) -> Domain {
    if !ok(0) {
        return Domain::Empty;
    }
    if ok(u64::MAX) {
        return Domain::All;
    }
    let (mut lo, mut hi) = (0u64, u64::MAX); // ok(lo), !ok(hi)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Domain::UpTo(lo)
}

/// ⌊δ·fact / 2^shift⌋ < 2⁶⁴ ⟺ δ·fact < 2^(64+shift) ⟺ δ ≤ ⌊(2^(64+shift) − 1)/fact⌋.
const fn mul_shift_domain(fact: u32, shift: u32) -> Domain {
    if fact == 0 {
        return Domain::All;
    }
    // mul_shift_factor starts the shift at 32 and only lowers it: 2^96 fits.
    Domain::unsigned(((1u128 << (64 + shift)) - 1) / fact as u128)
}

/// The largest `delta` (wall ns) that [`overflowing_calc_delta_fair`] turns
/// into virtual time without a wrap, for an entity of weight `lw`.
///
/// Derivation (Δv = δ·2²⁰/w):
///
/// * w = `NICE_0_LOAD`: `calc_delta_fair` returns δ untouched in every
///   release: [`Domain::All`].
/// * multiply-shift (≤ v7.0): the result ⌊δ·fact / 2^shift⌋ (with the
///   `(fact, shift)` of [`mul_shift_factor`]) exceeds 64 bits once
///   δ·fact ≥ 2^(64+shift): δ ≤ ⌊(2^(64+shift) − 1)/fact⌋. Only weights below
///   nice 0 have a bound: ≈ 2⁶⁴·w/2²⁰.
/// * v7.1 quotient: the product δ·2²⁰ wraps before the division once it
///   reaches 2⁶⁴, for *any* weight ≠ `NICE_0_LOAD`: δ ≤ 2⁴⁴ − 1 ns ≈ 4.9 h
///   (db4551e2ba34: "leaves 44 bits for delta_exec").
/// * EXACT: ⌊δ·2²⁰/w⌋ < 2⁶⁴ ⟺ δ < 2⁴⁴·w: bounded only for w < 2²⁰.
///
/// ```
/// use eevdf::bounds::{calc_delta_fair_domain, Domain};
/// use eevdf::{LoadWeight, Profile};
/// let nice19 = LoadWeight::from_nice(19)?;
/// // v7.1.5 __calc_delta() (db4551e2ba34): δ·2^20 < 2^64 ⟺ δ ≤ 2^44 − 1 ns, whatever the weight.
/// assert_eq!(calc_delta_fair_domain(&Profile::LINUX_7_1, &nice19), Domain::UpTo((1 << 44) - 1));
/// // 6.6: (fact, shift) = (2290649224, 25): ⌊(2^89 − 1)/2290649224⌋ ≈ 2^57.9 ns.
/// assert_eq!(calc_delta_fair_domain(&Profile::LINUX_6_6, &nice19), Domain::UpTo(270_215_977_705_144_320));
/// // A MIN_SHARES group entity (weight 2): legacy sees it as 2048 (×~512), EXACT as 2 (×2^19).
/// let g = LoadWeight::new(2)?;
/// assert_eq!(calc_delta_fair_domain(&Profile::LINUX_7_0, &g), Domain::UpTo(36_028_797_035_741_184));
/// assert_eq!(calc_delta_fair_domain(&Profile::EXACT, &g), Domain::UpTo((1 << 45) - 1));
/// // Nice 0 bypasses the arithmetic.
/// assert_eq!(calc_delta_fair_domain(&Profile::LINUX_7_1, &LoadWeight::NICE_0), Domain::All);
/// # Ok::<(), eevdf::Error>(())
/// ```
pub const fn calc_delta_fair_domain(profile: &Profile, lw: &LoadWeight) -> Domain {
    let w = lw.weight();
    if w == NICE_0_LOAD {
        return Domain::All;
    }
    if profile.is_exact() {
        return Domain::unsigned(((w as u128) << (64 - NICE_0_LOAD_SHIFT)) - 1);
    }
    match profile.calc_delta {
        CalcDelta::Quotient => Domain::UpTo((1 << (64 - NICE_0_LOAD_SHIFT)) - 1),
        CalcDelta::MulShift => match mul_shift_factor(NICE_0_LOAD, lw) {
            Some((fact, shift)) => mul_shift_domain(fact, shift),
            None => Domain::Empty,
        },
    }
}

/// The largest `delta` that the general `__calc_delta(δ, weight, lw)`
/// ([`overflowing_calc_delta`]) computes without a wrap.
///
/// * multiply-shift: as [`calc_delta_fair_domain`] with the `(fact, shift)`
///   of `weight`; [`Domain::Empty`] when the kernel's shift would go negative
///   (the function returns [`Error::Undefined`] for every δ).
/// * v7.1 quotient: δ·weight < 2⁶⁴: δ ≤ ⌊(2⁶⁴ − 1)/weight⌋.
/// * EXACT: ⌊δ·weight/lw⌋ < 2⁶⁴ ⟺ δ·weight < 2⁶⁴·lw: δ ≤ ⌊(2⁶⁴·lw − 1)/weight⌋.
///
/// A `weight` of 0 gives 0 for every δ: [`Domain::All`].
///
/// ```
/// use eevdf::bounds::{calc_delta_domain, Domain};
/// use eevdf::{weight::NICE_0_LOAD, LoadWeight, Profile};
/// // 7.1 with weight = NICE_0_LOAD: the same 2^44 − 1 as calc_delta_fair.
/// let lw = LoadWeight::from_nice(5)?;
/// assert_eq!(calc_delta_domain(&Profile::LINUX_7_1, NICE_0_LOAD, &lw), Domain::UpTo((1 << 44) - 1));
/// # Ok::<(), eevdf::Error>(())
/// ```
///
/// [`overflowing_calc_delta`]: crate::weight::overflowing_calc_delta
pub const fn calc_delta_domain(profile: &Profile, weight: u64, lw: &LoadWeight) -> Domain {
    if weight == 0 {
        return Domain::All;
    }
    if profile.is_exact() {
        return Domain::unsigned((((lw.weight() as u128) << 64) - 1) / weight as u128);
    }
    match profile.calc_delta {
        CalcDelta::Quotient => Domain::unsigned((u64::MAX / weight) as u128),
        CalcDelta::MulShift => match mul_shift_factor(weight, lw) {
            Some((fact, shift)) => mul_shift_domain(fact, shift),
            None => Domain::Empty,
        },
    }
}

/// The largest |key| that keeps the sum S = Σ key_i·w_i inside an s64 when
/// the queue's total *averaging* weight is `total_avg_weight` (W, plus curr's
/// weight when it runs): if every entity's key satisfies |key_i| ≤ m then
/// |S| ≤ m·W ≤ 2⁶³ − 1.
///
/// The bound is tight when all the weight sits at one key. Keys are measured
/// from v0, so m is also the largest *spread* of vruntimes a queue can have
/// with v0 anywhere inside it (≤ v6.18: v0 = `min_vruntime` is at the low end;
/// v7.x: v0 = `zero_vruntime` ≈ V is inside). EXACT keeps S in 128 bits:
/// [`Domain::All`]; the kernel's 7.1 bound is `avg_sum_domain(&LINUX_7_1, …)`.
///
/// Reading V floors a negative S as S − (W − 1) first, so at the negative
/// edge `avg_vruntime` has up to one W less room than S itself;
/// [`avg_headroom_bits`] accounts for that on a live accumulator.
///
/// 7.1 averages full weights, so its keys have 10 bits less room than ≤ 7.0's:
///
/// ```
/// use eevdf::bounds::{avg_sum_domain, Domain};
/// use eevdf::{avg::avg_weight, weight::NICE_0_LOAD, Profile};
/// // Eight nice-0 tasks: W = 8·2^20 in 7.1, 8·1024 in 7.0.
/// let w71 = 8 * avg_weight(&Profile::LINUX_7_1, NICE_0_LOAD);
/// let w70 = 8 * avg_weight(&Profile::LINUX_7_0, NICE_0_LOAD);
/// assert_eq!(avg_sum_domain(&Profile::LINUX_7_1, w71), Domain::UpTo((1 << 40) - 1)); // ±18 min
/// assert_eq!(avg_sum_domain(&Profile::LINUX_7_0, w70), Domain::UpTo((1 << 50) - 1)); // ±13 days
/// assert_eq!(avg_sum_domain(&Profile::EXACT, w71), Domain::All);
/// ```
pub const fn avg_sum_domain(profile: &Profile, total_avg_weight: u64) -> Domain {
    if profile.is_exact() || total_avg_weight == 0 {
        Domain::All
    } else {
        Domain::signed(i64::MAX as u128 / total_avg_weight as u128)
    }
}

/// The largest total averaging weight (W + curr's) that the V division of
/// [`AvgVruntime::overflowing_avg_vruntime`] uses exactly: ≤ v7.0 divides with
/// `div_s64`, which truncates the divisor to s32 (2³¹ − 1, i.e. ≈ 2²¹ nice-0
/// tasks in 10-bit units); v7.1 divides by a `long` (2⁶³ − 1); EXACT divides
/// in 128 bits.
///
/// ```
/// use eevdf::bounds::{avg_load_domain, Domain};
/// use eevdf::Profile;
/// assert_eq!(avg_load_domain(&Profile::LINUX_6_6), Domain::UpTo((1 << 31) - 1));
/// assert_eq!(avg_load_domain(&Profile::LINUX_7_1), Domain::UpTo((1 << 63) - 1));
/// ```
pub const fn avg_load_domain(profile: &Profile) -> Domain {
    if profile.is_exact() {
        return Domain::All;
    }
    match profile.division {
        Division::S32Divisor => Domain::UpTo(i32::MAX as u64),
        Division::Long => Domain::UpTo(i64::MAX as u64),
    }
}

/// The largest |key| for which `vruntime_eligible`'s product key·load fits an
/// s64, `load` being the total averaging weight (W plus curr's).
///
/// ≤ v7.0 multiply in s64: |key| ≤ ⌊(2⁶³ − 1)/load⌋. v7.1 compares the product
/// exactly in 128 bits ([`Domain::All`]) — but its S is still an s64, bounded
/// by [`avg_sum_domain`]. A load that is negative as a `long` is
/// [`Domain::Empty`].
///
/// ```
/// use eevdf::bounds::{eligibility_domain, Domain};
/// use eevdf::Profile;
/// // b6eee96843e8 (docs/derivations.md §8.2): 100·NICE_0_LOAD + a weight-2 entity.
/// // With full weights an s64 product allows |key| ≤ 87,960,928,544 — the puny
/// // entity's key 90e9 is beyond it; 7.0's 10-bit weights allow 2^46.4.
/// let wrapping_7_1 = Profile { eligibility: eevdf::profile::Eligibility::Wrapping, ..Profile::LINUX_7_1 };
/// assert_eq!(eligibility_domain(&wrapping_7_1, 104_857_602), Domain::UpTo(87_960_928_544));
/// assert_eq!(eligibility_domain(&Profile::LINUX_7_0, 102_400 + 2), Domain::UpTo(90_070_233_363_164));
/// assert_eq!(eligibility_domain(&Profile::LINUX_7_1, 104_857_602), Domain::All);
/// ```
pub const fn eligibility_domain(profile: &Profile, load: u64) -> Domain {
    if profile.is_exact() || matches!(profile.eligibility, Eligibility::Wide) {
        return Domain::All;
    }
    let l = load as i64;
    if l < 0 {
        Domain::Empty
    } else if l == 0 {
        Domain::All
    } else {
        Domain::signed((i64::MAX / l) as u128)
    }
}

/// The largest |vlag| that [`overflowing_place_lag`]`(vlag, load, w)` inflates
/// without a wrap; `load` and `w` are averaging weights (the queue's, curr
/// included, and the placed entity's).
///
/// The kernel computes `vlag ⊗ (load + w)` in s64, then divides by `load` (1
/// if 0). Derivation:
///
/// * the product fits ⟺ |vlag| ≤ ⌊(2⁶³ − 1)/(load + w)⌋ — the quotient is
///   then smaller than the product and fits too;
/// * nothing fits ([`Domain::Empty`]) when `load` or `w` is negative as a
///   `long`, when `load + w` overflows, or when ≤ v7.0's `div_s64` truncates a
///   `load` ≥ 2³¹ to s32 (≈ 2²¹ nice-0 tasks in 10-bit units);
/// * EXACT: the exact trunc(vlag·(load + w)/load) fits an i64 ⟺
///   |vlag|·(load + w) < 2⁶³·load: |vlag| ≤ ⌊(2⁶³·load − 1)/(load + w)⌋.
///
/// ```
/// use eevdf::bounds::{place_lag_domain, Domain};
/// use eevdf::Profile;
/// let nice_m20 = 90_891_264;
/// // Hui Su, "sched/fair: Avoid overflow in place_entity()" v1 (2026-09-28, not
/// // merged; docs/derivations.md §8.5): 113 nice -20 entities queued, one more placed: the
/// // product allows |vlag| ≤ 890,149,049 — the stated bound 891,289,600 wraps.
/// assert_eq!(place_lag_domain(&Profile::LINUX_7_1, 113 * nice_m20, nice_m20), Domain::UpTo(890_149_049));
/// // EXACT: the quotient is ≈ vlag·114/113 and fits for much larger lags.
/// assert_eq!(place_lag_domain(&Profile::EXACT, 113 * nice_m20, nice_m20), Domain::UpTo(9_142_465_264_601_663_739));
/// // ≤ 7.0: a queue weight of 2^31 (scaled down) is truncated by div_s64.
/// assert_eq!(place_lag_domain(&Profile::LINUX_7_0, 1 << 31, 1024), Domain::Empty);
/// ```
///
/// [`overflowing_place_lag`]: crate::entity::overflowing_place_lag
pub const fn place_lag_domain(profile: &Profile, load: u64, w: u64) -> Domain {
    if profile.is_exact() {
        let d = if load == 0 { 1 } else { load as u128 };
        return Domain::ratio(load as u128 + w as u128, d);
    }
    let (l, wl) = (load as i64, w as i64);
    if l < 0 || wl < 0 {
        return Domain::Empty;
    }
    let m = match l.checked_add(wl) {
        Some(m) => m,
        None => return Domain::Empty,
    };
    if matches!(profile.division, Division::S32Divisor) && l != 0 && l as i32 as i64 != l {
        return Domain::Empty;
    }
    if m == 0 {
        Domain::All
    } else {
        Domain::signed((i64::MAX / m) as u128)
    }
}

/// The largest slice for which the lag clamp's limit
/// ([`overflowing_lag_limit`]) is computed without a wrap and fits the s64 the
/// kernel clamps with, for an entity of weight `lw` and a tick of `tick_nsec`.
///
/// The slice is the entity's own `se.slice` under `max(2·slice, tick)` (≤ v6.19)
/// and the queue's `max_slice` under `max_slice + tick` (≥ v7.0). Three steps
/// can break, in order: `2·slice` (slice ≥ 2⁶³) or `max_slice + tick` (above
/// 2⁶⁴ − 1 − tick) wraps; `calc_delta_fair` of the span wraps
/// ([`calc_delta_fair_domain`]); the limit exceeds `i64::MAX` and turns
/// negative as the s64 `clamp()` bound (bbce3de72be5: slice = U64_MAX). Being a
/// composition, the boundary is found by binary search over the real
/// [`overflowing_lag_limit`] (the flag is monotone in the slice). Under EXACT the
/// bound is where the exact limit stops fitting a u64; EXACT's clamp
/// ([`entity::overflowing_entity_lag`]) uses the 128-bit limit and is exact for
/// every slice. [`Domain::Empty`] when even a zero slice fails (a tick beyond the
/// weight's bound).
///
/// ```
/// use eevdf::bounds::{lag_limit_domain, Domain};
/// use eevdf::{LoadWeight, Profile};
/// let g = LoadWeight::new(2)?; // a MIN_SHARES group entity
/// // 7.1: calc_delta_fair(max_slice + tick) needs max_slice + tick ≤ 2^44 − 1.
/// assert_eq!(lag_limit_domain(&Profile::LINUX_7_1, &g, 1_000_000), Domain::UpTo((1 << 44) - 1 - 1_000_000));
/// // Nice 0, 6.6: the limit is 2·slice itself, which must stay ≤ i64::MAX.
/// assert_eq!(lag_limit_domain(&Profile::LINUX_6_6, &LoadWeight::NICE_0, 1_000_000), Domain::UpTo((1 << 62) - 1));
/// // EXACT: the exact limit (max_slice + tick)·2^19 fits a u64 up to 2^45 ns.
/// assert_eq!(lag_limit_domain(&Profile::EXACT, &g, 1_000_000), Domain::UpTo((1 << 45) - 1 - 1_000_000));
/// # Ok::<(), eevdf::Error>(())
/// ```
///
/// [`overflowing_lag_limit`]: crate::entity::overflowing_lag_limit
/// [`entity::overflowing_entity_lag`]: crate::entity::overflowing_entity_lag
pub fn lag_limit_domain(profile: &Profile, lw: &LoadWeight, tick_nsec: u64) -> Domain {
    search_max(|slice| {
        let se = SchedEntity::new(*lw, slice);
        !overflowing_lag_limit(profile, &se, slice, tick_nsec).1
    })
}

/// The largest |x| that `reweight_entity`'s rescale `x ⊗ w_old / w_new`
/// (of the lag, the relative deadline and the relative vprot; `reweight_entity()`
/// / `rescale_entity()`, v6.6–v7.1)
/// computes without a wrap; `old` and `new` are `load.weight`s.
///
/// * Linux: the s64 product fits ⟺ |x| ≤ ⌊(2⁶³ − 1)/old⌋; [`Domain::Empty`]
///   when a weight is negative as a `long` or ≤ v7.0's `div_s64` truncates a
///   `new` ≥ 2³¹.
/// * EXACT: the quotient fits ⟺ |x|·old < 2⁶³·new: |x| ≤ ⌊(2⁶³·new − 1)/old⌋.
///
/// Since 1560d1f6eb6b every generation clamps the lag to the lag limit before
/// rescaling it, so the product is bounded by limit·old ≈ (slice + tick)·2²⁰;
/// before it, an unclamped V − v of 2⁴⁴ with a nice −20 weight multiplied to
/// 1.6·10²¹. The off-runqueue rescale of a stored lag still relies on the clamp
/// at dequeue.
///
/// ```
/// use eevdf::bounds::{rescale_domain, Domain};
/// use eevdf::Profile;
/// let (nice_m20, nice0) = (90_891_264, 1 << 20);
/// let d = rescale_domain(&Profile::LINUX_7_1, nice_m20, nice0);
/// assert_eq!(d, Domain::UpTo(101_476_991_637)); // ≈ 2^36.6: 2^44 is far outside
/// assert!(!d.contains(1 << 44));
/// // EXACT needs only the quotient (≈ x·86.7) to fit.
/// assert!(rescale_domain(&Profile::EXACT, nice_m20, nice0).contains(1 << 44));
/// ```
pub const fn rescale_domain(profile: &Profile, old: u64, new: u64) -> Domain {
    if new == 0 {
        return Domain::Empty;
    }
    if profile.is_exact() {
        return Domain::ratio(old as u128, new as u128);
    }
    let (o, n) = (old as i64, new as i64);
    if o < 0 || n < 0 {
        return Domain::Empty;
    }
    if matches!(profile.division, Division::S32Divisor) && n as i32 as i64 != n {
        return Domain::Empty;
    }
    if o == 0 {
        Domain::All
    } else {
        Domain::signed((i64::MAX / o) as u128)
    }
}

/// The longest wall-clock run (ns) of a running entity of weight `lw` whose
/// reference point v0 is *not* moved while it runs, before its term
/// key·w in `avg_vruntime`/`vruntime_eligible` overflows an s64 (the stale
/// `zero_vruntime` fixed by b3d99f43c72b; `docs/derivations.md` §8.4).
///
/// key = `calc_delta_fair(t)` and w is the averaging weight, so key·w ≈
/// t·2²⁰ with 7.1's full weights (t < 2⁴³ ns ≈ 2.44 h, whatever the weight)
/// and ≈ t·2¹⁰ with ≤ 7.0's 10-bit ones (t < 2⁵³ ns ≈ 104 days); for small
/// weights `calc_delta_fair` itself may wrap first. The key is taken as if the
/// run were charged in one `update_curr`; charging it tick by tick truncates
/// each step, so the real key is at most this one. Found by binary search over
/// the real [`overflowing_calc_delta_fair`]. EXACT: [`Domain::All`].
///
/// Which releases leave v0 stale: v6.19's `zero_vruntime` (moved only by tree
/// inserts and removals) did, until b3d99f43c72b made `avg_vruntime()` — called
/// from the tick — move it. `min_vruntime` (≤ v6.18) follows curr, and v7.x
/// refreshes v0 at every slice expiry, so in the crate's presets the bound
/// applies to callers that drive [`AvgVruntime`] themselves.
///
/// ```
/// use eevdf::bounds::{stale_v0_domain, Domain};
/// use eevdf::{LoadWeight, Profile};
/// let n0 = LoadWeight::NICE_0;
/// assert_eq!(stale_v0_domain(&Profile::LINUX_7_1, &n0), Domain::UpTo((1 << 43) - 1)); // 2.44 h
/// assert_eq!(stale_v0_domain(&Profile::LINUX_6_6, &n0), Domain::UpTo((1 << 53) - 1)); // 104 days
/// ```
pub fn stale_v0_domain(profile: &Profile, lw: &LoadWeight) -> Domain {
    if profile.is_exact() {
        return Domain::All;
    }
    let w = avg_weight(profile, lw.weight()) as i128;
    search_max(|t| {
        let (key, wrapped) = overflowing_calc_delta_fair(profile, t, lw);
        !wrapped && key as i128 * w <= i64::MAX as i128
    })
}

/// The largest `load = max(scale_load_down(grq.load.weight), grq.avg.load_avg)`
/// for which `calc_group_shares`' product `tg.shares · load` fits its `long`
/// ([`overflowing_calc_group_shares`]), for a given `tg.shares`.
///
/// Derivation: all locals are `long`; the product is the one that grows:
/// load ≤ ⌊(2⁶³ − 1)/tg_shares⌋ (and load itself ≤ 2⁶³ − 1). The other
/// operands have their own obvious range: `tg_shares` and `tg.load_avg` below
/// 2⁶³ ([`Domain::Empty`] for a `tg_shares` that is negative as a `long`) and
/// `tg.load_avg − contrib + load` inside an s64. EXACT evaluates the formula
/// exactly and never fails: [`Domain::All`].
///
/// ```
/// use eevdf::bounds::{group_shares_domain, Domain};
/// use eevdf::Profile;
/// // tg.shares at its maximum, scale_load(MAX_SHARES) = 2^28: load ≤ 2^35 − 1,
/// // some 33 million nice-0 tasks' worth of load_avg.
/// assert_eq!(group_shares_domain(&Profile::LINUX_7_1, 1 << 28), Domain::UpTo((1 << 35) - 1));
/// assert_eq!(group_shares_domain(&Profile::EXACT, 1 << 28), Domain::All);
/// ```
///
/// [`overflowing_calc_group_shares`]: crate::group::overflowing_calc_group_shares
pub const fn group_shares_domain(profile: &Profile, tg_shares: u64) -> Domain {
    if profile.is_exact() {
        return Domain::All;
    }
    let t = tg_shares as i64;
    if t < 0 {
        Domain::Empty
    } else if t == 0 {
        Domain::UpTo(i64::MAX as u64)
    } else {
        Domain::UpTo((i64::MAX / t) as u64)
    }
}

/// The largest scaled-down weight — of one entity, or summed over a run
/// queue's entities — whose PELT load sums cannot wrap their u64
/// ([`pelt`](crate::pelt); the "[Overflow issue]" comment of `struct sched_avg`,
/// `include/linux/sched.h`).
///
/// An entity's `load_sum` stays below `LOAD_AVG_MAX` (at most 47,741,
/// `docs/derivations.md` §9), its `load_avg` is `se_weight · load_sum / divider` and a run queue's
/// `load_sum` is `Σ se_weight · load_sum`: all fit while the weight (or Σ
/// weights) is ≤ ⌊(2⁶⁴ − 1)/47,741⌋ ≈ 3.9·10¹⁴ — the kernel's comment counts
/// that as 4,353,082,796 always-runnable nice −20 entities on one queue. The
/// same in every profile (PELT has no EXACT variant).
///
/// ```
/// use eevdf::bounds::{pelt_load_domain, Domain};
/// assert_eq!(pelt_load_domain(), Domain::UpTo(386_392_075_442_691));
/// assert!(pelt_load_domain().contains(88_761 * 4_353_082_796));
/// ```
pub const fn pelt_load_domain() -> Domain {
    Domain::UpTo(u64::MAX / (LOAD_AVG_MAX as u64 - 1))
}

/// The exact 64-bit operands `avg_vruntime`/`vruntime_eligible` form from the
/// sums and curr: (S, W, curr's key·w, curr's weight), all in averaging units.
fn operands(acc: &AvgVruntime, curr: Curr) -> Result<(i128, i128, i128, i128), Error> {
    let s = acc.sum_w_vruntime_wide();
    let w = acc.sum_weight_wide() as i128;
    let (cs, cw) = match curr {
        None => (0, 0),
        Some((v, weight)) => {
            let cw = check_weight(&acc.profile(), weight)? as i128;
            (acc.key(v) as i128 * cw, cw)
        }
    };
    Ok((s, w, cs, cw))
}

/// The minimum headroom over the 64-bit quantities `avg_vruntime` forms (its
/// S, W, curr's key·w, S + curr term, the load, the floor adjustment
/// S − (load − 1), and — ≤ v7.0 — the s32 divisor), as it would for `curr`.
///
/// * ≥ 1: [`AvgVruntime::overflowing_avg_vruntime`] reports no wrap unless
///   the accumulator is already wrapped by an earlier update that overflowed
///   and came back in range ([`AvgVruntime::overflowed`], sticky), and every
///   quantity can still double;
/// * ≤ −1: it reports a wrap;
/// * 0: at the edge (one of them is within a factor 2 of overflowing).
///
/// `i32::MIN` when the accumulator's own 128-bit tracking was lost. Under
/// EXACT the result is the headroom LINUX_7_1 would have with the same sums.
/// Errors: as [`AvgVruntime::overflowing_avg_vruntime`] for curr's weight.
///
/// ```
/// use eevdf::bounds::avg_headroom_bits;
/// use eevdf::{avg::AvgVruntime, Profile, Vtime};
/// // Zicheng Qu's dump (Huawei, LKML 2025-11-03, a 6.6-based kernel, v6.6 units):
/// // S = −9,137,321,448,325,056,783
/// // is 2^56.3 above S64_MIN: not wrapped, but 0 bits of headroom.
/// let acc = AvgVruntime::from_raw_parts(Profile::LINUX_6_6, Vtime(4_596_406_356_396_515),
///     -9_137_321_448_325_056_783, 88_933, false)?;
/// assert!(!acc.is_wrapped());
/// assert_eq!(avg_headroom_bits(&acc, None)?, 0);
/// # Ok::<(), eevdf::Error>(())
/// ```
pub fn avg_headroom_bits(acc: &AvgVruntime, curr: Curr) -> Result<i32, Error> {
    let h = acc.headroom_bits();
    if h == i32::MIN {
        return Ok(h);
    }
    let (s, w, cs, cw) = operands(acc, curr)?;
    let p = acc.profile();
    if !matches!(p.reference, Reference::MinVruntime) && w as u64 == 0 {
        // v7.x with W = 0: V is curr's vruntime, nothing is formed.
        return Ok(h);
    }
    // Saturating: a raw Linux state may hold sums near the i128 limits, and a
    // saturated value is as far out of the 64-bit range as the true one.
    let (avg, load) = (s.saturating_add(cs), w.saturating_add(cw));
    let mut h = min(h, min(headroom(cs, 64), headroom(avg, 64)));
    h = min(h, headroom(load, 64));
    if avg < 0 {
        h = min(h, headroom(avg.saturating_sub(load.saturating_sub(1)), 64));
    }
    if matches!(p.division, Division::S32Divisor) && !p.is_exact() {
        h = min(h, headroom(load, 32));
    }
    Ok(h)
}

/// The minimum headroom over the 64-bit quantities `vruntime_eligible(v)` forms
/// (S, W, curr's key·w, S + curr term, the load and — in profiles that multiply
/// in s64 — key(v)·load); the same reading as [`avg_headroom_bits`]: ≥ 1 means
/// no wrap is reported (unless [`AvgVruntime::overflowed`]), ≤ −1 means one is.
///
/// ```
/// use eevdf::bounds::eligibility_headroom_bits;
/// use eevdf::{avg::AvgVruntime, Profile, Vtime};
/// // Zicheng Qu's dump (Huawei, LKML 2025-11-03): curr's key·load = 9,204,623,872,495,814,378,
/// // 1.9·10^16 below S64_MAX: 0 bits of headroom in 6.6.
/// let v0 = Vtime(4_596_406_356_396_515);
/// let acc = AvgVruntime::from_raw_parts(Profile::LINUX_6_6, v0, -9_137_321_448_325_056_783, 88_933, false)?;
/// let curr = Some((Vtime(4_698_735_667_604_793), 1_042_467));
/// assert_eq!(eligibility_headroom_bits(&acc, curr.unwrap().0, curr)?, 0);
/// # Ok::<(), eevdf::Error>(())
/// ```
pub fn eligibility_headroom_bits(acc: &AvgVruntime, v: Vtime, curr: Curr) -> Result<i32, Error> {
    let h = acc.headroom_bits();
    if h == i32::MIN {
        return Ok(h);
    }
    let (s, w, cs, cw) = operands(acc, curr)?;
    let (avg, load) = (s.saturating_add(cs), w.saturating_add(cw));
    let mut h = min(h, min(headroom(cs, 64), headroom(avg, 64)));
    h = min(h, headroom(load, 64));
    let p = acc.profile();
    if matches!(p.eligibility, Eligibility::Wrapping) && !p.is_exact() {
        h = min(h, headroom((acc.key(v) as i128).saturating_mul(load), 64));
    }
    Ok(h)
}

const fn min(a: i32, b: i32) -> i32 {
    if a < b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weight::{overflowing_calc_delta, LoadWeight};

    /// Weights spanning the kernel's range plus group extremes and odd inverses.
    fn weights() -> [LoadWeight; 9] {
        [
            LoadWeight::new(2).unwrap(),
            LoadWeight::new(3).unwrap(),
            LoadWeight::from_nice(19).unwrap(),
            LoadWeight::from_nice(13).unwrap(),
            LoadWeight::from_nice(1).unwrap(),
            LoadWeight::from_nice(-20).unwrap(),
            LoadWeight::new(1 << 28).unwrap(),
            LoadWeight::new(1_048_577).unwrap(),
            LoadWeight::with_inv_weight(5000, u32::MAX).unwrap(),
        ]
    }

    #[test]
    fn closed_form_calc_delta_fair_domain_equals_a_search_over_the_real_function() {
        for p in Profile::PRESETS {
            for lw in weights() {
                let searched = search_max(|d| !overflowing_calc_delta_fair(&p, d, &lw).1);
                assert_eq!(calc_delta_fair_domain(&p, &lw), searched, "{p:?} {lw:?}");
            }
        }
    }

    #[test]
    fn closed_form_calc_delta_domain_equals_a_search_over_the_real_function() {
        for p in Profile::PRESETS {
            for lw in weights() {
                for weight in [0, 1, 2, 1024, NICE_0_LOAD, 88_761 << 10, 1 << 40, u64::MAX] {
                    let searched = search_max(|d| {
                        matches!(overflowing_calc_delta(&p, d, weight, &lw), Ok((_, false)))
                    });
                    assert_eq!(
                        calc_delta_domain(&p, weight, &lw),
                        searched,
                        "{p:?} {lw:?} {weight}"
                    );
                }
            }
        }
    }

    #[test]
    fn search_max_finds_the_edge_of_a_prefix() {
        assert_eq!(search_max(|x| x <= 12_345), Domain::UpTo(12_345));
        assert_eq!(search_max(|_| true), Domain::All);
        assert_eq!(search_max(|_| false), Domain::Empty);
        assert_eq!(search_max(|x| x < u64::MAX), Domain::UpTo(u64::MAX - 1));
    }

    #[test]
    fn domain_accessors() {
        assert_eq!(Domain::UpTo(7).first_wrap(), Some(8));
        assert_eq!(Domain::All.first_wrap(), None);
        assert_eq!(Domain::Empty.first_wrap(), Some(0));
        assert_eq!(Domain::UpTo(7).max(), Some(7));
        assert_eq!(Domain::Empty.max(), None);
        assert!(Domain::UpTo(7).contains_signed(-7));
        assert!(!Domain::UpTo(7).contains_signed(-8));
        assert!(Domain::All.contains_signed(i64::MIN));
        assert_eq!(Domain::signed(i64::MAX as u128), Domain::All);
        // Exact trunc(v·m/d): a factor just above 1 makes v = i64::MIN overflow
        // (the fuzz finding exact_place_lag_intermediate_overflow), a factor of
        // exactly 1 does not.
        let (l, w) = (u64::MAX as u128, 2u128);
        assert_eq!(Domain::ratio(l + w, l), Domain::UpTo(i64::MAX as u64));
        assert_eq!(Domain::ratio(l, l), Domain::All);
        assert_eq!(
            Domain::ratio(3, 2),
            Domain::UpTo((((2u128 << 63) - 1) / 3) as u64)
        );
        assert_eq!(
            Domain::unsigned(u64::MAX as u128 - 1),
            Domain::UpTo(u64::MAX - 1)
        );
    }

    #[test]
    fn headroom_counts_doublings() {
        for k in 0..63 {
            assert_eq!(headroom(1 << k, 64), 62 - k);
            assert_eq!(headroom(-(1 << k), 64), 63 - k);
        }
        assert_eq!(headroom(i32::MAX as i128, 32), 0);
        assert_eq!(headroom(1 << 31, 32), -1);
    }
}
