//! Every shape real TikTok was seen to answer in (contract §2, §5, §6, §7): Cast reads each one,
//! and a post TikTok published is never shown as failed. On a manual clock, stepped.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::posts::*;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Publishes ok.mp4 publicly and returns the job once published, with the sandbox's own post id.
async fn publish_public(settings: &[(&str, &str)]) -> (crate::helpers::TestApp, Value, Value) {
    let (app, csrf) = app_with_account(settings).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[
            ("privacy_level", "PUBLIC_TO_EVERYONE"),
            ("title", "Sunset #beach"),
        ],
    )
    .await;
    let id = queued["id"].as_str().expect("id").to_string();
    let done = step_until(&app, &id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published", "{done}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = posts[0].clone();
    (app, done, post)
}

/// The sandbox's id for the post, exactly as it holds it (a 19-digit string).
fn sandbox_id(post: &Value) -> String {
    let id = post["post_ids"][0]
        .as_str()
        .expect("the sandbox gave an id");
    assert_eq!(id.len(), 19, "{id}");
    id.to_string()
}

#[tokio::test]
async fn a_post_id_sent_as_a_bare_string_still_counts_as_published() {
    let (_app, done, post) = publish_public(&[("CAST_SANDBOX_POST_ID_FORM", "string")]).await;
    assert_eq!(done["post_ids"], serde_json::json!([sandbox_id(&post)]));
    assert_eq!(done["post_id_source"], "status");
    assert_eq!(done["awaiting_link"], false);
    assert_eq!(done["error_code"], Value::Null);
}

#[tokio::test]
async fn a_post_id_sent_as_a_list_counts_as_published() {
    let (_app, done, post) = publish_public(&[("CAST_SANDBOX_POST_ID_FORM", "list")]).await;
    assert_eq!(done["post_ids"], serde_json::json!([sandbox_id(&post)]));
}

#[tokio::test]
async fn a_post_id_sent_as_a_number_keeps_all_nineteen_digits() {
    let (_app, done, post) = publish_public(&[("CAST_SANDBOX_POST_ID_FORM", "number")]).await;
    // Through a double, the last digits would differ.
    assert_eq!(done["post_ids"], serde_json::json!([sandbox_id(&post)]));
}

#[tokio::test]
async fn a_post_id_left_out_still_counts_as_published() {
    let (app, done, _post) = publish_public(&[("CAST_SANDBOX_POST_ID_FORM", "absent")]).await;
    assert_eq!(done["post_ids"], serde_json::json!([]));
    assert_eq!(done["awaiting_link"], true);
    let id = done["id"].as_str().expect("id");
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains("Published; TikTok has not given the link yet"),
        "{page}"
    );
}

#[tokio::test]
async fn post_ids_in_rotating_forms_are_all_read() {
    // The sandbox's default: each answer in the next form (list, string, number, absent).
    for _ in 0..2 {
        let (_app, done, post) = publish_public(&[("CAST_SANDBOX_POST_ID_FORM", "rotate")]).await;
        let expected = sandbox_id(&post);
        assert!(
            done["post_ids"] == serde_json::json!([expected]) || done["awaiting_link"] == true,
            "{done}"
        );
    }
}

