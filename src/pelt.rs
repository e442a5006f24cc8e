//! PELT, per-entity load tracking: geometric averages of how long an entity or a
//! run queue was runnable, running and loaded (spec §7).
//!
//! Time is cut into periods of 1024 units of 1024 ns (≈ 1 ms). A period that
//! ended `n` periods ago counts with weight `yⁿ`, where `y³² = ½`:
//!
//! ```text
//! sum(t) = u₀ + u₁·y + u₂·y² + …        (u_i = time active in period i, ≤ 1024)
//! avg    = weight · sum / divider,      divider = 46718 + period_contrib
//! ```
//!
//! The kernel evaluates this with 32-bit fixed-point decay factors
//! ([`RUNNABLE_AVG_YN_INV`]), truncating at every step, so an always-running
//! entity's sum never reaches the series limit [`LOAD_AVG_MAX`]: it settles at
//! 46,715 on period boundaries (known-bugs §5). Every function below reproduces
//! those truncations; the arithmetic is identical from v6.6 to v7.1, only the
//! rules that move sums between an entity and its run queue
//! ([`enqueue_load_avg`], [`dequeue_load_avg`], [`attach_entity_load_avg`],
//! [`detach_entity_load_avg`], [`remove_load_avg`]) and util_est ([`util_est`])
//! change with the release, by the profile's [`LoadAvgUpdate`] and
//! [`UtilEstForm`] knobs.
//!
//! ```
//! use eevdf::pelt::{update_load_avg_se, SchedAvg};
//! use eevdf::weight::LoadWeight;
//! // spec §7.5 worked sequence: a nice-0 task running from 0, updated every ms.
//! let mut sa = SchedAvg::default();
//! for ms in 1..=8u64 {
//!     update_load_avg_se(ms * 1_000_000, &mut sa, &LoadWeight::NICE_0, true, 1, true);
//! }
//! assert_eq!((sa.load_sum, sa.period_contrib), (7215, 644));
//! assert_eq!((sa.load_avg, sa.runnable_avg, sa.util_avg), (155, 156, 156));
//! ```
//!
//! Not provided: the group-entity propagation of `update_tg_cfs_util/runnable/load`
//! (spec §7.6 summarises it, but not precisely enough to reproduce it bit for
//! bit; see [`attach_entity_load_avg`] for the value the kernel would propagate),
//! the PELT clock (`clock_pelt`, lost idle time; the caller passes `now`), and the
//! rt/dl/irq signals.

#[cfg(test)]
use crate::profile::Release;
use crate::profile::{LoadAvgUpdate, Profile, UtilEstForm};
use crate::weight::{scale_load_down, LoadWeight};

/// `LOAD_AVG_PERIOD` = 32: `y^32 = 1/2`, the half-life in periods.
pub const LOAD_AVG_PERIOD: u32 = 32;
/// `LOAD_AVG_MAX` = 47742: the fixed point of `max ← ⌊max·y_inv/2³²⌋ + 1024`
/// with `y_inv = RUNNABLE_AVG_YN_INV[1]`, starting from 1024 (spec §7.1).
pub const LOAD_AVG_MAX: u32 = 47742;
/// `PELT_MIN_DIVIDER` = `LOAD_AVG_MAX − 1024` = 46718: the divider at the start
/// of a period, and the floor factor of the sum/avg consistency rule.
pub const PELT_MIN_DIVIDER: u32 = LOAD_AVG_MAX - 1024;
/// `SCHED_CAPACITY_SHIFT` = 10.
pub const SCHED_CAPACITY_SHIFT: u32 = 10;
/// `SCHED_CAPACITY_SCALE` = 1024: the capacity of the biggest CPU at its top
/// frequency, and the scale of `util_avg` and `runnable_avg`.
pub const SCHED_CAPACITY_SCALE: u64 = 1 << SCHED_CAPACITY_SHIFT;
/// Periods after which `decay_load` returns 0: `LOAD_AVG_PERIOD · 63` = 2016.
pub const DECAY_LOAD_MAX_PERIODS: u64 = (LOAD_AVG_PERIOD as u64) * 63;
/// `UTIL_AVG_UNCHANGED` = 0x8000_0000: the flag bit of a stored util_est
/// ("util_avg has not changed since this was stored").
pub const UTIL_AVG_UNCHANGED: u32 = 0x8000_0000;
/// `UTIL_EST_WEIGHT_SHIFT` = 2: the util_est EWMA weight is 1/4.
pub const UTIL_EST_WEIGHT_SHIFT: u32 = 2;
/// `UTIL_EST_MARGIN` = `SCHED_CAPACITY_SCALE / 100` = 10.
pub const UTIL_EST_MARGIN: u32 = (SCHED_CAPACITY_SCALE / 100) as u32;

/// `runnable_avg_yN_inv[n]` = ⌊(2³² − 1)·yⁿ⌋ for n = 0 … 31, as the kernel's
/// generator computed it in C double (spec §7.1, verbatim). Entry 0 is
/// 2³² − 1, not 2³², which is why a decay by exactly 32 periods is not a
/// plain halving.
pub const RUNNABLE_AVG_YN_INV: [u32; 32] = [
    0xffffffff, 0xfa83b2da, 0xf5257d14, 0xefe4b99a, 0xeac0c6e6, 0xe5b906e6, 0xe0ccdeeb, 0xdbfbb796,
    0xd744fcc9, 0xd2a81d91, 0xce248c14, 0xc9b9bd85, 0xc5672a10, 0xc12c4cc9, 0xbd08a39e, 0xb8fbaf46,
    0xb504f333, 0xb123f581, 0xad583ee9, 0xa9a15ab4, 0xa5fed6a9, 0xa2704302, 0x9ef5325f, 0x9b8d39b9,
    0x9837f050, 0x94f4efa8, 0x91c3d373, 0x8ea4398a, 0x8b95c1e3, 0x88980e80, 0x85aac367, 0x82cd8698,
];

/// `decay_load(val, n)` ≈ `val · yⁿ` (pelt.c, v6.6 … v7.1; spec §7.2).
///
/// ```text
/// n > 2016           → 0
/// k = n; if k ≥ 32   → val >>= k/32, k %= 32
/// result             = ⌊val · yN_inv[k] / 2³²⌋      (exact 96-bit product)
/// ```
///
/// Defined for every input; never overflows (the product is taken in 128 bits
/// like `mul_u64_u32_shr`, and the quotient is ≤ `val`). Truncates at the shift
/// and at the multiply, and uses 2³² − 1 for a whole number of half-lives, so
/// `decay_load(x, 32k)` is `(x >> k) − ⌈(x >> k) / 2³²⌉`, not `x >> k`.
///
/// ```
/// use eevdf::pelt::decay_load;
/// assert_eq!(decay_load(1024, 32), 511); // not 512
/// assert_eq!(decay_load(47742, 1), 46718);
/// assert_eq!(decay_load(u64::MAX, 2017), 0);
/// ```
#[inline]
pub const fn decay_load(val: u64, n: u64) -> u64 {
    if n > DECAY_LOAD_MAX_PERIODS {
        return 0;
    }
    // n ≤ 2016, so it fits u32 and n / 32 ≤ 63 is a valid shift.
    let mut val = val;
    let mut k = n as u32;
    if k >= LOAD_AVG_PERIOD {
        val >>= k / LOAD_AVG_PERIOD;
        k %= LOAD_AVG_PERIOD;
    }
    // k < 32 here; the mask makes the bound visible to the compiler.
    let inv = RUNNABLE_AVG_YN_INV[(k & 31) as usize];
    ((val as u128 * inv as u128) >> 32) as u64
}

/// `__accumulate_pelt_segments(periods, d1, d3)` (pelt.c, v6.6 … v7.1; spec §7.3):
/// the contribution of an interval that starts `d1` units before the end of
/// an old period, spans `periods − 1` full periods, and ends `d3` units into the
/// current one.
///
/// ```text
/// c1 = decay_load(d1, p)                             the old period's tail
/// c2 = LOAD_AVG_MAX − decay_load(LOAD_AVG_MAX, p) − 1024 = 1024·Σ_{n=1}^{p−1} yⁿ
/// c3 = d3                                            the current period, undecayed
/// ```
///
/// All in u32 wrapping arithmetic as in the kernel. The kernel calls it with
/// `periods ≥ 1`; `periods = 0` is outside that domain (c2 wraps) but still
/// returns the wrapped u32 value rather than failing.
///
/// ```
/// use eevdf::pelt::accumulate_pelt_segments;
/// assert_eq!(accumulate_pelt_segments(1, 500, 300), 789);
/// assert_eq!(accumulate_pelt_segments(3000, 1, 1023), 47741);
/// ```
#[inline]
pub const fn accumulate_pelt_segments(periods: u64, d1: u32, d3: u32) -> u32 {
    let c1 = decay_load(d1 as u64, periods) as u32;
    let c2 = LOAD_AVG_MAX
        .wrapping_sub(decay_load(LOAD_AVG_MAX as u64, periods) as u32)
        .wrapping_sub(1024);
    c1.wrapping_add(c2).wrapping_add(d3)
}

