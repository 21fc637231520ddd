//! The monthly report over a small history whose every figure was worked out by hand (the
//! arithmetic is in the comments), and the warnings at and just past each threshold.

use super::report::{Report, month_end};
use super::*;
use crate::model::EnterpriseId;
use crate::model::project::{Event, Figures, Stage, Targets, UnitKind};
use chrono::{NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn unit(id: &str, parent: Option<&str>) -> Unit {
    Unit {
        id: id.into(),
        name: format!("{id}单位"),
        region: crate::model::RegionCode::parse("320400").unwrap(),
        kind: UnitKind::Park,
        parent: parent.map(Into::into),
        synthetic: false,
    }
}

fn project(id: u64, unit: &str, enterprise: u64, investment: f64, created: &str) -> Project {
    Project {
        id: ProjectId(id),
        name: format!("项目{id}"),
        enterprise: EnterpriseId(enterprise),
        unit: unit.into(),
        chain: Some("lithium-battery".into()),
        link: None,
        lead: None,
        investment,
        foreign: false,
        foreign_investment_usd: None,
        tech: false,
        land_mu: None,
        leader: None,
        contact: None,
        expected_start: None,
        expected_production: None,
        created_at: Utc.from_utc_datetime(&d(created).and_hms_opt(9, 0, 0).unwrap()),
        created_by: "test".into(),
        synthetic: false,
    }
}

struct Events(u64);

impl Events {
    fn add(&mut self, book: &mut Book, p: u64, stage: Option<Stage>, date: &str, f: Figures) {
        self.0 += 1;
        book.put_event(Event {
            id: self.0,
            project: ProjectId(p),
            stage,
            date: d(date),
            recorded_at: Utc::now(),
            by: "test".into(),
            note: None,
            reason: None,
            figures: f,
            correction: false,
            voids: None,
            synthetic: false,
        });
    }
}

fn figures(signed: Option<f64>, invested: Option<f64>, funds: Option<f64>) -> Figures {
    Figures {
        signed_amount: signed,
        invested_total: invested,
        funds_in_place_total: funds,
        foreign_received_total_usd: None,
    }
}

/// city ⊃ {a, b}. Unit a: P1 (重特大, 科技型), P2, P3, P4 (亿元以上), P5; unit b: P6, the same firm as P2.
fn fixture() -> Book {
    let mut b = Book::default();
    b.put_unit(unit("city", None));
    b.put_unit(unit("a", Some("city")));
    b.put_unit(unit("b", Some("city")));
    let mut p1 = project(1, "a", 101, 150_000.0, "2023-11-01");
    p1.tech = true;
    b.put_project(p1);
    b.put_project(project(2, "a", 102, 20_000.0, "2024-01-20"));
    b.put_project(project(3, "a", 103, 5_000.0, "2023-09-20"));
    b.put_project(project(4, "a", 104, 12_000.0, "2023-05-01"));
    let mut p5 = project(5, "a", 105, 3_000.0, "2024-06-01");
    p5.expected_start = Some(d("2024-06-01"));
    b.put_project(p5);
    b.put_project(project(6, "b", 102, 20_000.0, "2024-02-20"));
    let mut e = Events(0);
    let none = Figures::default();
    e.add(&mut b, 1, Some(Stage::Contacted), "2023-11-10", none);
    e.add(&mut b, 1, Some(Stage::Signed), "2024-01-15", figures(Some(150_000.0), None, Some(20_000.0)));
    e.add(&mut b, 1, Some(Stage::Started), "2024-03-01", none);
    e.add(&mut b, 1, None, "2024-05-10", figures(None, Some(6_000.0), Some(30_000.0)));
    e.add(&mut b, 2, Some(Stage::Signed), "2024-02-01", figures(Some(20_000.0), None, None));
    e.add(&mut b, 3, Some(Stage::Negotiating), "2023-10-01", none);
    e.add(&mut b, 4, Some(Stage::Signed), "2023-06-01", none);
    e.add(&mut b, 4, Some(Stage::Started), "2023-09-01", figures(None, Some(2_000.0), None));
    e.add(&mut b, 4, None, "2024-04-01", figures(None, Some(5_000.0), None));
    e.add(&mut b, 4, Some(Stage::Completed), "2024-05-20", none);
    e.add(&mut b, 5, Some(Stage::Contacted), "2024-06-10", none);
    e.add(&mut b, 6, Some(Stage::Contacted), "2024-03-01", none);
    b.put_targets(
        "a".into(),
        2024,
        Targets { signed: 4.0, signed_major: 1.0, started: 2.0, invested: 10_000.0, ..Targets::default() },
    );
    b.put_targets("b".into(), 2024, Targets { signed: 2.0, ..Targets::default() });
    b
}

fn report<'b>(b: &'b Book, as_of: &str) -> Report<'b> {
    b.report(d(as_of), None, &|_| Some("张链长".to_string()))
}

fn line<'r>(r: &'r Report, unit: &str) -> &'r report::UnitLine {
    r.units.iter().find(|l| l.unit == unit).unwrap()
}

