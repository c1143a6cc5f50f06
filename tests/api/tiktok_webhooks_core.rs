//! What TikTok's webhooks do to a post and an account, end to end: the sandbox sends its signed
//! events to Cast's receiver over HTTP, a processor applies them through the publishing core,
//! and the worker is stepped on a manual clock. A webhook only hastens or confirms what polling
//! finds; without one, polling still tells every outcome.

use std::time::Duration;

use cast::platforms::tiktok::webhook::Step;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::notify::Receiver;
use crate::helpers::posts::*;
use crate::helpers::sandbox::API;
use crate::tiktok_webhooks_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);
const PUBLIC: &str = "post.publish.publicly_available";
const COMPLETE: &str = "post.publish.complete";
const FAILED: &str = "post.publish.failed";
const REMOVED: &str = "authorization.removed";

/// Steps a processor over Cast's stored events with the core's own effects until nothing is due.
async fn apply_to_cast(app: &TestApp) -> Vec<Step> {
    let processor = app
        .tiktok_webhooks
        .processor(app.tiktok_webhook_effects.clone());
    let mut steps = Vec::new();
    loop {
        match processor.step().await.expect("processor step") {
            Step::Idle => return steps,
            step => steps.push(step),
        }
        assert!(steps.len() < 100, "the processor never ran dry: {steps:?}");
    }
}

fn sent(deliveries: &[Value], event: &str) -> bool {
    names(deliveries).contains(&event)
}

/// A one-target post through Cast's API; returns the upload's id.
async fn post(app: &TestApp, csrf: &str, fields: &[(&str, &str)]) -> String {
    let queued = accepted(app, csrf, &fixture("ok.mp4"), fields).await;
    queued["id"].as_str().expect("id").to_string()
}

/// The sandbox's own record of the one post it received.
async fn at_tiktok(app: &TestApp) -> Value {
    sandbox_posts(app)
        .await
        .pop()
        .expect("the sandbox got the post")
}

/// Steps the worker a second of app time at a go until TikTok (the sandbox) has finished
/// processing, without stepping past it: returns with Cast still waiting for its next poll.
async fn until_tiktok_finishes(app: &TestApp, id: &str) {
    for _ in 0..60 {
        app.advance(Duration::from_secs(1));
        app.run_until_idle().await;
        if at_tiktok(app).await["status"] != "PROCESSING_UPLOAD" {
            return;
        }
        assert_eq!(job(app, id).await["state"], "processing");
    }
    panic!("TikTok never finished: {}", at_tiktok(app).await);
}

#[tokio::test]
async fn a_public_post_gets_its_link_from_the_webhook_when_tiktoks_status_never_gives_it() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_POST_ID_FORM", "absent")]).await;
    let id = post(
        &app,
        &csrf,
        &[
            ("title", "Hello #cast"),
            ("privacy_level", "PUBLIC_TO_EVERYONE"),
        ],
    )
    .await;
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(done["awaiting_link"], true, "{done}");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains("Published; TikTok has not given the link yet"),
        "{page}"
    );
    let now = app.clock.now_ms();

    // TikTok says the post is public, with its id: the link shows at once, before Cast's
    // next ask (a minute away) and without it.
    sent_until(&app, |s| sent(s, PUBLIC)).await;
    apply_to_cast(&app).await;
    assert_eq!(app.clock.now_ms(), now, "no app time passed");
    let tiktok_id = at_tiktok(&app).await["post_ids"][0]
        .as_str()
        .expect("the sandbox's id")
        .to_string();
    let done = job(&app, &id).await;
    assert_eq!(done["awaiting_link"], false, "{done}");
    assert_eq!(done["post_ids"], json!([tiktok_id]), "{done}");
    assert_eq!(done["post_id_source"], "webhook", "{done}");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains(&format!("/@alice/video/{tiktok_id}")),
        "{page}"
    );
    assert!(!app.step().await, "nothing more to ask TikTok");
}

#[tokio::test]
async fn a_post_tiktok_finishes_between_two_polls_shows_as_published_as_soon_as_the_webhook_comes()
{
    // Cast asks 2, 5, 10 and 17 s after the last chunk; TikTok finishes at 12 s.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_PROCESSING_MS", "12000")]).await;
    let id = post(&app, &csrf, &[("privacy_level", "SELF_ONLY")]).await;
    step_until(&app, &id, &["processing"], HOUR).await;
    until_tiktok_finishes(&app, &id).await;
    assert_eq!(job(&app, &id).await["state"], "processing");
    assert!(
        !app.step().await,
        "Cast's next poll is not due yet: {}",
        job(&app, &id).await
    );

    sent_until(&app, |s| sent(s, COMPLETE)).await;
    let steps = apply_to_cast(&app).await;
    assert!(
        app.step().await,
        "the webhook made the post due now: {steps:?} {}",
        job(&app, &id).await
    );
    let done = job(&app, &id).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(
        done["post_ids"],
        json!([]),
        "a private post has no public id"
    );
}

