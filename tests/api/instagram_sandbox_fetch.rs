//! Links that misbehave, as Meta's fetcher meets them: each fails the container with words a
//! person can act on, and Cast's client reads it as "check the link, then one new container".

use std::time::Duration;

use actix_web::body::SizedStream;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;
use cast::clock::Clock;
use cast::platforms::instagram::{ContainerState, ErrorKind, InstagramError, PublishRequest};

use crate::instagram_helpers::{
    Rig, connect, create, fetch_and_process, reel_file, rig, rig_with, state_of,
};
use crate::media_helpers::spawn_cast;

/// A server whose every path misbehaves in one way, serving `video` where it serves anything.
async fn bad_links(video: Vec<u8>) -> (String, actix_web::dev::ServerHandle) {
    let video = web::Data::new(video);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let server = HttpServer::new(move || {
        App::new()
            .app_data(video.clone())
            .default_service(web::to(misbehave))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (origin, handle)
}

async fn misbehave(req: HttpRequest, video: web::Data<Vec<u8>>) -> HttpResponse {
    let head = req.method() == Method::HEAD;
    let len = video.len() as u64;
    // HEAD announces the length it would send, as a well-behaved server does.
    let whole = |ct: &str| {
        let mut res = HttpResponse::Ok();
        res.content_type(ct.to_string());
        if head {
            res.body(SizedStream::new(
                len,
                futures_util::stream::empty::<Result<Bytes, std::io::Error>>(),
            ))
        } else {
            res.body(Bytes::from(video.get_ref().clone()))
        }
    };
    match req.path().split('/').nth(1).unwrap_or("") {
        "robots.txt" => HttpResponse::Ok().body("User-agent: *\nDisallow: /blocked/\n"),
        "html" => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body("<!doctype html><html><body>Sign in to continue</body></html>"),
        "redirect" => HttpResponse::Found()
            .insert_header(("Location", "https://elsewhere.example/video.mp4"))
            .finish(),
        "gone" => HttpResponse::NotFound().finish(),
        "octet" => whole("application/octet-stream"),
        // Ignores Range: 200 and the whole file, every time.
        "norange" | "blocked" => whole("video/mp4"),
        // Answers HEAD, then sends the headers of a range and never its body.
        "stall" => {
            if head {
                return HttpResponse::Ok()
                    .content_type("video/mp4")
                    .body(SizedStream::new(
                        len,
                        futures_util::stream::empty::<Result<Bytes, std::io::Error>>(),
                    ));
            }
            HttpResponse::PartialContent()
                .content_type("video/mp4")
                .insert_header(("Content-Range", format!("bytes 0-{}/{len}", len - 1)))
                .body(SizedStream::new(
                    len,
                    futures_util::stream::pending::<Result<Bytes, std::io::Error>>(),
                ))
        }
        _ => HttpResponse::NotFound().finish(),
    }
}

/// The sandbox with the misbehaving server as its "BASE_URL", so plain http is allowed there.
async fn rig_on(origin: &str) -> Rig {
    let clock = Clock::manual_now();
    let cast = spawn_cast(clock.clone()).await;
    rig_with(
        &[],
        clock,
        cast,
        format!("{origin}/auth/instagram/callback"),
    )
    .await
}

async fn failure(
    rig: &Rig,
    token: &cast::config::Secret,
    account: &cast::platforms::instagram::Account,
    container: &str,
) -> InstagramError {
    assert_eq!(state_of(rig, token, container).await, ContainerState::Error);
    rig.client
        .publish_settled(
            token,
            &PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: container,
                caption: "",
            },
        )
        .await
        .expect_err("the container failed")
}

#[tokio::test]
async fn each_misbehaving_link_fails_the_container_with_words_a_person_can_act_on() {
    let dir = tempfile::tempdir().expect("dir");
    let video = std::fs::read(reel_file(dir.path(), 0)).expect("reel");
    let (origin, server) = bad_links(video).await;
    let rig = rig_on(&origin).await;
    let (token, account) = connect(&rig, "unlucky", "BUSINESS").await;
    for (path, words) in [
        ("html", "a web page (text/html) instead of the video"),
        (
            "redirect",
            "with a redirect (HTTP 302 to https://elsewhere.example/video.mp4); Instagram does not follow redirects",
        ),
        ("gone", "HTTP 404: the link does not exist"),
        ("norange", "ignored the Range header"),
        (
            "octet",
            "Content-Type 'application/octet-stream', not video/*",
        ),
        ("blocked", "Restricted by robots.txt"),
    ] {
        let url = format!("{origin}/{path}/video.mp4");
        let container = create(&rig, &token, &account, &url, "").await;
        fetch_and_process(&rig).await;
        let err = failure(&rig, &token, &account, &container).await;
        assert_eq!(
            (err.code, err.subcode),
            (Some(9004), Some(2207052)),
            "{path}"
        );
        assert_eq!(err.kind, ErrorKind::NewContainer, "{path}");
        let text = err.to_string();
        assert!(text.contains(words), "{path}: {text}");
        assert!(
            text.contains("Check that BASE_URL reaches Cast"),
            "{path}: {text}"
        );
        assert!(err.fbtrace_id.is_some());
    }
    server.stop(false).await;
}

#[tokio::test]
async fn a_link_too_slow_to_download_fails_with_the_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let video = std::fs::read(reel_file(dir.path(), 0)).expect("reel");
    let (origin, server) = bad_links(video).await;
    let rig = rig_on(&origin).await;
    let (token, account) = connect(&rig, "patient", "BUSINESS").await;
    let container = create(
        &rig,
        &token,
        &account,
        &format!("{origin}/stall/video.mp4"),
        "",
    )
    .await;
    rig.clock.advance(Duration::from_millis(1000));
    // Looking at the container starts its fetch, which then hangs on the body.
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::InProgress
    );
    rig.clock.advance(Duration::from_secs(601));
    rig.sandbox.settle().await;
    let err = failure(&rig, &token, &account, &container).await;
    assert_eq!((err.code, err.subcode), (Some(-2), Some(2207003)));
    assert_eq!(err.kind, ErrorKind::NewContainer);
    let text = err.to_string();
    assert!(
        text.contains("took too long to download the video"),
        "{text}"
    );
    assert!(text.contains("more than 600 seconds"), "{text}");
    server.stop(false).await;
}

