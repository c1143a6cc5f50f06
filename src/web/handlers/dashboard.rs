use actix_web::web;

use crate::web::error::AppError;
use crate::web::handlers::layout;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::DashboardPage;

pub async fn dashboard_show(state: web::Data<AppState>, session: TypedSession) -> Result<DashboardPage, AppError> {
    let accounts = state.accounts.list().await?;
    Ok(DashboardPage { layout: layout(&state, &session), accounts, flash: session.take_flash() })
}
