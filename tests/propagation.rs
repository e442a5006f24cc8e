//! Load propagation up the task-group hierarchy (`fair::FairRq`): golden cases
//! worked by hand from the PELT formulas, and properties named after their
//! invariant. Kernel functions followed: `attach_entity_load_avg`,
//! `add_tg_cfs_propagate`, `propagate_entity_load_avg` with
//! `update_tg_cfs_util/runnable/load`, `update_tg_load_avg`,
//! `calc_group_shares` (fair.c, v6.6 … v7.1).
#![cfg(not(loom))]

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::FairRq;
use eevdf::fair::TaskRef;
use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
use eevdf::pelt::SchedAvg;
use eevdf::runqueue::{DequeueFlags, EnqueueFlags};
use eevdf::{Error, Profile, Vtime};

const PROFILES: [Profile; 5] = [
    Profile::LINUX_6_6,
    Profile::LINUX_6_18,
    Profile::LINUX_7_0,
    Profile::LINUX_7_1,
    Profile::EXACT,
];

type Rq = FairRq<Profile, 6, 8>;

/// root ← g (default shares).
fn one_group(p: Profile) -> (Rq, [TaskGroup; 2], Tunables) {
    let tun = Tunables::defaults(&p, 1, 1000);
    let tgs = [TaskGroup::ROOT, TaskGroup::new(0, DEFAULT_SHARES)];
    let rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    (rq, tgs, tun)
}

