//! cgroup (task-group) shares: the per-CPU weight of a group entity, the cgroup
//! file conversions, and the `tg.load_avg` contribution rule (`calc_group_shares()`,
//! `update_cfs_group()`, `update_tg_load_avg()` in `kernel/sched/fair.c` and the
//! cgroup file handlers of `kernel/sched/core.c`, v6.6–v7.1).
//!
//! A task group with `tg.shares` is represented on each CPU by a group entity
//! whose weight is the group's share in proportion to this CPU's part of the
//! group's load (`calc_group_shares()`, identical v6.6.0 … v7.1.5):
//!
//! ```text
//! load      = max(scale_load_down(grq.load.weight), grq.avg.load_avg)
//! tg_weight = tg.load_avg − grq.tg_load_avg_contrib + load
//! shares    = clamp(tg.shares · load / tg_weight, 2, tg.shares)
//! ```
//!
//! `tg.load_avg` is the sum of every CPU's published contribution, kept
//! approximately current by [`update_tg_load_avg`] (and concurrently by
//! [`crate::sync::GroupLoad`]).
//!
//! ```
//! use eevdf::{group::calc_group_shares, Profile};
//! // v6.6.0 … v7.1.5 calc_group_shares() (docs/derivations.md §10): CPU0 has two
//! // freshly woken nice-0 tasks: load 2048, tg_weight 3072, ⌊2^20·2048/3072⌋.
//! let s = calc_group_shares(&Profile::LINUX_7_1, 1 << 20, 2048, 1024, 2 << 20, 1024);
//! assert_eq!(s, Ok(699_050));
//! ```

#[cfg(test)]
use crate::profile::Release;
use crate::profile::{CpuWeightRead, Profile, TgLoadAvg};
use crate::weight::{
    scale_load, scale_load_down, NICE_0_LOAD, SCHED_PRIO_TO_WEIGHT, WEIGHT_IDLEPRIO,
};
use crate::Error;

/// `MIN_SHARES` = 2 (unscaled): the least weight a group entity gets, and the
/// least `cpu.shares` a group may have.
pub const MIN_SHARES: u64 = 2;
/// `MAX_SHARES` = 2¹⁸ = 262,144 (unscaled).
pub const MAX_SHARES: u64 = 1 << 18;
/// `ROOT_TASK_GROUP_LOAD` = `NICE_0_LOAD`: the root group's weight.
pub const ROOT_TASK_GROUP_LOAD: u64 = NICE_0_LOAD;
/// The default `tg.shares`, `scale_load(1024)` = 2²⁰; also what `cpu.idle = 0`
/// resets a group to (not its previous value).
pub const DEFAULT_SHARES: u64 = NICE_0_LOAD;
/// The `tg.shares` of a SCHED_IDLE group (`cpu.idle = 1`): `scale_load(WEIGHT_IDLEPRIO)` = 3072.
/// While a group is idle, shares writes are rejected.
pub const IDLE_GROUP_SHARES: u64 = scale_load(WEIGHT_IDLEPRIO as u64);
/// The `cpu.weight` range of cgroup v2: `[1, 10000]`.
pub const CGROUP_WEIGHT_MIN: u64 = 1;
/// Upper end of the `cpu.weight` range.
pub const CGROUP_WEIGHT_MAX: u64 = 10_000;
/// The `cpu.weight` that corresponds to `DEFAULT_SHARES` (`CGROUP_WEIGHT_DFL`).
pub const CGROUP_WEIGHT_DFL: u64 = 100;

/// The kernel's `clamp(x, lo, hi)`: `hi` if `x ≥ hi`, else `lo` if `x ≤ lo`, else
/// `x` (`include/linux/minmax.h`). It differs from `min(max(x, lo), hi)` when `lo > hi`.
#[inline]
const fn kclamp(x: i64, lo: i64, hi: i64) -> i64 {
    if x >= hi {
        hi
    } else if x <= lo {
        lo
    } else {
        x
    }
}

