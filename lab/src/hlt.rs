//! `hlt`: a guest whose halted vCPUs are reported preempted, so that the
//! wakeup path does not see them as idle (Masanori Misono, LKML, 2021-05-26,
//! "[PATCH RFC 0/1] Make vCPUs that are HLT state candidates for load
//! balancing"; `available_idle_cpu()` / `vcpu_is_preempted()`).
//!
//! Model. The simulated machine is the *guest*: 8 vCPUs (the RFC's example
//! domain: `sockets=1, cores=8`, `l3-cache=on`), Linux 7.1 rules, HZ = 1000,
//! with Linux's load balancer (the lab's model of v6.6: periodic, newly idle
//! and nohz idle balancing, idle vCPUs' ticks stopped; `balance`). An idle
//! vCPU halts; in `hlt-preempted` the host then reports it preempted
//! (`vcpu_is_preempted`, as KVM does on a HLT exit), in `hlt-not-preempted`
//! it does not (the RFC's patch). A halted vCPU given a task, or kicked to
//! balance for idle CPUs, resumes after 10 µs in both. The
//! `socket-per-vcpu-*` variants are the RFC's control (`sockets=48,
//! cores=1`, here 8 sockets): one LLC per vCPU, so no `sd_llc` and no idle
//! search. The job: 8 threads in a ring, thread i starting on vCPU i, each
//! with one item in its input pipe. A thread reads an item (blocking if its
//! pipe is empty), computes 150–250 µs, and writes the item into the next
//! thread's pipe — a `WF_SYNC` wakeup if that thread was blocked, as pipe
//! writes are. Every item makes 300 hops. Metrics: the job's makespan, and
//! the fraction of wakeups made while some vCPU was idle that were placed on
//! an idle vCPU.

use eevdf::Profile;

use crate::balance::Topology;
use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, LinuxBalance, Params, Sim, TaskSpec, Workload, START};
use crate::svg::{render, Plot};

pub const NAME: &str = "hlt";
pub const VARIANTS: [&str; 4] = [
    "hlt-preempted",
    "hlt-not-preempted",
    "socket-per-vcpu-hlt-preempted",
    "socket-per-vcpu-hlt-not-preempted",
];
pub const METRICS: [&str; 2] = ["makespan_ms", "idle_vcpu_used_fraction"];
pub const NOTES: &str = "guest: 8 vCPUs in one LLC (socket-per-vcpu: 8 one-vCPU sockets), HZ=1000, Linux 7.1 rules; a ring of 8 threads passing items through pipes (WF_SYNC), 150-250 us per hop, 300 hops per item.\nan idle vCPU halts; resuming takes 10 us. Migration: wakeup placement (select_task_rq_fair) + Linux's load balancer as the lab models it (v6.6: periodic, newly idle, nohz idle; column pull_migrations).";
pub const DEFAULT_SECS: f64 = 2.0;

const THREADS: usize = 8;
const HOPS: u64 = 300;

struct Hlt {
    /// Items waiting in each thread's pipe (each item: hops done).
    pipe: Vec<Vec<u64>>,
    /// The item a thread is computing.
    holding: Vec<Option<u64>>,
    done_items: usize,
    finished_at: Option<u64>,
    rng: Rng,
    /// Runnable threads per vCPU, sampled every ms (for the plot).
    stacked: Vec<(f64, f64)>,
}

impl Workload for Hlt {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        if let Some(hops) = self.holding[t].take() {
            let hops = hops + 1;
            if hops >= HOPS {
                self.done_items += 1;
                if self.done_items == THREADS {
                    self.finished_at = Some(sim.now);
                }
            } else {
                let to = (t + 1) % THREADS;
                self.pipe[to].push(hops);
                let cpu = sim.tasks[t].cpu;
                sim.wake(to, cpu, Some(t), true);
            }
        }
        if self.pipe[t].is_empty() {
            return Action::Block;
        }
        self.holding[t] = Some(self.pipe[t].remove(0));
        Action::Run(self.rng.range(150_000, 250_000))
    }

    fn timer(&mut self, sim: &mut Sim, _token: u64) {
        if self.finished_at.is_some() {
            return;
        }
        let busy = sim.cpus.iter().filter(|c| c.running.is_some()).count();
        self.stacked
            .push(((sim.now - START) as f64 / 1e6, busy as f64));
        sim.add_timer(sim.now + 1_000_000, 0);
    }
}

pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let profile = Profile::LINUX_7_1;
    let mut cfg = Config::new(profile, THREADS, 1000, params);
    cfg.idle_is_preempted = variant.ends_with("hlt-preempted");
    if variant.starts_with("socket-per-vcpu") {
        // The RFC's control (`sockets=48, cores=1`), here sockets=8: no
        // shared LLC, so no sd_llc and no idle search.
        cfg.topology = Some(Topology::llc_per_cpu(THREADS));
    }
    cfg.resume_latency = 10_000;
    cfg.linux_balance = Some(LinuxBalance { nohz: true });
    cfg.warmup = START;
    let rng = Rng::new(params.seed).fork(0x417);
    let mut sim = Sim::new(cfg);
    for i in 0..THREADS {
        sim.add_task(TaskSpec::new(&format!("omp{i}"), 0, i));
    }
    let mut w = Hlt {
        pipe: (0..THREADS).map(|_| vec![0]).collect(),
        holding: vec![None; THREADS],
        done_items: 0,
        finished_at: None,
        rng: rng.fork(2),
        stacked: Vec::new(),
    };
    sim.add_timer(START + 1_000_000, 0);
    sim.run(&mut w);
    let end = w.finished_at.unwrap_or(sim.cfg.end);
    let p = sim.placement;
    let wake_mig: u64 = sim.tasks.iter().map(|t| t.migrations_wake).sum();
    let pull_mig: u64 = sim
        .tasks
        .iter()
        .map(|t| t.migrations_pull + t.migrations_lb + t.migrations_active)
        .sum();
    let work: u64 = sim.tasks.iter().map(|t| t.runtime).sum();
    Outcome {
        variant,
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics: vec![
            ("makespan_ms", (end - START) as f64 / 1e6),
            (
                "idle_vcpu_used_fraction",
                p.onto_idle_cpu as f64 / p.with_idle_cpu.max(1) as f64,
            ),
        ],
        extra: vec![
            ("finished", Cell::flag(w.finished_at.is_some())),
            (
                "mean_busy_vcpus",
                Cell::num(work as f64 / (end - START) as f64, 2),
            ),
            ("wakeups_with_idle_vcpu", Cell::int(p.with_idle_cpu)),
            ("wake_migrations", Cell::int(wake_mig)),
            ("pull_migrations", Cell::int(pull_mig)),
        ],
        notes: match w.finished_at {
            Some(_) => Vec::new(),
            None => vec![(
                "makespan_ms",
                "the job did not finish: this is the run's length, a lower bound".into(),
            )],
        },
        series: vec![Series {
            label: variant.to_string(),
            points: w.stacked,
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
        title: "hlt: vCPUs running a job thread, until the job ends",
        xlabel: "time (ms)",
        ylabel: "running vCPUs (of 8)",
        series: &series(outcomes),
        xlog: false,
        x: None,
        y: (0.0, 8.0),
        ystep: Some(1.0),
        steps: true,
        hlines: &[],
        vlines: &[],
    })
}
