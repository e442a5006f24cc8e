//! `vcpu`: two guests with two vCPU threads each on two saturated host CPUs,
//! guest spinlocks, and wakeups that can pull a guest's vCPUs onto one CPU
//! (kvm list and LKML thread "VM performance issue in KVM guests.", Zhang
//! Xiantao, 2010-04-10, and Avi Kivity's reply of 2010-04-16: pinned, a
//! guest's vCPUs are co-scheduled 50 % of the time; unpinned without affine
//! wakeups 33 %; with them 0 %).
//!
//! The model is the scenario file `lab/scenarios/vcpu.toml` (compiled in,
//! run by [`crate::engine`]); this module names it, keeps its description
//! and draws its plot.//!
//! Model (the report's setup: 2 physical CPUs, 2 Windows guests × 2 vCPUs,
//! webbench, physical CPUs saturated, guest spinlocks without pause-loop
//! exiting). Host: HZ = 1000, every thread in the root cgroup, nice 0. Each
//! guest has two vCPU threads (vCPU i starts on CPU i) and one I/O thread
//! (qemu's, starting on CPU g, never pinned). The guest serves a closed loop
//! of 4 requests: a request reaches the I/O thread from the
//! network (a timer: no waking task), which runs 10–20 µs and injects an
//! interrupt into vCPU 0 (a plain wakeup of vCPU 0's thread if it halted).
//! vCPU 0 takes 4 rounds of the request and sends vCPU 1 an IPI with
//! the other 4 (a plain wakeup of vCPU 1's thread by vCPU 0's, from
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

use crate::files::run_file;
use crate::report::{Outcome, Series};
use crate::sim::{LinuxBalance, Params};
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

/// The plot's window.
const PLOT_WINDOW: u64 = 100_000_000;

/// Runs a variant of `lab/scenarios/vcpu.toml`; the plot is the
/// co-scheduled fraction of each 100 ms window.
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
/// variant's) or skewed (`skew_tick=1`, [`crate::sim::Config::skew_tick`]):
/// a sensitivity check of whether the host CPUs' tick phase decides the
/// co-scheduled fraction, not a variant, not on the command line.
pub fn run_host(
    variant: &'static str,
    params: &Params,
    balancing: bool,
    skew_tick: bool,
) -> Outcome {
    let tune = |cfg: &mut crate::sim::Config| {
        cfg.linux_balance = balancing.then_some(LinuxBalance { nohz: true });
        cfg.skew_tick = skew_tick;
    };
    let mut last = 0;
    run_file(
        NAME,
        variant,
        params,
        tune,
        None,
        PLOT_WINDOW,
        move |sim, e| {
            e.close_stretch(sim);
            if sim.now <= sim.cfg.warmup {
                return (None, true);
            }
            // Both guests' co-scheduled time in the window, over 2 × 100 ms.
            let total = e.together_time();
            let x = (sim.now - sim.cfg.warmup) as f64 / 1e9;
            let y = (total - last) as f64 / 2e8;
            last = total;
            (Some((x, y)), true)
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
