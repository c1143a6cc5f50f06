//! The connected accounts on the dashboard.

use actix_web::{HttpResponse, web};

use super::connect::platform;
use crate::accounts::AccountKey;
use crate::platforms::PlatformId;
use crate::web::error::AppError;
use crate::web::handlers::see_other;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

pub async fn account_disconnect(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (raw, id) = path.into_inner();
    disconnect(&state, &session, AccountKey::new(platform(&raw)?, id)).await
}

/// `/accounts/{open_id}/disconnect`, from before accounts had a platform: a TikTok account.
pub async fn tiktok_account_disconnect(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = AccountKey::new(PlatformId::TikTok, path.into_inner());
    disconnect(&state, &session, key).await
}

async fn disconnect(
    state: &AppState,
    session: &TypedSession,
    key: AccountKey,
) -> Result<HttpResponse, AppError> {
    let account = state.connections.disconnect(&key).await?;
    session.flash(
        "ok",
        &format!(
            "Disconnected {}. Its post history stays in Cast.",
            account.handle()
        ),
    );
    Ok(see_other("/"))
}
