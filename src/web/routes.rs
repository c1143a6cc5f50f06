//! The route table is the sitemap: every path Cast answers, in one place, in Cast's own scope,
//! which carries Cast's error rendering, login and CSRF. The emulators mount their scopes
//! beside it (`app::Emulators`) with none of that.

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::web::error::AppError;
use crate::web::middleware;

use crate::web::assets;
use crate::web::handlers::{
    accounts, api_instagram, api_me, api_posts, api_tiktok, api_uploads, api_youtube, connect,
    dashboard, health, login, media_links, post_again, post_check, post_cover, post_options,
    post_pages, post_photos, post_submit, pwa, settings, setup, tus, verification,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Signed by TikTok, so outside Cast's login and CSRF; before the scope, which matches every path.
    cfg.service(crate::platforms::tiktok::webhook::resource());
    public_media(cfg);
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

/// Public media links and what fetchers read first (instagram-api.md section 11). They answer
/// platforms' fetchers, never people: outside Cast's scope, so no login, no CSRF, and an empty
/// 404 stays empty.
fn public_media(cfg: &mut web::ServiceConfig) {
    cfg.route("/robots.txt", web::get().to(media_links::robots_show))
        .service(
            web::scope("/m")
                .service(
                    web::resource("/{token}/{name}")
                        .route(web::get().to(media_links::link_serve))
                        .route(web::head().to(media_links::link_serve)),
                )
                .service(
                    web::resource("/{name}")
                        .route(web::get().to(media_links::verification_serve))
                        .route(web::head().to(media_links::verification_serve)),
                )
                // Anything else under /m/ is an empty 404 too, never Cast's page.
                .default_service(web::to(media_links::nothing_here)),
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
        // The posting screen: the video once, a block of options per ticked account.
        .route("/", web::get().to(dashboard::dashboard_show))
        .route(
            "/post/options",
            web::get().to(post_options::post_options_show),
        )
        .route("/post/check", web::get().to(post_check::post_check))
        .service(
            web::resource("/post/cover")
                .app_data(web::PayloadConfig::new(post_cover::BODY_LIMIT))
                .route(web::post().to(post_cover::post_cover)),
        )
        .route("/post", web::post().to(post_submit::post_submit))
        .route("/post/photos", web::post().to(post_photos::post_photos))
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
        // A post's page, each target's live status and actions; History by post.
        .route("/posts/{id}", web::get().to(post_pages::post_show))
        .route(
            "/posts/{id}/targets",
            web::post().to(post_again::targets_add),
        )
        .route(
            "/posts/{id}/status",
            web::get().to(post_pages::post_status_show),
        )
        .route(
            "/posts/{id}/targets/{target_id}/retry",
            web::post().to(post_pages::target_retry),
        )
        .route(
            "/posts/{id}/targets/{target_id}/cancel",
            web::post().to(post_pages::target_cancel),
        )
        .route("/history", web::get().to(post_pages::history_show))
        .route("/settings", web::get().to(settings::settings_show))
        .route(
            "/settings/verification-file",
            web::post().to(verification::verification_save),
        )
        .route(
            "/settings/notifications/{channel}/test",
            web::post().to(settings::channel_test),
        )
        .route("/uploads/{id}", web::get().to(post_pages::upload_show))
        // Accounts, whatever their platform.
        .route("/connect/{platform}", web::get().to(connect::connect_start))
        .route(
            "/auth/{platform}/callback",
            web::get().to(connect::connect_callback),
        )
        .route(
            "/accounts/{platform}/{account_id}/disconnect",
            web::post().to(accounts::account_disconnect),
        )
        .route(
            "/accounts/{open_id}/disconnect",
            web::post().to(accounts::tiktok_account_disconnect),
        )
        // The JSON API.
        .route("/api/me", web::get().to(api_me::me_show))
        .route(
            "/api/openapi.json",
            web::get().to(crate::web::openapi::doc::openapi_show),
        )
        .route("/api/posts", web::post().to(api_posts::post_create))
        .route("/api/posts", web::get().to(api_posts::posts_list))
        .route("/api/posts/{id}", web::get().to(api_posts::post_show))
        .route(
            "/api/posts/{id}/targets",
            web::post().to(api_posts::targets_add),
        )
        .route(
            "/api/posts/{id}/targets/{target_id}/retry",
            web::post().to(api_posts::target_retry),
        )
        .route(
            "/api/posts/{id}/targets/{target_id}/cancel",
            web::post().to(api_posts::target_cancel),
        )
        .route(
            "/api/tiktok/auth-url",
            web::get().to(api_tiktok::auth_url_show),
        )
        .route(
            "/api/tiktok/login",
            web::post().to(api_tiktok::connect_finish),
        )
        .route(
            "/api/tiktok/logout",
            web::post().to(api_tiktok::account_disconnect),
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
            "/api/youtube/auth-url",
            web::get().to(api_youtube::auth_url_show),
        )
        .route(
            "/api/youtube/login",
            web::post().to(api_youtube::connect_finish),
        )
        .route(
            "/api/youtube/logout",
            web::post().to(api_youtube::channel_disconnect),
        )
        .route(
            "/api/youtube/channels",
            web::get().to(api_youtube::channels_list),
        )
        .route(
            "/api/instagram/auth-url",
            web::get().to(api_instagram::auth_url_show),
        )
        .route(
            "/api/instagram/login",
            web::post().to(api_instagram::connect_finish),
        )
        .route(
            "/api/instagram/logout",
            web::post().to(api_instagram::account_disconnect),
        )
        .route(
            "/api/instagram/accounts",
            web::get().to(api_instagram::accounts_list),
        )
        // The seed API: one-target posts, with the JSON it always had.
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
