//! The status page and History: what the owner comes back to.

use crate::uploads_helpers::{accepted, app_with_account, fixture, wait_for};

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
    let page = app.get_text(&format!("/uploads/{id}")).await;
    assert!(page.contains("First"));
    assert!(
        page.contains("hx-trigger=\"every 2s\"") || page.contains("Published"),
        "an active job polls"
    );
    wait_for(&app, &id, &["published"], 30).await;
    let res = app
        .client
        .get(app.url(&format!("/uploads/{id}/status")))
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
        body.contains("id=\"post-link\""),
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
    // Times are kept to the second; a second apart makes "newest first" unambiguous.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(3);
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
    assert!(page.contains(&format!("/uploads/{}", first["id"].as_str().expect("id"))));

    let id = scheduled["id"].as_str().expect("id");
    let res = app
        .post_form(&format!("/uploads/{id}/cancel"), &[("csrf_token", &csrf)])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let page = app.get_text(&format!("/uploads/{id}")).await;
    assert!(page.contains("Cancelled"));
}
