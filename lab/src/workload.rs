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
    /// Start of a loop: its count (`None`: forever).
    LoopStart(Option<u64>),
    /// End of the loop that starts at this index.
    LoopEnd(usize),
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
}

/// A metric column: what, of which tasks.
#[derive(Clone, Debug)]
pub struct MetricDef {
    /// As written (`cpu_share:busy`): the column's name.
    pub name: String,
    pub kind: MetricKind,
    /// The task instances it is about (all for machine-wide metrics).
    pub of: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Their CPU time over all tasks' CPU time.
    CpuShare,
    /// Their CPU time over the measured time (in CPUs).
    CpusUsed,
    WaitMeanUs,
    WaitMaxUs,
    WaitP99Us,
    WakeupsPerS,
    MigrationsPerS,
    /// The machine's busy fraction.
    CpuBusy,
    /// Context switches per second on the machine.
    SwitchesPerS,
}

pub(crate) const METRIC_KINDS: [(&str, MetricKind); 9] = [
    ("cpu_share", MetricKind::CpuShare),
    ("cpus_used", MetricKind::CpusUsed),
    ("wait_mean_us", MetricKind::WaitMeanUs),
    ("wait_max_us", MetricKind::WaitMaxUs),
    ("wait_p99_us", MetricKind::WaitP99Us),
    ("wakeups_per_s", MetricKind::WakeupsPerS),
    ("migrations_per_s", MetricKind::MigrationsPerS),
    ("cpu_busy", MetricKind::CpuBusy),
    ("switches_per_s", MetricKind::SwitchesPerS),
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
    /// Group names and groups; `[0]` is the root.
    pub groups: Vec<(String, TaskGroup)>,
    pub tasks: Vec<TaskDef>,
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
        });
        m.push(MetricDef {
            name: format!("wait_max_us:{n}"),
            kind: MetricKind::WaitMaxUs,
            of: ids,
        });
    }
    m.push(MetricDef {
        name: "cpu_busy".into(),
        kind: MetricKind::CpuBusy,
        of: Vec::new(),
    });
    m
}
