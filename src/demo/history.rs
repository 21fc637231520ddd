//! A SYNTHETIC project history for the demo (SPEC §10): units for 江苏省 and its cities, yearly
//! targets, and about 130 projects over the 18 months before `today`, moved along the stages with
//! running figures — so a leader opening the demo sees a populated 通报, a ranking with cards,
//! warnings of every kind and one 撞单. Every unit, project and event is marked `synthetic`; the
//! enterprises are the demo's real listed companies, the projects on them are invented.
//! Deterministic for a seed and a date.

use crate::generate::Rng;
use crate::model::EnterpriseId;
use crate::model::project::{Event, Figures, Project, ProjectId, Stage, Targets, Unit, UnitKind};
use crate::store::BookChange;
use chrono::{Datelike, Days, NaiveDate, TimeZone, Utc};

/// A demo enterprise a project may court: id, name and a chain link it is on.
pub struct Candidate {
    pub id: EnterpriseId,
    pub name: String,
    pub chain: String,
    pub link: String,
}

/// (id, name, region, kind, parent); the leaves own the projects.
const UNITS: &[(&str, &str, &str, UnitKind, Option<&str>)] = &[
    ("jiangsu", "江苏省商务厅（示例）", "320000", UnitKind::Department, None),
    ("nanjing", "南京市投资促进局（示例）", "320100", UnitKind::Department, Some("jiangsu")),
    ("jiangning", "江宁区招商局（示例）", "320115", UnitKind::District, Some("nanjing")),
    ("suzhou", "苏州市商务局（示例）", "320500", UnitKind::Department, Some("jiangsu")),
    ("suzhou-hnd", "苏州高新区招商局（示例）", "320505", UnitKind::Park, Some("suzhou")),
    ("wuxi", "无锡市商务局（示例）", "320200", UnitKind::Department, Some("jiangsu")),
    ("changzhou", "常州市商务局（示例）", "320400", UnitKind::Department, Some("jiangsu")),
    ("wujin", "武进国家高新区招商局（示例）", "320412", UnitKind::Park, Some("changzhou")),
    ("xinbei", "新北区招商局（示例）", "320411", UnitKind::District, Some("changzhou")),
    ("changzhou-ev", "常州市新能源招商小组（示例）", "320400", UnitKind::Team, Some("changzhou")),
];

const LEAVES: &[&str] = &["jiangning", "suzhou-hnd", "wuxi", "wujin", "xinbei", "changzhou-ev", "nanjing"];
const LEADERS: &[&str] = &["王副区长", "李主任", "张局长", "陈书记", "刘副市长", "赵主任"];
const INVESTMENTS: &[f64] = &[3_000.0, 8_000.0, 12_000.0, 20_000.0, 35_000.0, 60_000.0, 120_000.0, 200_000.0];
/// Where a project's story ends, with weights (per 100).
const ENDINGS: &[(Stage, u32)] = &[
    (Stage::Lead, 8),
    (Stage::Contacted, 14),
    (Stage::Negotiating, 14),
    (Stage::Signed, 20),
    (Stage::Started, 15),
    (Stage::Completed, 8),
    (Stage::Producing, 10),
    (Stage::AtCapacity, 4),
    (Stage::OnHold, 3),
    (Stage::Dropped, 4),
];

fn ending(rng: &mut Rng) -> Stage {
    let mut roll = rng.below(100) as u32;
    for (s, w) in ENDINGS {
        if roll < *w {
            return *s;
        }
        roll -= w;
    }
    Stage::Lead
}

fn at(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(10, 0, 0).expect("valid"))
}

