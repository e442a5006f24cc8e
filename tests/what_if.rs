//! "What if" profiles: one policy knob of another release under 7.1's
//! arithmetic behaves as that release does on the knob's scenario. A knob that
//! silently did nothing (a rule still keyed on the release) fails here.

use eevdf::avg::AvgVruntime;
use eevdf::entity::{
    overflowing_yield_entity, place_entity, update_deadline, PlaceFlags, RqCtx, SchedEntity,
    Tunables,
};
use eevdf::group::{cpu_weight_read, update_tg_load_avg, TgLoadAvgInput};
use eevdf::pelt::{dequeue_load_avg, util_est, UtilEst};
use eevdf::pick::{overflowing_set_protect_slice, pick_eevdf_linear, protect_slice, Pick, PickCtx};
use eevdf::profile::{
    BaseSlice, CpuWeightRead, CustomSlice, DelayDequeue, ForkEnqueue, LagLimit, LoadAvgUpdate,
    PickRule, PlaceRule, Protection, TgLoadAvg, Timeline, UtilEstForm, WakeupPreempt, YieldRule,
};
use eevdf::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, RunQueue, WakeFlags};
use eevdf::wake::{select_idle_sibling, IdleSibling, IdleSiblingInput, SisRules, WakeAffineInput};
use eevdf::{
    wake::wake_affine_idle, CpuState, Features, LoadWeight, Profile, Release, SchedAvg, Vlag,
    Vtime, WakeTarget,
};

const P71: Profile = Profile::LINUX_7_1;

fn nice0(v: u64, d: u64) -> SchedEntity {
    SchedEntity {
        vruntime: Vtime(v),
        deadline: Vtime(d),
        on_rq: true,
        ..SchedEntity::new(LoadWeight::NICE_0, 3_000_000)
    }
}

#[test]
fn what_if_profiles_are_custom_and_release_only_names_them() {
    let w = Profile {
        protection: Protection::ParityMarker,
        ..P71
    };
    assert_eq!(w.name(), "custom");
    assert_eq!(w.id(), None);
    for r in [
        Release::Linux6_6,
        Release::Linux6_18,
        Release::Linux7_0,
        Release::Linux7_1,
    ] {
        assert_eq!(r.preset().release, r);
        assert_eq!(Profile::from(r), r.preset());
    }
    // EXACT keeps 7.1's policy.
    assert_eq!(
        Profile {
            arithmetic: P71.arithmetic,
            ..Profile::EXACT
        },
        P71
    );
}

#[test]
fn protection_recorded_6_6_style_under_7_1_arithmetic() {
    // set_next_entity writes the RUN_TO_PARITY marker vlag = deadline and
    // leaves vprot alone; the marker is what protect_slice tests.
    let w = Profile {
        protection: Protection::ParityMarker,
        ..P71
    };
    let f = Features::defaults(P71.release);
    for (p, marker) in [(w, true), (Profile::LINUX_6_6, true), (P71, false)] {
        let mut se = nice0(100, 5_000);
        se.vprot = Vtime(7);
        overflowing_set_protect_slice(&p, &mut se, u64::MAX, f);
        assert_eq!(se.vlag.0 as u64 == se.deadline.0, marker, "{p:?}");
        assert_eq!(se.vprot == Vtime(7), marker, "{p:?}");
        assert!(protect_slice(&p, &se));
    }
    // 6.18's shared field: the lag overwrites the protection end.
    let shared = Profile {
        protection: Protection::SharedVprot,
        ..P71
    };
    assert!(shared.vlag_shares_vprot() && !P71.vlag_shares_vprot());
    let mut se = nice0(100, 5_000);
    se.set_vlag(&shared, Vlag(42));
    assert_eq!(se.vprot, Vtime(42));
}

