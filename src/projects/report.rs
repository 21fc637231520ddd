//! The monthly 通报 (SPEC §10): counts against targets, the 百分制 score and its card, the rates,
//! the warnings and the 撞单 — every figure a pure function of (events, targets, as-of date), so a
//! past month's report is reproducible. One pass folds each project once; its contribution is
//! added to its unit and every unit above it, to its chain and to its chain's 链长.

use super::state::{State, fold};
use super::{Book, Entry};
use crate::model::project::{Figures, ProjectId, Scoring, Settings, Stage, Targets};
use chrono::{Datelike, Days, Months, NaiveDate};
use std::collections::HashMap;

/// The kinds of warning, in report order.
pub const WARNING_KINDS: [&str; 4] = ["shadow", "stalled", "empty_nest", "overdue_start"];

/// One warning on one project.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub kind: &'static str,
    pub project: ProjectId,
    /// The day the threshold was reached.
    pub since: NaiveDate,
}

/// What a set of projects adds up to on a date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Keyed like `Targets::NAMES`.
    pub counts: [f64; 9],
    /// Projects taken up by the date (any stage).
    pub projects: usize,
    /// By current stage, in `Stage::ALL` order.
    pub by_stage: [usize; 10],
    /// The rate set: projects taken up or signed in the year, up to the date.
    pub rate_set: usize,
    pub rate_signed: usize,
    pub rate_started: usize,
    pub rate_producing: usize,
    pub rate_at_capacity: usize,
    pub funds_in_place: f64,
    pub signed_amount: f64,
    /// By kind, in `WARNING_KINDS` order.
    pub warnings: [usize; 4],
}

/// The five rates; `None` where the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub signing_rate: Option<f64>,
    pub start_rate: Option<f64>,
    pub production_rate: Option<f64>,
    pub capacity_rate: Option<f64>,
    pub funds_rate: Option<f64>,
}

fn ratio(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d)
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        for i in 0..9 {
            self.counts[i] += o.counts[i];
        }
        for i in 0..10 {
            self.by_stage[i] += o.by_stage[i];
        }
        for i in 0..4 {
            self.warnings[i] += o.warnings[i];
        }
        self.projects += o.projects;
        self.rate_set += o.rate_set;
        self.rate_signed += o.rate_signed;
        self.rate_started += o.rate_started;
        self.rate_producing += o.rate_producing;
        self.rate_at_capacity += o.rate_at_capacity;
        self.funds_in_place += o.funds_in_place;
        self.signed_amount += o.signed_amount;
    }

    pub fn rates(&self) -> Rates {
        Rates {
            signing_rate: ratio(self.rate_signed as f64, self.rate_set as f64),
            start_rate: ratio(self.rate_started as f64, self.rate_signed as f64),
            production_rate: ratio(self.rate_producing as f64, self.rate_started as f64),
            capacity_rate: ratio(self.rate_at_capacity as f64, self.rate_producing as f64),
            funds_rate: ratio(self.funds_in_place, self.signed_amount),
        }
    }

    pub fn count(&self, name: &str) -> f64 {
        Targets::NAMES.iter().position(|n| *n == name).map(|i| self.counts[i]).unwrap_or(0.0)
    }
}

