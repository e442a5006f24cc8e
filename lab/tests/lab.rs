//! The scenario lab, run in the normal test suite with short durations: each
//! scenario's qualitative result (`tests/cli.rs` tests the command line, the
//! JSON lines and the plots). The tests build the lab in the debug profile,
//! where the engine also validates every CPU's run-queue hierarchy every 61
//! scheduling events.

use eevdf_lab::report::Outcome;
use eevdf_lab::{cli, sim, vcpu, vhost};

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

#[test]
fn vhost_lag_placement_bounds_waits_by_one_tick_and_no_place_lag_waits_every_time() {
    let o = run_all("vhost", 2.0, 1);
    let tick_us = 10_000.0;
    for v in vhost::VARIANTS {
        let max = m(&o, v, "kworker_max_wait_us");
        // The report's multi-tick waits (39.7 ms, 366 ms) are not reproduced:
        // every variant's longest wait stays within about one tick.
        assert!(max < 1.5 * tick_us, "{v}: {max}");
        let share = m(&o, v, "vhost_cpu_share");
        assert!(share > 0.8 && share < 0.95, "{v}: {share}");
    }
    // With lag placement the kworker usually preempts at once (positive saved
    // lag); without it (6.6 keeps RUN_TO_PARITY) it waits for the tick.
    let lag = m(&o, "linux-6.6", "kworker_avg_wait_us");
    let nolag = m(&o, "linux-6.6-no-place-lag", "kworker_avg_wait_us");
    assert!(nolag > 1000.0 * lag.max(1.0), "{lag} vs {nolag}");
    assert!(nolag > 0.5 * tick_us);
    // The rare long waits with lag placement: a negative saved lag makes the
    // kworker ineligible, so it waits for vhost's slice to end at a tick.
    assert!(m(&o, "linux-6.6", "kworker_max_wait_us") > 1000.0);
    for v in ["linux-6.18", "linux-7.1"] {
        assert!(m(&o, v, "kworker_avg_wait_us") < 10.0, "{v}");
    }
}

#[test]
fn cgroup_load_avg_only_favours_the_busy_group_and_todays_rule_splits_evenly() {
    let o = run_all("cgroup", 2.0, 1);
    let old = m(&o, "load-avg-only", "busy_group_share");
    let new = m(&o, "max-weight-load-avg", "busy_group_share");
    assert!(old > 0.6, "{old}");
    assert!((new - 0.5).abs() < 0.05, "{new}");
    assert!(old - new > 0.1);
    for oc in &o {
        let sum = oc.metric("busy_group_share") + oc.metric("sleepy_group_share");
        assert!((sum - 1.0).abs() < 1e-9);
    }
}

#[test]
fn vcpu_wake_affine_does_not_stack_vcpus_under_todays_rules() {
    let o = run_all("vcpu", 1.5, 1);
    let base = m(&o, "pinned", "coscheduled_fraction");
    for v in vcpu::VARIANTS {
        let c = m(&o, v, "coscheduled_fraction");
        assert!(c <= 0.5 + 1e-9 && c > 0.3, "{v}: {c}");
        assert!((c - base).abs() < 0.05, "{v}: {c} vs pinned {base}");
        assert!(m(&o, v, "guest_progress") > 1000.0);
    }
}

#[test]
fn hlt_preempted_idle_vcpus_are_not_used_and_the_job_takes_longer() {
    let o = run_all("hlt", 1.0, 1);
    let pre = m(&o, "hlt-preempted", "makespan_ms");
    let not = m(&o, "hlt-not-preempted", "makespan_ms");
    assert!(pre > 2.0 * not, "{pre} vs {not}");
    assert!(m(&o, "hlt-preempted", "idle_vcpu_used_fraction") < 0.2);
    assert!(m(&o, "hlt-not-preempted", "idle_vcpu_used_fraction") > 0.8);
}

#[test]
fn aio_submitter_stays_under_6_6_and_7_1_and_ping_pongs_without_the_kthread_rule() {
    let o = run_all("aio", 1.0, 1);
    // 6.6 stacks the submitter on its kworker's CPU (per-CPU kthread rule,
    // v5.6), 7.1 requeues it in place (delayed dequeue): no migrations.
    for v in ["linux-6.6", "linux-7.1"] {
        let n = m(&o, v, "submitter_migrations_per_s");
        assert!(n < 1.0, "{v}: {n}");
    }
    // Without the rule (the aio report's pre-5.6 kernel) every completion moves it.
    let old = m(
        &o,
        "linux-6.6-no-kthread-rule",
        "submitter_migrations_per_s",
    );
    assert!(old > 1000.0, "{old}");
}
