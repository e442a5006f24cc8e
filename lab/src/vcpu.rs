//! `vcpu`: two guests with two vCPU threads each on two saturated host CPUs,
//! guest spinlocks, and wakeups that can pull a guest's vCPUs onto one CPU
//! (kvm list and LKML thread "VM performance issue in KVM guests.", Zhang
//! Xiantao, 2010-04-10, and Avi Kivity's reply of 2010-04-16: pinned, a
//! guest's vCPUs are co-scheduled 50 % of the time; unpinned without affine
//! wakeups 33 %; with them 0 %).
//!
//! Model (the report's setup: 2 physical CPUs, 2 Windows guests × 2 vCPUs,
//! webbench, physical CPUs saturated, guest spinlocks without pause-loop
//! exiting). Host: HZ = 1000, every thread in the root cgroup, nice 0. Each
//! guest has two vCPU threads (vCPU i starts on CPU i) and one I/O thread
//! (qemu's, starting on CPU g, never pinned). The guest serves a closed loop
//! of `OUTSTANDING` requests: a request reaches the I/O thread from the
//! network (a timer: no waking task), which runs 10–20 µs and injects an
//! interrupt into vCPU 0 (a plain wakeup of vCPU 0's thread if it halted).
//! vCPU 0 takes `ROUNDS` rounds of the request and sends vCPU 1 an IPI with
//! the other `ROUNDS` (a plain wakeup of vCPU 1's thread by vCPU 0's, from
//! vCPU 0's CPU, if vCPU 1 halted). A round computes 30–60 µs, then takes the
//! guest's spinlock and holds it 10–20 µs. A vCPU that finds the lock held by
//! its sibling spins — burning its CPU — until the sibling releases it,
//! however long the sibling is descheduled (no PLE: the report's machine had
//! none). A vCPU with no rounds left halts (its thread blocks). Each finished
//! request is answered; the client sends the next one 100–300 µs later.
//! Together the guests want up to four CPUs: the two are saturated. Tasks
//! move at wakeups and by the host's load balancer (the lab's model of
//! Linux's v6.6 balancer, standing for 2.6.33's in the 2010 variants).
//!
//! Variants differ only in the host's policy:
//!
//! * `pinned`, `no-wake-affine`, `wake-affine` (the 2010 rules): CFS (the
//!   library's v6.5 CFS, the closest it has to 2.6.33's) with v2.6.33's
//!   wakeup placement (`eevdf::wake::v2_6_33`): vCPU i of each guest pinned
//!   to CPU i; not pinned, feature AFFINE_WAKEUPS off; not pinned, on (the
//!   default);
//! * `linux-6.6`, `linux-7.1`: today's rules, not pinned.
//!
//! Metrics: `coscheduled_fraction`, the fraction of time both vCPUs of a
//! guest run at once (mean over the guests, spinning included);
//! `guest_progress`, rounds completed per second per guest; the share of the
//! vCPUs' CPU time spent spinning.

use eevdf::{Features, Profile};

use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, LinuxBalance, Params, Sim, TaskSpec, WakeRule, Workload};
use crate::svg::{render, Plot};

pub const NAME: &str = "vcpu";
pub const VARIANTS: [&str; 5] = [
    "pinned",
    "no-wake-affine",
    "wake-affine",
    "linux-6.6",
    "linux-7.1",
];
pub const METRICS: [&str; 2] = ["coscheduled_fraction", "guest_progress"];
pub const NOTES: &str = "host: 2 CPUs, HZ=1000, root cgroup; 2 guests x (2 vCPU threads + 1 I/O thread); closed loop of 4 requests per guest: network timer -> I/O thread (10-20 us) -> interrupt wakes vCPU0 -> IPI wakes vCPU1; 4 rounds per vCPU per request (compute 30-60 us, guest spinlock held 10-20 us; a waiter spins while its sibling holds it, no PLE); client think 100-300 us.\npinned, no-wake-affine, wake-affine: the 2010 rules, CFS (v6.5's) + v2.6.33 wakeup placement (instantaneous loads; pinned: vCPU i on CPU i; no-wake-affine: NO_AFFINE_WAKEUPS); linux-6.6, linux-7.1: today's rules. Migration: wakeup placement + Linux's load balancer as the lab models it (v6.6: periodic, newly idle, nohz idle, active; for every variant); no tick skew.";
pub const DEFAULT_SECS: f64 = 10.0;

