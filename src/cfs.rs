//! CFS as Linux v6.5 runs it, the last release before EEVDF: the latency
//! tunables and their CPU-count scaling, the period and the slices, the
//! monotonic `min_vruntime`, placement with the sleeper credit and
//! START_DEBIT, the wakeup granularity, the tick's preemption test and the
//! pick with its buddies (`kernel/sched/fair.c`, v6.5.0).
//!
//! CFS runs the queued entity with the smallest vruntime (the run queue's tree
//! is keyed by vruntime). Nothing is eligible or has a deadline; instead
//!
//! ```text
//! period  P = latency                    if nr ≤ sched_nr_latency
//!           = nr · min_granularity       otherwise                (__sched_period)
//! slice   s = max(P · w / W, min_granularity)                     (sched_slice, BASE_SLICE)
//! vslice    = calc_delta_fair(s, w) = s · 2²⁰ / w                 (sched_vslice)
//! tick    : resched when curr ran more than min(s, latency) since it was picked,
//!           or (after min_granularity) is more than that ahead of the leftmost
//! wakeup  : preempt when curr.vruntime − wakee.vruntime > calc_delta_fair(wakeup_gran, wakee)
//! place   : v = max(v, min_vruntime − latency/2)    on wakeup (GENTLE_FAIR_SLEEPERS)
//!           v = max(v, min_vruntime + vslice)       at fork   (START_DEBIT)
//! ```
//!
//! `min_vruntime` only moves forward, to the smaller of curr's and the
//! leftmost's vruntime; an entity that leaves a queue for any reason but sleep
//! carries its vruntime relative to it ([`relative_vruntime`]). A reweight
//! changes the weight only; vruntime stays. The arithmetic under these rules
//! is 6.6's (`__calc_delta`, the weight tables and `calc_delta_fair` did not
//! change), so the functions take a [`Profile`] for it, normally
//! [`Profile::LINUX_6_5`].
//!
//! The functions are pure and describe one level (a flat run queue: every
//! entity a task of the root group). [`RunQueue<Linux6_5, N>`](crate::runqueue::RunQueue)
//! sequences them as 6.5's fair class does. Derivations and the worked numbers
//! the tests use are in `docs/derivations.md` §13.

use crate::entity::SchedEntity;
use crate::features::Features;
use crate::outcome::Wrapped;
use crate::profile::{PlaceRule, Profile};
use crate::vtime::Vtime;
use crate::weight::{overflowing_calc_delta, overflowing_calc_delta_fair, LoadWeight};
use crate::Error;

/// `normalized_sysctl_sched_latency`: 6 ms, the targeted preemption latency
/// for CPU-bound tasks before the CPU-count factor.
pub const NORMALIZED_LATENCY: u32 = 6_000_000;
/// `normalized_sysctl_sched_min_granularity`: 0.75 ms, the shortest slice
/// before the CPU-count factor (renamed `base_slice` in v6.6, e4ec3318a17f).
pub const NORMALIZED_MIN_GRANULARITY: u32 = 750_000;
/// `normalized_sysctl_sched_wakeup_granularity`: 1 ms, the vruntime lead a
/// wakee needs to preempt, before the CPU-count factor.
pub const NORMALIZED_WAKEUP_GRANULARITY: u32 = 1_000_000;
/// `sysctl_sched_idle_min_granularity`: 0.75 ms, the shortest slice of a
/// SCHED_IDLE entity competing with others (never scaled).
pub const IDLE_MIN_GRANULARITY: u32 = 750_000;
/// `sched_nr_latency`: the number of tasks that fit the latency at the minimum
/// granularity, 6 ms / 0.75 ms = 8. Not recomputed at boot: the CPU-count
/// factor scales latency and granularity alike.
pub const SCHED_NR_LATENCY: u32 = 8;
/// `entity_is_long_sleeper`'s threshold: 2⁶³ / `scale_load_down(NICE_0_LOAD)`
/// = 2⁶³/1024 ns (≈ 104 days), the sleep after which a vruntime is no longer
/// compared with `min_vruntime` (829c1651e9c4 "sched/fair: sanitize vruntime
/// of entity being placed", v6.3).
pub const LONG_SLEEPER_NS: u64 = (1 << 63) / 1024;

/// `enum sched_tunable_scaling`: how the latency tunables grow with the number
/// of online CPUs (`sysctl_sched_tunable_scaling`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TunableScaling {
    /// SCHED_TUNABLESCALING_NONE: factor 1.
    None = 0,
    /// SCHED_TUNABLESCALING_LOG (the default): 1 + ⌊log₂ cpus⌋.
    #[default]
    Log = 1,
    /// SCHED_TUNABLESCALING_LINEAR: cpus.
    Linear = 2,
}

/// `get_update_sysctl_factor()` (v6.5): the factor the normalized tunables are
/// multiplied by, with cpus = min(online CPUs, 8):
///
/// | online CPUs | 1 | 2–3 | 4–7 | ≥ 8 |
/// |---|---|---|---|---|
/// | [`TunableScaling::Log`] | 1 | 2 | 3 | 4 |
///
/// [`Error::InvalidArgument`] for 0 online CPUs (the kernel always has one;
/// `ilog2(0)` is undefined).
///
/// ```
/// use eevdf::cfs::{get_update_sysctl_factor, TunableScaling};
/// assert_eq!(get_update_sysctl_factor(8, TunableScaling::Log), Ok(4));
/// assert_eq!(get_update_sysctl_factor(64, TunableScaling::Linear), Ok(8));
/// ```
pub const fn get_update_sysctl_factor(
    online_cpus: u32,
    scaling: TunableScaling,
) -> Result<u32, Error> {
    if online_cpus == 0 {
        return Err(Error::InvalidArgument);
    }
    let cpus = if online_cpus > 8 { 8 } else { online_cpus };
    Ok(match scaling {
        TunableScaling::None => 1,
        TunableScaling::Linear => cpus,
        TunableScaling::Log => 1 + (31 - cpus.leading_zeros()),
    })
}

