//! A post's page and History: what the owner comes back to.

use std::time::Duration;

use crate::helpers::posts::{accepted, app_with_account, fixture, job, step_until};

#[tokio::test]
async fn the_status_fragment_polls_until_published_then_tells_htmx_to_stop() {
    let (app, csrf) = app_with_account(&[]).await;
    let job = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "PUBLIC_TO_EVERYONE"), ("title", "First")],
    )
    .await;
    let id = job["id"].as_str().expect("id").to_string();
    let post_id = job["post_id"].as_str().expect("post id").to_string();
    let page = app.get_text(&format!("/posts/{post_id}")).await;
    assert!(page.contains("First"));
    assert!(
        page.contains("hx-trigger=\"every 2s\""),
        "an active post polls"
    );
    step_until(&app, &id, &["published"], Duration::from_secs(3600)).await;
    let res = app
        .client
        .get(app.url(&format!("/posts/{post_id}/status")))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("req");
    assert_eq!(
        res.status().as_u16(),
        286,
        "HTMX's stop-polling status at a final state"
    );
    let body = res.text().await.expect("body");
    assert!(body.contains("Published"));
    assert!(
        !body.contains("hx-trigger"),
        "the final fragment does not poll"
    );
    assert!(
        body.contains("class=\"post-link\""),
        "a public post links to the post"
    );
}

#[tokio::test]
async fn history_lists_uploads_newest_first_and_scheduled_ones_can_be_cancelled() {
    let (app, csrf) = app_with_account(&[]).await;
    let first = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY"), ("title", "Older one")],
    )
    .await;
    // The same second of the clock: the order is the order they were made.
    let now = time::OffsetDateTime::from_unix_timestamp(app.clock.now()).expect("now");
    let later = now + time::Duration::hours(3);
    let at = later
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let scheduled = accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[
            ("privacy_level", "SELF_ONLY"),
            ("title", "Later one"),
            ("publish_at", &at),
        ],
    )
    .await;
    assert_eq!(scheduled["state"], "scheduled");
    let page = app.get_text("/history").await;
    let older = page.find("Older one").expect("listed");
    let newer = page.find("Later one").expect("listed");
    assert!(newer < older, "newest first");
    assert!(page.contains("@alice"), "each row names its account");
    assert!(page.contains(&format!(
        "/posts/{}",
        first["post_id"].as_str().expect("id")
    )));

    let id = scheduled["id"].as_str().expect("id");
    let post_id = scheduled["post_id"].as_str().expect("post id");
    assert!(
        page.contains(&format!("/posts/{post_id}/targets/{id}/cancel")),
        "a scheduled post can be cancelled from History"
    );
    let res = app
        .post_form(
            &format!("/posts/{post_id}/targets/{id}/cancel"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = app.get_text(&format!("/posts/{post_id}")).await;
    assert!(page.contains("Cancelled"));
    assert_eq!(job(&app, id).await["state"], "cancelled");
}
