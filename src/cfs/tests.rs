//! Golden values of v6.5.0's `kernel/sched/fair.c`, worked from the formulas
//! (`docs/derivations.md` §13), and the rules' invariants.

use super::*;
use crate::profile::{AvgRounding, Release};
use crate::vtime::Vlag;

const P: Profile = Profile::LINUX_6_5;
const NICE0: u64 = 1 << 20;
const NICE5: u64 = 343_040;
const NICE19: u64 = 15_360;

fn f65() -> Features {
    Features::defaults(Release::Linux6_5)
}

fn task(nice: i32, vruntime: u64, on_rq: bool) -> SchedEntity {
    SchedEntity {
        vruntime: Vtime(vruntime),
        on_rq,
        ..SchedEntity::from_nice(nice, 0).unwrap()
    }
}

fn rq(nr: u32, load: u64) -> CfsRqCtx {
    CfsRqCtx {
        nr_running: nr,
        h_nr_running: nr,
        load,
        ..CfsRqCtx::default()
    }
}

fn slice(q: &CfsRqCtx, se: &SchedEntity, f: Features) -> u64 {
    overflowing_sched_slice(&P, &CfsTunables::NORMALIZED, f, q, se, false)
        .unwrap()
        .0
}

#[test]
fn sysctl_factor_follows_the_cpu_count() {
    // get_update_sysctl_factor(), v6.5.0: LOG 1 + ilog2(min(cpus, 8)).
    let log: [u32; 10] = core::array::from_fn(|i| {
        get_update_sysctl_factor(i as u32 + 1, TunableScaling::Log).unwrap()
    });
    assert_eq!(log, [1, 2, 2, 3, 3, 3, 3, 4, 4, 4]);
    assert_eq!(get_update_sysctl_factor(5, TunableScaling::None), Ok(1));
    assert_eq!(get_update_sysctl_factor(5, TunableScaling::Linear), Ok(5));
    assert_eq!(get_update_sysctl_factor(100, TunableScaling::Linear), Ok(8));
    assert_eq!(
        get_update_sysctl_factor(0, TunableScaling::Log),
        Err(Error::InvalidArgument)
    );
    assert_eq!(CfsTunables::defaults(0), Err(Error::InvalidArgument));
}

#[test]
fn boot_tunables_scale_latency_and_granularities_alike() {
    // update_sysctl(), v6.5.0, 8 online CPUs: factor 4.
    let t = CfsTunables::defaults(8).unwrap();
    assert_eq!(t.latency, 24_000_000);
    assert_eq!(t.min_granularity, 3_000_000);
    assert_eq!(t.wakeup_granularity, 4_000_000);
    assert_eq!(t.idle_min_granularity, 750_000);
    assert_eq!(t.nr_latency, 8);
    assert_eq!(CfsTunables::defaults(1), Ok(CfsTunables::NORMALIZED));
    // The run queue's derivation from the base slice agrees at every CPU count.
    for cpus in 1..=16 {
        let from_slice = CfsTunables::from_min_granularity(P.base_slice(cpus));
        assert_eq!(Ok(from_slice), CfsTunables::defaults(cpus), "{cpus}");
    }
    let odd = CfsTunables::from_min_granularity(1_000_000);
    assert_eq!((odd.min_granularity, odd.latency), (1_000_000, 6_000_000));
    assert_eq!(
        CfsTunables::from_min_granularity(u64::MAX).min_granularity,
        u32::MAX
    );
}

#[test]
fn update_scaling_recomputes_nr_latency() {
    // sched_update_scaling(): ⌈latency / min_granularity⌉.
    let mut t = CfsTunables {
        latency: 10_000_000,
        ..CfsTunables::NORMALIZED
    };
    t.update_scaling().unwrap();
    assert_eq!(t.nr_latency, 14);
    t.min_granularity = 0;
    assert_eq!(t.update_scaling(), Err(Error::Undefined));
    assert_eq!(t.nr_latency, 14);
}

#[test]
fn sched_period_stretches_beyond_nr_latency() {
    let t = CfsTunables::NORMALIZED;
    assert_eq!(overflowing_sched_period(&t, 0), (6_000_000, false));
    assert_eq!(overflowing_sched_period(&t, 8), (6_000_000, false));
    assert_eq!(overflowing_sched_period(&t, 9), (6_750_000, false));
    let (p, wrapped) = overflowing_sched_period(&t, u64::MAX / 1000);
    assert!(wrapped);
    assert_eq!(p, (u64::MAX / 1000).wrapping_mul(750_000));
}

