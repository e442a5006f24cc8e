//! `eevdf-lab run FILE...`: scenario files (TOML, or rt-app JSON) run like
//! the built-in scenarios, as a table or JSON lines.

use crate::args;
use crate::report::{exit_status, json_line, text_block, Outcome};
use crate::scenario::{self, Scenario};
use crate::sim::Params;

pub const USAGE: &str =
    "usage: eevdf-lab run FILE... [--variant NAME[,NAME...]] [--json] [--seed N] [--secs S] [--features W1,W2]";

pub struct RunOptions {
    pub files: Vec<String>,
    pub variants: Vec<String>,
    pub json: bool,
    pub seed: Option<u64>,
    pub secs: Option<f64>,
    pub features: Vec<String>,
}

pub fn parse(args: &[String]) -> Result<RunOptions, String> {
    let mut o = RunOptions {
        files: Vec::new(),
        variants: Vec::new(),
        json: false,
        seed: None,
        secs: None,
        features: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs {what}"))
        };
        match a.as_str() {
            "--json" => o.json = true,
            "--variant" => {
                args::variants(&val("a variant name")?, &mut o.variants)?;
            }
            "--seed" => {
                o.seed = Some(args::seed(&val("an integer")?)?);
            }
            "--secs" => {
                o.secs = Some(args::secs(&val("a number of seconds")?, 3600.0)?);
            }
            "--features" => {
                args::features(&val("a list like NO_PLACE_LAG")?, &mut o.features)?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option '{s}'")),
            s => o.files.push(s.to_string()),
        }
    }
    if o.files.is_empty() {
        return Err("no scenario file given".to_string());
    }
    Ok(o)
}

/// The run's parameters for a scenario under these options.
pub fn params(sc: &Scenario, o: &RunOptions) -> Params {
    Params {
        seed: o.seed.unwrap_or(sc.seed),
        secs: o.secs.unwrap_or(sc.secs),
        features: o.features.clone(),
        probe: None,
    }
}

/// Runs the files: the text for stdout, or (exit status, message).
pub fn run(o: &RunOptions) -> Result<String, (i32, String)> {
    let mut loaded = Vec::new();
    for f in &o.files {
        let sc = scenario::load(f).map_err(|e| (1, e.to_string()))?;
        loaded.push(sc);
    }
    for v in &o.variants {
        if !loaded
            .iter()
            .any(|sc| sc.variants.iter().any(|w| &w.name == v))
        {
            return Err((2, format!("no scenario file has a variant '{v}'")));
        }
    }
    if let Some(secs) = o.secs {
        if let Some(sc) = loaded
            .iter()
            .find(|sc| sc.warmup_secs.is_some_and(|w| secs <= w))
        {
            return Err((
                2,
                format!(
                    "--secs {secs} ends the run before {}'s warmup_secs ({}) ends: nothing would be measured",
                    sc.name,
                    sc.warmup_secs.unwrap_or(0.0)
                ),
            ));
        }
    }
    let mut out = String::new();
    for sc in &loaded {
        let p = params(sc, o);
        let outcomes: Vec<Outcome> = sc
            .variants
            .iter()
            .filter(|v| o.variants.is_empty() || o.variants.contains(&v.name))
            .map(|v| scenario::run_variant(sc, v, &p))
            .collect();
        if o.json {
            for oc in &outcomes {
                out.push_str(&json_line(&sc.name, &[], &p, oc).map_err(|e| (1, e))?);
                out.push('\n');
            }
        } else {
            out.push_str(&text_block(
                &sc.name,
                &p,
                &sc.description,
                &sc.ignored,
                &outcomes,
            ));
        }
    }
    Ok(out)
}

/// `eevdf-lab run ...`: the exit status.
pub fn main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return 0;
    }
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("eevdf-lab run: {e}");
            eprintln!("{USAGE}");
            return 2;
        }
    };
    exit_status("run", USAGE, run(&o).map(|text| print!("{text}")))
}
