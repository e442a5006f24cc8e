//! Load balancing: the lab's own newidle pull (**not Linux**) and a model of
//! Linux's load balancer (v6.6).
//!
//! ## The lab's newidle pull (not Linux)
//!
//! The default of every scenario that does not ask for Linux's balancer
//! ([`crate::sim::Config::linux_balance`]): the smallest rule a simulator can
//! justify, for scenarios that would otherwise leave a CPU idle while another
//! has tasks waiting:
//!
//! * a CPU that finds nothing to run looks once for the CPU with the most
//!   runnable fair tasks — at least two, so that one waits ([`find_busiest`]);
//! * from it, it takes one task that is queued but neither running nor delayed,
//!   and allowed on the idle CPU, preferring the one that has waited longest
//!   ([`choose_pull`]).
//!
//! There is no periodic balancer, no pull from a busy CPU, no active balance
//! (moving a running task), and an idle CPU does not look again until it goes
//! idle again. Results that depend on these functions must say so.
//!
//! ```text
//! find_busiest(0, &[0, 3, 3, 1]) == Some(1)   // ties: the lowest index
//! find_busiest(0, &[0, 1, 1])    == None      // nobody waits
//! choose_pull(&[running since 5, waiting since 9, waiting since 7]) == Some(2)
//! ```
//!
//! ## Linux's load balancer (v6.6 `kernel/sched/fair.c`), as the lab models it
//!
//! The decisions are the pure functions below; the engine (`sim.rs`) runs them
//! at the kernel's call sites and moves the tasks. In the lab's words:
//!
//! **Topology** ([`Topology`]). CPUs are grouped into last-level caches. Each
//! CPU has up to two scheduling domains: the LLC level (`MC`, flag
//! `SD_SHARE_PKG_RESOURCES`), spanning its LLC, whose groups are single CPUs;
//! and the machine level (`PKG`), spanning every CPU, whose groups are the
//! LLCs. A domain spanning one CPU, or the same CPUs as its child, is
//! degenerate and dropped (`sd_degenerate`/`sd_parent_degenerate`), so one LLC
//! gives one level and one CPU per LLC gives only the machine level, with
//! single-CPU groups and no `sd_llc`. `sd_init` gives both levels
//! `imbalance_pct` 117, `cache_nice_tries` 1, `busy_factor` 16,
//! `min_interval` = `balance_interval` = the span's weight in ms and
//! `max_interval` twice that; the machine level's child (the LLC level) has
//! `SD_PREFER_SIBLING`. Groups are listed from the local one in CPU order,
//! wrapping (`build_sched_groups`). There is no SMT and no NUMA level.
//!
//! **Periodic balance** (`sched_balance_trigger` → `run_rebalance_domains` →
//! `rebalance_domains`). At a CPU's tick, when `jiffies ≥ rq.next_balance`,
//! each domain from the bottom up is balanced if its interval has passed
//! since its `last_balance` ([`balance_interval_jiffies`]: the domain's
//! `balance_interval` ms, times `busy_factor` and less one jiffy if the CPU is
//! busy, clamped to 1 … HZ·ncpus/10); `rq.next_balance` becomes the earliest
//! `last_balance + interval`. A CPU that is not the group's balancing CPU
//! (`should_we_balance`: the first idle CPU of the local group, else its first
//! CPU; a newly idle CPU always may) stops going up.
//!
//! **`load_balance`** for one domain, pulling to `dst`:
//!
//! 1. [`find_busiest_group`]: group statistics (`update_sg_lb_stats`: load,
//!    util and runnable sums, `nr_running`, `h_nr_running`, idle CPUs) and
//!    their type ([`group_classify`]: *overloaded* if more tasks than CPUs and
//!    util·117 > capacity·100 or runnable·100 > capacity·117; *fully busy* if
//!    not, and no fewer tasks than CPUs and util·117 ≥ capacity·100 or
//!    runnable·100 > capacity·117; else *has spare*); the busiest non-local
//!    group (`update_sd_pick_busiest`: higher type wins; among overloaded the
//!    highest `avg_load`; among fully busy the later; among has-spare the
//!    fewest idle CPUs, then the most tasks); the bail-outs of
//!    `find_busiest_group`; and [`calculate_imbalance`].
//! 2. [`calculate_imbalance`] — a local group with spare capacity and an
//!    overloaded busiest outside an LLC: `migrate_util` (local's spare
//!    capacity; one task if that is 0 and `dst` is idle); otherwise with
//!    spare capacity `migrate_task`: half the difference in tasks
//!    (`sibling_imbalance`, 0 for a busy `dst`) for single-CPU groups or
//!    prefer-sibling, else half the difference in idle CPUs; a local group
//!    without spare capacity: `migrate_load`, the smaller of busiest's excess
//!    over the domain average and local's shortfall, after the `avg_load`
//!    checks.
//! 3. [`find_busiest_queue`]: the group's CPU with the most `h_nr_running`
//!    (`migrate_task`), the highest util with at least two tasks
//!    (`migrate_util`), or the highest load (`migrate_load`, skipping a CPU
//!    with one task heavier than the imbalance).
//! 4. `detach_tasks`: from the tail of the source's `cfs_tasks` list (least
//!    recently enqueued or picked first), at most `min(32, nr_running)` tasks,
//!    never the last task for an idle `dst`, one task for a newly idle one
//!    (a preemptible kernel), each passing [`can_migrate_task`] (not delayed
//!    (6.12+, unless `migrate_load`), not a per-CPU kthread, allowed on
//!    `dst` — else `LBF_SOME_PINNED`, and a task allowed clears
//!    `LBF_ALL_PINNED` — not running, and not cache hot: ran less than
//!    `sysctl_sched_migration_cost` = 500 µs ago, unless `nr_balance_failed >
//!    cache_nice_tries`), and the migration type's test (`migrate_load`: the
//!    task's `task_h_load`, halved `nr_balance_failed` times, not above the
//!    imbalance; `migrate_util`: its util not above it; `migrate_task`: one).
//!    All tasks pinned: the source is dropped and the search redone.
//! 5. Nothing moved: `nr_balance_failed` grows (not for a newly idle `dst`),
//!    and [`need_active_balance`] (`migrate_task` and `nr_balance_failed >
//!    cache_nice_tries + 2`) starts **active balance** if the source's running
//!    task may run on `dst`: the stopper takes the source CPU, and the
//!    running task — now merely queued — is moved to `dst` without the
//!    hotness test (`active_load_balance_cpu_stop`, `detach_one_task` with
//!    `LBF_ACTIVE_LB`), which resets the counter. Something moved: the
//!    counter is reset. The interval is reset to `min_interval` when the
//!    balance did something or found active balance needed, otherwise
//!    doubled up to `max_interval` (up to 512 when all tasks were pinned);
//!    "balanced" resets the counter too.
//!
//! **Newly idle balance** (`newidle_balance`): a CPU about to go idle runs
//! `load_balance` per domain, bottom up, as `CPU_NEWLY_IDLE`, until it pulled
//! something — if some CPU has two or more tasks (`rd->overload`, read here
//! at that instant).
//!
//! **nohz idle balancing** (NO_HZ_IDLE). An idle CPU stops its tick and joins
//! `nohz.idle_cpus_mask`; it leaves it at its first busy tick. A busy CPU's
//! tick (`nohz_balancer_kick`) kicks the idle balancer when
//! `jiffies ≥ nohz.next_balance` and it has two or more tasks, or its LLC has
//! more than one busy CPU (`nr_busy_cpus`); it also asks for a blocked-load
//! update every 32 ms (`LOAD_AVG_PERIOD`) while idle CPUs have blocked load.
//! The kick goes to the first idle CPU of the mask (an IPI: a halted vCPU
//! takes its resume latency), which runs `rebalance_domains(CPU_IDLE)` for
//! every idle CPU of the mask whose `next_balance` is due, on its behalf, and
//! last for itself; `nohz.next_balance` becomes the earliest of theirs.
//! Without nohz every CPU ticks, an idle one balancing as `CPU_IDLE`.
//!
//! **Left out**: SMT, NUMA (`SD_NUMA`, `fbq_type`, NUMA imbalance), clusters,
//! asymmetric capacity (misfit, `asym_packing`, `check_cpu_capacity` — every
//! CPU has capacity 1024 and no RT/IRQ pressure), the `group_imbalanced`
//! type and `LBF_DST_PINNED`'s alternate destination, `CACHE_HOT_BUDDY`,
//! `LB_MIN`, util_est, the cost bookkeeping of newidle balancing
//! (`avg_idle`/`max_newidle_lb_cost`: the lab's balancing takes no time),
//! `SIS_UTIL`'s `nr_idle_scan` (the wakeup scan may still cover the whole
//! LLC), `rd->overload` as a sticky flag, and the energy model.
//!
//! Its tests run with the lab's (`cargo test --test lab`, which includes this
//! file).

