//! A script's multipart `POST /api/posts` relayed while its body arrives: with `targets` and
//! `video_size` sent before the `video` part, the post is accepted as the video begins and TikTok
//! gets the bytes while the request is still open. A body that does not match `video_size`, or
//! that is cut off, fails the post at once with nothing posted, and frees its Idempotency-Key.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::posts::*;
use crate::relay_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);
/// Over 64 MB, so TikTok takes it in 5 MiB chunks and the relay can be seen sending early.
const LARGE: u64 = 70_000_000;
const TIKTOK_CHUNK: u64 = 5_242_880;
const BOUNDARY: &str = "cast-relay-boundary-81d3";

fn video() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = padded_mp4(dir.path(), LARGE);
    let bytes = std::fs::read(&path).expect("read");
    (dir, bytes)
}

async fn alice(app: &TestApp) -> Value {
    let open_id = app.open_id("alice").await;
    json!([tiktok_target(
        &open_id,
        json!({"title": "From a script", "privacy_level": "SELF_ONLY"})
    )])
}

/// The form's fields, then the head of its `video` part: what a script sends first.
fn head(targets: &Value, video_size: usize) -> bytes::Bytes {
    let (targets, size) = (targets.to_string(), video_size.to_string());
    let fields = [("targets", targets.as_str()), ("video_size", size.as_str())];
    bytes::Bytes::from(form_head(BOUNDARY, &fields, "clip.mp4"))
}

fn tail() -> bytes::Bytes {
    bytes::Bytes::from(form_tail(BOUNDARY))
}