#[tokio::test]
async fn an_inbox_draft_shows_as_waiting_in_the_inbox_as_soon_as_tiktok_says_it_was_delivered() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_PROCESSING_MS", "12000")]).await;
    let queued = accepted(&app, &csrf, &fixture("ok.mov"), &[("mode", "inbox")]).await;
    let id = queued["id"].as_str().expect("id").to_string();
    step_until(&app, &id, &["processing"], HOUR).await;
    until_tiktok_finishes(&app, &id).await;
    assert_eq!(job(&app, &id).await["state"], "processing");
    assert!(!app.step().await, "Cast's next poll is not due yet");

    sent_until(&app, |s| sent(s, "post.publish.inbox_delivered")).await;
    apply_to_cast(&app).await;
    assert!(app.step().await, "the webhook made the draft due now");
    let done = job(&app, &id).await;
    assert_eq!(done["state"], "in_inbox", "{done}");
}

#[tokio::test]
async fn a_public_post_whose_id_comes_before_its_completion_is_published_with_its_link_in_one_step()
{
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_PROCESSING_MS", "12000"),
        ("CAST_SANDBOX_POST_ID_FORM", "absent"),
    ])
    .await;
    let id = post(&app, &csrf, &[("privacy_level", "PUBLIC_TO_EVERYONE")]).await;
    step_until(&app, &id, &["processing"], HOUR).await;
    until_tiktok_finishes(&app, &id).await;
    assert_eq!(job(&app, &id).await["state"], "processing");

    // The sandbox's default order: publicly_available (with the id) before complete.
    let deliveries = sent_until(&app, |s| sent(s, PUBLIC) && sent(s, COMPLETE)).await;
    assert_eq!(names(&deliveries)[0], PUBLIC, "newest first");
    apply_to_cast(&app).await;
    assert!(app.step().await, "due now");
    let tiktok_id = at_tiktok(&app).await["post_ids"][0].clone();
    let done = job(&app, &id).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(done["post_ids"], json!([tiktok_id]), "{done}");
    assert_eq!(done["awaiting_link"], false, "{done}");
    assert_eq!(done["post_id_source"], "webhook", "{done}");
}

#[tokio::test]
async fn when_the_creator_removes_access_while_tiktok_processes_the_post_fails_with_the_reason_and_the_account_asks_to_be_reconnected()
 {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_PROCESSING_MS", "10000"),
        ("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0"),
    ])
    .await;
    let id = post(&app, &csrf, &[("privacy_level", "SELF_ONLY")]).await;
    step_until(&app, &id, &["processing"], HOUR).await;
    let open_id = app.open_id("alice").await;
    let remove = format!("{API}/_/creators/{open_id}/remove-access");
    assert_eq!(press(&app, &remove).await, 303);
    until_tiktok_finishes(&app, &id).await;
    assert_eq!(at_tiktok(&app).await["fail_reason"], "auth_removed");

    // Polling cannot ask any more (the token is dead); the webhooks say what happened.
    let deliveries = sent_until(&app, |s| sent(s, REMOVED) && sent(s, FAILED)).await;
    assert!(
        deliveries.iter().all(|d| d["answered"] == 200),
        "{deliveries:#?}"
    );
    apply_to_cast(&app).await;
    let done = job(&app, &id).await;
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error_code"], "auth_removed", "{done}");
    let error = done["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("removed Cast's access"), "{done}");

    let account = app
        .accounts
        .list()
        .await
        .expect("accounts")
        .into_iter()
        .find(|a| a.account_id == open_id)
        .expect("alice");
    assert_eq!(account.status.as_str(), "needs_reconnect");
    let home = app.get_text("/").await;
    let reason = "TikTok access was removed (the account removed Cast&#39;s access in TikTok): reconnect the account.";
    assert!(home.contains(reason), "{home}");
}

