//! TikTok photo posts (carousels) through Cast: `POST /api/posts` with `image` parts, each image
//! judged before anything leaves the machine, one public link per image, and TikTok (the
//! sandbox) pulling them over real HTTP from the prefix verified in its portal.

use std::time::Duration;

use cast::media::image::fixtures::{jpeg, png, webp};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::helpers::TestApp;
use crate::helpers::app::free_port;
use crate::helpers::posts::*;

/// Cast on a known port whose links TikTok may pull from (`TIKTOK_PULL_URL_PREFIX` = its /m/,
/// verified at the sandbox), with `alice` connected.
pub(crate) async fn photo_app(extra: &[(&str, &str)]) -> (TestApp, String, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let prefix = format!("{base}/m/");
    let mut settings = vec![
        ("LISTEN", listen.as_str()),
        ("BASE_URL", base.as_str()),
        ("TIKTOK_PULL_URL_PREFIX", prefix.as_str()),
        ("CAST_SANDBOX_VERIFIED_URLS", prefix.as_str()),
    ];
    settings.extend_from_slice(extra);
    let (app, csrf) = app_with_account(&settings).await;
    let open_id = app.open_id("alice").await;
    (app, csrf, open_id)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// 422 with its problems' codes and the whole message.
async fn refusal(res: reqwest::Response) -> (Vec<String>, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 422, "{body}");
    let codes = body["error"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().unwrap_or_default().to_string())
        .collect();
    (
        codes,
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

async fn accepted_photos(app: &TestApp, csrf: &str, images: &[Vec<u8>], targets: Value) -> Value {
    let res = post_images(app, csrf, images, targets).await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 202, "{body}");
    body["post"].clone()
}

/// Steps until the post's one target is final, letting the sandbox's fetches (real HTTP, in
/// the background) finish between passes.
pub(crate) async fn settled(app: &TestApp, id: &str) -> Value {
    let sandbox = app.tiktok_sandbox.as_ref().expect("sandbox");
    for _ in 0..60 {
        sandbox.checks_settled().await;
        let p = post_of(app, id).await;
        let state = p["targets"][0]["state"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if ["published", "in_inbox", "failed"].contains(&state.as_str()) {
            return p;
        }
        app.advance(Duration::from_secs(5));
        app.run_until_idle().await;
    }
    panic!("never settled: {}", post_of(app, id).await);
}

async fn live_links(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM public_links WHERE revoked_ms IS NULL")
        .fetch_one(&app.db)
        .await
        .expect("links")
}

fn spooled(app: &TestApp) -> usize {
    spool_files(app).len()
}

#[tokio::test]
async fn a_carousel_of_three_images_is_published_through_the_tiktok_sandbox() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let images = vec![jpeg(1080, 1920), webp(800, 600), jpeg(1920, 1080)];
    let post = accepted_photos(
        &app,
        &csrf,
        &images,
        json!([tiktok_target(
            &open_id,
            json!({"title": "Trip", "description": "Three days #travel",
            "privacy_level": "SELF_ONLY", "photo_cover_index": 1})
        )]),
    )
    .await;
    let shown: Vec<Value> = post["images"].as_array().expect("images").clone();
    assert_eq!(shown.len(), 3, "{post}");
    for (s, i) in shown.iter().zip(&images) {
        assert_eq!(s["sha256"], sha256(i));
        assert_eq!(s["size"], i.len());
    }
    assert_eq!(shown[1]["content_type"], "image/webp");
    let id = post["id"].as_str().expect("id").to_string();
    let done = settled(&app, &id).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(at_tiktok.len(), 1, "{at_tiktok:?}");
    let p = &at_tiktok[0];
    assert_eq!(p["media_type"], "PHOTO");
    assert_eq!(p["source"], "PULL_FROM_URL");
    assert_eq!(p["post_info"]["title"], "Trip");
    assert_eq!(p["post_info"]["description"], "Three days #travel");
    let got: Vec<Value> = p["images"].as_array().expect("images").clone();
    let want: Vec<Value> = images
        .iter()
        .map(|f| json!({"size": f.len(), "sha256": sha256(f)}))
        .collect();
    assert_eq!(
        got, want,
        "TikTok pulled each image as it was sent, in order"
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM public_links ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("link names");
    assert_eq!(
        names,
        ["photo-1.jpg", "photo-2.webp", "photo-3.jpg"],
        "each link is named for its image's type"
    );
    assert_eq!(
        live_links(&app).await,
        0,
        "the links go once TikTok has the images"
    );
    let again = post_of(&app, &id).await;
    assert_eq!(again["images"].as_array().map(Vec::len), Some(3), "{again}");
}

#[tokio::test]
async fn a_png_is_refused_before_anything_is_sent_saying_to_use_jpeg() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let res = post_images(
        &app,
        &csrf,
        &[jpeg(640, 480), png(640, 480)],
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let (codes, message) = refusal(res).await;
    assert_eq!(codes, ["file_format_check_failed"], "{message}");
    assert!(
        message.contains("Image 2 of 2") && message.contains("PNG") && message.contains("JPEG"),
        "{message}"
    );
    app.run_until_idle().await;
    assert!(
        sandbox_posts(&app).await.is_empty(),
        "nothing went to TikTok"
    );
    assert_eq!(spooled(&app), 0, "the refused images were not kept");
}

#[tokio::test]
async fn thirty_six_images_are_refused_as_more_than_a_carousel_takes() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let images = vec![jpeg(100, 100); 36];
    let res = post_images(
        &app,
        &csrf,
        &images,
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let (codes, message) = refusal(res).await;
    assert_eq!(codes, ["too_many_images"], "{message}");
    assert!(
        message.contains("35") && message.contains("36"),
        "{message}"
    );
    assert_eq!(spooled(&app), 0);
}

#[tokio::test]
async fn an_image_past_1080p_is_refused_saying_to_scale_it_down() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let res = post_images(
        &app,
        &csrf,
        &[jpeg(1080, 1920), jpeg(3000, 2000)],
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let (codes, message) = refusal(res).await;
    assert_eq!(codes, ["picture_size_check_failed"], "{message}");
    assert!(
        message.contains("Image 2")
            && message.contains("3000×2000")
            && message.contains("scale it down"),
        "{message}"
    );
    assert!(sandbox_posts(&app).await.is_empty());
}

#[tokio::test]
async fn without_a_pull_prefix_photos_are_refused_with_the_steps_to_set_one_up() {
    let (app, csrf) = app_with_account(&[]).await;
    let open_id = app.open_id("alice").await;
    let res = post_images(
        &app,
        &csrf,
        &[jpeg(640, 480)],
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let (codes, message) = refusal(res).await;
    assert_eq!(codes, ["photos_need_pull_prefix"], "{message}");
    assert!(
        message.contains("developer portal")
            && message.contains("Settings")
            && message.contains("TIKTOK_PULL_URL_PREFIX"),
        "{message}"
    );
}

#[tokio::test]
async fn photos_to_youtube_are_refused_saying_only_tiktok_takes_them() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    crate::youtube_helpers::connect_youtube(&app, "Pictures").await;
    let channel = crate::youtube_helpers::channel_id(&app).await;
    let res = post_images(
        &app,
        &csrf,
        &[jpeg(640, 480)],
        json!([
            tiktok_target(&open_id, json!({"privacy_level": "SELF_ONLY"})),
            crate::youtube_helpers::youtube_target(&channel, json!({"title": "Pics"})),
        ]),
    )
    .await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 422, "{body}");
    let problems = body["error"]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["code"], "photos_not_supported");
    assert_eq!(
        problems[0]["target"], 1,
        "the YouTube target is the one refused"
    );
    let message = problems[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("YouTube") && message.contains("only TikTok"),
        "{message}"
    );
    assert!(sandbox_posts(&app).await.is_empty());
}