#[tokio::test]
async fn a_post_id_that_comes_late_is_filled_in_and_one_that_never_comes_links_to_the_profile() {
    // Late: ten minutes after PUBLISH_COMPLETE.
    let (app, done, post) = publish_public(&[
        ("CAST_SANDBOX_POST_ID_FORM", "string"),
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "600000"),
    ])
    .await;
    let id = done["id"].as_str().expect("id").to_string();
    assert_eq!(done["post_ids"], serde_json::json!([]), "not given yet");
    assert_eq!(done["awaiting_link"], true);
    let res = app
        .client
        .get(app.url(&format!("/posts/{id}/status")))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("status");
    assert_eq!(res.status().as_u16(), 200, "the page keeps asking, slowly");
    let fragment = res.text().await.expect("body");
    assert!(fragment.contains("Published; TikTok has not given the link yet"));
    assert!(fragment.contains("hx-trigger=\"every 30s\""), "{fragment}");
    let started = app.clock.now_ms();
    let filled = step_until_with(&app, &id, |j| j["awaiting_link"] == false, DAY).await;
    assert_eq!(filled["state"], "published");
    assert_eq!(filled["post_ids"], serde_json::json!([sandbox_id(&post)]));
    let waited = app.clock.now_ms() - started;
    assert!(
        (600_000..=20 * 60_000).contains(&waited),
        "asked slowly: {waited} ms"
    );

    // Never: Cast stops after a day and links to the creator's profile.
    let (app, done, _) = publish_public(&[("CAST_SANDBOX_POST_ID_AFTER_MS", "never")]).await;
    let id = done["id"].as_str().expect("id").to_string();
    let started = app.clock.now_ms();
    let given_up = step_until_with(&app, &id, |j| j["awaiting_link"] == false, 2 * DAY).await;
    let waited = app.clock.now_ms() - started;
    assert!(
        (23 * 3600 * 1000..=25 * 3600 * 1000).contains(&waited),
        "a bounded while: {waited} ms"
    );
    assert_eq!(given_up["state"], "published", "still published");
    assert_eq!(given_up["post_ids"], serde_json::json!([]));
    assert!(
        app.posts.next_due().await.expect("due").is_none(),
        "stopped asking"
    );
    let res = app
        .client
        .get(app.url(&format!("/posts/{id}/status")))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("status");
    assert_eq!(res.status().as_u16(), 286, "the page stops asking too");
    let fragment = res.text().await.expect("body");
    assert!(fragment.contains("class=\"post-link\""), "{fragment}");
    assert!(fragment.contains("see it on your profile"), "{fragment}");
}

#[tokio::test]
async fn a_post_id_withheld_by_status_is_found_in_the_video_list() {
    let (app, done, post) = publish_public(&[
        ("CAST_SANDBOX_POST_ID_AFTER_MS", "never"),
        ("TIKTOK_LOOKUP_POST_IDS", "1"),
    ])
    .await;
    let id = done["id"].as_str().expect("id").to_string();
    let scopes: String = sqlx::query_scalar("SELECT scopes FROM accounts")
        .fetch_one(&app.db)
        .await
        .expect("account");
    assert!(scopes.contains("video.list"), "{scopes}");
    let found = step_until_with(&app, &id, |j| j["awaiting_link"] == false, HOUR).await;
    assert_eq!(found["post_ids"], serde_json::json!([sandbox_id(&post)]));
    assert_eq!(found["post_id_source"], "caption");
    // Asked for only once TIKTOK_LOOKUP_POST_IDS is on: the consent page of a default Cast does not.
    let plain = crate::helpers::spawn_app().await;
    plain.logged_in().await;
    let (page, url) = plain.open_consent().await;
    assert!(!url.contains("video.list") && !page.contains("video.list"));
}

#[tokio::test]
async fn a_private_post_has_no_link_to_wait_for() {
    let (app, csrf) = app_with_account(&[("CAST_SANDBOX_POST_ID_AFTER_MS", "never")]).await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    let done = step_until(&app, id, &["published", "failed"], HOUR).await;
    assert_eq!(done["state"], "published");
    assert_eq!(done["awaiting_link"], false);
    assert!(app.posts.next_due().await.expect("due").is_none());
}

#[tokio::test]
async fn a_chunk_answered_200_counts_as_stored() {
    let dir = tempfile::tempdir().expect("dir");
    // Several chunks, every one answered 200 (with Content-Range).
    let video = padded_mp4(dir.path(), 66_000_000);
    for reply in ["200", "bare", "rotate"] {
        let (app, csrf) = app_with_account(&[("CAST_SANDBOX_CHUNK_REPLY", reply)]).await;
        let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
        let id = queued["id"].as_str().expect("id");
        let done = step_until(&app, id, &["published", "failed"], HOUR).await;
        assert_eq!(done["state"], "published", "{reply}: {done}");
        let posts = sandbox_posts(&app).await;
        assert_eq!(posts.len(), 1, "{reply}");
        assert_eq!(posts[0]["sha256"], sha256_file(&video), "{reply}");
    }
}

