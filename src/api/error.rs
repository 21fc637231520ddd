//! The API's one error type. Its code comes from the one table of stable codes
//! ([`crate::error::Code`]), which also gives the HTTP status: every 4xx/5xx answer is
//! `{"error": {"code", "message", "field"?, "problems"?}}`. 5xx bodies say nothing more; the log
//! has the chain.

use crate::error::{Code, Error};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub field: Option<String>,
    /// Every problem of an invalid body, so a form can mark each field at once.
    pub problems: Vec<crate::error::Problem>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: None, problems: Vec::new() }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(Code::NotFound, format!("{} not found", what.into()))
    }

    pub fn internal() -> Self {
        Self::new(Code::Internal, "internal error")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = e.code();
        match e {
            Error::Invalid(problems) => {
                let mut err = match problems.first() {
                    Some(p) => ApiError::new(p.code, p.reason.clone()),
                    None => ApiError::new(Code::InvalidValue, "invalid"),
                };
                err.field = problems.first().map(|p| p.field.clone()).filter(|f| !f.is_empty());
                err.problems = problems;
                err
            }
            Error::Conflict(p) => ApiError::new(p.code, p.reason).with_field(p.field),
            Error::InvalidChain(problems) => ApiError::new(
                Code::InvalidChain,
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"),
            ),
            Error::NotFound(what) => ApiError::not_found(what),
            Error::UnreadableInput(m) => ApiError::new(Code::UnreadableInput, m),
            Error::StoreUnavailable(reason) => {
                tracing::warn!(%reason, "the shared store cannot be reached");
                ApiError::new(
                    Code::StoreUnavailable,
                    "the store cannot be reached now; nothing was written — retry shortly (存储暂时无法连接，未写入任何内容，请稍后重试)",
                )
            }
            other => {
                tracing::error!(error = %other, code = %code, "internal error");
                ApiError::new(if code == Code::StoreInUse { code } else { Code::Internal }, "internal error")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
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
        (status, axum::Json(json!({ "error": body }))).into_response()
    }
}
