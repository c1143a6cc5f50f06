//! Publish while it uploads: the owner presses Publish while the phone is still sending the
//! video. The post is accepted at once, TikTok and YouTube get the bytes as they arrive, and
//! what commits a post (each one's last chunk) waits until the whole video passed its check.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::posts::*;
use crate::relay_helpers::*;
use crate::youtube_helpers::{channel_id, connect_youtube, sandbox_videos, youtube_target};

const HOUR: Duration = Duration::from_secs(3600);
/// TikTok takes a video of up to 64 MB whole, as one chunk: a larger one goes in 5 MiB chunks
/// (13 of them here), so the relay can be seen sending as the video arrives.
const LARGE: u64 = 70_000_000;
const SIZE: u64 = 16_000_000;
const TIKTOK_CHUNK: u64 = 5_242_880;
const YOUTUBE_CHUNK: u64 = 1_048_576;

fn video_of(size: u64) -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = padded_mp4(dir.path(), size);
    let bytes = std::fs::read(&path).expect("read");
    (dir, bytes)
}

fn video_bytes() -> (tempfile::TempDir, Vec<u8>) {
    video_of(SIZE)
}

/// The whole chunks of `chunk` bytes within the first `arrived` bytes.
fn whole(arrived: usize, chunk: u64) -> u64 {
    arrived as u64 / chunk * chunk
}

/// Cast with TikTok's `alice` and a YouTube channel connected; the CSRF token and both targets.
async fn two_platforms() -> (TestApp, String, Value) {
    let (app, csrf) = app_with_account(&[("YOUTUBE_CHUNK_SIZE", "1048576")]).await;
    connect_youtube(&app, "Relay").await;
    let channel = channel_id(&app).await;
    let open_id = app.open_id("alice").await;
    let targets = json!([
        tiktok_target(
            &open_id,
            json!({"title": "While it uploads", "privacy_level": "SELF_ONLY"})
        ),
        youtube_target(&channel, json!({})),
    ]);
    (app, csrf, targets)
}

/// TikTok's upload links name Cast's address (its sandbox lives there): a restarted Cast
/// listens where it did, as a home server does.
async fn same_address_after_restart() -> (TestApp, String) {
    let listen = format!("127.0.0.1:{}", crate::helpers::free_port());
    app_with_account(&[("LISTEN", listen.as_str())]).await
}

fn target<'a>(post: &'a Value, platform: &str) -> &'a Value {
    post["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["platform"] == platform))
        .expect("target")
}

