//! PELT (contract functions 9 and 10) and the PELT state: `struct sched_avg`,
//! its updates and the moves between an entity and its run queue.

use eevdf::features::Features;
use eevdf::pelt::{
    accumulate_pelt_segments, attach_entity_load_avg, decay_load, dequeue_load_avg,
    detach_entity_load_avg, enqueue_load_avg, get_pelt_divider, remove_load_avg, reweight_load_avg,
    update_load_avg_blocked_se, update_load_avg_cfs_rq, update_load_avg_se, util_est, RemovedLoad,
    SchedAvg, UtilEst, LOAD_AVG_MAX, PELT_MIN_DIVIDER, UTIL_AVG_UNCHANGED,
};
use eevdf::weight::LoadWeight;
use eevdf::Error;

use super::{check_out, profile_of, read_in, run, write_out, EevdfLoadWeight, EEVDF_OK};

/// `decay_load(val, n)`: val * y^n with y^32 = 1/2, the kernel's way: 0 for
/// n > 2016; otherwise val >> (n / 32), then floor(val * runnable_avg_yN_inv[n % 32] / 2^32).
/// A whole number of half-lives still multiplies by (2^32 - 1) / 2^32, so
/// `eevdf_pelt_decay_load(1024, 32)` is 511, not 512. Defined for every input.
#[no_mangle]
pub extern "C" fn eevdf_pelt_decay_load(val: u64, n: u64) -> u64 {
    decay_load(val, n)
}

/// `__accumulate_pelt_segments(periods, d1, d3)`: the contribution of an
/// interval that starts `d1` units before the end of an old period, spans
/// `periods - 1` full periods and ends `d3` units into the current one:
/// decay_load(d1, periods) + (LOAD_AVG_MAX - decay_load(LOAD_AVG_MAX, periods) - 1024) + d3,
/// in u32 wrapping arithmetic. For example (1, 500, 300) -> 789. The kernel
/// calls it with periods >= 1; 0 returns the wrapped value.
#[no_mangle]
pub extern "C" fn eevdf_pelt_accumulate_segments(periods: u64, d1: u32, d3: u32) -> u32 {
    accumulate_pelt_segments(periods, d1, d3)
}

// ---------------------------------------------------------------------------
// PELT state (pelt.c and fair.c, v6.6.0 … v7.1.5): struct sched_avg and the functions that move it.
// ---------------------------------------------------------------------------

/// `LOAD_AVG_MAX`: the largest PELT sum of a signal that is always 1
/// (sum over n of 1024 * y^n, y^32 = 1/2, as the kernel's tables round it).
pub const EEVDF_LOAD_AVG_MAX: u32 = 47742;

/// `PELT_MIN_DIVIDER` = `LOAD_AVG_MAX - 1024`: the divider at the start of a
/// period; `eevdf_pelt_divider` adds `period_contrib` to it.
pub const EEVDF_PELT_MIN_DIVIDER: u32 = 46718;

/// `UTIL_AVG_UNCHANGED`: the flag bit of util_est (bit 31) that says PELT has
/// not advanced since the estimate was stored.
pub const EEVDF_UTIL_AVG_UNCHANGED: u32 = 0x8000_0000;

static_assertions::const_assert_eq!(EEVDF_LOAD_AVG_MAX, LOAD_AVG_MAX);
static_assertions::const_assert_eq!(EEVDF_PELT_MIN_DIVIDER, PELT_MIN_DIVIDER);
static_assertions::const_assert_eq!(EEVDF_UTIL_AVG_UNCHANGED, UTIL_AVG_UNCHANGED);

/// The kernel's `struct util_est` of v6.6: the utilization a task had when it
/// last went to sleep.
///
/// * v6.6 (`EEVDF_PROFILE_LINUX_6_6`): `enqueued` is util_avg at the last
///   sleep dequeue, or'ed with `EEVDF_UTIL_AVG_UNCHANGED`; `ewma` is the moving
///   average. The estimate is max(ewma, enqueued & ~flag).
/// * v6.18 and later: the kernel keeps one word, which is `ewma` here and
///   carries the flag; `enqueued` is unused (left as it is).
///
/// Size 8, align 4.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfUtilEst {
    /// v6.6: util_avg at the last sleep dequeue | flag. Unused from v6.18 on.
    pub enqueued: u32,
    /// v6.6: the moving average. v6.18 and later: the whole word with its flag.
    pub ewma: u32,
}

