//! Leads at scale: one chain of 30+ links (锂电池 has 23, 新能源汽车 22; the bench runs the largest
//! and a cross-chain one) over `CHAINSCOUT_BENCH_N` (default 1,000,000) generated enterprises,
//! and the memory the graph of those enterprises takes; the 招商地图's counts and picture and the
//! 区域对标 comparison on the same chains.
//!
//!     cargo bench --bench leads

#[path = "common.rs"]
mod common;

use chainscout::leads::LeadQuery;
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};

fn bench(c: &mut Criterion) {
    let before = common::rss_mb();
    let start = Instant::now();
    let app = common::app();
    println!(
        "open (store + graph + index check): {:.1} s; RSS {:.0} MB → {:.0} MB",
        start.elapsed().as_secs_f64(),
        before,
        common::rss_mb()
    );
    // The graph alone: build a second one from the store and see what it adds.
    let before_graph = common::rss_mb();
    let start = Instant::now();
    let graph = chainscout::app::build_graph(app.store()).unwrap();
    println!(
        "graph of {} enterprises: built in {:.1} s, {:.0} MB resident",
        graph.n_enterprises(),
        start.elapsed().as_secs_f64(),
        common::rss_mb() - before_graph
    );
    drop(graph);

    let query = |limit| LeadQuery {
        region: None,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        kind: None,
        link: None,
        limit,
        offset: 0,
        dismissed: Default::default(),
    };
    println!(
        "\n| chain | links | candidates | cold: analyse + rank, median / p99 | warm: rank, median / p99 |\n|---|---|---|---|---|"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let stats = |mut times: Vec<Duration>| {
        times.sort();
        format!("{:.1} / {:.1} ms", ms(times[times.len() / 2]), ms(times[times.len() * 99 / 100]))
    };
    for chain in ["lithium-battery", "new-energy-vehicle", "integrated-circuit"] {
        let n_links = app.graph().chain(chain).map(|c| c.links.len()).unwrap_or(0);
        let total = app.leads(chain, query(50)).unwrap().total;
        // Cold: what the first request after a write costs (no cached analysis).
        let cold: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(chainscout::leads::leads(&app.graph(), chain, &query(50)).unwrap());
                t.elapsed()
            })
            .collect();
        let warm: Vec<Duration> = (0..40)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(app.leads(chain, query(50)).unwrap());
                t.elapsed()
            })
            .collect();
        println!("| {chain} | {n_links} | {total} | {} | {} |", stats(cold), stats(warm));
    }
    // 招商地图 and 区域对标 (issue 15): what the API does for geo, geo.svg and compare, minus HTTP.
    println!(
        "\n| chain | geo by province | geo by city (广东 within) | map SVG | compare with 上海 | destinations by city |\n|---|---|---|---|---|---|"
    );
    let time = |f: &dyn Fn()| {
        f(); // warm the analysis cache, as a second request finds it
        stats(
            (0..40)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    use chainscout::geo::MapLevel;
    use chainscout::views::geo::{GeoQuery, compare_view, geo_view};
    for chain in ["lithium-battery", "new-energy-vehicle"] {
        let province = GeoQuery { level: MapLevel::Province, within: None, link: None, kind: None };
        let city = GeoQuery {
            level: MapLevel::City,
            within: chainscout::model::RegionCode::parse("440000"),
            ..province.clone()
        };
        let shanghai = chainscout::model::RegionCode::parse("310000");
        println!(
            "| {chain} | {} | {} | {} | {} | {} |",
            time(&|| {
                std::hint::black_box(geo_view(&app, chain, &province).unwrap());
            }),
            time(&|| {
                std::hint::black_box(geo_view(&app, chain, &city).unwrap());
            }),
            time(&|| {
                std::hint::black_box(chainscout::views::geo_svg::china_map(
                    &geo_view(&app, chain, &province).unwrap(),
                ));
            }),
            time(&|| {
                std::hint::black_box(
                    compare_view(&app.graph(), chain, shanghai, MapLevel::Province, 10).unwrap(),
                );
            }),
            time(&|| {
                std::hint::black_box(compare_view(&app.graph(), chain, None, MapLevel::City, 10).unwrap());
            }),
        );
    }
    // The synthetic million makes every 江苏 link strong, so no destinations are ranked there. The
    // heavy case is a region weak in every link: the same lithium map drawn for one county
    // (武进区), on a graph built aside with that chain added.
    let mut chains = app.store().chains().unwrap();
    let mut county = chains.iter().find(|c| c.id == "lithium-battery").unwrap().clone();
    county.id = "county-lithium".into();
    county.region = chainscout::model::RegionCode::parse("320412").unwrap();
    // At 1M every county is strong in every link at the usual threshold: ask for 300 firms, so
    // the links are weak there and every destination is worked out (the most work it can take).
    county.strong_threshold = 300;
    chains.push(county);
    let mut graph = chainscout::graph::Graph::with_chains(chains);
    for facts in app.store().enterprise_facts() {
        graph.insert_new(facts.unwrap());
    }
    let gaps = graph.chain_status("county-lithium").unwrap().counts();
    println!(
        "\n| 锂电池 for 武进区 (strong / weak / missing links: {gaps:?}) | compare with 上海 | destinations by province | by city |\n|---|---|---|---|"
    );
    println!(
        "| county-lithium | {} | {} | {} |",
        time(&|| {
            std::hint::black_box(
                compare_view(&graph, "county-lithium", shanghai_code(), MapLevel::Province, 10).unwrap(),
            );
        }),
        time(&|| {
            std::hint::black_box(
                compare_view(&graph, "county-lithium", None, MapLevel::Province, 10).unwrap(),
            );
        }),
        time(&|| {
            std::hint::black_box(compare_view(&graph, "county-lithium", None, MapLevel::City, 10).unwrap());
        }),
    );
    drop(graph);
    println!();
    let mut group = c.benchmark_group("leads");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    for chain in ["lithium-battery", "integrated-circuit"] {
        group.bench_function(chain, |b| b.iter(|| app.leads(chain, query(50)).unwrap()));
    }
    group.finish();
}

fn shanghai_code() -> Option<chainscout::model::RegionCode> {
    chainscout::model::RegionCode::parse("310000")
}

criterion_group!(benches, bench);
criterion_main!(benches);
