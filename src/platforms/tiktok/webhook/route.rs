//! `POST /webhooks/tiktok`: the one door TikTok knocks on. No login and no CSRF (TikTok cannot
//! log in); the signature is the check. Registered outside Cast's scope, so its answers are
//! TikTok's business, not Cast's error pages.

use std::time::Duration;

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde_json::json;

use super::{HEADER, PATH, Receipt, ReceiveError, TikTokWebhooks};

/// TikTok's events are a few hundred bytes; anything near this is not one.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A body this small that has not arrived by then is a client holding the connection.
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The route, with the service it needs in the app data (`web::Data<TikTokWebhooks>`).
pub fn resource() -> actix_web::Resource {
    web::resource(PATH).route(web::post().to(receive))
}

enum BodyProblem {
    TooLarge,
    Unreadable,
}

async fn read_body(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, BodyProblem> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(BodyProblem::TooLarge);
    }
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyProblem::Unreadable)?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(BodyProblem::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(BodyProblem::Unreadable))
}

fn refusal(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({"error": message}))
}

#[tracing::instrument(name = "tiktok_webhook_receive", skip_all)]
async fn receive(
    req: HttpRequest,
    payload: web::Payload,
    hooks: web::Data<TikTokWebhooks>,
) -> HttpResponse {
    use actix_web::http::StatusCode;
    let body = match read_body(&req, payload).await {
        Ok(body) => body,
        Err(BodyProblem::TooLarge) => {
            tracing::warn!("TikTok webhook refused: the body is over the cap");
            return refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The body is larger than a TikTok webhook can be.",
            );
        }
        Err(BodyProblem::Unreadable) => {
            return refusal(StatusCode::BAD_REQUEST, "The body did not arrive whole.");
        }
    };
    let signature = req.headers().get(HEADER).and_then(|v| v.to_str().ok());
    match hooks.receive(signature, &body).await {
        Ok(Receipt::Stored) => HttpResponse::Ok().json(json!({"stored": true})),
        Ok(Receipt::Duplicate) => HttpResponse::Ok().json(json!({"duplicate": true})),
        Err(ReceiveError::Signature(e)) => {
            // Only the reason: never the header, the body or the secret.
            tracing::warn!(reason = %e, "TikTok webhook refused");
            refusal(StatusCode::UNAUTHORIZED, &e.to_string())
        }
        Err(ReceiveError::Store(e)) => {
            tracing::error!(error = %e, "TikTok webhook could not be stored; TikTok will retry");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "Cast cannot store this event now.",
            )
        }
    }
}
