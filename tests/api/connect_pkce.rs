//! PKCE on every sign-in (contract §2.1, §2.2, §12): Cast sends TikTok's hex S256 challenge and
//! the verifier, kept sealed on the server; the sandbox refuses anything less.

use serde_json::Value;

use crate::helpers::sandbox::*;
use crate::helpers::spawn_app;

fn param(url: &str, key: &str) -> Option<String> {
    query_param(url, key)
}

#[tokio::test]
async fn connecting_sends_a_pkce_challenge_and_the_verifier() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (page, consent_url) = app.open_consent().await;
    let challenge = param(&consent_url, "code_challenge").expect("a challenge");
    assert_eq!(challenge.len(), 64, "{challenge}");
    assert!(
        challenge
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "hex, not base64url: {challenge}"
    );
    assert_eq!(
        param(&consent_url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    // The verifier is kept with the state, sealed: not the challenge, not in clear.
    let (sealed,): (Vec<u8>,) = sqlx::query_as("SELECT verifier FROM oauth_states")
        .fetch_one(&app.db)
        .await
        .expect("one attempt");
    assert!(sealed.len() > 43);
    assert!(!String::from_utf8_lossy(&sealed).contains(&challenge));

    let callback = app.answer_consent(&page, "authorize", "maria", &[]).await;
    // The code remembers the challenge; redeeming it needed the verifier.
    let (stored,): (Option<String>,) =
        sqlx::query_as("SELECT code_challenge FROM sandbox_auth_codes")
            .fetch_one(&app.db)
            .await
            .expect("code");
    assert_eq!(stored.as_deref(), Some(challenge.as_str()));
    let res = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(res.status().as_u16(), 303, "connected");
    let accounts: Value = app
        .get("/api/tiktok/accounts")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(accounts["accounts"].as_array().map(Vec::len), Some(1));
    // Single use: the attempt and its verifier are gone.
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(left, 0);
    let again = app.client.get(&callback).send().await.expect("replay");
    assert_eq!(again.status().as_u16(), 400);
}

#[tokio::test]
async fn each_attempt_has_its_own_challenge() {
    let app = spawn_app().await;
    app.logged_in().await;
    let (_, first) = app.open_consent().await;
    let (_, second) = app.open_consent().await;
    assert_ne!(
        param(&first, "code_challenge"),
        param(&second, "code_challenge")
    );
}

#[tokio::test]
async fn the_sandbox_refuses_an_authorize_request_without_a_hex_s256_challenge() {
    let app = sandbox_app(&[]).await;
    let good = authorize_query(&app, "user.info.basic", "s");
    let without = good
        .split('&')
        .filter(|p| !p.starts_with("code_challenge"))
        .collect::<Vec<_>>()
        .join("&");
    // RFC 7636's base64url challenge of a verifier: not TikTok's form.
    let base64url = good.replace(&challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let plain = good.replace("code_challenge_method=S256", "code_challenge_method=plain");
    for query in [without, base64url, plain] {
        let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
        assert_eq!(res.status().as_u16(), 400, "{query}");
        assert!(res.headers().get("location").is_none(), "no redirect");
        let page = res.text().await.expect("page");
        assert!(
            page.contains("code_challenge"),
            "names code_challenge: {page}"
        );
    }
    let res = app.get(&format!("{API}/v2/auth/authorize/?{good}")).await;
    assert_eq!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn with_pkce_optional_a_request_without_a_challenge_is_let_through() {
    let app = sandbox_app(&[("CAST_SANDBOX_PKCE", "optional")]).await;
    let query = authorize_query(&app, "user.info.basic", "s")
        .split('&')
        .filter(|p| !p.starts_with("code_challenge"))
        .collect::<Vec<_>>()
        .join("&");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 200);
    // A malformed one is still refused.
    let bad = format!("{query}&code_challenge=abc&code_challenge_method=S256");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{bad}")).await;
    assert_eq!(res.status().as_u16(), 400);
}

async fn exchange_with(
    app: &crate::helpers::TestApp,
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    let redirect = redirect_uri(app);
    let mut form = vec![
        ("client_key", "cast-sandbox"),
        ("client_secret", "cast-sandbox-secret"),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("redirect_uri", redirect.as_str()),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    let res = token_request(app, &form).await;
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

#[tokio::test]
async fn the_sandbox_checks_the_verifier_at_the_token_endpoint() {
    let app = sandbox_app(&[]).await;
    let wrong = "a".repeat(64);
    for verifier in [None, Some(wrong.as_str()), Some("short")] {
        let code = code_for(&app, "maria", &ALL_SCOPES).await;
        let (status, body) = exchange_with(&app, &code, verifier).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "invalid_request", "{body}");
        assert_eq!(
            body["error_description"],
            "Code verifier or code challenge is invalid."
        );
    }
    let code = code_for(&app, "maria", &ALL_SCOPES).await;
    let (status, body) = exchange_with(&app, &code, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn the_sandbox_refuses_a_json_token_body() {
    let app = sandbox_app(&[]).await;
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/oauth/token/"))
        .json(&serde_json::json!({
            "client_key": "cast-sandbox",
            "client_secret": "cast-sandbox-secret",
            "grant_type": "refresh_token",
            "refresh_token": "rft.x",
        }))
        .send()
        .await
        .expect("token");
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "Only `application/x-www-form-urlencoded` is accepted as Content-Type."
    );
}

#[tokio::test]
async fn oauth_errors_come_with_http_200_in_turn_by_default() {
    let app = sandbox_app(&[("CAST_SANDBOX_OAUTH_ERROR_STATUS", "rotate")]).await;
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let res = refresh(&app, "rft.unknown").await;
        statuses.push(res.status().as_u16());
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
}

#[tokio::test]
async fn token_answers_leave_out_token_type_in_turn_by_default() {
    let app = sandbox_app(&[("CAST_SANDBOX_TOKEN_TYPE", "rotate")]).await;
    let mut seen = Vec::new();
    for name in ["maria", "maria"] {
        let code = code_for(&app, name, &ALL_SCOPES).await;
        let body: Value = exchange(&app, &code).await.json().await.expect("json");
        seen.push(body.get("token_type").is_some());
    }
    seen.sort_unstable();
    assert_eq!(seen, [false, true]);
}
