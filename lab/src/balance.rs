//! Newidle balancing: which queued task a CPU that is about to go idle pulls —
//! **the lab's model, not Linux.**
//!
//! Linux balances load periodically and when a CPU goes idle
//! (`sched_balance_newidle`), over the scheduling-domain hierarchy, with group
//! statistics, imbalance classes, cache-hotness and migration-cost tests. The
//! `eevdf` crate reproduces the wakeup path only (`select_task_rq_fair` and its
//! helpers), none of the load balancer, so the lab brings its own rule: the
//! smallest one a simulator can justify, for scenarios that would otherwise
//! leave a CPU idle while another has tasks waiting:
//!
//! * a CPU that finds nothing to run looks once for the CPU with the most
//!   runnable fair tasks — at least two, so that one waits ([`find_busiest`]);
//! * from it, it takes one task that is queued but neither running nor delayed,
//!   and allowed on the idle CPU, preferring the one that has waited longest
//!   ([`choose_pull`]).
//!
//! There is no periodic balancer, no pull from a busy CPU, no active balance
//! (moving a running task), and an idle CPU does not look again until it goes
//! idle again. Results that depend on these functions must say so.
//!
//! ```text
//! find_busiest(0, &[0, 3, 3, 1]) == Some(1)   // ties: the lowest index
//! find_busiest(0, &[0, 1, 1])    == None      // nobody waits
//! choose_pull(&[running since 5, waiting since 9, waiting since 7]) == Some(2)
//! ```
//!
//! Its tests run with the lab's (`cargo test --test lab`, which includes this
//! file).

/// One queued task of the busiest CPU, as [`choose_pull`] sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PullCandidate {
    /// The task may run on the pulling CPU (its affinity allows it).
    pub allowed: bool,
    /// It is that CPU's running task.
    pub running: bool,
    /// It is a delayed-dequeue sleeper (queued, not runnable).
    pub delayed: bool,
    /// When it last became runnable or was last preempted (ns).
    pub runnable_since: u64,
}

/// The CPU to pull from: the one other than `this_cpu` with the most runnable
/// fair tasks (`h_nr_runnable`), if that is at least 2; ties go to the lowest
/// index. `h_nr_runnable[i]` is CPU i's count.
pub fn find_busiest(this_cpu: u32, h_nr_runnable: &[u32]) -> Option<u32> {
    let mut best: Option<(u32, u32)> = None;
    for (i, &n) in h_nr_runnable.iter().enumerate() {
        if i as u32 == this_cpu || n < 2 {
            continue;
        }
        if best.map_or(true, |(_, b)| n > b) {
            best = Some((i as u32, n));
        }
    }
    best.map(|(i, _)| i)
}

/// The task to pull among `candidates`: allowed, not running, not delayed,
/// runnable for the longest time (smallest `runnable_since`; ties go to the
/// first). `None` if there is no such task.
pub fn choose_pull(candidates: &[PullCandidate]) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, c) in candidates.iter().enumerate() {
        if !c.allowed || c.running || c.delayed {
            continue;
        }
        if best.map_or(true, |(_, s)| c.runnable_since < s) {
            best = Some((i, c.runnable_since));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::QuickCheck;

    #[test]
    fn examples_of_the_module_docs() {
        assert_eq!(find_busiest(0, &[0, 3, 3, 1]), Some(1));
        assert_eq!(find_busiest(0, &[0, 1, 1]), None);
        let c = |since, running| PullCandidate {
            allowed: true,
            running,
            delayed: false,
            runnable_since: since,
        };
        assert_eq!(
            choose_pull(&[c(5, true), c(9, false), c(7, false)]),
            Some(2)
        );
    }

    #[test]
    fn busiest_needs_a_waiting_task_and_skips_this_cpu() {
        assert_eq!(find_busiest(1, &[2, 5]), Some(0));
        assert_eq!(find_busiest(1, &[1, 5]), None);
        assert_eq!(find_busiest(0, &[]), None);
        assert_eq!(find_busiest(u32::MAX, &[2, 2]), Some(0));
    }

    #[test]
    fn pull_skips_running_delayed_and_pinned_tasks() {
        let ok = PullCandidate {
            allowed: true,
            running: false,
            delayed: false,
            runnable_since: 10,
        };
        assert_eq!(choose_pull(&[]), None);
        assert_eq!(
            choose_pull(&[
                PullCandidate {
                    allowed: false,
                    runnable_since: 0,
                    ..ok
                },
                PullCandidate {
                    delayed: true,
                    runnable_since: 0,
                    ..ok
                },
                PullCandidate {
                    running: true,
                    runnable_since: 0,
                    ..ok
                },
                ok,
            ]),
            Some(3)
        );
        assert_eq!(choose_pull(&[ok, ok]), Some(0));
    }

    #[test]
    fn newidle_model_pulls_only_a_waiting_allowed_task_from_a_cpu_with_two() {
        fn prop(counts: Vec<u8>, this: u8, cands: Vec<(bool, bool, bool, u16)>) -> bool {
            let counts: Vec<u32> = counts.iter().map(|&c| c as u32 % 5).collect();
            let b = find_busiest(this as u32, &counts);
            let busiest_ok = match b {
                None => counts
                    .iter()
                    .enumerate()
                    .all(|(i, &c)| i == this as usize || c < 2),
                Some(i) => {
                    i != this as u32
                        && counts[i as usize] >= 2
                        && counts
                            .iter()
                            .enumerate()
                            .all(|(j, &c)| j == this as usize || c <= counts[i as usize])
                }
            };
            let cands: Vec<PullCandidate> = cands
                .iter()
                .map(|&(allowed, running, delayed, since)| PullCandidate {
                    allowed,
                    running,
                    delayed,
                    runnable_since: since as u64,
                })
                .collect();
            let pick_ok = match choose_pull(&cands) {
                None => cands.iter().all(|c| !c.allowed || c.running || c.delayed),
                Some(i) => {
                    let c = cands[i];
                    c.allowed
                        && !c.running
                        && !c.delayed
                        && cands.iter().all(|o| {
                            !o.allowed
                                || o.running
                                || o.delayed
                                || o.runnable_since >= c.runnable_since
                        })
                }
            };
            busiest_ok && pick_ok
        }
        QuickCheck::new()
            .tests(10_000)
            .max_tests(200_000)
            .quickcheck(prop as fn(Vec<u8>, u8, Vec<(bool, bool, bool, u16)>) -> bool);
    }
}
