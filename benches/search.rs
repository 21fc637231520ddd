//! Search at scale: query latency (median and p99) for name, short-name, product, filtered and
//! faceted queries, index build rate and index size, over `CHAINSCOUT_BENCH_N` (default 1,000,000)
//! synthetic enterprises from `chainscout gen` plus the demo's listed companies.
//!
//!     cargo bench --bench search                    # 1M: builds once into target/bench-data-N
//!     CHAINSCOUT_BENCH_N=100000 cargo bench --bench search
//!
//! Besides the latency table it prints where one request's time goes (the phases of
//! `App::search_timed`, plus JSON serialisation) and the ratio to raw tantivy: the same words as
//! plain term/phrase queries on the same index, top 20 by score, the 20 stored documents read.
//!
//! The data dir is kept between runs; delete it to measure the build again.
//! `CHAINSCOUT_BENCH_PROFILE=product` runs only the cases whose label starts so, for 20 s, under
//! a profiler (`perf record -g`).

#[path = "common.rs"]
mod common;

use chainscout::app::App;
use chainscout::model::{LinkRef, RegionCode};
use chainscout::search::{SearchRequest, Sort};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};

/// The allocator the binary ships with (`src/main.rs`), so in-process times are the server's:
/// under glibc malloc a brand search spent a fifth of its time in `_int_malloc`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn cases() -> Vec<(&'static str, SearchRequest)> {
    let q = |s: &str| SearchRequest { q: s.into(), limit: 20, facets: false, ..Default::default() };
    vec![
        ("name (2-char part of a name)", q("宁德")),
        ("full name", q("宁德时代新能源科技股份有限公司")),
        ("short name", q("隆基股份")),
        // As users type a firm: 字号 + industry word (the brand class of bench-vs-pgtrgm.sh).
        ("brand (字号 + industry)", q("浩力新能源科技")),
        // The same for a real firm's brand: one firm has it, the median brand query's case.
        ("brand, one firm", q("容百新能源科技")),
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

/// The times of 300 runs of `f`, shortest first.
fn sorted_times(mut f: impl FnMut()) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..300)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

/// Median and p99 over many runs of each case, printed as a table (criterion reports means).
fn distribution(app: &App) {
    println!("\n| query | hits | median | p99 |\n|---|---|---|---|");
    for (label, req) in cases() {
        let total = app.search(&req).unwrap().total;
        let times = sorted_times(|| {
            std::hint::black_box(app.search(&req).unwrap());
        });
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {label} | {total} | {:.2} ms | {:.2} ms |",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100])
        );
    }
    app.set_search_cache(chainscout::search::DEFAULT_CACHE_ENTRIES);
    for (label, req) in cases().into_iter().filter(|(l, _)| l.starts_with("product") || l.starts_with("two"))
    {
        app.search(&req).unwrap();
        let times = sorted_times(|| {
            std::hint::black_box(app.search(&req).unwrap());
        });
        println!(
            "| {label}, from the result cache | | {:.3} ms | {:.3} ms |",
            times[150].as_secs_f64() * 1e3,
            times[297].as_secs_f64() * 1e3
        );
    }
    app.set_search_cache(0);
    println!();
}

