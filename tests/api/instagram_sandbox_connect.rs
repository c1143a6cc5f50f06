//! Connecting an Instagram account through the sandbox, as the owner does from Cast.

use std::time::Duration;

use cast::platforms::instagram::{AccountType, ErrorKind, SANDBOX_APP_ID};

use crate::instagram_helpers::{SCOPE, client_for, connect, consent, no_redirects, query, rig};

#[tokio::test]
async fn connecting_a_business_account_gives_its_name_picture_and_type() {
    let rig = rig(&[]).await;
    // The consent page Cast sends the owner to.
    let url = rig.client.authorize_url("st4te").expect("url");
    assert!(
        url.starts_with(&format!("{}/oauth/authorize?", rig.sandbox.auth_base())),
        "{url}"
    );
    let page = no_redirects().get(&url).send().await.expect("consent page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    for part in [
        "Allow",
        "Cancel",
        "account_type",
        "instagram_business_content_publish",
        "csrf_token",
    ] {
        assert!(html.contains(part), "the consent page shows {part}");
    }

    let location = consent(
        &rig,
        "lima_tests",
        "BUSINESS",
        &SCOPE.split(',').collect::<Vec<_>>(),
        "allow",
    )
    .await;
    assert!(location.starts_with(&rig.redirect_uri), "{location}");
    assert!(location.ends_with("#_"), "Meta appends #_: {location}");
    assert_eq!(query(&location, "state").as_deref(), Some("st4te"));
    let code = query(&location, "code").expect("code");

    // The recorded shape: user_id a bare number above 2^53.
    let raw = no_redirects()
        .post(format!("{}/oauth/access_token", rig.sandbox.oauth_base()))
        .form(&[
            ("client_id", SANDBOX_APP_ID),
            ("client_secret", "wrong"),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &rig.redirect_uri),
            ("code", &code),
        ])
        .send()
        .await
        .expect("exchange");
    assert_eq!(raw.status().as_u16(), 400, "a wrong secret is refused");
    // The code still works with the right secret: the code is spent only by a good exchange.
    let short = rig
        .client
        .exchange_code(&format!("{code}#_"))
        .await
        .expect("exchange, #_ stripped");
    assert_eq!(short.user_id.as_str().len(), 17);
    assert!(short.user_id.as_str().starts_with("17841"));
    assert!(short.user_id.as_str().parse::<u64>().expect("digits") > 1 << 53);
    let stored: String = sqlx::query_scalar(
        "SELECT user_id FROM sandbox_instagram_accounts WHERE username = 'lima_tests'",
    )
    .fetch_one(rig.sandbox.db())
    .await
    .expect("account");
    assert_eq!(short.user_id.as_str(), stored, "every digit kept");
    assert_eq!(short.permissions, SCOPE.split(',').collect::<Vec<_>>());

    let long = rig
        .client
        .long_lived_token(&short.access_token)
        .await
        .expect("long-lived");
    assert_eq!(long.expires_in, Duration::from_secs(5_184_000));
    assert!(long.access_token.expose().starts_with("IGAA"));
    let account = rig.client.me(&long.access_token).await.expect("/me");
    assert_eq!(
        account.user_id, stored,
        "the account is keyed on /me's user_id"
    );
    assert_ne!(
        account.app_scoped_id.as_deref(),
        Some(stored.as_str()),
        "id and user_id differ"
    );
    assert_eq!(account.username, "lima_tests");
    assert_eq!(account.account_type, AccountType::Business);
    assert!(account.ensure_professional().is_ok());
    let picture = account.profile_picture_url.clone().expect("a picture");
    let svg = no_redirects().get(&picture).send().await.expect("picture");
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    // On the wire: the exchange writes user_id as a bare number, /me as a string (section 1).
    let second = consent(
        &rig,
        "lima_tests",
        "BUSINESS",
        &SCOPE.split(',').collect::<Vec<_>>(),
        "allow",
    )
    .await;
    let body = no_redirects()
        .post(format!("{}/oauth/access_token", rig.sandbox.oauth_base()))
        .form(&[
            ("client_id", SANDBOX_APP_ID),
            (
                "client_secret",
                cast::platforms::instagram::SANDBOX_APP_SECRET,
            ),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &rig.redirect_uri),
            ("code", &query(&second, "code").expect("code")),
        ])
        .send()
        .await
        .expect("exchange")
        .text()
        .await
        .expect("body");
    assert!(body.contains(&format!("\"user_id\":{stored}")), "{body}");
    let me = no_redirects()
        .get(format!("{}/v25.0/me", rig.sandbox.graph_base()))
        .query(&[
            ("fields", "user_id,username"),
            ("access_token", long.access_token.expose()),
        ])
        .send()
        .await
        .expect("me");
    assert_eq!(me.headers()["instagram-api-version"], "v25.0");
    let me = me.text().await.expect("body");
    assert!(me.contains(&format!("\"user_id\":\"{stored}\"")), "{me}");
    // Connecting the same username again keeps its ids.
    let (_, again) = connect(&rig, "lima_tests", "MEDIA_CREATOR").await;
    assert_eq!(again.user_id, account.user_id);
    assert_eq!(again.account_type, AccountType::Creator);
}

