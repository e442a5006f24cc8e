//! Shared load bookkeeping between CPUs: `tg->load_avg` as an atomic sum of
//! per-CPU contributions, and a seqlock-published run-queue summary.
//!
//! `EevdfGroupLoad` and `EevdfRqSnapshot` are opaque storage for the Rust
//! [`GroupLoad`] and [`RqSnapshot`] in the caller's memory: the C types fix
//! the size and alignment (pinned by static assertions against the Rust
//! types), `*_init` constructs the Rust value in place, and every other
//! function borrows it shared, so any number of threads may call them at
//! once. Not built under `--cfg loom`, whose atomics differ in size.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

use eevdf::sync::{GroupLoad, GroupLoadContrib, RqSnapshot, RqSummary};
use eevdf::Error;

use super::{check_out, check_ptr, profile_of, read_in, run, write_out, EEVDF_EBUSY, EEVDF_OK};

/// A task group's `tg->load_avg` (an `atomic_long_t`), shared by all CPUs.
/// Opaque: initialise with `eevdf_group_load_init`, then use only through
/// the `eevdf_group_load_*` functions, from any number of threads. Do not copy
/// it, and do not touch its bytes while other threads use it.
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Debug)]
pub struct EevdfGroupLoad {
    /// Storage of the Rust value; not for C to read.
    // An UnsafeCell so that Rust callers may pass shared pointers (the
    // functions write through them, atomically), of MaybeUninit because the
    // Rust value has padding bytes: Rust may copy the storage before `_init`
    // or while no thread uses it, which would be UB for plain integers.
    pub opaque: UnsafeCell<MaybeUninit<[u64; 2]>>,
}

// SAFETY: after `eevdf_group_load_init` the storage holds a `GroupLoad`, which
// is `Sync` (atomics), and the entry points only ever access it through a
// shared `&GroupLoad`; before it, the caller's contract excludes other threads.
unsafe impl Sync for EevdfGroupLoad {}

/// One CPU's side of a group load (`grq->tg_load_avg_contrib` and
/// `grq->last_update_tg_load_avg`), owned by that CPU. Zero it (or call
/// `eevdf_group_load_contrib_init`) before the first update.
///
/// Size 16, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfGroupLoadContrib {
    /// The contribution last published to the group.
    pub tg_load_avg_contrib: u64,
    /// When it was published (ns; read by the >= 6.18 rate limit).
    pub last_update_tg_load_avg: u64,
}

/// A run queue's summary as other CPUs read it.
///
/// Size 32, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EevdfRqSummary {
    /// The weighted average virtual time V.
    pub v: u64,
    /// The total averaging weight W.
    pub w: u64,
    /// The PELT load average.
    pub load_avg: u64,
    /// The number of runnable tasks.
    pub nr_running: u32,
}

/// A seqlock-published `EevdfRqSummary`: one writer (the CPU that owns the run
/// queue), any number of lock-free readers that never see a torn summary.
/// Opaque: initialise with `eevdf_rq_snapshot_init`, then use only through the
/// `eevdf_rq_snapshot_*` functions. Do not copy it.
///
/// Size 40, align 8.
#[repr(C)]
#[derive(Debug)]
pub struct EevdfRqSnapshot {
    /// Storage of the Rust value; not for C to read.
    // An UnsafeCell so that Rust callers may pass shared pointers (the
    // functions write through them, atomically), of MaybeUninit because the
    // Rust value has padding bytes: Rust may copy the storage before `_init`
    // or while no thread uses it, which would be UB for plain integers.
    pub opaque: UnsafeCell<MaybeUninit<[u64; 5]>>,
}

// SAFETY: as for `EevdfGroupLoad`: a `RqSnapshot` (`Sync`: a seqlock of
// atomics) only ever accessed through a shared reference.
unsafe impl Sync for EevdfRqSnapshot {}

