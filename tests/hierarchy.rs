//! Properties of the pieces a multi-CPU user needs: the task-group hierarchy
//! (`fair::FairRq`), the shares rule variant, wakeup placement
//! (`wake::select_task_rq_fair`, `select_idle_sibling`). Each test is named
//! after its invariant. (The lab's newidle model is tested in
//! `lab/src/balance.rs`.)
#![cfg(not(loom))]

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::{FairRq, TaskRef};
use eevdf::group::{
    calc_group_shares_with, overflowing_calc_group_shares, overflowing_calc_group_shares_with,
    SharesLoad, TaskGroup, DEFAULT_SHARES,
};
use eevdf::runqueue::{DequeueFlags, Dequeued, EnqueueFlags, WakeFlags};
use eevdf::wake::{
    select_idle_sibling, select_task_rq_fair, CpuState, IdleSibling, IdleSiblingInput,
    SelectTaskRq, SD_IMBALANCE_PCT_LLC,
};
use eevdf::{Error, Features, Profile};
use quickcheck::{QuickCheck, TestResult};

const PROFILES: [Profile; 5] = [
    Profile::LINUX_6_6,
    Profile::LINUX_6_18,
    Profile::LINUX_7_0,
    Profile::LINUX_7_1,
    Profile::EXACT,
];

fn qc(tests: u64) -> QuickCheck {
    QuickCheck::new().tests(tests).max_tests(tests * 20)
}

// ---------------------------------------------------------------------------
// calc_group_shares rules (fair.c, v4.14, v4.15 … v7.1; docs/derivations.md §10).
// ---------------------------------------------------------------------------

#[test]
fn max_weight_rule_is_calc_group_shares() {
    fn prop(a: u64, b: u64, c: u64, d: u64, e: u64) -> bool {
        PROFILES.iter().all(|p| {
            overflowing_calc_group_shares(p, a, b, c, d, e)
                == overflowing_calc_group_shares_with(
                    p,
                    SharesLoad::MaxWeightLoadAvg,
                    a,
                    b,
                    c,
                    d,
                    e,
                )
        })
    }
    qc(5_000).quickcheck(prop as fn(u64, u64, u64, u64, u64) -> bool);
}

#[test]
fn load_avg_rule_never_gives_more_than_todays_rule() {
    // shares = T·l/(R + l) grows with l, and today's l = max(sld(weight), avg) ≥ avg.
    fn prop(tg: u32, rest: u32, w: u32, avg: u32) -> bool {
        let (tg, rest, avg) = (
            (tg as u64 % (1 << 28)) + 2048,
            rest as u64 % (1 << 24),
            avg as u64 % (1 << 24),
        );
        let w = w as u64;
        let p = Profile::LINUX_7_1;
        let old = calc_group_shares_with(&p, SharesLoad::LoadAvg, tg, rest + avg, avg, w, avg);
        let new = calc_group_shares_with(
            &p,
            SharesLoad::MaxWeightLoadAvg,
            tg,
            rest + avg,
            avg,
            w,
            avg,
        );
        matches!((old, new), (Ok(o), Ok(n)) if o <= n && (2..=tg).contains(&o))
    }
    qc(10_000).quickcheck(prop as fn(u32, u32, u32, u32) -> bool);
}

#[test]
fn load_avg_rule_credits_a_just_woken_group_with_its_history_only() {
    // Josef Bacik's "CPU Scheduler imbalance with cgroups" (2017-07-24): a group run queue that
    // just woke four nice-0 tasks but had decayed to load_avg 100, the group holding 4000
    // elsewhere.
    let p = Profile::LINUX_6_6;
    let s = |rule| calc_group_shares_with(&p, rule, 1 << 20, 4100, 100, 4 << 20, 100).unwrap();
    assert_eq!(s(SharesLoad::LoadAvg), (1 << 20) * 100 / 4100); // 25,575
    assert_eq!(s(SharesLoad::MaxWeightLoadAvg), (1 << 20) * 4096 / 8096); // 530,508
}

// ---------------------------------------------------------------------------
// Wakeup placement (`select_task_rq_fair`, `select_idle_sibling`).
// ---------------------------------------------------------------------------