/// `POST /api/posts` with `body`; its status and JSON (Null when the connection broke).
async fn post(app: &TestApp, csrf: &str, key: &str, body: reqwest::Body) -> (u16, Value) {
    let sent = multipart_request(app, "/api/posts", csrf, BOUNDARY, Some(key))
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// The whole body at once.
fn whole_body(targets: &Value, video_size: usize, bytes: &[u8]) -> reqwest::Body {
    let mut body = head(targets, video_size).to_vec();
    body.extend_from_slice(bytes);
    body.extend_from_slice(&tail());
    reqwest::Body::from(body)
}

async fn the_posts(app: &TestApp) -> Vec<Value> {
    let listed: Value = app.get("/api/posts").await.json().await.expect("json");
    listed["posts"].as_array().cloned().unwrap_or_default()
}

/// What a script sends before the test decides how its body goes on.
const EARLY: usize = 20 * 1024 * 1024;

/// Sends the form's head and the video's first `EARLY` bytes, then waits (the request still
/// open) until TikTok holds whole chunks of them.
async fn sent_until_tiktok_has_some(
    app: &TestApp,
    tx: &tokio::sync::mpsc::Sender<bytes::Bytes>,
    targets: &Value,
    bytes: &[u8],
) {
    tx.send(head(targets, bytes.len())).await.expect("head");
    tx.send(bytes::Bytes::copy_from_slice(&bytes[..EARLY]))
        .await
        .expect("first part");
    at_tiktok_reaches(
        app,
        TIKTOK_CHUNK,
        Duration::from_secs(15),
        "TikTok got nothing while the request's body was still arriving",
    )
    .await;
}

/// Steps the worker until `done` says the body has ended: a step sending a body that is still
/// open waits for its bytes, so it runs beside the request rather than between its parts.
async fn stepping(app: &TestApp, done: &std::sync::atomic::AtomicBool) {
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        app.step().await;
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_script_that_sends_video_size_first_has_tiktok_receiving_before_its_body_ends() {
    let (app, csrf) = app_with_account(&[]).await;
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    let (tx, body) = open_body();
    let request = post(&app, &csrf, "script-relay-1", body);
    let done = std::sync::atomic::AtomicBool::new(false);
    let feed = async {
        sent_until_tiktok_has_some(&app, &tx, &targets, &bytes).await;
        // The request is still open: the post exists and TikTok already has whole chunks.
        let listed = the_posts(&app).await;
        assert_eq!(listed.len(), 1, "accepted as the video began: {listed:?}");
        assert_eq!(listed[0]["video"]["check"], "pending", "{}", listed[0]);
        tx.send(bytes::Bytes::copy_from_slice(&bytes[EARLY..]))
            .await
            .expect("the rest");
        tx.send(tail()).await.expect("tail");
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let ((status, answer), (), ()) = tokio::join!(request, feed, stepping(&app, &done));
    assert_eq!(status, 202, "{answer}");
    let id = answer["post"]["id"].as_str().expect("id").to_string();
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(at_tiktok.len(), 1, "{at_tiktok:?}");
    assert_eq!(at_tiktok[0]["sha256"], sha(&bytes), "the same bytes");
    assert_eq!(done["video"]["sha256"], sha(&bytes));
}

#[tokio::test]
async fn a_body_shorter_than_its_video_size_fails_the_post_and_sending_again_makes_a_new_one() {
    let (app, csrf) = app_with_account(&[]).await;
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    let body = whole_body(&targets, bytes.len() + 1000, &bytes);
    let (status, answer) = post(&app, &csrf, "script-relay-2", body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "video_cut", "{answer}");
    let said = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        said.contains("video_size") && said.contains(&bytes.len().to_string()),
        "{said}"
    );
    app.run_until_idle().await;
    let listed = the_posts(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let failed = &listed[0]["targets"][0];
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Nothing was posted"),
        "{failed}"
    );
    assert!(published(&sandbox_posts(&app).await).is_empty());

    // The same request again, with the right size: a new post, published once.
    let body = whole_body(&targets, bytes.len(), &bytes);
    let (status, answer) = post(&app, &csrf, "script-relay-2", body).await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["post"]["id"].as_str().expect("id").to_string();
    assert_ne!(id, listed[0]["id"].as_str().unwrap_or_default());
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let at_tiktok = published(&sandbox_posts(&app).await).len();
    assert_eq!(at_tiktok, 1, "published once");
}

#[tokio::test]
async fn a_script_cut_off_mid_video_fails_its_post_at_once_with_nothing_posted() {
    let (app, csrf) = app_with_account(&[]).await;
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    let (tx, body) = open_body();
    let request = post(&app, &csrf, "script-relay-3", body);
    let feed = async {
        sent_until_tiktok_has_some(&app, &tx, &targets, &bytes).await;
        // The script dies: its body breaks off before the video's end.
        drop(tx);
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let feed = async {
        feed.await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (_cut, (), ()) = tokio::join!(request, feed, stepping(&app, &done));
    app.run_until_idle().await;
    let listed = the_posts(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let t = &listed[0]["targets"][0];
    assert_eq!(t["state"], "failed", "{t}");
    let said = t["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("send the request again"), "{said}");
    assert!(said.contains("cut off"), "{said}");
    assert!(published(&sandbox_posts(&app).await).is_empty());
    assert!(
        spool_files(&app).is_empty(),
        "nothing kept: {:?}",
        spool_files(&app)
    );
}

#[tokio::test]
async fn a_script_body_arriving_when_cast_stops_fails_its_post_at_the_next_start() {
    let listen = format!("127.0.0.1:{}", crate::helpers::free_port());
    let (app, csrf) = app_with_account(&[("LISTEN", listen.as_str())]).await;
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    let (tx, body) = open_body();
    let request = multipart_request(&app, "/api/posts", &csrf, BOUNDARY, None)
        .body(body)
        .send();
    let request = tokio::spawn(request);
    tx.send(head(&targets, bytes.len())).await.expect("head");
    tx.send(bytes::Bytes::copy_from_slice(&bytes[..EARLY]))
        .await
        .expect("first part");
    let accepted = async {
        while the_posts(&app).await.is_empty() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), accepted)
        .await
        .expect("the post was accepted as its video began");

    // Cast stops with the script's body still open (the script is still there, `tx` alive).
    let app = app.restart().await;
    drop(tx);
    let _ = request.await;
    let listed = the_posts(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let t = &listed[0]["targets"][0];
    assert_eq!(t["state"], "failed", "{t}");
    let said = t["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("Cast stopped"), "{said}");
    app.run_until_idle().await;
    assert!(published(&sandbox_posts(&app).await).is_empty());
}

/// Until the post listed first has its first target in `state`, within 15 s.
async fn listed_until(app: &TestApp, state: &str) -> Value {
    let reached = async {
        loop {
            let listed = the_posts(app).await;
            if let Some(post) = listed.first()
                && post["targets"][0]["state"] == state
            {
                return post.clone();
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(15), reached)
        .await
        .unwrap_or_else(|_| panic!("the post never became {state}"))
}

#[tokio::test]
async fn a_script_whose_connection_is_reset_mid_video_fails_its_post_and_frees_its_key() {
    use tokio::io::AsyncWriteExt as _;
    let (app, csrf) = app_with_account(&[]).await;
    let token = app.api_token("script");
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    let first = head(&targets, bytes.len());
    let length = first.len() + bytes.len() + tail().len();
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST /api/posts HTTP/1.1\r\nHost: cast\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: script-relay-reset\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n"
    );
    let done = std::sync::atomic::AtomicBool::new(false);
    let feed = async {
        conn.write_all(request.as_bytes()).await.expect("request");
        conn.write_all(&first).await.expect("head");
        conn.write_all(&bytes[..EARLY]).await.expect("first part");
        at_tiktok_reaches(
            &app,
            TIKTOK_CHUNK,
            Duration::from_secs(15),
            "TikTok got nothing while the request's body was still arriving",
        )
        .await;
        // The link dies hard: a reset, not a clean close.
        conn.set_zero_linger().expect("linger");
        drop(conn);
        let failed = listed_until(&app, "failed").await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        failed
    };
    let (failed, ()) = tokio::join!(feed, stepping(&app, &done));
    let said = failed["targets"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    // Said by the handler's guard: the handler itself never saw the body end.
    assert!(said.contains("The request broke off after"), "{said}");
    assert!(said.contains("send the request again"), "{said}");
    app.run_until_idle().await;
    assert!(published(&sandbox_posts(&app).await).is_empty());

    // Its key was let go: the same request again makes a new post, published once.
    let (status, answer) = post(
        &app,
        &csrf,
        "script-relay-reset",
        whole_body(&targets, bytes.len(), &bytes),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_ne!(answer["post"]["id"], failed["id"]);
    let id = answer["post"]["id"].as_str().expect("id").to_string();
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert_eq!(published(&sandbox_posts(&app).await).len(), 1);
}

/// A script body's upload of `bytes`, made as Cast makes one, and the post's request.
async fn arriving(
    app: &TestApp,
    targets: &Value,
    bytes: &[u8],
) -> (String, cast::posts::PostRequest) {
    let upload = app
        .tus
        .create(
            Some(&bytes.len().to_string()),
            Some("filename Y2xpcC5tcDQ=,filetype dmlkZW8vbXA0"),
        )
        .await
        .expect("upload");
    let request = cast::posts::PostRequest {
        targets: cast::posts::parse_targets(&targets.to_string()).expect("targets"),
        publish_at: None,
    };
    (upload.id, request)
}

/// A script body's post accepted as its video begins (nothing of it has arrived yet): its
/// upload and the post.
async fn accepted_early(app: &TestApp, bytes: &[u8], key: &str) -> (String, cast::posts::PostView) {
    let targets = alice(app).await;
    let (upload, request) = arriving(app, &targets, bytes).await;
    let (view, made) = app
        .posts
        .submit_arriving(&upload, &request, Some(key))
        .await
        .expect("post");
    assert!(made, "a new post");
    (upload, view)
}

#[tokio::test]
async fn two_requests_racing_with_one_idempotency_key_both_get_the_one_post() {
    let (app, _csrf) = app_with_account(&[]).await;
    let targets = alice(&app).await;
    let (_dir, bytes) = video();
    // Both requests passed the key's first look before either stored its post: each has its
    // own upload, and the second one's insert meets the first one's key.
    let (first_upload, request) = arriving(&app, &targets, &bytes).await;
    let (second_upload, _) = arriving(&app, &targets, &bytes).await;
    let (first, made) = app
        .posts
        .submit_arriving(&first_upload, &request, Some("script-race"))
        .await
        .expect("the first request's post");
    assert!(made);
    let (second, made) = app
        .posts
        .submit_arriving(&second_upload, &request, Some("script-race"))
        .await
        .expect("the second request is answered with the first one's post");
    assert!(!made, "no second post");
    assert_eq!(second.id, first.id);
    assert_eq!(the_posts(&app).await.len(), 1);
}

#[tokio::test]
async fn a_script_body_that_is_not_a_video_is_refused_and_sending_a_real_one_with_the_same_key_makes_a_post()
 {
    let (app, csrf) = app_with_account(&[]).await;
    let targets = alice(&app).await;
    let junk = vec![7u8; 3_000_000];
    let (status, answer) = post(
        &app,
        &csrf,
        "script-relay-junk",
        whole_body(&targets, junk.len(), &junk),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "video_refused", "{answer}");
    let said = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("Nothing was posted"), "{said}");
    app.run_until_idle().await;
    assert!(published(&sandbox_posts(&app).await).is_empty());

    let (_dir, bytes) = video();
    let (status, answer) = post(
        &app,
        &csrf,
        "script-relay-junk",
        whole_body(&targets, bytes.len(), &bytes),
    )
    .await;
    assert_eq!(status, 202, "the key was let go: {answer}");
    let id = answer["post"]["id"].as_str().expect("id").to_string();
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert_eq!(published(&sandbox_posts(&app).await).len(), 1);
}

#[tokio::test]
async fn a_body_that_breaks_off_after_its_whole_video_was_checked_still_publishes_once() {
    let (app, _csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video();
    let (upload, view) = accepted_early(&app, &bytes, "script-late-cut").await;
    let whole =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(bytes.clone()))]);
    app.tus.append(&upload, 0, whole).await.expect("every byte");
    // Housekeeping checks the whole upload before the request's handler hears the body break.
    app.posts.resume_checks().await.expect("checked");
    let failed = app
        .posts
        .arriving_cut(&upload, "The request was cut off after the video.")
        .await
        .expect("cut");
    assert!(!failed, "a checked video is not failed afterwards");
    let done = step_until_settled(&app, &view.id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let listing = sandbox_posts(&app).await;
    let at_tiktok = published(&listing);
    assert_eq!(at_tiktok.len(), 1);
    assert_eq!(at_tiktok[0]["sha256"], sha(&bytes));
}

#[tokio::test]
async fn a_refused_post_whose_targets_a_stop_left_waiting_has_them_failed_at_the_next_check() {
    let (app, _csrf) = app_with_account(&[]).await;
    let (_dir, bytes) = video();
    let (_upload, view) = accepted_early(&app, &bytes, "script-stuck").await;
    // Cast stopped after marking the post refused and before failing its targets.
    sqlx::query("UPDATE posts SET check_state = 'failed', check_reason = ? WHERE id = ?")
        .bind("The request broke off. Nothing was posted: send the request again.")
        .bind(&view.id)
        .execute(&app.db)
        .await
        .expect("a stop in between");
    app.posts.resume_checks().await.expect("checks");
    let listed = the_posts(&app).await;
    let t = &listed[0]["targets"][0];
    assert_eq!(t["state"], "failed", "{t}");
    let said = t["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("The request broke off"), "{said}");
    app.run_until_idle().await;
    assert!(published(&sandbox_posts(&app).await).is_empty());
}
