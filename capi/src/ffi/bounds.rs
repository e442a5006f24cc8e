//! Input domains and headroom (the `bounds` module): where each profile's
//! arithmetic is exact and where it starts to wrap, asked before it fails.

use eevdf::avg::Curr;
use eevdf::bounds::{
    self, avg_headroom_bits, calc_delta_domain, calc_delta_fair_domain, eligibility_domain,
    eligibility_headroom_bits, group_shares_domain, lag_limit_domain, pelt_load_domain,
    place_lag_domain, rescale_domain, stale_v0_domain, Domain,
};
use eevdf::{Error, Vtime};

use super::avg::{acc_in, EevdfAvgVruntime, EevdfCurr};
use super::weight::EevdfLoadWeight;
use super::{check_out, profile_of, read_in, read_opt, run, write_out, EEVDF_OK};

/// Domain kind: every value of the input type is exact (`max` is UINT64_MAX).
pub const EEVDF_DOMAIN_ALL: u32 = 0;
/// Domain kind: exact for inputs of magnitude <= `max`; `max + 1` is the first
/// that wraps.
pub const EEVDF_DOMAIN_UP_TO: u32 = 1;
/// Domain kind: no value is exact (the other operands already overflow or make
/// the kernel's arithmetic undefined); `max` is 0.
pub const EEVDF_DOMAIN_EMPTY: u32 = 2;

/// The exact range of one input of a function under one profile. Signed
/// inputs are exact for |x| <= `max` (conservative by one on the negative
/// side).
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfDomain {
    /// `EEVDF_DOMAIN_ALL`, `EEVDF_DOMAIN_UP_TO` or `EEVDF_DOMAIN_EMPTY`.
    pub kind: u32,
    /// Always 0.
    pub reserved: u32,
    /// The largest exact magnitude (see `kind`).
    pub max: u64,
}

static_assertions::assert_eq_size!(EevdfDomain, [u8; 16]);
static_assertions::assert_eq_align!(EevdfDomain, u64);
static_assertions::const_assert_eq!(core::mem::offset_of!(EevdfDomain, kind), 0);
static_assertions::const_assert_eq!(core::mem::offset_of!(EevdfDomain, reserved), 4);
static_assertions::const_assert_eq!(core::mem::offset_of!(EevdfDomain, max), 8);

impl From<Domain> for EevdfDomain {
    fn from(d: Domain) -> Self {
        let (kind, max) = match d {
            Domain::All => (EEVDF_DOMAIN_ALL, u64::MAX),
            Domain::UpTo(m) => (EEVDF_DOMAIN_UP_TO, m),
            Domain::Empty => (EEVDF_DOMAIN_EMPTY, 0),
        };
        EevdfDomain {
            kind,
            reserved: 0,
            max,
        }
    }
}

/// Checks `out`, computes the domain and writes it.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
unsafe fn domain_out(out: *mut EevdfDomain, d: impl FnOnce() -> Result<Domain, Error>) -> i32 {
    run(|| {
        check_out(out)?;
        let d = d()?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, d.into()) };
        Ok(EEVDF_OK)
    })
}

/// The weight behind a caller's `EevdfLoadWeight` pointer.
///
/// # Safety
///
/// `lw` is NULL or points to a readable `EevdfLoadWeight`.
unsafe fn lw_in(lw: *const EevdfLoadWeight) -> Result<eevdf::LoadWeight, Error> {
    // SAFETY: forwarded contract.
    unsafe { read_in(lw) }?.to_rust()
}

/// The largest `delta_exec` (ns) that `eevdf_calc_delta_fair` turns into
/// virtual time without a wrap for weight `*lw` (delta * 2^20 / w):
/// nice 0 is never bounded; the multiply-shift form (<= 7.0) is exact while
/// delta * fact < 2^(64 + shift); 7.1 while delta * 2^20 < 2^64 (2^44 - 1 ns,
/// about 4.9 h, for every weight but nice 0); EXACT while the quotient fits.
/// Example: nice 19 under 7.1 gives UP_TO 17,592,186,044,415.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, a NULL
/// pointer or a weight of 0.
///
/// # Safety
///
/// `lw` is NULL or points to a readable `EevdfLoadWeight`; `out` is NULL or
/// points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_calc_delta_fair_domain(
    profile: u32,
    lw: *const EevdfLoadWeight,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            let p = profile_of(profile)?;
            Ok(calc_delta_fair_domain(&p, &lw_in(lw)?))
        })
    }
}

