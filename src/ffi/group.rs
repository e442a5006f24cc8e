//! cgroup shares (contract function 8) and the cgroup file conversions.

use crate::group::{
    cpu_shares_write, cpu_weight_nice_write, cpu_weight_read, cpu_weight_write,
    overflowing_calc_group_shares,
};

use super::{check_out, profile_of, run, status_of, write_out, EEVDF_OK};

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
/// `avg.load_avg`. Example (known-bugs §4): 1048576, 2048, 1024, 2097152, 1024
/// gives 699,050.
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
    run(|| {
        let p = profile_of(profile);
        check_out(out)?;
        let p = p?;
        let (v, wrapped) = overflowing_calc_group_shares(
            &p,
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
        unsafe { write_out(out, cpu_weight_read(p.release, tg_shares)) };
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