/// The CFS latency tunables (`sysctl_sched_*`, all `unsigned int` ns in the
/// kernel) as one CPU's fair class reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CfsTunables {
    /// `sysctl_sched_latency`: the period for up to `nr_latency` tasks.
    pub latency: u32,
    /// `sysctl_sched_min_granularity`: the shortest slice, and the period per
    /// task beyond `nr_latency`.
    pub min_granularity: u32,
    /// `sysctl_sched_wakeup_granularity`: the vruntime lead (of a nice-0
    /// wakee) needed to preempt.
    pub wakeup_granularity: u32,
    /// `sysctl_sched_idle_min_granularity`: the shortest slice of a SCHED_IDLE
    /// entity among others.
    pub idle_min_granularity: u32,
    /// `sched_nr_latency`.
    pub nr_latency: u32,
}

impl CfsTunables {
    /// The normalized values (factor 1: one CPU, or no scaling).
    pub const NORMALIZED: CfsTunables = CfsTunables {
        latency: NORMALIZED_LATENCY,
        min_granularity: NORMALIZED_MIN_GRANULARITY,
        wakeup_granularity: NORMALIZED_WAKEUP_GRANULARITY,
        idle_min_granularity: IDLE_MIN_GRANULARITY,
        nr_latency: SCHED_NR_LATENCY,
    };

    /// `update_sysctl()` at boot (`sched_init_granularity`): latency,
    /// min_granularity and wakeup_granularity are the normalized values times
    /// [`get_update_sysctl_factor`]; `sched_nr_latency` and the idle
    /// granularity stay. [`Error::InvalidArgument`] for 0 CPUs.
    ///
    /// ```
    /// use eevdf::cfs::{CfsTunables, TunableScaling};
    /// // 8 online CPUs, the default LOG scaling: factor 4.
    /// let t = CfsTunables::scaled(8, TunableScaling::Log).unwrap();
    /// assert_eq!((t.latency, t.min_granularity, t.wakeup_granularity), (24_000_000, 3_000_000, 4_000_000));
    /// assert_eq!(t.nr_latency, 8);
    /// ```
    pub const fn scaled(online_cpus: u32, scaling: TunableScaling) -> Result<CfsTunables, Error> {
        match get_update_sysctl_factor(online_cpus, scaling) {
            // factor ≤ 8: every product stays below 2³².
            Ok(f) => Ok(CfsTunables::with_factor(f)),
            Err(e) => Err(e),
        }
    }

    /// The boot values for `online_cpus` under the default LOG scaling
    /// ([`CfsTunables::scaled`]).
    pub const fn defaults(online_cpus: u32) -> Result<CfsTunables, Error> {
        CfsTunables::scaled(online_cpus, TunableScaling::Log)
    }

    const fn with_factor(f: u32) -> CfsTunables {
        CfsTunables {
            latency: NORMALIZED_LATENCY * f,
            min_granularity: NORMALIZED_MIN_GRANULARITY * f,
            wakeup_granularity: NORMALIZED_WAKEUP_GRANULARITY * f,
            idle_min_granularity: IDLE_MIN_GRANULARITY,
            nr_latency: SCHED_NR_LATENCY,
        }
    }

    /// The tunables whose `sysctl_sched_min_granularity` is `min_granularity`,
    /// as a run queue built from [`Tunables`](crate::entity::Tunables) reads
    /// them: the base slice of v6.6 and later *is* v6.5's minimum granularity
    /// (renamed by e4ec3318a17f), so [`Profile::base_slice`] for the CPU count
    /// gives it, and the factor is recovered as `min_granularity / 750,000`
    /// (at least 1) to scale latency and wakeup granularity alike. A minimum
    /// granularity that is not such a multiple keeps its own value, the other
    /// two take the factor rounded down. Values above `u32::MAX` saturate.
    ///
    /// ```
    /// use eevdf::cfs::CfsTunables;
    /// use eevdf::Profile;
    /// let t = CfsTunables::from_min_granularity(Profile::LINUX_6_5.base_slice(4));
    /// assert_eq!(t, CfsTunables::defaults(4).unwrap());
    /// ```
    pub const fn from_min_granularity(min_granularity: u64) -> CfsTunables {
        let g = if min_granularity > u32::MAX as u64 {
            u32::MAX
        } else {
            min_granularity as u32
        };
        let f = g / NORMALIZED_MIN_GRANULARITY;
        let f = if f == 0 { 1 } else { f };
        CfsTunables {
            latency: NORMALIZED_LATENCY.saturating_mul(f),
            min_granularity: g,
            wakeup_granularity: NORMALIZED_WAKEUP_GRANULARITY.saturating_mul(f),
            idle_min_granularity: IDLE_MIN_GRANULARITY,
            nr_latency: SCHED_NR_LATENCY,
        }
    }

