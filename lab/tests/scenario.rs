//! Scenario files (`eevdf-lab run FILE`), the rt-app import, and workload
//! extraction from traces (`eevdf-lab extract`).

use std::process::Command;

use eevdf_lab::cli::SCENARIOS;
use eevdf_lab::extract::{analyze, scenario_text};
use eevdf_lab::report::json_line;
use eevdf_lab::scenario::{self, parse_dist, Dist};
use eevdf_lab::sim::Params;
use eevdf_lab::trace::{parse::parse, record, record_with};
use quickcheck::quickcheck;

fn lab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_eevdf-lab"))
        .args(args)
        .output()
        .expect("the eevdf-lab binary runs")
}

fn dir() -> String {
    format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"))
}

const PINGPONG: &str = include_str!("../scenarios/pingpong.toml");
const VCPU: &str = include_str!("../scenarios/vcpu.toml");
const HLT: &str = include_str!("../scenarios/hlt.toml");
const AIO: &str = include_str!("../scenarios/aio.toml");
const VHOST: &str = include_str!("../scenarios/vhost.toml");

const GOOD: &str = r#"version = 1
secs = 0.2
[machine]
cpus = 2
[[tasks]]
name = "a"
phases = [ { run = "1ms" }, { wake = "b" }, { sleep = "1ms" } ]
[[tasks]]
name = "b"
phases = [ { block = true }, { run = "0.5ms" } ]
[[variants]]
name = "v"
release = "7.1"
"#;

