//! Public media links (`/m/{token}/{name}`), the verification files beside them (`/m/{name}`)
//! and `/robots.txt`: the only content Cast serves without a login (contract section 11).
//!
//! No session, no cookies, no redirect, no HTML: a link that is unknown, revoked or expired is an
//! empty 404, and the body of a live one streams from disk with exact lengths.

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use crate::links::{
    Answer, FetchMethod, FetchRequest, Links, Metered, OpenLink, PREFIX, ROBOTS_TXT,
};
use crate::web::client_ip::client_ip;
use crate::web::state::AppState;

/// Paths this module answers (served outside Cast's scope; the request span keeps their tokens
/// out of the log).
pub fn is_public_media(path: &str) -> bool {
    path.starts_with(PREFIX) || path == "/robots.txt"
}

pub async fn robots_show() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(ROBOTS_TXT)
}

/// Any other path under `/m/`.
pub async fn nothing_here() -> HttpResponse {
    not_found()
}

/// An empty 404 for anything under `/m/` that is not a live link: never a page.
fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .finish()
}

/// Cast's own trouble (the database, the disk): the fetcher may try again.
fn unavailable() -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::RETRY_AFTER, "30"))
        .finish()
}

fn header_text(req: &HttpRequest, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect())
}

pub async fn link_serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    links: web::Data<Links>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (token, _name) = path.into_inner();
    let link = match links.open(&token).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(parent: None, error = %e, "public link: lookup failed");
            return unavailable();
        }
    };
    let method = if req.method() == Method::HEAD {
        FetchMethod::Head
    } else {
        FetchMethod::Get
    };
    let fetch = FetchRequest {
        method,
        range: header_text(&req, header::RANGE),
        if_range: header_text(&req, header::IF_RANGE),
        user_agent: header_text(&req, header::USER_AGENT),
        client_ip: client_ip(&req, state.config.trusted_proxy).map(|ip| ip.to_string()),
    };
    let Some((file, modified)) = open_file(&link).await else {
        return not_found();
    };
    let answer = links.answer(&link, &fetch);
    let meter = match links.record(&link, &fetch, answer.status()).await {
        Ok(meter) => meter,
        Err(e) => {
            tracing::error!(parent: None, link = link.id, error = %e, "public link: cannot record the fetch");
            return unavailable();
        }
    };
    let mut res = HttpResponse::build(
        StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    link_headers(&mut res, &link, &answer, modified);
    if let Answer::Unsatisfiable { .. } = answer {
        return res.finish();
    }
    let len = answer.body_len();
    if method == FetchMethod::Head {
        // HEAD announces the same length; the server sends no body (and the meter records 0).
        drop(meter);
        return res.body(SizedStream::new(
            len,
            futures_util::stream::empty::<std::io::Result<Bytes>>(),
        ));
    }
    let mut file = file;
    if let Err(e) = file.seek(std::io::SeekFrom::Start(answer.offset())).await {
        tracing::error!(parent: None, link = link.id, error = %e, "public link: cannot read the file");
        return unavailable();
    }
    let body = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024);
    res.body(SizedStream::new(len, Metered::new(body, meter)))
}

/// The headers every answer of a live link carries (the same for `HEAD` and `GET`).
fn link_headers(
    res: &mut actix_web::HttpResponseBuilder,
    link: &OpenLink,
    answer: &Answer,
    modified: Option<header::HttpDate>,
) {
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, link.etag()));
    if let Some(modified) = modified {
        res.insert_header((header::LAST_MODIFIED, modified));
    }
    if let Some(range) = answer.content_range() {
        res.insert_header((header::CONTENT_RANGE, range));
    }
    if !matches!(answer, Answer::Unsatisfiable { .. }) {
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(link.file.content_type())
                .unwrap_or(HeaderValue::from_static("video/mp4")),
        ));
    }
}

/// The linked file, if it is still the one that was linked (same size); and its mtime.
async fn open_file(link: &OpenLink) -> Option<(tokio::fs::File, Option<header::HttpDate>)> {
    let file = match tokio::fs::File::open(link.file.path()).await {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(parent: None, link = link.id, job_id = %link.job_id, error = %e, "public link: its file is gone");
            return None;
        }
    };
    let meta = file.metadata().await.ok()?;
    if meta.len() != link.file.size() {
        tracing::warn!(parent: None, link = link.id, job_id = %link.job_id, "public link: its file changed size; not serving it");
        return None;
    }
    Some((file, meta.modified().ok().map(header::HttpDate::from)))
}

/// A platform's verification file, uploaded by the owner (`Links::save_verification_file`).
pub async fn verification_serve(links: web::Data<Links>, path: web::Path<String>) -> HttpResponse {
    match links.verification_file(&path.into_inner()).await {
        Ok(Some(contents)) => HttpResponse::Ok()
            // Served as text whatever its name, so an uploaded file can never run as a page.
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(contents),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(parent: None, error = %e, "verification file: lookup failed");
            unavailable()
        }
    }
}

/// A link's path with its token cut to its first 6 characters, for the request log: the path is
/// logged with every event of a request, and a link's path is its secret.
/// `/m/AbCdEfGhIj…/video.mp4` → `/m/AbCdEf…/video.mp4`; a one-segment path stays as it is.
pub fn redact(path: &str) -> String {
    let rest = &path[PREFIX.len().min(path.len())..];
    match rest.split_once('/') {
        Some((token, name)) => {
            let shown: String = token.chars().take(6).collect();
            format!("{PREFIX}{shown}…/{name}")
        }
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_cut_from_logged_paths() {
        assert_eq!(
            redact("/m/AbCdEfGhIjKlMnOp/video.mp4"),
            "/m/AbCdEf…/video.mp4"
        );
        assert_eq!(redact("/m/tiktok123.txt"), "/m/tiktok123.txt");
        assert!(is_public_media("/m/x/y") && is_public_media("/robots.txt"));
        assert!(!is_public_media("/media") && !is_public_media("/"));
    }
}
