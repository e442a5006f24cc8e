//! Traces: a lab run written as ftrace text, read back, and replayed in
//! lockstep through the library.

use eevdf_lab::cli::SCENARIOS;
use eevdf_lab::sim::Params;
use eevdf_lab::trace::parse::{parse, parse_line, Event};
use eevdf_lab::trace::replay::{profile_named, replay, Setup};
use eevdf_lab::trace::{place, record};
use quickcheck::{quickcheck, TestResult};

fn params(secs: f64) -> Params {
    Params {
        seed: 1,
        secs,
        ..Params::default()
    }
}

fn scenario(name: &str) -> &'static eevdf_lab::cli::Scenario {
    SCENARIOS.iter().find(|s| s.name == name).unwrap()
}

#[test]
fn every_lab_run_replays_in_lockstep_with_full_agreement() {
    for s in &SCENARIOS {
        for &v in s.variants {
            let (text, _) = record(s, v, &params(0.1));
            let t = parse(&text).unwrap();
            let setup = Setup::from_header(&t.comments).unwrap().unwrap();
            let r = replay(&t, &setup);
            assert!(
                r.switches() > 10,
                "{} {v}: {} switches",
                s.name,
                r.switches()
            );
            assert_eq!(
                r.agree(),
                r.switches(),
                "{} {v}: {:?}",
                s.name,
                r.divergences
            );
            assert!(r.errors.is_empty(), "{} {v}: {:?}", s.name, r.errors);
            assert!(r.cpus.iter().all(|c| c.repick_diverged == 0));
            // Only the switches to the stopper of active balance (a higher
            // class) go unscored.
            let stopper = text.matches("next_comm=migration/").count() as u64;
            let unscored: u64 = r.cpus.iter().map(|c| c.unscored).sum();
            assert_eq!(unscored, stopper, "{} {v}", s.name);
            assert_eq!(r.waits_recorded, r.waits_replayed, "{} {v}", s.name);
        }
    }
}

#[test]
fn replay_under_another_release_reports_divergences_with_the_queue() {
    // The vhost run of 6.6 replayed under 6.6 with NO_PLACE_LAG's opposite
    // view: the pick differs somewhere and the queue is shown.
    let (text, _) = record(scenario("vhost"), "linux-6.6", &params(0.2));
    let t = parse(&text).unwrap();
    let mut setup = Setup::from_header(&t.comments).unwrap().unwrap();
    setup.features.apply_debugfs("NO_PLACE_LAG");
    let r = replay(&t, &setup);
    assert!(r.agree() < r.switches());
    let d = &r.divergences[0];
    assert!(!d.queue.is_empty());
    assert_ne!(d.kernel.1, d.library.1);
}

#[test]
fn tracing_changes_nothing_in_the_run() {
    for name in ["vhost", "cgroup"] {
        let s = scenario(name);
        let plain = (s.run)(s.variants[0], &params(0.05));
        let (_, traced) = record(s, s.variants[0], &params(0.05));
        assert_eq!(format!("{plain:?}"), format!("{traced:?}"));
    }
}

