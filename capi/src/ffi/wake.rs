//! Wake-affine decisions, `task_h_load` and the idle-CPU predicates (fair.c, v6.6.0 … v7.1.5).

use eevdf::features::Features;
use eevdf::wake::{
    available_idle_cpu, choose_idle_cpu, idle_rq, overflowing_h_load_step, overflowing_task_h_load,
    overflowing_wake_affine, overflowing_wake_affine_weight, overflowing_wake_wide, record_wakee,
    wake_affine_idle, CpuState, WakeAffineInput, WakeTarget, WakeeFlips, SD_IMBALANCE_PCT_LLC,
    SD_IMBALANCE_PCT_SMT,
};
use eevdf::{Error, Profile};

use super::{check_out, flag_in, profile_of, read_in, run, status_of, write_out, EEVDF_OK};

/// Wake target: no decision (the kernel's `nr_cpumask_bits`).
pub const EEVDF_WAKE_TARGET_NONE: u32 = 0;
/// Wake target: the waker's CPU (`this_cpu`).
pub const EEVDF_WAKE_TARGET_THIS: u32 = 1;
/// Wake target: the wakee's previous CPU (`prev_cpu`).
pub const EEVDF_WAKE_TARGET_PREV: u32 = 2;

static_assertions::const_assert_eq!(EEVDF_WAKE_TARGET_NONE, WakeTarget::None as u32);
static_assertions::const_assert_eq!(EEVDF_WAKE_TARGET_THIS, WakeTarget::This as u32);
static_assertions::const_assert_eq!(EEVDF_WAKE_TARGET_PREV, WakeTarget::Prev as u32);

/// `sd->imbalance_pct` of LLC (and larger) domains: 117, a bias of 108.
pub const EEVDF_SD_IMBALANCE_PCT_LLC: u32 = 117;
/// `sd->imbalance_pct` of SMT-sibling domains: 110, a bias of 105.
pub const EEVDF_SD_IMBALANCE_PCT_SMT: u32 = 110;

static_assertions::const_assert_eq!(EEVDF_SD_IMBALANCE_PCT_LLC, SD_IMBALANCE_PCT_LLC);
static_assertions::const_assert_eq!(EEVDF_SD_IMBALANCE_PCT_SMT, SD_IMBALANCE_PCT_SMT);

/// The run-queue facts of one CPU that the wake-affine decisions read. The
/// flag bytes are 0 or 1 (anything else is `EEVDF_EINVAL`).
///
/// Size 32, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfCpuState {
    /// `cpu_load(rq)`: the root cfs_rq's `avg.load_avg` (unscaled).
    pub load_avg: u64,
    /// `capacity_of(cpu)`: 1024 for a full CPU, less the RT/DL/IRQ/pressure share.
    pub capacity: u64,
    /// `rq->nr_running` (all classes).
    pub nr_running: u32,
    /// `rq->cfs.h_nr_queued` (includes delayed-dequeue tasks).
    pub h_nr_queued: u32,
    /// `rq->cfs.h_nr_runnable` (excludes delayed-dequeue tasks).
    pub h_nr_runnable: u32,
    /// 1 if `rq->curr` is the idle task.
    pub idle_task_running: u8,
    /// 1 if a remote wakeup is queued for this CPU (`rq->ttwu_pending`).
    pub ttwu_pending: u8,
    /// 1 if `vcpu_is_preempted(cpu)`: the host has this vCPU scheduled out.
    pub vcpu_preempted: u8,
    /// 1 if the run queue holds only SCHED_IDLE tasks (`sched_idle_rq`).
    pub sched_idle_only: u8,
}

/// Everything `eevdf_wake_affine` reads.
///
/// Size 88, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfWakeAffineInput {
    /// The waker's CPU (`this_cpu`).
    pub this_cpu: EevdfCpuState,
    /// The wakee's previous CPU (`prev_cpu`).
    pub prev_cpu: EevdfCpuState,
    /// `task_h_load(p)` of the wakee (`eevdf_task_h_load`).
    pub task_h_load: u64,
    /// `task_h_load(current)` of the waker (read only for sync wakeups).
    pub current_h_load: u64,
    /// `sd->imbalance_pct` of the wake-affine domain (`EEVDF_SD_IMBALANCE_PCT_*`).
    pub imbalance_pct: u32,
    /// 1 if `cpus_share_cache(this, prev)`: same last-level cache.
    pub share_llc: u8,
    /// 1 for a sync wakeup (WF_SYNC, waker not exiting): the waker will sleep.
    pub sync: u8,
}