#[tokio::test]
async fn a_direct_post_moved_to_the_inbox_ends_in_the_inbox() {
    let (app, csrf) = app_with_account(&[
        ("CAST_SANDBOX_UNAUDITED", "1"),
        ("CAST_SANDBOX_INBOX_DOWNGRADE", "1"),
    ])
    .await;
    let queued = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    let id = queued["id"].as_str().expect("id");
    let done = step_until(&app, id, &["in_inbox", "published", "failed"], HOUR).await;
    assert_eq!(done["state"], "in_inbox", "{done}");
    let note = done["note"].as_str().expect("a sentence saying why");
    assert!(note.contains("inbox instead of posting"), "{note}");
    assert!(
        app.posts.next_due().await.expect("due").is_none(),
        "not stuck"
    );
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(page.contains("class=\"inbox-reason\""), "{page}");
    let posts = sandbox_posts(&app).await;
    assert_eq!(posts[0]["mode"], "inbox");
    assert_eq!(posts[0]["downgraded"], true);
    assert!(
        posts[0]["publish_id"]
            .as_str()
            .is_some_and(|p| p.starts_with("v_inbox_file~"))
    );
}

#[tokio::test]
async fn token_errors_with_http_200_are_failures() {
    // The code exchange fails with HTTP 200 and an error body.
    let app = crate::helpers::spawn_app_with(&[
        ("CAST_SANDBOX_OAUTH_ERROR_STATUS", "200"),
        ("CAST_SANDBOX_FAULTS", "token:400:1"),
    ])
    .await;
    app.logged_in().await;
    let res = app.connect_account("alice").await;
    assert_eq!(res.status().as_u16(), 502, "not a connection");
    let page = res.text().await.expect("body");
    assert!(page.contains("invalid_request"), "{page}");
    assert!(page.contains("log id"), "TikTok's log id is shown: {page}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(n, 0, "nothing stored from a failed exchange");

    // Connecting again works; later a refresh refused with HTTP 200 means reconnecting.
    let res = app.connect_account("alice").await;
    assert_eq!(res.status().as_u16(), 303);
    sqlx::query("DELETE FROM sandbox_tokens WHERE kind = 'refresh'")
        .execute(&app.db)
        .await
        .expect("kill the refresh token");
    app.advance(Duration::from_secs(25 * 3600));
    let res = app.get("/api/tiktok/creator-info").await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let accounts: Value = app
        .get("/api/tiktok/accounts")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        accounts["accounts"][0]["status"], "needs_reconnect",
        "{accounts}"
    );
}

#[tokio::test]
async fn token_answers_without_token_type_and_with_real_lifetimes_connect() {
    let app = crate::helpers::spawn_app_with(&[("CAST_SANDBOX_TOKEN_TYPE", "absent")]).await;
    app.logged_in().await;
    assert_eq!(app.connect_account("alice").await.status().as_u16(), 303);
    let (access, refresh): (i64, Option<i64>) =
        sqlx::query_as("SELECT access_expires_at, refresh_expires_at FROM accounts")
            .fetch_one(&app.db)
            .await
            .expect("account");
    let now = app.clock.now();
    // 24 h and 365 days, read from the answer.
    assert!((access - now - 86_400).abs() <= 2, "{}", access - now);
    assert!(refresh.is_some_and(|r| (r - now - 31_536_000).abs() <= 2));
    // A day later the token is refreshed (rotation), and Cast still posts.
    app.advance(Duration::from_secs(86_400));
    let res = app.get("/api/tiktok/creator-info").await;
    assert_eq!(res.status().as_u16(), 200);
}
