//! Profiles: which Linux release's arithmetic to reproduce, or exact arithmetic.
//!
//! A [`Profile`] is plain data: a small `Copy` struct of arithmetic knobs plus the
//! [`Release`] whose policy rules (pick, buddies, slice protection, delayed
//! dequeue, PELT details) apply. Every function whose result differs between
//! releases takes one. The presets are the releases the spec was checked
//! against (spec §0.1, §10):
//!
//! | preset | averaging weight | `__calc_delta` | division | eligibility | lag limit | reweight |
//! |---|---|---|---|---|---|---|
//! | [`Profile::LINUX_6_6`] | `scale_load_down(w)` | multiply-shift | `div_s64` | s64 wrapping | `max(2·slice, tick)` | scale deadline only |
//! | [`Profile::LINUX_6_18`] | `scale_load_down(w)` | multiply-shift | `div_s64` | s64 wrapping | `max(2·slice, tick)` | lag, then `place_entity` |
//! | [`Profile::LINUX_7_0`] | `scale_load_down(w)` | multiply-shift | `div_s64` | s64 wrapping | `max_slice + tick` | lag, then `place_entity` (+vprot) |
//! | [`Profile::LINUX_7_1`] | full `load.weight` | `(δ·w mod 2⁶⁴)/lw` | `div64_long` | 128-bit | `max_slice + tick` | V-relative rescale |
//! | [`Profile::EXACT`] | as 7.1 | as 7.1, 128-bit | as 7.1 | as 7.1 | as 7.1 | as 7.1 |
//!
//! # Overflow: the `overflowing_*` core
//!
//! Functions that can overflow follow the integer API of `std`: an
//! `overflowing_*` core returns the value together with a flag, and the plain
//! and `checked_*` forms are derived from it.
//!
//! * Under a `LINUX_*` profile the value is bit-for-bit what that release
//!   computes, wrapped overflows included, and the flag says that one of the
//!   integer operations the release performs overflowed its C type.
//! * Under [`Profile::EXACT`] the same formulas (the 7.1 ones, with the same
//!   rounding) are evaluated with wide intermediates; the flag then means that
//!   the exact result does not fit the output type, and the value is the exact
//!   result reduced modulo the type, like [`u64::overflowing_add`].
//!
//! [`Profile::settle`] turns such a pair into the profile's answer: the (possibly
//! wrapped) kernel value for a Linux profile, [`Error::Overflow`] for EXACT.

use crate::sums::{KernelSums, SumsRepr, WideSums};
use crate::Error;

/// A Linux release whose fair-class *policy* rules a profile follows.
///
/// The arithmetic knobs of [`Profile`] carry the differences that change numbers
/// inside one formula; the release selects the rules that change which formula
/// runs (the pick, buddies, slice protection, delayed dequeue, yield, PELT and
/// util_est variants, the `update_tg_load_avg` rate limit). Releases compare in
/// time order.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Release {
    /// v6.6.0, the first EEVDF release.
    Linux6_6 = 0,
    /// v6.18.2.
    Linux6_18 = 1,
    /// v7.0.0.
    Linux7_0 = 2,
    /// v7.1.5.
    Linux7_1 = 3,
}

/// The weight each entity contributes to the sums S and W, and to the lag
/// inflation in `place_entity` (spec §2.1).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AvgWeight {
    /// `scale_load_down(load.weight)`: 1024 for nice 0 (v6.6 … v7.0).
    ScaledDown = 0,
    /// The full `load.weight`: 1,048,576 for nice 0 (v7.1).
    Full = 1,
}

/// The flavour of `__calc_delta` (spec §1.4).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CalcDelta {
    /// Multiply by the cached 32-bit inverse weight and shift (≤ v7.0).
    MulShift = 0,
    /// `(delta · weight mod 2^64) / lw.weight`: a u64 product then a u64 division (v7.1).
    Quotient = 1,
}

/// The signed division used for V and for the placement lag.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Division {
    /// `div_s64`: the divisor is converted to s32 first (≤ v7.0).
    S32Divisor = 0,
    /// `div64_long`: a full 64-bit divisor (v7.1).
    Long = 1,
}

