//! Scheduler features (`kernel/sched/features.h`) with per-release defaults.
//!
//! The kernel compiles each feature in with a default and lets debugfs toggle it
//! (`echo NO_PLACE_LAG > /sys/kernel/debug/sched/features`). Here a feature set
//! is a [`Features`] bitflags value; [`Features::defaults`] gives a release's
//! defaults and [`Features::available`] the features that release has at all.
//!
//! Both, and the debugfs names, come from one table with a row per
//! `SCHED_FEAT(name, default)` line: its bit, the first and last modelled
//! release whose `kernel/sched/features.h` has the line, and its default in
//! each release.

use crate::profile::Release;

/// A set of scheduler features. Bit positions are stable (the C ABI uses them).
///
/// A plain `u64` bit set with `const` operations (the crate deliberately avoids a
/// flags dependency so that its freestanding C library never links `std`).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Features(u64);

impl Features {
    /// Preserve vlag across sleep and migration (`place_entity()`); off places at V.
    pub const PLACE_LAG: Features = Features(1 << 0);
    /// A forked task's first deadline uses vslice/2 (`place_entity()`; in v6.6
    /// only at fork, overwritten by the first enqueue).
    pub const PLACE_DEADLINE_INITIAL: Features = Features(1 << 1);
    /// Keep the deadline relative across a non-sleep dequeue/enqueue (≥ 6.12).
    pub const PLACE_REL_DEADLINE: Features = Features(1 << 2);
    /// Slice protection (v6.6: the `vlag == deadline` marker; ≥ 6.18:
    /// `set_protect_slice()`/`protect_slice()`).
    pub const RUN_TO_PARITY: Features = Features(1 << 3);
    /// A wakee with a shorter slice may bypass protection (≥ 6.12).
    pub const PREEMPT_SHORT: Features = Features(1 << 4);
    /// Mark the wakee as next buddy.
    pub const NEXT_BUDDY: Features = Features(1 << 5);
    /// Honour `cfs_rq.next` in picks when it is eligible (≥ 6.12).
    pub const PICK_BUDDY: Features = Features(1 << 6);
    /// The load balancer treats buddies as cache-hot.
    pub const CACHE_HOT_BUDDY: Features = Features(1 << 7);
    /// Keep ineligible sleepers queued until their lag is burnt off (≥ 6.12,
    /// 152e11f6df29).
    pub const DELAY_DEQUEUE: Features = Features(1 << 8);
    /// Clip a delayed entity's lag to ≤ 0.
    pub const DELAY_ZERO: Features = Features(1 << 9);
    /// Overflow-checked S/W with `sum_shift` (7.1, 4823725d9d1d; default off).
    ///
    /// Not modelled: the library keeps `sum_shift` at 0 whatever this bit says.
    /// The kernel only shifts after an S or W overflow, so results agree with
    /// a PARANOID_AVG kernel until the first overflow, which the library then
    /// reports as a wrap (`EEVDF_WRAPPED` in C) instead of rebuilding the sums.
    pub const PARANOID_AVG: Features = Features(1 << 10);
    /// Allow wakeup preemption at all.
    pub const WAKEUP_PREEMPTION: Features = Features(1 << 11);
    /// Slice-end hrtimer for fair tasks.
    pub const HRTICK: Features = Features(1 << 12);
    /// Slice-end hrtimer for deadline tasks.
    pub const HRTICK_DL: Features = Features(1 << 13);
    /// Feed irq and steal time into CPU capacity (`update_rq_clock_task()`).
    pub const NONTASK_CAPACITY: Features = Features(1 << 14);
    /// Queue remote wakeups.
    pub const TTWU_QUEUE: Features = Features(1 << 15);
    /// Bound the idle-CPU scan by LLC utilisation.
    pub const SIS_UTIL: Features = Features(1 << 16);
    /// Proportional idle-CPU scan (6.6 only).
    pub const SIS_PROP: Features = Features(1 << 17);
    /// Age the load of a migrating task at attach.
    pub const ATTACH_AGE_LOAD: Features = Features(1 << 18);
    /// `wake_affine_idle`.
    pub const WA_IDLE: Features = Features(1 << 19);
    /// `wake_affine_weight`.
    pub const WA_WEIGHT: Features = Features(1 << 20);
    /// The `imbalance_pct` bias in `wake_affine_weight`.
    pub const WA_BIAS: Features = Features(1 << 21);
    /// util_est EWMA (`util_est_update`).
    pub const UTIL_EST: Features = Features(1 << 22);
    /// util_est fast ramp-up (6.6 only).
    pub const UTIL_EST_FASTUP: Features = Features(1 << 23);
    /// Warn about long need-resched latency.
    pub const LATENCY_WARN: Features = Features(1 << 24);
    /// Bandwidth timer at HZ granularity (6.6 only).
    pub const HZ_BW: Features = Features(1 << 25);
    /// Randomised newidle balance gating (≥ 6.19).
    pub const NI_RANDOM: Features = Features(1 << 26);
    /// Rate-limited newidle balance (7.1).
    pub const NI_RATE: Features = Features(1 << 27);
    /// Double tick (6.6 only).
    pub const DOUBLE_TICK: Features = Features(1 << 28);
    /// Warn on double clock updates.
    pub const WARN_DOUBLE_CLOCK: Features = Features(1 << 29);
    /// RT push via IPI.
    pub const RT_PUSH_IPI: Features = Features(1 << 30);
    /// RT runtime sharing.
    pub const RT_RUNTIME_SHARE: Features = Features(1 << 31);
    /// Load-balancer minimum.
    pub const LB_MIN: Features = Features(1 << 32);
    /// CFS (≤ v6.5): halve the sleeper credit of `place_entity` (half of
    /// `sysctl_sched_latency`).
    pub const GENTLE_FAIR_SLEEPERS: Features = Features(1 << 33);
    /// CFS (≤ v6.5): place a forked task one vslice after `min_vruntime`.
    pub const START_DEBIT: Features = Features(1 << 34);
    /// CFS (≤ v6.5): a preempted curr becomes the last buddy, so that the
    /// pick returns to it when the wakee sleeps again soon.
    pub const LAST_BUDDY: Features = Features(1 << 35);
    /// CFS (v5.13 … v6.5, 0c2de3f054a5): `sched_slice`'s period counts every
    /// fair task of the CPU (`rq.cfs.h_nr_running`).
    pub const ALT_PERIOD: Features = Features(1 << 36);
    /// CFS (v5.13 … v6.5, 0c2de3f054a5): a slice is at least
    /// `sysctl_sched_min_granularity`.
    pub const BASE_SLICE: Features = Features(1 << 37);
    /// 86bfbb7ce4f6 "sched/fair: Add lag based placement" (default off; in
    /// no release: 76cae9dbe185 removed it within the v6.6 series): keep
    /// v6.5's sleeper credit on top of the lag placement — a wakee moves
    /// back by the (GENTLE_FAIR_SLEEPERS-halved) latency and never before its
    /// own vruntime. Read only by that commit's placement rule.
    pub const FAIR_SLEEPERS: Features = Features(1 << 38);

