//! Reading ftrace text: `/sys/kernel/tracing/trace` (and `trace_pipe`),
//! `trace-cmd report` with or without its sched plugin, and `perf script`
//! of the sched tracepoints (`COMM PID[/TID] [CPU] TIME: sched:EVENT: ...`).
//!
//! A line is `TASK-PID [(TGID)] [CPU] [FLAGS] SECONDS.FRACTION: EVENT: FIELDS`.
//! The flags column is optional and 0 to 5 characters wide (kernels since
//! 5.14 print 5); the timestamp may have any number of decimals up to 9.
//! Lines starting with `#` are comments (kept, for the lab's own header);
//! lines that are not events (trace-cmd's `cpus=4`, `CPU 3 is empty`, an
//! annotation) are counted as skipped. Events other than the ones below are
//! kept as [`Event::Other`] with their name.
//!
//! Fields follow the kernel's `TP_printk` formats of
//! `include/trace/events/sched.h` (checked against v6.6): each field is
//! found by its `name=`, so extra fields a later release appends
//! (`sched_process_exit`'s `group_dead=`) and fields a release dropped
//! (`sched_stat_runtime`'s `vruntime=`, gone in v6.8) are both accepted. A
//! `comm` may contain spaces (`CPU 3/KVM`): it runs up to the next field.
//! A known event with a missing or malformed field is an error naming the
//! line and the field.

use std::fmt;

/// One `sched_waking` / `sched_wakeup` / `sched_wakeup_new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wake {
    pub comm: String,
    pub pid: i32,
    pub prio: i32,
    /// Absent in trace-cmd's plugin output when the record has no CPU.
    pub target_cpu: Option<u32>,
}

/// The vhost report's custom `sched_place` event (printed at the end of
/// `place_entity`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub comm: String,
    pub pid: i32,
    /// The entity's vruntime, deadline and vlag after placement.
    pub sev: u64,
    pub sed: u64,
    pub sel: i64,
    /// The queue's avg_vruntime and min_vruntime.
    pub avg: u64,
    pub min: u64,
    pub cpu: u32,
    /// The queue's nr_running.
    pub nr: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Switch {
        prev_comm: String,
        prev_pid: i32,
        prev_prio: i32,
        /// `R`, `R+` (preempted), `S`, `D`, `I`, `D|K`, …
        prev_state: String,
        next_comm: String,
        next_pid: i32,
        next_prio: i32,
    },
    Waking(Wake),
    Wakeup(Wake),
    WakeupNew(Wake),
    Migrate {
        comm: String,
        pid: i32,
        prio: i32,
        orig_cpu: u32,
        dest_cpu: u32,
    },
    Runtime {
        comm: String,
        pid: i32,
        runtime: u64,
        /// Printed up to v6.7 (removed by commit 5fe6ec8f6ab5 in v6.8).
        vruntime: Option<u64>,
    },
    Exit {
        comm: String,
        pid: i32,
        prio: i32,
    },
    /// `hrtimer_expire_entry` of the scheduler tick (`tick_sched_timer`, or
    /// `tick_nohz_handler` since v6.9).
    Tick,
    /// `tracing_mark_write` (or `print`): the text written.
    Mark(String),
    Place(Place),
    /// Any other event, by name.
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the text.
    pub no: usize,
    pub comm: String,
    pub pid: i32,
    pub cpu: u32,
    /// The flags column as printed (empty if absent).
    pub flags: String,
    /// Nanoseconds.
    pub ts: u64,
    pub event: Event,
}

#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub lines: Vec<Line>,
    /// The `#` comment lines, without the `#`.
    pub comments: Vec<String>,
    /// Lines that were neither comments nor events.
    pub skipped: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole trace.
pub fn parse(text: &str) -> Result<Trace, ParseError> {
    let mut t = Trace::default();
    for (i, raw) in text.lines().enumerate() {
        let no = i + 1;
        let s = raw.trim();
        if s.is_empty() {
            continue;
        }
        if let Some(c) = s.strip_prefix('#') {
            t.comments.push(c.to_string());
            continue;
        }
        match parse_line(no, raw).map_err(|msg| ParseError { line: no, msg })? {
            Some(l) => t.lines.push(l),
            None => t.skipped += 1,
        }
    }
    Ok(t)
}

