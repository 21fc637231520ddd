//! Search at scale: query latency (median and p99) for name, short-name, product, filtered and
//! faceted queries, index build rate and index size, over `CHAINSCOUT_BENCH_N` (default 1,000,000)
//! synthetic enterprises from `chainscout gen` plus the demo's listed companies.
//!
//!     cargo bench --bench search                    # 1M: builds once into target/bench-data-N
//!     CHAINSCOUT_BENCH_N=100000 cargo bench --bench search
//!
//! The data dir is kept between runs; delete it to measure the build again.

use chainscout::app::App;
use chainscout::model::{LinkRef, RegionCode};
use chainscout::search::{SearchRequest, Sort};
use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn n_enterprises() -> usize {
    std::env::var("CHAINSCOUT_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { dir_size(&p) } else { e.metadata().map(|m| m.len()).unwrap_or(0) }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Opens (building on first use) the bench data dir.
fn app() -> App {
    let n = n_enterprises();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data-{n}"));
    let fresh = !dir.join("store").exists();
    let app = App::open(&dir).expect("open bench data dir");
    if fresh {
        let file = dir.join("gen.jsonl");
        chainscout::generate::write_file(&file, n, 42, &mut |_, _| {}).unwrap();
        app.load_demo(&mut |_, _| {}).unwrap();
        let start = Instant::now();
        let table = chainscout::import::read_file(&file, None).unwrap();
        let report = app.import_table(table, None, &mut |_, _| {}).unwrap();
        let import = start.elapsed();
        let start = Instant::now();
        app.rebuild_index(&mut |_, _| {}).unwrap();
        let rebuild = start.elapsed();
        let total = app.store().count_enterprises();
        println!(
            "build: import {} rows in {:.1} s ({:.0} rows/s, store + graph + index); index rebuild of {} in {:.1} s ({:.0} docs/s)",
            report.inserted,
            import.as_secs_f64(),
            report.inserted as f64 / import.as_secs_f64(),
            total,
            rebuild.as_secs_f64(),
            total as f64 / rebuild.as_secs_f64()
        );
        let _ = std::fs::remove_file(file);
    }
    println!(
        "data: {} enterprises; index {:.0} MB, store {:.0} MB",
        app.store().count_enterprises(),
        dir_size(&dir.join("search")) as f64 / 1e6,
        dir_size(&dir.join("store")) as f64 / 1e6
    );
    app
}

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
    let app = app();
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
