//! The benchmarks compare like with like: on every benchmark input the
//! library computes exactly what the C baseline (`c/baseline.h`, the
//! kernel's formulas in plain C) computes: calc_delta_fair in every profile,
//! the accumulator, V, eligibility, update_entity_lag, place_entity,
//! reweight_entity (6.6, 7.1 and EXACT against 7.1), decay_load, a PELT
//! sequence, calc_group_shares and wake_affine_weight.

#[test]
fn library_equals_c_baseline_on_every_benchmark_input() {
    let n = eevdf_bench::check::run().unwrap_or_else(|e| panic!("{e}"));
    assert!(n > 10_000, "only {n} comparisons");
}

#[test]
fn pick_scaling_queue_needs_the_tree_search() {
    // The scaling benchmark is meant to measure the heap search, not the
    // leftmost shortcut: the pick must sit deep in deadline order.
    let mut buf = eevdf_bench::pick::buffer(1024);
    let (rq, _) = eevdf_bench::pick::queue(&mut buf);
    let at = eevdf_bench::pick::pick_position(&rq).expect("a pick");
    assert!(at > 100, "pick at position {at}");
    let linear = eevdf_bench::pick::pick_linear(&rq, &eevdf_bench::pick::in_tree_order(&rq));
    assert_eq!(linear, eevdf::pick::Pick::Queued(at));
}
