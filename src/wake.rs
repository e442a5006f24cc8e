//! Wake-affine decisions and idle-CPU predicates (`select_task_rq_fair()`,
//! `wake_affine()` and its helpers in `kernel/sched/fair.c`, `available_idle_cpu()`
//! in `kernel/sched/sched.h`, v6.6–v7.1): would Linux pull a
//! waking task onto the waker's CPU?
//!
//! At a wakeup the kernel first asks [`wake_wide`] whether waker and wakee form
//! a many-to-many pattern (then it does not try to be affine). Otherwise, when
//! the waker's CPU (`this`) and the wakee's previous CPU (`prev`) share a
//! wake-affine domain, [`wake_affine`] picks one of them:
//!
//! 1. [`wake_affine_idle`] (feature `WA_IDLE`): prefer an idle CPU, or `this` for
//!    a sync wakeup from a CPU whose only runnable task is the waker;
//! 2. [`wake_affine_weight`] (feature `WA_WEIGHT`), if 1 decided nothing:
//!    compare capacity-scaled loads with the wakee moved, `this` biased by
//!    `imbalance_pct`.
//!
//! From that target [`select_idle_sibling`] looks for an idle CPU in the
//! last-level cache (target, prev, a per-CPU-kthread waker's CPU,
//! `recent_used_cpu`, SMT siblings, then a scan limited by `SIS_UTIL`), with
//! the rules of each release ([`SisRules`]); [`select_task_rq_fair`] puts the
//! steps together with core's `select_task_rq` and its fallback to an allowed
//! CPU. Not modelled: asymmetric CPU capacity, clusters, energy-aware
//! placement, core scheduling, `SIS_PROP`, NUMA nodes. Several LLCs under one
//! wake-affine domain: [`select_task_rq_fair_in_llcs`].
//!
//! [`v2_6_33`] holds the rule of Linux v2.6.33 (instantaneous loads, the
//! sync adjustment, `avg_overlap` hints, the cfs-empty idle sibling), a
//! historical variant for reports of that era; it is Rust only.
//!
//! Everything is a pure function of small `#[repr(C)]` input structs, so a
//! hypervisor or simulator can replay the decision. Idleness of a vCPU takes
//! `vcpu_is_preempted` into account ([`available_idle_cpu`]): an idle vCPU whose
//! thread the host has preempted is not idle to the guest (Masanori Misono,
//! LKML, 2021-05-26, "[PATCH RFC 0/1] Make vCPUs that are HLT state candidates
//! for load balancing").
//!
//! ```
//! use eevdf::{wake::*, Features, Profile};
//! let busy = CpuState { load_avg: 1024, capacity: 1024, nr_running: 1, h_nr_queued: 1,
//!                       h_nr_runnable: 1, ..CpuState::default() };
//! let input = WakeAffineInput { this: busy, prev: CpuState { load_avg: 2048, nr_running: 2,
//!     h_nr_queued: 2, h_nr_runnable: 2, ..busy }, task_h_load: 512, current_h_load: 1024,
//!     imbalance_pct: SD_IMBALANCE_PCT_LLC, share_llc: true, sync: false };
//! // (1024 + 512)·100·1024 < (2048 − 512)·108·1024: pull onto the waker's CPU.
//! let f = Features::defaults(Profile::LINUX_7_1.release);
//! assert_eq!(wake_affine(&Profile::LINUX_7_1, f, &input), WakeTarget::This);
//! ```

use crate::features::Features;

pub mod v2_6_33;

#[cfg(test)]
use crate::profile::Release;
use crate::profile::{DelayDequeue, Profile};
use crate::Error;

/// `imbalance_pct` of LLC domains and above (`sd_init` default): 117, so the
/// wake-affine bias factor is 100 + ⌊17/2⌋ = 108.
pub const SD_IMBALANCE_PCT_LLC: u32 = 117;
/// `imbalance_pct` of SMT-sibling domains (SD_SHARE_CPUCAPACITY): 110, bias 105.
pub const SD_IMBALANCE_PCT_SMT: u32 = 110;

/// The run-queue facts of one CPU that the wake-affine decisions read.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CpuState {
    /// `cpu_load(rq)`: the root cfs_rq's `avg.load_avg` (unscaled).
    pub load_avg: u64,
    /// `capacity_of(cpu)`: `rq.cpu_capacity` (1024 for a full CPU without
    /// asymmetry, less the RT/DL/IRQ/pressure share).
    pub capacity: u64,
    /// `rq.nr_running` (all classes).
    pub nr_running: u32,
    /// `rq.cfs.h_nr_queued` (≥ v6.12; includes delayed-dequeue tasks).
    pub h_nr_queued: u32,
    /// `rq.cfs.h_nr_runnable` (≥ v6.12; excludes delayed-dequeue tasks).
    pub h_nr_runnable: u32,
    /// `rq.curr` is the idle task.
    pub idle_task_running: bool,
    /// `rq.ttwu_pending`: a remote wakeup is queued for this CPU.
    pub ttwu_pending: bool,
    /// `vcpu_is_preempted(cpu)`: the host has this vCPU's thread scheduled out
    /// (false on bare metal or without paravirt steal time).
    pub vcpu_preempted: bool,
    /// The run queue holds only SCHED_IDLE tasks (`sched_idle_rq`), for
    /// [`choose_idle_cpu`].
    pub sched_idle_only: bool,
}

/// Where a wake-affine step sends the wakee. `#[repr(u32)]` for C.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WakeTarget {
    /// No decision (`nr_cpumask_bits` in the kernel).
    None = 0,
    /// The waker's CPU (`this_cpu`).
    This = 1,
    /// The wakee's previous CPU (`prev_cpu`).
    Prev = 2,
}

/// Everything [`wake_affine`] reads.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WakeAffineInput {
    /// The waker's CPU.
    pub this: CpuState,
    /// The wakee's previous CPU.
    pub prev: CpuState,
    /// `task_h_load(p)` of the wakee ([`task_h_load`]).
    pub task_h_load: u64,
    /// `task_h_load(current)` of the waker (read only for sync wakeups).
    pub current_h_load: u64,
    /// `sd.imbalance_pct` of the wake-affine domain ([`SD_IMBALANCE_PCT_LLC`],
    /// [`SD_IMBALANCE_PCT_SMT`]).
    pub imbalance_pct: u32,
    /// `cpus_share_cache(this, prev)`: same last-level cache.
    pub share_llc: bool,
    /// WF_SYNC and the waker is not exiting: the waker is about to sleep.
    pub sync: bool,
}

/// `idle_rq(rq)` (`kernel/sched/sched.h`, v6.18 … v7.1; `idle_cpu` in v6.6 with the same tests):
/// the idle task runs, nothing is queued, no remote wakeup is pending.
#[inline]
pub const fn idle_rq(cpu: &CpuState) -> bool {
    cpu.idle_task_running && cpu.nr_running == 0 && !cpu.ttwu_pending
}

/// `available_idle_cpu(cpu)` (v6.6 … v7.1): [`idle_rq`] and **not**
/// `vcpu_is_preempted`. An idle vCPU whose thread the host preempted (for
/// instance after a HLT exit) is not available.
///
/// ```
/// use eevdf::wake::{available_idle_cpu, CpuState};
/// let idle = CpuState { idle_task_running: true, ..CpuState::default() };
/// assert!(available_idle_cpu(&idle));
/// assert!(!available_idle_cpu(&CpuState { vcpu_preempted: true, ..idle }));
/// ```
#[inline]
pub const fn available_idle_cpu(cpu: &CpuState) -> bool {
    idle_rq(cpu) && !cpu.vcpu_preempted
}

/// `choose_idle_cpu(cpu, p)` (fair.c, v7.1): [`available_idle_cpu`], or the
/// CPU runs only SCHED_IDLE tasks and the wakee is not SCHED_IDLE.
#[inline]
pub const fn choose_idle_cpu(cpu: &CpuState, p_is_sched_idle: bool) -> bool {
    available_idle_cpu(cpu) || (cpu.sched_idle_only && !p_is_sched_idle)
}

/// `wake_wide(p)` (fair.c, v6.6 … v7.1) with an overflow flag:
/// "wide" (do not wake affine) iff `slave ≥ llc_size` and
/// `master ≥ slave · llc_size`, where master/slave are the larger/smaller of the
/// waker's and the wakee's `wakee_flips`.
///
/// The product is the kernel's `unsigned int` product and wraps mod 2³²; the
/// flag says it did (then a very flippy pair can be judged "not wide").
///
/// ```
/// use eevdf::wake::overflowing_wake_wide;
/// assert_eq!(overflowing_wake_wide(64, 8, 8), (true, false));   // 64 ≥ 8·8
/// assert_eq!(overflowing_wake_wide(63, 8, 8), (false, false));
/// // slave·factor = 2^26·64 = 2^32 wraps to 0: "wide" only by the wrap.
/// assert_eq!(overflowing_wake_wide(1 << 26, 1 << 26, 64), (true, true));
/// ```
pub const fn overflowing_wake_wide(
    waker_flips: u32,
    wakee_flips: u32,
    llc_size: u32,
) -> (bool, bool) {
    let (master, slave) = if waker_flips < wakee_flips {
        (wakee_flips, waker_flips)
    } else {
        (waker_flips, wakee_flips)
    };
    let (prod, wrapped) = slave.overflowing_mul(llc_size);
    if slave < llc_size || master < prod {
        (false, wrapped)
    } else {
        (true, wrapped)
    }
}

/// `wake_wide(p)`: the kernel's answer, wrapped product included
/// (see [`overflowing_wake_wide`]).
#[inline]
pub const fn wake_wide(waker_flips: u32, wakee_flips: u32, llc_size: u32) -> bool {
    overflowing_wake_wide(waker_flips, wakee_flips, llc_size).0
}

/// The per-task state `record_wakee` keeps (`task_struct` fields).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WakeeFlips {
    /// `wakee_flip_decay_ts`: jiffies of the last halving.
    pub wakee_flip_decay_ts: u64,
    /// `last_wakee`: an identifier of the task this one last woke (0 = none).
    pub last_wakee: u64,
    /// `wakee_flips`: how often this task switched the task it wakes.
    pub wakee_flips: u32,
}

/// `record_wakee(p)` (fair.c, v6.6 … v7.1) on the waker's state:
///
/// 1. at most once per `hz` jiffies — when `jiffies` is after
///    `wakee_flip_decay_ts + hz` (`time_after`, wrapping) — halve `wakee_flips`
///    and set `wakee_flip_decay_ts = jiffies`;
/// 2. if `last_wakee ≠ wakee`: `last_wakee = wakee`, `wakee_flips += 1` (u32, wrapping).
///
/// ```
/// use eevdf::wake::{record_wakee, WakeeFlips};
/// let mut w = WakeeFlips::default();
/// record_wakee(&mut w, 7, 0, 1000);
/// record_wakee(&mut w, 8, 0, 1000);
/// record_wakee(&mut w, 8, 0, 1000);
/// assert_eq!(w.wakee_flips, 2);
/// record_wakee(&mut w, 8, 1001, 1000); // a second later: halved, same wakee
/// assert_eq!((w.wakee_flips, w.wakee_flip_decay_ts), (1, 1001));
/// ```
pub fn record_wakee(current: &mut WakeeFlips, wakee: u64, jiffies: u64, hz: u64) {
    let deadline = current.wakee_flip_decay_ts.wrapping_add(hz);
    if (deadline.wrapping_sub(jiffies) as i64) < 0 {
        current.wakee_flips >>= 1;
        current.wakee_flip_decay_ts = jiffies;
    }
    if current.last_wakee != wakee {
        current.last_wakee = wakee;
        current.wakee_flips = current.wakee_flips.wrapping_add(1);
    }
}

