//! The sandbox's sitemap: Google's paths below `/sandbox/youtube`, and the owner's `_` pages.
//! Anything else in the scope answers Google's 404, never Cast's.

use actix_web::{HttpResponse, ResponseError as _, web};

use super::errors::GoogleError;
use super::state::{MOUNT, YouTubeState};
use super::{channels, consent, initiate, oauth, owner, session, thumbnails, videos};

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<YouTubeState>) {
    cfg.service(
        web::scope(MOUNT)
            .app_data(state)
            // accounts.google.com
            .route("/accounts/o/oauth2/v2/auth", web::get().to(consent::show))
            .route(
                "/accounts/o/oauth2/v2/auth",
                web::post().to(consent::submit),
            )
            // oauth2.googleapis.com
            .route("/oauth2/token", web::post().to(oauth::token))
            .route("/oauth2/revoke", web::post().to(oauth::revoke))
            // www.googleapis.com
            .route("/youtube/v3/channels", web::get().to(channels::list))
            .route(
                "/youtube/v3/videoCategories",
                web::get().to(channels::categories),
            )
            .route("/youtube/v3/videos", web::get().to(videos::list))
            .route("/upload/youtube/v3/videos", web::post().to(initiate::start))
            // The session URI: the same path with `upload_id` in the query.
            .route("/upload/youtube/v3/videos", web::put().to(session::put))
            .route(
                "/upload/youtube/v3/thumbnails/set",
                web::post().to(thumbnails::set),
            )
            // The owner's view of what arrived.
            .route("/_/", web::get().to(owner::page))
            .route("/_/videos", web::get().to(owner::list))
            .route("/_/quota", web::get().to(owner::quota_page))
            .route("/_/video/{id}", web::get().to(owner::video))
            .route("/_/thumbnail/{id}", web::get().to(owner::thumbnail))
            .route("/_/avatar/{file}", web::get().to(owner::avatar))
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> HttpResponse {
    GoogleError::not_found("notFound", "Not Found").error_response()
}
