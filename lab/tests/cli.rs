//! The lab's command line (every error path, through the binary: its exact
//! message and exit code), its JSON lines (parsed back with serde_json), and
//! its plots (well formed, deterministic, axes that hold every point).

use std::process::{Command, Output};

use eevdf_lab::cli::{self, Options, SCENARIOS};
use eevdf_lab::report::{json_line, Series};
use eevdf_lab::svg::{render, y_range, Plot};
use eevdf_lab::{aio, cgroup, hlt, sim, vcpu, vhost};
use serde_json::Value;

fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eevdf-lab"))
        .args(args)
        .output()
        .expect("the eevdf-lab binary runs")
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn run_options(o: &[&str]) -> Options {
    match cli::parse(&args(o)) {
        Ok(cli::Command::Run(o)) => o,
        Ok(_) => panic!("{o:?}: not a run"),
        Err(e) => panic!("{o:?}: {e}"),
    }
}

#[test]
fn every_command_line_error_is_a_message_and_exit_status_2() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "no scenario given (one or more of vhost, cgroup, vcpu, hlt, aio, or all)"),
        (&["nosuch"], "unknown scenario 'nosuch' (one of vhost, cgroup, vcpu, hlt, aio, or all)"),
        (&["vhost", "nosuch"], "unknown scenario 'nosuch' (one of vhost, cgroup, vcpu, hlt, aio, or all)"),
        (&["all", "--bogus"], "unknown option '--bogus'"),
        (&["-x", "all"], "unknown option '-x'"),
        (&["all", "--seed"], "--seed needs an integer"),
        (&["all", "--seed", "-3"], "--seed needs a non-negative integer, not '-3'"),
        (&["all", "--seed", "x"], "--seed needs a non-negative integer, not 'x'"),
        (&["all", "--secs"], "--secs needs a number of seconds"),
        (&["all", "--secs", "0"], "--secs needs seconds with 0 < S <= 3600, not '0'"),
        (&["all", "--secs", "-1"], "--secs needs seconds with 0 < S <= 3600, not '-1'"),
        (&["all", "--secs", "3601"], "--secs needs seconds with 0 < S <= 3600, not '3601'"),
        (&["all", "--secs", "NaN"], "--secs needs seconds with 0 < S <= 3600, not 'NaN'"),
        (&["all", "--secs", "inf"], "--secs needs seconds with 0 < S <= 3600, not 'inf'"),
        (&["all", "--svg"], "--svg needs a directory"),
        (&["all", "--variant"], "--variant needs a variant name (see --list)"),
        (&["all", "--variant", ","], "--variant needs a variant name, not ','"),
        (&["all", "--features"], "--features needs a list like NO_PLACE_LAG,RUN_TO_PARITY"),
        (
            &["all", "--features", "NO_PLACE_LAG,NO_SUCH_THING"],
            "unknown feature 'NO_SUCH_THING' (a debugfs sched_features word such as NO_PLACE_LAG)",
        ),
        (&["vhost", "--variant", "pinned"], "unknown variant 'pinned' for vhost (see eevdf-lab --list)"),
        (
            &["vhost", "aio", "--variant", "linux-6.6,nosuch"],
            "unknown variant 'nosuch' for vhost, aio (see eevdf-lab --list)",
        ),
        (
            &["cgroup", "vhost", "--variant", "linux-6.6"],
            "scenario cgroup has none of the variants linux-6.6 (its variants: linux-6.5-v4.14-shares, linux-6.5-load-avg-only, linux-6.5, linux-7.1-load-avg-only, linux-7.1)",
        ),
        // Errors win over --help and --list.
        (&["--help", "--bogus"], "unknown option '--bogus'"),
    ];
    for (a, msg) in cases {
        assert_eq!(cli::parse(&args(a)).err().as_deref(), Some(*msg), "{a:?}");
        let out = lab(a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        assert!(out.stdout.is_empty(), "{a:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err, format!("eevdf-lab: {msg}\n{}\n", cli::USAGE), "{a:?}");
    }
}

#[test]
fn an_unwritable_plot_directory_is_an_error_with_exit_status_1() {
    let file = std::env::temp_dir().join(format!("eevdf-lab-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, "").unwrap();
    let dir = file.join("plots");
    let out = lab(&["hlt", "--secs", "0.01", "--svg", dir.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let want = format!("eevdf-lab: cannot create {}: ", dir.display());
    assert!(err.starts_with(&want), "{err}");
}

#[test]
fn help_and_list_print_to_stdout_and_succeed() {
    for a in [&["--help"][..], &["-h"], &["all", "--json", "--help"]] {
        let out = lab(a);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), cli::help());
        assert!(out.stderr.is_empty());
    }
    let help = cli::help();
    for word in [
        "--variant",
        "--list",
        "--json",
        "--svg",
        "--seed",
        "--secs",
        "--features",
    ] {
        assert!(help.contains(word), "{word}");
    }
    let out = lab(&["--list"]);
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(list, cli::list());
    for s in &SCENARIOS {
        assert!(list.contains(&format!("  variants: {}\n", s.variants.join(" "))));
    }
    // Every metric the reports are judged by is modelled now.
    assert!(!list.contains("null in JSON (not modelled)"));
}

#[test]
fn several_scenarios_and_variants_in_one_call() {
    let o = run_options(&["aio", "vhost", "aio", "--variant", "linux-6.6"]);
    let names: Vec<&str> = o.scenarios.iter().map(|s| s.name).collect();
    assert_eq!(names, ["aio", "vhost"]);
    for s in &o.scenarios {
        assert_eq!(o.variants_of(s), ["linux-6.6"]);
    }
    // `all` keeps the scenarios that have one of the variants.
    let o = run_options(&["all", "--variant", "pinned", "--variant", "hlt-preempted"]);
    let names: Vec<&str> = o.scenarios.iter().map(|s| s.name).collect();
    assert_eq!(names, ["vcpu", "hlt"]);
    let o = run_options(&["vhost", "all"]);
    let names: Vec<&str> = o.scenarios.iter().map(|s| s.name).collect();
    assert_eq!(names, ["vhost", "cgroup", "vcpu", "hlt", "aio"]);
    assert_eq!(o.variants_of(&SCENARIOS[0]), vhost::VARIANTS);

    let out = lab(&[
        "vcpu",
        "hlt",
        "--variant",
        "pinned,hlt-preempted",
        "--secs",
        "0.05",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["scenario"].as_str().unwrap(),
                l["variant"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("vcpu", "pinned"), ("hlt", "hlt-preempted")]);
}

fn short(which: &str, json: bool, seed: u64) -> Options {
    let mut o = Options::new(which);
    o.json = json;
    o.seed = seed;
    o.secs = Some(0.1);
    o
}

#[test]
fn same_seed_gives_byte_identical_output_and_another_seed_differs() {
    for json in [false, true] {
        let a = cli::run(&short("all", json, 7)).unwrap().out;
        let b = cli::run(&short("all", json, 7)).unwrap().out;
        assert_eq!(a, b);
        let c = cli::run(&short("all", json, 8)).unwrap().out;
        assert_ne!(a, c);
    }
}

#[test]
fn json_lines_round_trip_every_column_and_the_run_parameters() {
    let mut o = short("all", true, 3);
    o.features = vec!["NO_RUN_TO_PARITY".into()];
    let r = cli::run(&o).unwrap();
    let lines: Vec<Value> = r
        .out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let outcomes: Vec<_> = r
        .outcomes
        .iter()
        .flat_map(|(s, os)| os.iter().map(move |o| (s, o)))
        .collect();
    assert_eq!(lines.len(), outcomes.len());
    let all: usize = cli::SCENARIOS.iter().map(|s| s.variants.len()).sum();
    assert_eq!(lines.len(), all);
    for ((l, raw), (s, oc)) in lines.iter().zip(r.out.lines()).zip(&outcomes) {
        let ctx = format!("{} {}", s.name, oc.variant);
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            ["metrics", "notes", "params", "release", "scenario", "variant"]
        );
        assert_eq!(l["scenario"], s.name);
        assert_eq!(l["variant"], oc.variant);
        let p = &l["params"];
        assert_eq!(p["seed"], 3);
        assert_eq!(p["secs"], 0.1);
        assert_eq!(p["feature_writes"], serde_json::json!(["NO_RUN_TO_PARITY"]));
        let features: Vec<&str> = p["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            features,
            oc.features.iter_names().collect::<Vec<_>>(),
            "{ctx}"
        );
        assert!(!features.contains(&"RUN_TO_PARITY"), "{ctx}");
        // Every table column, in the table's order, then the absent metrics.
        let m = l["metrics"].as_object().unwrap();
        let mut want: Vec<&str> = s.metrics.to_vec();
        want.extend(oc.extra.iter().map(|e| e.0));
        want.extend(s.absent.iter().map(|a| a.0));
        let mut names: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
        let mut sorted_want = want.clone();
        names.sort_unstable();
        sorted_want.sort_unstable();
        assert_eq!(names, sorted_want, "{ctx}");
        // (serde_json's Value sorts keys; the line itself keeps the order.)
        let at: Vec<usize> = want
            .iter()
            .map(|k| raw.find(&format!("\"{k}\":")).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{ctx}: {raw}");
        for (k, v) in &oc.metrics {
            // serde_json writes the shortest form that parses back to the same f64.
            assert_eq!(
                m[*k].as_f64().map(f64::to_bits),
                Some(v.to_bits()),
                "{ctx} {k}"
            );
        }
        for (k, c) in &oc.extra {
            assert_eq!(&m[*k], &c.json, "{ctx} {k}");
            assert!(!c.json.is_null(), "{ctx} {k}");
        }
        for (k, why) in s.absent {
            assert!(m[*k].is_null());
            assert_eq!(l["notes"][*k], *why);
        }
    }
    // The release of each variant.
    let release = |s: &str, v: &str| {
        lines
            .iter()
            .find(|l| l["scenario"] == s && l["variant"] == v)
            .map(|l| l["release"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(release("vhost", "linux-6.6-no-place-lag"), "6.6");
    assert_eq!(release("vhost", "linux-6.18"), "6.18");
    // The what-if tree of 86bfbb7ce4f6 runs 6.5's rules.
    assert_eq!(release("vhost", "linux-6.5-86bfbb7ce4f6"), "6.5");
    assert_eq!(release("aio", "linux-7.1"), "7.1");
    assert_eq!(release("aio", "linux-6.6-no-kthread-rule"), "6.6");
    assert_eq!(release("cgroup", "linux-7.1-load-avg-only"), "7.1");
    assert_eq!(release("cgroup", "linux-6.5-v4.14-shares"), "6.5");
    // Typed columns: counts as integers, lists as arrays, yes/no as booleans.
    let first = |s: &str| lines.iter().find(|l| l["scenario"] == s).unwrap();
    assert!(first("vhost")["metrics"]["kworker_wakeups"].is_u64());
    assert_eq!(
        first("cgroup")["metrics"]["sleepy_per_cpu_at_end"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        first("vcpu")["metrics"]["wake_affine_this/runs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(first("hlt")["metrics"]["finished"].is_boolean());
}

#[test]
fn json_names_the_metrics_the_reports_are_judged_by() {
    let r = cli::run(&short("all", true, 1)).unwrap();
    let required = [
        ("vcpu", "coscheduled_fraction"),
        ("aio", "migrations_per_completion"),
        ("cgroup", "busy_group_share"),
        ("hlt", "makespan_ms"),
        ("vhost", "throughput_per_s"),
        ("vhost", "kworker_max_wait_us"),
    ];
    for line in r.out.lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        for (s, name) in required.iter().filter(|(s, _)| l["scenario"] == *s) {
            assert!(l["metrics"].get(name).is_some(), "{s}: {name}");
        }
        for (_, name) in required.iter().filter(|(s, _)| l["scenario"] == *s) {
            assert!(l["metrics"][name].is_f64(), "{name}");
        }
    }
    // The scenarios' own names.
    assert_eq!(
        vhost::VARIANTS,
        [
            "linux-6.5",
            "linux-6.5-86bfbb7ce4f6",
            "linux-6.6",
            "linux-6.6-no-place-lag",
            "linux-6.18",
            "linux-7.1"
        ]
    );
    assert_eq!(
        vhost::METRICS,
        [
            "throughput_per_s",
            "kworker_max_wait_us",
            "kworker_avg_wait_us",
            "vhost_cpu_share"
        ]
    );
    assert_eq!(
        cgroup::VARIANTS,
        [
            "linux-6.5-v4.14-shares",
            "linux-6.5-load-avg-only",
            "linux-6.5",
            "linux-7.1-load-avg-only",
            "linux-7.1"
        ]
    );
    assert_eq!(cgroup::METRICS, ["busy_group_share", "sleepy_group_share"]);
    assert_eq!(
        vcpu::VARIANTS,
        [
            "pinned",
            "no-wake-affine",
            "wake-affine",
            "linux-6.6",
            "linux-7.1"
        ]
    );
    assert_eq!(vcpu::METRICS, ["coscheduled_fraction", "guest_progress"]);
    assert_eq!(
        hlt::VARIANTS,
        [
            "hlt-preempted",
            "hlt-not-preempted",
            "socket-per-vcpu-hlt-preempted",
            "socket-per-vcpu-hlt-not-preempted"
        ]
    );
    assert_eq!(hlt::METRICS, ["makespan_ms", "idle_vcpu_used_fraction"]);
    assert_eq!(
        aio::VARIANTS,
        ["linux-6.6", "linux-7.1", "linux-6.6-no-kthread-rule"]
    );
    assert_eq!(
        aio::METRICS,
        ["submitter_migrations_per_s", "migrations_per_completion"]
    );
}

#[test]
fn a_value_that_is_not_finite_is_null_with_a_note_never_zero() {
    // One nanosecond: no IO completes, so migrations per completion is 0/0.
    let mut o = Options::new("aio");
    o.json = true;
    o.secs = Some(1e-9);
    let r = cli::run(&o).unwrap();
    for line in r.out.lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        assert!(
            l["metrics"]["migrations_per_completion"].is_null(),
            "{line}"
        );
        assert_eq!(
            l["notes"]["migrations_per_completion"],
            "not a finite number (NaN)"
        );
    }
    // An infinite metric, and an infinite extra column.
    let (s, outcomes) = &r.outcomes[0];
    let mut oc = outcomes[0].clone();
    oc.metrics[0].1 = f64::INFINITY;
    oc.extra[0].1 = eevdf_lab::report::Cell::num(f64::NEG_INFINITY, 1);
    let p = sim::Params {
        seed: 1,
        secs: 1.0,
        features: Vec::new(),
        probe: None,
    };
    let l: Value = serde_json::from_str(&json_line(s.name, s.absent, &p, &oc).unwrap()).unwrap();
    let (m0, e0) = (oc.metrics[0].0, oc.extra[0].0);
    assert!(l["metrics"][m0].is_null() && l["metrics"][e0].is_null());
    assert_eq!(l["notes"][m0], "not a finite number (inf)");
    assert_eq!(l["notes"][e0], "not a finite number (-inf)");
}

#[test]
fn an_unfinished_hlt_job_says_its_makespan_is_a_lower_bound() {
    let mut o = Options::new("hlt");
    o.json = true;
    o.secs = Some(0.01);
    let r = cli::run(&o).unwrap();
    for line in r.out.lines() {
        let l: Value = serde_json::from_str(line).unwrap();
        assert_eq!(l["metrics"]["finished"], false);
        assert!(l["notes"]["makespan_ms"]
            .as_str()
            .unwrap()
            .contains("lower bound"));
    }
}

#[test]
fn svg_plots_are_well_formed_and_deterministic() {
    let r = cli::run(&short("all", false, 3)).unwrap();
    for (s, outcomes) in &r.outcomes {
        let a = (s.plot)(outcomes);
        assert_eq!(a, (s.plot)(outcomes));
        assert!(a.starts_with("<svg ") && a.trim_end().ends_with("</svg>"));
        assert_eq!(a.matches("<path").count(), 1 + outcomes.len(), "{}", s.name);
        assert!(!a.contains("NaN") && !a.contains("inf"), "{}", s.name);
    }
}

fn plot<'a>(series: &'a [Series], y: (f64, f64), ystep: Option<f64>) -> Plot<'a> {
    Plot {
        title: "t",
        xlabel: "x",
        ylabel: "y",
        series,
        xlog: false,
        x: None,
        y,
        ystep,
        steps: false,
        hlines: &[],
        vlines: &[],
    }
}

/// The y of each vertex of the plot's first series (its first `<path d=`
/// after the axes).
fn drawn_ys(svg: &str) -> Vec<f64> {
    let d = svg
        .split("<path d=\"")
        .nth(2)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    d.split(['M', 'L'])
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn plot_axes_grow_to_hold_every_point() {
    // The vhost report's 39.7 ms wait on the vhost plot's 0-15 ms axis.
    let series = [Series {
        label: "wait".into(),
        points: vec![(0.0, 2.0), (1.0, 39.7), (2.0, 11.8)],
    }];
    let p = plot(&series, (0.0, 15.0), None);
    assert_eq!(y_range(&p), (0.0, 40.0));
    let svg = render(&p);
    assert!(svg.contains(">40</text>") && !svg.contains(">15</text>"));
    // Drawn where the axis says: top (y = 40 at 40 px) to bottom (0 at 345 px).
    let ys = drawn_ys(&svg);
    let at = |v: f64| 40.0 + (1.0 - v / 40.0) * 305.0;
    for (y, v) in ys.iter().zip([2.0, 39.7, 11.8]) {
        assert!((y - at(v)).abs() < 0.06, "{y} for {v}");
    }
    assert!(ys[1] > 40.0, "39.7 is below the top, not clamped to it");

    // Below the range too; a fixed tick step gives way to a round one.
    let series = [Series {
        label: "s".into(),
        points: vec![(0.0, -3.2), (1.0, 1.0)],
    }];
    let p = plot(&series, (0.0, 3.0), Some(1.0));
    assert_eq!(y_range(&p), (-4.0, 3.0));
    assert!(render(&p).contains(">-4</text>"));

    // Data within the range keeps it and its fixed ticks.
    let series = [Series {
        label: "s".into(),
        points: vec![(0.0, 0.5), (1.0, 7.0)],
    }];
    let p = plot(&series, (0.0, 8.0), Some(1.0));
    assert_eq!(y_range(&p), (0.0, 8.0));
    assert_eq!(
        render(&p)
            .matches("stroke=\"#ddd\"/><text x=\"64.0\"")
            .count(),
        9
    );

    // A point that is not a number is a gap, not a NaN in the SVG.
    let series = [Series {
        label: "s".into(),
        points: vec![
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, f64::INFINITY),
            (3.0, 2.0),
        ],
    }];
    let p = plot(&series, (0.0, 1.0), None);
    assert_eq!(y_range(&p), (0.0, 2.0));
    let svg = render(&p);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(drawn_ys(&svg).len(), 2);
}

#[test]
fn the_vhost_plot_draws_a_multi_tick_wait_on_its_axis() {
    let r = cli::run(&{
        let mut o = Options::new("vhost");
        o.secs = Some(0.3);
        o.variants = vec!["linux-7.1".into()];
        o
    })
    .unwrap();
    let mut outcomes = r.outcomes[0].1.clone();
    outcomes[0].series[0].points.push((0.3, 39.7));
    let svg = (r.outcomes[0].0.plot)(&outcomes);
    assert!(svg.contains(">40</text>"), "the axis reaches 40 ms");
}

#[test]
fn help_lists_the_file_and_trace_subcommands() {
    let help = cli::help();
    for word in [
        "run FILE",
        "trace-out SCENARIO|FILE",
        "replay TRACE",
        "extract TRACE",
    ] {
        assert!(help.contains(word), "{word}");
    }
}

#[test]
fn trace_subcommand_errors_are_a_message_and_exit_status_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["trace-out"], "eevdf-lab trace-out: no scenario given (one of vhost, cgroup, vcpu, hlt, aio, or a scenario file)"),
        (&["trace-out", "nosuch"], "eevdf-lab trace-out: unknown scenario 'nosuch' (one of vhost, cgroup, vcpu, hlt, aio)"),
        (&["trace-out", "vhost", "--variant", "x"], "eevdf-lab trace-out: unknown variant 'x' of vhost"),
        (&["trace-out", "vhost", "--secs", "61"], "eevdf-lab trace-out: --secs needs seconds with 0 < S <= 60, not '61'"),
        (&["trace-out", "vhost", "--bogus"], "eevdf-lab trace-out: unknown option '--bogus'"),
        (&["trace-out", "vhost", "aio"], "eevdf-lab trace-out: one scenario per trace, not also 'aio'"),
        (&["trace-out", "vhost", "--dat"], "eevdf-lab trace-out: --dat writes a binary trace.dat: give its file with -o FILE"),
        (&["replay"], "eevdf-lab replay: no trace file given"),
        (&["replay", "t", "--release", "5.4"], "eevdf-lab replay: unknown release '5.4'"),
        (&["replay", "t", "--ncpus", "0"], "eevdf-lab replay: --ncpus needs a positive CPU count, not '0'"),
        (&["replay", "t", "u"], "eevdf-lab replay: one trace at a time, not also 'u'"),
    ];
    for (a, msg) in cases {
        let out = lab(a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(msg), "{a:?}: {err}");
        assert!(err.contains("usage: eevdf-lab "), "{a:?}: {err}");
    }
    // A trace that cannot be read is not a usage error.
    let out = lab(&["replay", "/nonexistent/trace.txt"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn every_subcommand_has_help_on_stdout() {
    for sub in ["run", "trace-out", "replay", "extract"] {
        let out = lab(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(&format!("usage: eevdf-lab {sub} ")),
            "{text}"
        );
    }
}