/// How eligibility compares `avg ≥ key × load` (spec §2.7).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Eligibility {
    /// `key × load` as a wrapping s64 product (≤ v7.0).
    Wrapping = 0,
    /// `key × load` compared exactly in 128 bits (v7.1 on 64-bit with int128);
    /// `avg` itself is still the wrapping s64 sum.
    Wide = 1,
}

/// The lag clamp of `update_entity_lag` / `entity_lag` (spec §3.3).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LagLimit {
    /// `calc_delta_fair(max(2·se.slice, TICK_NSEC), se)` (≤ v6.19).
    TwiceSlice = 0,
    /// `calc_delta_fair(cfs_rq_max_slice + TICK_NSEC, se)` (≥ v7.0).
    MaxSlicePlusTick = 1,
}

/// The reference point v0 of the sums and the rule that moves it (spec §2.4).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// `min_vruntime`, moved forward only by `update_min_vruntime` (≤ v6.18).
    MinVruntime = 0,
    /// `zero_vruntime`, moved to V whenever `avg_vruntime()` runs (v7.0).
    ZeroVruntime = 1,
    /// As [`Reference::ZeroVruntime`], and `place_entity` also re-centres v0 on an
    /// entity heavier than the whole queue (v7.1).
    ZeroVruntimeHeavy = 2,
}

/// The four generations of `reweight_entity` for a queued entity (spec §3.6),
/// in time order.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reweight {
    /// (a) v6.6.0: scale the relative deadline; vruntime unchanged.
    ScaleDeadline = 0,
    /// (b) `reweight_eevdf` (v6.6.57 stable, upstream ~v6.7 … v6.11): V-invariant.
    Eevdf = 1,
    /// (c) v6.12 … v7.0: take the lag, scale lag and relative deadline, then
    /// `place_entity` (with lag inflation).
    LagPlace = 2,
    /// (d) v7.1: V-relative rescale (`rescale_entity`), no inflation.
    Rescale = 3,
}

/// Which subtree slice aggregates the run queue's tree reports (known-bugs §8).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SliceAggregates {
    /// As the kernel keeps them: rotations and erase copy only the declared
    /// `min_vruntime` field, and 7.x does not initialise a new leaf's
    /// `max_slice`, so `min_slice`/`max_slice` can be stale.
    Kernel = 0,
    /// Always the true minimum and maximum slice of the queued entities.
    /// A no-op under [`Release::Linux6_6`], which keeps no slice aggregates.
    Exact = 1,
}

/// Whether the formulas wrap like the kernel or are evaluated exactly.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arithmetic {
    /// The kernel's C types: results wrap, and a flag reports it.
    Kernel = 0,
    /// Wide (128-bit) intermediates: never wraps; a result that does not fit
    /// is reported as [`Error::Overflow`].
    Exact = 1,
}

/// The arithmetic of one Linux release, or exact arithmetic.
///
/// Build one from a preset and adjust single knobs with struct update syntax to
/// ask "what if": `Profile { lag_limit: LagLimit::TwiceSlice, ..Profile::LINUX_7_1 }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Policy rules (pick, buddies, protection, delayed dequeue, PELT variants).
    pub release: Release,
    /// Weight units in S, W and the placement lag.
    pub avg_weight: AvgWeight,
    /// `__calc_delta` flavour.
    pub calc_delta: CalcDelta,
    /// Division for V and the placement lag.
    pub division: Division,
    /// Eligibility product.
    pub eligibility: Eligibility,
    /// Lag clamp rule.
    pub lag_limit: LagLimit,
    /// Reference point rule.
    pub reference: Reference,
    /// Reweight generation.
    pub reweight: Reweight,
    /// Run-queue tree slice aggregates.
    pub slice_aggregates: SliceAggregates,
    /// Kernel (wrapping) or exact arithmetic.
    pub arithmetic: Arithmetic,
}

impl Profile {
    /// Whether `se.vlag` and `se.vprot` share one field (a union in the
    /// kernel's `sched_entity`): v6.18, where `vlag` is meaningful while the
    /// entity is off the queue and `vprot` while it is curr, so writing one
    /// overwrites the other. v6.6 has no `vprot`; 7.x keeps them apart.
    pub const fn vlag_shares_vprot(&self) -> bool {
        matches!(self.release, Release::Linux6_18)
    }

