//! Load weights, the nice tables, `scale_load(_down)` and `calc_delta(_fair)`.
//!
//! A task of nice `n` weighs `scale_load(sched_prio_to_weight[n + 20])`, about
//! 1.25× per nice step, with nice 0 at [`NICE_0_LOAD`] = 2²⁰ on 64-bit kernels.
//! Virtual time advances by wall time scaled by `NICE_0_LOAD / weight`:
//!
//! ```text
//! calc_delta_fair(δ, se) = δ                          if se.load.weight = NICE_0_LOAD
//!                        = __calc_delta(δ, NICE_0_LOAD, se.load)   otherwise
//! __calc_delta(δ, w, lw) ≈ δ · w / lw.weight
//! ```
//!
//! Two forms of `__calc_delta()` (`kernel/sched/fair.c`) exist: up to v7.0 a multiply by a
//! cached 32-bit inverse weight and a shift ([`CalcDelta::MulShift`]), which
//! is off by ±1 from the quotient for some weights; from v7.1 (64-bit) the plain
//! quotient `(δ·w mod 2⁶⁴) / lw.weight` ([`CalcDelta::Quotient`], db4551e2ba34
//! "sched/fair: Use full weight to __calc_delta()"). Both are worked in
//! `docs/derivations.md` §7.
//!
//! ```
//! use eevdf::{weight::{overflowing_calc_delta_fair, LoadWeight}, Profile};
//! let nice9 = LoadWeight::from_nice(9).unwrap();
//! // calc_delta_fair() in v6.6.0/v7.0.0 and v7.1.5: 4 ms at nice 9 is 29,897,809 ns
//! // of virtual time in 6.6 … 7.0 and ⌊4,000,000·1024/137⌋ = 29,897,810 ns in 7.1.
//! assert_eq!(overflowing_calc_delta_fair(&Profile::LINUX_6_6, 4_000_000, &nice9), (29_897_809, false));
//! assert_eq!(overflowing_calc_delta_fair(&Profile::LINUX_7_1, 4_000_000, &nice9), (29_897_810, false));
//! ```

use core::num::NonZeroU64;

use crate::div::Reciprocal;
use crate::profile::{CalcDelta, Profile};
use crate::Error;

/// `SCHED_FIXEDPOINT_SHIFT`: the extra load resolution of 64-bit kernels.
pub const SCHED_FIXEDPOINT_SHIFT: u32 = 10;
/// `NICE_0_LOAD_SHIFT` on 64-bit kernels.
pub const NICE_0_LOAD_SHIFT: u32 = 20;
/// `NICE_0_LOAD` = 2²⁰ = 1,048,576: the weight of a nice-0 task (64-bit units).
pub const NICE_0_LOAD: u64 = 1 << NICE_0_LOAD_SHIFT;
/// `WMULT_CONST` = 2³² − 1: the numerator of a lazily computed inverse weight.
pub const WMULT_CONST: u32 = 0xFFFF_FFFF;
/// `WMULT_SHIFT` = 32: the binary point of an inverse weight.
pub const WMULT_SHIFT: u32 = 32;
/// `WEIGHT_IDLEPRIO`: the unscaled weight of a SCHED_IDLE task.
pub const WEIGHT_IDLEPRIO: u32 = 3;
/// `WMULT_IDLEPRIO`: the inverse weight of a SCHED_IDLE task.
pub const WMULT_IDLEPRIO: u32 = 1_431_655_765;
/// The lowest nice value.
pub const MIN_NICE: i32 = -20;
/// The highest nice value.
pub const MAX_NICE: i32 = 19;

/// `sched_prio_to_weight[nice + 20]`: unscaled weights, identical in every
/// release read, v6.6.0 … v7.1.5 (`kernel/sched/core.c`).
pub const SCHED_PRIO_TO_WEIGHT: [u32; 40] = [
    /* -20 */ 88761, 71755, 56483, 46273, 36291, //
    /* -15 */ 29154, 23254, 18705, 14949, 11916, //
    /* -10 */ 9548, 7620, 6100, 4904, 3906, //
    /*  -5 */ 3121, 2501, 1991, 1586, 1277, //
    /*   0 */ 1024, 820, 655, 526, 423, //
    /*   5 */ 335, 272, 215, 172, 137, //
    /*  10 */ 110, 87, 70, 56, 45, //
    /*  15 */ 36, 29, 23, 18, 15, //
];

/// `sched_prio_to_wmult[nice + 20]`: the inverse weights, verbatim. They are
/// *not* a formula of the weights: most are round(2³²/w), four are ⌊2³²/w⌋, and
/// fourteen differ by one from the lazily computed ⌊(2³²−1)/w⌋
/// (`sched_prio_to_wmult[]`, `kernel/sched/core.c`, identical v6.6.0 … v7.1.5;
/// `docs/derivations.md` §7).
pub const SCHED_PRIO_TO_WMULT: [u32; 40] = [
    /* -20 */ 48388, 59856, 76040, 92818, 118348, //
    /* -15 */ 147320, 184698, 229616, 287308, 360437, //
    /* -10 */ 449829, 563644, 704093, 875809, 1099582, //
    /*  -5 */ 1376151, 1717300, 2157191, 2708050, 3363326, //
    /*   0 */ 4194304, 5237765, 6557202, 8165337, 10153587, //
    /*   5 */ 12820798, 15790321, 19976592, 24970740, 31350126, //
    /*  10 */ 39045157, 49367440, 61356676, 76695844, 95443717, //
    /*  15 */ 119304647, 148102320, 186737708, 238609294, 286331153, //
];

