//! Instagram beside TikTok and YouTube in a real browser: Connect Instagram through the
//! sandbox's consent page, tick all three, fill Instagram's own block, and see three results
//! on the post's page, with what Instagram fetched from Cast's link.

use crate::helpers::browser::browser;
use crate::helpers::spawn_live_app_with;

use super::posting::{listing_in_browser, ready_to_post, wait_for_text};

async fn count(b: &crate::helpers::browser::Browser, css: &str) -> u64 {
    let script = format!(
        "return document.querySelectorAll({}).length;",
        serde_json::json!(css)
    );
    b.execute(&script).await.as_u64().unwrap_or(0)
}

#[tokio::test]
async fn one_video_posted_from_the_screen_to_tiktok_youtube_and_instagram_shows_three_results_and_the_fetch_log()
 {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[
        ("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0"),
        ("CAST_SANDBOX_INSTAGRAM_FETCH_DELAY_MS", "0"),
        ("CAST_SANDBOX_INSTAGRAM_PROCESSING_MS", "0"),
    ])
    .await;
    ready_to_post(&b, &app).await;
    b.click("#connect-youtube").await;
    b.fill("#channel_name", "Browser Channel").await;
    b.click("button[value=\"allow\"]").await;
    wait_for_text(&b, "#accounts", "Browser Channel").await;
    b.click("#connect-instagram").await;
    b.fill("#username", "browser_reels").await;
    b.click("#allow").await;
    wait_for_text(&b, "#accounts", "@browser_reels").await;

    for pick in ["#pick-0", "#pick-1", "#pick-2"] {
        b.click(pick).await;
    }
    b.wait_for("#t0-nickname").await;
    b.wait_for("#t1-channel").await;
    b.wait_for("#t2-ig-account").await;
    let dir = tempfile::tempdir().expect("dir");
    let video = crate::media_helpers::reel(dir.path(), 0);
    b.wait_for("#video")
        .await
        .send_keys(&video.display().to_string())
        .await
        .expect("pick file");
    wait_for_text(&b, "#video-check", "will take this video").await;
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'SELF_ONLY'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    for pick in [
        "input[name=t1_privacy_status][value=unlisted]",
        "input[name=t1_made_for_kids][value=no]",
        "input[name=t1_synthetic_media][value=no]",
    ] {
        b.wait_for(pick).await;
        // With three blocks open the sticky top bar may cover the radio: click it as a script.
        b.execute(&format!(
            "document.querySelector({}).click();",
            serde_json::json!(pick)
        ))
        .await;
    }
    b.fill("#t2-ig-caption", "A reel from the screen #cast")
        .await;
    b.fill("#t2-thumb-offset", "1.5").await;
    b.fill("#title", "Three at once #cast").await;
    b.click("#publish").await;
    for _ in 0..600 {
        if count(&b, ".target-status[data-state=published]").await == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = b.page_source().await;
    assert_eq!(
        count(&b, ".target-status[data-state=published]").await,
        3,
        "{page}"
    );
    assert!(
        page.contains("instagram.com/reel/"),
        "the reel's link: {page}"
    );
    let log = wait_for_text(
        &b,
        ".target-status[data-platform=instagram] .fetch-log",
        "Instagram fetched",
    )
    .await;
    assert!(log.contains("request"), "{log}");
    let reels = listing_in_browser(&b, &app, "instagram").await;
    assert_eq!(reels.len(), 1, "{reels:?}");
    assert_eq!(reels[0]["caption"], "A reel from the screen #cast");
    assert_eq!(
        reels[0]["thumb_offset"], 1500,
        "the cover frame in milliseconds"
    );
    assert_eq!(reels[0]["share_to_feed"], true);
    b.close().await;
}