#[tokio::test]
async fn webhooks_delivered_again_late_or_out_of_order_change_nothing_once_the_post_is_published() {
    let hook = Receiver::start().await;
    let hook_url = format!("{}/cast", hook.url);
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_POST_ID_FORM", "absent"),
        ("NOTIFY_WEBHOOK_URL", &hook_url),
        (
            "NOTIFY_WEBHOOK_SECRET",
            "a-test-secret-0123456789abcdef0123456789abcdef",
        ),
    ])
    .await;
    let open_id = app.open_id("alice").await;
    let options = json!({"privacy_level": "PUBLIC_TO_EVERYONE", "title": "Once"});
    let post = posted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([tiktok_target(&open_id, options)]),
    )
    .await;
    let post_id = post["id"].as_str().expect("post id").to_string();
    let target_id = post["targets"][0]["id"]
        .as_str()
        .expect("target id")
        .to_string();
    step_until(&app, &target_id, &["published"], HOUR).await;
    // Newest first and each twice, the sandbox's default.
    let deliveries = sent_until(&app, |s| s.len() >= 4).await;
    apply_to_cast(&app).await;
    let published = step_until_settled(&app, &post_id, Duration::ZERO).await["targets"][0].clone();
    assert_eq!(published["awaiting_link"], false, "{published}");
    assert!(
        published["result"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("/video/")),
        "{published}"
    );

    // TikTok's retries of the same events, and late events that contradict the outcome.
    for d in &deliveries {
        let body = d["body"].as_str().expect("body");
        let (status, answer) = deliver(&app, d["signature"].as_str(), body).await;
        assert_eq!((status, answer), (200, json!({"duplicate": true})));
    }
    let publish_id = job(&app, &target_id).await["publish_id"].clone();
    let now = app.clock.now();
    for (event, content) in [
        (
            "post.publish.inbox_delivered",
            json!({"publish_id": publish_id}),
        ),
        (
            FAILED,
            json!({"publish_id": publish_id, "reason": "spam_risk"}),
        ),
        (
            PUBLIC,
            json!({"publish_id": publish_id, "post_id": "7000000000000000999"}),
        ),
    ] {
        let stale = body(event, now - 30, &open_id, content);
        assert_eq!(deliver_signed(&app, &stale).await.0, 200);
    }
    let steps = apply_to_cast(&app).await;
    assert_eq!(steps.len(), 3, "{steps:?}");
    let after = post_of(&app, &post_id).await["targets"][0].clone();
    for field in ["state", "result", "awaiting_link", "error", "attempts"] {
        assert_eq!(after[field], published[field], "{field}: {after}");
    }
    assert!(!app.step().await, "nothing to ask TikTok");
    assert_eq!(sandbox_posts(&app).await.len(), 1, "posted once");
    // The owner was told once that it was published.
    app.notifier.deliver_due().await;
    let told: Vec<Value> = hook
        .requests()
        .iter()
        .map(|r| r.json())
        .filter(|p| p["event"] == "post.published")
        .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
}

#[tokio::test]
async fn with_webhooks_off_polling_alone_publishes_the_post_and_fills_in_its_link() {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_WEBHOOK_URL", "off"),
        ("CAST_SANDBOX_POST_ID_FORM", "string"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "120000"),
    ])
    .await;
    let id = post(&app, &csrf, &[("privacy_level", "PUBLIC_TO_EVERYONE")]).await;
    let done = step_until_with(
        &app,
        &id,
        |j| j["awaiting_link"] == false && j["state"] == "published",
        HOUR,
    )
    .await;
    let tiktok_id = at_tiktok(&app).await["post_ids"][0].clone();
    assert_eq!(done["post_ids"], json!([tiktok_id]), "{done}");
    let sandbox = app.tiktok_sandbox.as_ref().expect("sandbox");
    assert_eq!(sandbox.step_webhooks().await.expect("step").sent, 0);
    assert!(deliveries(&app).await.is_empty());
    assert!(
        app.tiktok_webhooks
            .stored()
            .await
            .expect("stored")
            .is_empty()
    );
}

#[tokio::test]
async fn a_webhook_about_an_upload_cast_never_made_is_acknowledged_and_changes_nothing() {
    let (app, csrf) = app_with_account(&[]).await;
    let id = post(&app, &csrf, &[("privacy_level", "SELF_ONLY")]).await;
    let open_id = app.open_id("alice").await;
    let now = app.clock.now();
    for (event, content) in [
        (COMPLETE, json!({"publish_id": "v_pub_file~v2-not-cast"})),
        (
            FAILED,
            json!({"publish_id": "v_pub_file~v2-not-cast", "reason": "internal"}),
        ),
        ("authorization.removed", json!({"reason": 1})),
    ] {
        let owner = if event == REMOVED {
            "act.someone-else"
        } else {
            open_id.as_str()
        };
        assert_eq!(
            deliver_signed(&app, &body(event, now, owner, content))
                .await
                .0,
            200
        );
    }
    let steps = apply_to_cast(&app).await;
    assert!(
        steps.iter().all(|s| matches!(s, Step::Applied { .. })),
        "{steps:?}"
    );
    assert_eq!(job(&app, &id).await["state"], "queued");
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
}