#[test]
fn pick_buddy_rule_of_6_18_under_7_1_arithmetic() {
    // The buddy (1) is eligible but not the earliest deadline; an unprotected
    // search (a PREEMPT_SHORT wakeup's).
    let tree = [nice0(100, 300), nice0(150, 400), nice0(400, 500)];
    let pick = |p: Profile| {
        let mut acc = AvgVruntime::new(p);
        for e in &tree {
            acc.add(e.vruntime, e.load.weight()).unwrap();
        }
        pick_eevdf_linear(
            &acc,
            &tree,
            &PickCtx {
                curr: None,
                next: Some(1),
                nr_queued: 3,
                protect: false,
                features: Features::defaults(P71.release),
            },
        )
    };
    for (rule, like) in [
        (PickRule::BuddyBeforeShortcut, Profile::LINUX_6_18),
        (PickRule::BuddyAfterShortcut, Profile::LINUX_7_0),
    ] {
        let w = Profile { pick: rule, ..P71 };
        assert_eq!(pick(w), Pick::Queued(1));
        assert_eq!(pick(w), pick(like));
    }
    assert_eq!(pick(P71), Pick::Queued(0));
}

#[test]
fn tree_ordered_by_vruntime_under_7_1_arithmetic() {
    // Same vruntime (placed at V with no lag), different deadlines (custom
    // slices): the 6.6 tree keeps insertion order, the deadline tree puts the
    // short slice first.
    let order = |p: Profile| {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut rq = RunQueue::<_, 4>::new(p, tun);
        let a = rq
            .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let b = rq
            .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        rq.set_slice(a, 3_000_000).unwrap();
        rq.set_slice(b, 100_000).unwrap();
        rq.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
        rq.enqueue(b, 0, EnqueueFlags::RESTORE).unwrap();
        rq.validate().unwrap();
        let ids: Vec<_> = rq.tree_ids().collect();
        (ids, a, b)
    };
    let w = Profile {
        timeline: Timeline::VruntimeMinDeadline,
        ..P71
    };
    let (ids, a, b) = order(w);
    assert_eq!(ids, [a, b]);
    let (ids, a, b) = order(P71);
    assert_eq!(ids, [b, a]);
}

#[test]
fn custom_slice_ignored_6_6_style_under_7_1_arithmetic() {
    let w = Profile {
        custom_slice: CustomSlice::Ignored,
        ..P71
    };
    for (p, want) in [(w, 700_000), (P71, 3_000_000)] {
        let mut se = nice0(1_000, 1_000);
        se.custom_slice = true;
        update_deadline(&p, &mut se, 700_000).unwrap();
        assert_eq!(se.slice, want, "{p:?}");
    }
}

#[test]
fn relative_deadline_kept_7_0_style_under_7_1_arithmetic() {
    // A relative deadline of 5000 and PLACE_REL_DEADLINE off: 7.0 re-anchors it
    // anyway, 7.1 only under the feature, 6.6 has none.
    let place = |p: Profile| {
        let mut tun = Tunables::defaults(&p, 1, 1000);
        tun.features = tun.features - Features::PLACE_REL_DEADLINE;
        let mut acc = AvgVruntime::new(p);
        let mut se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
        se.deadline = Vtime(5_000);
        se.rel_deadline = true;
        let ctx = RqCtx::new(None, 0, 0);
        let w = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun).unwrap();
        assert!(!w.is_wrapped());
        se.deadline.wsub(se.vruntime)
    };
    let keeps = Profile {
        placement: PlaceRule::RelDeadline,
        ..P71
    };
    let none = Profile {
        placement: PlaceRule::AnyLag,
        ..P71
    };
    assert_eq!(place(keeps), 5_000);
    assert_eq!(place(Profile::LINUX_7_0), 5_000);
    assert_eq!(place(P71), 700_000);
    assert_eq!(place(none), 700_000);
}

/// Two nice-0 entities; `a` runs 10 ms and then sleeps while ineligible.
fn sleep_ineligible(p: Profile) -> Dequeued {
    let tun = Tunables::defaults(&p, 1, 1000);
    let mut rq = RunQueue::<_, 4>::new(p, tun);
    let a = rq
        .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
        .unwrap();
    let b = rq
        .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
        .unwrap();
    rq.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::RESTORE).unwrap();
    assert_eq!(rq.pick_next(0).unwrap(), Some(a));
    rq.update_curr(10_000_000).unwrap();
    assert!(!rq.is_eligible(a).unwrap());
    rq.dequeue(a, 10_000_000, DequeueFlags::SLEEP).unwrap()
}

