//! Public media links as a platform's fetcher meets them: exact ranges and HEAD, an empty 404
//! once a link is revoked or expired, nothing to learn from a guessed token, no cookies.

use std::time::Duration;

use cast::clock::Clock;
use cast::links::RevokeReason;
use reqwest::header::HeaderMap;

use crate::media_helpers::{Cast, fetcher, fixture, spawn_cast};

/// Headers that differ between two answers for reasons of their own.
fn comparable(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str() != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    out.sort();
    out
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn get(url: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = fetcher().get(url);
    if let Some(range) = range {
        req = req.header("Range", range);
    }
    req.send().await.expect("request")
}

async fn cast_with_link() -> (Cast, String, Vec<u8>) {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, path) = cast.link("job-1", &fixture("ok.mp4")).await;
    let bytes = std::fs::read(path).expect("read");
    (cast, link.url().to_string(), bytes)
}

#[tokio::test]
async fn a_fetcher_gets_exactly_the_bytes_each_range_names() {
    let (cast, url, file) = cast_with_link().await;
    let size = file.len();
    assert!(
        url.starts_with(&cast.url("/m/")) && url.ends_with("/video.mp4"),
        "{url}"
    );

    let whole = get(&url, None).await;
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(header(&whole, "content-type"), "video/mp4");
    assert_eq!(header(&whole, "content-length"), size.to_string());
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    assert_eq!(header(&whole, "cache-control"), "no-store");
    assert_eq!(header(&whole, "x-robots-tag"), "noindex");
    assert!(!header(&whole, "last-modified").is_empty());
    let sha = crate::media_helpers::sha256(&fixture("ok.mp4"));
    assert_eq!(
        header(&whole, "etag"),
        format!("\"{sha}\""),
        "a strong ETag from the SHA-256"
    );
    assert!(whole.headers().get("transfer-encoding").is_none());
    assert_eq!(whole.bytes().await.expect("body").as_ref(), &file[..]);

    for (range, first, last) in [
        ("bytes=0-99", 0, 99),
        ("bytes=-100", size - 100, size - 1),
        ("bytes=100-", 100, size - 1),
        ("bytes=5000-999999", 5000, size - 1),
    ] {
        let res = get(&url, Some(range)).await;
        assert_eq!(res.status().as_u16(), 206, "{range}");
        assert_eq!(
            header(&res, "content-range"),
            format!("bytes {first}-{last}/{size}"),
            "{range}"
        );
        assert_eq!(
            header(&res, "content-length"),
            (last - first + 1).to_string()
        );
        assert_eq!(header(&res, "content-type"), "video/mp4");
        let body = res.bytes().await.expect("body");
        assert_eq!(body.as_ref(), &file[first..=last], "{range}");
    }
    cast.stop().await;
}

#[tokio::test]
async fn a_range_past_the_end_answers_416_with_the_files_size() {
    let (cast, url, file) = cast_with_link().await;
    for range in [format!("bytes={}-", file.len()), "bytes=-0".to_string()] {
        let res = get(&url, Some(&range)).await;
        assert_eq!(res.status().as_u16(), 416, "{range}");
        assert_eq!(
            header(&res, "content-range"),
            format!("bytes */{}", file.len())
        );
        assert!(res.bytes().await.expect("body").is_empty());
    }
    cast.stop().await;
}

#[tokio::test]
async fn several_ranges_at_once_get_the_whole_file() {
    let (cast, url, file) = cast_with_link().await;
    let res = get(&url, Some("bytes=0-9,20-29")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.bytes().await.expect("body").len(), file.len());
    cast.stop().await;
}

#[tokio::test]
async fn head_answers_the_same_headers_as_get_without_a_body() {
    let (cast, url, _) = cast_with_link().await;
    for range in [
        None,
        Some("bytes=0-99"),
        Some("bytes=-10"),
        Some("bytes=999999-"),
    ] {
        let mut head = fetcher().head(&url);
        if let Some(r) = range {
            head = head.header("Range", r);
        }
        let head = head.send().await.expect("head");
        let get = get(&url, range).await;
        assert_eq!(head.status(), get.status(), "{range:?}");
        assert_eq!(
            comparable(head.headers()),
            comparable(get.headers()),
            "{range:?}"
        );
        assert!(head.bytes().await.expect("body").is_empty());
    }
    cast.stop().await;
}