/// The per-task state of `record_wakee` (`task_struct` fields).
///
/// Size 24, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfWakeeFlips {
    /// `wakee_flip_decay_ts`: jiffies of the last halving.
    pub wakee_flip_decay_ts: u64,
    /// `last_wakee`: an identifier of the task this one last woke (0 = none).
    pub last_wakee: u64,
    /// `wakee_flips`: how often this task switched the task it wakes.
    pub wakee_flips: u32,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::{EevdfCpuState, EevdfWakeAffineInput, EevdfWakeeFlips};
    use core::mem::{align_of, offset_of};
    static_assertions::assert_eq_size!(EevdfCpuState, [u8; 32]);
    static_assertions::const_assert_eq!(align_of::<EevdfCpuState>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, load_avg), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, capacity), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, nr_running), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, h_nr_queued), 20);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, h_nr_runnable), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, idle_task_running), 28);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, ttwu_pending), 29);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, vcpu_preempted), 30);
    static_assertions::const_assert_eq!(offset_of!(EevdfCpuState, sched_idle_only), 31);
    static_assertions::assert_eq_size!(EevdfWakeAffineInput, [u8; 88]);
    static_assertions::const_assert_eq!(align_of::<EevdfWakeAffineInput>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, this_cpu), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, prev_cpu), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, task_h_load), 64);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, current_h_load), 72);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, imbalance_pct), 80);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, share_llc), 84);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeAffineInput, sync), 85);
    static_assertions::assert_eq_size!(EevdfWakeeFlips, [u8; 24]);
    static_assertions::const_assert_eq!(align_of::<EevdfWakeeFlips>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeeFlips, wakee_flip_decay_ts), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeeFlips, last_wakee), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfWakeeFlips, wakee_flips), 16);
}

impl EevdfCpuState {
    /// The Rust state; a flag byte other than 0 or 1 is a bad argument.
    pub(crate) fn to_rust(self) -> Result<CpuState, Error> {
        Ok(CpuState {
            load_avg: self.load_avg,
            capacity: self.capacity,
            nr_running: self.nr_running,
            h_nr_queued: self.h_nr_queued,
            h_nr_runnable: self.h_nr_runnable,
            idle_task_running: flag_in(self.idle_task_running)?,
            ttwu_pending: flag_in(self.ttwu_pending)?,
            vcpu_preempted: flag_in(self.vcpu_preempted)?,
            sched_idle_only: flag_in(self.sched_idle_only)?,
        })
    }
}

impl From<CpuState> for EevdfCpuState {
    fn from(c: CpuState) -> Self {
        EevdfCpuState {
            load_avg: c.load_avg,
            capacity: c.capacity,
            nr_running: c.nr_running,
            h_nr_queued: c.h_nr_queued,
            h_nr_runnable: c.h_nr_runnable,
            idle_task_running: c.idle_task_running.into(),
            ttwu_pending: c.ttwu_pending.into(),
            vcpu_preempted: c.vcpu_preempted.into(),
            sched_idle_only: c.sched_idle_only.into(),
        }
    }
}

impl EevdfWakeAffineInput {
    /// The Rust input; a flag byte other than 0 or 1 is a bad argument.
    pub(crate) fn to_rust(self) -> Result<WakeAffineInput, Error> {
        Ok(WakeAffineInput {
            this: self.this_cpu.to_rust()?,
            prev: self.prev_cpu.to_rust()?,
            task_h_load: self.task_h_load,
            current_h_load: self.current_h_load,
            imbalance_pct: self.imbalance_pct,
            share_llc: flag_in(self.share_llc)?,
            sync: flag_in(self.sync)?,
        })
    }
}

impl From<WakeAffineInput> for EevdfWakeAffineInput {
    fn from(i: WakeAffineInput) -> Self {
        EevdfWakeAffineInput {
            this_cpu: i.this.into(),
            prev_cpu: i.prev.into(),
            task_h_load: i.task_h_load,
            current_h_load: i.current_h_load,
            imbalance_pct: i.imbalance_pct,
            share_llc: i.share_llc.into(),
            sync: i.sync.into(),
        }
    }
}

