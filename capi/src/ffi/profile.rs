//! Profiles, tunables, scheduler features, status and version strings.

use core::ffi::{c_char, CStr};

use eevdf::entity::Tunables;
use eevdf::features::Features;
use eevdf::profile::tick_nsec;
use eevdf::{Error, Profile};

use super::{check_out, profile_of, read_in, run, write_out, EEVDF_OK};

/// Profile id: Linux v6.6.0 (`scale_load_down` averaging weights, multiply-shift
/// `__calc_delta`, s64 wrapping eligibility, lag limit from `max(2*slice, tick)`,
/// `div_s64`).
pub const EEVDF_PROFILE_LINUX_6_6: u32 = 0;
/// Profile id: Linux v6.18.2 (the 6.6 arithmetic; differs in reweight, pick and
/// delayed dequeue).
pub const EEVDF_PROFILE_LINUX_6_18: u32 = 1;
/// Profile id: Linux v7.0.0 (as 6.18, lag limit from `max_slice + tick`).
pub const EEVDF_PROFILE_LINUX_7_0: u32 = 2;
/// Profile id: Linux v7.1.5 (full weights in averages, 64-bit quotient
/// `__calc_delta`, exact 128-bit eligibility compare, `div64_long`).
pub const EEVDF_PROFILE_LINUX_7_1: u32 = 3;
/// Profile id: the 7.1 formulas evaluated exactly (never `EEVDF_WRAPPED`;
/// `EEVDF_EOVERFLOW` when a result does not fit).
pub const EEVDF_PROFILE_EXACT: u32 = 4;
/// The number of profile ids (valid ids are 0 to `EEVDF_PROFILE_COUNT - 1`).
pub const EEVDF_PROFILE_COUNT: u32 = 5;

static_assertions::const_assert_eq!(EEVDF_PROFILE_COUNT as usize, Profile::PRESETS.len());

/// Names of the presets, in id order; a unit test checks them against
/// [`Profile::name`].
const PROFILE_NAMES: [&CStr; 5] = [
    c"linux-6.6",
    c"linux-6.18",
    c"linux-7.0",
    c"linux-7.1",
    c"exact",
];

/// The name of a profile: `"linux-6.6"`, `"linux-6.18"`, `"linux-7.0"`,
/// `"linux-7.1"` or `"exact"`; NULL for an unknown id. The string is static.
#[no_mangle]
pub extern "C" fn eevdf_profile_name(profile: u32) -> *const c_char {
    match PROFILE_NAMES.get(profile as usize) {
        Some(name) => name.as_ptr(),
        None => core::ptr::null(),
    }
}

/// The library version, for example `"0.1.0"` (a static string).
#[no_mangle]
pub extern "C" fn eevdf_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a status code: `"EEVDF_OK"`, `"EEVDF_WRAPPED"`, `"EEVDF_EINVAL"`,
/// ...; `"EEVDF_UNKNOWN"` for any other value. The string is static.
#[no_mangle]
pub extern "C" fn eevdf_status_name(status: i32) -> *const c_char {
    let name = match status {
        super::EEVDF_OK => c"EEVDF_OK",
        super::EEVDF_WRAPPED => c"EEVDF_WRAPPED",
        super::EEVDF_ENOENT => c"EEVDF_ENOENT",
        super::EEVDF_EBUSY => c"EEVDF_EBUSY",
        super::EEVDF_EINVAL => c"EEVDF_EINVAL",
        super::EEVDF_ENOSPC => c"EEVDF_ENOSPC",
        super::EEVDF_EDOM => c"EEVDF_EDOM",
        super::EEVDF_EOVERFLOW => c"EEVDF_EOVERFLOW",
        super::EEVDF_EUCLEAN => c"EEVDF_EUCLEAN",
        _ => c"EEVDF_UNKNOWN",
    };
    name.as_ptr()
}

/// The scheduler tunables the entity operations and the run queue read.
///
/// Size 24, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfTunables {
    /// `sysctl_sched_base_slice` in ns (see `eevdf_base_slice`).
    pub base_slice: u64,
    /// `TICK_NSEC` in ns (see `eevdf_tick_nsec`).
    pub tick_nsec: u64,
    /// The scheduler features in force: a set of `EEVDF_FEATURE_*` bits
    /// (unknown bits are `EEVDF_EINVAL`).
    pub features: u64,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::EevdfTunables;
    use core::mem::offset_of;
    static_assertions::assert_eq_size!(EevdfTunables, [u8; 24]);
    static_assertions::const_assert_eq!(core::mem::align_of::<EevdfTunables>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfTunables, base_slice), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfTunables, tick_nsec), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfTunables, features), 16);
}

