//! The sandbox's sitemap: one prefix per Meta host below `/sandbox/instagram`, and the owner's
//! `_` pages. Its own scope: nothing of Cast's middleware is needed or wanted here, and every
//! answer is in Meta's shapes.

use actix_web::web;

use super::{MOUNT, State, consent, graph, oauth, posts};

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.service(
        web::scope(MOUNT)
            .app_data(state)
            // Sandbox forms and bodies are small; a caption is at most a few kB.
            .app_data(web::PayloadConfig::new(256 * 1024))
            // www.instagram.com
            .route("/www/oauth/authorize", web::get().to(consent::show))
            .route("/www/oauth/authorize", web::post().to(consent::submit))
            // api.instagram.com
            .route("/api/oauth/access_token", web::post().to(oauth::exchange))
            // graph.instagram.com, unversioned
            .route("/graph/access_token", web::get().to(oauth::long_lived))
            .route("/graph/refresh_access_token", web::get().to(oauth::refresh))
            // graph.instagram.com/{version}
            .route("/graph/{version}/{node}", web::get().to(graph::get_node))
            .route(
                "/graph/{version}/{node}/{edge}",
                web::get().to(graph::get_edge),
            )
            .route(
                "/graph/{version}/{node}/{edge}",
                web::post().to(graph::post_edge),
            )
            // The owner's view of what the sandbox received.
            .route("/_/", web::get().to(posts::page))
            .route("/_/posts", web::get().to(posts::list))
            .route("/_/video/{container_id}", web::get().to(posts::video))
            .route("/_/avatar/{file}", web::get().to(posts::avatar)),
    );
}