    /// Linux v6.6.0.
    pub const LINUX_6_6: Profile = Profile {
        release: Release::Linux6_6,
        avg_weight: AvgWeight::ScaledDown,
        calc_delta: CalcDelta::MulShift,
        division: Division::S32Divisor,
        eligibility: Eligibility::Wrapping,
        lag_limit: LagLimit::TwiceSlice,
        reference: Reference::MinVruntime,
        reweight: Reweight::ScaleDeadline,
        slice_aggregates: SliceAggregates::Kernel,
        arithmetic: Arithmetic::Kernel,
    };

    /// Linux v6.6.57 (stable): v6.6.0 with `reweight_eevdf` (spec §3.6 b).
    /// Not part of the C ABI's profile ids.
    pub const LINUX_6_6_57: Profile = Profile {
        reweight: Reweight::Eevdf,
        ..Profile::LINUX_6_6
    };

    /// Linux v6.18.2.
    pub const LINUX_6_18: Profile = Profile {
        release: Release::Linux6_18,
        reweight: Reweight::LagPlace,
        ..Profile::LINUX_6_6
    };

    /// Linux v7.0.0.
    pub const LINUX_7_0: Profile = Profile {
        release: Release::Linux7_0,
        lag_limit: LagLimit::MaxSlicePlusTick,
        reference: Reference::ZeroVruntime,
        ..Profile::LINUX_6_18
    };

    /// Linux v7.1.5.
    pub const LINUX_7_1: Profile = Profile {
        release: Release::Linux7_1,
        avg_weight: AvgWeight::Full,
        calc_delta: CalcDelta::Quotient,
        division: Division::Long,
        eligibility: Eligibility::Wide,
        lag_limit: LagLimit::MaxSlicePlusTick,
        reference: Reference::ZeroVruntimeHeavy,
        reweight: Reweight::Rescale,
        slice_aggregates: SliceAggregates::Kernel,
        arithmetic: Arithmetic::Kernel,
    };

    /// The 7.1 formulas and rounding (floor for V, truncation for the placement
    /// lag and shares) with no intermediate overflow. Never reports a wrap; a
    /// result that does not fit its type is [`Error::Overflow`].
    pub const EXACT: Profile = Profile {
        arithmetic: Arithmetic::Exact,
        ..Profile::LINUX_7_1
    };

    /// The presets that have a C ABI id, in id order.
    pub const PRESETS: [Profile; 5] = [
        Profile::LINUX_6_6,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
        Profile::EXACT,
    ];

    /// The preset with C ABI id `id` (`EEVDF_PROFILE_*`: 0 = 6.6, 1 = 6.18,
    /// 2 = 7.0, 3 = 7.1, 4 = EXACT).
    ///
    /// ```
    /// use eevdf::Profile;
    /// assert_eq!(Profile::from_id(3), Some(Profile::LINUX_7_1));
    /// assert_eq!(Profile::from_id(5), None);
    /// ```
    pub const fn from_id(id: u32) -> Option<Profile> {
        if (id as usize) < Profile::PRESETS.len() {
            Some(Profile::PRESETS[id as usize])
        } else {
            None
        }
    }

    /// The C ABI id of this profile, if it is one of [`Profile::PRESETS`].
    pub fn id(&self) -> Option<u32> {
        Profile::PRESETS
            .iter()
            .position(|p| p == self)
            .map(|i| i as u32)
    }

