//! Projects and assessment (SPEC §10): the units that own projects, the projects a team follows
//! from lead to producing plant, the events that move them, and the yearly targets they are scored
//! against. Pure types and the parsing of request bodies; the stage rules and the fold of events
//! into a state live in `crate::projects`.

use super::{EnterpriseId, RegionCode};
use crate::error::{Code, Problem};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Largest amount accepted, in 万元 or 万美元 (1 万亿元): anything above is a typo.
pub const MAX_AMOUNT_WAN: f64 = 1.0e8;
/// A project is 重特大 at or above this investment (万元, 10 亿元).
pub const MAJOR_WAN: f64 = 100_000.0;
/// A project is 亿元以上 at or above this investment (万元).
pub const HUNDRED_MILLION_WAN: f64 = 10_000.0;

/// The stages of a project, in the order of the main line; `OnHold` and `Dropped` are off it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Lead,
    Contacted,
    Negotiating,
    Signed,
    Started,
    Completed,
    Producing,
    AtCapacity,
    OnHold,
    Dropped,
}

impl Stage {
    /// The main line, in order.
    pub const LINE: [Stage; 8] = [
        Stage::Lead,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Started,
        Stage::Completed,
        Stage::Producing,
        Stage::AtCapacity,
    ];
    pub const ALL: [Stage; 10] = [
        Stage::Lead,
        Stage::Contacted,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Started,
        Stage::Completed,
        Stage::Producing,
        Stage::AtCapacity,
        Stage::OnHold,
        Stage::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Contacted => "contacted",
            Stage::Negotiating => "negotiating",
            Stage::Signed => "signed",
            Stage::Started => "started",
            Stage::Completed => "completed",
            Stage::Producing => "producing",
            Stage::AtCapacity => "at_capacity",
            Stage::OnHold => "on_hold",
            Stage::Dropped => "dropped",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Lead => "线索",
            Stage::Contacted => "接洽",
            Stage::Negotiating => "在谈",
            Stage::Signed => "签约",
            Stage::Started => "开工",
            Stage::Completed => "竣工",
            Stage::Producing => "投产",
            Stage::AtCapacity => "达产",
            Stage::OnHold => "搁置",
            Stage::Dropped => "终止",
        }
    }

    /// Position on the main line (`None` for on hold and dropped).
    pub fn rank(self) -> Option<usize> {
        Stage::LINE.iter().position(|s| *s == self)
    }

    pub fn on_line(self) -> bool {
        self.rank().is_some()
    }

    /// Active for warnings: `lead` to `producing`.
    pub fn is_active(self) -> bool {
        self.on_line() && self != Stage::AtCapacity
    }

    /// Parses the English name or the Chinese label.
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        Stage::ALL.into_iter().find(|st| st.as_str() == s || st.label() == s)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Team,
    Department,
    District,
    Park,
}

impl UnitKind {
    pub fn parse(s: &str) -> Option<UnitKind> {
        match s.trim() {
            "team" | "招商小组" | "小组" => Some(UnitKind::Team),
            "department" | "部门" => Some(UnitKind::Department),
            "district" | "区县" => Some(UnitKind::District),
            "park" | "开发区" | "园区" => Some(UnitKind::Park),
            _ => None,
        }
    }
}

/// A 招商单位 that owns projects; it sees the projects of its subtree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// A slug: lowercase ASCII letters, digits and `-`.
    pub id: String,
    pub name: String,
    pub region: RegionCode,
    pub kind: UnitKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Set on units of the generated demo history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
}

/// Whether `s` is a valid unit id (also used for client-chosen ids).
pub fn valid_unit_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

/// A project id, printed `P00000042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ProjectId(pub u64);

impl std::fmt::Display for ProjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{:08}", self.0)
    }
}

impl ProjectId {
    pub fn parse(s: &str) -> Option<ProjectId> {
        let digits = s.strip_prefix('P')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().map(ProjectId)
    }
}

impl From<ProjectId> for String {
    fn from(id: ProjectId) -> String {
        id.to_string()
    }
}

impl TryFrom<String> for ProjectId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ProjectId::parse(&s).ok_or_else(|| format!("not a project id: {s}"))
    }
}

/// The lead a project was taken up from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LeadOrigin {
    pub chain: String,
    /// `None` for a supplier or customer in no link of the chain.
    pub link: Option<String>,
    pub score: f64,
}

/// A project as stored. Its stage and dates are not here: they are the fold of its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub enterprise: EnterpriseId,
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<LeadOrigin>,
    /// Planned investment, 万元.
    pub investment: f64,
    #[serde(default)]
    pub foreign: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_investment_usd: Option<f64>,
    #[serde(default)]
    pub tech: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub land_mu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_production: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Set on projects of the generated demo history.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
}

impl Project {
    pub fn is_major(&self) -> bool {
        self.investment >= MAJOR_WAN
    }

    pub fn is_hundred_million(&self) -> bool {
        self.investment >= HUNDRED_MILLION_WAN
    }
}