fn cpu_from(bits: u8) -> CpuState {
    CpuState {
        load_avg: (bits as u64 & 7) * 300,
        capacity: 1024,
        nr_running: (bits >> 3) as u32 & 3,
        h_nr_queued: (bits >> 3) as u32 & 3,
        h_nr_runnable: (bits >> 3) as u32 & 3,
        idle_task_running: bits & 0x40 != 0,
        ttwu_pending: false,
        vcpu_preempted: bits & 0x80 != 0,
        sched_idle_only: false,
    }
}

#[test]
fn placement_never_panics_and_lands_on_an_allowed_cpu() {
    fn prop(cpus: Vec<u8>, allowed: Vec<bool>, this: u8, prev: u8, sync: bool, f: u8) -> bool {
        let cpus: Vec<CpuState> = cpus.iter().map(|&b| cpu_from(b)).collect();
        let mut features = Features::defaults(Profile::LINUX_7_1.release);
        features.set(Features::WA_IDLE, f & 1 != 0);
        features.set(Features::WA_WEIGHT, f & 2 != 0);
        let input = SelectTaskRq {
            this_cpu: this as u32 % 12,
            prev_cpu: prev as u32 % 12,
            want_affine: f & 4 != 0,
            sync,
            task_h_load: 700,
            current_h_load: 300,
            imbalance_pct: SD_IMBALANCE_PCT_LLC,
            p_is_sched_idle: f & 8 != 0,
            recent_used_cpu: this as u32 % 12,
            waker_per_cpu_kthread: f & 16 != 0,
            nr_idle_scan: (f >> 5) as i32 - 2,
            has_idle_cores: sync,
        };
        let any_allowed = allowed.iter().take(cpus.len()).any(|&a| a);
        // SMT: pairs of neighbours share a core.
        let smt: Vec<u32> = (0..cpus.len() as u32).map(|i| i / 2).collect();
        let smt: &[u32] = if f & 32 != 0 { &smt } else { &[] };
        match select_task_rq_fair(&Profile::LINUX_7_1, features, &input, &cpus, &allowed, smt) {
            Ok(pl) => {
                let first = allowed.iter().position(|&a| a).map(|c| c as u32);
                allowed.get(pl.cpu as usize) == Some(&true)
                    // The class's answer is kept when allowed, else core takes
                    // the first allowed CPU.
                    && match pl.fair_cpu {
                        Some(c) if allowed.get(c as usize) == Some(&true) => pl.cpu == c,
                        Some(_) => Some(pl.cpu) == first,
                        None => Some(pl.cpu) == first,
                    }
            }
            Err(e) => {
                e == Error::InvalidArgument
                    && (!any_allowed
                        || input.this_cpu as usize >= cpus.len()
                        || input.prev_cpu as usize >= cpus.len())
            }
        }
    }
    qc(10_000).quickcheck(prop as fn(Vec<u8>, Vec<bool>, u8, u8, bool, u8) -> bool);
}

#[test]
fn idle_search_finds_an_available_idle_cpu_whenever_one_is_allowed() {
    fn prop(cpus: Vec<u8>, target: u8) -> TestResult {
        if cpus.is_empty() {
            return TestResult::discard();
        }
        let cpus: Vec<CpuState> = cpus.iter().map(|&b| cpu_from(b)).collect();
        let all = vec![true; cpus.len()];
        let target = target as u32 % cpus.len() as u32;
        let idle = |c: &CpuState| c.idle_task_running && c.nr_running == 0 && !c.vcpu_preempted;
        let input = IdleSiblingInput {
            prev: target,
            target,
            this_cpu: target,
            recent_used_cpu: target,
            nr_idle_scan: cpus.len() as i32,
            ..IdleSiblingInput::default()
        };
        let r = Profile::LINUX_7_1.release;
        let c = select_idle_sibling(r, Features::defaults(r), &input, &cpus, &all, &[]).unwrap();
        let (cpu, how) = (c.cpu, c.how);
        let exists = cpus.iter().any(idle);
        TestResult::from_bool(if exists {
            idle(&cpus[cpu as usize]) && how != IdleSibling::Busy
        } else {
            (cpu, how) == (target, IdleSibling::Busy)
        })
    }
    qc(10_000).quickcheck(prop as fn(Vec<u8>, u8) -> TestResult);
}