    /// A short name: `"linux-6.6"`, …, `"exact"`, or `"custom"`.
    pub fn name(&self) -> &'static str {
        match self.id() {
            Some(0) => "linux-6.6",
            Some(1) => "linux-6.18",
            Some(2) => "linux-7.0",
            Some(3) => "linux-7.1",
            Some(4) => "exact",
            _ if *self == Profile::LINUX_6_6_57 => "linux-6.6.57",
            _ => "custom",
        }
    }

    /// True for [`Arithmetic::Exact`].
    #[inline]
    pub const fn is_exact(&self) -> bool {
        matches!(self.arithmetic, Arithmetic::Exact)
    }

    /// The profile's answer from an `overflowing_*` pair: the value (wrapped or
    /// not) under kernel arithmetic, [`Error::Overflow`] under exact arithmetic
    /// when the flag is set.
    #[inline]
    pub fn settle<T>(&self, (value, overflowed): (T, bool)) -> Result<T, Error> {
        if overflowed && self.is_exact() {
            Err(Error::Overflow)
        } else {
            Ok(value)
        }
    }

    /// The normalized base slice of the release, before the CPU-count factor:
    /// 750,000 ns in v6.6, 700,000 ns later (spec §3.1).
    pub const fn normalized_base_slice(&self) -> u64 {
        match self.release {
            Release::Linux6_6 => 750_000,
            _ => 700_000,
        }
    }

    /// `sysctl_sched_base_slice` for `online_cpus` CPUs under the default
    /// logarithmic tunable scaling: normalized × (1 + ⌊log2(min(cpus, 8))⌋).
    ///
    /// ```
    /// use eevdf::Profile;
    /// assert_eq!(Profile::LINUX_7_1.base_slice(1), 700_000);
    /// assert_eq!(Profile::LINUX_7_1.base_slice(4), 2_100_000);
    /// assert_eq!(Profile::LINUX_6_6.base_slice(64), 3_000_000);
    /// ```
    pub const fn base_slice(&self, online_cpus: u32) -> u64 {
        let cpus = if online_cpus == 0 {
            1
        } else if online_cpus > 8 {
            8
        } else {
            online_cpus
        };
        let factor = 1 + (31 - cpus.leading_zeros()) as u64;
        self.normalized_base_slice() * factor
    }
}

/// The rules of one release as a type: a state object generic over it
/// (`AvgVruntime<R>`, `RunQueue<R, N>`, `FairRq<R, G, N>`) carries its
/// release in its type, so two releases cannot be mixed by mistake — an
/// accumulator of one cannot be handed to an entity operation of another —
/// and, for the zero-sized releases ([`Linux6_6`], [`Linux6_18`],
/// [`Linux7_0`], [`Linux7_1`], [`Exact`], [`Linux6_6_57`]), every knob is a
/// compile-time constant: the release costs nothing at run time and the
/// formulas the release does not use are compiled out.
///
/// [`Profile`] itself is the run-time choice (the C ABI, the lab, "what if"
/// mixes of knobs): a state object over `Profile` consults the value.
///
/// ```
/// use eevdf::avg::AvgVruntime;
/// use eevdf::{Linux7_1, Profile, Rules};
/// let fixed = AvgVruntime::new(Linux7_1); // the release in the type
/// let chosen = AvgVruntime::new(Profile::LINUX_7_1); // the release in a value
/// assert_eq!(fixed.profile(), chosen.profile());
/// assert_eq!(core::mem::size_of_val(&Linux7_1), 0);
/// assert_eq!(Linux7_1.profile(), Profile::LINUX_7_1);
/// ```
///
/// A 6.6 run queue's accumulator is not a 7.1 one:
///
/// ```compile_fail
/// use eevdf::avg::AvgVruntime;
/// use eevdf::entity::{place_entity, PlaceFlags, RqCtx, SchedEntity, Tunables};
/// use eevdf::{Exact, Linux6_6, Profile};
/// let tun = Tunables::defaults(&Profile::LINUX_6_6, 1, 1000);
/// let mut acc: AvgVruntime<Linux6_6> = AvgVruntime::new(Linux6_6);
/// let mut se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
/// let ctx = RqCtx::new(None, 0, 0);
/// let exact: &mut AvgVruntime<Exact> = &mut acc; // mismatched types
/// place_entity(exact, &ctx, &mut se, PlaceFlags::default(), &tun).unwrap();
/// ```
pub trait Rules:
    Copy + core::fmt::Debug + PartialEq + Send + Sync + 'static + sealed::Sealed
{
    /// How an accumulator of this release holds S and W: the kernel's `s64`
    /// and `u64` ([`KernelSums`]) for a Linux release, 128 bits
    /// ([`WideSums`]) for [`Exact`] and for a run-time [`Profile`].
    type Sums: SumsRepr;
    /// The knobs of this release (a constant for the zero-sized releases).
    fn profile(self) -> Profile;
}

mod sealed {
    pub trait Sealed {}
}

impl sealed::Sealed for Profile {}

impl Rules for Profile {
    type Sums = WideSums;
    #[inline(always)]
    fn profile(self) -> Profile {
        self
    }
}

macro_rules! release_types {
    ($($(#[$doc:meta])* $name:ident => $preset:ident, $sums:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The knobs, as a constant.
            pub const PROFILE: Profile = Profile::$preset;
        }

        impl sealed::Sealed for $name {}

        impl Rules for $name {
            type Sums = $sums;
            #[inline(always)]
            fn profile(self) -> Profile {
                Profile::$preset
            }
        }
    )*};
}