    /// `sched_update_scaling()` (a debugfs write of latency or granularity):
    /// `sched_nr_latency = ⌈latency / min_granularity⌉`.
    /// [`Error::Undefined`] for a zero minimum granularity.
    pub fn update_scaling(&mut self) -> Result<(), Error> {
        if self.min_granularity == 0 {
            return Err(Error::Undefined);
        }
        self.nr_latency = self.latency.div_ceil(self.min_granularity);
        Ok(())
    }
}

impl Default for CfsTunables {
    /// [`CfsTunables::NORMALIZED`] (one CPU).
    fn default() -> CfsTunables {
        CfsTunables::NORMALIZED
    }
}

/// `__sched_period(nr_running)` (v6.5): `latency` while `nr_running ≤
/// sched_nr_latency`, else `nr_running · min_granularity` as the kernel's
/// `unsigned long` (wrapping, flagged).
///
/// ```
/// use eevdf::cfs::{overflowing_sched_period, CfsTunables};
/// let t = CfsTunables::NORMALIZED;
/// assert_eq!(overflowing_sched_period(&t, 8), (6_000_000, false));
/// assert_eq!(overflowing_sched_period(&t, 10), (7_500_000, false));
/// ```
#[inline]
pub const fn overflowing_sched_period(tun: &CfsTunables, nr_running: u64) -> (u64, bool) {
    if nr_running > tun.nr_latency as u64 {
        nr_running.overflowing_mul(tun.min_granularity as u64)
    } else {
        (tun.latency as u64, false)
    }
}

/// One CFS run queue as `sched_slice` and `place_entity` read it (v6.5), the
/// entity operated on excluded unless it is queued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CfsRqCtx {
    /// `cfs_rq.min_vruntime`.
    pub min_vruntime: Vtime,
    /// `cfs_rq.nr_running` (curr counted while queued).
    pub nr_running: u32,
    /// `rq.cfs.h_nr_running`: every fair task of the CPU, read under
    /// ALT_PERIOD. Equal to `nr_running` on a flat run queue.
    pub h_nr_running: u32,
    /// `cfs_rq.idle_nr_running`: queued SCHED_IDLE entities.
    pub idle_nr_running: u32,
    /// `cfs_rq.load.weight`: the queued entities' weights (curr included).
    pub load: u64,
    /// `rq_clock_task` now (read by the long-sleeper test).
    pub clock_task: u64,
    /// `avg_vruntime(cfs_rq)`: V, with curr's term if curr is queued (read
    /// only by the lag placement of [`PlaceRule::CfsLag`]).
    pub avg_vruntime: Vtime,
    /// `cfs_rq.avg_load`: Σ `scale_load_down(load.weight)` over the tree
    /// (curr excluded; [`PlaceRule::CfsLag`] only).
    pub avg_load: u64,
    /// curr's full `load.weight` if curr is queued, else 0
    /// ([`PlaceRule::CfsLag`] only).
    pub curr_load: u64,
}

impl CfsRqCtx {
    /// `sched_idle_cfs_rq`: something is queued and all of it is SCHED_IDLE.
    pub const fn sched_idle_cfs_rq(&self) -> bool {
        self.nr_running != 0 && self.nr_running == self.idle_nr_running
    }
}

/// `sched_slice(cfs_rq, se)` (v6.5, one level; ALT_PERIOD and BASE_SLICE from
/// 0c2de3f054a5, the SCHED_IDLE minimum from 51ce83ed523b): the wall-clock
/// share of the period an entity of weight w gets in a queue of weight W,
///
/// ```text
/// nr    = rq.cfs.h_nr_running (ALT_PERIOD) or cfs_rq.nr_running, + 1 if se is not queued
/// W'    = W, or W + w in a copy with a stale inverse if se is not queued
/// slice = __calc_delta(__sched_period(nr), w, W')       ≈ P·w/W'
/// slice = max(slice, g)                                 (BASE_SLICE)
/// ```
///
/// with g the idle minimum granularity for a SCHED_IDLE entity (`se_idle`) in
/// a queue that is not all SCHED_IDLE, else the minimum granularity. Returns
/// (slice, wrapped): the period's product, `W + w`, or `__calc_delta`'s
/// quotient overflowed (see [`overflowing_calc_delta`]).
///
/// Errors: [`Error::ZeroWeight`] when the load the slice is taken from is 0
/// (a queued entity in an empty queue); [`Error::Undefined`] where
/// `__calc_delta`'s shift would go negative; under EXACT, [`Error::Overflow`].
///
/// ```
/// use eevdf::cfs::{overflowing_sched_slice, CfsRqCtx, CfsTunables};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Features, Profile, Release};
/// // sched_slice(), v6.5.0: three nice-0 tasks and a nice-5 one queued;
/// // period 6 ms, W = 3·2²⁰ + 343,040.
/// let f = Features::defaults(Release::Linux6_5);
/// let q = CfsRqCtx { nr_running: 4, h_nr_running: 4, load: 3 * (1 << 20) + 343_040, ..CfsRqCtx::default() };
/// let mut se = SchedEntity::from_nice(0, 0)?;
/// se.on_rq = true;
/// let t = CfsTunables::NORMALIZED;
/// assert_eq!(overflowing_sched_slice(&Profile::LINUX_6_5, &t, f, &q, &se, false)?, (1_803_345, false));
/// # Ok::<(), eevdf::Error>(())
/// ```
pub fn overflowing_sched_slice(
    profile: &Profile,
    tun: &CfsTunables,
    features: Features,
    rq: &CfsRqCtx,
    se: &SchedEntity,
    se_idle: bool,
) -> Result<(u64, bool), Error> {
    let nr = if features.contains(Features::ALT_PERIOD) {
        rq.h_nr_running
    } else {
        rq.nr_running
    };
    let (period, o1) = overflowing_sched_period(tun, nr as u64 + (!se.on_rq) as u64);
    let w = se.load.weight();
    let (load, o2) = if se.on_rq {
        (rq.load, false)
    } else {
        rq.load.overflowing_add(w)
    };
    let lw = LoadWeight::new(load)?;
    let (mut slice, o3) = overflowing_calc_delta(profile, period, w, &lw)?;
    let wrapped = o1 | o2 | o3;
    if features.contains(Features::BASE_SLICE) {
        let g = if se_idle && !rq.sched_idle_cfs_rq() {
            tun.idle_min_granularity
        } else {
            tun.min_granularity
        };
        slice = slice.max(g as u64);
    }
    profile.settle(((), wrapped))?;
    Ok((slice, wrapped))
}