/// What TikTok's sandbox holds of its one upload: (bytes received, status).
async fn at_tiktok(app: &TestApp) -> (u64, String) {
    let posts = sandbox_posts(app).await;
    assert_eq!(posts.len(), 1, "one upload at TikTok: {posts:?}");
    (
        posts[0]["size"].as_u64().unwrap_or(0),
        posts[0]["status"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn a_post_submitted_at_30_percent_of_its_upload_is_published_with_identical_bytes() {
    let (app, csrf, targets) = two_platforms().await;
    let (_dir, bytes) = video_of(LARGE);
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let (p30, p70) = (bytes.len() * 3 / 10, bytes.len() * 7 / 10);
    send_part(&app, &csrf, &url, &bytes, 0, p30).await;
    let post = posted_upload(&app, &csrf, &url, targets).await;
    assert_eq!(post["video"]["check"], "pending", "{post}");
    assert_eq!(post["video"]["sha256"], Value::Null, "not known yet");
    let id = post["id"].as_str().expect("id").to_string();
    let youtube_sent = |post: &Value| target(post, "youtube")["bytes_sent"].as_u64().unwrap_or(0);

    // Both transfers start at once with what has arrived; neither can finish.
    app.run_until_idle().await;
    let (got, status) = at_tiktok(&app).await;
    assert_eq!(
        got,
        whole(p30, TIKTOK_CHUNK),
        "TikTok has every whole chunk that arrived"
    );
    assert_ne!(status, "PUBLISH_COMPLETE");
    let post = post_of(&app, &id).await;
    assert_eq!(
        youtube_sent(&post),
        whole(p30, YOUTUBE_CHUNK),
        "and so has YouTube"
    );
    assert!(
        sandbox_videos(&app).await.is_empty(),
        "no video at YouTube yet"
    );

    send_part(&app, &csrf, &url, &bytes, p30, p70).await;
    app.run_until_idle().await;
    assert_eq!(
        at_tiktok(&app).await.0,
        whole(p70, TIKTOK_CHUNK),
        "TikTok follows the phone"
    );
    let post = post_of(&app, &id).await;
    assert_eq!(
        youtube_sent(&post),
        whole(p70, YOUTUBE_CHUNK),
        "YouTube too"
    );
    for t in post["targets"].as_array().expect("targets") {
        assert_ne!(
            t["state"], "published",
            "nothing commits before the end: {t}"
        );
    }

    send_part(&app, &csrf, &url, &bytes, p70, bytes.len()).await;
    let done = step_until_settled(&app, &id, HOUR).await;
    for t in done["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{t}");
    }
    assert_eq!(done["video"]["check"], "passed");
    assert_eq!(done["video"]["sha256"], sha(&bytes));
    let posts = sandbox_posts(&app).await;
    assert_eq!(published(&posts).len(), 1, "{posts:?}");
    assert_eq!(
        published(&posts)[0]["sha256"],
        sha(&bytes),
        "TikTok got the very bytes"
    );
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1, "{videos:?}");
    assert_eq!(
        videos[0]["sha256"],
        sha(&bytes),
        "YouTube got the very bytes"
    );
}

#[tokio::test]
async fn a_video_whose_index_at_the_end_fails_the_check_is_never_published_anywhere() {
    let (app, csrf, targets) = two_platforms().await;
    let bytes = index_at_end(3_000_000);
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() * 4 / 5;
    send_part(&app, &csrf, &url, &bytes, 0, part).await;
    let post = posted_upload(&app, &csrf, &url, targets).await;
    let id = post["id"].as_str().expect("id").to_string();
    app.run_until_idle().await;
    let youtube_sent = target(&post_of(&app, &id).await, "youtube")["bytes_sent"]
        .as_u64()
        .unwrap_or(0);
    assert!(youtube_sent >= 1_048_576, "YouTube's upload was under way");

    send_part(&app, &csrf, &url, &bytes, part, bytes.len()).await;
    app.run_until_idle().await;
    let post = post_of(&app, &id).await;
    assert_eq!(post["video"]["check"], "failed", "{post}");
    for (platform, name) in [("tiktok", "TikTok"), ("youtube", "YouTube")] {
        let t = target(&post, platform);
        assert_eq!(t["state"], "failed", "{t}");
        let said = t["error"].to_string();
        assert!(said.contains("Nothing was posted"), "{name}: {said}");
        assert!(
            said.contains(&format!(
                "Cast stopped sending it to {name} before the last part"
            )),
            "{name} says its upload was abandoned: {said}"
        );
    }
    let (got, status) = at_tiktok(&app).await;
    assert!(got < bytes.len() as u64, "TikTok never got the last chunk");
    assert_ne!(status, "PUBLISH_COMPLETE");
    assert!(sandbox_videos(&app).await.is_empty(), "no video at YouTube");

    app.advance(HOUR);
    app.run_until_idle().await;
    let post = post_of(&app, &id).await;
    for t in post["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "failed", "and stays so: {t}");
    }
    assert!(published(&sandbox_posts(&app).await).is_empty());
    assert!(sandbox_videos(&app).await.is_empty());
}

#[tokio::test]
async fn a_cut_phone_connection_in_the_middle_resumes_and_publishes_once() {
    let (app, csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() / 5;
    send_part(&app, &csrf, &url, &bytes, 0, part).await;
    let id = publish(&app, &csrf, &url).await;
    app.run_until_idle().await;
    // The phone loses its connection halfway through the next PATCH.
    let half = bytes[part..bytes.len() / 2].to_vec();
    let cut = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from(half)),
        Err(std::io::Error::other("the phone lost its signal")),
    ]);
    send(&app, &csrf, &url, part, reqwest::Body::wrap_stream(cut)).await;
    app.run_until_idle().await;
    assert_ne!(job(&app, &id).await["state"], "published");
    resume(&app, &csrf, &url, &bytes).await;
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    let (got, status) = at_tiktok(&app).await;
    assert_eq!((got, status.as_str()), (SIZE, "PUBLISH_COMPLETE"));
    assert_eq!(
        published(&sandbox_posts(&app).await)[0]["sha256"],
        sha(&bytes)
    );
}

