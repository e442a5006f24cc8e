//! `eevdf-bench`: the comparison harness of `docs/performance.md`.
//!
//! ```text
//! eevdf-bench check                 library == C baseline on every input
//! eevdf-bench time [FILTER]         ns/op: Rust API, C baseline, Rust without the wrap flag
//! eevdf-bench pick                  pick / linear scan / enqueue+dequeue at n = 8 … 131,072
//! eevdf-bench instr                 run every loop once (under callgrind; see instr-report)
//! eevdf-bench instr-report FILE [ABI_FILE]
//!                                   instructions/op from callgrind's output of `instr`
//!                                   (and of the C driver's `--instr`)
//! eevdf-bench replay                the run-queue replay: check, then ns/op of the
//!                                   Rust API (release fixed at compile time; 7.1 also
//!                                   as a run-time Profile) and the C ABI (6.6, 7.1;
//!                                   EXACT Rust only)
//! eevdf-bench replay-instr PROFILE  one replay of PROFILE's stream (6.6, 7.1, exact)
//!                                   per side (under callgrind; see replay-report)
//! eevdf-bench replay-report 6.6=FILE 7.1=FILE exact=FILE
//!                                   instructions/op per kind from replay-instr's output
//! ```
//!
//! Options: `--runs N` (default 15), `--ms M` per run (default 4).

use std::process::{Command, ExitCode};

use eevdf_bench::c::{self, NIN};
use eevdf_bench::harness::{compare, Stats};
use eevdf_bench::ops::{self, Op};
use eevdf_bench::{check, pick, replay};

/// Loop repetitions of `instr` (each is NIN iterations).
const INSTR_REPS: usize = 64;

fn arg_value(args: &[String], name: &str, default: f64) -> f64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_args(args: &[String]) -> Vec<&String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if a.starts_with("--") {
            skip = true;
        } else {
            out.push(a);
        }
    }
    out
}

fn run_check() -> bool {
    match check::run() {
        Ok(n) => {
            println!("check: library == C baseline on {n} comparisons");
            true
        }
        Err(e) => {
            eprintln!("check FAILED: {e}");
            false
        }
    }
}

fn c_loop(f: c::CLoop) -> impl Fn(usize) -> u64 {
    // SAFETY: the C loops only read the static inputs.
    move |reps| unsafe { f(reps) }
}

fn time(args: &[String]) {
    let runs = arg_value(args, "--runs", 15.0) as usize;
    let ms = arg_value(args, "--ms", 4.0);
    let filter = free_args(args)
        .first()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let empty_c = c_loop(c::bench_c_empty);
    let e = compare(&[&ops::rs_empty, &empty_c], runs, ms);
    println!(
        "harness alone (loop + load + sink), ns/op: Rust {}  C {}",
        e[0].show(),
        e[1].show()
    );
    println!(
        "{:<30} {:>22} {:>22} {:>7} {:>22} {:>8}",
        "operation", "Rust ns/op", "C ns/op", "Rust/C", "no-flag ns/op", "Rust/nf"
    );
    for op in ops::all().iter().filter(|o| o.name.contains(&filter)) {
        let cf = c_loop(op.c);
        let mut fs: Vec<&dyn Fn(usize) -> u64> = vec![&op.rust, &cf];
        if let Some(nf) = &op.noflag {
            fs.push(nf);
        }
        let s = compare(&fs, runs, ms);
        let nf = s.get(2);
        println!(
            "{:<30} {:>22} {:>22} {:>6.2}{} {:>22} {:>8}",
            op.name,
            s[0].show(),
            s[1].show(),
            s[0].median / s[1].median,
            if op.exact_vs_71 { "*" } else { " " },
            nf.map_or("—".into(), Stats::show),
            nf.map_or("—".into(), |nf| format!("{:.2}", s[0].median / nf.median)),
        );
    }
    println!("* EXACT against the 7.1 kernel formula: EXACT has no kernel counterpart.");
}