/// One queued task of the busiest CPU, as [`choose_pull`] sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PullCandidate {
    /// The task may run on the pulling CPU (its affinity allows it).
    pub allowed: bool,
    /// It is that CPU's running task.
    pub running: bool,
    /// It is a delayed-dequeue sleeper (queued, not runnable).
    pub delayed: bool,
    /// When it last became runnable or was last preempted (ns).
    pub runnable_since: u64,
}

/// The CPU to pull from: the one other than `this_cpu` with the most runnable
/// fair tasks (`h_nr_runnable`), if that is at least 2; ties go to the lowest
/// index. `h_nr_runnable[i]` is CPU i's count.
pub fn find_busiest(this_cpu: u32, h_nr_runnable: &[u32]) -> Option<u32> {
    let mut best: Option<(u32, u32)> = None;
    for (i, &n) in h_nr_runnable.iter().enumerate() {
        if i as u32 == this_cpu || n < 2 {
            continue;
        }
        if best.map_or(true, |(_, b)| n > b) {
            best = Some((i as u32, n));
        }
    }
    best.map(|(i, _)| i)
}

/// The task to pull among `candidates`: allowed, not running, not delayed,
/// runnable for the longest time (smallest `runnable_since`; ties go to the
/// first). `None` if there is no such task.
pub fn choose_pull(candidates: &[PullCandidate]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, c) in candidates.iter().enumerate() {
        if !c.allowed || c.running || c.delayed {
            continue;
        }
        if best.map_or(true, |(_, s)| c.runnable_since < s) {
            best = Some((i, c.runnable_since));
        }
    }
    best.map(|(i, _)| i)
}