/// The running figures an event may carry; totals are cumulative to the event's date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Figures {
    /// 签约金额, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_amount: Option<f64>,
    /// 完成投资 to date, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invested_total: Option<f64>,
    /// 到位资金 to date, 万元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_in_place_total: Option<f64>,
    /// 外资到账 to date, 万美元.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_received_total_usd: Option<f64>,
}

impl Figures {
    pub const NAMES: [&'static str; 4] =
        ["signed_amount", "invested_total", "funds_in_place_total", "foreign_received_total_usd"];

    pub fn is_empty(&self) -> bool {
        *self == Figures::default()
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        match name {
            "signed_amount" => self.signed_amount,
            "invested_total" => self.invested_total,
            "funds_in_place_total" => self.funds_in_place_total,
            _ => self.foreign_received_total_usd,
        }
    }

    /// Each figure of `newer` that is given replaces this one's (on the report's hot path: once
    /// per event).
    pub fn overlay(&mut self, newer: &Figures) {
        let take = |mine: &mut Option<f64>, theirs: Option<f64>| {
            if theirs.is_some() {
                *mine = theirs;
            }
        };
        take(&mut self.signed_amount, newer.signed_amount);
        take(&mut self.invested_total, newer.invested_total);
        take(&mut self.funds_in_place_total, newer.funds_in_place_total);
        take(&mut self.foreign_received_total_usd, newer.foreign_received_total_usd);
    }
}

/// A change of stage or of the running figures of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Global sequence: a later-recorded event has a larger id.
    pub id: u64,
    pub project: ProjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
    /// The day it happened.
    pub date: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    /// An admin's correction: may move the stage back; with `voids`, strikes an earlier event.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correction: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voids: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub synthetic: bool,
}

/// Targets of a unit for a year (目标责任状), with the year's scoring and warning settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Targets {
    #[serde(default)]
    pub signed: f64,
    #[serde(default)]
    pub signed_major: f64,
    #[serde(default)]
    pub foreign: f64,
    #[serde(default)]
    pub tech: f64,
    #[serde(default)]
    pub started: f64,
    #[serde(default)]
    pub started_major: f64,
    /// 亿元以上竣工.
    #[serde(default)]
    pub completed_100m: f64,
    /// 万元.
    #[serde(default)]
    pub invested: f64,
    /// 万美元.
    #[serde(default)]
    pub foreign_received_usd: f64,
    #[serde(default)]
    pub scoring: Scoring,
    #[serde(default)]
    pub settings: Settings,
}

impl Targets {
    /// The target names, in report order (the keys of `counts` and `targets`).
    pub const NAMES: [&'static str; 9] = [
        "signed",
        "signed_major",
        "foreign",
        "tech",
        "started",
        "started_major",
        "completed_100m",
        "invested",
        "foreign_received_usd",
    ];

    pub fn get(&self, name: &str) -> f64 {
        match name {
            "signed" => self.signed,
            "signed_major" => self.signed_major,
            "foreign" => self.foreign,
            "tech" => self.tech,
            "started" => self.started,
            "started_major" => self.started_major,
            "completed_100m" => self.completed_100m,
            "invested" => self.invested,
            _ => self.foreign_received_usd,
        }
    }

    fn get_mut(&mut self, name: &str) -> &mut f64 {
        match name {
            "signed" => &mut self.signed,
            "signed_major" => &mut self.signed_major,
            "foreign" => &mut self.foreign,
            "tech" => &mut self.tech,
            "started" => &mut self.started,
            "started_major" => &mut self.started_major,
            "completed_100m" => &mut self.completed_100m,
            "invested" => &mut self.invested,
            _ => &mut self.foreign_received_usd,
        }
    }

    /// Whether any target is above zero (a unit without one has no score).
    pub fn any(&self) -> bool {
        Targets::NAMES.iter().any(|n| self.get(n) > 0.0)
    }
}

/// The year's scoring (百分制).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Scoring {
    pub weights: Weights,
    /// A ratio is capped at this before any mean.
    pub cap: f64,
    /// Points off per 影子项目.
    pub shadow_penalty: f64,
    /// At most this many points off for 影子项目.
    pub shadow_penalty_max: f64,
    pub yellow_below: f64,
    pub red_below: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            weights: Weights::default(),
            cap: 1.2,
            shadow_penalty: 1.0,
            shadow_penalty_max: 10.0,
            yellow_below: 80.0,
            red_below: 60.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub attract: f64,
    pub start: f64,
    pub complete: f64,
    pub invest: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { attract: 30.0, start: 30.0, complete: 20.0, invest: 20.0 }
    }
}

/// Warning thresholds for the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub shadow_months: u32,
    pub stall_days: u32,
    pub empty_nest_months: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { shadow_months: 6, stall_days: 90, empty_nest_months: 6 }
    }
}

