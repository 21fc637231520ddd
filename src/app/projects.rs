//! Units, projects, events, targets and published months (SPEC §10) through the one write path:
//! each operation validates against the in-memory [`Book`] *inside* the transaction (so under the
//! store's write lock: what it checked cannot change before it commits), stores its records with
//! an audit entry in one batch, and the book follows in `App::apply`.

use super::App;
use crate::error::{Code, Error, Problem, Result};
use crate::model::project::{
    Event, Figures, LeadOrigin, Project, ProjectId, Stage, Targets, Unit, UnitKind, amount, parse_targets,
    valid_unit_id,
};
use crate::model::values::{parse_bool, parse_date};
use crate::model::{EnterpriseId, EnterprisePatch, Role, regions};
use crate::projects::{Book, Published};
use crate::store::{AuditEntry, BookChange, Txn};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use std::sync::RwLockReadGuard;

/// Who is writing or reading: a token's name, role and unit.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// A token with a unit writes (and reads) only that unit's subtree.
    pub unit: Option<String>,
}

impl Actor {
    pub fn admin(name: &str) -> Actor {
        Actor { name: name.into(), role: Role::Admin, unit: None }
    }

    /// Whether this actor may see projects of `unit`.
    pub fn sees(&self, book: &Book, unit: &str) -> bool {
        self.unit.as_deref().is_none_or(|mine| book.within(unit, mine))
    }

    fn may_write(&self, book: &Book, unit: &str) -> Result<()> {
        if self.role < Role::Analyst {
            return Err(forbidden("只有分析员或管理员可以登记项目"));
        }
        if !self.sees(book, unit) {
            return Err(forbidden(&format!(
                "本令牌属于单位“{}”，不能操作单位“{unit}”的项目",
                self.unit.as_deref().unwrap_or_default()
            )));
        }
        Ok(())
    }
}

fn forbidden(reason: &str) -> Error {
    Error::Invalid(vec![Problem::new("", Code::Forbidden, reason)])
}

fn problem(field: &str, code: Code, reason: impl Into<String>) -> Problem {
    Problem::new(field, code, reason)
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Collects field problems; `Err` with all of them at the end.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: &str, code: Code, reason: impl Into<String>) {
        self.0.push(problem(field, code, reason));
    }

    fn unknown_fields(&mut self, body: &Map<String, Value>, known: &[&str]) {
        for key in body.keys() {
            if !known.contains(&key.as_str()) {
                self.add(key, Code::UnknownField, format!("未知字段“{key}”"));
            }
        }
    }

    fn wrong_types(&mut self, body: &Map<String, Value>, texts: &[&str], bools: &[&str]) {
        for (key, v) in body {
            let ok = match v {
                Value::Null => true,
                Value::Bool(_) => bools.contains(&key.as_str()),
                Value::String(_) | Value::Number(_) => true,
                Value::Object(_) => key == "enterprise",
                Value::Array(_) => false,
            };
            if !ok && (texts.contains(&key.as_str()) || bools.contains(&key.as_str())) {
                self.add(key, Code::InvalidType, format!("字段“{key}”应为文字或数字"));
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T> {
        if self.0.is_empty() { Ok(value) } else { Err(Error::Invalid(self.0)) }
    }
}

fn date_field(body: &Map<String, Value>, key: &str, p: &mut Problems, today: NaiveDate) -> Option<NaiveDate> {
    let s = text(body.get(key))?;
    match parse_date(&s, NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid")) {
        Ok(d) if d < NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid") => {
            p.add(key, Code::InvalidValue, format!("日期“{s}”早于 1990 年，疑为录入错误"));
            None
        }
        Ok(d) if key == "date" && d > today => {
            p.add(key, Code::InvalidValue, format!("日期“{s}”在今天（{today}）之后：事件记的是已经发生的事"));
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            p.add(key, Code::InvalidValue, e);
            None
        }
    }
}

fn amount_field(body: &Map<String, Value>, key: &str, p: &mut Problems) -> Option<f64> {
    match amount(body.get(key).unwrap_or(&Value::Null)) {
        Ok(v) => v,
        Err(reason) => {
            p.add(key, Code::InvalidValue, format!("“{key}”{reason}"));
            None
        }
    }
}

fn bool_field(body: &Map<String, Value>, key: &str, p: &mut Problems) -> Option<bool> {
    match body.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::Null => None,
        other => {
            let s = text(Some(other))?;
            match parse_bool(&s) {
                Ok(b) => Some(b),
                Err(e) => {
                    p.add(key, Code::InvalidValue, e);
                    None
                }
            }
        }
    }
}