impl EevdfTunables {
    /// The Rust tunables; unknown feature bits are a bad argument.
    pub(crate) fn to_rust(self) -> Result<Tunables, Error> {
        Ok(Tunables {
            base_slice: self.base_slice,
            tick_nsec: self.tick_nsec,
            features: Features::from_bits(self.features).ok_or(Error::InvalidArgument)?,
        })
    }
}

impl From<Tunables> for EevdfTunables {
    fn from(t: Tunables) -> Self {
        EevdfTunables {
            base_slice: t.base_slice,
            tick_nsec: t.tick_nsec,
            features: t.features.bits(),
        }
    }
}

/// `sysctl_sched_base_slice` of a profile's release for `online_cpus` CPUs
/// under the default logarithmic scaling: normalized * (1 + floor(log2(min(cpus, 8)))),
/// with normalized = 750,000 ns in 6.6 and 700,000 ns later (0 CPUs count as 1).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_base_slice(profile: u32, online_cpus: u32, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, p.base_slice(online_cpus)) };
        Ok(EEVDF_OK)
    })
}

/// `TICK_NSEC` for a given `HZ`: (10^9 + HZ/2) / HZ, for example 1,000,000 for
/// HZ = 1000 and 3,333,333 for HZ = 300; 0 for HZ = 0.
#[no_mangle]
pub extern "C" fn eevdf_tick_nsec(hz: u32) -> u64 {
    tick_nsec(hz)
}

/// The release defaults of a profile: base slice for `online_cpus`,
/// `TICK_NSEC` for `hz` and the release's default features.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `EevdfTunables`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_tunables_default(
    profile: u32,
    online_cpus: u32,
    hz: u32,
    out: *mut EevdfTunables,
) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        let t = Tunables::defaults(&p, online_cpus, hz);
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, t.into()) };
        Ok(EEVDF_OK)
    })
}