/// The `TASK-PID` part before a `[CPU]` that starts at byte `open` of `s`,
/// if the text there has that shape.
fn task_before(s: &str, open: usize) -> Option<(String, i32)> {
    let mut head = s[..open].trim_end();
    // An optional `(  TGID)` or `(-----)` column.
    if let Some(h) = head.strip_suffix(')') {
        let p = h.rfind('(')?;
        let inner = h[p + 1..].trim();
        if !inner.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return None;
        }
        head = h[..p].trim_end();
    }
    if let Some(dash) = head.rfind('-') {
        let pid = &head[dash + 1..];
        if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) {
            return Some((head[..dash].trim().to_string(), pid.parse().ok()?));
        }
    }
    // `perf script`: `COMM PID` or `COMM PID/TID` (the TID is the kernel's pid).
    let (comm, id) = head.rsplit_once(char::is_whitespace)?;
    let tid = id.rsplit('/').next()?;
    if comm.trim().is_empty() || tid.is_empty() || !tid.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((comm.trim().to_string(), tid.parse().ok()?))
}

/// Parses one line: `Ok(None)` if it is not an event line at all.
pub fn parse_line(no: usize, raw: &str) -> Result<Option<Line>, String> {
    let _ = no;
    // Find the first `[digits]` preceded by `TASK-PID`.
    let mut from = 0;
    let (comm, pid, cpu, rest) = loop {
        let Some(rel) = raw[from..].find('[') else {
            return Ok(None);
        };
        let open = from + rel;
        from = open + 1;
        let Some(close_rel) = raw[open..].find(']') else {
            return Ok(None);
        };
        let inner = &raw[open + 1..open + close_rel];
        if inner.is_empty() || inner.len() > 6 || !inner.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Some((comm, pid)) = task_before(raw, open) {
            let cpu: u32 = inner
                .parse()
                .map_err(|_| format!("CPU '{inner}' out of range"))?;
            break (comm, pid, cpu, &raw[open + close_rel + 1..]);
        }
    };
    // [FLAGS] TIMESTAMP: EVENT: FIELDS
    let rest = rest.trim_start();
    let (flags, rest) = match rest.split_once(char::is_whitespace) {
        Some((first, after)) if !first.ends_with(':') => (first, after.trim_start()),
        _ => ("", rest),
    };
    if flags.len() > 5 || !flags.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return Err(format!("flags '{flags}' are not an ftrace flags column"));
    }
    let Some((ts_str, rest)) = rest.split_once(':') else {
        return Err("no 'TIMESTAMP:' after the CPU".to_string());
    };
    let ts = parse_ts(ts_str.trim())?;
    let rest = rest.trim_start();
    let (name, body) = match rest.split_once(':') {
        Some((n, b)) if !n.is_empty() && !n.contains(char::is_whitespace) => (n, b),
        _ => return Err("no 'EVENT:' after the timestamp".to_string()),
    };
    // `perf script` names events `SUBSYSTEM:EVENT:` (`sched:sched_switch:`).
    let (name, body) = match body.split_once(':') {
        Some((e, b))
            if !e.is_empty()
                && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && b.starts_with(' ') =>
        {
            (e, b.trim())
        }
        _ => (name, body.trim()),
    };
    let event = parse_event(name, body).map_err(|e| format!("{name}: {e}"))?;
    Ok(Some(Line {
        no,
        comm,
        pid,
        cpu,
        flags: flags.to_string(),
        ts,
        event,
    }))
}

/// `SECONDS.FRACTION` → nanoseconds (at most 9 decimals).
fn parse_ts(s: &str) -> Result<u64, String> {
    let bad = || format!("timestamp '{s}' is not SECONDS.FRACTION");
    let (a, b) = s.split_once('.').ok_or_else(bad)?;
    if a.is_empty()
        || b.is_empty()
        || b.len() > 9
        || !a.chars().all(|c| c.is_ascii_digit())
        || !b.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let secs: u64 = a.parse().map_err(|_| bad())?;
    let frac: u64 = b.parse().map_err(|_| bad())?;
    let frac = frac * 10u64.pow(9 - b.len() as u32);
    secs.checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(frac))
        .ok_or_else(bad)
}

