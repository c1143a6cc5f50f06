//! The dashboard: the posting screen (one video, a checkbox per connected account) and the
//! accounts' cards.

use actix_web::web;

use crate::web::error::AppError;
use crate::web::handlers::layout;
use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::DashboardPage;

pub async fn dashboard_show(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<DashboardPage, AppError> {
    let accounts = state.accounts.list().await?;
    Ok(DashboardPage {
        layout: layout(&state, &session),
        tus_js: crate::web::assets::url("tus.min.js"),
        post_js: crate::web::assets::url("post.js"),
        photos_js: crate::web::assets::url("photos.js"),
        accounts,
        flash: session.take_flash(),
        photos_ready: state.config.tiktok.pull_url_prefix.is_some(),
        links_prefix: format!(
            "{}/m/",
            state.config.base_url.as_str().trim_end_matches('/')
        ),
    })
}
