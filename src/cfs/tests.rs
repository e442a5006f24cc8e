//! Golden values of v6.5.0's `kernel/sched/fair.c`, worked from the formulas
//! (`docs/derivations.md` §13), and the rules' invariants.

use super::*;
use crate::profile::Release;

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
