//! The TikTok sandbox sends section 14's webhooks (contract §12): signed as TikTok signs them,
//! duplicated, reordered, delayed and retried as its knobs say, and Cast's receiver believes them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use cast::platforms::tiktok::webhook::{PublishEvent, RemovalReason};
use serde_json::Value;

use crate::helpers::sandbox::*;
use crate::helpers::{TestApp, extract_csrf};
use crate::tiktok_webhooks_helpers::*;

const PUBLIC: &str = "post.publish.publicly_available";
const COMPLETE: &str = "post.publish.complete";
const INBOX: &str = "post.publish.inbox_delivered";
const FAILED: &str = "post.publish.failed";
const REMOVED: &str = "authorization.removed";
const TAKEN_DOWN: &str = "post.publish.no_longer_publicaly_available";

async fn step(app: &TestApp) -> cast::sandbox::tiktok::WebhookStep {
    let sandbox = app.tiktok_sandbox.as_ref().expect("sandbox");
    sandbox.step_webhooks().await.expect("webhook step")
}

/// The content of a delivery's body, parsed twice as Cast must.
fn content(delivery: &Value) -> Value {
    let body: Value = serde_json::from_str(delivery["body"].as_str().expect("body")).expect("json");
    serde_json::from_str(body["content"].as_str().expect("content is a string")).expect("json")
}

/// Checks each signature with an HMAC computed here: `t=…,s=hex(HMAC(secret, "{t}.{body}"))`.
fn assert_signed_by_the_sandbox(sent: &[Value]) {
    for d in sent {
        let signature = d["signature"].as_str().expect("signature");
        let t: i64 = signature
            .strip_prefix("t=")
            .and_then(|s| s.split(',').next())
            .and_then(|t| t.parse().ok())
            .expect("t first");
        assert_eq!(
            signature,
            sign(SANDBOX_SECRET, t, d["body"].as_str().expect("body"))
        );
    }
}

async fn revoke(app: &TestApp, token: &str) {
    let res = reqwest::Client::new()
        .post(api_url(app, "/v2/oauth/revoke/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("token", token),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn a_public_direct_post_sends_signed_events_newest_first_each_twice_and_cast_keeps_one_of_each()
 {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "alice").await;
    let publish_id = post_whole(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        fixture("ok.mp4"),
    )
    .await;
    assert!(step(&app).await.sent == 0, "nothing before processing ends");
    app.advance(Duration::from_secs(1));

    // Nobody polls: the sandbox notices the moments itself.
    let sent = sent_until(&app, |s| s.len() >= 4).await;
    assert_eq!(
        names(&sent),
        [PUBLIC, COMPLETE, PUBLIC, COMPLETE],
        "newest first, then the duplicates"
    );
    assert_signed_by_the_sandbox(&sent);
    for d in &sent {
        assert_eq!(
            (d["attempt"].as_i64(), d["answered"].as_i64()),
            (Some(1), Some(200)),
            "{d}"
        );
        let c = content(d);
        assert_eq!(c["publish_id"], publish_id.as_str());
        assert_eq!(c["publish_type"], "DIRECT_PUBLISH");
    }
    let body: Value = serde_json::from_str(sent[0]["body"].as_str().expect("body")).expect("json");
    assert_eq!(body["user_openid"], c.open_id.as_str());
    assert_eq!(body["client_key"], "cast-sandbox");
    let post_ids = received(&app).await[0]["post_ids"].clone();
    assert_eq!(
        content(&sent[0])["post_id"],
        post_ids[0],
        "the first post id goes as a string"
    );

    // Cast believed all four and kept one of each.
    assert_eq!(stored(&app).await, 2);
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls(),
        [
            Call::Publish(
                publish_id.clone(),
                PublishEvent::PubliclyAvailable {
                    post_id: post_ids[0].as_str().map(str::to_string)
                }
            ),
            Call::Publish(publish_id.clone(), PublishEvent::Complete),
        ]
    );
    assert_eq!(step(&app).await, Default::default(), "nothing more to say");
}

#[tokio::test]
async fn with_reordering_off_and_no_duplicates_events_go_once_in_the_order_they_happened() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_WEBHOOK_REORDER", "0"),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
    ])
    .await;
    let c = connect(&app, "alice").await;
    post_whole(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        fixture("ok.mp4"),
    )
    .await;
    app.advance(Duration::from_secs(1));
    let sent = sent_until(&app, |s| s.len() >= 2).await;
    assert_eq!(names(&sent), [COMPLETE, PUBLIC]);
}

