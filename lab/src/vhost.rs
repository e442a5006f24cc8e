//! `vhost`: the EEVDF lag-placement regression of the vhost/kworker hand-off
//! (Tobias Huschle, LKML, 2023-11-16, "EEVDF/vhost regression (bisected to
//! 86bfbb7ce4f6 sched/fair: Add lag based placement)").
//!
//! Model. Eight CPUs at HZ = 100, base slice 3 ms (the trace's), all nice 0.
//! The guest lives in a libvirt/systemd cgroup tree ([`GROUPS`]): root →
//! `machine.slice` → the guest's `machine-qemu…scope` → `libvirt` → one
//! group per thread kind: `emulator` holds the vhost thread (pinned to CPU 0;
//! vhost workers join their owner's cgroups), `vcpu0` the guest's I/O vCPU
//! thread (pinned to CPU 1), `vcpu1`–`vcpu6` six always-busy vCPU threads
//! (CPUs 2–7). vhost's task is thus five run queues deep with four group
//! entities above it on every CPU, as in the trace (whose `sched_place` of
//! vhost is followed by four group entities'); the tree's load lies mostly
//! elsewhere, so its entities on CPU 0 are light (the trace's group entities
//! weighed 5 to 875). The tree is the machine: the same for every variant.
//! A closed loop of `WINDOW` items: the guest's ring holds items for vhost;
//! vhost takes one, computes 10–50 µs, hands it to `kworker/0` (root cgroup,
//! pinned to CPU 0) and goes on with the next — without sleeping while the
//! ring has items, relying on being preempted for the kworker to run (mst's
//! description); with the ring empty it sleeps until the guest refills it.
//! The kworker runs 2–6 µs per item (the trace's 3.7 µs) and completes it to
//! the I/O vCPU, which takes 10–50 µs to consume it and put a new item in the
//! ring. Metrics: items completed per second, the kworker's wait from wakeup
//! to running (max, mean), vhost's share of CPU 0.

use eevdf::group::{TaskGroup, DEFAULT_SHARES};
use eevdf::Profile;

use crate::report::{Cell, Outcome, Series};
use crate::rng::Rng;
use crate::sim::{Action, Config, Params, Sim, TaskSpec, Workload};
use crate::svg::{render, Plot};

pub const NAME: &str = "vhost";
pub const VARIANTS: [&str; 6] = [
    "linux-6.5",
    "linux-6.5-86bfbb7ce4f6",
    "linux-6.6",
    "linux-6.6-no-place-lag",
    "linux-6.18",
    "linux-7.1",
];
pub const METRICS: [&str; 4] = [
    "throughput_per_s",
    "kworker_max_wait_us",
    "kworker_avg_wait_us",
    "vhost_cpu_share",
];
pub const NOTES: &str = "8 CPUs, HZ=100, base slice 3 ms; cgroups root/machine.slice/machine-qemu.scope/libvirt/{emulator,vcpu0..vcpu6}; closed loop of 8 items: guest ring -> vhost (emulator, CPU 0, 10-50 us/item, no sleep while the ring has items) -> kworker/0 (root, CPU 0, 2-6 us) -> I/O vCPU (vcpu0, CPU 1, 10-50 us) -> ring; 6 busy vCPU threads (vcpu1..vcpu6) on CPUs 2-7. ge_weight_cpu0: mean group-entity weight on CPU 0, machine.slice/scope/libvirt/emulator.\nlinux-6.5: CFS; linux-6.5-86bfbb7ce4f6: 6.5 CFS with 86bfbb7ce4f6's lag placement (the bisect's bad side). waits: kworker wakeup -> first run. Migration: none (all pinned).";
pub const DEFAULT_SECS: f64 = 10.0;
/// Items in flight in the closed loop (the guest's ring and everything
/// downstream of it).
pub const WINDOW: u64 = 8;

const SAMPLE: u64 = 1_000_000;

