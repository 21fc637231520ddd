//! The HTTP service (axum): API v1 of SPEC §8. Only this module knows HTTP; handlers call the
//! `App` on blocking threads and render the shapes in [`views`]. Errors all take one JSON form
//! (`error.rs`); callers are authenticated by bearer tokens with roles (`auth.rs`).

pub mod auth;
pub mod error;
mod metrics;
pub mod openapi;
mod routes;
pub mod views;

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
    const JSON: &[&str] = &["application/json"];
    let op = |method, summary, role, query, body, ok| Op { method, summary, role, query, body, ok };
    vec![
        (
            "/api/v1/health",
            get(routes::health),
            vec![op("get", "service status and counts", "none", &[], &[], 200)],
        ),
        ("/metrics", get(metrics::metrics), vec![op("get", "Prometheus metrics", "none", &[], &[], 200)]),
        ("/openapi.json", get(openapi_json), vec![op("get", "this document", "none", &[], &[], 200)]),
        (
            "/api/v1/chains",
            get(routes::chains),
            vec![op("get", "chains with counts by status and lead kind", "viewer", &[], &[], 200)],
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
                    &[],
                    200,
                ),
                op(
                    "put",
                    "create or replace a chain from TOML or JSON",
                    "analyst",
                    &[],
                    &["application/toml", "application/json"],
                    200,
                ),
                op(
                    "patch",
                    "change the owner (链长), lead department or key links",
                    "analyst",
                    &[],
                    JSON,
                    200,
                ),
            ],
        ),
        (
            "/api/v1/chains/{id}/map.svg",
            get(routes::chain_map),
            vec![op("get", "the chain map picture (SVG)", "viewer", &[], &[], 200)],
        ),
        (
            "/api/v1/chains/{id}/leads",
            get(routes::leads),
            vec![op(
                "get",
                "ranked leads with reasons; format=xlsx|csv for files",
                "viewer",
                routes::LEAD_PARAMS,
                &[],
                200,
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
                JSON,
                200,
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
                    &[],
                    200,
                ),
                op("post", "create an enterprise", "analyst", &[], JSON, 201),
            ],
        ),
        (
            "/api/v1/enterprises/{id}",
            get(routes::enterprise).put(routes::replace_enterprise).delete(routes::delete_enterprise),
            vec![
                op("get", "an enterprise with its links and partners", "viewer", &[], &[], 200),
                op("put", "replace an enterprise", "analyst", &[], JSON, 200),
                op("delete", "delete an enterprise", "admin", &[], &[], 204),
            ],
        ),
        (
            "/api/v1/enterprises/{id}/leads",
            get(routes::enterprise_leads),
            vec![op("get", "the leads an enterprise appears in, with its rank", "viewer", &[], &[], 200)],
        ),
        (
            "/api/v1/session",
            get(routes::session),
            vec![op("get", "who the caller is: name and role", "none", &[], &[], 200)],
        ),
        (
            "/api/v1/imports",
            post(routes::import).layer(DefaultBodyLimit::max(limits.import)),
            vec![op(
                "post",
                "import enterprises; the report lists every rejected row",
                "analyst",
                &[],
                &[
                    "text/csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/x-ndjson",
                ],
                200,
            )],
        ),
        (
            "/api/v1/backup",
            post(routes::backup),
            vec![op("post", "a consistent snapshot of the store as a download", "admin", &[], &[], 200)],
        ),
        (
            "/api/v1/audit",
            get(routes::audit),
            vec![op("get", "who changed what, when", "admin", routes::AUDIT_PARAMS, &[], 200)],
        ),
        (
            "/api/v1/tokens",
            post(routes::create_token),
            vec![op("post", "create a token (shown only in this answer)", "admin", &[], JSON, 201)],
        ),
        (
            "/api/v1/tokens/{id}",
            delete(routes::delete_token),
            vec![op("delete", "revoke a token", "admin", &[], &[], 204)],
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
    let state = AppState { app, public_read, metrics: Default::default() };
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