#[test]
fn a_preempted_idle_vcpu_is_not_idle_to_the_wakeup_path_seed_hlt() {
    // Masanori Misono's HLT report (LKML, 2021-05-26): vCPU1 is halted and marked preempted;
    // thread C wakes with target vCPU2 (busy running B): it stays on vCPU2.
    let busy = CpuState {
        load_avg: 1024,
        capacity: 1024,
        nr_running: 1,
        h_nr_queued: 1,
        h_nr_runnable: 1,
        ..CpuState::default()
    };
    let halted = CpuState {
        idle_task_running: true,
        vcpu_preempted: true,
        capacity: 1024,
        ..CpuState::default()
    };
    let cpus = [busy, halted, busy];
    let input = IdleSiblingInput {
        prev: 2,
        target: 2,
        this_cpu: 2,
        recent_used_cpu: 2,
        nr_idle_scan: 3,
        ..IdleSiblingInput::default()
    };
    let r = Profile::LINUX_7_1.release;
    let sis = |cpus: &[CpuState]| {
        select_idle_sibling(r, Features::defaults(r), &input, cpus, &[true; 3], &[])
            .map(|c| (c.cpu, c.how))
    };
    assert_eq!(sis(&cpus), Ok((2, IdleSibling::Busy)));
    let not_preempted = [
        busy,
        CpuState {
            vcpu_preempted: false,
            ..halted
        },
        busy,
    ];
    assert_eq!(sis(&not_preempted), Ok((1, IdleSibling::Scan)));
}

#[test]
fn a_pinned_task_goes_to_its_cpu_without_a_decision() {
    let cpus = [CpuState::default(); 4];
    let input = SelectTaskRq {
        this_cpu: 0,
        prev_cpu: 1,
        want_affine: true,
        ..SelectTaskRq::default()
    };
    let f = Features::defaults(Profile::LINUX_7_1.release);
    let pl = select_task_rq_fair(
        &Profile::LINUX_7_1,
        f,
        &input,
        &cpus,
        &[false, false, true],
        &[],
    )
    .unwrap();
    assert_eq!(
        (pl.cpu, pl.fair_cpu, pl.affine, pl.idle),
        (2, None, None, None)
    );
}

// ---------------------------------------------------------------------------
// The task-group hierarchy.
// ---------------------------------------------------------------------------

type Rq = FairRq<Profile, 4, 16>;

fn busy_loop(rq: &mut Rq, tgs: &mut [TaskGroup], tasks: &[TaskRef], secs: u64, tick: u64) {
    let mut now = 1_000_000;
    for &t in tasks {
        rq.enqueue_task(t, now, EnqueueFlags::INITIAL, tgs).unwrap();
    }
    rq.pick_next_task(now, tgs).unwrap();
    let end = now + secs * 1_000_000_000;
    while now < end {
        now += tick;
        if rq.task_tick(now, tgs).unwrap().is_requested() {
            rq.pick_next_task(now, tgs).unwrap();
        }
        rq.validate().unwrap();
    }
}

#[test]
fn equal_groups_share_one_cpu_equally_whatever_their_task_counts() {
    // root ← A (1 task), root ← B (3 tasks), all nice 0 and always runnable.
    for p in PROFILES {
        let tun = Tunables::defaults(&p, 1, 1000);
        let mut tgs = [
            TaskGroup::ROOT,
            TaskGroup::new(0, DEFAULT_SHARES),
            TaskGroup::new(0, DEFAULT_SHARES),
        ];
        let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let a = rq
            .add_task(1, SchedEntity::from_nice(0, tun.base_slice).unwrap())
            .unwrap();
        let bs: Vec<TaskRef> = (0..3)
            .map(|_| {
                rq.add_task(2, SchedEntity::from_nice(0, tun.base_slice).unwrap())
                    .unwrap()
            })
            .collect();
        let mut all = vec![a];
        all.extend(&bs);
        busy_loop(&mut rq, &mut tgs, &all, 2, 1_000_000);
        let ra = rq.sum_exec_runtime(a).unwrap() as f64;
        let rb: f64 = bs
            .iter()
            .map(|&b| rq.sum_exec_runtime(b).unwrap() as f64)
            .sum();
        let share = ra / (ra + rb);
        assert!((share - 0.5).abs() < 0.02, "{}: A got {share}", p.name());
        // Alone on the CPU, each group's entity carries the group's full shares.
        for g in [1, 2] {
            let w = rq.group_entity(g).unwrap().unwrap().load.weight();
            assert!(
                w > DEFAULT_SHARES * 9 / 10 && w <= DEFAULT_SHARES,
                "{}: {w}",
                p.name()
            );
        }
    }
}