/// `sched_vslice(cfs_rq, se)` (v6.5): the slice in virtual time,
/// `calc_delta_fair(sched_slice(cfs_rq, se), se)`. Returns (vslice, wrapped);
/// errors as [`overflowing_sched_slice`].
///
/// ```
/// use eevdf::cfs::{overflowing_sched_vslice, CfsRqCtx, CfsTunables};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Features, Profile, Release};
/// // sched_vslice(), v6.5.0: a nice-5 task's 0.75 ms minimum slice is
/// // 750,000 · 2²⁰ / 343,040 virtual ns (multiply-shift: 2,292,537).
/// let f = Features::defaults(Release::Linux6_5);
/// let q = CfsRqCtx { nr_running: 4, h_nr_running: 4, load: 3 * (1 << 20) + 343_040, ..CfsRqCtx::default() };
/// let mut se = SchedEntity::from_nice(5, 0)?;
/// se.on_rq = true;
/// let t = CfsTunables::NORMALIZED;
/// assert_eq!(overflowing_sched_vslice(&Profile::LINUX_6_5, &t, f, &q, &se, false)?, (2_292_537, false));
/// # Ok::<(), eevdf::Error>(())
/// ```
pub fn overflowing_sched_vslice(
    profile: &Profile,
    tun: &CfsTunables,
    features: Features,
    rq: &CfsRqCtx,
    se: &SchedEntity,
    se_idle: bool,
) -> Result<(u64, bool), Error> {
    let (slice, o1) = overflowing_sched_slice(profile, tun, features, rq, se, se_idle)?;
    let (v, o2) = overflowing_calc_delta_fair(profile, slice, &se.load);
    profile.settle(((), o2))?;
    Ok((v, o1 | o2))
}

/// `update_min_vruntime(cfs_rq)` (v6.5): the candidate is curr's vruntime if
/// curr is queued (`curr_on_rq`), the leftmost queued entity's, or the smaller
/// of the two (`min_vruntime()`, wrapping order); `min_vruntime` then moves to
/// it only forward (`max_vruntime()`). With neither, it stays.
///
/// ```
/// use eevdf::cfs::update_min_vruntime;
/// use eevdf::Vtime;
/// let m = Vtime(1_000);
/// assert_eq!(update_min_vruntime(m, Some(Vtime(1_500)), Some(Vtime(1_200))), Vtime(1_200));
/// assert_eq!(update_min_vruntime(m, Some(Vtime(900)), None), m); // never backwards
/// ```
#[inline]
pub const fn update_min_vruntime(
    min_vruntime: Vtime,
    curr_on_rq: Option<Vtime>,
    leftmost: Option<Vtime>,
) -> Vtime {
    let v = match (curr_on_rq, leftmost) {
        (Some(c), Some(l)) => c.min(l),
        (Some(c), None) => c,
        (None, Some(l)) => l,
        (None, None) => min_vruntime,
    };
    min_vruntime.max(v)
}

/// `entity_is_long_sleeper(se)` (v6.5, 829c1651e9c4): the entity ran before
/// (`exec_start ≠ 0`) and has slept more than [`LONG_SLEEPER_NS`] by
/// `clock_task` (a clock behind `exec_start`, as after a migration, is no
/// sleep). Such a vruntime may be more than 2⁶³ behind `min_vruntime`, so
/// `place_entity` does not compare it.
#[inline]
pub const fn entity_is_long_sleeper(exec_start: u64, clock_task: u64) -> bool {
    exec_start != 0 && clock_task > exec_start && clock_task - exec_start > LONG_SLEEPER_NS
}

