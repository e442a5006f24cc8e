//! Scheduler features (`kernel/sched/features.h`) with per-release defaults.
//!
//! The kernel compiles each feature in with a default and lets debugfs toggle it
//! (`echo NO_PLACE_LAG > /sys/kernel/debug/sched/features`). Here a feature set
//! is a [`Features`] bitflags value; [`Features::defaults`] gives a release's
//! defaults and [`Features::available`] the features that release has at all
//! (spec §5).

use crate::profile::Release;

/// A set of scheduler features. Bit positions are stable (the C ABI uses them).
///
/// A plain `u64` bit set with `const` operations (the crate deliberately avoids a
/// flags dependency so that its freestanding C library never links `std`).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Features(u64);

impl Features {
    /// Preserve vlag across sleep and migration (§3.4); off places at V.
    pub const PLACE_LAG: Features = Features(1 << 0);
    /// A forked task's first deadline uses vslice/2 (§3.4).
    pub const PLACE_DEADLINE_INITIAL: Features = Features(1 << 1);
    /// Keep the deadline relative across a non-sleep dequeue/enqueue (≥ 6.12).
    pub const PLACE_REL_DEADLINE: Features = Features(1 << 2);
    /// Slice protection (§4.3).
    pub const RUN_TO_PARITY: Features = Features(1 << 3);
    /// A wakee with a shorter slice may bypass protection (≥ 6.12).
    pub const PREEMPT_SHORT: Features = Features(1 << 4);
    /// Mark the wakee as next buddy.
    pub const NEXT_BUDDY: Features = Features(1 << 5);
    /// Honour `cfs_rq.next` in picks when it is eligible (≥ 6.12).
    pub const PICK_BUDDY: Features = Features(1 << 6);
    /// The load balancer treats buddies as cache-hot.
    pub const CACHE_HOT_BUDDY: Features = Features(1 << 7);
    /// Keep ineligible sleepers queued until their lag is burnt off (§4.7).
    pub const DELAY_DEQUEUE: Features = Features(1 << 8);
    /// Clip a delayed entity's lag to ≤ 0.
    pub const DELAY_ZERO: Features = Features(1 << 9);
    /// Overflow-checked S/W with `sum_shift` (§2.5; 7.1, default off).
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
    /// Feed irq and steal time into CPU capacity (§8.4).
    pub const NONTASK_CAPACITY: Features = Features(1 << 14);
    /// Queue remote wakeups.
    pub const TTWU_QUEUE: Features = Features(1 << 15);
    /// Bound the idle-CPU scan by LLC utilisation.
    pub const SIS_UTIL: Features = Features(1 << 16);
    /// Proportional idle-CPU scan (6.6 only).
    pub const SIS_PROP: Features = Features(1 << 17);
    /// Age the load of a migrating task at attach.
    pub const ATTACH_AGE_LOAD: Features = Features(1 << 18);
    /// `wake_affine_idle` (§8.2).
    pub const WA_IDLE: Features = Features(1 << 19);
    /// `wake_affine_weight` (§8.3).
    pub const WA_WEIGHT: Features = Features(1 << 20);
    /// The `imbalance_pct` bias in `wake_affine_weight`.
    pub const WA_BIAS: Features = Features(1 << 21);
    /// util_est EWMA (§7.7).
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

