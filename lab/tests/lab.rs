//! The scenario lab, run in the normal test suite with short durations: each
//! scenario's qualitative result (`tests/cli.rs` tests the command line, the
//! JSON lines and the plots). The tests build the lab in the debug profile,
//! where the engine also validates every CPU's run-queue hierarchy every 61
//! scheduling events.

use eevdf_lab::report::Outcome;
use eevdf_lab::{cli, hlt, sim, vcpu, vhost};

fn run_all(name: &str, secs: f64, seed: u64) -> Vec<Outcome> {
    let s = cli::SCENARIOS.iter().find(|s| s.name == name).unwrap();
    let p = sim::Params {
        seed,
        secs,
        features: Vec::new(),
        probe: None,
    };
    s.variants.iter().map(|v| (s.run)(v, &p)).collect()
}

fn m(outcomes: &[Outcome], variant: &str, metric: &str) -> f64 {
    outcomes
        .iter()
        .find(|o| o.variant == variant)
        .unwrap()
        .metric(metric)
}

/// A column beyond the metrics, as its JSON value (a yes/no as 1/0).
fn x(outcomes: &[Outcome], variant: &str, column: &str) -> f64 {
    let o = outcomes.iter().find(|o| o.variant == variant).unwrap();
    let v = &o.extra.iter().find(|(n, _)| *n == column).unwrap().1.json;
    v.as_f64()
        .or(v.as_bool().map(f64::from))
        .unwrap_or(f64::NAN)
}

/// Tobias Huschle, LKML, 2023-11-16, "EEVDF/vhost regression (bisected to
/// 86bfbb7ce4f6 sched/fair: Add lag based placement)": about −50 % uperf
/// throughput against CFS, the kworker's longest wait from 3 ms to tens of
/// ms. Not reproduced by the closed loop: today's values are pinned so that
/// a change is noticed.
#[test]
fn vhost_huschle_2023_closed_loop_keeps_cfs_throughput_and_bounds_waits_by_the_window() {
    let o = run_all("vhost", 2.0, 1);
    let cfs = m(&o, "linux-6.5", "throughput_per_s");
    assert!((cfs - 29_354.0).abs() < 300.0, "{cfs}");
    for v in vhost::VARIANTS {
        let rel = m(&o, v, "throughput_per_s") / cfs;
        // Within 6 % of CFS everywhere, far from the report's −50 %.
        assert!(rel > 0.94 && rel < 1.01, "{v}: {rel}");
        // The window (8 items of 10–50 µs of vhost work) bounds every wait:
        // vhost sleeps when the ring is empty.
        let max = m(&o, v, "kworker_max_wait_us");
        assert!(max < 8.0 * 50.0, "{v}: {max}");
    }
    // CFS: the kworker's sleeper credit preempts vhost at once.
    assert_eq!(m(&o, "linux-6.5", "kworker_max_wait_us"), 0.0);
    // 6.6 without lag placement: RUN_TO_PARITY keeps vhost on until it
    // runs out of items; the loop loses about 5 %.
    let nolag = m(&o, "linux-6.6-no-place-lag", "throughput_per_s") / cfs;
    assert!(nolag < 0.96, "{nolag}");
    assert!(m(&o, "linux-6.6-no-place-lag", "kworker_avg_wait_us") > 50.0);
    // The bisect's bad side (86bfbb7ce4f6: 6.5's CFS with lag placement and
    // no sleeper credit): the woken kworker is placed near V, within the
    // wakeup granularity of vhost, so it does not preempt and waits until
    // vhost empties the ring: about −5 %, not −50 % (seed 1, 2 s: −4.7 %).
    let bad = m(&o, "linux-6.5-86bfbb7ce4f6", "throughput_per_s") / cfs;
    assert!(bad > 0.94 && bad < 0.97, "{bad}");
    let bad_avg = m(&o, "linux-6.5-86bfbb7ce4f6", "kworker_avg_wait_us");
    assert!(bad_avg > 40.0, "{bad_avg}");
    // vhost sits five run queues deep (root, machine.slice, the scope,
    // libvirt, emulator): four group entities above it on CPU 0. emulator's
    // whole load is vhost's, on CPU 0, so its entity gets all 1024 shares;
    // the three levels above see CPU 0 hold about an eighth of the tree's
    // load (vhost against seven vCPU threads elsewhere) and weigh about
    // 1024 / 8, steady because vhost never migrates — not the trace's 5
    // (seed 1, 2 s: 119–135 on average in every variant). A one-level tree
    // would have no entity at levels 2–4; a flat shares rule would give
    // every level the same weight.
    for v in vhost::VARIANTS {
        let w = list(&o, v, "ge_weight_cpu0");
        assert_eq!(w.len(), 4, "{v}");
        assert_eq!(w[3], 1024, "{v}: {w:?}");
        for &l in &w[..3] {
            assert!((110..=140).contains(&l), "{v}: {w:?}");
        }
        assert_eq!(list(&o, v, "ge_weight_min_cpu0")[3], 1024, "{v}");
    }
}

