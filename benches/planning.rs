//! Criterion benchmarks of `plan()` on the generated families.

use std::hint::black_box;

use coulisses::planning::plan;
use criterion::{Criterion, criterion_group, criterion_main};

#[path = "common/generate.rs"]
mod generate;

use generate::Family;

const SEED: u64 = 2025;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for family in Family::ALL {
        let problem = family.generate(SEED);
        let once = plan(&problem);
        eprintln!(
            "{}: slots {} positions {} filled {} upper bound {} coverage {:.4} max load {}",
            family.name(),
            once.stats.slots,
            once.stats.positions,
            once.stats.filled,
            once.stats.filled_upper_bound,
            once.stats.coverage,
            once.stats.max_load,
        );
        group.bench_function(family.name(), |b| b.iter(|| plan(black_box(&problem))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