/// The kernel's `struct sched_avg` (64-bit build): the PELT state of a task,
/// a group entity or a run queue. Zero it (`eevdf_sched_avg_init`) for a new
/// entity or run queue; `last_update_time = 0` means "not attached yet".
///
/// Each signal is a geometric sum over 1024-ns periods with y^32 = 1/2, and
/// each average is its sum divided by the divider
/// `EEVDF_PELT_MIN_DIVIDER + period_contrib` (for `load_avg`, times the
/// averaging weight `scale_load_down(weight)` of an entity, 1 for a run queue
/// whose `load_sum` is already weighted). `period_contrib` stays in [0, 1023]
/// under every function here.
///
/// Size 64, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfSchedAvg {
    /// The PELT clock (ns) up to which the sums are accumulated.
    pub last_update_time: u64,
    /// Sum of runnable time (weighted by `scale_load_down(weight)` in a run queue).
    pub load_sum: u64,
    /// Sum of runnable time * number runnable, * 1024.
    pub runnable_sum: u64,
    /// Sum of running time * 1024 (a u32 in the kernel; wraps there too).
    pub util_sum: u32,
    /// 1024-ns units already accumulated into the current period, [0, 1023].
    pub period_contrib: u32,
    /// load_sum * weight / divider.
    pub load_avg: u64,
    /// runnable_sum / divider.
    pub runnable_avg: u64,
    /// util_sum / divider.
    pub util_avg: u64,
    /// The utilization estimate (tasks only).
    pub util_est: EevdfUtilEst,
}

/// The averages of entities that migrated away (`cfs_rq->removed`), which
/// the run queue drops at its next update (`eevdf_remove_load_avg`).
///
/// Size 24, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfRemovedLoad {
    /// Sum of the removed `load_avg`.
    pub load_avg: u64,
    /// Sum of the removed `util_avg`.
    pub util_avg: u64,
    /// Sum of the removed `runnable_avg`.
    pub runnable_avg: u64,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::{EevdfRemovedLoad, EevdfSchedAvg, EevdfUtilEst};
    use core::mem::{align_of, offset_of};
    static_assertions::assert_eq_size!(EevdfUtilEst, [u8; 8]);
    static_assertions::const_assert_eq!(align_of::<EevdfUtilEst>(), 4);
    static_assertions::const_assert_eq!(offset_of!(EevdfUtilEst, enqueued), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfUtilEst, ewma), 4);
    static_assertions::assert_eq_size!(EevdfSchedAvg, [u8; 64]);
    static_assertions::const_assert_eq!(align_of::<EevdfSchedAvg>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, last_update_time), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, load_sum), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, runnable_sum), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, util_sum), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, period_contrib), 28);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, load_avg), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, runnable_avg), 40);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, util_avg), 48);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedAvg, util_est), 56);
    static_assertions::assert_eq_size!(EevdfRemovedLoad, [u8; 24]);
    static_assertions::const_assert_eq!(align_of::<EevdfRemovedLoad>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRemovedLoad, load_avg), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfRemovedLoad, util_avg), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRemovedLoad, runnable_avg), 16);
}

impl From<UtilEst> for EevdfUtilEst {
    fn from(u: UtilEst) -> Self {
        EevdfUtilEst {
            enqueued: u.enqueued,
            ewma: u.ewma,
        }
    }
}

impl From<EevdfUtilEst> for UtilEst {
    fn from(u: EevdfUtilEst) -> Self {
        UtilEst {
            enqueued: u.enqueued,
            ewma: u.ewma,
        }
    }
}

impl From<SchedAvg> for EevdfSchedAvg {
    fn from(s: SchedAvg) -> Self {
        EevdfSchedAvg {
            last_update_time: s.last_update_time,
            load_sum: s.load_sum,
            runnable_sum: s.runnable_sum,
            util_sum: s.util_sum,
            period_contrib: s.period_contrib,
            load_avg: s.load_avg,
            runnable_avg: s.runnable_avg,
            util_avg: s.util_avg,
            util_est: s.util_est.into(),
        }
    }
}

impl From<EevdfSchedAvg> for SchedAvg {
    fn from(s: EevdfSchedAvg) -> Self {
        SchedAvg {
            last_update_time: s.last_update_time,
            load_sum: s.load_sum,
            runnable_sum: s.runnable_sum,
            util_sum: s.util_sum,
            period_contrib: s.period_contrib,
            load_avg: s.load_avg,
            runnable_avg: s.runnable_avg,
            util_avg: s.util_avg,
            util_est: s.util_est.into(),
        }
    }
}

