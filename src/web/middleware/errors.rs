//! Turns an `AppError` (or actix's own errors, such as a bad path or JSON) into the answer its
//! audience can read: JSON for scripts, a toast for HTMX, a page for browsers.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use askama::Template as _;
use tracing_actix_web::RequestId;

use super::{is_htmx, wants_json};
use crate::web::error::{AppError, log_chain};
use crate::web::templates::{ErrorPage, Toast};

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    // The sandbox speaks TikTok's own error shapes; leave them exactly as it wrote them.
    // Public media links answer fetchers, never people: an empty 404 stays empty.
    if crate::web::middleware::is_sandbox_api(res.request().path())
        || crate::web::handlers::media_links::is_public_media(res.request().path())
    {
        return Ok(res);
    }
    let (code, message) = match res.response().error() {
        Some(err) => match err.as_error::<AppError>() {
            Some(app) => {
                if let AppError::Internal(cause) = app {
                    tracing::error!(error = %log_chain(cause.as_ref()), "request failed");
                }
                (app.code().to_string(), app.to_string())
            }
            // actix's own errors (bad JSON, bad path): their text is safe and says what was wrong.
            None if status.is_client_error() => ("bad_request".to_string(), err.to_string()),
            None => {
                tracing::error!(error = %err, "request failed");
                (
                    "internal".to_string(),
                    AppError::internal(anyhow::anyhow!("")).to_string(),
                )
            }
        },
        // A handler-built error response (e.g. the sandbox's consent errors) stays as it is,
        // but a bare 404 from the router becomes Cast's own.
        None if status == StatusCode::NOT_FOUND && res.response().body().size().is_eof() => {
            ("not_found".to_string(), AppError::NotFound.to_string())
        }
        None => return Ok(res),
    };
    let (req, old) = res.into_parts();
    let mut new = build(&req, status, &code, &message);
    if let Some(v) = old.headers().get(header::RETRY_AFTER) {
        new.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    Ok(ServiceResponse::new(req, new))
}

fn build(req: &HttpRequest, status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    if wants_json(req) {
        return HttpResponse::build(status).json(serde_json::json!({
            "error": {"code": code, "message": message, "request_id": request_id}
        }));
    }
    if status == StatusCode::UNAUTHORIZED {
        let target = format!("/login?next={}", url_encode(&path_and_query(req)));
        if is_htmx(req) {
            // HTMX follows this header with a full page load, instead of swapping a login form into a fragment.
            return HttpResponse::Unauthorized()
                .insert_header(("HX-Redirect", target))
                .finish();
        }
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .finish();
    }
    let html = if is_htmx(req) {
        Toast {
            kind: "error",
            message,
            request_id: &request_id,
        }
        .render()
    } else {
        ErrorPage {
            layout: crate::web::templates::Layout::bare(),
            status: status.as_u16(),
            message,
            request_id: &request_id,
        }
        .render()
    };
    match html {
        Ok(body) => {
            let mut res = HttpResponse::build(status);
            res.content_type("text/html; charset=utf-8");
            if is_htmx(req) {
                // Toasts go to the toast area whatever element made the request.
                res.insert_header(("HX-Retarget", "#toasts"))
                    .insert_header(("HX-Reswap", "beforeend"));
            }
            res.body(body)
        }
        Err(_) => HttpResponse::build(status).body(message.to_string()),
    }
}

fn path_and_query(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
