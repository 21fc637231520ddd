//! The HTTP service (axum): API v1 of SPEC §8. Only this module knows HTTP; handlers call the
//! `App` on blocking threads and render the shapes in [`views`]. Errors all take one JSON form
//! (`error.rs`); callers are authenticated by bearer tokens with roles (`auth.rs`).

pub mod auth;
pub mod error;
mod routes;
pub mod views;

use crate::app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Anonymous callers may read.
    pub public_read: bool,
}

/// Largest JSON body (enterprise, chain, token, dismissal).
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Largest import body.
pub const IMPORT_LIMIT: usize = 50 * 1024 * 1024;

/// The router over one app.
pub fn router(app: Arc<App>, public_read: bool) -> Router {
    let state = AppState { app, public_read };
    let imports = Router::new()
        .route("/api/v1/imports", post(routes::import))
        .layer(DefaultBodyLimit::max(IMPORT_LIMIT));
    Router::new()
        .route("/api/v1/health", get(routes::health))
        .route("/api/v1/chains", get(routes::chains))
        .route("/api/v1/chains/{id}", get(routes::chain).put(routes::put_chain))
        .route("/api/v1/chains/{id}/leads", get(routes::leads))
        .route("/api/v1/chains/{id}/leads/{enterprise}/dismiss", post(routes::dismiss))
        .route("/api/v1/enterprises", get(routes::search).post(routes::create_enterprise))
        .route(
            "/api/v1/enterprises/{id}",
            get(routes::enterprise).put(routes::replace_enterprise).delete(routes::delete_enterprise),
        )
        .route("/api/v1/audit", get(routes::audit))
        .route("/api/v1/tokens", post(routes::create_token))
        .route("/api/v1/tokens/{id}", put(routes::fallback).delete(routes::delete_token))
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .merge(imports)
        .fallback(routes::fallback)
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM; the store is flushed on the way out.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    public_read: bool,
) -> std::io::Result<()> {
    let router = router(app.clone(), public_read);
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