#[tokio::test]
async fn an_inbox_draft_sends_inbox_delivered_then_complete_when_posted_from_the_app() {
    let app = sandbox_app(&[("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0")]).await;
    let c = connect(&app, "maria").await;
    let video = fixture("ok.mp4");
    let size = video.len() as u64;
    let (status, body) = init_inbox(&app, &c.access_token, file_source(size, size, 1)).await;
    let (publish_id, url) = accepted(status, &body);
    assert_eq!(put_chunk(&url, 0, size, video).await.status().as_u16(), 201);
    app.advance(Duration::from_secs(1));

    let sent = sent_until(&app, |s| !s.is_empty()).await;
    assert_eq!(names(&sent), [INBOX]);
    assert_eq!(content(&sent[0])["publish_type"], "INBOX_SHARE");

    // The draft waits for the creator; posting it from the app completes it, public.
    app.advance(Duration::from_secs(60));
    assert_eq!(step(&app).await.sent, 0);
    let action = format!("{API}/_/drafts/{publish_id}/post");
    assert_eq!(press(&app, &action).await, 303);
    let sent = sent_until(&app, |s| s.len() >= 3).await;
    assert_eq!(names(&sent), [INBOX, PUBLIC, COMPLETE]);
    assert!(
        sent.iter()
            .all(|d| content(d)["publish_type"] == "INBOX_SHARE")
    );
    assert_signed_by_the_sandbox(&sent);
    assert_eq!(stored(&app).await, 3);
}

#[tokio::test]
async fn a_video_tiktok_refuses_sends_failed_with_its_reason() {
    let app = sandbox_app(&[("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0")]).await;
    let c = connect(&app, "alice").await;
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", garbage(1000, 3)).await;
    app.advance(Duration::from_secs(1));
    let sent = sent_until(&app, |s| !s.is_empty()).await;
    assert_eq!(names(&sent), [FAILED]);
    let c = content(&sent[0]);
    let reason = received(&app).await[0]["fail_reason"].clone();
    assert!(
        reason
            .as_str()
            .is_some_and(|r| r.ends_with("_check_failed")),
        "{reason}"
    );
    assert_eq!(c["reason"], reason, "the reason status fetch gives");
    assert_eq!(c["publish_id"], publish_id.as_str());
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls(),
        [Call::Publish(
            publish_id,
            PublishEvent::Failed {
                reason: reason.as_str().map(str::to_string)
            }
        )]
    );
}

#[tokio::test]
async fn revoking_a_token_sends_authorization_removed_with_reason_5() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "alice").await;
    revoke(&app, &c.access_token).await;
    let sent = sent_until(&app, |s| s.len() >= 2).await;
    assert_eq!(names(&sent), [REMOVED, REMOVED]);
    assert_eq!(content(&sent[0])["reason"], 5);
    assert_signed_by_the_sandbox(&sent);
    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls(),
        [Call::Removed(
            c.open_id.clone(),
            RemovalReason::DeveloperRevoked
        )]
    );
    // A second revoke of the dead token announces nothing.
    revoke(&app, &c.access_token).await;
    assert_eq!(step(&app).await, Default::default());
}

#[tokio::test]
async fn take_down_and_remove_access_on_the_posts_page_send_their_events() {
    let app = sandbox_app(&[("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0")]).await;
    let c = connect(&app, "alice").await;
    let publish_id = post_whole(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        fixture("ok.mp4"),
    )
    .await;
    app.advance(Duration::from_secs(1));
    sent_until(&app, |s| s.len() >= 2).await;

    let take_down = format!("{API}/_/posts/{publish_id}/take-down");
    assert_eq!(press(&app, &take_down).await, 303);
    let sent = sent_until(&app, |s| s.len() >= 3).await;
    assert_eq!(sent[2]["event"], TAKEN_DOWN);
    let first = content(&sent[0])["post_id"].clone();
    let again = content(&sent[2])["post_id"].clone();
    assert!(
        first.is_string() && again.is_u64(),
        "{first} then {again}: a string, then a number"
    );
    assert_eq!(
        first.as_str().map(str::to_string),
        again.as_u64().map(|n| n.to_string())
    );
    // Taken down once is taken down: the button is gone and a second press is refused.
    let page = app.get_text(&format!("{API}/_/")).await;
    assert!(!page.contains("take-down"), "{page}");
    let csrf = extract_csrf(&page).expect("csrf");
    assert_eq!(
        app.post_form(&take_down, &[("csrf_token", &csrf)])
            .await
            .status()
            .as_u16(),
        409
    );

    let remove = format!("{API}/_/creators/{}/remove-access", c.open_id);
    assert_eq!(press(&app, &remove).await, 303);
    let sent = sent_until(&app, |s| s.len() >= 4).await;
    assert_eq!(sent[3]["event"], REMOVED);
    assert_eq!(content(&sent[3])["reason"], 1);
    let (status, _) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_eq!(status, 401, "the creator's tokens died with the access");

    let recorder = Arc::new(Recorder::default());
    apply_all(&app, &recorder).await;
    assert_eq!(
        recorder.calls()[2..],
        [
            Call::Publish(
                publish_id,
                PublishEvent::NoLongerPublic {
                    post_id: first.as_str().map(str::to_string)
                }
            ),
            Call::Removed(c.open_id.clone(), RemovalReason::UserDisconnected),
        ]
    );
}

/// A receiver of the test's own that answers 500 to the first `fail` deliveries.
struct Hook {
    seen: Mutex<Vec<String>>,
    fail: AtomicUsize,
}

async fn hook(req: HttpRequest, hook: web::Data<Hook>) -> HttpResponse {
    let signature = req
        .headers()
        .get("TikTok-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    hook.seen.lock().expect("lock").push(signature);
    if hook
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        HttpResponse::InternalServerError().finish()
    } else {
        HttpResponse::Ok().finish()
    }
}

