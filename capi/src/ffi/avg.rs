//! The weighted average vruntime V and eligibility (contract functions 4 and
//! 5) and the incremental accumulator `EevdfAvgVruntime`.

use eevdf::avg::{
    check_weight, overflowing_avg_vruntime_batch, overflowing_vruntime_eligible_batch, AvgVruntime,
    Curr,
};
use eevdf::vtime::Vtime;
use eevdf::{Error, Profile, Rules};

use super::{
    array_in, check_out, profile_of, read_in, read_opt, run, status_of, write_out, EEVDF_OK,
    EEVDF_WRAPPED,
};

/// `(vruntime, load.weight)` pairs from two parallel C arrays.
fn pairs<'a>(vruntime: &'a [u64], weight: &'a [u64]) -> impl Iterator<Item = (Vtime, u64)> + 'a {
    vruntime.iter().zip(weight).map(|(&v, &w)| (Vtime(v), w))
}

/// A zero weight anywhere is a bad argument (checked before EXACT's domain).
fn no_zero_weight(weight: &[u64]) -> Result<(), Error> {
    if weight.contains(&0) {
        Err(Error::ZeroWeight)
    } else {
        Ok(())
    }
}

/// V = v0 + floor(S / W) of `n` entities summed as tree entities relative to
/// `v0`: `key_i = (int64_t)(vruntime[i] - v0)`, S = sum of key_i * w_i,
/// W = sum of w_i, with w_i the profile's averaging weight of `weight[i]`
/// (`scale_load_down(weight[i])` in Linux <= 7.0, `weight[i]` itself in 7.1
/// and EXACT). `weight[i]` is a `load.weight` in 64-bit units. n = 0 gives v0.
///
/// If W is 0 as the kernel sees it (the sum wrapped to 0) the kernel skips the
/// division: 6.6 and 6.18 return v0 + S, 7.x return v0 (`EEVDF_WRAPPED`).
///
/// Example (spec Appendix A with the running entity counted as a tree entity):
/// v0 = 0xFFFFFFFFFFF00000, vruntime = v0 + {1000000, 1300000, 1100000},
/// weight = {1048576, 1048576, 343040} gives V = v0 + 1142971 in every profile.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when, summing in array order, a key*w
/// product or a running sum of S or W overflowed s64 (also when the final S
/// and W fit again: the value is then right, but the kernel wrapped on the
/// way), the floor adjustment `S - (W - 1)` overflowed, or the profile's
/// division truncated W (`div_s64`); `EEVDF_EDOM` when the
/// kernel would divide by zero or trap on `INT64_MIN / -1`; `EEVDF_EOVERFLOW`
/// under EXACT for a weight above 2^40 or a V offset outside int64_t;
/// `EEVDF_EINVAL` for an unknown profile, a NULL array with n > 0, a NULL
/// `out`, a weight of 0 or n > 1,000,000.
///
/// # Safety
///
/// `vruntime` and `weight` are NULL or point to `n` readable `uint64_t` each;
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime(
    profile: u32,
    v0: u64,
    vruntime: *const u64,
    weight: *const u64,
    n: usize,
    out: *mut u64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or `n` readable u64 by the caller's contract.
        let vr = unsafe { array_in(vruntime, n) };
        // SAFETY: as above.
        let w = unsafe { array_in(weight, n) };
        check_out(out)?;
        let (p, vr, w) = (p?, vr?, w?);
        no_zero_weight(w)?;
        let (v, wrapped) = overflowing_avg_vruntime_batch(&p, Vtime(v0), pairs(vr, w))?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v.0) };
        Ok(status)
    })
}

