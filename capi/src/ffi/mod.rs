//! The C ABI: thin `extern "C"` wrappers that check and convert arguments and
//! call the Rust API. No formula lives here.
//!
//! `include/eevdf.h` is generated from this module by cbindgen (see
//! `cbindgen.toml`); the doc comments below are the header's comments, so they
//! are written for C readers. The layout of every `#[repr(C)]` type is pinned
//! by static assertions next to the type, and checked again from C by
//! `examples/c/test_abi.c`.
//!
//! Conventions of every entry point:
//!
//! * a status `int32_t` is returned ([`EEVDF_OK`], [`EEVDF_WRAPPED`] or a
//!   negative errno) and results go through out-pointers, written only when the
//!   status is `EEVDF_OK` or `EEVDF_WRAPPED`;
//! * every argument is checked before anything is computed, so
//!   [`EEVDF_EINVAL`] wins over every other status;
//! * pointers must be NULL or valid and aligned for their type: NULL and
//!   misaligned pointers are `EEVDF_EINVAL` (arrays may be NULL when their
//!   length is 0);
//! * nothing panics, unwinds or allocates.

use eevdf::bounds::MAX_BATCH;
use eevdf::{Error, Profile};

/// Evaluates `$body` with `$rel` bound to the zero-sized release of preset
/// `$id` (an id the caller has checked; any other is a bad argument): the
/// contract functions dispatch once on the id, and inside the body every knob
/// of the release is a compile-time constant.
macro_rules! with_release {
    ($id:expr, |$rel:ident| $body:expr) => {
        match $id {
            0 => {
                let $rel = eevdf::Linux6_6;
                $body
            }
            1 => {
                let $rel = eevdf::Linux6_18;
                $body
            }
            2 => {
                let $rel = eevdf::Linux7_0;
                $body
            }
            3 => {
                let $rel = eevdf::Linux7_1;
                $body
            }
            4 => {
                let $rel = eevdf::Exact;
                $body
            }
            _ => Err(Error::InvalidArgument),
        }
    };
}

mod avg;
mod bounds;
mod entity;
mod group;
mod pelt;
mod profile;
mod runqueue;
#[cfg(all(not(loom), target_has_atomic = "64"))]
mod sync;
#[cfg(test)]
mod tests;
mod wake;
mod weight;

pub use avg::*;
pub use bounds::*;
pub use entity::*;
pub use group::*;
pub use pelt::*;
pub use profile::*;
pub use runqueue::*;
#[cfg(all(not(loom), target_has_atomic = "64"))]
pub use sync::*;
pub use wake::*;
pub use weight::*;

/// Status: the result is written and is the exact value of the profile's formula.
pub const EEVDF_OK: i32 = 0;

/// Status: the result is written and is bit for bit what the profile's kernel
/// release computes, but one of the integer operations that release performs
/// overflowed its C type, so the value differs from exact arithmetic (or
/// matches it by luck). Only `EEVDF_PROFILE_LINUX_*` profiles return it.
pub const EEVDF_WRAPPED: i32 = 1;

/// Status (-ENOENT): an entity handle that names no live entity of this run queue.
pub const EEVDF_ENOENT: i32 = -2;

/// Status (-EBUSY): the operation does not apply in the entity's current state
/// (for example enqueueing an entity that is already queued), or a run-queue
/// snapshot read overlapped a write on every attempt. Nothing changed.
pub const EEVDF_EBUSY: i32 = -16;

/// Status (-EINVAL): bad argument: NULL or misaligned pointer, nice outside
/// [-20, 19], weight 0, unknown profile, n > 1,000,000, unknown flag bits.
/// Nothing written.
pub const EEVDF_EINVAL: i32 = -22;

/// Status (-ENOSPC): the run queue has no free entity slot.
pub const EEVDF_ENOSPC: i32 = -28;

/// Status (-EDOM): the profile's kernel arithmetic is undefined here (it would
/// divide by zero or trap on `INT64_MIN / -1`). Nothing written.
pub const EEVDF_EDOM: i32 = -33;

/// Status (-EOVERFLOW): `EEVDF_PROFILE_EXACT` only: the exact result does not
/// fit the output type, or an input lies outside EXACT's domain (a weight above
/// 2^40 in the averaging functions). Nothing written.
pub const EEVDF_EOVERFLOW: i32 = -75;

/// Status (-EUCLEAN): the run queue is inconsistent: `eevdf_rq_validate`
/// found a violated invariant, or an earlier operation failed half-way with
/// `EEVDF_EDOM` or `EEVDF_EOVERFLOW` (the run queue then refuses every call
/// until `eevdf_rq_init`).
pub const EEVDF_EUCLEAN: i32 = -117;

