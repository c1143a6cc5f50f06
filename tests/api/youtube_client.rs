//! Cast's YouTube client against the YouTube sandbox over real HTTP: connecting, the channel
//! card, resumable uploads through every fault, daily caps, and the end of a connection.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use cast::platforms::youtube::pacific;
use cast::platforms::youtube::{
    Cap, ChunkSize, ErrorKind, Outcome, Privacy, Progress, Resume, Upload, UploadSession,
    UploadedVideo, Visibility, YouTubeClient,
};

use crate::helpers::youtube::*;

fn upload(file: &Path, chunk: u64) -> Upload<'_> {
    Upload {
        file,
        size: std::fs::metadata(file).expect("file").len(),
        content_type: "video/mp4",
        chunk_size: ChunkSize::new(chunk).expect("chunk size"),
    }
}

/// The loop the worker runs, one step at a time: YouTube's `Range` says where to go on from,
/// and any retryable failure is followed by a probe, never by a blind resend.
async fn send_all(
    client: &YouTubeClient,
    token: &str,
    session: &UploadSession,
    upload: &Upload<'_>,
) -> (UploadedVideo, Vec<String>) {
    send_from(client, token, session, upload, Resume::At(0)).await
}

async fn send_from(
    client: &YouTubeClient,
    token: &str,
    session: &UploadSession,
    upload: &Upload<'_>,
    start: Resume,
) -> (UploadedVideo, Vec<String>) {
    let mut at = start;
    let mut steps = Vec::new();
    for _ in 0..200 {
        match client.advance(token, session, upload, at).await {
            Ok(Progress::Complete(video)) => {
                steps.push("complete".into());
                return (video, steps);
            }
            Ok(Progress::Incomplete { confirmed, .. }) => {
                steps.push(format!("at {confirmed}"));
                at = Resume::At(confirmed);
            }
            Err(e) if e.is_retryable() => {
                steps.push(format!("retry after {}", e.reason));
                at = Resume::Probe;
            }
            Err(e) => panic!("the upload failed: {e}"),
        }
    }
    panic!("the upload did not finish: {steps:?}");
}

async fn one_video(yt: &Yt) -> Value {
    let listing = yt.listing().await;
    assert_eq!(listing.len(), 1, "exactly one video: {listing:?}");
    listing[0].clone()
}