/// Is `v` eligible against `n` tree entities, summed as in
/// `eevdf_avg_vruntime`? Eligible if and only if S >= key(v) * W, with
/// key(v) = (int64_t)(v - v0): no division, so exact where V is rounded.
/// n = 0 gives true. The product is a wrapping s64 in Linux <= 7.0 and
/// compared in 128 bits in 7.1 and EXACT.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when a key*w product or a running sum
/// of S or W overflowed s64 as in `eevdf_avg_vruntime` (even if the final sums
/// fit), or when the key(v)*W product overflowed in a profile that compares
/// in s64;
/// `EEVDF_EOVERFLOW` under EXACT for a weight above 2^40; `EEVDF_EINVAL` as
/// `eevdf_avg_vruntime`.
///
/// # Safety
///
/// As `eevdf_avg_vruntime`; `out` is NULL or points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_vruntime_eligible(
    profile: u32,
    v0: u64,
    vruntime: *const u64,
    weight: *const u64,
    n: usize,
    v: u64,
    out: *mut bool,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or `n` readable u64 by the caller's contract.
        let vr = unsafe { array_in(vruntime, n) };
        // SAFETY: as above.
        let w = unsafe { array_in(weight, n) };
        check_out(out)?;
        let (p, vr, w) = (p?, vr?, w?);
        no_zero_weight(w)?;
        let (e, wrapped) =
            overflowing_vruntime_eligible_batch(&p, Vtime(v0), pairs(vr, w), Vtime(v))?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, e) };
        Ok(status)
    })
}

/// The initial reference point of a run queue, `(u64)(-2^20)`: `init_cfs_rq`
/// starts v0 just below the wrap point so that wrap bugs show early.
pub const EEVDF_VRUNTIME_INIT: u64 = 0xFFFF_FFFF_FFF0_0000;

static_assertions::const_assert_eq!(EEVDF_VRUNTIME_INIT, Vtime::INIT.0);

/// The running entity as the averages see it: its vruntime and its
/// `load.weight` (64-bit units, never 0). Functions take a pointer to one,
/// NULL meaning "no running entity on the run queue".
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfCurr {
    /// `curr->vruntime`.
    pub vruntime: u64,
    /// `curr->load.weight`.
    pub weight: u64,
}

impl EevdfCurr {
    /// The Rust form, after checking the weight for `p` (0: bad argument;
    /// EXACT: at most 2^40).
    pub(crate) fn to_rust(self, p: &Profile) -> Result<(Vtime, u64), Error> {
        if self.weight == 0 {
            return Err(Error::ZeroWeight);
        }
        check_weight(p, self.weight)?;
        Ok((Vtime(self.vruntime), self.weight))
    }
}

