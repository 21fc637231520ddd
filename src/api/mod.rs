//! The HTTP service (axum): API v1 of SPEC §8. Only this module knows HTTP; handlers call the
//! `App` on blocking threads and render the shapes in [`crate::views`]. Errors all take one JSON form
//! (`error.rs`); callers are authenticated by bearer tokens with roles (`auth.rs`).

pub mod auth;
pub mod error;
mod geo;
mod metrics;
pub mod openapi;
mod projects;
mod routes;
mod uniform;

use crate::app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, post};
use openapi::Op;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Anonymous callers may read.
    pub public_read: bool,
    pub metrics: Arc<metrics::Metrics>,
    /// Two slots per core for the long searches (facets, capital order, filters alone: they walk
    /// every match on the blocking pool), taken in arrival order: run 64 at once and the OS
    /// shares the cores among them, so each takes as long as the slowest around it. Short
    /// searches run on the worker threads and need no slot (issue 16).
    pub search_slots: Arc<tokio::sync::Semaphore>,
}

/// Request body limits, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// JSON bodies (enterprise, chain, token, dismissal).
    pub json: usize,
    /// Import bodies.
    pub import: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { json: 1024 * 1024, import: 50 * 1024 * 1024 }
    }
}

/// Every route with its handlers and its description: the router and `/openapi.json` are both
/// built from this one table.
fn routes_table(limits: Limits) -> Vec<(&'static str, MethodRouter<AppState>, Vec<Op>)> {
    use crate::views;
    use openapi::{Body, MediaSchema, schema};
    let op = |method, summary, role, query, request, ok, response| Op {
        method,
        summary,
        role,
        query,
        request,
        ok,
        response,
    };
    let json = |f: openapi::SchemaFn| Some(Body::Json(f));
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// What an import (or its preview) accepts as a body.
    const IMPORT_MEDIA: &[(&str, MediaSchema)] = &[
        ("text/csv", MediaSchema::Text),
        (XLSX, MediaSchema::Binary),
        ("application/x-ndjson", MediaSchema::Text),
    ];
    vec![
        (
            "/api/v1/health",
            get(routes::health),
            vec![op(
                "get",
                "service status and counts",
                "none",
                &[],
                None,
                200,
                json(schema::<views::Health>),
            )],
        ),
        (
            "/metrics",
            get(metrics::metrics),
            vec![op(
                "get",
                "Prometheus metrics",
                "none",
                &[],
                None,
                200,
                Some(Body::Media(&[("text/plain", MediaSchema::Text)])),
            )],
        ),
        (
            "/openapi.json",
            get(openapi_json),
            vec![op(
                "get",
                "this document",
                "none",
                &[],
                None,
                200,
                Some(Body::JsonValue(|| serde_json::json!({"type": "object"}))),
            )],
        ),
        (
            "/api/v1/chains",
            get(routes::chains),
            vec![op(
                "get",
                "chains with counts by status and lead kind",
                "viewer",
                &[],
                None,
                200,
                json(schema::<views::ChainList>),
            )],
        ),
        (
            "/api/v1/chains/{id}",
            get(routes::chain).put(routes::put_chain).patch(routes::patch_chain),
            vec![
                op(
                    "get",
                    "a chain map: links with status, local enterprises, lead kinds, candidates; flows",
                    "viewer",
                    routes::CHAIN_PARAMS,
                    None,
                    200,
                    json(schema::<views::ChainDetail>),
                ),
                op(
                    "put",
                    "create (201) or replace (200) a chain from TOML or JSON",
                    "analyst",
                    &[],
                    Some(Body::Media(&[
                        ("application/toml", MediaSchema::Text),
                        ("application/json", MediaSchema::ChainFile),
                    ])),
                    200,
                    json(schema::<crate::model::Chain>),
                ),
                op(
                    "patch",
                    "change the owner (链长), lead department or key links",
                    "analyst",
                    &[],
                    json(schema::<views::ChainPatchBody>),
                    200,
                    json(schema::<crate::model::Chain>),
                ),
            ],
        ),
        (
            "/api/v1/chains/{id}/map.svg",
            get(routes::chain_map),
            vec![op(
                "get",
                "the chain map picture (SVG)",
                "viewer",
                &[],
                None,
                200,
                Some(Body::Media(&[("image/svg+xml", MediaSchema::Text)])),
            )],
        ),
        (
            "/api/v1/chains/{id}/leads",
            get(routes::leads),
            vec![op(
                "get",
                "ranked leads with reasons; format=xlsx|csv for files",
                "viewer",
                routes::LEAD_PARAMS,
                None,
                200,
                Some(Body::JsonOr(
                    schema::<views::LeadsView>,
                    &[(XLSX, MediaSchema::Binary), ("text/csv", MediaSchema::Text)],
                )),
            )],
        ),
        (
            "/api/v1/chains/{id}/geo",
            get(geo::geo),
            vec![op(
                "get",
                "where the chain's candidates are: lead counts per province or city (level), by kind",
                "viewer",
                geo::GEO_PARAMS,
                None,
                200,
                json(schema::<views::geo::GeoView>),
            )],
        ),
        (
            "/api/v1/chains/{id}/geo.svg",
            get(geo::geo_svg),
            vec![op(
                "get",
                "the 招商地图 picture (SVG, A4 landscape): regions shaded by candidates",
                "viewer",
                geo::GEO_PARAMS,
                None,
                200,
                Some(Body::Media(&[("image/svg+xml", MediaSchema::Text)])),
            )],
        ),
        (
            "/api/v1/chains/{id}/compare",
            get(geo::compare),
            vec![op(
                "get",
                "区域对标: link statuses here beside another region's (region), and the regions strong in our missing or weak links",
                "viewer",
                geo::COMPARE_PARAMS,
                None,
                200,
                json(schema::<views::geo::CompareView>),
            )],
        ),
        (
            "/api/v1/chains/{id}/leads/{enterprise}/dismiss",
            post(routes::dismiss),
            vec![op(
                "post",
                "stop suggesting an enterprise for this chain, with a reason",
                "analyst",
                &[],
                json(schema::<views::DismissBody>),
                200,
                json(schema::<views::Dismissed>),
            )],
        ),
        (
            "/api/v1/enterprises",
            get(routes::search).post(routes::create_enterprise),
            vec![
                op(
                    "get",
                    "search enterprises with filters, facets and highlights",
                    "viewer",
                    routes::SEARCH_PARAMS,
                    None,
                    200,
                    json(schema::<crate::search::SearchResults>),
                ),
                op(
                    "post",
                    "create an enterprise",
                    "analyst",
                    &[],
                    Some(Body::JsonValue(openapi::enterprise_record)),
                    201,
                    json(schema::<views::EnterpriseView>),
                ),
            ],
        ),
        (
            "/api/v1/enterprises/{id}",
            get(routes::enterprise).put(routes::replace_enterprise).delete(routes::delete_enterprise),
            vec![
                op(
                    "get",
                    "an enterprise with its links and partners",
                    "viewer",
                    &[],
                    None,
                    200,
                    json(schema::<views::EnterpriseView>),
                ),
                op(
                    "put",
                    "replace an enterprise",
                    "analyst",
                    &[],
                    Some(Body::JsonValue(openapi::enterprise_record)),
                    200,
                    json(schema::<views::EnterpriseView>),
                ),
                op("delete", "delete an enterprise", "admin", &[], None, 204, None),
            ],
        ),
        (
            "/api/v1/enterprises/{id}/leads",
            get(routes::enterprise_leads),
            vec![op(
                "get",
                "the leads an enterprise appears in, with its rank",
                "viewer",
                &[],
                None,
                200,
                json(schema::<views::EnterpriseLeads>),
            )],
        ),
        (
            "/api/v1/session",
            get(routes::session),
            vec![op(
                "get",
                "who the caller is: name and role",
                "none",
                &[],
                None,
                200,
                json(schema::<views::Session>),
            )],
        ),
        (
            "/api/v1/imports",
            post(routes::import).layer(DefaultBodyLimit::max(limits.import)),
            vec![op(
                "post",
                "import enterprises; the report lists every rejected row",
                "analyst",
                routes::IMPORT_PARAMS,
                Some(Body::Media(IMPORT_MEDIA)),
                200,
                json(schema::<crate::import::ImportReport>),
            )],
        ),
        (
            "/api/v1/imports/preview",
            post(routes::import_preview).layer(DefaultBodyLimit::max(limits.import)),
            vec![op(
                "post",
                "what an import of this file would do, storing nothing: the column mapping, the first 20 enterprises as they would be stored, the report",
                "analyst",
                routes::IMPORT_PARAMS,
                Some(Body::Media(IMPORT_MEDIA)),
                200,
                json(schema::<views::ImportPreview>),
            )],
        ),
        (
            "/api/v1/imports/headers",
            get(routes::import_headers),
            vec![op(
                "get",
                "the spreadsheet header words recognised for each field",
                "viewer",
                &[],
                None,
                200,
                json(schema::<Vec<views::HeaderSynonyms>>),
            )],
        ),
        (
            "/api/v1/backup",
            post(routes::backup),
            vec![op(
                "post",
                "a consistent snapshot of the store as a download",
                "admin",
                &[],
                None,
                200,
                Some(Body::Media(&[("application/x-ndjson", MediaSchema::Text)])),
            )],
        ),
        (
            "/api/v1/audit",
            get(routes::audit),
            vec![op(
                "get",
                "who changed what, when",
                "admin",
                routes::AUDIT_PARAMS,
                None,
                200,
                json(schema::<views::AuditList>),
            )],
        ),
        (
            "/api/v1/tokens",
            post(routes::create_token),
            vec![op(
                "post",
                "create a token (shown only in this answer)",
                "admin",
                &[],
                json(schema::<views::TokenBody>),
                201,
                json(schema::<views::TokenCreated>),
            )],
        ),
        (
            "/api/v1/tokens/{id}",
            delete(routes::delete_token),
            vec![op("delete", "revoke a token", "admin", &[], None, 204, None)],
        ),
        (
            "/api/v1/units",
            get(projects::units).post(projects::create_unit),
            vec![
                op(
                    "get",
                    "招商单位 (SPEC §10)",
                    "viewer",
                    &[],
                    None,
                    200,
                    json(schema::<views::projects::UnitList>),
                ),
                op(
                    "post",
                    "create a unit (a client-chosen slug id, or one assigned)",
                    "admin",
                    &[],
                    Some(Body::JsonValue(openapi::unit_body)),
                    201,
                    json(schema::<views::projects::UnitView>),
                ),
            ],
        ),
        (
            "/api/v1/units/{id}",
            get(projects::unit).put(projects::put_unit),
            vec![
                op("get", "a unit", "viewer", &[], None, 200, json(schema::<views::projects::UnitView>)),
                op(
                    "put",
                    "create (201) or replace (200) a unit",
                    "admin",
                    &[],
                    Some(Body::JsonValue(openapi::unit_body)),
                    200,
                    json(schema::<views::projects::UnitView>),
                ),
            ],
        ),
        (
            "/api/v1/units/{id}/targets/{year}",
            get(projects::get_targets).put(projects::put_targets),
            vec![
                op(
                    "get",
                    "a unit's targets for a year",
                    "viewer",
                    &[],
                    None,
                    200,
                    json(schema::<views::projects::TargetsView>),
                ),
                op(
                    "put",
                    "set a unit's targets (目标责任状), scoring and warning settings for a year",
                    "admin",
                    &[],
                    Some(Body::JsonValue(openapi::targets_body)),
                    200,
                    json(schema::<views::projects::TargetsView>),
                ),
            ],
        ),
        (
            "/api/v1/projects",
            get(projects::projects).post(projects::create_project),
            vec![
                op(
                    "get",
                    "projects with their stage, dates and warnings; stage counts",
                    "viewer",
                    projects::PROJECT_PARAMS,
                    None,
                    200,
                    json(schema::<views::projects::ProjectList>),
                ),
                op(
                    "post",
                    "create a project (201; `conflicts` lists any 撞单 it makes)",
                    "analyst",
                    &[],
                    Some(Body::JsonValue(openapi::project_body)),
                    201,
                    json(schema::<views::projects::ProjectView>),
                ),
            ],
        ),
        (
            "/api/v1/projects/{id}",
            get(projects::project).patch(projects::update_project),
            vec![
                op(
                    "get",
                    "a project with its events and 撞单",
                    "viewer",
                    &[],
                    None,
                    200,
                    json(schema::<views::projects::ProjectView>),
                ),
                op(
                    "patch",
                    "change a project's details; moving it to another unit is an admin's",
                    "analyst",
                    &[],
                    Some(Body::JsonValue(openapi::project_patch_body)),
                    200,
                    json(schema::<views::projects::ProjectView>),
                ),
            ],
        ),
        (
            "/api/v1/projects/{id}/events",
            post(projects::add_event),
            vec![op(
                "post",
                "record an event: a stage move and/or new running totals (stage rules: 422 invalid_stage)",
                "analyst",
                &[],
                Some(Body::JsonValue(openapi::event_body)),
                201,
                json(schema::<views::projects::EventView>),
            )],
        ),
        (
            "/api/v1/chains/{id}/leads/{enterprise}/take",
            post(projects::take_lead),
            vec![op(
                "post",
                "take up a lead as a project (chain, link and score kept)",
                "analyst",
                &[],
                Some(Body::JsonValue(openapi::project_body)),
                201,
                json(schema::<views::projects::ProjectView>),
            )],
        ),
        (
            "/api/v1/conflicts",
            get(projects::conflicts),
            vec![op(
                "get",
                "open 撞单 (首报首谈)",
                "viewer",
                &[],
                None,
                200,
                json(schema::<views::projects::ConflictList>),
            )],
        ),
        (
            "/api/v1/reports/monthly",
            get(projects::monthly_report),
            vec![op(
                "get",
                "the monthly 通报: score, card, rank, counts, rates, warnings, 撞单; format=xlsx for the workbook",
                "viewer",
                projects::REPORT_PARAMS,
                None,
                200,
                Some(Body::JsonOr(schema::<views::projects::MonthlyReport>, &[(XLSX, MediaSchema::Binary)])),
            )],
        ),
        (
            "/api/v1/reports/monthly/{month}/publish",
            post(projects::publish_report),
            vec![op(
                "post",
                "publish (freeze) a month's 通报",
                "admin",
                &[],
                None,
                200,
                json(schema::<views::projects::MonthlyReport>),
            )],
        ),
    ]
}

