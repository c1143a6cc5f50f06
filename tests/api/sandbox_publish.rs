//! The sandbox's video init, direct and inbox (contract sections 5, 6 and 9): one test per rule.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::sandbox::*;

async fn direct_with(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    call(app, token, "/v2/post/publish/video/init/", Some(body)).await
}

/// A fresh app and creator, then one direct init with `source`.
async fn init_once(source: Value) -> (u16, Value) {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    init_direct(&app, &c.access_token, "SELF_ONLY", source).await
}

#[tokio::test]
async fn a_direct_init_answers_a_publish_id_and_an_upload_url() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        file_source(1000, 1000, 1),
    )
    .await;
    let (publish_id, upload_url) = accepted(status, &body);
    let mut keys: Vec<&str> = body["data"]
        .as_object()
        .expect("data")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["publish_id", "upload_url"]);
    assert!(
        publish_id.starts_with("v_pub_file~v2-1.") && publish_id.len() <= 64,
        "{publish_id}"
    );
    assert!(
        upload_url.starts_with(&app.url("/sandbox/tiktok/upload/")) && upload_url.len() <= 256,
        "{upload_url}"
    );
}

#[tokio::test]
async fn an_inbox_init_answers_the_same_shape() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_inbox(&app, &c.access_token, file_source(MIB5 * 2, MIB5, 2)).await;
    let (publish_id, _) = accepted(status, &body);
    assert!(publish_id.starts_with("v_inbox_file~v2."), "{publish_id}");
}

#[tokio::test]
async fn a_missing_privacy_level_is_privacy_level_option_mismatch() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let body = json!({"post_info": {"brand_content_toggle": false}, "source_info": file_source(1000, 1000, 1)});
    let (status, body) = direct_with(&app, &c.access_token, body).await;
    assert_api_error(status, &body, 403, "privacy_level_option_mismatch");
}

#[tokio::test]
async fn a_privacy_level_outside_the_creators_options_is_refused() {
    let app = sandbox_app(&[(
        "CAST_SANDBOX_PRIVACY_OPTIONS",
        "MUTUAL_FOLLOW_FRIENDS,SELF_ONLY",
    )])
    .await;
    let c = connect(&app, "maria").await;
    for level in ["PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "EVERYONE"] {
        let (status, body) =
            init_direct(&app, &c.access_token, level, file_source(1000, 1000, 1)).await;
        assert_api_error(status, &body, 403, "privacy_level_option_mismatch");
    }
}