/// The V accumulator of one run queue: the reference point v0 and the sums
/// S = sum of key_i * w_i and W = sum of w_i over the entities added (the
/// kernel's `cfs_rq->zero_vruntime`/`min_vruntime`, `avg_vruntime` or
/// `sum_w_vruntime`, and `avg_load` or `sum_weight`).
///
/// Under a Linux profile the state is the kernel's own: `sum_w_vruntime` is
/// its s64 S and `sum_weight` its u64 W, updated with its wrapping
/// arithmetic; the `_hi` halves are their sign (S) and zero (W) extensions.
/// Every update whose kernel arithmetic overflows sets a sticky bit
/// (`EEVDF_AVG_OVERFLOWED` in `flags`), which stays set when the sums come
/// back in range. Under EXACT S and W are exact 128-bit sums, the
/// two's-complement numbers `sum_w_vruntime_hi * 2^64 +
/// (uint64_t)sum_w_vruntime` and `sum_weight_hi * 2^64 + sum_weight`.
///
/// Initialise with `eevdf_avg_vruntime_init` and change only through the
/// `eevdf_avg_vruntime_*` functions; a struct they did not produce may be
/// rejected with `EEVDF_EINVAL` (a `flags` bit other than the two below;
/// under EXACT: any `flags` bit, a negative W, |S| above 2^125 or W above
/// 2^100). It holds no pointers: copy it freely.
///
/// Size 48, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfAvgVruntime {
    /// The profile id (`EEVDF_PROFILE_*`).
    pub profile: u32,
    /// Bit set, Linux profiles only (0 under EXACT). `EEVDF_AVG_OVERFLOWED`:
    /// an update (add, sub, a move of v0, including the one `avg_vruntime`
    /// makes in 7.x) overflowed the kernel's 64-bit arithmetic since init or
    /// `eevdf_avg_vruntime_clear_wrapped`; sticky, and reads report
    /// `EEVDF_WRAPPED` while it is set. `EEVDF_AVG_UNTRACKED` is accepted on
    /// input (as `EEVDF_AVG_OVERFLOWED`) and never set.
    pub flags: u32,
    /// The reference point v0.
    pub zero_vruntime: u64,
    /// S as the kernel's s64 holds it (under EXACT: the low 64 bits of S).
    pub sum_w_vruntime: i64,
    /// Under EXACT the high 64 bits of S; under a Linux profile the sign of
    /// `sum_w_vruntime` (0 or -1; any other value is taken as a wrapped state).
    pub sum_w_vruntime_hi: i64,
    /// W as the kernel's u64 holds it (under EXACT: the low 64 bits of W).
    pub sum_weight: u64,
    /// Under EXACT the high 64 bits of W; 0 under a Linux profile (any other
    /// value is taken as a wrapped state).
    pub sum_weight_hi: i64,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::{EevdfAvgVruntime, EevdfCurr};
    use core::mem::offset_of;
    static_assertions::assert_eq_size!(EevdfCurr, [u8; 16]);
    static_assertions::const_assert_eq!(core::mem::align_of::<EevdfCurr>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfCurr, vruntime), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfCurr, weight), 8);
    static_assertions::assert_eq_size!(EevdfAvgVruntime, [u8; 48]);
    static_assertions::const_assert_eq!(core::mem::align_of::<EevdfAvgVruntime>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, profile), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, flags), 4);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, zero_vruntime), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, sum_w_vruntime), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, sum_w_vruntime_hi), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, sum_weight), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfAvgVruntime, sum_weight_hi), 40);
}

/// `EevdfAvgVruntime.flags`: an older form of "wrapped" (when the library
/// kept an exact shadow of S and W). Accepted on input under a Linux profile,
/// where it means the same as `EEVDF_AVG_OVERFLOWED`; never set any more.
pub const EEVDF_AVG_UNTRACKED: u32 = 1;

/// `EevdfAvgVruntime.flags`: an update of S or W overflowed the kernel's
/// 64-bit arithmetic (a key*w or W*d product or S outside int64_t, or W
/// outside [0, 2^63)); sticky until `eevdf_avg_vruntime_clear_wrapped`.
pub const EEVDF_AVG_OVERFLOWED: u32 = 2;

/// Joins two 64-bit halves into a 128-bit two's-complement value.
#[inline]
const fn join(hi: i64, lo: u64) -> i128 {
    ((hi as i128) << 64) | lo as i128
}

impl EevdfAvgVruntime {
    /// The Rust accumulator (and its profile) from the C state.
    pub(crate) fn to_rust(self) -> Result<AvgVruntime, Error> {
        self.to_rust_as(profile_of(self.profile)?)
    }

    /// [`to_rust`](Self::to_rust) for a caller that dispatched on the profile
    /// id already: `rel` is that preset's release (checked by the caller).
    pub(crate) fn to_rust_as<R: Rules>(self, rel: R) -> Result<AvgVruntime<R>, Error> {
        let p = rel;
        if self.flags & !(EEVDF_AVG_UNTRACKED | EEVDF_AVG_OVERFLOWED) != 0 {
            return Err(Error::InvalidArgument);
        }
        let untracked = self.flags & EEVDF_AVG_UNTRACKED != 0;
        let s = join(self.sum_w_vruntime_hi, self.sum_w_vruntime as u64);
        let w = join(self.sum_weight_hi, self.sum_weight);
        AvgVruntime::from_raw_parts(p, Vtime(self.zero_vruntime), s, w, untracked)?
            .with_overflowed(self.flags & EEVDF_AVG_OVERFLOWED != 0)
    }