impl From<RemovedLoad> for EevdfRemovedLoad {
    fn from(r: RemovedLoad) -> Self {
        EevdfRemovedLoad {
            load_avg: r.load_avg,
            util_avg: r.util_avg,
            runnable_avg: r.runnable_avg,
        }
    }
}

impl From<EevdfRemovedLoad> for RemovedLoad {
    fn from(r: EevdfRemovedLoad) -> Self {
        RemovedLoad {
            load_avg: r.load_avg,
            util_avg: r.util_avg,
            runnable_avg: r.runnable_avg,
        }
    }
}

/// Copies in a caller's PELT state.
///
/// # Safety
///
/// As [`read_in`].
#[inline]
unsafe fn sched_avg_in(p: *const EevdfSchedAvg) -> Result<SchedAvg, Error> {
    // SAFETY: forwarded contract.
    unsafe { read_in(p) }.map(SchedAvg::from)
}

/// Copies in a caller's load weight (weight 0 is `EEVDF_EINVAL`).
///
/// # Safety
///
/// As [`read_in`].
#[inline]
unsafe fn weight_in(p: *const EevdfLoadWeight) -> Result<LoadWeight, Error> {
    // SAFETY: forwarded contract.
    unsafe { read_in(p) }.and_then(EevdfLoadWeight::to_rust)
}

/// Zeroes a PELT state: a new entity or run queue.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `sa`.
///
/// # Safety
///
/// `sa` is NULL or points to a writable `EevdfSchedAvg`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_sched_avg_init(sa: *mut EevdfSchedAvg) -> i32 {
    run(|| {
        check_out(sa)?;
        // SAFETY: `sa` was checked; writable by the caller's contract.
        unsafe { write_out(sa, SchedAvg::ZERO.into()) };
        Ok(EEVDF_OK)
    })
}

/// `get_pelt_divider(sa)` = `EEVDF_PELT_MIN_DIVIDER + sa->period_contrib`: the
/// largest sum reachable at the current position in the period (46718 at a
/// period start, 47741 at its end), by which the sums are divided.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `sa` or `out`.
///
/// # Safety
///
/// `sa` is NULL or points to a readable `EevdfSchedAvg`; `out` is NULL or
/// points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_pelt_divider(sa: *const EevdfSchedAvg, out: *mut u64) -> i32 {
    run(|| {
        // SAFETY: NULL or readable by the caller's contract.
        let s = unsafe { sched_avg_in(sa) }?;
        check_out(out)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, get_pelt_divider(&s)) };
        Ok(EEVDF_OK)
    })
}

/// `__update_load_avg_se(now, cfs_rq, se)`: advances a task's or group
/// entity's PELT state to the PELT clock `now` (ns).
///
/// The time since `last_update_time` is cut into 1024-ns units; the sums decay
/// by y^p over the p period boundaries crossed (y^32 = 1/2) and gain the new
/// activity (`on_rq` for load, `runnable` for runnable, `running` for util).
/// When a boundary was crossed the averages are recomputed as sum / divider
/// (load_avg with `scale_load_down(weight->weight)`), the util_est flag is
/// cleared, and `*decayed` is true.
///
/// * `weight`: the entity's `se->load`;
/// * `on_rq`: `se->on_rq`;
/// * `runnable`: `se_runnable(se)`: 0 if delayed, else `on_rq` for a task,
///   the group queue's `h_nr_runnable` for a group entity;
/// * `running`: the entity is its queue's `curr`.
///
/// Example (`___update_load_avg()`, every release): a zeroed nice-0 task, always running, updated every
/// 1,000,000 ns: after 2 ms load_sum 1930, period_contrib 929 and
/// load/runnable/util_avg 41/41/41; after 400 ms 1023/1024/1024.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for a NULL
/// pointer or a weight of 0. Defined for every state; sums wrap like the
/// kernel's.
///
/// # Safety
///
/// `sa` is NULL or points to a readable and writable `EevdfSchedAvg`;
/// `weight` NULL or a readable `EevdfLoadWeight`; `decayed` NULL or a
/// writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_load_avg_se(
    now: u64,
    sa: *mut EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
    on_rq: bool,
    runnable: u64,
    running: bool,
    decayed: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let (s, w) = unsafe { (sched_avg_in(sa.cast_const()), weight_in(weight)) };
        check_out(decayed)?;
        let (mut s, w) = (s?, w?);
        let d = update_load_avg_se(now, &mut s, &w, on_rq, runnable, running);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(sa, s.into());
            write_out(decayed, d);
        }
        Ok(EEVDF_OK)
    })
}

