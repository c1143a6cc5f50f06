//! Reading a failed answer of Google's: the Data API envelope, an upload session's status, or
//! OAuth's flat error, into a `YouTubeError` whose kind says what to do (contract sections 1,
//! 2.2, 5.2 and 8). Tolerant: any key may be missing and the body may be HTML or empty.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use super::error::{Cap, ErrorKind, ReconnectReason, YouTubeError};
use super::pacific;

const DAY_MS: i64 = 86_400_000;

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now_ms: i64) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value)
        .ok()?
        .timestamp()
        .as_millisecond();
    Some(Duration::from_millis(
        u64::try_from(at - now_ms).unwrap_or(0),
    ))
}

/// Where a failed answer came from: an upload session's 404 means "start over", elsewhere not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Api,
    Session,
}

/// Google's error envelope, read tolerantly: any key may be missing, the body may be HTML.
struct Envelope {
    reason: String,
    status: String,
    message: String,
}

fn read_envelope(body: &[u8]) -> Envelope {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &v["error"];
    let first = &error["errors"][0];
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    Envelope {
        reason: text(&first["reason"]),
        status: text(&error["status"]),
        message: match error["message"].as_str() {
            Some(m) => m.to_string(),
            None => text(&first["message"]),
        },
    }
}

fn names_a_day(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("per day") || m.contains("per-day") || m.contains("daily")
}

/// Classifies a non-success answer of the Data API or an upload session.
pub(crate) fn from_response(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    now_ms: i64,
    origin: Origin,
) -> YouTubeError {
    let env = read_envelope(body);
    let reason = if env.reason.is_empty() {
        env.status.clone()
    } else {
        env.reason.clone()
    };
    let midnight = pacific::next_midnight_ms(now_ms);
    let wait = |cap| ErrorKind::WaitUntil {
        until_ms: if cap == Cap::ChannelUploads {
            now_ms + DAY_MS
        } else {
            midnight
        },
        cap,
    };
    let retry = ErrorKind::Retryable {
        retry_after: retry_after(headers, now_ms),
    };
    let kind = match reason.as_str() {
        "quotaExceeded" | "dailyLimitExceeded" => wait(Cap::ProjectQuota),
        "uploadLimitExceeded" => wait(Cap::ChannelUploads),
        "youtubeSignupRequired" => ErrorKind::Permanent,
        "rateLimitExceeded" | "userRateLimitExceeded" | "RESOURCE_EXHAUSTED" => {
            if names_a_day(&env.message) {
                wait(Cap::DailyUploads)
            } else {
                retry
            }
        }
        _ if status == 429 && !names_a_day(&env.message) => retry,
        _ if (status == 429 || status == 403) && names_a_day(&env.message) => {
            wait(Cap::DailyUploads)
        }
        "backendError" | "internalError" => retry,
        "mediaBodyRequired" => retry,
        _ if status == 401 => ErrorKind::AccessTokenRejected,
        _ if origin == Origin::Session && (status == 404 || status == 410) => {
            ErrorKind::RestartSession
        }
        _ if status >= 500 || status == 408 => retry,
        _ => ErrorKind::Permanent,
    };
    let reason = if reason.is_empty() {
        format!("http_{status}")
    } else {
        reason
    };
    YouTubeError::new(kind, &reason, env.message).with_status(status)
}