#[tokio::test]
async fn a_title_over_2200_utf16_units_is_invalid_param() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let title = |t: String| {
        json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": false, "title": t},
               "source_info": file_source(1000, 1000, 1)})
    };
    // Each emoji is 2 UTF-16 units: 1100 of them is exactly the limit.
    let (status, body) = direct_with(&app, &c.access_token, title("😀".repeat(1100))).await;
    assert_ok(status, &body);
    let (status, body) = direct_with(
        &app,
        &c.access_token,
        title(format!("{}a", "😀".repeat(1100))),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn a_missing_brand_content_toggle_is_refused() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let body = json!({"post_info": {"privacy_level": "SELF_ONLY"}, "source_info": file_source(1000, 1000, 1)});
    let (status, body) = direct_with(&app, &c.access_token, body).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn branded_content_cannot_be_self_only() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let info = |level: &str| json!({"post_info": {"privacy_level": level, "brand_content_toggle": true}, "source_info": file_source(1000, 1000, 1)});
    let (status, body) = direct_with(&app, &c.access_token, info("SELF_ONLY")).await;
    assert_api_error(status, &body, 400, "invalid_param");
    let (status, body) = direct_with(&app, &c.access_token, info("PUBLIC_TO_EVERYONE")).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_invalid_param() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let body = json!({"post_info": {"privacy_level": "SELF_ONLY", "brand_content_toggle": false, "disable_duet": "yes"},
                      "source_info": file_source(1000, 1000, 1)});
    let (status, body) = direct_with(&app, &c.access_token, body).await;
    assert_api_error(status, &body, 400, "invalid_param");
    let source = json!({"source": "FILE_UPLOAD", "video_size": "1000", "chunk_size": 1000, "total_chunk_count": 1});
    let (status, body) = init_direct(&app, &c.access_token, "SELF_ONLY", source).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn init_needs_a_json_content_type() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let body =
        json!({"post_info": post_info("SELF_ONLY"), "source_info": file_source(1000, 1000, 1)});
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/post/publish/video/init/"))
        .bearer_auth(&c.access_token)
        .header("Content-Type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .expect("req");
    let status = res.status().as_u16();
    assert_api_error(
        status,
        &res.json().await.expect("json"),
        400,
        "invalid_param",
    );
}

#[tokio::test]
async fn a_chunk_size_under_5_mib_is_refused() {
    // 5,000,000 bytes is "5 MB" in decimal, but under the stricter 5 MiB.
    let (status, body) = init_once(file_source(20_000_000, 5_000_000, 4)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn a_chunk_size_over_64_000_000_is_refused() {
    let (status, body) = init_once(file_source(200_000_000, 67_108_864, 2)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn the_chunk_count_must_be_video_size_over_chunk_size_rounded_down() {
    let (status, body) = init_once(file_source(50_000_123, 10_000_000, 6)).await;
    assert_api_error(status, &body, 400, "invalid_param");
    let (status, body) = init_once(file_source(50_000_123, 10_000_000, 5)).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn a_video_under_5_mib_must_be_sent_whole() {
    let (status, body) = init_once(file_source(4_000_000, 2_000_000, 2)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn a_video_over_64_000_000_bytes_must_be_split() {
    let (status, body) = init_once(file_source(100_000_000, 60_000_000, 1)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn the_last_chunk_carries_the_remainder_beyond_the_chunk_size() {
    // Two 64,000,000-byte chunks' worth plus a remainder: the last chunk is 127,000,000 bytes,
    // under the 128,000,000 bound (which floor() and the 64,000,000 chunk bound always keep).
    let (status, body) = init_once(file_source(191_000_000, 64_000_000, 2)).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn more_than_1000_chunks_are_refused() {
    // 1001 chunks of 5 MiB would pass 4 GB, so the cap and the size bound refuse together.
    let (status, body) = init_once(file_source(MIB5 * 1001, MIB5, 1001)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn a_video_over_4_gb_is_refused() {
    let (status, body) = init_once(file_source(4_000_000_001, 64_000_000, 62)).await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn pull_from_url_is_refused_as_an_unverified_url() {
    let source = json!({"source": "PULL_FROM_URL", "video_url": "https://cdn.example.com/v.mp4"});
    let (status, body) = init_once(source).await;
    assert_api_error(status, &body, 403, "url_ownership_unverified");
}

#[tokio::test]
async fn an_unaudited_client_may_post_to_a_public_account_only_through_the_inbox() {
    let app = sandbox_app(&[("CAST_SANDBOX_UNAUDITED", "1")]).await;
    let c = connect(&app, "maria").await;
    // The refusal is about the account, not the post: even "Only me" is refused (§9).
    for level in ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"] {
        let (status, body) =
            init_direct(&app, &c.access_token, level, file_source(1000, 1000, 1)).await;
        assert_api_error(
            status,
            &body,
            403,
            "unaudited_client_can_only_post_to_private_accounts",
        );
    }
    let (status, body) = init_inbox(&app, &c.access_token, file_source(1000, 1000, 1)).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn an_unaudited_client_may_post_to_a_private_account_only_as_self_only() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_UNAUDITED", "1"),
        ("CAST_SANDBOX_ACCOUNT_PRIVATE", "1"),
    ])
    .await;
    let c = connect(&app, "maria").await;
    for level in ["FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS"] {
        let (status, body) =
            init_direct(&app, &c.access_token, level, file_source(1000, 1000, 1)).await;
        assert_api_error(
            status,
            &body,
            403,
            "unaudited_client_can_only_post_to_private_accounts",
        );
    }
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_ok(status, &body);
    // The inbox is how an unaudited app gets a public post.
    let (status, body) = init_inbox(&app, &c.access_token, file_source(1000, 1000, 1)).await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn an_unaudited_client_lets_at_most_five_creators_post_a_day() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_UNAUDITED", "1"),
        ("CAST_SANDBOX_ACCOUNT_PRIVATE", "1"),
    ])
    .await;
    for i in 0..5 {
        let c = connect(&app, &format!("creator{i}")).await;
        let (status, body) = init_direct(
            &app,
            &c.access_token,
            "SELF_ONLY",
            file_source(1000, 1000, 1),
        )
        .await;
        assert_ok(status, &body);
    }
    let sixth = connect(&app, "creator5").await;
    let (status, body) = init_direct(
        &app,
        &sixth.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_api_error(status, &body, 403, "reached_active_user_cap");
}

#[tokio::test]
async fn direct_post_needs_video_publish_and_inbox_needs_video_upload() {
    let app = sandbox_app(&[]).await;
    let upload_only = connect_with(&app, "uploader", &["user.info.basic", "video.upload"]).await;
    let (status, body) = init_direct(
        &app,
        &upload_only.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_api_error(status, &body, 401, "scope_not_authorized");
    let publish_only = connect_with(&app, "publisher", &["user.info.basic", "video.publish"]).await;
    let (status, body) =
        init_inbox(&app, &publish_only.access_token, file_source(1000, 1000, 1)).await;
    assert_api_error(status, &body, 401, "scope_not_authorized");
}

#[tokio::test]
async fn the_inbox_takes_source_info_only() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let body =
        json!({"post_info": post_info("SELF_ONLY"), "source_info": file_source(1000, 1000, 1)});
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/inbox/video/init/",
        Some(body),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn a_sixth_pending_inbox_share_is_refused() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    for _ in 0..5 {
        let (status, body) = init_inbox(&app, &c.access_token, file_source(1000, 1000, 1)).await;
        assert_ok(status, &body);
    }
    let (status, body) = init_inbox(&app, &c.access_token, file_source(1000, 1000, 1)).await;
    assert_api_error(status, &body, 403, "spam_risk_too_many_pending_share");
}

#[tokio::test]
async fn the_creators_daily_post_cap_refuses_the_sixteenth_post() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (publish_id, _) = accepted(status, &body);
    // Fourteen more posts earlier today, by other apps or earlier minutes.
    for i in 0..14 {
        sqlx::query(
            "INSERT INTO sandbox_publishes (publish_id, open_id, grant_id, mode, video_size, chunk_size, total_chunk_count,
                upload_id, upload_token_hash, upload_expires_ms, state, created_ms)
             SELECT ? || publish_id, open_id, grant_id, mode, video_size, chunk_size, total_chunk_count, upload_id,
                ? || upload_token_hash, upload_expires_ms, 'PUBLISH_COMPLETE', created_ms - 60000
             FROM sandbox_publishes WHERE publish_id = ?",
        )
        .bind(format!("earlier{i}-"))
        .bind(format!("earlier{i}-"))
        .bind(&publish_id)
        .execute(&app.db)
        .await
        .expect("arrange");
    }
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_api_error(status, &body, 403, "spam_risk_too_many_posts");
    // Creator info says so too, with HTTP 200.
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_api_error(status, &body, 200, "spam_risk_too_many_posts");
}

#[tokio::test]
async fn init_is_limited_to_6_a_minute_for_each_kind() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    for _ in 0..6 {
        let (status, body) = init_direct(
            &app,
            &c.access_token,
            "SELF_ONLY",
            file_source(1000, 1000, 1),
        )
        .await;
        assert_ok(status, &body);
    }
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    assert_api_error(status, &body, 429, "rate_limit_exceeded");
    // The inbox has its own budget.
    let (status, body) = init_inbox(&app, &c.access_token, file_source(1000, 1000, 1)).await;
    assert_ok(status, &body);
}