impl From<WakeeFlips> for EevdfWakeeFlips {
    fn from(w: WakeeFlips) -> Self {
        EevdfWakeeFlips {
            wakee_flip_decay_ts: w.wakee_flip_decay_ts,
            last_wakee: w.last_wakee,
            wakee_flips: w.wakee_flips,
        }
    }
}

impl From<EevdfWakeeFlips> for WakeeFlips {
    fn from(w: EevdfWakeeFlips) -> Self {
        WakeeFlips {
            wakee_flip_decay_ts: w.wakee_flip_decay_ts,
            last_wakee: w.last_wakee,
            wakee_flips: w.wakee_flips,
        }
    }
}

/// Copies in and converts a caller's CPU state.
///
/// # Safety
///
/// As [`read_in`].
unsafe fn cpu_in(p: *const EevdfCpuState) -> Result<CpuState, Error> {
    // SAFETY: forwarded contract.
    unsafe { read_in(p) }.and_then(EevdfCpuState::to_rust)
}

/// Copies in and converts a caller's wake-affine input.
///
/// # Safety
///
/// As [`read_in`].
unsafe fn input_in(p: *const EevdfWakeAffineInput) -> Result<WakeAffineInput, Error> {
    // SAFETY: forwarded contract.
    unsafe { read_in(p) }.and_then(EevdfWakeAffineInput::to_rust)
}

/// The common shape of the decisions that take a profile, features and an
/// input and return a target with a wrap flag.
///
/// # Safety
///
/// `input` is NULL or readable; `target` NULL or writable.
unsafe fn decide(
    profile: u32,
    features: u64,
    input: *const EevdfWakeAffineInput,
    target: *mut u32,
    f: fn(&Profile, Features, &WakeAffineInput) -> (WakeTarget, bool),
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        let fs = Features::from_bits(features).ok_or(Error::InvalidArgument);
        // SAFETY: NULL or readable by the caller's contract.
        let i = unsafe { input_in(input) };
        check_out(target)?;
        let (p, fs, i) = (p?, fs?, i?);
        let (t, wrapped) = f(&p, fs, &i);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `target` was checked; writable by the caller's contract.
        unsafe { write_out(target, t as u32) };
        Ok(status)
    })
}

/// `wake_wide(p)`: true ("wide": do not wake affine) iff slave >= llc_size and
/// master >= slave * llc_size, where master and slave are the larger and the
/// smaller of the waker's and the wakee's `wakee_flips`. Example: (64, 8, 8)
/// is wide, (63, 8, 8) is not.
///
/// The product is the kernel's `unsigned int` and wraps mod 2^32: then the
/// Linux profiles return the kernel's answer with `EEVDF_WRAPPED` and
/// `EEVDF_PROFILE_EXACT` returns `EEVDF_EOVERFLOW` (nothing written). Every
/// release computes it alike. `EEVDF_EINVAL` for an unknown profile or a NULL
/// `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_wake_wide(
    profile: u32,
    waker_flips: u32,
    wakee_flips: u32,
    llc_size: u32,
    out: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        check_out(out)?;
        let p = p?;
        let (wide, wrapped) = overflowing_wake_wide(waker_flips, wakee_flips, llc_size);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, wide) };
        Ok(status)
    })
}

/// `record_wakee(p)` on the waker's state: at most once per `hz` jiffies
/// (when `jiffies` is after `wakee_flip_decay_ts + hz`, wrapping) halve
/// `wakee_flips` and set `wakee_flip_decay_ts = jiffies`; then, if
/// `last_wakee != wakee`, set it and increment `wakee_flips` (wrapping).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `flips`.
///
/// # Safety
///
/// `flips` is NULL or points to a readable and writable `EevdfWakeeFlips`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_record_wakee(
    flips: *mut EevdfWakeeFlips,
    wakee: u64,
    jiffies: u64,
    hz: u64,
) -> i32 {
    run(|| {
        // SAFETY: NULL or readable by the caller's contract.
        let mut w = WakeeFlips::from(unsafe { read_in(flips.cast_const()) }?);
        record_wakee(&mut w, wakee, jiffies, hz);
        // SAFETY: `flips` was checked by read_in; writable by the caller's contract.
        unsafe { write_out(flips, w.into()) };
        Ok(EEVDF_OK)
    })
}

