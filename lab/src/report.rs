//! What a scenario run returns, and how the lab prints it: a readable table,
//! or one JSON object per line and variant (written by `serde_json`).

use std::fmt::Write;

use eevdf::{Features, Release};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::sim::{Counters, Params};

/// A series for a plot: a label and (x, y) points.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A table column beyond the metrics: its text in the table and its value in
/// the JSON line.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    /// `null` where the number is not finite.
    pub json: Value,
}

impl Cell {
    /// A number shown with `decimals` decimals; the JSON line has it in full.
    pub fn num(v: f64, decimals: usize) -> Cell {
        Cell {
            text: format!("{v:.decimals$}"),
            json: finite(v),
        }
    }

    /// A count.
    pub fn int(v: u64) -> Cell {
        Cell {
            text: v.to_string(),
            json: Value::from(v),
        }
    }

    /// Counts shown as `a/b/…`, a JSON array.
    pub fn list(v: &[u64]) -> Cell {
        let text: Vec<String> = v.iter().map(|n| n.to_string()).collect();
        Cell {
            text: text.join("/"),
            json: Value::from(v.to_vec()),
        }
    }

    /// Yes or no, a JSON boolean.
    pub fn flag(b: bool) -> Cell {
        Cell {
            text: (if b { "yes" } else { "no" }).into(),
            json: Value::Bool(b),
        }
    }
}

/// A number as JSON, `null` when it is NaN or infinite (JSON has neither).
pub fn finite(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// One variant's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub variant: &'static str,
    /// The release whose rules the variant ran.
    pub release: Release,
    /// The scheduler features the variant ran with (after `--features`).
    pub features: Features,
    /// The scenario's metrics, in its declared order (exactly its `METRICS`).
    pub metrics: Vec<(&'static str, f64)>,
    /// Further table columns.
    pub extra: Vec<(&'static str, Cell)>,
    /// Remarks on a column's value in this run (column, remark), for the
    /// JSON line's `notes`.
    pub notes: Vec<(&'static str, String)>,
    /// Data for the scenario's plot.
    pub series: Vec<Series>,
    pub counts: Counters,
}

impl Outcome {
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics
            .iter()
            .find(|(n, _)| *n == name)
            .map(|m| m.1)
            .unwrap_or(f64::NAN)
    }
}

/// The JSON spelling of a release: `"6.6"`, `"7.1"`, ….
pub fn release_name(r: Release) -> &'static str {
    match r {
        Release::Linux6_5 => "6.5",
        Release::Linux6_6 => "6.6",
        Release::Linux6_18 => "6.18",
        Release::Linux7_0 => "7.0",
        Release::Linux7_1 => "7.1",
        _ => "unknown",
    }
}

/// (name, value) pairs written as a JSON object in their order.
struct Fields(Vec<(&'static str, Value)>);

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(serde::Serialize)]
struct RunParams<'a> {
    seed: u64,
    secs: f64,
    /// Every scheduler feature the variant ran with, debugfs spelling.
    features: Vec<&'static str>,
    /// The `--features` words applied on top of the variant's own.
    feature_writes: &'a [String],
}

#[derive(serde::Serialize)]
struct Line<'a> {
    scenario: &'a str,
    variant: &'a str,
    release: &'static str,
    params: RunParams<'a>,
    metrics: Fields,
    notes: Fields,
}

/// One line: `{"scenario":…,"variant":…,"release":…,"params":{…},
/// "metrics":{…},"notes":{…}}`. `metrics` holds every table column (the
/// scenario's metrics, then its other columns), then each name of `absent`
/// as `null`; `notes` says why a value is `null` (`absent`'s reason, or a
/// number that was not finite) and carries the outcome's own remarks.
pub fn json_line(
    scenario: &str,
    absent: &[(&'static str, &'static str)],
    params: &Params,
    o: &Outcome,
) -> Result<String, String> {
    let mut metrics = Vec::new();
    let mut notes = Vec::new();
    for &(k, v) in &o.metrics {
        if !v.is_finite() {
            notes.push((k, Value::from(format!("not a finite number ({v})"))));
        }
        metrics.push((k, finite(v)));
    }
    for (k, c) in &o.extra {
        if c.json.is_null() {
            notes.push((*k, Value::from(format!("not a finite number ({})", c.text))));
        }
        metrics.push((*k, c.json.clone()));
    }
    for &(k, why) in absent {
        metrics.push((k, Value::Null));
        notes.push((k, Value::from(why)));
    }
    for (k, remark) in &o.notes {
        notes.push((*k, Value::from(remark.as_str())));
    }
    let line = Line {
        scenario,
        variant: o.variant,
        release: release_name(o.release),
        params: RunParams {
            seed: params.seed,
            secs: params.secs,
            features: o.features.iter_names().collect(),
            feature_writes: &params.features,
        },
        metrics: Fields(metrics),
        notes: Fields(notes),
    };
    serde_json::to_string(&line).map_err(|e| format!("cannot write JSON: {e}"))
}

/// Formats a metric for the table.
pub fn fmt_metric(name: &str, v: f64) -> String {
    if name.ends_with("_us") || name.ends_with("_ms") || name.ends_with("_per_s") {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// The table: a header line, then one row per variant (metrics, then extras).
pub fn table(outcomes: &[Outcome]) -> String {
    let Some(first) = outcomes.first() else {
        return String::new();
    };
    let mut cols: Vec<String> = vec!["variant".into()];
    cols.extend(first.metrics.iter().map(|m| m.0.to_string()));
    cols.extend(first.extra.iter().map(|e| e.0.to_string()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for o in outcomes {
        let mut r = vec![o.variant.to_string()];
        r.extend(o.metrics.iter().map(|(k, v)| fmt_metric(k, *v)));
        r.extend(o.extra.iter().map(|e| e.1.text.clone()));
        rows.push(r);
    }
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.len()))
                .chain([cols[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    let line = |s: &mut String, r: &[String]| {
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(s, "{:<w$}", c, w = widths[0]);
            } else {
                let _ = write!(s, "  {:>w$}", c, w = widths[i]);
            }
        }
        s.push('\n');
    };
    line(&mut s, &cols);
    for r in &rows {
        line(&mut s, r);
    }
    s
}

/// A subcommand's exit status: 0, or the error's status after printing
/// `eevdf-lab CMD: message` and, for a command-line error (status 2), the
/// usage.
pub fn exit_status(cmd: &str, usage: &str, r: Result<(), (i32, String)>) -> i32 {
    match r {
        Ok(()) => 0,
        Err((code, e)) => {
            eprintln!("eevdf-lab {cmd}: {e}");
            if code == 2 {
                eprintln!("{usage}");
            }
            code
        }
    }
}

/// One scenario's result as text: its title, its notes and what was ignored
/// or changed as `#` lines, then the table of its variants.
pub fn text_block(
    name: &str,
    p: &Params,
    notes: &str,
    ignored: &[String],
    outcomes: &[Outcome],
) -> String {
    let mut out = format!("== {name} (seed {}, {} s simulated) ==\n", p.seed, p.secs);
    for line in notes.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    if !ignored.is_empty() {
        out.push_str(&format!(
            "# ignored (no meaning in the lab): {}\n",
            ignored.join(", ")
        ));
    }
    if !p.features.is_empty() {
        out.push_str(&format!(
            "# every variant with the debugfs writes: {}\n",
            p.features.join(" ")
        ));
    }
    out.push_str(&table(outcomes));
    out.push('\n');
    out
}