    /// Every feature name with its flag, in bit order (the debugfs spelling).
    pub const NAMES: [(&'static str, Features); 33] = [
        ("PLACE_LAG", Features::PLACE_LAG),
        ("PLACE_DEADLINE_INITIAL", Features::PLACE_DEADLINE_INITIAL),
        ("PLACE_REL_DEADLINE", Features::PLACE_REL_DEADLINE),
        ("RUN_TO_PARITY", Features::RUN_TO_PARITY),
        ("PREEMPT_SHORT", Features::PREEMPT_SHORT),
        ("NEXT_BUDDY", Features::NEXT_BUDDY),
        ("PICK_BUDDY", Features::PICK_BUDDY),
        ("CACHE_HOT_BUDDY", Features::CACHE_HOT_BUDDY),
        ("DELAY_DEQUEUE", Features::DELAY_DEQUEUE),
        ("DELAY_ZERO", Features::DELAY_ZERO),
        ("PARANOID_AVG", Features::PARANOID_AVG),
        ("WAKEUP_PREEMPTION", Features::WAKEUP_PREEMPTION),
        ("HRTICK", Features::HRTICK),
        ("HRTICK_DL", Features::HRTICK_DL),
        ("NONTASK_CAPACITY", Features::NONTASK_CAPACITY),
        ("TTWU_QUEUE", Features::TTWU_QUEUE),
        ("SIS_UTIL", Features::SIS_UTIL),
        ("SIS_PROP", Features::SIS_PROP),
        ("ATTACH_AGE_LOAD", Features::ATTACH_AGE_LOAD),
        ("WA_IDLE", Features::WA_IDLE),
        ("WA_WEIGHT", Features::WA_WEIGHT),
        ("WA_BIAS", Features::WA_BIAS),
        ("UTIL_EST", Features::UTIL_EST),
        ("UTIL_EST_FASTUP", Features::UTIL_EST_FASTUP),
        ("LATENCY_WARN", Features::LATENCY_WARN),
        ("HZ_BW", Features::HZ_BW),
        ("NI_RANDOM", Features::NI_RANDOM),
        ("NI_RATE", Features::NI_RATE),
        ("DOUBLE_TICK", Features::DOUBLE_TICK),
        ("WARN_DOUBLE_CLOCK", Features::WARN_DOUBLE_CLOCK),
        ("RT_PUSH_IPI", Features::RT_PUSH_IPI),
        ("RT_RUNTIME_SHARE", Features::RT_RUNTIME_SHARE),
        ("LB_MIN", Features::LB_MIN),
    ];

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
    /// The compile-time defaults of `release` (spec §5), for a kernel without
    /// PREEMPT_RT and without CONFIG_HRTIMER_REARM_DEFERRED.
    ///
    /// ```
    /// use eevdf::{Features, Release};
    /// assert!(Features::defaults(Release::Linux7_1).contains(Features::DELAY_DEQUEUE));
    /// assert!(!Features::defaults(Release::Linux6_6).contains(Features::DELAY_DEQUEUE));
    /// ```
    pub const fn defaults(release: Release) -> Features {
        let common = Features::PLACE_LAG
            .union(Features::PLACE_DEADLINE_INITIAL)
            .union(Features::RUN_TO_PARITY)
            .union(Features::CACHE_HOT_BUDDY)
            .union(Features::WAKEUP_PREEMPTION)
            .union(Features::NONTASK_CAPACITY)
            .union(Features::TTWU_QUEUE)
            .union(Features::SIS_UTIL)
            .union(Features::ATTACH_AGE_LOAD)
            .union(Features::WA_IDLE)
            .union(Features::WA_WEIGHT)
            .union(Features::WA_BIAS)
            .union(Features::UTIL_EST);
        let since_6_12 = Features::PLACE_REL_DEADLINE
            .union(Features::PREEMPT_SHORT)
            .union(Features::PICK_BUDDY)
            .union(Features::DELAY_DEQUEUE)
            .union(Features::DELAY_ZERO);
        match release {
            Release::Linux6_6 => common
                .union(Features::UTIL_EST_FASTUP)
                .union(Features::HZ_BW)
                .union(Features::RT_PUSH_IPI),
            Release::Linux6_18 => common.union(since_6_12).union(Features::RT_PUSH_IPI),
            Release::Linux7_0 => common
                .union(since_6_12)
                .union(Features::RT_PUSH_IPI)
                .union(Features::NI_RANDOM),
            // RT_PUSH_IPI defaults on only with PREEMPT_RT in 7.1.
            Release::Linux7_1 => common
                .union(since_6_12)
                .union(Features::NI_RANDOM)
                .union(Features::NI_RATE),
        }
    }

    /// Every feature that exists in `release` (whatever its default).
    pub const fn available(release: Release) -> Features {
        let everywhere = Features::PLACE_LAG
            .union(Features::PLACE_DEADLINE_INITIAL)
            .union(Features::RUN_TO_PARITY)
            .union(Features::NEXT_BUDDY)
            .union(Features::CACHE_HOT_BUDDY)
            .union(Features::WAKEUP_PREEMPTION)
            .union(Features::HRTICK)
            .union(Features::HRTICK_DL)
            .union(Features::NONTASK_CAPACITY)
            .union(Features::TTWU_QUEUE)
            .union(Features::SIS_UTIL)
            .union(Features::WARN_DOUBLE_CLOCK)
            .union(Features::RT_PUSH_IPI)
            .union(Features::RT_RUNTIME_SHARE)
            .union(Features::LB_MIN)
            .union(Features::ATTACH_AGE_LOAD)
            .union(Features::WA_IDLE)
            .union(Features::WA_WEIGHT)
            .union(Features::WA_BIAS)
            .union(Features::UTIL_EST)
            .union(Features::LATENCY_WARN);
        let since_6_12 = Features::PLACE_REL_DEADLINE
            .union(Features::PREEMPT_SHORT)
            .union(Features::PICK_BUDDY)
            .union(Features::DELAY_DEQUEUE)
            .union(Features::DELAY_ZERO);
        match release {
            Release::Linux6_6 => everywhere
                .union(Features::DOUBLE_TICK)
                .union(Features::SIS_PROP)
                .union(Features::UTIL_EST_FASTUP)
                .union(Features::HZ_BW),
            Release::Linux6_18 => everywhere.union(since_6_12),
            Release::Linux7_0 => everywhere.union(since_6_12).union(Features::NI_RANDOM),
            Release::Linux7_1 => everywhere
                .union(since_6_12)
                .union(Features::NI_RANDOM)
                .union(Features::NI_RATE)
                .union(Features::PARANOID_AVG),
        }
    }
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
        // Rows of spec §5 that differ between releases.
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
    fn names_and_debugfs_words() {
        assert_eq!(Features::NAMES.len(), 33);
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
    fn defaults_are_available() {
        for r in [
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
