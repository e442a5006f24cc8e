//! The run queue under v6.5's CFS rules: golden sequences worked from the
//! formulas of `kernel/sched/fair.c`, v6.5.0 (`docs/derivations.md` §13).

use super::*;
use crate::cfs::CfsTunables;
use crate::Linux6_5;
use std::vec::Vec;

type Rq = RunQueue<Linux6_5, 16>;

const MS: u64 = 1_000_000;

/// One CPU: latency 6 ms, minimum granularity 0.75 ms, wakeup granularity 1 ms.
fn new_rq() -> Rq {
    let p = Linux6_5::PROFILE;
    RunQueue::new(Linux6_5, Tunables::defaults(&p, 1, 1000))
}

fn add(rq: &mut Rq, nice: i32, v: u64) -> EntityId {
    let mut se = SchedEntity::from_nice(nice, 0).unwrap();
    se.vruntime = Vtime(v);
    rq.add(se).unwrap()
}

fn v(rq: &Rq, id: EntityId) -> u64 {
    rq.entity(id).unwrap().vruntime.0
}

#[test]
fn cfs_tunables_follow_the_cpu_count() {
    let p = Linux6_5::PROFILE;
    let rq8: RunQueue<Linux6_5, 2> = RunQueue::new(Linux6_5, Tunables::defaults(&p, 8, 1000));
    assert_eq!(*rq8.cfs_tunables(), CfsTunables::defaults(8).unwrap());
    let mut r = new_rq();
    assert_eq!(*r.cfs_tunables(), CfsTunables::NORMALIZED);
    r.set_cfs_tunables(CfsTunables::defaults(4).unwrap());
    assert_eq!(r.tunables().base_slice, 2_250_000);
}

#[test]
fn cfs_picks_the_leftmost_and_the_tick_ends_the_slice() {
    // Two nice-0 tasks: ideal runtime = sched_slice = 6 ms · 1/2 through the
    // truncated inverse of sld(W) = 2048: 2,999,998 ns.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 500_000);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    assert_eq!(rq.tree_ids().collect::<Vec<_>>(), [a, b]);
    assert_eq!(rq.pick_next(0).unwrap(), Some(a));
    assert!(!rq.tick(MS).unwrap().is_requested());
    // min_vruntime = min(curr 1 ms, leftmost 0.5 ms).
    assert_eq!(rq.min_vruntime(), Vtime(500_000));
    assert!(!rq.tick(2_999_998).unwrap().is_requested());
    assert!(!rq.need_resched());
    assert!(rq.tick(2_999_999).unwrap().is_requested());
    assert!(rq.need_resched());
    // update_curr alone never reschedules under CFS.
    assert_eq!(rq.pick_next(3 * MS).unwrap(), Some(b));
    assert!(!rq.update_curr(100 * MS).unwrap().is_requested());
    assert!(!rq.need_resched());
}

#[test]
fn cfs_tick_preempts_a_curr_far_ahead_of_the_leftmost() {
    // check_preempt_tick's second test: after the minimum granularity, a lead
    // over the leftmost greater than the ideal runtime.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 3 * MS);
    let b = add(&mut rq, 0, 0);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.set_next_entity(a, 0).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    assert!(!rq.tick(749_999).unwrap().is_requested()); // below min_granularity
    assert!(rq.tick(750_000).unwrap().is_requested()); // lead 3.75 ms > 2,999,998
}