#[test]
fn the_written_trace_follows_the_ftrace_text_rules() {
    let (text, _) = record(scenario("vcpu"), "linux-7.1", &params(0.1));
    assert!(text.starts_with("# tracer: nop\n"));
    let t = parse(&text).unwrap();
    assert_eq!(t.skipped, 0);
    let mut seen = std::collections::BTreeSet::new();
    let mut cur = std::collections::HashMap::new();
    for l in &t.lines {
        assert!(l.flags.len() <= 4, "line {}: flags '{}'", l.no, l.flags);
        let name = match &l.event {
            Event::Switch {
                prev_pid, next_pid, ..
            } => {
                // Each switch leaves what the previous one on that CPU entered.
                if let Some(p) = cur.insert(l.cpu, *next_pid) {
                    assert_eq!(p, *prev_pid, "line {}", l.no);
                }
                assert_eq!(l.pid, *prev_pid);
                "sched_switch"
            }
            Event::Waking(_) => "sched_waking",
            Event::Wakeup(_) => "sched_wakeup",
            Event::WakeupNew(_) => "sched_wakeup_new",
            Event::Migrate { .. } => "sched_migrate_task",
            Event::Runtime { vruntime, .. } => {
                assert_eq!(*vruntime, None, "7.1 prints no vruntime");
                "sched_stat_runtime"
            }
            Event::Exit { .. } => "sched_process_exit",
            Event::Tick => "tick",
            Event::Mark(m) => {
                assert!(m.starts_with("C|"), "{m}");
                "counter"
            }
            e => panic!("unexpected {e:?}"),
        };
        seen.insert(name);
    }
    for e in [
        "sched_switch",
        "sched_waking",
        "sched_wakeup",
        "sched_wakeup_new",
        "sched_migrate_task",
        "sched_stat_runtime",
        "sched_process_exit",
        "tick",
        "counter",
    ] {
        assert!(seen.contains(e), "{e} missing");
    }
    // A 6.6 run prints vruntime.
    let (text, _) = record(scenario("vhost"), "linux-6.6", &params(0.02));
    assert!(parse(&text).unwrap().lines.iter().any(|l| matches!(
        l.event,
        Event::Runtime {
            vruntime: Some(_),
            ..
        }
    )));
}

#[test]
fn kernel_and_trace_cmd_lines_parse() {
    let l = parse_line(
        1,
        " CPU 3/KVM-2950 [014] d.... 576.161435: sched_switch: prev_comm=CPU 3/KVM prev_pid=2950 prev_prio=120 prev_state=S ==> next_comm=vhost-2920 next_pid=2941 next_prio=120",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        (l.comm.as_str(), l.pid, l.cpu, l.ts),
        ("CPU 3/KVM", 2950, 14, 576_161_435_000)
    );
    let Event::Switch {
        prev_comm,
        prev_state,
        next_pid,
        ..
    } = l.event
    else {
        panic!()
    };
    assert_eq!(
        (prev_comm.as_str(), prev_state.as_str(), next_pid),
        ("CPU 3/KVM", "S", 2941)
    );
    // v6.8+: no vruntime; trace-cmd with a tgid column and no flags.
    let l = parse_line(
        2,
        "bash-77  (   77) [002]  12.000000001: sched_stat_runtime: comm=bash pid=77 runtime=5 [ns]",
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        l.event,
        Event::Runtime {
            comm: "bash".into(),
            pid: 77,
            runtime: 5,
            vruntime: None
        }
    );
    // trace-cmd's sched plugin.
    let l = parse_line(
        3,
        "  <idle>-0  [001]  5.5: sched_switch: swapper/1:0 [120] R ==> ls:9 [120]",
    )
    .unwrap()
    .unwrap();
    assert!(matches!(
        l.event,
        Event::Switch {
            next_pid: 9,
            prev_pid: 0,
            ..
        }
    ));
    let l = parse_line(
        4,
        "  a-1 [001]  5.5: sched_wakeup: ls:9 [120] success=1 CPU:003",
    )
    .unwrap()
    .unwrap();
    assert!(matches!(l.event, Event::Wakeup(ref w) if w.pid == 9 && w.target_cpu == Some(3)));
    // trace-cmd's name of a marker write (the ftrace `print` event) and
    // the kernel's: the same text, which the replay reads for re-picks.
    for line in [
        "  a-100 [000]  0.001000000: print:  tracing_mark_write: C|100|repick|3",
        "  a-100 [000] .... 0.001000000: tracing_mark_write: C|100|repick|3",
    ] {
        let l = parse_line(5, line).unwrap().unwrap();
        assert_eq!(l.event, Event::Mark("C|100|repick|3".into()), "{line}");
    }
    // A later release's extra field, an unknown event, a non-event line.
    let t = parse(
        "cpus=2\nCPU 1 is empty\n a-1 [000] .... 1.0: sched_process_exit: comm=a pid=1 prio=120 group_dead=true\n a-1 [001] .... 1.0: irq_handler_entry: irq=5 name=x\n",
    )
    .unwrap();
    assert_eq!(t.skipped, 2);
    assert!(matches!(t.lines[1].event, Event::Other(ref n) if n == "irq_handler_entry"));
}

