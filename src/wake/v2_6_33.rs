//! The wakeup placement of Linux v2.6.33 (`kernel/sched_fair.c`:
//! `wake_affine()`, `select_idle_sibling()`, the affine part of
//! `select_task_rq_fair()`), a historical rule kept for replaying reports of
//! that era (Zhang Xiantao, kvm list and LKML, 2010-04-10, "VM performance
//! issue in KVM guests.": vCPUs of a guest stacked on one host CPU). Not a
//! release profile and not part of the C ABI.
//!
//! What differs from today's rule ([`super::wake_affine`]):
//!
//! * **Instantaneous loads.** The wake-affine domain's `wake_idx` is 0, so
//!   `source_load`/`target_load` return `weighted_cpuload(cpu)`, the root run
//!   queue's `load.weight` at the instant of the wakeup — not a PELT
//!   average. Weights are unscaled (nice 0 = 1024).
//! * **The balance test** compares the waker's CPU with the wakee added
//!   against the wakee's previous CPU without it, with half the domain's
//!   `imbalance_pct` as bias: with `imbalance = 100 + (imbalance_pct − 100)/2`
//!   (`unsigned int`), the wakeup is *balanced* if the waker's CPU carries no
//!   load, or if `100 · (this_load + w_p) ≤ imbalance · prev_load`.
//! * **Sync.** For a sync wakeup the waker's own weight is taken off the
//!   waker's CPU first (`effective_load(tg, this, −w, −w)`, which for a task
//!   of the root group is just `−w`; the previous CPU gets `effective_load(tg,
//!   prev, 0, −w)` = 0), and a balanced sync wakeup is affine at once.
//!   Before that, two hints rewrite the flag from the tasks' `avg_overlap`
//!   (the running average of how long a task ran after waking another before
//!   it slept): feature SYNC_LESS drops the sync flag when waker or wakee
//!   overlaps more than `sysctl_sched_migration_cost` (0.5 ms); feature
//!   SYNC_MORE makes a plain wakeup sync when both overlap less. (The
//!   `avg_overlap` machinery was removed in v2.6.34.)
//! * **A second chance.** An unbalanced wakeup is still affine when the
//!   waker's CPU (after the sync adjustment) is no heavier than the previous
//!   CPU and the two loads together do not exceed the waker CPU's average
//!   load per task (`cpu_avg_load_per_task`: `load.weight / nr_running` of
//!   the unadjusted queue, 0 when it is empty).
//! * **The idle sibling.** `select_task_rq_fair` looks at each domain of the
//!   waker's CPU; in one that spans the previous CPU (and shares a cache) the
//!   affine target is the waker's CPU, replaced by the previous CPU if that
//!   has no CFS task queued, else by the first allowed CPU of the domain with
//!   no CFS task queued. If `wake_affine` then says yes the wakee goes to that
//!   target, otherwise to its previous CPU (no `SD_BALANCE_WAKE` in the
//!   MC domain). "Idle" here is `cfs.nr_running == 0`, not today's
//!   `available_idle_cpu`.
//!
//! Sources, and how sure each step is: `wake_affine()` (with the
//! SYNC_LESS/SYNC_MORE block, removed in v2.6.34 with `avg_overlap`) and
//! `effective_load()` were read from a v2.6.32/v2.6.33-era tree of
//! `kernel/sched_fair.c`; `select_idle_sibling(p, sd, target)` from a
//! v2.6.34-era tree, without that tree's later `cpu_idle` shortcut; the MC
//! domain's `imbalance_pct` 125, `wake_idx` 0 and missing SD_BALANCE_WAKE
//! from `SD_MC_INIT` in `include/linux/topology.h`. The default values of
//! SYNC_LESS (on) and SYNC_MORE (off) are stated from the feature list of
//! that era, not checked against the v2.6.33 tag: they are inputs here.
//!
//! Only what a root-group task on one multi-core domain needs is modelled
//! (the report's host: two CPUs sharing a cache, the vCPU threads in the root
//! group); `effective_load` of a task group below the root is not.
//!
//! ```
//! use eevdf::wake::v2_6_33::*;
//! // The waker alone on its CPU (1024), the previous CPU running two tasks
//! // (2048): 100·(1024 + 1024) ≤ 112·2048, balanced, the wakee is pulled.
//! let input = WakeAffineInput { this_load: 1024, this_nr_running: 1, prev_load: 2048,
//!     p_weight: 1024, current_weight: 1024, ..WakeAffineInput::default() };
//! assert!(wake_affine(&input).affine);
//! ```

