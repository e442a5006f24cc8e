//! Load propagation up the task-group hierarchy (`fair::FairRq`): golden cases
//! worked by hand from the PELT formulas, and properties named after their
//! invariant. Kernel functions followed: `attach_entity_load_avg`,
//! `add_tg_cfs_propagate`, `propagate_entity_load_avg` with
//! `update_tg_cfs_util/runnable/load`, `update_tg_load_avg`,
//! `calc_group_shares` (fair.c, v6.6 … v7.1).
#![cfg(not(loom))]

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::FairRq;
use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
use eevdf::runqueue::{DequeueFlags, EnqueueFlags};
use eevdf::Profile;

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
        rq.task_tick(6_000_000, &mut tgs).unwrap();
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
