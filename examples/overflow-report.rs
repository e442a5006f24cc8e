//! Where each release's fixed-point arithmetic wraps: the domains of
//! `eevdf::bounds`, printed as a plain fixed-width table for a mail.
//!
//! ```sh
//! cargo run --example overflow-report               # every profile
//! cargo run --example overflow-report -- linux-7.1  # one (6.6, 6.18, 7.0, 7.1, exact)
//! ```
//!
//! Nothing is hard-coded but the operating points (weights, queue sizes, tick):
//! every number comes from the bounds functions.

use std::fmt::Write as _;

use eevdf::avg::avg_weight;
use eevdf::bounds::{
    avg_load_domain, avg_sum_domain, calc_delta_fair_domain, eligibility_domain,
    group_shares_domain, lag_limit_domain, pelt_load_domain, place_lag_domain, rescale_domain,
    stale_v0_domain, Domain,
};
use eevdf::profile::{LagLimit, Profile};
use eevdf::weight::NICE_0_LOAD;
use eevdf::LoadWeight;

/// How a bound's operand is measured.
#[derive(Clone, Copy)]
enum Unit {
    /// Nanoseconds (wall or virtual): shown with a human duration.
    Ns,
    /// A weight or a count.
    Plain,
}

/// A large value near a power of two as `2^k`, `2^k-r` or `2^k+r` (exact, and
/// easier to read than 19 digits); anything else in decimal.
fn num(x: u64) -> String {
    if x < 1 << 16 {
        return x.to_string();
    }
    // The nearest powers of two below and above (2^64 as u128).
    let k = 63 - x.leading_zeros();
    for (p, sign) in [(k, '+'), (k + 1, '-')] {
        let pow = 1u128 << p;
        let r = (x as i128 - pow as i128).unsigned_abs();
        if r == 0 {
            return format!("2^{p}");
        }
        if r < 1 << p.saturating_sub(16) {
            return format!("2^{p}{sign}{r}");
        }
    }
    x.to_string()
}

/// A duration in the largest unit that keeps it ≥ 1.
fn human(ns: u64) -> String {
    let f = ns as f64;
    let units = [
        (1e9 * 86_400.0 * 365.25, "y"),
        (1e9 * 86_400.0, "d"),
        (1e9 * 3_600.0, "h"),
        (1e9 * 60.0, "min"),
        (1e9, "s"),
        (1e6, "ms"),
        (1e3, "us"),
    ];
    for (scale, name) in units {
        if f >= scale {
            return format!("{:.1} {name}", f / scale);
        }
    }
    format!("{ns} ns")
}

/// The "exact up to" and "wraps from" cells of a domain.
fn cells(d: Domain, unit: Unit) -> (String, String) {
    match d {
        Domain::All => ("all".into(), "never".into()),
        Domain::Empty => ("none".into(), "always".into()),
        Domain::UpTo(m) => {
            let exact = match unit {
                Unit::Ns if m >= 1_000 => format!("{} ({})", num(m), human(m)),
                _ => num(m),
            };
            (exact, num(m.saturating_add(1)))
        }
    }
}

/// One section: a heading, the operand's name, and rows of (operating point, domain).
struct Section {
    title: String,
    operand: &'static str,
    unit: Unit,
    rows: Vec<(String, Domain)>,
}

fn weight_name(w: u64) -> String {
    for nice in -20..=19 {
        if LoadWeight::from_nice(nice).map(|lw| lw.weight()) == Ok(w) {
            return format!("nice {nice}");
        }
    }
    format!("weight {}", num(w))
}

