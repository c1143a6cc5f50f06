//! Static files compiled into the binary, served under fingerprinted URLs so they can be cached for a year.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest as _, Sha256};

use crate::web::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    fingerprint: String,
}

macro_rules! asset {
    ($name:literal, $type:literal) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../../static/", $name)).as_slice(),
        )
    };
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        asset!("htmx.min.js", "text/javascript; charset=utf-8"),
        asset!("pico.min.css", "text/css; charset=utf-8"),
        asset!("app.css", "text/css; charset=utf-8"),
        asset!("app.js", "text/javascript; charset=utf-8"),
        asset!("tus.min.js", "text/javascript; charset=utf-8"),
        asset!("post.js", "text/javascript; charset=utf-8"),
        asset!("photos.js", "text/javascript; charset=utf-8"),
        asset!("favicon.svg", "image/svg+xml"),
        asset!("icon-192.png", "image/png"),
        asset!("icon-512.png", "image/png"),
        asset!("icon-maskable-512.png", "image/png"),
    ]
    .into_iter()
    .map(|(name, content_type, bytes)| Asset {
        name,
        content_type,
        bytes,
        fingerprint: hex::encode(&Sha256::digest(bytes)[..6]),
    })
    .collect()
});

/// The URL of an embedded file, e.g. `/static/3fa2c1d09b7e/app.css`.
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}/{}", a.fingerprint, a.name),
        None => format!("/static/missing/{name}"),
    }
}

pub async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (fingerprint, name) = path.into_inner();
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or(AppError::NotFound)?;
    // An old fingerprint still gets the current file, but only briefly cached.
    let cache = if asset.fingerprint == fingerprint {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.bytes))
}

pub async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, url("favicon.svg")))
        .finish()
}

/// iOS asks for this fixed path when the page is added to the home screen.
pub async fn touch_icon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, url("icon-192.png")))
        .finish()
}