#[tokio::test]
async fn cast_killed_mid_relay_resumes_both_sides_and_publishes_once() {
    let (app, csrf) = same_address_after_restart().await;
    let (_dir, bytes) = video_of(LARGE);
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() * 2 / 5;
    send_part(&app, &csrf, &url, &bytes, 0, part).await;
    let id = publish(&app, &csrf, &url).await;
    app.run_until_idle().await;
    assert_eq!(
        at_tiktok(&app).await.0,
        whole(part, TIKTOK_CHUNK),
        "chunks went before the kill"
    );
    let app = app.restart().await;
    app.run_until_idle().await;
    resume(&app, &csrf, &url, &bytes).await;
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    let (got, status) = at_tiktok(&app).await;
    assert_eq!(
        (got, status.as_str()),
        (LARGE, "PUBLISH_COMPLETE"),
        "one upload, finished"
    );
    assert_eq!(
        published(&sandbox_posts(&app).await)[0]["sha256"],
        sha(&bytes)
    );
}

#[tokio::test]
async fn an_upload_that_ended_while_cast_was_down_is_checked_at_start_and_published() {
    let (app, csrf) = same_address_after_restart().await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() / 2;
    send_part(&app, &csrf, &url, &bytes, 0, part).await;
    let id = publish(&app, &csrf, &url).await;
    // The check that the last PATCH starts is lost with the process: the post is left pending
    // exactly as a kill between the last bytes and the check leaves it.
    sqlx::query("UPDATE posts SET check_state = 'checking' WHERE id = ?")
        .bind(&id)
        .execute(&app.db)
        .await
        .expect("a check in flight");
    send_part(&app, &csrf, &url, &bytes, part, bytes.len()).await;
    app.run_until_idle().await;
    assert!(
        published(&sandbox_posts(&app).await).is_empty(),
        "nothing commits unchecked"
    );
    let app = app.restart().await;
    // What the worker does as it starts (the test app's worker is stepped by hand).
    app.posts.resume_checks().await.expect("checks resumed");
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    assert_eq!(
        published(&sandbox_posts(&app).await)[0]["sha256"],
        sha(&bytes)
    );
}

#[tokio::test]
async fn a_script_names_an_unknown_upload_or_both_a_file_and_an_upload_and_is_told_what_to_send() {
    let (app, csrf, targets) = two_platforms().await;
    let res = post_upload(&app, &csrf, "/uploads/tus/nosuchupload", targets.clone()).await;
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body.to_string().to_lowercase().contains("upload"), "{body}");
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let form = reqwest::multipart::Form::new()
        .text("upload_id", upload_id(&url).to_string())
        .text("targets", targets.to_string())
        .part(
            "video",
            reqwest::multipart::Part::bytes(bytes[..1000].to_vec()).file_name("v.mp4"),
        );
    let res = app
        .client
        .post(app.url("/api/posts"))
        .header("X-CSRF-Token", &csrf)
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body.to_string().contains("not both"), "{body}");
}

/// Until tus has recorded at least `end` bytes of the upload (it records at checkpoints while
/// a PATCH is open); what it recorded.
async fn recorded(app: &TestApp, url: &str, end: usize) -> usize {
    let id = upload_id(url);
    let reached = async {
        loop {
            let changed = app.tus.changes().notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Ok(u) = app.tus.get(id).await
                && u.received as usize >= end
            {
                return u.received as usize;
            }
            changed.await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), reached)
        .await
        .expect("tus never recorded the bytes")
}

