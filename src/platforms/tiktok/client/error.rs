//! TikTok's failures, as one type that says whether trying again can help (contract §11).

use std::time::Duration;

/// What fixes TikTok's refusal of an unaudited app (contract §9, §11): the *account* must be
/// private; choosing "Only me" for the post alone does not help.
pub const UNAUDITED: &str = "Until TikTok audits this app, it accepts direct posts only to a private TikTok account. Make your account private (TikTok app → Settings and privacy → Privacy → Private account) and post as Only me, or send the video to your TikTok inbox and post it from the app. Choosing Only me alone does not fix it.";

/// What Cast should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 429, 5xx, network errors and timeouts: try again later, with backoff.
    Retryable,
    /// `access_token_invalid`: refresh once, then retry once.
    AccessTokenInvalid,
    /// The account must be connected again (refresh token dead, scope missing, access removed).
    Reconnect,
    /// Creator info says this creator cannot post right now.
    CannotPostNow,
    /// The TikTok app is not audited: direct posts must be private.
    Unaudited,
    /// Anything else: retrying the same request cannot help.
    Permanent,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TikTokError {
    pub kind: ErrorKind,
    /// TikTok's code, e.g. `rate_limit_exceeded`, or `network` for transport failures.
    pub code: String,
    /// TikTok's own message, when it sent one.
    pub message: String,
    /// TikTok's request id, to quote to TikTok support.
    pub log_id: Option<String>,
    pub http_status: Option<u16>,
    pub retry_after: Option<Duration>,
}

impl TikTokError {
    /// TikTok sent this (any HTTP status with a body), as opposed to an answer that never
    /// arrived: an init it answered created nothing.
    pub fn was_answered(&self) -> bool {
        self.http_status.is_some() && self.code != "network"
    }

    pub fn new(code: &str, message: impl Into<String>, http_status: Option<u16>) -> Self {
        Self {
            kind: classify(code, http_status),
            code: code.to_string(),
            message: message.into(),
            log_id: None,
            http_status,
            retry_after: None,
        }
    }

    pub fn network(e: &reqwest::Error) -> Self {
        // reqwest's Display never includes headers, so no token can leak through it.
        let what = if e.is_timeout() {
            "timed out"
        } else {
            "could not be reached"
        };
        Self::new(
            "network",
            format!("TikTok {what}: {}", without_url(e)),
            None,
        )
    }

    /// A response Cast could not read: retryable when the status says TikTok was at fault.
    pub fn unreadable(status: u16, detail: &str) -> Self {
        let code = if status >= 500 {
            "internal_error"
        } else {
            "unreadable_response"
        };
        Self::new(
            code,
            format!("TikTok sent an answer Cast could not read (HTTP {status}): {detail}"),
            Some(status),
        )
    }

