//! The monthly 通报 at scale (SPEC §10): a SYNTHETIC book of 100,000 projects and 1,000,000
//! events over 55 units (5 cities × 10 units under a province), with targets for every unit —
//! the report (every count, score, rate, warning and 撞单) and its JSON view, for the whole
//! province and for one city, plus the book's memory.
//!
//!     cargo bench --bench projects
//!
//! `CHAINSCOUT_BENCH_PROJECTS` (default 100000) sets the size; each project has 10 events.

#[path = "common.rs"]
mod common;

use chainscout::model::project::{Event, Figures, Project, ProjectId, Stage, Targets, Unit, UnitKind};
use chainscout::model::{EnterpriseId, RegionCode};
use chainscout::projects::Book;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};

fn unit(id: &str, parent: Option<&str>) -> Unit {
    Unit {
        id: id.into(),
        name: format!("{id}（合成）"),
        region: RegionCode::parse("320400").unwrap(),
        kind: UnitKind::Park,
        parent: parent.map(Into::into),
        synthetic: true,
    }
}

/// A deterministic synthetic book: each project walks the main line as far as its number says,
/// with figure and note events in between, 10 events in all.
fn book(n: usize) -> Book {
    let mut b = Book::default();
    b.put_unit(unit("province", None));
    let mut leaves = Vec::new();
    for c in 0..5 {
        let city = format!("city-{c}");
        b.put_unit(unit(&city, Some("province")));
        for l in 0..10 {
            let leaf = format!("{city}-u{l}");
            b.put_unit(unit(&leaf, Some(&city)));
            leaves.push(leaf);
        }
    }
    for year in [2025, 2026] {
        for u in &leaves {
            let t = Targets {
                signed: 40.0,
                signed_major: 4.0,
                tech: 10.0,
                started: 30.0,
                completed_100m: 8.0,
                invested: 900_000.0,
                ..Targets::default()
            };
            b.put_targets(u.clone(), year, t);
        }
    }
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut event = 0u64;
    for i in 0..n {
        let id = ProjectId(i as u64 + 1);
        let created = start.checked_add_days(Days::new((i * 7 % 540) as u64)).unwrap();
        b.put_project(Project {
            id,
            name: format!("合成项目{i}"),
            // Most firms are courted once; one in ~50 by a second unit too (撞单).
            enterprise: EnterpriseId(if i % 50 == 7 { (i / 50) as u64 + 1 } else { i as u64 + 1 }),
            unit: leaves[i % leaves.len()].clone(),
            chain: Some(["lithium-battery", "photovoltaic", "biomedicine"][i % 3].into()),
            link: None,
            lead: None,
            investment: [3_000.0, 20_000.0, 150_000.0][i % 3],
            foreign: i % 7 == 0,
            foreign_investment_usd: None,
            tech: i % 3 == 1,
            land_mu: None,
            leader: None,
            contact: None,
            expected_start: Some(created.checked_add_days(Days::new(200)).unwrap()),
            expected_production: None,
            created_at: Utc.from_utc_datetime(&created.and_hms_opt(9, 0, 0).unwrap()),
            created_by: "bench".into(),
            synthetic: true,
        });
        let furthest = 1 + i % 7; // contacted … at_capacity
        let mut date = created;
        for k in 0..10 {
            // A visit, a figure or a stage every month or two: few projects stall.
            date = date.checked_add_days(Days::new(35 + (i % 30) as u64)).unwrap();
            event += 1;
            let stage = (k < furthest).then(|| Stage::LINE[k + 1]);
            let figures = if k >= 4 {
                Figures {
                    invested_total: Some(1_000.0 * k as f64),
                    funds_in_place_total: Some(2_000.0 * k as f64),
                    ..Figures::default()
                }
            } else if stage == Some(Stage::Signed) {
                Figures { signed_amount: Some(10_000.0), ..Figures::default() }
            } else {
                Figures::default()
            };
            b.put_event(Event {
                id: event,
                project: id,
                stage,
                date,
                recorded_at: Utc::now(),
                by: "bench".into(),
                note: None,
                reason: None,
                figures,
                correction: false,
                voids: None,
                synthetic: true,
            });
        }
    }
    b
}

fn bench(c: &mut Criterion) {
    let n: usize =
        std::env::var("CHAINSCOUT_BENCH_PROJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let before = common::rss_mb();
    let t = Instant::now();
    let book = book(n);
    println!(
        "book of {} projects and {} events: built in {:.1} s, {:.0} MB resident",
        book.entries().len(),
        book.event_count(),
        t.elapsed().as_secs_f64(),
        common::rss_mb() - before
    );
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let owner = |_: &str| Some("链长".to_string());
    let graph = chainscout::graph::Graph::with_chains(vec![]);
    let r = book.report(as_of, None, &owner);
    println!(
        "report as of {as_of}: {} unit lines, {} projects, {} 撞单, {} warnings",
        r.units.len(),
        r.projects.len(),
        r.conflicts.len(),
        r.projects.iter().map(|p| p.warnings.len()).sum::<usize>()
    );
    drop(r);
    let mut group = c.benchmark_group("monthly report");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("province: figures", |b| b.iter(|| book.report(as_of, None, &owner).units.len()));
    group.bench_function("province: figures + JSON view", |b| {
        b.iter(|| {
            let r = book.report(as_of, None, &owner);
            let view = chainscout::views::projects::monthly_report(&book, &graph, &r, "2026-06", None);
            serde_json::to_vec(&view).unwrap().len()
        })
    });
    group.bench_function("one city: figures", |b| {
        b.iter(|| book.report(as_of, Some("city-0"), &owner).units.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