#[tokio::test]
async fn a_revoked_link_answers_an_empty_404_and_is_never_served_again() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, _) = cast.link("job-revoke", &fixture("ok.mp4")).await;
    assert_eq!(get(link.url(), None).await.status().as_u16(), 200);

    assert!(
        cast.links
            .revoke(link.id, RevokeReason::PublishReturned)
            .await
            .expect("revoke")
    );
    for _ in 0..2 {
        for range in [None, Some("bytes=0-99")] {
            let res = get(link.url(), range).await;
            assert_eq!(res.status().as_u16(), 404);
            assert!(res.headers().get("location").is_none());
            assert!(
                res.headers().get("content-type").is_none(),
                "no HTML, no page"
            );
            assert!(res.bytes().await.expect("body").is_empty());
        }
    }
    let head = fetcher().head(link.url()).send().await.expect("head");
    assert_eq!(head.status().as_u16(), 404);
    // A second revoke has nothing to do.
    assert!(
        !cast
            .links
            .revoke(link.id, RevokeReason::Cancelled)
            .await
            .expect("revoke")
    );
    let info = cast.links.links("job-revoke").await.expect("links");
    assert!(
        matches!(&info[0].state, cast::links::LinkState::Revoked { reason, .. } if reason == "publish_returned"),
        "{info:?}"
    );
    cast.stop().await;
}

#[tokio::test]
async fn a_link_answers_404_once_its_lifetime_has_passed() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, _) = cast.link("job-ttl", &fixture("ok.mp4")).await;
    cast.clock.advance(Duration::from_secs(2 * 3600 - 1));
    assert_eq!(
        get(link.url(), None).await.status().as_u16(),
        200,
        "alive until the end"
    );
    cast.clock.advance(Duration::from_secs(1));
    let res = get(link.url(), None).await;
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.bytes().await.expect("body").is_empty());
    assert!(cast.links.expired_unused("job-ttl").await.expect("links"));
    assert_eq!(cast.links.sweep_expired().await.expect("sweep"), 1);
    // Moving the clock back does not bring it back: the sweep forgot its token.
    cast.clock.advance(Duration::ZERO);
    assert_eq!(get(link.url(), None).await.status().as_u16(), 404);
    cast.stop().await;
}

#[tokio::test]
async fn cancelling_a_job_revokes_every_link_it_has() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (video, _) = cast.link("job-cancel", &fixture("ok.mp4")).await;
    let (other, _) = cast.link("job-other", &fixture("ok.mp4")).await;
    assert_eq!(
        cast.links
            .revoke_job("job-cancel", RevokeReason::Cancelled)
            .await
            .expect("revoke"),
        1
    );
    assert_eq!(get(video.url(), None).await.status().as_u16(), 404);
    assert_eq!(
        get(other.url(), None).await.status().as_u16(),
        200,
        "other jobs keep theirs"
    );
    cast.stop().await;
}

#[tokio::test]
async fn a_guessed_token_gets_the_same_answer_as_a_revoked_one() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (revoked, _) = cast.link("job-a", &fixture("ok.mp4")).await;
    let (expired, _) = cast.link("job-b", &fixture("ok.mp4")).await;
    cast.links
        .revoke(revoked.id, RevokeReason::Cancelled)
        .await
        .expect("revoke");
    cast.clock.advance(Duration::from_secs(3 * 3600));
    let (live, _) = cast.link("job-c", &fixture("ok.mp4")).await;
    // A guess in the right shape: 43 base64url characters, like a real token.
    let guessed = cast.url(&format!("/m/{}/video.mp4", "A".repeat(43)));
    let same_name_other_token = live.url().replace("/m/", "/m/x");

    let mut answers = Vec::new();
    for url in [
        revoked.url().to_string(),
        expired.url().to_string(),
        guessed,
        same_name_other_token,
        cast.url("/m/short/video.mp4"),
    ] {
        let res = get(&url, Some("bytes=0-99")).await;
        let status = res.status().as_u16();
        let headers = comparable(res.headers());
        let body = res.bytes().await.expect("body");
        answers.push((status, headers, body));
    }
    assert_eq!(answers[0].0, 404);
    for other in &answers[1..] {
        assert_eq!(other, &answers[0]);
    }
    // The name is only decoration: the live token serves whatever name follows it.
    let renamed = live.url().replace("/video.mp4", "/anything.bin");
    assert_eq!(get(&renamed, None).await.status().as_u16(), 200);
    cast.stop().await;
}

#[tokio::test]
async fn media_links_never_set_a_cookie_or_redirect_even_for_the_logged_in_owner() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, _) = cast.link("job-cookie", &fixture("ok.mp4")).await;
    // The owner's browser, logged in, with its session cookie.
    let browser = cast.owner_browser().await;
    let dashboard = browser.get(cast.url("/")).send().await.expect("dashboard");
    assert_eq!(dashboard.status().as_u16(), 200, "the owner is logged in");
    let trailing = format!("{}/", link.url());
    for url in [
        link.url().to_string(),
        trailing,
        cast.url("/m/"),
        cast.url("/m/nothing-here.txt"),
        cast.url("/robots.txt"),
    ] {
        for client in [&browser, &fetcher()] {
            let res = client.get(&url).send().await.expect("request");
            assert!(res.headers().get("set-cookie").is_none(), "{url}");
            assert!(res.headers().get("location").is_none(), "{url}");
            assert!(!res.status().is_redirection(), "{url}: {}", res.status());
            if res.status().as_u16() == 404 {
                assert!(res.bytes().await.expect("body").is_empty(), "{url}");
            }
        }
    }
    cast.stop().await;
}

