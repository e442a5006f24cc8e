//! Stated input domains and wrap boundaries.

/// The largest weight (64-bit kernel units) [`Profile::EXACT`](crate::Profile::EXACT)
/// accepts in the averaging functions (V, eligibility, placement lag): 2⁴⁰, far
/// above any kernel weight (≤ 2²⁸). With at most [`MAX_BATCH`] entities, every
/// intermediate then fits 128 bits.
pub const EXACT_MAX_WEIGHT: u64 = 1 << 40;

/// The largest number of entities the batch functions of the C ABI accept.
pub const MAX_BATCH: usize = 1_000_000;

/// The largest magnitude of S and of W that the [`Profile::EXACT`](crate::Profile::EXACT)
/// accumulator ([`AvgVruntime`](crate::avg::AvgVruntime)) holds: 2¹²⁶. A read
/// adds the running entity's term, |key·w| < 2⁶³·2⁴⁰ = 2¹⁰³, so no read of a
/// sum within this bound overflows 128 bits. Sums that would leave it are
/// [`Error::Overflow`](crate::Error::Overflow).
pub const EXACT_MAX_SUM: i128 = 1 << 126;
