//! Posting one video to TikTok and YouTube at once, and YouTube's own checks: the Short verdict,
//! metadata refused before anything is sent, every problem at once.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::posts::{
    app_with_account, fixture, padded_mp4, post_video, posted, sandbox_posts, sha256_file,
    step_until_settled, tiktok_target,
};
use crate::youtube_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn one_post_to_tiktok_and_youtube_publishes_the_same_file_on_both() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Both Places").await;
    let channel = channel_id(&app).await;
    let open_id = app.open_id("alice").await;
    let video = fixture("ok.mp4");
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(&open_id, json!({"title": "Hello both", "privacy_level": "SELF_ONLY"})),
            youtube_target(&channel, json!({"title": "Hello YouTube", "tags": ["cast", "two words"], "privacy_status": "unlisted"})),
        ]),
    )
    .await;
    let youtube = &post["targets"][1];
    assert_eq!(youtube["platform"], "youtube");
    assert_eq!(
        youtube["warnings"],
        json!([]),
        "a vertical 2 s video is a Short"
    );
    let id = post["id"].as_str().expect("id");
    let done = step_until_settled(&app, id, HOUR).await;
    for t in done["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{t}");
    }
    let yt = &done["targets"][1];
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1, "{videos:?}");
    let v = &videos[0];
    assert_eq!(
        v["sha256"],
        sha256_file(&video),
        "YouTube got the file as it is"
    );
    assert_eq!(v["channel_id"], channel);
    assert_eq!(v["snippet"]["title"], "Hello YouTube");
    assert_eq!(v["snippet"]["tags"], json!(["cast", "two words"]));
    assert_eq!(v["status"]["privacyStatus"], "unlisted");
    assert_eq!(v["status"]["selfDeclaredMadeForKids"], false);
    assert_eq!(v["short"], true);
    let vid = v["id"].as_str().expect("video id");
    let url = yt["result"]["url"]
        .as_str()
        .or(yt["url"].as_str())
        .unwrap_or_default();
    let whole = yt.to_string();
    assert!(
        url.contains(vid) || whole.contains(&format!("https://www.youtube.com/watch?v={vid}")),
        "the target links the video: {yt}"
    );
    let tiktok = sandbox_posts(&app).await;
    assert_eq!(tiktok.len(), 1);
    assert_eq!(
        tiktok[0]["sha256"],
        sha256_file(&video),
        "TikTok got the same file"
    );
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains(&format!("watch?v={vid}")),
        "the post's page links YouTube"
    );
}

#[tokio::test]
async fn a_multi_chunk_upload_sends_every_byte_once_in_256_kib_multiples() {
    let (app, csrf) = app_with_account(&[("YOUTUBE_CHUNK_SIZE", "262144")]).await;
    connect_youtube(&app, "Chunks").await;
    let channel = channel_id(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 262_144 * 3 + 1000);
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([youtube_target(&channel, json!({}))]),
    )
    .await;
    let done = step_until_settled(&app, post["id"].as_str().expect("id"), HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0]["sha256"], sha256_file(&video));
    assert_eq!(videos[0]["sessions"], 1);
}

#[tokio::test]
async fn a_landscape_or_long_video_is_told_it_will_not_be_a_short_but_still_goes() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Wide").await;
    let channel = channel_id(&app).await;
    let post = posted(
        &app,
        &csrf,
        &fixture("rotated.mp4"),
        json!([youtube_target(&channel, json!({}))]),
    )
    .await;
    let warnings = &post["targets"][0]["warnings"];
    assert_eq!(warnings[0]["code"], "not_a_short", "{post}");
    let message = warnings[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("regular video") && message.contains("landscape"),
        "{message}"
    );
    let done = step_until_settled(&app, post["id"].as_str().expect("id"), HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert_eq!(sandbox_videos(&app).await[0]["short"], false);
}

