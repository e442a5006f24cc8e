//! Traces: a lab run written as ftrace text ([`write`](mod@write)), ftrace text read
//! back ([`parse`]), and a recorded trace replayed in lockstep through the
//! library's run queues ([`replay`]). See the "Traces" section of
//! `docs/lab.md`.

pub mod dat;
pub mod parse;
pub mod place;
pub mod replay;
pub mod write;

use std::sync::{Arc, Mutex};

use crate::args;
use crate::builtin::{Scenario, SCENARIOS};
use crate::report::{exit_status, Outcome};
use crate::sim::{Params, Probe};

/// Simulated seconds of `trace-out` when `--secs` is not given.
pub const TRACE_SECS: f64 = 0.1;

/// Runs one variant of a scenario with a trace writer attached; returns the
/// trace and the run's outcome.
pub fn record(s: &Scenario, variant: &'static str, params: &Params) -> (String, Outcome) {
    record_with(s.name, variant, params, |p| (s.run)(variant, p))
}

/// Runs `run` (a scenario's variant) with a trace writer attached.
pub fn record_with(
    scenario: &str,
    variant: &str,
    params: &Params,
    run: impl FnOnce(&Params) -> Outcome,
) -> (String, Outcome) {
    let title = vec![format!(
        "scenario={scenario} variant={variant} seed={} secs={}",
        params.seed, params.secs
    )];
    let w = Arc::new(Mutex::new(write::Writer::new(title)));
    let p = Params {
        probe: Some(Probe(w.clone())),
        ..params.clone()
    };
    let oc = run(&p);
    drop(p);
    let w = match Arc::try_unwrap(w) {
        Ok(m) => m.into_inner().unwrap_or_else(|e| e.into_inner()),
        Err(_) => unreachable!("the scenario kept the trace writer"),
    };
    (w.finish(), oc)
}

pub const TRACE_OUT_USAGE: &str =
    "usage: eevdf-lab trace-out SCENARIO|FILE [--variant NAME] [--seed N] [--secs S] [--features W1,W2] [-o FILE] [--dat]";

/// `eevdf-lab trace-out ...`: the exit status.
pub fn trace_out_main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{TRACE_OUT_USAGE}");
        return 0;
    }
    let r = trace_out(args)
        .map(|msg| eprint!("{msg}"))
        .map_err(|TraceOutError(code, e)| (code, e));
    exit_status("trace-out", TRACE_OUT_USAGE, r)
}

/// A `trace-out` error: exit status 2 for the command line, 1 for a file.
pub struct TraceOutError(pub i32, pub String);

impl From<String> for TraceOutError {
    fn from(s: String) -> TraceOutError {
        TraceOutError(2, s)
    }
}

fn trace_out(args: &[String]) -> Result<String, TraceOutError> {
    let mut it = args.iter();
    let (mut name, mut variant, mut out) = (None, None, None);
    let (mut seed_given, mut secs_given, mut dat) = (false, false, false);
    let mut params = Params {
        seed: 1,
        secs: TRACE_SECS,
        ..Params::default()
    };
    while let Some(a) = it.next() {
        let mut val = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs {what}"))
        };
        match a.as_str() {
            "--variant" => variant = Some(val("a variant name")?),
            "-o" | "--output" => out = Some(val("a file name")?),
            "--dat" => dat = true,
            "--seed" => {
                seed_given = true;
                params.seed = args::seed(&val("an integer")?)?;
            }
            "--secs" => {
                secs_given = true;
                params.secs = args::secs(&val("a number of seconds")?, 60.0)?;
            }
            "--features" => {
                args::features(&val("a list like NO_PLACE_LAG")?, &mut params.features)?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option '{s}'").into()),
            s if name.is_none() => name = Some(s.to_string()),
            s => return Err(format!("one scenario per trace, not also '{s}'").into()),
        }
    }
    if dat && out.is_none() {
        return Err(
            "--dat writes a binary trace.dat: give its file with -o FILE"
                .to_string()
                .into(),
        );
    }
    let known: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    let name = name.ok_or_else(|| {
        format!(
            "no scenario given (one of {}, or a scenario file)",
            known.join(", ")
        )
    })?;
    if name.ends_with(".toml") || name.ends_with(".json") {
        let sc = crate::scenario::load(&name).map_err(|e| TraceOutError(1, e.to_string()))?;
        let v = match &variant {
            None => &sc.variants[0],
            Some(v) => sc.variants.iter().find(|w| &w.name == v).ok_or_else(|| {
                let names: Vec<&str> = sc.variants.iter().map(|w| w.name.as_str()).collect();
                format!(
                    "unknown variant '{v}' of {} (one of {})",
                    sc.name,
                    names.join(", ")
                )
            })?,
        };
        if !secs_given {
            params.secs = sc.secs.min(60.0);
        }
        if !seed_given {
            params.seed = sc.seed;
        }
        let (text, _) = record_with(&sc.name, &v.name, &params, |p| {
            crate::scenario::run_variant(&sc, v, p)
        });
        return emit(&text, out, dat, &sc.name, &v.name, params.secs)
            .map_err(|e| TraceOutError(1, e));
    }
    let s = SCENARIOS
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("unknown scenario '{name}' (one of {})", known.join(", ")))?;
    let v: &'static str = match variant {
        None => s.variants[0],
        Some(v) => s
            .variants
            .iter()
            .copied()
            .find(|w| *w == v)
            .ok_or_else(|| {
                format!(
                    "unknown variant '{v}' of {} (one of {})",
                    s.name,
                    s.variants.join(", ")
                )
            })?,
    };
    let (text, _) = record(s, v, &params);
    emit(&text, out, dat, s.name, v, params.secs).map_err(|e| TraceOutError(1, e))
}

