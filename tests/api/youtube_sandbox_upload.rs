//! The YouTube sandbox's resumable upload and processing, as YouTube's are (contract 4 to 6, 12).

use serde_json::{Value, json};

use crate::helpers::youtube::*;

#[tokio::test]
async fn an_initiation_answers_200_with_the_session_uri_and_an_empty_body() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let res = yt
        .initiate(&token, 13_617, &video_resource("Hi"), RESUMABLE)
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let session = location(&res);
    assert!(session.starts_with(&yt.upload_url()), "{session}");
    assert!(query_param(&session, "upload_id").is_some());
    assert!(res.headers().get("x-guploader-uploadid").is_some());
    assert!(res.text().await.expect("body").is_empty());
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn an_initiation_is_refused_for_each_broken_rule_with_googles_reason() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let good = video_resource("Hi");
    let mut number_category = good.clone();
    number_category["snippet"]["categoryId"] = json!(22);
    let mut no_kids = good.clone();
    no_kids["status"]
        .as_object_mut()
        .expect("status")
        .remove("selfDeclaredMadeForKids");
    let mut no_synthetic = good.clone();
    no_synthetic["status"]
        .as_object_mut()
        .expect("status")
        .remove("containsSyntheticMedia");
    let mut long_title = good.clone();
    long_title["snippet"]["title"] = json!("😀".repeat(51));
    let mut past = good.clone();
    past["status"]["privacyStatus"] = json!("private");
    past["status"]["publishAt"] = json!("2020-01-01T00:00:00Z");
    let cases: Vec<(&Value, &str, &str)> = vec![
        (
            &good,
            "uploadType=media&part=snippet,status",
            "invalidParameter",
        ),
        (&good, "uploadType=resumable&part=snippet", "invalidPart"),
        (&good, "uploadType=resumable", "missingRequiredParameter"),
        (&number_category, RESUMABLE, "invalidCategoryId"),
        (&no_kids, RESUMABLE, "invalidVideoMetadata"),
        (&no_synthetic, RESUMABLE, "invalidVideoMetadata"),
        (&long_title, RESUMABLE, "invalidTitle"),
        (&past, RESUMABLE, "invalidPublishAt"),
    ];
    for (resource, query, expected) in cases {
        let (status, got) = google_reason(yt.initiate(&token, 1000, resource, query).await).await;
        assert_eq!(
            (status, got.as_str()),
            (400, expected),
            "{query} {resource}"
        );
    }
    let not_json = yt
        .http
        .post(format!("{}?{RESUMABLE}", yt.upload_url()))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("X-Upload-Content-Length", "1000")
        .header("X-Upload-Content-Type", "video/mp4")
        .body("{\"snippet\": {\"title\": \"x\", \"categoryId\": 22, \"embeddable\": True}}")
        .send()
        .await
        .expect("initiation");
    assert_eq!(google_reason(not_json).await, (400, "parseError".into()));
    let no_length = yt
        .http
        .post(format!("{}?{RESUMABLE}", yt.upload_url()))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .header("X-Upload-Content-Type", "video/mp4")
        .body(good.to_string())
        .send()
        .await
        .expect("initiation");
    assert_eq!(google_reason(no_length).await, (400, "badContent".into()));
    let (status, got) =
        google_reason(yt.initiate("ya29.nonsense", 1000, &good, RESUMABLE).await).await;
    assert_eq!((status, got.as_str()), (401, "authError"));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn an_account_without_a_channel_cannot_upload() {
    let yt = start(&[]).await;
    let back = yt
        .answer(&yt.authorize_query(&[]), "Nobody", true, None, "allow")
        .await;
    let (_, tokens) = yt
        .exchange(&query_param(&back, "code").expect("code"))
        .await;
    let token = tokens["access_token"].as_str().expect("token");
    let (status, got) = google_reason(
        yt.initiate(token, 1000, &video_resource("x"), RESUMABLE)
            .await,
    )
    .await;
    assert_eq!((status, got.as_str()), (401, "youtubeSignupRequired"));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn chunks_of_256_kib_multiples_arrive_and_the_listing_has_the_files_sha256() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(padded_video(yt.dir.path(), 3 * UNIT + 1000)).expect("video");
    let session = yt.session(&token, bytes.len() as u64).await;
    let first = yt.put(&session, &token, &bytes, 0, UNIT - 1).await;
    assert_eq!(first.status().as_u16(), 308);
    assert_eq!(first.headers()["range"], "bytes=0-262143");
    let done = yt
        .upload_all_from(&session, &token, &bytes, UNIT, UNIT)
        .await;
    assert_eq!(done.status().as_u16(), 201);
    let video = body(done).await;
    assert_eq!(video["status"]["uploadStatus"], "uploaded");
    assert_eq!(video["snippet"]["title"], "A Short");
    let listing = yt.listing().await;
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0]["id"], video["id"]);
    assert_eq!(listing[0]["sha256"], sha256_hex(&bytes));
    assert_eq!(listing[0]["size"], bytes.len());
    assert_eq!(listing[0]["short"], true);
    assert_eq!(listing[0]["sessions"], 1);
    assert_eq!(listing[0]["status"]["containsSyntheticMedia"], false);

    let repeat = yt.probe(&session, &token, bytes.len() as u64).await;
    assert_eq!(
        repeat.status().as_u16(),
        200,
        "a probe after completion repeats the final answer"
    );
    assert_eq!(body(repeat).await["id"], video["id"]);
    yt.sandbox.stop().await;
}

