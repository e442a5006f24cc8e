//! Errors: what was wrong with an input, or why a result cannot be given.
//!
//! Wrapping is *not* an error: a `LINUX_*` profile returns the value the kernel
//! computes together with a flag saying that the kernel's arithmetic overflowed
//! (see [`crate::profile`]). Errors are for inputs outside a function's domain,
//! for arithmetic the kernel itself leaves undefined, and — under
//! [`Profile::EXACT`](crate::Profile::EXACT) only — for exact results that do not
//! fit the output type.

use core::fmt;

/// Why a function could not produce a result. Nothing was written or changed.
///
/// Every variant maps to one negative errno of the C ABI through [`Error::errno`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// A load weight of 0 (entities never weigh 0 in the kernel; the minimum is 2).
    ZeroWeight,
    /// A nice value outside `-20..=19`.
    NiceOutOfRange,
    /// Some other argument is outside the documented domain (for example more
    /// entities than a batch function accepts, or a NULL pointer through C).
    InvalidArgument,
    /// The kernel's own arithmetic is undefined for this input: it would divide
    /// by zero, trap on `i64::MIN / -1`, or shift by a negative amount.
    Undefined,
    /// [`Profile::EXACT`](crate::Profile::EXACT) only: the exact result does not
    /// fit the output type, or an input lies outside EXACT's stated domain.
    Overflow,
    /// A fixed-capacity structure has no free slot.
    Full,
    /// An entity handle that does not name a live entity of this run queue.
    NoSuchEntity,
    /// The operation does not apply in the entity's current state (for example
    /// enqueueing an entity that is already queued).
    InvalidState,
    /// A structure is inconsistent: the C ABI's run queue after an operation
    /// that failed half-way, which it refuses to use until re-initialised.
    Inconsistent,
}

impl Error {
    /// The negative errno the C ABI returns for this error.
    ///
    /// ```
    /// assert_eq!(eevdf::Error::ZeroWeight.errno(), -22);
    /// assert_eq!(eevdf::Error::Overflow.errno(), -75);
    /// ```
    pub const fn errno(self) -> i32 {
        match self {
            Error::ZeroWeight | Error::NiceOutOfRange | Error::InvalidArgument => -22, // EINVAL
            Error::Undefined => -33,                                                   // EDOM
            Error::Overflow => -75,                                                    // EOVERFLOW
            Error::Full => -28,                                                        // ENOSPC
            Error::NoSuchEntity => -2,                                                 // ENOENT
            Error::InvalidState => -16,                                                // EBUSY
            Error::Inconsistent => -117,                                               // EUCLEAN
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::ZeroWeight => "load weight is 0",
            Error::NiceOutOfRange => "nice value outside -20..=19",
            Error::InvalidArgument => "argument outside the function's domain",
            Error::Undefined => "the kernel's arithmetic is undefined for this input",
            Error::Overflow => "exact result does not fit the output type",
            Error::Full => "no free slot",
            Error::NoSuchEntity => "no such entity",
            Error::InvalidState => "operation does not apply in the entity's state",
            Error::Inconsistent => "inconsistent state; re-initialise",
        })
    }
}

impl core::error::Error for Error {}