#[test]
fn group_entity_weight_is_calc_group_shares_of_the_group_queue() {
    // After a tick, the running group's entity weighs what calc_group_shares
    // gives for its run queue (today's rule and the old one).
    for rule in [SharesLoad::MaxWeightLoadAvg, SharesLoad::LoadAvg] {
        for p in PROFILES {
            let tun = Tunables::defaults(&p, 2, 250);
            // tg.load_avg includes 3000 of load published by other CPUs.
            let mut tgs = [TaskGroup::ROOT, TaskGroup::new(0, DEFAULT_SHARES)];
            tgs[1].load_avg = 3000;
            let mut rq = Rq::new(p, tun, rule, &tgs).unwrap();
            let t = rq
                .add_task(1, SchedEntity::from_nice(0, tun.base_slice).unwrap())
                .unwrap();
            let r = rq
                .add_task(0, SchedEntity::from_nice(0, tun.base_slice).unwrap())
                .unwrap();
            busy_loop(&mut rq, &mut tgs, &[t, r], 1, 4_000_000);
            // One more tick with the group running.
            let mut now = 1_000_000_000 + 1_000_000;
            while rq.curr() != Some(t) {
                now += 4_000_000;
                rq.task_tick(now, &mut tgs).unwrap();
                rq.pick_next_task(now, &mut tgs).unwrap();
            }
            now += 4_000_000;
            rq.task_tick(now, &mut tgs).unwrap();
            let expected = calc_group_shares_with(
                &p,
                rule,
                tgs[1].shares,
                tgs[1].load_avg,
                rq.tg_load_avg_contrib(1).unwrap(),
                rq.cfs_rq(1).unwrap().load_weight(),
                rq.cfs_rq_avg(1).unwrap().load_avg,
            )
            .unwrap();
            let w = rq.group_entity(1).unwrap().unwrap().load.weight();
            assert_eq!(w, expected, "{} {rule:?}", p.name());
            assert!(
                w < DEFAULT_SHARES,
                "{}: other CPUs' load shrinks it",
                p.name()
            );
            // The group's contribution has been published into tg.load_avg.
            assert!(tgs[1].load_avg > 3000, "{}", p.name());
        }
    }
}

#[test]
fn a_sleeping_task_migrated_away_leaves_removed_load_behind() {
    let p = Profile::LINUX_7_1;
    let tun = Tunables::defaults(&p, 2, 1000);
    let mut tgs = [TaskGroup::ROOT];
    let mut a = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    let mut b = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    let t = a
        .add_task(0, SchedEntity::from_nice(0, tun.base_slice).unwrap())
        .unwrap();
    busy_loop(&mut a, &mut tgs, &[t], 1, 1_000_000);
    let now = 1_001_000_000;
    assert_eq!(
        a.dequeue_task(t, now, DequeueFlags::SLEEP, &mut tgs),
        Ok(Dequeued::Removed)
    );
    a.pick_next_task(now, &mut tgs).unwrap();
    let before = a.cpu_load();
    assert!(before > 900, "{before}"); // blocked load stays while it sleeps here
    let m = a.detach_task(t, now, &mut tgs).unwrap();
    assert_eq!(m.avg.last_update_time, 0);
    a.update_blocked_averages(now + 2_000_000, &mut tgs)
        .unwrap();
    assert!(a.cpu_load() < 50, "{}", a.cpu_load());
    let t2 = b.attach_task(0, m).unwrap();
    b.enqueue_task(t2, now + 2_000_000, EnqueueFlags::WAKEUP, &mut tgs)
        .unwrap();
    assert!(b.cpu_load() > 900, "{}", b.cpu_load());
    assert_eq!(a.entity(t), Err(Error::NoSuchEntity));
    a.validate().unwrap();
    b.validate().unwrap();
}

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

