//! The generic engine: runs a compiled [`Scenario`] (a scenario file or an
//! rt-app workload) on [`crate::sim::Sim`] and measures what its `metrics`
//! ask for.
//!
//! Each task instance runs its program one op at a time; `next` returns
//! at the first op that takes time (a run, a sleep) or blocks. Queues hold
//! items (each with the hops it has made); a `take` from an empty queue
//! blocks and is tried again when the task is next on its CPU, as a `put`
//! wakes every task that takes from that queue instance. A spinlock held
//! by another task makes `lock` spin (run) until the holder's `unlock`
//! hands it over and ends the spin ([`Sim::cut_run`]).
//!
//! Randomness: a stream per task, or one stream for the scenario
//! (`random_stream`) drawn in event order; the built-in scenarios' files
//! name the stream their Rust modules draw from, so that both give the same
//! run bit for bit.

use std::collections::VecDeque;

use crate::balance::Topology;
use crate::report::{Cell, Outcome};
use crate::rng::Rng;
use crate::sim::{Action, Config, LinuxBalance, Params, Sim, TaskSpec, WakeRule, Workload, START};
use crate::workload::*;

/// A spin is a run this long, ended early when the lock is handed over.
const SPIN: u64 = 1_000_000_000;
/// Timer tokens with this bit sample metric `token & 0xffff`; the others are
/// items arriving: queue `token >> 48`, instance `(token >> 32) & 0xffff`.
const SAMPLE: u64 = 1 << 63;
/// Timer tokens with this bit belong to a workload that wraps the engine
/// (a built-in scenario's plot); the engine ignores them.
pub const OBSERVER: u64 = 1 << 62;

struct Inst {
    pc: usize,
    loops: Vec<u64>,
    timer_at: Option<u64>,
    next: usize,
    rng: Rng,
    /// Hops of the item last taken from a hop-limited queue.
    held: Option<u64>,
}

/// Items in flight towards one queue instance (behind its `latency`) at
/// most; more are lost, and the run's notes say how many.
pub const MAX_IN_FLIGHT: u64 = 1_000_000;

#[derive(Default)]
struct Queue {
    /// Items (of a queue without hops: they are all alike).
    n: u64,
    /// Each item's hops so far (of a hop-limited queue: its items are the
    /// ones it started with, passed on).
    hopped: VecDeque<u64>,
    /// Puts so far (for `batch`).
    puts: u64,
    in_flight: u64,
    lost: u64,
}

#[derive(Default)]
struct Lock {
    holder: Option<usize>,
    /// Tasks spinning on it, longest first.
    spinners: VecDeque<usize>,
}

/// What a metric accumulates while the run goes on.
enum Acc {
    None,
    /// Time every task of each set ran at once.
    Together(Vec<u64>),
    Stacked {
        hits: u64,
        samples: u64,
    },
    Weight {
        sum: Vec<u64>,
        min: Vec<u64>,
        max: Vec<u64>,
        n: u64,
    },
}

/// The generic engine: each task runs its program.
pub struct Engine<'a> {
    sc: &'a Scenario,
    inst: Vec<Inst>,
    /// The scenario's one stream (`random_stream`), if it has one.
    shared: Option<Rng>,
    /// Draws that belong to no task (arrivals at the start), without one.
    setup: Rng,
    /// Per queue and instance.
    queues: Vec<Vec<Queue>>,
    /// The tasks that take from each queue instance.
    takers: Vec<Vec<Vec<usize>>>,
    /// Items put into each queue after the warm-up.
    puts: Vec<u64>,
    locks: Vec<Lock>,
    /// Hop-limited items not retired yet, and when the last one did.
    live: u64,
    finished_at: Option<u64>,
    running: Vec<bool>,
    spinning: Vec<bool>,
    spin_since: Vec<Option<u64>>,
    spin_ns: Vec<u64>,
    last_switch: u64,
    acc: Vec<Acc>,
}

