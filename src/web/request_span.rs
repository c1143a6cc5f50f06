//! The span every request's log lines carry: method, route, path, status, request id and the
//! client as `TRUSTED_PROXY` names it. Never the query string: it carries secrets (the sandbox
//! upload URL's token, OAuth `code` and `state`, the setup token), and logs are read and kept
//! by people and programs that should see none of them.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage as _, web};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use crate::web::client_ip::client_ip;
use crate::web::state::AppState;

pub struct PathOnly;

/// The path as logged: a public media link's token is itself the credential, so only its
/// first characters are shown.
fn target(path: &str) -> std::borrow::Cow<'_, str> {
    if crate::web::handlers::media_links::is_public_media(path) {
        std::borrow::Cow::Owned(crate::web::handlers::media_links::redact(path))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

impl RootSpanBuilder for PathOnly {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_string());
        let client = request
            .app_data::<web::Data<AppState>>()
            .and_then(|s| client_ip(request.request(), s.config.trusted_proxy))
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target(request.path()),
            http.client_ip = %client,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
