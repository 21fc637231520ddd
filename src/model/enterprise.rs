//! 企业 (enterprises): the stored [`Enterprise`] and the [`EnterprisePatch`] that every input —
//! a spreadsheet row, a JSON line, an API body — is parsed into before it reaches the store.
//!
//! A patch carries only what the input said: applied to a stored enterprise, non-empty values
//! overwrite and absent ones keep what was stored (SPEC §4).

use super::chain::LinkRef;
use super::credit_code::CreditCode;
use super::product::Product;
use super::region::{RegionCode, regions};
use super::values::{normalise_name, parse_bool, parse_capital, parse_date, split_list};
use crate::error::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// The service-assigned, stable id of an enterprise, shown as `E` and eight digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnterpriseId(pub u64);

impl fmt::Display for EnterpriseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E{:08}", self.0)
    }
}

impl EnterpriseId {
    pub fn parse(s: &str) -> Option<Self> {
        s.strip_prefix('E').or_else(|| s.strip_prefix('e'))?.parse().ok().map(EnterpriseId)
    }
}

impl Serialize for EnterpriseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnterpriseId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EnterpriseId::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid enterprise id {s:?}")))
    }
}

impl schemars::JsonSchema for EnterpriseId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EnterpriseId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "pattern": "^[Ee][0-9]+$", "description": "an enterprise id, E + 8 digits"})
    }
}

/// Tags that make an enterprise a **leader** (SPEC §2).
pub const LEADER_TAGS: &[&str] =
    &["世界500强", "中国500强", "央企", "上市公司", "专精特新小巨人", "单项冠军"];

/// Every tag the product knows; others are kept as free labels.
pub const KNOWN_TAGS: &[&str] =
    &["世界500强", "中国500强", "央企", "上市公司", "专精特新小巨人", "单项冠军", "专精特新", "高新技术企业"];

/// Folds the ways people write tags into the canonical names (小巨人 → 专精特新小巨人).
pub fn normalise_tag(input: &str) -> String {
    let t: String = input.trim().chars().filter(|c| !matches!(c, '“' | '”' | '"' | '\'' | ' ')).collect();
    match t.as_str() {
        "小巨人" | "专精特新小巨人" | "国家级专精特新小巨人" | "专精特新小巨人企业" => {
            "专精特新小巨人".into()
        }
        "高新技术" | "高新企业" | "国家高新技术企业" | "高企" => "高新技术企业".into(),
        "制造业单项冠军" | "单项冠军企业" => "单项冠军".into(),
        "财富世界500强" => "世界500强".into(),
        "中央企业" => "央企".into(),
        "上市" | "A股上市公司" => "上市公司".into(),
        _ => t,
    }
}

/// 动态: something the enterprise did recently (扩产, 新设子公司, 定向增发, 增资扩股, 融资).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Signal {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub text: String,
}

/// Which way goods go between an enterprise and its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The partner supplies this enterprise.
    Supplier,
    /// The partner buys from this enterprise.
    Customer,
}

/// 上下游企业: a supply relation, naming the partner by credit code or exact name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Partner {
    pub enterprise: String,
    pub relation: Relation,
}

/// A stored enterprise. Its serde form is record format v1 of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enterprise {
    pub id: EnterpriseId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<CreditCode>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub region: RegionCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// 注册资本 in 万元 of `registered_capital_currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_capital: Option<f64>,
    /// The capital's currency when it is not 人民币 (`USD`, `HKD`, `EUR`, `JPY`, `GBP`); filters
    /// and scoring treat such a capital as unknown (SPEC §4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_capital_currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Product>,
    /// 国民经济行业代码 (GB/T 4754-2017, section-qualified: `C3841`), when the record came with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Explicit memberships.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<Partner>,
    /// 两高: never suggested as a lead.
    #[serde(default)]
    pub restricted: bool,
    /// Where the record came from (demo data, synthetic generator, an analyst's import).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Enterprise {
    /// 注册资本 in 万元人民币; a capital in another currency counts as unknown.
    pub fn capital_cny(&self) -> Option<f64> {
        self.registered_capital.filter(|_| self.registered_capital_currency.is_none())
    }

    /// A **leader**: tagged 世界500强, 中国500强, 央企, 上市公司, 专精特新小巨人 or 单项冠军.
    pub fn is_leader(&self) -> bool {
        self.tags.iter().any(|t| LEADER_TAGS.contains(&t.as_str()))
    }

    pub fn is_listed(&self) -> bool {
        self.stock_code.is_some() || self.tags.iter().any(|t| t == "上市公司")
    }
}

