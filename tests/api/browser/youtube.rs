//! YouTube beside TikTok in a real browser: Connect YouTube through the sandbox's consent page,
//! tick both targets, answer YouTube's questions, and see both published on the post's page.

use crate::helpers::browser::browser;
use crate::helpers::spawn_live_app_with;

use super::posting::{fixture, ready_to_post, wait_for_text};

async fn count(b: &crate::helpers::browser::Browser, css: &str) -> u64 {
    let script = format!(
        "return document.querySelectorAll({}).length;",
        serde_json::json!(css)
    );
    b.execute(&script).await.as_u64().unwrap_or(0)
}

#[tokio::test]
async fn one_video_posted_from_the_screen_to_tiktok_and_youtube_is_published_on_both() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    ready_to_post(&b, &app).await;
    b.click("#connect-youtube").await;
    b.fill("#channel_name", "Browser Channel").await;
    b.click("button[value=\"allow\"]").await;
    wait_for_text(&b, "#accounts", "Browser Channel").await;

    // Two accounts: nothing is ticked until the owner says where it goes.
    b.click("#pick-0").await;
    b.click("#pick-1").await;
    b.wait_for("#t0-nickname").await;
    b.wait_for("#t1-channel").await;
    assert_eq!(
        count(&b, "#target-1 input[type=radio]:checked").await,
        0,
        "YouTube's questions have no default answer"
    );
    b.wait_for("#video")
        .await
        .send_keys(&fixture("ok.mp4"))
        .await
        .expect("pick file");
    wait_for_text(&b, "#video-check", "will take this video").await;
    wait_for_text(&b, "#t1-short", "as a Short").await;
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    assert!(
        !b.wait_for("#publish")
            .await
            .is_enabled()
            .await
            .expect("enabled?"),
        "YouTube's questions are not answered yet"
    );
    for pick in [
        "input[name=t1_privacy_status][value=unlisted]",
        "input[name=t1_made_for_kids][value=no]",
        "input[name=t1_synthetic_media][value=no]",
    ] {
        b.click(pick).await;
    }
    b.fill("#title", "Both at once #cast").await;
    b.click("#publish").await;
    for _ in 0..300 {
        if count(&b, ".target-status[data-state=published]").await == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        count(&b, ".target-status[data-state=published]").await,
        2,
        "{}",
        b.page_source().await
    );
    assert!(b.page_source().await.contains("youtube.com/watch?v="));
    b.close().await;
}

/// What a sandbox's owner listing (`/sandbox/{platform}/_/…`) holds, fetched by the page.
async fn listing(b: &crate::helpers::browser::Browser, path: &str) -> serde_json::Value {
    let script = format!(
        "var done = arguments[arguments.length - 1]; fetch({}, {{credentials: 'same-origin'}}).then(function (r) {{ return r.json(); }}).then(done, function (e) {{ done(String(e)); }});",
        serde_json::json!(path)
    );
    b.execute_async(&script).await
}

#[tokio::test]
async fn the_cover_slider_sends_the_chosen_frame_to_tiktok_and_youtube() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    ready_to_post(&b, &app).await;
    b.click("#connect-youtube").await;
    b.fill("#channel_name", "Cover Channel").await;
    b.click("button[value=\"allow\"]").await;
    wait_for_text(&b, "#accounts", "Cover Channel").await;
    b.click("#pick-0").await;
    b.click("#pick-1").await;
    b.wait_for("#t0-nickname").await;
    b.wait_for("#t1-channel").await;
    b.wait_for("#video")
        .await
        .send_keys(&fixture("ok.mp4"))
        .await
        .expect("pick file");
    wait_for_text(&b, "#video-check", "will take this video").await;
    for _ in 0..100 {
        if b.execute("return !document.getElementById('cover-pick').hidden;")
            .await
            == true
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The owner slides to 1.2 s and lets go.
    b.execute("var s = document.getElementById('cover'); s.value = '1200'; s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    let mut cover = String::new();
    for _ in 0..100 {
        cover = b
            .execute("return document.getElementById('cover-image').value;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !cover.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        cover.len(),
        64,
        "Cast kept the frame: {}",
        b.page_source().await
    );
    wait_for_text(&b, "#cover-note", "1.2 s").await;
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    for pick in [
        "input[name=t1_privacy_status][value=unlisted]",
        "input[name=t1_made_for_kids][value=no]",
        "input[name=t1_synthetic_media][value=no]",
    ] {
        b.click(pick).await;
    }
    b.fill("#title", "Cover at 1.2 s").await;
    b.click("#publish").await;
    for _ in 0..300 {
        if count(&b, ".target-status[data-state=published]").await == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        count(&b, ".target-status[data-state=published]").await,
        2,
        "{}",
        b.page_source().await
    );
    let tiktok = listing(&b, "/sandbox/tiktok/_/posts").await;
    assert_eq!(
        tiktok[0]["post_info"]["video_cover_timestamp_ms"], 1200,
        "TikTok got the chosen time: {tiktok}"
    );
    let youtube = listing(&b, "/sandbox/youtube/_/videos").await;
    assert_eq!(
        youtube[0]["thumbnail"], true,
        "YouTube got the frame as the thumbnail: {youtube}"
    );
    b.close().await;
}
