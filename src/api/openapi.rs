//! The OpenAPI 3 description, built from the same route table the router is built from (see
//! `api::routes_table`), so a route cannot be served without being described. Request and
//! response bodies are the `views` types' schemas (derived with schemars, so they follow the
//! serde attributes that shape the JSON); query parameters carry their types; every error answer
//! is the one error shape with the codes of [`crate::error::Code`].

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

/// Makes the schema of a body type (a `$ref` into `components/schemas`).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The [`SchemaFn`] of `T`.
pub fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// What a query parameter takes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    /// A whole number ≥ 0.
    Count,
    /// How many search hits to skip: 0 to `search::MAX_OFFSET`.
    Offset,
    /// How many items a page holds: 0 to the given maximum (more is refused, not cut: a client
    /// paging by `offset` would skip what a silent cut left out).
    PageSize(usize),
    Number,
    Bool,
    Date,
    DateTime,
    OneOf(&'static [&'static str]),
    /// `YYYY-MM`, 2000-01 to 2100-12.
    Month,
    /// `CHAIN/LINK`.
    LinkRef,
    /// An import's column mapping changes: `3:name,5:` (column 3 read as the name, 5 ignored).
    ColumnMap,
}

/// One query parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    /// Given more than once (`tag=a&tag=b`).
    pub repeated: bool,
}

pub const fn param(name: &'static str, kind: Kind) -> Param {
    Param { name, kind, repeated: false }
}

impl Param {
    fn schema(&self) -> Value {
        let typed = match self.kind {
            Kind::Text => return self.repeat(json!({"type": "string"})),
            Kind::Count => json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000}),
            Kind::Offset => json!({"type": "integer", "minimum": 0, "maximum": crate::search::MAX_OFFSET}),
            Kind::PageSize(max) => json!({"type": "integer", "minimum": 0, "maximum": max}),
            Kind::Number => json!({"type": "number"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::DateTime => json!({"type": "string", "format": "date-time"}),
            Kind::OneOf(values) => json!({"type": "string", "enum": values}),
            Kind::LinkRef => json!({"type": "string", "pattern": "^[a-z0-9-]+/[a-z0-9-]+$"}),
            Kind::Month => json!({"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"}),
            Kind::ColumnMap => {
                let fields: Vec<&str> = crate::import::HEADERS.iter().map(|(f, _)| *f).collect();
                let item = format!("[1-9][0-9]{{0,3}}:({})?", fields.join("|"));
                json!({"type": "string", "pattern": format!("^{item}(,{item})*$")})
            }
        };
        // An empty value (`limit=`, as a form sends it) means "not given".
        self.repeat(json!({"anyOf": [typed, {"type": "string", "maxLength": 0}]}))
    }

    fn repeat(&self, one: Value) -> Value {
        if self.repeated { json!({"type": "array", "items": one}) } else { one }
    }
}

/// A body: JSON of a described type, or other media with their schemas.
pub enum Body {
    Json(SchemaFn),
    /// JSON of a described type, or (by a `format` parameter) other media.
    JsonOr(SchemaFn, &'static [(&'static str, MediaSchema)]),
    /// A JSON object described by hand (the enterprise record, parsed leniently).
    JsonValue(fn() -> Value),
    Media(&'static [(&'static str, MediaSchema)]),
}

/// The schema of a non-JSON medium.
#[derive(Clone, Copy)]
pub enum MediaSchema {
    Text,
    Binary,
    /// A chain file as JSON (the TOML's tables).
    ChainFile,
}

/// One operation of a route.
pub struct Op {
    pub method: &'static str,
    pub summary: &'static str,
    /// `none`, `viewer`, `analyst` or `admin`.
    pub role: &'static str,
    pub query: &'static [Param],
    pub request: Option<Body>,
    /// Success status.
    pub ok: u16,
    /// The success body; `None` for 204.
    pub response: Option<Body>,
}