/// `wake_affine_idle(this_cpu, prev_cpu, sync)` (fair.c, v6.6 … v7.1; the delayed-task
/// correction of the sync test from v6.12):
///
/// 1. `this` available-idle and sharing the LLC with `prev`: `prev` if it is
///    available-idle too, else `this`;
/// 2. sync and the waker is the only runnable task on `this`: `this`.
///    v6.6 ([`DelayDequeue::Absent`]) tests `nr_running = 1`; with delayed
///    dequeue (v6.18 and later) `nr_running − (h_nr_queued − h_nr_runnable) = 1`,
///    not counting delayed-dequeue tasks (u32 wrapping, as the kernel's
///    unsigned counters);
/// 3. `prev` available-idle: `prev`;
/// 4. no decision.
///
/// A [`Release`](crate::Release) stands for its preset.
pub fn wake_affine_idle(profile: impl Into<Profile>, input: &WakeAffineInput) -> WakeTarget {
    let (this, prev) = (&input.this, &input.prev);
    if available_idle_cpu(this) && input.share_llc {
        return if available_idle_cpu(prev) {
            WakeTarget::Prev
        } else {
            WakeTarget::This
        };
    }
    if input.sync {
        let running = match profile.into().delay_dequeue {
            DelayDequeue::Absent => this.nr_running,
            DelayDequeue::ZeroAtDequeue | DelayDequeue::LagAtDelay => this
                .nr_running
                .wrapping_sub(this.h_nr_queued.wrapping_sub(this.h_nr_runnable)),
        };
        if running == 1 {
            return WakeTarget::This;
        }
    }
    if available_idle_cpu(prev) {
        return WakeTarget::Prev;
    }
    WakeTarget::None
}

/// A signed integer of up to 193 bits as sign and magnitude `hi·2⁶⁴ + lo`, for
/// EXACT comparisons of products of a 72-bit value and a 64-bit capacity.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Wide {
    neg: bool,
    hi: u128,
    lo: u64,
}

impl Wide {
    /// `v · c` exactly.
    fn mul(v: i128, c: u64) -> Wide {
        let m = v.unsigned_abs();
        let (mh, ml) = ((m >> 64) as u64, m as u64);
        let p = ml as u128 * c as u128;
        // mh·c ≤ (2^64 − 1)², plus a carry < 2^64: fits u128.
        let hi = mh as u128 * c as u128 + (p >> 64);
        let lo = p as u64;
        Wide {
            neg: v < 0 && (hi != 0 || lo != 0),
            hi,
            lo,
        }
    }

    fn lt(&self, o: &Wide) -> bool {
        match (self.neg, o.neg) {
            (true, false) => true,
            (false, true) => false,
            (false, false) => (self.hi, self.lo) < (o.hi, o.lo),
            (true, true) => (self.hi, self.lo) > (o.hi, o.lo),
        }
    }
}

/// `wake_affine_weight(sd, p, this_cpu, prev_cpu, sync)` (fair.c, v6.6 … v7.1;
/// `imbalance_pct` from `sd_init()` in topology.c) with an overflow flag. With `tl =
/// task_h_load(p)`:
///
/// ```text
/// this = cpu_load(this)                   sync: if current_h_load > this → This
///                                                (unsigned compare), else this −= current_h_load
/// this = (this + tl) · [100 if WA_BIAS] · capacity(prev)
/// prev = (cpu_load(prev) − tl) · [100 + ⌊(imbalance_pct − 100)/2⌋ if WA_BIAS] · capacity(this)
/// sync: prev += 1                          (a tie then favours the waker's CPU)
/// This if this < prev, else None
/// ```
///
/// **Linux profiles**: the effective loads are s64 and every step wraps like the
/// kernel (the unsigned operands only change the type, not the bits); the bias
/// is `unsigned int` arithmetic (it wraps for `imbalance_pct < 100`). The flag
/// says one of those s64 or u32 values differs from the exact one, so the
/// decision may differ from the exact comparison.
///
/// **[`Profile::EXACT`]**: the same comparison over exact integers (the bias as
/// `100 + tdiv(imbalance_pct − 100, 2)`), done in 193-bit arithmetic. A
/// decision is always representable, so the flag is never set.
#[inline]
pub fn overflowing_wake_affine_weight(
    profile: &Profile,
    features: Features,
    input: &WakeAffineInput,
) -> (WakeTarget, bool) {
    let this_load = input.this.load_avg;
    let cur = input.current_h_load;
    if input.sync && cur > this_load {
        return (WakeTarget::This, false);
    }
    let tl = input.task_h_load;
    let bias_on = features.contains(Features::WA_BIAS);
    let (cap_prev, cap_this) = (input.prev.capacity, input.this.capacity);

    if profile.is_exact() {
        let sub = if input.sync { cur as i128 } else { 0 };
        let a = this_load as i128 - sub + tl as i128; // (−2^64, 2^65)
        let a = if bias_on { a * 100 } else { a };
        let c = input.prev.load_avg as i128 - tl as i128; // (−2^64, 2^64)
        let c = if bias_on {
            c * (100 + (input.imbalance_pct as i128 - 100) / 2) // |·| < 2^96
        } else {
            c
        };
        let this = Wide::mul(a, cap_prev);
        let prev = Wide::mul(c, cap_this);
        let pull = this.lt(&prev) || (input.sync && this == prev);
        return (
            if pull {
                WakeTarget::This
            } else {
                WakeTarget::None
            },
            false,
        );
    }

    // Kernel arithmetic. The s64 steps are ring operations, so the kernel's
    // wrapped value is the low 64 bits of the same chain in wrapping i128, and
    // that chain is exact until a step leaves i64 (each operand then fits i64
    // and each factor u64, so no product reaches 2^127). The flag is "some
    // step left i64", checked once per step.
    let fits = |v: i128| v == v as i64 as i128;
    let mut ok = true;
    let mut this = this_load as i128;
    ok &= fits(this);
    if input.sync {
        this = this.wrapping_sub(cur as i128);
        ok &= fits(this);
    }
    this = this.wrapping_add(tl as i128);
    ok &= fits(this);
    if bias_on {
        this = this.wrapping_mul(100);
        ok &= fits(this);
    }
    this = this.wrapping_mul(cap_prev as i128);
    ok &= fits(this);

    let mut prev = input.prev.load_avg as i128;
    ok &= fits(prev);
    prev = prev.wrapping_sub(tl as i128);
    ok &= fits(prev);
    if bias_on {
        let (d, w1) = input.imbalance_pct.overflowing_sub(100);
        let (bias, w2) = (d / 2).overflowing_add(100);
        ok &= !(w1 || w2);
        prev = prev.wrapping_mul(bias as i128);
        ok &= fits(prev);
    }
    prev = prev.wrapping_mul(cap_this as i128);
    ok &= fits(prev);
    if input.sync {
        prev = prev.wrapping_add(1);
        ok &= fits(prev);
    }
    let (this, prev) = (this as i64, prev as i64);
    let t = if this < prev {
        WakeTarget::This
    } else {
        WakeTarget::None
    };
    (t, !ok)
}

/// `wake_affine_weight`: the profile's decision, wrapped arithmetic included.
/// Never fails (EXACT compares exactly; see [`overflowing_wake_affine_weight`]).
#[inline]
pub fn wake_affine_weight(
    profile: &Profile,
    features: Features,
    input: &WakeAffineInput,
) -> WakeTarget {
    overflowing_wake_affine_weight(profile, features, input).0
}

/// `wake_affine_weight`, `None` if the profile's s64 arithmetic overflowed.
#[inline]
pub fn checked_wake_affine_weight(
    profile: &Profile,
    features: Features,
    input: &WakeAffineInput,
) -> Option<WakeTarget> {
    match overflowing_wake_affine_weight(profile, features, input) {
        (t, false) => Some(t),
        (_, true) => None,
    }
}

/// `wake_affine(sd, p, this_cpu, prev_cpu, sync)` (fair.c, v6.6 … v7.1)
/// with an overflow flag: [`wake_affine_idle`] under `WA_IDLE` (with the
/// profile's release), then, if it decided nothing, [`wake_affine_weight`] under
/// `WA_WEIGHT`; [`WakeTarget::This`] if that chose the waker's CPU, else
/// [`WakeTarget::Prev`]. The flag is the weight step's.
pub fn overflowing_wake_affine(
    profile: &Profile,
    features: Features,
    input: &WakeAffineInput,
) -> (WakeTarget, bool) {
    let mut target = WakeTarget::None;
    let mut wrapped = false;
    if features.contains(Features::WA_IDLE) {
        target = wake_affine_idle(profile, input);
    }
    if features.contains(Features::WA_WEIGHT) && target == WakeTarget::None {
        (target, wrapped) = overflowing_wake_affine_weight(profile, features, input);
    }
    let t = if target == WakeTarget::This {
        WakeTarget::This
    } else {
        WakeTarget::Prev
    };
    (t, wrapped)
}

/// `wake_affine`: [`WakeTarget::This`] or [`WakeTarget::Prev`], as the profile
/// decides (see [`overflowing_wake_affine`]).
#[inline]
pub fn wake_affine(profile: &Profile, features: Features, input: &WakeAffineInput) -> WakeTarget {
    overflowing_wake_affine(profile, features, input).0
}

/// `⌊a·b / (c + 1)⌋`, the shape of `task_h_load` and the h_load step: u64
/// (`unsigned long`) product and divisor in Linux profiles, exact in EXACT.
fn overflowing_mul_div_plus_one(
    profile: &Profile,
    a: u64,
    b: u64,
    c: u64,
) -> Result<(u64, bool), Error> {
    if profile.is_exact() {
        let q = (a as u128 * b as u128) / (c as u128 + 1);
        return Ok((q as u64, q > u64::MAX as u128));
    }
    let (prod, w1) = a.overflowing_mul(b);
    let (div, w2) = c.overflowing_add(1);
    if div == 0 {
        return Err(Error::Undefined);
    }
    Ok((prod / div, w1 || w2))
}

/// `task_h_load(p)` (fair.c, v6.6 … v7.1) with an overflow flag: the
/// task's load as seen at the root,
/// `⌊se_load_avg · grq_h_load / (grq_load_avg + 1)⌋` (`div64_ul`), with
/// `grq` the task's cfs_rq. Without group scheduling it is just `se_load_avg`.
///
/// Linux profiles: the u64 product wraps (flagged); `grq_load_avg = u64::MAX`
/// makes the divisor wrap to 0, which is [`Error::Undefined`]. EXACT: exact
/// quotient; flagged when it exceeds u64.
///
/// ```
/// use eevdf::{wake::overflowing_task_h_load, Profile};
/// // A nice-0 task (load 1024) in a group holding 2048 whose h_load is 512:
/// // ⌊1024·512 / 2049⌋ = 255.
/// assert_eq!(overflowing_task_h_load(&Profile::LINUX_7_1, 1024, 512, 2048), Ok((255, false)));
/// ```
pub fn overflowing_task_h_load(
    profile: &Profile,
    se_load_avg: u64,
    grq_h_load: u64,
    grq_load_avg: u64,
) -> Result<(u64, bool), Error> {
    overflowing_mul_div_plus_one(profile, se_load_avg, grq_h_load, grq_load_avg)
}

/// `task_h_load` as the profile computes it (see [`overflowing_task_h_load`]).
pub fn task_h_load(
    profile: &Profile,
    se_load_avg: u64,
    grq_h_load: u64,
    grq_load_avg: u64,
) -> Result<u64, Error> {
    overflowing_task_h_load(profile, se_load_avg, grq_h_load, grq_load_avg)
        .and_then(|p| profile.settle(p))
}

/// One step of `update_cfs_rq_h_load` (fair.c, v6.6 … v7.1), walking
/// down the hierarchy: a child group queue's h_load is
/// `⌊parent_h_load · ge_load_avg / (parent_load_avg + 1)⌋`, where `ge` is the
/// group entity in the parent queue. The root queue's h_load is its load_avg.
/// Overflow and errors as in [`overflowing_task_h_load`].
pub fn overflowing_h_load_step(
    profile: &Profile,
    parent_h_load: u64,
    ge_load_avg: u64,
    parent_load_avg: u64,
) -> Result<(u64, bool), Error> {
    overflowing_mul_div_plus_one(profile, parent_h_load, ge_load_avg, parent_load_avg)
}