/// util_est, the utilization a task had when it last went to sleep (spec §7.7).
///
/// The layout is v6.6's `struct util_est` (`enqueued`, then `ewma`):
///
/// * **v6.6**: `enqueued` is util_avg at the last sleep dequeue, with the flag
///   [`UTIL_AVG_UNCHANGED`]; `ewma` is the moving average. The task's estimate is
///   `max(ewma, enqueued & !flag)`.
/// * **v6.18 and later**: the kernel keeps one `unsigned int util_est`; here it is
///   `ewma`, and it carries the flag. `enqueued` is not used (left as it is).
///
/// [`UtilEst::task_util_est`] reads the estimate the release's way.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UtilEst {
    /// v6.6: util_avg at the last sleep dequeue, `|` [`UTIL_AVG_UNCHANGED`].
    /// Unused in v6.18 and later.
    pub enqueued: u32,
    /// The moving average (v6.6), or the whole util_est word with its flag
    /// (v6.18 and later).
    pub ewma: u32,
}

impl UtilEst {
    /// The task's estimated utilization (`_task_util_est`) by the profile's
    /// [`UtilEstForm`] (a [`Release`](crate::Release) stands for its preset):
    /// v6.6 `max(ewma, enqueued & !UTIL_AVG_UNCHANGED)`; later
    /// `ewma & !UTIL_AVG_UNCHANGED`.
    ///
    /// ```
    /// use eevdf::{pelt::UtilEst, Release};
    /// let ue = UtilEst { enqueued: 0x8000_0000 | 300, ewma: 250 };
    /// assert_eq!(ue.task_util_est(Release::Linux6_6), 300);
    /// ```
    pub fn task_util_est(&self, profile: impl Into<Profile>) -> u32 {
        match profile.into().util_est {
            UtilEstForm::Pair => {
                let enq = self.enqueued & !UTIL_AVG_UNCHANGED;
                if self.ewma > enq {
                    self.ewma
                } else {
                    enq
                }
            }
            UtilEstForm::Ewma => self.ewma & !UTIL_AVG_UNCHANGED,
        }
    }

    /// `cfs_se_util_change`: clear [`UTIL_AVG_UNCHANGED`] because the task's PELT
    /// averages were recomputed. Clears the bit in both words, which covers both
    /// layouts (the flag never occurs in v6.6's `ewma`, nor in the unused
    /// `enqueued` of later releases, for util values below 2³¹).
    #[inline]
    pub fn clear_unchanged(&mut self) {
        self.enqueued &= !UTIL_AVG_UNCHANGED;
        self.ewma &= !UTIL_AVG_UNCHANGED;
    }
}

/// `struct sched_avg` (include/linux/sched.h; spec §7.1): the PELT state of a
/// task, a group entity or a run queue. Field names, order and C types are the
/// kernel's for 64-bit builds (`unsigned long` = `u64`), with util_est as
/// [`UtilEst`].
///
/// `period_contrib` stays in `[0, 1023]` under every function of this module;
/// a larger value is outside the domain (see [`get_pelt_divider`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SchedAvg {
    /// The PELT clock (ns) up to which the sums are accumulated. Advances by whole
    /// 1024-ns units; the remainder is carried to the next update.
    pub last_update_time: u64,
    /// Σ load-weighted runnable time (unweighted for an entity, weighted by
    /// `se_weight` for a run queue).
    pub load_sum: u64,
    /// Σ runnable time × nr runnable, × 1024.
    pub runnable_sum: u64,
    /// Σ running time × 1024 (u32 in the kernel).
    pub util_sum: u32,
    /// Units (1024 ns) already accumulated into the current, unfinished period.
    pub period_contrib: u32,
    /// `load_sum · weight / divider`.
    pub load_avg: u64,
    /// `runnable_sum / divider`.
    pub runnable_avg: u64,
    /// `util_sum / divider`.
    pub util_avg: u64,
    /// The utilization estimate (tasks only).
    pub util_est: UtilEst,
}

impl SchedAvg {
    /// All zero: a new entity or run queue (`last_update_time = 0` means "not
    /// attached yet").
    pub const ZERO: SchedAvg = SchedAvg {
        last_update_time: 0,
        load_sum: 0,
        runnable_sum: 0,
        util_sum: 0,
        period_contrib: 0,
        load_avg: 0,
        runnable_avg: 0,
        util_avg: 0,
        util_est: UtilEst {
            enqueued: 0,
            ewma: 0,
        },
    };
}

/// The PELT step of `reweight_entity` (spec §3.6): after the weight changes,
/// the entity's `load_avg` is recomputed from its unchanged `load_sum`,
/// `load_avg = ⌊(scale_load_down(w) · load_sum mod 2⁶⁴) / divider⌋`
/// (`div_u64`), in every release. The caller takes the entity's load out of
/// its run queue before ([`dequeue_load_avg`], old weight) and puts it back
/// after ([`enqueue_load_avg`], new weight).
///
/// ```
/// use eevdf::{pelt::{reweight_load_avg, SchedAvg}, weight::LoadWeight};
/// let mut sa = SchedAvg { load_sum: 46_718, load_avg: 1024, ..SchedAvg::ZERO };
/// reweight_load_avg(&mut sa, &LoadWeight::new(512 << 10).unwrap());
/// assert_eq!(sa.load_avg, 512);
/// ```
pub fn reweight_load_avg(sa: &mut SchedAvg, weight: &LoadWeight) {
    sa.load_avg = weight.scaled_down().wrapping_mul(sa.load_sum) / get_pelt_divider(sa);
}

/// `get_pelt_divider(sa)` = `PELT_MIN_DIVIDER + period_contrib` (spec §7.1):
/// the maximum sum reachable at the current position in the period.
///
/// Computed in u64: identical to the kernel's u32 for `period_contrib ≤ 1023`
/// (its domain), and never 0 for any input, so no division by it can fail.
#[inline]
pub const fn get_pelt_divider(sa: &SchedAvg) -> u64 {
    PELT_MIN_DIVIDER as u64 + sa.period_contrib as u64
}

/// `accumulate_sum(delta, sa, load, runnable, running)` (pelt.c, v6.6 … v7.1;
/// spec §7.4): add `delta` units (1024 ns each) of activity, decaying the sums
/// over every period boundary crossed. Returns the number of periods crossed.
///
/// ```text
/// periods = ⌊(period_contrib + delta) / 1024⌋
/// periods > 0: sums ← decay_load(sums, periods);
///              contrib = accumulate_pelt_segments(periods, 1024 − old period_contrib,
///                                                 (period_contrib + delta) mod 1024)
/// periods = 0: contrib = delta
/// load_sum += load·contrib;  runnable_sum += (runnable·contrib) << 10;
/// util_sum += contrib << 10 (u32)                    — each only if its input ≠ 0
/// ```
///
/// Sums wrap modulo their C type like the kernel's; for an entity they stay
/// below `LOAD_AVG_MAX·weight`, so wrapping needs `load` or `runnable` above
/// ~3.8·10¹¹ (`2⁶⁴ / 47742 / 1024`), far outside any kernel state. Domain of
/// the load-weighted sums and averages:
/// [`bounds::pelt_load_domain`](crate::bounds::pelt_load_domain).
#[inline]
pub fn accumulate_sum(
    sa: &mut SchedAvg,
    delta: u64,
    load: u64,
    runnable: u64,
    running: bool,
) -> u64 {
    let mut contrib = delta as u32;
    let delta = delta.wrapping_add(sa.period_contrib as u64);
    let periods = delta / 1024;
    let mut rem = delta;
    if periods != 0 {
        sa.load_sum = decay_load(sa.load_sum, periods);
        sa.runnable_sum = decay_load(sa.runnable_sum, periods);
        sa.util_sum = decay_load(sa.util_sum as u64, periods) as u32;
        rem = delta % 1024;
        if load != 0 {
            contrib = accumulate_pelt_segments(
                periods,
                1024u32.wrapping_sub(sa.period_contrib),
                rem as u32,
            );
        }
    }
    sa.period_contrib = rem as u32;
    if load != 0 {
        sa.load_sum = sa.load_sum.wrapping_add(load.wrapping_mul(contrib as u64));
    }
    if runnable != 0 {
        sa.runnable_sum = sa
            .runnable_sum
            .wrapping_add(runnable.wrapping_mul(contrib as u64) << SCHED_CAPACITY_SHIFT);
    }
    if running {
        sa.util_sum = sa.util_sum.wrapping_add(contrib << SCHED_CAPACITY_SHIFT);
    }
    periods
}

