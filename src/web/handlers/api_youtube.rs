//! The JSON API for YouTube channels, mirroring the TikTok one, for scripts and for clients that
//! receive Google's redirect themselves.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::{Account, AccountStatus};
use crate::platforms::PlatformId;
use crate::web::error::AppError;
use crate::web::handlers::api_connect::{self, LoginBody};
use crate::web::session::TypedSession;
use crate::web::state::AppState;

fn channel_json(a: &Account) -> serde_json::Value {
    let mut v = serde_json::json!({
        "channel_id": a.account_id,
        "platform": a.platform,
        "title": a.display_name,
        "handle": (!a.username.is_empty()).then(|| format!("@{}", a.username)),
        "avatar_url": a.avatar_url,
        "status": a.status,
        "scopes": a.scopes,
        "missing_scopes": a.missing_scopes,
        "connected_at": a.connected_at,
    });
    // `reason` explains a needed reconnect, or, while active, when Google will end the grant.
    if a.status == AccountStatus::NeedsReconnect || !a.status_reason.is_empty() {
        v["reason"] = serde_json::Value::String(a.status_reason.clone());
    }
    v
}

/// `GET /api/youtube/auth-url`: Google's consent page for a new channel, and its state.
#[utoipa::path(get, path = "/api/youtube/auth-url", tag = "youtube", responses((status = 200, body = crate::web::openapi::schemas::AuthUrl)))]
pub async fn auth_url_show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    api_connect::auth_url(&req, &state, &session, PlatformId::YouTube).await
}

/// `POST /api/youtube/login`: a script that received Google's redirect finishes the connection.
#[utoipa::path(post, path = "/api/youtube/login", tag = "youtube", request_body = crate::web::openapi::schemas::OAuthLogin, responses((status = 200, body = crate::web::openapi::schemas::YouTubeChannelAnswer), (status = 400, body = crate::web::openapi::schemas::ErrorAnswer)))]
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
        PlatformId::YouTube,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"account": channel_json(&account)})))
}

#[derive(Deserialize, Default)]
pub struct LogoutBody {
    channel_id: Option<String>,
}

/// `POST /api/youtube/logout {"channel_id"}`: revokes Cast's access at Google and forgets it.
#[utoipa::path(post, path = "/api/youtube/logout", tag = "youtube", request_body(content = Option<crate::web::openapi::schemas::YouTubeLogout>), responses((status = 200, body = crate::web::openapi::schemas::Disconnected), (status = 404, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn channel_disconnect(
    state: web::Data<AppState>,
    body: Option<web::Json<LogoutBody>>,
) -> Result<HttpResponse, AppError> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let account = match state
        .accounts
        .resolve(PlatformId::YouTube, body.channel_id.as_deref())
        .await
    {
        Err(crate::accounts::AccountError::Ambiguous(_)) => {
            return Err(AppError::unprocessable(
                "account",
                "Several YouTube channels are connected: say which one with channel_id.",
            ));
        }
        other => other?,
    };
    state.connections.disconnect(&account.key()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"disconnected": account.account_id})))
}

/// `GET /api/youtube/channels`: every connected channel with its status.
#[utoipa::path(get, path = "/api/youtube/channels", tag = "youtube", responses((status = 200, body = crate::web::openapi::schemas::YouTubeChannels)))]
pub async fn channels_list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let channels: Vec<_> = state
        .accounts
        .list()
        .await?
        .iter()
        .filter(|a| a.platform == PlatformId::YouTube)
        .map(channel_json)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"channels": channels})))
}