/// `imbalance_pct` of the multi-core (MC) domain, `SD_MC_INIT` in
/// `include/linux/topology.h` (v2.6.33): 125, a wake-affine bias of 112.
pub const SD_MC_IMBALANCE_PCT: u32 = 125;

/// `sysctl_sched_migration_cost` (v2.6.33 default): 500,000 ns, the
/// `avg_overlap` threshold of SYNC_LESS and SYNC_MORE.
pub const SYSCTL_SCHED_MIGRATION_COST: u64 = 500_000;

/// Everything v2.6.33's `wake_affine()` reads, for a wakee and a waker in the
/// root task group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WakeAffineInput {
    /// `weighted_cpuload(this_cpu)`: the waker CPU's root `load.weight`
    /// (the waker included: it is running).
    pub this_load: u64,
    /// `rq.nr_running` of the waker's CPU (for `cpu_avg_load_per_task`).
    pub this_nr_running: u32,
    /// `weighted_cpuload(prev_cpu)`: the previous CPU's root `load.weight`
    /// (the sleeping wakee not included).
    pub prev_load: u64,
    /// `current->se.load.weight`, the waker's weight.
    pub current_weight: u64,
    /// `p->se.load.weight`, the wakee's weight.
    pub p_weight: u64,
    /// `current->se.avg_overlap` (ns).
    pub current_avg_overlap: u64,
    /// `p->se.avg_overlap` (ns).
    pub p_avg_overlap: u64,
    /// `sd->imbalance_pct` ([`SD_MC_IMBALANCE_PCT`]).
    pub imbalance_pct: u32,
    /// WF_SYNC.
    pub sync: bool,
    /// Feature SYNC_LESS (on by default in that era's `sched_features.h`).
    pub sync_less: bool,
    /// Feature SYNC_MORE (off by default in that era's `sched_features.h`).
    pub sync_more: bool,
}

impl Default for WakeAffineInput {
    /// Empty CPUs, nice-0 weights, the MC domain's `imbalance_pct`, a plain
    /// wakeup, v2.6.33's default features.
    fn default() -> Self {
        WakeAffineInput {
            this_load: 0,
            this_nr_running: 0,
            prev_load: 0,
            current_weight: 1024,
            p_weight: 1024,
            current_avg_overlap: 0,
            p_avg_overlap: 0,
            imbalance_pct: SD_MC_IMBALANCE_PCT,
            sync: false,
            sync_less: true,
            sync_more: false,
        }
    }
}

/// What v2.6.33's `wake_affine()` decided, and the two facts it decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WakeAffineDecision {
    /// Wake the task on the waker's side (`wake_affine` returned 1).
    pub affine: bool,
    /// The sync flag after SYNC_LESS / SYNC_MORE.
    pub sync: bool,
    /// The balance test held.
    pub balanced: bool,
}