#[test]
fn bad_lines_are_errors_naming_line_and_field() {
    let cases = [
        (
            " a-1 [000] d... 1.0: sched_switch: prev_comm=a prev_pid=x prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120",
            "line 1: sched_switch: field 'prev_pid': expected an integer, found 'x'",
        ),
        (
            " a-1 [000] d... 1.0: sched_waking: comm=a pid=2 target_cpu=001",
            "line 1: sched_waking: field 'prio' missing",
        ),
        (
            " a-1 [000] d... 1.0x: sched_waking: comm=a pid=2 prio=120 target_cpu=001",
            "line 1: timestamp '1.0x' is not SECONDS.FRACTION",
        ),
        (
            " a-1 [000] d...... 1.0: sched_waking: comm=a pid=2 prio=120 target_cpu=001",
            "line 1: flags 'd......' are not an ftrace flags column",
        ),
        (
            " a-1 [000] d... 1.0: sched_place: comm= pid=0 sev=1 sed=2 sel=-x avg=1 min=1 cpu=0 nr=0",
            "line 1: sched_place: field 'sel': expected an integer, found '-x'",
        ),
    ];
    for (text, msg) in cases {
        assert_eq!(parse(text).unwrap_err().to_string(), msg);
    }
    let text = "# tracer: nop\n\n a-1 [000] d... 1.0: sched_migrate_task: comm=a pid=1 prio=120 orig_cpu=0 dest_cpu=zz\n";
    assert_eq!(
        parse(text).unwrap_err().to_string(),
        "line 3: sched_migrate_task: field 'dest_cpu': expected an integer, found 'zz'"
    );
}

fn replay_any(text: &str) {
    if let Ok(t) = parse(text) {
        let setup = Setup::new(profile_named("7.1").unwrap(), 4);
        let _ = replay(&t, &setup);
    }
}

quickcheck! {
    fn random_text_never_panics_the_parser_or_replay(s: String) -> bool {
        replay_any(&s);
        true
    }

    fn mangled_trace_lines_never_panic(cut: usize, junk: String) -> TestResult {
        let base = " kworker/0-101 [000] d... 0.002000000: sched_switch: prev_comm=kworker/0 prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=vhost next_pid=100 next_prio=120\n a-1 [001] d... 0.1: sched_wakeup: comm=vhost pid=100 prio=120 target_cpu=001\n";
        let cut = cut % base.len();
        if !base.is_char_boundary(cut) {
            return TestResult::discard();
        }
        let text = format!("{}{}{}", &base[..cut], junk, &base[cut..]);
        replay_any(&text);
        TestResult::passed()
    }
}

const EXCERPT: &str = include_str!("data/vhost-report-excerpt.txt");

fn excerpt_setup(release: &str) -> Setup {
    let mut s = Setup::new(profile_named(release).unwrap(), 24);
    s.base_slice = 3_000_000;
    s.tick_nsec = 10_000_000;
    s
}

#[test]
fn vhost_report_every_sched_place_line_is_reproduced_under_6_6() {
    let t = parse(EXCERPT).unwrap();
    assert_eq!(t.skipped, 0);
    let r = place::check(&t, &excerpt_setup("6.6"));
    assert_eq!(r.lines.len(), 12);
    assert_eq!(r.reproduced(), 12, "{}", place::render(&r));
    // The group weights and the kworker's queue load (the same values as
    // the crate's own test of these lines).
    let w: Vec<u64> = r.lines.iter().map(|c| c.weights[0]).collect();
    assert_eq!(
        w,
        [1024, 646, 46, 11, 5, 1024, 1024, 1024, 827, 562, 875, 785]
    );
    assert!(r.lines.iter().all(|c| c.weights.len() == 1));
    assert_eq!(r.lines[6].loads, Some((459, 459)));
    assert!(r.first_divergence().is_none());
}

