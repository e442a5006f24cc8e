//! Criterion: every operation of `eevdf_bench::ops` (the Rust API and the C
//! baseline, same loop, same inputs), reported per operation (one criterion
//! iteration runs the NIN inputs once). `make bench`; the interleaved
//! comparison table is `eevdf-bench time` (`make bench-compare`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eevdf_bench::c::NIN;
use eevdf_bench::ops;

fn operations(c: &mut Criterion) {
    assert_eq!(
        eevdf_bench::check::run().map(|_| ()),
        Ok(()),
        "library != C baseline"
    );
    for op in ops::all() {
        let mut g = c.benchmark_group(op.name);
        g.throughput(Throughput::Elements(NIN as u64));
        let rust = op.rust;
        g.bench_function("rust", |b| b.iter(|| rust(1)));
        if let Some(nf) = op.noflag {
            g.bench_function("rust-noflag", |b| b.iter(|| nf(1)));
        }
        let cf = op.c;
        // SAFETY: the C loops only read the static inputs.
        g.bench_function("c", |b| b.iter(|| unsafe { cf(1) }));
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30);
    targets = operations
}
criterion_main!(benches);
