//! YouTube misbehaving at each step (`CAST_SANDBOX_YOUTUBE_FAULTS`), Cast stopped mid-upload,
//! and the daily cap: every post ends published exactly once, with the file's own bytes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::posts::{
    padded_mp4, post_of, posted, sha256_file, step_until, step_until_settled,
};
use crate::helpers::{TestApp, free_port, spawn_app_with};
use crate::youtube_helpers::*;

const HOUR: Duration = Duration::from_secs(3600);
const CHUNK: u64 = 262_144;

/// Cast with one YouTube channel and `settings`, the owner logged in; the CSRF token and channel.
async fn app_with_channel(settings: &[(&str, &str)]) -> (TestApp, String, String) {
    let app = spawn_app_with(settings).await;
    let csrf = app.logged_in().await;
    connect_youtube(&app, "Trouble").await;
    let channel = channel_id(&app).await;
    (app, csrf, channel)
}

/// Posts a `chunks`-chunk video to the channel, steps it to the end; returns the post and file.
async fn publish_through(
    app: &TestApp,
    csrf: &str,
    channel: &str,
    size: u64,
) -> (Value, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), size);
    let post = posted(
        app,
        csrf,
        &video,
        json!([youtube_target(channel, json!({}))]),
    )
    .await;
    let done = step_until_settled(app, post["id"].as_str().expect("id"), 2 * HOUR).await;
    (done, video, dir)
}

async fn published_once(app: &TestApp, done: &Value, video: &std::path::Path) {
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    let videos = sandbox_videos(app).await;
    assert_eq!(videos.len(), 1, "one video on YouTube: {videos:?}");
    assert_eq!(videos[0]["sha256"], sha256_file(video));
}

#[tokio::test]
async fn a_chunk_answered_503_is_resumed_from_youtubes_offset_and_published_once() {
    let (app, csrf, channel) = app_with_channel(&[
        ("YOUTUBE_CHUNK_SIZE", "262144"),
        ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:503:1"),
    ])
    .await;
    let (done, video, _dir) = publish_through(&app, &csrf, &channel, 3 * CHUNK + 500).await;
    published_once(&app, &done, &video).await;
    assert_eq!(
        sandbox_videos(&app).await[0]["sessions"],
        1,
        "the same session"
    );
}

#[tokio::test]
async fn a_lost_answer_to_the_last_chunk_is_probed_and_never_uploaded_twice() {
    let (app, csrf, channel) = app_with_channel(&[
        ("YOUTUBE_CHUNK_SIZE", "262144"),
        ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:lost:1"),
    ])
    .await;
    let (done, video, _dir) = publish_through(&app, &csrf, &channel, 2 * CHUNK + 500).await;
    published_once(&app, &done, &video).await;
    assert_eq!(done["targets"][0]["resends"], 0);
}

#[tokio::test]
async fn a_connection_dropped_mid_chunk_resumes_from_what_youtube_kept() {
    let (app, csrf, channel) = app_with_channel(&[
        ("YOUTUBE_CHUNK_SIZE", "524288"),
        ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:drop:2"),
    ])
    .await;
    let (done, video, _dir) = publish_through(&app, &csrf, &channel, 4 * CHUNK + 700).await;
    published_once(&app, &done, &video).await;
}

#[tokio::test]
async fn trouble_at_the_token_initiation_probe_and_status_steps_ends_published_once() {
    let (app, csrf, channel) = app_with_channel(&[
        ("YOUTUBE_CHUNK_SIZE", "262144"),
        (
            "CAST_SANDBOX_YOUTUBE_FAULTS",
            "init:503:1,chunk:503:1,probe:503:1,status:503:2,init:429:1,refresh:503:1,chunk:401:1",
        ),
        ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "60"),
    ])
    .await;
    let (done, video, _dir) = publish_through(&app, &csrf, &channel, 2 * CHUNK + 10).await;
    published_once(&app, &done, &video).await;
}

#[tokio::test]
async fn an_expired_upload_session_starts_over_and_still_publishes_once() {
    let (app, csrf, channel) = app_with_channel(&[
        ("YOUTUBE_CHUNK_SIZE", "262144"),
        ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:404:1"),
    ])
    .await;
    let (done, video, _dir) = publish_through(&app, &csrf, &channel, 2 * CHUNK + 10).await;
    published_once(&app, &done, &video).await;
}

