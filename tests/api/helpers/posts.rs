//! Posting videos through Cast's API as a script would, and stepping the worker until the
//! targets reach TikTok (the sandbox), moving the app's clock instead of waiting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::helpers::{TestApp, spawn_app_with, spawn_live_app_with};

const BOUNDARY: &str = "cast-test-boundary-5f1c2a";

/// Cast (manual clock and worker) with the owner logged in and sandbox creator `alice`
/// connected; returns the CSRF token.
pub async fn app_with_account(settings: &[(&str, &str)]) -> (TestApp, String) {
    let app = spawn_app_with(settings).await;
    let csrf = app.logged_in().await;
    let res = app.connect_account("alice").await;
    assert_eq!(res.status().as_u16(), 303, "connect");
    (app, csrf)
}

/// Cast (manual clock and worker) with the owner logged in and two sandbox creators connected,
/// `alice` and `bob`; returns the CSRF token and their open_ids, in that order.
pub async fn app_with_two_accounts(settings: &[(&str, &str)]) -> (TestApp, String, [String; 2]) {
    let (app, csrf) = app_with_account(settings).await;
    let res = app.connect_account("bob").await;
    assert_eq!(res.status().as_u16(), 303, "connect a second account");
    let ids = [app.open_id("alice").await, app.open_id("bob").await];
    (app, csrf, ids)
}

/// The same with the real worker on the real clock.
pub async fn live_app_with_account(settings: &[(&str, &str)]) -> (TestApp, String) {
    let app = spawn_live_app_with(settings).await;
    let csrf = app.logged_in().await;
    let res = app.connect_account("alice").await;
    assert_eq!(res.status().as_u16(), 303, "connect");
    (app, csrf)
}

/// Steps a manual app's worker until job `id` is in one of `states`, moving the clock to the
/// next due job whenever nothing is due now. Panics (with the job) if the queue runs dry or
/// more than `within` of app time passes first.
pub async fn step_until(app: &TestApp, id: &str, states: &[&str], within: Duration) -> Value {
    step_until_with(app, id, |j| states.iter().any(|s| j["state"] == *s), within).await
}

/// `step_until` for any condition on the job (e.g. a published post's link arriving).
pub async fn step_until_with(
    app: &TestApp,
    id: &str,
    done: impl Fn(&Value) -> bool,
    within: Duration,
) -> Value {
    let deadline = app.clock.now_ms() + within.as_millis() as i64;
    for _ in 0..20_000 {
        let j = job(app, id).await;
        if done(&j) {
            return j;
        }
        if app.step().await {
            continue;
        }
        let now = app.clock.now_ms();
        let next = app
            .posts
            .next_due()
            .await
            .expect("next due")
            .unwrap_or_else(|| panic!("the queue is idle before {id} got there: {j}"));
        // Due now but leased, or due within the second: let a second pass.
        let to = (next * 1000).max(now + 1000);
        assert!(
            to <= deadline,
            "{id} did not get there within {within:?} of app time: {j}"
        );
        app.clock.set_ms(to);
        // Background work of the sandbox (its media check) runs in real time meanwhile.
        tokio::task::yield_now().await;
    }
    panic!("{id} never got there");
}

/// Steps until nothing is due within `within` of app time; returns how much app time passed.
pub async fn run_until_idle(app: &TestApp, within: Duration) -> Duration {
    let start = app.clock.now_ms();
    let deadline = start + within.as_millis() as i64;
    for _ in 0..20_000 {
        if app.step().await {
            continue;
        }
        if app.clock.now_ms() >= deadline {
            break;
        }
        match app.posts.next_due().await.expect("next due") {
            Some(next) if next * 1000 <= deadline => {
                let to = (next * 1000).max(app.clock.now_ms() + 1000);
                app.clock.set_ms(to.min(deadline));
                tokio::task::yield_now().await;
            }
            _ => break,
        }
    }
    Duration::from_millis((app.clock.now_ms() - start).max(0) as u64)
}