/// Finds `key=` at the start of `body` or after a space, from byte `from`.
fn find_key(body: &str, key: &str, from: usize) -> Option<usize> {
    let pat = format!("{key}=");
    let mut at = from;
    while let Some(rel) = body.get(at..)?.find(&pat) {
        let p = at + rel;
        if p == 0 || body.as_bytes()[p - 1] == b' ' {
            return Some(p);
        }
        at = p + 1;
    }
    None
}

/// The values of `keys`, in order. A `comm` value runs to the next key; any
/// other value is its first word (`13884` of `runtime=13884 [ns]`). Keys
/// marked optional (`?` suffix) may be missing.
fn fields<'a>(body: &'a str, keys: &[&str]) -> Result<Vec<Option<&'a str>>, String> {
    let mut starts: Vec<Option<(usize, usize)>> = Vec::with_capacity(keys.len());
    let mut from = 0;
    for k in keys {
        let (name, optional) = match k.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*k, false),
        };
        match find_key(body, name, from) {
            Some(p) => {
                starts.push(Some((p, p + name.len() + 1)));
                from = p + name.len() + 1;
            }
            None if optional => starts.push(None),
            None => return Err(format!("field '{name}' missing")),
        }
    }
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let Some((_, vstart)) = starts[i] else {
            out.push(None);
            continue;
        };
        let end = starts[i + 1..]
            .iter()
            .flatten()
            .map(|&(p, _)| p)
            .next()
            .unwrap_or(body.len());
        let seg = body[vstart..end.max(vstart)].trim();
        let name = k.trim_end_matches('?');
        let v = if name.ends_with("comm") {
            seg.trim_end_matches("==>").trim_end()
        } else {
            seg.split_whitespace().next().unwrap_or("")
        };
        out.push(Some(v));
    }
    Ok(out)
}

fn int<T: std::str::FromStr>(key: &str, v: Option<&str>) -> Result<T, String> {
    let v = v.unwrap_or("");
    v.parse()
        .map_err(|_| format!("field '{key}': expected an integer, found '{v}'"))
}

fn text(v: Option<&str>) -> String {
    v.unwrap_or("").to_string()
}

fn parse_wake(body: &str) -> Result<Wake, String> {
    if find_key(body, "comm", 0).is_some() {
        let f = fields(body, &["comm", "pid", "prio", "target_cpu?"])?;
        return Ok(Wake {
            comm: text(f[0]),
            pid: int("pid", f[1])?,
            prio: int("prio", f[2])?,
            target_cpu: match f[3] {
                Some(v) => Some(int("target_cpu", Some(v))?),
                None => None,
            },
        });
    }
    // trace-cmd's plugin: `COMM:PID [PRIO] [success=1] CPU:003`.
    let (task, after) = body
        .split_once(" [")
        .ok_or_else(|| "field 'comm' missing".to_string())?;
    let (comm, pid) = plugin_task(task)?;
    let (prio, after) = after
        .split_once(']')
        .ok_or_else(|| "field 'prio' missing".to_string())?;
    let cpu = after
        .split_whitespace()
        .find_map(|w| w.strip_prefix("CPU:"))
        .map(|c| int("target_cpu", Some(c)))
        .transpose()?;
    Ok(Wake {
        comm,
        pid,
        prio: int("prio", Some(prio.trim()))?,
        target_cpu: cpu,
    })
}

/// `COMM:PID` of trace-cmd's plugin output.
fn plugin_task(s: &str) -> Result<(String, i32), String> {
    let s = s.trim();
    let (comm, pid) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("field 'pid' missing in '{s}'"))?;
    Ok((comm.to_string(), int("pid", Some(pid))?))
}

