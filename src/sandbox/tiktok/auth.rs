//! Who is calling a v2 API: the bearer access token, and the scopes its grant carries.

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use super::errors::ApiError;
use super::store::accounts;
use super::{SandboxState, scopes};

#[derive(Debug, Clone)]
pub struct Caller {
    pub open_id: String,
    pub grant_id: i64,
    scopes: Vec<String>,
}

impl Caller {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// 401 `scope_not_authorized` unless the grant holds one of `any_of`.
    pub fn require(&self, any_of: &[&str]) -> Result<(), ApiError> {
        if any_of.iter().any(|s| self.has(s)) {
            Ok(())
        } else {
            Err(ApiError::ScopeNotAuthorized)
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= 256)
        .then_some(token)
}

/// 401 `access_token_invalid` for a missing, malformed, unknown, expired or revoked token.
pub async fn caller(state: &SandboxState, req: &HttpRequest) -> Result<Caller, ApiError> {
    let token = bearer(req).ok_or(ApiError::AccessTokenInvalid)?;
    let access = accounts::access(&state.db, token, state.now_ms())
        .await?
        .ok_or(ApiError::AccessTokenInvalid)?;
    Ok(Caller {
        open_id: access.open_id,
        grant_id: access.grant_id,
        scopes: scopes::split(&access.scopes),
    })
}