async fn start_hook(fail: usize) -> (String, web::Data<Hook>) {
    let data = web::Data::new(Hook {
        seen: Mutex::new(Vec::new()),
        fail: AtomicUsize::new(fail),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let shared = data.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/hook", web::post().to(hook))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}/hook"), data)
}

#[tokio::test]
async fn a_receiver_that_answers_500_is_retried_with_backoff_and_the_same_t() {
    let (url, hook) = start_hook(2).await;
    let app = sandbox_app(&[
        ("CAST_SANDBOX_WEBHOOK_URL", &url),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
    ])
    .await;
    let c = connect(&app, "alice").await;
    revoke(&app, &c.access_token).await;
    let first_t = app.clock.now();
    assert_eq!(step(&app).await.sent, 1);
    assert_eq!(step(&app).await.sent, 0, "the retry waits for its time");
    app.advance(Duration::from_secs(1));
    assert_eq!(step(&app).await.sent, 1);
    app.advance(Duration::from_secs(1));
    assert_eq!(
        step(&app).await.sent,
        0,
        "the second retry waits twice as long"
    );
    app.advance(Duration::from_secs(1));
    assert_eq!(step(&app).await.sent, 1);
    app.advance(Duration::from_secs(60));
    assert_eq!(step(&app).await.sent, 0, "answered 200: done");

    let sent = deliveries(&app).await;
    let answers: Vec<(i64, i64)> = sent
        .iter()
        .map(|d| {
            (
                d["attempt"].as_i64().expect("attempt"),
                d["answered"].as_i64().expect("answered"),
            )
        })
        .collect();
    assert_eq!(answers, [(1, 500), (2, 500), (3, 200)]);
    let seen = hook.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|s| *s == seen[0]),
        "every retry keeps its first signature: {seen:?}"
    );
    assert!(seen[0].starts_with(&format!("t={first_t},")), "{}", seen[0]);
    assert_signed_by_the_sandbox(&sent);
}

#[tokio::test]
async fn a_delivery_given_up_after_the_retry_window_is_not_sent_again() {
    let (url, hook) = start_hook(usize::MAX).await;
    let app = sandbox_app(&[
        ("CAST_SANDBOX_WEBHOOK_URL", &url),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
        ("CAST_SANDBOX_WEBHOOK_RETRY_SECS", "5"),
    ])
    .await;
    let c = connect(&app, "alice").await;
    revoke(&app, &c.access_token).await;
    for _ in 0..10 {
        step(&app).await;
        app.advance(Duration::from_secs(2));
    }
    let tries = hook.seen.lock().expect("lock").len();
    // Tried at 0, 2 and 4 s of app time (each retry as soon as it is due), and a last time at
    // 6 s, past the 5 s window: then given up.
    assert_eq!(tries, 4);
}

#[tokio::test]
async fn with_a_bad_signature_cast_refuses_every_delivery_and_stores_nothing() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_WEBHOOK_BAD_SIGNATURE", "1"),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
    ])
    .await;
    let c = connect(&app, "alice").await;
    revoke(&app, &c.access_token).await;
    let sent = sent_until(&app, |s| !s.is_empty()).await;
    assert_eq!(sent[0]["answered"], 401);
    app.advance(Duration::from_secs(1));
    let sent = sent_until(&app, |s| s.len() >= 2).await;
    assert_eq!(
        (sent[1]["attempt"].as_i64(), sent[1]["answered"].as_i64()),
        (Some(2), Some(401))
    );
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn a_delay_holds_events_back_until_app_time_passes_it() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_WEBHOOK_DELAY_MS", "5000"),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
    ])
    .await;
    let c = connect(&app, "alice").await;
    revoke(&app, &c.access_token).await;
    assert_eq!(step(&app).await.sent, 0);
    app.advance(Duration::from_millis(4_999));
    assert_eq!(step(&app).await.sent, 0);
    app.advance(Duration::from_millis(1));
    assert_eq!(step(&app).await.sent, 1);
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn with_webhooks_off_nothing_is_sent() {
    let app = sandbox_app(&[("CAST_SANDBOX_WEBHOOK_URL", "off")]).await;
    let c = connect(&app, "alice").await;
    post_whole(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        fixture("ok.mp4"),
    )
    .await;
    revoke(&app, &c.access_token).await;
    app.advance(Duration::from_secs(10));
    assert_eq!(step(&app).await, Default::default());
    assert!(deliveries(&app).await.is_empty());
}

#[tokio::test]
async fn only_the_owner_sees_the_sandboxs_webhooks() {
    let app = sandbox_app(&[]).await;
    let res = reqwest::Client::new()
        .get(app.url(&format!("{API}/_/webhooks")))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn cast_doctor_prints_the_webhook_url_to_paste_and_says_it_needs_https() {
    let app = sandbox_app(&[]).await;
    let out = app.cast_cli(&["doctor"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("/webhooks/tiktok"))
        .unwrap_or_else(|| panic!("no webhook line in {text}"));
    assert!(line.contains("https"), "{line}");
}
