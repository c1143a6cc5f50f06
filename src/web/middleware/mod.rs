//! What wraps every request: errors rendered for their audience, security headers, login, CSRF.

pub mod auth;
pub mod csrf;
pub mod errors;
pub mod headers;

/// Paths that TikTok's servers (or scripts acting as TikTok's client) call: in sandbox mode they
/// carry TikTok bearer tokens, not the owner's session, so neither Cast's login nor CSRF applies.
pub fn is_sandbox_api(path: &str) -> bool {
    const API: [&str; 5] = [
        "/sandbox/tiktok/v2/oauth/",
        "/sandbox/tiktok/v2/user/",
        "/sandbox/tiktok/v2/post/",
        "/sandbox/tiktok/v2/video/",
        "/sandbox/tiktok/upload/",
    ];
    API.iter().any(|p| path.starts_with(p))
}

/// Requests a script makes want JSON answers; a browser's want pages.
pub fn wants_json(req: &actix_web::HttpRequest) -> bool {
    let path = req.path();
    // tus is spoken by a script (tus-js-client), never navigated to.
    if path.starts_with("/api/")
        || path.starts_with("/sandbox/tiktok/_/posts")
        || path.starts_with("/uploads/tus")
    {
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