fn pick_table(args: &[String]) {
    let runs = arg_value(args, "--runs", 15.0) as usize;
    println!(
        "{:>8} {:>22} {:>22} {:>24} {:>9}",
        "n", "pick (tree) ns", "linear scan ns", "enqueue+dequeue ns", "pick at"
    );
    for n in pick::SIZES {
        let mut buf = pick::buffer(n);
        let (mut rq, ids) = pick::queue(&mut buf);
        let order = pick::in_tree_order(&rq);
        let at = pick::pick_position(&rq);
        let (tree, linear) = {
            let rq = &rq;
            let order = &order;
            let per = |f: &dyn Fn()| {
                let k = (2_000_000 / n).clamp(4, 100_000);
                let xs: Vec<f64> = (0..runs)
                    .map(|_| {
                        let t = std::time::Instant::now();
                        for _ in 0..k {
                            f();
                        }
                        t.elapsed().as_nanos() as f64 / k as f64
                    })
                    .collect();
                Stats::of(xs)
            };
            let tree = per(&|| {
                std::hint::black_box(pick::pick_tree(std::hint::black_box(rq)));
            });
            let linear = per(&|| {
                std::hint::black_box(pick::pick_linear(std::hint::black_box(rq), order));
            });
            (tree, linear)
        };
        let mut rng = pick::Rng::new(7);
        let k = 20_000;
        let xs: Vec<f64> = (0..runs)
            .map(|_| {
                let t = std::time::Instant::now();
                for _ in 0..k {
                    let id = ids[rng.next_u64() as usize % n];
                    pick::requeue(&mut rq, id);
                }
                t.elapsed().as_nanos() as f64 / k as f64
            })
            .collect();
        let rq_stats = Stats::of(xs);
        println!(
            "{:>8} {:>22} {:>22} {:>24} {:>9}",
            n,
            tree.show(),
            linear.show(),
            rq_stats.show(),
            at.map_or("—".into(), |p| p.to_string())
        );
    }
    println!("pick at: the pick's position in deadline order (how far a scan must go).");
}