/// `___update_load_sum(now, sa, load, runnable, running)` (pelt.c, v6.6 … v7.1;
/// spec §7.5): bring the sums up to `now` (ns of the PELT clock). Returns true
/// when a period boundary was crossed, which is when the averages must be
/// recomputed ([`update_load_avg`]).
///
/// * time went backwards (`now − last_update_time < 0` as s64): only
///   `last_update_time = now`, return false;
/// * `delta = (now − last_update_time) >> 10` units; 0 → return false;
/// * `last_update_time += delta << 10`: the sub-1024-ns remainder is carried;
/// * `load = 0` forces `runnable = running = 0` (a blocked or idle signal
///   only decays).
///
/// ```
/// use eevdf::pelt::{update_load_sum, SchedAvg};
/// let mut sa = SchedAvg::default();
/// assert!(!update_load_sum(1_000_000, &mut sa, 1, 1, true)); // 976 units, no boundary
/// assert_eq!((sa.last_update_time, sa.load_sum), (976 * 1024, 976));
/// ```
#[inline]
pub fn update_load_sum(
    now: u64,
    sa: &mut SchedAvg,
    load: u64,
    runnable: u64,
    running: bool,
) -> bool {
    let delta = now.wrapping_sub(sa.last_update_time);
    if (delta as i64) < 0 {
        sa.last_update_time = now;
        return false;
    }
    let delta = delta >> 10;
    if delta == 0 {
        return false;
    }
    sa.last_update_time = sa.last_update_time.wrapping_add(delta << 10);
    let (runnable, running) = if load == 0 {
        (0, false)
    } else {
        (runnable, running)
    };
    accumulate_sum(sa, delta, load, runnable, running) != 0
}

/// `___update_load_avg(sa, load)` (pelt.c, v6.6 … v7.1; spec §7.5): recompute
/// the three averages from the sums with the position-dependent divider.
///
/// ```text
/// divider      = 46718 + period_contrib
/// load_avg     = ⌊(load · load_sum mod 2⁶⁴) / divider⌋
/// runnable_avg = ⌊runnable_sum / divider⌋
/// util_avg     = ⌊util_sum / divider⌋
/// ```
///
/// `load` is the averaging weight: `se_weight` for an entity, 1 for a run queue
/// (whose sum is already weighted).
#[inline]
pub fn update_load_avg(sa: &mut SchedAvg, load: u64) {
    let divider = get_pelt_divider(sa); // ≥ 46718, never 0
    sa.load_avg = load.wrapping_mul(sa.load_sum) / divider;
    sa.runnable_avg = sa.runnable_sum / divider;
    sa.util_avg = sa.util_sum as u64 / divider;
}

/// `__update_load_avg_se(now, cfs_rq, se)` (pelt.c, v6.6 … v7.1; spec §7.5) for a
/// task or group entity:
///
/// | argument | kernel source |
/// |---|---|
/// | `weight` | `se.load` (its `se_weight` = `scale_load_down(weight)` is the averaging weight) |
/// | `on_rq` | `se.on_rq` (the load argument is `on_rq ? 1 : 0`) |
/// | `runnable` | `se_runnable(se)`: 0 if delayed; else `on_rq` for a task, `my_q.h_nr_runnable` for a group |
/// | `running` | `cfs_rq.curr == se` |
///
/// On a period boundary the averages are recomputed with `se_weight` and the
/// util_est flag is cleared ([`UtilEst::clear_unchanged`]). Returns whether that
/// happened.
#[inline]
pub fn update_load_avg_se(
    now: u64,
    sa: &mut SchedAvg,
    weight: &LoadWeight,
    on_rq: bool,
    runnable: u64,
    running: bool,
) -> bool {
    if update_load_sum(now, sa, on_rq as u64, runnable, running) {
        update_load_avg(sa, weight.scaled_down());
        sa.util_est.clear_unchanged();
        true
    } else {
        false
    }
}

/// `__update_load_avg_blocked_se(now, se)` (pelt.c, v6.6 … v7.1; spec §7.5): decay
/// a sleeping entity's sums (load, runnable, running all 0) and, on a period
/// boundary, recompute its averages with `se_weight`. util_est is left alone
/// (the spec ties the flag clearing to `__update_load_avg_se` only).
pub fn update_load_avg_blocked_se(now: u64, sa: &mut SchedAvg, weight: &LoadWeight) -> bool {
    if update_load_sum(now, sa, 0, 0, false) {
        update_load_avg(sa, weight.scaled_down());
        true
    } else {
        false
    }
}

