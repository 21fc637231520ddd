//! Search at scale: query latency (median and p99) for name, short-name, product, filtered and
//! faceted queries, index build rate and index size, over `CHAINSCOUT_BENCH_N` (default 1,000,000)
//! synthetic enterprises from `chainscout gen` plus the demo's listed companies.
//!
//!     cargo bench --bench search                    # 1M: builds once into target/bench-data-N
//!     CHAINSCOUT_BENCH_N=100000 cargo bench --bench search
//!
//! The data dir is kept between runs; delete it to measure the build again.

#[path = "common.rs"]
mod common;

use chainscout::app::App;
use chainscout::model::{LinkRef, RegionCode};
use chainscout::search::{SearchRequest, Sort};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};

fn cases() -> Vec<(&'static str, SearchRequest)> {
    let q = |s: &str| SearchRequest { q: s.into(), limit: 20, facets: false, ..Default::default() };
    vec![
        ("name (2-char part of a name)", q("宁德")),
        ("full name", q("宁德时代新能源科技股份有限公司")),
        ("short name", q("隆基股份")),
        ("product", q("正极材料")),
        ("two words", q("常州 电池")),
        (
            "filtered (region + capital + product)",
            SearchRequest { region: RegionCode::parse("320000"), capital_min: Some(1000.0), ..q("电芯") },
        ),
        (
            "link filter, by capital",
            SearchRequest { link: LinkRef::parse("lithium-battery/cathode"), sort: Sort::Capital, ..q("") },
        ),
        ("faceted product", SearchRequest { facets: true, ..q("储能") }),
        ("faceted, no words (all)", SearchRequest { facets: true, ..q("") }),
    ]
}

/// Median and p99 over many runs of each case, printed as a table (criterion reports means).
fn distribution(app: &App) {
    println!("\n| query | hits | median | p99 |\n|---|---|---|---|");
    for (label, req) in cases() {
        let total = app.search(&req).unwrap().total;
        let mut times: Vec<Duration> = (0..300)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(app.search(&req).unwrap());
                start.elapsed()
            })
            .collect();
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {label} | {total} | {:.2} ms | {:.2} ms |",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100])
        );
    }
    println!();
}

fn bench(c: &mut Criterion) {
    let app = common::app();
    distribution(&app);
    let mut group = c.benchmark_group("search");
    group.sample_size(50).measurement_time(Duration::from_secs(3));
    for (label, req) in cases() {
        group.bench_function(label, |b| b.iter(|| app.search(&req).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
