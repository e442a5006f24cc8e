//! A small run queue scheduled under two Linux releases, side by side.
//!
//! Four tasks share one CPU for 300 ms at HZ = 1000:
//!
//! * `web` and `db`: always runnable, nice 0;
//! * `batch`: always runnable, nice 5 (weight 335 against 1024);
//! * `ping`: runs 0.5 ms, then sleeps 2.5 ms, again and again (nice 0).
//!
//! The same workload runs under `Profile::LINUX_6_6` and `Profile::LINUX_7_1`
//! (each with its release's default features); the program prints the first
//! 40 ms as a timeline and then, per task, its CPU time, its share of the CPU and
//! the longest time it waited while runnable.
//!
//! The loop is a scheduler's: tasks are forked with `wake_up_new`, woken with
//! `enqueue` + `wakeup_preempt`, charged at every tick, and the CPU switches
//! (`pick_next`) when the running task sleeps or when a reschedule is pending
//! (`need_resched`, the kernel's TIF_NEED_RESCHED, set by the tick or by a
//! preempting wakeup and cleared by the switch).
//!
//! ```text
//! cargo run --release --example demo
//! ```

use eevdf::entity::{SchedEntity, Tunables};
use eevdf::runqueue::{DequeueFlags, EnqueueFlags, EntityId, RunQueue, WakeFlags};
use eevdf::Profile;

const HZ: u32 = 1000;
const TICK: u64 = 1_000_000;
const STEP: u64 = 250_000; // the simulation's resolution: 0.25 ms
const END: u64 = 300_000_000;
const TIMELINE: u64 = 40_000_000;

struct Task {
    name: &'static str,
    nice: i32,
    /// (run ns, sleep ns) for a task that sleeps, None for a CPU hog.
    pattern: Option<(u64, u64)>,
    id: EntityId,
    ran_since_wake: u64,
    wake_at: Option<u64>,
    runnable_since: Option<u64>,
    max_wait: u64,
}

struct Outcome {
    timeline: String,
    rows: Vec<(String, i32, u64, u64)>,
    total: u64,
    wrapped: bool,
}

fn simulate(profile: Profile) -> Outcome {
    let tunables = Tunables::defaults(&profile, 1, HZ);
    let mut rq = RunQueue::<_, 8>::new(profile, tunables);
    let spec = [
        ("web", 0, None),
        ("db", 0, None),
        ("batch", 5, None),
        ("ping", 0, Some((500_000, 2_500_000))),
    ];
    let mut tasks: Vec<Task> = spec
        .iter()
        .map(|&(name, nice, pattern)| Task {
            name,
            nice,
            pattern,
            id: rq
                .add(SchedEntity::from_nice(nice, tunables.base_slice).unwrap())
                .unwrap(),
            ran_since_wake: 0,
            wake_at: None,
            runnable_since: Some(0),
            max_wait: 0,
        })
        .collect();
    // Fork every task (each release's wake_up_new_task flags).
    for t in &tasks {
        rq.wake_up_new(t.id, 0).unwrap();
    }
    let mut running = rq.pick_next(0).unwrap();
    let mut timeline = String::new();
    let mut now = 0;
    while now < END {
        let before = now;
        now += STEP;
        // Charge the running task and let sleepers sleep when their burst is done.
        let mut slept = false;
        if let Some(cur) = running {
            let t = tasks.iter_mut().find(|t| t.id == cur).unwrap();
            t.ran_since_wake += now - before;
            if let Some((run, sleep)) = t.pattern {
                if t.ran_since_wake >= run {
                    rq.dequeue(cur, now, DequeueFlags::SLEEP).unwrap();
                    t.wake_at = Some(now + sleep);
                    t.runnable_since = None;
                    slept = true;
                }
            }
        }
        // Wake sleepers whose time has come; a wakee may preempt.
        for t in tasks.iter_mut() {
            if t.wake_at.is_some_and(|w| w <= now) {
                t.wake_at = None;
                t.ran_since_wake = 0;
                t.runnable_since = Some(now);
                rq.enqueue(t.id, now, EnqueueFlags::WAKEUP).unwrap();
                // A preempting wakee sets need_resched; while a reschedule is
                // pending the check returns early, as the kernel's does.
                rq.wakeup_preempt(t.id, now, WakeFlags::default()).unwrap();
            }
        }
        if now % TICK == 0 {
            rq.tick(now).unwrap();
        }
        // schedule(): the running task slept, or a reschedule is pending.
        if slept || rq.need_resched() {
            let next = rq.pick_next(now).unwrap();
            if next != running {
                for t in tasks.iter_mut() {
                    if Some(t.id) == running && t.runnable_since.is_none() && t.wake_at.is_none() {
                        t.runnable_since = Some(now); // preempted: waiting again
                    }
                    if Some(t.id) == next {
                        if let Some(since) = t.runnable_since.take() {
                            t.max_wait = t.max_wait.max(now - since);
                        }
                    }
                }
                running = next;
            }
        }
        if now <= TIMELINE && now % 500_000 == 0 {
            let c = running
                .and_then(|r| tasks.iter().find(|t| t.id == r))
                .map_or('.', |t| t.name.chars().next().unwrap().to_ascii_uppercase());
            timeline.push(c);
        }
    }
    rq.update_curr(now).unwrap();
    let rows: Vec<_> = tasks
        .iter()
        .map(|t| {
            (
                t.name.to_string(),
                t.nice,
                rq.sum_exec_runtime(t.id).unwrap(),
                t.max_wait,
            )
        })
        .collect();
    let total = rows.iter().map(|r| r.2).sum();
    Outcome {
        timeline,
        rows,
        total,
        wrapped: rq.wrapped(),
    }
}

fn main() {
    println!(
        "eevdf demo: one CPU, HZ={HZ}, {} ms; W=web D=db B=batch P=ping (one column = 0.5 ms)",
        END / 1_000_000
    );
    println!("web, db: nice 0 hogs; batch: nice 5 hog; ping: runs 0.5 ms, sleeps 2.5 ms\n");
    for profile in [Profile::LINUX_6_6, Profile::LINUX_7_1] {
        let out = simulate(profile);
        let base = profile.base_slice(1);
        println!("== {} (base slice {} µs) ==", profile.name(), base / 1000);
        println!("first {} ms: {}", TIMELINE / 1_000_000, out.timeline);
        println!(
            "{:<6} {:>5} {:>10} {:>8} {:>13}",
            "task", "nice", "cpu ms", "share", "max wait ms"
        );
        for (name, nice, ran, wait) in &out.rows {
            println!(
                "{:<6} {:>5} {:>10.1} {:>7.1}% {:>13.2}",
                name,
                nice,
                *ran as f64 / 1e6,
                100.0 * *ran as f64 / out.total as f64,
                *wait as f64 / 1e6
            );
        }
        println!(
            "arithmetic wrapped: {}\n",
            if out.wrapped { "yes" } else { "no" }
        );
    }

    // One number where the releases' arithmetic differs: 4 ms of a nice-9 task.
    let se = SchedEntity::from_nice(9, 0).unwrap();
    let legacy = eevdf::weight::calc_delta_fair(&Profile::LINUX_6_6, 4_000_000, &se.load).unwrap();
    let exact = eevdf::weight::calc_delta_fair(&Profile::LINUX_7_1, 4_000_000, &se.load).unwrap();
    println!("calc_delta_fair(4 ms, nice 9): 6.6 multiply-shift {legacy} ns, 7.1 quotient {exact} ns (__calc_delta(), v6.6.0 vs v7.1.5)");
}
