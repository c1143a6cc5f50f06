//! The settings page: which ways of being told are on, with no secret on the page, and
//! "Send a test" that says whether the message arrived.

use crate::helpers::notify::{Receiver, SmtpSink, refused_url};
use crate::helpers::spawn_app_with;

const NTFY_TOKEN: &str = "tk_ntfy_token_on_settings_77";
const WEBHOOK_SECRET: &str = "settings-webhook-secret-0123";
const SMTP_PASSWORD: &str = "hunter2-settings-mail";

#[tokio::test]
async fn the_settings_page_lists_configured_channels_without_their_secrets() {
    let ntfy = Receiver::start().await;
    let hook = Receiver::start().await;
    let smtp = refused_url("smtps").replace("smtps://", &format!("smtps://me:{SMTP_PASSWORD}@"));
    let ntfy_url = format!("{}/private-topic-settings", ntfy.url);
    let hook_url = format!("{}/api/webhook/hook-id-settings-987", hook.url);
    let app = spawn_app_with(&[
        ("NTFY_URL", &ntfy_url),
        ("NTFY_TOKEN", NTFY_TOKEN),
        ("NOTIFY_WEBHOOK_URL", &hook_url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp),
        ("NOTIFY_EMAIL_FROM", "cast@example.com"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    app.logged_in().await;
    let dashboard = app.get_text("/").await;
    assert!(
        dashboard.contains(r#"href="/settings""#),
        "linked from the nav"
    );

    let page = app.get_text("/settings").await;
    for channel in ["ntfy", "webhook", "email"] {
        assert!(
            page.contains(&format!(r#"id="channel-{channel}" data-configured="true""#)),
            "{channel} shows as configured:\n{page}"
        );
    }
    assert!(page.contains(&ntfy.url), "where ntfy sends, by host");
    assert!(page.contains("me@example.com"));
    for secret in [
        NTFY_TOKEN,
        "private-topic-settings",
        "hook-id-settings-987",
        WEBHOOK_SECRET,
        SMTP_PASSWORD,
    ] {
        assert!(!page.contains(secret), "{secret} leaked on the page");
    }
    assert_eq!(page.matches("set (hidden)").count(), 3, "{page}");

    // A failed test shows why, free of secrets, on the page too.
    let csrf = app.csrf_token().await;
    let res = app
        .client
        .post(app.url("/settings/notifications/email/test"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("test");
    assert_eq!(res.status().as_u16(), 200);
    let answer = res.text().await.expect("body");
    assert!(answer.contains("Not sent:"), "{answer}");
    assert!(!answer.contains(SMTP_PASSWORD), "{answer}");
    let page = app.get_text("/settings").await;
    assert!(page.contains("Last failure"), "{page}");
    assert!(!page.contains(SMTP_PASSWORD));
}

#[tokio::test]
async fn send_a_test_reaches_the_receiver_and_says_it_arrived() {
    let ntfy = Receiver::start().await;
    let hook = Receiver::start().await;
    let smtp = SmtpSink::start();
    let ntfy_url = format!("{}/topic", ntfy.url);
    let app = spawn_app_with(&[
        ("NTFY_URL", &ntfy_url),
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("NOTIFY_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("SMTP_URL", &smtp.url),
        ("NOTIFY_EMAIL_FROM", "cast@example.com"),
        ("NOTIFY_EMAIL_TO", "me@example.com"),
    ])
    .await;
    let csrf = app.logged_in().await;
    for channel in ["ntfy", "webhook", "email"] {
        let res = app
            .client
            .post(app.url(&format!("/settings/notifications/{channel}/test")))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &csrf)
            .send()
            .await
            .expect("test");
        let answer = res.text().await.expect("body");
        assert!(answer.contains("Sent:"), "{channel}: {answer}");
    }
    assert_eq!(ntfy.requests().len(), 1);
    assert_eq!(hook.requests()[0].json()["event"], "test");
    assert_eq!(smtp.mails().len(), 1);
    let page = app.get_text("/settings").await;
    assert_eq!(page.matches("Last delivered").count(), 3, "{page}");

    // A plain form without the session's token changes nothing and sends nothing.
    let res = app
        .post_form(
            "/settings/notifications/ntfy/test",
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(ntfy.requests().len(), 1);

    // Without HTMX, the page comes back with the outcome beside the channel.
    let res = app
        .post_form(
            "/settings/notifications/ntfy/test",
            &[("csrf_token", &csrf)],
        )
        .await;
    let page = res.text().await.expect("body");
    assert!(page.contains("Sent: ntfy push accepted"), "{page}");
    assert_eq!(ntfy.requests().len(), 2);
}

#[tokio::test]
async fn a_channel_that_is_not_set_up_names_its_setting_and_offers_no_test() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let page = app.get_text("/settings").await;
    assert_eq!(page.matches(r#"data-configured="false""#).count(), 3);
    assert!(page.contains("Set <code>NTFY_URL</code> to turn it on."));
    assert!(!page.contains("Send a test"));
}

#[tokio::test]
async fn an_anonymous_visitor_gets_the_login_page_not_the_settings() {
    let app = spawn_app_with(&[]).await;
    let res = app.get("/settings").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fsettings");
    let res = app
        .client
        .post(app.url("/settings/notifications/ntfy/test"))
        .send()
        .await
        .expect("post");
    assert!(
        matches!(res.status().as_u16(), 303 | 401 | 403),
        "{}",
        res.status()
    );
}
