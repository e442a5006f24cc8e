//! Workload extraction: a trace (ftrace text, as [`crate::trace::parse`]
//! reads it) → a scenario file that re-runs the recorded workload under any
//! release (`eevdf-lab extract TRACE -o FILE`).
//!
//! Per fair task (prio 100..139, pid ≠ 0) the trace gives:
//!
//! * **bursts**: the CPU time between two sleeps, summed over the task's
//!   stretches on a CPU (a `sched_switch` away with state `R`/`R+` is a
//!   preemption and continues the burst; any other state ends it);
//! * **sleeps**: from the switch away to the next `sched_waking` of it;
//! * **wakers**: the task on the waking CPU at a `sched_waking`, unless the
//!   line's flags say hardirq or softirq context (`h`, `s`) or the CPU is
//!   idle: then a timer or device woke it;
//! * **sync**: the lab's `C|PID|wake_sync|1` marker (the kernel's events do
//!   not show WF_SYNC: from a kernel trace every wakeup is taken as not
//!   sync);
//! * **nice** from `prio` − 120; **affinity**, group and kthread-ness from
//!   a lab trace's header; from a kernel trace a task seen on one CPU only
//!   is taken as pinned there, any other as allowed everywhere.
//!
//! The model written per task: bursts drawn uniformly from
//! `[min, 2·mean − min]` (the recorded mean kept; a fixed mean if that is
//! empty); a task mostly woken by tasks blocks until woken, any other
//! sleeps for a duration drawn the same way from its recorded sleeps; a
//! task that never slept runs forever. It wakes the tasks it woke, in turn
//! (`pick = "next"`), as often per burst as recorded: k wakes (k = the
//! rounded ratio) spread evenly through each burst, which is cut into k + 1
//! equal pieces, or one after every m-th burst when it woke less than once
//! per burst. The task's program runs as many bursts as
//! recorded (`loop`), so a job that ended in the trace ends in the re-run.
//! Ordering, correlations between tasks and the
//! shape of each distribution beyond its mean and minimum are not kept.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::sim::N;
use crate::trace::parse::{parse, Event, Trace};
use crate::trace::replay::profile_named;

/// What the trace shows of one task.
#[derive(Clone, Debug, Default)]
pub struct TaskStats {
    pub pid: i32,
    pub comm: String,
    pub prio: i32,
    /// CPU time of each completed or cut burst, ns.
    pub bursts: Vec<u64>,
    /// Timed sleeps (woken by no task), ns.
    pub sleeps: Vec<u64>,
    /// Wakeups of it by a task, and by a timer or interrupt.
    pub woken_by_task: u64,
    pub woken_by_timer: u64,
    /// Wakes it made: wakee pid → count.
    pub woke: BTreeMap<i32, u64>,
    pub sync_wakes: u64,
    pub wakes_made: u64,
    pub cpus: Vec<u32>,
    /// Switches away to sleep.
    pub went_to_sleep: u64,
    /// Total CPU time, ns.
    pub runtime: u64,
    // From a lab header.
    pub group: u32,
    pub allowed: Option<Vec<u32>>,
    pub kthread: bool,
    // Scratch.
    on_since: Option<u64>,
    burst: u64,
    slept_at: Option<u64>,
}

/// Machine facts the trace shows.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub tasks: BTreeMap<i32, TaskStats>,
    pub ncpus: u32,
    pub hz: Option<u32>,
    pub secs: f64,
    /// (parent, scaled shares) of a lab header's groups.
    pub groups: Vec<(u32, u64)>,
    pub release: Option<String>,
    pub base_slice: Option<u64>,
}

fn flags_irq(flags: &str) -> bool {
    // Third column of the flags: h (hardirq), s (softirq), H (both).
    flags
        .chars()
        .nth(2)
        .is_some_and(|c| matches!(c, 'h' | 's' | 'H'))
}

