//! tus over HTTP: what tus-js-client in the browser relies on.

use crate::helpers::{TestApp, location, spawn_app, spawn_app_with};

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

async fn create(app: &TestApp, csrf: &str, length: usize) -> reqwest::Response {
    app.client
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
        .expect("create")
}

async fn patch(
    app: &TestApp,
    csrf: &str,
    url: &str,
    offset: usize,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .patch(app.url(url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(body)
        .send()
        .await
        .expect("patch")
}

async fn head(app: &TestApp, url: &str) -> reqwest::Response {
    app.client
        .head(app.url(url))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head")
}

fn files_in_tus(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_path().join("tus"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn id_of(url: &str) -> &str {
    url.rsplit('/').next().expect("id")
}

fn offset(res: &reqwest::Response) -> String {
    res.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_server_says_what_it_supports() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/uploads/tus/"))
        .send()
        .await
        .expect("options");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(res.headers()["tus-version"], "1.0.0");
    let ext = res.headers()["tus-extension"].to_str().expect("ext");
    for e in ["creation", "termination", "expiration"] {
        assert!(ext.contains(e));
    }
    assert!(res.headers().contains_key("tus-max-size"));
}

#[tokio::test]
async fn a_resumed_upload_arrives_byte_for_byte() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let res = create(&app, &csrf, data.len()).await;
    assert_eq!(res.status().as_u16(), 201);
    assert!(res.headers().contains_key("upload-expires"));
    let url = location(&res);
    assert!(url.starts_with("/uploads/tus/"));

    let res = patch(&app, &csrf, &url, 0, data[..100_000].to_vec()).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(offset(&res), "100000");
    // The connection dropped; the client asks where to continue.
    let res = head(&app, &url).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(offset(&res), "100000");
    assert_eq!(res.headers()["upload-length"], "300000");
    assert_eq!(res.headers()["cache-control"], "no-store");

    let res = patch(&app, &csrf, &url, 100_000, data[100_000..].to_vec()).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(offset(&res), "300000");
    let id = url.rsplit('/').next().expect("id");
    let finished = app.tus.finished(id).await.expect("db").expect("complete");
    assert_eq!(
        sha(&std::fs::read(finished.path).expect("file")),
        sha(&data)
    );
    assert_eq!(finished.metadata["filename"], "video.mp4");
}

#[tokio::test]
async fn a_patch_at_the_wrong_offset_is_refused_with_409() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 1000).await);
    patch(&app, &csrf, &url, 0, vec![1; 400]).await;
    let res = patch(&app, &csrf, &url, 200, vec![2; 100]).await;
    assert_eq!(res.status().as_u16(), 409);
    assert_eq!(
        offset(&head(&app, &url).await),
        "400",
        "nothing was written"
    );
}

#[tokio::test]
async fn bytes_past_the_declared_length_are_refused() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 100).await);
    let res = patch(&app, &csrf, &url, 0, vec![1; 150]).await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn termination_deletes_the_upload() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 1000).await);
    patch(&app, &csrf, &url, 0, vec![1; 10]).await;
    let res = app
        .client
        .delete(app.url(&url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(head(&app, &url).await.status().as_u16(), 404);
    assert_eq!(files_in_tus(&app), 0, "the bytes are gone too");
}

#[tokio::test]
async fn abandoned_uploads_expire_and_are_deleted() {
    let app = spawn_app_with(&[("PARTIAL_UPLOAD_TTL_HOURS", "1")]).await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 1000).await);
    patch(&app, &csrf, &url, 0, vec![1; 10]).await;
    // An hour without a byte.
    app.advance(std::time::Duration::from_secs(3601));
    assert_eq!(head(&app, &url).await.status().as_u16(), 410, "expired");
    let deleted = app.tus.delete_expired().await.expect("cleanup");
    assert_eq!(deleted, 1);
    assert_eq!(head(&app, &url).await.status().as_u16(), 404);
    assert_eq!(files_in_tus(&app), 0);
}

