//! The owner's first minutes, in a real browser.

use super::harness::{browser, set_up_and_log_in};
use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn the_owner_sets_up_logs_in_and_sees_the_dashboard() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    set_up_and_log_in(&b, &app).await;
    assert!(
        b.text_of("#connect-tiktok")
            .await
            .contains("Connect TikTok")
    );
    assert!(b.text_of(".banner-sandbox").await.contains("Sandbox mode"));

    b.click(".topbar form[action='/logout'] button").await;
    b.wait_for("form[action='/login']").await;
    assert_eq!(b.path().await, "/login");
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for("#connect-tiktok").await;
    assert_eq!(b.path().await, "/");
    b.close().await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_the_browser() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    set_up_and_log_in(&b, &app).await;
    b.click(".topbar form[action='/logout'] button").await;
    b.fill("#password", "not my password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert!(b.text_of("#login-error").await.contains("not right"));
    b.goto(&app.url("/")).await;
    b.wait_for("form[action='/login']").await;
    assert_eq!(b.path().await, "/login", "the dashboard stays closed");
    b.close().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    set_up_and_log_in(&b, &app).await;
    b.js("var f = document.querySelector(\".topbar form[action='/logout']\"); f.querySelector('input[name=csrf_token]').remove(); f.submit();").await;
    b.wait_for("main article").await;
    assert!(
        b.source().await.contains("Reload the page"),
        "the refusal says what to do"
    );
    b.goto(&app.url("/")).await;
    b.wait_for("#connect-tiktok").await;
    assert_eq!(b.path().await, "/", "still logged in: nothing changed");
    b.close().await;
}

#[tokio::test]
async fn the_dashboard_fits_a_phone_screen() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    set_up_and_log_in(&b, &app).await;
    b.client.set_window_size(360, 740).await.expect("resize");
    b.goto(&app.url("/")).await;
    b.wait_for("#connect-tiktok").await;
    let fits = b
        .js("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "no sideways scrolling at 360 px"
    );
    assert!(
        b.wait_for("#connect-tiktok")
            .await
            .is_displayed()
            .await
            .expect("displayed")
    );
    b.screenshot("dashboard-360.png").await;
    b.close().await;
}