#[test]
fn june_counts_score_and_rates_match_the_hand_worked_figures() {
    let b = fixture();
    let r = report(&b, "2024-06-30");
    let a = line(&r, "a");
    // signed: P1 (01-15), P2 (02-01); major and tech: P1; started: P1; 亿元以上竣工: P4;
    // invested: P1 6000 − 0, P4 5000 − 2000 (its total at the end of 2023).
    assert_eq!(a.tally.counts, [2.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 9_000.0, 0.0]);
    // p = 6/12. signed 2/(4·0.5) = 1.0; major 1/(1·0.5) = 2 → cap 1.2; started 1/(2·0.5) = 1.0;
    // invested 9000/(10000·0.5) = 1.8 → 1.2. attract = (1.0+1.2)/2 = 1.1, start = 1.0, invest = 1.2,
    // complete has no target: (30·1.1 + 30·1.0 + 20·1.2) · 100/80 = 87 · 1.25 = 108.75.
    let s = a.score.as_ref().unwrap();
    assert_eq!(s.score, 108.75);
    assert_eq!(s.components, vec![("attract", 1.1), ("start", 1.0), ("invest", 1.2)]);
    assert_eq!((s.card, a.rank), (None, Some(1)));
    // Rate set: P1, P2 (signed in 2024), P5 (taken up in 2024). 签约 2/3, 开工 1/2, 投产 0/1,
    // 达产 none producing → null, 资金到位 30000 / (150000 + 20000).
    let rates = a.tally.rates();
    assert_eq!(rates.signing_rate, Some(2.0 / 3.0));
    assert_eq!(rates.start_rate, Some(0.5));
    assert_eq!(rates.production_rate, Some(0.0));
    assert_eq!(rates.capacity_rate, None);
    assert_eq!(rates.funds_rate, Some(30_000.0 / 170_000.0));
    // stalled: P2 (02-01 + 90 days = 05-01), P3 (2023-10-01 + 90 = 2023-12-30); overdue: P5.
    assert_eq!(a.tally.warnings, [0, 2, 0, 1]);
    // b signed nothing against 2: score 0, red, ranked second; the city has no targets.
    let bl = line(&r, "b");
    assert_eq!(
        (bl.score.as_ref().unwrap().score, bl.score.as_ref().unwrap().card, bl.rank),
        (0.0, Some("red"), Some(2))
    );
    let city = line(&r, "city");
    assert_eq!((city.score.is_none(), city.rank), (true, None));
    assert_eq!(city.tally.projects, 6, "the city's line holds its subtree");
    assert_eq!(r.units.iter().map(|l| l.unit.as_str()).collect::<Vec<_>>(), vec!["a", "b", "city"]);
    // 撞单: P2 (a, recorded first) and P6 (b) for enterprise 102.
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!((r.conflicts[0].first, r.conflicts[0].second), (ProjectId(2), ProjectId(6)));
    assert_eq!(r.chains.len(), 1);
    assert_eq!(r.owners[0].key, "张链长");
    assert_eq!(r.owners[0].tally.projects, 6);
}

#[test]
fn a_past_month_is_the_same_whatever_was_recorded_later() {
    let b = fixture();
    let r = report(&b, "2024-03-31");
    let a = line(&r, "a");
    // By March: signed P1, P2; started P1; P4 not completed; invested P1 none yet, P4 2000 − 2000.
    assert_eq!(a.tally.counts, [2.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(a.tally.projects, 4, "P5 was not taken up yet");
}

#[test]
fn warnings_fire_on_the_day_their_threshold_is_reached() {
    let b = fixture();
    let kinds = |as_of: &str, p: u64| -> Vec<&'static str> {
        let e = b.entry(ProjectId(p)).unwrap();
        b.on_date(e, d(as_of)).unwrap().warnings.iter().map(|w| w.kind).collect()
    };
    // P2 signed 2024-02-01, nothing since: stalled at +90 days, shadow at +6 months.
    assert_eq!(kinds("2024-04-30", 2), Vec::<&str>::new());
    assert_eq!(kinds("2024-05-01", 2), vec!["stalled"]);
    assert_eq!(kinds("2024-07-31", 2), vec!["stalled"]);
    assert_eq!(kinds("2024-08-01", 2), vec!["shadow", "stalled"]);
    // P4 completed 2024-05-20: 空巢 six months on.
    assert!(!kinds("2024-11-19", 4).contains(&"empty_nest"));
    assert!(kinds("2024-11-20", 4).contains(&"empty_nest"));
    // P5 expected to start 2024-06-01: overdue from the day after.
    let mut early = Book::default();
    early.put_unit(unit("a", None));
    let mut p = project(5, "a", 105, 3_000.0, "2024-05-01");
    p.expected_start = Some(d("2024-06-01"));
    early.put_project(p);
    let e = early.entry(ProjectId(5)).unwrap();
    assert!(early.on_date(e, d("2024-06-01")).unwrap().warnings.is_empty());
    assert_eq!(early.on_date(e, d("2024-06-02")).unwrap().warnings[0].kind, "overdue_start");
}

#[test]
fn shadow_projects_cost_points_and_a_year_without_targets_has_no_score() {
    let b = fixture();
    // August: p = 8/12. signed 2/(4·8/12) = 0.75, major 1/(8/12) = 1.5 → 1.2, started 1/(2·8/12) = 0.75,
    // invested 9000/(10000·8/12) = 1.35 → 1.2. attract 0.975, start 0.75, invest 1.2:
    // (29.25 + 22.5 + 24) · 1.25 = 94.6875, less 1 point for P2, a 影子项目 since 08-01 → 93.69 (yellow? no: ≥ 80).
    let r = report(&b, "2024-08-31");
    let s = line(&r, "a").score.clone().unwrap();
    assert_eq!((s.shadow_penalty, s.score, s.card), (1.0, 93.69, None));
    let next_year = report(&b, "2025-01-31");
    assert!(next_year.units.iter().all(|l| l.score.is_none() && l.rank.is_none()));
    assert_eq!(month_end(2024, 2), Some(d("2024-02-29")));
}
