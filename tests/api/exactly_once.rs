//! An accepted post is published exactly once: once TikTok acknowledged the whole file, Retry
//! only asks again, and sending the file anew is the owner's explicit "Send again".

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::posts::*;
use crate::relay_helpers::tus_upload;

const HOUR: Duration = Duration::from_secs(3600);

/// Posts ok.mp4 publicly and steps until TikTok has acknowledged the last chunk.
async fn delivered_job(app: &TestApp, csrf: &str) -> String {
    let queued = accepted(
        app,
        csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "PUBLIC_TO_EVERYONE"), ("title", "Once")],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    let j = step_until(app, &id, &["processing", "published", "failed"], HOUR).await;
    assert_eq!(j["state"], "processing", "{j}");
    assert_eq!(j["delivered"], true);
    id
}

fn published_posts(posts: &[Value]) -> usize {
    posts
        .iter()
        .filter(|p| p["status"] == "PUBLISH_COMPLETE")
        .count()
}

async fn retry_with(app: &TestApp, csrf: &str, id: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(&format!("/api/uploads/{id}/retry")))
        .header("X-CSRF-Token", csrf);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("retry")
}

#[tokio::test]
async fn a_lost_status_answer_after_the_last_chunk_then_retry_leaves_exactly_one_post() {
    // Six status fetches in a row fail, while TikTok publishes the video.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "status:500:6")]).await;
    let id = delivered_job(&app, &csrf).await;
    for _ in 0..6 {
        let j = job(&app, &id).await;
        assert_eq!(
            j["state"], "processing",
            "errors while following are no failure: {j}"
        );
        app.advance(Duration::from_secs(60));
        app.step().await;
    }
    let j = job(&app, &id).await;
    assert_eq!(j["state"], "processing", "{j}");
    assert!(
        j["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("keeps asking")),
        "{j}"
    );
    // The owner presses Retry meanwhile: nothing is sent again, with or without resend.
    assert_eq!(
        retry_with(&app, &csrf, &id, None).await.status().as_u16(),
        409
    );
    let res = retry_with(&app, &csrf, &id, Some(json!({"resend": true}))).await;
    assert_eq!(res.status().as_u16(), 409);
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "one init: {posts:?}");
    assert_eq!(published_posts(&posts), 1);
}

#[tokio::test]
async fn retry_after_the_last_chunk_checks_again_instead_of_posting_twice() {
    // Status fetch fails for over an hour: Cast stops following, TikTok published meanwhile.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "status:500:4000s")]).await;
    let id = delivered_job(&app, &csrf).await;
    let publish_id = job(&app, &id).await["publish_id"].clone();
    let failed = step_until(&app, &id, &["failed", "published"], 2 * HOUR).await;
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["error_code"], "not_confirmed");
    assert_eq!(failed["delivered"], true);
    assert_eq!(
        failed["actions"],
        json!(["check_again", "send_again", "cancel"])
    );
    assert_eq!(
        published_posts(&sandbox_posts(&app).await),
        1,
        "TikTok has it"
    );
    // Retry (no body) is "Check again": the same upload, asked about again.
    app.advance(Duration::from_secs(600));
    let res = retry_with(&app, &csrf, &id, None).await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["upload"]["state"], "processing");
    assert_eq!(body["upload"]["publish_id"], publish_id);
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(done["publish_id"], publish_id);
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "never sent twice: {posts:?}");
    assert_eq!(published_posts(&posts), 1);
}

#[tokio::test]
async fn send_again_is_explicit_and_says_it_may_post_twice() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "status:500:4000s")]).await;
    let id = delivered_job(&app, &csrf).await;
    step_until(&app, &id, &["failed"], 2 * HOUR).await;
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(page.contains("class=\"check-again\""), "{page}");
    assert!(
        page.contains("Send again (this may post it twice)"),
        "{page}"
    );
    assert!(!page.contains("class=\"retry\""), "no plain Retry: {page}");
    assert!(page.contains("may have posted it"), "{page}");

    // The browser's "Send again" carries resend=1 (behind its confirm).
    app.advance(Duration::from_secs(600));
    let res = app
        .post_form(
            &format!("/posts/{id}/targets/{id}/retry"),
            &[("csrf_token", &csrf), ("resend", "1")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let requeued = job(&app, &id).await;
    assert_eq!(requeued["state"], "queued", "{requeued}");
    assert_eq!(requeued["publish_id"], Value::Null, "a new upload");
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(
        published_posts(&sandbox_posts(&app).await),
        2,
        "as the button warned"
    );

    // Over the API, sending again needs {"resend": true}; a published job refuses both.
    assert_eq!(
        retry_with(&app, &csrf, &id, None).await.status().as_u16(),
        409
    );
    let res = retry_with(&app, &csrf, &id, Some(json!({"resend": "yes"}))).await;
    assert_eq!(res.status().as_u16(), 400, "a malformed body is refused");
}

#[tokio::test]
async fn resend_over_the_api_sends_a_delivered_video_again_only_when_asked() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "status:500:4000s")]).await;
    let id = delivered_job(&app, &csrf).await;
    step_until(&app, &id, &["failed"], 2 * HOUR).await;
    app.advance(Duration::from_secs(600));
    let res = retry_with(&app, &csrf, &id, Some(json!({"resend": true}))).await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["upload"]["state"], "queued");
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published");
    assert_eq!(sandbox_posts(&app).await.len(), 2);
}

