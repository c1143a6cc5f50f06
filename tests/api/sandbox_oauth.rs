//! The sandbox's token endpoint, refresh rotation and revoke (contract sections 2.2, 2.3 and 12).

use serde_json::Value;

use crate::helpers::sandbox::*;

fn assert_oauth_error(status: u16, body: &Value, want_status: u16, want_error: &str) {
    assert_eq!(
        (status, body["error"].as_str().unwrap_or("<none>")),
        (want_status, want_error),
        "{body}"
    );
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(body["log_id"].as_str().map(str::len), Some(34), "{body}");
}

async fn oauth_error(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

#[tokio::test]
async fn the_code_exchange_answers_tiktoks_seven_flat_fields() {
    let app = sandbox_app(&[]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let res = exchange(&app, &code).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let body: Value = res.json().await.expect("json");
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "open_id",
            "refresh_expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("act."))
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("rft."))
    );
    // The lifetimes seen in real answers (contract §2.2).
    assert_eq!(body["expires_in"], 86_400);
    assert_eq!(body["refresh_expires_in"], 31_536_000);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "user.info.basic,video.upload,video.publish");
}

#[tokio::test]
async fn a_code_works_once_and_its_replay_revokes_what_it_bought() {
    let app = sandbox_app(&[]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let first: Value = exchange(&app, &code).await.json().await.expect("json");
    let token = first["access_token"].as_str().expect("token");
    let (status, body) = oauth_error(exchange(&app, &code).await).await;
    assert_oauth_error(status, &body, 400, "invalid_grant");
    let (status, body) = call(&app, token, "/v2/post/publish/creator_info/query/", None).await;
    assert_api_error(status, &body, 401, "access_token_invalid");
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let app = sandbox_app(&[]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    // Ten minutes pass.
    app.advance(std::time::Duration::from_millis(600_001));
    let (status, body) = oauth_error(exchange(&app, &code).await).await;
    assert_oauth_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn the_redirect_uri_must_match_the_authorize_requests() {
    let app = sandbox_app(&[]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let res = token_request(
        &app,
        &[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", "https://elsewhere.example/cb"),
        ],
    )
    .await;
    let (status, body) = oauth_error(res).await;
    assert_oauth_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn the_client_must_authenticate_with_key_and_secret_in_the_body() {
    let app = sandbox_app(&[]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let redirect = redirect_uri(&app);
    for (key, secret) in [
        ("cast-sandbox", "wrong"),
        ("other-app", "cast-sandbox-secret"),
        ("cast-sandbox", ""),
    ] {
        let res = token_request(
            &app,
            &[
                ("client_key", key),
                ("client_secret", secret),
                ("code", &code),
                ("grant_type", "authorization_code"),
                ("redirect_uri", &redirect),
            ],
        )
        .await;
        let (status, body) = oauth_error(res).await;
        assert_oauth_error(status, &body, 401, "invalid_client");
    }
    // The refusals did not spend the code.
    assert_eq!(exchange(&app, &code).await.status().as_u16(), 200);
}

#[tokio::test]
async fn malformed_token_requests_get_rfc_6749_errors() {
    let app = sandbox_app(&[]).await;
    let base = [
        ("client_key", "cast-sandbox"),
        ("client_secret", "cast-sandbox-secret"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        base.iter().chain(extra.iter()).copied().collect()
    };
    let (s, b) = oauth_error(token_request(&app, &with(&[("grant_type", "password")])).await).await;
    assert_oauth_error(s, &b, 400, "unsupported_grant_type");
    let (s, b) = oauth_error(token_request(&app, &with(&[])).await).await;
    assert_oauth_error(s, &b, 400, "invalid_request");
    let (s, b) =
        oauth_error(token_request(&app, &with(&[("grant_type", "authorization_code")])).await)
            .await;
    assert_oauth_error(s, &b, 400, "invalid_request");
    let (s, b) = oauth_error(
        token_request(
            &app,
            &with(&[
                ("grant_type", "refresh_token"),
                ("grant_type", "refresh_token"),
            ]),
        )
        .await,
    )
    .await;
    assert_oauth_error(s, &b, 400, "invalid_request");
    // JSON instead of a form.
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/oauth/token/"))
        .json(&serde_json::json!({"client_key": "cast-sandbox", "grant_type": "refresh_token"}))
        .send()
        .await
        .expect("req");
    let (s, b) = oauth_error(res).await;
    assert_oauth_error(s, &b, 400, "invalid_request");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_refresh_token_is_refused_at_once() {
    let app = sandbox_app(&[]).await;
    let creator = connect(&app, "maria").await;
    let res = refresh(&app, &creator.refresh_token).await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["open_id"], creator.open_id.as_str());
    assert_eq!(body["scope"], "user.info.basic,video.upload,video.publish");
    let new_refresh = body["refresh_token"].as_str().expect("rotated");
    assert_ne!(new_refresh, creator.refresh_token);
    let new_access = body["access_token"].as_str().expect("access");
    let (status, info) = call(
        &app,
        new_access,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_ok(status, &info);

    let (status, body) = oauth_error(refresh(&app, &creator.refresh_token).await).await;
    assert_oauth_error(status, &body, 400, "invalid_grant");
    assert_eq!(refresh(&app, new_refresh).await.status().as_u16(), 200);
}

#[tokio::test]
async fn access_tokens_expire_after_the_configured_ttl() {
    let app = sandbox_app(&[("CAST_SANDBOX_TOKEN_TTL", "1")]).await;
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let body: Value = exchange(&app, &code).await.json().await.expect("json");
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().expect("token");
    app.advance(std::time::Duration::from_millis(1100));
    let (status, body) = call(&app, token, "/v2/post/publish/creator_info/query/", None).await;
    assert_api_error(status, &body, 401, "access_token_invalid");
}

#[tokio::test]
async fn revoke_kills_the_access_and_the_refresh_token() {
    let app = sandbox_app(&[]).await;
    let creator = connect(&app, "maria").await;
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/oauth/revoke/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("token", &creator.access_token),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status().as_u16(), 200);
    let (status, body) = call(
        &app,
        &creator.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_api_error(status, &body, 401, "access_token_invalid");
    let (status, body) = oauth_error(refresh(&app, &creator.refresh_token).await).await;
    assert_oauth_error(status, &body, 400, "invalid_grant");
}

#[tokio::test]
async fn revoke_needs_the_client_credentials() {
    let app = sandbox_app(&[]).await;
    let creator = connect(&app, "maria").await;
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/oauth/revoke/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "nope"),
            ("token", &creator.access_token),
        ])
        .send()
        .await
        .expect("revoke");
    let (status, body) = oauth_error(res).await;
    assert_oauth_error(status, &body, 401, "invalid_client");
    let (status, body) = call(
        &app,
        &creator.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_ok(status, &body);
}
