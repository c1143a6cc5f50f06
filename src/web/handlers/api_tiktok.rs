//! The JSON API for TikTok accounts, for scripts and for clients that receive the redirect themselves.

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::Account;
use crate::web::error::AppError;
use crate::web::handlers::connect::{check_state, refusal};
use crate::web::middleware::auth::Auth;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

/// Who started an OAuth attempt: this login's session, or scripts holding an API token.
fn binding(req: &HttpRequest, session: &TypedSession) -> String {
    match req.extensions().get::<Auth>() {
        Some(Auth::ApiToken) => "api".to_string(),
        _ => session.id(),
    }
}

fn account_json(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "open_id": a.open_id,
        "username": a.username,
        "display_name": a.display_name,
        "avatar_url": a.avatar_url,
        "status": a.status,
        "status_reason": a.status_reason,
        "scopes": a.scopes,
        "missing_scopes": a.missing_scopes(),
        "connected_at": a.connected_at,
    })
}

pub async fn auth_url_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    let start = state
        .accounts
        .start_connect(&binding(&req, &session))
        .await?;
    // The PKCE verifier stays on the server with the state; only its challenge is in the URL.
    Ok(HttpResponse::Ok().json(serde_json::json!({"url": start.url, "state": start.state})))
}

#[derive(Deserialize)]
pub struct LoginBody {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

pub async fn login_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let verifier = check_state(&state, body.state.as_deref(), &binding(&req, &session)).await?;
    if let Some(error) = body.error.as_deref() {
        return Err(refusal(error, body.error_description.as_deref()));
    }
    let code = body
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::bad_request("missing_code", "Send the `code` TikTok returned."))?;
    let account = state.accounts.connect(&code, &verifier).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"account": account_json(&account)})))
}

#[derive(Deserialize, Default)]
pub struct LogoutBody {
    open_id: Option<String>,
}

pub async fn logout_submit(
    state: web::Data<AppState>,
    body: Option<web::Json<LogoutBody>>,
) -> Result<HttpResponse, AppError> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let account = state.accounts.resolve(body.open_id.as_deref()).await?;
    state.accounts.disconnect(&account.open_id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"disconnected": account.open_id})))
}

pub async fn accounts_list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let accounts: Vec<_> = state
        .accounts
        .list()
        .await?
        .iter()
        .map(account_json)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"accounts": accounts})))
}

#[derive(Deserialize)]
pub struct CreatorQuery {
    open_id: Option<String>,
}

pub async fn creator_info_show(
    state: web::Data<AppState>,
    query: web::Query<CreatorQuery>,
) -> Result<HttpResponse, AppError> {
    let account = state.accounts.resolve(query.open_id.as_deref()).await?;
    let info = state.accounts.creator_info(&account.open_id).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"open_id": account.open_id, "creator_info": info})))
}
