//! The route table is the sitemap: every path Cast answers, in one place.

use actix_web::web;

use crate::web::assets;
use crate::web::handlers::{api_me, dashboard, health, login, setup};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::health_check))
        .route("/favicon.ico", web::get().to(assets::favicon))
        .route("/static/{fingerprint}/{name}", web::get().to(assets::serve))
        .route("/setup", web::get().to(setup::setup_show))
        .route("/setup", web::post().to(setup::setup_submit))
        .route("/login", web::get().to(login::login_show))
        .route("/login", web::post().to(login::login_submit))
        .route("/logout", web::post().to(login::logout))
        .route("/", web::get().to(dashboard::dashboard_show))
        .route("/api/me", web::get().to(api_me::me_show));
}