pub use crate::helpers::free_port;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A valid MP4 of `total` bytes: `ok.mp4` followed by a `free` box. Nothing moves, so the index's
/// offsets stay right and the sandbox accepts it, while the size forces several chunks.
pub fn padded_mp4(dir: &Path, total: u64) -> PathBuf {
    let mut bytes = std::fs::read(fixture("ok.mp4")).expect("ok.mp4");
    let pad = total - bytes.len() as u64;
    bytes.extend_from_slice(&(pad as u32).to_be_bytes());
    bytes.extend_from_slice(b"free");
    let path = dir.join(format!("padded-{total}.mp4"));
    std::fs::write(&path, &bytes).expect("write");
    // The rest is zeros: a sparse extension costs no disk writes.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    f.set_len(total).expect("extend");
    path
}

pub fn sha256_file(path: &Path) -> String {
    let mut file = std::fs::File::open(path).expect("open");
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).expect("hash");
    hex::encode(hasher.finalize())
}

/// Posts `video` with `fields` as multipart/form-data, streaming the file (never all in memory).
pub async fn upload_with(
    app: &TestApp,
    csrf: &str,
    video: &Path,
    fields: &[(&str, &str)],
    idempotency_key: Option<&str>,
) -> reqwest::Response {
    let head = form_head(BOUNDARY, fields, "video.mp4");
    let tail = form_tail(BOUNDARY);
    let file = tokio::fs::File::open(video).await.expect("video");
    let size = file.metadata().await.expect("size").len();
    let length = head.len() as u64 + size + tail.len() as u64;
    let body = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(tokio_util::io::ReaderStream::with_capacity(
            file,
            256 * 1024,
        ))
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ));
    multipart_request(
        app,
        "/api/tiktok/upload-video",
        csrf,
        BOUNDARY,
        idempotency_key,
    )
    .header("Content-Length", length)
    .body(reqwest::Body::wrap_stream(body))
    .send()
    .await
    .expect("upload request")
}

pub async fn upload(
    app: &TestApp,
    csrf: &str,
    video: &Path,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    upload_with(app, csrf, video, fields, None).await
}

/// Uploads and expects 202; returns the job.
pub async fn accepted(app: &TestApp, csrf: &str, video: &Path, fields: &[(&str, &str)]) -> Value {
    let res = upload(app, csrf, video, fields).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 202, "{body}");
    body["upload"].clone()
}

/// Uploads and expects 422; returns the problems' codes.
pub async fn refused(
    app: &TestApp,
    csrf: &str,
    video: &Path,
    fields: &[(&str, &str)],
) -> Vec<String> {
    let res = upload(app, csrf, video, fields).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().expect("code").to_string())
        .collect()
}

pub async fn job(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    body["upload"].clone()
}