#[test]
fn sched_slice_golden_values() {
    // sched_slice(), v6.5.0, factor 1: three nice-0 tasks and one nice-5 queued
    // (h_nr_running 4, period 6 ms, W = 3,488,768, sld 3407, inverse 1,260,630).
    let f = f65();
    let w = 3 * NICE0 + NICE5;
    let q = rq(4, w);
    assert_eq!(slice(&q, &task(0, 0, true), f), 1_803_345); // exact 1,803,346.05
    assert_eq!(slice(&q, &task(5, 0, true), f), 750_000); // BASE_SLICE: raw 589,961
    assert_eq!(
        slice(&q, &task(5, 0, true), f - Features::BASE_SLICE),
        589_961
    );
    // A waking nice-0 task not yet queued: period(5) = 6 ms, W + w (sld 4431).
    assert_eq!(slice(&q, &task(0, 0, false), f), 1_386_593);
    // Nine nice-0 and one nice-19 (period 10 · 0.75 ms, sld W 9231).
    let q = rq(10, 9 * NICE0 + NICE19);
    assert_eq!(slice(&q, &task(0, 0, true), f), 831_978);
    assert_eq!(
        slice(&q, &task(19, 0, true), f - Features::BASE_SLICE),
        12_187
    );
    assert_eq!(slice(&q, &task(19, 0, true), f), 750_000);
}

#[test]
fn alt_period_counts_every_fair_task_of_the_cpu() {
    // 0c2de3f054a5: with ALT_PERIOD the period comes from rq.cfs.h_nr_running.
    let f = f65();
    let q = CfsRqCtx {
        h_nr_running: 12, // 12 · 0.75 ms = 9 ms
        ..rq(2, 2 * NICE0)
    };
    // 9 ms and 6 ms halved through the truncated inverse of sld(W) = 2048.
    assert_eq!(slice(&q, &task(0, 0, true), f), 4_499_997);
    assert_eq!(
        slice(&q, &task(0, 0, true), f - Features::ALT_PERIOD),
        2_999_998
    );
}

#[test]
fn sched_idle_entities_get_the_idle_minimum_among_others() {
    // 51ce83ed523b: a SCHED_IDLE entity in a queue that is not all SCHED_IDLE
    // is clamped to sysctl_sched_idle_min_granularity.
    let t = CfsTunables::defaults(8).unwrap(); // min_granularity 3 ms, idle 0.75 ms
    let f = f65();
    let q = CfsRqCtx {
        idle_nr_running: 1,
        ..rq(2, NICE0 + NICE19)
    };
    let idle = task(19, 0, true);
    let s = |q: &CfsRqCtx, idle_flag| {
        overflowing_sched_slice(&P, &t, f, q, &idle, idle_flag)
            .unwrap()
            .0
    };
    assert_eq!(s(&q, true), 750_000);
    assert_eq!(s(&q, false), 3_000_000);
    let all_idle = CfsRqCtx {
        idle_nr_running: 2,
        ..q
    };
    assert_eq!(s(&all_idle, true), 3_000_000);
}

#[test]
fn sched_slice_bad_input() {
    // A queued entity in a queue of weight 0: no load to divide by.
    let se = task(0, 0, true);
    assert_eq!(
        overflowing_sched_slice(&P, &CfsTunables::NORMALIZED, f65(), &rq(1, 0), &se, false),
        Err(Error::ZeroWeight)
    );
    // W + w wraps the kernel's unsigned long: flagged, and EXACT refuses.
    let se = task(0, 0, false);
    let q = rq(1, u64::MAX);
    let (_, wrapped) =
        overflowing_sched_slice(&P, &CfsTunables::NORMALIZED, f65(), &q, &se, false).unwrap();
    assert!(wrapped);
    let exact = Profile {
        arithmetic: crate::profile::Arithmetic::Exact,
        ..P
    };
    assert_eq!(
        overflowing_sched_slice(&exact, &CfsTunables::NORMALIZED, f65(), &q, &se, false),
        Err(Error::Overflow)
    );
}

#[test]
fn sched_vslice_golden_values() {
    // sched_vslice(), v6.5.0.
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let q = rq(4, 3 * NICE0 + NICE5);
    let v = |se: &SchedEntity, q: &CfsRqCtx| {
        overflowing_sched_vslice(&P, &t, f, q, se, false).unwrap().0
    };
    assert_eq!(v(&task(5, 0, true), &q), 2_292_537);
    // A fork next to a running and a queued nice-0 task: slice over three.
    assert_eq!(v(&task(0, 0, false), &rq(2, 2 * NICE0)), 1_999_999);
}

