//! `/metrics` in Prometheus text format: requests and latency histograms by route and status,
//! plus what the data dir holds. Recorded by a middleware around every request, which also logs
//! each request with `tracing`.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; 12],
}

/// Request counts and latencies by (method, route, status).
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = series.entry((method.to_string(), route.to_string(), status)).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP chainscout_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE chainscout_requests_total counter\n");
        for ((m, r, st), s) in series.iter() {
            let _ = writeln!(
                out,
                "chainscout_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP chainscout_request_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE chainscout_request_seconds histogram\n");
        for ((m, r, st), s) in series.iter() {
            let labels = format!("method=\"{m}\",route=\"{r}\",status=\"{st}\"");
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(out, "chainscout_request_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(out, "chainscout_request_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "chainscout_request_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "chainscout_request_seconds_count{{{labels}}} {}", s.count);
        }
    }
}

/// Times every request and logs it: writes and failures at info (5xx at warn), successful reads
/// at debug. Every request is counted in `/metrics` anyway, and a log line written for each of
/// thousands of searches a second cost ~20 µs of a 100 µs round trip (issue 16).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = next.run(request).await;
    let seconds = start.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.observe(&method, &route, status, seconds);
    let ms = seconds * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, status, ms, "request");
    } else if status >= 400 || !matches!(method.as_str(), "GET" | "HEAD") {
        tracing::info!(%method, %route, status, ms, "request");
    } else {
        tracing::debug!(%method, %route, status, ms, "request");
    }
    response
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let app = state.app.clone();
    let sizes = tokio::task::spawn_blocking(move || {
        let graph = app.graph();
        (
            graph.n_enterprises(),
            graph.chains().count(),
            app.store().size_on_disk().unwrap_or(0),
            app.index_bytes(),
        )
    })
    .await
    .unwrap_or_default();
    let _ = writeln!(out, "# TYPE chainscout_enterprises gauge\nchainscout_enterprises {}", sizes.0);
    let _ = writeln!(out, "# TYPE chainscout_chains gauge\nchainscout_chains {}", sizes.1);
    let _ = writeln!(out, "# TYPE chainscout_store_bytes gauge\nchainscout_store_bytes {}", sizes.2);
    let _ = writeln!(out, "# TYPE chainscout_index_bytes gauge\nchainscout_index_bytes {}", sizes.3);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