mod layout {
    use super::{EevdfGroupLoad, EevdfGroupLoadContrib, EevdfRqSnapshot, EevdfRqSummary};
    use core::mem::{align_of, offset_of, size_of};
    use eevdf::sync::{GroupLoad, RqSnapshot};
    // The opaque storage holds the Rust value.
    static_assertions::const_assert!(size_of::<GroupLoad>() <= size_of::<EevdfGroupLoad>());
    static_assertions::const_assert!(align_of::<GroupLoad>() <= align_of::<EevdfGroupLoad>());
    static_assertions::const_assert!(size_of::<RqSnapshot>() <= size_of::<EevdfRqSnapshot>());
    static_assertions::const_assert!(align_of::<RqSnapshot>() <= align_of::<EevdfRqSnapshot>());
    // The C layouts.
    static_assertions::assert_eq_size!(EevdfGroupLoad, [u8; 16]);
    static_assertions::const_assert_eq!(align_of::<EevdfGroupLoad>(), 8);
    static_assertions::assert_eq_size!(EevdfRqSnapshot, [u8; 40]);
    static_assertions::const_assert_eq!(align_of::<EevdfRqSnapshot>(), 8);
    static_assertions::assert_eq_size!(EevdfGroupLoadContrib, [u8; 16]);
    static_assertions::const_assert_eq!(align_of::<EevdfGroupLoadContrib>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfGroupLoadContrib, tg_load_avg_contrib), 0);
    static_assertions::const_assert_eq!(
        offset_of!(EevdfGroupLoadContrib, last_update_tg_load_avg),
        8
    );
    static_assertions::assert_eq_size!(EevdfRqSummary, [u8; 32]);
    static_assertions::const_assert_eq!(align_of::<EevdfRqSummary>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqSummary, v), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqSummary, w), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqSummary, load_avg), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqSummary, nr_running), 24);
}

impl From<GroupLoadContrib> for EevdfGroupLoadContrib {
    fn from(c: GroupLoadContrib) -> Self {
        EevdfGroupLoadContrib {
            tg_load_avg_contrib: c.tg_load_avg_contrib,
            last_update_tg_load_avg: c.last_update_tg_load_avg,
        }
    }
}

impl From<EevdfGroupLoadContrib> for GroupLoadContrib {
    fn from(c: EevdfGroupLoadContrib) -> Self {
        GroupLoadContrib {
            tg_load_avg_contrib: c.tg_load_avg_contrib,
            last_update_tg_load_avg: c.last_update_tg_load_avg,
        }
    }
}

impl From<RqSummary> for EevdfRqSummary {
    fn from(s: RqSummary) -> Self {
        EevdfRqSummary {
            v: s.v,
            w: s.w,
            load_avg: s.load_avg,
            nr_running: s.nr_running,
        }
    }
}

impl From<EevdfRqSummary> for RqSummary {
    fn from(s: EevdfRqSummary) -> Self {
        RqSummary {
            v: s.v,
            w: s.w,
            load_avg: s.load_avg,
            nr_running: s.nr_running,
        }
    }
}

/// The Rust group load in a caller's storage.
///
/// # Safety
///
/// `g` is NULL, misaligned, or points to an `EevdfGroupLoad` initialised by
/// `eevdf_group_load_init` that lives for `'a` and whose bytes nothing but
/// these functions touches meanwhile.
unsafe fn group_ref<'a>(g: *const EevdfGroupLoad) -> Result<&'a GroupLoad, Error> {
    check_ptr(g)?;
    // SAFETY: non-NULL and aligned (checked; GroupLoad's alignment is at most
    // the storage's, asserted above); holds a GroupLoad written by
    // eevdf_group_load_init by the caller's contract; only shared references
    // are ever made, and GroupLoad is Sync (atomics).
    Ok(unsafe { &*g.cast::<GroupLoad>() })
}

/// The Rust snapshot in a caller's storage.
///
/// # Safety
///
/// As [`group_ref`], for `eevdf_rq_snapshot_init`.
unsafe fn snapshot_ref<'a>(s: *const EevdfRqSnapshot) -> Result<&'a RqSnapshot, Error> {
    check_ptr(s)?;
    // SAFETY: as in group_ref, for RqSnapshot.
    Ok(unsafe { &*s.cast::<RqSnapshot>() })
}

