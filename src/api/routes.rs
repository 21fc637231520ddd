//! The handlers of API v1 (SPEC §8). Each parses its input into library types, checks the
//! caller's role, runs the app on a blocking thread (sled and tantivy are synchronous) and
//! renders `api::views`.

use super::AppState;
use super::auth::{Caller, Role};
use super::error::ApiError;
use crate::app::App;
use crate::model::{EnterpriseId, EnterprisePatch};
use crate::search::{SearchRequest, Sort};
use crate::views;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

type ApiResult<T> = Result<T, ApiError>;

// Query parameters each route accepts, with their types: the handlers reject others and the
// OpenAPI document describes these, so the two agree.
use super::openapi::{Kind as K, Param, param};
pub(super) const SEARCH_PARAMS: &[Param] = &[
    param("q", K::Text),
    param("region", K::Text),
    Param { name: "tag", kind: K::Text, repeated: true },
    param("chain", K::Text),
    param("link", K::LinkRef),
    param("capital_min", K::Number),
    param("capital_max", K::Number),
    param("listed", K::Bool),
    param("sort", K::OneOf(&["relevance", "capital"])),
    param("limit", K::PageSize(crate::search::MAX_LIMIT)),
    param("offset", K::Offset),
    param("facets", K::Bool),
];
pub(super) const LEAD_PARAMS: &[Param] = &[
    param("kind", K::OneOf(&["fill", "extend", "strengthen"])),
    param("link", K::Text),
    param("region", K::Text),
    param("limit", K::Count),
    param("offset", K::Count),
    param("as_of", K::Date),
    param("format", K::OneOf(&["json", "xlsx", "csv"])),
];
pub(super) const AUDIT_PARAMS: &[Param] = &[
    param("target", K::Text),
    param("action", K::Text),
    param("since", K::DateTime),
    param("until", K::DateTime),
    param("limit", K::PageSize(MAX_AUDIT_LIMIT)),
];

/// Audit entries a page holds at most.
const MAX_AUDIT_LIMIT: usize = 10_000;
pub(super) const CHAIN_PARAMS: &[Param] = &[param("per_link", K::Count)];
pub(super) const IMPORT_PARAMS: &[Param] =
    &[param("sheet", K::Text), param("columns", K::Text), param("map", K::ColumnMap)];

/// `sheet`, `columns` (header names of a headerless file, comma-separated) and `map` (the
/// preview's mapping changes: `3:name,5:` — column 3 read as the name, column 5 ignored).
fn read_options(q: Option<String>) -> ApiResult<crate::import::ReadOptions> {
    let pairs = params(q, IMPORT_PARAMS)?;
    let columns =
        get(&pairs, "columns").map(|c| c.split([',', '，']).map(|h| h.trim().to_string()).collect());
    let mut mapping = Vec::new();
    for item in get(&pairs, "map").unwrap_or("").split(',').filter(|i| !i.trim().is_empty()) {
        let bad = || {
            ApiError::new(
                crate::error::Code::InvalidParameter,
                format!("map item {item:?}: write COLUMN:FIELD (3:name, a field's JSON name) or COLUMN: to ignore a column"),
            )
            .with_field("map")
        };
        let (column, field) = item.split_once(':').ok_or_else(bad)?;
        let column: usize = column.trim().parse().ok().filter(|c| (1..=9_999).contains(c)).ok_or_else(bad)?;
        let field = field.trim();
        if !field.is_empty() && crate::import::field_for_header(field).is_none() {
            return Err(bad());
        }
        mapping.push((column, (!field.is_empty()).then(|| field.to_string())));
    }
    Ok(crate::import::ReadOptions { sheet: get(&pairs, "sheet").map(str::to_string), columns, mapping })
}

/// Runs app work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> crate::Result<T> + Send + 'static,
) -> ApiResult<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "worker failed");
            ApiError::new(crate::error::Code::Internal, "internal error")
        })?
        .map_err(ApiError::from)
}

