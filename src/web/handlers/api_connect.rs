//! What every platform's account API shares: who started an OAuth attempt, the consent URL a
//! script opens, and the redirect's answer a script hands back to finish the connection.

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::accounts::Account;
use crate::accounts::connect::Answer;
use crate::platforms::PlatformId;
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

/// The query of the platform's redirect, as a script received it.
#[derive(Deserialize)]
pub struct LoginBody {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `{"url", "state"}`: the platform's consent page for a new account.
pub async fn auth_url(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    platform: PlatformId,
) -> Result<HttpResponse, AppError> {
    let started = state
        .connections
        .start(platform, &binding(req, session)?)
        .await?;
    // The PKCE verifier stays on the server with the state; only its challenge is in the URL.
    Ok(HttpResponse::Ok().json(serde_json::json!({"url": started.url, "state": started.state})))
}

/// Finishes the attempt the answer's `state` names, as the browser's callback would.
pub async fn finish(
    req: &HttpRequest,
    state: &AppState,
    session: &TypedSession,
    platform: PlatformId,
    body: LoginBody,
) -> Result<Account, AppError> {
    let answer = Answer {
        code: body.code,
        state: body.state,
        error: body.error,
        error_description: body.error_description,
    };
    Ok(state
        .connections
        .finish(platform, &binding(req, session)?, answer)
        .await?)
}
