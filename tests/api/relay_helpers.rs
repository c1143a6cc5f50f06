//! The phone's side of a relay: a browser (tus) upload sent piece by piece, Publish pressed (or
//! `POST /api/posts` with `upload_id`) while it still arrives, and what each sandbox holds.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::posts::sandbox_posts;
use crate::helpers::{TestApp, location};

pub fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Starts a browser upload of `length` bytes; its URL.
pub async fn start_upload(app: &TestApp, csrf: &str, length: usize) -> String {
    start_upload_with(
        app,
        csrf,
        length,
        "filename dmlkZW8ubXA0,filetype dmlkZW8vbXA0",
    )
    .await
}

/// The same, with the client's own `Upload-Metadata`.
pub async fn start_upload_with(app: &TestApp, csrf: &str, length: usize, metadata: &str) -> String {
    let res = app
        .client
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Upload-Length", length.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    location(&res)
}

pub fn upload_id(url: &str) -> &str {
    url.rsplit('/').next().expect("id")
}

/// One PATCH; its status (0 when the connection broke).
pub async fn send(app: &TestApp, csrf: &str, url: &str, offset: usize, body: reqwest::Body) -> u16 {
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

/// Sends `bytes[from..to]` in one PATCH, which must be stored whole.
pub async fn send_part(app: &TestApp, csrf: &str, url: &str, bytes: &[u8], from: usize, to: usize) {
    let body = reqwest::Body::from(bytes[from..to].to_vec());
    assert_eq!(
        send(app, csrf, url, from, body).await,
        204,
        "PATCH {from}..{to}"
    );
}

/// Sends `bytes` to Cast over tus as the posting screen does, whole; returns the upload's id.
pub async fn tus_upload(app: &TestApp, csrf: &str, bytes: &[u8]) -> String {
    let url = start_upload(app, csrf, bytes.len()).await;
    send_part(app, csrf, &url, bytes, 0, bytes.len()).await;
    upload_id(&url).to_string()
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

/// Until Cast has let go of the cut PATCH (it notices the broken connection on its own time).
async fn writer_released(app: &TestApp, url: &str) {
    let id = upload_id(url);
    let released = async {
        loop {
            let changed = app.tus.changes().notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if !app.tus.is_writing(id) {
                return;
            }
            changed.await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), released)
        .await
        .expect("Cast never let go of the cut upload");
}

/// Sends the rest of the upload from where Cast says it stands, as tus-js-client does after a
/// cut: once Cast let go of the cut PATCH, asks for the offset, then sends from there.
pub async fn resume(app: &TestApp, csrf: &str, url: &str, bytes: &[u8]) {
    writer_released(app, url).await;
    let at = offset_of(app, url).await;
    send_part(app, csrf, url, bytes, at, bytes.len()).await;
}

/// Presses Publish on the posting screen (TikTok, `alice`) for the upload at `url`; the post's id.
pub async fn publish(app: &TestApp, csrf: &str, url: &str) -> String {
    let account = format!("tiktok:{}", app.open_id("alice").await);
    let form = [
        ("csrf_token", csrf),
        ("upload_id", upload_id(url)),
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

/// `POST /api/posts` naming the browser upload at `url` instead of attaching a video.
pub async fn post_upload(
    app: &TestApp,
    csrf: &str,
    url: &str,
    targets: Value,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("upload_id", upload_id(url).to_string())
        .text("targets", targets.to_string());
    app.client
        .post(app.url("/api/posts"))
        .header("X-CSRF-Token", csrf)
        .multipart(form)
        .send()
        .await
        .expect("post request")
}

/// `post_upload` expecting 202; the post.
pub async fn posted_upload(app: &TestApp, csrf: &str, url: &str, targets: Value) -> Value {
    let res = post_upload(app, csrf, url, targets).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 202, "{body}");
    body["post"].clone()
}

/// `wrong_codec.mp4` (MPEG-4 Part 2, its index after the media) with `pad` bytes of `free`
/// before the index: only the file's last bytes tell that it is not H.264.
pub fn index_at_end(pad: usize) -> Vec<u8> {
    let bytes = std::fs::read(crate::helpers::posts::fixture("wrong_codec.mp4")).expect("fixture");
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("size")) as usize;
        if &bytes[at + 4..at + 8] == b"moov" {
            break;
        }
        at += size.max(8);
    }
    assert!(at < bytes.len(), "the fixture has its index at the end");
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(&((pad + 8) as u32).to_be_bytes());
    out.extend_from_slice(b"free");
    out.resize(out.len() + pad, 0);
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The TikTok sandbox's publishes that completed.
pub fn published(posts: &[Value]) -> Vec<&Value> {
    posts
        .iter()
        .filter(|p| p["status"] == "PUBLISH_COMPLETE")
        .collect()
}

/// A request body fed piece by piece through the sender; it ends when the sender is dropped.
pub fn open_body() -> (tokio::sync::mpsc::Sender<bytes::Bytes>, reqwest::Body) {
    let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(4);
    let parts = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    });
    (tx, reqwest::Body::wrap_stream(parts))
}

/// Until TikTok's sandbox holds at least `end` bytes of the one upload (no upload yet counts as
/// none), within `limit`. The listing is read again each time the sandbox stores a chunk.
pub async fn at_tiktok_reaches(app: &TestApp, end: u64, limit: Duration, why: &str) {
    let sandbox = app.tiktok_sandbox.as_ref().expect("TikTok's sandbox");
    let mut stored = sandbox.chunk_changes();
    let reached = async {
        loop {
            let posts = sandbox_posts(app).await;
            assert!(posts.len() <= 1, "one upload at TikTok: {posts:?}");
            if posts.first().and_then(|p| p["size"].as_u64()).unwrap_or(0) >= end {
                return;
            }
            stored.changed().await.expect("the sandbox is running");
        }
    };
    if tokio::time::timeout(limit, reached).await.is_err() {
        panic!("{why}");
    }
}