/// Query parameters, rejecting any not in `allowed`, any that is not UTF-8 once decoded (decoded
/// lossily, `q=%FF` searched for a replacement character and answered 200), and any single-value
/// one given twice (the first silently won: `listed=true&listed=false`).
pub(super) fn params(raw: Option<String>, allowed: &[Param]) -> ApiResult<Vec<(String, String)>> {
    let raw = raw.unwrap_or_default();
    for part in raw.split('&') {
        let decoded: std::borrow::Cow<[u8]> = percent_encoding::percent_decode_str(part).into();
        if std::str::from_utf8(&decoded).is_err() {
            let key = part.split('=').next().unwrap_or("");
            let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy().into_owned();
            return Err(ApiError::new(
                crate::error::Code::InvalidParameter,
                format!("{part:?} is not UTF-8 once its %-escapes are decoded"),
            )
            .with_field(key));
        }
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&raw)
        .map_err(|e| ApiError::new(crate::error::Code::InvalidParameter, format!("query string: {e}")))?;
    let names: Vec<&str> = allowed.iter().map(|p| p.name).collect();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !names.contains(&k.as_str())) {
        return Err(ApiError::new(
            crate::error::Code::UnknownParameter,
            format!("unknown parameter {k:?}; known: {}", names.join(", ")),
        )
        .with_field(k.clone()));
    }
    // An empty value counts as not given (`limit=&limit=5` is one limit).
    let given = |name: &str| pairs.iter().filter(|(k, v)| k == name && !v.is_empty()).count();
    if let Some(p) = allowed.iter().find(|p| !p.repeated && given(p.name) > 1) {
        return Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("{} is given more than once; it takes one value", p.name),
        )
        .with_field(p.name));
    }
    Ok(pairs)
}

/// How many items a page holds: `default` when not given, refused above `max`.
pub(super) fn page_size(pairs: &[(String, String)], default: usize, max: usize) -> ApiResult<usize> {
    match count(pairs, "limit")? {
        Some(n) if n > max => Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("limit={n}: a page holds at most {max}; page with offset"),
        )
        .with_field("limit")),
        n => Ok(n.unwrap_or(default)),
    }
}

/// Largest whole-number parameter (limit, offset, per_link) the API takes.
pub(super) const MAX_COUNT: usize = 1_000_000_000;

/// A whole-number parameter, 0 to [`MAX_COUNT`].
pub(super) fn count(pairs: &[(String, String)], key: &str) -> ApiResult<Option<usize>> {
    match parse::<usize>(pairs, key)? {
        Some(n) if n > MAX_COUNT => Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("{key}={n} is larger than {MAX_COUNT}"),
        )
        .with_field(key)),
        n => Ok(n),
    }
}

/// How many hits to skip: at most `search::MAX_OFFSET` (tantivy keeps room for every skipped
/// hit, and an offset of a billion aborted the process on allocation).
fn search_offset(pairs: &[(String, String)]) -> ApiResult<usize> {
    match count(pairs, "offset")? {
        Some(n) if n > crate::search::MAX_OFFSET => Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!(
                "offset={n}: search pages go {} hits deep at most; narrow the search with filters",
                crate::search::MAX_OFFSET
            ),
        )
        .with_field("offset")),
        n => Ok(n.unwrap_or(0)),
    }
}

pub(super) fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

pub(super) fn parse<T: std::str::FromStr>(pairs: &[(String, String)], key: &str) -> ApiResult<Option<T>> {
    get(pairs, key)
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                ApiError::new(crate::error::Code::InvalidParameter, format!("{key}={v:?} is not valid"))
                    .with_field(key)
            })
        })
        .transpose()
}

/// A number parameter: finite only. Rust's `f64` parser takes `NaN`, `inf` and `1e309` (infinite),
/// and a range bound of any of them silently matches nothing (issue 17.7).
pub(super) fn number(pairs: &[(String, String)], key: &str) -> ApiResult<Option<f64>> {
    match parse::<f64>(pairs, key)? {
        Some(n) if !n.is_finite() => Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("{key}={:?} is not a finite number", get(pairs, key).unwrap_or("")),
        )
        .with_field(key)),
        n => Ok(n),
    }
}

/// A JSON object body, with our errors for the wrong type, bad JSON and size.
pub(super) fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<serde_json::Map<String, Value>> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !media.starts_with("application/json") {
        return Err(ApiError::new(crate::error::Code::UnsupportedMediaType, "send application/json"));
    }
    let bytes = body_bytes(body)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::new(crate::error::Code::MalformedBody, "the body must be a JSON object")),
        Err(e) => Err(ApiError::new(crate::error::Code::MalformedBody, format!("malformed JSON: {e}"))),
    }
}

