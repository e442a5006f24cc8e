//! Lockstep replay: a recorded trace drives the library's run queues, one
//! per CPU, and at every recorded `sched_switch` the library's pick is
//! compared with the kernel's.
//!
//! What each event does to the replayed queues (the calls the lab's engine
//! makes for the same event):
//!
//! * `sched_wakeup` / `sched_wakeup_new`: the task is enqueued on
//!   `target_cpu` (`EnqueueFlags::WAKEUP`, or the release's new-task flags),
//!   then `wakeup_preempt`, with WF_SYNC only where the lab's `wake_sync`
//!   marker says so (the kernel's events do not show it);
//!   a task already queued and not delayed is left alone;
//! * `sched_migrate_task`: detach from its CPU, attach on `dest_cpu`,
//!   re-enqueued (`RESTORE`) if it was queued;
//! * the tick (`hrtimer_expire_entry` of `tick_sched_timer` or
//!   `tick_nohz_handler`): `task_tick`, after `update_blocked_averages`
//!   when nothing runs;
//! * `sched_switch`: a `prev_state` other than `R`/`R+` dequeues the
//!   previous task (a sleep); then `pick_next_task`, compared with
//!   `next_pid` (idle: pid 0). A switch to a task outside the fair class
//!   (prio < 100: RT, or the stop-class `migration/N` of active balance) is
//!   not compared; the running fair task stops running and stays queued
//!   (`put_prev_task`).
//!
//! The library never takes the kernel's choice by force (it has no call to
//! run a task of the caller's choosing): after a divergence a CPU goes on
//! with the library's own current task, so later switches on it compare a
//! state that has drifted. The report counts agreement before the first
//! divergence separately.

use std::collections::HashMap;
use std::fmt::Write as _;

use eevdf::cfs::{absolute_vruntime, relative_vruntime};
use eevdf::entity::{SchedEntity, Tunables};
use eevdf::fair::TaskRef;
use eevdf::group::{SharesLoad, TaskGroup};
use eevdf::profile::VruntimeNorm;
use eevdf::runqueue::{DequeueFlags, EnqueueFlags, WakeFlags};
use eevdf::{Features, Profile};

use super::parse::{Event, Line, Trace};
use crate::sim::Rq;

/// What a replay runs with.
#[derive(Clone, Debug)]
pub struct Setup {
    pub profile: Profile,
    pub features: Features,
    pub base_slice: u64,
    pub tick_nsec: u64,
    pub shares: SharesLoad,
    /// `groups[0]` is the root.
    pub groups: Vec<TaskGroup>,
    /// Task groups of PIDs (others: the root).
    pub task_group: HashMap<i32, u32>,
    /// Load weights (scaled down) and custom slices of PIDs, from a lab
    /// header (others: the weight of their prio, the base slice).
    pub task_weight: HashMap<i32, (u64, Option<u64>)>,
}

impl Setup {
    /// A release's defaults: base slice of `ncpus`, HZ = 250, no groups.
    pub fn new(profile: Profile, ncpus: u32) -> Setup {
        Setup {
            profile,
            features: Features::defaults(profile.release),
            base_slice: profile.base_slice(ncpus),
            tick_nsec: eevdf::profile::tick_nsec(250),
            shares: SharesLoad::MaxWeightLoadAvg,
            groups: vec![TaskGroup::ROOT],
            task_group: HashMap::new(),
            task_weight: HashMap::new(),
        }
    }