#[tokio::test]
async fn a_personal_account_is_refused_with_what_to_change() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "just_me", "PERSONAL").await;
    assert_eq!(account.account_type, AccountType::Personal);
    let refusal = account.ensure_professional().expect_err("personal");
    let text = refusal.to_string();
    assert!(
        text.contains("switch it to a Creator or Business account in the Instagram app"),
        "{text}"
    );
    assert_eq!(refusal.reason, Some("personal_account"));
    // And the sandbox would not let it publish anyway.
    let options = Default::default();
    let err = rig
        .client
        .create_reel_container(
            &token,
            &account.user_id,
            &cast::platforms::instagram::ReelRequest {
                video_url: &rig.cast.url("/m/x/video.mp4"),
                cover_url: None,
                options: &options,
            },
        )
        .await
        .expect_err("personal accounts cannot publish");
    assert_eq!(err.code, Some(10));
    assert_eq!(err.kind, ErrorKind::Reconnect);
}

#[tokio::test]
async fn a_code_works_once_and_a_replay_is_told_so() {
    let rig = rig(&[]).await;
    let location = consent(
        &rig,
        "once",
        "BUSINESS",
        &SCOPE.split(',').collect::<Vec<_>>(),
        "allow",
    )
    .await;
    let code = query(&location, "code").expect("code");
    rig.client
        .exchange_code(&code)
        .await
        .expect("first exchange");
    let again = rig
        .client
        .exchange_code(&code)
        .await
        .expect_err("second exchange");
    assert!(
        again
            .to_string()
            .contains("This authorization code has been used"),
        "{again}"
    );
    assert_eq!(again.kind, ErrorKind::Permanent);
    let unknown = rig
        .client
        .exchange_code("nonsense")
        .await
        .expect_err("unknown code");
    assert!(
        unknown.to_string().contains("Matching code was not found"),
        "{unknown}"
    );
}

#[tokio::test]
async fn a_code_expires_after_an_hour() {
    let rig = rig(&[]).await;
    let location = consent(
        &rig,
        "slow",
        "BUSINESS",
        &SCOPE.split(',').collect::<Vec<_>>(),
        "allow",
    )
    .await;
    rig.clock.advance(Duration::from_secs(3600));
    let err = rig
        .client
        .exchange_code(&query(&location, "code").expect("code"))
        .await
        .expect_err("expired");
    assert_eq!(err.kind, ErrorKind::Permanent);
}

