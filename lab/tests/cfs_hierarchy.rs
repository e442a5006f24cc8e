//! The CFS release (v6.5) under `fair::FairRq`, as the lab's cgroup and vhost
//! scenarios drive it: every level of the hierarchy runs 6.5's per-queue
//! rules — the tick's `check_preempt_tick`, the pick of the leftmost entity,
//! and `check_preempt_wakeup` at the level `find_matching_se` finds.

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::FairRq;
use eevdf::group::{SharesLoad, TaskGroup, DEFAULT_SHARES};
use eevdf::runqueue::{DequeueFlags, EnqueueFlags, WakeFlags};
use eevdf::Profile;

type Rq = FairRq<Profile, 3, 8>;

fn setup() -> (Rq, [TaskGroup; 3], Tunables) {
    let p = Profile::LINUX_6_5;
    let tun = Tunables::defaults(&p, 1, 1000);
    let tgs = [
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(0, DEFAULT_SHARES),
    ];
    let rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    (rq, tgs, tun)
}

#[test]
fn tick_and_pick_alternate_two_busy_groups_at_the_root() {
    let (mut rq, mut tgs, tun) = setup();
    let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
    let a = rq.add_task(1, se).unwrap();
    let b = rq.add_task(2, se).unwrap();
    let mut now = 1_000_000;
    for t in [a, b] {
        let f = EnqueueFlags::new_task(Profile::LINUX_6_5);
        rq.enqueue_task(t, now, f, &mut tgs).unwrap();
    }
    let mut cur = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
    let mut ran_b = 0;
    for _ in 0..1000 {
        now += 1_000_000;
        ran_b += u32::from(cur == b);
        if rq.task_tick(now, &mut tgs).unwrap().is_requested() {
            cur = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
            // The pick runs the root's leftmost group entity (no buddies set).
            let root = rq.cfs_rq(0).unwrap();
            let curr = root.curr().unwrap();
            let v = root.entity(curr).unwrap().vruntime;
            assert!(root.ids().all(|i| root.entity(i).unwrap().vruntime >= v));
        }
    }
    assert!((490..=510).contains(&ran_b), "{ran_b}");
    rq.validate().unwrap();
}

#[test]
fn a_sleeper_in_another_group_preempts_through_the_root_with_its_credit() {
    let (mut rq, mut tgs, tun) = setup();
    let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
    let a = rq.add_task(1, se).unwrap();
    let b = rq.add_task(2, se).unwrap();
    let mut now = 1_000_000;
    let f = EnqueueFlags::new_task(Profile::LINUX_6_5);
    rq.enqueue_task(a, now, f, &mut tgs).unwrap();
    rq.enqueue_task(b, now, f, &mut tgs).unwrap();
    // b runs first or second; put it to sleep, let a run alone for 50 ms.
    let mut cur = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
    if cur == b {
        now += 1_000_000;
        rq.dequeue_task(b, now, DequeueFlags::SLEEP, &mut tgs)
            .unwrap();
        cur = rq.pick_next_task(now, &mut tgs).unwrap().unwrap();
    } else {
        rq.dequeue_task(b, now, DequeueFlags::SLEEP, &mut tgs)
            .unwrap();
    }
    assert_eq!(cur, a);
    for _ in 0..50 {
        now += 1_000_000;
        rq.task_tick(now, &mut tgs).unwrap();
    }
    rq.enqueue_task(b, now, EnqueueFlags::WAKEUP, &mut tgs)
        .unwrap();
    // The group entity of b was placed at min_vruntime − latency/2
    // (GENTLE_FAIR_SLEEPERS), far behind a's: the wakeup preempts at the root.
    let r = rq
        .wakeup_preempt(b, now, WakeFlags::default(), &mut tgs)
        .unwrap();
    assert!(r.is_requested());
    assert_eq!(rq.pick_next_task(now, &mut tgs).unwrap(), Some(b));
    rq.validate().unwrap();
}