#[tokio::test]
async fn a_video_over_the_limit_is_refused_before_any_byte_is_stored() {
    let app = spawn_app_with(&[("MAX_UPLOAD_MB", "1")]).await;
    let csrf = app.logged_in().await;
    let res = create(&app, &csrf, 2_000_000).await;
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert_eq!(files_in_tus(&app), 0, "not even an empty file");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tus_uploads")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn strangers_and_forged_requests_are_refused() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let stranger = crate::helpers::browser_client();
    let res = stranger
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 401, "no login");
    let url = location(&create(&app, &csrf, 10).await);
    for method in [
        reqwest::Method::HEAD,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let res = stranger
            .request(method.clone(), app.url(&url))
            .header("Tus-Resumable", "1.0.0")
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Offset", "0")
            .body(vec![1; 10])
            .send()
            .await
            .expect("req");
        assert_eq!(res.status().as_u16(), 401, "{method} without login");
    }
    assert_eq!(offset(&head(&app, &url).await), "0", "nothing was written");
    // The owner's own cookie without the CSRF header: a forged cross-site request.
    let res = app
        .client
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 403);
    let res = app
        .client
        .post(app.url("/uploads/tus/"))
        .header("X-CSRF-Token", &csrf)
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 412, "Tus-Resumable is required");
}

#[tokio::test]
async fn a_patch_that_is_not_an_offset_stream_is_refused_with_415() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 100).await);
    let res = app
        .client
        .patch(app.url(&url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "application/octet-stream")
        .header("Upload-Offset", "0")
        .body(vec![1; 10])
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status().as_u16(), 415);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert_eq!(offset(&head(&app, &url).await), "0");
}

#[tokio::test]
async fn a_script_with_an_api_token_uploads_without_a_csrf_token() {
    let app = spawn_app().await;
    let out = app.cast_cli(&["token", "create", "--name", "uploader"], None);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().last().expect("token").trim().to_string();
    let api = reqwest::Client::new();
    let res = api
        .post(app.url("/uploads/tus/"))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "5")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status().as_u16(), 201);
    let url = location(&res);
    let res = api
        .patch(app.url(&url))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", "0")
        .body(b"hello".to_vec())
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(offset(&res), "5");
}

type BodyPiece = Result<Vec<u8>, std::io::Error>;
type Sent = tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>;

/// A PATCH whose body the test feeds by hand, to hold it open or cut it.
fn streamed_patch(
    app: &TestApp,
    csrf: &str,
    url: &str,
    offset: usize,
) -> (tokio::sync::mpsc::Sender<BodyPiece>, Sent) {
    let (tx, rx) = tokio::sync::mpsc::channel::<BodyPiece>(4);
    let body = reqwest::Body::wrap_stream(stream_of(rx));
    let req = app
        .client
        .patch(app.url(url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string())
        .body(body);
    (tx, tokio::spawn(req.send()))
}

fn stream_of(
    rx: tokio::sync::mpsc::Receiver<BodyPiece>,
) -> impl futures_util::Stream<Item = BodyPiece> {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) })
}

