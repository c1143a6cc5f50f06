//! Once TikTok's webhooks are heard, Cast asks TikTok less often while a post processes (the
//! webhook tells the outcome); a day without one, it asks as often as before. And a post TikTok
//! says is no longer public shows so on its target.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::posts::*;
use crate::helpers::sandbox::API;
use crate::tiktok_webhooks_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Posts a private video and steps it to processing; returns the upload's id.
async fn processing(app: &TestApp, csrf: &str) -> String {
    let queued = accepted(
        app,
        csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    step_until(app, &id, &["processing"], HOUR).await;
    // The first ask after the last chunk, which the webhooks do not change.
    let first = job(app, &id).await["next_attempt_at"]
        .as_i64()
        .expect("next ask");
    app.clock.set_ms(first * 1000);
    assert!(app.step().await, "the first status fetch");
    id
}

/// The waits (seconds) Cast chose between its next `n` status fetches of a processing post,
/// each one stepped when it falls due.
async fn waits_between_asks(app: &TestApp, id: &str, n: usize) -> Vec<i64> {
    let mut waits = Vec::new();
    for _ in 0..n {
        let j = job(app, id).await;
        assert_eq!(j["state"], "processing", "{j}");
        let next = j["next_attempt_at"].as_i64().expect("next ask");
        waits.push(next - app.clock.now());
        app.clock.set_ms(next * 1000);
        assert!(app.step().await, "a status fetch was due");
    }
    waits
}

#[tokio::test]
async fn once_a_signed_tiktok_webhook_is_heard_a_processing_post_is_asked_about_less_often_and_after_a_quiet_day_as_before()
 {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_WEBHOOK_URL", "off"),
        ("CAST_SANDBOX_PROCESSING_MS", "900000"),
    ])
    .await;
    let open_id = app.open_id("alice").await;
    let hint = body(
        "post.publish.complete",
        app.clock.now(),
        &open_id,
        json!({"publish_id": "v_pub_file~v2-another-app"}),
    );
    assert_eq!(deliver_signed(&app, &hint).await.0, 200);

    let id = processing(&app, &csrf).await;
    assert_eq!(
        waits_between_asks(&app, &id, 5).await,
        [20, 40, 80, 160, 300],
        "with webhooks working Cast asks 10 s, 20 s, 40 s … up to every 5 minutes"
    );

    step_until(&app, &id, &["published"], HOUR).await;

    // A day and more without a webhook: they may have stopped, and polling is as before.
    app.advance(DAY + HOUR);
    run_until_idle(&app, HOUR).await;
    let id = processing(&app, &csrf).await;
    assert_eq!(
        waits_between_asks(&app, &id, 8).await,
        [3, 5, 7, 11, 16, 23, 30, 30],
        "without webhooks Cast asks 2 s, 3 s, 4.5 s … up to every 30 s"
    );
}

#[tokio::test]
async fn a_bad_signature_does_not_count_as_webhooks_working() {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_WEBHOOK_URL", "off"),
        ("CAST_SANDBOX_PROCESSING_MS", "900000"),
    ])
    .await;
    let open_id = app.open_id("alice").await;
    let hint = body(
        "post.publish.complete",
        app.clock.now(),
        &open_id,
        json!({"publish_id": "v_pub_file~v2-another-app"}),
    );
    let forged = sign("not-the-client-secret", app.clock.now(), &hint);
    assert_eq!(deliver(&app, Some(&forged), &hint).await.0, 401);
    let id = processing(&app, &csrf).await;
    assert_eq!(waits_between_asks(&app, &id, 3).await, [3, 5, 7]);
}

#[tokio::test]
async fn a_post_taken_down_on_tiktok_says_so_on_its_target_and_keeps_its_link() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_WEBHOOK_DUPLICATES", "0")]).await;
    let open_id = app.open_id("alice").await;
    let post = posted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "PUBLIC_TO_EVERYONE"})
        )]),
    )
    .await;
    let post_id = post["id"].as_str().expect("post").to_string();
    step_until_settled(&app, &post_id, HOUR).await;
    sent_until(&app, |s| !s.is_empty()).await;
    apply_all_to_cast(&app).await;
    let published = step_until_settled(&app, &post_id, HOUR).await["targets"][0].clone();
    assert_eq!(published["result"]["visibility"], "public", "{published}");
    let url = published["result"]["url"]
        .as_str()
        .expect("link")
        .to_string();
    assert!(url.contains("/video/"), "{published}");

    let publish_id = sandbox_posts(&app).await[0]["publish_id"]
        .as_str()
        .expect("publish id")
        .to_string();
    let take_down = format!("{API}/_/posts/{publish_id}/take-down");
    assert_eq!(press(&app, &take_down).await, 303);
    sent_until(&app, |s| {
        names(s).iter().any(|n| n.contains("no_longer_public"))
    })
    .await;
    apply_all_to_cast(&app).await;

    let after = post_of(&app, &post_id).await["targets"][0].clone();
    assert_eq!(after["state"], "published", "{after}");
    assert_eq!(after["result"]["visibility"], "private", "{after}");
    assert_eq!(after["result"]["url"], url.as_str(), "the link is kept");
    let note = after["note"].as_str().unwrap_or_default();
    assert!(note.contains("no longer public"), "{after}");
    let page = app.get_text(&format!("/posts/{post_id}")).await;
    assert!(
        page.contains("TikTok says this post is no longer public"),
        "{page}"
    );
}

/// Applies every stored webhook event with the core's own effects.
async fn apply_all_to_cast(app: &TestApp) -> Vec<Value> {
    let processor = app
        .tiktok_webhooks
        .processor(app.tiktok_webhook_effects.clone());
    let mut steps = Vec::new();
    loop {
        match processor.step().await.expect("processor step") {
            cast::platforms::tiktok::webhook::Step::Idle => return steps,
            step => steps.push(Value::String(format!("{step:?}"))),
        }
        assert!(steps.len() < 100, "the processor never ran dry");
    }
}