/// How a score was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub score: f64,
    /// Each count's ratio (capped), where its target is > 0.
    pub ratios: Vec<(&'static str, f64)>,
    /// attract / start / complete / invest: the mean ratio, where the component has a target.
    pub components: Vec<(&'static str, f64)>,
    pub shadow_penalty: f64,
    pub card: Option<&'static str>,
}

const COMPONENTS: [(&str, &[&str]); 4] = [
    ("attract", &["signed", "signed_major", "foreign", "tech"]),
    ("start", &["started", "started_major"]),
    ("complete", &["completed_100m"]),
    ("invest", &["invested", "foreign_received_usd"]),
];

/// The 百分制 score of `tally` against `targets` with `elapsed` = months elapsed / 12; `None`
/// when no target is above zero.
pub fn score(tally: &Tally, targets: &Targets, elapsed: f64) -> Option<Score> {
    if !targets.any() || elapsed <= 0.0 {
        return None;
    }
    let s: &Scoring = &targets.scoring;
    let weight = |c: &str| match c {
        "attract" => s.weights.attract,
        "start" => s.weights.start,
        "complete" => s.weights.complete,
        _ => s.weights.invest,
    };
    let mut ratios = Vec::new();
    let mut components = Vec::new();
    for (component, names) in COMPONENTS {
        let rs: Vec<f64> = names
            .iter()
            .filter(|n| targets.get(n) > 0.0)
            .map(|n| {
                let r = (tally.count(n) / (targets.get(n) * elapsed)).min(s.cap);
                ratios.push((*n, r));
                r
            })
            .collect();
        if !rs.is_empty() {
            components.push((component, rs.iter().sum::<f64>() / rs.len() as f64));
        }
    }
    let total: f64 = COMPONENTS.iter().map(|(c, _)| weight(c)).sum();
    let present: f64 = components.iter().map(|(c, _)| weight(c)).sum();
    if present <= 0.0 {
        return None;
    }
    let shadows = tally.warnings[0] as f64;
    let shadow_penalty = (shadows * s.shadow_penalty).min(s.shadow_penalty_max);
    let raw: f64 = components.iter().map(|(c, v)| weight(c) * v).sum::<f64>() * total / present;
    let score = round(raw - shadow_penalty, 2);
    let card = if score < s.red_below {
        Some("red")
    } else if score < s.yellow_below {
        Some("yellow")
    } else {
        None
    };
    Some(Score { score, ratios, components, shadow_penalty, card })
}

pub fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Months elapsed in `as_of`'s year up to it (a partial month counts in full), over 12.
pub fn elapsed(as_of: NaiveDate) -> f64 {
    as_of.month() as f64 / 12.0
}

/// The last day of a month.
pub fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?.checked_add_months(Months::new(1))?.pred_opt()
}

/// A project as it stood on the report's date.
pub struct ProjectOnDate<'a> {
    pub entry: &'a Entry,
    pub state: State,
    /// The figures at the end of the year before.
    pub base: Figures,
    pub taken_up: NaiveDate,
    pub warnings: Vec<Warning>,
}

/// A unit's line of the report.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub unit: String,
    pub tally: Tally,
    pub targets: Option<Targets>,
    pub score: Option<Score>,
    pub rank: Option<usize>,
}

/// A chain's line (per chain, and per 链长 over their chains).
#[derive(Debug, Clone)]
pub struct GroupLine {
    pub key: String,
    pub tally: Tally,
}

/// Two units pursuing one enterprise; `first` holds 首报 priority.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub enterprise: crate::model::EnterpriseId,
    pub first: ProjectId,
    pub second: ProjectId,
}

pub struct Report<'a> {
    pub as_of: NaiveDate,
    pub units: Vec<UnitLine>,
    pub chains: Vec<GroupLine>,
    pub owners: Vec<GroupLine>,
    pub projects: Vec<ProjectOnDate<'a>>,
    pub conflicts: Vec<Conflict>,
}

impl Book {
    /// The settings of `unit`'s targets for `year`, else of the nearest unit above with targets.
    fn settings_for(&self, unit: &str, year: i32) -> Settings {
        self.ancestry(unit)
            .find_map(|u| self.targets.get(&(u.to_string(), year)).map(|t| t.settings.clone()))
            .unwrap_or_default()
    }

