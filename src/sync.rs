//! Concurrent pieces: a task group's `load_avg` aggregate updated by per-CPU
//! contributors, and a seqlock snapshot of a run queue's summary.
//!
//! Both use only `core::sync::atomic` (no `unsafe`, no allocation, no locks
//! that can block a reader). Under `--cfg loom` the atomics are loom's, so the
//! tests in `tests/loom.rs` explore every interleaving.
//!
//! * [`GroupLoad`] / [`GroupLoadContrib`]: `tg.load_avg` ≈ Σ per-CPU
//!   `grq.avg.load_avg`. Each CPU owns its contributor and publishes a delta
//!   with a single atomic add, only when [`update_tg_load_avg`] says so (the
//!   rule lives once, in [`crate::group`]). After every contributor has
//!   published, `load_avg` equals the sum of their contributions (mod 2⁶⁴), as
//!   no add is lost.
//! * [`RqSnapshot`]: one writer publishes `(V, W, nr_running, load_avg)`; any
//!   number of readers get a consistent tuple or retry.
//!
//! ```
//! use eevdf::sync::{GroupLoad, GroupLoadContrib};
//! use eevdf::Release;
//! let tg = GroupLoad::new();
//! let (mut cpu0, mut cpu1) = (GroupLoadContrib::new(), GroupLoadContrib::new());
//! cpu0.update(Release::Linux7_1, &tg, true, 2_000_000, 1024);
//! cpu1.update(Release::Linux7_1, &tg, true, 2_000_000, 512);
//! assert_eq!(tg.load_avg(), 1536);
//! cpu1.clear(&tg); // CPU 1 goes offline
//! assert_eq!(tg.load_avg(), 1024);
//! ```

#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicI64, AtomicU32, AtomicU64, Ordering};

#[cfg(not(loom))]
use core::sync::atomic::{fence, AtomicI64, AtomicU32, AtomicU64, Ordering};

use crate::group::{clear_tg_load_avg, update_tg_load_avg, TgLoadAvgInput};
use crate::profile::Profile;
#[cfg(test)]
use crate::profile::Release;

/// A hint inside a retry loop: `core::hint::spin_loop`, or a loom yield so
/// that the model checker schedules the writer.
#[inline]
fn spin_hint() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    core::hint::spin_loop();
}

/// A task group's `load_avg` (`tg.load_avg`, an `atomic_long_t`): the sum of the
/// contributions its per-CPU run queues have published.
///
/// Shared by all CPUs. All accesses are relaxed, as the kernel's
/// `atomic_long_add`/`atomic_long_read`: the value is a statistic, read
/// without ordering against other data. Additions wrap mod 2⁶⁴ like the kernel's.
#[derive(Debug)]
pub struct GroupLoad {
    load_avg: AtomicI64,
    root: bool,
}

impl GroupLoad {
    /// A non-root group with `load_avg = 0`.
    #[cfg(not(loom))]
    pub const fn new() -> GroupLoad {
        GroupLoad {
            load_avg: AtomicI64::new(0),
            root: false,
        }
    }

    /// A non-root group with `load_avg = 0`.
    #[cfg(loom)]
    pub fn new() -> GroupLoad {
        GroupLoad {
            load_avg: AtomicI64::new(0),
            root: false,
        }
    }

    /// The root task group: contributors never publish to it (`update_tg_load_avg()`
    /// returns early for the root group, v6.6–v7.1).
    #[cfg(not(loom))]
    pub const fn root() -> GroupLoad {
        GroupLoad {
            load_avg: AtomicI64::new(0),
            root: true,
        }
    }

    /// The root task group: contributors never publish to it (`update_tg_load_avg()`
    /// returns early for the root group, v6.6–v7.1).
    #[cfg(loom)]
    pub fn root() -> GroupLoad {
        GroupLoad {
            load_avg: AtomicI64::new(0),
            root: true,
        }
    }

    /// Whether this is the root group.
    #[inline]
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// `atomic_long_read(&tg.load_avg)`: the current sum (relaxed). Feed it to
    /// [`crate::group::calc_group_shares`] as `tg_load_avg` (as `u64`).
    #[inline]
    pub fn load_avg(&self) -> i64 {
        self.load_avg.load(Ordering::Relaxed)
    }

    /// `atomic_long_add(delta, &tg.load_avg)`: one relaxed, wrapping atomic add.
    #[inline]
    pub fn add(&self, delta: i64) {
        self.load_avg.fetch_add(delta, Ordering::Relaxed);
    }
}

impl Default for GroupLoad {
    fn default() -> Self {
        GroupLoad::new()
    }
}

