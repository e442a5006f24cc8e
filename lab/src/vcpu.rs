//! `vcpu`: two guests with two vCPU threads each on two host CPUs, vCPUs of a
//! guest waking each other (LKML/kvm thread "VM performance issue in KVM
//! guests.", Zhang Xiantao, 2010-04-10).
//!
//! Model. Host: Linux 7.1 rules, 2 CPUs, HZ = 1000, the four vCPU threads in
//! the root cgroup, vCPU i of each guest starting on CPU i. Each guest serves
//! requests in a closed loop (webbench): a request arrives at vCPU 0 (a
//! virtual interrupt, 0–0.4 ms after the previous one ended, the first within
//! 2 ms of boot), which sends vCPU 1 an IPI; both then do five lock-step
//! rounds: compute 80–120 µs each, then meet (a lock hand-off). The first to
//! arrive spins up to 100 µs (busy, no PLE), then halts (its thread blocks);
//! the second releases it — a spinning partner stops spinning, a halted one
//! is woken by an IPI. Every IPI is a wakeup of the partner's thread *by this
//! vCPU's thread, from this CPU*, where wake-affine can pull it over. Between
//! requests both vCPUs halt. The two guests together want more than the two
//! CPUs (the report's "physical CPUs saturated").
//! Variants: `wake-affine` (defaults), `no-wake-affine` (`NO_WA_IDLE`,
//! `NO_WA_WEIGHT`: `wake_affine` keeps prev), `pinned` (vCPU i of each guest on
//! CPU i). Metrics: `coscheduled_fraction`, the fraction of time both vCPUs of
//! a guest run at once (mean over guests), and `guest_progress`, lock-step
//! rounds per second per guest (mean).

use eevdf::{Features, Profile};

use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, Params, Sim, TaskSpec, Workload};
use crate::svg::{render, Plot};

pub const NAME: &str = "vcpu";
pub const VARIANTS: [&str; 3] = ["wake-affine", "no-wake-affine", "pinned"];
pub const METRICS: [&str; 2] = ["coscheduled_fraction", "guest_progress"];
pub const NOTES: &str = "host: 2 CPUs, HZ=1000, Linux 7.1 rules; 2 guests x 2 vCPU threads; per request 20 lock-step rounds (compute 80-120 us, meet; spin 100 us, then halt; IPI wakes).\nMigration: wakeup placement (select_task_rq_fair) + the lab's newidle pull (a model, not Linux).";
pub const DEFAULT_SECS: f64 = 10.0;

const SPIN: u64 = 100_000;
/// Lock-step rounds per request.
const ROUNDS: u32 = 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Halted, no request in progress.
    Idle,
    Compute,
    Spin,
    /// Halted at the meeting point.
    Halted,
}

struct Vcpu {
    /// (guest, index) of each task.
    who: Vec<(usize, usize)>,
    vcpu: [[usize; 2]; 2],
    phase: Vec<Phase>,
    /// Set by the partner: what to do when next on the CPU.
    released: Vec<Option<Phase>>,
    /// Rounds left in each guest's current request (0: idle).
    rounds_left: [u32; 2],
    rounds: [u64; 2],
    halts: u64,
    rng: Rng,
    running: Vec<bool>,
    last: u64,
    cosched: [u64; 2],
    /// Coscheduled time per 100 ms window, for the plot.
    window_cos: Vec<(f64, f64)>,
    window_acc: u64,
}

impl Vcpu {
    fn both(&self, g: usize) -> bool {
        self.running[self.vcpu[g][0]] && self.running[self.vcpu[g][1]]
    }

    fn compute(&mut self, t: usize) -> Action {
        self.phase[t] = Phase::Compute;
        Action::Run(self.rng.range(80_000, 120_000))
    }

    fn close_stretch(&mut self, sim: &Sim) {
        let now = sim.now;
        let from = self.last.max(sim.cfg.warmup);
        if now > from {
            for g in 0..2 {
                if self.both(g) {
                    self.cosched[g] += now - from;
                    self.window_acc += now - from;
                }
            }
        }
        self.last = now;
    }
}

/// Timer tokens: `REQUEST + g` starts guest g's next request; `WINDOW` samples.
const REQUEST: u64 = 10;
const WINDOW: u64 = 1;