/// `calc_group_shares(grq)` (fair.c, v6.6 … v7.1; `eevdf_calc_group_shares` in C)
/// with an overflow flag.
///
/// Inputs are the kernel's fields: `tg_shares` = `tg.shares` (scaled),
/// `tg_load_avg` = `tg.load_avg`, `tg_load_avg_contrib` = this CPU's last
/// published contribution, `grq_load_weight` = `grq.load.weight` (scaled),
/// `grq_load_avg` = `grq.avg.load_avg`.
///
/// **Linux profiles** (the formula is identical in every release): all locals are
/// `long`. `load` is the unsigned `max` converted to `long`; then
/// `tg_weight = tg_load_avg − contrib + load`, `shares = tg_shares · load`, each
/// wrapping in 64 bits; `shares = tdiv(shares, tg_weight)` unless
/// `tg_weight = 0`; result `clamp(shares, 2, tg_shares)` with the kernel's clamp,
/// returned as `unsigned long`. The flag is set when any of those `long` values
/// differs from its exact value: an input ≥ 2⁶³ read as `long`, or the
/// difference, sum or product leaving i64. `i64::MIN / −1`, which traps in C, is
/// [`Error::Undefined`].
///
/// **[`Profile::EXACT`]**: the same formula over the exact (unbounded) values with
/// the same truncating division. The kernel's clamp always lands in
/// `{2} ∪ [2, tg_shares]`, so the exact result always fits u64: EXACT never sets
/// the flag and never fails.
///
/// Domain: `tg_shares · load` must fit a `long`: load ≤ ⌊(2⁶³ − 1)/tg_shares⌋
/// ([`bounds::group_shares_domain`](crate::bounds::group_shares_domain)),
/// 2³⁵ − 1 at the largest `tg.shares`.
///
/// ```
/// use eevdf::{group::overflowing_calc_group_shares as s, Profile};
/// // shares of 15·1024 over 8 busy CPUs: each gets 15·1024·1024/8/1024 = 1920, not
/// // 2048 (the unscaled MIN_SHARES floor; calc_group_shares() comment, v6.6 … v7.1).
/// assert_eq!(s(&Profile::LINUX_6_6, 15 << 10, 8 * 1024, 1024, 1 << 20, 1024), Ok((1920, false)));
/// // tg.shares ≥ 2^63 is negative as a long: the kernel returns it (flagged).
/// assert_eq!(s(&Profile::LINUX_7_1, 1 << 63, 0, 0, 1 << 20, 0), Ok((1 << 63, true)));
/// assert_eq!(s(&Profile::EXACT, 1 << 63, 0, 0, 1 << 20, 0), Ok((1 << 63, false)));
/// ```
#[inline]
pub fn overflowing_calc_group_shares(
    profile: &Profile,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
) -> Result<(u64, bool), Error> {
    overflowing_calc_group_shares_with(
        profile,
        SharesLoad::MaxWeightLoadAvg,
        tg_shares,
        tg_load_avg,
        tg_load_avg_contrib,
        grq_load_weight,
        grq_load_avg,
    )
}

/// The local load `calc_group_shares` weighs a group run queue by: the line that
/// changed in Linux 4.15 (Josef Bacik, "CPU Scheduler imbalance with cgroups",
/// 2017-07-24, and Peter Zijlstra's cgroup/PELT series merged for v4.15;
/// `docs/derivations.md` §1.3).
#[repr(u32)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SharesLoad {
    /// `load = max(scale_load_down(grq.load.weight), grq.avg.load_avg)`: every
    /// release this crate models (4.15 onwards). A group run queue that has just
    /// woken tasks is credited at once with their full weight.
    #[default]
    MaxWeightLoadAvg = 0,
    /// `load = grq.avg.load_avg`: the rule before 4.15, as Josef Bacik's 2017
    /// report quotes it. Only this line is historical; the rest of the formula
    /// (`tg_weight`, the clamp) is the one of [`calc_group_shares`], so this is
    /// "today's formula with the old local load", not a model of a 4.14 kernel.
    /// A group whose tasks sleep and wake is weighed by its decayed history:
    /// right after a wakeup its entity is light.
    LoadAvg = 1,
    /// `load = scale_load_down(grq.load.weight)`: `calc_cfs_shares()` of
    /// v4.7 … v4.14 (ea1dc6fc6242 "sched/fair: Fix overly small weight for
    /// interactive group entities" until the 4.15 change): the queue's
    /// instantaneous weight, 0 when it is empty. The clamp is v4.14's too:
    /// `if (shares < MIN_SHARES) shares = MIN_SHARES; if (shares > tg->shares)
    /// shares = tg->shares;` with `MIN_SHARES` = `1UL << 1` and `tg->shares`
    /// unsigned, so both comparisons are unsigned: a negative quotient (a
    /// `tg_weight` below 0, possible only with inconsistent inputs) ends as
    /// `tg.shares`, not 2. The rest (`tg_weight`, the `long` product and
    /// division) is the formula of [`calc_group_shares`]. The call sites stay
    /// the profile's (`update_cfs_group`), not v4.14's `update_cfs_shares`.
    Weight = 2,
}

