//! TikTok's webhooks arriving at Cast (contract §14): believed only when signed and fresh,
//! stored before the 200, each applied once, whatever TikTok's retries and order do.

use std::sync::Arc;
use std::time::Duration;

use cast::platforms::tiktok::webhook::{PublishEvent, RemovalReason, Step};
use serde_json::json;

use crate::helpers::spawn_app_with;
use crate::tiktok_webhooks_helpers::*;

const COMPLETE: &str = "post.publish.complete";
const PUBLIC: &str = "post.publish.publicly_available";
const POST_ID: &str = "7312345678901234567";

#[tokio::test]
async fn a_signed_webhook_is_stored_and_answered_at_once_and_applied_after() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    let event = body(
        COMPLETE,
        now,
        "act.alice",
        json!({"publish_id": "v_pub_file~v2-1.1", "publish_type": "DIRECT_PUBLISH"}),
    );
    let (status, answer) = deliver_signed(&app, &event).await;
    assert_eq!((status, &answer), (200, &json!({"stored": true})));

    // Answered before anything was applied: the event waits, stored, for the processor.
    let events = app.tiktok_webhooks.stored().await.expect("stored");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event, COMPLETE);
    assert_eq!(events[0].body, event);
    assert_eq!(events[0].processed_at, None);

    let recorder = Arc::new(Recorder::default());
    assert_eq!(apply_all(&app, &recorder).await.len(), 1);
    assert_eq!(
        recorder.calls(),
        [Call::Publish(
            "v_pub_file~v2-1.1".into(),
            PublishEvent::Complete
        )]
    );
    let events = app.tiktok_webhooks.stored().await.expect("stored");
    assert_eq!(events[0].outcome.as_deref(), Some("applied"));
    assert_eq!(
        app.tiktok_webhooks.last_received_at().await.expect("read"),
        Some(now)
    );
}

#[tokio::test]
async fn a_duplicate_delivery_is_acknowledged_stored_once_and_applied_once() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    let content = json!({"publish_id": "p1", "post_id": POST_ID, "publish_type": "DIRECT_PUBLISH"});
    let event = body(PUBLIC, now, "act.alice", content);
    assert_eq!(deliver_signed(&app, &event).await.0, 200);
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;

    // The same event again, signed later; then with the post id as a number and the keys in
    // another order, as a resend may serialize it.
    app.advance(Duration::from_secs(30));
    let (status, answer) = deliver_signed(&app, &event).await;
    assert_eq!((status, answer), (200, json!({"duplicate": true})));
    let respelled = json!({
        "user_openid": "act.alice", "create_time": now, "event": PUBLIC, "client_key": "cast-sandbox",
        "content": format!(r#"{{"publish_type":"DIRECT_PUBLISH","post_id":{POST_ID},"publish_id":"p1"}}"#),
    })
    .to_string();
    let (status, answer) = deliver_signed(&app, &respelled).await;
    assert_eq!((status, answer), (200, json!({"duplicate": true})));

    assert_eq!(stored(&app).await, 1);
    assert!(
        apply_all(&app, &recorder).await.is_empty(),
        "nothing more to apply"
    );
    assert_eq!(recorder.calls().len(), 1);
    assert_eq!(
        recorder.target("p1"),
        Target {
            stage: 2,
            post_id: Some(POST_ID.into()),
            public: true
        }
    );
}

#[tokio::test]
async fn a_late_retry_that_keeps_its_first_timestamp_is_accepted_within_73_hours() {
    let app = spawn_app_with(&[]).await;
    let first_t = app.clock.now();
    let event = body(COMPLETE, first_t, "act.alice", json!({"publish_id": "p1"}));
    let signature = sign(SANDBOX_SECRET, first_t, &event);
    assert_eq!(deliver(&app, Some(&signature), &event).await.0, 200);
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;

    // TikTok retries for 72 hours, maybe with the first t: still believed, still a duplicate.
    app.advance(Duration::from_secs(72 * 3600));
    let (status, answer) = deliver(&app, Some(&signature), &event).await;
    assert_eq!((status, answer), (200, json!({"duplicate": true})));
    // A first delivery that late (its earlier tries all failed) is stored and applied.
    let late = body(
        PUBLIC,
        first_t,
        "act.alice",
        json!({"publish_id": "p1", "post_id": POST_ID}),
    );
    let (status, _) = deliver(&app, Some(&sign(SANDBOX_SECRET, first_t, &late)), &late).await;
    assert_eq!(status, 200);

    assert_eq!(stored(&app).await, 2);
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls(),
        [
            Call::Publish("p1".into(), PublishEvent::Complete),
            Call::Publish(
                "p1".into(),
                PublishEvent::PubliclyAvailable {
                    post_id: Some(POST_ID.into())
                }
            ),
        ]
    );
}

#[tokio::test]
async fn events_out_of_order_are_applied_once_each_and_leave_the_post_published_with_its_id() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    // The id arrives before the completion it follows, and a stale inbox event comes last.
    let public = body(
        PUBLIC,
        now + 5,
        "act.alice",
        json!({"publish_id": "p1", "post_id": POST_ID}),
    );
    let complete = body(COMPLETE, now, "act.alice", json!({"publish_id": "p1"}));
    let inbox = body(
        "post.publish.inbox_delivered",
        now - 60,
        "act.alice",
        json!({"publish_id": "p1"}),
    );
    for event in [&public, &complete, &inbox] {
        assert_eq!(deliver_signed(&app, event).await.0, 200);
    }
    let recorder = Arc::new(Recorder::default());
    let steps = apply_all(&app, &recorder).await;
    assert_eq!(steps.len(), 3);
    let kinds: Vec<&str> = recorder
        .calls()
        .iter()
        .map(|c| match c {
            Call::Publish(_, e) => e.name(),
            Call::Removed(..) => "removed",
        })
        .collect();
    assert_eq!(
        kinds,
        ["publicly_available", "complete", "inbox_delivered"],
        "in the order they came"
    );
    assert_eq!(
        recorder.target("p1"),
        Target {
            stage: 2,
            post_id: Some(POST_ID.into()),
            public: true
        }
    );
}

