//! Entity operations: deadlines, lag and its clamp, lag-preserving placement,
//! and reweighting (`update_deadline()`, `update_entity_lag()`/`entity_lag()`,
//! `place_entity()` and `reweight_entity()` in `kernel/sched/fair.c`, v6.6–v7.1;
//! derivations in `docs/derivations.md` §5–§6).
//!
//! An entity i with weight w_i, virtual runtime v_i and request (slice) r_i has
//!
//! ```text
//! virtual deadline   d_i = v_i + r_i·NICE_0_LOAD / w_i          (update_deadline)
//! virtual lag        vl_i = V − v_i, clamped to ±limit           (update_entity_lag)
//! real lag           lag_i = w_i · vl_i,   Σ lag_i = 0
//! ```
//!
//! Placing an entity with saved lag vl into a queue of (averaging) weight W
//! moves V to V − w·vl/(W + w), so `place_entity` first inflates the lag,
//! vl' = vl·(W + w)/W (truncating), and sets v = V − vl': after insertion
//! V' − v = vl again. Reweighting w → w' keeps real lag, so vl → vl·w/w'.
//!
//! The functions here operate on one [`SchedEntity`] and the run queue's
//! [`AvgVruntime`]; they do not own a tree. [`crate::runqueue::RunQueue`]
//! sequences them as the kernel does. Where a function takes a [`RqCtx`], the
//! context describes the run queue *without* the entity operated on (the
//! kernel's state at that call).

use crate::avg::{avg_weight, check_weight, kernel_div, AvgVruntime, Curr};
use crate::features::Features;
use crate::outcome::{Consumed, Replace, Wrapped};
use crate::profile::{
    CustomSlice, DelayDequeue, LagLimit, PlaceRule, Profile, Protection, Reference, Reweight,
    Rules, YieldRule,
};
use crate::vtime::{Vlag, Vtime};
use crate::weight::{overflowing_calc_delta_fair, LoadWeight};
use crate::Error;

/// `struct sched_entity`: the fields the fair-class arithmetic reads and writes.
///
/// Kernel names and units: times in virtual ns (wrapping [`Vtime`]), `slice` in
/// wall ns, `load` in 64-bit kernel units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedEntity {
    /// `se.load`: weight and cached inverse.
    pub load: LoadWeight,
    /// `se.vruntime`.
    pub vruntime: Vtime,
    /// `se.deadline` (absolute, or relative to vruntime/V while `rel_deadline`).
    pub deadline: Vtime,
    /// `se.vlag`: the lag saved at dequeue. In v6.6 it doubles as the
    /// RUN_TO_PARITY marker (it holds the deadline while the entity runs).
    /// In v6.18 it shares its storage with `vprot`: write it with
    /// [`set_vlag`](Self::set_vlag) so that both read as the release's do.
    pub vlag: Vlag,
    /// `se.vprot`: the end of slice protection (≥ v6.18); see
    /// [`set_vprot`](Self::set_vprot).
    pub vprot: Vtime,
    /// `se.slice`: the requested slice in wall ns.
    pub slice: u64,
    /// `se.custom_slice`: the slice was set explicitly and is not reloaded.
    pub custom_slice: bool,
    /// `se.rel_deadline`: `deadline` holds a relative value (≥ v6.12).
    pub rel_deadline: bool,
    /// `se.sched_delayed`: dequeued for sleep but kept queued (≥ v6.12).
    pub sched_delayed: bool,
    /// `se.on_rq`.
    pub on_rq: bool,
}

impl SchedEntity {
    /// Stores the lag as `profile` does: where `vlag` and `vprot`
    /// share one field ([`Profile::vlag_shares_vprot`], v6.18) the protection
    /// end then reads the same 64 bits, so taking the lag of the running
    /// entity (a reweight) ends its slice protection as in the kernel.
    #[inline]
    pub fn set_vlag(&mut self, profile: &Profile, vlag: Vlag) {
        self.vlag = vlag;
        if profile.vlag_shares_vprot() {
            self.vprot = Vtime(vlag.0 as u64);
        }
    }

    /// Stores the end of slice protection as `profile` does (the
    /// counterpart of [`set_vlag`](Self::set_vlag)).
    #[inline]
    pub fn set_vprot(&mut self, profile: &Profile, vprot: Vtime) {
        self.vprot = vprot;
        if profile.vlag_shares_vprot() {
            self.vlag = Vlag(vprot.0 as i64);
        }
    }

    /// A freshly forked entity (`__sched_fork`): vruntime, deadline and lag 0,
    /// not queued, with the given weight and (base) slice.
    pub const fn new(load: LoadWeight, slice: u64) -> SchedEntity {
        SchedEntity {
            load,
            vruntime: Vtime(0),
            deadline: Vtime(0),
            vlag: Vlag(0),
            vprot: Vtime(0),
            slice,
            custom_slice: false,
            rel_deadline: false,
            sched_delayed: false,
            on_rq: false,
        }
    }

    /// A task of nice `nice` with the base slice.
    pub const fn from_nice(nice: i32, base_slice: u64) -> Result<SchedEntity, Error> {
        match LoadWeight::from_nice(nice) {
            Ok(lw) => Ok(SchedEntity::new(lw, base_slice)),
            Err(e) => Err(e),
        }
    }

    /// `__setparam_fair`: a custom slice, clamped to [0.1 ms, 100 ms]; 0 resets
    /// to the base slice.
    pub fn set_custom_slice(&mut self, slice: u64, base_slice: u64) {
        if slice == 0 {
            self.custom_slice = false;
            self.slice = base_slice;
        } else {
            self.custom_slice = true;
            self.slice = slice.clamp(100_000, 100_000_000);
        }
    }

    /// This entity as the running entity of the averages: `(vruntime, load.weight)`.
    pub const fn as_curr(&self) -> (Vtime, u64) {
        (self.vruntime, self.load.weight())
    }
}

/// Scheduler tunables that entity operations read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunables {
    /// `sysctl_sched_base_slice` in ns (see [`Profile::base_slice`]).
    pub base_slice: u64,
    /// `TICK_NSEC` (see [`crate::profile::tick_nsec`]).
    pub tick_nsec: u64,
    /// The scheduler features in force.
    pub features: Features,
}

impl Tunables {
    /// The release defaults of `profile` for `online_cpus` CPUs at `hz`
    /// (features: [`Profile::default_features`]).
    pub const fn defaults(profile: &Profile, online_cpus: u32, hz: u32) -> Tunables {
        Tunables {
            base_slice: profile.base_slice(online_cpus),
            tick_nsec: crate::profile::tick_nsec(hz),
            features: profile.default_features(),
        }
    }
}