/// `wake_affine(sd, p, sync)` of v2.6.33 for root-group tasks (see the
/// module docs for the rule). All arithmetic is the kernel's `unsigned long`
/// (wrapping u64) and `unsigned int` (wrapping u32): a sync wakeup whose
/// waker weighs more than its CPU's load wraps `this_load` to a huge value,
/// as the kernel's does.
///
/// ```text
/// sync'     = sync ∧ ¬(SYNC_LESS ∧ (ovl_cur > 0.5 ms ∨ ovl_p > 0.5 ms))
///           ∨ ¬sync ∧ SYNC_MORE ∧ ovl_cur < 0.5 ms ∧ ovl_p < 0.5 ms
/// this      = this_load − [sync'] w_cur
/// balanced  = this = 0 ∨ 100·(this + w_p) ≤ (100 + (pct − 100)/2)·prev_load
/// affine    = (sync' ∧ balanced) ∨ balanced
///           ∨ (this ≤ prev_load ∧ this + prev_load ≤ this_load / nr_running)
/// ```
pub const fn wake_affine(input: &WakeAffineInput) -> WakeAffineDecision {
    let mc = SYSCTL_SCHED_MIGRATION_COST;
    let (ov_cur, ov_p) = (input.current_avg_overlap, input.p_avg_overlap);
    let sync = if input.sync {
        !(input.sync_less && (ov_cur > mc || ov_p > mc))
    } else {
        input.sync_more && ov_cur < mc && ov_p < mc
    };
    let mut this = input.this_load;
    if sync {
        this = this.wrapping_sub(input.current_weight);
    }
    let load = input.prev_load;
    let imbalance = 100u32.wrapping_add(input.imbalance_pct.wrapping_sub(100) / 2);
    let balanced = this == 0
        || 100u64.wrapping_mul(this.wrapping_add(input.p_weight))
            <= (imbalance as u64).wrapping_mul(load);
    if sync && balanced {
        return WakeAffineDecision {
            affine: true,
            sync,
            balanced,
        };
    }
    let tl_per_task = if input.this_nr_running > 0 {
        input.this_load / input.this_nr_running as u64
    } else {
        0
    };
    let affine = balanced || (this <= load && this.wrapping_add(input.prev_load) <= tl_per_task);
    WakeAffineDecision {
        affine,
        sync,
        balanced,
    }
}

/// `select_idle_sibling(p, sd, target)` of v2.6.33 over one domain spanning
/// every CPU: if `target` is the waker's CPU and the previous CPU has no CFS
/// task queued, the previous CPU; else the first CPU (in index order) that
/// the task may run on with no CFS task queued; else `target`.
/// `cfs_nr_running[i]` is CPU i's `cfs.nr_running`; a CPU beyond `allowed`
/// is not allowed.
pub fn select_idle_sibling(
    this_cpu: usize,
    prev_cpu: usize,
    target: usize,
    cfs_nr_running: &[u32],
    allowed: &[bool],
) -> usize {
    if target == this_cpu && cfs_nr_running.get(prev_cpu) == Some(&0) {
        return prev_cpu;
    }
    cfs_nr_running
        .iter()
        .enumerate()
        .find(|&(i, &n)| n == 0 && allowed.get(i) == Some(&true))
        .map_or(target, |(i, _)| i)
}

/// Where v2.6.33's `select_task_rq_fair` put a waking task, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Placement {
    /// The chosen CPU.
    pub cpu: usize,
    /// The affine target (after [`select_idle_sibling`]), if the affine path
    /// ran (AFFINE_WAKEUPS and the waker's CPU allowed).
    pub target: Option<usize>,
    /// `wake_affine`'s decision, if it ran.
    pub decision: Option<WakeAffineDecision>,
}

