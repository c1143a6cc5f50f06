//! Cast's answer to the emulators' one question (`sandbox::gate`): is this request the owner's,
//! by their session or one of their API tokens, and is this form token theirs.

use actix_session::SessionExt as _;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use crate::owner::Owner;
use crate::sandbox::gate::{OwnerGate, Visitor};
use crate::web::session::TypedSession;

pub struct CastGate {
    owner: Owner,
}

impl CastGate {
    pub fn new(owner: Owner) -> Self {
        Self { owner }
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A stranger at an emulator's owner pages: a browser is sent to Cast's login and back, a script
/// is told in JSON.
fn stranger(req: &HttpRequest) -> HttpResponse {
    let script = bearer(req).is_some()
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    if script || req.method() != actix_web::http::Method::GET {
        return HttpResponse::Unauthorized().json(serde_json::json!({
            "error": {"code": "unauthenticated", "message": "Log in to Cast to continue."}
        }));
    }
    let here = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?next={next}")))
        .finish()
}

impl OwnerGate for CastGate {
    fn check<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Visitor> {
        Box::pin(async move {
            if let Some(token) = bearer(req) {
                // A wrong token is refused even beside a session cookie, as on Cast's own paths.
                return match self.owner.authenticate_token(token).await {
                    // A script's requests carry no ambient credential: no form token is needed.
                    Ok(true) => Visitor::Owner {
                        csrf_token: String::new(),
                    },
                    Ok(false) => Visitor::Stranger(stranger(req)),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not check an API token for the sandbox");
                        Visitor::Stranger(HttpResponse::ServiceUnavailable().finish())
                    }
                };
            }
            let session = TypedSession::from_session(req.get_session());
            if session.is_owner() {
                Visitor::Owner {
                    csrf_token: session.csrf_token(),
                }
            } else {
                Visitor::Stranger(stranger(req))
            }
        })
    }

    /// Called after `check` let the request in: a request it let in by API token needs no form
    /// token; one made with the session cookie must carry the session's.
    fn form_token_ok(&self, req: &HttpRequest, token: &str) -> bool {
        bearer(req).is_some() || TypedSession::from_session(req.get_session()).csrf_matches(token)
    }
}
