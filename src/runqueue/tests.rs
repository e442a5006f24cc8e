//! The run queue's tests.

use super::validate::keys_within_half_circle;
use super::*;
use crate::avg::avg_weight;
use std::vec::Vec;

/// splitmix64: a deterministic generator for operation sequences.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Rq = RunQueue<Profile, 32>;

fn tun(p: &Profile) -> Tunables {
    Tunables::defaults(p, 4, 250)
}

/// Exact eligibility over the tree plus an on_rq curr, written independently
/// of `AvgVruntime`: Σ (v_i − v)·w_i ≥ 0.
fn exact_eligible(rq: &Rq, v: Vtime) -> bool {
    let p = rq.profile();
    let mut sum: i128 = 0;
    let mut add = |se: &SchedEntity| {
        sum += se.vruntime.wsub(v) as i128 * avg_weight(&p, se.load.weight()) as i128;
    };
    for id in rq.tree_ids() {
        add(rq.entity(id).unwrap());
    }
    if let Some(c) = rq.curr() {
        let c = rq.entity(c).unwrap();
        if c.on_rq {
            add(c);
        }
    }
    sum >= 0
}

/// The ≥ v6.18 pick by a linear scan in tree order with exact eligibility;
/// `None` when v6.6 has a deadline tie among eligible entities (its walk
/// breaks those by tree shape).
fn brute_pick(rq: &Rq) -> Option<Option<EntityId>> {
    let p = rq.profile();
    let f = rq.tunables().features;
    let curr = rq.curr().filter(|&c| rq.entity(c).unwrap().on_rq);
    let tree: Vec<EntityId> = rq.tree_ids().collect();
    let elig = |id: EntityId| exact_eligible(rq, rq.entity(id).unwrap().vruntime);
    let next = rq.next_buddy();
    let buddy_ok = |on: bool| next.filter(|&n| on && elig(n));
    if p.release == Release::Linux6_18 {
        if let Some(n) = buddy_ok(f.contains(Features::PICK_BUDDY)) {
            return Some(Some(n));
        }
    }
    if p.release == Release::Linux6_6 {
        if let Some(n) = buddy_ok(f.contains(Features::NEXT_BUDDY)) {
            return Some(Some(n));
        }
    } else if rq.nr_queued() == 1 {
        return Some(curr.or(tree.first().copied()));
    }
    if p.release >= Release::Linux7_0 {
        if let Some(n) = buddy_ok(f.contains(Features::PICK_BUDDY)) {
            return Some(Some(n));
        }
    }
    let c = curr.filter(|&c| elig(c));
    if let Some(c) = c {
        if f.contains(Features::RUN_TO_PARITY) && protect_slice(&p, rq.entity(c).unwrap()) {
            return Some(Some(c));
        }
    }
    let mut best: Option<EntityId> = None;
    let mut tie = false;
    for &id in &tree {
        if !elig(id) {
            continue;
        }
        let d = rq.entity(id).unwrap().deadline;
        match best {
            None => best = Some(id),
            Some(b) => {
                let bd = rq.entity(b).unwrap().deadline;
                if d.before(bd) {
                    best = Some(id);
                    tie = false;
                } else if d == bd {
                    tie = true;
                }
            }
        }
    }
    if let (Some(c), Some(b)) = (c, best) {
        let (cd, bd) = (
            rq.entity(c).unwrap().deadline,
            rq.entity(b).unwrap().deadline,
        );
        if cd == bd {
            tie = true;
        }
    }
    if p.release == Release::Linux6_6 && tie {
        return None;
    }
    Some(match (best, c) {
        (None, c) => c.or(if p.release == Release::Linux6_6 {
            tree.first().copied()
        } else {
            None
        }),
        (Some(b), Some(c))
            if rq
                .entity(c)
                .unwrap()
                .deadline
                .before(rq.entity(b).unwrap().deadline) =>
        {
            Some(c)
        }
        (Some(b), _) => Some(b),
    })
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Add,
    Enqueue,
    Dequeue,
    Tick,
    Pick,
    Wake,
    Reweight,
    Yield,
    Remove,
    Slice,
}

/// Drives a run queue with a seeded random operation sequence, checking
/// invariants after every step; returns the number of picks compared.
fn drive(p: Profile, seed: u64, steps: usize) -> usize {
    drive_observed(p, seed, steps, &mut |_| {})
}