/// The run queue as an entity operation sees it, the entity itself excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RqCtx {
    /// The running entity `(vruntime, load.weight)` if it is on the run queue
    /// and is not the entity operated on.
    pub curr: Curr,
    /// `cfs_rq.nr_queued` not counting the entity operated on (curr counted).
    pub nr_queued: u32,
    /// `cfs_rq_max_slice` as the kernel reads it at this call (7.x lag limit).
    pub max_slice: u64,
    /// The entity operated on is the running one (`cfs_rq.curr`): it is then
    /// not in the sums, and `curr` above is `None`.
    pub se_is_curr: bool,
    /// With `se_is_curr`, whether its slice protection is still active
    /// (`protect_slice(se)`): v7.x's reweight rescales the protection end
    /// with the rest. Read only by [`reweight_entity`].
    pub se_protected: bool,
}

impl RqCtx {
    /// The context of an entity that is not the running one.
    pub const fn new(curr: Curr, nr_queued: u32, max_slice: u64) -> RqCtx {
        RqCtx {
            curr,
            nr_queued,
            max_slice,
            se_is_curr: false,
            se_protected: false,
        }
    }
}

/// `update_deadline(cfs_rq, se)`, the arithmetic part: if vruntime has reached
/// the deadline, reload the slice (unless custom; always in v6.6,
/// [`CustomSlice::Ignored`]) and issue a
/// new request `deadline = vruntime + calc_delta_fair(slice, se)`. Returns
/// whether the request was used up, and wrapped. Only one slice is added
/// however far vruntime has run past the old deadline.
///
/// v7.x callers then call `avg_vruntime()` to refresh v0 (the run queue does).
#[inline]
pub fn overflowing_update_deadline(
    profile: &Profile,
    se: &mut SchedEntity,
    base_slice: u64,
) -> (Consumed, bool) {
    if se.vruntime.before(se.deadline) {
        return (Consumed::RUNNING, false);
    }
    if !se.custom_slice || profile.custom_slice == CustomSlice::Ignored {
        se.slice = base_slice;
    }
    let (vslice, wrapped) = overflowing_calc_delta_fair(profile, se.slice, &se.load);
    se.deadline = se.vruntime + vslice;
    (Consumed::CONSUMED, wrapped)
}

/// [`overflowing_update_deadline`] settled: under EXACT an overflowing
/// deadline is [`Error::Overflow`] and the entity is unchanged.
pub fn update_deadline(
    profile: &Profile,
    se: &mut SchedEntity,
    base_slice: u64,
) -> Result<Consumed, Error> {
    let mut tmp = *se;
    let (r, wrapped) = overflowing_update_deadline(profile, &mut tmp, base_slice);
    profile.settle(((), wrapped))?;
    *se = tmp;
    Ok(r)
}

/// The lag clamp `limit` of `se` (`update_entity_lag()`, v6.6–v7.0, and
/// `entity_lag()`, v7.1; the max-slice rule since 6e3c0a4e1ad1), as the kernel's u64, and whether
/// computing it wrapped (including a limit above `i64::MAX`, which the kernel
/// then uses as a negative s64).
///
/// * [`LagLimit::TwiceSlice`]: `calc_delta_fair(max(2·se.slice, tick), se)`.
/// * [`LagLimit::MaxSlicePlusTick`]: `calc_delta_fair(max_slice + tick, se)`.
/// * [`LagLimit::Unclamped`]: no limit, reported as 2⁶³ (no s64 lag is
///   larger; [`overflowing_entity_lag`] does not clamp at all), never wrapped.
///
/// Under EXACT the value is [`exact_lag_limit`] modulo 2⁶⁴ and the flag says it
/// exceeds `u64` (EXACT's clamp, [`overflowing_entity_lag`], uses the 128-bit
/// value and never wraps).
///
/// Domain: the largest slice (6.x: `se.slice`; 7.x: `max_slice`) without a wrap
/// is [`bounds::lag_limit_domain`](crate::bounds::lag_limit_domain).
#[inline]
pub fn overflowing_lag_limit(
    profile: &Profile,
    se: &SchedEntity,
    max_slice: u64,
    tick_nsec: u64,
) -> (u64, bool) {
    if profile.is_exact() {
        let limit = exact_lag_limit(profile, se, max_slice, tick_nsec);
        return (limit as u64, limit > u64::MAX as u128);
    }
    let (span, o1) = match profile.lag_limit {
        LagLimit::Unclamped => return (1 << 63, false),
        LagLimit::TwiceSlice => {
            let (two, o) = se.slice.overflowing_mul(2);
            (two.max(tick_nsec), o)
        }
        LagLimit::MaxSlicePlusTick => max_slice.overflowing_add(tick_nsec),
    };
    let (limit, o2) = overflowing_calc_delta_fair(profile, span, &se.load);
    (limit, o1 | o2 | (limit > i64::MAX as u64))
}

/// The exact lag limit (no wrapping anywhere): ⌊span·2²⁰ / w⌋ with span = max(2·slice,
/// tick) or max_slice + tick computed in 128 bits; 2⁶³ for [`LagLimit::Unclamped`].
#[inline]
pub fn exact_lag_limit(
    profile: &Profile,
    se: &SchedEntity,
    max_slice: u64,
    tick_nsec: u64,
) -> u128 {
    let span: u128 = match profile.lag_limit {
        LagLimit::Unclamped => return 1 << 63,
        LagLimit::TwiceSlice => (2 * se.slice as u128).max(tick_nsec as u128),
        LagLimit::MaxSlicePlusTick => max_slice as u128 + tick_nsec as u128,
    };
    let w = se.load.weight() as u128;
    if w == crate::weight::NICE_0_LOAD as u128 {
        span
    } else {
        (span << crate::weight::NICE_0_LOAD_SHIFT) / w
    }
}

/// The kernel's `clamp(x, lo, hi)`: hi if x ≥ hi, else lo if x ≤ lo, else x. It
/// differs from `min(max(x, lo), hi)` when lo > hi (a wrapped bound).
#[inline]
pub const fn kernel_clamp(x: i64, lo: i64, hi: i64) -> i64 {
    if x >= hi {
        hi
    } else if x <= lo {
        lo
    } else {
        x
    }
}