fn sections(p: &Profile) -> Vec<Section> {
    let lw = |w: u64| LoadWeight::new(w).unwrap();
    let from_nice = |n: i32| LoadWeight::from_nice(n).unwrap();
    let aw = |w: u64| avg_weight(p, w);
    let nice_m20 = 88_761u64 << 10;
    let weights = [
        from_nice(0),
        from_nice(-20),
        from_nice(19),
        lw(2),       // MIN_SHARES group entity
        lw(1 << 28), // scale_load(MAX_SHARES)
    ];
    let wname = |l: &LoadWeight| match l.weight() {
        2 => "group, MIN_SHARES (2)".to_string(),
        w if w == 1 << 28 => "group, MAX_SHARES (2^28)".to_string(),
        w => format!("{} ({w})", weight_name(w)),
    };
    let tick = 1_000_000; // HZ = 1000
    let slice_name = match p.lag_limit {
        LagLimit::TwiceSlice => "se.slice (ns)",
        LagLimit::MaxSlicePlusTick => "max_slice (ns)",
        _ => "the slice the lag limit reads (ns)",
    };
    vec![
        Section {
            title: "calc_delta_fair(delta, w): wall time to virtual time".into(),
            operand: "delta (ns)",
            unit: Unit::Ns,
            rows: weights
                .iter()
                .map(|l| (wname(l), calc_delta_fair_domain(p, l)))
                .collect(),
        },
        Section {
            title: "S = sum key*w: largest |key| (vruntime spread around v0)".into(),
            operand: "|key| (ns)",
            unit: Unit::Ns,
            rows: [1u64, 8, 1000]
                .iter()
                .map(|&n| {
                    (
                        format!("{n} nice-0 task(s)"),
                        avg_sum_domain(p, n * aw(NICE0)),
                    )
                })
                .chain([(
                    "100*NICE_0_LOAD + weight 2".to_string(),
                    avg_sum_domain(p, aw(100 * NICE0) + aw(2)),
                )])
                .collect(),
        },
        Section {
            title: "V = v0 + S/W: the divisor (total averaging weight)".into(),
            operand: "W",
            unit: Unit::Plain,
            rows: vec![(format!("1 nice-0 task = {}", aw(NICE0)), avg_load_domain(p))],
        },
        Section {
            title: "vruntime_eligible: key*load".into(),
            operand: "|key| (ns)",
            unit: Unit::Ns,
            rows: vec![
                (
                    "8 nice-0 tasks".into(),
                    eligibility_domain(p, 8 * aw(NICE0)),
                ),
                (
                    "100*NICE_0_LOAD + weight 2".into(),
                    eligibility_domain(p, aw(100 * NICE0) + aw(2)),
                ),
                (
                    "114 nice -20 tasks".into(),
                    eligibility_domain(p, 114 * aw(nice_m20)),
                ),
            ],
        },
        Section {
            title: "place_entity: vlag*(load + w) / load".into(),
            operand: "|vlag| (ns)",
            unit: Unit::Ns,
            rows: vec![
                (
                    "nice 0 joins 2 nice 0".into(),
                    place_lag_domain(p, 2 * aw(NICE0), aw(NICE0)),
                ),
                (
                    "nice -20 joins weight 37".into(),
                    place_lag_domain(p, aw(37), aw(nice_m20)),
                ),
                (
                    "nice -20 joins 113 of them".into(),
                    place_lag_domain(p, 113 * aw(nice_m20), aw(nice_m20)),
                ),
                (
                    "nice 0 joins 2^21 nice 0".into(),
                    place_lag_domain(p, (1 << 21) * aw(NICE0), aw(NICE0)),
                ),
            ],
        },
        Section {
            title: format!("lag clamp limit = calc_delta_fair(...), tick {tick} ns"),
            operand: slice_name,
            unit: Unit::Ns,
            rows: weights
                .iter()
                .map(|l| (wname(l), lag_limit_domain(p, l, tick)))
                .collect(),
        },
        Section {
            title: "reweight_entity: vlag*w_old / w_new".into(),
            operand: "|vlag| (ns)",
            unit: Unit::Ns,
            rows: vec![
                (
                    "nice -20 -> nice 0".into(),
                    rescale_domain(p, nice_m20, NICE0),
                ),
                (
                    "nice 0 -> nice 19".into(),
                    rescale_domain(p, NICE0, 15 << 10),
                ),
                ("2^28 -> 2 (group)".into(), rescale_domain(p, 1 << 28, 2)),
            ],
        },
        Section {
            title: "one running task, v0 not refreshed: key*w".into(),
            operand: "run time (ns)",
            unit: Unit::Ns,
            rows: weights
                .iter()
                .map(|l| (wname(l), stale_v0_domain(p, l)))
                .collect(),
        },
        Section {
            title: "calc_group_shares: tg.shares*load".into(),
            operand: "load",
            unit: Unit::Plain,
            rows: vec![
                (
                    "tg.shares = 2^20 (default)".into(),
                    group_shares_domain(p, 1 << 20),
                ),
                (
                    "tg.shares = 2^28 (max)".into(),
                    group_shares_domain(p, 1 << 28),
                ),
            ],
        },
        Section {
            title: "PELT: se_weight*load_sum, sum over a queue".into(),
            operand: "weight",
            unit: Unit::Plain,
            rows: vec![("scaled-down weight (sum)".into(), pelt_load_domain())],
        },
    ]
}

const NICE0: u64 = NICE_0_LOAD;

fn report(p: &Profile) -> String {
    let mut out = String::new();
    let (exact, wraps) = if p.is_exact() {
        (
            "largest input whose exact result fits its type;",
            "smallest that does not (Error::Overflow).",
        )
    } else {
        (
            "largest input computed without wrapping;",
            "smallest input that wraps (flagged).",
        )
    };
    let _ = writeln!(out, "{} -- exact up to: {exact}", p.name());
    let _ = writeln!(out, "{:w$}    wraps from: {wraps}", "", w = p.name().len());
    for s in sections(p) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", s.title);
        let head = format!("{} exact up to", s.operand);
        let _ = writeln!(out, "  {:<26} {head:<31} wraps from", "at");
        for (at, d) in s.rows {
            let (exact, wrap) = cells(d, s.unit);
            let _ = writeln!(out, "  {at:<26} {exact:<31} {wrap}");
        }
    }
    out
}

/// "linux-7.1", "7.1", "LINUX_7_1", "exact", … → a preset.
fn parse(arg: &str) -> Option<Profile> {
    let key: String = arg
        .to_ascii_lowercase()
        .trim_start_matches("linux")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Profile::PRESETS.into_iter().find(|p| {
        let name: String = p
            .name()
            .trim_start_matches("linux")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        name == key
    })
}

fn main() {
    let profiles: Vec<Profile> = match std::env::args().nth(1) {
        None => Profile::PRESETS.to_vec(),
        Some(a) => match parse(&a) {
            Some(p) => vec![p],
            None => {
                eprintln!("unknown profile {a:?}: use linux-6.6, linux-6.18, linux-7.0, linux-7.1 or exact");
                std::process::exit(2);
            }
        },
    };
    println!("eevdf overflow report (eevdf::bounds; weights in 64-bit kernel units,");
    println!("nice 0 = 1048576; averaging weights are the profile's own units)");
    for p in profiles {
        println!();
        println!("== {}", "=".repeat(70));
        print!("{}", report(&p));
    }
}
