//! The lab's discrete-event engine.
//!
//! Time is integer nanoseconds. The next event is the earliest of: a CPU's
//! current run ending (one slot per CPU), the next periodic tick (by default
//! all CPUs tick at the same instants, in index order; [`Config::skew_tick`]
//! spreads them as Linux's `skew_tick=1` does), and a binary heap of sleep timeouts,
//! workload timers and halted vCPUs resuming, ordered by (time, sequence
//! number). Equal times resolve in that fixed order, so a seed fixes every run.
//!
//! The engine owns the machine: CPUs, each with an `eevdf::fair::FairRq` (the
//! root run queue and one run queue per task group), and tasks. **Every
//! scheduling decision is a call into the `eevdf` crate**: enqueue, dequeue,
//! tick, pick, wakeup preemption (`FairRq`), wakeup placement
//! (`wake::select_task_rq_fair`, with `wake_wide`/`record_wakee`), group
//! weights and PELT (inside `FairRq`) — except load balancing, which the crate
//! does not have: either the lab's own newidle pull
//! (`balance::find_busiest`/`choose_pull`, explicitly non-Linux, the default)
//! or, with [`Config::linux_balance`], the lab's model of Linux's v6.6 load
//! balancer (`balance`'s module docs: periodic, newly idle, nohz idle and
//! active balancing), whose decisions are pure functions in `balance` and
//! whose task moves are the crate's `detach_task`/`attach_task` (and
//! `put_prev_task` for active balance). The engine only moves time, runs the
//! workload's tasks for the lengths they ask for, and reschedules a CPU when
//! the crate says so.
//!
//! Modelling choices of the engine itself (not Linux facts):
//!
//! * a reschedule request takes effect at once (a non-lazy kernel whose tasks
//!   reach a preemption point immediately, e.g. `cond_resched()` in a loop);
//! * without Linux's balancer, every CPU ticks periodically, also when idle
//!   (CONFIG_HZ_PERIODIC); an idle CPU's tick only decays its blocked load:
//!   the lab calls `update_blocked_averages` there, standing for the load
//!   balancer that runs it in Linux (the tick of the idle class does not).
//!   With it, blocked load is updated where the balancer does it (a due
//!   periodic balance, newly idle balance, the nohz stats kick), and with
//!   `LinuxBalance::nohz` an idle CPU's tick stops until it runs a task;
//! * by default one last-level cache spanning all CPUs ([`Config::topology`]
//!   gives several: the wakeup path then uses
//!   `wake::select_task_rq_fair_in_llcs`, and the balancer an LLC level and a
//!   machine level); no SMT, no NUMA; capacity 1024 everywhere; no interrupt
//!   or softirq time; context switches and balancing cost nothing;
//! * SIS_UTIL's `nr_idle_scan`, which Linux's periodic balancer sets, is not
//!   modelled: the wakeup scan may look at every CPU of the target's LLC;
//! * balancing runs at the instant of its tick or kick; the nohz kick's IPI
//!   and the stopper of active balance take no time, except that a halted
//!   vCPU answers the kick after `Config::resume_latency`;
//! * a halted vCPU (guest scenarios) that receives a task resumes after
//!   `Config::resume_latency`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use eevdf::cfs::{absolute_vruntime, relative_vruntime};
use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::{FairRq, TaskRef};
use eevdf::group::{SharesLoad, TaskGroup};
use eevdf::profile::VruntimeNorm;
use eevdf::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, WakeFlags};
use eevdf::wake::{
    record_wakee, select_task_rq_fair_in_llcs, wake_wide, CpuState, SelectTaskRq, WakeeFlips,
    SD_IMBALANCE_PCT_LLC,
};
use eevdf::{Features, Profile};

use crate::balance::{
    balance_interval_jiffies, can_migrate_task, choose_pull, find_busiest, find_busiest_group,
    find_busiest_queue, msecs_to_jiffies, need_active_balance, CanMigrate, Domain, IdleType, LbCpu,
    MigrateCandidate, MigrationType, PullCandidate, Topology, MAX_PINNED_INTERVAL, NR_MIGRATE,
};

/// Task groups per CPU (each is a level of `FairRq`: one run queue). Twelve
/// is what the vhost scenario's libvirt-like tree needs: the root, four
/// nested groups above vhost (a hierarchy five run queues deep) and seven
/// per-vCPU groups beside vhost's; the other scenarios use at most three.
pub const G: usize = 12;
/// Entities per level and CPU.
pub const N: usize = 16;
/// One CPU's fair class.
pub type Rq = FairRq<Profile, G, N>;

const NOBODY: usize = usize::MAX;

/// What the command line passes to every scenario run.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub seed: u64,
    /// Simulated seconds.
    pub secs: f64,
    /// debugfs feature words (`NO_PLACE_LAG`, `RUN_TO_PARITY`, …) applied after
    /// the variant's own features.
    pub features: Vec<String>,
    /// Told of every scheduling event (the trace writer); `None`: no one.
    pub probe: Option<Probe>,
}

/// What the engine tells a [`Probe`], right after doing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probed {
    /// A task was woken from `cpu` (before placement), by task `by` (`None`:
    /// a timer or interrupt), with WF_SYNC if `sync`.
    Waking {
        t: usize,
        cpu: usize,
        by: Option<usize>,
        sync: bool,
    },
    /// A woken task is queued on its CPU (`new`: the first enqueue of a run).
    Wakeup { t: usize, new: bool },
    /// A task moved between run queues.
    Migrate { t: usize, from: usize, to: usize },
    /// `pick_next_task` on `cpu` chose `t` (`None`: idle); also a task picked
    /// only to decide that it sleeps, and the same task again.
    Pick { cpu: usize, t: Option<usize> },
    /// `cpu`'s periodic tick ran.
    Tick { cpu: usize },
}

/// An observer of a run: it reads the engine's state and changes nothing.
pub trait Observer: Send {
    fn event(&mut self, sim: &Sim, ev: Probed);
    /// The stopper (the stop-class `migration/N` thread) took `cpu` for
    /// active balance: its running fair task, if any, stopped running and
    /// stays queued (a kernel trace shows a switch to `migration/N`); the
    /// migration and the next pick on `cpu` follow as events. The default
    /// does nothing.
    fn stopper(&mut self, _sim: &Sim, _cpu: usize) {}
}

/// A shared [`Observer`].
#[derive(Clone)]
pub struct Probe(pub Arc<Mutex<dyn Observer>>);

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Probe")
    }
}

/// What a run of the engine is configured with.
#[derive(Clone, Debug)]
pub struct Config {
    pub profile: Profile,
    pub features: Features,
    pub hz: u32,
    pub base_slice: u64,
    pub shares: SharesLoad,
    pub ncpus: usize,
    /// Task groups; `groups[0]` is the root.
    pub groups: Vec<TaskGroup>,
    /// The lab's newidle pull (`balance`), not Linux. Ignored when
    /// `linux_balance` is set.
    pub newidle_pull: bool,
    /// Linux's load balancer (`balance`'s model of v6.6: periodic, newly idle,
    /// active and — with `nohz` — nohz idle balancing) instead of the lab's
    /// newidle pull. `None` (the default): the lab's pull only.
    pub linux_balance: Option<LinuxBalance>,
    /// Which CPUs share a last-level cache (`None`: one LLC spans every CPU).
    pub topology: Option<Topology>,
    /// An idle CPU reports `vcpu_is_preempted` (a guest whose halted vCPUs the
    /// host marks preempted).
    pub idle_is_preempted: bool,
    /// Delay before a halted (idle) CPU runs a task placed on it.
    pub resume_latency: u64,
    /// Metrics count from here (ns).
    pub warmup: u64,
    /// The run ends here (ns).
    pub end: u64,
    /// Feature words applied on top of `features` when the run starts.
    pub extra_features: Vec<String>,
    pub probe: Option<Probe>,
    /// The wakeup placement rule (today's, or a historical one).
    pub wake_rule: WakeRule,
    /// Linux's `skew_tick=1` boot parameter: CPU i's periodic tick comes
    /// [`tick_skew_offset`] ns after CPU 0's instead of at the same instant
    /// (Linux's default, and the lab's: `false`).
    pub skew_tick: bool,
}

/// How far CPU `cpu`'s tick lags the tick period's start under
/// `skew_tick=1` (ns): `tick_setup_sched_timer` (kernel/time/tick-sched.c;
/// the rule is the same from v3.4, where `skew_tick` appeared, through 6.x)
/// takes half a tick period, divides it by the number of possible CPUs
/// (rounding down) and multiplies the quotient by the CPU number, so the
/// CPUs' ticks spread evenly over the first half of each period in CPU
/// order. Linux does this to keep the CPUs from contending for
/// `jiffies_lock` at once; for the scheduler it means each CPU's
/// `task_tick` (slice checks, PELT updates, the periodic balance) happens at
/// its own phase.
pub fn tick_skew_offset(tick_nsec: u64, ncpus: usize, cpu: usize) -> u64 {
    (tick_nsec >> 1) / ncpus as u64 * cpu as u64
}

/// Which release's wakeup placement the engine asks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WakeRule {
    /// The profile's `wake::select_task_rq_fair` (with `wake_wide`).
    #[default]
    Profile,
    /// v2.6.33's (`wake::v2_6_33::select_task_rq_fair`) on one MC domain
    /// spanning every CPU, with or without feature AFFINE_WAKEUPS; loads are
    /// the root run queues' instantaneous weights, scaled down to 2.6.33's
    /// units (nice 0 = 1024). No `avg_overlap` is kept: the lab's wakeups
    /// under this rule are plain (not sync) and SYNC_MORE is off.
    V2_6_33 { affine_wakeups: bool },
}

impl Config {
    pub fn new(profile: Profile, ncpus: usize, hz: u32, params: &Params) -> Config {
        let end = START + (params.secs * 1e9) as u64;
        Config {
            profile,
            features: Features::defaults(profile.release),
            hz,
            base_slice: profile.base_slice(ncpus as u32),
            shares: SharesLoad::MaxWeightLoadAvg,
            ncpus,
            groups: vec![TaskGroup::ROOT],
            newidle_pull: true,
            linux_balance: None,
            topology: None,
            idle_is_preempted: false,
            resume_latency: 0,
            warmup: START + ((end - START) / 10).min(1_000_000_000),
            end,
            extra_features: params.features.clone(),
            probe: params.probe.clone(),
            wake_rule: WakeRule::Profile,
            skew_tick: false,
        }
    }

