//! Entities: lag and placement lag (contract functions 6 and 7), the entity
//! operations on `EevdfSchedEntity`, slice protection and the pick rule.

use eevdf::pick::PickCtx;
use eevdf::runqueue::EnqueueFlags;

use eevdf::avg::{check_weight, AvgVruntime, Curr};
use eevdf::entity::{
    overflowing_entity_lag, overflowing_place_lag_batch, overflowing_update_deadline,
    overflowing_update_entity_lag, overflowing_yield_entity, place_entity, reweight_entity,
    PlaceFlags, RqCtx, SchedEntity, Tunables,
};
use eevdf::features::Features;
use eevdf::pick::{
    cancel_protect_slice, overflowing_set_protect_slice, overflowing_update_protect_slice,
    pick_eevdf_linear_by, protect_slice, Pick,
};
use eevdf::vtime::{Vlag, Vtime};
use eevdf::weight::LoadWeight;
use eevdf::{Error, Profile, Rules};

use super::avg::{acc_in, EevdfAvgVruntime, EevdfCurr};
use super::profile::EevdfTunables;
use super::weight::EevdfLoadWeight;
use super::{
    array_in, check_out, flag_in, profile_of, read_in, read_opt, run, status_of, write_out,
    EEVDF_OK,
};

/// `eevdf_rq_enqueue` flag `ENQUEUE_WAKEUP`: the entity wakes up (as opposed to
/// a restore or migration).
pub const EEVDF_ENQUEUE_WAKEUP: u32 = 0x1;
/// `eevdf_rq_enqueue` / `eevdf_place_entity` flag `ENQUEUE_INITIAL`: half a
/// slice for the first deadline (PLACE_DEADLINE_INITIAL), in every release.
/// 6.6's `wake_up_new_task` does not pass it for a fork, later releases do:
/// `eevdf_rq_wake_up_new` applies the release's choice.
pub const EEVDF_ENQUEUE_INITIAL: u32 = 0x2;

/// Decodes `EEVDF_ENQUEUE_*` bits; unknown bits are a bad argument.
pub(crate) fn enqueue_flags(bits: u32) -> Result<EnqueueFlags, Error> {
    if bits & !(EEVDF_ENQUEUE_WAKEUP | EEVDF_ENQUEUE_INITIAL) != 0 {
        return Err(Error::InvalidArgument);
    }
    Ok(EnqueueFlags {
        wakeup: bits & EEVDF_ENQUEUE_WAKEUP != 0,
        initial: bits & EEVDF_ENQUEUE_INITIAL != 0,
    })
}

/// `vlag = clamp((int64_t)(avg_vruntime - vruntime), -limit, limit)`: the
/// virtual lag an entity of load weight `lw` saves when it leaves, with the
/// profile's limit:
///
/// * Linux 6.6 and 6.18: limit = calc_delta_fair(max(2 * slice, tick_nsec), lw)
///   (`max_slice` is ignored);
/// * Linux 7.0, 7.1 and EXACT: limit = calc_delta_fair(max_slice + tick_nsec, lw)
///   (`slice` is ignored), `max_slice` being the largest slice on the run
///   queue, the entity included.
///
/// The clamp is the kernel's (hi if x >= hi, else lo if x <= lo, else x), which
/// differs from min(max(x, lo), hi) when a wrapped limit makes lo > hi. For
/// example a nice-0 entity 2,500,000 ns behind V with slice 100,000,
/// max_slice 3,000,000 and tick 1,000,000 keeps 1,000,000 under 6.6 and
/// 2,500,000 under 7.1.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when `2 * slice` or
/// `max_slice + tick_nsec` overflowed u64, the `calc_delta_fair` of the limit
/// wrapped, or the limit exceeds `INT64_MAX`; `EEVDF_EINVAL` for an unknown
/// profile, NULL pointers or `lw->weight == 0`.
///
/// # Safety
///
/// `lw` is NULL or points to a readable `EevdfLoadWeight`; `out` is NULL or
/// points to a writable `int64_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn eevdf_entity_lag(
    profile: u32,
    avg_vruntime: u64,
    vruntime: u64,
    lw: *const EevdfLoadWeight,
    slice: u64,
    max_slice: u64,
    tick_nsec: u64,
    out: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let lw = unsafe { read_in(lw) };
        check_out(out)?;
        let (p, lw) = (p?, lw?.to_rust()?);
        let mut se = SchedEntity::new(lw, slice);
        se.vruntime = Vtime(vruntime);
        let (vlag, wrapped) =
            overflowing_entity_lag(&p, Vtime(avg_vruntime), &se, max_slice, tick_nsec);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, vlag.0) };
        Ok(status)
    })
}