/// [`drive`], calling `observe` with the queue after every step.
fn drive_observed(p: Profile, seed: u64, steps: usize, observe: &mut dyn FnMut(&Rq)) -> usize {
    let mut rng = Rng(seed);
    let t = tun(&p);
    let mut rq = Rq::new(p, t);
    let mut now: u64 = 1_000_000;
    let mut compared = 0;
    let nices = [-20, -5, 0, 0, 0, 3, 10, 19];
    for step in 0..steps {
        let op = match rng.below(20) {
            0..=1 => Op::Add,
            2..=5 => Op::Enqueue,
            6..=8 => Op::Dequeue,
            9..=12 => Op::Tick,
            13..=14 => Op::Pick,
            15 => Op::Wake,
            16 => Op::Reweight,
            17 => Op::Yield,
            18 => Op::Remove,
            _ => Op::Slice,
        };
        let ids: Vec<EntityId> = rq.ids().collect();
        let pick_id = |rng: &mut Rng| -> Option<EntityId> {
            if ids.is_empty() {
                None
            } else {
                Some(ids[rng.below(ids.len() as u64) as usize])
            }
        };
        match op {
            Op::Add => {
                let nice = nices[rng.below(nices.len() as u64) as usize];
                let se = SchedEntity::from_nice(nice, t.base_slice).unwrap();
                let _ = rq.add(se);
            }
            Op::Enqueue | Op::Wake => {
                if let Some(id) = pick_id(&mut rng) {
                    let fresh = rq.sum_exec_runtime(id).unwrap() == 0 && rng.below(2) == 0;
                    let flags = if fresh {
                        EnqueueFlags::INITIAL
                    } else {
                        EnqueueFlags::WAKEUP
                    };
                    if rq.enqueue(id, now, flags).is_ok() && matches!(op, Op::Wake) {
                        let sync = rng.below(2) == 0;
                        if rq
                            .wakeup_preempt(
                                id,
                                now,
                                WakeFlags {
                                    sync,
                                    ..Default::default()
                                },
                            )
                            .unwrap()
                            .is_requested()
                        {
                            rq.pick_next(now).unwrap();
                        }
                    }
                }
            }
            Op::Dequeue => {
                if let Some(id) = pick_id(&mut rng) {
                    let before = rq.max_slice();
                    let flags = if rng.below(4) == 0 {
                        DequeueFlags::MIGRATE
                    } else {
                        DequeueFlags::SLEEP
                    };
                    if let Ok(Dequeued::Removed) = rq.dequeue(id, now, flags) {
                        // Stored lag never exceeds the profile's limit.
                        let se = rq.entity(id).unwrap();
                        let lim = if p.is_exact() {
                            crate::entity::exact_lag_limit(&p, se, before, t.tick_nsec)
                        } else {
                            crate::entity::overflowing_lag_limit(&p, se, before, t.tick_nsec).0
                                as u128
                        };
                        assert!(
                            (se.vlag.0.unsigned_abs() as u128) <= lim,
                            "{p:?} step {step}: |vlag| {} > {lim}",
                            se.vlag.0
                        );
                    }
                }
            }
            Op::Tick => {
                now += 1 + rng.below(4_000_000);
                if rq.tick(now).unwrap().is_requested() {
                    rq.pick_next(now).unwrap();
                }
            }
            Op::Pick => {
                now += rng.below(100_000);
                rq.pick_next(now).unwrap();
            }
            Op::Reweight => {
                if let Some(id) = pick_id(&mut rng) {
                    let lw = if rng.below(2) == 0 {
                        LoadWeight::from_nice(nices[rng.below(nices.len() as u64) as usize])
                            .unwrap()
                    } else {
                        LoadWeight::new(2 + rng.below(3 << 20)).unwrap()
                    };
                    rq.reweight(id, lw, now).unwrap();
                }
            }
            Op::Yield => {
                now += rng.below(100_000);
                if rq.yield_curr(now).unwrap().did_yield() {
                    rq.pick_next(now).unwrap();
                }
            }
            Op::Remove => {
                if let Some(id) = pick_id(&mut rng) {
                    let _ = rq.remove(id);
                }
            }
            Op::Slice => {
                if let Some(id) = pick_id(&mut rng) {
                    let s = [0, 100_000, 3_000_000, 20_000_000][rng.below(4) as usize];
                    let _ = rq.set_slice(id, s);
                }
            }
        }
        if let Err(e) = rq.validate() {
            panic!("{p:?} seed {seed} step {step} after {op:?}: {e}");
        }
        if let Some(want) = brute_pick(&rq) {
            assert_eq!(
                rq.peek(),
                want,
                "{p:?} seed {seed} step {step} after {op:?}"
            );
            compared += 1;
        }
        if p.is_exact() && rq.nr_queued() > 0 {
            assert!(rq.peek().is_some(), "EXACT found nothing eligible");
        }
        observe(&rq);
    }
    compared
}

