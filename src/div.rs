//! Division of a `u64` by an invariant `u64` divisor with one multiply-high:
//! the technique of Granlund and Montgomery, "Division by invariant integers
//! using multiplication" (PLDI 1994, the unsigned N-bit case), as Möller and
//! Granlund restate it for their improved 2-by-1 division (IEEE Trans.
//! Computers, 2011).
//!
//! A weight changes far less often than the kernel divides by it: 7.1's
//! `calc_delta_fair` divides by `se.load.weight` on every `update_curr`. Paying
//! one 128-by-64 division when the divisor is set buys a quotient that needs a
//! multiply, a subtraction, an addition and two shifts, and is **exactly**
//! ⌊n / d⌋ for every `u64` n and every non-zero `u64` d: the same bits as the
//! kernel's `div64_u64`, without its `div`.
//!
//! # The derivation
//!
//! Let N = 64, d ≥ 1 and ℓ = ⌈log₂ d⌉, so that 2^(ℓ−1) < d ≤ 2^ℓ and
//! 0 ≤ ℓ ≤ N. Take the (N+1)-bit multiplier
//!
//! ```text
//! m = ⌊2^(N+ℓ) / d⌋ + 1,   so   m·d = 2^(N+ℓ) + r   with 0 < r ≤ d.
//! ```
//!
//! **Claim**: ⌊m·n / 2^(N+ℓ)⌋ = ⌊n / d⌋ for every 0 ≤ n < 2^N.
//!
//! Write n = q·d + s with 0 ≤ s < d. Dividing m·d = 2^(N+ℓ) + r by d·2^(N+ℓ),
//!
//! ```text
//! m·n / 2^(N+ℓ) = n/d + ε = q + s/d + ε,   ε = n·r / (d·2^(N+ℓ)).
//! ```
//!
//! ε ≥ 0, so the floor is at least q. And since n < 2^N and r ≤ d,
//! ε < 2^N·d / (d·2^(N+ℓ)) = 2^(−ℓ) ≤ 1/d (because d ≤ 2^ℓ), so
//! s/d + ε < (d−1)/d + 1/d = 1 and the floor is at most q. ∎
//!
//! The whole margin is in the choice of ℓ: one bit of multiplier beyond the
//! divisor's size keeps the rounding error of the reciprocal below the gap
//! 1/d that separates n/d from the next integer. A smaller multiplier
//! (⌈log₂ d⌉ − 1 as the shift) works for some divisors but not for all, which
//! is why the general form carries N+1 bits.
//!
//! # Evaluating it with N-bit words
//!
//! m ∈ [2^N + 1, 2^(N+1)) does not fit a word; store m' = m − 2^N instead.
//! 1 ≤ m' < 2^N: m ≥ 2^N + 1 because d ≤ 2^ℓ, and m < 2^(N+1) because
//! m = 2^(N+1) would need d ≤ 2^(N+ℓ)/(2^(N+1) − 1) < 2^(ℓ−1) + 1, impossible
//! for an integer d > 2^(ℓ−1). Then, with t = ⌊m'·n / 2^N⌋ (the high word of
//! a 64×64-bit product),
//!
//! ```text
//! ⌊m·n / 2^(N+ℓ)⌋ = ⌊(n + m'·n/2^N) / 2^ℓ⌋ = ⌊(n + t) / 2^ℓ⌋
//! ```
//!
//! (dropping the fraction of m'·n/2^N cannot cross a multiple of 2^ℓ, since n
//! is an integer). n + t may need N+1 bits, but t ≤ n (as m' < 2^N), so for
//! ℓ ≥ 1
//!
//! ```text
//! ⌊(n + t) / 2^ℓ⌋ = ⌊(t + ⌊(n − t)/2⌋) / 2^(ℓ−1)⌋,   t + ⌊(n − t)/2⌋ ≤ n,
//! ```
//!
//! and no intermediate overflows. For d = 1 (ℓ = 0), m' = 1, t = 0 and the
//! quotient is n with no shift at all. Hence the two shifts
//! `shift1 = min(ℓ, 1)` and `shift2 = max(ℓ − 1, 0)`:
//!
//! ```text
//! t = mulhi(m', n);   q = (t + ((n − t) >> shift1)) >> shift2
//! ```
//!
//! m' itself is ⌊2^N·(2^ℓ − d) / d⌋ + 1, whose numerator is below 2^(N+ℓ−1)
//! ≤ 2^127: one 128-by-64 division, evaluable in a `const` context.
//!
//! ```
//! use core::num::NonZeroU64;
//! use eevdf::div::InvariantDivisor;
//! // A nice-5 task's weight, 335 << 10.
//! let d = InvariantDivisor::new(NonZeroU64::new(343_040).unwrap());
//! assert_eq!(d.quotient(1_000_000 << 20), (1_000_000u64 << 20) / 343_040);
//! assert_eq!(d.quotient(u64::MAX), u64::MAX / 343_040);
//! ```

