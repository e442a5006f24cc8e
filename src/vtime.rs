//! Virtual time and virtual lag.
//!
//! vruntime, deadlines, `vprot` and the reference point v0 are u64 nanoseconds of
//! virtual time that are *allowed to wrap* (the kernel starts v0 at −2²⁰ so that
//! wrap bugs show early). They are compared only through the signed wrapping
//! difference, as the kernel does (open-coded `(s64)(a - b)` before v7.0,
//! `vruntime_cmp()` from v7.0; `docs/derivations.md`, "Conventions"):
//!
//! ```text
//! wsub(a, b) = (a − b) mod 2⁶⁴ read as s64,    a < b ⟺ wsub(a, b) < 0
//! ```
//!
//! [`Vtime`] is that type. Its [`PartialOrd`] is the circular order above: it is
//! consistent (transitive) for any set of times spanning less than 2⁶³ ns, which
//! is every set a run queue holds; it is *not* an [`Ord`], on purpose.
//!
//! [`Vlag`] is a signed virtual lag `V − v` (s64).
//!
//! ```
//! use eevdf::Vtime;
//! let v0 = Vtime::INIT; // 2^64 − 2^20
//! let later = v0 + 3_000_000; // wraps past 0
//! assert!(v0 < later);
//! assert_eq!(later.wsub(v0), 3_000_000);
//! ```

use core::cmp::Ordering;
use core::ops::{Add, AddAssign, Sub};

/// A wrapping u64 virtual time, ordered by the signed difference.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Vtime(pub u64);

/// A virtual lag `V − v` in virtual nanoseconds (s64).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vlag(pub i64);

impl Vtime {
    /// The value `init_cfs_rq` gives v0: (u64)(−2²⁰) = 0xFFFF_FFFF_FFF0_0000.
    pub const INIT: Vtime = Vtime(0u64.wrapping_sub(1 << 20));

    /// `wsub(self, other)`: `(self − other) mod 2⁶⁴` read as s64. This is the
    /// kernel's `entity_key` when `other` is v0.
    #[inline]
    pub const fn wsub(self, other: Vtime) -> i64 {
        self.0.wrapping_sub(other.0) as i64
    }

    /// `self < other` in wrapping order (`vruntime_cmp(a, "<", b)`).
    #[inline]
    pub const fn before(self, other: Vtime) -> bool {
        self.wsub(other) < 0
    }

    /// `self + d` modulo 2⁶⁴.
    #[inline]
    pub const fn wrapping_add(self, d: u64) -> Vtime {
        Vtime(self.0.wrapping_add(d))
    }

    /// `self + d` modulo 2⁶⁴ for a signed offset.
    #[inline]
    pub const fn wrapping_add_signed(self, d: i64) -> Vtime {
        Vtime(self.0.wrapping_add(d as u64))
    }

    /// `self − d` modulo 2⁶⁴ for a signed offset (`V − lag`).
    #[inline]
    pub const fn wrapping_sub_signed(self, d: i64) -> Vtime {
        Vtime(self.0.wrapping_sub(d as u64))
    }

    /// `min_vruntime(self, other)`: the earlier by wrapping order; a tie keeps `self`.
    #[inline]
    pub const fn min(self, other: Vtime) -> Vtime {
        if other.wsub(self) < 0 {
            other
        } else {
            self
        }
    }

    /// `max_vruntime(self, other)`: the later by wrapping order; a tie keeps `self`.
    #[inline]
    pub const fn max(self, other: Vtime) -> Vtime {
        if other.wsub(self) > 0 {
            other
        } else {
            self
        }
    }
}

impl PartialOrd for Vtime {
    /// The circular order: `a < b ⟺ (a − b) mod 2⁶⁴ < 0` as s64.
    #[inline]
    fn partial_cmp(&self, other: &Vtime) -> Option<Ordering> {
        Some(self.wsub(*other).cmp(&0))
    }
}

impl Add<u64> for Vtime {
    type Output = Vtime;
    /// Wrapping addition of a virtual duration.
    #[inline]
    fn add(self, d: u64) -> Vtime {
        self.wrapping_add(d)
    }
}

impl AddAssign<u64> for Vtime {
    #[inline]
    fn add_assign(&mut self, d: u64) {
        *self = self.wrapping_add(d);
    }
}

impl Sub for Vtime {
    type Output = i64;
    /// The wrapping signed difference, [`Vtime::wsub`].
    #[inline]
    fn sub(self, other: Vtime) -> i64 {
        self.wsub(other)
    }
}

impl Vlag {
    /// Zero lag.
    pub const ZERO: Vlag = Vlag(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_is_minus_2_pow_20() {
        // init_cfs_rq(), every release v6.6.0 … v7.1.5: v0 = (u64)(−2^20), so
        // the value wraps past 0 after 2^20 ns of nice-0 virtual time.
        assert_eq!(Vtime::INIT.0, 0xFFFF_FFFF_FFF0_0000);
        assert_eq!((Vtime::INIT + (1 << 20)).0, 0);
    }

    #[test]
    fn order_is_the_signed_difference_across_the_wrap() {
        let a = Vtime(u64::MAX - 5);
        let b = Vtime(10);
        assert!(a < b);
        assert!(b > a);
        assert!(a.before(b) && !b.before(a));
        assert_eq!(b - a, 16);
        assert_eq!(a - b, -16);
        // Half the circle away: i64::MIN reads as "before".
        let c = Vtime(a.0.wrapping_add(1 << 63));
        assert!(c < a);
        assert_eq!(a.partial_cmp(&a), Some(Ordering::Equal));
    }

    #[test]
    fn min_max_keep_the_first_on_ties() {
        let a = Vtime(5);
        assert_eq!(a.min(Vtime(5)), a);
        assert_eq!(Vtime(u64::MAX).min(Vtime(3)), Vtime(u64::MAX));
        assert_eq!(Vtime(u64::MAX).max(Vtime(3)), Vtime(3));
        assert_eq!(Vtime(3).wrapping_sub_signed(-4), Vtime(7));
        assert_eq!(Vtime(3).wrapping_add_signed(-4), Vtime(u64::MAX));
    }
}