#[test]
fn malformed_files_are_errors_with_file_line_and_field() {
    let cases: &[(&str, &str, &str)] = &[
        ("version = 1\n", "version = 2\n", "f.toml:1:11: version: this lab reads version 1, not 2"),
        ("cpus = 2\n", "cpus = 0\n", "f.toml:4:8: machine.cpus: 1 to 64 CPUs"),
        ("cpus = 2\n", "cpus = \"two\"\n", "f.toml:4:8: machine.cpus: invalid type: string \"two\", expected u32"),
        (
            "{ run = \"1ms\" }, { wake",
            "{ run = \"1 hour\" }, { wake",
            "f.toml:7:20: tasks[0].phases[0].run: '1 hour' is not a duration (a number and ns, us, ms or s, e.g. 2ms)",
        ),
        (
            "{ wake = \"b\" }",
            "{ wake = \"c\" }",
            "f.toml:7:38: tasks[0].phases[1].wake: no task 'c'",
        ),
        (
            "{ sleep = \"1ms\" } ]",
            "{ sleep = \"1ms\", run = \"1ms\" } ]",
            "f.toml:7:45: tasks[0].phases[2]: a phase has exactly one of run, sleep, block, timer, wake, take, put, move, lock, unlock or phases (a loop)",
        ),
        ("release = \"7.1\"", "release = \"5.4\"", "f.toml:13:11: variants[0].release: unknown release '5.4' (6.5, 6.5+place-lag, 6.6, 6.6.57, 6.18, 7.0, 7.1 or exact)"),
        ("name = \"b\"\n", "name = \"b\"\nnice = 20\n", "f.toml:10:8: tasks[1].nice: -20 to 19"),
        ("name = \"b\"\n", "name = \"b\"\ncolour = 3\n", "f.toml:10:1: unknown field `colour`, expected one of"),
        ("secs = 0.2\n", "secs = 0.2\nmetrics = [\"latency\"]\n", "f.toml:3:12: metrics[0]: unknown metric 'latency' (one of cpu_share,"),
        ("phases = [ { block", "phases = [ { wake = \"a\" } ]\n#", "f.toml:10:10: tasks[1].phases: a task that loops forever needs a run phase (of more than 0 ns)"),
        (
            "{ run = \"0.5ms\" }",
            "{ run = 500 }",
            "f.toml:10:38: run: invalid type: integer `500`, expected a string",
        ),
        ("[machine]", "[machine\n", "f.toml:3:9: unclosed table, expected `]`"),
        // Queues, locks and the built-ins' metrics.
        ("{ wake = \"b\" }", "{ take = \"q\" }", "f.toml:7:38: tasks[0].phases[1].take: no queue 'q'"),
        ("{ wake = \"b\" }", "{ lock = \"l\" }", "f.toml:7:38: tasks[0].phases[1].lock: no lock 'l' (name it in locks)"),
        ("{ wake = \"b\" }", "{ wake = \"b\", items = 2 }", "f.toml:7:29: tasks[0].phases[1]: to and items belong to a put"),
        (
            "[[tasks]]\nname = \"a\"",
            "[[queues]]\nname = \"c\"\nper = \"cpu\"\n[[tasks]]\nname = \"a\"\nphases = [ { take = \"c\" }, { run = \"1ms\" } ]\n[[tasks]]\nname = \"a2\"",
            "f.toml:5:1: queues[0]: task 'a' takes from a per-CPU queue, so it must be pinned to one CPU",
        ),
        (
            "[[tasks]]\nname = \"a\"",
            "[[queues]]\nname = \"p\"\nper = \"b\"\nitems = 1\nhops = 3\nlatency = \"1ms\"\n[[tasks]]\nname = \"a\"",
            "f.toml:5:1: queues[0].hops: a queue with hops has no latency, batch nor arrive",
        ),
        ("secs = 0.2\n", "secs = 0.2\nmetrics = [{ metric = \"cpu_busy\", by = [\"wakeup\"] }]\n", "f.toml:3:12: metrics[0]: cpu_busy has no option by"),
        ("secs = 0.2\n", "secs = 0.2\nmetrics = [{ metric = \"makespan_ms\" }]\n", "f.toml:3:12: metrics[0]: makespan_ms needs a queue with hops"),
        ("secs = 0.2\n", "secs = 0.2\nmetrics = [{ metric = \"group_weight\", of = \"root\" }]\n", "f.toml:3:12: metrics[0]: no group 'root' (the root has no entity)"),
        ("secs = 0.2\n", "secs = 0.2\nmetrics = [{ metric = \"together\", sets = [[\"a\"]] }]\n", "f.toml:3:12: metrics[0]: a set has at least two tasks"),
        ("release = \"7.1\"", "release = \"7.1\"\nwake_rule = \"v2.6.32\"", "f.toml:14:13: variants[0].wake_rule: 'v2.6.32' is not v2.6.33"),
        ("release = \"7.1\"", "release = \"7.1\"\nllcs = 3", "f.toml:14:8: variants[0].llcs: a number of LLCs that divides the 2 CPUs evenly"),
        ("release = \"7.1\"", "release = \"7.1\"\npinned = [\"z\"]", "f.toml:14:11: variants[0].pinned[0]: no task 'z'"),
        (
            "[[tasks]]\nname = \"a\"\nphases = [ { run = \"1ms\" }, { wake = \"b\" }",
            "[[queues]]\nname = \"p\"\nper = \"b\"\n[[queues]]\nname = \"w\"\n[[tasks]]\nname = \"a\"\nphases = [ { run = \"1ms\" }, { move = \"p\", into = \"w\" }",
            "f.toml:5:1: queues[0]: task 'a' moves items of a queue per instance of another task",
        ),
    ];
    assert!(scenario::parse("f.toml", GOOD).is_ok());
    for (from, to, want) in cases {
        assert!(GOOD.contains(from), "{from}");
        let text = GOOD.replacen(from, to, 1);
        let e = scenario::parse("f.toml", &text).unwrap_err().to_string();
        assert!(e.starts_with(want), "{to}:\n got  {e}\n want {want}");
    }
    // More task groups than the lab's run queues hold, and more tasks.
    let groups: String = (0..eevdf_lab::sim::G)
        .map(|i| format!("[[groups]]\nname = \"g{i}\"\n"))
        .collect();
    let text = GOOD.replace("[machine]", &(groups + "[machine]"));
    let e = scenario::parse("f.toml", &text).unwrap_err().to_string();
    let want = format!(
        "groups: the lab's run queues hold {} task groups",
        eevdf_lab::sim::G - 1
    );
    assert!(e.contains(&want), "{e}");
    let text = GOOD.replace("name = \"b\"\n", "name = \"b\"\ncount = 16\n");
    let e = scenario::parse("f.toml", &text).unwrap_err().to_string();
    assert!(
        e.contains("17 tasks and 0 child groups in group 'root'"),
        "{e}"
    );
    // A level holds the group's tasks and its child groups' entities.
    let text = GOOD
        .replace("[machine]", "[[groups]]\nname = \"x\"\n[machine]")
        .replace("name = \"b\"\n", "name = \"b\"\ncount = 15\n");
    let e = scenario::parse("f.toml", &text).unwrap_err().to_string();
    assert!(
        e.contains("16 tasks and 1 child groups in group 'root'"),
        "{e}"
    );
}