    pub fn tick_nsec(&self) -> u64 {
        eevdf::profile::tick_nsec(self.hz)
    }
}

/// How Linux's load balancer runs ([`Config::linux_balance`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinuxBalance {
    /// NO_HZ_IDLE: an idle CPU stops its tick, and busy CPUs kick the nohz
    /// idle balancer; `false`: every CPU ticks (CONFIG_HZ_PERIODIC) and an
    /// idle CPU balances at its own tick.
    pub nohz: bool,
}

/// The clock starts here, not at 0: a PELT `last_update_time` of 0 means "not
/// attached yet".
pub const START: u64 = 1_000_000;

/// What a task does next, asked when it is on a CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Compute for this many ns of CPU time.
    Run(u64),
    /// Sleep for this long (a timer wakes it on the CPU it slept on).
    Sleep(u64),
    /// Sleep until another task (or a workload timer) wakes it.
    Block,
}

/// A scenario's tasks' behaviour.
pub trait Workload {
    /// Task `t` is on its CPU and asks what to do: right after it was woken and
    /// first picked, and whenever a `Run` completes. May wake other tasks.
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action;
    /// A timer set with [`Sim::add_timer`] fired.
    fn timer(&mut self, _sim: &mut Sim, _token: u64) {}
    /// A CPU switched from `prev` to `next` (`None`: idle).
    fn switched(&mut self, _sim: &Sim, _cpu: usize, _prev: Option<usize>, _next: Option<usize>) {}
}

/// A task to create.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    pub name: String,
    pub group: u32,
    pub nice: i32,
    /// CPUs it may run on (`None`: all).
    pub allowed: Option<Vec<usize>>,
    /// Where it starts.
    pub cpu: usize,
    /// Keep every wake-to-run wait (for a distribution plot).
    pub keep_waits: bool,
    /// A kernel thread (with one allowed CPU: a per-CPU kthread such as a
    /// kworker).
    pub kthread: bool,
    /// A load weight (scaled down, nice 0 = 1024) instead of `nice`'s.
    pub weight: Option<u64>,
    /// A custom slice in ns (`sched_attr.sched_runtime`, v6.12+; releases
    /// without it ignore it).
    pub slice: Option<u64>,
}

impl TaskSpec {
    pub fn new(name: &str, group: u32, cpu: usize) -> TaskSpec {
        TaskSpec {
            name: name.to_string(),
            group,
            nice: 0,
            allowed: None,
            cpu,
            keep_waits: false,
            kthread: false,
            weight: None,
            slice: None,
        }
    }

    pub fn pinned(mut self) -> TaskSpec {
        self.allowed = Some(vec![self.cpu]);
        self
    }

    pub fn keep_waits(mut self) -> TaskSpec {
        self.keep_waits = true;
        self
    }

    /// A kernel thread: pinned, it is a per-CPU kthread, whose wakeups of a
    /// task that last ran on its CPU stack the wakee there (`select_idle_sibling`).
    pub fn kthread(mut self) -> TaskSpec {
        self.kthread = true;
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Running,
    Runnable,
    Sleeping,
}

/// Count, sum and maximum of a duration, and optionally every sample.
#[derive(Clone, Debug, Default)]
pub struct Stat {
    pub n: u64,
    pub sum: u64,
    pub max: u64,
    pub samples: Vec<u64>,
}

impl Stat {
    fn add(&mut self, v: u64, keep: bool) {
        self.n += 1;
        self.sum += v;
        self.max = self.max.max(v);
        if keep {
            self.samples.push(v);
        }
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sum as f64 / self.n as f64
        }
    }
}

#[derive(Clone, Debug)]
pub struct Task {
    pub name: String,
    pub group: u32,
    pub allowed: Vec<bool>,
    /// The only CPU it may run on, if its affinity is a single CPU.
    pub single_cpu: Option<usize>,
    /// A kernel thread ([`TaskSpec::kthread`]).
    pub kthread: bool,
    /// `p->recent_used_cpu`, kept by `select_task_rq_fair`.
    pub recent_used_cpu: u32,
    pub cpu: usize,
    pub tref: TaskRef,
    pub state: State,
    /// CPU time left in the current `Run`.
    pub remaining: u64,
    /// Woken, not yet asked for its next action.
    needs_action: bool,
    /// Woken while running or runnable: its next `Block` returns at once.
    pub wake_pending: bool,
    pub runnable_since: u64,
    woken_at: Option<u64>,
    sleep_gen: u64,
    pub flips: WakeeFlips,
    keep_waits: bool,
    // ---- statistics, counted after the warm-up ----
    /// CPU time.
    pub runtime: u64,
    /// Wakeup → first run.
    pub wake_wait: Stat,
    pub wakeups: u64,
    /// Migrations chosen at wakeup (`select_task_rq_fair`).
    pub migrations_wake: u64,
    /// Migrations by the lab's newidle pull.
    pub migrations_pull: u64,
    /// Migrations by Linux's balancer moving a queued task (periodic, nohz
    /// idle or newly idle `load_balance`).
    pub migrations_lb: u64,
    /// Migrations by active balance (the task was running).
    pub migrations_active: u64,
    /// Position in its CPU's `cfs_tasks` list: larger is nearer the head
    /// (enqueued or picked more recently).
    lru: u64,
    /// When it last ran (`exec_start`); `None` after a migration.
    last_ran: Option<u64>,
    /// Wakeups that found it still queued as a delayed-dequeue sleeper.
    pub wakeups_in_place: u64,
}

#[derive(Debug)]
pub struct Cpu {
    pub rq: Rq,
    pub running: Option<usize>,
    /// Start of the running task's unaccounted stretch.
    run_start: u64,
    need_resched: bool,
    resume_pending: bool,
    /// Task index of each (group, slot).
    owner: Vec<[usize; N]>,
    /// Busy time after the warm-up.
    pub busy: u64,
}

/// Engine counters: every call into the crate's scheduling operations.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    pub enqueue: u64,
    pub dequeue: u64,
    pub pick: u64,
    pub tick: u64,
    /// Wakeups processed (placement + wakeup preemption).
    pub wakeup: u64,
    pub migrate: u64,
    /// Context switches (a different task, or idle, after a pick).
    pub switches: u64,
}

impl Counters {
    /// Scheduling events: enqueue, dequeue, pick, tick, wakeup and migration
    /// operations processed.
    pub fn events(&self) -> u64 {
        self.enqueue + self.dequeue + self.pick + self.tick + self.wakeup + self.migrate
    }

    pub fn add(&mut self, o: &Counters) {
        self.enqueue += o.enqueue;
        self.dequeue += o.dequeue;
        self.pick += o.pick;
        self.tick += o.tick;
        self.wakeup += o.wakeup;
        self.migrate += o.migrate;
        self.switches += o.switches;
    }
}

/// Wakeup placements that had an idle CPU to go to.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlacementStats {
    /// Wakeups (after the warm-up, not of delayed tasks) when some allowed CPU
    /// was idle (running nothing, nothing queued).
    pub with_idle_cpu: u64,
    /// Of those, placed on an idle CPU.
    pub onto_idle_cpu: u64,
    /// Wakeups (after the warm-up) where `wake_affine` ran, and where it
    /// chose the waker's CPU.
    pub wake_affine_runs: u64,
    pub wake_affine_this: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    SleepEnd(u32, u64),
    Timer(u64),
    Resume(u32),
    /// The nohz idle-balance IPI reaches this CPU.
    NohzKick(u32),
}

/// `NOHZ_STATS_KICK`: update idle CPUs' blocked load.
const NOHZ_STATS: u8 = 1;
/// `NOHZ_BALANCE_KICK`: balance on behalf of idle CPUs.
const NOHZ_BALANCE: u8 = 2;
/// `LOAD_AVG_PERIOD` (ms): how often idle CPUs' blocked load is updated.
const LOAD_AVG_PERIOD_MS: u64 = 32;

/// One domain's balancing state on one CPU (`struct sched_domain`'s).
#[derive(Clone, Copy, Debug)]
struct DomState {
    last_balance: u64,
    /// ms.
    balance_interval: u64,
    nr_balance_failed: u32,
}

/// Counts of Linux's balancer (after the warm-up).
#[derive(Clone, Copy, Debug, Default)]
pub struct BalanceStats {
    /// `load_balance` calls by kind: periodic (a CPU's own tick), nohz (on
    /// behalf of an idle CPU) and newly idle.
    pub periodic: u64,
    pub nohz: u64,
    pub newidle: u64,
    /// Queued tasks moved by `load_balance`.
    pub moved: u64,
    /// Running tasks moved by active balance.
    pub active: u64,
    /// nohz idle-balance kicks sent.
    pub kicks: u64,
}

/// Linux's balancer state.
struct Lb {
    nohz: bool,
    doms: Vec<Vec<Domain>>,
    st: Vec<Vec<DomState>>,
    /// `rq->next_balance` (jiffies).
    next_balance: Vec<u64>,
    /// In `nohz.idle_cpus_mask` (tick stopped; left at the first busy tick).
    nohz_idle: Vec<bool>,
    nohz_next_balance: u64,
    has_blocked: bool,
    next_blocked: u64,
    /// Kick flags pending per CPU (the IPI is on its way).
    kick: Vec<u8>,
    /// Balancing on behalf of an idle CPU (counts as nohz).
    in_nohz: bool,
}

