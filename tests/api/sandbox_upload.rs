//! The sandbox's upload URL: chunk PUTs (contract section 6), one test per rule.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::TestApp;
use crate::helpers::sandbox::*;

/// Two chunks: 5,242,880 bytes then 5,243,003 (the remainder rides in the last).
const SIZE: u64 = MIB5 * 2 + 123;

async fn two_chunk_upload(app: &TestApp, username: &str) -> (Creator, String, String) {
    let c = connect(app, username).await;
    let (status, body) = init_direct(
        app,
        &c.access_token,
        "SELF_ONLY",
        file_source(SIZE, MIB5, 2),
    )
    .await;
    let (publish_id, url) = accepted(status, &body);
    (c, publish_id, url)
}

async fn put_with(url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> reqwest::Response {
    let mut req = reqwest::Client::new().put(url).body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("put")
}

#[tokio::test]
async fn chunks_in_order_get_206_then_201_with_the_progress_range() {
    let app = sandbox_app(&[]).await;
    let (c, publish_id, url) = two_chunk_upload(&app, "maria").await;
    let res = put_chunk(&url, 0, SIZE, garbage(MIB5, 1)).await;
    assert_eq!(res.status().as_u16(), 206);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 0-{}/{SIZE}", MIB5 - 1)
    );
    let (status, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_ok(status, &body);
    assert_eq!(body["data"]["status"], "PROCESSING_UPLOAD");
    assert_eq!(body["data"]["uploaded_bytes"], MIB5);

    let res = put_chunk(&url, MIB5, SIZE, garbage(SIZE - MIB5, 2)).await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 0-{}/{SIZE}", SIZE - 1)
    );
}

#[tokio::test]
async fn a_whole_small_video_is_one_put_answered_201() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (_, url) = accepted(status, &body);
    let res = put_chunk(&url, 0, 1000, garbage(1000, 0)).await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(header(&res, "content-range"), "bytes 0-999/1000");
}

#[tokio::test]
async fn a_content_type_that_is_not_a_video_is_400() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let range = format!("bytes 0-{}/{SIZE}", MIB5 - 1);
    for content_type in ["application/octet-stream", "video/x-msvideo"] {
        let res = put_with(
            &url,
            &[("Content-Type", content_type), ("Content-Range", &range)],
            garbage(MIB5, 0),
        )
        .await;
        assert_eq!(res.status().as_u16(), 400, "{content_type}");
    }
    // Accepted spellings: video/mp4, video/quicktime, video/webm.
    let res = put_with(
        &url,
        &[
            ("Content-Type", "video/quicktime"),
            ("Content-Range", &range),
        ],
        garbage(MIB5, 0),
    )
    .await;
    assert_eq!(res.status().as_u16(), 206);
}

#[tokio::test]
async fn a_missing_or_malformed_content_range_is_400() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let last = MIB5 - 1;
    for range in [
        None,
        Some(format!("bytes=0-{last}")),
        Some(format!("0-{last}/{SIZE}")),
        Some(format!("bytes 0-{last}/*")),
    ] {
        let mut headers = vec![("Content-Type", "video/mp4")];
        if let Some(r) = range.as_deref() {
            headers.push(("Content-Range", r));
        }
        let res = put_with(&url, &headers, garbage(MIB5, 0)).await;
        assert_eq!(res.status().as_u16(), 400, "{range:?}");
    }
}

#[tokio::test]
async fn a_content_range_total_other_than_the_video_size_is_400() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let res = put_chunk(&url, 0, SIZE + 1, garbage(MIB5, 0)).await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn a_content_length_that_disagrees_with_the_content_range_is_400() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let range = format!("bytes 0-{}/{SIZE}", MIB5 - 1);
    let res = put_with(
        &url,
        &[("Content-Type", "video/mp4"), ("Content-Range", &range)],
        garbage(MIB5 - 1, 0),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400);
}

/// A PUT whose body stops short of its Content-Length: written by hand, as no HTTP client will.
async fn short_body_put(url: &str, declared: u64, sent: u64) -> String {
    let url = url::Url::parse(url).expect("url");
    let addr = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().expect("port")
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-{}/{SIZE}\r\nContent-Length: {declared}\r\n\r\n",
        url.path(),
        url.query().unwrap_or(""),
        declared - 1
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&garbage(sent, 0)).await.expect("body");
    stream.shutdown().await.expect("half close");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    answer
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_refused_and_not_counted() {
    let app = sandbox_app(&[]).await;
    let (c, publish_id, url) = two_chunk_upload(&app, "maria").await;
    let answer = short_body_put(&url, MIB5, 1_000_000).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let (_, body) = status_of(&app, &c.access_token, &publish_id).await;
    assert_eq!(body["data"]["uploaded_bytes"], 0);
    // The chunk can be sent again, whole.
    assert_eq!(
        put_chunk(&url, 0, SIZE, garbage(MIB5, 1))
            .await
            .status()
            .as_u16(),
        206
    );
}

