//! A webhook's body (contract §14, "The request"), read tolerantly: fields in either JSON type,
//! `content` a JSON string parsed a second time, unknown events kept as such.

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use super::effects::{PublishEvent, RemovalReason};
use crate::platforms::tiktok::client::post_id::parse_ids;

/// The envelope's fields, as far as they could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The event's name as sent, trimmed ("" when missing).
    pub event: String,
    /// Unix seconds, from a number or a string of digits.
    pub create_time: Option<i64>,
    pub user_openid: Option<String>,
    pub client_key: Option<String>,
    /// `content` as sent: the text of the JSON string (or of an object, if TikTok ever sends
    /// one unquoted), to be parsed a second time.
    pub content: Option<String>,
}

/// What Cast does with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Publish {
        publish_id: String,
        event: PublishEvent,
    },
    AuthorizationRemoved {
        open_id: String,
        reason: RemovalReason,
    },
    /// An event Cast has no use for (Video Kit's retired `video.*`, anything newer): stored, ignored.
    Ignored,
    /// A body or `content` Cast cannot read, though the signature was good: stored, ignored, logged.
    Unreadable(String),
}

impl Envelope {
    /// `None` when the body is not a JSON object at all.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let content = match map.get("content") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        Some(Self {
            event: map
                .get("event")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            create_time: map.get("create_time").and_then(as_i64),
            user_openid: map.get("user_openid").and_then(id_text),
            client_key: map.get("client_key").and_then(id_text),
            content,
        })
    }

    /// What this event asks of Cast.
    pub fn event(&self) -> Event {
        let name = self.event.to_ascii_lowercase();
        if name == "authorization.removed" {
            let Some(open_id) = self.user_openid.clone() else {
                return Event::Unreadable("authorization.removed without user_openid".into());
            };
            // A reason Cast cannot read is still a removal.
            let reason = self
                .content_map()
                .and_then(|c| c.get("reason").and_then(as_i64))
                .map_or(RemovalReason::Unknown, RemovalReason::from_code);
            return Event::AuthorizationRemoved { open_id, reason };
        }
        let Some(kind) = name.strip_prefix("post.publish.") else {
            return Event::Ignored;
        };
        let Some(content) = self.content_map() else {
            return Event::Unreadable(format!("{name}: content is not a JSON object"));
        };
        let Some(publish_id) = content.get("publish_id").and_then(id_text) else {
            return Event::Unreadable(format!("{name}: content has no publish_id"));
        };
        let post_id = || parse_ids(content.get("post_id")).into_iter().next();
        let event = match kind {
            "failed" => PublishEvent::Failed {
                reason: content
                    .get("reason")
                    .or_else(|| content.get("fail_reason"))
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            },
            "complete" => PublishEvent::Complete,
            "inbox_delivered" => PublishEvent::InboxDelivered,
            "publicly_available" => PublishEvent::PubliclyAvailable { post_id: post_id() },
            // TikTok's spelling on the posting page, and the Business API's (contract §14).
            "no_longer_publicaly_available" | "no_longer_publicly_available" => {
                PublishEvent::NoLongerPublic { post_id: post_id() }
            }
            _ => return Event::Ignored,
        };
        Event::Publish { publish_id, event }
    }

    fn content_map(&self) -> Option<Map<String, Value>> {
        match serde_json::from_str::<Value>(self.content.as_deref()?) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }
}

/// The same event seen again has the same key: its `event`, `create_time`, `user_openid` and
/// `content` (contract §14). `content` is compared by meaning, not by text (keys in any order,
/// ids as strings or numbers), since a resend may serialize it differently. A body that is
/// not JSON is keyed by its bytes.
pub fn dedupe_key(envelope: Option<&Envelope>, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    match envelope {
        None => {
            hash.update(b"raw\0");
            hash.update(body);
        }
        Some(e) => {
            let content = e.content.as_deref().map(canonical).unwrap_or_default();
            let time = e.create_time.map(|t| t.to_string()).unwrap_or_default();
            for part in [
                e.event.as_str(),
                time.as_str(),
                e.user_openid.as_deref().unwrap_or(""),
                content.as_str(),
            ] {
                hash.update(part.as_bytes());
                hash.update(b"\0");
            }
        }
    }
    hex::encode(hash.finalize())
}

/// `content` in one spelling: keys sorted, whole numbers as strings, no spaces; text that is
/// not JSON as it is.
fn canonical(content: &str) -> String {
    fn norm(v: Value) -> Value {
        match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Value::String(n.to_string()),
            Value::Array(items) => Value::Array(items.into_iter().map(norm).collect()),
            Value::Object(map) => {
                let sorted: std::collections::BTreeMap<String, Value> =
                    map.into_iter().map(|(k, v)| (k, norm(v))).collect();
                Value::Object(sorted.into_iter().collect())
            }
            other => other,
        }
    }
    match serde_json::from_str::<Value>(content) {
        Ok(v) => norm(v).to_string(),
        Err(_) => content.to_string(),
    }
}

