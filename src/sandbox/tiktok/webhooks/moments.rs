//! Which of a publish's webhook moments (contract §12) have passed, judged from its row alone:
//! the sandbox computes its statuses lazily, from timestamps, so the moments are read the same way.

use std::time::Duration;

use super::super::privacy::PrivacyLevel;
use super::super::store::publishes::{FAILED, PUBLISH_COMPLETE, Publish, SEND_TO_USER_INBOX};

pub const INBOX_DELIVERED: &str = "post.publish.inbox_delivered";
pub const COMPLETE: &str = "post.publish.complete";
pub const FAILED_EVENT: &str = "post.publish.failed";
pub const PUBLICLY_AVAILABLE: &str = "post.publish.publicly_available";
/// TikTok's spelling on the posting page (contract §14).
pub const NO_LONGER_PUBLIC: &str = "post.publish.no_longer_publicaly_available";
pub const AUTHORIZATION_REMOVED: &str = "authorization.removed";

/// One `post.publish.*` event that is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    pub event: &'static str,
    /// When it happened (Unix ms): the event's `create_time`.
    pub at_ms: i64,
    pub reason: Option<String>,
    pub post_id: Option<i64>,
}

impl Moment {
    /// What makes it happen once: a publish has each event at most once.
    pub fn key(&self, publish_id: &str) -> String {
        format!("{}:{publish_id}", self.event)
    }
}

/// The moments that have passed for `p` (already brought up to date), oldest first, and whether
/// none can come any more from time passing (later ones come from the creator's buttons).
pub fn passed(
    p: &Publish,
    processing: Duration,
    post_id_after: Option<Duration>,
    now_ms: i64,
) -> (Vec<Moment>, bool) {
    let completed = p.completed_ms.unwrap_or(p.created_ms);
    let moment = |event, at_ms| Moment {
        event,
        at_ms,
        reason: None,
        post_id: None,
    };
    match p.state.as_str() {
        FAILED => {
            let failed = Moment {
                reason: Some(p.fail_reason.clone().unwrap_or_else(|| "internal".into())),
                ..moment(FAILED_EVENT, completed)
            };
            (vec![failed], true)
        }
        // Waiting for the creator: "Post from the app" may still complete it.
        SEND_TO_USER_INBOX => (vec![moment(INBOX_DELIVERED, completed)], false),
        PUBLISH_COMPLETE => {
            let mut due = Vec::new();
            if p.mode == "inbox" {
                // The draft reached the inbox when processing ended, before the creator posted it
                // (`completed_ms` now says when they did).
                let processed = p
                    .received_ms
                    .unwrap_or(p.created_ms)
                    .saturating_add(ms(processing))
                    .min(completed);
                due.push(moment(INBOX_DELIVERED, processed));
            }
            due.push(moment(COMPLETE, completed));
            let public_id = p.post_id.filter(|_| is_public(p));
            let settled = match (public_id, post_id_after) {
                (Some(id), Some(after)) => {
                    let at = completed.saturating_add(ms(after));
                    if now_ms >= at {
                        due.push(Moment {
                            post_id: Some(id),
                            ..moment(PUBLICLY_AVAILABLE, at)
                        });
                        true
                    } else {
                        false
                    }
                }
                // Private posts never get an id; `never` withholds it for good.
                _ => true,
            };
            (due, settled)
        }
        // Uploading or processing: nothing yet.
        _ => (Vec::new(), false),
    }
}