#[tokio::test]
async fn a_bad_or_missing_signature_is_refused_with_401_and_nothing_is_stored() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    let event = body(COMPLETE, now, "act.alice", json!({"publish_id": "p1"}));
    let forged = sign("not-the-secret", now, &event);
    let other_body = sign(SANDBOX_SECRET, now, "{}");
    for signature in [
        None,
        Some(forged.as_str()),
        Some(other_body.as_str()),
        Some("t=abc,s=def"),
        Some(""),
    ] {
        let (status, answer) = deliver(&app, signature, &event).await;
        assert_eq!(status, 401, "{signature:?}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    // The header's name in any case is the same header.
    let good = sign(SANDBOX_SECRET, now, &event);
    let res = reqwest::Client::new()
        .post(app.url("/webhooks/tiktok"))
        .header("tiktok-signature", good)
        .body(event.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(stored(&app).await, 1, "only the signed one");
}

#[tokio::test]
async fn a_timestamp_older_than_73_hours_or_over_5_minutes_ahead_is_refused() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    let event = body(COMPLETE, now, "act.alice", json!({"publish_id": "p1"}));
    for t in [now - 73 * 3600 - 1, now + 5 * 60 + 1] {
        let (status, answer) = deliver(&app, Some(&sign(SANDBOX_SECRET, t, &event)), &event).await;
        assert_eq!(status, 401, "t={t}: {answer}");
    }
    assert_eq!(stored(&app).await, 0);
    // At the edges it is believed.
    let (status, _) = deliver(&app, Some(&sign(SANDBOX_SECRET, now + 300, &event)), &event).await;
    assert_eq!(status, 200);
    let older = body(COMPLETE, now, "act.bob", json!({"publish_id": "p2"}));
    let (status, _) = deliver(
        &app,
        Some(&sign(SANDBOX_SECRET, now - 73 * 3600, &older)),
        &older,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_oversized_body_is_refused_even_when_signed() {
    let app = spawn_app_with(&[]).await;
    let padding = "x".repeat(70 * 1024);
    let event = body(
        COMPLETE,
        app.clock.now(),
        "act.alice",
        json!({"publish_id": "p1", "pad": padding}),
    );
    let (status, _) = deliver_signed(&app, &event).await;
    assert_eq!(status, 413);
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn unknown_events_are_stored_and_ignored_and_removals_reach_the_core() {
    let app = spawn_app_with(&[]).await;
    let now = app.clock.now();
    let old_kit = body(
        "video.publish.completed",
        now,
        "act.alice",
        json!({"share_id": "s1"}),
    );
    let unreadable = body(
        COMPLETE,
        now,
        "act.alice",
        json!({"publish_type": "INBOX_SHARE"}),
    );
    let removed = body(
        "authorization.removed",
        now,
        "act.alice",
        json!({"reason": 1}),
    );
    for event in [&old_kit, &unreadable, &removed] {
        assert_eq!(deliver_signed(&app, event).await.0, 200);
    }
    let recorder = Arc::new(Recorder::default());
    let steps = apply_all(&app, &recorder).await;
    assert!(
        matches!(
            steps[..],
            [
                Step::Ignored { .. },
                Step::Ignored { .. },
                Step::Applied { .. }
            ]
        ),
        "{steps:?}"
    );
    assert_eq!(
        recorder.calls(),
        [Call::Removed(
            "act.alice".into(),
            RemovalReason::UserDisconnected
        )]
    );
    let outcomes: Vec<Option<String>> = app
        .tiktok_webhooks
        .stored()
        .await
        .expect("stored")
        .into_iter()
        .map(|e| e.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Some("ignored".into()),
            Some("ignored".into()),
            Some("applied".into())
        ]
    );
}

#[tokio::test]
async fn an_event_stored_before_a_crash_is_applied_after_the_restart() {
    let app = spawn_app_with(&[]).await;
    let event = body(
        COMPLETE,
        app.clock.now(),
        "act.alice",
        json!({"publish_id": "p1"}),
    );
    assert_eq!(deliver_signed(&app, &event).await.0, 200);
    let app = app.restart().await;
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls(),
        [Call::Publish("p1".into(), PublishEvent::Complete)]
    );
}

#[tokio::test]
async fn an_event_the_core_could_not_apply_is_tried_again_later() {
    let app = spawn_app_with(&[]).await;
    let event = body(
        COMPLETE,
        app.clock.now(),
        "act.alice",
        json!({"publish_id": "p1"}),
    );
    assert_eq!(deliver_signed(&app, &event).await.0, 200);
    let recorder = Arc::new(Recorder::failing_first(1));
    let steps = apply_all(&app, &recorder).await;
    assert!(matches!(steps[..], [Step::Retrying { .. }]), "{steps:?}");
    assert!(recorder.calls().is_empty());
    app.advance(Duration::from_secs(10));
    let steps = apply_all(&app, &recorder).await;
    assert!(matches!(steps[..], [Step::Applied { .. }]), "{steps:?}");
    assert_eq!(recorder.calls().len(), 1);
}