/// A loop to count and its symbol.
type NamedLoop = (&'static str, Box<dyn Fn(usize) -> u64>);

/// The loops `instr` runs.
fn instr_loops(ops: &[Op]) -> Vec<NamedLoop> {
    let mut v: Vec<NamedLoop> = vec![
        ("rs_empty", Box::new(ops::rs_empty)),
        ("bench_c_empty", Box::new(c_loop(c::bench_c_empty))),
    ];
    // Loops with identical code (6.6, 6.18 and 7.0 share their arithmetic)
    // may be merged into one function by the compiler: run each address once.
    let mut seen = Vec::new();
    for op in ops {
        if !seen.contains(&(op.rust as usize)) {
            seen.push(op.rust as usize);
            v.push((op.rust_sym, Box::new(op.rust)));
            // Under EXACT there is no flag to drop: the no-flag loop may be
            // the same function.
            match op.noflag {
                Some(nf) if nf as usize != op.rust as usize => {
                    v.push((noflag_sym(op.rust_sym), Box::new(nf)));
                }
                _ => {}
            }
        }
        if !v.iter().any(|(s, _)| *s == op.c_sym) {
            v.push((op.c_sym, Box::new(c_loop(op.c))));
        }
    }
    v
}

fn noflag_sym(sym: &'static str) -> &'static str {
    Box::leak(format!("{sym}_noflag").into_boxed_str())
}

fn instr() {
    let ops = ops::all();
    for (_, f) in instr_loops(&ops) {
        std::hint::black_box(f(INSTR_REPS));
    }
}

/// Inclusive instruction counts per function from `callgrind_annotate`.
fn callgrind_counts(file: &str) -> Result<Vec<(String, u64)>, String> {
    let out = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100", file])
        .output()
        .map_err(|e| format!("callgrind_annotate: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut v = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some((num, rest)) = line.split_once(' ') else {
            continue;
        };
        let Ok(ir) = num.replace(',', "").parse::<u64>() else {
            continue;
        };
        // "Ir (pct)  file:function [object]"
        let func = rest
            .split_whitespace()
            .find(|w| w.contains(':'))
            .and_then(|w| w.rsplit(':').next())
            .unwrap_or("");
        v.push((func.to_string(), ir));
    }
    Ok(v)
}

/// The C driver's loop for an operation (`benches/c/driver.c`), if it has one.
fn abi_sym(name: &str) -> Option<&'static str> {
    Some(match name {
        "calc_delta_fair task/6.6" => "abi_cdf_task_66",
        "calc_delta_fair task/7.1" => "abi_cdf_task_71",
        "calc_delta_fair task/exact" => "abi_cdf_task_exact",
        "calc_delta_fair group/6.6" => "abi_cdf_group_66",
        "calc_delta_fair group/7.1" => "abi_cdf_group_71",
        "calc_delta_fair group/exact" => "abi_cdf_group_exact",
        "avg add/6.6" => "abi_add_66",
        "avg add/7.1" => "abi_add_71",
        "avg remove/6.6" => "abi_remove_66",
        "avg remove/7.1" => "abi_remove_71",
        "avg_vruntime/6.6" => "abi_avg_66",
        "avg_vruntime/7.1" => "abi_avg_71",
        "eligible/6.6" => "abi_elig_66",
        "eligible/7.1" => "abi_elig_71",
        "update_entity_lag/6.6" => "abi_lag_66",
        "update_entity_lag/7.1" => "abi_lag_71",
        "place_entity/6.6" => "abi_place_66",
        "place_entity/7.1" => "abi_place_71",
        "reweight_entity/6.6" => "abi_reweight_66",
        "reweight_entity/7.1" => "abi_reweight_71",
        "decay_load" => "abi_decay",
        "update_load_avg_se (PELT)" => "abi_pelt",
        "calc_group_shares/linux" => "abi_shares",
        "wake_affine_weight/linux" => "abi_wake",
        _ => return None,
    })
}

fn instr_report(file: &str, abi_file: Option<&String>) -> Result<(), String> {
    let counts = callgrind_counts(file)?;
    let abi_counts = match abi_file {
        Some(f) => callgrind_counts(f)?,
        None => Vec::new(),
    };
    let abi_per = |sym: &str| -> Option<f64> {
        let get = |s: &str| abi_counts.iter().find(|(f, _)| f == s).map(|(_, ir)| *ir);
        Some((get(sym)? as f64 - get("abi_empty")? as f64) / (INSTR_REPS * NIN) as f64)
    };
    let get = |sym: &str| counts.iter().find(|(f, _)| f == sym).map(|(_, ir)| *ir);
    let iters = (INSTR_REPS * NIN) as f64;
    let per = |sym: &str, empty: &str| -> Option<f64> {
        Some((get(sym)? as f64 - get(empty)? as f64) / iters)
    };
    let show = |x: Option<f64>| x.map_or("—".into(), |x| format!("{x:.1}"));
    println!(
        "harness alone (instructions/iteration): Rust {}  C {}",
        show(get("rs_empty").map(|x| x as f64 / iters)),
        show(get("bench_c_empty").map(|x| x as f64 / iters))
    );
    println!(
        "{:<30} {:>10} {:>10} {:>8} {:>12} {:>10} {:>8}",
        "operation", "Rust", "C", "Rust/C", "Rust no-flag", "C ABI", "ABI/C"
    );
    let all = ops::all();
    for op in &all {
        // A merged loop is counted under the name of its first operation.
        let first = all
            .iter()
            .find(|o| o.rust as usize == op.rust as usize)
            .unwrap_or(op);
        let r = per(first.rust_sym, "rs_empty");
        let c = per(op.c_sym, "bench_c_empty");
        let nf = op.noflag.and_then(|nf| {
            if nf as usize == op.rust as usize {
                r
            } else {
                per(&format!("{}_noflag", first.rust_sym), "rs_empty")
            }
        });
        let abi = abi_sym(op.name).and_then(abi_per);
        let ratio = |x: Option<f64>| match (x, c) {
            (Some(x), Some(c)) if c > 0.0 => format!("{:.2}", x / c),
            _ => "—".into(),
        };
        println!(
            "{:<30} {:>10} {:>10} {:>7}{} {:>12} {:>10} {:>8}",
            op.name,
            show(r),
            show(c),
            ratio(r),
            if op.exact_vs_71 { "*" } else { " " },
            show(nf),
            show(abi),
            ratio(abi),
        );
    }
    println!("instructions per operation, the harness's own loop, load and sink subtracted.");
    println!("* EXACT against the 7.1 kernel formula.");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("time");
    let rest = &args[args.len().min(1)..];
    match cmd {
        "check" => {
            if !run_check() {
                return ExitCode::FAILURE;
            }
        }
        "time" => {
            if !run_check() {
                return ExitCode::FAILURE;
            }
            time(rest);
        }
        "pick" => pick_table(rest),
        "instr" => {
            if !run_check() {
                return ExitCode::FAILURE;
            }
            instr();
        }
        "instr-report" => {
            let Some(file) = rest.first() else {
                eprintln!("usage: eevdf-bench instr-report CALLGRIND_OUT");
                return ExitCode::FAILURE;
            };
            if let Err(e) = instr_report(file, rest.get(1)) {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        "replay" => {
            if let Err(e) = replay::time(rest) {
                eprintln!("replay FAILED: {e}");
                return ExitCode::FAILURE;
            }
        }
        "replay-instr" => {
            if let Err(e) = replay::instr(rest) {
                eprintln!("replay-instr FAILED: {e}");
                return ExitCode::FAILURE;
            }
        }
        "replay-report" => {
            if let Err(e) = replay::report(rest, &callgrind_counts) {
                eprintln!("replay-report FAILED: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ => {
            eprintln!(
                "usage: eevdf-bench check | time [FILTER] | pick | instr | instr-report FILE \
                 | replay | replay-instr PROFILE | replay-report P=FILE..."
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