    /// A project as it stood on `as_of` (`None` if not yet taken up then).
    pub fn on_date<'a>(&self, entry: &'a Entry, as_of: NaiveDate) -> Option<ProjectOnDate<'a>> {
        let settings = self.settings_for(&entry.project.unit, as_of.year());
        on_date_with(entry, as_of, &settings)
    }

    /// Every unit's warning settings for `year` (its own targets', else the nearest above).
    fn all_settings(&self, year: i32) -> HashMap<&str, Settings> {
        self.units.keys().map(|u| (u.as_str(), self.settings_for(u, year))).collect()
    }

    /// The report as of `as_of`, for `root`'s subtree (every unit when `None`).
    pub fn report(
        &self,
        as_of: NaiveDate,
        root: Option<&str>,
        chain_owner: &dyn Fn(&str) -> Option<String>,
    ) -> Report<'_> {
        let year = as_of.year();
        let units: Vec<&str> = match root {
            Some(r) => self.subtree(r),
            None => self.units.keys().map(String::as_str).collect(),
        };
        let slot: HashMap<&str, usize> = units.iter().enumerate().map(|(i, u)| (*u, i)).collect();
        let mut tallies = vec![Tally::default(); units.len()];
        let mut chains: HashMap<String, Tally> = HashMap::new();
        let mut projects = Vec::new();
        let settings = self.all_settings(year);
        let defaults = Settings::default();
        // Each unit's slots in the report: itself and the units above it that are in it.
        let scopes: HashMap<&str, Vec<usize>> = self
            .units
            .keys()
            .map(|u| (u.as_str(), self.ancestry(u).filter_map(|a| slot.get(a).copied()).collect()))
            .collect();
        for entry in &self.entries {
            let Some(in_scope) = scopes.get(entry.project.unit.as_str()).filter(|s| !s.is_empty()) else {
                continue;
            };
            let s = settings.get(entry.project.unit.as_str()).unwrap_or(&defaults);
            let Some(p) = on_date_with(entry, as_of, s) else { continue };
            let t = tally_of(&p, year);
            for i in in_scope {
                tallies[*i].add(&t);
            }
            if let Some(c) = &entry.project.chain {
                chains.entry(c.clone()).or_default().add(&t);
            }
            projects.push(p);
        }
        let elapsed = elapsed(as_of);
        let mut lines: Vec<UnitLine> = units
            .iter()
            .zip(tallies)
            .map(|(u, tally)| {
                let targets = self.targets.get(&(u.to_string(), year)).cloned();
                let score = targets.as_ref().and_then(|t| score(&tally, t, elapsed));
                UnitLine { unit: u.to_string(), tally, targets, score, rank: None }
            })
            .collect();
        let mut ranked: Vec<usize> = (0..lines.len()).filter(|i| lines[*i].score.is_some()).collect();
        ranked.sort_by(|a, b| {
            let (sa, sb) = (lines[*a].score.as_ref().unwrap().score, lines[*b].score.as_ref().unwrap().score);
            sb.total_cmp(&sa).then_with(|| lines[*a].unit.cmp(&lines[*b].unit))
        });
        for (rank, i) in ranked.iter().enumerate() {
            lines[*i].rank = Some(rank + 1);
        }
        lines.sort_by(|a, b| {
            a.rank.unwrap_or(usize::MAX).cmp(&b.rank.unwrap_or(usize::MAX)).then_with(|| a.unit.cmp(&b.unit))
        });
        let mut owners: HashMap<String, Tally> = HashMap::new();
        for (c, t) in &chains {
            if let Some(o) = chain_owner(c) {
                owners.entry(o).or_default().add(t);
            }
        }
        let group = |m: HashMap<String, Tally>| {
            let mut v: Vec<GroupLine> = m.into_iter().map(|(key, tally)| GroupLine { key, tally }).collect();
            v.sort_by(|a, b| a.key.cmp(&b.key));
            v
        };
        let in_scope =
            |id| root.is_none_or(|r| self.entry(id).is_some_and(|e| self.within(&e.project.unit, r)));
        // A clash with a unit outside the subtree is the subtree's business too.
        let conflicts =
            self.conflicts(as_of).into_iter().filter(|c| in_scope(c.first) || in_scope(c.second)).collect();
        projects.sort_by_key(|p| p.entry.project.id);
        Report { as_of, units: lines, chains: group(chains), owners: group(owners), projects, conflicts }
    }

    /// 撞单 on `as_of`: pursued (not dropped) projects of different units for one enterprise; the
    /// first recorded (created earliest, then lowest id) holds 首报 priority and each other unit's
    /// project is paired with it.
    pub fn conflicts(&self, as_of: NaiveDate) -> Vec<Conflict> {
        // Only firms courted by two units or more can clash: find them without folding anything.
        let mut by_firm: Vec<usize> = (0..self.entries.len()).collect();
        by_firm.sort_by_key(|i| self.entries[*i].project.enterprise);
        let mut out = Vec::new();
        for group in by_firm
            .chunk_by(|a, b| self.entries[*a].project.enterprise == self.entries[*b].project.enterprise)
        {
            let first_unit = &self.entries[group[0]].project.unit;
            if group.iter().all(|i| self.entries[*i].project.unit == *first_unit) {
                continue;
            }
            let mut pursued: Vec<&Entry> = group
                .iter()
                .map(|i| &self.entries[*i])
                .filter(|e| {
                    e.taken_up() <= as_of && fold(e.effective(), as_of, as_of).0.stage != Stage::Dropped
                })
                .collect();
            pursued.sort_by_key(|e| (e.project.created_at, e.project.id));
            if let Some((first, rest)) = pursued.split_first() {
                for second in rest.iter().filter(|e| e.project.unit != first.project.unit) {
                    out.push(Conflict {
                        enterprise: first.project.enterprise,
                        first: first.project.id,
                        second: second.project.id,
                    });
                }
            }
        }
        out.sort_by_key(|c| (c.first, c.second));
        out
    }
}

