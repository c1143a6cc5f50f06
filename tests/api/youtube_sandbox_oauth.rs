//! The YouTube sandbox's consent page and token endpoints, as Google's are (contract 2 and 12).

use serde_json::Value;

use crate::helpers::youtube::*;

#[tokio::test]
async fn only_the_owner_reaches_the_consent_page_and_the_listing_while_googles_api_answers_everyone_in_its_shape()
 {
    let dir = tempfile::tempdir().expect("dir");
    let gated = start_gated(dir.path()).await;
    let http = plain_http();
    let url = format!(
        "{}/sandbox/youtube/accounts/o/oauth2/v2/auth?client_id={CLIENT_ID}&redirect_uri={}&response_type=code&scope={}&state=s",
        gated.origin,
        urlencode(REDIRECT),
        urlencode(UPLOAD_SCOPE)
    );
    let stranger = http.get(&url).send().await.expect("page");
    assert_eq!(stranger.status().as_u16(), 303);
    assert_eq!(location(&stranger), "/login");

    let owner = http
        .get(&url)
        .header("x-owner", "yes")
        .send()
        .await
        .expect("page");
    assert_eq!(owner.status().as_u16(), 200);
    let html = owner.text().await.expect("html");
    assert!(
        html.contains("owner-token"),
        "the form carries the gate's token"
    );
    assert!(html.contains("This Google account has no YouTube channel"));

    let listing = format!("{}/sandbox/youtube/_/videos", gated.origin);
    assert_eq!(
        http.get(&listing)
            .send()
            .await
            .expect("listing")
            .status()
            .as_u16(),
        303
    );
    let owners = http
        .get(&listing)
        .header("x-owner", "yes")
        .send()
        .await
        .expect("listing");
    assert_eq!(owners.status().as_u16(), 200);
    assert_eq!(owners.text().await.expect("json"), "[]");
    // Google's own paths never ask the gate: they answer in Google's shape.
    let api = http
        .get(format!(
            "{}/sandbox/youtube/youtube/v3/channels?part=id&mine=true",
            gated.origin
        ))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status().as_u16(), 401);
    let err: Value = api.json().await.expect("json");
    assert_eq!(err["error"]["errors"][0]["reason"], "authError");
    gated.handle.stop(true).await;
}