/// The part of an enterprise the graph needs. Decoding only this from a stored record skips the
/// rest (descriptions, addresses, signals), which makes opening a large store much faster.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnterpriseFacts {
    pub id: EnterpriseId,
    pub name: String,
    pub region: RegionCode,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub industry_code: Option<String>,
    #[serde(default)]
    pub links: Vec<LinkRef>,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub registered_capital: Option<f64>,
    #[serde(default)]
    pub registered_capital_currency: Option<String>,
    #[serde(default)]
    pub credit_code: Option<CreditCode>,
    #[serde(default)]
    pub stock_code: Option<String>,
    #[serde(default)]
    pub signals: Vec<Signal>,
    #[serde(default)]
    pub partners: Vec<Partner>,
}

impl EnterpriseFacts {
    /// 注册资本 in 万元人民币; a capital in another currency counts as unknown.
    pub fn capital_cny(&self) -> Option<f64> {
        self.registered_capital.filter(|_| self.registered_capital_currency.is_none())
    }

    pub fn is_leader(&self) -> bool {
        self.tags.iter().any(|t| LEADER_TAGS.contains(&t.as_str()))
    }
}

impl From<&Enterprise> for EnterpriseFacts {
    fn from(e: &Enterprise) -> Self {
        EnterpriseFacts {
            id: e.id,
            name: e.name.clone(),
            region: e.region,
            tags: e.tags.clone(),
            products: e.products.clone(),
            industry_code: e.industry_code.clone(),
            links: e.links.clone(),
            restricted: e.restricted,
            registered_capital: e.registered_capital,
            registered_capital_currency: e.registered_capital_currency.clone(),
            credit_code: e.credit_code.clone(),
            stock_code: e.stock_code.clone(),
            signals: e.signals.clone(),
            partners: e.partners.clone(),
        }
    }
}

/// What one input said about an enterprise. `None` (or an empty list) means "not said".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnterprisePatch {
    pub credit_code: Option<CreditCode>,
    pub name: Option<String>,
    pub aliases: Vec<String>,
    pub region: Option<RegionCode>,
    /// Set when `region` was not said but inferred (SPEC §4); an inferred region never replaces
    /// a stored one.
    pub region_from: Option<RegionSource>,
    pub address: Option<String>,
    pub registered_capital: Option<f64>,
    /// `Some("CNY")` when the cell said 人民币 or nothing; another code for a foreign currency.
    pub registered_capital_currency: Option<String>,
    pub founded: Option<NaiveDate>,
    pub stock_code: Option<String>,
    pub tags: Vec<String>,
    pub products: Vec<Product>,
    pub industry_code: Option<String>,
    pub description: Option<String>,
    pub links: Vec<LinkRef>,
    pub signals: Vec<Signal>,
    pub partners: Vec<Partner>,
    pub restricted: Option<bool>,
    pub source: Option<String>,
}

/// Where a region that a record did not say came from, in the order they are tried (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionSource {
    /// The county/city/province named at the start of the address.
    Address,
    /// Positions 3–8 of the credit code: the registering authority's division.
    CreditCode,
    /// A region named at the start of the enterprise name.
    Name,
}

/// How long each text field may be and how many items each list may hold (characters; SPEC §3
/// names the fields). A record past a limit is rejected with the field and the limit in the
/// message, so one careless cell cannot make a 50 MB record that every read then carries (a
/// 16-million-character 简介 took the server from 740 MB to 2.3 GB, issue 17).
pub struct FieldLimit {
    pub field: &'static str,
    /// What the analyst sees the field called.
    pub label: &'static str,
    /// Characters of the text, or of each item of a list.
    pub chars: usize,
    /// Items of a list (`0` for a text field).
    pub items: usize,
}