#[test]
fn cfs_wakeup_places_with_the_sleeper_credit_and_preempts_past_the_granularity() {
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 10 * MS);
    let c = add(&mut rq, 0, 0);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    // At 5 ms: a at 5 ms, min_vruntime 5 ms; c lands at 5 − 3 = 2 ms.
    rq.enqueue(c, 5 * MS, EnqueueFlags::WAKEUP).unwrap();
    assert_eq!(rq.min_vruntime(), Vtime(5 * MS));
    assert_eq!(v(&rq, c), 2 * MS);
    let r = rq.wakeup_preempt(c, 5 * MS, WakeFlags::default()).unwrap();
    assert!(r.is_requested());
    assert_eq!(rq.next_buddy(), Some(c));
    assert_eq!(rq.last_buddy(), None); // 3 < sched_nr_latency
    assert_eq!(rq.pick_next(5 * MS).unwrap(), Some(c));
    assert_eq!(rq.next_buddy(), None); // set_next_entity clears it
                                       // A short sleeper keeps its own vruntime: no credit.
    rq.dequeue(a, 5 * MS, DequeueFlags::SLEEP).unwrap();
    assert_eq!(v(&rq, a), 5 * MS); // absolute across a sleep
    rq.enqueue(a, 6 * MS, EnqueueFlags::WAKEUP).unwrap();
    assert_eq!(v(&rq, a), 5 * MS);
    // c runs at 3 ms: a wakee ahead of curr never preempts.
    assert!(!rq
        .wakeup_preempt(a, 6 * MS, WakeFlags::default())
        .unwrap()
        .is_requested());
}

#[test]
fn cfs_wakeup_within_the_granularity_does_not_preempt() {
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let c = add(&mut rq, 0, 0);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    // At 1 ms a is at 1 ms, min_vruntime 1 ms; c stays at 0 (max with min − 3 ms):
    // exactly 1 ms behind.
    rq.enqueue(c, MS, EnqueueFlags::WAKEUP).unwrap();
    assert_eq!(v(&rq, c), 0);
    assert!(!rq
        .wakeup_preempt(c, MS, WakeFlags::default())
        .unwrap()
        .is_requested());
    assert_eq!(rq.next_buddy(), None);
    // One ns later a is 1 ms + 1 ns ahead.
    assert!(rq
        .wakeup_preempt(c, MS + 1, WakeFlags::default())
        .unwrap()
        .is_requested());
}

#[test]
fn cfs_last_buddy_marks_the_preempted_curr_when_the_queue_is_long() {
    // LAST_BUDDY with nr_running ≥ sched_nr_latency (8): the preempted curr
    // becomes the last buddy, and the pick returns to it when it is within the
    // granularity of the leftmost.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    for _ in 0..6 {
        let o = add(&mut rq, 0, 50 * MS);
        rq.enqueue(o, 0, EnqueueFlags::WAKEUP).unwrap();
    }
    let w = add(&mut rq, 0, 0);
    rq.enqueue(w, 4 * MS, EnqueueFlags::WAKEUP).unwrap(); // at 1 ms (min 4 − 3)
    assert_eq!(rq.nr_queued(), 8);
    assert!(rq
        .wakeup_preempt(w, 4 * MS, WakeFlags::default())
        .unwrap()
        .is_requested());
    assert_eq!(rq.last_buddy(), Some(a));
    assert_eq!(rq.next_buddy(), Some(w));
    assert_eq!(rq.pick_next(4 * MS).unwrap(), Some(w));
    // w runs 2.5 ms; a (4 ms) is within 1 ms of the leftmost w (3.5 ms): last wins.
    assert_eq!(rq.pick_next(6_500_000).unwrap(), Some(a));
    assert_eq!(rq.last_buddy(), None);
}

#[test]
fn cfs_yield_makes_curr_the_skip_buddy() {
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 500_000);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    assert!(rq.yield_curr(100_000).unwrap().did_yield());
    assert_eq!(rq.skip_buddy(), Some(a));
    assert_eq!(v(&rq, a), 100_000); // vruntime stays where update_curr left it
    assert_eq!(rq.pick_next(100_000).unwrap(), Some(b)); // 0.4 ms behind: within 1 ms
                                                         // Yield with the other 1.9 ms behind: the skip is refused, a runs on.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 2 * MS);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    assert!(rq.yield_curr(100_000).unwrap().did_yield());
    assert_eq!(rq.pick_next(100_000).unwrap(), Some(a));
    // prev == next: pick_next_task_fair skips set_next_entity, so the mark stays.
    assert_eq!(rq.skip_buddy(), Some(a));
    // Until the tick finds the slice used up (check_preempt_tick's clear_buddies).
    assert!(!rq.tick(2_900_000).unwrap().is_requested());
    assert_eq!(rq.skip_buddy(), Some(a));
    assert!(rq.tick(3 * MS).unwrap().is_requested());
    assert_eq!(rq.skip_buddy(), None);
}

