//! The sandbox's sitemap: TikTok's paths below `/sandbox/tiktok`, plus the owner's `_` pages.
//!
//! Which of these are public (TikTok's API, the upload URL, avatars) and which need the owner's
//! login (the consent page, `_`) is decided by `web::middleware::is_sandbox_api`.

use actix_web::web;

use super::{SandboxState, consent, creator, oauth, posts, publish, status, upload, user, videos};

pub const MOUNT: &str = "/sandbox/tiktok";

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
            ),
    );
}