    /// The setup a lab trace records in its `# eevdf-lab:` header, if any.
    pub fn from_header(comments: &[String]) -> Result<Option<Setup>, String> {
        let mut setup: Option<Setup> = None;
        for c in comments {
            let Some(rest) = c.trim().strip_prefix("eevdf-lab:") else {
                continue;
            };
            let kv: HashMap<&str, &str> = rest
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .collect();
            let words: Vec<&str> = rest.split_whitespace().collect();
            let num = |k: &str| -> Result<u64, String> {
                let v = kv
                    .get(k)
                    .ok_or_else(|| format!("header: '{k}' missing in '{}'", rest.trim()))?;
                let (v, radix) = match v.strip_prefix("0x") {
                    Some(h) => (h, 16),
                    None => (*v, 10),
                };
                u64::from_str_radix(v, radix)
                    .map_err(|_| format!("header: '{k}' is not a number in '{}'", rest.trim()))
            };
            if let Some(p) = kv.get("profile") {
                let profile =
                    profile_named(p).ok_or_else(|| format!("header: unknown profile '{p}'"))?;
                let mut s = Setup::new(profile, num("ncpus")? as u32);
                s.features = Features::from_bits_truncate(num("features")?);
                s.base_slice = num("base_slice")?;
                s.tick_nsec = eevdf::profile::tick_nsec(num("hz")? as u32);
                s.shares = match kv.get("shares") {
                    Some(&"LoadAvg") => SharesLoad::LoadAvg,
                    Some(&"Weight") => SharesLoad::Weight,
                    Some(&"MaxWeightLoadAvg") | None => SharesLoad::MaxWeightLoadAvg,
                    Some(o) => return Err(format!("header: unknown shares rule '{o}'")),
                };
                setup = Some(s);
            } else if words.first() == Some(&"group") {
                let s = setup
                    .as_mut()
                    .ok_or("header: a group before the profile line")?;
                s.groups
                    .push(TaskGroup::new(num("parent")? as u32, num("shares")?));
            } else if words.first() == Some(&"task") {
                let s = setup
                    .as_mut()
                    .ok_or("header: a task before the profile line")?;
                let pid = num("pid")? as i32;
                s.task_group.insert(pid, num("group")? as u32);
                if kv.contains_key("weight") {
                    let slice = if kv.contains_key("slice") {
                        Some(num("slice")?)
                    } else {
                        None
                    };
                    s.task_weight.insert(pid, (num("weight")?, slice));
                }
            }
        }
        Ok(setup)
    }
}

/// A release by name: `6.5` (CFS), `6.5+place-lag` (86bfbb7ce4f6),
/// `6.6`, `6.6.57`, `6.18`, `7.0`, `7.1` (with or without `linux-`), `exact`.
pub fn profile_named(name: &str) -> Option<Profile> {
    let n = name.strip_prefix("linux-").unwrap_or(name);
    [
        Profile::LINUX_6_5,
        Profile::LINUX_6_5_PLACE_LAG,
        Profile::LINUX_6_6,
        Profile::LINUX_6_6_57,
        Profile::LINUX_6_18,
        Profile::LINUX_7_0,
        Profile::LINUX_7_1,
        Profile::EXACT,
    ]
    .into_iter()
    .find(|p| p.name().strip_prefix("linux-").unwrap_or(p.name()) == n)
}

/// The queue of one CPU at a divergence: (comm, pid, vruntime − V, deadline
/// − V, eligible, delayed, running).
#[derive(Clone, Debug)]
pub struct Queued {
    pub comm: String,
    pub pid: i32,
    pub vruntime_minus_v: i64,
    pub deadline_minus_v: i64,
    pub eligible: bool,
    pub delayed: bool,
    pub curr: bool,
}

#[derive(Clone, Debug)]
pub struct Divergence {
    pub line: usize,
    pub ts: u64,
    pub cpu: u32,
    /// (comm, pid) the kernel ran and the library picked (pid 0: idle).
    pub kernel: (String, i32),
    pub library: (String, i32),
    pub queue: Vec<Queued>,
}

#[derive(Clone, Debug, Default)]
pub struct CpuReport {
    pub switches: u64,
    pub agree: u64,
    /// Switches compared before this CPU's first divergence.
    pub before_first: u64,
    pub diverged: bool,
    /// Switches not compared (to a task outside the fair class, or one whose
    /// state the trace had not shown).
    pub unscored: u64,
    /// The lab's re-pick markers where the library chose another task.
    pub repick_diverged: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub cpus: Vec<CpuReport>,
    /// The first divergences, in trace order (at most [`KEEP`]).
    pub divergences: Vec<Divergence>,
    /// Wakeup → run, ns: as recorded, and when the library first picked
    /// the task.
    pub waits_recorded: Vec<u64>,
    pub waits_replayed: Vec<u64>,
    /// Library errors (line, message); the event was skipped.
    pub errors: Vec<(usize, String)>,
    pub events: u64,
}

/// Divergences kept in a report.
pub const KEEP: usize = 5;

