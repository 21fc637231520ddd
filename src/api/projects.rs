//! Handlers of SPEC §10: units, targets, projects, events, the monthly 通报, 撞单 and taking up a
//! lead. Parse → role → app on a blocking thread → `views::projects`.

use super::AppState;
use super::auth::{Caller, Role};
use super::error::ApiError;
use super::openapi::{Kind as K, Param, param};
use super::routes::{blocking, count, enterprise_id, get, json_body, params, parse};
use crate::model::project::{ProjectId, Stage};
use crate::views::projects::{self as pv, ProjectFilter};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

type ApiResult<T> = Result<T, ApiError>;

/// Projects a page holds at most.
const MAX_LIMIT: usize = 1000;

const STAGES: &[&str] = &[
    "lead",
    "contacted",
    "negotiating",
    "signed",
    "started",
    "completed",
    "producing",
    "at_capacity",
    "on_hold",
    "dropped",
];

pub(super) const PROJECT_PARAMS: &[Param] = &[
    param("unit", K::Text),
    param("stage", K::OneOf(STAGES)),
    param("chain", K::Text),
    param("warning", K::OneOf(&crate::projects::report::WARNING_KINDS)),
    param("q", K::Text),
    param("as_of", K::Date),
    param("limit", K::PageSize(MAX_LIMIT)),
    param("offset", K::Count),
];
pub(super) const REPORT_PARAMS: &[Param] =
    &[param("month", K::Month), param("unit", K::Text), param("format", K::OneOf(&["json", "xlsx"]))];

fn project_id(s: &str) -> ApiResult<ProjectId> {
    ProjectId::parse(s).ok_or_else(|| ApiError::not_found(format!("project {s:?}")))
}

pub async fn units(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<pv::UnitList>> {
    caller.require_read(state.public_read)?;
    let app = state.app.clone();
    let book = app.book();
    Ok(Json(pv::UnitList { units: book.units.values().map(|u| pv::unit_view(&book, u)).collect() }))
}

pub async fn unit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<pv::UnitView>> {
    caller.require_read(state.public_read)?;
    let book = state.app.book();
    let u = book.units.get(&id).ok_or_else(|| ApiError::not_found(format!("unit {id:?}")))?;
    Ok(Json(pv::unit_view(&book, u)))
}

pub async fn create_unit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let (u, _) = blocking(&state.app, move |app| app.put_unit(None, &body, &actor)).await?;
    let view = pv::unit_view(&state.app.book(), &u);
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub async fn put_unit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let (u, created) = blocking(&state.app, move |app| app.put_unit(Some(&id), &body, &actor)).await?;
    let view = pv::unit_view(&state.app.book(), &u);
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view)).into_response())
}

pub async fn put_targets(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, year)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<pv::TargetsView>> {
    caller.require(Role::Admin)?;
    let year: i32 = year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::not_found(format!("year {year:?}")))?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let unit = id.clone();
    let targets = blocking(&state.app, move |app| app.put_targets(&unit, year, &body, &actor)).await?;
    Ok(Json(pv::TargetsView { unit: id, year, targets }))
}

pub async fn get_targets(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, year)): Path<(String, String)>,
) -> ApiResult<Json<pv::TargetsView>> {
    caller.require_read(state.public_read)?;
    let year: i32 = year.parse().map_err(|_| ApiError::not_found(format!("year {year:?}")))?;
    let book = state.app.book();
    let targets = book
        .targets
        .get(&(id.clone(), year))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("targets of {id:?} for {year}")))?;
    Ok(Json(pv::TargetsView { unit: id, year, targets }))
}