/// `place_entity(cfs_rq, se, initial)` (v6.5): where an entity joins the
/// queue, from `v = min_vruntime`:
///
/// * `initial` (fork) under START_DEBIT: `v += sched_vslice(cfs_rq, se)`, the
///   slot that opens at the end of the current period (`se` not queued, so
///   the period counts it and `W` includes it);
/// * otherwise (wakeup), the sleeper credit: `v −= thresh` with thresh =
///   latency (min_granularity for a SCHED_IDLE `se_idle`), halved under
///   GENTLE_FAIR_SLEEPERS (u64, wrapping);
/// * `vruntime = v` for a long sleeper ([`entity_is_long_sleeper`] with
///   `exec_start`), else `max_vruntime(vruntime, v)`: placement never moves
///   an entity back, so a short sleep earns no credit.
///
/// Only `se.vruntime` changes. Returns wrapped (START_DEBIT's vslice); errors
/// as [`overflowing_sched_vslice`].
///
/// ```
/// use eevdf::cfs::{place_entity, CfsRqCtx, CfsTunables};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Features, Profile, Release, Vtime};
/// // place_entity(), v6.5.0, one CPU: a wakeup lands at most latency/2 = 3 ms
/// // before min_vruntime.
/// let f = Features::defaults(Release::Linux6_5);
/// let q = CfsRqCtx { min_vruntime: Vtime(1_000_000_000), ..CfsRqCtx::default() };
/// let mut se = SchedEntity::from_nice(0, 0)?;
/// se.vruntime = Vtime(990_000_000);
/// let _ = place_entity(&Profile::LINUX_6_5, &CfsTunables::NORMALIZED, f, &q, &mut se, 1, false, false)?;
/// assert_eq!(se.vruntime, Vtime(997_000_000));
/// # Ok::<(), eevdf::Error>(())
/// ```
///
/// # Under [`PlaceRule::CfsLag`] (86bfbb7ce4f6 "sched/fair: Add lag based placement")
///
/// ```text
/// v  = V                                              (avg_vruntime)
/// v −= vlag ⊗ (W + c + w) / (W + c)                   PLACE_LAG and nr_running > 1
///                                                     (W + c = 0 divides by 1)
/// v −= thresh;  v = max_vruntime(vruntime, v)         FAIR_SLEEPERS (off): the credit
///                                                     only on wakeup, the max unless
///                                                     a long sleeper
/// ```
///
/// with W = [`CfsRqCtx::avg_load`] (`scale_load_down` units), c =
/// [`CfsRqCtx::curr_load`] and w = `se.load.weight` (full units): see
/// [`overflowing_place_lag`]. No START_DEBIT (e0c2ff903c32 removed it), so a
/// fork lands at V less its (normally zero) lag. Returns wrapped: the
/// lag's inflation wrapped (under EXACT an [`Error::Overflow`]); errors as
/// [`overflowing_place_lag`].
///
/// ```
/// use eevdf::cfs::{place_entity, CfsRqCtx, CfsTunables};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Profile, Vlag, Vtime};
/// // 86bfbb7ce4f6: a nice-0 wakee with vlag 3 ms next to a queued nice-0 curr
/// // and one nice-0 task in the tree goes back 5,997,073 ns, not 3 ms.
/// let p = Profile::LINUX_6_5_PLACE_LAG;
/// let q = CfsRqCtx {
///     nr_running: 3,
///     avg_vruntime: Vtime(100_000_000),
///     avg_load: 1024,
///     curr_load: 1 << 20,
///     ..CfsRqCtx::default()
/// };
/// let mut se = SchedEntity::from_nice(0, 0)?;
/// se.vlag = Vlag(3_000_000);
/// let _ = place_entity(&p, &CfsTunables::NORMALIZED, p.default_features(), &q, &mut se, 1, false, false)?;
/// assert_eq!(se.vruntime, Vtime(100_000_000 - 5_997_073));
/// # Ok::<(), eevdf::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn place_entity(
    profile: &Profile,
    tun: &CfsTunables,
    features: Features,
    rq: &CfsRqCtx,
    se: &mut SchedEntity,
    exec_start: u64,
    se_idle: bool,
    initial: bool,
) -> Result<Wrapped, Error> {
    if profile.placement == PlaceRule::CfsLag {
        return place_entity_lag(profile, tun, features, rq, se, exec_start, se_idle, initial);
    }
    let mut v = rq.min_vruntime;
    let mut wrapped = false;
    if initial && features.contains(Features::START_DEBIT) {
        let (vslice, w) = overflowing_sched_vslice(profile, tun, features, rq, se, se_idle)?;
        v += vslice;
        wrapped = w;
    }
    if !initial {
        v = Vtime(v.0.wrapping_sub(sleeper_thresh(tun, features, se_idle)));
    }
    se.vruntime = if entity_is_long_sleeper(exec_start, rq.clock_task) {
        v
    } else {
        se.vruntime.max(v)
    };
    Ok(Wrapped::from(wrapped))
}

/// The sleeper credit of `place_entity` (v6.5; FAIR_SLEEPERS at
/// 86bfbb7ce4f6): the latency (the minimum granularity for a SCHED_IDLE
/// entity), halved under GENTLE_FAIR_SLEEPERS.
#[inline]
fn sleeper_thresh(tun: &CfsTunables, features: Features, se_idle: bool) -> u64 {
    let thresh = if se_idle {
        tun.min_granularity
    } else {
        tun.latency
    } as u64;
    if features.contains(Features::GENTLE_FAIR_SLEEPERS) {
        thresh >> 1
    } else {
        thresh
    }
}

