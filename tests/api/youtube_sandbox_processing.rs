//! What the YouTube sandbox makes of an upload: processing over time, failures, Shorts,
//! duplicates, privacy, schedules; and the channel card (contract 3, 6 and 12).

use serde_json::{Value, json};

use crate::helpers::youtube::*;

async fn status_of(yt: &Yt, token: &str, id: &str) -> Value {
    let res = yt
        .http
        .get(yt.api(&format!(
            "/videos?part=status,processingDetails,contentDetails&id={id}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .expect("videos.list");
    assert_eq!(res.status().as_u16(), 200);
    body(res).await["items"][0].clone()
}

async fn upload_file(yt: &Yt, token: &str, bytes: &[u8]) -> String {
    let session = yt.session(token, bytes.len() as u64).await;
    let res = if bytes.is_empty() {
        yt.probe(&session, token, 0).await
    } else {
        yt.upload_all(&session, token, bytes, 4 * UNIT).await
    };
    assert_eq!(res.status().as_u16(), 201);
    body(res).await["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn processing_rises_then_succeeds_when_the_clock_passes_the_delay() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let id = upload_file(
        &yt,
        &token,
        &std::fs::read(fixture("ok.mp4")).expect("video"),
    )
    .await;
    yt.advance_ms(1500);
    let item = status_of(&yt, &token, &id).await;
    assert_eq!(item["status"]["uploadStatus"], "uploaded");
    assert_eq!(item["processingDetails"]["processingStatus"], "processing");
    assert_eq!(
        item["processingDetails"]["processingProgress"]["partsProcessed"],
        "500"
    );
    yt.advance_ms(1500);
    let item = status_of(&yt, &token, &id).await;
    assert_eq!(item["status"]["uploadStatus"], "processed");
    assert_eq!(item["status"]["privacyStatus"], "public");
    assert_eq!(item["processingDetails"]["processingStatus"], "succeeded");
    assert_eq!(item["contentDetails"]["duration"], "PT2S");
    assert!(
        item["status"].get("containsSyntheticMedia").is_none(),
        "it reads absent, as recorded"
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn files_youtube_cannot_use_fail_processing_with_their_reason() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    let token = yt.access_token("Mine").await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "emptyFile"),
        (vec![7u8; 500], "tooSmall"),
        (
            std::fs::read(fixture("not_a_video.mp4")).expect("file"),
            "tooSmall",
        ),
        (b"not a video at all ".repeat(100), "invalidFile"),
        (
            std::fs::read(fixture("truncated.mp4")).expect("file"),
            "conversion",
        ),
    ];
    for (bytes, expected) in cases {
        let id = upload_file(&yt, &token, &bytes).await;
        let item = status_of(&yt, &token, &id).await;
        assert_eq!(item["status"]["uploadStatus"], "failed", "{expected}");
        assert_eq!(item["status"]["failureReason"], expected);
        assert_eq!(item["processingDetails"]["processingStatus"], "failed");
        assert_eq!(
            item["processingDetails"]["processingFailureReason"],
            "transcodeFailed"
        );
    }
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn the_listing_tells_a_short_from_a_landscape_video() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    upload_file(
        &yt,
        &token,
        &std::fs::read(fixture("ok.mp4")).expect("video"),
    )
    .await;
    upload_file(
        &yt,
        &token,
        &std::fs::read(fixture("rotated.mp4")).expect("video"),
    )
    .await;
    let listing = yt.listing().await;
    assert_eq!(listing[0]["short"], true);
    assert!(listing[0]["short_reason"].is_null());
    assert_eq!(listing[1]["short"], false);
    assert!(
        listing[1]["short_reason"]
            .as_str()
            .expect("reason")
            .contains("landscape")
    );
    let page = yt
        .http
        .get(format!("{}/_/", yt.sandbox.api_base()))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<video"));
    let src = format!("/_/video/{}", listing[0]["id"].as_str().expect("id"));
    assert!(page.contains(&src));
    let played = yt
        .http
        .get(format!("{}{src}", yt.sandbox.api_base()))
        .send()
        .await
        .expect("video");
    assert_eq!(played.headers()["content-type"], "video/mp4");
    assert_eq!(played.bytes().await.expect("bytes").len(), 13_617);
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn the_same_file_uploaded_twice_to_a_channel_is_rejected_as_a_duplicate() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0")]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let first = upload_file(&yt, &token, &bytes).await;
    let second = upload_file(&yt, &token, &bytes).await;
    assert_eq!(
        status_of(&yt, &token, &first).await["status"]["uploadStatus"],
        "processed"
    );
    let dup = status_of(&yt, &token, &second).await;
    assert_eq!(dup["status"]["uploadStatus"], "rejected");
    assert_eq!(dup["status"]["rejectionReason"], "duplicate");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn with_the_lock_knob_a_public_upload_ends_private() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0"),
        ("CAST_SANDBOX_YOUTUBE_LOCK_PRIVATE", "1"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    let id = upload_file(
        &yt,
        &token,
        &std::fs::read(fixture("ok.mp4")).expect("video"),
    )
    .await;
    assert_eq!(
        status_of(&yt, &token, &id).await["status"]["privacyStatus"],
        "private"
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_scheduled_video_stays_private_until_its_time() {
    let yt = start(&[
        ("CAST_SANDBOX_YOUTUBE_PROCESSING_MS", "0"),
        ("CAST_SANDBOX_YOUTUBE_TOKEN_TTL", "7200"),
    ])
    .await;
    let token = yt.access_token("Mine").await;
    let at = jiff::Timestamp::from_millisecond(yt.clock.now_ms() + 3_600_000).expect("ts");
    let mut resource = video_resource("Later");
    resource["status"]["privacyStatus"] = json!("private");
    resource["status"]["publishAt"] = json!(at.to_string());
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let res = yt
        .initiate(&token, bytes.len() as u64, &resource, RESUMABLE)
        .await;
    let session = location(&res);
    let done = yt
        .put(&session, &token, &bytes, 0, bytes.len() as u64 - 1)
        .await;
    let id = body(done).await["id"].as_str().expect("id").to_string();
    let item = status_of(&yt, &token, &id).await;
    assert_eq!(item["status"]["privacyStatus"], "private");
    assert!(item["status"]["publishAt"].is_string());
    yt.advance_ms(3_600_000);
    let item = status_of(&yt, &token, &id).await;
    assert_eq!(item["status"]["privacyStatus"], "public");
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn channels_list_gives_the_card_and_an_account_without_a_channel_gets_no_items() {
    let yt = start(&[]).await;
    let token = yt.access_token("Cast Test Channel").await;
    let res = yt
        .http
        .get(yt.api("/channels?part=id,snippet&mine=true"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("channels");
    let card = body(res).await;
    let item = &card["items"][0];
    assert!(
        item["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("UC") && id.len() == 24),
        "{item}"
    );
    assert_eq!(item["snippet"]["title"], "Cast Test Channel");
    assert_eq!(item["snippet"]["customUrl"], "@casttestchannel");
    let avatar = item["snippet"]["thumbnails"]["default"]["url"]
        .as_str()
        .expect("avatar");
    let svg = yt.http.get(avatar).send().await.expect("avatar");
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let again = yt.access_token("Cast Test Channel").await;
    let res = yt
        .http
        .get(yt.api("/channels?part=id&mine=true"))
        .bearer_auth(&again)
        .send()
        .await
        .expect("channels");
    assert_eq!(
        body(res).await["items"][0]["id"],
        item["id"],
        "one name keeps one channel id"
    );

    let back = yt
        .answer(&yt.authorize_query(&[]), "Nobody", true, None, "allow")
        .await;
    let (_, tokens) = yt
        .exchange(&query_param(&back, "code").expect("code"))
        .await;
    let res = yt
        .http
        .get(yt.api("/channels?part=id,snippet&mine=true"))
        .bearer_auth(tokens["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("channels");
    assert_eq!(res.status().as_u16(), 200);
    let empty = body(res).await;
    assert!(empty.get("items").is_none(), "{empty}");
    assert_eq!(empty["pageInfo"]["totalResults"], 0);

    let missing_filter = yt
        .http
        .get(yt.api("/channels?part=id"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("channels");
    assert_eq!(
        google_reason(missing_filter).await,
        (400, "missingRequiredParameter".into())
    );
    let categories = yt
        .http
        .get(yt.api("/videoCategories?part=snippet&regionCode=US"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("categories");
    let list = body(categories).await;
    let people = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["id"] == "22")
        .expect("22");
    assert_eq!(people["snippet"]["assignable"], true);
    yt.sandbox.stop().await;
}