/// A JSON object body read as its request type: unknown fields are 400 `unknown_field`, a field of
/// the wrong type 400 `invalid_type`, a missing one 422 `missing_field`.
fn body_as<T: serde::de::DeserializeOwned>(body: serde_json::Map<String, Value>) -> ApiResult<T> {
    serde_json::from_value(Value::Object(body)).map_err(|e| {
        let message = e.to_string();
        let quoted = message.split('`').nth(1).map(str::to_string);
        if message.starts_with("unknown field") {
            let field = quoted.unwrap_or_default();
            ApiError::new(crate::error::Code::UnknownField, format!("unknown field {field:?}"))
                .with_field(field)
        } else if message.starts_with("missing field") {
            let field = quoted.unwrap_or_default();
            ApiError::new(crate::error::Code::MissingField, format!("缺少字段“{field}”")).with_field(field)
        } else {
            ApiError::new(crate::error::Code::InvalidType, message)
        }
    })
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(crate::error::Code::BodyTooLarge, "the body is larger than this endpoint accepts")
        } else {
            ApiError::new(crate::error::Code::MalformedBody, r.body_text())
        }
    })
}

pub(super) fn enterprise_id(s: &str) -> ApiResult<EnterpriseId> {
    EnterpriseId::parse(s).ok_or_else(|| ApiError::not_found(format!("enterprise {s:?}")))
}

pub async fn health(State(state): State<AppState>) -> Json<views::Health> {
    let graph = state.app.graph();
    Json(views::Health {
        status: "ok".into(),
        enterprises: graph.n_enterprises(),
        chains: graph.chains().count(),
    })
}

pub async fn chains(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<views::ChainList>> {
    caller.require_read(state.public_read)?;
    params(q, &[])?;
    Ok(Json(blocking(&state.app, |app| Ok(views::chain_list(&app.graph()))).await?))
}

/// A shared parameter (`crate::params`) as this API's error.
pub(super) fn shared<T>(r: Result<T, crate::params::BadParam>) -> ApiResult<T> {
    r.map_err(|e| ApiError::new(e.code(), e.message).with_field(e.name))
}

/// `region=` as a code or a name (422 `invalid_region` / `ambiguous_region` naming the field).
pub(super) fn region_param(pairs: &[(String, String)]) -> ApiResult<Option<crate::model::RegionCode>> {
    get(pairs, "region")
        .map(crate::params::region)
        .transpose()
        .map_err(|p| ApiError::from(crate::Error::Invalid(vec![p])))
}

fn lead_query(pairs: &[(String, String)], file: bool) -> ApiResult<crate::leads::LeadQuery> {
    let limit = count(pairs, "limit")?;
    Ok(crate::leads::LeadQuery {
        as_of: get(pairs, "as_of")
            .map(|d| shared(crate::params::as_of(d)))
            .transpose()?
            .unwrap_or_else(crate::app::today),
        kind: get(pairs, "kind").map(|k| shared(crate::params::kind(k))).transpose()?,
        link: get(pairs, "link").map(str::to_string),
        region: region_param(pairs)?,
        limit: if file { crate::params::file_lead_limit(limit) } else { crate::params::lead_limit(limit) },
        offset: count(pairs, "offset")?.unwrap_or(0),
        dismissed: Default::default(),
    })
}

pub async fn chain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<views::ChainDetail>> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, CHAIN_PARAMS)?;
    let per_link = count(&pairs, "per_link")?.unwrap_or(20);
    let detail = blocking(&state.app, move |app| views::chain_map_view(app, &id, per_link)).await?;
    Ok(Json(detail))
}

/// Who the caller is: the page uses it to show only what the role may do.
pub async fn session(State(state): State<AppState>, caller: Caller) -> Json<views::Session> {
    let can_read = caller.role.is_some() || state.public_read;
    Json(views::Session {
        name: caller.name,
        role: caller.role,
        public_read: state.public_read,
        can_read,
        unit: caller.unit,
    })
}