pub const FIELD_LIMITS: &[FieldLimit] = &[
    FieldLimit { field: "name", label: "企业名称", chars: 200, items: 0 },
    FieldLimit { field: "aliases", label: "简称", chars: 100, items: 50 },
    FieldLimit { field: "address", label: "地址", chars: 500, items: 0 },
    FieldLimit { field: "description", label: "简介", chars: 5_000, items: 0 },
    FieldLimit { field: "tags", label: "标签", chars: 50, items: 100 },
    FieldLimit { field: "products", label: "主营产品", chars: 100, items: 500 },
    FieldLimit { field: "stock_code", label: "股票代码", chars: 20, items: 0 },
    FieldLimit { field: "source", label: "数据来源", chars: 500, items: 0 },
    FieldLimit { field: "signals", label: "动态", chars: 500, items: 200 },
    FieldLimit { field: "partners", label: "上下游伙伴", chars: 200, items: 1_000 },
    FieldLimit { field: "links", label: "产业链环节", chars: 200, items: 500 },
];

/// Fields holding a list (their text in a cell is split into items, each checked on its own).
const LIST_FIELDS: &[&str] = &["aliases", "tags", "products", "signals", "partners", "links"];
/// Characters of any other single value (a code, a region, a date, a capital).
const MAX_OTHER_TEXT: usize = 200;

fn limit_of(field: &str) -> &'static FieldLimit {
    FIELD_LIMITS.iter().find(|l| l.field == field).expect("a field of the limits table")
}

/// The problem with a text past its field's limit, if any.
fn over_text(field: &str, text: &str) -> Option<Problem> {
    let l = limit_of(field);
    let n = text.chars().count();
    (n > l.chars).then(|| {
        Problem::new(
            field,
            crate::error::Code::InvalidValue,
            format!("{}过长：{n} 个字符，上限 {} 个字符", l.label, l.chars),
        )
    })
}

/// The problem with a list past its field's limits (items, or characters of one item), if any.
fn over_list<'a>(field: &str, items: impl ExactSizeIterator<Item = &'a str>) -> Option<Problem> {
    let l = limit_of(field);
    let count = items.len();
    if count > l.items {
        return Some(Problem::new(
            field,
            crate::error::Code::InvalidValue,
            format!("{}过多：{count} 项，上限 {} 项", l.label, l.items),
        ));
    }
    for (i, item) in items.enumerate() {
        let n = item.chars().count();
        if n > l.chars {
            return Some(Problem::new(
                field,
                crate::error::Code::InvalidValue,
                format!("{}第 {} 项过长：{n} 个字符，上限 {} 个字符", l.label, i + 1, l.chars),
            ));
        }
    }
    None
}

/// The record keys a patch understands (JSON names). `province`, `city` and `county` carry
/// region names from spreadsheets with separate 省/市/区县 columns.
pub const FIELDS: &[&str] = &[
    "credit_code",
    "name",
    "aliases",
    "region",
    "province",
    "city",
    "county",
    "address",
    "registered_capital",
    "registered_capital_currency",
    "founded",
    "stock_code",
    "tags",
    "products",
    "industry_code",
    "description",
    "links",
    "signals",
    "partners",
    "restricted",
    "source",
];

/// What a field's JSON value should have been, when it has a type the field cannot take (a list
/// where text is wanted, a number where a list of partners is). `null` is always "not given".
fn wrong_type(key: &str, v: &Value) -> Option<&'static str> {
    let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_));
    let fine = match key {
        _ if v.is_null() => true,
        "restricted" => scalar(v) || v.is_boolean(),
        "aliases" | "tags" | "links" => {
            scalar(v) || v.as_array().is_some_and(|items| items.iter().all(|i| scalar(i) || i.is_null()))
        }
        "products" => {
            scalar(v)
                || v.as_array()
                    .is_some_and(|items| items.iter().all(|i| scalar(i) || i.is_null() || i.is_object()))
        }
        "signals" | "partners" => {
            scalar(v) || v.as_array().is_some_and(|items| items.iter().all(|i| scalar(i) || i.is_object()))
        }
        _ => scalar(v),
    };
    if fine {
        return None;
    }
    Some(match key {
        "restricted" => "是/否（true/false）",
        "aliases" | "tags" | "links" => "文字列表（数组，或以“；”分隔的文字）",
        "products" => "产品列表（文字、{name, share} 对象的数组，或以“；”分隔的文字）",
        "signals" | "partners" => "列表（对象数组，或以“；”分隔的文字）",
        _ => "文字或数字",
    })
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn list_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => {
            let mut out: Vec<String> = Vec::new();
            for item in items.iter().filter_map(text_of) {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            out
        }
        other => text_of(other).map(|s| split_list(&s)).unwrap_or_default(),
    }
}