pub async fn projects(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<pv::ProjectList>> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, PROJECT_PARAMS)?;
    let stage = match get(&pairs, "stage") {
        Some(s) => Some(Stage::parse(s).ok_or_else(|| {
            ApiError::new(
                crate::error::Code::InvalidParameter,
                format!("stage={s:?}: use {}", STAGES.join(", ")),
            )
            .with_field("stage")
        })?),
        None => None,
    };
    let filter = ProjectFilter {
        unit: get(&pairs, "unit").map(str::to_string),
        stage,
        chain: get(&pairs, "chain").map(str::to_string),
        warning: get(&pairs, "warning").map(str::to_string),
        q: get(&pairs, "q").map(str::to_string),
        as_of: match parse::<chrono::NaiveDate>(&pairs, "as_of")? {
            // RFC 3339 dates have four-digit years; chrono also reads signed ones.
            Some(d) if !(0..=9999).contains(&chrono::Datelike::year(&d)) => {
                return Err(ApiError::new(
                    crate::error::Code::InvalidParameter,
                    format!("as_of={d}: not a date"),
                )
                .with_field("as_of"));
            }
            d => d,
        },
        limit: super::routes::page_size(&pairs, 50, MAX_LIMIT)?,
        offset: count(&pairs, "offset")?.unwrap_or(0),
    };
    let actor = caller.actor();
    Ok(Json(blocking(&state.app, move |app| pv::list(app, &filter, &actor)).await?))
}

pub async fn project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<pv::ProjectView>> {
    caller.require_read(state.public_read)?;
    let id = project_id(&id)?;
    let actor = caller.actor();
    Ok(Json(blocking(&state.app, move |app| pv::detail(app, id, &actor)).await?))
}

pub async fn create_project(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let view = blocking(&state.app, move |app| {
        let id = app.create_project(&body, None, &actor)?;
        pv::detail(app, id, &actor)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub async fn update_project(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<pv::ProjectView>> {
    caller.require(Role::Analyst)?;
    let id = project_id(&id)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    Ok(Json(
        blocking(&state.app, move |app| {
            app.update_project(id, &body, &actor)?;
            pv::detail(app, id, &actor)
        })
        .await?,
    ))
}

pub async fn add_event(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let id = project_id(&id)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let event = blocking(&state.app, move |app| app.add_event(id, &body, &actor)).await?;
    Ok((StatusCode::CREATED, Json(pv::event_view(&event, false))).into_response())
}

pub async fn take_lead(
    State(state): State<AppState>,
    caller: Caller,
    Path((chain, enterprise)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let enterprise = enterprise_id(&enterprise)?;
    let body = json_body(&headers, body)?;
    let actor = caller.actor();
    let view = blocking(&state.app, move |app| {
        let id = app.take_lead(&chain, enterprise, &body, &actor)?;
        pv::detail(app, id, &actor)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub async fn conflicts(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<pv::ConflictList>> {
    caller.require_read(state.public_read)?;
    let actor = caller.actor();
    Ok(Json(blocking(&state.app, move |app| Ok(pv::conflicts(app, &actor))).await?))
}

pub async fn monthly_report(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    caller.require_read(state.public_read)?;
    let pairs = params(q, REPORT_PARAMS)?;
    let month = match get(&pairs, "month") {
        Some(m) => m.to_string(),
        None => crate::app::today().format("%Y-%m").to_string(),
    };
    let unit = get(&pairs, "unit").map(str::to_string);
    let format = get(&pairs, "format").unwrap_or("json").to_string();
    if !matches!(format.as_str(), "json" | "xlsx") {
        return Err(ApiError::new(
            crate::error::Code::InvalidParameter,
            format!("format={format:?}: use json or xlsx"),
        )
        .with_field("format"));
    }
    let actor = caller.actor();
    let (report, bytes) = blocking(&state.app, move |app| {
        let (report, lines) = pv::monthly(app, &month, unit.as_deref(), &actor)?;
        let bytes = if format == "xlsx" {
            let sheets = pv::report_sheets(&app.book(), &app.graph(), &report, &lines);
            Some(crate::export::workbook_bytes(&sheets)?)
        } else {
            None
        };
        Ok((report, bytes))
    })
    .await?;
    match bytes {
        Some(bytes) => {
            let disposition = format!("attachment; filename=\"report-{}.xlsx\"", report.month);
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response())
        }
        None => Ok(Json(report).into_response()),
    }
}

pub async fn publish_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(month): Path<String>,
) -> ApiResult<Json<pv::MonthlyReport>> {
    caller.require(Role::Admin)?;
    if pv::month_as_of(&month).is_err_and(|e| e.code() == crate::error::Code::InvalidParameter) {
        return Err(ApiError::not_found(format!("month {month:?} (YYYY-MM)")));
    }
    let actor = caller.actor();
    Ok(Json(blocking(&state.app, move |app| pv::publish(app, &month, &actor)).await?))
}