#[test]
fn vhost_report_first_divergence_under_7_1_is_the_deadline_arithmetic() {
    let t = parse(EXCERPT).unwrap();
    let r = place::check(&t, &excerpt_setup("7.1"));
    let d = r.first_divergence().unwrap();
    assert_eq!(d.line, 9);
    assert_eq!(
        d.cause.as_deref(),
        Some("no weight's inverse turns the 3000000 ns slice into the deadline gap sed - sev = 614399999")
    );
}

#[test]
fn vhost_report_replay_agrees_on_every_fair_switch_and_the_39_ms_wait() {
    let t = parse(EXCERPT).unwrap();
    let r = replay(&t, &excerpt_setup("6.6"));
    // vhost's migration off CPU 14 follows a switch to the stopper thread
    // (another class): put_prev_task stops vhost running there, so the
    // migration replays.
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!((r.switches(), r.agree()), (3, 3));
    // The kworker's wait from its wakeup at 576.161479 to 576.201198.
    assert_eq!(r.waits_recorded.iter().max(), Some(&39_719_000));
    assert_eq!(r.waits_recorded, r.waits_replayed);
}

#[test]
fn a_few_thousand_events_replay_quickly() {
    let (text, _) = record(scenario("hlt"), "hlt-preempted", &params(0.3));
    let t0 = std::time::Instant::now();
    let t = parse(&text).unwrap();
    let setup = Setup::from_header(&t.comments).unwrap().unwrap();
    let r = replay(&t, &setup);
    let dt = t0.elapsed();
    assert!(t.lines.len() > 3000, "{}", t.lines.len());
    assert_eq!(r.agree(), r.switches());
    // Unoptimised test build: generous; the release build takes a few ms.
    assert!(dt.as_secs_f64() < 2.0, "{dt:?}");
}

#[test]
fn cfs_wakeup_migrations_replay_with_min_vruntime_renormalisation() {
    // Under 6.5's CFS a sleeping task that migrates takes its vruntime
    // relative to the old queue's min_vruntime to the new queue. The
    // replay did not renormalise before (90.46 % agreement on this run).
    let (text, _) = record(scenario("cgroup"), "linux-6.5-v4.14-shares", &params(3.0));
    let t = parse(&text).unwrap();
    let migrations = t
        .lines
        .iter()
        .filter(|l| matches!(l.event, Event::Migrate { .. }))
        .count();
    assert!(migrations > 10, "{migrations}");
    let setup = Setup::from_header(&t.comments).unwrap().unwrap();
    assert_eq!(setup.shares, eevdf::group::SharesLoad::Weight);
    let r = replay(&t, &setup);
    assert_eq!(r.agree(), r.switches(), "{:?}", r.divergences);
}

#[test]
fn every_release_the_lab_runs_has_a_replay_name() {
    for name in [
        "6.5",
        "linux-6.5+place-lag",
        "6.6",
        "6.6.57",
        "6.18",
        "7.0",
        "7.1",
        "exact",
    ] {
        assert!(profile_named(name).is_some(), "{name}");
    }
    assert!(profile_named("5.4").is_none());
}

#[test]
fn every_example_scenario_file_replays_in_lockstep_with_full_agreement() {
    // Custom slices (pingpong's tick, 0.5 ms) and weights travel in the
    // header: without them 7.1's replay of pingpong agreed on 99.96 %.
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    for f in ["pingpong.toml", "cgroup.toml", "rtapp-on-4-cpus.toml"] {
        let sc = eevdf_lab::scenario::load(&format!("{dir}/{f}")).unwrap();
        for v in &sc.variants {
            let (text, _) = eevdf_lab::trace::record_with(&sc.name, &v.name, &params(0.5), |p| {
                eevdf_lab::scenario::run_variant(&sc, v, p)
            });
            let t = parse(&text).unwrap();
            let setup = Setup::from_header(&t.comments).unwrap().unwrap();
            let r = replay(&t, &setup);
            assert!(r.switches() > 100, "{f} {}", v.name);
            assert_eq!(
                r.agree(),
                r.switches(),
                "{f} {}: {:?}",
                v.name,
                r.divergences
            );
        }
    }
}