/// The error codes by HTTP status, from the one table ([`crate::error::Code`]).
pub fn error_codes() -> std::collections::BTreeMap<u16, Vec<crate::error::Code>> {
    let mut by_status = std::collections::BTreeMap::<u16, Vec<_>>::new();
    for code in crate::error::Code::ALL {
        by_status.entry(code.http_status()).or_default().push(*code);
    }
    by_status
}

/// The enterprise record a create or replace takes (SPEC §4): the fields `EnterprisePatch`
/// reads, each in the forms analysts write them (a capital as a number of 万元 or as `1.2亿元`,
/// lists as arrays or as text separated by `；`). Rules no schema states (the credit code's check
/// character, a region's name resolving to one division) answer 422.
pub fn enterprise_record() -> Value {
    // Text may come as a number (a spreadsheet's 320412), lists as arrays or as `；`-separated
    // text, and `null` means "not given" — as `EnterprisePatch::from_record` reads them.
    let scalar = json!({"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true});
    let list = json!({"anyOf": [
        {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true}},
        {"type": "string"}, {"type": "number"}], "nullable": true});
    let signal = json!({"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "minLength": 1},
        "date": {"type": "string", "nullable": true, "description": "2024-03-01, 2024/3/1, 2024年3月1日…"},
        "text": {"type": "string", "nullable": true}}});
    let partner = json!({"type": "object", "required": ["enterprise", "relation"], "properties": {
        "enterprise": {"type": "string", "minLength": 1},
        "relation": {"type": "string", "description": "supplier/供应商/上游 or customer/客户/下游"}}});
    let product = json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
        "name": {"type": "string", "pattern": "\\S"},
        "share": {"type": "number", "minimum": 0, "maximum": 1, "nullable": true,
                  "description": "share of revenue, 0–1 (SPEC §11)"}}});
    let products = json!({"anyOf": [
        {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}, product], "nullable": true}},
        {"type": "string"}, {"type": "number"}], "nullable": true,
        "description": "main products: names, `正极材料 62%` text, or {name, share} objects"});
    let mut properties = serde_json::Map::new();
    for field in crate::model::enterprise::FIELDS {
        let schema = match *field {
            "name" => {
                json!({"anyOf": [{"type": "string", "minLength": 1, "maxLength": 200}, {"type": "number"}]})
            }
            "credit_code" => {
                // Blank means "not given", as for every field; the check character is the server's (422).
                json!({"type": "string", "pattern": "^(\\s*|[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18})$", "nullable": true})
            }
            "registered_capital" => {
                json!({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}], "nullable": true,
                "description": "万元, or text such as 1.2亿元"})
            }
            "restricted" => {
                json!({"anyOf": [{"type": "boolean"}, {"type": "string"}, {"type": "number"}], "nullable": true})
            }
            "aliases" | "tags" | "links" => list.clone(),
            "products" => products.clone(),
            "industry_code" => {
                // An unknown code of the right shape is the server's (422 invalid_value).
                json!({"type": "string", "pattern": "^(\\s*|[A-Ta-t]?[0-9]{2,4})$", "nullable": true,
                       "description": "GB/T 4754-2017 code, e.g. C3841 or 3841"})
            }
            "signals" => {
                json!({"anyOf": [{"type": "array", "items": {"anyOf": [signal.clone(), {"type": "string"}, {"type": "number"}]}}, {"type": "string"}, {"type": "number"}], "nullable": true})
            }
            "partners" => {
                json!({"anyOf": [{"type": "array", "items": {"anyOf": [partner.clone(), {"type": "string"}, {"type": "number"}]}}, {"type": "string"}, {"type": "number"}], "nullable": true})
            }
            _ => scalar.clone(),
        };
        properties.insert(field.to_string(), schema);
    }
    properties.insert("id".into(), json!({"description": "ignored: the path or the store gives the id"}));
    json!({
        "type": "object",
        "description": "an enterprise record (SPEC §4); `region` is a division code or name (or province/city/county)",
        "required": ["name"],
        "properties": properties,
        "additionalProperties": false,
        "example": {"name": "常州示例新能源材料有限公司", "region": "320412", "products": ["磷酸铁锂正极材料"],
                    "registered_capital": "1.2亿元", "tags": ["专精特新"]},
    })
}