/// Classifies an OAuth failure by its `error` key, whatever the status (contract 2.2).
/// `refresh_expires_at_ms` is when the exchange said the refresh token would die, if it did.
pub(crate) fn from_oauth(
    error: &str,
    description: &str,
    status: Option<u16>,
    retry_after: Option<Duration>,
    now_ms: i64,
    refresh_expires_at_ms: Option<i64>,
) -> YouTubeError {
    let kind = match error {
        "invalid_grant" => ErrorKind::Reconnect(match refresh_expires_at_ms {
            Some(at) if now_ms >= at => ReconnectReason::TestingExpiry { expired_at_ms: at },
            _ => ReconnectReason::ExpiredOrRevoked,
        }),
        "server_error" | "temporarily_unavailable" | "internal_failure" => {
            ErrorKind::Retryable { retry_after }
        }
        _ if status.is_some_and(|s| s >= 500 || s == 429) => ErrorKind::Retryable { retry_after },
        _ => ErrorKind::Permanent,
    };
    let reason = if error.is_empty() {
        status.map(|s| format!("http_{s}")).unwrap_or_default()
    } else {
        error.to_string()
    };
    let mut e = YouTubeError::new(kind, &reason, description);
    e.http_status = status;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_169_600_000; // 2026-12-02T00:00:00Z, 16:00 Pacific on 1 December

    fn classify(status: u16, body: &str) -> YouTubeError {
        from_response(status, &HeaderMap::new(), body.as_bytes(), NOW, Origin::Api)
    }

    fn google(status: u16, reason: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": status, "message": message, "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}]}}).to_string()
    }

    #[test]
    fn quota_refusals_wait_until_the_next_pacific_midnight() {
        let e = classify(
            403,
            &google(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
            ),
        );
        assert_eq!(
            e.kind,
            ErrorKind::WaitUntil {
                until_ms: NOW + 8 * 3_600_000,
                cap: Cap::ProjectQuota
            }
        );
        assert!(
            e.describe().contains("exceeded your quota."),
            "{}",
            e.describe()
        );
        assert!(!e.describe().contains('<'));
    }

    #[test]
    fn the_video_uploads_per_day_429_waits_but_a_plain_429_retries() {
        let daily = classify(
            429,
            &google(
                429,
                "rateLimitExceeded",
                "Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day' of service 'youtube.googleapis.com'",
            ),
        );
        assert!(matches!(
            daily.kind,
            ErrorKind::WaitUntil {
                cap: Cap::DailyUploads,
                ..
            }
        ));
        let burst = classify(429, &google(429, "rateLimitExceeded", "Too many requests"));
        assert!(burst.is_retryable());
        let user = classify(403, &google(403, "userRateLimitExceeded", "slow down"));
        assert!(user.is_retryable());
    }

    #[test]
    fn the_channel_cap_waits_a_day_from_the_refusal() {
        let e = classify(
            400,
            &google(
                400,
                "uploadLimitExceeded",
                "The user has exceeded the number of videos they may upload.",
            ),
        );
        assert_eq!(
            e.kind,
            ErrorKind::WaitUntil {
                until_ms: NOW + DAY_MS,
                cap: Cap::ChannelUploads
            }
        );
    }

    #[test]
    fn answers_without_a_body_are_classified_by_status() {
        assert!(classify(503, "").is_retryable());
        assert!(classify(502, "<html>bad gateway</html>").is_retryable());
        assert_eq!(classify(401, "").kind, ErrorKind::AccessTokenRejected);
        assert_eq!(classify(404, "").kind, ErrorKind::Permanent);
        let gone = from_response(410, &HeaderMap::new(), b"", NOW, Origin::Session);
        assert_eq!(gone.kind, ErrorKind::RestartSession);
        assert_eq!(gone.reason, "http_410");
    }

    #[test]
    fn no_channel_is_permanent_and_not_a_token_problem() {
        let e = classify(401, &google(401, "youtubeSignupRequired", "Unauthorized"));
        assert_eq!(e.kind, ErrorKind::Permanent);
        assert!(e.needs_channel());
        assert!(
            e.describe()
                .starts_with("This Google account has no YouTube channel.")
        );
    }

    #[test]
    fn the_status_field_is_read_when_no_reason_is_given() {
        let body =
            r#"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Too many"}}"#;
        assert!(classify(429, body).is_retryable());
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&h, NOW), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 02 Dec 2026 00:00:30 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&h, NOW), Some(Duration::from_secs(30)));
    }

    #[test]
    fn invalid_grant_after_the_announced_expiry_names_the_testing_mode() {
        let e = from_oauth(
            "invalid_grant",
            "Token has been expired or revoked.",
            Some(400),
            None,
            NOW,
            Some(NOW - 1),
        );
        assert_eq!(
            e.kind,
            ErrorKind::Reconnect(ReconnectReason::TestingExpiry {
                expired_at_ms: NOW - 1
            })
        );
        assert!(e.describe().contains("Publish app"));
        let early = from_oauth("invalid_grant", "", Some(400), None, NOW, Some(NOW + 1));
        assert_eq!(
            early.kind,
            ErrorKind::Reconnect(ReconnectReason::ExpiredOrRevoked)
        );
        assert!(
            from_oauth("temporarily_unavailable", "", Some(503), None, NOW, None).is_retryable()
        );
        assert_eq!(
            from_oauth("invalid_client", "", Some(401), None, NOW, None).kind,
            ErrorKind::Permanent
        );
    }
}