/// `entity_lag(avg_vruntime, se)`: vlag = clamp(wsub(V, v), −limit, limit) with the
/// profile's limit (C ABI function 6); wsub(V, v) itself under
/// [`LagLimit::Unclamped`] (86bfbb7ce4f6's `update_entity_lag`). Returns (vlag, wrapped).
///
/// `max_slice` is read only by the `max_slice + tick` rule, `se.slice` only by
/// `max(2·slice, tick)`. A wrapped limit is used as the kernel uses it: as an
/// s64, possibly negative, with the kernel's clamp (bbce3de72be5 "sched/eevdf:
/// Fix se->slice being set to U64_MAX and resulting crash": slice = U64_MAX
/// gives a huge negative vlag; `docs/derivations.md` §8.3).
///
/// Domain: as [`overflowing_lag_limit`] (the clamp itself cannot wrap):
/// [`bounds::lag_limit_domain`](crate::bounds::lag_limit_domain).
///
/// ```
/// use eevdf::{entity::{overflowing_entity_lag, SchedEntity}, Profile, Vtime};
/// // 6e3c0a4e1ad1 "sched/fair: Fix lag clamp" (v6.6.0 … v6.18.2 vs v7.0.0/v7.1.5):
/// // nice 0, V − v = 2.5 ms, own slice 0.1 ms, max slice 3 ms, tick 1 ms; old
/// // limit max(0.2, 1) ms = 1 ms, new limit 3 + 1 ms = 4 ms.
/// let mut se = SchedEntity::from_nice(0, 100_000).unwrap();
/// se.vruntime = Vtime(10_000_000);
/// let v = Vtime(12_500_000);
/// assert_eq!(overflowing_entity_lag(&Profile::LINUX_6_6, v, &se, 3_000_000, 1_000_000).0 .0, 1_000_000);
/// assert_eq!(overflowing_entity_lag(&Profile::LINUX_7_1, v, &se, 3_000_000, 1_000_000).0 .0, 2_500_000);
/// ```
#[inline]
pub fn overflowing_entity_lag(
    profile: &Profile,
    avg_vruntime: Vtime,
    se: &SchedEntity,
    max_slice: u64,
    tick_nsec: u64,
) -> (Vlag, bool) {
    let x = avg_vruntime.wsub(se.vruntime);
    if profile.lag_limit == LagLimit::Unclamped {
        return (Vlag(x), false);
    }
    if profile.is_exact() {
        let limit = exact_lag_limit(profile, se, max_slice, tick_nsec) as i128;
        // |x| ≤ 2^63 and limit ≥ 0: the clamped value fits i64.
        let v = (x as i128).clamp(-limit, limit);
        return (Vlag(v as i64), false);
    }
    let (limit, wrapped) = overflowing_lag_limit(profile, se, max_slice, tick_nsec);
    let hi = limit as i64;
    (Vlag(kernel_clamp(x, hi.wrapping_neg(), hi)), wrapped)
}

/// `update_entity_lag(cfs_rq, se)`: V = avg_vruntime (which moves v0 in v7.x),
/// vlag = entity_lag(V); then, in v7.1 only ([`DelayDequeue::LagAtDelay`]),
/// for a delayed entity
/// vlag = max(vlag, previous vlag) and, with DELAY_ZERO, min(vlag, 0). Stores
/// se.vlag. Returns (V − vlag ≠ vruntime, i.e. "must be re-placed"; wrapped).
///
/// `ctx.curr` is the running entity if it is not `se`; pass
/// `se_is_curr = true` when `se` is the running, on_rq entity.
#[inline]
pub fn overflowing_update_entity_lag<R: Rules>(
    avg: &mut AvgVruntime<R>,
    ctx: &RqCtx,
    se: &mut SchedEntity,
    tun: &Tunables,
) -> Result<(Replace, bool), Error> {
    let profile = &avg.profile();
    let se_is_curr = ctx.se_is_curr;
    let curr = if se_is_curr {
        Some(se.as_curr())
    } else {
        ctx.curr
    };
    let (v, w1) = avg.overflowing_avg_vruntime(curr)?;
    let (mut vlag, w2) = overflowing_entity_lag(profile, v, se, ctx.max_slice, tun.tick_nsec);
    if profile.delay_dequeue == DelayDequeue::LagAtDelay && se.sched_delayed {
        vlag = vlag.max(se.vlag);
        if tun.features.contains(Features::DELAY_ZERO) {
            vlag = vlag.min(Vlag(0));
        }
    }
    se.set_vlag(profile, vlag);
    let replace = Replace::from(v.wrapping_sub_signed(vlag.0) != se.vruntime);
    Ok((replace, w1 | w2))
}

/// The inflated placement lag (`place_entity()`, v6.6–v7.1, from 86bfbb7ce4f6;
/// derivation in `docs/derivations.md` §5.1): `tdiv(vlag ⊗ (load + w), load)`
/// where `load` is the queue's averaging weight (W plus curr's, as the kernel's
/// u64) and `w` the entity's averaging weight. A load of 0 is replaced by 1
/// (after the multiply, as in the kernel). Returns (lag, wrapped).
///
/// Wraps: `load` read as a negative `long`, `load + w`, the product, or a
/// divisor `div_s64` truncates. Under EXACT the value is exact and the flag
/// means it does not fit an i64. Errors: [`Error::Undefined`] for a division
/// by zero (s32 truncation) or `i64::MIN / −1`.
///
/// Domain: |vlag| ≤ ⌊(2⁶³ − 1)/(load + w)⌋ with `load` < 2³¹ under `div_s64`
/// ([`bounds::place_lag_domain`](crate::bounds::place_lag_domain)).
///
/// ```
/// use eevdf::{entity::overflowing_place_lag, Profile};
/// // place_entity(), v6.6.0 (docs/derivations.md §4): vlag −200,000 into a queue of
/// // 2383 (scaled down) plus 1024: tdiv(−200,000·3407, 2383) = −285,942.
/// assert_eq!(overflowing_place_lag(&Profile::LINUX_6_6, -200_000, 2383, 1024), Ok((-285_942, false)));
/// ```
#[inline]
pub fn overflowing_place_lag(
    profile: &Profile,
    vlag: i64,
    load: u64,
    w: u64,
) -> Result<(i64, bool), Error> {
    if profile.is_exact() {
        // trunc(vlag·(L + w)/L) = vlag + trunc(vlag·w/L): vlag·L and vlag·w have
        // the same sign, so the split truncates alike, and no term can leave
        // 128 bits (|vlag·w| < 2^127) even where vlag·(L + w) would. A load of
        // 0 is replaced by 1 after the multiply, as in the kernel: vlag·w.
        let t = vlag as i128 * w as i128;
        let q = if load == 0 {
            t
        } else {
            vlag as i128 + t / load as i128
        };
        return Ok((q as i64, q as i64 as i128 != q));
    }
    let l = load as i64;
    let w_l = w as i64;
    let mut wrapped = l < 0 || w_l < 0;
    let (lw, o1) = l.overflowing_add(w_l);
    let (num, o2) = vlag.overflowing_mul(lw);
    wrapped |= o1 | o2;
    let divisor = if l == 0 { 1 } else { l };
    let (q, truncated) = kernel_div(profile, num, divisor)?;
    Ok((q, wrapped | truncated))
}

