//! cgroup shares (contract function 8), the cgroup file conversions and the
//! `tg->load_avg` bookkeeping (`update_tg_load_avg`, `clear_tg_load_avg`).

use eevdf::group::{
    clear_tg_load_avg, cpu_shares_write, cpu_weight_nice_write, cpu_weight_read, cpu_weight_write,
    overflowing_calc_group_shares_with, set_shares_clamp, update_tg_load_avg, SharesLoad,
    TgLoadAvgInput, TgLoadAvgUpdate, TG_LOAD_AVG_RATE_LIMIT_NS,
};
use eevdf::Error;

use super::{check_out, flag_in, profile_of, read_in, run, status_of, write_out, EEVDF_OK};

/// `calc_group_shares(grq)`: the weight of a task group's entity on one CPU
/// (64-bit kernel units), identical in every release:
///
/// load = max(scale_load_down(grq_load_weight), grq_load_avg);
/// tg_weight = tg_load_avg - tg_load_avg_contrib + load;
/// shares = trunc(tg_shares * load / tg_weight) (no division when tg_weight = 0);
/// result = clamp(shares, 2, tg_shares) with the kernel's clamp.
///
/// `tg_shares` is `tg->shares` (scaled), `tg_load_avg` `tg->load_avg`,
/// `tg_load_avg_contrib` this CPU's last published contribution,
/// `grq_load_weight` the group run queue's `load.weight` and `grq_load_avg` its
/// `avg.load_avg`. Example (v6.6.0 … v7.1.5, docs/derivations.md §10): 1048576, 2048,
/// 1024, 2097152, 1024 gives 699,050 = floor(2^20 * 2048 / 3072).
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when one of the kernel's `long` locals
/// overflowed (an input of 2^63 or more, or the sum, difference or product
/// leaving int64_t); `EEVDF_EDOM` for `INT64_MIN / -1`, which traps in C;
/// `EEVDF_EINVAL` for an unknown profile or a NULL `out`. EXACT never
/// overflows (the clamp keeps the result within u64).
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_calc_group_shares(
    profile: u32,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
    out: *mut u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        eevdf_calc_group_shares_with(
            profile,
            EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG,
            tg_shares,
            tg_load_avg,
            tg_load_avg_contrib,
            grq_load_weight,
            grq_load_avg,
            out,
        )
    }
}

/// The `tg->shares` a cgroup v1 write `cpu.shares = x` results in:
/// `scale_load(x)` clamped to [2048, 268435456] (values above
/// `scale_load_down(ULONG_MAX)` count as the maximum). For example 1024 ->
/// 1048576.
#[no_mangle]
pub extern "C" fn eevdf_cpu_shares_write(x: u64) -> u64 {
    cpu_shares_write(x)
}

/// The `tg->shares` a cgroup v2 write `cpu.weight = c` results in:
/// `scale_load(floor((c * 1024 + 50) / 100))`, for example 100 -> 1048576.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for `c` outside [1, 10000] (the
/// kernel's -ERANGE) or a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_cpu_weight_write(c: u64, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let shares = cpu_weight_write(c)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, shares) };
        Ok(EEVDF_OK)
    })
}

/// Reading `cpu.weight` back for `tg->shares = tg_shares`:
/// floor((scale_load_down(tg_shares) * 100 + 512) / 1024), clamped to
/// [1, 10000] from 6.18 on (6.6 does not clamp).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_cpu_weight_read(profile: u32, tg_shares: u64, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, cpu_weight_read(p, tg_shares)) };
        Ok(EEVDF_OK)
    })
}

/// The `tg->shares` a cgroup v2 write `cpu.weight.nice = nice` results in:
/// the nice table's weight, `scale_load(sched_prio_to_weight[nice + 20])`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a nice outside [-20, 19] or a
/// NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_cpu_weight_nice_write(nice: i32, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let shares = cpu_weight_nice_write(nice)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, shares) };
        Ok(EEVDF_OK)
    })
}

/// `SharesLoad` rule of `eevdf_calc_group_shares_with`: the kernel's local
/// load since Linux 4.15, load = max(scale_load_down(grq_load_weight),
/// grq_load_avg) (what `eevdf_calc_group_shares` uses).
pub const EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG: u32 = 0;

/// `SharesLoad` rule of `eevdf_calc_group_shares_with`: the rule before 4.15,
/// load = grq_load_avg, with today's tg_weight and clamp (a what-if, not a
/// model of a 4.14 kernel).
pub const EEVDF_SHARES_LOAD_LOAD_AVG: u32 = 1;