#[tokio::test]
async fn the_fetch_knob_makes_a_good_link_look_bad_in_each_way() {
    let rig = rig(&[(
        "CAST_SANDBOX_INSTAGRAM_FAULTS",
        "fetch:redirect:1,fetch:html:1,fetch:ignore-range:1,fetch:404:1",
    )])
    .await;
    let (token, account) = connect(&rig, "knobs", "BUSINESS").await;
    let video = reel_file(rig.dir.path(), 0);
    for (i, words) in [
        "redirect",
        "web page",
        "ignored the Range header",
        "HTTP 404",
    ]
    .iter()
    .enumerate()
    {
        let (link, _) = rig.cast.link(&format!("job-knob-{i}"), &video).await;
        let container = create(&rig, &token, &account, link.url(), "").await;
        fetch_and_process(&rig).await;
        let err = failure(&rig, &token, &account, &container).await;
        assert_eq!(err.subcode, Some(2207052), "{words}");
        assert!(err.to_string().contains(words), "{words}: {err}");
    }
    // The faults are spent: the next link fetches fine.
    let (link, _) = rig.cast.link("job-knob-ok", &video).await;
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    assert_eq!(
        state_of(&rig, &token, &container).await,
        ContainerState::Finished
    );
}

#[tokio::test]
async fn urls_meta_cannot_fetch_are_refused_when_the_container_is_made() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "syntax", "BUSINESS").await;
    for (url, words) in [
        ("file:///home/me/video.mp4", "a file URL"),
        ("http://cast.example.com/m/x/video.mp4", "a http URL"),
        ("https://203.0.113.5/m/x/video.mp4", "an IP address"),
        ("https://exämple.com/m/x/video.mp4", "US-ASCII"),
        ("https://localhost/m/x/video.mp4", "localhost"),
    ] {
        let options = Default::default();
        let err = rig
            .client
            .create_reel_container(
                &token,
                &account.user_id,
                &cast::platforms::instagram::ReelRequest {
                    video_url: url,
                    cover_url: None,
                    options: &options,
                },
            )
            .await
            .expect_err(url);
        assert_eq!(
            (err.code, err.subcode),
            (Some(9004), Some(2207052)),
            "{url}"
        );
        let text = err.to_string();
        assert!(text.contains(words), "{url}: {text}");
    }
    let missing = rig
        .client
        .create_reel_container(
            &token,
            &account.user_id,
            &cast::platforms::instagram::ReelRequest {
                video_url: "",
                cover_url: None,
                options: &Default::default(),
            },
        )
        .await
        .expect_err("no url");
    assert!(
        missing
            .to_string()
            .contains("The parameter video_url is required"),
        "{missing}"
    );
}