#[tokio::test]
async fn cancelling_on_the_consent_page_returns_access_denied_without_state() {
    let rig = rig(&[]).await;
    let location = consent(&rig, "nope", "BUSINESS", &[], "cancel").await;
    assert_eq!(query(&location, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query(&location, "error_reason").as_deref(),
        Some("user_denied")
    );
    assert_eq!(
        query(&location, "error_description").as_deref(),
        Some("The user denied your request")
    );
    assert_eq!(
        query(&location, "state"),
        None,
        "the stricter reading of Unsure 2"
    );
    assert_eq!(query(&location, "code"), None);
}

#[tokio::test]
async fn an_unknown_app_or_redirect_uri_gets_an_error_page_and_no_redirect() {
    let rig = rig(&[]).await;
    let base = format!("{}/oauth/authorize", rig.sandbox.auth_base());
    let good = rig.redirect_uri.clone();
    let trailing = format!("{good}/");
    for (client_id, redirect, scope) in [
        ("999", good.as_str(), SCOPE),
        (SANDBOX_APP_ID, trailing.as_str(), SCOPE),
        (SANDBOX_APP_ID, "https://evil.example/cb", SCOPE),
        (
            SANDBOX_APP_ID,
            good.as_str(),
            "business_basic,business_content_publish",
        ),
    ] {
        let res = no_redirects()
            .get(&base)
            .query(&[
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("response_type", "code"),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("consent");
        assert_eq!(res.status().as_u16(), 400, "{client_id} {redirect} {scope}");
        assert!(res.headers().get("location").is_none());
        assert!(res.text().await.expect("page").contains("<h1>"));
    }
}

#[tokio::test]
async fn the_consent_form_needs_the_owners_token() {
    let rig = rig(&[]).await;
    let res = no_redirects()
        .post(format!("{}/oauth/authorize", rig.sandbox.auth_base()))
        .form(&[
            ("csrf_token", "forged"),
            ("client_id", SANDBOX_APP_ID),
            ("redirect_uri", &rig.redirect_uri),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("username", "x"),
            ("account_type", "BUSINESS"),
            ("scopes", "instagram_business_basic"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers().get("location").is_none());
}

#[tokio::test]
async fn unticking_the_publish_permission_fails_the_connect_naming_it() {
    let rig = rig(&[]).await;
    let location = consent(
        &rig,
        "partial",
        "BUSINESS",
        &["instagram_business_basic"],
        "allow",
    )
    .await;
    let err = rig
        .client
        .exchange_code(&query(&location, "code").expect("code"))
        .await
        .expect_err("missing permission");
    let text = err.to_string();
    assert!(
        text.contains("instagram_business_content_publish"),
        "{text}"
    );
    assert_eq!(err.reason, Some("missing_permission"));
}

#[tokio::test]
async fn a_token_refreshes_after_a_day_and_the_old_one_stops_working() {
    let rig = rig(&[]).await;
    let (token, _) = connect(&rig, "refresher", "BUSINESS").await;
    let early = rig.client.refresh_token(&token).await.expect_err("too new");
    assert_eq!(early.code, Some(190));
    rig.clock.advance(Duration::from_secs(86_400));
    let fresh = rig.client.refresh_token(&token).await.expect("refreshed");
    assert_ne!(fresh.access_token, token);
    let old = rig
        .client
        .me(&token)
        .await
        .expect_err("the old token is dead");
    assert_eq!(old.code, Some(190));
    assert!(old.token_rejected());
    rig.client
        .me(&fresh.access_token)
        .await
        .expect("the new one works");
    // Past its 60 days a token cannot be refreshed: the owner must connect again.
    rig.clock.advance(Duration::from_secs(5_184_000));
    let dead = rig
        .client
        .refresh_token(&fresh.access_token)
        .await
        .expect_err("expired");
    assert_eq!(dead.kind, ErrorKind::Reconnect);
    assert!(
        dead.to_string().contains("Connect the account again"),
        "{dead}"
    );
}

#[tokio::test]
async fn the_documented_token_shape_is_read_as_well_as_the_recorded_one() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_TOKEN_SHAPE", "documented")]).await;
    let (_, account) = connect(&rig, "documented", "MEDIA_CREATOR").await;
    assert_eq!(account.account_type, AccountType::Creator);
}

#[tokio::test]
async fn a_graph_version_the_sandbox_does_not_serve_is_refused() {
    let rig = rig(&[]).await;
    let (token, _) = connect(&rig, "versions", "BUSINESS").await;
    let old = client_for(&rig.sandbox, &rig.redirect_uri, "v21.0");
    let err = old.me(&token).await.expect_err("v21.0");
    assert_eq!(err.code, Some(100));
    let newest = client_for(&rig.sandbox, &rig.redirect_uri, "v27.0");
    newest.me(&token).await.expect("v27.0 is served");
}