/// The h_load step as the profile computes it (see [`overflowing_h_load_step`]).
pub fn h_load_step(
    profile: &Profile,
    parent_h_load: u64,
    ge_load_avg: u64,
    parent_load_avg: u64,
) -> Result<u64, Error> {
    overflowing_h_load_step(profile, parent_h_load, ge_load_avg, parent_load_avg)
        .and_then(|p| profile.settle(p))
}

// ---------------------------------------------------------------------------
// Wakeup placement: `select_idle_sibling`, `select_idle_cpu`, `select_idle_core`,
// `select_idle_smt` and `select_task_rq_fair` (fair.c), with core's
// `select_task_rq`/`select_fallback_rq` (core.c), for one last-level cache
// that spans every CPU given.
// ---------------------------------------------------------------------------

pub use crate::profile::{IdleTest, ScanStop, SisRules};

impl SisRules {
    /// The rules of `profile` (its [`Profile::sis`] knob); a
    /// [`Release`](crate::Release) stands for its preset.
    pub fn of(profile: impl Into<Profile>) -> SisRules {
        profile.into().sis
    }

    /// The idle test of the target, prev, `recent_used_cpu`, SMT-sibling and
    /// LLC-scan steps.
    pub const fn is_idle(&self, cpu: &CpuState, p_is_sched_idle: bool) -> bool {
        available_idle_cpu(cpu) || self.sched_idle_ok(cpu, p_is_sched_idle)
    }

    /// The part of the idle test that takes a CPU running only SCHED_IDLE
    /// tasks (`sched_idle_cpu`; from v7.1 `choose_sched_idle_rq`, which also
    /// needs a wakee that is not SCHED_IDLE).
    pub const fn sched_idle_ok(&self, cpu: &CpuState, p_is_sched_idle: bool) -> bool {
        match self.idle_test {
            IdleTest::AvailableOrSchedIdle => cpu.sched_idle_only,
            IdleTest::ChooseIdleCpu => cpu.sched_idle_only && !p_is_sched_idle,
        }
    }
}

/// The facts [`select_idle_sibling`] reads besides the CPUs' states.
///
/// `Default` gives `nr_idle_scan = 0`, which under `SIS_UTIL` means "the LLC
/// is overloaded, do not scan": set it (the kernel keeps it between 0 and the
/// LLC's size).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdleSiblingInput {
    /// The wakee's previous CPU (`prev`).
    pub prev: u32,
    /// Where the wake-affine step points (`target`: the waker's CPU or `prev`).
    pub target: u32,
    /// The CPU doing the wakeup (`smp_processor_id()`), for the per-CPU
    /// kthread rule.
    pub this_cpu: u32,
    /// `p->recent_used_cpu` before this wakeup.
    pub recent_used_cpu: u32,
    /// The waker is a per-CPU kthread (`is_per_cpu_kthread(current)`: a kernel
    /// thread allowed on one CPU) waking from task context (`in_task()`), as
    /// an I/O completion kworker does.
    pub waker_per_cpu_kthread: bool,
    /// The wakee is SCHED_IDLE (read from v7.1 on).
    pub p_is_sched_idle: bool,
    /// `sd_llc_shared->nr_idle_scan` of the target's LLC (an `int`), read when
    /// `SIS_UTIL` is on and no idle core is sought.
    pub nr_idle_scan: i32,
    /// `sd_llc_shared->has_idle_cores` of the target's LLC (read only with SMT).
    pub has_idle_cores: bool,
}

/// How [`select_idle_sibling`] chose.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdleSibling {
    /// The target was idle.
    Target = 0,
    /// The previous CPU was idle.
    Prev = 1,
    /// The scan of the LLC found an idle CPU (with an idle-core search: a
    /// single idle CPU it noted on the way).
    Scan = 2,
    /// No idle CPU, or no scan: the target, busy (possibly not allowed).
    Busy = 3,
    /// The waker is a per-CPU kthread on `prev` with at most one task
    /// running: the wakee stacks on `prev` (since v5.6, commit 52262ee567ad).
    PerCpuKthread = 4,
    /// `recent_used_cpu` was idle and allowed.
    RecentUsed = 5,
    /// An idle SMT sibling of `prev` (`select_idle_smt`).
    SmtSibling = 6,
    /// A core all of whose SMT siblings are idle (`select_idle_core`).
    IdleCore = 7,
}

/// What [`select_idle_sibling`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct IdleChoice {
    /// The chosen CPU. Like the kernel's, it can be outside the task's allowed
    /// CPUs (an idle target or `prev`); the caller then falls back.
    pub cpu: u32,
    /// Which step chose it.
    pub how: IdleSibling,
    /// The wakee's new `recent_used_cpu`: `prev` once the search got past the
    /// target, prev and per-CPU-kthread steps, else unchanged.
    pub recent_used_cpu: u32,
    /// The LLC's new `has_idle_cores`: cleared when an idle-core search of the
    /// whole LLC found no idle core, else unchanged.
    pub has_idle_cores: bool,
}

fn allowed_on(allowed: &[bool], cpu: usize) -> bool {
    allowed.get(cpu).copied().unwrap_or(false)
}

/// SMT siblings: CPUs with the same core id in `smt_core` (an empty slice: no SMT).
fn siblings(smt_core: &[u32], cpu: usize) -> impl Iterator<Item = usize> + '_ {
    let core = smt_core.get(cpu).copied();
    smt_core
        .iter()
        .enumerate()
        .filter(move |&(_, &c)| Some(c) == core)
        .map(|(i, _)| i)
}

/// `sched_smt_active()`: some core has two or more CPUs.
fn smt_active(smt_core: &[u32]) -> bool {
    smt_core
        .iter()
        .enumerate()
        .any(|(i, c)| smt_core[..i].contains(c))
}

/// `select_idle_sibling(p, prev, target)` (fair.c, v6.6 … v7.1): find an idle
/// CPU near `target` in its last-level cache (LLC). With `rules =
/// SisRules::of(release)` and "idle" meaning [`SisRules::is_idle`], it returns
/// the first of:
///
/// 1. `target`, if idle — whether or not the task may run there;
/// 2. `prev`, if it differs from `target` and is idle — allowed or not;
/// 3. `prev`, if the waker is a per-CPU kthread running on `prev`
///    (`this_cpu == prev`) and `this_cpu` runs at most one task: the wakee most
///    likely queued the work the kthread just finished (v5.6 on, commit
///    52262ee567ad);
/// 4. from here on the wakee's `recent_used_cpu` becomes `prev`; the old
///    `recent_used_cpu`, if it is neither `prev` nor `target`, is idle and is
///    allowed;
/// 5. with SMT (`smt_core` gives two CPUs the same core id) and no idle core
///    hinted (`has_idle_cores` false): the first allowed, idle SMT sibling of
///    `prev` other than `prev` (`select_idle_smt`);
/// 6. the LLC scan (`select_idle_cpu`) over the allowed CPUs in index order
///    from `target + 1`, wrapping round to `target` itself:
///    * when an idle core is hinted, each core is visited once, at its first
///      allowed CPU in that order; a core whose siblings all pass
///      [`available_idle_cpu`] is returned at that CPU. On the way the first
///      allowed sibling that is available-idle, or passes the SCHED_IDLE part
///      of the test, is noted, and returned if no core is idle; a scan without
///      an idle core clears `has_idle_cores`;
///    * otherwise the first idle CPU, within a budget: under `SIS_UTIL` the
///      budget `nr = nr_idle_scan + 1` (`int`, wrapping) is decremented before
///      each CPU and the scan ends when it runs out ([`ScanStop`]);
///      `nr_idle_scan = 0` means no scan at all. Without `SIS_UTIL` the budget
///      is `i32::MAX`;
/// 7. `target`.
///
/// One LLC spans `cpus`; asymmetric capacity, clusters, core scheduling and
/// `SIS_PROP` (v6.6, off by default) are not modelled, and asking for
/// `SIS_PROP` in a release that has it is [`Error::InvalidArgument`]. `allowed`
/// shorter than `cpus` means the CPUs past its end are not allowed.
/// [`Error::InvalidArgument`] if `prev`, `target`, `this_cpu` or
/// `recent_used_cpu` is not in `cpus`, or `smt_core` is neither empty nor as
/// long as `cpus`.
///
/// ```
/// use eevdf::wake::*;
/// use eevdf::{Features, Release};
/// let busy = CpuState { nr_running: 1, ..CpuState::default() };
/// let idle = CpuState { idle_task_running: true, ..CpuState::default() };
/// let halted = CpuState { vcpu_preempted: true, ..idle }; // HLT-exited vCPU
/// let cpus = [busy, halted, idle];
/// let f = Features::defaults(Release::Linux7_1);
/// let mut i = IdleSiblingInput { nr_idle_scan: 3, ..IdleSiblingInput::default() };
/// let c = select_idle_sibling(Release::Linux7_1, f, &i, &cpus, &[true; 3], &[]).unwrap();
/// assert_eq!((c.cpu, c.how), (2, IdleSibling::Scan));
/// // An overloaded LLC (nr_idle_scan 0) is not scanned.
/// i.nr_idle_scan = 0;
/// let c = select_idle_sibling(Release::Linux7_1, f, &i, &cpus, &[true; 3], &[]).unwrap();
/// assert_eq!((c.cpu, c.how), (0, IdleSibling::Busy));
/// ```
pub fn select_idle_sibling(
    profile: impl Into<Profile>,
    features: Features,
    input: &IdleSiblingInput,
    cpus: &[CpuState],
    allowed: &[bool],
    smt_core: &[u32],
) -> Result<IdleChoice, Error> {
    select_idle_sibling_in_llcs(profile, features, input, cpus, allowed, smt_core, &[])
}

