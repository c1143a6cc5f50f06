//! Status fetch, processing and the owner's `_` pages (contract sections 7 and 12), including the
//! whole flow with a real MP4.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::helpers::sandbox::*;
use crate::helpers::{extract_csrf, location, spawn_app};

#[tokio::test]
async fn the_whole_flow_oauth_direct_post_chunks_status_and_checksum() {
    let app = sandbox_app(&[("CAST_SANDBOX_PROCESSING_MS", "300")]).await;
    let video = fixture("ok.mp4");
    let size = video.len() as u64;
    let c = connect(&app, "cast_creator").await;
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/creator_info/query/",
        None,
    )
    .await;
    assert_ok(status, &body);

    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "PUBLIC_TO_EVERYONE",
        file_source(size, size, 1),
    )
    .await;
    let (publish_id, url) = accepted(status, &body);
    let res = put_chunk(&url, 0, size, video.clone()).await;
    assert_eq!(res.status().as_u16(), 201);
    // Processing shows for the configured delay.
    let (status, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_ok(status, &body);
    assert_eq!(body["data"]["status"], "PROCESSING_UPLOAD");

    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "PUBLISH_COMPLETE", "{data}");
    assert_eq!(data["uploaded_bytes"], size);
    assert!(data.get("fail_reason").is_none(), "{data}");
    let ids = data["publicaly_available_post_id"].as_array().expect("ids");
    assert_eq!(ids.len(), 1);
    assert!(ids[0].as_u64().is_some_and(|id| id.to_string().len() == 19));

    let posts = received(&app).await;
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post["sha256"], hex::encode(Sha256::digest(&video)));
    assert_eq!(post["publish_id"], publish_id.as_str());
    assert_eq!(post["open_id"], c.open_id.as_str());
    assert_eq!(post["mode"], "direct");
    assert_eq!(post["size"], size);
    assert_eq!(post["status"], "PUBLISH_COMPLETE");
    assert_eq!(post["fail_reason"], Value::Null);
    let as_strings: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(post["post_ids"], json!(as_strings));
    assert_eq!(post["post_info"]["privacy_level"], "PUBLIC_TO_EVERYONE");
    assert_eq!(post["post_info"]["title"], "Hello #cast");
    assert!(
        post["created_at"]
            .as_i64()
            .is_some_and(|t| t > 1_700_000_000)
    );
}

#[tokio::test]
async fn a_private_post_completes_without_a_post_id() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", fixture("ok.mp4")).await;
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "PUBLISH_COMPLETE");
    // An empty list or no field at all (the sandbox gives both in turn).
    let ids = data.get("publicaly_available_post_id");
    assert!(ids.is_none() || ids == Some(&json!([])), "{data}");
}

#[tokio::test]
async fn a_video_longer_than_the_creators_maximum_fails_the_duration_check() {
    let app = sandbox_app(&[("CAST_SANDBOX_MAX_DURATION_SEC", "1")]).await;
    let c = connect(&app, "maria").await;
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", fixture("ok.mp4")).await;
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(
        (data["status"].as_str(), data["fail_reason"].as_str()),
        (Some("FAILED"), Some("duration_check_failed"))
    );
}