/// The placement lag of an entity of `load.weight = weight` joining a queue
/// whose entities (curr included if on the run queue) weigh `queue_weights`
/// (C ABI function 7): L = Σ averaging weights (u64, wrapping),
/// lag = tdiv(vlag·(L + w), L). An empty queue gives 0; vlag = 0 gives 0 except
/// in v6.6 ([`PlaceRule::AnyLag`]), which has no vlag test and divides anyway. Domain: as
/// [`overflowing_place_lag`]'s for the summed L.
pub fn overflowing_place_lag_batch<I>(
    profile: &Profile,
    vlag: i64,
    queue_weights: I,
    weight: u64,
) -> Result<(i64, bool), Error>
where
    I: IntoIterator<Item = u64>,
{
    let w = check_weight(profile, weight)?;
    let mut n = 0u64;
    let mut load: u128 = 0;
    for qw in queue_weights {
        load += check_weight(profile, qw)? as u128;
        n += 1;
    }
    if n == 0 || (vlag == 0 && !matches!(profile.placement, PlaceRule::AnyLag | PlaceRule::CfsLag))
    {
        return Ok((0, false));
    }
    let (q, wrapped) = overflowing_place_lag(profile, vlag, load as u64, w)?;
    Ok((q, wrapped || load > u64::MAX as u128))
}

/// Flags of `place_entity`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaceFlags {
    /// ENQUEUE_INITIAL: the first enqueue of a forked task (half a slice for
    /// the first deadline under PLACE_DEADLINE_INITIAL).
    pub initial: bool,
}

/// `place_entity(cfs_rq, se, flags)` (`kernel/sched/fair.c`, v6.6–v7.1):
/// lag-preserving placement.
///
/// 1. V = avg_vruntime (moves v0 in v7.x);
/// 2. reload the slice unless custom (always in v6.6); vslice = calc_delta_fair(slice);
/// 3. PLACE_LAG (queue non-empty, and vlag ≠ 0 after v6.6): inflate the lag
///    ([`overflowing_place_lag`]); v7.1 notes a heavy entity (w > load);
/// 4. vruntime = V − lag; v7.1 re-centres v0 on a heavy entity;
/// 5. PLACE_REL_DEADLINE with a relative deadline: deadline += vruntime; done;
/// 6. PLACE_DEADLINE_INITIAL with [`PlaceFlags::initial`]: vslice /= 2;
/// 7. deadline = vruntime + vslice.
///
/// `se` must be out of the sums. When `se_is_curr` (a reweight or a delayed
/// requeue of the running entity, v6.18 … v7.0), V and the load include `se`
/// itself at its current vruntime and weight, as in the kernel. Returns wrapped:
/// V's flag ([`AvgVruntime::overflowing_avg_vruntime`], an already wrapped
/// accumulator included), the slice's, the lag inflation's, or v7.1's move of
/// v0 onto a heavy entity ([`AvgVruntime::overflowing_move_reference`]). Under
/// EXACT an overflow is an error and `se` is unchanged.
///
/// Domain: V's ([`AvgVruntime::overflowing_avg_vruntime`]), the slice's
/// ([`bounds::calc_delta_fair_domain`](crate::bounds::calc_delta_fair_domain))
/// and the lag inflation's
/// ([`bounds::place_lag_domain`](crate::bounds::place_lag_domain)); after the
/// placement, the new key must keep S within
/// [`bounds::avg_sum_domain`](crate::bounds::avg_sum_domain) (556146ce5e94).
#[inline]
pub fn place_entity<R: Rules>(
    avg: &mut AvgVruntime<R>,
    ctx: &RqCtx,
    se: &mut SchedEntity,
    flags: PlaceFlags,
    tun: &Tunables,
) -> Result<Wrapped, Error> {
    let profile = &avg.profile();
    let se_is_curr = ctx.se_is_curr;
    let curr = if se_is_curr {
        Some(se.as_curr())
    } else {
        ctx.curr
    };
    let (v, mut wrapped) = avg.overflowing_avg_vruntime(curr)?;
    let mut out = *se;
    if !out.custom_slice || profile.custom_slice == CustomSlice::Ignored {
        out.slice = tun.base_slice;
    }
    let (mut vslice, o) = overflowing_calc_delta_fair(profile, out.slice, &out.load);
    wrapped |= o;

    let mut lag = 0i64;
    let mut heavy = false;
    let lag_test = profile.placement == PlaceRule::AnyLag || out.vlag.0 != 0;
    if tun.features.contains(Features::PLACE_LAG) && ctx.nr_queued != 0 && lag_test {
        let curr_w = match curr {
            Some((_, cw)) => check_weight(profile, cw)?,
            None => 0,
        };
        let w_tree = avg.sum_weight_wide();
        // Wrapping: after an over-removal (kernel profiles) the exact W is
        // negative and `w_tree` huge; the low 64 bits are still the kernel's,
        // and such sums are reported wrapped below.
        let load = w_tree.wrapping_add(curr_w as u128);
        let w = avg_weight(profile, out.load.weight());
        let (l, o) = overflowing_place_lag(profile, out.vlag.0, load as u64, w)?;
        wrapped |= o || load > u64::MAX as u128 || avg.is_wrapped();
        lag = l;
        heavy = matches!(profile.reference, Reference::ZeroVruntimeHeavy) && (w as u128) > load;
    }
    profile.settle(((), wrapped))?;

    out.vruntime = v.wrapping_sub_signed(lag);
    if heavy {
        // update_zero_vruntime(−lag): its W⊗d and S − W⊗d are placement's too.
        wrapped |= avg.overflowing_move_reference(lag.wrapping_neg())?;
    }
    let rel = match profile.placement {
        PlaceRule::AnyLag | PlaceRule::SleeperCredit | PlaceRule::CfsLag => false,
        PlaceRule::RelDeadlineGated => {
            tun.features.contains(Features::PLACE_REL_DEADLINE) && out.rel_deadline
        }
        PlaceRule::RelDeadline => out.rel_deadline,
    };
    if rel {
        out.deadline += out.vruntime.0;
        out.rel_deadline = false;
    } else {
        if tun.features.contains(Features::PLACE_DEADLINE_INITIAL) && flags.initial {
            vslice /= 2;
        }
        out.deadline = out.vruntime + vslice;
    }
    *se = out;
    Ok(Wrapped::from(wrapped))
}

