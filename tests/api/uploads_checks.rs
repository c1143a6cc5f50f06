//! What TikTok would refuse is refused before anything is queued, with a code per problem, and
//! nothing stays behind (no job, no file).

use serde_json::Value;

use crate::helpers::posts::*;

async fn nothing_queued(app: &crate::helpers::TestApp) {
    let list: Value = app.get("/api/uploads").await.json().await.expect("json");
    assert_eq!(list["uploads"], serde_json::json!([]));
    assert!(spool_files(app).is_empty(), "{:?}", spool_files(app));
    assert!(sandbox_posts(app).await.is_empty());
}

#[tokio::test]
async fn each_video_check_refuses_its_bad_fixture() {
    // The fixtures' too_long.mp4 is 12 s; this creator may post 10 s.
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_MAX_DURATION_SEC", "10")]).await;
    for (file, code) in [
        ("too_long.mp4", "too_long"),
        ("wrong_codec.mp4", "unsupported_codec"),
        ("low_fps.mp4", "frame_rate"),
        ("tiny.mp4", "resolution"),
        ("not_a_video.mp4", "not_a_video"),
        ("truncated.mp4", "truncated"),
    ] {
        let codes = refused(
            &app,
            &csrf,
            &fixture(file),
            &[("privacy_level", "SELF_ONLY")],
        )
        .await;
        assert_eq!(codes, [code], "{file}");
    }
    nothing_queued(&app).await;
}

#[tokio::test]
async fn the_post_rules_are_checked_against_fresh_creator_info() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_DISABLED", "duet")]).await;
    let ok = fixture("ok.mp4");
    let long_title = "a".repeat(2201);
    for (fields, code) in [
        (vec![], "privacy_level_required"),
        (
            vec![("privacy_level", "FOLLOWER_OF_CREATOR")],
            "privacy_level_not_offered",
        ),
        (vec![("privacy_level", "EVERYONE")], "invalid_privacy_level"),
        (
            vec![("privacy_level", "SELF_ONLY"), ("disable_duet", "false")],
            "duet_disabled",
        ),
        (
            vec![
                ("privacy_level", "SELF_ONLY"),
                ("brand_content_toggle", "true"),
            ],
            "branded_content_private",
        ),
        (
            vec![
                ("privacy_level", "SELF_ONLY"),
                ("title", long_title.as_str()),
            ],
            "title_too_long",
        ),
        (
            vec![
                ("privacy_level", "SELF_ONLY"),
                ("publish_at", "next tuesday"),
            ],
            "invalid_publish_at",
        ),
    ] {
        let codes = refused(&app, &csrf, &ok, &fields).await;
        assert_eq!(codes, [code], "{fields:?}");
    }
    nothing_queued(&app).await;
}

#[tokio::test]
async fn several_problems_are_reported_together() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_DISABLED", "comment")]).await;
    let codes = refused(
        &app,
        &csrf,
        &fixture("low_fps.mp4"),
        &[("privacy_level", "SELF_ONLY"), ("disable_comment", "0")],
    )
    .await;
    assert_eq!(codes, ["frame_rate", "comment_disabled"]);
}

#[tokio::test]
async fn a_creator_who_cannot_post_now_is_told_before_anything_is_queued() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_CANNOT_POST", "1")]).await;
    let codes = refused(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    assert_eq!(codes, ["cannot_post_now"]);
    nothing_queued(&app).await;
}

#[tokio::test]
async fn an_upload_without_a_video_or_login_is_refused() {
    let (app, csrf) = app_with_account(&[]).await;
    let res = app
        .client
        .post(app.url("/api/tiktok/upload-video"))
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body("--x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhi\r\n--x--\r\n")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "missing_video");

    let anonymous = reqwest::Client::new()
        .post(app.url("/api/tiktok/upload-video"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn a_video_over_the_size_limit_is_refused_while_it_streams() {
    let (app, csrf) = app_with_account(&[("MAX_UPLOAD_MB", "1")]).await;
    let dir = tempfile::tempdir().expect("dir");
    let big = padded_mp4(dir.path(), 1_500_000);
    let res = upload(&app, &csrf, &big, &[("privacy_level", "SELF_ONLY")]).await;
    assert_eq!(res.status().as_u16(), 413);
    nothing_queued(&app).await;
}
