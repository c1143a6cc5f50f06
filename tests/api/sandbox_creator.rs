//! The sandbox's user info and creator info (contract sections 3 and 4), and the v2 envelope.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::sandbox::*;

async fn user_info(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(api_url(app, &format!("/v2/user/info/{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("user info");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn creator_info(app: &TestApp, token: &str) -> (u16, Value) {
    call(app, token, "/v2/post/publish/creator_info/query/", None).await
}

#[tokio::test]
async fn user_info_returns_exactly_the_requested_fields_in_the_envelope() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "cast_creator").await;
    let (status, body) = user_info(
        &app,
        &c.access_token,
        "?fields=open_id,union_id,avatar_url,display_name",
    )
    .await;
    assert_ok(status, &body);
    let user = body["data"]["user"].as_object().expect("user");
    let mut keys: Vec<&str> = user.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["avatar_url", "display_name", "open_id", "union_id"]);
    assert_eq!(user["open_id"], c.open_id.as_str());
    assert_eq!(user["display_name"], "Cast Creator");
    // The avatar is served publicly, as TikTok's CDN would.
    let avatar = reqwest::get(user["avatar_url"].as_str().expect("url"))
        .await
        .expect("avatar");
    assert_eq!(avatar.status().as_u16(), 200);
    assert_eq!(header(&avatar, "content-type"), "image/svg+xml");
}

#[tokio::test]
async fn user_info_requires_the_fields_parameter() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = user_info(&app, &c.access_token, "").await;
    assert_api_error(status, &body, 400, "invalid_params");
    assert!(body.get("data").is_none(), "no data on failure: {body}");
    let (status, body) = user_info(&app, &c.access_token, "?fields=open_id,email").await;
    assert_api_error(status, &body, 400, "invalid_params");
}

#[tokio::test]
async fn a_field_whose_scope_was_not_granted_is_scope_permission_missed() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    for field in ["username", "follower_count"] {
        let (status, body) =
            user_info(&app, &c.access_token, &format!("?fields=open_id,{field}")).await;
        assert_api_error(status, &body, 400, "scope_permission_missed");
    }
}

#[tokio::test]
async fn user_info_without_user_info_basic_is_scope_not_authorized() {
    let app = sandbox_app(&[]).await;
    let c = connect_with(&app, "maria", &["video.publish"]).await;
    let (status, body) = user_info(&app, &c.access_token, "?fields=open_id").await;
    assert_api_error(status, &body, 401, "scope_not_authorized");
}

#[tokio::test]
async fn a_missing_or_unknown_bearer_token_is_access_token_invalid() {
    let app = sandbox_app(&[]).await;
    let res = reqwest::Client::new()
        .get(api_url(&app, "/v2/user/info/?fields=open_id"))
        .send()
        .await
        .expect("req");
    let status = res.status().as_u16();
    assert_api_error(
        status,
        &res.json().await.expect("json"),
        401,
        "access_token_invalid",
    );
    let (status, body) = user_info(&app, "act.made-up", "?fields=open_id").await;
    assert_api_error(status, &body, 401, "access_token_invalid");
    let (status, body) = creator_info(&app, "act.made-up").await;
    assert_api_error(status, &body, 401, "access_token_invalid");
}

#[tokio::test]
async fn creator_info_answers_tiktoks_fields_from_the_sandbox_username() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "cast_creator").await;
    let (status, body) = creator_info(&app, &c.access_token).await;
    assert_ok(status, &body);
    let data = &body["data"];
    assert_eq!(data["creator_username"], "cast_creator");
    assert_eq!(data["creator_nickname"], "Cast Creator");
    assert!(
        data["creator_avatar_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(".svg"))
    );
    assert_eq!(
        data["privacy_level_options"],
        json!(["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
    );
    assert_eq!(data["comment_disabled"], false);
    assert_eq!(data["duet_disabled"], false);
    assert_eq!(data["stitch_disabled"], false);
    assert_eq!(data["max_video_post_duration_sec"], 600);
}

#[tokio::test]
async fn creator_info_follows_the_knobs() {
    let app = sandbox_app(&[
        (
            "CAST_SANDBOX_PRIVACY_OPTIONS",
            "FOLLOWER_OF_CREATOR,MUTUAL_FOLLOW_FRIENDS,SELF_ONLY",
        ),
        ("CAST_SANDBOX_DISABLED", "duet,stitch"),
        ("CAST_SANDBOX_MAX_DURATION_SEC", "180"),
    ])
    .await;
    let c = connect(&app, "private_one").await;
    let (status, body) = creator_info(&app, &c.access_token).await;
    assert_ok(status, &body);
    let data = &body["data"];
    assert_eq!(
        data["privacy_level_options"],
        json!(["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"])
    );
    assert_eq!(
        (
            data["comment_disabled"].clone(),
            data["duet_disabled"].clone()
        ),
        (json!(false), json!(true))
    );
    assert_eq!(data["stitch_disabled"], true);
    assert_eq!(data["max_video_post_duration_sec"], 180);
}

#[tokio::test]
async fn a_creator_who_cannot_post_gets_spam_risk_with_http_200() {
    let app = sandbox_app(&[("CAST_SANDBOX_CANNOT_POST", "1")]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = creator_info(&app, &c.access_token).await;
    assert_api_error(status, &body, 200, "spam_risk_too_many_posts");
}

#[tokio::test]
async fn creator_info_needs_the_video_publish_scope() {
    let app = sandbox_app(&[]).await;
    let c = connect_with(&app, "maria", &["user.info.basic", "video.upload"]).await;
    let (status, body) = creator_info(&app, &c.access_token).await;
    assert_api_error(status, &body, 401, "scope_not_authorized");
}

#[tokio::test]
async fn creator_info_is_limited_to_20_a_minute_per_user_even_across_a_refresh() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    for _ in 0..20 {
        let (status, body) = creator_info(&app, &c.access_token).await;
        assert_ok(status, &body);
    }
    let (status, body) = creator_info(&app, &c.access_token).await;
    assert_api_error(status, &body, 429, "rate_limit_exceeded");
    let fresh: Value = refresh(&app, &c.refresh_token)
        .await
        .json()
        .await
        .expect("json");
    let (status, body) = creator_info(&app, fresh["access_token"].as_str().expect("token")).await;
    assert_api_error(status, &body, 429, "rate_limit_exceeded");
    // Another creator has their own budget.
    let other = connect(&app, "bob").await;
    let (status, body) = creator_info(&app, &other.access_token).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn user_info_is_limited_to_600_a_minute() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let client = reqwest::Client::new();
    let url = api_url(&app, "/v2/user/info/?fields=open_id");
    for i in 0..600 {
        let res = client
            .get(&url)
            .bearer_auth(&c.access_token)
            .send()
            .await
            .expect("req");
        assert_eq!(res.status().as_u16(), 200, "call {i}");
    }
    let (status, body) = user_info(&app, &c.access_token, "?fields=open_id").await;
    assert_api_error(status, &body, 429, "rate_limit_exceeded");
}
