//! One video, several accounts: a post to two TikTok accounts publishes on both, one failing
//! leaves the other published, and Retry or Cancel acts on one target only.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::notify::Receiver;
use crate::helpers::posts::*;

const HOUR: Duration = Duration::from_secs(3600);

fn target_ids(post: &Value) -> Vec<String> {
    post["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["id"].as_str().expect("target id").to_string())
        .collect()
}

/// The sandbox's posts, as (open_id, sha256) pairs.
async fn received(app: &crate::helpers::TestApp) -> BTreeSet<(String, String)> {
    sandbox_posts(app)
        .await
        .iter()
        .map(|p| {
            (
                p["open_id"].as_str().expect("open_id").to_string(),
                p["sha256"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_post_to_two_accounts_publishes_the_same_video_on_both() {
    let (app, csrf, [alice, bob]) = app_with_two_accounts(&[]).await;
    let video = fixture("ok.mp4");
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY", "title": "For alice", "disable_comment": false})),
            tiktok_target(&bob, json!({"privacy_level": "SELF_ONLY", "title": "For bob"})),
        ]),
    )
    .await;
    let id = post["id"].as_str().expect("post id");
    assert_eq!(target_ids(&post).len(), 2);

    let done = step_until_settled(&app, id, HOUR).await;
    for (t, account) in done["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .zip([&alice, &bob])
    {
        assert_eq!(
            t["account"],
            account.as_str(),
            "targets keep the request's order"
        );
        assert_eq!(t["state"], "published", "{done}");
        assert_eq!(t["progress"], 100);
        assert_eq!(t["result"]["visibility"], "private", "{t}");
        // "Only me": no post id to link to, the account's profile instead.
        assert!(
            t["result"]["url"]
                .as_str()
                .is_some_and(|u| u.contains("/@")),
            "{t}"
        );
    }
    let sha = sha256_file(&video);
    assert_eq!(
        received(&app).await,
        BTreeSet::from([(alice.clone(), sha.clone()), (bob.clone(), sha)]),
        "one post per account, each with the file's bytes"
    );
    // Each account got its own options.
    let posts = sandbox_posts(&app).await;
    let of = |open_id: &str| {
        posts
            .iter()
            .find(|p| p["open_id"] == open_id)
            .map(|p| p["post_info"].clone())
            .expect("a post of that account")
    };
    assert_eq!(of(&alice)["title"], "For alice");
    assert_eq!(of(&alice)["disable_comment"], false);
    assert_eq!(of(&bob)["title"], "For bob");
    // Left out: TikTok's default, comments off until the creator turns them on.
    assert_eq!(of(&bob)["disable_comment"], true);
}

#[tokio::test]
async fn one_account_refused_leaves_the_other_published_and_retry_sends_only_the_refused_one() {
    let hook = Receiver::start().await;
    // The first init TikTok gets is refused for good; the worker takes targets in the request's
    // order, so that is the first target's.
    let (app, csrf, [alice, bob]) = app_with_two_accounts(&[
        ("CAST_SANDBOX_FAULTS", "init:400:1"),
        ("NOTIFY_WEBHOOK_URL", &hook.url),
        (
            "NOTIFY_WEBHOOK_SECRET",
            "a-secret-the-receiver-knows-0123456789",
        ),
    ])
    .await;
    let video = fixture("ok.mp4");
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY"})),
            tiktok_target(&bob, json!({"privacy_level": "SELF_ONLY"})),
        ]),
    )
    .await;
    let id = post["id"].as_str().expect("post id").to_string();
    let [refused_id, published_id] = <[String; 2]>::try_from(target_ids(&post)).expect("two");

    let done = step_until_settled(&app, &id, HOUR).await;
    let (first, second) = (&done["targets"][0], &done["targets"][1]);
    assert_eq!(first["state"], "failed", "{done}");
    assert_eq!(first["error"]["code"], "invalid_param");
    assert!(
        first["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("TikTok refused a value")),
        "{first}"
    );
    assert_eq!(first["actions"], json!(["retry", "cancel"]));
    assert_eq!(second["state"], "published", "{done}");
    assert_eq!(
        received(&app).await,
        BTreeSet::from([(bob.clone(), sha256_file(&video))])
    );

    // The owner hears how each target ended, each once.
    app.notifier.deliver_due().await;
    let told: BTreeSet<(String, String)> = hook
        .requests()
        .iter()
        .map(|r| {
            let body = r.json();
            (
                body["event"].as_str().expect("event").to_string(),
                body["target"]["id"].as_str().expect("target").to_string(),
            )
        })
        .collect();
    assert_eq!(
        told,
        BTreeSet::from([
            ("post.failed".to_string(), refused_id.clone()),
            ("post.published".to_string(), published_id.clone()),
        ])
    );

    // Retry on the refused target only: the published one is not touched, nor sent again.
    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/{id}/targets/{refused_id}/retry"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    let retried: Value = res.json().await.expect("json");
    assert_eq!(retried["post"]["targets"][0]["state"], "queued");
    assert_eq!(retried["post"]["targets"][1]["state"], "published");
    assert_eq!(
        retried["post"]["targets"][1]["updated_at"],
        second["updated_at"]
    );
    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/{id}/targets/{published_id}/retry"),
    )
    .await;
    assert_eq!(
        res.status().as_u16(),
        409,
        "a published target has nothing to retry"
    );

    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert_eq!(done["targets"][0]["error"], Value::Null);
    let sha = sha256_file(&video);
    assert_eq!(
        received(&app).await,
        BTreeSet::from([(alice, sha.clone()), (bob, sha)])
    );
    assert_eq!(
        sandbox_posts(&app).await.len(),
        2,
        "bob's post was not sent twice"
    );
}

#[tokio::test]
async fn cancelling_one_target_of_a_scheduled_post_leaves_the_other_to_publish() {
    let (app, csrf, [alice, bob]) = app_with_two_accounts(&[]).await;
    let in_an_hour = app.clock.now() + 3600;
    let at = time::OffsetDateTime::from_unix_timestamp(in_an_hour)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([
            tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY"})),
            tiktok_target(&bob, json!({"privacy_level": "SELF_ONLY"})),
        ]),
        Some(&at),
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    let post: Value = res.json().await.expect("json");
    let post = &post["post"];
    let id = post["id"].as_str().expect("post id").to_string();
    let [alices, bobs] = <[String; 2]>::try_from(target_ids(post)).expect("two");
    assert!(post["publish_at"].is_i64(), "{post}");
    for t in post["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "scheduled", "{t}");
    }

    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/{id}/targets/{alices}/cancel"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let after: Value = res.json().await.expect("json");
    assert_eq!(after["post"]["targets"][0]["state"], "cancelled");
    assert_eq!(after["post"]["targets"][0]["actions"], json!([]));
    assert_eq!(after["post"]["targets"][1]["state"], "scheduled");
    assert_eq!(
        spool_files(&app).len(),
        1,
        "bob's target still needs the video"
    );

    // A second cancel, a target of another post, a post that does not exist.
    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/{id}/targets/{alices}/cancel"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 409);
    let res = post_json(
        &app,
        &csrf,
        &format!("/api/posts/nope/targets/{bobs}/cancel"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 404);

    assert_eq!(
        app.run_until_idle().await,
        0,
        "nothing moves before its time"
    );
    // The hour passes.
    app.clock.set_ms(in_an_hour * 1000);
    let done = step_until_settled(&app, &id, HOUR).await;
    assert_eq!(done["targets"][0]["state"], "cancelled", "{done}");
    assert_eq!(done["targets"][1]["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["open_id"], bob.as_str());
}
