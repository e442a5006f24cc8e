//! A workload as the lab's generic engine runs it: what a scenario file
//! (`crate::scenario`) or an rt-app file (`crate::rtapp`) compiles to, and
//! the errors either reports, with the file, line and column.

use std::fmt;

use eevdf::group::{SharesLoad, TaskGroup};
use eevdf::Profile;

use crate::rng::Rng;

// ---------------------------------------------------------------------------
// The compiled scenario.

/// A duration drawn for each use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Fixed(u64),
    /// Uniform in `[lo, hi]` ns.
    Uniform(u64, u64),
    /// Exponential with this mean (ns).
    Exp(u64),
}

impl Dist {
    pub(crate) fn max(&self) -> u64 {
        match *self {
            Dist::Fixed(v) | Dist::Uniform(_, v) | Dist::Exp(v) => v,
        }
    }

    pub(crate) fn sample(&self, rng: &mut Rng) -> u64 {
        match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform(lo, hi) => rng.range(lo, hi),
            Dist::Exp(mean) => {
                // 53 random bits in (0, 1].
                let u = ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
                (-(mean as f64) * u.ln()).round() as u64
            }
        }
    }

    /// As written in a scenario file.
    pub fn to_file(&self) -> String {
        match *self {
            Dist::Fixed(v) => fmt_ns(v),
            Dist::Uniform(lo, hi) => format!("{}..{}", fmt_ns(lo), fmt_ns(hi)),
            Dist::Exp(m) => format!("exp({})", fmt_ns(m)),
        }
    }
}

/// A duration in the file's units: whole `ms` or `us` where exact, else `ns`.
pub fn fmt_ns(v: u64) -> String {
    if v != 0 && v % 1_000_000 == 0 {
        format!("{}ms", v / 1_000_000)
    } else if v != 0 && v % 1_000 == 0 {
        format!("{}us", v / 1_000)
    } else {
        format!("{v}ns")
    }
}

/// Which of a wake's targets it wakes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    All,
    /// One at random (never the waker itself).
    Random,
    /// The next one in turn.
    Next,
}

/// One step of a task's program.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Run(Dist),
    Sleep(Dist),
    /// Sleep until woken.
    Block,
    /// Sleep until the next period boundary (rt-app's `timer`).
    Timer(u64),
    /// Wake task instances (indices into the scenario's instances).
    Wake {
        targets: Vec<usize>,
        pick: Pick,
        sync: bool,
    },
    /// Take an item from a queue (the task's own instance of it), sleeping
    /// until one is there.
    Take(usize),
    /// Put items into a queue, waking the tasks that take from it.
    Put {
        queue: usize,
        /// Of a per-task queue: the next instance's (cyclically), not its own.
        to_next: bool,
        items: u32,
        sync: bool,
    },
    /// Move every item of one queue into another (an inter-processor
    /// interrupt handing work over), waking the second's takers if any moved.
    Move {
        from: usize,
        to: usize,
    },
    /// Take a spinlock, spinning on the CPU while another task holds it.
    Lock(usize),
    /// Release a spinlock, handing it to the task spinning longest.
    Unlock(usize),
    /// Start of a loop: its count (`None`: forever).
    LoopStart(Option<u64>),
    /// End of the loop that starts at this index.
    LoopEnd(usize),
}

/// How many instances a queue has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueuePer {
    /// One.
    One,
    /// One per CPU: a put goes to the putter's CPU's, a take (by a task
    /// pinned to one CPU) from that CPU's.
    Cpu,
    /// One per instance of a `[[tasks]]` entry (its instances, in order): a
    /// take is from the taker's own, a put to its own or the next one's.
    Task(Vec<usize>),
}

/// A queue of items between tasks: a pipe, a ring, a device's completions.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueDef {
    pub name: String,
    pub per: QueuePer,
    /// Items in each instance at the start.
    pub items: u32,
    /// Items that instead arrive (in the first instance) at a time drawn
    /// from this distribution each: (count, when).
    pub arrive: Option<(u32, Dist)>,
    /// An item put arrives this much later (a device, the network).
    pub latency: Option<Dist>,
    /// Puts that make one item (e.g. the rounds that answer one request).
    pub batch: u32,
    /// An item retires at its `hops`-th put instead of being queued again
    /// (each take–run–put passes it on).
    pub hops: Option<u64>,
}

