//! Scenario files: a workload described in TOML instead of Rust, run by a
//! generic engine on [`crate::sim::Sim`] (`eevdf-lab run FILE`). The format
//! (version 1) is documented in the "Scenario files" section of
//! `docs/lab.md`; `lab/scenarios/` holds examples.
//!
//! Reading a file has two steps: serde (with the `toml` crate) turns the
//! text into the raw [`File`] structure, keeping each value's byte span;
//! [`compile`] then checks every value and builds a [`Scenario`]. Each
//! error of either step names the file, the line and column, and the field
//! (`FILE:LINE:COL: tasks[2].phases[1].run: ...`); nothing in reading or
//! running a scenario panics, because everything the engine or the library
//! would refuse (more task groups or tasks than a CPU's run queue holds, a
//! nice outside -20..19, a CPU the machine does not have) is refused here.

use std::fmt;
use std::ops::Range;

use eevdf::group::{SharesLoad, TaskGroup};
use eevdf::weight::LoadWeight;
use serde::Deserialize;
use toml::Spanned;

use crate::sim::{G, N};
use crate::trace::replay::profile_named;
pub use crate::workload::*;

/// The format version this lab reads.
pub const VERSION: u32 = 1;

// ---------------------------------------------------------------------------
// The raw file (serde).

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub version: Spanned<u32>,
    pub name: Option<Spanned<String>>,
    pub description: Option<String>,
    pub secs: Option<Spanned<f64>>,
    pub warmup_secs: Option<Spanned<f64>>,
    pub seed: Option<u64>,
    /// One random stream for the whole scenario (its number), drawn in
    /// event order; absent: a stream per task.
    pub random_stream: Option<u64>,
    pub machine: Spanned<MachineFile>,
    #[serde(default)]
    pub groups: Vec<Spanned<GroupFile>>,
    #[serde(default)]
    pub tasks: Vec<Spanned<TaskFile>>,
    #[serde(default)]
    pub queues: Vec<Spanned<QueueFile>>,
    #[serde(default)]
    pub locks: Vec<Spanned<String>>,
    /// An rt-app JSON file (path relative to this file) whose tasks are
    /// added to `tasks`.
    pub rtapp: Option<Spanned<String>>,
    #[serde(default)]
    pub variants: Vec<Spanned<VariantFile>>,
    #[serde(default)]
    pub metrics: Vec<Spanned<MetricFile>>,
}