/// Writes a trace to `out` (stdout if `None`), as trace.dat if `dat`; the
/// message for stderr.
fn emit(
    text: &str,
    out: Option<String>,
    dat: bool,
    scenario: &str,
    v: &str,
    secs: f64,
) -> Result<String, String> {
    let lines = text.lines().filter(|l| !l.starts_with('#')).count();
    match &out {
        Some(f) if dat => {
            let bytes = dat::from_text(text)?;
            std::fs::write(f, &bytes).map_err(|e| format!("cannot write {f}: {e}"))?;
            return Ok(format!(
                "eevdf-lab: {scenario} {v}, {secs} s simulated: {lines} events in {f} (trace.dat version 6, {} bytes)\n",
                bytes.len()
            ));
        }
        Some(f) => std::fs::write(f, text).map_err(|e| format!("cannot write {f}: {e}"))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| format!("cannot write the trace: {e}"))?;
        }
    }
    Ok(format!(
        "eevdf-lab: {scenario} {v}, {secs} s simulated: {lines} trace lines{}\n",
        out.map(|f| format!(" in {f}")).unwrap_or_default()
    ))
}

pub const REPLAY_USAGE: &str =
    "usage: eevdf-lab replay TRACE [--release 6.5|6.6|6.18|7.0|7.1|...] [--ncpus N] [--hz HZ] [--slice NS] [--features W1,W2]";

/// `eevdf-lab replay ...`: the exit status.
pub fn replay_main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{REPLAY_USAGE}");
        return 0;
    }
    exit_status(
        "replay",
        REPLAY_USAGE,
        replay_cli(args).map(|text| print!("{text}")),
    )
}

fn replay_cli(args: &[String]) -> Result<String, (i32, String)> {
    let usage = |e: String| (2, e);
    let mut it = args.iter();
    let mut file = None;
    let (mut release, mut ncpus, mut hz, mut slice) = (None, None, None, None);
    let mut features: Vec<String> = Vec::new();
    while let Some(a) = it.next() {
        let mut val = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| usage(format!("{a} needs {what}")))
        };
        let num = |v: String, what: &str| -> Result<u64, (i32, String)> {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| usage(format!("{a} needs {what}, not '{v}'")))
        };
        match a.as_str() {
            "--release" => {
                let v = val("a release")?;
                release = Some(replay::profile_named(&v).ok_or_else(|| {
                    usage(format!(
                        "unknown release '{v}' (6.5, 6.5+place-lag, 6.6, 6.6.57, 6.18, 7.0, 7.1 or exact)"
                    ))
                })?);
            }
            "--ncpus" => ncpus = Some(num(val("a CPU count")?, "a positive CPU count")?),
            "--hz" => hz = Some(num(val("HZ")?, "a positive HZ")?),
            "--slice" => slice = Some(num(val("nanoseconds")?, "positive nanoseconds")?),
            "--features" => {
                args::features(&val("a list like NO_PLACE_LAG")?, &mut features).map_err(usage)?;
            }
            s if s.starts_with('-') => return Err(usage(format!("unknown option '{s}'"))),
            s if file.is_none() => file = Some(s.to_string()),
            s => return Err(usage(format!("one trace at a time, not also '{s}'"))),
        }
    }
    let file = file.ok_or_else(|| usage("no trace file given".to_string()))?;
    let text =
        std::fs::read_to_string(&file).map_err(|e| (1, format!("cannot read {file}: {e}")))?;
    let t0 = std::time::Instant::now();
    let trace = parse::parse(&text).map_err(|e| (1, format!("{file}: {e}")))?;
    let header =
        replay::Setup::from_header(&trace.comments).map_err(|e| (1, format!("{file}: {e}")))?;
    let from_header = header.is_some();
    let mut setup = match (header, release) {
        (Some(mut s), Some(p)) => {
            s.features = eevdf::Features::defaults(p.release);
            s.profile = p;
            s
        }
        (Some(s), None) => s,
        (None, p) => {
            let n = ncpus.unwrap_or_else(|| {
                trace
                    .lines
                    .iter()
                    .map(|l| l.cpu as u64 + 1)
                    .max()
                    .unwrap_or(1)
            });
            replay::Setup::new(p.unwrap_or(eevdf::Profile::LINUX_6_6), n as u32)
        }
    };
    if let Some(n) = ncpus {
        setup.base_slice = setup.profile.base_slice(n as u32);
    }
    if let Some(h) = hz {
        setup.tick_nsec = eevdf::profile::tick_nsec(h as u32);
    }
    if let Some(s) = slice {
        setup.base_slice = s;
    }
    for w in &features {
        setup.features.apply_debugfs(w);
    }
    let r = replay::replay(&trace, &setup);
    let what = format!(
        "{} (features {:#x}, base slice {} ns{})",
        setup.profile.name(),
        setup.features.bits(),
        setup.base_slice,
        if from_header {
            ", setup from the lab header"
        } else {
            ""
        }
    );
    let mut out = replay::render(&r, &what);
    let places = place::check(&trace, &setup);
    if !places.lines.is_empty() {
        out.push_str(&place::render(&places));
    }
    eprintln!(
        "eevdf-lab: {} lines parsed ({} skipped) and replayed in {:.3} s",
        trace.lines.len(),
        trace.skipped,
        t0.elapsed().as_secs_f64()
    );
    Ok(out)
}
