//! Every way a YouTube or Google call can fail, as one type that says what the caller should do
//! next (contract sections 1, 2.2, 5.2, 8 and 11). Classification never needs a body: the upload
//! server may send none, or HTML.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use super::pacific;

const DAY_MS: i64 = 86_400_000;

/// Which daily cap a refusal named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// `quotaExceeded` / `dailyLimitExceeded`: the project's units for the Pacific day.
    ProjectQuota,
    /// The 429 "Video Uploads per day": the project's insert bucket for the Pacific day.
    DailyUploads,
    /// `uploadLimitExceeded`: the channel's own 24-hour cap.
    ChannelUploads,
}

/// Why the owner must connect the channel again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconnectReason {
    /// The refresh token ran out at the time Google announced (`refresh_token_expires_in`):
    /// the consent screen is in Testing (contract 2.3, 2.5).
    TestingExpiry { expired_at_ms: i64 },
    /// `invalid_grant` otherwise: revoked, unused for six months, or replaced.
    ExpiredOrRevoked,
    /// The code exchange brought no refresh token, so Cast could not keep access.
    NoRefreshToken,
    /// The owner unticked scopes Cast needs on Google's page.
    MissingScopes(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 5xx, rate limits that are not per day, network errors and timeouts: try again with
    /// backoff (no sooner than `retry_after`). After a chunk `PUT`, probe before sending again.
    Retryable { retry_after: Option<Duration> },
    /// A daily cap: nothing helps before `until_ms` (Unix ms; add a few random minutes).
    WaitUntil { until_ms: i64, cap: Cap },
    /// 401 `authError`: the access token was refused. Refresh once, retry once.
    AccessTokenRejected,
    /// The channel must be connected again.
    Reconnect(ReconnectReason),
    /// The upload session is gone (404, 410): start a new upload from byte 0.
    RestartSession,
    /// Retrying the same request cannot help.
    Permanent,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct YouTubeError {
    pub kind: ErrorKind,
    /// Google's reason (`quotaExceeded`), the OAuth error (`invalid_grant`), or Cast's own
    /// (`network`, `timeout`, `no_channel`, `unreadable`).
    pub reason: String,
    /// Google's own message, as sent. It may hold HTML: never render it as markup.
    pub message: String,
    pub http_status: Option<u16>,
}

impl YouTubeError {
    pub fn new(kind: ErrorKind, reason: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.to_string(),
            message: message.into(),
            http_status: None,
        }
    }

    pub fn permanent(reason: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permanent, reason, message)
    }

    pub fn retryable(reason: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retryable { retry_after: None }, reason, message)
    }

    fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    /// A transport failure: retryable. The URL is left out, since a session URI is a credential.
    pub fn network(e: reqwest::Error) -> Self {
        let reason = if e.is_timeout() { "timeout" } else { "network" };
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        Self::retryable(reason, text)
    }

    /// The owner's Google account has no YouTube channel (an empty `channels.list`, or 401
    /// `youtubeSignupRequired` on a write).
    pub fn no_channel() -> Self {
        Self::permanent("youtubeSignupRequired", "")
    }

    pub fn needs_channel(&self) -> bool {
        self.reason == "youtubeSignupRequired"
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Retryable { .. })
    }

    /// A sentence for a person: what happened and what to do, then YouTube's words (tags
    /// removed) and reason.
    pub fn describe(&self) -> String {
        let mut out = self.explain();
        let theirs = plain_text(&self.message);
        if !theirs.is_empty() {
            out.push_str(&format!(" YouTube says: \"{theirs}\""));
        }
        if !self.reason.is_empty() {
            out.push_str(&format!(" ({})", self.reason));
        }
        out
    }

    fn explain(&self) -> String {
        let s = match &self.kind {
            ErrorKind::WaitUntil { cap: Cap::ProjectQuota, .. } => "YouTube's daily quota for this Google Cloud project is used up; Cast will try again after midnight Pacific time.",
            ErrorKind::WaitUntil { cap: Cap::DailyUploads, .. } => "YouTube's daily upload limit is reached; Cast will try again after midnight Pacific time.",
            ErrorKind::WaitUntil { cap: Cap::ChannelUploads, .. } => "This channel has reached YouTube's 24-hour upload limit; Cast will try again in 24 hours.",
            ErrorKind::Reconnect(ReconnectReason::TestingExpiry { .. }) => "Google ended this connection because your Google Cloud consent screen is in Testing, where connections expire 7 days after they are made. In Google Cloud Console open Google Auth Platform → Audience and press \"Publish app\" (no verification is needed for personal use), then connect the channel again.",
            ErrorKind::Reconnect(ReconnectReason::ExpiredOrRevoked) => "Google no longer accepts Cast's access to this channel (it was removed, or not used for six months). Connect the channel again.",
            ErrorKind::Reconnect(ReconnectReason::NoRefreshToken) => "Google did not give Cast lasting access to this channel. Connect it again and allow access.",
            ErrorKind::Reconnect(ReconnectReason::MissingScopes(_)) => "Google granted only part of the access Cast needs. Connect the channel again and tick every box on Google's page.",
            ErrorKind::RestartSession => "YouTube's upload session ended before the video was complete; Cast starts the upload again.",
            ErrorKind::AccessTokenRejected => "YouTube refused Cast's access token; Cast gets a new one and tries again.",
            ErrorKind::Retryable { .. } if self.reason == "network" || self.reason == "timeout" => "YouTube could not be reached; Cast will try again.",
            ErrorKind::Retryable { .. } => "YouTube could not take the request just now; Cast will try again.",
            ErrorKind::Permanent => permanent_explanation(&self.reason),
        };
        s.to_string()
    }
}