/// [`place_entity`] under [`PlaceRule::CfsLag`] (86bfbb7ce4f6).
#[allow(clippy::too_many_arguments)]
fn place_entity_lag(
    profile: &Profile,
    tun: &CfsTunables,
    features: Features,
    rq: &CfsRqCtx,
    se: &mut SchedEntity,
    exec_start: u64,
    se_idle: bool,
    initial: bool,
) -> Result<Wrapped, Error> {
    let mut v = rq.avg_vruntime;
    let mut wrapped = false;
    if features.contains(Features::PLACE_LAG) && rq.nr_running > 1 {
        let (lag, w) = overflowing_place_lag(
            profile,
            se.vlag.0,
            rq.avg_load,
            rq.curr_load,
            se.load.weight(),
        )?;
        profile.settle(((), w))?;
        v = v.wrapping_sub_signed(lag);
        wrapped = w;
    }
    if features.contains(Features::FAIR_SLEEPERS) {
        if !initial {
            v = Vtime(v.0.wrapping_sub(sleeper_thresh(tun, features, se_idle)));
        }
        if !entity_is_long_sleeper(exec_start, rq.clock_task) {
            v = se.vruntime.max(v);
        }
    }
    se.vruntime = v;
    Ok(Wrapped::from(wrapped))
}

/// The lag inflation of 86bfbb7ce4f6's `place_entity` ([`PlaceRule::CfsLag`]):
///
/// ```text
/// load = avg_load + curr_load          (unsigned long, wrapping)
/// lag  = vlag ⊗ (load + w)             (s64, wrapping)
/// lag  = div_s64(lag, load ≠ 0 ? load : 1)
/// ```
///
/// `avg_load` is the tree's Σ `scale_load_down(load.weight)` but
/// `curr_load` (curr's, 0 if curr is not queued) and `w` (the entity's) are
/// full `load.weight`s: with a queued curr the divisor is dominated by
/// curr's 2²⁰-scale weight, and the factor (load + w)/load comes out near 2
/// for a nice-0 wakee instead of v6.6.0's (W + w)/W in one unit; with no
/// queued curr it is 1 + w/W, 1025 for a nice-0 wakee over one nice-0 task. The division is the
/// profile's ([`Division`](crate::profile::Division): `div_s64` truncates
/// the divisor to s32). Returns (lag, wrapped) as
/// [`entity::overflowing_place_lag`](crate::entity::overflowing_place_lag)
/// for that load and weight, the wrap of `avg_load + curr_load` included.
/// Errors: [`Error::Undefined`] for a divisor that `div_s64` truncates to 0
/// (a kernel division by zero) or `i64::MIN / −1`.
///
/// ```
/// use eevdf::cfs::overflowing_place_lag;
/// use eevdf::Profile;
/// // One nice-0 task in the tree (1024), nice-0 curr queued (2²⁰), nice-0
/// // wakee: tdiv(3,000,000 · 2,098,176, 1,049,600).
/// let p = Profile::LINUX_6_5_PLACE_LAG;
/// assert_eq!(overflowing_place_lag(&p, 3_000_000, 1024, 1 << 20, 1 << 20), Ok((5_997_073, false)));
/// ```
pub fn overflowing_place_lag(
    profile: &Profile,
    vlag: i64,
    avg_load: u64,
    curr_load: u64,
    weight: u64,
) -> Result<(i64, bool), Error> {
    let (load, o) = avg_load.overflowing_add(curr_load);
    if profile.is_exact() && o {
        return Err(Error::Overflow);
    }
    let (lag, w) = crate::entity::overflowing_place_lag(profile, vlag, load, weight)?;
    Ok((lag, w | o))
}

/// `migrate_task_rq_fair` and `dequeue_entity` without DEQUEUE_SLEEP (v6.5):
/// an entity leaving a queue for another carries `vruntime − min_vruntime`
/// (u64, wrapping), so that it keeps its distance from the front of the queue.
#[inline]
pub const fn relative_vruntime(vruntime: Vtime, min_vruntime: Vtime) -> Vtime {
    Vtime(vruntime.0.wrapping_sub(min_vruntime.0))
}

/// `enqueue_entity` without ENQUEUE_WAKEUP, or with ENQUEUE_MIGRATED (v6.5):
/// a relative vruntime becomes absolute on the new queue,
/// `vruntime + min_vruntime` (u64, wrapping).
#[inline]
pub const fn absolute_vruntime(relative: Vtime, min_vruntime: Vtime) -> Vtime {
    Vtime(relative.0.wrapping_add(min_vruntime.0))
}

/// `wakeup_gran(se)` (v6.5): the wakeup granularity in `se`'s virtual time,
/// `calc_delta_fair(sysctl_sched_wakeup_granularity, se)`: a heavier wakee
/// needs a smaller vruntime lead to preempt. Returns (gran, wrapped).
///
/// ```
/// use eevdf::cfs::{overflowing_wakeup_gran, CfsTunables};
/// use eevdf::{LoadWeight, Profile};
/// let t = CfsTunables::NORMALIZED;
/// let nice5 = LoadWeight::from_nice(5).unwrap();
/// assert_eq!(overflowing_wakeup_gran(&Profile::LINUX_6_5, &t, &nice5), (3_056_716, false));
/// ```
#[inline]
pub fn overflowing_wakeup_gran(
    profile: &Profile,
    tun: &CfsTunables,
    se: &LoadWeight,
) -> (u64, bool) {
    overflowing_calc_delta_fair(profile, tun.wakeup_granularity as u64, se)
}