    pub fn with_log_id(mut self, log_id: Option<String>) -> Self {
        self.log_id = log_id.filter(|l| !l.is_empty());
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub fn is_retryable(&self) -> bool {
        self.kind == ErrorKind::Retryable
    }

    /// A sentence for a person: what happened, what to do, and TikTok's own words and log id.
    pub fn describe(&self) -> String {
        let mut out = explain(&self.code)
            .unwrap_or("TikTok refused the request.")
            .to_string();
        if !self.message.is_empty() && self.message != out {
            out.push_str(&format!(" TikTok says: \"{}\"", self.message.trim()));
        }
        out.push_str(&format!(" ({}", self.code));
        if let Some(log_id) = &self.log_id {
            out.push_str(&format!(", log id {log_id}"));
        }
        out.push(')');
        out
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    // Upload URLs carry an opaque upload token in their query; keep it out of messages and logs.
    match text.find("http") {
        Some(i) => text[..i].trim_end_matches([' ', '(', ':']).to_string(),
        None => text,
    }
}

fn classify(code: &str, status: Option<u16>) -> ErrorKind {
    match code {
        "access_token_invalid" => ErrorKind::AccessTokenInvalid,
        "rate_limit_exceeded"
        | "internal_error"
        | "network"
        | "server_error"
        | "temporarily_unavailable" => ErrorKind::Retryable,
        "scope_not_authorized" | "invalid_grant" | "auth_removed" => ErrorKind::Reconnect,
        // A sign-in answer without a token is TikTok misbehaving, not a refusal: ask again later.
        "no_access_token" => ErrorKind::Retryable,
        "spam_risk_too_many_posts"
        | "spam_risk_user_banned_from_posting"
        | "reached_active_user_cap" => ErrorKind::CannotPostNow,
        "unaudited_client_can_only_post_to_private_accounts" => ErrorKind::Unaudited,
        _ if status.is_some_and(|s| s >= 500 || s == 429) => ErrorKind::Retryable,
        _ => ErrorKind::Permanent,
    }
}

fn explain(code: &str) -> Option<&'static str> {
    Some(match code {
        "access_token_invalid" => "TikTok no longer accepts this account's access token.",
        "scope_not_authorized" => {
            "This account did not grant Cast the permission this needs. Reconnect it and leave every permission ticked."
        }
        "invalid_grant" => {
            "TikTok no longer accepts this account's sign-in. Reconnect the account."
        }
        // What happens next (a retry, or not) is for the caller to say: the worker words it.
        "rate_limit_exceeded" => "TikTok is limiting how often Cast may ask.",
        "internal_error" | "server_error" | "temporarily_unavailable" => {
            "TikTok had a problem on its side."
        }
        "network" => "Cast could not reach TikTok.",
        "unreadable_response" => "TikTok sent an answer Cast could not read.",
        "no_access_token" => "TikTok's sign-in answer had no access token.",
        "invalid_request" => "TikTok refused the sign-in request. Start again from Connect TikTok.",
        "invalid_client" | "unauthorized_client" => {
            "TikTok does not accept this app's client key and secret. Check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET."
        }
        "app_version_check_failed" => {
            "The TikTok app on the phone is too old for this (TikTok wants version 31.8 or later). Update TikTok on your phone, then post again."
        }
        "spam_risk_too_many_posts" => {
            "This account has reached TikTok's daily limit of posts through apps. Try again tomorrow."
        }
        "spam_risk_user_banned_from_posting" => {
            "TikTok does not allow this account to post right now."
        }
        "reached_active_user_cap" => {
            "This TikTok app has reached its daily limit of posting accounts. Try again tomorrow."
        }
        "spam_risk_too_many_pending_share" => {
            "This account already has 5 drafts waiting in the TikTok inbox. Finish or delete some in the TikTok app, then retry."
        }
        "unaudited_client_can_only_post_to_private_accounts" => UNAUDITED,
        "privacy_level_option_mismatch" => {
            "TikTok does not offer that privacy choice for this account. Pick another."
        }
        "url_ownership_unverified" => "TikTok only pulls videos from a verified domain.",
        "invalid_param" | "invalid_params" => "TikTok refused a value Cast sent.",
        "invalid_file_upload" => "TikTok refused the file: it does not meet TikTok's video rules.",
        "auth_removed" => "The account removed Cast's access on TikTok. Reconnect it.",
        "invalid_publish_id" | "token_not_authorized_for_specified_publish_id" => {
            "TikTok does not know this upload any more."
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes_and_statuses() {
        assert!(TikTokError::new("rate_limit_exceeded", "", Some(429)).is_retryable());
        assert!(TikTokError::new("internal_error", "", Some(500)).is_retryable());
        assert!(TikTokError::new("something_new", "", Some(503)).is_retryable());
        assert!(!TikTokError::new("invalid_param", "", Some(400)).is_retryable());
        assert_eq!(
            TikTokError::new("invalid_grant", "", Some(400)).kind,
            ErrorKind::Reconnect
        );
        assert_eq!(
            TikTokError::new("access_token_invalid", "", Some(401)).kind,
            ErrorKind::AccessTokenInvalid
        );
    }

    #[test]
    fn the_description_quotes_tiktok_and_its_log_id() {
        let e = TikTokError::new("invalid_param", "The chunk size is invalid", Some(400))
            .with_log_id(Some("20261125abc".into()));
        let text = e.to_string();
        assert!(text.contains("The chunk size is invalid"));
        assert!(text.contains("log id 20261125abc"));
    }
}
