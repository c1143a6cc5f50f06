//! Publishing reels through Cast: one video to TikTok, YouTube and Instagram at once (over a
//! plain-http BASE_URL), exactly one reel after a lost `media_publish` answer, the same
//! container after a restart, and a misbehaving link failing with words a person can act on.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::posts::{app_with_account, posted, sandbox_posts, sha256_file, tiktok_target};
use crate::helpers::{free_port, spawn_app_with};
use crate::instagram_steps::*;
use crate::media_helpers::reel;
use crate::youtube_helpers::{channel_id, connect_youtube, sandbox_videos, youtube_target};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn one_post_to_tiktok_youtube_and_instagram_publishes_all_three_with_the_files_bytes() {
    let (app, csrf) = app_with_account(&[]).await;
    let open_id = app.open_id("alice").await;
    connect_youtube(&app, "Cooking With Cast").await;
    let channel = channel_id(&app).await;
    let user_id = connected(&app, "lima_tests").await;
    let dir = tempfile::tempdir().expect("dir");
    // Padded past one 4 MiB read, so Meta's fetcher needs several ranges.
    let video = reel(dir.path(), 5_000_000);
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(
                &open_id,
                json!({"privacy_level": "SELF_ONLY", "title": "Three at once"})
            ),
            youtube_target(&channel, json!({})),
            instagram_target(&user_id, "Three at once #cast"),
        ]),
    )
    .await;
    let id = post["id"].as_str().expect("id");
    let post = step_post_until_settled(&app, id, HOUR).await;
    for platform in ["tiktok", "youtube", "instagram"] {
        assert_eq!(
            target(&post, platform)["state"],
            "published",
            "{platform}: {post}"
        );
    }
    let sha = sha256_file(&video);
    assert_eq!(
        sandbox_posts(&app).await[0]["sha256"],
        sha,
        "TikTok got the file"
    );
    assert_eq!(
        sandbox_videos(&app).await[0]["sha256"],
        sha,
        "YouTube got the file"
    );
    let reels = sandbox_reels(&app).await;
    assert_eq!(reels.len(), 1, "{reels:?}");
    assert_eq!(
        reels[0]["sha256"], sha,
        "Instagram fetched exactly the file"
    );
    assert_eq!(reels[0]["caption"], "Three at once #cast");
    assert_eq!(reels[0]["share_to_feed"], true);
    assert!(
        reels[0]["video_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://") && u.contains("/m/")),
        "a plain-http BASE_URL still serves the link: {}",
        reels[0]["video_url"]
    );

    let ig = target(&post, "instagram");
    let url = ig["result"]["url"].as_str().unwrap_or_default();
    assert!(
        url.starts_with("https://www.instagram.com/reel/"),
        "the reel's link: {ig}"
    );
    assert_eq!(ig["result"]["post_id"], reels[0]["media_id"]);
    let fetches = ig["fetches"].as_array().expect("the fetch log");
    assert!(fetches.len() >= 3, "a HEAD then ranged reads: {fetches:?}");
    assert!(fetches.iter().all(|f| {
        f["user_agent"]
            .as_str()
            .unwrap_or("")
            .starts_with("facebookexternalhit")
    }));
    assert!(fetches.iter().any(|f| f["method"] == "HEAD"));
    assert!(
        fetches
            .iter()
            .any(|f| f["status"] == 206 && f["range"].is_string())
    );
    let bytes: u64 = fetches.iter().filter_map(|f| f["bytes"].as_u64()).sum();
    assert!(
        bytes >= std::fs::metadata(&video).expect("size").len(),
        "{bytes}"
    );
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(page.contains(url), "the post's page links the reel");
    assert!(
        page.contains("Instagram fetched"),
        "the post's page shows the fetch log: {page}"
    );
}