/// `__update_load_avg_blocked_se(now, se)`: decays a sleeping entity's sums
/// to `now` (no new activity) and, on a period boundary, recomputes its
/// averages with `scale_load_down(weight->weight)`; util_est is left alone.
/// `*decayed` says whether a boundary was crossed.
///
/// Returns as `eevdf_update_load_avg_se`.
///
/// # Safety
///
/// As `eevdf_update_load_avg_se`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_load_avg_blocked_se(
    now: u64,
    sa: *mut EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
    decayed: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let (s, w) = unsafe { (sched_avg_in(sa.cast_const()), weight_in(weight)) };
        check_out(decayed)?;
        let (mut s, w) = (s?, w?);
        let d = update_load_avg_blocked_se(now, &mut s, &w);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(sa, s.into());
            write_out(decayed, d);
        }
        Ok(EEVDF_OK)
    })
}

/// `__update_load_avg_cfs_rq(now, cfs_rq)`: advances a run queue's PELT state
/// to `now`. The load signal is `scale_load_down(load_weight)` (the queue's
/// `load.weight`, 64-bit units), runnable is `h_nr_runnable`, running is
/// `curr_running` (the queue has a `curr`); the averages divide by the divider
/// alone (the load sum is already weighted). `*decayed` says whether a period
/// boundary was crossed.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL pointer.
///
/// # Safety
///
/// `sa` is NULL or points to a readable and writable `EevdfSchedAvg`;
/// `decayed` NULL or a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_load_avg_cfs_rq(
    now: u64,
    sa: *mut EevdfSchedAvg,
    load_weight: u64,
    h_nr_runnable: u32,
    curr_running: bool,
    decayed: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let s = unsafe { sched_avg_in(sa.cast_const()) };
        check_out(decayed)?;
        let mut s = s?;
        let d = update_load_avg_cfs_rq(now, &mut s, load_weight, h_nr_runnable, curr_running);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(sa, s.into());
            write_out(decayed, d);
        }
        Ok(EEVDF_OK)
    })
}

/// The common shape of enqueue/dequeue: read cfs, se and weight, apply `f`
/// under the profile's release, write cfs back.
///
/// # Safety
///
/// As the entry points that call it.
unsafe fn move_load(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    se: *const EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
    f: fn(eevdf::Profile, &mut SchedAvg, &SchedAvg, &LoadWeight),
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or valid by the caller's contract.
        let (c, s, w) = unsafe {
            (
                sched_avg_in(cfs.cast_const()),
                sched_avg_in(se),
                weight_in(weight),
            )
        };
        let (p, mut c, s, w) = (p?, c?, s?, w?);
        f(p, &mut c, &s, &w);
        // SAFETY: `cfs` was checked by sched_avg_in; writable by the caller's contract.
        unsafe { write_out(cfs, c.into()) };
        Ok(EEVDF_OK)
    })
}

/// `enqueue_load_avg(cfs_rq, se)`: adds an entity's load to its run queue:
/// `load_avg += se->load_avg`, `load_sum += scale_load_down(weight) *
/// se->load_sum`. Linux 6.6 and 6.18 add with wrapping; 7.0 and later (and
/// EXACT) clamp at 0 and then keep `load_sum >= load_avg * 46718`
/// (`__update_sa`).
///
/// Example (v6.6.0 … v7.1.5; the weighted fold 6ab7973f2540 restored
/// after 089d84203ad4): se {load_sum 46718, load_avg 1024} at nice 0 into
/// an empty queue under 7.1 gives load_sum 47,839,232.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for an unknown
/// profile, a NULL pointer or a weight of 0.
///
/// # Safety
///
/// `cfs` is NULL or points to a readable and writable `EevdfSchedAvg`; `se`
/// NULL or a readable `EevdfSchedAvg`; `weight` NULL or a readable
/// `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_enqueue_load_avg(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    se: *const EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { move_load(profile, cfs, se, weight, enqueue_load_avg) }
}

