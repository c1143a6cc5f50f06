//! The connected accounts on the dashboard.

use actix_web::{HttpResponse, web};

use crate::web::error::AppError;
use crate::web::handlers::see_other;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

pub async fn account_disconnect(
    state: web::Data<AppState>,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let open_id = path.into_inner();
    let account = state.accounts.resolve(Some(&open_id)).await?;
    state.accounts.disconnect(&open_id).await?;
    session.flash(
        "ok",
        &format!(
            "Disconnected {}. Its upload history stays in Cast.",
            account.handle()
        ),
    );
    Ok(see_other("/"))
}