impl Report {
    pub fn switches(&self) -> u64 {
        self.cpus.iter().map(|c| c.switches).sum()
    }
    pub fn agree(&self) -> u64 {
        self.cpus.iter().map(|c| c.agree).sum()
    }
}

struct Task {
    comm: String,
    cpu: usize,
    tref: TaskRef,
    group: u32,
    woken: Option<u64>,
    picked: Option<u64>,
}

struct Cpu {
    rq: Rq,
    owner: HashMap<TaskRef, i32>,
}

struct Replayer<'a> {
    setup: &'a Setup,
    /// The pid whose next wakeup the lab's `wake_sync` marker flagged.
    sync_pid: Option<i32>,
    tgs: Vec<TaskGroup>,
    cpus: Vec<Cpu>,
    tasks: HashMap<i32, Task>,
    r: Report,
}

fn e2s(e: eevdf::Error) -> String {
    format!("library error: {e}")
}

impl<'a> Replayer<'a> {
    fn cpu(&mut self, c: u32) -> Result<usize, String> {
        let c = c as usize;
        if c >= 1024 {
            return Err(format!("CPU {c} is beyond the replay's 1024"));
        }
        while self.cpus.len() <= c {
            let tun = Tunables {
                base_slice: self.setup.base_slice,
                tick_nsec: self.setup.tick_nsec,
                features: self.setup.features,
            };
            let rq = Rq::new(
                self.setup.profile,
                tun,
                self.setup.shares,
                &self.setup.groups,
            )
            .map_err(e2s)?;
            self.cpus.push(Cpu {
                rq,
                owner: HashMap::new(),
            });
            self.r.cpus.push(CpuReport::default());
        }
        Ok(c)
    }

    /// The task `pid`, created sleeping on `cpu` when first seen.
    fn task(&mut self, pid: i32, comm: &str, prio: i32, cpu: u32) -> Result<(), String> {
        if self.tasks.contains_key(&pid) {
            return Ok(());
        }
        let cpu = self.cpu(cpu)?;
        let group = self.setup.task_group.get(&pid).copied().unwrap_or(0);
        let se = match self.setup.task_weight.get(&pid) {
            Some(&(w, slice)) => {
                let lw = eevdf::weight::LoadWeight::new(w << 10).map_err(e2s)?;
                let mut se = SchedEntity::new(lw, self.setup.base_slice);
                if let Some(sl) = slice {
                    se.set_custom_slice(sl, self.setup.base_slice);
                }
                se
            }
            None => SchedEntity::from_nice((prio - 120).clamp(-20, 19), self.setup.base_slice)
                .map_err(e2s)?,
        };
        let tref = self.cpus[cpu].rq.add_task(group, se).map_err(e2s)?;
        self.cpus[cpu].owner.insert(tref, pid);
        self.tasks.insert(
            pid,
            Task {
                comm: comm.to_string(),
                cpu,
                tref,
                group,
                woken: None,
                picked: None,
            },
        );
        Ok(())
    }

    fn migrate(&mut self, pid: i32, dst: usize, now: u64) -> Result<(), String> {
        let t = &self.tasks[&pid];
        let (src, tref, group) = (t.cpu, t.tref, t.group);
        if src == dst {
            return Ok(());
        }
        let queued = self.cpus[src].rq.entity(tref).map_err(e2s)?.on_rq;
        if self.cpus[src].rq.curr() == Some(tref) {
            return Err(format!(
                "pid {pid} is still the library's running task on CPU {src} (the kernel had switched to another class, which the library cannot follow): migration not replayed"
            ));
        }
        // CFS (6.5): a sleeping task leaves with its vruntime relative to
        // the old queue's min_vruntime (migrate_task_rq_fair) and gets the
        // new queue's back when it is enqueued (ENQUEUE_MIGRATED), as the
        // lab's engine does; a queued task's RESTORE enqueue does this
        // inside the crate.
        let cfs_renorm =
            !queued && self.setup.profile.vruntime_norm == VruntimeNorm::MinVruntimeRelative;
        let level_min = |rq: &Rq| rq.cfs_rq(group).map(|q| q.min_vruntime());
        let src_min = level_min(&self.cpus[src].rq).map_err(e2s)?;
        let mut m = self.cpus[src]
            .rq
            .detach_task(tref, now, &mut self.tgs)
            .map_err(e2s)?;
        if cfs_renorm {
            let dst_min = level_min(&self.cpus[dst].rq).map_err(e2s)?;
            m.se.vruntime = absolute_vruntime(relative_vruntime(m.se.vruntime, src_min), dst_min);
        }
        let _ = self.cpus[src].rq.take_resched();
        self.cpus[src].owner.remove(&tref);
        let nref = self.cpus[dst].rq.attach_task(group, m).map_err(e2s)?;
        self.cpus[dst].owner.insert(nref, pid);
        let t = self.tasks.get_mut(&pid).ok_or("lost task")?;
        t.cpu = dst;
        t.tref = nref;
        if queued {
            self.cpus[dst]
                .rq
                .enqueue_task(nref, now, EnqueueFlags::RESTORE, &mut self.tgs)
                .map_err(e2s)?;
        }
        Ok(())
    }

