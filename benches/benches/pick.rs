//! Criterion: pick (the tree search) against a linear scan of the same
//! entities, and dequeue + enqueue, at n = 8 … 131,072 (`eevdf_bench::pick`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use eevdf_bench::pick;

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("pick");
    for n in pick::SIZES {
        let mut buf = pick::buffer(n);
        let (mut rq, ids) = pick::queue(&mut buf);
        let order = pick::in_tree_order(&rq);
        g.bench_with_input(BenchmarkId::new("tree", n), &n, |b, _| {
            b.iter(|| pick::pick_tree(black_box(&rq)))
        });
        g.bench_with_input(BenchmarkId::new("linear", n), &n, |b, _| {
            b.iter(|| pick::pick_linear(black_box(&rq), &order))
        });
        let mut rng = pick::Rng::new(7);
        g.bench_with_input(BenchmarkId::new("dequeue+enqueue", n), &n, |b, _| {
            b.iter(|| {
                let id = ids[rng.next_u64() as usize % n];
                pick::requeue(&mut rq, id)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = scaling
}
criterion_main!(benches);
