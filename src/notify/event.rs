//! What Cast tells the owner about: a post reaching a final or waiting state, an account that needs them.
//!
//! The JSON an outgoing webhook receives is [`Payload`], exactly:
//! `{"event", "post_id", "target": {"id", "platform", "account", "state"}, "url", "message", "created_at"}`.
//! Every key is always present (`null` when it does not apply), so an automation can rely on the shape.

use serde::{Deserialize, Serialize};

/// Which thing happened. Serialised as the dotted names receivers filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// Live (or scheduled) on the platform; `url` links to it.
    #[serde(rename = "post.published")]
    PostPublished,
    /// Ended without publishing; `message` says why, `url` leads to Retry.
    #[serde(rename = "post.failed")]
    PostFailed,
    /// Sent to the TikTok inbox as a draft: the owner finishes it in the app, soon.
    #[serde(rename = "post.in_inbox")]
    PostInInbox,
    /// Held back by a platform's cap (e.g. a daily limit) and tried again later by itself.
    #[serde(rename = "post.waiting")]
    PostWaiting,
    /// The platform no longer accepts the account's sign-in: connect it again.
    #[serde(rename = "account.needs_reconnect")]
    AccountNeedsReconnect,
    /// The sign-in will expire for good soon (YouTube apps in Testing, Instagram's 60 days).
    #[serde(rename = "account.expiring")]
    AccountExpiring,
    /// Sent only by "send a test": receivers that act on events can ignore it.
    #[serde(rename = "test")]
    Test,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::PostPublished => "post.published",
            EventKind::PostFailed => "post.failed",
            EventKind::PostInInbox => "post.in_inbox",
            EventKind::PostWaiting => "post.waiting",
            EventKind::AccountNeedsReconnect => "account.needs_reconnect",
            EventKind::AccountExpiring => "account.expiring",
            EventKind::Test => "test",
        }
    }

    /// The headline a push or an email subject shows, e.g. "Published on TikTok".
    pub fn headline(self, platform: Option<&str>) -> String {
        let on = platform.map(platform_name).unwrap_or("the platform");
        match self {
            EventKind::PostPublished => format!("Published on {on}"),
            EventKind::PostFailed => format!("Not published on {on}"),
            EventKind::PostInInbox => format!("Waiting in your {on} inbox"),
            EventKind::PostWaiting => format!("Waiting for {on}"),
            EventKind::AccountNeedsReconnect => format!("Reconnect your {on} account"),
            EventKind::AccountExpiring => format!("Your {on} sign-in expires soon"),
            EventKind::Test => "Cast can reach you".to_string(),
        }
    }

    /// Whether the owner has something to do (a push then rings louder).
    pub fn needs_action(self) -> bool {
        matches!(
            self,
            EventKind::PostFailed
                | EventKind::PostInInbox
                | EventKind::AccountNeedsReconnect
                | EventKind::AccountExpiring
        )
    }
}

/// A platform's name as people write it.
pub fn platform_name(platform: &str) -> &str {
    match platform {
        "tiktok" => "TikTok",
        "youtube" => "YouTube",
        "instagram" => "Instagram",
        other => other,
    }
}

/// The target (one platform account of a post) the event is about. For account events `id` and
/// `state` are `None` and `platform`/`account` name the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: Option<String>,
    pub platform: String,
    /// The account as the owner knows it, e.g. `@poster`.
    pub account: String,
    /// The target's state as the API names it (`published`, `failed`, `in_inbox`, `waiting`, …).
    pub state: Option<String>,
}

/// An event as the caller hands it to `Notifier::notify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// De-duplication: an event whose key was already notified is dropped. The caller chooses it,
    /// e.g. `"{target_id}:published"`, or `"{target_id}:failed:{attempt}"` if each failure after a
    /// Retry deserves its own message.
    pub key: String,
    pub post_id: Option<String>,
    pub target: Option<Target>,
    /// Where the owner acts: the platform's post, Cast's page for Retry, the reconnect page.
    pub url: Option<String>,
    /// One or two sentences for a person, e.g. the reason a post failed.
    pub message: String,
}