/// [`overflowing_calc_group_shares`] with the local load chosen by `rule`
/// ([`SharesLoad`]). With [`SharesLoad::MaxWeightLoadAvg`] it is that function.
///
/// ```
/// use eevdf::{group::{overflowing_calc_group_shares_with as s, SharesLoad}, Profile};
/// let p = Profile::LINUX_7_1;
/// // A group run queue that just woke two nice-0 tasks but whose average has
/// // decayed to 256, in a group whose other CPUs hold 1024:
/// assert_eq!(s(&p, SharesLoad::MaxWeightLoadAvg, 1 << 20, 1024 + 256, 256, 2 << 20, 256),
///            Ok((699_050, false)));              // 2^20 · 2048 / 3072
/// assert_eq!(s(&p, SharesLoad::LoadAvg, 1 << 20, 1024 + 256, 256, 2 << 20, 256),
///            Ok((209_715, false)));              // 2^20 · 256 / 1280
/// // v4.14 weighs it by its instantaneous weight alone: here as today's rule…
/// assert_eq!(s(&p, SharesLoad::Weight, 1 << 20, 1024 + 256, 256, 2 << 20, 256),
///            Ok((699_050, false)));
/// // …but a queue whose one task sleeps weighs 0 at once (MIN_SHARES), not its history.
/// assert_eq!(s(&p, SharesLoad::Weight, 1 << 20, 1024 + 256, 256, 0, 256), Ok((2, false)));
/// ```
#[inline]
pub fn overflowing_calc_group_shares_with(
    profile: &Profile,
    rule: SharesLoad,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
) -> Result<(u64, bool), Error> {
    let load = match rule {
        SharesLoad::MaxWeightLoadAvg => {
            let sld = scale_load_down(grq_load_weight);
            if sld > grq_load_avg {
                sld
            } else {
                grq_load_avg
            }
        }
        SharesLoad::LoadAvg => grq_load_avg,
        SharesLoad::Weight => scale_load_down(grq_load_weight),
    };
    let v4_14_clamp = rule == SharesLoad::Weight;
    if profile.is_exact() {
        return Ok((
            exact_group_shares(
                tg_shares,
                tg_load_avg,
                tg_load_avg_contrib,
                load,
                v4_14_clamp,
            ),
            false,
        ));
    }
    // Exact values of every long local, to tell when the 64-bit one differs.
    let fits = |x: i128| x >= i64::MIN as i128 && x <= i64::MAX as i128;
    let exact_tg_weight = tg_load_avg as i128 - tg_load_avg_contrib as i128 + load as i128;
    let mut wrapped = tg_shares > i64::MAX as u64
        || load > i64::MAX as u64
        || tg_load_avg > i64::MAX as u64
        || !fits(exact_tg_weight);
    let (t, l) = (tg_shares as i64, load as i64);
    let tg_weight = (tg_load_avg as i64)
        .wrapping_sub(tg_load_avg_contrib as i64)
        .wrapping_add(l);
    let (mut shares, mul_wrapped) = t.overflowing_mul(l);
    wrapped |= mul_wrapped;
    if tg_weight != 0 {
        shares = shares.checked_div(tg_weight).ok_or(Error::Undefined)?;
    }
    if v4_14_clamp {
        // v4.14: two unsigned comparisons, in this order.
        let mut s = shares as u64;
        if s < MIN_SHARES {
            s = MIN_SHARES;
        }
        if s > tg_shares {
            s = tg_shares;
        }
        return Ok((s, wrapped));
    }
    Ok((kclamp(shares, MIN_SHARES as i64, t) as u64, wrapped))
}

/// `calc_group_shares` with the local load chosen by `rule`, as the profile
/// computes it (see [`overflowing_calc_group_shares_with`]).
pub fn calc_group_shares_with(
    profile: &Profile,
    rule: SharesLoad,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
) -> Result<u64, Error> {
    overflowing_calc_group_shares_with(
        profile,
        rule,
        tg_shares,
        tg_load_avg,
        tg_load_avg_contrib,
        grq_load_weight,
        grq_load_avg,
    )
    .and_then(|pair| profile.settle(pair))
}

/// `struct task_group`, the machine-wide part a scheduler of several CPUs
/// shares: the group's position in the hierarchy, its `tg.shares` and the
/// `tg.load_avg` aggregate that [`update_tg_load_avg`] keeps (single-threaded;
/// [`crate::sync::GroupLoad`] is the concurrent form). Group 0 is the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskGroup {
    /// The parent group's index ([`TaskGroup::NO_PARENT`] for the root).
    pub parent: u32,
    /// `tg.shares` in scaled units ([`DEFAULT_SHARES`] = 2²⁰ by default).
    pub shares: u64,
    /// `tg.load_avg`: Σ of every CPU's published `tg_load_avg_contrib`
    /// (an `atomic_long_t`, kept here as its two's-complement bits).
    pub load_avg: u64,
}

impl TaskGroup {
    /// The parent index of the root group.
    pub const NO_PARENT: u32 = u32::MAX;

    /// The root task group (`root_task_group`): no parent, `ROOT_TASK_GROUP_LOAD`.
    pub const ROOT: TaskGroup = TaskGroup {
        parent: TaskGroup::NO_PARENT,
        shares: ROOT_TASK_GROUP_LOAD,
        load_avg: 0,
    };

    /// A child of `parent` with `shares` (scaled; clamp with [`set_shares_clamp`]).
    pub const fn new(parent: u32, shares: u64) -> TaskGroup {
        TaskGroup {
            parent,
            shares,
            load_avg: 0,
        }
    }

    /// Applies what [`update_tg_load_avg`] or [`clear_tg_load_avg`] published:
    /// `tg.load_avg += delta` (wrapping, as the kernel's atomic add).
    pub fn apply(&mut self, update: &TgLoadAvgUpdate) {
        self.load_avg = self.load_avg.wrapping_add(update.delta as u64);
    }
}

/// The EXACT evaluation of [`overflowing_calc_group_shares`]: the quotient as a
/// sign and a u128 magnitude, then the kernel's clamp against the exact bounds
/// (`v4_14`: v4.14's "raise to 2, then cap at tg.shares" over the exact value,
/// where a negative quotient is below 2).
fn exact_group_shares(
    tg_shares: u64,
    tg_load_avg: u64,
    contrib: u64,
    load: u64,
    v4_14: bool,
) -> u64 {
    let shares = tg_shares as u128 * load as u128; // < 2^128
    let tg_weight = tg_load_avg as i128 - contrib as i128 + load as i128; // |·| < 2^66
    let (neg, mag) = if tg_weight == 0 {
        (false, shares)
    } else {
        (tg_weight < 0, shares / tg_weight.unsigned_abs())
    };
    let neg = neg && mag != 0;
    let hi = tg_shares as u128;
    if v4_14 {
        let s = if neg || mag < MIN_SHARES as u128 {
            MIN_SHARES as u128
        } else {
            mag
        };
        return if s > hi { tg_shares } else { s as u64 };
    }
    if !neg && mag >= hi {
        tg_shares
    } else if neg || mag <= MIN_SHARES as u128 {
        MIN_SHARES
    } else {
        mag as u64 // < hi ≤ u64::MAX
    }
}

