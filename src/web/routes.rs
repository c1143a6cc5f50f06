//! The route table is the sitemap: every path Cast answers, in one place, in Cast's own scope,
//! which carries Cast's error rendering, login and CSRF. The emulators mount their scopes
//! beside it (`app::Emulators`) with none of that.

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::web::error::AppError;
use crate::web::middleware;

use crate::web::assets;
use crate::web::handlers::{
    accounts, api_me, api_tiktok, api_uploads, connect, dashboard, health, login, post_form,
    post_submit, pwa, setup, tus, upload_pages,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Signed by TikTok, so outside Cast's login and CSRF; before the scope, which matches every path.
    cfg.service(crate::platforms::tiktok::webhook::resource());
    cfg.service(
        web::scope("")
            .configure(cast_routes)
            .default_service(web::to(not_found))
            // Last wrapped runs first: errors → login → CSRF → handler.
            .wrap(from_fn(middleware::csrf::verify))
            .wrap(from_fn(middleware::auth::require_owner))
            .wrap(from_fn(middleware::errors::render)),
    );
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}

fn cast_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::health_check))
        .route("/favicon.ico", web::get().to(assets::favicon))
        .route("/static/{fingerprint}/{name}", web::get().to(assets::serve))
        .route("/apple-touch-icon.png", web::get().to(assets::touch_icon))
        .route("/manifest.webmanifest", web::get().to(pwa::manifest_show))
        .route("/sw.js", web::get().to(pwa::service_worker_show))
        .route("/share", web::get().to(pwa::share_show))
        .route("/share", web::post().to(pwa::share_receive))
        .route("/setup", web::get().to(setup::setup_show))
        .route("/setup", web::post().to(setup::setup_submit))
        .route("/login", web::get().to(login::login_show))
        .route("/login", web::post().to(login::login_submit))
        .route("/logout", web::post().to(login::logout))
        .route("/", web::get().to(dashboard::dashboard_show))
        .route("/connect/tiktok", web::get().to(connect::connect_start))
        .route(
            "/auth/tiktok/callback",
            web::get().to(connect::connect_callback),
        )
        .route("/post/form", web::get().to(post_form::post_form_show))
        .route("/post/check", web::get().to(post_submit::post_check))
        .route("/post", web::post().to(post_submit::post_submit))
        .service(
            web::resource(["/uploads/tus", "/uploads/tus/"])
                .route(web::method(actix_web::http::Method::OPTIONS).to(tus::tus_options))
                .route(web::post().to(tus::tus_create)),
        )
        .service(
            web::resource("/uploads/tus/{id}")
                .route(web::head().to(tus::tus_head))
                .route(web::method(actix_web::http::Method::PATCH).to(tus::tus_patch))
                .route(web::delete().to(tus::tus_delete))
                .route(web::method(actix_web::http::Method::OPTIONS).to(tus::tus_options)),
        )
        .route("/history", web::get().to(upload_pages::history_show))
        .route("/uploads/{id}", web::get().to(upload_pages::upload_show))
        .route(
            "/uploads/{id}/status",
            web::get().to(upload_pages::upload_status_show),
        )
        .route(
            "/uploads/{id}/retry",
            web::post().to(upload_pages::upload_retry),
        )
        .route(
            "/uploads/{id}/cancel",
            web::post().to(upload_pages::upload_cancel),
        )
        .route(
            "/accounts/{open_id}/disconnect",
            web::post().to(accounts::account_disconnect),
        )
        .route("/api/me", web::get().to(api_me::me_show))
        .route(
            "/api/tiktok/auth-url",
            web::get().to(api_tiktok::auth_url_show),
        )
        .route(
            "/api/tiktok/login",
            web::post().to(api_tiktok::login_submit),
        )
        .route(
            "/api/tiktok/logout",
            web::post().to(api_tiktok::logout_submit),
        )
        .route(
            "/api/tiktok/accounts",
            web::get().to(api_tiktok::accounts_list),
        )
        .route(
            "/api/tiktok/creator-info",
            web::get().to(api_tiktok::creator_info_show),
        )
        .route(
            "/api/tiktok/upload-video",
            web::post().to(api_uploads::upload_create),
        )
        .route("/api/uploads", web::get().to(api_uploads::uploads_list))
        .route("/api/uploads/{id}", web::get().to(api_uploads::upload_show))
        .route(
            "/api/uploads/{id}/retry",
            web::post().to(api_uploads::upload_retry),
        )
        .route(
            "/api/uploads/{id}/cancel",
            web::post().to(api_uploads::upload_cancel),
        );
}