/// Feature `PLACE_LAG`: preserve lag across sleep and migration.
pub const EEVDF_FEATURE_PLACE_LAG: u64 = 0x1;
/// Feature `PLACE_DEADLINE_INITIAL`: half a slice for a new task's first deadline.
pub const EEVDF_FEATURE_PLACE_DEADLINE_INITIAL: u64 = 0x2;
/// Feature `PLACE_REL_DEADLINE`: keep the deadline relative across migration.
pub const EEVDF_FEATURE_PLACE_REL_DEADLINE: u64 = 0x4;
/// Feature `RUN_TO_PARITY`: slice protection for the running entity.
pub const EEVDF_FEATURE_RUN_TO_PARITY: u64 = 0x8;
/// Feature `PREEMPT_SHORT`: a wakee with a shorter slice may cut protection short.
pub const EEVDF_FEATURE_PREEMPT_SHORT: u64 = 0x10;
/// Feature `NEXT_BUDDY`: prefer the last wakee.
pub const EEVDF_FEATURE_NEXT_BUDDY: u64 = 0x20;
/// Feature `PICK_BUDDY`: the pick honours the next buddy.
pub const EEVDF_FEATURE_PICK_BUDDY: u64 = 0x40;
/// Feature `CACHE_HOT_BUDDY`.
pub const EEVDF_FEATURE_CACHE_HOT_BUDDY: u64 = 0x80;
/// Feature `DELAY_DEQUEUE`: an ineligible sleeper stays queued until picked.
pub const EEVDF_FEATURE_DELAY_DEQUEUE: u64 = 0x100;
/// Feature `DELAY_ZERO`: a delayed entity's positive lag is dropped.
pub const EEVDF_FEATURE_DELAY_ZERO: u64 = 0x200;
/// Feature `PARANOID_AVG` (7.1). Accepted but not modelled: `sum_shift`
/// stays 0, so results match such a kernel until its first S/W overflow, which
/// is reported as `EEVDF_WRAPPED` instead of being absorbed by a shift.
pub const EEVDF_FEATURE_PARANOID_AVG: u64 = 0x400;
/// Feature `WAKEUP_PREEMPTION`.
pub const EEVDF_FEATURE_WAKEUP_PREEMPTION: u64 = 0x800;
/// Feature `HRTICK`.
pub const EEVDF_FEATURE_HRTICK: u64 = 0x1000;
/// Feature `HRTICK_DL`.
pub const EEVDF_FEATURE_HRTICK_DL: u64 = 0x2000;
/// Feature `NONTASK_CAPACITY`.
pub const EEVDF_FEATURE_NONTASK_CAPACITY: u64 = 0x4000;
/// Feature `TTWU_QUEUE`.
pub const EEVDF_FEATURE_TTWU_QUEUE: u64 = 0x8000;
/// Feature `SIS_UTIL`.
pub const EEVDF_FEATURE_SIS_UTIL: u64 = 0x10000;
/// Feature `SIS_PROP`.
pub const EEVDF_FEATURE_SIS_PROP: u64 = 0x20000;
/// Feature `ATTACH_AGE_LOAD`.
pub const EEVDF_FEATURE_ATTACH_AGE_LOAD: u64 = 0x40000;
/// Feature `WA_IDLE`.
pub const EEVDF_FEATURE_WA_IDLE: u64 = 0x80000;
/// Feature `WA_WEIGHT`.
pub const EEVDF_FEATURE_WA_WEIGHT: u64 = 0x100000;
/// Feature `WA_BIAS`.
pub const EEVDF_FEATURE_WA_BIAS: u64 = 0x200000;
/// Feature `UTIL_EST`.
pub const EEVDF_FEATURE_UTIL_EST: u64 = 0x400000;
/// Feature `UTIL_EST_FASTUP` (6.6).
pub const EEVDF_FEATURE_UTIL_EST_FASTUP: u64 = 0x800000;
/// Feature `LATENCY_WARN`.
pub const EEVDF_FEATURE_LATENCY_WARN: u64 = 0x1000000;
/// Feature `HZ_BW` (6.6).
pub const EEVDF_FEATURE_HZ_BW: u64 = 0x2000000;
/// Feature `NI_RANDOM`.
pub const EEVDF_FEATURE_NI_RANDOM: u64 = 0x4000000;
/// Feature `NI_RATE`.
pub const EEVDF_FEATURE_NI_RATE: u64 = 0x8000000;
/// Feature `DOUBLE_TICK` (6.6).
pub const EEVDF_FEATURE_DOUBLE_TICK: u64 = 0x10000000;
/// Feature `WARN_DOUBLE_CLOCK`.
pub const EEVDF_FEATURE_WARN_DOUBLE_CLOCK: u64 = 0x20000000;
/// Feature `RT_PUSH_IPI`.
pub const EEVDF_FEATURE_RT_PUSH_IPI: u64 = 0x40000000;
/// Feature `RT_RUNTIME_SHARE`.
pub const EEVDF_FEATURE_RT_RUNTIME_SHARE: u64 = 0x80000000;
/// Feature `LB_MIN`.
pub const EEVDF_FEATURE_LB_MIN: u64 = 0x100000000;
/// Feature `GENTLE_FAIR_SLEEPERS` (CFS, v6.5: half the sleeper credit).
pub const EEVDF_FEATURE_GENTLE_FAIR_SLEEPERS: u64 = 0x200000000;
/// Feature `START_DEBIT` (CFS, v6.5: a new task starts one vslice late).
pub const EEVDF_FEATURE_START_DEBIT: u64 = 0x400000000;
/// Feature `LAST_BUDDY` (CFS, v6.5).
pub const EEVDF_FEATURE_LAST_BUDDY: u64 = 0x800000000;
/// Feature `ALT_PERIOD` (CFS, v5.13 … v6.5: the period counts every fair task of the CPU).
pub const EEVDF_FEATURE_ALT_PERIOD: u64 = 0x1000000000;
/// Feature `BASE_SLICE` (CFS, v6.5: a slice is at least the minimum granularity).
pub const EEVDF_FEATURE_BASE_SLICE: u64 = 0x2000000000;
/// Feature `FAIR_SLEEPERS` (86bfbb7ce4f6, default off: the v6.5 sleeper credit on
/// top of lag placement; in no release).
pub const EEVDF_FEATURE_FAIR_SLEEPERS: u64 = 0x4000000000;