/// Queue `q`'s instance that task `t` of `sc` takes from (its pinned CPU,
/// or its own instance of a per-task queue), if it has one.
fn taker_instance(sc: &Scenario, t: usize, q: usize) -> Option<usize> {
    match &sc.queues[q].per {
        QueuePer::One => Some(0),
        QueuePer::Cpu => sc.tasks[t]
            .allowed
            .as_ref()
            .filter(|a| a.len() == 1)
            .map(|a| a[0]),
        QueuePer::Task(ids) => ids.iter().position(|&i| i == t),
    }
}

impl<'a> Engine<'a> {
    pub fn new(sc: &'a Scenario, seed: u64) -> Engine<'a> {
        let base = Rng::new(seed).fork(0x5CE);
        let n = sc.tasks.len();
        let queues = sc
            .queues
            .iter()
            .map(|q| {
                let k = match &q.per {
                    QueuePer::One => 1,
                    QueuePer::Cpu => sc.cpus,
                    QueuePer::Task(ids) => ids.len(),
                };
                (0..k)
                    .map(|_| match q.hops {
                        Some(_) => Queue {
                            hopped: vec![0; q.items as usize].into(),
                            ..Queue::default()
                        },
                        None => Queue {
                            n: q.items as u64,
                            ..Queue::default()
                        },
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        let mut takers: Vec<Vec<Vec<usize>>> =
            queues.iter().map(|k| vec![Vec::new(); k.len()]).collect();
        for (t, td) in sc.tasks.iter().enumerate() {
            for op in &td.program {
                if let Op::Take(q) = *op {
                    if let Some(k) = taker_instance(sc, t, q) {
                        if !takers[q][k].contains(&t) {
                            takers[q][k].push(t);
                        }
                    }
                }
            }
        }
        let live = sc
            .queues
            .iter()
            .zip(&queues)
            .filter(|(d, _)| d.hops.is_some())
            .map(|(d, k)| d.items as u64 * k.len() as u64)
            .sum();
        let acc = sc
            .metrics
            .iter()
            .map(|m| match &m.kind {
                MetricKind::Together(sets) => Acc::Together(vec![0; sets.len()]),
                MetricKind::Stacked { .. } => Acc::Stacked {
                    hits: 0,
                    samples: 0,
                },
                MetricKind::GroupWeight { groups, .. } => Acc::Weight {
                    sum: vec![0; groups.len()],
                    min: vec![u64::MAX; groups.len()],
                    max: vec![0; groups.len()],
                    n: 0,
                },
                _ => Acc::None,
            })
            .collect();
        Engine {
            sc,
            inst: (0..n)
                .map(|t| Inst {
                    pc: 0,
                    loops: Vec::new(),
                    timer_at: None,
                    next: 0,
                    rng: base.fork(t as u64 + 1),
                    held: None,
                })
                .collect(),
            shared: sc.rng_stream.map(|s| Rng::new(seed).fork(s).fork(2)),
            setup: base.fork(0),
            queues,
            takers,
            puts: vec![0; sc.queues.len()],
            locks: sc.locks.iter().map(|_| Lock::default()).collect(),
            live,
            finished_at: None,
            running: vec![false; n],
            spinning: vec![false; n],
            spin_since: vec![None; n],
            spin_ns: vec![0; n],
            last_switch: 0,
            acc,
        }
    }

    /// The random stream task `t` draws from (`None`: a draw of no task).
    fn rng(&mut self, t: Option<usize>) -> &mut Rng {
        match (&mut self.shared, t) {
            (Some(r), _) => r,
            (None, Some(t)) => &mut self.inst[t].rng,
            (None, None) => &mut self.setup,
        }
    }

    /// Before the run: the items that arrive at random times, and the
    /// samplers' first timers (at the warm-up).
    pub fn start(&mut self, sim: &mut Sim) {
        let sc = self.sc;
        for (q, qd) in sc.queues.iter().enumerate() {
            if let Some((n, at)) = qd.arrive {
                for _ in 0..n {
                    let d = at.sample(self.rng(None));
                    sim.add_timer(sim.now + d, (q as u64) << 48);
                }
            }
        }
        for (i, m) in sc.metrics.iter().enumerate() {
            if matches!(
                m.kind,
                MetricKind::Stacked { .. } | MetricKind::GroupWeight { .. }
            ) {
                sim.add_timer(sim.cfg.warmup, SAMPLE | i as u64);
            }
        }
    }

    fn wake_takers(&mut self, sim: &mut Sim, q: usize, k: usize, by: Option<usize>, sync: bool) {
        for &w in &self.takers[q][k] {
            let src = match (by, &self.sc.queues[q].per) {
                (Some(b), _) => sim.tasks[b].cpu,
                // A device's completion interrupts the queue's CPU; else the
                // taker's own.
                (None, QueuePer::Cpu) => k,
                (None, _) => sim.tasks[w].cpu,
            };
            sim.wake(w, src, by, sync);
        }
    }

    /// Task `t` puts `n` items into instance `k` of queue `q`.
    fn put(&mut self, sim: &mut Sim, t: usize, q: usize, k: usize, n: u32, sync: bool) {
        let qd = &self.sc.queues[q];
        let mut queued = false;
        for _ in 0..n {
            if sim.now >= sim.cfg.warmup {
                self.puts[q] += 1;
            }
            let qi = &mut self.queues[q][k];
            qi.puts += 1;
            if qi.puts % qd.batch as u64 != 0 {
                continue;
            }
            if let Some(limit) = qd.hops {
                // Passes on the item the task took; with none, nothing.
                let Some(h) = self.inst[t].held.take() else {
                    continue;
                };
                if h + 1 >= limit {
                    self.live -= 1;
                    if self.live == 0 {
                        self.finished_at = Some(sim.now);
                    }
                } else {
                    self.queues[q][k].hopped.push_back(h + 1);
                    queued = true;
                }
                continue;
            }
            if let Some(lat) = qd.latency {
                let d = lat.sample(self.rng(Some(t)));
                let qi = &mut self.queues[q][k];
                if qi.in_flight >= MAX_IN_FLIGHT {
                    qi.lost += 1;
                    continue;
                }
                qi.in_flight += 1;
                sim.add_timer(sim.now + d, (q as u64) << 48 | (k as u64) << 32);
                continue;
            }
            self.queues[q][k].n += 1;
            queued = true;
        }
        if queued {
            self.wake_takers(sim, q, k, Some(t), sync);
        }
    }

    /// The instance of queue `q` task `t` puts to.
    fn put_instance(&self, sim: &Sim, t: usize, q: usize, to_next: bool) -> usize {
        match &self.sc.queues[q].per {
            QueuePer::One => 0,
            QueuePer::Cpu => sim.tasks[t].cpu,
            QueuePer::Task(ids) => {
                let own = ids.iter().position(|&i| i == t).unwrap_or(0);
                if to_next {
                    (own + 1) % ids.len()
                } else {
                    own
                }
            }
        }
    }

    /// Spinning time is counted while the spinner is on its CPU.
    fn spin_mark(&mut self, sim: &Sim, t: usize) {
        let on = self.running[t] && self.spinning[t];
        match (on, self.spin_since[t]) {
            (true, None) => self.spin_since[t] = Some(sim.now),
            (false, Some(s)) => {
                self.spin_ns[t] += sim.now.saturating_sub(s.max(sim.cfg.warmup));
                self.spin_since[t] = None;
            }
            _ => {}
        }
    }

    /// Adds the time since the last switch to each set all of whose tasks
    /// ran through it.
    pub fn close_stretch(&mut self, sim: &Sim) {
        let now = sim.now;
        let from = self.last_switch.max(sim.cfg.warmup);
        if now > from {
            for (m, acc) in self.sc.metrics.iter().zip(self.acc.iter_mut()) {
                if let (MetricKind::Together(sets), Acc::Together(time)) = (&m.kind, acc) {
                    for (set, time) in sets.iter().zip(time.iter_mut()) {
                        if set.iter().all(|&t| self.running[t]) {
                            *time += now - from;
                        }
                    }
                }
            }
        }
        self.last_switch = now;
    }

    /// When the last hop-limited item retired, if all have.
    pub fn finished_at(&self) -> Option<u64> {
        self.finished_at
    }

    /// The time (ns after the warm-up) the sets of `together` metrics ran
    /// together so far, summed over their sets.
    pub fn together_time(&self) -> u64 {
        self.acc
            .iter()
            .map(|a| match a {
                Acc::Together(time) => time.iter().sum(),
                _ => 0,
            })
            .sum()
    }

    fn sample(&mut self, sim: &mut Sim, i: usize) {
        let sc = self.sc;
        match (&sc.metrics[i].kind, &mut self.acc[i]) {
            (MetricKind::Stacked { sets, period }, Acc::Stacked { hits, samples }) => {
                *samples += 1;
                for set in sets {
                    let c = sim.tasks[set[0]].cpu;
                    if set.iter().all(|&t| sim.tasks[t].cpu == c) {
                        *hits += 1;
                    }
                }
                sim.add_timer(sim.now + period, SAMPLE | i as u64);
            }
            (
                MetricKind::GroupWeight {
                    groups,
                    cpus,
                    period,
                    ..
                },
                Acc::Weight { sum, min, max, n },
            ) => {
                for &c in cpus {
                    for (j, &g) in groups.iter().enumerate() {
                        if let Ok(Some(ge)) = sim.cpus[c].rq.group_entity(g) {
                            let w = ge.load.weight() >> 10;
                            sum[j] += w;
                            min[j] = min[j].min(w);
                            max[j] = max[j].max(w);
                        }
                    }
                    *n += 1;
                }
                sim.add_timer(sim.now + period, SAMPLE | i as u64);
            }
            _ => {}
        }
    }
}

impl Workload for Engine<'_> {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        let sc = self.sc;
        let prog = &sc.tasks[t].program;
        // Bounded: compile() puts a run in every forever loop.
        for _ in 0..100_000 {
            let Some(op) = prog.get(self.inst[t].pc) else {
                // The program ended: the task sleeps for good.
                return Action::Block;
            };
            self.inst[t].pc += 1;
            match op {
                Op::Run(Dist::Fixed(0)) => {}
                Op::Run(d) => {
                    // At least 1 ns: a loop of wakes that takes no time at
                    // all would never let the clock move.
                    return Action::Run(d.sample(self.rng(Some(t))).max(1));
                }
                Op::Sleep(d) => return Action::Sleep(d.sample(self.rng(Some(t)))),
                Op::Block => return Action::Block,
                Op::Timer(period) => {
                    let i = &mut self.inst[t];
                    let next = i.timer_at.unwrap_or(sim.now) + period;
                    if next > sim.now {
                        i.timer_at = Some(next);
                        return Action::Sleep(next - sim.now);
                    }
                    // Late: the next period starts now.
                    i.timer_at = Some(sim.now);
                }
                Op::Wake {
                    targets,
                    pick,
                    sync,
                } => {
                    let cpu = sim.tasks[t].cpu;
                    match pick {
                        _ if targets.is_empty() => {}
                        Pick::All => {
                            for &w in targets {
                                sim.wake(w, cpu, Some(t), *sync);
                            }
                        }
                        Pick::Random => {
                            // compile() leaves someone besides the waker.
                            let w = loop {
                                let n = targets.len() as u64;
                                let w = targets[self.rng(Some(t)).below(n) as usize];
                                if w != t {
                                    break w;
                                }
                            };
                            sim.wake(w, cpu, Some(t), *sync);
                        }
                        Pick::Next => {
                            let i = &mut self.inst[t];
                            let w = targets[i.next % targets.len()];
                            i.next += 1;
                            sim.wake(w, cpu, Some(t), *sync);
                        }
                    }
                }
                Op::Take(q) => {
                    let k = taker_instance(sc, t, *q).unwrap_or(0);
                    let qi = &mut self.queues[*q][k];
                    if sc.queues[*q].hops.is_some() {
                        match qi.hopped.pop_front() {
                            Some(h) => self.inst[t].held = Some(h),
                            None => {
                                self.inst[t].pc -= 1;
                                return Action::Block;
                            }
                        }
                    } else if qi.n > 0 {
                        qi.n -= 1;
                    } else {
                        self.inst[t].pc -= 1;
                        return Action::Block;
                    }
                }
                Op::Put {
                    queue,
                    to_next,
                    items,
                    sync,
                } => {
                    let k = self.put_instance(sim, t, *queue, *to_next);
                    self.put(sim, t, *queue, k, *items, *sync);
                }
                Op::Move { from, to } => {
                    let kf = self.put_instance(sim, t, *from, false);
                    let kt = self.put_instance(sim, t, *to, false);
                    // compile() allows moves between queues without hops.
                    let moved = std::mem::take(&mut self.queues[*from][kf].n);
                    if moved > 0 {
                        self.queues[*to][kt].n += moved;
                        self.wake_takers(sim, *to, kt, Some(t), false);
                    }
                }
                Op::Lock(l) => match self.locks[*l].holder {
                    None => self.locks[*l].holder = Some(t),
                    // Handed over while spinning.
                    Some(h) if h == t => self.spin_mark(sim, t),
                    Some(_) => {
                        if !self.spinning[t] {
                            self.spinning[t] = true;
                            self.locks[*l].spinners.push_back(t);
                            self.spin_mark(sim, t);
                        }
                        self.inst[t].pc -= 1;
                        return Action::Run(SPIN);
                    }
                },
                Op::Unlock(l) => {
                    let lock = &mut self.locks[*l];
                    if lock.holder == Some(t) {
                        lock.holder = lock.spinners.pop_front();
                        if let Some(w) = lock.holder {
                            self.spinning[w] = false;
                            sim.cut_run(w);
                        }
                    }
                }
                Op::LoopStart(n) => self.inst[t].loops.push(n.unwrap_or(u64::MAX)),
                Op::LoopEnd(start) => {
                    let i = &mut self.inst[t];
                    match i.loops.last_mut() {
                        Some(c) if *c == u64::MAX => i.pc = start + 1,
                        Some(c) if *c > 1 => {
                            *c -= 1;
                            i.pc = start + 1;
                        }
                        _ => {
                            i.loops.pop();
                        }
                    }
                }
            }
        }
        Action::Block
    }

    fn timer(&mut self, sim: &mut Sim, token: u64) {
        if token & OBSERVER != 0 {
            return;
        }
        if token & SAMPLE != 0 {
            self.sample(sim, (token & 0xffff) as usize);
            return;
        }
        // An item arrives (a device's completion, a client's request).
        let q = (token >> 48) as usize;
        let k = ((token >> 32) & 0xffff) as usize;
        let qi = &mut self.queues[q][k];
        qi.in_flight = qi.in_flight.saturating_sub(1);
        qi.n += 1;
        self.wake_takers(sim, q, k, None, false);
    }

    fn switched(&mut self, sim: &Sim, _cpu: usize, prev: Option<usize>, next: Option<usize>) {
        self.close_stretch(sim);
        if let Some(p) = prev {
            self.running[p] = false;
            self.spin_mark(sim, p);
        }
        if let Some(n) = next {
            self.running[n] = true;
            self.spin_mark(sim, n);
        }
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// The engine configuration of one variant.
pub fn config(sc: &Scenario, v: &VariantDef, params: &Params) -> Config {
    let mut cfg = Config::new(v.profile, sc.cpus, sc.hz, params);
    cfg.features = v.profile.default_features();
    if let Some(s) = v.base_slice {
        cfg.base_slice = s;
    }
    cfg.shares = v.shares;
    cfg.groups = sc.groups.iter().map(|g| g.1).collect();
    cfg.newidle_pull = sc.newidle_pull;
    cfg.idle_is_preempted = v.idle_is_preempted.unwrap_or(sc.idle_is_preempted);
    cfg.resume_latency = sc.resume_latency;
    cfg.linux_balance = sc.linux_balance.map(|nohz| LinuxBalance { nohz });
    let llcs = v.llcs.unwrap_or(sc.llcs);
    if llcs > 1 {
        let per = sc.cpus / llcs;
        cfg.topology = Some(Topology {
            llc: (0..sc.cpus).map(|c| (c / per) as u32).collect(),
        });
    }
    if let WakeRuleDef::V2_6_33 { affine_wakeups } = v.wake_rule {
        cfg.wake_rule = WakeRule::V2_6_33 { affine_wakeups };
    }
    // A run shorter than the file's warm-up (`--secs` overrides `secs`,
    // not `warmup_secs`) measures nothing rather than a negative span.
    if let Some(w) = sc.warmup_secs {
        cfg.warmup = (START + (w * 1e9) as u64).min(cfg.end);
    }
    // The variant's own feature words, then the command line's.
    let mut extra = v.features.clone();
    extra.extend(cfg.extra_features.iter().cloned());
    cfg.extra_features = extra;
    cfg
}

/// Runs one variant of a scenario.
pub fn run_variant(sc: &Scenario, v: &VariantDef, params: &Params) -> Outcome {
    let mut sim = machine(sc, v, params, |_| {});
    let mut w = Engine::new(sc, params.seed);
    w.start(&mut sim);
    sim.run(&mut w);
    w.outcome(&sim, v)
}

/// The simulated machine of one variant with the scenario's tasks, its
/// configuration adjusted by `tune` first (a sensitivity check).
pub fn machine(
    sc: &Scenario,
    v: &VariantDef,
    params: &Params,
    tune: impl FnOnce(&mut Config),
) -> Sim {
    let mut cfg = config(sc, v, params);
    tune(&mut cfg);
    let mut sim = Sim::new(cfg);
    for (t, td) in sc.tasks.iter().enumerate() {
        let mut spec = TaskSpec::new(&td.name, td.group, td.cpu);
        spec.nice = td.nice;
        spec.weight = td.weight;
        spec.slice = td.slice;
        spec.allowed = if v.pinned.contains(&t) {
            Some(vec![td.cpu])
        } else {
            td.allowed.clone()
        };
        spec.kthread = td.kthread && v.kthreads;
        spec.keep_waits = sc.metrics.iter().any(|m| {
            matches!(m.kind, MetricKind::WaitP99Us | MetricKind::WaitsOver(_)) && m.of.contains(&t)
        });
        sim.add_task(spec);
    }
    sim
}

impl Engine<'_> {
    /// The variant's result once `sim` has run with this engine.
    pub fn outcome(&mut self, sim: &Sim, v: &VariantDef) -> Outcome {
        let sc = self.sc;
        self.close_stretch(sim);
        for t in 0..sc.tasks.len() {
            self.running[t] = false;
            self.spin_mark(sim, t);
        }
        outcome(sim, self, sc, v)
    }
}

fn outcome(sim: &Sim, w: &Engine, sc: &Scenario, v: &VariantDef) -> Outcome {
    let mut metrics = Vec::new();
    let mut extra = Vec::new();
    let mut notes: Vec<(&'static str, String)> =
        v.notes.iter().map(|(k, n)| (leak(k), n.clone())).collect();
    for (qd, inst) in sc.queues.iter().zip(&w.queues) {
        let lost: u64 = inst.iter().map(|q| q.lost).sum();
        if lost > 0 {
            notes.push((
                "queues",
                format!(
                    "{}: {lost} items lost (more than {MAX_IN_FLIGHT} in flight)",
                    qd.name
                ),
            ));
        }
    }
    for (m, acc) in sc.metrics.iter().zip(&w.acc) {
        let name = leak(&m.name);
        let cell = measure(sim, w, sc, m, acc, &mut notes);
        // The leading plain numbers are the scenario's metrics; the rest
        // are table columns (the JSON line keeps the file's order).
        match cell {
            Measured::Num(v) if extra.is_empty() && m.decimals.is_none() => metrics.push((name, v)),
            Measured::Num(v) => {
                let d = m.decimals.unwrap_or(
                    if name.ends_with("_us") || name.ends_with("_ms") || name.ends_with("_per_s") {
                        1
                    } else {
                        3
                    },
                );
                extra.push((name, Cell::num(v, d)));
            }
            Measured::Cell(c) => extra.push((name, c)),
        }
    }
    Outcome {
        variant: leak(&v.name),
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics,
        extra,
        notes,
        series: Vec::new(),
        counts: sim.counts,
    }
}

enum Measured {
    Num(f64),
    Cell(Cell),
}

/// The migrations of a task that `by` counts.
fn migrations(t: &crate::sim::Task, by: u8) -> u64 {
    let mut n = 0;
    if by & MIGR_WAKEUP != 0 {
        n += t.migrations_wake;
    }
    if by & MIGR_NEWIDLE != 0 {
        n += t.migrations_pull;
    }
    if by & MIGR_BALANCE != 0 {
        n += t.migrations_lb;
    }
    if by & MIGR_ACTIVE != 0 {
        n += t.migrations_active;
    }
    n
}

/// One metric's value at the end of the run.
fn measure(
    sim: &Sim,
    w: &Engine,
    sc: &Scenario,
    m: &MetricDef,
    acc: &Acc,
    notes: &mut Vec<(&'static str, String)>,
) -> Measured {
    let measured = sim.measured().max(1) as f64;
    let secs = measured / 1e9;
    let ts = || m.of.iter().map(|&t| &sim.tasks[t]);
    let runtime = || ts().map(|t| t.runtime).sum::<u64>();
    let waits = || {
        let mut v: Vec<u64> = ts()
            .flat_map(|t| t.wake_wait.samples.iter().copied())
            .collect();
        v.sort_unstable();
        v
    };
    let end = w.finished_at.unwrap_or(sim.cfg.end);
    use Measured::{Cell as C, Num};
    match &m.kind {
        MetricKind::CpuShare => {
            let total: u64 = sim.tasks.iter().map(|t| t.runtime).sum();
            Num(runtime() as f64 / total.max(1) as f64)
        }
        MetricKind::CpusUsed { over_makespan } => {
            if *over_makespan {
                Num(runtime() as f64 / (end - START) as f64)
            } else {
                Num(runtime() as f64 / measured)
            }
        }
        MetricKind::WaitMeanUs => {
            let (n, s) = ts().fold((0, 0), |a, t| (a.0 + t.wake_wait.n, a.1 + t.wake_wait.sum));
            Num(if n == 0 {
                0.0
            } else {
                s as f64 / n as f64 / 1000.0
            })
        }
        MetricKind::WaitMaxUs => {
            Num(ts().map(|t| t.wake_wait.max).max().unwrap_or(0) as f64 / 1000.0)
        }
        MetricKind::WaitP99Us => {
            let v = waits();
            let at = (v.len() as f64 * 0.99) as usize;
            Num(v.get(at).copied().unwrap_or(0) as f64 / 1000.0)
        }
        MetricKind::WaitsOver(than) => {
            let than = if *than == 0 {
                sim.cfg.tick_nsec()
            } else {
                *than
            };
            C(Cell::int(
                waits().iter().filter(|&&x| x > than).count() as u64
            ))
        }
        MetricKind::Wakeups { per_s } => {
            let n: u64 = ts().map(|t| t.wakeups).sum();
            if *per_s {
                Num(n as f64 / secs)
            } else {
                C(Cell::int(n))
            }
        }
        MetricKind::WokenInPlace => {
            let n: u64 = ts().map(|t| t.wakeups).sum();
            let p: u64 = ts().map(|t| t.wakeups_in_place).sum();
            Num(p as f64 / n.max(1) as f64)
        }
        MetricKind::Migrations { by, per } => {
            let n: u64 = ts().map(|t| migrations(t, *by)).sum();
            match per {
                Per::Run => C(Cell::int(n)),
                Per::Second => Num(n as f64 / secs),
                Per::Puts(qs) => {
                    let p: u64 = qs.iter().map(|&q| w.puts[q]).sum();
                    Num(n as f64 / p as f64)
                }
            }
        }
        MetricKind::TasksPerCpu => {
            let mut per = vec![0; sc.cpus];
            for t in ts() {
                per[t.cpu] += 1;
            }
            C(Cell::list(&per))
        }
        MetricKind::SpinShare => {
            let spin: u64 = m.of.iter().map(|&t| w.spin_ns[t]).sum();
            Num(spin as f64 / (runtime().max(1)) as f64)
        }
        MetricKind::Together(sets) => {
            let Acc::Together(time) = acc else {
                return Num(f64::NAN);
            };
            let sum: u64 = time.iter().sum();
            Num(sum as f64 / (sets.len() as f64 * measured))
        }
        MetricKind::Stacked { sets, .. } => {
            let Acc::Stacked { hits, samples } = acc else {
                return Num(f64::NAN);
            };
            Num(*hits as f64 / (sets.len() as u64 * (*samples).max(1)) as f64)
        }
        MetricKind::CpuBusy => {
            let busy: u64 = sim.cpus.iter().map(|c| c.busy).sum();
            Num(busy as f64 / (sc.cpus as f64 * measured))
        }
        MetricKind::SwitchesPerS => {
            let secs = (sim.cfg.end - START) as f64 / 1e9;
            Num(sim.counts.switches as f64 / secs)
        }
        MetricKind::IdleCpuUsed => {
            let p = sim.placement;
            Num(p.onto_idle_cpu as f64 / p.with_idle_cpu.max(1) as f64)
        }
        MetricKind::WakeupsWithIdleCpu => C(Cell::int(sim.placement.with_idle_cpu)),
        MetricKind::WakeAffine => C(Cell::list(&[
            sim.placement.wake_affine_this,
            sim.placement.wake_affine_runs,
        ])),
        MetricKind::Puts {
            queues,
            per_s,
            kilo,
        } => {
            let n: u64 = queues.iter().map(|&q| w.puts[q]).sum();
            if !*per_s {
                return C(Cell::int(n));
            }
            let v = n as f64 / queues.len() as f64 / secs;
            Num(if *kilo { v / 1000.0 } else { v })
        }
        MetricKind::GroupWeight { list, stat, .. } => {
            let Acc::Weight { sum, min, max, n } = acc else {
                return Num(f64::NAN);
            };
            let means = || sum.iter().map(|&s| s as f64 / (*n).max(1) as f64);
            match (stat, list) {
                (SampleStat::Mean, false) => Num(means().next().unwrap_or(0.0)),
                (SampleStat::Mean, true) => {
                    let v: Vec<u64> = means().map(|x| x.round() as u64).collect();
                    C(Cell::list(&v))
                }
                (s, list) => {
                    let v: Vec<u64> = if *s == SampleStat::Min {
                        min.iter()
                            .map(|&x| if x == u64::MAX { 0 } else { x })
                            .collect()
                    } else {
                        max.clone()
                    };
                    if *list {
                        C(Cell::list(&v))
                    } else {
                        C(Cell::int(v.first().copied().unwrap_or(0)))
                    }
                }
            }
        }
        MetricKind::MakespanMs => {
            if w.finished_at.is_none() {
                notes.push((
                    leak(&m.name),
                    "the job did not finish: this is the run's length, a lower bound".into(),
                ));
            }
            Num((end - START) as f64 / 1e6)
        }
        MetricKind::Finished => C(Cell::flag(w.finished_at.is_some())),
    }
}
