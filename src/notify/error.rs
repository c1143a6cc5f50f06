//! The notifier's errors: the outbox's database, and a delivery that did not go through.

use crate::config::notify::Channel;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the notification outbox could not be used: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the event cannot be written as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the {channel} notifications cannot be prepared: {message}")]
    Setup { channel: Channel, message: String },
}

/// Why a delivery did not go through, in words for the owner. Once it leaves a channel's sender
/// the notifier scrubs it of every configured secret (`Scrubber`), so it is safe to log and show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(String);

impl SendError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

/// Longest failure text kept (logged, stored and shown).
const MAX_ERROR: usize = 300;

/// Replaces every configured secret in a text by `…`: a server's error page or a library's
/// message may quote a URL or header, and that text ends up in the log and on the settings page.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Longest first, so a whole URL goes before its parts.
    secrets: Vec<String>,
}

impl Scrubber {
    pub fn new(mut secrets: Vec<String>) -> Self {
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Self { secrets }
    }

    /// Scrubs, then cuts to `MAX_ERROR` characters: enough for "topic not found", not a page.
    pub fn clean(&self, error: SendError) -> SendError {
        let mut text = error.0;
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "…");
            }
        }
        if text.chars().count() > MAX_ERROR {
            text = text.chars().take(MAX_ERROR).chain(['…']).collect();
        }
        SendError(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_removes_every_secret_whole_urls_first() {
        let s = Scrubber::new(vec![
            "topic".into(),
            "https://ntfy.sh/topic".into(),
            "tk_123".into(),
        ]);
        let out = s.clean(SendError::new(
            "https://ntfy.sh/topic said: bad token tk_123 for topic",
        ));
        assert_eq!(out.message(), "… said: bad token … for …");
    }

    #[test]
    fn long_errors_are_cut_only_after_scrubbing() {
        let secret = "tk_0123456789";
        let s = Scrubber::new(vec![secret.into()]);
        let text = format!("{}{secret}", "x".repeat(MAX_ERROR - 5));
        let out = s.clean(SendError::new(text));
        assert!(!out.message().contains("tk_01234"), "{}", out.message());
        assert!(out.message().chars().count() <= MAX_ERROR + 1);
    }
}
