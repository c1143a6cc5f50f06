//! Connecting a YouTube channel with Cast's client against the sandbox: consent, the card,
//! tokens that expire, Testing mode, and disconnecting.

use cast::platforms::youtube::{ErrorKind, ReconnectReason};

use crate::helpers::youtube::*;

#[tokio::test]
async fn connecting_a_channel_goes_through_googles_consent_page_and_shows_its_card() {
    let yt = start(&[]).await;
    let client = yt.client();
    let auth = client.authorize_url("state-xyz").expect("url");
    let q = |k: &str| query_param(&auth.url, k);
    assert_eq!(q("access_type").as_deref(), Some("offline"));
    assert_eq!(q("prompt").as_deref(), Some("consent"));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(q("code_challenge"), Some(s256(auth.pkce_verifier.expose())));
    assert_eq!(
        q("scope").as_deref(),
        Some(format!("{UPLOAD_SCOPE} {READONLY_SCOPE}").as_str())
    );
    assert_eq!(q("state").as_deref(), Some("state-xyz"));
    assert_eq!(q("include_granted_scopes").as_deref(), Some("true"));

    let grant = yt.connect("Cast Test Channel").await;
    assert!(grant.missing_scopes().is_empty());
    assert!(
        grant.refresh_expires_at_ms.is_none(),
        "a production consent screen"
    );
    assert_eq!(grant.access_expires_at_ms, yt.clock.now_ms() + 3_599_000);
    let channel = client
        .channel(grant.access_token.expose())
        .await
        .expect("channel");
    assert!(channel.id.starts_with("UC") && channel.id.len() == 24);
    assert_eq!(channel.title, "Cast Test Channel");
    assert_eq!(channel.handle.as_deref(), Some("@casttestchannel"));
    assert!(channel.avatar_url.is_some());
    let categories = client
        .categories(grant.access_token.expose(), "US")
        .await
        .expect("categories");
    assert!(categories.iter().any(|c| c.id == "22" && c.assignable));
    assert!(categories.iter().any(|c| c.id == "42" && !c.assignable));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_code_cannot_be_exchanged_without_the_verifier_that_started_it() {
    let yt = start(&[]).await;
    let client = yt.client();
    let auth = client.authorize_url("s").expect("url");
    let back = yt.answer(&auth.url, "Mine", false, None, "allow").await;
    let code = query_param(&back, "code").expect("code");
    let other = client.authorize_url("s").expect("another attempt");
    let e = client
        .exchange_code(&code, other.pkce_verifier.expose())
        .await
        .expect_err("a stolen code is useless");
    assert_eq!(e.reason, "invalid_grant");
    assert!(matches!(e.kind, ErrorKind::Reconnect(_)));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn unticking_a_permission_on_googles_page_is_noticed() {
    let yt = start(&[]).await;
    let client = yt.client();
    let auth = client.authorize_url("s").expect("url");
    let back = yt
        .answer(&auth.url, "Mine", false, Some(&[READONLY_SCOPE]), "allow")
        .await;
    let grant = client
        .exchange_code(
            &query_param(&back, "code").expect("code"),
            auth.pkce_verifier.expose(),
        )
        .await
        .expect("tokens");
    assert_eq!(grant.missing_scopes(), vec![UPLOAD_SCOPE.to_string()]);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_google_account_without_a_channel_is_told_to_create_one() {
    let yt = start(&[]).await;
    let client = yt.client();
    let auth = client.authorize_url("s").expect("url");
    let back = yt
        .answer(&auth.url, "No Channel", true, None, "allow")
        .await;
    let grant = client
        .exchange_code(
            &query_param(&back, "code").expect("code"),
            auth.pkce_verifier.expose(),
        )
        .await
        .expect("tokens");
    let e = client
        .channel(grant.access_token.expose())
        .await
        .expect_err("no channel");
    assert!(e.needs_channel());
    assert!(e.to_string().contains("Create one on youtube.com"), "{e}");
    let e = client
        .initiate(
            grant.access_token.expose(),
            &metadata(&yt, "x"),
            13_617,
            "video/mp4",
        )
        .await
        .expect_err("no channel to upload to");
    assert!(e.needs_channel());
    assert_eq!(e.kind, ErrorKind::Permanent);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn in_testing_mode_google_ends_the_connection_after_seven_days_and_cast_says_why() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_TESTING", "1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let ends = grant
        .refresh_expires_at_ms
        .expect("Google announced the end");
    assert_eq!(ends, yt.clock.now_ms() + 604_800_000);
    yt.advance_ms(604_800_000);
    let e = client
        .refresh(grant.refresh_token.expose(), grant.refresh_expires_at_ms)
        .await
        .expect_err("expired");
    assert_eq!(
        e.kind,
        ErrorKind::Reconnect(ReconnectReason::TestingExpiry {
            expired_at_ms: ends
        })
    );
    assert!(e.to_string().contains("Publish app"), "{e}");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refused_and_a_refresh_brings_access_back() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "60"),
        ("CAST_SANDBOX_YOUTUBE_ROTATE_REFRESH", "1"),
    ])
    .await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    yt.advance_ms(60_000);
    let e = client
        .channel(grant.access_token.expose())
        .await
        .expect_err("expired");
    assert_eq!(e.kind, ErrorKind::AccessTokenRejected);
    let fresh = client
        .refresh(grant.refresh_token.expose(), None)
        .await
        .expect("refresh");
    let rotated = fresh
        .new_refresh_token
        .expect("rotation brings a new refresh token");
    assert_ne!(rotated.expose(), grant.refresh_token.expose());
    client
        .channel(fresh.access_token.expose())
        .await
        .expect("channel");
    let old = client
        .refresh(grant.refresh_token.expose(), None)
        .await
        .expect_err("the old one died");
    assert_eq!(
        old.kind,
        ErrorKind::Reconnect(ReconnectReason::ExpiredOrRevoked)
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn disconnecting_revokes_the_grant_at_google() {
    let yt = start(&[]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    client
        .revoke(grant.refresh_token.expose())
        .await
        .expect("revoked");
    let e = client
        .channel(grant.access_token.expose())
        .await
        .expect_err("access is gone");
    assert_eq!(e.kind, ErrorKind::AccessTokenRejected);
    let e = client
        .refresh(grant.refresh_token.expose(), None)
        .await
        .expect_err("gone");
    assert_eq!(
        e.kind,
        ErrorKind::Reconnect(ReconnectReason::ExpiredOrRevoked)
    );
    client
        .revoke(grant.refresh_token.expose())
        .await
        .expect("revoking twice is fine");
    yt.sandbox.stop().await;
}