/// `div_s64`/`div64_long(x ⊗ old, new)`: the rescale of a lag or relative
/// deadline on reweight. Returns (value, wrapped).
#[inline]
fn rescale(profile: &Profile, x: i64, old: u64, new: u64) -> Result<(i64, bool), Error> {
    if profile.is_exact() {
        let q = (x as i128 * old as i128) / new as i128;
        return Ok((q as i64, q as i64 as i128 != q));
    }
    let (num, o1) = x.overflowing_mul(old as i64);
    let (q, truncated) = kernel_div(profile, num, new as i64)?;
    Ok((q, o1 | truncated | ((old as i64) < 0) | ((new as i64) < 0)))
}

/// `reweight_entity(cfs_rq, se, weight)` in the profile's generation (v6.6.0;
/// `reweight_eevdf()` of v6.6.57; v6.18–v7.0; `rescale_entity()` of v7.1 — see
/// `docs/derivations.md` §6),
/// for the entity's side: S/W, vruntime, deadline, vlag, vprot and load. The
/// caller has run `update_curr` when `se` is curr, and afterwards repositions
/// `se` in its tree, adjusts `cfs_rq.load` by new − old and, in ≤ v6.18 with
/// generations (b)/(c), calls `update_min_vruntime`.
///
/// * `se_is_curr`: `se` is `cfs_rq.curr` (it is then not in the sums).
/// * `ctx`: the run queue without `se` (for an on_rq `se`, `nr_queued` counts it).
/// * `protected`: for v7.x, whether curr's slice protection is active
///   (`protect_slice(se)`), so that `vprot` is rescaled with the rest.
///
/// Returns wrapped: a rescale product or division, V or the lag limit, or the
/// update of S and W (`se` out with the old weight, back with the new one:
/// [`AvgVruntime::overflowing_remove`], [`AvgVruntime::overflowing_add`])
/// overflowed. Under EXACT an overflow is an error and nothing changes.
///
/// Domain: the clamped lag, relative deadline and relative vprot times the old
/// weight must fit an s64: |x| ≤ ⌊(2⁶³ − 1)/w_old⌋
/// ([`bounds::rescale_domain`](crate::bounds::rescale_domain)); generations
/// (b)–(d) take V ([`AvgVruntime::overflowing_avg_vruntime`]) and the lag
/// limit ([`bounds::lag_limit_domain`](crate::bounds::lag_limit_domain)).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn reweight_entity<R: Rules>(
    avg: &mut AvgVruntime<R>,
    ctx: &RqCtx,
    se: &mut SchedEntity,
    new_load: LoadWeight,
    tun: &Tunables,
) -> Result<Wrapped, Error> {
    let profile = &avg.profile();
    let mut acc = *avg;
    let mut out = *se;
    let wrapped = reweight_inner(&mut acc, ctx, &mut out, new_load, tun)?;
    profile.settle(((), wrapped))?;
    *avg = acc;
    *se = out;
    Ok(Wrapped::from(wrapped))
}