/// `calc_group_shares` as the profile computes it: the (possibly wrapped) kernel
/// value; [`Error::Undefined`] where the kernel would trap. Never
/// [`Error::Overflow`] (see [`overflowing_calc_group_shares`]).
pub fn calc_group_shares(
    profile: &Profile,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
) -> Result<u64, Error> {
    overflowing_calc_group_shares(
        profile,
        tg_shares,
        tg_load_avg,
        tg_load_avg_contrib,
        grq_load_weight,
        grq_load_avg,
    )
    .and_then(|pair| profile.settle(pair))
}

/// `calc_group_shares`, `None` if the profile's arithmetic overflowed or is undefined.
pub fn checked_calc_group_shares(
    profile: &Profile,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
) -> Option<u64> {
    match overflowing_calc_group_shares(
        profile,
        tg_shares,
        tg_load_avg,
        tg_load_avg_contrib,
        grq_load_weight,
        grq_load_avg,
    ) {
        Ok((v, false)) => Some(v),
        _ => None,
    }
}

/// The clamp of `__sched_group_set_shares` (fair.c, v6.6 … v7.1):
/// `tg.shares = clamp(shares, scale_load(MIN_SHARES), scale_load(MAX_SHARES))`
/// = `[2048, 268,435,456]`. (The root group cannot be changed; that check is the
/// caller's.)
///
/// ```
/// use eevdf::group::set_shares_clamp;
/// assert_eq!([set_shares_clamp(0), set_shares_clamp(u64::MAX)], [2048, 268_435_456]);
/// ```
pub const fn set_shares_clamp(shares: u64) -> u64 {
    let lo = scale_load(MIN_SHARES);
    let hi = scale_load(MAX_SHARES);
    if shares >= hi {
        hi
    } else if shares <= lo {
        lo
    } else {
        shares
    }
}

/// The `tg.shares` that a cgroup v1 write `cpu.shares = x` results in
/// (`cpu_shares_write_u64` then `__sched_group_set_shares`, v6.6 … v7.1):
/// `x > scale_load_down(ULONG_MAX)` is first replaced by `MAX_SHARES`, then
/// `set_shares_clamp(scale_load(x))`.
///
/// ```
/// use eevdf::group::cpu_shares_write;
/// assert_eq!(cpu_shares_write(1024), 1 << 20);
/// assert_eq!(cpu_shares_write(1), 2048);        // clamped to MIN_SHARES
/// assert_eq!(cpu_shares_write(1 << 60), 1 << 28); // huge: MAX_SHARES
/// ```
pub const fn cpu_shares_write(x: u64) -> u64 {
    // sld(ULONG_MAX) is a plain shift here: (2^64 − 1) >> 10 = 2^54 − 1.
    let x = if x > (u64::MAX >> 10) { MAX_SHARES } else { x };
    set_shares_clamp(scale_load(x))
}

/// The `tg.shares` that a cgroup v2 write `cpu.weight = c` results in (v6.6 …
/// v7.1; the cgroup v2 `cpu.weight` handler of `kernel/sched/core.c`): `scale_load(⌊(c·1024 +
/// 50) / 100⌋)` (DIV_ROUND_CLOSEST_ULL), through the set-shares clamp (never active for `c` in
/// range).
/// `c` outside `[1, 10000]` is [`Error::InvalidArgument`] (the kernel's `-ERANGE`).
///
/// ```
/// use eevdf::group::cpu_weight_write;
/// assert_eq!(cpu_weight_write(100), Ok(1 << 20));
/// assert_eq!(cpu_weight_write(1), Ok(10 << 10)); // (1024 + 50)/100 = 10
/// ```
pub const fn cpu_weight_write(c: u64) -> Result<u64, Error> {
    if c < CGROUP_WEIGHT_MIN || c > CGROUP_WEIGHT_MAX {
        return Err(Error::InvalidArgument);
    }
    Ok(set_shares_clamp(scale_load((c * 1024 + 50) / 100)))
}

/// Reading `cpu.weight` back (`kernel/sched/core.c`, v6.6 … v7.1): with
/// `weight = scale_load_down(tg.shares)`, `r = ⌊(weight·100 + 512) / 1024⌋`
/// (DIV_ROUND_CLOSEST_ULL); v6.18 and later return `clamp(r, 1, 10000)`, v6.6
/// returns `r` unclamped (the profile's [`CpuWeightRead`]; a
/// [`Release`](crate::Release) stands for its preset). Exact for every
/// `tg_shares` (weight·100 < 2⁶¹).
///
/// ```
/// use eevdf::{group::cpu_weight_read, Release};
/// assert_eq!(cpu_weight_read(Release::Linux7_1, 1 << 20), 100);
/// // MIN_SHARES·1024: weight 2 reads as ⌊(200 + 512)/1024⌋ = 0 in v6.6, 1 later.
/// assert_eq!(cpu_weight_read(Release::Linux6_6, 2048), 0);
/// assert_eq!(cpu_weight_read(Release::Linux6_18, 2048), 1);
/// ```
pub fn cpu_weight_read(profile: impl Into<Profile>, tg_shares: u64) -> u64 {
    let weight = scale_load_down(tg_shares); // ≤ 2^54
    let r = (weight * 100 + 512) / 1024;
    match profile.into().cpu_weight_read {
        CpuWeightRead::Unclamped => r,
        CpuWeightRead::Clamped => r.clamp(CGROUP_WEIGHT_MIN, CGROUP_WEIGHT_MAX),
    }
}