fn on_date_with<'a>(entry: &'a Entry, as_of: NaiveDate, settings: &Settings) -> Option<ProjectOnDate<'a>> {
    let taken_up = entry.taken_up();
    if taken_up > as_of {
        return None;
    }
    let year_before = NaiveDate::from_ymd_opt(as_of.year().checked_sub(1)?, 12, 31)?;
    let (state, base) = fold(entry.effective(), year_before, as_of);
    let warnings = warnings(entry, &state, taken_up, settings, as_of);
    Some(ProjectOnDate { entry, state, base, taken_up, warnings })
}

fn tally_of(p: &ProjectOnDate, year: i32) -> Tally {
    let project = &p.entry.project;
    let in_year = |s: Stage| p.state.date_of(s).is_some_and(|d| d.year() == year);
    let mut t = Tally { projects: 1, ..Tally::default() };
    t.by_stage[Stage::ALL.iter().position(|s| *s == p.state.stage).expect("a stage")] = 1;
    let signed = in_year(Stage::Signed);
    let started = in_year(Stage::Started);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let increment = |name: &str| p.state.figures.get(name).unwrap_or(0.0) - p.base.get(name).unwrap_or(0.0);
    t.counts = [
        flag(signed),
        flag(signed && project.is_major()),
        flag(signed && project.foreign),
        flag(signed && project.tech),
        flag(started),
        flag(started && project.is_major()),
        flag(in_year(Stage::Completed) && project.is_hundred_million()),
        increment("invested_total"),
        increment("foreign_received_total_usd"),
    ];
    if p.taken_up.year() == year || signed {
        let furthest = p.state.furthest();
        t.rate_set = 1;
        t.rate_signed = (furthest >= Stage::Signed) as usize;
        t.rate_started = (furthest >= Stage::Started) as usize;
        t.rate_producing = (furthest >= Stage::Producing) as usize;
        t.rate_at_capacity = (furthest >= Stage::AtCapacity) as usize;
        t.funds_in_place = p.state.figures.funds_in_place_total.unwrap_or(0.0);
        t.signed_amount = p.state.figures.signed_amount.unwrap_or(0.0);
    }
    for w in &p.warnings {
        t.warnings[WARNING_KINDS.iter().position(|k| *k == w.kind).expect("a kind")] += 1;
    }
    t
}

/// The warnings of a project on `as_of`, each firing on the day its threshold is reached.
pub fn warnings(
    entry: &Entry,
    state: &State,
    taken_up: NaiveDate,
    s: &Settings,
    as_of: NaiveDate,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if !state.stage.is_active() {
        return out;
    }
    let project = entry.project.id;
    let mut fire = |kind: &'static str, since: Option<NaiveDate>| {
        if let Some(since) = since.filter(|d| *d <= as_of) {
            out.push(Warning { kind, project, since });
        }
    };
    let months_after = |d: Option<NaiveDate>, m: u32| d.and_then(|d| d.checked_add_months(Months::new(m)));
    if state.stage == Stage::Signed {
        fire("shadow", months_after(state.date_of(Stage::Signed), s.shadow_months));
    }
    let last = state.last_event.unwrap_or(taken_up);
    fire("stalled", last.checked_add_days(Days::new(s.stall_days as u64)));
    if state.stage == Stage::Completed {
        fire("empty_nest", months_after(state.date_of(Stage::Completed), s.empty_nest_months));
    }
    if state.furthest() < Stage::Started {
        fire("overdue_start", entry.project.expected_start.and_then(|d| d.succ_opt()));
    }
    out
}
