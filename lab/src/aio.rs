//! `aio`: a submitter saturating its CPU while IO completions go to a kworker
//! pinned to that CPU (LKML thread "single aio thread is migrated crazily by
//! scheduler", Ming Lei, November 2019; Dave Chinner's reply of 2019-11-21).
//!
//! Model. 4 CPUs in one LLC, HZ = 1000, root cgroup, Linux's load balancer
//! (the lab's model of v6.6: periodic, newly idle, nohz idle and active
//! balancing; `balance`). One submitter task (unpinned, starts on CPU 0)
//! keeps 16 direct IOs in flight: each submission costs 6 µs of CPU; with 16
//! in flight it blocks in `io_getevents` until one completes. The device
//! completes an IO 50–60 µs after submission, and (blk-mq steering) the
//! completion interrupt runs on the CPU the IO was submitted from; it queues
//! the completion work to that CPU's kworker (one per CPU, pinned), which
//! runs 4 µs per completion and then wakes the submitter if it is waiting. So
//! completions follow the submitter wherever it runs. The kworker is a
//! per-CPU kthread, so since v5.6 (commit 52262ee567ad, written for this
//! report) `select_idle_sibling` stacks the submitter on the kworker's CPU
//! when that is where it last ran, and the balancer never moves it. When the
//! kworker is runnable next to the running submitter, an idle CPU's balance
//! finds one movable task, running: after `cache_nice_tries + 2` failures,
//! active balance pushes the submitter away (the report's mechanism, Peter
//! Zijlstra's reading of it). Variants: the Linux 6.6 and 7.1 rules, and 6.6
//! without the per-CPU-kthread rule (the step as kernels before v5.6 took
//! it, the report's kernel). Metric: the submitter's migrations (wakeup
//! placement, balancer pulls and active balance) per completion and per
//! second; the table splits them.

use eevdf::Profile;

use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, LinuxBalance, Params, Sim, TaskSpec, Workload};
use crate::svg::{render, Plot};

pub const NAME: &str = "aio";
pub const VARIANTS: [&str; 3] = ["linux-6.6", "linux-7.1", "linux-6.6-no-kthread-rule"];
pub const METRICS: [&str; 2] = ["submitter_migrations_per_s", "migrations_per_completion"];
pub const NOTES: &str = "4 CPUs in one LLC, HZ=1000; a submitter keeps 16 IOs in flight (6 us CPU each, 50-60 us device latency); completions run on the submitting CPU's pinned kworker (4 us, a per-CPU kthread), which wakes the submitter.\nno-kthread-rule: 6.6 without the per-CPU-kthread stacking of v5.6 (commit 52262ee567ad). Migration: wakeup placement + Linux's load balancer as the lab models it (v6.6: periodic, newly idle, nohz idle; active balance moves a running task).";
pub const DEFAULT_SECS: f64 = 10.0;

const CPUS: usize = 4;
const DEPTH: u32 = 16;
const SUBMIT: u64 = 6_000;
const LATENCY: u64 = 50_000;
const COMPLETE: u64 = 4_000;
/// Timer tokens below this are completions on CPU `token`; this one samples.
const SAMPLE: u64 = 1 << 32;

struct Aio {
    submitter: usize,
    kworker: [usize; CPUS],
    inflight: u32,
    /// The submitter just finished a submission's CPU work.
    submitting: bool,
    /// Completions queued for each CPU's kworker.
    queued: [u64; CPUS],
    /// The kworker is running a completion.
    completing: [bool; CPUS],
    waiting: bool,
    completed: u64,
    rng: Rng,
    /// (ms, submitter CPU) for the plot.
    where_: Vec<(f64, f64)>,
}