/// Runs a predicate on a caller's CPU state and writes the answer.
///
/// # Safety
///
/// `cpu` is NULL or points to a readable `EevdfCpuState`; `out` NULL or a
/// writable `bool`.
unsafe fn cpu_predicate(
    cpu: *const EevdfCpuState,
    out: *mut bool,
    pred: impl FnOnce(&CpuState) -> bool,
) -> i32 {
    run(|| {
        // SAFETY: NULL or readable by the caller's contract.
        let c = unsafe { cpu_in(cpu) };
        check_out(out)?;
        let c = c?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, pred(&c)) };
        Ok(EEVDF_OK)
    })
}

/// `idle_rq(rq)`: the idle task runs, `nr_running` is 0 and no remote wakeup
/// is pending.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL pointer or a flag byte
/// other than 0 or 1.
///
/// # Safety
///
/// `cpu` is NULL or points to a readable `EevdfCpuState`; `out` NULL or a
/// writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_idle_rq(cpu: *const EevdfCpuState, out: *mut bool) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { cpu_predicate(cpu, out, idle_rq) }
}

/// `available_idle_cpu(cpu)`: `eevdf_idle_rq` and not `vcpu_preempted` (an
/// idle vCPU the host has scheduled out is not available).
///
/// Returns as `eevdf_idle_rq`.
///
/// # Safety
///
/// As `eevdf_idle_rq`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_available_idle_cpu(
    cpu: *const EevdfCpuState,
    out: *mut bool,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { cpu_predicate(cpu, out, available_idle_cpu) }
}

/// `choose_idle_cpu(cpu, p)` (Linux 7.1): `eevdf_available_idle_cpu`, or the
/// CPU runs only SCHED_IDLE tasks and the wakee is not SCHED_IDLE.
///
/// Returns as `eevdf_idle_rq`.
///
/// # Safety
///
/// As `eevdf_idle_rq`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_choose_idle_cpu(
    cpu: *const EevdfCpuState,
    p_is_sched_idle: bool,
    out: *mut bool,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { cpu_predicate(cpu, out, |c| choose_idle_cpu(c, p_is_sched_idle)) }
}

/// `wake_affine_idle(this_cpu, prev_cpu, sync)`:
///
/// 1. `this_cpu` available-idle and sharing the LLC: `PREV` if `prev_cpu` is
///    available-idle too, else `THIS`;
/// 2. a sync wakeup and the waker is the only runnable task on `this_cpu`: `THIS`
///    (6.6 tests nr_running = 1; 6.18 and later
///    nr_running - (h_nr_queued - h_nr_runnable) = 1, uint32_t wrapping);
/// 3. `prev_cpu` available-idle: `PREV`;
/// 4. `EEVDF_WAKE_TARGET_NONE`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, a NULL
/// pointer or a flag byte other than 0 or 1.
///
/// # Safety
///
/// `input` is NULL or points to a readable `EevdfWakeAffineInput`; `target`
/// NULL or a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_wake_affine_idle(
    profile: u32,
    input: *const EevdfWakeAffineInput,
    target: *mut u32,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or readable by the caller's contract.
        let i = unsafe { input_in(input) };
        check_out(target)?;
        let (p, i) = (p?, i?);
        // SAFETY: `target` was checked; writable by the caller's contract.
        unsafe { write_out(target, wake_affine_idle(p, &i) as u32) };
        Ok(EEVDF_OK)
    })
}