/// `scale_load(w) = w << 10` (64-bit), wrapping like the kernel's `unsigned long`.
///
/// ```
/// assert_eq!(eevdf::weight::scale_load(1024), eevdf::weight::NICE_0_LOAD);
/// ```
#[inline]
pub const fn scale_load(w: u64) -> u64 {
    w << SCHED_FIXEDPOINT_SHIFT
}

/// `scale_load_down(w)`: 0 for 0, otherwise `max(2, w >> 10)` (64-bit,
/// `kernel/sched/sched.h`, since 26cf52229efc).
/// The floor of 2 keeps tiny group weights from reading as 0.
///
/// ```
/// use eevdf::weight::scale_load_down as sld;
/// // scale_load_down(), v6.6.0 … v7.1.5 (26cf52229efc "sched: Avoid scale real
/// // weight down to zero").
/// assert_eq!([sld(0), sld(1), sld(1000), sld(2047), sld(1_048_576)], [0, 2, 2, 2, 1024]);
/// ```
#[inline]
pub const fn scale_load_down(w: u64) -> u64 {
    if w == 0 {
        0
    } else {
        let d = w >> SCHED_FIXEDPOINT_SHIFT;
        if d < 2 {
            2
        } else {
            d
        }
    }
}

/// `__update_inv_weight` without the cache: the inverse the kernel computes for
/// a weight whose cached inverse is stale (`__update_inv_weight()`, fair.c,
/// ≤ v7.0, and v7.1 on 32-bit): 1 when
/// `sld(w) ≥ 2³² − 1`, otherwise ⌊(2³² − 1) / sld(w)⌋.
#[inline]
pub const fn computed_inv_weight(weight: NonZeroU64) -> u32 {
    let w = scale_load_down(weight.get());
    if w >= WMULT_CONST as u64 {
        1
    } else {
        // w ≥ 2 because weight ≠ 0.
        (WMULT_CONST as u64 / w) as u32
    }
}

/// `struct load_weight`: a weight in 64-bit kernel units and its cached 32-bit
/// inverse (`0` = stale, computed when needed).
///
/// Tasks take both values from the nice tables ([`LoadWeight::from_nice`]);
/// group entities get a weight from `update_load_set` and a lazily computed
/// inverse ([`LoadWeight::new`]). The two differ by one for fourteen nice
/// levels, which is why the inverse is carried rather than recomputed.
/// A weight is never 0.
///
/// Every constructor also stores the exact [`Reciprocal`] of the weight, so
/// that 7.1's `calc_delta_fair` (⌊δ·2²⁰ mod 2⁶⁴ / weight⌋ on every
/// `update_curr`) multiplies instead of dividing and still returns the
/// kernel's bits ([`crate::div`]). The constructors stay `const fn`; the
/// nice levels' reciprocals are computed at compile time. Equality and hashing
/// look at the kernel's two fields only: the reciprocal is a function of the
/// weight.
#[derive(Clone, Copy, Debug)]
pub struct LoadWeight {
    weight: NonZeroU64,
    inv_weight: u32,
    /// The reciprocal of `weight`; `None` only for a weight read from C for a
    /// single call ([`LoadWeight::unprepared`]), where preparing it would cost
    /// more than the one division it saves.
    reciprocal: Option<Reciprocal>,
    /// `__update_inv_weight`'s ⌊(2³²−1)/sld(weight)⌋ (never 0) when the cached
    /// inverse is stale and the weight is prepared, else 0: the division the
    /// kernel does once and caches, done here when the weight is set instead
    /// of on every ≤ 7.0 `calc_delta_fair` of an immutable `&LoadWeight`.
    stale_inv: u32,
}

impl PartialEq for LoadWeight {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        (self.weight, self.inv_weight) == (other.weight, other.inv_weight)
    }
}

impl Eq for LoadWeight {}

impl core::hash::Hash for LoadWeight {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (self.weight, self.inv_weight).hash(state);
    }
}

/// The reciprocals of the 40 nice-level weights (`scale_load` units),
/// computed at compile time so that [`LoadWeight::from_nice`] costs no division.
const NICE_RECIPROCALS: [Reciprocal; 40] = {
    let mut out = [Reciprocal::of(NonZeroU64::MIN); 40];
    let mut i = 0;
    while i < 40 {
        out[i] = Reciprocal::of(
            match NonZeroU64::new(scale_load(SCHED_PRIO_TO_WEIGHT[i] as u64)) {
                Some(w) => w,
                None => unreachable!(),
            },
        );
        i += 1;
    }
    out
};

/// The reciprocal of `scale_load(WEIGHT_IDLEPRIO)`, at compile time.
const IDLE_RECIPROCAL: Reciprocal =
    Reciprocal::of(match NonZeroU64::new(scale_load(WEIGHT_IDLEPRIO as u64)) {
        Some(w) => w,
        None => unreachable!(),
    });

impl LoadWeight {
    /// A nice-0 task: weight 1,048,576, inverse 4,194,304.
    pub const NICE_0: LoadWeight = LoadWeight {
        weight: match NonZeroU64::new(NICE_0_LOAD) {
            Some(w) => w,
            None => unreachable!(),
        },
        inv_weight: SCHED_PRIO_TO_WMULT[20],
        reciprocal: Some(NICE_RECIPROCALS[20]),
        stale_inv: 0,
    };