/// The OpenAPI document of every route.
pub fn openapi() -> serde_json::Value {
    let table = routes_table(Limits::default());
    let docs: Vec<(&str, &[Op])> = table.iter().map(|(p, _, d)| (*p, d.as_slice())).collect();
    openapi::document(&docs)
}

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(openapi())
}

/// The router over one app.
pub fn router(app: Arc<App>, public_read: bool, limits: Limits) -> Router {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let state = AppState {
        app,
        public_read,
        metrics: Default::default(),
        search_slots: Arc::new(tokio::sync::Semaphore::new(cores * 2)),
    };
    let mut router = Router::new();
    for (path, handlers, _) in routes_table(limits) {
        router = router.route(path, handlers);
    }
    router
        .merge(crate::web::routes())
        .layer(DefaultBodyLimit::max(limits.json))
        // A route layer runs after routing, so the route pattern is known for the labels.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .fallback(routes::fallback)
        .with_state(state)
        // Outermost: every response, the router's own rejections included.
        .layer(axum::middleware::from_fn(uniform::uniform))
}

/// Serves until Ctrl-C or SIGTERM; the store is flushed on the way out.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    public_read: bool,
    limits: Limits,
) -> std::io::Result<()> {
    let router = router(app.clone(), public_read, limits);
    axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await?;
    let _ = app.store().flush();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