/// A column holding a list of counts.
fn list(outcomes: &[Outcome], variant: &str, column: &str) -> Vec<u64> {
    let o = outcomes.iter().find(|o| o.variant == variant).unwrap();
    let (_, c) = o.extra.iter().find(|(n, _)| *n == column).unwrap();
    c.json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

/// Josef Bacik, "CPU Scheduler imbalance with cgroups" (blog post,
/// 2017-07-24): stress got about 50 % more CPU than the application (busy
/// group's share 0.58–0.62) on 4.x CFS, an even split (0.50 ± 0.02) with the
/// 4.15 shares rule.
#[test]
fn cgroup_bacik_2017_fix_splits_evenly_and_the_old_rules_miss_the_band() {
    let o = run_all("cgroup", 2.0, 1);
    // The fix's band is met under CFS (6.5) and under 7.1.
    for v in ["linux-6.5", "linux-7.1"] {
        let new = m(&o, v, "busy_group_share");
        assert!((new - 0.5).abs() <= 0.02, "{v}: {new}");
    }
    // Not met: under CFS neither old rule reaches 0.58–0.62 (no load
    // balancer, no wake-affine effective_load: the report's other causes).
    // Today's values (seed 1, 2 s), pinned so that a change is noticed.
    let v4_14 = m(&o, "linux-6.5-v4.14-shares", "busy_group_share");
    assert!((v4_14 - 0.538).abs() < 0.01, "{v4_14}");
    let avg_only = m(&o, "linux-6.5-load-avg-only", "busy_group_share");
    assert!((avg_only - 0.504).abs() < 0.01, "{avg_only}");
    // Under 7.1 (DELAY_DEQUEUE) the load_avg-only rule overshoots the band.
    let eevdf_old = m(&o, "linux-7.1-load-avg-only", "busy_group_share");
    assert!(eevdf_old > 0.62, "{eevdf_old}");
    for oc in &o {
        let sum = oc.metric("busy_group_share") + oc.metric("sleepy_group_share");
        assert!((sum - 1.0).abs() < 1e-9);
    }
}

fn extra(outcomes: &[Outcome], variant: &str, column: &str) -> f64 {
    let o = outcomes.iter().find(|o| o.variant == variant).unwrap();
    let (_, c) = o.extra.iter().find(|(n, _)| *n == column).unwrap();
    c.json.as_f64().unwrap()
}

/// Zhang Xiantao, kvm list and LKML, 2010-04-10, "VM performance issue in
/// KVM guests." (2 host CPUs, 2 guests × 2 vCPUs, saturated; webbench 5–10×
/// faster pinned), and Avi Kivity's reply of 2010-04-16: a guest's vCPUs are
/// co-scheduled 0 % of the time with affine wakeups (band 0 ± 0.05).
/// Seed 1, 4 s.
#[test]
fn vcpu_zhang_kivity_2010_affine_wakeups_stack_each_guest_on_one_cpu() {
    let o = run_all("vcpu", 4.0, 1);
    // The band is met under v2.6.33's placement with affine wakeups: each
    // guest's two vCPUs share one CPU all the time.
    let c = m(&o, "wake-affine", "coscheduled_fraction");
    assert!(c <= 0.05, "{c}");
    assert!(extra(&o, "wake-affine", "stacked_fraction") > 0.95);
    // Stacking is not free: a stacked vCPU spins on the lock its
    // descheduled sibling holds, and every unpinned variant progresses
    // less than the pinned one (seed 1: 10,946 rounds/s pinned, 161 with
    // affine wakeups).
    let pinned = m(&o, "pinned", "guest_progress");
    for v in ["no-wake-affine", "wake-affine", "linux-6.6", "linux-7.1"] {
        assert!(m(&o, v, "guest_progress") < pinned / 5.0, "{v}");
        assert!(extra(&o, v, "spin_share") > 0.5, "{v}");
    }
    assert!(extra(&o, "pinned", "spin_share") < 0.4);
}

/// The same report's other two bands are not met (documented in
/// docs/lab.md); today's values are pinned so that a change is noticed.
/// Pinned: 0.50 ± 0.05 assumes both CPUs switch guests in step; here each
/// CPU switches on its own (about 0.25 if independent). Unpinned without
/// affine wakeups: 0.33 ± 0.05 assumes the vCPUs keep being re-paired;
/// here a guest is stacked early and nothing separates it again: the
/// periodic balancer sees two threads per CPU, a balanced load. Under 6.6
/// and 7.1 the vCPUs are never co-scheduled either.
#[test]
fn vcpu_zhang_kivity_2010_pinned_and_no_affine_bands_missed_and_stacking_persists_today() {
    let o = run_all("vcpu", 4.0, 1);
    let pinned = m(&o, "pinned", "coscheduled_fraction");
    assert!(pinned > 0.2 && pinned < 0.3, "{pinned}");
    assert_eq!(extra(&o, "pinned", "stacked_fraction"), 0.0);
    let no_affine = m(&o, "no-wake-affine", "coscheduled_fraction");
    assert!(no_affine < 0.1, "{no_affine}");
    assert!(extra(&o, "no-wake-affine", "stacked_fraction") > 0.8);
    // Today: never co-scheduled, whether the guests are stacked (7.1, seed 1)
    // or split with their vCPUs in opposite phase (6.6, seed 1): either way
    // the vCPUs spend their time spinning.
    for v in ["linux-6.6", "linux-7.1"] {
        let c = m(&o, v, "coscheduled_fraction");
        assert!(c < 0.05, "{v}: {c}");
        assert!(extra(&o, v, "spin_share") > 0.9, "{v}");
    }
    for v in vcpu::VARIANTS {
        // Two guests on two CPUs: at most half the time each.
        assert!(m(&o, v, "coscheduled_fraction") <= 0.5 + 1e-9, "{v}");
    }
}

/// The same report: is the 2010 rule's stacking its own doing? With no
/// load balancing at all (only wakeups move tasks), v2.6.33's wake-affine still stacks each
/// guest (seed 1: stacked all the time), while without affine wakeups the
/// vCPUs keep their first CPUs and behave like pinned ones (0.28 co-scheduled
/// for seed 1, 10 s: inside the 0.33 ± 0.05 band, but by keeping one
/// pairing, not by Avi's random re-pairing).
#[test]
fn vcpu_zhang_kivity_2010_the_2010_rule_stacks_without_any_load_balancing() {
    let p = sim::Params {
        seed: 1,
        secs: 10.0,
        features: Vec::new(),
        probe: None,
    };
    let o: Vec<Outcome> = ["no-wake-affine", "wake-affine"]
        .into_iter()
        .map(|v| vcpu::run_with(v, &p, false))
        .collect();
    assert!(m(&o, "wake-affine", "coscheduled_fraction") <= 0.05);
    assert!(extra(&o, "wake-affine", "stacked_fraction") > 0.95);
    let c = m(&o, "no-wake-affine", "coscheduled_fraction");
    assert!(c > 0.2 && c < 0.4, "{c}");
    assert_eq!(extra(&o, "no-wake-affine", "stacked_fraction"), 0.0);
}

/// The same report, pinned: does the host CPUs' tick phase decide how often
/// a guest's vCPUs run together (Avi's 0.50 assumes both CPUs switch
/// guests in step)? Linux's `skew_tick=1` (here CPU 1 ticks 250 µs after
/// CPU 0, `sim::tick_skew_offset`) against the default aligned ticks, with
/// everything else the `pinned` variant's (seed 1, 10 s). Skewed ticks raise
/// the co-scheduled fraction from 0.301 to 0.349 (seeds 1–10: 0.248–0.347
/// aligned, 0.343–0.358 skewed) — still outside 0.50 ± 0.05. Today's values,
/// pinned so that a change is noticed.
#[test]
fn vcpu_zhang_kivity_2010_pinned_skewed_ticks_raise_coscheduling_but_miss_the_band() {
    let p = sim::Params {
        seed: 1,
        secs: 10.0,
        features: Vec::new(),
        probe: None,
    };
    let aligned = vcpu::run_host("pinned", &p, true, false);
    let skewed = vcpu::run_host("pinned", &p, true, true);
    let a = aligned.metric("coscheduled_fraction");
    let s = skewed.metric("coscheduled_fraction");
    // The aligned run is the variant itself.
    let variant = vcpu::run("pinned", &p).metric("coscheduled_fraction");
    assert_eq!(a, variant);
    assert!((a - 0.301).abs() < 0.005, "{a}");
    assert!((s - 0.349).abs() < 0.005, "{s}");
    assert!(s < 0.45, "{s}: the band would be met");
    // Skewed, the vCPUs spin less and the guests progress more (seed 1:
    // 13,344 against 11,741 rounds/s).
    assert!(skewed.metric("guest_progress") > 1.1 * aligned.metric("guest_progress"));
}

/// Masanori Misono, LKML, 2021-05-26, "[PATCH RFC 0/1] Make vCPUs that are
/// HLT state candidates for load balancing": NPB-OMP on a 48-vCPU guest, the
/// shared-LLC guest (sockets=2, cores=24) 1.38–3.48 times slower than with
/// the patch (lu.C 3.48, mg.C 1.60, bt.C 1.38, cg.C 2.00); with one socket
/// per vCPU (sockets=48) no slowdown. Band: 1.4–3.5 with a shared LLC,
/// 1.0 ± 0.1 with one socket per vCPU.
#[test]
fn hlt_misono_rfc_2021_shared_llc_ratio_within_1_4_to_3_5_and_socket_per_vcpu_about_1() {
    let o = run_all("hlt", 1.0, 1);
    for v in hlt::VARIANTS {
        assert_eq!(x(&o, v, "finished"), 1.0, "{v}");
    }
    let pre = m(&o, "hlt-preempted", "makespan_ms");
    let not = m(&o, "hlt-not-preempted", "makespan_ms");
    let ratio = pre / not;
    assert!((1.4..=3.5).contains(&ratio), "{pre} / {not} = {ratio}");
    // The mechanism: halted vCPUs are invisible to the idle search, the
    // balancer (periodic, nohz) pulls the stacked threads back.
    assert!(m(&o, "hlt-preempted", "idle_vcpu_used_fraction") < 0.2);
    assert!(m(&o, "hlt-not-preempted", "idle_vcpu_used_fraction") > 0.8);
    assert!(x(&o, "hlt-preempted", "pull_migrations") > 50.0);
    // One socket per vCPU: no LLC to search, so the preempted flag changes
    // no decision — the same run to the nanosecond.
    let spre = m(&o, "socket-per-vcpu-hlt-preempted", "makespan_ms");
    let snot = m(&o, "socket-per-vcpu-hlt-not-preempted", "makespan_ms");
    assert!(((spre / snot) - 1.0).abs() <= 0.1, "{spre} / {snot}");
    assert_eq!(spre, snot);
    // Not the RFC's "no slowdown" in absolute terms: sync pipe wakeups stack
    // on the writer's vCPU without an LLC to search (docs/lab.md).
    assert!(snot > 1.3 * not, "{snot} vs {not}");
}

/// LKML thread "single aio thread is migrated crazily by scheduler" (Ming
/// Lei, 2019-11-14; Dave Chinner, 2019-11-21): completions steered to the
/// submitting CPU's pinned kworker push the submitter around. Band: ≥ 0.9
/// submitter migrations per completion without the v5.6 per-CPU-kthread
/// rule (52262ee567ad), ≤ 0.05 with it.
#[test]
fn aio_ming_lei_2019_kthread_rule_keeps_migrations_per_completion_below_0_05() {
    let o = run_all("aio", 1.0, 1);
    for v in ["linux-6.6", "linux-7.1"] {
        let n = m(&o, v, "migrations_per_completion");
        assert!(n <= 0.05, "{v}: {n}");
        // None at wakeup: the rule (6.6) or the in-place requeue (7.1).
        assert_eq!(x(&o, v, "at_wakeup_per_s"), 0.0, "{v}");
    }
}

/// The same report, Peter Zijlstra's and Dave Chinner's mechanism: the
/// pinned kworker becomes runnable on the submitter's CPU, cannot be moved,
/// and after repeated failed balances the running submitter is pushed away
/// by active balance.
#[test]
fn aio_ming_lei_2019_active_balance_pushes_the_running_submitter() {
    let o = run_all("aio", 1.0, 1);
    for v in ["linux-6.6", "linux-7.1"] {
        let active = x(&o, v, "active_balance_per_s");
        let lb = x(&o, v, "load_balance_per_s");
        assert!(active >= 2.0, "{v}: {active}");
        assert!(lb >= 5.0, "{v}: {lb}");
    }
}

/// Not met: without the rule every wakeup migrates the submitter (10,000
/// per second), but it sleeps once per 16 completions, so 0.063 per
/// completion against the band's ≥ 0.9 (docs/lab.md). Pinned so a change is
/// noticed.
#[test]
fn aio_ming_lei_2019_without_the_kthread_rule_pinned_at_0_063_per_completion() {
    let o = run_all("aio", 1.0, 1);
    let v = "linux-6.6-no-kthread-rule";
    let per = m(&o, v, "migrations_per_completion");
    assert!((0.060..0.066).contains(&per), "{per}");
    let at_wake = x(&o, v, "at_wakeup_per_s");
    assert!(at_wake > 9_000.0, "{at_wake}");
    assert_eq!(x(&o, v, "active_balance_per_s"), 0.0);
}