#[tokio::test]
async fn a_target_waiting_for_the_phone_sends_again_as_soon_as_the_next_part_starts_arriving() {
    let (app, csrf) = app_with_account(&[]).await;
    let open_id = app.open_id("alice").await;
    let (_dir, bytes) = video_of(LARGE);
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let (p30, p70) = (bytes.len() * 3 / 10, bytes.len() * 7 / 10);
    send_part(&app, &csrf, &url, &bytes, 0, p30).await;
    let targets = json!([tiktok_target(
        &open_id,
        json!({"title": "Phone in a tunnel", "privacy_level": "SELF_ONLY"})
    )]);
    posted_upload(&app, &csrf, &url, targets).await;
    app.run_until_idle().await;
    assert_eq!(at_tiktok(&app).await.0, whole(p30, TIKTOK_CHUNK));
    assert!(!app.step().await, "the target waits for the phone");

    // The phone's next PATCH begins; while it is still arriving, tus records its first
    // checkpoint (16 MiB into the PATCH).
    let (tx, body) = open_body();
    let phone = send(&app, &csrf, &url, p30, body);
    let feed = async {
        let fed = p30 + 17 * 1024 * 1024;
        tx.send(bytes::Bytes::copy_from_slice(&bytes[p30..fed]))
            .await
            .expect("feed");
        let midway = recorded(&app, &url, p30 + 16 * 1024 * 1024).await;
        let sending = app.step();
        let watch = async {
            let tx = tx;
            // TikTok gets what arrived while the PATCH is still open, not when it ends.
            at_tiktok_reaches(
                &app,
                whole(midway, TIKTOK_CHUNK),
                Duration::from_secs(60),
                "TikTok never got the bytes that arrived",
            )
            .await;
            tx.send(bytes::Bytes::copy_from_slice(&bytes[fed..p70]))
                .await
                .expect("feed");
        };
        let (stepped, ()) = tokio::join!(sending, watch);
        assert!(stepped, "the PATCH took the waiting target up");
    };
    let (status, ()) = tokio::join!(phone, feed);
    assert_eq!(status, 204);
    app.run_until_idle().await;
    assert_eq!(at_tiktok(&app).await.0, whole(p70, TIKTOK_CHUNK));
}

#[tokio::test]
async fn a_post_made_during_the_upload_starts_at_tiktok_at_once_with_the_worker_running() {
    let (app, csrf) = live_app_with_account(&[]).await;
    let open_id = app.open_id("alice").await;
    let (_dir, bytes) = video_of(LARGE);
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let p30 = bytes.len() * 3 / 10;
    send_part(&app, &csrf, &url, &bytes, 0, p30).await;
    let targets = json!([tiktok_target(
        &open_id,
        json!({"title": "Straight away", "privacy_level": "SELF_ONLY"})
    )]);
    posted_upload(&app, &csrf, &url, targets).await;
    // Nothing else happens: no PATCH ends, nobody steps the worker. The worker, asleep for up
    // to 30 s when idle, must be woken by the post itself.
    at_tiktok_reaches(
        &app,
        1,
        Duration::from_secs(10),
        "TikTok got nothing until the worker's idle wait ended",
    )
    .await;
    at_tiktok_reaches(
        &app,
        whole(p30, TIKTOK_CHUNK),
        Duration::from_secs(60),
        "TikTok never got the bytes that arrived",
    )
    .await;
}

#[tokio::test]
async fn a_browser_upload_whose_metadata_claims_to_be_a_scripts_body_still_resumes_after_a_restart()
{
    let (app, csrf) = same_address_after_restart().await;
    let (_dir, bytes) = video_bytes();
    // `source api` was once how Cast marked a script's body; a client saying it changes nothing.
    let url = start_upload_with(
        &app,
        &csrf,
        bytes.len(),
        "filename dmlkZW8ubXA0,filetype dmlkZW8vbXA0,source YXBp",
    )
    .await;
    let part = bytes.len() / 2;
    send_part(&app, &csrf, &url, &bytes, 0, part).await;
    let id = publish(&app, &csrf, &url).await;
    let app = app.restart().await;
    app.run_until_idle().await;
    resume(&app, &csrf, &url, &bytes).await;
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    assert_eq!(
        published(&sandbox_posts(&app).await)[0]["sha256"],
        sha(&bytes)
    );
}
