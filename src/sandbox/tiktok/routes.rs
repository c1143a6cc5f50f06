//! The sandbox's sitemap: TikTok's paths below `/sandbox/tiktok`, plus the owner's `_` pages.
//!
//! TikTok's API, the upload URL and avatars answer anyone, as TikTok's do; the consent page and
//! `_` ask the gate whether the request is the owner's. Anything else in the scope answers
//! TikTok's 404, never Cast's.

use actix_web::{HttpResponse, ResponseError as _, web};

use super::errors::ApiError;
use super::{
    MOUNT, SandboxState, consent, creator, in_app, oauth, photos, posts, publish, status, upload,
    user, videos, webhooks,
};

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<SandboxState>) {
    cfg.service(
        web::scope(MOUNT)
            .app_data(state)
            // TikTok's consent page (www.tiktok.com) and API host (open.tiktokapis.com).
            .route("/v2/auth/authorize/", web::get().to(consent::show))
            .route("/v2/auth/authorize/", web::post().to(consent::submit))
            .route("/v2/oauth/token/", web::post().to(oauth::token))
            .route("/v2/oauth/revoke/", web::post().to(oauth::revoke))
            .route("/v2/user/info/", web::get().to(user::info))
            .route("/v2/user/avatar/{file}", web::get().to(user::avatar))
            .route(
                "/v2/post/publish/creator_info/query/",
                web::post().to(creator::query),
            )
            .route(
                "/v2/post/publish/video/init/",
                web::post().to(publish::direct),
            )
            .route(
                "/v2/post/publish/inbox/video/init/",
                web::post().to(publish::inbox),
            )
            .route(
                "/v2/post/publish/content/init/",
                web::post().to(photos::init),
            )
            .route(
                "/v2/post/publish/status/fetch/",
                web::post().to(status::fetch),
            )
            .route("/v2/video/list/", web::post().to(videos::list))
            // The opaque upload URL that init hands out (open-upload.tiktokapis.com).
            .route("/upload/video/", web::put().to(upload::put_chunk))
            // The owner's view of what the sandbox received.
            .route("/_/", web::get().to(posts::page))
            .route("/_/posts", web::get().to(posts::list))
            .route("/_/video/{publish_id}", web::get().to(posts::video))
            .route(
                "/_/drafts/{publish_id}/post",
                web::post().to(posts::post_draft),
            )
            .route("/_/webhooks", web::get().to(webhooks::listing::list))
            .route(
                "/_/posts/{publish_id}/take-down",
                web::post().to(in_app::take_down),
            )
            .route(
                "/_/creators/{open_id}/remove-access",
                web::post().to(in_app::remove_access),
            )
            .route("/_/style.css", web::get().to(style))
            // www.tiktok.com's profile and video pages, where Cast links a published post.
            .route("/web/{rest:.*}", web::get().to(web_page))
            .default_service(web::to(not_found)),
    );
}

async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "max-age=3600"))
        .body(include_str!("style.css"))
}

/// A post's or a profile's page on "TikTok": the sandbox shows what it received.
async fn web_page() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("{MOUNT}/_/")))
        .finish()
}

async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}