/// Every (C constant, Rust flag) pair; checked at compile time below and
/// against [`Features::NAMES`] by a unit test.
const FEATURE_BITS: [(u64, Features); 39] = [
    (EEVDF_FEATURE_PLACE_LAG, Features::PLACE_LAG),
    (
        EEVDF_FEATURE_PLACE_DEADLINE_INITIAL,
        Features::PLACE_DEADLINE_INITIAL,
    ),
    (
        EEVDF_FEATURE_PLACE_REL_DEADLINE,
        Features::PLACE_REL_DEADLINE,
    ),
    (EEVDF_FEATURE_RUN_TO_PARITY, Features::RUN_TO_PARITY),
    (EEVDF_FEATURE_PREEMPT_SHORT, Features::PREEMPT_SHORT),
    (EEVDF_FEATURE_NEXT_BUDDY, Features::NEXT_BUDDY),
    (EEVDF_FEATURE_PICK_BUDDY, Features::PICK_BUDDY),
    (EEVDF_FEATURE_CACHE_HOT_BUDDY, Features::CACHE_HOT_BUDDY),
    (EEVDF_FEATURE_DELAY_DEQUEUE, Features::DELAY_DEQUEUE),
    (EEVDF_FEATURE_DELAY_ZERO, Features::DELAY_ZERO),
    (EEVDF_FEATURE_PARANOID_AVG, Features::PARANOID_AVG),
    (EEVDF_FEATURE_WAKEUP_PREEMPTION, Features::WAKEUP_PREEMPTION),
    (EEVDF_FEATURE_HRTICK, Features::HRTICK),
    (EEVDF_FEATURE_HRTICK_DL, Features::HRTICK_DL),
    (EEVDF_FEATURE_NONTASK_CAPACITY, Features::NONTASK_CAPACITY),
    (EEVDF_FEATURE_TTWU_QUEUE, Features::TTWU_QUEUE),
    (EEVDF_FEATURE_SIS_UTIL, Features::SIS_UTIL),
    (EEVDF_FEATURE_SIS_PROP, Features::SIS_PROP),
    (EEVDF_FEATURE_ATTACH_AGE_LOAD, Features::ATTACH_AGE_LOAD),
    (EEVDF_FEATURE_WA_IDLE, Features::WA_IDLE),
    (EEVDF_FEATURE_WA_WEIGHT, Features::WA_WEIGHT),
    (EEVDF_FEATURE_WA_BIAS, Features::WA_BIAS),
    (EEVDF_FEATURE_UTIL_EST, Features::UTIL_EST),
    (EEVDF_FEATURE_UTIL_EST_FASTUP, Features::UTIL_EST_FASTUP),
    (EEVDF_FEATURE_LATENCY_WARN, Features::LATENCY_WARN),
    (EEVDF_FEATURE_HZ_BW, Features::HZ_BW),
    (EEVDF_FEATURE_NI_RANDOM, Features::NI_RANDOM),
    (EEVDF_FEATURE_NI_RATE, Features::NI_RATE),
    (EEVDF_FEATURE_DOUBLE_TICK, Features::DOUBLE_TICK),
    (EEVDF_FEATURE_WARN_DOUBLE_CLOCK, Features::WARN_DOUBLE_CLOCK),
    (EEVDF_FEATURE_RT_PUSH_IPI, Features::RT_PUSH_IPI),
    (EEVDF_FEATURE_RT_RUNTIME_SHARE, Features::RT_RUNTIME_SHARE),
    (EEVDF_FEATURE_LB_MIN, Features::LB_MIN),
    (
        EEVDF_FEATURE_GENTLE_FAIR_SLEEPERS,
        Features::GENTLE_FAIR_SLEEPERS,
    ),
    (EEVDF_FEATURE_START_DEBIT, Features::START_DEBIT),
    (EEVDF_FEATURE_LAST_BUDDY, Features::LAST_BUDDY),
    (EEVDF_FEATURE_ALT_PERIOD, Features::ALT_PERIOD),
    (EEVDF_FEATURE_BASE_SLICE, Features::BASE_SLICE),
    (EEVDF_FEATURE_FAIR_SLEEPERS, Features::FAIR_SLEEPERS),
];