/// One CPU's side of a [`GroupLoad`]: `grq.tg_load_avg_contrib` and
/// `grq.last_update_tg_load_avg`. Owned by that CPU (it is `&mut` to update),
/// never shared.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupLoadContrib {
    /// The contribution last published to the group.
    pub tg_load_avg_contrib: u64,
    /// When it was published (ns; ≥ v6.18 rate limit).
    pub last_update_tg_load_avg: u64,
}

impl GroupLoadContrib {
    /// A contributor that has published nothing.
    pub const fn new() -> GroupLoadContrib {
        GroupLoadContrib {
            tg_load_avg_contrib: 0,
            last_update_tg_load_avg: 0,
        }
    }

    /// `update_tg_load_avg(grq)`: decide with
    /// [`crate::group::update_tg_load_avg`] and, if it fires, publish the delta
    /// with one atomic add and record the new contribution and timestamp.
    /// Returns the published delta.
    ///
    /// `now` is `sched_clock_cpu` (ns), `load_avg` is `grq.avg.load_avg`.
    pub fn update(
        &mut self,
        profile: impl Into<Profile>,
        group: &GroupLoad,
        cpu_active: bool,
        now: u64,
        load_avg: u64,
    ) -> Option<i64> {
        let input = TgLoadAvgInput {
            now,
            load_avg,
            tg_load_avg_contrib: self.tg_load_avg_contrib,
            last_update_tg_load_avg: self.last_update_tg_load_avg,
            is_root: group.is_root(),
            cpu_active,
        };
        let up = update_tg_load_avg(profile, &input)?;
        group.add(up.delta);
        self.tg_load_avg_contrib = up.tg_load_avg_contrib;
        self.last_update_tg_load_avg = up.last_update_tg_load_avg;
        Some(up.delta)
    }

    /// `clear_tg_load_avg(grq)`, when the CPU goes offline: subtract the whole
    /// contribution (one atomic add) and zero it. Returns the delta added.
    pub fn clear(&mut self, group: &GroupLoad) -> i64 {
        let up = clear_tg_load_avg(self.tg_load_avg_contrib, self.last_update_tg_load_avg);
        group.add(up.delta);
        self.tg_load_avg_contrib = up.tg_load_avg_contrib;
        up.delta
    }
}

/// A run queue's summary as other CPUs read it: V, total weight W, nr_running
/// and load_avg.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RqSummary {
    /// The weighted average virtual time V.
    pub v: u64,
    /// The total averaging weight W.
    pub w: u64,
    /// The PELT load average.
    pub load_avg: u64,
    /// The number of runnable tasks.
    pub nr_running: u32,
}

/// A seqlock-published [`RqSummary`]: one writer at a time, any number of
/// lock-free readers that never see a torn tuple.
///
/// The sequence counter is even when stable and odd while a write is in
/// progress. Data words are relaxed atomics; the ordering comes from the
/// counter and two fences (the C11 seqlock of Boehm, "Can seqlocks get along
/// with programming language memory models?", 2012):
///
/// ```text
/// writer: seq: s → s+1 (CAS, acquire); fence(release); data stores; seq = s+2 (release)
/// reader: s1 = seq (acquire), even; data loads; fence(acquire); s2 = seq; accept iff s1 = s2
/// ```
///
/// If a reader's data load sees any store of a write that started after `s1`,
/// the acquire fence pairs with that write's release fence, so the reader's
/// second load of seq sees at least `s1 + 1` and retries. Writers serialise by
/// the CAS (a second writer spins while the count is odd), so concurrent
/// writers are safe too, though the intended use is one writer: the CPU that
/// owns the run queue. The 64-bit counter cannot wrap in practice.
#[derive(Debug)]
pub struct RqSnapshot {
    seq: AtomicU64,
    v: AtomicU64,
    w: AtomicU64,
    load_avg: AtomicU64,
    nr_running: AtomicU32,
}

impl RqSnapshot {
    /// A snapshot holding `RqSummary::default()`.
    #[cfg(not(loom))]
    pub const fn new() -> RqSnapshot {
        RqSnapshot {
            seq: AtomicU64::new(0),
            v: AtomicU64::new(0),
            w: AtomicU64::new(0),
            load_avg: AtomicU64::new(0),
            nr_running: AtomicU32::new(0),
        }
    }

    /// A snapshot holding `RqSummary::default()`.
    #[cfg(loom)]
    pub fn new() -> RqSnapshot {
        RqSnapshot {
            seq: AtomicU64::new(0),
            v: AtomicU64::new(0),
            w: AtomicU64::new(0),
            load_avg: AtomicU64::new(0),
            nr_running: AtomicU32::new(0),
        }
    }