// ---------------------------------------------------------------------------
// Linux's load balancer (v6.6), see the module docs.
// ---------------------------------------------------------------------------

/// `SCHED_CAPACITY_SCALE`.
pub const CAPACITY_SCALE: u64 = 1024;
/// `sysctl_sched_migration_cost`: a task that ran less than this long ago is
/// cache hot (ns).
pub const MIGRATION_COST_NS: u64 = 500_000;
/// `sysctl_sched_nr_migrate`: tasks looked at per balance.
pub const NR_MIGRATE: u32 = 32;
/// `sd_init`'s `busy_factor` (v5.10 on).
pub const BUSY_FACTOR: u64 = 16;
/// `imbalance_pct` of the LLC and package levels (`sd_init`).
pub const IMBALANCE_PCT: u64 = 117;
/// `cache_nice_tries` of the LLC and package levels (`sd_init`).
pub const CACHE_NICE_TRIES: u32 = 1;
/// `MAX_PINNED_INTERVAL` (ms).
pub const MAX_PINNED_INTERVAL: u64 = 512;

/// Which CPUs share a last-level cache: `llc[i]` names CPU i's LLC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    pub llc: Vec<u32>,
}

/// One scheduling domain of one CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The LLC level (`SD_SHARE_PKG_RESOURCES`); else the machine level.
    pub llc: bool,
    /// CPUs spanned.
    pub weight: u64,
    /// Its groups, the local one first, then in CPU order (wrapping); each
    /// group's CPUs in ascending order.
    pub groups: Vec<Vec<usize>>,
    /// The child domain has `SD_PREFER_SIBLING` (the machine level above an
    /// LLC level).
    pub prefer_sibling: bool,
}

impl Topology {
    /// One LLC spanning `ncpus` CPUs.
    pub fn one_llc(ncpus: usize) -> Topology {
        Topology {
            llc: vec![0; ncpus],
        }
    }

    /// One LLC (one socket) per CPU.
    pub fn llc_per_cpu(ncpus: usize) -> Topology {
        Topology {
            llc: (0..ncpus as u32).collect(),
        }
    }

    pub fn ncpus(&self) -> usize {
        self.llc.len()
    }

    /// CPUs sharing `cpu`'s LLC.
    pub fn llc_size(&self, cpu: usize) -> usize {
        self.llc.iter().filter(|&&l| l == self.llc[cpu]).count()
    }

    /// `cpu`'s domains, bottom up, degenerate ones dropped.
    pub fn domains(&self, cpu: usize) -> Vec<Domain> {
        let n = self.ncpus();
        let order: Vec<usize> = (0..n).map(|k| (cpu + k) % n).collect();
        let mut out = Vec::new();
        let llc_size = self.llc_size(cpu);
        if llc_size > 1 {
            out.push(Domain {
                llc: true,
                weight: llc_size as u64,
                groups: order
                    .iter()
                    .filter(|&&c| self.llc[c] == self.llc[cpu])
                    .map(|&c| vec![c])
                    .collect(),
                prefer_sibling: false,
            });
        }
        if llc_size < n {
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for &c in &order {
                if groups.iter().any(|g| self.llc[g[0]] == self.llc[c]) {
                    continue;
                }
                groups.push((0..n).filter(|&d| self.llc[d] == self.llc[c]).collect());
            }
            out.push(Domain {
                llc: false,
                weight: n as u64,
                groups,
                prefer_sibling: llc_size > 1,
            });
        }
        out
    }
}

/// `enum cpu_idle_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleType {
    NotIdle,
    Idle,
    NewlyIdle,
}

/// `enum group_type`, the modelled classes, in pulling priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum GroupType {
    #[default]
    HasSpare,
    FullyBusy,
    Overloaded,
}

/// `enum migration_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationType {
    Load,
    Util,
    Task,
}

/// One CPU as the balancer reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LbCpu {
    /// `rq->nr_running` (fair tasks queued, delayed ones included).
    pub nr_running: u32,
    /// `rq->cfs.h_nr_running` (runnable fair tasks).
    pub h_nr_running: u32,
    /// `cpu_load()`: the root's `load_avg`.
    pub load: u64,
    /// `cpu_util_cfs()`: the root's `util_avg` (no util_est).
    pub util: u64,
    /// The root's `runnable_avg`.
    pub runnable: u64,
    /// `capacity_of()`.
    pub capacity: u64,
    /// `idle_cpu()`.
    pub idle: bool,
}

/// `struct sg_lb_stats`, the fields used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub load: u64,
    pub util: u64,
    pub runnable: u64,
    pub capacity: u64,
    pub sum_nr_running: u32,
    pub sum_h_nr_running: u32,
    pub idle_cpus: u32,
    pub weight: u32,
    pub group_type: GroupType,
    /// Computed for overloaded groups (and by `calculate_imbalance`).
    pub avg_load: u64,
}

/// `update_sg_lb_stats` + `group_classify` for the CPUs `members` of `cpus`.
pub fn group_stats(cpus: &[LbCpu], members: &[usize], imbalance_pct: u64) -> GroupStats {
    let mut g = GroupStats::default();
    for &i in members {
        let c = &cpus[i];
        g.load += c.load;
        g.util += c.util;
        g.runnable += c.runnable;
        g.capacity += c.capacity;
        g.sum_nr_running += c.nr_running;
        g.sum_h_nr_running += c.h_nr_running;
        if c.nr_running == 0 && c.idle {
            g.idle_cpus += 1;
        }
    }
    g.weight = members.len() as u32;
    g.group_type = group_classify(imbalance_pct, &g);
    if g.group_type == GroupType::Overloaded {
        g.avg_load = g.load * CAPACITY_SCALE / g.capacity.max(1);
    }
    g
}