#[test]
fn cfs_fork_starts_one_vslice_after_min_vruntime() {
    // task_fork_fair(), v6.5.0: the child takes the parent's vruntime, then
    // START_DEBIT: min_vruntime + sched_vslice over the parent and the child
    // (period 6 ms, W = 2·2²⁰): 2,999,998.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    let child = add(&mut rq, 0, 0);
    let r = rq.wake_up_new(child, 4 * MS).unwrap();
    assert_eq!(v(&rq, a), 4 * MS);
    assert_eq!(v(&rq, child), 4 * MS + 2_999_998);
    assert!(!r.is_requested());
    // Without START_DEBIT the child starts at the parent's vruntime.
    let mut rq2 = new_rq();
    let mut t = *rq2.tunables();
    t.features.remove(Features::START_DEBIT);
    rq2.set_tunables(t);
    let a = add(&mut rq2, 0, 0);
    rq2.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq2.pick_next(0).unwrap();
    let child = add(&mut rq2, 0, 0);
    rq2.wake_up_new(child, 4 * MS).unwrap();
    assert_eq!(v(&rq2, child), 4 * MS);
}

#[test]
fn cfs_migration_keeps_the_distance_to_min_vruntime() {
    // dequeue_entity without DEQUEUE_SLEEP subtracts min_vruntime, an enqueue
    // without ENQUEUE_WAKEUP adds the (new) one back.
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 2 * MS);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    rq.tick(MS).unwrap(); // min_vruntime 1 ms
    rq.dequeue(b, MS, DequeueFlags::MIGRATE).unwrap();
    assert_eq!(v(&rq, b), MS); // 2 ms − 1 ms
    rq.tick(5 * MS).unwrap(); // a alone: min_vruntime 5 ms
    rq.enqueue(b, 5 * MS, EnqueueFlags::RESTORE).unwrap();
    assert_eq!(v(&rq, b), 6 * MS);
    // A save-only dequeue (a nice change) does not move min_vruntime.
    let before = rq.min_vruntime();
    let save = DequeueFlags {
        save_only: true,
        ..DequeueFlags::MIGRATE
    };
    rq.dequeue(a, 5 * MS, save).unwrap();
    assert_eq!(rq.min_vruntime(), before);
}

#[test]
fn cfs_reweight_keeps_vruntime_and_tree_position() {
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 0);
    let c = add(&mut rq, 0, 0);
    for id in [a, b, c] {
        rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
    }
    let order: Vec<_> = rq.tree_ids().collect();
    rq.reweight(a, LoadWeight::from_nice(5).unwrap(), 0)
        .unwrap();
    assert_eq!(rq.tree_ids().collect::<Vec<_>>(), order);
    assert_eq!(v(&rq, a), 0);
    assert_eq!(rq.load_weight(), 2 * (1 << 20) + 343_040);
    assert!(rq.validate().is_ok());
}

#[test]
fn cfs_dequeue_clears_every_buddy_of_the_entity() {
    let mut rq = new_rq();
    let a = add(&mut rq, 0, 0);
    let b = add(&mut rq, 0, 500_000);
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    assert!(rq.yield_curr(0).unwrap().did_yield());
    assert_eq!(rq.skip_buddy(), Some(a));
    rq.dequeue(a, 0, DequeueFlags::SLEEP).unwrap();
    assert_eq!(rq.skip_buddy(), None);
}

// ----- 86bfbb7ce4f6's lag placement on v6.5 (Profile::LINUX_6_5_PLACE_LAG) --

type LagRq = RunQueue<crate::Linux6_5PlaceLag, 16>;

fn new_lag_rq() -> LagRq {
    let p = crate::Linux6_5PlaceLag::PROFILE;
    RunQueue::new(crate::Linux6_5PlaceLag, Tunables::defaults(&p, 1, 1000))
}

fn add_lag(rq: &mut LagRq) -> EntityId {
    rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap()
}

/// Vruntime of `id` relative to the queue's first `min_vruntime`.
fn rel(rq: &LagRq, id: EntityId, m0: Vtime) -> i64 {
    rq.entity(id).unwrap().vruntime.wsub(m0)
}