pub struct Sim {
    pub cfg: Config,
    pub now: u64,
    pub tasks: Vec<Task>,
    pub cpus: Vec<Cpu>,
    pub tgs: Vec<TaskGroup>,
    pub counts: Counters,
    pub placement: PlacementStats,
    /// Linux's balancer counts (zero without it).
    pub balance: BalanceStats,
    lb: Option<Lb>,
    /// LLC id per CPU (empty: one LLC).
    llc: Vec<u32>,
    /// Largest LLC.
    llc_max: usize,
    lru_seq: u64,
    /// The CPU whose `schedule()` is running (a pull onto it needs no
    /// reschedule).
    scheduling: Option<usize>,
    heap: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    seq: u64,
    tick_nsec: u64,
    /// CPUs with a pending reschedule (bit i: CPU i).
    resched_mask: u64,
    /// The next tick: its time and the CPU whose turn it is (CPUs tick in
    /// index order, each at the period's start plus its offset).
    tick_at: u64,
    tick_cpu: usize,
    /// Start of the current tick period.
    tick_base: u64,
    /// Each CPU's tick offset within a period (all 0 unless `skew_tick`).
    tick_offset: Vec<u64>,
    /// Scratch for the wakeup path.
    states: Vec<CpuState>,
    /// When each CPU's running task ends its current `Run` (`u64::MAX`: none).
    run_done_at: Vec<u64>,
    probe: Option<Probe>,
}

fn lab_err<T>(r: Result<T, eevdf::Error>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("eevdf error in {what}: {e}"),
    }
}

impl Sim {
    pub fn new(mut cfg: Config) -> Sim {
        for w in &cfg.extra_features {
            cfg.features.apply_debugfs(w);
        }
        let ncpus = cfg.ncpus;
        let tun = Tunables {
            base_slice: cfg.base_slice,
            tick_nsec: cfg.tick_nsec(),
            features: cfg.features,
        };
        let cpus = (0..cfg.ncpus)
            .map(|_| Cpu {
                rq: lab_err(
                    Rq::new(cfg.profile, tun, cfg.shares, &cfg.groups),
                    "FairRq::new",
                ),
                running: None,
                run_start: START,
                need_resched: false,
                resume_pending: false,
                owner: vec![[NOBODY; N]; cfg.groups.len()],
                busy: 0,
            })
            .collect();
        let topo = cfg
            .topology
            .clone()
            .unwrap_or_else(|| Topology::one_llc(ncpus));
        assert_eq!(topo.ncpus(), ncpus, "topology and CPU count differ");
        let llc = if cfg.topology.is_some() {
            topo.llc.clone()
        } else {
            Vec::new()
        };
        let llc_max = (0..ncpus).map(|c| topo.llc_size(c)).max().unwrap_or(1);
        let j0 = START / cfg.tick_nsec();
        let lb = cfg.linux_balance.map(|lb| {
            let doms: Vec<Vec<Domain>> = (0..ncpus).map(|c| topo.domains(c)).collect();
            let st = doms
                .iter()
                .map(|ds| {
                    ds.iter()
                        .map(|d| DomState {
                            last_balance: j0,
                            balance_interval: d.weight,
                            nr_balance_failed: 0,
                        })
                        .collect()
                })
                .collect();
            Lb {
                nohz: lb.nohz,
                doms,
                st,
                next_balance: vec![j0; ncpus],
                nohz_idle: vec![false; ncpus],
                nohz_next_balance: j0,
                has_blocked: false,
                next_blocked: j0,
                kick: vec![0; ncpus],
                in_nohz: false,
            }
        });
        let tick_offset = (0..ncpus)
            .map(|c| {
                if cfg.skew_tick {
                    tick_skew_offset(cfg.tick_nsec(), ncpus, c)
                } else {
                    0
                }
            })
            .collect();
        Sim {
            balance: BalanceStats::default(),
            lb,
            llc,
            llc_max,
            lru_seq: 0,
            scheduling: None,
            probe: cfg.probe.clone(),
            tgs: cfg.groups.clone(),
            tick_nsec: cfg.tick_nsec(),
            cfg,
            now: START,
            tasks: Vec::new(),
            cpus,
            counts: Counters::default(),
            placement: PlacementStats::default(),
            heap: BinaryHeap::new(),
            seq: 0,
            resched_mask: 0,
            tick_at: u64::MAX,
            tick_cpu: 0,
            tick_base: 0,
            tick_offset,
            states: Vec::new(),
            run_done_at: vec![u64::MAX; ncpus],
        }
    }

    pub fn add_task(&mut self, spec: TaskSpec) -> usize {
        let t = self.tasks.len();
        let mut allowed = vec![spec.allowed.is_none(); self.cfg.ncpus];
        for &c in spec.allowed.iter().flatten() {
            allowed[c] = true;
        }
        let mut se = match spec.weight {
            Some(w) => SchedEntity::new(
                lab_err(eevdf::weight::LoadWeight::new(w << 10), "weight"),
                self.cfg.base_slice,
            ),
            None => lab_err(
                SchedEntity::from_nice(spec.nice, self.cfg.base_slice),
                "nice",
            ),
        };
        if let Some(s) = spec.slice {
            se.set_custom_slice(s, self.cfg.base_slice);
        }
        let cpu = spec.cpu;
        let tref = lab_err(self.cpus[cpu].rq.add_task(spec.group, se), "add_task");
        self.cpus[cpu].owner[tref.group as usize][tref.entity.index() as usize] = t;
        let single_cpu = match allowed.iter().filter(|&&a| a).count() {
            1 => allowed.iter().position(|&a| a),
            _ => None,
        };
        self.tasks.push(Task {
            name: spec.name,
            group: spec.group,
            allowed,
            single_cpu,
            kthread: spec.kthread,
            recent_used_cpu: cpu as u32,
            cpu,
            tref,
            state: State::Sleeping,
            remaining: 0,
            needs_action: true,
            wake_pending: false,
            runnable_since: START,
            woken_at: None,
            sleep_gen: 0,
            flips: WakeeFlips::default(),
            keep_waits: spec.keep_waits,
            runtime: 0,
            wake_wait: Stat::default(),
            wakeups: 0,
            migrations_wake: 0,
            migrations_pull: 0,
            migrations_lb: 0,
            migrations_active: 0,
            lru: 0,
            last_ran: None,
            wakeups_in_place: 0,
        });
        t
    }

    /// Tells the probe, if any.
    fn probe(&self, ev: Probed) {
        if let Some(p) = &self.probe {
            p.0.lock()
                .unwrap_or_else(|e| e.into_inner())
                .event(self, ev);
        }
    }