/// `group_classify` (v6.6) without the misfit, asym-packing, SMT-balance and
/// imbalanced classes: `group_is_overloaded`, then `!group_has_capacity`.
pub fn group_classify(imbalance_pct: u64, g: &GroupStats) -> GroupType {
    let (cap, pct) = (g.capacity, imbalance_pct);
    let overloaded =
        g.sum_nr_running > g.weight && (cap * 100 < g.util * pct || cap * pct < g.runnable * 100);
    if overloaded {
        return GroupType::Overloaded;
    }
    let has_capacity =
        g.sum_nr_running < g.weight || (cap * pct >= g.runnable * 100 && cap * 100 > g.util * pct);
    if has_capacity {
        GroupType::HasSpare
    } else {
        GroupType::FullyBusy
    }
}

/// `update_sd_pick_busiest`: is `sg` busier than the busiest so far (`None`:
/// the initial `{has_spare, idle_cpus = UINT_MAX}`)?
pub fn pick_busiest(sg: &GroupStats, busiest: Option<&GroupStats>) -> bool {
    if sg.sum_h_nr_running == 0 {
        return false;
    }
    let Some(b) = busiest else {
        return true;
    };
    if sg.group_type != b.group_type {
        return sg.group_type > b.group_type;
    }
    match sg.group_type {
        GroupType::Overloaded => sg.avg_load > b.avg_load,
        // avg_load is 0 for both: the later group (no SMT).
        GroupType::FullyBusy => sg.avg_load >= b.avg_load,
        GroupType::HasSpare => {
            !(sg.idle_cpus > b.idle_cpus
                || (sg.idle_cpus == b.idle_cpus && sg.sum_nr_running <= b.sum_nr_running))
        }
    }
}

/// What `find_busiest_group` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imbalance {
    /// Index of the busiest group in the domain's `groups`.
    pub group: usize,
    pub migration_type: MigrationType,
    pub imbalance: u64,
}

/// `sibling_imbalance` without SMT (equal core counts): the busiest group's
/// tasks beyond the local group's; 0 for a busy destination.
fn sibling_imbalance(idle: IdleType, busiest: &GroupStats, local: &GroupStats) -> u64 {
    if idle == IdleType::NotIdle || busiest.sum_nr_running == 0 {
        return 0;
    }
    busiest.sum_nr_running.saturating_sub(local.sum_nr_running) as u64
}

/// `calculate_imbalance` (v6.6), the modelled classes. `total` is the
/// domain's (load, capacity).
pub fn calculate_imbalance(
    dom: &Domain,
    idle: IdleType,
    local: &mut GroupStats,
    busiest: &GroupStats,
    total: (u64, u64),
) -> (MigrationType, u64) {
    if local.group_type == GroupType::HasSpare {
        if busiest.group_type > GroupType::FullyBusy && !dom.llc {
            let imb = local.capacity.max(local.util) - local.util;
            if idle != IdleType::NotIdle && imb == 0 {
                return (MigrationType::Task, 1);
            }
            return (MigrationType::Util, imb);
        }
        let imb = if busiest.weight == 1 || dom.prefer_sibling {
            sibling_imbalance(idle, busiest, local)
        } else {
            local.idle_cpus.saturating_sub(busiest.idle_cpus) as u64
        };
        return (MigrationType::Task, imb >> 1);
    }
    let sd_avg = total.0 * CAPACITY_SCALE / total.1.max(1);
    if local.group_type < GroupType::Overloaded {
        local.avg_load = local.load * CAPACITY_SCALE / local.capacity.max(1);
        if local.avg_load >= busiest.avg_load || local.avg_load >= sd_avg {
            return (MigrationType::Load, 0);
        }
    }
    let a = busiest.avg_load.saturating_sub(sd_avg) * busiest.capacity;
    let b = sd_avg.saturating_sub(local.avg_load) * local.capacity;
    (MigrationType::Load, a.min(b) / CAPACITY_SCALE)
}

/// `find_busiest_group` (v6.6) for `dst`'s domain `dom` (`groups[0]` is the
/// local group). `None`: balanced.
pub fn find_busiest_group(dom: &Domain, cpus: &[LbCpu], idle: IdleType) -> Option<Imbalance> {
    let pct = IMBALANCE_PCT;
    let mut local = group_stats(cpus, &dom.groups[0], pct);
    let (mut total_load, mut total_cap) = (local.load, local.capacity);
    let mut busiest: Option<(usize, GroupStats)> = None;
    for (i, g) in dom.groups.iter().enumerate().skip(1) {
        let s = group_stats(cpus, g, pct);
        total_load += s.load;
        total_cap += s.capacity;
        if pick_busiest(&s, busiest.as_ref().map(|b| &b.1)) {
            busiest = Some((i, s));
        }
    }
    let (bi, b) = busiest?;
    if local.group_type > b.group_type {
        return None;
    }
    if local.group_type == GroupType::Overloaded {
        if local.avg_load >= b.avg_load {
            return None;
        }
        let sd_avg = total_load * CAPACITY_SCALE / total_cap.max(1);
        if local.avg_load >= sd_avg || 100 * b.avg_load <= pct * local.avg_load {
            return None;
        }
    }
    let force = dom.prefer_sibling
        && local.group_type == GroupType::HasSpare
        && sibling_imbalance(idle, &b, &local) > 1;
    if !force && b.group_type != GroupType::Overloaded {
        if idle == IdleType::NotIdle {
            return None;
        }
        if b.weight > 1 && local.idle_cpus <= b.idle_cpus + 1 {
            return None;
        }
        if b.sum_h_nr_running == 1 {
            return None;
        }
    }
    let (mt, imb) = calculate_imbalance(dom, idle, &mut local, &b, (total_load, total_cap));
    (imb > 0).then_some(Imbalance {
        group: bi,
        migration_type: mt,
        imbalance: imb,
    })
}

