//! The posting screen in a real browser: tus upload, TikTok's Direct Post rules, live status.

use std::path::Path;

use crate::helpers::browser::{Browser, browser, set_up_and_log_in};
use crate::helpers::{TestApp, spawn_live_app_with};

pub(super) fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Logs in, connects a sandbox creator through the consent page and waits for the posting form.
pub(super) async fn ready_to_post(b: &Browser, app: &TestApp) {
    set_up_and_log_in(b, app).await;
    b.click("#connect-tiktok").await;
    b.wait_for("#sandbox-consent").await;
    b.fill("#username", "poster").await;
    b.click("#authorize").await;
    // The one account is ticked, and its options block is built from its creator info.
    b.wait_for("#t0-nickname").await;
}

/// Picks a file in the video input (WebDriver types the path into a file input).
async fn pick_video(b: &Browser, name: &str) {
    let input = b.wait_for("#video").await;
    input.send_keys(&fixture(name)).await.expect("pick file");
}

pub(super) async fn wait_for_text(b: &Browser, css: &str, needle: &str) -> String {
    let script = format!(
        "var e = document.querySelector({}); return e ? e.textContent : '';",
        serde_json::json!(css)
    );
    for _ in 0..150 {
        let text = b
            .execute(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!(
        "{css} never said {needle:?}; page: {}",
        b.page_source().await
    );
}

#[tokio::test]
async fn a_video_uploads_checks_and_publishes_with_nothing_preselected() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    ready_to_post(&b, &app).await;
    // TikTok's rules: nickname shown, no privacy chosen, every interaction off, Publish disabled.
    assert!(b.text_of("#t0-nickname").await.contains("Poster"));
    assert_eq!(
        b.execute("return document.getElementById('t0-privacy').value;")
            .await,
        ""
    );
    let ticked = b
        .execute(
            "return document.querySelectorAll('#post-form input[name^=t0_allow_]:checked').length;",
        )
        .await;
    assert_eq!(ticked, 0);
    assert!(
        !b.wait_for("#publish")
            .await
            .is_enabled()
            .await
            .expect("enabled?")
    );
    assert!(
        b.text_of("#target-0 .consent-line")
            .await
            .contains("Music Usage Confirmation")
    );

    pick_video(&b, "ok.mp4").await;
    wait_for_text(&b, "#video-check", "TikTok will take this video").await;
    assert!(
        !b.wait_for("#publish")
            .await
            .is_enabled()
            .await
            .expect("enabled?"),
        "still no privacy chosen"
    );
    b.execute("var s = document.getElementById('t0-privacy'); s.value = 'PUBLIC_TO_EVERYONE'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    b.fill("#title", "Hello from the browser #cast").await;
    b.click("#publish").await;
    wait_for_text(&b, ".status-headline", "Published").await;
    assert!(b.path().await.starts_with("/posts/"));

    let token = app.api_token("check");
    let posts: serde_json::Value = reqwest::Client::new()
        .get(app.url("/sandbox/tiktok/_/posts"))
        .bearer_auth(token)
        .send()
        .await
        .expect("posts")
        .json()
        .await
        .expect("json");
    let sent = std::fs::read(fixture("ok.mp4")).expect("fixture");
    let sha = hex_sha256(&sent);
    assert!(
        posts
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["sha256"] == sha.as_str()),
        "{posts}"
    );
    b.close().await;
}

#[tokio::test]
async fn sending_to_the_inbox_ends_in_the_inbox() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    ready_to_post(&b, &app).await;
    pick_video(&b, "ok.mp4").await;
    wait_for_text(&b, "#video-check", "TikTok will take this video").await;
    b.click("input[name=t0_mode][value=inbox]").await;
    assert!(
        b.wait_for("#target-0 .inbox-note")
            .await
            .is_displayed()
            .await
            .expect("shown")
    );
    b.click("#publish").await;
    wait_for_text(&b, ".status-headline", "In your TikTok inbox").await;
    assert!(b.text_of(".inbox-note").await.contains("finish the post"));
    b.close().await;
}

#[tokio::test]
async fn a_video_too_long_for_the_creator_is_flagged_before_publishing() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[("CAST_SANDBOX_MAX_DURATION_SEC", "10")]).await;
    ready_to_post(&b, &app).await;
    pick_video(&b, "too_long.mp4").await;
    let text = wait_for_text(&b, "#video-check", "TikTok would refuse").await;
    assert!(text.contains("at most 10 s"), "{text}");
    assert!(
        !b.wait_for("#publish")
            .await
            .is_enabled()
            .await
            .expect("enabled?")
    );
    b.close().await;
}

#[tokio::test]
async fn interactions_the_creator_disabled_are_greyed_out() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[("CAST_SANDBOX_DISABLED", "duet,stitch")]).await;
    ready_to_post(&b, &app).await;
    assert!(
        !b.wait_for("input[name=t0_allow_duet]")
            .await
            .is_enabled()
            .await
            .expect("enabled?")
    );
    assert!(
        !b.wait_for("input[name=t0_allow_stitch]")
            .await
            .is_enabled()
            .await
            .expect("enabled?")
    );
    assert!(
        b.wait_for("input[name=t0_allow_comment]")
            .await
            .is_enabled()
            .await
            .expect("enabled?")
    );
    b.close().await;
}

#[tokio::test]
async fn branded_content_changes_the_consent_line_and_rules_out_private() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    ready_to_post(&b, &app).await;
    b.execute("document.getElementById('t0-commercial').scrollIntoView({block: 'center'});")
        .await;
    b.click("#t0-commercial").await;
    assert!(
        b.wait_for("#target-0 .commercial-hint")
            .await
            .is_displayed()
            .await
            .expect("shown"),
        "neither box ticked yet"
    );
    b.execute("document.getElementById('t0-brand-content').scrollIntoView({block: 'center'});")
        .await;
    b.click("#t0-brand-content").await;
    assert!(
        b.text_of("#target-0 .consent-line")
            .await
            .contains("Branded Content Policy")
    );
    let self_only_disabled = b
        .execute("return document.querySelector('#t0-privacy option[value=SELF_ONLY]').disabled;")
        .await;
    assert_eq!(self_only_disabled, true);
    b.close().await;
}

#[tokio::test]
async fn the_posting_screen_fits_a_phone() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    b.set_window_size(360, 740).await;
    ready_to_post(&b, &app).await;
    let fits = b
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(fits, true, "no sideways scrolling at 360 px");
    b.screenshot(crate::helpers::browser::screenshot_path("post-360.png"))
        .await;
    b.close().await;
}

pub(super) fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A sandbox's listing (`/sandbox/{platform}/_/posts`), as the owner's browser reads it.
pub(super) async fn listing_in_browser(
    b: &Browser,
    app: &TestApp,
    platform: &str,
) -> Vec<serde_json::Value> {
    b.goto(&app.url(&format!("/sandbox/{platform}/_/posts")))
        .await;
    let listing = b
        .execute("return document.body.innerText;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string();
    serde_json::from_str(&listing).unwrap_or_else(|e| panic!("{e}: {listing}"))
}