    /// The C state of a Rust accumulator whose profile has id `profile`.
    pub(crate) fn from_rust<R: Rules>(profile: u32, acc: &AvgVruntime<R>) -> Self {
        let (_, v0, s, w, untracked) = acc.into_raw_parts();
        let mut flags = 0;
        if untracked {
            flags |= EEVDF_AVG_UNTRACKED;
        }
        if acc.overflowed() {
            flags |= EEVDF_AVG_OVERFLOWED;
        }
        EevdfAvgVruntime {
            profile,
            flags,
            zero_vruntime: v0.0,
            sum_w_vruntime: s as i64,
            sum_w_vruntime_hi: (s >> 64) as i64,
            sum_weight: w as u64,
            sum_weight_hi: (w >> 64) as i64,
        }
    }
}

/// Copies in an accumulator and checks it.
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`.
pub(crate) unsafe fn acc_in(acc: *const EevdfAvgVruntime) -> Result<(u32, AvgVruntime), Error> {
    // SAFETY: forwarded contract.
    let c = unsafe { read_in(acc) }?;
    Ok((c.profile, c.to_rust()?))
}

/// The status of an accumulator update: `EEVDF_WRAPPED` when afterwards the
/// accumulator is wrapped (an update overflowed, now or earlier, or the sums
/// are out of range).
fn sums_status(acc: &AvgVruntime) -> i32 {
    if acc.is_wrapped() {
        EEVDF_WRAPPED
    } else {
        EEVDF_OK
    }
}

/// Runs `op` on a copy of `*acc` and stores the copy back on success.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`.
unsafe fn with_acc(
    acc: *mut EevdfAvgVruntime,
    op: impl FnOnce(&mut AvgVruntime) -> Result<i32, Error>,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (id, mut a) = unsafe { acc_in(acc) }?;
        let status = op(&mut a)?;
        // SAFETY: `acc` passed the pointer checks in acc_in; writable by contract.
        unsafe { write_out(acc, EevdfAvgVruntime::from_rust(id, &a)) };
        Ok(status)
    })
}

/// An empty accumulator (S = W = 0) with reference point `zero_vruntime`
/// (use `EEVDF_VRUNTIME_INIT` for the kernel's initial value).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfAvgVruntime`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_init(
    profile: u32,
    zero_vruntime: u64,
    out: *mut EevdfAvgVruntime,
) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        let a = AvgVruntime::with_zero_vruntime(p, Vtime(zero_vruntime));
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, EevdfAvgVruntime::from_rust(profile, &a)) };
        Ok(EEVDF_OK)
    })
}

/// `avg_vruntime_add` / `sum_w_vruntime_add` (`__enqueue_entity`):
/// S += key(vruntime) * w, W += w, with w the profile's averaging weight of
/// `weight` (`load.weight`, 64-bit units).
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when this addition overflowed (key*w
/// or S + key*w outside int64_t, or W + w at or above 2^63, the `long` the
/// kernel reads W into) or an earlier update had (`EEVDF_AVG_OVERFLOWED` is
/// sticky), even if S and W fit again; `EEVDF_EOVERFLOW`
/// under EXACT for a weight above 2^40; `EEVDF_EINVAL` for a weight of 0 or a
/// bad `acc`. Nothing changes on error.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_add(
    acc: *mut EevdfAvgVruntime,
    vruntime: u64,
    weight: u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        with_acc(acc, |a| {
            a.add(Vtime(vruntime), weight)?;
            Ok(sums_status(a))
        })
    }
}