/// Requests each guest's clients keep in flight.
pub const OUTSTANDING: u32 = 4;
/// Rounds of a request each vCPU does.
pub const ROUNDS: u32 = 4;
/// A spin is a run this long, ended early when the lock is handed over.
const SPIN: u64 = 1_000_000_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// No round in progress (halted, or about to start one).
    Idle,
    Compute,
    /// Waiting for the guest lock, burning the CPU.
    Spin,
    /// Handed the lock while spinning: holds it when next on the CPU.
    Granted,
    Hold,
}

struct Vcpu {
    /// (guest, index) of each vCPU task; `None` for an I/O thread.
    who: Vec<Option<(usize, usize)>>,
    vcpu: [[usize; 2]; 2],
    io: [usize; 2],
    phase: Vec<Phase>,
    /// Rounds queued for each task (vCPUs only).
    work: Vec<u32>,
    /// Rounds vCPU 0 of each guest still has to pass to vCPU 1.
    ipi: [u32; 2],
    /// Requests that reached each I/O thread and are not delivered yet.
    arrived: [u32; 2],
    io_busy: [bool; 2],
    /// The guest lock's holder.
    holder: [Option<usize>; 2],
    /// Rounds finished per guest (all time), for answering requests.
    done: [u64; 2],
    rounds: [u64; 2],
    rng: Rng,
    running: Vec<bool>,
    last: u64,
    cosched: [u64; 2],
    /// Spin time per task after the warm-up.
    spin_ns: Vec<u64>,
    spin_since: Vec<Option<u64>>,
    /// Coscheduled time per 100 ms window, for the plot.
    window_cos: Vec<(f64, f64)>,
    window_acc: u64,
    /// Samples (after the warm-up) with both vCPUs of guest g on one CPU,
    /// and all samples.
    stacked: [u64; 2],
    samples: u64,
}

/// Timer tokens: `REQUEST + g` is a request reaching guest g's I/O thread;
/// `WINDOW` samples the plot; `PLACE` samples where the vCPUs are (every ms).
const REQUEST: u64 = 10;
const WINDOW: u64 = 1;
const PLACE: u64 = 2;

