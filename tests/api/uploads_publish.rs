//! Posting a video through the API reaches TikTok (the sandbox) with the same bytes.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::posts::*;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_direct_post_is_published_with_the_bytes_that_were_sent() {
    let (app, csrf) = app_with_account(&[("SPOOL_RETENTION_HOURS", "0")]).await;
    let video = fixture("ok.mp4");
    let queued = accepted(
        &app,
        &csrf,
        &video,
        &[
            ("title", "Hello #cast"),
            ("privacy_level", "PUBLIC_TO_EVERYONE"),
        ],
    )
    .await;
    assert_eq!(queued["state"], "queued");
    assert_eq!(queued["sha256"], sha256_file(&video));
    let id = queued["id"].as_str().expect("id");

    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    assert_eq!(done["bytes_sent"], done["size"]);
    assert!(
        !done["post_ids"].as_array().expect("ids").is_empty(),
        "{done}"
    );
    assert!(
        done.get("upload_url").is_none(),
        "the upload URL is never shown"
    );

    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["publish_id"], done["publish_id"]);
    assert_eq!(posts[0]["sha256"], sha256_file(&video));
    assert_eq!(posts[0]["mode"], "direct");
    assert_eq!(posts[0]["post_info"]["title"], "Hello #cast");
    // Published: the spooled copy is deleted (no retention).
    assert!(spool_files(&app).is_empty(), "{:?}", spool_files(&app));
}

#[tokio::test]
async fn an_inbox_draft_ends_in_the_creators_inbox() {
    let (app, csrf) = app_with_account(&[]).await;
    let queued = accepted(&app, &csrf, &fixture("ok.mov"), &[("mode", "inbox")]).await;
    let done = step_until(
        &app,
        queued["id"].as_str().expect("id"),
        &["in_inbox", "failed"],
        HOUR,
    )
    .await;
    assert_eq!(done["state"], "in_inbox", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts[0]["mode"], "inbox");
    assert_eq!(posts[0]["sha256"], sha256_file(&fixture("ok.mov")));
}

#[tokio::test]
async fn a_scheduled_post_waits_for_its_time_then_publishes() {
    let (app, csrf) = app_with_account(&[]).await;
    let now = time::OffsetDateTime::from_unix_timestamp(app.clock.now()).expect("now");
    let at = now + time::Duration::minutes(30);
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY"), ("publish_at", &at)],
    )
    .await;
    assert_eq!(queued["state"], "scheduled");
    let id = queued["id"].as_str().expect("id");
    app.advance(Duration::from_secs(29 * 60));
    assert!(!app.step().await, "nothing is due before its time");
    assert_eq!(job(&app, id).await["state"], "scheduled");
    assert!(
        sandbox_posts(&app).await.is_empty(),
        "nothing sent before its time"
    );
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    // SELF_ONLY posts get no public post id.
    assert_eq!(done["post_ids"], serde_json::json!([]));
}

#[tokio::test]
async fn a_double_submit_with_the_same_key_makes_one_job() {
    let (app, csrf) = app_with_account(&[]).await;
    let video = fixture("ok.mp4");
    let fields = [
        ("privacy_level", "SELF_ONLY"),
        ("publish_at", "2099-01-01T00:00:00Z"),
    ];
    let first = upload_with(&app, &csrf, &video, &fields, Some("click-1")).await;
    assert_eq!(first.status().as_u16(), 202);
    let first: Value = first.json().await.expect("json");
    let again = upload_with(&app, &csrf, &video, &fields, Some("click-1")).await;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["upload"]["id"], again["upload"]["id"]);
    let list: Value = app.get("/api/uploads").await.json().await.expect("json");
    assert_eq!(list["uploads"].as_array().expect("list").len(), 1);
    assert_eq!(spool_files(&app).len(), 1, "the repeat left no file behind");
}

#[tokio::test]
async fn uploads_are_listed_newest_first_a_page_at_a_time() {
    let (app, csrf) = app_with_account(&[]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let j = accepted(
            &app,
            &csrf,
            &fixture("ok.mp4"),
            &[
                ("privacy_level", "SELF_ONLY"),
                ("publish_at", "2099-01-01T00:00:00Z"),
            ],
        )
        .await;
        // All within one second of the clock: the order is the order they were made.
        ids.push(j["id"].as_str().expect("id").to_string());
    }
    let page: Value = app
        .get("/api/uploads?limit=2")
        .await
        .json()
        .await
        .expect("json");
    let got: Vec<&str> = page["uploads"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
    let next = page["next_before"].as_str().expect("more");
    let rest: Value = app
        .get(&format!("/api/uploads?limit=2&before={next}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["uploads"][0]["id"], ids[0].as_str());
    assert_eq!(rest["uploads"].as_array().expect("list").len(), 1);
}
