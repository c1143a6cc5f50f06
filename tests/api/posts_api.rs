//! `POST /api/posts` as a script sees it: the 202 it gets, every problem at once in a 422 with
//! the target it is about, options as JSON, and reading posts back newest first.

use serde_json::{Value, json};

use crate::helpers::posts::*;

#[tokio::test]
async fn an_accepted_post_answers_202_with_each_targets_state_and_warnings() {
    let (app, csrf, [alice, bob]) = app_with_two_accounts(&[]).await;
    let video = fixture("ok.mp4");
    let res = post_video(
        &app,
        &csrf,
        &video,
        json!([
            tiktok_target(
                &alice,
                json!({"privacy_level": "SELF_ONLY", "is_aigc": true})
            ),
            tiktok_target(&bob, json!({"mode": "inbox"})),
        ]),
        None,
        Some("script-run-1"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.expect("json");
    let post = &body["post"];
    let id = post["id"].as_str().expect("id");
    assert!(post["created_at"].is_i64(), "{post}");
    assert_eq!(post["video"]["sha256"], sha256_file(&video));
    let targets = post["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2);
    for (t, account) in targets.iter().zip([&alice, &bob]) {
        assert!(t["id"].is_string(), "{t}");
        assert_eq!(t["platform"], "tiktok");
        assert_eq!(t["account"], account.as_str());
        assert_eq!(t["state"], "queued");
        assert_eq!(t["progress"], 0);
        assert_eq!(t["result"], Value::Null, "nothing published yet");
        assert_eq!(t["error"], Value::Null);
        // A video TikTok takes as it is: no advice for either account.
        assert_eq!(t["warnings"], json!([]), "{t}");
    }
    assert_ne!(targets[0]["id"], targets[1]["id"]);
    assert_eq!(targets[0]["options"]["is_aigc"], true);
    assert_eq!(targets[1]["options"]["mode"], "inbox");

    // The same key again (a script's retry) is the same post, not a second one.
    let again = post_video(
        &app,
        &csrf,
        &video,
        json!([tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY"}))]),
        None,
        Some("script-run-1"),
    )
    .await;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["post"]["id"], id);
    assert_eq!(post_of(&app, id).await["targets"], body["post"]["targets"]);

    // A target in the inbox is told so, with no link.
    let done = step_until_settled(&app, id, std::time::Duration::from_secs(3600)).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert_eq!(done["targets"][1]["state"], "in_inbox", "{done}");
    assert_eq!(done["targets"][1]["result"]["url"], Value::Null);
}

#[tokio::test]
async fn every_problem_of_every_target_comes_back_at_once_naming_its_target() {
    let (app, csrf, [alice, bob]) = app_with_two_accounts(&[]).await;
    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!([
            tiktok_target(&alice, json!({"privacy_level": "SELF_ONLY"})),
            tiktok_target("nobody-here", json!({"privacy_level": "SELF_ONLY"})),
            tiktok_target(&bob, json!({"privacy_level": "EVERYONE", "disable_comment": "true"})),
            {"platform": "myspace", "account": "tom"},
        ]),
        Some("next tuesday"),
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    let problems = body["error"]["problems"].as_array().expect("problems");
    let listed: Vec<(Option<u64>, &str)> = problems
        .iter()
        .map(|p| (p["target"].as_u64(), p["code"].as_str().expect("code")))
        .collect();
    assert_eq!(
        listed,
        [
            (None, "invalid_publish_at"),
            (Some(1), "unknown_account"),
            (Some(2), "invalid_privacy_level"),
            (Some(2), "invalid_field"),
            (Some(3), "unknown_platform"),
        ],
        "{body}"
    );
    // The post's own problem has no `target` at all (not null).
    assert!(problems[0].get("target").is_none(), "{}", problems[0]);
    let says = |i: usize| problems[i]["message"].as_str().expect("message");
    assert!(says(0).contains("RFC 3339"), "{}", says(0));
    assert!(
        says(3).contains("disable_comment must be true or false (a JSON boolean)"),
        "a \"true\" string is refused saying what to send: {}",
        says(3)
    );
    assert!(says(4).contains("use tiktok"), "{}", says(4));

    // Nothing was kept.
    assert!(spool_files(&app).is_empty());
    let list: Value = app.get("/api/posts").await.json().await.expect("json");
    assert_eq!(list["posts"], json!([]));
}

#[tokio::test]
async fn a_post_without_a_video_or_targets_says_what_to_send() {
    let (app, csrf) = app_with_account(&[]).await;
    let res = app
        .client
        .post(app.url("/api/posts"))
        .header("X-CSRF-Token", &csrf)
        .multipart(reqwest::multipart::Form::new().text("publish_at", ""))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    let problems = body["error"]["problems"].as_array().expect("problems");
    let codes: Vec<&str> = problems.iter().filter_map(|p| p["code"].as_str()).collect();
    assert_eq!(codes, ["missing_video", "missing_targets"], "{body}");
    assert!(problems.iter().all(|p| p.get("target").is_none()));

    let res = post_video(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        json!({"platform": "tiktok"}),
        None,
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["problems"][0]["code"], "invalid_targets");
    assert!(spool_files(&app).is_empty());
}

#[tokio::test]
async fn posts_are_listed_newest_first_even_within_one_second() {
    let (app, csrf) = app_with_account(&[]).await;
    let alice = app.open_id("alice").await;
    // The clock does not move: all three are made in the same second.
    let mut ids = Vec::new();
    for title in ["first", "second", "third"] {
        let post = posted(
            &app,
            &csrf,
            &fixture("ok.mp4"),
            json!([tiktok_target(
                &alice,
                json!({"privacy_level": "SELF_ONLY", "title": title})
            )]),
        )
        .await;
        ids.push(post["id"].as_str().expect("id").to_string());
    }
    let page: Value = app
        .get("/api/posts?limit=2")
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<&str> = page["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(listed, [ids[2].as_str(), ids[1].as_str()]);
    assert_eq!(page["next_before"], ids[1].as_str());

    let rest: Value = app
        .get(&format!("/api/posts?limit=2&before={}", ids[1]))
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<&str> = rest["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(listed, [ids[0].as_str()]);
    assert_eq!(rest["next_before"], Value::Null, "the last page says so");

    let post = post_of(&app, &ids[0]).await;
    assert_eq!(post["targets"][0]["options"]["title"], "first");
    assert_eq!(app.get("/api/posts/nope").await.status().as_u16(), 404);
    let res = app.get("/api/posts?before=nope").await;
    assert_eq!(
        res.status().as_u16(),
        400,
        "an unknown cursor is not an empty page"
    );
}