/// Reads a parsed trace.
pub fn analyze(trace: &Trace) -> Analysis {
    let mut a = Analysis::default();
    let fair = |prio: i32| (100..140).contains(&prio);
    let mut cur: BTreeMap<u32, i32> = BTreeMap::new();
    let (mut first, mut last) = (u64::MAX, 0u64);
    let mut ticks: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    // Lab header.
    for c in &trace.comments {
        let Some(rest) = c.trim().strip_prefix("eevdf-lab:") else {
            continue;
        };
        let kv: BTreeMap<&str, &str> = rest
            .split_whitespace()
            .filter_map(|w| w.split_once('='))
            .collect();
        let words: Vec<&str> = rest.split_whitespace().collect();
        if let Some(p) = kv.get("profile") {
            a.release = Some(p.to_string());
            a.base_slice = kv.get("base_slice").and_then(|v| v.parse().ok());
            a.hz = kv.get("hz").and_then(|v| v.parse().ok());
            a.ncpus = kv.get("ncpus").and_then(|v| v.parse().ok()).unwrap_or(0);
        } else if words.first() == Some(&"group") {
            let parent = kv.get("parent").and_then(|v| v.parse().ok()).unwrap_or(0);
            let shares = kv
                .get("shares")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1024);
            a.groups.push((parent, shares));
        } else if words.first() == Some(&"task") {
            let Some(pid) = kv.get("pid").and_then(|v| v.parse::<i32>().ok()) else {
                continue;
            };
            let t = a.tasks.entry(pid).or_default();
            t.pid = pid;
            t.comm = kv.get("comm").unwrap_or(&"").to_string();
            t.group = kv.get("group").and_then(|v| v.parse().ok()).unwrap_or(0);
            t.prio = 120
                + kv.get("nice")
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0);
            t.allowed = kv
                .get("allowed")
                .map(|v| v.split(',').filter_map(|c| c.parse().ok()).collect());
            t.kthread = kv.get("kthread") == Some(&"1");
        }
    }
    for l in &trace.lines {
        first = first.min(l.ts);
        last = last.max(l.ts);
        a.ncpus = a.ncpus.max(l.cpu + 1);
        match &l.event {
            Event::Switch {
                prev_pid,
                prev_state,
                next_pid,
                next_comm,
                next_prio,
                prev_prio,
                ..
            } => {
                if *prev_pid != 0 && fair(*prev_prio) {
                    if let Some(t) = a.tasks.get_mut(prev_pid) {
                        if let Some(s) = t.on_since.take() {
                            let d = l.ts.saturating_sub(s);
                            t.burst += d;
                            t.runtime += d;
                        }
                        if !prev_state.starts_with('R') {
                            t.bursts.push(std::mem::take(&mut t.burst));
                            t.slept_at = Some(l.ts);
                            t.went_to_sleep += 1;
                        }
                    }
                }
                cur.insert(l.cpu, *next_pid);
                if *next_pid != 0 && fair(*next_prio) {
                    let t = a.tasks.entry(*next_pid).or_default();
                    t.pid = *next_pid;
                    if t.comm.is_empty() {
                        t.comm = next_comm.clone();
                    }
                    if t.prio == 0 {
                        t.prio = *next_prio;
                    }
                    t.on_since = Some(l.ts);
                    if !t.cpus.contains(&l.cpu) {
                        t.cpus.push(l.cpu);
                    }
                }
            }
            Event::Waking(w) if w.pid != 0 && fair(w.prio) => {
                let waker = cur.get(&l.cpu).copied().unwrap_or(0);
                let by_task = waker != 0 && !flags_irq(&l.flags) && waker != w.pid;
                let t = a.tasks.entry(w.pid).or_default();
                t.pid = w.pid;
                if t.comm.is_empty() {
                    t.comm = w.comm.clone();
                }
                if t.prio == 0 {
                    t.prio = w.prio;
                }
                let slept = t.slept_at.take();
                if by_task {
                    t.woken_by_task += 1;
                } else {
                    t.woken_by_timer += 1;
                    if let Some(s) = slept {
                        t.sleeps.push(l.ts.saturating_sub(s));
                    }
                }
                if by_task {
                    if let Some(wk) = a.tasks.get_mut(&waker) {
                        *wk.woke.entry(w.pid).or_insert(0) += 1;
                        wk.wakes_made += 1;
                    }
                }
            }
            Event::Mark(m) => {
                let f: Vec<&str> = m.split('|').collect();
                if let ["C", pid, "wake_sync", _] = f.as_slice() {
                    // The marker follows its sched_waking line.
                    if let Ok(p) = pid.parse::<i32>() {
                        if let Some(wk) = cur
                            .get(&l.cpu)
                            .and_then(|w| a.tasks.get_mut(w))
                            .filter(|wk| wk.woke.contains_key(&p))
                        {
                            wk.sync_wakes += 1;
                        }
                    }
                }
            }
            Event::Tick => ticks.entry(l.cpu).or_default().push(l.ts),
            _ => {}
        }
    }
    // Running at the end: the last stretch counts, the burst is cut.
    for t in a.tasks.values_mut() {
        if let Some(s) = t.on_since.take() {
            let d = last.saturating_sub(s);
            t.burst += d;
            t.runtime += d;
        }
        if t.burst > 0 {
            t.bursts.push(std::mem::take(&mut t.burst));
        }
    }
    if a.hz.is_none() {
        // The median spacing of a CPU's ticks.
        let mut gaps: Vec<u64> = ticks
            .values()
            .flat_map(|v| v.windows(2).map(|w| w[1] - w[0]))
            .collect();
        gaps.sort_unstable();
        if let Some(&g) = gaps.get(gaps.len() / 2) {
            let hz = (1e9 / g as f64).round() as u32;
            a.hz = [100u32, 250, 300, 1000]
                .into_iter()
                .min_by_key(|h| h.abs_diff(hz));
        }
    }
    a.secs = if last > first {
        (last - first) as f64 / 1e9
    } else {
        0.0
    };
    a
}