#[tokio::test]
async fn cast_stopped_mid_upload_resumes_from_youtubes_offset_with_one_video() {
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let settings = [
        ("LISTEN", listen.as_str()),
        ("YOUTUBE_CHUNK_SIZE", "524288"),
        ("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:drop:1"),
    ];
    let (app, csrf, channel) = app_with_channel(&settings).await;
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 4 * CHUNK + 99);
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([youtube_target(&channel, json!({}))]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    // One step: the session opens, the first chunk's connection drops after YouTube kept part.
    assert!(app.step().await);
    let t = &post_of(&app, &id).await["targets"][0];
    assert_eq!(t["state"], "uploading", "{t}");
    // The same browser session goes on after the restart.
    let app = app.restart().await;
    let done = step_until_settled(&app, &id, HOUR).await;
    published_once(&app, &done, &video).await;
    assert_eq!(
        sandbox_videos(&app).await[0]["sessions"],
        1,
        "the same session, resumed"
    );
}

/// When a refused upload may be tried again.
enum Reset {
    /// The next midnight Pacific time (the project's quotas).
    PacificMidnight,
    /// 24 hours after the refusal (the channel's own cap).
    Day,
}

/// One post publishes; the next is refused by a daily cap (`settings`), waits saying `words`
/// until `reset` without sending anything, then publishes once the test clock passes it.
async fn a_daily_cap_waits_then_publishes(settings: &[(&str, &str)], words: &str, reset: Reset) {
    let (app, csrf, channel) = app_with_channel(settings).await;
    let (first, _video, _dir) = publish_through(&app, &csrf, &channel, 100_000).await;
    assert_eq!(first["targets"][0]["state"], "published");
    let dir = tempfile::tempdir().expect("dir");
    let video = padded_mp4(dir.path(), 120_000);
    let post = posted(
        &app,
        &csrf,
        &video,
        json!([youtube_target(&channel, json!({}))]),
    )
    .await;
    let id = post["id"].as_str().expect("id").to_string();
    let waiting = step_until(&app, &id, &["waiting"], HOUR).await;
    let refused_at = app.clock.now_ms() / 1000;
    let expected = match reset {
        Reset::PacificMidnight => {
            cast::platforms::youtube::pacific::next_midnight_ms(app.clock.now_ms()) / 1000
        }
        Reset::Day => refused_at + 86_400,
    };
    let p = post_of(&app, &id).await;
    let t = &p["targets"][0];
    assert_eq!(t["state"], "waiting", "{waiting}");
    let until = t["waiting_until"].as_i64().expect("until");
    assert!(
        until >= expected && until < expected + 3600,
        "{until} vs {expected}"
    );
    let said = t["error"].to_string();
    assert!(said.contains(words), "{said}");
    // The page escapes apostrophes: its check is on the sentence's second half.
    let when = words.rsplit("; ").next().unwrap_or(words);
    let page = app.get_text(&format!("/posts/{id}")).await;
    assert!(
        page.contains(when),
        "the post's page says until when it waits"
    );
    assert_eq!(
        sandbox_videos(&app).await.len(),
        1,
        "nothing sent meanwhile"
    );
    // Nothing is tried before then: no tight retry loop.
    assert!(!app.step().await);
    let done = step_until_settled(&app, &id, 25 * HOUR).await;
    assert_eq!(done["targets"][0]["state"], "published", "{done}");
    assert!(app.clock.now_ms() / 1000 >= expected);
    let videos = sandbox_videos(&app).await;
    assert_eq!(videos.len(), 2, "each post once: {videos:?}");
    assert_eq!(videos[1]["sha256"], sha256_file(&video));
}

#[tokio::test]
async fn the_daily_upload_limit_waits_until_midnight_pacific_then_publishes() {
    a_daily_cap_waits_then_publishes(
        &[("CAST_SANDBOX_YOUTUBE_INSERTS_PER_DAY", "1")],
        "YouTube's daily upload limit is reached; Cast will try again after midnight Pacific time",
        Reset::PacificMidnight,
    )
    .await;
}

#[tokio::test]
async fn a_spent_daily_quota_waits_until_midnight_pacific_then_publishes() {
    // One insert (1,600 units) and the calls around it fit; a second insert does not: 403
    // quotaExceeded.
    a_daily_cap_waits_then_publishes(
        &[("CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY", "2000")],
        "Cast will try again after midnight Pacific time",
        Reset::PacificMidnight,
    )
    .await;
}

#[tokio::test]
async fn the_channels_own_upload_cap_waits_24_hours_then_publishes() {
    // 400 uploadLimitExceeded: YouTube's notice says to try again in 24 hours (contract 8).
    a_daily_cap_waits_then_publishes(
        &[("CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY", "1")],
        "reached YouTube's 24-hour upload limit; Cast will try again in 24 hours",
        Reset::Day,
    )
    .await;
}