/// `update_entity_lag()` at 86bfbb7ce4f6 keeps V − vruntime whole. Two
/// nice-0 tasks at m0 (enqueued without placement); a runs 100 ms and
/// sleeps: V = m0 + 1024·100 ms / 2048 = m0 + 50 ms, vlag = −50,000,000 (a
/// clamp of max(2·slice, TICK_NSEC) would keep −1,000,000 for these slice-0
/// entities). Its wakeup with b running and the tree empty: V = m0 (b alone),
/// load = b's 1,048,576, lag = tdiv(−50,000,000 · 2,097,152, 1,048,576) =
/// −100,000,000: a is back at m0 + 100 ms. A reweight while asleep (nice 0 →
/// 5) scales the vlag first: tdiv(−50,000,000 · 1,048,576, 343,040) =
/// −152,835,820 (−152,835,820.9), and the wakeup then uses the new weight:
/// tdiv(−152,835,820 · (1,048,576 + 343,040), 1,048,576) = −202,835,819
/// (−202,835,819.71).
#[test]
fn cfs_lag_vlag_is_unclamped_and_rescaled_while_asleep() {
    for renice in [false, true] {
        let mut rq = new_lag_rq();
        let m0 = rq.min_vruntime();
        let a = add_lag(&mut rq);
        let b = add_lag(&mut rq);
        rq.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
        rq.enqueue(b, 0, EnqueueFlags::RESTORE).unwrap();
        assert_eq!(rq.pick_next(0).unwrap(), Some(a));
        rq.dequeue(a, 100 * MS, DequeueFlags::SLEEP).unwrap();
        assert_eq!(rq.entity(a).unwrap().vlag, Vlag(-50_000_000));
        assert_eq!(rq.pick_next(100 * MS).unwrap(), Some(b));
        let mut want = 100 * MS as i64;
        if renice {
            rq.reweight(a, LoadWeight::from_nice(5).unwrap(), 100 * MS)
                .unwrap();
            assert_eq!(rq.entity(a).unwrap().vlag, Vlag(-152_835_820));
            assert_eq!(rel(&rq, a, m0), 100 * MS as i64); // vruntime stays
            want = 202_835_819;
        }
        rq.enqueue(a, 100 * MS, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(rel(&rq, a, m0), want);
        rq.validate().unwrap();
    }
}

/// `task_fork_fair()` at 86bfbb7ce4f6: START_DEBIT is gone (e0c2ff903c32) and
/// FAIR_SLEEPERS is off, so the child is placed at V with its zero lag, behind
/// its parent. Parent a has run 4 ms (m0 + 4 ms), b waits at m0: V = m0 +
/// 1024·4 ms / 2048 = m0 + 2 ms — 2 ms behind the parent, more than the 1 ms
/// wakeup granularity, so the child preempts it (`check_preempt_wakeup`
/// with WF_FORK). v6.5 puts the child at max(parent, m0 + vslice over 3
/// tasks) = m0 + 4 ms, no preemption.
#[test]
fn cfs_lag_fork_is_placed_at_v() {
    let mut rq = new_lag_rq();
    let m0 = rq.min_vruntime();
    let a = add_lag(&mut rq);
    let b = add_lag(&mut rq);
    rq.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::RESTORE).unwrap();
    assert_eq!(rq.pick_next(0).unwrap(), Some(a));
    let child = add_lag(&mut rq);
    assert!(rq.wake_up_new(child, 4 * MS).unwrap().is_requested());
    assert_eq!(rel(&rq, a, m0), 4 * MS as i64);
    assert_eq!(rel(&rq, child, m0), 2 * MS as i64);
    let mut old = new_rq();
    let m0 = old.min_vruntime();
    let a = add(&mut old, 0, 0);
    let b = add(&mut old, 0, 0);
    old.enqueue(a, 0, EnqueueFlags::RESTORE).unwrap();
    old.enqueue(b, 0, EnqueueFlags::RESTORE).unwrap();
    old.pick_next(0).unwrap();
    let child = add(&mut old, 0, 0);
    assert!(!old.wake_up_new(child, 4 * MS).unwrap().is_requested());
    assert_eq!(old.entity(child).unwrap().vruntime.wsub(m0), 4 * MS as i64);
}