/// The first enqueue of a forked nice-0 task into a group, at 1 ms:
///
/// * creation (time 0): the group entity is attached to the root with
///   load_avg 0, so its load_sum is 1 and the root's load_sum 1·1024 = 1024;
/// * fork: load_avg = 1024; the group's util_avg is 0, so util_avg =
///   cap = (1024 − 0)/2 = 512 = runnable_avg;
/// * enqueue at 1,000,000 ns: ⌊10⁶/1024⌋ = 976 units, no period crossed, so
///   every signal has period_contrib 976 and divider d = 46718 + 976 = 47694;
/// * attach into g: util_sum = runnable_sum = 512·47694 = 24,419,328;
///   load_sum = 1024·47694 / 1024 = 47694; g.load_avg = 1024,
///   g.load_sum = 1024·47694 = 48,838,656; g propagates +47694;
/// * the group entity's update at the root: util and runnable follow g
///   (512, sum 512·47694); load: r = min(47694 + 1, 47694) = 47694,
///   max(r, 24,419,328 >> 10 = 23847) = 47694, load_avg = ⌊1024·47694/47694⌋
///   = 1024; the root's load_sum = 1024 + (1024·47694 − 1024·1) = 48,838,656;
/// * shares: load = max(1024, 1024), tg_weight = 1024 − 1024 + 1024, so the
///   group weight stays 1024·1024 = 1,048,576.
#[test]
fn first_enqueue_into_a_group_reaches_the_root() {
    for p in PROFILES {
        let (mut rq, mut tgs, tun) = one_group(p);
        assert_eq!(rq.cfs_rq_avg(0).unwrap().load_sum, 1024, "{}", p.name());
        let t = rq
            .fork_task(1, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let a = *rq.entity_avg(t).unwrap();
        assert_eq!((a.load_avg, a.util_avg, a.runnable_avg), (1024, 512, 512));
        rq.enqueue_task(t, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        let g = *rq.cfs_rq_avg(1).unwrap();
        assert_eq!(
            (
                g.load_avg,
                g.load_sum,
                g.util_avg,
                g.util_sum,
                g.runnable_avg
            ),
            (1024, 48_838_656, 512, 24_419_328, 512),
            "{}",
            p.name()
        );
        let ge = *rq.group_entity_avg(1).unwrap().unwrap();
        assert_eq!(
            (ge.load_avg, ge.load_sum, ge.util_avg, ge.runnable_avg),
            (1024, 47_694, 512, 512),
            "{}",
            p.name()
        );
        let root = *rq.cfs_rq_avg(0).unwrap();
        assert_eq!(
            (root.load_avg, root.load_sum, root.util_avg, root.util_sum),
            (1024, 48_838_656, 512, 24_419_328),
            "{}",
            p.name()
        );
        assert_eq!(root.runnable_avg, 512);
        assert_eq!(tgs[1].load_avg, 1024);
        assert_eq!(rq.tg_load_avg_contrib(1), Ok(1024));
        assert_eq!(rq.group_entity(1).unwrap().unwrap().load.weight(), 1 << 20);
        assert_eq!(rq.cpu_load(), 1024);
        rq.validate().unwrap();
    }
}

/// root ← 1 ← 2 ← 3 ← 4: five levels, the vhost trace's nesting.
fn chain(p: Profile) -> (Rq, [TaskGroup; 5], Tunables) {
    let tun = Tunables::defaults(&p, 1, 1000);
    let tgs = [
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(1, DEFAULT_SHARES),
        TaskGroup::new(2, DEFAULT_SHARES),
        TaskGroup::new(3, DEFAULT_SHARES),
    ];
    let rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    (rq, tgs, tun)
}

fn assert_group_entities_follow_their_queues(rq: &Rq, what: &str) {
    for g in 1..rq.nr_groups() {
        let ge = *rq.group_entity_avg(g).unwrap().unwrap();
        let q = *rq.cfs_rq_avg(g).unwrap();
        assert_eq!(ge.util_avg, q.util_avg, "{what}: util of group {g}");
        assert_eq!(
            ge.runnable_avg, q.runnable_avg,
            "{what}: runnable of group {g}"
        );
    }
}

/// Five levels: the attach at the bottom climbs all four group entities in
/// the same enqueue. Every level is updated at 1 ms with the same
/// period_contrib (976), so each divider is 47694 and each level carries what
/// the one-group case computes: load_avg 1024 (r = min(47694 + 1, 47694)),
/// util and runnable 512, group weight 1,048,576.
#[test]
fn attach_five_levels_down_reaches_the_root_in_one_enqueue() {
    for p in PROFILES {
        let (mut rq, mut tgs, tun) = chain(p);
        let t = rq
            .fork_task(4, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        rq.enqueue_task(t, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        for g in 0..5 {
            let q = *rq.cfs_rq_avg(g).unwrap();
            assert_eq!(
                (q.load_avg, q.util_avg, q.runnable_avg),
                (1024, 512, 512),
                "{} level {g}",
                p.name()
            );
            if g > 0 {
                let ge = *rq.group_entity_avg(g).unwrap().unwrap();
                assert_eq!((ge.load_avg, ge.load_sum), (1024, 47_694));
                assert_eq!(rq.group_entity(g).unwrap().unwrap().load.weight(), 1 << 20);
                assert_eq!(tgs[g as usize].load_avg, 1024);
            }
        }
        assert_group_entities_follow_their_queues(&rq, p.name());
        rq.validate().unwrap();
    }
}

/// A queued task migrating away is detached inside its dequeue (DO_DETACH),
/// so its util leaves every level of the chain in that dequeue; a sleeping
/// task's load leaves as removed load at the next update and also climbs.
#[test]
fn detach_and_removed_load_climb_the_hierarchy() {
    for p in PROFILES {
        let (mut rq, mut tgs, tun) = chain(p);
        let a = rq
            .fork_task(4, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let b = rq
            .fork_task(2, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        rq.enqueue_task(a, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        rq.enqueue_task(b, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        let before = rq.cfs_rq_avg(0).unwrap().util_avg;
        let m = rq.detach_task(a, 3_000_000, &mut tgs).unwrap();
        assert_group_entities_follow_their_queues(&rq, p.name());
        assert!(rq.cfs_rq_avg(0).unwrap().util_avg < before - m.avg.util_avg / 2);
        assert_eq!(rq.cfs_rq_avg(4).unwrap().util_avg, 0);
        // b sleeps, then migrates away while asleep: removed load.
        rq.dequeue_task(b, 4_000_000, DequeueFlags::SLEEP, &mut tgs)
            .unwrap();
        let _ = rq.pick_next_task(4_000_000, &mut tgs).unwrap();
        let mb = rq.detach_task(b, 5_000_000, &mut tgs).unwrap();
        assert!(mb.avg.util_avg > 0);
        // The CPU is idle: its tick changes nothing; the balancer's
        // update_blocked_averages subtracts the removed load and propagates it.
        rq.task_tick(6_000_000, &mut tgs).unwrap();
        assert!(rq.cfs_rq_avg(2).unwrap().util_avg > 0, "{}", p.name());
        rq.update_blocked_averages(6_000_000, &mut tgs).unwrap();
        assert_group_entities_follow_their_queues(&rq, p.name());
        for g in 0..5 {
            assert_eq!(rq.cfs_rq_avg(g).unwrap().util_avg, 0, "{} {g}", p.name());
        }
        rq.validate().unwrap();
    }
}

/// `clear_buddies` walks the hierarchy: a reschedule asked for at a child
/// level clears that level's next buddy and every ancestor's that points at
/// the same chain, so the root does not keep a stale buddy (7.1.5 answers a
/// wakeup with a reschedule that a stale buddy would deny).
///
/// root ← G ← H; y (in H) runs; x (in H) sleeps, making H's and G's group
/// entities the next buddies of G and the root (`set_next_buddy` of the
/// sleeper's parent). The tick a few slices later finds G's curr (H's entity)
/// past its deadline with a sibling (w) queued: G's update_curr reschedules
/// and clears G's buddy, and the root's with it. The root holds only G's
/// entity, so its own update_curr asks for nothing and would not clear it.
#[test]
fn a_child_level_reschedule_clears_the_buddies_above() {
    for p in PROFILES {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [
            TaskGroup::ROOT,
            TaskGroup::new(0, DEFAULT_SHARES),
            TaskGroup::new(1, DEFAULT_SHARES),
        ];
        let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let se = || SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let y = rq.fork_task(2, se()).unwrap();
        let x = rq.fork_task(2, se()).unwrap();
        let w = rq.fork_task(1, se()).unwrap();
        let now = 1_000_000;
        rq.enqueue_task(y, now, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        assert_eq!(rq.pick_next_task(now, &mut tgs).unwrap(), Some(y));
        for t in [x, w] {
            rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs)
                .unwrap();
        }
        let sleep = DequeueFlags {
            special: true,
            ..DequeueFlags::SLEEP
        };
        rq.dequeue_task(x, now + 100_000, sleep, &mut tgs).unwrap();
        let geg = rq.cfs_rq(0).unwrap().next_buddy();
        assert!(geg.is_some(), "{}", p.name());
        assert!(rq.cfs_rq(1).unwrap().next_buddy().is_some());
        rq.task_tick(now + 20_000_000, &mut tgs).unwrap();
        assert_eq!(rq.cfs_rq(1).unwrap().next_buddy(), None, "{}", p.name());
        assert_eq!(rq.cfs_rq(0).unwrap().next_buddy(), None, "{}", p.name());
        rq.validate().unwrap();
    }
}

/// The reference point every empty run queue starts from (`init_cfs_rq`):
/// with no entity ever run, a lone entity placed with zero lag sits there,
/// and V of its queue is that value.
const V0: Vtime = Vtime::INIT;

fn v(rq: &Rq, g: u32) -> Vtime {
    rq.cfs_rq(g).unwrap().avg_vruntime().unwrap()
}

fn sig(a: &SchedAvg) -> (u64, u64, u64) {
    (a.load_avg, a.util_avg, a.runnable_avg)
}

/// A group emptied and refilled (root ← g, one task). All PELT clocks sit at
/// 999,424 ns (976 units into their period, divider d = 46718 + 976 = 47694)
/// after the first enqueue at 1 ms (see
/// `first_enqueue_into_a_group_reaches_the_root`).
///
/// * The task sleeps at 1 ms: no time passed, no PELT changes. g empties, its
///   entity leaves the root. v6.6's `update_cfs_group` recomputes the share
///   from g's *average* load (blocked 1024): load = max(0, 1024),
///   tg_weight = 1024 − 1024 + 1024, shares = 2²⁰·1024/1024 = 1,048,576;
///   ≥ v6.12 keeps the weight of an empty group: 1,048,576 too. The blocked
///   load stays in g and in the root: (load, util, runnable) = (1024, 512, 512).
/// * Refill 48 periods later, at 999,424 + 48·1024·1024 = 51,331,072 ns:
///   49,152 units, period_contrib stays 976 (d = 47694). Every sum decays by
///   decay_load(x, 48) = ⌊(x >> 1)·0xb504f333 / 2³²⌋:
///   task and group entity load_sum 47694 → 16862, util/runnable sums
///   24,419,328 → 8,633,536; g's and the root's load_sum 48,838,656 →
///   17,267,072. Averages: ⌊1024·16862/47694⌋ = 362 (entities),
///   ⌊17,267,072/47694⌋ = 362 (queues), ⌊8,633,536/47694⌋ = 181.
/// * g decayed, so UPDATE_TG publishes 362 (|362 − 1024| > 1024/64; the ≥ v6.18
///   rate limit has 50 ms behind it): tg.load_avg = 362, and the share is
///   again 2²⁰·1024/1024 (load = max(1024, 362)) = 1,048,576.
/// * V: the task left with zero lag and comes back at V of an empty g, the
///   group entity likewise in the root: V = V0 at both levels.
#[test]
fn a_group_emptied_keeps_its_weight_and_refills_from_its_decayed_load() {
    for p in PROFILES {
        let (mut rq, mut tgs, tun) = one_group(p);
        let t = rq
            .fork_task(1, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let t1 = 1_000_000;
        rq.enqueue_task(t, t1, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        rq.dequeue_task(t, t1, DequeueFlags::SLEEP, &mut tgs)
            .unwrap();
        let ge = rq.group_entity(1).unwrap().unwrap();
        assert!(!ge.on_rq, "{}", p.name());
        assert_eq!(ge.load.weight(), 1 << 20, "{}", p.name());
        for g in 0..2 {
            assert_eq!(sig(rq.cfs_rq_avg(g).unwrap()), (1024, 512, 512));
        }
        let t2 = 999_424 + 48 * 1024 * 1024;
        rq.enqueue_task(t, t2, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        let name = p.name();
        assert_eq!(sig(rq.entity_avg(t).unwrap()), (362, 181, 181), "{name}");
        assert_eq!(rq.entity_avg(t).unwrap().load_sum, 16_862, "{name}");
        assert_eq!(sig(rq.cfs_rq_avg(1).unwrap()), (362, 181, 181), "{name}");
        assert_eq!(rq.cfs_rq_avg(1).unwrap().load_sum, 17_267_072, "{name}");
        let gea = *rq.group_entity_avg(1).unwrap().unwrap();
        assert_eq!(
            (sig(&gea), gea.load_sum),
            ((362, 181, 181), 16_862),
            "{name}"
        );
        assert_eq!(sig(rq.cfs_rq_avg(0).unwrap()), (362, 181, 181), "{name}");
        assert_eq!(tgs[1].load_avg, 362, "{name}");
        assert_eq!(rq.tg_load_avg_contrib(1), Ok(362), "{name}");
        assert_eq!(rq.group_entity(1).unwrap().unwrap().load.weight(), 1 << 20);
        assert_eq!((v(&rq, 0), v(&rq, 1)), (V0, V0), "{name}");
        rq.validate().unwrap();
    }
}

/// root ← a ← b with one nice-0 task in b, enqueued at 1 ms: every level
/// carries (1024, 512, 512), every group entity weighs 2²⁰ (see
/// `attach_five_levels_down_reaches_the_root_in_one_enqueue`).
fn two_levels(p: Profile) -> (Rq, [TaskGroup; 3], TaskRef) {
    let tun = Tunables::defaults(&p, 1, 1000);
    let mut tgs = [
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(1, DEFAULT_SHARES),
    ];
    let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    let t = rq
        .fork_task(2, SchedEntity::from_nice(0, tun.base_slice).unwrap())
        .unwrap();
    rq.enqueue_task(t, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
        .unwrap();
    (rq, tgs, t)
}

/// `sched_group_set_shares` walks up at once (same instant, 1 ms: no PELT
/// time passes, nothing decays, so UPDATE_TG publishes nothing and
/// `tg.load_avg` stays 1024 for a and b; a reweight moves a queue's load but
/// sets no propagation, so nothing climbs further).
///
/// * b := 2048 (2²¹ scaled). b's entity: load = max(1024, 1024), tg_weight =
///   1024 − 1024 + 1024, shares = 2²¹·1024/1024 = 2²¹. Its load_avg becomes
///   ⌊2048·47694/47694⌋ = 2048 and a's load_avg 1024 − 1024 + 2048 = 2048
///   (load_sum 2048·47694 = 97,677,312). a's entity: load = max(2048, 2048),
///   tg_weight = 1024 − 1024 + 2048, shares = 2²⁰·2048/2048 = 2²⁰: unchanged;
///   the root keeps 1024.
/// * a := 512 (2¹⁹). a's entity: shares = 2¹⁹·2048/2048 = 2¹⁹, load_avg
///   ⌊512·47694/47694⌋ = 512, the root's load_avg 512 (load_sum 24,419,328).
/// * util and runnable never move (512 everywhere); every lone entity keeps
///   its zero lag, so V = V0 at every level.
/// * b := 1 is clamped to scale_load(MIN_SHARES) = 2048: b's entity weighs
///   2048·1024/1024 = 2048. An unchanged value and the root are refused or
///   ignored as the kernel does.
#[test]
fn set_shares_reweights_every_level_up_at_once() {
    for p in PROFILES {
        let name = p.name();
        let (mut rq, mut tgs, _) = two_levels(p);
        let now = 1_000_000;
        rq.set_shares(2, 2 << 20, now, &mut tgs).unwrap();
        assert_eq!(tgs[2].shares, 2 << 20);
        let w = |rq: &Rq, g| rq.group_entity(g).unwrap().unwrap().load.weight();
        assert_eq!((w(&rq, 2), w(&rq, 1)), (2 << 20, 1 << 20), "{name}");
        assert_eq!(rq.group_entity_avg(2).unwrap().unwrap().load_avg, 2048);
        let a = *rq.cfs_rq_avg(1).unwrap();
        assert_eq!(
            (sig(&a), a.load_sum),
            ((2048, 512, 512), 97_677_312),
            "{name}"
        );
        assert_eq!(sig(rq.cfs_rq_avg(0).unwrap()), (1024, 512, 512), "{name}");
        assert_eq!((tgs[1].load_avg, tgs[2].load_avg), (1024, 1024), "{name}");

        rq.set_shares(1, 1 << 19, now, &mut tgs).unwrap();
        assert_eq!((w(&rq, 2), w(&rq, 1)), (2 << 20, 1 << 19), "{name}");
        assert_eq!(rq.group_entity_avg(1).unwrap().unwrap().load_avg, 512);
        let root = *rq.cfs_rq_avg(0).unwrap();
        assert_eq!((sig(&root), root.load_sum), ((512, 512, 512), 24_419_328));
        for g in 0..3 {
            assert_eq!(v(&rq, g), V0, "{name} level {g}");
        }

        rq.set_shares(2, 1, now, &mut tgs).unwrap();
        assert_eq!((tgs[2].shares, w(&rq, 2)), (2048, 2048), "{name}");
        let before = *rq.cfs_rq_avg(1).unwrap();
        rq.set_shares(2, 2048, now, &mut tgs).unwrap();
        assert_eq!(*rq.cfs_rq_avg(1).unwrap(), before);
        assert_eq!(
            rq.set_shares(0, 1 << 20, now, &mut tgs),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            rq.set_shares(7, 1 << 20, now, &mut tgs),
            Err(Error::InvalidArgument)
        );
        rq.validate().unwrap();
    }
}

/// A renice two levels down (root ← a ← b, the task in b, nice 0 → 5 at
/// 1 ms), as `set_user_nice` does it: DEQUEUE_SAVE (b and a empty, their
/// entities leave; v6.6 reweights each from its blocked 1024: 2²⁰), then
/// `reweight_entity` off the queue: the task's load_avg leaves b (b: 1024 −
/// 1024 = 0, load_sum 0), becomes ⌊335·47694/47694⌋ = 335 and returns (b:
/// 335, load_sum 335·47694 = 15,977,490); its zero lag stays zero. Then
/// ENQUEUE_RESTORE: nothing decays (same instant) and a reweight sets no
/// propagation, so b's entity keeps load_avg 1024, a and the root 1024;
/// b's share is 2²⁰·335/(1024 − 1024 + 335) = 2²⁰. V = V0 everywhere.
///
/// Then the task runs one period: picked at 1 ms, tick at 999,424 +
/// 1,048,576 = 2,048,000 ns (1024 units, one period crossed, period_contrib
/// 976 again). contrib = decay_load(1024 − 976, 1) + 0 + 976 = 46 + 976 =
/// 1022. Entities: load_sum decay_load(47694, 1) + 1022 = 47694; util and
/// runnable sums decay_load(24,419,328, 1) + 1022·1024 = 24,942,600, i.e.
/// 522. The task's load_avg is ⌊335·47694/47694⌋ = 335, b's
/// ⌊(decay_load(15,977,490, 1) + 335·1022)/47694⌋ = ⌊15,977,495/47694⌋ = 335,
/// a's and the root's ⌊48,838,672/47694⌋ = 1024, the group entities'
/// ⌊1024·47694/47694⌋ = 1024. b decayed: UPDATE_TG publishes 335
/// (tg.load_avg 1024 → 335); b's share stays 2²⁰. V: the task (weight
/// 335·1024, inv_weight 12,820,798) gained calc_delta_fair(1,048,000) =
/// 3,203,438 (every release's `__calc_delta` agrees here); the group entities
/// (2²⁰) gained 1,048,000.
#[test]
fn renice_two_levels_down_moves_only_its_own_queue_until_time_passes() {
    for p in PROFILES {
        let name = p.name();
        let (mut rq, mut tgs, t) = two_levels(p);
        let now = 1_000_000;
        let r = rq.set_user_nice(t, 5, now, &mut tgs).unwrap();
        assert!(!r.is_requested(), "{name}");
        assert_eq!(rq.entity(t).unwrap().load.weight(), 335 << 10);
        assert!(rq.entity(t).unwrap().on_rq);
        assert_eq!(sig(rq.entity_avg(t).unwrap()), (335, 512, 512), "{name}");
        let b = *rq.cfs_rq_avg(2).unwrap();
        assert_eq!(
            (sig(&b), b.load_sum),
            ((335, 512, 512), 15_977_490),
            "{name}"
        );
        assert_eq!(
            sig(rq.group_entity_avg(2).unwrap().unwrap()),
            (1024, 512, 512)
        );
        assert_eq!(sig(rq.cfs_rq_avg(1).unwrap()), (1024, 512, 512), "{name}");
        assert_eq!(
            sig(rq.group_entity_avg(1).unwrap().unwrap()),
            (1024, 512, 512)
        );
        assert_eq!(sig(rq.cfs_rq_avg(0).unwrap()), (1024, 512, 512), "{name}");
        let w = |rq: &Rq, g| rq.group_entity(g).unwrap().unwrap().load.weight();
        assert_eq!((w(&rq, 2), w(&rq, 1)), (1 << 20, 1 << 20), "{name}");
        assert_eq!(tgs[2].load_avg, 1024);
        for g in 0..3 {
            assert_eq!(v(&rq, g), V0, "{name} level {g}");
        }
        // The same nice again does nothing; a nice out of range is an error.
        assert_eq!(
            rq.set_user_nice(t, 5, now, &mut tgs),
            Ok(Default::default())
        );
        assert_eq!(
            rq.set_user_nice(t, 20, now, &mut tgs),
            Err(Error::NiceOutOfRange)
        );

        assert_eq!(rq.pick_next_task(now, &mut tgs).unwrap(), Some(t));
        rq.task_tick(2_048_000, &mut tgs).unwrap();
        assert_eq!(sig(rq.entity_avg(t).unwrap()), (335, 522, 522), "{name}");
        assert_eq!(sig(rq.cfs_rq_avg(2).unwrap()), (335, 522, 522), "{name}");
        for g in [1, 2] {
            assert_eq!(
                sig(rq.group_entity_avg(g).unwrap().unwrap()),
                (1024, 522, 522)
            );
        }
        assert_eq!(sig(rq.cfs_rq_avg(1).unwrap()), (1024, 522, 522), "{name}");
        assert_eq!(sig(rq.cfs_rq_avg(0).unwrap()), (1024, 522, 522), "{name}");
        assert_eq!((tgs[2].load_avg, tgs[1].load_avg), (335, 1024), "{name}");
        assert_eq!((w(&rq, 2), w(&rq, 1)), (1 << 20, 1 << 20), "{name}");
        assert_eq!(v(&rq, 2), Vtime(V0.0.wrapping_add(3_203_438)), "{name}");
        assert_eq!(v(&rq, 1), Vtime(V0.0.wrapping_add(1_048_000)), "{name}");
        assert_eq!(v(&rq, 0), Vtime(V0.0.wrapping_add(1_048_000)), "{name}");
        rq.validate().unwrap();
    }
}

// ---------------------------------------------------------------------------
// Properties (quickcheck): random task-level operations on root ← 1 ← 2 and
// root ← 3, every release.
// ---------------------------------------------------------------------------

use eevdf::runqueue::WakeFlags;
use quickcheck::QuickCheck;

fn qc(tests: u64) -> QuickCheck {
    QuickCheck::new().tests(tests).max_tests(tests * 20)
}

/// root ← 1 ← 2, root ← 3, with tasks `tasks` spread over the four groups.
fn forest(p: Profile, tasks: usize) -> (Rq, [TaskGroup; 4], Vec<TaskRef>) {
    let tun = Tunables::defaults(&p, 1, 1000);
    let tgs = [
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(1, 3 * DEFAULT_SHARES),
        TaskGroup::new(0, DEFAULT_SHARES / 4),
    ];
    let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    let ts = (0..tasks)
        .map(|i| {
            let se = SchedEntity::from_nice((i as i32 % 7) - 3, tun.base_slice).unwrap();
            rq.fork_task(i as u32 % 4, se).unwrap()
        })
        .collect();
    (rq, tgs, ts)
}

/// One random task-level operation; errors a caller could provoke
/// (InvalidState for an operation in the wrong state) are skipped.
fn step(rq: &mut Rq, tgs: &mut [TaskGroup], ts: &[TaskRef], op: (u8, u8, u16), now: u64) {
    let t = ts[op.1 as usize % ts.len()];
    let se = *rq.entity(t).unwrap();
    match op.0 % 6 {
        0 | 1 if !se.on_rq || se.sched_delayed => {
            rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, tgs).unwrap();
            rq.wakeup_preempt(t, now, WakeFlags::default(), tgs)
                .unwrap();
        }
        2 if se.on_rq && !se.sched_delayed => {
            rq.dequeue_task(t, now, DequeueFlags::SLEEP, tgs).unwrap();
        }
        3 => drop(rq.task_tick(now, tgs).unwrap()),
        4 => drop(rq.pick_next_task(now, tgs).unwrap()),
        5 if !se.sched_delayed => {
            let nice = (op.2 % 40) as i32 - 20;
            rq.set_user_nice(t, nice, now, tgs).unwrap();
        }
        _ => rq.update_blocked_averages(now, tgs).unwrap(),
    }
}

/// An attach at the bottom of the hierarchy reaches every group entity on its
/// way up within the same enqueue (`propagate_entity_load_avg` copies the
/// group queue's util and runnable averages), whatever happened before.
#[test]
fn group_entity_util_avg_equals_its_queue_after_an_attach_climbs() {
    fn prop(ops: Vec<(u8, u8, u16)>, pi: u8) -> bool {
        let p = PROFILES[pi as usize % PROFILES.len()];
        let (mut rq, mut tgs, ts) = forest(p, 6);
        let mut now = 1_000_000u64;
        for op in ops {
            now += 1 + op.2 as u64 * 97;
            step(&mut rq, &mut tgs, &ts, op, now);
        }
        now += 1_000_000;
        let base = Tunables::defaults(&p, 1, 1000).base_slice;
        let t = rq.fork_task(2, SchedEntity::from_nice(0, base).unwrap());
        let Ok(t) = t else {
            return true; // level full
        };
        rq.enqueue_task(t, now, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        [2u32, 1].iter().all(|&g| {
            let ge = *rq.group_entity_avg(g).unwrap().unwrap();
            let q = *rq.cfs_rq_avg(g).unwrap();
            (ge.util_avg, ge.runnable_avg) == (q.util_avg, q.runnable_avg)
        })
    }
    qc(300).quickcheck(prop as fn(Vec<(u8, u8, u16)>, u8) -> bool);
}

/// `G = root.load_sum − Σᵢ sld(wᵢ)·sᵢ(T)`: the root's load sum minus the
/// contributions of its attached entities, each entity's `load_sum` `sᵢ`
/// brought to the root's `last_update_time` T (blocked ones decayed, queued
/// ones accumulating at load 1), weighted by `se_weight`.
fn root_load_gap(rq: &FairRq<Profile, 1, 8>) -> i128 {
    use eevdf::pelt::{update_load_avg_blocked_se, update_load_avg_se};
    let root = *rq.cfs_rq_avg(0).unwrap();
    let mut sum = 0i128;
    for id in rq.cfs_rq(0).unwrap().ids() {
        let t = TaskRef {
            group: 0,
            entity: id,
        };
        let mut a = *rq.entity_avg(t).unwrap();
        let e = rq.entity(t).unwrap();
        if a.last_update_time == 0 {
            continue; // not attached yet
        }
        if e.on_rq {
            update_load_avg_se(root.last_update_time, &mut a, &e.load, true, 0, false);
        } else {
            update_load_avg_blocked_se(root.last_update_time, &mut a, &e.load);
        }
        sum += e.load.scaled_down() as i128 * a.load_sum as i128;
    }
    root.load_sum as i128 - sum
}

/// What the root's load keeps exactly (fair.c and pelt.c, v6.6 … v7.1).
///
/// The root is not Σ of its entities' averages: `load_avg` is recomputed
/// (`⌊load_sum / d⌋`) only when a PELT period boundary is crossed, so the
/// root's and an entity's `load_avg` are snapshots taken at different points
/// of a period; gaps of tens to hundreds of `load_avg` units are that, not
/// lost load. The sums are current, and the kernel's arithmetic keeps
/// `G = root.load_sum − Σᵢ sld(wᵢ)·sᵢ(T)` ([`root_load_gap`]) as follows:
///
/// * **inside one period** (no boundary of the root's 1024·1024-ns grid is
///   crossed by the operation), G does not change at all. Every signal is
///   phase-aligned with the root (an attach adopts the root's
///   `last_update_time` and `period_contrib`), so without a boundary each
///   update adds `load · delta` exactly: the root `sld(Σ wᵢ)·δ` over its
///   queued entities, each entity `δ`, and `sld(Σ wᵢ) = Σ sld(wᵢ)` for
///   nice-table weights (multiples of 1024; a group entity's weight need not
///   be, which is why this is a flat hierarchy). Enqueue, dequeue, tick, pick
///   and blocked updates move no load between entity and root (blocked load
///   stays attached); attach and detach move exactly `sld(w)·s`.
/// * **across a boundary**, G changes only by rounding: `decay_load` floors
///   the root's weighted sum once and each entity's sum separately
///   (`⌊w·x⌋ ≥ w·⌊x⌋`, `⌊Σ⌋ ≥ Σ⌊⌋`), and an entity updated over several
///   periods in one step rounds its segments differently from a root
///   updated at every event.
///
/// Not covered here, because the kernel's own arithmetic moves G there:
/// `reweight_entity` of a sleeping task (`set_user_nice`) moves its
/// *stored*, not decayed, contribution out at the old weight and in at the
/// new one, and the removal's floor (v6.x 32-bit `max_t`, v7.x
/// `__update_sa`) can raise the root's sum; a v6.x root sum of 2³² or more
/// is cut to 32 bits at the next removal.
#[test]
fn root_load_sum_moves_with_its_entities_inside_a_pelt_period() {
    fn prop(ops: Vec<(u8, u8, u32)>, pi: u8) -> bool {
        let p = Profile::PRESETS[pi as usize % Profile::PRESETS.len()];
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [TaskGroup::ROOT];
        let mut rq = FairRq::<Profile, 1, 8>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let mut now = 1_000_000u64;
        let ts: Vec<TaskRef> = (0..6)
            .map(|i| {
                let se = SchedEntity::from_nice(i * 3 - 7, tun.base_slice).unwrap();
                let t = rq.fork_task(0, se).unwrap();
                rq.enqueue_task(t, now, EnqueueFlags::new_task(p), &mut tgs)
                    .unwrap();
                t
            })
            .collect();
        for (op, k, dt) in ops {
            now += dt as u64 % if op & 0x80 != 0 { 300_000 } else { 3_000_000 };
            let t = ts[k as usize % ts.len()];
            let se = *rq.entity(t).unwrap();
            let before = root_load_gap(&rq);
            let r0 = *rq.cfs_rq_avg(0).unwrap();
            match op % 6 {
                0 | 1 if !se.on_rq || se.sched_delayed => {
                    rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs)
                        .unwrap();
                    rq.wakeup_preempt(t, now, WakeFlags::default(), &mut tgs)
                        .unwrap();
                }
                2 if se.on_rq && !se.sched_delayed => {
                    rq.dequeue_task(t, now, DequeueFlags::SLEEP, &mut tgs)
                        .unwrap();
                }
                3 => drop(rq.task_tick(now, &mut tgs).unwrap()),
                4 => drop(rq.pick_next_task(now, &mut tgs).unwrap()),
                _ => rq.update_blocked_averages(now, &mut tgs).unwrap(),
            }
            let r1 = *rq.cfs_rq_avg(0).unwrap();
            let units = r1.last_update_time.wrapping_sub(r0.last_update_time) / 1024;
            let crossed = r0.period_contrib as u64 + units >= 1024;
            if !crossed && root_load_gap(&rq) != before {
                return false;
            }
        }
        true
    }
    qc(500).quickcheck(prop as fn(Vec<(u8, u8, u32)>, u8) -> bool);
}

/// `update_tg_load_avg` inside the hierarchy: v6.18 and later publish a
/// group's load into `tg.load_avg` at most once per 1,000,000 ns of the CPU's
/// clock (the rate limit of `update_tg_load_avg`, with the timestamp moved
/// only by a publication); v6.6 publishes every change above `contrib/64`.
///
/// A forked nice-0 task enters group g at 1 ms: g's load 1024 is published
/// (the limit's timestamp starts at 0), so `tg.load_avg = contrib = 1024`.
/// A second one enters at 1.5 ms: g's load is now about 2 × 1024, far above
/// `1024/64 = 16` from the contribution, and the attach asks to publish.
/// 6.6 does; 6.18, 7.0, 7.1 (and EXACT) are 500,000 ns inside the limit and
/// keep `tg.load_avg = 1024`. A tick of the running task at 2.1 ms
/// (UPDATE_TG, g's signal crossed a period) is 1.1 ms after the last
/// publication: every release now publishes g's current load.
#[test]
fn tg_load_avg_rate_limit_suppresses_a_publication_inside_one_ms_from_6_18() {
    for p in PROFILES {
        let limited = p != Profile::LINUX_6_6;
        let (mut rq, mut tgs, tun) = one_group(p);
        let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let a = rq.fork_task(1, se).unwrap();
        rq.enqueue_task(a, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        assert_eq!(
            (tgs[1].load_avg, rq.tg_load_avg_contrib(1)),
            (1024, Ok(1024))
        );
        rq.pick_next_task(1_000_000, &mut tgs).unwrap();

        let b = rq.fork_task(1, se).unwrap();
        rq.enqueue_task(b, 1_500_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        let g = rq.cfs_rq_avg(1).unwrap().load_avg;
        assert!(g > 2000, "{}: {g}", p.name());
        let published = if limited { 1024 } else { g };
        assert_eq!(tgs[1].load_avg, published, "{}", p.name());
        assert_eq!(rq.tg_load_avg_contrib(1), Ok(published), "{}", p.name());

        rq.task_tick(2_100_000, &mut tgs).unwrap();
        let g = rq.cfs_rq_avg(1).unwrap().load_avg;
        assert_eq!(tgs[1].load_avg, g, "{}", p.name());
        assert_eq!(rq.tg_load_avg_contrib(1), Ok(g), "{}", p.name());
        rq.validate().unwrap();
    }
}

/// Renicing a task in delayed dequeue is refused, exactly and without side
/// effects (≥ v6.12; see `fair`'s "What is not modelled": the kernel's
/// `set_user_nice` save-dequeues it for real while it keeps `sched_delayed`
/// and restores it as a delayed entity). a runs 3 ms ahead of b at the
/// root, so at its sleep it is not eligible and DELAY_DEQUEUE keeps it
/// queued; 6.6 has no delayed dequeue and reweights it as usual.
#[test]
fn renice_of_a_delayed_task_is_refused_and_changes_nothing() {
    for p in PROFILES {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [TaskGroup::ROOT];
        let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let a = rq.add_task(0, se).unwrap();
        let b = rq.add_task(0, se).unwrap();
        rq.enqueue_task(a, 1_000_000, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        assert_eq!(rq.pick_next_task(1_000_000, &mut tgs), Ok(Some(a)));
        rq.enqueue_task(b, 1_000_000, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        let r = rq.dequeue_task(a, 4_000_000, DequeueFlags::SLEEP, &mut tgs);
        if p == Profile::LINUX_6_6 {
            assert_eq!(r, Ok(eevdf::runqueue::Dequeued::Removed));
            assert!(rq.set_user_nice(a, 5, 4_000_000, &mut tgs).is_ok());
            continue;
        }
        assert_eq!(r, Ok(eevdf::runqueue::Dequeued::Delayed), "{}", p.name());
        let (se0, avg0, root0) = (
            *rq.entity(a).unwrap(),
            *rq.entity_avg(a).unwrap(),
            *rq.cfs_rq_avg(0).unwrap(),
        );
        assert_eq!(
            rq.set_user_nice(a, 5, 4_500_000, &mut tgs),
            Err(Error::InvalidState),
            "{}",
            p.name()
        );
        assert_eq!(*rq.entity(a).unwrap(), se0);
        assert_eq!(*rq.entity_avg(a).unwrap(), avg0);
        assert_eq!(*rq.cfs_rq_avg(0).unwrap(), root0);
        assert_eq!(rq.h_nr_runnable(0), Ok(1));
        rq.validate().unwrap();
    }
}

/// A task reniced between fork and its first wakeup (`set_user_nice` →
/// `reweight_task_fair` → `reweight_entity`, fair.c v6.6 … v7.1): the PELT
/// steps of `reweight_entity` do not depend on the entity having been
/// attached, so
///
/// * `dequeue_load_avg` takes its fork-time load_avg (1024, from
///   `init_entity_runnable_average`) out of its cfs_rq with `sub_positive`,
///   although the cfs_rq never held it: a's 1024 becomes 0;
/// * its load_avg is recomputed from its load_sum, which fork left at 0:
///   ⌊335·0/47694⌋ = 0, and `enqueue_load_avg` puts back 0;
///
/// and at its first enqueue `attach_entity_load_avg` finds load_avg·d = 0, not
/// above its weight, so it sets load_sum to 1: it arrives with no load.
#[test]
fn a_task_reniced_before_its_first_wakeup_arrives_with_no_load() {
    for p in PROFILES {
        let name = p.name();
        let (mut rq, mut tgs, tun) = one_group(p);
        let se = || SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let a = rq.fork_task(0, se()).unwrap();
        rq.enqueue_task(a, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        assert_eq!(rq.cfs_rq_avg(0).unwrap().load_avg, 1024, "{name}");
        let b = rq.fork_task(0, se()).unwrap();
        assert_eq!(rq.entity_avg(b).unwrap().load_avg, 1024, "{name}");
        rq.set_user_nice(b, 5, 1_000_000, &mut tgs).unwrap();
        assert_eq!(rq.entity_avg(b).unwrap().load_avg, 0, "{name}");
        assert_eq!(rq.cfs_rq_avg(0).unwrap().load_avg, 0, "{name}");
        rq.enqueue_task(b, 1_000_000, EnqueueFlags::new_task(p), &mut tgs)
            .unwrap();
        let sb = *rq.entity_avg(b).unwrap();
        assert_eq!((sb.load_avg, sb.load_sum), (0, 1), "{name}");
        assert_eq!(rq.cfs_rq_avg(0).unwrap().load_avg, 0, "{name}");
        rq.validate().unwrap();
    }
}
