//! Connecting an account: send the owner to the platform's consent page, and take them back.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::accounts::connect::Answer;
use crate::platforms::PlatformId;
use crate::web::error::AppError;
use crate::web::handlers::see_other;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

pub fn platform(raw: &str) -> Result<PlatformId, AppError> {
    PlatformId::parse(raw).ok_or(AppError::NotFound)
}

pub async fn connect_start(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let platform = platform(&path)?;
    let binding = session.id().ok_or(AppError::Unauthenticated)?;
    let started = state.connections.start(platform, &binding).await?;
    Ok(see_other(&started.url))
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Public (the platform redirects here), but the `state` only matches the login that started
/// the attempt. A visitor has no login, so nothing matches and nothing is stored for them.
pub async fn connect_callback(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, AppError> {
    let platform = platform(&path)?;
    let q = query.into_inner();
    let answer = Answer {
        code: q.code,
        state: q.state,
        error: q.error,
        error_description: q.error_description,
    };
    let account = state
        .connections
        .finish(platform, &session.id().unwrap_or_default(), answer)
        .await?;
    if account.missing_scopes.is_empty() {
        session.flash("ok", &format!("Connected {}.", account.handle()));
    } else {
        session.flash(
            "error",
            &format!(
                "Connected {}, but without the permission {}: reconnect and leave every box ticked.",
                account.handle(),
                account.missing_scopes.join(", ")
            ),
        );
    }
    Ok(see_other("/"))
}
