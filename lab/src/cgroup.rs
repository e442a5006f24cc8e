//! `cgroup`: two task groups of equal weight on four CPUs, one always busy,
//! one whose tasks sleep and wake each other (Josef Bacik, "CPU Scheduler
//! imbalance with cgroups", blog post, 2017-07-24; `calc_group_shares()`).
//!
//! The model is the scenario file `lab/scenarios/cgroup.toml` (compiled in,
//! run by [`crate::engine`]); this module names it, keeps its description
//! and draws its plot.//!
//! Model. 4 CPUs, HZ = 1000. Groups `busy` and `sleepy`, both `cpu.weight`
//! 100 (shares 1024). `busy` runs `stress -n 4`: four tasks that never sleep,
//! started one per CPU. `sleepy` runs eight tasks (two per CPU at start) that
//! each compute 0.5–2 ms, wake a random other member, and sleep 0.5–2 ms
//! unless woken earlier — left alone they would use more than two CPUs, i.e.
//! more than their 50 %. The report ran a 4.x CFS kernel; the closest CFS the
//! library has is v6.5's (`Profile::LINUX_6_5`), so the `linux-6.5-*` variants
//! run CFS rules with the group-shares rule as the variant names it:
//!
//! * `linux-6.5-v4.14-shares`: v4.7–v4.14's `calc_cfs_shares()`, local load
//!   `scale_load_down(grq.load.weight)` (`SharesLoad::Weight`);
//! * `linux-6.5-load-avg-only`: the "previous" local load the report quotes,
//!   `grq.avg.load_avg` (`SharesLoad::LoadAvg`);
//! * `linux-6.5`: the v4.15 fix, `max(scale_load_down(load.weight), load_avg)`;
//! * `linux-7.1-load-avg-only`, `linux-7.1`: the same two rules under 7.1's
//!   EEVDF with DELAY_DEQUEUE.
//!
//! Metrics: each group's share of the CPU time the two groups got.

use crate::files::run_file;
use crate::report::{Outcome, Series};
use crate::sim::{Params, Sim};
use crate::svg::{render, Plot};

pub const NAME: &str = "cgroup";
pub const VARIANTS: [&str; 5] = [
    "linux-6.5-v4.14-shares",
    "linux-6.5-load-avg-only",
    "linux-6.5",
    "linux-7.1-load-avg-only",
    "linux-7.1",
];
pub const METRICS: [&str; 2] = ["busy_group_share", "sleepy_group_share"];
pub const NOTES: &str = "4 CPUs, HZ=1000; groups busy (stress -n 4) and sleepy (8 tasks: run 0.5-2 ms, wake a peer, sleep 0.5-2 ms), equal cpu.weight.\nlinux-6.5-*: CFS (6.5, the closest CFS to the report's 4.x) with the v4.14 / load_avg-only / 4.15 shares rule; linux-7.1-*: EEVDF. Migration: wakeup placement (select_task_rq_fair) + the lab's newidle pull (a model, not Linux).";
pub const DEFAULT_SECS: f64 = 20.0;

/// The groups' indices in the file (after the root).
const BUSY: u32 = 1;
const SLEEPY: u32 = 2;
/// The plot's window.
const WINDOW: u64 = 250_000_000;

fn group_runtime(sim: &Sim, g: u32) -> u64 {
    sim.tasks
        .iter()
        .filter(|t| t.group == g)
        .map(|t| t.runtime)
        .sum()
}

/// Runs a variant of `lab/scenarios/cgroup.toml`; the plot is the busy
/// group's share of each 250 ms window.
pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let mut last = (0, 0);
    run_file(
        NAME,
        variant,
        params,
        |_| {},
        None,
        WINDOW,
        move |sim, _| {
            let now = (group_runtime(sim, BUSY), group_runtime(sim, SLEEPY));
            let d = (now.0 - last.0, now.1 - last.1);
            last = now;
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            let share = d.0 as f64 / (d.0 + d.1) as f64;
            ((d.0 + d.1 > 0).then_some((x, share)), true)
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
        title: "cgroup: CPU share of the always-busy group (250 ms windows)",
        xlabel: "time after warm-up (s)",
        ylabel: "busy group's share of the two groups' CPU",
        series: &series(outcomes),
        xlog: false,
        x: None,
        y: (0.0, 1.0),
        ystep: None,
        steps: false,
        hlines: &[(0.5, "equal weight: 50 %")],
        vlines: &[],
    })
}