/// Parses a `Signal` from `{kind, date, text}` or from spreadsheet text `扩产 2024-03-01 说明`.
/// A member of a signal or partner object: text, or absent (missing, `null` or blank). Anything
/// else (a number, a list, an object) is refused rather than written out as JSON text.
fn member(o: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::String(_)) => Ok(text_of(v)),
        Some(_) => Err(format!("“{key}”应为文字")),
    }
}

fn signal_of(v: &Value, today: NaiveDate) -> Result<Signal, String> {
    if let Value::Object(o) = v {
        let kind = member(o, "kind")?.ok_or("动态缺少类型（kind）")?;
        let date = match member(o, "date")? {
            Some(d) => Some(parse_date(&d, today)?),
            None => None,
        };
        let text = member(o, "text")?.unwrap_or_default();
        return Ok(Signal { kind, date, text });
    }
    let s = text_of(v).unwrap_or_default();
    let mut words = s.split_whitespace();
    let kind = words.next().ok_or("动态为空")?.to_string();
    let rest: Vec<&str> = words.collect();
    let (date, text) = match rest.first().map(|w| parse_date(w, today)) {
        Some(Ok(d)) => (Some(d), rest[1..].join(" ")),
        _ => (None, rest.join(" ")),
    };
    Ok(Signal { kind, date, text })
}

/// Parses a `Partner` from `{enterprise, relation}` or from text `供应商:某某公司` / `客户：某某公司`.
fn partner_of(v: &Value) -> Result<Partner, String> {
    let relation_of = |r: &str| match r.trim() {
        "supplier" | "供应商" | "上游" => Ok(Relation::Supplier),
        "customer" | "客户" | "下游" => Ok(Relation::Customer),
        other => Err(format!("上下游关系“{other}”无法识别（可填：供应商、客户）")),
    };
    if let Value::Object(o) = v {
        let enterprise = member(o, "enterprise")?.ok_or("上下游企业缺少企业名称或信用代码")?;
        let relation = relation_of(&member(o, "relation")?.unwrap_or_default())?;
        return Ok(Partner { enterprise: normalise_name(&enterprise), relation });
    }
    let s = text_of(v).unwrap_or_default();
    let (r, name) = s
        .split_once([':', '：'])
        .ok_or_else(|| format!("上下游企业“{s}”应写作“供应商:企业名称”或“客户:企业名称”"))?;
    let name = normalise_name(name);
    if name.is_empty() {
        return Err(format!("上下游企业“{s}”缺少企业名称"));
    }
    Ok(Partner { enterprise: name, relation: relation_of(r)? })
}

