use actix_web::{HttpResponse, web};

use crate::web::state::AppState;

/// Lets a script check its token and which TikTok Cast talks to.
#[utoipa::path(get, path = "/api/me", tag = "cast", responses((status = 200, body = crate::web::openapi::schemas::Me), (status = 401, body = crate::web::openapi::schemas::ErrorAnswer)))]
pub async fn me_show(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        // Which TikTok Cast talks to, as the app factory decided.
        "mode": if state.emulated.iter().any(|e| e.name == "TikTok") { "sandbox" } else { "tiktok" },
        "base_url": state.config.base_url.as_str().trim_end_matches('/'),
    }))
}