/// The largest `delta_exec` that `eevdf_calc_delta(profile, delta, weight,
/// lw)` computes without a wrap (delta * weight / lw->weight); ALL for
/// `weight` 0.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, a NULL
/// pointer or `lw->weight` 0.
///
/// # Safety
///
/// As `eevdf_calc_delta_fair_domain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_calc_delta_domain(
    profile: u32,
    weight: u64,
    lw: *const EevdfLoadWeight,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            let p = profile_of(profile)?;
            Ok(calc_delta_domain(&p, weight, &lw_in(lw)?))
        })
    }
}

/// The largest key spread |vruntime - v0| (ns) for which S = sum key_i * w_i
/// stays within int64_t when the averaging weights of the tree entities total
/// `total_avg_weight` (scale_load_down(w) before 7.1, w from 7.1): about
/// (2^63 - 1) / total. EXACT has no bound here.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_sum_domain(
    profile: u32,
    total_avg_weight: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            Ok(bounds::avg_sum_domain(
                &profile_of(profile)?,
                total_avg_weight,
            ))
        })
    }
}

/// The largest total averaging weight (W plus curr's) for which the profile
/// divides without a wrap: <= 7.0 divide by an s32 (2^31 - 1), 7.1 by a long.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_load_domain(profile: u32, out: *mut EevdfDomain) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { domain_out(out, || Ok(bounds::avg_load_domain(&profile_of(profile)?))) }
}

/// The largest |key(v)| for which the eligibility product key * load does not
/// wrap, with `load` = W + curr's weight: (2^63 - 1) / load in profiles that
/// multiply in s64 (<= 7.0); 7.1 and EXACT multiply in 128 bits (ALL).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_eligibility_domain(
    profile: u32,
    load: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { domain_out(out, || Ok(eligibility_domain(&profile_of(profile)?, load))) }
}

/// The largest |vlag| that placement inflates without a wrap,
/// vlag * (load + w) / load (`eevdf_place_lag`), for the queue's averaging
/// load `load` (curr included) and the placed entity's averaging weight `w`:
/// Linux (2^63 - 1) / (load + w), EMPTY when a value is negative as a long,
/// the sum overflows or <= 7.0's s32 divisor truncates `load`; EXACT while the
/// quotient fits int64_t.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_place_lag_domain(
    profile: u32,
    load: u64,
    w: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { domain_out(out, || Ok(place_lag_domain(&profile_of(profile)?, load, w))) }
}

/// The largest slice (ns) for which the lag limit of an entity of weight `*lw`
/// is computed without a wrap, with a tick of `tick_nsec`: the limit is
/// calc_delta_fair of max(2 * slice, tick) (<= 6.19) or max_slice + tick
/// (>= 7.0) and must fit the s64 clamp bound (bbce3de72be5: a slice of
/// UINT64_MAX wraps). EMPTY when even a zero slice fails.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, a NULL
/// pointer or a weight of 0.
///
/// # Safety
///
/// As `eevdf_calc_delta_fair_domain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_lag_limit_domain(
    profile: u32,
    lw: *const EevdfLoadWeight,
    tick_nsec: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            let p = profile_of(profile)?;
            Ok(lag_limit_domain(&p, &lw_in(lw)?, tick_nsec))
        })
    }
}

/// The largest |x| that a reweight from `old` to `new` (`load.weight`s)
/// rescales without a wrap, x * old / new (the lag, the relative deadline and
/// the relative vprot): Linux (2^63 - 1) / old, EMPTY when a weight is
/// negative as a long or <= 7.0's s32 divisor truncates `new`; EXACT while the
/// quotient fits int64_t. EMPTY for `new` 0.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rescale_domain(
    profile: u32,
    old: u64,
    new: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { domain_out(out, || Ok(rescale_domain(&profile_of(profile)?, old, new))) }
}