/// Whether the post can be seen by everyone: a direct post as `PUBLIC_TO_EVERYONE`, or an inbox
/// draft the creator posted (the sandbox takes those as public) and did not take down.
pub fn is_public(p: &Publish) -> bool {
    match p.privacy_level.as_deref() {
        Some(level) => level == PrivacyLevel::PublicToEveryone.as_str(),
        None => p.mode == "inbox",
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(mode: &str, state: &str, privacy: Option<&str>) -> Publish {
        Publish {
            publish_id: "p1".into(),
            open_id: "o1".into(),
            username: "u".into(),
            mode: mode.into(),
            post_info: None,
            privacy_level: privacy.map(str::to_string),
            video_size: 10,
            chunk_size: 10,
            total_chunk_count: 1,
            upload_id: "u1".into(),
            upload_expires_ms: 0,
            content_type: None,
            received_bytes: 10,
            received_ms: Some(1_000),
            sha256: None,
            verdict: Some(String::new()),
            state: state.into(),
            fail_reason: None,
            post_id: None,
            created_ms: 500,
            grant_revoked_ms: None,
            completed_ms: Some(4_000),
            downgraded: false,
            source: "FILE_UPLOAD".into(),
            media_type: "VIDEO".into(),
        }
    }

    const PROCESSING: Duration = Duration::from_millis(3_000);
    const AFTER: Option<Duration> = Some(Duration::from_millis(5_000));

    fn events(m: &[Moment]) -> Vec<&'static str> {
        m.iter().map(|m| m.event).collect()
    }

    #[test]
    fn a_public_direct_post_completes_then_becomes_public_when_its_id_shows() {
        let mut p = publish("direct", PUBLISH_COMPLETE, Some("PUBLIC_TO_EVERYONE"));
        p.post_id = Some(7_000_000_000_000_000_001);
        let (due, settled) = passed(&p, PROCESSING, AFTER, 8_999);
        assert_eq!(events(&due), [COMPLETE]);
        assert!(!settled, "the id is still to come");
        let (due, settled) = passed(&p, PROCESSING, AFTER, 9_000);
        assert_eq!(events(&due), [COMPLETE, PUBLICLY_AVAILABLE]);
        assert_eq!(due[1].at_ms, 9_000);
        assert_eq!(due[1].post_id, p.post_id);
        assert!(settled);
        let (due, settled) = passed(&p, PROCESSING, None, 1_000_000);
        assert_eq!(events(&due), [COMPLETE]);
        assert!(settled, "`never` withholds the id for good");
    }

    #[test]
    fn a_private_post_completes_and_is_settled() {
        let p = publish("direct", PUBLISH_COMPLETE, Some("SELF_ONLY"));
        let (due, settled) = passed(&p, PROCESSING, AFTER, 100_000);
        assert_eq!(events(&due), [COMPLETE]);
        assert!(settled);
    }

    #[test]
    fn an_inbox_draft_is_delivered_and_waits_for_the_creator() {
        let p = publish("inbox", SEND_TO_USER_INBOX, None);
        let (due, settled) = passed(&p, PROCESSING, AFTER, 5_000);
        assert_eq!(events(&due), [INBOX_DELIVERED]);
        assert!(!settled);
        let mut posted = publish("inbox", PUBLISH_COMPLETE, None);
        posted.completed_ms = Some(60_000);
        posted.post_id = Some(7_000_000_000_000_000_002);
        let (due, settled) = passed(&posted, PROCESSING, AFTER, 65_000);
        assert_eq!(
            events(&due),
            [INBOX_DELIVERED, COMPLETE, PUBLICLY_AVAILABLE]
        );
        assert_eq!(due[0].at_ms, 4_000, "delivered when processing ended");
        assert!(settled);
    }

    #[test]
    fn a_failure_carries_its_reason_and_nothing_comes_before_processing_ends() {
        let mut p = publish("direct", FAILED, Some("SELF_ONLY"));
        p.fail_reason = Some("duration_check_failed".into());
        let (due, settled) = passed(&p, PROCESSING, AFTER, 5_000);
        assert_eq!(events(&due), [FAILED_EVENT]);
        assert_eq!(due[0].reason.as_deref(), Some("duration_check_failed"));
        assert!(settled);
        let p = publish("direct", "processing", Some("SELF_ONLY"));
        assert_eq!(passed(&p, PROCESSING, AFTER, 5_000), (Vec::new(), false));
    }

    #[test]
    fn a_taken_down_post_is_not_public() {
        let mut p = publish("inbox", PUBLISH_COMPLETE, Some("SELF_ONLY"));
        p.post_id = Some(1);
        assert!(!is_public(&p));
        let (due, _) = passed(&p, PROCESSING, AFTER, 100_000);
        assert!(!events(&due).contains(&PUBLICLY_AVAILABLE));
    }
}
