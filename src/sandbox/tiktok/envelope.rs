//! TikTok's response shapes, exactly: the v2 envelope, and the OAuth endpoints' flat bodies.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use rand::RngCore as _;
use serde_json::{Value, json};

/// The header TikTok puts the request id in; the body carries it too.
const LOG_ID_HEADER: &str = "x-tt-logid";

/// TikTok's request id: 34 characters, a UTC timestamp (`YYYYMMDDhhmmss`) then 20 hex digits.
pub fn log_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    format!("{stamp}{}", hex::encode_upper(bytes))
}

/// A v2 success: `{"data": {...}, "error": {"code": "ok", "message": "", "log_id": ...}}`.
pub fn ok(data: Value) -> HttpResponse {
    let id = log_id();
    let body = json!({"data": data, "error": {"code": "ok", "message": "", "log_id": id}});
    HttpResponse::Ok()
        .insert_header((LOG_ID_HEADER, id))
        .json(body)
}

/// A v2 failure. `data` is left out: the contract says a client must not need it (section 1),
/// and leaving it out is the stricter test of that.
pub fn failure(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let id = log_id();
    let body = json!({"error": {"code": code, "message": message, "log_id": id}});
    HttpResponse::build(status)
        .insert_header((LOG_ID_HEADER, id))
        .json(body)
}

/// The token endpoint's flat success body. RFC 6749 section 5.1 forbids caching it.
pub fn oauth_ok(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((LOG_ID_HEADER, log_id()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body)
}

/// The OAuth endpoints' failure: `{"error", "error_description", "log_id"}`.
pub fn oauth_failure(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let id = log_id();
    HttpResponse::build(status)
        .insert_header((LOG_ID_HEADER, id.clone()))
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({"error": error, "error_description": description, "log_id": id}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ids_are_a_timestamp_then_hex_34_long() {
        let id = log_id();
        assert_eq!(id.len(), 34, "{id}");
        assert!(id[..14].chars().all(|c| c.is_ascii_digit()), "{id}");
        assert!(id[14..].chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert!(id.starts_with("20"), "{id}");
        assert_ne!(log_id(), id);
    }
}