/// The inflated placement lag of an entity of load weight `weight` joining a
/// queue of `n` entities of load weights `queue_weight` (curr included if it
/// is on the run queue): L = sum of the profile's averaging weights of the
/// queue, w = the entity's averaging weight, lag = trunc(vlag * (L + w) / L).
/// The caller then sets vruntime = V - lag. n = 0 gives 0; vlag = 0 gives 0,
/// except under 6.6, which divides anyway. A sum L that the kernel sees as 0
/// is replaced by 1.
///
/// Example (spec Appendix A): vlag -200,000, queue {1048576, 1048576, 343040},
/// weight 1048576 gives -285,942 in every profile.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when `L + w`, the product, or a divisor
/// the profile truncates (`div_s64`) overflowed; `EEVDF_EDOM` for a division by
/// zero (a sum truncated to 0 by `div_s64`) or `INT64_MIN / -1`;
/// `EEVDF_EOVERFLOW` under EXACT for a weight above 2^40 or a lag outside
/// int64_t; `EEVDF_EINVAL` for an unknown profile, a NULL array with n > 0, a
/// NULL `out`, a weight of 0 or n > 1,000,000.
///
/// # Safety
///
/// `queue_weight` is NULL or points to `n` readable `uint64_t`; `out` is NULL
/// or points to a writable `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_place_lag(
    profile: u32,
    vlag: i64,
    queue_weight: *const u64,
    n: usize,
    weight: u64,
    out: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or `n` readable u64 by the caller's contract.
        let q = unsafe { array_in(queue_weight, n) };
        check_out(out)?;
        let (p, q) = (p?, q?);
        if weight == 0 || q.contains(&0) {
            return Err(Error::ZeroWeight);
        }
        let (lag, wrapped) = overflowing_place_lag_batch(&p, vlag, q.iter().copied(), weight)?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, lag) };
        Ok(status)
    })
}

/// A scheduling entity, as the fields of the kernel's `struct sched_entity`
/// that the fair-class arithmetic reads and writes.
///
/// Times are virtual ns (wrapping u64, compared through signed differences);
/// `slice` is wall ns; the flag bytes are 0 or 1 (anything else is
/// `EEVDF_EINVAL`), like the kernel's `unsigned char` flags. `load.weight`
/// must not be 0.
///
/// Size 64, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfSchedEntity {
    /// `se->load`.
    pub load: EevdfLoadWeight,
    /// `se->vruntime`.
    pub vruntime: u64,
    /// `se->deadline` (absolute, or relative while `rel_deadline`).
    pub deadline: u64,
    /// `se->vlag`: the lag saved at dequeue (in 6.6 also the RUN_TO_PARITY
    /// marker while the entity runs).
    pub vlag: i64,
    /// `se->vprot`: the end of slice protection (>= 6.18).
    pub vprot: u64,
    /// `se->slice`: the requested slice, wall ns.
    pub slice: u64,
    /// `se->custom_slice`: the slice was set explicitly and is not reloaded.
    pub custom_slice: u8,
    /// `se->rel_deadline`: `deadline` holds a relative value.
    pub rel_deadline: u8,
    /// `se->sched_delayed`: dequeued for sleep but kept queued.
    pub sched_delayed: u8,
    /// `se->on_rq`.
    pub on_rq: u8,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::{EevdfPick, EevdfRqCtx, EevdfSchedEntity};
    use core::mem::{align_of, offset_of};
    static_assertions::assert_eq_size!(EevdfSchedEntity, [u8; 64]);
    static_assertions::const_assert_eq!(align_of::<EevdfSchedEntity>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, load), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, vruntime), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, deadline), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, vlag), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, vprot), 40);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, slice), 48);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, custom_slice), 56);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, rel_deadline), 57);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, sched_delayed), 58);
    static_assertions::const_assert_eq!(offset_of!(EevdfSchedEntity, on_rq), 59);
    static_assertions::assert_eq_size!(EevdfRqCtx, [u8; 32]);
    static_assertions::const_assert_eq!(align_of::<EevdfRqCtx>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqCtx, curr), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqCtx, max_slice), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqCtx, nr_queued), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqCtx, has_curr), 28);
    static_assertions::assert_eq_size!(EevdfPick, [u8; 16]);
    static_assertions::const_assert_eq!(align_of::<EevdfPick>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfPick, kind), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfPick, index), 8);
}