/// `avg_vruntime_sub` / `sum_w_vruntime_sub` (`__dequeue_entity`): the exact
/// inverse of `eevdf_avg_vruntime_add` for an entity whose vruntime and weight
/// did not change while it was summed. Statuses as `eevdf_avg_vruntime_add`.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_sub(
    acc: *mut EevdfAvgVruntime,
    vruntime: u64,
    weight: u64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        with_acc(acc, |a| {
            a.remove(Vtime(vruntime), weight)?;
            Ok(sums_status(a))
        })
    }
}

/// `avg_vruntime(cfs_rq)`: V = v0 + floor((S + key(c) * w_c) / (W + w_c)), with
/// c the running entity `curr` (NULL when none is on the run queue), written
/// to `*out`. As the kernel's function does since 7.0, profiles 7.0, 7.1 and
/// EXACT then move v0 to V (S -= W * d), which changes `*acc` but not V or
/// eligibility; 6.6 and 6.18 leave `*acc` unchanged.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when an operation of the kernel's
/// computation overflowed (curr's key*w, S plus it, W plus curr's weight as a
/// `long`, the floor adjustment, a truncated `div_s64` divisor, or in 7.x the
/// move of v0) or S/W had already wrapped (`EEVDF_AVG_OVERFLOWED` set, or the
/// sums out of range); `EEVDF_EDOM` when the
/// kernel would divide by zero or trap on `INT64_MIN / -1`; `EEVDF_EOVERFLOW`
/// under EXACT when V - v0 does not fit int64_t or curr's weight exceeds 2^40;
/// `EEVDF_EINVAL` for NULL `acc`/`out`, a bad `acc` or a curr weight of 0.
/// Nothing is written on error.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`;
/// `curr` is NULL or points to a readable `EevdfCurr`; `out` is NULL or points
/// to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_read(
    acc: *mut EevdfAvgVruntime,
    curr: *const EevdfCurr,
    out: *mut u64,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (id, mut a) = unsafe { acc_in(acc) }?;
        // SAFETY: NULL or a readable EevdfCurr by the caller's contract.
        let curr = unsafe { read_opt(curr) }?;
        check_out(out)?;
        let p = a.profile();
        if curr.is_some_and(|c| c.weight == 0) {
            return Err(Error::ZeroWeight);
        }
        let curr: Curr = curr.map(|c| c.to_rust(&p)).transpose()?;
        let (v, wrapped) = a.overflowing_avg_vruntime(curr)?;
        let status = status_of(&p, wrapped)?;
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(acc, EevdfAvgVruntime::from_rust(id, &a));
            write_out(out, v.0);
        }
        Ok(status)
    })
}

