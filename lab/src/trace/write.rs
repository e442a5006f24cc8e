//! Writing a lab run as ftrace text.
//!
//! The events and their fields are those of the kernel's `TP_printk` formats
//! in `include/trace/events/sched.h` as of v6.6 (and `hrtimer_expire_entry`
//! of `include/trace/events/timer.h`), with the one difference a release
//! makes: `sched_stat_runtime` prints `vruntime=` only for runs under a
//! release before v6.8. Each line is
//! `TASK-PID [CPU] FLAGS SECONDS.NANOSECONDS: EVENT: FIELDS` with a 4-character
//! flags column (the width Perfetto's text importer accepts) and nanosecond
//! timestamps, as `trace-cmd report` prints them.
//!
//! Besides the kernel's events, each switch writes the queued tasks of that
//! CPU as Perfetto counters (`tracing_mark_write: C|PID|NAME|VALUE`): `lag`
//! (V − vruntime, virtual ns), `vruntime-V`, and `eligible` (1 while the task
//! is on the eligible side of the boundary V, 0 otherwise, as the library's
//! `is_eligible` decides).
//!
//! A pick that keeps the running task (or idle) writes no `sched_switch`,
//! as in the kernel, but it may change the queue (from v6.12 a pick
//! completes delayed dequeues), so the lab marks it with a counter line
//! `C|PID|repick|N` (PID 0: idle), which a replay turns into the same pick.
//!
//! A comment header (`# eevdf-lab: ...`) records what a replay needs and the
//! kernel cannot print: release, features, slice, HZ, task groups, and per
//! task its group, weight, custom slice, affinity and kthread flag.

use std::fmt::Write as _;

use eevdf::weight::LoadWeight;
use eevdf::Release;

use crate::sim::{Observer, Probed, Sim, State};

/// The PID a lab task gets in a trace.
pub fn pid_of(t: usize) -> i32 {
    100 + t as i32
}

/// The PID of CPU `cpu`'s stopper thread (`migration/CPU`) in a trace: above
/// every lab task's and below the kernel's `PID_MAX_LIMIT` (2^22).
pub fn migration_pid(cpu: usize) -> i32 {
    4_000_000 + cpu as i32
}

/// The address `hrtimer_expire_entry` prints for CPU `cpu`'s tick timer (a
/// made-up per-CPU address in the kernel's direct map).
pub fn tick_hrtimer(cpu: usize) -> u64 {
    0xffff_8880_0000_0000u64 + cpu as u64 * 0x40
}

/// A trace being written: an [`Observer`] of a run.
pub struct Writer {
    /// Lines above the column legend (`scenario=... variant=...`).
    title: Vec<String>,
    head: String,
    body: String,
    started: bool,
    vruntime_field: bool,
    /// What each CPU runs, as the trace has shown it.
    cur: Vec<Option<usize>>,
    /// The CPU's stopper (`migration/CPU`) runs: active balance took it.
    stopper: Vec<bool>,
    /// When each task's runtime was last reported.
    stamp: Vec<u64>,
    /// The CPU of the wakeup being processed.
    waking_cpu: Option<usize>,
    comms: Vec<String>,
    prios: Vec<i32>,
    end: u64,
    repicks: u64,
    pub events: u64,
}

