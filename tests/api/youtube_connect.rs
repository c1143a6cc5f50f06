//! Connecting YouTube channels through Cast: the card, the Testing expiry said at once, a dead
//! grant marking the channel, and disconnecting.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::notify::Receiver;
use crate::helpers::posts::{fixture, post_video, step_until_settled};
use crate::helpers::spawn_app_with;
use crate::youtube_helpers::*;

#[tokio::test]
async fn connecting_youtube_shows_the_channels_card_on_the_dashboard() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let page = app.get_text("/").await;
    assert!(page.contains("id=\"connect-youtube\""), "{page}");
    assert!(
        page.contains("Posts to YouTube go to Cast's built-in YouTube emulator"),
        "the banner names YouTube as emulated"
    );
    let res = connect_youtube(&app, "Cooking With Cast").await;
    assert_eq!(res.status().as_u16(), 303);
    let all = channels(&app).await;
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert!(
        c["channel_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("UC"))
    );
    assert_eq!(c["title"], "Cooking With Cast");
    assert_eq!(c["handle"], "@cookingwithcast");
    assert_eq!(c["status"], "active");
    assert_eq!(c["missing_scopes"], json!([]));
    let page = app.get_text("/").await;
    assert!(
        page.contains("Cooking With Cast"),
        "the card names the channel"
    );
    assert!(page.contains("@cookingwithcast · YouTube"), "{page}");

    connect_youtube(&app, "Second Channel").await;
    assert_eq!(
        channels(&app).await.len(),
        2,
        "several channels can be connected"
    );
}

#[tokio::test]
async fn refusing_on_googles_page_connects_nothing_and_says_so() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let back = consent(&app, "Mine", "cancel").await;
    assert!(back.contains("error=access_denied"), "{back}");
    let res = app.client.get(&back).send().await.expect("callback");
    assert!(res.status().as_u16() >= 300);
    assert!(channels(&app).await.is_empty());
}

#[tokio::test]
async fn a_consent_screen_in_testing_is_named_on_the_card_at_once_and_when_google_ends_it() {
    let hook = Receiver::start().await;
    let app = spawn_app_with(&[
        ("CAST_SANDBOX_YOUTUBE_TESTING", "1"),
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        ("NOTIFY_WEBHOOK_SECRET", "0123456789abcdef0123456789abcdef"),
    ])
    .await;
    let csrf = app.logged_in().await;
    connect_youtube(&app, "Weekly").await;
    let c = &channels(&app).await[0];
    assert_eq!(c["status"], "active");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Testing") && reason.contains("Publish app"),
        "{reason}"
    );
    assert!(
        app.get_text("/")
            .await
            .contains("Google will end this connection on")
    );

    // Eight days later Google refuses the refresh token: the channel needs reconnecting, and says why.
    app.advance(Duration::from_secs(8 * 86_400));
    let id = c["channel_id"].as_str().expect("id").to_string();
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([youtube_target(&id, json!({}))]),
        None,
        None,
    )
    .await;
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    if status == 202 {
        let post = step_until_settled(
            &app,
            body["post"]["id"].as_str().expect("id"),
            Duration::from_secs(3600),
        )
        .await;
        assert_eq!(post["targets"][0]["state"], "failed", "{post}");
    }
    let c = &channels(&app).await[0];
    assert_eq!(c["status"], "needs_reconnect", "{c}");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Testing"),
        "the reason names the Testing expiry: {reason}"
    );
    assert!(app.get_text("/").await.contains("Needs reconnecting"));
    // The owner is told, once.
    app.notifier.deliver_due().await;
    let told: Vec<String> = hook
        .requests()
        .iter()
        .map(|r| r.json().to_string())
        .collect();
    assert!(
        told.iter().any(|t| t.contains("Testing")),
        "a notification says why: {told:?}"
    );
}

#[tokio::test]
async fn disconnecting_a_channel_revokes_casts_access_at_google() {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    connect_youtube(&app, "Going Away").await;
    let id = channel_id(&app).await;
    let token = access_token(&app, &id).await;
    assert_eq!(channels_status_with(&app, &token).await, 200);
    let res = app
        .client
        .post(app.url("/api/youtube/logout"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"channel_id": id}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status().as_u16(), 200);
    assert!(channels(&app).await.is_empty());
    assert_eq!(
        channels_status_with(&app, &token).await,
        401,
        "Google no longer takes the token"
    );
}

#[tokio::test]
async fn a_script_connects_a_channel_with_the_api() {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    let res = app.get("/api/youtube/auth-url").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    let url = body["url"].as_str().expect("url");
    for (k, v) in [
        ("access_type", "offline"),
        ("prompt", "consent"),
        ("code_challenge_method", "S256"),
        ("response_type", "code"),
    ] {
        assert!(url.contains(&format!("{k}={v}")), "{k} in {url}");
    }
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    assert!(url.contains("%2Fauth%2Fyoutube%2Fcallback"), "{url}");
    let back = consent(&app, "Scripted", "allow").await;
    let code = crate::helpers::sandbox::query_param(&back, "code").expect("code");
    let state = crate::helpers::sandbox::query_param(&back, "state").expect("state");
    let res = app
        .client
        .post(app.url("/api/youtube/login"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"code": code, "state": state}))
        .send()
        .await
        .expect("login");
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["title"], "Scripted");
    assert_eq!(body["account"]["status"], "active");
    assert!(body["account"]["channel_id"].as_str().is_some());
    // A state is single use.
    let again = app
        .client
        .post(app.url("/api/youtube/login"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"code": "x", "state": state}))
        .send()
        .await
        .expect("again");
    assert_eq!(again.status().as_u16(), 400);
}

