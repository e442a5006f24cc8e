//! Importing an rt-app JSON workload (the format of rt-app, which LISA and
//! sched_ext's simulators generate) into a [`Scenario`], as far as it maps.
//!
//! What maps: per task `instance` (count), `loop` (-1: forever), `priority`
//! (the nice value of a SCHED_OTHER task), `cpus` (affinity), `delay` (a
//! first sleep), and the events of the task or of each of its `phases`
//! (each with its own `loop`), in file order: `run` and `runtime` (CPU time,
//! µs; rt-app calibrates `run` as work, the lab has one speed), `sleep` (µs),
//! `timer` (`period` µs: sleep until the next period boundary, each task
//! with its own reference), `suspend` (block until woken) and `resume`
//! (wake the task of that name). `global.duration` becomes the run's
//! length. rt-app names events with any suffix (`run0`, `sleep_1`): the
//! prefix decides.
//!
//! Everything else is listed in [`Scenario::ignored`] and printed: other
//! policies (SCHED_FIFO/RR/DEADLINE tasks run as fair tasks), locks,
//! barriers, signals, memory and I/O events, forks, task groups, uclamp,
//! and global keys other than `duration`.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::sim::N;
use crate::trace::replay::profile_named;
use crate::workload::{Dist, FileError, Op, Pick, Scenario, TaskDef, VariantDef};

