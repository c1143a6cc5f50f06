//! The owner's first minutes, in a real browser.

use crate::helpers::browser::{browser, log_in, log_out, screenshot_path, set_up_and_log_in};
use crate::helpers::{PASSWORD, spawn_live_app_with};

#[tokio::test]
async fn the_owner_sets_up_logs_in_and_sees_the_dashboard() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;

    set_up_and_log_in(&b, &app).await;
    assert_eq!(b.path().await, "/", "setup ends on the dashboard");
    assert!(
        b.text_of("#connect-tiktok")
            .await
            .contains("Connect TikTok"),
        "the dashboard offers to connect TikTok"
    );
    assert!(
        b.text_of(".banner-sandbox").await.contains("Sandbox mode"),
        "the sandbox banner shows"
    );

    log_out(&b).await;
    assert_eq!(b.path().await, "/login");
    assert!(b.page_source().await.contains("Log in to Cast"));

    log_in(&b, PASSWORD).await;
    b.wait_for("#connect-tiktok").await;
    assert_eq!(b.path().await, "/", "logging in ends on the dashboard");
    b.close().await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_the_browser() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    set_up_and_log_in(&b, &app).await;
    log_out(&b).await;

    log_in(&b, "not my password").await;
    let error = b.text_of("#login-error").await;
    assert!(
        error.contains("not right"),
        "the login page says why: {error}"
    );

    b.goto(&app.url("/")).await;
    b.wait_for("form[action='/login'] #password").await;
    assert_eq!(b.path().await, "/login", "the dashboard stays closed");
    assert!(
        !b.page_source().await.contains("id=\"connect-tiktok\""),
        "no dashboard content leaks to the login page"
    );
    b.close().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    set_up_and_log_in(&b, &app).await;

    // `form.submit()` skips submit handlers, so the form goes out exactly as it now stands.
    let removed = b
        .execute(
            "var f = document.querySelector(\".topbar form[action='/logout']\");
             var t = f.querySelector('input[name=csrf_token]');
             t.remove();
             f.submit();
             return true;",
        )
        .await;
    assert_eq!(removed, serde_json::json!(true));
    let heading = b.text_of("article.auth-card h1").await;
    assert_eq!(heading, "Not allowed", "the 403 page shows");
    assert!(
        b.page_source().await.contains("Reload the page"),
        "the refusal says what to do"
    );

    b.goto(&app.url("/")).await;
    b.wait_for("#connect-tiktok").await;
    assert_eq!(
        b.path().await,
        "/",
        "still logged in: the logout was refused"
    );
    b.close().await;
}

#[tokio::test]
async fn the_dashboard_fits_a_phone_screen() {
    let Some(b) = browser().await else { return };
    let app = spawn_live_app_with(&[]).await;
    set_up_and_log_in(&b, &app).await;

    b.set_window_size(360, 740).await;
    b.goto(&app.url("/")).await;
    b.wait_for("#connect-tiktok").await;
    let width = b.execute("return window.innerWidth;").await;
    assert!(
        width.as_u64().is_some_and(|w| w <= 360),
        "the window is phone-sized: innerWidth = {width}"
    );
    let fits = b
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    assert_eq!(
        fits,
        serde_json::json!(true),
        "no sideways scrolling at 360 px"
    );
    let button = b.wait_for("#connect-tiktok").await;
    assert!(
        button.is_displayed().await.expect("visibility"),
        "Connect TikTok is visible"
    );
    let inside = b
        .execute(
            "var r = document.getElementById('connect-tiktok').getBoundingClientRect();
             return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth;",
        )
        .await;
    assert_eq!(
        inside,
        serde_json::json!(true),
        "Connect TikTok lies within the screen's width"
    );
    b.screenshot(screenshot_path("dashboard-360.png")).await;
    b.close().await;
}