/// Median time of each phase over 300 runs of each case.
fn phases(app: &App) {
    let names: Vec<&str> = chainscout::search::Phases::default().named().iter().map(|(n, _)| *n).collect();
    println!("\nmedian µs per phase\n\n| query | {} | serialise | total |", names.join(" | "));
    println!("|---|{}---|---|", "---|".repeat(names.len()));
    for (label, req) in cases() {
        let mut runs: Vec<Vec<Duration>> = vec![Vec::new(); names.len() + 2];
        for _ in 0..300 {
            let (results, p) = app.search_timed(&req).unwrap();
            let start = Instant::now();
            std::hint::black_box(serde_json::to_vec(&results).unwrap());
            let serialise = start.elapsed();
            for (i, (_, d)) in p.named().iter().enumerate() {
                runs[i].push(*d);
            }
            runs[names.len()].push(serialise);
            runs[names.len() + 1].push(p.total() + serialise);
        }
        let cells: Vec<String> = runs
            .iter_mut()
            .map(|v| {
                v.sort();
                format!("{:.0}", v[v.len() / 2].as_secs_f64() * 1e6)
            })
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    println!();
}

/// Raw tantivy on the same index: each word as a phrase of its bigrams in names or products (a
/// term when it is one bigram), all words required, top 20 by score, the stored documents read.
mod raw {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, IndexReader, Term};

    pub struct Raw {
        reader: IndexReader,
        names: tantivy::schema::Field,
        products: tantivy::schema::Field,
    }

    fn bigrams(word: &str) -> Vec<String> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 2 {
            return vec![word.to_string()];
        }
        chars.windows(2).map(|w| w.iter().collect()).collect()
    }

    impl Raw {
        pub fn open(dir: &std::path::Path) -> Raw {
            let index = Index::open_in_dir(dir).unwrap();
            let schema = index.schema();
            Raw {
                reader: index.reader().unwrap(),
                names: schema.get_field("names_bigram").unwrap(),
                products: schema.get_field("products_bigram").unwrap(),
            }
        }

        fn phrase(field: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
            let grams = bigrams(word);
            if grams.len() == 1 {
                return Box::new(TermQuery::new(
                    Term::from_field_text(field, &grams[0]),
                    IndexRecordOption::WithFreqs,
                ));
            }
            Box::new(PhraseQuery::new(grams.iter().map(|g| Term::from_field_text(field, g)).collect()))
        }

        /// Hits found and documents read.
        pub fn search(&self, q: &str) -> (usize, usize) {
            let words: Vec<Box<dyn Query>> = q
                .split_whitespace()
                .map(|w| -> Box<dyn Query> {
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Should, Self::phrase(self.names, w)),
                        (Occur::Should, Self::phrase(self.products, w)),
                    ]))
                })
                .collect();
            let query = BooleanQuery::new(words.into_iter().map(|w| (Occur::Must, w)).collect());
            let searcher = self.reader.searcher();
            let (top, count) =
                searcher.search(&query, &(TopDocs::with_limit(20).order_by_score(), Count)).unwrap();
            let mut read = 0;
            for (_, address) in top {
                let _doc: tantivy::TantivyDocument = searcher.doc(address).unwrap();
                read += 1;
            }
            (count, read)
        }
    }
}

/// Our whole search (the app's part and serialisation included) against raw tantivy.
fn ratio(app: &App) {
    let raw = raw::Raw::open(&chainscout::search::index_dir(&common::data_dir()));
    let median = |f: &mut dyn FnMut()| sorted_times(f)[150].as_secs_f64() * 1e6;
    println!(
        "\n| query | raw tantivy hits | raw µs | chainscout hits | chainscout µs | ratio |\n|---|---|---|---|---|---|"
    );
    for (label, q) in [
        ("name part", "宁德"),
        ("short name", "隆基股份"),
        ("product", "正极材料"),
        ("product", "储能"),
        ("two words", "常州 电池"),
    ] {
        let req = SearchRequest { q: q.into(), limit: 20, facets: false, ..Default::default() };
        let (raw_hits, _) = raw.search(q);
        let ours_hits = app.search(&req).unwrap().total;
        let raw_us = median(&mut || {
            std::hint::black_box(raw.search(q));
        });
        let ours_us = median(&mut || {
            std::hint::black_box(serde_json::to_vec(&app.search(&req).unwrap()).unwrap());
        });
        println!(
            "| {label} ({q}) | {raw_hits} | {raw_us:.0} | {ours_hits} | {ours_us:.0} | {:.2}× |",
            ours_us / raw_us
        );
    }
    println!();
}

/// One case over and over for 20 s, for a profiler (`perf record`) to watch: the cases whose
/// label starts with `prefix`.
fn profile(app: &App, prefix: &str) {
    let reqs: Vec<SearchRequest> =
        cases().into_iter().filter(|(l, _)| l.starts_with(prefix)).map(|(_, r)| r).collect();
    assert!(!reqs.is_empty(), "no case starts with {prefix}");
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < Duration::from_secs(20) {
        for req in &reqs {
            std::hint::black_box(serde_json::to_vec(&app.search(req).unwrap()).unwrap());
            runs += 1;
        }
    }
    println!("{runs} searches in 20 s: {:.0} µs each", 20e6 / runs as f64);
}

fn bench(c: &mut Criterion) {
    let app = common::app();
    // Every run computes its answer; the cache is measured on its own below.
    app.set_search_cache(0);
    if std::env::var_os("CHAINSCOUT_BENCH_MERGE").is_some() {
        let start = Instant::now();
        let before = app.index_segments();
        app.merge_index_segments().unwrap();
        println!(
            "merged {before} segments into {} in {:.1} s",
            app.index_segments(),
            start.elapsed().as_secs_f64()
        );
    }
    println!("index segments: {}", app.index_segments());
    if let Some(prefix) = std::env::var_os("CHAINSCOUT_BENCH_PROFILE") {
        profile(&app, &prefix.to_string_lossy());
        return;
    }
    distribution(&app);
    phases(&app);
    ratio(&app);
    if std::env::var_os("CHAINSCOUT_BENCH_TABLES_ONLY").is_some() {
        return;
    }
    let mut group = c.benchmark_group("search");
    group.sample_size(50).measurement_time(Duration::from_secs(3));
    for (label, req) in cases() {
        group.bench_function(label, |b| b.iter(|| app.search(&req).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