/// The `tg.shares` that a cgroup v2 write `cpu.weight.nice = n` results in
/// (v6.6 … v7.1, `kernel/sched/core.c`): `scale_load(sched_prio_to_weight[n + 20])`.
/// `n` outside `[−20, 19]` is [`Error::NiceOutOfRange`].
///
/// Reading `cpu.weight.nice` back is not provided (its rounding is not reproduced here).
///
/// ```
/// assert_eq!(eevdf::group::cpu_weight_nice_write(0), Ok(1 << 20));
/// assert_eq!(eevdf::group::cpu_weight_nice_write(19), Ok(15 << 10));
/// ```
pub const fn cpu_weight_nice_write(n: i32) -> Result<u64, Error> {
    if n < -20 || n > 19 {
        return Err(Error::NiceOutOfRange);
    }
    Ok(scale_load(SCHED_PRIO_TO_WEIGHT[(n + 20) as usize] as u64))
}

/// The inputs of the `update_tg_load_avg` rule for one group run queue on one CPU.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TgLoadAvgInput {
    /// `sched_clock_cpu(cpu)` in ns (used by the ≥ v6.18 rate limit only).
    pub now: u64,
    /// `grq.avg.load_avg`: this CPU's current load of the group.
    pub load_avg: u64,
    /// `grq.tg_load_avg_contrib`: the contribution last published.
    pub tg_load_avg_contrib: u64,
    /// `grq.last_update_tg_load_avg`: when it was published (≥ v6.18).
    pub last_update_tg_load_avg: u64,
    /// The group is the root task group (its `load_avg` is never used).
    pub is_root: bool,
    /// The CPU is active (≥ v6.18 skips inactive CPUs).
    pub cpu_active: bool,
}

/// What `update_tg_load_avg` publishes: add `delta` to `tg.load_avg` (one atomic
/// add), and store the new contribution and timestamp in the group run queue.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TgLoadAvgUpdate {
    /// The signed change to add to `tg.load_avg`.
    pub delta: i64,
    /// The new `tg_load_avg_contrib` (= the current `load_avg`).
    pub tg_load_avg_contrib: u64,
    /// The new `last_update_tg_load_avg` (`now` in ≥ v6.18; unchanged in v6.6,
    /// which has no such field).
    pub last_update_tg_load_avg: u64,
}

/// `NSEC_PER_MSEC`: the ≥ v6.18 rate limit of `update_tg_load_avg`.
pub const TG_LOAD_AVG_RATE_LIMIT_NS: u64 = 1_000_000;

/// `update_tg_load_avg(grq)` as a decision (fair.c, v6.6–v7.1; rate limit ≥ v6.18): `None` when
/// nothing is published, else the update. Steps 2 and 3 are the profile's
/// [`TgLoadAvg::RateLimited`]; a [`Release`](crate::Release) stands for its
/// preset.
///
/// 1. the root group never publishes;
/// 2. ≥ v6.18: an inactive CPU does not publish;
/// 3. ≥ v6.18: `now − last_update < 1 ms` (u64 wrapping difference) does not;
/// 4. `delta = load_avg − contrib` (as `long`, wrapping);
/// 5. publish iff `|delta| > contrib / 64` (integer division, strict; the
///    kernel compares `abs(delta)` as `unsigned long`, so `|i64::MIN|` = 2⁶³).
///
/// ```
/// use eevdf::{group::{update_tg_load_avg, TgLoadAvgInput}, Release};
/// let i = TgLoadAvgInput { now: 5_000_000, load_avg: 1040, tg_load_avg_contrib: 1024,
///                          last_update_tg_load_avg: 3_000_000, is_root: false, cpu_active: true };
/// // |16| > 1024/64 = 16 is false: no publish. 1041 would publish +17.
/// assert_eq!(update_tg_load_avg(Release::Linux7_1, &i), None);
/// let u = update_tg_load_avg(Release::Linux7_1, &TgLoadAvgInput { load_avg: 1041, ..i }).unwrap();
/// assert_eq!((u.delta, u.tg_load_avg_contrib, u.last_update_tg_load_avg), (17, 1041, 5_000_000));
/// ```
pub fn update_tg_load_avg(
    profile: impl Into<Profile>,
    input: &TgLoadAvgInput,
) -> Option<TgLoadAvgUpdate> {
    if input.is_root {
        return None;
    }
    let rate_limited = profile.into().tg_load_avg == TgLoadAvg::RateLimited;
    if rate_limited {
        if !input.cpu_active {
            return None;
        }
        if input.now.wrapping_sub(input.last_update_tg_load_avg) < TG_LOAD_AVG_RATE_LIMIT_NS {
            return None;
        }
    }
    let delta = (input.load_avg as i64).wrapping_sub(input.tg_load_avg_contrib as i64);
    if delta.unsigned_abs() > input.tg_load_avg_contrib / 64 {
        Some(TgLoadAvgUpdate {
            delta,
            tg_load_avg_contrib: input.load_avg,
            last_update_tg_load_avg: if rate_limited {
                input.now
            } else {
                input.last_update_tg_load_avg
            },
        })
    } else {
        None
    }
}

