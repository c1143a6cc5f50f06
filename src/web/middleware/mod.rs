//! What wraps Cast's own scope: errors rendered for their audience, login, CSRF; and the
//! security headers on every response.

pub mod auth;
pub mod csrf;
pub mod errors;
pub mod headers;

/// Requests a script makes want JSON answers; a browser's want pages.
pub fn wants_json(req: &actix_web::HttpRequest) -> bool {
    let path = req.path();
    // tus is spoken by a script (tus-js-client), never navigated to.
    if path.starts_with("/api/") || path.starts_with("/uploads/tus") {
        return true;
    }
    if req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        return true;
    }
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"))
}

pub fn is_htmx(req: &actix_web::HttpRequest) -> bool {
    req.headers().contains_key("HX-Request")
}
