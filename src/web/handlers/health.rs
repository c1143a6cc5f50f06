//! `/healthz`, for tunnels and container probes.

use actix_web::{HttpResponse, web};

use crate::web::error::AppError;
use crate::web::state::AppState;

/// Answers only when the database does.
#[utoipa::path(get, path = "/healthz", tag = "cast", security(()), responses((status = 200, description = "The database answers", body = String, content_type = "text/plain"), (status = 500, description = "The database does not answer", body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn health_check(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.health.check().await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
