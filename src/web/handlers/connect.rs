//! Connect TikTok: send the owner to TikTok's consent page, and take them back.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::oauth_state::StateError;
use crate::platforms::tiktok::client::pkce::Verifier;
use crate::web::error::AppError;
use crate::web::handlers::see_other;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

pub async fn connect_start(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    let binding = session.id().ok_or(AppError::Unauthenticated)?;
    let start = state.accounts.start_connect(&binding).await?;
    Ok(see_other(&start.url))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Public (TikTok redirects here), but the `state` only matches the login that started the
/// attempt. A visitor has no login, so nothing matches and nothing is stored for them.
pub async fn connect_callback(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let verifier = check_state(
        &state,
        q.state.as_deref(),
        &session.id().unwrap_or_default(),
    )
    .await?;
    if let Some(error) = q.error.as_deref() {
        return Err(refusal(error, q.error_description.as_deref()));
    }
    let code = q.code.filter(|c| !c.is_empty()).ok_or_else(|| {
        AppError::bad_request(
            "missing_code",
            "TikTok came back without an authorization code. Start again from Connect TikTok.",
        )
    })?;
    let account = state.accounts.connect(&code, &verifier).await?;
    let missing = account.missing_scopes();
    if missing.is_empty() {
        session.flash("ok", &format!("Connected {}.", account.handle()));
    } else {
        session.flash(
            "error",
            &format!("Connected {}, but without the permission {}: reconnect and leave every box ticked.", account.handle(), missing.join(", ")),
        );
    }
    Ok(see_other("/"))
}

/// Consumes the attempt the callback names; gives its PKCE verifier for the token exchange.
pub async fn check_state(
    state: &AppState,
    value: Option<&str>,
    binding: &str,
) -> Result<Verifier, AppError> {
    state
        .accounts
        .take_attempt(value, binding)
        .await?
        .map_err(|e| {
            let code = match e {
                StateError::Missing => "state_missing",
                StateError::Unknown => "state_unknown",
                StateError::Expired => "state_expired",
            };
            // The owner debugging a connect needs this line; the state itself never goes in it.
            tracing::warn!(
                code,
                "TikTok sign-in refused: its state does not match this login"
            );
            AppError::bad_request(code, e.to_string())
        })
}

pub fn refusal(error: &str, description: Option<&str>) -> AppError {
    if error == "access_denied" {
        return AppError::bad_request(
            "access_denied",
            "You did not allow Cast to use your TikTok account, so nothing was connected. Press Connect TikTok to try again.",
        );
    }
    let detail = description
        .filter(|d| !d.is_empty())
        .map(|d| format!(" TikTok says: \"{d}\""))
        .unwrap_or_default();
    AppError::bad_request(
        "tiktok_refused",
        format!(
            "TikTok did not connect the account ({error}).{detail} Press Connect TikTok to try again."
        ),
    )
}