use core::num::NonZeroU64;

/// The reciprocal of a non-zero `u64` divisor d: the multiplier m' and the two
/// shifts of the [module](self) derivation. It does not remember d: pair it
/// with the divisor it was made of, as [`InvariantDivisor`] does (and
/// [`LoadWeight`](crate::LoadWeight) does with its weight).
///
/// 16 bytes; `Option<Reciprocal>` is as large, m' being never 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reciprocal {
    /// m' = ⌊2⁶⁴·(2^ℓ − d)/d⌋ + 1 ∈ [1, 2⁶⁴).
    magic: NonZeroU64,
    /// min(ℓ, 1).
    shift1: u8,
    /// max(ℓ − 1, 0) ≤ 63.
    shift2: u8,
}

impl Reciprocal {
    /// The reciprocal of `d`: one 128-by-64 division, usable in `const`
    /// items (the nice-level weights' reciprocals are computed at compile
    /// time).
    pub const fn of(d: NonZeroU64) -> Reciprocal {
        let d = d.get();
        // ℓ = ⌈log₂ d⌉: 0 for d = 1, else the bit length of d − 1.
        let l = 64 - (d - 1).leading_zeros();
        // 2^ℓ − d < 2^(ℓ−1) ≤ 2^63, so (2^ℓ − d)·2^64 < 2^127.
        let num = ((1u128 << l) - d as u128) << 64;
        // ⌊num / d⌋ ≤ 2^64 − 2 (module docs), so the + 1 fits and is ≥ 1.
        let magic = (num / d as u128) as u64 + 1;
        Reciprocal {
            magic: match NonZeroU64::new(magic) {
                Some(m) => m,
                None => unreachable!(),
            },
            shift1: if l == 0 { 0 } else { 1 },
            shift2: if l == 0 { 0 } else { (l - 1) as u8 },
        }
    }

    /// ⌊n / d⌋ for the d this reciprocal was made [`of`](Self::of), exact for
    /// every `u64` n.
    #[inline]
    pub const fn quotient(&self, n: u64) -> u64 {
        let t = ((self.magic.get() as u128 * n as u128) >> 64) as u64;
        // t ≤ n, so n − t does not wrap and t + (n − t)/2 ≤ n does not carry.
        (t + ((n - t) >> self.shift1)) >> self.shift2
    }
}

/// A non-zero `u64` divisor with its [`Reciprocal`]: ⌊n / d⌋ and n mod d for
/// every `u64` n without a division instruction. Build it where the divisor
/// changes, use it where the kernel divides.
///
/// ```
/// use core::num::NonZeroU64;
/// use eevdf::div::InvariantDivisor;
/// const D: InvariantDivisor = InvariantDivisor::new(NonZeroU64::MAX);
/// assert_eq!(D.quotient(u64::MAX), 1);
/// assert_eq!(D.div_rem(u64::MAX - 1), (0, u64::MAX - 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvariantDivisor {
    divisor: NonZeroU64,
    reciprocal: Reciprocal,
}

impl InvariantDivisor {
    /// `d` and its reciprocal (one 128-by-64 division).
    pub const fn new(d: NonZeroU64) -> InvariantDivisor {
        InvariantDivisor {
            divisor: d,
            reciprocal: Reciprocal::of(d),
        }
    }

    /// The divisor.
    #[inline]
    pub const fn divisor(&self) -> NonZeroU64 {
        self.divisor
    }

    /// The reciprocal alone.
    #[inline]
    pub const fn reciprocal(&self) -> Reciprocal {
        self.reciprocal
    }

    /// ⌊n / d⌋, exact for every `u64` n (equal to `n / d`).
    #[inline]
    pub const fn quotient(&self, n: u64) -> u64 {
        self.reciprocal.quotient(n)
    }

