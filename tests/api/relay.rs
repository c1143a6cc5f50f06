//! Publish while it uploads: the owner presses Publish while the phone is still sending the
//! video; the post is accepted at once and nothing reaches a platform before the video, whole,
//! has passed its check.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::posts::*;
use crate::helpers::{TestApp, location};

const HOUR: Duration = Duration::from_secs(3600);
const SIZE: u64 = 1_500_000;

fn video_bytes() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = padded_mp4(dir.path(), SIZE);
    let bytes = std::fs::read(&path).expect("read");
    (dir, bytes)
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Starts a browser upload of `length` bytes; its URL.
async fn start_upload(app: &TestApp, csrf: &str, length: usize) -> String {
    let res = app
        .client
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            "filename dmlkZW8ubXA0,filetype dmlkZW8vbXA0",
        )
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    location(&res)
}

async fn send(app: &TestApp, csrf: &str, url: &str, offset: usize, body: reqwest::Body) -> u16 {
    app.client
        .patch(app.url(url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn offset_of(app: &TestApp, url: &str) -> usize {
    let res = app
        .client
        .head(app.url(url))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    res.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Upload-Offset")
}

/// Sends the rest of the upload from where Cast says it stands, as tus-js-client does after a
/// cut: asks for the offset, then sends from there (again while Cast still finishes the cut one).
async fn resume(app: &TestApp, csrf: &str, url: &str, bytes: &[u8]) {
    for _ in 0..50 {
        let at = offset_of(app, url).await;
        let body = reqwest::Body::from(bytes[at..].to_vec());
        if send(app, csrf, url, at, body).await == 204 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the upload never resumed");
}

/// Presses Publish on the posting screen for the upload at `url`; the post's id.
async fn publish(app: &TestApp, csrf: &str, url: &str) -> String {
    let upload_id = url.rsplit('/').next().expect("id");
    let account = format!("tiktok:{}", app.open_id("alice").await);
    let form = [
        ("csrf_token", csrf),
        ("upload_id", upload_id),
        ("title", "Sent while uploading"),
        ("when", "now"),
        ("target", "0"),
        ("account_0", account.as_str()),
        ("t0_privacy_level", "SELF_ONLY"),
        ("t0_mode", "direct"),
    ];
    let res = app.post_form("/post", &form).await;
    assert_eq!(res.status().as_u16(), 200, "accepted while uploading");
    let to = res
        .headers()
        .get("HX-Redirect")
        .and_then(|v| v.to_str().ok())
        .expect("redirect to the post")
        .to_string();
    to.trim_start_matches("/posts/").to_string()
}

/// Nothing at TikTok while the video is not whole: the worker has nothing to do for the post.
async fn assert_waits(app: &TestApp, id: &str) {
    app.run_until_idle().await;
    let j = job(app, id).await;
    assert_eq!(j["state"], "queued", "waits for the upload: {j}");
    assert!(sandbox_posts(app).await.is_empty(), "nothing at TikTok yet");
}

fn published(posts: &[Value]) -> Vec<&Value> {
    posts
        .iter()
        .filter(|p| p["status"] == "PUBLISH_COMPLETE")
        .collect()
}

#[tokio::test]
async fn a_post_submitted_at_30_percent_of_its_upload_is_published_with_identical_bytes() {
    let (app, csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() * 3 / 10;
    let first = reqwest::Body::from(bytes[..part].to_vec());
    assert_eq!(send(&app, &csrf, &url, 0, first).await, 204);
    let id = publish(&app, &csrf, &url).await;
    assert_waits(&app, &id).await;
    let rest = reqwest::Body::from(bytes[part..].to_vec());
    assert_eq!(send(&app, &csrf, &url, part, rest).await, 204);
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    let posts = sandbox_posts(&app).await;
    let done = published(&posts);
    assert_eq!(done.len(), 1, "{posts:?}");
    assert_eq!(done[0]["sha256"], sha(&bytes), "TikTok got the very bytes");
}

#[tokio::test]
async fn a_video_whose_index_at_the_end_fails_the_check_is_never_published_anywhere() {
    let (app, csrf) = app_with_account(&[]).await;
    // MPEG-4 Part 2 with its index at the end: only the last bytes tell it is not H.264.
    let bytes = std::fs::read(fixture("wrong_codec.mp4")).expect("fixture");
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() / 3;
    let first = reqwest::Body::from(bytes[..part].to_vec());
    assert_eq!(send(&app, &csrf, &url, 0, first).await, 204);
    let id = publish(&app, &csrf, &url).await;
    assert_waits(&app, &id).await;
    let rest = reqwest::Body::from(bytes[part..].to_vec());
    assert_eq!(send(&app, &csrf, &url, part, rest).await, 204);
    app.run_until_idle().await;
    let j = job(&app, &id).await;
    assert_eq!(j["state"], "failed", "{j}");
    let said = j.to_string();
    assert!(said.contains("Nothing was posted"), "says so: {j}");
    assert!(
        sandbox_posts(&app).await.is_empty(),
        "nothing reached TikTok"
    );
    app.advance(HOUR);
    app.run_until_idle().await;
    assert_eq!(job(&app, &id).await["state"], "failed", "and stays so");
    assert!(
        sandbox_posts(&app).await.is_empty(),
        "still nothing at TikTok"
    );
}

#[tokio::test]
async fn a_cut_phone_connection_in_the_middle_resumes_and_publishes_once() {
    let (app, csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() / 5;
    let first = reqwest::Body::from(bytes[..part].to_vec());
    assert_eq!(send(&app, &csrf, &url, 0, first).await, 204);
    let id = publish(&app, &csrf, &url).await;
    // The phone loses its connection halfway through the next PATCH.
    let half = bytes[part..bytes.len() / 2].to_vec();
    let cut = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from(half)),
        Err(std::io::Error::other("the phone lost its signal")),
    ]);
    send(&app, &csrf, &url, part, reqwest::Body::wrap_stream(cut)).await;
    assert_waits(&app, &id).await;
    resume(&app, &csrf, &url, &bytes).await;
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "one upload at TikTok: {posts:?}");
    assert_eq!(published(&posts)[0]["sha256"], sha(&bytes));
}

#[tokio::test]
async fn cast_killed_mid_relay_resumes_both_sides_and_publishes_once() {
    let (app, csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() * 2 / 5;
    let first = reqwest::Body::from(bytes[..part].to_vec());
    assert_eq!(send(&app, &csrf, &url, 0, first).await, 204);
    let id = publish(&app, &csrf, &url).await;
    assert_waits(&app, &id).await;
    let app = app.restart().await;
    assert_waits(&app, &id).await;
    resume(&app, &csrf, &url, &bytes).await;
    let j = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(j["state"], "published", "{j}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "one upload at TikTok: {posts:?}");
    assert_eq!(published(&posts)[0]["sha256"], sha(&bytes));
}

#[tokio::test]
async fn an_upload_that_ended_while_cast_was_down_is_checked_at_start_and_published() {
    let (app, csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video_bytes();
    let url = start_upload(&app, &csrf, bytes.len()).await;
    let part = bytes.len() / 2;
    let first = reqwest::Body::from(bytes[..part].to_vec());
    assert_eq!(send(&app, &csrf, &url, 0, first).await, 204);
    let id = publish(&app, &csrf, &url).await;
    // The check that the last PATCH starts is lost with the process: the post is left pending
    // exactly as a kill between the last bytes and the check leaves it.
    sqlx::query("UPDATE posts SET check_state = 'checking' WHERE id = ?")
        .bind(&id)
        .execute(&app.db)
        .await
        .expect("a check in flight");
    let rest = reqwest::Body::from(bytes[part..].to_vec());
    assert_eq!(send(&app, &csrf, &url, part, rest).await, 204);
    assert_waits(&app, &id).await;
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