    fn wakeup(&mut self, l: &Line, w: &super::parse::Wake, new: bool) -> Result<(), String> {
        if !(100..140).contains(&w.prio) || w.pid == 0 {
            return Ok(());
        }
        let target = w.target_cpu.unwrap_or(l.cpu);
        self.task(w.pid, &w.comm, w.prio, target)?;
        let dst = self.cpu(target)?;
        if self.tasks[&w.pid].cpu != dst {
            let t = &self.tasks[&w.pid];
            let e = self.cpus[t.cpu].rq.entity(t.tref).map_err(e2s)?;
            if e.on_rq && !e.sched_delayed {
                return Ok(());
            }
            self.migrate(w.pid, dst, l.ts)?;
        }
        let tref = self.tasks[&w.pid].tref;
        let e = self.cpus[dst].rq.entity(tref).map_err(e2s)?;
        if e.on_rq && !e.sched_delayed {
            return Ok(());
        }
        let flags = if new {
            EnqueueFlags::new_task(self.setup.profile)
        } else {
            EnqueueFlags::WAKEUP
        };
        let rq = &mut self.cpus[dst].rq;
        rq.enqueue_task(tref, l.ts, flags, &mut self.tgs)
            .map_err(e2s)?;
        if !new {
            let flags = WakeFlags {
                sync: self.sync_pid.take() == Some(w.pid),
                ..WakeFlags::default()
            };
            rq.wakeup_preempt(tref, l.ts, flags, &mut self.tgs)
                .map_err(e2s)?;
            let _ = rq.take_resched();
        }
        let t = self.tasks.get_mut(&w.pid).ok_or("lost task")?;
        t.woken = Some(l.ts);
        t.picked = None;
        Ok(())
    }

