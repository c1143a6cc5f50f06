//! Being told how a post ended: ntfy, a signed webhook and email, over real loopback connections.
//! A notifier that is down delays nothing else, is retried later, and never leaks a secret.

use std::time::Duration;

use cast::notify::{Channel, Event, EventKind, Target};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::helpers::notify::{Receiver, SmtpSink, build, notifier_with, refused_url};

const WEBHOOK_SECRET: &str = "webhook-signing-secret-0123";
const NTFY_TOKEN: &str = "tk_ntfy_access_token_42";

fn target(id: &str, state: &str) -> Target {
    Target {
        id: Some(id.into()),
        platform: "tiktok".into(),
        account: "@poster".into(),
        state: Some(state.into()),
    }
}

/// One event of each kind, as the worker and the account checks will send them.
fn every_event() -> Vec<Event> {
    let account = Target {
        id: None,
        platform: "tiktok".into(),
        account: "@poster".into(),
        state: None,
    };
    vec![
        Event::new(
            EventKind::PostPublished,
            "t1:published",
            "Your video is live.",
        )
        .post("p1")
        .target(target("t1", "published"))
        .url("https://www.tiktok.com/@poster/video/7311"),
        Event::new(
            EventKind::PostFailed,
            "t2:failed",
            "TikTok refused the video: it is longer than 180 s.",
        )
        .post("p2")
        .target(target("t2", "failed"))
        .url("https://cast.example.com/uploads/p2"),
        Event::new(
            EventKind::PostInInbox,
            "t3:in_inbox",
            "Open TikTok and finish the post; drafts expire in about a day.",
        )
        .post("p3")
        .target(target("t3", "in_inbox")),
        Event::new(
            EventKind::PostWaiting,
            "t4:waiting",
            "TikTok's daily cap is reached; Cast tries again at 18:00.",
        )
        .post("p4")
        .target(target("t4", "waiting")),
        Event::new(
            EventKind::AccountNeedsReconnect,
            "a1:reconnect",
            "TikTok no longer accepts Cast's sign-in.",
        )
        .target(account.clone())
        .url("https://cast.example.com/connect/tiktok"),
        Event::new(
            EventKind::AccountExpiring,
            "a1:expiring",
            "The sign-in expires for good in 6 days.",
        )
        .target(account),
    ]
}

fn verify(secret: &str, header: &str, body: &str) -> bool {
    let Some((t, s)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",s="))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.{body}").as_bytes());
    hex::decode(s).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
}