/// Initialises a group load to 0: an ordinary task group, or with `root` the
/// root task group (to which contributors never publish). Call it once,
/// before any other thread uses `g`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `g`.
///
/// # Safety
///
/// `g` is NULL or points to a writable `EevdfGroupLoad` that no other thread
/// uses during the call.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_init(g: *mut EevdfGroupLoad, root: bool) -> i32 {
    run(|| {
        check_out(g)?;
        let v = if root {
            GroupLoad::root()
        } else {
            GroupLoad::new()
        };
        // SAFETY: `g` was checked; the storage fits a GroupLoad (asserted
        // above) and is writable by the caller's contract.
        unsafe { write_out(g.cast::<GroupLoad>(), v) };
        Ok(EEVDF_OK)
    })
}

/// `atomic_long_add(delta, &tg->load_avg)`: one relaxed atomic add, wrapping
/// mod 2^64 like the kernel's. Safe to call from several threads at once.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `g`.
///
/// # Safety
///
/// `g` is NULL or points to an `EevdfGroupLoad` initialised by
/// `eevdf_group_load_init`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_add(g: *const EevdfGroupLoad, delta: i64) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe { group_ref(g) }?.add(delta);
        Ok(EEVDF_OK)
    })
}

/// `atomic_long_read(&tg->load_avg)` (relaxed): the sum of the published
/// contributions. Pass it (as uint64_t) as `tg_load_avg` to
/// `eevdf_calc_group_shares`. `*is_root` (optional, may be NULL) says whether
/// `g` is the root group.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `g` or
/// `out`, or a misaligned `is_root`.
///
/// # Safety
///
/// `g` is NULL or points to an initialised `EevdfGroupLoad`; `out` NULL or a
/// writable `int64_t`; `is_root` NULL or a writable `bool`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_read(
    g: *const EevdfGroupLoad,
    out: *mut i64,
    is_root: *mut bool,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let g = unsafe { group_ref(g) };
        check_out(out)?;
        if !is_root.is_null() {
            check_out(is_root)?;
        }
        let g = g?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, g.load_avg()) };
        if !is_root.is_null() {
            // SAFETY: checked above; writable by the caller's contract.
            unsafe { write_out(is_root, g.is_root()) };
        }
        Ok(EEVDF_OK)
    })
}

/// Zeroes a contributor: it has published nothing.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `c`.
///
/// # Safety
///
/// `c` is NULL or points to a writable `EevdfGroupLoadContrib`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_contrib_init(c: *mut EevdfGroupLoadContrib) -> i32 {
    run(|| {
        check_out(c)?;
        // SAFETY: `c` was checked; writable by the caller's contract.
        unsafe { write_out(c, GroupLoadContrib::new().into()) };
        Ok(EEVDF_OK)
    })
}

/// `update_tg_load_avg(grq)` for one CPU's contributor `c` of group `g`:
/// decides as `eevdf_update_tg_load_avg` (root group, >= 6.18 inactive CPU
/// and 1 ms rate limit, |load_avg - contrib| > contrib / 64) and, if it
/// publishes, adds the delta to `g` with one atomic add and records the new
/// contribution and timestamp in `c`. `*delta` is the published delta, or 0
/// when nothing was published (a published delta is never 0).
///
/// `now` is `sched_clock_cpu` (ns), `load_avg` the group run queue's
/// `avg.load_avg`. Threads may update their own contributors of the same
/// group at the same time; one contributor belongs to one thread.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written, nothing added) for
/// an unknown profile or a NULL or misaligned pointer.
///
/// # Safety
///
/// `c` is NULL or points to a readable and writable `EevdfGroupLoadContrib`
/// no other thread uses; `g` NULL or an initialised `EevdfGroupLoad`; `delta`
/// NULL or a writable `int64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_contrib_update(
    profile: u32,
    c: *mut EevdfGroupLoadContrib,
    g: *const EevdfGroupLoad,
    cpu_active: bool,
    now: u64,
    load_avg: u64,
    delta: *mut i64,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or valid by the caller's contract.
        let (cc, gg) = unsafe { (read_in(c.cast_const()), group_ref(g)) };
        check_out(delta)?;
        let (p, gg) = (p?, gg?);
        let mut rc = GroupLoadContrib::from(cc?);
        let d = rc.update(p, gg, cpu_active, now, load_avg);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(c, rc.into());
            write_out(delta, d.unwrap_or(0));
        }
        Ok(EEVDF_OK)
    })
}