fn mean(v: &[u64]) -> u64 {
    if v.is_empty() {
        0
    } else {
        (v.iter().map(|&x| x as u128).sum::<u128>() / v.len() as u128) as u64
    }
}

/// `[min, 2·mean − min]`, or the mean alone, as a file distribution.
fn dist(v: &[u64]) -> String {
    use crate::scenario::Dist;
    let m = mean(v);
    let lo = v.iter().copied().min().unwrap_or(0);
    let hi = (2 * m).saturating_sub(lo);
    let d = if hi > lo {
        Dist::Uniform(lo, hi)
    } else {
        Dist::Fixed(m)
    };
    d.to_file()
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"?\"".to_string())
}

/// The scenario file text for an analysed trace, with these releases as
/// its variants.
pub fn scenario_text(a: &Analysis, source: &str, releases: &[String]) -> Result<String, String> {
    let mut o = String::new();
    let _ = writeln!(o, "# Extracted by `eevdf-lab extract` from {source}.");
    let _ = writeln!(
        o,
        "# Per task: bursts, sleeps, wakers as recorded (means and minima kept; see docs/lab.md)."
    );
    let _ = writeln!(o, "version = 1");
    let _ = writeln!(o, "name = \"extracted\"");
    let _ = writeln!(
        o,
        "description = {}",
        toml_str(&format!("workload extracted from {source}"))
    );
    let secs = if a.secs > 0.0 {
        a.secs.min(3600.0)
    } else {
        1.0
    };
    let _ = writeln!(o, "secs = {secs}");
    let _ = writeln!(o, "seed = 1\n");
    let _ = writeln!(o, "[machine]");
    let ncpus = a.ncpus.clamp(1, 64);
    let _ = writeln!(o, "cpus = {ncpus}");
    let _ = writeln!(o, "hz = {}\n", a.hz.unwrap_or(250));
    let gname = |g: u32| format!("g{g}");
    for (i, (parent, shares)) in a.groups.iter().enumerate() {
        let _ = writeln!(o, "[[groups]]");
        let _ = writeln!(o, "name = \"{}\"", gname(i as u32 + 1));
        if *parent != 0 {
            let _ = writeln!(o, "parent = \"{}\"", gname(*parent));
        }
        let _ = writeln!(o, "shares = {}\n", (shares >> 10).clamp(2, 262_144));
    }
    // Tasks that ran or slept in the trace; the busiest N per group.
    let mut keep: Vec<&TaskStats> = a
        .tasks
        .values()
        .filter(|t| (100..140).contains(&t.prio) && !t.bursts.is_empty())
        .collect();
    keep.sort_by_key(|t| (std::cmp::Reverse(t.runtime), t.pid));
    let mut per_group: BTreeMap<u32, usize> = BTreeMap::new();
    let mut dropped = Vec::new();
    keep.retain(|t| {
        let n = per_group.entry(t.group).or_insert(0);
        *n += 1;
        if *n > N {
            dropped.push(format!("{}-{}", t.comm, t.pid));
            false
        } else {
            true
        }
    });
    keep.sort_by_key(|t| t.pid);
    if keep.is_empty() {
        return Err("no fair task ran in the trace".to_string());
    }
    if !dropped.is_empty() {
        let _ = writeln!(
            o,
            "# Left out ({N} tasks per group at most, the busiest kept): {}\n",
            dropped.join(", ")
        );
    }
    let mut dup: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &keep {
        *dup.entry(t.comm.as_str()).or_insert(0) += 1;
    }
    let name_of = |t: &TaskStats| -> String {
        let c = if t.comm.is_empty() {
            "task"
        } else {
            t.comm.as_str()
        };
        if dup.get(t.comm.as_str()).copied().unwrap_or(0) > 1 || t.comm.is_empty() {
            format!("{c}-{}", t.pid)
        } else {
            c.to_string()
        }
    };
    let names: BTreeMap<i32, String> = keep.iter().map(|t| (t.pid, name_of(t))).collect();
    for t in &keep {
        let _ = writeln!(o, "[[tasks]]");
        let _ = writeln!(o, "name = {}", toml_str(&names[&t.pid]));
        if t.group != 0 && (t.group as usize) <= a.groups.len() {
            let _ = writeln!(o, "group = \"{}\"", gname(t.group));
        }
        let nice = (t.prio - 120).clamp(-20, 19);
        if nice != 0 {
            let _ = writeln!(o, "nice = {nice}");
        }
        let first_cpu = t.cpus.first().copied().unwrap_or(0).min(ncpus - 1);
        let allowed: Option<Vec<u32>> = match &t.allowed {
            Some(v) if v.len() < ncpus as usize => Some(v.clone()),
            Some(_) => None,
            None if t.cpus.len() == 1 && ncpus > 1 => Some(t.cpus.clone()),
            None => None,
        };
        let cpu = match &allowed {
            Some(v) if !v.contains(&first_cpu) => v[0],
            _ => first_cpu,
        };
        let _ = writeln!(o, "cpu = {cpu}");
        if let Some(v) = &allowed {
            let s: Vec<String> = v.iter().map(|c| c.to_string()).collect();
            let _ = writeln!(o, "affinity = [{}]", s.join(", "));
        }
        if t.kthread {
            let _ = writeln!(o, "kthread = true");
        }
        let nb = t.bursts.len() as u64;
        let slept = t.woken_by_task + t.woken_by_timer;
        let _ = writeln!(
            o,
            "# recorded: {} bursts (mean {} ns), {} wakeups by tasks, {} by timers, {} wakes made ({} sync), {} ns CPU",
            nb,
            mean(&t.bursts),
            t.woken_by_task,
            t.woken_by_timer,
            t.wakes_made,
            t.sync_wakes,
            t.runtime
        );
        let mut phases: Vec<String> = Vec::new();
        if slept == 0 && t.went_to_sleep > 0 {
            // Slept and was never woken: its bursts, then sleep for good.
            let _ = writeln!(o, "loop = 1");
            let _ = writeln!(
                o,
                "phases = [ {{ run = \"{}\" }}, {{ block = true }} ]\n",
                dist(&t.bursts)
            );
            continue;
        }
        if slept == 0 {
            // Never slept: runs for good.
            phases.push("{ run = \"100ms\" }".to_string());
            let _ = writeln!(o, "phases = [ {} ]\n", phases.join(", "));
            continue;
        }
        let run = format!("{{ run = \"{}\" }}", dist(&t.bursts));
        let end = if t.woken_by_task * 2 >= slept {
            "{ block = true }".to_string()
        } else {
            let sleeps = if t.sleeps.is_empty() {
                vec![0]
            } else {
                t.sleeps.clone()
            };
            format!("{{ sleep = \"{}\" }}", dist(&sleeps))
        };
        let targets: Vec<String> = t
            .woke
            .keys()
            .filter_map(|p| names.get(p))
            .map(|n| toml_str(n))
            .collect();
        let wakes = t
            .woke
            .iter()
            .filter(|(p, _)| names.contains_key(p))
            .map(|e| *e.1)
            .sum::<u64>();
        // Recorded bursts per pass of the phases.
        let mut per_iter = 1;
        if targets.is_empty() || wakes == 0 {
            phases.push(run);
            phases.push(end);
        } else {
            let sync = if t.sync_wakes * 2 > t.wakes_made {
                ", sync = true"
            } else {
                ""
            };
            let wake = format!(
                "{{ wake = [{}], pick = \"next\"{sync} }}",
                targets.join(", ")
            );
            let ratio = wakes as f64 / nb.max(1) as f64;
            if ratio >= 0.5 {
                // k wakes spread evenly through the burst: the burst in
                // k + 1 equal pieces with a wake between two pieces.
                let k = (ratio.round() as u64).clamp(1, 64);
                let piece: Vec<u64> = t.bursts.iter().map(|b| b / (k + 1)).collect();
                let run_piece = format!("{{ run = \"{}\" }}", dist(&piece));
                for _ in 0..k {
                    phases.push(run_piece.clone());
                    phases.push(wake.clone());
                }
                phases.push(run_piece);
                phases.push(end);
            } else {
                let m = (1.0 / ratio).round().max(2.0) as u64;
                per_iter = m;
                phases.push(format!("{{ loop = {}, phases = [ {run}, {end} ] }}", m - 1));
                phases.push(run);
                phases.push(wake);
                phases.push(end);
            }
        }
        // The recorded amount of work: as many bursts as the trace shows
        // (a finite job ends as it did), then the task sleeps for good.
        let _ = writeln!(o, "loop = {}", nb.div_ceil(per_iter).max(1));
        let _ = writeln!(o, "phases = [\n  {},\n]\n", phases.join(",\n  "));
    }
    for (i, r) in releases.iter().enumerate() {
        let p = profile_named(r).ok_or_else(|| format!("unknown release '{r}'"))?;
        let _ = writeln!(o, "[[variants]]");
        let _ = writeln!(o, "name = \"{}\"", p.name());
        let _ = writeln!(o, "release = \"{r}\"");
        if let (0, Some(s)) = (i, a.base_slice) {
            if Some(r.as_str()) == a.release.as_deref()
                && s != p.base_slice(ncpus)
                && (100_000..=100_000_000).contains(&s)
            {
                let _ = writeln!(o, "base_slice = \"{}\"", crate::scenario::fmt_ns(s));
            }
        }
        o.push('\n');
    }
    let metrics: Vec<String> = keep
        .iter()
        .map(|t| toml_str(&format!("cpus_used:{}", names[&t.pid])))
        .chain(["\"cpu_busy\"".to_string()])
        .collect();
    // Top-level keys go before the first table.
    let o = o.replacen(
        "seed = 1\n",
        &format!("seed = 1\nmetrics = [{}]\n", metrics.join(", ")),
        1,
    );
    Ok(o)
}