impl Vcpu {
    fn both(&self, g: usize) -> bool {
        self.running[self.vcpu[g][0]] && self.running[self.vcpu[g][1]]
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

    /// Spinning time is counted while the spinner is on its CPU.
    fn spin_mark(&mut self, sim: &Sim, t: usize) {
        let on = self.running[t] && self.phase[t] == Phase::Spin;
        match (on, self.spin_since[t]) {
            (true, None) => self.spin_since[t] = Some(sim.now),
            (false, Some(s)) => {
                self.spin_ns[t] += sim.now.saturating_sub(s.max(sim.cfg.warmup));
                self.spin_since[t] = None;
            }
            _ => {}
        }
    }

    fn start_round(&mut self, sim: &mut Sim, t: usize, g: usize, i: usize) -> Action {
        if i == 0 && self.ipi[g] > 0 {
            // The IPI: vCPU 1 gets its rounds, and is woken if it halted.
            let sib = self.vcpu[g][1];
            self.work[sib] += std::mem::take(&mut self.ipi[g]);
            let cpu = sim.tasks[t].cpu;
            sim.wake(sib, cpu, Some(t), false);
        }
        if self.work[t] == 0 {
            self.phase[t] = Phase::Idle;
            return Action::Block;
        }
        self.phase[t] = Phase::Compute;
        Action::Run(self.rng.range(30_000, 60_000))
    }

    fn hold(&mut self, t: usize) -> Action {
        self.phase[t] = Phase::Hold;
        Action::Run(self.rng.range(10_000, 20_000))
    }

    fn vcpu_next(&mut self, sim: &mut Sim, t: usize, g: usize, i: usize) -> Action {
        let sib = self.vcpu[g][1 - i];
        match self.phase[t] {
            Phase::Idle => self.start_round(sim, t, g, i),
            Phase::Compute => match self.holder[g] {
                None => {
                    self.holder[g] = Some(t);
                    self.hold(t)
                }
                Some(_) => {
                    self.phase[t] = Phase::Spin;
                    self.spin_mark(sim, t);
                    Action::Run(SPIN)
                }
            },
            Phase::Spin => Action::Run(SPIN),
            Phase::Granted => {
                self.spin_mark(sim, t);
                self.hold(t)
            }
            Phase::Hold => {
                // Release: the round is done; a spinning sibling gets the lock.
                self.work[t] -= 1;
                self.done[g] += 1;
                if sim.now >= sim.cfg.warmup {
                    self.rounds[g] += 1;
                }
                if self.done[g] % (2 * ROUNDS as u64) == 0 {
                    // A request's worth of rounds: answered; the client's next
                    // request arrives after its think time.
                    let at = sim.now + self.rng.range(100_000, 300_000);
                    sim.add_timer(at, REQUEST + g as u64);
                }
                if self.phase[sib] == Phase::Spin {
                    self.holder[g] = Some(sib);
                    self.phase[sib] = Phase::Granted;
                    sim.cut_run(sib);
                } else {
                    self.holder[g] = None;
                }
                self.start_round(sim, t, g, i)
            }
        }
    }

    fn io_next(&mut self, sim: &mut Sim, t: usize, g: usize) -> Action {
        if std::mem::take(&mut self.io_busy[g]) {
            // Deliver the request: an interrupt into vCPU 0.
            let v0 = self.vcpu[g][0];
            self.work[v0] += ROUNDS;
            self.ipi[g] += ROUNDS;
            let cpu = sim.tasks[t].cpu;
            sim.wake(v0, cpu, Some(t), false);
        }
        if self.arrived[g] == 0 {
            return Action::Block;
        }
        self.arrived[g] -= 1;
        self.io_busy[g] = true;
        Action::Run(self.rng.range(10_000, 20_000))
    }
}

impl Workload for Vcpu {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        match self.who[t] {
            Some((g, i)) => self.vcpu_next(sim, t, g, i),
            None => {
                let g = self.io.iter().position(|&x| x == t).unwrap_or(0);
                self.io_next(sim, t, g)
            }
        }
    }

    fn switched(&mut self, sim: &Sim, _cpu: usize, prev: Option<usize>, next: Option<usize>) {
        self.close_stretch(sim);
        if let Some(p) = prev {
            self.running[p] = false;
            self.spin_mark(sim, p);
        }
        if let Some(n) = next {
            self.running[n] = true;
            self.spin_mark(sim, n);
        }
    }

