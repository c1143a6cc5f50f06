//! Connect TikTok: the owner signs in with TikTok (the sandbox) and Cast keeps the account.

use crate::helpers::{location, spawn_app};

async fn accounts_json(app: &crate::helpers::TestApp) -> Vec<serde_json::Value> {
    let body: serde_json::Value = app
        .get("/api/tiktok/accounts")
        .await
        .json()
        .await
        .expect("json");
    body["accounts"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn connecting_through_the_browser_route_shows_the_account_card() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app.connect_account("maria").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/");
    let page = app.get_text("/").await;
    assert!(
        page.contains("Connected @maria") || page.contains("@maria"),
        "{page}"
    );
    assert!(page.contains("account-card"));
    let accounts = accounts_json(&app).await;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["username"], "maria");
    assert_eq!(accounts[0]["status"], "active");
    assert!(
        !accounts[0]["display_name"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert!(
        !accounts[0]["avatar_url"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn connecting_through_the_json_api() {
    let app = spawn_app().await;
    let token = app.api_token("script");
    // The script drives the consent page itself, as the owner would in a browser.
    app.logged_in().await;
    let api = reqwest::Client::new();
    let auth: serde_json::Value = api
        .get(app.url("/api/tiktok/auth-url"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    let url = auth["url"].as_str().expect("url").to_string();
    let state = auth["state"].as_str().expect("state").to_string();
    assert!(url.contains("client_key=cast-sandbox"));
    assert!(url.contains("scope=user.info.basic%2Cvideo.upload%2Cvideo.publish"));
    let page = app
        .client
        .get(&url)
        .send()
        .await
        .expect("consent")
        .text()
        .await
        .expect("body");
    let callback = app
        .answer_consent(&page, "authorize", "scripted", &[])
        .await;
    let code = url::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");

    let res = api
        .post(app.url("/api/tiktok/login"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": code, "state": state}))
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["account"]["username"], "scripted");
    assert_eq!(body["account"]["status"], "active");

    let res = api
        .get(app.url("/api/tiktok/creator-info"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req");
    let info: serde_json::Value = res.json().await.expect("json");
    assert_eq!(info["creator_info"]["creator_username"], "scripted");
    assert!(
        info["creator_info"]["privacy_level_options"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );

    let res = api
        .post(app.url("/api/tiktok/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 200);
    assert!(accounts_json(&app).await.is_empty());
}

#[tokio::test]
async fn the_callback_refuses_a_missing_unknown_or_reused_state() {
    let app = spawn_app().await;
    app.logged_in().await;
    let res = app.get("/auth/tiktok/callback?code=abc").await;
    assert_eq!(res.status().as_u16(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("without its security code")
    );

    let res = app
        .get("/auth/tiktok/callback?code=abc&state=made-up")
        .await;
    assert_eq!(res.status().as_u16(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("Start again from Connect TikTok")
    );

    let (page, _) = app.open_consent().await;
    let callback = app.answer_consent(&page, "authorize", "once", &[]).await;
    assert_eq!(
        app.client
            .get(&callback)
            .send()
            .await
            .expect("first")
            .status()
            .as_u16(),
        303
    );
    let again = app.client.get(&callback).send().await.expect("again");
    assert_eq!(again.status().as_u16(), 400, "a state works once only");
    assert_eq!(accounts_json(&app).await.len(), 1);
}

#[tokio::test]
async fn the_callback_refuses_an_expired_state() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (page, _) = app.open_consent().await;
    let callback = app.answer_consent(&page, "authorize", "slow", &[]).await;
    // Eleven minutes pass (on the app's clock) before TikTok sends the owner back.
    app.advance(std::time::Duration::from_secs(11 * 60));
    let res = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 400);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("longer than 10 minutes")
    );
    assert!(accounts_json(&app).await.is_empty());
}

#[tokio::test]
async fn a_state_from_another_login_is_refused() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (page, _) = app.open_consent().await;
    let callback = app.answer_consent(&page, "authorize", "victim", &[]).await;
    // Someone else's browser (no session) follows the link.
    let stranger = crate::helpers::browser_client();
    let res = stranger.get(&callback).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 400);
    assert!(accounts_json(&app).await.is_empty());
}

#[tokio::test]
async fn denying_on_tiktok_shows_a_clear_page_and_a_way_back() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (page, _) = app.open_consent().await;
    let callback = app.answer_consent(&page, "deny", "nope", &[]).await;
    assert!(callback.contains("error=access_denied"));
    let res = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 400);
    let body = res.text().await.expect("body");
    assert!(body.contains("did not allow Cast"));
    assert!(body.contains("href=\"/\""), "a way back");
    assert!(accounts_json(&app).await.is_empty());
}

#[tokio::test]
async fn two_accounts_and_reconnecting_one_updates_it() {
    let app = spawn_app().await;
    app.logged_in().await;
    app.connect_account("personal").await;
    app.connect_account("brand").await;
    let accounts = accounts_json(&app).await;
    assert_eq!(accounts.len(), 2);
    app.connect_account("personal").await;
    let again = accounts_json(&app).await;
    assert_eq!(again.len(), 2, "reconnecting does not duplicate");
    let page = app.get_text("/").await;
    assert!(page.contains("@personal") && page.contains("@brand"));
}

#[tokio::test]
async fn unticked_scopes_are_named_on_the_card() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (page, _) = app.open_consent().await;
    let callback = app
        .answer_consent(&page, "authorize", "partial", &["video.publish"])
        .await;
    assert!(
        callback.contains("scopes=user.info.basic%2Cvideo.upload")
            || callback.contains("scopes=user.info.basic,video.upload"),
        "{callback}"
    );
    app.client.get(&callback).send().await.expect("callback");
    let page = app.get_text("/").await;
    assert!(page.contains("Missing permission: video.publish"), "{page}");
    assert!(page.contains("Reconnect"));
}

#[tokio::test]
async fn tokens_are_not_readable_in_the_database_file() {
    let app = spawn_app().await;
    app.logged_in().await;
    app.connect_account("secretive").await;
    let (access, refresh): (Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT access_token, refresh_token FROM accounts")
            .fetch_one(&app.db)
            .await
            .expect("row");
    let access = String::from_utf8_lossy(&access).to_string();
    let refresh = String::from_utf8_lossy(&refresh).to_string();
    assert!(!access.contains("act.") && !refresh.contains("rft."));
    let file = std::fs::read(app.data_path().join("cast.db")).expect("db file");
    let text = String::from_utf8_lossy(&file);
    assert!(
        !text.contains("act."),
        "no access token in clear in the database file"
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_automatically() {
    let app = spawn_app().await;
    app.logged_in().await;
    app.connect_account("sleepy").await;
    // A day and a bit: TikTok's access token (24 h) has really expired, at TikTok too.
    app.advance(std::time::Duration::from_secs(25 * 3600));
    let res = app.get("/api/tiktok/creator-info").await;
    assert_eq!(res.status().as_u16(), 200, "{:?}", res.text().await);
    assert_eq!(accounts_json(&app).await[0]["status"], "active");
}

#[tokio::test]
async fn two_concurrent_calls_refresh_once() {
    let app = spawn_app().await;
    app.logged_in().await;
    app.connect_account("busy").await;
    app.advance(std::time::Duration::from_secs(25 * 3600));
    let (a, b) = tokio::join!(
        app.get("/api/tiktok/creator-info"),
        app.get("/api/tiktok/creator-info")
    );
    assert_eq!(a.status().as_u16(), 200);
    assert_eq!(b.status().as_u16(), 200);
    // A second refresh would have sent the rotated (now dead) refresh token, TikTok would have
    // answered invalid_grant, and the account would need reconnecting.
    assert_eq!(accounts_json(&app).await[0]["status"], "active");
}

#[tokio::test]
async fn a_refused_refresh_marks_the_account_for_reconnecting() {
    let app = spawn_app().await;
    app.logged_in().await;
    app.connect_account("revoked").await;
    // The creator removes the app on TikTok: the sandbox forgets the tokens.
    let token = app.accounts_access_token("revoked").await;
    reqwest::Client::new()
        .post(app.url("/sandbox/tiktok/v2/oauth/revoke/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .expect("revoke");
    app.advance(std::time::Duration::from_secs(25 * 3600));
    let res = app.get("/api/tiktok/creator-info").await;
    assert_eq!(res.status().as_u16(), 409);
    let accounts = accounts_json(&app).await;
    assert_eq!(accounts[0]["status"], "needs_reconnect");
    let page = app.get_text("/").await;
    assert!(page.contains("Needs reconnecting") && page.contains("Reconnect"));
}

#[tokio::test]
async fn disconnect_revokes_at_tiktok_and_keeps_nothing_secret() {
    let app = spawn_app().await;
    let csrf = app.logged_in().await;
    app.connect_account("leaving").await;
    let token = app.accounts_access_token("leaving").await;
    let open_id = accounts_json(&app).await[0]["open_id"]
        .as_str()
        .expect("id")
        .to_string();
    let res = app
        .post_form(
            &format!("/accounts/{open_id}/disconnect"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(accounts_json(&app).await.is_empty());
    let (tokens,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM accounts WHERE access_token IS NOT NULL")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(tokens, 0);
    // TikTok no longer accepts the old token.
    let res = reqwest::Client::new()
        .post(app.url("/sandbox/tiktok/v2/post/publish/creator_info/query/"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json; charset=UTF-8")
        .body("{}")
        .send()
        .await
        .expect("req");
    assert_eq!(res.status().as_u16(), 401);
}
