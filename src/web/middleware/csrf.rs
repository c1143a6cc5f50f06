//! CSRF: every state-changing request made with the session cookie must carry the session's token,
//! as the `X-CSRF-Token` header (HTMX, scripts in the page) or a `csrf_token` form field. The two
//! forms a visitor posts before there is a session (login, setup) carry the signed form cookie's
//! token instead (`web::form_token`), and only those two accept it.

use actix_session::SessionExt as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage as _, web};
use futures_util::StreamExt as _;

use super::auth::Auth;
use super::is_sandbox_api;
use crate::slow_body::{BodyError, SlowBodyGuard};
use crate::web::error::AppError;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

pub const HEADER: &str = "X-CSRF-Token";
pub const FIELD: &str = "csrf_token";
/// Forms that carry the token are small; anything bigger must use the header.
const FORM_LIMIT: usize = 64 * 1024;

fn refused() -> AppError {
    AppError::Forbidden(
        "This form has expired or did not come from Cast. Reload the page and try again.".into(),
    )
}

/// Refusals are responses carrying the `AppError` (see `auth::require_owner`).
pub async fn verify<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_token = req.extensions().get::<Auth>() == Some(&Auth::ApiToken);
    // The share target's fallback changes nothing (it drops the body and redirects), and the
    // phone's share sheet cannot send a token.
    let share_target = req.path() == "/share";
    let public_media = crate::web::handlers::media_links::is_public_media(req.path());
    if safe || by_token || share_target || public_media || is_sandbox_api(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let session = TypedSession::from_session(req.get_session());
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(refused()).map_into_right_body());
    };
    let before_login = matches!(req.path(), "/login" | "/setup");
    let form_cookie = req.cookie(state.form_tokens.cookie_name());
    let accepts = |candidate: &str| {
        session.csrf_matches(candidate)
            || (before_login && state.form_tokens.matches(form_cookie.clone(), candidate))
    };
    if let Some(value) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        if accepts(value) {
            return Ok(next.call(req).await?.map_into_left_body());
        }
        return Ok(req.error_response(refused()).map_into_right_body());
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(req.error_response(refused()).map_into_right_body());
    }
    // Read the small form body, look for the field, then hand the same bytes on to the handler.
    let mut payload = SlowBodyGuard::new(req.take_payload(), state.config.limits.stalled_client);
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(BodyError::Stalled(s)) => {
                return Ok(req.error_response(AppError::from(s)).map_into_right_body());
            }
            Err(BodyError::Read(e)) => return Err(e.into()),
        };
        if body.len() + chunk.len() > FORM_LIMIT {
            let too_large = AppError::PayloadTooLarge {
                message: "This form is too large.".into(),
            };
            return Ok(req.error_response(too_large).map_into_right_body());
        }
        body.extend_from_slice(&chunk);
    }
    let body: Bytes = body.freeze();
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned());
    match token {
        Some(t) if accepts(&t) => {
            req.set_payload(Payload::from(body));
            Ok(next.call(req).await?.map_into_left_body())
        }
        _ => Ok(req.error_response(refused()).map_into_right_body()),
    }
}