/// `clear_tg_load_avg(grq)`, when the CPU goes offline: subtracts the whole
/// contribution from `g` (one atomic add) and zeroes it in `c`. `*delta` is
/// the delta added (-contrib, wrapping).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned pointer.
///
/// # Safety
///
/// As `eevdf_group_load_contrib_update`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_group_load_contrib_clear(
    c: *mut EevdfGroupLoadContrib,
    g: *const EevdfGroupLoad,
    delta: *mut i64,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let (cc, gg) = unsafe { (read_in(c.cast_const()), group_ref(g)) };
        check_out(delta)?;
        let gg = gg?;
        let mut rc = GroupLoadContrib::from(cc?);
        let d = rc.clear(gg);
        // SAFETY: both pointers were checked; writable by the caller's contract.
        unsafe {
            write_out(c, rc.into());
            write_out(delta, d);
        }
        Ok(EEVDF_OK)
    })
}

/// Initialises a snapshot holding the all-zero summary. Call it once, before
/// any other thread uses `s`.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned `s`.
///
/// # Safety
///
/// `s` is NULL or points to a writable `EevdfRqSnapshot` that no other thread
/// uses during the call.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_snapshot_init(s: *mut EevdfRqSnapshot) -> i32 {
    run(|| {
        check_out(s)?;
        // SAFETY: `s` was checked; the storage fits an RqSnapshot (asserted
        // above) and is writable by the caller's contract.
        unsafe { write_out(s.cast::<RqSnapshot>(), RqSnapshot::new()) };
        Ok(EEVDF_OK)
    })
}

/// Publishes a new summary: the sequence count becomes odd, the words are
/// stored, the count becomes even again (release). Never blocks a reader;
/// waits only for another writer in the middle of a write (writers are
/// serialised, though the intended use is one writer).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL or misaligned pointer.
///
/// # Safety
///
/// `s` is NULL or points to an initialised `EevdfRqSnapshot`; `summary` NULL
/// or a readable `EevdfRqSummary`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_snapshot_write(
    s: *const EevdfRqSnapshot,
    summary: *const EevdfRqSummary,
) -> i32 {
    run(|| {
        // SAFETY: NULL or valid by the caller's contract.
        let (snap, sum) = unsafe { (snapshot_ref(s), read_in(summary)) };
        let (snap, sum) = (snap?, RqSummary::from(sum?));
        snap.write(&sum);
        Ok(EEVDF_OK)
    })
}

/// Reads a consistent summary (never a mix of two writes), trying at most
/// `1 + retries` times.
///
/// Returns `EEVDF_OK` with `*out` written; `EEVDF_EBUSY` (nothing written)
/// when a write overlapped every attempt; `EEVDF_EINVAL` for a NULL or
/// misaligned pointer.
///
/// # Safety
///
/// `s` is NULL or points to an initialised `EevdfRqSnapshot`; `out` NULL or a
/// writable `EevdfRqSummary`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_snapshot_try_read(
    s: *const EevdfRqSnapshot,
    retries: u32,
    out: *mut EevdfRqSummary,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let snap = unsafe { snapshot_ref(s) };
        check_out(out)?;
        match snap?.try_read(retries) {
            Some(sum) => {
                // SAFETY: `out` was checked; writable by the caller's contract.
                unsafe { write_out(out, sum.into()) };
                Ok(EEVDF_OK)
            }
            None => Ok(EEVDF_EBUSY),
        }
    })
}
