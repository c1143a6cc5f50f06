//! Photos mode on the posting screen in a real browser: pick several images, see them as
//! thumbnails, tick the cover, and publish a TikTok carousel. Only TikTok accounts can be
//! ticked, and Duet and Stitch (video-only) are out of the way.

use base64::Engine as _;

use super::posting::{hex_sha256, listing_in_browser, ready_to_post, wait_for_text};
use crate::helpers::app::free_port;
use crate::helpers::browser::{Browser, browser};
use crate::helpers::spawn_live_app_with;

async fn script_bool(b: &Browser, script: &str) -> bool {
    b.execute(script).await.as_bool().unwrap_or(false)
}

/// Thumbnails the browser actually drew (a blocked or broken image has no width), as a
/// JavaScript expression.
const THUMBNAILS: &str = "Array.from(document.querySelectorAll('#photo-list figure img')).filter(function (i) { return i.complete && i.naturalWidth > 0; }).length";

/// A real image of `w`×`h`, drawn and encoded by the browser itself: the crate's image fixtures
/// are headers only, which Cast's checks read but a browser cannot draw as a thumbnail.
async fn drawn(b: &Browser, w: u32, h: u32, mime: &str) -> Vec<u8> {
    let script = format!(
        "var done = arguments[arguments.length - 1];
         var c = document.createElement('canvas'); c.width = {w}; c.height = {h};
         var g = c.getContext('2d'); g.fillStyle = '#3a7'; g.fillRect(0, 0, {w}, {h});
         g.fillStyle = '#fff'; g.fillRect({w} / 4, {h} / 4, {w} / 2, {h} / 2);
         c.toBlob(function (blob) {{
           var r = new FileReader();
           r.onload = function () {{ done(r.result.split(',')[1]); }};
           r.readAsDataURL(blob);
         }}, '{mime}', 0.9);"
    );
    let encoded = b.execute_async(&script).await;
    base64::engine::general_purpose::STANDARD
        .decode(encoded.as_str().expect("the image as base64"))
        .expect("base64")
}

#[tokio::test]
async fn three_photos_picked_on_the_screen_become_a_tiktok_carousel_with_the_cover_ticked() {
    let Some(b) = browser().await else { return };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (listen, prefix) = (format!("127.0.0.1:{port}"), format!("{base}/m/"));
    let app = spawn_live_app_with(&[
        ("LISTEN", listen.as_str()),
        ("BASE_URL", base.as_str()),
        ("TIKTOK_PULL_URL_PREFIX", prefix.as_str()),
        ("CAST_SANDBOX_VERIFIED_URLS", prefix.as_str()),
    ])
    .await;
    ready_to_post(&b, &app).await;
    b.click("#connect-youtube").await;
    b.fill("#channel_name", "Photo Channel").await;
    b.click("button[value=\"allow\"]").await;
    wait_for_text(&b, "#accounts", "Photo Channel").await;

    b.click("#kind-photos").await;
    assert!(
        script_bool(&b, "return document.getElementById('pick-1').disabled;").await,
        "a YouTube account cannot take photos"
    );
    assert!(
        script_bool(&b, "return !document.querySelector('.target[data-platform=youtube] .photos-only-tiktok').hidden;").await,
        "and the screen says why"
    );
    b.click("#pick-0").await;
    b.wait_for("#t0-nickname").await;
    assert!(
        script_bool(
            &b,
            "return document.querySelector('#target-0 .allow-duet').closest('label').hidden;"
        )
        .await,
        "Duet does not apply to photos"
    );

    let dir = tempfile::tempdir().expect("dir");
    let images = [
        ("first.jpg", drawn(&b, 1080, 1920, "image/jpeg").await),
        ("second.webp", drawn(&b, 800, 600, "image/webp").await),
        ("third.jpg", drawn(&b, 1920, 1080, "image/jpeg").await),
    ];
    let paths: Vec<String> = images
        .iter()
        .map(|(name, bytes)| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write image");
            path.display().to_string()
        })
        .collect();
    b.wait_for("#photos")
        .await
        .send_keys(&paths.join("\n"))
        .await
        .expect("pick images");
    b.wait_until(&format!("{THUMBNAILS} === 3")).await;
    b.click("#photo-list figure:nth-child(3) input").await;
    assert!(
        script_bool(
            &b,
            "return document.querySelector('#photo-list figure:nth-child(3)').classList.contains('cover');"
        )
        .await
    );
    b.screenshot(crate::helpers::browser::screenshot_path("photos-mode.png"))
        .await;
    b.fill("#description", "Three days #travel").await;
    assert_eq!(b.text_of("#title-max").await, "90", "a photo title's limit");
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    // A title written for a video (over 90) stays when the owner switches to photos.
    b.execute("var t = document.getElementById('title'); t.value = 'x'.repeat(120); t.dispatchEvent(new Event('input', {bubbles: true}));").await;
    assert!(
        script_bool(&b, "return document.getElementById('publish').disabled;").await,
        "a photo title over 90 cannot be published"
    );
    let why = b
        .execute("return document.getElementById('publish').title;")
        .await;
    assert!(
        why.as_str()
            .unwrap_or_default()
            .contains("Shorten the title to 90"),
        "{why}"
    );
    b.fill("#title", "Lisbon").await;
    assert!(
        script_bool(&b, "return !document.getElementById('publish').disabled;").await,
        "a short title can"
    );
    b.click("#publish").await;
    wait_for_text(&b, ".status-headline", "Published").await;
    assert!(b.path().await.starts_with("/posts/"));

    let posts = listing_in_browser(&b, &app, "tiktok").await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    let p = &posts[0];
    assert_eq!(p["media_type"], "PHOTO");
    assert_eq!(p["photo_cover_index"], 2, "the third image is the cover");
    assert_eq!(p["post_info"]["title"], "Lisbon");
    assert_eq!(p["post_info"]["description"], "Three days #travel");
    let got: Vec<String> = p["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["sha256"].as_str().unwrap_or_default().to_string())
        .collect();
    let want: Vec<String> = images.iter().map(|(_, bytes)| hex_sha256(bytes)).collect();
    assert_eq!(got, want, "each image as picked, in order");
    b.close().await;
}