/// `find_busiest_queue` (v6.6) among `members` of `cpus`; `skip` are CPUs
/// already dropped (all their tasks pinned). Ties: the first in `members`.
pub fn find_busiest_queue(
    members: &[usize],
    cpus: &[LbCpu],
    imb: &Imbalance,
    skip: &[usize],
) -> Option<usize> {
    let mut best: Option<usize> = None;
    let (mut best_load, mut best_cap, mut best_util, mut best_nr) = (0u64, 1u64, 0u64, 0u32);
    for &i in members {
        if skip.contains(&i) {
            continue;
        }
        let c = &cpus[i];
        let nr = c.h_nr_running;
        if nr == 0 {
            continue;
        }
        match imb.migration_type {
            MigrationType::Load => {
                if nr == 1 && c.load > imb.imbalance {
                    continue;
                }
                if c.load * best_cap > best_load * c.capacity {
                    (best_load, best_cap, best) = (c.load, c.capacity, Some(i));
                }
            }
            MigrationType::Util => {
                if nr <= 1 {
                    continue;
                }
                if best_util < c.util {
                    (best_util, best) = (c.util, Some(i));
                }
            }
            MigrationType::Task => {
                if best_nr < nr {
                    (best_nr, best) = (nr, Some(i));
                }
            }
        }
    }
    best
}

/// A task of the source CPU as `can_migrate_task` reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MigrateCandidate {
    /// A per-CPU kthread (`kthread_is_per_cpu`).
    pub per_cpu_kthread: bool,
    /// Allowed on the destination CPU.
    pub allowed: bool,
    /// Running on the source CPU.
    pub running: bool,
    /// A delayed-dequeue sleeper (6.12+).
    pub delayed: bool,
    /// ns since it last ran (`rq_clock_task - exec_start`); `u64::MAX`: it
    /// migrated since (`exec_start = 0`).
    pub since_ran: u64,
}

/// Why `can_migrate_task` said no, or yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CanMigrate {
    Yes,
    PerCpuKthread,
    /// Not allowed on the destination (`LBF_SOME_PINNED`).
    Pinned,
    Running,
    Delayed,
    CacheHot,
}

/// `can_migrate_task` (v6.6, with the delayed-dequeue test that came with
/// DELAY_DEQUEUE): in order, delayed (unless `migrate_load`), a per-CPU
/// kthread (9bcb959d05ee), affinity, running, then — unless active balance —
/// cache hotness, overridden once `nr_balance_failed > cache_nice_tries`.
/// Only a task that passes the affinity test clears `LBF_ALL_PINNED`.
pub fn can_migrate_task(
    c: &MigrateCandidate,
    mt: MigrationType,
    active: bool,
    nr_balance_failed: u32,
) -> CanMigrate {
    if c.delayed && mt != MigrationType::Load {
        return CanMigrate::Delayed;
    }
    if c.per_cpu_kthread {
        return CanMigrate::PerCpuKthread;
    }
    if !c.allowed {
        return CanMigrate::Pinned;
    }
    if c.running {
        return CanMigrate::Running;
    }
    if active {
        return CanMigrate::Yes;
    }
    let hot = c.since_ran < MIGRATION_COST_NS;
    if !hot || nr_balance_failed > CACHE_NICE_TRIES {
        CanMigrate::Yes
    } else {
        CanMigrate::CacheHot
    }
}

/// `need_active_balance` (v6.6) without asym packing, reduced capacity and
/// misfit: `imbalanced_active_balance`.
pub fn need_active_balance(mt: MigrationType, nr_balance_failed: u32) -> bool {
    mt == MigrationType::Task && nr_balance_failed > CACHE_NICE_TRIES + 2
}

/// `msecs_to_jiffies` (rounding up).
pub fn msecs_to_jiffies(ms: u64, hz: u64) -> u64 {
    (ms * hz).div_ceil(1000)
}