#[test]
fn tasks_that_only_wake_each_other_are_refused_not_livelocked() {
    // Found by a random-file run: five instances that wake each other and
    // then wait on a timer never let the clock move (each wake cuts the
    // others' timers at the same instant); the engine hung.
    let text = "version = 1\nsecs = 0.05\n[machine]\ncpus = 8\n[[tasks]]\nname = \"t0\"\ncount = 5\nphases = [ { wake = \"t0\", sync = true }, { timer = \"2s\" } ]\n[[variants]]\nname = \"v\"\nrelease = \"6.6\"\n";
    let e = scenario::parse("f.toml", text).unwrap_err().to_string();
    assert_eq!(
        e,
        "f.toml:8:10: tasks[0].phases: a task that loops forever needs a run phase (of more than 0 ns)"
    );
    // A finite program needs none.
    let finite = text.replace("count = 5\n", "count = 5\nloop = 3\n");
    let sc = scenario::parse("f.toml", &finite).unwrap();
    let p = Params {
        seed: 1,
        secs: 0.05,
        ..Params::default()
    };
    let _ = scenario::run_variant(&sc, &sc.variants[0], &p);
}

#[test]
fn through_the_binary_a_bad_file_exits_1_and_a_bad_option_2() {
    let path = std::env::temp_dir().join(format!("eevdf-lab-bad-{}.toml", std::process::id()));
    std::fs::write(&path, GOOD.replace("cpus = 2", "cpus = 99")).unwrap();
    let out = lab(&["run", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        format!(
            "eevdf-lab run: {}:4:8: machine.cpus: 1 to 64 CPUs\n",
            path.display()
        )
    );
    for (args, msg) in [
        (&["run"][..], "eevdf-lab run: no scenario file given\n"),
        (
            &["run", "x.toml", "--bogus"],
            "eevdf-lab run: unknown option '--bogus'\n",
        ),
        (
            &["run", "x.toml", "--secs", "0"],
            "eevdf-lab run: --secs needs seconds with 0 < S <= 3600, not '0'\n",
        ),
        (&["extract"], "eevdf-lab extract: no trace file given\n"),
        (
            &["extract", "t", "--release", "5.4"],
            "eevdf-lab extract: unknown release '5.4' (6.5, 6.6, 6.18, 7.0, 7.1, ...)\n",
        ),
    ] {
        let out = lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(msg), "{args:?}: {err}");
    }
    let out = lab(&["run", "/nonexistent/x.toml"]);
    assert_eq!(out.status.code(), Some(1));
    // `--secs` shorter than the file's own warm-up would measure nothing.
    let hlt = format!("{}/scenarios/hlt.toml", env!("CARGO_MANIFEST_DIR"));
    let out = lab(&["run", &hlt, "--secs", "0.5"]);
    assert_eq!(out.status.code(), Some(0));
    let path = std::env::temp_dir().join(format!("eevdf-lab-warm-{}.toml", std::process::id()));
    std::fs::write(&path, HLT.replace("warmup_secs = 0.0", "warmup_secs = 1.0")).unwrap();
    let out = lab(&["run", path.to_str().unwrap(), "--secs", "0.5"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("eevdf-lab run: --secs 0.5 ends the run before hlt's warmup_secs (1) ends: nothing would be measured\nusage:"),
        "{err}"
    );
}

#[test]
fn a_warm_up_longer_than_the_run_measures_nothing_and_does_not_panic() {
    // The case quickcheck found (hlt.toml, warmup_secs 0 -> 1, a 0.02 s
    // run through the library, which has no --secs check): the measured
    // span is empty, so every time-based metric is 0.
    let sc = scenario::parse(
        "q.toml",
        &HLT.replace("warmup_secs = 0.0", "warmup_secs = 1.0"),
    )
    .unwrap();
    let p = Params {
        seed: 1,
        secs: 0.02,
        ..Params::default()
    };
    let o = scenario::run_variant(&sc, &sc.variants[0], &p);
    let warm = scenario::parse("q.toml", HLT).unwrap();
    let w = scenario::run_variant(&warm, &warm.variants[0], &p);
    let get =
        |o: &eevdf_lab::report::Outcome, k: &str| o.metrics.iter().find(|m| m.0 == k).unwrap().1;
    assert!(get(&w, "idle_vcpu_used_fraction") > 0.0);
    assert_eq!(get(&o, "idle_vcpu_used_fraction"), 0.0);
}

#[test]
fn every_example_file_runs_and_is_deterministic() {
    for f in [
        "cgroup.toml",
        "pingpong.toml",
        "rtapp-on-4-cpus.toml",
        "rtapp-periodic.json",
    ] {
        let p = format!("{}/{f}", dir());
        let a = lab(&["run", &p, "--secs", "0.3", "--json"]);
        assert_eq!(
            a.status.code(),
            Some(0),
            "{f}: {}",
            String::from_utf8_lossy(&a.stderr)
        );
        let b = lab(&["run", &p, "--secs", "0.3", "--json"]);
        assert_eq!(a.stdout, b.stdout, "{f}");
        for line in String::from_utf8(a.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(v["metrics"].as_object().unwrap().len() >= 2, "{f}: {line}");
        }
    }
}

#[test]
fn the_five_built_in_scenarios_as_files_give_byte_identical_json_lines() {
    // lab/tests/data/builtin/NAME-short.jsonl: the JSON lines of the
    // built-ins as Rust modules (commit 45f4f8c, before they became files),
    // every variant at seeds 1 and 7 (`eevdf-lab NAME --json --secs S
    // --seed N`). Run from lab/scenarios/NAME.toml, and through the
    // built-in command, they are the same bytes. (`make lab-files` checks
    // the default lengths against NAME.jsonl.)
    for s in SCENARIOS.iter() {
        let sc = scenario::load(&format!("{}/{}.toml", dir(), s.name)).unwrap();
        assert_eq!(sc.name, s.name);
        let names: Vec<&str> = sc.variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, s.variants, "{}", s.name);
        let golden = std::fs::read_to_string(format!(
            "{}/tests/data/builtin/{}-short.jsonl",
            env!("CARGO_MANIFEST_DIR"),
            s.name
        ))
        .unwrap();
        let mut golden = golden.lines();
        for seed in [1, 7] {
            let p = Params {
                seed,
                secs: if s.name == "hlt" { 2.0 } else { 0.5 },
                ..Params::default()
            };
            for (v, &name) in sc.variants.iter().zip(s.variants) {
                let want = golden.next().unwrap();
                let file =
                    json_line(&sc.name, &[], &p, &scenario::run_variant(&sc, v, &p)).unwrap();
                assert_eq!(file, want, "{} {name} seed {seed}: the file", s.name);
                let built_in = json_line(s.name, s.absent, &p, &(s.run)(name, &p)).unwrap();
                assert_eq!(
                    built_in, want,
                    "{} {name} seed {seed}: the built-in",
                    s.name
                );
            }
        }
        assert_eq!(golden.next(), None);
    }
}

