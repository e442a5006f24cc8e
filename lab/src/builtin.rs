//! The built-in scenarios, registered: one per field report, each a
//! scenario file (`lab/scenarios/NAME.toml`, compiled in: [`crate::files`])
//! and a module of its own (`vhost`, `cgroup`, `vcpu`, `hlt`, `aio`) that
//! names it, documents its model against the report and draws its plot.

use crate::report::Outcome;
use crate::sim::Params;
use crate::{aio, cgroup, hlt, vcpu, vhost};

/// A built-in scenario: its variants, metrics, notes, and how to run and
/// plot it.
pub struct Scenario {
    pub name: &'static str,
    pub variants: &'static [&'static str],
    pub metrics: &'static [&'static str],
    pub default_secs: f64,
    /// The model in two lines, printed above the table.
    pub notes: &'static str,
    /// Metrics every JSON line of this scenario names but the model does not
    /// compute: `null`, with the reason as a note.
    pub absent: &'static [(&'static str, &'static str)],
    pub run: fn(&'static str, &Params) -> Outcome,
    pub plot: fn(&[Outcome]) -> String,
}

pub static SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: vhost::NAME,
        variants: &vhost::VARIANTS,
        metrics: &vhost::METRICS,
        default_secs: vhost::DEFAULT_SECS,
        notes: vhost::NOTES,
        absent: &[],
        run: vhost::run,
        plot: vhost::plot,
    },
    Scenario {
        name: cgroup::NAME,
        variants: &cgroup::VARIANTS,
        metrics: &cgroup::METRICS,
        default_secs: cgroup::DEFAULT_SECS,
        notes: cgroup::NOTES,
        absent: &[],
        run: cgroup::run,
        plot: cgroup::plot,
    },
    Scenario {
        name: vcpu::NAME,
        variants: &vcpu::VARIANTS,
        metrics: &vcpu::METRICS,
        default_secs: vcpu::DEFAULT_SECS,
        notes: vcpu::NOTES,
        absent: &[],
        run: vcpu::run,
        plot: vcpu::plot,
    },
    Scenario {
        name: hlt::NAME,
        variants: &hlt::VARIANTS,
        metrics: &hlt::METRICS,
        default_secs: hlt::DEFAULT_SECS,
        notes: hlt::NOTES,
        absent: &[],
        run: hlt::run,
        plot: hlt::plot,
    },
    Scenario {
        name: aio::NAME,
        variants: &aio::VARIANTS,
        metrics: &aio::METRICS,
        default_secs: aio::DEFAULT_SECS,
        notes: aio::NOTES,
        absent: &[],
        run: aio::run,
        plot: aio::plot,
    },
];
