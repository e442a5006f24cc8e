//! The lab's discrete-event engine.
//!
//! Time is integer nanoseconds. The next event is the earliest of: a CPU's
//! current run ending (one slot per CPU), the next periodic tick (all CPUs tick
//! at the same instants, in index order), and a binary heap of sleep timeouts,
//! workload timers and halted vCPUs resuming, ordered by (time, sequence
//! number). Equal times resolve in that fixed order, so a seed fixes every run.
//!
//! The engine owns the machine: CPUs, each with an `eevdf::fair::FairRq` (the
//! root run queue and one run queue per task group), and tasks. **Every
//! scheduling decision is a call into the `eevdf` crate**: enqueue, dequeue,
//! tick, pick, wakeup preemption (`FairRq`), wakeup placement
//! (`wake::select_task_rq_fair`, with `wake_wide`/`record_wakee`), group
//! weights and PELT (inside `FairRq`) — except the newidle pull
//! (`balance::find_busiest`/`choose_pull`), the lab's own, explicitly
//! non-Linux model. The engine only moves time, runs the workload's tasks for
//! the lengths they ask for, and reschedules a CPU when the crate says so.
//!
//! Modelling choices of the engine itself (not Linux facts):
//!
//! * a reschedule request takes effect at once (a non-lazy kernel whose tasks
//!   reach a preemption point immediately, e.g. `cond_resched()` in a loop);
//! * every CPU ticks periodically, also when idle (CONFIG_HZ_PERIODIC); an idle
//!   CPU's tick only decays its blocked load: the lab calls
//!   `update_blocked_averages` there, standing for the load balancer that runs
//!   it in Linux (the tick of the idle class does not);
//! * one last-level cache spanning all CPUs, no SMT; capacity 1024
//!   everywhere; no interrupt or softirq time; context switches cost nothing;
//! * no periodic load balancer, which is where Linux sets the LLC's
//!   `nr_idle_scan` (SIS_UTIL): the wakeup scan may look at every CPU;
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
    record_wakee, select_task_rq_fair, wake_wide, CpuState, SelectTaskRq, WakeeFlips,
    SD_IMBALANCE_PCT_LLC,
};
use eevdf::{Features, Profile};

use crate::balance::{choose_pull, find_busiest, PullCandidate};

/// Levels (task groups) per CPU.
pub const G: usize = 3;
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
    /// The lab's newidle pull (`balance`), not Linux.
    pub newidle_pull: bool,
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
            idle_is_preempted: false,
            resume_latency: 0,
            warmup: START + ((end - START) / 10).min(1_000_000_000),
            end,
            extra_features: params.features.clone(),
            probe: params.probe.clone(),
        }
    }

    pub fn tick_nsec(&self) -> u64 {
        eevdf::profile::tick_nsec(self.hz)
    }
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
}

pub struct Sim {
    pub cfg: Config,
    pub now: u64,
    pub tasks: Vec<Task>,
    pub cpus: Vec<Cpu>,
    pub tgs: Vec<TaskGroup>,
    pub counts: Counters,
    pub placement: PlacementStats,
    heap: BinaryHeap<Reverse<(u64, u64, Ev)>>,
    seq: u64,
    tick_nsec: u64,
    /// CPUs with a pending reschedule (bit i: CPU i).
    resched_mask: u64,
    /// The next tick: its time and the CPU whose turn it is (all CPUs tick at
    /// the same instants, in index order).
    tick_at: u64,
    tick_cpu: usize,
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
        Sim {
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
        let task = &mut self.tasks[t];
        task.cpu = dst;
        task.tref = nref;
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
                self.cfg.ncpus as u32,
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
                // No periodic balancer updates it here: scan the whole LLC.
                nr_idle_scan: self.cfg.ncpus as i32,
                // No SMT.
                has_idle_cores: false,
            };
            let pl = lab_err(
                select_task_rq_fair(
                    &self.cfg.profile,
                    self.cfg.features,
                    &input,
                    &states,
                    &self.tasks[t].allowed,
                    &[],
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
        let task = &mut self.tasks[t];
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
                if self.cfg.newidle_pull && !pulled {
                    pulled = true;
                    if self.newidle_pull(cpu) {
                        continue;
                    }
                }
                break None;
            };
            let t = self.owner(cpu, tref);
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
        self.tick_at = START + self.tick_nsec;
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
            let task = &mut self.tasks[t];
            task.state = State::Runnable;
            task.runnable_since = START;
            self.set_resched(cpu);
            self.probe(Probed::Wakeup { t, new: true });
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
                    self.tick_at += self.tick_nsec;
                }
                self.counts.tick += 1;
                if self.cpus[cpu].rq.curr().is_none() {
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
                }
            }
        }
        self.now = self.cfg.end;
        for cpu in 0..self.cfg.ncpus {
            self.account_running(cpu);
        }
    }

    /// Measured time (after the warm-up), ns.
    pub fn measured(&self) -> u64 {
        self.cfg.end - self.cfg.warmup
    }

    /// Checks every CPU's hierarchy (tests).
    pub fn validate(&self) -> Result<(), String> {
        for (i, c) in self.cpus.iter().enumerate() {
            c.rq.validate().map_err(|e| format!("cpu {i}: {e}"))?;
        }
        Ok(())
    }
}