impl EevdfSchedEntity {
    /// The Rust entity: weight 0 or a flag byte other than 0/1 is a bad argument.
    pub(crate) fn to_rust(self) -> Result<SchedEntity, Error> {
        Ok(SchedEntity {
            load: self.load.to_rust()?,
            vruntime: Vtime(self.vruntime),
            deadline: Vtime(self.deadline),
            vlag: Vlag(self.vlag),
            vprot: Vtime(self.vprot),
            slice: self.slice,
            custom_slice: flag_in(self.custom_slice)?,
            rel_deadline: flag_in(self.rel_deadline)?,
            sched_delayed: flag_in(self.sched_delayed)?,
            on_rq: flag_in(self.on_rq)?,
        })
    }
}

impl From<SchedEntity> for EevdfSchedEntity {
    fn from(se: SchedEntity) -> Self {
        EevdfSchedEntity {
            load: se.load.into(),
            vruntime: se.vruntime.0,
            deadline: se.deadline.0,
            vlag: se.vlag.0,
            vprot: se.vprot.0,
            slice: se.slice,
            custom_slice: se.custom_slice as u8,
            rel_deadline: se.rel_deadline as u8,
            sched_delayed: se.sched_delayed as u8,
            on_rq: se.on_rq as u8,
        }
    }
}

/// The run queue as an entity operation sees it, without the entity operated
/// on (the kernel's state at that call).
///
/// Size 32, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfRqCtx {
    /// The running entity, read only when `has_curr` is 1 (its weight must
    /// then not be 0).
    pub curr: EevdfCurr,
    /// `cfs_rq_max_slice` as the kernel reads it at this call (the 7.x lag limit).
    pub max_slice: u64,
    /// `cfs_rq->nr_queued`, not counting the entity operated on (curr counted).
    pub nr_queued: u32,
    /// 1 when a running entity other than the one operated on is on the run
    /// queue, else 0.
    pub has_curr: u8,
}

impl EevdfRqCtx {
    /// The Rust context (curr's weight is checked against EXACT's domain by the
    /// operations that read it).
    fn to_rust(self) -> Result<RqCtx, Error> {
        let curr: Curr = if flag_in(self.has_curr)? {
            Some((Vtime(self.curr.vruntime), self.curr.weight))
        } else {
            None
        };
        Ok(RqCtx::new(curr, self.nr_queued, self.max_slice))
    }

    /// True when curr is present with weight 0 (a bad argument).
    fn zero_curr(&self) -> bool {
        self.has_curr == 1 && self.curr.weight == 0
    }
}

/// The arguments of the entity operations that take a run-queue context, copied
/// in and checked: EINVAL conditions first, then the EXACT domain.
struct EntityArgs<R: Rules> {
    profile: Profile,
    id: u32,
    acc: AvgVruntime<R>,
    ctx: RqCtx,
    se: SchedEntity,
    tun: Tunables,
}

/// Copies in and checks the arguments shared by `eevdf_update_entity_lag`,
/// `eevdf_place_entity` and `eevdf_reweight_entity`.
///
/// # Safety
///
/// Each pointer is NULL or points to a readable value of its type.
unsafe fn entity_args<R: Rules>(
    rel: R,
    profile: u32,
    acc: *const EevdfAvgVruntime,
    ctx: *const EevdfRqCtx,
    se: *const EevdfSchedEntity,
    tun: *const EevdfTunables,
) -> Result<EntityArgs<R>, Error> {
    let p = Ok::<Profile, Error>(rel.profile());
    // SAFETY: forwarded contract.
    let a = unsafe { read_in(acc) }.and_then(|c| Ok((c.profile, c.to_rust_as(rel)?)));
    // SAFETY: forwarded contract.
    let c = unsafe { read_in(ctx) };
    // SAFETY: forwarded contract.
    let s = unsafe { read_in(se) };
    // SAFETY: forwarded contract.
    let t = unsafe { read_in(tun) };
    let (p, (id, a), c, s, t) = (p?, a?, c?, s?, t?);
    if id != profile || c.zero_curr() {
        return Err(Error::InvalidArgument);
    }
    let (se, tun) = (s.to_rust()?, t.to_rust()?);
    let ctx = c.to_rust()?;
    Ok(EntityArgs {
        profile: p,
        id,
        acc: a,
        ctx,
        se,
        tun,
    })
}

