//! TikTok's v2 envelope: `{"data": {...}, "error": {"code", "message", "log_id"}}`.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::TikTokError;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<EnvelopeError>,
}

#[derive(Deserialize, Default)]
struct EnvelopeError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    log_id: Option<String>,
}

/// Reads an API answer. Success is `error.code == "ok"` whatever the HTTP status (some refusals come
/// with 200); on failure `data` may be absent or `{}`, so nothing of it is needed.
pub async fn read<T: DeserializeOwned>(res: reqwest::Response) -> Result<T, TikTokError> {
    let status = res.status().as_u16();
    let retry_after = retry_after(res.headers());
    let body = res.bytes().await.map_err(|e| TikTokError::network(&e))?;
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|e| {
        TikTokError::unreadable(status, &e.to_string()).with_retry_after(retry_after)
    })?;
    let error = envelope.error.unwrap_or_default();
    if error.code != "ok" {
        let code = if error.code.is_empty() {
            "unknown_error"
        } else {
            error.code.as_str()
        };
        return Err(TikTokError::new(code, error.message, Some(status))
            .with_log_id(error.log_id)
            .with_retry_after(retry_after));
    }
    let data = envelope.data.unwrap_or(serde_json::Value::Null);
    serde_json::from_value(data).map_err(|e| {
        TikTokError::unreadable(status, &format!("unexpected data: {e}")).with_log_id(error.log_id)
    })
}

/// TikTok documents no `Retry-After`, but honouring one costs nothing.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_secs)
}