#[test]
fn place_entity_sleeper_credit_and_start_debit() {
    // place_entity(), v6.5.0, factor 1, min_vruntime 1,000,000,000.
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let min = 1_000_000_000;
    let q = CfsRqCtx {
        min_vruntime: Vtime(min),
        clock_task: 5_000_000,
        ..rq(2, 2 * NICE0)
    };
    let place = |v: u64, initial: bool, f: Features, exec_start: u64, q: &CfsRqCtx| {
        let mut se = task(0, v, false);
        let w = place_entity(&P, &t, f, q, &mut se, exec_start, false, initial).unwrap();
        assert!(!w.is_wrapped());
        se.vruntime.0
    };
    // Wakeups: at most latency/2 of credit; a short sleeper keeps its vruntime.
    assert_eq!(place(990_000_000, false, f, 1, &q), 997_000_000);
    assert_eq!(place(999_000_000, false, f, 1, &q), 999_000_000);
    assert_eq!(
        place(
            990_000_000,
            false,
            f - Features::GENTLE_FAIR_SLEEPERS,
            1,
            &q
        ),
        994_000_000
    );
    // Fork: one vslice past min_vruntime (START_DEBIT), or the parent's vruntime.
    assert_eq!(place(0, true, f, 0, &q), min + 1_999_999);
    assert_eq!(place(min + 5_000_000, true, f, 0, &q), min + 5_000_000);
    assert_eq!(place(0, true, f - Features::START_DEBIT, 0, &q), min);
}

#[test]
fn place_entity_long_sleeper_skips_the_max() {
    // entity_is_long_sleeper(), 829c1651e9c4: slept more than 2^63/1024 ns.
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let exec_start = 1_000;
    let at = |clock: u64, v: u64| {
        let q = CfsRqCtx {
            min_vruntime: Vtime(1_000_000_000),
            clock_task: clock,
            ..rq(1, NICE0)
        };
        let mut se = task(0, v, false);
        let _ = place_entity(&P, &t, f, &q, &mut se, exec_start, false, false).unwrap();
        se.vruntime.0
    };
    let v = 2_000_000_000;
    assert_eq!(at(exec_start + LONG_SLEEPER_NS, v), v); // not more than the threshold
    assert_eq!(at(exec_start + LONG_SLEEPER_NS + 1, v), 997_000_000);
    assert_eq!(LONG_SLEEPER_NS, 9_007_199_254_740_992);
    assert!(!entity_is_long_sleeper(0, u64::MAX)); // never ran
    assert!(!entity_is_long_sleeper(10, 5)); // clock behind: a migration
}

#[test]
fn place_entity_sched_idle_gets_half_the_granularity() {
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let q = CfsRqCtx {
        min_vruntime: Vtime(1_000_000_000),
        ..rq(1, NICE0)
    };
    let mut se = task(19, 0, false);
    let _ = place_entity(&P, &t, f, &q, &mut se, 0, true, false).unwrap();
    assert_eq!(se.vruntime.0, 1_000_000_000 - 375_000);
}

#[test]
fn update_min_vruntime_takes_the_smaller_of_curr_and_leftmost() {
    let m = Vtime(1_000);
    assert_eq!(update_min_vruntime(m, None, None), m);
    assert_eq!(
        update_min_vruntime(m, Some(Vtime(2_000)), None),
        Vtime(2_000)
    );
    assert_eq!(
        update_min_vruntime(m, None, Some(Vtime(3_000))),
        Vtime(3_000)
    );
    assert_eq!(
        update_min_vruntime(m, Some(Vtime(2_000)), Some(Vtime(3_000))),
        Vtime(2_000)
    );
    assert_eq!(
        update_min_vruntime(m, Some(Vtime(500)), Some(Vtime(3_000))),
        m
    );
    // Across the wrap of u64 time.
    let near = Vtime(u64::MAX - 10);
    assert_eq!(update_min_vruntime(near, Some(Vtime(5)), None), Vtime(5));
}

#[test]
fn wakeup_gran_golden_values() {
    // wakeup_gran(), v6.5.0, factor 1.
    let t = CfsTunables::NORMALIZED;
    let g = |nice| overflowing_wakeup_gran(&P, &t, &LoadWeight::from_nice(nice).unwrap()).0;
    assert_eq!([g(0), g(5), g(-5)], [1_000_000, 3_056_716, 328_099]);
}