#[tokio::test]
async fn cast_doctor_prints_the_youtube_redirect_uri_and_scopes_to_paste() {
    let app = spawn_app_with(&[]).await;
    let out = app.cast_cli(&["doctor"], None);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // BASE_URL + /auth/youtube/callback, with the BASE_URL this Cast runs with.
    assert!(
        text.lines().any(
            |l| l.contains("Redirect URI to register in Google Cloud Console")
                && l.trim_end().ends_with("/auth/youtube/callback")
        ),
        "{text}"
    );
    assert!(
        text.contains("https://www.googleapis.com/auth/youtube.upload"),
        "{text}"
    );
    assert!(text.contains("No YouTube credentials"), "{text}");
}

/// `cast doctor` run with a Google client whose three hosts are this Cast's YouTube sandbox
/// (run off the test's thread, which serves the sandbox meanwhile).
async fn doctor_with_client(app: &crate::helpers::TestApp, secret: &str) -> String {
    let sandbox = format!("{}/sandbox/youtube", app.address);
    let env: Vec<(String, String)> = [
        ("BASE_URL", app.address.clone()),
        (
            "YOUTUBE_CLIENT_ID",
            "cast-sandbox.apps.googleusercontent.com".into(),
        ),
        ("YOUTUBE_CLIENT_SECRET", secret.to_string()),
        ("YOUTUBE_AUTH_BASE", format!("{sandbox}/accounts")),
        ("YOUTUBE_OAUTH_BASE", format!("{sandbox}/oauth2")),
        ("YOUTUBE_API_BASE", sandbox.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let dir = app.data_dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        crate::helpers::run_cast(&dir, &["doctor"], None, &env)
    })
    .await
    .expect("doctor ran");
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[tokio::test]
async fn cast_doctor_says_whether_google_accepts_the_client_and_what_base_url_google_refuses() {
    let app = spawn_app_with(&[]).await;
    let good = doctor_with_client(&app, "cast-sandbox-secret").await;
    assert!(
        good.contains("Google accepts the YouTube client id and secret"),
        "{good}"
    );
    assert!(good.contains("clock agrees with Google's"), "{good}");
    // The tests' BASE_URL is http on an IP address: both are named, with what to do.
    assert!(
        good.contains("Google refuses redirect URIs on raw IP addresses"),
        "{good}"
    );
    assert!(
        good.contains("Google needs an https redirect URI"),
        "{good}"
    );
    assert!(
        !good.contains("cast-sandbox-secret"),
        "the secret is never printed"
    );

    let bad = doctor_with_client(&app, "a-wrong-secret").await;
    assert!(
        bad.contains("Google does not accept YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET"),
        "{bad}"
    );
    assert!(
        !bad.contains("a-wrong-secret"),
        "the secret is never printed"
    );
}

#[tokio::test]
async fn access_removed_at_google_marks_the_channel_for_reconnecting_with_the_reason() {
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    connect_youtube(&app, "Removed").await;
    let id = channel_id(&app).await;
    // The owner removes Cast's access in their Google account (the grant is revoked there).
    let token = access_token(&app, &id).await;
    let res = reqwest::Client::new()
        .post(app.url("/sandbox/youtube/oauth2/revoke"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status().as_u16(), 200);
    // The next call refreshes (the hour-long token is spent) and Google answers invalid_grant.
    app.advance(Duration::from_secs(2 * 3600));
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([youtube_target(&id, json!({}))]),
        None,
        None,
    )
    .await;
    let body: Value = res.json().await.expect("json");
    let post = step_until_settled(
        &app,
        body["post"]["id"].as_str().expect("accepted"),
        Duration::from_secs(3600),
    )
    .await;
    let t = &post["targets"][0];
    assert_eq!(t["state"], "failed", "{t}");
    assert_eq!(t["error"]["code"], "needs_reconnect", "{t}");
    let c = &channels(&app).await[0];
    assert_eq!(c["status"], "needs_reconnect");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("Connect the channel again"), "{reason}");
    assert!(
        !reason.contains("Testing"),
        "not the Testing expiry: {reason}"
    );
    assert!(sandbox_videos(&app).await.is_empty());
}

#[tokio::test]
async fn google_failing_the_code_exchange_connects_nothing_and_connect_works_again() {
    let app = spawn_app_with(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "token:503:1")]).await;
    app.logged_in().await;
    let res = connect_youtube(&app, "Flaky").await;
    assert!(res.status().as_u16() >= 400, "{}", res.status());
    let page = res.text().await.unwrap_or_default();
    assert!(
        page.contains("YouTube") || page.contains("Google"),
        "{page}"
    );
    assert!(channels(&app).await.is_empty());
    let res = connect_youtube(&app, "Flaky").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(channels(&app).await.len(), 1);
}

#[tokio::test]
async fn a_google_account_without_a_channel_is_told_to_create_one() {
    let app = spawn_app_with(&[]).await;
    app.logged_in().await;
    let back = consent_with(&app, "Nobody", "allow", &[("no_channel", "1")]).await;
    let res = app.client.get(&back).send().await.expect("callback");
    assert!(res.status().as_u16() >= 400);
    let page = res.text().await.unwrap_or_default();
    assert!(page.contains("has no YouTube channel"), "{page}");
    assert!(page.contains("Create one on youtube.com"), "{page}");
    assert!(channels(&app).await.is_empty());
}