#[test]
fn no_delayed_dequeue_6_6_style_under_7_1_arithmetic() {
    let w = Profile {
        delay_dequeue: DelayDequeue::Absent,
        ..P71
    };
    assert_eq!(sleep_ineligible(w), Dequeued::Removed);
    assert_eq!(sleep_ineligible(Profile::LINUX_6_6), Dequeued::Removed);
    assert_eq!(sleep_ineligible(P71), Dequeued::Delayed);
    // wake_affine_idle's sync test counts the delayed task again, as 6.6 does.
    let busy = |nr| CpuState {
        load_avg: 1024,
        capacity: 1024,
        nr_running: nr,
        h_nr_queued: nr,
        h_nr_runnable: nr,
        ..CpuState::default()
    };
    let i = WakeAffineInput {
        this: CpuState {
            h_nr_runnable: 1,
            ..busy(2)
        },
        prev: busy(3),
        task_h_load: 0,
        current_h_load: 0,
        imbalance_pct: 117,
        share_llc: true,
        sync: true,
    };
    assert_eq!(wake_affine_idle(w, &i), WakeTarget::None);
    assert_eq!(wake_affine_idle(Release::Linux6_6, &i), WakeTarget::None);
    assert_eq!(wake_affine_idle(P71, &i), WakeTarget::This);
}