/// For the live worker only (a test of the real worker on the real clock): waits, polling the
/// API, until the job is in one of `states`; panics with the job after `secs`.
pub async fn wait_for(app: &TestApp, id: &str, states: &[&str], secs: u64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let j = job(app, id).await;
        if states.iter().any(|s| j["state"] == *s) {
            return j;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "upload never reached {states:?}: {j}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the sandbox received, newest last.
pub async fn sandbox_posts(app: &TestApp) -> Vec<Value> {
    let res = app.get("/sandbox/tiktok/_/posts").await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

pub async fn post_json(app: &TestApp, csrf: &str, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .expect("request")
}

/// The files in the spool folder (what Cast keeps on disk).
pub fn spool_files(app: &TestApp) -> Vec<String> {
    match std::fs::read_dir(app.data_path().join("spool")) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Posts `video` to `targets` through `POST /api/posts` (multipart, the file read whole: for
/// the small fixtures), with `publish_at` and an `Idempotency-Key` when given.
pub async fn post_video(
    app: &TestApp,
    csrf: &str,
    video: &Path,
    targets: Value,
    publish_at: Option<&str>,
    idempotency_key: Option<&str>,
) -> reqwest::Response {
    let mut fields = vec![("targets", targets.to_string())];
    if let Some(at) = publish_at {
        fields.push(("publish_at", at.to_string()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let head = form_head(BOUNDARY, &fields, "video.mp4");
    let tail = form_tail(BOUNDARY);
    let bytes = std::fs::read(video).expect("video");
    let mut body = head.into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(tail.as_bytes());
    multipart_request(app, "/api/posts", csrf, BOUNDARY, idempotency_key)
        .body(body)
        .send()
        .await
        .expect("post request")
}

/// A multipart form's text `fields`, then the head of its `video` part (`filename`, MP4).
pub fn form_head(boundary: &str, fields: &[(&str, &str)], filename: &str) -> String {
    let mut head = String::new();
    for (name, value) in fields {
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    head.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"{filename}\"\r\nContent-Type: video/mp4\r\n\r\n"
    ));
    head
}

/// What ends the `video` part and the form.
pub fn form_tail(boundary: &str) -> String {
    format!("\r\n--{boundary}--\r\n")
}

/// A multipart POST to `path` as the logged-in owner, with an `Idempotency-Key` when given.
pub fn multipart_request(
    app: &TestApp,
    path: &str,
    csrf: &str,
    boundary: &str,
    idempotency_key: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = app
        .client
        .post(app.url(path))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("X-CSRF-Token", csrf);
    match idempotency_key {
        Some(key) => req.header("Idempotency-Key", key),
        None => req,
    }
}

/// Posts and expects 202; returns the post.
pub async fn posted(app: &TestApp, csrf: &str, video: &Path, targets: Value) -> Value {
    let res = post_video(app, csrf, video, targets, None, None).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 202, "{body}");
    body["post"].clone()
}

/// `GET /api/posts/{id}`.
pub async fn post_of(app: &TestApp, id: &str) -> Value {
    let res = app.get(&format!("/api/posts/{id}")).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    body["post"].clone()
}

/// A TikTok target for `POST /api/posts`.
pub fn tiktok_target(open_id: &str, options: Value) -> Value {
    let mut t = serde_json::json!({"platform": "tiktok", "account": open_id});
    if let (Some(t), Some(o)) = (t.as_object_mut(), options.as_object()) {
        t.extend(o.clone());
    }
    t
}

/// Steps the worker (moving the clock to the next due target whenever nothing is due now)
/// until every target of the post is final and no link is awaited; returns the post.
pub async fn step_until_settled(app: &TestApp, id: &str, within: Duration) -> Value {
    let deadline = app.clock.now_ms() + within.as_millis() as i64;
    for _ in 0..20_000 {
        let p = post_of(app, id).await;
        let settled = p["targets"].as_array().is_some_and(|ts| {
            ts.iter().all(|t| {
                ["published", "in_inbox", "failed", "cancelled"]
                    .contains(&t["state"].as_str().unwrap_or(""))
                    && t["awaiting_link"] != true
            })
        });
        if settled {
            return p;
        }
        if app.step().await {
            continue;
        }
        let now = app.clock.now_ms();
        let next = app
            .posts
            .next_due()
            .await
            .expect("next due")
            .unwrap_or_else(|| panic!("the queue is idle before {id} settled: {p}"));
        let to = (next * 1000).max(now + 1000);
        assert!(
            to <= deadline,
            "{id} did not settle within {within:?} of app time: {p}"
        );
        app.clock.set_ms(to);
        tokio::task::yield_now().await;
    }
    panic!("{id} never settled");
}

/// `POST /api/posts` as a script posts photos: one `image` part per image, in order.
pub async fn post_images(
    app: &TestApp,
    csrf: &str,
    images: &[Vec<u8>],
    targets: Value,
) -> reqwest::Response {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"targets\"\r\n\r\n{targets}\r\n"
    )
    .into_bytes();
    for (i, image) in images.iter().enumerate() {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo-{i}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(image);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    app.client
        .post(app.url("/api/posts"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("X-CSRF-Token", csrf)
        .body(body)
        .send()
        .await
        .expect("post request")
}