/// A new, not yet queued entity (`__sched_fork`): vruntime, deadline, vlag
/// and vprot 0, the given load weight and slice, no flags set.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a weight of 0.
///
/// # Safety
///
/// `lw` is NULL or points to a readable `EevdfLoadWeight`; `out` is NULL or
/// points to a writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_sched_entity_init(
    lw: *const EevdfLoadWeight,
    slice: u64,
    out: *mut EevdfSchedEntity,
) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let lw = unsafe { read_in(lw) };
        check_out(out)?;
        let se = SchedEntity::new(lw?.to_rust()?, slice);
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, se.into()) };
        Ok(EEVDF_OK)
    })
}

/// A new, not yet queued task of nice `nice` (its table weight and inverse)
/// with the given slice (usually the base slice).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `out` or a nice outside
/// [-20, 19].
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_sched_entity_from_nice(
    nice: i32,
    slice: u64,
    out: *mut EevdfSchedEntity,
) -> i32 {
    run(|| {
        check_out(out)?;
        let se = SchedEntity::from_nice(nice, slice)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, se.into()) };
        Ok(EEVDF_OK)
    })
}

/// `__setparam_fair`: a custom slice (`sched_setattr` runtime), clamped to
/// [100,000, 100,000,000] ns; 0 resets to `base_slice` and clears
/// `custom_slice`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or invalid `se`.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_sched_entity_set_slice(
    se: *mut EevdfSchedEntity,
    slice: u64,
    base_slice: u64,
) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let mut s = unsafe { read_in(se.cast_const()) }?.to_rust()?;
        s.set_custom_slice(slice, base_slice);
        // SAFETY: `se` passed the pointer checks in read_in.
        unsafe { write_out(se, s.into()) };
        Ok(EEVDF_OK)
    })
}

/// `update_deadline(cfs_rq, se)`, the arithmetic part: if `se->vruntime` has
/// reached `se->deadline`, reload the slice from `base_slice` (unless custom;
/// always in 6.6) and issue a new request
/// `deadline = vruntime + calc_delta_fair(slice, se)`. `*consumed` tells
/// whether that happened (the kernel then reschedules). Only one slice is
/// added however far vruntime has run past the old deadline. Under 7.x the
/// kernel then also refreshes v0 (`eevdf_avg_vruntime_read`).
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the slice's `calc_delta_fair`
/// wrapped; `EEVDF_EOVERFLOW` under EXACT when it does not fit u64;
/// `EEVDF_EINVAL` for an unknown profile, NULL pointers or an invalid `se`.
/// Nothing is written on error.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`;
/// `consumed` is NULL or points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_deadline(
    profile: u32,
    se: *mut EevdfSchedEntity,
    base_slice: u64,
    consumed: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se.cast_const()) };
        check_out(consumed)?;
        let (p, mut s) = (p?, s?.to_rust()?);
        let (c, wrapped) = overflowing_update_deadline(&p, &mut s, base_slice);
        let status = status_of(&p, wrapped)?;
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(se, s.into());
            write_out(consumed, c.is_consumed());
        }
        Ok(status)
    })
}

