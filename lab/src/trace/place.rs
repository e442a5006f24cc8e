//! Checking `sched_place` lines (the custom event of the vhost report,
//! printed at the end of `place_entity`: the entity's vruntime `sev`,
//! deadline `sed` and vlag `sel`, the queue's `avg` and `min` vruntime and
//! `nr` running) against the library's `place_entity`.
//!
//! The line does not print the entity's weight nor the queue's load. The
//! weight comes from the deadline gap: `sed − sev` is the slice scaled by
//! the weight's inverse, and among the scaled-down weights 2..=2¹⁸ one or
//! more give it (a task, `pid` ≠ 0, is taken at nice 0 when that fits).
//! With entities queued (`nr` > 0) the placement inflates the lag by the
//! queue's load, which the line does not print: the check looks for the
//! loads that reproduce `sev`, with the running entity alone at V = `avg`
//! (the case `nr` = 1 shows); with nothing queued the lag is ignored.
//! A line is reproduced when some weight and load give exactly its
//! `sev` and `sed`.

use std::fmt::Write as _;

use eevdf::avg::AvgVruntime;
use eevdf::entity::{place_entity, PlaceFlags, RqCtx, SchedEntity, Tunables};
use eevdf::weight::{overflowing_calc_delta_fair, LoadWeight};
use eevdf::{Vlag, Vtime};

use super::parse::{Event, Place, Trace};
use super::replay::Setup;

/// Scaled-down weights searched (the kernel's `scale_load_down` range for
/// a group entity: 2 to 2¹⁸).
const MAX_WEIGHT: u64 = 1 << 18;

#[derive(Clone, Debug)]
pub struct Checked {
    pub line: usize,
    pub place: Place,
    /// The scaled-down weights whose inverse gives the deadline gap.
    pub weights: Vec<u64>,
    /// Queue loads (scaled down) that reproduce `sev`, as a range, when the
    /// lag is inflated by one (`nr` > 0 and `sel` ≠ 0).
    pub loads: Option<(u64, u64)>,
    /// The library's (vruntime, deadline) with the first fitting weight
    /// and load.
    pub library: Option<(u64, u64)>,
    /// Why the line is not reproduced (`None`: it is).
    pub cause: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PlaceReport {
    pub lines: Vec<Checked>,
}

impl PlaceReport {
    pub fn reproduced(&self) -> usize {
        self.lines.iter().filter(|c| c.cause.is_none()).count()
    }
    pub fn first_divergence(&self) -> Option<&Checked> {
        self.lines.iter().find(|c| c.cause.is_some())
    }
}

fn place_once(setup: &Setup, p: &Place, weight: u64, load: Option<u64>) -> Option<(u64, u64)> {
    let avg = Vtime(p.avg);
    let mut acc = AvgVruntime::with_zero_vruntime(setup.profile, avg);
    let ctx = match load {
        Some(l) => RqCtx::new(Some((avg, l << 10)), p.nr, setup.base_slice),
        None => RqCtx::new(None, 0, setup.base_slice),
    };
    let mut se = SchedEntity::new(LoadWeight::new(weight << 10).ok()?, setup.base_slice);
    se.vlag = Vlag(p.sel);
    let tun = Tunables {
        base_slice: setup.base_slice,
        tick_nsec: setup.tick_nsec,
        features: setup.features,
    };
    let _wrapped = place_entity(&mut acc, &ctx, &mut se, PlaceFlags::default(), &tun).ok()?;
    Some((se.vruntime.0, se.deadline.0))
}

fn check_one(setup: &Setup, line: usize, p: &Place) -> Checked {
    let gap = p.sed.wrapping_sub(p.sev);
    let fits = |w: u64| {
        LoadWeight::new(w << 10).is_ok_and(|lw| {
            overflowing_calc_delta_fair(&setup.profile, setup.base_slice, &lw).0 == gap
        })
    };
    let weights: Vec<u64> = if p.pid != 0 && fits(1024) {
        vec![1024]
    } else {
        (2..=MAX_WEIGHT).filter(|&w| fits(w)).collect()
    };
    let mut c = Checked {
        line,
        place: p.clone(),
        weights: weights.clone(),
        loads: None,
        library: None,
        cause: None,
    };
    let Some(&w) = weights.first() else {
        c.cause = Some(format!(
            "no weight's inverse turns the {} ns slice into the deadline gap sed - sev = {gap}",
            setup.base_slice
        ));
        return c;
    };
    if p.nr == 0 || p.sel == 0 {
        let got = place_once(setup, p, w, if p.nr == 0 { None } else { Some(1024) });
        c.library = got;
        if got != Some((p.sev, p.sed)) {
            c.cause = Some(match got {
                Some((v, d)) => format!(
                    "the library places at vruntime {v} deadline {d} (sev {} sed {}): {}",
                    p.sev,
                    p.sed,
                    if p.nr == 0 {
                        "with nothing queued"
                    } else {
                        "with zero lag"
                    }
                ),
                None => "the library refused the placement".to_string(),
            });
        }
        return c;
    }
    let hits: Vec<u64> = (1..=MAX_WEIGHT)
        .filter(|&l| place_once(setup, p, w, Some(l)).map(|x| x.0) == Some(p.sev))
        .collect();
    match (hits.first(), hits.last()) {
        (Some(&a), Some(&b)) => {
            c.loads = Some((a, b));
            c.library = place_once(setup, p, w, Some(a));
            if c.library.map(|x| x.1) != Some(p.sed) {
                c.cause = Some(format!(
                    "vruntime reproduced but the deadline is {:?}, not {}",
                    c.library.map(|x| x.1),
                    p.sed
                ));
            }
        }
        _ => {
            c.library = place_once(setup, p, w, Some(1024));
            c.cause = Some(format!(
                "no queue load reproduces sev = {} from avg = {} and sel = {}: the lag is inflated otherwise (or not at all) under {}",
                p.sev,
                p.avg,
                p.sel,
                setup.profile.name()
            ));
        }
    }
    c
}

/// Checks every `sched_place` line of `trace` under `setup`'s release,
/// slice and features.
pub fn check(trace: &Trace, setup: &Setup) -> PlaceReport {
    let mut r = PlaceReport::default();
    for l in &trace.lines {
        if let Event::Place(p) = &l.event {
            r.lines.push(check_one(setup, l.no, p));
        }
    }
    r
}

pub fn render(r: &PlaceReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "sched_place: {} of {} lines reproduced by the library's place_entity",
        r.reproduced(),
        r.lines.len()
    );
    for c in &r.lines {
        let p = &c.place;
        let who = if p.pid == 0 {
            "group entity".to_string()
        } else {
            format!("{}-{}", p.comm, p.pid)
        };
        let w = match c.weights.len() {
            0 => "no weight".to_string(),
            1 => format!("weight {}", c.weights[0]),
            n => format!("weight {} (or {} others)", c.weights[0], n - 1),
        };
        let load = match c.loads {
            Some((a, b)) if a == b => format!(", queue load {a}"),
            Some((a, b)) => format!(", queue load {a}..{b}"),
            None => String::new(),
        };
        let _ = writeln!(
            o,
            "  line {:>4} cpu {:>2} nr {} {who}: sel {} -> sev {} sed {}: {}{w}{load}",
            c.line,
            p.cpu,
            p.nr,
            p.sel,
            p.sev,
            p.sed,
            if c.cause.is_none() {
                "reproduced, "
            } else {
                "NOT reproduced, "
            }
        );
        if let Some(cause) = &c.cause {
            let _ = writeln!(o, "       cause: {cause}");
        }
    }
    o
}
