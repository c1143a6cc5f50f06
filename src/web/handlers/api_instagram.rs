//! The JSON API for Instagram accounts, mirroring the YouTube one, for scripts and for clients
//! that receive Instagram's redirect themselves.

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::connect::Answer;
use crate::accounts::{Account, AccountError, AccountStatus};
use crate::platforms::PlatformId;
use crate::platforms::instagram::DISCONNECT_NOTE;
use crate::web::error::AppError;
use crate::web::middleware::auth::Auth;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

/// Who started an OAuth attempt: this login's session, or scripts holding an API token.
fn binding(req: &HttpRequest, session: &TypedSession) -> Result<String, AppError> {
    match req.extensions().get::<Auth>() {
        Some(Auth::ApiToken) => Ok("api".to_string()),
        _ => session.id().ok_or(AppError::Unauthenticated),
    }
}

async fn account_json(state: &AppState, a: &Account) -> serde_json::Value {
    let mut v = serde_json::json!({
        "user_id": a.account_id,
        "platform": a.platform,
        "username": a.username,
        "name": a.display_name,
        "account_type": state.instagram.account_type(&a.account_id).await,
        "profile_picture_url": a.avatar_url,
        "status": a.status,
        "scopes": a.scopes,
        "missing_scopes": a.missing_scopes,
        "connected_at": a.connected_at,
    });
    if a.status == AccountStatus::NeedsReconnect {
        v["reason"] = serde_json::Value::String(a.status_reason.clone());
    }
    v
}

/// `GET /api/instagram/auth-url`: Instagram's consent page for a new account, and its state.
#[utoipa::path(get, path = "/api/instagram/auth-url", tag = "instagram", responses((status = 200, body = crate::web::openapi::schemas::AuthUrl)))]
pub async fn auth_url_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    let started = state
        .connections
        .start(PlatformId::Instagram, &binding(&req, &session)?)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"url": started.url, "state": started.state})))
}

#[derive(Deserialize)]
pub struct LoginBody {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `POST /api/instagram/login`: a script that received Instagram's redirect finishes connecting.
#[utoipa::path(post, path = "/api/instagram/login", tag = "instagram", request_body = crate::web::openapi::schemas::OAuthLogin, responses((status = 200, body = crate::web::openapi::schemas::InstagramAccountAnswer), (status = 400, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn connect_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let answer = Answer {
        code: body.code,
        state: body.state,
        error: body.error,
        error_description: body.error_description,
    };
    let account = state
        .connections
        .finish(PlatformId::Instagram, &binding(&req, &session)?, answer)
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"account": account_json(&state, &account).await})))
}

#[derive(Deserialize, Default)]
pub struct LogoutBody {
    user_id: Option<String>,
}

/// `POST /api/instagram/logout {"user_id"}`: forgets the account's sign-in.
#[utoipa::path(post, path = "/api/instagram/logout", tag = "instagram", request_body(content = Option<crate::web::openapi::schemas::InstagramLogout>), responses((status = 200, body = crate::web::openapi::schemas::InstagramDisconnected), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn account_disconnect(
    state: web::Data<AppState>,
    body: Option<web::Json<LogoutBody>>,
) -> Result<HttpResponse, AppError> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let account = match state
        .accounts
        .resolve(PlatformId::Instagram, body.user_id.as_deref())
        .await
    {
        Err(AccountError::Ambiguous(_)) => {
            return Err(AppError::unprocessable(
                "account",
                "Several Instagram accounts are connected: say which one with user_id.",
            ));
        }
        other => other?,
    };
    state.connections.disconnect(&account.key()).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"disconnected": account.account_id, "note": DISCONNECT_NOTE})))
}

/// `GET /api/instagram/accounts`: every connected account with its type and status.
#[utoipa::path(get, path = "/api/instagram/accounts", tag = "instagram", responses((status = 200, body = crate::web::openapi::schemas::InstagramAccounts)))]
pub async fn accounts_list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut out = Vec::new();
    for a in state.accounts.list().await? {
        if a.platform == PlatformId::Instagram {
            out.push(account_json(&state, &a).await);
        }
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({"accounts": out})))
}