    fn push(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, ev)));
    }

    /// A workload timer at `at` (ns), delivered to [`Workload::timer`].
    pub fn add_timer(&mut self, at: u64, token: u64) {
        self.push(at.max(self.now), Ev::Timer(token));
    }

    pub fn jiffies(&self) -> u64 {
        self.now / self.tick_nsec
    }

    /// The part of `[a, b)` after the warm-up.
    fn counted(&self, a: u64, b: u64) -> u64 {
        b.saturating_sub(a.max(self.cfg.warmup))
    }

    fn owner(&self, cpu: usize, tref: TaskRef) -> usize {
        let t = self.cpus[cpu].owner[tref.group as usize][tref.entity.index() as usize];
        assert_ne!(t, NOBODY, "a run-queue entity without a task");
        t
    }

    /// Charges the running task of `cpu` up to now.
    fn account_running(&mut self, cpu: usize) {
        let c = &self.cpus[cpu];
        if let Some(t) = c.running {
            let (a, b) = (c.run_start, self.now);
            let counted = self.counted(a, b);
            let task = &mut self.tasks[t];
            task.remaining = task.remaining.saturating_sub(b - a);
            task.runtime += counted;
            task.last_ran = Some(b);
            let c = &mut self.cpus[cpu];
            c.busy += counted;
            c.run_start = b;
        }
    }

    /// Ends task `t`'s current `Run` now; it asks for its next action when it
    /// is (next) on a CPU.
    pub fn cut_run(&mut self, t: usize) {
        let task = &self.tasks[t];
        match task.state {
            State::Running => {
                let cpu = task.cpu;
                self.account_running(cpu);
                self.tasks[t].remaining = 0;
                self.run_done_at[cpu] = self.now;
            }
            State::Runnable => self.tasks[t].remaining = 0,
            State::Sleeping => {}
        }
    }

    fn set_resched(&mut self, cpu: usize) {
        self.cpus[cpu].need_resched = true;
        self.resched_mask |= 1 << cpu;
    }

    fn request_resched(&mut self, cpu: usize) {
        let lat = self.cfg.resume_latency;
        let c = &mut self.cpus[cpu];
        if c.running.is_none() && lat > 0 {
            if !c.resume_pending {
                c.resume_pending = true;
                self.push(self.now + lat, Ev::Resume(cpu as u32));
            }
        } else {
            self.set_resched(cpu);
        }
    }

    /// A CPU as the wakeup path sees it.
    pub fn cpu_state(&self, cpu: usize) -> CpuState {
        let c = &self.cpus[cpu];
        let idle = c.running.is_none();
        CpuState {
            load_avg: c.rq.cpu_load(),
            capacity: 1024,
            nr_running: c.rq.nr_running(),
            h_nr_queued: c.rq.nr_running(),
            h_nr_runnable: c.rq.h_nr_runnable(0).unwrap_or(0),
            idle_task_running: idle,
            ttwu_pending: c.resume_pending,
            vcpu_preempted: self.cfg.idle_is_preempted && idle && !c.resume_pending,
            sched_idle_only: false,
        }
    }

    fn is_idle(&self, cpu: usize) -> bool {
        let c = &self.cpus[cpu];
        c.running.is_none() && c.rq.nr_running() == 0 && !c.resume_pending
    }

    /// Moves task `t` (sleeping and off the run queue, or queued and not
    /// running) to `dst`; a queued task is enqueued there.
    fn migrate(&mut self, t: usize, dst: usize) {
        let src = self.tasks[t].cpu;
        let tref = self.tasks[t].tref;
        let queued = lab_err(self.cpus[src].rq.entity(tref), "entity").on_rq;
        // CFS (6.5): a waking task leaves with its vruntime relative to the
        // old queue's min_vruntime (migrate_task_rq_fair) and gets the new
        // queue's back (enqueue_entity's renormalisation for ENQUEUE_MIGRATED)
        // before its wakeup placement. The lab reads the new min_vruntime
        // here, before the enqueue's update_curr. (A queued task's migration
        // dequeue and RESTORE enqueue do this inside the crate.)
        let cfs_renorm =
            !queued && self.cfg.profile.vruntime_norm == VruntimeNorm::MinVruntimeRelative;
        let level_min = |rq: &Rq| rq.cfs_rq(tref.group).map(|q| q.min_vruntime());
        let src_min = lab_err(level_min(&self.cpus[src].rq), "cfs_rq");
        let mut m = lab_err(
            self.cpus[src].rq.detach_task(tref, self.now, &mut self.tgs),
            "detach_task",
        );
        if cfs_renorm {
            let dst_min = lab_err(level_min(&self.cpus[dst].rq), "cfs_rq");
            m.se.vruntime = absolute_vruntime(relative_vruntime(m.se.vruntime, src_min), dst_min);
        }
        if queued {
            self.counts.dequeue += 1;
        }
        if self.cpus[src].rq.take_resched().is_requested() {
            self.request_resched(src);
        }
        self.cpus[src].owner[tref.group as usize][tref.entity.index() as usize] = NOBODY;
        let group = self.tasks[t].group;
        let nref = lab_err(self.cpus[dst].rq.attach_task(group, m), "attach_task");
        self.cpus[dst].owner[nref.group as usize][nref.entity.index() as usize] = t;
        self.lru_seq += 1;
        let task = &mut self.tasks[t];
        task.cpu = dst;
        task.tref = nref;
        // migrate_task_rq_fair: no longer cache hot (exec_start = 0).
        task.last_ran = None;
        task.lru = self.lru_seq;
        self.counts.migrate += 1;
        if queued {
            lab_err(
                self.cpus[dst].rq.enqueue_task(
                    nref,
                    self.now,
                    EnqueueFlags::RESTORE,
                    &mut self.tgs,
                ),
                "enqueue_task",
            );
            self.counts.enqueue += 1;
        }
        self.probe(Probed::Migrate {
            t,
            from: src,
            to: dst,
        });
    }

    /// Wakes task `t` (`try_to_wake_up`), from CPU `src_cpu`, by task `waker`
    /// if a task does it (else an interrupt or timer), with WF_SYNC if `sync`.
    /// A task that is running or runnable only notes the wakeup (its next
    /// `Block` returns at once).
    pub fn wake(&mut self, t: usize, src_cpu: usize, waker: Option<usize>, sync: bool) {
        match self.tasks[t].state {
            State::Running | State::Runnable => {
                self.tasks[t].wake_pending = true;
                return;
            }
            State::Sleeping => {}
        }
        self.counts.wakeup += 1;
        self.probe(Probed::Waking {
            t,
            cpu: src_cpu,
            by: waker,
            sync,
        });
        let now = self.now;
        let counted = now >= self.cfg.warmup;
        self.tasks[t].sleep_gen += 1;
        let prev = self.tasks[t].cpu;
        let tref = self.tasks[t].tref;
        let e = *lab_err(self.cpus[prev].rq.entity(tref), "entity");
        let target = if e.on_rq && e.sched_delayed {
            // Still queued as a delayed-dequeue sleeper: requeued in place
            // (requeue_delayed_entity(), v6.12–v7.1), no placement decision.
            if counted {
                self.tasks[t].wakeups_in_place += 1;
            }
            prev
        } else if let Some(only) = self.tasks[t].single_cpu {
            // Core's select_task_rq asks the class (select_task_rq_fair, which
            // also does record_wakee) only for tasks allowed on several CPUs.
            if only != prev {
                self.migrate(t, only);
            }
            only
        } else if let WakeRule::V2_6_33 { affine_wakeups } = self.cfg.wake_rule {
            let dst = self.place_v2_6_33(t, src_cpu, waker, sync, affine_wakeups);
            if dst != prev {
                self.migrate(t, dst);
                if counted {
                    self.tasks[t].migrations_wake += 1;
                }
            }
            dst
        } else {
            let jiffies = self.jiffies();
            let hz = self.cfg.hz as u64;
            let waker_flips = match waker {
                Some(w) => {
                    record_wakee(&mut self.tasks[w].flips, t as u64 + 1, jiffies, hz);
                    self.tasks[w].flips.wakee_flips
                }
                None => 0,
            };
            let want_affine = !wake_wide(
                waker_flips,
                self.tasks[t].flips.wakee_flips,
                self.llc_size(src_cpu) as u32,
            );
            let task_h_load = lab_err(self.cpus[prev].rq.task_h_load(tref, jiffies), "task_h_load");
            let current_h_load = match waker {
                Some(w) if self.tasks[w].state == State::Running => {
                    let (wc, wr) = (self.tasks[w].cpu, self.tasks[w].tref);
                    lab_err(self.cpus[wc].rq.task_h_load(wr, jiffies), "task_h_load")
                }
                _ => 0,
            };
            let mut states = std::mem::take(&mut self.states);
            states.clear();
            states.extend((0..self.cfg.ncpus).map(|c| self.cpu_state(c)));
            // A waking task runs in task context; a per-CPU kthread is a
            // kernel thread allowed on one CPU.
            let waker_per_cpu_kthread =
                waker.is_some_and(|w| self.tasks[w].kthread && self.tasks[w].single_cpu.is_some());
            let input = SelectTaskRq {
                this_cpu: src_cpu as u32,
                prev_cpu: prev as u32,
                want_affine,
                sync,
                task_h_load,
                current_h_load,
                imbalance_pct: SD_IMBALANCE_PCT_LLC,
                p_is_sched_idle: false,
                recent_used_cpu: self.tasks[t].recent_used_cpu,
                waker_per_cpu_kthread,
                // SIS_UTIL's nr_idle_scan is not modelled: the scan may
                // cover the whole LLC.
                nr_idle_scan: self.llc_max as i32,
                // No SMT.
                has_idle_cores: false,
            };
            let pl = lab_err(
                select_task_rq_fair_in_llcs(
                    &self.cfg.profile,
                    self.cfg.features,
                    &input,
                    &states,
                    &self.tasks[t].allowed,
                    &[],
                    &self.llc,
                ),
                "select_task_rq_fair",
            );
            self.states = states;
            self.tasks[t].recent_used_cpu = pl.recent_used_cpu;
            let dst = pl.cpu as usize;
            if counted && pl.affine.is_some() {
                self.placement.wake_affine_runs += 1;
                if pl.affine == Some(eevdf::wake::WakeTarget::This) {
                    self.placement.wake_affine_this += 1;
                }
            }
            if counted {
                let any_idle =
                    (0..self.cfg.ncpus).any(|c| self.tasks[t].allowed[c] && self.is_idle(c));
                if any_idle {
                    self.placement.with_idle_cpu += 1;
                    if self.is_idle(dst) {
                        self.placement.onto_idle_cpu += 1;
                    }
                }
            }
            if dst != prev {
                self.migrate(t, dst);
                if counted {
                    self.tasks[t].migrations_wake += 1;
                }
            }
            dst
        };
        let tref = self.tasks[t].tref;
        lab_err(
            self.cpus[target]
                .rq
                .enqueue_task(tref, now, EnqueueFlags::WAKEUP, &mut self.tgs),
            "enqueue_task",
        );
        self.counts.enqueue += 1;
        self.lru_seq += 1;
        let task = &mut self.tasks[t];
        task.lru = self.lru_seq;
        task.state = State::Runnable;
        task.runnable_since = now;
        task.woken_at = Some(now);
        task.needs_action = true;
        task.wake_pending = false;
        if counted {
            task.wakeups += 1;
        }
        let flags = WakeFlags {
            sync,
            ..WakeFlags::default()
        };
        let preempt = lab_err(
            self.cpus[target]
                .rq
                .wakeup_preempt(tref, now, flags, &mut self.tgs),
            "wakeup_preempt",
        );
        let resched = self.cpus[target].rq.take_resched();
        if preempt.is_requested() || resched.is_requested() {
            self.request_resched(target);
        }
        self.probe(Probed::Wakeup { t, new: false });
    }

    /// v2.6.33's wakeup placement of task `t` woken from `src_cpu`
    /// ([`WakeRule::V2_6_33`]).
    fn place_v2_6_33(
        &mut self,
        t: usize,
        src_cpu: usize,
        waker: Option<usize>,
        sync: bool,
        affine_wakeups: bool,
    ) -> usize {
        use eevdf::wake::v2_6_33 as old;
        use eevdf::weight::scale_load_down;
        let prev = self.tasks[t].cpu;
        let root_load = |c: &Cpu| {
            c.rq.cfs_rq(0)
                .map_or(0, |q| scale_load_down(q.load_weight()))
        };
        let weight_of = |sim: &Sim, task: usize| {
            let tk = &sim.tasks[task];
            sim.cpus[tk.cpu]
                .rq
                .entity(tk.tref)
                .map_or(1024, |e| scale_load_down(e.load.weight()))
        };
        // `current` on the waker's CPU: the waking task, else whatever runs
        // there (its weight only matters for a sync wakeup).
        let current = waker.or(self.cpus[src_cpu].running);
        let input = old::WakeAffineInput {
            this_load: root_load(&self.cpus[src_cpu]),
            this_nr_running: self.cpus[src_cpu].rq.nr_running(),
            prev_load: root_load(&self.cpus[prev]),
            current_weight: current.map_or(0, |c| weight_of(self, c)),
            p_weight: weight_of(self, t),
            sync,
            ..old::WakeAffineInput::default()
        };
        let cfs: Vec<u32> = self.cpus.iter().map(|c| c.rq.nr_running()).collect();
        let pl = old::select_task_rq_fair(
            src_cpu,
            prev,
            affine_wakeups,
            &input,
            &cfs,
            &self.tasks[t].allowed,
        );
        if self.now >= self.cfg.warmup {
            if let Some(d) = pl.decision {
                self.placement.wake_affine_runs += 1;
                if d.affine && pl.cpu != prev {
                    self.placement.wake_affine_this += 1;
                }
            }
        }
        pl.cpu
    }

    /// The running task `t` of `cpu` goes to sleep (optionally with a timeout).
    fn sleep(&mut self, cpu: usize, t: usize, timeout: Option<u64>) {
        self.account_running(cpu);
        let tref = self.tasks[t].tref;
        let _: Dequeued = lab_err(
            self.cpus[cpu]
                .rq
                .dequeue_task(tref, self.now, DequeueFlags::SLEEP, &mut self.tgs),
            "dequeue_task",
        );
        self.counts.dequeue += 1;
        let task = &mut self.tasks[t];
        task.state = State::Sleeping;
        task.remaining = 0;
        if let Some(d) = timeout {
            task.sleep_gen += 1;
            let g = task.sleep_gen;
            self.push(self.now + d, Ev::SleepEnd(t as u32, g));
        }
    }

    /// Asks the workload what `t` (on `cpu`) does next until it runs or sleeps.
    /// Returns whether it will run.
    fn resolve<W: Workload>(&mut self, cpu: usize, t: usize, w: &mut W) -> bool {
        for _ in 0..1000 {
            match w.next(self, t) {
                Action::Run(0) => continue,
                Action::Run(ns) => {
                    self.tasks[t].remaining = ns;
                    return true;
                }
                Action::Sleep(d) => {
                    self.sleep(cpu, t, Some(d));
                    return false;
                }
                Action::Block => {
                    if std::mem::take(&mut self.tasks[t].wake_pending) {
                        continue;
                    }
                    self.sleep(cpu, t, None);
                    return false;
                }
            }
        }
        panic!("task {} never ran nor slept", self.tasks[t].name);
    }

    /// The lab's newidle pull onto `cpu`; true if a task was moved.
    fn newidle_pull(&mut self, cpu: usize) -> bool {
        let counts: Vec<u32> = self
            .cpus
            .iter()
            .map(|c| c.rq.h_nr_runnable(0).unwrap_or(0))
            .collect();
        let Some(src) = find_busiest(cpu as u32, &counts) else {
            return false;
        };
        let src = src as usize;
        let mut cands = Vec::new();
        let mut who = Vec::new();
        for tref in self.cpus[src].rq.tasks() {
            let e = lab_err(self.cpus[src].rq.entity(tref), "entity");
            if !e.on_rq {
                continue;
            }
            let t = self.owner(src, tref);
            cands.push(PullCandidate {
                allowed: self.tasks[t].allowed[cpu],
                running: self.cpus[src].running == Some(t),
                delayed: e.sched_delayed,
                runnable_since: self.tasks[t].runnable_since,
            });
            who.push(t);
        }
        let Some(i) = choose_pull(&cands) else {
            return false;
        };
        let t = who[i];
        self.migrate(t, cpu);
        if self.now >= self.cfg.warmup {
            self.tasks[t].migrations_pull += 1;
        }
        true
    }

    /// `schedule()` on `cpu`.
    fn schedule<W: Workload>(&mut self, cpu: usize, w: &mut W) {
        self.cpus[cpu].need_resched = false;
        self.resched_mask &= !(1 << cpu);
        self.account_running(cpu);
        let prev = self.cpus[cpu].running;
        let mut pulled = false;
        let next = loop {
            let pick = lab_err(
                self.cpus[cpu].rq.pick_next_task(self.now, &mut self.tgs),
                "pick_next_task",
            );
            self.counts.pick += 1;
            if self.probe.is_some() {
                let t = pick.map(|r| self.owner(cpu, r));
                self.probe(Probed::Pick { cpu, t });
            }
            let Some(tref) = pick else {
                if !pulled && self.lb.is_some() {
                    pulled = true;
                    self.scheduling = Some(cpu);
                    let got = self.newidle_balance(cpu);
                    self.scheduling = None;
                    if got {
                        continue;
                    }
                } else if self.cfg.newidle_pull && !pulled {
                    pulled = true;
                    if self.newidle_pull(cpu) {
                        continue;
                    }
                }
                break None;
            };
            let t = self.owner(cpu, tref);
            self.lru_seq += 1;
            self.tasks[t].lru = self.lru_seq;
            if self.tasks[t].needs_action {
                self.tasks[t].needs_action = false;
                // The task is on the CPU while it decides.
                self.cpus[cpu].running = Some(t);
                self.cpus[cpu].run_start = self.now;
                let runs = self.resolve(cpu, t, w);
                self.cpus[cpu].running = prev;
                if !runs {
                    continue;
                }
            }
            break Some(t);
        };
        if prev != next {
            self.counts.switches += 1;
            if let Some(p) = prev {
                if self.tasks[p].state == State::Running {
                    self.tasks[p].state = State::Runnable;
                    self.tasks[p].runnable_since = self.now;
                }
            }
            if let Some(n) = next {
                let task = &mut self.tasks[n];
                task.state = State::Running;
                if let Some(at) = task.woken_at.take() {
                    if self.now >= self.cfg.warmup {
                        let keep = task.keep_waits;
                        task.wake_wait.add(self.now - at, keep);
                    }
                }
            }
            w.switched(self, cpu, prev, next);
        }
        let c = &mut self.cpus[cpu];
        c.running = next;
        c.run_start = self.now;
        self.run_done_at[cpu] = next.map_or(u64::MAX, |n| self.now + self.tasks[n].remaining);
        if next.is_none() {
            self.nohz_enter_idle(cpu);
        }
    }

    fn run_done<W: Workload>(&mut self, cpu: usize, w: &mut W) {
        self.run_done_at[cpu] = u64::MAX;
        let Some(t) = self.cpus[cpu].running else {
            return;
        };
        self.account_running(cpu);
        self.tasks[t].remaining = 0;
        if !self.resolve(cpu, t, w) {
            self.set_resched(cpu);
        } else if !self.cpus[cpu].need_resched {
            self.run_done_at[cpu] = self.now + self.tasks[t].remaining;
        }
    }

    fn process_resched<W: Workload>(&mut self, w: &mut W) {
        while self.resched_mask != 0 {
            let cpu = self.resched_mask.trailing_zeros() as usize;
            self.schedule(cpu, w);
        }
    }

    /// Runs the machine from `START` to `cfg.end`.
    pub fn run<W: Workload>(&mut self, w: &mut W) {
        assert!(self.cfg.ncpus <= 64, "the lab models at most 64 CPUs");
        self.tick_base = START + self.tick_nsec;
        self.tick_at = self.tick_base + self.tick_offset[0];
        self.tick_cpu = 0;
        for t in 0..self.tasks.len() {
            let (cpu, tref) = (self.tasks[t].cpu, self.tasks[t].tref);
            lab_err(
                self.cpus[cpu].rq.enqueue_task(
                    tref,
                    START,
                    EnqueueFlags::new_task(self.cfg.profile),
                    &mut self.tgs,
                ),
                "enqueue_task",
            );
            self.counts.enqueue += 1;
            self.lru_seq += 1;
            let task = &mut self.tasks[t];
            task.lru = self.lru_seq;
            task.state = State::Runnable;
            task.runnable_since = START;
            self.set_resched(cpu);
            self.probe(Probed::Wakeup { t, new: true });
        }
        // CPUs with nothing to run are idle from the start (tick stopped
        // under nohz).
        for cpu in 0..self.cfg.ncpus {
            if self.cpus[cpu].rq.nr_running() == 0 {
                self.nohz_enter_idle(cpu);
            }
        }
        loop {
            self.process_resched(w);
            // In debug builds (the tests), the crate's own consistency checks
            // run often.
            if cfg!(debug_assertions) && self.counts.events() % 61 == 0 {
                if let Err(e) = self.validate() {
                    panic!("at {} ns: {e}", self.now);
                }
            }
            // The earliest of: a CPU's run ending (lowest CPU first), the next
            // tick, the heap's first event — in that order on equal times.
            let (mut run_at, mut run_cpu) = (u64::MAX, 0);
            for (i, &at) in self.run_done_at.iter().enumerate() {
                if at < run_at {
                    (run_at, run_cpu) = (at, i);
                }
            }
            let heap_at = self.heap.peek().map_or(u64::MAX, |r| r.0 .0);
            let at = run_at.min(self.tick_at).min(heap_at);
            if at > self.cfg.end {
                break;
            }
            self.now = at;
            if run_at == at {
                self.run_done(run_cpu, w);
            } else if self.tick_at == at {
                let cpu = self.tick_cpu;
                self.tick_cpu += 1;
                if self.tick_cpu == self.cfg.ncpus {
                    self.tick_cpu = 0;
                    self.tick_base += self.tick_nsec;
                }
                // Offsets grow with the CPU number and stay below half a
                // period, so the order within a period is the CPUs' order.
                self.tick_at = self.tick_base + self.tick_offset[self.tick_cpu];
                if self.tick_stopped(cpu) {
                    continue;
                }
                self.counts.tick += 1;
                if self.lb.is_none() && self.cpus[cpu].rq.curr().is_none() {
                    // The lab's stand-in for the balancer's update_blocked_averages
                    // (the idle class's tick itself does nothing to the fair class).
                    lab_err(
                        self.cpus[cpu].rq.update_blocked_averages(at, &mut self.tgs),
                        "update_blocked_averages",
                    );
                }
                let r = lab_err(self.cpus[cpu].rq.task_tick(at, &mut self.tgs), "task_tick");
                self.probe(Probed::Tick { cpu });
                if r.is_requested() && self.cpus[cpu].running.is_some() {
                    self.set_resched(cpu);
                }
                if self.lb.is_some() {
                    self.balance_tick(cpu);
                }
            } else {
                let Some(Reverse((_, _, ev))) = self.heap.pop() else {
                    break;
                };
                match ev {
                    Ev::SleepEnd(t, gen) => {
                        let t = t as usize;
                        if self.tasks[t].sleep_gen == gen && self.tasks[t].state == State::Sleeping
                        {
                            let cpu = self.tasks[t].cpu;
                            self.wake(t, cpu, None, false);
                        }
                    }
                    Ev::Timer(token) => w.timer(self, token),
                    Ev::Resume(cpu) => {
                        self.cpus[cpu as usize].resume_pending = false;
                        self.set_resched(cpu as usize);
                    }
                    Ev::NohzKick(cpu) => self.nohz_kicked(cpu as usize),
                }
            }
        }
        self.now = self.cfg.end;
        for cpu in 0..self.cfg.ncpus {
            self.account_running(cpu);
        }
    }

    /// Measured time (after the warm-up), ns; 0 if the warm-up outlasts
    /// the run.
    pub fn measured(&self) -> u64 {
        self.cfg.end.saturating_sub(self.cfg.warmup)
    }

    /// Checks every CPU's hierarchy (tests).
    pub fn validate(&self) -> Result<(), String> {
        for (i, c) in self.cpus.iter().enumerate() {
            c.rq.validate().map_err(|e| format!("cpu {i}: {e}"))?;
        }
        Ok(())
    }
}

