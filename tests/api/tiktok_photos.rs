//! TikTok photo posts (carousels, contract §15.2) as the sandbox takes them: it fetches each
//! image over real HTTP from a URL under a verified prefix, judges it by its bytes, and publishes
//! the carousel. The images are served by Cast under /m/ (as verification files, which need no
//! post), so these tests prove the sandbox's side over real HTTP.

use std::time::Duration;

use cast::media::image::fixtures::{jpeg, png, webp};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::helpers::TestApp;
use crate::helpers::app::free_port;
use crate::helpers::sandbox::*;

const INIT: &str = "/v2/post/publish/content/init/";

/// The sandbox on a known port, counting `{base}/m/` as verified unless `verified` says else.
async fn photo_app(extra: &[(&str, &str)]) -> (TestApp, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let verified = format!("{base}/m/");
    let mut settings = vec![
        ("LISTEN", listen.as_str()),
        ("BASE_URL", base.as_str()),
        ("CAST_SANDBOX_VERIFIED_URLS", verified.as_str()),
    ];
    settings.extend_from_slice(extra);
    (sandbox_app(&settings).await, base)
}

/// Serves `bytes` at `{base}/m/{name}`, as Cast serves a file under its verified prefix.
async fn serve(app: &TestApp, base: &str, name: &str, bytes: &[u8]) -> String {
    sqlx::query(
        "INSERT INTO public_link_verification_files (name, contents, uploaded_ms) VALUES (?, ?, 0)",
    )
    .bind(name)
    .bind(bytes)
    .execute(&app.db)
    .await
    .expect("serve");
    format!("{base}/m/{name}")
}

fn photo_body(mode: &str, urls: &[String], cover: usize) -> Value {
    let info = if mode == "DIRECT_POST" {
        json!({"title": "Trip", "description": "Three days", "privacy_level": "SELF_ONLY"})
    } else {
        json!({"title": "Trip"})
    };
    json!({
        "media_type": "PHOTO",
        "post_mode": mode,
        "post_info": info,
        "source_info": {"source": "PULL_FROM_URL", "photo_images": urls, "photo_cover_index": cover},
    })
}

/// Asks status fetch until the carousel leaves PROCESSING_DOWNLOAD, letting the fetch (real
/// HTTP, in the background) finish and moving TikTok's clock past its processing delay.
async fn final_status(app: &TestApp, token: &str, publish_id: &str) -> Value {
    for _ in 0..20 {
        if let Some(sandbox) = &app.tiktok_sandbox {
            sandbox.checks_settled().await;
        }
        let (status, body) = status_of(app, token, publish_id).await;
        assert_ok(status, &body);
        if body["data"]["status"] != "PROCESSING_DOWNLOAD" {
            return body["data"].clone();
        }
        app.advance(Duration::from_secs(2));
    }
    panic!("{publish_id} never left PROCESSING_DOWNLOAD");
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn the_tiktok_sandbox_publishes_a_carousel_of_three_pulled_images() {
    let (app, base) = photo_app(&[]).await;
    let c = connect(&app, "maria").await;
    let files = [jpeg(1080, 1920), webp(800, 600), jpeg(1920, 1080)];
    let mut urls = Vec::new();
    for (i, f) in files.iter().enumerate() {
        urls.push(serve(&app, &base, &format!("photo-{i}.jpg"), f).await);
    }
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 1)),
    )
    .await;
    assert_ok(status, &body);
    let id = body["data"]["publish_id"]
        .as_str()
        .expect("publish_id")
        .to_string();
    assert!(id.starts_with("p_pub_url~"), "{id}");
    assert!(body["data"].get("upload_url").is_none(), "{body}");
    let done = final_status(&app, &c.access_token, &id).await;
    assert_eq!(done["status"], "PUBLISH_COMPLETE", "{done}");
    let listed = received(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["media_type"], "PHOTO");
    assert_eq!(listed[0]["source"], "PULL_FROM_URL");
    let got: Vec<Value> = listed[0]["images"].as_array().expect("images").clone();
    let want: Vec<Value> = files
        .iter()
        .map(|f| json!({"size": f.len(), "sha256": sha256(f)}))
        .collect();
    assert_eq!(got, want, "each image arrived as served, in order");
}

