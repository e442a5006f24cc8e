//! `aio`: a submitter saturating its CPU while IO completions go to a kworker
//! pinned to that CPU (LKML thread "single aio thread is migrated crazily by
//! scheduler", Ming Lei, November 2019; Dave Chinner's reply of 2019-11-21).
//!
//! The model is the scenario file `lab/scenarios/aio.toml` (compiled in,
//! run by [`crate::engine`]); this module names it, keeps its description
//! and draws its plot.//!
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

use crate::files::run_file;
use crate::report::{Outcome, Series};
use crate::sim::Params;
use crate::svg::{render, Plot};

pub const NAME: &str = "aio";
pub const VARIANTS: [&str; 3] = ["linux-6.6", "linux-7.1", "linux-6.6-no-kthread-rule"];
pub const METRICS: [&str; 2] = ["submitter_migrations_per_s", "migrations_per_completion"];
pub const NOTES: &str = "4 CPUs in one LLC, HZ=1000; a submitter keeps 16 IOs in flight (6 us CPU each, 50-60 us device latency); completions run on the submitting CPU's pinned kworker (4 us, a per-CPU kthread), which wakes the submitter.\nno-kthread-rule: 6.6 without the per-CPU-kthread stacking of v5.6 (commit 52262ee567ad). Migration: wakeup placement + Linux's load balancer as the lab models it (v6.6: periodic, newly idle, nohz idle; active balance moves a running task).";
pub const DEFAULT_SECS: f64 = 10.0;

/// The plot's sampling period, and its number of samples.
const SAMPLE: u64 = 100_000;
const SAMPLES: usize = 200;
/// The submitter's task index in the file.
const SUBMITTER: usize = 0;

/// Runs a variant of `lab/scenarios/aio.toml`; the plot is the
/// submitter's CPU every 100 µs, for 20 ms after the warm-up.
pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let mut n = 0;
    run_file(
        NAME,
        variant,
        params,
        |_| {},
        None,
        SAMPLE,
        move |sim, _| {
            n += 1;
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e6;
            let cpu = sim.tasks[SUBMITTER].cpu as f64;
            (Some((x, cpu)), n < SAMPLES)
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