/// Linux's load balancer at its call sites (see `balance`'s module docs).
impl Sim {
    /// CPUs sharing `cpu`'s LLC.
    fn llc_size(&self, cpu: usize) -> usize {
        if self.llc.is_empty() {
            self.cfg.ncpus
        } else {
            self.llc.iter().filter(|&&l| l == self.llc[cpu]).count()
        }
    }

    /// An idle CPU whose tick is stopped (NO_HZ_IDLE).
    fn tick_stopped(&self, cpu: usize) -> bool {
        self.lb
            .as_ref()
            .is_some_and(|lb| lb.nohz && lb.nohz_idle[cpu] && self.cpus[cpu].running.is_none())
    }

    /// `nohz_balance_enter_idle`: `cpu` goes idle and stops its tick.
    fn nohz_enter_idle(&mut self, cpu: usize) {
        if let Some(lb) = self.lb.as_mut() {
            if lb.nohz {
                lb.nohz_idle[cpu] = true;
                lb.has_blocked = true;
            }
        }
    }

    fn lb_cpus(&self) -> Vec<LbCpu> {
        (0..self.cfg.ncpus)
            .map(|c| {
                let rq = &self.cpus[c].rq;
                let avg = lab_err(rq.cfs_rq_avg(0), "cfs_rq_avg");
                LbCpu {
                    nr_running: rq.nr_running(),
                    h_nr_running: rq.h_nr_runnable(0).unwrap_or(0),
                    load: rq.cpu_load(),
                    util: avg.util_avg,
                    runnable: avg.runnable_avg,
                    capacity: 1024,
                    idle: self.is_idle(c),
                }
            })
            .collect()
    }

