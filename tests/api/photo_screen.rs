//! Photos from the posting screen (`POST /post/photos`, the form the page sends as multipart):
//! the screen's words become a TikTok photo post's options, a second press of Publish is the same
//! post, a bad image is named beside the button, and without a verified link prefix the screen
//! walks the owner through setting one up.

use cast::media::image::fixtures::{jpeg, png, webp};
use reqwest::multipart::{Form, Part};

use crate::helpers::posts::*;
use crate::helpers::{TestApp, spawn_app_with};
use crate::tiktok_photo_posts::{photo_app, settled};

/// The screen's fields for one TikTok account in slot 0, posting photos as Only me.
fn screen_fields(open_id: &str, key: &str) -> Vec<(String, String)> {
    [
        ("kind", "photos"),
        ("title", "Lisbon"),
        ("description", "Three days, in order #travel"),
        ("photo_cover_index", "1"),
        ("photos_key", key),
        ("tz_offset_min", "60"),
        ("when", "now"),
        ("target", "0"),
        ("t0_mode", "direct"),
        ("t0_privacy_level", "SELF_ONLY"),
        ("t0_allow_comment", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([("account_0".to_string(), format!("tiktok:{open_id}"))])
    .collect()
}

async fn publish(
    app: &TestApp,
    csrf: &str,
    fields: &[(String, String)],
    images: &[(Vec<u8>, &str)],
) -> reqwest::Response {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    for (i, (bytes, mime)) in images.iter().enumerate() {
        let part = Part::bytes(bytes.clone())
            .file_name(format!("IMG_{i}"))
            .mime_str(mime)
            .expect("mime");
        form = form.part("image", part);
    }
    app.client
        .post(app.url("/post/photos"))
        .header("X-CSRF-Token", csrf)
        .header("HX-Request", "true")
        .multipart(form)
        .send()
        .await
        .expect("publish")
}

fn redirect(res: &reqwest::Response) -> String {
    assert_eq!(res.status().as_u16(), 200, "accepted");
    res.headers()
        .get("HX-Redirect")
        .and_then(|v| v.to_str().ok())
        .expect("to the post's page")
        .to_string()
}

#[tokio::test]
async fn photos_published_from_the_screen_reach_tiktok_with_their_description_and_cover() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let images = [
        (jpeg(1080, 1920), "image/jpeg"),
        (webp(800, 600), "image/webp"),
    ];
    let fields = screen_fields(&open_id, "9b2f3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d");
    let to = redirect(&publish(&app, &csrf, &fields, &images).await);
    let id = to.strip_prefix("/posts/").expect("a post's page");

    let done = settled(&app, id).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let at_tiktok = sandbox_posts(&app).await;
    assert_eq!(at_tiktok.len(), 1, "{at_tiktok:?}");
    let p = &at_tiktok[0];
    assert_eq!(p["media_type"], "PHOTO");
    assert_eq!(p["post_info"]["title"], "Lisbon");
    assert_eq!(
        p["post_info"]["description"],
        "Three days, in order #travel"
    );
    assert_eq!(p["post_info"]["disable_comment"], false, "comments allowed");
    assert_eq!(p["photo_cover_index"], 1, "the cover ticked on the screen");
    assert_eq!(p["images"].as_array().map(Vec::len), Some(2));

    let page = app.get_text(&to).await;
    assert!(page.contains("Published"), "{page}");
}

#[tokio::test]
async fn pressing_publish_twice_for_the_same_photos_makes_one_post() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let images = [
        (jpeg(640, 640), "image/jpeg"),
        (jpeg(480, 640), "image/jpeg"),
    ];
    let fields = screen_fields(&open_id, "0f6c1c1e-6d8a-4c3b-9d43-2b1f0c9a7e55");
    let first = redirect(&publish(&app, &csrf, &fields, &images).await);
    let second = redirect(&publish(&app, &csrf, &fields, &images).await);
    assert_eq!(first, second, "the second press opens the first post");
    let listed: serde_json::Value = app.get("/api/posts").await.json().await.expect("json");
    assert_eq!(
        listed["posts"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert_eq!(
        spool_files(&app).len(),
        2,
        "the repeat's images were not kept"
    );
}

#[tokio::test]
async fn a_png_among_the_photos_is_named_beside_the_button_and_nothing_is_kept() {
    let (app, csrf, open_id) = photo_app(&[]).await;
    let images = [(jpeg(640, 640), "image/jpeg"), (png(640, 640), "image/png")];
    let fields = screen_fields(&open_id, "5a5a5a5a-1b1b-4c4c-8d8d-9e9e9e9e9e9e");
    let res = publish(&app, &csrf, &fields, &images).await;
    assert_eq!(res.status().as_u16(), 422);
    assert_eq!(
        res.headers()
            .get("HX-Retarget")
            .and_then(|v| v.to_str().ok()),
        Some("#post-errors")
    );
    let html = res.text().await.expect("body");
    assert!(html.contains("Image 2 of 2"), "{html}");
    assert!(html.contains("JPEG"), "{html}");
    assert!(spool_files(&app).is_empty(), "{:?}", spool_files(&app));
    assert!(sandbox_posts(&app).await.is_empty());
}

#[tokio::test]
async fn without_a_link_prefix_the_screen_shows_the_three_steps_and_refuses_photos() {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    assert_eq!(app.connect_account("alice").await.status().as_u16(), 303);
    let open_id = app.open_id("alice").await;

    let page = app.get_text("/").await;
    assert!(page.contains("id=\"kind-photos\""), "{page}");
    assert!(page.contains("id=\"photos-setup\""), "{page}");
    assert!(
        !page.contains("id=\"photos\""),
        "no picker before the prefix: {page}"
    );
    let prefix = format!("{}/m/", app.url("").trim_end_matches('/'));
    assert!(
        page.contains(&format!("TIKTOK_PULL_URL_PREFIX={prefix}")),
        "the exact line to set: {page}"
    );
    assert!(page.contains("URL properties"), "{page}");

    let fields = screen_fields(&open_id, "1c1c1c1c-2d2d-4e4e-8f8f-0a0a0a0a0a0a");
    let res = publish(&app, &csrf, &fields, &[(jpeg(640, 640), "image/jpeg")]).await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.expect("body");
    assert!(html.contains("TIKTOK_PULL_URL_PREFIX"), "{html}");
    assert!(spool_files(&app).is_empty());
}