/// Edits what a leader changes often — the 链长, the 牵头部门 and the key links — without
/// resending the whole chain file.
pub async fn patch_chain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<crate::model::Chain>> {
    caller.require(Role::Analyst)?;
    let body = json_body(&headers, body)?;
    let text = |field: &str| -> ApiResult<Option<Option<String>>> {
        match body.get(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.trim().to_string()).filter(|s| !s.is_empty()))),
            Some(_) => Err(ApiError::new(crate::error::Code::InvalidType, "应为文字").with_field(field)),
        }
    };
    let owner = text("owner")?;
    let department = text("lead_department")?;
    // `null` clears the key links, as it clears the owner.
    let key_links: Option<Vec<String>> = body
        .get("key_links")
        .map(|v| {
            if v.is_null() {
                return Ok(Vec::new());
            }
            v.as_array()
                .and_then(|items| items.iter().map(|v| v.as_str().map(str::to_string)).collect())
                .ok_or_else(|| {
                    ApiError::new(crate::error::Code::InvalidType, "关键环节应为环节编号列表")
                        .with_field("key_links")
                })
        })
        .transpose()?;
    if let Some(k) = body.keys().find(|k| !["owner", "lead_department", "key_links"].contains(&k.as_str())) {
        return Err(ApiError::new(
            crate::error::Code::UnknownField,
            format!("unknown field {k:?}; known: owner, lead_department, key_links"),
        )
        .with_field(k.clone()));
    }
    let actor = caller.name.clone();
    let chain = blocking(&state.app, move |app| {
        app.edit_chain(&id, "patch_chain", &actor, |chain| {
            if let Some(o) = owner {
                chain.owner = o;
            }
            if let Some(d) = department {
                chain.lead_department = d;
            }
            if let Some(keys) = key_links {
                if let Some(unknown) = keys.iter().find(|k| chain.link(k).is_none()) {
                    return Err(crate::Error::Invalid(vec![crate::error::Problem::new(
                        "key_links",
                        crate::error::Code::InvalidChain,
                        format!("本链没有环节“{unknown}”"),
                    )]));
                }
                for link in &mut chain.links {
                    link.key = keys.contains(&link.id);
                }
            }
            Ok(())
        })
    })
    .await?;
    Ok(Json(chain))
}

/// The leads an enterprise appears in, with its rank in each chain.
pub async fn enterprise_leads(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<views::EnterpriseLeads>> {
    caller.require_read(state.public_read)?;
    let id = enterprise_id(&id)?;
    let standing = blocking(&state.app, move |app| {
        app.store().enterprise(id)?.ok_or_else(|| crate::Error::NotFound(format!("enterprise {id}")))?;
        app.standing(id)
    })
    .await?;
    Ok(Json(views::EnterpriseLeads { enterprise: id.to_string(), leads: standing }))
}

pub async fn chain_map(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require_read(state.public_read)?;
    let svg =
        blocking(&state.app, move |app| Ok(views::svg::chain_map(&views::chain_map_view(app, &id, 0)?)))
            .await?;
    Ok(svg_response(svg))
}

/// A picture drawn by the server (the chain map, the 招商地图).
pub(super) fn svg_response(svg: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg).into_response()
}

pub async fn put_chain(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = body_bytes(body)?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::new(crate::error::Code::MalformedBody, "the body is not UTF-8"))?;
    let toml_text = if media.starts_with("application/toml") || media.starts_with("text/plain") {
        text
    } else if media.starts_with("application/json") {
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| ApiError::new(crate::error::Code::MalformedBody, format!("malformed JSON: {e}")))?;
        // TOML has no null: a null is a field not given.
        fn without_nulls(v: Value) -> Value {
            match v {
                Value::Object(m) => Value::Object(
                    m.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect(),
                ),
                Value::Array(a) => {
                    Value::Array(a.into_iter().filter(|v| !v.is_null()).map(without_nulls).collect())
                }
                other => other,
            }
        }
        let v: toml::Table = serde_json::from_value(without_nulls(v)).map_err(|e| {
            ApiError::new(crate::error::Code::MalformedBody, format!("the body must be a JSON object: {e}"))
        })?;
        toml::to_string(&v).map_err(|e| ApiError::new(crate::error::Code::MalformedBody, e.to_string()))?
    } else {
        return Err(ApiError::new(
            crate::error::Code::UnsupportedMediaType,
            "send application/toml or application/json",
        ));
    };
    let actor = caller.name.clone();
    let (created, chain) = blocking(&state.app, move |app| {
        let chain = crate::model::chain::parse_chain_toml(&format!("{id}.toml"), &toml_text)?;
        if chain.id != id {
            return Err(crate::Error::Invalid(vec![crate::error::Problem::new(
                "id",
                crate::error::Code::InvalidChain,
                format!("the body's id {:?} is not the path's {id:?}", chain.id),
            )]));
        }
        let before = app.put_chain(&format!("{id}.toml"), chain.clone(), &actor)?;
        Ok((before.is_none(), chain))
    })
    .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(chain)).into_response())
}