/// The largest `n` the array functions accept (`EEVDF_EINVAL` above it).
pub const EEVDF_MAX_BATCH: usize = 1_000_000;

static_assertions::const_assert_eq!(EEVDF_ENOENT, Error::NoSuchEntity.errno());
static_assertions::const_assert_eq!(EEVDF_EBUSY, Error::InvalidState.errno());
static_assertions::const_assert_eq!(EEVDF_EINVAL, Error::InvalidArgument.errno());
static_assertions::const_assert_eq!(EEVDF_EINVAL, Error::ZeroWeight.errno());
static_assertions::const_assert_eq!(EEVDF_EINVAL, Error::NiceOutOfRange.errno());
static_assertions::const_assert_eq!(EEVDF_ENOSPC, Error::Full.errno());
static_assertions::const_assert_eq!(EEVDF_EDOM, Error::Undefined.errno());
static_assertions::const_assert_eq!(EEVDF_EOVERFLOW, Error::Overflow.errno());
static_assertions::const_assert_eq!(EEVDF_EUCLEAN, Error::Inconsistent.errno());
static_assertions::const_assert_eq!(EEVDF_MAX_BATCH, MAX_BATCH);

/// Runs the body of an entry point: its status, or the errno of its error.
#[inline]
fn run(body: impl FnOnce() -> Result<i32, Error>) -> i32 {
    body().unwrap_or_else(Error::errno)
}

/// The preset with C id `id`; an unknown id is a bad argument.
#[inline]
fn profile_of(id: u32) -> Result<Profile, Error> {
    Profile::from_id(id).ok_or(Error::InvalidArgument)
}

/// The status of a result computed under `p` with wrap flag `wrapped`:
/// `EEVDF_OK`, `EEVDF_WRAPPED` under a Linux profile, or [`Error::Overflow`]
/// under EXACT (the value must then not be written).
#[inline]
fn status_of(p: &Profile, wrapped: bool) -> Result<i32, Error> {
    p.settle(((), wrapped))?;
    Ok(if wrapped { EEVDF_WRAPPED } else { EEVDF_OK })
}

/// A flag byte of a C struct: 0 or 1, anything else is a bad argument.
#[inline]
fn flag_in(b: u8) -> Result<bool, Error> {
    match b {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::InvalidArgument),
    }
}

/// Checks that a caller's pointer is non-NULL and aligned for `T`.
#[inline]
fn check_ptr<T>(p: *const T) -> Result<(), Error> {
    if p.is_null() || !p.is_aligned() {
        Err(Error::InvalidArgument)
    } else {
        Ok(())
    }
}

/// Checks an out-pointer (non-NULL, aligned).
#[inline]
fn check_out<T>(p: *mut T) -> Result<(), Error> {
    check_ptr(p.cast_const())
}

/// Copies in a caller's value after checking the pointer.
///
/// # Safety
///
/// `p` is NULL, misaligned, or points to a readable, initialised `T`.
#[inline]
unsafe fn read_in<T: Copy>(p: *const T) -> Result<T, Error> {
    check_ptr(p)?;
    // SAFETY: non-NULL and aligned (checked); readable and initialised by the
    // caller's contract.
    Ok(unsafe { p.read() })
}

/// Copies in an optional value: NULL is `None`.
///
/// # Safety
///
/// As [`read_in`].
#[inline]
unsafe fn read_opt<T: Copy>(p: *const T) -> Result<Option<T>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { read_in(p) }.map(Some)
    }
}

/// Writes a result through an out-pointer checked by [`check_out`].
///
/// # Safety
///
/// `p` passed [`check_out`] and points to memory writable as a `T`.
#[inline]
unsafe fn write_out<T>(p: *mut T, v: T) {
    // SAFETY: non-NULL and aligned (checked by the caller of this helper);
    // writable by the caller's contract. `T` is a plain C type: nothing to drop.
    unsafe { p.write(v) }
}

/// A caller's array of `n` elements: NULL is allowed when `n` is 0, `n` must
/// not exceed [`MAX_BATCH`].
///
/// # Safety
///
/// When `n > 0` and `p` is non-NULL and aligned, `p` points to `n` readable,
/// initialised `T` that nothing writes while the slice is in use.
#[inline]
unsafe fn array_in<'a, T>(p: *const T, n: usize) -> Result<&'a [T], Error> {
    if n > MAX_BATCH {
        return Err(Error::InvalidArgument);
    }
    if n == 0 {
        return Ok(&[]);
    }
    check_ptr(p)?;
    // SAFETY: non-NULL and aligned (checked); `n` readable elements by the
    // caller's contract; n ≤ 10^6 keeps the byte length far below isize::MAX
    // for every type used here (at most 64 bytes each).
    Ok(unsafe { core::slice::from_raw_parts(p, n) })
}
