//! `/healthz`, for tunnels and container probes.

use actix_web::{HttpResponse, web};

use crate::web::error::AppError;
use crate::web::state::AppState;

/// Answers only when the database does.
pub async fn health_check(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.health.check().await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
