//! Command line: which scenarios, output format, seed, duration.

use std::io::Write;
use std::time::Instant;

use crate::report::{json_line, table, Outcome};
use crate::sim::{Counters, Params};
use crate::{aio, cgroup, hlt, vcpu, vhost};

pub struct Scenario {
    pub name: &'static str,
    pub variants: &'static [&'static str],
    pub metrics: &'static [&'static str],
    pub default_secs: f64,
    /// The model in two lines, printed above the table.
    pub notes: &'static str,
    pub run: fn(&'static str, &Params) -> Outcome,
    pub plot: fn(&[Outcome]) -> String,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: vhost::NAME,
        variants: &vhost::VARIANTS,
        metrics: &vhost::METRICS,
        default_secs: vhost::DEFAULT_SECS,
        notes: vhost::NOTES,
        run: vhost::run,
        plot: vhost::plot,
    },
    Scenario {
        name: cgroup::NAME,
        variants: &cgroup::VARIANTS,
        metrics: &cgroup::METRICS,
        default_secs: cgroup::DEFAULT_SECS,
        notes: cgroup::NOTES,
        run: cgroup::run,
        plot: cgroup::plot,
    },
    Scenario {
        name: vcpu::NAME,
        variants: &vcpu::VARIANTS,
        metrics: &vcpu::METRICS,
        default_secs: vcpu::DEFAULT_SECS,
        notes: vcpu::NOTES,
        run: vcpu::run,
        plot: vcpu::plot,
    },
    Scenario {
        name: hlt::NAME,
        variants: &hlt::VARIANTS,
        metrics: &hlt::METRICS,
        default_secs: hlt::DEFAULT_SECS,
        notes: hlt::NOTES,
        run: hlt::run,
        plot: hlt::plot,
    },
    Scenario {
        name: aio::NAME,
        variants: &aio::VARIANTS,
        metrics: &aio::METRICS,
        default_secs: aio::DEFAULT_SECS,
        notes: aio::NOTES,
        run: aio::run,
        plot: aio::plot,
    },
];

pub struct Options {
    pub which: String,
    pub json: bool,
    pub svg: Option<String>,
    pub seed: u64,
    pub secs: Option<f64>,
    /// debugfs feature words applied to every variant.
    pub features: Vec<String>,
}

pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        which: String::new(),
        json: false,
        svg: None,
        seed: 1,
        secs: None,
        features: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => o.json = true,
            "--svg" => o.svg = Some(it.next().ok_or("--svg needs a directory")?.clone()),
            "--seed" => {
                o.seed = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--seed needs an integer")?
            }
            "--secs" => {
                o.secs = Some(
                    it.next()
                        .and_then(|s| s.parse().ok())
                        .filter(|s: &f64| *s > 0.0 && *s <= 3600.0)
                        .ok_or("--secs needs a positive number of seconds")?,
                )
            }
            "--features" => {
                let list = it
                    .next()
                    .ok_or("--features needs a list like NO_PLACE_LAG,RUN_TO_PARITY")?;
                for w in list.split(',').filter(|w| !w.is_empty()) {
                    let mut probe = eevdf::Features::empty();
                    if !probe.apply_debugfs(w) {
                        return Err(format!("unknown feature {w}"));
                    }
                    o.features.push(w.to_string());
                }
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => o.which = s.to_string(),
        }
    }
    if o.which.is_empty() {
        return Err("which scenario?".into());
    }
    if o.which != "all" && !SCENARIOS.iter().any(|s| s.name == o.which) {
        return Err(format!("unknown scenario {}", o.which));
    }
    Ok(o)
}

/// Runs the selected scenarios; returns stdout text (deterministic) and the
/// counters.
pub fn run(o: &Options) -> (String, Counters, Vec<(&'static str, Vec<Outcome>)>) {
    let mut out = String::new();
    let mut counts = Counters::default();
    let mut all = Vec::new();
    for s in SCENARIOS
        .iter()
        .filter(|s| o.which == "all" || o.which == s.name)
    {
        let secs = o.secs.unwrap_or(s.default_secs);
        let outcomes: Vec<Outcome> = s
            .variants
            .iter()
            .map(|v| {
                let p = Params {
                    seed: o.seed,
                    secs,
                    features: o.features.clone(),
                };
                (s.run)(v, &p)
            })
            .collect();
        for oc in &outcomes {
            counts.add(&oc.counts);
        }
        if o.json {
            for oc in &outcomes {
                out.push_str(&json_line(s.name, s.metrics, oc));
                out.push('\n');
            }
        } else {
            out.push_str(&format!(
                "== {} (seed {}, {} s simulated) ==\n",
                s.name, o.seed, secs
            ));
            for line in s.notes.lines() {
                out.push_str(&format!("# {line}\n"));
            }
            if !o.features.is_empty() {
                out.push_str(&format!(
                    "# every variant with the debugfs writes: {}\n",
                    o.features.join(" ")
                ));
            }
            out.push_str(&table(&outcomes));
            out.push('\n');
        }
        all.push((s.name, outcomes));
    }
    (out, counts, all)
}

/// This process's CPU time (user + system) in seconds, from `/proc/self/stat`
/// (Linux; `USER_HZ` = 100), if available.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

pub fn main(args: &[String]) -> i32 {
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("lab: {e}");
            eprintln!(
                "usage: lab <{}|all> [--json] [--svg DIR] [--seed N] [--secs S] [--features W1,W2]",
                SCENARIOS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join("|")
            );
            return 2;
        }
    };
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let (out, counts, all) = run(&o);
    let wall = t0.elapsed().as_secs_f64();
    let cpu = c0.and_then(|a| cpu_seconds().map(|b| b - a));
    let _ = std::io::stdout().write_all(out.as_bytes());
    if let Some(dir) = &o.svg {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("lab: cannot create {dir}: {e}");
            return 1;
        }
        for (name, outcomes) in &all {
            let s = SCENARIOS
                .iter()
                .find(|s| s.name == *name)
                .map(|s| (s.plot)(outcomes));
            let path = format!("{dir}/{name}.svg");
            if let Err(e) = std::fs::write(&path, s.unwrap_or_default()) {
                eprintln!("lab: cannot write {path}: {e}");
                return 1;
            }
            eprintln!("lab: wrote {path}");
        }
    }
    let e = counts.events() as f64;
    eprintln!(
        "lab: {} scheduling events ({} enqueue, {} dequeue, {} pick, {} tick, {} wakeup, {} migrate)",
        counts.events(),
        counts.enqueue,
        counts.dequeue,
        counts.pick,
        counts.tick,
        counts.wakeup,
        counts.migrate
    );
    match cpu {
        Some(c) if c > 0.0 => eprintln!(
            "lab: {wall:.2} s wall, {c:.2} s CPU (one thread): {:.2} M events per wall second, {:.2} M per CPU second",
            e / wall / 1e6,
            e / c / 1e6
        ),
        _ => eprintln!("lab: {wall:.2} s wall: {:.2} M events per second", e / wall / 1e6),
    }
    0
}