/// `update_entity_lag(cfs_rq, se)`: V = avg_vruntime (which moves v0 in 7.x,
/// changing `*acc`), vlag = entity_lag(V) (see `eevdf_entity_lag`); then, in
/// 7.1 and EXACT only, for a delayed entity vlag = max(vlag, previous vlag)
/// and, with `EEVDF_FEATURE_DELAY_ZERO`, min(vlag, 0). Stores `se->vlag`.
/// `*replace` tells whether V - vlag differs from `se->vruntime` (the entity
/// must be re-placed).
///
/// `ctx` describes the run queue without `se`; `se_is_curr` says that `se` is
/// the running, on_rq entity (it then counts in V itself). `profile` must equal
/// `acc->profile`.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when V (as `eevdf_avg_vruntime_read`,
/// `*acc` already wrapped included) or the lag limit wrapped;
/// `EEVDF_EDOM` as `eevdf_avg_vruntime_read`; `EEVDF_EOVERFLOW` under EXACT as
/// `eevdf_avg_vruntime_read`; `EEVDF_EINVAL` for an unknown or mismatched
/// profile, NULL pointers, invalid structs or unknown feature bits. Nothing is
/// written on error.
///
/// # Safety
///
/// `acc` and `se` are NULL or point to readable and writable values of their
/// types; `ctx` and `tun` are NULL or point to readable values; `replace` is
/// NULL or points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_entity_lag(
    profile: u32,
    acc: *mut EevdfAvgVruntime,
    ctx: *const EevdfRqCtx,
    se_is_curr: bool,
    se: *mut EevdfSchedEntity,
    tun: *const EevdfTunables,
    replace: *mut bool,
) -> i32 {
    run(|| {
        profile_of(profile)?;
        with_release!(profile, |rel| {
            // SAFETY: forwarded contract.
            let args = unsafe { entity_args(rel, profile, acc, ctx, se, tun) };
            check_out(replace)?;
            let EntityArgs {
                profile: p,
                id,
                acc: mut a,
                ctx: c,
                se: mut s,
                tun: t,
            } = args?;
            let c = RqCtx { se_is_curr, ..c };
            let (r, wrapped) = overflowing_update_entity_lag(&mut a, &c, &mut s, &t)?;
            let status = status_of(&p, wrapped)?;
            // SAFETY: all pointers were checked; writable by the caller's contract.
            unsafe {
                write_out(acc, EevdfAvgVruntime::from_rust(id, &a));
                write_out(se, s.into());
                write_out(replace, r.must_replace());
            }
            Ok(status)
        })
    })
}

/// `place_entity(cfs_rq, se, flags)`: lag-preserving placement of an entity
/// that is in neither the tree nor the sums.
///
/// 1. V = avg_vruntime (moves v0 in 7.x);
/// 2. reload the slice unless custom (always in 6.6);
/// 3. with `EEVDF_FEATURE_PLACE_LAG`, a non-empty queue and (after 6.6)
///    vlag != 0, inflate the lag as `eevdf_place_lag`;
/// 4. vruntime = V - lag (7.1 re-centres v0 on an entity heavier than the queue);
/// 5. with a relative deadline (`rel_deadline`, `EEVDF_FEATURE_PLACE_REL_DEADLINE`):
///    deadline += vruntime; otherwise
/// 6. deadline = vruntime + calc_delta_fair(slice), halved for
///    `EEVDF_ENQUEUE_INITIAL` under `EEVDF_FEATURE_PLACE_DEADLINE_INITIAL`.
///
/// `flags` is 0 or `EEVDF_ENQUEUE_INITIAL` (`EEVDF_ENQUEUE_WAKEUP` is accepted
/// and has no effect here). `se_is_curr`: `se` is the running, on_rq entity
/// (a reweight or a delayed requeue of curr), which then counts in V and the
/// load itself, as in the kernel. `profile` must equal `acc->profile`.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when V (as `eevdf_avg_vruntime_read`,
/// `*acc` already wrapped included), the lag inflation, the slice or, in 7.1,
/// the move of v0 onto an entity heavier than the queue (W * lag or S + W *
/// lag outside int64_t) wrapped; `EEVDF_EDOM` when the kernel would divide by
/// zero;
/// `EEVDF_EOVERFLOW` under EXACT; `EEVDF_EINVAL` for an unknown or mismatched
/// profile, NULL pointers, invalid structs, unknown flag or feature bits.
/// Nothing is written on error.
///
/// # Safety
///
/// As `eevdf_update_entity_lag` (without `replace`).
#[no_mangle]
pub unsafe extern "C" fn eevdf_place_entity(
    profile: u32,
    acc: *mut EevdfAvgVruntime,
    ctx: *const EevdfRqCtx,
    se_is_curr: bool,
    se: *mut EevdfSchedEntity,
    flags: u32,
    tun: *const EevdfTunables,
) -> i32 {
    run(|| {
        profile_of(profile)?;
        with_release!(profile, |rel| {
            // SAFETY: forwarded contract.
            let args = unsafe { entity_args(rel, profile, acc, ctx, se, tun) };
            let flags = enqueue_flags(flags);
            let EntityArgs {
                profile: p,
                id,
                acc: mut a,
                ctx: c,
                se: mut s,
                tun: t,
            } = args?;
            let place = PlaceFlags {
                initial: flags?.initial,
            };
            let c = RqCtx { se_is_curr, ..c };
            let wrapped = place_entity(&mut a, &c, &mut s, place, &t)?;
            let status = status_of(&p, wrapped.is_wrapped())?;
            // SAFETY: both pointers were checked; writable by the caller's contract.
            unsafe {
                write_out(acc, EevdfAvgVruntime::from_rust(id, &a));
                write_out(se, s.into());
            }
            Ok(status)
        })
    })
}