/// The wakeup path of v2.6.33's `select_task_rq_fair(p, SD_BALANCE_WAKE,
/// wake_flags)` on a machine whose only domain is one MC domain spanning
/// every CPU (SD_WAKE_AFFINE, SD_SHARE_PKG_RESOURCES, no SD_BALANCE_WAKE):
///
/// 1. without feature AFFINE_WAKEUPS (on by default), or if the task may not
///    run on the waker's CPU, the previous CPU;
/// 2. else the target is the waker's CPU, adjusted by [`select_idle_sibling`];
/// 3. the target if [`wake_affine`] says so, else the previous CPU.
///
/// `input` carries both CPUs' loads as `wake_affine` reads them.
pub fn select_task_rq_fair(
    this_cpu: usize,
    prev_cpu: usize,
    affine_wakeups: bool,
    input: &WakeAffineInput,
    cfs_nr_running: &[u32],
    allowed: &[bool],
) -> Placement {
    if !affine_wakeups || allowed.get(this_cpu) != Some(&true) {
        return Placement {
            cpu: prev_cpu,
            target: None,
            decision: None,
        };
    }
    let target = select_idle_sibling(this_cpu, prev_cpu, this_cpu, cfs_nr_running, allowed);
    let decision = wake_affine(input);
    Placement {
        cpu: if decision.affine { target } else { prev_cpu },
        target: Some(target),
        decision: Some(decision),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden values worked from v2.6.33's formulas (module docs), nice-0
    // weights 1024, the MC domain's imbalance_pct 125 (bias 112).

    fn on(this_load: u64, nr: u32, prev_load: u64) -> WakeAffineInput {
        WakeAffineInput {
            this_load,
            this_nr_running: nr,
            prev_load,
            ..WakeAffineInput::default()
        }
    }

    #[test]
    fn a_wakee_of_a_loaded_cpu_is_pulled_to_a_lighter_waker() {
        // 100·(1024 + 1024) = 204,800 ≤ 112·2048 = 229,376.
        let d = wake_affine(&on(1024, 1, 2048));
        assert!(d.affine && d.balanced && !d.sync);
        // One more task on the waker's side: 100·3072 = 307,200 > 229,376.
        let d = wake_affine(&on(2048, 2, 2048));
        assert!(!d.affine && !d.balanced);
    }

    #[test]
    fn equal_loads_keep_the_wakee_on_prev() {
        // 204,800 > 112·1024 = 114,688; second chance: 1024 ≤ 1024 but
        // 1024 + 1024 > 1024/1.
        let d = wake_affine(&on(1024, 1, 1024));
        assert!(!d.affine && !d.balanced);
        // An empty previous CPU: 204,800 > 0, and 1024 > 0.
        assert!(!wake_affine(&on(1024, 1, 0)).affine);
    }

    #[test]
    fn the_bias_boundary_is_at_112_percent() {
        // 100·(1024 + 1024) ≤ 112·prev ⇔ prev ≥ 1828.57…: 1829 pulls, 1828
        // does not.
        assert!(wake_affine(&on(1024, 1, 1829)).balanced);
        assert!(!wake_affine(&on(1024, 1, 1828)).balanced);
        // imbalance_pct 117 (today's LLC): bias 108, boundary 1896.3.
        let i = WakeAffineInput {
            imbalance_pct: 117,
            ..on(1024, 1, 1897)
        };
        assert!(wake_affine(&i).balanced);
        assert!(
            !wake_affine(&WakeAffineInput {
                prev_load: 1896,
                ..i
            })
            .balanced
        );
    }

    #[test]
    fn a_sync_wakeup_subtracts_the_waker_and_pulls_when_balanced() {
        // Waker alone: this_load 1024 − 1024 = 0, balanced by the first test.
        let i = WakeAffineInput {
            sync: true,
            ..on(1024, 1, 1024)
        };
        let d = wake_affine(&i);
        assert!(d.affine && d.sync && d.balanced);
        // SYNC_LESS: a waker that overlaps more than 0.5 ms loses the hint.
        let d = wake_affine(&WakeAffineInput {
            current_avg_overlap: 500_001,
            ..i
        });
        assert!(!d.affine && !d.sync);
        // Exactly 0.5 ms keeps it (strict comparison).
        assert!(
            wake_affine(&WakeAffineInput {
                p_avg_overlap: 500_000,
                ..i
            })
            .sync
        );
        // Without SYNC_LESS the overlap does not matter.
        assert!(
            wake_affine(&WakeAffineInput {
                current_avg_overlap: 10_000_000,
                sync_less: false,
                ..i
            })
            .affine
        );
    }

    #[test]
    fn sync_more_turns_a_plain_wakeup_of_short_overlappers_into_sync() {
        let i = WakeAffineInput {
            sync_more: true,
            current_avg_overlap: 499_999,
            p_avg_overlap: 0,
            ..on(1024, 1, 1024)
        };
        let d = wake_affine(&i);
        assert!(d.sync && d.affine);
        // 0.5 ms is not less than 0.5 ms.
        let d = wake_affine(&WakeAffineInput {
            p_avg_overlap: 500_000,
            ..i
        });
        assert!(!d.sync && !d.affine);
    }

    #[test]
    fn the_second_chance_uses_the_unadjusted_load_per_task() {
        // Waker nice −20 (88,761) beside a nice-19 task (15): this_load
        // 88,776, 2 tasks, 44,388 per task. Sync: this = 15. Wakee nice −20:
        // 100·(15 + 88,761) = 8,877,600 > 112·1024 = 114,688, unbalanced;
        // but 15 ≤ 1024 and 15 + 1024 = 1039 ≤ 44,388: affine.
        let i = WakeAffineInput {
            this_load: 88_776,
            this_nr_running: 2,
            prev_load: 1024,
            current_weight: 88_761,
            p_weight: 88_761,
            sync: true,
            ..WakeAffineInput::default()
        };
        let d = wake_affine(&i);
        assert!(d.affine && d.sync && !d.balanced);
        // Without the sync hint this = 88,776 > 1024: not affine.
        assert!(!wake_affine(&WakeAffineInput { sync: false, ..i }).affine);
    }

    #[test]
    fn the_unsigned_arithmetic_wraps_like_the_kernel() {
        // A sync waker heavier than its CPU's load (not a consistent state,
        // but the kernel computes it): 0 − 1024 wraps to 2^64 − 1024, and
        // 100·(2^64 − 1024 + 1024) wraps to 0 ≤ anything: balanced.
        let i = WakeAffineInput {
            sync: true,
            ..on(0, 0, 0)
        };
        let d = wake_affine(&i);
        assert!(d.balanced && d.affine);
        // imbalance_pct 98: (98 − 100) as u32 / 2 + 100 = 2,147,483,747.
        let i = WakeAffineInput {
            imbalance_pct: 98,
            ..on(1024, 1, 1)
        };
        // 204,800 ≤ 2,147,483,747·1.
        assert!(wake_affine(&i).balanced);
    }

    #[test]
    fn select_idle_sibling_prefers_an_empty_prev_then_the_first_empty_cpu() {
        let all = [true; 4];
        // prev (2) empty: prev.
        assert_eq!(select_idle_sibling(0, 2, 0, &[1, 1, 0, 0], &all), 2);
        // prev busy: the first empty allowed CPU.
        assert_eq!(select_idle_sibling(0, 2, 0, &[1, 1, 1, 0], &all), 3);
        assert_eq!(
            select_idle_sibling(0, 2, 0, &[1, 0, 1, 0], &[true, false, true, true]),
            3
        );
        // Nothing empty: the target.
        assert_eq!(select_idle_sibling(0, 2, 0, &[1, 1, 1, 1], &all), 0);
    }

    #[test]
    fn select_task_rq_fair_goes_to_the_target_only_when_affine() {
        let all = [true; 2];
        // The report's stacking: waker's CPU 0 runs only the waker, the
        // wakee's previous CPU 1 runs the other guest's two vCPUs.
        let i = on(1024, 1, 2048);
        let p = select_task_rq_fair(0, 1, true, &i, &[1, 2], &all);
        assert_eq!((p.cpu, p.target), (0, Some(0)));
        // Without AFFINE_WAKEUPS: prev, wake_affine not asked.
        let p = select_task_rq_fair(0, 1, false, &i, &[1, 2], &all);
        assert_eq!((p.cpu, p.decision), (1, None));
        // Equal loads: prev.
        let p = select_task_rq_fair(0, 1, true, &on(1024, 1, 1024), &[1, 1], &all);
        assert_eq!(p.cpu, 1);
        // Waker's CPU not allowed: prev.
        let p = select_task_rq_fair(0, 1, true, &i, &[1, 2], &[false, true]);
        assert_eq!(p.cpu, 1);
    }
}
