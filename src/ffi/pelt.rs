//! PELT (contract functions 9 and 10).

use crate::pelt::{accumulate_pelt_segments, decay_load};

/// `decay_load(val, n)`: val * y^n with y^32 = 1/2, the kernel's way: 0 for
/// n > 2016; otherwise val >> (n / 32), then floor(val * runnable_avg_yN_inv[n % 32] / 2^32).
/// A whole number of half-lives still multiplies by (2^32 - 1) / 2^32, so
/// `eevdf_pelt_decay_load(1024, 32)` is 511, not 512. Defined for every input.
#[no_mangle]
pub extern "C" fn eevdf_pelt_decay_load(val: u64, n: u64) -> u64 {
    decay_load(val, n)
}

/// `__accumulate_pelt_segments(periods, d1, d3)`: the contribution of an
/// interval that starts `d1` units before the end of an old period, spans
/// `periods - 1` full periods and ends `d3` units into the current one:
/// decay_load(d1, periods) + (LOAD_AVG_MAX - decay_load(LOAD_AVG_MAX, periods) - 1024) + d3,
/// in u32 wrapping arithmetic. For example (1, 500, 300) -> 789. The kernel
/// calls it with periods >= 1; 0 returns the wrapped value.
#[no_mangle]
pub extern "C" fn eevdf_pelt_accumulate_segments(periods: u64, d1: u32, d3: u32) -> u32 {
    accumulate_pelt_segments(periods, d1, d3)
}
