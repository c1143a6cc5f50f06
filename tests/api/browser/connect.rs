//! Connecting TikTok through the sandbox's consent page, in a real browser.

use crate::helpers::browser::{browser, screenshot_path, set_up_and_log_in};
use crate::helpers::spawn_live_app_with;

#[tokio::test]
async fn connecting_an_account_through_the_consent_page_shows_its_card() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    set_up_and_log_in(&b, &app).await;
    b.click("#connect-tiktok").await;
    b.wait_for("#sandbox-consent").await;
    b.fill("#username", "browser_creator").await;
    b.click("#authorize").await;
    let card = b.wait_for(".account-card").await;
    let text = card.text().await.expect("card text");
    assert!(text.contains("@browser_creator"), "{text}");
    assert!(text.contains("Connected"), "{text}");
    b.screenshot(screenshot_path("dashboard-connected.png"))
        .await;
    b.close().await;
}
