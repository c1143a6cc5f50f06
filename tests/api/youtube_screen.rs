//! The posting screen with a YouTube channel beside a TikTok account: each is a target with its
//! own options block, YouTube's questions have no default, and Publish sends both.

use std::time::Duration;

use crate::helpers::posts::{app_with_account, fixture, step_until_settled};
use crate::relay_helpers::tus_upload;
use crate::youtube_helpers::*;

#[tokio::test]
async fn the_posting_screen_offers_each_channel_as_a_target_with_its_own_youtube_options() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Screen Channel").await;
    let channel = channel_id(&app).await;
    let page = app.get_text("/").await;
    let account = format!("youtube:{channel}");
    assert!(
        page.contains(&format!("value=\"{account}\"")),
        "a YouTube target: {page}"
    );
    let slot = if page.find("value=\"tiktok:").unwrap_or(0) < page.find(&account).unwrap_or(0) {
        "1"
    } else {
        "0"
    };
    let block = app
        .get_text(&format!("/post/options?slot={slot}&account={account}"))
        .await;
    assert!(block.contains("youtube-options"), "{block}");
    assert!(block.contains("Screen Channel"));
    for question in ["privacy_status", "made_for_kids", "synthetic_media"] {
        let name = format!("name=\"t{slot}_{question}\"");
        assert!(block.contains(&name), "{question}");
    }
    assert!(
        !block.contains(" checked> Public") && !block.contains(" checked> No, it"),
        "no answer is preselected"
    );

    let upload_id = tus_upload(
        &app,
        &csrf,
        &std::fs::read(fixture("ok.mp4")).expect("fixture"),
    )
    .await;
    let open_id = app.open_id("alice").await;
    let tiktok_slot = if slot == "0" { "1" } else { "0" };
    let tiktok_account = format!("tiktok:{open_id}");
    let f = |name: &str| format!("t{slot}_{name}");
    let tt = |name: &str| format!("t{tiktok_slot}_{name}");
    let mut form: Vec<(String, String)> = [
        ("csrf_token", csrf.as_str()),
        ("upload_id", upload_id.as_str()),
        ("title", "From the screen\nwith more words"),
        ("when", "now"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    form.push(("target".into(), slot.into()));
    form.push(("target".into(), tiktok_slot.into()));
    form.push((format!("account_{slot}"), account.clone()));
    form.push((format!("account_{tiktok_slot}"), tiktok_account));
    form.push((tt("privacy_level"), "SELF_ONLY".into()));
    form.push((tt("mode"), "direct".into()));
    form.push((f("privacy_status"), "public".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // Made for kids and altered content unanswered: refused, the video kept for the next try.
    let refused = app.post_form("/post", &pairs).await;
    assert_eq!(refused.status().as_u16(), 422);
    let html = refused.text().await.expect("body");
    assert!(html.contains("made for kids"), "{html}");
    assert!(
        html.contains("Screen Channel") || html.contains("on YouTube"),
        "{html}"
    );

    form.push((f("made_for_kids"), "no".into()));
    form.push((f("synthetic_media"), "no".into()));
    form.push((f("tags"), "screen, cast".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ok = app.post_form("/post", &pairs).await;
    assert_eq!(ok.status().as_u16(), 200);
    let to = ok
        .headers()
        .get("HX-Redirect")
        .and_then(|v| v.to_str().ok())
        .expect("to the post")
        .to_string();
    let id = to.rsplit('/').next().expect("id");
    let done = step_until_settled(&app, id, Duration::from_secs(3600)).await;
    for t in done["targets"].as_array().expect("targets") {
        assert_eq!(t["state"], "published", "{t}");
    }
    let v = &sandbox_videos(&app).await[0];
    assert_eq!(
        v["snippet"]["title"], "From the screen",
        "the caption's first line"
    );
    assert_eq!(v["snippet"]["tags"], serde_json::json!(["screen", "cast"]));
    assert_eq!(v["notify_subscribers"], false, "the unticked box");
}

/// The posting screen's check of a video picked and uploaded to Cast, for one channel.
async fn screen_check(
    app: &crate::helpers::TestApp,
    csrf: &str,
    channel: &str,
    file: &str,
) -> String {
    let upload_id = tus_upload(app, csrf, &std::fs::read(fixture(file)).expect("fixture")).await;
    app.get_text(&format!(
        "/post/check?upload_id={upload_id}&account=youtube:{channel}"
    ))
    .await
}

#[tokio::test]
async fn the_posting_screen_says_before_sending_whether_youtube_will_make_it_a_short_and_why_not() {
    let (app, csrf) = app_with_account(&[]).await;
    connect_youtube(&app, "Shorts Channel").await;
    let channel = channel_id(&app).await;

    let vertical = screen_check(&app, &csrf, &channel, "ok.mp4").await;
    assert!(
        vertical.contains("YouTube will publish this as a Short."),
        "{vertical}"
    );
    assert!(!vertical.contains("regular video"), "{vertical}");

    let landscape = screen_check(&app, &csrf, &channel, "rotated.mp4").await;
    assert!(
        landscape.contains("YouTube will publish this as a regular video, not a Short")
            && landscape.contains("landscape (960×540)"),
        "{landscape}"
    );
    assert!(
        landscape.contains("will take this video"),
        "a regular video still goes: {landscape}"
    );
    assert!(sandbox_videos(&app).await.is_empty(), "nothing was sent");
}
