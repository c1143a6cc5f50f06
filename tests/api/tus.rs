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
    let finished = cast::tus::store::finished(&app.db, &app.data_path(), id)
        .await
        .expect("db")
        .expect("complete");
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
    let left = std::fs::read_dir(app.data_path().join("tus"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "the bytes are gone too");
}

#[tokio::test]
async fn abandoned_uploads_expire_and_are_deleted() {
    let app = spawn_app_with(&[("PARTIAL_UPLOAD_TTL_HOURS", "1")]).await;
    let csrf = app.logged_in().await;
    let url = location(&create(&app, &csrf, 1000).await);
    patch(&app, &csrf, &url, 0, vec![1; 10]).await;
    sqlx::query("UPDATE tus_uploads SET expires_at = 0")
        .execute(&app.db)
        .await
        .expect("age");
    assert_eq!(head(&app, &url).await.status().as_u16(), 410, "expired");
    let deleted = cast::tus::store::delete_expired(&app.db, &app.data_path())
        .await
        .expect("cleanup");
    assert_eq!(deleted, 1);
    assert_eq!(head(&app, &url).await.status().as_u16(), 404);
    let left = std::fs::read_dir(app.data_path().join("tus"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_video_over_the_limit_is_refused_before_any_byte_is_stored() {
    let app = spawn_app_with(&[("MAX_UPLOAD_MB", "1")]).await;
    let csrf = app.logged_in().await;
    let res = create(&app, &csrf, 2_000_000).await;
    assert_eq!(res.status().as_u16(), 413);
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