/// Runs a scenario file's text (one variant) and returns its JSON metrics.
fn run_text(text: &str) -> serde_json::Value {
    let sc = scenario::parse("t.toml", text).unwrap();
    let p = runfile_params(&sc);
    let o = scenario::run_variant(&sc, &sc.variants[0], &p);
    let line = json_line(&sc.name, &[], &p, &o).unwrap();
    serde_json::from_str::<serde_json::Value>(&line).unwrap()["metrics"].clone()
}

fn runfile_params(sc: &scenario::Scenario) -> Params {
    Params {
        seed: sc.seed,
        secs: sc.secs,
        ..Params::default()
    }
}

const V71: &str = "[[variants]]\nname = \"v\"\nrelease = \"7.1\"\n";

#[test]
fn an_item_retires_at_its_last_hop_and_ends_the_job() {
    // Two tasks in a ring, one item each, 10 hops of 1 ms: each item's hops
    // run one after the other, so the job takes 10 ms, with 20 puts.
    let m = run_text(&format!(
        "version = 1\nsecs = 0.2\nwarmup_secs = 0.0\n\
         metrics = [\"makespan_ms\", \"finished\", {{ column = \"hops\", metric = \"puts\", of = \"pipe\" }}]\n\
         [machine]\ncpus = 2\n\
         [[queues]]\nname = \"pipe\"\nper = \"t\"\nitems = 1\nhops = 10\n\
         [[tasks]]\nname = \"t\"\ncount = 2\n\
         phases = [ {{ take = \"pipe\" }}, {{ run = \"1ms\" }}, {{ put = \"pipe\", to = \"next\" }} ]\n{V71}"
    ));
    assert_eq!(m["makespan_ms"], 10.0);
    assert_eq!(m["finished"], true);
    assert_eq!(m["hops"], 20);
}

