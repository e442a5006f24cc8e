//! `cgroup`: two task groups of equal weight on four CPUs, one always busy,
//! one whose tasks sleep and wake each other (Josef Bacik, "CPU Scheduler
//! imbalance with cgroups", blog post, 2017-07-24; `calc_group_shares()`).
//!
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

use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
use eevdf::Profile;

use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, Params, Sim, TaskSpec, Workload};
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

const BUSY: u32 = 1;
const SLEEPY: u32 = 2;
const WINDOW: u64 = 250_000_000;

struct Cgroup {
    sleepy: Vec<usize>,
    started: Vec<bool>,
    rng: Rng,
    /// (time s, busy share in the window) per window.
    windows: Vec<(f64, f64)>,
    last: (u64, u64),
    /// Σ of each group's entity weight over CPUs and samples.
    weight_sum: [u64; 3],
    weight_n: u64,
}

fn group_runtime(sim: &Sim, g: u32) -> u64 {
    sim.tasks
        .iter()
        .filter(|t| t.group == g)
        .map(|t| t.runtime)
        .sum()
}

impl Workload for Cgroup {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        if sim.tasks[t].group == BUSY {
            return Action::Run(1_000_000_000);
        }
        if !self.started[t] {
            self.started[t] = true;
            return Action::Run(self.rng.range(500_000, 2_000_000));
        }
        self.started[t] = false;
        let partner = loop {
            let p = self.sleepy[self.rng.below(self.sleepy.len() as u64) as usize];
            if p != t {
                break p;
            }
        };
        let cpu = sim.tasks[t].cpu;
        sim.wake(partner, cpu, Some(t), false);
        Action::Sleep(self.rng.range(500_000, 2_000_000))
    }

    fn timer(&mut self, sim: &mut Sim, _token: u64) {
        let now = (group_runtime(sim, BUSY), group_runtime(sim, SLEEPY));
        let d = (now.0 - self.last.0, now.1 - self.last.1);
        if d.0 + d.1 > 0 {
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            self.windows.push((x, d.0 as f64 / (d.0 + d.1) as f64));
        }
        self.last = now;
        sim.add_timer(sim.now + WINDOW, 0);
        for c in 0..sim.cfg.ncpus {
            for g in [BUSY, SLEEPY] {
                if let Ok(Some(ge)) = sim.cpus[c].rq.group_entity(g) {
                    self.weight_sum[g as usize] += ge.load.weight() >> 10;
                }
            }
        }
        self.weight_n += sim.cfg.ncpus as u64;
    }
}

pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let profile = if variant.starts_with("linux-6.5") {
        Profile::LINUX_6_5
    } else {
        Profile::LINUX_7_1
    };
    let mut cfg = Config::new(profile, 4, 1000, params);
    cfg.shares = if variant.ends_with("v4.14-shares") {
        SharesLoad::Weight
    } else if variant.ends_with("load-avg-only") {
        SharesLoad::LoadAvg
    } else {
        SharesLoad::MaxWeightLoadAvg
    };
    cfg.groups = vec![
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(0, DEFAULT_SHARES),
    ];
    let rng = Rng::new(params.seed).fork(0xC6);
    let mut sim = Sim::new(cfg);
    for c in 0..4 {
        sim.add_task(TaskSpec::new("stress", BUSY, c));
    }
    let mut sleepy = Vec::new();
    for i in 0..8 {
        sleepy.push(sim.add_task(TaskSpec::new("app", SLEEPY, i % 4)));
    }
    let ntasks = sim.tasks.len();
    let mut w = Cgroup {
        sleepy,
        started: vec![false; ntasks],
        rng: rng.fork(2),
        windows: Vec::new(),
        last: (0, 0),
        weight_sum: [0; 3],
        weight_n: 0,
    };
    sim.add_timer(sim.cfg.warmup, 0);
    sim.run(&mut w);

    let (b, s) = (group_runtime(&sim, BUSY), group_runtime(&sim, SLEEPY));
    let total = (b + s).max(1) as f64;
    let wake_mig: u64 = w.sleepy.iter().map(|&t| sim.tasks[t].migrations_wake).sum();
    let pull_mig: u64 = w.sleepy.iter().map(|&t| sim.tasks[t].migrations_pull).sum();
    let n = w.weight_n.max(1) as f64;
    Outcome {
        variant,
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics: vec![
            ("busy_group_share", b as f64 / total),
            ("sleepy_group_share", s as f64 / total),
        ],
        extra: vec![
            (
                "cpu_busy",
                Cell::num(
                    sim.cpus.iter().map(|c| c.busy).sum::<u64>() as f64
                        / (4.0 * sim.measured() as f64),
                    3,
                ),
            ),
            ("busy_weight", Cell::num(w.weight_sum[1] as f64 / n, 0)),
            ("sleepy_weight", Cell::num(w.weight_sum[2] as f64 / n, 0)),
            ("sleepy_migrations", Cell::int(wake_mig + pull_mig)),
            ("sleepy_per_cpu_at_end", {
                let mut per = [0; 4];
                for &t in &w.sleepy {
                    per[sim.tasks[t].cpu] += 1;
                }
                Cell::list(&per)
            }),
        ],
        notes: Vec::new(),
        series: vec![Series {
            label: variant.to_string(),
            points: w.windows,
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