    /// Publish a new summary. Never blocks a reader; waits only for another
    /// writer that is in the middle of a write.
    pub fn write(&self, s: &RqSummary) {
        let mut cur = self.seq.load(Ordering::Relaxed);
        loop {
            if cur & 1 == 0 {
                match self.seq.compare_exchange_weak(
                    cur,
                    cur.wrapping_add(1),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => break,
                    Err(now) => cur = now,
                }
            } else {
                spin_hint();
                cur = self.seq.load(Ordering::Relaxed);
            }
        }
        fence(Ordering::Release);
        self.v.store(s.v, Ordering::Relaxed);
        self.w.store(s.w, Ordering::Relaxed);
        self.load_avg.store(s.load_avg, Ordering::Relaxed);
        self.nr_running.store(s.nr_running, Ordering::Relaxed);
        self.seq.store(cur.wrapping_add(2), Ordering::Release);
    }

    /// One read attempt: the summary if no write overlapped it.
    fn read_once(&self) -> Option<RqSummary> {
        let s1 = self.seq.load(Ordering::Acquire);
        if s1 & 1 != 0 {
            return None;
        }
        let out = RqSummary {
            v: self.v.load(Ordering::Relaxed),
            w: self.w.load(Ordering::Relaxed),
            load_avg: self.load_avg.load(Ordering::Relaxed),
            nr_running: self.nr_running.load(Ordering::Relaxed),
        };
        fence(Ordering::Acquire);
        let s2 = self.seq.load(Ordering::Relaxed);
        if s1 == s2 {
            Some(out)
        } else {
            None
        }
    }

    /// A consistent summary, trying at most `1 + retries` times; `None` if a
    /// write overlapped every attempt.
    pub fn try_read(&self, retries: u32) -> Option<RqSummary> {
        let mut left = retries;
        loop {
            if let Some(s) = self.read_once() {
                return Some(s);
            }
            if left == 0 {
                return None;
            }
            left -= 1;
            spin_hint();
        }
    }

    /// A consistent summary, retrying as long as writes overlap (lock-free
    /// for the writer, obstruction-free for the reader).
    pub fn read(&self) -> RqSummary {
        loop {
            if let Some(s) = self.read_once() {
                return s;
            }
            spin_hint();
        }
    }
}

impl Default for RqSnapshot {
    fn default() -> Self {
        RqSnapshot::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn contributors_follow_the_group_rule() {
        let tg = GroupLoad::new();
        let mut c = GroupLoadContrib::new();
        // 6.6: no rate limit; 1024 publishes, 1030 does not (|6| ≤ 16), 1041 does.
        assert_eq!(c.update(Release::Linux6_6, &tg, true, 0, 1024), Some(1024));
        assert_eq!(c.update(Release::Linux6_6, &tg, true, 0, 1030), None);
        assert_eq!(c.update(Release::Linux6_6, &tg, true, 0, 1041), Some(17));
        assert_eq!(tg.load_avg(), 1041);
        // 7.1: rate limited to 1 ms, and inactive CPUs do not publish.
        let mut d = GroupLoadContrib::new();
        assert_eq!(d.update(Release::Linux7_1, &tg, true, 500_000, 100), None);
        assert_eq!(
            d.update(Release::Linux7_1, &tg, false, 5_000_000, 100),
            None
        );
        assert_eq!(
            d.update(Release::Linux7_1, &tg, true, 5_000_000, 100),
            Some(100)
        );
        assert_eq!(d.last_update_tg_load_avg, 5_000_000);
        assert_eq!(d.update(Release::Linux7_1, &tg, true, 5_999_999, 10), None);
        assert_eq!(tg.load_avg(), 1141);
        assert_eq!(d.clear(&tg), -100);
        assert_eq!((tg.load_avg(), d.tg_load_avg_contrib), (1041, 0));
        // Root never publishes.
        let root = GroupLoad::root();
        assert_eq!(c.update(Release::Linux6_6, &root, true, 0, 99_999), None);
        assert_eq!(root.load_avg(), 0);
    }

    #[test]
    fn snapshot_round_trip() {
        let s = RqSnapshot::new();
        assert_eq!(s.read(), RqSummary::default());
        let x = RqSummary {
            v: 1,
            w: 2,
            load_avg: 3,
            nr_running: 4,
        };
        s.write(&x);
        assert_eq!(s.try_read(0), Some(x));
        assert_eq!(s.read(), x);
    }
}