#[test]
fn a_spinlock_admits_one_holder_and_its_waiter_spins() {
    // Two tasks on two CPUs, each looping over a 1 ms critical section:
    // with the lock exclusive, one section ends per ms (1000/s, not 2000)
    // and each task spins half its time.
    let m = run_text(&format!(
        "version = 1\nsecs = 1.0\nlocks = [\"l\"]\n\
         metrics = [{{ column = \"sections\", metric = \"puts_per_s\", of = \"done\" }}, {{ column = \"spin\", metric = \"spin_share\", of = \"t\" }}]\n\
         [machine]\ncpus = 2\n[[queues]]\nname = \"done\"\n\
         [[tasks]]\nname = \"t\"\ncount = 2\npinned = true\n\
         phases = [ {{ lock = \"l\" }}, {{ run = \"1ms\" }}, {{ put = \"done\" }}, {{ unlock = \"l\" }} ]\n{V71}"
    ));
    let sections = m["sections"].as_f64().unwrap();
    assert!((sections - 1000.0).abs() < 2.0, "{sections}");
    let spin = m["spin"].as_f64().unwrap();
    assert!((spin - 0.5).abs() < 0.01, "{spin}");
}

#[test]
fn batched_puts_with_latency_make_a_closed_loop() {
    // One request in flight: the server takes it, runs 1 ms and puts (1 of
    // the batch of 2), runs 1 ms and puts (the request answered); the next
    // arrives 1 ms later. 3 ms per request: 2 puts per 3 ms, 2/3 busy.
    let m = run_text(&format!(
        "version = 1\nsecs = 1.0\n\
         metrics = [{{ column = \"puts\", metric = \"puts_per_s\", of = \"req\" }}, {{ column = \"busy\", metric = \"cpus_used\", of = \"server\" }}]\n\
         [machine]\ncpus = 1\n\
         [[queues]]\nname = \"req\"\narrive = {{ items = 1, at = \"1ms\" }}\nbatch = 2\nlatency = \"1ms\"\n\
         [[tasks]]\nname = \"server\"\n\
         phases = [ {{ take = \"req\" }}, {{ run = \"1ms\" }}, {{ put = \"req\" }}, {{ run = \"1ms\" }}, {{ put = \"req\" }} ]\n{V71}"
    ));
    let puts = m["puts"].as_f64().unwrap();
    assert!((puts - 2000.0 / 3.0).abs() < 2.0, "{puts}");
    let busy = m["busy"].as_f64().unwrap();
    assert!((busy - 2.0 / 3.0).abs() < 0.005, "{busy}");
}

#[test]
fn rtapp_import_maps_phases_and_lists_what_it_ignores() {
    let sc = scenario::load(&format!("{}/rtapp-periodic.json", dir())).unwrap();
    assert_eq!(sc.secs, 5.0);
    let names: Vec<&str> = sc.tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["periodic", "periodic", "chain", "worker", "rt"]);
    assert_eq!(sc.tasks[0].nice, -5);
    assert_eq!(sc.tasks[2].allowed, Some(vec![1]));
    for i in [
        "tasks.rt.policy SCHED_FIFO (runs as a SCHED_OTHER task)",
        "tasks.worker.lock",
        "global.calibration",
    ] {
        assert!(sc.ignored.iter().any(|x| x == i), "{i}: {:?}", sc.ignored);
    }
    let bad = r#"{"tasks": {"a": {"run": 10, "resume": "nobody"}}}"#;
    let e = eevdf_lab::rtapp::import("w.json", bad)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "w.json: tasks.a.resume: no task 'nobody' to resume");
    let e = eevdf_lab::rtapp::import("w.json", "{\"tasks\": {\n  \"a\": [}}")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("w.json:2:"), "{e}");
}