#[allow(clippy::too_many_arguments)]
fn reweight_inner<R: Rules>(
    avg: &mut AvgVruntime<R>,
    ctx: &RqCtx,
    se: &mut SchedEntity,
    new_load: LoadWeight,
    tun: &Tunables,
) -> Result<bool, Error> {
    let profile = &avg.profile();
    let se_is_curr = ctx.se_is_curr;
    let protected = ctx.se_protected;
    let old = se.load.weight();
    let new = new_load.weight();
    let in_sums = se.on_rq && !se_is_curr;
    let mut wrapped = false;

    if matches!(
        profile.reweight,
        Reweight::KeepVruntime | Reweight::ScaleVlag
    ) {
        // CFS: the weight alone changes (the sums follow a queued entity);
        // 86bfbb7ce4f6 scales a sleeping entity's vlag, in full weights.
        if !se.on_rq && profile.reweight == Reweight::ScaleVlag {
            let (vlag, w) = rescale(profile, se.vlag.0, old, new)?;
            se.set_vlag(profile, Vlag(vlag));
            wrapped |= w;
        }
        if in_sums {
            wrapped |= avg.overflowing_remove(se.vruntime, old)?;
        }
        se.load = new_load;
        if in_sums {
            wrapped |= avg.overflowing_add(se.vruntime, new)?;
        }
        return Ok(wrapped);
    }

    if !se.on_rq {
        let (vlag, w) = rescale(profile, se.vlag.0, old, new)?;
        se.set_vlag(profile, Vlag(vlag));
        wrapped |= w;
        if se.rel_deadline && matches!(profile.reweight, Reweight::LagPlace | Reweight::Rescale) {
            let (d, w) = rescale(profile, se.deadline.0 as i64, old, new)?;
            se.deadline = Vtime(d as u64);
            wrapped |= w;
        }
        se.load = new_load;
        return Ok(wrapped);
    }

    match profile.reweight {
        // Handled above.
        Reweight::KeepVruntime | Reweight::ScaleVlag => {}
        Reweight::ScaleDeadline => {
            if in_sums {
                wrapped |= avg.overflowing_remove(se.vruntime, old)?;
            }
            let (rel, w) = rescale(profile, se.deadline.wsub(se.vruntime), old, new)?;
            wrapped |= w;
            se.deadline = se.vruntime.wrapping_add_signed(rel);
            se.load = new_load;
            if in_sums {
                wrapped |= avg.overflowing_add(se.vruntime, new)?;
            }
        }
        Reweight::Eevdf => {
            let curr = if se_is_curr {
                Some(se.as_curr())
            } else {
                ctx.curr
            };
            let (v, w0) = avg.overflowing_avg_vruntime(curr)?;
            wrapped |= w0;
            if in_sums {
                wrapped |= avg.overflowing_remove(se.vruntime, old)?;
            }
            if v != se.vruntime {
                let (vlag, w1) =
                    overflowing_entity_lag(profile, v, se, ctx.max_slice, tun.tick_nsec);
                let (vlag, w2) = rescale(profile, vlag.0, old, new)?;
                wrapped |= w1 | w2;
                se.vruntime = v.wrapping_sub_signed(vlag);
            }
            let (vslice, w3) = rescale(profile, se.deadline.wsub(v), old, new)?;
            wrapped |= w3;
            se.deadline = v.wrapping_add_signed(vslice);
            se.load = new_load;
            if in_sums {
                wrapped |= avg.overflowing_add(se.vruntime, new)?;
            }
        }
        Reweight::LagPlace => {
            let (_, w0) = overflowing_update_entity_lag(avg, ctx, se, tun)?;
            wrapped |= w0;
            se.deadline = Vtime(se.deadline.wsub(se.vruntime) as u64);
            se.rel_deadline = true;
            let rel_vprot = profile.protection == Protection::Vprot && se_is_curr && protected;
            if rel_vprot {
                se.set_vprot(profile, Vtime(se.vprot.wsub(se.vruntime) as u64));
            }
            if in_sums {
                wrapped |= avg.overflowing_remove(se.vruntime, old)?;
            }
            let (vlag, w1) = rescale(profile, se.vlag.0, old, new)?;
            let (dl, w2) = rescale(profile, se.deadline.0 as i64, old, new)?;
            se.set_vlag(profile, Vlag(vlag));
            se.deadline = Vtime(dl as u64);
            wrapped |= w1 | w2;
            let mut rel_prot = 0;
            if rel_vprot {
                let (p, w3) = rescale(profile, se.vprot.0 as i64, old, new)?;
                rel_prot = p;
                wrapped |= w3;
            }
            se.load = new_load;
            // place_entity with nr_queued excluding se; a curr se is still curr.
            let place_ctx = RqCtx {
                nr_queued: ctx.nr_queued.saturating_sub(1),
                ..*ctx
            };
            wrapped |= place_entity(avg, &place_ctx, se, PlaceFlags::default(), tun)?.is_wrapped();
            if rel_vprot {
                se.set_vprot(profile, se.vruntime.wrapping_add_signed(rel_prot));
            }
            if in_sums {
                wrapped |= avg.overflowing_add(se.vruntime, new)?;
            }
        }
        Reweight::Rescale => {
            let curr = if se_is_curr {
                Some(se.as_curr())
            } else {
                ctx.curr
            };
            let (a, w0) = avg.overflowing_avg_vruntime(curr)?;
            let (vlag, w1) = overflowing_entity_lag(profile, a, se, ctx.max_slice, tun.tick_nsec);
            wrapped |= w0 | w1;
            let rel_deadline = se.deadline.wsub(a);
            let rel_vprot = se_is_curr && protected;
            let rel_prot = se.vprot.wsub(a);
            if in_sums {
                wrapped |= avg.overflowing_remove(se.vruntime, old)?;
            }
            let (vlag, w2) = rescale(profile, vlag.0, old, new)?;
            let (dl, w3) = rescale(profile, rel_deadline, old, new)?;
            wrapped |= w2 | w3;
            if rel_vprot {
                let (p, w4) = rescale(profile, rel_prot, old, new)?;
                se.set_vprot(profile, a.wrapping_add_signed(p));
                wrapped |= w4;
            }
            se.set_vlag(profile, Vlag(vlag));
            se.deadline = a.wrapping_add_signed(dl);
            se.rel_deadline = false;
            se.vruntime = a.wrapping_sub_signed(vlag);
            se.load = new_load;
            if in_sums {
                wrapped |= avg.overflowing_add(se.vruntime, new)?;
            }
        }
    }
    Ok(wrapped)
}