    /// A task of nice `nice` (`set_load_weight`):
    /// `{ scale_load(sched_prio_to_weight[nice + 20]), sched_prio_to_wmult[nice + 20] }`.
    ///
    /// ```
    /// use eevdf::weight::LoadWeight;
    /// let lw = LoadWeight::from_nice(19).unwrap();
    /// assert_eq!((lw.weight(), lw.inv_weight()), (15 << 10, 286_331_153));
    /// assert_eq!(LoadWeight::from_nice(20), Err(eevdf::Error::NiceOutOfRange));
    /// ```
    pub const fn from_nice(nice: i32) -> Result<LoadWeight, Error> {
        if nice < MIN_NICE || nice > MAX_NICE {
            return Err(Error::NiceOutOfRange);
        }
        let i = (nice - MIN_NICE) as usize;
        match NonZeroU64::new(scale_load(SCHED_PRIO_TO_WEIGHT[i] as u64)) {
            Some(weight) => Ok(LoadWeight {
                weight,
                inv_weight: SCHED_PRIO_TO_WMULT[i],
                reciprocal: Some(NICE_RECIPROCALS[i]),
                stale_inv: 0,
            }),
            None => Err(Error::ZeroWeight),
        }
    }

    /// A SCHED_IDLE task: `{ scale_load(WEIGHT_IDLEPRIO), WMULT_IDLEPRIO }` = {3072, 1431655765}.
    pub const fn idle() -> LoadWeight {
        LoadWeight {
            weight: match NonZeroU64::new(scale_load(WEIGHT_IDLEPRIO as u64)) {
                Some(w) => w,
                None => unreachable!(),
            },
            inv_weight: WMULT_IDLEPRIO,
            reciprocal: Some(IDLE_RECIPROCAL),
            stale_inv: 0,
        }
    }

    /// A weight set by `update_load_set` (group entities, run-queue loads): the
    /// inverse is stale and will be computed as ⌊(2³²−1)/sld(w)⌋ when needed.
    pub const fn new(weight: u64) -> Result<LoadWeight, Error> {
        LoadWeight::with_inv_weight(weight, 0)
    }

    /// A weight with an explicit cached inverse (`0` = stale), exactly as a
    /// kernel `struct load_weight` may hold it. Prepares the weight's
    /// reciprocal: one 128-by-64 division, here rather than in every
    /// `calc_delta_fair`.
    pub const fn with_inv_weight(weight: u64, inv_weight: u32) -> Result<LoadWeight, Error> {
        match LoadWeight::unprepared(weight, inv_weight) {
            Ok(lw) => Ok(lw.prepared()),
            Err(e) => Err(e),
        }
    }

    /// As [`with_inv_weight`](Self::with_inv_weight) without the reciprocal:
    /// for a weight used once (a C caller's `EevdfLoadWeight`), where the
    /// 7.1 quotient then divides as the kernel does. Same results.
    /// Public for the C ABI crate (`eevdf-capi`) only: not part of the API.
    #[doc(hidden)]
    pub const fn unprepared(weight: u64, inv_weight: u32) -> Result<LoadWeight, Error> {
        match NonZeroU64::new(weight) {
            Some(weight) => Ok(LoadWeight {
                weight,
                inv_weight,
                reciprocal: None,
                stale_inv: 0,
            }),
            None => Err(Error::ZeroWeight),
        }
    }

    /// This weight with its reciprocal prepared (a no-op when it is): for a
    /// weight read from C that is kept and used again (a run-queue entity).
    /// Public for the C ABI crate (`eevdf-capi`) only: not part of the API.
    #[doc(hidden)]
    #[inline]
    pub const fn prepared(self) -> LoadWeight {
        match self.reciprocal {
            Some(_) => self,
            None => LoadWeight {
                reciprocal: Some(Reciprocal::of(self.weight)),
                stale_inv: if self.inv_weight == 0 {
                    computed_inv_weight(self.weight)
                } else {
                    0
                },
                ..self
            },
        }
    }

    /// ⌊n / weight⌋, the `div64_u64(n, lw.weight)` of 7.1's `__calc_delta`:
    /// a multiply-high with the prepared reciprocal, a division otherwise.
    /// Equal to `n / self.weight()` for every `n`.
    #[inline]
    pub const fn weight_quotient(&self, n: u64) -> u64 {
        match &self.reciprocal {
            Some(r) => r.quotient(n),
            None => n / self.weight.get(),
        }
    }

    /// The weight in 64-bit kernel units (never 0).
    #[inline]
    pub const fn weight(&self) -> u64 {
        self.weight.get()
    }

    /// The weight as a `NonZeroU64`.
    #[inline]
    pub const fn weight_nonzero(&self) -> NonZeroU64 {
        self.weight
    }

    /// The cached inverse as stored (`0` = stale).
    #[inline]
    pub const fn inv_weight(&self) -> u32 {
        self.inv_weight
    }

    /// The inverse `__calc_delta` uses: the cached one, or the computed one
    /// when the cache is stale (`__update_inv_weight`).
    #[inline]
    pub const fn effective_inv_weight(&self) -> u32 {
        if self.inv_weight != 0 {
            self.inv_weight
        } else if self.stale_inv != 0 {
            self.stale_inv
        } else {
            computed_inv_weight(self.weight)
        }
    }

    /// `__update_inv_weight`: fill a stale cache. Results never depend on
    /// whether this was called; it only mirrors the kernel's state.
    pub fn update_inv_weight(&mut self) {
        self.inv_weight = self.effective_inv_weight();
        self.stale_inv = 0;
    }