    fn hz(&self) -> u64 {
        self.cfg.hz as u64
    }

    /// `get_sd_balance_interval` of `cpu`'s domain `level`.
    fn interval(&self, cpu: usize, level: usize, busy: bool) -> u64 {
        let lb = self.lb.as_ref().expect("balancer");
        balance_interval_jiffies(
            lb.st[cpu][level].balance_interval,
            busy,
            self.hz(),
            self.cfg.ncpus as u64,
        )
    }

    /// The periodic tick's part (`sched_balance_trigger`): kick the nohz
    /// balancer, then `run_rebalance_domains` if `rq.next_balance` is due.
    fn balance_tick(&mut self, cpu: usize) {
        let idle = self.is_idle(cpu);
        let jiffies = self.jiffies();
        if self.lb.as_ref().is_some_and(|lb| lb.nohz) && !idle {
            self.nohz_balancer_kick(cpu);
        }
        if jiffies >= self.lb.as_ref().expect("balancer").next_balance[cpu] {
            lab_err(
                self.cpus[cpu]
                    .rq
                    .update_blocked_averages(self.now, &mut self.tgs),
                "update_blocked_averages",
            );
            let kind = if idle {
                IdleType::Idle
            } else {
                IdleType::NotIdle
            };
            self.rebalance_domains(cpu, kind);
        }
    }

    /// `rebalance_domains`: every domain of `cpu` whose interval has passed,
    /// bottom up.
    fn rebalance_domains(&mut self, cpu: usize, mut idle: IdleType) {
        let jiffies = self.jiffies();
        let mut busy = idle != IdleType::Idle;
        let mut cont = true;
        let mut next = jiffies + 60 * self.hz();
        let mut update = false;
        let levels = self.lb.as_ref().expect("balancer").doms[cpu].len();
        for level in 0..levels {
            if !cont {
                break;
            }
            let mut interval = self.interval(cpu, level, busy);
            let last = self.lb.as_ref().expect("balancer").st[cpu][level].last_balance;
            if jiffies >= last + interval {
                if self.load_balance(cpu, level, idle, &mut cont) > 0 {
                    idle = if self.is_idle(cpu) {
                        IdleType::Idle
                    } else {
                        IdleType::NotIdle
                    };
                    busy = idle != IdleType::Idle;
                }
                self.lb.as_mut().expect("balancer").st[cpu][level].last_balance = jiffies;
                interval = self.interval(cpu, level, busy);
            }
            let last = self.lb.as_ref().expect("balancer").st[cpu][level].last_balance;
            if next > last + interval {
                next = last + interval;
                update = true;
            }
        }
        if update {
            let lb = self.lb.as_mut().expect("balancer");
            lb.next_balance[cpu] = next;
            if lb.nohz && idle == IdleType::Idle && lb.nohz_next_balance > next {
                lb.nohz_next_balance = next;
            }
        }
    }

    /// `newidle_balance`: `cpu` found nothing to run. True if it now has a
    /// task.
    fn newidle_balance(&mut self, cpu: usize) -> bool {
        // rd->overload, read at this instant.
        if !(0..self.cfg.ncpus).any(|c| self.cpus[c].rq.nr_running() >= 2) {
            return false;
        }
        lab_err(
            self.cpus[cpu]
                .rq
                .update_blocked_averages(self.now, &mut self.tgs),
            "update_blocked_averages",
        );
        let levels = self.lb.as_ref().expect("balancer").doms[cpu].len();
        let jiffies = self.jiffies();
        for level in 0..levels {
            // update_next_balance (cpu_busy = 0).
            let next = self.lb.as_ref().expect("balancer").st[cpu][level].last_balance
                + self.interval(cpu, level, false);
            let lb = self.lb.as_mut().expect("balancer");
            lb.next_balance[cpu] = lb.next_balance[cpu].min(next.max(jiffies));
            let mut cont = true;
            let moved = self.load_balance(cpu, level, IdleType::NewlyIdle, &mut cont);
            if moved > 0 || self.cpus[cpu].rq.nr_running() > 0 {
                break;
            }
        }
        self.cpus[cpu].rq.nr_running() > 0
    }

    /// `should_we_balance` for a periodic balance: the first idle CPU of the
    /// local group, else its first CPU, balances this domain and above.
    fn should_we_balance(&self, cpu: usize, dom: &Domain) -> bool {
        let mut local = dom.groups[0].clone();
        local.sort_unstable();
        let first = local
            .iter()
            .copied()
            .find(|&c| self.is_idle(c))
            .unwrap_or(local[0]);
        first == cpu
    }

    /// The queued tasks of `src`, tail of `cfs_tasks` first.
    fn lb_candidates(&self, src: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.cpus[src]
            .rq
            .tasks()
            .filter(|&r| self.cpus[src].rq.entity(r).is_ok_and(|e| e.on_rq))
            .map(|r| self.owner(src, r))
            .collect();
        v.sort_by_key(|&t| self.tasks[t].lru);
        v
    }

    fn candidate(&self, t: usize, dst: usize) -> MigrateCandidate {
        let task = &self.tasks[t];
        let src = task.cpu;
        let delayed = self.cpus[src]
            .rq
            .entity(task.tref)
            .is_ok_and(|e| e.sched_delayed);
        MigrateCandidate {
            per_cpu_kthread: task.kthread && task.single_cpu.is_some(),
            allowed: task.allowed[dst],
            running: self.cpus[src].running == Some(t),
            delayed,
            since_ran: task
                .last_ran
                .map_or(u64::MAX, |at| self.now.saturating_sub(at)),
        }
    }

    /// A queued task moves to `dst` (`detach_task` + `attach_task`, which
    /// checks wakeup preemption there).
    fn lb_move(&mut self, t: usize, dst: usize, active: bool) {
        self.migrate(t, dst);
        let counted = self.now >= self.cfg.warmup;
        if counted {
            if active {
                self.tasks[t].migrations_active += 1;
                self.balance.active += 1;
            } else {
                self.tasks[t].migrations_lb += 1;
                self.balance.moved += 1;
            }
        }
        if self.scheduling == Some(dst) {
            return;
        }
        let tref = self.tasks[t].tref;
        let preempt = lab_err(
            self.cpus[dst]
                .rq
                .wakeup_preempt(tref, self.now, WakeFlags::default(), &mut self.tgs),
            "wakeup_preempt",
        );
        let resched = self.cpus[dst].rq.take_resched();
        if preempt.is_requested() || resched.is_requested() || self.cpus[dst].running.is_none() {
            self.request_resched(dst);
        }
    }

