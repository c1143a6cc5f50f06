//! The owner's YouTube steps through Cast: Connect YouTube on the dashboard, the sandbox's
//! consent page, a YouTube target for `POST /api/posts`, and what the sandbox received.

use cast::accounts::AccountKey;
use cast::platforms::PlatformId;
use serde_json::{Value, json};

use crate::helpers::{TestApp, form_fields, location};

/// Follows Connect YouTube to the sandbox's consent page and presses Allow as `channel`;
/// returns Cast's answer to Google's redirect (a 303 to the dashboard).
pub async fn connect_youtube(app: &TestApp, channel: &str) -> reqwest::Response {
    let callback = consent(app, channel, "allow").await;
    app.client.get(&callback).send().await.expect("callback")
}

/// The sandbox's consent page for a new attempt, answered with `press` (`allow` or `cancel`);
/// returns where Google sends the owner back to.
pub async fn consent(app: &TestApp, channel: &str, press: &str) -> String {
    consent_with(app, channel, press, &[]).await
}

/// `consent` with extra fields ticked on the sandbox's page (`("no_channel", "1")`).
pub async fn consent_with(
    app: &TestApp,
    channel: &str,
    press: &str,
    extra: &[(&str, &str)],
) -> String {
    let res = app.get("/connect/youtube").await;
    assert_eq!(res.status().as_u16(), 303, "Connect YouTube redirects");
    let consent_url = location(&res);
    assert!(
        consent_url.contains("/sandbox/youtube/accounts/o/oauth2/v2/auth?"),
        "{consent_url}"
    );
    let page = app
        .client
        .get(&consent_url)
        .send()
        .await
        .expect("consent page")
        .text()
        .await
        .expect("body");
    let (action, mut fields) = form_fields(&page, press, &[]);
    for f in fields.iter_mut() {
        if f.0 == "channel_name" {
            f.1 = channel.to_string();
        }
    }
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let action = if action.starts_with("http") {
        action
    } else if action.starts_with('/') {
        app.url(&action)
    } else {
        consent_url
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let res = app
        .client
        .post(&action)
        .form(&fields)
        .send()
        .await
        .expect("consent answer");
    assert!(
        res.status().is_redirection(),
        "the consent page sends the owner back: {}",
        res.status()
    );
    location(&res)
}

/// `GET /api/youtube/channels`.
pub async fn channels(app: &TestApp) -> Vec<Value> {
    let res = app.get("/api/youtube/channels").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    body["channels"].as_array().cloned().unwrap_or_default()
}

/// The one connected channel's id.
pub async fn channel_id(app: &TestApp) -> String {
    let all = channels(app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    all[0]["channel_id"].as_str().expect("id").to_string()
}

/// The channel's live access token, as Cast holds it (opened with the app's key).
pub async fn access_token(app: &TestApp, channel_id: &str) -> String {
    app.accounts
        .tokens(&AccountKey::new(PlatformId::YouTube, channel_id))
        .await
        .expect("tokens")
        .access_token
}

/// A YouTube target with every answer YouTube needs; `extra` overrides or adds options.
pub fn youtube_target(channel_id: &str, extra: Value) -> Value {
    let mut t = json!({
        "platform": "youtube",
        "account": channel_id,
        "title": "A Cast test",
        "description": "Posted by Cast",
        "privacy_status": "public",
        "made_for_kids": false,
        "synthetic_media": false,
    });
    if let (Some(t), Some(o)) = (t.as_object_mut(), extra.as_object()) {
        t.extend(o.clone());
    }
    t
}

/// `GET /sandbox/youtube/_/videos`: every upload the sandbox received.
pub async fn sandbox_videos(app: &TestApp) -> Vec<Value> {
    let res = app.get("/sandbox/youtube/_/videos").await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

/// Asks the sandbox's Data API with `token`: the HTTP status of `channels.list mine=true`.
pub async fn channels_status_with(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/sandbox/youtube/youtube/v3/channels?part=id&mine=true"))
        .bearer_auth(token)
        .send()
        .await
        .expect("channels.list")
        .status()
        .as_u16()
}