/// [`select_idle_sibling`] on a machine whose CPUs are spread over several
/// last-level caches: `llc[i]` names CPU i's LLC (CPUs with equal values share
/// one; an empty slice: one LLC spans every CPU, which is
/// [`select_idle_sibling`]). `cpus_share_cache(a, b)` is `a == b` or
/// `llc[a] == llc[b]`, and the rules of v6.6 … v7.1 read it so:
///
/// * step 2 takes `prev` only if it shares the target's LLC;
/// * step 4 takes `recent_used_cpu` only if it shares the target's LLC;
/// * step 5 (SMT sibling of `prev`) runs only if `prev` shares the target's
///   LLC;
/// * the scan (step 6) visits only the CPUs of the target's LLC;
/// * a target whose LLC is that CPU alone has no LLC domain (`sd_llc` is
///   NULL: a one-CPU domain is degenerate and removed): the search returns the
///   target after step 4, busy or not.
///
/// Steps 1 and 3 do not read the LLC (step 3 needs `prev == this_cpu`).
/// [`Error::InvalidArgument`] also if `llc` is neither empty nor as long as
/// `cpus`.
///
/// ```
/// use eevdf::wake::*;
/// use eevdf::{Features, Release};
/// let busy = CpuState { nr_running: 1, ..CpuState::default() };
/// let idle = CpuState { idle_task_running: true, ..CpuState::default() };
/// let f = Features::defaults(Release::Linux6_6);
/// let i = IdleSiblingInput { prev: 1, target: 0, nr_idle_scan: 4, recent_used_cpu: 0,
///                            ..IdleSiblingInput::default() };
/// let cpus = [busy, idle, busy, idle];
/// // Two LLCs {0, 2} and {1, 3}: idle prev 1 is in another LLC than target 0,
/// // and the scan of {0, 2} finds nothing idle.
/// let c = select_idle_sibling_in_llcs(Release::Linux6_6, f, &i, &cpus, &[true; 4], &[],
///                                     &[0, 1, 0, 1]).unwrap();
/// assert_eq!((c.cpu, c.how), (0, IdleSibling::Busy));
/// // One LLC: prev is taken.
/// let c = select_idle_sibling(Release::Linux6_6, f, &i, &cpus, &[true; 4], &[]).unwrap();
/// assert_eq!((c.cpu, c.how), (1, IdleSibling::Prev));
/// ```
pub fn select_idle_sibling_in_llcs(
    profile: impl Into<Profile>,
    features: Features,
    input: &IdleSiblingInput,
    cpus: &[CpuState],
    allowed: &[bool],
    smt_core: &[u32],
    llc: &[u32],
) -> Result<IdleChoice, Error> {
    let n = cpus.len();
    if !llc.is_empty() && llc.len() != n {
        return Err(Error::InvalidArgument);
    }
    let share = |a: usize, b: usize| llc.is_empty() || a == b || llc[a] == llc[b];
    let (prev, target) = (input.prev as usize, input.target as usize);
    let (this, recent) = (input.this_cpu as usize, input.recent_used_cpu as usize);
    if prev >= n || target >= n || this >= n || recent >= n {
        return Err(Error::InvalidArgument);
    }
    if !smt_core.is_empty() && smt_core.len() != n {
        return Err(Error::InvalidArgument);
    }
    let profile = profile.into();
    if features.contains(Features::SIS_PROP)
        && Features::available(profile.release).contains(Features::SIS_PROP)
    {
        return Err(Error::InvalidArgument);
    }
    let rules = profile.sis;
    let p_idle = input.p_is_sched_idle;
    let idle = |c: usize| rules.is_idle(&cpus[c], p_idle);
    let done = |cpu: usize, how, recent_used_cpu, has_idle_cores| {
        Ok(IdleChoice {
            cpu: cpu as u32,
            how,
            recent_used_cpu,
            has_idle_cores,
        })
    };
    let (old_recent, hint) = (input.recent_used_cpu, input.has_idle_cores);

    if idle(target) {
        return done(target, IdleSibling::Target, old_recent, hint);
    }
    if prev != target && share(prev, target) && idle(prev) {
        return done(prev, IdleSibling::Prev, old_recent, hint);
    }
    if input.waker_per_cpu_kthread && prev == this && cpus[this].nr_running <= 1 {
        return done(prev, IdleSibling::PerCpuKthread, old_recent, hint);
    }
    let new_recent = input.prev;
    if recent != prev
        && recent != target
        && share(recent, target)
        && idle(recent)
        && allowed_on(allowed, recent)
    {
        return done(recent, IdleSibling::RecentUsed, new_recent, hint);
    }
    // No LLC domain for a CPU alone in its LLC.
    if !llc.is_empty() && (0..n).all(|c| c == target || !share(c, target)) {
        return done(target, IdleSibling::Busy, new_recent, hint);
    }

    let has_idle_core = smt_active(smt_core) && hint;
    if smt_active(smt_core) && !has_idle_core && share(prev, target) {
        for s in siblings(smt_core, prev) {
            if s != prev && allowed_on(allowed, s) && idle(s) {
                return done(s, IdleSibling::SmtSibling, new_recent, hint);
            }
        }
    }

    // select_idle_cpu.
    let mut nr: i32 = i32::MAX;
    if features.contains(Features::SIS_UTIL) && !has_idle_core {
        nr = input.nr_idle_scan.wrapping_add(1);
        if nr == 1 {
            return done(target, IdleSibling::Busy, new_recent, hint);
        }
    }
    // Position in the scan order target + 1, target + 2, …, target.
    let pos = |c: usize| (c + n - (target + 1) % n) % n;
    let mut idle_cpu: Option<usize> = None;
    for k in 0..n {
        let cpu = (target + 1 + k) % n;
        if !allowed_on(allowed, cpu) || !share(cpu, target) {
            continue;
        }
        if has_idle_core {
            // A core's CPUs leave the scan once one of them was visited.
            if siblings(smt_core, cpu).any(|s| allowed_on(allowed, s) && pos(s) < pos(cpu)) {
                continue;
            }
            let mut core_idle = true;
            for s in siblings(smt_core, cpu) {
                if !available_idle_cpu(&cpus[s]) {
                    core_idle = false;
                    if idle_cpu.is_none() {
                        if rules.sched_idle_ok(&cpus[s], p_idle) && allowed_on(allowed, s) {
                            idle_cpu = Some(s);
                            break;
                        }
                        continue;
                    }
                    break;
                }
                if idle_cpu.is_none() && allowed_on(allowed, s) {
                    idle_cpu = Some(s);
                }
            }
            if core_idle {
                return done(cpu, IdleSibling::IdleCore, new_recent, hint);
            }
        } else {
            nr = nr.wrapping_sub(1);
            let out = match rules.scan_stop {
                ScanStop::AtZero => nr == 0,
                ScanStop::AtOrBelowZero => nr <= 0,
            };
            if out {
                return done(target, IdleSibling::Busy, new_recent, hint);
            }
            if idle(cpu) {
                idle_cpu = Some(cpu);
                break;
            }
        }
    }
    let hint = hint && !has_idle_core;
    match idle_cpu {
        Some(c) => done(c, IdleSibling::Scan, new_recent, hint),
        None => done(target, IdleSibling::Busy, new_recent, hint),
    }
}

/// What [`select_task_rq_fair`] reads besides the CPUs' states.
///
/// `Default` gives `nr_idle_scan = 0` (no LLC scan under `SIS_UTIL`); see
/// [`IdleSiblingInput`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SelectTaskRq {
    /// The waker's CPU (`smp_processor_id()`: for a wakeup from an interrupt,
    /// the CPU that took it).
    pub this_cpu: u32,
    /// The wakee's previous CPU.
    pub prev_cpu: u32,
    /// `!wake_wide(p)` ([`wake_wide`]): try an affine wakeup.
    pub want_affine: bool,
    /// WF_SYNC and the waker is not exiting.
    pub sync: bool,
    /// `task_h_load(p)` (read by `wake_affine_weight`).
    pub task_h_load: u64,
    /// `task_h_load(current)` of the waker (sync wakeups).
    pub current_h_load: u64,
    /// `sd.imbalance_pct` of the wake-affine (LLC) domain.
    pub imbalance_pct: u32,
    /// The wakee is SCHED_IDLE (read from v7.1 on; [`IdleTest`]).
    pub p_is_sched_idle: bool,
    /// The wakee's `recent_used_cpu` ([`IdleSiblingInput::recent_used_cpu`]).
    pub recent_used_cpu: u32,
    /// The waker is a per-CPU kthread in task context
    /// ([`IdleSiblingInput::waker_per_cpu_kthread`]).
    pub waker_per_cpu_kthread: bool,
    /// The LLC's `nr_idle_scan` ([`IdleSiblingInput::nr_idle_scan`]).
    pub nr_idle_scan: i32,
    /// The LLC's `has_idle_cores` ([`IdleSiblingInput::has_idle_cores`]).
    pub has_idle_cores: bool,
}

/// Where [`select_task_rq_fair`] sends a wakee, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Placement {
    /// The CPU the wakee goes to: core's `select_task_rq` result, always an
    /// allowed CPU.
    pub cpu: u32,
    /// What the fair class (`select_task_rq_fair`) returned, which may be a CPU
    /// the task is not allowed on (then `cpu` is the fallback); `None` when the
    /// class was not asked (a task allowed on one CPU).
    pub fair_cpu: Option<u32>,
    /// The wake-affine verdict, if [`wake_affine`] ran (`this ≠ prev`, affine wanted).
    pub affine: Option<WakeTarget>,
    /// The target handed to the idle search (`this` or `prev`).
    pub target: u32,
    /// How the idle search decided; `None` for a task allowed on one CPU only.
    pub idle: Option<IdleSibling>,
    /// The wakee's `recent_used_cpu` after the wakeup ([`IdleChoice::recent_used_cpu`]).
    pub recent_used_cpu: u32,
    /// The LLC's `has_idle_cores` after the wakeup ([`IdleChoice::has_idle_cores`]).
    pub has_idle_cores: bool,
}

/// `select_task_rq` of core.c for a fair task woken by `try_to_wake_up`
/// (v6.6 … v7.1), with the class's `select_task_rq_fair` inside, for one LLC
/// domain with `SD_WAKE_AFFINE` spanning `cpus` and no `SD_BALANCE_WAKE`
/// (the default topology):
///
/// 1. a task allowed on exactly one CPU goes there: core does not ask the
///    class;
/// 2. otherwise `select_task_rq_fair`: affine is wanted when `want_affine`
///    (not [`wake_wide`]) and the waker's CPU is allowed; then, if
///    `this ≠ prev`, [`wake_affine`] picks the target (`this` or `prev`),
///    else the target is `prev`; [`select_idle_sibling`] from that target
///    gives the class's answer (`fair_cpu`);
/// 3. if that CPU is not allowed, `select_fallback_rq` takes the lowest-numbered
///    allowed CPU (the first of `prev`'s node, and there is one node here).
///
/// `cpus[this]`/`cpus[prev]` are the wake-affine inputs, `imbalance_pct` comes
/// from `input`, the LLC is shared. Energy-aware placement, `WF_CURRENT_CPU`,
/// several LLCs or NUMA nodes, the slow path (`find_idlest_cpu`), migration-
/// disabled tasks and inactive CPUs are not modelled. `smt_core` as in
/// [`select_idle_sibling`]. [`Error::InvalidArgument`] for a CPU outside
/// `cpus`, no allowed CPU, or what [`select_idle_sibling`] refuses.
///
/// ```
/// use eevdf::wake::*;
/// use eevdf::{Features, Profile};
/// let p = Profile::LINUX_7_1;
/// let f = Features::defaults(p.release);
/// let waker = CpuState { load_avg: 1024, capacity: 1024, nr_running: 1, h_nr_queued: 1,
///                        h_nr_runnable: 1, ..CpuState::default() };
/// let cpus = [waker, waker];
/// let input = SelectTaskRq { this_cpu: 0, prev_cpu: 1, want_affine: true, sync: true,
///                            task_h_load: 512, current_h_load: 1024,
///                            imbalance_pct: SD_IMBALANCE_PCT_LLC, nr_idle_scan: 2,
///                            recent_used_cpu: 1, ..SelectTaskRq::default() };
/// // A sync wakeup from a CPU running only the waker: pulled to the waker's CPU.
/// let pl = select_task_rq_fair(&p, f, &input, &cpus, &[true, true], &[]).unwrap();
/// assert_eq!((pl.cpu, pl.affine), (0, Some(WakeTarget::This)));
/// ```
pub fn select_task_rq_fair(
    profile: &Profile,
    features: Features,
    input: &SelectTaskRq,
    cpus: &[CpuState],
    allowed: &[bool],
    smt_core: &[u32],
) -> Result<Placement, Error> {
    select_task_rq_fair_in_llcs(profile, features, input, cpus, allowed, smt_core, &[])
}