release_types! {
    /// Linux v6.6.0 as a type ([`Profile::LINUX_6_6`]).
    Linux6_6 => LINUX_6_6, KernelSums;
    /// Linux v6.6.57 (stable, `reweight_eevdf`) as a type ([`Profile::LINUX_6_6_57`]).
    Linux6_6_57 => LINUX_6_6_57, KernelSums;
    /// Linux v6.18.2 as a type ([`Profile::LINUX_6_18`]).
    Linux6_18 => LINUX_6_18, KernelSums;
    /// Linux v7.0.0 as a type ([`Profile::LINUX_7_0`]).
    Linux7_0 => LINUX_7_0, KernelSums;
    /// Linux v7.1.5 as a type ([`Profile::LINUX_7_1`]).
    Linux7_1 => LINUX_7_1, KernelSums;
    /// Exact arithmetic (7.1's formulas, never wrapping) as a type ([`Profile::EXACT`]).
    Exact => EXACT, WideSums;
}

/// `TICK_NSEC` for a given `HZ`: `(10^9 + HZ/2) / HZ` (spec §0.2). `HZ = 0` gives 0.
///
/// ```
/// assert_eq!(eevdf::profile::tick_nsec(1000), 1_000_000);
/// assert_eq!(eevdf::profile::tick_nsec(300), 3_333_333);
/// ```
pub const fn tick_nsec(hz: u32) -> u64 {
    if hz == 0 {
        0
    } else {
        (1_000_000_000 + hz as u64 / 2) / hz as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_ids_round_trip_and_match_the_contract() {
        // c-abi-contract.md, "Profiles".
        let want = [
            (0, Profile::LINUX_6_6),
            (1, Profile::LINUX_6_18),
            (2, Profile::LINUX_7_0),
            (3, Profile::LINUX_7_1),
            (4, Profile::EXACT),
        ];
        for (id, p) in want {
            assert_eq!(Profile::from_id(id), Some(p));
            assert_eq!(p.id(), Some(id));
        }
        assert_eq!(Profile::from_id(5), None);
        assert_eq!(Profile::from_id(u32::MAX), None);
        assert_eq!(Profile::LINUX_6_6_57.id(), None);
        assert_eq!(Profile::LINUX_6_6_57.name(), "linux-6.6.57");
    }

    #[test]
    fn exact_is_7_1_with_wide_arithmetic() {
        assert_eq!(
            Profile {
                arithmetic: Arithmetic::Kernel,
                ..Profile::EXACT
            },
            Profile::LINUX_7_1
        );
        assert!(Profile::EXACT.is_exact());
        assert!(!Profile::LINUX_7_1.is_exact());
    }

    #[test]
    fn base_slice_follows_the_log_factor() {
        // spec §3.1: 0.70 ms for 1 CPU, 1.40 ms for 2–3, 2.10 ms for 4–7, 2.80 ms for ≥ 8.
        let p = Profile::LINUX_6_18;
        let got: [u64; 9] = core::array::from_fn(|i| p.base_slice(i as u32 + 1));
        assert_eq!(
            got,
            [
                700_000, 1_400_000, 1_400_000, 2_100_000, 2_100_000, 2_100_000, 2_100_000,
                2_800_000, 2_800_000
            ]
        );
        assert_eq!(p.base_slice(0), 700_000);
        assert_eq!(Profile::LINUX_6_6.base_slice(1), 750_000);
    }

    #[test]
    fn tick_nsec_rounds_to_nearest() {
        // spec §0.2.
        assert_eq!(tick_nsec(1000), 1_000_000);
        assert_eq!(tick_nsec(250), 4_000_000);
        assert_eq!(tick_nsec(300), 3_333_333);
        assert_eq!(tick_nsec(100), 10_000_000);
        assert_eq!(tick_nsec(0), 0);
    }

    #[test]
    fn settle_reports_overflow_only_for_exact() {
        assert_eq!(Profile::LINUX_7_1.settle((7u64, true)), Ok(7));
        assert_eq!(Profile::EXACT.settle((7u64, true)), Err(Error::Overflow));
        assert_eq!(Profile::EXACT.settle((7u64, false)), Ok(7));
    }
}
