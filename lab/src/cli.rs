//! Command line: which scenarios, output format, seed, duration.

use std::io::Write;
use std::time::Instant;

use crate::args;
use crate::report::{json_line, text_block, Outcome};
use crate::sim::{Counters, Params};

pub use crate::builtin::{Scenario, SCENARIOS};

/// What the command line asks for.
pub enum Command {
    Run(Options),
    Help,
    List,
}

/// A run: which scenarios and variants, output, seed, duration.
pub struct Options {
    /// The scenarios, in the order given, each once.
    pub scenarios: Vec<&'static Scenario>,
    /// Only these variants (each of at least one selected scenario); empty:
    /// every variant.
    pub variants: Vec<String>,
    pub json: bool,
    pub svg: Option<String>,
    pub seed: u64,
    pub secs: Option<f64>,
    /// debugfs feature words applied to every variant.
    pub features: Vec<String>,
}

impl Options {
    /// Every variant of every scenario named `which` (`all`: every scenario).
    pub fn new(which: &str) -> Options {
        Options {
            scenarios: SCENARIOS
                .iter()
                .filter(|s| which == "all" || which == s.name)
                .collect(),
            variants: Vec::new(),
            json: false,
            svg: None,
            seed: 1,
            secs: None,
            features: Vec::new(),
        }
    }

    /// The variants of `s` this run runs, in the scenario's order.
    pub fn variants_of(&self, s: &Scenario) -> Vec<&'static str> {
        s.variants
            .iter()
            .copied()
            .filter(|v| self.variants.is_empty() || self.variants.iter().any(|w| w == v))
            .collect()
    }
}

/// The one-line usage printed under an error.
pub const USAGE: &str = "usage: eevdf-lab SCENARIO... [OPTIONS] (eevdf-lab --help for more)";

/// `--help`.
pub fn help() -> String {
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    format!(
        "eevdf-lab: a deterministic scheduler simulator that replays public field reports
through the eevdf crate (docs/lab.md).

usage: eevdf-lab SCENARIO... [OPTIONS]
       eevdf-lab run FILE... [--variant NAME] [--json] [--seed N] [--secs S] [--features W]
       eevdf-lab trace-out SCENARIO|FILE [--variant NAME] [--seed N] [--secs S] [-o TRACE [--dat]]
       eevdf-lab replay TRACE [--release R] [--ncpus N] [--hz HZ] [--slice NS] [--features W]
       eevdf-lab extract TRACE [-o FILE] [--release R]...
       eevdf-lab --list
       eevdf-lab --help

SCENARIO is one or more of {}, or all; they run in the order given.

options:
  --variant NAME[,NAME...]  run only these variants (may be repeated); each must be
                            a variant of a selected scenario (see --list)
  --json                    one JSON object per line and variant instead of tables
  --svg DIR                 also write DIR/<scenario>.svg
  --seed N                  the seed of every random draw (default 1)
  --secs S                  simulated seconds per variant, 0 < S <= 3600
                            (default: the scenario's own)
  --features W1,W2          debugfs sched_features writes applied to every variant
                            (NO_PLACE_LAG, NO_RUN_TO_PARITY, ...)
  --list                    the scenarios with their variants and metrics
  -h, --help                this text

subcommands (docs/lab.md, \"Scenario files\" and \"Traces\"):
  run FILE...               run scenario files (TOML, lab/scenarios/; or rt-app JSON)
  trace-out SCENARIO|FILE   write one variant's run as ftrace text (Perfetto, scripts),
                            or with --dat as trace-cmd's trace.dat (KernelShark)
  replay TRACE              replay ftrace text (tracefs or trace-cmd report) in lockstep
                            through the library; compare every sched_switch
  extract TRACE             turn a trace into a scenario file that re-runs its workload
",
        names.join(", ")
    )
}

/// `--list`: every scenario, its default duration, variants and metrics.
pub fn list() -> String {
    let mut out = String::new();
    for s in &SCENARIOS {
        out.push_str(&format!(
            "{} (default {} s simulated)\n",
            s.name, s.default_secs
        ));
        out.push_str(&format!("  variants: {}\n", s.variants.join(" ")));
        out.push_str(&format!("  metrics:  {}\n", s.metrics.join(" ")));
        if !s.absent.is_empty() {
            let names: Vec<&str> = s.absent.iter().map(|a| a.0).collect();
            out.push_str(&format!(
                "  null in JSON (not modelled): {}\n",
                names.join(" ")
            ));
        }
    }
    out
}

/// The value after an option, or an error naming what it needs.
fn value<'a>(
    it: &mut std::slice::Iter<'a, String>,
    option: &str,
    what: &str,
) -> Result<&'a str, String> {
    it.next()
        .map(|s| s.as_str())
        .ok_or_else(|| format!("{option} needs {what}"))
}

