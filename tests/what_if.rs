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
    BaseSlice, CpuWeightRead, CustomSlice, DelayDequeue, ForkEnqueue, LoadAvgUpdate, PickRule,
    PlaceRule, Protection, TgLoadAvg, Timeline, UtilEstForm, WakeupPreempt, YieldRule,
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
