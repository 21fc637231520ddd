//! The web pages of SPEC §9: one HTML shell and small hand-written ES modules, embedded in the
//! binary so the service works on an offline network (no CDN, no build step). The pages call
//! API v1 with the token kept in the browser session; the server only serves files here.
//!
//! Every page path answers with the same shell; `assets/app.js` routes on the path. A strict
//! Content-Security-Policy keeps every request on this host.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The page paths of SPEC §9 (and the analyst and login pages beside them).
pub const PAGES: &[&str] = &[
    "/",
    "/login",
    "/search",
    "/imports",
    "/chains/{id}",
    "/chains/{id}/leads",
    "/chains/{id}/compare",
    "/chains/{id}/edit",
    "/enterprises/new",
    "/enterprises/{id}",
    "/enterprises/{id}/edit",
    "/projects",
    "/projects/{id}",
    "/reports/{month}",
];

const SHELL: &str = include_str!("assets/index.html");

/// Embedded files under `/assets/`: name, content, media type.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", include_str!("assets/app.css"), "text/css; charset=utf-8"),
    ("app.js", include_str!("assets/app.js"), "text/javascript; charset=utf-8"),
    ("api.js", include_str!("assets/api.js"), "text/javascript; charset=utf-8"),
    ("ui.js", include_str!("assets/ui.js"), "text/javascript; charset=utf-8"),
    ("pages/overview.js", include_str!("assets/pages/overview.js"), "text/javascript; charset=utf-8"),
    ("pages/chain.js", include_str!("assets/pages/chain.js"), "text/javascript; charset=utf-8"),
    ("pages/leads.js", include_str!("assets/pages/leads.js"), "text/javascript; charset=utf-8"),
    ("pages/geo-map.js", include_str!("assets/pages/geo-map.js"), "text/javascript; charset=utf-8"),
    ("pages/compare.js", include_str!("assets/pages/compare.js"), "text/javascript; charset=utf-8"),
    ("pages/search.js", include_str!("assets/pages/search.js"), "text/javascript; charset=utf-8"),
    ("pages/enterprise.js", include_str!("assets/pages/enterprise.js"), "text/javascript; charset=utf-8"),
    ("pages/forms.js", include_str!("assets/pages/forms.js"), "text/javascript; charset=utf-8"),
    ("pages/login.js", include_str!("assets/pages/login.js"), "text/javascript; charset=utf-8"),
    ("pages/projects.js", include_str!("assets/pages/projects.js"), "text/javascript; charset=utf-8"),
    ("pages/project.js", include_str!("assets/pages/project.js"), "text/javascript; charset=utf-8"),
    (
        "pages/project-common.js",
        include_str!("assets/pages/project-common.js"),
        "text/javascript; charset=utf-8",
    ),
    ("pages/report.js", include_str!("assets/pages/report.js"), "text/javascript; charset=utf-8"),
    ("favicon.svg", include_str!("assets/favicon.svg"), "image/svg+xml"),
];

/// Requests may go only to this host; styles inline in the SVG map are allowed.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The page routes, merged into the API router (they need no state of their own).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new();
    for path in PAGES {
        router = router.route(path, get(shell));
    }
    router.route("/assets/{*file}", get(asset))
}

fn with_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The assets are part of the binary: revalidate so an upgrade is seen at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn shell() -> Response {
    with_headers(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], SHELL).into_response())
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, body, media)) => with_headers(([(header::CONTENT_TYPE, *media)], *body).into_response()),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