fn parse_switch(body: &str) -> Result<Event, String> {
    if find_key(body, "prev_comm", 0).is_some() {
        let f = fields(
            body,
            &[
                "prev_comm",
                "prev_pid",
                "prev_prio",
                "prev_state",
                "next_comm",
                "next_pid",
                "next_prio",
            ],
        )?;
        return Ok(Event::Switch {
            prev_comm: text(f[0]),
            prev_pid: int("prev_pid", f[1])?,
            prev_prio: int("prev_prio", f[2])?,
            prev_state: text(f[3]),
            next_comm: text(f[4]),
            next_pid: int("next_pid", f[5])?,
            next_prio: int("next_prio", f[6])?,
        });
    }
    // trace-cmd's plugin: `PREV:PID [PRIO] STATE ==> NEXT:PID [PRIO]`.
    let (a, b) = body
        .split_once(" ==> ")
        .ok_or_else(|| "field 'prev_comm' missing".to_string())?;
    let (ptask, pafter) = a
        .split_once(" [")
        .ok_or_else(|| "field 'prev_prio' missing".to_string())?;
    let (pprio, pstate) = pafter
        .split_once(']')
        .ok_or_else(|| "field 'prev_prio' missing".to_string())?;
    let (ntask, nafter) = b
        .rsplit_once(" [")
        .ok_or_else(|| "field 'next_prio' missing".to_string())?;
    let nprio = nafter.trim().trim_end_matches(']');
    let (pc, pp) = plugin_task(ptask)?;
    let (nc, np) = plugin_task(ntask)?;
    Ok(Event::Switch {
        prev_comm: pc,
        prev_pid: pp,
        prev_prio: int("prev_prio", Some(pprio.trim()))?,
        prev_state: pstate.trim().to_string(),
        next_comm: nc,
        next_pid: np,
        next_prio: int("next_prio", Some(nprio))?,
    })
}

fn parse_event(name: &str, body: &str) -> Result<Event, String> {
    Ok(match name {
        "sched_switch" => parse_switch(body)?,
        "sched_waking" => Event::Waking(parse_wake(body)?),
        "sched_wakeup" => Event::Wakeup(parse_wake(body)?),
        "sched_wakeup_new" => Event::WakeupNew(parse_wake(body)?),
        "sched_migrate_task" => {
            let f = fields(body, &["comm", "pid", "prio", "orig_cpu", "dest_cpu"])?;
            Event::Migrate {
                comm: text(f[0]),
                pid: int("pid", f[1])?,
                prio: int("prio", f[2])?,
                orig_cpu: int("orig_cpu", f[3])?,
                dest_cpu: int("dest_cpu", f[4])?,
            }
        }
        "sched_stat_runtime" => {
            let f = fields(body, &["comm", "pid", "runtime", "vruntime?"])?;
            Event::Runtime {
                comm: text(f[0]),
                pid: int("pid", f[1])?,
                runtime: int("runtime", f[2])?,
                vruntime: match f[3] {
                    Some(v) => Some(int("vruntime", Some(v))?),
                    None => None,
                },
            }
        }
        "sched_process_exit" => {
            let f = fields(body, &["comm", "pid", "prio"])?;
            Event::Exit {
                comm: text(f[0]),
                pid: int("pid", f[1])?,
                prio: int("prio", f[2])?,
            }
        }
        "sched_place" => {
            let f = fields(
                body,
                &[
                    "comm", "pid", "sev", "sed", "sel", "avg", "min", "cpu", "nr",
                ],
            )?;
            Event::Place(Place {
                comm: text(f[0]),
                pid: int("pid", f[1])?,
                sev: int("sev", f[2])?,
                sed: int("sed", f[3])?,
                sel: int("sel", f[4])?,
                avg: int("avg", f[5])?,
                min: int("min", f[6])?,
                cpu: int("cpu", f[7])?,
                nr: int("nr", f[8])?,
            })
        }
        "hrtimer_expire_entry" => {
            let f = fields(body, &["function"])?;
            // perf prints `tick_sched_timer/0x0` (symbol and offset).
            match f[0].map(|f| f.split('/').next().unwrap_or(f)) {
                Some("tick_sched_timer") | Some("tick_nohz_handler") => Event::Tick,
                _ => Event::Other(name.to_string()),
            }
        }
        "tracing_mark_write" => Event::Mark(body.to_string()),
        // trace-cmd names the event `print` and prints the function that
        // wrote it first (`print: tracing_mark_write: C|...`).
        "print" => Event::Mark(
            body.strip_prefix("tracing_mark_write:")
                .map_or(body, str::trim_start)
                .to_string(),
        ),
        _ => Event::Other(name.to_string()),
    })
}