    fn timer(&mut self, sim: &mut Sim, token: u64) {
        if token >= REQUEST {
            let g = (token - REQUEST) as usize;
            self.arrived[g] += 1;
            let io = self.io[g];
            let cpu = sim.tasks[io].cpu;
            sim.wake(io, cpu, None, false);
            return;
        }
        if token == PLACE {
            if sim.now >= sim.cfg.warmup {
                self.samples += 1;
                for g in 0..2 {
                    let [a, b] = self.vcpu[g];
                    if sim.tasks[a].cpu == sim.tasks[b].cpu {
                        self.stacked[g] += 1;
                    }
                }
            }
            sim.add_timer(sim.now + 1_000_000, PLACE);
            return;
        }
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
    run_with(variant, params, true)
}

/// [`run`] with the host's load balancing on (the lab's model of Linux's
/// balancer: periodic, newly idle, nohz idle, active) or off (no migration
/// except at wakeups: a sensitivity check of how much the balancer decides,
/// not a variant, not on the command line).
pub fn run_with(variant: &'static str, params: &Params, balancing: bool) -> Outcome {
    run_host(variant, params, balancing, false)
}

/// [`run_with`] with the host's ticks aligned (Linux's default, every
/// variant's) or skewed (`skew_tick=1`, [`Config::skew_tick`]): a
/// sensitivity check of whether the host CPUs' tick phase decides the
/// co-scheduled fraction, not a variant, not on the command line.
pub fn run_host(
    variant: &'static str,
    params: &Params,
    balancing: bool,
    skew_tick: bool,
) -> Outcome {
    // The 2010 variants: v2.6.33's placement on the library's CFS.
    let old = !variant.starts_with("linux-");
    let profile = match variant {
        "linux-6.6" => Profile::LINUX_6_6,
        "linux-7.1" => Profile::LINUX_7_1,
        _ => Profile::LINUX_6_5,
    };
    let mut cfg = Config::new(profile, 2, 1000, params);
    cfg.features = Features::defaults(profile.release);
    if old {
        cfg.wake_rule = WakeRule::V2_6_33 {
            affine_wakeups: variant != "no-wake-affine",
        };
    }
    // Both the 2010 host and today's balance load periodically; the lab's
    // v6.6 model stands for 2.6.33's too (it replaces the lab's newidle pull).
    cfg.linux_balance = balancing.then_some(LinuxBalance { nohz: true });
    cfg.newidle_pull = false;
    cfg.skew_tick = skew_tick;
    let rng = Rng::new(params.seed).fork(0xC9);
    let mut sim = Sim::new(cfg);
    let mut vcpu = [[0; 2]; 2];
    let mut io = [0; 2];
    let mut who = Vec::new();
    for (g, (row, io_g)) in vcpu.iter_mut().zip(io.iter_mut()).enumerate() {
        for (i, slot) in row.iter_mut().enumerate() {
            let mut spec = TaskSpec::new(&format!("guest{g}/vcpu{i}"), 0, i);
            if variant == "pinned" {
                spec = spec.pinned();
            }
            *slot = sim.add_task(spec);
            who.push(Some((g, i)));
        }
        *io_g = sim.add_task(TaskSpec::new(&format!("guest{g}/qemu-io"), 0, g));
        who.push(None);
    }
    let n = sim.tasks.len();
    let mut w = Vcpu {
        who,
        vcpu,
        io,
        phase: vec![Phase::Idle; n],
        work: vec![0; n],
        ipi: [0; 2],
        arrived: [0; 2],
        io_busy: [false; 2],
        holder: [None; 2],
        done: [0; 2],
        rounds: [0; 2],
        rng: rng.fork(2),
        running: vec![false; n],
        last: 0,
        cosched: [0; 2],
        spin_ns: vec![0; n],
        spin_since: vec![None; n],
        window_cos: Vec::new(),
        window_acc: 0,
        stacked: [0; 2],
        samples: 0,
    };
    sim.add_timer(sim.cfg.warmup, WINDOW);
    sim.add_timer(sim.cfg.warmup, PLACE);
    for g in 0..2u64 {
        for _ in 0..OUTSTANDING {
            let at = sim.now + w.rng.range(1, 2_000_000);
            sim.add_timer(at, REQUEST + g);
        }
    }
    sim.run(&mut w);
    w.close_stretch(&sim);
    for t in 0..n {
        w.running[t] = false;
        w.spin_mark(&sim, t);
    }
    let m = sim.measured() as f64;
    let secs_m = m / 1e9;
    let mig: u64 = sim.tasks.iter().map(|t| t.migrations_wake).sum();
    let pull: u64 = sim.tasks.iter().map(|t| t.migrations_pull).sum();
    let busy: u64 = sim.cpus.iter().map(|c| c.busy).sum();
    let vcpus: Vec<usize> = w.vcpu.iter().flatten().copied().collect();
    let vcpu_time: u64 = vcpus.iter().map(|&t| sim.tasks[t].runtime).sum();
    let spin: u64 = vcpus.iter().map(|&t| w.spin_ns[t]).sum();
    let mut notes = Vec::new();
    if old {
        notes.push((
            "release",
            "CFS of v6.5 (the library's CFS) standing for v2.6.33's, with v2.6.33's wakeup placement"
                .to_string(),
        ));
    }
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
            (
                "stacked_fraction",
                Cell::num(
                    (w.stacked[0] + w.stacked[1]) as f64 / (2 * w.samples.max(1)) as f64,
                    3,
                ),
            ),
            ("cpu_busy", Cell::num(busy as f64 / (2.0 * m), 3)),
            (
                "spin_share",
                Cell::num(spin as f64 / (vcpu_time.max(1)) as f64, 3),
            ),
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
        notes,
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
