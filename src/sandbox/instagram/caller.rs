//! Who is calling the Graph API: the version in the path, the parameters (query string and form
//! body alike, as recorded traffic sends both), the token, and the account's hourly budget.

use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;

use super::State;
use super::errors::GraphError;
use super::store::accounts;

/// The versions the sandbox answers (section 14).
pub fn check_version(version: &str) -> Result<(), GraphError> {
    let known = version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|v| (22..=27).contains(&v));
    if known {
        Ok(())
    } else {
        Err(GraphError::param(format!(
            "Unknown Graph API version '{version}': the Instagram sandbox answers v22.0 to v27.0"
        )))
    }
}

/// Query parameters, then form-body parameters over them.
pub fn params(req: &HttpRequest, body: Option<&[u8]>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    if let Some(body) = body {
        for (k, v) in url::form_urlencoded::parse(body) {
            map.insert(k.into_owned(), v.into_owned());
        }
    }
    map
}

/// The token: the documented `access_token` parameter, or `Authorization: Bearer`.
pub fn token<'a>(req: &'a HttpRequest, params: &'a HashMap<String, String>) -> Option<&'a str> {
    if let Some(t) = params.get("access_token").filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub app_scoped_id: String,
    pub username: String,
    pub account_type: String,
    pub scopes: Vec<String>,
    pub token_hash: String,
    pub kind: String,
    pub issued_ms: i64,
    /// Share of the hourly budget used, for `X-App-Usage`.
    pub usage: u32,
}

impl Caller {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The token's account, or Meta's 190 (unknown, expired or replaced token) or 2500 (none).
pub async fn authenticate(state: &State, token: Option<&str>) -> Result<Caller, GraphError> {
    let Some(token) = token else {
        return Err(GraphError::new(
            2500,
            None,
            "An active access token must be used to query information about the current user.",
        ));
    };
    let now = state.now_ms();
    let row = accounts::token(&state.db, token)
        .await?
        .ok_or_else(GraphError::invalid_token)?;
    if row.revoked_ms.is_some() {
        return Err(GraphError::invalidated_token());
    }
    if row.expires_ms <= now {
        return Err(GraphError::expired_token(row.expires_ms));
    }
    let account = accounts::account(&state.db, &row.user_id)
        .await?
        .ok_or_else(GraphError::invalid_token)?;
    Ok(Caller {
        user_id: account.user_id,
        app_scoped_id: account.app_scoped_id,
        username: account.username,
        account_type: account.account_type,
        scopes: row.scopes.split(',').map(str::to_string).collect(),
        token_hash: row.token_hash,
        kind: row.kind,
        issued_ms: row.issued_ms,
        usage: 0,
    })
}

/// A versioned Graph call: the version checked, the token's account, its hourly budget counted.
pub async fn graph_caller(
    state: &State,
    req: &HttpRequest,
    version: &str,
    params: &HashMap<String, String>,
) -> Result<Caller, GraphError> {
    check_version(version)?;
    let mut caller = authenticate(state, token(req, params)).await?;
    caller.usage = state.limits.check(
        &caller.user_id,
        state.settings.calls_per_hour,
        state.now_ms(),
    )?;
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_v22_to_v27() {
        for v in ["v22.0", "v25.0", "v27.0"] {
            assert!(check_version(v).is_ok(), "{v}");
        }
        for v in ["v21.0", "v28.0", "25.0", "v25", "v25.1", "latest"] {
            assert_eq!(check_version(v).expect_err(v).code, 100, "{v}");
        }
    }
}