/// The answer of [`wakeup_preempt_entity`]: the kernel's −1/0/1.
#[repr(i8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WakeupPreempt {
    /// −1: `se` is not behind `curr` (vdiff ≤ 0).
    Behind = -1,
    /// 0: `se` is behind by at most the granularity.
    WithinGran = 0,
    /// 1: `se` is behind by more than the granularity: it should run first.
    Preempt = 1,
}

impl WakeupPreempt {
    /// The kernel's value.
    pub const fn as_i32(self) -> i32 {
        self as i8 as i32
    }
}

/// `wakeup_preempt_entity(curr, se)` (v6.5): should `se` run before `curr`?
///
/// ```text
/// vdiff = curr.vruntime − se.vruntime (s64, wrapping)
/// −1 if vdiff ≤ 0;  1 if vdiff > (s64) wakeup_gran(se);  else 0
/// ```
///
/// The granularity is in the weight of `se`, the *second* argument: the wakee
/// in `check_preempt_wakeup`, the leftmost in `pick_next_entity`. The kernel
/// holds the granularity in an s64; every `u32` granularity on every weight
/// is below 2⁵², so the comparison is never signed-unsigned surprising.
/// Returns (answer, wrapped).
///
/// ```
/// use eevdf::cfs::{wakeup_preempt_entity, CfsTunables, WakeupPreempt};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Profile, Vtime};
/// let t = CfsTunables::NORMALIZED;
/// let mut curr = SchedEntity::from_nice(0, 0).unwrap();
/// let mut wakee = curr;
/// curr.vruntime = Vtime(10_000_000);
/// wakee.vruntime = Vtime(9_000_000); // exactly 1 ms behind: not enough
/// assert_eq!(wakeup_preempt_entity(&Profile::LINUX_6_5, &t, &curr, &wakee).0, WakeupPreempt::WithinGran);
/// wakee.vruntime = Vtime(8_999_999);
/// assert_eq!(wakeup_preempt_entity(&Profile::LINUX_6_5, &t, &curr, &wakee).0, WakeupPreempt::Preempt);
/// ```
#[inline]
pub fn wakeup_preempt_entity(
    profile: &Profile,
    tun: &CfsTunables,
    curr: &SchedEntity,
    se: &SchedEntity,
) -> (WakeupPreempt, bool) {
    let vdiff = curr.vruntime.wsub(se.vruntime);
    if vdiff <= 0 {
        return (WakeupPreempt::Behind, false);
    }
    let (gran, wrapped) = overflowing_wakeup_gran(profile, tun, &se.load);
    let r = if vdiff > gran as i64 {
        WakeupPreempt::Preempt
    } else {
        WakeupPreempt::WithinGran
    };
    (r, wrapped)
}

/// What [`check_preempt_tick`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TickPreemption {
    /// curr keeps running.
    None,
    /// curr used up its ideal runtime: resched, and curr's buddy marks are
    /// cleared (`clear_buddies`).
    SliceUsed,
    /// curr ran at least the minimum granularity and is ahead of the leftmost
    /// by more than its ideal runtime: resched (buddies kept).
    AheadOfLeftmost,
}

impl TickPreemption {
    /// Whether the tick reschedules.
    pub const fn is_resched(self) -> bool {
        !matches!(self, TickPreemption::None)
    }
}

/// `check_preempt_tick(cfs_rq, curr)` (v6.5), run by `entity_tick` when more
/// than one entity is queued:
///
/// ```text
/// ideal = min(sched_slice(cfs_rq, curr), latency)
/// ran   = sum_exec_runtime − prev_sum_exec_runtime    (since set_next_entity)
/// ran > ideal                                   → resched, clear curr's buddies
/// ran < min_granularity                         → keep
/// d = curr.vruntime − leftmost.vruntime (s64): d ≥ 0 and d > ideal → resched
/// ```
///
/// The last test compares a virtual lead with a wall-clock slice. `ran` is
/// `delta_exec`; `leftmost` is the first queued entity other than curr.
/// `curr` must be queued (`on_rq`). Errors: as [`overflowing_sched_slice`];
/// [`Error::InvalidArgument`] for a curr that is not queued, or for no
/// leftmost once the second test passes (the kernel would dereference NULL;
/// a queue with more than one entity always has one). Returns (decision,
/// wrapped).
///
/// ```
/// use eevdf::cfs::{check_preempt_tick, CfsRqCtx, CfsTunables, TickPreemption};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Features, Profile, Release, Vtime};
/// // check_preempt_tick(), v6.5.0: nice-0 curr among three nice-0 and a nice-5
/// // task, ideal runtime 1,803,345 ns.
/// let f = Features::defaults(Release::Linux6_5);
/// let q = CfsRqCtx { nr_running: 4, h_nr_running: 4, load: 3 * (1 << 20) + 343_040, ..CfsRqCtx::default() };
/// let mut curr = SchedEntity::from_nice(0, 0)?;
/// curr.on_rq = true;
/// curr.vruntime = Vtime(3_000_000);
/// let tick = |ran, left| check_preempt_tick(&Profile::LINUX_6_5, &CfsTunables::NORMALIZED, f, &q, &curr, ran, Some(Vtime(left)));
/// assert_eq!(tick(1_900_000, 0)?.0, TickPreemption::SliceUsed);
/// assert_eq!(tick(1_000_000, 1_000_000)?.0, TickPreemption::AheadOfLeftmost);
/// assert_eq!(tick(1_500_000, 1_500_000)?.0, TickPreemption::None);
/// assert_eq!(tick(700_000, 0)?.0, TickPreemption::None);
/// # Ok::<(), eevdf::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn check_preempt_tick(
    profile: &Profile,
    tun: &CfsTunables,
    features: Features,
    rq: &CfsRqCtx,
    curr: &SchedEntity,
    delta_exec: u64,
    leftmost: Option<Vtime>,
) -> Result<(TickPreemption, bool), Error> {
    if !curr.on_rq {
        return Err(Error::InvalidArgument);
    }
    let (slice, wrapped) = overflowing_sched_slice(profile, tun, features, rq, curr, false)?;
    let ideal = slice.min(tun.latency as u64);
    if delta_exec > ideal {
        return Ok((TickPreemption::SliceUsed, wrapped));
    }
    if delta_exec < tun.min_granularity as u64 {
        return Ok((TickPreemption::None, wrapped));
    }
    let left = leftmost.ok_or(Error::InvalidArgument)?;
    let delta = curr.vruntime.wsub(left);
    if delta >= 0 && delta as u64 > ideal {
        return Ok((TickPreemption::AheadOfLeftmost, wrapped));
    }
    Ok((TickPreemption::None, wrapped))
}