/// [`select_task_rq_fair`] on a machine with several last-level caches
/// (`llc` as in [`select_idle_sibling_in_llcs`]; empty: one LLC), all under
/// one wake-affine domain that spans every CPU (the LLC domain, or above it
/// a package/machine domain with `SD_WAKE_AFFINE`, as `sd_init` sets it for
/// every non-NUMA level). What changes with several LLCs:
///
/// * [`wake_affine`] runs with `share_llc = cpus_share_cache(this, prev)`, so
///   an idle waker's CPU in another LLC than `prev` is not taken by
///   `wake_affine_idle`'s first test;
/// * the idle search is [`select_idle_sibling_in_llcs`]: it looks only in the
///   target's LLC, and not at all when the target is alone in its LLC.
///
/// `imbalance_pct` is the wake-affine domain's (117 for LLC and package
/// domains, [`SD_IMBALANCE_PCT_LLC`]). NUMA domains (and the slow path of a
/// domain with `SD_BALANCE_WAKE`) are not modelled.
///
/// ```
/// use eevdf::wake::*;
/// use eevdf::{Features, Profile};
/// let p = Profile::LINUX_6_6;
/// let f = Features::defaults(p.release);
/// let waker = CpuState { load_avg: 1024, capacity: 1024, nr_running: 1, h_nr_queued: 1,
///                        h_nr_runnable: 1, ..CpuState::default() };
/// let halted = CpuState { idle_task_running: true, capacity: 1024, ..CpuState::default() };
/// let input = SelectTaskRq { this_cpu: 0, prev_cpu: 1, want_affine: true, sync: true,
///                            imbalance_pct: SD_IMBALANCE_PCT_LLC, nr_idle_scan: 1,
///                            recent_used_cpu: 1, ..SelectTaskRq::default() };
/// // One socket per CPU: a sync wakeup goes to the waker's CPU (wake_affine_idle),
/// // and there is no LLC to search for the idle prev.
/// let pl = select_task_rq_fair_in_llcs(&p, f, &input, &[waker, halted], &[true; 2], &[],
///                                      &[0, 1]).unwrap();
/// assert_eq!((pl.cpu, pl.idle), (0, Some(IdleSibling::Busy)));
/// // One LLC: the idle prev is found.
/// let pl = select_task_rq_fair(&p, f, &input, &[waker, halted], &[true; 2], &[]).unwrap();
/// assert_eq!((pl.cpu, pl.idle), (1, Some(IdleSibling::Prev)));
/// ```
pub fn select_task_rq_fair_in_llcs(
    profile: &Profile,
    features: Features,
    input: &SelectTaskRq,
    cpus: &[CpuState],
    allowed: &[bool],
    smt_core: &[u32],
    llc: &[u32],
) -> Result<Placement, Error> {
    if !llc.is_empty() && llc.len() != cpus.len() {
        return Err(Error::InvalidArgument);
    }
    let (this, prev) = (input.this_cpu, input.prev_cpu);
    let (Some(this_state), Some(prev_state)) = (cpus.get(this as usize), cpus.get(prev as usize))
    else {
        return Err(Error::InvalidArgument);
    };
    let mut first = None;
    let mut count = 0usize;
    for (i, &a) in allowed.iter().enumerate().take(cpus.len()) {
        if a {
            count += 1;
            first = first.or(Some(i as u32));
        }
    }
    let Some(first) = first else {
        return Err(Error::InvalidArgument);
    };
    if count == 1 {
        // cpumask_any: the only allowed CPU.
        return Ok(Placement {
            cpu: first,
            fair_cpu: None,
            affine: None,
            target: first,
            idle: None,
            recent_used_cpu: input.recent_used_cpu,
            has_idle_cores: input.has_idle_cores,
        });
    }
    let mut target = prev;
    let mut affine = None;
    if input.want_affine && allowed_on(allowed, this as usize) && this != prev {
        let wa = WakeAffineInput {
            this: *this_state,
            prev: *prev_state,
            task_h_load: input.task_h_load,
            current_h_load: input.current_h_load,
            imbalance_pct: input.imbalance_pct,
            share_llc: llc.is_empty() || llc[this as usize] == llc[prev as usize],
            sync: input.sync,
        };
        let t = wake_affine(profile, features, &wa);
        affine = Some(t);
        if t == WakeTarget::This {
            target = this;
        }
    }
    let sis = IdleSiblingInput {
        prev,
        target,
        this_cpu: this,
        recent_used_cpu: input.recent_used_cpu,
        waker_per_cpu_kthread: input.waker_per_cpu_kthread,
        p_is_sched_idle: input.p_is_sched_idle,
        nr_idle_scan: input.nr_idle_scan,
        has_idle_cores: input.has_idle_cores,
    };
    let choice =
        select_idle_sibling_in_llcs(profile, features, &sis, cpus, allowed, smt_core, llc)?;
    let cpu = if allowed_on(allowed, choice.cpu as usize) {
        choice.cpu
    } else {
        first
    };
    Ok(Placement {
        cpu,
        fair_cpu: Some(choice.cpu),
        affine,
        target,
        idle: Some(choice.how),
        recent_used_cpu: choice.recent_used_cpu,
        has_idle_cores: choice.has_idle_cores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELEASES: [Release; 4] = [
        Release::Linux6_6,
        Release::Linux6_18,
        Release::Linux7_0,
        Release::Linux7_1,
    ];

    fn busy(load: u64, nr: u32) -> CpuState {
        CpuState {
            load_avg: load,
            capacity: 1024,
            nr_running: nr,
            h_nr_queued: nr,
            h_nr_runnable: nr,
            ..CpuState::default()
        }
    }

    fn idle() -> CpuState {
        CpuState {
            idle_task_running: true,
            capacity: 1024,
            ..CpuState::default()
        }
    }

    fn input(this: CpuState, prev: CpuState, tl: u64, cur: u64, sync: bool) -> WakeAffineInput {
        WakeAffineInput {
            this,
            prev,
            task_h_load: tl,
            current_h_load: cur,
            imbalance_pct: SD_IMBALANCE_PCT_LLC,
            share_llc: true,
            sync,
        }
    }

    #[test]
    fn idle_predicates_worked_values() {
        let i = idle();
        assert!(idle_rq(&i) && available_idle_cpu(&i));
        assert!(!idle_rq(&CpuState { nr_running: 1, ..i }));
        assert!(!idle_rq(&CpuState {
            ttwu_pending: true,
            ..i
        }));
        assert!(!idle_rq(&CpuState {
            idle_task_running: false,
            ..i
        }));
        // A preempted idle vCPU is idle_rq but not available.
        let pre = CpuState {
            vcpu_preempted: true,
            ..i
        };
        assert!(idle_rq(&pre) && !available_idle_cpu(&pre));
        // 7.1 choose_idle_cpu: a SCHED_IDLE-only queue counts for a normal wakee.
        let sidle = CpuState {
            sched_idle_only: true,
            ..busy(3, 1)
        };
        assert!(choose_idle_cpu(&sidle, false));
        assert!(!choose_idle_cpu(&sidle, true));
        assert!(choose_idle_cpu(&i, true));
    }

    #[test]
    fn wake_wide_worked_values() {
        // llc 8: wide iff slave ≥ 8 and master ≥ 8·slave; order of arguments does not matter.
        assert!(wake_wide(64, 8, 8) && wake_wide(8, 64, 8));
        assert!(!wake_wide(63, 8, 8));
        assert!(!wake_wide(1000, 7, 8)); // slave < factor
                                         // Zeros: 0 ≥ 0 and 0 ≥ 0·0: "wide".
        assert_eq!(overflowing_wake_wide(0, 0, 0), (true, false));
        // The u32 product wraps: slave 2^28, factor 32 → 2^33 mod 2^32 = 0.
        assert_eq!(overflowing_wake_wide(1 << 28, 1 << 28, 32), (true, true));
        // 2^26·32 = 2^31 fits: 2^32 − 1 ≥ 2^31, wide, no wrap.
        assert_eq!(overflowing_wake_wide(u32::MAX, 1 << 26, 32), (true, false));
        // 2^28·31 wraps to 15·2^28 > 2^28: "not wide", flagged.
        assert_eq!(overflowing_wake_wide(1 << 28, 1 << 28, 31), (false, true));
    }

    #[test]
    fn record_wakee_decay_is_time_after() {
        let mut w = WakeeFlips {
            wakee_flip_decay_ts: 100,
            last_wakee: 1,
            wakee_flips: 8,
        };
        record_wakee(&mut w, 1, 1100, 1000); // not after 1100
        assert_eq!((w.wakee_flips, w.wakee_flip_decay_ts), (8, 100));
        record_wakee(&mut w, 1, 1101, 1000);
        assert_eq!((w.wakee_flips, w.wakee_flip_decay_ts), (4, 1101));
        record_wakee(&mut w, 2, 1101, 1000);
        assert_eq!((w.wakee_flips, w.last_wakee), (5, 2));
        // jiffies wrap: ts near u64::MAX, now small, is "after".
        let mut w = WakeeFlips {
            wakee_flip_decay_ts: u64::MAX - 10,
            last_wakee: 3,
            wakee_flips: 2,
        };
        record_wakee(&mut w, 3, 1000, 1000);
        assert_eq!(w.wakee_flips, 1);
        let mut w = WakeeFlips {
            wakee_flips: u32::MAX,
            ..WakeeFlips::default()
        };
        record_wakee(&mut w, 9, 0, 1000);
        assert_eq!(w.wakee_flips, 0); // u32 wraps
    }

    #[test]
    fn wake_affine_idle_worked_values() {
        for r in RELEASES {
            // 1. this idle, shared LLC: prev if idle too, else this.
            assert_eq!(
                wake_affine_idle(r, &input(idle(), idle(), 0, 0, false)),
                WakeTarget::Prev
            );
            assert_eq!(
                wake_affine_idle(r, &input(idle(), busy(9, 1), 0, 0, false)),
                WakeTarget::This
            );
            // Not sharing the LLC: step 1 skipped; prev busy → none.
            let mut i = input(idle(), busy(9, 1), 0, 0, false);
            i.share_llc = false;
            assert_eq!(wake_affine_idle(r, &i), WakeTarget::None);
            // 2. sync, waker alone on this.
            assert_eq!(
                wake_affine_idle(r, &input(busy(1024, 1), idle(), 0, 0, true)),
                WakeTarget::This
            );
            // 3. prev idle.
            assert_eq!(
                wake_affine_idle(r, &input(busy(1024, 2), idle(), 0, 0, true)),
                WakeTarget::Prev
            );
            // 4. nothing.
            assert_eq!(
                wake_affine_idle(r, &input(busy(1024, 2), busy(5, 1), 0, 0, true)),
                WakeTarget::None
            );
        }
    }

    #[test]
    fn sync_test_subtracts_delayed_tasks_from_6_18() {
        // this: nr_running 2, one of them a delayed-dequeue task (queued 2, runnable 1).
        let this = CpuState {
            h_nr_queued: 2,
            h_nr_runnable: 1,
            ..busy(1024, 2)
        };
        let i = input(this, busy(3000, 3), 0, 0, true);
        assert_eq!(wake_affine_idle(Release::Linux6_6, &i), WakeTarget::None);
        for r in [Release::Linux6_18, Release::Linux7_0, Release::Linux7_1] {
            assert_eq!(wake_affine_idle(r, &i), WakeTarget::This);
        }
        // Inconsistent counters wrap like the kernel's unsigned ints: 0 − (0 − 1) = 1.
        let odd = CpuState {
            nr_running: 0,
            h_nr_queued: 0,
            h_nr_runnable: 1,
            ..busy(0, 0)
        };
        assert_eq!(
            wake_affine_idle(Release::Linux7_1, &input(odd, busy(1, 1), 0, 0, true)),
            WakeTarget::This
        );
    }

    #[test]
    fn wake_affine_weight_hand_derived() {
        let f = Features::defaults(Release::Linux7_1);
        for p in Profile::PRESETS {
            // this = (1024 + 512)·100·1024 = 157,286,400 < prev = (2048 − 512)·108·1024 = 169,869,312.
            let i = input(busy(1024, 1), busy(2048, 2), 512, 1024, false);
            assert_eq!(
                overflowing_wake_affine_weight(&p, f, &i),
                (WakeTarget::This, false)
            );
            // prev lighter: (1024 + 512)·100 vs (1024 − 512)·108 → none.
            let i = input(busy(1024, 1), busy(1024, 1), 512, 0, false);
            assert_eq!(wake_affine_weight(&p, f, &i), WakeTarget::None);
            // Without WA_BIAS, a tie ((1024 + 512)·1024 = (2048 − 512)·1024) is not a pull…
            let nobias = f - Features::WA_BIAS;
            let tie = input(busy(1024, 1), busy(2048, 2), 512, 0, false);
            assert_eq!(wake_affine_weight(&p, nobias, &tie), WakeTarget::None);
            // …but with sync, prev += 1 and the tie favours the waker's CPU.
            let tie_sync = WakeAffineInput { sync: true, ..tie };
            assert_eq!(wake_affine_weight(&p, nobias, &tie_sync), WakeTarget::This);
            // sync subtracts the waker: (2048 − 1024 + 512)·100 < (2048 − 512)·108.
            let sync_sub = input(busy(2048, 1), busy(2048, 2), 512, 1024, true);
            assert_eq!(wake_affine_weight(&p, f, &sync_sub), WakeTarget::This);
            let no_sub = WakeAffineInput {
                sync: false,
                ..sync_sub
            };
            assert_eq!(wake_affine_weight(&p, f, &no_sub), WakeTarget::None);
            // The waker heavier than its CPU's load: pull at once.
            let heavy = input(busy(1000, 1), busy(0, 0), 1 << 40, 2000, true);
            assert_eq!(
                overflowing_wake_affine_weight(&p, f, &heavy),
                (WakeTarget::This, false)
            );
            // SMT bias 105: (1024 + 100)·100 = 112,400 < (1170 − 100)·105 = 112,350? no → none;
            // with the LLC bias 108: 115,560 → this.
            let mut smt = input(busy(1024, 1), busy(1170, 2), 100, 0, false);
            smt.imbalance_pct = SD_IMBALANCE_PCT_SMT;
            assert_eq!(wake_affine_weight(&p, f, &smt), WakeTarget::None);
            smt.imbalance_pct = SD_IMBALANCE_PCT_LLC;
            assert_eq!(wake_affine_weight(&p, f, &smt), WakeTarget::This);
        }
    }

    #[test]
    fn exact_tie_with_sync_is_a_pull() {
        // this·cap == prev·cap exactly; sync's +1 decides for this (kernel and EXACT).
        let nobias = Features::defaults(Release::Linux7_1) - Features::WA_BIAS;
        let i = input(busy(1024, 1), busy(1024, 1), 0, 0, true);
        for p in Profile::PRESETS {
            assert_eq!(
                wake_affine_weight(&p, nobias, &i),
                WakeTarget::This,
                "{}",
                p.name()
            );
            let ns = WakeAffineInput { sync: false, ..i };
            assert_eq!(wake_affine_weight(&p, nobias, &ns), WakeTarget::None);
        }
    }

    #[test]
    fn s64_overflow_wraps_in_linux_and_is_exact_in_exact() {
        let f = Features::defaults(Release::Linux7_1);
        // this = (2^50 + 0)·100·2^20 overflows s64 (2^76·100): wraps to a small/negative value.
        let mut this = busy(1 << 50, 1);
        this.capacity = 1 << 20;
        let mut prev = busy(1 << 40, 1);
        prev.capacity = 1 << 20;
        let i = input(this, prev, 0, 0, false);
        let (lt, wrapped) = overflowing_wake_affine_weight(&Profile::LINUX_7_1, f, &i);
        assert!(wrapped);
        // Recompute the kernel's wrapped comparison by hand.
        let t = ((1i64 << 50).wrapping_mul(100)).wrapping_mul(1 << 20);
        let q = ((1i64 << 40).wrapping_mul(108)).wrapping_mul(1 << 20);
        assert_eq!(lt == WakeTarget::This, t < q);
        assert_eq!(checked_wake_affine_weight(&Profile::LINUX_7_1, f, &i), None);
        // EXACT: 2^50·100 > 2^40·108 → none, never flagged.
        assert_eq!(
            overflowing_wake_affine_weight(&Profile::EXACT, f, &i),
            (WakeTarget::None, false)
        );
        assert_eq!(
            checked_wake_affine_weight(&Profile::EXACT, f, &i),
            Some(WakeTarget::None)
        );
        // Extreme inputs never panic and EXACT orders them correctly:
        // this = (u64::MAX + u64::MAX)·100·u64::MAX, prev = (u64::MAX − u64::MAX)… = 0 → none.
        let mut big = busy(u64::MAX, 1);
        big.capacity = u64::MAX;
        let i = input(big, big, u64::MAX, 0, false);
        assert_eq!(
            overflowing_wake_affine_weight(&Profile::EXACT, f, &i),
            (WakeTarget::None, false)
        );
        let i = input(busy(0, 0), big, u64::MAX, 0, false);
        // this = u64::MAX·100·u64::MAX > prev = 0 → none; and negative prev:
        assert_eq!(wake_affine_weight(&Profile::EXACT, f, &i), WakeTarget::None);
        let i = input(big, busy(0, 0), 0, u64::MAX, true);
        // sync, cur = this = u64::MAX: this = 0, prev = 0·… + 1 → this.
        assert_eq!(wake_affine_weight(&Profile::EXACT, f, &i), WakeTarget::This);
        // imbalance_pct < 100 wraps the u32 bias in Linux profiles.
        let mut w = input(busy(1024, 1), busy(2048, 2), 0, 0, false);
        w.imbalance_pct = 99;
        let (_, wrapped) = overflowing_wake_affine_weight(&Profile::LINUX_6_6, f, &w);
        assert!(wrapped);
        assert!(!overflowing_wake_affine_weight(&Profile::EXACT, f, &w).1);
    }

    #[test]
    fn wake_affine_combines_under_features() {
        let p = Profile::LINUX_7_1;
        let f = Features::defaults(p.release);
        // Idle step decides prev: result prev.
        assert_eq!(
            wake_affine(&p, f, &input(idle(), idle(), 0, 0, false)),
            WakeTarget::Prev
        );
        // Weight step decides this.
        assert_eq!(
            wake_affine(&p, f, &input(busy(1024, 1), busy(2048, 2), 512, 0, false)),
            WakeTarget::This
        );
        // Nothing decides: prev.
        assert_eq!(
            wake_affine(&p, f, &input(busy(1024, 1), busy(1024, 2), 512, 0, false)),
            WakeTarget::Prev
        );
        // Both idle, prev still carrying 500 of blocked load: WA_IDLE keeps prev;
        // without it the weight step sees 0·100·1024 < 500·108·1024 and pulls.
        let prev_idle = CpuState {
            load_avg: 500,
            ..idle()
        };
        let i = input(idle(), prev_idle, 0, 0, false);
        assert_eq!(wake_affine(&p, f, &i), WakeTarget::Prev);
        assert_eq!(wake_affine(&p, f - Features::WA_IDLE, &i), WakeTarget::This);
        // Both off: always prev.
        let none = f - Features::WA_IDLE - Features::WA_WEIGHT;
        assert_eq!(
            wake_affine(&p, none, &input(idle(), busy(9, 1), 0, 0, false)),
            WakeTarget::Prev
        );
        // The weight step's wrap flag is passed through.
        let mut t = busy(1 << 62, 1);
        t.capacity = 1 << 10;
        assert!(overflowing_wake_affine(&p, f, &input(t, busy(2, 1), 0, 0, false)).1);
    }

    #[test]
    fn seed_vcpu_hlt_preempted_idle() {
        // Masanori Misono, LKML 2021-05-26, "[PATCH RFC 0/1] Make vCPUs that are HLT
        // state candidates for load balancing": vCPU1 halted (idle) but its steal-time
        // `preempted` byte is 1; thread C wakes on vCPU2, whose previous CPU was vCPU1.
        let p = Profile::LINUX_7_1;
        let f = Features::defaults(p.release);
        let vcpu2 = busy(1024, 1); // runs thread B
        let vcpu1_halted = CpuState {
            vcpu_preempted: true,
            ..idle()
        };
        let i = input(vcpu2, vcpu1_halted, 300, 1024, false);
        // Not available, so the idle step does not return prev…
        assert_eq!(wake_affine_idle(p.release, &i), WakeTarget::None);
        // …and the weight step pulls C onto vCPU2: (1024 + 300)·100 < (0 − 300)·108? no:
        // prev = −32,400·1024 < this: stays "none" → prev. The report's stacking comes from
        // select_idle_sibling skipping vCPU1, not from wake_affine.
        assert_eq!(wake_affine(&p, f, &i), WakeTarget::Prev);
        assert!(!choose_idle_cpu(&vcpu1_halted, false));
        // Without the preempted flag (the RFC patch of the report) vCPU1 is a candidate.
        let patched = input(vcpu2, idle(), 300, 1024, false);
        assert_eq!(wake_affine_idle(p.release, &patched), WakeTarget::Prev);
    }

    #[test]
    fn seed_kvm_vcpu_wake_affine_stacking() {
        // "VM performance issue in KVM guests." (Zhang Xiantao, kvm/LKML, 2010-04-10;
        // docs/derivations.md §1.3): 2 pCPUs saturated by vCPU threads; a vCPU thread
        // wakes a sibling vCPU thread with a sync wakeup. The waker is the only
        // runnable task on its pCPU, so wake_affine_idle stacks the wakee there.
        let p = Profile::LINUX_6_6;
        let f = Features::defaults(p.release);
        let this = busy(1024, 1);
        let prev = busy(1024, 1);
        let i = input(this, prev, 1024, 1024, true);
        assert_eq!(wake_affine(&p, f, &i), WakeTarget::This);
        // Switching off affine wakeups as in the report's experiment (WA_IDLE and WA_WEIGHT):
        let off = f - Features::WA_IDLE - Features::WA_WEIGHT;
        assert_eq!(wake_affine(&p, off, &i), WakeTarget::Prev);
        // Non-sync: weight test (1024 + 1024)·100 < (1024 − 1024)·108 fails → prev.
        let ns = WakeAffineInput { sync: false, ..i };
        assert_eq!(wake_affine(&p, f, &ns), WakeTarget::Prev);
    }

    #[test]
    fn seed_aio_completion_migration() {
        // LKML "single aio thread is migrated crazily by scheduler" (Ming Lei, Nov
        // 2019; Dave Chinner, 2019-11-21): a submitter saturating CPU A is woken by the
        // completion kworker on CPU B (non-sync). B runs the kworker (load 100), A holds
        // the submitter's own load when it slept (~1000 decaying). The weight test pulls
        // the submitter to B: (100 + 1000)·100 = 110,000 < (1000 − 1000 + 1024)·108 = 110,592.
        let p = Profile::LINUX_7_1;
        let f = Features::defaults(p.release);
        let b = busy(100, 1);
        let a = busy(2024, 1); // the submitter's 1000 plus another 1024 task
        let i = input(b, a, 1000, 0, false);
        assert_eq!(wake_affine(&p, f, &i), WakeTarget::This);
        // With the submitter's load a little lower the test keeps it on A: this is
        // how completion steering plus this comparison decides each migration.
        let i3 = input(b, a, 990, 0, false);
        // (100 + 990)·100 = 109,000 vs (2024 − 990)·108 = 111,672: still pulled.
        assert_eq!(wake_affine(&p, f, &i3), WakeTarget::This);
        let i4 = input(busy(600, 1), a, 1000, 0, false);
        // (600 + 1000)·100 = 160,000 vs 110,592: stays on A.
        assert_eq!(wake_affine(&p, f, &i4), WakeTarget::Prev);
    }

    #[test]
    fn task_h_load_and_h_load_step() {
        for p in Profile::PRESETS {
            // Root h_load = root load_avg = 3072; group entity load 1024 in a root of 3072:
            // child h_load = ⌊3072·1024 / 3073⌋ = 1023.
            assert_eq!(h_load_step(&p, 3072, 1024, 3072), Ok(1023));
            // A task of load 512 in that child (load_avg 1024): ⌊523,776 / 1025⌋ = 511.
            assert_eq!(task_h_load(&p, 512, 1023, 1024), Ok(511));
            assert_eq!(task_h_load(&p, 0, 0, 0), Ok(0));
        }
        // Divisor wraps to 0 in the kernel: undefined; exact divides by 2^64.
        assert_eq!(
            overflowing_task_h_load(&Profile::LINUX_7_1, 5, 5, u64::MAX),
            Err(Error::Undefined)
        );
        assert_eq!(
            overflowing_task_h_load(&Profile::EXACT, u64::MAX, u64::MAX, u64::MAX),
            Ok((u64::MAX - 1, false))
        );
        // Product wraps: flagged; EXACT: the true quotient, too large → Overflow.
        assert_eq!(
            overflowing_task_h_load(&Profile::LINUX_6_6, 1 << 40, 1 << 40, 0),
            Ok((0, true))
        );
        assert_eq!(task_h_load(&Profile::LINUX_6_6, 1 << 40, 1 << 40, 0), Ok(0));
        assert_eq!(
            task_h_load(&Profile::EXACT, 1 << 40, 1 << 40, 0),
            Err(Error::Overflow)
        );
        assert_eq!(
            task_h_load(&Profile::EXACT, 1 << 40, 1 << 40, (1 << 20) - 1),
            Ok(1 << 60)
        );
    }

    // -----------------------------------------------------------------------
    // select_idle_sibling / select_task_rq_fair. Golden values marked "kernel"
    // are the kernels' own answers (6.6.0, 6.18.2, 7.0.0, 7.1.5 run on the same
    // inputs), as reported in the fidelity review of the wake path (issue 11).
    // -----------------------------------------------------------------------

    fn sis(prev: u32, target: u32, nr_idle_scan: i32) -> IdleSiblingInput {
        IdleSiblingInput {
            prev,
            target,
            this_cpu: target,
            recent_used_cpu: prev,
            nr_idle_scan,
            ..IdleSiblingInput::default()
        }
    }

    fn pick(
        r: Release,
        i: &IdleSiblingInput,
        cpus: &[CpuState],
        allowed: &[bool],
    ) -> (u32, IdleSibling) {
        let c = select_idle_sibling(r, Features::defaults(r), i, cpus, allowed, &[]).unwrap();
        (c.cpu, c.how)
    }

    #[test]
    fn sis_returns_an_idle_prev_the_task_may_not_run_on() {
        // kernel 6.6.0 … 7.1.5 select_idle_sibling, as reported in the fidelity
        // review: CPU0 runs only SCHED_IDLE tasks, CPU1 is an idle vCPU the host
        // preempted, only CPU1 allowed, prev 0, target 1 → 0 (the old code: 1).
        let cpus = [
            CpuState {
                sched_idle_only: true,
                ..busy(3, 1)
            },
            CpuState {
                vcpu_preempted: true,
                ..idle()
            },
        ];
        let allowed = [false, true];
        for r in RELEASES {
            assert_eq!(
                pick(r, &sis(0, 1, 2), &cpus, &allowed),
                (0, IdleSibling::Prev)
            );
        }
        // An idle target is returned whether allowed or not.
        let cpus2 = [idle(), busy(1, 1)];
        assert_eq!(
            pick(Release::Linux7_1, &sis(1, 0, 2), &cpus2, &[false, true]),
            (0, IdleSibling::Target)
        );
        // Core does not even ask the class for a task allowed on one CPU.
        let input = SelectTaskRq {
            this_cpu: 1,
            prev_cpu: 0,
            recent_used_cpu: 0,
            nr_idle_scan: 2,
            ..SelectTaskRq::default()
        };
        let p = Profile::LINUX_6_6;
        let f = Features::defaults(p.release);
        let pl = select_task_rq_fair(&p, f, &input, &cpus, &allowed, &[]).unwrap();
        assert_eq!((pl.fair_cpu, pl.cpu), (None, 1));
        // With CPUs 1 and 2 allowed the class answers 0 and core falls back to 1.
        let cpus3 = [cpus[0], cpus[1], busy(1024, 1)];
        let pl = select_task_rq_fair(&p, f, &input, &cpus3, &[false, true, true], &[]).unwrap();
        assert_eq!(
            (pl.fair_cpu, pl.cpu, pl.idle),
            (Some(0), 1, Some(IdleSibling::Target))
        );
    }

    #[test]
    fn fallback_takes_the_first_allowed_cpu() {
        // kernel select_task_rq (select_fallback_rq), as reported in the fidelity
        // review: 54 CPUs, prev 27 idle but not allowed, nothing scanned
        // (nr_idle_scan 0) → 0 (the old code took the last allowed CPU, 29).
        let mut cpus = [busy(1024, 1); 54];
        cpus[27] = idle();
        let mut allowed = [false; 54];
        allowed[0] = true;
        allowed[29] = true;
        let input = SelectTaskRq {
            this_cpu: 27,
            prev_cpu: 27,
            want_affine: true,
            recent_used_cpu: 27,
            imbalance_pct: SD_IMBALANCE_PCT_LLC,
            ..SelectTaskRq::default()
        };
        for p in Profile::PRESETS {
            let pl = select_task_rq_fair(
                &p,
                Features::defaults(p.release),
                &input,
                &cpus,
                &allowed,
                &[],
            )
            .unwrap();
            assert_eq!(
                (pl.fair_cpu, pl.cpu, pl.idle),
                (Some(27), 0, Some(IdleSibling::Target))
            );
        }
    }

    #[test]
    fn sis_util_nr_idle_scan_limits_the_scan() {
        // kernel select_idle_sibling, as reported in the fidelity review: 13 CPUs,
        // nr_idle_scan 0, target 11 busy → 11, no scan (the old code: 12).
        let mut cpus = [busy(1024, 1); 13];
        cpus[12] = idle();
        cpus[3] = idle();
        let all = [true; 13];
        for r in RELEASES {
            assert_eq!(
                pick(r, &sis(11, 11, 0), &cpus, &all),
                (11, IdleSibling::Busy)
            );
            // A budget of one CPU looks at 12 only; of two, at 12 and 0.
            assert_eq!(
                pick(r, &sis(11, 11, 1), &cpus, &all),
                (12, IdleSibling::Scan)
            );
            cpus[12] = busy(1024, 1);
            assert_eq!(
                pick(r, &sis(11, 11, 1), &cpus, &all),
                (11, IdleSibling::Busy)
            );
            // 12, 0, 1, 2 are four CPUs; the fifth is 3.
            assert_eq!(
                pick(r, &sis(11, 11, 4), &cpus, &all),
                (11, IdleSibling::Busy)
            );
            assert_eq!(
                pick(r, &sis(11, 11, 5), &cpus, &all),
                (3, IdleSibling::Scan)
            );
            // Without SIS_UTIL the whole LLC is scanned.
            let f = Features::defaults(r) - Features::SIS_UTIL;
            let c = select_idle_sibling(r, f, &sis(11, 11, 0), &cpus, &all, &[]).unwrap();
            assert_eq!((c.cpu, c.how), (3, IdleSibling::Scan));
            cpus[12] = idle();
        }
    }

    #[test]
    fn scan_budget_stop_rule_differs_for_a_negative_nr_idle_scan() {
        // nr_idle_scan = −1: nr = 0. v6.6 stops only when the decremented
        // budget is exactly 0, so it scans on; v6.7 and later stop at ≤ 0.
        let mut cpus = [busy(1024, 1); 4];
        cpus[2] = idle();
        let all = [true; 4];
        assert_eq!(SisRules::of(Release::Linux6_6).scan_stop, ScanStop::AtZero);
        assert_eq!(
            pick(Release::Linux6_6, &sis(0, 0, -1), &cpus, &all),
            (2, IdleSibling::Scan)
        );
        for r in [Release::Linux6_18, Release::Linux7_0, Release::Linux7_1] {
            assert_eq!(SisRules::of(r).scan_stop, ScanStop::AtOrBelowZero);
            assert_eq!(pick(r, &sis(0, 0, -1), &cpus, &all), (0, IdleSibling::Busy));
        }
        // i32::MAX + 1 wraps to i32::MIN, and its decrement back to i32::MAX:
        // an unlimited scan in every release.
        for r in RELEASES {
            assert_eq!(pick(r, &sis(0, 0, i32::MAX), &cpus, &all).0, 2);
        }
    }

    #[test]
    fn recent_used_cpu_is_tried_before_the_scan_and_becomes_prev() {
        // kernel select_idle_sibling, as reported in the fidelity review:
        // prev = target = 0 busy, recent_used_cpu 5 idle → 5 (the old code: 1).
        let mut cpus = [busy(1024, 1); 8];
        cpus[1] = idle();
        cpus[5] = idle();
        let all = [true; 8];
        let i = IdleSiblingInput {
            recent_used_cpu: 5,
            ..sis(0, 0, 8)
        };
        for r in RELEASES {
            let c = select_idle_sibling(r, Features::defaults(r), &i, &cpus, &all, &[]).unwrap();
            assert_eq!(
                (c.cpu, c.how, c.recent_used_cpu),
                (5, IdleSibling::RecentUsed, 0)
            );
            // Not allowed: skipped, the scan finds 1; recent_used_cpu is still prev.
            let mut a = all;
            a[5] = false;
            let c = select_idle_sibling(r, Features::defaults(r), &i, &cpus, &a, &[]).unwrap();
            assert_eq!((c.cpu, c.how, c.recent_used_cpu), (1, IdleSibling::Scan, 0));
            // An idle target returns before the step: recent_used_cpu unchanged.
            let t = IdleSiblingInput { target: 1, ..i };
            let c = select_idle_sibling(r, Features::defaults(r), &t, &cpus, &all, &[]).unwrap();
            assert_eq!((c.cpu, c.recent_used_cpu), (1, 5));
        }
        // Through select_task_rq_fair the new value comes back to the caller.
        let input = SelectTaskRq {
            prev_cpu: 0,
            recent_used_cpu: 5,
            nr_idle_scan: 8,
            ..SelectTaskRq::default()
        };
        let p = Profile::LINUX_6_6;
        let pl = select_task_rq_fair(&p, Features::defaults(p.release), &input, &cpus, &all, &[])
            .unwrap();
        assert_eq!((pl.cpu, pl.recent_used_cpu), (5, 0));
    }

    #[test]
    fn per_cpu_kthread_waker_stacks_the_wakee_on_prev() {
        // kernel select_idle_sibling (rule of commit 52262ee567ad), as reported
        // in the fidelity review: prev = this = target = 7 busy, the waker a
        // per-CPU kthread → 7 (the old code: 8).
        let mut cpus = [busy(1024, 1); 10];
        cpus[8] = idle();
        let all = [true; 10];
        let k = IdleSiblingInput {
            waker_per_cpu_kthread: true,
            ..sis(7, 7, 10)
        };
        for r in RELEASES {
            assert_eq!(pick(r, &k, &cpus, &all), (7, IdleSibling::PerCpuKthread));
            // Not a kthread, or the kthread's CPU runs two tasks, or the wakee
            // last ran elsewhere: the scan decides.
            assert_eq!(pick(r, &sis(7, 7, 10), &cpus, &all), (8, IdleSibling::Scan));
            let mut two = cpus;
            two[7] = busy(2048, 2);
            assert_eq!(pick(r, &k, &two, &all), (8, IdleSibling::Scan));
            let elsewhere = IdleSiblingInput { this_cpu: 6, ..k };
            assert_eq!(pick(r, &elsewhere, &cpus, &all), (8, IdleSibling::Scan));
        }
    }

    #[test]
    fn sched_idle_cpus_count_for_every_wakee_before_7_1() {
        // kernel 6.6.0 … 7.0.0 take a CPU running only SCHED_IDLE tasks whatever
        // the wakee's policy; 7.1 (commit fd54d81c2c0e) not for a SCHED_IDLE
        // wakee. The old code applied 7.1's rule to every release (returned 1).
        let cpus = [
            CpuState {
                sched_idle_only: true,
                ..busy(3, 1)
            },
            idle(),
        ];
        let i = IdleSiblingInput {
            p_is_sched_idle: true,
            ..sis(0, 0, 2)
        };
        for r in [Release::Linux6_6, Release::Linux6_18, Release::Linux7_0] {
            assert_eq!(SisRules::of(r).idle_test, IdleTest::AvailableOrSchedIdle);
            assert_eq!(pick(r, &i, &cpus, &[true; 2]), (0, IdleSibling::Target));
        }
        assert_eq!(
            SisRules::of(Release::Linux7_1).idle_test,
            IdleTest::ChooseIdleCpu
        );
        assert_eq!(
            pick(Release::Linux7_1, &i, &cpus, &[true; 2]),
            (1, IdleSibling::Scan)
        );
        // A normal wakee takes the SCHED_IDLE CPU in every release.
        let normal = IdleSiblingInput {
            p_is_sched_idle: false,
            ..i
        };
        for r in RELEASES {
            assert_eq!(
                pick(r, &normal, &cpus, &[true; 2]),
                (0, IdleSibling::Target)
            );
        }
    }

    #[test]
    fn smt_idle_core_search_and_prev_siblings() {
        // Four cores of two threads: CPUs 2k and 2k + 1 share core k.
        let smt = [0, 0, 1, 1, 2, 2, 3, 3];
        let all = [true; 8];
        let mut cpus = [busy(1024, 1); 8];
        cpus[2] = idle(); // core 1 half idle
        cpus[4] = idle();
        cpus[5] = idle(); // core 2 fully idle
        let f = |r| Features::defaults(r);
        let hinted = IdleSiblingInput {
            has_idle_cores: true,
            ..sis(0, 0, 0)
        };
        for r in RELEASES {
            // With the idle-core hint: core 2 at its first CPU, 4 (the old code: 2).
            let c = select_idle_sibling(r, f(r), &hinted, &cpus, &all, &smt).unwrap();
            assert_eq!(
                (c.cpu, c.how, c.has_idle_cores),
                (4, IdleSibling::IdleCore, true)
            );
            // No idle core: the first idle CPU noted, and the hint is cleared
            // (the core search ignores nr_idle_scan = 0).
            let mut no_core = cpus;
            no_core[5] = busy(1024, 1);
            let c = select_idle_sibling(r, f(r), &hinted, &no_core, &all, &smt).unwrap();
            assert_eq!(
                (c.cpu, c.how, c.has_idle_cores),
                (2, IdleSibling::Scan, false)
            );
            // From target 5 the scan order is 6, 7, 0, …: core 3 comes first.
            let from5 = IdleSiblingInput {
                prev: 5,
                target: 5,
                ..hinted
            };
            let mut t = cpus;
            t[5] = busy(1024, 1);
            t[4] = busy(1024, 1);
            t[6] = idle();
            t[7] = idle();
            let c = select_idle_sibling(r, f(r), &from5, &t, &all, &smt).unwrap();
            assert_eq!((c.cpu, c.how), (6, IdleSibling::IdleCore));
            // Without the hint, prev's idle sibling wins over the scan (old code: 2).
            let prev6 = IdleSiblingInput {
                prev: 6,
                recent_used_cpu: 6,
                ..sis(6, 0, 8)
            };
            let mut s = cpus;
            s[7] = idle();
            let c = select_idle_sibling(r, f(r), &prev6, &s, &all, &smt).unwrap();
            assert_eq!((c.cpu, c.how), (7, IdleSibling::SmtSibling));
            // …unless the sibling is not allowed.
            let mut a = all;
            a[7] = false;
            let c = select_idle_sibling(r, f(r), &prev6, &s, &a, &smt).unwrap();
            assert_eq!((c.cpu, c.how), (2, IdleSibling::Scan));
        }
        // One thread per core is not SMT: the hint is ignored.
        let flat = [0, 1, 2, 3, 4, 5, 6, 7];
        let c = select_idle_sibling(
            Release::Linux7_1,
            f(Release::Linux7_1),
            &hinted,
            &cpus,
            &all,
            &flat,
        )
        .unwrap();
        assert_eq!(
            (c.cpu, c.how, c.has_idle_cores),
            (0, IdleSibling::Busy, true)
        );
    }

    #[test]
    fn idle_search_rejects_bad_input() {
        let cpus = [busy(1, 1); 3];
        let all = [true; 3];
        let r = Release::Linux7_1;
        let f = Features::defaults(r);
        let bad =
            |i: IdleSiblingInput, smt: &[u32]| select_idle_sibling(r, f, &i, &cpus, &all, smt);
        let ok = sis(0, 1, 3);
        assert!(bad(ok, &[]).is_ok());
        assert_eq!(
            bad(IdleSiblingInput { prev: 3, ..ok }, &[]),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            bad(IdleSiblingInput { target: 9, ..ok }, &[]),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            bad(IdleSiblingInput { this_cpu: 3, ..ok }, &[]),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            bad(
                IdleSiblingInput {
                    recent_used_cpu: u32::MAX,
                    ..ok
                },
                &[]
            ),
            Err(Error::InvalidArgument)
        );
        assert_eq!(bad(ok, &[0, 0]), Err(Error::InvalidArgument));
        assert!(bad(ok, &[0, 0, 1]).is_ok());
        // SIS_PROP (v6.6, off by default) is not modelled; later releases lack it.
        let prop = Features::defaults(Release::Linux6_6) | Features::SIS_PROP;
        assert_eq!(
            select_idle_sibling(Release::Linux6_6, prop, &ok, &cpus, &all, &[]),
            Err(Error::InvalidArgument)
        );
        assert!(select_idle_sibling(r, f | Features::SIS_PROP, &ok, &cpus, &all, &[]).is_ok());
        // Empty machine.
        assert_eq!(
            select_idle_sibling(r, f, &ok, &[], &[], &[]),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn several_llcs_restrict_prev_recent_and_the_scan_to_the_targets_llc() {
        let f = Features::defaults(Release::Linux6_6);
        let r = Release::Linux6_6;
        let all = [true; 6];
        let b = busy(1024, 1);
        let i = idle();
        // LLC A = {0, 1, 2}, LLC B = {3, 4, 5}.
        let llc = [0, 0, 0, 1, 1, 1];
        let inp = IdleSiblingInput {
            prev: 4,
            target: 0,
            this_cpu: 0,
            recent_used_cpu: 5,
            nr_idle_scan: 6,
            ..IdleSiblingInput::default()
        };
        // prev (4) and recent (5) idle but in B; the scan of A finds 2.
        let cpus = [b, b, i, b, i, i];
        let c = select_idle_sibling_in_llcs(r, f, &inp, &cpus, &all, &[], &llc).unwrap();
        assert_eq!((c.cpu, c.how, c.recent_used_cpu), (2, IdleSibling::Scan, 4));
        // With one LLC, prev is taken first.
        let c = select_idle_sibling(r, f, &inp, &cpus, &all, &[]).unwrap();
        assert_eq!((c.cpu, c.how), (4, IdleSibling::Prev));
        // Nothing idle in A: the target, although B has idle CPUs.
        let cpus = [b, b, b, i, i, i];
        let c = select_idle_sibling_in_llcs(r, f, &inp, &cpus, &all, &[], &llc).unwrap();
        assert_eq!((c.cpu, c.how), (0, IdleSibling::Busy));
        // recent in the target's LLC is taken.
        let c = select_idle_sibling_in_llcs(
            r,
            f,
            &IdleSiblingInput {
                recent_used_cpu: 1,
                ..inp
            },
            &[b, i, b, i, i, i],
            &all,
            &[],
            &llc,
        )
        .unwrap();
        assert_eq!((c.cpu, c.how), (1, IdleSibling::RecentUsed));
        // One CPU per LLC: no scan at all, the busy target even though all
        // others are idle; an idle target is still taken.
        let solo = [0, 1, 2, 3, 4, 5];
        let cpus = [b, i, i, i, i, i];
        let c = select_idle_sibling_in_llcs(r, f, &inp, &cpus, &all, &[], &solo).unwrap();
        assert_eq!((c.cpu, c.how, c.recent_used_cpu), (0, IdleSibling::Busy, 4));
        let c = select_idle_sibling_in_llcs(
            r,
            f,
            &IdleSiblingInput { target: 1, ..inp },
            &cpus,
            &all,
            &[],
            &solo,
        )
        .unwrap();
        assert_eq!((c.cpu, c.how), (1, IdleSibling::Target));
        // The per-CPU kthread rule does not read the LLC.
        let c = select_idle_sibling_in_llcs(
            r,
            f,
            &IdleSiblingInput {
                prev: 0,
                waker_per_cpu_kthread: true,
                ..inp
            },
            &cpus,
            &all,
            &[],
            &solo,
        )
        .unwrap();
        assert_eq!((c.cpu, c.how), (0, IdleSibling::PerCpuKthread));
        // A wrong-length llc is refused.
        assert_eq!(
            select_idle_sibling_in_llcs(r, f, &inp, &cpus, &all, &[], &[0, 1]),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn several_llcs_wake_affine_idle_needs_a_shared_cache() {
        let p = Profile::LINUX_6_6;
        let f = Features::defaults(p.release);
        let i = idle();
        let b = busy(1024, 1);
        // The waker's CPU 0 is idle (an interrupt), prev 1 busy.
        let inp = SelectTaskRq {
            this_cpu: 0,
            prev_cpu: 1,
            want_affine: true,
            imbalance_pct: SD_IMBALANCE_PCT_LLC,
            nr_idle_scan: 2,
            recent_used_cpu: 1,
            ..SelectTaskRq::default()
        };
        let one = select_task_rq_fair(&p, f, &inp, &[i, b], &[true; 2], &[]).unwrap();
        assert_eq!((one.cpu, one.affine), (0, Some(WakeTarget::This)));
        // Different LLCs: wake_affine_idle's first test is skipped; prev is
        // busy, so WA_WEIGHT decides: this (load 0 + 0) < prev (1024 − 0).
        let two =
            select_task_rq_fair_in_llcs(&p, f, &inp, &[i, b], &[true; 2], &[], &[0, 1]).unwrap();
        assert_eq!(two.affine, Some(WakeTarget::This));
        assert_eq!(two.cpu, 0);
        // A sync wakeup from a busy waker in another LLC with an idle prev:
        // wake_affine_idle gives this (sync, one task), and there is no idle
        // search across LLCs: the wakee stacks on the waker's CPU.
        let sync = SelectTaskRq { sync: true, ..inp };
        let pl =
            select_task_rq_fair_in_llcs(&p, f, &sync, &[b, i], &[true; 2], &[], &[0, 1]).unwrap();
        assert_eq!((pl.cpu, pl.affine), (0, Some(WakeTarget::This)));
        let pl = select_task_rq_fair(&p, f, &sync, &[b, i], &[true; 2], &[]).unwrap();
        assert_eq!(pl.cpu, 1);
        assert_eq!(
            select_task_rq_fair_in_llcs(&p, f, &sync, &[b, i], &[true; 2], &[], &[0]),
            Err(Error::InvalidArgument)
        );
    }

    #[test]
    fn one_llc_named_or_implicit_gives_the_same_placement() {
        use std::vec;
        use std::vec::Vec;
        fn prop(states: Vec<(bool, u8, bool)>, seed: (u8, u8, u8, bool, bool, i8)) -> bool {
            let n = states.len().clamp(1, 12);
            let cpus: Vec<CpuState> = (0..n)
                .map(|k| {
                    let (idle, nr, pre) = states.get(k).copied().unwrap_or((true, 0, false));
                    let nr = if idle { 0 } else { 1 + nr as u32 % 3 };
                    CpuState {
                        idle_task_running: idle,
                        vcpu_preempted: pre,
                        nr_running: nr,
                        h_nr_queued: nr,
                        h_nr_runnable: nr,
                        load_avg: nr as u64 * 700,
                        capacity: 1024,
                        ..CpuState::default()
                    }
                })
                .collect();
            let (this, prev, recent, sync, kt, scan) = seed;
            let inp = SelectTaskRq {
                this_cpu: this as u32 % n as u32,
                prev_cpu: prev as u32 % n as u32,
                recent_used_cpu: recent as u32 % n as u32,
                want_affine: true,
                sync,
                waker_per_cpu_kthread: kt,
                task_h_load: 300,
                current_h_load: 600,
                imbalance_pct: SD_IMBALANCE_PCT_LLC,
                nr_idle_scan: scan as i32 % (n as i32 + 1),
                ..SelectTaskRq::default()
            };
            let allowed = vec![true; n];
            let p = Profile::LINUX_6_6;
            let f = Features::defaults(p.release);
            let a = select_task_rq_fair(&p, f, &inp, &cpus, &allowed, &[]);
            let b = select_task_rq_fair_in_llcs(&p, f, &inp, &cpus, &allowed, &[], &vec![7; n]);
            a == b
        }
        quickcheck::QuickCheck::new()
            .tests(2_000)
            .quickcheck(prop as fn(Vec<(bool, u8, bool)>, (u8, u8, u8, bool, bool, i8)) -> bool);
    }
}