    /// `load_balance` of `cpu`'s domain `level`; returns the tasks moved.
    fn load_balance(&mut self, cpu: usize, level: usize, idle: IdleType, cont: &mut bool) -> u32 {
        let dom = self.lb.as_ref().expect("balancer").doms[cpu][level].clone();
        if self.now >= self.cfg.warmup {
            match idle {
                IdleType::NewlyIdle => self.balance.newidle += 1,
                _ if self.lb.as_ref().expect("balancer").in_nohz => self.balance.nohz += 1,
                _ => self.balance.periodic += 1,
            }
        }
        let should = match idle {
            IdleType::NewlyIdle => self.cpus[cpu].rq.nr_running() == 0,
            _ => self.should_we_balance(cpu, &dom),
        };
        // Where the balance ends: "balanced", "all pinned", "one pinned",
        // or it tried (moved or failed).
        enum Out {
            Balanced,
            AllPinned,
            OnePinned(bool),
            /// Tasks moved by `detach_tasks` (0 when it failed, whether or
            /// not the stopper was kicked).
            Tried(u32),
        }
        let mut skip: Vec<usize> = Vec::new();
        let out = 'redo: loop {
            if !should {
                *cont = false;
                break Out::Balanced;
            }
            let cpus = self.lb_cpus();
            let Some(imb) = find_busiest_group(&dom, &cpus, idle) else {
                break Out::Balanced;
            };
            let Some(src) = find_busiest_queue(&dom.groups[imb.group], &cpus, &imb, &skip) else {
                break Out::Balanced;
            };
            let failed = self.lb.as_ref().expect("balancer").st[cpu][level].nr_balance_failed;
            let mut moved = 0u32;
            let mut all_pinned = false;
            if self.cpus[src].rq.nr_running() > 1 {
                all_pinned = true;
                let mut left = imb.imbalance as i64;
                let loop_max = NR_MIGRATE.min(self.cpus[src].rq.nr_running()) as usize;
                let jiffies = self.jiffies();
                for (k, t) in self.lb_candidates(src).into_iter().enumerate() {
                    if k >= loop_max
                        || (idle != IdleType::NotIdle && self.cpus[src].rq.nr_running() <= 1)
                    {
                        break;
                    }
                    let c = self.candidate(t, cpu);
                    let verdict = can_migrate_task(&c, imb.migration_type, false, failed);
                    if !matches!(
                        verdict,
                        CanMigrate::Delayed | CanMigrate::PerCpuKthread | CanMigrate::Pinned
                    ) {
                        all_pinned = false;
                    }
                    if verdict != CanMigrate::Yes {
                        continue;
                    }
                    let tref = self.tasks[t].tref;
                    match imb.migration_type {
                        MigrationType::Load => {
                            let load =
                                lab_err(self.cpus[src].rq.task_h_load(tref, jiffies), "h").max(1);
                            if (load >> failed.min(63)) as i64 > left {
                                continue;
                            }
                            left -= load as i64;
                        }
                        MigrationType::Util => {
                            let util = lab_err(self.cpus[src].rq.entity_avg(tref), "avg").util_avg;
                            if util as i64 > left {
                                continue;
                            }
                            left -= util as i64;
                        }
                        MigrationType::Task => left -= 1,
                    }
                    self.lb_move(t, cpu, false);
                    moved += 1;
                    if idle == IdleType::NewlyIdle || left <= 0 {
                        break;
                    }
                }
                if all_pinned {
                    skip.push(src);
                    let local = &dom.groups[0];
                    let others = dom
                        .groups
                        .iter()
                        .flatten()
                        .any(|c| !local.contains(c) && !skip.contains(c));
                    if others {
                        continue 'redo;
                    }
                    break Out::AllPinned;
                }
            }
            if moved > 0 {
                break Out::Tried(moved);
            }
            let st = &mut self.lb.as_mut().expect("balancer").st[cpu][level];
            if idle != IdleType::NewlyIdle {
                st.nr_balance_failed += 1;
            }
            if need_active_balance(imb.migration_type, st.nr_balance_failed) {
                let curr_ok = self.cpus[src]
                    .running
                    .is_some_and(|t| self.tasks[t].allowed[cpu]);
                if !curr_ok {
                    break Out::OnePinned(all_pinned);
                }
                // The stopper's work (asynchronous in the kernel, at once
                // here); load_balance itself has moved nothing.
                self.active_balance(src, cpu);
            }
            break Out::Tried(0);
        };
        let max_interval = 2 * dom.weight;
        let min_interval = dom.weight;
        let st = &mut self.lb.as_mut().expect("balancer").st[cpu][level];
        match out {
            Out::Tried(moved) => {
                if moved > 0 {
                    st.nr_balance_failed = 0;
                }
                // Unbalanced: the interval resets (`!active_balance ||
                // need_active_balance()` holds whenever the stopper was
                // kicked, since it is kicked only when needed).
                st.balance_interval = min_interval;
                moved
            }
            Out::Balanced | Out::AllPinned | Out::OnePinned(_) => {
                let pinned = match out {
                    Out::Balanced => false,
                    Out::AllPinned => true,
                    Out::OnePinned(p) => p,
                    Out::Tried(_) => false,
                };
                if !matches!(out, Out::OnePinned(_)) {
                    st.nr_balance_failed = 0;
                }
                if idle != IdleType::NewlyIdle
                    && ((pinned && st.balance_interval < MAX_PINNED_INTERVAL)
                        || st.balance_interval < max_interval)
                {
                    st.balance_interval *= 2;
                }
                0
            }
        }
    }

    /// Active balance (`active_load_balance_cpu_stop` on `src`, pushing to
    /// `dst`): the stopper takes `src`, its running task stops running, and
    /// the first task from the tail that may move goes to `dst` without the
    /// hotness test. Returns whether a task moved.
    fn active_balance(&mut self, src: usize, dst: usize) -> bool {
        if self.cpus[src].rq.nr_running() <= 1 {
            return false;
        }
        if let Some(t) = self.cpus[src].running {
            self.account_running(src);
            lab_err(
                self.cpus[src].rq.put_prev_task(self.now, &mut self.tgs),
                "put_prev_task",
            );
            let task = &mut self.tasks[t];
            task.state = State::Runnable;
            task.runnable_since = self.now;
            self.cpus[src].running = None;
            self.run_done_at[src] = u64::MAX;
        }
        if let Some(p) = &self.probe {
            p.0.lock()
                .unwrap_or_else(|e| e.into_inner())
                .stopper(self, src);
        }
        self.set_resched(src);
        let mut moved = false;
        for t in self.lb_candidates(src) {
            let c = self.candidate(t, dst);
            if can_migrate_task(&c, MigrationType::Task, true, 0) == CanMigrate::Yes {
                self.lb_move(t, dst, true);
                moved = true;
                break;
            }
        }
        if moved {
            // The target's domain spanning both: its failure counter resets.
            let lb = self.lb.as_mut().expect("balancer");
            if let Some(level) = lb.doms[dst]
                .iter()
                .position(|d| d.groups.iter().flatten().any(|&c| c == src))
            {
                lb.st[dst][level].nr_balance_failed = 0;
            }
        }
        moved
    }

    /// `nohz_balancer_kick` at a busy CPU's tick.
    fn nohz_balancer_kick(&mut self, cpu: usize) {
        let jiffies = self.jiffies();
        let nr_running = self.cpus[cpu].rq.nr_running();
        // nohz_balance_exit_idle: the first busy tick.
        self.lb.as_mut().expect("balancer").nohz_idle[cpu] = false;
        // sd_llc_shared->nr_busy_cpus (no sd_llc for a CPU alone in its LLC).
        let llc_busy = if self.llc_size(cpu) > 1 {
            let lb = self.lb.as_ref().expect("balancer");
            (0..self.cfg.ncpus)
                .filter(|&c| self.llc.is_empty() || self.llc[c] == self.llc[cpu])
                .filter(|&c| !lb.nohz_idle[c])
                .count()
        } else {
            0
        };
        let lb = self.lb.as_mut().expect("balancer");
        if !lb.nohz_idle.iter().any(|&i| i) {
            return;
        }
        let mut flags = 0u8;
        if lb.has_blocked && jiffies > lb.next_blocked {
            flags = NOHZ_STATS;
        }
        if jiffies >= lb.nohz_next_balance && (nr_running >= 2 || llc_busy > 1) {
            flags = NOHZ_STATS | NOHZ_BALANCE;
        }
        if flags == 0 {
            return;
        }
        // kick_ilb.
        if flags & NOHZ_BALANCE != 0 {
            lb.nohz_next_balance = jiffies + 1;
        }
        let Some(ilb) = (0..self.cfg.ncpus).find(|&c| {
            c != cpu && self.lb.as_ref().expect("balancer").nohz_idle[c] && self.is_idle(c)
        }) else {
            return;
        };
        let lb = self.lb.as_mut().expect("balancer");
        let pending = lb.kick[ilb];
        lb.kick[ilb] |= flags;
        if pending != 0 {
            return;
        }
        if self.now >= self.cfg.warmup {
            self.balance.kicks += 1;
        }
        // The IPI: a halted vCPU answers after its resume latency.
        let at = self.now + self.cfg.resume_latency;
        self.push(at, Ev::NohzKick(ilb as u32));
    }

    /// The kick's IPI reached `cpu`: `nohz_idle_balance` if it is still idle.
    fn nohz_kicked(&mut self, cpu: usize) {
        let flags = std::mem::take(&mut self.lb.as_mut().expect("balancer").kick[cpu]);
        if flags == 0 || !self.is_idle(cpu) {
            return;
        }
        let jiffies = self.jiffies();
        let n = self.cfg.ncpus;
        let mut next = jiffies + 60 * self.hz();
        let mut update = false;
        self.lb.as_mut().expect("balancer").has_blocked = false;
        self.lb.as_mut().expect("balancer").in_nohz = true;
        for k in 1..=n {
            let b = (cpu + k) % n;
            if !self.lb.as_ref().expect("balancer").nohz_idle[b] || !self.is_idle(b) {
                continue;
            }
            if flags & NOHZ_STATS != 0 {
                lab_err(
                    self.cpus[b]
                        .rq
                        .update_blocked_averages(self.now, &mut self.tgs),
                    "update_blocked_averages",
                );
                let avg = lab_err(self.cpus[b].rq.cfs_rq_avg(0), "avg");
                if avg.load_avg != 0 || avg.util_avg != 0 {
                    self.lb.as_mut().expect("balancer").has_blocked = true;
                }
            }
            if flags & NOHZ_BALANCE != 0
                && jiffies >= self.lb.as_ref().expect("balancer").next_balance[b]
            {
                self.rebalance_domains(b, IdleType::Idle);
            }
            let nb = self.lb.as_ref().expect("balancer").next_balance[b];
            if next > nb {
                next = nb;
                update = true;
            }
        }
        let hz = self.hz();
        let lb = self.lb.as_mut().expect("balancer");
        lb.in_nohz = false;
        lb.next_blocked = jiffies + msecs_to_jiffies(LOAD_AVG_PERIOD_MS, hz);
        if update {
            lb.nohz_next_balance = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tasks that compute forever (in 1 ms pieces).
    struct Spin;
    impl Workload for Spin {
        fn next(&mut self, _sim: &mut Sim, _t: usize) -> Action {
            Action::Run(1_000_000)
        }
    }

    fn machine(ncpus: usize, nohz: Option<bool>, ms: f64) -> Sim {
        let params = Params {
            seed: 1,
            secs: ms / 1000.0,
            ..Params::default()
        };
        let mut cfg = Config::new(Profile::LINUX_6_6, ncpus, 1000, &params);
        cfg.warmup = START;
        cfg.linux_balance = nohz.map(|nohz| LinuxBalance { nohz });
        Sim::new(cfg)
    }

    fn placement(sim: &Sim) -> Vec<usize> {
        let mut per = vec![0; sim.cfg.ncpus];
        for t in &sim.tasks {
            per[t.cpu] += 1;
        }
        per
    }

    /// `tick_setup_sched_timer`'s skew: ⌊(TICK_NSEC / 2) / nr_cpus⌋ · cpu,
    /// the division first. HZ = 250 (TICK_NSEC 4,000,000), 3 CPUs: 666,666
    /// per CPU, so CPU 2 is 1,333,332 ns late (multiplying first would give
    /// 1,333,333); HZ = 1000, 2 CPUs: CPU 1 a quarter tick late.
    #[test]
    fn skew_tick_offsets_divide_half_a_tick_by_the_cpus() {
        let t250 = eevdf::profile::tick_nsec(250);
        assert_eq!(t250, 4_000_000);
        let offs: Vec<u64> = (0..3).map(|c| tick_skew_offset(t250, 3, c)).collect();
        assert_eq!(offs, [0, 666_666, 1_333_332]);
        assert_eq!(tick_skew_offset(1_000_000, 2, 1), 250_000);
    }

    /// Records every tick's (CPU, time).
    struct Ticks(Vec<(usize, u64)>);
    impl Observer for Ticks {
        fn event(&mut self, sim: &Sim, ev: Probed) {
            if let Probed::Tick { cpu } = ev {
                self.0.push((cpu, sim.now));
            }
        }
    }

    #[test]
    fn skewed_ticks_come_at_each_cpus_offset_and_aligned_ones_together() {
        for skew in [false, true] {
            let log = Arc::new(Mutex::new(Ticks(Vec::new())));
            let mut cfg = machine(3, None, 3.5).cfg;
            cfg.skew_tick = skew;
            cfg.probe = Some(Probe(log.clone()));
            let mut sim = Sim::new(cfg);
            sim.add_task(TaskSpec::new("spin", 0, 0));
            sim.run(&mut Spin);
            let got = log.lock().unwrap().0.clone();
            // HZ = 1000: periods start at START + k ms; under skew CPU c
            // ticks ⌊500,000 / 3⌋ · c ns later.
            let mut want = Vec::new();
            for k in 1..=3 {
                for c in 0..3 {
                    let off = if skew { 166_666 * c as u64 } else { 0 };
                    want.push((c, START + k * 1_000_000 + off));
                }
            }
            assert_eq!(got, want, "skew {skew}");
            assert_eq!(sim.counts.tick, 9);
        }
    }

    #[test]
    fn linux_balancer_spreads_busy_tasks_and_the_lab_pull_does_not() {
        // Three tasks that never sleep, all started on CPU 0 of 3: only a
        // periodic (or nohz) balance can spread them, one per CPU.
        for nohz in [false, true] {
            let mut sim = machine(3, Some(nohz), 100.0);
            for i in 0..3 {
                sim.add_task(TaskSpec::new(&format!("spin{i}"), 0, 0));
            }
            sim.run(&mut Spin);
            assert_eq!(placement(&sim), vec![1, 1, 1], "nohz {nohz}");
            assert!(sim.balance.moved >= 2, "nohz {nohz}: {:?}", sim.balance);
            if nohz {
                assert!(sim.balance.kicks > 0 && sim.balance.nohz > 0);
            } else {
                assert_eq!(sim.balance.kicks, 0);
                assert_eq!(sim.counts.tick, 3 * 100);
            }
            sim.validate().unwrap();
        }
        // The lab's newidle pull: CPUs 1 and 2 go idle at the start, before
        // anything waits, and never look again.
        let mut sim = machine(3, None, 100.0);
        for i in 0..3 {
            sim.add_task(TaskSpec::new(&format!("spin{i}"), 0, 0));
        }
        sim.run(&mut Spin);
        assert_eq!(placement(&sim), vec![3, 0, 0]);
    }

    #[test]
    fn two_llcs_balance_across_the_machine_level() {
        // Two LLCs of two CPUs; four spinning tasks start on CPU 0. The LLC
        // level alone would leave LLC {2, 3} empty: the machine level
        // (groups = LLCs, migrate_util from an overloaded LLC) moves tasks
        // across, and the LLC levels spread them to one per CPU.
        for nohz in [false, true] {
            let mut cfg = machine(4, Some(nohz), 200.0).cfg;
            cfg.topology = Some(Topology {
                llc: vec![0, 0, 1, 1],
            });
            let mut sim = Sim::new(cfg);
            for i in 0..4 {
                sim.add_task(TaskSpec::new(&format!("spin{i}"), 0, 0));
            }
            sim.run(&mut Spin);
            assert_eq!(placement(&sim), vec![1, 1, 1, 1], "nohz {nohz}");
            sim.validate().unwrap();
        }
    }

    #[test]
    fn nohz_idle_cpus_stop_their_ticks() {
        // One task on CPU 0 of 4: the three idle CPUs stop ticking.
        let mut sim = machine(4, Some(true), 50.0);
        sim.add_task(TaskSpec::new("spin", 0, 0));
        sim.run(&mut Spin);
        assert!(sim.counts.tick <= 50 + 3, "{}", sim.counts.tick);
        let mut sim = machine(4, Some(false), 50.0);
        sim.add_task(TaskSpec::new("spin", 0, 0));
        sim.run(&mut Spin);
        assert_eq!(sim.counts.tick, 4 * 50);
    }

    #[test]
    fn active_balance_pushes_the_running_task_away_from_a_pinned_one() {
        // CPU 0 runs an unpinned task and a task pinned to it; CPU 1 idle.
        // Whichever runs, the other is pinned or running, so the balance
        // fails; once more than cache_nice_tries (1) failed, a waiting hot
        // task may be pulled, and after more than cache_nice_tries + 2 the
        // running one is pushed by active balance. Either way the free task
        // ends on CPU 1, once, and stays.
        for nohz in [false, true] {
            let mut sim = machine(2, Some(nohz), 200.0);
            let free = sim.add_task(TaskSpec::new("free", 0, 0));
            let pinned = sim.add_task(TaskSpec::new("pinned", 0, 0).pinned());
            sim.run(&mut Spin);
            assert_eq!(sim.tasks[free].cpu, 1);
            assert_eq!(sim.tasks[pinned].cpu, 0);
            let moved = sim.tasks[free].migrations_lb + sim.tasks[free].migrations_active;
            assert_eq!(moved, 1, "{:?}", sim.balance);
            assert_eq!(sim.tasks[pinned].migrations_lb, 0);
            // Not before the second failure (2 ms apart: the domain's weight).
            assert!(sim.balance.periodic + sim.balance.nohz >= 2);
            sim.validate().unwrap();
        }
    }

    #[test]
    fn active_balance_moves_the_running_task_after_four_failures() {
        // The pinned task is nice 19 (weight 15 against 1024), so at almost
        // every balance the free task is the one running and the pinned one
        // waits: nothing can be detached, the balance fails, and the fourth
        // failure (nr_balance_failed > cache_nice_tries + 2) kicks the
        // stopper, which moves the running task.
        struct Moves(Vec<(u64, usize, usize)>, usize);
        impl Observer for Moves {
            fn event(&mut self, sim: &Sim, ev: Probed) {
                if let Probed::Migrate { from, to, .. } = ev {
                    self.0.push((sim.now - START, from, to));
                }
            }
            fn stopper(&mut self, _sim: &Sim, _cpu: usize) {
                self.1 += 1;
            }
        }
        let moves = Arc::new(Mutex::new(Moves(Vec::new(), 0)));
        let mut cfg = machine(2, Some(false), 100.0).cfg;
        cfg.probe = Some(Probe(moves.clone()));
        let mut sim = Sim::new(cfg);
        let free = sim.add_task(TaskSpec::new("free", 0, 0));
        let mut spec = TaskSpec::new("pinned", 0, 0).pinned();
        spec.nice = 19;
        let pinned = sim.add_task(spec);
        sim.run(&mut Spin);
        // CPU 1 (idle, interval 2 jiffies: the domain's weight in ms, from
        // last_balance = the start's jiffy) balances at 2, 4, 6 and 8 ms;
        // the fourth failure pushes.
        let m = moves.lock().unwrap();
        assert_eq!(m.0, vec![(8_000_000, 0, 1)]);
        assert_eq!(m.1, 1);
        assert_eq!(sim.tasks[free].cpu, 1);
        assert_eq!(sim.tasks[pinned].cpu, 0);
        assert_eq!(sim.tasks[free].migrations_active, 1, "{:?}", sim.balance);
        assert_eq!(sim.tasks[free].migrations_lb, 0);
        assert_eq!(sim.balance.active, 1);
        // Four failed balances of CPU 1, then the push; afterwards each CPU
        // runs one task and balances find nothing.
        assert!(sim.balance.periodic >= 4, "{:?}", sim.balance);
        sim.validate().unwrap();
    }

    #[test]
    fn a_pinned_running_task_is_never_pushed() {
        // CPU 0: two pinned tasks. Nothing may move: all pinned.
        let mut sim = machine(2, Some(false), 100.0);
        sim.add_task(TaskSpec::new("a", 0, 0).pinned());
        sim.add_task(TaskSpec::new("b", 0, 0).pinned());
        sim.run(&mut Spin);
        assert_eq!(placement(&sim), vec![2, 0]);
        assert_eq!(sim.balance.moved + sim.balance.active, 0);
        assert!(sim.balance.periodic > 0);
    }

    #[test]
    fn several_llcs_are_passed_to_the_wakeup_path() {
        let mut cfg = machine(4, None, 1.0).cfg;
        cfg.topology = Some(Topology {
            llc: vec![0, 0, 1, 1],
        });
        let sim = Sim::new(cfg);
        assert_eq!(sim.llc, vec![0, 0, 1, 1]);
        assert_eq!(sim.llc_size(3), 2);
        assert_eq!(sim.llc_max, 2);
        let one = machine(4, None, 1.0);
        assert!(one.llc.is_empty());
        assert_eq!(one.llc_size(3), 4);
    }
}