#[tokio::test]
async fn youtube_metadata_problems_are_refused_all_at_once_with_the_target_index() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Strict").await;
    let channel = channel_id(&app).await;
    let open_id = app.open_id("alice").await;
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([
            tiktok_target(&open_id, json!({"title": "fine", "privacy_level": "SELF_ONLY"})),
            {
                "platform": "youtube",
                "account": channel,
                "title": "x".repeat(101),
                "description": "a <b> tag",
                "tags": ["ok", ""],
                "made_for_kids": "false",
            },
        ]),
        None,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    let problems = body["error"]["problems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let codes: Vec<&str> = problems.iter().filter_map(|p| p["code"].as_str()).collect();
    for want in [
        "made_for_kids_invalid",
        "title_too_long",
        "description_angle_brackets",
        "tag_empty",
        "privacy_required",
        "synthetic_media_required",
    ] {
        assert!(codes.contains(&want), "{want} in {body}");
    }
    assert!(!codes.contains(&"made_for_kids_required"), "{body}");
    assert!(
        problems.iter().all(|p| p["target"] == 1),
        "every problem names the YouTube target: {body}"
    );
    // Once the types are right, YouTube's rules speak, every one at once.
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([{
            "platform": "youtube",
            "account": channel,
            "title": "😀".repeat(51),
            "description": "a <b> tag",
            "tags": ["ok", ""],
            "privacy_status": "friends",
        }]),
        None,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    let codes: Vec<String> = body["error"]["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["code"].as_str().map(str::to_string))
        .collect();
    for want in [
        "title_too_long",
        "description_angle_brackets",
        "tag_empty",
        "privacy_invalid",
        "made_for_kids_required",
        "synthetic_media_required",
    ] {
        assert!(codes.iter().any(|c| c == want), "{want} in {body}");
    }
    assert!(sandbox_videos(&app).await.is_empty(), "nothing was sent");
    assert_eq!(app.run_until_idle().await, 0, "nothing was queued");
}

#[tokio::test]
async fn a_scheduled_youtube_post_waits_in_cast_and_goes_at_its_time() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Later").await;
    let channel = channel_id(&app).await;
    let at_secs = app.clock.now_ms() / 1000 + 7200;
    let at = jiff::Timestamp::from_second(at_secs)
        .expect("time")
        .to_string();
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([youtube_target(&channel, json!({}))]),
        Some(&at),
        None,
    )
    .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["post"]["targets"][0]["state"], "scheduled", "{body}");
    assert!(!app.step().await, "nothing is due before its time");
    assert!(sandbox_videos(&app).await.is_empty());
    let done = step_until_settled(&app, body["post"]["id"].as_str().expect("id"), 3 * HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert!(app.clock.now_ms() / 1000 >= at_secs);
    assert_eq!(sandbox_videos(&app).await.len(), 1);
}

#[tokio::test]
async fn a_cover_picked_before_publishing_becomes_the_thumbnail_and_tiktok_gets_its_time() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Covers").await;
    let channel = channel_id(&app).await;
    let open_id = app.open_id("alice").await;
    let mut frame = vec![0xFF, 0xD8, 0xFF, 0xE0];
    frame.resize(40_000, 0x42);
    let res = app
        .client
        .post(app.url("/post/cover"))
        .header("X-CSRF-Token", &csrf)
        .header("Content-Type", "image/jpeg")
        .body(frame)
        .send()
        .await
        .expect("cover");
    assert_eq!(res.status().as_u16(), 200);
    let cover: Value = res.json().await.expect("json");
    let cover = cover["cover"].as_str().expect("id").to_string();
    let refused = app
        .client
        .post(app.url("/post/cover"))
        .header("X-CSRF-Token", &csrf)
        .body("GIF89a, not a frame")
        .send()
        .await
        .expect("not an image");
    assert_eq!(refused.status().as_u16(), 400);

    let post = posted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([
            tiktok_target(
                &open_id,
                json!({"privacy_level": "SELF_ONLY", "video_cover_timestamp_ms": 1200})
            ),
            youtube_target(&channel, json!({"thumbnail": cover})),
        ]),
    )
    .await;
    let done = step_until_settled(&app, post["id"].as_str().expect("id"), HOUR).await;
    for t in done["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{t}");
    }
    assert_eq!(sandbox_videos(&app).await[0]["thumbnail"], true);
    assert_eq!(
        sandbox_posts(&app).await[0]["post_info"]["video_cover_timestamp_ms"],
        1200
    );
}

#[tokio::test]
async fn a_thumbnail_that_names_no_picked_cover_is_refused_before_sending() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Covers").await;
    let channel = channel_id(&app).await;
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([youtube_target(
            &channel,
            json!({"thumbnail": "../../cast.db"})
        )]),
        None,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let body = res.text().await.expect("body");
    assert!(body.contains("thumbnail_invalid"), "{body}");
    assert!(sandbox_videos(&app).await.is_empty());
}