/// The longest wall-clock run (ns) of a running entity of weight `*lw` whose
/// reference point v0 is not moved while it runs, before its term key * w in
/// `avg_vruntime`/`vruntime_eligible` leaves int64_t (the stale v0 with
/// one running task that b3d99f43c72b fixed): about 2^43 ns (2.4 h) with 7.1's full weights,
/// 2^53 ns with <= 7.0's 10-bit ones. ALL under EXACT.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile, a NULL
/// pointer or a weight of 0.
///
/// # Safety
///
/// As `eevdf_calc_delta_fair_domain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_stale_v0_domain(
    profile: u32,
    lw: *const EevdfLoadWeight,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            let p = profile_of(profile)?;
            Ok(stale_v0_domain(&p, &lw_in(lw)?))
        })
    }
}

/// The largest load = max(scale_load_down(grq_load_weight), grq_load_avg) for
/// which `eevdf_calc_group_shares` with `tg_shares` computes the long product
/// tg_shares * load without a wrap: (2^63 - 1) / tg_shares; EMPTY when
/// tg_shares is negative as a long; ALL under EXACT.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_shares_domain(
    profile: u32,
    tg_shares: u64,
    out: *mut EevdfDomain,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        domain_out(out, || {
            Ok(group_shares_domain(&profile_of(profile)?, tg_shares))
        })
    }
}

/// The largest entity weight whose PELT `load_sum` (weight * LOAD_AVG_MAX at
/// most) cannot wrap a u64; identical in every release.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfDomain`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_pelt_load_domain(out: *mut EevdfDomain) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { domain_out(out, || Ok(pelt_load_domain())) }
}

/// Bits of headroom of `eevdf_avg_vruntime_read` on `*acc` with `curr`: the
/// minimum, over the 64-bit quantities it forms (S, W, curr's key * w, their
/// sums, the floor adjustment and, <= 7.0, the s32 divisor), of how many
/// times each can still double. >= 1: no wrap will be reported; <= -1: one
/// will; 0: at the edge. INT32_MIN when the accumulator's own 128-bit
/// tracking was lost. Under EXACT: the headroom LINUX_7_1 would have.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL pointer, a bad `acc` or a
/// curr weight of 0 (`EEVDF_EOVERFLOW` under EXACT above 2^40).
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`; `curr` is NULL or
/// points to a readable `EevdfCurr`; `out` is NULL or points to a writable
/// `int32_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_headroom_bits(
    acc: *const EevdfAvgVruntime,
    curr: *const EevdfCurr,
    out: *mut i32,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (a, curr) = unsafe { acc_curr_in(acc, curr) }?;
        check_out(out)?;
        let h = avg_headroom_bits(&a, curr)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, h) };
        Ok(EEVDF_OK)
    })
}

/// Bits of headroom of `eevdf_avg_vruntime_eligible(acc, vruntime, curr)`,
/// read as `eevdf_avg_headroom_bits` (the s64 product key * load included in
/// profiles <= 7.0).
///
/// Returns as `eevdf_avg_headroom_bits`.
///
/// # Safety
///
/// As `eevdf_avg_headroom_bits`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_eligibility_headroom_bits(
    acc: *const EevdfAvgVruntime,
    vruntime: u64,
    curr: *const EevdfCurr,
    out: *mut i32,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (a, curr) = unsafe { acc_curr_in(acc, curr) }?;
        check_out(out)?;
        let h = eligibility_headroom_bits(&a, Vtime(vruntime), curr)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, h) };
        Ok(EEVDF_OK)
    })
}

