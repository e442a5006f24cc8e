//! `vhost`: the EEVDF lag-placement regression of the vhost/kworker hand-off
//! (Tobias Huschle, LKML, 2023-11-16, "EEVDF/vhost regression (bisected to
//! 86bfbb7ce4f6 sched/fair: Add lag based placement)").
//!
//! The model is the scenario file `lab/scenarios/vhost.toml` (compiled in,
//! run by [`crate::engine`]); this module names it, keeps its description
//! and draws its plot.//!
//! Model. Eight CPUs at HZ = 100, base slice 3 ms (the trace's), all nice 0.
//! The guest lives in a libvirt/systemd cgroup tree (the file's `[[groups]]`): root →
//! `machine.slice` → the guest's `machine-qemu…scope` → `libvirt` → one
//! group per thread kind: `emulator` holds the vhost thread (pinned to CPU 0;
//! vhost workers join their owner's cgroups), `vcpu0` the guest's I/O vCPU
//! thread (pinned to CPU 1), `vcpu1`–`vcpu6` six always-busy vCPU threads
//! (CPUs 2–7). vhost's task is thus five run queues deep with four group
//! entities above it on every CPU, as in the trace (whose `sched_place` of
//! vhost is followed by four group entities'); the tree's load lies mostly
//! elsewhere, so its entities on CPU 0 are light (the trace's group entities
//! weighed 5 to 875). The tree is the machine: the same for every variant.
//! A closed loop of 8 items: the guest's ring holds items for vhost;
//! vhost takes one, computes 10–50 µs, hands it to `kworker/0` (root cgroup,
//! pinned to CPU 0) and goes on with the next — without sleeping while the
//! ring has items, relying on being preempted for the kworker to run (mst's
//! description); with the ring empty it sleeps until the guest refills it.
//! The kworker runs 2–6 µs per item (the trace's 3.7 µs) and completes it to
//! the I/O vCPU, which takes 10–50 µs to consume it and put a new item in the
//! ring. Metrics: items completed per second, the kworker's wait from wakeup
//! to running (max, mean), vhost's share of CPU 0.

use crate::files::run_file;
use crate::report::{Outcome, Series};
use crate::sim::{Params, START};
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
/// The plot's window.
const PLOT_WINDOW: u64 = 100_000_000;

/// The kworker's task index in the file.
const KWORKER: usize = 1;

/// Runs a variant of `lab/scenarios/vhost.toml`; the plot is the kworker's
/// longest wakeup-to-run wait in each 100 ms window after the warm-up.
pub fn run(variant: &'static str, params: &Params) -> Outcome {
    let mut seen = 0;
    run_file(
        NAME,
        variant,
        params,
        |_| {},
        Some(START + PLOT_WINDOW),
        PLOT_WINDOW,
        move |sim, _| {
            if sim.now <= sim.cfg.warmup {
                return (None, true);
            }
            let w = &sim.tasks[KWORKER].wake_wait.samples;
            let m = w[seen.min(w.len())..].iter().copied().max().unwrap_or(0);
            seen = w.len();
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            (Some((x, m as f64 / 1e6)), true)
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