/// A JSON value that keeps its objects' key order (rt-app's events run in
/// file order).
#[derive(Clone, Debug)]
pub enum J {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = J;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<J, E> {
                Ok(J::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<J, E> {
                Ok(J::Bool(b))
            }
            fn visit_i64<E>(self, v: i64) -> Result<J, E> {
                Ok(J::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<J, E> {
                Ok(J::Num(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<J, E> {
                Ok(J::Num(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<J, E> {
                Ok(J::Str(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(J::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<J, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry::<String, J>()? {
                    v.push((k, x));
                }
                Ok(J::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl J {
    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(v) => v.iter().find(|(k, _)| k == key).map(|e| &e.1),
            _ => None,
        }
    }
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, path: &str, msg: impl std::fmt::Display) -> FileError {
        FileError {
            file: self.file.to_string(),
            line: 0,
            col: 0,
            msg: format!("{path}: {msg}"),
        }
    }
}

fn num(ctx: &Ctx, path: &str, v: &J) -> Result<f64, FileError> {
    match v {
        J::Num(n) if n.is_finite() => Ok(*n),
        _ => Err(ctx.err(path, "expected a number")),
    }
}

/// Microseconds (rt-app's unit) to ns, 0 to one hour.
fn usecs(ctx: &Ctx, path: &str, v: &J) -> Result<u64, FileError> {
    let n = num(ctx, path, v)?;
    if !(0.0..=3.6e9).contains(&n) {
        return Err(ctx.err(path, "microseconds from 0 to an hour"));
    }
    Ok((n * 1e3).round() as u64)
}

fn loop_count(ctx: &Ctx, path: &str, v: Option<&J>) -> Result<Option<u64>, FileError> {
    match v {
        None => Ok(Some(1)),
        Some(j) => {
            let n = num(ctx, path, j)?;
            if n == -1.0 {
                Ok(None)
            } else if n >= 1.0 && n.fract() == 0.0 && n <= 1e12 {
                Ok(Some(n as u64))
            } else {
                Err(ctx.err(path, "a loop count of at least 1, or -1 for forever"))
            }
        }
    }
}

/// The events of one phase (or of a task without phases), in order.
fn events(
    ctx: &Ctx,
    path: &str,
    obj: &[(String, J)],
    skip: &[&str],
    out: &mut Vec<Op>,
    resumes: &mut Vec<(usize, String, String)>,
    ignored: &mut Vec<String>,
) -> Result<bool, FileError> {
    let mut advances = false;
    for (k, v) in obj {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let p = format!("{path}.{k}");
        if k.starts_with("runtime") || k.starts_with("run") {
            let ns = usecs(ctx, &p, v)?;
            advances |= ns > 0;
            out.push(Op::Run(Dist::Fixed(ns)));
        } else if k.starts_with("sleep") {
            out.push(Op::Sleep(Dist::Fixed(usecs(ctx, &p, v)?)));
        } else if k.starts_with("timer") {
            let period = v
                .get("period")
                .ok_or_else(|| ctx.err(&p, "a timer needs a period"))?;
            let ns = usecs(ctx, &format!("{p}.period"), period)?;
            if ns == 0 {
                return Err(ctx.err(&format!("{p}.period"), "a period above 0"));
            }
            if v.get("ref").is_some() {
                ignored.push(format!("{p}.ref (each task keeps its own timer)"));
            }
            out.push(Op::Timer(ns));
        } else if k.starts_with("suspend") {
            out.push(Op::Block);
        } else if k.starts_with("resume") {
            let J::Str(name) = v else {
                return Err(ctx.err(&p, "resume names a task"));
            };
            resumes.push((out.len(), name.clone(), p));
            out.push(Op::Wake {
                targets: Vec::new(),
                pick: Pick::All,
                sync: false,
            });
        } else {
            ignored.push(p);
        }
    }
    Ok(advances)
}

/// The JSON of an rt-app file; a syntax error names the file, line and column.
fn parse_json(file: &str, text: &str) -> Result<J, FileError> {
    serde_json::from_str(text).map_err(|e| FileError {
        file: file.to_string(),
        line: e.line(),
        col: e.column(),
        msg: e.to_string(),
    })
}

/// Adds the tasks of an rt-app JSON file to `sc` (whose machine decides
/// which CPUs exist).
pub fn add_to(sc: &mut Scenario, file: &str, text: &str) -> Result<(), FileError> {
    let ctx = Ctx { file };
    let root = parse_json(file, text)?;
    let Some(J::Obj(tasks)) = root.get("tasks") else {
        return Err(ctx.err("tasks", "an rt-app file has an object 'tasks'"));
    };
    let default_policy = match root.get("global").and_then(|g| g.get("default_policy")) {
        Some(J::Str(s)) => s.clone(),
        _ => "SCHED_OTHER".to_string(),
    };
    if let Some(J::Obj(g)) = root.get("global") {
        for (k, _) in g {
            if k != "duration" && k != "default_policy" {
                sc.ignored.push(format!("global.{k}"));
            }
        }
    }
    let mut spec_ids: Vec<(String, Vec<usize>)> = Vec::new();
    let mut resumes: Vec<(usize, usize, String, String)> = Vec::new();
    let spec_base = sc.tasks.iter().map(|t| t.spec + 1).max().unwrap_or(0);
    for (si, (tname, tv)) in tasks.iter().enumerate() {
        let path = format!("tasks.{tname}");
        let J::Obj(tobj) = tv else {
            return Err(ctx.err(&path, "a task is an object"));
        };
        if sc.tasks.iter().any(|t| &t.name == tname) {
            return Err(ctx.err(&path, "a task of this name exists already"));
        }
        let count = match tv.get("instance") {
            None => 1,
            Some(j) => {
                let n = num(&ctx, &format!("{path}.instance"), j)?;
                if !(1.0..=1024.0).contains(&n) || n.fract() != 0.0 {
                    return Err(ctx.err(&format!("{path}.instance"), "1 to 1024 instances"));
                }
                n as usize
            }
        };
        let policy = match tv.get("policy") {
            Some(J::Str(s)) => s.clone(),
            _ => default_policy.clone(),
        };
        let fair = matches!(
            policy.as_str(),
            "SCHED_OTHER" | "SCHED_NORMAL" | "SCHED_BATCH" | "SCHED_IDLE"
        );
        if !fair {
            sc.ignored.push(format!(
                "{path}.policy {policy} (runs as a SCHED_OTHER task)"
            ));
        }
        let nice = match tv.get("priority") {
            Some(j) if fair => {
                let n = num(&ctx, &format!("{path}.priority"), j)?;
                if !(-20.0..=19.0).contains(&n) || n.fract() != 0.0 {
                    return Err(ctx.err(&format!("{path}.priority"), "a nice value from -20 to 19"));
                }
                n as i32
            }
            Some(_) => {
                sc.ignored
                    .push(format!("{path}.priority (of a {policy} task)"));
                0
            }
            None => 0,
        };
        let affinity = match tv.get("cpus") {
            None => None,
            Some(J::Arr(v)) => {
                let mut cpus = Vec::new();
                for (j, c) in v.iter().enumerate() {
                    let n = num(&ctx, &format!("{path}.cpus[{j}]"), c)?;
                    if n < 0.0 || n.fract() != 0.0 || n as usize >= sc.cpus {
                        return Err(ctx.err(
                            &format!("{path}.cpus[{j}]"),
                            format!("a CPU of the machine (0 to {})", sc.cpus - 1),
                        ));
                    }
                    cpus.push(n as usize);
                }
                if cpus.is_empty() {
                    return Err(ctx.err(&format!("{path}.cpus"), "at least one CPU"));
                }
                Some(cpus)
            }
            Some(_) => return Err(ctx.err(&format!("{path}.cpus"), "a list of CPUs")),
        };
        let mut program = Vec::new();
        if let Some(d) = tv.get("delay") {
            program.push(Op::Sleep(Dist::Fixed(usecs(
                &ctx,
                &format!("{path}.delay"),
                d,
            )?)));
        }
        let top = loop_count(&ctx, &format!("{path}.loop"), tv.get("loop"))?;
        // rt-app's task-level loop defaults to forever.
        let top = if tv.get("loop").is_none() { None } else { top };
        let start = program.len();
        program.push(Op::LoopStart(top));
        let mut local_resumes = Vec::new();
        let task_keys = [
            "instance", "loop", "priority", "policy", "cpus", "delay", "phases",
        ];
        let mut advances = false;
        if let Some(ph) = tv.get("phases") {
            let J::Obj(phases) = ph else {
                return Err(ctx.err(&format!("{path}.phases"), "an object of phases"));
            };
            for (pname, pv) in phases {
                let pp = format!("{path}.phases.{pname}");
                let J::Obj(pobj) = pv else {
                    return Err(ctx.err(&pp, "a phase is an object"));
                };
                let n = loop_count(&ctx, &format!("{pp}.loop"), pv.get("loop"))?;
                let ls = program.len();
                program.push(Op::LoopStart(n));
                let a = events(
                    &ctx,
                    &pp,
                    pobj,
                    &["loop", "cpus"],
                    &mut program,
                    &mut local_resumes,
                    &mut sc.ignored,
                )?;
                if pv.get("cpus").is_some() {
                    sc.ignored.push(format!("{pp}.cpus (affinity per phase)"));
                }
                if n.is_none() && !a {
                    return Err(ctx.err(&pp, "a phase that loops forever needs a run event"));
                }
                advances |= a;
                program.push(Op::LoopEnd(ls));
            }
            for (k, _) in tobj {
                if !task_keys.contains(&k.as_str()) {
                    sc.ignored.push(format!("{path}.{k}"));
                }
            }
        } else {
            advances = events(
                &ctx,
                &path,
                tobj,
                &task_keys,
                &mut program,
                &mut local_resumes,
                &mut sc.ignored,
            )?;
        }
        if top.is_none() && !advances {
            return Err(ctx.err(
                &path,
                "a task that loops forever needs a run event (of more than 0 us)",
            ));
        }
        program.push(Op::LoopEnd(start));
        let allowed_list: Vec<usize> = affinity.clone().unwrap_or_else(|| (0..sc.cpus).collect());
        let mut ids = Vec::new();
        for k in 0..count {
            let id = sc.tasks.len();
            for (op, name, p) in &local_resumes {
                resumes.push((id, *op, name.clone(), p.clone()));
            }
            sc.tasks.push(TaskDef {
                name: tname.clone(),
                group: 0,
                nice,
                weight: None,
                slice: None,
                cpu: allowed_list[k % allowed_list.len()],
                allowed: affinity.clone(),
                kthread: false,
                program: program.clone(),
                spec: spec_base + si,
            });
            ids.push(id);
        }
        spec_ids.push((tname.clone(), ids));
    }
    for (id, op, name, p) in resumes {
        let targets: Vec<usize> = match spec_ids.iter().find(|(n, _)| *n == name) {
            Some((_, ids)) => ids.iter().copied().filter(|&t| t != id).collect(),
            None => {
                // rt-app names instances `NAME-K`; a resume may name one.
                let hit = spec_ids.iter().find_map(|(n, ids)| {
                    let k: usize = name
                        .strip_prefix(n.as_str())?
                        .strip_prefix('-')?
                        .parse()
                        .ok()?;
                    ids.get(k).copied()
                });
                hit.into_iter().collect()
            }
        };
        if targets.is_empty() {
            return Err(ctx.err(&p, format!("no task '{name}' to resume")));
        }
        if let Op::Wake { targets: t, .. } = &mut sc.tasks[id].program[op] {
            *t = targets;
        }
    }
    let root_tasks = sc.tasks.iter().filter(|t| t.group == 0).count();
    if root_tasks > N {
        return Err(ctx.err(
            "tasks",
            format!("{root_tasks} tasks in the root group: the lab's run queues hold {N} per group and CPU"),
        ));
    }
    sc.ignored.sort();
    sc.ignored.dedup();
    Ok(())
}

/// A whole scenario from an rt-app file alone: 4 CPUs (or as many as its
/// affinities name), HZ = 250, `global.duration` (else 10 s), variants
/// 6.6, 6.18 and 7.1.
pub fn import(file: &str, text: &str) -> Result<Scenario, FileError> {
    let ctx = Ctx { file };
    let root = parse_json(file, text)?;
    let mut max_cpu = 3usize;
    if let Some(J::Obj(tasks)) = root.get("tasks") {
        for (_, t) in tasks {
            if let Some(J::Arr(c)) = t.get("cpus") {
                for x in c {
                    if let J::Num(n) = x {
                        if *n >= 0.0 && *n < 64.0 {
                            max_cpu = max_cpu.max(*n as usize);
                        }
                    }
                }
            }
        }
    }
    let secs = match root.get("global").and_then(|g| g.get("duration")) {
        None => 10.0,
        Some(j) => {
            let d = num(&ctx, "global.duration", j)?;
            if d > 0.0 && d <= 3600.0 {
                d
            } else if d == -1.0 {
                10.0
            } else {
                return Err(ctx.err("global.duration", "seconds, 0 < duration <= 3600"));
            }
        }
    };
    let name = std::path::Path::new(file)
        .file_stem()
        .map_or("rtapp".to_string(), |s| s.to_string_lossy().into_owned());
    let variants = ["6.6", "6.18", "7.1"]
        .iter()
        .filter_map(|r| Some(VariantDef::new(format!("linux-{r}"), profile_named(r)?)))
        .collect();
    let mut sc = Scenario {
        name,
        description: format!("rt-app workload {file}"),
        secs,
        warmup_secs: None,
        seed: 1,
        cpus: max_cpu + 1,
        hz: 250,
        newidle_pull: true,
        idle_is_preempted: false,
        resume_latency: 0,
        linux_balance: None,
        llcs: 1,
        rng_stream: None,
        groups: vec![("root".to_string(), eevdf::group::TaskGroup::ROOT)],
        tasks: Vec::new(),
        queues: Vec::new(),
        locks: Vec::new(),
        variants,
        metrics: Vec::new(),
        ignored: Vec::new(),
    };
    add_to(&mut sc, file, text)?;
    if sc.tasks.is_empty() {
        return Err(ctx.err("tasks", "no task"));
    }
    sc.metrics = crate::workload::default_metrics(&sc);
    Ok(sc)
}