    fn queue(&self, cpu: usize) -> Vec<Queued> {
        let rq = &self.cpus[cpu].rq;
        let mut out = Vec::new();
        for tref in rq.tasks() {
            let (Ok(e), Ok(q)) = (rq.entity(tref), rq.cfs_rq(tref.group)) else {
                continue;
            };
            if !e.on_rq {
                continue;
            }
            let Ok(v) = q.avg_vruntime() else { continue };
            let pid = self.cpus[cpu].owner.get(&tref).copied().unwrap_or(-1);
            out.push(Queued {
                comm: self
                    .tasks
                    .get(&pid)
                    .map_or(String::new(), |t| t.comm.clone()),
                pid,
                vruntime_minus_v: e.vruntime.wsub(v),
                deadline_minus_v: e.deadline.wsub(v),
                eligible: q.is_eligible(tref.entity).unwrap_or(false),
                delayed: e.sched_delayed,
                curr: rq.curr() == Some(tref),
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn switch(
        &mut self,
        l: &Line,
        prev_pid: i32,
        prev_state: &str,
        next_comm: &str,
        next_pid: i32,
        next_prio: i32,
    ) -> Result<(), String> {
        let cpu = self.cpu(l.cpu)?;
        if let Some(t) = self.tasks.get(&prev_pid) {
            if t.cpu == cpu && !prev_state.starts_with('R') {
                let tref = t.tref;
                if self.cpus[cpu].rq.entity(tref).map_err(e2s)?.on_rq {
                    self.cpus[cpu]
                        .rq
                        .dequeue_task(tref, l.ts, DequeueFlags::SLEEP, &mut self.tgs)
                        .map_err(e2s)?;
                }
            }
        }
        if next_pid != 0 && !(100..140).contains(&next_prio) {
            // A higher class (RT, or the stopper of active balance) takes the
            // CPU: the running fair task stops running and stays queued.
            self.cpus[cpu]
                .rq
                .put_prev_task(l.ts, &mut self.tgs)
                .map_err(e2s)?;
            self.r.cpus[cpu].unscored += 1;
            return Ok(());
        }
        // A fair task the trace never showed waking: queue it, do not score.
        let mut scored = true;
        if next_pid != 0 {
            self.task(next_pid, next_comm, next_prio, l.cpu)?;
            if self.tasks[&next_pid].cpu != cpu {
                self.migrate(next_pid, cpu, l.ts)?;
            }
            let tref = self.tasks[&next_pid].tref;
            if !self.cpus[cpu].rq.entity(tref).map_err(e2s)?.on_rq {
                scored = false;
                self.cpus[cpu]
                    .rq
                    .enqueue_task(tref, l.ts, EnqueueFlags::WAKEUP, &mut self.tgs)
                    .map_err(e2s)?;
            }
        }
        let pick = self.cpus[cpu]
            .rq
            .pick_next_task(l.ts, &mut self.tgs)
            .map_err(e2s)?;
        let lib_pid = match pick {
            Some(tref) => self.cpus[cpu].owner.get(&tref).copied().unwrap_or(-1),
            None => 0,
        };
        if let Some(t) = self.tasks.get_mut(&lib_pid) {
            if let (Some(w), None) = (t.woken, t.picked) {
                self.r.waits_replayed.push(l.ts - w.min(l.ts));
                t.picked = Some(l.ts);
            }
        }
        if let Some(t) = self.tasks.get_mut(&next_pid) {
            if let Some(w) = t.woken.take() {
                self.r.waits_recorded.push(l.ts - w.min(l.ts));
            }
        }
        let c = &mut self.r.cpus[cpu];
        if !scored {
            c.unscored += 1;
            return Ok(());
        }
        c.switches += 1;
        if lib_pid == next_pid {
            c.agree += 1;
            if !c.diverged {
                c.before_first += 1;
            }
        } else {
            c.diverged = true;
            if self.r.divergences.len() < KEEP {
                let name = |pid: i32, s: &Self| -> String {
                    if pid == 0 {
                        "<idle>".to_string()
                    } else {
                        s.tasks.get(&pid).map_or(String::new(), |t| t.comm.clone())
                    }
                };
                let d = Divergence {
                    line: l.no,
                    ts: l.ts,
                    cpu: l.cpu,
                    kernel: (name(next_pid, self), next_pid),
                    library: (name(lib_pid, self), lib_pid),
                    queue: self.queue(cpu),
                };
                self.r.divergences.push(d);
            }
        }
        Ok(())
    }

    /// A pick that keeps the running task: not scored, but a different
    /// choice is a divergence.
    fn repick(&mut self, l: &Line, pid: i32) -> Result<(), String> {
        let cpu = self.cpu(l.cpu)?;
        let pick = self.cpus[cpu]
            .rq
            .pick_next_task(l.ts, &mut self.tgs)
            .map_err(e2s)?;
        let lib = match pick {
            Some(tref) => self.cpus[cpu].owner.get(&tref).copied().unwrap_or(-1),
            None => 0,
        };
        if lib != pid {
            self.r.cpus[cpu].repick_diverged += 1;
        }
        Ok(())
    }

    fn line(&mut self, l: &Line) -> Result<(), String> {
        match &l.event {
            Event::Wakeup(w) => self.wakeup(l, w, false),
            Event::WakeupNew(w) => self.wakeup(l, w, true),
            Event::Migrate {
                comm,
                pid,
                prio,
                orig_cpu,
                dest_cpu,
            } => {
                if !(100..140).contains(prio) {
                    return Ok(());
                }
                self.task(*pid, comm, *prio, *orig_cpu)?;
                let dst = self.cpu(*dest_cpu)?;
                self.migrate(*pid, dst, l.ts)
            }
            Event::Tick => {
                let cpu = self.cpu(l.cpu)?;
                let rq = &mut self.cpus[cpu].rq;
                if rq.curr().is_none() {
                    rq.update_blocked_averages(l.ts, &mut self.tgs)
                        .map_err(e2s)?;
                }
                rq.task_tick(l.ts, &mut self.tgs).map_err(e2s)?;
                Ok(())
            }
            Event::Switch {
                prev_pid,
                prev_state,
                next_comm,
                next_pid,
                next_prio,
                ..
            } => self.switch(l, *prev_pid, prev_state, next_comm, *next_pid, *next_prio),
            Event::Mark(m) => {
                // The lab's re-pick marker `C|PID|repick|N`.
                let f: Vec<&str> = m.split('|').collect();
                match f.as_slice() {
                    ["C", pid, "wake_sync", _] => {
                        self.sync_pid = pid.parse().ok();
                        Ok(())
                    }
                    ["C", pid, "repick", _] => {
                        let pid: i32 = pid
                            .parse()
                            .map_err(|_| format!("repick marker: pid '{pid}' is not an integer"))?;
                        self.repick(l, pid)
                    }
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// Replays `trace` under `setup`.
pub fn replay(trace: &Trace, setup: &Setup) -> Report {
    let mut rp = Replayer {
        setup,
        sync_pid: None,
        tgs: setup.groups.clone(),
        cpus: Vec::new(),
        tasks: HashMap::new(),
        r: Report::default(),
    };
    for l in &trace.lines {
        rp.r.events += 1;
        if let Err(e) = rp.line(l) {
            if rp.r.errors.len() < 20 {
                rp.r.errors.push((l.no, e));
            }
        }
    }
    rp.r
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

/// The report as text.
pub fn render(r: &Report, what: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "replay under {what}: {} events", r.events);
    let (s, a) = (r.switches(), r.agree());
    let share = |a: u64, s: u64| {
        if s == 0 {
            100.0
        } else {
            100.0 * a as f64 / s as f64
        }
    };
    let _ = writeln!(
        o,
        "switches compared: {s}, library agrees on {a} ({:.2} %)",
        share(a, s)
    );
    let _ = writeln!(
        o,
        "cpu  switches  agree     %  before-first-divergence  not-compared"
    );
    for (i, c) in r.cpus.iter().enumerate() {
        if c.switches + c.unscored == 0 {
            continue;
        }
        let _ = writeln!(
            o,
            "{i:>3}  {:>8}  {:>5}  {:>6.2}  {:>23}  {:>12}",
            c.switches,
            c.agree,
            share(c.agree, c.switches),
            c.before_first,
            c.unscored
        );
    }
    let (mut wr, mut wp) = (r.waits_recorded.clone(), r.waits_replayed.clone());
    let _ = writeln!(
        o,
        "wakeup -> run (us)   n      p50      p90      p99      max"
    );
    for (name, v) in [("recorded", &mut wr), ("replayed", &mut wp)] {
        let n = v.len();
        let q: Vec<f64> = [0.5, 0.9, 0.99, 1.0]
            .iter()
            .map(|&p| pct(v, p) as f64 / 1e3)
            .collect();
        let _ = writeln!(
            o,
            "{name:<16} {n:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            q[0], q[1], q[2], q[3]
        );
    }
    for d in &r.divergences {
        let _ = writeln!(
            o,
            "divergence at line {} ({} s) on CPU {}: kernel ran {}-{}, library picks {}-{}",
            d.line,
            super::write::fmt_ts(d.ts),
            d.cpu,
            d.kernel.0,
            d.kernel.1,
            d.library.0,
            d.library.1
        );
        for q in &d.queue {
            let _ = writeln!(
                o,
                "    {:>16}-{:<7} vruntime-V {:>12} deadline-V {:>12} {}{}{}",
                q.comm,
                q.pid,
                q.vruntime_minus_v,
                q.deadline_minus_v,
                if q.eligible {
                    "eligible"
                } else {
                    "not eligible"
                },
                if q.delayed { " delayed" } else { "" },
                if q.curr { " (running)" } else { "" }
            );
        }
    }
    for (line, e) in &r.errors {
        let _ = writeln!(o, "line {line}: event skipped: {e}");
    }
    o
}