    /// (⌊n / d⌋, n mod d), equal to `(n / d, n % d)`.
    #[inline]
    pub const fn div_rem(&self, n: u64) -> (u64, u64) {
        let q = self.quotient(n);
        // q·d ≤ n, so neither operation wraps.
        (q, n - q * self.divisor.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weight::{scale_load, SCHED_PRIO_TO_WEIGHT, WEIGHT_IDLEPRIO};

    /// Divisors at every boundary the derivation has: 2^k − 1, 2^k, 2^k + 1
    /// for every k (ℓ changes there, and m' is smallest just above a power of
    /// two and largest at 2^k − 1), u64::MAX, and the kernel's weights in both
    /// units plus the group-weight floor.
    fn boundary_divisors() -> impl Iterator<Item = u64> {
        let around_powers = (0..64u32).flat_map(|k| {
            let p = 1u64 << k;
            [p.wrapping_sub(1), p, p.wrapping_add(1)]
        });
        let weights = SCHED_PRIO_TO_WEIGHT
            .iter()
            .flat_map(|&w| [w as u64, scale_load(w as u64)]);
        let extra = [
            u64::MAX,
            u64::MAX - 1,
            (1 << 63) + 1,
            3,
            WEIGHT_IDLEPRIO as u64,
            scale_load(WEIGHT_IDLEPRIO as u64),
            2047,
            2048,
            1 << 28,
            (1 << 40) + 1,
            0xFFFF_FFFF << 10,
        ];
        around_powers
            .chain(weights)
            .chain(extra)
            .filter(|&d| d != 0)
    }

    /// Dividends at every boundary of a divisor: 0, 1, d − 1, d, d + 1, the
    /// multiples of d at the top of the range ± 1, u64::MAX and every power
    /// of two ± 1.
    fn boundary_dividends(d: u64) -> impl Iterator<Item = u64> {
        let top = u64::MAX / d; // the largest quotient
        let multiples = [1, 2, 3, top / 2, top.saturating_sub(1), top]
            .into_iter()
            .flat_map(move |k| {
                let m = k.wrapping_mul(d);
                [m.wrapping_sub(1), m, m.wrapping_add(1)]
            });
        let powers = (0..64u32).flat_map(|k| {
            let p = 1u64 << k;
            [p - 1, p, p + 1]
        });
        [0, 1, d - 1, d, d.wrapping_add(1), u64::MAX, u64::MAX - 1]
            .into_iter()
            .chain(multiples)
            .chain(powers)
    }

    #[test]
    fn reciprocal_quotient_equals_plain_division_at_every_boundary() {
        let mut checked = 0u64;
        for d in boundary_divisors() {
            let div = InvariantDivisor::new(NonZeroU64::new(d).unwrap());
            for n in boundary_dividends(d) {
                assert_eq!(div.quotient(n), n / d, "{n} / {d}");
                assert_eq!(div.div_rem(n), (n / d, n % d), "{n} / {d}");
                checked += 1;
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn reciprocal_quotient_equals_plain_division_exhaustively_for_small_operands() {
        // Every (n, d) with n < 2^11 and 1 ≤ d < 2^9: every small shift and
        // both rounding cases of every small divisor.
        for d in 1..512u64 {
            let div = InvariantDivisor::new(NonZeroU64::new(d).unwrap());
            for n in 0..2048u64 {
                assert_eq!(div.quotient(n), n / d, "{n} / {d}");
            }
        }
    }

    #[test]
    fn multiplier_and_shifts_stay_in_their_derived_ranges() {
        for d in boundary_divisors() {
            let r = Reciprocal::of(NonZeroU64::new(d).unwrap());
            let l = 64 - (d - 1).leading_zeros();
            // m = 2^64 + m' = ⌊2^(64+ℓ)/d⌋ + 1, checked in 256-bit-free form:
            // m'·d = 2^64·(2^ℓ − d) + (d − rem) where rem = 2^64·(2^ℓ−d) mod d.
            let num = ((1u128 << l) - d as u128) << 64;
            assert_eq!(r.magic.get() as u128, num / d as u128 + 1, "d {d}");
            assert_eq!(
                (r.shift1, r.shift2),
                ((l > 0) as u8, l.saturating_sub(1) as u8)
            );
            assert!(r.shift2 <= 63);
        }
        // d = 1: m' = 1, no shift; powers of two: m' = 1, shift ℓ in total.
        let one = Reciprocal::of(NonZeroU64::new(1).unwrap());
        assert_eq!((one.magic.get(), one.shift1, one.shift2), (1, 0, 0));
        let p = Reciprocal::of(NonZeroU64::new(1 << 20).unwrap());
        assert_eq!((p.magic.get(), p.shift1, p.shift2), (1, 1, 19));
        // Just above a power of two m' is close to 2^64 and below it: for
        // d = 2^63 + 1, 2^64·(2^63 − 1)/(2^63 + 1) = 2^64 − 4 + 4/(2^63 + 1),
        // so m' = 2^64 − 4 + 1.
        let above = Reciprocal::of(NonZeroU64::new((1 << 63) + 1).unwrap());
        assert_eq!(above.magic.get(), u64::MAX - 2);
        assert_eq!(core::mem::size_of::<Option<Reciprocal>>(), 16);
    }

    #[test]
    fn reciprocals_are_const() {
        const D: InvariantDivisor = InvariantDivisor::new(NonZeroU64::new(3).unwrap());
        const Q: u64 = D.quotient(u64::MAX);
        assert_eq!(Q, u64::MAX / 3);
        assert_eq!(D.divisor().get(), 3);
        assert_eq!(D.reciprocal(), Reciprocal::of(D.divisor()));
    }

    quickcheck::quickcheck! {
        fn reciprocal_quotient_equals_plain_division(n: u64, d: u64, shift: u8) -> bool {
            // Spread d over every bit length, not only around u64::MAX/2.
            let d = (d >> (shift % 64)).max(1);
            let div = InvariantDivisor::new(NonZeroU64::new(d).unwrap());
            div.quotient(n) == n / d && div.div_rem(n) == (n / d, n % d)
        }
    }
}