/// `reweight_entity(cfs_rq, se, weight)` in the profile's generation, for the
/// entity's side: S/W, vruntime, deadline, vlag, vprot and load. Under 6.6 the
/// relative deadline is scaled and vruntime kept; 6.18/7.0 take the lag,
/// rescale lag and relative deadline and re-place with `place_entity`; 7.1
/// and EXACT rescale relative to V (V does not move).
///
/// The caller has run `update_curr` when `se` is curr, and afterwards
/// repositions `se` in its tree, adjusts `cfs_rq->load` by new - old and, in
/// 6.18, calls `update_min_vruntime`. `ctx` is the run queue without `se`
/// (for an on_rq `se`, `nr_queued` counts it). `slice_protected`: whether
/// curr's slice protection is active (`eevdf_protect_slice`), so that 7.x
/// rescales `vprot` too. `profile` must equal `acc->profile`.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when a product, division or V wrapped
/// (V as `eevdf_avg_vruntime_read`, `*acc` already wrapped included), or when
/// taking `se` out of S and W with the old weight or putting it back with the
/// new one overflowed (as `eevdf_avg_vruntime_sub` and `_add`);
/// `EEVDF_EDOM` when a kernel division is undefined; `EEVDF_EOVERFLOW` under
/// EXACT (including a weight above 2^40); `EEVDF_EINVAL` for an unknown or
/// mismatched profile, NULL pointers, invalid structs, a new weight of 0.
/// Nothing is written on error.
///
/// # Safety
///
/// As `eevdf_update_entity_lag`; `new_load` is NULL or points to a readable
/// `EevdfLoadWeight`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn eevdf_reweight_entity(
    profile: u32,
    acc: *mut EevdfAvgVruntime,
    ctx: *const EevdfRqCtx,
    se_is_curr: bool,
    se: *mut EevdfSchedEntity,
    new_load: *const EevdfLoadWeight,
    slice_protected: bool,
    tun: *const EevdfTunables,
) -> i32 {
    run(|| {
        profile_of(profile)?;
        with_release!(profile, |rel| {
            // SAFETY: forwarded contract.
            let args = unsafe { entity_args(rel, profile, acc, ctx, se, tun) };
            // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
            let lw = unsafe { read_in(new_load) };
            let (args, lw) = (args?, lw?.to_rust()?);
            let EntityArgs {
                profile: p,
                id,
                acc: mut a,
                ctx: c,
                se: mut s,
                tun: t,
            } = args;
            check_weight(&p, lw.weight())?;
            let c = RqCtx {
                se_is_curr,
                se_protected: slice_protected,
                ..c
            };
            let wrapped = reweight_entity(&mut a, &c, &mut s, lw, &t)?;
            let status = status_of(&p, wrapped.is_wrapped())?;
            // SAFETY: both pointers were checked; writable by the caller's contract.
            unsafe {
                write_out(acc, EevdfAvgVruntime::from_rust(id, &a));
                write_out(se, s.into());
            }
            Ok(status)
        })
    })
}

/// `yield_task_fair`'s arithmetic for an eligible, just-updated entity:
/// 7.x vruntime = deadline then a new request (`update_deadline` with
/// `base_slice`); 6.18 vruntime = deadline, deadline += calc_delta_fair(slice);
/// 6.6 deadline += calc_delta_fair(base_slice) only.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the slice conversion wrapped;
/// `EEVDF_EOVERFLOW` under EXACT; `EEVDF_EINVAL` for an unknown profile or a
/// NULL or invalid `se`. Nothing is written on error.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_yield_entity(
    profile: u32,
    se: *mut EevdfSchedEntity,
    base_slice: u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se.cast_const()) };
        let (p, mut s) = (p?, s?.to_rust()?);
        let wrapped = overflowing_yield_entity(&p, &mut s, base_slice);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `se` passed the pointer checks in read_in.
        unsafe { write_out(se, s.into()) };
        Ok(status)
    })
}