    /// `scale_load_down(weight)`: the weight in the unscaled units of ≤ v7.0's
    /// sums and of PELT (`se_weight`).
    #[inline]
    pub const fn scaled_down(&self) -> u64 {
        scale_load_down(self.weight.get())
    }
}

/// The legacy `__calc_delta()` normalisation (fair.c, ≤ v7.0; `docs/derivations.md` §7): the 32-bit
/// factor and shift with `δ · w / lw ≈ δ · fact >> shift`. Returns `None` when
/// the shift would go negative (undefined in the kernel).
///
/// ```
/// use eevdf::weight::{mul_shift_factor, LoadWeight, NICE_0_LOAD};
/// // v6.6.0/v7.0.0 __calc_delta(NICE_0_LOAD, nice 5): fact 1024 · 12,820,798 =
/// // 13,128,497,152 ≥ 2^32, shifted by fls(3) = 2: (3282124288, 30).
/// let lw = LoadWeight::from_nice(5).unwrap();
/// assert_eq!(mul_shift_factor(NICE_0_LOAD, &lw), Some((3_282_124_288, 30)));
/// ```
#[inline]
pub const fn mul_shift_factor(weight: u64, lw: &LoadWeight) -> Option<(u32, u32)> {
    let mut fact = scale_load_down(weight);
    let mut shift: i32 = WMULT_SHIFT as i32;
    let hi = fact >> 32;
    if hi != 0 {
        let s = 64 - hi.leading_zeros() as i32; // fls(hi)
        shift -= s;
        fact >>= s;
    }
    fact = (fact as u32 as u64) * (lw.effective_inv_weight() as u64);
    let hi = fact >> 32;
    if hi != 0 {
        let s = 64 - hi.leading_zeros() as i32;
        shift -= s;
        fact >>= s;
    }
    if shift < 0 {
        None
    } else {
        Some((fact as u32, shift as u32))
    }
}

/// `__calc_delta(delta_exec, weight, lw)` ≈ `delta_exec · weight / lw.weight`,
/// the profile's way, with an overflow flag.
///
/// * [`CalcDelta::MulShift`]: ⌊δ·fact / 2^shift⌋ mod 2⁶⁴ from
///   [`mul_shift_factor`]; the flag says the quotient did not fit 64 bits.
///   A negative shift (possible only when `sld(weight)·inv_weight ≥ 2⁶⁴`) is
///   [`Error::Undefined`].
/// * [`CalcDelta::Quotient`]: `(δ·weight mod 2⁶⁴) / lw.weight`; the flag says the
///   product wrapped.
/// * [`Profile::EXACT`]: ⌊δ·weight / lw.weight⌋ in 128 bits; the flag says it does
///   not fit 64 bits (the value is then the quotient mod 2⁶⁴).
///
/// Domain: the largest δ without a wrap is
/// [`bounds::calc_delta_domain`](crate::bounds::calc_delta_domain).
pub fn overflowing_calc_delta(
    profile: &Profile,
    delta_exec: u64,
    weight: u64,
    lw: &LoadWeight,
) -> Result<(u64, bool), Error> {
    if profile.is_exact() {
        let q = (delta_exec as u128 * weight as u128) / lw.weight() as u128;
        return Ok((q as u64, q > u64::MAX as u128));
    }
    match profile.calc_delta {
        CalcDelta::MulShift => {
            let (fact, shift) = mul_shift_factor(weight, lw).ok_or(Error::Undefined)?;
            let q = (delta_exec as u128 * fact as u128) >> shift;
            Ok((q as u64, q > u64::MAX as u128))
        }
        CalcDelta::Quotient => {
            let (prod, wrapped) = delta_exec.overflowing_mul(weight);
            Ok((lw.weight_quotient(prod), wrapped))
        }
    }
}

/// `calc_delta_fair(delta, se)`: wall time to virtual time, `δ · NICE_0_LOAD / w`,
/// with an overflow flag (see [`overflowing_calc_delta`]).
///
/// A weight of exactly [`NICE_0_LOAD`] returns `delta` unchanged in every
/// profile. Never fails: with `weight = NICE_0_LOAD` the multiply-shift's shift
/// is at least 22.
///
/// Domain: multiply-shift wraps when the quotient exceeds 2⁶⁴ (δ ≥ 2⁶⁴·w/2²⁰,
/// only for weights below nice 0); 7.1 when δ·2²⁰ ≥ 2⁶⁴, i.e. δ ≥ 2⁴⁴ ns ≈ 4.9 h
/// for every weight but nice 0 (db4551e2ba34; `docs/derivations.md` §7); EXACT only for
/// weights below nice 0. The exact boundary per profile and weight is
/// [`bounds::calc_delta_fair_domain`](crate::bounds::calc_delta_fair_domain).
#[inline]
pub fn overflowing_calc_delta_fair(profile: &Profile, delta: u64, lw: &LoadWeight) -> (u64, bool) {
    if lw.weight() == NICE_0_LOAD {
        return (delta, false);
    }
    if profile.is_exact() {
        let q = ((delta as u128) << NICE_0_LOAD_SHIFT) / lw.weight() as u128;
        return (q as u64, q > u64::MAX as u128);
    }
    match profile.calc_delta {
        CalcDelta::MulShift => match mul_shift_factor(NICE_0_LOAD, lw) {
            // fact starts at sld(NICE_0_LOAD) = 1024 < 2^32, so only step 5
            // shifts, by at most 10: the shift is at least 22 and never negative.
            Some((fact, shift)) => {
                let q = (delta as u128 * fact as u128) >> shift;
                (q as u64, q > u64::MAX as u128)
            }
            None => (0, true),
        },
        CalcDelta::Quotient => {
            // div64_u64 of the wrapped u64 product: the dividend is a u64 (the
            // product wraps first, hence the flag), so the weight's reciprocal
            // gives the quotient bit for bit without a `div`.
            let (prod, wrapped) = delta.overflowing_mul(NICE_0_LOAD);
            (lw.weight_quotient(prod), wrapped)
        }
    }
}

