//! Load weights and `calc_delta_fair` (contract functions 1–3).

use eevdf::weight::{
    overflowing_calc_delta, overflowing_calc_delta_fair, scale_load_down, LoadWeight, MAX_NICE,
    MIN_NICE, NICE_0_LOAD,
};
use eevdf::Error;

use super::{check_out, profile_of, read_in, run, status_of, write_out, EEVDF_OK};

/// A load weight, as the kernel's `struct load_weight`.
///
/// `weight` is in 64-bit kernel units (nice 0 = `EEVDF_NICE_0_LOAD` =
/// 1,048,576 = 1024 << 10) and is never 0 in a valid weight (functions return
/// `EEVDF_EINVAL` for 0). `inv_weight` is the cached 32-bit inverse the
/// multiply-shift `__calc_delta` of Linux <= 7.0 uses: 0 means "stale, compute
/// floor((2^32 - 1) / scale_load_down(weight)) when needed". Tasks take both
/// values from the nice tables (`eevdf_load_weight_from_nice`), which differ
/// from the computed inverse for 14 nice levels, so keep the pair together.
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfLoadWeight {
    /// The weight, 64-bit kernel units.
    pub weight: u64,
    /// The cached inverse weight; 0 = compute when needed.
    pub inv_weight: u32,
}

static_assertions::assert_eq_align!(EevdfLoadWeight, u64);
#[cfg(target_pointer_width = "64")]
mod layout {
    use super::EevdfLoadWeight;
    use core::mem::offset_of;
    static_assertions::assert_eq_size!(EevdfLoadWeight, [u8; 16]);
    static_assertions::const_assert_eq!(core::mem::align_of::<EevdfLoadWeight>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfLoadWeight, weight), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfLoadWeight, inv_weight), 8);
}

impl EevdfLoadWeight {
    /// The Rust weight; a weight of 0 is [`Error::ZeroWeight`].
    ///
    /// The C type keeps the contract's two fields, so the weight's reciprocal
    /// (which 7.1's `calc_delta_fair` multiplies by instead of dividing) is not
    /// carried across the boundary, and it is not prepared here either: for a
    /// weight used once, preparing it is a 128-by-64 division, dearer than
    /// the one division it would save. What keeps a weight (the run queue)
    /// prepares it.
    pub(crate) fn to_rust(self) -> Result<LoadWeight, Error> {
        LoadWeight::unprepared(self.weight, self.inv_weight)
    }
}

impl From<LoadWeight> for EevdfLoadWeight {
    fn from(lw: LoadWeight) -> Self {
        EevdfLoadWeight {
            weight: lw.weight(),
            inv_weight: lw.inv_weight(),
        }
    }
}

/// `NICE_0_LOAD`: the weight of a nice-0 task, 1,048,576 (2^20), in 64-bit
/// kernel units.
pub const EEVDF_NICE_0_LOAD: u64 = 1_048_576;

/// The lowest nice value (-20).
pub const EEVDF_MIN_NICE: i32 = -20;

/// The highest nice value (19).
pub const EEVDF_MAX_NICE: i32 = 19;

static_assertions::const_assert_eq!(EEVDF_NICE_0_LOAD, NICE_0_LOAD);
static_assertions::const_assert_eq!(EEVDF_MIN_NICE, MIN_NICE);
static_assertions::const_assert_eq!(EEVDF_MAX_NICE, MAX_NICE);

/// The load weight of a task of nice `nice` (the kernel's `set_load_weight`):
/// `{ scale_load(sched_prio_to_weight[nice + 20]), sched_prio_to_wmult[nice + 20] }`,
/// for example `{ 1048576, 4194304 }` for nice 0.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for a nice outside
/// [-20, 19] or a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_load_weight_from_nice(nice: i32, out: *mut EevdfLoadWeight) -> i32 {
    run(|| {
        check_out(out)?;
        let lw = LoadWeight::from_nice(nice)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, lw.into()) };
        Ok(EEVDF_OK)
    })
}

/// The load weight of a `SCHED_IDLE` task: `{ 3072, 1431655765 }`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_load_weight_idle(out: *mut EevdfLoadWeight) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, LoadWeight::idle().into()) };
        Ok(EEVDF_OK)
    })
}

