//! What a scenario run returns, and how the lab prints it: a readable table,
//! or one JSON object per line and variant.

use std::fmt::Write;

use crate::sim::Counters;

/// A series for a plot: a label and (x, y) points.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// One variant's result.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub variant: &'static str,
    /// The scenario's metrics, in its declared order (exactly its `METRICS`).
    pub metrics: Vec<(&'static str, f64)>,
    /// Further columns for the table only (name, formatted value).
    pub extra: Vec<(&'static str, String)>,
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

/// A finite number as JSON (the lab never produces NaN; 0 stands in if it did).
pub fn json_number(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-" {
            "0".to_string()
        } else {
            s.to_string()
        }
    } else {
        "0".to_string()
    }
}

/// One line: `{"scenario":…,"variant":…,"metrics":{…}}`, the metrics being
/// exactly `metrics`, in that order.
pub fn json_line(scenario: &str, metrics: &[&str], o: &Outcome) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{{\"scenario\":\"{scenario}\",\"variant\":\"{}\",\"metrics\":{{",
        o.variant
    );
    for (i, k) in metrics.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "\"{k}\":{}", json_number(o.metric(k)));
    }
    s.push_str("}}");
    s
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
        r.extend(o.extra.iter().map(|e| e.1.clone()));
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