#[tokio::test]
async fn a_lost_media_publish_answer_ends_with_exactly_one_reel() {
    let app = spawn_app_with(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", "publish:lost:1")]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_tests").await;
    let dir = tempfile::tempdir().expect("dir");
    let post = posted(
        &app,
        &csrf,
        &reel(dir.path(), 0),
        json!([instagram_target(&user_id, "Once only")]),
    )
    .await;
    let post = step_post_until_settled(&app, post["id"].as_str().expect("id"), HOUR).await;
    let ig = target(&post, "instagram");
    assert_eq!(ig["state"], "published", "{ig}");
    let reels = sandbox_reels(&app).await;
    assert_eq!(reels.len(), 1, "one container: {reels:?}");
    assert_eq!(reels[0]["status_code"], "PUBLISHED");
    assert!(reels[0]["media_id"].is_string(), "{reels:?}");
    assert!(
        ig["result"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://www.instagram.com/")),
        "{ig}"
    );
}

#[tokio::test]
async fn cast_restarted_between_the_container_and_the_publish_resumes_the_same_container() {
    // The same address after the restart, as a real BASE_URL: the link Meta holds still works.
    let listen = format!("127.0.0.1:{}", free_port());
    let app = spawn_app_with(&[("LISTEN", listen.as_str())]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_tests").await;
    let dir = tempfile::tempdir().expect("dir");
    let post = posted(
        &app,
        &csrf,
        &reel(dir.path(), 0),
        json!([instagram_target(&user_id, "After a restart")]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    assert!(app.step().await, "the first step creates the container");
    let before = sandbox_reels(&app).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let container = before[0]["container_id"].clone();

    let app = app.restart().await;
    let post = step_post_until_settled(&app, &id, HOUR).await;
    assert_eq!(target(&post, "instagram")["state"], "published", "{post}");
    let after = sandbox_reels(&app).await;
    assert_eq!(after.len(), 1, "no second container: {after:?}");
    assert_eq!(after[0]["container_id"], container);
    assert_eq!(after[0]["status_code"], "PUBLISHED");
}

#[tokio::test]
async fn a_link_that_misbehaves_fails_the_reel_with_words_a_person_can_act_on() {
    for fault in ["redirect", "html", "ignore-range", "404"] {
        let knob = format!("fetch:{fault}:10");
        let app = spawn_app_with(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", knob.as_str())]).await;
        let csrf = app.logged_in().await;
        let user_id = connected(&app, "lima_tests").await;
        let dir = tempfile::tempdir().expect("dir");
        let post = posted(
            &app,
            &csrf,
            &reel(dir.path(), 0),
            json!([instagram_target(&user_id, fault)]),
        )
        .await;
        let post = step_post_until_settled(&app, post["id"].as_str().expect("id"), HOUR).await;
        let ig = target(&post, "instagram");
        assert_eq!(ig["state"], "failed", "{fault}: {ig}");
        let message = ig["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("Instagram could not fetch the video from Cast's link")
                && message.contains("BASE_URL")
                && message.contains("fetch log"),
            "{fault}: the owner learns what to check: {message}"
        );
        assert!(
            message.contains("2207052"),
            "{fault}: Meta's subcode: {message}"
        );
        let reels = sandbox_reels(&app).await;
        assert_eq!(
            reels.len(),
            2,
            "{fault}: one new container, then no more: {reels:?}"
        );
        assert!(
            reels.iter().all(|r| r["status_code"] == "ERROR"),
            "{fault}: {reels:?}"
        );
        assert!(
            ig["actions"]
                .as_array()
                .is_some_and(|a| a.contains(&Value::from("retry"))),
            "{fault}: {ig}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_reel_whose_index_is_at_the_end_is_refused_at_submit_saying_to_export_it_with_fast_start()
{
    let app = spawn_app_with(&[]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_index").await;
    // ok.mp4 keeps its index ('moov') after the media data.
    let video = crate::helpers::posts::fixture("ok.mp4");
    let res = crate::helpers::posts::post_video(
        &app,
        &csrf,
        &video,
        json!([instagram_target(&user_id, "Index last")]),
        None,
        None,
    )
    .await;
    assert_eq!(
        res.status().as_u16(),
        422,
        "refused before anything is kept"
    );
    let body: Value = res.json().await.expect("json");
    let problems = body["error"]["problems"].as_array().expect("problems");
    let index = problems
        .iter()
        .find(|p| p["code"] == "index_at_end")
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        index["message"]
            .as_str()
            .is_some_and(|m| m.contains("faststart")),
        "{index}"
    );
    assert!(sandbox_reels(&app).await.is_empty());
}
