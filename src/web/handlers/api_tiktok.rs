//! The JSON API for TikTok accounts, for scripts and for clients that receive the redirect
//! themselves.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::{Account, AccountKey};
use crate::platforms::PlatformId;
use crate::web::error::AppError;
use crate::web::handlers::api_connect::{self, LoginBody};
use crate::web::session::TypedSession;
use crate::web::state::AppState;

fn account_json(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "open_id": a.account_id,
        "platform": a.platform,
        "username": a.username,
        "display_name": a.display_name,
        "avatar_url": a.avatar_url,
        "status": a.status,
        "status_reason": a.status_reason,
        "scopes": a.scopes,
        "missing_scopes": a.missing_scopes,
        "connected_at": a.connected_at,
    })
}

#[utoipa::path(get, path = "/api/tiktok/auth-url", tag = "tiktok", responses((status = 200, body = crate::web::openapi::schemas::AuthUrl)))]
pub async fn auth_url_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    api_connect::auth_url(&req, &state, &session, PlatformId::TikTok).await
}

/// `POST /api/tiktok/login`: a script that received TikTok's redirect itself finishes the
/// connection (TikTok's login, not the owner's).
#[utoipa::path(post, path = "/api/tiktok/login", tag = "tiktok", request_body = crate::web::openapi::schemas::OAuthLogin, responses((status = 200, body = crate::web::openapi::schemas::TikTokAccountAnswer), (status = 400, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn connect_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, AppError> {
    let account = api_connect::finish(
        &req,
        &state,
        &session,
        PlatformId::TikTok,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"account": account_json(&account)})))
}

#[derive(Deserialize, Default)]
pub struct LogoutBody {
    open_id: Option<String>,
}

/// `POST /api/tiktok/logout`: disconnects a TikTok account.
#[utoipa::path(post, path = "/api/tiktok/logout", tag = "tiktok", request_body(content = Option<crate::web::openapi::schemas::TikTokLogout>), responses((status = 200, body = crate::web::openapi::schemas::Disconnected), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn account_disconnect(
    state: web::Data<AppState>,
    body: Option<web::Json<LogoutBody>>,
) -> Result<HttpResponse, AppError> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let account = state
        .accounts
        .resolve(PlatformId::TikTok, body.open_id.as_deref())
        .await?;
    state.connections.disconnect(&account.key()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"disconnected": account.account_id})))
}

#[utoipa::path(get, path = "/api/tiktok/accounts", tag = "tiktok", responses((status = 200, body = crate::web::openapi::schemas::TikTokAccounts)))]
pub async fn accounts_list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let accounts: Vec<_> = state
        .accounts
        .list()
        .await?
        .iter()
        .filter(|a| a.platform == PlatformId::TikTok)
        .map(account_json)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"accounts": accounts})))
}

#[derive(Deserialize)]
pub struct CreatorQuery {
    open_id: Option<String>,
}

#[utoipa::path(get, path = "/api/tiktok/creator-info", tag = "tiktok", params(("open_id" = Option<String>, Query)), responses((status = 200, body = crate::web::openapi::schemas::CreatorInfoAnswer), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn creator_info_show(
    state: web::Data<AppState>,
    query: web::Query<CreatorQuery>,
) -> Result<HttpResponse, AppError> {
    let account = state
        .accounts
        .resolve(PlatformId::TikTok, query.open_id.as_deref())
        .await?;
    let key: AccountKey = account.key();
    let info = state.tiktok.creator_info(&key.id).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"open_id": account.account_id, "creator_info": info})))
}
