//! The owner's Instagram steps through Cast: Connect Instagram on the dashboard, the sandbox's
//! consent page, an Instagram target for `POST /api/posts`, stepping a post while the sandbox's
//! fetcher reads Cast's link, and what the sandbox received.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::posts::post_of;
use crate::helpers::{TestApp, form_fields, location};

/// Follows Connect Instagram to the sandbox's consent page and presses Allow as `username` with
/// `account_type` (`BUSINESS`, `MEDIA_CREATOR`, `PERSONAL`); returns Cast's answer to the
/// redirect back.
pub async fn connect_instagram(
    app: &TestApp,
    username: &str,
    account_type: &str,
) -> reqwest::Response {
    let callback = consent(app, username, account_type, "allow").await;
    app.client.get(&callback).send().await.expect("callback")
}

/// The sandbox's consent page for a new attempt, answered with `press`; where Instagram sends
/// the owner back to.
pub async fn consent(app: &TestApp, username: &str, account_type: &str, press: &str) -> String {
    let res = app.get("/connect/instagram").await;
    assert_eq!(res.status().as_u16(), 303, "Connect Instagram redirects");
    let consent_url = location(&res);
    assert!(
        consent_url.contains("/sandbox/instagram/www/oauth/authorize?"),
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
        if f.0 == "username" {
            f.1 = username.to_string();
        }
    }
    fields.push(("account_type".into(), account_type.into()));
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

/// `GET /api/instagram/accounts`.
pub async fn instagram_accounts(app: &TestApp) -> Vec<Value> {
    let res = app.get("/api/instagram/accounts").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    body["accounts"].as_array().cloned().unwrap_or_default()
}

/// Connects `username` as a Creator account; its `user_id`.
pub async fn connected(app: &TestApp, username: &str) -> String {
    let res = connect_instagram(app, username, "MEDIA_CREATOR").await;
    assert_eq!(res.status().as_u16(), 303, "connected");
    instagram_accounts(app)
        .await
        .into_iter()
        .find(|a| a["username"] == username)
        .and_then(|a| a["user_id"].as_str().map(str::to_string))
        .expect("the account is listed")
}

/// An Instagram target for `POST /api/posts`.
pub fn instagram_target(user_id: &str, caption: &str) -> Value {
    json!({"platform": "instagram", "account": user_id, "caption": caption, "share_to_feed": true, "thumb_offset_ms": 1000})
}

/// `GET /sandbox/instagram/_/posts`: every container the sandbox made.
pub async fn sandbox_reels(app: &TestApp) -> Vec<Value> {
    let res = app.get("/sandbox/instagram/_/posts").await;
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.expect("json")
}

/// Lets the sandbox's fetcher finish whatever it started: it reads Cast's link over real HTTP.
pub async fn settle(app: &TestApp) {
    if let Some(sandbox) = &app.instagram_sandbox {
        sandbox.settle().await;
    }
}

/// Steps the worker until every target of the post is final, moving the clock to the next due
/// target whenever nothing is due now, and letting the sandbox's fetches end before each step.
pub async fn step_post_until_settled(app: &TestApp, id: &str, within: Duration) -> Value {
    let deadline = app.clock.now_ms() + within.as_millis() as i64;
    for _ in 0..5_000 {
        settle(app).await;
        let p = post_of(app, id).await;
        let settled = p["targets"].as_array().is_some_and(|ts| {
            ts.iter().all(|t| {
                ["published", "in_inbox", "failed", "cancelled"]
                    .contains(&t["state"].as_str().unwrap_or(""))
                    && t["awaiting_link"] != true
            })
        });
        if settled {
            return p;
        }
        if app.step().await {
            continue;
        }
        let next = app
            .posts
            .next_due()
            .await
            .expect("next due")
            .unwrap_or_else(|| panic!("the queue is idle before {id} settled: {p}"));
        let to = (next * 1000).max(app.clock.now_ms() + 1000);
        assert!(
            to <= deadline,
            "{id} did not settle within {within:?} of app time: {p}"
        );
        app.clock.set_ms(to);
        tokio::task::yield_now().await;
    }
    panic!("{id} never settled");
}

/// The post's target for `platform`.
pub fn target<'a>(post: &'a Value, platform: &str) -> &'a Value {
    post["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["platform"] == platform))
        .unwrap_or_else(|| panic!("no {platform} target: {post}"))
}