#[test]
fn durations_and_distributions_parse() {
    assert_eq!(parse_dist("2ms"), Ok(Dist::Fixed(2_000_000)));
    assert_eq!(
        parse_dist("0.5ms..2ms"),
        Ok(Dist::Uniform(500_000, 2_000_000))
    );
    assert_eq!(parse_dist("exp(150us)"), Ok(Dist::Exp(150_000)));
    assert!(parse_dist("2ms..1ms").is_err());
    assert!(parse_dist("ms").is_err());
    assert!(parse_dist("-1ms").is_err());
}

quickcheck! {
    fn random_text_never_panics_the_scenario_reader(s: String) -> bool {
        let _ = scenario::parse("q.toml", &s);
        let _ = eevdf_lab::rtapp::import("q.json", &s);
        true
    }

    fn a_changed_number_in_the_built_in_files_never_panics(which: u8, at: usize, value: u32) -> bool {
        // Every number of a file (counts, durations, CPUs, items, hops)
        // replaced by another: a file error or a run, never a panic.
        let base = [VCPU, HLT, AIO, VHOST][which as usize % 4];
        let spans: Vec<(usize, usize)> = base
            .char_indices()
            .filter(|&(i, c)| c.is_ascii_digit() && !base[..i].ends_with(|p: char| p.is_ascii_alphanumeric() || p == '.'))
            .map(|(i, _)| (i, i + base[i..].find(|c: char| !c.is_ascii_digit()).unwrap_or(0)))
            .collect();
        let (a, b) = spans[at % spans.len()];
        let v = [0, 1, 2, value % 100, value][at % 5];
        let text = format!("{}{}{}", &base[..a], v, &base[b..]);
        if let Ok(sc) = scenario::parse("q.toml", &text) {
            let p = Params { seed: 1, secs: 0.02, ..Params::default() };
            for v in &sc.variants {
                let _ = scenario::run_variant(&sc, v, &p);
            }
        }
        true
    }

    fn mangled_scenario_files_never_panic(cut: usize, junk: String, which: u8) -> bool {
        let base = [GOOD, PINGPONG, VCPU, HLT][which as usize % 4];
        let cut = cut % base.len();
        if base.is_char_boundary(cut) {
            let text = format!("{}{}{}", &base[..cut], junk, &base[cut..]);
            if let Ok(sc) = scenario::parse("q.toml", &text) {
                let p = Params { seed: 1, secs: 0.01, ..Params::default() };
                for v in &sc.variants {
                    let _ = scenario::run_variant(&sc, v, &p);
                }
            }
        }
        true
    }
}

/// CPU time per task name (instances summed) in a trace, and the total.
fn cpu_by_name(text: &str) -> (std::collections::BTreeMap<String, u64>, u64) {
    let a = analyze(&parse(text).unwrap());
    let mut m = std::collections::BTreeMap::new();
    for t in a.tasks.values() {
        *m.entry(t.comm.split('-').next().unwrap_or("").to_string())
            .or_insert(0) += t.runtime;
    }
    let total = m.values().sum();
    (m, total)
}