#[test]
fn runqueue_picks_the_same_entity_as_a_brute_force_scan() {
    for p in Profile::PRESETS
        .iter()
        .chain([Profile::LINUX_6_6_57].iter())
    {
        let mut compared = 0;
        for seed in 0..40 {
            compared += drive(*p, seed, 600);
        }
        assert!(compared > 10_000, "{p:?}: only {compared} picks compared");
    }
}

#[test]
fn overflowing_avg_vruntime_includes_curr_and_keeps_v0() {
    // Two nice-0 entities and a nice-5 one; after a pick one of them is curr
    // (outside the sums) and V must still be the floor of the weighted mean.
    for p in Profile::PRESETS {
        let mut rq = Rq::new(p, Tunables::defaults(&p, 1, 1000));
        let ids = [0, 0, 5].map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap());
        for (k, id) in ids.iter().enumerate() {
            rq.enqueue(*id, k as u64 * 1_000_000, EnqueueFlags::WAKEUP)
                .unwrap();
        }
        rq.pick_next(3_000_000).unwrap().unwrap();
        rq.tick(4_300_000).unwrap();
        let v0 = rq.avg().zero_vruntime();
        let (v, wrapped) = rq.overflowing_avg_vruntime().unwrap();
        assert!(!wrapped);
        assert_eq!(Ok(v), rq.avg_vruntime());
        assert_eq!(rq.avg().zero_vruntime(), v0, "{p:?}: v0 moved");
        let (mut num, mut den) = (0i128, 0i128);
        for id in ids {
            let se = rq.entity(id).unwrap();
            let w = avg_weight(&p, se.load.weight()) as i128;
            num += se.vruntime.wsub(v0) as i128 * w;
            den += w;
        }
        assert_eq!(v.wsub(v0) as i128, num.div_euclid(den), "{p:?}");
    }
}

#[test]
fn validate_folds_children_in_the_callbacks_order() {
    // Three deadlines in a wrapping cycle (a < b < c < a, each step 3·2^61):
    // the subtree minimum depends on the order the children are folded in.
    // The tree's callbacks fold the right child, then the left, as the
    // kernel's; validate must recompute the same way.
    let p = Profile::LINUX_6_6;
    let mut rq = Rq::new(p, Tunables::defaults(&p, 1, 1000));
    let step = 3u64 << 61;
    let (a, b, c) = (0u64, step, step.wrapping_mul(2));
    // v6.6 orders by vruntime: B (the root), then A left of it, C right.
    let mut ids = [0u32; 3];
    for (k, (v, d)) in [(100u64, b), (50, a), (150, c)].into_iter().enumerate() {
        let mut se = SchedEntity::from_nice(0, 700_000).unwrap();
        se.vruntime = Vtime(v);
        se.deadline = Vtime(d);
        let id = rq.add(se).unwrap();
        let i = id.index();
        rq.se_mut(i).on_rq = true;
        rq.nr_queued += 1;
        rq.load += se.load.weight();
        rq.enqueue_tree(i).unwrap();
        ids[k] = i;
    }
    assert_eq!(rq.root.root, ids[0]);
    assert_eq!(rq.store.nodes()[ids[0] as usize].aug_min, Vtime(a));
    assert_eq!(rq.validate(), Ok(()));
}

#[test]
fn exact_slice_aggregates_never_go_stale() {
    let p = Profile {
        slice_aggregates: SliceAggregates::Exact,
        ..Profile::LINUX_7_1
    };
    for seed in 0..20 {
        drive(p, seed, 400);
    }
}

#[test]
fn exact_slice_aggregates_change_nothing_in_6_6() {
    // v6.6's tree has only min_deadline; SliceAggregates::Exact used to
    // switch it to the newer augmentation, which 6.6's pick then misread
    // (fidelity review: 272 of 320 replayed 6.6.0 sequences diverged).
    let exact = Profile {
        slice_aggregates: SliceAggregates::Exact,
        ..Profile::LINUX_6_6
    };
    let snapshot = |rq: &Rq| {
        let ents: Vec<(EntityId, SchedEntity)> =
            rq.ids().map(|id| (id, *rq.entity(id).unwrap())).collect();
        (
            rq.peek(),
            rq.curr(),
            rq.avg_vruntime(),
            rq.min_slice(),
            ents,
        )
    };
    for seed in 0..20 {
        let mut kernel = Vec::new();
        drive_observed(Profile::LINUX_6_6, seed, 300, &mut |rq| {
            kernel.push(snapshot(rq))
        });
        let mut with_exact = Vec::new();
        drive_observed(exact, seed, 300, &mut |rq| with_exact.push(snapshot(rq)));
        assert_eq!(kernel, with_exact, "seed {seed}");
    }
}

