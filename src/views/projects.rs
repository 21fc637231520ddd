//! The JSON shapes of SPEC §10 — units, projects with their state and events, conflicts, the
//! monthly report — and the report's workbook (汇总, 项目明细, 预警, 撞单). Built from the book as
//! of a date, with names from the graph.

use crate::export::{Cell, Sheet};
use crate::graph::Graph;
use crate::model::project::{Event, Figures, LeadOrigin, Stage, Targets, Unit, UnitKind};
use crate::projects::report::{Conflict, Rates, Report, Tally, WARNING_KINDS, Warning, round};
use crate::projects::{Book, Entry, Published};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub region: String,
    pub region_name: String,
    pub kind: UnitKind,
    pub parent: Option<String>,
    /// Years with targets.
    pub target_years: Vec<i32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
}

pub fn unit_view(book: &Book, u: &Unit) -> UnitView {
    let mut years: Vec<i32> = book.targets.keys().filter(|(id, _)| *id == u.id).map(|(_, y)| *y).collect();
    years.sort();
    UnitView {
        id: u.id.clone(),
        name: u.name.clone(),
        region: u.region.to_string(),
        region_name: crate::model::regions().full_name(u.region),
        kind: u.kind,
        parent: u.parent.clone(),
        target_years: years,
        synthetic: u.synthetic,
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UnitList {
    pub units: Vec<UnitView>,
}

/// `PUT /api/v1/units/{id}/targets/{year}`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct TargetsView {
    pub unit: String,
    pub year: i32,
    #[serde(flatten)]
    pub targets: Targets,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct WarningView {
    /// shadow | stalled | empty_nest | overdue_start
    pub kind: std::borrow::Cow<'static, str>,
    pub label: std::borrow::Cow<'static, str>,
    pub project: String,
    pub project_name: String,
    pub unit: String,
    pub since: NaiveDate,
}

pub fn warning_label(kind: &str) -> &'static str {
    match kind {
        "shadow" => "影子项目（签约未开工）",
        "stalled" => "推进停滞",
        "empty_nest" => "空巢（竣工未投产）",
        _ => "逾期未开工",
    }
}

fn warning_view(entry: &Entry, w: &Warning) -> WarningView {
    WarningView {
        kind: w.kind.into(),
        label: warning_label(w.kind).into(),
        project: w.project.to_string(),
        project_name: entry.project.name.clone(),
        unit: entry.project.unit.clone(),
        since: w.since,
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct EventView {
    pub id: u64,
    pub project: String,
    pub stage: Option<Stage>,
    pub stage_label: Option<String>,
    pub date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub by: String,
    pub note: Option<String>,
    pub reason: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub correction: bool,
    pub voids: Option<u64>,
    /// Struck by a later correction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub voided: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
}

pub fn event_view(e: &Event, voided: bool) -> EventView {
    EventView {
        id: e.id,
        project: e.project.to_string(),
        stage: e.stage,
        stage_label: e.stage.map(|s| s.label().to_string()),
        date: e.date,
        recorded_at: e.recorded_at,
        by: e.by.clone(),
        note: e.note.clone(),
        reason: e.reason.clone(),
        figures: e.figures,
        correction: e.correction,
        voids: e.voids,
        voided,
        synthetic: e.synthetic,
    }
}

/// A project as it stands on a date, with its events when asked for.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub enterprise: String,
    pub enterprise_name: Option<String>,
    pub unit: String,
    pub unit_name: Option<String>,
    pub chain: Option<String>,
    pub chain_name: Option<String>,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub lead: Option<LeadOrigin>,
    /// 万元.
    pub investment: f64,
    /// ≥ 10 亿元.
    pub major: bool,
    pub foreign: bool,
    pub foreign_investment_usd: Option<f64>,
    pub tech: bool,
    pub land_mu: Option<f64>,
    pub leader: Option<String>,
    pub contact: Option<String>,
    pub expected_start: Option<NaiveDate>,
    pub expected_production: Option<NaiveDate>,
    pub as_of: NaiveDate,
    pub stage: Stage,
    pub stage_label: String,
    /// The furthest main-line stage reached.
    pub furthest: Stage,
    /// While on hold: the stage it holds.
    pub held: Option<Stage>,
    /// The first date of each main-line stage reached (keys: stage names).
    pub dates: BTreeMap<String, NaiveDate>,
    pub figures: Figures,
    pub taken_up: NaiveDate,
    pub last_event: Option<NaiveDate>,
    pub reason: Option<String>,
    pub warnings: Vec<WarningView>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    /// 撞单 this project is part of (on create and on the project's page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<ConflictView>>,
}

/// A project's view on `as_of` (`None` when it was not yet taken up then).
pub fn project_view(
    book: &Book,
    graph: &Graph,
    entry: &Entry,
    as_of: NaiveDate,
    events: bool,
) -> ProjectView {
    let p = &entry.project;
    let on = book.on_date(entry, as_of);
    let (state, taken_up, warnings) = match &on {
        Some(on) => {
            (on.state.clone(), on.taken_up, on.warnings.iter().map(|w| warning_view(entry, w)).collect())
        }
        None => (Default::default(), entry.taken_up(), Vec::new()),
    };
    let chain = p.chain.as_deref().and_then(|c| graph.chain(c));
    let dates =
        Stage::LINE.iter().filter_map(|s| state.date_of(*s).map(|d| (s.as_str().to_string(), d))).collect();
    let voided = crate::projects::state::struck(&entry.events);
    ProjectView {
        id: p.id.to_string(),
        name: p.name.clone(),
        enterprise: p.enterprise.to_string(),
        enterprise_name: graph.enterprise(p.enterprise).map(|e| e.name.clone()),
        unit: p.unit.clone(),
        unit_name: book.units.get(&p.unit).map(|u| u.name.clone()),
        chain: p.chain.clone(),
        chain_name: chain.map(|c| c.name.clone()),
        link: p.link.clone(),
        link_name: chain
            .and_then(|c| c.links.iter().find(|l| Some(&l.id) == p.link.as_ref()))
            .map(|l| l.name.clone()),
        lead: p.lead.clone(),
        investment: p.investment,
        major: p.is_major(),
        foreign: p.foreign,
        foreign_investment_usd: p.foreign_investment_usd,
        tech: p.tech,
        land_mu: p.land_mu,
        leader: p.leader.clone(),
        contact: p.contact.clone(),
        expected_start: p.expected_start,
        expected_production: p.expected_production,
        as_of,
        stage: state.stage,
        stage_label: state.stage.label().to_string(),
        furthest: state.furthest(),
        held: state.held,
        dates,
        figures: state.figures,
        taken_up,
        last_event: state.last_event,
        reason: state.reason.clone(),
        warnings,
        created_at: p.created_at,
        created_by: p.created_by.clone(),
        synthetic: p.synthetic,
        events: events.then(|| entry.events.iter().map(|e| event_view(e, voided.contains(&e.id))).collect()),
        conflicts: None,
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ProjectList {
    pub total: usize,
    pub as_of: NaiveDate,
    /// Projects matching the filters other than `stage`, by current stage (keys: stage names).
    pub stages: BTreeMap<String, usize>,
    pub projects: Vec<ProjectView>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ConflictSide {
    pub project: String,
    pub project_name: String,
    pub unit: String,
    pub unit_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// 撞单: `first` holds 首报 priority.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ConflictView {
    pub enterprise: String,
    pub enterprise_name: Option<String>,
    pub first: ConflictSide,
    pub second: ConflictSide,
}

pub fn conflict_view(book: &Book, graph: &Graph, c: &Conflict) -> Option<ConflictView> {
    let side = |id| {
        let e = book.entry(id)?;
        Some(ConflictSide {
            project: id.to_string(),
            project_name: e.project.name.clone(),
            unit: e.project.unit.clone(),
            unit_name: book.units.get(&e.project.unit).map(|u| u.name.clone()),
            created_at: e.project.created_at,
        })
    };
    Some(ConflictView {
        enterprise: c.enterprise.to_string(),
        enterprise_name: graph.enterprise(c.enterprise).map(|e| e.name.clone()),
        first: side(c.first)?,
        second: side(c.second)?,
    })
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConflictList {
    pub conflicts: Vec<ConflictView>,
}

/// The nine counts (or targets), by target name.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Counts {
    pub signed: f64,
    pub signed_major: f64,
    pub foreign: f64,
    pub tech: f64,
    pub started: f64,
    pub started_major: f64,
    pub completed_100m: f64,
    pub invested: f64,
    pub foreign_received_usd: f64,
}

impl Counts {
    fn of(v: [f64; 9]) -> Counts {
        let r = |x: f64| round(x, 4);
        Counts {
            signed: r(v[0]),
            signed_major: r(v[1]),
            foreign: r(v[2]),
            tech: r(v[3]),
            started: r(v[4]),
            started_major: r(v[5]),
            completed_100m: r(v[6]),
            invested: r(v[7]),
            foreign_received_usd: r(v[8]),
        }
    }

    fn of_targets(t: &Targets) -> Counts {
        Counts::of(Targets::NAMES.map(|n| t.get(n)))
    }

    fn values(&self) -> [f64; 9] {
        [
            self.signed,
            self.signed_major,
            self.foreign,
            self.tech,
            self.started,
            self.started_major,
            self.completed_100m,
            self.invested,
            self.foreign_received_usd,
        ]
    }
}

/// The five rates; `null` where the denominator is zero.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct RatesView {
    pub signing_rate: Option<f64>,
    pub start_rate: Option<f64>,
    pub production_rate: Option<f64>,
    pub capacity_rate: Option<f64>,
    pub funds_rate: Option<f64>,
}

fn rates_view(r: Rates) -> RatesView {
    let f = |x: Option<f64>| x.map(|x| round(x, 4));
    RatesView {
        signing_rate: f(r.signing_rate),
        start_rate: f(r.start_rate),
        production_rate: f(r.production_rate),
        capacity_rate: f(r.capacity_rate),
        funds_rate: f(r.funds_rate),
    }
}

/// Warnings by kind.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct WarningCounts {
    pub shadow: usize,
    pub stalled: usize,
    pub empty_nest: usize,
    pub overdue_start: usize,
}

fn warning_counts(t: &Tally) -> WarningCounts {
    WarningCounts {
        shadow: t.warnings[0],
        stalled: t.warnings[1],
        empty_nest: t.warnings[2],
        overdue_start: t.warnings[3],
    }
}

fn stage_counts(t: &Tally) -> BTreeMap<String, usize> {
    Stage::ALL
        .iter()
        .zip(t.by_stage)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect()
}

/// One unit's line of the 通报.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct UnitRow {
    pub unit: String,
    pub name: String,
    pub parent: Option<String>,
    /// 百分制; `null` when the unit has no targets for the year.
    pub score: Option<f64>,
    /// red | yellow | null
    pub card: Option<String>,
    pub rank: Option<usize>,
    pub counts: Counts,
    pub targets: Option<Counts>,
    /// Each count's ratio to its target for the months elapsed, capped (targets > 0 only).
    pub ratios: BTreeMap<String, f64>,
    /// attract / start / complete / invest (components with a target only).
    pub components: BTreeMap<String, f64>,
    pub shadow_penalty: f64,
    pub rates: RatesView,
    pub warnings: WarningCounts,
    /// Projects taken up by the date, and by current stage.
    pub projects: usize,
    pub stages: BTreeMap<String, usize>,
}

/// A chain's (or a 链长's) line: counts and rates over the projects that carry the chain.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct GroupRow {
    pub key: String,
    pub name: String,
    pub counts: Counts,
    pub rates: RatesView,
    pub warnings: WarningCounts,
    pub projects: usize,
    pub stages: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PublishedInfo {
    pub at: DateTime<Utc>,
    pub by: String,
}

/// `GET /api/v1/reports/monthly`: the 通报 of a month.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct MonthlyReport {
    pub month: String,
    pub as_of: NaiveDate,
    pub year: i32,
    /// Months of the year counted (a partial month counts in full).
    pub months_elapsed: u32,
    pub unit: Option<String>,
    pub units: Vec<UnitRow>,
    pub chains: Vec<GroupRow>,
    /// Per 链长 over their chains.
    pub leaders: Vec<GroupRow>,
    pub conflicts: Vec<ConflictView>,
    pub warnings: Vec<WarningView>,
    /// Plain words for what the figures cannot say (no targets for the year, …).
    pub notes: Vec<String>,
    /// Set when the month was published: the figures are those frozen then.
    pub published: Option<PublishedInfo>,
    /// Events recorded after publishing and dated in or before the month.
    pub corrections_since_publish: Option<Vec<serde_json::Value>>,
}

fn counts_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub fn monthly_report(
    book: &Book,
    graph: &Graph,
    report: &Report,
    month: &str,
    unit: Option<&str>,
) -> MonthlyReport {
    use chrono::Datelike;
    let as_of = report.as_of;
    let units = report
        .units
        .iter()
        .map(|l| {
            let u = book.units.get(&l.unit);
            let s = l.score.as_ref();
            UnitRow {
                unit: l.unit.clone(),
                name: u.map(|u| u.name.clone()).unwrap_or_default(),
                parent: u.and_then(|u| u.parent.clone()),
                score: s.map(|s| s.score),
                card: s.and_then(|s| s.card).map(str::to_string),
                rank: l.rank,
                counts: Counts::of(l.tally.counts),
                targets: l.targets.as_ref().map(Counts::of_targets),
                ratios: s
                    .map(|s| s.ratios.iter().map(|(k, v)| (k.to_string(), round(*v, 4))).collect())
                    .unwrap_or_default(),
                components: s
                    .map(|s| s.components.iter().map(|(k, v)| (k.to_string(), round(*v, 4))).collect())
                    .unwrap_or_default(),
                shadow_penalty: s.map(|s| s.shadow_penalty).unwrap_or(0.0),
                rates: rates_view(l.tally.rates()),
                warnings: warning_counts(&l.tally),
                projects: l.tally.projects,
                stages: stage_counts(&l.tally),
            }
        })
        .collect::<Vec<_>>();
    let group = |key: &str, name: String, t: &Tally| GroupRow {
        key: key.to_string(),
        name,
        counts: Counts::of(t.counts),
        rates: rates_view(t.rates()),
        warnings: warning_counts(t),
        projects: t.projects,
        stages: stage_counts(t),
    };
    let chains = report
        .chains
        .iter()
        .map(|g| {
            group(
                &g.key,
                graph.chain(&g.key).map(|c| c.name.clone()).unwrap_or_else(|| g.key.clone()),
                &g.tally,
            )
        })
        .collect();
    let leaders = report.owners.iter().map(|g| group(&g.key, g.key.clone(), &g.tally)).collect();
    let mut warnings: Vec<(&Warning, &Entry)> =
        report.projects.iter().flat_map(|p| p.warnings.iter().map(move |w| (w, p.entry))).collect();
    warnings.sort_by_key(|(w, _)| (WARNING_KINDS.iter().position(|k| *k == w.kind), w.since, w.project));
    let mut notes = Vec::new();
    if !units.iter().any(|u| u.targets.is_some()) {
        notes.push(format!("{} 年尚未下达目标：各单位没有得分，也不排名。", as_of.year()));
    } else {
        let without: Vec<&str> =
            units.iter().filter(|u| u.targets.is_none()).map(|u| u.name.as_str()).collect();
        if !without.is_empty() {
            notes.push(format!("以下单位 {} 年没有目标，不计分：{}。", as_of.year(), without.join("、")));
        }
    }
    MonthlyReport {
        month: month.to_string(),
        as_of,
        year: as_of.year(),
        months_elapsed: as_of.month(),
        unit: unit.map(str::to_string),
        units,
        chains,
        leaders,
        conflicts: report.conflicts.iter().filter_map(|c| conflict_view(book, graph, c)).collect(),
        warnings: warnings.iter().map(|(w, e)| warning_view(e, w)).collect(),
        notes,
        published: None,
        corrections_since_publish: None,
    }
}

/// A published month as frozen, with the events recorded since that are dated in or before it.
pub fn published_report(book: &Book, published: &Published) -> MonthlyReport {
    let mut r: MonthlyReport =
        serde_json::from_value(published.report.clone()).unwrap_or_else(|_| MonthlyReport {
            month: published.month.clone(),
            as_of: NaiveDate::MIN,
            year: 0,
            months_elapsed: 0,
            unit: None,
            units: vec![],
            chains: vec![],
            leaders: vec![],
            conflicts: vec![],
            warnings: vec![],
            notes: vec!["发布时的通报无法读取".into()],
            published: None,
            corrections_since_publish: None,
        });
    let month_end = month_as_of(&published.month)
        .ok()
        .and_then(|_| {
            let (y, m) = published.month.split_once('-')?;
            crate::projects::report::month_end(y.parse().ok()?, m.parse().ok()?)
        })
        .unwrap_or(r.as_of);
    let corrections = book
        .entries()
        .iter()
        .flat_map(|e| e.events.iter())
        .filter(|e| e.id > published.last_event && e.date <= month_end)
        .map(|e| counts_json(&event_view(e, false)))
        .collect();
    r.published = Some(PublishedInfo { at: published.at, by: published.by.clone() });
    r.corrections_since_publish = Some(corrections);
    r
}

fn pct(v: Option<f64>) -> Cell {
    v.map(|v| Cell::Number(round(v * 100.0, 2))).unwrap_or(Cell::Empty)
}

fn num(v: f64) -> Cell {
    Cell::Number(v)
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// The report's workbook: 汇总 (rank, score, card, counts against targets, rates), 项目明细,
/// 预警, 撞单 — numbers as numbers, rates in percent.
pub fn report_sheets(book: &Book, graph: &Graph, r: &MonthlyReport, projects: &[ProjectView]) -> Vec<Sheet> {
    let mut summary_header: Vec<&'static str> = vec!["排名", "单位", "得分", "牌", "项目数"];
    let labels = [
        "签约",
        "重特大签约",
        "外资签约",
        "科技型签约",
        "开工",
        "重特大开工",
        "亿元以上竣工",
        "完成投资(万元)",
        "外资到账(万美元)",
    ];
    for l in labels {
        summary_header.push(l);
    }
    for l in ["签约目标", "开工目标", "完成投资目标(万元)"] {
        summary_header.push(l);
    }
    for l in
        ["签约率%", "开工率%", "投产率%", "达产率%", "资金到位率%", "影子项目", "停滞", "空巢", "逾期未开工"]
    {
        summary_header.push(l);
    }
    let summary_rows = r
        .units
        .iter()
        .map(|u| {
            let mut row = vec![
                u.rank.map(|r| num(r as f64)).unwrap_or(Cell::Empty),
                text(&u.name),
                u.score.map(num).unwrap_or(Cell::Empty),
                text(match u.card.as_deref() {
                    Some("red") => "红牌",
                    Some("yellow") => "黄牌",
                    _ => "",
                }),
                num(u.projects as f64),
            ];
            row.extend(u.counts.values().map(num));
            let t = u.targets.as_ref();
            for v in [t.map(|t| t.signed), t.map(|t| t.started), t.map(|t| t.invested)] {
                row.push(v.map(num).unwrap_or(Cell::Empty));
            }
            let rt = &u.rates;
            for v in [rt.signing_rate, rt.start_rate, rt.production_rate, rt.capacity_rate, rt.funds_rate] {
                row.push(pct(v));
            }
            let w = &u.warnings;
            for n in [w.shadow, w.stalled, w.empty_nest, w.overdue_start] {
                row.push(num(n as f64));
            }
            row
        })
        .collect();
    let mut summary_widths = vec![6.0, 22.0, 8.0, 6.0, 8.0];
    summary_widths.extend(std::iter::repeat_n(11.0, summary_header.len() - 5));
    let detail = Sheet {
        name: "项目明细".into(),
        header: vec![
            "项目编号",
            "项目名称",
            "企业",
            "单位",
            "产业链",
            "环节",
            "当前阶段",
            "最远阶段",
            "计划投资(万元)",
            "重特大",
            "外资",
            "科技型",
            "签约日期",
            "开工日期",
            "竣工日期",
            "投产日期",
            "签约金额(万元)",
            "完成投资(万元)",
            "到位资金(万元)",
            "包联领导",
            "预警",
        ],
        widths: vec![
            12.0, 28.0, 28.0, 16.0, 14.0, 14.0, 8.0, 8.0, 12.0, 6.0, 6.0, 6.0, 11.0, 11.0, 11.0, 11.0, 12.0,
            12.0, 12.0, 10.0, 24.0,
        ],
        rows: projects
            .iter()
            .map(|p| {
                let date = |s: &str| p.dates.get(s).map(|d| text(d.to_string())).unwrap_or(Cell::Empty);
                let yes = |b: bool| text(if b { "是" } else { "否" });
                let opt = |v: Option<f64>| v.map(num).unwrap_or(Cell::Empty);
                vec![
                    text(&p.id),
                    text(&p.name),
                    text(p.enterprise_name.clone().unwrap_or_else(|| p.enterprise.clone())),
                    text(p.unit_name.clone().unwrap_or_else(|| p.unit.clone())),
                    text(p.chain_name.clone().unwrap_or_default()),
                    text(p.link_name.clone().unwrap_or_default()),
                    text(&p.stage_label),
                    text(p.furthest.label()),
                    num(p.investment),
                    yes(p.major),
                    yes(p.foreign),
                    yes(p.tech),
                    date("signed"),
                    date("started"),
                    date("completed"),
                    date("producing"),
                    opt(p.figures.signed_amount),
                    opt(p.figures.invested_total),
                    opt(p.figures.funds_in_place_total),
                    text(p.leader.clone().unwrap_or_default()),
                    text(p.warnings.iter().map(|w| w.label.to_string()).collect::<Vec<_>>().join("；")),
                ]
            })
            .collect(),
    };
    let unit_name = |u: &str| book.units.get(u).map(|x| x.name.clone()).unwrap_or_else(|| u.to_string());
    let warnings = Sheet {
        name: "预警".into(),
        header: vec!["预警", "项目编号", "项目名称", "单位", "起始日期"],
        widths: vec![22.0, 12.0, 28.0, 16.0, 12.0],
        rows: r
            .warnings
            .iter()
            .map(|w| {
                vec![
                    text(w.label.to_string()),
                    text(&w.project),
                    text(&w.project_name),
                    text(unit_name(&w.unit)),
                    text(w.since.to_string()),
                ]
            })
            .collect(),
    };
    let conflicts = Sheet {
        name: "撞单".into(),
        header: vec!["企业", "首报项目", "首报单位", "首报时间", "后报项目", "后报单位", "后报时间"],
        widths: vec![28.0, 12.0, 16.0, 20.0, 12.0, 16.0, 20.0],
        rows: r
            .conflicts
            .iter()
            .map(|c| {
                let side = |s: &ConflictSide| {
                    [
                        text(&s.project),
                        text(s.unit_name.clone().unwrap_or_else(|| s.unit.clone())),
                        text(s.created_at.format("%Y-%m-%d %H:%M").to_string()),
                    ]
                };
                let mut row = vec![text(c.enterprise_name.clone().unwrap_or_else(|| c.enterprise.clone()))];
                row.extend(side(&c.first));
                row.extend(side(&c.second));
                row
            })
            .collect(),
    };
    let _ = graph;
    vec![
        Sheet { name: "汇总".into(), header: summary_header, widths: summary_widths, rows: summary_rows },
        detail,
        warnings,
        conflicts,
    ]
}

// ---- reads over the app, shared by the HTTP API and the CLI ----

use crate::app::{Actor, App};
use crate::error::{Code, Error, Problem, Result};
use crate::model::project::ProjectId;

/// The filters of `GET /api/v1/projects`.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub unit: Option<String>,
    pub stage: Option<Stage>,
    pub chain: Option<String>,
    pub warning: Option<String>,
    pub q: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub limit: usize,
    pub offset: usize,
}

fn bad_param(field: &str, reason: String) -> Error {
    Error::Invalid(vec![Problem::new(field, Code::InvalidParameter, reason)])
}

/// The unit a read is scoped to: the one asked for (which must be within the actor's), else the
/// actor's own.
fn scope(book: &Book, asked: Option<&str>, actor: &Actor) -> Result<Option<String>> {
    match asked {
        Some(u) if !book.units.contains_key(u) => Err(Error::NotFound(format!("unit {u:?}"))),
        Some(u) if !actor.sees(book, u) => Err(Error::Invalid(vec![Problem::new(
            "unit",
            Code::Forbidden,
            format!("本令牌属于单位“{}”，不能查看单位“{u}”", actor.unit.as_deref().unwrap_or_default()),
        )])),
        Some(u) => Ok(Some(u.to_string())),
        None => Ok(actor.unit.clone()),
    }
}

pub fn list(app: &App, f: &ProjectFilter, actor: &Actor) -> Result<ProjectList> {
    let as_of = f.as_of.unwrap_or_else(crate::app::today);
    let book = app.book();
    let graph = app.graph();
    let unit = scope(&book, f.unit.as_deref(), actor)?;
    if let Some(w) = &f.warning
        && !WARNING_KINDS.contains(&w.as_str())
    {
        return Err(bad_param("warning", format!("warning={w:?}: use {}", WARNING_KINDS.join(", "))));
    }
    let q = f.q.as_deref().map(crate::search::fold::fold).filter(|q| !q.trim().is_empty());
    let words: Vec<&str> = q.as_deref().map(|q| q.split_whitespace().collect()).unwrap_or_default();
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    let mut matching = Vec::new();
    for entry in book.entries() {
        let p = &entry.project;
        if unit.as_deref().is_some_and(|u| !book.within(&p.unit, u))
            || f.chain.as_ref().is_some_and(|c| p.chain.as_ref() != Some(c))
        {
            continue;
        }
        if !words.is_empty() {
            let haystack = crate::search::fold::fold(&format!(
                "{} {} {} {} {}",
                p.name,
                graph.enterprise(p.enterprise).map(|e| e.name.as_str()).unwrap_or_default(),
                book.units.get(&p.unit).map(|u| u.name.as_str()).unwrap_or_default(),
                p.leader.as_deref().unwrap_or_default(),
                p.id
            ));
            if !words.iter().all(|w| haystack.contains(w)) {
                continue;
            }
        }
        let Some(on) = book.on_date(entry, as_of) else { continue };
        if f.warning.as_ref().is_some_and(|w| !on.warnings.iter().any(|x| x.kind == w)) {
            continue;
        }
        *stages.entry(on.state.stage.as_str().to_string()).or_default() += 1;
        if f.stage.is_some_and(|s| s != on.state.stage) {
            continue;
        }
        matching.push(entry);
    }
    // Newest first.
    matching.sort_by(|a, b| {
        b.project.created_at.cmp(&a.project.created_at).then(b.project.id.cmp(&a.project.id))
    });
    let total = matching.len();
    let projects = matching
        .into_iter()
        .skip(f.offset)
        .take(f.limit)
        .map(|e| project_view(&book, &graph, e, as_of, false))
        .collect();
    Ok(ProjectList { total, as_of, stages, projects })
}

/// One project with its events and the 撞单 it is in.
pub fn detail(app: &App, id: ProjectId, actor: &Actor) -> Result<ProjectView> {
    let today = crate::app::today();
    let book = app.book();
    let graph = app.graph();
    let entry = book
        .entry(id)
        .filter(|e| actor.sees(&book, &e.project.unit))
        .ok_or_else(|| Error::NotFound(format!("project {id}")))?;
    let mut view = project_view(&book, &graph, entry, today, true);
    view.conflicts = Some(
        book.conflicts(today)
            .iter()
            .filter(|c| c.first == id || c.second == id)
            .filter_map(|c| conflict_view(&book, &graph, c))
            .collect(),
    );
    Ok(view)
}

/// Open 撞单 today (those touching the actor's unit, for a token with one).
pub fn conflicts(app: &App, actor: &Actor) -> ConflictList {
    let book = app.book();
    let graph = app.graph();
    let sees = |id| book.entry(id).is_some_and(|e| actor.sees(&book, &e.project.unit));
    ConflictList {
        conflicts: book
            .conflicts(crate::app::today())
            .iter()
            .filter(|c| sees(c.first) || sees(c.second))
            .filter_map(|c| conflict_view(&book, &graph, c))
            .collect(),
    }
}

/// Parses `YYYY-MM` into (month text, as-of date): the month's last day, or today for the
/// current month. A month after this one has no report.
pub fn month_as_of(month: &str) -> Result<(String, NaiveDate)> {
    let bad = || bad_param("month", format!("month={month:?}: use YYYY-MM, e.g. 2024-06"));
    let (y, m) = month.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || month.trim().len() != 7 {
        return Err(bad());
    }
    let end = crate::projects::report::month_end(y, m).ok_or_else(bad)?;
    let today = crate::app::today();
    let start = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    if start > today {
        return Err(Error::Invalid(vec![Problem::new(
            "month",
            Code::InvalidValue,
            format!("{month} 尚未开始，没有通报"),
        )]));
    }
    Ok((format!("{y:04}-{m:02}"), end.min(today)))
}

/// The month's report: the frozen one when the month was published (and no unit was asked
/// for), else computed now. With the project lines for the workbook's 项目明细.
pub fn monthly(
    app: &App,
    month: &str,
    unit: Option<&str>,
    actor: &Actor,
) -> Result<(MonthlyReport, Vec<ProjectView>)> {
    let (month, as_of) = month_as_of(month)?;
    let book = app.book();
    let graph = app.graph();
    let unit = scope(&book, unit, actor)?;
    let owners = |c: &str| graph.chain(c).and_then(|c| c.owner.clone());
    let report = book.report(as_of, unit.as_deref(), &owners);
    let lines = report.projects.iter().map(|p| project_view(&book, &graph, p.entry, as_of, false)).collect();
    if unit.is_none()
        && let Some(published) = book.published.get(&month)
    {
        return Ok((published_report(&book, published), lines));
    }
    Ok((monthly_report(&book, &graph, &report, &month, unit.as_deref()), lines))
}

/// Publishes (freezes) a month's report for every unit.
pub fn publish(app: &App, month: &str, actor: &Actor) -> Result<MonthlyReport> {
    let (month, as_of) = month_as_of(month)?;
    app.publish_month(
        &month,
        |app| {
            let book = app.book();
            let graph = app.graph();
            let owners = |c: &str| graph.chain(c).and_then(|c| c.owner.clone());
            let report = book.report(as_of, None, &owners);
            Ok(serde_json::to_value(monthly_report(&book, &graph, &report, &month, None)).unwrap_or_default())
        },
        actor,
    )?;
    Ok(monthly(app, &month, None, actor)?.0)
}