static_assertions::const_assert_eq!(
    EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG,
    SharesLoad::MaxWeightLoadAvg as u32
);
static_assertions::const_assert_eq!(EEVDF_SHARES_LOAD_LOAD_AVG, SharesLoad::LoadAvg as u32);

/// `EEVDF_SHARES_LOAD_*` to the Rust rule; anything else is a bad argument.
fn shares_load_of(rule: u32) -> Result<SharesLoad, Error> {
    match rule {
        EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG => Ok(SharesLoad::MaxWeightLoadAvg),
        EEVDF_SHARES_LOAD_LOAD_AVG => Ok(SharesLoad::LoadAvg),
        _ => Err(Error::InvalidArgument),
    }
}

/// `eevdf_calc_group_shares` with the local load chosen by `rule`
/// (`EEVDF_SHARES_LOAD_*`): `EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG` is that
/// function; `EEVDF_SHARES_LOAD_LOAD_AVG` uses load = grq_load_avg. Example: a
/// group queue that just woke two nice-0 tasks but whose average decayed to
/// 256, in a group whose other CPUs hold 1024 (1048576, 1280, 256, 2097152,
/// 256): 699,050 with the first rule, 2^20 * 256 / 1280 = 209,715 with the
/// second.
///
/// Returns as `eevdf_calc_group_shares`, and `EEVDF_EINVAL` for an unknown
/// `rule`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn eevdf_calc_group_shares_with(
    profile: u32,
    rule: u32,
    tg_shares: u64,
    tg_load_avg: u64,
    tg_load_avg_contrib: u64,
    grq_load_weight: u64,
    grq_load_avg: u64,
    out: *mut u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        let r = shares_load_of(rule);
        check_out(out)?;
        let (p, r) = (p?, r?);
        let (v, wrapped) = overflowing_calc_group_shares_with(
            &p,
            r,
            tg_shares,
            tg_load_avg,
            tg_load_avg_contrib,
            grq_load_weight,
            grq_load_avg,
        )?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v) };
        Ok(status)
    })
}

/// The clamp of a `tg->shares` write (`__sched_group_set_shares`):
/// clamp(shares, scale_load(2), scale_load(262144)) = [2048, 268435456].
/// Defined for every input.
#[no_mangle]
pub extern "C" fn eevdf_set_shares_clamp(shares: u64) -> u64 {
    set_shares_clamp(shares)
}

/// The Linux >= 6.18 rate limit of `update_tg_load_avg`: 1 ms in ns.
pub const EEVDF_TG_LOAD_AVG_RATE_LIMIT_NS: u64 = 1_000_000;

static_assertions::const_assert_eq!(EEVDF_TG_LOAD_AVG_RATE_LIMIT_NS, TG_LOAD_AVG_RATE_LIMIT_NS);

/// What `update_tg_load_avg` reads of one group run queue on one CPU.
///
/// Size 40, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfTgLoadAvgInput {
    /// `sched_clock_cpu(cpu)` in ns (read by the >= 6.18 rate limit only).
    pub now: u64,
    /// `grq->avg.load_avg`: this CPU's current load of the group.
    pub load_avg: u64,
    /// `grq->tg_load_avg_contrib`: the contribution last published.
    pub tg_load_avg_contrib: u64,
    /// `grq->last_update_tg_load_avg`: when it was published (>= 6.18).
    pub last_update_tg_load_avg: u64,
    /// 1 if the group is the root task group (it never publishes), else 0.
    pub is_root: u8,
    /// 1 if the CPU is active (>= 6.18 skips inactive CPUs), else 0.
    pub cpu_active: u8,
}

/// What `update_tg_load_avg` publishes: add `delta` to `tg->load_avg` (one
/// atomic add) and store the contribution and timestamp in the group run
/// queue.
///
/// Size 24, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfTgLoadAvgUpdate {
    /// The signed change to add to `tg->load_avg`.
    pub delta: i64,
    /// The new `grq->tg_load_avg_contrib`.
    pub tg_load_avg_contrib: u64,
    /// The new `grq->last_update_tg_load_avg`.
    pub last_update_tg_load_avg: u64,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::{EevdfTgLoadAvgInput, EevdfTgLoadAvgUpdate};
    use core::mem::{align_of, offset_of};
    static_assertions::assert_eq_size!(EevdfTgLoadAvgInput, [u8; 40]);
    static_assertions::const_assert_eq!(align_of::<EevdfTgLoadAvgInput>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgInput, now), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgInput, load_avg), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgInput, tg_load_avg_contrib), 16);
    static_assertions::const_assert_eq!(
        offset_of!(EevdfTgLoadAvgInput, last_update_tg_load_avg),
        24
    );
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgInput, is_root), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgInput, cpu_active), 33);
    static_assertions::assert_eq_size!(EevdfTgLoadAvgUpdate, [u8; 24]);
    static_assertions::const_assert_eq!(align_of::<EevdfTgLoadAvgUpdate>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgUpdate, delta), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfTgLoadAvgUpdate, tg_load_avg_contrib), 8);
    static_assertions::const_assert_eq!(
        offset_of!(EevdfTgLoadAvgUpdate, last_update_tg_load_avg),
        16
    );
}