impl Workload for Vcpu {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        let (g, i) = self.who[t];
        let partner = self.vcpu[g][1 - i];
        let cpu = sim.tasks[t].cpu;
        match self.phase[t] {
            Phase::Idle => {
                if self.rounds_left[g] == 0 {
                    return Action::Block;
                }
                if i == 0 && self.phase[partner] == Phase::Idle {
                    // The request arrived at vCPU 0: an IPI brings vCPU 1 in.
                    sim.wake(partner, cpu, Some(t), false);
                }
                self.compute(t)
            }
            Phase::Compute => {
                if matches!(self.phase[partner], Phase::Spin | Phase::Halted) {
                    // Second at the meeting point: the round is done.
                    if sim.now >= sim.cfg.warmup {
                        self.rounds[g] += 1;
                    }
                    self.rounds_left[g] -= 1;
                    let then = if self.rounds_left[g] > 0 {
                        Phase::Compute
                    } else {
                        Phase::Idle
                    };
                    self.released[partner] = Some(then);
                    if self.phase[partner] == Phase::Halted {
                        if then == Phase::Compute {
                            sim.wake(partner, cpu, Some(t), false);
                        } else {
                            self.phase[partner] = Phase::Idle;
                            self.released[partner] = None;
                        }
                    } else {
                        sim.cut_run(partner);
                    }
                    if then == Phase::Compute {
                        self.compute(t)
                    } else {
                        let gap = self.rng.range(0, 200_000);
                        sim.add_timer(sim.now + gap, REQUEST + g as u64);
                        self.phase[t] = Phase::Idle;
                        Action::Block
                    }
                } else {
                    self.phase[t] = Phase::Spin;
                    Action::Run(SPIN)
                }
            }
            Phase::Spin | Phase::Halted => match self.released[t].take() {
                Some(Phase::Compute) => self.compute(t),
                Some(_) => {
                    self.phase[t] = Phase::Idle;
                    Action::Block
                }
                None => {
                    self.phase[t] = Phase::Halted;
                    if sim.now >= sim.cfg.warmup {
                        self.halts += 1;
                    }
                    Action::Block
                }
            },
        }
    }

    fn switched(&mut self, sim: &Sim, _cpu: usize, prev: Option<usize>, next: Option<usize>) {
        self.close_stretch(sim);
        if let Some(p) = prev {
            self.running[p] = false;
        }
        if let Some(n) = next {
            self.running[n] = true;
        }
    }

    fn timer(&mut self, sim: &mut Sim, token: u64) {
        if token >= REQUEST {
            let g = (token - REQUEST) as usize;
            self.rounds_left[g] = ROUNDS;
            let v0 = self.vcpu[g][0];
            let cpu = sim.tasks[v0].cpu;
            sim.wake(v0, cpu, None, false);
            return;
        }
        // Close the current stretch, then record the window (both guests, as a
        // fraction of 2 × 100 ms).
        self.close_stretch(sim);
        if sim.now > sim.cfg.warmup {
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            self.window_cos
                .push((x, std::mem::take(&mut self.window_acc) as f64 / 2e8));
        }
        sim.add_timer(sim.now + 100_000_000, WINDOW);
    }
}

pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let profile = Profile::LINUX_7_1;
    let mut cfg = Config::new(profile, 2, 1000, params);
    let mut f = Features::defaults(profile.release);
    if variant == "no-wake-affine" {
        f.apply_debugfs("NO_WA_IDLE");
        f.apply_debugfs("NO_WA_WEIGHT");
    }
    cfg.features = f;
    let rng = Rng::new(params.seed).fork(0xC9);
    let mut sim = Sim::new(cfg);
    let mut vcpu = [[0; 2]; 2];
    let mut who = Vec::new();
    for (g, row) in vcpu.iter_mut().enumerate() {
        for (i, slot) in row.iter_mut().enumerate() {
            let mut spec = TaskSpec::new(&format!("guest{g}/vcpu{i}"), 0, i);
            if variant == "pinned" {
                spec = spec.pinned();
            }
            *slot = sim.add_task(spec);
            who.push((g, i));
        }
    }
    let n = sim.tasks.len();
    let mut w = Vcpu {
        who,
        vcpu,
        phase: vec![Phase::Idle; n],
        released: vec![None; n],
        rounds_left: [0; 2],
        rounds: [0; 2],
        halts: 0,
        rng: rng.fork(2),
        running: vec![false; n],
        last: 0,
        cosched: [0; 2],
        window_cos: Vec::new(),
        window_acc: 0,
    };
    sim.add_timer(sim.cfg.warmup, WINDOW);
    for g in 0..2u64 {
        let at = sim.now + w.rng.range(1, 2_000_000);
        sim.add_timer(at, REQUEST + g);
    }
    sim.run(&mut w);
    w.close_stretch(&sim);
    let m = sim.measured() as f64;
    let secs_m = m / 1e9;
    let mig: u64 = sim.tasks.iter().map(|t| t.migrations_wake).sum();
    let pull: u64 = sim.tasks.iter().map(|t| t.migrations_pull).sum();
    let busy: u64 = sim.cpus.iter().map(|c| c.busy).sum();
    Outcome {
        variant,
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics: vec![
            (
                "coscheduled_fraction",
                (w.cosched[0] + w.cosched[1]) as f64 / (2.0 * m),
            ),
            (
                "guest_progress",
                (w.rounds[0] + w.rounds[1]) as f64 / 2.0 / secs_m,
            ),
        ],
        extra: vec![
            ("cpu_busy", Cell::num(busy as f64 / (2.0 * m), 3)),
            ("halts_per_s", Cell::num(w.halts as f64 / secs_m, 0)),
            (
                "wake_affine_this/runs",
                Cell::list(&[
                    sim.placement.wake_affine_this,
                    sim.placement.wake_affine_runs,
                ]),
            ),
            ("wake_migr_per_s", Cell::num(mig as f64 / secs_m, 0)),
            ("pull_migr_per_s", Cell::num(pull as f64 / secs_m, 0)),
        ],
        notes: Vec::new(),
        series: vec![Series {
            label: variant.to_string(),
            points: w.window_cos,
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
        title: "vcpu: time both vCPUs of a guest run at once (100 ms windows)",
        xlabel: "time after warm-up (s)",
        ylabel: "coscheduled fraction (mean of the guests)",
        series: &series(outcomes),
        xlog: false,
        x: None,
        y: (0.0, 1.0),
        ystep: None,
        steps: false,
        hlines: &[(0.5, "at most 50 % each with two guests")],
        vlines: &[],
    })
}