/// A chain map file (SPEC §3) as JSON: the TOML file's tables, `null` meaning "not given".
/// Rules no schema states (a parent or flow naming an unknown link, a cycle, a bad GB/T 4754
/// code) answer 422 `invalid_chain`.
pub fn chain_file() -> Value {
    let text = json!({"type": "string", "nullable": true});
    let texts = json!({"type": "array", "items": {"type": "string"}, "nullable": true});
    let id = json!({"type": "string", "pattern": "^[a-z0-9-]+$"});
    json!({
        "type": "object",
        "required": ["id", "name", "region"],
        "additionalProperties": false,
        "properties": {
            "id": id, "name": {"type": "string"}, "sector": text, "region": {"type": "string"},
            "owner": text, "lead_department": text, "description": text, "source": text,
            "industry_codes": texts, "strong_threshold": {"type": "integer", "minimum": 1, "nullable": true},
            "chain_masters": texts, "source_regions": texts,
            "scoring": {"type": "object", "additionalProperties": {"type": "number"}, "nullable": true},
            "links": {"type": "array", "nullable": true, "items": {
                "type": "object", "required": ["id", "name", "stage"], "additionalProperties": false,
                "properties": {
                    "id": id, "name": {"type": "string"},
                    "stage": {"type": "string", "enum": ["upstream", "midstream", "downstream"]},
                    "parent": text, "key": {"type": "boolean", "nullable": true},
                    "restricted": {"type": "boolean", "nullable": true},
                    "keywords": texts, "exclude": texts, "industry_codes": texts, "description": text}}},
            "flows": {"type": "array", "nullable": true, "items": {
                "type": "object", "required": ["from", "to"], "additionalProperties": false,
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}}}},
        },
    })
}

/// Text the server reads from a string or a number (`null`: not given).
fn loose_text() -> Value {
    json!({"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": true})
}

/// An amount: a number ≥ 0 (or numeric text; the server says 422 to text that is no number).
fn loose_amount() -> Value {
    json!({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1.0e8}, {"type": "string"}], "nullable": true})
}

fn loose_bool() -> Value {
    json!({"anyOf": [{"type": "boolean"}, {"type": "string"}, {"type": "number"}], "nullable": true})
}

fn object_of(fields: &[(&str, Value)], required: &[&str], example: Value) -> Value {
    let properties: serde_json::Map<String, Value> =
        fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false,
           "example": example})
}

/// `POST /api/v1/units`, `PUT /api/v1/units/{id}` (SPEC §10).
pub fn unit_body() -> Value {
    let t = loose_text;
    object_of(
        &[("id", t()), ("name", t()), ("region", t()), ("kind", t()), ("parent", t())],
        &["name", "region"],
        json!({"id": "wujin-park", "name": "武进高新区招商局", "region": "320412", "kind": "park"}),
    )
}

/// `POST /api/v1/projects` (and the take-up of a lead, which sets enterprise, chain and link).
pub fn project_body() -> Value {
    let (t, a, b) = (loose_text, loose_amount, loose_bool);
    let enterprise = json!({"anyOf": [{"type": "string", "description": "an enterprise id, E…"}, enterprise_record()],
                            "nullable": true});
    object_of(
        &[
            ("name", t()),
            ("enterprise", enterprise),
            ("unit", t()),
            ("chain", t()),
            ("link", t()),
            ("investment", a()),
            ("foreign", b()),
            ("foreign_investment_usd", a()),
            ("tech", b()),
            ("land_mu", a()),
            ("leader", t()),
            ("contact", t()),
            ("expected_start", t()),
            ("expected_production", t()),
            ("stage", t()),
            ("date", t()),
            ("note", t()),
        ],
        &[],
        json!({"name": "示例正极材料项目", "enterprise": "E00000001", "investment": 120000, "stage": "contacted"}),
    )
}