#[test]
fn perf_script_lines_of_the_sched_tracepoints_parse_and_replay() {
    // `perf script` after `perf record -e sched:*`: COMM PID [CPU] TIME:
    // SUBSYSTEM:EVENT: and the tracepoint's own fields; PID/TID with -T.
    let text = "\
         swapper     0 [001]  5678.123400: sched:sched_wakeup_new: comm=a pid=7 prio=120 target_cpu=001
         swapper     0 [001]  5678.123410: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=a next_pid=7 next_prio=120
               a  7/7 [001]  5678.123456: sched:sched_waking: comm=kworker/1:1 pid=56 prio=120 target_cpu=001
               a     7 [001]  5678.123457: sched:sched_wakeup: comm=kworker/1:1 pid=56 prio=120 target_cpu=001
               a     7 [001]  5678.123460: sched:sched_stat_runtime: comm=a pid=7 runtime=50000 [ns]
               a     7 [001]  5678.123461: sched:sched_switch: prev_comm=a prev_pid=7 prev_prio=120 prev_state=S ==> next_comm=kworker/1:1 next_pid=56 next_prio=120
     kworker/1:1    56 [001]  5678.124000: timer:hrtimer_expire_entry: hrtimer=0xffff888000000040 now=5678124000000 function=tick_sched_timer/0x0
";
    let t = parse(text).unwrap();
    assert_eq!(t.skipped, 0);
    assert_eq!(t.lines.len(), 7);
    assert_eq!(
        (t.lines[2].comm.as_str(), t.lines[2].pid, t.lines[2].cpu),
        ("a", 7, 1)
    );
    assert_eq!(t.lines[2].ts, 5_678_123_456_000);
    assert!(matches!(t.lines[3].event, Event::Wakeup(ref w) if w.pid == 56));
    assert!(matches!(
        t.lines[4].event,
        Event::Runtime {
            runtime: 50000,
            vruntime: None,
            ..
        }
    ));
    assert_eq!(t.lines[6].event, Event::Tick);
    let r = replay(&t, &Setup::new(profile_named("6.18").unwrap(), 2));
    assert_eq!((r.switches(), r.agree()), (2, 2), "{:?}", r.errors);
}