    /// Every feature name with its flag, in bit order (the debugfs spelling).
    pub const NAMES: [(&'static str, Features); 39] = {
        let mut names = [("", Features(0)); 39];
        let mut i = 0;
        while i < TABLE.len() {
            names[i] = (TABLE[i].name, TABLE[i].flag);
            i += 1;
        }
        names
    };

    /// No feature.
    pub const fn empty() -> Features {
        Features(0)
    }

    /// Every feature this crate knows.
    pub const fn all() -> Features {
        let mut bits = 0;
        let mut i = 0;
        while i < Features::NAMES.len() {
            bits |= Features::NAMES[i].1 .0;
            i += 1;
        }
        Features(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The set with these bits, or `None` if a bit names no feature.
    pub const fn from_bits(bits: u64) -> Option<Features> {
        if bits & !Features::all().0 == 0 {
            Some(Features(bits))
        } else {
            None
        }
    }

    /// The set with these bits, unknown bits dropped.
    pub const fn from_bits_truncate(bits: u64) -> Features {
        Features(bits & Features::all().0)
    }

    /// True for the empty set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Every feature of `other` is in `self`.
    pub const fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// Some feature of `other` is in `self`.
    pub const fn intersects(self, other: Features) -> bool {
        self.0 & other.0 != 0
    }

    /// `self ∪ other`.
    pub const fn union(self, other: Features) -> Features {
        Features(self.0 | other.0)
    }

    /// `self ∩ other`.
    pub const fn intersection(self, other: Features) -> Features {
        Features(self.0 & other.0)
    }

    /// `self ∖ other`.
    pub const fn difference(self, other: Features) -> Features {
        Features(self.0 & !other.0)
    }

    /// Adds `other`.
    pub fn insert(&mut self, other: Features) {
        self.0 |= other.0;
    }

    /// Removes `other`.
    pub fn remove(&mut self, other: Features) {
        self.0 &= !other.0;
    }

    /// Adds or removes `other`.
    pub fn set(&mut self, other: Features, on: bool) {
        if on {
            self.insert(other)
        } else {
            self.remove(other)
        }
    }

    /// The feature called `name` (`"PLACE_LAG"`), if any.
    pub fn from_name(name: &str) -> Option<Features> {
        Features::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, f)| f)
    }

    /// Applies a debugfs `sched/features` write: `"NAME"` sets a feature and
    /// `"NO_NAME"` clears it. Surrounding whitespace is ignored, as the
    /// kernel's `strstrip` does (`echo` appends a newline). Returns false (and
    /// changes nothing) for an unknown name.
    ///
    /// ```
    /// use eevdf::{Features, Release};
    /// let mut f = Features::defaults(Release::Linux6_6);
    /// assert!(f.apply_debugfs("NO_PLACE_LAG"));
    /// assert!(!f.contains(Features::PLACE_LAG));
    /// assert!(f.apply_debugfs("PLACE_LAG\n"));
    /// assert!(f.contains(Features::PLACE_LAG));
    /// assert!(!f.apply_debugfs("NO_SUCH_THING"));
    /// ```
    pub fn apply_debugfs(&mut self, word: &str) -> bool {
        let word = word.trim();
        let (name, on) = match word.strip_prefix("NO_") {
            Some(rest) => (rest, false),
            None => (word, true),
        };
        match Features::from_name(name) {
            Some(f) => {
                self.set(f, on);
                true
            }
            None => false,
        }
    }

    /// The names of the features in the set, in bit order.
    pub fn iter_names(self) -> impl Iterator<Item = &'static str> {
        Features::NAMES
            .iter()
            .filter(move |(_, f)| self.contains(*f))
            .map(|(n, _)| *n)
    }
    /// The compile-time defaults of `release`, for a kernel without
    /// PREEMPT_RT and without CONFIG_HRTIMER_REARM_DEFERRED: the `SCHED_FEAT`
    /// lines of that release's `kernel/sched/features.h` whose default is true.
    ///
    /// ```
    /// use eevdf::{Features, Release};
    /// assert!(Features::defaults(Release::Linux7_1).contains(Features::DELAY_DEQUEUE));
    /// assert!(!Features::defaults(Release::Linux6_6).contains(Features::DELAY_DEQUEUE));
    /// ```
    pub const fn defaults(release: Release) -> Features {
        DEFAULTS[column(release)]
    }