const UNIT_FIELDS: &[&str] = &["id", "name", "region", "kind", "parent"];
const PROJECT_FIELDS: &[&str] = &[
    "name",
    "enterprise",
    "unit",
    "chain",
    "link",
    "investment",
    "foreign",
    "foreign_investment_usd",
    "tech",
    "land_mu",
    "leader",
    "contact",
    "expected_start",
    "expected_production",
    "stage",
    "date",
    "note",
];
const EVENT_FIELDS: &[&str] = &[
    "stage",
    "date",
    "note",
    "reason",
    "signed_amount",
    "invested_total",
    "funds_in_place_total",
    "foreign_received_total_usd",
    "correction",
    "voids",
];

impl App {
    /// The project book, for reading. Never hold it across an `.await`.
    pub fn book(&self) -> RwLockReadGuard<'_, Book> {
        self.book.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn apply_book(&self, changes: &[BookChange]) {
        if changes.is_empty() {
            return;
        }
        let mut book = self.book.write().unwrap_or_else(|p| p.into_inner());
        for c in changes {
            book.apply(c.clone());
        }
    }

    // ---- units ----

    /// Creates (`id` `None`: from the body or assigned) or replaces a unit. Admin only.
    pub fn put_unit(
        &self,
        id: Option<&str>,
        body: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<(Unit, bool)> {
        if actor.role < Role::Admin {
            return Err(forbidden("只有管理员可以设置招商单位"));
        }
        self.write(|txn| {
            let book = self.book();
            let mut p = Problems::default();
            p.unknown_fields(body, UNIT_FIELDS);
            p.wrong_types(body, UNIT_FIELDS, &[]);
            let body_id = text(body.get("id"));
            let replacing = id.is_some();
            let id = match (id, body_id) {
                (Some(path), Some(b)) if path != b => {
                    p.add("id", Code::InvalidValue, format!("请求体中的编号“{b}”与地址中的“{path}”不一致"));
                    path.to_string()
                }
                (Some(path), _) => path.to_string(),
                (None, Some(b)) => b,
                (None, None) => {
                    let n = (1..).find(|n| !book.units.contains_key(&format!("unit-{n}"))).expect("a free id");
                    format!("unit-{n}")
                }
            };
            if !valid_unit_id(&id) {
                p.add("id", Code::InvalidValue, format!("单位编号“{id}”只能由小写字母、数字和“-”组成（不超过64个字符）"));
            }
            if !replacing && book.units.contains_key(&id) {
                return Err(Error::Conflict(problem("id", Code::DuplicateUnit, format!("单位“{id}”已存在"))));
            }
            let name = text(body.get("name"));
            if name.is_none() {
                p.add("name", Code::MissingField, "缺少单位名称");
            }
            if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
                p.add("name", Code::InvalidValue, "单位名称超过100个字符");
            }
            let region = match text(body.get("region")) {
                None => {
                    p.add("region", Code::MissingField, "缺少所在地区（行政区划代码或名称）");
                    None
                }
                Some(r) => match regions().parse(&r) {
                    Ok(code) => Some(code),
                    Err(e) => {
                        p.add("region", e.code(), e.to_string());
                        None
                    }
                },
            };
            let kind = match text(body.get("kind")) {
                None => Some(UnitKind::Team),
                Some(k) => UnitKind::parse(&k).or_else(|| {
                    p.add("kind", Code::InvalidValue, format!("单位类型“{k}”无法识别（可填：team 招商小组、department 部门、district 区县、park 开发区）"));
                    None
                }),
            };
            let parent = text(body.get("parent"));
            if let Some(parent) = &parent {
                if !book.units.contains_key(parent) {
                    p.add("parent", Code::NotFound, format!("上级单位“{parent}”不存在"));
                } else if book.within(parent, &id) {
                    p.add("parent", Code::InvalidValue, format!("上级单位“{parent}”在“{id}”之下，会形成环"));
                }
            }
            let (Some(name), Some(region), Some(kind)) = (name, region, kind) else {
                return Err(Error::Invalid(p.0));
            };
            // An admin token with a unit manages only units below it.
            if let Some(mine) = &actor.unit {
                let under = |u: &str| u != mine && book.within(u, mine);
                if (replacing && !under(&id)) || parent.as_deref().is_none_or(|p| !book.within(p, mine)) {
                    return Err(forbidden(&format!("本令牌属于单位“{mine}”，只能设置其下级单位")));
                }
            }
            let unit = Unit { id: id.clone(), name, region, kind, parent, synthetic: false };
            let before = book.units.get(&id).cloned();
            drop(book);
            p.finish(())?;
            txn.put_book(BookChange::Unit(unit.clone()))?;
            txn.audit(&AuditEntry::now(&actor.name, "put_unit", id, before.as_ref().map(|u| json!(u)), Some(json!(unit))))?;
            Ok((unit, before.is_none()))
        })
    }