/// `calc_delta_fair` as the profile computes it: the (possibly wrapped) kernel
/// value, or [`Error::Overflow`] under EXACT when the result exceeds `u64`.
#[inline]
pub fn calc_delta_fair(profile: &Profile, delta: u64, lw: &LoadWeight) -> Result<u64, Error> {
    profile.settle(overflowing_calc_delta_fair(profile, delta, lw))
}

/// `calc_delta_fair`, `None` if the profile's arithmetic overflowed.
#[inline]
pub fn checked_calc_delta_fair(profile: &Profile, delta: u64, lw: &LoadWeight) -> Option<u64> {
    match overflowing_calc_delta_fair(profile, delta, lw) {
        (v, false) => Some(v),
        (_, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Profile; 5] = Profile::PRESETS;

    #[test]
    fn tables_are_verbatim() {
        // sched_prio_to_weight[]/sched_prio_to_wmult[] (core.c, v6.6.0 … v7.1.5),
        // spot checks across the table plus the four ⌊2^32/w⌋ entries.
        assert_eq!(SCHED_PRIO_TO_WEIGHT[0], 88761);
        assert_eq!(SCHED_PRIO_TO_WEIGHT[20], 1024);
        assert_eq!(SCHED_PRIO_TO_WEIGHT[39], 15);
        assert_eq!(SCHED_PRIO_TO_WMULT[0], 48388);
        assert_eq!(SCHED_PRIO_TO_WMULT[20], 4194304);
        assert_eq!(SCHED_PRIO_TO_WMULT[39], 286331153);
        for (nice, wmult) in [
            (13, 76695844),
            (14, 95443717),
            (16, 148102320),
            (17, 186737708),
        ] {
            let i = (nice + 20) as usize;
            assert_eq!(SCHED_PRIO_TO_WMULT[i], wmult);
            assert_eq!(wmult as u64, (1u64 << 32) / SCHED_PRIO_TO_WEIGHT[i] as u64);
        }
        // Weights strictly decrease, inverses strictly increase.
        for i in 1..40 {
            assert!(SCHED_PRIO_TO_WEIGHT[i] < SCHED_PRIO_TO_WEIGHT[i - 1]);
            assert!(SCHED_PRIO_TO_WMULT[i] > SCHED_PRIO_TO_WMULT[i - 1]);
        }
        // Sums, so that any single-entry typo fails.
        assert_eq!(
            SCHED_PRIO_TO_WEIGHT.iter().map(|&w| w as u64).sum::<u64>(),
            445_163
        );
        assert_eq!(
            SCHED_PRIO_TO_WMULT.iter().map(|&w| w as u64).sum::<u64>(),
            1_456_830_532
        );
    }

    #[test]
    fn wmult_differs_from_computed_inverse_exactly_where_spec_says() {
        // The table inverse exceeds ⌊(2^32−1)/w⌋ (__update_inv_weight()) by one at nice −18,
        // −17, −8, −7, −4, −2, −1, 0, 1, 2, 4, 5, 6, 12.
        let plus_one = [-18, -17, -8, -7, -4, -2, -1, 0, 1, 2, 4, 5, 6, 12];
        for nice in -20..=19 {
            let lw = LoadWeight::from_nice(nice).unwrap();
            let computed = computed_inv_weight(lw.weight_nonzero());
            let diff = lw.inv_weight() as i64 - computed as i64;
            let want = if plus_one.contains(&nice) { 1 } else { 0 };
            assert_eq!(diff, want, "nice {nice}");
        }
    }

    #[test]
    fn from_nice_domain() {
        assert_eq!(LoadWeight::from_nice(-21), Err(Error::NiceOutOfRange));
        assert_eq!(LoadWeight::from_nice(20), Err(Error::NiceOutOfRange));
        assert_eq!(LoadWeight::from_nice(i32::MIN), Err(Error::NiceOutOfRange));
        let lw = LoadWeight::from_nice(-20).unwrap();
        assert_eq!((lw.weight(), lw.inv_weight()), (90_891_264, 48_388));
        assert_eq!(LoadWeight::from_nice(0).unwrap(), LoadWeight::NICE_0);
        let idle = LoadWeight::idle();
        assert_eq!((idle.weight(), idle.inv_weight()), (3072, 1_431_655_765));
        assert_eq!(LoadWeight::new(0), Err(Error::ZeroWeight));
    }

    #[test]
    fn update_inv_weight_rules() {
        // __update_inv_weight() (fair.c, ≤ v7.0): cached if non-zero, else
        // ⌊(2^32−1)/sld(w)⌋, 1 when sld(w) ≥ 2^32−1, 2^32−1 when sld(w) = 0.
        let mut g = LoadWeight::new(2048 * 1024).unwrap();
        assert_eq!(g.inv_weight(), 0);
        g.update_inv_weight();
        assert_eq!(g.inv_weight(), 0xFFFF_FFFF / 2048);
        // Tiny group weights read as sld = 2.
        assert_eq!(
            LoadWeight::new(2).unwrap().effective_inv_weight(),
            0x7FFF_FFFF
        );
        // sld(w) ≥ 2^32 − 1 gives 1.
        let huge = LoadWeight::new(0xFFFF_FFFFu64 << 10).unwrap();
        assert_eq!(huge.effective_inv_weight(), 1);
        let below = LoadWeight::new(0xFFFF_FFFEu64 << 10).unwrap();
        assert_eq!(below.effective_inv_weight(), 1);
        // A cached value is kept as is.
        let cached = LoadWeight::with_inv_weight(1024, 77).unwrap();
        assert_eq!(cached.effective_inv_weight(), 77);
    }

    /// One row: nice, legacy (fact, shift), and (δ, legacy, v7.1) triples.
    type Row = (i32, (u32, u32), [(u64, u64, u64); 3]);

    /// calc_delta_fair() golden values: legacy from v6.6.0 and v7.0.0 (64-bit
    /// multiply-shift), v7.1 from v7.1.5 (⌊δ·2^20 / w⌋); nice 0 is informational
    /// (the kernel returns δ unchanged).
    const SPEC_1_5: [Row; 12] = [
        (
            -20,
            (49549312, 32),
            [
                (700000, 8075, 8075),
                (1000000, 11536, 11536),
                (4000000, 46146, 46146),
            ],
        ),
        (
            -10,
            (460624896, 32),
            [
                (700000, 75073, 75073),
                (1000000, 107247, 107247),
                (4000000, 428990, 428990),
            ],
        ),
        (
            -1,
            (3444045824, 32),
            [
                (700000, 561315, 561315),
                (1000000, 801879, 801879),
                (4000000, 3207517, 3207517),
            ],
        ),
        (
            0,
            (2147483648, 31),
            [
                (700000, 700000, 700000),
                (1000000, 1000000, 1000000),
                (4000000, 4000000, 4000000),
            ],
        ),
        (
            1,
            (2681735680, 31),
            [
                (700000, 874146, 874146),
                (1000000, 1248780, 1248780),
                (4000000, 4995121, 4995121),
            ],
        ),
        (
            5,
            (3282124288, 30),
            [
                (700000, 2139701, 2139701),
                (1000000, 3056716, 3056716),
                (4000000, 12226865, 12226865),
            ],
        ),
        (
            9,
            (4012816128, 29),
            [
                (700000, 5232116, 5232116),
                (1000000, 7474452, 7474452),
                (4000000, 29897809, 29897810),
            ],
        ),
        (
            12,
            (3926827264, 28),
            [
                (700000, 10240000, 10240000),
                (1000000, 14628571, 14628571),
                (4000000, 58514286, 58514285),
            ],
        ),
        (
            13,
            (2454267008, 27),
            [
                (700000, 12799999, 12800000),
                (1000000, 18285714, 18285714),
                (4000000, 73142856, 73142857),
            ],
        ),
        (
            14,
            (3054198944, 27),
            [
                (700000, 15928888, 15928888),
                (1000000, 22755555, 22755555),
                (4000000, 91022221, 91022222),
            ],
        ),
        (
            16,
            (2369637120, 26),
            [
                (700000, 24717241, 24717241),
                (1000000, 35310344, 35310344),
                (4000000, 141241378, 141241379),
            ],
        ),
        (
            19,
            (2290649224, 25),
            [
                (700000, 47786666, 47786666),
                (1000000, 68266666, 68266666),
                (4000000, 273066666, 273066666),
            ],
        ),
    ];

    #[test]
    fn calc_delta_fair_matches_the_worked_values_for_both_forms() {
        for (nice, fs, rows) in SPEC_1_5 {
            let lw = LoadWeight::from_nice(nice).unwrap();
            assert_eq!(mul_shift_factor(NICE_0_LOAD, &lw), Some(fs), "nice {nice}");
            for (delta, legacy, v71) in rows {
                for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
                    assert_eq!(overflowing_calc_delta_fair(&p, delta, &lw), (legacy, false));
                    // The general __calc_delta agrees with the fair shortcut (nice 0 aside).
                    if nice != 0 {
                        assert_eq!(
                            overflowing_calc_delta(&p, delta, NICE_0_LOAD, &lw),
                            Ok((legacy, false))
                        );
                    }
                }
                for p in [Profile::LINUX_7_1, Profile::EXACT] {
                    assert_eq!(overflowing_calc_delta_fair(&p, delta, &lw), (v71, false));
                    assert_eq!(
                        overflowing_calc_delta(&p, delta, NICE_0_LOAD, &lw),
                        Ok((v71, false))
                    );
                }
            }
        }
    }

    #[test]
    fn reciprocal_error_table_known_bugs_6() {
        // The reciprocal error of the ≤ v7.0 __calc_delta() (v6.6.0/v7.0.0) against
        // the exact v7.1.5 quotient, docs/derivations.md §7 (weights ×1024 give the
        // same inverses): δ = 1 s at weight 1024 over lazily inverted group weights.
        let rows = [
            (2u64, 511_999_999_761u64, 512_000_000_000u64),
            (3, 341_333_333_253, 341_333_333_333),
            (15, 68_266_666_650, 68_266_666_666),
            (335, 3_056_716_203, 3_056_716_417),
            (88_761, 11_536_598, 11_536_598),
        ];
        for (w, legacy, exact) in rows {
            let lw = LoadWeight::new(w << 10).unwrap();
            assert_eq!(
                overflowing_calc_delta_fair(&Profile::LINUX_7_0, 1_000_000_000, &lw),
                (legacy, false)
            );
            assert_eq!(
                overflowing_calc_delta_fair(&Profile::LINUX_7_1, 1_000_000_000, &lw),
                (exact, false)
            );
        }
        // With the lazily computed inverse 4,194,303, nice 0's weight would not be exact;
        // the table inverse 4,194,304 is (and the shortcut bypasses it anyway).
        let lazy_nice0 = LoadWeight::new(NICE_0_LOAD).unwrap();
        assert_eq!(
            overflowing_calc_delta(&Profile::LINUX_6_6, 1_000_000_000, NICE_0_LOAD, &lazy_nice0),
            Ok((999_999_761, false))
        );
    }

    #[test]
    fn quotient_overflow_boundary_known_bugs_6() {
        // v7.1.5 __calc_delta() (db4551e2ba34): w = 2^19, δ = 2^44: δ·2^20 = 2^64
        // wraps to 0 before the division; the exact value is 2^45.
        let lw = LoadWeight::new(1 << 19).unwrap();
        let p = Profile::LINUX_7_1;
        assert_eq!(
            overflowing_calc_delta_fair(&p, (1 << 44) - 1, &lw),
            ((1 << 45) - 2, false)
        );
        assert_eq!(overflowing_calc_delta_fair(&p, 1 << 44, &lw), (0, true));
        assert_eq!(calc_delta_fair(&p, 1 << 44, &lw), Ok(0));
        assert_eq!(
            overflowing_calc_delta_fair(&Profile::EXACT, 1 << 44, &lw),
            (1 << 45, false)
        );
        assert_eq!(checked_calc_delta_fair(&p, 1 << 44, &lw), None);
        assert_eq!(
            checked_calc_delta_fair(&Profile::EXACT, 1 << 44, &lw),
            Some(1 << 45)
        );
    }

    #[test]
    fn small_group_weights_change_meaning_in_7_1() {
        // calc_delta_fair() v7.0.0 vs v7.1.5: shares = 2 advance vruntime ~512× wall time in
        // the legacy form (sld floor 2048) and 524,288× in 7.1.
        let lw = LoadWeight::new(2).unwrap();
        let (legacy, _) = overflowing_calc_delta_fair(&Profile::LINUX_7_0, 1_000_000, &lw);
        assert_eq!(legacy / 1_000_000, 511); // 511.99…× from the truncated inverse
        assert_eq!(
            overflowing_calc_delta_fair(&Profile::LINUX_7_1, 1_000_000, &lw),
            (524_288_000_000, false)
        );
        let lw = LoadWeight::new(1048).unwrap();
        let (legacy, _) = overflowing_calc_delta_fair(&Profile::LINUX_7_0, 1_000_000, &lw);
        assert_eq!(legacy / 1_000_000, 511);
        assert_eq!(
            overflowing_calc_delta_fair(&Profile::LINUX_7_1, 1_000_000, &lw).0 / 1_000_000,
            1000
        );
    }

    #[test]
    fn mul_shift_wraps_and_exact_reports() {
        // Weight 2 (sld 2048 → ×512): δ above 2^64/512 wraps the final result.
        let lw = LoadWeight::new(2).unwrap();
        let (v, wrapped) = overflowing_calc_delta_fair(&Profile::LINUX_6_6, u64::MAX, &lw);
        assert!(wrapped);
        let exact = ((u64::MAX as u128) * 0x7FFF_FFFF * 1024) >> 32;
        assert_eq!(v, exact as u64);
        assert!(overflowing_calc_delta_fair(&Profile::EXACT, u64::MAX, &lw).1);
        assert_eq!(
            calc_delta_fair(&Profile::EXACT, u64::MAX, &lw),
            Err(Error::Overflow)
        );
        // Heavier than nice 0: never wraps in any profile.
        let heavy = LoadWeight::from_nice(-20).unwrap();
        for p in ALL {
            assert!(
                !overflowing_calc_delta_fair(&p, u64::MAX, &heavy).1
                    || p.calc_delta == CalcDelta::Quotient && !p.is_exact()
            );
        }
    }

    #[test]
    fn fair_factor_shift_is_at_least_22_for_any_inverse() {
        // The __calc_delta() comment (≤ v7.0): with weight = NICE_0_LOAD the normalised shift stays
        // ≥ 22 whatever 32-bit inverse is cached, so calc_delta_fair is total.
        for inv in [1u32, 2, 1024, 4_194_304, 0x7FFF_FFFF, u32::MAX] {
            let lw = LoadWeight::with_inv_weight(3, inv).unwrap();
            let (fact, shift) = mul_shift_factor(NICE_0_LOAD, &lw).unwrap();
            assert!(shift >= 22, "inv {inv}: shift {shift}");
            assert_eq!(fact as u64, (1024 * inv as u64) >> (32 - shift));
        }
    }

    /// 7.1's `calc_delta_fair` the way the kernel writes it: the u64 product,
    /// its wrap, then `div64_u64` by the weight (the form before reciprocals).
    fn cdf_7_1_by_division(delta: u64, weight: u64) -> (u64, bool) {
        if weight == NICE_0_LOAD {
            return (delta, false);
        }
        let (prod, wrapped) = delta.overflowing_mul(NICE_0_LOAD);
        (prod / weight, wrapped)
    }

    /// Both ways a `LoadWeight` reaches the 7.1 quotient: with its reciprocal
    /// (every Rust constructor) and without (a C caller's weight).
    fn both_forms(weight: u64, inv: u32) -> [LoadWeight; 2] {
        let prepared = LoadWeight::with_inv_weight(weight, inv).unwrap();
        let plain = LoadWeight::unprepared(weight, inv).unwrap();
        assert!(prepared.reciprocal.is_some() && plain.reciprocal.is_none());
        assert_eq!(prepared, plain);
        [prepared, plain]
    }

    #[test]
    fn calc_delta_fair_7_1_reciprocal_equals_division_at_every_boundary() {
        // Weights: the 40 nice levels in both units, SCHED_IDLE, the group
        // floor, and every 2^k − 1, 2^k, 2^k + 1 (ℓ changes there), u64::MAX.
        let mut weights: std::vec::Vec<u64> = SCHED_PRIO_TO_WEIGHT
            .iter()
            .flat_map(|&w| [w as u64, scale_load(w as u64)])
            .chain([2, 3, 3072, 2047, 2048, u64::MAX, u64::MAX - 1])
            .collect();
        for k in 0..64 {
            let p = 1u64 << k;
            weights.extend([p - 1, p, p + 1]);
        }
        weights.retain(|&w| w != 0);
        for w in weights {
            // δ: both sides of the 2^44 wrap of δ·2^20, multiples of w / 2^20
            // (where the quotient steps) ± 1, and the extremes.
            let step = (w >> NICE_0_LOAD_SHIFT).max(1);
            let mut deltas = std::vec![0, 1, 2, (1 << 44) - 1, 1 << 44, (1 << 44) + 1, u64::MAX];
            for k in [1u64, 2, 700_000, 4_000_000, (1 << 44) / step] {
                let m = k.wrapping_mul(step);
                deltas.extend([m.wrapping_sub(1), m, m.wrapping_add(1)]);
            }
            for lw in both_forms(w, 0) {
                for &d in &deltas {
                    assert_eq!(
                        overflowing_calc_delta_fair(&Profile::LINUX_7_1, d, &lw),
                        cdf_7_1_by_division(d, w),
                        "δ {d} w {w}"
                    );
                    let (prod, wrapped) = d.overflowing_mul(w);
                    assert_eq!(
                        overflowing_calc_delta(&Profile::LINUX_7_1, d, w, &lw),
                        Ok((prod / w, wrapped)),
                        "δ {d} w {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn nice_reciprocals_are_the_weights_reciprocals() {
        for nice in MIN_NICE..=MAX_NICE {
            let lw = LoadWeight::from_nice(nice).unwrap();
            assert_eq!(lw.reciprocal, Some(Reciprocal::of(lw.weight_nonzero())));
        }
        let idle = LoadWeight::idle();
        assert_eq!(idle.reciprocal, Some(Reciprocal::of(idle.weight_nonzero())));
        let n0 = LoadWeight::NICE_0;
        assert_eq!(n0.reciprocal, Some(Reciprocal::of(n0.weight_nonzero())));
        // Preparing is idempotent and changes no kernel field.
        let g = LoadWeight::unprepared(12345, 0).unwrap().prepared();
        assert_eq!(g.prepared().reciprocal, g.reciprocal);
        assert_eq!((g.weight(), g.inv_weight()), (12345, 0));
        // A stale inverse is computed once, when the weight is prepared, and
        // is the one __update_inv_weight would compute.
        for w in [2u64, 3, 1048, 2048 << 10, 88_761 << 10, u64::MAX] {
            let [prepared, plain] = both_forms(w, 0);
            let want = computed_inv_weight(prepared.weight_nonzero());
            assert_eq!((prepared.stale_inv, plain.stale_inv), (want, 0));
            assert_eq!(prepared.effective_inv_weight(), want);
            assert_eq!(plain.effective_inv_weight(), want);
            let mut u = prepared;
            u.update_inv_weight();
            assert_eq!((u.inv_weight(), u.effective_inv_weight()), (want, want));
        }
        // The layout the run queue's node size counts on (64-bit targets).
        #[cfg(target_pointer_width = "64")]
        assert_eq!(core::mem::size_of::<LoadWeight>(), 32);
    }

    quickcheck::quickcheck! {
        fn calc_delta_fair_7_1_reciprocal_equals_division_with_the_same_wrap_flag(
            delta: u64,
            weight: u64,
            shift: u8,
            inv: u32
        ) -> bool {
            // Spread both over every bit length, the wrap at 2^44 included.
            let w = (weight >> (shift % 64)).max(1);
            let d = delta >> (shift.wrapping_mul(7) % 64);
            both_forms(w, inv).iter().all(|lw| {
                overflowing_calc_delta_fair(&Profile::LINUX_7_1, d, lw) == cdf_7_1_by_division(d, w)
                    && overflowing_calc_delta_fair(&Profile::LINUX_7_1, delta, lw)
                        == cdf_7_1_by_division(delta, w)
            })
        }
    }

    #[test]
    fn calc_delta_negative_shift_is_undefined() {
        // sld(weight) ≥ 2^32 makes step 3 shift, and a large inverse makes step 5
        // shift past 32 in total.
        let lw = LoadWeight::new(2).unwrap(); // inverse 0x7FFF_FFFF
        let weight = u64::MAX; // sld = 2^54 − 1: step 3 shifts by 22
        assert_eq!(mul_shift_factor(weight, &lw), None);
        assert_eq!(
            overflowing_calc_delta(&Profile::LINUX_6_6, 1, weight, &lw),
            Err(Error::Undefined)
        );
        // The quotient forms are defined there.
        assert!(overflowing_calc_delta(&Profile::LINUX_7_1, 1, weight, &lw).is_ok());
        assert!(overflowing_calc_delta(&Profile::EXACT, 1, weight, &lw).is_ok());
    }
}
