//! Bearer tokens and roles: viewer < analyst < admin. `--public-read` lets anonymous callers
//! read (viewer) but never write.

use super::AppState;
use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub use crate::model::Role;

/// Who is calling: a token's name and role, or anonymous (with public read).
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Option<Role>,
    /// The token's unit (SPEC §10): it then writes and reads only that unit's subtree's projects.
    pub unit: Option<String>,
}

impl Caller {
    /// Fails with 401/403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        match self.role {
            None => Err(ApiError::new(
                crate::error::Code::MissingToken,
                "this request needs a token: Authorization: Bearer TOKEN",
            )),
            Some(r) if r < role => Err(ApiError::new(
                crate::error::Code::Forbidden,
                format!("this request needs the {role:?} role; the token has {r:?}").to_lowercase(),
            )),
            Some(_) => Ok(()),
        }
    }

    /// The caller as the app's project operations see it (anonymous reads as a viewer).
    pub fn actor(&self) -> crate::app::Actor {
        crate::app::Actor {
            name: self.name.clone(),
            role: self.role.unwrap_or(Role::Viewer),
            unit: self.unit.clone(),
        }
    }

    /// Reads need a viewer, or anonymous access with `--public-read`.
    pub fn require_read(&self, public_read: bool) -> Result<(), ApiError> {
        if public_read && self.role.is_none() { Ok(()) } else { self.require(Role::Viewer) }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(Caller { name: "anonymous".into(), role: None, unit: None });
        };
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::new(crate::error::Code::InvalidToken, "use Authorization: Bearer TOKEN")
            })?
            .to_string();
        let app = state.app.clone();
        let token = tokio::task::spawn_blocking(move || app.authenticate(&secret))
            .await
            .map_err(|_| ApiError::new(crate::error::Code::Internal, "internal error"))?
            .map_err(ApiError::from)?
            .ok_or_else(|| {
                ApiError::new(crate::error::Code::InvalidToken, "the token is unknown or revoked")
            })?;
        Ok(Caller {
            role: Some(token.role),
            name: format!("{} ({})", token.name, token.id),
            unit: token.unit,
        })
    }
}
