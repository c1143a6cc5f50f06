//! The life of an Instagram reel's public link as the owner sees it: cancelling a reel whose
//! container answer was lost kills the link, so the container Meta may still hold can never
//! fetch the video again.

use serde_json::json;

use crate::helpers::posts::{post_of, posted};
use crate::helpers::spawn_app_with;
use crate::instagram_steps::*;
use crate::media_helpers::reel;

#[tokio::test]
async fn cancelling_a_reel_whose_container_answer_was_lost_takes_its_link_down() {
    let app = spawn_app_with(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", "create:lost:1")]).await;
    let csrf = app.logged_in().await;
    let user_id = connected(&app, "lima_tests").await;
    let dir = tempfile::tempdir().expect("dir");
    let post = posted(
        &app,
        &csrf,
        &reel(dir.path(), 0),
        json!([instagram_target(&user_id, "Cancelled midway")]),
    )
    .await;
    let post_id = post["id"].as_str().expect("id").to_string();
    assert!(
        app.step().await,
        "the step creates a container, its answer lost"
    );
    settle(&app).await;
    let reels = sandbox_reels(&app).await;
    assert_eq!(
        reels.len(),
        1,
        "Meta holds a container Cast never heard of: {reels:?}"
    );
    let url = reels[0]["video_url"]
        .as_str()
        .expect("video_url")
        .to_string();
    let before = reqwest::get(&url).await.expect("link");
    assert_eq!(
        before.status().as_u16(),
        200,
        "the link lives while Cast retries"
    );

    let post = post_of(&app, &post_id).await;
    let ig = target(&post, "instagram");
    assert!(
        ig["actions"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("cancel"))),
        "the owner can cancel the reel: {ig}"
    );
    let target_id = ig["id"].as_str().expect("target id");
    let res = app
        .post_form(
            &format!("/posts/{post_id}/targets/{target_id}/cancel"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        target(&post_of(&app, &post_id).await, "instagram")["state"],
        "cancelled"
    );

    let after = reqwest::get(&url).await.expect("link");
    assert_eq!(
        after.status().as_u16(),
        404,
        "the cancelled reel's link is dead"
    );
    assert!(
        after.bytes().await.expect("body").is_empty(),
        "an empty 404"
    );
    while app.step().await {}
    assert!(
        sandbox_reels(&app)
            .await
            .iter()
            .all(|r| r["media_id"].is_null()),
        "nothing was published"
    );
}