impl Yt {
    async fn upload_all_from(
        &self,
        session: &str,
        token: &str,
        bytes: &[u8],
        from: u64,
        chunk: u64,
    ) -> reqwest::Response {
        let total = bytes.len() as u64;
        let mut first = from;
        loop {
            let last = (first + chunk).min(total) - 1;
            let res = self.put(session, token, bytes, first, last).await;
            if res.status().as_u16() != 308 {
                return res;
            }
            first = last + 1;
        }
    }
}

#[tokio::test]
async fn chunks_that_break_the_rules_are_refused_or_store_nothing() {
    let yt = start(&[]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(padded_video(yt.dir.path(), 4 * UNIT + 100)).expect("video");
    let total = bytes.len() as u64;
    let session = yt.session(&token, total).await;

    let odd = yt.put(&session, &token, &bytes, 0, 99_999).await;
    assert_eq!(
        odd.status().as_u16(),
        400,
        "a non-final chunk must be a multiple of 256 KiB"
    );

    let ahead = yt.put(&session, &token, &bytes, UNIT, 2 * UNIT - 1).await;
    assert_eq!(
        ahead.status().as_u16(),
        308,
        "a chunk that skips bytes stores nothing"
    );
    assert!(
        ahead.headers().get("range").is_none(),
        "nothing is stored yet"
    );

    let typo = yt
        .http
        .put(&session)
        .bearer_auth(&token)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes 0-524887/{total}"))
        .body(bytes[..524_288].to_vec())
        .send()
        .await
        .expect("chunk");
    assert_eq!(
        typo.status().as_u16(),
        400,
        "Content-Length and Content-Range must agree"
    );

    let wrong_type = yt
        .http
        .put(&session)
        .bearer_auth(&token)
        .header("Content-Type", "video/quicktime")
        .header("Content-Range", format!("bytes 0-{}/{total}", UNIT - 1))
        .body(bytes[..UNIT as usize].to_vec())
        .send()
        .await
        .expect("chunk");
    assert_eq!(wrong_type.status().as_u16(), 400);

    let unauthenticated = yt
        .http
        .put(&session)
        .header("Content-Type", "video/mp4")
        .header("Content-Range", format!("bytes 0-{}/{total}", UNIT - 1))
        .body(bytes[..UNIT as usize].to_vec())
        .send()
        .await
        .expect("chunk");
    assert_eq!(unauthenticated.status().as_u16(), 401);
    let someone_else = yt.access_token("Someone Else").await;
    assert_eq!(
        yt.put(&session, &someone_else, &bytes, 0, UNIT - 1)
            .await
            .status()
            .as_u16(),
        403
    );

    assert_eq!(
        yt.put(&session, &token, &bytes, 0, 2 * UNIT - 1)
            .await
            .status()
            .as_u16(),
        308
    );
    let other_size = yt
        .put(&session, &token, &bytes, 2 * UNIT, 3 * UNIT - 1)
        .await;
    assert_eq!(
        other_size.status().as_u16(),
        400,
        "every non-final chunk is the first one's size"
    );
    let probe = yt.probe(&session, &token, total).await;
    assert_eq!(probe.status().as_u16(), 308);
    assert_eq!(
        probe.headers()["range"],
        format!("bytes=0-{}", 2 * UNIT - 1)
    );
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn a_session_expires_and_then_answers_404() {
    let yt = start(&[("CAST_SANDBOX_YOUTUBE_SESSION_TTL", "3600")]).await;
    let token = yt.access_token("Mine").await;
    let bytes = std::fs::read(fixture("ok.mp4")).expect("video");
    let session = yt.session(&token, bytes.len() as u64).await;
    yt.advance_ms(3_600_000);
    let (status, got) = google_reason(yt.probe(&session, &token, bytes.len() as u64).await).await;
    assert_eq!((status, got.as_str()), (404, "notFound"));
    yt.sandbox.stop().await;
}

#[tokio::test]
async fn every_answer_outside_googles_paths_is_googles_404() {
    let yt = start(&[]).await;
    let res = yt
        .http
        .get(format!("{}/youtube/v3/nothing", yt.sandbox.api_base()))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(body(res).await["error"]["code"], 404);
    yt.sandbox.stop().await;
}
