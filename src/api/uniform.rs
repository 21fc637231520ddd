//! The last layer every response passes: rejections made outside our handlers (axum's 405 with
//! an empty body, its text/plain 400 when a path segment is not UTF-8, the asset handler's 404)
//! are rendered as the API's JSON error body with a code from the table, and every response,
//! API or page, carries the security headers the pages already had (issue 17: a 405 had no
//! body, `GET /api/v1/enterprises/%FF` answered text/plain, API responses could be sniffed or
//! framed). One place, so a new route cannot forget either.

use super::error::ApiError;
use crate::error::Code;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Bytes of a foreign error body read to quote it in our message.
const QUOTED: usize = 4096;

pub async fn uniform(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let mut response =
        if is_foreign_error(&response) { as_json_error(response, &method).await } else { response };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// An error status whose body is not our JSON.
fn is_foreign_error(response: &Response) -> bool {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    (status.is_client_error() || status.is_server_error()) && !json
}

async fn as_json_error(response: Response, method: &axum::http::Method) -> Response {
    let status = response.status();
    let allow = response.headers().get(header::ALLOW).cloned();
    let body = axum::body::to_bytes(response.into_body(), QUOTED).await.unwrap_or_default();
    let said = String::from_utf8_lossy(&body).trim().to_string();
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            // axum adds its Allow header outside this layer, so it is usually not here yet.
            let message = match allow.as_ref().and_then(|v| v.to_str().ok()).filter(|m| !m.is_empty()) {
                Some(methods) => format!("this route takes {methods}"),
                None => format!("this route does not take {method}; the Allow header lists what it takes"),
            };
            ApiError::new(Code::MethodNotAllowed, message)
        }
        StatusCode::NOT_FOUND => ApiError::not_found("file"),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(Code::BodyTooLarge, "the body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(Code::UnsupportedMediaType, said),
        s if s.is_client_error() => ApiError::new(
            Code::InvalidParameter,
            if said.is_empty() { "the request cannot be read".to_string() } else { said },
        ),
        _ => {
            tracing::error!(status = status.as_u16(), body = %said, "a response outside the error table");
            ApiError::new(Code::Internal, "internal error")
        }
    };
    let mut rendered = error.into_response();
    if let Some(allow) = allow {
        rendered.headers_mut().insert(header::ALLOW, allow);
    }
    rendered
}