/// Which run-queue placement rule wakeups follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum WakeRuleDef {
    /// The variant's release's `select_task_rq_fair`.
    #[default]
    Release,
    /// v2.6.33's (`eevdf::wake::v2_6_33`), with or without AFFINE_WAKEUPS.
    V2_6_33 { affine_wakeups: bool },
}

/// One task (an instance of a file's `[[tasks]]` entry).
#[derive(Clone, Debug)]
pub struct TaskDef {
    pub name: String,
    pub group: u32,
    pub nice: i32,
    pub weight: Option<u64>,
    pub slice: Option<u64>,
    pub cpu: usize,
    pub allowed: Option<Vec<usize>>,
    pub kthread: bool,
    pub program: Vec<Op>,
    /// The `[[tasks]]` entry it comes from.
    pub spec: usize,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    pub profile: Profile,
    pub features: Vec<String>,
    pub base_slice: Option<u64>,
    pub shares: SharesLoad,
    /// Overrides the machine's `idle_is_preempted`.
    pub idle_is_preempted: Option<bool>,
    /// Overrides the machine's number of LLCs.
    pub llcs: Option<usize>,
    pub wake_rule: WakeRuleDef,
    /// Task instances pinned to their first CPU in this variant.
    pub pinned: Vec<usize>,
    /// `false`: tasks marked `kthread` are not (what the per-CPU kthread
    /// rule of v5.6, 52262ee567ad, cannot then see).
    pub kthreads: bool,
    /// Remarks for the JSON line's `notes` (column, remark).
    pub notes: Vec<(String, String)>,
}

impl VariantDef {
    /// A variant that runs `profile` as it is.
    pub fn new(name: String, profile: Profile) -> VariantDef {
        VariantDef {
            name,
            profile,
            features: Vec::new(),
            base_slice: None,
            shares: SharesLoad::default(),
            idle_is_preempted: None,
            llcs: None,
            wake_rule: WakeRuleDef::Release,
            pinned: Vec::new(),
            kthreads: true,
            notes: Vec::new(),
        }
    }
}

/// A metric column: what, of which tasks.
#[derive(Clone, Debug)]
pub struct MetricDef {
    /// The column's name (`cpu_share:busy`, or the file's `column`).
    pub name: String,
    pub kind: MetricKind,
    /// The task instances it is about (all for machine-wide metrics).
    pub of: Vec<usize>,
    /// Decimals in the table (`None`: the lab's default for the name).
    pub decimals: Option<usize>,
}

/// Which migrations a migration count counts (bits).
pub const MIGR_WAKEUP: u8 = 1;
pub const MIGR_NEWIDLE: u8 = 2;
pub const MIGR_BALANCE: u8 = 4;
pub const MIGR_ACTIVE: u8 = 8;
pub const MIGR_ALL: u8 = 15;

/// What a count is divided by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Per {
    /// Nothing: a count.
    Run,
    /// The measured seconds.
    Second,
    /// The items put into these queues after the warm-up.
    Puts(Vec<usize>),
}

/// A statistic of samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleStat {
    Mean,
    Min,
    Max,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MetricKind {
    /// Their CPU time over all tasks' CPU time.
    CpuShare,
    /// Their CPU time over the measured time (in CPUs), or over the
    /// makespan.
    CpusUsed {
        over_makespan: bool,
    },
    WaitMeanUs,
    WaitMaxUs,
    /// The wait at rank ⌊0.99·n⌋ of the n sorted waits.
    WaitP99Us,
    /// Waits longer than this many ns (0: one tick), counted.
    WaitsOver(u64),
    Wakeups {
        per_s: bool,
    },
    /// The fraction of their wakeups that requeued a delayed task in place.
    WokenInPlace,
    Migrations {
        by: u8,
        per: Per,
    },
    /// How many of them are on each CPU at the end (a list).
    TasksPerCpu,
    /// Their time spinning on a lock over their CPU time.
    SpinShare,
    /// The fraction of the measured time every task of a set runs at once,
    /// the mean over the sets.
    Together(Vec<Vec<usize>>),
    /// The fraction of samples (every `period` ns from the warm-up) with
    /// every task of a set on one CPU, the mean over the sets.
    Stacked {
        sets: Vec<Vec<usize>>,
        period: u64,
    },
    /// The machine's busy fraction.
    CpuBusy,
    /// Context switches per second on the machine.
    SwitchesPerS,
    /// Of the wakeups made while an allowed CPU was idle, the fraction
    /// placed on an idle CPU.
    IdleCpuUsed,
    WakeupsWithIdleCpu,
    /// `wake_affine` choosing the waker's CPU, and running (a list).
    WakeAffine,
    /// Items put into the queues after the warm-up, per queue; per second
    /// (in thousands with `kilo`).
    Puts {
        queues: Vec<usize>,
        per_s: bool,
        kilo: bool,
    },
    /// The weight of the groups' entities (NICE_0_LOAD = 1024) on the CPUs,
    /// sampled every `period` ns from the warm-up: one number for one
    /// group, whole numbers (a list) for several.
    GroupWeight {
        groups: Vec<u32>,
        list: bool,
        cpus: Vec<usize>,
        stat: SampleStat,
        period: u64,
    },
    /// When the last item of the hop-limited queues retired (ms after the
    /// start; the run's length, with a note, if some never did).
    MakespanMs,
    /// Whether every item of the hop-limited queues retired.
    Finished,
}