/// `dequeue_load_avg(cfs_rq, se)`: removes an entity's load from its run
/// queue, clamping at 0. Linux 6.6 and 6.18 then floor `load_sum` at
/// `load_avg * 46718` in 32 bits (`max_t(u32, ...)`, which cuts a sum of 2^32
/// or more to its low 32 bits); 7.0 and later use `__update_sa` (64 bits).
///
/// Returns as `eevdf_enqueue_load_avg`.
///
/// # Safety
///
/// As `eevdf_enqueue_load_avg`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_dequeue_load_avg(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    se: *const EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { move_load(profile, cfs, se, weight, dequeue_load_avg) }
}

/// `attach_entity_load_avg(cfs_rq, se)`: an entity joins a run queue
/// (migration, fork, cgroup move). The entity adopts the queue's
/// `last_update_time` and `period_contrib`; its sums are rebuilt from its
/// averages with the queue's divider d (`util_sum = util_avg * d`,
/// `runnable_sum = runnable_avg * d`, `load_sum = load_avg * d /
/// scale_load_down(weight)`, or 1 if that would not exceed the weight); then
/// its load joins as in `eevdf_enqueue_load_avg` and util and runnable by
/// plain addition. `*propagate` is `+se->load_sum`, the value the kernel hands
/// to `add_tg_cfs_propagate`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for an unknown
/// profile, a NULL pointer or a weight of 0.
///
/// # Safety
///
/// `cfs` and `se` are NULL or point to readable and writable
/// `EevdfSchedAvg`s; `weight` NULL or a readable `EevdfLoadWeight`;
/// `propagate` NULL or a writable `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_attach_entity_load_avg(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    se: *mut EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
    propagate: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or valid by the caller's contract.
        let (c, s, w) = unsafe {
            (
                sched_avg_in(cfs.cast_const()),
                sched_avg_in(se.cast_const()),
                weight_in(weight),
            )
        };
        check_out(propagate)?;
        let (p, mut c, mut s, w) = (p?, c?, s?, w?);
        let v = attach_entity_load_avg(p, &mut c, &mut s, &w);
        // SAFETY: all three pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(cfs, c.into());
            write_out(se, s.into());
            write_out(propagate, v);
        }
        Ok(EEVDF_OK)
    })
}

/// `detach_entity_load_avg(cfs_rq, se)`: an entity leaves a run queue. Its
/// load leaves as in `eevdf_dequeue_load_avg`; util and runnable are
/// subtracted clamping at 0, then (6.6, 6.18) floored at avg * 46718 in 32
/// bits, or (7.0 and later) by `__update_sa`. `*propagate` is
/// `-se->load_sum`.
///
/// Example (v6.6.0 … v7.1.5, the sum floor of 98b0d890220d): cfs {util_avg 301, util_sum 301 * 46718} minus se
/// {util_avg 300, util_sum 14,100,000} under 6.6 leaves (1, 46718), never
/// (1, 0).
///
/// Returns as `eevdf_attach_entity_load_avg`.
///
/// # Safety
///
/// `cfs` is NULL or points to a readable and writable `EevdfSchedAvg`; `se`
/// NULL or a readable `EevdfSchedAvg`; `weight` NULL or a readable
/// `EevdfLoadWeight`; `propagate` NULL or a writable `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_detach_entity_load_avg(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    se: *const EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
    propagate: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or valid by the caller's contract.
        let (c, s, w) = unsafe {
            (
                sched_avg_in(cfs.cast_const()),
                sched_avg_in(se),
                weight_in(weight),
            )
        };
        check_out(propagate)?;
        let (p, mut c, s, w) = (p?, c?, s?, w?);
        let v = detach_entity_load_avg(p, &mut c, &s, &w);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(cfs, c.into());
            write_out(propagate, v);
        }
        Ok(EEVDF_OK)
    })
}

/// The removed-load step of `update_cfs_rq_load_avg`, run before the queue's
/// own update: each removed average r leaves the queue's average, and r * d
/// (d the queue's current divider) its sum, clamping at 0 (6.6, 6.18: then the
/// 32-bit floor; 7.0 and later: `__update_sa`). `*propagate` is
/// `-(removed->runnable_avg * d) >> 10`. The caller zeroes its removed-load
/// record afterwards.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for an unknown
/// profile or a NULL pointer.
///
/// # Safety
///
/// `cfs` is NULL or points to a readable and writable `EevdfSchedAvg`;
/// `removed` NULL or a readable `EevdfRemovedLoad`; `propagate` NULL or a
/// writable `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_remove_load_avg(
    profile: u32,
    cfs: *mut EevdfSchedAvg,
    removed: *const EevdfRemovedLoad,
    propagate: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or valid by the caller's contract.
        let (c, r) = unsafe { (sched_avg_in(cfs.cast_const()), read_in(removed)) };
        check_out(propagate)?;
        let (p, mut c, r) = (p?, c?, RemovedLoad::from(r?));
        let v = remove_load_avg(p, &mut c, &r);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(cfs, c.into());
            write_out(propagate, v);
        }
        Ok(EEVDF_OK)
    })
}