/// `protect_slice(se)`: is the running entity still protected? >= 6.18:
/// vruntime < vprot; 6.6: the RUN_TO_PARITY marker vlag == deadline is intact.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, NULL pointers
/// or an invalid `se`.
///
/// # Safety
///
/// `se` is NULL or points to a readable `EevdfSchedEntity`; `out` is NULL or
/// points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_protect_slice(
    profile: u32,
    se: *const EevdfSchedEntity,
    out: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se) };
        check_out(out)?;
        let (p, s) = (p?, s?.to_rust()?);
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, protect_slice(&p, &s)) };
        Ok(EEVDF_OK)
    })
}

/// `set_protect_slice(cfs_rq, se)`, run when `se` is picked: slice =
/// min(`min_slice` under `EEVDF_FEATURE_RUN_TO_PARITY`, else the normalized
/// base slice; se->slice); vprot = deadline, or min(deadline, vruntime +
/// calc_delta_fair(slice)) when slice != se->slice. `min_slice` is the run
/// queue's smallest slice with `se` already out of the tree (`UINT64_MAX` when
/// empty). In 6.6 it writes the marker vlag = deadline instead.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the slice conversion wrapped
/// (Linux profiles; under EXACT a conversion beyond 64 bits puts vruntime +
/// delta past every representable time, so vprot keeps the other operand of
/// the min and the status is `EEVDF_OK`); `EEVDF_EINVAL` for an unknown
/// profile, unknown feature bits or a NULL or invalid `se`. Nothing is written
/// on error.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_set_protect_slice(
    profile: u32,
    se: *mut EevdfSchedEntity,
    min_slice: u64,
    features: u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se.cast_const()) };
        let f = Features::from_bits(features).ok_or(Error::InvalidArgument);
        let (p, mut s, f) = (p?, s?.to_rust()?, f?);
        let wrapped = overflowing_set_protect_slice(&p, &mut s, min_slice, f);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `se` passed the pointer checks in read_in.
        unsafe { write_out(se, s.into()) };
        Ok(status)
    })
}

/// `update_protect_slice(cfs_rq, se)`: vprot = min(vprot, vruntime +
/// calc_delta_fair(min_slice)), after a wakeup that did not preempt.
///
/// Returns as `eevdf_set_protect_slice`.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_protect_slice(
    profile: u32,
    se: *mut EevdfSchedEntity,
    min_slice: u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se.cast_const()) };
        let (p, mut s) = (p?, s?.to_rust()?);
        let wrapped = overflowing_update_protect_slice(&p, &mut s, min_slice);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `se` passed the pointer checks in read_in.
        unsafe { write_out(se, s.into()) };
        Ok(status)
    })
}

/// `cancel_protect_slice(se)`: end protection now (vprot = vruntime) if it is
/// active; in 6.6 break the marker instead.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or a NULL or
/// invalid `se`.
///
/// # Safety
///
/// `se` is NULL or points to a readable and writable `EevdfSchedEntity`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_cancel_protect_slice(
    profile: u32,
    se: *mut EevdfSchedEntity,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let s = unsafe { read_in(se.cast_const()) };
        let (p, mut s) = (p?, s?.to_rust()?);
        cancel_protect_slice(&p, &mut s);
        // SAFETY: `se` passed the pointer checks in read_in.
        unsafe { write_out(se, s.into()) };
        Ok(EEVDF_OK)
    })
}

/// `EevdfPick.kind`: nothing is eligible, or nothing is queued.
pub const EEVDF_PICK_NOTHING: u32 = 0;
/// `EevdfPick.kind`: keep running curr.
pub const EEVDF_PICK_CURR: u32 = 1;
/// `EevdfPick.kind`: run the tree entity at `EevdfPick.index`.
pub const EEVDF_PICK_QUEUED: u32 = 2;

/// What the pick rule chose.
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfPick {
    /// `EEVDF_PICK_NOTHING`, `EEVDF_PICK_CURR` or `EEVDF_PICK_QUEUED`.
    pub kind: u32,
    /// With `EEVDF_PICK_QUEUED`: the index into the tree array; else 0.
    pub index: u64,
}