/// The candidates `pick_next_entity` (v6.5) looks at, each with the caller's
/// handle `I`.
#[derive(Clone, Copy, Debug)]
pub struct PickCandidates<'a, I> {
    /// curr, only while it is queued (`NULL` otherwise).
    pub curr: Option<(I, &'a SchedEntity)>,
    /// The tree's leftmost entity (curr is not in the tree).
    pub first: Option<(I, &'a SchedEntity)>,
    /// The tree successor of `first`.
    pub second: Option<(I, &'a SchedEntity)>,
    /// `cfs_rq.skip` (set by yield).
    pub skip: Option<I>,
    /// `cfs_rq.next` (a wakee that preempted, or `yield_to`'s target).
    pub next: Option<(I, &'a SchedEntity)>,
    /// `cfs_rq.last` (a curr that a wakee preempted, under LAST_BUDDY).
    pub last: Option<(I, &'a SchedEntity)>,
}

/// `pick_next_entity(cfs_rq, curr)` (v6.5):
///
/// 1. `left` = the leftmost of the tree, or curr if it is strictly before it
///    (`entity_before`; a tie goes to the tree);
/// 2. if `left` is the skip buddy, take the next in line instead — the tree's
///    first when `left` is curr, else the successor of `left` or curr if
///    that is before it — provided `wakeup_preempt_entity(second, left) < 1`;
/// 3. the next buddy if `wakeup_preempt_entity(next, left) < 1`, else the
///    last buddy on the same test.
///
/// Buddies are compared with `left`, never with the skip result, and the
/// next buddy wins over the last. `None` when nothing is queued. Returns
/// (pick, wrapped): a granularity's `calc_delta_fair` wrapped.
///
/// ```
/// use eevdf::cfs::{pick_next_entity, CfsTunables, PickCandidates};
/// use eevdf::entity::SchedEntity;
/// use eevdf::{Profile, Vtime};
/// let at = |v| SchedEntity { vruntime: Vtime(v), on_rq: true, ..SchedEntity::from_nice(0, 0).unwrap() };
/// let (a, b) = (at(1_000_000), at(1_600_000));
/// let mut c = PickCandidates { curr: None, first: Some((0, &a)), second: Some((1, &b)), skip: None, next: None, last: None };
/// let t = CfsTunables::NORMALIZED;
/// assert_eq!(pick_next_entity(&Profile::LINUX_6_5, &t, &c).0, Some(0));
/// c.last = Some((1, &b)); // 0.6 ms behind: within the 1 ms granularity
/// assert_eq!(pick_next_entity(&Profile::LINUX_6_5, &t, &c).0, Some(1));
/// ```
pub fn pick_next_entity<I: Copy + PartialEq>(
    profile: &Profile,
    tun: &CfsTunables,
    c: &PickCandidates<'_, I>,
) -> (Option<I>, bool) {
    let mut wrapped = false;
    let before = |a: &SchedEntity, b: &SchedEntity| a.vruntime.before(b.vruntime);
    let left = match (c.first, c.curr) {
        (None, curr) => curr,
        (Some(f), Some(cu)) if before(cu.1, f.1) => Some(cu),
        (first, _) => first,
    };
    let Some(left) = left else {
        return (None, false);
    };
    let mut se = left.0;
    let mut within = |cand: (I, &SchedEntity)| {
        let (r, w) = wakeup_preempt_entity(profile, tun, cand.1, left.1);
        wrapped |= w;
        r < WakeupPreempt::Preempt
    };
    if c.skip == Some(left.0) {
        let is_curr = c.curr.is_some_and(|cu| cu.0 == left.0);
        let second = if is_curr {
            c.first
        } else {
            match (c.second, c.curr) {
                (None, curr) => curr,
                (Some(s), Some(cu)) if before(cu.1, s.1) => Some(cu),
                (s, _) => s,
            }
        };
        if let Some(s) = second {
            if within(s) {
                se = s.0;
            }
        }
    }
    if let Some(n) = c.next.filter(|&n| within(n)) {
        se = n.0;
    } else if let Some(l) = c.last.filter(|&l| within(l)) {
        se = l.0;
    }
    (Some(se), wrapped)
}

#[cfg(test)]
mod tests;
