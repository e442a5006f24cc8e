//! The built-in scenarios: one per field report, each a scenario file
//! (`lab/scenarios/NAME.toml`, compiled in) run by the generic engine, and a
//! module of its own (`vhost`, `cgroup`, `vcpu`, `hlt`, `aio`) that names it,
//! documents its model against the report and draws its plot; registered
//! here.

use crate::engine::{self, Engine, OBSERVER};
use crate::report::{Outcome, Series};
use crate::scenario;
use crate::sim::{Action, Config, Params, Sim, Workload};
use crate::{aio, cgroup, hlt, vcpu, vhost};

/// The built-in scenarios' files.
const FILES: [(&str, &str); 5] = [
    ("vhost", include_str!("../scenarios/vhost.toml")),
    ("cgroup", include_str!("../scenarios/cgroup.toml")),
    ("vcpu", include_str!("../scenarios/vcpu.toml")),
    ("hlt", include_str!("../scenarios/hlt.toml")),
    ("aio", include_str!("../scenarios/aio.toml")),
];

/// A built-in scenario's file, read (the tests read every one).
pub fn file(name: &str) -> scenario::Scenario {
    let text = FILES.iter().find(|f| f.0 == name).map_or("", |f| f.1);
    let path = format!("lab/scenarios/{name}.toml");
    match scenario::parse(&path, text) {
        Ok(sc) => sc,
        Err(e) => panic!("the built-in scenario file: {e}"),
    }
}

/// The engine with a plot's sampler beside it: `sample` runs at each
/// [`OBSERVER`] timer, may return a point, and says whether to go on.
struct Plotted<'a, F> {
    engine: Engine<'a>,
    every: u64,
    sample: F,
    points: Vec<(f64, f64)>,
}

impl<F> Workload for Plotted<'_, F>
where
    F: FnMut(&Sim, &mut Engine) -> (Option<(f64, f64)>, bool),
{
    fn next(&mut self, sim: &mut Sim, t: usize) -> Action {
        self.engine.next(sim, t)
    }

    fn timer(&mut self, sim: &mut Sim, token: u64) {
        if token != OBSERVER {
            return self.engine.timer(sim, token);
        }
        let (point, more) = (self.sample)(sim, &mut self.engine);
        self.points.extend(point);
        if more {
            sim.add_timer(sim.now + self.every, OBSERVER);
        }
    }

    fn switched(&mut self, sim: &Sim, cpu: usize, prev: Option<usize>, next: Option<usize>) {
        self.engine.switched(sim, cpu, prev, next);
    }
}

/// Runs `variant` of built-in scenario `name` from its file, `tune`
/// adjusting the machine's configuration, with the plot's `sample` called
/// at `first` (ns; `None`: the warm-up's end) and every `every` ns after.
pub fn run_file<F>(
    name: &str,
    variant: &'static str,
    params: &Params,
    tune: impl FnOnce(&mut Config),
    first: Option<u64>,
    every: u64,
    sample: F,
) -> Outcome
where
    F: FnMut(&Sim, &mut Engine) -> (Option<(f64, f64)>, bool),
{
    let sc = file(name);
    let Some(v) = sc.variants.iter().find(|v| v.name == variant) else {
        panic!("{name} has no variant {variant}");
    };
    let mut sim = engine::machine(&sc, v, params, tune);
    let mut w = Plotted {
        engine: Engine::new(&sc, params.seed),
        every,
        sample,
        points: Vec::new(),
    };
    w.engine.start(&mut sim);
    sim.add_timer(first.unwrap_or(sim.cfg.warmup), OBSERVER);
    sim.run(&mut w);
    let mut o = w.engine.outcome(&sim, v);
    o.variant = variant;
    o.series = vec![Series {
        label: variant.to_string(),
        points: w.points,
    }];
    o
}

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
