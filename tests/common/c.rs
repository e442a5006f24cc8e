//! The C semantics of the kernel's operations (docs/derivations.md §2 and §7:
//! the kernel is built with -fno-strict-overflow), written without
//! the crate: wrapping u64/s64 arithmetic, truncating division, `div_s64`'s s32
//! divisor, and the pre-2021 one-bit-at-a-time `__calc_delta` normalisation
//! with the 32-bit `mul_u64_u32_shr` fallback.
//!
//! Shared by the integration tests (`tests/common`) and the fuzz bodies
//! (`fuzz/src/bodies.rs`).
#![allow(dead_code)]

use eevdf::profile::{CalcDelta, Division, Profile};
use eevdf::LoadWeight;

pub const NICE_0_LOAD: u64 = 1 << 20;

pub fn scale_load_down(w: u64) -> u64 {
    if w == 0 {
        0
    } else {
        (w >> 10).max(2)
    }
}

/// `__update_inv_weight`: the cached inverse, or ⌊(2³²−1)/sld(w)⌋.
pub fn inv_weight(lw: &LoadWeight) -> u32 {
    if lw.inv_weight() != 0 {
        return lw.inv_weight();
    }
    let w = scale_load_down(lw.weight());
    if w >= 0xFFFF_FFFF {
        1
    } else {
        (0xFFFF_FFFF / w) as u32
    }
}

/// mul_u64_u32_shr's 32-bit fallback: (lo·m >> s) + (hi·m << (32 − s)), u64 wrapping.
fn mul_u64_u32_shr(a: u64, m: u32, s: u32) -> u64 {
    let (lo, hi) = (a & 0xFFFF_FFFF, a >> 32);
    let mut r = (lo * m as u64) >> s;
    if hi != 0 {
        r = r.wrapping_add((hi * m as u64).wrapping_shl(32 - s));
    }
    r
}

/// Legacy `__calc_delta(delta, weight, lw)`, loops instead of fls().
pub fn calc_delta_legacy(delta: u64, weight: u64, lw: &LoadWeight) -> u64 {
    let mut fact = scale_load_down(weight);
    let mut shift: i32 = 32;
    while fact >> 32 != 0 {
        fact >>= 1;
        shift -= 1;
    }
    fact = (fact & 0xFFFF_FFFF) * inv_weight(lw) as u64;
    while fact >> 32 != 0 {
        fact >>= 1;
        shift -= 1;
    }
    mul_u64_u32_shr(delta, fact as u32, shift as u32)
}

/// `calc_delta_fair(delta, se)` the profile's way.
pub fn calc_delta_fair(p: &Profile, delta: u64, lw: &LoadWeight) -> u64 {
    if lw.weight() == NICE_0_LOAD {
        return delta;
    }
    match p.calc_delta {
        CalcDelta::MulShift => calc_delta_legacy(delta, NICE_0_LOAD, lw),
        CalcDelta::Quotient => delta.wrapping_mul(NICE_0_LOAD) / lw.weight(),
        other => panic!("the reference has no {other:?}"),
    }
}

/// `div_s64(a, b)` (divisor converted to s32) or `div64_long(a, b)`.
pub fn div(p: &Profile, a: i64, b: i64) -> i64 {
    match p.division {
        Division::S32Divisor => a / (b as i32 as i64),
        Division::Long => a / b,
        other => panic!("the reference has no {other:?}"),
    }
}

/// The kernel's clamp macro.
pub fn clamp(x: i64, lo: i64, hi: i64) -> i64 {
    if x >= hi {
        hi
    } else if x <= lo {
        lo
    } else {
        x
    }
}