#[test]
fn wakeup_preempt_entity_thresholds() {
    let t = CfsTunables::NORMALIZED;
    let curr = task(0, 10_000_000, true);
    let w = |v| wakeup_preempt_entity(&P, &t, &curr, &task(0, v, true)).0;
    assert_eq!(w(10_000_000), WakeupPreempt::Behind);
    assert_eq!(w(10_000_001), WakeupPreempt::Behind);
    assert_eq!(w(9_000_000), WakeupPreempt::WithinGran);
    assert_eq!(w(8_999_999), WakeupPreempt::Preempt);
    assert_eq!(WakeupPreempt::Behind.as_i32(), -1);
    assert_eq!(WakeupPreempt::Preempt.as_i32(), 1);
    // The granularity is the second argument's: a nice-5 wakee needs 3,056,716.
    let w5 = |v| wakeup_preempt_entity(&P, &t, &curr, &task(5, v, true)).0;
    assert_eq!(w5(10_000_000 - 3_056_716), WakeupPreempt::WithinGran);
    assert_eq!(w5(10_000_000 - 3_056_717), WakeupPreempt::Preempt);
    // The largest granularity (u32::MAX ns on the lightest weight, 2) is below
    // 2^52: the s64 comparison never sees a negative granularity.
    let huge = CfsTunables {
        wakeup_granularity: u32::MAX,
        ..t
    };
    let light = LoadWeight::new(2).unwrap();
    let (g, wrapped) = overflowing_wakeup_gran(&P, &huge, &light);
    assert!(!wrapped && g < 1 << 52, "{g}");
}

#[test]
fn check_preempt_tick_golden_values() {
    // check_preempt_tick(), v6.5.0: curr nice 0 in the 3 × nice 0 + nice 5 queue;
    // ideal = min(1,803,345, 6,000,000).
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let q = rq(4, 3 * NICE0 + NICE5);
    let curr = task(0, 10_000_000, true);
    let tick = |ran, lead: u64| {
        check_preempt_tick(&P, &t, f, &q, &curr, ran, Some(Vtime(10_000_000 - lead)))
            .unwrap()
            .0
    };
    assert_eq!(tick(1_900_000, 0), TickPreemption::SliceUsed);
    assert_eq!(tick(1_803_346, 0), TickPreemption::SliceUsed);
    assert_eq!(tick(1_803_345, 0), TickPreemption::None);
    assert_eq!(tick(1_000_000, 2_000_000), TickPreemption::AheadOfLeftmost);
    assert_eq!(tick(1_000_000, 1_803_346), TickPreemption::AheadOfLeftmost);
    assert_eq!(tick(1_000_000, 1_803_345), TickPreemption::None);
    assert_eq!(tick(1_500_000, 1_500_000), TickPreemption::None);
    assert_eq!(tick(749_999, 5_000_000), TickPreemption::None); // < min_granularity
    assert_eq!(tick(750_000, 5_000_000), TickPreemption::AheadOfLeftmost);
    assert!(tick(1_900_000, 0).is_resched() && !tick(0, 0).is_resched());
}

#[test]
fn check_preempt_tick_caps_the_ideal_runtime_at_the_latency() {
    // One heavy task among light ones: its slice exceeds the latency.
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let q = rq(2, NICE0 + 2);
    let curr = task(0, 0, true);
    let s = slice(&q, &curr, f);
    assert!(s < 6_000_000, "{s}"); // 6 ms · w/(w + 2) truncated
    let q = CfsRqCtx {
        h_nr_running: 20, // period 15 ms
        ..q
    };
    assert!(slice(&q, &curr, f) > 6_000_000);
    let at = |ran| {
        check_preempt_tick(&P, &t, f, &q, &curr, ran, Some(Vtime(0)))
            .unwrap()
            .0
    };
    assert_eq!(at(6_000_000), TickPreemption::None);
    assert_eq!(at(6_000_001), TickPreemption::SliceUsed);
}

#[test]
fn check_preempt_tick_bad_input() {
    let f = f65();
    let t = CfsTunables::NORMALIZED;
    let q = rq(2, 2 * NICE0);
    let off = task(0, 0, false);
    assert_eq!(
        check_preempt_tick(&P, &t, f, &q, &off, 0, Some(Vtime(0))),
        Err(Error::InvalidArgument)
    );
    let on = task(0, 0, true);
    // No leftmost matters only once the first two tests pass.
    assert_eq!(
        check_preempt_tick(&P, &t, f, &q, &on, 0, None).map(|r| r.0),
        Ok(TickPreemption::None)
    );
    assert_eq!(
        check_preempt_tick(&P, &t, f, &q, &on, 1_000_000, None),
        Err(Error::InvalidArgument)
    );
}