impl EevdfTgLoadAvgInput {
    /// The Rust input; a flag byte other than 0 or 1 is a bad argument.
    pub(crate) fn to_rust(self) -> Result<TgLoadAvgInput, Error> {
        Ok(TgLoadAvgInput {
            now: self.now,
            load_avg: self.load_avg,
            tg_load_avg_contrib: self.tg_load_avg_contrib,
            last_update_tg_load_avg: self.last_update_tg_load_avg,
            is_root: flag_in(self.is_root)?,
            cpu_active: flag_in(self.cpu_active)?,
        })
    }
}

impl From<TgLoadAvgInput> for EevdfTgLoadAvgInput {
    fn from(i: TgLoadAvgInput) -> Self {
        EevdfTgLoadAvgInput {
            now: i.now,
            load_avg: i.load_avg,
            tg_load_avg_contrib: i.tg_load_avg_contrib,
            last_update_tg_load_avg: i.last_update_tg_load_avg,
            is_root: i.is_root.into(),
            cpu_active: i.cpu_active.into(),
        }
    }
}

impl From<TgLoadAvgUpdate> for EevdfTgLoadAvgUpdate {
    fn from(u: TgLoadAvgUpdate) -> Self {
        EevdfTgLoadAvgUpdate {
            delta: u.delta,
            tg_load_avg_contrib: u.tg_load_avg_contrib,
            last_update_tg_load_avg: u.last_update_tg_load_avg,
        }
    }
}

/// `update_tg_load_avg(grq)` as a decision (fair.c, v6.6.0 … v7.1.5;
/// the rate limit from v6.18):
///
/// 1. the root group never publishes;
/// 2. Linux >= 6.18: an inactive CPU does not publish, nor one that published
///    less than 1 ms ago (`now - last_update_tg_load_avg`, uint64_t wrapping);
/// 3. delta = load_avg - tg_load_avg_contrib (as `long`, wrapping);
/// 4. publish iff |delta| > tg_load_avg_contrib / 64 (integer division).
///
/// `*published` says whether it publishes. `*out` is always written: the
/// update when it publishes ({delta, load_avg, now} from 6.18 on; 6.6 leaves
/// the timestamp alone), else {0, tg_load_avg_contrib,
/// last_update_tg_load_avg} (no change), so a caller may apply it either way.
/// A published delta is never 0. Example (6.18 and later): now 5,000,000,
/// last 3,000,000, contrib 1024: load_avg 1040 does not publish (16 is not
/// > 16), 1041 publishes delta 17.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for an unknown
/// profile, a NULL pointer or a flag byte other than 0 or 1.
///
/// # Safety
///
/// `input` is NULL or points to a readable `EevdfTgLoadAvgInput`; `out` NULL
/// or a writable `EevdfTgLoadAvgUpdate`; `published` NULL or a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_tg_load_avg(
    profile: u32,
    input: *const EevdfTgLoadAvgInput,
    out: *mut EevdfTgLoadAvgUpdate,
    published: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or readable by the caller's contract.
        let i = unsafe { read_in(input) };
        check_out(out)?;
        check_out(published)?;
        let (p, i) = (p?, i?.to_rust()?);
        let up = update_tg_load_avg(p, &i);
        let unchanged = EevdfTgLoadAvgUpdate {
            delta: 0,
            tg_load_avg_contrib: i.tg_load_avg_contrib,
            last_update_tg_load_avg: i.last_update_tg_load_avg,
        };
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(published, up.is_some());
            write_out(out, up.map_or(unchanged, Into::into));
        }
        Ok(EEVDF_OK)
    })
}

/// `clear_tg_load_avg(grq)`, when a CPU goes offline: subtract the whole
/// contribution and zero it. `*out` = {-tg_load_avg_contrib (wrapping as
/// `long`), 0, last_update_tg_load_avg}.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfTgLoadAvgUpdate`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_clear_tg_load_avg(
    tg_load_avg_contrib: u64,
    last_update_tg_load_avg: u64,
    out: *mut EevdfTgLoadAvgUpdate,
) -> i32 {
    run(|| {
        check_out(out)?;
        let up = clear_tg_load_avg(tg_load_avg_contrib, last_update_tg_load_avg);
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, up.into()) };
        Ok(EEVDF_OK)
    })
}
