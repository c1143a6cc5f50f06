//! Post again: a post's video sent later to another account (another platform), through
//! `POST /api/posts/{id}/targets` and the post's page, with the first targets left as they were.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::posts::{
    app_with_account, fixture, post_of, posted, sandbox_posts, sha256_file, spool_files,
    step_until, step_until_settled, tiktok_target,
};
use crate::youtube_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);

async fn add_targets(app: &TestApp, csrf: &str, post_id: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/posts/{post_id}/targets")))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// A TikTok post published (as Only me), with a YouTube channel connected beside it.
async fn published_on_tiktok(settings: &[(&str, &str)]) -> (TestApp, String, String, Value) {
    let (app, csrf) = app_with_account(settings).await;
    connect_youtube(&app, "Later Too").await;
    let open_id = app.open_id("alice").await;
    let post = posted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([tiktok_target(
            &open_id,
            json!({"title": "First TikTok", "privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    (app, csrf, id, done)
}

#[tokio::test]
async fn a_published_tiktok_post_sent_to_youtube_later_publishes_there_once_and_tiktok_is_untouched()
 {
    let (app, csrf, id, before) = published_on_tiktok(&[]).await;
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains("Post again to another platform") && page.contains("Later Too"),
        "the post's page offers the connected channel: {page}"
    );
    let channel = channel_id(&app).await;

    let (status, body) = add_targets(
        &app,
        &csrf,
        &id,
        json!({"targets": [youtube_target(&channel, json!({"title": "Now on YouTube"}))]}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let targets = body["post"]["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2, "{body}");
    assert_eq!(
        targets[0], before["targets"][0],
        "the TikTok target is as it was"
    );
    assert_eq!(targets[1]["platform"], "youtube");
    assert_eq!(targets[1]["state"], "queued");

    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][1]["state"], "published", "{done}");
    assert_eq!(
        done["targets"][0], before["targets"][0],
        "TikTok is untouched"
    );
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1, "YouTube got the video once: {videos:?}");
    assert_eq!(videos[0]["sha256"], sha256_file(&fixture("ok.mp4")));
    assert_eq!(videos[0]["snippet"]["title"], "Now on YouTube");
    assert_eq!(
        sandbox_posts(&app).await.len(),
        1,
        "TikTok was not sent it again"
    );
    let vid = videos[0]["id"].as_str().expect("video id");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains(&format!("watch?v={vid}")),
        "the page links YouTube too"
    );
    assert!(
        !page.contains("Post again to another platform"),
        "no connected account is left to post to"
    );
}

#[tokio::test]
async fn the_same_account_again_is_refused_and_nothing_is_added() {
    let (app, csrf, id, before) = published_on_tiktok(&[]).await;
    let open_id = app.open_id("alice").await;
    let (status, body) = add_targets(
        &app,
        &csrf,
        &id,
        json!({"targets": [tiktok_target(&open_id, json!({"privacy_level": "SELF_ONLY"}))]}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let problem = &body["error"]["problems"][0];
    assert_eq!(problem["code"], "duplicate_target", "{body}");
    assert_eq!(problem["target"], 0);
    assert!(
        problem["message"]
            .as_str()
            .is_some_and(|m| m.contains("already a target of this post")),
        "{body}"
    );
    assert_eq!(post_of(&app, &id).await["targets"], before["targets"]);
    assert_eq!(app.run_until_idle().await, 0, "nothing was queued");
    assert_eq!(sandbox_posts(&app).await.len(), 1);
}

#[tokio::test]
async fn once_the_video_is_cleaned_up_posting_again_is_refused_with_what_to_do() {
    let (app, csrf, id, before) = published_on_tiktok(&[("SPOOL_RETENTION_HOURS", "0")]).await;
    assert!(
        spool_files(&app).is_empty(),
        "the video went with its last target"
    );
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        !page.contains("Post again to another platform"),
        "not offered"
    );
    let channel = channel_id(&app).await;
    let (status, body) = add_targets(
        &app,
        &csrf,
        &id,
        json!({"targets": [youtube_target(&channel, json!({}))]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "video_gone");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m
                .contains("no longer kept on this server; post it again from the posting screen")),
        "{body}"
    );
    assert_eq!(post_of(&app, &id).await["targets"], before["targets"]);
    assert!(sandbox_videos(&app).await.is_empty());
}

#[tokio::test]
async fn a_target_added_while_the_first_is_still_processing_keeps_the_video_until_it_has_it() {
    // With no retention the video goes as soon as no target needs it: the added one must count.
    let (app, csrf) = app_with_account(&[("SPOOL_RETENTION_HOURS", "0")]).await;
    connect_youtube(&app, "Meanwhile").await;
    let open_id = app.open_id("alice").await;
    let post = posted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([tiktok_target(
            &open_id,
            json!({"privacy_level": "SELF_ONLY"})
        )]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    let tiktok_id = post["targets"][0]["id"]
        .as_str()
        .expect("target")
        .to_string();
    step_until(&app, &tiktok_id, &["processing"], HOUR).await;
    let channel = channel_id(&app).await;
    let (status, body) = add_targets(
        &app,
        &csrf,
        &id,
        json!({"targets": [youtube_target(&channel, json!({}))]}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let done = step_until_settled(&app, &id, HOUR).await;
    for t in done["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{t}");
    }
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0]["sha256"], sha256_file(&fixture("ok.mp4")));
    assert!(spool_files(&app).is_empty(), "and then the video went");
}

#[tokio::test]
async fn posting_again_from_the_posts_page_sends_the_video_to_the_ticked_channel() {
    let (app, csrf, id, before) = published_on_tiktok(&[]).await;
    let channel = channel_id(&app).await;
    let account = format!("youtube:{channel}");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(page.contains(&format!("value=\"{account}\"")), "{page}");
    // Ticking the channel loads its own options block, as on the posting screen.
    let options = app
        .get_text(&format!("/post/options?slot=0&account={account}"))
        .await;
    assert!(options.contains("t0_privacy_status"), "{options}");

    let form = [
        ("csrf_token", csrf.as_str()),
        ("title", "From the page\nmore words"),
        ("target", "0"),
        ("account_0", account.as_str()),
        ("t0_privacy_status", "unlisted"),
        ("t0_made_for_kids", "no"),
        ("t0_synthetic_media", "no"),
    ];
    let res = app
        .client
        .post(app.url(&format!("/posts/{id}/targets")))
        .header("HX-Request", "true")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()
            .get("HX-Redirect")
            .and_then(|v| v.to_str().ok()),
        Some(format!("/posts/{id}").as_str())
    );
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][1]["state"], "published", "{done}");
    assert_eq!(done["targets"][0], before["targets"][0]);
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0]["snippet"]["title"], "From the page");
    assert_eq!(videos[0]["status"]["privacyStatus"], "unlisted");

    // The same form again: the channel is a target now, and the page says so beside the button.
    let again = app
        .client
        .post(app.url(&format!("/posts/{id}/targets")))
        .header("HX-Request", "true")
        .form(&form)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status().as_u16(), 422);
    let html = again.text().await.expect("html");
    assert!(html.contains("already a target of this post"), "{html}");
    assert_eq!(sandbox_videos(&app).await.len(), 1, "posted once");
}