pub fn parse(args: &[String]) -> Result<Command, String> {
    let mut o = Options::new("");
    let (mut help, mut list) = (false, false);
    let mut names: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => help = true,
            "--list" => list = true,
            "--json" => o.json = true,
            "--svg" => o.svg = Some(value(&mut it, "--svg", "a directory")?.to_string()),
            "--seed" => {
                o.seed = args::seed(value(&mut it, "--seed", "an integer")?)?;
            }
            "--secs" => {
                let v = value(&mut it, "--secs", "a number of seconds")?;
                o.secs = Some(args::secs(v, 3600.0)?);
            }
            "--variant" => {
                let list = value(&mut it, "--variant", "a variant name (see --list)")?;
                args::variants(list, &mut o.variants)?;
            }
            "--features" => {
                let list = value(
                    &mut it,
                    "--features",
                    "a list like NO_PLACE_LAG,RUN_TO_PARITY",
                )?;
                args::features(list, &mut o.features)?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option '{s}'")),
            s => names.push(s),
        }
    }
    if help {
        return Ok(Command::Help);
    }
    if list {
        return Ok(Command::List);
    }
    let known: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    if names.is_empty() {
        return Err(format!(
            "no scenario given (one or more of {}, or all)",
            known.join(", ")
        ));
    }
    // Scenarios named one by one must run a variant; `all` keeps those that have one.
    let mut named: Vec<&'static Scenario> = Vec::new();
    for n in names {
        let add: Vec<&'static Scenario> = match SCENARIOS.iter().find(|s| s.name == n) {
            Some(s) => {
                named.push(s);
                vec![s]
            }
            None if n == "all" => SCENARIOS.iter().collect(),
            None => {
                return Err(format!(
                    "unknown scenario '{n}' (one of {}, or all)",
                    known.join(", ")
                ))
            }
        };
        for s in add {
            if !o.scenarios.iter().any(|t| t.name == s.name) {
                o.scenarios.push(s);
            }
        }
    }
    for v in &o.variants {
        if !o.scenarios.iter().any(|s| s.variants.contains(&v.as_str())) {
            let selected: Vec<&str> = o.scenarios.iter().map(|s| s.name).collect();
            return Err(format!(
                "unknown variant '{v}' for {} (see eevdf-lab --list)",
                selected.join(", ")
            ));
        }
    }
    if let Some(s) = named.iter().find(|s| o.variants_of(s).is_empty()) {
        return Err(format!(
            "scenario {} has none of the variants {} (its variants: {})",
            s.name,
            o.variants.join(", "),
            s.variants.join(", ")
        ));
    }
    let keep: Vec<&'static Scenario> = o
        .scenarios
        .iter()
        .copied()
        .filter(|s| !o.variants_of(s).is_empty())
        .collect();
    o.scenarios = keep;
    Ok(Command::Run(o))
}

/// What a run produced: the stdout text (deterministic), the engine's
/// counters, and each scenario's outcomes (for the plots).
pub struct Run {
    pub out: String,
    pub counts: Counters,
    pub outcomes: Vec<(&'static Scenario, Vec<Outcome>)>,
}

/// Runs the selected scenarios and variants.
pub fn run(o: &Options) -> Result<Run, String> {
    let mut out = String::new();
    let mut counts = Counters::default();
    let mut all = Vec::new();
    for &s in &o.scenarios {
        let p = Params {
            seed: o.seed,
            secs: o.secs.unwrap_or(s.default_secs),
            features: o.features.clone(),
            probe: None,
        };
        let outcomes: Vec<Outcome> = o
            .variants_of(s)
            .into_iter()
            .map(|v| (s.run)(v, &p))
            .collect();
        for oc in &outcomes {
            counts.add(&oc.counts);
        }
        if o.json {
            for oc in &outcomes {
                out.push_str(&json_line(s.name, s.absent, &p, oc)?);
                out.push('\n');
            }
        } else {
            out.push_str(&text_block(s.name, &p, s.notes, &[], &outcomes));
        }
        all.push((s, outcomes));
    }
    Ok(Run {
        out,
        counts,
        outcomes: all,
    })
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
    match args.first().map(String::as_str) {
        Some("trace-out") => return crate::trace::trace_out_main(&args[1..]),
        Some("replay") => return crate::trace::replay_main(&args[1..]),
        Some("run") => return crate::runfile::main(&args[1..]),
        Some("extract") => return crate::extract::main(&args[1..]),
        _ => {}
    }
    let o = match parse(args) {
        Ok(Command::Run(o)) => o,
        Ok(Command::Help) => {
            print!("{}", help());
            return 0;
        }
        Ok(Command::List) => {
            print!("{}", list());
            return 0;
        }
        Err(e) => {
            eprintln!("eevdf-lab: {e}");
            eprintln!("{USAGE}");
            return 2;
        }
    };
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let r = match run(&o) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("eevdf-lab: {e}");
            return 1;
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let cpu = c0.and_then(|a| cpu_seconds().map(|b| b - a));
    if let Err(e) = std::io::stdout().write_all(r.out.as_bytes()) {
        eprintln!("eevdf-lab: cannot write the output: {e}");
        return 1;
    }
    if let Some(dir) = &o.svg {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("eevdf-lab: cannot create {dir}: {e}");
            return 1;
        }
        for (s, outcomes) in &r.outcomes {
            let path = format!("{dir}/{}.svg", s.name);
            if let Err(e) = std::fs::write(&path, (s.plot)(outcomes)) {
                eprintln!("eevdf-lab: cannot write {path}: {e}");
                return 1;
            }
            eprintln!("eevdf-lab: wrote {path}");
        }
    }
    let counts = r.counts;
    let e = counts.events() as f64;
    eprintln!(
        "eevdf-lab: {} scheduling events ({} enqueue, {} dequeue, {} pick, {} tick, {} wakeup, {} migrate)",
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
            "eevdf-lab: {wall:.2} s wall, {c:.2} s CPU (one thread): {:.2} M events per wall second, {:.2} M per CPU second",
            e / wall / 1e6,
            e / c / 1e6
        ),
        _ => eprintln!("eevdf-lab: {wall:.2} s wall: {:.2} M events per second", e / wall / 1e6),
    }
    0
}
