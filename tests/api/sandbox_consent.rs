//! The sandbox's consent page (contract sections 2.1 and 12): owner-only, TikTok's redirects.

use serde_json::Value;

use crate::helpers::sandbox::*;
use crate::helpers::{location, spawn_app};

#[tokio::test]
async fn the_consent_page_needs_the_owners_login() {
    let app = spawn_app().await;
    let query = authorize_query(&app, "user.info.basic", "s");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(
        location(&res).starts_with("/login?next="),
        "{}",
        location(&res)
    );
}

#[tokio::test]
async fn the_consent_page_shows_the_app_each_scope_ticked_a_username_and_both_buttons() {
    let app = sandbox_app(&[]).await;
    let query = authorize_query(&app, "user.info.basic,video.upload,video.publish", "s");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 200);
    let page = res.text().await.expect("page");
    assert!(page.contains("Cast would like to access"), "{page}");
    for scope in ALL_SCOPES {
        assert!(
            page.contains(&format!("name=\"scopes\" value=\"{scope}\" checked")),
            "{scope} ticked: {page}"
        );
    }
    assert!(page.contains("name=\"username\" value=\"cast_creator\""));
    assert!(page.contains("value=\"authorize\"") && page.contains("value=\"deny\""));
    assert!(page.contains("name=\"csrf_token\""));
}

#[tokio::test]
async fn an_unknown_client_key_gets_an_error_page_and_no_redirect() {
    let app = sandbox_app(&[]).await;
    let query = authorize_query(&app, "user.info.basic", "s")
        .replace("client_key=cast-sandbox", "client_key=other");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("location").is_none());
    assert!(
        res.text()
            .await
            .expect("page")
            .contains("not a registered app")
    );
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = sandbox_app(&[]).await;
    for bad in [
        "https://evil.example/cb",
        &format!("{}?x=1", redirect_uri(&app)),
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_key", "cast-sandbox")
            .append_pair("scope", "user.info.basic")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", bad)
            .append_pair("state", "s")
            .finish();
        let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
        assert_eq!(res.status().as_u16(), 400, "{bad}");
        assert!(res.headers().get("location").is_none());
        assert!(res.text().await.expect("page").contains("not registered"));
    }
}

#[tokio::test]
async fn a_response_type_other_than_code_gets_an_error_page() {
    let app = sandbox_app(&[]).await;
    let query = authorize_query(&app, "user.info.basic", "s")
        .replace("response_type=code", "response_type=token");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("location").is_none());
}

#[tokio::test]
async fn an_unknown_scope_is_sent_back_as_invalid_scope() {
    let app = sandbox_app(&[]).await;
    let query = authorize_query(&app, "user.info.basic,user.info.email", "s1");
    let res = app.get(&format!("{API}/v2/auth/authorize/?{query}")).await;
    assert_eq!(res.status().as_u16(), 303);
    let to = location(&res);
    assert!(to.starts_with(&redirect_uri(&app)), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("s1"));
}

#[tokio::test]
async fn approving_redirects_with_code_granted_scopes_and_state() {
    let app = sandbox_app(&[]).await;
    let res = answer(
        &app,
        "maria",
        &ALL_SCOPES.join(","),
        &ALL_SCOPES,
        "authorize",
    )
    .await;
    assert_eq!(res.status().as_u16(), 303);
    let to = location(&res);
    assert!(to.starts_with(&format!("{}?", redirect_uri(&app))), "{to}");
    assert!(query_param(&to, "code").is_some_and(|c| c.len() >= 32));
    assert_eq!(
        query_param(&to, "scopes").as_deref(),
        Some("user.info.basic,video.upload,video.publish")
    );
    assert_eq!(query_param(&to, "state").as_deref(), Some("st-123"));
    assert!(query_param(&to, "error").is_none());
}

#[tokio::test]
async fn unticked_scopes_are_not_granted() {
    let app = sandbox_app(&[]).await;
    let res = answer(
        &app,
        "maria",
        &ALL_SCOPES.join(","),
        &["user.info.basic", "video.upload"],
        "authorize",
    )
    .await;
    let to = location(&res);
    assert_eq!(
        query_param(&to, "scopes").as_deref(),
        Some("user.info.basic,video.upload")
    );
    let body: Value = exchange(&app, &query_param(&to, "code").expect("code"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["scope"], "user.info.basic,video.upload");
}

#[tokio::test]
async fn a_scope_that_was_not_requested_cannot_be_ticked_in() {
    let app = sandbox_app(&[]).await;
    let res = answer(
        &app,
        "maria",
        "user.info.basic",
        &["user.info.basic", "video.publish"],
        "authorize",
    )
    .await;
    assert_eq!(
        query_param(&location(&res), "scopes").as_deref(),
        Some("user.info.basic")
    );
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_the_state() {
    let app = sandbox_app(&[]).await;
    let res = answer(&app, "maria", &ALL_SCOPES.join(","), &ALL_SCOPES, "deny").await;
    assert_eq!(res.status().as_u16(), 303);
    let to = location(&res);
    assert_eq!(query_param(&to, "error").as_deref(), Some("access_denied"));
    assert!(query_param(&to, "error_description").is_some());
    assert_eq!(query_param(&to, "state").as_deref(), Some("st-123"));
    assert!(query_param(&to, "code").is_none());
}

#[tokio::test]
async fn a_bad_username_or_no_ticked_scope_shows_the_page_again() {
    let app = sandbox_app(&[]).await;
    let res = answer(
        &app,
        "no spaces!",
        &ALL_SCOPES.join(","),
        &ALL_SCOPES,
        "authorize",
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.expect("page").contains("consent-error"));
    let res = answer(&app, "maria", &ALL_SCOPES.join(","), &[], "authorize").await;
    assert_eq!(res.status().as_u16(), 422);
}

#[tokio::test]
async fn the_consent_form_needs_the_csrf_token() {
    let app = sandbox_app(&[]).await;
    let redirect = redirect_uri(&app);
    let res = app
        .post_form(
            &format!("{API}/v2/auth/authorize/"),
            &[
                ("client_key", "cast-sandbox"),
                ("response_type", "code"),
                ("redirect_uri", &redirect),
                ("scope", "user.info.basic"),
                ("username", "maria"),
                ("scopes", "user.info.basic"),
                ("decision", "authorize"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
}

#[tokio::test]
async fn each_username_is_one_creator_with_a_stable_open_id() {
    let app = sandbox_app(&[]).await;
    let a1 = connect(&app, "alice").await;
    let a2 = connect(&app, "Alice").await;
    let b = connect(&app, "bob").await;
    assert_eq!(a1.open_id, a2.open_id);
    assert_ne!(a1.open_id, b.open_id);
    assert_ne!(a1.access_token, a2.access_token);
}