pub async fn leads(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, LEAD_PARAMS)?;
    let format = get(&pairs, "format").map(str::to_string);
    let query = lead_query(&pairs, matches!(format.as_deref(), Some("xlsx" | "csv")))?;
    if let Some(f) = &format
        && !matches!(f.as_str(), "json" | "xlsx" | "csv")
    {
        return Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("format={f:?}: use json, xlsx or csv"),
        )
        .with_field("format"));
    }
    let view = blocking(&state.app, move |app| {
        let result = app.leads(&id, query)?;
        Ok(views::leads_view(&app.graph(), &app.book(), result))
    })
    .await?;
    match format.as_deref() {
        Some(f @ ("xlsx" | "csv")) => {
            let bytes = crate::export::to_bytes(&views::leads_sheet(&view), f).map_err(ApiError::from)?;
            let media = if f == "xlsx" {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            } else {
                "text/csv; charset=utf-8"
            };
            let disposition = format!("attachment; filename=\"leads-{}.{f}\"", view.chain);
            Ok((
                [(header::CONTENT_TYPE, media.to_string()), (header::CONTENT_DISPOSITION, disposition)],
                bytes,
            )
                .into_response())
        }
        _ => Ok(Json(view).into_response()),
    }
}

pub async fn dismiss(
    State(state): State<AppState>,
    caller: Caller,
    Path((chain, enterprise)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<views::Dismissed>> {
    caller.require(Role::Analyst)?;
    let body: views::DismissBody = body_as(json_body(&headers, body)?)?;
    let reason = body.reason.trim().to_string();
    if reason.is_empty() {
        return Err(
            ApiError::new(crate::error::Code::MissingField, "请填写不再推荐的原因").with_field("reason")
        );
    }
    let id = enterprise_id(&enterprise)?;
    let actor = caller.name.clone();
    blocking(&state.app, move |app| app.dismiss(&chain, id, &reason, &actor)).await?;
    Ok(Json(views::Dismissed { dismissed: true, enterprise: id.to_string() }))
}

thread_local! {
    /// One growing buffer per thread for search responses: serialising into it and copying the
    /// result out once costs less than growing a fresh buffer a few times per request.
    static JSON_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
}

/// `value` as a JSON response, serialised into this thread's reused buffer.
fn json_reusing_buffer<T: serde::Serialize>(value: &T) -> crate::Result<Response> {
    let bytes = JSON_BUFFER.with_borrow_mut(|buf| {
        buf.clear();
        let written = serde_json::to_writer(&mut *buf, value).map(|_| Bytes::copy_from_slice(buf));
        if buf.capacity() > 1 << 20 {
            // One huge page (limit=500) should not pin a megabyte per thread.
            *buf = Vec::with_capacity(64 * 1024);
        }
        written
    });
    let bytes = bytes.map_err(|e| crate::Error::Index(format!("serialising the results: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, SEARCH_PARAMS)?;
    let region = region_param(&pairs)?;
    let link = get(&pairs, "link").map(|l| shared(crate::params::link(l))).transpose()?;
    let sort =
        get(&pairs, "sort").map(|v| shared(crate::params::sort(v))).transpose()?.unwrap_or(Sort::Relevance);
    let request = SearchRequest {
        q: get(&pairs, "q").unwrap_or("").to_string(),
        region,
        tags: pairs.iter().filter(|(k, v)| k == "tag" && !v.is_empty()).map(|(_, v)| v.clone()).collect(),
        // Trimmed as `link=` is (a pasted id often carries a blank).
        chain: get(&pairs, "chain").map(|c| c.trim().to_string()),
        link,
        capital_min: number(&pairs, "capital_min")?,
        capital_max: number(&pairs, "capital_max")?,
        listed: parse(&pairs, "listed")?,
        sort,
        limit: page_size(&pairs, 20, crate::search::MAX_LIMIT)?,
        offset: search_offset(&pairs)?,
        facets: parse(&pairs, "facets")?.unwrap_or(false),
    };
    // A search of words ranked by relevance without facets is short CPU work with a bounded
    // walk (`search::budget`): it runs on this worker thread itself, unlike every other handler,
    // because handing it to a blocking thread and back cost about as much again (two thread
    // wake-ups; 0.41 → 0.31 ms per search on an idle server, 4,865 → 5,923 searches/s under load
    // at 1M: BENCHMARKS.md). Facets, capital order and filters alone walk every match (tens of
    // milliseconds at 1M): those go to the blocking pool, at most two per core at a time.
    // Words as the search sees them: `q` of only a zero-width space or an emoji has none, and with
    // a filter walks every match like a filter alone.
    let has_words = !crate::search::query::query_words(&request.q).is_empty();
    let in_place = !request.facets && request.sort == Sort::Relevance && has_words;
    if in_place {
        return json_reusing_buffer(&state.app.search(&request)?).map_err(ApiError::from);
    }
    // The semaphore is never closed, so acquiring only waits.
    let _slot = state
        .search_slots
        .acquire()
        .await
        .map_err(|_| ApiError::new(crate::error::Code::Internal, "the search queue is closed"))?;
    blocking(&state.app, move |app| json_reusing_buffer(&app.search(&request)?)).await
}

/// The enterprise with its links (and why) and its partners.
fn enterprise_json(app: &App, e: &crate::model::Enterprise) -> views::EnterpriseView {
    views::enterprise_view(&app.graph(), e)
}

pub async fn enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<views::EnterpriseView>> {
    caller.require_read(state.public_read)?;
    let id = enterprise_id(&id)?;
    Ok(Json(
        blocking(&state.app, move |app| {
            let e = app
                .store()
                .enterprise(id)?
                .ok_or_else(|| crate::Error::NotFound(format!("enterprise {id}")))?;
            Ok(enterprise_json(app, &e))
        })
        .await?,
    ))
}

fn patch_of(body: &serde_json::Map<String, Value>) -> ApiResult<EnterprisePatch> {
    EnterprisePatch::from_record(body, crate::app::today())
        .map_err(|p| ApiError::from(crate::Error::Invalid(p)))
}

pub async fn create_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let patch = patch_of(&json_body(&headers, body)?)?;
    let actor = caller.name.clone();
    let v = blocking(&state.app, move |app| {
        let e = app.create_enterprise(patch, &actor)?;
        Ok(enterprise_json(app, &e))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub async fn replace_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<views::EnterpriseView>> {
    caller.require(Role::Analyst)?;
    let id = enterprise_id(&id)?;
    let patch = patch_of(&json_body(&headers, body)?)?;
    let actor = caller.name.clone();
    Ok(Json(
        blocking(&state.app, move |app| {
            let (_, after) = app.replace_enterprise(id, patch, &actor)?;
            Ok(enterprise_json(app, &after))
        })
        .await?,
    ))
}

pub async fn delete_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    let id = enterprise_id(&id)?;
    let actor = caller.name.clone();
    blocking(&state.app, move |app| app.delete_enterprise(id, &actor).map(|_| ())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An uploaded file as the importer reads it: its rows, the read options of the query string and
/// the source new records get (who imported them). Shared by the import and its preview.
struct Upload {
    table: crate::import::Table,
    source: String,
}

fn upload(
    caller: &Caller,
    q: Option<String>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<impl FnOnce() -> crate::Result<Upload> + Send + 'static> {
    caller.require(Role::Analyst)?;
    let options = read_options(q)?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let format = crate::import::Format::from_media_type(media).ok_or_else(|| {
        ApiError::new(
            crate::error::Code::UnsupportedMediaType,
            "send text/csv, an XLSX workbook or application/x-ndjson",
        )
    })?;
    let bytes = body_bytes(body)?;
    let source = format!("import by {}", caller.name);
    // Reading the file is CPU work: done on the blocking thread that imports it.
    Ok(move || Ok(Upload { table: crate::import::read_bytes_with(&bytes, format, &options)?, source }))
}

pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<crate::import::ImportReport>> {
    let read = upload(&caller, q, &headers, body)?;
    let actor = caller.name.clone();
    Ok(Json(
        blocking(&state.app, move |app| {
            let Upload { table, source } = read()?;
            app.import_rows(table.into(), Some(&source), Some(&actor), &mut |_, _| {})
        })
        .await?,
    ))
}

/// Rows a preview shows as they would be stored.
const PREVIEW_ROWS: usize = 20;

/// The import page's preview step: the column mapping, the first rows as they would be stored and
/// the report, storing nothing.
pub async fn import_preview(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<views::ImportPreview>> {
    let read = upload(&caller, q, &headers, body)?;
    Ok(Json(
        blocking(&state.app, move |app| {
            let Upload { table, source } = read()?;
            let (report, sample) = app.preview_rows(table.into(), Some(&source), PREVIEW_ROWS)?;
            Ok(views::ImportPreview::new(report, &sample))
        })
        .await?,
    ))
}

/// The header words the importer recognises for each field (the import page's help).
pub async fn import_headers(caller: Caller) -> ApiResult<Json<Vec<views::HeaderSynonyms>>> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        crate::import::HEADERS
            .iter()
            .map(|(field, words)| views::HeaderSynonyms {
                field: field.to_string(),
                headers: words.iter().map(|w| w.to_string()).collect(),
            })
            .collect(),
    ))
}

pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<views::AuditList>> {
    caller.require(Role::Admin)?;
    let pairs = params(q, AUDIT_PARAMS)?;
    let limit = page_size(&pairs, 100, MAX_AUDIT_LIMIT)?;
    let since: Option<chrono::DateTime<chrono::Utc>> = parse(&pairs, "since")?;
    let until: Option<chrono::DateTime<chrono::Utc>> = parse(&pairs, "until")?;
    let target = get(&pairs, "target").map(str::to_string);
    let action = get(&pairs, "action").map(str::to_string);
    let entries = blocking(&state.app, move |app| app.store().audit(usize::MAX)).await?;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| target.as_ref().is_none_or(|t| e.target.starts_with(t.as_str())))
        .filter(|e| action.as_ref().is_none_or(|a| &e.action == a))
        .filter(|e| since.is_none_or(|s| e.at >= s) && until.is_none_or(|u| e.at <= u))
        .take(limit)
        .collect();
    Ok(Json(views::AuditList { entries }))
}

pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let body = json_body(&headers, body)?;
    let role = body.get("role").and_then(Value::as_str).unwrap_or("");
    let role: Role = role.parse().map_err(|_| {
        ApiError::new(crate::error::Code::InvalidValue, format!("角色“{role}”无效（viewer、analyst、admin）"))
            .with_field("role")
    })?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let unit = body.get("unit").and_then(Value::as_str).map(str::to_string);
    let actor = caller.name.clone();
    let (record, secret) =
        blocking(&state.app, move |app| app.create_token(role, &name, unit.as_deref(), &actor)).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::TokenCreated {
            id: record.id,
            token: secret,
            role: record.role,
            name: record.name,
            unit: record.unit,
        }),
    )
        .into_response())
}

pub async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    let actor = caller.name.clone();
    blocking(&state.app, move |app| app.delete_token(&id, &actor).map(|_| ())).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn backup(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    // The snapshot is written on a blocking thread in chunks and streamed as it is made.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let app = state.app.clone();
    tokio::task::spawn_blocking(move || {
        struct Chunks(tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>, Vec<u8>);
        impl std::io::Write for Chunks {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.1.extend_from_slice(b);
                if self.1.len() >= 256 * 1024 {
                    self.flush()?;
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                if !self.1.is_empty() {
                    let chunk = Bytes::from(std::mem::take(&mut self.1));
                    self.0.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("client went away"))?;
                }
                Ok(())
            }
        }
        let mut out = Chunks(tx.clone(), Vec::new());
        let result = app.backup(&mut out).and_then(|_| {
            use std::io::Write;
            out.flush().map_err(|e| crate::Error::io("backup", e))
        });
        if let Err(e) = result {
            tracing::error!(error = %e, "backup failed");
            let _ = tx.blocking_send(Err(std::io::Error::other("backup failed")));
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let name = format!(
        "attachment; filename=\"chainscout-backup-{}.jsonl\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson".to_string()), (header::CONTENT_DISPOSITION, name)],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

pub async fn fallback() -> ApiError {
    ApiError::not_found("route")
}