#[tokio::test]
async fn a_consent_form_without_the_owners_token_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let gated = start_gated(dir.path()).await;
    let http = plain_http();
    let form = [
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", UPLOAD_SCOPE),
        ("state", "s"),
        ("channel_name", "Mine"),
        ("scopes", UPLOAD_SCOPE),
        ("decision", "allow"),
    ];
    let action = format!("{}/sandbox/youtube/accounts/o/oauth2/v2/auth", gated.origin);
    let forged = http
        .post(&action)
        .header("x-owner", "yes")
        .form(&[&form[..], &[("csrf_token", "guess")]].concat())
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    assert!(forged.headers().get("location").is_none());

    let good = http
        .post(&action)
        .header("x-owner", "yes")
        .form(&[&form[..], &[("csrf_token", "owner-token")]].concat())
        .send()
        .await
        .expect("post");
    assert_eq!(good.status().as_u16(), 302);
    assert!(query_param(&location(&good), "code").is_some());
    gated.handle.stop(true).await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn an_unknown_client_or_redirect_uri_gets_an_error_page_and_no_redirect() {
    let yt = start(&[]).await;
    let bad_redirect = yt
        .authorize_query(&[])
        .replace(&urlencode(REDIRECT), &urlencode("https://evil.example/cb"));
    let res = yt.http.get(&bad_redirect).send().await.expect("page");
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("redirect_uri_mismatch")
    );

    let bad_client = yt
        .authorize_query(&[])
        .replace(CLIENT_ID, "someone-else.apps.googleusercontent.com");
    let res = yt.http.get(&bad_client).send().await.expect("page");
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.expect("html").contains("invalid_client"));

    let comma_scopes = yt.authorize_query(&[]).replace(
        &urlencode(&format!("{UPLOAD_SCOPE} {READONLY_SCOPE}")),
        &urlencode(&format!("{UPLOAD_SCOPE},{READONLY_SCOPE}")),
    );
    let res = yt.http.get(&comma_scopes).send().await.expect("page");
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().await.expect("html").contains("invalid_scope"));

    let plain = yt
        .authorize_query(&[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    assert_eq!(
        yt.http
            .get(&plain)
            .send()
            .await
            .expect("page")
            .status()
            .as_u16(),
        400
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn cancelling_on_the_consent_page_sends_access_denied_with_the_state() {
    let yt = start(&[]).await;
    let back = yt
        .answer(&yt.authorize_query(&[]), "Mine", false, None, "cancel")
        .await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some("st"));
    assert!(query_param(&back, "code").is_none());
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_code_exchange_needs_the_matching_pkce_verifier() {
    let yt = start(&[]).await;
    let code = yt.code("Mine", &[]).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("redirect_uri", REDIRECT),
    ];
    let (status, body) = yt.token(&base).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = yt.code("Mine", &[]).await;
    let mut wrong = base.to_vec();
    wrong[1] = ("code", code.as_str());
    wrong.push((
        "code_verifier",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX",
    ));
    let (status, body) = yt.token(&wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], "Invalid code verifier.");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_not_needed() {
    let yt = start(&[]).await;
    let url = yt.authorize_query(&[]).replace(
        &format!("&code_challenge={CHALLENGE}&code_challenge_method=S256"),
        "",
    );
    let back = yt.answer(&url, "Mine", false, None, "allow").await;
    let code = query_param(&back, "code").expect("code");
    let (status, body) = yt.exchange(&code).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "code_verifier or verifier is not needed."
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_good_exchange_gives_google_shaped_tokens_and_the_granted_scopes() {
    let yt = start(&[]).await;
    let code = yt.code("Mine", &[]).await;
    assert!(code.starts_with("4/0A"), "{code}");
    let (status, body) = yt.exchange(&code).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("ya29."))
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("1//"))
    );
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], format!("{UPLOAD_SCOPE} {READONLY_SCOPE}"));
    assert!(
        body.get("refresh_token_expires_in").is_none(),
        "only in Testing mode"
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn unticking_a_scope_grants_only_the_rest() {
    let yt = start(&[]).await;
    let back = yt
        .answer(
            &yt.authorize_query(&[]),
            "Mine",
            false,
            Some(&[UPLOAD_SCOPE]),
            "allow",
        )
        .await;
    assert_eq!(query_param(&back, "scope").as_deref(), Some(UPLOAD_SCOPE));
    let (_, body) = yt
        .exchange(&query_param(&back, "code").expect("code"))
        .await;
    assert_eq!(body["scope"], UPLOAD_SCOPE);
    let token = body["access_token"].as_str().expect("token");
    let res = yt
        .http
        .get(yt.api("/channels?part=id,snippet&mine=true"))
        .bearer_auth(token)
        .send()
        .await
        .expect("channels");
    assert_eq!(res.status().as_u16(), 403);
    let err: Value = res.json().await.expect("json");
    assert_eq!(
        err["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_code_is_single_use_and_a_replay_revokes_what_it_gave() {
    let yt = start(&[]).await;
    let code = yt.code("Mine", &[]).await;
    let (_, first) = yt.exchange(&code).await;
    let (status, again) = yt.exchange(&code).await;
    assert_eq!(status, 400);
    assert_eq!(again["error_description"], "Code was already redeemed.");
    let res = yt
        .http
        .get(yt.api("/channels?part=id&mine=true"))
        .bearer_auth(first["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("channels");
    assert_eq!(res.status().as_u16(), 401);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_code_dies_after_a_minute() {
    let yt = start(&[]).await;
    let code = yt.code("Mine", &[]).await;
    yt.advance_ms(60_000);
    let (status, body) = yt.exchange(&code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn the_client_secret_is_required_and_checked() {
    let yt = start(&[]).await;
    let code = yt.code("Mine", &[]).await;
    let (status, body) = yt
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "client_secret is missing.");
    let (status, body) = yt
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    yt.sandbox.stop().await;
}

async fn refresh(yt: &Yt, token: &str) -> (u16, Value) {
    yt.token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", token),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ])
    .await
}

#[tokio::test]
async fn a_refresh_gives_a_new_access_token_and_keeps_the_refresh_token() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "60")]).await;
    let (_, tokens) = yt.exchange(&yt.code("Mine", &[]).await).await;
    let rt = tokens["refresh_token"].as_str().expect("rt");
    yt.advance_ms(60_000);
    let old = tokens["access_token"].as_str().expect("at");
    let res = yt
        .http
        .get(yt.api("/channels?part=id&mine=true"))
        .bearer_auth(old)
        .send()
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 401, "the access token expired");
    let (status, body) = refresh(&yt, rt).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none());
    let res = yt
        .http
        .get(yt.api("/channels?part=id&mine=true"))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("call");
    assert_eq!(res.status().as_u16(), 200);
    let (status, _) = refresh(&yt, rt).await;
    assert_eq!(status, 200, "the same refresh token works again");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn with_rotation_on_a_refresh_replaces_the_refresh_token() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_ROTATE_REFRESH", "1")]).await;
    let (_, tokens) = yt.exchange(&yt.code("Mine", &[]).await).await;
    let rt = tokens["refresh_token"].as_str().expect("rt");
    let (_, body) = refresh(&yt, rt).await;
    let fresh = body["refresh_token"].as_str().expect("a new refresh token");
    assert_ne!(fresh, rt);
    let (status, body) = refresh(&yt, rt).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(refresh(&yt, fresh).await.0, 200);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn in_testing_mode_the_refresh_token_dies_seven_days_after_consent() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_TESTING", "1")]).await;
    let (_, tokens) = yt.exchange(&yt.code("Mine", &[]).await).await;
    assert_eq!(tokens["refresh_token_expires_in"], 604_800);
    let rt = tokens["refresh_token"].as_str().expect("rt");
    yt.advance_ms(604_799_000);
    assert_eq!(refresh(&yt, rt).await.0, 200);
    yt.advance_ms(1_000);
    let (status, body) = refresh(&yt, rt).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "Token has been expired or revoked."
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_second_consent_without_prompt_consent_brings_no_refresh_token() {
    let yt = start(&[]).await;
    let (_, first) = yt.exchange(&yt.code("Mine", &[]).await).await;
    assert!(first["refresh_token"].is_string());
    let url = yt.authorize_query(&[]).replace("&prompt=consent", "");
    let back = yt.answer(&url, "Mine", false, None, "allow").await;
    let (status, second) = yt
        .exchange(&query_param(&back, "code").expect("code"))
        .await;
    assert_eq!(status, 200);
    assert!(second.get("refresh_token").is_none(), "{second}");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn revoking_any_token_ends_every_token_of_the_account() {
    let yt = start(&[]).await;
    let (_, tokens) = yt.exchange(&yt.code("Mine", &[]).await).await;
    let (_, other) = yt.exchange(&yt.code("Mine", &[]).await).await;
    let res = yt
        .http
        .post(format!("{}/revoke", yt.sandbox.oauth_base()))
        .form(&[("token", tokens["access_token"].as_str().expect("at"))])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status().as_u16(), 200);
    for t in [&tokens, &other] {
        let (status, _) = refresh(&yt, t["refresh_token"].as_str().expect("rt")).await;
        assert_eq!(status, 400);
    }
    let again = yt
        .http
        .post(format!("{}/revoke", yt.sandbox.oauth_base()))
        .form(&[("token", tokens["refresh_token"].as_str().expect("rt"))])
        .send()
        .await
        .expect("revoke");
    assert_eq!(again.status().as_u16(), 400);
    let body: Value = again.json().await.expect("json");
    assert_eq!(body["error"], "invalid_token");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn token_faults_answer_in_oauths_shape() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "token:503:1,refresh:500:1")]).await;
    let code = yt.code("Mine", &[]).await;
    let (status, body) = yt.exchange(&code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (503, Some("temporarily_unavailable"))
    );
    let (status, tokens) = yt.exchange(&code).await;
    assert_eq!(status, 200, "the fault did not spend the code: {tokens}");
    let (status, body) = refresh(&yt, tokens["refresh_token"].as_str().expect("rt")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (500, Some("server_error"))
    );
    yt.sandbox.stop().await;
}