/// A metric: `"kind"` / `"kind:of"`, or a table naming its column.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MetricFile {
    Short(String),
    Table(Box<MetricTable>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricTable {
    pub column: Option<String>,
    pub metric: String,
    pub of: Option<Names>,
    pub sets: Option<Vec<Vec<String>>>,
    pub by: Option<Vec<String>>,
    pub per: Option<String>,
    pub than: Option<String>,
    pub every: Option<String>,
    pub stat: Option<String>,
    pub cpu: Option<u32>,
    pub unit: Option<String>,
    pub over: Option<String>,
    pub decimals: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    pub name: Spanned<String>,
    pub per: Option<Spanned<String>>,
    pub items: Option<Spanned<u32>>,
    pub arrive: Option<Spanned<ArriveFile>>,
    pub latency: Option<Spanned<String>>,
    pub batch: Option<Spanned<u32>>,
    pub hops: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArriveFile {
    pub items: u32,
    pub at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineFile {
    pub cpus: Spanned<u32>,
    pub hz: Option<Spanned<u32>>,
    pub newidle_pull: Option<bool>,
    pub idle_is_preempted: Option<bool>,
    pub resume_latency: Option<Spanned<String>>,
    pub linux_balance: Option<bool>,
    pub nohz: Option<bool>,
    pub llcs: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    pub name: Spanned<String>,
    pub parent: Option<Spanned<String>>,
    /// `cpu.shares` (cgroup v1; 1024 = the default).
    pub shares: Option<Spanned<u64>>,
    /// `cpu.weight` (cgroup v2; 100 = the default).
    pub cpu_weight: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskFile {
    pub name: Spanned<String>,
    pub count: Option<Spanned<u32>>,
    pub group: Option<Spanned<String>>,
    pub nice: Option<Spanned<i32>>,
    pub weight: Option<Spanned<u64>>,
    pub slice: Option<Spanned<String>>,
    pub cpu: Option<Spanned<u32>>,
    pub affinity: Option<Spanned<Vec<u32>>>,
    pub pinned: Option<bool>,
    pub kthread: Option<bool>,
    #[serde(rename = "loop")]
    pub loops: Option<Spanned<i64>>,
    pub phases: Spanned<Vec<Spanned<PhaseFile>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseFile {
    pub run: Option<Spanned<String>>,
    pub sleep: Option<Spanned<String>>,
    pub block: Option<Spanned<bool>>,
    pub timer: Option<Spanned<String>>,
    pub wake: Option<Spanned<Names>>,
    pub sync: Option<bool>,
    pub pick: Option<Spanned<String>>,
    pub take: Option<Spanned<String>>,
    pub put: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    pub items: Option<Spanned<u32>>,
    #[serde(rename = "move")]
    pub move_from: Option<Spanned<String>>,
    pub into: Option<Spanned<String>>,
    pub lock: Option<Spanned<String>>,
    pub unlock: Option<Spanned<String>>,
    #[serde(rename = "loop")]
    pub loops: Option<Spanned<i64>>,
    pub phases: Option<Spanned<Vec<Spanned<PhaseFile>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantFile {
    pub name: Spanned<String>,
    pub release: Spanned<String>,
    #[serde(default)]
    pub features: Vec<Spanned<String>>,
    pub base_slice: Option<Spanned<String>>,
    pub shares_rule: Option<Spanned<String>>,
    pub idle_is_preempted: Option<bool>,
    pub llcs: Option<Spanned<u32>>,
    pub wake_rule: Option<Spanned<String>>,
    pub affine_wakeups: Option<bool>,
    #[serde(default)]
    pub pinned: Vec<Spanned<String>>,
    pub kthreads: Option<bool>,
    pub notes: Option<std::collections::BTreeMap<String, String>>,
}

/// A wake to resolve: (instance, op index, names, field path, span).
type WakeRef = (usize, usize, Vec<String>, String, Range<usize>);

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    /// A duration (`"3ms"`, …) of 0.1 ms to 100 ms: the range of a custom
    /// slice (`sched_setattr`) and of the base slice (debugfs).
    fn slice(&self, s: &Spanned<String>, field: &str, range: &str) -> Result<u64, FileError> {
        let v = parse_duration(s.get_ref()).map_err(|e| self.err(s.span(), field, e))?;
        if !(100_000..=100_000_000).contains(&v) {
            return Err(self.err(s.span(), field, range));
        }
        Ok(v)
    }

    fn err(&self, span: Range<usize>, field: &str, msg: impl fmt::Display) -> FileError {
        let (line, col) = line_col(self.text, span.start);
        FileError {
            file: self.file.to_string(),
            line,
            col,
            msg: format!("{field}: {msg}"),
        }
    }
}

/// The queue and lock names phases refer to.
struct Shared {
    queues: Vec<String>,
    locks: Vec<String>,
}

impl Shared {
    fn queue(&self, ctx: &Ctx, q: &Spanned<String>, field: &str) -> Result<usize, FileError> {
        self.queues
            .iter()
            .position(|n| n == q.get_ref())
            .ok_or_else(|| ctx.err(q.span(), field, format!("no queue '{}'", q.get_ref())))
    }

    fn lock(&self, ctx: &Ctx, l: &Spanned<String>, field: &str) -> Result<usize, FileError> {
        self.locks
            .iter()
            .position(|n| n == l.get_ref())
            .ok_or_else(|| {
                ctx.err(
                    l.span(),
                    field,
                    format!("no lock '{}' (name it in locks)", l.get_ref()),
                )
            })
    }
}

/// The key whose value starts at byte `at` (`machine.cpus`, or the inline
/// key `run` inside a phase), as far as the text shows it.
fn key_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let before = &text[start..at];
    let eq = before.rfind('=')?;
    let head = &before[..eq];
    let key = head
        .rsplit(['{', ',', '['])
        .next()?
        .trim()
        .trim_matches('"');
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    if head.contains('{') {
        return Some(key.to_string());
    }
    // A top-level key or one of a [table] / [[table]].
    let table = text[..start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// `2ms`, `150us`, `1.5s`, `300ns` (a number and a unit) → ns.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = (&s[..split], s[split..].trim());
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => {
            return Err(format!(
                "'{s}' is not a duration (a number and ns, us, ms or s, e.g. 2ms)"
            ))
        }
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (a number and ns, us, ms or s)"))?;
    let ns = v * scale;
    if !ns.is_finite() || ns > 3600e9 {
        return Err(format!("'{s}' is longer than an hour"));
    }
    Ok(ns.round() as u64)
}

/// `2ms` (fixed), `0.5ms..2ms` (uniform), `exp(1ms)` (exponential mean).
pub fn parse_dist(s: &str) -> Result<Dist, String> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("exp(").and_then(|r| r.strip_suffix(')')) {
        return Ok(Dist::Exp(parse_duration(inner)?));
    }
    if let Some((a, b)) = s.split_once("..") {
        let (lo, hi) = (parse_duration(a)?, parse_duration(b)?);
        if lo > hi {
            return Err(format!("'{s}': the range's low end is above its high end"));
        }
        return Ok(Dist::Uniform(lo, hi));
    }
    Ok(Dist::Fixed(parse_duration(s)?))
}

// ---------------------------------------------------------------------------
// Reading.

/// Reads and checks a scenario file (TOML, or an rt-app JSON workload when
/// the name ends in `.json`).
pub fn load(path: &str) -> Result<Scenario, FileError> {
    let text = std::fs::read_to_string(path).map_err(|e| FileError {
        file: path.to_string(),
        line: 0,
        col: 0,
        msg: format!("cannot read: {e}"),
    })?;
    if path.ends_with(".json") {
        return crate::rtapp::import(path, &text);
    }
    parse(path, &text)
}

/// Parses and checks a scenario file's text; `file` names it in errors
/// (and is where an `rtapp` path is relative to).
pub fn parse(file: &str, text: &str) -> Result<Scenario, FileError> {
    let raw: File = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        let msg = e.message().trim().to_string();
        // serde's type errors do not say where: name the key written there.
        let msg = match e.span().and_then(|s| key_at(text, s.start)) {
            Some(k) if !msg.contains("field") => format!("{k}: {msg}"),
            _ => msg,
        };
        FileError {
            file: file.to_string(),
            line,
            col,
            msg,
        }
    })?;
    compile(file, text, raw)
}

fn phase_err(ctx: &Ctx, p: &Spanned<PhaseFile>, path: &str, msg: &str) -> FileError {
    ctx.err(p.span(), path, msg)
}

/// Compiles a phase list into `out`; returns whether it contains a run
/// of more than 0 ns. Every forever loop must: tasks that wake each other
/// without running would livelock at one instant (a task's sleep, block or
/// timer can be cut short by a wake, so only CPU time moves the clock
/// for sure).
fn compile_phases(
    ctx: &Ctx,
    shared: &Shared,
    phases: &[Spanned<PhaseFile>],
    path: &str,
    out: &mut Vec<Op>,
    wakes: &mut Vec<(usize, Vec<String>, String, Range<usize>)>,
    depth: usize,
) -> Result<bool, FileError> {
    let mut advances = false;
    for (i, p) in phases.iter().enumerate() {
        let path = format!("{path}[{i}]");
        let f = p.get_ref();
        let actions = [
            f.run.is_some(),
            f.sleep.is_some(),
            f.block.is_some(),
            f.timer.is_some(),
            f.wake.is_some(),
            f.take.is_some(),
            f.put.is_some(),
            f.move_from.is_some(),
            f.lock.is_some(),
            f.unlock.is_some(),
            f.phases.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if actions != 1 {
            return Err(phase_err(
                ctx,
                p,
                &path,
                "a phase has exactly one of run, sleep, block, timer, wake, take, put, move, lock, unlock or phases (a loop)",
            ));
        }
        if f.wake.is_none() && f.put.is_none() && f.sync.is_some() {
            return Err(phase_err(ctx, p, &path, "sync belongs to a wake or a put"));
        }
        if f.wake.is_none() && f.pick.is_some() {
            return Err(phase_err(ctx, p, &path, "pick belongs to a wake"));
        }
        if f.put.is_none() && (f.to.is_some() || f.items.is_some()) {
            return Err(phase_err(ctx, p, &path, "to and items belong to a put"));
        }
        if f.move_from.is_none() && f.into.is_some() {
            return Err(phase_err(ctx, p, &path, "into belongs to a move"));
        }
        if f.phases.is_none() && f.loops.is_some() {
            return Err(phase_err(
                ctx,
                p,
                &path,
                "loop belongs to a phase with phases",
            ));
        }
        let dist = |v: &Spanned<String>, field: &str| {
            parse_dist(v.get_ref()).map_err(|e| ctx.err(v.span(), &format!("{path}.{field}"), e))
        };
        if let Some(r) = &f.run {
            let d = dist(r, "run")?;
            advances |= d.max() > 0;
            out.push(Op::Run(d));
        } else if let Some(s) = &f.sleep {
            out.push(Op::Sleep(dist(s, "sleep")?));
        } else if let Some(b) = &f.block {
            if !*b.get_ref() {
                return Err(ctx.err(b.span(), &format!("{path}.block"), "only block = true"));
            }
            out.push(Op::Block);
        } else if let Some(t) = &f.timer {
            let period = parse_duration(t.get_ref())
                .map_err(|e| ctx.err(t.span(), &format!("{path}.timer"), e))?;
            if period == 0 {
                return Err(ctx.err(t.span(), &format!("{path}.timer"), "a period above 0"));
            }
            out.push(Op::Timer(period));
        } else if let Some(w) = &f.wake {
            let names = match w.get_ref() {
                Names::One(n) => vec![n.clone()],
                Names::Many(v) => v.clone(),
            };
            if names.is_empty() {
                return Err(ctx.err(w.span(), &format!("{path}.wake"), "no task named"));
            }
            let pick = match f.pick.as_ref().map(|p| p.get_ref().as_str()) {
                None | Some("all") => Pick::All,
                Some("random") => Pick::Random,
                Some("next") => Pick::Next,
                Some(o) => {
                    let sp = f.pick.as_ref().map_or(w.span(), |p| p.span());
                    return Err(ctx.err(
                        sp,
                        &format!("{path}.pick"),
                        format!("'{o}' is not all, random or next"),
                    ));
                }
            };
            wakes.push((out.len(), names, format!("{path}.wake"), w.span()));
            out.push(Op::Wake {
                targets: Vec::new(),
                pick,
                sync: f.sync.unwrap_or(false),
            });
        } else if let Some(q) = &f.take {
            out.push(Op::Take(shared.queue(ctx, q, &format!("{path}.take"))?));
        } else if let Some(q) = &f.put {
            let queue = shared.queue(ctx, q, &format!("{path}.put"))?;
            let to_next = match &f.to {
                None => false,
                Some(t) if t.get_ref() == "next" => true,
                Some(t) => {
                    return Err(ctx.err(
                        t.span(),
                        &format!("{path}.to"),
                        format!("'{}' is not next (the next instance's queue)", t.get_ref()),
                    ))
                }
            };
            let items = match &f.items {
                None => 1,
                Some(n) if (1..=1_000_000).contains(n.get_ref()) => *n.get_ref(),
                Some(n) => return Err(ctx.err(n.span(), &format!("{path}.items"), "1 to 1000000")),
            };
            out.push(Op::Put {
                queue,
                to_next,
                items,
                sync: f.sync.unwrap_or(false),
            });
        } else if let Some(q) = &f.move_from {
            let from = shared.queue(ctx, q, &format!("{path}.move"))?;
            let Some(into) = &f.into else {
                return Err(phase_err(
                    ctx,
                    p,
                    &path,
                    "a move needs into (the queue it fills)",
                ));
            };
            let to = shared.queue(ctx, into, &format!("{path}.into"))?;
            out.push(Op::Move { from, to });
        } else if let Some(l) = &f.lock {
            out.push(Op::Lock(shared.lock(ctx, l, &format!("{path}.lock"))?));
        } else if let Some(l) = &f.unlock {
            out.push(Op::Unlock(shared.lock(
                ctx,
                l,
                &format!("{path}.unlock"),
            )?));
        } else if let Some(body) = &f.phases {
            if depth >= 8 {
                return Err(phase_err(ctx, p, &path, "loops nest at most 8 deep"));
            }
            let count = match &f.loops {
                None => Some(1),
                Some(l) if *l.get_ref() == -1 => None,
                Some(l) if *l.get_ref() >= 1 => Some(*l.get_ref() as u64),
                Some(l) => {
                    return Err(ctx.err(
                        l.span(),
                        &format!("{path}.loop"),
                        "a count of at least 1, or -1 for forever",
                    ))
                }
            };
            let start = out.len();
            out.push(Op::LoopStart(count));
            let inner = compile_phases(
                ctx,
                shared,
                body.get_ref(),
                &format!("{path}.phases"),
                out,
                wakes,
                depth + 1,
            )?;
            if count.is_none() && !inner {
                return Err(phase_err(
                    ctx,
                    p,
                    &path,
                    "a loop that runs forever needs a run phase in it",
                ));
            }
            advances |= inner;
            out.push(Op::LoopEnd(start));
        }
    }
    Ok(advances)
}

/// Checks a raw file and builds the scenario.
pub fn compile(file: &str, text: &str, raw: File) -> Result<Scenario, FileError> {
    let ctx = Ctx { file, text };
    if *raw.version.get_ref() != VERSION {
        return Err(ctx.err(
            raw.version.span(),
            "version",
            format!(
                "this lab reads version {VERSION}, not {}",
                raw.version.get_ref()
            ),
        ));
    }
    let name = match &raw.name {
        Some(n) if n.get_ref().is_empty() || n.get_ref().contains(char::is_whitespace) => {
            return Err(ctx.err(n.span(), "name", "a name without spaces"))
        }
        Some(n) => n.get_ref().clone(),
        None => std::path::Path::new(file)
            .file_stem()
            .map_or("scenario".to_string(), |s| s.to_string_lossy().into_owned()),
    };
    let secs = match &raw.secs {
        None => 10.0,
        Some(s) if *s.get_ref() > 0.0 && *s.get_ref() <= 3600.0 => *s.get_ref(),
        Some(s) => return Err(ctx.err(s.span(), "secs", "seconds with 0 < secs <= 3600")),
    };
    let warmup_secs = match &raw.warmup_secs {
        None => None,
        Some(w) if *w.get_ref() >= 0.0 && *w.get_ref() < secs => Some(*w.get_ref()),
        Some(w) => {
            return Err(ctx.err(
                w.span(),
                "warmup_secs",
                "seconds with 0 <= warmup_secs < secs",
            ))
        }
    };
    let m = raw.machine.get_ref();
    let cpus = *m.cpus.get_ref() as usize;
    if !(1..=64).contains(&cpus) {
        return Err(ctx.err(m.cpus.span(), "machine.cpus", "1 to 64 CPUs"));
    }
    let hz = match &m.hz {
        None => 250,
        Some(h) if [100, 250, 300, 1000].contains(h.get_ref()) => *h.get_ref(),
        Some(h) => return Err(ctx.err(h.span(), "machine.hz", "one of 100, 250, 300, 1000")),
    };
    let resume_latency = match &m.resume_latency {
        None => 0,
        Some(r) => parse_duration(r.get_ref())
            .map_err(|e| ctx.err(r.span(), "machine.resume_latency", e))?,
    };
    let llcs = |l: &Option<Spanned<u32>>, field: &str| match l {
        None => Ok(None),
        Some(n) if *n.get_ref() >= 1 && cpus % *n.get_ref() as usize == 0 => {
            Ok(Some(*n.get_ref() as usize))
        }
        Some(n) => Err(ctx.err(
            n.span(),
            field,
            format!("a number of LLCs that divides the {cpus} CPUs evenly"),
        )),
    };
    let machine_llcs = llcs(&m.llcs, "machine.llcs")?.unwrap_or(1);
    let linux_balance = m
        .linux_balance
        .unwrap_or(false)
        .then(|| m.nohz.unwrap_or(true));
    if m.nohz.is_some() && linux_balance.is_none() {
        return Err(ctx.err(
            raw.machine.span(),
            "machine.nohz",
            "nohz belongs to linux_balance = true",
        ));
    }

    // Queue and lock names (the phases refer to them).
    let mut shared = Shared {
        queues: Vec::new(),
        locks: Vec::new(),
    };
    for (i, q) in raw.queues.iter().enumerate() {
        let n = &q.get_ref().name;
        if n.get_ref().is_empty() || shared.queues.contains(n.get_ref()) {
            return Err(ctx.err(
                n.span(),
                &format!("queues[{i}].name"),
                format!("'{}' is empty or names another queue already", n.get_ref()),
            ));
        }
        shared.queues.push(n.get_ref().clone());
    }
    for (i, l) in raw.locks.iter().enumerate() {
        if l.get_ref().is_empty() || shared.locks.contains(l.get_ref()) {
            return Err(ctx.err(
                l.span(),
                &format!("locks[{i}]"),
                format!("'{}' is empty or names another lock already", l.get_ref()),
            ));
        }
        shared.locks.push(l.get_ref().clone());
    }

    // Groups.
    let mut groups: Vec<(String, TaskGroup)> = vec![("root".to_string(), TaskGroup::ROOT)];
    for (i, g) in raw.groups.iter().enumerate() {
        let path = format!("groups[{i}]");
        let gf = g.get_ref();
        let gname = gf.name.get_ref();
        if gname == "root" || groups.iter().any(|(n, _)| n == gname) || gname.is_empty() {
            return Err(ctx.err(
                gf.name.span(),
                &format!("{path}.name"),
                format!("'{gname}' is empty, 'root' or already a group"),
            ));
        }
        let parent = match &gf.parent {
            None => 0,
            Some(p) => groups
                .iter()
                .position(|(n, _)| n == p.get_ref())
                .ok_or_else(|| {
                    ctx.err(
                        p.span(),
                        &format!("{path}.parent"),
                        format!("no group '{}' above this one", p.get_ref()),
                    )
                })?,
        };
        let shares = match (&gf.shares, &gf.cpu_weight) {
            (Some(_), Some(w)) => {
                return Err(ctx.err(
                    w.span(),
                    &format!("{path}.cpu_weight"),
                    "give shares or cpu_weight, not both",
                ))
            }
            (Some(s), None) if (2..=262_144).contains(s.get_ref()) => *s.get_ref(),
            (Some(s), None) => {
                return Err(ctx.err(s.span(), &format!("{path}.shares"), "2 to 262144"))
            }
            // cgroup v2: weight 1..10000, shares = weight * 1024 / 100.
            (None, Some(w)) if (1..=10_000).contains(w.get_ref()) => {
                (*w.get_ref() * 1024 / 100).max(2)
            }
            (None, Some(w)) => {
                return Err(ctx.err(w.span(), &format!("{path}.cpu_weight"), "1 to 10000"))
            }
            (None, None) => eevdf::group::DEFAULT_SHARES,
        };
        // tg.shares is scaled (scale_load: × 1024 on 64-bit).
        let shares = if gf.shares.is_none() && gf.cpu_weight.is_none() {
            shares
        } else {
            shares << 10
        };
        groups.push((gname.clone(), TaskGroup::new(parent as u32, shares)));
    }
    if groups.len() > G {
        return Err(ctx.err(
            raw.groups[G - 1].span(),
            "groups",
            format!(
                "the lab's run queues hold {} task groups besides the root",
                G - 1
            ),
        ));
    }

    // Tasks: instances first, wake targets resolved after.
    let mut tasks: Vec<TaskDef> = Vec::new();
    let mut spec_names: Vec<(String, Vec<usize>)> = Vec::new();
    let mut wakes: Vec<WakeRef> = Vec::new();
    for (i, t) in raw.tasks.iter().enumerate() {
        let path = format!("tasks[{i}]");
        let tf = t.get_ref();
        let tname = tf.name.get_ref().clone();
        if tname.is_empty() || spec_names.iter().any(|(n, _)| *n == tname) {
            return Err(ctx.err(
                tf.name.span(),
                &format!("{path}.name"),
                format!("'{tname}' is empty or names another task already"),
            ));
        }
        let count = match &tf.count {
            None => 1,
            Some(c) if (1..=(N as u32 * 64)).contains(c.get_ref()) => *c.get_ref() as usize,
            Some(c) => return Err(ctx.err(c.span(), &format!("{path}.count"), "at least 1")),
        };
        let group = match &tf.group {
            None => 0,
            Some(g) => groups
                .iter()
                .position(|(n, _)| n == g.get_ref())
                .ok_or_else(|| {
                    ctx.err(
                        g.span(),
                        &format!("{path}.group"),
                        format!("no group '{}'", g.get_ref()),
                    )
                })? as u32,
        };
        let nice = match &tf.nice {
            None => 0,
            Some(n) if (-20..=19).contains(n.get_ref()) => *n.get_ref(),
            Some(n) => return Err(ctx.err(n.span(), &format!("{path}.nice"), "-20 to 19")),
        };
        let weight = match &tf.weight {
            None => None,
            Some(_) if tf.nice.is_some() => {
                return Err(ctx.err(t.span(), &path, "give nice or weight, not both"))
            }
            Some(w)
                if (2..=(1 << 20)).contains(w.get_ref())
                    && LoadWeight::new(*w.get_ref() << 10).is_ok() =>
            {
                Some(*w.get_ref())
            }
            Some(w) => {
                return Err(ctx.err(
                    w.span(),
                    &format!("{path}.weight"),
                    "2 to 1048576 (nice 0 is 1024)",
                ))
            }
        };
        let slice = match &tf.slice {
            None => None,
            Some(s) => Some(ctx.slice(
                s,
                &format!("{path}.slice"),
                "0.1 ms to 100 ms (sched_setattr's range)",
            )?),
        };
        let affinity: Option<Vec<usize>> = match &tf.affinity {
            None => None,
            Some(a) => {
                let v: Vec<usize> = a.get_ref().iter().map(|&c| c as usize).collect();
                if v.is_empty() || v.iter().any(|&c| c >= cpus) {
                    return Err(ctx.err(
                        a.span(),
                        &format!("{path}.affinity"),
                        format!("CPUs of the machine (0 to {})", cpus - 1),
                    ));
                }
                Some(v)
            }
        };
        if let Some(c) = &tf.cpu {
            let ok = (*c.get_ref() as usize) < cpus
                && affinity
                    .as_ref()
                    .map_or(true, |a| a.contains(&(*c.get_ref() as usize)));
            if !ok {
                return Err(ctx.err(
                    c.span(),
                    &format!("{path}.cpu"),
                    "a CPU of the machine and of the task's affinity",
                ));
            }
        }
        let mut program = Vec::new();
        let mut spec_wakes = Vec::new();
        let top = match &tf.loops {
            None => None,
            Some(l) if *l.get_ref() == -1 => None,
            Some(l) if *l.get_ref() >= 1 => Some(*l.get_ref() as u64),
            Some(l) => {
                return Err(ctx.err(
                    l.span(),
                    &format!("{path}.loop"),
                    "a count of at least 1, or -1 for forever (the default)",
                ))
            }
        };
        program.push(Op::LoopStart(top));
        let advances = compile_phases(
            &ctx,
            &shared,
            tf.phases.get_ref(),
            &format!("{path}.phases"),
            &mut program,
            &mut spec_wakes,
            1,
        )?;
        if top.is_none() && !advances {
            return Err(ctx.err(
                tf.phases.span(),
                &format!("{path}.phases"),
                "a task that loops forever needs a run phase (of more than 0 ns)",
            ));
        }
        program.push(Op::LoopEnd(0));
        let allowed_list: Vec<usize> = affinity.clone().unwrap_or_else(|| (0..cpus).collect());
        let first = tf.cpu.as_ref().map_or(0, |c| {
            allowed_list
                .iter()
                .position(|&a| a == *c.get_ref() as usize)
                .unwrap_or(0)
        });
        let mut ids = Vec::new();
        for k in 0..count {
            let cpu = allowed_list[(first + k) % allowed_list.len()];
            let allowed = if tf.pinned.unwrap_or(false) {
                Some(vec![cpu])
            } else {
                affinity.clone()
            };
            let id = tasks.len();
            for (op, names, field, span) in &spec_wakes {
                wakes.push((id, *op, names.clone(), field.clone(), span.clone()));
            }
            tasks.push(TaskDef {
                name: tname.clone(),
                group,
                nice,
                weight,
                slice,
                cpu,
                allowed,
                kthread: tf.kthread.unwrap_or(false),
                program: program.clone(),
                spec: i,
            });
            ids.push(id);
        }
        spec_names.push((tname, ids));
    }
    if tasks.is_empty() && raw.rtapp.is_none() {
        return Err(ctx.err(0..0, "tasks", "no task (add a [[tasks]] entry)"));
    }
    check_capacity(&ctx, &groups, &tasks)?;
    for (id, op, names, field, span) in wakes {
        // A random pick draws among all the named and draws again when it
        // hits the waker itself; the others skip the waker.
        let random = matches!(
            tasks[id].program[op],
            Op::Wake {
                pick: Pick::Random,
                ..
            }
        );
        let mut targets = Vec::new();
        for n in &names {
            let ids = spec_names
                .iter()
                .find(|(s, _)| s == n)
                .map(|(_, ids)| ids)
                .ok_or_else(|| ctx.err(span.clone(), &field, format!("no task '{n}'")))?;
            targets.extend(ids.iter().copied().filter(|&t| random || t != id));
        }
        if random && targets.iter().all(|&t| t == id) {
            targets.clear();
        }
        if let Op::Wake { targets: tg, .. } = &mut tasks[id].program[op] {
            *tg = targets;
        }
    }

    let queues = compile_queues(&ctx, &raw.queues, &spec_names, &tasks)?;

    // Variants.
    let mut variants = Vec::new();
    for (i, v) in raw.variants.iter().enumerate() {
        let path = format!("variants[{i}]");
        let vf = v.get_ref();
        let vname = vf.name.get_ref();
        if vname.is_empty()
            || vname.contains(|c: char| c.is_whitespace() || c == ',')
            || variants.iter().any(|w: &VariantDef| &w.name == vname)
        {
            return Err(ctx.err(
                vf.name.span(),
                &format!("{path}.name"),
                "a new name without spaces or commas",
            ));
        }
        let profile = profile_named(vf.release.get_ref()).ok_or_else(|| {
            ctx.err(
                vf.release.span(),
                &format!("{path}.release"),
                format!(
                    "unknown release '{}' (6.5, 6.5+place-lag, 6.6, 6.6.57, 6.18, 7.0, 7.1 or exact)",
                    vf.release.get_ref()
                ),
            )
        })?;
        let mut features = Vec::new();
        for (j, w) in vf.features.iter().enumerate() {
            if !eevdf::Features::empty().apply_debugfs(w.get_ref()) {
                return Err(ctx.err(
                    w.span(),
                    &format!("{path}.features[{j}]"),
                    format!(
                        "unknown feature '{}' (a debugfs sched_features word such as NO_PLACE_LAG)",
                        w.get_ref()
                    ),
                ));
            }
            features.push(w.get_ref().clone());
        }
        let base_slice = match &vf.base_slice {
            None => None,
            Some(s) => Some(ctx.slice(s, &format!("{path}.base_slice"), "0.1 ms to 100 ms")?),
        };
        let shares = match vf
            .shares_rule
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("max-weight-load-avg", _)) => SharesLoad::MaxWeightLoadAvg,
            Some(("load-avg", _)) => SharesLoad::LoadAvg,
            Some(("weight", _)) => SharesLoad::Weight,
            Some((o, sp)) => {
                return Err(ctx.err(
                    sp,
                    &format!("{path}.shares_rule"),
                    format!(
                        "'{o}' is not max-weight-load-avg (4.15+), load-avg or weight (v4.7-v4.14)"
                    ),
                ))
            }
        };
        let wake_rule = match (vf.wake_rule.as_ref(), vf.affine_wakeups) {
            (None, None) => WakeRuleDef::Release,
            (Some(w), a) if w.get_ref() == "v2.6.33" => WakeRuleDef::V2_6_33 {
                affine_wakeups: a.unwrap_or(true),
            },
            (Some(w), _) => {
                return Err(ctx.err(
                    w.span(),
                    &format!("{path}.wake_rule"),
                    format!(
                        "'{}' is not v2.6.33 (without it: the release's own)",
                        w.get_ref()
                    ),
                ))
            }
            (None, Some(_)) => {
                return Err(ctx.err(
                    v.span(),
                    &format!("{path}.affine_wakeups"),
                    "affine_wakeups belongs to wake_rule = \"v2.6.33\"",
                ))
            }
        };
        let mut pinned = Vec::new();
        for (j, n) in vf.pinned.iter().enumerate() {
            let ids = spec_names
                .iter()
                .find(|(s, _)| s == n.get_ref())
                .map(|(_, ids)| ids)
                .ok_or_else(|| {
                    ctx.err(
                        n.span(),
                        &format!("{path}.pinned[{j}]"),
                        format!("no task '{}'", n.get_ref()),
                    )
                })?;
            pinned.extend(ids.iter().copied());
        }
        variants.push(VariantDef {
            name: vname.clone(),
            profile,
            features,
            base_slice,
            shares,
            idle_is_preempted: vf.idle_is_preempted,
            llcs: llcs(&vf.llcs, &format!("{path}.llcs"))?,
            wake_rule,
            pinned,
            kthreads: vf.kthreads.unwrap_or(true),
            notes: vf
                .notes
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
    }
    if variants.is_empty() {
        return Err(ctx.err(
            0..0,
            "variants",
            "no variant (add [[variants]] with a name and a release)",
        ));
    }

    let mut sc = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        secs,
        warmup_secs,
        seed: raw.seed.unwrap_or(1),
        cpus,
        hz,
        newidle_pull: m.newidle_pull.unwrap_or(true),
        idle_is_preempted: m.idle_is_preempted.unwrap_or(false),
        resume_latency,
        linux_balance,
        llcs: machine_llcs,
        rng_stream: raw.random_stream,
        groups,
        tasks,
        queues,
        locks: shared.locks,
        variants,
        metrics: Vec::new(),
        ignored: Vec::new(),
    };
    if let Some(r) = &raw.rtapp {
        let dir = std::path::Path::new(file)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        let p = dir.join(r.get_ref());
        let p = p.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&p)
            .map_err(|e| ctx.err(r.span(), "rtapp", format!("cannot read {p}: {e}")))?;
        crate::rtapp::add_to(&mut sc, &p, &text)?;
    }
    if sc.tasks.is_empty() {
        return Err(ctx.err(0..0, "tasks", "no task (add a [[tasks]] entry)"));
    }
    check_capacity(&ctx, &sc.groups, &sc.tasks)?;
    // Metrics, over the file's tasks and an rt-app file's.
    sc.metrics = if raw.metrics.is_empty() {
        default_metrics(&sc)
    } else {
        let mut metrics: Vec<MetricDef> = Vec::new();
        for (i, m) in raw.metrics.iter().enumerate() {
            if i >= 4096 {
                return Err(ctx.err(m.span(), "metrics", "at most 4096 metrics"));
            }
            let d = compile_metric(&ctx, &sc, m, &format!("metrics[{i}]"))?;
            if metrics.iter().any(|o| o.name == d.name) {
                return Err(ctx.err(
                    m.span(),
                    &format!("metrics[{i}]"),
                    format!("column '{}' twice", d.name),
                ));
            }
            metrics.push(d);
        }
        metrics
    };
    Ok(sc)
}

/// Task instances named by a task's or a group's name.
fn instances_of(sc: &Scenario, name: &str) -> Option<Vec<usize>> {
    if let Some((_, ids)) = spec_names_of(sc).into_iter().find(|(n, _)| n == name) {
        return Some(ids);
    }
    let g = sc.groups.iter().position(|(n, _)| n == name)?;
    Some(
        (0..sc.tasks.len())
            .filter(|&t| sc.tasks[t].group as usize == g)
            .collect(),
    )
}

/// Checks one `metrics` entry.
fn compile_metric(
    ctx: &Ctx,
    sc: &Scenario,
    m: &Spanned<MetricFile>,
    field: &str,
) -> Result<MetricDef, FileError> {
    let err = |msg: String| ctx.err(m.span(), field, msg);
    let short;
    let t: &MetricTable = match m.get_ref() {
        MetricFile::Table(t) => t,
        MetricFile::Short(text) => {
            let (k, of) = match text.split_once(':') {
                Some((k, o)) => (k, Some(Names::One(o.to_string()))),
                None => (text.as_str(), None),
            };
            short = MetricTable {
                column: Some(text.clone()),
                metric: k.to_string(),
                of,
                sets: None,
                by: None,
                per: None,
                than: None,
                every: None,
                stat: None,
                cpu: None,
                unit: None,
                over: None,
                decimals: None,
            };
            &short
        }
    };
    let kname = t.metric.as_str();
    if !METRIC_NAMES.contains(&kname) {
        return Err(err(format!(
            "unknown metric '{kname}' (one of {})",
            METRIC_NAMES.join(", ")
        )));
    }
    let name = t.column.clone().unwrap_or_else(|| match &t.of {
        Some(Names::One(o)) => format!("{kname}:{o}"),
        _ => kname.to_string(),
    });
    if name.is_empty() {
        return Err(err("an empty column name".into()));
    }
    let names: Vec<String> = match &t.of {
        None => Vec::new(),
        Some(Names::One(o)) => vec![o.clone()],
        Some(Names::Many(v)) => v.clone(),
    };
    // Which options each metric takes.
    let takes = |opts: &[&str]| -> Result<(), FileError> {
        let given = [
            ("sets", t.sets.is_some()),
            ("by", t.by.is_some()),
            ("per", t.per.is_some()),
            ("than", t.than.is_some()),
            ("every", t.every.is_some()),
            ("stat", t.stat.is_some()),
            ("cpu", t.cpu.is_some()),
            ("unit", t.unit.is_some()),
            ("over", t.over.is_some()),
        ];
        for (o, g) in given {
            if g && !opts.contains(&o) {
                return Err(err(format!("{kname} has no option {o}")));
            }
        }
        Ok(())
    };
    let machine_wide = [
        "cpu_busy",
        "switches_per_s",
        "idle_cpu_used",
        "wakeups_with_idle_cpu",
        "wake_affine",
        "makespan_ms",
        "finished",
        "together",
        "stacked",
    ];
    let about_queues = ["puts", "puts_per_s"];
    let about_groups = ["group_weight"];
    let mut of = Vec::new();
    if machine_wide.contains(&kname) {
        if !names.is_empty() {
            return Err(err(format!("{kname} is about the machine, not a task")));
        }
    } else if !about_queues.contains(&kname) && !about_groups.contains(&kname) {
        if names.is_empty() {
            of = (0..sc.tasks.len()).collect();
        }
        for n in &names {
            let ids = instances_of(sc, n).ok_or_else(|| err(format!("no task or group '{n}'")))?;
            of.extend(ids);
        }
    }
    let period = |default: u64| -> Result<u64, FileError> {
        match &t.every {
            None => Ok(default),
            Some(e) => match parse_duration(e) {
                Ok(p) if p >= 1_000 => Ok(p),
                Ok(_) => Err(err("every: at least 1us".into())),
                Err(e) => Err(err(format!("every: {e}"))),
            },
        }
    };
    let sets = || -> Result<Vec<Vec<usize>>, FileError> {
        let Some(sets) = &t.sets else {
            return Err(err(format!("{kname} needs sets (lists of task names)")));
        };
        let mut out = Vec::new();
        for set in sets {
            let mut ids = Vec::new();
            for n in set {
                ids.extend(
                    instances_of(sc, n).ok_or_else(|| err(format!("no task or group '{n}'")))?,
                );
            }
            if ids.len() < 2 {
                return Err(err("a set has at least two tasks".into()));
            }
            out.push(ids);
        }
        if out.is_empty() {
            return Err(err("sets is empty".into()));
        }
        Ok(out)
    };
    let queue_list = || -> Result<Vec<usize>, FileError> {
        if names.is_empty() {
            return Err(err(format!("{kname} needs of (queue names)")));
        }
        names
            .iter()
            .map(|n| {
                sc.queues
                    .iter()
                    .position(|q| &q.name == n)
                    .ok_or_else(|| err(format!("no queue '{n}'")))
            })
            .collect()
    };
    let kind = match kname {
        "cpu_share" => {
            takes(&[])?;
            MetricKind::CpuShare
        }
        "cpus_used" => {
            takes(&["over"])?;
            let over_makespan = match t.over.as_deref() {
                None | Some("measured") => false,
                Some("makespan") => true,
                Some(o) => return Err(err(format!("over: '{o}' is not measured or makespan"))),
            };
            MetricKind::CpusUsed { over_makespan }
        }
        "wait_mean_us" | "wait_max_us" | "wait_p99_us" => {
            takes(&[])?;
            match kname {
                "wait_mean_us" => MetricKind::WaitMeanUs,
                "wait_max_us" => MetricKind::WaitMaxUs,
                _ => MetricKind::WaitP99Us,
            }
        }
        "waits_over" => {
            takes(&["than"])?;
            let than = match t.than.as_deref() {
                None => return Err(err("waits_over needs than (a duration or tick)".into())),
                Some("tick") => 0,
                Some(d) => match parse_duration(d) {
                    Ok(v) if v > 0 => v,
                    Ok(_) => return Err(err("than: above 0".into())),
                    Err(e) => return Err(err(format!("than: {e}"))),
                },
            };
            MetricKind::WaitsOver(than)
        }
        "wakeups" | "wakeups_per_s" => {
            takes(&[])?;
            MetricKind::Wakeups {
                per_s: kname == "wakeups_per_s",
            }
        }
        "woken_in_place" => {
            takes(&[])?;
            MetricKind::WokenInPlace
        }
        "migrations" | "migrations_per_s" => {
            takes(if kname == "migrations" {
                &["by", "per"]
            } else {
                &["by"]
            })?;
            let mut by = 0;
            for b in t.by.iter().flatten() {
                by |= match b.as_str() {
                    "wakeup" => MIGR_WAKEUP,
                    "newidle" => MIGR_NEWIDLE,
                    "balance" => MIGR_BALANCE,
                    "active" => MIGR_ACTIVE,
                    o => {
                        return Err(err(format!(
                            "by: '{o}' is not wakeup, newidle, balance or active"
                        )))
                    }
                };
            }
            if t.by.is_none() {
                by = MIGR_ALL;
            } else if by == 0 {
                return Err(err("by: name at least one kind".into()));
            }
            let per = if kname == "migrations_per_s" {
                Per::Second
            } else {
                match t.per.as_deref() {
                    None => Per::Run,
                    Some("s") => Per::Second,
                    Some(q) => match sc.queues.iter().position(|d| d.name == q) {
                        Some(i) => Per::Puts(vec![i]),
                        None => return Err(err(format!("per: '{q}' is not s nor a queue's name"))),
                    },
                }
            };
            MetricKind::Migrations { by, per }
        }
        "tasks_per_cpu" => {
            takes(&[])?;
            MetricKind::TasksPerCpu
        }
        "spin_share" => {
            takes(&[])?;
            MetricKind::SpinShare
        }
        "together" => {
            takes(&["sets"])?;
            MetricKind::Together(sets()?)
        }
        "stacked" => {
            takes(&["sets", "every"])?;
            MetricKind::Stacked {
                sets: sets()?,
                period: period(1_000_000)?,
            }
        }
        "cpu_busy"
        | "switches_per_s"
        | "idle_cpu_used"
        | "wakeups_with_idle_cpu"
        | "wake_affine" => {
            takes(&[])?;
            match kname {
                "cpu_busy" => MetricKind::CpuBusy,
                "switches_per_s" => MetricKind::SwitchesPerS,
                "idle_cpu_used" => MetricKind::IdleCpuUsed,
                "wakeups_with_idle_cpu" => MetricKind::WakeupsWithIdleCpu,
                _ => MetricKind::WakeAffine,
            }
        }
        "puts" | "puts_per_s" => {
            takes(&["unit"])?;
            let kilo = match t.unit.as_deref() {
                None => false,
                Some("k") if kname == "puts_per_s" => true,
                Some(u) => return Err(err(format!("unit: '{u}' is not k (thousands per second)"))),
            };
            MetricKind::Puts {
                queues: queue_list()?,
                per_s: kname == "puts_per_s",
                kilo,
            }
        }
        "group_weight" => {
            takes(&["every", "stat", "cpu"])?;
            if names.is_empty() {
                return Err(err("group_weight needs of (group names)".into()));
            }
            let mut groups = Vec::new();
            for n in &names {
                match sc.groups.iter().position(|(g, _)| g == n) {
                    Some(g) if g > 0 => groups.push(g as u32),
                    _ => return Err(err(format!("no group '{n}' (the root has no entity)"))),
                }
            }
            let cpus = match t.cpu {
                None => (0..sc.cpus).collect(),
                Some(c) if (c as usize) < sc.cpus => vec![c as usize],
                Some(_) => return Err(err(format!("cpu: 0 to {}", sc.cpus - 1))),
            };
            let stat = match t.stat.as_deref() {
                None | Some("mean") => SampleStat::Mean,
                Some("min") => SampleStat::Min,
                Some("max") => SampleStat::Max,
                Some(o) => return Err(err(format!("stat: '{o}' is not mean, min or max"))),
            };
            MetricKind::GroupWeight {
                list: names.len() > 1 || matches!(t.of, Some(Names::Many(_))),
                groups,
                cpus,
                stat,
                period: period(1_000_000)?,
            }
        }
        "makespan_ms" | "finished" => {
            takes(&[])?;
            if !sc.queues.iter().any(|q| q.hops.is_some()) {
                return Err(err(format!(
                    "{kname} needs a queue with hops (the items whose last hop ends the job)"
                )));
            }
            if kname == "finished" {
                MetricKind::Finished
            } else {
                MetricKind::MakespanMs
            }
        }
        _ => return Err(err(format!("unknown metric '{kname}'"))),
    };
    let decimals = match t.decimals {
        None => None,
        Some(d) if d <= 9 => Some(d as usize),
        Some(_) => return Err(err("decimals: 0 to 9".into())),
    };
    Ok(MetricDef {
        name,
        kind,
        of,
        decimals,
    })
}

/// Checks the queues and how the tasks use them.
fn compile_queues(
    ctx: &Ctx,
    raw: &[Spanned<QueueFile>],
    spec_names: &[(String, Vec<usize>)],
    tasks: &[TaskDef],
) -> Result<Vec<QueueDef>, FileError> {
    let mut queues = Vec::new();
    for (i, q) in raw.iter().enumerate() {
        let path = format!("queues[{i}]");
        let qf = q.get_ref();
        let per = match &qf.per {
            None => QueuePer::One,
            Some(p) if p.get_ref() == "cpu" => QueuePer::Cpu,
            Some(p) => match spec_names.iter().find(|(n, _)| n == p.get_ref()) {
                Some((_, ids)) => QueuePer::Task(ids.clone()),
                None => {
                    return Err(ctx.err(
                        p.span(),
                        &format!("{path}.per"),
                        format!("'{}' is not cpu nor a task's name", p.get_ref()),
                    ))
                }
            },
        };
        let items = match &qf.items {
            None => 0,
            Some(n) if *n.get_ref() <= 1_000_000 => *n.get_ref(),
            Some(n) => return Err(ctx.err(n.span(), &format!("{path}.items"), "0 to 1000000")),
        };
        let arrive = match &qf.arrive {
            None => None,
            Some(a) => {
                let af = a.get_ref();
                if af.items > 1_000_000 {
                    return Err(ctx.err(a.span(), &format!("{path}.arrive.items"), "0 to 1000000"));
                }
                let at = parse_dist(&af.at)
                    .map_err(|e| ctx.err(a.span(), &format!("{path}.arrive.at"), e))?;
                if per != QueuePer::One {
                    return Err(ctx.err(
                        a.span(),
                        &format!("{path}.arrive"),
                        "arrivals go to a queue of one instance (no per)",
                    ));
                }
                Some((af.items, at))
            }
        };
        let latency = match &qf.latency {
            None => None,
            Some(l) => Some(
                parse_dist(l.get_ref())
                    .map_err(|e| ctx.err(l.span(), &format!("{path}.latency"), e))?,
            ),
        };
        let batch = match &qf.batch {
            None => 1,
            Some(b) if (1..=1_000_000).contains(b.get_ref()) => *b.get_ref(),
            Some(b) => return Err(ctx.err(b.span(), &format!("{path}.batch"), "1 to 1000000")),
        };
        let hops = match &qf.hops {
            None => None,
            Some(h) if *h.get_ref() >= 1 => Some(*h.get_ref()),
            Some(h) => return Err(ctx.err(h.span(), &format!("{path}.hops"), "at least 1")),
        };
        if let Some(h) = hops {
            if latency.is_some() || batch > 1 || arrive.is_some() {
                return Err(ctx.err(
                    q.span(),
                    &format!("{path}.hops"),
                    "a queue with hops has no latency, batch nor arrive",
                ));
            }
            if h > u32::MAX as u64 {
                return Err(ctx.err(q.span(), &format!("{path}.hops"), "at most 4294967295"));
            }
        }
        if i >= 4096 {
            return Err(ctx.err(q.span(), &path, "at most 4096 queues"));
        }
        queues.push(QueueDef {
            name: qf.name.get_ref().clone(),
            per,
            items,
            arrive,
            latency,
            batch,
            hops,
        });
    }
    // Where each task takes from and puts to must be an instance it has.
    for (t, td) in tasks.iter().enumerate() {
        let pinned_cpu = td.allowed.as_ref().filter(|a| a.len() == 1).map(|a| a[0]);
        for op in &td.program {
            let (q, what, next) = match *op {
                Op::Take(q) => (q, "take", false),
                Op::Put {
                    queue,
                    to_next,
                    items,
                    ..
                } => {
                    if queues[queue].hops.is_some() && items > 1 {
                        return Err(ctx.err(
                            raw[queue].span(),
                            &format!("queues[{queue}]"),
                            format!(
                                "task '{}' puts several items at once into a queue with hops (a put passes on the one item taken)",
                                td.name
                            ),
                        ));
                    }
                    (queue, "put", to_next)
                }
                Op::Move { from, to } => {
                    for q in [from, to] {
                        if let QueuePer::Task(ids) = &queues[q].per {
                            if !ids.contains(&t) {
                                return Err(ctx.err(
                                    raw[q].span(),
                                    &format!("queues[{q}]"),
                                    format!(
                                        "task '{}' moves items of a queue per instance of another task",
                                        td.name
                                    ),
                                ));
                            }
                        }
                        if queues[q].hops.is_some() {
                            return Err(ctx.err(
                                raw[q].span(),
                                &format!("queues[{q}]"),
                                format!("task '{}' moves items of a queue with hops", td.name),
                            ));
                        }
                        if queues[q].per == QueuePer::Cpu {
                            return Err(ctx.err(
                                raw[q].span(),
                                &format!("queues[{q}]"),
                                format!("task '{}' moves items of a per-CPU queue", td.name),
                            ));
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let qd = &queues[q];
            let at = raw[q].span();
            let field = format!("queues[{q}]");
            match &qd.per {
                QueuePer::Cpu if what == "take" && pinned_cpu.is_none() => {
                    return Err(ctx.err(
                        at,
                        &field,
                        format!(
                            "task '{}' takes from a per-CPU queue, so it must be pinned to one CPU",
                            td.name
                        ),
                    ))
                }
                QueuePer::Task(ids) if !ids.contains(&t) => {
                    return Err(ctx.err(
                        at,
                        &field,
                        format!(
                            "task '{}' uses a queue per instance of another task (per = its own name)",
                            td.name
                        ),
                    ))
                }
                QueuePer::One | QueuePer::Cpu if next => {
                    return Err(ctx.err(
                        at,
                        &field,
                        format!("task '{}' puts to the next instance of a queue that has no instances per task", td.name),
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(queues)
}

/// Every task of a group may end up on one CPU, beside the entities of the
/// group's child groups: a level of the lab's run queue holds `N`.
fn check_capacity(
    ctx: &Ctx,
    groups: &[(String, TaskGroup)],
    tasks: &[TaskDef],
) -> Result<(), FileError> {
    for (gi, (gname, _)) in groups.iter().enumerate() {
        let n = tasks.iter().filter(|t| t.group as usize == gi).count();
        let children = groups
            .iter()
            .skip(1)
            .filter(|(_, g)| g.parent as usize == gi)
            .count();
        if n + children > N {
            return Err(ctx.err(
                0..0,
                "tasks",
                format!(
                    "{n} tasks and {children} child groups in group '{gname}': the lab's run queues hold {N} entities per group and CPU"
                ),
            ));
        }
    }
    Ok(())
}

pub use crate::engine::{config, run_variant, Engine};
