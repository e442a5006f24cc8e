//! Stated input domains and wrap boundaries.

/// The largest weight (64-bit kernel units) [`Profile::EXACT`](crate::Profile::EXACT)
/// accepts in the averaging functions (V, eligibility, placement lag): 2⁴⁰, far
/// above any kernel weight (≤ 2²⁸). With at most [`MAX_BATCH`] entities, every
/// intermediate then fits 128 bits.
pub const EXACT_MAX_WEIGHT: u64 = 1 << 40;

/// The largest number of entities the batch functions of the C ABI accept.
pub const MAX_BATCH: usize = 1_000_000;

/// The largest |S| an [`AvgVruntime`](crate::avg::AvgVruntime) holds under
/// [`Profile::EXACT`](crate::Profile::EXACT): 2¹²⁵. With weights ≤
/// [`EXACT_MAX_WEIGHT`] one entity adds at most 2¹⁰³, so this takes millions of
/// extreme entities; it keeps S + curr's term and every comparison inside 128
/// bits. Beyond it EXACT reports [`Error::Overflow`](crate::Error::Overflow).
pub const EXACT_MAX_SUM: i128 = 1 << 125;

/// The largest W an [`AvgVruntime`](crate::avg::AvgVruntime) holds under
/// [`Profile::EXACT`](crate::Profile::EXACT): 2¹⁰⁰ (2⁶⁰ entities of the largest
/// EXACT weight).
pub const EXACT_MAX_SUM_WEIGHT: i128 = 1 << 100;
