//! What a platform emulator asks of Cast, and nothing more: is this request the owner's, and is
//! this form token theirs. In the sandbox, "logging in to the platform" is logging in to Cast,
//! so each emulator's consent page goes through this gate (contracts' sandbox sections); its API
//! paths answer in the platform's own shapes and never see Cast's middleware.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

/// Who is at the consent page.
pub enum Visitor {
    /// The owner, with the token to put into the page's forms.
    Owner { csrf_token: String },
    /// Not the owner: send this response instead (a redirect to Cast's login, or 401).
    Stranger(HttpResponse),
}

pub trait OwnerGate: Send + Sync + 'static {
    fn check<'a>(&'a self, req: &'a HttpRequest) -> LocalBoxFuture<'a, Visitor>;
    /// Whether a submitted form token belongs to the login that made the request.
    fn form_token_ok(&self, req: &HttpRequest, token: &str) -> bool;
}

pub type Gate = Arc<dyn OwnerGate>;

/// Lets everyone in: for an emulator started alone on loopback by a test, with no Cast around it.
pub struct OpenGate;

pub const OPEN_GATE_TOKEN: &str = "standalone";

impl OwnerGate for OpenGate {
    fn check<'a>(&'a self, _req: &'a HttpRequest) -> LocalBoxFuture<'a, Visitor> {
        Box::pin(async {
            Visitor::Owner {
                csrf_token: OPEN_GATE_TOKEN.to_string(),
            }
        })
    }

    fn form_token_ok(&self, _req: &HttpRequest, token: &str) -> bool {
        token == OPEN_GATE_TOKEN
    }
}