#[tokio::test]
async fn a_png_in_a_carousel_fails_as_file_format_check_failed() {
    let (app, base) = photo_app(&[]).await;
    let c = connect(&app, "maria").await;
    let urls = vec![
        serve(&app, &base, "a.jpg", &jpeg(100, 100)).await,
        serve(&app, &base, "b.png", &png(100, 100)).await,
    ];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 0)),
    )
    .await;
    assert_ok(status, &body);
    let id = body["data"]["publish_id"].as_str().expect("publish_id");
    let done = final_status(&app, &c.access_token, id).await;
    assert_eq!(
        (done["status"].as_str(), done["fail_reason"].as_str()),
        (Some("FAILED"), Some("file_format_check_failed")),
        "{done}"
    );
}

#[tokio::test]
async fn an_image_past_1080p_fails_as_picture_size_check_failed() {
    let (app, base) = photo_app(&[]).await;
    let c = connect(&app, "maria").await;
    let urls = vec![serve(&app, &base, "big.jpg", &jpeg(1440, 2560)).await];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 0)),
    )
    .await;
    assert_ok(status, &body);
    let id = body["data"]["publish_id"].as_str().expect("publish_id");
    let done = final_status(&app, &c.access_token, id).await;
    assert_eq!(done["fail_reason"], "picture_size_check_failed", "{done}");
}

#[tokio::test]
async fn an_image_the_sandbox_cannot_fetch_fails_as_photo_pull_failed() {
    let (app, base) = photo_app(&[]).await;
    let c = connect(&app, "maria").await;
    let urls = vec![
        serve(&app, &base, "a.jpg", &jpeg(100, 100)).await,
        format!("{base}/m/never-served.jpg"),
    ];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 0)),
    )
    .await;
    assert_ok(status, &body);
    let id = body["data"]["publish_id"].as_str().expect("publish_id");
    let done = final_status(&app, &c.access_token, id).await;
    assert_eq!(done["fail_reason"], "photo_pull_failed", "{done}");
}

#[tokio::test]
async fn photos_outside_the_verified_prefix_are_url_ownership_unverified() {
    let (app, base) =
        photo_app(&[("CAST_SANDBOX_VERIFIED_URLS", "https://elsewhere.example/")]).await;
    let c = connect(&app, "maria").await;
    let urls = vec![serve(&app, &base, "a.jpg", &jpeg(100, 100)).await];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 0)),
    )
    .await;
    assert_api_error(status, &body, 403, "url_ownership_unverified");
}

#[tokio::test]
async fn thirty_six_images_or_a_cover_out_of_range_are_refused_at_init() {
    let (app, base) = photo_app(&[]).await;
    let c = connect(&app, "maria").await;
    let url = serve(&app, &base, "a.jpg", &jpeg(100, 100)).await;
    let many = vec![url.clone(); 36];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &many, 0)),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_param");
    let three = vec![url; 3];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &three, 3)),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn an_old_tiktok_app_refuses_photo_inbox_posts_with_app_version_check_failed() {
    let (app, base) = photo_app(&[("CAST_SANDBOX_APP_VERSION_OLD", "1")]).await;
    let c = connect(&app, "maria").await;
    let urls = vec![serve(&app, &base, "a.jpg", &jpeg(100, 100)).await];
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("MEDIA_UPLOAD", &urls, 0)),
    )
    .await;
    assert_api_error(status, &body, 400, "app_version_check_failed");
    // A direct post needs no particular app version.
    let (status, body) = call(
        &app,
        &c.access_token,
        INIT,
        Some(photo_body("DIRECT_POST", &urls, 0)),
    )
    .await;
    assert_ok(status, &body);
}
