//! `hlt`: a guest whose halted vCPUs are reported preempted, so that the
//! wakeup path does not see them as idle (Masanori Misono, LKML, 2021-05-26,
//! "[PATCH RFC 0/1] Make vCPUs that are HLT state candidates for load
//! balancing"; `available_idle_cpu()` / `vcpu_is_preempted()`).
//!
//! The model is the scenario file `lab/scenarios/hlt.toml` (compiled in,
//! run by [`crate::engine`]); this module names it, keeps its description
//! and draws its plot.//!
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

use crate::files::run_file;
use crate::report::{Outcome, Series};
use crate::sim::{Params, START};
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

/// The plot's sampling period.
const SAMPLE: u64 = 1_000_000;

/// Runs a variant of `lab/scenarios/hlt.toml`; the plot is the number of
/// vCPUs running a job thread, every ms until the job ends.
pub fn run(variant: &'static str, params: &Params) -> Outcome {
    run_file(
        NAME,
        variant,
        params,
        |_| {},
        Some(START + SAMPLE),
        SAMPLE,
        |sim, e| {
            if e.finished_at().is_some() {
                return (None, false);
            }
            let busy = sim.cpus.iter().filter(|c| c.running.is_some()).count();
            (Some(((sim.now - START) as f64 / 1e6, busy as f64)), true)
        },
    )
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
