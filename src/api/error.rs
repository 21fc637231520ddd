//! The API's one error type and its table of stable codes (SPEC §8): every 4xx/5xx answer is
//! `{"error": {"code", "message", "field"?}}`. 5xx bodies say nothing more; the log has the chain.

use crate::error::Error;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Every problem of an invalid body, so a form can mark each field at once.
    pub problems: Vec<crate::error::Problem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, problems: Vec::new() }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{} not found", what.into()))
    }
}

/// The status for a validation code.
fn status_of(code: &str) -> StatusCode {
    match code {
        "conflicting_identity" | "duplicate_enterprise" => StatusCode::CONFLICT,
        "malformed_body" | "unknown_parameter" | "invalid_parameter" => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(problems) => {
                let first = problems.first().cloned();
                let (code, field, message) = first
                    .map(|p| (p.code, p.field.clone(), p.reason.clone()))
                    .unwrap_or(("invalid_value", String::new(), "invalid".into()));
                let mut err = ApiError::new(status_of(code), code, message);
                if !field.is_empty() {
                    err.field = Some(field);
                }
                err.problems = problems;
                err
            }
            Error::Conflict(p) => ApiError::new(StatusCode::CONFLICT, p.code, p.reason).with_field(p.field),
            Error::InvalidChain(problems) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_chain",
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"),
            ),
            Error::NotFound(what) => ApiError::not_found(what),
            Error::UnreadableInput(m) => ApiError::bad_request("malformed_body", m),
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(f) = self.field.filter(|f| !f.is_empty()) {
            body["field"] = json!(f);
        }
        if !self.problems.is_empty() {
            body["problems"] = self
                .problems
                .iter()
                .map(|p| json!({"field": p.field, "code": p.code, "message": p.reason}))
                .collect();
        }
        (self.status, axum::Json(json!({ "error": body }))).into_response()
    }
}
