//! TikTok in trouble, and TikTok refusing chunks: a minute of 5xx is waited out, an hour of it
//! fails once with one clear message, and a refused chunk plan falls back to the others.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::posts::*;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_minute_of_tiktok_trouble_is_waited_out() {
    // Every init fails for the first 80 s of TikTok's clock, whatever Cast's schedule: a
    // count of failures in a row that fit in a minute (6 in 62 s before) would fail each job.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "init:503:80s")]).await;
    let mut ids = Vec::new();
    for title in ["One", "Two", "Three"] {
        let queued = accepted(
            &app,
            &csrf,
            &fixture("ok.mp4"),
            &[("privacy_level", "SELF_ONLY"), ("title", title)],
        )
        .await;
        ids.push(queued["id"].as_str().expect("id").to_string());
    }
    for _ in 0..3 {
        assert!(app.step().await);
    }
    let waiting = job(&app, &ids[0]).await;
    assert_eq!(waiting["state"], "queued", "{waiting}");
    let message = waiting["last_error"].as_str().expect("a message");
    assert!(
        message.contains("Cast will try again in 1") && message.contains("attempt 1 of 10"),
        "{message}"
    );
    assert!(
        !message.contains("stopped"),
        "one thing at a time: {message}"
    );
    let took = run_until_idle(&app, HOUR).await;
    assert!(
        took < Duration::from_secs(5 * 60),
        "waited out in minutes: {took:?}"
    );
    for id in &ids {
        let done = job(&app, id).await;
        assert_eq!(done["state"], "published", "{done}");
    }
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 3, "{posts:?}");
}

#[tokio::test]
async fn an_hour_of_tiktok_trouble_fails_with_one_clear_message() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "init:503:7200s")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    let started = app.clock.now_ms();
    // Half an hour in, Cast is still waiting, and says so (and only so).
    let midway = step_until_with(
        &app,
        id,
        |j| j["attempts"].as_u64().is_some_and(|a| a >= 6),
        HOUR,
    )
    .await;
    let message = midway["last_error"].as_str().expect("message");
    assert_eq!(midway["state"], "queued");
    assert!(message.contains("Cast will try again in"), "{message}");
    assert!(
        message.contains("for about an hour"),
        "the schedule: {message}"
    );
    assert!(!message.contains("stopped"), "{message}");

    let failed = step_until(&app, id, &["failed", "published"], 2 * HOUR).await;
    let took = Duration::from_millis((app.clock.now_ms() - started) as u64);
    assert_eq!(failed["state"], "failed");
    assert!(
        (Duration::from_secs(55 * 60)..=Duration::from_secs(75 * 60)).contains(&took),
        "about an hour: {took:?}"
    );
    let message = failed["last_error"].as_str().expect("message");
    assert!(
        message.contains("TikTok had a problem on its side"),
        "{message}"
    );
    assert!(
        message.contains("Cast tried 10 times over about an hour"),
        "{message}"
    );
    assert!(
        message.contains("after 15 s, 30 s, 1, 2, 4 and 8 minutes, then every 15 minutes"),
        "the schedule: {message}"
    );
    assert!(!message.contains("will try again"), "one thing: {message}");
    assert_eq!(failed["actions"], serde_json::json!(["retry", "cancel"]));
    // Once TikTok is back, Retry publishes.
    let res = post_json(&app, &csrf, &format!("/api/uploads/{id}/retry")).await;
    assert_eq!(res.status().as_u16(), 202);
    app.advance(HOUR);
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
}

async fn chunk_sizes_sent(app: &crate::helpers::TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT chunk_size FROM sandbox_publishes ORDER BY created_ms")
        .fetch_all(&app.db)
        .await
        .expect("publishes")
}

#[tokio::test]
async fn a_refused_multi_chunk_plan_falls_back_to_other_plans() {
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 66_000_000);
    // TikTok refuses the first plan (5,242,880-byte chunks) with "The chunk size is invalid".
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_FAULTS", "init:400:1")]).await;
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id");
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(
        chunk_sizes_sent(&app).await,
        [10_000_000],
        "TikTok's example size"
    );
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts[0]["sha256"], sha256_file(&video));
}

#[tokio::test]
async fn a_video_every_chunk_plan_of_which_is_refused_fails_with_advice_naming_its_size() {
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 66_000_000);
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_REFUSE_MULTI_CHUNK", "1")]).await;
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id");
    let failed = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["error_code"], "chunk_size_refused");
    let message = failed["last_error"].as_str().expect("message");
    for words in [
        "66000000-byte video",
        "The chunk size is invalid",
        "log id",
        "chunk_size 5242880 (12 chunks)",
        "chunk_size 10000000 (6 chunks)",
        "chunk_size 33000000 (2 chunks)",
        "at most 64,000,000 bytes",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    assert!(sandbox_posts(&app).await.is_empty(), "nothing was created");
    // Each plan was tried once.
    let refused: String =
        sqlx::query_scalar("SELECT json_extract(progress, '$.refused_chunk_sizes') FROM targets")
            .fetch_one(&app.db)
            .await
            .expect("row");
    let refused: Value = serde_json::from_str(&refused).expect("json");
    assert_eq!(
        refused,
        serde_json::json!([5_242_880, 10_000_000, 33_000_000])
    );
    // A video of at most 64,000,000 bytes goes whole and is not refused.
    let small = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let done = step_until(
        &app,
        small["id"].as_str().expect("id"),
        &["published", "failed"],
        HOUR,
    )
    .await;
    assert_eq!(done["state"], "published");
}