#[tokio::test]
async fn a_video_goes_up_in_small_chunks_and_youtube_holds_the_same_bytes() {
    let yt = start(&[]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = padded_video(yt.dir.path(), 4 * UNIT + 5000);
    let up = upload(&file, UNIT);
    let session = client
        .initiate(
            token,
            &metadata(&yt, "Small chunks"),
            up.size,
            up.content_type,
        )
        .await
        .expect("session");
    let (video, steps) = send_all(&client, token, &session, &up).await;
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert_eq!(video.upload_status.as_deref(), Some("uploaded"));
    let listed = one_video(&yt).await;
    assert_eq!(listed["id"], video.id.as_str());
    assert_eq!(
        listed["sha256"],
        sha256_hex(&std::fs::read(&file).expect("file"))
    );
    assert_eq!(
        listed["snippet"]["tags"],
        serde_json::json!(["cast", "short video"])
    );
    assert_eq!(listed["short"], true);

    let state = client
        .video(token, &video.id)
        .await
        .expect("status")
        .expect("item");
    assert!(matches!(
        state.outcome(),
        Outcome::Processing { percent: Some(0) }
    ));
    yt.advance_ms(3000);
    let state = client
        .video(token, &video.id)
        .await
        .expect("status")
        .expect("item");
    assert_eq!(
        state.outcome(),
        Outcome::Published {
            visibility: Visibility::Public
        }
    );
    assert_eq!(state.duration.as_deref(), Some("PT2S"));
    assert!(!state.kept_private(Privacy::Public));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn ok_mp4_goes_up_in_one_chunk() {
    let yt = start(&[]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = fixture("ok.mp4");
    let up = upload(&file, UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "ok"), up.size, up.content_type)
        .await
        .expect("session");
    let (_, steps) = send_all(&client, token, &session, &up).await;
    assert_eq!(steps, ["complete"]);
    assert_eq!(
        one_video(&yt).await["sha256"],
        sha256_hex(&std::fs::read(&file).expect("file"))
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn after_a_dropped_chunk_the_upload_resumes_from_youtubes_range() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:drop:1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = padded_video(yt.dir.path(), 9 * UNIT);
    let up = upload(&file, 4 * UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "Dropped"), up.size, up.content_type)
        .await
        .expect("session");
    let (_, steps) = send_all(&client, token, &session, &up).await;
    let half = 2 * UNIT;
    assert_eq!(steps[0], "retry after network", "{steps:?}");
    assert_eq!(
        steps[1],
        format!("at {half}"),
        "the probe says what YouTube kept: {steps:?}"
    );
    assert_eq!(
        steps[2],
        format!("at {}", half + 4 * UNIT),
        "then full chunks from there: {steps:?}"
    );
    let listed = one_video(&yt).await;
    assert_eq!(
        listed["sha256"],
        sha256_hex(&std::fs::read(&file).expect("file"))
    );
    assert_eq!(listed["sessions"], 1, "resumed in the same session");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_lost_final_answer_is_probed_and_the_video_exists_once() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:lost:1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = padded_video(yt.dir.path(), 2 * UNIT + 77);
    let up = upload(&file, UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "Lost"), up.size, up.content_type)
        .await
        .expect("session");
    let (video, steps) = send_all(&client, token, &session, &up).await;
    assert_eq!(
        steps,
        [
            format!("at {UNIT}"),
            format!("at {}", 2 * UNIT),
            "retry after network".into(),
            "complete".into()
        ]
    );
    assert_eq!(one_video(&yt).await["id"], video.id.as_str());
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn server_errors_on_a_chunk_and_a_probe_are_retried_without_resending_what_arrived() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:503:1,probe:503:1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = padded_video(yt.dir.path(), 2 * UNIT);
    let up = upload(&file, UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "503"), up.size, up.content_type)
        .await
        .expect("session");
    let first = client
        .advance(token, &session, &up, Resume::At(0))
        .await
        .expect_err("503");
    assert_eq!(
        first.kind,
        ErrorKind::Retryable {
            retry_after: Some(Duration::from_secs(1))
        }
    );
    let (_, steps) = send_from(&client, token, &session, &up, Resume::Probe).await;
    assert_eq!(
        steps,
        [
            "retry after backendError".to_string(),
            "at 0".into(),
            format!("at {UNIT}"),
            "complete".into()
        ],
        "after a failed chunk, a probe first; its own failure is retried as a probe"
    );
    let after_probe_fault = client.probe(token, &session, up.size).await.expect("probe");
    assert!(matches!(after_probe_fault, Progress::Complete(_)));
    one_video(&yt).await;
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_dead_session_is_started_over_from_byte_zero() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_SESSION_TTL", "600")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = padded_video(yt.dir.path(), 3 * UNIT);
    let up = upload(&file, UNIT);
    let meta = metadata(&yt, "Restarted");
    let session = client
        .initiate(token, &meta, up.size, up.content_type)
        .await
        .expect("session");
    assert!(matches!(
        client.advance(token, &session, &up, Resume::At(0)).await,
        Ok(Progress::Incomplete { confirmed, .. }) if confirmed == UNIT
    ));
    yt.advance_ms(600_000);
    let e = client
        .advance(token, &session, &up, Resume::Probe)
        .await
        .expect_err("expired");
    assert_eq!(e.kind, ErrorKind::RestartSession);
    let again = client
        .initiate(token, &meta, up.size, up.content_type)
        .await
        .expect("a new session");
    let (_, steps) = send_all(&client, token, &again, &up).await;
    assert_eq!(
        steps[0],
        format!("at {UNIT}"),
        "from byte 0 again: {steps:?}"
    );
    let listed = one_video(&yt).await;
    assert_eq!(listed["sessions"], 2);
    assert_eq!(
        listed["sha256"],
        sha256_hex(&std::fs::read(&file).expect("file"))
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn the_daily_upload_cap_waits_until_the_next_pacific_midnight_then_the_upload_goes_through() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_INSERTS_PER_DAY", "1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose().to_string();
    let file = fixture("ok.mp4");
    let up = upload(&file, UNIT);
    client
        .initiate(&token, &metadata(&yt, "first"), up.size, up.content_type)
        .await
        .expect("first");
    let e = client
        .initiate(&token, &metadata(&yt, "second"), up.size, up.content_type)
        .await
        .expect_err("the bucket is spent");
    let midnight = pacific::next_midnight_ms(yt.clock.now_ms());
    assert_eq!(
        e.kind,
        ErrorKind::WaitUntil {
            until_ms: midnight,
            cap: Cap::DailyUploads
        }
    );
    assert!(e.to_string().starts_with("YouTube's daily upload limit is reached; Cast will try again after midnight Pacific time."), "{e}");
    let resets: jiff::Timestamp = yt.quota().await["resets_at"]
        .as_str()
        .expect("resets")
        .parse()
        .expect("ts");
    assert_eq!(
        resets.as_millisecond(),
        midnight,
        "the client and the sandbox agree on YouTube's day"
    );

    assert!(yt.clock.set_ms(midnight));
    let fresh = client
        .refresh(grant.refresh_token.expose(), grant.refresh_expires_at_ms)
        .await
        .expect("a new access token after the wait");
    let session = client
        .initiate(
            fresh.access_token.expose(),
            &metadata(&yt, "second"),
            up.size,
            up.content_type,
        )
        .await
        .expect("accepted after midnight");
    let (video, _) = send_all(&client, fresh.access_token.expose(), &session, &up).await;
    assert!(!video.id.is_empty());
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_spent_unit_quota_and_the_channel_cap_are_waits_not_failures() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY", "1000"),
        ("CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY", "1"),
    ])
    .await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let e = client
        .initiate(token, &metadata(&yt, "x"), 13_617, "video/mp4")
        .await
        .expect_err("1600 > 1000");
    assert!(
        matches!(
            e.kind,
            ErrorKind::WaitUntil {
                cap: Cap::ProjectQuota,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        !e.to_string().contains('<'),
        "Google's link is not shown as markup: {e}"
    );
    yt.sandbox.stop().await;

    let yt = start(&[("CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY", "1")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    client
        .initiate(token, &metadata(&yt, "a"), 13_617, "video/mp4")
        .await
        .expect("first");
    let e = client
        .initiate(token, &metadata(&yt, "b"), 13_617, "video/mp4")
        .await
        .expect_err("capped");
    assert_eq!(
        e.kind,
        ErrorKind::WaitUntil {
            until_ms: yt.clock.now_ms() + 86_400_000,
            cap: Cap::ChannelUploads
        }
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn faults_on_the_token_exchange_and_the_initiation_are_retryable() {
    let yt = start(&[(
        "CAST_SANDBOX_YOUTUBE_FAULTS",
        "token:503:1,init:503:1,channels:429:1",
    )])
    .await;
    let client = yt.client();
    let auth = client.authorize_url("s").expect("url");
    let back = yt.answer(&auth.url, "Mine", false, None, "allow").await;
    let code = query_param(&back, "code").expect("code");
    let e = client
        .exchange_code(&code, auth.pkce_verifier.expose())
        .await
        .expect_err("503");
    assert!(e.is_retryable(), "{e:?}");
    let grant = client
        .exchange_code(&code, auth.pkce_verifier.expose())
        .await
        .expect("second try");
    let token = grant.access_token.expose();
    assert!(client.channel(token).await.expect_err("429").is_retryable());
    let e = client
        .initiate(token, &metadata(&yt, "x"), 13_617, "video/mp4")
        .await
        .expect_err("503");
    assert!(e.is_retryable());
    client
        .initiate(token, &metadata(&yt, "x"), 13_617, "video/mp4")
        .await
        .expect("second try");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_file_youtube_cannot_process_ends_failed_with_its_reason() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = fixture("truncated.mp4");
    let up = upload(&file, UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "cut"), up.size, up.content_type)
        .await
        .expect("session");
    let (video, _) = send_all(&client, token, &session, &up).await;
    let state = client
        .video(token, &video.id)
        .await
        .expect("status")
        .expect("item");
    assert_eq!(
        state.outcome(),
        Outcome::Failed {
            reason: "conversion".into(),
            retry: false
        }
    );
    assert!(
        client
            .video(token, "missing")
            .await
            .expect("status")
            .is_none()
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_thumbnail_is_set_once_the_video_is_processed() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    let client = yt.client();
    let grant = yt.connect("Mine").await;
    let token = grant.access_token.expose();
    let file = fixture("ok.mp4");
    let up = upload(&file, UNIT);
    let session = client
        .initiate(token, &metadata(&yt, "thumb"), up.size, up.content_type)
        .await
        .expect("session");
    let (video, _) = send_all(&client, token, &session, &up).await;
    let image = yt.path("thumb.png");
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.resize(4000, 1);
    std::fs::write(&image, png).expect("write");
    client
        .set_thumbnail(token, &video.id, &image)
        .await
        .expect("thumbnail set");
    assert_eq!(one_video(&yt).await["thumbnail"], true);
    let not_image = yt.path("thumb.txt");
    std::fs::write(&not_image, "hello").expect("write");
    let e = client
        .set_thumbnail(token, &video.id, &not_image)
        .await
        .expect_err("not an image");
    assert_eq!(e.reason, "invalidImage");
    yt.sandbox.stop().await;
}