#[test]
fn reweight_takes_the_lag_limit_with_the_entity_still_in_the_tree() {
    // 7.0/7.1 reweight_entity runs update_entity_lag before the entity
    // leaves the tree, so its own custom slice (the largest) bounds its
    // lag: limit = calc_delta_fair(max_slice + tick) = 15,367,173 + 1 ms
    // for a nice-0 entity (fidelity review, 7.1.5 replay: the library
    // clamped with the running task's 3 ms instead).
    //
    // A (nice 0, 3 ms slice) runs; B (nice 0, custom slice 15,367,173 ns)
    // wakes with a stored lag of −10 ms: with A curr, PLACE_LAG inflates
    // it by (W + w)/W = 2, so B lands 20 ms right of A, V is midway and
    // B's lag is exactly −10 ms. C (nice 0, 3 ms, lag 0) is placed at V
    // and inserted below B, which refreshes B's max_slice aggregate.
    // Reniced to 7 (weight 215) at once, B's lag −10 ms is within the
    // limit and is rescaled by 1024/215, truncated toward zero.
    for p in [Profile::LINUX_7_0, Profile::LINUX_7_1] {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let a = rq
            .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
            .unwrap();
        let mut b = SchedEntity::from_nice(0, 3_000_000).unwrap();
        b.set_custom_slice(15_367_173, 3_000_000);
        b.vlag = Vlag(-10_000_000);
        let b = rq.add(b).unwrap();
        let c = rq
            .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
            .unwrap();
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
        rq.pick_next(0).unwrap();
        rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
        rq.enqueue(c, 0, EnqueueFlags::WAKEUP).unwrap();
        let v = rq.avg_vruntime().unwrap();
        assert_eq!(rq.entity(b).unwrap().vruntime.wsub(v), 10_000_000);
        assert_eq!(rq.max_slice(), 15_367_173);
        rq.reweight(b, LoadWeight::from_nice(7).unwrap(), 0)
            .unwrap();
        let se = rq.entity(b).unwrap();
        // (Clamped at ±4 ms, as before the fix, it would be −19,051,162.)
        assert_eq!(se.vlag.0, -10_000_000i64 * 1024 / 215, "{p:?}");
        assert_eq!(se.vlag.0, -47_627_906);
        if p.release == Release::Linux7_1 {
            // 7.1: vruntime = V − vlag; V is unchanged up to its floor.
            assert_eq!(se.vruntime.wsub(v), 47_627_906);
            assert!(rq.avg_vruntime().unwrap().wsub(v).abs() <= 1);
        }
        rq.validate().unwrap();
    }
}

#[test]
fn enqueue_initial_halves_the_first_slice_in_every_release() {
    // place_entity honours ENQUEUE_INITIAL (PLACE_DEADLINE_INITIAL: vslice/2)
    // in 6.6.0 too; only 6.6's wake_up_new_task does not pass it (fidelity
    // review: every 6.6.0 replay with an ENQUEUE_INITIAL enqueue diverged).
    for p in Profile::PRESETS {
        let t = Tunables::defaults(&p, 1, 1000);
        let vslice = t.base_slice; // nice 0: calc_delta_fair is the identity
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let a = rq.add(SchedEntity::from_nice(0, vslice).unwrap()).unwrap();
        let b = rq.add(SchedEntity::from_nice(0, vslice).unwrap()).unwrap();
        rq.enqueue(a, 0, EnqueueFlags::INITIAL).unwrap();
        let se = rq.entity(a).unwrap();
        assert_eq!(se.deadline.wsub(se.vruntime), (vslice / 2) as i64, "{p:?}");
        // A fork: full slice in 6.6, half from 6.12 on.
        rq.pick_next(0).unwrap();
        rq.wake_up_new(b, 0).unwrap();
        let se = rq.entity(b).unwrap();
        let want = if p.release == Release::Linux6_6 {
            vslice
        } else {
            vslice / 2
        };
        assert_eq!(se.deadline.wsub(se.vruntime), want as i64, "{p:?}");
    }
}