/// An id or name: a non-empty string (trimmed), or a whole number as its digits.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(event: &str, content: Value) -> Envelope {
        let body = json!({
            "client_key": "aw123",
            "event": event,
            "create_time": 1_700_000_000,
            "user_openid": "act.abc",
            "content": content.to_string(),
        });
        Envelope::parse(body.to_string().as_bytes()).expect("an object")
    }

    #[test]
    fn content_is_parsed_a_second_time_and_ids_kept_as_digit_strings() {
        let e = envelope(
            "post.publish.publicly_available",
            json!({"publish_id": "v_pub_file~v2-1.7", "post_id": 7_312_345_678_901_234_567_u64, "publish_type": "DIRECT_PUBLISH"}),
        );
        assert_eq!(
            e.event(),
            Event::Publish {
                publish_id: "v_pub_file~v2-1.7".into(),
                event: PublishEvent::PubliclyAvailable {
                    post_id: Some("7312345678901234567".into())
                }
            }
        );
        let e = envelope(
            "post.publish.publicly_available",
            json!({"publish_id": 12345, "post_id": "7312345678901234567"}),
        );
        assert_eq!(
            e.event(),
            Event::Publish {
                publish_id: "12345".into(),
                event: PublishEvent::PubliclyAvailable {
                    post_id: Some("7312345678901234567".into())
                }
            }
        );
    }

    #[test]
    fn both_spellings_of_no_longer_public_are_read() {
        for name in [
            "post.publish.no_longer_publicaly_available",
            "post.publish.no_longer_publicly_available",
        ] {
            let e = envelope(name, json!({"publish_id": "p1", "post_id": "7"}));
            assert_eq!(
                e.event(),
                Event::Publish {
                    publish_id: "p1".into(),
                    event: PublishEvent::NoLongerPublic {
                        post_id: Some("7".into())
                    }
                },
                "{name}"
            );
        }
    }

    #[test]
    fn failed_complete_inbox_and_removal_are_read() {
        let e = envelope(
            "post.publish.failed",
            json!({"publish_id": "p1", "reason": "spam_risk_too_many_posts"}),
        );
        assert_eq!(
            e.event(),
            Event::Publish {
                publish_id: "p1".into(),
                event: PublishEvent::Failed {
                    reason: Some("spam_risk_too_many_posts".into())
                }
            }
        );
        let e = envelope("post.publish.complete", json!({"publish_id": "p1"}));
        assert!(matches!(
            e.event(),
            Event::Publish {
                event: PublishEvent::Complete,
                ..
            }
        ));
        let e = envelope("post.publish.inbox_delivered", json!({"publish_id": "p1"}));
        assert!(matches!(
            e.event(),
            Event::Publish {
                event: PublishEvent::InboxDelivered,
                ..
            }
        ));
        let e = envelope("authorization.removed", json!({"reason": "1"}));
        assert_eq!(
            e.event(),
            Event::AuthorizationRemoved {
                open_id: "act.abc".into(),
                reason: RemovalReason::UserDisconnected
            }
        );
    }

    #[test]
    fn unknown_and_retired_events_are_ignored_and_bad_content_is_unreadable() {
        for name in [
            "video.publish.completed",
            "video.upload.failed",
            "portability.x",
            "",
        ] {
            assert_eq!(
                envelope(name, json!({"share_id": "1"})).event(),
                Event::Ignored
            );
        }
        let e = envelope(
            "post.publish.complete",
            json!({"publish_type": "INBOX_SHARE"}),
        );
        assert!(matches!(e.event(), Event::Unreadable(_)));
        let mut e = envelope("post.publish.complete", json!({}));
        e.content = Some("not json".into());
        assert!(matches!(e.event(), Event::Unreadable(_)));
        assert_eq!(Envelope::parse(b"[1,2]"), None);
        assert_eq!(Envelope::parse(b"nope"), None);
    }

    #[test]
    fn create_time_may_be_a_string_and_content_an_object() {
        let body = br#"{"event":"post.publish.complete","create_time":"1700000000","user_openid":"a","content":{"publish_id":"p9"}}"#;
        let e = Envelope::parse(body).expect("object");
        assert_eq!(e.create_time, Some(1_700_000_000));
        assert!(matches!(e.event(), Event::Publish { ref publish_id, .. } if publish_id == "p9"));
    }

    #[test]
    fn the_same_event_in_another_spelling_has_the_same_key_and_another_event_does_not() {
        let a = envelope(
            "post.publish.publicly_available",
            json!({"publish_id": "p1", "post_id": 7_312_345_678_901_234_567_u64}),
        );
        let mut b = a.clone();
        b.content = Some(r#"{ "post_id": "7312345678901234567", "publish_id": "p1" }"#.into());
        assert_eq!(dedupe_key(Some(&a), b""), dedupe_key(Some(&b), b""));
        let mut later = a.clone();
        later.create_time = Some(1_700_000_001);
        assert_ne!(dedupe_key(Some(&a), b""), dedupe_key(Some(&later), b""));
        let mut other = a.clone();
        other.event = "post.publish.complete".into();
        assert_ne!(dedupe_key(Some(&a), b""), dedupe_key(Some(&other), b""));
        assert_ne!(dedupe_key(None, b"x"), dedupe_key(None, b"y"));
    }
}
