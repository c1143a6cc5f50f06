//! A finite disk and clients that crawl: what Cast refuses, what it keeps, and how it says so.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::posts::{accepted, fixture, upload};
use crate::helpers::{TestApp, location, spawn_app_on};
use cast::Runtime;

const GB: u64 = 1_000_000_000;

fn manual_worker() -> Runtime {
    Runtime {
        manual_worker: true,
        ..Default::default()
    }
}

/// Cast with the owner logged in, creator `alice` connected and an API token; returns (CSRF, token).
async fn ready(settings: &[(&str, &str)]) -> (TestApp, String, String) {
    let app = spawn_app_on(settings, manual_worker()).await;
    let csrf = app.logged_in().await;
    assert_eq!(app.connect_account("alice").await.status().as_u16(), 303);
    let token = app.api_token("script");
    (app, csrf, token)
}

async fn tus_create(app: &TestApp, csrf: &str, length: u64) -> reqwest::Response {
    app.client
        .post(app.url("/uploads/tus/"))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", csrf)
        .header("Upload-Length", length.to_string())
        .send()
        .await
        .expect("create")
}

async fn list(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/uploads{query}")))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("list")
}

#[tokio::test]
async fn a_full_disk_refuses_the_upload_and_keeps_the_queue() {
    let (app, csrf, token) = ready(&[]).await;
    let video = fixture("ok.mp4");
    let queued = accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    let id = queued["id"].as_str().expect("id").to_string();

    // Less free than the reserve Cast keeps (1000 MB by default).
    app.disk.set_available(500_000_000);
    let res = tus_create(&app, &csrf, 1_000).await;
    assert_eq!(res.status().as_u16(), 507);
    let text = res.text().await.expect("body");
    assert!(text.contains("Cast's disk is full"), "{text}");
    assert!(text.contains("Free some space"), "says what to do: {text}");
    let res = upload(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
    assert_eq!(res.status().as_u16(), 507);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "disk_full", "{body}");

    // Reading goes on, and the accepted job is kept and still goes out.
    let res = list(&app, &token, "").await;
    assert_eq!(res.status().as_u16(), 200, "a script can still look");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["uploads"][0]["id"], id.as_str());
    assert_eq!(body["uploads"][0]["state"], "queued");
    app.posts.try_execute_job().await.expect("worker step");
    let res = list(&app, &token, "").await;
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["uploads"][0]["state"], "processing", "{body}");

    // Space is freed: Cast takes uploads again by itself.
    app.disk.set_available(100 * GB);
    assert_eq!(tus_create(&app, &csrf, 1_000).await.status().as_u16(), 201);
    accepted(&app, &csrf, &video, &[("privacy_level", "SELF_ONLY")]).await;
}

#[tokio::test]
async fn too_many_unfinished_uploads_are_refused() {
    let (app, csrf, _) = ready(&[
        ("MAX_UNFINISHED_UPLOADS", "3"),
        ("MAX_UPLOAD_MB", "10"),
        ("MAX_UNFINISHED_UPLOAD_MB", "25"),
    ])
    .await;
    app.disk.set_available(100 * GB);
    let mut made = Vec::new();
    for _ in 0..3 {
        let res = tus_create(&app, &csrf, 1_000).await;
        assert_eq!(res.status().as_u16(), 201);
        made.push(location(&res));
    }
    let res = tus_create(&app, &csrf, 1_000).await;
    assert_eq!(res.status().as_u16(), 429);
    let text = res.text().await.expect("body");
    assert!(text.contains("3 unfinished uploads"), "{text}");

    // One cancelled: room for one more, but not for more bytes than the total allows.
    let res = app
        .client
        .delete(app.url(&made[0]))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    let res = tus_create(&app, &csrf, 10_000_000).await;
    assert_eq!(res.status().as_u16(), 201);
    let res = tus_create(&app, &csrf, 10_000_000).await;
    assert_eq!(res.status().as_u16(), 429, "the count is reached again");
    let res = app
        .client
        .delete(app.url(&made[1]))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    let res = tus_create(&app, &csrf, 10_000_000).await;
    assert_eq!(res.status().as_u16(), 201, "20 MB of 25 declared");
    let res = app
        .client
        .delete(app.url(&made[2]))
        .header("Tus-Resumable", "1.0.0")
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    let res = tus_create(&app, &csrf, 10_000_000).await;
    assert_eq!(
        res.status().as_u16(),
        507,
        "30 MB declared would pass the 25 MB total"
    );
    assert!(res.text().await.expect("body").contains("25 MB"));

    // Declared lengths the disk cannot hold are refused before a byte arrives.
    app.disk.set_available(1_005_000_000);
    let res = tus_create(&app, &csrf, 4_000_000).await;
    assert_eq!(res.status().as_u16(), 507, "the 1000 MB reserve stays free");
}

