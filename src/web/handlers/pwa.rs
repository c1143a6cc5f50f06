//! Cast on the phone's home screen: the web app manifest, the service worker, and the share
//! target. The manifest and service worker are public (browsers fetch manifests without
//! cookies) and hold nothing private. `/share` is the owner's: the service worker normally
//! answers it inside the phone, so a share reaches the server only when no worker was there.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;

use crate::web::assets;
use crate::web::error::AppError;
use crate::web::handlers::see_other;

const SERVICE_WORKER: &[u8] = include_bytes!("../../../static/sw.js");
/// The colour of the icon's background: Android's splash screen and status bar.
const THEME: &str = "#111111";
/// The most of a share body the server reads (and throws away) so the browser sees the
/// redirect; past it the share is refused. Nothing from the body is kept either way.
const SHARE_DRAIN_LIMIT: u64 = 32 * 1024 * 1024;

/// `GET /manifest.webmanifest`: name, icons, full-screen display, and the share target
/// (Web Share Target level 2: files come as multipart `media`).
pub async fn manifest_show() -> HttpResponse {
    let manifest = serde_json::json!({
        "id": "/",
        "name": "Cast",
        "short_name": "Cast",
        "description": "Publish your short videos from your own server.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME,
        "theme_color": THEME,
        "icons": [
            {"src": assets::url("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": assets::url("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": assets::url("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
        "share_target": {
            "action": "/share",
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {
                "title": "title",
                "text": "text",
                "url": "url",
                "files": [{"name": "media", "accept": ["video/*", "image/*"]}],
            },
        },
    });
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        // Icons move with their fingerprints: the manifest itself must be fetched fresh.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(manifest.to_string())
}

/// `GET /sw.js`, from the root so that its scope is the whole of Cast.
pub async fn service_worker_show() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        // Browsers check for a new worker on every visit; no-cache keeps the check honest.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(SERVICE_WORKER)
}

/// `GET /share` (a reload after sharing, a bookmark): the posting screen.
pub async fn share_show() -> HttpResponse {
    see_other("/")
}

/// `POST /share` reaching the server: the phone shared a video while no service worker was
/// installed (the first visit, cleared site data, a browser without service workers), so the
/// whole video comes in one request. Cast does not take it that way: one request cannot resume,
/// a tunnel cuts it at 100 MB, and a video may be gigabytes. The owner lands on the posting
/// screen, told to pick the video there (the worker is installed by then, so the next share
/// goes straight to the upload). Small bodies are read and dropped so the browser gets the
/// redirect rather than a cut connection; a larger one is refused at once with the same advice.
pub async fn share_receive(
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let refused = || AppError::PayloadTooLarge {
        message: "Cast did not receive the shared video: shared this way, it would come in one \
                  piece, which Cast does not take. Open Cast and pick the video on the posting \
                  screen. Sharing to Cast works straight away after that."
            .into(),
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > SHARE_DRAIN_LIMIT) {
        return Err(refused());
    }
    let mut read: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        read += chunk.len() as u64;
        if read > SHARE_DRAIN_LIMIT {
            return Err(refused());
        }
    }
    tracing::info!(
        bytes = read,
        "a share reached the server without the service worker"
    );
    Ok(see_other("/?shared=missed"))
}
