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

use crate::report::{Cell, Outcome};
use crate::rng::Rng;
use crate::sim::{Action, Config, Params, Sim, TaskSpec, Workload, G, N};
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
    pub machine: Spanned<MachineFile>,
    #[serde(default)]
    pub groups: Vec<Spanned<GroupFile>>,
    #[serde(default)]
    pub tasks: Vec<Spanned<TaskFile>>,
    /// An rt-app JSON file (path relative to this file) whose tasks are
    /// added to `tasks`.
    pub rtapp: Option<Spanned<String>>,
    #[serde(default)]
    pub variants: Vec<Spanned<VariantFile>>,
    #[serde(default)]
    pub metrics: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineFile {
    pub cpus: Spanned<u32>,
    pub hz: Option<Spanned<u32>>,
    pub newidle_pull: Option<bool>,
    pub idle_is_preempted: Option<bool>,
    pub resume_latency: Option<Spanned<String>>,
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
                "a phase has exactly one of run, sleep, block, timer, wake or phases (a loop)",
            ));
        }
        if f.wake.is_none() && (f.sync.is_some() || f.pick.is_some()) {
            return Err(phase_err(ctx, p, &path, "sync and pick belong to a wake"));
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
        let mut targets = Vec::new();
        for n in &names {
            let ids = spec_names
                .iter()
                .find(|(s, _)| s == n)
                .map(|(_, ids)| ids)
                .ok_or_else(|| ctx.err(span.clone(), &field, format!("no task '{n}'")))?;
            targets.extend(ids.iter().copied().filter(|&t| t != id));
        }
        if let Op::Wake { targets: tg, .. } = &mut tasks[id].program[op] {
            *tg = targets;
        }
    }

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
        variants.push(VariantDef {
            name: vname.clone(),
            profile,
            features,
            base_slice,
            shares,
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
        groups,
        tasks,
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
    let spec_names = spec_names_of(&sc);
    let groups = &sc.groups;
    let tasks = &sc.tasks;
    let mut metrics = Vec::new();
    let all: Vec<usize> = (0..tasks.len()).collect();
    let entries: Vec<(String, Range<usize>)> = if raw.metrics.is_empty() {
        let mut d: Vec<(String, Range<usize>)> = spec_names
            .iter()
            .flat_map(|(n, _)| {
                [
                    (format!("cpu_share:{n}"), 0..0),
                    (format!("wait_max_us:{n}"), 0..0),
                ]
            })
            .collect();
        d.push(("cpu_busy".to_string(), 0..0));
        d
    } else {
        raw.metrics
            .iter()
            .map(|m| (m.get_ref().clone(), m.span()))
            .collect()
    };
    for (i, (m, span)) in entries.into_iter().enumerate() {
        let field = format!("metrics[{i}]");
        let (kname, sel) = match m.split_once(':') {
            Some((k, s)) => (k, Some(s)),
            None => (m.as_str(), None),
        };
        let kind = METRIC_KINDS
            .iter()
            .find(|(n, _)| *n == kname)
            .map(|k| k.1)
            .ok_or_else(|| {
                let names: Vec<&str> = METRIC_KINDS.iter().map(|k| k.0).collect();
                ctx.err(
                    span.clone(),
                    &field,
                    format!("unknown metric '{kname}' (one of {})", names.join(", ")),
                )
            })?;
        let machine_wide = matches!(kind, MetricKind::CpuBusy | MetricKind::SwitchesPerS);
        let of = match (sel, machine_wide) {
            (None, _) => all.clone(),
            (Some(_), true) => {
                return Err(ctx.err(
                    span,
                    &field,
                    format!("{kname} is about the machine, not a task"),
                ))
            }
            (Some(s), false) => {
                if let Some((_, ids)) = spec_names.iter().find(|(n, _)| n == s) {
                    ids.clone()
                } else if let Some(g) = groups.iter().position(|(n, _)| n == s) {
                    (0..tasks.len())
                        .filter(|&t| tasks[t].group as usize == g)
                        .collect()
                } else {
                    return Err(ctx.err(span, &field, format!("no task or group '{s}'")));
                }
            }
        };
        if metrics.iter().any(|d: &MetricDef| d.name == m) {
            return Err(ctx.err(span, &field, format!("'{m}' twice")));
        }
        metrics.push(MetricDef { name: m, kind, of });
    }

    sc.metrics = metrics;
    Ok(sc)
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

// ---------------------------------------------------------------------------
// Running.

struct Inst {
    pc: usize,
    loops: Vec<u64>,
    timer_at: Option<u64>,
    next: usize,
    rng: Rng,
}

/// The generic engine: each task runs its program.
pub struct Engine<'a> {
    sc: &'a Scenario,
    inst: Vec<Inst>,
}

impl<'a> Engine<'a> {
    pub fn new(sc: &'a Scenario, seed: u64) -> Engine<'a> {
        let base = Rng::new(seed).fork(0x5CE);
        Engine {
            sc,
            inst: (0..sc.tasks.len())
                .map(|t| Inst {
                    pc: 0,
                    loops: Vec::new(),
                    timer_at: None,
                    next: 0,
                    rng: base.fork(t as u64 + 1),
                })
                .collect(),
        }
    }
}

impl Workload for Engine<'_> {
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        let prog = &self.sc.tasks[t].program;
        // Bounded: compile() puts a run in every forever loop.
        for _ in 0..100_000 {
            let i = &mut self.inst[t];
            let Some(op) = prog.get(i.pc) else {
                // The program ended: the task sleeps for good.
                return Action::Block;
            };
            i.pc += 1;
            match op {
                Op::Run(Dist::Fixed(0)) => {}
                Op::Run(d) => {
                    // At least 1 ns: a loop of wakes that takes no time at
                    // all would never let the clock move.
                    return Action::Run(d.sample(&mut i.rng).max(1));
                }
                Op::Sleep(d) => return Action::Sleep(d.sample(&mut i.rng)),
                Op::Block => return Action::Block,
                Op::Timer(period) => {
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
                            let w = targets[i.rng.below(targets.len() as u64) as usize];
                            sim.wake(w, cpu, Some(t), *sync);
                        }
                        Pick::Next => {
                            let w = targets[i.next % targets.len()];
                            i.next += 1;
                            sim.wake(w, cpu, Some(t), *sync);
                        }
                    }
                }
                Op::LoopStart(n) => i.loops.push(n.unwrap_or(u64::MAX)),
                Op::LoopEnd(start) => {
                    let top = i.loops.last_mut();
                    match top {
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
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize]
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
    cfg.idle_is_preempted = sc.idle_is_preempted;
    cfg.resume_latency = sc.resume_latency;
    if let Some(w) = sc.warmup_secs {
        cfg.warmup = crate::sim::START + (w * 1e9) as u64;
    }
    // The variant's own feature words, then the command line's.
    let mut extra = v.features.clone();
    extra.extend(cfg.extra_features.iter().cloned());
    cfg.extra_features = extra;
    cfg
}

/// Runs one variant of a scenario.
pub fn run_variant(sc: &Scenario, v: &VariantDef, params: &Params) -> Outcome {
    let cfg = config(sc, v, params);
    let mut sim = Sim::new(cfg);
    for td in &sc.tasks {
        let mut spec = TaskSpec::new(&td.name, td.group, td.cpu);
        spec.nice = td.nice;
        spec.weight = td.weight;
        spec.slice = td.slice;
        spec.allowed = td.allowed.clone();
        spec.kthread = td.kthread;
        spec.keep_waits = sc
            .metrics
            .iter()
            .any(|m| m.kind == MetricKind::WaitP99Us && m.of.contains(&sim.tasks.len()));
        sim.add_task(spec);
    }
    let mut w = Engine::new(sc, params.seed);
    sim.run(&mut w);

    let measured = sim.measured().max(1) as f64;
    let total_rt: u64 = sim.tasks.iter().map(|t| t.runtime).sum();
    let mut metrics = Vec::new();
    for m in &sc.metrics {
        let ts = || m.of.iter().map(|&t| &sim.tasks[t]);
        let v = match m.kind {
            MetricKind::CpuShare => {
                ts().map(|t| t.runtime).sum::<u64>() as f64 / total_rt.max(1) as f64
            }
            MetricKind::CpusUsed => ts().map(|t| t.runtime).sum::<u64>() as f64 / measured,
            MetricKind::WaitMeanUs => {
                let (n, s) = ts().fold((0, 0), |a, t| (a.0 + t.wake_wait.n, a.1 + t.wake_wait.sum));
                if n == 0 {
                    0.0
                } else {
                    s as f64 / n as f64 / 1e3
                }
            }
            MetricKind::WaitMaxUs => ts().map(|t| t.wake_wait.max).max().unwrap_or(0) as f64 / 1e3,
            MetricKind::WaitP99Us => {
                let mut all: Vec<u64> = ts()
                    .flat_map(|t| t.wake_wait.samples.iter().copied())
                    .collect();
                pct(&mut all, 0.99) as f64 / 1e3
            }
            MetricKind::WakeupsPerS => {
                ts().map(|t| t.wakeups).sum::<u64>() as f64 / (measured / 1e9)
            }
            MetricKind::MigrationsPerS => {
                ts().map(|t| t.migrations_wake + t.migrations_pull)
                    .sum::<u64>() as f64
                    / (measured / 1e9)
            }
            MetricKind::CpuBusy => {
                sim.cpus.iter().map(|c| c.busy).sum::<u64>() as f64 / (measured * sc.cpus as f64)
            }
            MetricKind::SwitchesPerS => {
                let secs = (sim.cfg.end - crate::sim::START) as f64 / 1e9;
                sim.counts.switches as f64 / secs
            }
        };
        metrics.push((leak(&m.name), v));
    }
    Outcome {
        variant: leak(&v.name),
        release: sim.cfg.profile.release,
        features: sim.cfg.features,
        metrics,
        extra: vec![(
            "migrations",
            Cell::int(
                sim.tasks
                    .iter()
                    .map(|t| t.migrations_wake + t.migrations_pull)
                    .sum(),
            ),
        )],
        notes: Vec::new(),
        series: Vec::new(),
        counts: sim.counts,
    }
}