/// Parses a targets body (`PUT …/targets/{year}`): the nine targets flat, `scoring?`, `settings?`.
/// Every problem is collected; numbers must be finite, ≥ 0 and not absurd.
pub fn parse_targets(body: &serde_json::Map<String, serde_json::Value>) -> Result<Targets, Vec<Problem>> {
    let mut t = Targets::default();
    let mut problems = Vec::new();
    for (key, value) in body {
        if Targets::NAMES.contains(&key.as_str()) {
            match amount(value) {
                Ok(Some(v)) => *t.get_mut(key) = v,
                Ok(None) => {}
                Err(reason) => {
                    problems.push(Problem::new(key, Code::InvalidValue, format!("目标“{key}”{reason}")))
                }
            }
        } else if key == "scoring" || key == "settings" {
            let parsed = if key == "scoring" {
                serde_json::from_value::<Scoring>(value.clone()).map(|s| t.scoring = s)
            } else {
                serde_json::from_value::<Settings>(value.clone()).map(|s| t.settings = s)
            };
            if let Err(e) = parsed {
                problems.push(Problem::new(key, Code::InvalidValue, format!("“{key}”无法识别：{e}")));
            }
        } else if key != "year" && key != "unit" {
            problems.push(Problem::new(key, Code::UnknownField, format!("未知字段“{key}”")));
        }
    }
    let s = &t.scoring;
    let w = &s.weights;
    let weights = [w.attract, w.start, w.complete, w.invest];
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
        problems.push(Problem::new("scoring", Code::InvalidValue, "权重须为非负数，且不能全为零"));
    }
    if !(s.cap.is_finite() && s.cap >= 1.0 && s.cap <= 10.0) {
        problems.push(Problem::new("scoring", Code::InvalidValue, "封顶系数（cap）须在 1 到 10 之间"));
    }
    if !(s.red_below.is_finite() && s.yellow_below.is_finite() && s.red_below <= s.yellow_below) {
        problems.push(Problem::new(
            "scoring",
            Code::InvalidValue,
            "红牌线（red_below）不能高于黄牌线（yellow_below）",
        ));
    }
    if [s.shadow_penalty, s.shadow_penalty_max].iter().any(|v| !v.is_finite() || *v < 0.0) {
        problems.push(Problem::new("scoring", Code::InvalidValue, "影子项目扣分须为非负数"));
    }
    let st = &t.settings;
    if st.shadow_months == 0
        || st.shadow_months > 120
        || st.empty_nest_months == 0
        || st.empty_nest_months > 120
    {
        problems.push(Problem::new("settings", Code::InvalidValue, "预警月数须在 1 到 120 之间"));
    }
    if st.stall_days == 0 || st.stall_days > 3650 {
        problems.push(Problem::new("settings", Code::InvalidValue, "停滞天数须在 1 到 3650 之间"));
    }
    if problems.is_empty() { Ok(t) } else { Err(problems) }
}

/// A non-negative amount (万元 / 万美元 / 个) from a JSON number or numeric text; `null` is none.
pub fn amount(value: &serde_json::Value) -> Result<Option<f64>, String> {
    let v = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Number(n) => n.as_f64().ok_or("不是有效数字")?,
        serde_json::Value::String(s) if s.trim().is_empty() => return Ok(None),
        serde_json::Value::String(s) => {
            s.trim().replace([',', '，'], "").parse::<f64>().map_err(|_| "不是有效数字")?
        }
        _ => return Err("应为数字".into()),
    };
    if !v.is_finite() || v < 0.0 {
        return Err("不能为负数".into());
    }
    if v > MAX_AMOUNT_WAN {
        return Err("超过 1 万亿，疑为录入错误".into());
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_order_along_the_line_and_parse_in_both_languages() {
        assert!(Stage::Signed < Stage::Started);
        assert_eq!(Stage::parse("开工"), Some(Stage::Started));
        assert_eq!(Stage::parse("at_capacity"), Some(Stage::AtCapacity));
        assert_eq!(Stage::parse("开花"), None);
        assert!(Stage::Producing.is_active() && !Stage::AtCapacity.is_active() && !Stage::OnHold.is_active());
        assert_eq!(Stage::Dropped.rank(), None);
    }

    #[test]
    fn project_ids_print_and_parse() {
        assert_eq!(ProjectId(7).to_string(), "P00000007");
        assert_eq!(ProjectId::parse("P00000007"), Some(ProjectId(7)));
        assert_eq!(ProjectId::parse("P"), None);
        assert_eq!(ProjectId::parse("E00000007"), None);
    }

    #[test]
    fn targets_parse_flat_with_defaults_and_reject_absurd_numbers() {
        let t = parse_targets(
            json!({"signed": 10, "invested": "50000", "settings": {"stall_days": 60}}).as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(
            (t.signed, t.invested, t.settings.stall_days, t.settings.shadow_months),
            (10.0, 50000.0, 60, 6)
        );
        assert_eq!(t.scoring.weights.attract, 30.0);
        let bad =
            parse_targets(json!({"signed": -1, "tech": 1e9, "colour": 1}).as_object().unwrap()).unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["colour", "signed", "tech"]);
    }
}