/// `pick_eevdf(cfs_rq, protect)` over an array: the eligible entity with the
/// earliest virtual deadline, with the release's single-entity shortcut,
/// next-buddy test and slice protection, by a linear scan (O(n)).
///
/// * `tree`: the `n` queued entities other than curr, *in tree order*: by
///   deadline, equal deadlines in insertion order (6.6: by vruntime);
/// * `curr`: the running entity (NULL if none; ignored unless on_rq and eligible);
/// * `next`: the index of the next buddy in `tree` (NULL if none);
/// * `nr_queued`: `cfs_rq->nr_queued` (curr counted when on_rq);
/// * `protect`: honour slice protection (and the 7.1 buddy gate), as
///   `pick_next_entity` does; a wakeup of a shorter slice passes false;
/// * `acc`: the run queue's sums (the tree entities, not curr);
/// * `features`: the features in force.
///
/// For >= 6.18 the result equals the kernel's tree walk. For 6.6 it is the
/// eligible entity with the earliest deadline, curr keeping ties, otherwise the
/// first in array order; the kernel's 6.6 walk can break ties differently.
///
/// The eligibility tests of a Linux profile use the kernel's arithmetic, so
/// on sums that have wrapped (`eevdf_avg_vruntime_is_wrapped`) or with a
/// product that overflows (<= 7.0) the pick is the kernel's, which can differ
/// from the exact one; the status stays `EEVDF_OK` — ask
/// `eevdf_eligibility_headroom_bits` or compare with `EEVDF_PROFILE_EXACT`.
///
/// Returns `EEVDF_OK`; `EEVDF_EOVERFLOW` under EXACT when curr's weight
/// exceeds 2^40; `EEVDF_EINVAL` for an unknown or mismatched profile, NULL
/// `acc`/`out`, a NULL `tree` with n > 0, n > 1,000,000, `*next >= n`,
/// unknown feature bits or an invalid entity (weight 0, flag bytes not 0/1).
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`; `tree` is NULL or
/// points to `n` readable `EevdfSchedEntity`; `curr` is NULL or points to a
/// readable `EevdfSchedEntity`; `next` is NULL or points to a readable
/// `size_t`; `out` is NULL or points to a writable `EevdfPick`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn eevdf_pick_eevdf_linear(
    profile: u32,
    acc: *const EevdfAvgVruntime,
    tree: *const EevdfSchedEntity,
    n: usize,
    curr: *const EevdfSchedEntity,
    next: *const usize,
    nr_queued: u32,
    protect: bool,
    features: u64,
    out: *mut EevdfPick,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: forwarded contract.
        let a = unsafe { acc_in(acc) };
        // SAFETY: NULL or `n` readable entities by the caller's contract.
        let t = unsafe { array_in(tree, n) };
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let c = unsafe { read_opt(curr) };
        // SAFETY: NULL or a readable size_t by the caller's contract.
        let nx = unsafe { read_opt(next) };
        let f = Features::from_bits(features).ok_or(Error::InvalidArgument);
        check_out(out)?;
        let (p, (id, a), t, c, nx, f) = (p?, a?, t?, c?, nx?, f?);
        if id != profile || nx.is_some_and(|i| i >= n) {
            return Err(Error::InvalidArgument);
        }
        for e in t {
            e.to_rust()?;
        }
        let c = c.map(EevdfSchedEntity::to_rust).transpose()?;
        if let Some(c) = &c {
            check_weight(&p, c.load.weight())?;
        }
        // Every element was converted successfully just above; the fallback
        // only keeps the accessor total.
        let entity = |i: usize| {
            t.get(i)
                .and_then(|e| e.to_rust().ok())
                .unwrap_or(SchedEntity::new(LoadWeight::NICE_0, 0))
        };
        let pick = pick_eevdf_linear_by(
            &a,
            n,
            entity,
            &PickCtx {
                curr: c.as_ref(),
                next: nx,
                nr_queued,
                protect,
                features: f,
            },
        );
        let pick = match pick {
            Pick::Nothing => EevdfPick {
                kind: EEVDF_PICK_NOTHING,
                index: 0,
            },
            Pick::Curr => EevdfPick {
                kind: EEVDF_PICK_CURR,
                index: 0,
            },
            Pick::Queued(i) => EevdfPick {
                kind: EEVDF_PICK_QUEUED,
                index: i as u64,
            },
        };
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, pick) };
        Ok(EEVDF_OK)
    })
}