#[tokio::test]
async fn every_request_to_a_link_is_recorded_with_its_job() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, path) = cast.link("job-log", &fixture("ok.mp4")).await;
    let size = std::fs::metadata(&path).expect("stat").len();
    fetcher().head(link.url()).send().await.expect("head");
    cast.clock.advance(Duration::from_secs(2));
    get(link.url(), Some("bytes=0-99"))
        .await
        .bytes()
        .await
        .expect("body");
    get(link.url(), Some(&format!("bytes={size}-"))).await;
    get(link.url(), None).await.bytes().await.expect("body");

    let log = cast.links.fetches("job-log").await.expect("fetches");
    let seen: Vec<(&str, Option<&str>, u16, u64)> = log
        .iter()
        .map(|f| (f.method.as_str(), f.range.as_deref(), f.status, f.bytes))
        .collect();
    let past_end = format!("bytes={size}-");
    assert_eq!(
        seen,
        vec![
            ("HEAD", None, 200, 0),
            ("GET", Some("bytes=0-99"), 206, 100),
            ("GET", Some(past_end.as_str()), 416, 0),
            ("GET", None, 200, size),
        ]
    );
    assert!(log.iter().all(|f| {
        f.user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("facebookexternalhit/1.1"))
    }));
    assert_eq!(log[1].at - log[0].at, 2, "times come from the app's clock");
    let summary = cast.links.summary("job-log").await.expect("summary");
    assert_eq!(summary.requests, 4);
    assert_eq!(summary.bytes, size + 100);
    assert!(
        cast.links
            .fetches("another-job")
            .await
            .expect("fetches")
            .is_empty()
    );
    cast.stop().await;
}

#[tokio::test]
async fn a_link_whose_file_changed_is_not_served() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let (link, path) = cast.link("job-changed", &fixture("ok.mp4")).await;
    std::fs::write(&path, b"something else entirely").expect("overwrite");
    assert_eq!(get(link.url(), None).await.status().as_u16(), 404);
    std::fs::remove_file(&path).expect("delete");
    assert_eq!(get(link.url(), None).await.status().as_u16(), 404);
    cast.stop().await;
}

#[tokio::test]
async fn robots_txt_lets_crawlers_read_media_links_and_nothing_else() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let res = fetcher()
        .get(cast.url("/robots.txt"))
        .send()
        .await
        .expect("robots");
    assert_eq!(res.status().as_u16(), 200);
    assert!(header(&res, "content-type").starts_with("text/plain"));
    let text = res.text().await.expect("body");
    assert_eq!(text, "User-agent: *\nAllow: /m/\nDisallow: /\n");
    cast.stop().await;
}

#[tokio::test]
async fn an_uploaded_verification_file_is_served_under_the_link_prefix() {
    let cast = spawn_cast(Clock::manual_now()).await;
    let contents = b"tiktok-developers-site-verification=AbC123";
    cast.links
        .save_verification_file("tiktokAbC123.txt", contents)
        .await
        .expect("saved");
    let url = cast.links.verification_url("tiktokAbC123.txt");
    assert_eq!(url, cast.url("/m/tiktokAbC123.txt"));
    let res = fetcher().get(&url).send().await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert!(header(&res, "content-type").starts_with("text/plain"));
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(res.bytes().await.expect("body").as_ref(), contents);

    // Uploading again replaces it; other names are an empty 404.
    cast.links
        .save_verification_file("tiktokAbC123.txt", b"v2")
        .await
        .expect("replaced");
    assert_eq!(
        fetcher()
            .get(&url)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("t"),
        "v2"
    );
    let missing = fetcher()
        .get(cast.url("/m/tiktokOther.txt"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing.bytes().await.expect("body").is_empty());

    let too_big = vec![b'x'; cast::links::MAX_VERIFICATION_FILE + 1];
    let err = cast
        .links
        .save_verification_file("big.txt", &too_big)
        .await
        .expect_err("too big");
    assert!(err.to_string().contains("at most"), "{err}");
    let err = cast
        .links
        .save_verification_file("../secret", b"x")
        .await
        .expect_err("bad name");
    assert!(err.to_string().contains("letters, digits"), "{err}");
    assert!(
        cast.links
            .delete_verification_file("tiktokAbC123.txt")
            .await
            .expect("delete")
    );
    assert_eq!(
        fetcher()
            .get(&url)
            .send()
            .await
            .expect("get")
            .status()
            .as_u16(),
        404
    );
    cast.stop().await;
}