/// `wake_affine_weight(sd, p, this_cpu, prev_cpu, sync)` (fair.c, v6.6.0 … v7.1.5), in
/// int64_t:
///
/// * sync and current_h_load > this_cpu.load_avg: `THIS` at once;
/// * a = (this_cpu.load_avg - (sync ? current_h_load : 0) + task_h_load)
///   [* 100 with WA_BIAS] * prev_cpu.capacity;
/// * b = (prev_cpu.load_avg - task_h_load) [* (100 + (imbalance_pct - 100) / 2)
///   with WA_BIAS] * this_cpu.capacity [+ 1 if sync];
/// * `THIS` if a < b, else `EEVDF_WAKE_TARGET_NONE`.
///
/// That is: pull the wakee to the waker's CPU if the waker CPU's load with it,
/// per capacity, is below the previous CPU's load without it, biased by half
/// the domain's imbalance. `features` is a set of `EEVDF_FEATURE_*` bits
/// (WA_BIAS is read).
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when one of the kernel's int64_t (or
/// the bias's unsigned int) operations overflowed, so the decision may differ
/// from the exact comparison; `EEVDF_PROFILE_EXACT` compares exactly and never
/// overflows. `EEVDF_EINVAL` for an unknown profile, unknown feature bits, a
/// NULL pointer or a flag byte other than 0 or 1.
///
/// # Safety
///
/// As `eevdf_wake_affine_idle`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_wake_affine_weight(
    profile: u32,
    features: u64,
    input: *const EevdfWakeAffineInput,
    target: *mut u32,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        decide(
            profile,
            features,
            input,
            target,
            overflowing_wake_affine_weight,
        )
    }
}

/// `wake_affine(sd, p, this_cpu, prev_cpu, sync)`: `eevdf_wake_affine_idle`
/// under WA_IDLE; if that decided nothing, `eevdf_wake_affine_weight` under
/// WA_WEIGHT; then `EEVDF_WAKE_TARGET_THIS` if the waker's CPU was chosen,
/// else `EEVDF_WAKE_TARGET_PREV` (never NONE).
///
/// Returns as `eevdf_wake_affine_weight` (the wrap is the weight step's).
///
/// # Safety
///
/// As `eevdf_wake_affine_idle`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_wake_affine(
    profile: u32,
    features: u64,
    input: *const EevdfWakeAffineInput,
    target: *mut u32,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { decide(profile, features, input, target, overflowing_wake_affine) }
}

/// The Rust shape of `task_h_load` and the h_load step: a value and its wrap flag.
type MulDivPlusOne = fn(&Profile, u64, u64, u64) -> Result<(u64, bool), Error>;

/// floor(a * b / (c + 1)) the profile's way, written to `out` with the status.
///
/// # Safety
///
/// `out` is NULL or writable.
unsafe fn mul_div_plus_one(
    profile: u32,
    a: u64,
    b: u64,
    c: u64,
    out: *mut u64,
    f: MulDivPlusOne,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        check_out(out)?;
        let p = p?;
        let (v, wrapped) = f(&p, a, b, c)?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v) };
        Ok(status)
    })
}

/// `task_h_load(p)`: the task's load as seen at the root,
/// floor(se_load_avg * grq_h_load / (grq_load_avg + 1)) (`div64_ul`), with
/// grq the task's cfs_rq. Example: 1024, 512, 2048 gives 255. Without group
/// scheduling it is just `se_load_avg`.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` (Linux profiles) when the uint64_t
/// product wraps; `EEVDF_EDOM` when `grq_load_avg` is UINT64_MAX (the divisor
/// wraps to 0); `EEVDF_EOVERFLOW` under EXACT when the quotient exceeds
/// uint64_t; `EEVDF_EINVAL` for an unknown profile or a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_task_h_load(
    profile: u32,
    se_load_avg: u64,
    grq_h_load: u64,
    grq_load_avg: u64,
    out: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        mul_div_plus_one(
            profile,
            se_load_avg,
            grq_h_load,
            grq_load_avg,
            out,
            overflowing_task_h_load,
        )
    }
}

/// One step of `update_cfs_rq_h_load`, walking down the hierarchy: a child
/// group queue's h_load is floor(parent_h_load * ge_load_avg /
/// (parent_load_avg + 1)), `ge` the group's entity in the parent queue. The
/// root queue's h_load is its load_avg.
///
/// Returns as `eevdf_task_h_load`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_h_load_step(
    profile: u32,
    parent_h_load: u64,
    ge_load_avg: u64,
    parent_load_avg: u64,
    out: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        mul_div_plus_one(
            profile,
            parent_h_load,
            ge_load_avg,
            parent_load_avg,
            out,
            overflowing_h_load_step,
        )
    }
}
