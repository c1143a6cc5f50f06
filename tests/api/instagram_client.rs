//! Cast's Instagram client against the sandbox and against servers that fail: every failure
//! becomes one error that says what to do next, and nothing secret leaks into its words.

use std::time::Duration;

use cast::config::Secret;
use cast::platforms::instagram::{
    Endpoints, ErrorKind, InstagramClient, InstagramOptions, ReelRequest, SANDBOX_APP_ID,
    SANDBOX_APP_SECRET,
};

use crate::instagram_helpers::{connect, create, fetch_and_process, listing, reel_file, rig};

fn client_at(origin: &str, timeout: Duration) -> InstagramClient {
    let endpoints = Endpoints::from_bases(origin, origin, origin, "v25.0").expect("endpoints");
    InstagramClient::new(
        endpoints,
        SANDBOX_APP_ID,
        Secret::new(SANDBOX_APP_SECRET),
        "http://127.0.0.1/cb",
    )
    .with_timeout(timeout)
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_and_retried_later() {
    // Accepts connections and says nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    let client = client_at(&origin, Duration::from_millis(300));
    let token = Secret::new(format!("IGAA{}", "s".repeat(176)));
    let err = client.me(&token).await.expect_err("silence");
    assert_eq!(err.kind, ErrorKind::Retry);
    assert_eq!(err.reason, Some("timeout"));
    assert!(err.answer_lost());
    assert!(
        !err.to_string().contains("ssss"),
        "no token in the words: {err}"
    );
    held.abort();
}

#[tokio::test]
async fn an_unreachable_host_names_no_url_and_no_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = client_at(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let token = Secret::new(format!("IGAA{}", "t".repeat(176)));
    let err = client
        .publishing_limit(&token, "17841400000000001")
        .await
        .expect_err("closed port");
    assert_eq!(err.kind, ErrorKind::Retry);
    let text = err.to_string();
    assert!(
        !text.contains("tttt") && !text.contains("access_token"),
        "{text}"
    );
    assert!(text.starts_with("Instagram could not be reached"), "{text}");
}

#[tokio::test]
async fn metas_failures_are_sorted_into_what_cast_should_do() {
    let rig = rig(&[(
        "CAST_SANDBOX_INSTAGRAM_FAULTS",
        "me:503:1,limit:190/463:1,status:100/33:1,create:4/2207051:1,create:25/2207050:1,create:429:1",
    )])
    .await;
    let (token, account) = {
        // connect() calls /me once: that call meets the 503.
        let location = crate::instagram_helpers::consent(
            &rig,
            "faults",
            "BUSINESS",
            &crate::instagram_helpers::SCOPE
                .split(',')
                .collect::<Vec<_>>(),
            "allow",
        )
        .await;
        let code = crate::instagram_helpers::query(&location, "code").expect("code");
        let short = rig.client.exchange_code(&code).await.expect("exchange");
        let long = rig
            .client
            .long_lived_token(&short.access_token)
            .await
            .expect("long");
        let err = rig.client.me(&long.access_token).await.expect_err("503");
        assert_eq!(
            (err.kind, err.code, err.http_status),
            (ErrorKind::Retry, Some(2), Some(503))
        );
        assert!(err.is_transient);
        let account = rig.client.me(&long.access_token).await.expect("then fine");
        (long.access_token, account)
    };
    let expired = rig
        .client
        .publishing_limit(&token, &account.user_id)
        .await
        .expect_err("190");
    assert_eq!(expired.kind, ErrorKind::Reconnect);
    assert!(expired.token_rejected());
    let (link, _) = rig
        .cast
        .link("job-faults", &reel_file(rig.dir.path(), 0))
        .await;
    let options = InstagramOptions::default();
    let reel = ReelRequest {
        video_url: link.url(),
        cover_url: None,
        options: &options,
    };
    let spam = rig
        .client
        .create_reel_container(&token, &account.user_id, &reel)
        .await
        .expect_err("spam");
    assert_eq!(spam.kind, ErrorKind::Permanent);
    assert_eq!(spam.account_pause, Some(Duration::from_secs(3600)));
    assert!(
        spam.to_string().contains("will not post to it for an hour"),
        "{spam}"
    );
    let restricted = rig
        .client
        .create_reel_container(&token, &account.user_id, &reel)
        .await
        .expect_err("restricted");
    assert_eq!(restricted.kind, ErrorKind::Permanent);
    assert!(
        restricted
            .to_string()
            .contains("open the Instagram app and clear what it asks"),
        "{restricted}"
    );
    let limited = rig
        .client
        .create_reel_container(&token, &account.user_id, &reel)
        .await
        .expect_err("429");
    assert_eq!((limited.kind, limited.code), (ErrorKind::Retry, Some(4)));
    let container = rig
        .client
        .create_reel_container(&token, &account.user_id, &reel)
        .await
        .expect("then it works");
    // A failed poll (even a 100/33) is retried, never taken as the container's end.
    let poll = rig
        .client
        .container_status(&token, &container)
        .await
        .expect_err("100/33");
    assert_eq!(poll.kind, ErrorKind::Retry);
    rig.client
        .container_status(&token, &container)
        .await
        .expect("the next poll answers");
}

#[tokio::test]
async fn a_lost_create_answer_is_retried_and_still_ends_with_one_reel() {
    let rig = rig(&[("CAST_SANDBOX_INSTAGRAM_FAULTS", "create:lost:1")]).await;
    let (token, account) = connect(&rig, "orphan", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-orphan", &reel_file(rig.dir.path(), 0))
        .await;
    let options = InstagramOptions::default();
    let reel = ReelRequest {
        video_url: link.url(),
        cover_url: None,
        options: &options,
    };
    let lost = rig
        .client
        .create_reel_container(&token, &account.user_id, &reel)
        .await
        .expect_err("cut off");
    assert!(lost.answer_lost());
    assert_eq!(lost.kind, ErrorKind::Retry);
    // The retry makes a second container; the first is never published and expires.
    let container = create(&rig, &token, &account, link.url(), "").await;
    fetch_and_process(&rig).await;
    rig.client
        .publish_settled(
            &token,
            &cast::platforms::instagram::PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "",
            },
        )
        .await
        .expect("published");
    let posts = listing(&rig).await;
    assert_eq!(posts.len(), 2, "two containers");
    assert_eq!(
        posts.iter().filter(|p| !p["media_id"].is_null()).count(),
        1,
        "one reel"
    );
}

#[tokio::test]
async fn container_and_media_ids_above_two_to_the_53_are_kept_as_text() {
    let rig = rig(&[]).await;
    let (token, account) = connect(&rig, "digits", "BUSINESS").await;
    let (link, _) = rig
        .cast
        .link("job-digits", &reel_file(rig.dir.path(), 0))
        .await;
    let container = create(&rig, &token, &account, link.url(), "digits").await;
    fetch_and_process(&rig).await;
    let published = rig
        .client
        .publish_settled(
            &token,
            &cast::platforms::instagram::PublishRequest {
                user_id: &account.user_id,
                username: &account.username,
                container_id: &container,
                caption: "digits",
            },
        )
        .await
        .expect("published");
    let stored: (String, String) =
        sqlx::query_as("SELECT container_id, media_id FROM sandbox_instagram_containers")
            .fetch_one(rig.sandbox.db())
            .await
            .expect("row");
    assert_eq!(
        stored,
        (container, published.media_id.clone().expect("media id"))
    );
    let recent = rig
        .client
        .recent_media(&token, &account.user_id, 5)
        .await
        .expect("media");
    assert_eq!(recent.len(), 1);
    assert_eq!(Some(recent[0].id.clone()), published.media_id);
    assert_eq!(recent[0].permalink.as_deref(), Some(published.url.as_str()));
    assert_eq!(recent[0].media_product_type.as_deref(), Some("REELS"));
}