/// `PATCH /api/v1/projects/{id}`: the details of the create body (a stage is an event's).
pub fn project_patch_body() -> Value {
    let mut body = project_body();
    let props = body["properties"].as_object_mut().expect("properties");
    for f in ["stage", "date", "note"] {
        props.remove(f);
    }
    body["example"] = json!({"investment": 150000, "leader": "王副区长"});
    body
}

/// `POST /api/v1/projects/{id}/events`.
pub fn event_body() -> Value {
    let (t, a, b) = (loose_text, loose_amount, loose_bool);
    object_of(
        &[
            ("stage", t()),
            ("date", t()),
            ("note", t()),
            ("reason", t()),
            ("signed_amount", a()),
            ("invested_total", a()),
            ("funds_in_place_total", a()),
            ("foreign_received_total_usd", a()),
            ("correction", b()),
            (
                "voids",
                json!({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string"}], "nullable": true}),
            ),
        ],
        &[],
        json!({"stage": "signed", "date": "2026-03-02", "signed_amount": 120000}),
    )
}

/// `PUT /api/v1/units/{id}/targets/{year}`: the nine targets flat, with the year's scoring and
/// warning settings.
pub fn targets_body() -> Value {
    let mut fields: Vec<(&str, Value)> =
        crate::model::project::Targets::NAMES.iter().map(|n| (*n, loose_amount())).collect();
    let number = json!({"type": "number", "minimum": 0});
    fields.push(("scoring", json!({"type": "object", "nullable": true, "additionalProperties": false, "properties": {
        "weights": {"type": "object", "additionalProperties": false, "properties": {"attract": number, "start": number, "complete": number, "invest": number}},
        "cap": {"type": "number", "minimum": 1, "maximum": 10}, "shadow_penalty": number, "shadow_penalty_max": number,
        "yellow_below": {"type": "number"}, "red_below": {"type": "number"}}})));
    fields.push((
        "settings",
        json!({"type": "object", "nullable": true, "properties": {
        "shadow_months": {"type": "integer", "minimum": 1, "maximum": 120},
        "stall_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        "empty_nest_months": {"type": "integer", "minimum": 1, "maximum": 120}}}),
    ));
    fields.push(("unit", loose_text()));
    fields.push(("year", loose_text()));
    object_of(&fields, &[], json!({"signed": 12, "signed_major": 2, "started": 8, "invested": 500000}))
}

fn media_schema(m: MediaSchema) -> Value {
    match m {
        MediaSchema::Text => json!({"type": "string"}),
        MediaSchema::Binary => json!({"type": "string", "format": "binary"}),
        MediaSchema::ChainFile => chain_file(),
    }
}

fn content(body: &Body, generator: &mut SchemaGenerator) -> Value {
    match body {
        Body::Json(f) => json!({"application/json": {"schema": f(generator)}}),
        Body::JsonOr(f, media) => {
            let mut map = serde_json::Map::new();
            map.insert("application/json".into(), json!({"schema": f(generator)}));
            map.extend(media.iter().map(|(m, s)| (m.to_string(), json!({"schema": media_schema(*s)}))));
            Value::Object(map)
        }
        Body::JsonValue(f) => json!({"application/json": {"schema": f()}}),
        Body::Media(media) => {
            let map: serde_json::Map<String, Value> =
                media.iter().map(|(m, s)| (m.to_string(), json!({"schema": media_schema(*s)}))).collect();
            Value::Object(map)
        }
    }
}

pub fn document(routes: &[(&str, &[Op])]) -> Value {
    // Responses are what the views serialize; requests what the body types deserialize (an
    // `Option` field is optional in a request, always present in a response).
    let settings = |contract| schemars::generate::SchemaSettings::openapi3().with(|s| s.contract = contract);
    let mut generator = settings(schemars::generate::Contract::Serialize).into_generator();
    let mut requests = settings(schemars::generate::Contract::Deserialize).into_generator();
    let mut paths = serde_json::Map::new();
    for (path, ops) in routes {
        let mut item = serde_json::Map::new();
        let path_params: Vec<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for op in *ops {
            let mut parameters: Vec<Value> = path_params
                .iter()
                .map(|p| {
                    // An example that exists in the demo, so schema-driven tools reach past the 404.
                    let example = match (*p, path.starts_with("/api/v1/chains")) {
                        ("id", true) => "lithium-battery",
                        ("id", false) if path.starts_with("/api/v1/tokens") => "tok_000000000000",
                        ("id", false) if path.starts_with("/api/v1/projects") => "P00000001",
                        ("id", false) if path.starts_with("/api/v1/units") => crate::demo::DEMO_CITY_UNIT,
                        ("year", _) => "2026",
                        ("month", _) => "2026-06",
                        _ => "E00000001",
                    };
                    json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}, "example": example})
                })
                .collect();
            parameters.extend(op.query.iter().map(|q| {
                let mut p = json!({"name": q.name, "in": "query", "schema": q.schema()});
                if q.repeated {
                    p["style"] = json!("form");
                    p["explode"] = json!(true);
                }
                p
            }));
            let mut responses = serde_json::Map::new();
            let mut ok = json!({"description": "success"});
            if let Some(body) = &op.response {
                ok["content"] = content(body, &mut generator);
            }
            responses.insert(op.ok.to_string(), ok);
            for status in error_codes().keys() {
                responses.insert(status.to_string(), json!({"$ref": "#/components/responses/Error"}));
            }
            let mut operation = json!({
                "summary": op.summary,
                "operationId": format!("{}{}", op.method, path.replace(['/', '{', '}', '.'], "_")),
                "parameters": parameters,
                "responses": responses,
                "x-role": op.role,
            });
            if op.role != "none" {
                operation["security"] = json!([{"bearer": []}]);
            }
            if let Some(body) = &op.request {
                operation["requestBody"] = json!({"required": true, "content": content(body, &mut requests)});
            }
            item.insert(op.method.to_string(), operation);
        }
        paths.insert(path.to_string(), Value::Object(item));
    }
    let mut schemas = requests.take_definitions(true);
    schemas.extend(generator.take_definitions(true));
    json!({
        "openapi": "3.0.3",
        "info": {"title": "chainscout", "version": env!("CARGO_PKG_VERSION"),
                 "description": "产业链招商图谱 API v1 (SPEC §8). Errors are {\"error\": {\"code\", \"message\", \"field\"?, \"problems\"?}}."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {
                "description": "an error with a stable code",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string", "enum": crate::error::Code::ALL},
                        "message": {"type": "string"},
                        "field": {"type": "string"},
                        "problems": {"type": "array", "items": {"type": "object", "properties": {
                            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}}}}}}
            }}
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_json_body_has_a_schema_and_every_reference_resolves() {
        let doc = crate::api::openapi();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 30, "bodies are described by reference ({} refs)", all.len());
        for r in all {
            let pointer = r.strip_prefix('#').expect("a local reference");
            assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        }
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let ok =
                    op["responses"].as_object().unwrap().iter().find(|(s, _)| s.starts_with('2')).unwrap().1;
                if ok.get("content").is_none() {
                    assert!(method == "delete", "{method} {path} describes its success body");
                }
                for (media, body) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                    assert!(body["schema"].is_object(), "{method} {path} {media}");
                }
            }
        }
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in
            ["EnterpriseView", "ChainDetail", "SearchResults", "ImportReport", "LeadsView", "TokenBody"]
        {
            assert!(schemas.contains_key(name), "{name} is in components/schemas");
        }
    }
}
