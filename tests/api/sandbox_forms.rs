//! The sandbox gives every form TikTok was seen to answer in (contract §12): chunk replies,
//! post ids (and their delay), the video list; and refuses what TikTok was seen to refuse.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::sandbox::*;
use crate::helpers::{TestApp, location};

/// Approves a consent page that asked for `requested`, granting `ticked`; returns the tokens.
async fn connect_requesting(
    app: &TestApp,
    username: &str,
    requested: &[&str],
    ticked: &[&str],
) -> Creator {
    let res = answer(app, username, &requested.join(","), ticked, "authorize").await;
    assert_eq!(res.status().as_u16(), 303);
    let code = query_param(&location(&res), "code").expect("code");
    let body: Value = exchange(app, &code).await.json().await.expect("json");
    Creator {
        open_id: body["open_id"].as_str().expect("open_id").into(),
        access_token: body["access_token"].as_str().expect("token").into(),
        refresh_token: body["refresh_token"].as_str().expect("refresh").into(),
    }
}

/// On a manual clock: moves TikTok's time until the post leaves processing; the final `data`.
async fn settle(app: &TestApp, token: &str, publish_id: &str) -> Value {
    for _ in 0..200 {
        // Three seconds a poll keeps under 30 status fetches a minute.
        app.advance(Duration::from_secs(3));
        let (status, body) = status_of(app, token, publish_id).await;
        assert_ok(status, &body);
        if body["data"]["status"] != "PROCESSING_UPLOAD" {
            return body["data"].clone();
        }
        tokio::task::yield_now().await;
    }
    panic!("{publish_id} never left processing");
}

async fn public_post(app: &TestApp, c: &Creator, title: &str) -> String {
    let bytes = fixture("ok.mp4");
    let size = bytes.len() as u64;
    let (status, body) = call(
        app,
        &c.access_token,
        "/v2/post/publish/video/init/",
        Some(json!({
            "post_info": {"privacy_level": "PUBLIC_TO_EVERYONE", "title": title, "brand_content_toggle": false},
            "source_info": file_source(size, size, 1),
        })),
    )
    .await;
    let (publish_id, url) = accepted(status, &body);
    assert_eq!(put_chunk(&url, 0, size, bytes).await.status().as_u16(), 201);
    publish_id
}

#[tokio::test]
async fn stored_chunks_are_answered_in_each_form_in_turn() {
    let app = sandbox_app(&[("CAST_SANDBOX_CHUNK_REPLY", "rotate")]).await;
    let c = connect(&app, "maria").await;
    let size = 4 * MIB5 + 10;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(size, MIB5, 4),
    )
    .await;
    let (_, url) = accepted(status, &body);
    let mut seen = Vec::new();
    for i in 0..4u64 {
        let len = if i == 3 { MIB5 + 10 } else { MIB5 };
        let res = put_chunk(&url, i * MIB5, size, garbage(len, i as u8)).await;
        seen.push((
            res.status().as_u16(),
            !header(&res, "content-range").is_empty(),
        ));
    }
    // documented (206 + range), 200 (+ range), bare (206 without), then documented's 201.
    assert_eq!(seen, [(206, true), (200, true), (206, false), (201, true)]);
}