/// `clear_tg_load_avg(grq)` (fair.c, v6.6–v7.1), when the CPU goes offline:
/// subtract the whole contribution and zero it. Returns the update
/// (`delta = −contrib`, wrapping as a `long`; the timestamp is unchanged).
pub const fn clear_tg_load_avg(
    tg_load_avg_contrib: u64,
    last_update_tg_load_avg: u64,
) -> TgLoadAvgUpdate {
    TgLoadAvgUpdate {
        delta: (tg_load_avg_contrib as i64).wrapping_neg(),
        tg_load_avg_contrib: 0,
        last_update_tg_load_avg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINUX: [Profile; 4] = [
        Profile::LINUX_6_6,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
    ];

    #[test]
    fn v4_14_weight_rule_golden() {
        // calc_cfs_shares() of v4.14: load = scale_load_down(grq.load.weight).
        let s = |p: &Profile, tg_la, contrib, w, la| {
            overflowing_calc_group_shares_with(
                p,
                SharesLoad::Weight,
                1 << 20,
                tg_la,
                contrib,
                w,
                la,
            )
        };
        for p in LINUX
            .iter()
            .chain([Profile::LINUX_6_5, Profile::EXACT].iter())
        {
            // A queue whose average (3000) exceeds its weight (one nice-0 task):
            // 2^30 / (4000 − 3000 + 1024) = 530,504 (today's rule: 2^20·3000/4000).
            assert_eq!(s(p, 4000, 3000, 1 << 20, 3000), Ok((530_504, false)));
            assert_eq!(
                calc_group_shares(p, 1 << 20, 4000, 3000, 1 << 20, 3000),
                Ok(786_432)
            );
            // Empty queue: load 0, shares 0, raised to MIN_SHARES.
            assert_eq!(s(p, 4000, 3000, 0, 3000), Ok((2, false)));
            // The only queue of the group: its full shares.
            assert_eq!(s(p, 1024, 1024, 3 << 20, 1024), Ok((1 << 20, false)));
            // Two fresh tasks here, 1024 published elsewhere: 2^20·2048/3072.
            assert_eq!(s(p, 2048, 1024, 2 << 20, 1024), Ok((699_050, false)));
        }
        // A negative tg_weight (inconsistent inputs): the quotient
        // 2^30 / (0 − 5000 + 1024) = −270,061 compares unsigned in v4.14
        // (MIN_SHARES is 1UL << 1, tg->shares unsigned long) and ends as
        // tg.shares; today's signed clamp gives 2; EXACT's "below 2" gives 2.
        for p in LINUX {
            assert_eq!(s(&p, 0, 5000, 1 << 20, 0), Ok((1 << 20, false)));
            assert_eq!(calc_group_shares(&p, 1 << 20, 0, 5000, 1 << 20, 0), Ok(2));
        }
        assert_eq!(s(&Profile::EXACT, 0, 5000, 1 << 20, 0), Ok((2, false)));
        // tg.shares below MIN_SHARES (not reachable through the cgroup files):
        // raised to 2, then capped at tg.shares = 1; today's clamp gives 2.
        let tiny =
            |rule| overflowing_calc_group_shares_with(&Profile::LINUX_7_1, rule, 1, 0, 0, 0, 0);
        assert_eq!(tiny(SharesLoad::Weight), Ok((1, false)));
        assert_eq!(tiny(SharesLoad::MaxWeightLoadAvg), Ok((2, false)));
    }

    #[test]
    fn worked_example_known_bugs_4_idea_1() {
        // tg.shares 2^20 on two CPUs, tg.load_avg 2048, each contribution 1024.
        for p in Profile::PRESETS {
            // CPU0: two fresh nice-0 tasks: load = max(2048, 1024), tg_weight 3072.
            let cpu0 = calc_group_shares(&p, 1 << 20, 2048, 1024, 2 << 20, 1024);
            // CPU1: one steady task: load 1024, tg_weight 2048.
            let cpu1 = calc_group_shares(&p, 1 << 20, 2048, 1024, 1 << 20, 1024);
            assert_eq!((cpu0, cpu1), (Ok(699_050), Ok(524_288)), "{}", p.name());
            // The documented overestimate: 1,223,338 > tg.shares.
            assert_eq!(699_050 + 524_288, 1_223_338);
        }
    }

    #[test]
    fn michael_wang_case_known_bugs_4_idea_3() {
        // grq load.weight 1000 (sld → 2, not 0) and load_avg 0.
        for p in Profile::PRESETS {
            // Alone in the group: tg_weight = 0 − 0 + 2 = 2, shares = tg_shares.
            assert_eq!(calc_group_shares(&p, 1 << 20, 0, 0, 1000, 0), Ok(1 << 20));
            // Among a heavy rest: 102400·1024·2 / (10^6 + 2) = 209.7 → 209, ≥ 2.
            assert_eq!(
                calc_group_shares(&p, 102_400 << 10, 1_000_000, 0, 1000, 0),
                Ok(209)
            );
            // tg_weight = 0 (no load anywhere): no division, shares 0 → clamped to 2.
            assert_eq!(calc_group_shares(&p, 1 << 20, 0, 0, 0, 0), Ok(2));
            // tg_weight = 0 with load > 0 (contribution larger than tg.load_avg):
            // shares = tg_shares·load undivided, clamped to tg_shares.
            assert_eq!(calc_group_shares(&p, 1 << 20, 0, 5, 0, 5), Ok(1 << 20));
        }
    }

    #[test]
    fn kernel_clamp_with_lo_above_hi() {
        // tg_shares < 2 makes hi < lo (include/linux/minmax.h clamp()): the kernel's clamp
        // gives 2 where min(max(x, 2), hi) would give hi.
        for p in Profile::PRESETS {
            // x = ⌊1·1024 / 1034⌋ = 0: not ≥ hi = 1, ≤ lo = 2 → 2 (min/max would say 1).
            assert_eq!(calc_group_shares(&p, 1, 10, 0, 1 << 20, 0), Ok(2));
            // x = ⌊1·1024 / 1024⌋ = 1 ≥ hi → 1.
            assert_eq!(calc_group_shares(&p, 1, 0, 0, 1 << 20, 0), Ok(1));
            // tg_shares = 0: x = 0 ≥ hi = 0 → 0.
            assert_eq!(calc_group_shares(&p, 0, 10, 0, 1 << 20, 0), Ok(0));
        }
        assert_eq!(kclamp(0, 2, 1), 2);
        assert_eq!(kclamp(1, 2, 1), 1);
        assert_eq!(kclamp(5, 2, 1), 1);
    }

    #[test]
    fn long_overflow_is_flagged_and_exact_differs() {
        // tg_shares·load overflows i64: 2^28 · 2^40.
        let (tg, w) = (1u64 << 28, 1u64 << 50); // sld(w) = 2^40
        for p in LINUX {
            let (v, wrapped) = overflowing_calc_group_shares(&p, tg, 0, 0, w, 0).unwrap();
            assert!(wrapped);
            // 2^68 wraps to 0; tg_weight = 2^40; 0 / 2^40 = 0 → clamp → 2.
            assert_eq!(v, 2);
            assert_eq!(checked_calc_group_shares(&p, tg, 0, 0, w, 0), None);
            assert_eq!(calc_group_shares(&p, tg, 0, 0, w, 0), Ok(2));
        }
        assert_eq!(
            overflowing_calc_group_shares(&Profile::EXACT, tg, 0, 0, w, 0),
            Ok((tg, false))
        );
        assert_eq!(
            checked_calc_group_shares(&Profile::EXACT, tg, 0, 0, w, 0),
            Some(tg)
        );
        // One below the product boundary: 2^31 · (2^32 − 1) < 2^63, no flag.
        let (v, wrapped) = overflowing_calc_group_shares(
            &Profile::LINUX_7_1,
            1 << 31,
            1 << 40,
            0,
            0,
            (1 << 32) - 1,
        )
        .unwrap();
        assert!(!wrapped);
        assert_eq!(
            v,
            ((1u128 << 31) * ((1 << 32) - 1) / ((1u128 << 40) + (1 << 32) - 1)) as u64
        );
        // tg_weight overflow: tg_load_avg ≥ 2^63 reads negative.
        let (_, wrapped) =
            overflowing_calc_group_shares(&Profile::LINUX_6_6, 1 << 20, 1 << 63, 0, 0, 1).unwrap();
        assert!(wrapped);
    }

    #[test]
    fn int_min_by_minus_one_is_undefined() {
        // shares = tg_shares·load = 2^62·2 = 2^63 → i64::MIN; tg_weight = −1:
        // tg_load_avg − contrib + 2 = −1 with contrib = 3.
        for p in LINUX {
            assert_eq!(
                overflowing_calc_group_shares(&p, 1 << 62, 0, 3, 0, 2),
                Err(Error::Undefined),
                "{}",
                p.name()
            );
            assert_eq!(
                calc_group_shares(&p, 1 << 62, 0, 3, 0, 2),
                Err(Error::Undefined)
            );
            assert_eq!(checked_calc_group_shares(&p, 1 << 62, 0, 3, 0, 2), None);
        }
        // EXACT: 2^63 / −1 = −2^63 → clamped to 2.
        assert_eq!(
            overflowing_calc_group_shares(&Profile::EXACT, 1 << 62, 0, 3, 0, 2),
            Ok((2, false))
        );
    }

    #[test]
    fn cgroup_conversions_worked_values() {
        assert_eq!(set_shares_clamp(2047), 2048);
        assert_eq!(set_shares_clamp(2049), 2049);
        assert_eq!(set_shares_clamp(1 << 28), 1 << 28);
        assert_eq!(set_shares_clamp((1 << 28) + 1), 1 << 28);
        // v1: sld(ULONG_MAX) = 2^54 − 1 is the last value scaled as is (and then clamped).
        assert_eq!(cpu_shares_write((1 << 54) - 1), 1 << 28);
        assert_eq!(cpu_shares_write(1 << 54), 1 << 28);
        assert_eq!(cpu_shares_write(0), 2048);
        assert_eq!(cpu_shares_write(262_144), 1 << 28);
        assert_eq!(cpu_shares_write(3), 3072);
        // v2 writes: DIV_ROUND_CLOSEST(c·1024, 100).
        assert_eq!(cpu_weight_write(0), Err(Error::InvalidArgument));
        assert_eq!(cpu_weight_write(10_001), Err(Error::InvalidArgument));
        assert_eq!(cpu_weight_write(10_000), Ok(102_400 << 10));
        assert_eq!(cpu_weight_write(50), Ok(512 << 10));
        assert_eq!(cpu_weight_write(33), Ok(338 << 10)); // 33,792 + 50 = 33,842 → 338
                                                         // v2 reads round to nearest; ≥ 6.18 clamps to [1, 10000].
        for r in [Release::Linux6_18, Release::Linux7_0, Release::Linux7_1] {
            assert_eq!(cpu_weight_read(r, 338 << 10), 33);
            assert_eq!(cpu_weight_read(r, 2048), 1);
            assert_eq!(cpu_weight_read(r, 1 << 28), 10_000);
            assert_eq!(cpu_weight_read(r, 0), 1);
        }
        assert_eq!(cpu_weight_read(Release::Linux6_6, 1 << 28), 25_600);
        assert_eq!(cpu_weight_read(Release::Linux6_6, 0), 0);
        assert_eq!(
            cpu_weight_read(Release::Linux6_6, u64::MAX),
            ((u64::MAX >> 10) * 100 + 512) / 1024
        );
        // Round trip over the whole v2 range in ≥ 6.18.
        for c in 1..=10_000 {
            assert_eq!(
                cpu_weight_read(Release::Linux7_1, cpu_weight_write(c).unwrap()),
                c
            );
        }
        // cpu.weight.nice.
        assert_eq!(cpu_weight_nice_write(-20), Ok(88_761 << 10));
        assert_eq!(cpu_weight_nice_write(20), Err(Error::NiceOutOfRange));
        assert_eq!(cpu_weight_nice_write(-21), Err(Error::NiceOutOfRange));
        assert_eq!(cpu_weight_nice_write(i32::MIN), Err(Error::NiceOutOfRange));
        assert_eq!(IDLE_GROUP_SHARES, 3072);
        assert_eq!(ROOT_TASK_GROUP_LOAD, 1 << 20);
    }

    fn input(now: u64, load_avg: u64, contrib: u64, last: u64) -> TgLoadAvgInput {
        TgLoadAvgInput {
            now,
            load_avg,
            tg_load_avg_contrib: contrib,
            last_update_tg_load_avg: last,
            is_root: false,
            cpu_active: true,
        }
    }

    #[test]
    fn update_tg_load_avg_worked_values() {
        const ALL: [Release; 4] = [
            Release::Linux6_6,
            Release::Linux6_18,
            Release::Linux7_0,
            Release::Linux7_1,
        ];
        for r in ALL {
            let new = !matches!(r, Release::Linux6_6);
            // Threshold: contrib 6400 → 100. |delta| = 100 does not publish, 101 does (both signs).
            assert_eq!(
                update_tg_load_avg(r, &input(10_000_000, 6500, 6400, 0)),
                None
            );
            assert_eq!(
                update_tg_load_avg(r, &input(10_000_000, 6300, 6400, 0)),
                None
            );
            let up = update_tg_load_avg(r, &input(10_000_000, 6501, 6400, 0)).unwrap();
            assert_eq!((up.delta, up.tg_load_avg_contrib), (101, 6501));
            assert_eq!(up.last_update_tg_load_avg, if new { 10_000_000 } else { 0 });
            let down = update_tg_load_avg(r, &input(10_000_000, 6299, 6400, 0)).unwrap();
            assert_eq!(down.delta, -101);
            // Integer division: contrib 127 → 1, so |delta| = 2 publishes, 1 does not.
            assert_eq!(update_tg_load_avg(r, &input(10_000_000, 128, 127, 0)), None);
            assert!(update_tg_load_avg(r, &input(10_000_000, 129, 127, 0)).is_some());
            // contrib 0: any change publishes; none does not.
            assert!(update_tg_load_avg(r, &input(10_000_000, 1, 0, 0)).is_some());
            assert_eq!(update_tg_load_avg(r, &input(10_000_000, 0, 0, 0)), None);
            // Root: never.
            let root = TgLoadAvgInput {
                is_root: true,
                ..input(10_000_000, 5000, 0, 0)
            };
            assert_eq!(update_tg_load_avg(r, &root), None);
            // Inactive CPU and the 1 ms rate limit: ≥ 6.18 only.
            let inactive = TgLoadAvgInput {
                cpu_active: false,
                ..input(10_000_000, 5000, 0, 0)
            };
            assert_eq!(update_tg_load_avg(r, &inactive).is_some(), !new);
            let soon = input(10_999_999, 5000, 0, 10_000_000);
            assert_eq!(update_tg_load_avg(r, &soon).is_some(), !new);
            let at_1ms = input(11_000_000, 5000, 0, 10_000_000);
            assert!(update_tg_load_avg(r, &at_1ms).is_some());
            // A clock behind the timestamp is a huge wrapping difference: not limited.
            let behind = input(5, 5000, 0, 10_000_000);
            assert!(update_tg_load_avg(r, &behind).is_some());
            // |i64::MIN| compares as 2^63.
            let m = update_tg_load_avg(r, &input(10_000_000, 0, 1 << 63, 0)).unwrap();
            assert_eq!(m.delta, i64::MIN);
        }
    }

    #[test]
    fn clear_tg_load_avg_subtracts_everything() {
        let c = clear_tg_load_avg(6400, 77);
        assert_eq!(
            c,
            TgLoadAvgUpdate {
                delta: -6400,
                tg_load_avg_contrib: 0,
                last_update_tg_load_avg: 77
            }
        );
        assert_eq!(clear_tg_load_avg(1 << 63, 0).delta, i64::MIN);
        assert_eq!(clear_tg_load_avg(0, 0).delta, 0);
    }
}