#[test]
fn wakeup_preemption_without_preempt_short_under_7_1_arithmetic() {
    // curr `a` is protected; `b` wakes with a shorter slice and an earlier
    // deadline. PREEMPT_SHORT (≥ 6.12) lets it through; 6.6's rule does not.
    let preempts = |p: Profile| {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut rq = RunQueue::<_, 4>::new(p, tun);
        let a = rq
            .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let b = rq
            .add(SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        rq.set_slice(b, 100_000).unwrap();
        rq.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
        assert_eq!(rq.pick_next(0).unwrap(), Some(a));
        rq.enqueue(b, 100_000, EnqueueFlags::WAKEUP).unwrap();
        rq.wakeup_preempt(b, 100_000, WakeFlags::default())
            .unwrap()
            .is_requested()
    };
    let w = Profile {
        wakeup_preempt: WakeupPreempt::PickEevdf,
        ..P71
    };
    assert!(preempts(P71));
    assert!(preempts(Profile {
        wakeup_preempt: WakeupPreempt::PreemptShort,
        ..P71
    }));
    assert!(!preempts(w));
}

#[test]
fn yield_extends_the_deadline_6_6_style_under_7_1_arithmetic() {
    let w = Profile {
        yield_rule: YieldRule::ExtendDeadline,
        ..P71
    };
    let run = |p: Profile| {
        let mut se = nice0(1_000, 2_000);
        overflowing_yield_entity(&p, &mut se, 700_000);
        (se.vruntime, se.deadline)
    };
    // Nice 0: the vslice is the slice under both __calc_delta flavours.
    assert_eq!(run(w), run(Profile::LINUX_6_6));
    assert_eq!(run(w), (Vtime(1_000), Vtime(702_000)));
    assert_eq!(run(P71), (Vtime(2_000), Vtime(702_000)));
}

#[test]
fn fork_without_enqueue_initial_6_6_style_under_7_1_arithmetic() {
    let w = Profile {
        fork_enqueue: ForkEnqueue::Plain,
        ..P71
    };
    assert_eq!(EnqueueFlags::new_task(w), EnqueueFlags::RESTORE);
    assert_eq!(EnqueueFlags::new_task(P71), EnqueueFlags::INITIAL);
    for (p, half) in [(w, false), (P71, true)] {
        let mut rq = RunQueue::<_, 2>::new(p, Tunables::defaults(&p, 1, 1000));
        let slice = rq.tunables().base_slice;
        let child = rq.add(SchedEntity::from_nice(0, slice).unwrap()).unwrap();
        rq.wake_up_new(child, 0).unwrap();
        let se = rq.entity(child).unwrap();
        let first = se.deadline.wsub(se.vruntime) as u64;
        assert_eq!(first, if half { slice / 2 } else { slice }, "{p:?}");
    }
}

#[test]
fn base_slice_of_6_6_under_7_1_arithmetic() {
    let w = Profile {
        normalized_slice: BaseSlice::Us750,
        ..P71
    };
    assert_eq!(w.base_slice(4), Profile::LINUX_6_6.base_slice(4));
    assert_eq!(w.base_slice(4), 2_250_000);
    assert_eq!(P71.base_slice(4), 2_100_000);
}

#[test]
fn pelt_rules_of_6_18_and_6_6_under_7_1_arithmetic() {
    // dequeue_load_avg: the 32-bit floor cuts a queue load_sum of 2^32 or more.
    let se = SchedAvg {
        load_avg: 1,
        load_sum: 1,
        ..SchedAvg::default()
    };
    let out = |p: Profile| {
        let mut cfs = SchedAvg {
            load_avg: 100_000,
            load_sum: 1 << 40,
            ..SchedAvg::default()
        };
        dequeue_load_avg(p, &mut cfs, &se, &LoadWeight::NICE_0);
        cfs
    };
    let w = Profile {
        load_avg_update: LoadAvgUpdate::SubPositive,
        ..P71
    };
    assert_eq!(out(w), out(Profile::LINUX_6_18));
    assert_ne!(out(w), out(P71));

    // util_est: 6.6's {enqueued, ewma} pair.
    let u = Profile {
        util_est: UtilEstForm::Pair,
        ..P71
    };
    let ue = UtilEst {
        enqueued: 0x8000_0000 | 300,
        ewma: 250,
    };
    assert_eq!(ue.task_util_est(u), 300);
    assert_eq!(ue.task_util_est(Release::Linux6_6), 300);
    assert_eq!(ue.task_util_est(P71), 250);
    let f = Features::defaults(Release::Linux6_6);
    let run = |p: Profile| {
        let mut x = UtilEst {
            enqueued: 0,
            ewma: 100,
        };
        util_est::update(p, f, &mut x, 400, 400, 1024);
        x
    };
    assert_eq!(run(u), run(Profile::LINUX_6_6));
    assert_ne!(run(u), run(P71));
}

#[test]
fn group_rules_of_6_6_under_7_1_arithmetic() {
    // update_tg_load_avg 0.5 ms after the last publish: 6.6 has no rate limit.
    let i = TgLoadAvgInput {
        now: 3_500_000,
        load_avg: 2048,
        tg_load_avg_contrib: 1024,
        last_update_tg_load_avg: 3_000_000,
        is_root: false,
        cpu_active: true,
    };
    let w = Profile {
        tg_load_avg: TgLoadAvg::EveryChange,
        ..P71
    };
    assert!(update_tg_load_avg(w, &i).is_some());
    assert_eq!(
        update_tg_load_avg(w, &i),
        update_tg_load_avg(Release::Linux6_6, &i)
    );
    assert_eq!(update_tg_load_avg(P71, &i), None);

    // cpu.weight of MIN_SHARES reads 0 unclamped.
    let c = Profile {
        cpu_weight_read: CpuWeightRead::Unclamped,
        ..P71
    };
    assert_eq!(cpu_weight_read(c, 2048), 0);
    assert_eq!(cpu_weight_read(Release::Linux6_6, 2048), 0);
    assert_eq!(cpu_weight_read(P71, 2048), 1);
}

#[test]
fn idle_scan_stop_of_6_6_under_7_1_arithmetic() {
    // nr_idle_scan = −1: 6.6 stops only at exactly 0, so it scans on.
    let busy = CpuState {
        load_avg: 1024,
        capacity: 1024,
        nr_running: 1,
        h_nr_queued: 1,
        h_nr_runnable: 1,
        ..CpuState::default()
    };
    let mut cpus = [busy; 4];
    cpus[2] = CpuState {
        idle_task_running: true,
        capacity: 1024,
        ..CpuState::default()
    };
    let input = IdleSiblingInput {
        nr_idle_scan: -1,
        ..IdleSiblingInput::default()
    };
    let w = Profile {
        sis: SisRules::of(Release::Linux6_6),
        ..P71
    };
    let pick = |p: Profile| {
        let c = select_idle_sibling(
            p,
            Features::defaults(P71.release),
            &input,
            &cpus,
            &[true; 4],
            &[],
        )
        .unwrap();
        (c.cpu, c.how)
    };
    assert_eq!(pick(w), (2, IdleSibling::Scan));
    assert_eq!(pick(P71), (0, IdleSibling::Busy));
}

#[test]
fn empty_group_reweighted_6_6_style_under_7_1_arithmetic() {
    use eevdf::fair::FairRq;
    use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
    // A group whose only task leaves: update_cfs_group at the parent's
    // dequeue_entity sees an empty group run queue. 6.6 reweights the group
    // entity anyway; 6.18 and later (66951e4860d3) keep its weight.
    let weight_after = |p: Profile| {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [TaskGroup::ROOT, TaskGroup::new(0, DEFAULT_SHARES)];
        let mut rq = FairRq::<_, 2, 8>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let a = rq
            .add_task(0, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let b = rq
            .add_task(1, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let fork = EnqueueFlags::new_task(p);
        rq.enqueue_task(a, 1_000_000, fork, &mut tgs).unwrap();
        rq.enqueue_task(b, 1_000_000, fork, &mut tgs).unwrap();
        let before = rq.group_entity(1).unwrap().unwrap().load.weight();
        // The group is busy on another CPU: an empty queue here would get
        // MIN_SHARES.
        tgs[1].load_avg = tgs[1].load_avg.wrapping_add(1024);
        rq.dequeue_task(b, 1_000_000, DequeueFlags::MIGRATE, &mut tgs)
            .unwrap();
        let after = rq.group_entity(1).unwrap().unwrap().load.weight();
        (before, after)
    };
    let w = Profile {
        cfs_group_update: eevdf::profile::CfsGroupUpdate::Always,
        ..P71
    };
    let (before, after) = weight_after(P71);
    assert_eq!(before, after);
    let (before, after) = weight_after(w);
    assert_ne!(before, after);
}

/// What one run of [`cfs_lag_sequence`] showed, vruntimes relative to the
/// initial `min_vruntime` m0.
#[derive(Debug, PartialEq)]
struct CfsLagTrace {
    /// b, c and min_vruntime just before `a` wakes (9 ms).
    before_wake: (i64, i64, i64),
    /// a's saved vlag and its vruntime once placed.
    a_vlag: i64,
    a_placed: i64,
    /// b's vlag after its own sleep (9 ms).
    b_vlag: i64,
    /// The pick at 9 ms, min_vruntime and the pick at 17 ms.
    pick_9: char,
    min_17: i64,
    pick_17: char,
}

/// Three nice-0 tasks on one CPU (latency 6 ms), all starting at m0 (enqueued
/// without ENQUEUE_WAKEUP, so no placement in either profile):
///
/// 1. a runs 0–6 ms and sleeps: a = m0 + 6 ms; min_vruntime stays m0 (b, c).
///    86bfbb7ce4f6's `update_entity_lag`: V = m0 + 1024·6 ms / 3072 = m0 + 2 ms,
///    vlag = −4,000,000 (v6.5 saves nothing).
/// 2. b runs 6–9 ms: b = m0 + 3 ms; min_vruntime m0 (c). b sleeps at 9 ms, after
///    a has woken.
/// 3. a wakes at 9 ms. v6.5 `place_entity`: max(m0 + 6 ms, m0 − 3 ms) = m0 + 6 ms.
///    86bfbb7ce4f6: V = m0 + 1024·3 ms / 2048 = m0 + 1.5 ms (c in the tree, b
///    queued curr); nr_running 3; load = 1024 + 1,048,576;
///    lag = tdiv(−4,000,000 · 2,098,176, 1,049,600) = −7,996,097 (−7,996,097.56):
///    a = m0 + 9,496,097 (v6.6.0's units would give −6,000,000).
/// 4. b sleeps at 9 ms: 86bfbb7ce4f6's V over c (0), a (9,496,097) and b
///    (3,000,000), all weight 1024: ⌊12,496,097 / 3⌋ toward zero = 4,165,365,
///    vlag = 1,165,365. The pick is c (m0) in both.
/// 5. c runs 9–17 ms: c = m0 + 8 ms. min_vruntime = min(curr, leftmost a):
///    m0 + 6 ms (v6.5) or m0 + 8 ms; the pick: a (v6.5) or c stays
///    (86bfbb7ce4f6, a is 1.5 ms to its right).
fn cfs_lag_sequence(p: Profile) -> CfsLagTrace {
    const MS: u64 = 1_000_000;
    let tun = Tunables::defaults(&p, 1, 1000);
    let mut rq = RunQueue::<_, 4>::new(p, tun);
    let m0 = rq.min_vruntime();
    let [a, b, c] = [0; 3].map(|_| rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap());
    let name = |id| {
        [(a, 'a'), (b, 'b'), (c, 'c')]
            .iter()
            .find(|e| e.0 == id)
            .unwrap()
            .1
    };
    let rel = |rq: &RunQueue<Profile, 4>, id| rq.entity(id).unwrap().vruntime.wsub(m0);
    for id in [a, b, c] {
        rq.enqueue(id, 0, EnqueueFlags::RESTORE).unwrap();
    }
    assert_eq!(rq.pick_next(0).unwrap(), Some(a));
    rq.dequeue(a, 6 * MS, DequeueFlags::SLEEP).unwrap();
    assert_eq!(rq.pick_next(6 * MS).unwrap(), Some(b));
    rq.update_curr(9 * MS).unwrap();
    let before_wake = (rel(&rq, b), rel(&rq, c), rq.min_vruntime().wsub(m0));
    let a_vlag = rq.entity(a).unwrap().vlag.0;
    rq.enqueue(a, 9 * MS, EnqueueFlags::WAKEUP).unwrap();
    let a_placed = rel(&rq, a);
    rq.dequeue(b, 9 * MS, DequeueFlags::SLEEP).unwrap();
    let b_vlag = rq.entity(b).unwrap().vlag.0;
    let pick_9 = name(rq.pick_next(9 * MS).unwrap().unwrap());
    rq.update_curr(17 * MS).unwrap();
    let min_17 = rq.min_vruntime().wsub(m0);
    let pick_17 = name(rq.pick_next(17 * MS).unwrap().unwrap());
    rq.validate().unwrap();
    CfsLagTrace {
        before_wake,
        a_vlag,
        a_placed,
        b_vlag,
        pick_9,
        min_17,
        pick_17,
    }
}

#[test]
fn lag_placement_on_cfs_differs_from_6_5_only_where_it_places() {
    const MS: i64 = 1_000_000;
    let same = (3 * MS, 0, 0);
    assert_eq!(
        cfs_lag_sequence(Profile::LINUX_6_5),
        CfsLagTrace {
            before_wake: same,
            a_vlag: 0,
            a_placed: 6 * MS,
            b_vlag: 0,
            pick_9: 'c',
            min_17: 6 * MS,
            pick_17: 'a',
        }
    );
    assert_eq!(
        cfs_lag_sequence(Profile::LINUX_6_5_PLACE_LAG),
        CfsLagTrace {
            before_wake: same,
            a_vlag: -4 * MS,
            a_placed: 9_496_097,
            b_vlag: 1_165_365,
            pick_9: 'c',
            min_17: 8 * MS,
            pick_17: 'c',
        }
    );
    // The placement and the (absent) clamp make the difference; V's rounding
    // and the reweight rule change nothing here (every S is exact or positive).
    let two_knobs = Profile {
        placement: PlaceRule::CfsLag,
        lag_limit: LagLimit::Unclamped,
        ..Profile::LINUX_6_5
    };
    assert_eq!(two_knobs.name(), "custom");
    assert_eq!(
        cfs_lag_sequence(two_knobs),
        cfs_lag_sequence(Profile::LINUX_6_5_PLACE_LAG)
    );
    // With v6.6.0's clamp, max(2·slice, TICK_NSEC) = 1 ms for these slice-0
    // entities, a saves −1,000,000 and wakes at m0 + 1.5 ms + 1,999,024
    // (tdiv(1,000,000 · 2,098,176, 1,049,600) = 1,999,024): to the left of
    // c's 8 ms at 17 ms, so the pick is a again.
    let clamped = cfs_lag_sequence(Profile {
        lag_limit: LagLimit::TwiceSlice,
        ..Profile::LINUX_6_5_PLACE_LAG
    });
    assert_eq!(
        (clamped.a_vlag, clamped.a_placed, clamped.pick_17),
        (-MS, 3_499_024, 'a')
    );
}
