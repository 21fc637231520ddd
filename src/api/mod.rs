//! The HTTP service (axum). Only this module knows HTTP; it calls the `App` and renders the
//! shapes in [`views`]. So far it serves `/api/v1/health`; the full API v1 is issue 5.

pub mod views;

use crate::app::App;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
}

/// The router over one app.
pub fn router(app: Arc<App>) -> Router {
    Router::new().route("/api/v1/health", get(health)).with_state(AppState { app })
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let graph = state.app.graph();
    Json(serde_json::json!({
        "status": "ok",
        "enterprises": graph.n_enterprises(),
        "chains": graph.chains().count(),
    }))
}

/// Serves until Ctrl-C or SIGTERM; the store is flushed on the way out.
pub async fn serve(app: Arc<App>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let router = router(app.clone());
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