    /// Sets a unit's targets and scoring for a year. Admin only.
    pub fn put_targets(
        &self,
        unit: &str,
        year: i32,
        body: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<Targets> {
        if actor.role < Role::Admin {
            return Err(forbidden("只有管理员可以下达目标"));
        }
        if !(2000..=2100).contains(&year) {
            return Err(Error::Invalid(vec![problem(
                "year",
                Code::InvalidParameter,
                format!("年份 {year} 不在 2000–2100 之间"),
            )]));
        }
        let targets = parse_targets(body).map_err(Error::Invalid)?;
        self.write(|txn| {
            let book = self.book();
            if !book.units.contains_key(unit) {
                return Err(Error::NotFound(format!("unit {unit:?}")));
            }
            if actor.unit.as_deref().is_some_and(|mine| mine == unit || !book.within(unit, mine)) {
                return Err(forbidden("本令牌只能为其下级单位下达目标"));
            }
            let before = book.targets.get(&(unit.to_string(), year)).cloned();
            drop(book);
            txn.put_book(BookChange::Targets { unit: unit.into(), year, targets: targets.clone() })?;
            txn.audit(&AuditEntry::now(
                &actor.name,
                "put_targets",
                format!("{unit}/{year}"),
                before.map(|t| json!(t)),
                Some(json!(targets)),
            ))?;
            Ok(targets.clone())
        })
    }

    // ---- projects ----

    /// Creates a project (and its enterprise when new; a first event when the body gives a
    /// stage). `lead` is set when taken up from a lead.
    pub fn create_project(
        &self,
        body: &Map<String, Value>,
        lead: Option<LeadOrigin>,
        actor: &Actor,
    ) -> Result<ProjectId> {
        let today = super::today();
        self.write(|txn| {
            let mut p = Problems::default();
            p.unknown_fields(body, PROJECT_FIELDS);
            p.wrong_types(body, PROJECT_FIELDS, &["foreign", "tech"]);
            let book = self.book();
            let unit = text(body.get("unit")).or_else(|| actor.unit.clone());
            match &unit {
                None => p.add("unit", Code::MissingField, "缺少招商单位（unit）"),
                Some(u) if !book.units.contains_key(u) => {
                    p.add("unit", Code::NotFound, format!("招商单位“{u}”不存在"))
                }
                Some(u) => actor.may_write(&book, u)?,
            }
            let id = book.next_project_id();
            let event_id = book.next_event_id();
            drop(book);
            let enterprise = self.project_enterprise(txn, body.get("enterprise"), &mut p, today)?;
            let mut project = self.project_fields(
                body,
                &mut p,
                today,
                id,
                enterprise.as_ref().map(|e| e.0).unwrap_or(EnterpriseId(0)),
                actor,
            );
            project.lead = lead.clone();
            if let Some(u) = unit {
                project.unit = u;
            }
            if project.name.is_empty()
                && let Some((_, name)) = &enterprise
            {
                project.name = format!("{name}项目");
            }
            if project.name.is_empty() {
                p.add("name", Code::MissingField, "缺少项目名称");
            }
            let first = match text(body.get("stage")) {
                Some(s) => match Stage::parse(&s) {
                    Some(stage) => Some(Event {
                        id: event_id,
                        project: id,
                        stage: Some(stage),
                        date: date_field(body, "date", &mut p, today).unwrap_or(today),
                        recorded_at: chrono::Utc::now(),
                        by: actor.name.clone(),
                        note: text(body.get("note")),
                        reason: None,
                        figures: Figures::default(),
                        correction: false,
                        voids: None,
                        synthetic: false,
                    }),
                    None => {
                        p.add("stage", Code::InvalidStage, format!("阶段“{s}”无法识别（{}）", stage_list()));
                        None
                    }
                },
                None => None,
            };
            if let Some(e) = &first
                && let Err(rule) = crate::projects::state::check_history(std::slice::from_ref(e))
            {
                p.add("stage", Code::InvalidStage, rule);
            }
            p.finish(())?;
            txn.put_book(BookChange::Project(project.clone()))?;
            if let Some(e) = first {
                txn.put_book(BookChange::Event(e))?;
            }
            txn.audit(&AuditEntry::now(
                &actor.name,
                "create_project",
                id.to_string(),
                None,
                Some(json!(project)),
            ))?;
            Ok(id)
        })
    }

    /// Changes a project's details (not its stage: that is an event). Moving it to another
    /// unit (reassigning, e.g. to resolve 撞单) is an admin's.
    pub fn update_project(&self, id: ProjectId, body: &Map<String, Value>, actor: &Actor) -> Result<()> {
        let today = super::today();
        self.write(|txn| {
            let mut p = Problems::default();
            let known: Vec<&str> =
                PROJECT_FIELDS.iter().copied().filter(|f| !matches!(*f, "stage" | "date" | "note")).collect();
            p.unknown_fields(body, &known);
            p.wrong_types(body, PROJECT_FIELDS, &["foreign", "tech"]);
            let book = self.book();
            let old = book.entry(id).ok_or_else(|| Error::NotFound(format!("project {id}")))?.project.clone();
            actor.may_write(&book, &old.unit)?;
            let mut new = old.clone();
            if let Some(u) = text(body.get("unit")).filter(|u| *u != old.unit) {
                if actor.role < Role::Admin {
                    return Err(forbidden("改派项目到其他单位须由管理员操作"));
                }
                if !book.units.contains_key(&u) {
                    p.add("unit", Code::NotFound, format!("招商单位“{u}”不存在"));
                } else {
                    actor.may_write(&book, &u)?;
                }
                new.unit = u;
            }
            drop(book);
            if body.contains_key("enterprise")
                && let Some((e, _)) = self.project_enterprise(txn, body.get("enterprise"), &mut p, today)?
            {
                new.enterprise = e;
            }
            let fields = self.project_fields(body, &mut p, today, id, new.enterprise, actor);
            macro_rules! take {
                ($($f:ident),*) => { $( if body.contains_key(stringify!($f)) { new.$f = fields.$f.clone(); } )* };
            }
            take!(chain, link, investment, foreign, foreign_investment_usd, tech, land_mu, leader, contact, expected_start, expected_production);
            if body.contains_key("name") && !fields.name.is_empty() {
                new.name = fields.name;
            }
            // The chain and link the patch leaves must still fit each other.
            {
                let graph = self.graph();
                match (&new.chain, &new.link) {
                    (None, Some(_)) => p.add("link", Code::MissingField, "填写环节时须同时填写产业链（chain）"),
                    (Some(c), Some(l)) if graph.chain(c).is_some_and(|ch| !ch.links.iter().any(|x| &x.id == l)) => {
                        p.add("link", Code::NotFound, format!("产业链“{c}”没有环节“{l}”"))
                    }
                    _ => {}
                }
            }
            p.finish(())?;
            txn.put_book(BookChange::Project(new.clone()))?;
            txn.audit(&AuditEntry::now(&actor.name, "update_project", id.to_string(), Some(json!(old)), Some(json!(new))))?;
            Ok(())
        })
    }

    /// The enterprise a project body names: an id (`E…`), or a record (name, credit code,
    /// region…) of one found or created now.
    fn project_enterprise(
        &self,
        txn: &mut Txn<'_>,
        v: Option<&Value>,
        p: &mut Problems,
        today: NaiveDate,
    ) -> Result<Option<(EnterpriseId, String)>> {
        match v {
            None | Some(Value::Null) => {
                p.add(
                    "enterprise",
                    Code::MissingField,
                    "缺少企业（企业编号，或含名称、地区/信用代码的企业记录）",
                );
                Ok(None)
            }
            Some(Value::String(s)) => {
                match EnterpriseId::parse(s.trim()) {
                    Some(id) => match txn.enterprise(id)? {
                        Some(e) => Ok(Some((id, e.name))),
                        None => {
                            p.add("enterprise", Code::NotFound, format!("企业 {id} 不存在"));
                            Ok(None)
                        }
                    },
                    None => {
                        p.add("enterprise", Code::InvalidValue, format!("“{s}”不是企业编号（E…）；新企业请给出企业记录 {{name, region 或 credit_code}}"));
                        Ok(None)
                    }
                }
            }
            Some(Value::Object(record)) => {
                let patch = match EnterprisePatch::from_record(record, today) {
                    Ok(patch) => patch,
                    Err(problems) => {
                        for x in problems {
                            p.add(&format!("enterprise.{}", x.field), x.code, x.reason);
                        }
                        return Ok(None);
                    }
                };
                match super::enterprises::find_or_create(txn, patch)? {
                    Ok(e) => Ok(Some((e.id, e.name))),
                    Err(problems) => {
                        for x in problems {
                            p.add(&format!("enterprise.{}", x.field), x.code, x.reason);
                        }
                        Ok(None)
                    }
                }
            }
            Some(_) => {
                p.add("enterprise", Code::InvalidType, "企业应为企业编号或企业记录对象");
                Ok(None)
            }
        }
    }

    /// The plain fields of a project body (unit, enterprise and stage are the caller's).
    fn project_fields(
        &self,
        body: &Map<String, Value>,
        p: &mut Problems,
        today: NaiveDate,
        id: ProjectId,
        enterprise: EnterpriseId,
        actor: &Actor,
    ) -> Project {
        let graph = self.graph();
        let chain = text(body.get("chain"));
        let link = text(body.get("link"));
        match (&chain, &link) {
            (Some(c), l) => match graph.chain(c) {
                None => p.add("chain", Code::NotFound, format!("产业链“{c}”不存在")),
                Some(ch) => {
                    if let Some(l) = l
                        && !ch.links.iter().any(|x| &x.id == l)
                    {
                        p.add("link", Code::NotFound, format!("产业链“{c}”没有环节“{l}”"));
                    }
                }
            },
            (None, Some(_)) => p.add("link", Code::MissingField, "填写环节时须同时填写产业链（chain）"),
            (None, None) => {}
        }
        let name = text(body.get("name")).unwrap_or_default();
        if name.chars().count() > 200 {
            p.add("name", Code::InvalidValue, "项目名称超过200个字符");
        }
        Project {
            id,
            name,
            enterprise,
            unit: String::new(),
            chain,
            link,
            lead: None,
            investment: amount_field(body, "investment", p).unwrap_or(0.0),
            foreign: bool_field(body, "foreign", p).unwrap_or(false),
            foreign_investment_usd: amount_field(body, "foreign_investment_usd", p),
            tech: bool_field(body, "tech", p).unwrap_or(false),
            land_mu: amount_field(body, "land_mu", p),
            leader: text(body.get("leader")),
            contact: text(body.get("contact")),
            expected_start: date_field(body, "expected_start", p, today),
            expected_production: date_field(body, "expected_production", p, today),
            created_at: chrono::Utc::now(),
            created_by: actor.name.clone(),
            synthetic: false,
        }
    }

    /// Records an event: a stage move and/or new running figures. The whole history with it must
    /// keep the stage rules; corrections (a backward move, striking an earlier event) are an
    /// admin's, with a reason.
    pub fn add_event(&self, id: ProjectId, body: &Map<String, Value>, actor: &Actor) -> Result<Event> {
        let today = super::today();
        self.write(|txn| {
            let mut p = Problems::default();
            p.unknown_fields(body, EVENT_FIELDS);
            p.wrong_types(body, EVENT_FIELDS, &["correction"]);
            let book = self.book();
            let entry = book.entry(id).ok_or_else(|| Error::NotFound(format!("project {id}")))?;
            actor.may_write(&book, &entry.project.unit)?;
            let stage = text(body.get("stage")).and_then(|s| {
                Stage::parse(&s).or_else(|| {
                    p.add("stage", Code::InvalidStage, format!("阶段“{s}”无法识别（{}）", stage_list()));
                    None
                })
            });
            let correction = bool_field(body, "correction", &mut p).unwrap_or(false);
            if correction && actor.role < Role::Admin {
                return Err(forbidden("纠正（阶段回退、作废事件）须由管理员操作"));
            }
            let voids = match body.get("voids") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_u64().or_else(|| text(Some(v)).and_then(|s| s.parse().ok())) {
                    Some(e) if entry.events.iter().any(|x| x.id == e) => Some(e),
                    _ => {
                        p.add("voids", Code::NotFound, format!("本项目没有编号为 {v} 的事件"));
                        None
                    }
                },
            };
            if voids.is_some() && !correction {
                p.add("voids", Code::InvalidStage, "作废事件属于纠正：须同时填写 correction: true 和原因");
            }
            let figures = Figures {
                signed_amount: amount_field(body, "signed_amount", &mut p),
                invested_total: amount_field(body, "invested_total", &mut p),
                funds_in_place_total: amount_field(body, "funds_in_place_total", &mut p),
                foreign_received_total_usd: amount_field(body, "foreign_received_total_usd", &mut p),
            };
            let note = text(body.get("note"));
            let reason = text(body.get("reason"));
            if stage.is_none() && figures.is_empty() && note.is_none() && voids.is_none() && p.0.is_empty() {
                p.add("stage", Code::MissingField, "事件没有内容：请填写阶段、数字或说明");
            }
            if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
                p.add("note", Code::InvalidValue, "说明超过2000个字符");
            }
            let date = if body.get("date").is_some_and(|d| !d.is_null()) {
                date_field(body, "date", &mut p, today)
            } else {
                Some(today)
            };
            let event = Event {
                id: book.next_event_id(),
                project: id,
                stage,
                date: date.unwrap_or(today),
                recorded_at: chrono::Utc::now(),
                by: actor.name.clone(),
                note,
                reason,
                figures,
                correction,
                voids,
                synthetic: false,
            };
            if p.0.is_empty()
                && let Err(rule) = crate::projects::state::check_history(&entry.with_event(&event))
            {
                p.add("stage", Code::InvalidStage, rule);
            }
            let dismiss = (event.stage == Some(Stage::Dropped)
                && event.reason.as_deref() == Some("no_interest"))
            .then(|| entry.project.chain.clone().map(|c| (c, entry.project.enterprise)))
            .flatten();
            drop(book);
            p.finish(())?;
            txn.put_book(BookChange::Event(event.clone()))?;
            if let Some((chain, enterprise)) = dismiss {
                // The firm said no: stop suggesting it for this chain (SPEC §10).
                let d = crate::store::Dismissal {
                    reason: format!("项目 {id} 终止：企业无意向（no_interest）"),
                    by: actor.name.clone(),
                    at: chrono::Utc::now(),
                };
                txn.dismiss(&chain, enterprise, &d)?;
            }
            if correction {
                txn.audit(&AuditEntry::now(
                    &actor.name,
                    "correct_project",
                    id.to_string(),
                    None,
                    Some(json!(event)),
                ))?;
            }
            Ok(event)
        })
    }

    /// Takes up a lead as a project: chain, link and score kept.
    pub fn take_lead(
        &self,
        chain: &str,
        enterprise: EnterpriseId,
        body: &Map<String, Value>,
        actor: &Actor,
    ) -> Result<ProjectId> {
        let lead = self.leads_for_take(chain, enterprise)?;
        let mut body = body.clone();
        body.insert("enterprise".into(), json!(enterprise.to_string()));
        body.insert("chain".into(), json!(chain));
        if let Some(link) = &lead.link {
            body.insert("link".into(), json!(link));
        }
        self.create_project(&body, Some(lead), actor)
    }

    /// Freezes a month's report as the published 通报. `make` builds its JSON shape; it runs
    /// under the write lock, so the report holds exactly the events up to the one recorded as
    /// the last before publishing.
    pub fn publish_month(
        &self,
        month: &str,
        make: impl FnOnce(&App) -> Result<Value>,
        actor: &Actor,
    ) -> Result<Published> {
        if actor.role < Role::Admin {
            return Err(forbidden("只有管理员可以发布通报"));
        }
        self.write(|txn| {
            if self.book().published.contains_key(month) {
                return Err(Error::Conflict(problem(
                    "month",
                    Code::AlreadyPublished,
                    format!("{month} 的通报已发布，不能重新发布（之后补录的进展列为发布后更正）"),
                )));
            }
            let published = Published {
                month: month.to_string(),
                at: chrono::Utc::now(),
                by: actor.name.clone(),
                last_event: self.book().last_event_id(),
                report: make(self)?,
            };
            txn.put_book(BookChange::Published(published.clone()))?;
            txn.audit(&AuditEntry::now(&actor.name, "publish_report", month, None, None))?;
            Ok(published)
        })
    }
}