#[test]
fn lab_run_to_trace_to_extract_to_run_keeps_the_tasks_and_the_cpu_time() {
    // The invariant: the re-run has the same tasks (names, groups, nice,
    // affinity) and its total CPU time is within 10 % of the recorded run's.
    // Per-task CPU times are printed (cargo test -- --nocapture) and pinned
    // loosely below for the scenarios whose structure the model keeps.
    let p = Params {
        seed: 1,
        secs: 2.0,
        ..Params::default()
    };
    for (name, variant) in [
        ("cgroup", "linux-7.1"),
        ("hlt", "hlt-not-preempted"),
        ("aio", "linux-6.6"),
        ("vcpu", "pinned"),
    ] {
        let s = SCENARIOS.iter().find(|s| s.name == name).unwrap();
        let (t1, _) = record(s, variant, &p);
        let a = analyze(&parse(&t1).unwrap());
        let text = scenario_text(&a, "t1", &[]).unwrap();
        // No variants asked: add the recorded release.
        let release = a.release.clone().unwrap();
        let text = text + &format!("[[variants]]\nname = \"re-run\"\nrelease = \"{release}\"\n");
        let sc = scenario::parse("x.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(sc.tasks.len(), a.tasks.len(), "{name}");
        let (t2, _) = record_with(&sc.name, "re-run", &p, |q| {
            scenario::run_variant(&sc, &sc.variants[0], q)
        });
        let (c1, tot1) = cpu_by_name(&t1);
        let (c2, tot2) = cpu_by_name(&t2);
        assert_eq!(
            c1.keys().collect::<Vec<_>>(),
            c2.keys().collect::<Vec<_>>(),
            "{name}"
        );
        println!(
            "{name} {variant}: total CPU {tot1} -> {tot2} ns ({:+.1} %)",
            100.0 * (tot2 as f64 / tot1 as f64 - 1.0)
        );
        for (k, v) in &c1 {
            println!("    {k}: {v} -> {} ns", c2[k]);
        }
        let ratio = tot2 as f64 / tot1 as f64;
        if name == "hlt" {
            // A finding, not within the invariant: the ring's last hops
            // stall once a neighbour has done its recorded bursts (the
            // model keeps counts, not which hop ends the job). Today's
            // value, pinned: -11.8 %.
            assert!((ratio - 0.8824).abs() < 0.005, "{name}: {ratio}");
        } else if name == "aio" {
            // A finding: the device's completions (timer wakeups of the
            // kworker) keep their rate but lose their coupling to fio's
            // submissions, and a wake of a task that is not asleep is one
            // pending wake, not a count. Today's value, pinned: -27.0 %.
            assert!((ratio - 0.7300).abs() < 0.005, "{name}: {ratio}");
        } else if name == "vcpu" {
            // A finding: the recorded run keeps both CPUs busy (4.0 of 4 s),
            // the re-run leaves them idle 15 % of the time: its vCPUs keep
            // their burst and sleep amounts but not the lock and IPI
            // handshake that kept each one busy while its sibling ran.
            // Today's value, pinned: -15.0 % (-8.0 % before the vcpu host
            // ran the balancer model).
            assert!((ratio - 0.8495).abs() < 0.005, "{name}: {ratio}");
        } else {
            assert!((ratio - 1.0).abs() < 0.10, "{name}: {tot1} -> {tot2}");
        }
    }
}

#[test]
fn a_scenario_file_takes_its_tasks_from_rtapp_and_measures_them() {
    let d = std::env::temp_dir().join(format!("eevdf-lab-rtapp-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("w.json"),
        r#"{"tasks": {"p": {"run": 1000, "timer": {"period": 4000}}, "q": {"cpus": [5], "run": 500, "sleep": 500}}}"#,
    )
    .unwrap();
    let toml = "version = 1\nsecs = 0.5\nrtapp = \"w.json\"\nmetrics = [\"cpus_used:p\", \"cpus_used:q\"]\n[machine]\ncpus = 6\n[[variants]]\nname = \"v\"\nrelease = \"6.18\"\n";
    let f = d.join("s.toml");
    std::fs::write(&f, toml).unwrap();
    let sc = scenario::load(f.to_str().unwrap()).unwrap();
    let p = Params {
        seed: 1,
        secs: 0.5,
        ..Params::default()
    };
    let o = scenario::run_variant(&sc, &sc.variants[0], &p);
    // p: 1 ms every 4 ms; q: 0.5 ms of every 1 ms, alone on CPU 5.
    assert!((o.metric("cpus_used:p") - 0.25).abs() < 0.01, "{o:?}");
    assert!((o.metric("cpus_used:q") - 0.5).abs() < 0.01, "{o:?}");
    // An affinity beyond the machine names the rt-app file and its path.
    std::fs::write(&f, toml.replace("cpus = 6", "cpus = 4")).unwrap();
    let e = scenario::load(f.to_str().unwrap()).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&d);
    assert!(
        e.ends_with("w.json: tasks.q.cpus[0]: a CPU of the machine (0 to 3)"),
        "{e}"
    );
}
