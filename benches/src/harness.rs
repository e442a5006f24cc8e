//! Timing: every variant of an operation is run in turn, many times, and the
//! median of the runs is kept, with the spread (min–max) beside it. The
//! variants of one operation alternate run by run, so that a burst of noise
//! from the rest of the machine hits them alike.

use std::time::Instant;

use crate::c::NIN;

/// ns/op over the runs of one variant.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(mut xs: Vec<f64>) -> Stats {
        xs.sort_by(|a, b| a.total_cmp(b));
        let n = xs.len();
        let median = if n % 2 == 1 {
            xs[n / 2]
        } else {
            (xs[n / 2 - 1] + xs[n / 2]) / 2.0
        };
        Stats {
            median,
            min: xs[0],
            max: xs[n - 1],
        }
    }

    /// `median (min–max)`.
    pub fn show(&self) -> String {
        format!("{:.2} ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

/// ns per iteration of `f(reps)`, which runs `reps · NIN` iterations.
pub fn ns_per_op(f: &dyn Fn(usize) -> u64, reps: usize) -> f64 {
    let t = Instant::now();
    std::hint::black_box(f(reps));
    t.elapsed().as_nanos() as f64 / (reps * NIN) as f64
}

/// Reps for about `ms` milliseconds per run of the slowest variant.
pub fn calibrate(fs: &[&dyn Fn(usize) -> u64], ms: f64) -> usize {
    let slowest = fs
        .iter()
        .map(|f| ns_per_op(*f, 4))
        .fold(0.0f64, f64::max)
        .max(0.05);
    ((ms * 1e6) / (slowest * NIN as f64)).clamp(1.0, 1e6) as usize
}

/// Runs the variants interleaved `runs` times (after one warm-up round).
pub fn compare(fs: &[&dyn Fn(usize) -> u64], runs: usize, ms: f64) -> Vec<Stats> {
    let reps = calibrate(fs, ms);
    let mut samples = vec![Vec::with_capacity(runs); fs.len()];
    for round in 0..=runs {
        for (k, f) in fs.iter().enumerate() {
            let x = ns_per_op(*f, reps);
            if round > 0 {
                samples[k].push(x);
            }
        }
    }
    samples.into_iter().map(Stats::of).collect()
}
