//! One module per resource; handlers are named noun + verb. Each parses its input, calls one
//! domain function and renders what it returns.

pub mod accounts;
pub mod api_connect;
pub mod api_instagram;
pub mod api_me;
pub mod api_posts;
mod api_relay;
pub mod api_tiktok;
pub mod api_uploads;
pub mod api_youtube;
pub mod connect;
pub mod dashboard;
pub mod health;
pub mod login;
pub mod media_links;
mod multipart;
pub mod post_again;
pub mod post_check;
pub mod post_cover;
pub mod post_options;
pub mod post_pages;
pub mod post_photos;
pub mod post_submit;
pub mod pwa;
pub mod settings;
pub mod setup;
pub mod tus;
pub mod verification;

use crate::web::session::TypedSession;
use crate::web::state::AppState;
use crate::web::templates::Layout;

/// The frame for a page, from the state and this request's session.
pub fn layout(state: &AppState, session: &TypedSession) -> Layout {
    Layout::new(
        state.emulated.clone(),
        session.is_owner(),
        session.csrf_token(),
    )
}

/// The frame for a page a visitor fills in (login, setup), with the form cookie's token.
pub fn visitor_layout(state: &AppState, token: &str) -> Layout {
    Layout::new(state.emulated.clone(), false, token.to_string())
}

pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
