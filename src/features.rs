//! Scheduler features (`kernel/sched/features.h`) with per-release defaults.
//!
//! The kernel compiles each feature in with a default and lets debugfs toggle it
//! (`echo NO_PLACE_LAG > /sys/kernel/debug/sched/features`). Here a feature set
//! is a [`Features`] bitflags value; [`Features::defaults`] gives a release's
//! defaults and [`Features::available`] the features that release has at all
//! (spec §5).

use crate::profile::Release;

bitflags::bitflags! {
    /// A set of scheduler features. Bit positions are stable (the C ABI uses them).
    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Features: u64 {
        /// Preserve vlag across sleep and migration (§3.4); off places at V.
        const PLACE_LAG = 1 << 0;
        /// A forked task's first deadline uses vslice/2 (§3.4).
        const PLACE_DEADLINE_INITIAL = 1 << 1;
        /// Keep the deadline relative across a non-sleep dequeue/enqueue (≥ 6.12).
        const PLACE_REL_DEADLINE = 1 << 2;
        /// Slice protection (§4.3).
        const RUN_TO_PARITY = 1 << 3;
        /// A wakee with a shorter slice may bypass protection (≥ 6.12).
        const PREEMPT_SHORT = 1 << 4;
        /// Mark the wakee as next buddy.
        const NEXT_BUDDY = 1 << 5;
        /// Honour `cfs_rq.next` in picks when it is eligible (≥ 6.12).
        const PICK_BUDDY = 1 << 6;
        /// The load balancer treats buddies as cache-hot.
        const CACHE_HOT_BUDDY = 1 << 7;
        /// Keep ineligible sleepers queued until their lag is burnt off (§4.7).
        const DELAY_DEQUEUE = 1 << 8;
        /// Clip a delayed entity's lag to ≤ 0.
        const DELAY_ZERO = 1 << 9;
        /// Overflow-checked S/W with `sum_shift` (§2.5; 7.1, default off).
        const PARANOID_AVG = 1 << 10;
        /// Allow wakeup preemption at all.
        const WAKEUP_PREEMPTION = 1 << 11;
        /// Slice-end hrtimer for fair tasks.
        const HRTICK = 1 << 12;
        /// Slice-end hrtimer for deadline tasks.
        const HRTICK_DL = 1 << 13;
        /// Feed irq and steal time into CPU capacity (§8.4).
        const NONTASK_CAPACITY = 1 << 14;
        /// Queue remote wakeups.
        const TTWU_QUEUE = 1 << 15;
        /// Bound the idle-CPU scan by LLC utilisation.
        const SIS_UTIL = 1 << 16;
        /// Proportional idle-CPU scan (6.6 only).
        const SIS_PROP = 1 << 17;
        /// Age the load of a migrating task at attach.
        const ATTACH_AGE_LOAD = 1 << 18;
        /// `wake_affine_idle` (§8.2).
        const WA_IDLE = 1 << 19;
        /// `wake_affine_weight` (§8.3).
        const WA_WEIGHT = 1 << 20;
        /// The `imbalance_pct` bias in `wake_affine_weight`.
        const WA_BIAS = 1 << 21;
        /// util_est EWMA (§7.7).
        const UTIL_EST = 1 << 22;
        /// util_est fast ramp-up (6.6 only).
        const UTIL_EST_FASTUP = 1 << 23;
        /// Warn about long need-resched latency.
        const LATENCY_WARN = 1 << 24;
        /// Bandwidth timer at HZ granularity (6.6 only).
        const HZ_BW = 1 << 25;
        /// Randomised newidle balance gating (≥ 6.19).
        const NI_RANDOM = 1 << 26;
        /// Rate-limited newidle balance (7.1).
        const NI_RATE = 1 << 27;
        /// Double tick (6.6 only).
        const DOUBLE_TICK = 1 << 28;
        /// Warn on double clock updates.
        const WARN_DOUBLE_CLOCK = 1 << 29;
        /// RT push via IPI.
        const RT_PUSH_IPI = 1 << 30;
        /// RT runtime sharing.
        const RT_RUNTIME_SHARE = 1 << 31;
        /// Load-balancer minimum.
        const LB_MIN = 1 << 32;
    }
}

impl Features {
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
