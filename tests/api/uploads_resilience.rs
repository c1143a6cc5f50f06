//! TikTok failing, Cast restarting, links expiring, an unaudited app: jobs still end where they should.

use std::time::Duration;

use crate::helpers::posts::*;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn temporary_tiktok_errors_are_retried_until_published() {
    let (app, csrf) =
        app_with_account(&[("CAST_SANDBOX_FAULTS", "init:429:1,chunk:500:1,status:500:1")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "one init got through");
    assert_eq!(posts[0]["sha256"], sha256_file(&fixture("ok.mp4")));
}

#[tokio::test]
async fn a_permanent_refusal_fails_with_its_reason_and_retry_then_publishes() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "init:400:1")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    let failed = step_until(&app, id, &["failed", "published"], HOUR).await;
    assert_eq!(failed["state"], "failed");
    assert_eq!(failed["error_code"], "invalid_param");
    let reason = failed["last_error"].as_str().expect("reason");
    assert!(reason.contains("TikTok refused a value"), "{reason}");
    // An init refused for its chunking shows the plan Cast declared.
    assert!(reason.contains("chunk_size"), "{reason}");
    assert_eq!(spool_files(&app).len(), 1, "the video is kept for Retry");
    assert_eq!(failed["actions"], serde_json::json!(["retry", "cancel"]));

    let res = post_json(&app, &csrf, &format!("/api/uploads/{id}/retry")).await;
    assert_eq!(res.status().as_u16(), 202);
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(done["last_error"], serde_json::Value::Null);
}

#[tokio::test]
async fn cancel_works_before_sending_and_not_after_publishing() {
    let (app, csrf) = app_with_account(&[]).await;
    let later = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[
            ("privacy_level", "SELF_ONLY"),
            ("publish_at", "2099-01-01T00:00:00Z"),
        ],
    )
    .await;
    let id = later["id"].as_str().expect("id");
    let res = post_json(&app, &csrf, &format!("/api/uploads/{id}/cancel")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(job(&app, id).await["state"], "cancelled");
    assert!(
        spool_files(&app).is_empty(),
        "a cancelled upload's video is deleted"
    );

    let now = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let now_id = now["id"].as_str().expect("id");
    step_until(&app, now_id, &["published"], HOUR).await;
    let res = post_json(&app, &csrf, &format!("/api/uploads/{now_id}/cancel")).await;
    assert_eq!(res.status().as_u16(), 409);
    let res = post_json(&app, &csrf, &format!("/api/uploads/{now_id}/retry")).await;
    assert_eq!(res.status().as_u16(), 409);
    let res = post_json(&app, &csrf, "/api/uploads/nope/retry").await;
    assert_eq!(res.status().as_u16(), 404);
}

#[tokio::test]
async fn an_unaudited_refusal_says_to_make_the_account_private() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_UNAUDITED", "1")]).await;
    // A public account: TikTok refuses even "Only me" (contract §9).
    let first = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let failed = step_until(
        &app,
        first["id"].as_str().expect("id"),
        &["failed", "published"],
        HOUR,
    )
    .await;
    assert_eq!(failed["state"], "failed");
    assert_eq!(
        failed["error_code"],
        "unaudited_client_can_only_post_to_private_accounts"
    );
    let reason = failed["last_error"].as_str().expect("reason");
    for words in [
        "private TikTok account",
        "Settings and privacy → Privacy → Private account",
        "inbox",
        "Only me alone does not fix it",
    ] {
        assert!(reason.contains(words), "{words:?} in {reason}");
    }

    // Cast remembers: the posting screen says what fixes it, and a public post is refused up front.
    let open_id = app.open_id("alice").await;
    let form = app
        .get_text(&format!("/post/options?slot=0&account=tiktok:{open_id}"))
        .await;
    assert!(form.contains("id=\"t0-unaudited-note\""), "{form}");
    assert!(
        form.contains("private TikTok account") && form.contains("alone does not fix it"),
        "{form}"
    );
    let codes = refused(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "MUTUAL_FOLLOW_FRIENDS")],
    )
    .await;
    assert_eq!(codes, ["unaudited_app"]);
    // The inbox still works from an unaudited app, also for a public account.
    let inbox = accepted(&app, &csrf, &fixture("ok.mp4"), &[("mode", "inbox")]).await;
    let inbox = step_until(
        &app,
        inbox["id"].as_str().expect("id"),
        &["in_inbox", "failed"],
        HOUR,
    )
    .await;
    assert_eq!(inbox["state"], "in_inbox", "{inbox}");
}

#[tokio::test]
async fn an_unaudited_app_posts_only_me_to_a_private_account() {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_UNAUDITED", "1"),
        ("CAST_SANDBOX_ACCOUNT_PRIVATE", "1"),
    ])
    .await;
    let private = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let done = step_until(
        &app,
        private["id"].as_str().expect("id"),
        &["published", "failed"],
        HOUR,
    )
    .await;
    assert_eq!(done["state"], "published", "{done}");
}

#[tokio::test]
async fn an_expired_upload_link_is_initialised_again() {
    // The first chunk fails; by the retry (15 s later on the schedule) the 1-second link has expired.
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_UPLOAD_URL_TTL", "1"),
        ("CAST_SANDBOX_FAULTS", "chunk:500:1"),
    ])
    .await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let done = step_until(
        &app,
        queued["id"].as_str().expect("id"),
        &["published", "failed"],
        HOUR,
    )
    .await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 2, "a second init: {posts:?}");
    let published: Vec<_> = posts
        .iter()
        .filter(|p| p["publish_id"] == done["publish_id"])
        .collect();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["sha256"], sha256_file(&fixture("ok.mp4")));
    // The first init never got its file: it is not a post.
    assert!(
        posts
            .iter()
            .all(|p| p["publish_id"] == done["publish_id"] || p["status"] == "PROCESSING_UPLOAD")
    );
}

/// The real worker on the real clock: Cast is stopped while chunks are going out.
#[tokio::test]
async fn a_restart_mid_upload_resumes_and_sends_identical_bytes() {
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let (app, csrf) = live_app_with_account(&[("LISTEN", listen.as_str())]).await;
    let dir = tempfile::tempdir().expect("dir");
    // Over 64,000,000 bytes: 12 chunks of 5,242,880 (the last one larger).
    let video = padded_mp4(dir.path(), 66_000_000);
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id").to_string();
    let size = queued["size"].as_u64().expect("size");

    // Stop Cast once some, but not all, chunks are acknowledged.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let sent_before = loop {
        let j = job(&app, &id).await;
        let sent = j["bytes_sent"].as_u64().unwrap_or(0);
        if sent > 0 && sent < size {
            break sent;
        }
        assert!(
            j["state"] != "published",
            "finished before the restart: {j}"
        );
        assert!(tokio::time::Instant::now() < deadline, "no progress: {j}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let app = app.restart().await;
    let after = job(&app, &id).await;
    assert!(after["bytes_sent"].as_u64().expect("sent") >= sent_before);

    let done = wait_for(&app, &id, &["published", "failed"], 120).await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "resumed, not started again: {posts:?}");
    assert_eq!(posts[0]["size"], size);
    assert_eq!(posts[0]["sha256"], sha256_file(&video));
}