/// `get_sd_balance_interval` (v6.6): `balance_interval` ms, times `busy_factor`
/// for a busy CPU, in jiffies, less one for a busy CPU, clamped to
/// `1 ..= HZ·ncpus/10` (`max_load_balance_interval`).
pub fn balance_interval_jiffies(balance_interval_ms: u64, busy: bool, hz: u64, ncpus: u64) -> u64 {
    let mut ms = balance_interval_ms;
    if busy {
        ms *= BUSY_FACTOR;
    }
    let mut j = msecs_to_jiffies(ms, hz);
    if busy {
        j = j.saturating_sub(1);
    }
    j.clamp(1, (hz * ncpus / 10).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::QuickCheck;

    #[test]
    fn examples_of_the_module_docs() {
        assert_eq!(find_busiest(0, &[0, 3, 3, 1]), Some(1));
        assert_eq!(find_busiest(0, &[0, 1, 1]), None);
        let c = |since, running| PullCandidate {
            allowed: true,
            running,
            delayed: false,
            runnable_since: since,
        };
        assert_eq!(
            choose_pull(&[c(5, true), c(9, false), c(7, false)]),
            Some(2)
        );
    }

    #[test]
    fn busiest_needs_a_waiting_task_and_skips_this_cpu() {
        assert_eq!(find_busiest(1, &[2, 5]), Some(0));
        assert_eq!(find_busiest(1, &[1, 5]), None);
        assert_eq!(find_busiest(0, &[]), None);
        assert_eq!(find_busiest(u32::MAX, &[2, 2]), Some(0));
    }

    #[test]
    fn pull_skips_running_delayed_and_pinned_tasks() {
        let ok = PullCandidate {
            allowed: true,
            running: false,
            delayed: false,
            runnable_since: 10,
        };
        assert_eq!(choose_pull(&[]), None);
        assert_eq!(
            choose_pull(&[
                PullCandidate {
                    allowed: false,
                    runnable_since: 0,
                    ..ok
                },
                PullCandidate {
                    delayed: true,
                    runnable_since: 0,
                    ..ok
                },
                PullCandidate {
                    running: true,
                    runnable_since: 0,
                    ..ok
                },
                ok,
            ]),
            Some(3)
        );
        assert_eq!(choose_pull(&[ok, ok]), Some(0));
    }

    #[test]
    fn newidle_model_pulls_only_a_waiting_allowed_task_from_a_cpu_with_two() {
        fn prop(counts: Vec<u8>, this: u8, cands: Vec<(bool, bool, bool, u16)>) -> bool {
            let counts: Vec<u32> = counts.iter().map(|&c| c as u32 % 5).collect();
            let b = find_busiest(this as u32, &counts);
            let busiest_ok = match b {
                None => counts
                    .iter()
                    .enumerate()
                    .all(|(i, &c)| i == this as usize || c < 2),
                Some(i) => {
                    i != this as u32
                        && counts[i as usize] >= 2
                        && counts
                            .iter()
                            .enumerate()
                            .all(|(j, &c)| j == this as usize || c <= counts[i as usize])
                }
            };
            let cands: Vec<PullCandidate> = cands
                .iter()
                .map(|&(allowed, running, delayed, since)| PullCandidate {
                    allowed,
                    running,
                    delayed,
                    runnable_since: since as u64,
                })
                .collect();
            let pick_ok = match choose_pull(&cands) {
                None => cands.iter().all(|c| !c.allowed || c.running || c.delayed),
                Some(i) => {
                    let c = cands[i];
                    c.allowed
                        && !c.running
                        && !c.delayed
                        && cands.iter().all(|o| {
                            !o.allowed
                                || o.running
                                || o.delayed
                                || o.runnable_since >= c.runnable_since
                        })
                }
            };
            busiest_ok && pick_ok
        }
        QuickCheck::new()
            .tests(10_000)
            .max_tests(200_000)
            .quickcheck(prop as fn(Vec<u8>, u8, Vec<(bool, bool, bool, u16)>) -> bool);
    }

    // ---- Linux's balancer (v6.6), values derived by hand from the rules ----

    fn cpu(nr: u32, util: u64) -> LbCpu {
        LbCpu {
            nr_running: nr,
            h_nr_running: nr,
            load: nr as u64 * 1024,
            util,
            runnable: nr as u64 * util.min(1024),
            capacity: 1024,
            idle: nr == 0,
        }
    }

    #[test]
    fn topology_levels_follow_sd_degenerate() {
        // One LLC: the LLC level only, single-CPU groups from the local one.
        let d = Topology::one_llc(4).domains(2);
        assert_eq!(d.len(), 1);
        assert!(d[0].llc && d[0].weight == 4 && !d[0].prefer_sibling);
        assert_eq!(d[0].groups, vec![vec![2], vec![3], vec![0], vec![1]]);
        // One CPU per LLC: the machine level only, no sd_llc.
        let d = Topology::llc_per_cpu(3).domains(1);
        assert_eq!(d.len(), 1);
        assert!(!d[0].llc && d[0].weight == 3 && !d[0].prefer_sibling);
        assert_eq!(d[0].groups, vec![vec![1], vec![2], vec![0]]);
        // Two LLCs of two: both levels; the machine level's groups are LLCs
        // and its child prefers siblings.
        let t = Topology {
            llc: vec![0, 1, 0, 1],
        };
        let d = t.domains(3);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].groups, vec![vec![3], vec![1]]);
        assert_eq!(d[1].groups, vec![vec![1, 3], vec![0, 2]]);
        assert!(d[1].prefer_sibling && !d[1].llc && d[1].weight == 4);
        assert_eq!(t.llc_size(0), 2);
    }

    #[test]
    fn group_classes_at_the_117_percent_margins() {
        let g = |nr: u32, w: u32, util: u64, runnable: u64| GroupStats {
            sum_nr_running: nr,
            weight: w,
            util,
            runnable,
            capacity: 1024 * w as u64,
            ..GroupStats::default()
        };
        // Two tasks on one CPU: overloaded iff util·117 > 1024·100 (util ≥
        // 876) or runnable·100 > 1024·117 (runnable ≥ 1199).
        assert_eq!(group_classify(117, &g(2, 1, 876, 0)), GroupType::Overloaded);
        assert_eq!(group_classify(117, &g(2, 1, 875, 0)), GroupType::HasSpare);
        assert_eq!(
            group_classify(117, &g(2, 1, 0, 1199)),
            GroupType::Overloaded
        );
        assert_eq!(group_classify(117, &g(2, 1, 0, 1198)), GroupType::HasSpare);
        // One task per CPU: never overloaded; fully busy at the same margins.
        assert_eq!(group_classify(117, &g(1, 1, 876, 0)), GroupType::FullyBusy);
        assert_eq!(
            group_classify(117, &g(1, 1, 875, 1198)),
            GroupType::HasSpare
        );
        assert_eq!(group_classify(117, &g(1, 1, 0, 1199)), GroupType::FullyBusy);
        // Fewer tasks than CPUs: spare capacity whatever the util.
        assert_eq!(
            group_classify(117, &g(1, 2, 4000, 4000)),
            GroupType::HasSpare
        );
    }

    #[test]
    fn an_idle_cpu_pulls_one_task_from_a_cpu_running_two() {
        // CPU 0 idle, CPU 1 runs two tasks (util 1000), CPUs 2, 3 one each.
        let cpus = [cpu(0, 0), cpu(2, 1000), cpu(1, 1000), cpu(1, 1000)];
        let dom = &Topology::one_llc(4).domains(0)[0];
        let imb = find_busiest_group(dom, &cpus, IdleType::Idle).unwrap();
        // Inside an LLC an overloaded busiest with a spare local group is
        // balanced by task count: (2 − 0) >> 1 = 1 task.
        assert_eq!(imb.migration_type, MigrationType::Task);
        assert_eq!(imb.imbalance, 1);
        assert_eq!(dom.groups[imb.group], vec![1]);
        assert_eq!(
            find_busiest_queue(&dom.groups[imb.group], &cpus, &imb, &[]),
            Some(1)
        );
        assert_eq!(
            find_busiest_queue(&dom.groups[imb.group], &cpus, &imb, &[1]),
            None
        );
        // A fully busy destination balances load instead: avg_load 1024
        // against 2048, domain (5 · 1024) · 1024 / 4096 = 1280:
        // min(2048 − 1280, 1280 − 1024) = 256 — less than a task's 1024, so
        // detach_tasks will find nothing light enough.
        let busy = [cpu(1, 1000), cpu(2, 1000), cpu(1, 1000), cpu(1, 1000)];
        let imb = find_busiest_group(dom, &busy, IdleType::NotIdle).unwrap();
        assert_eq!(
            (imb.migration_type, imb.imbalance),
            (MigrationType::Load, 256)
        );
        // With spare capacity but busy: sibling_imbalance is 0 for it.
        let spare = [cpu(1, 500), cpu(2, 1000), cpu(1, 1000), cpu(1, 1000)];
        assert_eq!(find_busiest_group(dom, &spare, IdleType::NotIdle), None);
        // Nobody waits: balanced.
        let even = [cpu(0, 0), cpu(1, 1000), cpu(1, 1000), cpu(1, 1000)];
        assert_eq!(find_busiest_group(dom, &even, IdleType::Idle), None);
    }

    #[test]
    fn outside_an_llc_an_overloaded_group_fills_spare_capacity_by_util() {
        // Two LLCs {0, 2}, {1, 3}: local LLC idle, the other has 3 tasks.
        let t = Topology {
            llc: vec![0, 1, 0, 1],
        };
        let cpus = [cpu(0, 0), cpu(2, 1000), cpu(0, 0), cpu(1, 1000)];
        let dom = &t.domains(0)[1];
        let imb = find_busiest_group(dom, &cpus, IdleType::Idle).unwrap();
        assert_eq!(imb.migration_type, MigrationType::Util);
        // max(capacity 2048, util 0) − util 0.
        assert_eq!(imb.imbalance, 2048);
        assert_eq!(dom.groups[imb.group], vec![1, 3]);
        // migrate_util takes the CPU with the highest util and ≥ 2 tasks.
        assert_eq!(
            find_busiest_queue(&dom.groups[imb.group], &cpus, &imb, &[]),
            Some(1)
        );
    }

    #[test]
    fn overloaded_groups_balance_load_above_the_imbalance_pct() {
        // One LLC of two CPUs, both overloaded: 3 tasks against 2.
        let dom = &Topology::one_llc(2).domains(0)[0];
        let cpus = [cpu(2, 1000), cpu(3, 1000)];
        // avg_load: 2048 and 3072; domain 2560; 100·3072 > 117·2048.
        let imb = find_busiest_group(dom, &cpus, IdleType::NotIdle).unwrap();
        assert_eq!(imb.migration_type, MigrationType::Load);
        // min((3072 − 2560)·1024, (2560 − 2048)·1024) / 1024 = 512.
        assert_eq!(imb.imbalance, 512);
        // 6 against 7 tasks: 100·7168 ≤ 117·6144: balanced.
        let cpus = [cpu(6, 1000), cpu(7, 1000)];
        assert_eq!(find_busiest_group(dom, &cpus, IdleType::NotIdle), None);
    }

    #[test]
    fn can_migrate_task_order_and_the_hot_override() {
        let ok = MigrateCandidate {
            allowed: true,
            since_ran: MIGRATION_COST_NS,
            ..MigrateCandidate::default()
        };
        let t = MigrationType::Task;
        assert_eq!(can_migrate_task(&ok, t, false, 0), CanMigrate::Yes);
        let kt = MigrateCandidate {
            per_cpu_kthread: true,
            allowed: false,
            ..ok
        };
        assert_eq!(can_migrate_task(&kt, t, true, 9), CanMigrate::PerCpuKthread);
        let pinned = MigrateCandidate {
            allowed: false,
            running: true,
            ..ok
        };
        assert_eq!(can_migrate_task(&pinned, t, true, 9), CanMigrate::Pinned);
        let running = MigrateCandidate {
            running: true,
            ..ok
        };
        assert_eq!(can_migrate_task(&running, t, true, 9), CanMigrate::Running);
        // Delayed is tested first, before the kthread and affinity tests.
        let odd = MigrateCandidate {
            delayed: true,
            per_cpu_kthread: true,
            allowed: false,
            ..ok
        };
        assert_eq!(can_migrate_task(&odd, t, false, 0), CanMigrate::Delayed);
        assert_eq!(
            can_migrate_task(&odd, MigrationType::Load, false, 0),
            CanMigrate::PerCpuKthread
        );
        let delayed = MigrateCandidate {
            delayed: true,
            ..ok
        };
        assert_eq!(can_migrate_task(&delayed, t, false, 0), CanMigrate::Delayed);
        assert_eq!(
            can_migrate_task(&delayed, MigrationType::Load, false, 0),
            CanMigrate::Yes
        );
        // Ran 499,999 ns ago: hot, until nr_balance_failed > cache_nice_tries (1).
        let hot = MigrateCandidate {
            since_ran: MIGRATION_COST_NS - 1,
            ..ok
        };
        assert_eq!(can_migrate_task(&hot, t, false, 1), CanMigrate::CacheHot);
        assert_eq!(can_migrate_task(&hot, t, false, 2), CanMigrate::Yes);
        assert_eq!(can_migrate_task(&hot, t, true, 0), CanMigrate::Yes);
    }

    #[test]
    fn active_balance_after_three_more_failures_than_cache_nice_tries() {
        // cache_nice_tries + 2 = 3: the fourth failure asks for it.
        assert!(!need_active_balance(MigrationType::Task, 3));
        assert!(need_active_balance(MigrationType::Task, 4));
        assert!(!need_active_balance(MigrationType::Load, 40));
        assert!(!need_active_balance(MigrationType::Util, 40));
    }

    #[test]
    fn balance_intervals_in_jiffies() {
        // HZ 1000, 8 CPUs: idle 8 ms → 8; busy 8·16 − 1 = 127; cap HZ·8/10 = 800.
        assert_eq!(balance_interval_jiffies(8, false, 1000, 8), 8);
        assert_eq!(balance_interval_jiffies(8, true, 1000, 8), 127);
        assert_eq!(balance_interval_jiffies(512, true, 1000, 8), 800);
        // HZ 250: 4 ms is one jiffy; 3 ms rounds up to one; busy 64 ms → 16 − 1.
        assert_eq!(balance_interval_jiffies(4, false, 250, 4), 1);
        assert_eq!(balance_interval_jiffies(3, false, 250, 4), 1);
        assert_eq!(balance_interval_jiffies(4, true, 250, 4), 15);
        assert_eq!(msecs_to_jiffies(5, 250), 2);
    }

    #[test]
    fn pick_busiest_prefers_the_higher_class_then_the_class_rule() {
        let g = |t: GroupType, idle: u32, nr: u32, avg: u64| GroupStats {
            group_type: t,
            idle_cpus: idle,
            sum_nr_running: nr,
            sum_h_nr_running: nr,
            avg_load: avg,
            ..GroupStats::default()
        };
        use GroupType::*;
        assert!(pick_busiest(&g(HasSpare, 1, 1, 0), None));
        assert!(!pick_busiest(&g(Overloaded, 0, 0, 9), None));
        assert!(pick_busiest(
            &g(Overloaded, 0, 2, 1),
            Some(&g(FullyBusy, 0, 9, 0))
        ));
        assert!(!pick_busiest(
            &g(Overloaded, 0, 3, 5),
            Some(&g(Overloaded, 0, 2, 5))
        ));
        assert!(pick_busiest(
            &g(Overloaded, 0, 3, 6),
            Some(&g(Overloaded, 0, 2, 5))
        ));
        assert!(pick_busiest(
            &g(FullyBusy, 0, 1, 0),
            Some(&g(FullyBusy, 0, 1, 0))
        ));
        assert!(!pick_busiest(
            &g(HasSpare, 2, 5, 0),
            Some(&g(HasSpare, 1, 1, 0))
        ));
        assert!(!pick_busiest(
            &g(HasSpare, 1, 1, 0),
            Some(&g(HasSpare, 1, 1, 0))
        ));
        assert!(pick_busiest(
            &g(HasSpare, 1, 2, 0),
            Some(&g(HasSpare, 1, 1, 0))
        ));
    }
}