#[tokio::test]
async fn a_chunk_out_of_order_is_416_with_the_progress() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let res = put_chunk(&url, MIB5, SIZE, garbage(SIZE - MIB5, 0)).await;
    assert_eq!(res.status().as_u16(), 416);
    assert_eq!(header(&res, "content-range"), format!("bytes */{SIZE}"));
    assert_eq!(
        put_chunk(&url, 0, SIZE, garbage(MIB5, 0))
            .await
            .status()
            .as_u16(),
        206
    );
    // Sending the first chunk again (an overlap) is out of order too, and says how far it got.
    let res = put_chunk(&url, 0, SIZE, garbage(MIB5, 0)).await;
    assert_eq!(res.status().as_u16(), 416);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 0-{}/{SIZE}", MIB5 - 1)
    );
}

#[tokio::test]
async fn a_non_final_chunk_must_be_exactly_chunk_size() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let res = put_chunk(&url, 0, SIZE, garbage(MIB5 + 1, 0)).await;
    assert_eq!(res.status().as_u16(), 400);
    let res = put_chunk(&url, 0, SIZE, garbage(MIB5 - 1, 0)).await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn the_last_chunk_must_end_the_file() {
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    assert_eq!(
        put_chunk(&url, 0, SIZE, garbage(MIB5, 0))
            .await
            .status()
            .as_u16(),
        206
    );
    let res = put_chunk(&url, MIB5, SIZE, garbage(SIZE - MIB5 - 1, 0)).await;
    assert_eq!(res.status().as_u16(), 400);
}

#[tokio::test]
async fn a_put_after_the_last_chunk_is_416_with_the_whole_range() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (_, url) = accepted(status, &body);
    assert_eq!(
        put_chunk(&url, 0, 1000, garbage(1000, 0))
            .await
            .status()
            .as_u16(),
        201
    );
    let res = put_chunk(&url, 0, 1000, garbage(1000, 0)).await;
    assert_eq!(res.status().as_u16(), 416);
    assert_eq!(header(&res, "content-range"), "bytes 0-999/1000");
}

#[tokio::test]
async fn an_expired_upload_url_is_403() {
    let app = sandbox_app(&[("CAST_SANDBOX_UPLOAD_URL_TTL", "1")]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (_, url) = accepted(status, &body);
    app.advance(std::time::Duration::from_millis(1100));
    assert_eq!(
        put_chunk(&url, 0, 1000, garbage(1000, 0))
            .await
            .status()
            .as_u16(),
        403
    );
}

#[tokio::test]
async fn an_unknown_upload_url_is_404() {
    let app = sandbox_app(&[]).await;
    let c = connect(&app, "maria").await;
    let (status, body) = init_direct(
        &app,
        &c.access_token,
        "SELF_ONLY",
        file_source(1000, 1000, 1),
    )
    .await;
    let (_, url) = accepted(status, &body);
    let token = query_param(&url, "upload_token").expect("token");
    for bad in [
        url.replace(&token, "made-up"),
        url.replace("upload_id=", "upload_id=0"),
        api_url(&app, "/upload/video/"),
    ] {
        assert_eq!(
            put_chunk(&bad, 0, 1000, garbage(1000, 0))
                .await
                .status()
                .as_u16(),
            404,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn the_put_needs_no_authorization_header() {
    // put_chunk sends none; a bearer token is not what authorises an upload, the URL is.
    let app = sandbox_app(&[]).await;
    let (_, _, url) = two_chunk_upload(&app, "maria").await;
    let range = format!("bytes 0-{}/{SIZE}", MIB5 - 1);
    let res = put_with(
        &url,
        &[
            ("Content-Type", "video/mp4"),
            ("Content-Range", &range),
            ("Authorization", "Bearer junk"),
        ],
        garbage(MIB5, 0),
    )
    .await;
    assert_eq!(res.status().as_u16(), 206);
}

#[tokio::test]
async fn bytes_that_are_not_a_video_fail_the_format_check() {
    let app = sandbox_app(&[]).await;
    let (c, publish_id, url) = two_chunk_upload(&app, "maria").await;
    assert_eq!(
        put_chunk(&url, 0, SIZE, garbage(MIB5, 3))
            .await
            .status()
            .as_u16(),
        206
    );
    assert_eq!(
        put_chunk(&url, MIB5, SIZE, garbage(SIZE - MIB5, 4))
            .await
            .status()
            .as_u16(),
        201
    );
    let data = wait_final(&app, &c.access_token, &publish_id).await;
    assert_eq!(data["status"], "FAILED");
    assert_eq!(data["fail_reason"], "file_format_check_failed");
    assert_eq!(data["uploaded_bytes"], SIZE);
    // An empty list or no field (the sandbox gives both in turn).
    let ids = data.get("publicaly_available_post_id");
    assert!(
        ids.is_none() || ids == Some(&serde_json::json!([])),
        "{data}"
    );
}