/// Sends `head` and the first bytes of a body over a raw connection, then stops sending;
/// returns the status line Cast answered with (or what it said before closing).
async fn stall(app: &TestApp, head: &str, first: &[u8]) -> String {
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(head.as_bytes()).await.expect("head");
    conn.write_all(first).await.expect("body");
    let mut answer = Vec::new();
    // A guard against a hang, not a wait: Cast answers as soon as its own timer fires.
    let read = tokio::time::timeout(Duration::from_secs(60), conn.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "Cast held the stalled connection open");
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_slow_body_is_cut_off() {
    let (app, csrf, token) = ready(&[("STALLED_CLIENT_SECS", "1")]).await;
    let res = tus_create(&app, &csrf, 1_000_000).await;
    assert_eq!(res.status().as_u16(), 201);
    let upload = location(&res);

    let head = format!(
        "PATCH {upload} HTTP/1.1\r\nHost: cast\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\nContent-Length: 1000000\r\n\r\n"
    );
    let status = stall(&app, &head, &[1u8; 10]).await;
    assert!(
        status.contains(" 408"),
        "the tus PATCH is cut off: {status:?}"
    );
    let res = app
        .client
        .head(app.url(&upload))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head");
    assert_eq!(
        res.headers()["upload-offset"],
        "10",
        "what arrived is kept, to resume from"
    );

    let boundary = "slow-boundary";
    let head = format!(
        "POST /api/tiktok/upload-video HTTP/1.1\r\nHost: cast\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n"
    );
    let first = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"v.mp4\"\r\nContent-Type: video/mp4\r\n\r\nabc"
    );
    let status = stall(&app, &head, first.as_bytes()).await;
    assert!(
        status.contains(" 408"),
        "the multipart upload is cut off: {status:?}"
    );
    assert!(
        crate::helpers::posts::spool_files(&app).is_empty(),
        "nothing half-received is left in the spool"
    );

    let head = "POST /login HTTP/1.1\r\nHost: cast\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n";
    let status = stall(&app, head, b"pass").await;
    assert!(
        status.contains(" 408"),
        "a crawling login form is cut off: {status:?}"
    );
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off() {
    let app = spawn_app_on(&[("STALLED_CLIENT_SECS", "1")], Runtime::default()).await;
    let status = stall(&app, "GET /login HTTP/1.1\r\nHost: cast\r\n", b"X-Slow: ").await;
    assert!(
        status.is_empty() || status.contains(" 408"),
        "closed, or told it was too slow: {status:?}"
    );
}

#[tokio::test]
async fn a_bad_time_zone_offset_is_a_form_problem() {
    let (app, csrf, _) = ready(&[]).await;
    for offset in ["-2147483648", "abc", "", "5000"] {
        let res = app
            .client
            .post(app.url("/post"))
            .header("HX-Request", "true")
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("when", "schedule"),
                ("publish_at_local", "2030-01-01T18:30"),
                ("tz_offset_min", offset),
                ("upload_id", "none"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status().as_u16(), 422, "offset {offset:?}");
        let text = res.text().await.expect("body");
        assert!(
            text.contains("could not tell your time zone"),
            "{offset:?}: {text}"
        );
    }
}

#[tokio::test]
async fn an_unknown_before_cursor_is_a_400() {
    let (app, csrf, token) = ready(&[]).await;
    accepted(
        &app,
        &csrf,
        &fixture("ok.mp4"),
        &[("privacy_level", "SELF_ONLY")],
    )
    .await;
    for query in ["?before=", "?before=no-such-upload"] {
        let res = list(&app, &token, query).await;
        assert_eq!(res.status().as_u16(), 400, "{query}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "unknown_before", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("message")
                .contains("next_before")
        );
    }
    assert_eq!(
        app.get("/history?before=no-such-upload")
            .await
            .status()
            .as_u16(),
        400
    );
    assert_eq!(list(&app, &token, "?limit=1").await.status().as_u16(), 200);
}