/// trace-cmd (a third-party reader, not in CI: `apt-get install trace-cmd`;
/// run with `cargo test --release -p eevdf-lab -- --ignored trace_cmd`)
/// reads the lab's trace.dat back to the same events as the text: every
/// line, CPU by CPU in order, with its task, timestamp to the nanosecond,
/// flags and fields, and the replay of its report is the text's replay.
#[test]
#[ignore = "needs trace-cmd installed"]
fn trace_cmd_report_of_the_trace_dat_is_the_text_trace() {
    use eevdf_lab::trace::dat;
    use std::collections::BTreeMap;
    use std::process::Command;
    let report = |file: &std::path::Path, extra: &[&str]| -> String {
        let out = Command::new("trace-cmd")
            .args(["report", "-N", "-t"])
            .args(extra)
            .arg("-i")
            .arg(file)
            .output()
            .expect("trace-cmd runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for (name, variant, secs) in [
        ("vhost", "linux-6.6", 1.0),
        ("vcpu", "linux-7.1", 1.0),
        ("aio", "linux-6.6", 1.0),
        ("hlt", "hlt-preempted", 0.3),
    ] {
        let (text, _) = record(scenario(name), variant, &params(secs));
        let file = std::env::temp_dir().join(format!(
            "eevdf-lab-{}-{name}-{variant}.dat",
            std::process::id()
        ));
        std::fs::write(&file, dat::from_text(&text).unwrap()).unwrap();
        let rep = report(&file, &[]);
        let lat = report(&file, &["-l"]);
        std::fs::remove_file(&file).unwrap();
        let want = parse(&text).unwrap();
        let got = parse(&rep).unwrap();
        assert_eq!(got.lines.len(), want.lines.len(), "{name} {variant}");
        // trace-cmd merges the CPUs by time: compare each CPU's lines in order.
        let ncpus = want.lines.iter().map(|l| l.cpu).max().unwrap() + 1;
        for cpu in 0..ncpus {
            let w: Vec<_> = want.lines.iter().filter(|l| l.cpu == cpu).collect();
            let g: Vec<_> = got.lines.iter().filter(|l| l.cpu == cpu).collect();
            assert_eq!(g.len(), w.len(), "{name} {variant} CPU {cpu}");
            for (g, w) in g.iter().zip(&w) {
                assert_eq!(
                    (&g.comm, g.pid, g.ts, &g.event),
                    (&w.comm, w.pid, w.ts, &w.event),
                    "{name} {variant} line {}",
                    w.no
                );
            }
        }
        // `-l` prints CPU and flags as one word (`0d.h..`): the flags,
        // with a fifth column (migrate disable) the text does not have.
        let mut flags: BTreeMap<(u32, u64, i32), Vec<String>> = BTreeMap::new();
        for l in lat.lines().filter(|l| l.contains(": ")) {
            let words: Vec<&str> = l.split_whitespace().collect();
            let (task, cf, ts) = (words[0], words[1], words[2].trim_end_matches(':'));
            let pid: i32 = task.rsplit('-').next().unwrap().parse().unwrap();
            let cpu_len = cf.chars().take_while(|c| c.is_ascii_digit()).count();
            let (s, ns) = ts.split_once('.').unwrap();
            let key = (
                cf[..cpu_len].parse().unwrap(),
                s.parse::<u64>().unwrap() * 1_000_000_000 + ns.parse::<u64>().unwrap(),
                pid,
            );
            flags
                .entry(key)
                .or_default()
                .push(cf[cpu_len..].to_string());
        }
        let mut want_flags: BTreeMap<(u32, u64, i32), Vec<String>> = BTreeMap::new();
        for l in &want.lines {
            want_flags
                .entry((l.cpu, l.ts, l.pid))
                .or_default()
                .push(format!("{}.", l.flags));
        }
        for v in flags.values_mut().chain(want_flags.values_mut()) {
            v.sort();
        }
        assert_eq!(flags, want_flags, "{name} {variant}: flags");
        // trace-cmd merges the CPUs by time and, at equal times, by CPU
        // number, while the lab's events at one instant on two CPUs (a
        // wakeup on CPU 1 of a task CPU 0 then runs) come in the order of
        // the run. So the report replays as the text sorted by (time, CPU)
        // does (line numbers aside: the report has no header), which is not
        // always as the text does: a switch whose wakeup the merge put after
        // it is not compared, and a pick made before a same-instant
        // enqueue on another CPU may differ.
        let setup = Setup::from_header(&want.comments).unwrap().unwrap();
        let mut merged = want.clone();
        merged.lines.sort_by_key(|l| (l.ts, l.cpu));
        let (a, m, b) = (
            replay(&want, &setup),
            replay(&merged, &setup),
            replay(&got, &setup),
        );
        let same = |r: &eevdf_lab::trace::replay::Report| {
            format!(
                "{:?} {:?} {:?} {:?}",
                r.cpus,
                r.waits_recorded,
                r.waits_replayed,
                r.divergences.iter().map(|d| d.ts).collect::<Vec<_>>()
            )
        };
        assert_eq!(same(&m), same(&b), "{name} {variant}: replay");
        let unscored = |r: &eevdf_lab::trace::replay::Report| -> u64 {
            r.cpus.iter().map(|c| c.unscored).sum()
        };
        assert_eq!(a.agree(), a.switches(), "{name} {variant}");
        eprintln!(
            "{name} {variant}: text replay {}/{} switches agree, report replay {}/{} ({} not compared)",
            a.agree(),
            a.switches(),
            b.agree(),
            b.switches(),
            unscored(&b)
        );
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for l in &got.lines {
            let e = match &l.event {
                Event::Other(n) => n.clone(),
                e => format!("{e:?}")
                    .split(['(', ' '])
                    .next()
                    .unwrap()
                    .to_string(),
            };
            *counts.entry(e).or_default() += 1;
        }
        eprintln!(
            "{name} {variant} {secs} s: {} events {counts:?}",
            got.lines.len()
        );
    }
}