/// The demo history as book changes, in an order they can be stored in.
pub fn history(candidates: &[Candidate], today: NaiveDate, seed: u64) -> Vec<BookChange> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for (id, name, region, kind, parent) in UNITS {
        out.push(BookChange::Unit(Unit {
            id: id.to_string(),
            name: name.to_string(),
            region: crate::model::RegionCode::parse(region).expect("a demo region"),
            kind: *kind,
            parent: parent.map(str::to_string),
            synthetic: true,
        }));
    }
    for year in [today.year() - 1, today.year()] {
        for (i, unit) in LEAVES.iter().enumerate() {
            let spread = 1.0 + (i % 3) as f64 * 0.35;
            out.push(BookChange::Targets {
                unit: unit.to_string(),
                year,
                targets: Targets {
                    signed: (4.0 * spread).round(),
                    signed_major: 1.0,
                    foreign: if i % 2 == 0 { 1.0 } else { 0.0 },
                    tech: 2.0,
                    started: (3.0 * spread).round(),
                    started_major: if i % 3 == 0 { 1.0 } else { 0.0 },
                    completed_100m: 1.0,
                    invested: 60_000.0 * spread,
                    foreign_received_usd: 0.0,
                    ..Targets::default()
                },
            });
        }
        out.push(BookChange::Targets {
            unit: "changzhou".into(),
            year,
            targets: Targets {
                signed: 12.0,
                signed_major: 3.0,
                started: 9.0,
                invested: 200_000.0,
                ..Targets::default()
            },
        });
    }
    if candidates.is_empty() {
        return out;
    }
    let start = today.checked_sub_days(Days::new(540)).expect("valid");
    let mut event_id = 0u64;
    let mut projects = 0u64;
    let mut add_project = |rng: &mut Rng,
                           out: &mut Vec<BookChange>,
                           c: &Candidate,
                           unit: &str,
                           created: NaiveDate,
                           end: Stage| {
        projects += 1;
        let id = ProjectId(projects);
        let investment = *rng.pick(INVESTMENTS) * (0.8 + 0.4 * rng.unit());
        let investment = (investment / 100.0).round() * 100.0;
        // Planned start dates are known for about half the projects that get to talks.
        let expected_start = (end >= Stage::Negotiating && rng.chance(0.5))
            .then(|| created.checked_add_days(Days::new(200 + rng.below(250) as u64)))
            .flatten();
        out.push(BookChange::Project(Project {
            id,
            name: format!(
                "{}{}项目（示例）",
                c.name.trim_end_matches("股份有限公司").trim_end_matches("有限公司"),
                ["扩产", "研发中心", "生产基地", "总部"][rng.below(4)]
            ),
            enterprise: c.id,
            unit: unit.to_string(),
            chain: Some(c.chain.clone()),
            link: Some(c.link.clone()),
            lead: None,
            investment,
            foreign: rng.chance(0.15),
            foreign_investment_usd: None,
            tech: rng.chance(0.4),
            land_mu: Some((investment / 600.0).round().max(10.0)),
            leader: Some(rng.pick(LEADERS).to_string()),
            contact: None,
            expected_start,
            expected_production: expected_start.and_then(|d| d.checked_add_days(Days::new(365))),
            created_at: at(created),
            created_by: "demo".into(),
            synthetic: true,
        }));
        let path: Vec<Stage> = match end {
            Stage::OnHold | Stage::Dropped => {
                let upto = Stage::LINE[1 + rng.below(3)];
                Stage::LINE.iter().copied().filter(|s| *s > Stage::Lead && *s <= upto).chain([end]).collect()
            }
            s => Stage::LINE.iter().copied().filter(|x| *x > Stage::Lead && *x <= s).collect(),
        };
        let mut date = created;
        let mut invested = 0.0;
        let mut funds = 0.0;
        let mut event = |date: NaiveDate, stage: Option<Stage>, figures: Figures, reason: Option<&str>| {
            event_id += 1;
            Event {
                id: event_id,
                project: id,
                stage,
                date,
                recorded_at: at(date),
                by: "demo".into(),
                note: None,
                reason: reason.map(str::to_string),
                figures,
                correction: false,
                voids: None,
                synthetic: true,
            }
        };
        for stage in path {
            let gap = match stage {
                Stage::Started => 40 + rng.below(60),
                Stage::Completed => 90 + rng.below(90),
                Stage::Producing | Stage::AtCapacity => 30 + rng.below(60),
                _ => 15 + rng.below(45),
            };
            let next = date.checked_add_days(Days::new(gap as u64)).expect("valid");
            if next > today {
                break;
            }
            date = next;
            let mut f = Figures::default();
            let reason = match stage {
                Stage::Dropped => Some(if rng.chance(0.5) { "no_interest" } else { "选址未落实" }),
                Stage::OnHold => Some("企业融资未到位"),
                _ => None,
            };
            match stage {
                Stage::Signed => {
                    f.signed_amount = Some((investment * (0.85 + 0.15 * rng.unit())).round());
                    funds = (investment * 0.1).round();
                    f.funds_in_place_total = Some(funds);
                }
                Stage::Started | Stage::Completed | Stage::Producing | Stage::AtCapacity => {
                    invested += (investment * (0.15 + 0.2 * rng.unit())).round();
                    invested = invested.min(investment);
                    funds = (funds + investment * 0.2).min(investment).round();
                    f.invested_total = Some(invested);
                    f.funds_in_place_total = Some(funds);
                }
                _ => {}
            }
            out.push(BookChange::Event(event(date, Some(stage), f, reason)));
            if stage == Stage::Started && rng.chance(0.6) {
                // A progress report on the investment between stages.
                let later = date.checked_add_days(Days::new(30 + rng.below(60) as u64)).expect("valid");
                if later <= today {
                    invested = (invested + investment * 0.1).min(investment).round();
                    out.push(BookChange::Event(event(
                        later,
                        None,
                        Figures { invested_total: Some(invested), ..Figures::default() },
                        None,
                    )));
                    date = later;
                }
            }
        }
        // Most teams keep visiting a live project: a follow-up note every month or two.
        let last_stage = out.iter().rev().find_map(|c| match c {
            BookChange::Event(e) if e.project == id => e.stage,
            _ => None,
        });
        if last_stage.is_none_or(|s| s.is_active()) && rng.chance(0.75) {
            loop {
                let next = date.checked_add_days(Days::new(30 + rng.below(60) as u64)).expect("valid");
                if next > today {
                    break;
                }
                date = next;
                let mut e = event(date, None, Figures::default(), None);
                e.note = Some(["走访企业", "电话沟通", "上门洽谈", "协调用地"][rng.below(4)].into());
                out.push(BookChange::Event(e));
            }
        }
    };
    let mut used = std::collections::HashSet::new();
    for n in 0..130 {
        let mut i = rng.below(candidates.len());
        while !used.insert(i) && used.len() < candidates.len() {
            i = (i + 1) % candidates.len();
        }
        let c = &candidates[i];
        let unit = LEAVES[n % LEAVES.len()];
        let end = ending(&mut rng);
        // A story that gets to a plant began early in the window.
        let window = if end >= Stage::Completed && end.on_line() { 150 } else { 520 };
        let created = start.checked_add_days(Days::new(rng.below(window) as u64)).expect("valid");
        add_project(&mut rng, &mut out, c, unit, created, end);
    }
    // One 撞单: a firm courted by 武进 first, then by 苏州高新区, both still pursuing it.
    let i = (0..candidates.len()).find(|i| !used.contains(i)).unwrap_or(0);
    let c = &candidates[i];
    let first = today.checked_sub_days(Days::new(120)).expect("valid");
    add_project(&mut rng, &mut out, c, "wujin", first, Stage::Negotiating);
    add_project(
        &mut rng,
        &mut out,
        c,
        "suzhou-hnd",
        first.checked_add_days(Days::new(30)).expect("valid"),
        Stage::Contacted,
    );
    out
}