/// `ns` as `SECONDS.NANOSECONDS`.
pub fn fmt_ts(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

impl Writer {
    pub fn new(title: Vec<String>) -> Writer {
        Writer {
            title,
            head: String::new(),
            body: String::new(),
            started: false,
            vruntime_field: true,
            cur: Vec::new(),
            stopper: Vec::new(),
            stamp: Vec::new(),
            waking_cpu: None,
            comms: Vec::new(),
            prios: Vec::new(),
            end: 0,
            repicks: 0,
            events: 0,
        }
    }

    fn start(&mut self, sim: &Sim) {
        self.started = true;
        let cfg = &sim.cfg;
        self.vruntime_field = matches!(cfg.profile.release, Release::Linux6_5 | Release::Linux6_6);
        self.cur = vec![None; cfg.ncpus];
        self.stopper = vec![false; cfg.ncpus];
        self.stamp = vec![0; sim.tasks.len()];
        self.end = cfg.end;
        let h = &mut self.head;
        h.push_str("# tracer: nop\n#\n");
        for l in &self.title {
            let _ = writeln!(h, "# eevdf-lab: {l}");
        }
        let _ = writeln!(
            h,
            "# eevdf-lab: profile={} features={:#x} base_slice={} hz={} ncpus={} shares={:?}",
            cfg.profile.name(),
            cfg.features.bits(),
            cfg.base_slice,
            cfg.hz,
            cfg.ncpus,
            cfg.shares
        );
        for (i, g) in sim.tgs.iter().enumerate().skip(1) {
            let _ = writeln!(
                h,
                "# eevdf-lab: group {i} parent={} shares={}",
                g.parent, g.shares
            );
        }
        for (t, task) in sim.tasks.iter().enumerate() {
            // TASK_COMM_LEN - 1 characters; a space would split the
            // `key=value` fields for Perfetto's importer, so it becomes `_`.
            let comm: String = task
                .name
                .chars()
                .take(15)
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            let (w, custom) = sim.cpus[task.cpu]
                .rq
                .entity(task.tref)
                .map(|e| (e.load.weight(), e.custom_slice.then_some(e.slice)))
                .unwrap_or((0, None));
            let nice = (-20..20)
                .find(|&n| LoadWeight::from_nice(n).is_ok_and(|l| l.weight() == w))
                .unwrap_or(0);
            self.comms.push(comm.clone());
            self.prios.push(120 + nice);
            let allowed: Vec<String> = (0..cfg.ncpus)
                .filter(|&c| task.allowed[c])
                .map(|c| c.to_string())
                .collect();
            let _ = writeln!(
                h,
                "# eevdf-lab: task pid={} comm={comm} group={} cpu={} nice={nice} weight={} allowed={} kthread={}{}",
                pid_of(t),
                task.group,
                task.cpu,
                w >> 10,
                allowed.join(","),
                task.kthread as u8,
                custom.map(|s| format!(" slice={s}")).unwrap_or_default()
            );
        }
        h.push_str(
            "#
#                              _-----=> irqs-off
#                             / _----=> need-resched
#                            | / _---=> hardirq/softirq
#                            || / _--=> preempt-depth
#                            ||| /     delay
#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION
#              | |       |   ||||       |         |
",
        );
    }

    fn task(&self, t: Option<usize>, cpu: usize) -> (String, i32) {
        match t {
            Some(t) => (self.comms[t].clone(), pid_of(t)),
            None => (format!("swapper/{cpu}"), 0),
        }
    }

    /// The line prefix: the task on `cpu`, the CPU, flags and time.
    fn prefix(&mut self, cpu: usize, flags: &str, now: u64) {
        let (comm, pid) = match self.cur.get(cpu).copied().flatten() {
            Some(t) => (self.comms[t].clone(), pid_of(t)),
            None if self.stopper.get(cpu) == Some(&true) => {
                (format!("migration/{cpu}"), migration_pid(cpu))
            }
            None => ("<idle>".to_string(), 0),
        };
        self.events += 1;
        let _ = write!(
            self.body,
            "{:>16}-{:<7} [{:03}] {} {:>16}: ",
            comm,
            pid,
            cpu,
            flags,
            fmt_ts(now)
        );
    }

    fn runtime(&mut self, sim: &Sim, cpu: usize, t: usize, flags: &str) {
        let delta = sim.now - self.stamp[t];
        self.stamp[t] = sim.now;
        if delta == 0 {
            return;
        }
        self.prefix(cpu, flags, sim.now);
        let (comm, pid) = (self.comms[t].clone(), pid_of(t));
        let _ = write!(
            self.body,
            "sched_stat_runtime: comm={comm} pid={pid} runtime={delta} [ns]"
        );
        if self.vruntime_field {
            let task = &sim.tasks[t];
            if let Ok(e) = sim.cpus[task.cpu].rq.entity(task.tref) {
                let _ = write!(self.body, " vruntime={} [ns]", e.vruntime.0);
            }
        }
        self.body.push('\n');
    }

    fn wake_line(&mut self, sim: &Sim, event: &str, t: usize, cpu: usize, flags: &str) {
        self.prefix(cpu, flags, sim.now);
        let _ = writeln!(
            self.body,
            "{event}: comm={} pid={} prio={} target_cpu={:03}",
            self.comms[t],
            pid_of(t),
            self.prios[t],
            sim.tasks[t].cpu
        );
    }

    fn counters(&mut self, sim: &Sim, cpu: usize) {
        let rq = &sim.cpus[cpu].rq;
        let mut lines = Vec::new();
        for tref in rq.tasks() {
            let (Ok(e), Ok(q)) = (rq.entity(tref), rq.cfs_rq(tref.group)) else {
                continue;
            };
            if !e.on_rq {
                continue;
            }
            let (Ok(v), Ok(elig)) = (q.avg_vruntime(), q.is_eligible(tref.entity)) else {
                continue;
            };
            let Some(t) = sim
                .tasks
                .iter()
                .position(|k| k.cpu == cpu && k.tref == tref)
            else {
                continue;
            };
            let lag = v.wsub(e.vruntime);
            lines.push((pid_of(t), lag, elig));
        }
        for (pid, lag, elig) in lines {
            for (name, val) in [
                ("lag", lag),
                ("vruntime-V", lag.wrapping_neg()),
                ("eligible", elig as i64),
            ] {
                self.prefix(cpu, "....", sim.now);
                let _ = writeln!(self.body, "tracing_mark_write: C|{pid}|{name}|{val}");
            }
        }
    }

    /// The whole trace, ending with every task's `sched_process_exit` at the
    /// end of the run.
    pub fn finish(mut self) -> String {
        for t in 0..self.comms.len() {
            let cpu = self.cur.iter().position(|&c| c == Some(t)).unwrap_or(0);
            self.prefix(cpu, "....", self.end);
            let _ = writeln!(
                self.body,
                "sched_process_exit: comm={} pid={} prio={}",
                self.comms[t],
                pid_of(t),
                self.prios[t]
            );
        }
        self.head + &self.body
    }
}

impl Observer for Writer {
    /// Active balance: a switch from the running task (still runnable) to
    /// the CPU's stop-class `migration/CPU` thread, prio 0 as the kernel
    /// prints it; the migration and the stopper's switch to the next pick
    /// follow.
    fn stopper(&mut self, sim: &Sim, cpu: usize) {
        if !self.started {
            self.start(sim);
        }
        let prev = self.cur[cpu];
        if let Some(p) = prev {
            self.runtime(sim, cpu, p, "d...");
        }
        let (pc, pp) = self.task(prev, cpu);
        let pprio = prev.map_or(120, |p| self.prios[p]);
        let state = if prev.is_some() { "R+" } else { "R" };
        self.prefix(cpu, "d...", sim.now);
        let _ = writeln!(
            self.body,
            "sched_switch: prev_comm={pc} prev_pid={pp} prev_prio={pprio} prev_state={state} ==> next_comm=migration/{cpu} next_pid={} next_prio=0",
            migration_pid(cpu)
        );
        self.cur[cpu] = None;
        self.stopper[cpu] = true;
    }

    fn event(&mut self, sim: &Sim, ev: Probed) {
        if !self.started {
            self.start(sim);
        }
        match ev {
            Probed::Waking { t, cpu, by, sync } => {
                self.waking_cpu = Some(cpu);
                // A wakeup by a timer or device (no waking task) happens in
                // interrupt context: the hardirq flag, as the kernel prints
                // it for an hrtimer's wakeup.
                let flags = if by.is_some() { "d..." } else { "d.h." };
                self.wake_line(sim, "sched_waking", t, cpu, flags);
                if sync {
                    // WF_SYNC is not in any kernel event: the lab's marker.
                    self.prefix(cpu, flags, sim.now);
                    let _ = writeln!(self.body, "tracing_mark_write: C|{}|wake_sync|1", pid_of(t));
                }
            }
            Probed::Wakeup { t, new } => {
                let cpu = self.waking_cpu.take().unwrap_or(sim.tasks[t].cpu);
                let ev = if new {
                    "sched_wakeup_new"
                } else {
                    "sched_wakeup"
                };
                self.wake_line(sim, ev, t, cpu, "d...");
            }
            Probed::Migrate { t, from, to } => {
                let cpu = self.waking_cpu.unwrap_or(to);
                self.prefix(cpu, "d...", sim.now);
                let _ = writeln!(
                    self.body,
                    "sched_migrate_task: comm={} pid={} prio={} orig_cpu={from} dest_cpu={to}",
                    self.comms[t],
                    pid_of(t),
                    self.prios[t]
                );
            }
            Probed::Tick { cpu } => {
                self.prefix(cpu, "d.h.", sim.now);
                let _ = writeln!(
                    self.body,
                    "hrtimer_expire_entry: hrtimer={:016x} function=tick_sched_timer now={}",
                    tick_hrtimer(cpu),
                    sim.now
                );
                if let Some(t) = self.cur[cpu] {
                    self.runtime(sim, cpu, t, "d.h.");
                }
            }
            Probed::Pick { cpu, t } => {
                let prev = self.cur[cpu];
                if self.stopper[cpu] {
                    // The stopper's work is done: it sleeps and the pick runs
                    // (the line's prefix is still the stopper's).
                    let (nc, np) = self.task(t, cpu);
                    let nprio = t.map_or(120, |n| self.prios[n]);
                    self.prefix(cpu, "d...", sim.now);
                    self.stopper[cpu] = false;
                    let _ = writeln!(
                        self.body,
                        "sched_switch: prev_comm=migration/{cpu} prev_pid={} prev_prio=0 prev_state=S ==> next_comm={nc} next_pid={np} next_prio={nprio}",
                        migration_pid(cpu)
                    );
                    self.cur[cpu] = t;
                    if let Some(n) = t {
                        self.stamp[n] = sim.now;
                    }
                    self.counters(sim, cpu);
                    return;
                }
                if prev == t {
                    // No switch, but the pick changed the queue (a delayed
                    // dequeue completed, the running entity put and set):
                    // the lab's own marker, a counter of re-picks.
                    self.repicks += 1;
                    let pid = t.map_or(0, pid_of);
                    self.prefix(cpu, "....", sim.now);
                    let _ = writeln!(
                        self.body,
                        "tracing_mark_write: C|{pid}|repick|{}",
                        self.repicks
                    );
                    return;
                }
                if let Some(p) = prev {
                    self.runtime(sim, cpu, p, "d...");
                }
                let state = match prev {
                    Some(p) if sim.tasks[p].state == State::Sleeping => "S",
                    Some(_) => "R+",
                    None => "R",
                };
                let (pc, pp) = self.task(prev, cpu);
                let (nc, np) = self.task(t, cpu);
                let pprio = prev.map_or(120, |p| self.prios[p]);
                let nprio = t.map_or(120, |n| self.prios[n]);
                self.prefix(cpu, "d...", sim.now);
                let _ = writeln!(
                    self.body,
                    "sched_switch: prev_comm={pc} prev_pid={pp} prev_prio={pprio} prev_state={state} ==> next_comm={nc} next_pid={np} next_prio={nprio}"
                );
                self.cur[cpu] = t;
                if let Some(n) = t {
                    self.stamp[n] = sim.now;
                }
                self.counters(sim, cpu);
            }
        }
    }
}