/// The accumulator and curr behind a caller's pointers, curr's weight checked
/// for the accumulator's profile.
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`; `curr` is NULL or
/// points to a readable `EevdfCurr`.
unsafe fn acc_curr_in(
    acc: *const EevdfAvgVruntime,
    curr: *const EevdfCurr,
) -> Result<(eevdf::avg::AvgVruntime, Curr), Error> {
    // SAFETY: forwarded contract.
    let (_, a) = unsafe { acc_in(acc) }?;
    // SAFETY: NULL or a readable EevdfCurr by the caller's contract.
    let curr = unsafe { read_opt(curr) }?;
    let p = a.profile();
    let curr = curr.map(|c| c.to_rust(&p)).transpose()?;
    Ok((a, curr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{EEVDF_EINVAL, EEVDF_EOVERFLOW};
    use eevdf::avg::AvgVruntime;
    use eevdf::{LoadWeight, Profile};

    const SENTINEL: EevdfDomain = EevdfDomain {
        kind: 0xDEAD,
        reserved: 0xDEAD,
        max: 0xDEAD,
    };

    fn lw(weight: u64, inv: u32) -> EevdfLoadWeight {
        EevdfLoadWeight {
            weight,
            inv_weight: inv,
        }
    }

    /// Calls a domain entry point; `None` when it refused (and left `out` alone).
    fn call(f: impl FnOnce(*mut EevdfDomain) -> i32) -> Result<EevdfDomain, i32> {
        let mut out = SENTINEL;
        match f(&mut out) {
            EEVDF_OK => Ok(out),
            e => {
                assert_eq!(out, SENTINEL, "written on error {e}");
                Err(e)
            }
        }
    }

    quickcheck::quickcheck! {
        fn c_domains_are_the_rust_domains(id: u8, a: u64, b: u64, inv: u32) -> bool {
            let id = (id % 6) as u32; // 5 is an unknown profile
            let l = lw(a, inv);
            // SAFETY (every call below): valid pointers to locals.
            let got = [
                call(|o| unsafe { eevdf_calc_delta_fair_domain(id, &l, o) }),
                call(|o| unsafe { eevdf_calc_delta_domain(id, b, &l, o) }),
                call(|o| unsafe { eevdf_avg_sum_domain(id, a, o) }),
                call(|o| unsafe { eevdf_avg_load_domain(id, o) }),
                call(|o| unsafe { eevdf_eligibility_domain(id, a, o) }),
                call(|o| unsafe { eevdf_place_lag_domain(id, a, b, o) }),
                call(|o| unsafe { eevdf_lag_limit_domain(id, &l, b, o) }),
                call(|o| unsafe { eevdf_rescale_domain(id, a, b, o) }),
                call(|o| unsafe { eevdf_stale_v0_domain(id, &l, o) }),
                call(|o| unsafe { eevdf_group_shares_domain(id, a, o) }),
            ];
            let Some(p) = Profile::from_id(id) else {
                return got.iter().all(|g| *g == Err(EEVDF_EINVAL));
            };
            let rlw = LoadWeight::with_inv_weight(a, inv);
            let want = |d: Domain| Ok(EevdfDomain::from(d));
            let with_lw = |f: &dyn Fn(&LoadWeight) -> Domain| match rlw {
                Ok(w) => want(f(&w)),
                Err(_) => Err(EEVDF_EINVAL),
            };
            got == [
                with_lw(&|w| calc_delta_fair_domain(&p, w)),
                with_lw(&|w| calc_delta_domain(&p, b, w)),
                want(bounds::avg_sum_domain(&p, a)),
                want(bounds::avg_load_domain(&p)),
                want(eligibility_domain(&p, a)),
                want(place_lag_domain(&p, a, b)),
                with_lw(&|w| lag_limit_domain(&p, w, b)),
                want(rescale_domain(&p, a, b)),
                with_lw(&|w| stale_v0_domain(&p, w)),
                want(group_shares_domain(&p, a)),
            ]
        }
    }

    /// The bounds module's own examples, through C: db4551e2ba34 (7.1
    /// leaves 44 bits for delta_exec), the 6.6 multiply-shift bound of nice 19
    /// ((fact, shift) = (2290649224, 25)), nice 0's bypass, tg.shares at
    /// scale_load(MAX_SHARES) = 2^28 (load <= 2^35 - 1) and PELT's load_sum.
    #[test]
    fn golden_domains_through_c() {
        let nice19 = lw(15 * 1024, 286_331_153);
        let nice0 = lw(1 << 20, 4_194_304);
        let d = |kind, max| {
            Ok(EevdfDomain {
                kind,
                reserved: 0,
                max,
            })
        };
        // SAFETY (every call below): valid pointers to locals.
        unsafe {
            assert_eq!(
                call(|o| eevdf_calc_delta_fair_domain(3, &nice19, o)),
                d(EEVDF_DOMAIN_UP_TO, (1 << 44) - 1)
            );
            assert_eq!(
                call(|o| eevdf_calc_delta_fair_domain(0, &nice19, o)),
                d(EEVDF_DOMAIN_UP_TO, 270_215_977_705_144_320)
            );
            assert_eq!(
                call(|o| eevdf_calc_delta_fair_domain(3, &nice0, o)),
                d(EEVDF_DOMAIN_ALL, u64::MAX)
            );
            assert_eq!(
                call(|o| eevdf_group_shares_domain(0, 1 << 28, o)),
                d(EEVDF_DOMAIN_UP_TO, (1 << 35) - 1)
            );
            assert_eq!(
                call(|o| eevdf_group_shares_domain(4, 1 << 28, o)),
                d(EEVDF_DOMAIN_ALL, u64::MAX)
            );
            assert_eq!(
                call(|o| eevdf_eligibility_domain(0, 1024, o)),
                d(EEVDF_DOMAIN_UP_TO, (i64::MAX / 1024) as u64)
            );
            assert_eq!(
                call(|o| eevdf_eligibility_domain(3, 1024, o)),
                d(EEVDF_DOMAIN_ALL, u64::MAX)
            );
            assert_eq!(
                call(|o| eevdf_avg_load_domain(0, o)),
                d(EEVDF_DOMAIN_UP_TO, i32::MAX as u64)
            );
            assert_eq!(
                call(|o| eevdf_place_lag_domain(0, u64::MAX, 1, o)),
                d(EEVDF_DOMAIN_EMPTY, 0)
            );
            assert_eq!(
                call(|o| eevdf_pelt_load_domain(o)),
                d(EEVDF_DOMAIN_UP_TO, u64::MAX / (47_742 - 1))
            );
        }
    }

    #[test]
    fn bad_arguments_are_einval_and_write_nothing() {
        let good = lw(1024, 0);
        let zero = lw(0, 0);
        // SAFETY (every call below): valid pointers to locals, or NULL on purpose.
        unsafe {
            assert_eq!(
                eevdf_avg_load_domain(0, core::ptr::null_mut()),
                EEVDF_EINVAL
            );
            assert_eq!(eevdf_pelt_load_domain(core::ptr::null_mut()), EEVDF_EINVAL);
            assert_eq!(
                call(|o| eevdf_calc_delta_fair_domain(0, core::ptr::null(), o)),
                Err(EEVDF_EINVAL)
            );
            assert_eq!(
                call(|o| eevdf_stale_v0_domain(0, &zero, o)),
                Err(EEVDF_EINVAL)
            );
            assert_eq!(
                call(|o| eevdf_lag_limit_domain(5, &good, 0, o)),
                Err(EEVDF_EINVAL)
            );
            assert_eq!(
                call(|o| eevdf_eligibility_domain(u32::MAX, 1, o)),
                Err(EEVDF_EINVAL)
            );
        }
    }

    /// Zicheng Qu's dump (Huawei, LKML 2025-11-03) in v6.6 units: S is 2^56.3 above
    /// S64_MIN: not wrapped, but no bit of headroom; curr's weight is checked.
    #[test]
    fn headroom_of_the_huawei_dump_through_c() {
        let a = AvgVruntime::from_raw_parts(
            Profile::LINUX_6_6,
            Vtime(4_596_406_356_396_515),
            -9_137_321_448_325_056_783,
            88_933,
            false,
        )
        .unwrap();
        let acc = crate::ffi::avg::EevdfAvgVruntime::from_rust(0, &a);
        let mut h = 7;
        // SAFETY (every call below): valid pointers to locals, or NULL on purpose.
        unsafe {
            assert_eq!(
                eevdf_avg_headroom_bits(&acc, core::ptr::null(), &mut h),
                EEVDF_OK
            );
            assert_eq!(h, 0);
            let v = a.zero_vruntime().0;
            assert_eq!(
                eevdf_eligibility_headroom_bits(&acc, v, core::ptr::null(), &mut h),
                EEVDF_OK
            );
            assert_eq!(h, 0);
            let bad = EevdfCurr {
                vruntime: v,
                weight: 0,
            };
            h = 7;
            assert_eq!(eevdf_avg_headroom_bits(&acc, &bad, &mut h), EEVDF_EINVAL);
            assert_eq!(
                eevdf_avg_headroom_bits(core::ptr::null(), core::ptr::null(), &mut h),
                EEVDF_EINVAL
            );
            assert_eq!(h, 7);
            let exact =
                crate::ffi::avg::EevdfAvgVruntime::from_rust(4, &AvgVruntime::new(Profile::EXACT));
            let heavy = EevdfCurr {
                vruntime: 0,
                weight: (1 << 40) + 1,
            };
            assert_eq!(
                eevdf_avg_headroom_bits(&exact, &heavy, &mut h),
                EEVDF_EOVERFLOW
            );
            assert_eq!(h, 7);
        }
    }
}