/// The metric names a file may use (the column is the name, or the file's
/// `column`).
pub(crate) const METRIC_NAMES: [&str; 25] = [
    "cpu_share",
    "cpus_used",
    "wait_mean_us",
    "wait_max_us",
    "wait_p99_us",
    "waits_over",
    "wakeups",
    "wakeups_per_s",
    "woken_in_place",
    "migrations",
    "migrations_per_s",
    "tasks_per_cpu",
    "spin_share",
    "together",
    "stacked",
    "cpu_busy",
    "switches_per_s",
    "idle_cpu_used",
    "wakeups_with_idle_cpu",
    "wake_affine",
    "puts",
    "puts_per_s",
    "group_weight",
    "makespan_ms",
    "finished",
];

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub secs: f64,
    pub warmup_secs: Option<f64>,
    pub seed: u64,
    pub cpus: usize,
    pub hz: u32,
    pub newidle_pull: bool,
    pub idle_is_preempted: bool,
    pub resume_latency: u64,
    /// Linux's load balancer (the lab's model of v6.6) instead of the lab's
    /// newly idle pull, with NO_HZ_IDLE or not.
    pub linux_balance: Option<bool>,
    /// LLCs (the CPUs split evenly among them).
    pub llcs: usize,
    /// One random stream for every task, drawn in event order, and its
    /// number; `None`: a stream per task.
    pub rng_stream: Option<u64>,
    /// Group names and groups; `[0]` is the root.
    pub groups: Vec<(String, TaskGroup)>,
    pub tasks: Vec<TaskDef>,
    pub queues: Vec<QueueDef>,
    /// Spinlock names.
    pub locks: Vec<String>,
    pub variants: Vec<VariantDef>,
    pub metrics: Vec<MetricDef>,
    /// What an import left out (rt-app keys without a meaning here).
    pub ignored: Vec<String>,
}

// ---------------------------------------------------------------------------
// Errors.

/// An error in a scenario file: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    /// 1-based; 0 when the error has no place in the text.
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.msg)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.msg)
        }
    }
}

impl std::error::Error for FileError {}

/// 1-based line and column of byte `at` of `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text.as_bytes()[..at];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = at
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Task names in order of appearance, with their instances.
pub(crate) fn spec_names_of(sc: &Scenario) -> Vec<(String, Vec<usize>)> {
    let mut v: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, t) in sc.tasks.iter().enumerate() {
        match v.iter_mut().find(|(n, _)| *n == t.name) {
            Some((_, ids)) => ids.push(i),
            None => v.push((t.name.clone(), vec![i])),
        }
    }
    v
}

/// The metrics of a file that names none: each task's CPU share and
/// longest wakeup wait, and the machine's busy fraction.
pub fn default_metrics(sc: &Scenario) -> Vec<MetricDef> {
    let mut m = Vec::new();
    for (n, ids) in spec_names_of(sc) {
        m.push(MetricDef {
            name: format!("cpu_share:{n}"),
            kind: MetricKind::CpuShare,
            of: ids.clone(),
            decimals: None,
        });
        m.push(MetricDef {
            name: format!("wait_max_us:{n}"),
            kind: MetricKind::WaitMaxUs,
            of: ids,
            decimals: None,
        });
    }
    m.push(MetricDef {
        name: "cpu_busy".into(),
        kind: MetricKind::CpuBusy,
        of: Vec::new(),
        decimals: None,
    });
    m
}