#[test]
fn renicing_the_running_task_ends_its_protection_in_6_18_only() {
    // 6.18 keeps vlag and vprot in one field: reweighting curr takes its
    // lag (update_entity_lag) and rescales it, overwriting the protection
    // end, so the next tick asks for a reschedule. 7.x keeps vprot apart
    // and rescales it (fidelity review: 140/320 6.18.2 replays diverged).
    for p in [Profile::LINUX_6_18, Profile::LINUX_7_0, Profile::LINUX_7_1] {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let ids = [0, 0, 0].map(|n| {
            rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                .unwrap()
        });
        for id in ids {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        rq.pick_next(0).unwrap();
        // Run until a fresh pick after 40 ms (vruntimes well past 0).
        let mut now = 0;
        loop {
            now += 1_000_000;
            if rq.tick(now).unwrap().is_requested() {
                rq.pick_next(now).unwrap();
                if now >= 40_000_000 {
                    break;
                }
            }
        }
        let c = rq.curr().unwrap();
        assert!(
            protect_slice(&p, rq.entity(c).unwrap()),
            "{p:?}: fresh pick protected"
        );
        rq.reweight(c, LoadWeight::from_nice(5).unwrap(), now + 100_000)
            .unwrap();
        let se = rq.entity(c).unwrap();
        let shared = p.release == Release::Linux6_18;
        assert_eq!(se.vprot.0 == se.vlag.0 as u64, shared, "{p:?}");
        assert_eq!(!protect_slice(&p, se), shared, "{p:?}");
        // The next tick: 6.18 reschedules, 7.x keeps curr protected.
        assert_eq!(
            rq.tick(now + 200_000).unwrap().is_requested(),
            shared,
            "{p:?}"
        );
    }
}

#[test]
fn a_pending_reschedule_makes_wakeup_preemption_return_early() {
    // TIF_NEED_RESCHED (fidelity review: without it 81/320 6.6.0 and
    // 156/295 7.1.5 replays diverged). Once the tick has asked for a
    // reschedule, a wakeup before the switch returns at once: no
    // update_curr (curr's vruntime does not move), no new request.
    for p in Profile::PRESETS {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let ids = [0, 0, -5].map(|n| {
            rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                .unwrap()
        });
        rq.enqueue(ids[0], 0, EnqueueFlags::WAKEUP).unwrap();
        rq.enqueue(ids[1], 0, EnqueueFlags::WAKEUP).unwrap();
        rq.pick_next(0).unwrap();
        assert!(!rq.need_resched());
        let mut now = 0;
        while !rq.tick(now).unwrap().is_requested() {
            now += 1_000_000;
        }
        assert!(rq.need_resched(), "{p:?}: the tick's request is pending");
        let c = rq.curr().unwrap();
        rq.enqueue(ids[2], now + 100_000, EnqueueFlags::WAKEUP)
            .unwrap();
        let before = *rq.entity(c).unwrap();
        let preempt = rq
            .wakeup_preempt(ids[2], now + 600_000, WakeFlags::default())
            .unwrap();
        assert!(!preempt.is_requested(), "{p:?}");
        assert_eq!(*rq.entity(c).unwrap(), before, "{p:?}: update_curr ran");
        assert!(rq.need_resched());
        // The switch consumes it; the next wakeup is judged again.
        rq.pick_next(now + 700_000).unwrap();
        assert!(!rq.need_resched(), "{p:?}");
    }
}

#[test]
fn a_second_wakeup_on_an_idle_cpu_asks_for_nothing_new() {
    for p in Profile::PRESETS {
        let mut rq = RunQueue::<_, 4>::new(p, Tunables::defaults(&p, 1, 1000));
        let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
        let b = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(
            rq.wakeup_preempt(a, 0, WakeFlags::default()),
            Ok(Resched::REQUESTED)
        );
        rq.enqueue(b, 10, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(
            rq.wakeup_preempt(b, 10, WakeFlags::default()),
            Ok(Resched::NONE)
        );
        assert!(rq.need_resched());
        rq.pick_next(20).unwrap();
        assert!(!rq.need_resched());
        // put_prev_curr (the CPU leaves the fair class) also clears it.
        rq.resched_curr();
        rq.put_prev_curr(30).unwrap();
        assert!(!rq.need_resched());
    }
}

#[test]
fn next_buddy_is_marked_before_the_pending_reschedule_test_before_7_0() {
    // 6.6 and 6.18 set the NEXT_BUDDY buddy before testing need_resched;
    // 7.x tests need_resched first (set_preempt_buddy comes later).
    for p in Profile::PRESETS {
        let mut t = Tunables::defaults(&p, 1, 1000);
        t.features |= Features::NEXT_BUDDY;
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let ids = [0, 0, 0].map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap());
        rq.enqueue(ids[0], 0, EnqueueFlags::WAKEUP).unwrap();
        rq.enqueue(ids[1], 0, EnqueueFlags::WAKEUP).unwrap();
        rq.pick_next(0).unwrap();
        rq.resched_curr();
        rq.enqueue(ids[2], 10, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(
            rq.wakeup_preempt(ids[2], 10, WakeFlags::default()),
            Ok(Resched::NONE)
        );
        let marked = rq.next_buddy() == Some(ids[2]);
        assert_eq!(marked, p.release <= Release::Linux6_18, "{p:?}");
    }
}

#[test]
fn clear_wrapped_also_forgets_an_overflow_of_the_sums() {
    // A nice-0 entity woken with lag −2^52 lands 2^53 ns right of v0
    // (6.18: inflated ×2 with curr queued, exactly −2^63/1024 without a
    // wrap) and puts key·w = 2^53·1024 = 2^63 into S, which wraps; once it has left again the sums are back in range, the
    // accumulator's sticky bit still says "wrapped", and clear_wrapped
    // must forget it with the run queue's own flag.
    let p = Profile::LINUX_6_18;
    let mut rq = RunQueue::<_, 4>::new(p, Tunables::defaults(&p, 1, 1000));
    let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
    let mut far = SchedEntity::from_nice(0, 0).unwrap();
    far.vlag = Vlag(-(1 << 52));
    let b = rq.add(far).unwrap();
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.pick_next(0).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    assert!(rq.avg().overflowed());
    rq.dequeue(b, 0, DequeueFlags::MIGRATE).unwrap();
    assert!(rq.avg().headroom_bits() >= 0, "the sums are back in range");
    assert!(rq.wrapped(), "a past overflow stays reported");
    rq.clear_wrapped();
    assert!(!rq.wrapped());
}

quickcheck::quickcheck! {
    fn incremental_accumulator_equals_batch_recomputation(seed: u64) -> bool {
        // validate() recomputes S and W from the tree after every operation.
        for p in Profile::PRESETS {
            drive(p, seed, 150);
        }
        true
    }
}

#[test]
fn stale_slice_aggregates_known_bugs_8() {
    // v7.1.5 augmented-tree callbacks (docs/derivations.md §12): nice-0 tasks with custom
    // slices 20 ms, 0.1 ms and 3 ms enqueued in that order at V. Their deadlines V+20 ms, V+0.1
    // ms, V+3 ms make the third an inner grandchild: a left rotation then a right rotation lift
    // it to the root. Rotations copy only min_vruntime and the new root is never recomputed,
    // so it keeps the leaf values set at insert: min_slice = its own 3 ms and, in
    // 7.x (which does not initialise a leaf's max_slice), max_slice = 0 for a new
    // task. The true bounds are 0.1 ms and 20 ms.
    let run = |p: Profile| {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 8>::new(p, t);
        let mut ids = Vec::new();
        for s in [20_000_000u64, 100_000, 3_000_000] {
            let mut se = SchedEntity::from_nice(0, 3_000_000).unwrap();
            se.set_custom_slice(s, 3_000_000);
            ids.push(rq.add(se).unwrap());
        }
        for &id in &ids {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        rq.validate().unwrap();
        assert_eq!(rq.exact_slice_bounds(), Some((100_000, 20_000_000)));
        (rq.min_slice(), rq.max_slice())
    };
    assert_eq!(run(Profile::LINUX_7_1), (3_000_000, 0));
    assert_eq!(run(Profile::LINUX_7_0), (3_000_000, 0));
    // 6.18 has no max_slice aggregate (its max_slice() reads the stale 0 too, unused).
    assert_eq!(run(Profile::LINUX_6_18).0, 3_000_000);
    let exact = Profile {
        slice_aggregates: SliceAggregates::Exact,
        ..Profile::LINUX_7_1
    };
    assert_eq!(run(exact), (100_000, 20_000_000));
}

/// Runs always-runnable entities for `secs` of simulated time with a tick of
/// `tick` ns, rescheduling when asked; returns each entity's run time.
fn run_busy(p: Profile, nices: &[i32], secs: u64, tick: u64) -> Vec<u64> {
    let t = Tunables {
        base_slice: 3_000_000,
        tick_nsec: tick,
        features: Features::defaults(p.release),
    };
    let mut rq = RunQueue::<_, 16>::new(p, t);
    let ids: Vec<_> = nices
        .iter()
        .map(|&n| {
            rq.add(SchedEntity::from_nice(n, 3_000_000).unwrap())
                .unwrap()
        })
        .collect();
    for &id in &ids {
        rq.enqueue(id, 0, EnqueueFlags::INITIAL).unwrap();
    }
    rq.pick_next(0).unwrap();
    let mut now = 0;
    while now < secs * 1_000_000_000 {
        now += tick;
        if rq.tick(now).unwrap().is_requested() {
            rq.pick_next(now).unwrap();
        }
        rq.validate().unwrap();
    }
    rq.update_curr(now).unwrap();
    ids.iter()
        .map(|&id| rq.sum_exec_runtime(id).unwrap())
        .collect()
}

#[test]
fn cpu_shares_follow_weights() {
    // nice 0, 0, 5, -5: weights 1024, 1024, 335, 3121.
    for p in Profile::PRESETS {
        let run = run_busy(p, &[0, 0, 5, -5], 20, 1_000_000);
        let total: u64 = run.iter().sum();
        let w = [1024.0, 1024.0, 335.0, 3121.0];
        let wsum: f64 = w.iter().sum();
        for (r, w) in run.iter().zip(w) {
            let share = *r as f64 / total as f64;
            let want = w / wsum;
            assert!(
                (share - want).abs() / want < 0.01,
                "{p:?}: share {share:.4} vs {want:.4}"
            );
        }
    }
}

#[test]
fn steady_state_lag_stays_within_slice_plus_tick_known_bugs_7() {
    // Steady-state EEVDF lag bound (docs/derivations.md §11): three nice-0 entities, slice 3
    // ms, tick 1 ms, 10^5 ticks: every V − v stays within ±(slice + tick) = ±4 ms.
    for p in [
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
        Profile::EXACT,
    ] {
        let t = Tunables {
            base_slice: 3_000_000,
            tick_nsec: 1_000_000,
            features: Features::defaults(p.release),
        };
        let mut rq = RunQueue::<_, 4>::new(p, t);
        let ids: Vec<_> = (0..3)
            .map(|_| {
                rq.add(SchedEntity::from_nice(0, 3_000_000).unwrap())
                    .unwrap()
            })
            .collect();
        for &id in &ids {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        rq.pick_next(0).unwrap();
        let mut worst = 0i64;
        for k in 1..=100_000u64 {
            let now = k * 1_000_000;
            if rq.tick(now).unwrap().is_requested() {
                rq.pick_next(now).unwrap();
            }
            let v = rq.avg_vruntime().unwrap();
            for &id in &ids {
                worst = worst.max(v.wsub(rq.entity(id).unwrap().vruntime).abs());
            }
        }
        assert!(worst <= 4_000_000, "{p:?}: |lag| reached {worst}");
        assert!(worst >= 1_000_000, "{p:?}: suspiciously small lag {worst}");
    }
}

#[test]
fn delayed_dequeue_keeps_an_ineligible_sleeper_until_picked() {
    let p = Profile::LINUX_7_1;
    let t = Tunables {
        base_slice: 3_000_000,
        tick_nsec: 1_000_000,
        features: Features::defaults(p.release),
    };
    let mut rq = RunQueue::<_, 4>::new(p, t);
    let a = rq
        .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
        .unwrap();
    let b = rq
        .add(SchedEntity::from_nice(0, 3_000_000).unwrap())
        .unwrap();
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    rq.enqueue(b, 0, EnqueueFlags::WAKEUP).unwrap();
    let first = rq.pick_next(0).unwrap().unwrap();
    let other = if first == a { b } else { a };
    // first runs 2 ms: it is now right of V (negative lag), so its sleep is delayed.
    assert_eq!(
        rq.dequeue(first, 2_000_000, DequeueFlags::SLEEP),
        Ok(Dequeued::Delayed)
    );
    assert_eq!((rq.nr_queued(), rq.nr_runnable()), (2, 1));
    assert!(
        rq.entity(first).unwrap().vlag.0 < 0,
        "7.1 records the lag at delay time"
    );
    // A second dequeue of a delayed entity is refused.
    assert_eq!(
        rq.dequeue(first, 2_000_000, DequeueFlags::SLEEP),
        Err(Error::InvalidState)
    );
    assert_eq!(rq.pick_next(2_000_000).unwrap(), Some(other));
    // other runs until first becomes eligible and is picked: the pick completes
    // first's dequeue instead of running it.
    let mut now = 2_000_000;
    while rq.nr_queued() == 2 {
        now += 1_000_000;
        if rq.tick(now).unwrap().is_requested() {
            rq.pick_next(now).unwrap();
        }
    }
    assert!(!rq.entity(first).unwrap().on_rq);
    assert!(rq.entity(first).unwrap().vlag.0 <= 0, "DELAY_ZERO");
    assert_eq!(rq.curr(), Some(other));
    rq.validate().unwrap();
}

#[test]
fn a_pick_whose_eligibility_test_wraps_reports_it() {
    // 7.1 before b6eee96843e8 (full weights, s64 key·load): a puny entity P
    // 8·10^10 ns left of V, with the earliest deadline, next to two entities
    // of 100·NICE_0_LOAD. P's key·load (−1.68·10^19) wraps positive, so P is
    // judged ineligible and the pick runs a heavy entity instead. The
    // placements themselves do not wrap; the pick must say that it did.
    let p = Profile {
        eligibility: crate::profile::Eligibility::Wrapping,
        ..Profile::LINUX_7_1
    };
    let run = |p: Profile| {
        let mut rq = RunQueue::<_, 4>::new(p, tun(&p));
        let heavy = || SchedEntity::new(LoadWeight::new(100 << 20).unwrap(), 3_000_000);
        let mut puny = SchedEntity::new(LoadWeight::new(2).unwrap(), 3_000_000);
        puny.set_custom_slice(100_000, 3_000_000);
        puny.vlag = Vlag(80_000_000_000);
        let h = rq.add(heavy()).unwrap();
        let pid = rq.add(puny).unwrap();
        let h2 = rq.add(heavy()).unwrap();
        for id in [h, pid, h2] {
            rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
        }
        assert!(!rq.wrapped(), "nothing has wrapped yet");
        let v = rq.entity(pid).unwrap().vruntime;
        let elig = rq.avg().overflowing_vruntime_eligible(v, None);
        let got = rq.pick_next(0).unwrap();
        (rq.wrapped(), elig, got == Some(pid))
    };
    assert_eq!(run(Profile::EXACT), (false, (true, false), true));
    assert_eq!(run(p), (true, (false, true), false));
}

#[test]
fn half_circle_span_decides_whether_key_order_is_defined() {
    let v = |x: u64| Vtime(x);
    assert!(keys_within_half_circle([].into_iter()));
    assert!(keys_within_half_circle([v(5)].into_iter()));
    // Across the wrap point but within 2^63: ordered.
    assert!(keys_within_half_circle(
        [v(u64::MAX - 10), v(10)].into_iter()
    ));
    assert!(keys_within_half_circle(
        [v(0), v((1 << 63) - 1)].into_iter()
    ));
    // 0, 2^62 and 2^63 + 2^61: pairwise comparable, not transitively ordered.
    assert!(!keys_within_half_circle(
        [v(0), v(1 << 62), v((1 << 63) + (1 << 61))].into_iter()
    ));
    assert!(!keys_within_half_circle([v(0), v(1 << 63)].into_iter()));
}

#[test]
fn bad_handles_and_states_are_errors() {
    let p = Profile::LINUX_7_1;
    let mut rq = RunQueue::<_, 2>::new(p, tun(&p));
    let a = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
    let b = rq.add(SchedEntity::from_nice(0, 0).unwrap()).unwrap();
    assert_eq!(
        rq.add(SchedEntity::from_nice(0, 0).unwrap()),
        Err(Error::Full)
    );
    assert_eq!(
        rq.dequeue(a, 0, DequeueFlags::SLEEP),
        Err(Error::InvalidState)
    );
    rq.enqueue(a, 0, EnqueueFlags::WAKEUP).unwrap();
    assert_eq!(
        rq.enqueue(a, 0, EnqueueFlags::WAKEUP),
        Err(Error::InvalidState)
    );
    assert_eq!(rq.remove(a), Err(Error::InvalidState));
    let removed = rq.remove(b).unwrap();
    assert!(!removed.on_rq);
    assert_eq!(rq.entity(b), Err(Error::NoSuchEntity));
    let c = rq.add(SchedEntity::from_nice(3, 0).unwrap()).unwrap();
    assert_eq!(c.index(), b.index(), "slot reused");
    assert_ne!(c, b, "but the old handle stays dead");
    assert_eq!(rq.entity(b), Err(Error::NoSuchEntity));
    assert_eq!(
        rq.entity(EntityId::from_bits(u64::MAX)),
        Err(Error::NoSuchEntity)
    );
    let mut on = SchedEntity::from_nice(0, 0).unwrap();
    on.on_rq = true;
    assert_eq!(rq.add(on), Err(Error::InvalidState));
    let mut x = RunQueue::<_, 2>::new(Profile::EXACT, tun(&Profile::EXACT));
    let heavy = SchedEntity::new(LoadWeight::new((1 << 40) + 1).unwrap(), 0);
    assert_eq!(x.add(heavy), Err(Error::Overflow));
    // An empty queue picks nothing.
    let mut e = RunQueue::<_, 1>::new(p, tun(&p));
    assert_eq!(e.pick_next(0), Ok(None));
}

#[test]
fn buffer_store_behaves_like_inline_storage() {
    let p = Profile::LINUX_7_1;
    let mut buf = std::vec![Node::EMPTY; 3];
    let mut rq = CfsRq::in_buffer(p, tun(&p), &mut buf);
    let ids: Vec<_> = (0..3)
        .map(|n| rq.add(SchedEntity::from_nice(n, 0).unwrap()).unwrap())
        .collect();
    assert_eq!(
        rq.add(SchedEntity::from_nice(0, 0).unwrap()),
        Err(Error::Full)
    );
    for &id in &ids {
        rq.enqueue(id, 0, EnqueueFlags::WAKEUP).unwrap();
    }
    assert!(rq.pick_next(0).unwrap().is_some());
    rq.validate().unwrap();
}