    /// Every feature that exists in `release` (whatever its default): the
    /// `SCHED_FEAT` lines of that release's `kernel/sched/features.h`.
    pub const fn available(release: Release) -> Features {
        AVAILABLE[column(release)]
    }
}

/// The number of modelled releases: the columns of a [`Feat`] row.
const RELEASES: usize = 5;

/// The column of `release` in a [`Feat`] row: releases in time order.
const fn column(release: Release) -> usize {
    release.chronological() as usize
}

/// One `SCHED_FEAT(name, default)` line of `kernel/sched/features.h` across
/// the modelled releases.
#[derive(Clone, Copy)]
struct Feat {
    /// The debugfs spelling.
    name: &'static str,
    /// Its bit (row i is bit i).
    flag: Features,
    /// The first and the last modelled release that have the line; `None`
    /// for a line of an intermediate tree only (no modelled release has it).
    range: Option<(Release, Release)>,
    /// The default in each release, by [`column`]; false where the line is
    /// absent.
    on: [bool; RELEASES],
}

impl Feat {
    /// The line is in the release of column `c`.
    const fn exists(&self, c: usize) -> bool {
        match self.range {
            Some((first, last)) => column(first) <= c && c <= column(last),
            None => false,
        }
    }
}

const Y: bool = true;
const N: bool = false;