#[tokio::test]
async fn a_photo_tiktok_could_not_fetch_fails_as_retryable_and_retry_publishes_it() {
    // TikTok's fetch of the first image fails (the sandbox's knob), as when the link misbehaves.
    let (app, csrf, open_id) = photo_app(&[("CAST_SANDBOX_FAULTS", "photo_pull:404:1")]).await;
    let images = vec![jpeg(640, 480), jpeg(480, 640)];
    let post = accepted_photos(
        &app,
        &csrf,
        &images,
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    let target = post["targets"][0]["id"]
        .as_str()
        .expect("target")
        .to_string();
    let failed = settled(&app, &id).await;
    let t = &failed["targets"][0];
    assert_eq!(t["state"], "failed", "{failed}");
    assert_eq!(t["error"]["code"], "photo_pull_failed", "{t}");
    assert!(
        t["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Retry"),
        "{t}"
    );
    assert!(
        t["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .any(|a| a == "retry"),
        "{t}"
    );
    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/{id}/targets/{target}/retry"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    let done = settled(&app, &id).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(
        at_tiktok.len(),
        2,
        "the retry made a second, whole carousel"
    );
    let statuses: Vec<&str> = at_tiktok
        .iter()
        .filter_map(|p| p["status"].as_str())
        .collect();
    assert_eq!(statuses, ["PUBLISH_COMPLETE", "FAILED"], "newest first");
    let want: Vec<Value> = images
        .iter()
        .map(|f| json!({"size": f.len(), "sha256": sha256(f)}))
        .collect();
    assert_eq!(
        at_tiktok[0]["images"],
        json!(want),
        "the retry sent every image"
    );
}

#[tokio::test]
async fn an_old_tiktok_app_is_refused_saying_to_update_it_on_the_phone() {
    let (app, csrf, open_id) = photo_app(&[("CAST_SANDBOX_APP_VERSION_OLD", "1")]).await;
    let post = accepted_photos(
        &app,
        &csrf,
        &[jpeg(640, 480)],
        json!([tiktok_target(&open_id, json!({"mode": "inbox"}))]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    let done = settled(&app, &id).await;
    let t = &done["targets"][0];
    assert_eq!(t["state"], "failed", "{done}");
    assert_eq!(t["error"]["code"], "app_version_check_failed", "{t}");
    let message = t["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Update TikTok on your phone") && message.contains("post again"),
        "{message}"
    );
    assert_eq!(live_links(&app).await, 0, "the links went with the refusal");
}

#[tokio::test]
async fn targets_cannot_be_added_to_a_photo_post_later_and_it_says_why() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let post = accepted_photos(
        &app,
        &csrf,
        &[jpeg(640, 480)],
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let id = post["id"].as_str().expect("id");
    let res = app
        .client
        .post(app.url(&format!("/api/posts/{id}/targets")))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"targets": [tiktok_target(&open_id, json!({"privacy_level": "SELF_ONLY"}))]}))
        .send()
        .await
        .expect("request");
    let (codes, message) = refusal(res).await;
    assert_eq!(codes, ["photo_post"], "{message}");
    assert!(message.contains("photo post"), "{message}");
}