const fn feature_bits_match() -> bool {
    let mut i = 0;
    while i < FEATURE_BITS.len() {
        if FEATURE_BITS[i].0 != FEATURE_BITS[i].1.bits() {
            return false;
        }
        i += 1;
    }
    true
}
static_assertions::const_assert!(feature_bits_match());

/// The features a profile's release enables by default (`kernel/sched/features.h`,
/// without PREEMPT_RT), as `EEVDF_FEATURE_*` bits.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_features_default(profile: u32, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, Features::defaults(p.release).bits()) };
        Ok(EEVDF_OK)
    })
}

/// Every feature that exists in a profile's release, whatever its default.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for an unknown profile or NULL `out`.
///
/// # Safety
///
/// `out` is NULL or points to a writable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_features_available(profile: u32, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        let p = profile_of(profile)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, Features::available(p.release).bits()) };
        Ok(EEVDF_OK)
    })
}

/// The longest `sched/features` write accepted, in bytes (the kernel reads
/// at most 63).
const FEAT_WORD_MAX: usize = 64;

/// Copies a NUL-terminated word of fewer than `buf.len()` bytes into `buf` and
/// returns it as UTF-8; NULL, a longer string or invalid UTF-8 is a bad
/// argument. Reads byte by byte and never past the NUL (no `strlen`: the C
/// library stays free of libc).
///
/// # Safety
///
/// `p` is NULL or points to a NUL-terminated string.
unsafe fn c_word(p: *const c_char, buf: &mut [u8]) -> Result<&str, Error> {
    if p.is_null() {
        return Err(Error::InvalidArgument);
    }
    for i in 0..buf.len() {
        // SAFETY: bytes 0..i were non-NUL, so byte i is still within the
        // caller's NUL-terminated string.
        let b = unsafe { p.add(i).read() } as u8;
        if b == 0 {
            return core::str::from_utf8(&buf[..i]).map_err(|_| Error::InvalidArgument);
        }
        buf[i] = b;
    }
    Err(Error::InvalidArgument)
}

/// Applies one debugfs `sched/features` write to a feature set, as
/// `echo NO_PLACE_LAG > /sys/kernel/debug/sched/features` would: `"NAME"` sets
/// the feature, `"NO_NAME"` clears it; surrounding whitespace (such as the
/// newline `echo` adds) is ignored. `word` is a NUL-terminated string of at
/// most 63 bytes.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing changed) for an unknown
/// name, NULL pointers, unknown bits already in `*features`, a longer word, or
/// a word that is not UTF-8.
///
/// # Safety
///
/// `features` is NULL or points to a readable and writable `uint64_t`; `word`
/// is NULL or points to a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn eevdf_sched_feat_write(features: *mut u64, word: *const c_char) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable uint64_t by the caller's contract.
        let bits = unsafe { read_in(features.cast_const()) }?;
        // SAFETY: NULL or a NUL-terminated string by the caller's contract.
        let mut buf = [0u8; FEAT_WORD_MAX];
        let word = unsafe { c_word(word, &mut buf) }?;
        let mut f = Features::from_bits(bits).ok_or(Error::InvalidArgument)?;
        if !f.apply_debugfs(word) {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: `features` passed the out-pointer checks in read_in.
        unsafe { write_out(features, f.bits()) };
        Ok(EEVDF_OK)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_match_the_rust_names() {
        for (id, p) in Profile::PRESETS.iter().enumerate() {
            let got = eevdf_profile_name(id as u32);
            // SAFETY: a static C string from the table.
            let got = unsafe { CStr::from_ptr(got) }.to_str().unwrap();
            assert_eq!(got, p.name());
        }
        assert!(eevdf_profile_name(EEVDF_PROFILE_COUNT).is_null());
        assert!(eevdf_profile_name(u32::MAX).is_null());
    }

    #[test]
    fn feature_constants_cover_every_named_feature() {
        assert_eq!(FEATURE_BITS.len(), Features::NAMES.len());
        for ((bits, f), (_, named)) in FEATURE_BITS.iter().zip(Features::NAMES.iter()) {
            assert_eq!(*f, *named);
            assert_eq!(*bits, named.bits());
        }
    }

    #[test]
    fn version_is_the_package_version() {
        // SAFETY: a static C string.
        let v = unsafe { CStr::from_ptr(eevdf_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