#[test]
fn delayed_group_entities_happen_and_keep_the_hierarchy_consistent() {
    // root ← g1 ← g2, root ← g3; tasks everywhere; random sleeps, wakeups,
    // picks and ticks, plus operations on stale or foreign handles.
    let p = Profile::LINUX_7_1;
    let tun = Tunables::defaults(&p, 4, 1000);
    let mut tgs = [
        TaskGroup::ROOT,
        TaskGroup::new(0, DEFAULT_SHARES),
        TaskGroup::new(1, DEFAULT_SHARES),
        TaskGroup::new(0, 2 * DEFAULT_SHARES),
    ];
    let mut rq = Rq::new(p, tun, SharesLoad::default(), &tgs).unwrap();
    let mut rng = Rng(42);
    let tasks: Vec<TaskRef> = (0..8)
        .map(|i| {
            rq.add_task(i % 4, SchedEntity::from_nice(0, tun.base_slice).unwrap())
                .unwrap()
        })
        .collect();
    let mut now = 1_000_000;
    let mut delayed_groups = 0;
    for _ in 0..20_000 {
        now += rng.below(800_000);
        let t = tasks[rng.below(8) as usize];
        let se = *rq.entity(t).unwrap();
        match rng.below(5) {
            0 | 1 => {
                if !se.on_rq || se.sched_delayed {
                    rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs)
                        .unwrap();
                    if rq
                        .wakeup_preempt(t, now, WakeFlags::default(), &mut tgs)
                        .unwrap()
                        .is_requested()
                    {
                        rq.pick_next_task(now, &mut tgs).unwrap();
                    }
                } else {
                    assert_eq!(
                        rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs),
                        Err(Error::InvalidState)
                    );
                }
            }
            2 => {
                if rq.curr() == Some(t) && se.on_rq {
                    rq.dequeue_task(t, now, DequeueFlags::SLEEP, &mut tgs)
                        .unwrap();
                    rq.pick_next_task(now, &mut tgs).unwrap();
                }
            }
            3 => {
                if rq.task_tick(now, &mut tgs).unwrap().is_requested() {
                    rq.pick_next_task(now, &mut tgs).unwrap();
                }
            }
            _ => {
                // A group entity is not a task; group 9 does not exist.
                let bogus = TaskRef {
                    group: 9,
                    entity: t.entity,
                };
                assert!(rq
                    .enqueue_task(bogus, now, EnqueueFlags::WAKEUP, &mut tgs)
                    .is_err());
                assert!(rq.detach_task(bogus, now, &mut tgs).is_err());
            }
        }
        for g in 1..4 {
            if rq.group_entity(g).unwrap().unwrap().sched_delayed {
                delayed_groups += 1;
            }
        }
        rq.validate().unwrap();
    }
    assert!(delayed_groups > 0);
}

#[test]
fn no_task_level_operation_panics_on_any_handle_or_clock() {
    // Arbitrary handles (any group, any entity bits), arbitrary clocks (also
    // going backwards) and operations in any order: results or errors only.
    fn prop(ops: Vec<(u8, u8, u64, u64)>) -> bool {
        let p = Profile::LINUX_7_1;
        let tun = Tunables::defaults(&p, 2, 1000);
        let mut tgs = [
            TaskGroup::ROOT,
            TaskGroup::new(0, DEFAULT_SHARES),
            TaskGroup::new(1, DEFAULT_SHARES),
        ];
        let mut rq = Rq::new(p, tun, SharesLoad::LoadAvg, &tgs).unwrap();
        let mut known = Vec::new();
        for (op, g, bits, now) in ops {
            let t = match known.get(bits as usize % (known.len() + 1)) {
                Some(&t) if bits & 1 == 0 => t,
                _ => TaskRef {
                    group: g as u32 % 5,
                    entity: eevdf::runqueue::EntityId::from_bits(bits),
                },
            };
            match op % 9 {
                0 => {
                    if let Ok(t) = rq.add_task(g as u32 % 4, SchedEntity::from_nice(0, 0).unwrap())
                    {
                        known.push(t);
                    }
                }
                1 => drop(rq.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs)),
                2 => drop(rq.dequeue_task(t, now, DequeueFlags::SLEEP, &mut tgs)),
                3 => drop(rq.pick_next_task(now, &mut tgs)),
                4 => drop(rq.task_tick(now, &mut tgs)),
                5 => drop(rq.wakeup_preempt(t, now, WakeFlags::default(), &mut tgs)),
                6 => drop(rq.detach_task(t, now, &mut tgs)),
                7 => drop(rq.task_h_load(t, now / 1_000_000)),
                _ => drop(rq.update_blocked_averages(now, &mut tgs[..(g as usize % 4)])),
            }
        }
        true
    }
    qc(2_000).quickcheck(prop as fn(Vec<(u8, u8, u64, u64)>) -> bool);
}