fn permanent_explanation(reason: &str) -> &'static str {
    match reason {
        "youtubeSignupRequired" => "This Google account has no YouTube channel. Create one on youtube.com, then connect again.",
        "insufficientPermissions" => "Cast was not given permission for this. Connect the channel again and tick every box on Google's page.",
        "accessNotConfigured" => "YouTube Data API v3 is not enabled in your Google Cloud project: enable it under APIs & Services → Library, then try again.",
        "invalid_client" => "Google does not accept Cast's client id and secret: check YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET (`cast doctor` helps).",
        "forbidden" | "forbiddenPrivacySetting" | "forbiddenLicenseSetting" => "YouTube does not allow this for this channel.",
        "invalidTitle" => "YouTube refused the video's title.",
        "invalidDescription" => "YouTube refused the video's description.",
        "invalidTags" => "YouTube refused the video's tags.",
        "invalidCategoryId" => "YouTube refused the video's category.",
        "invalidPublishAt" => "YouTube refused the schedule: it must be in the future, with the video private until then.",
        "authenticatedUserAccountClosed" | "authenticatedUserAccountSuspended" | "channelClosed" | "channelSuspended" | "channelNotFound" | "authenticatedUserNotChannel" | "accountDelegationForbidden" => "YouTube will not accept uploads for this account or channel.",
        "notFound" | "videoNotFound" => "YouTube does not know this video (it may have been deleted).",
        _ => "YouTube refused the request.",
    }
}

/// Google's message as plain text: tags removed (the quota message embeds a link).
fn plain_text(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_tag = false;
    for c in message.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now_ms: i64) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp().as_millisecond();
    Some(Duration::from_millis(u64::try_from(at - now_ms).unwrap_or(0)))
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
        let e = classify(403, &google(403, "quotaExceeded", "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."));
        assert_eq!(
            e.kind,
            ErrorKind::WaitUntil {
                until_ms: NOW + 8 * 3_600_000,
                cap: Cap::ProjectQuota
            }
        );
        assert!(e.describe().contains("exceeded your quota."), "{}", e.describe());
        assert!(!e.describe().contains('<'));
    }

    #[test]
    fn the_video_uploads_per_day_429_waits_but_a_plain_429_retries() {
        let daily = classify(429, &google(429, "rateLimitExceeded", "Quota exceeded for quota metric 'Video Uploads' and limit 'Video Uploads per day' of service 'youtube.googleapis.com'"));
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
        let e = classify(400, &google(400, "uploadLimitExceeded", "The user has exceeded the number of videos they may upload."));
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
        assert!(e.describe().starts_with("This Google account has no YouTube channel."));
    }

    #[test]
    fn the_status_field_is_read_when_no_reason_is_given() {
        let body = r#"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Too many"}}"#;
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
        let e = from_oauth("invalid_grant", "Token has been expired or revoked.", Some(400), None, NOW, Some(NOW - 1));
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
        assert!(from_oauth("temporarily_unavailable", "", Some(503), None, NOW, None).is_retryable());
        assert_eq!(from_oauth("invalid_client", "", Some(401), None, NOW, None).kind, ErrorKind::Permanent);
    }
}