impl EnterprisePatch {
    /// Parses a record whose keys are the JSON field names. Collects every problem, not just the
    /// first. `today` bounds dates (no founding in the future).
    pub fn from_record(record: &Map<String, Value>, today: NaiveDate) -> Result<Self, Vec<Problem>> {
        fn holds_nul(v: &Value) -> bool {
            match v {
                Value::String(s) => s.contains('\0'),
                Value::Array(items) => items.iter().any(holds_nul),
                Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
                _ => false,
            }
        }
        let mut p = EnterprisePatch::default();
        let mut problems = Vec::new();
        let mut bad = |field: &str, code: crate::error::Code, reason: String| {
            problems.push(Problem::new(field, code, reason))
        };
        for (key, value) in record {
            if !FIELDS.contains(&key.as_str()) && key != "id" {
                bad(key, crate::error::Code::UnknownField, format!("未知字段“{key}”"));
            } else if key != "id"
                && let Some(wanted) = wrong_type(key, value)
            {
                bad(key, crate::error::Code::InvalidType, format!("字段“{key}”应为{wanted}"));
            } else if holds_nul(value) {
                // Never meaningful in a record, and PostgreSQL's text and jsonb cannot hold it.
                bad(
                    key,
                    crate::error::Code::InvalidValue,
                    format!("字段“{key}”含有不可见的 NUL 字符（\\0）"),
                );
            }
        }
        // A single value far past any sensible length is refused before it is parsed, so no
        // message quotes a megabyte back (lists are checked item by item below).
        let mut unread: Vec<&str> = Vec::new();
        for (key, value) in record {
            if LIST_FIELDS.contains(&key.as_str()) {
                continue;
            }
            let Value::String(text) = value else { continue };
            let limit = FIELD_LIMITS.iter().find(|l| l.field == key).map_or(MAX_OTHER_TEXT, |l| l.chars);
            let n = text.trim().chars().count();
            if n > limit {
                let label = FIELD_LIMITS.iter().find(|l| l.field == key).map_or(key.as_str(), |l| l.label);
                bad(
                    key,
                    crate::error::Code::InvalidValue,
                    format!("{label}过长：{n} 个字符，上限 {limit} 个字符"),
                );
                unread.push(key);
            }
        }
        let get = |k: &str| record.get(k).and_then(text_of).filter(|_| !unread.contains(&k));

        if let Some(s) = get("credit_code") {
            match CreditCode::parse(&s) {
                Ok(c) => p.credit_code = Some(c),
                Err(e) => bad("credit_code", crate::error::Code::InvalidCreditCode, format!("{e}（“{s}”）")),
            }
        }
        if let Some(s) = get("name") {
            p.name = Some(normalise_name(&s));
        }
        p.aliases = record.get("aliases").map(list_of).unwrap_or_default();

        let region_text = get("region");
        let (province, city, county) = (get("province"), get("city"), get("county"));
        let resolved = match (&region_text, &province, &city, &county) {
            (Some(r), ..) => Some(regions().parse(r)),
            (None, None, None, None) => None,
            _ => Some(regions().resolve(province.as_deref(), city.as_deref(), county.as_deref())),
        };
        match resolved {
            Some(Ok(code)) => p.region = Some(code),
            Some(Err(e)) => bad("region", e.code(), e.to_string()),
            None => {}
        }
        p.address = get("address");
        if p.region.is_none()
            && region_text.is_none()
            && province.is_none()
            && city.is_none()
            && county.is_none()
        {
            p.infer_region();
        }
        if let Some(s) = get("registered_capital") {
            match parse_capital(&s) {
                Ok((v, currency)) => {
                    p.registered_capital = Some(v);
                    p.registered_capital_currency = Some(currency.to_string());
                }
                Err(e) => bad("registered_capital", crate::error::Code::InvalidValue, e),
            }
        }
        if let Some(s) = get("registered_capital_currency") {
            match super::values::parse_currency(&s) {
                Some(c) => p.registered_capital_currency = Some(c.to_string()),
                None => bad(
                    "registered_capital_currency",
                    crate::error::Code::InvalidValue,
                    format!("币种“{s}”无法识别（可填：人民币、美元、港元、欧元、日元、英镑）"),
                ),
            }
        }
        if let Some(s) = get("founded") {
            match parse_date(&s, today) {
                Ok(d) => p.founded = Some(d),
                Err(e) => bad("founded", crate::error::Code::InvalidValue, e),
            }
        }
        p.stock_code = get("stock_code").map(|s| s.to_ascii_uppercase());
        p.tags =
            record.get("tags").map(list_of).unwrap_or_default().iter().map(|t| normalise_tag(t)).collect();
        p.tags.dedup();
        let product_items: Vec<Value> = match record.get("products") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => vec![],
            Some(other) => list_of(other).into_iter().map(Value::String).collect(),
        };
        for item in &product_items {
            match Product::from_json(item) {
                Ok(Some(product)) => {
                    if !p.products.iter().any(|q| q.name == product.name) {
                        p.products.push(product);
                    }
                }
                Ok(None) => {}
                Err(e) => bad("products", crate::error::Code::InvalidValue, e),
            }
        }
        if let Some(s) = get("industry_code") {
            match super::industry::normalise_industry_code(&s) {
                Some(code) => p.industry_code = Some(code),
                None => bad(
                    "industry_code",
                    crate::error::Code::InvalidValue,
                    format!("“{s}”不是国民经济行业分类（GB/T 4754-2017）代码，如 C3841"),
                ),
            }
        }
        p.description = get("description");
        for l in record.get("links").map(list_of).unwrap_or_default() {
            match LinkRef::parse(&l) {
                Some(r) => p.links.push(r),
                None => bad(
                    "links",
                    crate::error::Code::InvalidValue,
                    format!("产业链环节“{l}”应写作“链ID/环节ID”，如 lithium-battery/cathode"),
                ),
            }
        }
        let items = |v: Option<&Value>| -> Vec<Value> {
            match v {
                Some(Value::Array(a)) => a.clone(),
                Some(Value::Null) | None => vec![],
                Some(other) => list_of(other).into_iter().map(Value::String).collect(),
            }
        };
        for item in items(record.get("signals")) {
            match signal_of(&item, today) {
                Ok(s) => p.signals.push(s),
                Err(e) => bad("signals", crate::error::Code::InvalidValue, e),
            }
        }
        for item in items(record.get("partners")) {
            match partner_of(&item) {
                Ok(x) => p.partners.push(x),
                Err(e) => bad("partners", crate::error::Code::InvalidValue, e),
            }
        }
        if let Some(s) = get("restricted") {
            match parse_bool(&s) {
                Ok(b) => p.restricted = Some(b),
                Err(e) => bad("restricted", crate::error::Code::InvalidValue, e),
            }
        }
        p.source = get("source");
        problems.extend(p.over_limits());
        if problems.is_empty() { Ok(p) } else { Err(problems) }
    }

    /// Every field past its limit in [`FIELD_LIMITS`].
    fn over_limits(&self) -> Vec<Problem> {
        let texts = [
            ("name", self.name.as_deref()),
            ("address", self.address.as_deref()),
            ("description", self.description.as_deref()),
            ("stock_code", self.stock_code.as_deref()),
            ("source", self.source.as_deref()),
        ];
        let mut out: Vec<Problem> =
            texts.iter().filter_map(|(f, t)| t.and_then(|t| over_text(f, t))).collect();
        let signals: Vec<&str> = self.signals.iter().map(|s| s.text.as_str()).collect();
        let kinds: Vec<&str> = self.signals.iter().map(|s| s.kind.as_str()).collect();
        let partners: Vec<&str> = self.partners.iter().map(|p| p.enterprise.as_str()).collect();
        let links: Vec<String> = self.links.iter().map(|l| l.to_string()).collect();
        out.extend(
            [
                over_list("aliases", self.aliases.iter().map(String::as_str)),
                over_list("tags", self.tags.iter().map(String::as_str)),
                over_list("products", self.products.iter().map(|p| p.name.as_str())),
                over_list("signals", signals.into_iter()),
                over_list("signals", kinds.into_iter()),
                over_list("partners", partners.into_iter()),
                over_list("links", links.iter().map(String::as_str)),
            ]
            .into_iter()
            .flatten(),
        );
        out
    }

    /// Infers the region of a record that did not say one: from the address, else the credit
    /// code, else the name (SPEC §4). An address that names no single place falls through.
    fn infer_region(&mut self) {
        let table = regions();
        let inferred = (self.address.as_deref().and_then(|a| table.infer_from_prefix(a, true)))
            .map(|c| (c, RegionSource::Address))
            .or_else(|| self.credit_code.as_ref()?.region().map(|c| (c, RegionSource::CreditCode)))
            .or_else(|| {
                let name = self.name.as_deref()?;
                table.infer_from_prefix(name, false).map(|c| (c, RegionSource::Name))
            });
        if let Some((code, from)) = inferred {
            self.region = Some(code);
            self.region_from = Some(from);
        }
    }

    /// The region this patch places the enterprise in: said outright, or read from positions
    /// 3–8 of the credit code when that is a known division.
    pub fn effective_region(&self) -> Option<RegionCode> {
        self.region.or_else(|| self.credit_code.as_ref()?.region())
    }

    /// Makes a new enterprise; a name is required. Without a region said or inferred, the
    /// enterprise's region is [`RegionCode::UNKNOWN`].
    pub fn into_new(self, id: EnterpriseId) -> Result<Enterprise, Vec<Problem>> {
        if self.name.as_deref().is_none_or(str::is_empty) {
            return Err(vec![Problem::new("name", crate::error::Code::MissingField, "缺少企业名称")]);
        }
        let region = self.effective_region().unwrap_or(RegionCode::UNKNOWN);
        let empty = Enterprise {
            id,
            credit_code: None,
            name: String::new(),
            aliases: vec![],
            region,
            address: None,
            registered_capital: None,
            registered_capital_currency: None,
            founded: None,
            stock_code: None,
            tags: vec![],
            products: vec![],
            industry_code: None,
            description: None,
            links: vec![],
            signals: vec![],
            partners: vec![],
            restricted: false,
            source: None,
        };
        Ok(self.apply_to(empty))
    }

    /// Overwrites what the patch says, keeps the rest.
    pub fn apply_to(self, mut e: Enterprise) -> Enterprise {
        fn set<T>(slot: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *slot = v;
            }
        }
        fn set_list<T>(slot: &mut Vec<T>, v: Vec<T>) {
            if !v.is_empty() {
                *slot = v;
            }
        }
        // An inferred region fills an unknown one and never replaces one that was stored; a said
        // region that merely contains the stored one (江苏省 for a firm in 武进区) says nothing new.
        let region = self.region.filter(|r| match self.region_from {
            Some(_) => !e.region.is_known(),
            None => !(e.region.is_known() && e.region.is_within(*r) && e.region != *r),
        });
        if self.credit_code.is_some() {
            e.credit_code = self.credit_code;
        }
        set(&mut e.name, self.name);
        set_list(&mut e.aliases, self.aliases);
        set(&mut e.region, region);
        if self.address.is_some() {
            e.address = self.address;
        }
        if self.registered_capital.is_some() {
            e.registered_capital = self.registered_capital;
            e.registered_capital_currency = self.registered_capital_currency.filter(|c| c != "CNY");
        } else if let Some(c) = self.registered_capital_currency {
            e.registered_capital_currency = Some(c).filter(|c| c != "CNY");
        }
        if self.founded.is_some() {
            e.founded = self.founded;
        }
        if self.stock_code.is_some() {
            e.stock_code = self.stock_code;
        }
        set_list(&mut e.tags, self.tags);
        set_list(&mut e.products, self.products);
        if self.industry_code.is_some() {
            e.industry_code = self.industry_code;
        }
        if self.description.is_some() {
            e.description = self.description;
        }
        set_list(&mut e.links, self.links);
        set_list(&mut e.signals, self.signals);
        set_list(&mut e.partners, self.partners);
        set(&mut e.restricted, self.restricted);
        if self.source.is_some() {
            e.source = self.source;
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn patch(v: Value) -> Result<EnterprisePatch, Vec<Problem>> {
        EnterprisePatch::from_record(v.as_object().unwrap(), today())
    }

    #[test]
    fn a_spreadsheet_like_record_parses() {
        let p = patch(json!({
            "name": "常州示例电池有限公司", "province": "江苏", "city": "常州", "county": "武进区",
            "registered_capital": "1.2亿元", "founded": "2019年3月1日", "tags": "小巨人；高新技术企业",
            "products": "磷酸铁锂、正极材料", "restricted": "否",
            "signals": "扩产 2025-06-01 新建产线；融资", "partners": "客户：某某汽车有限公司",
        }))
        .unwrap();
        assert_eq!(p.region.unwrap().to_string(), "320412");
        assert_eq!(p.registered_capital, Some(12_000.0));
        assert_eq!(p.tags, vec!["专精特新小巨人", "高新技术企业"]);
        assert_eq!(p.signals.len(), 2);
        assert_eq!(p.signals[0].date, NaiveDate::from_ymd_opt(2025, 6, 1));
        assert_eq!(p.partners[0].relation, Relation::Customer);
    }

    #[test]
    fn every_problem_of_a_record_is_reported() {
        let problems = patch(json!({
            "name": "某公司", "credit_code": "91110000600037341N", "region": "朝阳区",
            "registered_capital": "很多", "colour": "red",
        }))
        .unwrap_err();
        let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, vec!["unknown_field", "invalid_credit_code", "ambiguous_region", "invalid_value"]);
    }

    #[test]
    fn a_new_enterprise_needs_a_name_and_its_region_is_inferred_in_order() {
        let missing = patch(json!({"products": "电芯"})).unwrap().into_new(EnterpriseId(1)).unwrap_err();
        assert_eq!(missing.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), vec!["name"]);
        let new = |v| patch(v).unwrap();
        let by_code = new(json!({"name": "某公司", "credit_code": "91152201078377449P"}));
        assert_eq!(
            (by_code.region.unwrap().to_string(), by_code.region_from),
            ("152201".into(), Some(RegionSource::CreditCode))
        );
        // The address comes first, then the credit code, then the name.
        let by_address = new(
            json!({"name": "常州某公司", "credit_code": "91152201078377449P", "address": "北京市东城区某路1号"}),
        );
        assert_eq!(
            (by_address.region.unwrap().to_string(), by_address.region_from),
            ("110101".into(), Some(RegionSource::Address))
        );
        let ambiguous_address = new(json!({"name": "常州某公司", "address": "朝阳区某路1号"}));
        assert_eq!(
            (ambiguous_address.region.unwrap().to_string(), ambiguous_address.region_from),
            ("320400".into(), Some(RegionSource::Name))
        );
        let said = new(json!({"name": "常州某公司", "region": "320412", "address": "北京市东城区某路1号"}));
        assert_eq!((said.region.unwrap().to_string(), said.region_from), ("320412".into(), None));
        let nowhere = new(json!({"name": "某某有限公司"})).into_new(EnterpriseId(1)).unwrap();
        assert_eq!(nowhere.region, RegionCode::UNKNOWN);
    }

    #[test]
    fn an_inferred_region_fills_an_unknown_one_and_never_replaces_a_stored_one() {
        let stored =
            patch(json!({"name": "某公司", "region": "320412"})).unwrap().into_new(EnterpriseId(1)).unwrap();
        let moved = patch(json!({"name": "某公司", "address": "北京市东城区某路1号"}))
            .unwrap()
            .apply_to(stored.clone());
        assert_eq!(moved.region.to_string(), "320412");
        let unknown = patch(json!({"name": "某公司"})).unwrap().into_new(EnterpriseId(2)).unwrap();
        let found =
            patch(json!({"name": "某公司", "address": "北京市东城区某路1号"})).unwrap().apply_to(unknown);
        assert_eq!(found.region.to_string(), "110101");
    }

    #[test]
    fn a_foreign_capital_keeps_its_currency_and_counts_as_unknown_in_cny() {
        let e = patch(json!({"name": "某公司", "region": "320412", "registered_capital": "1000万美元"}))
            .unwrap()
            .into_new(EnterpriseId(1))
            .unwrap();
        assert_eq!(
            (e.registered_capital, e.registered_capital_currency.as_deref()),
            (Some(1000.0), Some("USD"))
        );
        assert_eq!(e.capital_cny(), None);
        let cny = patch(json!({"registered_capital": "5000万人民币"})).unwrap().apply_to(e);
        assert_eq!(
            (cny.registered_capital, cny.registered_capital_currency.as_deref(), cny.capital_cny()),
            (Some(5000.0), None, Some(5000.0))
        );
    }

    #[test]
    fn applying_a_patch_keeps_what_it_does_not_say() {
        let e = patch(
            json!({"name": "某公司", "region": "320400", "products": ["电芯"], "registered_capital": 100}),
        )
        .unwrap()
        .into_new(EnterpriseId(7))
        .unwrap();
        let e2 = patch(json!({"name": "某公司", "address": "常州市新北区"})).unwrap().apply_to(e.clone());
        assert_eq!(e2.products, vec![crate::model::Product::named("电芯")]);
        assert_eq!(e2.registered_capital, Some(100.0));
        assert_eq!(e2.address.as_deref(), Some("常州市新北区"));
        assert_eq!(e2.id, EnterpriseId(7));
    }

    #[test]
    fn signal_and_partner_members_must_be_text_not_json() {
        let problems = patch(json!({
            "name": "某公司", "signals": [{"kind": "融资", "text": {}}],
            "partners": [{"enterprise": 5, "relation": "供应商"}],
        }))
        .unwrap_err();
        assert_eq!(
            problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(),
            vec!["signals", "partners"]
        );
        let fine =
            patch(json!({"name": "某公司", "signals": [{"kind": "融资", "date": null, "text": "B轮"}]}))
                .unwrap();
        assert_eq!(fine.signals[0].text, "B轮");
    }

    #[test]
    fn ids_print_and_parse() {
        assert_eq!(EnterpriseId(42).to_string(), "E00000042");
        assert_eq!(EnterpriseId::parse("E00000042"), Some(EnterpriseId(42)));
    }
}
