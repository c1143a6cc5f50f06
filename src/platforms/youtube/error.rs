//! Every way a YouTube or Google call can fail, as one type that says what the caller should do
//! next (contract sections 1, 2.2, 5.2, 8 and 11). Classification never needs a body: the upload
//! server may send none, or HTML.

use std::time::Duration;

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

    pub(crate) fn with_status(mut self, status: u16) -> Self {
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
            ErrorKind::WaitUntil {
                cap: Cap::ProjectQuota,
                ..
            } => {
                "YouTube's daily quota for this Google Cloud project is used up; Cast will try again after midnight Pacific time."
            }
            ErrorKind::WaitUntil {
                cap: Cap::DailyUploads,
                ..
            } => {
                "YouTube's daily upload limit is reached; Cast will try again after midnight Pacific time."
            }
            ErrorKind::WaitUntil {
                cap: Cap::ChannelUploads,
                ..
            } => {
                "This channel has reached YouTube's 24-hour upload limit; Cast will try again in 24 hours."
            }
            ErrorKind::Reconnect(ReconnectReason::TestingExpiry { .. }) => {
                "Google ended this connection because your Google Cloud consent screen is in Testing, where connections expire 7 days after they are made. In Google Cloud Console open Google Auth Platform → Audience and press \"Publish app\" (no verification is needed for personal use), then connect the channel again."
            }
            ErrorKind::Reconnect(ReconnectReason::ExpiredOrRevoked) => {
                "Google no longer accepts Cast's access to this channel (it was removed, or not used for six months). Connect the channel again."
            }
            ErrorKind::Reconnect(ReconnectReason::NoRefreshToken) => {
                "Google did not give Cast lasting access to this channel. Connect it again and allow access."
            }
            ErrorKind::Reconnect(ReconnectReason::MissingScopes(_)) => {
                "Google granted only part of the access Cast needs. Connect the channel again and tick every box on Google's page."
            }
            ErrorKind::RestartSession => {
                "YouTube's upload session ended before the video was complete; Cast starts the upload again."
            }
            ErrorKind::AccessTokenRejected => {
                "YouTube refused Cast's access token; Cast gets a new one and tries again."
            }
            ErrorKind::Retryable { .. } if self.reason == "network" || self.reason == "timeout" => {
                "YouTube could not be reached; Cast will try again."
            }
            ErrorKind::Retryable { .. } => {
                "YouTube could not take the request just now; Cast will try again."
            }
            ErrorKind::Permanent => permanent_explanation(&self.reason),
        };
        s.to_string()
    }
}

fn permanent_explanation(reason: &str) -> &'static str {
    match reason {
        "youtubeSignupRequired" => {
            "This Google account has no YouTube channel. Create one on youtube.com, then connect again."
        }
        "insufficientPermissions" => {
            "Cast was not given permission for this. Connect the channel again and tick every box on Google's page."
        }
        "accessNotConfigured" => {
            "YouTube Data API v3 is not enabled in your Google Cloud project: enable it under APIs & Services → Library, then try again."
        }
        "invalid_client" => {
            "Google does not accept Cast's client id and secret: check YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET (`cast doctor` helps)."
        }
        "forbidden" | "forbiddenPrivacySetting" | "forbiddenLicenseSetting" => {
            "YouTube does not allow this for this channel."
        }
        "invalidTitle" => "YouTube refused the video's title.",
        "invalidDescription" => "YouTube refused the video's description.",
        "invalidTags" => "YouTube refused the video's tags.",
        "invalidCategoryId" => "YouTube refused the video's category.",
        "invalidPublishAt" => {
            "YouTube refused the schedule: it must be in the future, with the video private until then."
        }
        "authenticatedUserAccountClosed"
        | "authenticatedUserAccountSuspended"
        | "channelClosed"
        | "channelSuspended"
        | "channelNotFound"
        | "authenticatedUserNotChannel"
        | "accountDelegationForbidden" => {
            "YouTube will not accept uploads for this account or channel."
        }
        "notFound" | "videoNotFound" => {
            "YouTube does not know this video (it may have been deleted)."
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_message_is_shown_as_text_with_its_tags_removed() {
        let e = YouTubeError::new(
            ErrorKind::Permanent,
            "forbidden",
            "You have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        );
        assert_eq!(
            e.describe(),
            "YouTube does not allow this for this channel. YouTube says: \"You have exceeded your quota.\" (forbidden)"
        );
    }
}