/// The guest's cgroups, in the order libvirt creates them under systemd
/// (cgroup v2, every `cpu.weight` at its default 100, i.e. 1024 shares):
/// their names and parents' indices. Index 0 is the root.
pub const GROUPS: [(&str, u32); 12] = [
    ("/", TaskGroup::NO_PARENT),
    ("machine.slice", 0),
    ("machine-qemu.scope", 1),
    ("libvirt", 2),
    ("emulator", 3),
    ("vcpu0", 3),
    ("vcpu1", 3),
    ("vcpu2", 3),
    ("vcpu3", 3),
    ("vcpu4", 3),
    ("vcpu5", 3),
    ("vcpu6", 3),
];
/// vhost's group and the groups above it, top first: the four group entities
/// between vhost and CPU 0's root run queue.
const CHAIN: [u32; 4] = [1, 2, 3, 4];
const EMULATOR: u32 = 4;
const VCPU0: u32 = 5;

struct Vhost {
    vhost: usize,
    kworker: usize,
    io_vcpu: usize,
    /// Items in the guest's ring, waiting for vhost.
    ring: u64,
    /// Items handed to the kworker, not yet completed.
    pending: u64,
    /// Completions the I/O vCPU has not consumed yet.
    completed: u64,
    /// vhost is computing its current item (it hands it over when done).
    vhost_busy: bool,
    io_busy: bool,
    kworker_busy: bool,
    /// Items the I/O vCPU consumed after the warm-up.
    throughput: u64,
    rng: Rng,
    /// Per level of [`CHAIN`]: Σ, minimum and maximum of the group entity's
    /// weight on CPU 0 (NICE_0_LOAD = 1024), sampled every ms.
    ge_sum: [u64; 4],
    ge_min: [u64; 4],
    ge_max: [u64; 4],
    ge_n: u64,
    /// (s, longest kworker wait in the last 100 ms, ms) for the plot.
    window_max: Vec<(f64, f64)>,
    seen: usize,
    ticks: u64,
}

impl Workload for Vhost {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        if t == self.vhost {
            if std::mem::take(&mut self.vhost_busy) {
                self.pending += 1;
                sim.wake(self.kworker, 0, Some(self.vhost), false);
            }
            if self.ring == 0 {
                return Action::Block;
            }
            self.ring -= 1;
            self.vhost_busy = true;
            Action::Run(self.rng.range(10_000, 50_000))
        } else if t == self.kworker {
            if std::mem::take(&mut self.kworker_busy) {
                self.completed += 1;
                sim.wake(self.io_vcpu, 0, Some(self.kworker), false);
            }
            if self.pending == 0 {
                return Action::Block;
            }
            self.pending -= 1;
            self.kworker_busy = true;
            Action::Run(self.rng.range(2_000, 6_000))
        } else if t == self.io_vcpu {
            if std::mem::take(&mut self.io_busy) {
                self.ring += 1;
                if sim.now >= sim.cfg.warmup {
                    self.throughput += 1;
                }
                sim.wake(self.vhost, 1, Some(self.io_vcpu), false);
            }
            if self.completed == 0 {
                return Action::Block;
            }
            self.completed -= 1;
            self.io_busy = true;
            Action::Run(self.rng.range(10_000, 50_000))
        } else {
            Action::Run(1_000_000_000)
        }
    }

    fn timer(&mut self, sim: &mut Sim, _token: u64) {
        if sim.now >= sim.cfg.warmup {
            for (i, &g) in CHAIN.iter().enumerate() {
                if let Ok(Some(ge)) = sim.cpus[0].rq.group_entity(g) {
                    let w = ge.load.weight() >> 10;
                    self.ge_sum[i] += w;
                    self.ge_min[i] = self.ge_min[i].min(w);
                    self.ge_max[i] = self.ge_max[i].max(w);
                }
            }
            self.ge_n += 1;
        }
        self.ticks += 1;
        if self.ticks % 100 == 0 && sim.now > sim.cfg.warmup {
            let w = &sim.tasks[self.kworker].wake_wait.samples;
            let m = w[self.seen..].iter().copied().max().unwrap_or(0);
            self.seen = w.len();
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            self.window_max.push((x, m as f64 / 1e6));
        }
        sim.add_timer(sim.now + SAMPLE, 0);
    }
}

pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let profile = match variant {
        "linux-6.5" => Profile::LINUX_6_5,
        // The bad side of the report's bisect: 6.5's CFS (pick, tick and
        // wakeup preemption, buddies, min_vruntime) with 86bfbb7ce4f6's
        // lag-based placement. Its features are that tree's
        // (`Profile::default_features`: PLACE_LAG on, no START_DEBIT, no
        // FAIR_SLEEPERS sleeper credit).
        "linux-6.5-86bfbb7ce4f6" => Profile::LINUX_6_5_PLACE_LAG,
        "linux-6.6" | "linux-6.6-no-place-lag" => Profile::LINUX_6_6,
        "linux-6.18" => Profile::LINUX_6_18,
        _ => Profile::LINUX_7_1,
    };
    let mut cfg = Config::new(profile, 8, 100, params);
    cfg.base_slice = 3_000_000;
    let mut features = profile.default_features();
    if variant.ends_with("no-place-lag") {
        features.apply_debugfs("NO_PLACE_LAG");
    }
    cfg.features = features;
    cfg.groups = GROUPS
        .iter()
        .map(|&(_, parent)| match parent {
            TaskGroup::NO_PARENT => TaskGroup::ROOT,
            p => TaskGroup::new(p, DEFAULT_SHARES),
        })
        .collect();
    let rng = Rng::new(params.seed).fork(0x7601);
    let mut sim = Sim::new(cfg);
    let vhost = sim.add_task(TaskSpec::new("vhost", EMULATOR, 0).pinned());
    let kworker = sim.add_task(
        TaskSpec::new("kworker/0", 0, 0)
            .pinned()
            .kthread()
            .keep_waits(),
    );
    let io_vcpu = sim.add_task(TaskSpec::new("vcpu-io", VCPU0, 1).pinned());
    for c in 2..8 {
        sim.add_task(TaskSpec::new("vcpu", VCPU0 + c as u32 - 1, c).pinned());
    }
    let mut w = Vhost {
        vhost,
        kworker,
        io_vcpu,
        ring: WINDOW,
        pending: 0,
        completed: 0,
        vhost_busy: false,
        io_busy: false,
        kworker_busy: false,
        throughput: 0,
        rng: rng.fork(2),
        ge_sum: [0; 4],
        ge_min: [u64::MAX; 4],
        ge_max: [0; 4],
        ge_n: 0,
        window_max: Vec::new(),
        seen: 0,
        ticks: 0,
    };
    sim.add_timer(sim.now + SAMPLE, 0);
    sim.run(&mut w);

    let k = &sim.tasks[kworker];
    let cpu0 = sim.measured() as f64;
    let mut waits = k.wake_wait.samples.clone();
    waits.sort_unstable();
    let p99 = waits
        .get(((waits.len() as f64) * 0.99) as usize)
        .copied()
        .unwrap_or(0);
    Outcome {
        variant,
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics: vec![
            ("throughput_per_s", w.throughput as f64 / (cpu0 / 1e9)),
            ("kworker_max_wait_us", k.wake_wait.max as f64 / 1000.0),
            ("kworker_avg_wait_us", k.wake_wait.mean() / 1000.0),
            ("vhost_cpu_share", sim.tasks[vhost].runtime as f64 / cpu0),
        ],
        extra: vec![
            ("p99_wait_us", Cell::num(p99 as f64 / 1000.0, 1)),
            (
                "waits_over_1ms",
                Cell::int(waits.iter().filter(|&&w| w > 1_000_000).count() as u64),
            ),
            (
                "waits_over_1_tick",
                Cell::int(waits.iter().filter(|&&w| w > sim.cfg.tick_nsec()).count() as u64),
            ),
            ("kworker_wakeups", Cell::int(k.wakeups)),
            ("kworker_cpu_share", Cell::num(k.runtime as f64 / cpu0, 3)),
            (
                "ge_weight_cpu0",
                Cell::list(
                    &w.ge_sum
                        .map(|s| (s as f64 / w.ge_n.max(1) as f64).round() as u64),
                ),
            ),
            (
                "ge_weight_min_cpu0",
                Cell::list(&w.ge_min.map(|m| if m == u64::MAX { 0 } else { m })),
            ),
            ("ge_weight_max_cpu0", Cell::list(&w.ge_max)),
        ],
        notes: Vec::new(),
        series: vec![Series {
            label: variant.to_string(),
            points: w.window_max,
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
        title: "vhost: the kworker's longest wakeup-to-run wait per 100 ms",
        xlabel: "time after warm-up (s)",
        ylabel: "longest wait in the window (ms)",
        series: &series(outcomes),
        xlog: false,
        x: None,
        y: (0.0, 15.0),
        ystep: None,
        steps: false,
        hlines: &[(10.0, "1 tick at HZ=100")],
        vlines: &[],
    })
}
