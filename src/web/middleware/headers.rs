//! Security headers on every response.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;

/// No inline script anywhere: every script is a file under /static.
/// `media-src blob:` and `img-src blob:` let the posting screen preview a picked video, and show
/// picked photos as thumbnails, before they upload.
/// `worker-src` and `manifest-src` name the service worker and manifest's origin explicitly.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; \
media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
form-action 'self' https://www.tiktok.com; \
frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(CSP),
        ))
        .add((
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .add((
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .add((
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .add((
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
}