#[tokio::test]
async fn a_repeated_publish_of_the_same_browser_upload_finds_its_job() {
    let (app, csrf) = app_with_account(&[]).await;
    let upload_id = tus_upload(
        &app,
        &csrf,
        &std::fs::read(fixture("ok.mp4")).expect("fixture"),
    )
    .await;
    let open_id = app.open_id("alice").await;
    let account = format!("tiktok:{open_id}");
    let form = [
        ("csrf_token", csrf.as_str()),
        ("upload_id", upload_id.as_str()),
        ("title", "Twice?"),
        ("when", "now"),
        ("target", "0"),
        ("account_0", account.as_str()),
        ("t0_privacy_level", "SELF_ONLY"),
        ("t0_mode", "direct"),
    ];
    let first = app.post_form("/post", &form).await;
    assert_eq!(first.status().as_u16(), 200);
    let to = first
        .headers()
        .get("HX-Redirect")
        .and_then(|v| v.to_str().ok())
        .expect("redirect to the post")
        .to_string();
    // The same Publish again, after the post was made (a late double click, a re-sent form).
    let again = app.post_form("/post", &form).await;
    assert_eq!(again.status().as_u16(), 200, "not 'pick a video'");
    assert_eq!(
        again
            .headers()
            .get("HX-Redirect")
            .and_then(|v| v.to_str().ok()),
        Some(to.as_str())
    );
    let list: Value = app.get("/api/posts").await.json().await.expect("json");
    assert_eq!(
        list["posts"].as_array().expect("posts").len(),
        1,
        "one post"
    );
    let id = to.trim_start_matches("/posts/");
    step_until(&app, id, &["published"], HOUR).await;
    assert_eq!(sandbox_posts(&app).await.len(), 1);
}

#[tokio::test]
async fn an_init_whose_answer_never_came_does_not_cost_a_post() {
    // TikTok makes the upload but its answer never arrives, as when Cast is killed or the
    // request times out between sending init and recording what it said.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "init:stall:1")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY"), ("title", "Kill me")],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    let step = tokio::spawn({
        let posts = app.posts.clone();
        async move { posts.try_execute_job().await }
    });
    // The init reached TikTok (the sandbox made its upload) and hangs; the step's deadline
    // (on the app's clock) cuts it.
    let orphan = loop {
        if let Some(p) = sandbox_posts(&app).await.first() {
            break p["publish_id"].clone();
        }
        tokio::task::yield_now().await;
    };
    app.advance(Duration::from_secs(11 * 60));
    step.await.expect("step").expect("no store error");

    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_ne!(
        done["publish_id"], orphan,
        "the orphan was never Cast's to send to"
    );
    assert_eq!(done["orphaned_inits"], 1, "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(published_posts(&posts), 1, "exactly one post: {posts:?}");
    let left = posts
        .iter()
        .find(|p| p["publish_id"] == orphan)
        .expect("the orphan");
    assert_eq!(
        left["size"], 0,
        "it never received a byte, so it cannot become a post"
    );
    assert_eq!(left["status"], "PROCESSING_UPLOAD");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains("class=\"muted orphaned-note\""),
        "the owner is told: {page}"
    );
}

#[tokio::test]
async fn a_final_job_forgets_its_upload_url() {
    let (app, csrf) = app_with_account(&[]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    step_until(&app, id, &["published"], HOUR).await;
    // Read from the database file itself: no API ever shows it.
    let url: Option<String> = sqlx::query_scalar("SELECT session FROM targets WHERE id = ?")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("row");
    assert_eq!(url, None, "the upload URL is a credential");
}

#[tokio::test]
async fn an_upload_whose_last_answer_was_lost_is_followed_not_sent_again() {
    // TikTok stores the last (here the only) chunk, and its answer is lost on the way.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "chunk:lost:1")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    assert!(app.step().await, "init and the one chunk");
    let after = job(&app, &id).await;
    assert_eq!(after["state"], "uploading", "{after}");
    assert_eq!(after["delivered"], false, "Cast never heard TikTok take it");
    // Long enough that the upload link expired: Cast must ask TikTok before starting over.
    app.advance(Duration::from_secs(2 * 3600));
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(
        posts.len(),
        1,
        "TikTok was asked first, not sent the video again"
    );
}