/// `__update_load_avg_cfs_rq(now, cfs_rq)` (pelt.c, v6.6 … v7.1; spec §7.5) for a
/// run queue: load argument `scale_load_down(load_weight)` (the queue's
/// `load.weight`, 64-bit units), runnable argument `h_nr_runnable`, running =
/// `curr` is set; averages use weight 1 (the sum is already weighted).
pub fn update_load_avg_cfs_rq(
    now: u64,
    sa: &mut SchedAvg,
    load_weight: u64,
    h_nr_runnable: u32,
    curr_running: bool,
) -> bool {
    if update_load_sum(
        now,
        sa,
        scale_load_down(load_weight),
        h_nr_runnable as u64,
        curr_running,
    ) {
        update_load_avg(sa, 1);
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------
// Moving sums between an entity and its run queue (spec §7.6).
// ---------------------------------------------------------------------------

/// `add_positive(ptr, val)` on an `unsigned long`: add a signed delta, and clamp
/// at 0 when a negative delta would wrap below 0.
#[inline]
const fn add_positive(var: u64, val: i64) -> u64 {
    let res = var.wrapping_add(val as u64);
    if val < 0 && res > var {
        0
    } else {
        res
    }
}

/// `add_positive` on a u32 target (`util_sum`): the sum is formed in `long`,
/// truncated to u32, then clamped at 0 as above.
#[inline]
const fn add_positive_u32(var: u32, val: i64) -> u32 {
    let res = (var as i64).wrapping_add(val) as u32;
    if val < 0 && res > var {
        0
    } else {
        res
    }
}

/// `sub_positive(ptr, val)` on an `unsigned long`: subtract, clamping at 0.
#[inline]
const fn sub_positive(var: u64, val: u64) -> u64 {
    let res = var.wrapping_sub(val);
    if res > var {
        0
    } else {
        res
    }
}

/// `sub_positive` on a u32 target: `val` is first converted to u32.
#[inline]
const fn sub_positive_u32(var: u32, val: u64) -> u32 {
    let res = var.wrapping_sub(val as u32);
    if res > var {
        0
    } else {
        res
    }
}

/// The ≤ v6.19 floor after a removal: `max_t(u32, sum, avg · 46718)`. Both sides
/// are cut to 32 bits, so a sum of 2³² or more is truncated here.
#[inline]
const fn floor_u32(sum: u64, avg: u64) -> u64 {
    let s = sum as u32;
    let f = avg.wrapping_mul(PELT_MIN_DIVIDER as u64) as u32;
    (if s > f { s } else { f }) as u64
}

/// The v7.0+ `__update_sa` on a u64 sum: `add_positive` both, then
/// `sum = max(sum, avg · 46718)` at full width.
#[inline]
fn update_sa(avg: &mut u64, sum: &mut u64, delta_avg: i64, delta_sum: i64) {
    *avg = add_positive(*avg, delta_avg);
    let s = add_positive(*sum, delta_sum);
    let f = avg.wrapping_mul(PELT_MIN_DIVIDER as u64);
    *sum = if s > f { s } else { f };
}

/// `__update_sa` on `util_sum` (u32): the floor is taken in u32, the sum's own type.
#[inline]
fn update_sa_u32(avg: &mut u64, sum: &mut u32, delta_avg: i64, delta_sum: i64) {
    *avg = add_positive(*avg, delta_avg);
    let s = add_positive_u32(*sum, delta_sum);
    let f = avg.wrapping_mul(PELT_MIN_DIVIDER as u64) as u32;
    *sum = if s > f { s } else { f };
}

/// True when the add/remove paths use the full-width `__update_sa`
/// ([`LoadAvgUpdate::UpdateSa`]).
#[inline]
fn has_update_sa(profile: impl Into<Profile>) -> bool {
    profile.into().load_avg_update == LoadAvgUpdate::UpdateSa
}

/// `enqueue_load_avg(cfs_rq, se)` (fair.c; spec §7.6): add an entity's load to
/// its run queue. The entity's sum is unweighted, the queue's is weighted:
///
/// ```text
/// cfs.load_avg += se.load_avg
/// cfs.load_sum += se_weight · se.load_sum
/// ```
///
/// * [`LoadAvgUpdate::SubPositive`] (v6.6, v6.18): plain wrapping additions, no floor.
/// * [`LoadAvgUpdate::UpdateSa`] (v7.0, v7.1): `__update_sa` (add, clamp at 0, then
///   `load_sum = max(load_sum, load_avg · 46718)` in u64).
///
/// ```
/// use eevdf::{pelt::{enqueue_load_avg, SchedAvg}, weight::LoadWeight, Release};
/// // known-bugs §5 test idea 2: the fold is weighted.
/// let se = SchedAvg { load_sum: 46_718, load_avg: 1024, ..SchedAvg::default() };
/// let mut cfs = SchedAvg::default();
/// enqueue_load_avg(Release::Linux7_1, &mut cfs, &se, &LoadWeight::NICE_0);
/// assert_eq!(cfs.load_sum, 47_839_232);
/// ```
pub fn enqueue_load_avg(
    profile: impl Into<Profile>,
    cfs: &mut SchedAvg,
    se: &SchedAvg,
    se_weight: &LoadWeight,
) {
    let wsum = se_weight.scaled_down().wrapping_mul(se.load_sum);
    if has_update_sa(profile) {
        update_sa(
            &mut cfs.load_avg,
            &mut cfs.load_sum,
            se.load_avg as i64,
            wsum as i64,
        );
    } else {
        cfs.load_avg = cfs.load_avg.wrapping_add(se.load_avg);
        cfs.load_sum = cfs.load_sum.wrapping_add(wsum);
    }
}

/// `dequeue_load_avg(cfs_rq, se)` (fair.c; spec §7.6): remove an entity's load
/// from its run queue, clamping at 0.
///
/// * [`LoadAvgUpdate::SubPositive`] (v6.6, v6.18): `sub_positive` both, then the 32-bit floor
///   `load_sum = max_t(u32, load_sum, load_avg · 46718)`, which cuts a queue
///   `load_sum` of 2³² or more to its low 32 bits.
/// * [`LoadAvgUpdate::UpdateSa`] (v7.0, v7.1): `__update_sa` with the negated deltas (full-width floor).
pub fn dequeue_load_avg(
    profile: impl Into<Profile>,
    cfs: &mut SchedAvg,
    se: &SchedAvg,
    se_weight: &LoadWeight,
) {
    let wsum = se_weight.scaled_down().wrapping_mul(se.load_sum);
    if has_update_sa(profile) {
        update_sa(
            &mut cfs.load_avg,
            &mut cfs.load_sum,
            (se.load_avg as i64).wrapping_neg(),
            (wsum as i64).wrapping_neg(),
        );
    } else {
        cfs.load_avg = sub_positive(cfs.load_avg, se.load_avg);
        cfs.load_sum = floor_u32(sub_positive(cfs.load_sum, wsum), cfs.load_avg);
    }
}

/// `attach_entity_load_avg(cfs_rq, se)` (fair.c; spec §7.6): an entity joins a
/// run queue (after migration, at fork, on a cgroup move). Returns the value the
/// kernel hands to `add_tg_cfs_propagate` (`+se.load_sum`), for a caller that
/// models group propagation.
///
/// 1. the entity adopts the queue's `last_update_time` and `period_contrib`;
/// 2. with the queue's divider d: `util_sum = util_avg·d` (u32),
///    `runnable_sum = runnable_avg·d`, `load_sum = load_avg·d`, then
///    `load_sum = ⌊load_sum / se_weight⌋` if `se_weight < load_sum`, else 1;
/// 3. load joins through [`enqueue_load_avg`] (the release's rule); util and
///    runnable by plain addition (all releases).
///
/// `se_weight ≥ 2` because a [`LoadWeight`] is never 0, so step 2 cannot divide
/// by zero.
pub fn attach_entity_load_avg(
    profile: impl Into<Profile>,
    cfs: &mut SchedAvg,
    se: &mut SchedAvg,
    se_weight: &LoadWeight,
) -> i64 {
    let divider = get_pelt_divider(cfs);
    se.last_update_time = cfs.last_update_time;
    se.period_contrib = cfs.period_contrib;
    se.util_sum = se.util_avg.wrapping_mul(divider) as u32;
    se.runnable_sum = se.runnable_avg.wrapping_mul(divider);
    let w = se_weight.scaled_down(); // ≥ 2
    let load_sum = se.load_avg.wrapping_mul(divider);
    se.load_sum = if w < load_sum { load_sum / w } else { 1 };
    enqueue_load_avg(profile, cfs, se, se_weight);
    cfs.util_avg = cfs.util_avg.wrapping_add(se.util_avg);
    cfs.util_sum = cfs.util_sum.wrapping_add(se.util_sum);
    cfs.runnable_avg = cfs.runnable_avg.wrapping_add(se.runnable_avg);
    cfs.runnable_sum = cfs.runnable_sum.wrapping_add(se.runnable_sum);
    se.load_sum as i64
}

/// `detach_entity_load_avg(cfs_rq, se)` (fair.c; spec §7.6): an entity leaves a
/// run queue. Returns the value handed to `add_tg_cfs_propagate` (`−se.load_sum`).
///
/// * [`LoadAvgUpdate::SubPositive`] (v6.6, v6.18): [`dequeue_load_avg`], then for util and runnable
///   `sub_positive` on avg and sum and the 32-bit floor `max_t(u32, sum, avg·46718)`.
/// * [`LoadAvgUpdate::UpdateSa`] (v7.0, v7.1): `__update_sa` with the negated deltas for all three signals.
///
/// ```
/// use eevdf::{pelt::{detach_entity_load_avg, SchedAvg}, weight::LoadWeight, Release};
/// // known-bugs §5 test idea 1: never (avg 1, sum 0).
/// let mut cfs = SchedAvg { util_avg: 301, util_sum: 301 * 46_718, ..SchedAvg::default() };
/// let se = SchedAvg { util_avg: 300, util_sum: 14_100_000, ..SchedAvg::default() };
/// detach_entity_load_avg(Release::Linux6_6, &mut cfs, &se, &LoadWeight::NICE_0);
/// assert_eq!((cfs.util_avg, cfs.util_sum), (1, 46_718));
/// ```
pub fn detach_entity_load_avg(
    profile: impl Into<Profile>,
    cfs: &mut SchedAvg,
    se: &SchedAvg,
    se_weight: &LoadWeight,
) -> i64 {
    let profile = profile.into();
    dequeue_load_avg(profile, cfs, se, se_weight);
    if has_update_sa(profile) {
        update_sa_u32(
            &mut cfs.util_avg,
            &mut cfs.util_sum,
            (se.util_avg as i64).wrapping_neg(),
            (se.util_sum as i64).wrapping_neg(),
        );
        update_sa(
            &mut cfs.runnable_avg,
            &mut cfs.runnable_sum,
            (se.runnable_avg as i64).wrapping_neg(),
            (se.runnable_sum as i64).wrapping_neg(),
        );
    } else {
        cfs.util_avg = sub_positive(cfs.util_avg, se.util_avg);
        let u = sub_positive_u32(cfs.util_sum, se.util_sum as u64);
        cfs.util_sum = floor_u32(u as u64, cfs.util_avg) as u32;
        cfs.runnable_avg = sub_positive(cfs.runnable_avg, se.runnable_avg);
        cfs.runnable_sum = floor_u32(
            sub_positive(cfs.runnable_sum, se.runnable_sum),
            cfs.runnable_avg,
        );
    }
    (se.load_sum as i64).wrapping_neg()
}

/// `cfs_rq.removed`: the averages of entities that migrated away and whose sums
/// the run queue drops at its next update.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RemovedLoad {
    /// Σ removed `load_avg`.
    pub load_avg: u64,
    /// Σ removed `util_avg`.
    pub util_avg: u64,
    /// Σ removed `runnable_avg`.
    pub runnable_avg: u64,
}

/// The removed-load step of `update_cfs_rq_load_avg` (fair.c; spec §7.6), run
/// before the queue's own PELT update: each removed average `r` is subtracted
/// from the average, and `r · divider` (the queue's current divider) from the sum.
///
/// * [`LoadAvgUpdate::SubPositive`] (v6.6, v6.18): `sub_positive` and the 32-bit floor, per signal;
/// * [`LoadAvgUpdate::UpdateSa`] (v7.0, v7.1): `__update_sa(−r, −r·divider)`, per signal.
///
/// Returns the value handed to `add_tg_cfs_propagate`:
/// `−(removed runnable · divider) >> 10` (arithmetic shift, as the kernel's `long`).
pub fn remove_load_avg(
    profile: impl Into<Profile>,
    cfs: &mut SchedAvg,
    removed: &RemovedLoad,
) -> i64 {
    let divider = get_pelt_divider(cfs);
    let rl = removed.load_avg.wrapping_mul(divider);
    let ru = removed.util_avg.wrapping_mul(divider);
    let rr = removed.runnable_avg.wrapping_mul(divider);
    if has_update_sa(profile) {
        update_sa(
            &mut cfs.load_avg,
            &mut cfs.load_sum,
            (removed.load_avg as i64).wrapping_neg(),
            (rl as i64).wrapping_neg(),
        );
        update_sa_u32(
            &mut cfs.util_avg,
            &mut cfs.util_sum,
            (removed.util_avg as i64).wrapping_neg(),
            (ru as i64).wrapping_neg(),
        );
        update_sa(
            &mut cfs.runnable_avg,
            &mut cfs.runnable_sum,
            (removed.runnable_avg as i64).wrapping_neg(),
            (rr as i64).wrapping_neg(),
        );
    } else {
        cfs.load_avg = sub_positive(cfs.load_avg, removed.load_avg);
        cfs.load_sum = floor_u32(sub_positive(cfs.load_sum, rl), cfs.load_avg);
        cfs.util_avg = sub_positive(cfs.util_avg, removed.util_avg);
        let u = sub_positive_u32(cfs.util_sum, ru);
        cfs.util_sum = floor_u32(u as u64, cfs.util_avg) as u32;
        cfs.runnable_avg = sub_positive(cfs.runnable_avg, removed.runnable_avg);
        cfs.runnable_sum = floor_u32(sub_positive(cfs.runnable_sum, rr), cfs.runnable_avg);
    }
    (rr as i64).wrapping_neg() >> SCHED_CAPACITY_SHIFT
}

// ---------------------------------------------------------------------------
// util_est (spec §7.7).
// ---------------------------------------------------------------------------

pub mod util_est {
    //! util_est: the utilization a task is expected to need when it wakes,
    //! updated at sleep dequeues (spec §7.7; feature `UTIL_EST`).
    //!
    //! Two algorithms:
    //!
    //! * **v6.6** ([`update_pair`]): a pair {enqueued, ewma}; ramps up at once
    //!   (UTIL_EST_FASTUP), decays by a ¼-weight EWMA, skips small changes, and
    //!   skips the update when util_avg exceeds the CPU's original capacity.
    //! * **v6.18 and later** ([`update_ewma`]): one word; ramps up at once,
    //!   decays by the same EWMA, skips small changes, and skips the decay when
    //!   the task was waiting to run (`util_avg + 10 < runnable_avg`).
    //!
    //! **When it runs** is the caller's business; the functions take whatever
    //! util_avg and runnable_avg they are given:
    //!
    //! * v7.1: inside the sleep dequeue's own PELT update, after it (current
    //!   util_avg); also at a sleep dequeue that becomes delayed, but not when a
    //!   delayed dequeue completes;
    //! * v6.18 … v7.0: from `dequeue_task_fair` *before* the PELT update (util_avg
    //!   of the previous update); on every `DEQUEUE_SLEEP` dequeue_task_fair,
    //!   including a delayed dequeue completed through `dequeue_task` (migration,
    //!   class change), but not one completed by the pick;
    //! * v6.6: at the end of `dequeue_task_fair`, after the PELT update, on
    //!   `DEQUEUE_SLEEP`.
    //!
    //! The flag [`UTIL_AVG_UNCHANGED`] marks a stored value; it is cleared when the
    //! task's PELT averages are next recomputed ([`update_load_avg_se`](super::update_load_avg_se)), and an
    //! update while it is set does nothing.

    use super::{UtilEst, UTIL_AVG_UNCHANGED, UTIL_EST_MARGIN, UTIL_EST_WEIGHT_SHIFT};
    use crate::features::Features;
    use crate::profile::{Profile, UtilEstForm};

    /// `within_margin(value, margin)`: `−margin < value < margin` on 32-bit
    /// two's complement values, as `(u32)(value + margin − 1) < 2·margin − 1`.
    #[inline]
    const fn within_margin(value: u32) -> bool {
        value.wrapping_add(UTIL_EST_MARGIN - 1) < 2 * UTIL_EST_MARGIN - 1
    }

    /// The ≥ v6.18 update of the single util_est word (`util_est_update`,
    /// v6.18 … v7.1), given the dequeuing task's util_avg and runnable_avg.
    /// Returns the new word.
    ///
    /// ```text
    /// flag set                          → unchanged (PELT has not advanced)
    /// ewma ≤ util                       → ewma = util
    /// ewma − util < 10                  → keep ewma
    /// util + 10 < runnable              → keep ewma (the task wanted more CPU)
    /// otherwise                         → ewma = (4·ewma − (ewma − util)) / 4
    /// store ewma | UTIL_AVG_UNCHANGED
    /// ```
    ///
    /// `ewma` and `util` are the kernel's `unsigned int` locals: util_avg is
    /// truncated to 32 bits (it is ≤ 1024 in any kernel state) and the EWMA is
    /// u32 arithmetic.
    ///
    /// ```
    /// use eevdf::pelt::{util_est::update_ewma, UTIL_AVG_UNCHANGED as F};
    /// // 400 decays towards 200 by a quarter of the gap: (1600 − 200) / 4 = 350.
    /// assert_eq!(update_ewma(400, 200, 200), 350 | F);
    /// // Skipped while the task waited for CPU (200 + 10 < 300): kept, flagged.
    /// assert_eq!(update_ewma(400, 200, 300), 400 | F);
    /// ```
    pub const fn update_ewma(util_est: u32, util_avg: u64, runnable_avg: u64) -> u32 {
        if util_est & UTIL_AVG_UNCHANGED != 0 {
            return util_est;
        }
        let mut ewma = util_est;
        let dequeued = util_avg as u32;
        if ewma <= dequeued {
            ewma = dequeued;
        } else {
            let last_ewma_diff = ewma - dequeued; // > 0 here
            if last_ewma_diff >= UTIL_EST_MARGIN
                && (dequeued.wrapping_add(UTIL_EST_MARGIN) as u64) >= runnable_avg
            {
                ewma = (ewma << UTIL_EST_WEIGHT_SHIFT).wrapping_sub(last_ewma_diff)
                    >> UTIL_EST_WEIGHT_SHIFT;
            }
        }
        ewma | UTIL_AVG_UNCHANGED
    }

    /// The v6.6 update of the {enqueued, ewma} pair (`util_est_update`, v6.6),
    /// given util_avg and the CPU's original capacity
    /// (`arch_scale_cpu_capacity`). Returns the new pair.
    ///
    /// ```text
    /// enqueued has the flag              → unchanged
    /// old = enqueued; enqueued = util
    /// fastup and ewma < enqueued         → ewma = enqueued, store
    /// d = enqueued − ewma (mod 2³²)
    /// −10 < d < 10                       → store if |old − enqueued| ≥ 10, else unchanged
    /// util_avg > capacity_orig           → unchanged
    /// otherwise                          → ewma = (4·ewma + d) / 4 (u32), store
    /// store = {enqueued | UTIL_AVG_UNCHANGED, ewma}
    /// ```
    ///
    /// "Unchanged" leaves the whole pair as it was, including `enqueued` and the
    /// absent flag, so a later dequeue retries.
    ///
    /// ```
    /// use eevdf::pelt::{util_est::update_pair, UtilEst, UTIL_AVG_UNCHANGED as F};
    /// // A drop from 400 to 200: d = −200, ewma = (1600 − 200) / 4 = 350.
    /// let ue = update_pair(UtilEst { enqueued: 400, ewma: 400 }, 200, 1024, true);
    /// assert_eq!(ue, UtilEst { enqueued: 200 | F, ewma: 350 });
    /// ```
    pub const fn update_pair(
        ue: UtilEst,
        util_avg: u64,
        capacity_orig: u64,
        fastup: bool,
    ) -> UtilEst {
        if ue.enqueued & UTIL_AVG_UNCHANGED != 0 {
            return ue;
        }
        let old = ue.enqueued;
        let enqueued = util_avg as u32;
        let mut ewma = ue.ewma;
        if fastup && ewma < enqueued {
            return UtilEst {
                enqueued: enqueued | UTIL_AVG_UNCHANGED,
                ewma: enqueued,
            };
        }
        let d = enqueued.wrapping_sub(ewma);
        if within_margin(d) {
            if within_margin(old.wrapping_sub(enqueued)) {
                return ue;
            }
            return UtilEst {
                enqueued: enqueued | UTIL_AVG_UNCHANGED,
                ewma,
            };
        }
        if util_avg > capacity_orig {
            return ue;
        }
        ewma = (ewma << UTIL_EST_WEIGHT_SHIFT).wrapping_add(d) >> UTIL_EST_WEIGHT_SHIFT;
        UtilEst {
            enqueued: enqueued | UTIL_AVG_UNCHANGED,
            ewma,
        }
    }

    /// `util_est_update` at a sleep dequeue, the profile's [`UtilEstForm`], under the
    /// feature set: nothing when `UTIL_EST` is off; v6.6 uses [`update_pair`] with
    /// `UTIL_EST_FASTUP` from `features`; later releases use [`update_ewma`] on
    /// `ue.ewma`. Returns true if `ue` changed.
    ///
    /// The kernel's other preconditions (a sleep dequeue, a task) are the
    /// caller's; see the module docs for when each release calls it, and
    /// [`update_load_avg_se`](super::update_load_avg_se) for the flag clearing.
    pub fn update(
        profile: impl Into<Profile>,
        features: Features,
        ue: &mut UtilEst,
        util_avg: u64,
        runnable_avg: u64,
        capacity_orig: u64,
    ) -> bool {
        if !features.contains(Features::UTIL_EST) {
            return false;
        }
        let new = match profile.into().util_est {
            UtilEstForm::Pair => update_pair(
                *ue,
                util_avg,
                capacity_orig,
                features.contains(Features::UTIL_EST_FASTUP),
            ),
            UtilEstForm::Ewma => UtilEst {
                enqueued: ue.enqueued,
                ewma: update_ewma(ue.ewma, util_avg, runnable_avg),
            },
        };
        let changed = new != *ue;
        *ue = new;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::util_est::{update_ewma, update_pair};
    use super::*;
    use crate::features::Features;

    const RELEASES: [Release; 4] = [
        Release::Linux6_6,
        Release::Linux6_18,
        Release::Linux7_0,
        Release::Linux7_1,
    ];
    const NS_PER_PERIOD: u64 = 1024 * 1024;

    #[test]
    fn yn_inv_table_is_the_generator_output() {
        // spec §7.1: ⌊(2^32 − 1)·y^n⌋ in C double, y = 0.5^(1/32).
        let y = 0.5f64.powf(1.0 / 32.0);
        for (n, &v) in RUNNABLE_AVG_YN_INV.iter().enumerate() {
            let want = (4_294_967_295f64 * y.powi(n as i32)) as u32;
            assert_eq!(v, want, "n = {n}");
        }
        assert_eq!(RUNNABLE_AVG_YN_INV[0], 4_294_967_295);
        assert_eq!(RUNNABLE_AVG_YN_INV[16], 3_037_000_499);
        assert_eq!(RUNNABLE_AVG_YN_INV[31], 2_194_507_416);
    }

    #[test]
    fn load_avg_max_is_the_fixed_point() {
        // spec §7.1: max ← ⌊max·y_inv/2^32⌋ + 1024 from 1024 settles at 47742.
        let y_inv = RUNNABLE_AVG_YN_INV[1] as u64;
        let mut max = 1024u64;
        loop {
            let next = ((max * y_inv) >> 32) + 1024;
            if next == max {
                break;
            }
            max = next;
        }
        assert_eq!(max, LOAD_AVG_MAX as u64);
        assert_eq!(PELT_MIN_DIVIDER, 46_718);
    }

    #[test]
    fn decay_load_spec_7_2() {
        assert_eq!(decay_load(47742, 32), 23870);
        assert_eq!(decay_load(1024, 32), 511);
        assert_eq!(decay_load(47742, 1), 46718);
        assert_eq!(decay_load(1024, 1), 1002);
        assert_eq!(decay_load(1024, 33), 501);
        // Edges: n = 0 still multiplies by 2^32 − 1; n = 2016 is the last non-zero shift.
        assert_eq!(decay_load(1024, 0), 1023);
        assert_eq!(decay_load(0, 5), 0);
        assert_eq!(decay_load(u64::MAX, 2016), 0); // (2^64−1) >> 63 = 1, then ⌊1·(2^32−1)/2^32⌋
        assert_eq!(decay_load(3u64 << 63, 2016), 0);
        assert_eq!(decay_load(u64::MAX, 2017), 0);
        assert_eq!(decay_load(u64::MAX, u64::MAX), 0);
        assert_eq!(decay_load(u64::MAX, 0), u64::MAX - (1 << 32) + 1 - 1);
    }

    #[test]
    fn decay_load_known_bugs_5_idea_3() {
        // 32 idle periods: 1024 → 511 (not 512); beyond 2016 periods exactly 0.
        assert_eq!(decay_load(1024, 32), 511);
        for n in [2017u64, 2048, 100_000, u64::MAX] {
            assert_eq!(decay_load(u64::MAX, n), 0);
            assert_eq!(decay_load(47742, n), 0);
        }
    }

    #[test]
    fn accumulate_pelt_segments_spec_7_3() {
        let rows = [
            ((1, 1024, 0), 1002),
            ((1, 500, 300), 789),
            ((2, 1024, 0), 1981),
            ((32, 1024, 0), 23359),
            ((1000, 1024, 0), 46718),
            ((3000, 1, 1023), 47741),
        ];
        for ((p, d1, d3), want) in rows {
            assert_eq!(accumulate_pelt_segments(p, d1, d3), want, "{p} {d1} {d3}");
        }
        // Outside the kernel's domain (p = 0) it wraps instead of failing:
        // 1023 + (47742 − 47741 − 1024) mod 2^32 + 0.
        assert_eq!(accumulate_pelt_segments(0, 1024, 0), 0);
        // c1 = 0, c2 = 46718, plus d3 = 2^32 − 1 wraps to 46717.
        assert_eq!(
            accumulate_pelt_segments(u64::MAX, u32::MAX, u32::MAX),
            46_717
        );
    }

    /// Runs the spec §7.5 worked task: weight 1024 (nice 0), running from 0,
    /// updated every 1 ms; returns the state after `ms` milliseconds.
    fn run_ms(sa: &mut SchedAvg, from_ms: u64, to_ms: u64, running: bool) {
        for ms in from_ms + 1..=to_ms {
            let now = ms * 1_000_000;
            if running {
                update_load_avg_se(now, sa, &LoadWeight::NICE_0, true, 1, true);
            } else {
                update_load_avg_blocked_se(now, sa, &LoadWeight::NICE_0);
            }
        }
    }

    #[test]
    fn worked_sequence_spec_7_5() {
        // (ms, load_sum, period_contrib, load_avg, runnable_avg, util_avg)
        let rows = [
            (1u64, 976u64, 976u32, 0u64, 0u64, 0u64),
            (2, 1930, 929, 41, 41, 41),
            (8, 7215, 644, 155, 156, 156),
            (32, 22851, 530, 495, 495, 495),
            (100, 41128, 376, 894, 894, 894),
            (400, 47182, 481, 1023, 1024, 1024),
        ];
        let mut sa = SchedAvg::default();
        let mut at = 0;
        for (ms, load_sum, pc, la, ra, ua) in rows {
            run_ms(&mut sa, at, ms, true);
            at = ms;
            assert_eq!(sa.load_sum, load_sum, "{ms} ms");
            assert_eq!(sa.period_contrib, pc, "{ms} ms");
            assert_eq!(
                (sa.load_avg, sa.runnable_avg, sa.util_avg),
                (la, ra, ua),
                "{ms} ms"
            );
        }
        // Then it sleeps, with blocked updates every 1 ms.
        run_ms(&mut sa, 400, 410, false);
        assert_eq!((sa.load_avg, sa.runnable_avg, sa.util_avg), (832, 833, 833));
        run_ms(&mut sa, 410, 500, false);
        assert_eq!((sa.load_avg, sa.runnable_avg, sa.util_avg), (129, 129, 129));
    }

    #[test]
    fn settles_at_46715_on_period_boundaries_known_bugs_5() {
        // known-bugs §5 test idea 3: updated on period boundaries, an always-running
        // entity's load_sum reaches 46,715 after 346 periods and stays there.
        let mut sa = SchedAvg::default();
        let mut first = None;
        for k in 1..=2000u64 {
            assert!(update_load_avg_se(
                k * NS_PER_PERIOD,
                &mut sa,
                &LoadWeight::NICE_0,
                true,
                1,
                true
            ));
            assert_eq!(sa.period_contrib, 0);
            assert!(sa.load_sum < LOAD_AVG_MAX as u64);
            if sa.load_sum == 46_715 && first.is_none() {
                first = Some(k);
            }
        }
        assert_eq!(first, Some(346));
        assert_eq!(sa.load_sum, 46_715);
        assert_eq!((sa.load_avg, sa.util_avg), (1023, 1024));
    }

    #[test]
    fn time_going_backwards_resets_and_remainder_carries() {
        // spec §7.5 steps 2–4, §11.8.
        let mut sa = SchedAvg::default();
        assert!(!update_load_sum(1023, &mut sa, 1, 1, true)); // < 1 unit: nothing
        assert_eq!(sa, SchedAvg::default());
        assert!(!update_load_sum(1_000_000, &mut sa, 1, 1, true));
        assert_eq!(sa.last_update_time, 999_424); // 976·1024; 576 ns carried
        let before = sa;
        assert!(!update_load_sum(500_000, &mut sa, 1, 1, true));
        assert_eq!(
            sa,
            SchedAvg {
                last_update_time: 500_000,
                ..before
            }
        );
        // The carried remainder is consumed by the next update: 1,000,448 − 999,424 = 1 unit.
        let mut sa = before;
        assert!(!update_load_sum(1_000_448, &mut sa, 1, 1, true));
        assert_eq!((sa.last_update_time, sa.load_sum), (1_000_448, 977));
        // load = 0 forces runnable and running to 0.
        let mut sa = SchedAvg::default();
        update_load_sum(4 * NS_PER_PERIOD, &mut sa, 0, 5, true);
        assert_eq!((sa.load_sum, sa.runnable_sum, sa.util_sum), (0, 0, 0));
        // A wrapped clock far ahead is "backwards" by the s64 test.
        let mut sa = SchedAvg::default();
        assert!(!update_load_sum(1u64 << 63, &mut sa, 1, 1, true));
        assert_eq!(sa.last_update_time, 1 << 63);
    }

    #[test]
    fn cfs_rq_signal_is_weighted() {
        // spec §7.5 table: a run queue's load argument is sld(load.weight) (2048 for
        // two nice-0 tasks), runnable is h_nr_runnable, and its averages use weight 1.
        let mut rq = SchedAvg::default();
        update_load_avg_cfs_rq(1_000_000, &mut rq, 2 * NICE_0_W, 2, true);
        assert_eq!(
            (rq.load_sum, rq.runnable_sum, rq.util_sum),
            (2048 * 976, (2 * 976) << 10, 976 << 10)
        );
        assert!(update_load_avg_cfs_rq(
            2_000_000,
            &mut rq,
            2 * NICE_0_W,
            2,
            true
        ));
        let c = accumulate_pelt_segments(1, 1024 - 976, 929) as u64;
        assert_eq!(rq.load_sum, decay_load(2048 * 976, 1) + 2048 * c);
        assert_eq!(
            rq.runnable_sum,
            decay_load((2 * 976) << 10, 1) + ((2 * c) << 10)
        );
        assert_eq!(rq.load_avg, rq.load_sum / (46_718 + 929));
        // ⌊(1,956,017 + 2048·975) / 47,647⌋ = ⌊82.96⌋ = 82 (c = 46 + 0 + 929 = 975).
        assert_eq!(rq.load_avg, 82);
    }
    const NICE_0_W: u64 = crate::weight::NICE_0_LOAD;

    #[test]
    fn detach_floor_known_bugs_5_idea_1_all_releases() {
        for r in RELEASES {
            let mut cfs = SchedAvg {
                util_avg: 301,
                util_sum: 14_062_118,
                ..SchedAvg::default()
            };
            let se = SchedAvg {
                util_avg: 300,
                util_sum: 14_100_000,
                ..SchedAvg::default()
            };
            detach_entity_load_avg(r, &mut cfs, &se, &LoadWeight::NICE_0);
            assert_eq!((cfs.util_avg, cfs.util_sum), (1, 46_718), "{r:?}");
        }
    }

    #[test]
    fn weighted_fold_known_bugs_5_idea_2_all_releases() {
        for r in RELEASES {
            let se = SchedAvg {
                load_sum: 46_718,
                load_avg: 1024,
                ..SchedAvg::default()
            };
            let mut cfs = SchedAvg::default();
            enqueue_load_avg(r, &mut cfs, &se, &LoadWeight::NICE_0);
            assert_eq!((cfs.load_sum, cfs.load_avg), (47_839_232, 1024), "{r:?}");
            dequeue_load_avg(r, &mut cfs, &se, &LoadWeight::NICE_0);
            assert_eq!((cfs.load_sum, cfs.load_avg), (0, 0), "{r:?}");
        }
    }

    #[test]
    fn sum_floor_width_differs_between_6_x_and_7_x() {
        // spec §7.6: ≤ 6.19 removals floor with a 32-bit max_t, cutting a queue
        // load_sum ≥ 2^32 to 32 bits; 7.x floors at full width. 6.x enqueue has no floor.
        let big = 5u64 << 32 | 7;
        let se = SchedAvg {
            load_sum: 1,
            load_avg: 0,
            ..SchedAvg::default()
        };
        let w = LoadWeight::NICE_0;
        for r in RELEASES {
            let mut cfs = SchedAvg {
                load_sum: big,
                load_avg: 100_000,
                ..SchedAvg::default()
            };
            dequeue_load_avg(r, &mut cfs, &se, &w);
            let after_sub = big - 1024;
            let want = if has_update_sa(r) {
                after_sub // ≥ 100,000·46,718
            } else {
                // max(low 32 bits of the sum, low 32 bits of 4,671,800,000)
                core::cmp::max(after_sub as u32, (100_000u64 * 46_718) as u32) as u64
            };
            assert_eq!(cfs.load_sum, want, "{r:?}");
        }
        // Enqueue: 6.x adds without a floor, 7.x raises the sum to avg·46718.
        let se = SchedAvg {
            load_sum: 10,
            load_avg: 5,
            ..SchedAvg::default()
        };
        for r in RELEASES {
            let mut cfs = SchedAvg::default();
            enqueue_load_avg(r, &mut cfs, &se, &w);
            let want = if has_update_sa(r) {
                5 * 46_718
            } else {
                10 * 1024
            };
            assert_eq!(cfs.load_sum, want, "{r:?}");
        }
    }

    #[test]
    fn attach_then_detach_round_trip() {
        // spec §7.6 attach: sums rebuilt from averages with the queue's divider.
        let mut cfs = SchedAvg {
            last_update_time: 123 * 1024,
            period_contrib: 100,
            ..SchedAvg::default()
        };
        let mut se = SchedAvg {
            load_avg: 512,
            util_avg: 300,
            runnable_avg: 310,
            ..SchedAvg::default()
        };
        let d = 46_718 + 100;
        let prop =
            attach_entity_load_avg(Release::Linux7_1, &mut cfs, &mut se, &LoadWeight::NICE_0);
        assert_eq!((se.last_update_time, se.period_contrib), (123 * 1024, 100));
        assert_eq!(se.util_sum, 300 * d as u32);
        assert_eq!(se.runnable_sum, 310 * d);
        assert_eq!(se.load_sum, 512 * d / 1024);
        assert_eq!(prop, (512 * d / 1024) as i64);
        assert_eq!(cfs.load_avg, 512);
        assert_eq!(
            cfs.load_sum,
            core::cmp::max(1024 * (512 * d / 1024), 512 * 46_718)
        );
        assert_eq!((cfs.util_avg, cfs.runnable_avg), (300, 310));
        let prop = detach_entity_load_avg(Release::Linux7_1, &mut cfs, &se, &LoadWeight::NICE_0);
        assert_eq!(prop, -((512 * d / 1024) as i64));
        assert_eq!((cfs.load_avg, cfs.util_avg, cfs.runnable_avg), (0, 0, 0));
        assert_eq!((cfs.load_sum, cfs.util_sum, cfs.runnable_sum), (0, 0, 0));
        // A light entity: load_avg·divider ≤ se_weight gives load_sum = 1.
        let mut se = SchedAvg::default();
        let mut cfs = SchedAvg::default();
        attach_entity_load_avg(Release::Linux6_6, &mut cfs, &mut se, &LoadWeight::NICE_0);
        assert_eq!(se.load_sum, 1);
        assert_eq!(cfs.load_sum, 1024);
    }

    #[test]
    fn removed_load_uses_the_queue_divider() {
        for r in RELEASES {
            let mut cfs = SchedAvg {
                load_avg: 2048,
                load_sum: 2048 * 47_000,
                util_avg: 800,
                util_sum: 800 * 47_000,
                runnable_avg: 900,
                runnable_sum: 900 * 47_000,
                period_contrib: 282, // divider 47,000
                ..SchedAvg::default()
            };
            let prop = remove_load_avg(
                r,
                &mut cfs,
                &RemovedLoad {
                    load_avg: 1024,
                    util_avg: 300,
                    runnable_avg: 1000,
                },
            );
            assert_eq!((cfs.load_avg, cfs.load_sum), (1024, 1024 * 47_000), "{r:?}");
            assert_eq!((cfs.util_avg, cfs.util_sum), (500, 500 * 47_000), "{r:?}");
            // Runnable over-removed: clamps at 0 (avg and sum).
            assert_eq!((cfs.runnable_avg, cfs.runnable_sum), (0, 0), "{r:?}");
            assert_eq!(prop, -(1000 * 47_000i64) >> 10);
        }
        // The shift is arithmetic: −1 stays −1.
        let mut cfs = SchedAvg::default();
        let p = remove_load_avg(
            Release::Linux6_6,
            &mut cfs,
            &RemovedLoad {
                runnable_avg: 1u64 << 63,
                ..RemovedLoad::default()
            },
        );
        assert_eq!(
            p,
            ((1u64 << 63).wrapping_mul(46_718) as i64).wrapping_neg() >> 10
        );
    }

    #[test]
    fn add_sub_positive_clamp_at_zero() {
        assert_eq!(add_positive(5, -6), 0);
        assert_eq!(add_positive(5, -5), 0);
        assert_eq!(add_positive(5, 3), 8);
        assert_eq!(add_positive(u64::MAX, 1), 0); // positive delta wraps, no clamp
        assert_eq!(add_positive_u32(5, -6), 0);
        assert_eq!(add_positive_u32(5, 1 << 32), 5); // truncated to u32
        assert_eq!(sub_positive(5, 6), 0);
        assert_eq!(sub_positive(5, 5), 0);
        assert_eq!(sub_positive_u32(5, (1 << 32) | 2), 3);
        assert_eq!(floor_u32(1 << 32, 0), 0);
    }

    #[test]
    fn util_est_ewma_spec_7_7() {
        const F: u32 = UTIL_AVG_UNCHANGED;
        assert_eq!(update_ewma(100, 300, 0), 300 | F); // ramps up at once
        assert_eq!(update_ewma(300, 300, 0), 300 | F); // equal: ewma = util
        assert_eq!(update_ewma(309, 300, 0), 309 | F); // within the margin: kept
        assert_eq!(update_ewma(310, 300, 0), ((1240 - 10) / 4) | F); // 307
        assert_eq!(update_ewma(400, 200, 210), 350 | F); // 200 + 10 < 210 is false
        assert_eq!(update_ewma(400, 200, 211), 400 | F); // wanted more CPU: kept
        assert_eq!(update_ewma(400 | F, 0, 0), 400 | F); // flag: skipped
                                                         // util_avg is the kernel's unsigned int local.
        assert_eq!(update_ewma(5, (1 << 32) | 3, 0), update_ewma(5, 3, 0));
    }

    #[test]
    fn util_est_pair_v6_6_spec_7_7() {
        const F: u32 = UTIL_AVG_UNCHANGED;
        let ue = |enqueued, ewma| UtilEst { enqueued, ewma };
        // FASTUP on: ramp up at once.
        assert_eq!(update_pair(ue(100, 100), 300, 1024, true), ue(300 | F, 300));
        // FASTUP off: EWMA towards 300: (400 + 200) / 4 = 150.
        assert_eq!(
            update_pair(ue(100, 100), 300, 1024, false),
            ue(300 | F, 150)
        );
        // |d| < 10 and |old − enqueued| < 10: untouched, no flag.
        assert_eq!(update_pair(ue(305, 300), 298, 1024, true), ue(305, 300));
        // |d| < 10 but enqueued moved by ≥ 10: stored, ewma unchanged.
        assert_eq!(update_pair(ue(320, 300), 295, 1024, true), ue(295 | F, 300));
        // util_avg above the CPU's original capacity: untouched.
        assert_eq!(update_pair(ue(0, 2000), 1500, 1024, true), ue(0, 2000));
        // Decay: d = −200 → (1600 − 200)/4 = 350.
        assert_eq!(update_pair(ue(400, 400), 200, 1024, true), ue(200 | F, 350));
        // Flag set: skipped.
        assert_eq!(update_pair(ue(5 | F, 400), 0, 1024, true), ue(5 | F, 400));
        // Estimate.
        assert_eq!(ue(200 | F, 350).task_util_est(Release::Linux6_6), 350);
        assert_eq!(ue(0, 350 | F).task_util_est(Release::Linux7_1), 350);
    }

    #[test]
    fn util_est_dispatch_by_release_and_features() {
        let f66 = Features::defaults(Release::Linux6_6);
        let mut ue = UtilEst {
            enqueued: 100,
            ewma: 100,
        };
        assert!(super::util_est::update(
            Release::Linux6_6,
            f66,
            &mut ue,
            300,
            0,
            1024
        ));
        assert_eq!(
            ue,
            UtilEst {
                enqueued: 300 | UTIL_AVG_UNCHANGED,
                ewma: 300
            }
        );
        let mut ue = UtilEst {
            enqueued: 7,
            ewma: 400,
        };
        let f = Features::defaults(Release::Linux7_1);
        assert!(super::util_est::update(
            Release::Linux7_1,
            f,
            &mut ue,
            200,
            200,
            1024
        ));
        assert_eq!(
            ue,
            UtilEst {
                enqueued: 7,
                ewma: 350 | UTIL_AVG_UNCHANGED
            }
        );
        // Second call before PELT advances: nothing.
        assert!(!super::util_est::update(
            Release::Linux7_1,
            f,
            &mut ue,
            0,
            0,
            1024
        ));
        // Off: nothing.
        let mut ue = UtilEst::default();
        assert!(!super::util_est::update(
            Release::Linux7_1,
            f - Features::UTIL_EST,
            &mut ue,
            500,
            0,
            1024
        ));
        // The flag is cleared by the next se update that crosses a period boundary.
        let mut sa = SchedAvg {
            util_est: UtilEst {
                enqueued: 0,
                ewma: 350 | UTIL_AVG_UNCHANGED,
            },
            ..SchedAvg::default()
        };
        assert!(update_load_avg_blocked_se(
            NS_PER_PERIOD,
            &mut sa,
            &LoadWeight::NICE_0
        ));
        assert_eq!(sa.util_est.ewma, 350 | UTIL_AVG_UNCHANGED);
        assert!(!update_load_avg_se(
            NS_PER_PERIOD + 1024,
            &mut sa,
            &LoadWeight::NICE_0,
            true,
            1,
            true
        ));
        assert_eq!(sa.util_est.ewma, 350 | UTIL_AVG_UNCHANGED);
        assert!(update_load_avg_se(
            3 * NS_PER_PERIOD,
            &mut sa,
            &LoadWeight::NICE_0,
            true,
            1,
            true
        ));
        assert_eq!(sa.util_est.ewma, 350);
    }
}