impl App {
    /// Writes the demo's synthetic project history (`demo::history`) unless the book already
    /// has units. One transaction, audited.
    pub(super) fn load_demo_history(&self) -> Result<usize> {
        if !self.book().units.is_empty() {
            return Ok(0);
        }
        let candidates: Vec<crate::demo::history::Candidate> = {
            let graph = self.graph();
            let mut ids: Vec<EnterpriseId> = graph.enterprise_ids().collect();
            ids.sort();
            ids.into_iter()
                .filter_map(|id| {
                    let e = graph.enterprise(id)?;
                    // Firms from outside the province: the ones a 招商 team courts.
                    if e.region.to_string().starts_with("32") {
                        return None;
                    }
                    let link = graph.links_of(id).into_iter().find(|m| m.counted)?.link;
                    Some(crate::demo::history::Candidate {
                        id,
                        name: e.name.clone(),
                        chain: link.chain,
                        link: link.link,
                    })
                })
                .collect()
        };
        let changes = crate::demo::history::history(&candidates, super::today(), 2026);
        let n = changes.len();
        self.write(|txn| {
            for c in changes {
                txn.put_book(c)?;
            }
            txn.audit(&AuditEntry::now(
                "demo",
                "load_demo_history",
                "projects",
                None,
                Some(json!({"records": n})),
            ))
        })?;
        Ok(n)
    }
}

pub fn stage_list() -> String {
    Stage::ALL.iter().map(|s| format!("{} {}", s.as_str(), s.label())).collect::<Vec<_>>().join("、")
}