#[tokio::test]
async fn an_inbox_draft_waits_in_the_inbox_until_posted_from_the_app() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let video = fixture("ok.mp4");
    let size = video.len() as u64;
    let (status, body) = init_inbox(&app, &c.access_token, file_source(size, size, 1)).await;
    let (publish_id, url) = accepted(status, &body);
    assert_eq!(put_chunk(&url, 0, size, video).await.status().as_u16(), 201);
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "SEND_TO_USER_INBOX");

    let page = app.get_text(&format!("{API}/_/")).await;
    assert!(page.contains("Post from the TikTok app"), "{page}");
    let action = format!("{API}/_/drafts/{publish_id}/post");
    assert!(
        page.contains(&action.replace('~', "&#126;")) || page.contains(&action),
        "{page}"
    );
    let csrf = extract_csrf(&page).expect("csrf");
    let res = app.post_form(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), format!("{API}/_/"));

    let (status, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_ok(status, &body);
    assert_eq!(body["data"]["status"], "PUBLISH_COMPLETE");
    assert_eq!(
        body["data"]["publicaly_available_post_id"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Posted drafts no longer count as pending shares; a second press changes nothing.
    assert_eq!(
        app.post_form(&action, &[("csrf_token", &csrf)])
            .await
            .status()
            .as_u16(),
        409
    );
}

#[tokio::test]
async fn an_unknown_publish_id_is_invalid_publish_id() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = status_of(&app, &c.access_token, "v_pub_file~v2-1.123").await;
    assert_api_error(status, &body, 400, "invalid_publish_id");
    let (status, body) = call(
        &app,
        &c.access_token,
        "/v2/post/publish/status/fetch/",
        Some(json!({})),
    )
    .await;
    assert_api_error(status, &body, 400, "invalid_param");
}

#[tokio::test]
async fn another_creators_publish_id_is_not_authorized() {
    let app = sandbox_app(&[]).await;
    let alice = connect(&app, "alice").await;
    let bob = connect(&app, "bob").await;
    let (status, body) = init_direct(
        &app,
        &alice.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (publish_id, _) = accepted(status, &body);
    let (status, body) = status_of(&app, &bob.access_token, &publish_id).await;
    assert_api_error(
        status,
        &body,
        400,
        "token_not_authorized_for_specified_publish_id",
    );
}

#[tokio::test]
async fn status_fetch_is_limited_to_30_a_minute() {
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
    for _ in 0..30 {
        let (status, body) = status_of(&app, &c.access_token, &publish_id).await;
        assert_ok(status, &body);
    }
    let (status, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_api_error(status, &body, 429, "rate_limit_exceeded");
}

#[tokio::test]
async fn revoking_access_during_processing_fails_the_post_with_auth_removed() {
    let app = sandbox_app(&[("CAST_SANDBOX_PROCESSING_MS", "2000")]).await;
    let c = connect(&app, "maria").await;
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", fixture("ok.mp4")).await;
    let res = reqwest::Client::new()
        .post(api_url(&app, "/v2/oauth/revoke/"))
        .form(&[
            ("client_key", "cast-sandbox"),
            ("client_secret", "cast-sandbox-secret"),
            ("token", &c.access_token),
        ])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status().as_u16(), 200);
    // The creator connects again and the app asks how it went.
    let again = connect(&app, "maria").await;
    let data = wait_final(&app, &again.access_token, &publish_id).await;
    assert_eq!(
        (data["status"].as_str(), data["fail_reason"].as_str()),
        (Some("FAILED"), Some("auth_removed"))
    );
}

#[tokio::test]
async fn processing_survives_a_restart() {
    let app = sandbox_app(&[("CAST_SANDBOX_PROCESSING_MS", "500")]).await;
    let c = connect(&app, "maria").await;
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", fixture("ok.mp4")).await;
    let app = app.restart().await;
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "PUBLISH_COMPLETE");
}

#[tokio::test]
async fn the_received_pages_need_the_owners_login() {
    let app = spawn_app().await;
    let res = app.get(&format!("{API}/_/")).await;
    assert_eq!(res.status().as_u16(), 303);
    let res = app.get(&format!("{API}/_/posts")).await;
    assert_eq!(res.status().as_u16(), 401);
    let res = app.get(&format!("{API}/_/video/v_pub_file~v2-1.1")).await;
    assert_ne!(res.status().as_u16(), 200);
}

#[tokio::test]
async fn the_received_page_plays_each_video_with_range_support() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let video = fixture("ok.mp4");
    let publish_id = post_whole(&app, &c.access_token, "SELF_ONLY", video.clone()).await;
    wait_final(&app, &c.access_token, &publish_id).await;
    let page = app.get_text(&format!("{API}/_/")).await;
    assert!(page.contains("<video"), "{page}");
    assert!(page.contains("@maria"));

    let src = format!("{API}/_/video/{publish_id}");
    let res = app.get(&src).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(&res, "content-type"), "video/mp4");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), video.as_slice());

    let res = app
        .client
        .get(app.url(&src))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("range");
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 0-99/{}", video.len())
    );
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), &video[..100]);
}

#[tokio::test]
async fn each_media_problem_fails_with_tiktoks_fail_reason() {
    let app = sandbox_app(&[("CAST_SANDBOX_MAX_DURATION_SEC", "10")]).await;
    let cases = [
        ("too_long.mp4", "FAILED", Some("duration_check_failed")),
        ("low_fps.mp4", "FAILED", Some("frame_rate_check_failed")),
        ("tiny.mp4", "FAILED", Some("picture_size_check_failed")),
        (
            "wrong_codec.mp4",
            "FAILED",
            Some("file_format_check_failed"),
        ),
        (
            "not_a_video.mp4",
            "FAILED",
            Some("file_format_check_failed"),
        ),
        ("truncated.mp4", "FAILED", Some("file_format_check_failed")),
        ("hevc.mp4", "PUBLISH_COMPLETE", None),
        ("ok.mov", "PUBLISH_COMPLETE", None),
        ("ok_faststart.mp4", "PUBLISH_COMPLETE", None),
    ];
    // One creator each, all at once: init and status fetch are rate-limited per creator.
    let runs = cases
        .into_iter()
        .enumerate()
        .map(|(i, (file, want_status, want_reason))| {
            let app = &app;
            async move {
                let c = connect(app, &format!("creator{i}")).await;
                let publish_id = post_whole(app, &c.access_token, "SELF_ONLY", fixture(file)).await;
                let data = wait_final(app, &c.access_token, &publish_id).await;
                let got = (
                    data["status"].as_str().map(str::to_string),
                    data["fail_reason"].as_str().map(str::to_string),
                );
                assert_eq!(
                    got,
                    (
                        Some(want_status.to_string()),
                        want_reason.map(str::to_string)
                    ),
                    "{file}"
                );
            }
        });
    futures_util::future::join_all(runs).await;
}
