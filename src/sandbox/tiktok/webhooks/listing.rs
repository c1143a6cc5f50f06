//! `GET /sandbox/tiktok/_/webhooks`: every delivery attempt, in the order made, for the owner
//! (through the gate) and for tests: `[{event, body, signature, attempt, answered, sent_at}]`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::super::SandboxState;
use super::super::errors::PageError;
use super::store;
use crate::sandbox::gate::Visitor;

pub async fn list(
    req: HttpRequest,
    state: web::Data<SandboxState>,
) -> Result<HttpResponse, PageError> {
    // A listing for scripts: a stranger is told so in JSON, never sent to a login page.
    if let Visitor::Stranger(_) = state.gate.check(&req).await {
        return Ok(HttpResponse::Unauthorized().json(json!({
            "error": {"code": "unauthenticated", "message": "Log in to Cast to see the sandbox's webhooks."}
        })));
    }
    let sent: Vec<Value> = store::attempts(&state.db)
        .await?
        .into_iter()
        .map(|a| {
            json!({
                "event": a.event,
                // The exact bytes sent, so a reader can check the signature itself.
                "body": a.body,
                "signature": a.signature,
                "attempt": a.attempt,
                "answered": a.answered,
                "error": a.error,
                "sent_at": a.sent_ms.div_euclid(1000),
                "delivery": a.delivery,
                "copy": a.copy,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(sent))
}