impl Event {
    pub fn new(kind: EventKind, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            key: key.into(),
            post_id: None,
            target: None,
            url: None,
            message: message.into(),
        }
    }

    pub fn post(mut self, post_id: impl Into<String>) -> Self {
        self.post_id = Some(post_id.into());
        self
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The event as sent, stamped with the time it was queued (Unix seconds).
    pub fn payload(&self, created_at: i64) -> Payload {
        Payload {
            event: self.kind,
            post_id: self.post_id.clone(),
            target: self.target.clone(),
            url: self.url.clone(),
            message: self.message.clone(),
            created_at: rfc3339(created_at),
        }
    }
}

/// The outgoing webhook's JSON body, and what every channel formats its message from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub event: EventKind,
    pub post_id: Option<String>,
    pub target: Option<Target>,
    pub url: Option<String>,
    pub message: String,
    /// RFC 3339 in UTC, e.g. `2026-12-01T18:30:00Z`: what n8n and Home Assistant parse as a date.
    pub created_at: String,
}

impl Payload {
    pub fn headline(&self) -> String {
        self.event
            .headline(self.target.as_ref().map(|t| t.platform.as_str()))
    }

    /// The message with the account it concerns, e.g. "@poster: TikTok says the video is too long."
    pub fn text(&self) -> String {
        match &self.target {
            Some(t) if !t.account.is_empty() => format!("{}: {}", t.account, self.message),
            _ => self.message.clone(),
        }
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published() -> Event {
        Event::new(EventKind::PostPublished, "t1:published", "Live now.")
            .post("p1")
            .target(Target {
                id: Some("t1".into()),
                platform: "tiktok".into(),
                account: "@poster".into(),
                state: Some("published".into()),
            })
            .url("https://www.tiktok.com/@poster/video/1")
    }

    #[test]
    fn the_webhook_body_has_exactly_the_documented_keys() {
        let json = serde_json::to_value(published().payload(1_796_000_000)).expect("json");
        let mut keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["created_at", "event", "message", "post_id", "target", "url"],
            "{json}"
        );
        assert_eq!(json["event"], "post.published");
        assert_eq!(json["post_id"], "p1");
        assert_eq!(
            json["target"],
            serde_json::json!({"id": "t1", "platform": "tiktok", "account": "@poster", "state": "published"})
        );
        assert_eq!(json["url"], "https://www.tiktok.com/@poster/video/1");
        assert_eq!(json["message"], "Live now.");
        assert_eq!(json["created_at"], "2026-11-30T00:53:20Z");
    }

    #[test]
    fn absent_parts_are_null_not_missing() {
        let json = serde_json::to_value(
            Event::new(EventKind::AccountExpiring, "k", "Reconnect within 6 days.").payload(0),
        )
        .expect("json");
        assert_eq!(json["event"], "account.expiring");
        assert!(json["post_id"].is_null());
        assert!(json["target"].is_null());
        assert!(json["url"].is_null());
    }

    #[test]
    fn every_kind_round_trips_by_its_dotted_name() {
        for kind in [
            EventKind::PostPublished,
            EventKind::PostFailed,
            EventKind::PostInInbox,
            EventKind::PostWaiting,
            EventKind::AccountNeedsReconnect,
            EventKind::AccountExpiring,
            EventKind::Test,
        ] {
            let json = serde_json::to_string(&kind).expect("json");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            let back: EventKind = serde_json::from_str(&json).expect("parse");
            assert_eq!(back, kind);
        }
    }

    #[test]
    fn headlines_name_the_platform() {
        let p = published().payload(0);
        assert_eq!(p.headline(), "Published on TikTok");
        assert_eq!(p.text(), "@poster: Live now.");
    }
}