#[tokio::test]
async fn every_event_reaches_ntfy_the_webhook_and_the_mailbox() {
    let ntfy = Receiver::start().await;
    let hook = Receiver::start().await;
    let smtp = SmtpSink::start();
    let ntfy_url = format!("{}/cast-alerts", ntfy.url);
    let hook_url = format!("{}/webhook/cast", hook.url);
    let t = notifier_with(&[
        ("NTFY_URL", &ntfy_url),
        ("NTFY_TOKEN", NTFY_TOKEN),
        ("NOTIFY_WEBHOOK_URL", &hook_url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp.url),
        ("NOTIFY_EMAIL_FROM", "Cast <cast@example.com>"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    let events = every_event();
    for e in &events {
        assert_eq!(t.notifier.notify(e.clone()).await.expect("queued"), 3);
    }
    assert!(ntfy.requests().is_empty(), "notify only queues");
    assert_eq!(t.notifier.deliver_due().await, 18);

    // ntfy: one push per event to the topic, with its title, priority, tags, click URL and token.
    let pushes = ntfy.requests();
    assert_eq!(pushes.len(), 6);
    for p in &pushes {
        assert_eq!(
            (p.method.as_str(), p.path.as_str()),
            ("POST", "/cast-alerts")
        );
        assert_eq!(
            p.header("authorization"),
            Some(format!("Bearer {NTFY_TOKEN}").as_str())
        );
        assert!(
            p.header("priority").is_some() && p.header("tags").is_some(),
            "{p:?}"
        );
    }
    assert_eq!(pushes[0].header("title"), Some("Published on TikTok"));
    assert_eq!(pushes[0].body, "@poster: Your video is live.");
    assert_eq!(
        pushes[0].header("click"),
        Some("https://www.tiktok.com/@poster/video/7311")
    );
    assert_eq!(pushes[1].header("title"), Some("Not published on TikTok"));
    assert_eq!(
        pushes[1].header("priority"),
        Some("4"),
        "a failure rings louder"
    );
    assert_eq!(pushes[0].header("priority"), Some("3"));
    assert_eq!(
        pushes[4].header("title"),
        Some("Reconnect your TikTok account")
    );

    // The webhook: the documented JSON, signed with the shared secret at the clock's time.
    let calls = hook.requests();
    assert_eq!(calls.len(), 6);
    let names: Vec<String> = calls
        .iter()
        .map(|c| c.json()["event"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "post.published",
            "post.failed",
            "post.in_inbox",
            "post.waiting",
            "account.needs_reconnect",
            "account.expiring"
        ]
    );
    for c in &calls {
        assert_eq!(c.path, "/webhook/cast");
        assert_eq!(c.header("content-type"), Some("application/json"));
        let sig = c.header("cast-signature").expect("signed");
        assert!(
            verify(WEBHOOK_SECRET, sig, &c.body),
            "{sig} does not verify"
        );
        assert!(sig.starts_with(&format!("t={},", t.clock.now())), "{sig}");
        assert!(!c.body.contains(WEBHOOK_SECRET));
    }
    let first = calls[0].json();
    assert_eq!(
        first,
        serde_json::json!({
            "event": "post.published",
            "post_id": "p1",
            "target": {"id": "t1", "platform": "tiktok", "account": "@poster", "state": "published"},
            "url": "https://www.tiktok.com/@poster/video/7311",
            "message": "Your video is live.",
            "created_at": first["created_at"],
        })
    );
    assert!(
        first["created_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "{first}"
    );
    assert_eq!(calls[4].json()["post_id"], serde_json::Value::Null);

    // Email: one message per event, to the owner, subject first.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 6);
    assert_eq!(mails[0].subject(), "Cast: Published on TikTok");
    assert_eq!(mails[1].subject(), "Cast: Not published on TikTok");
    assert_eq!(mails[0].from, "cast@example.com");
    assert_eq!(mails[0].to, ["me@example.com"]);
    assert!(
        mails[0]
            .raw
            .contains("https://www.tiktok.com/@poster/video/7311"),
        "{}",
        mails[0].raw
    );
    assert!(
        mails[1].raw.contains("longer than 180 s"),
        "{}",
        mails[1].raw
    );

    assert_eq!(t.notifier.deliver_due().await, 0, "nothing is sent twice");
    let status = t.notifier.status().await.expect("status");
    assert!(
        status.iter().all(|s| s.configured
            && s.pending == 0
            && s.last_success_at.is_some()
            && s.last_error.is_none()),
        "{status:?}"
    );
}

#[tokio::test]
async fn a_tampered_webhook_body_fails_the_signature_check() {
    let hook = Receiver::start().await;
    let t = notifier_with(&[
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    t.notifier
        .notify(every_event().remove(0))
        .await
        .expect("queued");
    t.notifier.deliver_due().await;
    let call = hook.requests().remove(0);
    let sig = call.header("cast-signature").expect("signed");
    assert!(verify(WEBHOOK_SECRET, sig, &call.body));
    assert!(!verify(WEBHOOK_SECRET, sig, &call.body.replace("p1", "p9")));
    assert!(!verify("another-secret-of-length", sig, &call.body));
    assert_eq!(call.header("cast-event"), Some("post.published"));
    assert!(call.header("cast-delivery").is_some());
}

#[tokio::test]
async fn a_notifier_that_is_down_delays_nothing_else_and_is_tried_again_later() {
    let hook = Receiver::start().await;
    hook.answer(500);
    let smtp = SmtpSink::start();
    let down = format!("{}/cast-alerts", refused_url("http"));
    let t = notifier_with(&[
        ("NTFY_URL", &down),
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp.url),
        ("NOTIFY_EMAIL_FROM", "cast@example.com"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    let mut events = every_event().into_iter();
    let published = events.next().expect("event");
    let failed = events.next().expect("event");
    assert_eq!(t.notifier.notify(published).await.expect("queued"), 3);
    assert_eq!(t.notifier.notify(failed).await.expect("queued"), 3);

    // ntfy refuses the connection and the webhook answers 500: email still goes out, both mails.
    t.notifier.deliver_due().await;
    assert_eq!(smtp.mails().len(), 2);
    assert_eq!(
        hook.requests().len(),
        1,
        "after one failure the webhook's second waits"
    );
    let status = t.notifier.status().await.expect("status");
    let of = |c: Channel| {
        status
            .iter()
            .find(|s| s.channel == c)
            .cloned()
            .expect("listed")
    };
    let ntfy = of(Channel::Ntfy);
    assert_eq!(ntfy.pending, 2);
    let error = ntfy.last_error.expect("a reason");
    assert!(
        error.contains("cannot connect to http://127.0.0.1:"),
        "{error}"
    );
    assert!(ntfy.last_success_at.is_none());
    let webhook = of(Channel::Webhook);
    assert!(
        webhook
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("answered HTTP 500")),
        "{webhook:?}"
    );
    assert_eq!(of(Channel::Email).pending, 0);

    // Not yet due again: nothing is hammered.
    assert_eq!(t.notifier.deliver_due().await, 0);
    assert_eq!(hook.requests().len(), 1);

    // The webhook comes back; a minute later both its notifications go through, in order.
    hook.answer(200);
    t.clock.advance(Duration::from_secs(60));
    t.notifier.deliver_due().await;
    let calls = hook.requests();
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[1].body, calls[0].body,
        "the retry sends the same event"
    );
    assert_eq!(
        calls[1].header("cast-delivery"),
        calls[0].header("cast-delivery")
    );
    assert_eq!(calls[2].json()["event"], "post.failed");
    let status = t.notifier.status().await.expect("status");
    let webhook = status
        .iter()
        .find(|s| s.channel == Channel::Webhook)
        .expect("listed");
    assert_eq!(webhook.pending, 0);
    assert!(webhook.last_success_at.is_some());
    let ntfy = status
        .iter()
        .find(|s| s.channel == Channel::Ntfy)
        .expect("listed");
    assert_eq!(ntfy.pending, 2, "ntfy is still down and still queued");
}

#[tokio::test]
async fn a_notifier_down_for_a_day_gives_up_and_says_so() {
    let t = notifier_with(&[("NTFY_URL", &format!("{}/topic", refused_url("http")))]).await;
    t.notifier
        .notify(every_event().remove(0))
        .await
        .expect("queued");
    let mut tries = 0;
    for _ in 0..40 {
        tries += t.notifier.deliver_due().await;
        t.clock.advance(Duration::from_secs(2 * 60 * 60));
    }
    let ntfy = t.notifier.status().await.expect("status").remove(0);
    assert_eq!((ntfy.pending, ntfy.given_up), (0, 1), "{ntfy:?}");
    assert!(
        (8..=25).contains(&tries),
        "backoff, not a try every step: {tries}"
    );
}

#[tokio::test]
async fn the_same_target_reaching_the_same_state_twice_is_told_once() {
    let ntfy = Receiver::start().await;
    let t = notifier_with(&[("NTFY_URL", &format!("{}/topic", ntfy.url))]).await;
    let published = every_event().remove(0);
    assert_eq!(
        t.notifier.notify(published.clone()).await.expect("queued"),
        1
    );
    assert_eq!(
        t.notifier
            .notify(published.clone())
            .await
            .expect("duplicate"),
        0
    );
    t.notifier.deliver_due().await;
    t.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        t.notifier.notify(published).await.expect("duplicate"),
        0,
        "also after delivery"
    );
    t.notifier.deliver_due().await;
    assert_eq!(ntfy.requests().len(), 1);
}

#[tokio::test]
async fn a_queued_notification_survives_a_restart() {
    let hook = Receiver::start().await;
    let settings = [
        ("NOTIFY_WEBHOOK_URL", hook.url.as_str()),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let t = notifier_with(&settings).await;
    t.notifier
        .notify(every_event().remove(1))
        .await
        .expect("queued");
    drop(t.notifier);
    let again = build(&t.db, &t.clock, &settings);
    assert_eq!(again.deliver_due().await, 1);
    assert_eq!(hook.requests()[0].json()["event"], "post.failed");
}

#[tokio::test]
async fn send_a_test_reaches_each_channel_and_shows_on_the_settings_page() {
    let ntfy = Receiver::start().await;
    let hook = Receiver::start().await;
    let smtp = SmtpSink::start();
    let ntfy_url = format!("{}/topic", ntfy.url);
    let t = notifier_with(&[
        ("NTFY_URL", &ntfy_url),
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp.url),
        ("NOTIFY_EMAIL_FROM", "cast@example.com"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    for channel in Channel::ALL {
        t.notifier
            .send_test(channel)
            .await
            .unwrap_or_else(|e| panic!("{channel}: {e}"));
    }
    assert_eq!(
        ntfy.requests()[0].header("title"),
        Some("Cast can reach you")
    );
    let call = hook.requests().remove(0);
    assert_eq!(call.json()["event"], "test");
    assert!(verify(
        WEBHOOK_SECRET,
        call.header("cast-signature").expect("signed"),
        &call.body
    ));
    assert_eq!(smtp.mails()[0].subject(), "Cast: Cast can reach you");
    let status = t.notifier.status().await.expect("status");
    assert!(
        status
            .iter()
            .all(|s| s.last_success_at == Some(t.clock.now()) && s.pending == 0),
        "{status:?}"
    );

    // A failing test says why, on the spot and on the page.
    smtp.refuse(true);
    let e = t
        .notifier
        .send_test(Channel::Email)
        .await
        .expect_err("refused");
    assert!(e.message().contains("451"), "{e}");
    let email = t.notifier.status().await.expect("status").remove(2);
    assert_eq!(email.last_error.as_deref(), Some(e.message()));
}

#[tokio::test]
async fn a_channel_that_is_not_set_up_says_which_setting_turns_it_on() {
    let t = notifier_with(&[]).await;
    assert_eq!(
        t.notifier
            .notify(every_event().remove(0))
            .await
            .expect("ok"),
        0
    );
    let e = t
        .notifier
        .send_test(Channel::Ntfy)
        .await
        .expect_err("not set up");
    assert!(e.message().contains("NTFY_URL"), "{e}");
    let status = t.notifier.status().await.expect("status");
    assert!(
        status
            .iter()
            .all(|s| !s.configured && s.destination.is_none()),
        "{status:?}"
    );
}

#[tokio::test]
async fn secrets_never_appear_in_the_recorded_errors() {
    // Receivers that quote the request back, path and headers, in their error answers.
    let ntfy = Receiver::start().await;
    ntfy.answer(401);
    ntfy.echo_requests();
    let hook = Receiver::start().await;
    hook.answer(500);
    hook.echo_requests();
    let hook_url = format!("{}/api/webhook/hook-id-secret-987", hook.url);
    let ntfy_url = format!("{}/private-topic-123", ntfy.url);
    let smtp = refused_url("smtps").replace("smtps://", "smtps://me:hunter2-mail-password@");
    let t = notifier_with(&[
        ("NTFY_URL", &ntfy_url),
        ("NTFY_TOKEN", NTFY_TOKEN),
        ("NOTIFY_WEBHOOK_URL", &hook_url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp),
        ("NOTIFY_EMAIL_FROM", "cast@example.com"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    t.notifier
        .notify(every_event().remove(1))
        .await
        .expect("queued");
    t.notifier.deliver_due().await;
    let mut errors: Vec<String> = Vec::new();
    for channel in Channel::ALL {
        errors.push(
            t.notifier
                .send_test(channel)
                .await
                .expect_err("fails")
                .to_string(),
        );
    }
    let status = t.notifier.status().await.expect("status");
    errors.extend(status.iter().filter_map(|s| s.last_error.clone()));
    errors.extend(status.iter().filter_map(|s| s.destination.clone()));
    let rows: Vec<(Option<String>,)> = sqlx::query_as("SELECT last_error FROM notify_outbox")
        .fetch_all(&t.db)
        .await
        .expect("rows");
    errors.extend(rows.into_iter().filter_map(|(e,)| e));
    assert!(
        errors.iter().any(|e| e.contains("answered HTTP 401")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("answered HTTP 500")),
        "{errors:?}"
    );
    for e in &errors {
        for secret in [
            NTFY_TOKEN,
            "private-topic-123",
            "hook-id-secret-987",
            WEBHOOK_SECRET,
            "hunter2-mail-password",
        ] {
            assert!(!e.contains(secret), "{secret} leaked in: {e}");
        }
    }
    assert!(
        ntfy.requests()[0].body.contains("TikTok refused"),
        "ntfy was really called"
    );
}