/// A row: the name is the constant's, so that they cannot disagree.
macro_rules! feat {
    ($name:ident, $first:ident ..= $last:ident, $on:expr) => {
        Feat {
            name: stringify!($name),
            flag: Features::$name,
            range: Some((Release::$first, Release::$last)),
            on: $on,
        }
    };
    ($name:ident, none, $on:expr) => {
        Feat {
            name: stringify!($name),
            flag: Features::$name,
            range: None,
            on: $on,
        }
    };
}

/// The features of every modelled release, in bit order. Defaults are those
/// of a kernel without PREEMPT_RT and without CONFIG_HRTIMER_REARM_DEFERRED.
#[rustfmt::skip]
const TABLE: [Feat; 39] = [
    //    name                     exists in              6.5 6.6 6.18 7.0 7.1
    feat!(PLACE_LAG,               Linux6_6 ..= Linux7_1, [N, Y, Y, Y, Y]),
    feat!(PLACE_DEADLINE_INITIAL,  Linux6_6 ..= Linux7_1, [N, Y, Y, Y, Y]),
    feat!(PLACE_REL_DEADLINE,      Linux6_18..= Linux7_1, [N, N, Y, Y, Y]),
    feat!(RUN_TO_PARITY,           Linux6_6 ..= Linux7_1, [N, Y, Y, Y, Y]),
    feat!(PREEMPT_SHORT,           Linux6_18..= Linux7_1, [N, N, Y, Y, Y]),
    feat!(NEXT_BUDDY,              Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    feat!(PICK_BUDDY,              Linux6_18..= Linux7_1, [N, N, Y, Y, Y]),
    feat!(CACHE_HOT_BUDDY,         Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(DELAY_DEQUEUE,           Linux6_18..= Linux7_1, [N, N, Y, Y, Y]),
    feat!(DELAY_ZERO,              Linux6_18..= Linux7_1, [N, N, Y, Y, Y]),
    feat!(PARANOID_AVG,            Linux7_1 ..= Linux7_1, [N, N, N, N, N]),
    feat!(WAKEUP_PREEMPTION,       Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(HRTICK,                  Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    feat!(HRTICK_DL,               Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    feat!(NONTASK_CAPACITY,        Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(TTWU_QUEUE,              Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(SIS_UTIL,                Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(SIS_PROP,                Linux6_5 ..= Linux6_6, [N, N, N, N, N]),
    feat!(ATTACH_AGE_LOAD,         Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(WA_IDLE,                 Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(WA_WEIGHT,               Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(WA_BIAS,                 Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(UTIL_EST,                Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, Y]),
    feat!(UTIL_EST_FASTUP,         Linux6_5 ..= Linux6_6, [Y, Y, N, N, N]),
    feat!(LATENCY_WARN,            Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    // 88c56cfeaec4 (v6.6 merge window).
    feat!(HZ_BW,                   Linux6_6 ..= Linux6_6, [N, Y, N, N, N]),
    feat!(NI_RANDOM,               Linux7_0 ..= Linux7_1, [N, N, N, Y, Y]),
    feat!(NI_RATE,                 Linux7_1 ..= Linux7_1, [N, N, N, N, Y]),
    feat!(DOUBLE_TICK,             Linux6_5 ..= Linux6_6, [N, N, N, N, N]),
    feat!(WARN_DOUBLE_CLOCK,       Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    // 7.1 defaults it on only with PREEMPT_RT.
    feat!(RT_PUSH_IPI,             Linux6_5 ..= Linux7_1, [Y, Y, Y, Y, N]),
    feat!(RT_RUNTIME_SHARE,        Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    feat!(LB_MIN,                  Linux6_5 ..= Linux7_1, [N, N, N, N, N]),
    // The CFS lines, gone with e0c2ff903c32/76cae9dbe185 (START_DEBIT,
    // GENTLE_FAIR_SLEEPERS) and 5e963f2bd465 (the rest) in the v6.6 EEVDF series.
    feat!(GENTLE_FAIR_SLEEPERS,    Linux6_5 ..= Linux6_5, [Y, N, N, N, N]),
    feat!(START_DEBIT,             Linux6_5 ..= Linux6_5, [Y, N, N, N, N]),
    feat!(LAST_BUDDY,              Linux6_5 ..= Linux6_5, [Y, N, N, N, N]),
    feat!(ALT_PERIOD,              Linux6_5 ..= Linux6_5, [Y, N, N, N, N]),
    feat!(BASE_SLICE,              Linux6_5 ..= Linux6_5, [Y, N, N, N, N]),
    // Only in the v6.6 series between 86bfbb7ce4f6 and 76cae9dbe185 (default
    // off there): the tree Profile::LINUX_6_5_PLACE_LAG models.
    feat!(FAIR_SLEEPERS,           none,                  [N, N, N, N, N]),
];

// The table's shape, checked at compile time: row i is bit i (so `NAMES` is in
// bit order and the C constants keep their values), each row's releases are
// in order, and a feature defaults on only where it exists.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        let f = &TABLE[i];
        assert!(f.flag.0 == 1 << i, "feature table: row i must be bit i");
        if let Some((first, last)) = f.range {
            assert!(
                column(first) <= column(last),
                "feature table: first release after last"
            );
        }
        let mut c = 0;
        while c < RELEASES {
            assert!(
                !f.on[c] || f.exists(c),
                "feature table: default on where the feature does not exist"
            );
            c += 1;
        }
        i += 1;
    }
};

/// [`Features::defaults`] per [`column`], folded from [`TABLE`] at compile time.
const DEFAULTS: [Features; RELEASES] = fold(false);
/// [`Features::available`] per [`column`], folded from [`TABLE`] at compile time.
const AVAILABLE: [Features; RELEASES] = fold(true);

/// Per release column, the union of the rows that exist there (`exists`) or
/// that default on there (otherwise).
const fn fold(exists: bool) -> [Features; RELEASES] {
    let mut out = [Features(0); RELEASES];
    let mut i = 0;
    while i < TABLE.len() {
        let f = &TABLE[i];
        let mut c = 0;
        while c < RELEASES {
            if (exists && f.exists(c)) || (!exists && f.on[c]) {
                out[c].0 |= f.flag.0;
            }
            c += 1;
        }
        i += 1;
    }
    out
}

impl core::ops::BitOr for Features {
    type Output = Features;
    fn bitor(self, rhs: Features) -> Features {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for Features {
    fn bitor_assign(&mut self, rhs: Features) {
        self.insert(rhs)
    }
}

impl core::ops::BitAnd for Features {
    type Output = Features;
    fn bitand(self, rhs: Features) -> Features {
        self.intersection(rhs)
    }
}

impl core::ops::Sub for Features {
    type Output = Features;
    fn sub(self, rhs: Features) -> Features {
        self.difference(rhs)
    }
}

impl core::ops::Not for Features {
    type Output = Features;
    fn not(self) -> Features {
        Features::all().difference(self)
    }
}

impl core::fmt::Debug for Features {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Features(")?;
        for (i, n) in self.iter_names().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(n)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_spec_table_5() {
        use Features as F;
        // kernel/sched/features.h defaults (v6.6.0, v6.18.2, v6.19.0/v7.0.0, v7.1.5)
        // that differ between releases.
        let d66 = F::defaults(Release::Linux6_6);
        let d618 = F::defaults(Release::Linux6_18);
        let d70 = F::defaults(Release::Linux7_0);
        let d71 = F::defaults(Release::Linux7_1);
        for d in [d66, d618, d70, d71] {
            assert!(d.contains(F::PLACE_LAG | F::PLACE_DEADLINE_INITIAL | F::RUN_TO_PARITY));
            assert!(d.contains(F::WA_IDLE | F::WA_WEIGHT | F::WA_BIAS | F::UTIL_EST));
            assert!(d.contains(F::WAKEUP_PREEMPTION | F::CACHE_HOT_BUDDY));
            assert!(!d.intersects(F::NEXT_BUDDY | F::HRTICK | F::PARANOID_AVG | F::LB_MIN));
        }
        assert!(!d66.intersects(
            F::PLACE_REL_DEADLINE | F::PREEMPT_SHORT | F::PICK_BUDDY | F::DELAY_DEQUEUE
        ));
        assert!(d66.contains(F::UTIL_EST_FASTUP | F::HZ_BW));
        for d in [d618, d70, d71] {
            assert!(d.contains(
                F::PLACE_REL_DEADLINE
                    | F::PREEMPT_SHORT
                    | F::PICK_BUDDY
                    | F::DELAY_DEQUEUE
                    | F::DELAY_ZERO
            ));
            assert!(!d.intersects(F::UTIL_EST_FASTUP | F::HZ_BW | F::SIS_PROP));
        }
        assert!(!d618.contains(F::NI_RANDOM));
        assert!(d70.contains(F::NI_RANDOM) && !d70.contains(F::NI_RATE));
        assert!(d71.contains(F::NI_RANDOM | F::NI_RATE));
        assert!(d70.contains(F::RT_PUSH_IPI) && !d71.contains(F::RT_PUSH_IPI));
    }

    #[test]
    fn cfs_6_5_defaults_are_its_features_h() {
        use Features as F;
        // kernel/sched/features.h of v6.5.0: the CFS lines on, no EEVDF line.
        let d65 = F::defaults(Release::Linux6_5);
        let cfs = F::GENTLE_FAIR_SLEEPERS | F::START_DEBIT | F::LAST_BUDDY | F::ALT_PERIOD;
        assert!(d65.contains(cfs | F::BASE_SLICE | F::WAKEUP_PREEMPTION | F::CACHE_HOT_BUDDY));
        assert!(d65.contains(F::UTIL_EST_FASTUP | F::SIS_UTIL | F::WA_IDLE));
        assert!(!d65.intersects(F::NEXT_BUDDY | F::SIS_PROP | F::HZ_BW));
        assert!(!F::available(Release::Linux6_5).intersects(
            F::PLACE_LAG | F::RUN_TO_PARITY | F::PLACE_DEADLINE_INITIAL | F::DELAY_DEQUEUE
        ));
        for r in [
            Release::Linux6_6,
            Release::Linux6_18,
            Release::Linux7_0,
            Release::Linux7_1,
        ] {
            assert!(!F::available(r).intersects(cfs | F::BASE_SLICE), "{r:?}");
        }
        assert_eq!(d65.bits(), 0x3e_40fd_c880);
        assert_eq!(F::available(Release::Linux6_5).bits(), 0x3f_f1ff_f8a0);
        assert!(F::from_name("GENTLE_FAIR_SLEEPERS") == Some(F::GENTLE_FAIR_SLEEPERS));
    }

    /// The bit sets `defaults` and `available` returned before they were
    /// derived from one table (the two parallel lists of commit d019b04),
    /// pinned so that the table cannot change them: `kernel/sched/features.h`
    /// of v6.6, v6.18.2, v7.0 and v7.1.5 as this crate models them (no
    /// PREEMPT_RT, no CONFIG_HRTIMER_REARM_DEFERRED).
    #[test]
    fn defaults_and_available_are_the_pre_table_bit_sets() {
        let golden = [
            (Release::Linux6_6, 0x0_42fd_c88b, 0x1_f3ff_f8ab),
            (Release::Linux6_18, 0x0_407d_cbdf, 0x1_e17d_fbff),
            (Release::Linux7_0, 0x0_447d_cbdf, 0x1_e57d_fbff),
            (Release::Linux7_1, 0x0_0c7d_cbdf, 0x1_ed7d_ffff),
        ];
        for (r, defaults, available) in golden {
            assert_eq!(Features::defaults(r).bits(), defaults, "{r:?}");
            assert_eq!(Features::available(r).bits(), available, "{r:?}");
        }
        // The five CFS lines of v6.5 took bits 33–37 and 86bfbb7ce4f6's
        // FAIR_SLEEPERS bit 38, without moving any other.
        assert_eq!(Features::all().bits(), 0x7f_ffff_ffff);
    }

    #[test]
    fn table_rows_match_their_release_ranges() {
        for r in [
            Release::Linux6_5,
            Release::Linux6_6,
            Release::Linux6_18,
            Release::Linux7_0,
            Release::Linux7_1,
        ] {
            for f in &TABLE {
                let exists = f.range.is_some_and(|(first, last)| first <= r && r <= last);
                assert_eq!(
                    Features::available(r).contains(f.flag),
                    exists,
                    "{}",
                    f.name
                );
                assert_eq!(
                    Features::defaults(r).contains(f.flag),
                    f.on[column(r)],
                    "{}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn names_and_debugfs_words() {
        assert_eq!(Features::NAMES.len(), 39);
        for (i, (name, f)) in Features::NAMES.iter().enumerate() {
            assert_eq!(f.bits(), 1 << i, "{name}");
            assert_eq!(Features::from_name(name), Some(*f));
        }
        assert_eq!(Features::from_bits(1 << 40), None);
        assert_eq!(Features::from_bits_truncate(u64::MAX), Features::all());
        let mut f = Features::PLACE_LAG | Features::DELAY_ZERO;
        assert!(f.apply_debugfs("NO_DELAY_ZERO") && f.apply_debugfs("RUN_TO_PARITY"));
        assert_eq!(f, Features::PLACE_LAG | Features::RUN_TO_PARITY);
        assert_eq!(std::format!("{f:?}"), "Features(PLACE_LAG | RUN_TO_PARITY)");
        assert_eq!(!Features::all(), Features::empty());
    }

    #[test]
    fn fair_sleepers_is_in_no_release_and_off() {
        // features.h at 86bfbb7ce4f6 adds FAIR_SLEEPERS (false); 76cae9dbe185
        // removes it before v6.6, so no modelled release has the line.
        let f = Features::FAIR_SLEEPERS;
        assert_eq!(f.bits(), 1 << 38);
        assert_eq!(Features::from_name("FAIR_SLEEPERS"), Some(f));
        for r in [
            Release::Linux6_5,
            Release::Linux6_6,
            Release::Linux6_18,
            Release::Linux7_0,
            Release::Linux7_1,
        ] {
            assert!(!Features::available(r).contains(f), "{r:?}");
            assert!(!Features::defaults(r).contains(f), "{r:?}");
        }
        let mut g = Features::empty();
        assert!(g.apply_debugfs("FAIR_SLEEPERS"));
        assert_eq!(g, f);
    }

    #[test]
    fn defaults_are_available() {
        for r in [
            Release::Linux6_5,
            Release::Linux6_6,
            Release::Linux6_18,
            Release::Linux7_0,
            Release::Linux7_1,
        ] {
            assert!(Features::available(r).contains(Features::defaults(r)));
        }
        assert!(!Features::available(Release::Linux6_6).contains(Features::DELAY_DEQUEUE));
        assert!(Features::available(Release::Linux7_1).contains(Features::PARANOID_AVG));
        assert!(!Features::available(Release::Linux7_0).contains(Features::PARANOID_AVG));
    }
}
