//! Every path needs the owner, by session or API token, except the few that cannot.

use actix_session::SessionExt as _;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};

use crate::web::error::AppError;
use crate::web::session::TypedSession;
use crate::web::state::AppState;

/// How this request proved it is the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Session,
    ApiToken,
}

fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login"
            | "/setup"
            | "/healthz"
            | "/favicon.ico"
            // Fetched by the browser without cookies; they hold nothing private.
            | "/manifest.webmanifest"
            | "/sw.js"
            | "/apple-touch-icon.png"
    ) || path.starts_with("/static/")
        // A platform's redirect back after consent (the state only matches the owner's login).
        || (path.starts_with("/auth/") && path.ends_with("/callback"))
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Refusals are answered as responses carrying the `AppError`, not as `Err`, so that the
/// error-rendering middleware outside sees them like any handler's error.
pub async fn require_owner<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let path = req.path().to_string();
    if is_public(&path) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let auth = if let Some(token) = bearer(&req) {
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return Ok(req
                .error_response(AppError::internal(anyhow::anyhow!("app state missing")))
                .map_into_right_body());
        };
        // A wrong token is refused even if a session cookie came along: the script asked to be judged by it.
        match state.owner.authenticate_token(&token).await {
            Ok(valid) => valid.then_some(Auth::ApiToken),
            Err(e) => return Ok(req.error_response(AppError::from(e)).map_into_right_body()),
        }
    } else if TypedSession::from_session(req.get_session()).is_owner() {
        Some(Auth::Session)
    } else {
        None
    };
    match auth {
        Some(auth) => {
            req.extensions_mut().insert(auth);
            Ok(next.call(req).await?.map_into_left_body())
        }
        None => Ok(req
            .error_response(AppError::Unauthenticated)
            .map_into_right_body()),
    }
}