/// `yield_task_fair`'s arithmetic for an eligible entity that has just been
/// updated, by the profile's [`YieldRule`]: v7.x vruntime =
/// deadline, then a new request (update_deadline); v6.18 vruntime = deadline,
/// deadline += calc_delta_fair(slice) without reloading the slice; v6.6
/// deadline += vslice only. Returns wrapped.
pub fn overflowing_yield_entity(profile: &Profile, se: &mut SchedEntity, base_slice: u64) -> bool {
    match profile.yield_rule {
        YieldRule::ExtendDeadline => {
            let (vslice, w) = overflowing_calc_delta_fair(profile, base_slice, &se.load);
            se.deadline += vslice;
            w
        }
        YieldRule::SkipToDeadline => {
            se.vruntime = se.deadline;
            let (vslice, w) = overflowing_calc_delta_fair(profile, se.slice, &se.load);
            se.deadline += vslice;
            w
        }
        YieldRule::NewRequest => {
            se.vruntime = se.deadline;
            overflowing_update_deadline(profile, se, base_slice).1
        }
        // CFS: yield marks the skip buddy; the entity itself is unchanged.
        YieldRule::SkipBuddy => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NICE0: u64 = 1 << 20;

    fn tun(p: &Profile) -> Tunables {
        Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        }
    }

    fn nice0_at(v: Vtime) -> SchedEntity {
        let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
        se.vruntime = v;
        se
    }

    #[test]
    fn placement_after_an_over_removal_does_not_panic() {
        // A kernel-profile accumulator whose exact W went negative (an entity
        // removed that was never added): the kernel's W is the wrapped u64, and
        // placement reports the wrap instead of overflowing the 128-bit load.
        for p in [Profile::LINUX_6_18, Profile::LINUX_7_1] {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
            acc.remove(Vtime(7), NICE0).unwrap();
            let ctx = RqCtx::new(Some((Vtime(3), NICE0)), 2, 3_000_000);
            let mut se = nice0_at(Vtime(0));
            se.vlag = Vlag(1_000);
            let r = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun(&p));
            assert!(
                matches!(r, Ok(Wrapped::YES) | Err(Error::Undefined)),
                "{p:?}: {r:?}"
            );
        }
    }

    #[test]
    fn appendix_a_placement_every_profile() {
        // docs/derivations.md §4 (place_entity(), v6.6.0, v7.0.0, v7.1.5): D (nice 0,
        // vlag −200,000) placed into A, B (nice 0) + curr C (nice 5):
        // lag = tdiv(−200,000·3407, 2383) = −285,942, v = 1,142,971 + 285,942.
        for p in Profile::PRESETS {
            let v0 = Vtime::INIT;
            let mut acc = AvgVruntime::new(p);
            acc.add(v0 + 1_000_000, NICE0).unwrap();
            acc.add(v0 + 1_300_000, NICE0).unwrap();
            let ctx = RqCtx::new(Some((v0 + 1_100_000, 335 << 10)), 3, 3_000_000);
            let mut d = SchedEntity::from_nice(0, 3_000_000).unwrap();
            d.vlag = Vlag(-200_000);
            let wrapped =
                place_entity(&mut acc, &ctx, &mut d, PlaceFlags::default(), &tun(&p)).unwrap();
            assert!(!wrapped.is_wrapped());
            assert_eq!(d.vruntime.wsub(v0), 1_428_913, "{p:?}");
            assert_eq!(d.deadline.wsub(d.vruntime), 3_000_000);
            // w = 2^20 < load: no heavy re-centre in 7.1; v0 is V (7.x) or unchanged.
            let want_v0 = if p.reference == Reference::MinVruntime {
                v0
            } else {
                v0 + 1_142_971
            };
            assert_eq!(acc.zero_vruntime(), want_v0);
        }
    }

    #[test]
    fn placement_round_trip_known_bugs_2() {
        // place_entity() (86bfbb7ce4f6; v6.6.0 … v7.1.5), docs/derivations.md §5.1:
        // W = 2048 (two nice 0), w = 1024, vlag 300: inflated 300·3072/2048 = 450, v = V − 450,
        // V' = V − 150, V' − v = 300.
        for p in Profile::PRESETS {
            let v0 = Vtime(1 << 30);
            let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
            acc.add(v0 + 1000, NICE0).unwrap();
            acc.add(v0 + 3000, NICE0).unwrap();
            let v = acc.avg_vruntime(None).unwrap();
            let ctx = RqCtx::new(None, 2, 3_000_000);
            let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
            se.vlag = Vlag(300);
            let _ = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun(&p)).unwrap();
            assert_eq!(v.wsub(se.vruntime), 450);
            acc.add(se.vruntime, NICE0).unwrap();
            let v2 = acc.avg_vruntime(None).unwrap();
            assert_eq!(v.wsub(v2), 150);
            assert_eq!(v2.wsub(se.vruntime), 300);
        }
    }

    #[test]
    fn place_lag_corner_cases() {
        // Empty queue or vlag = 0: no lag and no division (except v6.6, which divides).
        for p in Profile::PRESETS {
            assert_eq!(
                overflowing_place_lag_batch(&p, 500, [], NICE0),
                Ok((0, false))
            );
            assert_eq!(
                overflowing_place_lag_batch(&p, 0, [NICE0], NICE0),
                Ok((0, false))
            );
        }
        // 6.6 with vlag 0 and a divisor that div_s64 truncates to 0: undefined.
        let ws = core::iter::repeat(NICE0).take(1 << 22); // L = 2^22·1024 = 2^32
        assert_eq!(
            overflowing_place_lag_batch(&Profile::LINUX_6_6, 0, ws, NICE0),
            Err(Error::Undefined)
        );
        let ws = core::iter::repeat(NICE0).take(1 << 22);
        assert_eq!(
            overflowing_place_lag_batch(&Profile::LINUX_6_18, 0, ws, NICE0),
            Ok((0, false))
        );
        // A zero-weight input is rejected.
        assert_eq!(
            overflowing_place_lag_batch(&Profile::LINUX_7_1, 5, [0], NICE0),
            Err(Error::ZeroWeight)
        );
    }

    #[test]
    fn lag_clamp_rules_known_bugs_2() {
        // Lag limit for a weight-2 group entity: (0.7 ms + 1 ms)·2^20/2 =
        // 891,289,600,000 in v7.1.5 and 870,399,999 in v7.0.0, whose multiply-shift
        // calc_delta_fair() sees weight 2 as 2048 (docs/derivations.md §5.2).
        let mut se = SchedEntity::new(LoadWeight::new(2).unwrap(), 700_000);
        se.vruntime = Vtime(0);
        let (l71, w71) = overflowing_lag_limit(&Profile::LINUX_7_1, &se, 700_000, 1_000_000);
        assert_eq!((l71, w71), (891_289_600_000, false));
        let (l70, _) = overflowing_lag_limit(&Profile::LINUX_7_0, &se, 700_000, 1_000_000);
        assert_eq!(l70, 870_399_999);
    }

    #[test]
    fn u64_max_slice_wraps_the_limit_bbce3de72be5() {
        // bbce3de72be5 (docs/derivations.md §8.3): slice = U64_MAX; 2·slice wraps, and for a
        // group weight between nice 0 and 2·nice 0 the limit lands above i64::MAX, i.e. negative
        // as the s64 the kernel uses; its clamp then returns a huge negative lag.
        let p = Profile::LINUX_6_18;
        let mut se = SchedEntity::new(LoadWeight::new(1500 * 1024).unwrap(), u64::MAX);
        se.vruntime = Vtime(1000);
        let (limit, wrapped) = overflowing_lag_limit(&p, &se, 0, 1_000_000);
        assert!(wrapped);
        let (vlag, w) = overflowing_entity_lag(&p, Vtime(1500), &se, 0, 1_000_000);
        assert!(w);
        assert!((limit as i64) < 0);
        assert_eq!(vlag.0, limit as i64);
        assert!(vlag.0 < -(1 << 62));
        // EXACT: the limit is huge and positive; the lag is the true 500.
        assert_eq!(
            overflowing_entity_lag(&Profile::EXACT, Vtime(1500), &se, u64::MAX, 1_000_000),
            (Vlag(500), false)
        );
    }

    #[test]
    fn exact_places_into_a_queue_whose_sum_exceeds_s64() {
        // Two nice-0 entities 2^43 ns right of v0: S = 2^64, which EXACT holds in
        // 128 bits. Placing next to them overflows nothing and must not fail.
        // Also with a reference point that placement does not move (v6.6's rule).
        let min_ref = Profile {
            reference: Reference::MinVruntime,
            ..Profile::EXACT
        };
        for p in [Profile::EXACT, min_ref] {
            let v0 = Vtime(0);
            let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
            acc.add(Vtime(1 << 43), NICE0).unwrap();
            acc.add(Vtime(1 << 43), NICE0).unwrap();
            assert!(!acc.is_wrapped(), "EXACT never wraps");
            let ctx = RqCtx::new(None, 2, 3_000_000);
            let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
            se.vlag = Vlag(100);
            let r = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun(&p));
            assert_eq!(r, Ok(Wrapped::NO), "{p:?}");
            // lag 100·3/2 = 150 left of V = 2^43.
            assert_eq!(se.vruntime, Vtime((1 << 43) - 150));
        }
    }

    #[test]
    fn exact_lag_limit_overflow_keeps_the_exact_value_mod_2_64() {
        // The overflowing_* convention for EXACT: the flag says the exact result
        // does not fit the type, the value is that result mod 2^64 — not the
        // limit of a wrapped span.
        let g = SchedEntity::new(LoadWeight::new(3).unwrap(), u64::MAX);
        let twice = Profile {
            lag_limit: LagLimit::TwiceSlice,
            ..Profile::EXACT
        };
        for p in [Profile::EXACT, twice] {
            let exact = exact_lag_limit(&p, &g, u64::MAX, 1_000_000);
            assert!(exact > u64::MAX as u128);
            assert_eq!(
                overflowing_lag_limit(&p, &g, u64::MAX, 1_000_000),
                (exact as u64, true),
                "{p:?}"
            );
        }
        // In range, EXACT's limit is the exact one even where the kernel's differs.
        let n0 = SchedEntity::from_nice(0, 3_000_000).unwrap();
        assert_eq!(
            overflowing_lag_limit(&Profile::EXACT, &n0, 3_000_000, 1_000_000),
            (4_000_000, false)
        );
    }

    #[test]
    fn delayed_lag_rules_7_1_known_bugs_2_idea_3() {
        let p = Profile::LINUX_7_1;
        let t = tun(&p);
        let ctx = RqCtx::new(None, 0, 3_000_000);
        // The queue: one other entity at key 0; V = v0.
        let v0 = Vtime(1 << 40);
        let mk = |lag_prev: i64, vruntime_off: i64| {
            let mut se = nice0_at(v0.wrapping_add_signed(vruntime_off));
            se.sched_delayed = true;
            se.vlag = Vlag(lag_prev);
            se
        };
        // old −500,000, new −800,000 → stays −500,000.
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        acc.add(v0, NICE0).unwrap();
        let mut se = mk(-500_000, 800_000);
        let _ = overflowing_update_entity_lag(&mut acc, &ctx, &mut se, &t).unwrap();
        assert_eq!(se.vlag, Vlag(-500_000));
        // new +200,000 under DELAY_ZERO → 0.
        let mut se = mk(-500_000, -200_000);
        let _ = overflowing_update_entity_lag(&mut acc, &ctx, &mut se, &t).unwrap();
        assert_eq!(se.vlag, Vlag(0));
        // v7.0 stores the new value.
        let p70 = Profile::LINUX_7_0;
        let mut acc = AvgVruntime::with_zero_vruntime(p70, v0);
        acc.add(v0, NICE0).unwrap();
        let mut se = mk(-500_000, 800_000);
        let _ = overflowing_update_entity_lag(&mut acc, &ctx, &mut se, &tun(&p70)).unwrap();
        assert_eq!(se.vlag, Vlag(-800_000));
    }

    /// Reweight example of docs/derivations.md §6 (eab03c23c2a1): two weight-1024 (scaled-down)
    /// entities at 700,000 and 1,300,000 (V = 1,000,000); reweight the first to 2048 with
    /// deadline 1,300,000.
    fn reweight_case(p: Profile, first_is_curr: bool) -> (i64, i64, i64) {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let v0 = Vtime(0);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        let mut a = nice0_at(Vtime(700_000));
        a.deadline = Vtime(1_300_000);
        a.on_rq = true;
        let b = nice0_at(Vtime(1_300_000));
        acc.add(b.vruntime, NICE0).unwrap();
        if !first_is_curr {
            acc.add(a.vruntime, NICE0).unwrap();
        }
        let ctx = RqCtx {
            se_is_curr: first_is_curr,
            ..RqCtx::new(None, 2, 3_000_000)
        };
        let new = LoadWeight::new(2048 << 10).unwrap();
        let _ = reweight_entity(&mut acc, &ctx, &mut a, new, &t).unwrap();
        let curr = if first_is_curr {
            Some(a.as_curr())
        } else {
            None
        };
        let v = acc.avg_vruntime(curr).unwrap();
        (a.vruntime.0 as i64, a.deadline.0 as i64, v.0 as i64)
    }

    #[test]
    fn reweight_generations_known_bugs_3() {
        for curr in [false, true] {
            // v6.6.57 (b) and v7.1 (d): V stays put, real lag preserved, either way.
            for p in [Profile::LINUX_6_6_57, Profile::LINUX_7_1, Profile::EXACT] {
                assert_eq!(
                    reweight_case(p, curr),
                    (850_000, 1_150_000, 1_000_000),
                    "{p:?} curr={curr}"
                );
            }
            // v6.6.0 (a): vruntime unchanged, relative deadline halved.
            assert_eq!(reweight_case(Profile::LINUX_6_6, curr).0, 700_000);
            assert_eq!(reweight_case(Profile::LINUX_6_6, curr).1, 1_000_000);
        }
        // v6.18/v7.0 (c): same as (d) when not curr; when curr, place_entity's V still
        // counts curr at its old vruntime and new weight.
        for p in [Profile::LINUX_6_18, Profile::LINUX_7_0] {
            assert_eq!(
                reweight_case(p, false),
                (850_000, 1_150_000, 1_000_000),
                "{p:?}"
            );
            assert_eq!(
                reweight_case(p, true),
                (650_000, 950_000, 866_666),
                "{p:?} curr"
            );
        }
    }

    #[test]
    fn update_deadline_issues_one_slice() {
        let p = Profile::LINUX_7_1;
        let mut se = SchedEntity::from_nice(5, 3_000_000).unwrap();
        se.vruntime = Vtime(100);
        se.deadline = Vtime(200);
        assert_eq!(
            overflowing_update_deadline(&p, &mut se, 3_000_000),
            (Consumed::RUNNING, false)
        );
        se.vruntime = Vtime(10_000_000);
        assert_eq!(
            overflowing_update_deadline(&p, &mut se, 3_000_000),
            (Consumed::CONSUMED, false)
        );
        // 3 ms at nice 5 = 9,170,149 virtual ns (3e6·1024/335, truncated).
        assert_eq!(se.deadline, Vtime(10_000_000 + 9_170_149));
    }
}
