//! The built-in scenarios' files (`lab/scenarios/NAME.toml`, compiled in),
//! and how a built-in runs one: the generic engine with the scenario's plot
//! sampler beside it.

use crate::engine::{self, Engine, OBSERVER};
use crate::report::{Outcome, Series};
use crate::scenario;
use crate::sim::{Action, Config, Params, Sim, Workload};

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