#[tokio::test]
async fn a_public_posts_id_shows_late_in_the_pinned_form_and_is_listed_at_once() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_POST_ID_FORM", "string"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "60000"),
    ])
    .await;
    let all = [
        "user.info.basic",
        "video.upload",
        "video.publish",
        "video.list",
    ];
    let c = connect_requesting(&app, "maria", &all, &all).await;
    let title = format!("{} end", "x".repeat(160));
    let publish_id = public_post(&app, &c, &title).await;
    let data = settle(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "PUBLISH_COMPLETE");
    let ids = data.get("publicaly_available_post_id");
    assert!(ids.is_none() || ids == Some(&json!([])), "not yet: {data}");

    // The video list has it already, its title cut to 150 characters.
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/video/list/?fields=id,title,create_time,share_url",
        Some(json!({"max_count": 20})),
    )
    .await;
    assert_ok(status, &body);
    let videos = body["data"]["videos"].as_array().expect("videos");
    assert_eq!(videos.len(), 1, "{body}");
    let listed_id = videos[0]["id"].as_str().expect("a string id").to_string();
    assert_eq!(listed_id.len(), 19);
    assert_eq!(videos[0]["title"], "x".repeat(150));
    assert!(
        videos[0]["share_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&listed_id))
    );
    assert!(
        videos[0].get("view_count").is_none(),
        "only the fields asked for"
    );
    assert_eq!(body["data"]["has_more"], false);

    app.advance(Duration::from_secs(60));
    let (_, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_eq!(
        body["data"]["publicaly_available_post_id"],
        json!(listed_id)
    );
}

#[tokio::test]
async fn post_ids_rotate_through_every_form() {
    let app = sandbox_app(&[("CAST_SANDBOX_POST_ID_FORM", "rotate")]).await;
    let c = connect(&app, "maria").await;
    let publish_id = public_post(&app, &c, "Forms").await;
    settle(&app, &c.access_token, &publish_id).await;
    let mut kinds = Vec::new();
    for _ in 0..4 {
        let (_, body) = status_of(&app, &c.access_token, &publish_id).await;
        kinds.push(match body["data"].get("publicaly_available_post_id") {
            Some(Value::Array(_)) => "list",
            Some(Value::String(_)) => "string",
            Some(Value::Number(_)) => "number",
            None => "absent",
            Some(other) => panic!("{other}"),
        });
    }
    kinds.sort_unstable();
    assert_eq!(kinds, ["absent", "list", "number", "string"]);
}

#[tokio::test]
async fn a_post_id_that_never_comes_stays_out_of_status_fetch() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_POST_ID_FORM", "list"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "never"),
    ])
    .await;
    let c = connect(&app, "maria").await;
    let publish_id = public_post(&app, &c, "Never").await;
    settle(&app, &c.access_token, &publish_id).await;
    app.advance(Duration::from_secs(7 * 24 * 3600));
    // The token lived a day: a fresh one.
    let fresh: Value = refresh(&app, &c.refresh_token)
        .await
        .json()
        .await
        .expect("json");
    let token = fresh["access_token"].as_str().expect("token");
    let (_, body) = status_of(&app, token, &publish_id).await;
    let ids = body["data"].get("publicaly_available_post_id");
    assert!(ids.is_none() || ids == Some(&json!([])), "{body}");
}

#[tokio::test]
async fn the_video_list_needs_its_scope_and_a_fields_parameter() {
    let app = sandbox_app(&[("CAST_SANDBOX_FAULTS", "video_list:503:1")]).await;
    let without = connect(&app, "maria").await;
    let (status, body) = call(
        &app,
        &without.access_token,
        "/v2/video/list/?fields=id",
        Some(json!({})),
    )
    .await;
    // The injected fault comes first.
    assert_api_error(status, &body, 503, "internal_error");
    let (status, body) = call(
        &app,
        &without.access_token,
        "/v2/video/list/?fields=id",
        Some(json!({})),
    )
    .await;
    assert_api_error(status, &body, 401, "scope_not_authorized");

    let all = ["user.info.basic", "video.publish", "video.list"];
    let with = connect_requesting(&app, "anna", &all, &all).await;
    for (path, body) in [
        ("/v2/video/list/", json!({})),
        ("/v2/video/list/?fields=id,email", json!({})),
        ("/v2/video/list/?fields=id", json!({"max_count": 21})),
        ("/v2/video/list/?fields=id", json!({"cursor": "soon"})),
    ] {
        let (status, answer) = call(&app, &with.access_token, path, Some(body)).await;
        assert_api_error(status, &answer, 400, "invalid_params");
    }
    let (status, body) = call(
        &app,
        &with.access_token,
        "/v2/video/list/?fields=id",
        Some(json!({})),
    )
    .await;
    assert_ok(status, &body);
    assert_eq!(body["data"]["videos"], json!([]));
    // Private posts are never listed.
    let publish_id = post_whole(&app, &with.access_token, "SELF_ONLY", fixture("ok.mp4")).await;
    wait_final(&app, &with.access_token, &publish_id).await;
    let (_, body) = call(
        &app,
        &with.access_token,
        "/v2/video/list/?fields=id",
        Some(json!({})),
    )
    .await;
    assert_eq!(body["data"]["videos"], json!([]), "{body}");
}

#[tokio::test]
async fn multi_chunk_inits_can_be_refused_as_tiktok_did_in_august_2026() {
    let app = sandbox_app(&[("CAST_SANDBOX_REFUSE_MULTI_CHUNK", "1")]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(70_000_000, 10_000_000, 7),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_params");
    assert_eq!(body["error"]["message"], "The chunk size is invalid");
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(60_000_000, 60_000_000, 1),
    )
    .await;
    assert_ok(status, &body);
}

#[tokio::test]
async fn an_unaudited_direct_post_can_be_moved_to_the_inbox() {
    let app = sandbox_app(&[
        ("CAST_SANDBOX_UNAUDITED", "1"),
        ("CAST_SANDBOX_INBOX_DOWNGRADE", "1"),
    ])
    .await;
    let c = connect(&app, "maria").await;
    let publish_id = post_whole(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        fixture("ok.mp4"),
    )
    .await;
    assert!(publish_id.starts_with("v_inbox_file~"), "{publish_id}");
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "SEND_TO_USER_INBOX");
}