#[tokio::test]
async fn a_second_writer_is_refused_while_a_patch_is_running() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 2_000).await);
    let expiry = |res: reqwest::Response| {
        res.headers()
            .get("upload-expires")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let created = expiry(head(&app, &url).await);
    // Ten minutes later a PATCH pushes the expiry forward once it holds the upload: wait for that.
    app.advance(std::time::Duration::from_secs(600));
    let (tx, first) = streamed_patch(&app, &csrf, &url, 0);
    tx.send(Ok(vec![7; 1_000])).await.expect("send");
    for _ in 0..200 {
        if expiry(head(&app, &url).await) != created {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let status = patch(&app, &csrf, &url, 0, Vec::new())
        .await
        .status()
        .as_u16();
    assert_eq!(status, 423, "concurrent writers are refused");
    let res = app
        .client
        .delete(app.url(&url))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 423, "no termination mid-write");

    tx.send(Ok(vec![7; 1_000])).await.expect("send");
    drop(tx);
    let res = first.await.expect("task").expect("first patch");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(offset(&res), "2000");
}

#[tokio::test]
async fn a_cut_connection_keeps_the_bytes_up_to_the_last_checkpoint() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let mib = 1024 * 1024;
    let data: Vec<u8> = (0..20 * mib as u32).map(|i| (i % 253) as u8).collect();
    let url = location(&create(&app, &csrf, data.len()).await);

    // 17 MiB arrive, then the network fails mid-body.
    let (tx, first) = streamed_patch(&app, &csrf, &url, 0);
    for piece in data[..17 * mib].chunks(mib) {
        tx.send(Ok(piece.to_vec())).await.expect("send");
    }
    // Still mid-request, the first 16 MiB are already on disk and counted: the body is
    // streamed to the file, not collected in memory first.
    let mut on_disk = 0;
    for _ in 0..200 {
        on_disk = sqlx::query_scalar("SELECT received FROM tus_uploads")
            .fetch_one(&app.db)
            .await
            .expect("row");
        if on_disk >= 16 * mib as i64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        on_disk,
        16 * mib as i64,
        "checkpointed while the body is open"
    );
    tx.send(Err(std::io::Error::other("tunnel dropped")))
        .await
        .expect("send");
    drop(tx);
    let _ = first.await;

    // The client asks where to continue, as tus-js-client does, again after a 409 or 423 (the
    // cut PATCH may still be recording what it got). At least the checkpoint survived.
    let mut status = 0;
    for _ in 0..100 {
        let resume_at: usize = offset(&head(&app, &url).await).parse().expect("offset");
        assert!(
            (16 * mib..=17 * mib).contains(&resume_at),
            "resumes at {resume_at}"
        );
        let res = patch(&app, &csrf, &url, resume_at, data[resume_at..].to_vec()).await;
        status = res.status().as_u16();
        if status != 409 && status != 423 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 204);
    let finished = app
        .tus
        .finished(id_of(&url))
        .await
        .expect("db")
        .expect("complete");
    assert_eq!(
        sha(&std::fs::read(&finished.path).expect("file")),
        sha(&data),
        "byte for byte"
    );
}

#[tokio::test]
async fn an_upload_that_keeps_receiving_bytes_does_not_expire() {
    let app = spawn_app_with(&[("PARTIAL_UPLOAD_TTL_HOURS", "1")]).await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 100).await);
    // Thirty seconds before it would expire, a byte arrives.
    app.advance(std::time::Duration::from_secs(3600 - 30));
    let res = patch(&app, &csrf, &url, 0, vec![1; 10]).await;
    assert_eq!(res.status().as_u16(), 204);
    app.advance(std::time::Duration::from_secs(3000));
    assert_eq!(
        head(&app, &url).await.status().as_u16(),
        200,
        "a full hour again from the last byte"
    );
}

#[tokio::test]
async fn a_finished_upload_is_taken_once_for_a_job() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 6).await);
    let id = id_of(&url);
    patch(&app, &csrf, &url, 0, b"abc".to_vec()).await;
    let taken = app.tus.take(id).await.expect("db");
    assert!(taken.is_none(), "an unfinished upload cannot be taken");

    patch(&app, &csrf, &url, 3, b"def".to_vec()).await;
    let taken = app.tus.take(id).await.expect("db").expect("finished");
    assert_eq!(taken.size, 6);
    assert_eq!(taken.metadata["filetype"], "video/mp4");
    assert_eq!(std::fs::read(&taken.path).expect("file"), b"abcdef");
    let again = app.tus.take(id).await.expect("db");
    assert!(again.is_none(), "a second submit gets nothing");
    assert_eq!(head(&app, &url).await.status().as_u16(), 404);
}

#[tokio::test]
async fn files_no_upload_accounts_for_are_swept_after_an_hour() {
    let app = spawn_app().await;
    let dir = app.data_path().join("tus");
    std::fs::create_dir_all(&dir).expect("dir");
    let stale = dir.join("leftover");
    let fresh = dir.join("justtaken");
    std::fs::write(&stale, b"x").expect("write");
    std::fs::write(&fresh, b"x").expect("write");
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7_200);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .and_then(|f| f.set_modified(two_hours_ago))
        .expect("age");
    let deleted = app.tus.delete_expired().await.expect("cleanup");
    assert_eq!(deleted, 1);
    assert!(!stale.exists());
    assert!(fresh.exists(), "a caller may still be moving it");
}
