//! The YouTube sandbox's quotas, faults and thumbnails (contract 7, 8 and 12).

use serde_json::Value;

use crate::helpers::youtube::*;

async fn reason(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    let e = &v["error"];
    (
        status,
        e["errors"][0]["reason"].as_str().unwrap_or("").to_string(),
        e["message"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn past_the_daily_insert_bucket_the_answer_is_the_video_uploads_per_day_429_until_pacific_midnight()
 {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_INSERTS_PER_DAY", "1"),
        ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "172800"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("one"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    let (status, why, message) = reason(
        yt.initiate(&token, 1000, &video_resource("two"), RESUMABLE)
            .await,
    )
    .await;
    assert_eq!((status, why.as_str()), (429, "rateLimitExceeded"));
    assert!(message.contains("Video Uploads per day"), "{message}");

    let quota = yt.quota().await;
    assert_eq!(quota["inserts"]["used"], 1);
    let resets: jiff::Timestamp = quota["resets_at"]
        .as_str()
        .expect("resets_at")
        .parse()
        .expect("ts");
    let wait = u64::try_from(resets.as_millisecond() - yt.clock.now_ms()).expect("in the future");
    assert!(wait <= 25 * 3_600_000);
    yt.advance_ms(wait - 1);
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("two"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        429
    );
    yt.advance_ms(1);
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("two"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn past_the_unit_pool_every_call_is_refused_with_quota_exceeded_and_still_costs_a_unit() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY", "1605"),
        ("CAST_SANDBOX_YOUTUBE_INSERT_UNITS", "1600"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    let bad = yt
        .initiate("ya29.nonsense", 1000, &video_resource("x"), RESUMABLE)
        .await;
    assert_eq!(bad.status().as_u16(), 401);
    assert_eq!(
        yt.quota().await["units"]["used"],
        1,
        "a refused call costs a unit"
    );
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("x"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(yt.quota().await["units"]["used"], 1601);
    let channels = || {
        yt.http
            .get(yt.api("/channels?part=id&mine=true"))
            .bearer_auth(&token)
            .send()
    };
    for _ in 0..4 {
        assert_eq!(channels().await.expect("call").status().as_u16(), 200);
    }
    let (status, why, _) = reason(channels().await.expect("call")).await;
    assert_eq!((status, why.as_str()), (403, "quotaExceeded"));
    let (status, why, _) = reason(
        yt.initiate(&token, 1000, &video_resource("y"), RESUMABLE)
            .await,
    )
    .await;
    assert_eq!((status, why.as_str()), (403, "quotaExceeded"));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn with_insert_units_at_zero_only_the_bucket_limits_uploads() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_UNITS_PER_DAY", "10"),
        ("CAST_SANDBOX_YOUTUBE_INSERT_UNITS", "0"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    for title in ["a", "b", "c"] {
        assert_eq!(
            yt.initiate(&token, 1000, &video_resource(title), RESUMABLE)
                .await
                .status()
                .as_u16(),
            200
        );
    }
    assert_eq!(yt.quota().await["units"]["used"], 0);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn past_the_channels_own_cap_uploads_are_refused_for_24_hours() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_CHANNEL_UPLOADS_PER_DAY", "1"),
        ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "172800"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("a"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    let (status, why, _) = reason(
        yt.initiate(&token, 1000, &video_resource("b"), RESUMABLE)
            .await,
    )
    .await;
    assert_eq!((status, why.as_str()), (400, "uploadLimitExceeded"));
    let other = yt.access_token("Another Channel").await;
    assert_eq!(
        yt.initiate(&other, 1000, &video_resource("b"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    yt.advance_ms(86_400_000);
    assert_eq!(
        yt.initiate(&token, 1000, &video_resource("b"), RESUMABLE)
            .await
            .status()
            .as_u16(),
        200
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn injected_faults_answer_googles_bodies_the_first_count_times() {
    let yt = start(&[(
        "CAST_SANDBOX_YOUTUBE_FAULTS",
        "init:503:1,channels:429:1,status:500:1,probe:503:1,chunk:503:1",
    )])
    .await;
    let token = yt.access_token("Mine").await;
    let (status, why, _) = reason(
        yt.initiate(&token, 13_617, &video_resource("x"), RESUMABLE)
            .await,
    )
    .await;
    assert_eq!((status, why.as_str()), (503, "backendError"));
    let channels = yt
        .http
        .get(yt.api("/channels?part=id&mine=true"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("call");
    assert_eq!(reason(channels).await.1, "rateLimitExceeded");
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let session = yt.session(&token, bytes.len() as u64).await;
    let probe = yt.probe(&session, &token, bytes.len() as u64).await;
    assert_eq!(probe.status().as_u16(), 503);
    assert_eq!(probe.headers()["retry-after"], "1");
    assert_eq!(
        yt.put(&session, &token, &bytes, 0, bytes.len() as u64 - 1)
            .await
            .status()
            .as_u16(),
        503
    );
    let done = yt
        .put(&session, &token, &bytes, 0, bytes.len() as u64 - 1)
        .await;
    assert_eq!(
        done.status().as_u16(),
        201,
        "the 503 stored nothing, and the retry completes"
    );
    let id = done.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let list = yt
        .http
        .get(yt.api(&format!("/videos?part=status&id={id}")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(list.status().as_u16(), 500);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_dropped_chunk_closes_the_connection_after_keeping_a_256_kib_aligned_part() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:drop:1")]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(padded_video(yt.dir.path(), 5 * UNIT)).expect("video");
    let total = bytes.len() as u64;
    let session = yt.session(&token, total).await;
    let dropped = yt
        .http
        .put(&session)
        .bearer_auth(&token)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes 0-{}/{total}", 4 * UNIT - 1))
        .body(bytes[..(4 * UNIT) as usize].to_vec())
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection closes without an answer: {dropped:?}"
    );
    let probe = yt.probe(&session, &token, total).await;
    assert_eq!(probe.status().as_u16(), 308);
    assert_eq!(
        probe.headers()["range"],
        format!("bytes=0-{}", 2 * UNIT - 1)
    );
    let done = yt.put(&session, &token, &bytes, 2 * UNIT, total - 1).await;
    assert_eq!(done.status().as_u16(), 201);
    assert_eq!(yt.listing().await[0]["sha256"], sha256_hex(&bytes));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_lost_final_answer_keeps_the_video_and_a_probe_returns_it() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_FAULTS", "chunk:lost:1")]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(padded_video(yt.dir.path(), 2 * UNIT + 10)).expect("video");
    let total = bytes.len() as u64;
    let session = yt.session(&token, total).await;
    assert_eq!(
        yt.put(&session, &token, &bytes, 0, UNIT - 1)
            .await
            .status()
            .as_u16(),
        308,
        "lost waits for the final chunk"
    );
    let lost = yt
        .http
        .put(&session)
        .bearer_auth(&token)
        .header("Content-Type", "video/mp4")
        .header(
            "Content-Range",
            format!("bytes {UNIT}-{}/{total}", total - 1),
        )
        .body(bytes[UNIT as usize..].to_vec())
        .send()
        .await;
    assert!(lost.is_err(), "no answer arrives: {lost:?}");
    let probe = yt.probe(&session, &token, total).await;
    assert_eq!(probe.status().as_u16(), 200);
    let video: Value = probe.json().await.expect("json");
    let listing = yt.listing().await;
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0]["id"], video["id"]);
    assert_eq!(listing[0]["sha256"], sha256_hex(&bytes));
    yt.sandbox.stop().await;
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.resize(len, 0x42);
    b
}

async fn thumbnail(yt: &Yt, token: &str, video_id: &str, image: Vec<u8>) -> reqwest::Response {
    yt.http
        .post(format!(
            "{}/upload/youtube/v3/thumbnails/set?videoId={video_id}&uploadType=media",
            yt.sandbox.api_base()
        ))
        .bearer_auth(token)
        .header("Content-Type", "image/jpeg")
        .body(image)
        .send()
        .await
        .expect("thumbnail")
}

#[tokio::test]
async fn a_thumbnail_is_set_only_after_processing_and_only_up_to_2_mb() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let session = yt.session(&token, bytes.len() as u64).await;
    let done = yt
        .put(&session, &token, &bytes, 0, bytes.len() as u64 - 1)
        .await;
    let id = done.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, why, _) = reason(thumbnail(&yt, &token, &id, jpeg(1000)).await).await;
    assert_eq!(
        (status, why.as_str()),
        (403, "forbidden"),
        "still processing"
    );
    yt.advance_ms(3000);
    let (status, why, _) =
        reason(thumbnail(&yt, &token, &id, jpeg(2 * 1024 * 1024 + 1)).await).await;
    assert_eq!((status, why.as_str()), (400, "invalidImage"));
    let (status, why, _) =
        reason(thumbnail(&yt, &token, &id, b"GIF89a........".to_vec()).await).await;
    assert_eq!((status, why.as_str()), (400, "invalidImage"));
    let (status, why, _) = reason(thumbnail(&yt, &token, "nope", jpeg(1000)).await).await;
    assert_eq!((status, why.as_str()), (404, "notFound"));
    let ok = thumbnail(&yt, &token, &id, jpeg(1000)).await;
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.json::<Value>().await.expect("json")["kind"],
        "youtube#thumbnailSetResponse"
    );
    assert_eq!(yt.listing().await[0]["thumbnail"], true);
    assert_eq!(
        yt.quota().await["units"]["used"],
        1600 + 5 * 50,
        "the insert, then five thumbnail calls"
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_channel_without_custom_thumbnails_is_forbidden_to_set_one() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_UNVERIFIED_CHANNEL", "1"),
        ("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let session = yt.session(&token, bytes.len() as u64).await;
    let done = yt
        .put(&session, &token, &bytes, 0, bytes.len() as u64 - 1)
        .await;
    let id = done.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, why, message) = reason(thumbnail(&yt, &token, &id, jpeg(1000)).await).await;
    assert_eq!((status, why.as_str()), (403, "forbidden"));
    assert!(message.contains("custom video thumbnails"));
    yt.sandbox.stop().await;
}