pub const USAGE: &str = "usage: eevdf-lab extract TRACE [-o FILE] [--release R]...";

/// `eevdf-lab extract ...`: the exit status.
pub fn main(args: &[String]) -> i32 {
    let mut it = args.iter();
    let (mut file, mut out) = (None, None);
    let mut releases: Vec<String> = Vec::new();
    let usage = |e: String| {
        eprintln!("eevdf-lab extract: {e}");
        eprintln!("{USAGE}");
        2
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            "-o" | "--output" => match it.next() {
                Some(f) => out = Some(f.clone()),
                None => return usage(format!("{a} needs a file name")),
            },
            "--release" => match it.next() {
                Some(r) if profile_named(r).is_some() => releases.push(r.clone()),
                Some(r) => {
                    return usage(format!(
                        "unknown release '{r}' (6.5, 6.6, 6.18, 7.0, 7.1, ...)"
                    ))
                }
                None => return usage(format!("{a} needs a release")),
            },
            s if s.starts_with('-') => return usage(format!("unknown option '{s}'")),
            s if file.is_none() => file = Some(s.to_string()),
            s => return usage(format!("one trace at a time, not also '{s}'")),
        }
    }
    let Some(file) = file else {
        return usage("no trace file given".to_string());
    };
    let fail = |e: String| {
        eprintln!("eevdf-lab extract: {e}");
        1
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {file}: {e}")),
    };
    let trace = match parse(&text) {
        Ok(t) => t,
        Err(e) => return fail(format!("{file}: {e}")),
    };
    let a = analyze(&trace);
    if releases.is_empty() {
        let rec = a
            .release
            .as_deref()
            .map(|r| r.strip_prefix("linux-").unwrap_or(r).to_string());
        releases = match rec {
            Some(r) if r == "7.1" => vec![r],
            Some(r) if profile_named(&r).is_some() => vec![r, "7.1".to_string()],
            _ => vec!["6.6".to_string(), "7.1".to_string()],
        };
    }
    let s = match scenario_text(&a, &file, &releases) {
        Ok(s) => s,
        Err(e) => return fail(format!("{file}: {e}")),
    };
    // The file must read back.
    if let Err(e) = crate::scenario::parse(out.as_deref().unwrap_or("<extracted>"), &s) {
        return fail(format!("the extracted scenario does not read back: {e}"));
    }
    match &out {
        Some(f) => {
            if let Err(e) = std::fs::write(f, &s) {
                return fail(format!("cannot write {f}: {e}"));
            }
            eprintln!(
                "eevdf-lab: {} tasks from {file} ({:.3} s) in {f}",
                s.matches("[[tasks]]").count(),
                a.secs
            );
        }
        None => print!("{s}"),
    }
    0
}