/// Everything a caller can observe of one run queue: every entity (all
/// fields), its run time, the tree order, curr, the next buddy, V, the load
/// and the counts. (A hierarchy keeps the CPU's reschedule flag above its
/// levels: it is compared separately.)
fn flat_state<R: eevdf::profile::Rules, const N: usize>(
    rq: &eevdf::runqueue::RunQueue<R, N>,
) -> String {
    let mut s = String::new();
    for id in rq.ids() {
        s += &format!(
            "{id:?} {:?} exec {:?}\n",
            rq.entity(id),
            rq.sum_exec_runtime(id)
        );
    }
    s += &format!(
        "tree {:?} curr {:?} next {:?} V {:?} load {} queued {} runnable {} wrapped {}",
        rq.tree_ids().collect::<Vec<_>>(),
        rq.curr(),
        rq.next_buddy(),
        rq.overflowing_avg_vruntime(),
        rq.load_weight(),
        rq.nr_queued(),
        rq.nr_runnable(),
        rq.wrapped(),
    );
    s
}

/// A hierarchy of one level (every task in the root group) is the flat run
/// queue: after any sequence of wakeups (with the preemption check), sleeps,
/// ticks and picks, under every release preset, `FairRq` and `RunQueue`
/// return the same results and hold the same state — every entity field, run
/// time, tree order, curr, next buddy, V, load and reschedule flag. This pins
/// the kernel's `put_prev_entity` rule (fair.c, every release): a previous
/// task already dequeued (`on_rq == 0`) is not charged again when the CPU
/// goes idle; its `update_curr` ran at its dequeue.
#[test]
fn a_flat_hierarchy_gives_exactly_the_flat_run_queues_results() {
    fn prop(ops: Vec<(u8, u8, u32)>, pi: u8, nices: Vec<i8>) -> bool {
        let p = Profile::PRESETS[pi as usize % Profile::PRESETS.len()];
        let mut tun = Tunables::defaults(&p, 1, 1000);
        if pi & 0x80 != 0 {
            tun.features |= Features::NEXT_BUDDY;
        }
        let mut tgs = [TaskGroup::ROOT];
        let mut h = FairRq::<Profile, 1, 8>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let mut f = eevdf::runqueue::RunQueue::<Profile, 8>::new(p, tun);
        let mut ts = Vec::new();
        for k in 0..4 + nices.len() % 4 {
            let nice = nices.get(k).map_or(0, |&n| (n as i32).rem_euclid(40) - 20);
            let se = SchedEntity::from_nice(nice, tun.base_slice).unwrap();
            let t = h.add_task(0, se).unwrap();
            assert_eq!(f.add(se), Ok(t.entity));
            ts.push(t);
        }
        let mut now = 1_000_000u64;
        for (op, k, dt) in ops {
            now += dt as u64 % 4_000_000;
            let t = ts[k as usize % ts.len()];
            let id = t.entity;
            let se = *f.entity(id).unwrap();
            let (a, b) = match op % 6 {
                0 | 1 if !se.on_rq || se.sched_delayed => {
                    let flags = WakeFlags {
                        sync: op & 0x40 != 0,
                        ..WakeFlags::default()
                    };
                    (
                        format!(
                            "{:?} {:?}",
                            h.enqueue_task(t, now, EnqueueFlags::WAKEUP, &mut tgs),
                            h.wakeup_preempt(t, now, flags, &mut tgs)
                        ),
                        format!(
                            "{:?} {:?}",
                            f.enqueue(id, now, EnqueueFlags::WAKEUP),
                            f.wakeup_preempt(id, now, flags)
                        ),
                    )
                }
                2 | 3 if se.on_rq && !se.sched_delayed => {
                    let flags = if op % 6 == 2 {
                        DequeueFlags::SLEEP
                    } else {
                        DequeueFlags::MIGRATE
                    };
                    (
                        format!("{:?}", h.dequeue_task(t, now, flags, &mut tgs)),
                        format!("{:?}", f.dequeue(id, now, flags)),
                    )
                }
                // FairRq's tick returns every request since the last one.
                4 => (
                    format!("{:?}", h.task_tick(now, &mut tgs)),
                    format!("{:?}", f.tick(now).map(|r| r | f.take_resched())),
                ),
                _ => (
                    format!(
                        "{:?}",
                        h.pick_next_task(now, &mut tgs).map(|o| o.map(|t| t.entity))
                    ),
                    format!("{:?}", f.pick_next(now)),
                ),
            };
            let hq = h.cfs_rq(0).unwrap();
            if a != b
                || flat_state(hq) != flat_state(&f)
                || h.need_resched() != f.need_resched()
                || h.curr().map(|t| t.entity) != f.curr()
            {
                return false;
            }
        }
        true
    }
    qc(1_000).quickcheck(prop as fn(Vec<(u8, u8, u32)>, u8, Vec<i8>) -> bool);
}