impl Workload for Aio {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        let cpu = sim.tasks[t].cpu;
        if t == self.submitter {
            if self.submitting {
                self.submitting = false;
                self.inflight += 1;
                let jitter = self.rng.range(0, 10_000);
                sim.add_timer(sim.now + LATENCY + jitter, cpu as u64);
            }
            if self.inflight < DEPTH {
                self.submitting = true;
                self.waiting = false;
                Action::Run(SUBMIT)
            } else {
                self.waiting = true;
                Action::Block
            }
        } else {
            let c = cpu;
            if self.completing[c] {
                self.completing[c] = false;
                self.inflight -= 1;
                if sim.now >= sim.cfg.warmup {
                    self.completed += 1;
                }
                if self.waiting {
                    self.waiting = false;
                    sim.wake(self.submitter, c, Some(t), false);
                }
            }
            if self.queued[c] > 0 {
                self.queued[c] -= 1;
                self.completing[c] = true;
                Action::Run(COMPLETE)
            } else {
                Action::Block
            }
        }
    }

    fn timer(&mut self, sim: &mut Sim, token: u64) {
        if token == SAMPLE {
            if sim.now >= sim.cfg.warmup && self.where_.len() < 200 {
                let x = (sim.now - sim.cfg.warmup) as f64 / 1e6;
                self.where_.push((x, sim.tasks[self.submitter].cpu as f64));
            }
            sim.add_timer(sim.now + 100_000, SAMPLE);
            return;
        }
        // The completion interrupt on the submitting CPU queues work for its kworker.
        let c = token as usize;
        self.queued[c] += 1;
        sim.wake(self.kworker[c], c, None, false);
    }
}

pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let profile = match variant {
        "linux-7.1" => Profile::LINUX_7_1,
        _ => Profile::LINUX_6_6,
    };
    // Without the kthread mark the wakeup path does not apply the per-CPU
    // kthread rule: what the search did before v5.6.
    let kthread_rule = variant != "linux-6.6-no-kthread-rule";
    let mut cfg = Config::new(profile, CPUS, 1000, params);
    cfg.linux_balance = Some(LinuxBalance { nohz: true });
    let rng = Rng::new(params.seed).fork(0xA10);
    let mut sim = Sim::new(cfg);
    let submitter = sim.add_task(TaskSpec::new("fio", 0, 0));
    let mut kworker = [0; CPUS];
    for (c, k) in kworker.iter_mut().enumerate() {
        let spec = TaskSpec::new(&format!("kworker/{c}"), 0, c).pinned();
        *k = sim.add_task(if kthread_rule { spec.kthread() } else { spec });
    }
    let mut w = Aio {
        submitter,
        kworker,
        inflight: 0,
        submitting: false,
        queued: [0; CPUS],
        completing: [false; CPUS],
        waiting: false,
        completed: 0,
        rng: rng.fork(2),
        where_: Vec::new(),
    };
    sim.add_timer(sim.cfg.warmup, SAMPLE);
    sim.run(&mut w);
    let s = &sim.tasks[submitter];
    let m = sim.measured() as f64 / 1e9;
    let migrations = s.migrations_wake + s.migrations_pull + s.migrations_lb + s.migrations_active;
    Outcome {
        variant,
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics: vec![
            ("submitter_migrations_per_s", migrations as f64 / m),
            // Both counted after the warm-up; no completion gives NaN (JSON
            // null with a note), not 0.
            (
                "migrations_per_completion",
                migrations as f64 / w.completed as f64,
            ),
        ],
        extra: vec![
            (
                "at_wakeup_per_s",
                Cell::num(s.migrations_wake as f64 / m, 1),
            ),
            (
                "load_balance_per_s",
                Cell::num(s.migrations_lb as f64 / m, 1),
            ),
            (
                "active_balance_per_s",
                Cell::num(s.migrations_active as f64 / m, 1),
            ),
            (
                "submitter_wakeups_per_s",
                Cell::num(s.wakeups as f64 / m, 0),
            ),
            (
                "woken_in_place",
                Cell::num(s.wakeups_in_place as f64 / s.wakeups.max(1) as f64, 3),
            ),
            (
                "submitter_cpu",
                Cell::num(s.runtime as f64 / sim.measured() as f64, 3),
            ),
            ("kiops", Cell::num(w.completed as f64 / m / 1000.0, 1)),
        ],
        notes: Vec::new(),
        series: vec![Series {
            label: variant.to_string(),
            points: w.where_,
        }],
        counts: sim.counts,
    }
}

fn series(outcomes: &[Outcome]) -> Vec<Series> {
    outcomes
        .iter()
        .flat_map(|o| o.series.iter().cloned())
        .collect()
}

pub fn plot(outcomes: &[Outcome]) -> String {
    render(&Plot {
        title: "aio: the submitter's CPU, sampled every 100 µs",
        xlabel: "time after warm-up (ms)",
        ylabel: "CPU",
        series: &series(outcomes),
        xlog: false,
        x: None,
        y: (0.0, 3.0),
        ystep: Some(1.0),
        steps: true,
        hlines: &[],
        vlines: &[],
    })
}
