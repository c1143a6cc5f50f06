//! The outgoing webhook: the event's JSON, signed as TikTok signs its own webhooks, so a receiver
//! (n8n, Home Assistant, a script) can check it came from this Cast and is fresh:
//! `Cast-Signature: t=<unix seconds>,s=<hex HMAC-SHA256 of "{t}.{body}">`.

use hmac::{Hmac, Mac as _};
use reqwest::header::CONTENT_TYPE;
use sha2::Sha256;

use crate::config::Secret;
use crate::config::notify::WebhookSettings;
use crate::notify::error::SendError;
use crate::notify::http;

pub const SIGNATURE_HEADER: &str = "Cast-Signature";
/// The event name, so a receiver can route without parsing the body.
pub const EVENT_HEADER: &str = "Cast-Event";
/// The same on every retry of one delivery: a receiver that saw it already can ignore it.
pub const DELIVERY_HEADER: &str = "Cast-Delivery";

/// The header value for `body` sent at `t`.
pub fn signature(secret: &Secret, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},s={}", hex::encode(mac.finalize().into_bytes()))
}

pub async fn send(
    client: &reqwest::Client,
    settings: &WebhookSettings,
    delivery: &str,
    event: &str,
    body: &str,
    now: i64,
) -> Result<(), SendError> {
    let origin = settings.url.origin();
    let res = client
        .post(settings.url.expose().clone())
        .header(CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(&settings.secret, now, body))
        .header(EVENT_HEADER, event)
        .header(DELIVERY_HEADER, delivery)
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| http::request_failed(&origin, e))?;
    http::expect_success(&origin, res).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac '0123456789abcdef'
        let s = signature(
            &Secret::new("0123456789abcdef"),
            1_700_000_000,
            r#"{"a":1}"#,
        );
        assert_eq!(
            s,
            "t=1700000000,s=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
        );
    }
}