/// `put_prev_entity` (fair.c, every release) runs `update_curr` only for a
/// previous entity still on the run queue: a task that went to sleep was
/// charged at its dequeue, and the CPU going idle later charges it nothing
/// more. A nice-0 task runs from 1 ms, sleeps at 3 ms (2,000,000 ns charged,
/// vruntime +2,000,000) and the CPU picks nothing at 5 ms: its vruntime, run
/// time and deadline stay those of the dequeue, in the hierarchy
/// (`pick_next_task`) and in the flat run queue (`put_prev_curr`).
#[test]
fn a_task_that_slept_is_not_charged_when_the_cpu_goes_idle() {
    for p in Profile::PRESETS {
        let tun = Tunables::defaults(&p, 1, 1000);
        let se = SchedEntity::from_nice(0, tun.base_slice).unwrap();
        let mut tgs = [TaskGroup::ROOT];
        let mut h = FairRq::<Profile, 1, 2>::new(p, tun, SharesLoad::default(), &tgs).unwrap();
        let t = h.add_task(0, se).unwrap();
        h.enqueue_task(t, 1_000_000, EnqueueFlags::WAKEUP, &mut tgs)
            .unwrap();
        assert_eq!(h.pick_next_task(1_000_000, &mut tgs), Ok(Some(t)));
        let v0 = h.entity(t).unwrap().vruntime;
        h.dequeue_task(t, 3_000_000, DequeueFlags::SLEEP, &mut tgs)
            .unwrap();
        let slept = *h.entity(t).unwrap();
        assert_eq!(slept.vruntime.wsub(v0), 2_000_000, "{}", p.name());
        assert_eq!(h.pick_next_task(5_000_000, &mut tgs), Ok(None));
        assert_eq!(*h.entity(t).unwrap(), slept, "{}", p.name());
        assert_eq!(h.sum_exec_runtime(t), Ok(2_000_000), "{}", p.name());

        let mut f = eevdf::runqueue::RunQueue::<Profile, 2>::new(p, tun);
        let id = f.add(se).unwrap();
        f.enqueue(id, 1_000_000, EnqueueFlags::WAKEUP).unwrap();
        assert_eq!(f.pick_next(1_000_000), Ok(Some(id)));
        f.dequeue(id, 3_000_000, DequeueFlags::SLEEP).unwrap();
        f.put_prev_curr(5_000_000).unwrap();
        assert_eq!(*f.entity(id).unwrap(), slept, "{}", p.name());
        assert_eq!(f.sum_exec_runtime(id), Ok(2_000_000), "{}", p.name());
        assert_eq!(f.curr(), None);
    }
}