/// The PELT step of `reweight_entity`: after an entity's weight changes, its
/// `load_avg` is recomputed from the unchanged `load_sum`:
/// `load_avg = (scale_load_down(weight) * load_sum mod 2^64) / divider`.
/// Take the load out of the queue before (`eevdf_dequeue_load_avg`, old
/// weight) and put it back after (`eevdf_enqueue_load_avg`, new weight).
///
/// Example: load_sum 46718, period_contrib 0, new weight 512 << 10 gives
/// load_avg 512.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL pointer or weight 0.
///
/// # Safety
///
/// `sa` is NULL or points to a readable and writable `EevdfSchedAvg`;
/// `weight` NULL or a readable `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_reweight_load_avg(
    sa: *mut EevdfSchedAvg,
    weight: *const EevdfLoadWeight,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let (s, w) = unsafe { (sched_avg_in(sa.cast_const()), weight_in(weight)) };
        let (mut s, w) = (s?, w?);
        reweight_load_avg(&mut s, &w);
        // SAFETY: `sa` was checked by sched_avg_in; writable by the caller's contract.
        unsafe { write_out(sa, s.into()) };
        Ok(EEVDF_OK)
    })
}

/// `_task_util_est(p)`: the task's estimated utilization, the release's way:
/// 6.6 max(ewma, enqueued & ~flag); later releases ewma & ~flag.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or a NULL
/// pointer.
///
/// # Safety
///
/// `ue` is NULL or points to a readable `EevdfUtilEst`; `out` NULL or a
/// writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_task_util_est(
    profile: u32,
    ue: *const EevdfUtilEst,
    out: *mut u32,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or readable by the caller's contract.
        let u = unsafe { read_in(ue) };
        check_out(out)?;
        let (p, u) = (p?, UtilEst::from(u?));
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, u.task_util_est(p)) };
        Ok(EEVDF_OK)
    })
}

/// `util_est_update` at a task's sleep dequeue, the release's way, given the
/// task's `util_avg` and `runnable_avg` and the CPU's original capacity
/// (`arch_scale_cpu_capacity`, 1024 on a symmetric system). Nothing happens
/// without `EEVDF_FEATURE_UTIL_EST` in `features`.
///
/// * 6.6: the {enqueued, ewma} pair; enqueued = util_avg | flag, and ewma
///   moves a quarter of the way towards it, ewma = (4 * ewma + d) / 4 with
///   d = util - ewma, unless |d| < 10 (1% of capacity) or util_avg exceeds
///   the capacity; `EEVDF_FEATURE_UTIL_EST_FASTUP` jumps up at once.
/// * 6.18 and later: the single word `ewma`: up at once; down by a quarter of
///   the gap unless the gap is < 10 or util + 10 < runnable_avg (the task
///   wanted more CPU); stored with the flag. Example: 400 with util 200,
///   runnable 200 becomes 350 | flag.
///
/// A flagged estimate (PELT has not advanced) is left alone. `*changed` says
/// whether `*ue` changed.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for an unknown
/// profile, unknown feature bits or a NULL pointer.
///
/// # Safety
///
/// `ue` is NULL or points to a readable and writable `EevdfUtilEst`;
/// `changed` NULL or a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_util_est_update(
    profile: u32,
    features: u64,
    ue: *mut EevdfUtilEst,
    util_avg: u64,
    runnable_avg: u64,
    capacity_orig: u64,
    changed: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        let f = Features::from_bits(features).ok_or(Error::InvalidArgument);
        // SAFETY: NULL or readable by the caller's contract.
        let u = unsafe { read_in(ue.cast_const()) };
        check_out(changed)?;
        let (p, f, mut u) = (p?, f?, UtilEst::from(u?));
        let c = util_est::update(p, f, &mut u, util_avg, runnable_avg, capacity_orig);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(ue, u.into());
            write_out(changed, c);
        }
        Ok(EEVDF_OK)
    })
}