/// `vruntime_eligible(cfs_rq, vruntime)`: is `vruntime` at or before the exact
/// weighted average, S + key(c) * w_c >= key(vruntime) * (W + w_c)? `curr` is
/// the running entity (NULL when none is on the run queue). `*acc` is not
/// changed.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when S/W had wrapped
/// (`EEVDF_AVG_OVERFLOWED` set, or the sums out of range), curr's key*w, S
/// plus it or W plus curr's weight overflowed, or, in profiles that compare
/// in s64 (Linux <= 7.0), the key*W product overflowed;
/// `EEVDF_EOVERFLOW` under EXACT when curr's weight exceeds 2^40;
/// `EEVDF_EINVAL` for NULL `acc`/`out`, a bad `acc` or a curr weight of 0.
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`; `curr` is NULL or
/// points to a readable `EevdfCurr`; `out` is NULL or points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_eligible(
    acc: *const EevdfAvgVruntime,
    vruntime: u64,
    curr: *const EevdfCurr,
    out: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (_, a) = unsafe { acc_in(acc) }?;
        // SAFETY: NULL or a readable EevdfCurr by the caller's contract.
        let curr = unsafe { read_opt(curr) }?;
        check_out(out)?;
        let p = a.profile();
        if curr.is_some_and(|c| c.weight == 0) {
            return Err(Error::ZeroWeight);
        }
        let curr: Curr = curr.map(|c| c.to_rust(&p)).transpose()?;
        let (e, wrapped) = a.overflowing_vruntime_eligible(Vtime(vruntime), curr);
        let status = status_of(&p, wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, e) };
        Ok(status)
    })
}

/// Moves the reference point by `delta`: S -= W * delta, v0 += delta (the
/// kernel's `update_zero_vruntime`, or `avg_vruntime_update` plus the caller's
/// assignment before 7.0). V and eligibility do not change.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when this move overflowed (W * delta or
/// S - W * delta outside int64_t; also when S fits again) or the accumulator
/// was wrapped already (as `eevdf_avg_vruntime_add`); `EEVDF_EOVERFLOW` under
/// EXACT when S would leave 128
/// bits; `EEVDF_EINVAL` for a NULL or bad `acc`. Nothing changes on error.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_move_reference(
    acc: *mut EevdfAvgVruntime,
    delta: i64,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        with_acc(acc, |a| {
            a.move_reference(delta)?;
            Ok(sums_status(a))
        })
    }
}

/// `update_min_vruntime` (Linux <= 6.18): moves v0 forward only, to the
/// earlier of the running entity's vruntime (`curr_vruntime`, NULL when no
/// curr is on the run queue) and the smallest vruntime in the tree
/// (`tree_min`, NULL when the tree is empty), by wrapping comparison. The new
/// v0 is written to `*out`. Usable with any profile.
///
/// Returns as `eevdf_avg_vruntime_move_reference`, plus `EEVDF_EINVAL` for a
/// NULL `out`.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`;
/// `curr_vruntime` and `tree_min` are NULL or point to a readable `uint64_t`;
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_update_min_vruntime(
    acc: *mut EevdfAvgVruntime,
    curr_vruntime: *const u64,
    tree_min: *const u64,
    out: *mut u64,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (id, mut a) = unsafe { acc_in(acc) }?;
        // SAFETY: NULL or a readable u64 by the caller's contract.
        let c = unsafe { read_opt(curr_vruntime) }?;
        // SAFETY: as above.
        let m = unsafe { read_opt(tree_min) }?;
        check_out(out)?;
        let v0 = a.update_min_vruntime(c.map(Vtime), m.map(Vtime))?;
        let status = sums_status(&a);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(acc, EevdfAvgVruntime::from_rust(id, &a));
            write_out(out, v0.0);
        }
        Ok(status)
    })
}

/// Whether the accumulator is wrapped: an update overflowed the kernel's
/// 64-bit arithmetic since init or the last `eevdf_avg_vruntime_clear_wrapped`
/// (`EEVDF_AVG_OVERFLOWED`, sticky: it stays set when S and W come back in
/// range), or the sums are out of range now (S outside int64_t, or W at or
/// above 2^63, which the kernel reads into a `long`), or the 128-bit tracking
/// was lost. Always false under EXACT.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad `acc`.
///
/// # Safety
///
/// `acc` is NULL or points to a readable `EevdfAvgVruntime`; `out` is NULL or
/// points to a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_is_wrapped(
    acc: *const EevdfAvgVruntime,
    out: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let (_, a) = unsafe { acc_in(acc) }?;
        check_out(out)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, a.is_wrapped()) };
        Ok(EEVDF_OK)
    })
}

/// Forgets past overflows: clears `EEVDF_AVG_OVERFLOWED`. The accumulator
/// stays wrapped (`eevdf_avg_vruntime_is_wrapped`) while its sums are out of
/// range or its tracking was lost.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or bad `acc`.
///
/// # Safety
///
/// `acc` is NULL or points to a readable and writable `EevdfAvgVruntime`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_avg_vruntime_clear_wrapped(acc: *mut EevdfAvgVruntime) -> i32 {
    // SAFETY: forwarded contract.
    unsafe {
        with_acc(acc, |a| {
            a.clear_wrapped();
            Ok(EEVDF_OK)
        })
    }
}