fn cands<'a>(
    curr: Option<(u8, &'a SchedEntity)>,
    first: Option<(u8, &'a SchedEntity)>,
    second: Option<(u8, &'a SchedEntity)>,
) -> PickCandidates<'a, u8> {
    PickCandidates {
        curr,
        first,
        second,
        skip: None,
        next: None,
        last: None,
    }
}

#[test]
fn pick_takes_the_leftmost_and_ties_go_to_the_tree() {
    let t = CfsTunables::NORMALIZED;
    let (a, b) = (task(0, 1_000, true), task(0, 2_000, true));
    let pick = |c: &PickCandidates<'_, u8>| pick_next_entity(&P, &t, c).0;
    assert_eq!(pick(&cands(None, None, None)), None);
    assert_eq!(pick(&cands(Some((9, &a)), None, None)), Some(9));
    assert_eq!(pick(&cands(Some((9, &a)), Some((0, &b)), None)), Some(9));
    assert_eq!(pick(&cands(Some((9, &b)), Some((0, &a)), None)), Some(0));
    let a2 = task(0, 1_000, true);
    assert_eq!(pick(&cands(Some((9, &a2)), Some((0, &a)), None)), Some(0));
}

#[test]
fn pick_skip_buddy_yields_within_the_granularity() {
    let t = CfsTunables::NORMALIZED;
    let (a, b, far) = (
        task(0, 1_000_000, true),
        task(0, 1_900_000, true),
        task(0, 2_000_001, true),
    );
    let pick = |c: &PickCandidates<'_, u8>| pick_next_entity(&P, &t, c).0;
    // left = tree's first, skipped: its successor if within 1 ms.
    let mut c = cands(None, Some((0, &a)), Some((1, &b)));
    c.skip = Some(0);
    assert_eq!(pick(&c), Some(1));
    let mut c = cands(None, Some((0, &a)), Some((1, &far)));
    c.skip = Some(0);
    assert_eq!(pick(&c), Some(0));
    // curr before the successor replaces it.
    let mid = task(0, 1_500_000, true);
    let mut c = cands(Some((7, &mid)), Some((0, &a)), Some((1, &far)));
    c.skip = Some(0);
    assert_eq!(pick(&c), Some(7));
    // left = curr, skipped (a yield): the tree's first.
    let mut c = cands(Some((7, &a)), Some((0, &b)), None);
    c.skip = Some(7);
    assert_eq!(pick(&c), Some(0));
}

#[test]
fn pick_next_beats_last_and_both_are_measured_from_left() {
    let t = CfsTunables::NORMALIZED;
    let (a, b, c_, far) = (
        task(0, 1_000_000, true),
        task(0, 1_500_000, true),
        task(0, 1_800_000, true),
        task(0, 2_500_000, true),
    );
    let pick = |c: &PickCandidates<'_, u8>| pick_next_entity(&P, &t, c).0;
    let base = cands(None, Some((0, &a)), Some((1, &b)));
    let mut c = base;
    c.next = Some((2, &c_));
    c.last = Some((1, &b));
    assert_eq!(pick(&c), Some(2));
    c.next = Some((3, &far)); // 1.5 ms behind left: refused, last taken
    assert_eq!(pick(&c), Some(1));
    c.last = Some((3, &far));
    assert_eq!(pick(&c), Some(0));
    // The skip result does not move the reference: next is judged against left.
    let mut c = base;
    c.skip = Some(0);
    c.next = Some((3, &far));
    assert_eq!(pick(&c), Some(1));
}

#[test]
fn relative_vruntime_round_trips() {
    let m = Vtime(u64::MAX - 5);
    let v = Vtime(100);
    assert_eq!(relative_vruntime(v, m), Vtime(106));
    assert_eq!(absolute_vruntime(relative_vruntime(v, m), m), v);
}

quickcheck::quickcheck! {
    fn update_min_vruntime_never_moves_backwards(m: u64, c: Option<u64>, l: Option<u64>) -> bool {
        // Within half the circle of the old value, as the kernel's s64 compare needs.
        let near = |x: u64| Vtime(m.wrapping_add(x >> 1));
        let (m, c, l) = (Vtime(m), c.map(near), l.map(near));
        let new = update_min_vruntime(m, c, l);
        // Forward only, and when it moves, to no later than curr or the leftmost.
        new.wsub(m) >= 0 && [c, l].iter().flatten().all(|&x| new == m || new.wsub(x) <= 0)
    }

    fn place_entity_never_moves_a_sleeper_back(v: u64, m: u64, gap: u32) -> bool {
        let q = CfsRqCtx { min_vruntime: Vtime(m), clock_task: gap as u64 + 1, ..rq(1, NICE0) };
        let mut se = task(0, m.wrapping_add(v >> 1), false);
        let before = se.vruntime;
        let _ = place_entity(&P, &CfsTunables::NORMALIZED, f65(), &q, &mut se, 1, false, false);
        se.vruntime.wsub(before) >= 0 && Vtime(m).wsub(se.vruntime) <= 3_000_000
    }

    fn relative_then_absolute_is_the_identity(v: u64, a: u64, b: u64) -> bool {
        // Moving between queues keeps the distance to min_vruntime.
        let rel = relative_vruntime(Vtime(v), Vtime(a));
        absolute_vruntime(rel, Vtime(b)).wsub(Vtime(b)) == Vtime(v).wsub(Vtime(a))
    }
}

// ----- 86bfbb7ce4f6 "sched/fair: Add lag based placement" on v6.5 ----------

const LAG: Profile = Profile::LINUX_6_5_PLACE_LAG;

/// A queue of `nr` entities as 86bfbb7ce4f6's `place_entity` reads it: V, the
/// tree's scaled-down weight and curr's full weight (0: no queued curr).
fn lag_rq(nr: u32, v: u64, avg_load: u64, curr_load: u64) -> CfsRqCtx {
    CfsRqCtx {
        avg_vruntime: Vtime(v),
        avg_load,
        curr_load,
        ..rq(nr, 0)
    }
}

fn sleeper(vruntime: u64, vlag: i64) -> SchedEntity {
    SchedEntity {
        vlag: Vlag(vlag),
        ..task(0, vruntime, false)
    }
}

/// `place_entity()` at 86bfbb7ce4f6 inflates the lag with a sum of mixed units:
/// one nice-0 task in the tree gives `avg_load` = scale_load_down(2²⁰) = 1024,
/// the queued nice-0 curr adds its full 1,048,576, the nice-0 wakee multiplies
/// with its full 1,048,576:
///
/// ```text
/// load = 1024 + 1,048,576 = 1,049,600
/// lag  = tdiv(3,000,000 · (1,049,600 + 1,048,576), 1,049,600)
///      = tdiv(6,294,528,000,000, 1,049,600) = 5,997,073   (5,997,073.17)
/// ```
///
/// ≈ 2·vlag; v6.6.0's one-unit sum gives 3,000,000 · 3072 / 2048 = 4,500,000
/// (1.5·vlag). Truncation is symmetric: −3,000,000 → −5,997,073. The wakee
/// lands at V − lag, below min_vruntime − 3 ms where v6.5 would have put it.
#[test]
fn lag_placement_inflates_about_twice_with_a_queued_curr() {
    let t = CfsTunables::NORMALIZED;
    let f = LAG.default_features();
    assert_eq!(
        overflowing_place_lag(&LAG, 3_000_000, 1024, NICE0, NICE0),
        Ok((5_997_073, false))
    );
    assert_eq!(
        overflowing_place_lag(&LAG, -3_000_000, 1024, NICE0, NICE0),
        Ok((-5_997_073, false))
    );
    // The same queue in v6.6.0's units (every weight scaled down).
    assert_eq!(
        crate::entity::overflowing_place_lag(&Profile::LINUX_6_6, 3_000_000, 2048, 1024),
        Ok((4_500_000, false))
    );
    // Through place_entity: V = 1 s, min_vruntime 1 s − 1 ms.
    let q = CfsRqCtx {
        min_vruntime: Vtime(999_000_000),
        ..lag_rq(3, 1_000_000_000, 1024, NICE0)
    };
    let mut se = sleeper(990_000_000, 3_000_000);
    let w = place_entity(&LAG, &t, f, &q, &mut se, 1, false, false).unwrap();
    assert!(!w.is_wrapped());
    assert_eq!(se.vruntime, Vtime(1_000_000_000 - 5_997_073));
    // v6.5 on the same queue: max(990 ms, min_vruntime − 3 ms).
    let mut old = sleeper(990_000_000, 3_000_000);
    let _ = place_entity(&P, &t, f65(), &q, &mut old, 1, false, false).unwrap();
    assert_eq!(old.vruntime, Vtime(996_000_000));
    // Without a queued curr the mismatch is worst: the wakee's full weight
    // over the tree's scaled-down one, (1024 + 2²⁰)/1024 = 1025×.
    assert_eq!(
        overflowing_place_lag(&LAG, 3_000, 1024, 0, NICE0),
        Ok((3_075_000, false))
    );
}

/// The rest of 86bfbb7ce4f6's `place_entity()`: PLACE_LAG only with
/// `nr_running > 1` (the wakee is counted), a zero load divides by 1 after
/// the multiply (lag = vlag·w), NO_PLACE_LAG places at V, FAIR_SLEEPERS brings
/// back v6.5's credit and max() (without START_DEBIT), and a fork is placed at V.
#[test]
fn lag_placement_conditions_and_fair_sleepers() {
    let t = CfsTunables::NORMALIZED;
    let f = LAG.default_features();
    let place = |q: &CfsRqCtx, f: Features, se: &mut SchedEntity, initial: bool| {
        let _ = place_entity(&LAG, &t, f, q, se, 1, false, initial).unwrap();
        se.vruntime.0
    };
    // Alone: nr_running 1, no lag.
    assert_eq!(
        place(&lag_rq(1, 50_000_000, 0, 0), f, &mut sleeper(0, 7), false),
        50_000_000
    );
    // load 0 (nothing in the tree, curr not queued): tdiv(5 · 2²⁰, 1).
    assert_eq!(
        overflowing_place_lag(&LAG, 5, 0, 0, NICE0),
        Ok((5 << 20, false))
    );
    // div_s64 truncates the divisor to s32: 2³² + 0 → 0, a division by zero.
    assert_eq!(
        overflowing_place_lag(&LAG, 1, 1 << 32, 0, NICE0),
        Err(Error::Undefined)
    );
    // avg_load + curr_load wraps the unsigned long: reported.
    assert!(
        overflowing_place_lag(&LAG, 0, u64::MAX, 2, NICE0)
            .unwrap()
            .1
    );
    let q = lag_rq(3, 50_000_000, 1024, NICE0);
    // NO_PLACE_LAG: at V.
    assert_eq!(
        place(
            &q,
            f - Features::PLACE_LAG,
            &mut sleeper(0, 3_000_000),
            false
        ),
        50_000_000
    );
    // FAIR_SLEEPERS: V − lag − 3 ms, then max with the old vruntime.
    let fs = f | Features::FAIR_SLEEPERS;
    assert_eq!(
        place(&q, fs, &mut sleeper(0, 3_000_000), false),
        50_000_000 - 5_997_073 - 3_000_000
    );
    assert_eq!(
        place(&q, fs, &mut sleeper(45_000_000, 3_000_000), false),
        45_000_000
    );
    // A fork (initial) under FAIR_SLEEPERS: no credit, no START_DEBIT.
    assert_eq!(
        place(&q, fs | Features::START_DEBIT, &mut sleeper(0, 0), true),
        50_000_000
    );
    // Without FAIR_SLEEPERS nothing stops a move backwards.
    assert_eq!(place(&q, f, &mut sleeper(49_000_000, 0), false), 50_000_000);
    assert_eq!(place(&q, f, &mut sleeper(60_000_000, 0), false), 50_000_000);
}

/// af4cf40470c2's `avg_vruntime()` is `min_vruntime + div_s64(S', W')`,
/// truncating toward zero; 650cad561cce (v6.6.0) floors. Keys −3 and 0 of
/// nice-0 weight (1024 scaled down): S' = −3072, W' = 2048, S'/W' = −1.5 →
/// v0 − 1 truncated, v0 − 2 floored. A positive S' rounds alike (keys 3, 0:
/// +1).
#[test]
fn avg_vruntime_truncates_toward_zero_at_86bfbb7ce4f6() {
    use crate::avg::AvgVruntime;
    let v0 = Vtime(5_000);
    let v = |p: Profile, keys: [u64; 2]| {
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        for k in keys {
            acc.add(Vtime(k), NICE0).unwrap();
        }
        acc.avg_vruntime(None).unwrap()
    };
    assert_eq!(v(LAG, [4_997, 5_000]), Vtime(4_999));
    assert_eq!(v(Profile::LINUX_6_6, [4_997, 5_000]), Vtime(4_998));
    assert_eq!(v(LAG, [5_003, 5_000]), Vtime(5_001));
    assert_eq!(v(Profile::LINUX_6_6, [5_003, 5_000]), Vtime(5_001));
    // The knob alone, under exact arithmetic.
    let exact_trunc = Profile {
        avg_rounding: AvgRounding::Truncate,
        ..Profile::EXACT
    };
    assert_eq!(v(exact_trunc, [4_997, 5_000]), Vtime(4_999));
    assert_eq!(v(Profile::EXACT, [4_997, 5_000]), Vtime(4_998));
}

/// 86bfbb7ce4f6's `update_entity_lag()` stores V − vruntime with no clamp.
/// A nice-0 entity 50 ms behind V keeps vlag 50,000,000; v6.6.0's clamp
/// (`max(2·slice, TICK_NSEC)` in its virtual time, slice 0.75 ms) would hold
/// it at 1,500,000.
#[test]
fn vlag_is_unclamped_at_86bfbb7ce4f6() {
    let mut se = SchedEntity::from_nice(0, 750_000).unwrap();
    se.vruntime = Vtime(1_000_000_000);
    let v = Vtime(1_050_000_000);
    let lag = |p: &Profile, se: &SchedEntity| {
        crate::entity::overflowing_entity_lag(p, v, se, 0, 1_000_000)
    };
    assert_eq!(lag(&LAG, &se), (Vlag(50_000_000), false));
    assert_eq!(lag(&Profile::LINUX_6_6, &se), (Vlag(1_500_000), false));
    // The extremes of the s64 difference pass through unchanged.
    se.vruntime = Vtime(v.0.wrapping_add(1 << 63));
    assert_eq!(lag(&LAG, &se), (Vlag(i64::MIN), false));
}

/// 86bfbb7ce4f6's `reweight_entity()` scales a sleeping entity's vlag by
/// old/new in full weights: nice 0 → nice 5,
/// tdiv(3,000,000 · 1,048,576, 343,040) = 9,170,149 (9,170,149.25); the
/// vruntime does not move, and v6.5 leaves vlag alone.
#[test]
fn reweight_scales_a_sleeping_entitys_vlag() {
    use crate::avg::AvgVruntime;
    use crate::entity::{reweight_entity, RqCtx, Tunables};
    let nice5 = LoadWeight::from_nice(5).unwrap();
    let run = |p: Profile| {
        let mut acc = AvgVruntime::new(p);
        let mut se = sleeper(77, 3_000_000);
        let tun = Tunables::defaults(&p, 1, 1000);
        let _ = reweight_entity(&mut acc, &RqCtx::new(None, 0, 0), &mut se, nice5, &tun).unwrap();
        assert_eq!((se.vruntime, se.load), (Vtime(77), nice5));
        se.vlag.0
    };
    assert_eq!(run(LAG), 9_170_149);
    assert_eq!(run(P), 3_000_000);
    // Negative lags truncate toward zero too.
    let mut acc = AvgVruntime::new(LAG);
    let mut se = sleeper(77, -3_000_000);
    let tun = Tunables::defaults(&LAG, 1, 1000);
    let _ = reweight_entity(&mut acc, &RqCtx::new(None, 0, 0), &mut se, nice5, &tun).unwrap();
    assert_eq!(se.vlag, Vlag(-9_170_149));
}

#[test]
fn lag_preset_is_6_5_with_the_four_knobs_and_its_features() {
    use crate::profile::{LagLimit, PlaceRule, Reweight};
    assert_eq!(
        Profile {
            avg_rounding: AvgRounding::Floor,
            lag_limit: LagLimit::TwiceSlice,
            placement: PlaceRule::SleeperCredit,
            reweight: Reweight::KeepVruntime,
            ..LAG
        },
        P
    );
    assert_eq!(LAG.name(), "linux-6.5+place-lag");
    assert_eq!(LAG.id(), None);
    assert_eq!(crate::Linux6_5PlaceLag::PROFILE, LAG);
    let f = LAG.default_features();
    assert_eq!(
        f,
        (f65() - Features::START_DEBIT) | Features::PLACE_LAG,
        "PLACE_LAG on, START_DEBIT gone, FAIR_SLEEPERS off"
    );
    assert_eq!(crate::entity::Tunables::defaults(&LAG, 1, 1000).features, f);
    assert!(PlaceRule::CfsLag.is_cfs() && PlaceRule::SleeperCredit.is_cfs());
    assert!(!PlaceRule::AnyLag.is_cfs());
}
