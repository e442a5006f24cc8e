//! Stated input domains and wrap boundaries.

/// The largest weight (64-bit kernel units) [`Profile::EXACT`](crate::Profile::EXACT)
/// accepts in the averaging functions (V, eligibility, placement lag): 2⁴⁰, far
/// above any kernel weight (≤ 2²⁸). With at most [`MAX_BATCH`] entities, every
/// intermediate then fits 128 bits.
pub const EXACT_MAX_WEIGHT: u64 = 1 << 40;

/// The largest number of entities the batch functions of the C ABI accept.
pub const MAX_BATCH: usize = 1_000_000;
