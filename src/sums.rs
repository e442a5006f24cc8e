//! How the V accumulator holds S and W: in the kernel's own widths (an
//! `s64` and a `u64`) for a Linux release fixed at compile time, in 128 bits
//! for exact arithmetic and for a release chosen at run time. Each
//! [`Rules`](crate::Rules) release names its storage ([`Rules::Sums`](crate::Rules::Sums)).

/// How an accumulator holds S and W: the kernel's own widths for a Linux
/// release fixed at compile time, 128 bits for [`Profile::EXACT`](crate::Profile::EXACT) and for a
/// release chosen at run time. Sealed; see [`Rules::Sums`](crate::Rules::Sums).
pub trait SumsRepr:
    Copy + core::fmt::Debug + PartialEq + Eq + Send + Sync + 'static + sealed::Sealed
{
    /// Empty sums.
    const ZERO: Self;
    /// S and W as the kernel's `s64` and `u64` hold them.
    fn kernel(&self) -> (i64, u64);
    /// Stores the kernel's S and W.
    fn set_kernel(&mut self, s: i64, w: u64);
    /// S and W in 128 bits: EXACT's exact sums, or the kernel's extended.
    fn wide(&self) -> (i128, i128);
    /// Stores exact sums (EXACT only).
    fn set_wide(&mut self, s: i128, w: i128);
}

mod sealed {
    pub trait Sealed {}
}

/// S and W exactly as the kernel keeps them: an `s64` and a `u64` (16 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KernelSums {
    s: i64,
    w: u64,
}

/// S and W in 128 bits: exact under EXACT; under a Linux release chosen at run
/// time, the kernel's values sign- and zero-extended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WideSums {
    s: i128,
    w: i128,
}

impl sealed::Sealed for KernelSums {}
impl sealed::Sealed for WideSums {}

impl SumsRepr for KernelSums {
    const ZERO: Self = KernelSums { s: 0, w: 0 };
    #[inline(always)]
    fn kernel(&self) -> (i64, u64) {
        (self.s, self.w)
    }
    #[inline(always)]
    fn set_kernel(&mut self, s: i64, w: u64) {
        *self = KernelSums { s, w };
    }
    #[inline(always)]
    fn wide(&self) -> (i128, i128) {
        (self.s as i128, self.w as i128)
    }
    #[inline(always)]
    fn set_wide(&mut self, s: i128, w: i128) {
        *self = KernelSums {
            s: s as i64,
            w: w as u64,
        };
    }
}

impl SumsRepr for WideSums {
    const ZERO: Self = WideSums { s: 0, w: 0 };
    #[inline(always)]
    fn kernel(&self) -> (i64, u64) {
        (self.s as i64, self.w as u64)
    }
    #[inline(always)]
    fn set_kernel(&mut self, s: i64, w: u64) {
        *self = WideSums {
            s: s as i128,
            w: w as i128,
        };
    }
    #[inline(always)]
    fn wide(&self) -> (i128, i128) {
        (self.s, self.w)
    }
    #[inline(always)]
    fn set_wide(&mut self, s: i128, w: i128) {
        *self = WideSums { s, w };
    }
}
