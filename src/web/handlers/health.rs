use actix_web::{HttpResponse, web};

use crate::web::error::AppError;
use crate::web::state::AppState;

/// For tunnels and container probes: answers only when the database does.
pub async fn health_check(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