/// `__update_inv_weight`: fills a stale (0) `inv_weight` with
/// floor((2^32 - 1) / scale_load_down(weight)), or 1 when that divisor is at
/// least 2^32 - 1; a non-zero `inv_weight` is kept. Results of the other
/// functions never depend on whether this was called.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL or a weight of 0 (nothing changed).
///
/// # Safety
///
/// `lw` is NULL or points to a readable and writable `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_inv_weight(lw: *mut EevdfLoadWeight) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let mut w = unsafe { read_in(lw.cast_const()) }?.to_rust()?;
        w.update_inv_weight();
        // SAFETY: `lw` passed the same checks as an out-pointer in read_in.
        unsafe { write_out(lw, w.into()) };
        Ok(EEVDF_OK)
    })
}

/// `scale_load_down(weight)`: 0 for 0, otherwise max(2, weight >> 10)
/// (64-bit kernels). For example 1,048,576 -> 1024, 2047 -> 2, 1 -> 2.
#[no_mangle]
pub extern "C" fn eevdf_scale_load_down(weight: u64) -> u64 {
    scale_load_down(weight)
}

/// `calc_delta_fair(delta_exec, se)`: wall time to virtual time,
/// `delta_exec * NICE_0_LOAD / lw->weight`, computed the profile's way:
///
/// * Linux 6.6 to 7.0: the multiply-shift `__calc_delta` with `lw->inv_weight`
///   (or the computed inverse when it is 0); it can be off by one from the
///   exact quotient;
/// * Linux 7.1: `(delta_exec * 2^20 mod 2^64) / lw->weight`;
/// * EXACT: floor(delta_exec * 2^20 / lw->weight).
///
/// A weight of exactly `EEVDF_NICE_0_LOAD` returns `delta_exec` unchanged. For
/// example nice 5 (`{ 343040, 12820798 }`) turns 1,000,000 ns into 3,056,716.
/// `lw` is not modified.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the final 64-bit result of the
/// multiply-shift, or the u64 product in 7.1, overflowed; `EEVDF_EOVERFLOW`
/// under EXACT when the quotient exceeds `UINT64_MAX`; `EEVDF_EINVAL` for an
/// unknown profile, NULL pointers or `lw->weight == 0`.
///
/// # Safety
///
/// `lw` is NULL or points to a readable `EevdfLoadWeight`; `out` is NULL or
/// points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_calc_delta_fair(
    profile: u32,
    delta_exec: u64,
    lw: *const EevdfLoadWeight,
    out: *mut u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let lw = unsafe { read_in(lw) };
        check_out(out)?;
        let (p, lw) = (p?, lw?.to_rust()?);
        let (v, wrapped) = overflowing_calc_delta_fair(&p, delta_exec, &lw);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v) };
        Ok(status)
    })
}

/// `__calc_delta(delta_exec, weight, lw)`: `delta_exec * weight / lw->weight`
/// the profile's way (`eevdf_calc_delta_fair` is the case
/// `weight = EEVDF_NICE_0_LOAD`, without its shortcut). The multiply-shift form
/// of Linux <= 7.0 sees `weight` through `scale_load_down`.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the result (multiply-shift) or the
/// u64 product (7.1) overflowed; `EEVDF_EOVERFLOW` under EXACT when the
/// quotient exceeds `UINT64_MAX`; `EEVDF_EDOM` when the multiply-shift's shift
/// would go negative (undefined in the kernel; only for weights far above any
/// kernel weight); `EEVDF_EINVAL` for an unknown profile, NULL pointers or
/// `lw->weight == 0`.
///
/// # Safety
///
/// As `eevdf_calc_delta_fair`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_calc_delta(
    profile: u32,
    delta_exec: u64,
    weight: u64,
    lw: *const EevdfLoadWeight,
    out: *mut u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let lw = unsafe { read_in(lw) };
        check_out(out)?;
        let (p, lw) = (p?, lw?.to_rust()?);
        let (v, wrapped) = overflowing_calc_delta(&p, delta_exec, weight, &lw)?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v) };
        Ok(status)
    })
}
